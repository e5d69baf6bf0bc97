"""A log-in the server ended (tokens revoked, password changed) sends the worker to log in again; the queued
writes wait in the handheld's store and go up after the new log-in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.models import LoginThrottle
from backend.auth.service import revoke_tokens, set_password
from mobile.viewmodels.context import Handheld
from mobile.viewmodels.login import LoginViewModel
from sync.client import HttpConnector, LocalStore, LoginRequired, SyncClient
from tests.aio import Run, run_fixture  # noqa: F401
from tests.sync.live import LiveServer, events_on_server, handheld_fixture, live_fixture, receive, sync_until_quiet

__all__ = ["handheld_fixture", "live_fixture"]


async def wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    """Waits on the event loop the handheld's sync task runs on."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


async def start_sync(hh: Handheld, password: str) -> None:
    """Starts the handheld's sync task on the test's event loop, which runs whenever the test waits on it."""
    hh.start_sync(password)


def queue(store: LocalStore, *lots: str) -> list[str]:
    ids = []
    for lot in lots:
        event_id, data = receive(lot)
        store.record("event_command", event_id, data)
        ids.append(event_id)
    return ids


def test_a_revoked_token_keeps_the_queue_and_asks_for_a_new_login(handheld, live: LiveServer,  # type: ignore[no-untyped-def]
                                                                   engine: Engine, run: Run[Any]) -> None:
    client: SyncClient = handheld("picker", name="revoked")
    run(sync_until_quiet(client))
    with Session(engine) as session:
        revoke_tokens(session, "picker")
    ids = queue(client.store, "RV-1", "RV-2")
    with pytest.raises(LoginRequired):
        run(client.upload())
    assert client.store.pending_count() == 2
    assert client.status().login_required
    assert not set(ids) & set(events_on_server(engine))

    # The worker logs in again: a new connector on the same store file, and the queue drains.
    again = SyncClient(LocalStore(client.store.path), HttpConnector(live.url, "picker", "picker-pass-1"),
                       backoff=client.backoff)
    try:
        run(sync_until_quiet(again))
        assert again.store.pending_count() == 0 and not again.status().login_required
    finally:
        run(again.aclose())
        run(again.connector.transport.aclose())  # type: ignore[attr-defined]
    assert set(ids) <= set(events_on_server(engine))


def test_an_old_password_is_not_retried_into_a_lockout(handheld, engine: Engine,  # type: ignore[no-untyped-def]
                                                       run: Run[Any]) -> None:
    client: SyncClient = handheld("picker", name="old-password")
    run(sync_until_quiet(client))
    with Session(engine) as session:
        set_password(session, "picker", "picker-pass-2")
    queue(client.store, "PW-1")
    for _ in range(10):  # what the sync loop's retries would do
        with pytest.raises(LoginRequired):
            run(client.upload())
    with Session(engine) as session:
        failures = session.exec(select(LoginThrottle.failures).where(LoginThrottle.key == "user:picker")).all()
    assert sum(failures) <= 1
    assert client.store.pending_count() == 1


def test_the_handheld_sends_the_worker_to_log_in_and_drains_the_queue_after(live: LiveServer, engine: Engine,
                                                                            tmp_path: Path, run: Run[Any]) -> None:
    login = LoginViewModel(tmp_path / "handheld", live.url)
    login.set_username("picker")
    login.set_password("picker-pass-1")
    hh = run(login.submit())
    assert hh is not None
    run(start_sync(hh, "picker-pass-1"))
    run(wait_for(lambda: hh.sync_status().online))
    with Session(engine) as session:
        revoke_tokens(session, "picker")
    ids = queue(hh.store, "HH-1", "HH-2")
    run(wait_for(lambda: hh.login_required))
    assert hh.store.pending_count() == 2
    run(hh.aclose())

    login.set_password("picker-pass-1")
    again = run(login.submit())
    assert again is not None and again.store.pending_count() == 2  # the same user's store file
    run(start_sync(again, "picker-pass-1"))
    try:
        run(wait_for(lambda: again.store.pending_count() == 0 and set(ids) <= set(events_on_server(engine))))
        assert not again.login_required
    finally:
        run(again.aclose())
