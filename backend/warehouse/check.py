"""Consistency checks: the stock projection must equal what the event lines add up to; stored codes must keep the
identifier rule (shared_models.identifiers)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlmodel import Session

from shared_models.bounds import UNKNOWN_UOM_DECIMALS
from shared_models.enums import UnitKind
from shared_models.identifiers import CODE, LOT, PART_NO, SUPPLIER_LOT, split_unit_code, unit_code
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import Unit

# Drift compares two float sums of the same quantities added in different orders: SQL's SUM over a unit's event lines
# against the projection's running total (rounded at every change). That is a different rule from QTY_EPSILON (is one
# stored remainder nothing?): the rounding error grows with the number of lines and their size, so the tolerance is
# larger; and it must stay below the smallest quantity any line can carry (10**-UNKNOWN_UOM_DECIMALS, a unit of
# measure the table does not know), so one missing or doubled line always shows. Half of that smallest quantity meets
# both (1e-6 itself missed about a third of such lines: x + 1e-6 - x is often just under 1e-6 in floats).
DRIFT_TOLERANCE = 0.5 * 10.0 ** -UNKNOWN_UOM_DECIMALS

# Per (unit, location): the projection's quantity against the sum of lines moving into minus out of it.
DRIFT_SQL = """
SELECT unit_id, location_id, SUM(book), SUM(projected) FROM (
  SELECT unit_id, to_location_id AS location_id, qty AS book, 0 AS projected
    FROM event_line WHERE to_location_id IS NOT NULL
  UNION ALL
  SELECT unit_id, from_location_id, -qty, 0 FROM event_line WHERE from_location_id IS NOT NULL
  UNION ALL
  SELECT unit_id, location_id, 0, qty FROM stock_on_hand
) moves
GROUP BY unit_id, location_id
HAVING ABS(SUM(book) - SUM(projected)) > :tolerance
"""


@dataclass(frozen=True, slots=True)
class Drift:
    unit_id: str
    location_id: str
    from_events: float
    projected: float


def stock_drift(session: Session) -> list[Drift]:
    """Rows where the projection disagrees with the events; empty when all is well."""
    return [Drift(r[0], r[1], float(r[2]), float(r[3]))
            for r in session.execute(text(DRIFT_SQL), {"tolerance": DRIFT_TOLERANCE})]


@dataclass(frozen=True, slots=True)
class BadIdentifier:
    """A stored code that breaks shared_models.identifiers (made before the rule, or written around it)."""

    what: str   # "item", "unit", "location", ...
    key: str    # the row's code, as people know it
    problem: str


def bad_identifiers(session: Session) -> list[BadIdentifier]:
    """Stored codes that break the identifier rule, and unit codes that do not read back as their part number and
    lot or serial; empty when all is well. Reports only: renaming printed codes is a decision for people."""
    found = [BadIdentifier("item", part_no, problem) for (part_no,) in session.execute(select(Item.part_no))
             if (problem := PART_NO.explain("part_no", part_no))]
    for model in (Site, Supplier, Customer, Location, Equipment):
        found += [BadIdentifier(model.__tablename__, code, problem)  # type: ignore[attr-defined]
                  for (code,) in session.execute(select(model.code))  # type: ignore[attr-defined]
                  if (problem := CODE.explain("code", code))]
    rows = session.execute(select(Unit.code, Unit.kind, Unit.lot_no, Unit.serial, Unit.supplier_lot, Item.part_no)
                           .join(Item, Item.id == Unit.item_id).where(Unit.kind != UnitKind.CONTAINER)
                           .execution_options(yield_per=5000))
    for code, kind, lot_no, serial, supplier_lot, part_no in rows:
        own = serial if kind is UnitKind.SERIAL else lot_no
        problems = [LOT.explain(name, value) for name, value in (("lot_no", lot_no), ("serial", serial)) if value]
        problems.append(SUPPLIER_LOT.explain("supplier_lot", supplier_lot) if supplier_lot else None)
        if own is not None:
            problems.append(_code_problem(code, part_no, kind.value, own))
        found += [BadIdentifier("unit", code, p) for p in problems if p]
    return found


def _code_problem(code: str, part_no: str, kind: str, own: str) -> str | None:
    if not own:
        return f"the unit's {kind} number is empty"
    if code != unit_code(part_no, own):
        return f"code should be {unit_code(part_no, own)!r} (part no./{kind} no.)"
    read_part, read_own = split_unit_code(code)
    if (read_part, read_own) != (part_no, own):
        return (f"code reads as part no. {read_part!r}, {kind} {read_own!r} (its first '/'), but the unit is part no. "
                f"{part_no!r}, {kind} {own!r}")
    return None
