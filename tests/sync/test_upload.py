"""Upload batches: idempotent, applied through the domain, and the conflict policy of ARCHITECTURE.md §4."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from backend.auth.models import User
from backend.auth.service import principal_of
from backend.sync.service import UploadApplier
from shared_models.trace import Event
from sync.protocol import CrudEntry
from tests.backend.story import receive, release, stock
from tests.factories import at, eid


def command(kind: str, op_id: int, event_id: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"op_id": op_id, "op": "PUT", "type": "event_command", "id": event_id or eid(), "tx_id": op_id,
            "data": {"kind": kind, **fields}}


def upload(client: TestClient, headers: dict[str, str], batch: list[dict[str, Any]],
           client_id: str = "hh-1") -> list[dict[str, Any]]:
    r = client.post("/sync/upload", json={"client_id": client_id, "batch": batch}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["verdicts"]


def receive_cmd(op_id: int, lot: str = "P1", qty: float = 10, **over: Any) -> dict[str, Any]:
    return command("receive", op_id, occurred_at=at(op_id), supplier="SUP-B", item="PCB-01", lot_no=lot, qty=qty,
                   location="S1-A-01", **over)


def events(session: Session) -> int:
    return len(session.exec(select(Event.id)).all())


def test_a_batch_is_applied_op_by_op_with_a_verdict_each(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    verdicts = upload(client, login("picker"), [receive_cmd(1), receive_cmd(2, lot="P2")])
    assert [(v["op_id"], v["status"]) for v in verdicts] == [(1, "applied"), (2, "applied")]
    assert events(session) == 2


def test_a_retried_batch_gets_the_same_verdicts_and_changes_nothing(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                  session: Session) -> None:
    batch = [receive_cmd(1), receive_cmd(2, qty=-1)]
    first = upload(client, login("picker"), batch)
    again = upload(client, login("picker"), batch)
    assert first == again
    assert events(session) == 1


def test_the_same_event_from_another_handheld_is_a_duplicate(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    entry = receive_cmd(1)
    upload(client, login("picker"), [entry], client_id="hh-1")
    [verdict] = upload(client, login("picker"), [entry], client_id="hh-2")
    assert verdict["status"] == "duplicate" and verdict["code"] == "duplicate_event"
    assert events(session) == 1


def test_a_rejected_op_names_the_field_is_kept_for_qa_and_never_blocks_the_queue(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                               session: Session) -> None:
    verdicts = upload(client, login("picker"), [receive_cmd(1, qty=-1), receive_cmd(2, lot="P2")])
    assert verdicts[0]["status"] == "rejected" and verdicts[0]["code"] == "invalid_command"
    assert "qty" in verdicts[0]["reason"]
    assert verdicts[1]["status"] == "applied"
    issues = client.get("/api/sync/issues", headers=login("qa")).json()
    assert [(i["op_id"], i["code"], i["data"]["qty"]) for i in issues] == [(1, "invalid_command", -1)]


def test_a_pick_of_a_lot_put_on_hold_meanwhile_is_recorded_and_raised_with_qa(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                             session: Session) -> None:
    receive(session, "PCB-01", "P1", 10)
    # QA holds the lot while the picker's handheld is offline...
    hold = command("status", 1, occurred_at=at(5), unit="PCB-01/P1", action="hold", reason="supplier alert")
    assert upload(client, login("qa"), [hold], client_id="office")[0]["status"] == "applied"
    # ...and the picker, who synced before the hold, picks it.
    pick = command("pick", 1, occurred_at=at(6), unit="PCB-01/P1", qty=4, from_location="S1-A-01",
                   to_location="S1-SHIP")
    [verdict] = upload(client, login("picker"), [pick])
    assert verdict["status"] == "conflict" and verdict["code"] == "gate_violated_offline"
    assert "on hold" in verdict["reason"]
    stored = session.get(Event, pick["id"])
    assert stored is not None and stored.attributes["gate_violations"][0]["rule"] == "status_on_hold"
    issues = client.get("/api/sync/issues", headers=login("qa")).json()
    assert [i["code"] for i in issues] == ["gate_violated_offline"]


def test_the_same_pick_online_is_refused(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    receive(session, "PCB-01", "P1", 10)
    upload(client, login("qa"), [command("status", 1, occurred_at=at(5), unit="PCB-01/P1", action="hold",
                                         reason="supplier alert")], client_id="office")
    r = client.post("/api/events/pick", headers=login("picker"), json={
        "id": eid(), "occurred_at": at(6), "unit": "PCB-01/P1", "qty": 4, "from_location": "S1-A-01",
        "to_location": "S1-SHIP"})
    assert r.status_code == 409 and r.json()["code"] == "gate_violated"


def test_stock_is_never_overwritten_a_short_pick_is_rejected(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    receive(session, "PCB-01", "P1", 3)
    pick = command("pick", 1, occurred_at=at(6), unit="PCB-01/P1", qty=4, from_location="S1-A-01",
                   to_location="S1-SHIP")
    [verdict] = upload(client, login("picker"), [pick])
    assert verdict["status"] == "rejected" and verdict["code"] == "insufficient_stock"
    assert "has 3 on hand" in verdict["reason"]


def test_a_count_adjusts_against_the_book_at_count_time(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    receive(session, "PCB-01", "P1", 10)
    move = command("move", 1, occurred_at=at(30), unit="PCB-01/P1", qty=3, from_location="S1-A-01",
                   to_location="S1-A-02")
    count = command("count", 2, occurred_at=at(20), location="S1-A-01",
                    lines=[{"unit": "PCB-01/P1", "counted_qty": 9, "book_qty_seen": 10}])
    assert [v["status"] for v in upload(client, login("picker"), [move, count])] == ["applied", "applied"]
    stored = session.get(Event, count["id"])
    assert stored is not None and stored.attributes["lines"][0]["adjustment"] == -1.0
    # Book at minute 20 was 10, counted 9: −1. The move at minute 30 stands on its own.
    assert stock(session, "PCB-01/P1") == {"S1-A-01": 6.0, "S1-A-02": 3.0}


def test_master_data_is_last_write_wins_per_field(client: TestClient, login, plant, session: Session) -> None:  # type: ignore[no-untyped-def]
    item_id = plant.items["PCB-01"].id
    a = {"op_id": 1, "op": "PATCH", "type": "item", "id": item_id, "data": {"spec": "FR-4, 6 layers", "version": 1}}
    b = {"op_id": 1, "op": "PATCH", "type": "item", "id": item_id, "data": {"name": "Meter PCB v2", "version": 1}}
    assert upload(client, login("qa"), [a], client_id="hh-a")[0]["status"] == "applied"
    [second] = upload(client, login("admin"), [b], client_id="hh-b")
    assert second["status"] == "conflict" and second["code"] == "stale_version" and "name" in second["reason"]
    session.expire_all()
    item = session.get(type(plant.items["PCB-01"]), item_id)
    assert (item.spec, item.name, item.version) == ("FR-4, 6 layers", "Meter PCB v2", 3)


def test_a_picker_cannot_change_master_data(client: TestClient, login, plant) -> None:  # type: ignore[no-untyped-def]
    patch = {"op_id": 1, "op": "PATCH", "type": "item", "id": plant.items["PCB-01"].id, "data": {"name": "x"}}
    [verdict] = upload(client, login("picker"), [patch])
    assert verdict["status"] == "rejected" and verdict["code"] == "forbidden"


def test_master_data_is_not_deleted_from_a_handheld(client: TestClient, login, plant) -> None:  # type: ignore[no-untyped-def]
    gone = {"op_id": 1, "op": "DELETE", "type": "item", "id": plant.items["PCB-01"].id}
    [verdict] = upload(client, login("qa"), [gone])
    assert verdict["status"] == "rejected" and verdict["code"] == "master_data_not_deleted"


def test_an_item_created_offline_keeps_the_handhelds_id(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    new_id = eid()
    put = {"op_id": 1, "op": "PUT", "type": "item", "id": new_id,
           "data": {"part_no": "NEW-01", "name": "New part", "tracking": "lot"}}
    assert upload(client, login("qa"), [put])[0]["status"] == "applied"
    from shared_models.masterdata import Item

    assert session.get(Item, new_id).part_no == "NEW-01"


def test_an_illegal_status_change_comes_back_rejected_with_the_reason(client: TestClient, login,  # type: ignore[no-untyped-def]
                                                                     session: Session) -> None:
    receive(session, "PCB-01", "P1", 10)
    release_shipped = command("status", 1, occurred_at=at(5), unit="PCB-01/P1", action="release", reason="ok")
    [verdict] = upload(client, login("qa"), [release_shipped])
    assert verdict["status"] == "rejected" and verdict["code"] == "illegal_transition"
    assert "PCB-01/P1 is released; it cannot release" in verdict["reason"]


def test_a_picker_may_not_hold_a_lot(client: TestClient, login, session: Session) -> None:  # type: ignore[no-untyped-def]
    receive(session, "RESIN-01", "R1", 10)
    release(session, "RESIN-01/R1")
    [verdict] = upload(client, login("picker"), [command("status", 1, occurred_at=at(5), unit="RESIN-01/R1",
                                                         action="hold", reason="smell")])
    assert verdict["status"] == "rejected" and "may not hold" in verdict["reason"]


def test_events_cannot_be_patched_or_deleted(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    entry = {**receive_cmd(1), "op": "PATCH"}
    [verdict] = upload(client, login("picker"), [entry])
    assert verdict["status"] == "rejected" and verdict["code"] == "events_are_immutable"


def test_unknown_tables_and_kinds_are_rejected(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    verdicts = upload(client, login("picker"), [
        {"op_id": 1, "op": "PUT", "type": "app_user", "id": "x", "data": {}}, command("teleport", 2)])
    assert [v["code"] for v in verdicts] == ["unknown_type", "unknown_command"]


def test_a_malformed_batch_is_a_400_naming_the_entry(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/sync/upload", json={"client_id": "hh", "batch": [receive_cmd(1), {"op": "PUT"}]},
                    headers=login("picker"))
    assert r.status_code == 422 and "batch[1].op_id" in r.json()["detail"]


def test_the_same_batch_posted_three_times_at_once_gets_one_answer_and_stores_once(engine, settings, plant,  # type: ignore[no-untyped-def]
                                                                                 session: Session) -> None:
    """A retry that overlaps the first attempt (a lost answer, a client timeout) must not end in a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from backend.app import create_app

    with TestClient(create_app(settings, engine)) as c:
        token = c.post("/api/auth/login", json={"username": "picker", "password": "picker-pass-1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        batch = [receive_cmd(n, lot=f"P{n}", qty=1) for n in range(1, 41)]

        def post() -> Any:
            return c.post("/sync/upload", json={"client_id": "hh-race", "batch": batch}, headers=headers)

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: post(), range(3)))
    # 503 (try again) is allowed only when an op clashed before any receipt was stored; never a 500.
    assert all(a.status_code in (200, 503) for a in answers) and any(a.status_code == 200 for a in answers)
    ok = [a.json()["verdicts"] for a in answers if a.status_code == 200]
    assert all({v["status"] for v in vs} <= {"applied", "duplicate"} for vs in ok)
    assert events(session) == 40


