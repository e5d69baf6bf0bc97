"""What the shell adds to flet-web's client: the CJK font subset, the icons and the web app manifest."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The same Debian fonts server mode serves (mobile/web.py CJK_FONTS); the first found is subset.
CJK_SOURCES = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),  # fonts-droid-fallback (Apache-2.0)
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)
CJK_FAMILY = "LotlineCJK"  # the theme's font family in mobile/app.py
THEME_COLOUR = "#1565C0"
BACKGROUND = "#FFFFFF"
NAME = "溯源手持 Lotline Handheld"
SHORT_NAME = "溯源手持"
SCOPE = "/app/"


def cjk_source() -> Path:
    found = next((p for p in CJK_SOURCES if p.exists()), None)
    if found is None:
        raise RuntimeError("no CJK font to subset: apt-get install fonts-droid-fallback (Chinese would show as boxes)")
    return found


def cjk_text() -> str:
    """Every character the subset keeps: all 6,763 hanzi of GB 2312 (the names people type on a plant floor), the
    app's own strings, Latin, general and CJK punctuation, full-width forms."""
    chars: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # an unassigned cell of the GB 2312 table
    for path in sorted((ROOT / "assets" / "i18n").glob("*.json")):
        chars |= set(path.read_text(encoding="utf-8"))
    for lo, hi in ((0x20, 0x250), (0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0)):
        chars |= {chr(c) for c in range(lo, hi)}
    return "".join(sorted(chars))


def write_cjk_subset(target: Path) -> int:
    """A TrueType subset of the CJK font (hinting dropped); returns its size in bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    options.notdef_outline = True
    source = cjk_source()
    font = TTFont(str(source), fontNumber=0) if source.suffix == ".ttc" else TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=cjk_text())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(target))
    return target.stat().st_size


def register_font(font_manifest: Path, asset: str) -> None:
    """Adds the CJK family to Flutter's FontManifest.json, so the client loads it at start from our origin."""
    fonts = json.loads(font_manifest.read_text(encoding="utf-8"))
    fonts = [f for f in fonts if f.get("family") != CJK_FAMILY]
    fonts.append({"family": CJK_FAMILY, "fonts": [{"asset": asset}]})
    font_manifest.write_text(json.dumps(fonts), encoding="utf-8")


def write_icons(folder: Path, font: Path) -> list[str]:
    """PNG icons drawn with Pillow: 溯 in white on the theme colour, inside the maskable safe zone (the central
    80 % circle), so the same picture serves as `any` and `maskable`."""
    from PIL import Image, ImageDraw, ImageFont

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for size, name in ((192, "icon-192.png"), (512, "icon-512.png"), (192, "icon-maskable-192.png"),
                       (512, "icon-maskable-512.png"), (180, "apple-touch-icon.png"), (64, "favicon.png")):
        image = Image.new("RGB", (size, size), THEME_COLOUR)
        draw = ImageDraw.Draw(image)
        glyph = ImageFont.truetype(str(font), int(size * 0.5))
        draw.text((size / 2, size / 2), "溯", font=glyph, fill="white", anchor="mm")
        image.save(folder / name, optimize=True)
        written.append(name)
    return written


def manifest() -> dict[str, object]:
    """The web app manifest: installable from /app/, opens full-screen like an app."""
    icons: list[dict[str, str]] = [
        {"src": f"icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"} for s in (192, 512)
    ] + [
        {"src": f"icons/icon-maskable-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "maskable"}
        for s in (192, 512)
    ]
    return {
        "id": SCOPE, "name": NAME, "short_name": SHORT_NAME, "description": "Lotline Handheld — 质量追溯手持终端",
        "lang": "zh-CN", "start_url": SCOPE, "scope": SCOPE, "display": "standalone", "orientation": "portrait",
        "theme_color": THEME_COLOUR, "background_color": BACKGROUND, "prefer_related_applications": False,
        "icons": icons,
    }
