"""Field verification within the caller's scope: a distributor learns that goods shipped to someone else are
genuine but not theirs, never whose they are; a user of another site learns genuine or not, nothing more."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from backend.trace.models import EventLine
from shared_models import commands as cmd
from shared_models.enums import EventType, UnitKind, UnitStatus
from shared_models.masterdata import Item, Site
from shared_models.trace import Event, Unit
from tests.backend.story import Story, receive, tell_story, warehouse
from tests.factories import at, eid

DIST2_EXPIRY = date(2027, 6, 30)
S2_EXPIRY = date(2027, 5, 31)
EMPTY_WHEN_OUT_OF_SCOPE = ("status", "lot_no", "expires_on", "shipped_to", "scans_in_window", "regions_in_window")


@pytest.fixture
def told(client: TestClient, engine) -> Story:  # type: ignore[no-untyped-def]
    """The story, plus case lot C7 shipped to DIST-2 (DN-77) and case lot C8 received at site S2."""
    with Session(engine, expire_on_commit=False) as s:
        story = tell_story(s)
        receive(s, "CASE-01", "C7", 5, minute=60, expires_on=DIST2_EXPIRY)
        warehouse(s).ship(cmd.Ship(id=eid(), occurred_at=at(70), customer="DIST-2", reference="DN-77",
                                   lines=[cmd.ShipLine(unit="CASE-01/C7", from_location="S1-A-01")]))
        receive(s, "CASE-01", "C8", 5, location="S2-A-01", minute=80, expires_on=S2_EXPIRY)
        return story


def check(client: TestClient, login, user: str, code: str, region: str = "Jiangsu") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/verify", json={"code": code, "region": region}, headers=login(user))
    assert r.status_code == 200, r.text
    return r.json()


def codes(answer: dict[str, Any]) -> list[str]:
    return [f["code"] for f in answer["flags"]]


def recorded(engine, code: str) -> list[Event]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == code)).one()
        return list(s.exec(select(Event).join(EventLine, EventLine.event_id == Event.id)
                            .where(EventLine.unit_id == unit.id, Event.type == EventType.VERIFY)))


def test_goods_shipped_to_another_distributor_are_genuine_but_not_yours_and_name_nobody(
        client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, login, "dist", "CASE-01/C7")
    assert (answer["result"], codes(answer)) == ("genuine", ["not_shipped_to_you"])
    assert answer["headline"] == "Genuine product, but not shipped to you: possible diversion."
    assert all(answer[k] is None for k in EMPTY_WHEN_OUT_OF_SCOPE), answer
    text = str(answer)
    for secret in ("DIST-2", "South China", "Guangdong", "DN-77", "'C7'", DIST2_EXPIRY.isoformat()):
        assert secret not in text, secret


def test_goods_shipped_to_a_plain_customer_are_not_yours_either(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, login, "dist", "MTR-01/M3")
    assert codes(answer) == ["not_shipped_to_you"] and answer["shipped_to"] is None
    assert answer["item"]["part_no"] == "MTR-01"   # what the product is, printed on it anyway
    for secret in ("CUST-1", "State Grid", "DN-2"):
        assert secret not in str(answer), secret


def test_a_check_of_someone_elses_goods_is_still_recorded_with_its_shipment(
        client: TestClient, login, engine, told: Story) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, login, "dist", "CASE-01/C7")
    (event,) = recorded(engine, "CASE-01/C7")
    assert event.id == answer["event_id"]
    a = event.attributes
    assert (a["result"], a["shipped_to"], a["authorized_regions"], a["verified_by"]) == (
        "genuine", "DIST-2", ["Guangdong"], "dist")
    # QA sees everything: outside DIST-2's territory, and held by a distributor it was not shipped to.
    assert a["flags"] == ["diversion", "not_shipped_to_you"]


def test_a_replayed_check_keeps_the_callers_scope(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    body = {"id": eid(), "code": "CASE-01/C7", "region": "Jiangsu"}
    first = client.post("/api/verify", json=body, headers=login("dist")).json()
    again = client.post("/api/verify", json=body, headers=login("dist")).json()
    assert again["replayed"] and {**again, "replayed": False} == first


def test_another_sites_unit_is_only_genuine(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, login, "inspector", "CASE-01/C8")   # inspector works at S1, C8 is at S2
    assert (answer["result"], codes(answer)) == ("genuine", ["other_site"])
    assert answer["headline"] == "Genuine product."
    assert all(answer[k] is None for k in (*EMPTY_WHEN_OUT_OF_SCOPE, "unit", "kind", "serial", "item")), answer
    assert S2_EXPIRY.isoformat() not in str(answer)


def test_a_shipped_unit_of_another_site_names_no_customer(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    answer = check(client, login, "picker2", "MTR-01/M1", region="Guangdong")   # picker2 works at S2
    assert codes(answer) == ["other_site"]
    for secret in ("DIST-1", "East China", "DN-1", "Guangdong:", "shipped"):
        assert secret not in answer["message"] + str(answer["shipped_to"]), secret


def test_another_sites_recalled_unit_says_no_more_than_genuine(client: TestClient, login, engine,  # type: ignore[no-untyped-def]
                                                                told: Story) -> None:
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "CASE-01/C8")).one()
        unit.status = UnitStatus.RECALLED
        s.add(unit)
        s.commit()
    answer = check(client, login, "inspector", "CASE-01/C8")
    assert (codes(answer), answer["status"]) == (["other_site"], None)
    assert "recall" not in answer["message"].lower()
    assert check(client, login, "qa", "CASE-01/C8")["status"] == "recalled"   # qa sees every site


def test_the_sites_own_staff_and_qa_see_the_whole_answer(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    for user in ("picker2", "qa"):
        answer = check(client, login, user, "CASE-01/C8")
        assert (codes(answer), answer["lot_no"], answer["expires_on"]) == (
            ["not_shipped"], "C8", S2_EXPIRY.isoformat()), user


def test_a_bare_serial_shared_across_items_lists_only_what_the_caller_may_see(
        client: TestClient, login, engine, told: Story) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        s2 = s.exec(select(Site).where(Site.code == "S2")).one()
        for part in ("BRD-01", "MTR-01"):
            item = s.exec(select(Item).where(Item.part_no == part)).one()
            s.add(Unit(code=f"{part}/X1", kind=UnitKind.SERIAL, item_id=item.id, serial="X1", site_id=s2.id))
        s.commit()
    r = client.post("/api/verify", json={"code": "X1", "region": "Jiangsu"}, headers=login("inspector"))
    assert (r.status_code, r.json()["code"]) == (409, "ambiguous_code")
    assert "X1" in r.json()["detail"] and "/X1" not in r.text     # no unit codes of site S2
    r = client.post("/api/verify", json={"code": "X1", "region": "Jiangsu"}, headers=login("qa"))
    assert r.status_code == 409 and r.json()["context"]["candidates"] == ["BRD-01/X1", "MTR-01/X1"]
