"""A batch RFID read: what a reader hands over at once (one EPC per line, from a keyboard wedge or a serial/TCP
stream), turned into the distinct EPCs it saw and the lines it could not read. Pure: no I/O.

Readers repeat a tag for as long as it stays in the field and often append fields (antenna, RSSI, count) after
the EPC, so a line's first field (up to a comma, semicolon, tab or space run) is the EPC, and a tag read twice
counts once. A line is 24 hex digits or a tag URI (urn:epc:tag:…); a bad line is reported with its number and
reason, never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared_models.epc import Epc96, EpcError, EpcIdentity, decode_hex, parse_tag_uri

MAX_LINES = 10_000
_FIELD_END = re.compile(r"[,;\t]|\s{2,}")


@dataclass(frozen=True, slots=True)
class BadRead:
    line: int          # 1-based, as a person counts the reader's output
    text: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class BatchRead:
    epcs: tuple[Epc96, ...]       # distinct identities, in first-read order (the first read's filter kept)
    reads: int                    # lines read as EPCs, repeats included
    bad: tuple[BadRead, ...]

    @property
    def identities(self) -> tuple[EpcIdentity, ...]:
        return tuple(e.identity for e in self.epcs)


def _epc_of(line: str) -> Epc96:
    field = _FIELD_END.split(line.strip(), maxsplit=1)[0].strip()
    if field.lower().startswith("urn:"):
        return parse_tag_uri(field)
    return decode_hex(field.removeprefix("0x").removeprefix("0X"))


def read_batch(output: str | Iterable[str], *, max_lines: int = MAX_LINES) -> BatchRead:
    """Raises EpcError (code batch_too_large) for more than `max_lines` non-blank lines; blank lines are gaps
    between reads, not errors."""
    lines = output.splitlines() if isinstance(output, str) else list(output)
    filled = [(n, line) for n, line in enumerate(lines, start=1) if line.strip()]
    if len(filled) > max_lines:
        raise EpcError(f"{len(filled)} lines in one batch read; at most {max_lines}: split the read",
                       "batch_too_large")
    seen: dict[EpcIdentity, Epc96] = {}
    bad: list[BadRead] = []
    reads = 0
    for n, line in filled:
        try:
            epc = _epc_of(line)
        except EpcError as exc:
            bad.append(BadRead(n, line.strip()[:100], str(exc), exc.code))
            continue
        reads += 1
        seen.setdefault(epc.identity, epc)
    return BatchRead(tuple(seen.values()), reads, tuple(bad))


__all__ = ["MAX_LINES", "BadRead", "BatchRead", "read_batch"]
