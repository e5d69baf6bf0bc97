"""Continuous camera mode: the plain pass on every frame, tap-to-scan's retries only where a code may be.

Most frames a live camera sees hold no code, and tap-to-scan's `Decoder` runs its whole retry ladder on each (12 to
24 plain passes). Here a frame the plain pass reads costs that pass alone; a blank frame adds a check of ~1% of it. On
any other miss the retries run on crops of code-like patches (mobile/scanner/patches.py), each patch getting each
retry once while it stays in view, cheapest retry first, the work spread over frames by a `RetryBudget`. A label
only a retry reads is mostly found within a few frames of coming into view, and the search and retries are held to
the budget's share of the plain passes (as counted with RETRY_COST and PATCH_COST), however cluttered the scene or
shaky the hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from .budget import RetryBudget
from .decode import QUICK_ATTEMPTS, AttemptRecord, Decoder, Decoding
from .patches import Patch, code_patches, edge_samples, is_blank
from .result import Symbol

#: A retry's cost on a patch, in plain passes over as many pixels of a whole frame, as measured in a stream by
#: bench/scan.py (rounded up).
RETRY_COST: dict[str, float] = {"turned": 1.2, "negative": 1.2, "contrast": 6.0, "rotated": 3.0, "inverted": 3.0}
#: After the two cheap guesses, the retries tap-to-scan would make, likeliest per cost first on the label set.
_THOROUGH = ("contrast", "rotated", "inverted")
#: Finding the patches, in plain passes over the whole frame (measured alone it is half that: a dozen small steps
#: right after zxing has read the frame pay for what that left in the caches).
PATCH_COST = 0.12
MAX_PATCHES = 4
#: Frames after which a patch that every retry failed on gets them again if still in view (the hand steadied).
RETRY_AFTER = 30


@dataclass(slots=True)
class _Watched:
    """A patch in view, its retries in the order to try them, how far it has got; `done_at`: the frame of its last."""

    patch: Patch
    retries: tuple[str, ...]
    next: int = 0
    done_at: int | None = None


class LiveDecoder:
    """Reads a stream of grayscale frames with `decoder`'s formats and retries, within `budget`.

    Unlike `Decoder.decode`, a frame's result depends on the frames before it: a retry not run now (the budget is
    spent, or cheaper retries went first) runs on a later frame, so a label only a retry reads is found while it
    stays in view, not always on its first frame. The zbar fallback is tap-to-scan's only.
    """

    def __init__(self, decoder: Decoder, budget: RetryBudget | None = None, *, max_patches: int = MAX_PATCHES) -> None:
        self.decoder = decoder
        self.budget = budget or RetryBudget()
        self.max_patches = max_patches
        quick = tuple(q for q, retry in QUICK_ATTEMPTS.items() if retry in decoder.attempts)
        self.retries = quick + tuple(a for a in _THOROUGH if a in decoder.attempts)
        self.frames = 0
        self._watched: list[_Watched] = []

    def decode(self, gray: np.ndarray) -> Decoding:
        self.frames += 1
        self.budget.earn()
        start = time.perf_counter()
        found = self.decoder.attempt("plain", gray) or []
        records = [AttemptRecord("plain", (time.perf_counter() - start) * 1000, len(found), gray.size)]
        if found or not self.retries or self.budget.balance <= PATCH_COST:  # no retry could follow the search
            return Decoding(tuple(found), tuple(records))
        edges = edge_samples(gray)
        if is_blank(edges):  # nothing to retry: the frame cost its plain pass and this check
            self._watched = []
            return Decoding((), tuple(records))
        self.budget.spend(PATCH_COST)
        self._watched = [self._follow(p) for p in code_patches(edges, gray.shape, limit=self.max_patches)]
        while self.budget.open:
            due = [w for w in self._watched if w.next < len(w.retries)]
            if not due:
                break
            watched = min(due, key=lambda w: w.next)  # each patch's likeliest retry first, the likeliest patch first
            name = watched.retries[watched.next]
            watched.next += 1
            if watched.next == len(watched.retries):
                watched.done_at = self.frames
            start = time.perf_counter()
            found = self.decoder.attempt(name, watched.patch.crop(gray))
            if found is None:  # the retry does not apply to these formats
                continue
            pixels = watched.patch.pixels
            self.budget.spend(RETRY_COST[name] * pixels / gray.size)
            records.append(AttemptRecord(name, (time.perf_counter() - start) * 1000, len(found), pixels))
            if found:
                watched.next, watched.done_at = watched.next - 1, None  # the label is likely still there next frame
                return Decoding(tuple(_in_frame(s, watched.patch) for s in found), tuple(records))
        return Decoding((), tuple(records))

    def _follow(self, patch: Patch) -> _Watched:
        """The patch as seen in the last frame, keeping its place among the retries, or a new one."""
        for seen in self._watched:
            if patch.same_as(seen.patch):
                if seen.done_at is not None and self.frames - seen.done_at >= RETRY_AFTER:
                    break
                return _Watched(patch, seen.retries, seen.next, seen.done_at)
        return _Watched(patch, self._order(patch))

    def _order(self, patch: Patch) -> tuple[str, ...]:
        """The cheap guesses first: a quarter turn for a turned linear code, else the negative (light on dark)."""
        first = "turned" if patch.turned else "negative"
        return tuple(sorted(self.retries, key=lambda name: name != first))  # stable: the rest keep their order


def _in_frame(sym: Symbol, patch: Patch) -> Symbol:
    if sym.corners is None:
        return sym
    x, y = patch.x0, patch.y0
    return replace(sym, corners=tuple((cx + x, cy + y) for cx, cy in sym.corners))  # type: ignore[arg-type]
