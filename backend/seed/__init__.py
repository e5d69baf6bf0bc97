"""Demo plant and benchmark-scale data."""
