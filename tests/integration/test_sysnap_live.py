#!/usr/bin/env python3
"""Live tests of whole-system snapshots (`hleak snapshot --all`, then
`show` and `diff` of them): real hl-target processes under Wine, with
test_live.py's helpers. Between two snapshots one target opens a known
number of events while two others stay idle, one exits and one starts:
the diff must name exactly the one that leaked, with Event, fail the gate
below the leak and pass it above, and list the exited and the started
target apart.

Usage: test_sysnap_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                           --wine-run SCRIPT [unittest args]
(the options of test_live.py, which parses them)
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import test_live
from test_live import Target, describe, wine, winepath
from test_ps_live import open_events

# Events the leaking target opens between the two snapshots, and what
# each idle one holds throughout.
LEAK = 75
STEADY = (40, 160)
# Named events the leaking target opens between two snapshots with names.
LEAK_NAMED = 12


def args():
    return test_live.ARGS


class SystemSnapshotLive(unittest.TestCase):

    maxDiff = None
    win = test_live.LiveTest.win

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-sysnap-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)

    def target(self, events=0):
        t = Target(self.dir)
        self.addCleanup(t.stop)
        # one command first: whatever the target opens lazily on its first
        # command is open before the first snapshot
        t.open("event 1")
        open_events(t, events)
        return t

    def snapshot_all(self, name, *extra):
        res = wine(args().hleak, "snapshot", "--all", "-o", self.win(name),
                   *extra)
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertRegex(res.stderr.decode("utf-8"),
                         r"wrote .*%s \(\d+ processes, \d+ handles" %
                         re.escape(name))
        return name

    def diff(self, *argv):
        res = wine(args().hleak, "diff", *[self.win(a) if a.endswith(
            ".snap") else a for a in argv])
        return res, res.stdout.decode("utf-8"), res.stderr.decode("utf-8")

    def test_diff_names_the_leaking_process(self):
        steady = [self.target(n) for n in STEADY]
        leaky = self.target()
        leaving = self.target(5)
        self.snapshot_all("before.snap")
        open_events(leaky, LEAK)
        leaving.stop()
        newcomer = self.target()
        self.snapshot_all("after.snap")

        res, out, err = self.diff("--json", "before.snap", "after.snap")
        self.assertEqual(res.returncode, 0, describe(res))
        doc = json.loads(out)
        rows = {p["pid"]: p for p in doc["processes"]}
        top = doc["processes"][0]
        self.assertEqual(top["pid"], leaky.pid, describe(res))
        self.assertEqual(top["image"].lower(), "hl-target.exe")
        self.assertEqual(top["grew"]["Event"]["after"] -
                         top["grew"]["Event"]["before"], LEAK, top)
        self.assertEqual(top["growth"], LEAK, top)
        self.assertEqual(top["after"], leaky.count(), top)
        for t in steady:
            self.assertEqual(rows[t.pid]["growth"], 0, rows[t.pid])
            self.assertEqual(rows[t.pid]["after"], t.count())
        # exited and started apart, never as growth
        self.assertNotIn(leaving.pid, rows)
        self.assertNotIn(newcomer.pid, rows)
        self.assertIn(leaving.pid, [p["pid"] for p in doc["exited"]])
        self.assertIn(newcomer.pid, [p["pid"] for p in doc["started"]])
        # nothing else on the system grew like it
        self.assertTrue(all(p["growth"] < LEAK
                            for p in doc["processes"][1:]), out)

        res, out, err = self.diff("--fail-on-new", str(LEAK - 1),
                                  "before.snap", "after.snap")
        self.assertEqual(res.returncode, 1, describe(res))
        fails = re.findall(r"^gate failed: .*$", out, re.M)
        self.assertEqual(fails, ["gate failed: --fail-on-new %d: pid %d "
                                 "(hl-target.exe) grew by %d handles, most "
                                 "Event (+%d)" % (LEAK - 1, leaky.pid, LEAK,
                                                  LEAK)], out)
        self.assertRegex(out, r"verdict: most growth: pid %d "
                              r"\(hl-target\.exe\) \+%d \(Event \+%d\)"
                         % (leaky.pid, LEAK, LEAK))
        res, out, _ = self.diff("--fail-on-new", str(LEAK), "before.snap",
                                "after.snap")
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("gates passed", out)
        res, out, _ = self.diff("--fail-on", "Event=%d" % (LEAK - 1),
                                "before.snap", "after.snap")
        self.assertEqual(res.returncode, 1, describe(res))
        self.assertIn("pid %d (hl-target.exe) gained %d Event handles"
                      % (leaky.pid, LEAK), out)
        # the text lists the two targets in their sections
        res, out, _ = self.diff("before.snap", "after.snap")
        started = out.split("started (not in BEFORE)")[1].split("exited")[0]
        exited = out.split("exited (not in AFTER)")[1]
        self.assertRegex(started, r"\n +%d +\d+  hl-target\.exe"
                         % newcomer.pid)
        self.assertRegex(exited, r"\n +%d +\d+  hl-target\.exe"
                         % leaving.pid)
        # swapped: refused
        res, _, err = self.diff("after.snap", "before.snap")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("swapped inputs?", err)
        self.check_ci_reports(leaky, leaving, newcomer, steady)

    def check_ci_reports(self, leaky, leaving, newcomer, steady):
        """--junit and --sarif of the same live pair: one case / result
        per gate and process; the leaker fails both gates, the idle
        targets pass, the exited and the started one are skipped, never
        passed; a second run writes the same bytes."""
        import xml.etree.ElementTree as ET
        files = []
        for run in (1, 2):
            junit, sarif = "j%d.xml" % run, "s%d.json" % run
            res, _, err = self.diff("--fail-on-new", str(LEAK - 1),
                                    "--fail-on", "Event=%d" % (LEAK - 1),
                                    "--junit", self.win(junit), "--sarif",
                                    self.win(sarif), "before.snap",
                                    "after.snap")
            self.assertEqual(res.returncode, 1, describe(res))
            with open(os.path.join(self.dir, junit), "rb") as f:
                jb = f.read()
            with open(os.path.join(self.dir, sarif), "rb") as f:
                sb = f.read()
            files.append((jb, sb))
        self.assertEqual(files[0], files[1])
        jb, sb = files[0]
        suite = ET.fromstring(jb).find("testsuite")
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        for gate in ("fail-on-new", "fail-on Event"):
            case = cases["%s: hl-target.exe (pid %d)" % (gate, leaky.pid)]
            self.assertIsNotNone(case.find("failure"), gate)
            self.assertIn("pid %d (hl-target.exe)" % leaky.pid,
                          case.find("failure").get("message"))
            for t in steady:
                case = cases["%s: hl-target.exe (pid %d)" % (gate, t.pid)]
                self.assertEqual(case.find("system-out").text,
                                 "0 counted; at most %d allowed" % (LEAK - 1))
                self.assertIsNone(case.find("failure"))
            for t, how in ((leaving, "exited"), (newcomer, "started")):
                case = cases["%s: hl-target.exe (pid %d, %s)" % (gate, t.pid,
                                                                how)]
                self.assertIsNotNone(case.find("skipped"), how)
        self.assertEqual(suite.get("failures"), "2")
        self.assertEqual(len(cases), int(suite.get("tests")))
        results = json.loads(sb)["runs"][0]["results"]
        self.assertEqual(len(results), len(cases))
        failed = sorted((r["ruleId"], r["properties"]["pid"])
                        for r in results if r["kind"] == "fail")
        self.assertEqual(failed, [("HL0003", leaky.pid),
                                  ("HL0004", leaky.pid)])
        left = [r for r in results if r["properties"]["pid"] == leaving.pid]
        self.assertEqual({r["kind"] for r in left}, {"notApplicable"})

    def test_show_counts_equal_the_targets(self):
        ts = [self.target(n) for n in STEADY]
        self.snapshot_all("s.snap", "--no-gui")
        res = wine(args().hleak, "show", "--json", self.win("s.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        full = res.stdout
        doc = json.loads(full.decode("utf-8"))
        self.assertEqual(doc["kind"], "system")
        rows = {p["pid"]: p for p in doc["processes"]}
        for t, n in zip(ts, STEADY):
            row = rows[t.pid]
            self.assertEqual(row["handles"], t.count(), row)
            self.assertGreaterEqual(row["types"]["Event"], n + 1, row)
            self.assertEqual(sum(row["types"].values()), row["handles"])
            self.assertIsNone(row["gdi"], "--no-gui: unknown, not 0")
        # ranked by handles; --type keeps the holders of that type
        counts = [p["handles"] for p in doc["processes"]
                  if p["handles"] is not None]
        self.assertEqual(counts, sorted(counts, reverse=True))
        res = wine(args().hleak, "show", "--type", "event", "--top", "1",
                   self.win("s.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        lines = [line for line in res.stdout.decode("utf-8").splitlines()
                 if re.match(r"^ +\d+ ", line)]
        self.assertEqual(len(lines), 1)
        self.assertEqual(int(lines[0].split()[0]), ts[-1].pid)
        # the native build reads the same file the same way
        native = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "..", "..", "build", "native", "hleak")
        if os.path.exists(native):
            nat = subprocess.run([native, "show", "--json",
                                  os.path.join(self.dir, "s.snap")],
                                 capture_output=True, timeout=60)
            self.assertEqual(nat.returncode, 0, nat.stderr)
            self.assertEqual(nat.stdout, full.replace(b"\r\n", b"\n"))

    def test_default_name_and_usage(self):
        res = wine(args().hleak, "snapshot", "--all", cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        names = [n for n in os.listdir(self.dir) if n.endswith(".snap")]
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], r"^system-.+-\d{8}T\d{6}\.snap$")
        res = wine(args().hleak, "snapshot", "--all", "-p", "4")
        self.assertEqual(res.returncode, 2, describe(res))
        res = wine(args().hleak, "snapshot", "--all", "--timeout", "50")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("--timeout applies to --all with --names only",
                      res.stderr.decode("utf-8"))

    def test_names_say_which_objects_grew(self):
        leaky = self.target()
        other = self.target()
        tag = "hl-sn-%d" % leaky.pid
        for k in range(3):
            leaky.open("named-event %s-ev-%d" % (tag, k))
        file_id = leaky.open("file %s\\%s.log" % (self.windir, tag))[0]
        mutex_id = other.open("mutex hl-sn-%d-mx" % other.pid)[0]
        res = wine(args().hleak, "snapshot", "--all", "--names", "-o",
                   self.win("nb.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertRegex(res.stderr.decode("utf-8"),
                         r"; \d+ named handles in \d+ processes, \d+ "
                         r"refused, \d+ exited, 0 name queries timed out\)")
        for k in range(3, 3 + LEAK_NAMED):
            leaky.open("named-event %s-ev-%d" % (tag, k))
        self.snapshot_all("na.snap", "--names")

        res = wine(args().hleak, "show", "--json", self.win("nb.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        rows = {p["pid"]: p for p in json.loads(res.stdout)["processes"]}
        mine = rows[leaky.pid]["names"]
        self.assertEqual(mine["state"], "read", mine)
        events = sorted(h["name"].rsplit("\\", 1)[-1]
                        for h in mine["handles"] if h["type"] == "Event"
                        and tag in h["name"])
        self.assertEqual(events, ["%s-ev-%d" % (tag, k) for k in range(3)])
        files = [h for h in mine["handles"] if h["type"] == "File" and
                 h["name"].lower().endswith(tag + ".log")]
        self.assertEqual([h["value"] for h in files], [file_id], mine)
        theirs = [h for h in rows[other.pid]["names"]["handles"]
                  if h["type"] == "Mutant"]
        self.assertEqual([h["value"] for h in theirs], [mutex_id])
        self.assertTrue(theirs[0]["name"].endswith("hl-sn-%d-mx" % other.pid))

        res, out, _ = self.diff("--fail-on", "Event=%d" % (LEAK_NAMED - 1),
                                "nb.snap", "na.snap")
        self.assertEqual(res.returncode, 1, describe(res))
        self.assertRegex(out, r"\n +\+%d  Event \\Sessions\\\{n\}\\"
                              r"BaseNamedObjects\\hl-sn-\{n\}-ev-\{n\}\n"
                         % LEAK_NAMED)
        self.assertIn("most \\Sessions\\{n}\\BaseNamedObjects\\"
                      "hl-sn-{n}-ev-{n} (+%d)" % LEAK_NAMED, out)
        res, out, _ = self.diff("--json", "nb.snap", "na.snap")
        rows = {p["pid"]: p for p in json.loads(out)["processes"]}
        self.assertEqual(rows[other.pid]["names_grew"], [])
        grew = rows[leaky.pid]["names_grew"]
        self.assertEqual(grew[0]["after"] - grew[0]["before"], LEAK_NAMED,
                         grew)


if __name__ == "__main__":
    test_live.main()
