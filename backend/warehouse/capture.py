"""What every service that records shop-floor events starts from: a session, who acts, the ledger, the gates."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from backend.auth.principal import Principal
from backend.gates.service import GateService
from backend.warehouse.ledger import Ledger
from shared_models.gates import Violation


class EventCapture:
    """`record_gate_violations`: for writes made offline, a violated gate does not refuse the physical fact;
    it is recorded on the event and left in `violations` for the caller to raise with QA."""

    def __init__(self, session: Session, principal: Principal, *, today: date | None = None,
                 record_gate_violations: bool = False) -> None:
        self.session = session
        self.by = principal
        self.ledger = Ledger(session)
        self.today = today or date.today()
        self.record_gate_violations = record_gate_violations
        self.violations: list[Violation] = []
        self.gates = GateService(session, today=self.today)

    def _begin_command(self) -> None:
        """Called by @atomic before each command: stock is read afresh, violations start empty."""
        self.ledger.forget()
        self.violations = []
