"""Quality domain (质量): AQL sampling, inspection characteristics, and the nonconformance review workflow."""

from shared_models.quality.inspection import (
    Characteristic,
    CharacteristicDefinitionError,
    CharacteristicResult,
    InputProblem,
    InspectionInputError,
    InspectionOutcome,
    evaluate,
    verdict_for_sample,
)
from shared_models.quality.nonconformance import DISPOSITIONS, NONCONFORMANCE, NONCONFORMANCE_WORKFLOW
from shared_models.quality.sampling import (
    AQL_VALUES,
    LEVELS,
    SamplingError,
    SamplingPlan,
    code_letter,
    judge,
    sampling_plan,
)
from shared_models.quality.workflow import (
    IllegalTransition,
    State,
    Step,
    Transition,
    Workflow,
    WorkflowDefinitionError,
)

__all__ = [
    "AQL_VALUES",
    "DISPOSITIONS",
    "LEVELS",
    "NONCONFORMANCE",
    "NONCONFORMANCE_WORKFLOW",
    "Characteristic",
    "CharacteristicDefinitionError",
    "CharacteristicResult",
    "IllegalTransition",
    "InputProblem",
    "InspectionInputError",
    "InspectionOutcome",
    "SamplingError",
    "SamplingPlan",
    "State",
    "Step",
    "Transition",
    "Workflow",
    "WorkflowDefinitionError",
    "code_letter",
    "evaluate",
    "judge",
    "sampling_plan",
    "verdict_for_sample",
]
