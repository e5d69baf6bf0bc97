"""The app archive (app.tar.gz): the handheld's Python code, its data files and every package it needs, vendored
into `__pypackages__/` so the browser installs nothing at start-up (no micropip, no CDN).

Pure-Python packages are copied from this venv's installed distributions (same pins as requirements.lock);
compiled ones come as Pyodide wheels (`pyemscripten_2026_0_wasm32`) fetched once from PyPI into a cache folder.
"""

from __future__ import annotations

import gzip
import importlib.metadata as metadata
import io
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Pyodide 314.0.7 (shipped in flet-web 1.0.5): CPython 3.14, emscripten 5.0.3.
WASM_PLATFORM = "pyemscripten_2026_0_wasm32"
WASM_PYTHON = "3.14"
# What `mobile.app` and its view-models, `sync.client` and `shared_models` import at run time, with their own
# dependencies (flet's httpx/oauthlib are only for desktop: it skips them on Emscripten).
PURE_PACKAGES = (
    "flet", "flet-camera", "repath", "six",
    "pydantic", "annotated-types", "typing-extensions", "typing-inspection",
    "httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi",
    "sqlmodel", "SQLAlchemy", "PyYAML", "segno",
)
# Compiled packages: their Pyodide wheels, at the venv's versions (requirements.lock's pins).
WASM_PACKAGES = ("pydantic-core", "msgpack")
APP_PACKAGES = ("mobile", "sync", "shared_models")
APP_DATA = ("assets/i18n", "assets/gates.yaml", "assets/quality/plans.yaml")
# Never in the browser: the server, build tooling, and what only the server-mode scanner uses.
SKIP_APP = ("mobile/web.py", "mobile/__main__.py",  # the server-mode launchers
            "mobile/pwa/builder.py", "mobile/pwa/packages.py", "mobile/pwa/assets.py", "mobile/pwa/node_modules",
            "mobile/pwa/templates", "sync/server")
# Inside vendored packages: the parts the handheld never imports (SQLite is its only database).
SKIP_VENDORED = ("sqlalchemy/testing", "sqlalchemy/dialects/mysql", "sqlalchemy/dialects/oracle",
                 "sqlalchemy/dialects/mssql", "sqlalchemy/dialects/postgresql", "sqlalchemy/ext/mypy",
                 "flet/testing", "flet/cli", "segno/cli.py")
SKIP_SUFFIXES = (".pyc", ".so", ".pyd", ".pyi", ".pxd", ".pyx", ".c", ".h", ".dart", ".jinja2", ".md")


def pinned(name: str) -> str:
    return metadata.version(name)


def package_versions() -> dict[str, str]:
    """Name → version of everything vendored: part of the bundle's input hash."""
    return {n: pinned(n) for n in (*PURE_PACKAGES, *WASM_PACKAGES)}


def _vendored_files(name: str) -> Iterator[tuple[str, Path]]:
    dist = metadata.distribution(name)
    for f in dist.files or ():
        rel = str(f)
        if rel.startswith("..") or "__pycache__" in rel or rel.endswith(SKIP_SUFFIXES):
            continue
        if rel.endswith(("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")) or "/licenses/" in rel:
            continue
        if any(rel == s or rel.startswith(s + "/") for s in SKIP_VENDORED):
            continue
        yield rel, Path(str(dist.locate_file(f)))


def wasm_wheels(cache: Path) -> list[Path]:
    """The Pyodide wheels of WASM_PACKAGES, downloaded once into `cache` (PyPI through pip)."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {n: pinned(n) for n in WASM_PACKAGES}
    found = {n: _cached_wheel(cache, n, v) for n, v in wanted.items()}
    missing = [f"{n}=={v}" for n, v in wanted.items() if found[n] is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--platform", WASM_PLATFORM, "--python-version", WASM_PYTHON, "--implementation", "cp",
                        "--abi", "cp314", "-d", str(cache), *missing], check=True)
        found = {n: _cached_wheel(cache, n, v) for n, v in wanted.items()}
    wheels = [w for w in found.values() if w is not None]
    if len(wheels) != len(wanted):
        raise RuntimeError(f"no {WASM_PLATFORM} wheel for {missing} in {cache}")
    return wheels


def _cached_wheel(cache: Path, name: str, version: str) -> Path | None:
    stem = f"{name.replace('-', '_')}-{version}-"
    return next((w for w in sorted(cache.glob("*.whl")) if w.name.lower().startswith(stem.lower())
                 and WASM_PLATFORM in w.name), None)


def _app_files() -> Iterator[tuple[str, Path]]:
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "__pycache__" in rel or any(rel == s or rel.startswith(s + "/") for s in SKIP_APP):
                continue
            yield rel, path
    for data in APP_DATA:
        base = ROOT / data
        for path in sorted(base.rglob("*")) if base.is_dir() else [base]:
            if path.is_file():
                yield path.relative_to(ROOT).as_posix(), path


def app_sources() -> list[Path]:
    """The handheld's own files that go into the archive (for the input hash)."""
    return [p for _, p in _app_files()]


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644  # fixed metadata: same inputs, same archive bytes
    tar.addfile(info, io.BytesIO(data))


def write_app_archive(target: Path, wheel_cache: Path) -> dict[str, int]:
    """Writes app.tar.gz: main.py (mobile/pwa/entry.py), the app's packages and data, `__pypackages__/`."""
    counts = {"app_files": 0, "vendored_files": 0}
    entries: dict[str, bytes] = {"main.py": (HERE / "entry.py").read_bytes()}
    for rel, path in _app_files():
        entries[rel] = path.read_bytes()
        counts["app_files"] += 1
    for name in PURE_PACKAGES:
        for rel, path in _vendored_files(name):
            entries[f"__pypackages__/{rel}"] = path.read_bytes()
            counts["vendored_files"] += 1
    for wheel in wasm_wheels(wheel_cache):
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.endswith("/") or member.endswith(("RECORD", ".pyi")):
                    continue
                entries[f"__pypackages__/{member}"] = zf.read(member)
                counts["vendored_files"] += 1
    with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        for name in sorted(entries):
            _add(tar, name, entries[name])
    return counts
