"""The handheld's camera through flet-camera: tap to scan, continuous scanning, defect photos.

Optional by design: when flet-camera is not installed, or the device has no camera or refuses it, `available`
turns False and says why; typed codes and a keyboard-wedge scanner keep working.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from mobile.i18n import Msg
from mobile.scanner import ScanResult
from mobile.viewmodels.replica import ScanRefused
from mobile.viewmodels.scan import ScanInput

try:  # an optional extension: the app runs without it
    import flet_camera as fc
except ImportError:  # pragma: no cover - depends on what is installed
    fc = None

log = logging.getLogger(__name__)
PREVIEW_HEIGHT = 200
CONTINUOUS_PAUSE_S = 0.35


class CameraScanner:
    def __init__(self, scan_input: ScanInput) -> None:
        self.scan_input = scan_input
        self.problem: Msg | None = None if fc is not None else Msg.of("camera.not_installed")
        self.continuous = False
        self._ready = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[Any] | None = None
        self.camera: Any = fc.Camera(expand=True, preview_enabled=True) if fc is not None else None
        # Mounted from the start (a control must be on the page before its methods are called), shown once used.
        self.control = ft.Container(self.camera, height=0, visible=fc is not None, border_radius=8,
                                    clip_behavior=ft.ClipBehavior.HARD_EDGE)

    @property
    def available(self) -> bool:
        return self.problem is None

    async def _ensure(self) -> bool:
        if self._ready:
            return True
        if self.camera is None:
            return False
        try:
            cameras = await self.camera.get_available_cameras()
            if not cameras:
                self.problem = Msg.of("camera.none")
                return False
            back = next((c for c in cameras if getattr(c.lens_direction, "value", "") == "back"), cameras[0])
            await self.camera.initialize(back, fc.ResolutionPreset.MEDIUM, enable_audio=False)
        except Exception as exc:  # the browser or device refused: keep manual and wedge input
            log.warning("camera unavailable: %s", exc)
            self.problem = Msg.of("camera.failed", detail=str(exc)[:120])
            return False
        self._ready = True
        self.problem = None
        return True

    def show_preview(self, wanted: bool) -> None:
        """The preview takes room only where the worker aims the camera (the scan screen, continuous mode); the
        control stays mounted either way, so the camera stays initialised."""
        self.control.height = PREVIEW_HEIGHT if wanted and self._ready else 0

    async def picture(self) -> bytes | None:
        """One JPEG from the camera, or None (see `problem`)."""
        async with self._lock:
            if not await self._ensure():
                return None
            try:
                data = await self.camera.take_picture()
            except Exception as exc:  # a picture that failed is not a reason to crash the screen
                self.problem = Msg.of("camera.failed", detail=str(exc)[:120])
                return None
            return bytes(data) if data else None

    async def tap(self) -> ScanResult | None:
        """Scans one picture. None when it shows no code; raises ScanRefused when the camera is unavailable."""
        data = await self.picture()
        if data is None:
            raise ScanRefused(self.problem or Msg.of("camera.none"))
        return await self.scan_input.from_frame(data)  # the platform's decoder (ScanInput.decoder)

    def start(self, deliver: Callable[[ScanResult], Awaitable[None]],
              refused: Callable[[Msg], Awaitable[None]]) -> None:
        """Continuous mode: a result for each new code that comes into view, until `stop`."""
        if self._task is not None and not self._task.done():
            return
        self.continuous = True
        self._task = asyncio.create_task(self._loop(deliver, refused))

    def stop(self) -> None:
        self.continuous = False

    async def _loop(self, deliver: Callable[[ScanResult], Awaitable[None]],
                    refused: Callable[[Msg], Awaitable[None]]) -> None:
        while self.continuous:
            data = await self.picture()
            if data is None:
                self.continuous = False
                await refused(self.problem or Msg.of("camera.none"))
                return
            try:
                result = await self.scan_input.from_frame(data, continuous=True)
            except ScanRefused as exc:
                await refused(exc.msg)
                result = None
            if result is not None:
                await deliver(result)
            await asyncio.sleep(CONTINUOUS_PAUSE_S)
