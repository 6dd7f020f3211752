#!/usr/bin/env python3
"""Wall time of whole processes of several builds of hoso, run alternately on the same machine,
so that a change of a few milliseconds is told apart from this shared machine's drift (hyperfine
runs each command's rounds one after the other, and the drift between them was larger than the
effects measured).

    python3 Benchmarks/alternate.py OLD_HOSO,NEW_HOSO [--rounds N] -- ARGS... [-- ARGS...]

Each ARGS is one command line given to every binary (for example `search --archive A nguyen van
hoa`). Each round runs every binary once, in forward then reverse order every other round, after
one unmeasured run each. Prints the median and quartiles of each binary per command line.
"""
import statistics
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if not argv or argv[0].startswith("-"):
        sys.exit(__doc__)
    binaries = argv[0].split(",")
    rest = argv[1:]
    rounds = 60
    if rest[:1] == ["--rounds"]:
        rounds, rest = int(rest[1]), rest[2:]
    commands, current = [], None
    for a in rest:
        if a == "--":
            current = []
            commands.append(current)
        elif current is None:
            sys.exit("the command lines follow '--'")
        else:
            current.append(a)
    for args in commands:
        times = {b: [] for b in binaries}
        for b in binaries:
            subprocess.run([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for r in range(rounds):
            for b in (binaries if r % 2 == 0 else binaries[::-1]):
                start = time.perf_counter()
                subprocess.run([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[b].append((time.perf_counter() - start) * 1000)
        print(" ".join(args))
        for b in binaries:
            v = sorted(times[b])
            print(f"  {b}: median {statistics.median(v):.2f} ms (quartiles {v[len(v) // 4]:.2f}–{v[3 * len(v) // 4]:.2f}), {rounds} runs")


if __name__ == "__main__":
    main()
