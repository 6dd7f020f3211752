#!/usr/bin/env python3
"""Write hoso's sample archive: sample-archive/ (valid dossiers, one broken dossier per error class).

    python3 Scripts/make-sample-archive.py            # from the repository root

Deletes and rewrites sample-archive/.  Deterministic (seeded random.Random, no clock), Python 3.11
standard library only.  All personal data is synthetic (see Scripts/gen_common.py).

Output
  sample-archive/dossiers/<dossier number>/dossier.xml + scans/   valid dossiers
  sample-archive/invalid/<error code>-<slug>/dossier.xml + scans/  one error class per folder
  sample-archive/outside.pdf     target of the E302 unsafe path (exists so that E302 is the only fault)
  sample-archive/README.md, sample-archive/invalid/README.md

Scans are real files written by the small encoders below: PDF 1.4 (vector text and drawing,
optionally an embedded /DCTDecode JPEG), baseline uncompressed TIFF (8-bit grayscale or bitonal,
multi-page when the component has several pages), baseline JFIF JPEG (grayscale or YCbCr 4:4:4,
standard tables) and PNG.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import operator
import os
import random
import shutil
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_common as g  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "sample-archive")
SEED = 20230512

# =========================================================================== 5x7 bitmap font

_FONT_SRC = {
    "A": " ### |#   #|#   #|#####|#   #|#   #|#   #", "B": "#### |#   #|#   #|#### |#   #|#   #|#### ",
    "C": " ### |#   #|#    |#    |#    |#   #| ### ", "D": "#### |#   #|#   #|#   #|#   #|#   #|#### ",
    "E": "#####|#    |#    |#### |#    |#    |#####", "F": "#####|#    |#    |#### |#    |#    |#    ",
    "G": " ### |#   #|#    |# ###|#   #|#   #| ####", "H": "#   #|#   #|#   #|#####|#   #|#   #|#   #",
    "I": " ### |  #  |  #  |  #  |  #  |  #  | ### ", "J": "  ###|   # |   # |   # |   # |#  # | ##  ",
    "K": "#   #|#  # |# #  |##   |# #  |#  # |#   #", "L": "#    |#    |#    |#    |#    |#    |#####",
    "M": "#   #|## ##|# # #|# # #|#   #|#   #|#   #", "N": "#   #|#   #|##  #|# # #|#  ##|#   #|#   #",
    "O": " ### |#   #|#   #|#   #|#   #|#   #| ### ", "P": "#### |#   #|#   #|#### |#    |#    |#    ",
    "Q": " ### |#   #|#   #|#   #|# # #|#  # | ## #", "R": "#### |#   #|#   #|#### |# #  |#  # |#   #",
    "S": " ####|#    |#    | ### |    #|    #|#### ", "T": "#####|  #  |  #  |  #  |  #  |  #  |  #  ",
    "U": "#   #|#   #|#   #|#   #|#   #|#   #| ### ", "V": "#   #|#   #|#   #|#   #|#   #| # # |  #  ",
    "W": "#   #|#   #|#   #|# # #|# # #|# # #| # # ", "X": "#   #|#   #| # # |  #  | # # |#   #|#   #",
    "Y": "#   #|#   #| # # |  #  |  #  |  #  |  #  ", "Z": "#####|    #|   # |  #  | #   |#    |#####",
    "0": " ### |#   #|#  ##|# # #|##  #|#   #| ### ", "1": "  #  | ##  |  #  |  #  |  #  |  #  | ### ",
    "2": " ### |#   #|    #|   # |  #  | #   |#####", "3": "#####|   # |  #  |   # |    #|#   #| ### ",
    "4": "   # |  ## | # # |#  # |#####|   # |   # ", "5": "#####|#    |#### |    #|    #|#   #| ### ",
    "6": "  ## | #   |#    |#### |#   #|#   #| ### ", "7": "#####|    #|   # |  #  | #   | #   | #   ",
    "8": " ### |#   #|#   #| ### |#   #|#   #| ### ", "9": " ### |#   #|#   #| ####|    #|   # | ##  ",
    "-": "     |     |     |#####|     |     |     ", ".": "     |     |     |     |     | ##  | ##  ",
    ":": "     | ##  | ##  |     | ##  | ##  |     ", "/": "     |    #|   # |  #  | #   |#    |     ",
    ",": "     |     |     |     | ##  |  #  | #   ", "(": "   # |  #  | #   | #   | #   |  #  |   # ",
    ")": " #   |  #  |   # |   # |   # |  #  | #   ", " ": "     |     |     |     |     |     |     ",
}
FONT = {ch: [[c == "#" for c in row] for row in src.split("|")] for ch, src in _FONT_SRC.items()}


# =========================================================================== raster canvas

class Canvas:
    """8-bit single-channel raster (one plane per colour channel for RGB images)."""

    def __init__(self, w, h, channels=1, bg=255):
        self.w, self.h, self.ch = w, h, channels
        bgs = bg if isinstance(bg, tuple) else (bg,) * channels
        self.planes = [bytearray([v]) * (w * h) for v in bgs]

    def rect(self, x, y, w, h, color):
        cols = color if isinstance(color, tuple) else (color,) * self.ch
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.w, x + w), min(self.h, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        for p, v in zip(self.planes, cols):
            run = bytes([v]) * (x1 - x0)
            for yy in range(y0, y1):
                o = yy * self.w
                p[o + x0:o + x1] = run

    def frame(self, x, y, w, h, color, t=1):
        self.rect(x, y, w, t, color)
        self.rect(x, y + h - t, w, t, color)
        self.rect(x, y, t, h, color)
        self.rect(x + w - t, y, t, h, color)

    def pixel(self, x, y, color):
        if 0 <= x < self.w and 0 <= y < self.h:
            cols = color if isinstance(color, tuple) else (color,) * self.ch
            for p, v in zip(self.planes, cols):
                p[y * self.w + x] = v

    def ellipse(self, cx, cy, rx, ry, color, ring=0):
        for yy in range(max(0, cy - ry), min(self.h, cy + ry + 1)):
            for xx in range(max(0, cx - rx), min(self.w, cx + rx + 1)):
                e = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2
                if e <= 1.0 and (not ring or e >= (1 - ring) ** 2):
                    self.pixel(xx, yy, color)

    def text(self, x, y, s, color, scale=1, adv=6):
        for ch in g.ascii_fold(s).upper():
            glyph = FONT.get(ch, FONT[" "])
            for gy, row in enumerate(glyph):
                for gx, on in enumerate(row):
                    if on:
                        self.rect(x + gx * scale, y + gy * scale, scale, scale, color)
            x += adv * scale
        return x

    def text_width(self, s, scale=1, adv=6):
        return len(s) * adv * scale

    def blobs(self, rng, x, y, width, height, color, gap=3):
        """A line of 'handwritten/printed words': dark blocks of random width."""
        xx = x
        while xx < x + width - 6:
            w = min(rng.randint(6, 26), x + width - xx)
            self.rect(xx, y + rng.randint(0, 1), w, height - rng.randint(0, 1), color)
            xx += w + gap + rng.randint(0, 3)

    def noise(self, rng, amount, spread):
        """Paper grain: `amount` of pixels darkened by up to `spread` (deterministic)."""
        n = self.w * self.h
        for p in self.planes:
            for _ in range(int(n * amount)):
                i = rng.randrange(n)
                p[i] = max(0, p[i] - rng.randint(1, spread))

    def gray_bytes(self):
        return bytes(self.planes[0])


# =========================================================================== JPEG (baseline)

ZIGZAG = (0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34,
          27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37,
          44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63)
STD_Q_LUM = (16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40,
             57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35,
             55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112,
             100, 103, 99)
STD_Q_CHR = (17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99,
             99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99) + (99,) * 32
DC_LUM_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
DC_CHR_BITS = (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0)
DC_VALS = tuple(range(12))
AC_LUM_BITS = (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D)
AC_LUM_VALS = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25"
    "262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a83"
    "8485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3"
    "d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
AC_CHR_BITS = (0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77)
AC_CHR_VALS = bytes.fromhex(
    "000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718"
    "191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a"
    "82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9ca"
    "d2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa")


def _huff_codes(bits, vals):
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


def _check_tables():
    want = {0x00, 0xF0} | {(r << 4) | s for r in range(16) for s in range(1, 11)}
    for bits, vals in ((AC_LUM_BITS, AC_LUM_VALS), (AC_CHR_BITS, AC_CHR_VALS)):
        assert sum(bits) == len(vals) == 162 and set(vals) == want
    for bits in (DC_LUM_BITS, DC_CHR_BITS):
        assert sum(bits) == 12


_check_tables()
_HUFF = {"dc0": _huff_codes(DC_LUM_BITS, DC_VALS), "ac0": _huff_codes(AC_LUM_BITS, AC_LUM_VALS),
         "dc1": _huff_codes(DC_CHR_BITS, DC_VALS), "ac1": _huff_codes(AC_CHR_BITS, AC_CHR_VALS)}
_DCT_ROWS = None  # set below
_DCT = [[(math.sqrt(0.5) if u == 0 else 1.0) * 0.5 * math.cos((2 * x + 1) * u * math.pi / 16)
         for x in range(8)] for u in range(8)]


_DCT_ROWS = tuple(tuple(r) for r in _DCT)


def _DOT(a, b):
    return sum(map(operator.mul, a, b))


def _scaled_q(base, quality):
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return tuple(min(255, max(1, (b * scale + 50) // 100)) for b in base)


class _Bits:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, code, length):
        self.acc = (self.acc << length) | code
        self.n += length
        while self.n >= 8:
            self.n -= 8
            b = (self.acc >> self.n) & 0xFF
            self.out.append(b)
            if b == 0xFF:
                self.out.append(0)
        self.acc &= (1 << self.n) - 1

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)


def _fdct(block):
    """8x8 forward DCT of 64 level-shifted samples (row-major), separable; a constant block
    has only its DC term."""
    first = block[0]
    if block.count(first) == 64:
        return [8.0 * first] + [0.0] * 63
    rows = [tuple(map(_DOT, _DCT_ROWS, (block[y * 8:y * 8 + 8],) * 8)) for y in range(8)]
    cols = list(zip(*rows))                                 # cols[u] = (tmp[0][u] .. tmp[7][u])
    out = [0.0] * 64
    for u in range(8):
        col = cols[u]
        for v in range(8):
            out[v * 8 + u] = sum(map(operator.mul, _DCT[v], col))
    return out


def _encode_block(bw, block, q, prev_dc, dc, ac):
    f = _fdct(block)
    coefs = [int(round(f[z] / q[z])) for z in ZIGZAG]
    diff = coefs[0] - prev_dc
    s = abs(diff).bit_length()
    bw.put(*dc[s])
    if s:
        bw.put(diff if diff > 0 else diff + (1 << s) - 1, s)
    run = 0
    for k in range(1, 64):
        a = coefs[k]
        if a == 0:
            run += 1
            continue
        while run > 15:
            bw.put(*ac[0xF0])
            run -= 16
        s = abs(a).bit_length()
        bw.put(*ac[(run << 4) | s])
        bw.put(a if a > 0 else a + (1 << s) - 1, s)
        run = 0
    if run:
        bw.put(*ac[0x00])
    return coefs[0]


def _segment(marker, payload):
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def encode_jpeg(canvas: Canvas, quality=75, dpi=200) -> bytes:
    """Baseline JFIF: grayscale (1 channel) or YCbCr 4:4:4 (3 channels, from RGB)."""
    w, h = canvas.w, canvas.h
    if canvas.ch == 1:
        comps = [canvas.planes[0]]
    else:
        r, gg, b = canvas.planes
        n = w * h
        Y = bytearray(n)
        Cb = bytearray(n)
        Cr = bytearray(n)
        for i in range(n):
            R, G, B = r[i], gg[i], b[i]
            Y[i] = min(255, max(0, int(0.299 * R + 0.587 * G + 0.114 * B + 0.5)))
            Cb[i] = min(255, max(0, int(-0.168736 * R - 0.331264 * G + 0.5 * B + 128.5)))
            Cr[i] = min(255, max(0, int(0.5 * R - 0.418688 * G - 0.081312 * B + 128.5)))
        comps = [Y, Cb, Cr]
    qs = [_scaled_q(STD_Q_LUM, quality), _scaled_q(STD_Q_CHR, quality)]
    out = bytearray(b"\xff\xd8")
    out += _segment(0xE0, b"JFIF\x00\x01\x01\x01" + struct.pack(">HH", dpi, dpi) + b"\x00\x00")
    out += _segment(0xDB, b"\x00" + bytes(qs[0][z] for z in ZIGZAG))
    if len(comps) == 3:
        out += _segment(0xDB, b"\x01" + bytes(qs[1][z] for z in ZIGZAG))
    sof = struct.pack(">BHHB", 8, h, w, len(comps))
    for i in range(len(comps)):
        sof += struct.pack(">BBB", i + 1, 0x11, 0 if i == 0 else 1)
    out += _segment(0xC0, sof)
    tables = [(0x00, DC_LUM_BITS, DC_VALS), (0x10, AC_LUM_BITS, AC_LUM_VALS)]
    if len(comps) == 3:
        tables += [(0x01, DC_CHR_BITS, DC_VALS), (0x11, AC_CHR_BITS, AC_CHR_VALS)]
    for tc, bits, vals in tables:
        out += _segment(0xC4, bytes([tc]) + bytes(bits) + bytes(vals))
    sos = bytes([len(comps)])
    for i in range(len(comps)):
        sos += bytes([i + 1, 0x00 if i == 0 else 0x11])
    out += _segment(0xDA, sos + b"\x00\x3f\x00")
    bw = _Bits()
    prev = [0] * len(comps)
    for by in range(0, h, 8):
        for bx in range(0, w, 8):
            for ci, plane in enumerate(comps):
                block = []
                for y in range(8):
                    yy = min(by + y, h - 1) * w
                    for x in range(8):
                        block.append(plane[yy + min(bx + x, w - 1)] - 128)
                t = 0 if ci == 0 else 1
                prev[ci] = _encode_block(bw, block, qs[t], prev[ci], _HUFF[f"dc{t}"], _HUFF[f"ac{t}"])
    bw.flush()
    out += bw.out
    out += b"\xff\xd9"
    return bytes(out)


# =========================================================================== PNG

def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(canvas: Canvas, dpi=150) -> bytes:
    w, h = canvas.w, canvas.h
    raw = bytearray()
    if canvas.ch == 1:
        p = canvas.planes[0]
        for y in range(h):
            raw.append(0)
            raw += p[y * w:(y + 1) * w]
        ctype = 0
    else:
        r, gg, b = canvas.planes
        for y in range(h):
            raw.append(0)
            o = y * w
            row = bytearray(3 * w)
            row[0::3] = r[o:o + w]
            row[1::3] = gg[o:o + w]
            row[2::3] = b[o:o + w]
            raw += row
        ctype = 2
    ppm = int(round(dpi / 0.0254))
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
            + _png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
            + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + _png_chunk(b"IEND", b""))


# =========================================================================== TIFF

def pack_bitonal(canvas: Canvas, threshold=128) -> bytes:
    """1 bit per pixel, WhiteIsZero (1 = black), rows padded to bytes."""
    w, h = canvas.w, canvas.h
    p = canvas.planes[0]
    out = bytearray()
    for y in range(h):
        row = p[y * w:(y + 1) * w]
        for x0 in range(0, w, 8):
            b = 0
            for k in range(8):
                x = x0 + k
                b = (b << 1) | (1 if x < w and row[x] < threshold else 0)
            out.append(b)
    return bytes(out)


def encode_tiff(pages: list[Canvas], bitonal: bool, description: str, dpi: int) -> bytes:
    spec = []
    for c in pages:
        if bitonal:
            spec.append((c.w, c.h, 1, pack_bitonal(c)))
        else:
            spec.append((c.w, c.h, 8, c.gray_bytes()))
    return g.tiff_pages(spec, description=description, dpi=dpi, software="hoso make-sample-archive")


# =========================================================================== PDF

def _pdf_str(s: str) -> str:
    s = g.ascii_fold(s)
    return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


class PdfPage:
    W, H = 595, 842

    def __init__(self):
        self.ops: list[str] = []
        self.images: list[tuple[str, int, int, bytes]] = []

    def text(self, x, y, s, size=11, bold=False):
        self.ops.append(f"BT /{'F2' if bold else 'F1'} {size} Tf {x:.1f} {y:.1f} Td {_pdf_str(s)} Tj ET")

    def center(self, y, s, size=12, bold=True, cx=None):
        cx = self.W / 2 if cx is None else cx
        self.text(cx - len(g.ascii_fold(s)) * size * (0.3 if bold else 0.27), y, s, size, bold)

    def line(self, x0, y0, x1, y1, width=0.6, dash=False):
        d = "[2 2] 0 d " if dash else "[] 0 d "
        self.ops.append(f"{d}{width} w {x0:.1f} {y0:.1f} m {x1:.1f} {y1:.1f} l S")

    def rect(self, x, y, w, h, width=0.8):
        self.ops.append(f"[] 0 d {width} w {x:.1f} {y:.1f} {w:.1f} {h:.1f} re S")

    def color(self, r, gg, b):
        self.ops.append(f"{r:.2f} {gg:.2f} {b:.2f} RG {r:.2f} {gg:.2f} {b:.2f} rg")

    def circle(self, cx, cy, r, width=1.2):
        k = 0.5523 * r
        self.ops.append(
            f"[] 0 d {width} w {cx + r:.1f} {cy:.1f} m "
            f"{cx + r:.1f} {cy + k:.1f} {cx + k:.1f} {cy + r:.1f} {cx:.1f} {cy + r:.1f} c "
            f"{cx - k:.1f} {cy + r:.1f} {cx - r:.1f} {cy + k:.1f} {cx - r:.1f} {cy:.1f} c "
            f"{cx - r:.1f} {cy - k:.1f} {cx - k:.1f} {cy - r:.1f} {cx:.1f} {cy - r:.1f} c "
            f"{cx + k:.1f} {cy - r:.1f} {cx + r:.1f} {cy - k:.1f} {cx + r:.1f} {cy:.1f} c S")

    def squiggle(self, rng, x, y, w):
        pts = [f"{x:.1f} {y:.1f} m"]
        step = w / 5
        for i in range(5):
            x0 = x + i * step
            pts.append(f"{x0 + step * 0.3:.1f} {y + rng.randint(8, 22):.1f} {x0 + step * 0.6:.1f} "
                       f"{y - rng.randint(4, 14):.1f} {x0 + step:.1f} {y + rng.randint(-3, 6):.1f} c")
        self.ops.append("[] 0 d 0.9 w " + " ".join(pts) + " S")

    def image(self, name, jpeg, w, h, x, y, dw, dh):
        self.images.append((name, w, h, jpeg))
        self.ops.append(f"q {dw:.1f} 0 0 {dh:.1f} {x:.1f} {y:.1f} cm /{name} Do Q")


def build_pdf(pages: list[PdfPage], title: str, created: dt.datetime) -> bytes:
    objs: list[bytes] = []      # objs[i] is object number i+1

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    add(b"")                                 # 1 catalog (filled later)
    add(b"")                                 # 2 pages
    f1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    f2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for p in pages:
        xobj = []
        for name, w, h, data in p.images:
            n = add(f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
                    f"/BitsPerComponent 8 /Filter /DCTDecode /Length {len(data)} >>\nstream\n".encode()
                    + data + b"\nendstream")
            xobj.append(f"/{name} {n} 0 R")
        content = zlib.compress("\n".join(p.ops).encode("ascii"), 9)
        c = add(f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode() + content
                + b"\nendstream")
        res = f"<< /Font << /F1 {f1} 0 R /F2 {f2} 0 R >>"
        if xobj:
            res += " /XObject << " + " ".join(xobj) + " >>"
        res += " /ProcSet [/PDF /Text /ImageB] >>"
        kids.append(add(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PdfPage.W} {PdfPage.H}] "
                        f"/Resources {res} /Contents {c} 0 R >>".encode()))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>").encode()
    stamp = created.strftime("D:%Y%m%d%H%M%S+07'00'")
    info = add(f"<< /Title {_pdf_str(title)} /Producer (hoso make-sample-archive) "
               f"/CreationDate ({stamp}) >>".encode())
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


# =========================================================================== scan content

MOTTO1 = "CONG HOA XA HOI CHU NGHIA VIET NAM"
MOTTO2 = "Doc lap - Tu do - Hanh phuc"


def form_pdf(rng, d, comp, pages, person, *, result=False, scan_jpeg=None) -> bytes:
    """A filled-in administrative form (vector PDF), `pages` pages.  With scan_jpeg (w, h, data)
    the first page shows that scanned image with a certification overlay instead."""
    agency = d["handling"]["name"]
    title = comp["name"]
    out = []
    for pno in range(1, pages + 1):
        p = PdfPage()
        if scan_jpeg and pno == 1:
            w, h, data = scan_jpeg
            p.image("Im1", data, w, h, 60, 150, 475, 475 * h / w)
            p.color(0.75, 0.05, 0.05)
            p.circle(440, 190, 42)
            p.circle(440, 190, 36, 0.6)
            p.text(416, 187, "CHUNG THUC", 7, True)
            p.color(0, 0, 0)
            p.text(60, 110, "Chung thuc ban sao dung voi ban chinh.", 11)
            p.text(60, 94, f"So chung thuc: {d['result']['number'] if d.get('result') else '...'}"
                           f"  Ngay {d['received']:%d/%m/%Y}", 10)
            p.text(60, 78, g.ascii_fold(agency), 10, True)
            out.append(p)
            continue
        p.text(40, 800, g.ascii_fold(agency).upper()[:48], 9, True)
        p.center(800, MOTTO1, 10, True, cx=420)
        p.center(786, MOTTO2, 10, False, cx=420)
        p.line(360, 782, 480, 782)
        if pno == 1:
            p.center(730, g.ascii_fold(title).upper()[:60], 14, True)
            y = 690
            fields = []
            if person["kind"] == "individual":
                fields += [("Ho, chu dem, ten", person["name"]),
                           ("Nam sinh", str(person["birth_year"])),
                           ("So dinh danh ca nhan", person["citizen_id"])]
            else:
                fields += [("Ten to chuc", person["name"]), ("Ma so", d["number"][-9:])]
            ad = d["applicant"]["address"]
            fields += [("Noi cu tru", f"{ad['detail']}, {ad['commune']}"),
                       ("Ho so so", d["number"]),
                       ("Ngay tiep nhan", d["received"].strftime("%d/%m/%Y %H:%M"))]
            for label, value in fields:
                p.text(60, y, f"{label}:", 11)
                p.text(220, y, g.ascii_fold(value)[:52], 11, True)
                p.line(215, y - 3, 540, y - 3, 0.4, dash=True)
                y -= 24
            y -= 10
        else:
            p.text(500, 40, f"Trang {pno}/{pages}", 9)
            y = 740
        for _ in range(rng.randint(6, 12)):
            x = 60
            while x < 520:
                wlen = rng.randint(18, 70)
                p.line(x, y, min(x + wlen, 535), y, 2.2)
                x += wlen + rng.randint(5, 9)
            y -= 18
        if pno == pages:
            p.text(370, 200, "NGUOI KY" if result else "NGUOI YEU CAU", 10, True)
            p.text(355, 186, "(Ky, ghi ro ho ten)", 9)
            p.squiggle(rng, 370, 150, 110)
            if result:
                signer = (d.get("result") or {}).get("signer") or "TM. " + d["handling"]["name"][:30]
            else:
                signer = person["name"]
            p.text(360, 118, g.ascii_fold(signer), 10)
            if result:
                p.color(0.8, 0.05, 0.05)
                p.circle(350, 160, 40)
                p.circle(350, 160, 33, 0.6)
                p.text(325, 157, "UBND", 10, True)
                p.color(0, 0, 0)
            # a box like the "Ghi chu" area of the forms
            p.rect(60, 60, 250, 60)
            p.text(66, 106, "Ghi chu:", 9, True)
        if pno == 1 and pages > 1:
            p.text(500, 40, f"Trang 1/{pages}", 9)
        out.append(p)
    return build_pdf(out, g.ascii_fold(title), d["received"])


def wrap(text, width_chars, max_lines=2):
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width_chars:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    lines.append(cur)
    return [ln[:width_chars] for ln in lines[:max_lines]]


def paper_page(rng, w, h, heading, person_line, number, stamp=True, scale=1, bg=246, ink=40):
    """A scanned A4-like page: motto, heading, a few filled lines, word-blob text, stamp."""
    c = Canvas(w, h, 1, bg)
    s = scale
    motto = MOTTO1 if len(MOTTO1) * 6 + 40 <= w else "CHXHCN VIET NAM"
    c.text(w - len(motto) * 6 - 6, 6, motto, ink + 20, 1)
    c.text(8, 6, "UBND", ink + 20, 1)
    y = 24 * s
    for line in wrap(heading, (w - 8) // (6 * s)):
        c.text(max(4, (w - c.text_width(line, s)) // 2), y, line, ink, s)
        y += 10 * s
    y += 6 * s
    c.text(10 * s, y, person_line[: (w - 20 * s) // (6 * s)], ink, s)
    y += 12 * s
    c.text(10 * s, y, number[: (w - 20 * s) // (6 * s)], ink, s)
    y += 16 * s
    while y < h - 70 * s:
        c.blobs(rng, 10 * s, y, w - 20 * s - rng.randint(0, 40 * s), 5 * s, ink + rng.randint(0, 30), 2 * s)
        y += 10 * s + rng.randint(0, 2)
    if stamp:
        c.ellipse(w - 55 * s, h - 40 * s, 24 * s, 24 * s, 110, ring=0.18)
        c.text(w - 67 * s, h - 43 * s, "UBND", 110, s)
    c.rect(20 * s, h - 30 * s, 60 * s, 1 * s, ink)
    c.noise(rng, 0.06, 22)
    return c


def cccd_image(person) -> bytes:
    """Copy of a citizen-ID card (photocopy in colour): deterministic per person."""
    rng = random.Random(f"cccd:{person['citizen_id']}:{person['name']}")
    w, h = 344, 216
    c = Canvas(w, h, 3, (236, 240, 236))
    for y in range(h):                                     # soft vertical gradient
        t = y / h
        col = (int(226 + 20 * t), int(236 + 10 * t), int(242 - 10 * t))
        c.rect(0, y, w, 1, col)
    c.rect(0, 0, w, 34, (200, 40, 40))
    c.ellipse(20, 17, 13, 13, (240, 200, 40))
    c.text(42, 6, "CONG HOA XA HOI CHU NGHIA VIET NAM", (255, 255, 255))
    c.text(92, 20, "CAN CUOC CONG DAN", (255, 240, 200))
    c.rect(14, 48, 84, 110, (180, 186, 192))               # photo
    c.ellipse(56, 86, 22, 27, (120, 96, 80))
    c.rect(26, 118, 60, 40, (60, 70, 90))
    c.text(110, 50, "SO: " + person["citizen_id"], (150, 20, 20))
    c.text(110, 70, "HO VA TEN:", (60, 60, 60))
    c.text(110, 82, g.ascii_fold(person["name"]).upper(), (20, 20, 20))
    c.text(110, 100, f"NAM SINH: {person['birth_year']}", (20, 20, 20))
    c.text(110, 116, "GIOI TINH: " + ("NU" if person["female"] else "NAM"), (20, 20, 20))
    c.text(110, 132, "QUE QUAN: QUANG TRI", (20, 20, 20))
    for yy in range(150, 196, 10):
        c.blobs(rng, 110, yy, 170, 5, (70, 70, 80), 3)
    for qy in range(7):                                     # QR-like block
        for qx in range(7):
            if rng.random() < 0.5 or qx in (0, 6) or qy in (0, 6):
                c.rect(296 + qx * 5, 44 + qy * 5, 5, 5, (10, 10, 10))
    c.noise(rng, 0.015, 20)
    return encode_jpeg(c, quality=68, dpi=150)


def photo_image(rng, label) -> bytes:
    """Photo of a shop front: sky, wall, sign board, door (colour JPEG)."""
    w, h = 320, 240
    c = Canvas(w, h, 3, (200, 220, 240))
    for y in range(90):
        c.rect(0, y, w, 1, (150 + y // 2, 190 + y // 4, 235))
    c.rect(30, 70, 260, 150, (226, 214, 180))
    c.rect(40, 80, 240, 36, (30, 90, 160))
    c.text(50, 94, g.ascii_fold(label).upper()[:38], (255, 255, 255))
    c.rect(120, 140, 80, 80, (90, 60, 40))
    c.rect(50, 140, 50, 40, (160, 200, 220))
    c.rect(220, 140, 50, 40, (160, 200, 220))
    c.rect(0, 220, w, 20, (110, 110, 110))
    c.noise(rng, 0.05, 30)
    return encode_jpeg(c, quality=70, dpi=72)


def drawing_png(rng, label, elevation=False) -> bytes:
    """A building drawing: walls, rooms, doors, dimension lines, title block (RGB PNG)."""
    w, h = 480, 340
    c = Canvas(w, h, 3, (255, 255, 255))
    blue, red, grey = (20, 50, 140), (180, 30, 30), (120, 120, 120)
    x0, y0, bw, bh = 60, 40, 300 + rng.randint(-20, 20), 200 + rng.randint(-20, 10)
    if elevation:
        c.rect(x0, y0 + 40, bw, 4, blue)                    # roof line
        for i in range(bw // 2):
            c.pixel(x0 + i, y0 + 40 - i * 40 // (bw // 2), blue)
            c.pixel(x0 + bw - i, y0 + 40 - i * 40 // (bw // 2), blue)
        c.frame(x0, y0 + 44, bw, bh - 44, blue, 3)
        for k in range(3):
            c.frame(x0 + 30 + k * 90, y0 + 80, 50, 50, blue, 2)
        c.frame(x0 + bw // 2 - 25, y0 + bh - 80, 50, 80, blue, 2)
    else:
        c.frame(x0, y0, bw, bh, blue, 4)
        c.rect(x0 + bw // 2, y0, 3, bh * 2 // 3, blue)
        c.rect(x0, y0 + bh // 2, bw // 2, 3, blue)
        c.ellipse(x0 + bw // 2 + 20, y0 + bh - 4, 18, 18, grey, ring=0.08)
        c.rect(x0 + bw // 2 + 2, y0 + bh - 3, 36, 4, (255, 255, 255))
        c.text(x0 + 20, y0 + 30, "PHONG KHACH", grey)
        c.text(x0 + bw // 2 + 20, y0 + 30, "PHONG NGU", grey)
        c.text(x0 + 20, y0 + bh // 2 + 20, "BEP", grey)
    c.rect(x0, y0 + bh + 18, bw, 1, red)
    c.rect(x0, y0 + bh + 12, 1, 12, red)
    c.rect(x0 + bw, y0 + bh + 12, 1, 12, red)
    c.text(x0 + bw // 2 - 20, y0 + bh + 24, f"{bw * 20} MM", red)
    c.frame(w - 110, h - 60, 100, 50, (0, 0, 0), 1)
    c.text(w - 104, h - 52, "MAT DUNG" if elevation else "MAT BANG", (0, 0, 0))
    c.text(w - 104, h - 40, "TL 1:100", (0, 0, 0))
    c.text(w - 104, h - 28, g.ascii_fold(label)[:15].upper(), (0, 0, 0))
    return encode_png(c)


_CCCD_CACHE: dict = {}


def render_component(rng, d, comp, person) -> tuple[bytes, str, str]:
    """(bytes, extension, media type) of one component's scan."""
    kind = comp["kind"]
    heading = g.ascii_fold(comp["name"]).upper()
    pline = f"HO TEN: {g.ascii_fold(person['name']).upper()}"
    if kind == "cccd":
        key = person["citizen_id"] or person["name"]
        if key not in _CCCD_CACHE:
            _CCCD_CACHE[key] = cccd_image(person)
        return _CCCD_CACHE[key], "jpg", "image/jpeg"
    if kind == "jpeg":
        return photo_image(rng, d["title"][-38:]), "jpg", "image/jpeg"
    if kind == "png":
        return drawing_png(rng, person["name"].split()[-1], elevation="dung" in comp["stem"]), "png", "image/png"
    if kind in ("tiff", "tiff1"):
        bit = kind == "tiff1"
        w, h, s = (400, 560, 2) if bit else (200, 280, 1)
        pages = [paper_page(rng, w, h, heading, pline, d["number"], scale=s,
                            bg=255 if bit else 244, ink=20 if bit else 45)
                 for _ in range(comp["pages"])]
        return encode_tiff(pages, bit, f"{d['number']} {comp['id']} {heading[:40]}", 200 if bit else 100), \
            "tif", "image/tiff"
    if kind == "pdfimg":
        page = paper_page(rng, 224, 316, heading, pline, d["number"], stamp=True, bg=238, ink=50)
        jpeg = encode_jpeg(page, quality=50, dpi=72)
        return form_pdf(rng, d, comp, comp["pages"], person, result=comp["role"] == "result",
                        scan_jpeg=(page.w, page.h, jpeg)), "pdf", "application/pdf"
    if kind == "pdf":
        return form_pdf(rng, d, comp, comp["pages"], person, result=comp["role"] == "result"), \
            "pdf", "application/pdf"
    raise ValueError(kind)


