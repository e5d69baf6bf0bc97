"""Defect photos: re-encoded before they are stored, so no EXIF (GPS, device, time) leaves the handheld, turned
upright, and kept under a size limit. `PhotoCleaner` is the seam: Pillow in server mode (imported on first use:
the browser has no Pillow), the browser's canvas in the PWA."""

from __future__ import annotations

import io
from typing import Protocol

from mobile.i18n import Msg

MAX_PHOTO_BYTES = 300_000
MAX_SIDE_PX = 1600
_QUALITIES = (85, 75, 65, 55, 45)


class PhotoRefused(ValueError):
    def __init__(self, msg: Msg) -> None:
        super().__init__(msg.key)
        self.msg = msg


class PhotoCleaner(Protocol):
    async def clean(self, data: bytes) -> bytes:
        """A JPEG without metadata, upright, at most MAX_SIDE_PX on its long side and MAX_PHOTO_BYTES long.
        Raises PhotoRefused for data that is not an image or cannot be made small enough."""
        ...


class PillowPhotos:
    async def clean(self, data: bytes) -> bytes:
        return shrunk_jpeg(data)


def shrunk_jpeg(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES, max_side: int = MAX_SIDE_PX) -> bytes:
    """A JPEG without metadata, at most `max_side` px on its long side and `max_bytes` long.
    Raises PhotoRefused for data that is not an image."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise PhotoRefused(Msg.of("photo.not_image")) from exc
    image.thumbnail((max_side, max_side))
    while True:
        for quality in _QUALITIES:
            out = io.BytesIO()
            # A fresh RGB image carries no info dict, and exif=b"" writes no APP1 segment.
            image.save(out, "JPEG", quality=quality, optimize=True, exif=b"")
            if out.tell() <= max_bytes:
                return out.getvalue()
        if max(image.size) <= 320:
            raise PhotoRefused(Msg.of("photo.too_big"))
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))
