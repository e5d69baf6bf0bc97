"""The PWA's PhotoCleaner: the browser's canvas re-encodes the photo (no Pillow in Pyodide).

createImageBitmap turns the picture upright (its EXIF orientation applied), an OffscreenCanvas draws it at most
MAX_SIDE_PX on its long side, and convertToBlob writes a fresh JPEG, which carries no EXIF (GPS, device, time).
Same caps and quality ladder as PillowPhotos. Works in the Python worker (OffscreenCanvas exists there); importing
this module needs no Pyodide.
"""

from __future__ import annotations

from typing import Any, Protocol

from mobile.i18n import Msg
from mobile.viewmodels.photos import _QUALITIES, MAX_PHOTO_BYTES, MAX_SIDE_PX, PhotoRefused

_SMALLEST_SIDE_PX = 320  # below this a photo no longer shows a defect: refuse rather than shrink further


class Picture(Protocol):
    width: int
    height: int


class Canvas(Protocol):
    """What the cleaner needs from the browser."""

    async def open(self, data: bytes) -> Picture:
        """The decoded, upright picture. Raises PhotoRefused for bytes that are not an image."""
        ...

    async def jpeg(self, picture: Picture, width: int, height: int, quality: int) -> bytes:
        """`picture` drawn at width × height, as a JPEG at `quality` (1–100) without metadata."""
        ...


class CanvasPhotos:
    def __init__(self, canvas: Canvas | None = None, *, max_bytes: int = MAX_PHOTO_BYTES,
                 max_side: int = MAX_SIDE_PX) -> None:
        self.canvas = canvas or OffscreenCanvas()
        self.max_bytes = max_bytes
        self.max_side = max_side

    async def clean(self, data: bytes) -> bytes:
        picture = await self.canvas.open(data)
        try:
            return await self._encode(picture)
        finally:
            close = getattr(picture, "close", None)  # an ImageBitmap holds its pixels until closed
            if close is not None:
                close()

    async def _encode(self, picture: Picture) -> bytes:
        scale = min(1.0, self.max_side / max(picture.width, picture.height, 1))
        width, height = max(1, round(picture.width * scale)), max(1, round(picture.height * scale))
        while True:
            for quality in _QUALITIES:
                out = await self.canvas.jpeg(picture, width, height, quality)
                if len(out) <= self.max_bytes:
                    return out
            if max(width, height) <= _SMALLEST_SIDE_PX:
                raise PhotoRefused(Msg.of("photo.too_big"))
            width, height = max(1, width * 3 // 4), max(1, height * 3 // 4)


class OffscreenCanvas:
    """createImageBitmap + OffscreenCanvas + convertToBlob, through Pyodide's `js` module."""

    async def open(self, data: bytes) -> Picture:
        import js  # type: ignore[import-not-found]  # Pyodide only
        from pyodide.ffi import JsException, to_js  # type: ignore[import-not-found]

        try:
            blob = js.Blob.new(to_js([to_js(bytes(data))]))
            bitmap = await js.createImageBitmap(blob)  # imageOrientation "from-image": EXIF rotation applied
        except JsException as exc:  # InvalidStateError: the source image could not be decoded
            raise PhotoRefused(Msg.of("photo.not_image")) from exc
        return bitmap  # type: ignore[no-any-return]  # an ImageBitmap: width, height

    async def jpeg(self, picture: Picture, width: int, height: int, quality: int) -> bytes:
        import js  # type: ignore[import-not-found]
        from pyodide.ffi import to_js  # type: ignore[import-not-found]

        canvas = js.OffscreenCanvas.new(width, height)
        context: Any = canvas.getContext("2d")
        context.imageSmoothingQuality = "high"
        context.drawImage(picture, 0, 0, width, height)
        options = to_js({"type": "image/jpeg", "quality": quality / 100}, dict_converter=js.Object.fromEntries)
        blob = await canvas.convertToBlob(options)
        return bytes((await blob.arrayBuffer()).to_py())


__all__ = ["Canvas", "CanvasPhotos", "OffscreenCanvas", "Picture"]
