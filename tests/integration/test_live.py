#!/usr/bin/env python3
"""Live tests: hleak.exe under Wine against hl-target, a process whose
handles the test opens and closes itself, so every value, type and name
that hleak reports can be checked against what is known to be there.

Usage: test_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                    --wine-run SCRIPT [--native HLEAK] [unittest args]
"""

import argparse
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

ARGS = None

# Every subprocess gets a deadline: a hung Wine must fail the test, not
# hold CI until its global timeout.
RUN_TIMEOUT = 120
REPLY_TIMEOUT = 60

# No process has this pid under Wine, whose pids are small numbers.
MISSING_PID = 999999


def wine_env():
    env = dict(os.environ)
    # Wine converts file names and console text with the Unix locale;
    # UTF-8 keeps the non-ASCII names intact.
    env["LC_ALL"] = "C.UTF-8"
    return env


def run(cmd, timeout=RUN_TIMEOUT, cwd=None):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, cwd=cwd, env=wine_env())


def wine(*args, **kw):
    return run([ARGS.wine_run] + [str(a) for a in args], **kw)


def winepath(path):
    """The Windows form of a Linux path, as Wine itself converts it."""
    res = wine("winepath", "-w", path)
    if res.returncode != 0:
        raise RuntimeError("winepath -w %s failed: %s"
                           % (path, res.stderr.decode(errors="replace")))
    return res.stdout.decode("utf-8").strip()


def describe(res):
    return "exit %d\nstdout: %s\nstderr: %s" % (
        res.returncode, res.stdout.decode("utf-8", "replace"),
        res.stderr.decode("utf-8", "replace"))


