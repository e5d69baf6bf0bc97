"""The handheld PWA bundle (`lotline build-app`) and how the backend serves it at /app/.

Built once per run and shared with the browser tests (`pwa_bundle` in tests/conftest.py; about 10 s, the Pyodide
wheels come from ~/.cache/lotline, fetched once from PyPI)."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from PIL import Image

from backend.app import create_app
from backend.config import Settings
from mobile.pwa import builder, packages

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundle(pwa_bundle: Path) -> Path:
    return pwa_bundle


@pytest.fixture(scope="module")
def client(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:  # type: ignore[type-arg]
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), app_dir=bundle)
    with TestClient(create_app(settings)) as c:
        yield c


def shell_files(bundle: Path) -> set[str]:
    return {p.relative_to(bundle).as_posix() for p in bundle.rglob("*")
            if p.is_file() and (not p.name.endswith(".gz") or p.name == "app.tar.gz")} - {"bundle.json", "sw.js"}


def test_manifest_installs_the_app_standalone_from_app_scope(bundle: Path) -> None:
    manifest = json.loads((bundle / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"].startswith("溯源手持") and "Lotline Handheld" in manifest["name"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app/", "/app/", "standalone")
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["theme_color"])
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        with Image.open(bundle / icon["src"]) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
    assert 'rel="manifest" href="manifest.webmanifest"' in (bundle / "index.html").read_text(encoding="utf-8")


def test_service_worker_precaches_every_file_of_the_shell(bundle: Path) -> None:
    sw = (bundle / "sw.js").read_text(encoding="utf-8")
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", sw, re.S).group(1))  # type: ignore[union-attr]
    assert precache[0] == "./"
    assert set(precache[1:]) == shell_files(bundle)
    version = json.loads((bundle / "bundle.json").read_text())["version"]
    assert f'const VERSION = "{version}";' in sw


def test_shell_has_one_renderer_no_source_maps_and_no_flutter_service_worker(bundle: Path) -> None:
    files = shell_files(bundle)
    assert "main.dart.js" in files and "canvaskit/canvaskit.wasm" in files
    assert not [f for f in files if f.endswith((".map", ".symbols")) or "skwasm" in f or "main.dart.wasm" in f
                or f.startswith(("canvaskit/chromium/", "canvaskit/experimental")) or f.endswith(".whl")]
    assert "flutter_service_worker.js" not in files
    bootstrap = (bundle / "flutter_bootstrap.js").read_text(encoding="utf-8")
    assert "serviceWorkerSettings" not in bootstrap.split("_flutter.buildConfig")[1]
    assert '"dart2wasm"' not in bootstrap.split("_flutter.buildConfig")[1]


def test_index_loads_pyodide_from_the_bundle_and_registers_our_worker(bundle: Path) -> None:
    html = (bundle / "index.html").read_text(encoding="utf-8")
    assert 'flet.pyodideUrl="./pyodide/pyodide.mjs";' in html  # a bare specifier is refused by import()
    assert '<base href="/app/">' in html and 'src="sw-register.js"' in html
    assert 'flet.canvasKitBaseUrl="/app/canvaskit/";' in html  # else CanvasKit comes from www.gstatic.com
    assert 'flet.fontFallbackBaseUrl="assets/fonts/";' in html  # else fallback fonts come from fonts.gstatic.com
    for name in ("index.html", "python.js", "python-worker.js", "sw.js", "sw-register.js", "zxing/reader.mjs"):
        assert "https://" not in (bundle / name).read_text(encoding="utf-8"), name
    assert "cdn.jsdelivr.net" not in (bundle / "main.dart.js").read_text(encoding="utf-8")


def test_app_archive_holds_the_handheld_and_its_packages_but_no_server_code(bundle: Path) -> None:
    with tarfile.open(bundle / "app.tar.gz") as tar:
        names = tar.getnames()
    assert "main.py" in names and "mobile/app.py" in names and "shared_models/__init__.py" in names
    assert "assets/i18n/zh-CN.json" in names
    assert not [n for n in names if n.startswith(("backend/", "sync/server/", "mobile/pwa/node_modules"))]
    vendored = {n.split("/")[1] for n in names if n.startswith("__pypackages__/")}
    assert {"flet", "pydantic", "pydantic_core", "msgpack", "sqlalchemy", "sqlmodel", "httpx", "yaml"} <= vendored
    native = [n for n in names if n.endswith(".so")]
    assert native and all("wasm32-emscripten" in n for n in native)  # Pyodide wheels only, never this machine's


def test_bundle_is_current_until_an_input_changes(bundle: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    assert builder.is_current(bundle)
    assert builder.ensure_bundle(bundle, say=lambda _: None).rebuilt is False
    edited = tmp_path / "edited.py"
    edited.write_text("x = 1\n")
    sources = packages.app_sources()
    monkeypatch.setattr(packages, "app_sources", lambda: [*sources, edited])
    assert not builder.is_current(bundle)


@pytest.mark.parametrize(("path", "media_type"), [
    ("/app/pyodide/pyodide.mjs", "text/javascript"), ("/app/canvaskit/canvaskit.wasm", "application/wasm"),
    ("/app/zxing/reader/zxing_reader.wasm", "application/wasm"), ("/app/zxing/reader.mjs", "text/javascript"),
    ("/app/manifest.webmanifest", "application/manifest+json"), ("/app/", "text/html"),
])
def test_shell_files_are_served_without_a_token_with_their_media_type(client: TestClient, path: str,  # type: ignore[type-arg]
                                                                     media_type: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media_type


def test_service_worker_and_index_are_never_served_stale(client: TestClient) -> None:  # type: ignore[type-arg]
    sw = client.get("/app/sw.js")
    assert sw.headers["service-worker-allowed"] == "/app/"
    assert sw.headers["cache-control"] == "no-store"
    assert client.get("/app/").headers["cache-control"] == "no-cache"


def test_big_files_go_out_gzip_encoded_when_the_browser_accepts_it(client: TestClient, bundle: Path) -> None:  # type: ignore[type-arg]
    raw = client.get("/app/main.dart.js", headers={"accept-encoding": "identity"})
    packed = client.get("/app/main.dart.js", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in raw.headers and raw.content == (bundle / "main.dart.js").read_bytes()
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["vary"] == "Accept-Encoding"
    assert packed.content == raw.content  # httpx decodes it
    assert len((bundle / "main.dart.js.gz").read_bytes()) < len(raw.content) / 2
    assert gzip.decompress((bundle / "main.dart.js.gz").read_bytes()) == raw.content


def test_nothing_outside_the_bundle_is_served(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/app/bundle.json/../../../pyproject.toml").status_code == 404
    assert client.get("/app/%2e%2e/pyproject.toml").status_code == 404
    assert client.get("/app/no-such-file.js").status_code == 404
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/"


def test_app_answers_503_with_the_build_command_until_built(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(data_dir=tmp_path))) as c:
        answer = c.get("/app/")
    assert answer.status_code == 503
    assert "lotline build-app" in answer.text


def test_the_handheld_imports_where_numpy_opencv_zxing_pillow_and_cryptography_are_missing() -> None:
    """The browser has none of them: importing the app (what the PWA's main.py does first) must not need them."""
    code = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'numpy', 'cv2', 'zxingcpp', 'PIL', 'pyzbar', 'greenlet', '_yaml',\n"
        "                                   'cryptography'}:\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import mobile.app, mobile.pwa.entry\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
