"""Who changed master data, gates, users and recall cases is kept with the change, before and after."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.cli.main import app as cli
from backend.masterdata.record_service import MasterDataService
from tests.backend.story import receive
from tests.factories import Plant

audit.install()  # as the app and the CLI do


def trail(session: Session, entity: str, key: str, *, since_plant: bool = False) -> list[AuditEntry]:
    """The record's entries, oldest first; `since_plant`: without the test plant's own creation."""
    session.expire_all()
    found = session.exec(select(AuditEntry).where(AuditEntry.entity_type == entity,
                                                  AuditEntry.entity_key == key).order_by(AuditEntry.id))
    return [e for e in found if not (since_plant and e.action == "create")]


def shape(entry: AuditEntry) -> tuple[str, str, Any, Any]:
    return entry.actor_username, entry.action, entry.before, entry.after


def test_an_item_update_records_who_and_only_the_fields_that_changed(client: TestClient, login: Any,
                                                                     session: Session, plant: Plant) -> None:
    r = client.patch("/api/masterdata/items/PCB-01", json={"name": "Meter PCB v2", "spec": "FR-4"},
                     headers=login("qa"))
    assert r.status_code == 200, r.text
    (entry,) = trail(session, "item", "PCB-01", since_plant=True)
    assert shape(entry) == ("qa", "update", {"name": "Meter PCB", "spec": ""}, {"name": "Meter PCB v2", "spec": "FR-4"})
    assert entry.actor_user_id == plant.users["qa"].id and entry.entity_id == plant.items["PCB-01"].id


def test_a_created_supplier_is_recorded_whole(client: TestClient, login: Any, session: Session) -> None:
    r = client.post("/api/masterdata/suppliers", json={"code": "SUP-C", "name": "Wuxi Metal"}, headers=login("qa"))
    assert r.status_code in (200, 201), r.text
    (entry,) = trail(session, "supplier", "SUP-C")
    assert (entry.action, entry.before, entry.after["name"], entry.after["code"]) == \
        ("create", None, "Wuxi Metal", "SUP-C")


def test_a_refused_change_leaves_no_entry(client: TestClient, login: Any, session: Session) -> None:
    r = client.patch("/api/masterdata/items/PCB-01", json={"name": "x"}, headers={**login("qa"), "If-Match": "7"})
    assert r.status_code == 409, r.text
    assert trail(session, "item", "PCB-01", since_plant=True) == []


def test_a_deactivated_user_is_a_deactivation_by_the_admin(client: TestClient, login: Any, session: Session) -> None:
    r = client.post("/api/auth/users/picker2/deactivate", headers=login("admin"))
    assert r.status_code == 200, r.text
    entry = trail(session, "user", "picker2")[-1]
    assert (entry.actor_username, entry.action, entry.after["active"]) == ("admin", "deactivate", False)


def test_a_password_change_is_recorded_without_the_hash(client: TestClient, login: Any, session: Session) -> None:
    r = client.post("/api/auth/users/picker2/password", json={"new_password": "a-new-pass-123456"},
                    headers=login("admin"))
    assert r.status_code == 200, r.text
    entry = trail(session, "user", "picker2")[-1]
    assert (entry.before["password_hash"], entry.after["password_hash"]) == ("(changed)", "(changed)")


def test_a_gate_rule_switched_off_is_a_deactivation(client: TestClient, login: Any, session: Session) -> None:
    code = client.get("/api/gates/", headers=login("qa")).json()[0]["code"]
    r = client.patch(f"/api/gates/{code}", json={"enabled": False}, headers=login("qa"))
    assert r.status_code == 200, r.text
    assert shape(trail(session, "gate_rule", code)[-1]) == ("qa", "deactivate", {"enabled": True}, {"enabled": False})


def test_a_recall_case_moving_on_is_a_transition(client: TestClient, login: Any, session: Session,
                                                 plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    opened = client.post("/api/recall/cases", json={"title": "PCB", "reason": "solder", "codes": ["PCB-01/P1"]},
                         headers=login("qa"))
    assert opened.status_code in (200, 201), opened.text
    code = opened.json()["code"]
    assert client.post(f"/api/recall/cases/{code}/block", headers=login("qa")).status_code == 200
    created, moved = trail(session, "recall_case", code)[:2]
    assert (created.action, moved.action, moved.before["state"]) == ("create", "transition", "open")
    assert moved.after["state"] != "open"


def test_a_change_made_without_a_caller_is_the_systems(session: Session, plant: Plant) -> None:
    MasterDataService(session).update_site("S2", {"name": "Shenzhen"})
    assert shape(trail(session, "site", "S2")[-1]) == ("system", "update", {"name": "Shenzhen plant"},
                                                       {"name": "Shenzhen"})


def test_the_audit_api_pages_newest_first(client: TestClient, login: Any) -> None:
    for name in ("A", "B", "C"):
        assert client.patch("/api/masterdata/items/PCB-01", json={"name": name}, headers=login("qa")).status_code == 200
    first = client.get("/api/audit", params={"entity": "item", "key": "PCB-01", "limit": 2}, headers=login("qa"))
    assert first.status_code == 200, first.text
    assert [e["after"]["name"] for e in first.json()["entries"]] == ["C", "B"]
    rest = client.get("/api/audit", params={"entity": "item", "key": "PCB-01", "limit": 2,
                                            "before_id": first.json()["next_before_id"]}, headers=login("qa"))
    # the test plant's creation of the item comes last
    assert [e["after"]["name"] for e in rest.json()["entries"]] == ["A", "Meter PCB"]
    last = client.get("/api/audit", params={"entity": "item", "key": "PCB-01", "limit": 2,
                                            "before_id": rest.json()["next_before_id"]}, headers=login("qa"))
    assert last.json() == {"entries": [], "next_before_id": None}


def test_the_audit_api_refuses_an_unbounded_page_and_an_unknown_entity(client: TestClient, login: Any) -> None:
    assert client.get("/api/audit", params={"limit": 100_000}, headers=login("qa")).status_code == 400
    r = client.get("/api/audit", params={"entity": "unit"}, headers=login("admin"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"


def test_pickers_may_not_read_the_audit_trail(client: TestClient, login: Any) -> None:
    assert client.get("/api/audit", headers=login("picker")).status_code == 403


def test_lotline_audit_lists_the_changes(engine: Engine, session: Session, plant: Plant) -> None:
    MasterDataService(session).update_site("S2", {"name": "Shenzhen"})
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        url += f"?options=-csearch_path%3D{session.exec(text('SELECT current_schema()')).one()[0]}"
    result = CliRunner().invoke(cli, ["audit", "--entity", "site", "--key", "S2", "--json", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert '"Shenzhen"' in result.output and '"update"' in result.output
