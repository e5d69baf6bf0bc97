"""Uploaded CRUD entries meet the domain: each op goes through the same services as the REST API
(backend/sync/dispatch.py), in chunks of one transaction each, with a stored verdict per op.

Conflict policy (ARCHITECTURE.md §4), one rule per kind of data:
- events never conflict: a client-made UUID stores once; a second upload of it is a duplicate;
- a gate violated offline (a pick of a lot put on hold meanwhile) is recorded as the physical fact it is,
  flagged on the event and kept for QA, and answered `conflict`, never dropped;
- stock is derived from events, so quantities are never overwritten: a count carries the book quantity the
  handheld saw and the server adjusts against the book at count time;
- master data is last-write-wins per field (only the fields sent are written) on a server version; a
  write based on an older version is applied and answered `conflict` naming what it overwrote;
- status changes follow the unit state machine; an illegal one is `rejected` with the reason.

Ops are applied in order, in chunks (at most UPLOAD_CHUNK_OPS, or Settings.upload_chunk_ops, and ended once a
chunk has worked UPLOAD_CHUNK_BUDGET_S), each chunk one transaction (`backend.db.Batch`): receives, moves and
picks next to each other are posted as one run, every other op runs in a savepoint of its own, so a refused op
changes nothing, and the chunk's receipts, op log and after-commit work are written once, with one COMMIT. A
retried batch gets the stored verdicts and changes nothing already done. A chunk that clashes with a concurrent
write is applied again op by op, each op with its receipt in its own transaction (the path every op took before
chunks); an op the database refuses twice that way is rejected (`constraint_violated`).
"""

from __future__ import annotations

import logging
import time

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session, col, select

from backend import hooks
from backend.audit.service import act_as
from backend.auth.principal import Principal
from backend.config import UPLOAD_CHUNK_BUDGET_S, UPLOAD_CHUNK_OPS
from backend.db import Batch, begin_write
from backend.errors import DomainError
from backend.sync.dispatch import dispatch, outcome, parse, postable
from backend.sync.errors import TemporaryFailure
from backend.sync.runtime import RECORDER
from backend.warehouse.posting import Posting
from shared_models import commands as cmd
from shared_models.bounds import shorten
from shared_models.types import utcnow
from sync.protocol import CrudEntry, Verdict, VerdictStatus
from sync.server.bulk import insert_many
from sync.server.tables import RejectedOp, UploadReceipt

log = logging.getLogger("lotline.sync")


