"""Quality (质量): inspection plans, inspections with ISO 2859-1 sampling and photos, nonconformance review (MRB)."""