# -- chunks: many ops to a transaction, in order ---------------------------------------------------------------------
def applier(engine, plant, username: str = "picker", **options: Any) -> UploadApplier:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return UploadApplier(engine, principal_of(s.get(User, plant.users[username].id)), "hh-chunks", **options)


def entries(*raw: dict[str, Any]) -> list[CrudEntry]:
    return [CrudEntry.from_wire(r, n) for n, r in enumerate(raw)]


def test_ops_across_chunks_keep_their_order_and_a_refused_one_changes_nothing(engine, plant,  # type: ignore[no-untyped-def]
                                                                             session: Session) -> None:
    batch = entries(receive_cmd(1, lot="C1", qty=5), receive_cmd(2, qty=-1),
                    command("pick", 3, occurred_at=at(3), unit="PCB-01/C1", qty=9, from_location="S1-A-01",
                            to_location="S1-SHIP"),
                    command("pick", 4, occurred_at=at(4), unit="PCB-01/C1", qty=2, from_location="S1-A-01",
                            to_location="S1-SHIP"),
                    receive_cmd(5, lot="C2", qty=1), receive_cmd(6, lot="C1", qty=1))
    verdicts = applier(engine, plant, chunk_ops=4).apply(batch)
    assert [(v.op_id, v.status.value, v.code) for v in verdicts] == [
        (1, "applied", ""), (2, "rejected", "invalid_command"), (3, "rejected", "insufficient_stock"),
        (4, "applied", ""), (5, "applied", ""), (6, "rejected", "unit_exists")]
    assert stock(session, "PCB-01/C1") == {"S1-A-01": 3.0, "S1-SHIP": 2.0}
    again = applier(engine, plant).apply(batch)  # the default chunk size; every op answered from its receipt
    assert again == verdicts and events(session) == 3


