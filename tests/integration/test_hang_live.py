#!/usr/bin/env python3
"""Live hang case: hleak.exe under Wine against an hl-target whose thread
is blocked in a synchronous ReadFile on an anonymous pipe that nobody
writes. On Windows the name query of that read end waits for the file
object's lock, which the pending read holds: hleak must end it by its
timeout and mark the handle "timed out". Wine 8.0 answers that query
without waiting (docs/verification.md), so here the test is a bound: the
snapshot completes within SNAPSHOT_BOUND seconds with every name read.

Usage: test_hang_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                         --wine-run SCRIPT [unittest args]
"""

import json
import os
import shutil
import sys
import tempfile
import time
import unittest

import test_live
from test_live import Target, describe, wine, winepath

# The name query bound hleak is given, and what the whole snapshot may
# take: a Wine start (a few seconds at worst on a busy machine), one
# timed-out query per blocked handle and the wait for its worker to die
# (1 s), with a wide margin.
NAME_TIMEOUT_MS = 500
SNAPSHOT_BOUND = 30


class HangLiveTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-hang-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)
        self.target = Target(self.dir)
        self.addCleanup(self.target.stop)

    def snapshot_json(self):
        """Snapshot of the target with its wall time, then show --json."""
        snap = self.windir + "\\hang.snap"
        t0 = time.monotonic()
        res = wine(test_live.ARGS.hleak, "snapshot", "-p", self.target.pid,
                   "-o", snap, "--timeout", NAME_TIMEOUT_MS,
                   timeout=SNAPSHOT_BOUND * 2)
        took = time.monotonic() - t0
        self.assertEqual(res.returncode, 0, describe(res))
        shown = wine(test_live.ARGS.hleak, "show", "--json", snap)
        self.assertEqual(shown.returncode, 0, describe(shown))
        doc = json.loads(shown.stdout.decode("utf-8"))
        return took, {h["handle"]: h for h in doc["handles"]}

    def test_hang_blocked_pipe_read_ends_in_time(self):
        t = self.target
        events = t.open("event 2")
        named = "hleak-hang-%d" % os.getpid()
        named_id = t.open("named-event " + named)[0]
        rd, wr = t.open("blocked-pipe")
        listing = t.listing()
        took, got = self.snapshot_json()
        self.assertLess(took, SNAPSHOT_BOUND)

        read_end = got[rd]
        self.assertEqual(read_end["type"], "File", read_end)
        self.assertIn(read_end["name_error"], (None, "timed out"), read_end)
        if read_end["name_error"] is None:
            # Wine: the query did not wait for the pending read
            self.assertIn("\\NamedPipe\\", read_end["nt_name"], read_end)
        print("\nblocked read end: %s in %.2f s" % (
            read_end["name_error"] or "named " + read_end["nt_name"], took),
            file=sys.stderr)
        write_end = got[wr]
        self.assertEqual(write_end["type"], "File", write_end)
        self.assertIsNone(write_end["name_error"], write_end)
        self.assertIn("\\NamedPipe\\", write_end["nt_name"], write_end)

        for ident in events:
            self.assertEqual((got[ident]["type"], got[ident]["name_error"]),
                             ("Event", None), got[ident])
        self.assertTrue(got[named_id]["nt_name"].endswith(
            "\\BaseNamedObjects\\" + named), got[named_id])
        # Every other handle is named. The target's own stdin is a pipe
        # its main thread reads synchronously too: on Windows it may
        # time out like the read end, so a File handle the test did not
        # open may; nothing else may fail.
        for ident, h in got.items():
            if ident == rd:
                continue
            if ident not in listing and h["type"] == "File":
                self.assertIn(h["name_error"], (None, "timed out"), h)
            else:
                self.assertIsNone(h["name_error"], h)

        # the read ends when its write end goes; the target still answers
        t.close([wr])
        t.close([rd])
        self.assertGreater(t.count(), 0)


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__))
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
