"""The workflow engine and the default nonconformance (不合格品评审) machine."""

import copy
import json

import pytest
import yaml

from shared_models.enums import Role
from shared_models.quality import (
    DISPOSITIONS,
    NONCONFORMANCE,
    NONCONFORMANCE_WORKFLOW,
    IllegalTransition,
    Step,
    Transition,
    Workflow,
    WorkflowDefinitionError,
)

NC = NONCONFORMANCE_WORKFLOW
QA, INSPECTOR = Role.QA_MANAGER, Role.INSPECTOR


def _illegal(state, transition, role=QA, fields=None):
    with pytest.raises(IllegalTransition) as exc:
        NC.fire(state, transition, role, fields or {})
    return exc.value


# --- every legal transition -------------------------------------------------------------------------------

def test_inspector_opens_a_nonconformance():
    assert NC.start(INSPECTOR, {"lot_no": "L-1"}) == Step(None, "open", "open", {"lot_no": "L-1"})


def test_qa_manager_starts_the_review():
    assert NC.fire("open", "start_review", QA, {}) == Step("open", "under_review", "start_review", {})


@pytest.mark.parametrize("disposition", ["rework", "scrap", "return_to_supplier"])
def test_qa_manager_dispositions_and_the_step_records_which(disposition):
    step = NC.fire("under_review", disposition, QA, {"reason": "burr"})
    assert step == Step("under_review", "dispositioned", disposition, {"reason": "burr", "disposition": disposition})


def test_use_as_is_with_approval():
    step = NC.fire("under_review", "use_as_is", QA, {"approved_by": "u-7"})
    assert (step.target, step.fields) == ("dispositioned", {"approved_by": "u-7", "disposition": "use_as_is"})


def test_qa_manager_closes_a_dispositioned_nonconformance():
    assert NC.fire("dispositioned", "close", QA, {}) == Step("dispositioned", "closed", "close", {})


@pytest.mark.parametrize("role", [INSPECTOR, QA])
def test_inspector_or_qa_manager_cancels_an_open_one_with_a_reason(role):
    step = NC.fire("open", "cancel", role, {"reason": "opened twice"})
    assert (step.source, step.target) == ("open", "cancelled")


def test_the_disposition_set_by_the_transition_wins_over_a_supplied_one():
    assert NC.fire("under_review", "rework", QA, {"disposition": "scrap"}).fields == {"disposition": "rework"}


def test_fire_does_not_change_the_callers_fields():
    fields = {"approved_by": "u-7"}
    NC.fire("under_review", "use_as_is", QA, fields)
    assert fields == {"approved_by": "u-7"}


def test_a_full_review_walks_open_to_closed():
    state = NC.start(INSPECTOR, {}).target
    for name, fields in [("start_review", {}), ("scrap", {}), ("close", {})]:
        state = NC.fire(state, name, QA, fields).target
    assert state == "closed"


# --- each kind of illegal transition ----------------------------------------------------------------------

@pytest.mark.parametrize(("state", "label"), [("closed", "closed"), ("cancelled", "cancelled")])
def test_nothing_fires_from_a_final_state(state, label):
    err = _illegal(state, "start_review")
    assert err.code == "already_final"
    assert str(err) == f"Nonconformance is {label}; no further transitions."
    assert (err.state, err.transition) == (state, "start_review")


def test_a_transition_not_out_of_this_state_names_what_is_allowed():
    err = _illegal("open", "close")
    assert err.code == "illegal_transition"
    assert str(err) == "From 'open' you can: start_review, cancel; 'close' is not one of them."
    assert err.allowed == ("start_review", "cancel")


def test_an_unknown_transition_name_is_illegal():
    err = _illegal("under_review", "approve")
    assert err.code == "illegal_transition"
    assert "rework, scrap, use_as_is, return_to_supplier" in str(err)


def test_an_unknown_state_is_illegal_and_lists_the_states():
    err = _illegal("draft", "start_review")
    assert err.code == "illegal_transition"
    assert "'draft' is not a state of Nonconformance" in str(err) and "under_review" in str(err)


@pytest.mark.parametrize(("state", "transition", "role"), [
    ("open", "start_review", INSPECTOR),
    ("under_review", "scrap", INSPECTOR),
    ("dispositioned", "close", INSPECTOR),
    ("open", "cancel", Role.PICKER),
])
def test_a_role_that_may_not_fire_it(state, transition, role):
    err = _illegal(state, transition, role, {"reason": "x"})
    assert err.code == "role_not_allowed"
    assert f"can {transition} from '{state}'; you are {role}." in str(err)


def test_only_an_inspector_opens():
    with pytest.raises(IllegalTransition, match="Only inspector can open; you are qa_manager") as exc:
        NC.start(QA, {})
    assert exc.value.code == "role_not_allowed"


@pytest.mark.parametrize("approved_by", [None, "", "   "])
def test_use_as_is_needs_approved_by(approved_by):
    fields = {} if approved_by is None else {"approved_by": approved_by}
    err = _illegal("under_review", "use_as_is", QA, fields)
    assert err.code == "missing_field"
    assert err.missing == ("approved_by",)
    assert str(err) == "use_as_is from 'under_review' needs approved_by."


def test_cancel_needs_a_reason():
    err = _illegal("open", "cancel", INSPECTOR)
    assert (err.code, err.missing) == ("missing_field", ("reason",))


def test_illegal_transition_is_a_value_error():
    assert issubclass(IllegalTransition, ValueError)


