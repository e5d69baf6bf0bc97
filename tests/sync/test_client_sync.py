"""The sync client against the real app on a socket, on SQLite and PostgreSQL: what a handheld sees and keeps."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from backend.auth.principal import SYSTEM
from backend.config import Settings
from backend.warehouse.warehouse_service import WarehouseService
from shared_models import commands as cmd
from sync.client import AuthExpired, Backoff, SyncClient, SyncUnavailable
from sync.server.stream import StreamOptions
from tests.aio import Run, run_fixture  # noqa: F401
from tests.backend.story import tell_story
from tests.factories import Plant, at, eid
from tests.sync.live import (  # noqa: F401 - the fixtures `live` and `handheld`
    LiveServer,
    client_rows,
    command,
    events_on_server,
    handheld_fixture,
    live_fixture,
    receive,
    server_rows_for,
)

Handheld = Callable[..., SyncClient]


async def until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Waits, on the loop the client runs on, until `condition()` holds or `timeout_s` passed; returns it."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return condition()


def test_a_first_sync_brings_down_every_row_of_the_users_buckets(run: Run[Any], handheld: Handheld, engine: Engine,
                                                                  session: Session) -> None:
    tell_story(session)
    picker = handheld("picker")
    report = run(picker.sync_once())
    assert report.applied and report.downloads[0].ops > 50  # more than one page of 50
    assert client_rows(picker.store) == server_rows_for(engine, "picker")
    status = picker.status()
    assert status.online and status.pending == 0 and status.last_synced_at and status.resyncs == 0


def test_offline_events_upload_once_and_come_back_as_rows(run: Run[Any], handheld: Handheld, engine: Engine) -> None:
    picker = handheld("picker")
    run(picker.sync_once())
    ids = [picker.store.record("event_command", *receive(f"L{n}", minute=n)) for n in range(20)]
    assert len(ids) == 20 and picker.status().pending == 20
    report = run(picker.sync_once())
    assert report.upload is not None and report.upload.applied == 20 and report.upload.write_checkpoint
    assert picker.status().pending == 0
    assert picker.store.db.execute("SELECT count(*) FROM overlay").fetchone()[0] == 0
    assert len(picker.store.query("event")) == 20
    assert client_rows(picker.store) == server_rows_for(engine, "picker")


def test_a_rejected_write_waits_in_the_inbox_with_its_reason_and_never_blocks_the_queue(run: Run[Any],
        handheld: Handheld, engine: Engine) -> None:
    picker = handheld("picker")
    bad = picker.store.record("event_command", *receive("BAD", qty=-1))
    picker.store.record("event_command", *receive("GOOD"))
    run(picker.sync_once())
    [rejected] = picker.status().rejected
    assert (rejected.op_id, rejected.code) == (bad, "invalid_command") and "qty" in rejected.reason
    assert picker.status().pending == 0 and len(events_on_server(engine)) == 1
    assert picker.store.query("event_command") == []  # the refused write no longer shows as done
    again = picker.retry_rejected(bad)  # same data: refused again, under its new op id
    run(picker.sync_once())
    assert [r.op_id for r in picker.status().rejected] == [again]
    picker.discard_rejected(again)
    assert picker.status().rejected == []


def test_a_pick_of_a_lot_held_meanwhile_comes_back_as_a_notice(run: Run[Any], handheld: Handheld,
                                                               session: Session) -> None:
    WarehouseService(session, SYSTEM).receive(cmd.Receive(id=eid(), occurred_at=at(0), supplier="SUP-B",
                                                           item="PCB-01", lot_no="P1", qty=10, location="S1-A-01"))
    picker, qa = handheld("picker"), handheld("qa")
    run(picker.sync_once())
    picker.store.record("event_command", *command("pick", 6, unit="PCB-01/P1", qty=4, from_location="S1-A-01",
                                                  to_location="S1-SHIP"))
    qa.store.record("event_command", *command("status", 5, unit="PCB-01/P1", action="hold", reason="supplier alert"))
    run(qa.sync_once())
    run(picker.sync_once())
    [notice] = picker.status().notices
    assert notice.code == "gate_violated_offline" and "on hold" in notice.reason
    assert picker.status().rejected == [] and picker.status().pending == 0


def test_a_master_data_edit_shows_at_once_and_does_not_flicker_back(run: Run[Any], handheld: Handheld,
                                                                    plant: Plant) -> None:
    qa, admin = handheld("qa"), handheld("admin")
    run(qa.sync_once())
    run(admin.sync_once())
    item_id = plant.items["RESIN-01"].id
    seen = qa.store.get("item", item_id)
    assert seen is not None
    qa.store.record("item", item_id, {"name": "PC resin, natural", "version": seen["version"]}, op="PATCH")
    admin.store.record("item", item_id, {"spec": "UL94 V-0", "version": seen["version"]}, op="PATCH")
    assert qa.store.get("item", item_id)["name"] == "PC resin, natural"  # type: ignore[index]
    run(qa.sync_once())
    assert qa.store.get("item", item_id)["name"] == "PC resin, natural"  # type: ignore[index]
    run(admin.sync_once())  # written over the newer version: applied, field by field, and flagged
    [notice] = admin.status().notices
    assert notice.code == "stale_version"
    run(qa.sync_once())
    for client in (qa, admin):
        row = client.store.get("item", item_id)
        assert row is not None and (row["name"], row["spec"]) == ("PC resin, natural", "UL94 V-0")


class CountingConnector:
    def __init__(self, inner: object, first_token: str | None) -> None:
        self.inner = inner
        self.first_token = first_token
        self.calls = 0

    async def fetch_credentials(self) -> tuple[str, str]:
        self.calls += 1
        endpoint, token = await self.inner.fetch_credentials()  # type: ignore[attr-defined]
        if self.first_token is not None and (self.calls == 1 or self.first_token == "always"):
            return endpoint, "not-a-valid-token"
        return endpoint, token


def test_a_refused_token_is_replaced_once_through_the_connector(run: Run[Any], handheld: Handheld) -> None:
    picker = handheld("picker")
    picker.connector = CountingConnector(picker.connector, first_token="once")
    picker.store.record("event_command", *receive("L1"))
    run(picker.sync_once())
    assert picker.connector.calls == 2 and picker.status().pending == 0
    locked_out = handheld("picker", name="locked-out")
    locked_out.connector = CountingConnector(locked_out.connector, first_token="always")
    locked_out.store.record("event_command", *receive("L2"))
    with pytest.raises(AuthExpired):
        run(locked_out.sync_once())
    assert locked_out.status().pending == 1 and not locked_out.status().online


def test_a_server_that_is_down_keeps_the_queue_and_backs_off_with_capped_jitter(run: Run[Any], handheld: Handheld,
                                                                                live: LiveServer) -> None:
    slept: list[float] = []
    picker = handheld("picker", backoff=Backoff(base_s=0.5, max_s=3.0, max_attempts=6, sleep=slept.append,
                                                rand=lambda: 1.0))
    run(picker.sync_once())
    picker.store.record("event_command", *receive("L1"))
    live.stop(force=True)
    with pytest.raises(SyncUnavailable):
        run(picker.sync_once())
    assert slept == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert picker.status().pending == 1 and not picker.status().online and picker.status().last_error
    live.start()
    run(picker.sync_once())
    assert picker.status().pending == 0 and picker.status().online


def test_a_bucket_that_fails_its_checksum_is_downloaded_again(run: Run[Any], handheld: Handheld, engine: Engine,
                                                              session: Session) -> None:
    tell_story(session)
    picker = handheld("picker")
    run(picker.sync_once())
    picker.store.db.execute("UPDATE oplog SET checksum = checksum + 1 WHERE rowid = (SELECT max(rowid) FROM oplog)")
    run(picker.sync_once())
    assert picker.status().resyncs == 1
    assert client_rows(picker.store) == server_rows_for(engine, "picker")


def test_a_client_behind_a_compaction_still_verifies_and_converges(run: Run[Any], handheld: Handheld, engine: Engine,
                                                                   live: LiveServer) -> None:
    picker = handheld("picker")
    picker.store.record("event_command", *receive("L1", qty=50))
    run(picker.sync_once())
    for n in range(6):  # the lot's stock row is rewritten commit after commit: superseded ops to compact
        picker.store.record("event_command", *command("move", 10 + n, unit="PCB-01/L1", qty=1,
                                                      from_location="S1-A-01" if n % 2 == 0 else "S1-A-02",
                                                      to_location="S1-A-02" if n % 2 == 0 else "S1-A-01"))
        run(picker.upload())  # one upload each (moves uploaded together share a commit and one op per row)
    with httpx.Client(base_url=live.url) as http:
        token = http.post("/api/auth/login", json={"username": "admin", "password": "admin-pass-1"}).json()
        folded = http.post("/api/sync/compact", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert sum(r["moved"] for r in folded) > 0
    run(picker.sync_once())
    late = handheld("picker", name="late")
    run(late.sync_once())
    for client in (picker, late):
        assert client_rows(client.store) == server_rows_for(engine, "picker")
        assert client.status().resyncs == 0


def test_run_follows_the_open_stream_and_uploads_as_writes_are_recorded(run: Run[Any], engine: Engine,
                                                                        settings: Settings,
                                                                        plant: Plant, handheld: Handheld) -> None:
    with LiveServer(engine, settings, StreamOptions(poll_s=0.2, keepalive_s=1.0)) as streaming:
        picker = handheld("picker", url=streaming.url)
        event_id, data = receive("L1")

        async def record_and_wait() -> bool:
            stop = asyncio.Event()
            runner = asyncio.create_task(picker.run(stop, upload_poll_s=0.2))
            picker.store.record("event_command", event_id, data)
            await until(lambda: picker.store.get("event", event_id) is not None, 15)
            stop.set()
            await asyncio.wait_for(runner, 10)
            return runner.done()

        assert run(record_and_wait())
        assert picker.store.get("event", event_id) is not None and picker.status().pending == 0
        assert client_rows(picker.store) == server_rows_for(engine, "picker")


def test_run_reports_online_while_its_stream_stays_open_and_offline_when_the_server_goes(run: Run[Any],
        engine: Engine, settings: Settings, plant: Plant, handheld: Handheld) -> None:
    streaming = LiveServer(engine, settings, StreamOptions(poll_s=0.2, keepalive_s=1.0)).start()
    picker = handheld("picker", url=streaming.url)

    async def watch() -> bool:
        stop = asyncio.Event()
        runner = asyncio.create_task(picker.run(stop, upload_poll_s=0.2, reconnect_s=0.1))
        try:
            # Online from the stream's first line; synced once its first checkpoint is applied, a moment later.
            await until(lambda: picker.status().online and bool(picker.status().last_synced_at), 20)
            assert picker.status().online and picker.status().last_synced_at  # the stream is still open here
            await asyncio.to_thread(streaming.stop, force=True)  # the server's thread, not the client's loop
            # its own wait: a slow first phase must not shorten this one
            await until(lambda: not picker.status().online, 20)
            assert not picker.status().online and picker.status().last_error
        finally:
            stop.set()
            await asyncio.wait_for(runner, 10)
            streaming.stop()
        return runner.done()

    assert run(watch())