class Target:
    """hl-target under Wine, driven over its line protocol."""

    def __init__(self, workdir):
        self.errlog = open(os.path.join(workdir, "target.stderr"), "w+b")
        self.proc = subprocess.Popen(
            [ARGS.wine_run, ARGS.target], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.errlog, env=wine_env())
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            words = self._line().split()
            if len(words) != 2 or words[0] != "ready":
                raise RuntimeError("hl-target did not start: %r" % words)
        except BaseException:
            self.stop()
            raise
        self.pid = int(words[1])

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode("utf-8").rstrip("\r\n"))
        self.lines.put(None)

    def _line(self):
        try:
            line = self.lines.get(timeout=REPLY_TIMEOUT)
        except queue.Empty:
            raise RuntimeError("hl-target did not answer within %d s"
                               % REPLY_TIMEOUT) from None
        if line is None:
            self.errlog.seek(0)
            raise RuntimeError("hl-target exited: %s"
                               % self.errlog.read().decode(errors="replace"))
        return line

    def ask(self, command):
        self.proc.stdin.write((command + "\n").encode("utf-8"))
        self.proc.stdin.flush()
        return self._line()

    def open(self, what):
        words = self.ask("open " + what).split()
        if not words or words[0] != "ok":
            raise RuntimeError("open %s: %s" % (what, " ".join(words)))
        return [int(w) for w in words[1:]]

    def close(self, ids):
        reply = self.ask("close " + " ".join(str(i) for i in ids))
        if reply != "ok":
            raise RuntimeError("close %s: %s" % (ids, reply))

    def count(self):
        words = self.ask("count").split()
        if len(words) != 2 or words[0] != "count":
            raise RuntimeError("count: %r" % words)
        return int(words[1])

    def listing(self):
        """{id: (kind, name)} for every handle the target holds open."""
        self.proc.stdin.write(b"list\n")
        self.proc.stdin.flush()
        out = {}
        while True:
            line = self._line()
            if line == "end":
                return out
            ident, _hexval, kind, name = line.split(" ", 3)
            out[int(ident)] = (kind, name)

    def stop(self):
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write(b"exit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc.stdout.close()
            self.proc.stdin.close()
            self.errlog.close()


class LiveTest(unittest.TestCase):

    maxDiff = None

    def setUp(self):
        self.tag = "%08x" % random.getrandbits(32)
        self.dir = tempfile.mkdtemp(prefix="hleak-live-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = winepath(self.dir)
        self.keyroot = "Software\\hleak-test-" + self.tag
        self.target = Target(self.dir)
        self.addCleanup(self.target.stop)
        self.addCleanup(self.delete_keys)

    def delete_keys(self):
        try:
            self.target.ask("delete-key " + self.keyroot)
        except (OSError, RuntimeError):
            pass

    def win(self, name):
        return self.windir + "\\" + name

    def snapshot(self, name, *extra):
        path = os.path.join(self.dir, name)
        res = wine(ARGS.hleak, "snapshot", "-p", self.target.pid,
                   "-o", self.win(name), *extra)
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertTrue(os.path.isfile(path), describe(res))
        return path, res

    def show_json(self, name):
        res = wine(ARGS.hleak, "show", "--json", self.win(name))
        self.assertEqual(res.returncode, 0, describe(res))
        return json.loads(res.stdout.decode("utf-8")), res

    def by_value(self, doc):
        out = {}
        for h in doc["handles"]:
            self.assertNotIn(h["handle"], out, "handle listed twice")
            out[h["handle"]] = h
        return out

    def open_known(self):
        """Opens one of everything; {id: (expected type, check, label)}."""
        t = self.target
        pid = t.pid
        expect = {}

        def add(ids, typ, check, label):
            for i in ids:
                expect[i] = (typ, check, label)

        add(t.open("event 5"), "Event", self.unnamed_check,
            "unnamed event")
        for base in ("hleak-\u00fc-", "hleak-e2-"):
            name = base + self.tag
            add(t.open("named-event " + name), "Event",
                self.object_name_check(name, same_friendly=True), name)
        name = "hleak-mutex-" + self.tag
        add(t.open("mutex " + name), "Mutant",
            self.object_name_check(name), name)
        name = "hleak-sem-" + self.tag
        add(t.open("semaphore " + name), "Semaphore",
            self.object_name_check(name), name)
        for fname in ("plain-%s.txt" % self.tag,
                      "f\u00fc\u00df-%s.txt" % self.tag):
            winp = self.win(fname)
            add(t.open("file " + winp), "File", self.file_check(winp),
                fname)
        for sub in ("k1", "k2\\deeper"):
            key = self.keyroot + "\\" + sub
            add(t.open("key " + key), "Key",
                self.exact_check("HKCU\\" + key), key)
        add(t.open("hklm-key Software"), "Key",
            self.exact_check("HKLM\\Software"), "HKLM\\Software")
        threads = t.open("thread 2")
        listing = t.listing()
        for tid in threads:
            label = listing[tid][1]
            self.assertTrue(label.startswith("tid "), label)
            tnum = int(label.split()[1])
            add([tid], "Thread", self.exact_check(
                "tid %d in hl-target.exe (pid %d)" % (tnum, pid), False),
                "thread")
        add(t.open("process"), "Process",
            self.exact_check("hl-target.exe (pid %d)" % pid, False),
            "process")
        return expect

    def unnamed_check(self, h):
        self.assertEqual((h["name"], h["nt_name"], h["name_error"]),
                         ("", "", None), h)

    def object_name_check(self, name, same_friendly=False):
        def check(h):
            self.assertTrue(h["nt_name"].endswith(
                "\\BaseNamedObjects\\" + name), h)
            if same_friendly:
                self.assertEqual(h["name"], h["nt_name"], h)
            else:
                self.assertTrue(h["name"].endswith(name), h)
        return check

    def file_check(self, winp):
        # Wine answers \??\Z:\...; Windows would say \Device\...; either
        # way the friendly name is a DOS path ending with the file's path.
        tail = winp.split(":", 1)[1].lower()

        def check(h):
            self.assertTrue(h["name"].lower().endswith(tail), h)
            self.assertRegex(h["name"], r"^([A-Za-z]:\\|\\\\)", h)
        return check

    def exact_check(self, want, fold_case=True):
        def check(h):
            if fold_case:
                self.assertEqual(h["name"].lower(), want.lower(), h)
            else:
                self.assertEqual(h["name"], want, h)
        return check

    def test_live_snapshot_has_opened_handles(self):
        expect = self.open_known()
        path, res = self.snapshot("known.snap")
        doc, _ = self.show_json("known.snap")
        got = self.by_value(doc)
        for ident, (typ, check, label) in sorted(expect.items()):
            with self.subTest(handle=ident, what=label):
                self.assertIn(ident, got, "hleak missed %s" % label)
                self.assertEqual(got[ident]["type"], typ, got[ident])
                if check:
                    check(got[ident])
        self.assertEqual(doc["process"]["pid"], self.target.pid)
        self.assertTrue(doc["process"]["image"].lower()
                        .endswith("hl-target.exe"), doc["process"])
        counts = {e["type"]: e["count"] for e in doc["by_type"]}
        self.assertGreaterEqual(counts.get("Event", 0), 7, counts)
        self.assertEqual(sum(counts.values()), len(doc["handles"]))
        wrote = re.search(r"wrote .*known\.snap \((\d+) handles[,)]",
                          res.stderr.decode("utf-8", "replace"))
        self.assertIsNotNone(wrote, describe(res))
        self.assertEqual(int(wrote.group(1)), len(doc["handles"]))

    def test_live_handle_count_matches_target(self):
        self.open_known()
        before = self.target.count()
        self.snapshot("count.snap")
        after = self.target.count()
        self.assertEqual(before, after, "the target changed meanwhile")
        doc, _ = self.show_json("count.snap")
        self.assertEqual(doc["process"]["handle_count"], before)
        self.assertEqual(len(doc["handles"]), before)

    def test_live_reused_values_show_in_second_snapshot(self):
        t = self.target
        events = t.open("event 4")
        mutex = t.open("mutex hleak-reuse-" + self.tag)
        fileh = t.open("file " + self.win("reuse-%s.txt" % self.tag))
        self.snapshot("first.snap")
        first = self.by_value(self.show_json("first.snap")[0])

        closed = events[1:3] + mutex + fileh
        t.close(closed)
        reopened = t.open("event %d" % len(closed))
        self.assertEqual(sorted(reopened), sorted(closed),
                         "Wine is expected to hand out freed values again")
        self.snapshot("second.snap")
        second = self.by_value(self.show_json("second.snap")[0])

        expect = {v: h["type"] for v, h in first.items()}
        for v in closed:
            expect.pop(v)
        for v in reopened:
            expect[v] = "Event"
        self.assertEqual({v: h["type"] for v, h in second.items()}, expect)
        for v in mutex + fileh:
            self.assertNotEqual(first[v]["type"], "Event")
            self.assertEqual(second[v]["name"], "", second[v])

    def test_live_missing_pid_fails_without_file(self):
        out = os.path.join(self.dir, "missing.snap")
        res = wine(ARGS.hleak, "snapshot", "-p", MISSING_PID,
                   "-o", self.win("missing.snap"))
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn(str(MISSING_PID), res.stderr.decode("utf-8", "replace"))
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.dir)
                          if f.endswith(".snap") or ".snap." in f], [])

    def test_live_show_rejects_corrupt_files(self):
        path, _ = self.snapshot("good.snap")
        with open(path, "rb") as f:
            data = f.read()
        self.assertGreater(len(data), 16)
        bad = {
            "truncated.snap": data[:len(data) // 2],
            "random.snap": bytes(random.getrandbits(8) for _ in range(4096)),
        }
        for name, content in bad.items():
            with self.subTest(file=name):
                with open(os.path.join(self.dir, name), "wb") as f:
                    f.write(content)
                for extra in ([], ["--json"]):
                    res = wine(ARGS.hleak, "show", *extra, self.win(name))
                    self.assertEqual(res.returncode, 3, describe(res))
                    self.assertIn(name, res.stderr.decode("utf-8", "replace"))

    def test_live_show_json_matches_native(self):
        if not ARGS.native or not os.access(ARGS.native, os.X_OK):
            self.skipTest("native hleak not built at %s (build the native "
                          "preset first)" % ARGS.native)
        self.open_known()
        self.snapshot("native.snap")
        # Same relative name on both sides, so any echo of the file name
        # matches too.
        for extra in (["--json"], ["--summary"], []):
            with self.subTest(args=extra):
                wres = wine(ARGS.hleak, "show", *extra, "native.snap",
                            cwd=self.dir)
                nres = run([ARGS.native, "show", *extra, "native.snap"],
                           cwd=self.dir)
                self.assertEqual(wres.returncode, 0, describe(wres))
                self.assertEqual(nres.returncode, 0, describe(nres))
                self.assertEqual(wres.stdout, nres.stdout)

    def test_live_diff_reports_exactly_what_changed(self):
        t = self.target
        events = t.open("event 4")
        mutex = t.open("mutex hleak-dm-" + self.tag)
        t.open("key " + self.keyroot + "\\kept")
        self.snapshot("d1.snap")

        t.close(events[:2] + mutex)
        reopened = t.open("event 3")
        self.assertTrue(set(reopened) & set(events[:2] + mutex),
                        "freed values are expected to be reused")
        named = t.open("named-event hleak-dn-" + self.tag)
        fpath = self.win("diff-%s.log" % self.tag)
        fileh = t.open("file " + fpath)
        self.snapshot("d2.snap")

        res = wine(ARGS.hleak, "diff", "--json", "d1.snap", "d2.snap",
                   cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        doc = json.loads(res.stdout.decode("utf-8"))
        self.assertEqual(doc["match"], "identity")
        opened = {(g["type"], g["name"]): g for g in doc["opened"]}
        closed = {(g["type"], g["name"]): g for g in doc["closed"]}
        # Without kernel object addresses (Wine gives none) an unnamed
        # event reopened at a closed event's value, with the same access,
        # looks exactly like the old one: it counts as unchanged. A value
        # reused by another type (the mutex's) is closed + opened.
        new_events = sorted(set(reopened) - set(events[:2]))
        gone_events = sorted(set(events[:2]) - set(reopened))
        self.assertIn(mutex[0], new_events)
        self.assertEqual(sorted(opened[("Event", "")]["handles"]),
                         new_events)
        nev = [g for k, g in opened.items() if k[0] == "Event" and k[1]]
        self.assertEqual([g["handles"] for g in nev], [named])
        self.assertTrue(nev[0]["name"].endswith("hleak-dn-" + self.tag))
        nfile = [g for k, g in opened.items() if k[0] == "File"]
        self.assertEqual([g["handles"] for g in nfile], [fileh])
        if gone_events:
            self.assertEqual(sorted(closed[("Event", "")]["handles"]),
                             gone_events)
        else:
            self.assertNotIn(("Event", ""), closed)
        mut = [g for k, g in closed.items() if k[0] == "Mutant"]
        self.assertEqual([g["handles"] for g in mut], [mutex])
        n_opened = len(new_events) + 2
        n_closed = len(gone_events) + 1
        self.assertEqual((doc["totals"]["opened"], doc["totals"]["closed"]),
                         (n_opened, n_closed), doc["totals"])
        n_events = len(new_events) + 1

        def gate(*opts):
            return wine(ARGS.hleak, "diff", *opts, "d1.snap", "d2.snap",
                        cwd=self.dir).returncode
        self.assertEqual(gate("--fail-on-new", str(n_opened)), 0)
        self.assertEqual(gate("--fail-on-new", str(n_opened - 1)), 1)
        self.assertEqual(gate("--fail-on", "Event=%d" % n_events), 0)
        self.assertEqual(gate("--fail-on", "event=%d" % (n_events - 1)), 1)
        self.assertEqual(gate("--fail-on-new", "0", "--ignore", "Event:*",
                              "--ignore", "File:*.log"), 0)

        if ARGS.native and os.access(ARGS.native, os.X_OK):
            nres = run([ARGS.native, "diff", "--json", "d1.snap",
                        "d2.snap"], cwd=self.dir)
            self.assertEqual(nres.returncode, 0, describe(nres))
            self.assertEqual(nres.stdout, res.stdout)

    def test_live_snapshots_leave_target_count_unchanged(self):
        self.open_known()
        before = self.target.count()
        for i in range(10):
            self.snapshot("repeat-%d.snap" % i)
        self.assertEqual(self.target.count(), before)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hleak", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--wine-run", required=True)
    parser.add_argument("--native")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
