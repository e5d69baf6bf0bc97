"""EPCIS capture over HTTP, with documents written from the standard (EPCIS 2.0 §7, CBV 2.0): valid documents
stored with their extensions and queryable; invalid ones refused with a problem+json naming the JSON pointer; error
behaviours, limits, de-duplication by event hash; 10,000 events captured and paged through."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.epcis import capture_service
from backend.epcis.models import EpcisEpc
from shared_models.trace import Unit

CONTEXT: list[Any] = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                      {"ext1": "https://example.com/ext1/"}]
GLN_DOCK = "urn:epc:id:sgln:6901234.00010.0"   # the test plant's S1-RCV (GLN 6901234000108)


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-11-02T08:00:00.000Z", "epcisBody": {"eventList": list(events)}}


def object_event(n: int = 0, **extra: Any) -> dict[str, Any]:
    """A partner's receiving of serialised goods: an ObjectEvent OBSERVE with a quantity and an extension."""
    return {"type": "ObjectEvent", "eventTime": f"2026-11-02T09:{n // 60 % 60:02d}:{n % 60:02d}.000+08:00",
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
            "epcList": [f"urn:epc:id:sgtin:4012345.011111.{n}"],
            "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.LOT7", "quantity": 2.5, "uom": "KGM"}],
            "bizStep": "receiving", "disposition": "in_progress",
            "readPoint": {"id": GLN_DOCK}, "bizLocation": {"id": "urn:epc:id:sgln:6901234.00000.0"},
            "ext1:temperature": 4, **extra}


def transformation(inputs: list[str], outputs: list[str], when: str = "2026-11-03T10:00:00Z",
                   **extra: Any) -> dict[str, Any]:
    return {"type": "TransformationEvent", "eventTime": when, "eventTimeZoneOffset": "+00:00",
            "inputEPCList": inputs, "outputEPCList": outputs, "bizStep": "commissioning",
            "disposition": "active", "bizLocation": {"id": "urn:epc:id:sgln:6901234.00000.0"}, **extra}


def aggregation(parent: str, children: list[str], action: str = "ADD") -> dict[str, Any]:
    return {"type": "AggregationEvent", "eventTime": "2026-11-03T11:00:00Z", "eventTimeZoneOffset": "+00:00",
            "parentID": parent, "childEPCs": children, "action": action, "bizStep": "packing",
            "disposition": "in_progress", "readPoint": {"id": GLN_DOCK}}


CAPTURE = "/epcis/capture"


def post(client: TestClient, headers: dict[str, str], doc: Any, behaviour: str | None = None) -> Any:
    extra = {"GS1-Capture-Error-Behaviour": behaviour} if behaviour else {}
    return client.post(CAPTURE, content=json.dumps(doc), headers={**headers, **extra,
                                                                   "Content-Type": "application/ld+json"})


