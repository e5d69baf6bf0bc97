"""The flags a field check can raise, how serious each is, and the sentence that explains it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from backend.verify.schemas import Severity, VerifyFlag
from shared_models.enums import UnitStatus

DIVERSION = "diversion"                    # outside the distributor's authorized regions or channels
SUSPECTED_CLONE = "suspected_clone"
RECALLED = "recalled"
ON_HOLD = "on_hold"
BLOCKED = "blocked"
SCRAPPED = "scrapped"
EXPIRED = "expired"
NOT_SHIPPED = "not_shipped"                # never left the plant
NOT_SHIPPED_TO_YOU = "not_shipped_to_you"  # a distributor holds goods shipped to someone else (or to no one)
OTHER_SITE = "other_site"                  # a site user checked another site's product
FORGED_SIGNATURE = "forged_signature"      # its (8030) does not match the code: a copy with altered data
REVOKED_KEY = "revoked_key"                # signed with a key since revoked
UNKNOWN_KEY = "unknown_key"                # signed with a key this server never had

BY_STATUS = {UnitStatus.RECALLED: RECALLED, UnitStatus.ON_HOLD: ON_HOLD, UnitStatus.BLOCKED: BLOCKED,
             UnitStatus.SCRAPPED: SCRAPPED}
# Flags that depend on who asks, not on the product: worked out again for each answer, replays included.
SCOPE_FLAGS = frozenset({NOT_SHIPPED_TO_YOU, OTHER_SITE})
SIGNATURE_FLAGS = frozenset({FORGED_SIGNATURE, REVOKED_KEY, UNKNOWN_KEY})
ORDER = (FORGED_SIGNATURE, REVOKED_KEY, RECALLED, BLOCKED, ON_HOLD, SCRAPPED, EXPIRED, UNKNOWN_KEY,
         NOT_SHIPPED_TO_YOU, DIVERSION, SUSPECTED_CLONE, NOT_SHIPPED, OTHER_SITE)


class Scope(StrEnum):
    """How much of the product the caller may learn."""

    FULL = "full"          # staff of its site (or every site), the distributor it was shipped to
    PRODUCT = "product"    # a distributor it was not shipped to: the product and its condition, not its shipment
    GENUINE = "genuine"    # a user of another site: genuine or not, nothing more


def condition_flags(status: UnitStatus, expires_on: date | None, shipped: bool, today: date) -> list[str]:
    """What the product's own record says against using or selling it."""
    flags = [BY_STATUS[status]] if status in BY_STATUS else []
    if expires_on is not None and expires_on < today:
        flags.append(EXPIRED)
    if not shipped:
        flags.append(NOT_SHIPPED)
    return flags


def visible(recorded: list[str], scope: Scope, scope_flags: list[str]) -> list[str]:
    """The recorded flags this caller may see with the scope flags worked out for them, in a fixed order."""
    if scope is Scope.GENUINE:   # genuine or not: a signature that fails says "not"
        return [c for c in ORDER if c in scope_flags or (c in SIGNATURE_FLAGS and c in recorded)]
    hidden = {DIVERSION} if scope is Scope.PRODUCT else set()   # it is about the other customer's territory
    shown = {c for c in recorded if c not in hidden and c not in SCOPE_FLAGS} | set(scope_flags)
    return [c for c in ORDER if c in shown]


def severity(code: str, *, distributor: bool) -> Severity:
    if code in (RECALLED, BLOCKED, ON_HOLD, SCRAPPED, EXPIRED, FORGED_SIGNATURE, REVOKED_KEY):
        return "stop"
    if code == NOT_SHIPPED:
        # In the plant it is stock; in a distributor's hands it has left without a shipment.
        return "warn" if distributor else "info"
    if code == OTHER_SITE:
        return "info"
    return "warn"


def headline(flags: list[VerifyFlag]) -> str:
    if any(f.code in SIGNATURE_FLAGS for f in flags):
        return "The code's signature does not hold: treat it as counterfeit."
    if any(f.severity == "stop" for f in flags):
        return "Genuine code, but do not use or sell this product."
    if any(f.code == NOT_SHIPPED_TO_YOU for f in flags):
        return "Genuine product, but not shipped to you: possible diversion."
    if any(f.severity == "warn" for f in flags):
        return "Genuine code, with warnings."
    return "Genuine product."


SENTENCES = {
    RECALLED: "Recalled: do not use or sell it; set it aside and contact us.",
    BLOCKED: "Blocked by quality control: do not use or sell it.",
    ON_HOLD: "On hold by quality control: do not use or sell it until it is released.",
    SCRAPPED: "Recorded as scrapped: it should have been destroyed; do not use or sell it, and report it.",
    EXPIRED: "Past its expiry date{on}: do not use or sell it.",
    NOT_SHIPPED_TO_YOU: "It was not shipped to you; report where you got it.",
    OTHER_SITE: "Made at another site: its details are for that site's users.",
    FORGED_SIGNATURE: "Its signature (8030) does not match the code: the label was altered or copied; do not use "
                      "or sell it, and report it.",
    REVOKED_KEY: "Signed with a key we have revoked: treat it as counterfeit and report it.",
    UNKNOWN_KEY: "Signed with a key we do not know: it may be counterfeit; report it.",
}


def _apart(hours: float) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def clone_sentence(a: Mapping[str, Any]) -> str:
    """Why the unit looks copied, from what its check recorded: each test it failed, the fastest trip named."""
    limits = a.get("clone_limits") or {}
    regions = list(a.get("regions_in_window") or [])
    parts = []
    for reason in a.get("clone_reasons") or []:
        if reason == "too_many_checks":
            parts.append(f"checked {a.get('scans_in_window')} times within {limits.get('window_hours')} h (more "
                         f"than {limits.get('max_checks')})")
        elif reason == "too_many_regions":
            parts.append(f"checked in {len(regions)} regions ({', '.join(regions)})")
        elif reason == "implausible_travel":
            leg = max((x for x in a.get("earlier_checks") or [] if x.get("implausible")),
                      key=lambda x: x["speed_kmh"])
            parts.append(f"checked in {leg['region']} at {leg['occurred_at']}, {leg['distance_km']:.0f} km away and "
                         f"{_apart(leg['distance_km'] / leg['speed_kmh'])} apart ({leg['speed_kmh']:.0f} km/h, "
                         f"faster than {limits.get('max_speed_kmh'):.0f} km/h)")
    return f"This code was {'; '.join(parts)}: the code may have been copied."


def not_shipped_sentence(*, distributor: bool) -> str:
    if distributor:
        return "Never shipped from our plant: it should not be on the market; report where you found it."
    return "Not shipped yet: it is still the plant's stock."
