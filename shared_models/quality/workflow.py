"""A state machine whose definition is data (loaded from a dict, YAML or JSON); firing a transition is pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

IllegalCode = Literal["illegal_transition", "role_not_allowed", "missing_field", "already_final"]


class WorkflowDefinitionError(ValueError):
    code = "workflow_definition"

    def __init__(self, workflow: str, problems: Iterable[str]) -> None:
        self.workflow = workflow
        self.problems = tuple(problems)
        super().__init__(f"Workflow {workflow!r} is not valid: " + "; ".join(self.problems) + ".")


class IllegalTransition(ValueError):
    """`code` is stable for clients; `allowed` lists the transitions out of `state` (for any role)."""

    def __init__(self, code: IllegalCode, message: str, *, state: str, transition: str,
                 allowed: tuple[str, ...] = (), missing: tuple[str, ...] = ()) -> None:
        self.code = code
        self.state = state
        self.transition = transition
        self.allowed = allowed
        self.missing = missing
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class State:
    name: str
    label_en: str = ""
    label_zh: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    """`roles` empty means any role; `requires` names fields that must be supplied (not None, not blank);
    `sets` are fields the transition itself records, e.g. {"disposition": "scrap"}, and win over supplied ones."""

    name: str
    source: str | tuple[str, ...]
    target: str
    roles: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    label_en: str = ""
    label_zh: str = ""
    sets: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # A bare string would make `state in source` a substring test.
        for name in ("source", "roles", "requires"):
            object.__setattr__(self, name, _names(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of firing: `source` is None for the step that opens a new instance."""

    source: str | None
    target: str
    transition: str
    fields: dict[str, Any] = field(default_factory=dict)


_WORKFLOW_KEYS = {"name", "label_en", "label_zh", "states", "initial", "final", "transitions", "start"}
_STATE_KEYS = {"name", "label_en", "label_zh"}
_TRANSITION_KEYS = {"name", "source", "target", "roles", "requires", "label_en", "label_zh", "sets"}
_START_KEYS = {"name", "roles", "requires", "label_en", "label_zh"}


@dataclass(frozen=True, slots=True)
class Workflow:
    """`states` may be given as bare names; `final` as one name."""

    name: str
    states: tuple[State | str, ...]
    initial: str
    final: str | tuple[str, ...]
    transitions: tuple[Transition, ...]
    label_en: str = ""
    label_zh: str = ""
    start_transition: Transition | None = None

    def __post_init__(self) -> None:
        states = tuple(State(s) if isinstance(s, str) else s for s in self.states)
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "final", _names(self.final))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        problems = _definition_problems(self)
        if problems:
            raise WorkflowDefinitionError(self.name, problems)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Workflow:
        """Raises WorkflowDefinitionError naming every problem: unknown keys or states, duplicate names,
        unreachable states, states with no path to a final state."""
        name = str(data.get("name", "")) or "<unnamed>"
        problems = [f"unknown key {key!r}" for key in sorted(set(data) - _WORKFLOW_KEYS)]
        for key in ("states", "initial", "final", "transitions"):
            if key not in data:
                problems.append(f"{key!r} is missing")
        if problems:
            raise WorkflowDefinitionError(name, problems)
        states = tuple(_state(raw, name) for raw in data["states"])
        transitions = tuple(_transition(raw, name, _TRANSITION_KEYS) for raw in data["transitions"])
        start = data.get("start")
        return cls(
            name=name,
            states=states,
            initial=str(data["initial"]),
            final=_names(data["final"]),
            transitions=transitions,
            label_en=str(data.get("label_en", "")),
            label_zh=str(data.get("label_zh", "")),
            start_transition=None if start is None else _transition(
                {**start, "source": (), "target": data["initial"]}, name, _START_KEYS | {"source", "target"}),
        )

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise IllegalTransition(
            "illegal_transition",
            f"{name!r} is not a state of {self._label}; its states are: {', '.join(self.state_names)}.",
            state=name, transition="")

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(state.name for state in self.states)

    def transitions_from(self, state: str) -> list[Transition]:
        self.state(state)
        return [t for t in self.transitions if state in t.source]

    def allowed(self, current_state: str, role: str) -> list[Transition]:
        """What `role` may fire from `current_state`; empty for a final state."""
        return [t for t in self.transitions_from(current_state) if not t.roles or role in t.roles]

    def fire(self, current_state: str, transition_name: str, role: str, fields: Mapping[str, Any]) -> Step:
        """Raises IllegalTransition with code already_final, illegal_transition, role_not_allowed or
        missing_field (checked in that order); nothing else changes, so a caller can simply retry."""
        outgoing = self.transitions_from(current_state)
        allowed = tuple(t.name for t in outgoing)
        if current_state in self.final:
            raise IllegalTransition(
                "already_final",
                f"{self._label} is {self._state_label(current_state)}; no further transitions.",
                state=current_state, transition=transition_name)
        transition = next((t for t in outgoing if t.name == transition_name), None)
        if transition is None:
            raise IllegalTransition(
                "illegal_transition",
                f"From {current_state!r} you can: {', '.join(allowed)}; {transition_name!r} is not one of them.",
                state=current_state, transition=transition_name, allowed=allowed)
        return self._step(transition, current_state, role, fields, allowed)

    def start(self, role: str, fields: Mapping[str, Any]) -> Step:
        """Opens a new instance in the initial state, checking the roles and fields of the `start` entry."""
        if self.start_transition is None:
            return Step(None, self.initial, "start", dict(fields))
        return self._step(self.start_transition, None, role, fields, ())

    def _step(self, transition: Transition, current_state: str | None, role: str,
              fields: Mapping[str, Any], allowed: tuple[str, ...]) -> Step:
        where = f" from {current_state!r}" if current_state is not None else ""
        if transition.roles and role not in transition.roles:
            raise IllegalTransition(
                "role_not_allowed",
                f"Only {' or '.join(transition.roles)} can {transition.name}{where}; you are {role}.",
                state=current_state or "", transition=transition.name, allowed=allowed)
        missing = tuple(name for name in transition.requires if _blank(fields.get(name)))
        if missing:
            raise IllegalTransition(
                "missing_field",
                f"{transition.name}{where} needs {', '.join(missing)}.",
                state=current_state or "", transition=transition.name, allowed=allowed, missing=missing)
        return Step(current_state, transition.target, transition.name, {**fields, **dict(transition.sets)})

    @property
    def _label(self) -> str:
        return self.label_en or self.name

    def _state_label(self, name: str) -> str:
        return (self.state(name).label_en or name).lower()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _names(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw,)
    return tuple(str(item) for item in raw)


