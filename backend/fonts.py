"""Fonts on this machine for documents the server draws (recall PDFs, labels): a Latin and a CJK-capable TrueType."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
LATIN_FONTS = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "FreeSans.ttf")
# Debian: fonts-droid-fallback, fonts-noto-cjk, fonts-wqy-*. In a .ttc collection, its first face is used.
CJK_FONTS = ("DroidSansFallbackFull.ttf", "NotoSansCJK-Regular.ttc", "NotoSansSC-Regular.ttf", "wqy-microhei.ttc",
             "wqy-zenhei.ttc")
CODE_CHARS = "AZaz09-/"  # what a font must draw to print unit codes on its own


@dataclass(frozen=True)
class FontFiles:
    """The font files found: either may be None. `cjk` alone also draws Latin codes (find_fonts checks it)."""

    latin: Path | None
    cjk: Path | None


@cache
def glyphs(path: Path) -> frozenset[int]:
    """The code points the font (a .ttc: its first face) draws. Cached per path for the process's life."""
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap())


@cache
def find_font(dirs: tuple[Path, ...], names: tuple[str, ...]) -> Path | None:
    """The first of `names` (in order of preference) found anywhere under `dirs`, or None.

    Cached per (dirs, names): a font installed while the server runs is seen after a restart."""
    for name in names:
        for d in dirs:
            if d.is_dir():
                hit = next(iter(sorted(d.rglob(name))), None)
                if hit is not None:
                    return hit
    return None


def find_fonts(dirs: Sequence[Path] = FONT_DIRS) -> FontFiles:
    """A Latin font and a CJK-capable font under `dirs`, each None when none is installed.

    A CJK font without Latin letters is dropped when there is no Latin font, since it cannot print codes alone;
    the caller then falls back to what it has built in (e.g. a PDF core font)."""
    dirs = tuple(dirs)
    latin, cjk = find_font(dirs, LATIN_FONTS), find_font(dirs, CJK_FONTS)
    if latin is None and cjk is not None and not all(ord(c) in glyphs(cjk) for c in CODE_CHARS):
        cjk = None
    return FontFiles(latin=latin, cjk=cjk)


__all__ = ["CJK_FONTS", "FONT_DIRS", "LATIN_FONTS", "FontFiles", "find_font", "find_fonts", "glyphs"]
