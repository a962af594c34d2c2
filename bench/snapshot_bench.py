#!/usr/bin/env python3
"""Times `hleak snapshot` against a naive enumerator, under Wine.

Starts tests/target/hl-target.exe, has it open a mix of handles (by
default 20,000 unnamed events, 1,500 named events, 500 files, 200 registry
keys), then runs hleak.exe snapshot and bench/win/naive-enum.exe on it
alternately, and prints the median wall times, their ratio, the cost per
handle, the snapshot's bytes per handle and hleak's peak memory. It also
times hl_collect() inside one process (bench/win/collect-bench.exe) for
several thread counts, with File names on the timed worker and asked
directly, which is what the timeout guard costs. With
--scaling it repeats the comparison for targets of other sizes (the same
mix, scaled) to show how time grows.

    python3 bench/snapshot_bench.py [--runs 5] [--scaling 1000,10000,100000]
                                    [--threads 1,2,4] [--in-process t1,t2d]
                                    [--old-build BUILD]

--old-build times another win64 build's hleak.exe alternately with this
one on the main target and prints this build / old: what a change costs.

Peak memory is measured on the Linux side: the peak resident set (VmHWM)
of the Wine process that runs hleak.exe, which includes Wine's own
libraries. It is also given as the growth over a
snapshot of an almost empty target, which is what the handles cost.
"""

import argparse
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIX = (("event", 20000), ("named-event", 1500), ("file", 500), ("key", 200))
MIX_TOTAL = sum(n for _, n in MIX)


def wine_env():
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    return env