def _state(raw: Any, workflow: str) -> State:
    if isinstance(raw, str):
        return State(raw)
    unknown = sorted(set(raw) - _STATE_KEYS)
    if unknown or "name" not in raw:
        raise WorkflowDefinitionError(workflow, [f"state {raw!r} needs a name and only {sorted(_STATE_KEYS)}"])
    return State(str(raw["name"]), str(raw.get("label_en", "")), str(raw.get("label_zh", "")))


def _transition(raw: Mapping[str, Any], workflow: str, keys: set[str]) -> Transition:
    name = str(raw.get("name", ""))
    problems = [f"transition {name or '<unnamed>'!r} has unknown key {key!r}" for key in sorted(set(raw) - keys)]
    problems += [f"transition {name or '<unnamed>'!r} has no {key!r}" for key in ("name", "target") if key not in raw]
    if problems:
        raise WorkflowDefinitionError(workflow, problems)
    return Transition(
        name=name,
        source=_names(raw.get("source", ())),
        target=str(raw["target"]),
        roles=_names(raw.get("roles", ())),
        requires=_names(raw.get("requires", ())),
        label_en=str(raw.get("label_en", "")),
        label_zh=str(raw.get("label_zh", "")),
        sets=tuple((str(k), str(v)) for k, v in dict(raw.get("sets", {})).items()),
    )


def _definition_problems(workflow: Workflow) -> list[str]:
    problems: list[str] = []
    names = [state.name for state in workflow.states]
    known = set(names)
    problems += [f"duplicate state {name!r}" for name in sorted({n for n in names if names.count(n) > 1})]
    transition_names = [t.name for t in workflow.transitions]
    problems += [f"duplicate transition {name!r}"
                 for name in sorted({n for n in transition_names if transition_names.count(n) > 1})]
    if workflow.initial not in known:
        problems.append(f"initial state {workflow.initial!r} is not one of the states")
    if not workflow.final:
        problems.append("no final state")
    problems += [f"final state {name!r} is not one of the states" for name in workflow.final if name not in known]
    for t in workflow.transitions:
        if not t.source:
            problems.append(f"transition {t.name!r} has no source state")
        problems += [f"transition {t.name!r} starts from unknown state {s!r}" for s in t.source if s not in known]
        if t.target not in known:
            problems.append(f"transition {t.name!r} leads to unknown state {t.target!r}")
        problems += [f"transition {t.name!r} leaves final state {s!r}" for s in t.source if s in workflow.final]
    if problems:
        return problems  # reachability means little until the states themselves are right

    reachable = _closure({workflow.initial}, [(t.source, t.target) for t in workflow.transitions])
    problems += [f"state {name!r} is unreachable from {workflow.initial!r}" for name in names if name not in reachable]
    reverse = [((t.target,), s) for t in workflow.transitions for s in t.source]
    can_finish = _closure(set(workflow.final), reverse)
    problems += [f"state {name!r} has no path to a final state" for name in names if name not in can_finish]
    return problems


def _closure(start: set[str], edges: list[tuple[tuple[str, ...], str]]) -> set[str]:
    seen = set(start)
    frontier = list(start)
    while frontier:
        here = frontier.pop()
        for sources, target in edges:
            if here in sources and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
