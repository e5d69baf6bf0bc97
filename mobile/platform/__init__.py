"""What the handheld needs from where it runs, chosen once at start-up.

                      server mode (Flet server, desktop, kiosk)     PWA (Pyodide in the phone's browser)
    HTTP              HttpxHttp: httpx.AsyncClient                  FetchHttp: pyfetch, js.fetch + a stream reader
    storage           DiskStorage: files in LOTLINE_HANDHELD_DIR    IdbfsStorage: IndexedDB-backed FS, synced on commit
    decoder           NativeDecoder: zxing-cpp + OpenCV             plugged in by the PWA build (zxing-cpp in wasm)
    photos            PillowPhotos                                  plugged in by the PWA build (canvas)

HTTP and storage live in `sync.client.adapters` because the sync client needs them and must not depend on the app;
decoder and photos are the handheld's own, here. Nothing is imported for the other mode, and nothing heavy
(httpx, numpy, cv2, zxingcpp, PIL) at import time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mobile.i18n import Msg
from mobile.platform.decoder import FrameDecoder, NativeDecoder
from mobile.scanner.result import ScanResult
from mobile.viewmodels.photos import PhotoCleaner, PhotoRefused, PillowPhotos
from mobile.viewmodels.replica import ScanRefused
from sync.client.adapters import DiskStorage, Http, IdbfsStorage, Storage, default_http, in_browser

BROWSER_DATA_DIR = "/lotline"  # the IDBFS mount point inside Pyodide's file system


class NoDecoder:
    """A build without a picture decoder: the camera says so, typed codes and the wedge still work."""

    async def decode(self, image: bytes, *, continuous: bool = False) -> list[ScanResult]:
        raise ScanRefused(Msg.of("camera.failed", detail="this build has no barcode decoder"))


class NoPhotos:
    async def clean(self, data: bytes) -> bytes:
        raise PhotoRefused(Msg.of("photo.not_image"))


@dataclass
class Platform:
    mode: str                               # "server" or "browser"
    data_dir: Path
    storage: Storage
    decoder: FrameDecoder
    photos: PhotoCleaner
    http: Callable[..., Http] = field(default=default_http)  # http(timeout_s=…) → a new client


def server_platform(data_dir: str | Path | None = None) -> Platform:
    data = Path(data_dir) if data_dir else Path(os.environ.get("LOTLINE_HANDHELD_DIR", "var/handheld"))
    return Platform("server", data, DiskStorage(), NativeDecoder(), PillowPhotos())


async def browser_platform(*, decoder: FrameDecoder | None = None, photos: PhotoCleaner | None = None,
                           storage: IdbfsStorage | None = None) -> Platform:
    """Mounts the IndexedDB-backed data dir and loads what the last session left there (before any file is
    opened). Raises OSError when IndexedDB cannot be read."""
    storage = storage or IdbfsStorage(BROWSER_DATA_DIR)
    data = Path(await storage.open())
    from mobile.platform.browser_decoder import WasmDecoder  # here: server mode never imports the browser's
    from mobile.platform.browser_photos import CanvasPhotos

    return Platform("browser", data, storage, decoder or WasmDecoder(), photos or CanvasPhotos())


async def start_platform(data_dir: str | Path | None = None, **plugins: object) -> Platform:
    """The platform this process runs on: the browser's inside Pyodide, else server mode."""
    if in_browser():
        return await browser_platform(**plugins)  # type: ignore[arg-type]
    return server_platform(data_dir)


__all__ = ["NativeDecoder", "Platform", "browser_platform", "server_platform", "start_platform"]
