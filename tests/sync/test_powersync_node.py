"""The OFFICIAL PowerSync client (@powersync/node, from npm) against the real backend over HTTP.

The backend runs under uvicorn on a loopback port in a thread, with the stream in its normal long-lived mode;
`powersync_node/conformance.mjs` logs in, syncs, uploads one receive through the SDK's upload queue and waits for
the new lot to come back down the stream. We then check its JSON against the database: every downloaded bucket
matches the server's checkpoint (the SDK applies no checkpoint whose checksums fail), the uploaded event stored
exactly once, the lot exists and reached the client. Also: a distributor's buckets, a handheld coming back after
compaction (MOVE, CLEAR) and a deletion (REMOVE), token renewal on short-lived tokens, and a control run against a
corrupted bucket checksum, which shows the SDK really checks.

Needs node and npm; `npm ci` runs once into powersync_node/ when its node_modules is missing (about 2 minutes on a
fresh machine: better-sqlite3's prebuilt binary can't be downloaded there, so node-gyp compiles it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import uvicorn
from sqlalchemy import func, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.app import create_app
from backend.auth.service import principal_of
from backend.config import Settings
from backend.sync.policy import buckets_of
from shared_models.masterdata import Customer, Equipment, Item, Location, Site, Supplier
from shared_models.trace import ContainerContent, Event, StockOnHand, Unit
from sync.server.compact import compact
from sync.server.store import read_checkpoint
from sync.server.stream import StreamOptions
from sync.server.tables import UploadReceipt
from tests.backend.story import Story, tell_story
from tests.factories import Plant

HERE = Path(__file__).parent / "powersync_node"
SCRIPT = HERE / "conformance.mjs"
NPM_CI_TIMEOUT_S = 1200
RUN_TIMEOUT_S = 60

pytestmark = pytest.mark.skipif(not (shutil.which("node") and shutil.which("npm")),
                                reason="needs node and npm to run the official @powersync/node client")


# -- the client, installed once per session ----------------------------------------------------------------------


def _installed() -> bool:
    return (HERE / "node_modules" / "@powersync" / "node" / "package.json").exists() and \
        (HERE / "node_modules" / "better-sqlite3" / "build" / "Release" / "better_sqlite3.node").exists()


@pytest.fixture(scope="session")
def powersync_node() -> Path:
    if not _installed():
        started = time.monotonic()
        env = dict(os.environ)
        # better-sqlite3's prebuilt binary comes from GitHub, which CI can't reach: node-gyp then compiles it,
        # and needs Node's headers. Point it at the installed ones so it doesn't try to download them either.
        prefix = Path(shutil.which("node") or "node").resolve().parent.parent
        if (prefix / "include" / "node" / "node_version.h").exists():
            env.setdefault("npm_config_nodedir", str(prefix))
        try:
            r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                               timeout=NPM_CI_TIMEOUT_S, env=env)
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm ci in {HERE} took more than {NPM_CI_TIMEOUT_S} s")
        if r.returncode != 0 or not _installed():
            pytest.fail(f"npm ci in {HERE} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
        print(f"\n[powersync_node] npm ci took {time.monotonic() - started:.0f} s")
    return HERE


# -- the backend on a real port ------------------------------------------------------------------------------------


@dataclass
class LiveBackend:
    url: str
    engine: Engine


@pytest.fixture
def start_backend(engine: Engine, settings: Settings, plant: Plant) -> Iterator[Any]:
    """start_backend(settings=None, stream_options=None) → LiveBackend; stopped after the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(custom: Settings | None = None, stream_options: StreamOptions | None = None) -> LiveBackend:
        # No once=True: the stream stays open and follows commits, as in production.
        app = create_app(custom or settings, engine, stream_options=stream_options)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                               timeout_graceful_shutdown=3))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="lotline-uvicorn",
                                  daemon=True)
        thread.start()
        servers.append((server, thread, sock))
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the backend did not start under uvicorn")
            time.sleep(0.05)
        return LiveBackend(url=f"http://127.0.0.1:{port}", engine=engine)

    yield start
    for server, thread, sock in servers:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def live_backend(start_backend: Any) -> LiveBackend:
    return start_backend()