# --- allowed() ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("state", "role", "names"), [
    ("open", INSPECTOR, ["cancel"]),
    ("open", QA, ["start_review", "cancel"]),
    ("under_review", QA, ["rework", "scrap", "use_as_is", "return_to_supplier"]),
    ("under_review", INSPECTOR, []),
    ("dispositioned", QA, ["close"]),
    ("closed", QA, []),
    ("cancelled", INSPECTOR, []),
])
def test_allowed_per_state_and_role(state, role, names):
    assert [t.name for t in NC.allowed(state, role)] == names


def test_a_transition_without_roles_is_open_to_any_role():
    flow = Workflow.from_dict(_minimal())
    assert [t.name for t in flow.allowed("a", "anyone")] == ["finish"]


# --- the nonconformance data --------------------------------------------------------------------------------

def test_states_carry_glossary_labels():
    labels = {s.name: (s.label_en, s.label_zh) for s in NC.states}
    assert labels == {
        "open": ("Open", "待评审"),
        "under_review": ("Under review", "评审中"),
        "dispositioned": ("Dispositioned", "已处置"),
        "closed": ("Closed", "已关闭"),
        "cancelled": ("Cancelled", "已取消"),
    }


def test_dispositions_carry_glossary_labels():
    labels = {t.name: t.label_zh for t in NC.transitions if t.name in DISPOSITIONS}
    assert labels == {"rework": "返工", "scrap": "报废", "use_as_is": "让步接收", "return_to_supplier": "退供应商"}


def test_every_transition_has_both_labels():
    for t in (*NC.transitions, NC.start_transition):
        assert t.label_en and t.label_zh, t.name


def test_the_machine_loads_the_same_from_json_and_yaml():
    assert Workflow.from_dict(json.loads(json.dumps(NONCONFORMANCE))) == NC
    assert Workflow.from_dict(yaml.safe_load(yaml.safe_dump(NONCONFORMANCE, allow_unicode=True))) == NC


# --- definition validation ------------------------------------------------------------------------------------

def _minimal(**changes):
    data = {
        "name": "mini",
        "states": ["a", "b"],
        "initial": "a",
        "final": ["b"],
        "transitions": [{"name": "finish", "source": "a", "target": "b"}],
    }
    data.update(changes)
    return data


def _definition_error(data):
    with pytest.raises(WorkflowDefinitionError) as exc:
        Workflow.from_dict(data)
    return str(exc.value)


def test_transition_to_an_unknown_state():
    data = copy.deepcopy(NONCONFORMANCE)
    data["transitions"][0]["target"] = "in_review"
    assert "transition 'start_review' leads to unknown state 'in_review'" in _definition_error(data)


def test_transition_from_an_unknown_state():
    message = _definition_error(_minimal(transitions=[{"name": "finish", "source": ["a", "z"], "target": "b"}]))
    assert "transition 'finish' starts from unknown state 'z'" in message


def test_transition_without_a_source():
    assert "transition 'finish' has no source state" in _definition_error(
        _minimal(transitions=[{"name": "finish", "target": "b"}]))


def test_unknown_initial_and_final_states():
    message = _definition_error(_minimal(initial="x", final=["b", "y"]))
    assert "initial state 'x' is not one of the states" in message
    assert "final state 'y' is not one of the states" in message


def test_no_final_state():
    assert "no final state" in _definition_error(_minimal(final=[]))


def test_unreachable_state():
    message = _definition_error(_minimal(states=["a", "b", "orphan"]))
    assert "state 'orphan' is unreachable from 'a'" in message


def test_state_with_no_path_to_a_final_state():
    message = _definition_error(_minimal(
        states=["a", "b", "loop"],
        transitions=[{"name": "finish", "source": "a", "target": "b"},
                     {"name": "stall", "source": "a", "target": "loop"},
                     {"name": "spin", "source": "loop", "target": "loop"}],
    ))
    assert "state 'loop' has no path to a final state" in message


def test_duplicate_transition_names():
    message = _definition_error(_minimal(transitions=[{"name": "finish", "source": "a", "target": "b"},
                                                      {"name": "finish", "source": "a", "target": "b"}]))
    assert "duplicate transition 'finish'" in message


def test_duplicate_state_names():
    assert "duplicate state 'a'" in _definition_error(_minimal(states=["a", "b", "a"]))


def test_transition_out_of_a_final_state():
    data = copy.deepcopy(NONCONFORMANCE)
    data["transitions"].append({"name": "reopen", "source": "closed", "target": "open"})
    assert "transition 'reopen' leaves final state 'closed'" in _definition_error(data)


def test_misspelt_keys_are_named():
    assert "unknown key 'transition'" in _definition_error({**_minimal(), "transition": []})
    message = _definition_error(_minimal(transitions=[{"name": "finish", "from": "a", "target": "b"}]))
    assert "transition 'finish' has unknown key 'from'" in message


def test_missing_keys_are_named():
    data = _minimal()
    del data["initial"]
    assert "'initial' is missing" in _definition_error(data)


def test_every_problem_is_reported_at_once():
    with pytest.raises(WorkflowDefinitionError) as exc:
        Workflow.from_dict(_minimal(initial="x", final=["y"]))
    assert len(exc.value.problems) == 2
    assert exc.value.workflow == "mini"


def test_the_constructor_validates_too():
    with pytest.raises(WorkflowDefinitionError, match="leads to unknown state 'c'"):
        Workflow("w", (), "a", ("b",), (Transition("go", ("a",), "c"),))


def test_workflow_definition_error_is_a_value_error():
    assert issubclass(WorkflowDefinitionError, ValueError)


def test_a_single_source_state_may_be_given_as_a_string():
    flow = Workflow("w", ("ab", "b"), "ab", ("b",), (Transition("go", "ab", "b"),))
    assert flow.transitions[0].source == ("ab",)
    assert flow.allowed("b", "x") == []
