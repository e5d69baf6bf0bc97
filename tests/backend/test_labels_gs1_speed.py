"""What the faster label layout keeps: each GS1 element string built and checked once per distinct message
(backend/labels/binding.py), refusing exactly what the old full read-back of the raw string refused; a cache never
lets bad data through; Code 128 planning counts digit runs as before."""

from __future__ import annotations

import random
import string

import pytest

from backend.labels.binding import gs1_data
from backend.labels.code128 import _digit_runs
from backend.labels.errors import LabelDataInvalid
from shared_models.gs1 import GS1Error, GS1Message, parse
from shared_models.labels import BarcodeElement

CSET82 = string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_"


def element(pairs: list[tuple[str, str]], symbology: str = "gs1_datamatrix") -> BarcodeElement:
    return BarcodeElement.model_validate({"type": "barcode", "id": "dm", "x_mm": 1, "y_mm": 1,
                                          "symbology": symbology,
                                          "gs1": [{"ai": ai, "literal": value} for ai, value in pairs]})


def read_back_accepts(pairs: list[tuple[str, str]]) -> bool:
    """The check the renderer made before: build, write raw, parse it again, compare."""
    try:
        message = GS1Message(tuple(pairs), requisites=False)
        return parse(message.to_raw(), requisites=False).as_dict() == message.as_dict()
    except GS1Error:
        return False


def accepts(pairs: list[tuple[str, str]]) -> bool:
    try:
        gs1_data(element(pairs), {}, "element 1 'dm'")
    except LabelDataInvalid:
        return False
    return True


def random_value(rng: random.Random, n: int) -> str:
    value = "".join(rng.choice(CSET82) for _ in range(n))
    if rng.random() < 0.2:  # legal CSET 82 text a reader takes for a separator
        at = rng.randrange(len(value) + 1)
        value = (value[:at] + "<GS>" + value[at:])[:20]
    return value


def test_the_built_once_check_refuses_exactly_what_the_full_read_back_refused() -> None:
    rng = random.Random(12)
    cases = [[("01", "06901234000016"), ("21", "A<GS>1")], [("01", "06901234000016"), ("10", "<GS>"), ("21", "1")],
             [("10", "L1<GS>"), ("01", "06901234000016")], [("01", "06901234000016"), ("17", "261399")]]
    for _ in range(1500):
        pairs = [("01", "06901234000016")]
        for ai in rng.sample(["10", "21", "240", "91"], rng.randint(1, 3)):
            pairs.append((ai, random_value(rng, rng.randint(1, 22))))
        rng.shuffle(pairs)
        cases.append(pairs)
    verdicts = [(accepts(p), read_back_accepts(p)) for p in cases]
    assert all(new == old for new, old in verdicts), [p for p, (n, o) in zip(cases, verdicts, strict=True) if n != o]
    assert {v for v, _ in verdicts} == {True, False}  # both kinds of case were met


def test_bad_data_is_refused_every_time_not_only_before_it_was_cached() -> None:
    bad = element([("01", "06901234000016"), ("21", "SN<GS>7")])
    for _ in range(3):
        with pytest.raises(LabelDataInvalid, match=r"AI \(21\) holds 'SN<GS>7', which a reader takes for a GS"):
            gs1_data(bad, {}, "element 1 'dm'")
    wrong_check = element([("01", "06901234000017"), ("21", "SN7")])
    for _ in range(2):
        with pytest.raises(LabelDataInvalid, match=r"AI \(01\)"):
            gs1_data(wrong_check, {}, "element 1 'dm'")


def test_one_message_is_built_once_and_shared() -> None:
    el = element([("01", "06901234000016"), ("10", "L1"), ("21", "S1")], "gs1_128")
    first, again = gs1_data(el, {}, "e"), gs1_data(el, {}, "e")
    assert first is again
    assert (first.data, first.message.hri(), first.raw_length) == ("[01]06901234000016[10]L1[21]S1",
                                                                   "(01)06901234000016(10)L1(21)S1", 25)


def test_digit_runs_count_as_a_walk_from_each_position_does() -> None:
    rng = random.Random(3)
    for _ in range(500):
        seq = [None if rng.random() < 0.1 else rng.choice("0123456789AB") for _ in range(rng.randint(0, 40))]
        runs = _digit_runs(seq)
        for i in range(len(seq) + 1):
            n = i
            while n < len(seq) and seq[n] is not None and "0" <= seq[n] <= "9":  # type: ignore[operator]
                n += 1
            assert runs[i] == n - i
