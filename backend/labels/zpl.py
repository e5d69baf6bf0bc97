"""The ZPL II back end: native commands a Zebra-compatible printer draws itself at 203, 300 or 600 dpi.

- ^CI28: field data is UTF-8.
- Text: ^A@ with TrueType fonts downloaded once to the printer (`font_download`: ~DY of the same DejaVu Sans and
  Droid Sans Fallback files the preview and the PDF use). Chosen over ^GF graphic fields because a label then
  stays a few hundred bytes made by string formatting alone (10,000 labels in well under a second: bench/labels.py)
  where rasterising every text costs Pillow work and kilobytes per label, and the printer draws the glyphs at its
  own resolution. A printer without the fonts prints in its built-in font and cannot print Chinese.
- Barcodes: ^BC in its no-mode form with a code-set plan of ours (code128.py) for Code 128 and GS1-128 (FNC1 as
  >8), ^BE for EAN-13, ^BX quality 200 with escape '#' for GS1 DataMatrix (FNC1 as #1; '#' is in no GS1 character
  set), ^BQ model 2, error level M, for QR and Digital Link QR. Human-readable text under linear symbols is our
  own text field, placed as in the preview.
- Logos: stored once per payload in the printer's RAM (~DG, R:) and recalled on every label (^XG), so a batch
  of 10,000 labels carries the bitmap once.
- RFID (only when the caller hands EPCs, i.e. for an RFID printer): ^RS8 (EPC Class 1 Gen 2 tag) and
  ^RFW,H,2,12,1 — write 12 bytes of hex into the EPC bank (1) from word 2, past the CRC and PC words — with the
  unit's SGTIN-96 / SSCC-96 hex from shared_models/epc.py (Epc96.to_hex, checked against the TDS examples).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from backend.errors import InvalidInput
from backend.labels.code128 import gs1_sequence, plan
from backend.labels.layout import Item, Layout, Picture, Rule, Symbol, Text
from backend.labels.png import HRI_GAP_MM, bitmap
from backend.labels.typefaces import LabelFonts, label_fonts, run_width
from shared_models.epc import Epc96
from shared_models.labels import Symbology

PRINTER_FONTS = {"sans": "E:LOTSANS.TTF", "bold": "E:LOTSANSB.TTF", "cjk": "E:LOTCJK.TTF"}
_ALIGN = {"left": "L", "center": "C", "right": "R"}
EAN13_MODULES = 95
DM_ESCAPE = "#"
CACHE_ITEMS = 50_000  # items kept per resolution before the cache starts over
RFID_SETUP = "^RS8"   # tag type 8: EPC Class 1 Gen 2


def rfid_write(epc: Epc96) -> str:
    """The commands that encode one tag with a 96-bit EPC, e.g. ^RS8^RFW,H,2,12,1^FD3074257BF7194E4000001A85^FS."""
    return f"{RFID_SETUP}^RFW,H,2,12,1^FD{epc.to_hex()}^FS"


def field_data(text: str) -> str:
    """^FH^FD… with ZPL's control characters (^ ~) and the hex indicator (_) written as hex, so no value can end
    the field or start a command."""
    if "_" in text or "^" in text or "~" in text:
        return "^FH^FD" + text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")
    return "^FD" + text


@lru_cache(maxsize=64)
def graphic(png: bytes, width: int, height: int) -> tuple[str, str]:
    """(name, ~DG command storing it) of an image at its size in dots (1 = black) in the printer's RAM."""
    dark = np.asarray(bitmap(png, width, height)) < 128
    packed = np.packbits(dark, axis=1)
    name = f"R:L{hashlib.sha1(packed.tobytes() + bytes(packed.shape)).hexdigest()[:7].upper()}.GRF"
    return name, f"~DG{name},{packed.size},{packed.shape[1]},{packed.tobytes().hex().upper()}\n"


