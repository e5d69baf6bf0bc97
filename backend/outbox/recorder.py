"""The outbox recorder: one set of session listeners that writes an outbox message for every domain fact worth
telling, in the same transaction as the fact, so a rolled-back change tells nothing and a committed one is never
lost. Services are not edited: the recorder watches what they flush, as the op log recorder and the audit trail do.

- after_flush notes what was flushed: new received/produced/shipped events, new inspections, nonconformances
  opened or closed (closed_at set), warnings raised, recalls opened or closed; rows written in sets
  (`backend.db.insert_rows`) are noted through `on_rows_written`.
- before_commit builds the payloads (events are read back with their lines) and inserts the messages on the
  session's connection: inside the transaction (or the Batch's savepoint) being committed.
- after the real commit, the engine's listeners hear of it (the webhook worker wakes); a rollback drops the notes.

Process-wide on purpose, like the op log: the CLI, the seed and benches write through bare sessions too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from backend import hooks
from backend.db import on_rows_written
from backend.outbox import topics
from backend.outbox.models import OutboxMessage
from backend.quality.models import Inspection, Nonconformance
from backend.recall.models import RecallCase
from backend.warnings.models import QualityWarning
from shared_models.trace import Event
from shared_models.types import new_id, utcnow

_PENDING = "lotline_outbox_pending"
Noted = str | topics.Draft  # an event id (read back at commit) or a finished draft
_listeners: dict[Engine, tuple[Callable[[], None], ...]] = {}
_lock = threading.Lock()
_installed = False


def install() -> None:
    """From now on every session in the process writes outbox messages; idempotent."""
    global _installed
    with _lock:
        if _installed:
            return
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_rollback", lambda s: s.info.pop(_PENDING, None))
        on_rows_written(_note_rows)
        _installed = True


def on_messages_committed(engine: Engine, listener: Callable[[], None]) -> None:
    """`listener()` is called after a commit through `engine` wrote outbox messages, until `off_messages_committed`."""
    with _lock:
        held = _listeners.get(engine, ())
        if listener not in held:
            _listeners[engine] = (*held, listener)


def off_messages_committed(engine: Engine, listener: Callable[[], None]) -> None:
    with _lock:
        left = tuple(f for f in _listeners.get(engine, ()) if f != listener)
        if left:
            _listeners[engine] = left
        else:
            _listeners.pop(engine, None)


def _pending(session: Session) -> list[Noted]:
    noted: list[Noted] = session.info.setdefault(_PENDING, [])
    return noted


def _note_rows(session: Session, model: type, rows: list[dict[str, Any]], *, inserted: bool) -> None:
    if model is Event and inserted:
        _pending(session).extend(r["id"] for r in rows if getattr(r["type"], "value", r["type"]) in topics.EVENT_TOPICS)


def _closed_now(obj: Any) -> bool:
    history = inspect(obj).attrs.closed_at.history
    return bool(history.added) and history.added[0] is not None and not any(history.deleted)


def _after_flush(session: Session, _ctx: Any) -> None:
    noted: list[Noted] | None = None
    for obj in session.new:
        kind = type(obj)
        if kind is Event:
            if getattr(obj.type, "value", obj.type) in topics.EVENT_TOPICS:
                (noted := noted or _pending(session)).append(obj.id)
        elif kind is Inspection:
            (noted := noted or _pending(session)).append(topics.inspected(obj))
        elif kind is Nonconformance:
            (noted := noted or _pending(session)).append(
                topics.nonconformance(obj, topics.Topic.NONCONFORMANCE_OPENED))
        elif kind is QualityWarning:
            (noted := noted or _pending(session)).append(topics.warning_raised(obj))
        elif kind is RecallCase:
            (noted := noted or _pending(session)).append(topics.recall(obj, topics.Topic.RECALL_OPENED))
    for obj in session.dirty:
        kind = type(obj)
        if kind is Nonconformance and _closed_now(obj):
            (noted := noted or _pending(session)).append(
                topics.nonconformance(obj, topics.Topic.NONCONFORMANCE_CLOSED))
        elif kind is RecallCase and _closed_now(obj):
            (noted := noted or _pending(session)).append(topics.recall(obj, topics.Topic.RECALL_CLOSED))


def _before_commit(session: Session) -> None:
    if not session.info.get(_PENDING):
        session.flush()  # the last flush happens after this hook otherwise
        if not session.info.get(_PENDING):
            return
    session.flush()
    noted: list[Noted] = session.info.pop(_PENDING, [])
    conn = session.connection()
    drafts = _drafts(conn, noted)
    if not drafts:
        return
    write(conn, drafts)
    engine = conn.engine
    if _listeners.get(engine):
        hooks.after_commit(session, partial(_announce, engine))


def _drafts(conn: Connection, noted: list[Noted]) -> list[topics.Draft]:
    event_ids = list(dict.fromkeys(n for n in noted if isinstance(n, str)))
    read = {d.subject_id: d for d in topics.events(conn, event_ids)} if event_ids else {}
    out: list[topics.Draft] = []
    seen: set[str] = set()
    for n in noted:
        if isinstance(n, str):
            if n in read and n not in seen:
                seen.add(n)
                out.append(read[n])
        else:
            out.append(n)
    return out


def write(conn: Connection, drafts: list[topics.Draft]) -> None:
    """Inserts the drafts as messages, in order, on `conn` (in its transaction)."""
    now = utcnow()
    conn.execute(OutboxMessage.__table__.insert(), [  # type: ignore[attr-defined]
        {"key": new_id(), "topic": d.topic.value, "subject_type": d.subject_type, "subject_id": d.subject_id,
         "subject_code": d.subject_code or "", "occurred_at": d.occurred_at or now, "created_at": now,
         "payload": d.payload, "fanned_out": False} for d in drafts])


def _announce(engine: Engine) -> None:
    for listener in _listeners.get(engine, ()):
        listener()
