"""Which characters Lotline's identifiers may hold, and how a unit's code is made of them: the rule, in one place.

- Lot numbers, serial numbers and supplier lots: GS1 AI encodable character set 82 (Gen Specs fig. 7.11-1:
  ``!"%&'()*+,-./0-9:;<=>?A-Z_a-z``), the set of AIs (10) and (21), because that is how they travel in
  barcodes, ours and our suppliers'. Lot and serial numbers take at most 20 characters, the length (10) and (21)
  allow, so every lot Lotline makes can be printed in a GS1 label and read back. No space, no control character,
  nothing beyond ASCII: a scanner cannot carry them through GS1, and many keyboard wedges drop or remap them.
- Codes Lotline's users make up (part numbers; site, supplier, customer, location, equipment codes): a letter or
  digit, then letters, digits and ``- . _ /``. A subset of CSET 82 (a part number fits (240), a location code
  (254)) that needs no quoting in CSV cells or shells and is easy to type on a handheld; it is the set these
  codes already had, now checked with a message that names the character.
- Part numbers never contain ``/``: it separates the part number from the lot or serial number in a unit's code
  (``RM-PC-01/PC2610-A``), so the code's first ``/`` always ends the part number and no two (part, lot) pairs
  make the same code. Lot and serial numbers may contain ``/`` (CSET 82 allows it, suppliers use it).
  A lot and a serial of one item share the code space: receiving serial ``7`` of an item that already has lot
  ``7`` is refused as an existing unit, never merged.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from shared_models.gs1.ai import CSET82

UNIT_CODE_SEPARATOR = "/"
MAX_LOT_LENGTH = 20  # AI (10) and (21): X..20

LOT_CHARS = CSET82
CODE_CHARS = frozenset(string.ascii_letters + string.digits + "-._/")
PART_NO_CHARS = CODE_CHARS - {UNIT_CODE_SEPARATOR}
_CODE_START = frozenset(string.ascii_letters + string.digits)

_LOT_SET = "GS1 CSET 82: letters A-Z a-z, digits and !\"%&'()*+,-./:;<=>?_"
_CODE_SET = "letters A-Z a-z, digits and - . _ /"
_PART_SET = "letters A-Z a-z, digits and - . _ ('/' separates part number and lot in a unit code)"


def _describe(ch: str) -> str:
    if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
        return f"control character U+{ord(ch):04X}"
    return f"{ch!r} (U+{ord(ch):04X})"


@dataclass(frozen=True, slots=True)
class Rule:
    """What one kind of identifier may hold."""

    allowed: frozenset[str]
    charset: str  # the allowed set, as the error message names it
    first_alnum: bool = False
    max_length: int | None = None

    def problem(self, value: str) -> tuple[str, dict[str, object]] | None:
        """(message template, its values) saying what is wrong with `value`, or None when it keeps the rule.
        The template names the field as {field}."""
        if self.max_length is not None and len(value) > self.max_length:
            return ("{field} has {n} characters; GS1 AIs (10) and (21) carry at most {max}",
                    {"n": len(value), "max": self.max_length})
        bad = next(((i, ch) for i, ch in enumerate(value) if ch not in self.allowed), None)
        if bad is not None:
            return ("{field} contains {what} at position {position}, which is not allowed; it may hold {charset}",
                    {"what": _describe(bad[1]), "position": bad[0] + 1, "charset": self.charset})
        if self.first_alnum and value and value[0] not in _CODE_START:
            return "{field} must start with a letter or digit, not {what}", {"what": _describe(value[0])}
        return None

    def explain(self, field: str, value: str) -> str | None:
        """The problem as a sentence naming `field`, or None."""
        found = self.problem(value)
        return None if found is None else found[0].format(field=field, **found[1])

    def __call__(self, value: str, info: ValidationInfo) -> str:
        """Pydantic after-validator: the value, or a validation error naming the field and the character."""
        found = self.problem(value)
        if found is None:
            return value
        template, values = found
        raise PydanticCustomError("identifier", template, {"field": info.field_name or "value", **values})


LOT = Rule(LOT_CHARS, _LOT_SET, max_length=MAX_LOT_LENGTH)   # lot and serial numbers
SUPPLIER_LOT = Rule(LOT_CHARS, _LOT_SET)
CODE = Rule(CODE_CHARS, _CODE_SET, first_alnum=True)         # site, supplier, customer, location, equipment
PART_NO = Rule(PART_NO_CHARS, _PART_SET, first_alnum=True)

LotNo = Annotated[str, Field(min_length=1), AfterValidator(LOT)]
SerialNo = Annotated[str, Field(min_length=1), AfterValidator(LOT)]
SupplierLot = Annotated[str, Field(max_length=64), AfterValidator(SUPPLIER_LOT)]   # "" when unknown
PartNo = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(PART_NO)]
ShortCode = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(CODE)]  # sites, partners
LongCode = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(CODE)]   # locations, equipment


def unit_code(part_no: str, lot_or_serial: str) -> str:
    """A lot's or serial unit's code, as printed on labels: ``<part no.>/<lot or serial no.>``."""
    return f"{part_no}{UNIT_CODE_SEPARATOR}{lot_or_serial}"


def split_unit_code(code: str) -> tuple[str, str]:
    """(part no., lot or serial no.) of a unit code; the first '/' ends the part number. Raises ValueError
    for text without one."""
    part_no, sep, rest = code.partition(UNIT_CODE_SEPARATOR)
    if not sep or not part_no or not rest:
        raise ValueError(f"{code!r} is not a unit code (<part no.>/<lot or serial no.>)")
    return part_no, rest


__all__ = [
    "CODE", "CODE_CHARS", "LOT", "LOT_CHARS", "MAX_LOT_LENGTH", "PART_NO", "PART_NO_CHARS", "SUPPLIER_LOT",
    "UNIT_CODE_SEPARATOR", "LongCode", "LotNo", "PartNo", "Rule", "SerialNo", "ShortCode", "SupplierLot",
    "split_unit_code", "unit_code",
]
