"""The event hash's fast path (msgspec) writes byte for byte what the canonical form's definition (json.dumps with
sorted keys, no spaces, UTF-8) writes, for any event: where msgspec would differ, the definition is used."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.eventlog.canonical import EVENT_FIELDS, LINE_FIELDS, _body, canonical

_TEXT = st.text(max_size=12)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
                     max_leaves=12)
_TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@st.composite
def events(draw: st.DrawFn) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    event: dict[str, Any] = {name: draw(st.none() | _TEXT) for name in EVENT_FIELDS}
    event.update(chain_seq=draw(st.integers(min_value=1, max_value=2**62)), occurred_at=draw(_TIMES),
                 recorded_at=draw(_TIMES), attributes=draw(st.dictionaries(_TEXT, _JSON, max_size=5)))
    lines = []
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        line: dict[str, Any] = {name: draw(st.none() | _TEXT) for name in LINE_FIELDS}
        finite = st.floats(allow_nan=False, allow_infinity=False)
        line.update(id=f"line-{n}", qty=draw(finite | st.integers(-10**6, 10**6)), book_qty=draw(st.none() | finite))
        lines.append(line)
    return event, lines


def _definition(event: dict[str, Any], lines: list[dict[str, Any]], prev: str) -> bytes:
    return json.dumps(_body(event, lines, prev, plain=False), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


@settings(max_examples=400, deadline=None)
@given(events(), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_the_fast_path_writes_the_definitions_bytes(drawn: tuple[dict[str, Any], list[dict[str, Any]]],
                                                    prev: str) -> None:
    event, lines = drawn
    assert canonical(event, lines, prev) == _definition(event, lines, prev)


def test_floats_msgspec_writes_otherwise_take_the_definition() -> None:
    for odd in (1e16, 1e-5, 1e300, float("nan"), float("inf"), -0.0):
        event = {name: None for name in EVENT_FIELDS} | {"attributes": {"x": odd}}
        assert canonical(event, [], "0" * 64) == _definition(event, [], "0" * 64)
