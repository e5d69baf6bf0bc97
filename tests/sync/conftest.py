"""Sync fixtures: an app whose stream ends after the first checkpoint, so plain HTTP clients can read it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import Engine

from backend.app import create_app
from backend.config import Settings
from sync.server.stream import StreamOptions
from tests.factories import Plant


@pytest.fixture
def sync_client(engine: Engine, settings: Settings, plant: Plant) -> Iterator[TestClient]:
    app = create_app(settings, engine, stream_options=StreamOptions(once=True, batch_size=50))
    with TestClient(app) as c:
        yield c


def read_stream(client: TestClient, headers: dict[str, str], buckets: list[dict[str, Any]] | None = None,
                client_id: str = "test-client") -> list[dict[str, Any]]:
    r = client.post("/sync/stream", json={"buckets": buckets or [], "include_checksum": True, "raw_data": True,
                                          "client_id": client_id}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in r.text.splitlines() if line]
