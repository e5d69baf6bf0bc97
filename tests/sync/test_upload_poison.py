"""An op that cannot be applied is that op's rejected verdict: the ops behind it apply and the queue never blocks."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import Session, select

from backend.auth.models import User
from backend.auth.service import principal_of
from backend.sync import dispatch, service
from backend.sync.service import UploadApplier
from backend.warehouse.posting import Posted, Posting
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from sync.protocol import CrudEntry
from sync.server.tables import RejectedOp
from tests.backend.story import receive, stock
from tests.factories import at
from tests.sync.test_upload import command, events, receive_cmd, upload


def receipt(op_id: int, lot: str, item: str = "PCB-01", supplier: str = "SUP-B", **over: Any) -> dict[str, Any]:
    return command("receive", op_id, occurred_at=at(1), supplier=supplier, item=item, lot_no=lot, qty=10,
                   location="S1-A-01", **over)


def resin_receipt(op_id: int, lot: str, **over: Any) -> dict[str, Any]:
    """RESIN-01 has a shelf life, so its expiry is computed from produced_on."""
    return receipt(op_id, lot, item="RESIN-01", supplier="SUP-A", **over)


def test_a_receipt_produced_on_9999_12_31_is_rejected_and_the_op_behind_it_applies(  # type: ignore[no-untyped-def]
        client: TestClient, login, session: Session) -> None:
    batch = [resin_receipt(1, "R-BAD", produced_on="9999-12-31"), resin_receipt(2, "R-GOOD")]
    first = upload(client, login("picker"), batch)
    assert [(v["op_id"], v["status"]) for v in first] == [(1, "rejected"), (2, "applied")]
    assert first[0]["code"] == "invalid_command" and "produced_on" in first[0]["reason"]
    assert upload(client, login("picker"), batch) == first
    assert events(session) == 1 and stock(session, "RESIN-01/R-GOOD") == {"S1-A-01": 10.0}


def test_an_op_id_beyond_64_bits_is_rejected_and_the_op_behind_it_applies(  # type: ignore[no-untyped-def]
        client: TestClient, login, session: Session) -> None:
    batch = [receipt(2**70, "P-BAD"), receipt(2, "P-GOOD")]
    first = upload(client, login("picker"), batch)
    assert [(v["op_id"], v["status"]) for v in first] == [(2**70, "rejected"), (2, "applied")]
    assert first[0]["code"] == "malformed_op" and "op_id" in first[0]["reason"]
    assert upload(client, login("picker"), batch) == first
    assert events(session) == 1 and stock(session, "PCB-01/P-BAD") == {}


def test_an_op_id_that_is_not_an_integer_refuses_the_batch(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    """No verdict could name such an op, so the batch is refused whole (the client's queue is broken, not a row)."""
    r = client.post("/sync/upload", json={"client_id": "hh", "batch": [receive_cmd(1), {**receive_cmd(2),
                                                                                      "op_id": "two"}]},
                    headers=login("picker"))
    assert r.status_code == 422 and "batch[1].op_id" in r.json()["detail"]


def test_an_op_with_a_bad_tx_id_is_rejected_naming_the_field(client: TestClient, login) -> None:  # type: ignore[no-untyped-def]
    verdicts = upload(client, login("picker"), [{**receive_cmd(1), "tx_id": "abc"}, receive_cmd(2, lot="P2")])
    assert [(v["status"], v["code"]) for v in verdicts] == [("rejected", "malformed_op"), ("applied", "")]
    assert "tx_id" in verdicts[0]["reason"]


# -- any exception one op raises is that op's verdict ----------------------------------------------------------------
class _BrokenStatusService(StatusService):
    """The real service, with a defect: a change for unit PCB-01/BOOM fails the way a bug would."""

    def __init__(self, session: Session, by: Any, **_options: Any) -> None:
        super().__init__(session, by)

    def change(self, c: cmd.ChangeStatus) -> Any:
        if c.unit == "PCB-01/BOOM":
            raise ZeroDivisionError("division by zero")
        return super().change(c)


class _DivisionByZeroInSql(StatusService):
    """The real service, with a defect in its SQL for unit PCB-01/BOOM (PostgreSQL refuses it: DataError)."""

    def __init__(self, session: Session, by: Any, **_options: Any) -> None:
        super().__init__(session, by)

    def change(self, c: cmd.ChangeStatus) -> Any:
        if c.unit == "PCB-01/BOOM":
            self.session.execute(text("SELECT 1 / (SELECT COUNT(*) FROM unit WHERE code = 'none')"))
        return super().change(c)


class _BrokenPosting(Posting):
    """The real posting, with a defect for lot BOOM."""

    def _decide(self, c: cmd.Receive | cmd.Move) -> Posted:
        if isinstance(c, cmd.Receive) and c.lot_no == "BOOM":
            raise OverflowError("date value out of range")
        return super()._decide(c)


def _applier(engine, plant) -> UploadApplier:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return UploadApplier(engine, principal_of(s.get(User, plant.users["qa"].id)), "hh-poison")


def _entries(*raw: dict[str, Any]) -> list[CrudEntry]:
    return [CrudEntry.from_wire(r, i) for i, r in enumerate(raw)]


def test_an_op_whose_service_fails_unexpectedly_is_rejected_cannot_apply(  # type: ignore[no-untyped-def]
        engine, plant, session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    receive(session, "PCB-01", "BOOM", 5)
    receive(session, "PCB-01", "FINE", 5)
    monkeypatch.setitem(dispatch.COMMANDS, "status", (cmd.ChangeStatus, _BrokenStatusService, "change"))
    batch = _entries(command("status", 1, occurred_at="2026-11-02T09:00:00+00:00", unit="PCB-01/BOOM",
                             action="hold", reason="odour"),
                     command("status", 2, occurred_at="2026-11-02T09:01:00+00:00", unit="PCB-01/FINE",
                             action="hold", reason="odour"))
    verdicts = _applier(engine, plant).apply(batch)
    assert [(v.status.value, v.code) for v in verdicts] == [("rejected", "cannot_apply"), ("applied", "")]
    assert "ZeroDivisionError" in verdicts[0].reason
    assert "division by zero" in caplog.text and "Traceback" in caplog.text
    assert _applier(engine, plant).apply(batch) == verdicts
    [kept] = session.exec(select(RejectedOp)).all()
    assert (kept.op_id, kept.code) == (1, "cannot_apply")


def test_an_op_the_database_cannot_compute_is_rejected_and_the_op_behind_it_applies(  # type: ignore[no-untyped-def]
        engine, plant, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite answers NULL for a division by zero")
    receive(session, "PCB-01", "BOOM", 5)
    receive(session, "PCB-01", "FINE", 5)
    monkeypatch.setitem(dispatch.COMMANDS, "status", (cmd.ChangeStatus, _DivisionByZeroInSql, "change"))
    batch = _entries(*(command("status", n, occurred_at="2026-11-02T09:00:00+00:00", unit=unit, action="hold",
                               reason="odour") for n, unit in ((1, "PCB-01/BOOM"), (2, "PCB-01/FINE"))))
    verdicts = _applier(engine, plant).apply(batch)
    assert [(v.status.value, v.code) for v in verdicts] == [("rejected", "cannot_apply"), ("applied", "")]
    assert "division by zero" in verdicts[0].reason
    assert _applier(engine, plant).apply(batch) == verdicts


def test_a_posted_receipt_that_fails_unexpectedly_is_rejected_and_its_run_still_applies(  # type: ignore[no-untyped-def]
        engine, plant, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "Posting", _BrokenPosting)
    monkeypatch.setattr("backend.warehouse.warehouse_service.Posting", _BrokenPosting, raising=False)
    batch = _entries(receive_cmd(1, lot="A1"), receive_cmd(2, lot="BOOM"), receive_cmd(3, lot="A3"))
    verdicts = _applier(engine, plant).apply(batch)
    assert [(v.status.value, v.code) for v in verdicts] == [("applied", ""), ("rejected", "cannot_apply"),
                                                            ("applied", "")]
    assert "date value out of range" in verdicts[1].reason
    assert _applier(engine, plant).apply(batch) == verdicts
    assert events(session) == 2 and stock(session, "PCB-01/A3") == {"S1-A-01": 10.0}


def test_master_data_with_an_integer_beyond_64_bits_is_rejected_and_the_op_behind_it_applies(  # type: ignore[no-untyped-def]
        client: TestClient, login, plant) -> None:
    bad = {"op_id": 1, "op": "PATCH", "type": "item", "id": plant.items["PCB-01"].id,
           "data": {"shelf_life_days": 2**70, "name": "PCB rev B"}}
    good = {"op_id": 2, "op": "PATCH", "type": "item", "id": plant.items["CASE-01"].id, "data": {"name": "Case B"}}
    first = upload(client, login("qa"), [bad, good])
    assert [v["status"] for v in first] == ["rejected", "applied"]
    assert "shelf_life_days" in first[0]["reason"]
    assert upload(client, login("qa"), [bad, good]) == first
