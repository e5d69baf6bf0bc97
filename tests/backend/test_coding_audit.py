"""Numbering rules, label templates and print rules in the audit trail: who made or changed them, field by field,
written in the commit that made the change (backend/audit/registry.py)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.backend.test_coding_api import API, LOT_RULE
from tests.factories import Plant


def trail(client: TestClient, login, entity: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.get("/api/audit", params={"entity": entity}, headers=login("admin"))
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["entries"]))  # oldest first


def test_a_numbering_rule_made_changed_and_switched_off_is_in_the_trail(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    assert client.post(f"{API}/rules", json=LOT_RULE, headers=login("engineer")).status_code == 201
    r = client.patch(f"{API}/rules/LOT-S1", json={"width": 5}, headers=login("qa"))
    assert r.status_code == 200, r.text
    assert client.patch(f"{API}/rules/LOT-S1", json={"active": False}, headers=login("qa")).status_code == 200
    entries = trail(client, login, "numbering_rule")
    assert [(e["entity_key"], e["action"], e["actor_username"]) for e in entries] == [
        ("LOT-S1", "create", "engineer"), ("LOT-S1", "update", "qa"), ("LOT-S1", "deactivate", "qa")]
    assert (entries[1]["before"], entries[1]["after"]) == ({"width": 4}, {"width": 5})


def test_label_template_versions_and_print_rules_are_in_the_trail(client: TestClient, login, plant: Plant) -> None:  # type: ignore[no-untyped-def]
    admin = login("admin")
    assert client.post("/api/labels/templates/shipped", headers=login("qa")).status_code == 201
    made = {e["entity_key"] for e in trail(client, login, "label_template") if e["action"] == "create"}
    assert {"small-serial@v1", "gs1-logistic-sscc@v1"} <= made
    printer = client.post("/api/labels/printers", json={"name": "PDF", "kind": "pdf_download"}, headers=admin).json()
    rule = client.post("/api/labels/print-rules", json={"name": "pack SSCC", "event_kind": "pack",
                                                        "template": "gs1-logistic-sscc", "printer_id": printer["id"]},
                       headers=admin).json()
    assert client.delete(f"/api/labels/print-rules/{rule['id']}", headers=admin).status_code == 200
    entries = trail(client, login, "print_rule")
    assert [(e["entity_key"], e["action"], e["actor_username"]) for e in entries] == [
        ("pack SSCC", "create", "admin"), ("pack SSCC", "deactivate", "admin")]
    assert entries[0]["after"]["template_code"] == "gs1-logistic-sscc" and entries[1]["after"] == {"active": False}