class Target:
    """hl-target.exe under Wine, driven over its line protocol."""

    def __init__(self, args, tag):
        self.proc = subprocess.Popen(
            [args.wine_run, args.target], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=wine_env())
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        words = self._line().split()
        if len(words) != 2 or words[0] != "ready":
            raise RuntimeError("hl-target did not start: %r" % words)
        self.pid = int(words[1])
        self.tag = tag
        self.keys = 0

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8").rstrip("\r\n"))
        self.lines.put(None)

    def _line(self):
        line = self.lines.get(timeout=120)
        if line is None:
            raise RuntimeError("hl-target exited")
        return line

    def batch(self, commands):
        """Sends every command, then reads every reply: one round trip."""
        self.proc.stdin.write("".join(c + "\n" for c in commands)
                              .encode("utf-8"))
        self.proc.stdin.flush()
        for c in commands:
            reply = self._line()
            if not reply.startswith("ok"):
                raise RuntimeError("%s: %s" % (c, reply))

    def open_mix(self, total, filedir_win):
        want = {k: max(1, n * total // MIX_TOTAL) for k, n in MIX}
        want["event"] = total - sum(v for k, v in want.items()
                                    if k != "event")
        cmds = []
        left = want["event"]
        while left > 0:
            cmds.append("open event %d" % min(100, left))
            left -= 100
        cmds += ["open named-event hleak-bench-%s-%d" % (self.tag, i)
                 for i in range(want["named-event"])]
        cmds += ["open file %s\\f%d.txt" % (filedir_win, i)
                 for i in range(want["file"])]
        cmds += ["open key Software\\hleak-bench-%s\\k%d" % (self.tag, i)
                 for i in range(want["key"])]
        self.keys = want["key"]
        for i in range(0, len(cmds), 500):
            self.batch(cmds[i:i + 500])

    def stop(self):
        try:
            if self.keys:
                self.batch(["delete-key Software\\hleak-bench-%s" % self.tag])
            self.proc.stdin.write(b"exit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)
        except Exception:
            self.proc.kill()
            self.proc.wait()


def live_args(doc, targets, **extra):
    """The options every Wine benchmark with hl-target processes takes
    (--build, --wine-run, --runs, --targets, and extra as name=default),
    parsed; args.target is the build's hl-target.exe, args.hleak its
    hleak.exe."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "win64"))
    ap.add_argument("--wine-run",
                    default=os.path.join(ROOT, "scripts", "wine-run"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--targets", type=int, default=targets)
    for name, default in extra.items():
        ap.add_argument("--" + name.replace("_", "-"), type=int,
                        default=default)
    args = ap.parse_args()
    args.target = os.path.join(args.build, "tests", "target", "hl-target.exe")
    args.hleak = os.path.join(args.build, "hleak.exe")
    return args


def timed(cmd):
    """Runs cmd; returns (wall seconds, stdout)."""
    t0 = time.perf_counter()
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=wine_env(), timeout=600)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (
            cmd, res.returncode, res.stderr.decode(errors="replace")))
    return dt, res.stdout.decode("utf-8", "replace")


def run_rss(cmd):
    """Runs cmd; returns the peak resident set (KiB) of its process, the
    VmHWM that Linux keeps in /proc/PID/status, read every 10 ms until it
    exits (the Wine process is the same PID all along: wine-run execs)."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=wine_env())
    peak = 0
    while p.poll() is None:
        try:
            with open("/proc/%d/status" % p.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.01)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d" % (cmd, p.returncode))
    return peak


def fnv1a(h, data):
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def snap_checksum(args, path):
    """count, named and checksum of a snapshot, as naive-enum computes."""
    res = subprocess.run([args.native_hleak, "show", "--json", path],
                         stdout=subprocess.PIPE, check=True)
    doc = json.loads(res.stdout)
    total = 0
    named = 0
    for h in doc["handles"]:
        nt = h.get("nt_name") or ""
        named += nt != ""
        x = fnv1a(0xcbf29ce484222325, ("%d " % h["handle"])
                  .encode())
        total = (total + fnv1a(x, nt.encode("utf-8"))) & 0xFFFFFFFFFFFFFFFF
    return len(doc["handles"]), named, "%016x" % total


def hleak_cmd(args, pid, out, threads, exe=None):
    cmd = [args.wine_run, exe or args.hleak, "snapshot", "-p", str(pid),
           "-o", out]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    return cmd


def hleak_key(threads):
    return "hleak-%s" % ("default" if threads is None else threads)


def compare(args, target, total, runs, workdir, threads_list):
    """Alternates hleak (each thread count) and naive runs on one target."""
    out = os.path.join(workdir, "t.snap")
    naive = [args.wine_run, args.naive, str(target.pid)]
    times = {"naive": []}
    for t in threads_list:
        times[hleak_key(t)] = []
    if args.old_hleak:
        times["old"] = []
    naive_line = None
    for _ in range(runs):
        dt, line = timed(naive)
        times["naive"].append(dt)
        naive_line = line.split()
        for t in threads_list:
            dt, _ = timed(hleak_cmd(args, target.pid, out, t))
            times[hleak_key(t)].append(dt)
        if args.old_hleak:
            # the build before a change, default threads, same target
            dt, _ = timed(hleak_cmd(args, target.pid, out + ".old",
                                    threads_list[0], args.old_hleak))
            times["old"].append(dt)
    count, named, checksum = snap_checksum(args, out)
    ncount, nnamed, nsum = (int(naive_line[1]), int(naive_line[3]),
                            naive_line[5])
    same = (count, named, checksum) == (ncount, nnamed, nsum)
    return {k: statistics.median(v) for k, v in times.items()}, {
        "count": count, "named": named, "same": same,
        "naive": (ncount, nnamed, nsum), "hleak": (count, named, checksum),
        "bytes": os.path.getsize(out)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "win64"))
    ap.add_argument("--native-build",
                    default=os.path.join(ROOT, "build", "native"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--count", type=int, default=MIX_TOTAL)
    ap.add_argument("--threads", default="default",
                    help="comma-separated --threads values for hleak; "
                    "'default' runs it without the option")
    ap.add_argument("--scaling", default="",
                    help="comma-separated target sizes, e.g. "
                    "1000,10000,100000")
    ap.add_argument("--scaling-runs", type=int, default=1)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--old-build", default="",
                    help="another win64 build directory whose hleak.exe "
                    "runs alternately with this one on the main target "
                    "(threads as the first --threads value): the ratio "
                    "new / old of a change")
    ap.add_argument("--in-process", default="t1,t2,t4,t1d,t2d",
                    help="collect-bench.exe configurations timed inside "
                    "one process on the main target: tN = N threads, "
                    "tNd = N threads with File names asked directly "
                    "(no timeout guard); empty to skip")
    args = ap.parse_args()
    args.wine_run = os.path.join(ROOT, "scripts", "wine-run")
    args.hleak = os.path.join(args.build, "hleak.exe")
    args.naive = os.path.join(args.build, "bench", "win", "naive-enum.exe")
    args.collect_bench = os.path.join(args.build, "bench", "win",
                                      "collect-bench.exe")
    args.target = os.path.join(args.build, "tests", "target",
                               "hl-target.exe")
    args.native_hleak = os.path.join(args.native_build, "hleak")
    args.old_hleak = (os.path.join(args.old_build, "hleak.exe")
                      if args.old_build else "")
    threads_list = [None if t == "default" else int(t)
                    for t in args.threads.split(",")]
    label = lambda t: "default" if t is None else str(t)

    workdir = tempfile.mkdtemp(prefix="hleak-bench-")
    filedir = os.path.join(workdir, "files")
    os.mkdir(filedir)
    filedir_win = subprocess.run(
        [args.wine_run, "winepath", "-w", filedir], stdout=subprocess.PIPE,
        env=wine_env(), check=True).stdout.decode().strip()
    try:
        target = Target(args, "main")
        try:
            target.open_mix(args.count, filedir_win)
            med, info = compare(args, target, args.count, args.runs, workdir,
                                threads_list)
            n = info["count"]
            print("hleak snapshot vs naive-enum, %d handles in the target "
                  "(%d with names), median of %d alternating runs"
                  % (n, info["named"], args.runs))
            print("  same handles and names: %s (count, named, checksum: "
                  "hleak %s, naive %s)" % ("yes" if info["same"] else "NO",
                                           info["hleak"], info["naive"]))
            print("  naive-enum      %7.3f s  %6.1f us per handle"
                  % (med["naive"], med["naive"] / n * 1e6))
            for t in threads_list:
                v = med[hleak_key(t)]
                print("  hleak threads=%-7s %7.3f s  %6.1f us per handle  "
                      "ratio %.2f" % (label(t), v, v / n * 1e6,
                                      v / med["naive"]))
            if args.old_hleak:
                v = med[hleak_key(threads_list[0])]
                print("  old build %-10s %7.3f s  this build / old: %.2f"
                      % (label(threads_list[0]), med["old"],
                         v / med["old"]))
            print("  snapshot file: %d bytes, %.1f bytes per handle"
                  % (info["bytes"], info["bytes"] / n))
            if args.in_process:
                res = subprocess.run(
                    [args.wine_run, args.collect_bench, str(target.pid),
                     str(args.runs)] + args.in_process.split(","),
                    stdout=subprocess.PIPE, env=wine_env(), check=True)
                print("  hl_collect() timed inside one process (no Wine "
                      "process start), median of %d:" % args.runs)
                for line in res.stdout.decode().splitlines():
                    w = line.split()
                    print("    %-4s %8.1f ms  %6.1f us per handle"
                          % (w[0], float(w[6]), float(w[8])))
        finally:
            target.stop()

        if args.scaling:
            print("scaling (median of %d run(s); wall time includes about "
                  "0.1 s of Wine process start)" % args.scaling_runs)
            print("  %8s %10s %10s %8s %12s %12s" % (
                "handles", "naive s", "hleak s", "ratio", "naive us/h",
                "hleak us/h"))
            for size in [int(x) for x in args.scaling.split(",")]:
                t = Target(args, "s%d" % size)
                try:
                    t.open_mix(size, filedir_win)
                    med, info = compare(args, t, size, args.scaling_runs,
                                        workdir, [threads_list[0]])
                    n = info["count"]
                    h = med[hleak_key(threads_list[0])]
                    print("  %8d %10.3f %10.3f %8.2f %12.1f %12.1f%s" % (
                        n, med["naive"], h, h / med["naive"],
                        med["naive"] / n * 1e6, h / n * 1e6,
                        "" if info["same"] else "  (handles differ!)"))
                finally:
                    t.stop()

        if not args.no_memory:
            out = os.path.join(workdir, "m.snap")
            small = Target(args, "m0")
            try:
                base = run_rss(hleak_cmd(args, small.pid, out,
                                         threads_list[0]))
            finally:
                small.stop()
            big = Target(args, "m1")
            try:
                big.open_mix(100000, filedir_win)
                peak = run_rss(hleak_cmd(args, big.pid, out,
                                         threads_list[0]))
            finally:
                big.stop()
            print("peak memory of hleak.exe (Linux VmHWM of its Wine "
                  "process): %.1f MiB on 100000 handles, %.1f MiB on an "
                  "almost empty target: the handles cost %.1f MiB"
                  % (peak / 1024, base / 1024, (peak - base) / 1024))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
