"""Links every new event into its site's hash chain, in the transaction that writes it.

One function, `link`, gives events their place (chain_seq = the site's last + 1), the previous event's hash and
their own hash (backend.eventlog.canonical). It is called from two places, the two ways events are written:
- events added through the ORM (backend.warehouse.ledger.Ledger.open_event calls `note`): their lines are added
  after them, often across several flushes, so they are linked just before the session commits, when every line is
  flushed; their chain columns are then written with one UPDATE that the op log does not see (the columns are
  server-only);
- events written in sets (backend.warehouse.posting): `link_rows` fills the rows before they are inserted.
The chain's tail is read once per site per session transaction and then kept in `session.info`: what this
transaction linked is the tail for the next event. Write transactions are serialised (SQLite BEGIN IMMEDIATE,
a PostgreSQL advisory lock), so no other transaction extends the chain meanwhile; should two ever do, the unique
index on (site_id, chain_seq) refuses the second instead of storing a fork.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm import object_session as _object_session

from backend.eventlog.canonical import EVENT_FIELDS, GENESIS, LINE_FIELDS, event_hash
from backend.trace.models import EventLine
from shared_models.trace import Event

_TAILS = "lotline_chain_tails"      # site id → (chain_seq, hash) of the last event linked or stored
_PENDING = "lotline_chain_pending"  # ORM events added in this transaction, linked before it commits
_IN_CHUNK = 500
_installed = False
_EVENTS = Event.__table__  # type: ignore[attr-defined]
_LINES = EventLine.__table__  # type: ignore[attr-defined]


def link(session: Session, events: Iterable[dict[str, Any]],
         lines_of: Mapping[str, list[Mapping[str, Any]]]) -> None:
    """Sets chain_seq, prev_hash and hash on each event (a dict of at least EVENT_FIELDS), in the given order."""
    tails: dict[str, tuple[int, str]] = session.info.setdefault(_TAILS, {})
    for row in events:
        site_id = row["site_id"]
        tail = tails.get(site_id)
        if tail is None:
            tail = _stored_tail(session, site_id)
        row["chain_seq"], row["prev_hash"] = tail[0] + 1, tail[1]
        row["hash"] = event_hash(row, lines_of.get(row["id"], ()), tail[1])
        tails[site_id] = (row["chain_seq"], row["hash"])


def link_rows(session: Session, events: list[dict[str, Any]], lines: Iterable[Mapping[str, Any]]) -> None:
    """For events written as complete rows (backend.db.insert_rows): fills their chain columns before the INSERT."""
    lines_of: dict[str, list[Mapping[str, Any]]] = {}
    for line in lines:
        lines_of.setdefault(line["event_id"], []).append(line)
    link(session, events, lines_of)


def note(session: Session, added: Event) -> None:
    """For an event just added to the session: it is linked, with all its lines, when the session commits."""
    install()
    session.info.setdefault(_PENDING, {})[added.id] = added


def install() -> None:
    """Listens on every SQLAlchemy session; idempotent."""
    global _installed
    if _installed:
        return
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    _installed = True


def _stored_tail(session: Session, site_id: str) -> tuple[int, str]:
    found = session.connection().execute(
        select(_EVENTS.c.chain_seq, _EVENTS.c.hash).where(_EVENTS.c.site_id == site_id,
                                                         _EVENTS.c.chain_seq.is_not(None))
        .order_by(_EVENTS.c.chain_seq.desc()).limit(1)).first()
    return (0, GENESIS) if found is None else (int(found[0]), str(found[1]))


def _before_commit(session: Session) -> None:
    pending: dict[str, Event] | None = session.info.get(_PENDING)
    if not pending:
        return
    session.flush()  # every line of every pending event is in the database now
    session.info.pop(_PENDING, None)
    events = [e for e in pending.values() if _object_session(e) is session and e.chain_seq is None]
    if not events:
        return
    conn = session.connection()
    ids = [e.id for e in events]
    stored: dict[str, dict[str, Any]] = {}
    lines_of: dict[str, list[Mapping[str, Any]]] = {}
    for start in range(0, len(ids), _IN_CHUNK):  # hashed as stored, as verifying will read them
        chunk = ids[start:start + _IN_CHUNK]
        stored.update((r["id"], dict(r)) for r in conn.execute(
            select(*(_EVENTS.c[n] for n in EVENT_FIELDS)).where(_EVENTS.c.id.in_(chunk))).mappings())
        for line in conn.execute(select(*(_LINES.c[n] for n in (*LINE_FIELDS, "event_id")))
                                 .where(_LINES.c.event_id.in_(chunk))).mappings():
            lines_of.setdefault(line["event_id"], []).append(line)
    events = [e for e in events if e.id in stored]  # one added and deleted again is not in the chain
    rows = [stored[e.id] for e in events]
    link(session, rows, lines_of)
    conn.execute(update(_EVENTS).where(_EVENTS.c.id == bindparam("_id"))
                 .values(chain_seq=bindparam("_seq"), prev_hash=bindparam("_prev"), hash=bindparam("_hash")),
                 [{"_id": r["id"], "_seq": r["chain_seq"], "_prev": r["prev_hash"], "_hash": r["hash"]}
                  for r in rows])
    for e, r in zip(events, rows, strict=True):  # as stored, and not dirty: no second UPDATE, no op log entry
        for name in ("chain_seq", "prev_hash", "hash"):
            attributes.set_committed_value(e, name, r[name])


def _after_transaction_end(session: Session, transaction: Any) -> None:
    # Any end, a savepoint's included: what was rolled back is no longer the tail; what was committed is read
    # back from the database by the next transaction.
    session.info.pop(_TAILS, None)
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
