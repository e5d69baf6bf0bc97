"""ISO 2859-1 (GB/T 2828.1) single sampling plans for normal inspection (抽样): Table 1 and Table 2-A as data."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

# Table 1, sample size code letters: (lot size from, lot size to or None for "and over",
# one letter per level in LEVELS order: S-1 S-2 S-3 S-4 I II III).
TABLE_1: tuple[tuple[int, int | None, str], ...] = (
    (2, 8, "AAAAAAB"),
    (9, 15, "AAAAABC"),
    (16, 25, "AABBBCD"),
    (26, 50, "ABBCCDE"),
    (51, 90, "BBCCCEF"),
    (91, 150, "BBCDDFG"),
    (151, 280, "BCDEEGH"),
    (281, 500, "BCDEFHJ"),
    (501, 1200, "CCEFGJK"),
    (1201, 3200, "CDEGHKL"),
    (3201, 10000, "CDFGJLM"),
    (10001, 35000, "CDFHKMN"),
    (35001, 150000, "DEGJLNP"),
    (150001, 500000, "DEGJMPQ"),
    (500001, None, "DEHKNQR"),
)

SAMPLE_SIZES: dict[str, int] = {
    "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
    "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
}

DOWN, UP = "↓", "↑"

# Table 2-A, single sampling plans for normal inspection, printed in two halves so each line stays readable.
# A cell is "Ac/Re", or an arrow: use the first sampling plan below (↓) or above (↑) it, with THAT plan's
# sample size. Two cells are decided here, because the arrow printed there has no plan to point to:
# A at AQL 10 reads ↓ (→ C, n=5, 1/2) and R at AQL 0.015 reads ↑ (→ P, n=800, 0/1).
_TABLE_2A_LEFT = """
     0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0
A        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
B        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
C        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
D        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓
E        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1
F        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑
G        ↓     ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓
H        ↓     ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2
J        ↓     ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3
K        ↓     ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4
L        ↓     ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6
M        ↓     ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8
N        ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11
P        ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15
Q      0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
R        ↑     ↑   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑
"""

_TABLE_2A_RIGHT = """
       1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A        ↓     ↓     ↓   0/1     ↓     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B        ↓     ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C        ↓   0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑
