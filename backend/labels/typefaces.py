"""The label fonts: a Latin regular and bold and a CJK font, found on this machine (backend/fonts.py), and which of
them draws a given text. The same files are what a ZPL printer is sent (zpl.font_download), so a printed label
looks like its preview."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import ImageFont

from backend.fonts import FONT_DIRS, find_font, find_fonts, glyphs

BOLD_FONTS = ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf", "FreeSansBold.ttf")


@dataclass(frozen=True)
class LabelFonts:
    sans: Path | None
    bold: Path | None
    cjk: Path | None

    def runs(self, text: str, *, bold: bool, cjk: bool) -> list[tuple[str, Path | None, bool]]:
        return _runs(self, text, bold, cjk)

    def _split(self, text: str, bold: bool, cjk: bool) -> list[tuple[str, Path | None, bool]]:
        """`text` cut into runs that one font draws: (run, font file, draw bold by stroking). The CJK font draws
        what the Latin font lacks (and, with `cjk`, every character it has); a font without a bold face is stroked.
        Droid Sans Fallback, for one, has no Latin letters, so "智能电表 Smart meter" is two fonts."""
        latin = self.bold if bold and self.bold else self.sans
        first, second = (self.cjk, latin) if cjk else (latin, self.cjk)
        if first is None or second is None:
            only = first or second
            return [(text, only, bold and only is not self.bold)]
        if covers(first, text):
            return [(text, first, bold and first is not self.bold)]
        out: list[tuple[str, Path | None, bool]] = []
        have = glyphs(first)
        for ch in text:
            path = first if ord(ch) in have else second
            if ch == " " and out:  # a space stays with the run it follows (every font here draws one)
                path = out[-1][1]
            if out and out[-1][1] is path:
                out[-1] = (out[-1][0] + ch, path, out[-1][2])
            else:
                out.append((ch, path, bold and path is not self.bold))
        return out

    def role(self, path: Path | None) -> str:
        """The font's name on a printer and in a PDF: sans, bold or cjk."""
        return "cjk" if path is self.cjk else "bold" if path is self.bold and path is not self.sans else "sans"


@lru_cache(maxsize=8192)
def _runs(fonts: LabelFonts, text: str, bold: bool, cjk: bool) -> list[tuple[str, Path | None, bool]]:
    return fonts._split(text, bold, cjk)


@cache
def label_fonts() -> LabelFonts:
    found = find_fonts(FONT_DIRS)
    bold = find_font(tuple(FONT_DIRS), BOLD_FONTS)
    return LabelFonts(sans=found.latin, bold=bold if found.latin else None, cjk=found.cjk)


def covers(path: Path, text: str) -> bool:
    have = glyphs(path)
    return all(ord(c) in have for c in text)


@cache
def ascent(path: Path) -> float:
    """The font's ascender as a fraction of its em: where the baseline sits below a text's top."""
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return float(font["hhea"].ascent) / float(font["head"].unitsPerEm)


@lru_cache(maxsize=256)
def pil_font(path: Path | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The font at `size` dots (Pillow's own when no font is installed)."""
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


@lru_cache(maxsize=4096)
def run_width(text: str, path: Path | None, size: int) -> float:
    """The advance of `text` in dots at `size` dots."""
    return float(pil_font(path, size).getlength(text))