class UploadApplier:
    """Applies one handheld's (`client_id`) upload batches as `principal`, chunk by chunk."""

    def __init__(self, engine: Engine, principal: Principal, client_id: str, *,
                 chunk_ops: int = UPLOAD_CHUNK_OPS, chunk_budget_s: float = UPLOAD_CHUNK_BUDGET_S) -> None:
        self.engine = engine
        self.by = principal
        self.client_id = client_id
        self.chunk_ops = chunk_ops
        self.chunk_budget_s = chunk_budget_s

    def apply(self, batch: list[CrudEntry]) -> list[Verdict]:
        """A verdict per op, in order. Raises TemporaryFailure when the database is unavailable; the chunks
        committed before that keep their receipts, so the retry answers them from the receipts."""
        parsed = [_parsed(entry) for entry in batch]  # before the write lock: other uploads' writes go on meanwhile
        verdicts: list[Verdict] = []
        while len(verdicts) < len(batch):
            start = len(verdicts)
            verdicts += self._apply_chunk(batch[start:start + self.chunk_ops], parsed[start:start + self.chunk_ops])
        return verdicts

    def _apply_chunk(self, entries: list[CrudEntry], parsed: list[_Parsed]) -> list[Verdict]:
        """Applies a prefix of `entries` (all of them unless the time budget ran out first) in one transaction;
        returns its verdicts. `parsed`: each entry's command when it is posted in sets (`_parsed`)."""
        try:
            with Batch(self.engine) as batch:
                session = batch.session
                assert session is not None and batch.connection is not None
                RECORDER.hold(session)
                hooks.hold(session)
                act_as(session, self.by)  # the audit trail's actor for master data changed by this upload
                known = self._receipts(session, entries)
                verdicts = self._apply_all(session, entries, parsed, known,
                                           time.monotonic() + self.chunk_budget_s)
                entries = entries[:len(verdicts)]
                fresh = [(e, v) for e, v in zip(entries, verdicts, strict=True) if e.op_id not in known]
                session.add_all(self._kept(e, v) for e, v in fresh if v.status in _KEPT)
                session.commit()  # releases the last savepoint
                received_at = utcnow()
                insert_many(batch.connection, UploadReceipt.__table__, [  # type: ignore[attr-defined]
                    {"client_id": self.client_id, "op_id": e.op_id, "status": v.status.value, "code": v.code,
                     "reason": v.reason, "received_at": received_at} for e, v in fresh])
                wrote = RECORDER.write_held(session, batch.connection)
                batch.commit()
        except IntegrityError:
            # A concurrent write clashed (the same batch retried while its first attempt still ran, or the same
            # event from two handhelds at once): nothing of this chunk stayed; go op by op, receipts first.
            return [self.apply_one(entry) for entry in entries]
        except DBAPIError as exc:
            if not _unavailable(exc):
                raise
            raise TemporaryFailure(str(exc.orig) if exc.orig else str(exc)) from exc
        hooks.release(session)
        if wrote:
            RECORDER.announce()
        return verdicts

    def _receipts(self, session: Session, entries: list[CrudEntry]) -> dict[int, Verdict]:
        wanted = {e.op_id for e in entries}
        low, high = min(wanted), max(wanted)
        # A client numbers its ops in order, so a chunk's op ids span about as many numbers as it holds ops: a range
        # costs two parameters where an IN list costs one per op (compiled and parsed again for every chunk).
        op_ids = col(UploadReceipt.op_id).between(low, high) if high - low < 2 * len(wanted) \
            else col(UploadReceipt.op_id).in_(wanted)
        rows = session.exec(select(UploadReceipt).where(UploadReceipt.client_id == self.client_id, op_ids))
        return {r.op_id: Verdict(r.op_id, VerdictStatus(r.status), r.code, r.reason) for r in rows
                if r.op_id in wanted}

    def _apply_all(self, session: Session, entries: list[CrudEntry], parsed: list[_Parsed],
                   known: dict[int, Verdict], deadline: float) -> list[Verdict]:
        """In order: ops already answered keep their verdict; receives, moves and picks next to each other are
        posted as one run (backend/warehouse/posting.py); every other op goes through its service on its own.
        Stops taking ops once `deadline` (time.monotonic) has passed: the verdicts are for a prefix of `entries`."""
        verdicts: dict[int, Verdict] = {}
        run: list[tuple[CrudEntry, cmd.Receive | cmd.Move]] = []
        taken = 0
        for entry, command in zip(entries, parsed, strict=True):
            if taken and time.monotonic() >= deadline:
                break  # this transaction has held the write lock long enough; the rest go in the next one
            taken += 1
            if entry.op_id in known:
                verdicts[entry.op_id] = known[entry.op_id]
            elif isinstance(command, ValidationError):
                verdicts[entry.op_id] = _invalid(entry, command)
            elif isinstance(command, Exception):  # a validator's bug refuses this op, not the batch
                verdicts[entry.op_id] = _cannot_apply(entry, command)
            elif command is not None:
                run.append((entry, command))
            else:
                verdicts.update(self._post(session, run))
                run = []
                verdicts[entry.op_id] = self._apply_in(session, entry)
        verdicts.update(self._post(session, run))
        return [verdicts[entry.op_id] for entry in entries[:taken]]

    def _post(self, session: Session, run: list[tuple[CrudEntry, cmd.Receive | cmd.Move]]) -> dict[int, Verdict]:
        if not run:
            return {}
        try:
            posted = Posting(session, self.by, record_gate_violations=True).post([c for _, c in run])
        except Exception as exc:
            if not _op_fault(exc):
                raise
            # Some op of the run failed other than by a rule: undo the run and go op by op, so only it is refused.
            session.rollback()
            return {entry.op_id: self._apply_in(session, entry) for entry, _ in run}
        if session.in_transaction():
            session.commit()  # releases the run's savepoint
        return {entry.op_id: outcome(entry, done.replayed, done.violations) if done.error is None
                else Verdict(entry.op_id, VerdictStatus.REJECTED, done.error.code, done.error.detail)
                for (entry, _), done in zip(run, posted, strict=True)}

    def _apply_in(self, session: Session, entry: CrudEntry) -> Verdict:
        """One op inside a batch: what it changes is kept only if it is applied (its savepoint is released)."""
        try:
            verdict = dispatch(session, self.by, entry)
        except DomainError as exc:
            session.rollback()
            return Verdict(entry.op_id, VerdictStatus.REJECTED, exc.code, exc.detail)
        except ValidationError as exc:
            session.rollback()
            return _invalid(entry, exc)
        except Exception as exc:
            if not _op_fault(exc):
                raise
            session.rollback()
            return _cannot_apply(entry, exc)
        if session.in_transaction():
            session.commit()  # the services commit themselves; master-data changes are committed here
        return verdict

    def apply_one(self, entry: CrudEntry, *, again: bool = False) -> Verdict:
        """One op in its own transaction, its receipt stored first (the fallback when a chunk clashed). An op
        that breaks a database constraint twice in a row, with no concurrent write to explain it, is refused
        (`constraint_violated`, kept for QA) rather than answered 5xx forever: a queue never blocks on it."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                begin_write(session)  # the receipt lookup and the op's checks run as the one writer
                act_as(session, self.by)
                stored = session.get(UploadReceipt, (self.client_id, entry.op_id))
                if stored is not None:
                    return Verdict(entry.op_id, VerdictStatus(stored.status), stored.code, stored.reason)
                receipt = UploadReceipt(client_id=self.client_id, op_id=entry.op_id, status="applied")
                session.add(receipt)
                try:
                    verdict = dispatch(session, self.by, entry)
                except DomainError as exc:
                    session.rollback()
                    return self._refuse(entry, exc.code, exc.detail)
                except ValidationError as exc:
                    session.rollback()
                    return self._refuse(entry, "invalid_command", _validation_summary(exc))
                except Exception as exc:
                    if not _op_fault(exc):
                        raise
                    session.rollback()
                    refused = _cannot_apply(entry, exc)
                    return self._refuse(entry, refused.code, refused.reason)
                receipt = session.merge(receipt)
                receipt.status, receipt.code, receipt.reason = verdict.status.value, verdict.code, verdict.reason
                if verdict.status is VerdictStatus.CONFLICT:
                    session.add(self._kept(entry, verdict))
                session.commit()
                return verdict
        except IntegrityError as exc:
            # A retry of this batch racing the first attempt: whoever stored the receipt first answers. The same
            # event from another handheld at once: applied again, it is a duplicate. Neither: the op itself
            # breaks a rule of the database.
            stored = self._stored_verdict(entry)
            if stored is not None:
                return stored
            if not again:
                return self.apply_one(entry, again=True)
            return self._refuse(entry, "constraint_violated", f"The database refused {entry.type} {entry.id} "
                                f"twice: {_constraint(exc)}. Nothing of it was stored.")
        except DBAPIError as exc:
            if not _unavailable(exc):
                raise
            raise TemporaryFailure(str(exc.orig) if exc.orig else str(exc)) from exc

    def _stored_verdict(self, entry: CrudEntry) -> Verdict | None:
        with Session(self.engine) as session:
            stored = session.get(UploadReceipt, (self.client_id, entry.op_id))
            return None if stored is None else \
                Verdict(entry.op_id, VerdictStatus(stored.status), stored.code, stored.reason)

    # -- refusals ------------------------------------------------------------------------------------------------
    def _refuse(self, entry: CrudEntry, code: str, reason: str) -> Verdict:
        verdict = Verdict(entry.op_id, VerdictStatus.REJECTED, code, reason)
        try:
            with Session(self.engine) as session:
                session.add(UploadReceipt(client_id=self.client_id, op_id=entry.op_id, status=verdict.status.value,
                                          code=code, reason=reason))
                session.add(self._kept(entry, verdict))
                session.commit()
        except IntegrityError as exc:  # a concurrent attempt of the same batch answered first
            stored = self._stored_verdict(entry)
            if stored is None:
                raise TemporaryFailure(f"op {entry.op_id} clashed with a concurrent write; retry") from exc
            return stored
        return verdict

    def _kept(self, entry: CrudEntry, verdict: Verdict) -> RejectedOp:
        return RejectedOp(client_id=self.client_id, op_id=entry.op_id, user_id=self.by.user_id,
                          object_type=entry.type, object_id=entry.id, op=entry.op.value, data=entry.data,
                          status=verdict.status.value, code=verdict.code, reason=verdict.reason)


_KEPT = (VerdictStatus.REJECTED, VerdictStatus.CONFLICT)
_Parsed = cmd.Receive | cmd.Move | Exception | None


def _parsed(entry: CrudEntry) -> _Parsed:
    """The command of a receive, move or pick (posted in sets), or why it could not be read; None for any other
    op (its service reads it)."""
    if not postable(entry):
        return None
    try:
        return parse(entry)  # type: ignore[return-value]
    except Exception as exc:  # answered in its turn: invalid, or a validator's bug that refuses this op alone
        return exc


def _invalid(entry: CrudEntry, exc: ValidationError) -> Verdict:
    return Verdict(entry.op_id, VerdictStatus.REJECTED, "invalid_command", _validation_summary(exc))


def _op_fault(exc: Exception) -> bool:
    """The op itself failed (a bug its data runs into, a value the database cannot store): refuse that op. Not
    an op fault: the database unavailable (TemporaryFailure, 503) or a clash with a concurrent write, which the
    chunk resolves op by op; any other database error stays a 500."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, DataError) and not _unavailable(exc)
    return not isinstance(exc, TemporaryFailure)


def _cannot_apply(entry: CrudEntry, exc: Exception) -> Verdict:
    """An op that failed unexpectedly: refused for good (kept for QA), logged with its traceback for developers."""
    log.error("upload op %s (%s %s) could not be applied", entry.op_id, entry.type, entry.id, exc_info=exc)
    what = f"{entry.data.get('kind', entry.type)} {entry.id}" if entry.type == "event_command" \
        else f"{entry.type} {entry.id}"
    cause = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return Verdict(entry.op_id, VerdictStatus.REJECTED, "cannot_apply",
                   f"{what} could not be applied ({type(exc).__name__}: {shorten(cause.strip())}); nothing of it "
                   "was stored. Check its values; support has the details.")


def _constraint(exc: IntegrityError) -> str:
    """The database's own words for the broken constraint (first line; PostgreSQL adds a DETAIL line)."""
    return str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]


def _unavailable(exc: DBAPIError) -> bool:
    """The database is busy or gone (OperationalError, a dropped connection), as opposed to a bug."""
    return exc.connection_invalidated or isinstance(exc, OperationalError)


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err["loc"]) or "command"
        parts.append(f"{shorten(where)}: {shorten(err['msg'])}")
    return "; ".join(parts)

