"""Two handhelds offline at once on overlapping things: both receive lots (sometimes the same lot number), both
pick and move from one shared lot while one of them counts it, both hold and release it, both rename one item.
Hypothesis picks the actions and the order in which their uploads reach the server. A sequential model of the
conflict policy (ARCHITECTURE.md §4) predicts every verdict and the final state; afterwards the server and both
handhelds must agree row for row."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from shared_models.masterdata import Item
from shared_models.trace import Event, StockOnHand, Unit
from sync.client import Backoff, HttpConnector, LocalStore, SyncClient
from tests.aio import Run, run_fixture  # noqa: F401
from tests.factories import Plant, at, eid
from tests.sync.live import LiveServer, client_rows, command, live_fixture, server_rows_for  # noqa: F401

A01, A02, SHIP = "S1-A-01", "S1-A-02", "S1-SHIP"
USERS = ("qa", "admin")  # both may hold, release and rename as well as pick, move and count
EXAMPLES = itertools.count()

ACTIONS = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(["X1", "X2"])),
    st.tuples(st.just("pick"), st.integers(1, 45)),
    st.tuples(st.just("move"), st.integers(1, 45)),
    st.tuples(st.just("count"), st.integers(0, 120)),
    st.tuples(st.just("hold"), st.just(0)),
    st.tuples(st.just("release"), st.just(0)),
    st.tuples(st.just("rename"), st.sampled_from(["PC resin A", "PC resin B"])),
)


@dataclass
class Model:
    """The server's state as the policy says it evolves, op by op in the order the server applies them."""

    lots: set[str]
    name: str
    version: int
    status: str = "released"
    stock: dict[str, float] = field(default_factory=lambda: {A01: 100.0, A02: 0.0, SHIP: 0.0})
    lines_at_a01: list[tuple[int, float]] = field(default_factory=lambda: [(0, 100.0)])  # (minute, change)

    def apply(self, kind: str, arg: Any, minute: int, base_version: int) -> tuple[str, str]:
        if kind == "receive":
            if arg in self.lots:
                return "rejected", "unit_exists"
            self.lots.add(arg)
            return "applied", ""
        if kind in ("pick", "move"):
            if self.stock[A01] < arg:
                return "rejected", "insufficient_stock"
            self.stock[A01] -= arg
            self.stock[SHIP if kind == "pick" else A02] += arg
            self.lines_at_a01.append((minute, -arg))
            held = kind == "pick" and self.status != "released"  # a move of held stock is allowed
            return ("conflict", "gate_violated_offline") if held else ("applied", "")
        if kind == "count":  # against the book at count time; stock taken since can't be counted away twice
            book = sum(change for at_minute, change in self.lines_at_a01 if at_minute <= minute)
            adjustment = round(arg - book, 9)
            if adjustment < 0:
                adjustment = -min(-adjustment, self.stock[A01])
            self.stock[A01] += adjustment
            self.lines_at_a01.append((minute, adjustment))
            return "applied", ""
        if kind in ("hold", "release"):
            sources = ("quarantine", "released") if kind == "hold" else ("quarantine", "on_hold", "blocked")
            if self.status not in sources:
                return "rejected", "illegal_transition"
            self.status = "on_hold" if kind == "hold" else "released"
            return "applied", ""
        stale = base_version < self.version  # rename: per-field last write wins, flagged when written blind
        if arg != self.name:
            self.name, self.version = arg, self.version + 1
        return ("conflict", "stale_version") if stale else ("applied", "")


@pytest.fixture
def pair(live: LiveServer, tmp_path: Path, run: Run[Any]) -> Iterator[Any]:
    connectors = {u: HttpConnector(live.url, u, f"{u}-pass-1") for u in USERS}  # one login each per test
    made: list[SyncClient] = []

    def make(example: int) -> list[SyncClient]:
        made.extend(SyncClient(LocalStore(tmp_path / f"{example}-{u}.db"), connectors[u],
                               backoff=Backoff(base_s=0.01, max_s=0.1)) for u in USERS)
        return made[-len(USERS):]

    yield make
    for client in made:
        run(client.aclose())
    for connector in connectors.values():
        run(connector.transport.aclose())