def run_client(client_dir: Path, backend: LiveBackend, tmp_path: Path, user: str,
               receive: dict[str, Any] | None = None, timeout_s: int = RUN_TIMEOUT_S,
               db: Path | None = None, hold_s: int = 0) -> tuple[int, dict[str, Any], str]:
    """Runs conformance.mjs; returns its exit code, its JSON lines keyed by step, and its stderr.

    With `db`, the client keeps that database if it exists (a handheld coming back), else starts it."""
    db_file = db or tmp_path / f"{user}-{uuid4().hex[:8]}.db"
    cmd = ["node", str(client_dir / SCRIPT.name), "--backend", backend.url, "--user", user,
           "--password", f"{user}-pass-1", "--db", str(db_file), "--timeout", str(timeout_s)]
    if db is not None and db.exists():
        cmd.append("--keep-db")
    if receive:
        cmd += ["--receive", json.dumps(receive)]
    if hold_s:
        cmd += ["--hold", str(hold_s)]
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    try:
        r = subprocess.run(cmd, cwd=client_dir, capture_output=True, text=True, timeout=timeout_s + 15, env=env)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"conformance.mjs hung past {timeout_s + 15} s; stderr:\n{(exc.stderr or '')[-3000:]}")
    steps: dict[str, Any] = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            obj = json.loads(line)
            steps[obj["step"]] = obj
    return r.returncode, steps, r.stderr


def _ok(code: int, steps: dict[str, Any], stderr: str) -> None:
    assert code == 0 and "done" in steps, (f"conformance.mjs exited {code}: "
                                           f"{json.dumps(steps.get('failed'), indent=1)}\nstderr:\n{stderr[-4000:]}")


# -- what the server says each user should have --------------------------------------------------------------------


def _count(session: Session, stmt: Any) -> int:
    return int(session.exec(stmt).one())


def expected_rows(session: Session, plant: Plant, user: str) -> dict[str, int]:
    """Row counts per synced table for `user`, from the domain tables (not the op log)."""
    session.expire_all()
    u = plant.users[user]
    counts = {t: 0 for t in ("item", "site", "supplier", "customer", "location", "equipment", "unit",
                             "stock_on_hand", "container_content", "event")}
    counts["item"] = _count(session, select(func.count()).select_from(Item))
    if u.customer_id:
        shipped = session.connection().execute(text(
            "SELECT COUNT(DISTINCT l.unit_id) FROM event_line l JOIN event e ON e.id = l.event_id "
            "WHERE e.type = 'ship' AND e.customer_id = :c"), {"c": u.customer_id}).scalar_one()
        counts["unit"] = int(shipped)
        return counts
    site = u.site_id
    counts["site"] = _count(session, select(func.count()).select_from(Site))
    counts["supplier"] = _count(session, select(func.count()).select_from(Supplier))
    counts["customer"] = _count(session, select(func.count()).select_from(Customer))

    def at_site(model: Any, column: Any) -> int:
        stmt = select(func.count()).select_from(model)
        return _count(session, stmt.where(column == site) if site else stmt)

    counts["location"] = at_site(Location, Location.site_id)
    counts["equipment"] = at_site(Equipment, Equipment.site_id)
    counts["unit"] = at_site(Unit, Unit.site_id)
    stock = select(func.count()).select_from(StockOnHand).join(Location, Location.id == StockOnHand.location_id)
    counts["stock_on_hand"] = _count(session, stock.where(Location.site_id == site) if site else stock)
    content = select(func.count()).select_from(ContainerContent).join(Unit, Unit.id == ContainerContent.container_id)
    counts["container_content"] = _count(session, content.where(Unit.site_id == site) if site else content)
    counts["event"] = _count(session, select(func.count()).select_from(Event).where(Event.user_id == u.id))
    return counts


def server_buckets(engine: Engine, session: Session, plant: Plant, user: str) -> dict[str, int]:
    """Bucket → op count in the server's current checkpoint for `user`."""
    names = buckets_of(session, principal_of(plant.users[user]))
    with engine.connect() as conn:
        checkpoint = read_checkpoint(conn, names)
    return {n: b.count for n, b in checkpoint.buckets.items()}