def test_a_status_change_between_posted_runs_is_seen_by_the_run_after_it(engine, plant,  # type: ignore[no-untyped-def]
                                                                        session: Session) -> None:
    batch = entries(receive_cmd(1, lot="H1", qty=5),
                    command("status", 2, occurred_at=at(2), unit="PCB-01/H1", action="hold", reason="smell"),
                    command("pick", 3, occurred_at=at(3), unit="PCB-01/H1", qty=1, from_location="S1-A-01",
                            to_location="S1-SHIP"))
    verdicts = applier(engine, plant, "qa").apply(batch)
    assert [(v.status.value, v.code) for v in verdicts] == [("applied", ""), ("applied", ""),
                                                            ("conflict", "gate_violated_offline")]
    from shared_models.trace import Unit

    held = session.exec(select(Unit).where(Unit.code == "PCB-01/H1")).one()
    assert held.status.value == "on_hold" and stock(session, "PCB-01/H1") == {"S1-A-01": 4.0, "S1-SHIP": 1.0}


def test_every_chunk_commits_with_its_receipts_and_ops(engine, plant, session: Session) -> None:  # type: ignore[no-untyped-def]
    from sync.server.tables import OpLogEntry, UploadReceipt

    before = session.exec(select(func.max(OpLogEntry.op_id))).one()
    applier(engine, plant, chunk_ops=2).apply(entries(*(receive_cmd(n, lot=f"K{n}", qty=1) for n in range(1, 6))))
    assert len(session.exec(select(UploadReceipt)).all()) == 5
    kinds = session.exec(select(OpLogEntry.object_type).where(OpLogEntry.op_id > before)).all()
    assert sorted(set(kinds)) == ["event", "stock_on_hand", "unit"] and len(kinds) == 15


