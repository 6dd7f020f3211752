#!/usr/bin/env python3
"""Generate a deterministic batch of synthetic hoso dossiers for benchmarks.

    python3 Scripts/generate-corpus.py --count N --out DIR [--seed 1] [--scan-mb-per-dossier 0.2]
                                       [--jpeg-share 0.6] [--scans-per-dossier 3] [--force]
                                       [--jobs J] [--progress]

Examples
    # about 2 GB of scans in 10,000 dossiers
    python3 Scripts/generate-corpus.py --count 10000 --out /tmp/corpus-2g
    # a search corpus: one million dossiers with tiny scans
    python3 Scripts/generate-corpus.py --count 1000000 --scan-mb-per-dossier 0.001 --out /tmp/corpus-1m

Writes N dossier folders into DIR (created; a non-empty DIR is refused unless --force), each named
after its dossier number and holding dossier.xml (valid against schemas/dossier-1.xsd and the rules
of `hoso validate`) and scans/.  Same arguments -> byte-identical output (every dossier is derived
from (seed, index) only; nothing depends on the clock, the machine or --jobs).  Python 3.11 stdlib
only.
All personal data is synthetic (Scripts/gen_common.py).

Scans (1..K per dossier, about --scan-mb-per-dossier MB in total per dossier):
  * JPEG-like, incompressible: a JFIF header (SOI, APP0, DQT, SOF0) then pseudo-random bytes and EOI;
    extension .jpg, mediaType image/jpeg.  --jpeg-share of the scan bytes (in expectation).
  * TIFF-like, compressible: a valid little-endian baseline TIFF (one uncompressed 8-bit grayscale
    strip) whose raster looks like a scanned page: white paper with light noise and dark runs for
    text lines; compresses about 3-8x with gzip -1; extension .tif, mediaType image/tiff.
  Every file is unique (its bytes come from a per-dossier seed and the TIFF header names its
  dossier), except that about 2% of dossiers deliberately carry a byte-identical scans/cccd.jpg
  (the same applicant's ID-card copy) with the dossier generated just before them.
"""

from __future__ import annotations

import argparse
import array
import datetime as dt
import hashlib
import math
import multiprocessing
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_common as g  # noqa: E402

FIRST_DAY = dt.date(2019, 1, 2)
LAST_DAY = dt.date(2025, 12, 31)
RECENT_DAYS = 45                      # dossiers this close to LAST_DAY may still be pending
SHARE_PER_10000 = 200                 # 2% of dossiers share cccd.jpg with the previous one
NFD_SHARE = 0.03
NEW_STYLE_SHARE = 0.35
SHA_SHARE = 0.8

ALL_DAYS = [FIRST_DAY + dt.timedelta(days=k) for k in range((LAST_DAY - FIRST_DAY).days + 1)]
WORK_DAYS = [d for d in ALL_DAYS if g.is_workday(d)]
PROC_KEYS = [k for k, w in g.PROCEDURE_WEIGHTS for _ in range(w)]
DISTRICT_PROCS = ("gpxd", "hkd")
POLICE_PROCS = frozenset(k for k, p in g.PROCEDURES.items() if p.get("police"))
OLD_COMMUNES_PRE_2020 = tuple(k for k in g.OLD_COMMUNE_AGENCIES if k != "hl-ds")
STATUS_OLD = ["returned"] * 880 + ["completed"] * 60 + ["rejected"] * 25 + ["withdrawn"] * 20 + \
             ["processing"] * 5 + ["supplement-requested"] * 5 + ["received"] * 5
STATUS_RECENT = ["returned"] * 40 + ["completed"] * 15 + ["processing"] * 20 + \
                ["supplement-requested"] * 8 + ["received"] * 10 + ["rejected"] * 3 + ["withdrawn"] * 4

# ----------------------------------------------------------------------------- seeds


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def seed_of(seed: int, index: int, salt: int) -> int:
    return _splitmix(_splitmix(seed * 0x100000001B3 + salt) ^ index)


