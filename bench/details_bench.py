#!/usr/bin/env python3
"""Times `hleak snapshot --details` against a plain `hleak snapshot`,
under Wine, on one hl-target holding many handles of several types.

The target opens (by default, 10,000 handles in all) unnamed
auto-reset events, manual-reset events, semaphores, mutexes, timers,
sections, files and registry keys; then the two commands run
alternately --runs times and the medians, their ratio and the cost per
handle of the details are printed, with the machine's load average
before and after (the ratio is what to compare: both run in the same
minutes on the same machine).

    python3 bench/details_bench.py [--runs 5] [--count 10000]
"""

import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snapshot_bench  # noqa: E402  (its Target, live_args and timed())

# Shares of the mix (of --count), the unnamed events taking the rest.
MIX = (("manual-event", 10), ("counted-semaphore", 10), ("mutex", 10),
       ("timer", 5), ("section", 5), ("file", 5), ("key", 5))


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def open_mix(target, count, filedir):
    cmds = []
    named = 0
    for kind, pct in MIX:
        n = count * pct // 100
        named += n
        for i in range(n):
            if kind == "file":
                cmds.append("open file %s\\d%d.txt" % (filedir, i))
            elif kind == "key":
                cmds.append("open key Software\\hleak-bench-%s\\k%d"
                            % (target.tag, i))
            else:
                cmds.append("open %s hleak-dbench-%s-%s-%d"
                            % (kind, target.tag, kind, i))
    target.keys = count * 5 // 100
    left = count - named
    while left > 0:
        cmds.append("open event %d" % min(100, left))
        left -= 100
    for i in range(0, len(cmds), 500):
        target.batch(cmds[i:i + 500])


def main():
    args = snapshot_bench.live_args(__doc__.split("\n")[0], 1,
                                    count=10000)
    work = tempfile.mkdtemp(prefix="hleak-dbench-")
    res = snapshot_bench.timed([args.wine_run, "winepath", "-w", work])
    filedir = res[1].strip()
    target = snapshot_bench.Target(args, "d%d" % os.getpid())
    try:
        open_mix(target, args.count, filedir)
        before = loadavg()
        plain, details = [], []
        out = filedir + "\\b.snap"
        base = [args.wine_run, args.hleak, "snapshot", "-p",
                str(target.pid), "-o", out]
        for _ in range(args.runs):
            plain.append(snapshot_bench.timed(base)[0])
            details.append(snapshot_bench.timed(base + ["--details"])[0])
        after = loadavg()
        size_plain = os.path.getsize(os.path.join(work, "b.snap"))
    finally:
        target.stop()
        shutil.rmtree(work, ignore_errors=True)
    p, d = statistics.median(plain), statistics.median(details)
    print("hleak snapshot --details vs plain, %d handles opened by the "
          "target, median of %d alternating runs" % (args.count, args.runs))
    print("  load average (1, 5, 15 min): before %s, after %s"
          % (before, after))
    print("  plain      %.3f s  %.1f us per handle" % (p, p / args.count * 1e6))
    print("  --details  %.3f s  %.1f us per handle  ratio %.2f"
          % (d, d / args.count * 1e6, d / p))
    print("  the details cost %.1f us per handle" %
          ((d - p) / args.count * 1e6))
    print("  snapshot file with details: %d bytes" % size_plain)


if __name__ == "__main__":
    main()
