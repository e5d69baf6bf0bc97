"""Applying the download stream: checksums with PUT/REMOVE/MOVE/CLEAR, refcounted rows, re-syncs, and the rule
that keeps confirmed local writes from flickering. Lines are built with the server's own line builders."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.client import LocalStore, Outcome, StreamCut, Transport
from sync.client.adapters.httpx_http import HttpxHttp
from sync.client.download import WRITE_TARGET, Downloader, DownloadReport
from sync.protocol import (
    add_checksums,
    checkpoint_complete_line,
    checkpoint_diff_line,
    checkpoint_line,
    data_line,
    encode_line,
    put_checksum,
    remove_checksum,
)
from tests.aio import Run, run_fixture  # noqa: F401


def put(op_id: int, id_: str, **data: Any) -> dict[str, Any]:
    body = json.dumps({"id": id_, **data}, sort_keys=True, separators=(",", ":"))
    return {"op_id": str(op_id), "op": "PUT", "object_type": "unit", "object_id": id_, "data": body,
            "checksum": put_checksum("unit", id_, body)}


def remove(op_id: int, id_: str) -> dict[str, Any]:
    return {"op_id": str(op_id), "op": "REMOVE", "object_type": "unit", "object_id": id_,
            "checksum": remove_checksum("unit", id_)}


def total(*ops: dict[str, Any]) -> int:
    return add_checksums(*(op["checksum"] for op in ops))


class Feed:
    def __init__(self, store: LocalStore) -> None:
        self.downloader = Downloader(store)
        self.report = DownloadReport()

    def __call__(self, *lines: dict[str, Any]) -> Outcome | None:
        outcome = None
        for line in lines:
            outcome = self.downloader.feed(line, self.report) or outcome
        return outcome


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "handheld.db")


def bucket(name: str, checksum: int) -> dict[str, Any]:
    return {"bucket": name, "checksum": checksum, "count": 0, "priority": 3}


def test_superseded_removed_and_moved_ops_keep_their_checksums(store: LocalStore) -> None:
    ops = [put(1, "u1", qty=1), put(2, "u2", qty=1), put(3, "u1", qty=2), remove(4, "u2"),
           {"op_id": "5", "op": "MOVE", "checksum": 12345}]
    feed = Feed(store)
    outcome = feed(checkpoint_line(5, [bucket("site[]", total(*ops))], None), data_line("site[]", 0, ops[:2], True),
                   data_line("site[]", 2, ops[2:], False), checkpoint_complete_line(5))
    assert outcome is Outcome.APPLIED
    assert store.query("unit") == [{"id": "u1", "qty": 2}]


def test_a_clear_resets_the_bucket_to_its_checksum_and_drops_rows_only_in_it(store: LocalStore) -> None:
    feed = Feed(store)
    first = [put(1, "u1"), put(2, "u2")]
    feed(checkpoint_line(2, [bucket("a[]", total(*first)), bucket("b[]", total(put(2, "u2")))], None),
         data_line("a[]", 0, first, False), data_line("b[]", 0, [put(2, "u2")], False), checkpoint_complete_line(2))
    # The server compacted bucket a: everything up to op 3 folded into one CLEAR; then u3 arrives.
    clear = {"op_id": "3", "op": "CLEAR", "checksum": 999}
    outcome = feed(checkpoint_diff_line(4, [bucket("a[]", add_checksums(999, put(4, "u3")["checksum"]))], [], None),
                   data_line("a[]", 2, [clear, put(4, "u3")], False), checkpoint_complete_line(4))
    assert outcome is Outcome.APPLIED
    assert [r["id"] for r in store.query("unit")] == ["u2", "u3"]  # u2 stays: bucket b still holds it


def test_a_row_leaves_only_when_no_bucket_holds_it(store: LocalStore) -> None:
    feed = Feed(store)
    feed(checkpoint_line(2, [bucket("a[]", total(put(1, "u1"))), bucket("b[]", total(put(2, "u1")))], None),
         data_line("a[]", 0, [put(1, "u1")], False), data_line("b[]", 0, [put(2, "u1")], False),
         checkpoint_complete_line(2))
    assert store.db.execute("SELECT buckets FROM rows WHERE id = 'u1'").fetchone()[0] == 2
    feed(checkpoint_diff_line(3, [bucket("a[]", total(put(1, "u1"), remove(3, "u1")))], [], None),
         data_line("a[]", 1, [remove(3, "u1")], False), checkpoint_complete_line(3))
    assert [r["id"] for r in store.query("unit")] == ["u1"]
    feed(checkpoint_diff_line(4, [], ["b[]"], None), checkpoint_complete_line(4))
    assert store.query("unit") == []


def test_a_bucket_failing_its_checksum_is_dropped_and_asked_for_from_the_start(store: LocalStore) -> None:
    feed = Feed(store)
    good = [put(1, "u1")]
    outcome = feed(checkpoint_line(2, [bucket("a[]", total(*good)), bucket("b[]", 7)], None),
                   data_line("a[]", 0, good, False), data_line("b[]", 0, [put(2, "u2")], False),
                   checkpoint_complete_line(2))
    assert outcome is Outcome.RESYNC and feed.report.failed_buckets == ["b[]"] and feed.downloader.resyncs == 1
    assert feed.downloader.request_body()["buckets"] == [{"name": "a[]", "after": "1"}]
    assert store.query("unit") == []  # nothing unverified reached the rows


def test_verified_data_waits_while_local_writes_are_unconfirmed(store: LocalStore) -> None:
    store.record("unit", "u1", {"qty": 5})  # queued, not uploaded
    feed = Feed(store)
    lines = (checkpoint_line(1, [bucket("a[]", total(put(1, "u1", qty=1)))], None),
             data_line("a[]", 0, [put(1, "u1", qty=1)], False), checkpoint_complete_line(1))
    assert feed(*lines) is Outcome.HELD
    assert store.server_rows("unit") == {} and store.get("unit", "u1") == {"id": "u1", "qty": 5}


def test_a_confirmed_write_gives_way_only_at_its_write_checkpoint(store: LocalStore) -> None:
    op_id = store.record("unit", "u1", {"qty": 5})
    with store.write() as db:  # as the uploader settles an applied verdict and gets write checkpoint 7
        db.execute("DELETE FROM crud")
        db.execute("UPDATE overlay SET acked = 1, confirm_at = 7 WHERE op_id = ?", (op_id,))
        LocalStore.kv_set(db, WRITE_TARGET, "7")
    feed = Feed(store)
    older = put(3, "u1", qty=1)
    assert feed(checkpoint_line(3, [bucket("a[]", total(older))], None), data_line("a[]", 0, [older], False),
                checkpoint_complete_line(3)) is Outcome.APPLIED
    assert store.get("unit", "u1") == {"id": "u1", "qty": 5}  # the server's older row does not flicker through
    newer = put(7, "u1", qty=5)
    feed(checkpoint_diff_line(7, [bucket("a[]", total(older, newer))], [], 7), data_line("a[]", 3, [newer], False),
         checkpoint_complete_line(7))
    assert store.db.execute("SELECT count(*) FROM overlay").fetchone()[0] == 0
    assert store.get("unit", "u1") == {"id": "u1", "qty": 5}


def stream_of(body: AsyncIterator[bytes]) -> Transport:
    return Transport(HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=body, headers={"content-type": "application/x-ndjson"})))))


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def test_a_partial_last_line_is_dropped_and_reported_as_a_cut(run: Run[Any]) -> None:
    whole = encode_line(checkpoint_complete_line(1))
    transport = stream_of(chunks(whole, whole[:7]))

    async def read() -> list[dict[str, Any]]:
        got = []
        async with transport.stream("http://sync/sync/stream", {}, "t") as lines:
            got.append(await anext(lines))
            with pytest.raises(StreamCut, match="mid-line"):
                await anext(lines)
        return got

    assert run(read()) == [checkpoint_complete_line(1)]


def test_a_connection_lost_mid_stream_is_a_cut(run: Run[Any]) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield encode_line(checkpoint_complete_line(1))
        raise httpx.ReadError("connection reset by peer")

    async def read() -> None:
        async with stream_of(body()).stream("http://sync/sync/stream", {}, "t") as lines:
            with pytest.raises(StreamCut):
                [line async for line in lines]

    run(read())
