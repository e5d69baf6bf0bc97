"""`lotline build-app`: the handheld as a static, installable, offline PWA bundle served at /app/.

Everything comes from this machine (flet-web's wheel, the venv, PyPI wheels cached once, npm ci, a Debian font):
the bundle asks no CDN for anything at run time. The bundle is rebuilt when the hash of its inputs changes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from flet_web.patch_index import patch_font_manifest_json

from mobile.pwa import assets, packages

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STAMP = "bundle.json"  # inputs hash, version, file list and sizes; not precached, not served as part of the shell
PYODIDE_VERSION = "314.0.7"
# ONE renderer: dart2js + CanvasKit ("full" variant). skwasm (dart2wasm) is refused by Flutter's loader on Safari
# and Firefox (its wasmAllowList), so a wasm-only bundle would not start on an iPhone; CanvasKit runs everywhere.
SKIP_WEB = re.compile(r"""(
    .*\.map$ | .*\.symbols$ | main\.dart\.(wasm|mjs)$ | flutter\.js$ | flutter_service_worker\.js$
  | canvaskit/(skwasm|wimp)[^/]* | canvaskit/(chromium|experimental_webparagraph)/.*
  | pyodide/(python|python\.bat|python\.exe|python_cli_entry\.mjs|pyodide\.js|package\.json|.*\.d\.ts|.*\.whl)$
  | manifest\.json$ | favicon\.png$ | icons/(?!loading-animation\.png).*
)""", re.VERBOSE)
COMPRESS = (".js", ".mjs", ".wasm", ".json", ".html", ".ttf", ".otf", ".bin", ".css", ".txt", ".frag")
ZXING_FILES = {"es/reader/index.js": "dist/es/reader/index.js", "es/share.js": "dist/es/share.js",
               "reader/zxing_reader.wasm": "dist/reader/zxing_reader.wasm", "LICENSE": "LICENSE"}


@dataclass(frozen=True, slots=True)
class Bundle:
    path: Path
    version: str
    files: int
    total_bytes: int
    transfer_bytes: int  # first load: every precached file, gzip-encoded where the bundle has a .gz
    rebuilt: bool

    def describe(self) -> str:
        return (f"handheld bundle {self.version} at {self.path}: {self.files} files, {self.total_bytes / 1e6:.1f} MB; "
                f"first load transfers {self.transfer_bytes / 1e6:.1f} MB (gzip)")


def default_wheel_cache() -> Path:
    return Path.home() / ".cache" / "lotline" / "pyodide-wheels"


def web_dir() -> Path:
    import flet_web

    return Path(flet_web.__file__).resolve().parent / "web"


def node_modules() -> Path:
    """mobile/pwa/node_modules, installed with `npm ci` from package-lock.json when missing."""
    target = HERE / "node_modules" / "zxing-wasm"
    if not target.exists():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, check=True)
    return target


def _digest(paths: Iterable[Path], extra: object) -> str:
    h = hashlib.sha256(json.dumps(extra, sort_keys=True).encode())
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def inputs_hash() -> str:
    """What the bundle is made from: this builder and its templates, the handheld's code and data, the versions of
    flet-web and the vendored packages, the zxing-wasm lock and the CJK font's source."""
    ours = sorted(p for p in [*HERE.glob("*.py"), *TEMPLATES.glob("*"), HERE / "package-lock.json"] if p.is_file())
    import flet_web.version

    return _digest([*ours, *packages.app_sources()], {
        "flet_web": flet_web.version.version, "packages": packages.package_versions(),
        "font": [str(assets.cjk_source()), assets.cjk_source().stat().st_size]})


def read_stamp(out: Path) -> dict[str, object] | None:
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def is_current(out: Path) -> bool:
    stamp = read_stamp(out)
    return stamp is not None and stamp.get("inputs") == inputs_hash() and (out / "index.html").exists()


