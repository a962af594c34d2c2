#!/usr/bin/env python3
"""Times `hleak find` against `hleak snapshot` per named handle, under
Wine.

Starts --targets tests/target/hl-target.exe processes, each holding
--per-target named handles (named events, files, registry keys), then
alternates `hleak.exe --version` (Wine's process start), one `hleak.exe
find` over the whole system, and one `hleak.exe snapshot -p PID` of each
target, and prints the median wall times less the process start, per
named handle: find's time over the names it read (its JSON
`names_read`: every handle of the searched types in every process it
could open, Wine's services included), snapshot's over the handles of
the target (it names every one). Both use the same name threads and
workers, so the ratio shows what find's extra steps cost (the
system-wide list, opening each process, matching).

    python3 bench/find_bench.py [--runs 5] [--targets 4] [--per-target 2000]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import snapshot_bench  # noqa: E402  (its Target and timed())

# per 100 named handles: events, files, keys
SHARE = (("named-event", 60), ("file", 25), ("key", 15))


def timed_any(cmd):
    """snapshot_bench.timed() for a command whose exit status is its
    answer (find: 1 when nothing matched); returns wall seconds."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=snapshot_bench.wine_env(), timeout=600)
    if res.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (
            cmd, res.returncode, res.stderr.decode(errors="replace")))
    return time.perf_counter() - t0


def fill(t, n, windir):
    """n named handles in target t, SHARE of each kind."""
    cmds = []
    for kind, share in SHARE:
        for i in range(n * share // 100):
            name = "hlfb-%s-%d" % (t.tag, i)
            if kind == "file":
                cmds.append("open file %s\\%s.txt" % (windir, name))
            elif kind == "key":
                cmds.append("open key Software\\hleak-bench-%s\\%s"
                            % (t.tag, name))
                t.keys += 1
            else:
                cmds.append("open named-event " + name)
    for i in range(0, len(cmds), 500):
        t.batch(cmds[i:i + 500])


def main():
    args = snapshot_bench.live_args(__doc__, 4, per_target=2000)
    hleak = args.hleak
    run = [args.wine_run, hleak]

    targets = []
    tmp = tempfile.mkdtemp(prefix="hleak-find-bench-")
    # Wine's drive Z: is the Unix root
    windir = "Z:" + tmp.replace("/", "\\")
    snap = "Z:" + os.path.join(tmp, "t.snap").replace("/", "\\")
    try:
        for i in range(args.targets):
            t = snapshot_bench.Target(args, "f%d" % i)
            targets.append(t)
            fill(t, args.per_target, windir)
        _, out = snapshot_bench.timed(run + ["find", "--json", "hlfb-"])
        doc = json.loads(out)
        found = {m["pid"] for m in doc["matches"]}
        if found != {t.pid for t in targets}:
            raise RuntimeError("find found %s, not the targets" % found)
        named = doc["names_read"]
        held = 0
        for t in targets:
            snapshot_bench.timed(run + ["snapshot", "-p", str(t.pid), "-o",
                                        snap])
            _, out = snapshot_bench.timed(run + ["show", "--json", snap])
            held += len(json.loads(out)["handles"])
        print("%d targets, %d named handles each; find: %d matches, %d "
              "names read in %d processes; the targets' snapshots: %d "
              "handles" % (len(targets), args.per_target,
                           len(doc["matches"]), named, doc["searched"],
                           held))

        # the same without the names: find of a type the targets do not
        # hold (the list, the processes opened, almost no names), and
        # snapshot --no-names
        times = {"start": [], "find": [], "find-none": [], "snapshots": [],
                 "snapshots-no-names": []}
        for _ in range(args.runs):
            dt, _ = snapshot_bench.timed(run + ["--version"])
            times["start"].append(dt)
            dt, _ = snapshot_bench.timed(run + ["find", "hlfb-"])
            times["find"].append(dt)
            dt = timed_any(run + ["find", "--type", "Timer", "hlfb-"])
            times["find-none"].append(dt)
            for key, extra in (("snapshots", []),
                               ("snapshots-no-names", ["--no-names"])):
                total = 0.0
                for t in targets:
                    dt, _ = snapshot_bench.timed(
                        run + ["snapshot", "-p", str(t.pid), "-o", snap] +
                        extra)
                    total += dt
                times[key].append(total)
        med = {k: statistics.median(v) for k, v in times.items()}
        start = med["start"]
        find_us = (med["find"] - start) / named * 1e6
        snap_us = (med["snapshots"] - len(targets) * start) / held * 1e6
        print("median of %d alternating runs:" % args.runs)
        for k, v in times.items():
            print("  %-18s %7.3f s  (%s)" % (
                k, med[k], " ".join("%.3f" % x for x in v)))
        print("whole commands, less the process start, per named handle:")
        print("  find:      %.1f us (%d names)" % (find_us, named))
        print("  snapshot:  %.1f us (%d handles, %d processes)"
              % (snap_us, held, len(targets)))
        print("  ratio find / snapshot: %.2f" % (find_us / snap_us))
        find_us = (med["find"] - med["find-none"]) / named * 1e6
        snap_us = (med["snapshots"] - med["snapshots-no-names"]) / held * 1e6
        print("the names alone (less the same command without them):")
        print("  find:      %.1f us per named handle" % find_us)
        print("  snapshot:  %.1f us per named handle" % snap_us)
        print("  ratio find / snapshot: %.2f" % (find_us / snap_us))
        print("  load average: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        for t in targets:
            t.stop()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)


if __name__ == "__main__":
    main()
