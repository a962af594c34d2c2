#!/usr/bin/env python3
"""Live tests of `hleak show -p PID` / `-n IMAGE` (issue 17): a running
hl-target under Wine whose handles the test opens (test_live.py's
open_known: events, a mutex, a semaphore, files, keys, a thread, itself).
show must list exactly the target's handles with the values the target
reports, filter with --type and --name, print what `snapshot` then `show`
prints for the same moment (the target holds still), and fail as snapshot
does for a pid that does not exist or an IMAGE several processes have.
The values under a diff group are the ones the target handed out.

Usage: test_show_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                         [--wine-run SCRIPT] [unittest args]
(the options of test_live.py, which parses them)
"""

import json
import re
import unittest

import test_live
from test_live import MISSING_PID, Target, describe, wine

# The values line of a text diff group (hleak-diff(1), "Handle values").
VALUES_RE = re.compile(r"^\s+values( in (after|before))?((?: 0x[0-9a-f]+)+)"
                       r"( \(\+(\d+) more\))?$", re.M)

# Lines of the text header that differ between two collections of the
# same moment: when it was taken and how long it took.
MOMENT_RE = re.compile(r"^(taken|method) .*\n", re.M)


def args():
    return test_live.ARGS


class ShowLive(unittest.TestCase):
    """Borrows test_live.LiveTest's set-up and checks, not its tests."""

    maxDiff = None
    hklm_software = test_live.LiveTest.hklm_software
    L = test_live.LiveTest
    setUp = L.setUp
    delete_keys = L.delete_keys
    win = L.win
    snapshot = L.snapshot
    show_json = L.show_json
    by_value = L.by_value
    open_known = L.open_known
    unnamed_check = L.unnamed_check
    object_name_check = L.object_name_check
    file_check = L.file_check
    exact_check = L.exact_check

    def show(self, *argv, rc=0):
        res = wine(args().hleak, "show", *argv)
        self.assertEqual(res.returncode, rc, describe(res))
        return res

    def live_json(self, *argv):
        res = self.show("--json", "-p", self.target.pid, *argv)
        return json.loads(res.stdout.decode("utf-8"))

    def test_lists_exactly_the_target_handles(self):
        expect = self.open_known()
        listing = self.target.listing()
        before = self.target.count()
        doc = self.live_json()
        self.assertEqual(self.target.count(), before, "the target changed")
        got = self.by_value(doc)
        # every handle the process has, no more: the target's own probe
        self.assertEqual(len(got), before)
        self.assertEqual(doc["process"]["pid"], self.target.pid)
        self.assertEqual(doc["process"]["handle_count"], before)
        for ident in listing:
            self.assertIn(ident, got, listing[ident])
        for ident, (typ, check, label) in sorted(expect.items()):
            with self.subTest(handle=ident, what=label):
                self.assertEqual(got[ident]["type"], typ, got[ident])
                check(got[ident])
        # the text form lists the same values
        out = self.show("-p", self.target.pid).stdout.decode("utf-8")
        shown = {int(v, 16) for v in
                 re.findall(r"^ +0x([0-9a-f]+)  ", out, re.M)}
        self.assertEqual(shown, set(got))

    def test_same_as_snapshot_then_show(self):
        self.open_known()
        self.snapshot("same.snap")
        for extra in ([], ["--summary"], ["--type", "event"],
                      ["--name", "hleak-"], ["--top", "3"],
                      ["--summary", "--exact-names"]):
            with self.subTest(options=extra):
                f = self.show(*(extra + [self.win("same.snap")]))
                p = self.show(*(extra + ["-p", self.target.pid]))
                self.assertEqual(MOMENT_RE.sub("", p.stdout.decode("utf-8")),
                                 MOMENT_RE.sub("", f.stdout.decode("utf-8")))
                self.assertEqual(p.stderr, f.stderr)
                fj = json.loads(self.show(*(["--json"] + extra + [
                    self.win("same.snap")])).stdout)
                pj = self.live_json(*extra)
                for doc in (fj, pj):
                    del doc["process"]["taken_at"]
                    del doc["process"]["duration_us"]
                self.assertEqual(pj, fj)

    def test_type_and_name(self):
        mutex = self.target.open("mutex hleak-mx-" + self.tag)
        sem = self.target.open("semaphore hleak-sm-" + self.tag)
        fname = "show-%s.txt" % self.tag
        fileh = self.target.open("file " + self.win(fname))
        events = self.target.open("event 3")
        doc = self.live_json("--type", "MUTANT")
        self.assertEqual([h["handle"] for h in doc["handles"]], mutex)
        self.assertEqual(doc["by_type"], [{"type": "Mutant", "count": 1}])
        # a substring of the NT name, case ignored
        doc = self.live_json("--name", "HLEAK-SM-" + self.tag)
        self.assertEqual([h["handle"] for h in doc["handles"]], sem)
        # a glob on the whole friendly name of the file
        doc = self.live_json("--name", "*\\" + fname)
        self.assertEqual([h["handle"] for h in doc["handles"]], fileh)
        self.assertEqual(doc["handles"][0]["type"], "File")
        # both: a file name asked among Mutants matches nothing
        doc = self.live_json("--name", fname, "--type", "Mutant")
        self.assertEqual((doc["handles"], doc["by_type"]), ([], []))
        # the unnamed events, grouped as the summary counts them
        doc = self.live_json("--summary", "--type", "Event")
        unnamed = [g for g in doc["by_name"] if g["name"] == ""]
        self.assertEqual(len(unnamed), 1)
        self.assertGreaterEqual(unnamed[0]["count"], len(events))
        res = self.show("-p", self.target.pid, "--type", "Evnt", rc=2)
        self.assertIn("did you mean 'Event'?", res.stderr.decode("utf-8"))

    def test_by_image(self):
        mutex = self.target.open("mutex hleak-img-" + self.tag)
        res = self.show("--json", "-n", "hl-target", "--type", "Mutant")
        doc = json.loads(res.stdout.decode("utf-8"))
        self.assertEqual(doc["process"]["pid"], self.target.pid)
        self.assertEqual([h["handle"] for h in doc["handles"]], mutex)
        # a second hl-target: -n is ambiguous and lists both
        other = Target(self.dir)
        try:
            res = self.show("-n", "hl-target.exe", rc=3)
            err = res.stderr.decode("utf-8")
            self.assertIn("2 processes named 'hl-target.exe'; choose one "
                          "with -p", err)
            self.assertIn("pid %d" % self.target.pid, err)
            self.assertIn("pid %d" % other.pid, err)
            self.assertEqual(res.stdout, b"")
        finally:
            other.stop()
        res = self.show("-n", "hl-no-such-image.exe", rc=3)
        self.assertIn("no running process named 'hl-no-such-image.exe'",
                      res.stderr.decode("utf-8"))

    def test_missing_pid(self):
        res = self.show("-p", MISSING_PID, rc=3)
        self.assertEqual(res.stdout, b"")
        self.assertIn("no process with pid %d" % MISSING_PID,
                      res.stderr.decode("utf-8"))
        res = self.show("-p", MISSING_PID, "x.snap", rc=2)
        self.assertIn("not both", res.stderr.decode("utf-8"))

    def test_diff_values_are_the_target_handles(self):
        self.snapshot("v1.snap")
        events = self.target.open("event 12")
        self.snapshot("v2.snap")
        res = wine(args().hleak, "diff", self.win("v1.snap"),
                   self.win("v2.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        out = res.stdout.decode("utf-8")
        self.assertIn("        12  Event  0x001f0003  <unnamed>\n", out)
        got = VALUES_RE.findall(out)
        self.assertEqual(len(got), 1, out)
        side, _, vals, more, nmore = got[0]
        self.assertEqual(side, "")
        self.assertEqual([int(v, 16) for v in vals.split()],
                         sorted(events)[:8])
        self.assertEqual(int(nmore), 4)
        res = wine(args().hleak, "diff", "--all-values",
                   self.win("v1.snap"), self.win("v2.snap"))
        got = VALUES_RE.findall(res.stdout.decode("utf-8"))
        self.assertEqual([int(v, 16) for v in got[0][2].split()],
                         sorted(events))
        self.assertEqual(got[0][3], "")
        # two runs: another process with 12 more events than this one
        other = Target(self.dir)
        try:
            mine = {v for v, (k, _) in self.target.listing().items()
                    if k == "event"}
            theirs = other.open("event %d" % (len(mine) + 12))
            res = wine(args().hleak, "snapshot", "-p", other.pid, "-o",
                       self.win("o.snap"))
            self.assertEqual(res.returncode, 0, describe(res))
        finally:
            other.stop()
        res = wine(args().hleak, "diff", "--json", self.win("v2.snap"),
                   self.win("o.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        doc = json.loads(res.stdout.decode("utf-8"))
        group = [g for g in doc["opened"]
                 if g["type"] == "Event" and g["name"] == ""]
        self.assertEqual(len(group), 1, doc["opened"])
        self.assertEqual(group[0]["count"], 12)
        self.assertEqual(group[0]["handles"], [])
        # every unnamed event of the later run: the ones it opened, and
        # any its runtime opened alike
        self.assertTrue(set(theirs) <= set(group[0]["values"]))
        self.assertEqual(group[0]["values"], sorted(group[0]["values"]))


if __name__ == "__main__":
    test_live.main()