D      0/1     ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑
E        ↑     ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ↑     ↑     ↑
F        ↓   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑
G      1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑
H      2/3   3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
J      3/4   5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
K      5/6   7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
L      7/8 10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
M    10/11 14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
N    14/15 21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
P    21/22     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
Q        ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
R        ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑     ↑
"""

Cell = tuple[int, int] | str


def _read_grid(text: str) -> dict[str, dict[Decimal, Cell]]:
    header, *rows = text.strip().splitlines()
    aqls = [Decimal(token) for token in header.split()]
    grid: dict[str, dict[Decimal, Cell]] = {}
    for row in rows:
        letter, *cells = row.split()
        if len(cells) != len(aqls):
            raise AssertionError(f"Table 2-A row {letter} has {len(cells)} cells for {len(aqls)} AQL columns")
        grid[letter] = {
            aql: cell if cell in (DOWN, UP) else (int(cell.split("/")[0]), int(cell.split("/")[1]))
            for aql, cell in zip(aqls, cells, strict=True)
        }
    return grid


def _join_halves(
    left: dict[str, dict[Decimal, Cell]], right: dict[str, dict[Decimal, Cell]]
) -> dict[str, dict[Decimal, Cell]]:
    return {letter: {**left[letter], **right[letter]} for letter in SAMPLE_SIZES}


TABLE_2A: dict[str, dict[Decimal, Cell]] = _join_halves(_read_grid(_TABLE_2A_LEFT), _read_grid(_TABLE_2A_RIGHT))
AQL_VALUES: tuple[Decimal, ...] = tuple(TABLE_2A["A"])
CODE_LETTERS: tuple[str, ...] = tuple(SAMPLE_SIZES)

Decision = Literal["accept", "reject"]


class SamplingError(ValueError):
    code = "sampling_error"


@dataclass(frozen=True, slots=True)
class SamplingPlan:
    """What to draw and how to decide. `code_letter` is the letter whose plan is used (after any arrow);
    `lot_code_letter` is the one Table 1 gave for the lot size. With `hundred_percent` every unit is inspected
    (`sample_size == lot_size`) and Ac/Re still decide the lot."""

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    lot_size: int
    aql: Decimal
    level: str
    hundred_percent: bool
    lot_code_letter: str


def code_letter(lot_size: int, level: str = "II") -> str:
    """Table 1. A lot of 1 uses the 2–8 row. Raises SamplingError for an unknown level or a lot size < 1."""
    size = _lot_size(lot_size)
    column = LEVELS.index(_level(level))
    for _low, high, letters in TABLE_1:
        if high is None or size <= high:
            return letters[column]
    raise AssertionError("Table 1 ends with an open-ended row")


def sampling_plan(lot_size: int, aql: Decimal | str | float, level: str = "II") -> SamplingPlan:
    """Normal inspection, single sampling. Raises SamplingError naming an unknown AQL, level or a lot size < 1."""
    size = _lot_size(lot_size)
    column_aql = _aql(aql)
    level_name = _level(level)
    lot_letter = code_letter(size, level_name)
    letter, (accept, reject) = _follow_arrows(lot_letter, column_aql)
    sample_size = SAMPLE_SIZES[letter]
    hundred_percent = sample_size >= size
    return SamplingPlan(
        code_letter=letter,
        sample_size=size if hundred_percent else sample_size,
        accept=accept,
        reject=reject,
        lot_size=size,
        aql=column_aql,
        level=level_name,
        hundred_percent=hundred_percent,
        lot_code_letter=lot_letter,
    )


def judge(plan: SamplingPlan, defects_found: int) -> Decision:
    """Accept when the count is at most Ac, reject at Re or more. Raises SamplingError for a negative count."""
    if isinstance(defects_found, bool) or not isinstance(defects_found, int) or defects_found < 0:
        raise SamplingError(f"Defects found must be a whole number of 0 or more, not {defects_found!r}.")
    return "accept" if defects_found <= plan.accept else "reject"


def _follow_arrows(letter: str, aql: Decimal) -> tuple[str, tuple[int, int]]:
    # The standard says "the first sampling plan below/above the arrow": keep going the same way past arrows.
    index = CODE_LETTERS.index(letter)
    cell = TABLE_2A[letter][aql]
    step = {DOWN: 1, UP: -1}.get(cell, 0) if isinstance(cell, str) else 0
    while isinstance(cell, str):
        index += step
        if not 0 <= index < len(CODE_LETTERS):
            raise AssertionError(f"Table 2-A arrow at {letter}/{aql} leads off the table")
        cell = TABLE_2A[CODE_LETTERS[index]][aql]
    return CODE_LETTERS[index], cell


def _lot_size(lot_size: int) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise SamplingError(f"Lot size must be a whole number of units, not {lot_size!r}.")
    if lot_size < 1:
        raise SamplingError(f"Lot size must be at least 1, not {lot_size}.")
    return lot_size


def _level(level: str) -> str:
    name = level.strip().upper() if isinstance(level, str) else level
    if name not in LEVELS:
        raise SamplingError(f"Unknown inspection level {level!r}; use one of {', '.join(LEVELS)}.")
    return name


def _aql(aql: Decimal | str | float) -> Decimal:
    value: Decimal | None = None
    if isinstance(aql, Decimal):
        value = aql
    elif isinstance(aql, (int, float, str)) and not isinstance(aql, bool):
        try:
            value = Decimal(str(aql).strip())
        except InvalidOperation:
            value = None
    for column in AQL_VALUES:
        if value is not None and value.is_finite() and value == column:
            return column
    valid = ", ".join(str(column) for column in AQL_VALUES)
    raise SamplingError(f"Unknown AQL {aql!r}; Table 2-A has: {valid}.")
