"""The handheld in Flet's server mode (web): `web_app()` as an ASGI app, `run_web()` to serve it (`python -m mobile`).

Flet 1.0.5 web mode needs `no_cdn=True` here: without it CanvasKit comes from a CDN and offline the page stays
blank. Chinese text needs a CJK font served from the app's own assets (`prepare_assets`).
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import flet as ft

from mobile.app import DEFAULT_BACKEND_URL, default_data_dir, make_main

log = logging.getLogger(__name__)

DEFAULT_PORT = 8550
CJK_FONTS = (  # first one found is served to the browser as fonts/cjk.ttf (Debian: fonts-droid-fallback, -noto-cjk)
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


def prepare_assets(data_dir: str | Path) -> Path:
    """The web assets folder: a copy of the first CJK font found (Flutter's own fallback fonts come from a CDN,
    which no_cdn turns off — without this, Chinese renders as boxes)."""
    assets = Path(data_dir) / "web-assets"
    target = assets / "fonts" / "cjk.ttf"
    if not target.exists():
        source = next((Path(p) for p in CJK_FONTS if Path(p).exists()), None)
        if source is None:
            log.warning("no CJK font found (apt-get install fonts-droid-fallback): Chinese will show as boxes")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # a copy: the static file server does not follow symlinks out
    assets.mkdir(parents=True, exist_ok=True)
    return assets


def web_app(data_dir: str | Path | None = None, backend_url: str | None = None, locale: str | None = None) -> Any:
    """The handheld as an ASGI app (serve it with uvicorn, ws="websockets-sansio")."""
    data = Path(data_dir) if data_dir else default_data_dir()
    return ft.run(make_main(data, backend_url, locale), export_asgi_app=True, no_cdn=True,
                  assets_dir=str(prepare_assets(data).resolve()), name="")


def run_web(port: int = DEFAULT_PORT, backend_url: str = DEFAULT_BACKEND_URL, data_dir: str | Path | None = None,
            host: str = "127.0.0.1", locale: str | None = None) -> None:
    """Serves the handheld in web mode until Ctrl-C or SIGTERM (Flet's own web server: no browser download, no
    CDN)."""
    data = Path(data_dir) if data_dir else default_data_dir()
    ft.run(make_main(data, backend_url, locale), view=ft.AppView.WEB_BROWSER, host=host, port=port, no_cdn=True,
           assets_dir=str(prepare_assets(data).resolve()))
