"""Draw bot/channels/line/richmenu.png (2500×843, six areas) from the catalog's menu labels.

Run once after changing the menu; the committed PNG is what ships. Needs Pillow and a Japanese
font (developer tools only, not runtime dependencies):

    pip install pillow==13.0.0
    apt-get install -y fonts-noto-cjk
    python scripts/make_rich_menu.py

The layout (3 columns × 2 rows, order of ``handlers.common.MENU``) must match
``bot/channels/line/richmenu.py``; ``kyodo line rich-menu`` notices a new image by its hash.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.line.richmenu import COLUMNS, HEIGHT, IMAGE, ROWS, WIDTH  # noqa: E402
from bot.i18n import default_catalog  # noqa: E402
from handlers.common import MENU  # noqa: E402

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
)
TILES = {  # background, accent (icon), text — high contrast, calm colours
    "browse": ("#E3F0FF", "#1F6FD1", "#0B2E59"),
    "post": ("#E6F6EA", "#1E8E3E", "#0D3B1C"),
    "ideas": ("#FFF4D6", "#C98A00", "#4A3300"),
    "plans": ("#FDE7EF", "#C2185B", "#4A0A24"),
    "me": ("#EEE8FB", "#5E35B1", "#24134D"),
    "help": ("#ECEFF1", "#455A64", "#1C272D"),
}
GAP = 10


def japanese_font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if not Path(path).exists():
            continue
        for index in range(8):  # pick the Japanese face of the collection
            font = ImageFont.truetype(path, size, index=index)
            if "JP" in " ".join(font.getname()):
                return font
    raise SystemExit("no Noto Sans CJK font found: apt-get install -y fonts-noto-cjk")


def icon(draw: ImageDraw.ImageDraw, name: str, cx: int, cy: int, r: int, color: str) -> None:
    w = max(8, r // 5)
    if name == "browse":  # magnifying glass
        draw.ellipse((cx - r, cy - r, cx + r * 0.5, cy + r * 0.5), outline=color, width=w)
        draw.line((cx + r * 0.35, cy + r * 0.35, cx + r, cy + r), fill=color, width=w + 4)
    elif name == "post":  # plus in a rounded square
        draw.rounded_rectangle(
            (cx - r, cy - r, cx + r, cy + r), radius=r // 3, outline=color, width=w
        )
        draw.line((cx, cy - r * 0.55, cx, cy + r * 0.55), fill=color, width=w)
        draw.line((cx - r * 0.55, cy, cx + r * 0.55, cy), fill=color, width=w)
    elif name == "ideas":  # light bulb
        draw.ellipse((cx - r * 0.8, cy - r, cx + r * 0.8, cy + r * 0.55), outline=color, width=w)
        draw.rectangle((cx - r * 0.4, cy + r * 0.55, cx + r * 0.4, cy + r), fill=color)
    elif name == "plans":  # calendar
        draw.rounded_rectangle(
            (cx - r, cy - r * 0.8, cx + r, cy + r), radius=r // 6, outline=color, width=w
        )
        draw.rectangle((cx - r, cy - r * 0.8, cx + r, cy - r * 0.35), fill=color)
        for dx in (-0.5, 0, 0.5):
            for dy in (0.05, 0.55):
                x, y = cx + r * dx, cy + r * dy
                draw.rectangle((x - w, y - w, x + w, y + w), fill=color)
    elif name == "me":  # person
        draw.ellipse((cx - r * 0.45, cy - r, cx + r * 0.45, cy - r * 0.1), fill=color)
        draw.pieslice((cx - r * 0.9, cy, cx + r * 0.9, cy + r * 1.6), 180, 360, fill=color)
    else:  # help: a question mark in a circle
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=color, width=w)
        font = japanese_font(int(r * 1.4))
        draw.text((cx, cy + r * 0.05), "?", font=font, fill=color, anchor="mm")


def main() -> None:
    catalog = default_catalog()
    image = Image.new("RGB", (WIDTH, HEIGHT), "#FFFFFF")
    draw = ImageDraw.Draw(image)
    label_font = japanese_font(112)
    for index, (name, label_key) in enumerate(MENU):
        col, row = index % COLUMNS, index // COLUMNS
        x0, x1 = WIDTH * col // COLUMNS, WIDTH * (col + 1) // COLUMNS
        y0, y1 = HEIGHT * row // ROWS, HEIGHT * (row + 1) // ROWS
        background, accent, text = TILES[name]
        draw.rounded_rectangle((x0 + GAP, y0 + GAP, x1 - GAP, y1 - GAP), radius=36, fill=background)
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        icon(draw, name, cx, cy - 75, 82, accent)
        label = catalog.text(label_key, "ja")
        font = label_font
        while draw.textlength(label, font=font) > (x1 - x0) - 80:
            font = japanese_font(font.size - 6)
        draw.text((cx, cy + 120), label, font=font, fill=text, anchor="mm")
    image.save(IMAGE, "PNG", optimize=True)
    print(f"wrote {IMAGE.relative_to(ROOT)} ({IMAGE.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
