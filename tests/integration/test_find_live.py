#!/usr/bin/env python3
"""Live tests of `hleak find`: several real hl-target processes under Wine,
each holding some of a uniquely named file, registry key and event (one
holds none of them, and a pipe with a read pending), with test_live.py's
helpers. find must return exactly the processes that hold each name, with
their handle values, and none of the others; --type filters, --json
parses, a typo type is a usage error, no match exits 1.

Usage: test_find_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                         --wine-run SCRIPT [unittest args]
(the options of test_live.py, which parses them)
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


def args():
    """The command line, parsed by test_live.main()."""
    return test_live.ARGS


def names(doc):
    """{(pid, handle): (type, name, nt_name)} of a find --json answer."""
    return {(m["pid"], m["handle"]): (m["type"], m["name"], m["nt_name"])
            for m in doc["matches"]}


class FindLive(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hleak-find-")
        cls.uniq = "hlfind-%d-%d" % (os.getpid(), int(time.time()))
        cls.file = winepath(os.path.join(cls.dir, cls.uniq + "-file.txt"))
        cls.key = "Software\\hleak-test\\%s-key" % cls.uniq
        cls.event = cls.uniq + "-event"
        cls.targets = []
        try:
            # a: the file; b: the key and the event; c: the file and the
            # event; d: none of them, and a blocked pipe
            a, b, c, d = (cls.start() for _ in range(4))
            cls.h = {
                "a.file": a.open("file " + cls.file)[0],
                "b.key": b.open("key " + cls.key)[0],
                "b.event": b.open("named-event " + cls.event)[0],
                "c.file": c.open("file " + cls.file)[0],
                "c.event": c.open("named-event " + cls.event)[0],
            }
            d.open("event 5")
            d.ask("open blocked-pipe")
            cls.a, cls.b, cls.c, cls.d = a, b, c, d
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls):
        t = Target(cls.dir)
        cls.targets.append(t)
        return t

    @classmethod
    def tearDownClass(cls):
        if cls.targets:
            cls.targets[0].ask("delete-key " + cls.key)
        for t in cls.targets:
            t.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def find(self, *argv, rc=0):
        t0 = time.monotonic()
        res = wine(args().hleak, "find", *argv)
        took = time.monotonic() - t0
        self.assertEqual(res.returncode, rc, describe(res))
        # a pipe with a read pending costs at most the 1 s timeout
        self.assertLess(took, 30, describe(res))
        return res

    def find_json(self, *argv):
        res = self.find("--json", *argv)
        return json.loads(res.stdout.decode("utf-8"))

    def test_exactly_the_holders(self):
        doc = self.find_json(self.uniq)
        got = names(doc)
        a, b, c = self.a.pid, self.b.pid, self.c.pid
        self.assertEqual(sorted(got), sorted([
            (a, self.h["a.file"]), (b, self.h["b.key"]),
            (b, self.h["b.event"]), (c, self.h["c.file"]),
            (c, self.h["c.event"])]))
        self.assertEqual(doc["processes"], 3)
        self.assertNotIn(self.d.pid, [m["pid"] for m in doc["matches"]])
        for pid, h in ((a, "a.file"), (c, "c.file")):
            typ, name, nt = got[(pid, self.h[h])]
            self.assertEqual(typ, "File")
            self.assertEqual(name.lower(), self.file.lower())
            self.assertNotEqual(nt, name)
        typ, name, nt = got[(b, self.h["b.key"])]
        self.assertEqual(typ, "Key")
        self.assertEqual(name.lower(), ("HKCU\\" + self.key).lower())
        self.assertTrue(nt.upper().startswith("\\REGISTRY\\USER\\"), nt)
        for pid, h in ((b, "b.event"), (c, "c.event")):
            typ, name, nt = got[(pid, self.h[h])]
            self.assertEqual(typ, "Event")
            self.assertTrue(nt.endswith("\\" + self.event), nt)
        # sorted by pid, then handle
        keys = [(m["pid"], m["handle"]) for m in doc["matches"]]
        self.assertEqual(keys, sorted(keys))
        self.assertEqual(doc["timeouts"], 0)
        self.assertEqual(doc["refused"], [])

    def test_type_filter(self):
        doc = self.find_json("--type", "File", self.uniq)
        self.assertEqual(sorted(names(doc)), sorted([
            (self.a.pid, self.h["a.file"]), (self.c.pid, self.h["c.file"])]))
        self.assertEqual(doc["types"], ["File"])
        doc = self.find_json("--type", "key", "--type", "Event", self.uniq)
        self.assertEqual(sorted(names(doc)), sorted([
            (self.b.pid, self.h["b.key"]), (self.b.pid, self.h["b.event"]),
            (self.c.pid, self.h["c.event"])]))
        # fewer names read than with every default type
        all_types = self.find_json(self.uniq)
        self.assertLess(doc["names_read"], all_types["names_read"])

    def test_text_by_full_path(self):
        res = self.find(self.file)
        out = res.stdout.decode("utf-8")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^\s*PID  IMAGE\s+HANDLE  TYPE  ACCESS"
                         r"\s+NAME$")
        rows = [l for l in lines[1:] if self.uniq in l]
        self.assertEqual(len(rows), 2, out)
        # by pid, which Wine does not hand out in order
        holders = sorted(((self.a, "a.file"), (self.c, "c.file")),
                         key=lambda th: th[0].pid)
        for row, (t, h) in zip(rows, holders):
            words = row.split()
            self.assertEqual(int(words[0]), t.pid)
            self.assertEqual(words[1], "hl-target.exe")
            self.assertEqual(int(words[2], 16), self.h[h])
            self.assertEqual(words[3], "File")
        # the columns line up: every name starts where the header's does
        col = lines[0].index("NAME")
        for row in rows:
            self.assertEqual(row[col:].lower(), self.file.lower())
        self.assertIn("2 handles in 2 processes (", out)

    def test_globs(self):
        # a glob matches the whole name: the event's NT name ends so
        doc = self.find_json("*\\" + self.event.upper())
        self.assertEqual(sorted(names(doc)), sorted([
            (self.b.pid, self.h["b.event"]),
            (self.c.pid, self.h["c.event"])]))
        # ... and a glob of a part of it matches nothing
        self.find(self.uniq + "*", rc=1)

    def test_no_match_and_typo(self):
        res = self.find(self.uniq + "-nothing", rc=1)
        self.assertIn("0 handles in 0 processes",
                      res.stdout.decode("utf-8"))
        res = self.find("--type", "Evnt", self.uniq, rc=2)
        self.assertIn("did you mean 'Event'?", res.stderr.decode("utf-8"))
        self.assertEqual(res.stdout, b"")

    def test_timeout_threads_deadline_options(self):
        """--timeout, --threads and --deadline live, with d's pipe that has
        a read pending: a name that timed out is counted, reported on both
        streams and turns "none matched" (1) into "could not look" (4).
        Wine answers that pipe's name at once (test_hang_live.py), so here
        a timeout happens only if a 1 ms wait loses a race; which one ran
        is printed. The timeout itself is shown through the NT table
        (tests/win/test-find.c, test_cmd_timeout_is_no_non_match)."""
        nothing = self.uniq + "-nothing"
        res = wine(args().hleak, "find", "--timeout", "1", "--threads", "1",
                   "--deadline", "60", "--json", "--type", "File", nothing)
        self.assertIn(res.returncode, (1, 4), describe(res))
        doc = json.loads(res.stdout.decode("utf-8"))
        self.assertEqual(doc["matches"], [])
        self.assertGreater(doc["names_read"], 0)
        timed_out = doc["timeouts"]
        self.assertEqual(res.returncode, 4 if timed_out else 1,
                         describe(res))
        err = res.stderr.decode("utf-8")
        self.assertEqual("timed out (--timeout)" in err, timed_out > 0, err)
        print("\nfind --timeout 1 with a blocked pipe: %d name quer%s "
              "timed out, exit %d" % (timed_out, "y" if timed_out == 1
                                      else "ies", res.returncode),
              file=sys.stderr)
        res = wine(args().hleak, "find", "--timeout", "1", "--type", "File",
                   nothing)
        out = res.stdout.decode("utf-8")
        self.assertIn(res.returncode, (1, 4), describe(res))
        self.assertEqual("timed out, not matched" in out,
                         res.returncode == 4, out)
        # the holders are found the same on one thread as on the default
        # two, within a 1 s deadline
        doc = self.find_json("--threads", "1", "--deadline", "1", self.uniq)
        self.assertEqual(len(doc["matches"]), 5)
        for argv, needle in ((["--timeout", "60001"],
                              "invalid timeout '60001'"),
                             (["--threads", "17"],
                              "invalid thread count '17'"),
                             (["--deadline", "0"], "invalid deadline '0'")):
            res = self.find(*argv, self.uniq, rc=2)
            self.assertIn(needle, res.stderr.decode("utf-8"))
            self.assertEqual(res.stdout, b"")


if __name__ == "__main__":
    test_live.main()
