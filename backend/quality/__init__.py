"""Quality (质量): inspection plans, inspections with ISO 2859-1 sampling and photos, nonconformance review (MRB)."""

from backend.quality.controller import QualityController
from backend.quality.nonconformance import NonconformanceService
from backend.quality.plans import PlanService, load_demo_plans
from backend.quality.service import InspectionService

__all__ = ["InspectionService", "NonconformanceService", "PlanService", "QualityController", "load_demo_plans"]
