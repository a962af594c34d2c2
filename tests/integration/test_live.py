#!/usr/bin/env python3
"""Live tests: hleak.exe under Wine against hl-target, a process whose
handles the test opens and closes itself, so every value, type and name
that hleak reports can be checked against what is known to be there.

Usage: test_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                    [--wine-run SCRIPT] [--native HLEAK] [unittest args]

Without --wine-run (a build on Windows itself) the programs run directly.
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


def wrap(argv):
    """argv under the Wine wrapper, or as it is on Windows itself."""
    return ([ARGS.wine_run] if ARGS.wine_run else []) + argv


def wine(*args, **kw):
    return run(wrap([str(a) for a in args]), **kw)


def winepath(path):
    """The Windows form of a Linux path, as Wine itself converts it."""
    if not ARGS.wine_run:
        return os.path.abspath(path)
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
    """hl-target under Wine, driven over its line protocol; exe is
    another build of it (default: --target)."""

    def __init__(self, workdir, exe=None):
        # one per target: a test may run several
        self.errlog = tempfile.TemporaryFile(dir=workdir)
        self.proc = subprocess.Popen(
            wrap([exe or ARGS.target]), stdin=subprocess.PIPE,
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
    # the key hl-target's "hklm-key Software" opens (test_wow64_live.py:
    # a 32-bit target under WOW64 gets the redirected 32-bit view)
    hklm_software = "HKLM\\Software"

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
            self.exact_check(self.hklm_software), "HKLM\\Software")
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

    # ---- hleak watch ----

    def start_leaker(self, count, interval_ms, log=None):
        """hl-target in its demo mode (leak-events); returns (process,
        pid, queue of its stdout lines)."""
        argv = wrap([ARGS.target, "leak-events", str(count),
                     str(interval_ms)])
        if log:
            argv.append(self.win(log))
        errlog = open(os.path.join(self.dir, "leaker.stderr"), "w+b")
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=errlog,
                                env=wine_env())
        lines = queue.Queue()

        def read():
            for raw in proc.stdout:
                lines.put(raw.decode("utf-8").strip())
            lines.put(None)

        def stop():
            try:
                if proc.poll() is None:
                    proc.stdin.write(b"exit\n")
                    proc.stdin.flush()
                    proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)
                for f in (proc.stdin, proc.stdout, errlog):
                    try:
                        f.close()
                    except OSError:
                        pass

        threading.Thread(target=read, daemon=True).start()
        self.addCleanup(stop)
        words = (lines.get(timeout=REPLY_TIMEOUT) or "").split()
        self.assertEqual(words[:1], ["ready"], "hl-target did not start")
        return proc, int(words[1]), lines

    def watch_verdict(self, res):
        out = res.stdout.decode("utf-8")
        self.assertIn("verdict after", out, describe(res))
        verdict = {}
        for m in re.finditer(r"^  (\S+) +(growing|stable|shrinking|unknown)"
                             r" +([+-]\d+\.\d)/min", out, re.M):
            verdict[m.group(1)] = (m.group(2), float(m.group(3)))
        return verdict

    def read_csv(self, name):
        import csv
        with open(os.path.join(self.dir, name), newline="",
                  encoding="utf-8") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0][:3], ["time", "elapsed_s", "total"])
        types = rows[0][3:]
        self.assertEqual(types, sorted(types))
        out = []
        for r in rows[1:]:
            self.assertEqual(len(r), len(rows[0]), r)
            counts = dict(zip(types, (int(v) for v in r[3:])))
            self.assertEqual(int(r[2]), sum(counts.values()), r)
            out.append((self.csv_filetime(r[0]), float(r[1]), counts))
        for a, b in zip(out, out[1:]):
            self.assertLess(a[1], b[1])
            self.assertLessEqual(a[0], b[0])
        return types, out

    @staticmethod
    def csv_filetime(text):
        import datetime
        when = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
        delta = when - datetime.datetime(1601, 1, 1)
        return (delta.days * 86400 + delta.seconds) * 10**7 + \
            delta.microseconds * 10

    def read_svg(self, name):
        import xml.etree.ElementTree as ET
        root = ET.parse(os.path.join(self.dir, name)).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        self.assertEqual(root.tag, ns + "svg")
        lines = {p.get("data-type"): p.get("points").split()
                 for p in root.iter(ns + "polyline")}
        texts = [t.text for t in root.iter(ns + "text")]
        return lines, texts

    def test_live_watch_finds_the_growing_type(self):
        interval = 0.5
        rate = 10.0  # events per second: one every 100 ms
        _, pid, _ = self.start_leaker(600, 100, "leak.log")
        # --keep makes its folder
        res = wine(ARGS.hleak, "watch", "-p", pid, "--interval", "500ms",
                   "--duration", "6s", "--csv", self.win("w.csv"),
                   "--svg", self.win("w.svg"), "--keep", self.win("keep"),
                   "--fail-on-growth", "Event=10")
        self.assertEqual(res.returncode, 1, describe(res))
        err = res.stderr.decode("utf-8", "replace")
        self.assertIn("Event grows by", err)
        verdict = self.watch_verdict(res)
        self.assertEqual(verdict["Event"][0], "growing", verdict)
        # Sleep(100) under Wine takes 100 ms or a little more
        self.assertTrue(400 < verdict["Event"][1] < 650, verdict)
        for typ, (cls, _) in verdict.items():
            if typ != "Event":
                self.assertEqual(cls, "stable", (typ, verdict))

        # not a terminal: one plain line per sample, no control codes
        out = res.stdout.decode("utf-8")
        self.assertNotIn("\x1b", out)
        plain = [l for l in out.splitlines() if l.startswith("t=")]

        types, rows = self.read_csv("w.csv")
        self.assertEqual(len(rows), len(plain))
        self.assertGreaterEqual(len(rows), 10)
        self.assertLessEqual(len(rows), 13)
        self.assertLessEqual(rows[-1][1], 6.0 + interval)
        self.assertEqual(sorted(verdict), types)

        # The target's own record of when it made each event: between
        # the first and each later sample, the CSV's Event count must
        # grow by what the target made between those moments, give or
        # take one interval at either end.
        with open(os.path.join(self.dir, "leak.log")) as f:
            made = [int(l.split()[1]) for l in f if l.strip()]

        def made_by(ft):
            return sum(1 for t in made if t <= ft)
        iv = int(interval * 10**7)
        t0, _, c0 = rows[0]
        for ft, elapsed, counts in rows[1:]:
            got = counts["Event"] - c0["Event"]
            lo = made_by(ft - iv) - made_by(t0 + iv)
            hi = made_by(ft + iv) - made_by(t0 - iv)
            self.assertTrue(lo <= got <= hi,
                            "at %.3f s: CSV says +%d Events, the target "
                            "made between +%d and +%d" % (elapsed, got,
                                                           lo, hi))
            self.assertAlmostEqual(got, elapsed * rate,
                                   delta=rate * interval + 0.1 * got)

        lines, texts = self.read_svg("w.svg")
        self.assertEqual(sorted(lines), types)
        for typ, points in lines.items():
            self.assertEqual(len(points), len(rows), typ)
        self.assertIn("seconds since start", texts)
        self.assertTrue(any(t and t.startswith("Event: growing")
                            for t in texts), texts)

        for snap in ("first.snap", "last.snap"):
            self.assertTrue(os.path.isfile(os.path.join(self.dir, "keep",
                                                        snap)), snap)
        dres = wine(ARGS.hleak, "diff", "--json",
                    self.win("keep\\first.snap"),
                    self.win("keep\\last.snap"))
        self.assertEqual(dres.returncode, 0, describe(dres))
        doc = json.loads(dres.stdout.decode("utf-8"))
        opened = sum(len(g["handles"]) for g in doc["opened"]
                     if g["type"] == "Event")
        # the kept snapshots are the first and last samples themselves
        self.assertEqual(opened, rows[-1][2]["Event"] - rows[0][2]["Event"])
        self.assertEqual([g for g in doc["opened"] if g["type"] != "Event"],
                         [])

    def test_live_watch_ends_when_the_target_exits(self):
        for extra, want in (([], 3), (["--until-exit"], 0)):
            with self.subTest(args=extra):
                tag = "u" if extra else "x"
                proc, pid, lines = self.start_leaker(5, 100)
                self.assertEqual(lines.get(timeout=REPLY_TIMEOUT),
                                 "leaked 5")
                watch = subprocess.Popen(
                    wrap([ARGS.hleak, "watch", "-p", str(pid),
                          "--interval", "200ms", "--duration", "60s",
                          "--csv", self.win(tag + ".csv"),
                          "--svg", self.win(tag + ".svg")] + extra),
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env=wine_env())
                try:
                    import time
                    time.sleep(3)
                    proc.stdin.write(b"exit\n")
                    proc.stdin.flush()
                    proc.wait(timeout=10)
                    out, err = watch.communicate(timeout=30)
                finally:
                    if watch.poll() is None:
                        watch.kill()
                        watch.communicate()
                res = subprocess.CompletedProcess(watch.args,
                                                  watch.returncode, out, err)
                self.assertEqual(res.returncode, want, describe(res))
                self.assertRegex(err.decode("utf-8", "replace"),
                                 r"process %d exited after \d+\.\d s" % pid)
                types, rows = self.read_csv(tag + ".csv")
                self.assertGreaterEqual(len(rows), 3)
                # a plain line for every sample, the last before the exit
                self.assertEqual(len(rows), len([
                    l for l in out.decode("utf-8").splitlines()
                    if l.startswith("t=")]))
                self.assertLess(rows[-1][1], 30)
                lines_svg, _ = self.read_svg(tag + ".svg")
                self.assertEqual(sorted(lines_svg), types)
                verdict = self.watch_verdict(res)
                self.assertEqual(verdict.get("Event", ("",))[0], "stable",
                                 verdict)

    def dump_streams(self, data):
        """{stream type: (size, rva)} of a minidump, first of each type."""
        import struct
        self.assertGreaterEqual(len(data), 32)
        sig, ver, n, rva = struct.unpack_from("<IIII", data, 0)
        self.assertEqual(sig, 0x504d444d)
        self.assertEqual(ver & 0xffff, 0xa793)
        self.assertLessEqual(rva + 12 * n, len(data))
        out = {}
        for i in range(n):
            typ, size, at = struct.unpack_from("<III", data, rva + 12 * i)
            self.assertLessEqual(at + size, len(data))
            out.setdefault(typ, (size, at))
        return out

    def test_live_dump_is_a_minidump_without_handle_data(self):
        """Wine's dbghelp writes threads, modules and misc info but no
        handle data stream: what Wine does write is checked, and `show`
        must refuse the dump with the capture advice."""
        import struct
        self.target.open("event 3")
        path = os.path.join(self.dir, "live.dmp")
        res = wine(ARGS.hleak, "dump", "-p", self.target.pid,
                   "-o", self.win("live.dmp"))
        with open(path, "rb") as f:
            data = f.read()
        streams = self.dump_streams(data)
        # read back: a dump without handle data fails, and is kept
        self.assertEqual(res.returncode, 0 if 12 in streams else 3,
                         describe(res))
        self.assertIn("wrote", res.stderr.decode("utf-8", "replace"))
        self.assertIn(3, streams, "no thread list")
        self.assertIn(4, streams, "no module list")
        size, at = streams[3]
        self.assertGreaterEqual(struct.unpack_from("<I", data, at)[0], 1)
        size, at = streams[4]
        nmod = struct.unpack_from("<I", data, at)[0]
        self.assertGreaterEqual(nmod, 1)
        first = at + (8 if size == 8 + 108 * nmod else 4)
        name_rva = struct.unpack_from("<I", data, first + 20)[0]
        nlen = struct.unpack_from("<I", data, name_rva)[0]
        image = data[name_rva + 4:name_rva + 4 + nlen].decode("utf-16-le")
        self.assertTrue(image.lower().endswith("hl-target.exe"), image)
        if 15 in streams:
            size, at = streams[15]
            flags, pid = struct.unpack_from("<II", data, at + 4)
            if flags & 1:
                self.assertEqual(pid, self.target.pid)
        self.assertEqual([f for f in os.listdir(self.dir) if ".tmp-" in f],
                         [])
        if 12 in streams:
            self.skipTest("this Wine writes a handle data stream: extend "
                          "the test to check its handles")
        res = wine(ARGS.hleak, "show", self.win("live.dmp"))
        self.assertEqual(res.returncode, 3, describe(res))
        err = res.stderr.decode("utf-8", "replace")
        self.assertIn("the dump has no handle data", err)
        self.assertIn("Wine", err)

    def test_live_dump_missing_pid_fails_without_file(self):
        res = wine(ARGS.hleak, "dump", "-p", MISSING_PID,
                   "-o", self.win("missing.dmp"))
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn(str(MISSING_PID), res.stderr.decode("utf-8", "replace"))
        self.assertEqual([f for f in os.listdir(self.dir) if ".dmp" in f],
                         [])

    @staticmethod
    def complete_snapshot(data):
        """Magic, the file's own length and its CRC: a whole snapshot."""
        import struct
        import zlib
        if len(data) < 24 or data[:8] != b"HLEAK\x1a\r\n":
            return False
        if struct.unpack_from("<Q", data, 12)[0] != len(data):
            return False
        crc = zlib.crc32(data[24:], zlib.crc32(data[:20]))
        return crc == struct.unpack_from("<I", data, 20)[0]

    @staticmethod
    def complete_dump(data):
        """The MDMP signature and a stream directory inside the file."""
        import struct
        if len(data) < 32 or data[:4] != b"MDMP":
            return False
        n, rva = struct.unpack_from("<II", data, 8)
        if rva + 12 * n > len(data):
            return False
        for i in range(n):
            _, size, at = struct.unpack_from("<III", data, rva + 12 * i)
            if at + size > len(data):
                return False
        return True

    def assert_written(self, command, res):
        """Exit 0; for dump under Wine, 3 for its dump without handle
        data, which it writes whole and keeps."""
        if command == "dump" and b"without handle data" in res.stderr:
            self.assertEqual(res.returncode, 3, describe(res))
        else:
            self.assertEqual(res.returncode, 0, describe(res))

    def kill_during(self, command, name, complete, runs):
        """Runs `hleak COMMAND -p PID -o NAME` to its end, then `runs`
        times killed (SIGKILL to the Wine process) at moments spread over
        its duration. The file must always be the previous one, byte for
        byte, or a complete new one. Returns (kept, replaced)."""
        import time
        path = os.path.join(self.dir, name)
        argv = wrap([ARGS.hleak, command, "-p",
                     str(self.target.pid), "-o", self.win(name)])
        t0 = time.monotonic()
        res = run(argv)
        took = time.monotonic() - t0
        self.assert_written(command, res)
        with open(path, "rb") as f:
            old = f.read()
        self.assertTrue(complete(old))
        kept = replaced = 0
        for i in range(runs):
            delay = took * (i + random.random()) / runs
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=wine_env())
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.kill()
            p.wait(timeout=RUN_TIMEOUT)
            with open(path, "rb") as f:
                data = f.read()
            if data == old:
                kept += 1
                continue
            self.assertTrue(complete(data),
                            "killed after %.2f s: %s is neither the old "
                            "file nor a complete new one (%d bytes)"
                            % (delay, name, len(data)))
            replaced += 1
            old = data
        # a run to its end adds no temporary file (a killed one may have
        # left "NAME.tmp-<its pid>-<n>": nothing cleans another's file)
        temps = {f for f in os.listdir(self.dir) if ".tmp-" in f}
        res = run(argv)
        self.assert_written(command, res)
        self.assertEqual({f for f in os.listdir(self.dir) if ".tmp-" in f},
                         temps)
        with open(path, "rb") as f:
            self.assertTrue(complete(f.read()))
        return kept, replaced, len(temps)

    def test_live_killed_writes_leave_old_or_new_file(self):
        """hleak killed at any moment of `snapshot` or `dump` over an
        existing file leaves the old file or a complete new one, never a
        half-written file: the output is written to a temporary file
        beside it and renamed over it only once whole."""
        for _ in range(200):   # 100 at most a request
            self.target.open("event 100")
        figures = self.kill_during("snapshot", "k.snap",
                                   self.complete_snapshot, 8)
        sys.stderr.write("\nkilled snapshot: %d kept, %d replaced, %d "
                         "temporary files left\n" % figures)
        figures = self.kill_during("dump", "k.dmp", self.complete_dump, 3)
        sys.stderr.write("killed dump: %d kept, %d replaced, %d temporary "
                         "files left\n" % figures)

    def test_live_dead_threads_and_numbered_files(self):
        """Issue 10: 30 numbered files are one File group; 3 threads that
        exited with their handles kept open are dead targets, gated."""
        t = self.target
        live = t.open("thread 2")
        self.snapshot("t1.snap")
        files = []
        for n in range(1000, 1030):
            files += t.open("file " + self.win("req-%d.tmp" % n))
        dead = t.open("exited-thread 3")
        self.snapshot("t2.snap")

        res = wine(ARGS.hleak, "diff", "--json", "t1.snap", "t2.snap",
                   cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        doc = json.loads(res.stdout.decode("utf-8"))
        fgroups = [g for g in doc["opened"] if g["type"] == "File"]
        self.assertEqual(len(fgroups), 1, fgroups)
        g = fgroups[0]
        self.assertEqual(g["count"], 30)
        self.assertTrue(g["pattern"].endswith("\\req-{n}.tmp"), g)
        self.assertEqual(len(g["names"]), 30)
        self.assertEqual(sorted(g["handles"]), sorted(files))
        d = doc["dead"]
        self.assertIs(d["recorded"], True)
        self.assertEqual((d["threads"], d["processes"]), (3, 0), d)
        self.assertEqual(sorted(h["handle"] for h in d["exited"]),
                         sorted(dead))
        for h in d["exited"]:
            self.assertEqual((h["type"], h["exit_code"]), ("Thread", 42), h)
            self.assertIsInstance(h["target_id"], int)
        self.assertGreaterEqual(d["alive"], 2)

        def gate(*opts):
            return wine(ARGS.hleak, "diff", *opts, "t1.snap", "t2.snap",
                        cwd=self.dir)
        self.assertEqual(gate("--fail-on-dead", "3").returncode, 0)
        res = gate("--fail-on-dead", "2", "--junit", "dead.xml")
        self.assertEqual(res.returncode, 1, describe(res))
        with open(os.path.join(self.dir, "dead.xml"), encoding="utf-8") as f:
            junit = f.read()
        self.assertIn('name="fail-on-dead"', junit)
        self.assertEqual(junit.count("(exited, code 42)"), 3, junit)
        text = gate().stdout.decode("utf-8")
        self.assertIn("dead targets: 3 handles to exited threads (tid ",
                      text)

        show, _ = self.show_json("t2.snap")
        hv = self.by_value(show)
        for v in dead:
            self.assertIs(hv[v]["target_exited"], True, hv[v])
            self.assertEqual(hv[v]["exit_code"], 42, hv[v])
        for v in live:
            self.assertIs(hv[v]["target_exited"], False, hv[v])
            self.assertIsNone(hv[v]["exit_code"], hv[v])
        self.assertEqual(show["dead"]["threads"], 3)
        self.assertNotIn("target_exited", hv[files[0]])

        # GUI counts: whatever the system reports, never a silent 0
        gui = show["gui"]
        self.assertIsNotNone(gui)
        stext = wine(ARGS.hleak, "show", self.win("t2.snap"))
        stext = stext.stdout.decode("utf-8")
        if gui["reported"]:
            self.assertIsInstance(gui["gdi"], int)
            self.assertIn(" GDI object", stext)
        else:
            self.assertEqual([gui[k] for k in ("gdi", "user", "gdi_peak",
                                               "user_peak")], [None] * 4)
            self.assertIn("gui       not reported by the system\n", stext)
        sys.stderr.write("GUI objects under this system: %r\n" % (gui,))

    def test_live_trace_unsupported_under_wine(self):
        """Wine has no handle tracing: trace says so plainly (exit 3), and
        snapshot still works, without stacks."""
        if not ARGS.wine_run:
            self.skipTest("not under Wine: Windows has handle tracing")
        for action in ("on", "status", "off"):
            res = wine(ARGS.hleak, "trace", action, "-p", self.target.pid)
            err = res.stderr.decode("utf-8", "replace")
            self.assertEqual(res.returncode, 3, describe(res))
            self.assertIn("handle tracing is not supported on this system",
                          err)
            self.assertNotIn("raises an exception", err)
        res = wine(ARGS.hleak, "trace", "on", "-p", self.target.pid,
                   "--slots", "5")
        self.assertEqual(res.returncode, 2, describe(res))
        res = wine(ARGS.hleak, "trace", "on", "-p", MISSING_PID)
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn(str(MISSING_PID), res.stderr.decode("utf-8", "replace"))

        self.target.open("event 2")
        _, res = self.snapshot("t.snap", "--symbols")
        err = res.stderr.decode("utf-8", "replace")
        self.assertIn("handle tracing of process %s is off" % self.target.pid,
                      err)
        doc, _ = self.show_json("t.snap")
        self.assertTrue(doc["handles"])
        for h in doc["handles"]:
            self.assertIn(h.get("open_stack"), (None, []), h)


def arg_parser(doc, target=True, wine_run_required=False):
    """The options every live test file takes: --hleak, --target (unless
    target is False), --wine-run and --native; add a file's own to it."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--hleak", required=True)
    if target:
        parser.add_argument("--target", required=True)
    if wine_run_required:
        parser.add_argument("--wine-run", required=True)
    else:
        parser.add_argument("--wine-run", default="")
    parser.add_argument("--native")
    return parser


def parse(parser):
    """Parses the command line into ARGS, which the helpers here read;
    returns it and the arguments left for unittest."""
    global ARGS
    ARGS, rest = parser.parse_known_args()
    return ARGS, rest


def run_tests(rest):
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def main():
    _, rest = parse(arg_parser(__doc__))
    run_tests(rest)


if __name__ == "__main__":
    main()
