#!/usr/bin/env python3
"""Gates that never lie (issue 13), live: hleak.exe under Wine on
snapshots of hl-target (the helpers of test_live.py) as a CI job would
take them, then the mistakes a user makes: a typo in a type, quotes that
cmd.exe keeps, an ignore file written by Notepad or PowerShell, a pattern
copied from the report, a stale ignore file, two programs, and the CI
reports of two pairs of runs with the same leak.

Usage: test_gates_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                          --wine-run SCRIPT [unittest args]
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET

import test_live
from test_live import describe, wine


def hleak(*args, cwd=None):
    return wine(test_live.ARGS.hleak, *args, cwd=cwd)


def opened_by_type(doc):
    got = {}
    for g in doc["opened"]:
        got[g["type"]] = got.get(g["type"], 0) + g["count"]
    return got


class GatesLive(unittest.TestCase):
    """One target for the one-process pair (before, after), three runs
    of a "test suite" for the two-run pairs; hleak runs in the folder
    that holds the snapshots, so they go by relative name."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hleak-gates-")
        cls.target = test_live.Target(cls.dir)
        t = cls.target
        t.open("event 1")
        cls.snap("before.snap", t.pid)
        for k in range(3):
            t.open("named-event hl-gl-%d-req%d" % (t.pid, k))
        t.open("event 2")
        for k in range(2):
            t.open("file C:\\users\\public\\hl-gl-req-%d.tmp" % k)
        cls.snap("after.snap", t.pid)
        for n, (events, threads) in enumerate(((0, 0), (0, 0), (7, 3),
                                               (7, 3)), 1):
            run = test_live.Target(cls.dir)
            try:
                run.open("thread %d" % (2 + threads))
                run.open("event 3")
                for k in range(4 + events):
                    run.open("named-event hl-gr-%d-ev%d" % (run.pid, k))
                cls.snap("run%d.snap" % n, run.pid)
            finally:
                run.stop()

    @classmethod
    def tearDownClass(cls):
        cls.target.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def snap(cls, name, pid):
        res = hleak("snapshot", "-p", pid, "-o", name, cwd=cls.dir)
        if res.returncode != 0:
            raise RuntimeError(describe(res))

    def hleak(self, *args):
        return hleak(*args, cwd=self.dir)

    def diff_json(self, *args):
        res = self.hleak("diff", "--json", *args)
        self.assertIn(res.returncode, (0, 1), describe(res))
        return res.returncode, json.loads(res.stdout)

    def usage(self, args, needle):
        res = self.hleak(*args)
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertEqual(res.stdout, b"")
        self.assertIn(needle, res.stderr.decode("utf-8", "replace"))

    def write(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)
        return name

    # -- two runs ------------------------------------------------------

    def test_two_runs(self):
        rc, doc = self.diff_json("--fail-on-new", "0", "run1.snap",
                                 "run2.snap")
        self.assertEqual(rc, 0, doc["opened"])
        self.assertEqual(doc["match"], "by-name")
        self.assertEqual((doc["totals"]["opened"], doc["totals"]["closed"]),
                         (0, 0))
        rc, doc = self.diff_json("--fail-on-new", "0", "run2.snap",
                                 "run3.snap")
        self.assertEqual(rc, 1)
        self.assertEqual(opened_by_type(doc), {"Event": 7, "Thread": 3})
        self.assertEqual(doc["totals"]["closed"], 0)

    # -- types ---------------------------------------------------------

    def test_typos_are_refused_with_the_nearest_type(self):
        a, b = "before.snap", "after.snap"
        self.usage(["diff", "--fail-on", "Evnt=0", a, b],
                   "unknown type 'Evnt'; did you mean 'Event'?")
        self.usage(["diff", "--ignore", "Tread:*", a, b],
                   "unknown type 'Tread'; did you mean 'Thread'?")
        self.usage(["show", "--type", "Mutex", b],
                   "unknown type 'Mutex'; did you mean 'Mutant'?")
        self.usage(["watch", "-p", self.target.pid, "--samples", "5",
                    "--fail-on-growth", "Evnt=5"],
                   "unknown type 'Evnt'; did you mean 'Event'?")
        # a Windows type that is in neither snapshot is no typo
        for args in (["show", "--type", "section", b],
                     ["diff", "--fail-on", "IoCompletion=0", a, b]):
            res = self.hleak(*args)
            self.assertEqual(res.returncode, 0, describe(res))

    def test_cmd_keeps_single_quotes(self):
        """A batch file run by cmd.exe: double quotes are removed, single
        ones reach hleak and are named as the cause."""
        exe = test_live.winepath(test_live.ARGS.hleak)
        self.write("q.bat", (
            "@echo off\r\n"
            '"%s" diff --fail-on-new 0 --ignore "Event:*" --ignore "File:*" '
            "--ignore \"Directory:*\" before.snap after.snap >nul\r\n"
            "echo double %%ERRORLEVEL%%\r\n"
            "\"%s\" diff --ignore 'File:C:\\x\\*' before.snap after.snap\r\n"
            "echo single %%ERRORLEVEL%%\r\n" % (exe, exe)).encode())
        res = test_live.run(test_live.wrap(["cmd", "/c", "q.bat"]),
                            cwd=self.dir)
        out = res.stdout.decode("utf-8", "replace")
        self.assertIn("double 0", out, describe(res))
        self.assertIn("single 2", out, describe(res))
        self.assertIn("the shell kept them (cmd.exe does not remove single "
                      "quotes); use double quotes",
                      res.stderr.decode("utf-8", "replace"))

    # -- ignore files and patterns ---------------------------------------

    def test_ignore_files_from_notepad_and_powershell(self):
        rc, doc = self.diff_json("before.snap", "after.snap")
        opened = doc["totals"]["opened"]
        types = sorted(opened_by_type(doc))
        self.assertIn("Event", types)
        self.assertIn("File", types)
        text = "# kept\r\n" + "".join("%s:*\r\n" % t for t in types)
        for enc, data in (("utf8", text.encode()),
                          ("bom8", b"\xef\xbb\xbf" + text.encode()),
                          ("utf16le", b"\xff\xfe" + text.encode("utf-16-le")),
                          ("utf16be", b"\xfe\xff" +
                           text.encode("utf-16-be"))):
            with self.subTest(enc=enc):
                name = self.write("ign-%s.txt" % enc, data)
                rc, doc = self.diff_json("--fail-on-new", "0",
                                         "--ignore-file", name,
                                         "before.snap", "after.snap")
                self.assertEqual(rc, 0, doc["opened"])
                self.assertEqual(doc["unmatched_ignores"], [])
                self.assertEqual(doc["totals"]["ignored_opened"], opened)
        name = self.write("nobom.txt", text.encode("utf-16-le"))
        self.usage(["diff", "--ignore-file", name, "before.snap",
                    "after.snap"], "ignore file 'nobom.txt', line 1: not "
                   "text in UTF-8, or UTF-16 with a byte-order mark")

    def test_patterns_copied_from_the_report(self):
        res = self.hleak("diff", "before.snap", "after.snap")
        out = res.stdout.decode("utf-8")
        groups = re.findall(r"^ +\d+  (\S+) +0x[0-9a-f]{8}  (.*)$",
                            out.split("\nclosed:")[0], re.M)
        self.assertIn(("Event", "<unnamed>"), groups, out)
        self.assertTrue(any("{n}" in name for _, name in groups), out)
        ignores = []
        for typ, name in groups:
            ignores += ["--ignore", "%s:%s" % (
                typ, re.sub(r"  \(\d+ names\)$", "", name))]
        rc, doc = self.diff_json("--fail-on-new", "0", *ignores,
                                 "before.snap", "after.snap")
        self.assertEqual(rc, 0, doc["opened"])
        self.assertEqual(doc["unmatched_ignores"], [])
        # one exact name, its last part, and a file by its DOS path in
        # another case each match one handle
        pid = self.target.pid
        for pattern in (r"Event:\Sessions\1\BaseNamedObjects\hl-gl-%d-req0"
                        % pid, "Event:hl-gl-%d-req1" % pid,
                        r"File:c:\USERS\public\HL-GL-REQ-1.TMP"):
            with self.subTest(pattern=pattern):
                _, doc = self.diff_json("--ignore", pattern, "before.snap",
                                        "after.snap")
                self.assertEqual(doc["totals"]["ignored_opened"], 1)
                self.assertEqual(doc["unmatched_ignores"], [])

    def test_stale_patterns_are_listed(self):
        stale = r"Key:HKLM\SOFTWARE\gone\*"
        res = self.hleak("diff", "--ignore", stale, "--ignore", "Event:*",
                         "before.snap", "after.snap")
        out = res.stdout.decode("utf-8")
        self.assertIn("\nwarning: 1 ignore pattern matched no handle in "
                      "either snapshot\n    %s\n" % stale, out)
        res = self.hleak("diff", "--json", "--ignore", stale, "before.snap",
                         "after.snap")
        self.assertEqual(json.loads(res.stdout)["unmatched_ignores"],
                         [stale])
        self.assertIn("hleak: warning: ignore pattern '%s' matched no "
                      "handle" % stale, res.stderr.decode("utf-8"))

    # -- order, programs, CI reports -------------------------------------

    def test_swapped_and_other_programs(self):
        res = self.hleak("diff", "--fail-on-new", "0", "after.snap",
                         "before.snap")
        self.assertEqual(res.returncode, 2, describe(res))
        times = re.findall(r"taken (\S+)\)", res.stderr.decode())
        self.assertEqual(len(times), 2, describe(res))
        self.assertLess(times[0], times[1])
        res = self.hleak("snapshot", "-n", "services.exe", "-o", "svc.snap")
        self.assertEqual(res.returncode, 0, describe(res))
        rc, doc = self.diff_json("run1.snap", "svc.snap")
        self.assertTrue(doc["other_program"])
        rc, doc = self.diff_json("run1.snap", "run2.snap")
        self.assertFalse(doc["other_program"])

    def test_ci_reports_stable_across_runs(self):
        names, prints = [], []
        for a, b in (("run1.snap", "run3.snap"), ("run2.snap", "run4.snap")):
            res = self.hleak("diff", "--fail-on-new", "0", "--fail-on",
                             "Event=0", "--junit", "j.xml", "--sarif",
                             "s.sarif", a, b)
            self.assertEqual(res.returncode, 1, describe(res))
            suite = ET.parse(os.path.join(self.dir, "j.xml")).getroot() \
                .find("testsuite")
            names.append([c.get("name") for c in suite.iter("testcase")])
            with open(os.path.join(self.dir, "s.sarif"),
                      encoding="utf-8") as f:
                run = json.load(f)["runs"][0]
            self.assertEqual([r["id"] for r in run["tool"]["driver"]
                              ["rules"]], ["HL0001", "HL0002"])
            prints.append(sorted(
                r["partialFingerprints"]["hleakGroup/v1"]
                for r in run["results"]))
            for r in run["results"]:
                loc = r["locations"][0]["logicalLocations"][0]
                self.assertEqual(loc["fullyQualifiedName"],
                                 "hl-target.exe/" + loc["name"])
        self.assertEqual(names[0], ["fail-on-new", "fail-on Event"])
        self.assertEqual(names[0], names[1])
        self.assertEqual(len(prints[0]), 2)
        self.assertEqual(prints[0], prints[1])


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__))
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
