"""Online verification says why: clone detection over the check history (counts, regions, travel faster than
the settings allow), diversion naming the shipment, the region taken from the checking account, and the code's
(8030) signature judged on the server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from backend.auth.principal import Principal
from backend.migrate import upgrade
from backend.verify import clones
from backend.verify.errors import NoRegion
from backend.verify.models import VerifyCheck
from backend.verify.schemas import Verification, VerifyRequest, VerifySettingsUpdate
from backend.verify.service import VerifyService
from backend.warnings.models import WarningRule
from shared_models.enums import Role
from tests.backend.story import Story, tell_story
from tests.backend.test_event_chain import BEFORE_0006
from tests.factories import Plant, at
from tests.migrations import engine_at

NOON = datetime.fromisoformat(at(240))
NANJING, URUMQI, SUZHOU = (32.06, 118.80), (43.83, 87.62), (31.30, 120.59)   # 3,007 km and 190 km from Nanjing


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    story = tell_story(session)
    # Counts and regions out of the way: these tests are about travel unless they say otherwise.
    session.add(WarningRule(code="clone", kind="clone", params={"max_scans": 50, "regions": 50, "window_hours": 72}))
    session.commit()
    return story


def dist(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["dist"].id, username="dist", role=Role.DISTRIBUTOR,
                     customer_id=plant.customers["DIST-1"].id)


def qa(plant: Plant) -> Principal:
    return Principal(user_id=plant.users["qa"].id, username="qa", role=Role.QA_MANAGER)


def check(session: Session, plant: Plant, code: str, region: str | None, *, hours: float = 0,
          where: tuple[float, float] | None = None, by: Principal | None = None, **extra: object) -> Verification:
    coords = {"latitude": where[0], "longitude": where[1]} if where else {}
    request = VerifyRequest(code=code, region=region, occurred_at=NOON + timedelta(hours=hours), **coords, **extra)
    return VerifyService(session, by or dist(plant)).verify(request)


# -- the pure judge ----------------------------------------------------------------------------------------------
def test_the_great_circle_distance_matches_a_known_one() -> None:
    # Nanjing to Urumqi is about 3,000 km as the crow flies; a point to itself is 0.
    assert 2950 < clones.distance_km(NANJING, URUMQI) < 3050
    assert clones.distance_km(NANJING, NANJING) == 0


def test_travel_faster_than_the_limit_between_two_distant_checks_is_implausible() -> None:
    limits = clones.Thresholds(max_checks=50, regions=50, max_speed_kmh=900, min_distance_km=50)
    first = clones.Check(NOON, "Jiangsu", None, *NANJING)
    quick = clones.assess(clones.Check(NOON + timedelta(hours=2), "Xinjiang", None, *URUMQI), [first], limits)
    slow = clones.assess(clones.Check(NOON + timedelta(hours=4), "Xinjiang", None, *URUMQI), [first], limits)
    near = clones.assess(clones.Check(NOON + timedelta(seconds=1), "Jiangsu", None, 32.2, 118.8), [first], limits)
    assert quick.reasons == ["implausible_travel"] and quick.legs[0].speed_kmh > 1200
    assert slow.reasons == [] and not slow.legs[0].implausible   # ~750 km/h: a flight
    assert near.reasons == [] and near.legs[0].distance_km < 50   # one place, however quick


def test_an_answer_names_at_most_twenty_earlier_checks_keeping_the_implausible_ones() -> None:
    limits = clones.Thresholds(max_checks=10_000, regions=10_000, max_speed_kmh=900, min_distance_km=50)
    earlier = [clones.Check(NOON + timedelta(minutes=n), "Jiangsu", None, *NANJING) for n in range(100)]
    earlier[3] = clones.Check(NOON + timedelta(minutes=3), "Xinjiang", None, *URUMQI)
    found = clones.assess(clones.Check(NOON + timedelta(minutes=120), "Jiangsu", None, *NANJING), earlier, limits)
    shown = clones.shown_legs(found.legs)
    assert (found.checks, len(shown)) == (101, 20) and shown[0].check.region == "Xinjiang"
    assert [leg.check.occurred_at for leg in shown[1:]] == [c.occurred_at for c in earlier[-19:]]


# -- through the service, with the history table -----------------------------------------------------------------
def test_a_second_check_too_far_away_too_soon_is_a_clone_and_names_the_earlier_check(
        session: Session, plant: Plant, story: Story) -> None:
    assert check(session, plant, "MTR-01/M2", "Jiangsu", where=NANJING).flags == []
    second = check(session, plant, "MTR-01/M2", "Jiangsu", hours=1.5, where=URUMQI)
    assert second.flag_codes == ["suspected_clone"] and second.clone_reasons == ["implausible_travel"]
    (earlier,) = second.earlier_checks or []
    assert (earlier.region, earlier.implausible, round(earlier.distance_km or 0, -2)) == ("Jiangsu", True, 3000)
    assert "3007 km away and 1 h 30 min apart" in second.message and "faster than 900 km/h" in second.message
    rows = session.exec(select(VerifyCheck).order_by(VerifyCheck.occurred_at)).all()
    assert [(r.region, r.latitude, r.customer_id) for r in rows] == [
        ("Jiangsu", NANJING[0], plant.customers["DIST-1"].id), ("Jiangsu", URUMQI[0], plant.customers["DIST-1"].id)]


def test_places_come_from_the_settings_when_the_device_sends_none(session: Session, plant: Plant,
                                                                   story: Story) -> None:
    VerifyService(session, qa(plant)).update_settings(VerifySettingsUpdate(
        max_speed_kmh=300, min_distance_km=50, places={"Jiangsu": NANJING, " suzhou ": SUZHOU}))
    check(session, plant, "MTR-01/M2", "jiangsu")
    fast = check(session, plant, "MTR-01/M2", "Suzhou", hours=0.25)          # 190 km in 15 min
    later = check(session, plant, "MTR-01/M1", "Suzhou", hours=3)            # another unit: its own history
    assert fast.clone_reasons == ["implausible_travel"] and later.clone_reasons == []
    stored = session.exec(select(VerifyCheck).where(VerifyCheck.region == "Suzhou")).all()
    assert {(r.latitude, r.longitude) for r in stored} == {SUZHOU}


def test_count_and_region_reasons_are_named_with_their_thresholds(session: Session, plant: Plant,
                                                                  story: Story) -> None:
    rule = session.exec(select(WarningRule).where(WarningRule.code == "clone")).one()
    rule.params = {"max_scans": 2, "regions": 3, "window_hours": 24}
    session.add(rule)
    session.commit()
    answers = [check(session, plant, "MTR-01/M1", r, hours=n) for n, r in enumerate(["Jiangsu", "Zhejiang", "Anhui"])]
    assert [a.clone_reasons for a in answers] == [[], [], ["too_many_checks", "too_many_regions"]]
    assert ("checked 3 times within 24 h (more than 2); checked in 3 regions (Jiangsu, Zhejiang, Anhui)"
            in answers[2].message)
    assert [c.region for c in answers[2].earlier_checks or []] == ["Jiangsu", "Zhejiang"]


def test_a_diversion_names_the_shipment_and_what_it_authorized(session: Session, plant: Plant, story: Story) -> None:
    answer = check(session, plant, "MTR-01/M1", "Guangdong")
    assert answer.flag_codes == ["diversion"]
    assert ("it was shipped to East China Distribution on DN-1, authorized for Jiangsu, Zhejiang" in answer.message)


def test_without_a_region_the_accounts_customer_regions_are_used(session: Session, plant: Plant,
                                                                 story: Story) -> None:
    answer = check(session, plant, "MTR-01/M1", None)
    assert (answer.region, answer.flag_codes) == ("Jiangsu, Zhejiang", [])


def test_without_a_region_an_account_with_no_customer_is_refused_and_nothing_is_recorded(
        session: Session, plant: Plant, story: Story) -> None:
    with pytest.raises(NoRegion, match="Say in which region"):
        check(session, plant, "MTR-01/M1", None, by=qa(plant))
    assert session.exec(select(VerifyCheck)).all() == []


def test_coordinates_come_in_pairs_on_the_earth() -> None:
    with pytest.raises(ValidationError, match="latitude and longitude go together"):
        VerifyRequest(code="MTR-01/M1", region="Jiangsu", latitude=32.0)
    with pytest.raises(ValidationError, match="less than or equal to 90"):
        VerifyRequest(code="MTR-01/M1", region="Jiangsu", latitude=132.0, longitude=0)


# -- over HTTP ---------------------------------------------------------------------------------------------------
@pytest.fixture
def told(client: TestClient, engine) -> Story:  # type: ignore[no-untyped-def]
    with Session(engine, expire_on_commit=False) as s:
        return tell_story(s)


def test_qa_sets_the_thresholds_others_may_not_and_bad_places_are_named(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                        told: Story) -> None:
    r = client.get("/api/verify/settings", headers=login("qa"))
    assert r.status_code == 200 and (r.json()["max_speed_kmh"], r.json()["places"]) == (900.0, {})
    body = {"max_speed_kmh": 500, "min_distance_km": 20, "places": {"Jiangsu": list(NANJING)}}
    r = client.put("/api/verify/settings", json=body, headers=login("qa"))
    assert r.status_code == 200 and r.json()["places"] == {"Jiangsu": list(NANJING)}
    assert r.json()["updated_by"] == "qa"
    assert client.put("/api/verify/settings", json=body, headers=login("dist")).status_code == 403
    r = client.put("/api/verify/settings", json={**body, "places": {"Mars": [95, 10]}}, headers=login("qa"))
    assert r.status_code == 400 and "Mars" in r.text
    assert client.get("/api/verify/settings", headers=login("qa")).json()["max_speed_kmh"] == 500


def test_the_servers_signature_verdict_is_part_of_the_answer(client: TestClient, login, told: Story) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/coding/keys", headers=login("qa"))
    assert r.status_code == 201, r.text
    kid = r.json()["kid"]
    signed = client.post("/api/coding/sign", json={"unit": "MTR-01/M1"}, headers=login("qa")).json()
    code = signed["element_string"]
    r = client.post("/api/verify", json={"code": code, "region": "Jiangsu"}, headers=login("dist"))
    assert r.status_code == 200, r.text
    assert (r.json()["signature"], r.json()["flags"]) == ("genuine", [])
    forged = code.replace("(21)M1", "(21)M2")           # a real serial under another unit's signature
    r = client.post("/api/verify", json={"code": forged, "region": "Jiangsu"}, headers=login("dist")).json()
    assert (r["signature"], [f["code"] for f in r["flags"]]) == ("forged", ["forged_signature"])
    assert r["flags"][0]["severity"] == "stop" and "counterfeit" in r["headline"]
    client.post(f"/api/coding/keys/{kid}/revoke", json={"reason": "leaked"}, headers=login("qa"))
    r = client.post("/api/verify", json={"code": code, "region": "Jiangsu"}, headers=login("dist")).json()
    assert (r["signature"], [f["code"] for f in r["flags"]]) == ("revoked", ["revoked_key"])


# -- migration 0014 keeps the checks made before it --------------------------------------------------------------
BEFORE_0014 = [
    *BEFORE_0006[:3],
    *(f"INSERT INTO event (id, type, business_step, disposition, occurred_at, recorded_at, device_id, site_id, "
      f"reference, note, attributes) VALUES ('{e}', 'verify', 'inspecting', '', '2026-11-02 12:00:00', "
      f"'2026-11-02 12:00:00', 'hh-1', 's1', '', '', '{attributes}')" for e, attributes in (
          ("v-unit", '{"region": "Jiangsu", "channel": "utility", "verified_by": "dist"}'),
          ("v-unknown", '{"region": "Hubei", "result": "unknown"}'))),
    "INSERT INTO event_line (id, event_id, unit_id, role, qty) VALUES ('x1', 'v-unit', 'u1', 'subject', 0)",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from engine_at("0013", request.param, tmp_path)


def test_migration_0014_fills_the_history_from_stored_checks_of_units(at_0013: Engine) -> None:
    with at_0013.begin() as conn:
        for statement in BEFORE_0014:
            conn.execute(text(statement))
    upgrade(at_0013)
    with at_0013.connect() as conn:
        rows = conn.execute(text("SELECT id, unit_id, region, channel, device_id, verified_by, latitude "
                                 "FROM verify_check")).all()
    assert [tuple(r) for r in rows] == [("v-unit", "u1", "Jiangsu", "utility", "hh-1", "dist", None)]
