#!/usr/bin/env python3
"""Live test of issue 17's seed case: hl-target opens the same named event
101 times, as the program of WinDbg's `!handle 304 7` leaked it; `hleak
show --handle` on one of them prints the decoded access `Delete,
ReadControl, WriteDac, WriteOwner, Synch, QueryState, ModifyState`, the
name, the object's HandleCount 101 (`snapshot --details`, and live with
`show -p --handle`) and that this process holds 101 handles to that
object, which the target's own list of what it opened confirms. A mutex and a semaphore
show their own rights.

Usage: test_access_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                           [--wine-run SCRIPT] [unittest args]
"""

import json
import os
import re
import sys
import unittest

import test_live
from test_live import describe, wine

EVENT_ALL = ["Delete", "ReadControl", "WriteDac", "WriteOwner", "Synch",
             "QueryState", "ModifyState"]
OPENS = 101


class AccessLive(test_live.LiveTest):

    def show_handle(self, snap, value, *extra):
        res = wine(test_live.ARGS.hleak, "show", *extra, "--handle",
                   "0x%x" % value, self.win(snap))
        self.assertEqual(res.returncode, 0, describe(res))
        return res.stdout.decode("utf-8")

    def test_live_named_event_opened_101_times(self):
        name = "hleak-access-" + self.tag
        ids = []
        for _ in range(OPENS):
            ids += self.target.open("named-event " + name)
        # what the target itself says it holds, independent of hleak
        mine = [i for i, (kind, n) in self.target.listing().items()
                if kind == "named-event" and n == name]
        self.assertEqual(sorted(mine), sorted(ids))
        self.assertEqual(len(set(ids)), OPENS)
        self.snapshot("a.snap", "--details")

        out = self.show_handle("a.snap", ids[50])
        flat = re.sub(r",\n +", ", ", out)
        self.assertIn("Handle        0x%x\n" % ids[50], out)
        self.assertIn("Type          Event\n", out)
        self.assertIn("Attributes    0\n", out)
        self.assertIn("GrantedAccess 0x1f0003:\n              " +
                      ", ".join(EVENT_ALL) + "\n", flat)
        self.assertRegex(out, r"\nName +\S*\\%s\n" % re.escape(name))
        # Wine gives no object addresses: the match is by type and name
        self.assertRegex(out, r"\nThisProcess   %d handles to the object "
                         r"\(same (kernel object address|type and name)\)\n"
                         % OPENS)
        # the seed's figure: the object's HandleCount (every process,
        # hleak's own duplicate left out) is the 101 the target opened,
        # which its own list above confirms; no other process holds it.
        # Exactly: the counts are taken one handle at a time after the
        # name threads have closed their duplicates of sibling handles
        self.assertRegex(out, r"\nHandleCount   %d \(every process\)\n"
                         % OPENS)
        self.assertRegex(out, r"\nDetails       (synchronization|"
                              r"notification), (not )?signaled\n")
        # the same, live, with no file: show -p collects the counts too
        res = wine(test_live.ARGS.hleak, "show", "-p", self.target.pid,
                   "--handle", "0x%x" % ids[50])
        self.assertEqual(res.returncode, 0, describe(res))
        live = res.stdout.decode("utf-8")
        self.assertRegex(live, r"\nHandleCount   %d \(every process\)\n"
                         % OPENS)
        strip = r"\nPointerCount[^\n]*"
        self.assertEqual(re.sub(strip, "", live), re.sub(strip, "", out))
        # without --details a snapshot has no counts, and says so
        self.snapshot("plain.snap")
        self.assertIn("\nHandleCount   not recorded\n",
                      self.show_handle("plain.snap", ids[50]))

        doc = json.loads(self.show_handle("a.snap", ids[0], "--json"))
        h = doc["handle"]
        self.assertEqual(h["handle"], ids[0])
        self.assertEqual(h["granted_access"], 0x1f0003)
        self.assertEqual(h["granted_access_names"], EVENT_ALL)
        self.assertEqual(h["attributes_names"], [])
        self.assertEqual(h["this_process_handles"], OPENS)
        self.assertIn(h["this_process_match"], ("object", "name"))
        self.assertEqual(h["handle_count"], OPENS, h)

    def test_live_mutex_and_semaphore_rights(self):
        mutex = self.target.open("mutex hleak-m-" + self.tag)[0]
        sem = self.target.open("semaphore hleak-s-" + self.tag)[0]
        self.snapshot("b.snap")
        doc, _ = self.show_json("b.snap")
        by = self.by_value(doc)
        # MUTANT_ALL_ACCESS, SEMAPHORE_ALL_ACCESS
        self.assertEqual((by[mutex]["type"], by[mutex]["granted_access"]),
                         ("Mutant", 0x1f0001))
        self.assertEqual(by[mutex]["granted_access_names"], EVENT_ALL[:6])
        self.assertEqual((by[sem]["type"], by[sem]["granted_access"]),
                         ("Semaphore", 0x1f0003))
        self.assertEqual(by[sem]["granted_access_names"], EVENT_ALL)
        res = wine(test_live.ARGS.hleak, "show", "--access", "--type",
                   "Mutant", self.win("b.snap"))
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("            access Delete, ReadControl, WriteDac, "
                      "WriteOwner, Synch,\n                   QueryState\n",
                      res.stdout.decode("utf-8"))
        # a value the snapshot does not hold
        res = wine(test_live.ARGS.hleak, "show", "--handle", "0x7fffffff",
                   self.win("b.snap"))
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn(b"holds no handle 0x7fffffff", res.stderr)


def load_tests(loader, standard_tests, pattern):
    """Only this file's tests, not those AccessLive inherits."""
    names = sorted(n for n in vars(AccessLive) if n.startswith("test_"))
    return unittest.TestSuite(AccessLive(n) for n in names)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    test_live.main()
