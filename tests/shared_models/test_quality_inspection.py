"""Inspection characteristics: limits at their boundaries, verdicts, defects, and every kind of input error."""

from decimal import Decimal

import pytest

from shared_models.quality import (
    Characteristic,
    CharacteristicDefinitionError,
    InspectionInputError,
    SamplingError,
    evaluate,
    sampling_plan,
    verdict_for_sample,
)

DIAMETER = Characteristic("D1", "Diameter", "numeric", unit="mm", lower=Decimal("12.40"), upper=Decimal("12.60"),
                          nominal=Decimal("12.50"), defect_code="DIM", severity="major")
TORQUE = Characteristic("T1", "Torque", "numeric", unit="Nm", upper="5.0", defect_code="DIM", severity="minor")
SEAL = Characteristic("S1", "Seal intact", "pass_fail", defect_code="SEAL", severity="critical")
FINISH = Characteristic("F1", "Surface", "choice", choices=("ok", "scratched", "dented"),
                        fail_choices=("scratched", "dented"), defect_code="COS", severity="minor")
NOTE = Characteristic("N1", "Note", "text", required=False)
LABEL = Characteristic("P1", "Label photo", "photo")
PLAN = [DIAMETER, TORQUE, SEAL, FINISH, NOTE, LABEL]
GOOD = {"D1": "12.50", "T1": 4, "S1": True, "F1": "ok", "N1": "fine"}


def _input_error(answers, photos=None, plan=PLAN):
    with pytest.raises(InspectionInputError) as exc:
        evaluate(plan, answers, {"P1": 1} if photos is None else photos)
    return exc.value


def test_a_good_unit_passes_with_a_reason_per_characteristic():
    outcome = evaluate(PLAN, GOOD, {"P1": 2})
    assert outcome.verdict == "pass"
    assert (outcome.defects, outcome.missing) == ([], [])
    assert [(r.code, r.verdict) for r in outcome.per_characteristic] == [
        ("D1", "pass"), ("T1", "pass"), ("S1", "pass"), ("F1", "pass"), ("N1", "pass"), ("P1", "pass")]
    assert outcome.per_characteristic[0].reason == "12.50 mm is within [12.40, 12.60] mm"
    assert outcome.per_characteristic[5].reason == "2 photo(s) attached"


@pytest.mark.parametrize("value", ["12.40", "12.60", 12.4, 12.6, Decimal("12.400"), "12.5"])
def test_numeric_limits_are_inclusive(value):
    result = evaluate([DIAMETER], {"D1": value}).per_characteristic[0]
    assert result.verdict == "pass"


@pytest.mark.parametrize(("value", "reason"), [
    ("12.39", "12.39 mm is below the lower limit 12.40 mm"),
    (12.399, "12.399 mm is below the lower limit 12.40 mm"),
    ("12.61", "12.61 mm is above the upper limit 12.60 mm"),
    (13, "13 mm is above the upper limit 12.60 mm"),
])
def test_numeric_outside_the_limits_is_a_defect(value, reason):
    outcome = evaluate([DIAMETER], {"D1": value})
    result = outcome.per_characteristic[0]
    assert (result.verdict, result.reason, result.defect_code, result.severity) == ("fail", reason, "DIM", "major")
    assert (outcome.verdict, outcome.defects) == ("fail", [("DIM", 1)])


def test_one_sided_limit():
    assert evaluate([TORQUE], {"T1": "5.0"}).verdict == "pass"
    assert evaluate([TORQUE], {"T1": -100}).per_characteristic[0].reason == "-100 Nm is within [-∞, 5.0] Nm"
    assert evaluate([TORQUE], {"T1": "5.01"}).verdict == "fail"


@pytest.mark.parametrize(("value", "verdict"), [(True, "pass"), ("pass", "pass"), (False, "fail"), ("fail", "fail")])
def test_pass_fail(value, verdict):
    assert evaluate([SEAL], {"S1": value}).verdict == verdict


@pytest.mark.parametrize(("value", "verdict"), [("ok", "pass"), ("scratched", "fail"), ("dented", "fail")])
def test_choice(value, verdict):
    assert evaluate([FINISH], {"F1": value}).verdict == verdict


def test_defects_are_counted_per_defect_code_in_plan_order():
    answers = {**GOOD, "D1": "12.9", "T1": "6", "S1": False}
    outcome = evaluate(PLAN, answers, {"P1": 1})
    assert outcome.defects == [("DIM", 2), ("SEAL", 1)]
    assert outcome.verdict == "fail"


def test_a_failing_characteristic_without_defect_code_reports_its_own_code():
    bare = Characteristic("V1", "Visual", "pass_fail")
    assert evaluate([bare], {"V1": False}).defects == [("V1", 1)]


def test_text_and_photo_never_fail():
    outcome = evaluate([NOTE, LABEL], {"N1": "scratch on the box"}, {"P1": 1})
    assert outcome.verdict == "pass"


def test_unanswered_optional_characteristics_are_listed_as_missing():
    optional_photo = Characteristic("P2", "Extra photo", "photo", required=False)
    outcome = evaluate([DIAMETER, NOTE, optional_photo], {"D1": "12.5", "N1": "  "})
    assert outcome.missing == ["N1", "P2"]
    assert [r.code for r in outcome.per_characteristic] == ["D1"]
    assert outcome.verdict == "pass"


