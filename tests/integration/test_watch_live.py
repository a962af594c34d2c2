#!/usr/bin/env python3
"""Live tests of how `hleak watch` ends: a gate with too few samples, a
closed output pipe, a bad output path, Ctrl+C and SIGTERM. hleak.exe runs
under Wine against hl-target's demo mode (leak-events), as in
test_live.py, whose helpers these tests reuse.

Usage: test_watch_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                          --wine-run SCRIPT [unittest args]
(the options of test_live.py, which parses them)
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import test_live
from test_live import REPLY_TIMEOUT, describe, wine, wine_env, winepath

def args():
    """The command line, parsed by test_live.main()."""
    return test_live.ARGS


# A watch that must stop must do so within this many seconds (Wine takes
# about one to start and one to stop a process).
STOP_WITHIN = 10


class WatchEnds(unittest.TestCase):

    maxDiff = None

    # test_live.LiveTest's helpers, borrowed rather than inherited so its
    # own tests do not run again here
    start_leaker = test_live.LiveTest.start_leaker
    watch_verdict = test_live.LiveTest.watch_verdict
    read_csv = test_live.LiveTest.read_csv
    csv_filetime = staticmethod(test_live.LiveTest.csv_filetime)
    read_svg = test_live.LiveTest.read_svg
    win = test_live.LiveTest.win

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-watch-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)

    def start_watch(self, pid, *extra):
        proc = subprocess.Popen(
            test_live.wrap([args().hleak, "watch", "-p", str(pid)]) +
            [str(a) for a in extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=wine_env())

        def kill():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            for f in (proc.stdout, proc.stderr):
                f.close()
        self.addCleanup(kill)
        return proc

    def wait_rows(self, name, n):
        """Waits until the streamed CSV holds n samples; returns them."""
        deadline = time.monotonic() + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                _, rows = self.read_csv(name)
                if len(rows) >= n:
                    return rows
            except (OSError, IndexError, AssertionError, ValueError):
                pass
            time.sleep(0.1)
        self.fail("%s never had %d rows" % (name, n))

    def test_gate_with_too_few_samples_cannot_pass(self):
        _, pid, _ = self.start_leaker(6000, 100)
        # planned for 100 samples, cut short by Ctrl+C after 2 (plus the
        # closing one): the gate has 3 or 4 samples to judge by
        watch = self.start_watch(pid, "--interval", "1s",
                                 "--samples", "100", "--csv",
                                 self.win("g.csv"), "--fail-on-growth",
                                 "10")
        self.wait_rows("g.csv", 2)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=STOP_WITHIN)
        res = subprocess.CompletedProcess(watch.args, watch.returncode,
                                          out, err)
        err = err.decode("utf-8", "replace")
        self.assertEqual(res.returncode, 4, describe(res))
        self.assertRegex(err, r"cannot judge growth: [34] samples, the "
                         r"trend needs at least 5")
        verdict = self.watch_verdict(res)
        # unknown, but the rate is measured and shown: the least-squares
        # slope of the samples the CSV holds (the leaker's own pace under
        # a loaded machine is not the test's business, so no fixed range)
        self.assertEqual(verdict["Event"][0], "unknown", verdict)
        _, rows = self.read_csv("g.csv")
        self.assertIn(len(rows), (3, 4), rows)
        xs = [r[1] for r in rows]
        ys = [r[2]["Event"] for r in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        slope = 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
        self.assertGreater(ys[-1], ys[0], rows)
        # the CSV's times are rounded to the millisecond, the report's
        # rate to 0.1/min: 2% covers both
        self.assertAlmostEqual(verdict["Event"][1], slope,
                               delta=0.2 + 0.02 * abs(slope),
                               msg=(verdict, rows))

        # a gate that could not judge even as planned: refused up front
        res = wine(args().hleak, "watch", "-p", pid, "--samples", "4",
                   "--fail-on-growth", "10")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertEqual(res.stdout, b"")
        # without a gate, too few samples is a note and exit 0
        res = wine(args().hleak, "watch", "-p", pid, "--samples", "2",
                   "--interval", "300ms")
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("2 samples: too few to tell growing from stable",
                      res.stderr.decode("utf-8", "replace"))
        # and with enough samples the gate judges (and fails) as before
        res = wine(args().hleak, "watch", "-p", pid, "--samples", "6",
                   "--interval", "300ms", "--fail-on-growth", "Event=10")
        self.assertEqual(res.returncode, 1, describe(res))

    def test_closed_pipe_stops_the_watch(self):
        _, pid, _ = self.start_leaker(600, 100)
        watch = self.start_watch(pid, "--interval", "100ms",
                                 "--csv", self.win("p.csv"),
                                 "--svg", self.win("p.svg"))
        # `hleak watch | head -2`: two lines, then the reader is gone
        for _ in range(2):
            self.assertTrue(watch.stdout.readline().startswith(b"t="))
        watch.stdout.close()
        start = time.monotonic()
        try:
            rc = watch.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.fail("watch still runs %d s after its output closed"
                      % STOP_WITHIN)
        err = watch.stderr.read().decode("utf-8", "replace")
        sys.stderr.write("watch stopped %.1f s after the pipe closed\n"
                         % (time.monotonic() - start))
        self.assertEqual(rc, 3, err)
        self.assertIn("cannot write output", err)
        # the files are written all the same
        _, rows = self.read_csv("p.csv")
        self.assertGreaterEqual(len(rows), 2)
        lines, _ = self.read_svg("p.svg")
        self.assertIn("Event", lines)

    def test_bad_output_path_fails_before_the_first_sample(self):
        _, pid, _ = self.start_leaker(600, 100)
        os.mkdir(os.path.join(self.dir, "a-folder"))
        for opt, path, msg in (
                ("--csv", "no-such\\w.csv", "cannot write CSV file"),
                ("--csv", "a-folder", "cannot write CSV file"),
                ("--svg", "no-such\\w.svg", "cannot write SVG file"),
                ("--keep", "no-such\\keep", "cannot create folder")):
            with self.subTest(opt=opt, path=path):
                start = time.monotonic()
                # an hour of samples, unless the path stops it at once
                res = wine(args().hleak, "watch", "-p", pid, "--interval",
                           "1s", "--duration", "1h", opt, self.win(path))
                took = time.monotonic() - start
                err = res.stderr.decode("utf-8", "replace")
                self.assertEqual(res.returncode, 3, describe(res))
                self.assertIn("%s '%s'" % (msg, self.win(path)), err)
                self.assertEqual(res.stdout, b"", "sampled before failing")
                self.assertLess(took, STOP_WITHIN)
        self.assertEqual(os.listdir(os.path.join(self.dir, "a-folder")), [])

    def test_ctrl_c_writes_verdict_and_files(self):
        """Wine turns SIGINT into CTRL_C_EVENT: the path every console
        event that hleak catches takes (docs/verification.md)."""
        _, pid, _ = self.start_leaker(6000, 100)
        watch = self.start_watch(pid, "--interval", "200ms",
                                 "--csv", self.win("c.csv"),
                                 "--svg", self.win("c.svg"),
                                 "--keep", self.win("keep"),
                                 "--fail-on-growth", "Event=10")
        seen = self.wait_rows("c.csv", 8)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=STOP_WITHIN)
        res = subprocess.CompletedProcess(watch.args, watch.returncode,
                                          out, err)
        self.assertEqual(res.returncode, 1, describe(res))
        verdict = self.watch_verdict(res)
        self.assertEqual(verdict["Event"][0], "growing", verdict)
        types, rows = self.read_csv("c.csv")
        # every row streamed before the signal, and the closing sample
        self.assertEqual(rows[:len(seen)], seen)
        self.assertEqual(len(rows), len([
            l for l in out.decode("utf-8").splitlines()
            if l.startswith("t=")]) + 1)
        lines, _ = self.read_svg("c.svg")
        self.assertEqual(sorted(lines), types)
        for snap in ("first.snap", "last.snap"):
            self.assertTrue(os.path.isfile(os.path.join(self.dir, "keep",
                                                        snap)), snap)

    def test_sigterm_leaves_the_rows_so_far(self):
        """Wine ends a console program on SIGTERM without a console event
        (its SIGTERM handler aborts the process), so hleak cannot answer
        it there: what must hold is that the CSV streamed so far is on
        disk, whole. Should the signal reach hleak as a request to stop,
        it must stop as on Ctrl+C."""
        _, pid, _ = self.start_leaker(6000, 100)
        watch = self.start_watch(pid, "--interval", "200ms",
                                 "--csv", self.win("t.csv"))
        seen = self.wait_rows("t.csv", 5)
        watch.send_signal(signal.SIGTERM)
        out, err = watch.communicate(timeout=STOP_WITHIN)
        sys.stderr.write("watch after SIGTERM: exit %d\n" % watch.returncode)
        _, rows = self.read_csv("t.csv")
        self.assertEqual(rows[:len(seen)], seen)
        if watch.returncode == -signal.SIGTERM:
            return
        res = subprocess.CompletedProcess(watch.args, watch.returncode,
                                          out, err)
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("verdict after", out.decode("utf-8"))


if __name__ == "__main__":
    # test_live's own command line and runner: the tests here read its
    # ARGS, so both files take the same options
    test_live.main()
