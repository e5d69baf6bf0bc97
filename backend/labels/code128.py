"""Code 128 code-set planning for ZPL's ^BC in its no-mode form: subset C for digit runs, B for the rest, FNC1
where GS1 needs it, written with ZPL's invocation codes (>; start C, >: start B, >5 to C, >6 to B, >8 FNC1).
No ^FH is needed: the characters ZPL would read as commands are written as invocation codes too.

ZPL's own automatic modes either strip parentheses from GS1 data (mode D) or cannot place FNC1 (mode A), so the
plan is made here: the GS1 General Specifications' rules (C for four or more digits at the start or the end, six
or more in between), which give the shortest symbol for the data labels carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.gs1 import GS1Message, lookup

FNC1 = None  # a position in the sequence that is the FNC1 function character, not data
START_B, START_C, TO_B, TO_C, ZPL_FNC1 = ">:", ">;", ">6", ">5", ">8"
MODULES_PER_SYMBOL = 11
STOP_MODULES = 13


@dataclass(frozen=True, slots=True)
class Plan:
    zpl: str       # ^FD data, invocation codes included
    symbols: int   # symbol characters from start to the last data character (check and stop not counted)

    @property
    def modules(self) -> int:
        """Width in modules without quiet zones: symbols, the check character and the stop pattern."""
        return (self.symbols + 1) * MODULES_PER_SYMBOL + STOP_MODULES


def gs1_sequence(message: GS1Message) -> list[str | None]:
    """FNC1 first, then each element, FNC1 after every variable-length element that is not last."""
    seq: list[str | None] = [FNC1]
    last = len(message.elements) - 1
    for i, el in enumerate(message.elements):
        seq.extend(el.ai + el.value)
        if i < last and not lookup(el.ai).predefined_length:
            seq.append(FNC1)
    return seq


def _digit_runs(seq: list[str | None]) -> list[int]:
    """For each position, how many digits run from it (0 past the end): one pass from the back, so planning
    stays linear in the data's length."""
    runs = [0] * (len(seq) + 1)
    for n in range(len(seq) - 1, -1, -1):
        ch = seq[n]
        if ch is not None and "0" <= ch <= "9":
            runs[n] = runs[n + 1] + 1
    return runs


#: Subset B characters ZPL reads as commands or invocations, written as their invocation codes (the ZPL II guide's
#: Code 128 table: >0 is symbol value 30, '>'; >< is 62, '^'; >= is 94, '~').
_B_ESCAPES = {">": ">0", "^": "><", "~": ">="}


def _b_char(ch: str) -> str:
    return _B_ESCAPES.get(ch, ch)


def plan(seq: list[str | None]) -> Plan:
    """The ^BC data for `seq` (characters, FNC1 as None): printable ASCII only."""
    out: list[str] = []
    i, end = 0, len(seq)
    runs = _digit_runs(seq)
    first = next((k for k, c in enumerate(seq) if c is not None), end)
    lead = runs[first]
    subset = "C" if lead >= 4 or (lead == 2 and first + 2 == end) else "B"
    out.append(START_C if subset == "C" else START_B)
    symbols = 1
    while i < end:
        ch = seq[i]
        if ch is None:
            out.append(ZPL_FNC1)
            i += 1
        elif subset == "C":
            if runs[i] >= 2:
                out.append(seq[i] + seq[i + 1])  # type: ignore[operator]
                i += 2
            else:
                out.append(TO_B)
                subset = "B"
        else:
            run = runs[i]
            if run >= 6 or (run >= 4 and i + run == end):
                if run % 2:  # an odd run: its first digit in B, the even rest in C
                    out.append(ch)
                    i += 1
                    symbols += 1
                out.append(TO_C)
                subset = "C"
            else:
                out.append(_b_char(ch))
                i += 1
        symbols += 1
    return Plan(zpl="".join(out), symbols=symbols)
