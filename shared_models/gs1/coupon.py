"""Linters for the North American coupon AIs: (8110) coupon code and (8112) paperless positive offer coupon.

Written from the field layout of the GS1 US coupon guidelines (the rules the dictionary's couponcode and
couponposoffer name): digits only; each field read in turn, variable-length ones after a one-digit length
indicator (VLI); optional fields after (8110)'s fixed part, each announced by its indicator digit, in order.
"""

from __future__ import annotations

import datetime as dt

from .errors import GS1Error

#: Field key -> English name; the handheld translates the key (gs1.coupon_field.<key>).
FIELDS = {
    "format_code": "format code", "funder_vli": "funder VLI", "funder": "funder ID", "gcp_vli": "company prefix VLI",
    "gcp": "company prefix", "offer_code": "offer code", "save_value_vli": "save value VLI",
    "save_value": "save value", "requirement_vli": "purchase requirement VLI", "requirement": "purchase requirement",
    "requirement_code": "purchase requirement code", "family_code": "purchase family code",
    "rules_code": "additional purchase rules code", "expiration_date": "expiration date", "start_date": "start date",
    "serial_vli": "serial number VLI", "serial": "serial number", "retailer_vli": "retailer GCP/GLN VLI",
    "retailer": "retailer GCP/GLN", "save_value_code": "save value code", "applies_to": "save value applies to item",
    "store_flag": "store coupon flag", "multiply_flag": "don't multiply flag",
}  # fmt: skip
_ORDINALS = {1: "1st ", 2: "2nd ", 3: "3rd "}


class _Reader:
    def __init__(self, data: str, ai: str | None, at: int) -> None:
        self.data, self.ai, self.at, self.pos = data, ai, at, 0

    def fail(self, code: str, what: str, field: str, nth: int = 0, **params: object) -> GS1Error:
        from .ai import lookup

        name = _ORDINALS.get(nth, "") + FIELDS[field]
        prefix = f"{lookup(self.ai).label}: " if self.ai else ""
        offset = self.at + self.pos
        return GS1Error(f"{prefix}coupon {name} {what} at offset {offset}", code=code, ai=self.ai, offset=offset,
                        params={"offset": offset, "field": field, "nth": nth, **params})

    def digit(self, field: str, allowed: str = "0123456789", nth: int = 0) -> int:
        if self.pos >= len(self.data):
            raise self.fail("coupon_missing", "is missing", field, nth)
        ch = self.data[self.pos]
        if ch not in allowed:
            raise self.fail("coupon_bad_value", f"may not be {ch}", field, nth, value=ch)
        self.pos += 1
        return int(ch)

    def take(self, field: str, length: int, nth: int = 0) -> str:
        if len(self.data) - self.pos < length:
            raise self.fail("coupon_truncated", f"needs {length} digits", field, nth, length=length)
        self.pos += length
        return self.data[self.pos - length : self.pos]

    def gcp(self, field: str, vli_field: str, allowed: str, nth: int = 0) -> None:
        vli = self.digit(vli_field, allowed, nth)
        if vli == 9:  # "no company prefix given" where the layout allows it
            return
        start = self.pos
        value = self.take(field, vli + 6, nth)
        from .linters import gcppos1

        gcppos1(value, self.ai, self.at + start)

    def purchase(self, nth: int, *, gcp: bool) -> None:
        self.take("requirement", self.digit("requirement_vli", "12345", nth), nth)
        self.digit("requirement_code", "012349", nth)
        self.take("family_code", 3, nth)
        if gcp:
            self.gcp("gcp", "gcp_vli", "01234569", nth)

    def date(self, field: str) -> str:
        from .dates import yymmdd

        start = self.pos
        value = self.take(field, 6)
        try:
            yymmdd(value, today=dt.date(2000 + int(value[:2]), 1, 1))  # a coupon date is always 20YY
        except GS1Error as exc:
            self.pos = start
            raise self.fail("coupon_bad_value", "is not a valid YYMMDD date", field, value=value) from exc
        return value

    def optional(self, indicator: str) -> bool:
        if self.pos < len(self.data) and self.data[self.pos] == indicator:
            self.pos += 1
            return True
        return False

    def done(self) -> None:
        if self.pos != len(self.data):
            from .ai import lookup

            prefix = f"{lookup(self.ai).label}: " if self.ai else ""
            offset = self.at + self.pos
            raise GS1Error(f"{prefix}coupon has unrecognised data {self.data[self.pos:]!r} at offset {offset}",
                           code="coupon_excess", ai=self.ai, offset=offset, params={"offset": offset})


def _digits_only(data: str, ai: str | None, at: int) -> None:
    from .linters import csetnumeric

    csetnumeric(data, ai, at)


def couponcode(data: str, ai: str | None = None, at: int = 0) -> None:
    """AI (8110): company prefix, offer code, save value, 1st purchase; then optional fields 1 2 3 4 5 6 9."""
    _digits_only(data, ai, at)
    r = _Reader(data, ai, at)
    r.gcp("gcp", "gcp_vli", "0123456")
    r.take("offer_code", 6)
    r.take("save_value", r.digit("save_value_vli", "12345"))
    r.purchase(1, gcp=False)
    if r.optional("1"):
        r.digit("rules_code", "0123")
        r.purchase(2, gcp=True)
    if r.optional("2"):
        r.purchase(3, gcp=True)
    expiration = r.date("expiration_date") if r.optional("3") else None
    if r.optional("4"):
        start = r.date("start_date")
        if expiration is not None and start > expiration:
            r.pos -= 6
            raise r.fail("coupon_dates_reversed", f"{start} is after the expiration date {expiration}", "start_date",
                         start=start, expiration=expiration)
    if r.optional("5"):
        r.take("serial", r.digit("serial_vli") + 6)
    if r.optional("6"):
        vli = r.digit("retailer_vli", "1234567")
        start = r.pos
        retailer = r.take("retailer", vli + 6)
        from .linters import gcppos1

        gcppos1(retailer, ai, at + start)
    if r.optional("9"):
        r.digit("save_value_code", "01256")
        r.digit("applies_to", "012")
        r.digit("store_flag")
        r.digit("multiply_flag", "01")
    r.done()


def couponposoffer(data: str, ai: str | None = None, at: int = 0) -> None:
    """AI (8112): format code 0/1, funder ID after its VLI, offer code, serial number after its VLI."""
    _digits_only(data, ai, at)
    r = _Reader(data, ai, at)
    r.digit("format_code", "01")
    r.take("funder", r.digit("funder_vli", "0123456") + 6)
    r.take("offer_code", 6)
    r.take("serial", r.digit("serial_vli") + 6)
    r.done()
