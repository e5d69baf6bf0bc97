"""The upload loop's contract against a server faked with httpx.MockTransport: what a timeout, a refused batch and
a missing verdict do to the queue. (The real server's verdicts are covered in test_client_sync.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.client import Backoff, LocalStore, SyncClient, SyncRejected, Transport
from sync.client.adapters.httpx_http import HttpxHttp
from tests.aio import Run, run_fixture  # noqa: F401

Answer = Callable[[list[dict[str, Any]]], httpx.Response]


class FakeServer:
    """Answers /sync/upload with `answer(batch)`; records every batch it was sent."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.batches: list[list[int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/write-checkpoint2.json":
            return httpx.Response(200, json={"data": {"write_checkpoint": "42"}})
        batch = json.loads(request.content)["batch"]
        self.batches.append([e["op_id"] for e in batch])
        return self.answer(batch)


def applied(batch: list[dict[str, Any]]) -> httpx.Response:
    return httpx.Response(200, json={"verdicts": [{"op_id": e["op_id"], "status": "applied"} for e in batch]})


class StaticConnector:
    async def fetch_credentials(self) -> tuple[str, str]:
        return "http://sync.test", "token"


def client_for(tmp_path: Path, server: FakeServer, slept: list[float], batch_size: int = 8) -> SyncClient:
    return SyncClient(LocalStore(tmp_path / "h.db"), StaticConnector(), batch_size=batch_size,
                      transport=Transport(HttpxHttp(httpx.AsyncClient(transport=httpx.MockTransport(server)))),
                      backoff=Backoff(base_s=1.0, max_s=4.0, sleep=slept.append, rand=lambda: 0.0))


def queue(client: SyncClient, count: int) -> list[int]:
    return client.store.record_many([("item", f"i-{n}", {"name": str(n)}, "PUT") for n in range(count)])


def test_a_timed_out_batch_is_sent_again_in_halves_after_a_backoff(tmp_path: Path, run: Run[Any]) -> None:
    calls = iter([httpx.ReadTimeout("slow server")])

    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        if (error := next(calls, None)) is not None:
            raise error
        return applied(batch)

    server, slept = FakeServer(answer), []
    client = client_for(tmp_path, server, slept)
    ids = queue(client, 8)
    report = run(client.upload())
    assert server.batches == [ids, ids[:4], ids[4:]] and slept == [0.5]  # 1.0 s base, jitter down to half
    assert report.applied == 8 and report.retries == 1 and client.store.pending_count() == 0


def test_a_batch_the_server_refuses_whole_is_split_until_the_culprit_is_found(tmp_path: Path, run: Run[Any]) -> None:
    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        if any(e["id"] == "i-5" for e in batch):
            return httpx.Response(400, json={"code": "invalid_input", "detail": "batch[0].data is unreadable"})
        return applied(batch)

    client = client_for(tmp_path, FakeServer(answer), [])
    ids = queue(client, 8)
    report = run(client.upload())
    [refused] = client.status().rejected
    assert refused.op_id == ids[5] and refused.code == "refused_by_server" and "unreadable" in refused.reason
    assert report.applied == 7 and client.store.pending_count() == 0


def test_entries_without_a_verdict_stay_queued(tmp_path: Path, run: Run[Any]) -> None:
    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        return applied(batch[:2])

    client = client_for(tmp_path, FakeServer(answer), [], batch_size=3)
    ids = queue(client, 3)
    report = run(client.upload(max_batches=1))
    assert report.applied == 2 and [w.op_id for w in client.store.next_batch(10)] == [ids[2]]


def test_a_forbidden_upload_raises_and_keeps_the_queue(tmp_path: Path, run: Run[Any]) -> None:
    client = client_for(tmp_path, FakeServer(lambda _b: httpx.Response(403, json={"detail": "no uploads"})), [])
    queue(client, 2)
    with pytest.raises(SyncRejected, match="no uploads"):
        run(client.upload())
    assert client.store.pending_count() == 2 and client.status().rejected == []


def test_the_next_batch_is_on_its_way_while_the_last_answer_is_settled_and_each_goes_once(tmp_path: Path,
                                                                                          run: Run[Any]) -> None:
    """Batches reach the server one after the other, each once its predecessor is answered; the handheld settles
    an answer while the next batch travels. Here settling batch 1 waits until batch 2 has arrived: a handheld
    that settled first and sent after would never get there."""
    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        return applied(batch)

    server = FakeServer(answer)
    client = client_for(tmp_path, server, [], batch_size=3)
    ids = queue(client, 8)
    settle = client.uploader._settle

    def settle_once_batch_2_is_out(batch: Any, answer: Any, report: Any) -> int:
        if batch[0].op_id == ids[0]:  # no waiting here: settling does not yield, so batch 2 is out already or never
            assert len(server.batches) == 2, "batch 2 was not sent before batch 1 was settled"
        return settle(batch, answer, report)

    client.uploader._settle = settle_once_batch_2_is_out  # type: ignore[method-assign]
    report = run(client.upload())
    assert server.batches == [ids[:3], ids[3:6], ids[6:]]
    assert report.applied == 8 and report.sent == 8 and client.store.pending_count() == 0


def test_a_batch_sent_ahead_that_fails_is_sent_again_after_the_one_before_it_is_settled(tmp_path: Path,
                                                                                        run: Run[Any]) -> None:
    calls = iter([None, httpx.ConnectError("link down")])

    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        if (error := next(calls, None)) is not None:
            raise error
        return applied(batch)

    server, slept = FakeServer(answer), []
    client = client_for(tmp_path, server, slept, batch_size=4)
    ids = queue(client, 8)
    report = run(client.upload())
    assert server.batches == [ids[:4], ids[4:], ids[4:]] and len(slept) == 1
    assert report.applied == 8 and report.retries == 1 and client.store.pending_count() == 0


def test_a_pass_that_fails_for_good_waits_for_the_batch_still_out(tmp_path: Path, run: Run[Any]) -> None:
    """The first answer carries no verdict (the pass ends with an error) while batch 2 is already travelling: the
    pass returns only once batch 2 came back, and every entry stays queued to be sent again."""
    def answer(batch: list[dict[str, Any]]) -> httpx.Response:
        return httpx.Response(200, json={"verdicts": []})

    server = FakeServer(answer)
    client = client_for(tmp_path, server, [], batch_size=4)
    ids = queue(client, 8)
    with pytest.raises(Exception, match="without a verdict"):
        run(client.upload())
    assert server.batches == [ids[:4], ids[4:]] and client.store.pending_count() == 8
