"""The op log: written with every synced change, REMOVE when a row leaves a bucket, compaction keeps checksums."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.warehouse.errors import InsufficientStock
from shared_models import commands as cmd
from sync.protocol import add_checksums
from sync.server.compact import compact
from sync.server.oplog import write_ops
from sync.server.tables import BucketState, OpLogEntry
from tests.backend.story import receive, tell_story, warehouse
from tests.factories import Plant, at, eid


def all_ops(conn_or_session: Any) -> list[Any]:
    """Op log rows in op order (plain rows: works on a connection and on a session)."""
    table = OpLogEntry.__table__  # type: ignore[attr-defined]
    return list(conn_or_session.execute(select(table).order_by(table.c.op_id)))


def test_a_receipt_writes_ops_for_the_unit_its_stock_and_the_event(session: Session, plant: Plant) -> None:
    before = len(all_ops(session))
    receive(session, "PCB-01", "P1", 10)
    new = all_ops(session)[before:]
    site = f'site["{plant.sites["S1"].id}"]'
    assert {(o.object_type, o.bucket, o.op) for o in new} == {("unit", site, "PUT"), ("stock_on_hand", site, "PUT")}
    unit = next(o for o in new if o.object_type == "unit")
    assert json.loads(unit.data)["code"] == "PCB-01/P1"


def test_a_refused_command_writes_no_ops(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    before = len(all_ops(session))
    with pytest.raises(InsufficientStock):
        warehouse(session).move(cmd.Move(id=eid(), occurred_at=at(1), unit="PCB-01/P1", qty=99,
                                         from_location="S1-A-01", to_location="S1-A-02"))
    assert len(all_ops(session)) == before


def test_op_ids_grow_and_bucket_state_is_the_sum_of_its_ops(session: Session, plant: Plant) -> None:
    tell_story(session)
    found = all_ops(session)
    assert [o.op_id for o in found] == sorted(o.op_id for o in found) and len({o.op_id for o in found}) == len(found)
    for state in session.execute(select(BucketState)).scalars():
        mine = [o for o in found if o.bucket == state.name]
        assert state.checksum == add_checksums(*(o.checksum for o in mine))
        assert state.count == len(mine) and state.last_op_id == mine[-1].op_id


def test_unpacking_removes_the_content_row_from_its_bucket(session: Session, plant: Plant) -> None:
    receive(session, "PCB-01", "P1", 10)
    sscc = warehouse(session).pack(cmd.Pack(id=eid(), occurred_at=at(2), units=["PCB-01/P1"],
                                            location="S1-A-01")).attributes["sscc"]
    warehouse(session).unpack(cmd.Unpack(id=eid(), occurred_at=at(3), container=sscc, location="S1-A-01"))
    content = [o for o in all_ops(session) if o.object_type == "container_content"]
    assert [o.op for o in content] == ["PUT", "REMOVE"]


def test_shipping_to_a_distributor_puts_the_units_in_their_bucket(session: Session, plant: Plant) -> None:
    story = tell_story(session)
    bucket = f'distributor["{plant.customers["DIST-1"].id}"]'
    codes = {json.loads(o.data)["code"] for o in all_ops(session) if o.bucket == bucket and o.op == "PUT"}
    assert codes == {"MTR-01/M1", "MTR-01/M2", story.carton}


class MovingPolicy:
    """A row whose bucket is whatever its 'zone' column says: enough to watch it move."""

    def object_type(self, obj: Any) -> str | None:
        return None

    def model_type(self, model: type) -> str | None:
        return None

    def row_data(self, obj: Any) -> dict[str, Any]:
        return {}

    def row_values(self, model: type, row: Any) -> dict[str, Any]:
        return dict(row)

    def buckets_for(self, conn: Connection, object_type: str, rows: list[dict[str, Any]]) -> list[set[str]]:
        return [{f'zone["{row["zone"]}"]'} for row in rows]


def test_a_row_that_leaves_a_bucket_gets_a_remove_there_and_a_put_in_the_new_one(engine: Engine) -> None:
    with engine.begin() as conn:
        write_ops(conn, MovingPolicy(), [("thing", "t1", {"zone": "a"})])
        write_ops(conn, MovingPolicy(), [("thing", "t1", {"zone": "b"})])
        write_ops(conn, MovingPolicy(), [("thing", "t1", {"zone": "b"})])  # unchanged: no op
        write_ops(conn, MovingPolicy(), [("thing", "t1", None)])           # deleted
        assert [(o.bucket, o.op) for o in all_ops(conn)] == [
            ('zone["a"]', "PUT"), ('zone["b"]', "PUT"), ('zone["a"]', "REMOVE"), ('zone["b"]', "REMOVE")]


# -- compaction ---------------------------------------------------------------------------------------------------


def reduce(ops_seen: list[dict[str, Any]], start: dict[str, Any] | None = None) -> dict[str, Any]:
    """A reference client: rows and running checksum of one bucket after applying ops in order."""
    state = {"rows": {}, "checksum": 0, **(start or {})}
    state["rows"] = dict(state["rows"])
    for op in ops_seen:
        if op["op"] == "CLEAR":
            state["rows"], state["checksum"] = {}, op["checksum"]
            continue
        state["checksum"] = add_checksums(state["checksum"], op["checksum"])
        if op["op"] == "PUT":
            state["rows"][(op["object_type"], op["object_id"])] = op["data"]
        elif op["op"] == "REMOVE":
            state["rows"].pop((op["object_type"], op["object_id"]), None)
    return state


def as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    return [{"op_id": o.op_id, "op": o.op, "object_type": o.object_type, "object_id": o.object_id, "data": o.data,
             "checksum": o.checksum} for o in rows]


def test_compaction_keeps_every_clients_checksum_and_rows_wherever_it_stopped(engine: Engine) -> None:
    policy = MovingPolicy()
    with engine.begin() as conn:
        for n in range(6):  # the same rows rewritten, one removed, then a fresh one
            write_ops(conn, policy, [("thing", "t1", {"zone": "a", "n": n}), ("thing", "t2", {"zone": "a", "n": n})])
        write_ops(conn, policy, [("thing", "t2", None)])
        write_ops(conn, policy, [("thing", "t3", {"zone": "a", "n": 0})])
        before = as_dicts([o for o in all_ops(conn) if o.bucket == 'zone["a"]'])
        expected = conn.execute(select(BucketState.__table__).where(BucketState.name == 'zone["a"]')).one()
        [report] = compact(conn, ['zone["a"]'])
        assert report.moved > 0 and report.folded > 0
        after = as_dicts([o for o in all_ops(conn) if o.bucket == 'zone["a"]'])
        state = conn.execute(select(BucketState.__table__).where(BucketState.name == 'zone["a"]')).one()
    assert state.checksum == expected.checksum and state.count == len(after) < len(before)
    full = reduce(before)
    assert full["checksum"] == expected.checksum
    for stop in [0, *(o["op_id"] for o in before)]:
        had = reduce([o for o in before if o["op_id"] <= stop])
        caught_up = reduce([o for o in after if o["op_id"] > stop], had)
        assert caught_up["checksum"] == expected.checksum, f"client stopped at op {stop}"
        assert caught_up["rows"] == full["rows"], f"client stopped at op {stop}"
