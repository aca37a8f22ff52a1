"""Draw the app icons (static/icons/icon-192.png, icon-512.png, icon-maskable-512.png) and the
favicon.ico that browsers ask the site root for (16, 32 and 48 px PNGs in one ICO file).

Plain Python (zlib + struct), so no imaging library is needed to rebuild them: a white pulse
line on the brand colour; the maskable icon keeps the line inside the central safe zone.
Run: `.venv/bin/python tools/make_icons.py`
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
BRAND = (0x1F, 0x5F, 0x5B)
WHITE = (0xFF, 0xFF, 0xFF)
#: The pulse line, in a unit square.
LINE = [(0.16, 0.56), (0.36, 0.56), (0.44, 0.34), (0.54, 0.74), (0.61, 0.50), (0.84, 0.50)]
STROKE = 0.075
SAMPLES = 3  # per axis, for smooth edges


def _segment_distance(px, py, ax, ay, bx, by) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _in_rounded_square(x: float, y: float, radius: float) -> bool:
    cx, cy = min(max(x, radius), 1 - radius), min(max(y, radius), 1 - radius)
    return math.hypot(x - cx, y - cy) <= radius


def draw(size: int, *, maskable: bool) -> bytes:
    scale = 0.72 if maskable else 1.0  # maskable: the safe zone is the central 80 % circle
    line = [(0.5 + (x - 0.5) * scale, 0.5 + (y - 0.5) * scale) for x, y in LINE]
    half_stroke = STROKE * scale / 2
    rows = []
    for row in range(size):
        pixels = bytearray([0])  # filter type 0
        for column in range(size):
            background = stroke = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (column + (sx + 0.5) / SAMPLES) / size
                    y = (row + (sy + 0.5) / SAMPLES) / size
                    if not maskable and not _in_rounded_square(x, y, 0.22):
                        continue
                    background += 1
                    if any(
                        _segment_distance(x, y, *a, *b) <= half_stroke
                        for a, b in zip(line, line[1:], strict=False)
                    ):
                        stroke += 1
            total = SAMPLES * SAMPLES
            share = stroke / background if background else 0
            colour = [round(b + (w - b) * share) for b, w in zip(BRAND, WHITE, strict=True)]
            pixels += bytes([*colour, round(255 * background / total)])
        rows.append(bytes(pixels))
    return _png(size, size, b"".join(rows))


def _png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _ico(sizes: tuple[int, ...]) -> bytes:
    """An ICO file holding one PNG per size (every current browser reads PNG inside ICO)."""
    images = [draw(size, maskable=False) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for size, image in zip(sizes, images, strict=True):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        (ICONS / name).write_bytes(draw(size, maskable=maskable))
        print(f"wrote static/icons/{name}")
    (ICONS / "favicon.ico").write_bytes(_ico((16, 32, 48)))
    print("wrote static/icons/favicon.ico")


if __name__ == "__main__":
    main()
