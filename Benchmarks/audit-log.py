#!/usr/bin/env python3
"""Writes a synthetic audit log for measuring what a long verification history costs.

    audit-log.py ARCHIVE UPPER N

writes UPPER/audit/log and UPPER/audit/runs/: N full runs, one a day, each listing every object
of ARCHIVE's local store, chained as hoso chains its records. UPPER is meant as the upper
folder of an overlay mounted over the archive (as root), so that the archive itself is not
touched:

    mount -t overlay overlay -o lowerdir=ARCHIVE,upperdir=UPPER,workdir=WORK MERGED
    hoso verify --coverage --json --archive MERGED     # reads every list, or the checkpoint
    hoso verify --budget 100 --archive MERGED          # records a run; writes a checkpoint when due
"""
import hashlib
import json
import os
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    archive, upper, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = os.path.join(archive, "objects")
    # Objects are stored as objects/<2 hex>/<62 hex>; temp files start with a dot.
    names = sorted(d + f for d in os.listdir(store) if len(d) == 2
                   for f in os.listdir(os.path.join(store, d)) if not f.startswith("."))
    print(f"{len(names)} objects", file=sys.stderr)
    folder = os.path.join(upper, "audit")
    os.makedirs(os.path.join(folder, "runs"), exist_ok=True)
    previous, lines = None, []
    for k in range(1, runs + 1):
        when = 1_780_000_000 + k * 86_400
        body = "".join(f"{when} {h}\n" for h in names).encode()
        name = f"runs/{k:06d}.txt"
        with open(os.path.join(folder, name), "wb") as f:
            f.write(body)
        record = {"format": "hoso-audit/1", "sequence": k, "level": "full",
                  "started": f"2026-01-{k % 28 + 1:02d}T00:00:00Z", "finished": f"2026-01-{k % 28 + 1:02d}T01:00:00Z",
                  "objects": len(names), "bytes": 0, "errors": 0, "warnings": 0, "codes": {},
                  "list": name, "listDigest": "sha256:" + hashlib.sha256(body).hexdigest(), "seconds": 3600.0}
        if previous:
            record["previous"] = previous
        line = json.dumps(record, separators=(",", ":"), sort_keys=True).encode()
        previous = "sha256:" + hashlib.sha256(line).hexdigest()
        lines.append(line)
    with open(os.path.join(folder, "log"), "wb") as f:
        f.write(b"\n".join(lines) + b"\n")


if __name__ == "__main__":
    main()