def record(client: SyncClient, kind: str, arg: Any, minute: int, lot: str, prefix: str,
           plant: Plant) -> tuple[int, int, str]:
    """Queues one action as the handheld's UI would; returns (op id, the item version it saw, the row id)."""
    item = client.store.get("item", plant.items["RESIN-01"].id)
    assert item is not None
    moves = {"pick": (A01, SHIP), "move": (A01, A02)}
    if kind == "rename":
        op_id = client.store.record("item", item["id"], {"name": arg, "version": item["version"]}, op="PATCH")
        return op_id, item["version"], item["id"]
    if kind == "receive":
        event = command("receive", minute, supplier="SUP-B", item="PCB-01", lot_no=f"{prefix}{arg}", qty=5,
                        location=A01)
    elif kind in moves:
        event = command(kind, minute, unit=lot, qty=arg, from_location=moves[kind][0], to_location=moves[kind][1])
    elif kind == "count":
        unit = client.store.query("unit", where={"code": lot})[0]
        seen = client.store.query("stock_on_hand", where={"unit_id": unit["id"],
                                                          "location_id": plant.locations[A01].id})
        event = command("count", minute, location=A01, lines=[{"unit": lot, "counted_qty": arg,
                                                               "book_qty_seen": seen[0]["qty"] if seen else 0}])
    else:
        event = command("status", minute, unit=lot, action=kind, reason="offline check")
    return client.store.record("event_command", *event), item["version"], event[0]


@hypothesis_settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.integers(0, 1), ACTIONS), min_size=2, max_size=10),
       rounds=st.lists(st.tuples(st.integers(0, 1), st.integers(1, 3)), max_size=6))
def test_two_offline_handhelds_converge_by_the_conflict_policy(run: Run[Any], engine: Engine, plant: Plant, pair: Any,
                                                               steps: list[Any], rounds: list[Any]) -> None:
    n = next(EXAMPLES)
    prefix, lot = f"E{n}", f"PCB-01/E{n}SH"
    with Session(engine) as session:  # the shared lot both handhelds synced before going offline
        WarehouseService(session, SYSTEM).receive(cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-B",
                                                               item="PCB-01", lot_no=f"E{n}SH", qty=100,
                                                               location=A01))
        item = session.get(Item, plant.items["RESIN-01"].id)
        assert item is not None
        model = Model(lots={f"{prefix}SH"}, name=item.name, version=item.version)
    clients = pair(n)
    for client in clients:
        client.uploader.keep_records = True
        run(client.sync_once())
    queued: list[list[tuple[int, str, Any, int, int, str]]] = [[], []]  # op id, kind, arg, minute, version, row id
    for minute, (who, (kind, arg)) in enumerate(steps, start=10):
        op_id, version, row_id = record(clients[who], kind, arg, minute, lot, prefix, plant)
        queued[who].append((op_id, kind, arg, minute, version, row_id))
    verdicts: dict[tuple[int, int], tuple[str, str]] = {}
    order: list[tuple[int, int]] = []  # (handheld, index in its queue) in the order the server gets them
    sent = [0, 0]
    for who, size in rounds:
        clients[who].uploader.batch_size = size
        report = run(clients[who].upload(max_batches=1))
        verdicts.update({(who, v.op_id): (v.status.value, v.code) for v in report.verdicts})
        order += [(who, i) for i in range(sent[who], min(sent[who] + size, len(queued[who])))]
        sent[who] = min(sent[who] + size, len(queued[who]))
    for who in (0, 1, 0):  # the rest of A's queue, then B's (B now sees all), then A sees B's
        report = run(clients[who].sync_once())
        assert report.upload is not None
        verdicts.update({(who, v.op_id): (v.status.value, v.code) for v in report.upload.verdicts})
        order += [(who, i) for i in range(sent[who], len(queued[who]))]
        sent[who] = len(queued[who])

    expected = {}
    for who, i in order:
        op_id, kind, arg, minute, version, _ = queued[who][i]
        expected[(who, op_id)] = model.apply(kind, f"{prefix}{arg}" if kind == "receive" else arg, minute, version)
    assert verdicts == expected, steps
    with Session(engine) as session:
        shared = session.exec(select(Unit).where(Unit.code == lot)).one()
        stock = {loc: 0.0 for loc in model.stock}
        for row in session.exec(select(StockOnHand).where(StockOnHand.unit_id == shared.id)):
            stock[next(code for code, loc in plant.locations.items() if loc.id == row.location_id)] = row.qty
        item = session.get(Item, plant.items["RESIN-01"].id)
        assert (shared.status.value, stock, item.name, item.version) == (  # type: ignore[union-attr]
            model.status, model.stock, model.name, model.version)
        events = set(session.exec(select(Event.id)))
    for who, client in enumerate(clients):
        status = client.status()
        assert status.pending == 0 and client.store.db.execute("SELECT count(*) FROM overlay").fetchone()[0] == 0
        assert sorted(r.op_id for r in status.rejected) == sorted(
            op for (w, op), (s, _) in expected.items() if w == who and s == "rejected")
        for op_id, kind, _, _, _, row_id in queued[who]:
            if kind != "rename":  # an event is on the server exactly when its write was not rejected
                assert (row_id in events) == (expected[(who, op_id)][0] != "rejected")
        assert client_rows(client.store) == server_rows_for(engine, USERS[who])
    assert all(client_rows(c.store).get("event", {}).keys() <= events for c in clients)
