"""Report a code the camera keeps seeing once, not on every frame."""

from __future__ import annotations

import time
from collections.abc import Callable

DEFAULT_WINDOW_MS = 1500.0


class Debouncer:
    """Suppresses camera repeats of the last reported text within ``window_ms``.

    A different text is reported at once and becomes the new last text. Wedge and manual input is never
    debounced and does not touch the camera's state. ``window_ms=0`` disables debouncing. ``clock``
    returns seconds (``time.monotonic`` by default; tests pass a fake).
    """

    def __init__(self, window_ms: float = DEFAULT_WINDOW_MS, *, clock: Callable[[], float] = time.monotonic) -> None:
        if window_ms < 0:
            raise ValueError(f"debounce window must be >= 0 ms, got {window_ms}")
        self.window_ms = window_ms
        self._clock = clock
        self._last_text: str | None = None
        self._last_at = 0.0

    def accept(self, text: str, *, source: str = "camera", extend: bool = False) -> bool:
        """True when ``text`` should be reported now.

        ``extend=True`` (continuous mode) counts every sighting of a suppressed repeat as the new start of
        the window, so a code held in view is reported once until it has been out of sight for the window.
        """
        if source != "camera":
            return True
        now = self._clock()
        repeat = text == self._last_text and (now - self._last_at) * 1000 < self.window_ms
        if repeat and not extend:
            return False
        self._last_at = now
        if repeat:
            return False
        self._last_text = text
        return True

    def reset(self) -> None:
        """Forget the last code, e.g. when the worker opens a new form."""
        self._last_text = None