def ensure_bundle(out: Path, *, force: bool = False, wheel_cache: Path | None = None,
                  say: Callable[[str], None] = print) -> Bundle:
    """The bundle at `out`, built first when missing, stale or `force`d. A build goes to a sibling folder and
    replaces `out` only when complete, so a server reading `out` never sees half a bundle."""
    if not force and is_current(out):
        return _bundle(out, rebuilt=False)
    say(f"building the handheld bundle into {out} (about a minute)")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        _build(stage, wheel_cache or default_wheel_cache())
        old = out.with_name(f".{out.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        stage.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return _bundle(out, rebuilt=True)


def _bundle(out: Path, *, rebuilt: bool) -> Bundle:
    stamp = read_stamp(out) or {}
    return Bundle(out, str(stamp.get("version")), int(str(stamp.get("files", 0))),
                  int(str(stamp.get("total_bytes", 0))), int(str(stamp.get("transfer_bytes", 0))), rebuilt)


def _build(stage: Path, wheel_cache: Path) -> None:
    source = web_dir()
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source).as_posix()
        if path.is_file() and not SKIP_WEB.fullmatch(rel):
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, stage / rel)
    font = stage / "assets" / "fonts" / "cjk.ttf"
    assets.write_cjk_subset(font)
    assets.register_font(stage / "assets" / "FontManifest.json", "fonts/cjk.ttf")
    patch_font_manifest_json(str(stage / "assets" / "FontManifest.json"))  # Roboto from the bundle, not fallback
    assets.write_icons(stage / "icons", font)
    shutil.move(stage / "icons" / "favicon.png", stage / "favicon.png")
    (stage / "manifest.webmanifest").write_text(json.dumps(assets.manifest(), ensure_ascii=False, indent=1),
                                                encoding="utf-8")
    zxing = node_modules()
    for rel, src in ZXING_FILES.items():
        (stage / "zxing" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(zxing / src, stage / "zxing" / rel)
    shutil.copyfile(TEMPLATES / "zxing-reader.mjs", stage / "zxing" / "reader.mjs")
    packages.write_app_archive(stage / "app.tar.gz", wheel_cache)
    _patch_index(stage / "index.html")
    _patch_bootstrap(stage / "flutter_bootstrap.js")
    _patch_main_js(stage / "main.dart.js")
    shell = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    version = _digest([stage / rel for rel in shell], shell)
    (stage / "sw-register.js").write_text(
        (TEMPLATES / "sw-register.js").read_text(encoding="utf-8").replace("__VERSION__", version), encoding="utf-8")
    precache = ["./", *sorted([*shell, "sw-register.js"])]
    (stage / "sw.js").write_text((TEMPLATES / "sw.js").read_text(encoding="utf-8")
                                 .replace("__VERSION__", version)
                                 .replace("__PRECACHE__", json.dumps(precache, indent=1)), encoding="utf-8")
    total = transfer = 0
    for rel in [*precache[1:], "sw.js"]:
        data = (stage / rel).read_bytes()
        total += len(data)
        sent = len(data)
        if rel.endswith(COMPRESS) and len(data) > 1024:
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) < len(data) * 0.9:
                (stage / f"{rel}.gz").write_bytes(packed)
                sent = len(packed)
        transfer += sent
    (stage / STAMP).write_text(json.dumps({
        "inputs": inputs_hash(), "version": version, "files": len(precache), "total_bytes": total,
        "transfer_bytes": transfer, "precache": precache}, indent=1), encoding="utf-8")


def _patch_index(index: Path) -> None:
    from flet.controls.types import WebRenderer
    from flet_web.patch_index import patch_index_html

    patch_index_html(str(index), base_href=assets.SCOPE, app_name=assets.SHORT_NAME, pyodide=True,
                     pyodide_script_path="main.py", app_package_url="app.tar.gz", pyodide_version=PYODIDE_VERSION,
                     web_renderer=WebRenderer.CANVAS_KIT, no_cdn=True,
                     app_description="Lotline Handheld — 质量追溯手持终端")
    html = index.read_text(encoding="utf-8")
    # flet publish writes a bare module specifier, which a browser's import() refuses.
    html = html.replace('flet.pyodideUrl="pyodide/pyodide.mjs";', 'flet.pyodideUrl="./pyodide/pyodide.mjs";')
    html = html.replace('<link rel="manifest" href="manifest.json">',
                        f'<link rel="manifest" href="manifest.webmanifest">\n'
                        f'  <meta name="theme-color" content="{assets.THEME_COLOUR}">')
    html = html.replace('href="icons/apple-touch-icon-192.png"', 'href="icons/apple-touch-icon.png"')
    html = html.replace('<html>', '<html lang="zh-CN">', 1)
    html = html.replace('<script src="python.js"></script>',
                        '<script src="python.js"></script>\n  <script src="sw-register.js"></script>')
    for needed in ('flet.pyodideUrl="./pyodide/pyodide.mjs"', 'manifest.webmanifest', 'sw-register.js',
                   'flet.pyodide = true', '<base href="/app/">'):
        if needed not in html:
            raise RuntimeError(f"flet-web's index.html changed: could not set {needed!r}")
    index.write_text(html, encoding="utf-8")


def _patch_main_js(main_js: Path) -> None:
    """The client asks jsDelivr for Rive's runtime at start (the handheld draws no Rive animation): point it at a
    same-origin folder that does not exist, so the request stays on our server and fails as harmlessly offline."""
    js = main_js.read_text(encoding="utf-8")
    js, n = re.subn(r'"https://cdn\.jsdelivr\.net/npm/@rive-app/flutter-native-wasm@[^"/]+/"', '"rive/"', js)
    if n != 1:
        raise RuntimeError(f"flet-web's main.dart.js changed: found {n} Rive CDN URLs")
    main_js.write_text(js, encoding="utf-8")


def _patch_bootstrap(bootstrap: Path) -> None:
    """Flutter's service worker only unregisters itself (and never registers on a first visit): ours replaces it.
    The loader is told there is one build (dart2js + CanvasKit) and one CanvasKit variant (full)."""
    js = bootstrap.read_text(encoding="utf-8")
    js, n_sw = re.subn(r"\n\s*serviceWorkerSettings: \{[^}]*\},", "", js)
    js, n_build = re.subn(r'\{"compileTarget":"dart2wasm"[^}]*\},', "", js)
    js, n_variant = re.subn(r"(var flutterConfig = \{)", r'\1\n    canvasKitVariant: "full",', js)
    if (n_sw, n_build, n_variant) != (1, 1, 1):
        raise RuntimeError(f"flet-web's flutter_bootstrap.js changed: patched {n_sw, n_build, n_variant}")
    bootstrap.write_text(js, encoding="utf-8")
