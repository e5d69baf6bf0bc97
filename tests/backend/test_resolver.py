"""One resolver for every scan: GS1 element strings, Digital Link, bare keys and plain codes."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.errors import NotFound
from backend.trace.errors import AmbiguousCode, UnreadableCode
from backend.trace.resolver import resolve
from backend.warehouse.check import stock_drift
from tests.backend.story import Story, receive, tell_story
from tests.factories import Plant


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


@pytest.mark.parametrize("scanned,kind,label", [
    ("(01)06901234000016(21)M1", "serial", "MTR-01/M1"),
    ("]d2010690123400001621M1", "serial", "MTR-01/M1"),
    ("]Q3010690123400001621M1", "serial", "MTR-01/M1"),
    ("https://id.gs1.org/01/06901234000016/21/M1", "serial", "MTR-01/M1"),
    ("(01)06901234000023(10)C1", "lot", "CASE-01/C1"),
    ("]C1010690123400002310C1\x1d17271231", "lot", "CASE-01/C1"),
    ("(01)06901234000016", "item", "MTR-01"),
    ("6901234000016", "item", "MTR-01"),          # EAN-13 printed on the box
    ("(414)6901234000108", "location", "S1-RCV"),
    ("S1-A-02", "location", "S1-A-02"),
    ("MTR-01/M4", "serial", "MTR-01/M4"),
    ("M4", "serial", "MTR-01/M4"),                # a serial typed by hand
    ("C1", "lot", "CASE-01/C1"),
    ("MTR-01", "item", "MTR-01"),
])
def test_each_form_resolves_to_what_it_names(session: Session, story: Story, scanned: str, kind: str,
                                             label: str) -> None:
    found = resolve(session, SYSTEM, scanned)
    assert (found.kind, found.label) == (kind, label)


def test_a_carton_resolves_by_sscc_in_every_form(session: Session, story: Story) -> None:
    for scanned in (f"(00){story.carton}", f"]C100{story.carton}", story.carton):
        found = resolve(session, SYSTEM, scanned)
        assert (found.kind, found.label) == ("container", story.carton)


def test_malformed_gs1_names_the_ai(session: Session, story: Story) -> None:
    with pytest.raises(UnreadableCode, match=r"\(01\).*check digit") as err:
        resolve(session, SYSTEM, "(01)06901234000017(21)M1")
    assert err.value.context["ai"] == "01"


def test_a_bad_expiry_date_names_ai_17(session: Session, story: Story) -> None:
    with pytest.raises(UnreadableCode, match=r"\(17\)"):
        resolve(session, SYSTEM, "(01)06901234000023(17)261399(10)C1")


def test_gs1_for_an_unknown_gtin_says_so(session: Session, story: Story) -> None:
    with pytest.raises(NotFound, match="item with GTIN '09506000134352'"):
        resolve(session, SYSTEM, "(01)09506000134352(10)X")


def test_gs1_without_a_key_is_refused_with_the_ais_seen(session: Session, story: Story) -> None:
    with pytest.raises(UnreadableCode, match=r"\(8004\).*names no container"):
        resolve(session, SYSTEM, "(8004)0614141ABC")
    # A lot alone is not valid GS1 data at all: the dictionary's (10) req=01,02,03,8006,8026 (issue 17).
    with pytest.raises(UnreadableCode, match=r"\(10\).*requires AI \(01\)"):
        resolve(session, SYSTEM, "(10)C1")


def test_a_lot_number_shared_by_two_items_is_ambiguous(session: Session, story: Story) -> None:
    receive(session, "PCB-01", "C1", 1, supplier="SUP-B")
    with pytest.raises(AmbiguousCode, match="CASE-01/C1, PCB-01/C1"):
        resolve(session, SYSTEM, "C1")


def test_empty_scan_is_refused(session: Session, story: Story) -> None:
    with pytest.raises(UnreadableCode, match="Empty scan"):
        resolve(session, SYSTEM, "   ")


def test_stock_projection_matches_the_events_after_the_story(session: Session, story: Story) -> None:
    assert stock_drift(session) == []


def test_a_hand_edit_of_stock_shows_as_drift(session: Session, story: Story) -> None:
    from sqlalchemy import text

    session.execute(text("UPDATE stock_on_hand SET qty = qty + 1 WHERE qty > 0 AND id IN "
                         "(SELECT id FROM stock_on_hand WHERE qty > 0 ORDER BY id LIMIT 1)"))
    drift = stock_drift(session)
    assert len(drift) == 1 and drift[0].projected == drift[0].from_events + 1
