"""EPCIS capture: a document validated against GS1's EPCIS 2.0 JSON schema (formats included), its events
de-duplicated by CBV event hash, stored with their extensions, and joined to the genealogy, as one capture job.

Error behaviour (the GS1-Capture-Error-Behaviour header):
- rollback (default): an invalid event refuses the whole document (400, the first error), nothing is stored;
- all: as rollback, but the 400 lists every error found;
- proceed: invalid events are left out and listed in the job's errors, the valid ones are stored.
A failure while storing (e.g. an event that would close a genealogy cycle) fails the job and stores nothing of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from sqlalchemy import select
from sqlmodel import Session

from backend.auth.principal import Principal
from backend.epcis.errors import DocumentTooLarge, EpcisError, InvalidDocument, JoinRefused, UnknownCapture
from backend.epcis.event_hash import event_hash_id
from backend.epcis.genealogy import Joiner
from backend.epcis.models import EpcisCapture
from backend.epcis.store import epcs_of, insert_events, row_of, stored_hashes
from shared_models.masterdata import Site
from shared_models.types import utcnow

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "assets" / "epcis" / "epcis-json-schema.json"
CAPTURE_LIMIT = 20_000                     # events a document may hold (GS1-EPCIS-Capture-Limit)
FILE_SIZE_LIMIT = 32 * 1024 * 1024         # bytes a document may take (GS1-EPCIS-Capture-File-Size-Limit)
BEHAVIOURS = ("rollback", "proceed", "all")
MAX_ERRORS = 100                           # errors a job or a 400 lists at most


@cache
def validator() -> Any:
    """GS1's schema with `format` checked (uri, date-time): jsonschema_rs skips formats unless told."""
    return jsonschema_rs.validator_for(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), validate_formats=True)


def pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def schema_errors(document: Any) -> list[dict[str, str]]:
    found = []
    for error in validator().iter_errors(document):
        found.append({"pointer": pointer(error.instance_path), "message": error.message[:300]})
        if len(found) >= MAX_ERRORS:
            break
    return found


@dataclass(frozen=True, slots=True)
class Parsed:
    document: dict[str, Any]
    behaviour: str


def read_document(body: bytes, behaviour: str | None) -> Parsed:
    """The request body as an EPCISDocument; raises DocumentTooLarge, or EpcisError / InvalidDocument naming
    what is wrong (a JSON pointer for schema errors)."""
    chosen = (behaviour or "rollback").strip().lower()
    if chosen not in BEHAVIOURS:
        raise EpcisError(f"GS1-Capture-Error-Behaviour {behaviour!r} must be one of {', '.join(BEHAVIOURS)}.")
    if len(body) > FILE_SIZE_LIMIT:
        raise DocumentTooLarge(f"The document has {len(body)} bytes; this server captures at most "
                               f"{FILE_SIZE_LIMIT} (GS1-EPCIS-Capture-File-Size-Limit).")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EpcisError(f"The body is not JSON: {exc}.") from exc
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise InvalidDocument([{"pointer": "/type", "message": "the body must be an EPCISDocument (type "
                                                               "\"EPCISDocument\")"}])
    events = (document.get("epcisBody") or {}).get("eventList") if isinstance(document.get("epcisBody"), dict) \
        else None
    if isinstance(events, list) and len(events) > CAPTURE_LIMIT:
        raise DocumentTooLarge(f"The document has {len(events)} events; this server captures at most "
                               f"{CAPTURE_LIMIT} in one document (GS1-EPCIS-Capture-Limit).")
    return Parsed(document, chosen)


def capture(session: Session, principal: Principal, parsed: Parsed) -> EpcisCapture:
    """Validates, then runs the capture job (here, within the request) and commits it; returns the job. Raises
    InvalidDocument (rollback / all) before any job exists."""
    document, behaviour = parsed.document, parsed.behaviour
    errors = schema_errors(document)
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"] if not _outside_events(errors) else []
    if errors and (behaviour != "proceed" or _outside_events(errors)):
        raise InvalidDocument(errors if behaviour != "rollback" else errors[:1])
    bad = {_event_index(e["pointer"]) for e in errors}
    job = EpcisCapture(error_behaviour=behaviour, events=len(events), errors=errors,
                       user_id=principal.user_id if principal.user_id != "system" else None)
    session.add(job)
    session.flush()
    context = document.get("@context")
    keep = [(i, e) for i, e in enumerate(events) if i not in bad]
    try:
        _store(session, principal, job, context, keep)
    except JoinRefused as exc:
        session.rollback()
        job = EpcisCapture(error_behaviour=behaviour, events=len(events), state="failure", finished_at=utcnow(),
                           errors=[*errors, {"pointer": "/epcisBody/eventList", "message": str(exc)}][:MAX_ERRORS],
                           user_id=principal.user_id if principal.user_id != "system" else None)
        session.add(job)
        session.commit()
        return job
    job.state = "success"
    job.finished_at = utcnow()
    session.add(job)
    session.commit()
    return job


def _store(session: Session, principal: Principal, job: EpcisCapture, context: Any,
           events: list[tuple[int, dict[str, Any]]]) -> None:
    hashed = [(i, e, event_hash_id(e, context)) for i, e in events]
    seen = stored_hashes(session, (h for _, _, h in hashed))
    fresh: list[tuple[int, dict[str, Any], str]] = []
    for i, event, hash_id in hashed:
        if hash_id in seen:
            job.duplicates += 1
            continue
        seen.add(hash_id)
        fresh.append((i, event, hash_id))
    namespaces = [c for c in (context if isinstance(context, list) else [context]) if isinstance(c, dict)]
    joiner = Joiner(session, _fallback_site(session, principal))
    uris = {uri for _, e, _ in fresh for uri, _ in epcs_of(e)}
    joiner.resolve((e for _, e, _ in fresh), uris)
    rows = []
    for _i, event, hash_id in fresh:
        lotline_id = joiner.join(event, hash_id)
        stored = {**event, "recordTime": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")}
        if namespaces and "@context" not in stored:
            stored = {"@context": namespaces, **stored}
        rows.append(row_of(stored, hash_id, lotline_event_id=lotline_id, capture_id=job.id))
    session.flush()
    insert_events(session, rows, {uri: unit.id for uri, unit in joiner.units.items()})
    job.captured = len(rows)


def job_of(session: Session, capture_id: str) -> EpcisCapture:
    job = session.get(EpcisCapture, capture_id)
    if job is None:
        raise UnknownCapture(capture_id)
    return job


def _fallback_site(session: Session, principal: Principal) -> str | None:
    if principal.site_id:
        return principal.site_id
    return session.execute(select(Site.id).order_by(Site.code).limit(1)).scalars().first()


def _event_index(ptr: str) -> int:
    parts = ptr.split("/")
    return int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else -1


def _outside_events(errors: list[dict[str, str]]) -> bool:
    return any(_event_index(e["pointer"]) < 0 for e in errors)