def job(client: TestClient, headers: dict[str, str], response: Any) -> dict[str, Any]:
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    r = client.get(location, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_capture_answers_202_with_the_job_and_the_events_are_queryable_with_extensions(client, login) -> None:
    qa = login("qa")
    r = post(client, qa, document(object_event(1), object_event(2)))
    assert r.headers["gs1-epcis-version"] == "2.0.0" and r.headers["gs1-cbv-version"] == "2.0.0"
    done = job(client, qa, r)
    assert (done["state"], done["success"], done["running"], done["captured"], done["errors"]) == \
        ("success", True, False, 2, [])
    q = client.get("/epcis/events", params={"MATCH_epc": "urn:epc:id:sgtin:4012345.011111.2"}, headers=qa)
    events = q.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == 1 and events[0]["ext1:temperature"] == 4
    assert events[0]["@context"] == [{"ext1": "https://example.com/ext1/"}] and "recordTime" in events[0]


def test_the_same_events_captured_twice_are_stored_once(client, login) -> None:
    qa = login("qa")
    job(client, qa, post(client, qa, document(object_event(1))))
    # the same event, written another way: other offset for the same instant, a trailing zero, eventID added
    again = object_event(1, eventTime="2026-11-02T01:00:01Z", eventTimeZoneOffset="+08:00", eventID="urn:uuid:x")
    again["quantityList"][0]["quantity"] = 2.50
    done = job(client, qa, post(client, qa, document(again, object_event(3))))
    assert (done["captured"], done["duplicates"]) == (1, 1)


@pytest.mark.parametrize(("broken", "pointer", "says"), [
    ({"epcList": ["not a uri"]}, "/epcisBody/eventList/1/epcList/0", "uri"),
    ({"eventTime": "2026-13-45T99:00:00Z"}, "/epcisBody/eventList/1/eventTime", "date-time"),
    ({"eventTime": None}, "/epcisBody/eventList/1", "eventTime"),
    ({"type": "TeleportEvent"}, "/epcisBody/eventList/1", "TeleportEvent"),
])
def test_an_invalid_event_is_refused_with_a_problem_naming_where(client, login, broken, pointer, says) -> None:
    event = {k: v for k, v in {**object_event(1), **broken}.items() if v is not None}
    r = post(client, login("qa"), document(object_event(0), event))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "epcisException:ValidationException"
    assert body["errors"][0]["pointer"].startswith(pointer)
    assert says in body["errors"][0]["message"] + body["detail"]
    assert client.get("/epcis/events", params={"eventType": "ObjectEvent"}, headers=login("qa")) \
        .json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []  # nothing half-written


def test_all_lists_every_error_and_proceed_stores_the_valid_events(client, login) -> None:
    qa = login("qa")
    bad = [{**object_event(n), "epcList": ["no uri"]} for n in (1, 2)]
    r = post(client, qa, document(object_event(0), *bad), "all")
    assert r.status_code == 400 and len(r.json()["errors"]) == 2
    done = job(client, qa, post(client, qa, document(object_event(0), *bad), "proceed"))
    assert (done["captured"], [e["pointer"] for e in done["errors"]]) == \
        (1, ["/epcisBody/eventList/1/epcList/0", "/epcisBody/eventList/2/epcList/0"])
    r = post(client, qa, document(object_event(0)), "sometimes")
    assert r.status_code == 400 and "GS1-Capture-Error-Behaviour" in r.json()["detail"]


def test_a_document_that_is_not_epcis_is_refused(client, login) -> None:
    r = client.post(CAPTURE, content=b"{oops", headers={**login("qa"), "Content-Type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.json()["detail"]
    r = post(client, login("qa"), {"type": "EPCISQueryDocument"})
    assert r.status_code == 400 and r.json()["errors"][0]["pointer"] == "/type"
    doc = document(object_event(1))
    del doc["creationDate"]
    r = post(client, login("qa"), doc)
    assert r.status_code == 400 and "creationDate" in r.json()["detail"]


def test_over_the_advertised_limits_is_413(client, login, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture_service, "CAPTURE_LIMIT", 3)
    r = post(client, login("qa"), document(*(object_event(n) for n in range(4))))
    assert r.status_code == 413 and r.json()["type"] == "epcisException:CaptureLimitExceededException"
    assert "GS1-EPCIS-Capture-Limit" in r.json()["detail"]
    assert int(r.headers["gs1-epcis-capture-file-size-limit"]) == capture_service.FILE_SIZE_LIMIT


def test_who_may_capture(client, login) -> None:
    assert post(client, login("picker"), document(object_event(1))).status_code == 403
    assert client.get(f"{CAPTURE}/nope", headers=login("qa")).status_code == 404


def test_captured_transformation_and_pack_join_the_genealogy(client, login, engine: Engine) -> None:
    qa = login("qa")
    lot = "urn:epc:class:lgtin:6901234.000002.PARTNER-L1"   # CASE-01's GTIN 06901234000023, a partner's lot
    meter = "urn:epc:id:sgtin:6901234.000001.900"            # MTR-01's GTIN 06901234000016, serial 900
    pallet = "urn:epc:id:sscc:6901234.0000000099"
    event = transformation([], [meter], inputQuantityList=[{"epcClass": lot, "quantity": 1}])
    job(client, qa, post(client, qa, document(event, aggregation(pallet, [meter]))))
    r = client.get("/api/trace", params={"code": "(01)06901234000016(21)900", "direction": "backward"}, headers=qa)
    assert r.status_code == 200, r.text
    assert {n["code"] for n in r.json()["nodes"]} >= {"(01)06901234000023(10)PARTNER-L1"}
    r = client.get("/api/trace", params={"code": "(01)06901234000016(21)900", "direction": "forward"}, headers=qa)
    pallets = [n for n in r.json()["nodes"] if n["code"] == "(00)069012340000000993"]
    assert len(pallets) == 1 and pallets[0]["kind"] == "container"
    # a later ObjectEvent naming the meter (as a Digital Link this time) is linked to the unit it resolves to
    shipped = object_event(7, epcList=["https://id.gs1.org/01/06901234000016/21/900"], bizStep="shipping")
    job(client, qa, post(client, qa, document(shipped)))
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "(01)06901234000016(21)900")).one()
        linked = s.exec(select(EpcisEpc).where(EpcisEpc.unit_id == unit.id)).all()
    # made (output), packed (childEPCs) and shipped (epcList): three events, each row pointing at the unit
    assert sorted(row.role for row in linked) == ["epc", "epc", "output"]
    assert len({row.event_seq for row in linked}) == 3


def test_a_cycle_fails_the_job_and_stores_nothing(client, login) -> None:
    qa = login("qa")
    a, b = "urn:epc:id:sgtin:6901234.000001.1", "urn:epc:id:sgtin:6901234.000001.2"
    job(client, qa, post(client, qa, document(transformation([a], [b]))))
    back = transformation([b], [a], "2026-11-04T00:00:00Z")
    done = job(client, qa, post(client, qa, document(object_event(5), back)))
    assert done["state"] == "failure" and "cycle" in done["errors"][-1]["message"] and done["captured"] == 0
    q = client.get("/epcis/events", params={"MATCH_epc": "urn:epc:id:sgtin:4012345.011111.5"}, headers=qa)
    assert q.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_ten_thousand_events_capture_and_page_through(client, login) -> None:
    qa = login("qa")
    job_ = job(client, qa, post(client, qa, document(*(object_event(n) for n in range(10_000)))))
    assert job_["captured"] == 10_000
    seen: list[str] = []
    url: str | None = "/epcis/events?eventType=ObjectEvent&perPage=1000"
    while url:
        r = client.get(url, headers=qa)
        assert r.status_code == 200, r.text
        seen += [e["epcList"][0] for e in r.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        link = r.headers.get("link")
        url = link[1:link.index(">")] if link else None
    assert len(seen) == 10_000 and len(set(seen)) == 10_000
