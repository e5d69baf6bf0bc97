"""Hardware scanners type the code then Enter/Tab; partial input after a pause is dropped."""

from __future__ import annotations

import pytest

from mobile.scanner import KeyboardWedge, ScanPipeline


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def type_keys(wedge: KeyboardWedge, clock: FakeClock, keys: list[str], gap_ms: float = 10) -> list[str]:
    out = []
    for key in keys:
        clock.now += gap_ms / 1000
        if (text := wedge.press(key)) is not None:
            out.append(text)
    return out


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_keystrokes_then_enter_give_one_scan(clock: FakeClock) -> None:
    wedge = KeyboardWedge(clock=clock)
    assert type_keys(wedge, clock, [*"LOT-42", "Enter"]) == ["LOT-42"]
    assert wedge.pending == ""


def test_tab_also_ends_a_scan(clock: FakeClock) -> None:
    wedge = KeyboardWedge(clock=clock)
    assert type_keys(wedge, clock, [*"BIN-7", "Tab"]) == ["BIN-7"]


def test_idle_gap_discards_partial_input(clock: FakeClock) -> None:
    wedge = KeyboardWedge(idle_gap_ms=300, clock=clock)
    type_keys(wedge, clock, [*"STRAY"])
    clock.now += 1.0
    assert type_keys(wedge, clock, [*"LOT-9", "Enter"]) == ["LOT-9"]
    assert wedge.discarded == 1


def test_enter_after_an_idle_gap_emits_nothing(clock: FakeClock) -> None:
    wedge = KeyboardWedge(idle_gap_ms=300, clock=clock)
    type_keys(wedge, clock, [*"PARTIAL"])
    clock.now += 0.5
    assert wedge.press("Enter") is None


def test_configured_gs_substitute_becomes_ascii_29(clock: FakeClock) -> None:
    wedge = KeyboardWedge(gs_substitutes=("~",), clock=clock)
    assert type_keys(wedge, clock, [*"0109506000134352" "10LOT42~21SN1", "Enter"]) == [
        "010950600013435210LOT42\x1d21SN1"
    ]


def test_multi_character_substitute_like_caret_bracket_becomes_gs(clock: FakeClock) -> None:
    wedge = KeyboardWedge(gs_substitutes=("^]",), clock=clock)
    assert type_keys(wedge, clock, [*"10LOT42^]21SN1", "Enter"]) == ["10LOT42\x1d21SN1"]


def test_ctrl_bracket_and_real_ascii_29_are_gs(clock: FakeClock) -> None:
    wedge = KeyboardWedge(clock=clock)
    type_keys(wedge, clock, [*"10A"])
    wedge.press("]", ctrl=True)
    assert type_keys(wedge, clock, ["2", "1", "\x1d", "X", "Enter"]) == ["10A\x1d21\x1dX"]


def test_cr_lf_are_stripped_and_modifier_keys_ignored(clock: FakeClock) -> None:
    wedge = KeyboardWedge(clock=clock)
    assert wedge.type_text("LOT-1\r\n") == ["LOT-1"]
    assert type_keys(wedge, clock, ["Shift Left", "A", "Enter"]) == ["A"]


GTIN = "09506000134352"


def test_wedge_scan_that_starts_with_gs_is_read_as_gs1(clock: FakeClock) -> None:
    # Keyboard wedges without AIM ids send FNC1 in first position as a leading GS (here Ctrl+]).
    wedge = KeyboardWedge(clock=clock)
    wedge.press("]", ctrl=True)
    text = type_keys(wedge, clock, [*f"01{GTIN}10LOT42", "Enter"])[0]
    result = ScanPipeline().scan_text(text, source="wedge")
    assert result.gs1 is not None and result.gs1.as_dict() == {"01": GTIN, "10": "LOT42"}
    assert result.content_type == "GS1"


def test_wedge_scan_with_real_ascii_29_first_is_read_as_gs1(clock: FakeClock) -> None:
    wedge = KeyboardWedge(clock=clock)
    (text,) = wedge.type_text(f"\x1d01{GTIN}10LOT42\x1d21SN1\r")
    result = ScanPipeline().scan_text(text, source="wedge")
    assert result.gs1 is not None and result.gs1.as_dict() == {"01": GTIN, "10": "LOT42", "21": "SN1"}
