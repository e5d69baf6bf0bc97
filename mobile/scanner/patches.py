"""Where a frame has code-like detail: dense, strong edges on a coarse grid, found for a fraction of a plain pass.

A barcode or a 2D code at 2.5-4 px per module makes neighbouring samples of a 4-px grid differ strongly almost
everywhere inside it; a blank frame, a wall or a box side has no such edges, a line or a box edge makes only a thin
trail. Printed text does look alike, so this says where a retry is worth its cost, not that a code is there.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

GRID_STEP = 4  # px between samples: below the module size of every label we read, so modules are not averaged away
BLOCK = 4  # samples per block side: 16x16 px blocks
EDGE = 14  # gray levels between neighbouring samples that make an edge (a low-contrast label still makes ~50)
DENSE = 90  # of 255: share of a block's samples at an edge for the block to look like part of a code
SOLID = 160  # of 255: a block this dense is most likely inside a code; print and edges seldom are
MIN_SOLID = 0.3  # share of a patch's blocks that must be SOLID: printed text mostly is not, a code mostly is
MIN_SIDE = 3  # blocks (48 px) on the short side: thinner is a line or a row of small print
MIN_EDGES = 12  # edge samples below which the frame is blank and no block is even looked at
MIN_BLOCKS = 4  # fewer blocks hold no code we can read
_CLOSE = np.ones((3, 3), np.uint8)  # joins the blocks of one code split by a quiet row of modules


@dataclass(frozen=True, slots=True)
class Patch:
    """A box in frame pixels (x0, y0 inclusive; x1, y1 exclusive) with a margin for the quiet zone."""

    x0: int
    y0: int
    x1: int
    y1: int
    score: float  # dense blocks, weighted by how dense: the likeliest code first
    turned: bool = False  # its edges run as a linear code's do when turned ~90°: the rotated retry first

    @property
    def pixels(self) -> int:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def crop(self, gray: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(gray[self.y0 : self.y1, self.x0 : self.x1])

    def same_as(self, other: Patch) -> bool:
        """Likely the same thing in the next frame: boxes that mostly overlap (IoU >= 0.5), similar scores."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        if w <= 0 or h <= 0:
            return False
        shared = w * h
        return 2 * shared >= self.pixels + other.pixels - shared and 2 * self.score >= other.score >= self.score / 2


@dataclass(frozen=True, slots=True)
class EdgeSamples:
    """255 where a grid sample differs by more than EDGE from its right (`across`) or lower (`down`) neighbour."""

    across: np.ndarray
    down: np.ndarray
    either: np.ndarray


def edge_samples(gray: np.ndarray) -> EdgeSamples:
    grid = np.ascontiguousarray(gray[::GRID_STEP, ::GRID_STEP])
    if min(grid.shape) < 2:  # a frame a few pixels across: no neighbours, no edges
        none = np.zeros((1, 1), np.uint8)
        return EdgeSamples(none, none, none)
    _, across = cv2.threshold(cv2.absdiff(grid[:-1, 1:], grid[:-1, :-1]), EDGE, 255, cv2.THRESH_BINARY)
    _, down = cv2.threshold(cv2.absdiff(grid[1:, :-1], grid[:-1, :-1]), EDGE, 255, cv2.THRESH_BINARY)
    return EdgeSamples(across, down, cv2.max(across, down))


def is_blank(edges: EdgeSamples) -> bool:
    """Too few edge samples for any code: a covered lens, a wall, the floor (about 1% of a plain pass)."""
    return cv2.countNonZero(edges.either) < MIN_EDGES


def code_patches(edges: EdgeSamples, frame_shape: tuple[int, ...], *, limit: int = 4) -> list[Patch]:
    """Up to `limit` boxes of the frame (`edge_samples` of it given) where a code may be, likeliest first.

    On the distorted label set a retry on these crops reads as many labels as on the whole frame, while a cluttered
    scene without a code yields under one patch per frame, of ~4% of its pixels (bench/scan.py)."""
    rows, cols = edges.either.shape[0] // BLOCK, edges.either.shape[1] // BLOCK
    if rows < 2 or cols < 2:
        return []
    # INTER_AREA by a whole factor is the mean of each block: its share of edge samples, 0-255
    density = cv2.resize(edges.either[: rows * BLOCK, : cols * BLOCK], (cols, rows), interpolation=cv2.INTER_AREA)
    dense = cv2.morphologyEx((density >= DENSE).astype(np.uint8), cv2.MORPH_CLOSE, _CLOSE)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=8)
    solid = np.bincount(labels[density >= SOLID], minlength=count)
    blocks = stats[:, cv2.CC_STAT_AREA]
    short_side = np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = np.flatnonzero((blocks >= MIN_BLOCKS) & (short_side >= MIN_SIDE) & (solid >= MIN_SOLID * blocks))
    keep = keep[keep > 0]  # label 0 is the background
    if keep.size == 0:
        return []
    scores = np.bincount(labels.ravel(), weights=density.ravel(), minlength=count) / 255
    height, width = frame_shape[:2]
    px = GRID_STEP * BLOCK
    found = []
    for i in keep:
        x, y, w, h = (int(v) for v in stats[i, :4])
        mx, my = max(px, w * px // 4), max(px, h * px // 4)  # a quarter of the size each side, for the quiet zone
        inside = np.s_[y * BLOCK : (y + h) * BLOCK, x * BLOCK : (x + w) * BLOCK]
        # bars that run across the frame (a linear code turned ~90°) make edges going down and almost none across
        turned = cv2.countNonZero(edges.down[inside]) > 2 * cv2.countNonZero(edges.across[inside])
        found.append(Patch(max(0, x * px - mx), max(0, y * px - my), min(width, (x + w) * px + mx),
                           min(height, (y + h) * px + my), float(scores[i]), turned))
    found.sort(key=lambda p: p.score, reverse=True)
    return found[:limit]
