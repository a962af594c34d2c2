#!/usr/bin/env python3
"""Times `hleak ps` against the way a script lists processes by handle
count today, under Wine.

Starts several tests/target/hl-target.exe processes holding, in all,
about --handles unnamed events, then alternates `hleak.exe ps`,
`hleak.exe ps --no-gui` and bench/win/naive-ps.exe (for each process: OpenProcess +
GetProcessHandleCount + CloseHandle) and prints the median wall times and
their ratio. Both are timed as whole processes (Wine's process start
included, measured apart with `hleak.exe --version`). It also checks that
`hleak ps --json` lists every target with the handles it opened.

    python3 bench/ps_bench.py [--runs 5] [--targets 4] [--handles 100000]
"""

import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snapshot_bench  # noqa: E402  (its Target and timed())



def main():
    args = snapshot_bench.live_args(__doc__, 4, handles=100000)
    hleak = args.hleak
    naive = os.path.join(args.build, "bench", "win", "naive-ps.exe")

    targets = []
    try:
        each = args.handles // args.targets
        for i in range(args.targets):
            t = snapshot_bench.Target(args, "ps%d" % i)
            targets.append(t)
            t.batch(["open event %d" % min(100, each - k)
                     for k in range(0, each, 100)])
        _, out = snapshot_bench.timed([args.wine_run, hleak, "ps", "--json"])
        doc = json.loads(out)
        rows = {p["pid"]: p for p in doc["processes"]}
        held = sum(rows[t.pid]["handles"] for t in targets)
        system = sum(p["handles"] or 0 for p in doc["processes"])
        print("%d targets hold %d handles (%d in the system, %d processes)"
              % (len(targets), held, system, len(doc["processes"])))
        if held < args.handles:
            raise RuntimeError("targets hold too few handles: %d" % held)

        cmds = {"start": [args.wine_run, hleak, "--version"],
                "hleak ps": [args.wine_run, hleak, "ps"],
                "ps --no-gui": [args.wine_run, hleak, "ps", "--no-gui"],
                "naive-ps": [args.wine_run, naive]}
        times = {k: [] for k in cmds}
        for _ in range(args.runs):
            for k, cmd in cmds.items():
                dt, out = snapshot_bench.timed(cmd)
                times[k].append(dt)
                if k == "naive-ps":
                    naive_total = out.strip().splitlines()[-1]
        med = {k: statistics.median(v) for k, v in times.items()}
        print("median of %d alternating runs:" % args.runs)
        for k in cmds:
            print("  %-11s %7.3f s  (%s)" % (
                k, med[k], " ".join("%.3f" % t for t in times[k])))
        print("  ratio hleak ps / naive-ps: %.2f (--no-gui: %.2f)" % (
            med["hleak ps"] / med["naive-ps"],
            med["ps --no-gui"] / med["naive-ps"]))
        start = med["start"]
        print("  without the process start: hleak ps %.3f s, naive-ps "
              "%.3f s, ratio %.2f" % (
                  med["hleak ps"] - start, med["naive-ps"] - start,
                  (med["hleak ps"] - start) / max(med["naive-ps"] - start,
                                                  1e-3)))
        print("  naive-ps says: %s" % naive_total)
    finally:
        for t in targets:
            t.stop()


if __name__ == "__main__":
    main()
