"""Printing: ZPL jobs sent by the app's worker to a real TCP listener byte for byte, a printer that refuses the
connection retried then failed, reprints only with a reason, every label recorded, PDF jobs to download."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from tests.backend.test_labels_templates import meter
from tests.factories import Plant

WAIT_S = 30  # the longest any condition below may take to come true on a loaded machine


def wait_until(condition: Callable[[], Any], what: str) -> Any:
    """Polls `condition` until it returns something truthy; fails naming `what` after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


class Listener:
    """A raw TCP 'printer' on 127.0.0.1: an asyncio server in a thread of its own keeping every connection's bytes."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read()  # until the sender closes
        self.received.append(data)
        writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()
        self._loop.run_until_complete(server.wait_closed())

    def __enter__(self) -> Listener:
        self._thread.start()
        self._ready.wait()
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as it:
        yield it


def closed_port() -> int:
    """A port nothing listens on: bound, then let go."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def zpl_printer(client: TestClient, login, port: int, name: str = "Line 1 ZPL") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.post("/api/labels/printers", json={"name": name, "kind": "zpl_tcp", "host": "127.0.0.1",
                                                  "port": port, "dpi": 300}, headers=login("admin"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def job(client: TestClient, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/labels/jobs/{job_id}", headers=headers).json())


def test_zpl_reaches_the_printer_byte_for_byte(client: TestClient, login, session: Session, plant: Plant,
                                               listener: Listener) -> None:
    picker = login("picker")
    client.post("/api/labels/templates/shipped", headers=login("qa"))
    printer = zpl_printer(client, login, listener.port)
    units = [meter(session, plant, f"SN10{i}") for i in range(3)]
    r = client.post("/api/labels/print", json={"template": "product-datamatrix", "unit_ids": [u.id for u in units],
                                               "printer_id": printer["id"], "copies": 2}, headers=picker)
    assert r.status_code == 202, r.text
    sent = wait_until(lambda: (j := job(client, picker, r.json()["id"]))["status"] == "sent" and j, "the job sent")
    payload = client.get(f"/api/labels/jobs/{sent['id']}/payload", headers=picker)
    assert payload.headers["content-type"].startswith("application/zpl")
    assert listener.received == [payload.content]
    text = payload.content.decode("utf-8")
    assert text.count("^XA") == 3 and text.count("^PQ2^XZ") == 3 and "^FD#10106901234000016" in text
    assert (sent["attempts"], sent["labels"], sent["copies"]) == (1, 3, 2)


def test_a_printer_refusing_the_connection_is_retried_then_the_job_fails(
        client: TestClient, login, session: Session, plant: Plant) -> None:
    worker = client.app.state.print_worker
    worker.backoff_s = (0.01, 0.02)  # the real worker, with short pauses between attempts
    qa = login("qa")
    client.post("/api/labels/templates/shipped", headers=qa)
    printer = zpl_printer(client, login, closed_port(), "Unplugged")
    unit = meter(session, plant)
    r = client.post("/api/labels/print", json={"template": "small-serial", "unit_ids": [unit.id],
                                               "printer_id": printer["id"]}, headers=qa)
    failed = wait_until(lambda: (j := job(client, qa, r.json()["id"]))["status"] == "failed" and j, "the job failed")
    assert failed["attempts"] == failed["max_attempts"] == 5
    assert "ConnectionRefusedError" in failed["last_error"]
    listed = client.get("/api/labels/jobs", params={"status": "failed"}, headers=qa).json()
    assert [j["id"] for j in listed] == [failed["id"]]
    with Listener() as back:  # the printer plugged in again where it was: a retry sends the same bytes
        client.put(f"/api/labels/printers/{printer['id']}", json={"port": back.port}, headers=login("admin"))
        again = client.post(f"/api/labels/jobs/{failed['id']}/retry", headers=qa).json()
        assert (again["status"], again["attempts"]) == ("queued", 0)
        wait_until(lambda: job(client, qa, failed["id"])["status"] == "sent", "the retried job sent")
        assert back.received == [client.get(f"/api/labels/jobs/{failed['id']}/payload", headers=qa).content]


def test_a_reprint_needs_a_reason_and_is_recorded_with_it(client: TestClient, login, session: Session,
                                                          plant: Plant) -> None:
    qa = login("qa")
    client.post("/api/labels/templates/shipped", headers=qa)
    printer = client.post("/api/labels/printers", json={"name": "Office PDF", "kind": "pdf_download",
                                                        "media": "a4"}, headers=login("admin")).json()
    first, second = meter(session, plant, "SN201"), meter(session, plant, "SN202")
    body = {"template": "small-serial", "printer_id": printer["id"], "unit_ids": [first.id]}
    assert client.post("/api/labels/print", json=body, headers=qa).status_code == 202
    r = client.post("/api/labels/print", json=body | {"unit_ids": [first.id, second.id]}, headers=qa)
    assert (r.status_code, r.json()["code"]) == (409, "reprint_needs_reason")
    assert r.json()["context"]["units"] == [first.code]
    r = client.post("/api/labels/print", json=body | {"unit_ids": [first.id, second.id], "reason": "label torn"},
                    headers=qa)
    assert r.status_code == 202 and r.json()["status"] == "ready" and r.json()["labels"] == 2
    pdf = client.get(f"/api/labels/jobs/{r.json()['id']}/payload", headers=qa)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    history = client.get(f"/api/labels/units/{first.id}/prints", headers=qa).json()
    assert [(h["reprint"], h["reason"], h["template_version"]) for h in history] == [
        (False, "", 1), (True, "label torn", 1)]
    assert [h["reprint"] for h in client.get(f"/api/labels/units/{second.id}/prints", headers=qa).json()] == [False]


def test_nothing_is_queued_when_one_unit_of_a_batch_is_unknown(client: TestClient, login, session: Session,
                                                               plant: Plant) -> None:
    qa = login("qa")
    client.post("/api/labels/templates/shipped", headers=qa)
    printer = client.post("/api/labels/printers", json={"name": "PDF", "kind": "pdf_download"},
                          headers=login("admin")).json()
    unit = meter(session, plant)
    r = client.post("/api/labels/print", json={"template": "small-serial", "printer_id": printer["id"],
                                               "unit_ids": [unit.id, "no-such-unit"]}, headers=qa)
    assert (r.status_code, r.json()["code"]) == (404, "unknown_units")
    assert client.get("/api/labels/jobs", headers=qa).json() == []
    assert client.get(f"/api/labels/units/{unit.id}/prints", headers=qa).json() == []


def test_a_zpl_printer_needs_a_host_and_fonts_go_to_it_as_a_job(client: TestClient, login) -> None:
    admin = login("admin")
    r = client.post("/api/labels/printers", json={"name": "No host", "kind": "zpl_tcp"}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "printer_setup_invalid")
    printer = zpl_printer(client, login, closed_port())
    client.app.state.print_worker.backoff_s = (3600,)  # the font job stays queued after its first try
    fonts = client.post(f"/api/labels/printers/{printer['id']}/fonts", headers=admin).json()
    payload = client.get(f"/api/labels/jobs/{fonts['id']}/payload", headers=admin).content
    assert payload.startswith(b"~DYE:LOTSANS,B,T,") and b"~DYE:LOTCJK,B,T," in payload
