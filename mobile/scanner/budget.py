"""What continuous scanning may spend on retries: a share of each frame's plain pass, paid out across frames."""

from __future__ import annotations

#: Extra work per frame, in plain passes over the whole frame. bench/scan.py: cluttered frames without a code run at
#: ~0.88x the bare decoder (0.06 gives ~0.91x, but labels only a retry reads come a few frames later).
DEFAULT_SHARE = 0.1
#: The most a quiet spell saves up: enough for a few retries on one patch as soon as a label comes into view.
DEFAULT_BURST = 1.0


class RetryBudget:
    """A balance in units of one plain pass over the whole frame.

    `earn()` once per frame adds `share` (the balance never exceeds `burst`); a retry may start while the balance
    is positive and `spend()` then takes its full cost, leaving a debt that later frames pay back when it was
    dearer than the balance. So over n frames retries cost at most share × n + burst + the dearest single retry,
    however many frames offer something to retry. Counted in pixels read, not seconds, so it is the same on
    every machine and tests can count it.
    """

    def __init__(self, share: float = DEFAULT_SHARE, burst: float = DEFAULT_BURST) -> None:
        if share <= 0 or burst < share:
            raise ValueError(f"a retry budget needs share > 0 and burst >= share, got share={share}, burst={burst}")
        self.share = share
        self.burst = burst
        self.balance = burst  # a label shown at once gets its retries at once
        self.spent = 0.0  # everything spent so far, for benches and tests

    @property
    def open(self) -> bool:
        return self.balance > 0

    def earn(self) -> None:
        self.balance = min(self.burst, self.balance + self.share)

    def spend(self, units: float) -> None:
        self.balance -= units
        self.spent += units
