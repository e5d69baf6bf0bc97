"""Inspection-plan characteristics (检验项目) as data, and the pure evaluation of one unit's answers against them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from shared_models.quality.sampling import SamplingError, SamplingPlan, judge

Kind = Literal["numeric", "pass_fail", "choice", "text", "photo"]
Severity = Literal["critical", "major", "minor"]
Verdict = Literal["pass", "fail"]
Problem = Literal["missing_answer", "missing_photo", "wrong_type", "unknown_characteristic"]

KINDS: tuple[str, ...] = ("numeric", "pass_fail", "choice", "text", "photo")
SEVERITIES: tuple[str, ...] = ("critical", "major", "minor")


class CharacteristicDefinitionError(ValueError):
    code = "characteristic_definition"


@dataclass(frozen=True, slots=True)
class InputProblem:
    characteristic: str
    problem: Problem
    message: str


class InspectionInputError(ValueError):
    """Every problem with the answers at once, so a form can mark all the fields to fix."""

    code = "inspection_input"

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(" ".join(problem.message for problem in self.problems))


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One line of an inspection plan. Numeric limits are inclusive and either may be open (None);
    a choice fails when the answer is one of `fail_choices`; text and photo record only and never fail.
    A failing characteristic reports `defect_code`, or its own code when that is empty."""

    code: str
    name: str
    kind: Kind
    unit: str | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    nominal: Decimal | None = None
    choices: tuple[str, ...] = ()
    required: bool = True
    photo_required: bool = False
    defect_code: str | None = None
    severity: Severity = "major"
    fail_choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("lower", "upper", "nominal"):
            object.__setattr__(self, name, _limit(self, name, getattr(self, name)))
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "fail_choices", tuple(self.fail_choices))
        problems = _definition_problems(self)
        if problems:
            raise CharacteristicDefinitionError(f"Characteristic {self.code!r}: " + "; ".join(problems) + ".")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Characteristic:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CharacteristicDefinitionError(f"Characteristic {data.get('code')!r} has unknown keys: {unknown}.")
        return cls(**data)

    @property
    def expected(self) -> str:
        if self.kind == "numeric":
            return f"a number in {self.unit}" if self.unit else "a number"
        if self.kind == "pass_fail":
            return "pass or fail (true/false)"
        if self.kind == "choice":
            return "one of: " + ", ".join(self.choices)
        if self.kind == "text":
            return "text"
        return "at least one photo"


@dataclass(frozen=True, slots=True)
class CharacteristicResult:
    code: str
    verdict: Verdict
    reason: str
    value: Any
    severity: Severity
    defect_code: str | None  # set only when the verdict is fail


@dataclass(frozen=True, slots=True)
class InspectionOutcome:
    """`per_characteristic` follows plan order and leaves out unanswered optional lines, which are in `missing`."""

    per_characteristic: list[CharacteristicResult]
    defects: list[tuple[str, int]]
    verdict: Verdict
    missing: list[str]


def evaluate(characteristics: Iterable[Characteristic], answers: Mapping[str, Any],
             photos: Mapping[str, int] | None = None) -> InspectionOutcome:
    """One unit's answers against the plan. Raises InspectionInputError naming each characteristic code with a
    missing required answer or photo, an answer of the wrong type, or an answer for a code not in the plan;
    CharacteristicDefinitionError when two characteristics share a code."""
    plan = list(characteristics)
    photos = photos or {}
    codes = [c.code for c in plan]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise CharacteristicDefinitionError(f"The plan lists these codes more than once: {', '.join(duplicates)}.")

    problems = [InputProblem(code, "unknown_characteristic", f"{code}: there is no such characteristic in the plan.")
                for code in sorted((set(answers) | set(photos)) - set(codes))]
    results: list[CharacteristicResult] = []
    missing: list[str] = []
    for c in plan:
        found = _photo_count(c, photos.get(c.code, 0), problems)
        if c.kind == "photo":
            result = _photo_result(c, answers.get(c.code), found, problems, missing)
        elif _blank(answers.get(c.code)):
            if c.required:
                problems.append(InputProblem(c.code, "missing_answer", f"{_who(c)} is required: {c.expected}."))
            else:
                missing.append(c.code)
            continue
        else:
            result = _judge(c, answers[c.code], problems)
            if c.photo_required and found == 0:  # None: the count itself was wrong, already reported
                problems.append(InputProblem(c.code, "missing_photo", f"{_who(c)} needs at least one photo."))
        if result is not None:
            results.append(result)
    if problems:
        raise InspectionInputError(problems)

    defects: dict[str, int] = {}
    for result in results:
        if result.defect_code is not None:
            defects[result.defect_code] = defects.get(result.defect_code, 0) + 1
    return InspectionOutcome(
        per_characteristic=results,
        defects=list(defects.items()),
        verdict="fail" if defects else "pass",
        missing=missing,
    )


