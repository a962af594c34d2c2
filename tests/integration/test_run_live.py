#!/usr/bin/env python3
"""Live tests of `hleak run -- PROGRAM` under Wine: hl-run-target (built
beside hl-target) marks checkpoints with the documented string, leaks a
known number of events and files, fails, never marks a checkpoint, or
runs until Ctrl+C.

Usage: test_run_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                        --wine-run SCRIPT [unittest args]
(the options of test_live.py, which parses them)
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import test_live
from test_live import describe, wine, wine_env, winepath

# A run that must end does so within this many seconds.
STOP_WITHIN = 20


def run_target():
    """hl-run-target, beside hl-target (tests/target/CMakeLists.txt)."""
    here = os.path.dirname(os.path.abspath(test_live.ARGS.target))
    name = "hl-run-target" + os.path.splitext(test_live.ARGS.target)[1]
    return os.path.join(here, name)


class RunLive(unittest.TestCase):

    maxDiff = None

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-run-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)
        self.target = winepath(run_target())

    def win(self, name):
        return self.windir + "\\" + name

    def run_hleak(self, *opts_and_program):
        """hleak run OPTS -- hl-run-target ARGS; '--' splits the two."""
        i = opts_and_program.index("--")
        return wine(test_live.ARGS.hleak, "run", *opts_and_program[:i],
                    "--", self.target, *opts_and_program[i + 1:],
                    cwd=self.dir)

    def opened(self, res):
        doc = json.loads(res.stdout.decode("utf-8"))
        return doc, {g["type"]: g["count"] for g in doc["opened"]}

    def test_leak_reported_exactly_exit_1(self):
        res = self.run_hleak("--json", "--fail-on", "Event=4",
                             "--fail-on", "File=2", "--", "leak", "5", "3")
        self.assertEqual(res.returncode, 1, describe(res))
        doc, opened = self.opened(res)
        self.assertEqual(opened.get("Event"), 5, opened)
        self.assertEqual(opened.get("File"), 3, opened)
        files = [g for g in doc["opened"] if g["type"] == "File"][0]
        self.assertIn("hl-run-target-{n}-{n}.tmp", files["pattern"])
        self.assertTrue(doc["gate"]["failed"])
        err = res.stderr.decode("utf-8")
        self.assertIn("checkpoint 1 'warm'", err)
        self.assertIn("checkpoint 2 'done'", err)
        self.assertIn("exited with code 0", err)
        # the same leak under a gate it stays within
        res = self.run_hleak("--fail-on", "Event=5", "--fail-on", "File=3",
                             "--", "leak", "5", "3")
        self.assertEqual(res.returncode, 0, describe(res))

    def test_hl_checkpoint_of_libhleak(self):
        lib = winepath(run_target().replace("hl-run-target", "hl-run-lib"))
        res = wine(test_live.ARGS.hleak, "run", "--json", "--", lib, "4",
                   cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        _, opened = self.opened(res)
        self.assertEqual(opened.get("Event"), 4, opened)
        err = res.stderr.decode("utf-8")
        self.assertIn("checkpoint 2 'done'", err)
        # hl_checkpoint(NULL): a checkpoint with no label, the final one
        self.assertIn("checkpoint 3: ", err)
        self.assertIn("compared checkpoint 1 'warm' with checkpoint 3", err)
        # alone, no debugger: it runs through
        res = wine(lib, "4")
        self.assertEqual(res.returncode, 0, describe(res))

    def test_no_leak_exit_0(self):
        res = self.run_hleak("--json", "--fail-on-new", "0", "--",
                             "clean")
        self.assertEqual(res.returncode, 0, describe(res))
        _, opened = self.opened(res)
        self.assertEqual(opened, {})

    def test_failing_program_exit_5_with_its_code(self):
        res = self.run_hleak("--fail-on-new", "0", "--", "fail", "7")
        self.assertEqual(res.returncode, 5, describe(res))
        self.assertIn("exited with code 7", res.stderr.decode("utf-8"))
        self.assertIn("verdict:", res.stdout.decode("utf-8"))

    def test_time_fallback(self):
        res = self.run_hleak("--json", "--warmup", "500ms", "--every",
                             "300ms", "--fail-on", "Event=3", "--",
                             "nocheck", "4")
        self.assertEqual(res.returncode, 1, describe(res))
        _, opened = self.opened(res)
        self.assertEqual(opened.get("Event"), 4, opened)
        self.assertIn("no checkpoint marked: compared by time",
                      res.stderr.decode("utf-8"))
        # not debugged: time points only, the same verdict
        res = self.run_hleak("--json", "--no-debug", "--warmup", "500ms",
                             "--every", "300ms", "--", "nocheck", "4")
        self.assertEqual(res.returncode, 0, describe(res))
        _, opened = self.opened(res)
        self.assertEqual(opened.get("Event"), 4, opened)

    def test_nothing_to_compare_exit_4(self):
        # one checkpoint and no time left for a second point: "fail 0"
        # marks two, so a warm-up longer than the run is what leaves one
        res = self.run_hleak("--no-debug", "--warmup", "30s", "--",
                             "fail", "0")
        self.assertEqual(res.returncode, 4, describe(res))
        self.assertIn("fewer than two points", res.stderr.decode("utf-8"))

    def test_missing_program_exit_3(self):
        res = wine(test_live.ARGS.hleak, "run", "--",
                   self.win("no-such-program.exe"))
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("cannot start", res.stderr.decode("utf-8"))

    def test_other_strings_ignored_shown_with_verbose(self):
        res = self.run_hleak("--fail-on-new", "0", "--", "noise")
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertNotIn("hello from the program",
                         res.stderr.decode("utf-8"))
        res = self.run_hleak("-v", "--fail-on-new", "0", "--", "noise")
        self.assertEqual(res.returncode, 0, describe(res))
        err = res.stderr.decode("utf-8")
        self.assertIn("program: hello from the program", err)
        # the 70000-byte string is cut, not a checkpoint: two remain
        self.assertIn("checkpoint 2 'done'", err)
        self.assertNotIn("checkpoint 3", err)

    def test_ctrl_c_still_gives_the_verdict(self):
        proc = subprocess.Popen(
            test_live.wrap([test_live.ARGS.hleak, "run", "--json",
                            "--fail-on", "Event=0", "--", self.target,
                            "long", "3"]),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=wine_env())
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        time.sleep(4)  # both checkpoints are marked within the first second
        self.assertIsNone(proc.poll(), "run ended before Ctrl+C")
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=STOP_WITHIN)
        res = subprocess.CompletedProcess(proc.args, proc.returncode, out,
                                          err)
        self.assertLess(time.monotonic() - start, STOP_WITHIN)
        self.assertEqual(res.returncode, 1, describe(res))
        self.assertIn("interrupted", err.decode("utf-8"))
        _, opened = self.opened(res)
        self.assertEqual(opened.get("Event"), 3, opened)

    def test_trace_not_supported_on_wine_run_goes_on(self):
        res = self.run_hleak("--trace", "--fail-on", "Event=0", "--",
                             "leak", "2", "0")
        self.assertEqual(res.returncode, 1, describe(res))
        self.assertIn("handle tracing is not supported",
                      res.stderr.decode("utf-8"))

    def test_junit_and_keep(self):
        keep = os.path.join(self.dir, "keep")
        os.mkdir(keep)
        res = self.run_hleak("--fail-on-new", "0", "--junit",
                             self.win("j.xml"), "--keep", self.win("keep"),
                             "--", "leak", "2", "0")
        self.assertEqual(res.returncode, 1, describe(res))
        suite = ET.parse(os.path.join(self.dir, "j.xml")).getroot() \
            .find("testsuite")
        cases = [c.get("name") for c in suite.iter("testcase")]
        self.assertEqual(cases, ["fail-on-new"])
        self.assertIsNotNone(suite.find("testcase").find("failure"))
        self.assertEqual(sorted(os.listdir(keep)), ["001.snap", "002.snap"])
        # nothing else left behind without --keep
        self.assertEqual(sorted(os.listdir(self.dir)), ["j.xml", "keep"])

    def csv_rows(self, name):
        with open(os.path.join(self.dir, name), newline="") as f:
            return list(csv.DictReader(f))

    def test_growth_gate_fails_a_leak_that_grows(self):
        # 2 events every 100 ms for 3 s, snapshots every 200 ms: no
        # checkpoint, yet the series says the events grow
        res = self.run_hleak("--every", "200ms", "--warmup", "200ms",
                             "--fail-on-growth", "Event=60",
                             "--csv", self.win("g.csv"),
                             "--svg", self.win("g.svg"),
                             "--junit", self.win("g.xml"),
                             "--sarif", self.win("g.sarif"),
                             "--", "grow", "2", "3000")
        self.assertEqual(res.returncode, 1, describe(res))
        # the reports carry the growth gate, not only the exit status
        with open(os.path.join(self.dir, "g.xml"), encoding="utf-8") as f:
            junit = f.read()
        self.assertIn('tests="1" failures="1"', junit)
        self.assertIn('name="fail-on-growth Event"', junit)
        self.assertIn('message="Event grows by', junit)
        with open(os.path.join(self.dir, "g.sarif"), encoding="utf-8") as f:
            results = json.load(f)["runs"][0]["results"]
        growth = [r for r in results if r["ruleId"] == "HL0005"]
        self.assertEqual([(r["kind"], r["level"]) for r in growth],
                         [("fail", "error")], growth)
        self.assertGreater(growth[0]["properties"]["rate_per_min"], 60)
        out, err = res.stdout.decode("utf-8"), res.stderr.decode("utf-8")
        self.assertIn("verdict after", out)
        event = [l for l in out.splitlines() if l.split()[:1] == ["Event"]]
        self.assertEqual(len(event), 1, out)
        self.assertIn("growing", event[0])
        self.assertIn("Event grows by", err)
        rows = self.csv_rows("g.csv")
        self.assertGreaterEqual(len(rows), 10, rows)
        counts = [int(r["Event"]) for r in rows]
        self.assertEqual(counts, sorted(counts))
        self.assertGreaterEqual(counts[-1] - counts[0], 40, counts)
        # the diff of the same run's first and last rows
        self.assertIn("+%d  Event" % (counts[-1] - counts[0]), out)
        with open(os.path.join(self.dir, "g.svg"), encoding="utf-8") as f:
            self.assertIn("<svg", f.read())
        # a limit over the measured rate (about 1200/min) passes
        res = self.run_hleak("--every", "200ms", "--warmup", "200ms",
                             "--fail-on-growth", "Event=100000", "--",
                             "grow", "2", "3000")
        self.assertEqual(res.returncode, 0, describe(res))

    def test_growth_gate_passes_a_cache_that_levels_off(self):
        # 30 events opened in the first 500 ms, then held for 2.5 s: the
        # diff (baseline at 200 ms) sees some opened and still open, the
        # growth verdict sees them level off
        res = self.run_hleak("--json", "--every", "200ms", "--warmup",
                             "200ms", "--fail-on-growth", "Event=60",
                             "--csv", self.win("c.csv"), "--",
                             "plateau", "30", "2500")
        self.assertEqual(res.returncode, 0, describe(res))
        _, opened = self.opened(res)  # stdout stays one JSON document
        err = res.stderr.decode("utf-8")
        event = [l for l in err.splitlines() if l.split()[:1] == ["Event"]]
        self.assertEqual(len(event), 1, err)
        self.assertIn("stable", event[0])
        self.assertIn("levelled off", event[0])
        rows = self.csv_rows("c.csv")
        self.assertGreaterEqual(len(rows), 10, rows)
        first, last = int(rows[0]["Event"]), int(rows[-1]["Event"])
        self.assertGreater(last - first, 0, rows)
        self.assertEqual(opened.get("Event"), last - first, opened)
        self.assertEqual(int(rows[-2]["Event"]), last)

    def test_growth_too_few_samples_exit_4(self):
        # snapshots at 0.2, 0.6, 1.0 s... of a 1.5 s run: under five
        res = self.run_hleak("--every", "400ms", "--warmup", "200ms",
                             "--fail-on-growth", "Event=60",
                             "--junit", self.win("u.xml"), "--",
                             "plateau", "10", "1000")
        self.assertEqual(res.returncode, 4, describe(res))
        self.assertIn("cannot judge growth", res.stderr.decode("utf-8"))
        # the report says it could not judge: an error, not a pass
        with open(os.path.join(self.dir, "u.xml"), encoding="utf-8") as f:
            junit = f.read()
        self.assertIn('failures="0" errors="1"', junit)
        self.assertIn('<error type="unjudged" message="cannot judge '
                      'growth', junit)
        # without the gate the same run passes, and says why it could
        # not classify
        res = self.run_hleak("--every", "400ms", "--warmup", "200ms", "--",
                             "plateau", "10", "1000")
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("too few to tell growing from stable",
                      res.stderr.decode("utf-8"))
        # and prints no table of "unknown" rows
        self.assertNotIn("verdict after", res.stdout.decode("utf-8"))

    def test_checkpoints_are_samples_of_the_series(self):
        res = self.run_hleak("--csv", self.win("k.csv"), "--", "leak", "5",
                             "3")
        self.assertEqual(res.returncode, 0, describe(res))
        rows = self.csv_rows("k.csv")
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual(int(rows[1]["Event"]) - int(rows[0]["Event"]), 5)
        self.assertEqual(int(rows[1]["File"]) - int(rows[0]["File"]), 3)


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__))
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