# =========================================================================== dossiers

def write_dossier(folder: str, d: dict, files: dict[str, bytes], xml_text: str | None = None) -> None:
    os.makedirs(os.path.join(folder, "scans"), exist_ok=True)
    for rel, data in files.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    with open(os.path.join(folder, "dossier.xml"), "wb") as f:
        f.write((xml_text if xml_text is not None else g.render_xml(d)).encode("utf-8"))


def materialize(rng, d: dict, person: dict, sha_p=0.8) -> dict[str, bytes]:
    """Render every component's scan, set file/mediaType/size/sha256; return {relpath: bytes}."""
    files: dict[str, bytes] = {}
    for comp in d["components"]:
        data, ext, media = render_component(rng, d, comp, person)
        rel = f"scans/{comp['stem']}.{ext}"
        n = 2
        while rel in files:
            rel = f"scans/{comp['stem']}-{n}.{ext}"
            n += 1
        files[rel] = data
        comp.update(file=rel, media_type=media, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest() if rng.random() < sha_p else None)
    g.finish_counts(d)
    return files


# named people of the sample (synthetic); several of them file more than one dossier
def named_people(rng):
    P = {}

    def person(key, name, female, birth_year, cid, home, detail, phone=None, email=None):
        old = home
        P[key] = dict(kind="individual", key=key, name=name, female=female, birth_year=birth_year,
                      citizen_id=cid, home_detail=detail, home_key=old, phone=phone, email=email)

    person("hoa", "Nguyễn Văn Hòa", False, 1990, "045090001234", "qt-p1", "12 Trần Hưng Đạo",
           "0912345678", "nguyenvanhoa90@example.com")
    person("thuy", "Phan Thị Thủy", True, 1995, "045195003817", "qt-p2", "Khu phố 5", "0935220418")
    person("quy", "Hoàng Văn Quý", False, 1978, "045078006152", "hl-ht", "Thôn Thượng Xá", "0977410263")
    person("hoa2", "Trần Thị Hoà", True, 1985, "045185009431", "dh-dl", "Khu phố Tân Vĩnh", "0848120975")
    person("hoa3", "Lê Văn Hóa", False, 1968, "045068002290", "dh-p5", "46 Nguyễn Du", "0394611820")
    person("khanh", "Đặng Ngọc Khánh", True, 2001, "045301004478", "hl-ds", "Khu phố 3", "0703918264",
           "khanhdang01@example.com")
    person("tuan", "Bùi Quốc Tuấn", False, 2003, "045203001965", "qt-p2", "88 Hai Bà Trưng", "0869035512")
    person("khoa", "Võ Minh Khoa", False, 1993, "046093005521", "qt-p2", "Khu phố 5", "0914006338")
    person("loc", "Ngô Thị Lộc", True, 1941, "045141000287", "qt-p3", "Khu phố 7", None)
    person("duc", "Hồ Đức Thắng", False, 1956, "044056003391", "tp-tt", "Thôn Tả Hữu", "0356227140")
    P["hkd"] = dict(kind="organization", key="hkd", name="Hộ kinh doanh Tạp hóa Minh Khoa", female=False,
                    birth_year=None, citizen_id=None, home_detail="Khu phố 2", home_key="hl-ds",
                    phone="0233387214", email=None)
    P["cty"] = dict(kind="organization", key="cty", name="Công ty TNHH Xây dựng Thạch Hãn", female=False,
                    birth_year=None, citizen_id=None, home_detail="155 Lê Lợi", home_key="qt-p2",
                    phone="0233386119", email="lienhe.thachhan@example.com")
    return P


