#!/usr/bin/env python3
"""Live `snapshot --details` under Wine: hl-target opens objects whose
state it knows (a manual-reset event it set, a semaphore made with count
2 of 10, a mutex its main thread owns, a timer never set, a 0x3000-byte
pagefile section, a 0x2000-byte section of a file, a file opened for synchronous I/O, a key it created,
its own token, one named event opened five times), and the details and
counts hleak records must be what the target knows. What Wine does not
answer must read "unknown" (or null in JSON), never fail the snapshot;
docs/verification.md says which details Wine answers.

Usage: test_details_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                            [--wine-run SCRIPT] [unittest args]
"""

import datetime
import json
import os
import shutil
import sys
import tempfile
import unittest

import test_live
from test_live import Target, describe, wine, winepath


class DetailsLiveTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-details-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)
        self.target = Target(self.dir)
        self.addCleanup(self.target.stop)
        self.tag = "hleak-details-%d" % os.getpid()
        self.key = "Software\\" + self.tag
        self.addCleanup(self.target.ask, "delete-key " + self.key)

    def snapshot(self, *extra):
        snap = self.windir + "\\t.snap"
        res = wine(test_live.ARGS.hleak, "snapshot", "-p", self.target.pid,
                   "-o", snap, *extra)
        self.assertEqual(res.returncode, 0, describe(res))
        text = wine(test_live.ARGS.hleak, "show", snap)
        self.assertEqual(text.returncode, 0, describe(text))
        shown = wine(test_live.ARGS.hleak, "show", "--json", snap)
        self.assertEqual(shown.returncode, 0, describe(shown))
        doc = json.loads(shown.stdout.decode("utf-8"))
        return (text.stdout.decode("utf-8"),
                {h["handle"]: h for h in doc["handles"]})

    def test_details_match_what_the_target_knows(self):
        t = self.target
        ev = t.open("manual-event %s-ev" % self.tag)[0]
        self.assertEqual(t.ask("set-event %d" % ev), "ok")
        auto = t.open("named-event %s-auto" % self.tag)[0]
        sem = t.open("counted-semaphore %s-sem" % self.tag)[0]
        mu = t.open("owned-mutex %s-mu" % self.tag)[0]
        timer = t.open("timer %s-timer" % self.tag)[0]
        sec = t.open("section %s-sec" % self.tag)[0]
        fsec = t.open("file-section " + self.windir + "\\mapped.bin")[0]
        f = t.open("file " + self.windir + "\\data.txt")[0]
        key = t.open("key " + self.key)[0]
        tok = t.open("token")[0]
        sid = t.ask("token-sid").split()
        self.assertEqual(sid[0], "sid", sid)
        shared = [t.open("named-event %s-shared" % self.tag)[0]
                  for _ in range(5)]

        text, got = self.snapshot("--details")

        def details(ident, kind):
            d = got[ident].get("details")
            self.assertIsNotNone(d, got[ident])
            self.assertEqual(d["kind"], kind, d)
            return d

        d = details(ev, "event")
        self.assertEqual((d["event_type"], d["signaled"]),
                         ("notification", True), d)
        self.assertEqual(d["text"], "notification, signaled")
        self.assertIn("\n            notification, signaled\n", text)
        d = details(auto, "event")
        self.assertEqual(d["text"], "synchronization, not signaled")
        d = details(sem, "semaphore")
        self.assertEqual((d["count"], d["maximum"]), (2, 10), d)
        self.assertEqual(d["text"], "count 2 of 10")
        d = details(mu, "mutant")
        # owned once by the target's main thread: count 0, not abandoned
        self.assertEqual((d["count"], d["abandoned"]), (0, False), d)
        self.assertTrue(d["text"].startswith("owned"), d)
        if d["owner_pid"] is not None:
            self.assertEqual(d["owner_pid"], t.pid, d)
        d = details(timer, "timer")
        self.assertEqual(d["signaled"], False, d)
        d = details(sec, "section")
        self.assertEqual((d["size"], d["backing"]), (0x3000, "pagefile"), d)
        self.assertEqual(d["text"], "pagefile, 0x3000 bytes")
        self.assertIsNone(d["file"], d)
        # the mapped file's name, by the File-name rules: the same folder
        # as the File handle's own name
        d = details(fsec, "section")
        self.assertEqual((d["size"], d["backing"]), (0x2000, "file"), d)
        want = got[f]["name"][:-len("data.txt")] + "mapped.bin"
        self.assertEqual(d["file"], want, d)
        self.assertEqual(d["text"], "file, 0x2000 bytes, " + want)
        one = wine(test_live.ARGS.hleak, "show", "--handle", hex(fsec),
                   self.windir + "\\t.snap")
        self.assertEqual(one.returncode, 0, describe(one))
        self.assertIn("Details       file, 0x2000 bytes, " + want + "\n",
                      one.stdout.decode("utf-8").replace("\r\n", "\n"))
        d = details(f, "file")
        # CreateFile without FILE_FLAG_OVERLAPPED: synchronous I/O
        self.assertEqual(d["synchronous"], True, d)
        # Windows reports the volume's device, FILE_DEVICE_DISK (7); Wine
        # 8.0 FILE_DEVICE_DISK_FILE_SYSTEM (8) (docs/verification.md)
        self.assertIn(d["device"], ("disk", "disk file system"), d)
        d = details(key, "key")
        if d["last_write"] is not None:
            when = datetime.datetime.strptime(d["last_write"],
                                              "%Y-%m-%dT%H:%M:%SZ")
            age = datetime.datetime.utcnow() - when
            self.assertLess(abs(age.total_seconds()), 3600, d)
        d = details(tok, "token")
        self.assertEqual(d["user_sid"], sid[1], d)

        # the counts: five handles to one event, hleak's duplicate not
        # among them
        for ident in shared:
            self.assertEqual(got[ident].get("handle_count"), 5, got[ident])
            self.assertGreaterEqual(got[ident]["pointer_count"], 5,
                                    got[ident])
        print("\nmutant: %s; key: %s; file: %s; file section: %s" % (
            got[mu]["details"]["text"], got[key]["details"]["text"],
            got[f]["details"]["text"], got[fsec]["details"]["text"]),
              file=sys.stderr)

    def test_without_details_nothing_is_asked(self):
        ev = self.target.open("manual-event %s-plain" % self.tag)[0]
        _, got = self.snapshot()
        self.assertNotIn("details", got[ev])
        self.assertNotIn("handle_count", got[ev])

    def test_details_refuses_no_names(self):
        res = wine(test_live.ARGS.hleak, "snapshot", "-p", self.target.pid,
                   "-o", self.windir + "\\x.snap", "--details",
                   "--no-names")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn(b"--details cannot be used with --no-names",
                      res.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.snap")))


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__))
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
