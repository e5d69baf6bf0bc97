"""Concurrent commands against the real app on a socket: stock is never overdrawn, the projection never drifts,
and a refusal is a 409 with its reason, never a 500 (issue 10, finding 1). SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.config import Settings
from backend.warehouse.check import stock_drift
from shared_models.trace import StockOnHand, Unit
from tests.factories import Plant, at, eid
from tests.sync.live import LiveServer

Body = dict[str, Any]


@pytest.fixture
def live(engine: Engine, settings: Settings, plant: Plant) -> Iterator[LiveServer]:
    with LiveServer(engine, settings) as server:
        yield server


def token(live: LiveServer, username: str) -> dict[str, str]:
    r = httpx.post(f"{live.url}/api/auth/login", json={"username": username, "password": f"{username}-pass-1"})
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


def at_once(live: LiveServer, headers: dict[str, str], requests: list[tuple[str, Body]],
            method: str = "POST") -> list[httpx.Response]:
    """Sends every (path, body) from a thread of its own, released together, each on its own connection."""
    barrier = threading.Barrier(len(requests))
    answers: list[httpx.Response | None] = [None] * len(requests)

    def send(i: int, path: str, body: Body) -> None:
        with httpx.Client(base_url=live.url, headers=headers, timeout=60) as http:
            barrier.wait()
            answers[i] = http.request(method, path, json=body)

    threads = [threading.Thread(target=send, args=(i, p, b)) for i, (p, b) in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return answers  # type: ignore[return-value]


def statuses(answers: list[httpx.Response]) -> Counter[int]:
    return Counter(a.status_code for a in answers)


def assert_refusals_say_why(answers: list[httpx.Response], code: str) -> None:
    for a in answers:
        if a.status_code != 201:
            assert a.status_code == 409, a.text
            assert a.json()["code"] == code, a.text


def on_hand(engine: Engine, unit_code: str) -> dict[str, float]:
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == unit_code)).one()
        rows = s.exec(select(StockOnHand).where(StockOnHand.unit_id == unit.id)).all()
        return {r.location_id: r.qty for r in rows if r.qty}


def assert_consistent(engine: Engine) -> None:
    with Session(engine) as s:
        assert stock_drift(s) == []


def receive(live: LiveServer, headers: dict[str, str], lot: str, qty: float, location: str = "S1-A-01",
            item: str = "PCB-01") -> None:
    r = httpx.post(f"{live.url}/api/events/receive", headers=headers, json={
        "id": eid(), "occurred_at": at(0), "supplier": "SUP-B", "item": item, "lot_no": lot, "qty": qty,
        "location": location})
    assert r.status_code == 201, r.text


def moves(kind: str, unit: str, qty: float, n: int, **extra: Any) -> list[tuple[str, Body]]:
    return [(f"/api/events/{kind}", {"id": eid(), "occurred_at": at(1), "unit": unit, "qty": qty,
                                     "from_location": "S1-A-01", "to_location": "S1-A-02", **extra})
            for _ in range(n)]


@pytest.mark.parametrize(("held", "n"), [(50, 12), (30, 6)])
def test_parallel_moves_never_overdraw_a_lot(live: LiveServer, engine: Engine, plant: Plant, held: int,
                                             n: int) -> None:
    picker = token(live, "picker")
    receive(live, picker, "L1", held)
    answers = at_once(live, picker, moves("move", "PCB-01/L1", 10, n))
    assert statuses(answers) == {201: held // 10, 409: n - held // 10}
    assert_refusals_say_why(answers, "insufficient_stock")
    assert sorted(on_hand(engine, "PCB-01/L1").values()) == [held]
    assert_consistent(engine)


def test_parallel_picks_take_exactly_what_is_there(live: LiveServer, engine: Engine, plant: Plant) -> None:
    picker = token(live, "picker")
    receive(live, picker, "L2", 30)
    answers = at_once(live, picker, moves("pick", "PCB-01/L2", 7, 8, reference="PL-1"))
    assert statuses(answers) == {201: 4, 409: 4}
    assert_refusals_say_why(answers, "insufficient_stock")
    assert sorted(on_hand(engine, "PCB-01/L2").values()) == [2, 28]
    assert_consistent(engine)


def test_a_unit_ships_once_however_many_ask_at_once(live: LiveServer, engine: Engine, plant: Plant) -> None:
    picker = token(live, "picker")
    receive(live, picker, "L3", 12, location="S1-SHIP")
    answers = at_once(live, picker, [("/api/events/ship", {
        "id": eid(), "occurred_at": at(2), "customer": "CUST-1", "reference": f"DN-{i}",
        "lines": [{"unit": "PCB-01/L3", "qty": 5, "from_location": "S1-SHIP"}]}) for i in range(6)])
    assert statuses(answers) == {201: 2, 409: 4}
    assert_refusals_say_why(answers, "insufficient_stock")
    assert list(on_hand(engine, "PCB-01/L3").values()) == [2]
    assert_consistent(engine)


def test_parallel_consumption_never_uses_more_than_the_lot_holds(live: LiveServer, engine: Engine,
                                                                 plant: Plant) -> None:
    admin, picker = token(live, "admin"), token(live, "picker")
    receive(live, picker, "P1", 5, location="S1-LINE")
    r = httpx.post(f"{live.url}/api/work-orders/", headers=admin, json={
        "code": "WO-C", "site": "S1", "item": "BRD-01", "qty_planned": 100})
    assert r.status_code == 201, r.text
    answers = at_once(live, admin, [("/api/work-orders/report", {
        "id": eid(), "occurred_at": at(3), "work_order": "WO-C", "location": "S1-LINE",
        "inputs": [{"unit": "PCB-01/P1", "qty": 2, "from_location": "S1-LINE"}],
        "outputs": [{"serial": f"B{i}"}]}) for i in range(5)])
    assert statuses(answers) == {201: 2, 409: 3}, [a.text for a in answers]
    assert_refusals_say_why(answers, "insufficient_stock")
    assert list(on_hand(engine, "PCB-01/P1").values()) == [1]
    assert_consistent(engine)


def test_status_changes_race_through_the_state_machine_once(live: LiveServer, engine: Engine,
                                                            plant: Plant) -> None:
    """Five handhelds put the same lot on hold at once: one hold is recorded, the others are refused as an
    illegal transition (on_hold → on_hold), not stored twice."""
    picker, qa = token(live, "picker"), token(live, "qa")
    receive(live, picker, "L4", 5)
    ops = [{"op_id": 1, "op": "PUT", "type": "event_command", "id": eid(),
            "data": {"kind": "status", "occurred_at": at(4), "unit": "PCB-01/L4", "action": "hold",
                     "reason": "smell"}}]
    answers = at_once(live, qa, [("/sync/upload", {"client_id": f"hh-{i}", "batch": [
        {**ops[0], "id": eid()}]}) for i in range(5)])
    assert statuses(answers) == {200: 5}
    verdicts = Counter(a.json()["verdicts"][0]["status"] for a in answers)
    assert verdicts == {"applied": 1, "rejected": 4}
    assert_consistent(engine)


def test_overlapping_offline_picks_from_several_handhelds(live: LiveServer, engine: Engine, plant: Plant) -> None:
    """Four handhelds each upload three picks of 10 from a lot of 50 at once: five picks are applied, seven come
    back rejected with the stock they found, nothing drifts."""
    picker = token(live, "picker")
    receive(live, picker, "L5", 50)

    def batch(i: int) -> Body:
        return {"client_id": f"hh-{i}", "batch": [
            {"op_id": n, "op": "PUT", "type": "event_command", "id": eid(),
             "data": {"kind": "pick", "occurred_at": at(5), "unit": "PCB-01/L5", "qty": 10,
                      "from_location": "S1-A-01", "to_location": "S1-A-02"}} for n in (1, 2, 3)]}

    answers = at_once(live, picker, [("/sync/upload", batch(i)) for i in range(4)])
    assert statuses(answers) == {200: 4}
    verdicts = Counter(v["status"] for a in answers for v in a.json()["verdicts"])
    assert verdicts == {"applied": 5, "rejected": 7}
    assert sorted(on_hand(engine, "PCB-01/L5").values()) == [50]
    assert_consistent(engine)



def test_parallel_edits_of_one_version_keep_exactly_one(live: LiveServer, engine: Engine, plant: Plant) -> None:
    """Six office users save an item they all opened at version 1: one edit wins, five are told it is stale."""
    qa = token(live, "qa")
    answers = at_once(live, qa, [("/api/masterdata/items/PCB-01", {"spec": f"{n}-layer", "expected_version": 1})
                                 for n in range(6)], method="PATCH")
    assert statuses(answers) == {200: 1, 409: 5}, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"stale_version"}
    winner = next(a.json() for a in answers if a.status_code == 200)
    r = httpx.get(f"{live.url}/api/masterdata/items/PCB-01", headers=qa)
    assert (r.json()["spec"], r.json()["version"]) == (winner["spec"], 2)
