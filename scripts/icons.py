"""Draw the app's icons by code (build time only): the PNGs the manifest lists and
the SVG favicon, from one description of the artwork.

Usage (from the repository root):

    pip install "pillow>=11"
    python scripts/icons.py            # writes static/icons/*.png and icon.svg
    python scripts/icons.py --check    # exit 1 if the committed files are out of date

Outputs in static/icons/:

- `icon.svg`: the favicon (any size);
- `icon-192.png`, `icon-512.png`: the app icon (rounded square, transparent corners);
- `icon-maskable-512.png`: full-bleed background, artwork inside the central 80 %
  circle that Android's masks always keep (https://w3c.github.io/manifest/#icon-masks);
- `shortcut-*.png` (96 px): one glyph per journey for the manifest's shortcuts.

The artwork is a list of shapes on a 512-unit square; PNGs are drawn 4x larger and
scaled down (anti-aliasing), then reduced to a small palette. Pillow writes no
timestamp, so a rebuild is byte-for-byte stable.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "icons"
UNITS = 512
SUPERSAMPLE = 4

BLUE, WHITE, YELLOW = "#1d4e89", "#ffffff", "#f6c744"

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    radius: float = 0


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str


@dataclass(frozen=True)
class Polygon:
    points: Sequence[Point]
    fill: str


@dataclass(frozen=True)
class Stroke:
    """An open polyline with round joins."""

    points: Sequence[Point]
    width: float
    color: str


Shape = Rect | Circle | Polygon | Stroke


def arc(cx: float, cy: float, r: float, start: float, end: float, steps: int = 24) -> list[Point]:
    """Points along a circle, angles in degrees (0 = right, 90 = down)."""
    return [
        (cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a)))
        for a in (start + (end - start) * i / steps for i in range(steps + 1))
    ]


# --- the artwork -------------------------------------------------------------------

# An envelope (the mailbox) with a yellow badge holding a keyhole (the password).
EMBLEM: list[Shape] = [
    Rect(128, 176, 256, 176, WHITE, radius=10),
    Stroke([(142, 190), (256, 274), (370, 190)], 20, BLUE),
    Circle(376, 352, 72, YELLOW),
    Circle(376, 340, 22, BLUE),
    Polygon([(366, 350), (386, 350), (392, 390), (360, 390)], BLUE),
]


def app_icon() -> list[Shape]:
    return [Rect(0, 0, UNITS, UNITS, BLUE, radius=96), *EMBLEM]


def maskable_icon() -> list[Shape]:
    # The badge reaches 0.44 of the side from the centre; 0.85 brings it inside 0.40.
    return [Rect(0, 0, UNITS, UNITS, BLUE), *scaled(EMBLEM, 0.85)]


def shortcut(glyph: list[Shape]) -> list[Shape]:
    return [Rect(0, 0, UNITS, UNITS, BLUE, radius=112), *glyph]


KEY = [  # choisir mon mot de passe
    Stroke(arc(176, 256, 72, 0, 360, 48), 40, WHITE),
    Stroke([(248, 256), (424, 256)], 40, WHITE),
    Stroke([(384, 256), (384, 330)], 40, WHITE),
    Stroke([(320, 256), (320, 312)], 40, WHITE),
]
BADGE = [  # retrouver mon identifiant
    Rect(96, 128, 320, 256, WHITE, radius=28),
    Circle(186, 228, 40, BLUE),
    Polygon([(126, 336), (136, 298), (160, 282), (212, 282), (236, 298), (246, 336)], BLUE),
    Rect(272, 206, 112, 24, BLUE, radius=12),
    Rect(272, 258, 112, 24, BLUE, radius=12),
    Rect(272, 310, 80, 24, BLUE, radius=12),
]
PADLOCK = [  # se connecter
    Stroke([(184, 236), *arc(256, 196, 72, 180, 360), (328, 236)], 36, WHITE),
    Rect(136, 228, 240, 184, WHITE, radius=24),
    Circle(256, 300, 28, BLUE),
    Polygon([(244, 312), (268, 312), (276, 360), (236, 360)], BLUE),
]
BOOK = [  # guide hors ligne
    Polygon([(96, 152), (176, 136), (248, 160), (248, 392), (176, 368), (96, 384)], WHITE),
    Polygon([(264, 160), (336, 136), (416, 152), (416, 384), (336, 368), (264, 392)], WHITE),
    Stroke([(300, 200), (380, 188)], 18, BLUE),
    Stroke([(300, 248), (380, 236)], 18, BLUE),
    Stroke([(300, 296), (380, 284)], 18, BLUE),
]

SHORTCUTS = {"mot-de-passe": KEY, "identifiant": BADGE, "connexion": PADLOCK, "guide": BOOK}


def scaled(shapes: Iterable[Shape], factor: float) -> list[Shape]:
    """The shapes scaled about the centre of the square."""
    c = UNITS / 2

    def p(x: float, y: float) -> Point:
        return (c + (x - c) * factor, c + (y - c) * factor)

    out: list[Shape] = []
    for s in shapes:
        if isinstance(s, Rect):
            x, y = p(s.x, s.y)
            out.append(Rect(x, y, s.w * factor, s.h * factor, s.fill, s.radius * factor))
        elif isinstance(s, Circle):
            out.append(Circle(*p(s.cx, s.cy), s.r * factor, s.fill))
        elif isinstance(s, Polygon):
            out.append(Polygon([p(*q) for q in s.points], s.fill))
        else:
            out.append(Stroke([p(*q) for q in s.points], s.width * factor, s.color))
    return out


# --- renderers ---------------------------------------------------------------------


def png(shapes: Iterable[Shape], size: int) -> bytes:
    from PIL import Image, ImageDraw

    big = size * SUPERSAMPLE
    k = big / UNITS
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for s in shapes:
        if isinstance(s, Rect):
            box = (s.x * k, s.y * k, (s.x + s.w) * k - 1, (s.y + s.h) * k - 1)
            draw.rounded_rectangle(box, radius=s.radius * k, fill=s.fill)
        elif isinstance(s, Circle):
            draw.ellipse(
                ((s.cx - s.r) * k, (s.cy - s.r) * k, (s.cx + s.r) * k, (s.cy + s.r) * k),
                fill=s.fill,
            )
        elif isinstance(s, Polygon):
            draw.polygon([(x * k, y * k) for x, y in s.points], fill=s.fill)
        else:
            points = [(x * k, y * k) for x, y in s.points]
            width = round(s.width * k)
            draw.line(points, fill=s.color, width=width, joint="curve")
            for x, y in (points[0], points[-1]):  # round caps
                draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=s.color)
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    palette = small.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg(shapes: Iterable[Shape]) -> bytes:
    def n(v: float) -> str:
        return f"{v:.1f}".rstrip("0").rstrip(".")

    def pts(points: Sequence[Point]) -> str:
        return " ".join(f"{n(x)},{n(y)}" for x, y in points)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {UNITS} {UNITS}">']
    for s in shapes:
        if isinstance(s, Rect):
            rx = f' rx="{n(s.radius)}"' if s.radius else ""
            box = f'x="{n(s.x)}" y="{n(s.y)}" width="{n(s.w)}" height="{n(s.h)}"'
            parts.append(f'<rect {box}{rx} fill="{s.fill}"/>')
        elif isinstance(s, Circle):
            parts.append(f'<circle cx="{n(s.cx)}" cy="{n(s.cy)}" r="{n(s.r)}" fill="{s.fill}"/>')
        elif isinstance(s, Polygon):
            parts.append(f'<polygon points="{pts(s.points)}" fill="{s.fill}"/>')
        else:
            parts.append(
                f'<polyline points="{pts(s.points)}" fill="none" stroke="{s.color}" '
                f'stroke-width="{n(s.width)}" stroke-linejoin="round" stroke-linecap="round"/>'
            )
    parts.append("</svg>\n")
    return "".join(parts).encode()


def outputs() -> dict[str, bytes]:
    files = {
        "icon.svg": svg(app_icon()),
        "icon-192.png": png(app_icon(), 192),
        "icon-512.png": png(app_icon(), 512),
        "icon-maskable-512.png": png(maskable_icon(), 512),
    }
    for name, glyph in SHORTCUTS.items():
        files[f"shortcut-{name}.png"] = png(shortcut(glyph), 96)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed files")
    args = parser.parse_args(argv)
    stale = []
    for name, data in outputs().items():
        path = OUT / name
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(name)
        if not args.check:
            path.write_bytes(data)
            print(f"{path.relative_to(ROOT)}  {len(data)} bytes")
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + " (run python scripts/icons.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
