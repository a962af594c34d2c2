#!/usr/bin/env python3
"""Benchmark of `hleak diff` on large synthetic snapshots (native build).

Generates two snapshots of the same process (bench/gen-snap.c: realistic
name repetition, every 20th handle value reused, 7% growth), then times
`hleak diff` in one run, alternating formats, and reports:
  - median wall time per format, and its ratio to the 1 s budget;
  - peak resident memory, and its ratio to the two files' sizes (budget 3x);
  - linearity: time at N divided by time at N/10 (10 = linear).

usage: bench/diff_bench.py [--build build/native] [--count 1000000] [--runs 5]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_measured(argv):
    """Runs argv with stdout discarded; returns (seconds, peak RSS bytes)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, stdout=null)
        _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit("%s exited %d" % (argv, code))
    return elapsed, usage.ru_maxrss * 1024


def gen(build, path, count, variant):
    subprocess.run([os.path.join(build, "bench", "hl-bench-gen"), path,
                    str(count), variant], check=True)


def measure(build, work, count, runs):
    a = os.path.join(work, "before-%d.snap" % count)
    b = os.path.join(work, "after-%d.snap" % count)
    gen(build, a, count, "before")
    gen(build, b, count, "after")
    hleak = os.path.join(build, "hleak")
    formats = {"text": [], "json": [], "csv": []}
    peak = 0
    for _ in range(runs):
        for name in formats:
            argv = [hleak, "diff", a, b]
            if name != "text":
                argv.insert(2, "--" + name)
            t, rss = run_measured(argv)
            formats[name].append(t)
            peak = max(peak, rss)
    size = os.path.getsize(a) + os.path.getsize(b)
    return {k: statistics.median(v) for k, v in formats.items()}, peak, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/native")
    ap.add_argument("--count", type=int, default=1000000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hleak-bench-") as work:
        small, _, _ = measure(args.build, work, args.count // 10, args.runs)
        times, peak, size = measure(args.build, work, args.count, args.runs)
    print("hleak diff, %d handles per snapshot, median of %d runs"
          % (args.count, args.runs))
    print("  files: %.1f MiB together (%.1f bytes per handle)"
          % (size / 2**20, size / (2.07 * args.count)))
    for name, t in times.items():
        print("  %-4s  %.3f s  = %.2f x the 1 s budget, %.0f ns per handle"
              % (name, t, t / 1.0, t * 1e9 / (2.07 * args.count)))
    print("  peak memory: %.1f MiB = %.2f x the files (budget 3x)"
          % (peak / 2**20, peak / size))
    print("  linearity: time(%d) / time(%d) = %.1f (10 = linear)"
          % (args.count, args.count // 10,
             times["text"] / small["text"]))
    ok = max(times.values()) < 1.0 and peak < 3 * size
    print("result: %s" % ("within budget" if ok else "OVER BUDGET"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
