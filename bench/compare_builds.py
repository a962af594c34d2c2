#!/usr/bin/env python3
"""Two native builds of hleak against each other, in one run.

A change that must not slow hleak down (a restructuring, say) is measured
by running the build before it and the build after it on the same inputs,
alternately (which goes first flips each round), so that whatever else loads the machine weighs on both alike.
Reports, for `hleak diff` in each format (bench/diff_bench.py's inputs)
and for writing and reading a snapshot file (bench/snapfile-bench.c), the
median time of each build and the ratio NEW / OLD (1.00 = no change; above
1 = slower).

usage: bench/compare_builds.py --old BUILD --new BUILD
                               [--count 1000000] [--snap-count 100000]
                               [--runs 5]
BUILD is a native build directory (cmake --preset native), holding hleak
and bench/hl-bench-gen, bench/hl-bench-snapfile.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def timed(argv):
    """Seconds argv took, its output discarded; exits on a failure."""
    start = time.perf_counter()
    res = subprocess.run(argv, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    if res.returncode not in (0, 1):  # 1: diff's gate, not a failure
        sys.exit("%s exited %d" % (argv, res.returncode))
    return elapsed


def snapfile_ms(build, path, count):
    """(write ms, read ms) of one hl-bench-snapfile run of 1 repetition."""
    out = subprocess.run(
        [os.path.join(build, "bench", "hl-bench-snapfile"), path,
         str(count), "1"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"write ([0-9.]+) ms, read ([0-9.]+) ms", out)
    if not m:
        sys.exit("%s: no write/read times in its output:\n%s" % (build, out))
    write, read = float(m.group(1)), float(m.group(2))
    return write, read


def row(name, old, new, unit):
    mo, mn = statistics.median(old), statistics.median(new)
    print("  %-14s old %8.3f %s  new %8.3f %s  new/old %.2f"
          % (name, mo, unit, mn, unit, mn / mo))
    return mn / mo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--snap-count", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    builds = {"old": args.old, "new": args.new}
    for b in builds.values():
        if not os.path.isfile(os.path.join(b, "hleak")):
            sys.exit("%s: no hleak there (a native build directory?)" % b)
    with tempfile.TemporaryDirectory(prefix="hleak-cmp-") as work:
        a = os.path.join(work, "before.snap")
        b = os.path.join(work, "after.snap")
        gen = os.path.join(args.new, "bench", "hl-bench-gen")
        subprocess.run([gen, a, str(args.count), "before"], check=True)
        subprocess.run([gen, b, str(args.count), "after"], check=True)
        times = {}
        for run in range(args.runs):
            # which build goes first flips each round: the second of two
            # back-to-back runs finds warmer caches
            order = list(builds.items())
            if run % 2:
                order.reverse()
            for fmt in ("text", "json", "csv"):
                for who, build in order:
                    argv = [os.path.join(build, "hleak"), "diff", a, b]
                    if fmt != "text":
                        argv.insert(2, "--" + fmt)
                    times.setdefault((fmt, who), []).append(timed(argv))
            for who, build in order:
                w, r = snapfile_ms(build, os.path.join(work, who + ".snap"),
                                   args.snap_count)
                times.setdefault(("write", who), []).append(w)
                times.setdefault(("read", who), []).append(r)
    print("old %s, new %s: median of %d alternating runs"
          % (args.old, args.new, args.runs))
    print("hleak diff, %d handles per snapshot:" % args.count)
    worst = 0
    for fmt in ("text", "json", "csv"):
        worst = max(worst, row(fmt, times[(fmt, "old")],
                               times[(fmt, "new")], "s "))
    print("snapshot file, %d handles:" % args.snap_count)
    for what in ("write", "read"):
        worst = max(worst, row(what, times[(what, "old")],
                               times[(what, "new")], "ms"))
    print("slowest ratio: %.2f" % worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