# (date, time, desk, procedure, status, options)
# options: person=<key>, timing=late|early, style=new, nfd=(fields), vt=True (validTo on agency),
#          seq=N, cccd=True/False, extras={...}, channel=..., title=...
SPECS = [
    ("2019-03-14", "08:40", "qt-p1", "khai-sinh", "returned", {}),
    ("2019-06-20", "09:05", "dh-p5", "ban-sao", "returned", dict(extras={"doc": "Bằng tốt nghiệp trung học phổ thông"})),
    ("2019-08-05", "14:10", "hl-ht", "khai-tu", "returned", dict(vt=True)),
    ("2019-10-22", "10:20", "hl-d", "gpxd", "returned", dict(timing="early")),
    ("2019-11-11", "08:05", "tp-tt", "ket-hon", "returned", {}),
    ("2020-01-15", "09:30", "hl-ds", "ban-sao", "returned", dict(extras={"doc": "Sổ hộ khẩu"}, vt=True)),
    ("2020-03-09", "10:45", "dh-dl", "thuong-tru", "returned", {}),
    ("2020-06-18", "08:25", "qt-p2", "tthn", "returned", dict(nfd=("applicant",))),
    ("2020-09-07", "13:50", "qt-d", "hkd", "returned", dict(style="new")),
    ("2020-12-02", "09:15", "dh-p1", "chu-ky", "returned", dict(extras={"doc": "Giấy ủy quyền"})),
    ("2021-02-25", "08:10", "qt-p3", "khai-sinh", "returned", dict(style="new")),
    ("2021-04-12", "09:40", "hl-d", "gpxd", "returned",
     dict(extras={"canal": "giáp kênh thủy lợi Nam Thạch Hãn"}, timing="early")),
    ("2021-07-19", "15:20", "tp-tt", "tam-tru", "returned", {}),
    ("2021-08-30", "10:05", "qt-p2", "ban-sao", "returned",
     dict(nfd=("title",), extras={"doc": "Giấy chứng nhận quyền sử dụng đất"})),
    ("2021-10-04", "07:45", "dh-p5", "khai-tu", "returned", dict(style="new")),
    ("2021-12-13", "14:30", "hl-ds", "trich-luc", "returned", {}),
    ("2022-01-10", "08:55", "dh-d", "hkd", "returned",
     dict(extras={"business": "Quán bánh canh Mạ Hai", "keywords": ["bánh canh"]})),
    ("2022-03-22", "10:15", "qt-p1", "ban-sao", "returned",
     dict(person="cty", extras={"doc": "Giấy chứng nhận đăng ký doanh nghiệp", "keywords": ["mã số doanh nghiệp"]})),
    ("2022-05-30", "09:20", "dh-dl", "chu-ky", "returned", dict(timing="late")),
    ("2022-08-16", "08:35", "hl-ht", "tthn", "returned", dict(style="new", vt=True)),
    ("2022-10-03", "09:00", "qt-p2", "tthn", "returned",
     dict(person="thuy", cccd=True, extras={"purpose": "để đăng ký kết hôn"})),
    ("2022-11-07", "08:30", "qt-p2", "ket-hon", "returned",
     dict(person="thuy", cccd=True, style="new", extras={"partner": "Võ Minh Khoa"})),
    ("2023-01-09", "10:40", "dh-p1", "thuong-tru", "returned", dict(person="khoa")),
    ("2023-03-15", "14:05", "tp-tt", "ban-sao", "returned",
     dict(person="duc", extras={"doc": "Giấy chứng nhận quyền sử dụng đất"}, vt=True)),
    ("2023-05-12", "08:15", "qt-p1", "khai-sinh", "returned",
     dict(person="hoa", seq=7, cccd=True, channel="in-person",
          extras={"child": "Nguyễn Minh Khang", "keywords": ["giấy chứng sinh"]})),
    ("2023-05-12", "09:40", "qt-p1", "ban-sao", "returned", dict(seq=8, extras={"doc": "Học bạ trung học phổ thông"})),
    ("2023-07-24", "13:35", "hl-d", "hkd", "returned",
     dict(extras={"business": "Quán bánh xèo Má Tư", "keywords": ["bánh xèo", "ăn uống"]})),
    ("2023-09-18", "09:10", "qt-p1", "ban-sao", "returned",
     dict(person="hoa", cccd=True, style="new", extras={"doc": "Giấy chứng nhận quyền sử dụng đất"})),
    ("2023-10-30", "10:25", "dh-p5", "khai-sinh", "returned", dict(person="hoa3", extras={"keywords": ["ông nội"]})),
    ("2023-12-11", "08:50", "hl-ds", "ban-sao", "returned",
     dict(person="hkd", extras={"doc": "Thông báo mã số thuế", "keywords": ["mã số thuế"]})),
    ("2024-01-22", "09:35", "dh-dl", "khai-sinh", "returned", dict(person="hoa2", style="new")),
    ("2024-03-05", "08:20", "hl-ht", "ban-sao", "returned",
     dict(person="quy", cccd=True, extras={"doc": "Giấy chứng nhận quyền sử dụng đất"})),
    ("2024-03-12", "09:50", "hl-d", "gpxd", "returned",
     dict(person="quy", cccd=True, style="new", extras={"canal": "cách kênh thủy lợi Nam Thạch Hãn 20 m"})),
    ("2024-04-17", "14:45", "qt-p3", "khai-tu", "returned",
     dict(person="loc")),
    ("2024-05-20", "10:30", "tp-tt", "chu-ky", "returned",
     dict(nfd=("title", "applicant", "keywords"), extras={"doc": "Văn bản thỏa thuận phân chia di sản"})),
    ("2024-06-03", "08:05", "dh-p1", "tam-tru", "returned", {}),
    ("2024-07-29", "09:25", "tp-tt", "tthn", "returned", dict(timing="late")),
    ("2024-09-09", "10:10", "qt-d", "gpxd", "returned", dict(timing="early", vt=True)),
    ("2024-10-21", "13:40", "dh-p5", "chu-ky", "returned", dict(person="hoa3", style="new")),
    ("2024-12-16", "08:45", "hl-ds", "khai-sinh", "returned", dict(person="khanh")),
    ("2025-01-13", "09:55", "qt-p2", "thuong-tru", "returned", dict(person="tuan", cccd=True)),
    ("2025-02-24", "10:35", "dh-d", "hkd", "completed",
     dict(extras={"business": "Quán cơm Thủy Hòa", "keywords": ["giấy khám sức khỏe", "an toàn thực phẩm"]})),
    ("2025-03-31", "14:15", "tp-tt", "khai-tu", "returned", dict(person="duc", vt=True)),
    ("2025-05-19", "08:30", "qt-p1", "ban-sao", "returned",
     dict(extras={"doc": "Thông báo mã số thuế", "keywords": ["mã số thuế"]}, vt=True)),
    ("2025-06-23", "09:05", "dh-dl", "ket-hon", "returned", dict(vt=True)),
    ("2025-06-30", "10:50", "hl-d", "gpxd", "rejected", dict(vt=True)),
    # ---- after the 2025-07-01 merger
    ("2025-07-08", "08:20", "qt-new", "khai-sinh", "returned", dict(person="thuy", cccd=True,
                                                                    extras={"child": "Võ Gia Bảo"})),
    ("2025-07-21", "09:30", "dh-new", "ban-sao", "returned", {}),
    ("2025-08-11", "10:05", "ndh-new", "hkd", "returned",
     dict(style="new", extras={"business": "Tiệm may Hòa Khoẻ", "keywords": ["sức khỏe", "may đo"]})),
    ("2025-08-25", "08:40", "qt-new", "tthn", "returned",
     dict(person="hoa", cccd=True, extras={"purpose": "để làm thủ tục mua bán nhà đất"})),
    ("2025-09-15", "09:15", "ds-new", "gpxd", "returned", dict(person="khanh")),
    ("2025-10-06", "14:20", "ndh-new", "khai-tu", "returned", dict(style="new")),
    ("2025-10-27", "08:10", "dh-new", "thuong-tru", "completed", {}),
    ("2025-11-10", "09:45", "qt-new", "ket-hon", "processing", {}),
    ("2025-11-17", "10:00", "ndh-new", "gpxd", "processing", dict(person="hoa2")),
    ("2025-11-19", "15:40", "dh-new", "tam-tru", "supplement-requested", {}),
    ("2025-11-24", "08:55", "dh-new", "chu-ky", "withdrawn", {}),
    ("2025-11-26", "21:12", "qt-new", "khai-sinh", "received", dict(channel="online")),
    ("2022-06-14", "13:55", "qt-p3", "trich-luc", "returned", dict(person="loc")),
    ("2020-10-19", "09:00", "tp-tt", "chu-ky", "returned", dict(extras={"doc": "Giấy ủy quyền nhận lương hưu"})),
]


