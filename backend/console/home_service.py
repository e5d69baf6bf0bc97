"""The console's home figures: how many recall cases, nonconformances and warnings wait, as the caller may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from backend.auth.principal import Principal
from backend.quality.models import Nonconformance
from backend.recall.models import RecallCase
from backend.warnings.models import QualityWarning
from backend.warnings.service import visible_to
from shared_models.enums import RecallState, WarningState

NC_WAITING = ("open", "under_review", "dispositioned")  # not yet closed or cancelled


@dataclass(frozen=True, slots=True)
class HomeCounts:
    open_recalls: int
    open_ncs: int
    open_warnings: int


def home_counts(session: Session, principal: Principal) -> HomeCounts:
    recalls = session.exec(select(func.count()).select_from(RecallCase)
                           .where(RecallCase.state != RecallState.CLOSED)).one()
    ncs = select(func.count()).select_from(Nonconformance).where(col(Nonconformance.state).in_(NC_WAITING))
    if principal.site_id is not None:
        ncs = ncs.where(Nonconformance.site_id == principal.site_id)
    live = session.exec(select(QualityWarning).where(QualityWarning.state != WarningState.CLOSED)).all()
    return HomeCounts(open_recalls=recalls, open_ncs=session.exec(ncs).one(),
                      open_warnings=sum(1 for w in live if visible_to(w, principal)))
