#!/usr/bin/python3
"""Writes the seed inputs of the image-decoder fuzzers into tests/fuzz/seeds/{png,jpeg,pnm}.

Not run by the build: the seeds are committed. Remade with Debian's Python and Pillow
(python3-pil): /usr/bin/python3 tests/fuzz/make_seeds.py
Each seed is small (a few hundred bytes) and valid, one per layout the decoders handle, so that
the fuzzer starts from every branch: bit depths, colour types, palettes, interlacing,
progressive and subsampled JPEG, 8- and 16-bit PGM/PPM.
"""
import os
import struct
import zlib

from PIL import Image

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def out(kind, name):
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    return os.path.join(root, kind, name)


def pattern(mode, w, h):
    im = Image.new(mode, (w, h))
    bands = len(im.getbands())
    top = 65535 if mode == "I;16" else 255
    px = []
    for y in range(h):
        for x in range(w):
            v = (x * 37 + y * 91) % (top + 1)
            px.append(v if bands == 1 else tuple((v + 60 * b) % 256 for b in range(bands)))
    im.putdata(px)
    return im


def png_by_hand(path, w, h, depth, color, rows, interlace=0, chunks=()):
    """A PNG whose rows (filter byte included) are given; for what Pillow cannot write."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    for kind, payload in chunks:
        data += chunk(kind, payload)
    data += chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


# PNG
pattern("L", 8, 6).save(out("png", "gray8.png"))
pattern("RGB", 7, 5).save(out("png", "rgb8.png"))
pattern("RGBA", 5, 4).save(out("png", "rgba8.png"))
pattern("LA", 4, 4).save(out("png", "gray_alpha8.png"))
pattern("I;16", 6, 3).save(out("png", "gray16.png"))
pattern("1", 9, 3).save(out("png", "gray1.png"))
pal = pattern("L", 10, 4).convert("P", palette=Image.ADAPTIVE, colors=5)
pal.save(out("png", "palette.png"), bits=4)
# 16-bit RGB, 2-bit gray and an Adam7-interlaced RGB image, by hand.
rows = b"".join(b"\0" + b"".join(struct.pack(">HHH", x * 9000, y * 20000, 65535 - x * 5000) for x in range(4)) for y in range(3))
png_by_hand(out("png", "rgb16.png"), 4, 3, 16, 2, rows)
rows = b"".join(b"\0" + bytes([0b00011011, 0b11100100]) for y in range(2))
png_by_hand(out("png", "gray2.png"), 8, 2, 2, 0, rows)
# Adam7 passes of a 5 x 5 RGB image: each pass's rows, filter byte 0.
starts = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
raw = b""
for x0, y0, dx, dy in starts:
    if x0 >= 5:
        continue
    for y in range(y0, 5, dy):
        raw += b"\0" + b"".join(bytes([x * 50, y * 50, 100]) for x in range(x0, 5, dx))
png_by_hand(out("png", "adam7.png"), 5, 5, 8, 2, raw, interlace=1)

# JPEG
pattern("L", 16, 16).save(out("jpeg", "gray.jpg"), quality=75)
pattern("RGB", 16, 16).save(out("jpeg", "rgb_420.jpg"), quality=75, subsampling=2)
pattern("RGB", 16, 8).save(out("jpeg", "rgb_444_progressive.jpg"), quality=90, subsampling=0, progressive=True)
pattern("L", 24, 8).save(out("jpeg", "gray_progressive.jpg"), quality=60, progressive=True)

# PGM/PPM
with open(out("pnm", "gray8.pgm"), "wb") as f:
    f.write(b"P5\n# a comment\n4 3\n255\n" + bytes(range(0, 240, 20)))
with open(out("pnm", "gray16.pgm"), "wb") as f:
    f.write(b"P5 3 2 65535\n" + b"".join(struct.pack(">H", v * 10000) for v in range(6)))
with open(out("pnm", "rgb8.ppm"), "wb") as f:
    f.write(b"P6 2 2 100\n" + bytes([0, 50, 100, 100, 50, 0, 25, 75, 25, 1, 2, 3]))