def assert_buckets_accepted(steps: dict[str, Any], server: dict[str, int]) -> None:
    """The SDK only records a bucket's count after the checkpoint's checksums matched what it downloaded."""
    done = steps["done"]
    assert done["checksum_problems"] == [] and done["status"]["hasSynced"] is True, done
    assert done["status"]["downloadError"] is None, done
    client = {b["name"]: b["count_at_last"] for b in steps["first_sync"]["buckets"] if not b["name"].startswith("$")}
    assert set(client) <= set(server), (client, server)
    assert client == {n: c for n, c in server.items() if c}, (client, server)


# -- tests ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def story(session: Session, plant: Plant) -> Story:
    return tell_story(session)


def test_official_client_syncs_uploads_and_gets_its_receive_back(powersync_node: Path, live_backend: LiveBackend,
                                                                 session: Session, plant: Plant, story: Story,
                                                                 tmp_path: Path) -> None:
    before_rows = expected_rows(session, plant, "picker")
    before_buckets = server_buckets(live_backend.engine, session, plant, "picker")
    receive = {"supplier": "SUP-B", "item": "PCB-01", "lot_no": f"PS-{uuid4().hex[:6].upper()}", "qty": 7,
               "location": "S1-A-01"}

    code, steps, stderr = run_client(powersync_node, live_backend, tmp_path, "picker", receive)
    _ok(code, steps, stderr)

    # first sync: the picker's buckets, complete, checksums accepted
    assert steps["first_sync"]["counts"] == before_rows
    assert before_rows["unit"] > 0 and before_rows["stock_on_hand"] > 0 and before_rows["container_content"] > 0
    assert_buckets_accepted(steps, before_buckets)

    # the upload: one PUT of event_command, answered applied, completed by the SDK
    event_id = steps["queued"]["event_id"]
    (upload,) = steps["uploaded"]["uploads"]
    (entry,) = upload["batch"]
    assert entry["op"] == "PUT" and entry["type"] == "event_command" and entry["id"] == event_id
    assert entry["data"]["kind"] == "receive" and isinstance(entry["op_id"], int)
    assert [v["status"] for v in upload["verdicts"]] == ["applied"]
    assert steps["uploaded"]["queue"] == 0

    # landed exactly once on the server
    session.expire_all()
    events = session.exec(select(Event).where(Event.id == event_id)).all()
    assert len(events) == 1 and events[0].type == "receive" and events[0].user_id == plant.users["picker"].id
    code_ = f"PCB-01/{receive['lot_no']}"
    (unit,) = session.exec(select(Unit).where(Unit.code == code_)).all()
    receipts = session.exec(select(UploadReceipt).where(UploadReceipt.client_id == upload["client_id"])).all()
    assert [(r.op_id, r.status) for r in receipts] == [(entry["op_id"], "applied")]

    # and came back to the client through the stream (after the write checkpoint)
    back = steps["round_trip"]
    assert back["unit"]["id"] == unit.id and back["unit"]["lot_no"] == receive["lot_no"]
    assert back["event"]["id"] == event_id
    assert [s["qty"] for s in back["stock"]] == [7]

    # final state equals the server's rows for the picker; a reconnect resumed without re-downloading changes
    after_rows = expected_rows(session, plant, "picker")
    assert steps["done"]["counts"] == after_rows == steps["resumed"]["counts"]
    assert after_rows["unit"] == before_rows["unit"] + 1 and after_rows["event"] == before_rows["event"] + 1


def test_official_client_as_distributor_gets_only_units_shipped_to_them(powersync_node: Path,
                                                                        live_backend: LiveBackend, session: Session,
                                                                        plant: Plant, story: Story,
                                                                        tmp_path: Path) -> None:
    expected = expected_rows(session, plant, "dist")
    assert expected["unit"] == 3  # the carton and the two meters in it
    code, steps, stderr = run_client(powersync_node, live_backend, tmp_path, "dist")
    _ok(code, steps, stderr)
    assert steps["first_sync"]["counts"] == expected == steps["done"]["counts"]
    assert_buckets_accepted(steps, server_buckets(live_backend.engine, session, plant, "dist"))


