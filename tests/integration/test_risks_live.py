#!/usr/bin/env python3
"""Live tests of issue 14 ("real Windows"): hleak.exe under Wine against
hl-target. What a live snapshot records about how it could read the
process (names readable, SeDebugPrivilege), --require-names on a
readable process, and the --deadline option.

Usage: test_risks_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                          --wine-run SCRIPT [unittest args]
"""

import os
import sys
import unittest

import test_live
from test_live import describe, wine


class RisksLive(test_live.LiveTest):

    def test_live_snapshot_records_access(self):
        _path, res = self.snapshot("a.snap", "--require-names")
        self.assertNotIn(b"warning", res.stderr, describe(res))
        doc, _ = self.show_json("a.snap")
        proc = doc["process"]
        self.assertEqual(proc["names_access"], "readable")
        self.assertIn(proc["debug_privilege"], (True, False))
        res = wine(test_live.ARGS.hleak, "show", self.win("a.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertRegex(res.stdout.decode("utf-8"),
                         r"\naccess    names readable, SeDebugPrivilege "
                         r"(not )?enabled\n")

    def test_live_deadline_option(self):
        # a generous deadline changes nothing
        self.snapshot("b.snap", "--deadline", "60")
        for bad in ("0", "86401", "x"):
            res = wine(test_live.ARGS.hleak, "snapshot", "-p",
                       self.target.pid, "-o", self.win("c.snap"),
                       "--deadline", bad)
            self.assertEqual(res.returncode, 2, describe(res))
            self.assertIn(("invalid deadline '%s'" % bad).encode(),
                          res.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "c.snap")))

    def test_live_require_names_with_no_names(self):
        # a gate on names that reads none would pass without judging
        res = wine(test_live.ARGS.hleak, "snapshot", "-p", self.target.pid,
                   "-o", self.win("d.snap"), "--require-names",
                   "--no-names")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn(b"--require-names cannot be used with --no-names",
                      res.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "d.snap")))


def load_tests(loader, standard_tests, pattern):
    """Only this file's tests, not those RisksLive inherits."""
    names = sorted(n for n in vars(RisksLive) if n.startswith("test_"))
    return unittest.TestSuite(RisksLive(n) for n in names)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    test_live.main()
