"""Process gates: rules as data, checked at capture (refused online, recorded offline)."""

from backend.gates.service import GateService, default_rules, validate_rule

__all__ = ["GateService", "default_rules", "validate_rule"]
