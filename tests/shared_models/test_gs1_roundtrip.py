"""Property: random valid messages survive to_raw / hri / Digital Link and back unchanged."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_models.gs1 import GS1Message, build_digital_link, parse, parse_digital_link

TODAY = dt.date(2025, 6, 1)
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def _reference_check_digit(body: str) -> str:
    """Independent mod-10: digits at odd positions from the right weigh 3, the others 1."""
    odd = sum(int(d) for d in body[::-1][0::2])
    even = sum(int(d) for d in body[::-1][1::2])
    return str((10 - (3 * odd + even) % 10) % 10)


def _x(max_size: int) -> st.SearchStrategy[str]:
    # "<GS>" inside a value would be read as a separator placeholder - a documented ambiguity.
    return st.text(alphabet=CSET82, min_size=1, max_size=max_size).filter(lambda v: "<GS>" not in v)


digits13 = st.text(alphabet="0123456789", min_size=13, max_size=13)
gtins = digits13.map(lambda b: b + _reference_check_digit(b))
# Dates inside the century window of TODAY (1976..2075) so YYMMDD resolves back to the same date.
yymmdd = st.dates(dt.date(1976, 1, 1), dt.date(2075, 12, 31)).map(lambda d: d.strftime("%y%m%d"))
ATTRIBUTES = {
    "10": _x(20),
    "21": _x(20),
    "22": _x(20),
    "11": yymmdd,
    "17": yymmdd,
    "3103": st.text(alphabet="0123456789", min_size=6, max_size=6),
    "3922": st.text(alphabet="0123456789", min_size=1, max_size=15),
    "400": _x(30),
    "8008": st.dates(dt.date(1976, 1, 1), dt.date(2075, 12, 31)).map(lambda d: d.strftime("%y%m%d") + "1230"),
    "91": _x(90),
}


@st.composite
def messages(draw) -> GS1Message:
    ais = draw(st.lists(st.sampled_from(sorted(ATTRIBUTES)), unique=True, max_size=len(ATTRIBUTES)))
    if "3922" in ais and "3103" not in ais:  # (3922) needs (01) with a measure such as (31nn) (dictionary req=)
        ais.append("3103")
    pairs = [(ai, draw(ATTRIBUTES[ai])) for ai in ais]
    pairs.insert(draw(st.integers(0, len(pairs))), ("01", draw(gtins)))
    return GS1Message(tuple(pairs))


def _same(a: GS1Message, b: GS1Message) -> bool:
    return [(e.ai, e.value) for e in a.elements] == [(e.ai, e.value) for e in b.elements]


@settings(max_examples=200, deadline=None)
@given(messages())
def test_raw_element_string_roundtrip(msg):
    assert _same(parse(msg.to_raw(), today=TODAY), msg)


@settings(max_examples=100, deadline=None)
@given(messages(), st.sampled_from(["<GS>", "{GS}", "\\x1d"]))
def test_raw_with_placeholder_separator_roundtrip(msg, gs):
    assert _same(parse(msg.to_raw(gs=gs), today=TODAY), msg)


@settings(max_examples=200, deadline=None)
@given(messages())
def test_hri_roundtrip(msg):
    assert _same(parse(msg.hri(), today=TODAY), msg)


@settings(max_examples=200, deadline=None)
@given(messages())
def test_digital_link_roundtrip(msg):
    link = parse_digital_link(build_digital_link(msg, domain="https://id.example.com"), today=TODAY)
    assert link.message.as_dict() == msg.as_dict()
    assert link.primary_key_ai == "01"


@settings(max_examples=100, deadline=None)
@given(messages(), st.sampled_from(["]C1", "]d2", "]Q3", "]e0", "]J1"]))
def test_symbology_prefixed_raw_roundtrip(msg, aim):
    assert _same(parse(aim + msg.to_raw(), today=TODAY), msg)