def build_valid(rng, people):
    seqs: dict = {}
    dossiers = []
    for n, (day, hm, desk, proc, status, opt) in enumerate(SPECS):
        desk = opt.get("desk_override", desk)
        y, mo, dd = map(int, day.split("-"))
        hh, mi = map(int, hm.split(":"))
        received = g.vn(y, mo, dd, hh, mi, rng.randrange(60))
        named = "person" in opt
        if named:
            person = people[opt["person"]]
        else:
            lo, hi = g.applicant_ages(proc)
            person = g.make_person(rng, desk, received.date(), min_age=lo, max_age=hi)
        code_desk = desk
        key = (code_desk, proc in ("thuong-tru", "tam-tru"), day)
        if "seq" in opt:
            seq = opt["seq"]
        elif key in seqs:
            seq = seqs[key] + 1
        else:
            seq = rng.randint(1, 14)
        seqs[key] = seq
        extras = dict(opt.get("extras", {}))
        if "cccd" in opt:
            extras["cccd"] = opt["cccd"]
        elif person["kind"] == "organization":
            extras["cccd"] = False
        reserved = {p["name"] for k, p in people.items() if p is not person}
        while True:     # keep the named (recurring) people's names out of random dossiers
            d = g.plan_dossier(rng, proc, desk, received, seq, person, status=status,
                               timing=opt.get("timing", "ontime"), with_valid_to=opt.get("vt", False),
                               extras=extras, channel=opt.get("channel"))
            text = d["title"] + d["applicant"]["full_name"] + " ".join(d["keywords"])
            if not any(n in text for n in reserved) or "partner" in extras:
                break
            if not named:
                person = g.make_person(rng, desk, received.date(), min_age=lo, max_age=hi)
        if d["received"].date() >= g.MERGER_DAY:
            assert d["receiving"]["valid_from"] == g.MERGER_DAY, d["number"]
        g.finalize_text(d, opt.get("style", "old"), opt.get("nfd", ()))
        files = materialize(rng, d, person)
        dossiers.append((d, files, opt, person))
    return dossiers


