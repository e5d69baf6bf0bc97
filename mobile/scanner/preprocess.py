"""Turn what the camera hands over (JPEG/PNG bytes, numpy BGR or gray, PIL image) into a small grayscale frame."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

try:  # absent in the browser (Pyodide): the PWA decodes encoded pictures with zxing-cpp's WebAssembly build
    import cv2
    import numpy as np
except ImportError:  # pragma: no cover - server mode always has both
    cv2 = np = None  # type: ignore[assignment]

from .result import ScanError

DEFAULT_MAX_SIDE = 1280


@dataclass(frozen=True, slots=True)
class GrayFrame:
    """A grayscale uint8 image and ``scale`` = its size / the caller's frame size (1.0 when not resized)."""

    gray: np.ndarray
    scale: float = 1.0


def _decode_image_bytes(data: bytes | bytearray | memoryview) -> np.ndarray:
    raw = bytes(data) if isinstance(data, memoryview) else data
    if len(raw) == 0:
        raise ScanError("frame is empty (0 bytes); expected JPEG or PNG bytes")
    try:
        gray = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    except cv2.error as exc:
        raise ScanError(f"frame of {len(raw)} bytes could not be decoded as an image: {exc}") from exc
    if gray is None or gray.size == 0:
        raise ScanError(
            f"frame is not an image OpenCV can decode: {len(raw)} bytes starting {raw[:8]!r}; "
            "expected JPEG or PNG bytes"
        )
    return gray


def _array_to_gray(arr: np.ndarray) -> np.ndarray:
    if arr.dtype != np.uint8:
        raise ScanError(f"frame array has dtype {arr.dtype}; expected uint8 (8-bit gray or BGR)")
    if arr.size == 0:
        raise ScanError(f"frame array is empty (shape {arr.shape})")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2GRAY)
    raise ScanError(f"frame array has shape {arr.shape}; expected (h, w) gray or (h, w, 3) BGR")


def _is_pil_image(obj: Any) -> bool:
    pil = sys.modules.get("PIL.Image")  # only a caller that has imported PIL can hand us a PIL image
    return pil is not None and isinstance(obj, pil.Image)


def to_gray(frame: Any) -> np.ndarray:
    """8-bit grayscale view of ``frame``; a gray C-contiguous array is returned as is (no copy).

    Raises ScanError naming the problem for anything that is not an image.
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return _decode_image_bytes(frame)
    if isinstance(frame, np.ndarray):
        return _array_to_gray(frame)
    if _is_pil_image(frame):
        return np.asarray(frame.convert("L"))
    if isinstance(frame, str):
        raise ScanError("frame is text, not an image; typed or wedge codes go through scan_text()")
    raise ScanError(f"unsupported frame type {type(frame).__name__}; expected JPEG/PNG bytes, ndarray or PIL image")


def downscale(gray: np.ndarray, max_side: int | None = DEFAULT_MAX_SIDE) -> GrayFrame:
    """Shrink so the long side is at most ``max_side`` (area averaging keeps thin bars); never enlarges."""
    h, w = gray.shape[:2]
    if not max_side or max(h, w) <= max_side:
        return GrayFrame(gray, 1.0)
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return GrayFrame(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), scale)


def prepare(frame: Any, max_side: int | None = DEFAULT_MAX_SIDE) -> GrayFrame:
    """``to_gray`` then ``downscale``: the frame the decoder reads."""
    return downscale(to_gray(frame), max_side)


def enhance_contrast(gray: np.ndarray) -> np.ndarray:
    """Local contrast for the last retry: CLAHE for dim or uneven light, then an unsharp mask for soft edges.

    On the generated benchmark set the two together recover more blurred frames than either alone.
    """
    stretched = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)  # per call: CLAHE keeps state
    soft = cv2.GaussianBlur(stretched, (0, 0), 2.0)
    return cv2.addWeighted(stretched, 2.5, soft, -1.5, 0)


def invert(gray: np.ndarray) -> np.ndarray:
    """Light-on-dark to dark-on-light."""
    return cv2.bitwise_not(gray)
