"""Numbers the server hands out: SSCCs for containers built without a printed label."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from shared_models.gs1 import compute_check_digit
from shared_models.masterdata import Site
from shared_models.trace import Unit

DEFAULT_COMPANY_PREFIX = "0614141"  # GS1's example prefix; a plant sets its own GLN on the site


def next_sscc(session: Session, site: Site, *, extension: str = "0") -> str:
    """Extension digit + company prefix + serial reference + check digit (GS1 Gen Specs 2.2.1)."""
    prefix = site.gln[:7] if site.gln else DEFAULT_COMPANY_PREFIX
    start = extension + prefix
    width = 17 - len(start)
    taken = session.exec(select(func.max(Unit.sscc)).where(Unit.sscc.like(f"{start}%"))).one()  # type: ignore[union-attr]
    serial = int(taken[len(start):17]) + 1 if taken else 1
    if serial >= 10**width:
        raise ValueError(f"SSCC serial references for prefix {prefix} are used up")
    body = f"{start}{serial:0{width}d}"
    return body + str(compute_check_digit(body))
