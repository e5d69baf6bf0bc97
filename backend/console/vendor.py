"""The console's static files: its own CSS and script, htmx and ECharts from static/node_modules (pinned by
static/package-lock.json, installed with `npm ci` when missing), and a CJK font from this machine."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

from backend.console.errors import VendorMissing
from backend.fonts import CJK_FONTS, FONT_DIRS, find_font

STATIC = Path(__file__).resolve().parent / "static"
NODE_MODULES = STATIC / "node_modules"
VENDOR = {
    "vendor/htmx.min.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
    "vendor/echarts.min.js": NODE_MODULES / "echarts" / "dist" / "echarts.min.js",
}
OWN = {"console.css": STATIC / "console.css", "console.js": STATIC / "console.js",
       "trace.js": STATIC / "trace.js", "report.js": STATIC / "report.js",
       "dashboard.js": STATIC / "dashboard.js"}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".ttf": "font/ttf", ".ttc": "font/collection"}
FONT_NAME = "font/cjk"
_install_lock = threading.Lock()


def ensure_vendor() -> None:
    """Installs the pinned browser libraries with `npm ci` when they are missing; raises VendorMissing saying what
    to do when npm is not there or fails."""
    if all(p.is_file() for p in VENDOR.values()):
        return
    with _install_lock:
        if all(p.is_file() for p in VENDOR.values()):
            return
        if shutil.which("npm") is None:
            raise VendorMissing(f"npm is not installed; run `npm ci` in {STATIC} (or .ci/deps.sh) on a machine "
                                "with Debian's nodejs and npm")
        done = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=STATIC, capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not all(p.is_file() for p in VENDOR.values()):
            raise VendorMissing(f"`npm ci` in {STATIC} failed: {(done.stderr or done.stdout).strip()[-500:]}")


def static_file(name: str) -> Path | None:
    """The file served at /console/static/<name>, or None: only the names listed here, never a path from outside."""
    if name in OWN:
        return OWN[name]
    if name in VENDOR:
        ensure_vendor()
        return VENDOR[name]
    if name == FONT_NAME:
        return find_font(FONT_DIRS, CJK_FONTS)
    return None


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix, "application/octet-stream")
