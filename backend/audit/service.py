"""The audit trail: one before_flush listener writes an AuditEntry for every change to an audited record (see
backend.audit.registry), in the same flush as the change; the actor comes from `session.info`, set with
`act_as` where a session meets its caller (the request's session in backend.deps, the sync upload, the CLI)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlmodel import col, select

from backend.audit.models import AuditEntry
from backend.audit.registry import BOOKKEEPING, ENTITIES, REGISTRY, SECRET, Audited
from backend.auth.principal import Principal
from backend.errors import InvalidInput

ACTOR = "lotline_actor"
MAX_LIMIT = 500
_installed = False


def act_as(session: Session, principal: Principal | None) -> None:
    """Changes this session writes from now on are the principal's in the trail (None: the system's)."""
    if principal is None:
        session.info.pop(ACTOR, None)
    else:
        session.info[ACTOR] = principal


def install() -> None:
    """Listens on every SQLAlchemy session; idempotent."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _before_flush)
        _installed = True


def entries(session: Session, *, entity: str | None = None, key: str | None = None, since: datetime | None = None,
            before_id: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Newest first; `before_id` pages on (the last id of the previous page). Raises InvalidInput for an entity
    that is not audited or a limit outside 1..MAX_LIMIT."""
    if entity is not None and entity not in ENTITIES:
        raise InvalidInput(f"'{entity}' is not audited; one of: {', '.join(ENTITIES)}.", field="entity")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    query = select(AuditEntry)
    if entity is not None:
        query = query.where(AuditEntry.entity_type == entity)
    if key is not None:
        query = query.where(AuditEntry.entity_key == key)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if before_id is not None:
        query = query.where(col(AuditEntry.id) < before_id)
    return list(session.exec(query.order_by(col(AuditEntry.id).desc()).limit(limit)))


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    found: list[AuditEntry] = []
    with session.no_autoflush:
        for obj in session.new:
            if (audited := REGISTRY.get(type(obj))) is not None:
                found.append(_entry(session, audited, obj, "create", None, _whole(obj)))
        for obj in session.dirty:
            if (audited := REGISTRY.get(type(obj))) is not None and session.is_modified(obj):
                changed = _changes(obj)
                if changed is not None:
                    found.append(_entry(session, audited, obj, _action(audited, changed[1]), *changed))
        for obj in session.deleted:
            if (audited := REGISTRY.get(type(obj))) is not None:
                found.append(_entry(session, audited, obj, "delete", _whole(obj), None))
    session.add_all(found)


def _entry(session: Session, audited: Audited, obj: Any, action: str, before: dict[str, Any] | None,
           after: dict[str, Any] | None) -> AuditEntry:
    actor: Principal | None = session.info.get(ACTOR)
    user_id = actor.user_id if actor is not None and actor.user_id != "system" else None
    return AuditEntry(actor_user_id=user_id, actor_username=actor.username if actor is not None else "system",
                      entity_type=audited.entity, entity_id=str(obj.id), entity_key=audited.key(session, obj),
                      action=action, before=before, after=after)


def _action(audited: Audited, after: dict[str, Any]) -> str:
    if audited.state_field is not None and audited.state_field in after:
        return "transition"
    if audited.active_field is not None and after.get(audited.active_field) is False:
        return "deactivate"
    return "update"


def _whole(obj: Any) -> dict[str, Any]:
    return {a.key: _plain(a.key, getattr(obj, a.key)) for a in inspect(obj).mapper.column_attrs}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(before, after) of the fields that changed, or None when only bookkeeping did."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in BOOKKEEPING:
            continue
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key], after[attr.key] = _plain(attr.key, old), _plain(attr.key, new)
    return (before, after) if after else None


def _plain(name: str, value: Any) -> Any:
    if name in SECRET:
        return "(changed)" if value is not None else None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