# =========================================================================== invalid dossiers

def base_invalid(rng, people, n, desk="qt-p1", day=(2023, 5, 12), proc="ban-sao", person=None):
    """A valid dossier for the invalid set: sequence 0100+n at `desk` on `day` (unique numbers)."""
    received = g.vn(*day, 8 + n % 8, (n * 7) % 60, (n * 13) % 60)
    person = person or g.make_person(rng, desk, received.date())
    d = g.plan_dossier(rng, proc, desk, received, 100 + n, person, status="returned",
                       extras={"cccd": True} if person["kind"] == "individual" else {"cccd": False})
    g.finalize_text(d, "old")
    files = materialize(rng, d, person, sha_p=1.0)
    return d, files, person


INVALID = [
    ("E103-empty-file", "dossier.xml is an empty file (0 bytes); the scans are fine."),
    ("E104-not-well-formed", "XML is not well-formed: the closing tag of <title> is misspelled `</titel>` (line {line})."),
    ("E105-doctype", "Has an internal DTD subset declaring an external entity (`<!ENTITY x SYSTEM \"file:///etc/passwd\">`) used as `&x;` in <title>; DOCTYPEs are refused, the entity must never be expanded."),
    ("E107-invalid-utf8", "The <title> contains the raw bytes 0xC3 0x28, which are not valid UTF-8."),
    ("E108-schema-violation", "Schema-invalid: procedure code `1.1193` (pattern d.dddddd) and status `done` (not in the enumeration); two XSD errors, both E108."),
    ("E110-wrong-namespace", "Root element is `<dossier>` in namespace `urn:example:other` instead of `urn:hoso:dossier:1`."),
    ("E201-number-date-mismatch", "Dossier number says 230513 (YYMMDD) but receivedAt is 2023-05-12."),
    ("E202-completed-before-received", "completedAt is two hours before receivedAt."),
    ("E203-implausible-citizen-id", "Applicant citizenId starts with 999, which is not a province code."),
    ("E204-page-total-mismatch", "pageCount is 2 more than the sum of the components' pages."),
    ("E205-document-count-mismatch", "documentCount is 1 more than the number of components."),
    ("E206-duplicate-component-id", "Two components carry id=\"c2\" (distinct files); the result references a unique id."),
    ("E207-dangling-result-reference", "result/componentRef is `c9`, which names no component."),
    ("E208-status-without-completion", "status is `completed` but there is no completedAt (and no returnedAt)."),
    ("E209-number-agency-mismatch", "Dossier number starts with 000.00.22.H50 but receivingAgency/code is 000.00.21.H50."),
    ("E301-missing-file", "Component c{cid} points to scans/to-khai-bi-thieu.pdf, which does not exist (no sha256 given)."),
    ("E302-unsafe-path", "Component file is `../../outside.pdf` (escapes the dossier folder). The target sample-archive/outside.pdf exists and its size matches, so the path is the only fault."),
    ("E303-symlink-escape", "Component file scans/link.pdf is a symbolic link to /etc/hosts, outside the dossier folder; its size/sha256 in the XML are meaningless (size 0, no sha256) and must not be checked once the link is refused."),
    ("E304-size-mismatch", "Component c1 declares a size one byte larger than the file (no sha256 on that component)."),
    ("E305-sha256-mismatch", "Component c1 declares the SHA-256 of different bytes; the size is right."),
    ("E407-legacy-encoding", "The <title> is TCVN3 text read as Latin-1 (`Chøng thùc b¶n sao`, mojibake): refused unless converted with --legacy-encoding tcvn3."),
    ("E306-duplicate-number-a", "Valid on its own; has the same dossier number as E306-duplicate-number-b."),
    ("E306-duplicate-number-b", "Valid on its own; has the same dossier number as E306-duplicate-number-a."),
]