def test_an_op_the_database_refuses_every_time_is_rejected_and_the_queue_goes_on(engine, plant,  # type: ignore[no-untyped-def]
                                                                                session: Session) -> None:
    """A constraint the domain rules do not know of (here a plant's own: one receipt per delivery note) breaks the
    chunk; op by op, the op that breaks it twice is refused with the database's words, never a 5xx forever."""
    from sqlalchemy import text

    from sync.server.tables import RejectedOp

    with engine.begin() as conn:
        conn.execute(text("CREATE UNIQUE INDEX one_receipt_per_note ON event (reference) WHERE reference <> ''"))
    try:
        batch = entries(receive_cmd(1, lot="D1", reference="DN-7"), receive_cmd(2, lot="D2", reference="DN-7"),
                        receive_cmd(3, lot="D3", reference="DN-8"))
        verdicts = applier(engine, plant).apply(batch)
        again = applier(engine, plant).apply(batch)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP INDEX one_receipt_per_note"))
    assert [(v.op_id, v.status.value, v.code) for v in verdicts] == [
        (1, "applied", ""), (2, "rejected", "constraint_violated"), (3, "applied", "")]
    assert "one_receipt_per_note" in verdicts[1].reason or "event.reference" in verdicts[1].reason
    assert again == verdicts
    assert events(session) == 2 and stock(session, "PCB-01/D2") == {}
    [kept] = session.exec(select(RejectedOp)).all()
    assert (kept.op_id, kept.code, kept.data["reference"]) == (2, "constraint_violated", "DN-7")


def test_a_chunk_ends_when_its_time_budget_is_spent_and_the_rest_follow_in_order(engine, plant,  # type: ignore[no-untyped-def]
                                                                                session: Session) -> None:
    """Slow ops must not hold the write lock for a whole chunk: with no time to spare, every op is a chunk of its
    own; with time, the whole batch is one. The verdicts and what is stored are the same."""
    from sqlalchemy import event

    from sync.server.tables import UploadReceipt

    def upload_counting_commits(budget_s: float, lots: str) -> tuple[list[Any], int]:
        commits: list[None] = []

        def count(_conn: Any) -> None:
            commits.append(None)

        batch = entries(receive_cmd(1, lot=f"{lots}1", qty=4), command(
            "move", 2, occurred_at=at(2), unit=f"PCB-01/{lots}1", qty=1, from_location="S1-A-01",
            to_location="S1-A-02"), receive_cmd(3, qty=-1), receive_cmd(4, lot=f"{lots}2", qty=1),
            command("status", 5, occurred_at=at(5), unit=f"PCB-01/{lots}2", action="hold", reason="audit"))
        event.listen(engine, "commit", count)
        try:
            with Session(engine) as s:
                verdicts = UploadApplier(engine, principal_of(s.get(User, plant.users["qa"].id)), f"hh-{lots}",
                                         chunk_budget_s=budget_s).apply(batch)
        finally:
            event.remove(engine, "commit", count)
        return [(v.op_id, v.status.value, v.code) for v in verdicts], len(commits)

    one_by_one, commits_without_time = upload_counting_commits(0.0, "T")
    together, commits_with_time = upload_counting_commits(60.0, "W")
    assert one_by_one == together == [(1, "applied", ""), (2, "applied", ""), (3, "rejected", "invalid_command"),
                                      (4, "applied", ""), (5, "applied", "")]
    # A chunk's own COMMIT, plus what after-commit listeners (warning rules) commit of their own per chunk.
    assert commits_without_time >= 5 > commits_with_time >= 1
    assert stock(session, "PCB-01/T1") == stock(session, "PCB-01/W1") == {"S1-A-01": 3.0, "S1-A-02": 1.0}
    assert len(session.exec(select(UploadReceipt).where(UploadReceipt.client_id.in_(["hh-T", "hh-W"]))).all()) == 10  # type: ignore[attr-defined]