def test_official_client_refuses_a_bucket_whose_checksum_is_wrong(powersync_node: Path, live_backend: LiveBackend,
                                                                  session: Session, tmp_path: Path) -> None:
    """Control: the same client against a server that lies about one bucket's checksum never finishes a sync."""
    with live_backend.engine.begin() as conn:
        conn.execute(text("UPDATE ps_bucket SET checksum = (checksum + 1) % 4294967296 WHERE name = 'items[]'"))
    code, steps, _ = run_client(powersync_node, live_backend, tmp_path, "picker", timeout_s=30)
    assert code != 0 and "first_sync" not in steps, steps
    assert "Checksums didn't match" in steps["failed"]["error"] and "items[]" in steps["failed"]["error"], steps


def test_official_client_follows_compaction_moves_and_clears(powersync_node: Path, live_backend: LiveBackend,
                                                              session: Session, plant: Plant, story: Story,
                                                              tmp_path: Path) -> None:
    """Every item renamed and one stock row deleted, then compacted: the old PUTs become MOVEs and fold into one
    CLEAR, the deletion is a REMOVE. A handheld synced before (past the CLEAR, holding the deleted row) and a new
    one (which gets the CLEAR, and a REMOVE for a row it never had) both end with the server's checksums and
    rows."""
    kept = tmp_path / "handheld.db"
    code, steps, stderr = run_client(powersync_node, live_backend, tmp_path, "picker", db=kept)
    _ok(code, steps, stderr)
    stock_before = steps["done"]["counts"]["stock_on_hand"]
    for item in session.exec(select(Item)).all():
        item.name = f"{item.name} (rev B)"
        session.add(item)
    gone = session.exec(select(StockOnHand).join(Location, Location.id == StockOnHand.location_id)
                        .where(Location.site_id == plant.sites["S1"].id)).first()
    assert gone is not None
    session.delete(gone)
    session.commit()
    with live_backend.engine.begin() as conn:
        report = {r.bucket: r for r in compact(conn)}
    assert report["items[]"].moved == len(plant.items) and report["items[]"].folded == len(plant.items) - 1
    expected_items = sorted((i.part_no, i.name) for i in session.exec(select(Item)).all())
    server = server_buckets(live_backend.engine, session, plant, "picker")
    rows = expected_rows(session, plant, "picker")
    for db in (kept, None):  # the handheld coming back, then a new one
        code, steps, stderr = run_client(powersync_node, live_backend, tmp_path, "picker", db=db)
        _ok(code, steps, stderr)
        assert steps["done"]["counts"] == rows and rows["stock_on_hand"] == stock_before - 1
        assert sorted((i["part_no"], i["name"]) for i in steps["done"]["items"]) == expected_items
        assert_buckets_accepted(steps, server)


def test_official_client_renews_its_token_and_keeps_syncing(powersync_node: Path, start_backend: Any,
                                                            settings: Settings, session: Session, plant: Plant,
                                                            tmp_path: Path) -> None:
    """Tokens of 40 s: once the stream's `token_expires_in` drops to 30 s the SDK fetches new credentials from
    /api/auth/token and reconnects with them (the server cancels the old stream when the client leaves); the
    upload and its round trip still work afterwards."""
    backend = start_backend(replace(settings, token_ttl_s=40), StreamOptions(keepalive_s=1))
    receive = {"supplier": "SUP-B", "item": "PCB-01", "lot_no": "PS-RENEW", "qty": 3, "location": "S1-A-01"}
    code, steps, stderr = run_client(powersync_node, backend, tmp_path, "picker", receive, hold_s=14)
    _ok(code, steps, stderr)
    held = steps["held"]
    assert held["credentials_fetched"] >= 2 and held["status"]["connected"] and held["download_errors"] == [], held
    assert steps["round_trip"]["unit"]["lot_no"] == "PS-RENEW"
    assert steps["done"]["counts"] == expected_rows(session, plant, "picker")