def build_invalid(rng, people, out_dir):
    readme_lines = []
    outside_pdf = None
    n_dup = None
    for n, (name, what) in enumerate(INVALID, 1):
        folder = os.path.join(out_dir, name)
        code = name.split("-")[0]
        proc = "chu-ky"
        if name == "E306-duplicate-number-b":
            n = n_dup                       # same desk, day and sequence as -a: same number
        if code == "E306" and name.endswith("-a"):
            n_dup = n
        desk = "qt-p1" if code in ("E201", "E209") else ("qt-p1", "qt-p2", "dh-p1", "hl-ds", "tp-tt")[n % 5]
        d, files, person = base_invalid(rng, people, n, desk=desk, proc=proc)
        xml = None
        info = {}
        if code == "E103":
            xml = ""
        elif code == "E104":
            xml = g.render_xml(d)
            lines = xml.split("\n")
            i = next(k for k, ln in enumerate(lines) if ln.lstrip().startswith("<title>"))
            lines[i] = lines[i].replace("</title>", "</titel>")
            info["line"] = i + 1
            xml = "\n".join(lines)
        elif code == "E105":
            xml = g.render_xml(d)
            xml = xml.replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                              '<?xml version="1.0" encoding="UTF-8"?>\n'
                              '<!DOCTYPE dossier [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n', 1)
            xml = xml.replace("<title>", "<title>&x; ", 1)
        elif code == "E107":
            xml = g.render_xml(d).replace("<title>", "<title>\x00MARK", 1)
        elif code == "E108":
            xml = (g.render_xml(d).replace(f"<code>{d['procedure']['code']}</code>", "<code>1.1193</code>", 1)
                   .replace(f"<status>{d['status']}</status>", "<status>done</status>", 1))
        elif code == "E110":
            xml = g.render_xml(d, namespace="urn:example:other")
        elif code == "E201":
            d["number"] = d["number"].replace("-230512-", "-230513-")
        elif code == "E202":
            d["completed"] = d["received"] - dt.timedelta(hours=2)
            d["result"]["issued_on"] = d["completed"].date()
        elif code == "E203":
            d["applicant"]["citizen_id"] = "999" + d["applicant"]["citizen_id"][3:]
        elif code == "E204":
            d["page_count"] += 2
        elif code == "E205":
            d["document_count"] += 1
        elif code == "E206":
            # three or more components; give the second and third the same id, point the result
            # at the last (unique) one
            # insert a further submitted document that reuses the id of the second component;
            # the result keeps its own unique id
            comps = d["components"]
            extra = dict(id=comps[1]["id"], role="submitted", copy_type="original", kind="pdf",
                         name="Tờ khai bổ sung", stem="to-khai-bo-sung", pages=1)
            data, ext, media = render_component(rng, d, extra, person)
            extra.update(file=f"scans/to-khai-bo-sung.{ext}", media_type=media, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest())
            files[extra["file"]] = data
            comps.insert(2, extra)
            assert d["result"]["component_ref"] != extra["id"]
            g.finish_counts(d)
        elif code == "E207":
            d["result"]["component_ref"] = "c9"
        elif code == "E208":
            d["status"] = "completed"
            d["completed"] = None
            d["returned"] = None
        elif code == "E209":
            d["number"] = d["number"].replace("000.00.21.H50", "000.00.22.H50", 1)
            assert d["receiving"]["code"] == "000.00.21.H50"
        elif code == "E301":
            c = d["components"][0]
            del files[c["file"]]
            c["file"] = "scans/to-khai-bi-thieu.pdf"
            c["sha256"] = None
            info["cid"] = c["id"][1:]
        elif code == "E302":
            c = d["components"][0]
            outside_pdf = files.pop(c["file"])
            c["file"] = "../../outside.pdf"
            c["size"] = len(outside_pdf)
            c["sha256"] = None
        elif code == "E303":
            c = d["components"][0]
            del files[c["file"]]
            c["file"] = "scans/link.pdf"
            c["size"] = 0
            c["sha256"] = None
        elif code == "E304":
            c = d["components"][0]
            c["size"] += 1
            c["sha256"] = None
        elif code == "E305":
            c = d["components"][0]
            c["sha256"] = hashlib.sha256(b"not the file " + files[c["file"]][:64]).hexdigest()
        elif code == "E407":
            d["title"] = "Chøng thùc b¶n sao Giấy chứng nhận"   # TCVN3 bytes of "Chứng thực bản sao" read as Latin-1
        elif code == "E306":
            pass                            # numbers coincide by construction (see above)
        if code == "E107":
            data = xml.encode("utf-8").replace(b"\x00MARK", b"Ch\xc3\x28ng th\xe1\xbb\xb1c ", 1)
            os.makedirs(os.path.join(folder, "scans"), exist_ok=True)
            write_dossier(folder, d, files, "")
            with open(os.path.join(folder, "dossier.xml"), "wb") as f:
                f.write(data)
        else:
            write_dossier(folder, d, files, xml)
        if code == "E303":
            os.symlink("/etc/hosts", os.path.join(folder, "scans", "link.pdf"))
        readme_lines.append(f"| `{name}` | `{d['number']}` | {what.format(**info)} |")
    with open(os.path.join(os.path.dirname(out_dir), "outside.pdf"), "wb") as f:
        f.write(outside_pdf)
    return readme_lines


