#!/usr/bin/env python3
"""Times a program alone and under `hleak run`, under Wine.

The workload is hl-run-target's `work N` (tests/target/hl-run-target.c):
N rounds of CPU work, each opening and closing an event and a file, timed
by the program itself (QueryPerformanceCounter, printed as elapsed_ms=),
so Wine's start-up and hleak's verdict at the end do not count. Runs
alternate: alone, under `hleak run --every 1s` (time mode: hleak is the
debugger and takes a snapshot every second), and under `hleak run
--no-debug --every 1s`. Prints the median of each and the ratios to the
run alone, with the machine's load (uptime) before and after.

    python3 bench/run_bench.py [--runs 5] [--rounds 8000] [--build build/win64]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def elapsed(cmd, env):
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, timeout=600)
    m = re.search(rb"elapsed_ms=([0-9.]+)", res.stdout)
    if m is None:
        sys.exit("no elapsed_ms from %s: exit %d\n%s\n%s" % (
            cmd, res.returncode, res.stdout.decode(errors="replace"),
            res.stderr.decode(errors="replace")))
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=8000)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "win64"))
    a = ap.parse_args()
    wine = os.path.join(ROOT, "scripts", "wine-run")
    hleak = os.path.join(a.build, "hleak.exe")
    target = os.path.join(a.build, "tests", "target", "hl-run-target.exe")
    env = dict(os.environ)
    env.setdefault("WINEPREFIX", os.path.join(ROOT, ".cache", "wineprefix"))
    wtarget = subprocess.run([wine, "winepath", "-w", target], env=env,
                             stdout=subprocess.PIPE,
                             check=True).stdout.decode().strip()
    work = [wtarget, "work", str(a.rounds)]
    kinds = {
        "alone": [wine, target, "work", str(a.rounds)],
        "run --every 1s": [wine, hleak, "run", "--every", "1s", "--"] + work,
        "run --no-debug --every 1s": [wine, hleak, "run", "--no-debug",
                                      "--every", "1s", "--"] + work,
    }
    print("load before:", subprocess.run(["uptime"], stdout=subprocess.PIPE)
          .stdout.decode().strip())
    times = {k: [] for k in kinds}
    for _ in range(a.runs):
        for k, cmd in kinds.items():
            times[k].append(elapsed(cmd, env))
    print("load after: ", subprocess.run(["uptime"], stdout=subprocess.PIPE)
          .stdout.decode().strip())
    alone = statistics.median(times["alone"])
    for k, t in times.items():
        med = statistics.median(t)
        print("%-28s median %8.1f ms  ratio %.3f  (runs: %s)" % (
            k, med, med / alone, " ".join("%.0f" % x for x in t)))


if __name__ == "__main__":
    main()
