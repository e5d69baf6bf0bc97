"""`lotline serve`, `demo` and `build-app`: the backend with the handheld PWA at /app/, and for the demo the
server-mode handheld beside it as a process of its own (the backend never imports the handheld's UI)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from backend.cli.database import db_upgrade, seed
from backend.cli.options import DatabaseUrl, DataDir, Tls, console, settings_for
from backend.config import Settings

HANDHELD_STOP_S = 10.0  # how long the handheld gets to stop once asked, before it is killed


def build_app(out: Annotated[Path | None, typer.Option("--out", help="Bundle folder (default <data-dir>/app).")] = None,
              force: Annotated[bool, typer.Option("--force", help="Rebuild even when up to date.")] = False,
              data_dir: DataDir = None) -> None:
    """Build the handheld PWA bundle served at /app/ (offline shell, Python in the browser)."""
    from mobile.pwa.builder import ensure_bundle

    target = out or Settings.from_env(data_dir=data_dir).app_bundle_dir
    bundle = ensure_bundle(target, force=force, say=console.print)
    console.print(bundle.describe() + ("" if bundle.rebuilt else " (up to date)"))


def _ensure_app(settings: Settings) -> None:
    """Builds the PWA bundle when missing or stale; the API still starts if that fails (/app/ then says why)."""
    try:
        from mobile.pwa.builder import ensure_bundle

        bundle = ensure_bundle(settings.app_bundle_dir, say=console.print)
    except (OSError, RuntimeError, subprocess.CalledProcessError, ImportError) as exc:
        console.print(f"[yellow]handheld PWA not built ({type(exc).__name__}: {exc}); the API starts without it[/]")
        return
    console.print(bundle.describe())


def _tls_files(settings: Settings, host: str) -> tuple[str, str, list[str]]:
    """Certificate and key for uvicorn, and the https base URLs a phone can use."""
    from backend.tls import ca_fingerprint, ensure_tls, machine_names

    names, addresses = machine_names()
    files = ensure_tls(settings.tls_dir, names, addresses)
    console.print(f"local CA {files.ca_cert} (SHA-256 {ca_fingerprint(files.ca_cert)[:23]}…)")
    hosts = [host] if host not in ("0.0.0.0", "::") else \
        [str(a) for a in addresses if a.version == 4 and not a.is_loopback] + names[1:2]
    return str(files.cert), str(files.key), hosts


def _print_app_urls(settings: Settings, host: str, port: int, tls: bool) -> list[str]:
    if tls:
        cert, key, hosts = _tls_files(settings, host)
        for h in hosts:
            console.print(f"Handheld PWA  https://{h}:{port}/app/   (trust the CA first: https://{h}:{port}/app/trust)")
        return [cert, key]
    console.print(f"Handheld PWA  http://{host}:{port}/app/   (phones need HTTPS: add --tls, or a reverse proxy; "
                  "see docs/pwa.md)")
    return []


def serve(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
          database_url: DatabaseUrl = None, tls: Tls = False) -> None:
    """Run the backend API and the handheld PWA at /app/ (built first when missing or stale)."""
    import uvicorn

    from backend.app import create_app, settle_heap

    settings = settings_for(data_dir, database_url)
    _ensure_app(settings)
    ssl = _print_app_urls(settings, host, port, tls)
    api = create_app(settings)
    settle_heap()
    uvicorn.run(api, host=host, port=port, log_level="info",
                **({"ssl_certfile": ssl[0], "ssl_keyfile": ssl[1]} if ssl else {}))


def demo(host: str = "127.0.0.1", port: int = 8000, data_dir: DataDir = None,
         no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare only, don't start.")] = False,
         handheld_port: Annotated[int, typer.Option(help="Port of the handheld web app (0: don't start it).")] = 8550,
         tls: Tls = False) -> None:
    """Migrate, seed the demo plant (once), print URLs and logins, and serve the backend and the handheld app."""
    from backend.seed.demo import load_plant_file

    db_upgrade(data_dir, None)
    seed(None, data_dir, None)
    plant = load_plant_file()
    if tls and handheld_port:  # the server-mode handheld would talk plain HTTP to an HTTPS backend
        console.print("[yellow]--tls: the server-mode handheld is not started; phones use the PWA at /app/[/]")
        handheld_port = 0
    table = Table(title="Demo logins", show_lines=False)
    for col in ("user", "password", "role", "scope"):
        table.add_column(col)
    for u in plant["users"]:
        table.add_row(u["username"], plant["demo_password"], u["role"], u.get("site") or u.get("customer") or "all")
    console.print(table)
    base = f"{'https' if tls else 'http'}://{host}:{port}"
    console.print(f"Backend API   {base}/api   (OpenAPI docs: {base}/schema/swagger)")
    if handheld_port:
        console.print(f"Handheld app  http://{host}:{handheld_port}   (server mode; log in as picker, inspector, "
                      f"engineer, distributor or qa; password {plant['demo_password']})")
    console.print("Try           lotline trace FG-MTR-01/SN26000001   |   lotline recall-scope RM-PC-01/PC2610-A")
    if no_serve:
        return
    if not handheld_port:
        serve(host, port, data_dir, None, tls)
        return
    _serve_with_handheld(host, port, handheld_port, data_dir)


def _serve_with_handheld(host: str, port: int, handheld_port: int, data_dir: Path | None) -> None:
    """The backend in this process, which owns Ctrl-C, and the server-mode handheld (`python -m mobile`) as a child
    process: the backend stopping stops the handheld, and the handheld ending stops the backend."""
    import uvicorn

    from backend.app import create_app, settle_heap

    settings = settings_for(data_dir, None)
    _ensure_app(settings)
    _print_app_urls(settings, host, port, tls=False)
    backend = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="info",
                                            timeout_graceful_shutdown=2))
    settle_heap()
    handheld = start_handheld(handheld_port, f"http://{host}:{port}", settings.data_dir / "handheld", host)

    def stop_backend_when_the_handheld_ends() -> None:
        code = handheld.wait()
        if not backend.should_exit:
            console.print(f"[yellow]the handheld stopped (exit code {code}); stopping the backend[/]")
            backend.should_exit = True

    threading.Thread(target=stop_backend_when_the_handheld_ends, name="lotline-handheld-watch", daemon=True).start()
    # uvicorn raises the signal that stopped it again once it is down; these handlers take it, so the handheld is
    # stopped too and Ctrl-C ends the demo quietly.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        backend.run()
    finally:
        backend.should_exit = True
        stop_handheld(handheld)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        console.print("backend and handheld stopped")


def start_handheld(port: int, backend_url: str, data_dir: Path, host: str) -> subprocess.Popen[bytes]:
    """The server-mode handheld as a child process. It stops when its standard input closes, so it does not
    outlive this process even when this one is killed outright."""
    return subprocess.Popen([sys.executable, "-m", "mobile", "--host", host, "--port", str(port),
                             "--backend-url", backend_url, "--data-dir", str(data_dir), "--until-stdin-closes"],
                            stdin=subprocess.PIPE)


def stop_handheld(handheld: subprocess.Popen[bytes]) -> None:
    """Asks the handheld to stop (its standard input closes) and waits; kills it if it does not stop in time."""
    if handheld.stdin is not None:
        handheld.stdin.close()
    try:
        handheld.wait(timeout=HANDHELD_STOP_S)
    except subprocess.TimeoutExpired:
        handheld.kill()
        handheld.wait()