SALT_DOSSIER, SALT_PERSON, SALT_CCCD, SALT_SHARE = 1, 2, 3, 4

# ----------------------------------------------------------------------------- fake scans

_JFIF = (b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x01\x00\xc8\x00\xc8\x00\x00"
         + b"\xff\xdb\x00\x43\x00" + bytes((8, 6, 6, 7, 6, 5, 8, 7, 7, 7, 9, 9, 8, 10, 12, 20, 13, 12,
                                             11, 11, 12, 25, 18, 19, 15, 20, 29, 26, 31, 30, 29, 26, 28,
                                             28, 32, 36, 46, 39, 32, 34, 44, 35, 28, 28, 40, 55, 41, 44,
                                             48, 49, 52, 52, 52, 31, 39, 57, 61, 56, 50, 60, 46, 51, 52,
                                             50)))


def jpeg_like(rng: random.Random, size: int) -> bytes:
    """JFIF/DQT/SOF0 header, pseudo-random payload, EOI: incompressible, `size` bytes."""
    w = 600 + rng.randrange(1400)
    h = 400 + rng.randrange(1000)
    head = _JFIF + b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", h, w) + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    n = max(0, size - len(head) - 2)
    return head + rng.randbytes(n) + b"\xff\xd9"


# light paper noise: a random byte maps to white (255) with probability 242/256, else to 243..254;
# with the text runs this makes pages that gzip -1 compresses about 4-5x (3x for tiny files)
NOISE_TABLE = bytes(255 if b < 242 else 254 - (b * 7) % 12 for b in range(256))
_dark_rng = random.Random(0x5CA4)
DARK_POOL = bytes(_dark_rng.randrange(18, 95) for _ in range(8192))


