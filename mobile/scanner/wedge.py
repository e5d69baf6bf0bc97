"""Keyboard-wedge input: hardware scanners (Zebra, Honeywell...) type the code and then Enter or Tab."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

GS = "\x1d"
DEFAULT_IDLE_GAP_MS = 300.0
TERMINATORS = frozenset({"Enter", "Return", "Numpad Enter", "Tab", "\r", "\n", "\t"})


class KeyboardWedge:
    """Collects keystrokes into scans.

    ``press`` returns the finished text on Enter/Tab, else None. A gap longer than ``idle_gap_ms`` between
    keys discards what was typed so far (a stray key is not the start of a scan). ``gs_substitutes`` are
    strings the scanner is configured to send for FNC1 (e.g. "~" or the literal "^]"); they become ASCII 29.
    A real ASCII 29 and Ctrl+] are always GS. Other multi-character key names (Shift, Arrow Up...) are ignored.
    """

    def __init__(
        self,
        *,
        gs_substitutes: Iterable[str] = (),
        idle_gap_ms: float = DEFAULT_IDLE_GAP_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gs_substitutes = tuple(s for s in gs_substitutes if s)
        self.idle_gap_ms = idle_gap_ms
        self._clock = clock
        self._buffer: list[str] = []
        self._last_key_at = 0.0
        self.discarded = 0  # partial inputs dropped after an idle gap, for diagnostics

    @property
    def pending(self) -> str:
        return "".join(self._buffer)

    def press(self, key: str, *, ctrl: bool = False) -> str | None:
        """Feed one key (a character or a key name); the scanned text when this key ends a scan."""
        now = self._clock()
        if self._buffer and (now - self._last_key_at) * 1000 > self.idle_gap_ms:
            self._buffer.clear()
            self.discarded += 1
        self._last_key_at = now
        if key in TERMINATORS:
            return self._finish()
        if ctrl and key == "]":
            self._buffer.append(GS)
        elif len(key) == 1 and not ctrl:
            self._buffer.append(key)
        return None

    def type_text(self, chars: str) -> list[str]:
        """Feed a burst of characters (as a text field receives them); the scans it completed."""
        return [text for ch in chars if (text := self.press(ch)) is not None]

    def _finish(self) -> str | None:
        text = "".join(self._buffer)
        self._buffer.clear()
        for sub in self.gs_substitutes:
            text = text.replace(sub, GS)
        text = text.strip("\r\n")
        return text or None
