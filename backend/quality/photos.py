"""Inspection photos as values: what is kept of one, and an upload stripped of its metadata (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.quality.errors import PhotoTooLarge, UnsupportedPhoto

DEFAULT_MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 64_000_000   # a 12–50 MP phone photo fits; decoding far more would only burn memory
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo as stored: re-encoded without metadata; `inspection_id` None while it waits in the inbox."""

    id: str
    inspection_id: str | None
    characteristic: str
    content_type: str
    size_bytes: int
    sha256: str
    taken_at: datetime
    site_id: str | None = None
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class StrippedPhoto:
    """An uploaded photo re-encoded in its own format; `content_type` is what the bytes are, not what was claimed."""

    data: bytes
    content_type: str   # image/jpeg | image/png


def stripped_photo(data: bytes, max_bytes: int) -> StrippedPhoto:
    """The photo re-encoded without EXIF (GPS, camera, time) or other metadata, turned upright first, at its own
    size and format. Refuses rather than shrinks: raises PhotoTooLarge (over `max_bytes` or MAX_PHOTO_PIXELS) or
    UnsupportedPhoto (neither JPEG nor PNG, or damaged)."""
    if len(data) > max_bytes:
        raise PhotoTooLarge(f"The photo is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB.",
                            size_bytes=len(data), max_bytes=max_bytes)
    if data.startswith(JPEG_MAGIC):
        kind, fmt = "image/jpeg", "JPEG"
    elif data.startswith(PNG_MAGIC):
        kind, fmt = "image/png", "PNG"
    else:
        raise UnsupportedPhoto("Only JPEG or PNG photos are taken; this file is neither.", head=data[:8].hex())
    try:
        with Image.open(BytesIO(data), formats=[fmt]) as img:
            if img.width * img.height > MAX_PHOTO_PIXELS:
                raise PhotoTooLarge(f"The photo is {img.width}×{img.height} pixels; the limit is "
                                    f"{MAX_PHOTO_PIXELS / 1e6:.0f} megapixels.", width=img.width, height=img.height)
            img.load()
            upright = ImageOps.exif_transpose(img)
            icc = img.info.get("icc_profile")
    except Image.DecompressionBombError as exc:
        raise PhotoTooLarge(f"The photo has too many pixels to be a photo: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedPhoto(f"The {fmt} photo is damaged and cannot be read: {exc}") from exc
    if upright.mode == "P":
        upright = upright.convert("RGBA" if fmt == "PNG" else "RGB")
    # A new image from the pixels alone: nothing of the original's info (EXIF, XMP, text chunks) comes along.
    bare = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    out = BytesIO()
    options: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        bare.save(out, "JPEG", quality=90, **options)
    else:
        bare.save(out, "PNG", **options)
    return StrippedPhoto(out.getvalue(), kind)
