"""Issue 17's checks reach every backend way in for GS1 data: the resolver (trace, recall, verify all call it) and
the sync upload (SSCCs of packs, GTINs of items, GLNs of locations go through the dictionary's key linters)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.trace.errors import UnreadableCode
from backend.trace.resolver import resolve
from tests.backend.story import Story, tell_story
from tests.factories import Plant, at, eid


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


@pytest.mark.parametrize(
    ("scanned", "code", "ai"),
    [
        ("(01)06901234000016(422)999", "bad_country", "422"),  # value check: no such country
        ("(01)06901234000016(21)M1(235)X", "invalid_pair", "235"),  # (21) excludes (235)
        ("(21)M1", "missing_ai", "21"),  # (21) needs (01), (03) or (8006)
        ("]d2010690123400001637" + "5", "invalid_pair", "37"),  # (01) excludes (37)
        ("https://id.gs1.org/01/06901234000016/21/M1/", "bad_uri", None),  # trailing slash
        ("https://id.gs1.org/01/06901234000016?21=M1", "bad_uri", "21"),  # key qualifier in the query
        ("https://id.gs1.org/01/06901234000016/21/M1?17=261231&400=P+1", "bad_uri", "400"),  # '+' in a query value
    ],
)
def test_resolver_refuses_what_the_dictionary_refuses(session: Session, story: Story, scanned: str, code: str,
                                                      ai: str | None) -> None:
    with pytest.raises(UnreadableCode) as err:
        resolve(session, SYSTEM, scanned)
    assert err.value.context["gs1_code"] == code
    if ai is not None:
        assert err.value.context["ai"] == ai


def test_resolver_finds_the_key_after_a_stem_that_looks_like_one(session: Session, story: Story) -> None:
    found = resolve(session, SYSTEM, "https://brand.example.com/01/catalogue/01/06901234000016/21/M1")
    assert (found.kind, found.label) == ("serial", "MTR-01/M1")


def _upload(client: TestClient, headers: dict[str, str], entry: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/sync/upload", json={"client_id": "hh-gs1", "batch": [entry]}, headers=headers)
    assert r.status_code == 200, r.text
    [verdict] = r.json()["verdicts"]
    return verdict  # type: ignore[no-any-return]


def test_sync_upload_refuses_a_pack_into_an_sscc_with_a_wrong_check_digit(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    entry = {"op_id": 1, "op": "PUT", "type": "event_command", "id": eid(), "tx_id": 1,
             "data": {"kind": "pack", "occurred_at": at(1), "container": "106141412345678905",
                      "units": ["PCB-01/P1"], "location": "S1-A-01"}}
    verdict = _upload(client, login("picker"), entry)
    assert verdict["status"] == "rejected" and "AI (00)" in verdict["reason"] and "expected 8" in verdict["reason"]


def test_sync_upload_refuses_an_item_gtin_that_fails_the_key_linters(client: TestClient, login, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    entry = {"op_id": 1, "op": "PATCH", "type": "item", "id": plant.items["PCB-01"].id,
             "data": {"gtin": "06901234000017", "version": 1}}
    verdict = _upload(client, login("admin"), entry)
    assert verdict["status"] == "rejected" and "check digit" in verdict["reason"]
