"""After-commit hooks: code that wants to hear about events once they are committed.

This is a fast path only (warning rules react within the request). Listeners run after the commit, so a
failing listener cannot undo a recorded fact; whatever it missed, the scheduled sweep finds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("lotline.hooks")
_KEY = "lotline_new_events"
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
    event.listen(Session, "after_rollback", lambda s: s.info.pop(_KEY, None))
    _installed = True


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_KEY, None)
    if not ids:
        return
    for listener in list(_listeners):
        try:
            listener(ids)
        except Exception:  # a listener's failure must not look like the commit failed; the sweep catches up
            log.exception("after-commit listener %s failed for %d event(s)", listener, len(ids))
