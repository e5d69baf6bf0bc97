"""The Litestar application factory."""

from __future__ import annotations

import gc
import logging

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from backend import hooks
from backend.audit import service as audit
from backend.audit.controller import AuditController
from backend.auth.controller import AuthController, jwks
from backend.auth.keys import KeyRing
from backend.auth.middleware import BearerAuthMiddleware
from backend.auth.tokens import TokenIssuer
from backend.coding.controller import CODING_CONTROLLERS
from backend.config import Settings
from backend.console.controller import console_router
from backend.db import WalCheckpointer, make_engine
from backend.deps import provide_db, provide_principal, provide_settings
from backend.epcis.controller import EpcisController
from backend.errors import (
    DomainError,
    database_error_handler,
    domain_error_handler,
    http_error_handler,
    unexpected_error_handler,
)
from backend.fsma.controller import FSMA_CONTROLLERS
from backend.gates.controller import GateController
from backend.labels.controller import LABEL_CONTROLLERS
from backend.labels.worker import PrintWorker
from backend.limits import refuse_deep_json
from backend.masterdata.controller import MASTERDATA_CONTROLLERS
from backend.openapi import openapi_config
from backend.orders.controller import ORDER_CONTROLLERS
from backend.outbox.controller import WEBHOOK_CONTROLLERS
from backend.outbox.worker import WebhookWorker
from backend.production.controller import OperationsController, ProductionController
from backend.production.mqtt import subscriber_from_env
from backend.pwa import pwa_router
from backend.quality.controller import QualityController
from backend.recall.controller import RecallCaseController, RecallController
from backend.reports.controller import REPORT_CONTROLLERS
from backend.sync.controller import SyncController
from backend.sync.runtime import SyncRuntime, install_recorder
from backend.trace.controller import TraceController
from backend.verify.controller import VerifyController
from backend.warehouse.controller import EventController
from backend.warnings.controller import WarningController
from backend.warnings.runtime import WarningsRuntime
from sync.server.stream import StreamOptions


@get("/health", exclude_from_auth=True, sync_to_thread=False, tags=["ops"])
def health() -> dict[str, str]:
    """Liveness: answers `{"status": "ok"}` while the process serves requests (no database round trip)."""
    return {"status": "ok"}


def settle_heap() -> None:
    """For a long-running server, once its app is built: what start-up made (modules, routes, schemas, the
    plant's rules) is moved out of the garbage collector's sight, so a full collection under load walks only what
    requests made. Measured on an upload of 10,000 events: a full collection fell from ~100 ms to ~6 ms
    (bench/sync.py)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, engine: Engine | None = None,
               stream_options: StreamOptions | None = None) -> Litestar:
    """The Lotline web app for `settings` (from the environment when not given) on `engine` (made from the
    settings' URL when not given)."""
    return bind(build_app(), settings or Settings.from_env(), engine, stream_options)


def build_app() -> Litestar:
    """The routes, their dependencies, middleware and error handlers: everything that is the same for every
    database. Building it registers ~270 handlers (~0.2 s of CPU); `bind` gives it its database and runtimes, so
    the test suite builds it once per process and binds it to each test's database."""
    return Litestar(
        route_handlers=[health, jwks, AuthController, TraceController, RecallController, EventController,
                        ProductionController, SyncController, *MASTERDATA_CONTROLLERS, RecallCaseController,
                        GateController, OperationsController, QualityController, VerifyController, WarningController,
                        AuditController, *CODING_CONTROLLERS, *LABEL_CONTROLLERS, *REPORT_CONTROLLERS,
                        *FSMA_CONTROLLERS, *WEBHOOK_CONTROLLERS, *ORDER_CONTROLLERS, EpcisController,
                        pwa_router, console_router],
        dependencies={
            "db": Provide(provide_db),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
        },
        middleware=[DefineMiddleware(BearerAuthMiddleware,
                                     exclude=["^/health$", "^/schema", "^/\\.well-known/", "^/api/auth/login$"])],
        exception_handlers={DomainError: domain_error_handler, HTTPException: http_error_handler,
                            DBAPIError: database_error_handler, Exception: unexpected_error_handler},
        before_request=refuse_deep_json,
        openapi_config=openapi_config(),  # descriptions, roles and error responses: backend/openapi.py
    )


def bind(app: Litestar, settings: Settings, engine: Engine | None = None,
         stream_options: StreamOptions | None = None) -> Litestar:
    """Gives `app` (from `build_app`, not running) its settings, database, signing keys and runtimes, replacing
    whatever it had; the runtimes start with the app and stop with it."""
    install_recorder()
    hooks.install()
    audit.install()
    engine = engine or make_engine(settings.url)
    tokens = TokenIssuer(KeyRing(settings.data_dir / "keys"), audience=settings.token_audience,
                         ttl_s=settings.token_ttl_s)
    logging.basicConfig(level=logging.DEBUG if settings.debug else logging.INFO)
    mqtt = subscriber_from_env(engine)  # only when LOTLINE_MQTT_URL is set
    checkpointer = WalCheckpointer(engine) if WalCheckpointer.wanted(engine) else None
    sync = SyncRuntime()  # wakes this app's download streams when ops commit
    warnings = WarningsRuntime(engine)  # rules after each commit through this engine; the sweep if asked for
    printing = PrintWorker(engine)  # sends queued label jobs to their printers, off every request
    webhooks = WebhookWorker(engine)  # writes outbox messages from now on; sends them to subscribed webhooks
    app.state = State({"engine": engine, "settings": settings, "tokens": tokens, "sync_hub": sync.hub,
                       "warnings": warnings, "print_worker": printing, "webhooks": webhooks,
                       "stream_options": stream_options or StreamOptions()})
    app.on_startup = [*([checkpointer.start] if checkpointer else []), *([mqtt.start] if mqtt else []),
                      sync.start, warnings.start, printing.start, webhooks.start]
    app.on_shutdown = [webhooks.stop, printing.stop, warnings.stop, sync.stop, *([mqtt.stop] if mqtt else []),
                       *([checkpointer.stop] if checkpointer else [])]  # Litestar calls these last to first
    app.debug = settings.debug
    return app