def verdict_for_sample(plan: SamplingPlan, defective_units: int) -> Verdict:
    """The lot's verdict from the count of failed units in the sample. Raises SamplingError for a count below 0
    or above the sample size."""
    if isinstance(defective_units, int) and not isinstance(defective_units, bool) \
            and defective_units > plan.sample_size:
        raise SamplingError(f"{defective_units} defective units cannot come from a sample of {plan.sample_size}.")
    return "pass" if judge(plan, defective_units) == "accept" else "fail"


def _judge(c: Characteristic, value: Any, problems: list[InputProblem]) -> CharacteristicResult | None:
    if c.kind == "numeric":
        number = _number(value)
        if number is None:
            problems.append(_wrong(c, value))
            return None
        return _numeric_result(c, number)
    if c.kind == "pass_fail":
        passed = {True: True, False: False, "pass": True, "fail": False}.get(value) \
            if isinstance(value, (bool, str)) else None
        if passed is None:
            problems.append(_wrong(c, value))
            return None
        return _result(c, passed, "marked pass" if passed else "marked fail", value)
    if c.kind == "choice":
        if not isinstance(value, str) or value not in c.choices:
            problems.append(_wrong(c, value))
            return None
        failed = value in c.fail_choices
        return _result(c, not failed, f"{value!r} is a {'failing' if failed else 'passing'} choice", value)
    if not isinstance(value, str):
        problems.append(_wrong(c, value))
        return None
    return _result(c, True, "recorded", value)


def _numeric_result(c: Characteristic, number: Decimal) -> CharacteristicResult:
    unit = f" {c.unit}" if c.unit else ""
    if c.lower is not None and number < c.lower:
        return _result(c, False, f"{number}{unit} is below the lower limit {c.lower}{unit}", number)
    if c.upper is not None and number > c.upper:
        return _result(c, False, f"{number}{unit} is above the upper limit {c.upper}{unit}", number)
    low = "-∞" if c.lower is None else str(c.lower)
    high = "+∞" if c.upper is None else str(c.upper)
    return _result(c, True, f"{number}{unit} is within [{low}, {high}]{unit}", number)


def _photo_result(c: Characteristic, answer: Any, found: int | None, problems: list[InputProblem],
                  missing: list[str]) -> CharacteristicResult | None:
    if answer is not None:
        problems.append(InputProblem(c.code, "wrong_type", f"{_who(c)} takes photos, not an answer ({answer!r})."))
        return None
    if found is None:
        return None
    if found == 0:
        if c.required or c.photo_required:
            problems.append(InputProblem(c.code, "missing_photo", f"{_who(c)} needs at least one photo."))
        else:
            missing.append(c.code)
        return None
    return _result(c, True, f"{found} photo(s) attached", found)


def _photo_count(c: Characteristic, raw: Any, problems: list[InputProblem]) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        problems.append(InputProblem(c.code, "wrong_type", f"{_who(c)}: photo count must be 0 or more, not {raw!r}."))
        return None
    return raw


def _result(c: Characteristic, passed: bool, reason: str, value: Any) -> CharacteristicResult:
    return CharacteristicResult(
        code=c.code,
        verdict="pass" if passed else "fail",
        reason=reason,
        value=value,
        severity=c.severity,
        defect_code=None if passed else (c.defect_code or c.code),
    )


def _number(value: Any) -> Decimal | None:
    # Forms send strings; floats go through str() so 12.6 compares as 12.6, not 12.5999999999999996447...
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _limit(c: Characteristic, name: str, raw: Any) -> Decimal | None:
    if raw is None:
        return None
    number = _number(raw)
    if number is None:
        raise CharacteristicDefinitionError(f"Characteristic {c.code!r}: {name} must be a number, not {raw!r}.")
    return number


def _definition_problems(c: Characteristic) -> list[str]:
    problems: list[str] = []
    if not c.code:
        problems.append("code is empty")
    if c.kind not in KINDS:
        problems.append(f"kind {c.kind!r} is not one of {', '.join(KINDS)}")
    if c.severity not in SEVERITIES:
        problems.append(f"severity {c.severity!r} is not one of {', '.join(SEVERITIES)}")
    if c.kind != "numeric" and (c.lower, c.upper, c.nominal) != (None, None, None):
        problems.append("only a numeric characteristic has limits")
    if c.lower is not None and c.upper is not None and c.lower > c.upper:
        problems.append(f"lower limit {c.lower} is above upper limit {c.upper}")
    if c.kind == "choice" and not c.choices:
        problems.append("a choice characteristic needs choices")
    if c.kind != "choice" and c.choices:
        problems.append("only a choice characteristic has choices")
    stray = [choice for choice in c.fail_choices if choice not in c.choices]
    if stray:
        problems.append(f"fail_choices {stray} are not among the choices")
    return problems


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _who(c: Characteristic) -> str:
    return f"{c.code} ({c.name})" if c.name else c.code


def _wrong(c: Characteristic, value: Any) -> InputProblem:
    return InputProblem(c.code, "wrong_type", f"{_who(c)} expects {c.expected}, not {value!r}.")
