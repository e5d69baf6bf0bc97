"""`python -m mobile`: the handheld in server mode (Flet web) for desktops, kiosks and `lotline demo`."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from mobile.app import DEFAULT_BACKEND_URL
from mobile.web import DEFAULT_PORT, run_web


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mobile", description="Serve the Lotline handheld in server "
                                     "mode (Flet web): Python runs here, the browser draws.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOTLINE_HANDHELD_PORT") or DEFAULT_PORT))
    parser.add_argument("--backend-url", default=os.environ.get("LOTLINE_BACKEND_URL") or DEFAULT_BACKEND_URL,
                        help="The backend the handheld logs in to and syncs with.")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="The handheld's replica and queue (default: LOTLINE_HANDHELD_DIR or var/handheld).")
    parser.add_argument("--locale", default=None, help="zh-CN or en (default: LOTLINE_LOCALE, else zh-CN).")
    parser.add_argument("--until-stdin-closes", action="store_true",
                        help="Stop when standard input closes: the process that started this one has gone.")
    return parser.parse_args(argv)


def _stop_when_stdin_closes() -> None:
    # The raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read holds its lock, and the
    # interpreter aborts at exit when it cannot take it.
    while os.read(sys.stdin.fileno(), 1024):  # b"" at end of input: the parent closed its end, or died
        pass
    os.kill(os.getpid(), signal.SIGTERM)  # Flet's own handler stops the web server gracefully


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.until_stdin_closes:
        # A thread is fine here: this launcher runs only in server mode (CPython), never in the browser.
        threading.Thread(target=_stop_when_stdin_closes, name="lotline-stdin-watch", daemon=True).start()
    run_web(args.port, args.backend_url, args.data_dir, host=args.host, locale=args.locale)


if __name__ == "__main__":
    main()
