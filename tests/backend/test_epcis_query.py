"""EPCIS queries over HTTP on a production story: the standard parameters, pages by nextPageToken with
Link rel="next", /epcis/epcs/{epc}/events, the GS1 headers, errors as problem+json, who may ask."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from tests.backend.story import Story, tell_story
from tests.factories import Plant, at, eid

METER = "urn:epc:id:sgtin:6901234.000001.M1"   # MTR-01 (GTIN 06901234000016) serial M1
SITE = "urn:epc:id:sgln:6901234.00000.0"        # site S1 (GLN 6901234000009)


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def ask(client: TestClient, headers: dict[str, str], path: str = "/epcis/events", **params: Any) -> Any:
    return client.get(path, params=params, headers=headers)


def events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "EPCISQueryDocument" and body["schemaVersion"] == "2.0"
    return list(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def test_answers_carry_the_gs1_version_headers(client, login, story: Story) -> None:
    r = ask(client, login("qa"))
    assert (r.headers["gs1-epcis-version"], r.headers["gs1-cbv-version"]) == ("2.0.0", "2.0.0")
    assert r.headers["content-type"].startswith("application/ld+json")


@pytest.mark.parametrize(("params", "count"), [
    ({"eventType": "TransformationEvent"}, 9),
    ({"eventType": "AggregationEvent,ObjectEvent"}, 5),
    ({"EQ_bizStep": "shipping"}, 2),
    ({"EQ_bizStep": "urn:epcglobal:cbv:bizstep:shipping"}, 2),
    ({"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-receiving"}, 2),
    ({"EQ_disposition": "in_transit"}, 2),
    ({"EQ_bizLocation": SITE}, 14),
    ({"EQ_readPoint": "urn:lotline:location:S1-A-02"}, 12),  # made, packed, shipped there
    ({"GE_eventTime": "2026-11-02T08:30:00Z", "LT_eventTime": "2026-11-02T16:40:00+08:00"}, 4),
    ({"MATCH_epc": METER}, 2),                       # packed (childEPCs) and shipped in its carton (epcList)
    ({"MATCH_anyEPC": METER}, 3),                    # and made (outputEPCList)
    ({"MATCH_outputEPC": METER}, 1),
    ({"MATCH_anyEPC": "https://id.gs1.org/01/06901234000016/21/M1"}, 3),   # the same EPC as a Digital Link
    ({"MATCH_anyEPC": "urn:epc:id:sgtin:6901234.000001.*"}, 7),            # every meter event: a pattern
    ({"MATCH_anyEPCClass": "urn:epc:class:lgtin:6901234.000002.C1"}, 5),   # case lot C1: made, used 4 times
    ({"EQ_bizStep": "shipping", "MATCH_epc": METER}, 1),
])
def test_standard_parameters_select_events(client, login, story: Story, params: dict[str, str], count: int) -> None:
    assert len(events(ask(client, login("qa"), **params, perPage="100"))) == count


def test_events_of_one_epc(client, login, story: Story) -> None:
    found = events(ask(client, login("qa"), f"/epcis/epcs/{METER}/events"))
    assert [e["type"] for e in found] == ["TransformationEvent", "AggregationEvent", "ObjectEvent"]
    assert len(events(ask(client, login("qa"), f"/epcis/epcs/{METER}/events", eventType="ObjectEvent"))) == 1


def test_pages_follow_link_next_without_repeats_and_new_events_come_last(client, login, story: Story) -> None:
    qa = login("qa")
    first = ask(client, qa, perPage="5", eventType="TransformationEvent,AggregationEvent,ObjectEvent")
    seen = [e["eventID"] for e in events(first)]
    link = first.headers["link"]
    assert link.endswith('>; rel="next"') and "nextPageToken=" in link
    url: str | None = link[1:link.index(">")]
    while url:
        r = client.get(url, headers=qa)
        seen += [e["eventID"] for e in events(r)]
        url = r.headers["link"][1:r.headers["link"].index(">")] if "link" in r.headers else None
    assert len(seen) == len(set(seen)) == 14


def test_a_token_only_works_with_its_own_query(client, login, story: Story) -> None:
    qa = login("qa")
    token = ask(client, qa, perPage="2").headers["link"].split("nextPageToken=")[1].split(">")[0]
    r = ask(client, qa, perPage="2", eventType="ObjectEvent", nextPageToken=token)
    assert r.status_code == 400 and "other parameters" in r.json()["detail"]
    r = ask(client, qa, nextPageToken="garbage!")
    assert r.status_code == 400 and r.json()["type"] == "epcisException:QueryParameterException"


@pytest.mark.parametrize(("params", "says"), [
    ({"EQ_colour": "red"}, "EQ_colour"),
    ({"eventType": "TeleportEvent"}, "TeleportEvent"),
    ({"GE_eventTime": "yesterday"}, "GE_eventTime"),
    ({"perPage": "0"}, "perPage"),
])
def test_bad_parameters_are_named_in_a_problem(client, login, story: Story, params: dict[str, str], says: str) -> None:
    r = ask(client, login("qa"), **params)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert says in r.json()["detail"]


def test_who_may_query(client, login, story: Story) -> None:
    assert ask(client, login("dist")).status_code == 403
    assert ask(client, login("picker")).status_code == 200


def test_events_recorded_after_a_query_are_in_the_next(client, login, story: Story) -> None:
    qa = login("qa")
    assert len(events(ask(client, qa, perPage="100"))) == 14
    r = client.post("/api/events/receive", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(90), "supplier": "SUP-A", "item": "CASE-01", "lot_no": "C9", "qty": 5,
        "location": "S1-RCV"})
    assert r.status_code == 201, r.text
    received = events(ask(client, qa, EQ_bizStep="receiving", perPage="100"))
    assert len(received) == 3 and len(events(ask(client, qa, perPage="100"))) == 15
    newest = received[-1]
    assert newest["quantityList"] == [{"epcClass": "urn:epc:class:lgtin:6901234.000002.C9", "quantity": 5,
                                       "uom": "H87"}]
    assert newest["readPoint"] == {"id": "urn:epc:id:sgln:6901234.00010.0"}   # S1-RCV's GLN 6901234000108
    assert newest["sourceList"][0]["source"] == "urn:lotline:supplier:SUP-A"
