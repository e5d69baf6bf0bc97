"""The audit trail: who changed master data, gates, warning rules, users and recall cases, before and after.
The HTTP controller is backend.audit.controller (not imported here: backend.deps imports this package)."""
