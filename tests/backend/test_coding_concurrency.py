"""Numbers taken at once by many clients through several backend processes on one database (real uvicorn servers,
each a process of its own): never a number twice; a gap-free rule hands out 1..N with no hole. SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from backend.auth.principal import SYSTEM
from backend.coding.models import IssuedNumber, NumberCounter, NumberingRule, NumberKind
from backend.coding.numbering_service import NumberingService
from backend.coding.schemas import NumberingRuleCreate
from backend.config import Settings
from tests.conftest import POSTGRES_URL
from tests.factories import Plant
from tests.sync.live import free_port

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 3
CLIENTS = 8
REQUESTS = 12  # per client

SERVE = textwrap.dedent("""
    import sys
    from pathlib import Path
    import uvicorn
    from backend.app import create_app
    from backend.config import Settings
    from backend.db import make_engine

    url, schema, data_dir, port = sys.argv[1], sys.argv[2] or None, sys.argv[3], int(sys.argv[4])
    app = create_app(Settings(data_dir=Path(data_dir)), make_engine(url, schema=schema))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
""")


class Backend:
    """The app served by uvicorn in a process of its own, on the test's database and data folder."""

    def __init__(self, engine: Engine, settings: Settings, log: Path) -> None:
        if engine.dialect.name == "sqlite":
            url, schema = engine.url.render_as_string(hide_password=False), ""
        else:
            with engine.connect() as conn:
                url, schema = POSTGRES_URL, conn.execute(text("SELECT current_schema()")).scalar_one()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVE, url, schema, str(settings.data_dir), str(self.port)], cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    def up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"backend exited: {self.log.read_text()}")
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def backends(engine: Engine, settings: Settings, plant: Plant, tmp_path: Path) -> Iterator[list[Backend]]:
    started = [Backend(engine, settings, tmp_path / f"backend-{i}.log") for i in range(PROCESSES)]
    try:
        deadline = time.monotonic() + 180  # three interpreters importing the app on a busy machine
        while not all(b.up() for b in started):
            assert time.monotonic() < deadline, "the backends did not answer /health"
            time.sleep(0.1)
        yield started
    finally:
        for b in started:
            b.stop()


def login(url: str, username: str = "picker") -> dict[str, str]:
    r = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": f"{username}-pass-1"},
                   timeout=30)
    assert r.status_code == 200, r.text
    return {"authorization": f"Bearer {r.json()['access_token']}"}


def rule(engine: Engine, code: str, item: str = "MTR-01", **fields: Any) -> None:
    with Session(engine, expire_on_commit=False) as session:
        NumberingService(session, SYSTEM).create_rule(NumberingRuleCreate(
            code=code, kind=NumberKind.SERIAL, item=item, width=6,
            pattern=[{"part": "literal", "value": code}, {"part": "seq"}], **fields))  # type: ignore[list-item]


def all_at_once(backends: list[Backend], headers: dict[str, str],
                request: Any) -> list[httpx.Response]:
    """CLIENTS threads, each on its own connection to one of the backends in turn, released together; each sends
    REQUESTS requests one after the other. `request(client, n)` → (path, body)."""
    barrier = threading.Barrier(CLIENTS)
    answers: list[list[httpx.Response]] = [[] for _ in range(CLIENTS)]

    def client(i: int) -> None:
        with httpx.Client(base_url=backends[i % len(backends)].url, headers=headers, timeout=60) as http:
            barrier.wait()
            for n in range(REQUESTS):
                path, body = request(i, n)
                answers[i].append(http.post(path, json=body))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [a for per_client in answers for a in per_client]


def issued(engine: Engine, code: str) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rule_id = session.exec(select(NumberingRule.id).where(NumberingRule.code == code)).one()
        return [(n, s) for n, s in session.exec(select(IssuedNumber.number, IssuedNumber.seq)
                                                .where(IssuedNumber.rule_id == rule_id))]


def test_numbers_taken_at_once_through_several_processes(backends: list[Backend], engine: Engine) -> None:
    """One test per database, so the three server processes start once: first a gap-free rule takes requests for
    one or two numbers from every client at once, then a plain rule takes single numbers and offline blocks."""
    rule(engine, "GF", gap_free=True)
    rule(engine, "SN", item="BRD-01")
    headers = login(backends[0].url)

    answers = all_at_once(backends, headers, lambda i, n: (
        "/api/coding/numbers", {"kind": "serial", "site": "S1", "item": "MTR-01", "count": 1 + (i + n) % 2}))
    assert Counter(a.status_code for a in answers) == {201: CLIENTS * REQUESTS}, [a.text for a in answers][:3]
    handed = [number for a in answers for number in a.json()["numbers"]]
    total = sum(1 + (i + n) % 2 for i in range(CLIENTS) for n in range(REQUESTS))
    assert len(handed) == len(set(handed)) == total
    assert sorted(handed) == [f"GF{seq:06d}" for seq in range(1, total + 1)]  # gap-free: no hole, no repeat
    assert sorted(s for _, s in issued(engine, "GF")) == list(range(1, total + 1))

    def number_or_block(i: int, n: int) -> tuple[str, dict[str, Any]]:
        if (i + n) % 3 == 0:
            return "/api/coding/blocks", {"kind": "serial", "site": "S1", "item": "BRD-01", "device_id": f"hh-{i}",
                                          "count": 5}
        return "/api/coding/numbers", {"kind": "serial", "site": "S1", "item": "BRD-01"}

    answers = all_at_once(backends, headers, number_or_block)
    assert Counter(a.status_code for a in answers) == {201: CLIENTS * REQUESTS}, [a.text for a in answers][:3]
    handed = [number for a in answers for number in a.json()["numbers"]]
    assert len(handed) == len(set(handed))                       # no number twice, online or in a block
    assert sorted(handed) == sorted(n for n, _ in issued(engine, "SN"))
    with Session(engine) as session:
        counters = {c.rule_id: c.next_seq for c in session.exec(select(NumberCounter))}
        rules = {r.code: r.id for r in session.exec(select(NumberingRule))}
    assert (counters[rules["GF"]], counters[rules["SN"]]) == (total + 1, len(handed) + 1)