# --- input errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answers", [{k: v for k, v in GOOD.items() if k != "D1"}, {**GOOD, "D1": ""},
                                     {**GOOD, "D1": None}])
def test_missing_required_answer_names_the_code_and_what_is_expected(answers):
    err = _input_error(answers)
    assert [(p.characteristic, p.problem) for p in err.problems] == [("D1", "missing_answer")]
    assert str(err) == "D1 (Diameter) is required: a number in mm."


@pytest.mark.parametrize(("code", "value", "expected"), [
    ("D1", "abc", "expects a number in mm, not 'abc'"),
    ("D1", True, "expects a number in mm, not True"),
    ("D1", float("nan"), "expects a number in mm, not nan"),
    ("D1", [12.5], "expects a number in mm, not [12.5]"),
    ("S1", "yes", "expects pass or fail (true/false), not 'yes'"),
    ("S1", 1, "expects pass or fail (true/false), not 1"),
    ("F1", "shiny", "expects one of: ok, scratched, dented, not 'shiny'"),
    ("N1", 42, "expects text, not 42"),
])
def test_wrong_type_names_the_code_and_what_is_expected(code, value, expected):
    err = _input_error({**GOOD, code: value})
    assert [(p.characteristic, p.problem) for p in err.problems] == [(code, "wrong_type")]
    assert expected in str(err) and str(err).startswith(code)


def test_missing_required_photo_on_a_photo_characteristic():
    err = _input_error(GOOD, photos={})
    assert [(p.characteristic, p.problem) for p in err.problems] == [("P1", "missing_photo")]
    assert str(err) == "P1 (Label photo) needs at least one photo."


def test_photo_required_on_a_measured_characteristic():
    documented = Characteristic("D2", "Crack", "pass_fail", photo_required=True)
    err = _input_error({"D2": False}, photos={}, plan=[documented])
    assert [(p.characteristic, p.problem) for p in err.problems] == [("D2", "missing_photo")]
    assert evaluate([documented], {"D2": False}, {"D2": 1}).verdict == "fail"


def test_photo_count_must_be_a_count():
    err = _input_error(GOOD, photos={"P1": -1})
    assert [(p.characteristic, p.problem) for p in err.problems] == [("P1", "wrong_type")]


def test_a_photo_characteristic_takes_no_answer():
    err = _input_error({**GOOD, "P1": "see photo"})
    assert [(p.characteristic, p.problem) for p in err.problems] == [("P1", "wrong_type")]


def test_answers_for_codes_not_in_the_plan_are_refused():
    err = _input_error({**GOOD, "X9": 1})
    assert [(p.characteristic, p.problem) for p in err.problems] == [("X9", "unknown_characteristic")]


def test_all_problems_are_reported_together():
    err = _input_error({"D1": "abc", "T1": 4, "F1": "ok"}, photos={})
    assert [(p.characteristic, p.problem) for p in err.problems] == [
        ("D1", "wrong_type"), ("S1", "missing_answer"), ("P1", "missing_photo")]


def test_inspection_input_error_is_a_value_error():
    assert issubclass(InspectionInputError, ValueError)


# --- definitions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "numeric", "lower": "2", "upper": "1"}, "lower limit 2 is above upper limit 1"),
    ({"kind": "numeric", "lower": "abc"}, "lower must be a number"),
    ({"kind": "choice"}, "a choice characteristic needs choices"),
    ({"kind": "choice", "choices": ("a",), "fail_choices": ("b",)}, "fail_choices ['b'] are not among the choices"),
    ({"kind": "text", "upper": "1"}, "only a numeric characteristic has limits"),
    ({"kind": "pass_fail", "choices": ("a",)}, "only a choice characteristic has choices"),
    ({"kind": "colour"}, "kind 'colour' is not one of"),
    ({"kind": "text", "severity": "huge"}, "severity 'huge' is not one of"),
])
def test_bad_definitions_are_refused(kwargs, message):
    with pytest.raises(CharacteristicDefinitionError, match="Characteristic 'C1'") as exc:
        Characteristic("C1", "Thing", **kwargs)
    assert message in str(exc.value)


def test_from_dict_reads_a_plan_line_and_refuses_unknown_keys():
    line = {"code": "D1", "name": "Diameter", "kind": "numeric", "unit": "mm", "lower": "12.40", "upper": 12.6,
            "nominal": "12.50", "defect_code": "DIM"}
    assert Characteristic.from_dict(line) == DIAMETER
    with pytest.raises(CharacteristicDefinitionError, match="unknown keys: \\['max'\\]"):
        Characteristic.from_dict({**line, "max": 3})


def test_a_plan_with_duplicate_codes_is_refused():
    with pytest.raises(CharacteristicDefinitionError, match="more than once: D1"):
        evaluate([DIAMETER, DIAMETER], {"D1": "12.5"})


# --- with sampling ----------------------------------------------------------------------------------------------

def test_verdict_for_sample_uses_ac_and_re():
    plan = sampling_plan(1000, "1.0")  # J, n=80, Ac 2, Re 3
    assert [verdict_for_sample(plan, n) for n in (0, 2, 3, 80)] == ["pass", "pass", "fail", "fail"]


@pytest.mark.parametrize("count", [-1, 81])
def test_verdict_for_sample_refuses_impossible_counts(count):
    with pytest.raises(SamplingError):
        verdict_for_sample(sampling_plan(1000, "1.0"), count)
