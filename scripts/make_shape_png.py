"""Writes datasets/shapes/crescent.png: a 64 x 64 grayscale non-convex shape (a ring with a
wedge cut out, white on black) for the 2-D robot-coverage experiment. Standard library only."""
import math, struct, zlib, pathlib

W = H = 64
rows = []
for r in range(H):
    y = 1 - 2 * (r + 0.5) / H
    row = bytearray()
    for c in range(W):
        x = 2 * (c + 0.5) / W - 1
        rad, ang = math.hypot(x, y), math.degrees(math.atan2(y, x))
        inside = 0.45 <= rad <= 0.9 and not (-35 <= ang <= 35)
        row.append(255 if inside else 0)
    rows.append(b"\x00" + bytes(row))
def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
out = pathlib.Path(__file__).resolve().parent.parent / "datasets" / "shapes" / "crescent.png"
out.write_bytes(png)
print(out)