def tiff_like(rng: random.Random, size: int, description: str) -> bytes:
    """A page-like 8-bit grayscale TIFF of about `size` bytes (header + IFD + raster)."""
    overhead = 200 + len(description)
    r = max(64, size - overhead)
    w = max(8, min(1728, int(math.sqrt(r / 1.414))))
    h = max(8, r // w)
    buf = bytearray(rng.randbytes(w * h).translate(NOISE_TABLE))
    margin_x = max(1, w // 12)
    line_h = max(2, w // 70)
    y = max(1, h // 14)
    bottom = h - max(1, h // 14)
    dark = DARK_POOL
    while y + line_h < bottom:
        if rng.random() < 0.15:                          # paragraph gap
            y += line_h * 2
            continue
        ink_rows = max(1, line_h * 3 // 5)
        segs = []
        x = margin_x + (line_h * 2 if rng.random() < 0.2 else 0)
        right = w - margin_x - (rng.randrange(w // 3) if rng.random() < 0.25 else 0)
        while x < right:
            ln = min(right - x, line_h + rng.randrange(line_h * 5))
            segs.append((x, ln))
            x += ln + max(1, line_h // 2) + rng.randrange(max(1, line_h // 2))
        for row in range(y, min(y + ink_rows, bottom)):
            base = row * w
            for x0, ln in segs:
                off = (x0 * 13 + row * 131) & 4095
                buf[base + x0:base + x0 + ln] = dark[off:off + ln]
        y += line_h + line_h // 2 + rng.randrange(max(1, line_h // 2))
    return g.tiff_gray8(w, h, bytes(buf), description=description, dpi=200,
                        software="hoso generate-corpus")


# ----------------------------------------------------------------------------- dossiers

_WFLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def write_file(path: str, data: bytes) -> None:
    fd = os.open(path, _WFLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


class Corpus:
    def __init__(self, seed: int, count: int, scan_mb: float, jpeg_share: float, k: int, seqs=None):
        self.seed, self.count, self.scan_bytes = seed, count, scan_mb * 1_000_000
        self.jpeg_share, self.k = jpeg_share, k
        self.seqs = seqs
        desks = 12
        per_day = count / (desks * len(WORK_DAYS))
        slots = math.ceil(per_day + 3 * math.sqrt(per_day) + 1)
        self.spacing = max(1, 450 // slots)             # minutes between consecutive numbers

    def compute_seqs(self):
        """NNNN of every dossier: its rank among the dossiers of the same receiving desk and day,
        in index order (a cheap first pass, so that workers can write dossiers in any order)."""
        counters: dict = {}
        seqs = array.array("H", bytes(2 * self.count))
        for i in range(self.count):
            _, day, proc, desk = self.choice(i)
            key = (desk, proc in POLICE_PROCS, day)
            n = counters.get(key, 0) + 1
            if n > 9999:
                raise SystemExit(f"more than 9999 dossiers at {desk} on {day}: lower --count")
            counters[key] = seqs[i] = n
        self.seqs = seqs

    # -- decisions that other dossiers need again (person sharing) -------------------------
    def shares(self, i: int) -> bool:
        if i <= 0 or i >= self.count or self.k < 2:
            return False
        return seed_of(self.seed, i, SALT_SHARE) % 10000 < SHARE_PER_10000

    def person_key(self, i: int) -> int:
        while self.shares(i):
            i -= 1
        return i

    def choice(self, i: int):
        """(rng positioned after the choice, day, procedure, desk) of dossier i."""
        rng = random.Random(seed_of(self.seed, i, SALT_DOSSIER))
        if rng.random() < 0.04:
            day = rng.choice(ALL_DAYS)                   # may be a day off (online submission)
        else:
            day = rng.choice(WORK_DAYS)
        proc = rng.choice(PROC_KEYS)
        if day >= g.MERGER_DAY:
            desk = rng.choice(g.NEW_AGENCIES)
        elif proc in DISTRICT_PROCS:
            desk = rng.choice(g.OLD_DISTRICT_AGENCIES)
        else:
            desk = rng.choice(OLD_COMMUNES_PRE_2020 if day < g.DIEN_SANH_DAY else g.OLD_COMMUNE_AGENCIES)
        return rng, day, proc, desk

    def person(self, key: int, individual: bool):
        _, day, proc, desk = self.choice(key)
        prng = random.Random(seed_of(self.seed, key, SALT_PERSON))
        if not individual and proc == "ban-sao" and prng.random() < 0.08:
            return g.make_organization(prng, desk, key=key)
        lo, hi = g.applicant_ages(proc)
        return g.make_person(prng, desk, day, min_age=lo, max_age=hi, key=key)

    def cccd(self, key: int, person: dict) -> bytes:
        crng = random.Random(seed_of(self.seed, key, SALT_CCCD))
        size = max(400, int(self.scan_bytes * (0.15 + 0.2 * crng.random())))
        return jpeg_like(crng, size)

    # -- one dossier -------------------------------------------------------------------------
    def build(self, i: int):
        rng, day, proc, desk = self.choice(i)
        has_cccd = self.shares(i) or self.shares(i + 1)
        key = self.person_key(i)
        person = self.person(key, individual=has_cccd)
        seq = self.seqs[i]
        # times grow with the sequence number: office hours (lunch 11:30-13:30) on working days,
        # 07:00-21:59 for online submissions on days off
        if g.is_workday(day):
            m = min(449, (seq - 1) * self.spacing + rng.randrange(self.spacing))
            m = 450 + m + 120 if m >= 240 else 450 + m
        else:
            m = 420 + min(899, (seq - 1) * self.spacing * 2 + rng.randrange(self.spacing * 2))
        received = g.vn(day.year, day.month, day.day, m // 60, m % 60, rng.randrange(60))
        recent = (LAST_DAY - day).days < RECENT_DAYS
        status = rng.choice(STATUS_RECENT if recent else STATUS_OLD)
        x = rng.random()
        timing = "late" if x < 0.03 else "early" if x < 0.13 else "ontime"
        components = self.components(rng, proc, status, has_cccd, person)
        d = g.plan_dossier(rng, proc, desk, received, seq, person, status=status, timing=timing,
                           with_valid_to=day < g.MERGER_DAY and rng.random() < 0.3,
                           extras={"canal": "gần kênh thủy lợi Nam Thạch Hãn"}
                           if proc == "gpxd" and rng.random() < 0.15 else None,
                           components=components,
                           channel="online" if not g.is_workday(day) else None)
        for c in d["components"]:
            c["pages"] = 1                                     # single-frame files
        nfd_fields = ()
        if rng.random() < NFD_SHARE:
            nfd_fields = rng.choice((("title",), ("applicant",), ("title", "applicant", "keywords")))
        g.finalize_text(d, "new" if rng.random() < NEW_STYLE_SHARE else "old", nfd_fields)
        return rng, d, person, key, has_cccd

    def components(self, rng, proc, status, has_cccd, person):
        need_result = status in g.RESULT_STATUSES
        n = rng.randint(1, self.k)
        n = max(n, int(has_cccd) + int(need_result))
        templates = g.PROCEDURES[proc]["components"]
        submitted = [t for t in templates if t["role"] != "result" and t["kind"] != "cccd"]
        result = next(t for t in templates if t["role"] == "result")
        out = []
        if has_cccd:
            out.append(dict(name="Căn cước công dân (bản sao)", role="submitted", copy_type="copy",
                            kind="cccd", stem="cccd"))
        k = 0
        while len(out) < n - int(need_result):
            if k < len(submitted):
                t = submitted[k]
                out.append(dict(name=t["name"], role=t["role"], copy_type=t["copy_type"], stem=t["stem"]))
            else:
                out.append(dict(name=f"Giấy tờ kèm theo số {k - len(submitted) + 1}", role="other",
                                copy_type="copy", stem=f"kem-theo-{k - len(submitted) + 1}"))
            k += 1
        if need_result:
            out.append(dict(name=result["name"], role="result", copy_type=result["copy_type"],
                            stem=result["stem"]))
        for idx, c in enumerate(out, 1):
            c["id"] = f"c{idx}"
            c["pages"] = 1
            if "kind" not in c:
                c["kind"] = "jpeg" if rng.random() < self.jpeg_share else "tiff"
        return out

    def write(self, out_dir: str, i: int):
        rng, d, person, key, has_cccd = self.build(i)
        folder = os.path.join(out_dir, d["number"])
        os.mkdir(folder)
        os.mkdir(os.path.join(folder, "scans"))
        total = self.scan_bytes * (0.6 + 0.8 * rng.random())
        n = len(d["components"])
        nbytes = 0
        used = set()
        for c in d["components"]:
            if c["kind"] == "cccd":
                data, ext, media = self.cccd(key, person), "jpg", "image/jpeg"
            else:
                size = max(300, int(total / n * (0.7 + 0.6 * rng.random())))
                if c["kind"] == "jpeg":
                    data, ext, media = jpeg_like(rng, size), "jpg", "image/jpeg"
                else:
                    data = tiff_like(rng, size, f"{d['number']} {c['id']}")
                    ext, media = "tif", "image/tiff"
            rel = f"scans/{c['stem']}.{ext}"
            if rel in used:
                rel = f"scans/{c['stem']}-{c['id']}.{ext}"
            used.add(rel)
            write_file(os.path.join(folder, rel), data)
            c.update(file=rel, media_type=media, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest() if rng.random() < SHA_SHARE else None)
            nbytes += len(data)
        g.finish_counts(d)
        write_file(os.path.join(folder, "dossier.xml"), g.render_xml(d).encode("utf-8"))
        return n + 1, nbytes


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="generate-corpus.py",
        description="Write a deterministic batch of N synthetic hoso dossiers (dossier.xml + scans/) "
                    "into DIR for benchmarks. Same arguments give byte-identical output.")
    ap.add_argument("--count", type=int, required=True, metavar="N",
                    help="number of dossiers to write (10 .. 1,000,000 is the tested range)")
    ap.add_argument("--out", required=True, metavar="DIR",
                    help="output folder; created if missing; must be empty unless --force")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--scan-mb-per-dossier", type=float, default=0.2, metavar="F",
                    help="average total size of a dossier's scans in MB (10^6 bytes); "
                         "default 0.2, as small as 0.001 for a search corpus")
    ap.add_argument("--jpeg-share", type=float, default=0.6, metavar="S",
                    help="expected share of scan bytes written as incompressible JPEG-like files; "
                         "the rest are compressible page-like TIFFs (default 0.6)")
    ap.add_argument("--scans-per-dossier", type=int, default=3, metavar="K",
                    help="each dossier gets 1..K scans (default 3; a completed dossier with a shared "
                         "ID-card copy gets at least 2)")
    ap.add_argument("--force", action="store_true", help="write into a non-empty DIR (existing "
                    "dossier folders with the same number make the run fail)")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="J",
                    help="worker processes (default: CPUs, at most 4); the output does not depend on it")
    ap.add_argument("--progress", action="store_true", help="report progress on stderr")
    a = ap.parse_args(argv)
    if a.count < 1:
        ap.error("--count must be at least 1")
    if a.scan_mb_per_dossier <= 0:
        ap.error("--scan-mb-per-dossier must be positive")
    if not 0.0 <= a.jpeg_share <= 1.0:
        ap.error("--jpeg-share must be between 0 and 1")
    if a.scans_per_dossier < 1:
        ap.error("--scans-per-dossier must be at least 1")
    if a.jobs < 1:
        ap.error("--jobs must be at least 1")
    os.makedirs(a.out, exist_ok=True)
    if os.listdir(a.out) and not a.force:
        ap.error(f"{a.out} is not empty (use --force)")
    t0 = time.monotonic()
    params = (a.seed, a.count, a.scan_mb_per_dossier, a.jpeg_share, a.scans_per_dossier)
    corpus = Corpus(*params)
    corpus.compute_seqs()
    chunks = [(lo, min(a.count, lo + CHUNK)) for lo in range(0, a.count, CHUNK)]
    files = nbytes = done = 0
    next_report = step = max(1, a.count // 20)
    jobs = max(1, min(a.jobs, len(chunks)))
    if jobs == 1:
        _init_worker(params, corpus.seqs, a.out)
        results = map(_write_chunk, chunks)
        pool = None
    else:
        pool = multiprocessing.Pool(jobs, initializer=_init_worker, initargs=(params, corpus.seqs, a.out))
        results = pool.imap_unordered(_write_chunk, chunks)
    try:
        for n, f, b in results:
            done += n
            files += f
            nbytes += b
            if a.progress and done >= next_report:
                next_report += step
                el = time.monotonic() - t0
                print(f"  {done}/{a.count} dossiers, {nbytes / 1e9:.2f} GB, {el:.0f} s", file=sys.stderr)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    secs = time.monotonic() - t0
    print(f"{a.count} dossiers, {files} files, {nbytes} scan bytes ({nbytes / 1e9:.3f} GB), "
          f"{secs:.1f} s -> {a.out}")


CHUNK = 1000
_WORKER: dict = {}


def _init_worker(params, seqs, out_dir):
    _WORKER["corpus"] = Corpus(*params, seqs=seqs)
    _WORKER["out"] = out_dir


def _write_chunk(bounds):
    lo, hi = bounds
    corpus, out_dir = _WORKER["corpus"], _WORKER["out"]
    files = nbytes = 0
    for i in range(lo, hi):
        f, b = corpus.write(out_dir, i)
        files += f
        nbytes += b
    return hi - lo, files, nbytes


if __name__ == "__main__":
    main()
