"""Real-browser fixtures: the demo backend and the handheld web app on local ports (uvicorn in threads, stoppable and
restartable on the same port), and Debian's Chromium driven by playwright-core through driver.mjs.

Skipped, with the reason, where /usr/bin/chromium, node or `npm ci` in tests/browser is missing
(.ci/deps.sh installs them)."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from PIL import Image

from tests.conftest import run_lock

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "lotline-demo"
NOISE = re.compile(r"notosanssc|Noto Sans SC|status of 404")  # Flutter's fallback-font requests, left out of errors


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)"
    if shutil.which("node") is None:
        return "browser tests need node (Debian nodejs)"
    if not (HERE / "node_modules" / "playwright-core").exists():
        return "browser tests need playwright-core: run `npm ci` in tests/browser (.ci/deps.sh)"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


# -- servers -------------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadServer:
    """An ASGI app served by uvicorn in a thread on a fixed port; `stop` and `start` again keep the port."""

    def __init__(self, make_app: Any, port: int | None = None, **config: Any) -> None:
        self.make_app = make_app
        self.port = port or free_port()
        self.config = config
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ThreadServer:
        config = uvicorn.Config(self.make_app(), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, timeout_graceful_shutdown=1, **self.config)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name=f"uvicorn-{self.port}")
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on port {self.port} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(timeout=20)
        self._server = self._thread = None


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo plant, seeded once per run (about 15 s) by `lotline demo --no-serve`; each test copies it."""
    if _missing():
        pytest.skip(_missing())
    with run_lock(tmp_path_factory, "demo-template") as run:
        data = run / "demo-template"
        if not data.exists():
            stage = run / "demo-template.partial"
            shutil.rmtree(stage, ignore_errors=True)
            done = subprocess.run([sys.executable, "-c", "from backend.cli.main import main; main()", "demo",
                                   "--no-serve", "--data-dir", str(stage)],
                                  cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            stage.rename(data)
        return data


def hold(backend_url: str, unit: str, reason: str = "QA: suspected contamination") -> dict[str, Any]:
    """QA puts a unit on hold through the API (a status command on the upload endpoint)."""
    with httpx.Client(base_url=backend_url, timeout=20) as http:
        token = http.post("/api/auth/login", json={"username": "qa", "password": PASSWORD}).json()["access_token"]
        answer = http.post("/sync/upload", headers={"Authorization": f"Bearer {token}"}, json={
            "client_id": f"qa-{uuid.uuid4().hex[:8]}",
            "batch": [{"op_id": 1, "op": "PUT", "type": "event_command", "id": str(uuid.uuid4()),
                       "data": {"kind": "status", "unit": unit, "action": "hold", "reason": reason,
                                "occurred_at": datetime.now(UTC).isoformat()}}]})
    assert answer.status_code == 200, answer.text
    verdict = answer.json()["verdicts"][0]
    assert verdict["status"] == "applied", verdict
    return verdict


class Plant:
    """One test's backend (a copy of the demo database) and handheld web app."""

    def __init__(self, data: Path) -> None:
        from backend.app import create_app
        from backend.config import Settings
        from backend.db import make_engine
        from mobile.web import web_app

        self.data = data
        settings = Settings.from_env(data_dir=data, database_url="")
        self.engine = make_engine(settings.url)
        self.backend = ThreadServer(lambda: create_app(settings, self.engine))
        self.handheld = ThreadServer(lambda: web_app(data / "handheld", self.backend.url), ws="websockets-sansio")

    def db(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data / "lotline.db") as conn:
            return conn.execute(sql, params).fetchall()

    def hold(self, unit: str, reason: str = "QA: suspected contamination") -> dict[str, Any]:
        return hold(self.backend.url, unit, reason)

    def close(self) -> None:
        self.handheld.stop()
        self.backend.stop()
        self.engine.dispose()


@pytest.fixture
def plant(demo_template: Path, tmp_path: Path) -> Iterator[Plant]:
    data = tmp_path / "plant"
    shutil.copytree(demo_template, data)
    p = Plant(data)
    p.backend.start()
    p.handheld.start()
    yield p
    p.close()


# -- the PWA (tests/conftest.py builds it once per run), served by the backend in its own process ----------------
@pytest.fixture
def demo_backend(pwa_bundle: Path, demo_template: Path, tmp_path: Path) -> Iterator[BackendProcess]:
    """A copy of the demo plant, served with the PWA by the backend in its own process."""
    data = tmp_path / "plant"
    shutil.copytree(demo_template, data)
    server = BackendProcess(pwa_bundle, data)
    yield server
    server.kill()


class BackendProcess:
    """The backend (uvicorn, its own process) serving the bundle from `data` (empty, or a copy of the demo plant);
    `kill` ends the process for real, `start` brings it back on the same port."""

    def __init__(self, bundle: Path, data: Path) -> None:
        self.port = free_port()
        self.data = data
        data.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "LOTLINE_DATA_DIR": str(data), "LOTLINE_APP_DIR": str(bundle)}
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BackendProcess:
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "backend.app:create_app",
                                      "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                                     cwd=ROOT, env=self.env)
        wait_until(self._up, timeout_s=60, what="the backend to answer /health")
        return self

    def _up(self) -> bool:
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def refuses(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) != 0

    def db(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data / "lotline.db") as conn:
            return conn.execute(sql, params).fetchall()


