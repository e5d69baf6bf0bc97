"""Errors of work orders, routes and operation reports, and of process readings arriving over MQTT."""

from __future__ import annotations

from backend.errors import Conflict


class OperationIdReused(Conflict):
    code = "operation_id_reused"

    def __init__(self, report_id: str) -> None:
        super().__init__(f"Operation report id {report_id} was already used for a different report; make a new "
                         "UUID.", report_id=report_id)


class MalformedMessage(ValueError):
    """An MQTT message whose topic or payload is not what Lotline reads; the subscriber drops and counts it."""


class UnknownEquipment(LookupError):
    """An MQTT message from equipment no site has; the subscriber drops and counts it."""
