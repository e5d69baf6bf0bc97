"""Lotline's own events as EPCIS 2.0: the CBV event hash against a worked example derived by hand, the export of a
production story valid against GS1's schema, and the round trip export → capture into an empty Lotline → the
same trace."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.app import create_app
from backend.auth.principal import SYSTEM
from backend.config import Settings
from backend.db import make_engine
from backend.epcis.capture_service import schema_errors
from backend.epcis.event_hash import canonical_number, canonical_time, event_hash_id, pre_hash
from backend.epcis.export import CONTEXT
from backend.trace.service import trace
from shared_models.enums import Direction
from tests.backend.story import Story, tell_story
from tests.factories import Plant, build_plant

# The worked example: an event written with an offset, URNs and a trailing zero, and its pre-hash string as derived
# by hand from CBV 2.0 §8.9 (check digits: GTIN 0401234511111-8, 0401234512345-6; GLN 401234500001-6).
WORKED = {"type": "ObjectEvent", "eventID": "urn:uuid:6a5e1f7e-0000-4000-8000-000000000001",
          "recordTime": "2020-03-05T00:00:00Z", "eventTime": "2020-03-04T11:00:30.999+01:00",
          "eventTimeZoneOffset": "+01:00", "action": "OBSERVE",
          "epcList": ["urn:epc:id:sgtin:4012345.011111.9876", "urn:epc:id:sgtin:4012345.011111.12"],
          "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.ABC", "quantity": 10.50, "uom": "KGM"}],
          "bizStep": "urn:epcglobal:cbv:bizstep:shipping", "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"}}
WORKED_PRE_HASH = (
    "eventType=ObjectEvent"
    "eventTime=2020-03-04T10:00:30.999Z"
    "eventTimeZoneOffset=+01:00"
    "epcListepc=https://id.gs1.org/01/04012345111118/21/12epc=https://id.gs1.org/01/04012345111118/21/9876"
    "quantityListquantityElementepcClass=https://id.gs1.org/01/04012345123456/10/ABCquantity=10.5uom=KGM"
    "action=OBSERVE"
    "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
    "readPointid=https://id.gs1.org/414/4012345000016")


def test_pre_hash_string_of_the_worked_example() -> None:
    assert pre_hash(WORKED) == WORKED_PRE_HASH
    assert event_hash_id(WORKED) == \
        f"ni:///sha-256;{hashlib.sha256(WORKED_PRE_HASH.encode()).hexdigest()}?ver=CBV2.0"


def test_the_hash_ignores_spelling_order_and_record_keeping() -> None:
    same = {**WORKED, "eventID": "urn:uuid:other", "recordTime": "2030-01-01T00:00:00Z",
            "eventTime": "2020-03-04T10:00:30.999Z", "bizStep": "shipping",
            "epcList": list(reversed(WORKED["epcList"])), "quantityList": [{**WORKED["quantityList"][0],  # type: ignore[index]
                                                                            "quantity": 10.5}]}
    assert event_hash_id(same) == event_hash_id(WORKED)
    assert event_hash_id({**WORKED, "action": "ADD"}) != event_hash_id(WORKED)
    extended = {**WORKED, "ex:note": "a"}
    assert pre_hash(extended, [{"ex": "https://ex.org/"}]).endswith("{https://ex.org/}note=a")


def test_timestamps_and_numbers_in_canonical_form() -> None:
    assert canonical_time("2023-01-18T11:04:03.1415Z") == "2023-01-18T11:04:03.142Z"
    assert canonical_time("2023-01-18T23:59:59.9996-02:00") == "2023-01-19T02:00:00.000Z"
    assert canonical_time("2023-01-18T12:00:00+08:00") == "2023-01-18T04:00:00.000Z"
    assert [canonical_number(v) for v in (1.0, 0.3434, 10.50, 200)] == ["1", "0.3434", "10.5", "200"]


def all_events(client: TestClient, headers: dict[str, str], query: str = "perPage=7") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    url: str | None = f"/epcis/events?{query}"
    while url:
        r = client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert not schema_errors(r.json()), schema_errors(r.json())   # an EPCISQueryDocument GS1's schema accepts
        found += r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        link = r.headers.get("link")
        url = link[1:link.index(">")] if link else None
    return found


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def test_the_story_exports_as_object_aggregation_and_transformation_events(client, login, story: Story) -> None:
    events = all_events(client, login("qa"))
    kinds = [e["type"] for e in events]
    assert (kinds.count("TransformationEvent"), kinds.count("AggregationEvent"), kinds.count("ObjectEvent")) == \
        (9, 1, 4)
    meter = "urn:epc:id:sgtin:6901234.000001.M1"   # MTR-01: GTIN 06901234000016, serial M1
    made = next(e for e in events if meter in e.get("outputEPCList", []))
    assert made["inputEPCList"] == ["urn:lotline:unit:BRD-01%2FB1"]
    assert made["inputQuantityList"] == [{"epcClass": "urn:epc:class:lgtin:6901234.000002.C1", "quantity": 1,
                                          "uom": "H87"}]                    # CASE-01's lot C1, a GTIN-ed lot
    assert made["bizStep"] == "https://ref.gs1.org/cbv/BizStep-commissioning"
    assert made["bizLocation"] == {"id": "urn:epc:id:sgln:6901234.00000.0"}  # site S1's GLN 6901234000009
    pack = next(e for e in events if e["type"] == "AggregationEvent")
    assert pack["action"] == "ADD" and set(pack["childEPCs"]) == {meter, "urn:epc:id:sgtin:6901234.000001.M2"}
    assert pack["parentID"].startswith("urn:epc:id:sscc:6901234.")
    shipped = [e for e in events if e["bizStep"].endswith("BizStep-shipping")]
    assert {e["disposition"] for e in shipped} == {"https://ref.gs1.org/cbv/Disp-in_transit"}
    for event in events:  # each carries its CBV event hash id, computed over everything but eventID/recordTime
        assert event["eventID"] == event_hash_id({k: v for k, v in event.items() if k != "eventID"}, CONTEXT)


def test_round_trip_into_an_empty_lotline_gives_the_same_trace(client, login, story: Story, session: Session,
                                                              sqlite_template: Path, settings: Settings,
                                                              tmp_path: Path) -> None:
    events = all_events(client, login("qa"), "perPage=100")
    target_path = tmp_path / "partner.db"
    shutil.copy(sqlite_template, target_path)
    target: Engine = make_engine(f"sqlite:///{target_path}")
    try:
        with Session(target, expire_on_commit=False) as s:
            build_plant(s)   # the same master data (items, sites, users), no units and no events
        with TestClient(create_app(settings, target)) as other:
            token = other.post("/api/auth/login", json={"username": "qa", "password": "qa-pass-1"}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            doc = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                   "creationDate": "2026-11-03T00:00:00Z", "epcisBody": {"eventList": events}}
            r = other.post("/epcis/capture", json=doc, headers=headers)
            assert r.status_code == 202, r.text
            assert other.get(r.headers["location"], headers=headers).json()["captured"] == len(events)
            again = other.post("/epcis/capture", json=doc, headers=headers)   # the same again: all duplicates
            assert other.get(again.headers["location"], headers=headers).json()["duplicates"] == len(events)
        with Session(target) as s:
            for code, direction in (("MTR-01/M1", Direction.BACKWARD), ("RESIN-01/R1", Direction.FORWARD),
                                    (story.carton, Direction.BACKWARD)):
                mine = shape(trace(session, SYSTEM, code, direction, max_depth=12, max_nodes=1000))
                assert len(mine[1]) >= 2   # a trace with edges to compare, not two empty ones
                assert shape(trace(s, SYSTEM, code, direction, max_depth=12, max_nodes=1000)) == mine, code
    finally:
        target.dispose()


def shape(graph: Any) -> tuple[set[tuple[str, str, int]], set[tuple[str, str, float, str]]]:
    """What a trace says, by codes: nodes (code, kind, depth) and edges (parent, child, qty, event type)."""
    codes = {n.id: n.code for n in graph.nodes}
    return ({(n.code, n.kind, n.depth) for n in graph.nodes},
            {(codes[e.parent_id], codes[e.child_id], e.qty, e.event_type) for e in graph.edges})
