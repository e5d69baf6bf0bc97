"""EPCIS 2.0 over HTTP, the GS1 REST binding: capture (POST /epcis/capture → a job), capture jobs, event queries
(GET /epcis/events, GET /epcis/epcs/{epc}/events) as EPCISQueryDocuments, errors as problem+json."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import urlencode

import anyio
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromPath

from backend.auth.guards import TRACE_READERS, allow
from backend.deps import Caller, Config, Db
from backend.epcis.capture_service import CAPTURE_LIMIT, FILE_SIZE_LIMIT, capture, job_of, read_document
from backend.epcis.errors import DocumentTooLarge, EpcisError
from backend.epcis.query_service import query_document, query_events
from backend.epcis.schemas import CaptureJobPublic
from backend.epcis.store import publish_lotline
from backend.openapi import request_body
from shared_models.enums import Role
from shared_models.types import utcnow

READ = allow(*TRACE_READERS)
CAPTURE = allow(Role.QA_MANAGER, Role.ENGINEER)
LD_JSON = "application/ld+json"
DEFAULT_PREFIX_LENGTH = 7  # GS1 Company Prefix digits in the plant's keys, unless settings say otherwise
HEADERS = [ResponseHeader(name="GS1-EPCIS-Version", value="2.0.0"),
           ResponseHeader(name="GS1-CBV-Version", value="2.0.0"),
           ResponseHeader(name="GS1-EPCIS-Capture-Limit", value=str(CAPTURE_LIMIT)),
           ResponseHeader(name="GS1-EPCIS-Capture-File-Size-Limit", value=str(FILE_SIZE_LIMIT)),
           ResponseHeader(name="GS1-Capture-Error-Behaviour", value="rollback,proceed,all")]


def _problem(_: Request[Any, Any, Any], exc: EpcisError) -> Response[dict[str, Any]]:
    return Response(exc.problem_json(), status_code=exc.status_code, media_type="application/problem+json",
                    headers={h.name: str(h.value) for h in HEADERS})


def _params(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    return {k: list(request.query_params.getall(k)) for k in request.query_params}


def _prefix_length(settings: Any) -> int:
    raw = settings.extra.get("gs1_company_prefix_length", "") if getattr(settings, "extra", None) else ""
    return int(raw) if str(raw).isdigit() else DEFAULT_PREFIX_LENGTH


EPCIS_DOCUMENT = request_body("An EPCISDocument (EPCIS 2.0 JSON/JSON-LD), validated against GS1's JSON schema.", {
    media: Schema(type=OpenAPIType.OBJECT, required=["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
                  properties={"type": Schema(const="EPCISDocument"), "schemaVersion": Schema(type=OpenAPIType.STRING),
                              "creationDate": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.DATE_TIME),
                              "epcisBody": Schema(type=OpenAPIType.OBJECT)})
    for media in (LD_JSON, "application/json")})


class EpcisController(Controller):
    path = "/epcis"
    tags = ["epcis"]
    response_headers = HEADERS
    exception_handlers = {EpcisError: _problem}

    @post("/capture", guards=[CAPTURE], status_code=202, request_max_body_size=FILE_SIZE_LIMIT + 1,
          operation_class=EPCIS_DOCUMENT)
    async def capture(self, request: Request[Any, Any, Any], db: Db, principal: Caller) -> Response[dict[str, Any]]:
        """Captures an EPCISDocument (JSON-LD), validated against GS1's EPCIS 2.0 JSON schema with its uri and
        date-time formats. Answers 202 with the job's Location; 400 problem+json names what is invalid (JSON
        pointers); 413 over GS1-EPCIS-Capture-Limit events or GS1-EPCIS-Capture-File-Size-Limit bytes. Header
        GS1-Capture-Error-Behaviour: rollback (default), proceed or all. Events already stored (same CBV event
        hash) are counted as duplicates and left out."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > FILE_SIZE_LIMIT:
            raise DocumentTooLarge(f"The document has {declared} bytes; this server captures at most "
                                   f"{FILE_SIZE_LIMIT} (GS1-EPCIS-Capture-File-Size-Limit).")
        parsed = read_document(await request.body(), request.headers.get("gs1-capture-error-behaviour"))
        job = await anyio.to_thread.run_sync(partial(capture, db, principal, parsed))
        return Response(CaptureJobPublic.of(job).model_dump(mode="json"), status_code=202,
                        headers={"Location": f"/epcis/capture/{job.id}"})

    @get("/capture/{capture_id:str}", guards=[CAPTURE], sync_to_thread=True)
    def capture_job(self, capture_id: FromPath[str], db: Db) -> CaptureJobPublic:
        """A capture job: running, success or failure, with what it stored and the errors it met."""
        return CaptureJobPublic.of(job_of(db, capture_id))

    @get("/events", guards=[READ], sync_to_thread=True)
    def events(self, request: Request[Any, Any, Any], db: Db, settings: Config) -> Response[dict[str, Any]]:
        """Events as an EPCISQueryDocument. Parameters: eventType, GE_/LT_eventTime, GE_/LT_recordTime,
        EQ_bizStep, EQ_disposition, EQ_readPoint, EQ_bizLocation, EQ_action, EQ_eventID, MATCH_epc,
        MATCH_parentID, MATCH_inputEPC, MATCH_outputEPC, MATCH_anyEPC, MATCH_epcClass, MATCH_inputEPCClass,
        MATCH_outputEPCClass, MATCH_anyEPCClass (comma-separated lists; an EPC ending in * is a prefix), perPage
        (1-10000, default 30) and nextPageToken; the next page's URL comes in Link: <…>; rel="next"."""
        return self._page(request, db, settings, _params(request))

    @get("/epcs/{epc:str}/events", guards=[READ], sync_to_thread=True)
    def epc_events(self, request: Request[Any, Any, Any], epc: FromPath[str], db: Db,
                   settings: Config) -> Response[dict[str, Any]]:
        """Events naming this EPC or EPC class in any role (the same parameters as /epcis/events narrow them)."""
        params = _params(request)
        fixed = {"MATCH_anyEPC" if not epc.startswith("urn:epc:class:") else "MATCH_anyEPCClass": [epc]}
        return self._page(request, db, settings, params, fixed)

    def _page(self, request: Request[Any, Any, Any], db: Any, settings: Any, params: dict[str, list[str]],
              fixed: dict[str, list[str]] | None = None) -> Response[dict[str, Any]]:
        publish_lotline(db, _prefix_length(settings))
        page = query_events(db, params, fixed=fixed)
        headers = {}
        if page.next_token:
            query = [(k, v) for k, vs in params.items() if k != "nextPageToken" for v in vs]
            url = f"{request.url.path}?{urlencode([*query, ('nextPageToken', page.next_token)])}"
            headers["Link"] = f'<{url}>; rel="next"'
        return Response(query_document(page.events, utcnow()), media_type=LD_JSON, headers=headers)
