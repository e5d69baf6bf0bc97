"""Consistency check: the stock projection must equal what the event lines add up to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

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
HAVING ABS(SUM(book) - SUM(projected)) > 1e-6
"""


@dataclass(frozen=True, slots=True)
class Drift:
    unit_id: str
    location_id: str
    from_events: float
    projected: float


def stock_drift(session: Session) -> list[Drift]:
    """Rows where the projection disagrees with the events; empty when all is well."""
    return [Drift(r[0], r[1], float(r[2]), float(r[3])) for r in session.execute(text(DRIFT_SQL))]
