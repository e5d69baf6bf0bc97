"""Plant-sane bounds that the handheld and the backend check alike: quantities, dates, integers, JSON depth.

One definition of each bound, used by the command schemas (shared_models/commands.py and friends), the sync wire
(sync/protocol.py) and the API's parameters, so that what a handheld validates offline is what the server takes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field

# -- integers: every integer that reaches SQL fits a signed 64-bit column (SQLite INTEGER, PostgreSQL BIGINT) ------
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

Int64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
NonNegInt64 = Annotated[int, Field(ge=0, le=INT64_MAX)]


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


# -- quantities ----------------------------------------------------------------------------------------------------
# The largest quantity one command may carry: a billion of anything (pieces, kg, metres) is beyond what one plant
# receives, moves or produces in one event, and keeps sums of many lines far from float's exact-integer limit (2**53).
MAX_QTY = 1e9

# Quantities are floats: a remainder at or below QTY_EPSILON is nothing left (0.1 + 0.2 - 0.3 is not 0 in floats).
# The one tolerance for "is there any left / is there enough": stock, recall scope, warnings, the handheld's replica.
QTY_EPSILON = 1e-9

Qty = Annotated[float, Field(gt=0, le=MAX_QTY, allow_inf_nan=False)]
"""A positive, finite quantity of at most MAX_QTY; rounded to its unit of measure where it meets the item."""
CountedQty = Annotated[float, Field(ge=0, le=MAX_QTY, allow_inf_nan=False)]
"""A quantity that may be zero (a count, good/scrap on an operation report)."""

# Decimals a quantity keeps, by unit of measure (lower case). Discrete units are whole; mass, volume and length in
# their base unit keep thousandths (a gram of a kilogram, a millimetre of a metre); small units keep hundredths.
UOM_DECIMALS: dict[str, int] = {
    "pcs": 0, "pc": 0, "ea": 0, "each": 0, "box": 0, "carton": 0, "set": 0, "pair": 0, "roll": 0, "reel": 0,
    "bag": 0, "pallet": 0, "sheet": 0,
    "kg": 3, "t": 3, "l": 3, "m": 3, "m2": 3, "m3": 3,
    "g": 2, "ml": 2, "cm": 2, "mm": 2,
}
UNKNOWN_UOM_DECIMALS = 6   # a unit not in the table: keep micro-units, never lose what was typed


def uom_decimals(uom: str | None) -> int:
    return UOM_DECIMALS.get((uom or "").strip().lower(), UNKNOWN_UOM_DECIMALS)


def round_to_uom(qty: float, uom: str | None) -> float:
    """`qty` rounded to the decimals its unit of measure keeps. Raises ValueError when a positive quantity rounds
    to zero (e.g. 0.4 pcs): recording nothing as if something moved would hide a typing error."""
    rounded = round(qty, uom_decimals(uom)) + 0.0   # + 0.0: no -0.0
    if qty > 0 and rounded <= 0:
        unit = uom or "units"
        raise ValueError(f"quantity {qty:g} is less than the smallest amount of {unit} recorded "
                         f"({10.0 ** -uom_decimals(uom):g}); enter at least that")
    return rounded


# -- dates ---------------------------------------------------------------------------------------------------------
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)   # no plant records on paper-era clocks; year 0001 is a bug
CLOCK_SKEW = timedelta(days=1)                      # a handheld's clock may run ahead by this much
EARLIEST_DATE = date(1970, 1, 1)                    # produced_on / expires_on / due dates
LATEST_DATE = date(2200, 12, 31)
MAX_SHELF_LIFE_DAYS = 36500                         # 100 years: LATEST_DATE + this stays far below date.max


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone offset (e.g. 2026-11-25T08:00:00+08:00)")
    return value


def _event_time(value: datetime) -> datetime:
    value = _aware(value)
    latest = datetime.now(UTC) + CLOCK_SKEW
    if value < EARLIEST_EVENT:
        raise ValueError(f"is before {EARLIEST_EVENT.date().isoformat()}; check the device clock")
    if value > latest:
        raise ValueError(f"is more than a day in the future ({value.isoformat()}); check the device clock")
    return value


def _plant_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A timestamp with its offset (any time: plan validity, report windows)."""
EventTime = Annotated[datetime, AfterValidator(_event_time)]
"""When something happened on the floor: aware, not before 2000, at most a day ahead of the server's clock."""
PlantDate = Annotated[date, AfterValidator(_plant_date)]
"""A calendar date on a lot (produced, expires): 1970-01-01 … 2200-12-31, so date arithmetic never overflows."""


def add_days(day: date, days: int) -> date:
    """`day` + `days`, clamped to the plant calendar instead of overflowing (an expiry past 2200 is 'never')."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


# -- input shape ---------------------------------------------------------------------------------------------------
MAX_JSON_DEPTH = 32   # the deepest command is ~8 levels (upload → batch → op → data → answers → sample → value)
ECHO_CHARS = 100      # how much of a caller's input an error message repeats back


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when decoded JSON nests objects/arrays deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def shorten(text: str, limit: int = ECHO_CHARS) -> str:
    """At most `limit` characters of `text`, marked when cut."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


__all__ = ["CLOCK_SKEW", "EARLIEST_DATE", "EARLIEST_EVENT", "ECHO_CHARS", "INT64_MAX", "INT64_MIN", "LATEST_DATE",
           "MAX_JSON_DEPTH", "MAX_QTY", "MAX_SHELF_LIFE_DAYS", "UNKNOWN_UOM_DECIMALS", "UOM_DECIMALS",
           "AwareDatetime", "CountedQty", "EventTime", "Int64", "NonNegInt64", "PlantDate", "Qty", "add_days",
           "fits_int64", "json_depth_exceeds", "round_to_uom", "shorten", "uom_decimals"]
