"""After-commit hooks: code that wants to hear about events once they are committed, and actions that must wait
for the commit (deleting a staged photo once the inspection holding it is stored).

This is a fast path only (warning rules react within the request). Listeners run after the commit, once the
session has handed its connection back to the pool: a listener that opens its own session then never holds a
second connection while the first is still out (with many uploads at once that exhausted the pool). A failing
listener cannot undo a recorded fact; whatever it missed, the scheduled sweep finds.

A session working inside a larger transaction (`backend.db.Batch`) commits only a SAVEPOINT per command: `hold`
keeps what those commits announce until `release`, which the batch calls after its one real COMMIT. What a
command rolled back (its savepoint) is dropped with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

log = logging.getLogger("lotline.hooks")
_PENDING = "lotline_hooks_pending"      # noted in the transaction under way
_COMMITTED = "lotline_hooks_committed"  # committed, waiting for the connection to be handed back (or the batch)
_HELD = "lotline_hooks_held"
# Session events are class-level, so the dispatch is process-wide; what it dispatches to is per database: each
# app's runtime adds its listener for its engine when it starts and takes it away when it stops.
EventsCommitted = Callable[[list[str]], None]
_listeners: dict[Engine, tuple[EventsCommitted, ...]] = {}
_listeners_lock = threading.Lock()
_installed = False


@dataclass
class _Noted:
    event_ids: list[str] = field(default_factory=list)
    actions: list[Callable[[], None]] = field(default_factory=list)

    def extend(self, other: _Noted) -> None:
        self.event_ids.extend(other.event_ids)
        self.actions.extend(other.actions)


def note_event(session: Session, event_id: str) -> None:
    """Called where an event is added; listeners hear of it after the commit."""
    session.info.setdefault(_PENDING, _Noted()).event_ids.append(event_id)


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Runs `action` once what the session is writing now is committed; never if it is rolled back."""
    session.info.setdefault(_PENDING, _Noted()).actions.append(action)


def on_events_committed(engine: Engine, listener: EventsCommitted) -> None:
    """`listener(event_ids)` hears of events committed through `engine` (a session bound to it or to one of its
    connections), until `off_events_committed`."""
    with _listeners_lock:
        held = _listeners.get(engine, ())
        if listener not in held:
            _listeners[engine] = (*held, listener)


def off_events_committed(engine: Engine, listener: EventsCommitted) -> None:
    with _listeners_lock:
        left = tuple(f for f in _listeners.get(engine, ()) if f != listener)
        if left:
            _listeners[engine] = left
        else:
            _listeners.pop(engine, None)


def hold(session: Session) -> None:
    """From now on the session's commits are savepoints of a larger transaction: keep what they announce."""
    session.info[_HELD] = True


def release(session: Session) -> None:
    """The larger transaction committed: run what its savepoints announced. Call it after the connection is closed."""
    session.info.pop(_HELD, None)
    _announce(session, session.info.pop(_COMMITTED, None))


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "after_rollback", lambda s: s.info.pop(_PENDING, None))
    _installed = True


def _after_commit(session: Session) -> None:
    noted = session.info.pop(_PENDING, None)
    if noted is not None:
        session.info.setdefault(_COMMITTED, _Noted()).extend(noted)


def _after_transaction_end(session: Session, transaction: object) -> None:
    if getattr(transaction, "_parent", None) is not None or session.info.get(_HELD):
        return  # a savepoint ended; the outer transaction's end is the one that counts
    _announce(session, session.info.pop(_COMMITTED, None))


def _engine_of(session: Session) -> Engine | None:
    bind = session.bind
    return bind.engine if isinstance(bind, Connection) else bind if isinstance(bind, Engine) else None


def _announce(session: Session, noted: _Noted | None) -> None:
    if noted is None:
        return
    for action in noted.actions:
        try:
            action()
        except Exception:  # the data is committed; an action left undone is tidied up later, never reverses it
            log.exception("after-commit action %s failed", action)
    if not noted.event_ids:
        return
    engine = _engine_of(session)
    for listener in _listeners.get(engine, ()) if engine is not None else ():
        try:
            listener(noted.event_ids)
        except Exception:  # a listener's failure must not look like the commit failed; the sweep catches up
            log.exception("after-commit listener %s failed for %d event(s)", listener, len(noted.event_ids))
