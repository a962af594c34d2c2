#!/usr/bin/env python3
"""Live tests of `hleak ps`: several real hl-target processes holding known
handle counts, under Wine, with test_live.py's helpers (Target, the
leaker of its demo mode). Counts must equal an independent per-process
count (`hleak snapshot -p PID`, and the target's own probe), the order
must follow them, growth ranking must find the one process that leaks,
and a process that exits or starts while sampling is shown as such.

Usage: test_ps_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                       --wine-run SCRIPT [unittest args]
(the options of test_live.py, which parses them)
"""

import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import test_live
from test_live import REPLY_TIMEOUT, Target, describe, wine, wine_env, \
    winepath


def args():
    """The command line, parsed by test_live.main()."""
    return test_live.ARGS


# Events each steady target holds on top of its own handles: distinct, so
# the order of the targets in `ps` is known.
EVENTS = (40, 160, 320)


def open_events(target, n):
    """n unnamed events in target (it opens at most 100 a command)."""
    while n > 0:
        target.open("event %d" % min(n, 100))
        n -= min(n, 100)


class PsLive(unittest.TestCase):

    maxDiff = None
    start_leaker = test_live.LiveTest.start_leaker
    win = test_live.LiveTest.win

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-ps-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)

    def targets(self, events):
        out = []
        for n in events:
            t = Target(self.dir)
            self.addCleanup(t.stop)
            open_events(t, n)
            out.append(t)
        return out

    def ps_json(self, *extra):
        res = wine(args().hleak, "ps", "--json", *extra)
        self.assertEqual(res.returncode, 0, describe(res))
        return json.loads(res.stdout.decode("utf-8")), res

    def snapshot_count(self, pid):
        name = "p%d.snap" % pid
        res = wine(args().hleak, "snapshot", "-p", pid, "-o", self.win(name))
        self.assertEqual(res.returncode, 0, describe(res))
        res = wine(args().hleak, "show", "--json", self.win(name))
        self.assertEqual(res.returncode, 0, describe(res))
        doc = json.loads(res.stdout.decode("utf-8"))
        return len(doc["handles"]), doc

    def test_counts_equal_independent_counts(self):
        ts = self.targets(EVENTS)
        doc, res = self.ps_json("--types")
        rows = {p["pid"]: p for p in doc["processes"]}
        for t, n in zip(ts, EVENTS):
            self.assertIn(t.pid, rows, describe(res))
            row = rows[t.pid]
            self.assertEqual(row["image"].lower(), "hl-target.exe")
            snap, _ = self.snapshot_count(t.pid)
            # the target is idle: ps, the snapshot and its own probe see
            # the same handles
            self.assertEqual(row["handles"], snap, row)
            self.assertEqual(row["handles"], t.count(), row)
            self.assertGreaterEqual(row["types"].get("Event", 0), n, row)
            self.assertEqual(sum(row["types"].values()), row["handles"])
            # Wine counts no GUI objects: unknown, never a false 0
            self.assertIsNone(row["gdi"], row)
            self.assertIsNotNone(row["start_time"], row)

    def test_order_and_top(self):
        ts = self.targets(EVENTS)
        doc, res = self.ps_json()
        counts = [p["handles"] for p in doc["processes"]
                  if p["handles"] is not None]
        self.assertEqual(counts, sorted(counts, reverse=True))
        pids = [p["pid"] for p in doc["processes"]]
        mine = [p for p in pids if p in {t.pid for t in ts}]
        self.assertEqual(mine, [t.pid for t in reversed(ts)], describe(res))
        # the most events make the top process of the whole system here
        top, res = self.ps_json("--top", "1")
        self.assertEqual([p["pid"] for p in top["processes"]], [ts[-1].pid],
                         describe(res))
        text = wine(args().hleak, "ps", "--top", "3", "--sort", "pid")
        self.assertEqual(text.returncode, 0, describe(text))
        lines = text.stdout.decode("utf-8").splitlines()
        self.assertEqual(lines[0].split()[:4],
                         ["PID", "HANDLES", "GDI", "USER"])
        listed = [int(line.split()[0]) for line in lines[1:]]
        self.assertEqual(len(listed), 3)
        self.assertEqual(listed, sorted(listed))
        self.assertIn(" - ", lines[1], "GDI unknown shows as '-'")

    def test_csv(self):
        ts = self.targets(EVENTS[:1])
        res = wine(args().hleak, "ps", "--csv", "--types")
        self.assertEqual(res.returncode, 0, describe(res))
        lines = res.stdout.decode("utf-8").split("\r\n")
        head = lines[0].split(",")
        self.assertEqual(head[:6], ["pid", "image", "start_time", "handles",
                                    "gdi", "user"])
        self.assertIn("Event", head)
        row = [line.split(",") for line in lines[1:]
               if line.startswith("%d," % ts[0].pid)][0]
        self.assertEqual(row[4:6], ["", ""], "unknown GDI/USER are empty")
        self.assertGreaterEqual(int(row[head.index("Event")]), EVENTS[0])

    def test_growth_ranking_finds_the_leaker(self):
        ts = self.targets(EVENTS[:2])
        _, leaker, _ = self.start_leaker(100000, 20)
        res = wine(args().hleak, "ps", "--interval", "500ms", "--samples",
                   "8", "--types")
        self.assertEqual(res.returncode, 0, describe(res))
        out = res.stdout.decode("utf-8")
        last = out.strip().splitlines()[-1]
        m = re.match(r"top grower: hl-target\.exe \(pid (\d+)\) "
                     r"\+(\d+) handles/min, Event \+(\d+)/min$", last)
        self.assertTrue(m, describe(res))
        self.assertEqual(int(m.group(1)), leaker, describe(res))
        self.assertGreater(int(m.group(2)), 300, describe(res))
        # one plain line per sample in a pipe
        self.assertEqual(len(re.findall(r"^sample \d+ t=", out, re.M)), 8)
        doc, res = self.ps_json("--interval", "500ms", "--samples", "6")
        rows = {p["pid"]: p for p in doc["processes"]}
        self.assertEqual(doc["processes"][0]["pid"], leaker, describe(res))
        for t in ts:
            self.assertEqual(rows[t.pid]["per_minute"], 0.0, rows[t.pid])
            self.assertEqual(rows[t.pid]["delta"], 0)
            self.assertEqual(rows[t.pid]["status"], "running")

    def test_exit_and_start_while_sampling(self):
        (t,) = self.targets(EVENTS[:1])
        proc = subprocess.Popen(
            test_live.wrap([args().hleak, "ps", "--interval", "500ms",
                            "--samples", "12"]),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=wine_env())
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        lines = queue.Queue()

        def read():
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8").rstrip("\r\n"))
            lines.put(None)
        threading.Thread(target=read, daemon=True).start()
        seen = []

        def wait_samples(n):
            deadline = time.monotonic() + REPLY_TIMEOUT
            while time.monotonic() < deadline:
                line = lines.get(timeout=REPLY_TIMEOUT)
                self.assertIsNotNone(line, "\n".join(seen))
                seen.append(line)
                if len(re.findall(r"^sample ", "\n".join(seen), re.M)) >= n:
                    return
            self.fail("ps printed too few samples: %s" % seen)
        wait_samples(2)
        t.stop()
        newcomer = Target(self.dir)
        self.addCleanup(newcomer.stop)
        while True:
            line = lines.get(timeout=REPLY_TIMEOUT)
            if line is None:
                break
            seen.append(line)
        proc.wait(timeout=REPLY_TIMEOUT)
        err = proc.stderr.read().decode("utf-8", "replace")
        proc.stderr.close()
        out = "\n".join(seen)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertNotIn("error", err)
        self.assertIn("exited: hl-target.exe (pid %d)" % t.pid, out)
        self.assertIn("new: hl-target.exe (pid %d)" % newcomer.pid, out)
        table = [line.split() for line in seen
                 if re.match(r"^ *%d " % t.pid, line)]
        self.assertEqual(table[-1][4], "exited", out)
        table = [line.split() for line in seen
                 if re.match(r"^ *%d " % newcomer.pid, line)]
        self.assertEqual(table[-1][4], "new", out)

    def test_bad_sort_and_options(self):
        res = wine(args().hleak, "ps", "--sort", "size")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("invalid --sort 'size': one of handles, gdi, user, "
                      "pid, name expected", res.stderr.decode("utf-8"))
        self.assertEqual(res.stdout, b"")
        res = wine(args().hleak, "ps", "--interval", "1s", "--sort", "pid")
        self.assertEqual(res.returncode, 2, describe(res))
        res = wine(args().hleak, "ps", "--json", "--csv")
        self.assertEqual(res.returncode, 2, describe(res))
        res = wine(args().hleak, "ps", "--no-gui", "--sort", "gdi")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("--sort gdi needs the GUI counts that --no-gui leaves "
                      "out", res.stderr.decode("utf-8"))

    def test_no_gui_keeps_handle_counts(self):
        ts = self.targets(EVENTS[:1])
        doc, res = self.ps_json("--no-gui")
        rows = {p["pid"]: p for p in doc["processes"]}
        self.assertEqual(rows[ts[0].pid]["handles"], ts[0].count(),
                         describe(res))
        self.assertTrue(all(p["gdi"] is None and p["user"] is None
                            for p in doc["processes"]), describe(res))


if __name__ == "__main__":
    test_live.main()
