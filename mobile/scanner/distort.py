"""Camera-like test frames: a label placed on a cluttered 1280x720 scene, with one named distortion."""

from __future__ import annotations

import math
import random

import cv2
import numpy as np

from .labels import Label

FRAME_SIZE = (1280, 720)  # width, height
DISTORTIONS: tuple[str, ...] = (
    "clean", "rotate", "rotate90", "rotate180", "perspective", "blur", "noise",
    "low_contrast", "inverted", "glare", "jpeg40",
)  # fmt: skip
_WORDS = ("LOT", "QTY", "PO 4711", "FRAGILE", "THIS SIDE UP", "BIN A-03", "KEEP DRY", "Made in EU")


def cluttered_background(rng: random.Random, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """A BGR shop-floor-ish scene: shaded surface, boxes, lines, printed words (fixed by ``rng``)."""
    w, h = size
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 90 + 60 * (gx / w) * rng.uniform(0.3, 1.0) + 40 * (gy / h) * rng.uniform(0.3, 1.0)
    img = np.dstack([base * rng.uniform(0.8, 1.2) for _ in range(3)]).clip(0, 255).astype(np.uint8)
    for _ in range(rng.randint(8, 16)):
        color = tuple(rng.randrange(256) for _ in range(3))
        x, y = rng.randrange(w), rng.randrange(h)
        if rng.random() < 0.5:
            cv2.rectangle(img, (x, y), (x + rng.randint(40, 300), y + rng.randint(30, 200)), color, -1)
        else:
            cv2.line(img, (x, y), (rng.randrange(w), rng.randrange(h)), color, rng.randint(1, 6))
    for _ in range(rng.randint(4, 10)):
        org = (rng.randrange(w - 200), rng.randrange(30, h))
        cv2.putText(img, rng.choice(_WORDS), org, cv2.FONT_HERSHEY_SIMPLEX, rng.uniform(0.6, 1.8),
                    tuple(rng.randrange(120) for _ in range(3)), 2)  # fmt: skip
    return img


def place_label(
    label: np.ndarray,
    scene: np.ndarray,
    rng: random.Random,
    *,
    module_px: float,
    label_module_px: int = 1,
    angle_deg: float = 0.0,
    skew: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Paste a gray label onto ``scene`` at ``module_px`` per module, rotated and skewed; (frame, its 4 corners).

    Render the label at several px per module and shrink it here, as a camera does: enlarging a 1 px/module
    image with interpolation distorts bar widths at an angle.
    """
    lh, lw = label.shape[:2]
    fh, fw = scene.shape[:2]
    a = math.radians(angle_deg)
    bw = abs(lw * math.cos(a)) + abs(lh * math.sin(a))
    bh = abs(lw * math.sin(a)) + abs(lh * math.cos(a))
    s = min(module_px / label_module_px, 0.8 * fw / (bw * (1 + skew)), 0.8 * fh / (bh * (1 + skew)))
    half_w, half_h = bw * s * (1 + skew) / 2, bh * s * (1 + skew) / 2
    cx = rng.uniform(half_w + 4, fw - half_w - 4)
    cy = rng.uniform(half_h + 4, fh - half_h - 4)
    src = np.float32([[0, 0], [lw, 0], [lw, lh], [0, lh]])
    centred = (src - [lw / 2, lh / 2]) * s
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=np.float32)
    dst = centred @ rot.T + [cx, cy]
    if skew:
        jitter = np.float32([[rng.uniform(-skew, skew) * lw * s, rng.uniform(-skew, skew) * lh * s] for _ in range(4)])
        dst = dst + jitter
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(label, m, (fw, fh), flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(label, 255), m, (fw, fh), flags=cv2.INTER_LINEAR, borderValue=0)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    out = scene.astype(np.float32) * (1 - alpha) + cv2.cvtColor(warped, cv2.COLOR_GRAY2BGR) * alpha
    return out.astype(np.uint8), dst


def _glare(frame: np.ndarray, corners: np.ndarray, rng: random.Random) -> np.ndarray:
    """A saturated hot spot over part of the label (a point between its centre and one corner)."""
    h, w = frame.shape[:2]
    t = rng.uniform(0.2, 0.6)
    cx, cy = corners.mean(axis=0) * (1 - t) + corners[rng.randrange(4)] * t
    size = float(np.linalg.norm(corners[2] - corners[0]))
    sigma = max(12.0, rng.uniform(0.12, 0.25) * size)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    blob = 230 * np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * sigma**2))
    return (frame.astype(np.float32) + blob[..., None]).clip(0, 255).astype(np.uint8)


def make_scene(
    label: Label, distortion: str, rng: random.Random, *, background: np.ndarray | None = None
) -> np.ndarray:
    """A BGR 1280x720 frame showing ``label`` at 2.5-4 px per module with ``distortion`` from DISTORTIONS."""
    if distortion not in DISTORTIONS:
        raise ValueError(f"unknown distortion {distortion!r}; choose from {DISTORTIONS}")
    scene = cluttered_background(rng) if background is None else background.copy()
    module_px = rng.uniform(2.5, 4.0)
    angle, skew = rng.uniform(-2, 2), 0.0
    if distortion == "rotate":
        angle = rng.choice([-1, 1]) * rng.uniform(5, 30)
    elif distortion == "rotate90":
        angle = 90.0
    elif distortion == "rotate180":
        angle = 180.0
    elif distortion == "perspective":
        skew = rng.uniform(0.08, 0.15)
    image = 255 - label.image if distortion == "inverted" else label.image
    frame, corners = place_label(
        image, scene, rng, module_px=module_px, label_module_px=label.module_px, angle_deg=angle, skew=skew
    )
    if distortion == "blur":
        frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(1.2, 2.0))
    elif distortion == "noise":
        noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 18, frame.shape)
        frame = (frame + noise).clip(0, 255).astype(np.uint8)
    elif distortion == "low_contrast":
        frame = (frame.astype(np.float32) * 0.22 + 105).astype(np.uint8)
    elif distortion == "glare":
        frame = _glare(frame, corners, rng)
    elif distortion == "jpeg40":
        _ok, jpg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 40])
        frame = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
    return frame
