"""URIs EPCIS documents use for things and places: EPC pure identities (SGTIN, SSCC, SGLN), LGTIN classes, GS1
Digital Link (the event hash's canonical form), CBV vocabulary, and Lotline's own URNs for what has no GS1 key."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, unquote

from shared_models.epc import EpcError, EpcIdentity, escape, parse_identity_uri, unescape
from shared_models.epc_gs1 import gs1_elements, sgln, sgtin, sscc
from shared_models.gs1 import compute_check_digit, gtin14

DL_BASE = "https://id.gs1.org"
CBV_BASE = "https://ref.gs1.org/cbv/"
LGTIN_PREFIX = "urn:epc:class:lgtin:"
LOTLINE_PREFIX = "urn:lotline:"   # urn:lotline:<kind>:<percent-encoded code>
# CBV 2.0 vocabularies: the URN's segment, the web URI's prefix (CBV §6, §8.9: the hash uses the web form).
VOCABULARIES = {"bizstep": "BizStep-", "disp": "Disp-", "btt": "BTT-", "sdt": "SDT-", "er": "ER-"}


def sgtin_uri(gtin: str, serial: str, prefix_length: int) -> str:
    return sgtin(gtin, serial, prefix_length).uri


def sscc_uri(code: str, prefix_length: int) -> str:
    return sscc(code, prefix_length).uri


def sgln_uri(gln: str, prefix_length: int) -> str:
    return sgln(gln, prefix_length).uri


def lgtin_uri(gtin: str, lot: str, prefix_length: int) -> str:
    """urn:epc:class:lgtin:<company prefix>.<indicator + item reference>.<lot> (TDS §6.4)."""
    g = gtin14(gtin)
    return f"{LGTIN_PREFIX}{g[1:1 + prefix_length]}.{g[0] + g[1 + prefix_length:13]}.{escape(lot)}"


def parse_lgtin(uri: str) -> tuple[str, str]:
    """LGTIN class URI → (GTIN-14, lot); raises EpcError."""
    body = uri[len(LGTIN_PREFIX):] if uri.lower().startswith(LGTIN_PREFIX) else ""
    parts = body.split(".", 2)
    if len(parts) != 3 or not (parts[0] + parts[1]).isdigit() or len(parts[0] + parts[1]) != 13 or not parts[2]:
        raise EpcError(f"{uri!r} is not an LGTIN class URI (urn:epc:class:lgtin:prefix.reference.lot)", "bad_uri")
    body13 = parts[1][0] + parts[0] + parts[1][1:]
    return body13 + str(compute_check_digit(body13)), unescape(parts[2])


def lotline_uri(kind: str, code: str) -> str:
    return f"{LOTLINE_PREFIX}{kind}:{quote(code, safe='')}"


def parse_lotline(uri: str) -> tuple[str, str] | None:
    """urn:lotline:<kind>:<code> → (kind, code); None for any other URI."""
    if not uri.startswith(LOTLINE_PREFIX):
        return None
    kind, _, code = uri[len(LOTLINE_PREFIX):].partition(":")
    return (kind, unquote(code)) if code else None


@lru_cache(maxsize=65_536)
def gs1_keys(uri: str) -> dict[str, str]:
    """The GS1 element string (AI → value) an EPC URI, LGTIN class or Digital Link names; {} when it names none.
    Read by hand (no validation beyond digits and lengths): it runs for every EPC of every captured event."""
    if uri.startswith("urn:epc:id:"):
        return _pure_identity(uri)
    if uri.startswith(LGTIN_PREFIX):
        try:
            gtin, lot = parse_lgtin(uri)
        except EpcError:
            return {}
        return {"01": gtin, "10": lot}
    if uri.startswith(("https://", "http://")):
        path = uri.split("://", 1)[1].split("?", 1)[0].split("/")[1:]
        pairs = list(zip(path[::2], path[1::2], strict=False))
        found = {ai: unquote(v) for ai, v in pairs if ai.isdigit() and 2 <= len(ai) <= 4}
        if found and ("01" in found or "00" in found or "414" in found):
            if "01" in found:
                found["01"] = found["01"].zfill(14)
            return found
    return {}


def _pure_identity(uri: str) -> dict[str, str]:
    scheme, _, body = uri[len("urn:epc:id:"):].partition(":")
    parts = body.split(".", 2)
    digits = "".join(parts[:2])
    if len(parts) < 2 or not digits.isdigit():
        return {}
    if scheme == "sgtin" and len(parts) == 3 and len(digits) == 13 and parts[2]:
        key = parts[1][0] + parts[0] + parts[1][1:]
        return {"01": key + str(compute_check_digit(key)), "21": _unescape(parts[2])}
    if scheme == "sscc" and len(parts) == 2 and len(digits) == 17:
        key = parts[1][0] + parts[0] + parts[1][1:]
        return {"00": key + str(compute_check_digit(key))}
    if scheme == "sgln" and len(parts) == 3 and len(digits) == 12:
        return {"414": digits + str(compute_check_digit(digits)), **({"254": _unescape(parts[2])}
                                                                     if parts[2] != "0" else {})}
    try:  # the schemes read above by hand, and any other TDS maps (GRAI), through the EPC layer
        return dict(gs1_elements(parse_identity_uri(uri)))
    except (EpcError, ValueError):
        return {}


def _unescape(component: str) -> str:
    return unescape(component) if "%" in component else component


@lru_cache(maxsize=65_536)
def digital_link(uri: str) -> str:
    """The canonical GS1 Digital Link (https://id.gs1.org/..., keys in their order) for an EPC URN, an LGTIN or a
    Digital Link on any host; other URIs unchanged."""
    if not uri.startswith(("urn:epc:id:", LGTIN_PREFIX, "https://", "http://")):
        return uri
    keys = gs1_keys(uri)
    if not keys:
        return uri
    order = [ai for ai in ("00", "01", "414", "8003", "10", "21", "254") if ai in keys]
    return DL_BASE + "".join(f"/{ai}/{_quote(keys[ai])}" for ai in order)


def _quote(value: str) -> str:
    return value if value.isalnum() and value.isascii() else quote(value, safe="")


def vocabulary_uri(value: str, vocabulary: str) -> str:
    """A CBV term in any of its spellings (bare 'receiving', urn:epcglobal:cbv:bizstep:receiving, or the web URI)
    → its web URI; a term of no CBV vocabulary (a partner's own URI) is returned unchanged."""
    urn = f"urn:epcglobal:cbv:{vocabulary}:"
    if value.startswith(urn):
        return CBV_BASE + VOCABULARIES[vocabulary] + value[len(urn):]
    if ":" not in value:
        return CBV_BASE + VOCABULARIES[vocabulary] + value
    return value


def vocabulary_term(value: str, vocabulary: str) -> str:
    """The bare CBV term for any spelling of it ('receiving'); other URIs unchanged. What the store indexes."""
    web = vocabulary_uri(value, vocabulary)
    head = CBV_BASE + VOCABULARIES[vocabulary]
    return web[len(head):] if web.startswith(head) else web


__all__ = ["EpcIdentity", "digital_link", "gs1_keys", "lgtin_uri", "lotline_uri", "parse_lgtin", "parse_lotline",
           "sgln_uri", "sgtin_uri", "sscc_uri", "vocabulary_term", "vocabulary_uri"]