# =========================================================================== READMEs

def write_readmes(valid, invalid_lines):
    procs = sorted({(d["procedure"]["code"], d["procedure"]["name"]) for d, *_ in valid})
    agencies = sorted({(d["receiving"]["code"], d["receiving"]["name"]) for d, *_ in valid})
    nfd_rows = [d["number"] + " (" + ", ".join(o["nfd"]) + ")" for d, f, o, p in valid if o.get("nfd")]
    new_style = [d["number"] for d, f, o, p in valid if o.get("style") == "new"]
    shared: dict = {}
    for d, files, o, p in valid:
        for c in d["components"]:
            if c["kind"] == "cccd":
                shared.setdefault((p["name"], hashlib.sha256(files[c["file"]]).hexdigest()[:12]), []).append(d["number"])
    statuses: dict = {}
    for d, *_ in valid:
        statuses[d["status"]] = statuses.get(d["status"], 0) + 1
    late = [d["number"] for d, f, o, p in valid if o.get("timing") == "late"]
    total = sum(len(f) for _, f, _, _ in valid)
    lines = [
        "# hoso sample archive",
        "",
        "A small, fully synthetic archive of Vietnamese administrative-procedure dossiers",
        "(hồ sơ thủ tục hành chính) from Quảng Trị province, in the `urn:hoso:dossier:1` format",
        "(`schemas/dossier-1.xsd`). **All personal data is synthetic**: names are combined from common",
        "Vietnamese family, middle and given names, citizen IDs and phone numbers are random digits in",
        "the documented formats, e-mail addresses use `example.com`. Agency codes are synthetic codes",
        "of the documented `000.00.NN.H50` form.",
        "",
        "Produced by `python3 Scripts/make-sample-archive.py` (deterministic; it deletes and rewrites",
        "this folder). Tables shared with the benchmark generator live in `Scripts/gen_common.py`.",
        "",
        "## Contents",
        "",
        f"- `dossiers/`: {len(valid)} valid dossiers ({total} scans), one folder per dossier named",
        "  after its dossier number, holding `dossier.xml` and `scans/`. Received 2019–2025.",
        "  Statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + ".",
        "- `invalid/`: one broken dossier per error code, see `invalid/README.md`.",
        "- `outside.pdf`: the file that `invalid/E302-unsafe-path` points to with `../../outside.pdf`.",
        "",
        "Scans are real files: PDF 1.4 (vector forms, some with an embedded JPEG scan),",
        "uncompressed baseline TIFF (8-bit grayscale or bitonal, multi-page where a component has",
        "several pages), baseline JPEG (ID-card copies, photos) and PNG (building drawings).",
        "",
        "### Procedures",
        "",
    ] + [f"- {c} {n}" for c, n in procs] + [
        "",
        "### Receiving agencies",
        "",
    ] + [f"- {c} {n}" for c, n in agencies] + [
        "",
        "Dossiers received from 2025-07-01 use the agencies formed by the 2025 merger (with",
        "`validFrom` 2025-07-01, no district in addresses); some older dossiers carry `validTo`",
        "2025-06-30 on the pre-merger name. District-level procedures before the merger are",
        "received by the district one-stop desk (Bộ phận một cửa) and handled by its Phòng.",
        "",
        "## Text variants (for search tests)",
        "",
        "- NFD (decomposed) text, the rest of each file being NFC: " + "; ".join(nfd_rows) + ".",
        "- New tone placement (Hoà, Thuỷ, Khoẻ, uỷ, thuỷ lợi) in: " + ", ".join(new_style) + ";",
        "  every other dossier uses the traditional placement (Hòa, Thủy, Khỏe, ủy, thủy lợi).",
        "- Nguyễn Văn Hòa (045090001234) is written “Hòa” in some dossiers and “Hoà” in another;",
        "  Trần Thị Hoà and Lê Văn Hóa are different people. “Quý” is the same in both styles.",
        "- Titles/keywords containing mã, má, mạ: “mã số thuế”, “mã số doanh nghiệp”,",
        "  “Quán bánh xèo Má Tư”, “Quán bánh canh Mạ Hai”.",
        "",
        "## Shared scans (deduplication)",
        "",
        "The same person's ID-card copy `scans/cccd.jpg` is byte-identical in each of their dossiers:",
        "",
    ] + [f"- {name} (sha256 {h}…): " + ", ".join(nums) for (name, h), nums in shared.items() if len(nums) > 1] + [
        "",
        "## Timeliness",
        "",
        "Completed/returned dossiers finish on or before `dueAt`, except " + ", ".join(late) + " (late).",
        "",
    ]
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    inv = [
        "# Invalid sample dossiers",
        "",
        "Each folder is one dossier that is valid in every respect but one, named after the error",
        "code `hoso validate` must report for it (docs/errors.md). Each has its own `scans/`.",
        "Validated as one batch, the -a/-b pair yields E306 on each of its two dossiers and every",
        "other folder its own code; every other dossier number here is unique.",
        "",
        "| folder | dossier number | what is wrong |",
        "| --- | --- | --- |",
    ] + invalid_lines + [""]
    with open(os.path.join(OUT, "invalid", "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(inv))


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "dossiers"))
    os.makedirs(os.path.join(OUT, "invalid"))
    rng = random.Random(SEED)
    people = named_people(rng)
    valid = build_valid(rng, people)
    numbers = [d["number"] for d, *_ in valid]
    assert len(set(numbers)) == len(numbers), "duplicate dossier number"
    for d, files, opt, person in valid:
        write_dossier(os.path.join(OUT, "dossiers", d["number"]), d, files)
    invalid_lines = build_invalid(random.Random(SEED + 1), people, os.path.join(OUT, "invalid"))
    write_readmes(valid, invalid_lines)
    total = 0
    count = 0
    for root, _, fs in os.walk(OUT):
        for fn in fs:
            p = os.path.join(root, fn)
            if not os.path.islink(p):
                total += os.path.getsize(p)
                count += 1
    print(f"sample-archive: {len(valid)} valid dossiers, {len(INVALID)} invalid, {count} files, {total} bytes")


if __name__ == "__main__":
    main()
