"""Print rules: a committed receive/produce/pack/ship event queues its labels by rule, off the request, sent by the
real print worker to a real TCP listener; each label recorded as a label print; the sweep prints an event the
after-commit path never heard of, once; filters, failures and the API's refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.testing import TestClient
from sqlmodel import Session, select

from backend import hooks
from backend.labels.models import LabelPrint, PrintJob, PrintRuleRun
from backend.labels.rule_service import RulePrinting
from tests.backend.test_labels_printing import Listener, closed_port, job, listener, wait_until, zpl_printer
from tests.factories import Plant, at, eid

__all__ = ["listener"]  # the fixture, used by name


def receive(client: TestClient, headers: dict[str, str], **over: Any) -> dict[str, Any]:
    body = {"id": eid(), "occurred_at": at(0), "supplier": "SUP-A", "item": "RESIN-01", "lot_no": "R-2026-0412",
            "qty": 25, "location": "S1-A-01", **over}
    r = client.post("/api/events/receive", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def make_rule(client: TestClient, login, printer_id: str, **over: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"name": "Goods-in lot labels", "event_kind": "receive", "template": "raw-material-lot",
            "printer_id": printer_id, "copies": 2, **over}
    r = client.post("/api/labels/print-rules", json=body, headers=login("admin"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def runs(client: TestClient, headers: dict[str, str], rule_id: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/labels/print-rules/{rule_id}/runs", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json())


def setup(client: TestClient, login, port: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert client.post("/api/labels/templates/shipped", headers=login("qa")).status_code == 201
    return zpl_printer(client, login, port)


def test_a_receive_prints_its_lot_label_by_rule_on_the_real_listener(
        client: TestClient, login, session: Session, plant: Plant, listener: Listener) -> None:
    picker = login("picker")
    rule = make_rule(client, login, setup(client, login, listener.port)["id"])
    event = receive(client, picker)
    [run] = wait_until(lambda: runs(client, picker, rule["id"]), "the rule's run")
    assert (run["event_id"], run["status"], run["labels"], run["error"]) == (event["id"], "queued", 1, "")
    [job_id] = run["job_ids"]
    sent = wait_until(lambda: (j := job(client, picker, job_id))["status"] == "sent" and j, "the job sent")
    payload = client.get(f"/api/labels/jobs/{job_id}/payload", headers=picker).content
    assert listener.received == [payload]
    text = payload.decode("utf-8")
    assert text.count("^XA") == 1 and "^PQ2^XZ" in text and "Lot R-2026-0412" in text
    assert (sent["labels"], sent["copies"], sent["created_by"]) == (1, 2, "rule:Goods-in lot labels")
    [printed] = session.exec(select(LabelPrint).where(LabelPrint.job_id == job_id)).all()
    assert printed.template_code == "raw-material-lot" and printed.username == "rule:Goods-in lot labels"
    assert printed.unit_code == "RESIN-01/R-2026-0412" and printed.reason.startswith("print rule Goods-in lot labels")
    history = client.get(f"/api/labels/units/{printed.unit_id}/prints", headers=picker).json()
    assert [h["job_id"] for h in history] == [job_id]


def test_the_sweep_prints_an_event_the_after_commit_path_never_heard_of_once(
        client: TestClient, login, session: Session, plant: Plant, listener: Listener) -> None:
    runner = client.app.state.print_worker.rules
    runner.lookback = timedelta(days=3650)  # the test's events occurred in 2026-11
    rule = make_rule(client, login, setup(client, login, listener.port)["id"])
    engine = client.app.state.engine
    hooks.off_events_committed(engine, runner.heard)  # as if this process died right after the commit
    event = receive(client, login("picker"))
    assert session.exec(select(PrintRuleRun)).all() == []
    runner.sweep_now()
    [run] = wait_until(lambda: runs(client, login("qa"), rule["id"]), "the sweep's run")
    assert (run["event_id"], run["status"]) == (event["id"], "queued")
    wait_until(lambda: len(listener.received) == 1, "the swept label at the printer")
    # the fast path hearing of it late, and a second sweep, find it done: nothing printed twice
    with Session(engine) as other:
        printing = RulePrinting(other)
        assert printing.run(rule["id"], event["id"]) is None
        assert printing.due(lookback=timedelta(days=3650)) == []
        assert printing.for_events([event["id"]]) == 0
    assert len(session.exec(select(PrintJob)).all()) == 1


def test_rules_narrow_by_item_and_site_and_a_disabled_rule_prints_nothing(
        client: TestClient, login, session: Session, plant: Plant, listener: Listener) -> None:
    qa = login("qa")
    printer = setup(client, login, listener.port)["id"]
    resin = make_rule(client, login, printer, name="resin", item_id=plant.items["RESIN-01"].id)
    pcb = make_rule(client, login, printer, name="pcb only", item_id=plant.items["PCB-01"].id)
    other_site = make_rule(client, login, printer, name="Shenzhen", site_id=plant.sites["S2"].id)
    off = make_rule(client, login, printer, name="off")
    r = client.delete(f"/api/labels/print-rules/{off['id']}", headers=login("admin"))
    assert (r.status_code, r.json()["active"]) == (200, False)
    receive(client, login("picker"))
    wait_until(lambda: runs(client, qa, resin["id"]) and runs(client, qa, pcb["id"]), "both item rules' runs")
    assert [(r["status"], r["job_ids"]) for r in runs(client, qa, pcb["id"])] == [("no_units", [])]
    assert runs(client, qa, other_site["id"]) == [] and runs(client, qa, off["id"]) == []
    assert [r["name"] for r in client.get("/api/labels/print-rules?active=true", headers=qa).json()] == \
        ["Shenzhen", "pcb only", "resin"]


def test_labels_the_data_refuses_make_a_failed_run_naming_why_and_the_event_still_stands(
        client: TestClient, login, session: Session, plant: Plant) -> None:
    picker = login("picker")
    printer = setup(client, login, closed_port())["id"]
    rule = make_rule(client, login, printer, template="product-datamatrix")  # RESIN-01 has no GTIN
    event = receive(client, picker)
    [run] = wait_until(lambda: runs(client, picker, rule["id"]), "the rule's run")
    assert (run["status"], run["job_ids"]) == ("failed", [])
    assert "RESIN-01/R-2026-0412" in run["error"] and "item.gtin" in run["error"]
    assert client.get(f"/api/events/{event['id']}", headers=picker).status_code == 200
    assert session.exec(select(PrintJob)).all() == [] and session.exec(select(LabelPrint)).all() == []


def test_the_api_refuses_bad_rules_naming_what_is_wrong(client: TestClient, login, plant: Plant) -> None:
    admin = login("admin")
    printer = setup(client, login, closed_port())["id"]
    base = {"name": "r", "event_kind": "receive", "template": "raw-material-lot", "printer_id": printer}
    cases = [({**base, "printer_id": "nope"}, 404, "unknown_printer"),
             ({**base, "template": "no-such-template"}, 404, "unknown_template"),
             ({**base, "site_id": "nowhere"}, 404, "not_found"),
             ({**base, "event_kind": "move"}, 400, "validation_error"),
             ({**base, "copies": 0}, 400, "validation_error")]
    for body, status, code in cases:
        r = client.post("/api/labels/print-rules", json=body, headers=admin)
        assert (r.status_code, r.json()["code"]) == (status, code), (body, r.text)
    make_rule(client, login, printer, name="r")
    r = client.post("/api/labels/print-rules", json=base, headers=admin)
    assert (r.status_code, r.json()["code"]) == (409, "print_rule_name_taken") and "'r'" in r.json()["detail"]
    r = client.post("/api/labels/print-rules", json={**base, "name": "s"}, headers=login("picker"))
    assert r.status_code == 403
    assert len(client.get("/api/labels/print-rules", headers=login("picker")).json()) == 1
    assert client.get("/api/labels/print-rules/nope", headers=admin).json()["code"] == "unknown_print_rule"