# -- the browser ---------------------------------------------------------------------------------------------------
class Browser:
    """playwright-core in node, one JSON line per call."""

    def __init__(self, timeout_s: float = 120.0) -> None:
        self.proc = subprocess.Popen(["node", str(HERE / "driver.mjs")], cwd=HERE, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.timeout_s = timeout_s
        self._answers: queue.Queue[str] = queue.Queue()
        self._n = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._answers.put(line)

    def call(self, cmd: str, **args: Any) -> Any:
        self._n += 1
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"id": self._n, "cmd": cmd, "args": args}) + "\n")
        self.proc.stdin.flush()
        try:
            answer = json.loads(self._answers.get(timeout=self.timeout_s))
        except queue.Empty:
            raise AssertionError(f"the browser driver did not answer {cmd} in {self.timeout_s:.0f} s") from None
        if not answer["ok"]:
            logs = "\n".join([line for line in self.call("logs") if not NOISE.search(line)][-30:]) \
                if cmd != "logs" else ""
            raise AssertionError(f"{cmd} {args}: {answer['error']}\n-- browser console --\n{logs}")
        return answer["result"]

    # conveniences named after what a worker does
    def click(self, identifier: str) -> None:
        self.call("click", id=identifier)

    def fill(self, identifier: str, text: str) -> None:
        self.call("fill", id=identifier, text=text)

    def text(self, identifier: str) -> str:
        return str(self.call("text", id=identifier))

    def wait_text(self, identifier: str, *contains: str, timeout_s: float = 30) -> str:
        return str(self.call("waitText", id=identifier, contains=list(contains), timeout=int(timeout_s * 1000)))

    def scan(self, code: str) -> None:
        """Types a code into the scan bar and presses Enter, as a worker without a camera would."""
        self.fill("scan-input", code)
        self.call("press", key="Enter")

    def log_in(self, url: str, username: str, *, english: bool = False) -> None:
        self.call("open", url=url)
        if english:
            self.click("lang-toggle")
            self.wait_text("login-submit", "Log in")
        self.fill("login-username", username)
        self.fill("login-password", PASSWORD)
        self.click("login-submit")
        self.call("wait", id="home-greeting")

    def close(self) -> None:
        try:
            self.call("close")
        finally:
            self.proc.wait(timeout=30)


def launch(tmp_path: Path, *, camera_file: Path | None = None, locale: str = "zh-CN",
           profile: str = "chromium-profile") -> Browser:
    """Chromium on a persistent profile under tmp_path (`profile` names it: one per handheld), in `locale` (the
    PWA follows the browser's language)."""
    browser = Browser()
    args = []
    if camera_file is not None:
        args = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={camera_file}"]
    browser.call("launch", executablePath=str(CHROMIUM), args=args, userDataDir=str(tmp_path / profile),
                 locale=locale)
    return browser


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = launch(tmp_path)
    yield b
    b.close()


# -- a camera that films a label -----------------------------------------------------------------------------------
def write_y4m(image: Image.Image, path: Path, *, width: int = 640, height: int = 480, frames: int = 10) -> Path:
    """A YUV4MPEG2 file (4:2:0, C420jpeg) showing `image` centred on white: Chromium plays it as the camera."""
    gray = np.asarray(image.convert("L"), dtype=np.uint8)
    if gray.shape[0] > height or gray.shape[1] > width:
        scale = min(height / gray.shape[0], width / gray.shape[1])
        gray = np.asarray(image.convert("L").resize((int(gray.shape[1] * scale), int(gray.shape[0] * scale))),
                          dtype=np.uint8)
    luma = np.full((height, width), 255, np.uint8)
    top, left = (height - gray.shape[0]) // 2, (width - gray.shape[1]) // 2
    luma[top:top + gray.shape[0], left:left + gray.shape[1]] = gray
    chroma = np.full((height // 2) * (width // 2), 128, np.uint8).tobytes()  # no colour
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n")
            f.write(luma.tobytes())
            f.write(chroma)
            f.write(chroma)
    return path


def label_camera(tmp_path: Path, text: str) -> Path:
    """A QR label PNG made by mobile/scanner/labels.py, turned into a fake camera feed."""
    from mobile.scanner.labels import qr_label

    png = tmp_path / "label.png"
    Image.fromarray(qr_label(text, scale=8).image).save(png)
    return write_y4m(Image.open(png), tmp_path / "label.y4m")


def gs1_camera(tmp_path: Path, hri: str) -> Path:
    """A GS1 QR (FNC1 mode) of bracketed `hri`, e.g. "(01)06901234000030(10)CASE261012", as a fake camera feed."""
    from mobile.scanner.labels import barcode_label

    png = tmp_path / "gs1-label.png"
    Image.fromarray(barcode_label("QRCode", hri, gs1=True, scale=8).image).save(png)
    return write_y4m(Image.open(png), tmp_path / "gs1-label.y4m")


def wait_until(check: Any, timeout_s: float = 30, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
