"""After-commit hooks: code that wants to hear about events once they are committed.

This is a fast path only (warning rules react within the request). Listeners run after the commit, once the
session has handed its connection back to the pool: a listener that opens its own session then never holds a
second connection while the first is still out (with many uploads at once that exhausted the pool). A failing
listener cannot undo a recorded fact; whatever it missed, the scheduled sweep finds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("lotline.hooks")
_KEY = "lotline_new_events"
_COMMITTED = "lotline_committed_events"
_listeners: list[Callable[[list[str]], None]] = []
_installed = False


def note_event(session: Session, event_id: str) -> None:
    """Called where an event is added; listeners hear of it after the commit."""
    session.info.setdefault(_KEY, []).append(event_id)


def on_events_committed(listener: Callable[[list[str]], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def install() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "after_rollback", lambda s: s.info.pop(_KEY, None))
    _installed = True


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_KEY, None)
    if ids:
        session.info.setdefault(_COMMITTED, []).extend(ids)


def _after_transaction_end(session: Session, transaction: object) -> None:
    if getattr(transaction, "_parent", None) is not None:
        return  # a savepoint ended; the outer transaction's end is the one that counts
    ids = session.info.pop(_COMMITTED, None)
    if not ids:
        return
    for listener in list(_listeners):
        try:
            listener(ids)
        except Exception:  # a listener's failure must not look like the commit failed; the sweep catches up
            log.exception("after-commit listener %s failed for %d event(s)", listener, len(ids))
