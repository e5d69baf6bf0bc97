"""Field verification: genuine or unknown, diversion outside a distributor's territory, clones across regions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.trace.models import EventLine
from backend.verify.errors import NotAUnitCode
from backend.verify.schemas import Verification, VerifyRequest
from backend.verify.service import VerifyService
from backend.warehouse.errors import EventIdReused
from backend.warnings.models import WarningRule
from shared_models.enums import EventType, Role, UnitStatus
from shared_models.trace import Event, Unit
from tests.backend.story import Story, stock, tell_story
from tests.factories import Plant, at, eid

NOON = datetime.fromisoformat(at(240))


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def dist(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["dist"].id, username="dist", role=Role.DISTRIBUTOR,
                     customer_id=plant.customers["DIST-1"].id)


def verify(session: Session, plant: Plant, code: str, region: str = "Jiangsu", *, hours: float = 0,
           **extra: object) -> Verification:
    request = VerifyRequest(code=code, region=region, occurred_at=NOON + timedelta(hours=hours), **extra)
    return VerifyService(session, dist(plant)).verify(request)


def verify_events(session: Session) -> list[Event]:
    return list(session.exec(select(Event).where(Event.type == EventType.VERIFY).order_by(Event.occurred_at)))


def test_a_genuine_unit_in_its_distributors_region_is_answered_with_item_and_shipment(
        session: Session, plant: Plant, story: Story) -> None:
    answer = verify(session, plant, "MTR-01/M1", "jiangsu ", channel="utility")
    assert (answer.result, answer.flags, answer.unit, answer.serial) == ("genuine", [], "MTR-01/M1", "M1")
    assert answer.headline == "Genuine product."
    assert answer.item is not None and answer.item.gtin == "06901234000016"
    # M1 shipped inside the carton: the carton's shipment is the unit's.
    assert answer.shipped_to is not None
    assert (answer.shipped_to.customer, answer.shipped_to.regions, answer.shipped_to.reference) == (
        "DIST-1", ["Jiangsu", "Zhejiang"], "DN-1")
    (event,) = verify_events(session)
    assert event.attributes["result"] == "genuine" and event.attributes["region"] == "jiangsu"
    lines = session.exec(select(EventLine).where(EventLine.event_id == event.id)).all()
    assert [(ln.qty, ln.from_location_id, ln.to_location_id) for ln in lines] == [(0.0, None, None)]
    assert stock(session, "MTR-01/M4") == {"S1-A-02": 1.0}   # a check moves nothing


def test_a_gs1_code_resolves_like_the_plain_one(session: Session, plant: Plant, story: Story) -> None:
    answer = verify(session, plant, "(01)06901234000016(21)M2")
    assert (answer.result, answer.unit) == ("genuine", "MTR-01/M2")


def test_an_unknown_code_is_answered_unknown_and_recorded(session: Session, plant: Plant, story: Story) -> None:
    for n, code in enumerate(("MTR-01/M999", "(01)06901234000016(21)FAKE")):
        answer = verify(session, plant, code, "Hubei", hours=n)   # apart in time: the events list in order
        assert (answer.result, answer.unit, answer.flags) == ("unknown", None, [])
        assert "counterfeit" in answer.message
    events = verify_events(session)
    assert [e.attributes["code"] for e in events] == ["MTR-01/M999", "(01)06901234000016(21)FAKE"]
    assert all(e.site_id == plant.sites["S1"].id for e in events)   # the site that ships to DIST-1
    assert session.exec(select(EventLine).where(EventLine.event_id.in_([e.id for e in events]))).all() == []
    assert "No serial unit" in events[1].attributes["reason"]


def test_a_check_outside_the_authorized_regions_is_diversion(session: Session, plant: Plant, story: Story) -> None:
    answer = verify(session, plant, "MTR-01/M1", "Guangdong")
    assert answer.flag_codes == ["diversion"]
    assert "Not authorized for sale in Guangdong" in answer.message and "East China Distribution" in answer.message
    assert verify_events(session)[0].attributes["flags"] == ["diversion"]


def test_an_unauthorized_channel_is_diversion_too(session: Session, plant: Plant, story: Story) -> None:
    assert verify(session, plant, "MTR-01/M2", "Zhejiang", channel="online").flag_codes == ["diversion"]
    assert verify(session, plant, "MTR-01/M2", "Zhejiang", channel="Utility", hours=1).flag_codes == []


def test_goods_shipped_to_a_plain_customer_or_still_in_stock_are_never_diverted_by_territory(
        session: Session, plant: Plant, story: Story) -> None:
    # Territories belong to distributors: no "diversion" flag (nor its warning). That the distributor checking
    # them was not their consignee is flagged apart (test_verify_scope.py).
    assert "diversion" not in verify(session, plant, "MTR-01/M3", "Guangdong").flag_codes
    in_stock = verify(session, plant, "MTR-01/M4", "Guangdong", hours=1)
    assert ("diversion" not in in_stock.flag_codes, in_stock.shipped_to) == (True, None)
    assert all("diversion" not in e.attributes["flags"] for e in verify_events(session))


def test_a_serial_seen_in_two_regions_within_the_window_is_a_suspected_clone(
        session: Session, plant: Plant, story: Story) -> None:
    assert verify(session, plant, "MTR-01/M2", "Jiangsu").flags == []
    second = verify(session, plant, "MTR-01/M2", "Zhejiang", hours=71)
    assert second.flag_codes == ["suspected_clone"]
    assert (second.scans_in_window, second.regions_in_window) == (2, ["Jiangsu", "Zhejiang"])


def test_two_regions_further_apart_than_the_window_are_not_a_clone(session: Session, plant: Plant,
                                                                    story: Story) -> None:
    verify(session, plant, "MTR-01/M2", "Jiangsu")
    assert verify(session, plant, "MTR-01/M2", "Zhejiang", hours=73).flag_codes == []


def test_more_checks_than_the_rule_allows_in_one_region_is_a_suspected_clone(
        session: Session, plant: Plant, story: Story) -> None:
    session.add(WarningRule(code="clone", kind="clone", params={"max_scans": 3, "regions": 2, "window_hours": 24}))
    session.commit()
    flags = [verify(session, plant, "MTR-01/M1", "Jiangsu", hours=n).flag_codes for n in range(4)]
    assert flags == [[], [], [], ["suspected_clone"]]


def test_a_lot_code_is_never_a_clone_however_often_it_is_checked(session: Session, plant: Plant,
                                                                  story: Story) -> None:
    flags = [verify(session, plant, "CASE-01/C1", region, hours=n).flag_codes
             for n, region in enumerate(["Jiangsu", "Hubei", "Hunan", "Sichuan", "Yunnan", "Gansu", "Tibet"])]
    assert not any("suspected_clone" in codes for codes in flags)


def test_a_retry_with_the_same_id_records_once_and_answers_the_same(session: Session, plant: Plant,
                                                                    story: Story) -> None:
    check_id = eid()
    first = verify(session, plant, "MTR-01/M1", "Guangdong", id=check_id)
    again = verify(session, plant, "MTR-01/M1", "Guangdong", id=check_id)
    assert again.replayed and again.model_copy(update={"replayed": False}) == first
    assert len(verify_events(session)) == 1
    with pytest.raises(EventIdReused):
        verify(session, plant, "MTR-01/M2", "Guangdong", id=check_id)


def test_a_retry_without_a_time_still_replays(session: Session, plant: Plant, story: Story) -> None:
    request = VerifyRequest(id=eid(), code="MTR-01/M404", region="Hubei")
    service = VerifyService(session, dist(plant))
    assert service.verify(request).event_id == service.verify(request).event_id
    assert len(verify_events(session)) == 1


def test_an_item_code_is_not_something_to_verify(session: Session, plant: Plant, story: Story) -> None:
    with pytest.raises(NotAUnitCode, match="names an item"):
        verify(session, plant, "MTR-01")
    assert verify_events(session) == []


# -- over HTTP ---------------------------------------------------------------------------------------------------
@pytest.fixture
def told(client: TestClient, engine) -> Story:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as s:
        return tell_story(s)


def test_distributors_and_staff_may_verify_others_may_not(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    body = {"code": "MTR-01/M1", "region": "Jiangsu"}
    for user in ("dist", "inspector", "qa", "admin"):
        r = client.post("/api/verify", json=body, headers=login(user))
        assert r.status_code == 200, (user, r.text)
        assert r.json()["result"] == "genuine"
    assert client.post("/api/verify", json=body).status_code == 401
    r = client.post("/api/verify", json={**body, "colour": "red"}, headers=login("dist"))
    assert r.status_code == 400
    r = client.post("/api/verify", json={"code": "MTR-01", "region": "Jiangsu"}, headers=login("dist"))
    assert (r.status_code, r.json()["code"]) == (422, "not_a_unit_code")


def test_a_diversion_found_over_http_is_a_warning_at_once(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/warning-rules", headers=login("qa"))  # seeds the rules
    r = client.post("/api/verify", json={"code": "MTR-01/M1", "region": "Guangdong", "id": eid()},
                    headers=login("dist"))
    assert r.status_code == 200 and [f["code"] for f in r.json()["flags"]] == ["diversion"]
    r = client.post("/api/verify", json={"code": "FAKE-123", "region": "Guangdong"}, headers=login("dist"))
    assert r.json()["result"] == "unknown"
    warnings = client.get("/api/warnings", params={"state": "open"}, headers=login("qa")).json()
    assert sorted(w["rule_code"] for w in warnings) == ["diversion", "unknown-code"]


# -- the product's condition -------------------------------------------------------------------------------------
def set_status(session: Session, code: str, status: UnitStatus) -> None:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    unit.status = status
    session.add(unit)
    session.commit()


def staff(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["qa"].id, username="qa", role=Role.QA_MANAGER)


@pytest.mark.parametrize("status", [UnitStatus.RECALLED, UnitStatus.ON_HOLD, UnitStatus.BLOCKED,
                                    UnitStatus.SCRAPPED])
def test_a_unit_that_must_not_be_sold_is_flagged_and_never_called_plainly_genuine(
        session: Session, plant: Plant, story: Story, status: UnitStatus) -> None:
    set_status(session, "MTR-01/M1", status)
    answer = verify(session, plant, "MTR-01/M1")
    assert [(x.code, x.severity) for x in answer.flags] == [(status.value, "stop")]
    assert answer.headline == "Genuine code, but do not use or sell this product."
    assert not answer.message.startswith("Genuine product.") and "do not use or sell" in answer.flags[0].message
    assert verify_events(session)[0].attributes["flags"] == [status.value]


def test_a_unit_past_its_expiry_date_is_flagged_with_the_date(session: Session, plant: Plant, story: Story) -> None:
    case = session.exec(select(Unit).where(Unit.code == "CASE-01/C1")).one()
    case.expires_on = NOON.date() - timedelta(days=1)
    session.add(case)
    session.commit()
    answer = VerifyService(session, staff(plant)).verify(VerifyRequest(code="CASE-01/C1", region="Jiangsu",
                                                                       occurred_at=NOON))
    assert [(x.code, x.severity) for x in answer.flags] == [("expired", "stop"), ("not_shipped", "info")]
    assert case.expires_on.isoformat() in answer.flags[0].message and "do not use or sell" in answer.headline


def test_a_unit_expiring_on_the_day_of_the_check_is_not_expired(session: Session, plant: Plant,
                                                                 story: Story) -> None:
    case = session.exec(select(Unit).where(Unit.code == "CASE-01/C1")).one()
    case.expires_on = NOON.date()
    session.add(case)
    session.commit()
    answer = VerifyService(session, staff(plant)).verify(VerifyRequest(code="CASE-01/C1", region="Jiangsu",
                                                                       occurred_at=NOON))
    assert answer.flag_codes == ["not_shipped"]


def test_a_unit_that_never_left_the_plant_is_flagged_not_shipped(session: Session, plant: Plant,
                                                                 story: Story) -> None:
    at_plant = VerifyService(session, staff(plant)).verify(VerifyRequest(code="MTR-01/M4", region="Jiangsu",
                                                                         occurred_at=NOON))
    assert [(x.code, x.severity) for x in at_plant.flags] == [("not_shipped", "info")]
    assert at_plant.headline == "Genuine product."     # stock in the plant: nothing wrong with it
    in_market = verify(session, plant, "MTR-01/M4", hours=1)
    assert [(x.code, x.severity) for x in in_market.flags] == [("not_shipped_to_you", "warn"),
                                                                ("not_shipped", "warn")]
    assert "should not be on the market" in in_market.message


def test_a_recalled_unit_in_a_distributors_hands_is_flagged_even_when_not_shipped_to_them(
        session: Session, plant: Plant, story: Story) -> None:
    set_status(session, "MTR-01/M3", UnitStatus.RECALLED)
    answer = verify(session, plant, "MTR-01/M3")
    assert answer.flag_codes == ["recalled", "not_shipped_to_you"] and answer.status is None
    assert "do not use or sell" in answer.headline
