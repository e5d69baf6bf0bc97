"""The audit trail: who changed master data, gates, warning rules, users and recall cases, before and after.
The HTTP controller is backend.audit.controller (not imported here: backend.deps imports this package)."""

from backend.audit.models import AuditEntry
from backend.audit.service import act_as, entries, install

__all__ = ["AuditEntry", "act_as", "entries", "install"]
