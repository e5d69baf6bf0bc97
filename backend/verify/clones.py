"""Clone detection over a unit's check history: too many checks, too many regions, or two checks farther apart
than anyone could travel in the time between them. Pure: the caller hands over the history and thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TOO_MANY_CHECKS = "too_many_checks"
TOO_MANY_REGIONS = "too_many_regions"
IMPLAUSIBLE_TRAVEL = "implausible_travel"
EARTH_RADIUS_KM = 6371.0088   # IUGG mean radius
SAME_INSTANT_H = 1 / 3600     # two checks a second apart or less: speed measured over one second
HISTORY_ROWS = 1000           # earlier checks read per judgement
SHOWN_LEGS = 20               # earlier checks an answer names


@dataclass(frozen=True, slots=True)
class Check:
    occurred_at: datetime
    region: str
    channel: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @property
    def place(self) -> tuple[float, float] | None:
        return (self.latitude, self.longitude) if self.latitude is not None and self.longitude is not None else None


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_checks: int            # more checks than this in the window
    regions: int               # or this many different regions in the window
    max_speed_kmh: float       # or two checks farther apart than this speed allows
    min_distance_km: float     # closer than this is the same place, whatever the time


@dataclass(frozen=True, slots=True)
class Leg:
    """An earlier check and the trip from it to the check being judged."""

    check: Check
    distance_km: float | None
    speed_kmh: float | None
    implausible: bool


@dataclass(frozen=True, slots=True)
class Finding:
    checks: int                # in the window, this one included
    regions: list[str]         # each spelled as first seen
    reasons: list[str]
    legs: list[Leg]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def place_of(region: str, places: Mapping[str, Any]) -> tuple[float, float] | None:
    """The coordinates the settings give a region, matched without regard to case or outer spaces."""
    wanted = region.strip().casefold()
    for name, where in places.items():
        if name.strip().casefold() == wanted:
            return float(where[0]), float(where[1])
    return None


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def assess(now: Check, earlier: Sequence[Check], limits: Thresholds) -> Finding:
    """Judges `now` against the other checks of the same unit in the window (in time order)."""
    regions: list[str] = []
    for name in [*(c.region for c in earlier), now.region]:
        if name and not any(_same(name, r) for r in regions):
            regions.append(name.strip())
    legs = []
    for c in earlier:
        km = speed = None
        implausible = False
        if now.place is not None and c.place is not None:
            km = distance_km(c.place, now.place)
            hours = max(abs((now.occurred_at - c.occurred_at).total_seconds()) / 3600, SAME_INSTANT_H)
            speed = km / hours
            implausible = km > limits.min_distance_km and speed > limits.max_speed_kmh
        legs.append(Leg(c, km, speed, implausible))
    reasons = []
    checks = len(earlier) + 1
    if checks > limits.max_checks:
        reasons.append(TOO_MANY_CHECKS)
    if len(regions) >= limits.regions:
        reasons.append(TOO_MANY_REGIONS)
    if any(leg.implausible for leg in legs):
        reasons.append(IMPLAUSIBLE_TRAVEL)
    return Finding(checks, regions, reasons, legs)


def shown_legs(legs: Sequence[Leg]) -> list[Leg]:
    """The earlier checks an answer names, in time order: the implausible trips (fastest first kept), then the
    most recent others, SHOWN_LEGS at most, so a much-copied code does not make every answer longer."""
    bad = sorted((leg for leg in legs if leg.implausible), key=lambda leg: -(leg.speed_kmh or 0))[:SHOWN_LEGS]
    rest = [leg for leg in legs if not leg.implausible][-(SHOWN_LEGS - len(bad)):] if len(bad) < SHOWN_LEGS else []
    return sorted([*bad, *rest], key=lambda leg: leg.check.occurred_at)
