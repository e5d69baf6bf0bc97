"""Random histories through the real services: receive, produce (into new and existing lots), pack (cartons into
cartons too), unpack, ship (lots in parts), hold and scrap. After each history the reachability equals what the
edges say, and every recall scope and trace read from it equals the recursive walk's (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.errors import DomainError
from backend.production.work_order_service import ProductionService
from backend.warehouse.status_service import StatusService
from shared_models import commands as cmd
from shared_models.enums import Direction, StatusAction
from tests.backend.reach_checks import assert_no_drift, assert_scope_as_walked, assert_trace_as_walked
from tests.backend.story import TODAY, produce, receive, release, warehouse
from tests.factories import Plant, at, eid

HISTORIES = itertools.count(1)
CUSTOMERS = ("CUST-1", "DIST-1", "DIST-2")
# receive, case lot, board, meter, pack, unpack, ship, status: production drawn most, so histories grow deep
KINDS = st.sampled_from([0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7])
STEP = st.tuples(KINDS, st.integers(0, 10**6), st.integers(0, 10**6))


class History:
    """Plays drawn steps against the services; a step the services refuse is skipped, as a worker would."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.p = f"H{next(HISTORIES)}"
        self.codes: list[str] = []
        self.cartons: list[str] = []
        self.minute = 0
        mo = ProductionService(session, SYSTEM, today=TODAY)
        for suffix, item in (("C", "CASE-01"), ("B", "BRD-01"), ("M", "MTR-01")):
            mo.create_work_order(cmd.WorkOrderCreate(code=f"WO-{self.p}-{suffix}", site="S1", item=item,
                                                     qty_planned=100))

    def at_hand(self, part: str, location: str) -> list[tuple[str, float]]:
        pattern = f"{part}/{self.p}%" if part != "container" else None
        rows = self.session.execute(text(
            "SELECT u.code, s.qty FROM stock_on_hand s JOIN unit u ON u.id = s.unit_id JOIN location l "
            "ON l.id = s.location_id WHERE s.qty > 0 AND l.code = :loc ORDER BY u.code"), {"loc": location}).all()
        if pattern is None:
            return [(c, q) for c, q in rows if c in self.cartons]
        return [(c, q) for c, q in rows if c.startswith(pattern[:-1])]

    def play(self, kind: int, a: int, b: int) -> None:
        self.minute += 1
        n, p = self.minute, self.p
        try:
            if kind == 0:
                part, qty = ("RESIN-01", 20 + a % 200) if b % 2 else ("PCB-01", 2 + a % 6)
                receive(self.session, part, f"{p}L{n}", qty, minute=n, supplier="SUP-A")
                release(self.session, f"{part}/{p}L{n}")
            elif kind == 1:
                self._produce_case(n, a, b)
            elif kind == 2:
                boards = self.at_hand("PCB-01", "S1-A-01")
                if boards:
                    lot = boards[a % len(boards)][0]
                    made = [cmd.ProductionOutput(serial=f"{p}B{n}x{k}") for k in range(1 + b % 3)]
                    produce(self.session, f"WO-{p}-B", [(lot, 1)], made, minute=n)
            elif kind == 3:
                boards, cases = self.at_hand("BRD-01", "S1-A-02"), self.at_hand("CASE-01", "S1-A-02")
                if boards and cases:
                    produce(self.session, f"WO-{p}-M", [(boards[a % len(boards)][0], 1),
                                                        (cases[b % len(cases)][0], 1)],
                            [cmd.ProductionOutput(serial=f"{p}M{n}")], minute=n, from_location="S1-A-02")
            elif kind == 4:
                self._pack(n, a, b)
            elif kind == 5 and self.cartons:
                warehouse(self.session).unpack(cmd.Unpack(id=eid(), occurred_at=at(n), location="S1-A-02",
                                                          container=self.cartons[a % len(self.cartons)]))
            elif kind == 6:
                here = self.at_hand("MTR-01", "S1-A-02") + self.at_hand("CASE-01", "S1-A-02") \
                    + self.at_hand("container", "S1-A-02") + self.at_hand("BRD-01", "S1-A-02")
                if here:
                    code, qty = here[a % len(here)]
                    part = max(1.0, float(int(qty) // 2)) if qty > 1 and b % 2 else None
                    warehouse(self.session).ship(cmd.Ship(
                        id=eid(), occurred_at=at(n), customer=CUSTOMERS[b % 3], reference=f"DN-{p}-{n}",
                        lines=[cmd.ShipLine(unit=code, qty=part, from_location="S1-A-02")]))
            elif kind == 7:  # finished goods only: a held lot would end the history's production
                goods = [c for c in self.codes if c.startswith("MTR-01/") or c in self.cartons]
                if goods:
                    StatusService(self.session, SYSTEM).change(cmd.ChangeStatus(
                        id=eid(), occurred_at=at(n), unit=goods[a % len(goods)],
                        action=(StatusAction.HOLD, StatusAction.SCRAP)[b % 2], reason="t"))
        except DomainError:
            pass
        self.codes = [c for (c,) in self.session.execute(text(
            "SELECT code FROM unit WHERE code LIKE :p ORDER BY code"), {"p": f"%/{p}%"})] + self.cartons

    def _produce_case(self, n: int, a: int, b: int) -> None:
        resin = self.at_hand("RESIN-01", "S1-A-01")
        if not resin:
            return
        made = sorted({c.split("/")[1] for c, _ in self.at_hand("CASE-01", "S1-A-02")})
        lot = made[b % len(made)] if made and b % 3 == 0 else f"{self.p}C{n}"  # now and then into a lot made before
        inputs = [(resin[a % len(resin)][0], 1 + a % 3)]
        if len(resin) > 1 and b % 2:
            inputs.append((resin[(a + 1) % len(resin)][0], 1))
        produce(self.session, f"WO-{self.p}-C", inputs, [cmd.ProductionOutput(lot_no=lot, qty=3 + b % 5)], minute=n)

    def _pack(self, n: int, a: int, b: int) -> None:
        here = [c for c, _ in self.at_hand("MTR-01", "S1-A-02") + self.at_hand("container", "S1-A-02")
                + self.at_hand("BRD-01", "S1-A-02")]
        if not here:
            return
        units = sorted({here[(a + k) % len(here)] for k in range(1 + b % 3)})
        into = self.cartons[b % len(self.cartons)] if self.cartons and a % 3 == 0 else None
        packed = warehouse(self.session).pack(cmd.Pack(id=eid(), occurred_at=at(n), units=units, location="S1-A-02",
                                                       container=into))
        if packed.attributes["sscc"] not in self.cartons:
            self.cartons.append(packed.attributes["sscc"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=15, max_size=45))
def test_random_histories_give_the_walks_answers(session: Session, plant: Plant, steps: list) -> None:  # type: ignore[type-arg]
    history = History(session)
    for kind, a, b in [(0, 1, 1), (0, 2, 0), *steps]:
        history.play(kind, a, b)
    assert_no_drift(session)
    codes = history.codes
    for code in codes:
        assert_scope_as_walked(session, [code])
    if len(codes) > 1:
        assert_scope_as_walked(session, codes[:2])
        assert_scope_as_walked(session, [codes[0]], max_depth=1)
    for code in codes[:3]:
        for direction in Direction:
            assert_trace_as_walked(session, code, direction, page=2)
    if codes:
        assert_trace_as_walked(session, codes[-1], Direction.BACKWARD, page=3, max_depth=2)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
