"""Sync over HTTP: the PowerSync-compatible stream and write checkpoints, the upload batch, the token endpoint,
and the QA view of uploads that were refused or resolved as conflicts."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio
import jwt
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import SerializationException
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream
from sqlmodel import select

from backend.auth.guards import allow
from backend.auth.principal import Principal
from backend.deps import Caller, Config, Db
from backend.errors import InvalidInput, NotFound
from backend.openapi import request_body
from backend.sync.errors import TemporaryFailure
from backend.sync.policy import buckets_of
from backend.sync.schemas import SyncIssue, UploadRequest
from backend.sync.service import UploadApplier
from shared_models.enums import Role
from sync.protocol import CrudEntry, ProtocolError, Verdict, encode_line, parse_stream_request, read_batch
from sync.server.compact import compact
from sync.server.store import create_write_checkpoint
from sync.server.stream import SyncStream
from sync.server.tables import RejectedOp

log = logging.getLogger("lotline.sync")


def _token_exp(request: Request[Any, Any, Any]) -> float:
    return float(jwt.decode(request.auth, options={"verify_signature": False})["exp"])


STREAM_REQUEST = request_body("What the client holds: per bucket the last op id it has; `client_id`: the device.", {
    "application/json": Schema(type=OpenAPIType.OBJECT, properties={
        "buckets": Schema(type=OpenAPIType.ARRAY, items=Schema(
            type=OpenAPIType.OBJECT, required=["name"], properties={
                "name": Schema(type=OpenAPIType.STRING, examples=["global[]"]),
                "after": Schema(type=OpenAPIType.INTEGER, minimum=0, maximum=2**63 - 1,
                                description="Last op id held; 0 or left out: from the start.")})),
        "client_id": Schema(type=OpenAPIType.STRING)})})


class SyncController(Controller):
    path = "/"
    tags = ["sync"]

    @post("/sync/stream", status_code=200, operation_class=STREAM_REQUEST)
    async def stream(self, request: Request[Principal, Any, Any], principal: Caller) -> Stream:
        """The handheld download stream (PowerSync protocol): NDJSON lines checkpoint, data,
        checkpoint_complete, token_expires_in. Never ends on its own."""
        try:
            body = await request.json() if (await request.body()) else None
            requested, client_id = parse_stream_request(body)
        except (ProtocolError, ValueError, SerializationException) as exc:
            raise InvalidInput(f"Sync request: {exc}") from exc
        state = request.app.state
        engine = state.engine

        def buckets() -> list[str]:
            from sqlmodel import Session

            with Session(engine) as session:
                return buckets_of(session, principal)

        sync = SyncStream(engine, state.sync_hub, user_id=principal.user_id, client_id=client_id,
                          buckets=buckets, requested=requested, expires_at=_token_exp(request),
                          options=state.stream_options)

        async def ndjson() -> Any:
            async for line in sync.lines():
                yield encode_line(line)

        return Stream(ndjson(), media_type="application/x-ndjson")

    @get("/write-checkpoint2.json")
    async def write_checkpoint(self, request: Request[Principal, Any, Any], principal: Caller,
                               client_id: Annotated[str, QueryParameter(max_length=64)] = "") -> dict[str, Any]:
        """A write checkpoint for the handheld (PowerSync protocol)."""
        engine = request.app.state.engine

        def make() -> int:
            with engine.begin() as conn:
                return create_write_checkpoint(conn, principal.user_id, client_id or "default")

        return {"data": {"write_checkpoint": str(await anyio.to_thread.run_sync(make))}}

    @post("/sync/upload", status_code=200, guards=[allow(Role.QA_MANAGER, Role.INSPECTOR, Role.PICKER,
                                                         Role.ENGINEER)])
    async def upload(self, data: JSONBody[UploadRequest], request: Request[Principal, Any, Any],
                     principal: Caller, settings: Config) -> Response[dict[str, Any]]:
        """The handheld's upload batch (PowerSync CRUD entries `{op_id, op, type, id, tx_id, data}`); answers a
        verdict per op, committed before answering; idempotent on (client, op_id)."""
        try:
            read = read_batch(data.batch)  # a malformed entry with a readable op_id is refused on its own
        except ProtocolError as exc:
            raise InvalidInput(f"Upload batch: {exc}") from exc
        batch = [e for e in read if isinstance(e, CrudEntry)]
        for refused in (v for v in read if isinstance(v, Verdict)):
            log.warning("upload from %s: op %s refused: %s", data.client_id, refused.op_id, refused.reason)
        applier = UploadApplier(request.app.state.engine, principal, data.client_id,
                                chunk_ops=settings.upload_chunk_ops)
        try:
            applied = iter(await anyio.to_thread.run_sync(applier.apply, batch))
        except TemporaryFailure as exc:
            return Response({"code": "temporarily_unavailable", "detail": f"Try again shortly: {exc}"},
                            status_code=503, headers={"Retry-After": "2"})
        verdicts = [e if isinstance(e, Verdict) else next(applied) for e in read]
        return Response({"verdicts": [v.to_wire() for v in verdicts]}, status_code=200)

    @get("/api/auth/token", tags=["auth"])
    async def token(self, request: Request[Principal, Any, Any], principal: Caller,
                    settings: Config) -> dict[str, str]:
        """Credentials for a PowerSync client: a fresh token and the endpoint that serves the stream."""
        endpoint = settings.sync_endpoint or str(request.base_url).rstrip("/")
        return {"token": request.app.state.tokens.issue(principal), "endpoint": endpoint}

    @get("/api/sync/issues", guards=[allow(Role.QA_MANAGER)], sync_to_thread=True)
    def issues(self, db: Db, resolution: Annotated[str, QueryParameter(max_length=32)] = "open") -> list[SyncIssue]:
        """Sync issues: offline writes refused or recorded as exceptions for QA."""
        rows = db.exec(select(RejectedOp).where(RejectedOp.resolution == resolution)
                       .order_by(RejectedOp.received_at.desc()).limit(500))  # type: ignore[attr-defined]
        return [SyncIssue(**r.model_dump()) for r in rows]

    @post("/api/sync/issues/{issue_id:str}/acknowledge", guards=[allow(Role.QA_MANAGER)], status_code=200,
          sync_to_thread=True)
    def acknowledge(self, issue_id: FromPath[str], db: Db) -> SyncIssue:
        """Marks a sync issue as seen by QA."""
        row = db.get(RejectedOp, issue_id)
        if row is None:
            raise NotFound("sync issue", issue_id)
        row.resolution = "acknowledged"
        db.add(row)
        db.commit()
        return SyncIssue(**row.model_dump())

    @post("/api/sync/compact", guards=[allow()], status_code=200, sync_to_thread=True)
    def compact(self, request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
        """Compacts the sync op log."""
        with request.app.state.engine.begin() as conn:
            return [{"bucket": r.bucket, "moved": r.moved, "folded": r.folded} for r in compact(conn)]


__all__ = ["SyncController"]
