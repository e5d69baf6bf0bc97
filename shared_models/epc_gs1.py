"""EPCs and GS1 keys, both ways (GS1 EPC Tag Data Standard §7): SGTIN ↔ GTIN + serial (01)(21), SSCC ↔ (00),
SGLN ↔ GLN (414) + extension (254), GRAI ↔ (8003). Pure: no I/O.

A GS1 key does not say where its company prefix ends, so going from a key to an EPC takes the prefix's length
(6-12 digits) from the caller (the plant's own prefix, or GS1's GCP length table).
"""

from __future__ import annotations

from shared_models.epc import Epc96, EpcError, EpcIdentity, EpcKind
from shared_models.gs1 import GS1Message, compute_check_digit, gtin14, validate_gln, validate_sscc
from shared_models.gs1.check_digit import is_digits


def gs1_elements(epc: Epc96 | EpcIdentity) -> list[tuple[str, str]]:
    """The GS1 element string an EPC stands for, as (AI, value) pairs: e.g. [("01", gtin), ("21", serial)]. An
    SGLN with extension "0" is the GLN alone (TDS: 0 means no extension)."""
    ident = epc.identity if isinstance(epc, Epc96) else epc
    cp, ref = ident.company_prefix, ident.reference
    if ident.kind is EpcKind.SGTIN:
        body = ref[0] + cp + ref[1:]
        return [("01", body + str(compute_check_digit(body))), ("21", ident.serial)]
    if ident.kind is EpcKind.SSCC:
        body = ref[0] + cp + ref[1:]
        return [("00", body + str(compute_check_digit(body)))]
    if ident.kind is EpcKind.SGLN:
        gln = cp + ref + str(compute_check_digit(cp + ref))
        return [("414", gln)] + ([] if ident.serial == "0" else [("254", ident.serial)])
    grai = cp + ref + str(compute_check_digit(cp + ref))
    return [("8003", "0" + grai + ident.serial)]


def gs1_message(epc: Epc96 | EpcIdentity) -> GS1Message:
    """As ``gs1_elements``, validated by the GS1 layer (check digits, character sets, associations)."""
    return GS1Message(tuple(gs1_elements(epc)))


def _prefix(key: str, start: int, length: int) -> str:
    if not 6 <= length <= 12:
        raise EpcError(f"company prefix length {length} must be 6-12", "bad_company_prefix")
    return key[start:start + length]


def sgtin(gtin: str, serial: str, company_prefix_length: int) -> EpcIdentity:
    """GTIN (8, 12, 13 or 14 digits, check digit included) + serial → SGTIN; the indicator digit leads the item
    reference."""
    g = gtin14(gtin)
    cp = _prefix(g, 1, company_prefix_length)
    return EpcIdentity(EpcKind.SGTIN, cp, g[0] + g[1 + company_prefix_length:13], serial)


def sscc(code: str, company_prefix_length: int) -> EpcIdentity:
    """SSCC (18 digits) → SSCC identity; the extension digit leads the serial reference."""
    s = validate_sscc(code)
    cp = _prefix(s, 1, company_prefix_length)
    return EpcIdentity(EpcKind.SSCC, cp, s[0] + s[1 + company_prefix_length:17])


def sgln(gln: str, company_prefix_length: int, extension: str = "0") -> EpcIdentity:
    """GLN (13 digits) + extension (AI 254; "0" or absent: none) → SGLN."""
    g = validate_gln(gln)
    cp = _prefix(g, 0, company_prefix_length)
    return EpcIdentity(EpcKind.SGLN, cp, g[company_prefix_length:12], extension or "0")


def grai(value: str, company_prefix_length: int) -> EpcIdentity:
    """AI (8003) value ("0" + GRAI-13 with check digit + serial) → GRAI. A GRAI without a serial is not an EPC."""
    if len(value) < 15 or value[0] != "0" or not is_digits(value[:14]):
        raise EpcError(f"(8003) {value!r} must be '0', 13 digits and a serial", "bad_grai")
    body = value[1:13]
    if compute_check_digit(body) != int(value[13]):
        raise EpcError(f"(8003) {value!r}: check digit {value[13]}, expected {compute_check_digit(body)}",
                       "bad_check_digit")
    cp = _prefix(body, 0, company_prefix_length)
    return EpcIdentity(EpcKind.GRAI, cp, body[company_prefix_length:], value[14:])


def identity_of(message: GS1Message, company_prefix_length: int) -> EpcIdentity:
    """The EPC a GS1 message's key names: (01)+(21), (00), (414)[+(254)] or (8003) with a serial."""
    if message.get("01") and message.get("21"):
        return sgtin(message.get("01") or "", message.get("21") or "", company_prefix_length)
    if message.get("00"):
        return sscc(message.get("00") or "", company_prefix_length)
    if message.get("414"):
        return sgln(message.get("414") or "", company_prefix_length, message.get("254") or "0")
    if message.get("8003"):
        return grai(message.get("8003") or "", company_prefix_length)
    found = ", ".join(f"({ai})" for ai in message.as_dict())
    raise EpcError(f"no key with an EPC among {found}: needs (01)+(21), (00), (414) or (8003) with a serial",
                   "no_epc_key")


__all__ = ["grai", "gs1_elements", "gs1_message", "identity_of", "sgln", "sgtin", "sscc"]