class ZplWriter:
    """Writes laid-out labels as ZPL; `fonts` decide which printer font draws each text."""

    def __init__(self, fonts: LabelFonts | None = None) -> None:
        self.fonts = fonts or label_fonts()
        # An item's ZPL per resolution, made once: a template's literal texts, lines, logos and every value the
        # labels of a batch share (a lot, a date, a GTIN) are written once per batch, not once per label.
        self._done: dict[int, dict[Item, str]] = {}

    def text(self, x: int, y: int, size: int, value: str, *, bold: bool, cjk: bool, width: int | None,
             align: str) -> str:
        """One field when one font draws the text (the printer aligns it in a ^FB block); a field per run when it
        takes two (Latin and CJK), placed by the runs' widths as measured in the same fonts."""
        runs = self.fonts.runs(value, bold=bold, cjk=cjk)
        if len(runs) == 1:
            font = PRINTER_FONTS[self.fonts.role(runs[0][1])]
            block = f"^FB{width},1,0,{_ALIGN[align]},0" if width else ""
            return f"^FO{x},{y}^A@N,{size},{size},{font}{block}{field_data(value)}^FS"
        widths = [run_width(run, path, size) for run, path, _ in runs]
        at = float(x)
        if width and align != "left":
            at += (width - sum(widths)) / (2 if align == "center" else 1)
        out = []
        for (run, path, _), w in zip(runs, widths, strict=True):
            font = PRINTER_FONTS[self.fonts.role(path)]
            out.append(f"^FO{round(at)},{y}^A@N,{size},{size},{font}{field_data(run)}^FS")
            at += w
        return "".join(out)

    def symbol(self, sym: Symbol, dpi: int) -> str:
        m = min(sym.module, 10)  # ^BY, ^BX and ^BQ take at most 10 dots a module
        head = f"^FO{sym.x},{sym.y}"
        width = 0
        if sym.symbology in (Symbology.GS1_128, Symbology.CODE128):
            seq = gs1_sequence(sym.message) if sym.message is not None else list(sym.data)
            p = plan(seq)
            width = p.modules * m
            body = f"^BY{m},3,{sym.height}^BCN,{sym.height},N,N,N^FD{p.zpl}^FS"
        elif sym.symbology is Symbology.EAN13:
            width = EAN13_MODULES * m
            body = f"^BY{m},3,{sym.height}^BEN,{sym.height},N,N^FD{sym.data[:12]}^FS"
        elif sym.symbology is Symbology.GS1_DATAMATRIX:
            assert sym.message is not None
            data = DM_ESCAPE + "1" + sym.message.to_raw(gs=DM_ESCAPE + "1")
            body = f"^BXN,{m},200,0,0,6,{DM_ESCAPE},1^FD{data}^FS"
        else:
            body = f"^BQN,2,{m}{field_data('MA,' + sym.data)}^FS"
        out = head + body
        if sym.hri:
            top = sym.y + sym.height + round(HRI_GAP_MM * dpi / 25.4)
            out += self.text(sym.x, top, sym.hri_size, sym.hri, bold=False, cjk=False, width=width, align="center")
        return out

    def label(self, layout: Layout, copies: int = 1, epc: Epc96 | None = None) -> str:
        """One label; with `epc`, its tag is encoded too (one tag per label, so one copy: a second tag with the
        same EPC would be a clone)."""
        if epc is not None and copies != 1:
            raise InvalidInput(f"An RFID label encodes one tag per unit ({epc.to_hex()}); print it once, not "
                               f"{copies} copies.", copies=copies)
        parts = [f"^XA^CI28^PW{layout.width}^LL{layout.height}^LH0,0"]
        if epc is not None:
            parts.append(rfid_write(epc))
        done = self._done.get(layout.dpi)
        if done is None or len(done) > CACHE_ITEMS:
            done = self._done[layout.dpi] = {}
        for item in layout.items:
            zpl = done.get(item)
            if zpl is None:
                zpl = done[item] = self.item(item, layout.dpi)
            parts.append(zpl)
        parts.append(f"^PQ{copies}^XZ\n")
        return "".join(parts)

    def item(self, item: Item, dpi: int) -> str:
        if isinstance(item, Text):
            return self.text(item.x, item.y, item.size, item.text, bold=item.bold, cjk=item.cjk, width=item.width,
                             align=item.align)
        if isinstance(item, Symbol):
            return self.symbol(item, dpi)
        if isinstance(item, Rule):
            t = min(item.width, item.height)
            return f"^FO{item.x},{item.y}^GB{item.width},{item.height},{t},B,0^FS"
        name, _ = graphic(item.png, item.width, item.height)
        return f"^FO{item.x},{item.y}^XG{name},1,1^FS"


def render_zpl(layouts: Sequence[Layout], *, copies: int = 1, fonts: LabelFonts | None = None,
               epcs: Sequence[Epc96 | None] | None = None) -> bytes:
    """Every label as one ZPL stream, each printed `copies` times (^PQ), after the ~DG of each image they use.
    `epcs` (for an RFID printer only; None for any other) gives each label the EPC its tag gets, in order."""
    if epcs is not None and len(epcs) != len(layouts):
        raise InvalidInput(f"{len(epcs)} EPCs for {len(layouts)} labels: an RFID print needs one EPC (or None) per "
                           "label.", epcs=len(epcs), labels=len(layouts))
    writer = ZplWriter(fonts)
    images = dict.fromkeys(graphic(p.png, p.width, p.height)[1] for layout in layouts[:1] for p in layout.items
                           if isinstance(p, Picture))  # one template: every label uses the first one's images
    tags: Sequence[Epc96 | None] = epcs if epcs is not None else [None] * len(layouts)
    return ("".join(images) + "".join(writer.label(layout, copies, epc)
                                      for layout, epc in zip(layouts, tags, strict=True))).encode("utf-8")


def font_download(fonts: LabelFonts | None = None) -> bytes:
    """~DY commands storing the label fonts on the printer's flash (E:) under the names the labels use; sent once
    per printer (POST /api/labels/printers/{id}/fonts)."""
    fonts = fonts or label_fonts()
    out = bytearray()
    for role, path in (("sans", fonts.sans), ("bold", fonts.bold), ("cjk", fonts.cjk)):
        if path is None:
            continue
        data = path.read_bytes()
        name = PRINTER_FONTS[role].removesuffix(".TTF")
        out += f"~DY{name},B,T,{len(data)},,".encode("ascii") + data
    return bytes(out)
