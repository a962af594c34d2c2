#!/usr/bin/env python3
"""Command-line behaviour of an hleak build: help, usage errors, exit codes,
`show` on a known snapshot, refusal of bad files, and help-vs-docs.

Runs the native binary directly, or a Windows one through --emulator (Wine).
Files are passed by relative name from a temporary working folder, so the
same paths work for both.
"""
import argparse
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

ARGS = None

# EVENT_ALL_ACCESS (0x1f0003) in words, as WinDbg's `!handle 304 7` lists it
EVENT_ALL_NAMES = ["Delete", "ReadControl", "WriteDac", "WriteOwner",
                   "Synch", "QueryState", "ModifyState"]


def unwrap(text):
    """Text with the continuation lines of a wrapped list joined back."""
    return re.sub(r",\n +", ", ", text)


def run(*argv, cwd=None, timeout=120):
    cmd = list(ARGS.prefix) + [ARGS.hleak] + list(argv)
    p = subprocess.run(cmd, cwd=cwd or ARGS.work, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def commands():
    rc, out, _ = run("--help")
    assert rc == 0
    names = re.findall(r"^  (\w+) ", out.split("commands:")[1], re.M)
    assert names, out
    return names


class Help(unittest.TestCase):
    def test_main_help_lists_commands(self):
        rc, out, err = run("--help")
        self.assertEqual(rc, 0)
        self.assertIn("usage: hleak", out)
        self.assertIn("snapshot", out)
        self.assertIn("show", out)
        self.assertEqual(err, "")

    def test_no_arguments_is_usage_error(self):
        rc, out, err = run()
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertIn("usage: hleak", err)

    def test_unknown_command(self):
        rc, _, err = run("snap")
        self.assertEqual(rc, 2)
        self.assertIn("'snap' is not an hleak command", err)

    def test_version(self):
        rc, out, _ = run("--version")
        self.assertEqual(rc, 0)
        # the version alone on the first line: 0.1.0 (a release or no
        # git), 0.1.0+g<hash> or 0.1.0+g<hash>.dirty (cmake/hl-version.cmake)
        self.assertRegex(out, r"^hleak \d+\.\d+\.\d+(\+g[0-9a-f]{7,40}"
                              r"(\.dirty|\.unknown)?)?\n"
                              r"commit: ([0-9a-f]{40}|unknown)\n"
                              r"tree: (clean|dirty|unknown)\n"
                              r"target: (x64|x86|arm64|unknown) \(.*, "
                              r"(32|64)-bit\)\n"
                              r"compiler: \S+ [0-9.]+.*\n$")
        first, commit, tree = out.splitlines()[:3]
        if commit == "commit: unknown":
            self.assertEqual(tree, "tree: unknown")
        elif "+g" not in first:
            # the tagged release commit, built clean
            self.assertEqual(tree, "tree: clean")
        else:
            # the short hash in the version is the commit's
            short = first.split("+g")[1].split(".")[0]
            self.assertTrue(commit[len("commit: "):].startswith(short))
            self.assertEqual(first.endswith(".dirty"), tree == "tree: dirty")
        if ARGS.emulator:
            self.assertIn("(Windows, ", out)

    def test_help_command_equals_dash_dash_help(self):
        for name in commands():
            a = run("help", name)
            b = run(name, "--help")
            self.assertEqual(a, b)
            self.assertEqual(a[0], 0)

    def test_every_command_help_matches_its_doc(self):
        """git t0450: the usage line of --help is the doc's synopsis, and
        every option the help lists is documented."""
        for name in commands():
            rc, out, _ = run(name, "--help")
            self.assertEqual(rc, 0, name)
            usage = out.splitlines()[0]
            self.assertTrue(usage.startswith("usage: hleak " + name), usage)
            doc_path = os.path.join(ARGS.source, "docs", "man",
                                    "hleak-%s.md" % name)
            with open(doc_path, encoding="utf-8") as f:
                doc = f.read()
            self.assertIn(usage[len("usage: "):], doc, doc_path)
            for opt in re.findall(r"^  (?:-\w, )?(--[\w-]+)", out, re.M):
                if opt != "--help":
                    self.assertIn("`" + opt, doc, "%s: %s" % (doc_path, opt))

    def test_readme_names_every_command(self):
        with open(os.path.join(ARGS.source, "README.md"),
                  encoding="utf-8") as f:
            readme = f.read()
        for name in commands():
            self.assertIn("hleak %s" % name, readme)


class Usage(unittest.TestCase):
    def check(self, argv, needle):
        rc, out, err = run(*argv)
        self.assertEqual(rc, 2, (argv, err))
        self.assertEqual(out, "")
        self.assertIn(needle, err)
        self.assertIn("usage: hleak", err)

    def test_show_usage_errors(self):
        self.check(["show"], "no snapshot file given")
        self.check(["show", "a", "b"], "one snapshot file at a time")
        self.check(["show", "--bogus", "a"], "unknown option '--bogus'")
        self.check(["show", "-x", "a"], "unknown option '-x'")
        self.check(["show", "--type"], "option '--type' needs a value")
        self.check(["show", "--json=yes", "a"],
                   "option '--json' takes no value")

    def test_run_usage_errors(self):
        if not ARGS.prefix:
            rc, out, err = run("run", "--", "prog.exe")
            self.assertEqual(rc, 3)
            self.assertEqual(out, "")
            self.assertIn("'run': live collection needs Windows", err)
            self.skipTest("native build: run exits 3 before parsing")
        self.check(["run"], "a program to run expected")
        self.check(["run", "--every", "1ms", "--", "p.exe"],
                   "invalid interval '1ms'")
        self.check(["run", "--warmup", "0s", "--", "p.exe"],
                   "invalid duration '0s'")
        self.check(["run", "--fail-on", "Evnt", "--", "p.exe"],
                   "invalid --fail-on 'Evnt'")
        self.check(["run", "--junit", "-", "--", "p.exe"],
                   "--junit '-': standard output carries")
        for opt in ("--csv", "--svg", "--keep"):
            self.check(["run", opt, "-", "--", "p.exe"],
                       "%s '-': standard output carries the report" % opt)
        self.check(["run", "--bogus", "--", "p.exe"],
                   "unknown option '--bogus'")

    def test_snapshot_usage_errors(self):
        if not ARGS.prefix:
            self.skipTest("native build: snapshot exits 3 before parsing")
        self.check(["snapshot"], "give exactly one of -p PID and -n IMAGE")
        self.check(["snapshot", "-p", "1", "-n", "x.exe"],
                   "give exactly one of -p PID and -n IMAGE")
        self.check(["snapshot", "-p", "12ab"], "invalid pid '12ab'")
        self.check(["snapshot", "-p", "99999999999"], "invalid pid")
        self.check(["snapshot", "-p", "1", "--timeout", "0"],
                   "invalid timeout '0'")
        self.check(["snapshot", "-p", "1", "extra"],
                   "unexpected argument 'extra'")

    def test_watch_keep_folder_that_cannot_be_made(self):
        if not ARGS.prefix:
            self.skipTest("native build: watch needs Windows")
        rc, _, err = run("watch", "-p", "1", "--samples", "1", "--keep",
                         "no-such-parent/keep")
        self.assertEqual(rc, 3, err)
        self.assertIn("cannot create folder 'no-such-parent/keep'", err)

    def test_watch_usage_errors(self):
        if not ARGS.prefix:
            self.skipTest("native build: watch exits 3 before parsing")
        self.check(["watch"], "give exactly one of -p PID and -n IMAGE")
        for bad in ("1", "1sec", "1.5s", "s", "-1s", "10ms", "2d", ""):
            self.check(["watch", "-p", "1", "--interval", bad],
                       "invalid interval '%s'" % bad)
        self.check(["watch", "-p", "1", "--duration", "0s"],
                   "invalid duration '0s'")
        self.check(["watch", "-p", "1", "--duration", "5", "--samples",
                    "3"], "invalid duration '5'")
        self.check(["watch", "-p", "1", "--duration", "5s", "--samples",
                    "3"], "give at most one of --duration and --samples")
        self.check(["watch", "-p", "1", "--samples", "0"],
                   "invalid sample count '0'")
        for bad in ("x", "Event=", "=5", "1.", "Event=-3", "5/min"):
            self.check(["watch", "-p", "1", "--fail-on-growth", bad],
                       "invalid --fail-on-growth '%s'" % bad)


class WatchGate(unittest.TestCase):
    """A growth gate that the planned samples could never satisfy is a
    usage error, before any sample (issue #13)."""

    def test_gate_needs_five_samples(self):
        if not ARGS.prefix:
            self.skipTest("native build: watch exits 3 before parsing")
        check = Usage.check
        for extra, n in ((["--samples", "4"], 4),
                         (["--duration", "1s", "--interval", "300ms"], 4),
                         (["--duration", "3s"], 4)):
            check(self, ["watch", "-p", "1", "--fail-on-growth", "10"] +
                  extra, "--fail-on-growth needs at least 5 samples to "
                  "judge; this watch takes %d" % n)
        # five are enough: the watch starts (and finds no such process)
        rc, out, err = run("watch", "-p", "999999", "--samples", "5",
                           "--fail-on-growth", "10")
        self.assertEqual(rc, 3, err)
        rc, out, err = run("watch", "-p", "999999", "--duration", "4s",
                           "--fail-on-growth", "Event=1")
        self.assertEqual(rc, 3, err)

    def test_help_documents_status_4(self):
        rc, out, _ = run("watch", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("4 a growth gate could not", out)


class Show(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.snap = mkfixture("sample.snap")
        with open(os.path.join(ARGS.work, cls.snap), "rb") as f:
            cls.data = f.read()

    def test_text(self):
        rc, out, err = run("show", self.snap)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("process   app.exe (pid 4242)\n", out)
        self.assertIn("D\u00e9mo", out)
        self.assertRegex(out, r"\n +4  Event\n")
        self.assertRegex(out, r"\n +7  total\n")

    def test_json_document(self):
        rc, out, err = run("show", "--json", self.snap)
        self.assertEqual((rc, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(sorted(doc),
                         ["by_name", "by_type", "dead", "gui", "handles",
                          "process"])
        # a snapshot without GUI counts or target states claims neither
        self.assertIsNone(doc["gui"])
        self.assertEqual(doc["dead"]["recorded"], False)
        self.assertEqual(doc["by_name"][0],
                         {"type": "Event", "name": "", "pattern": "",
                          "granted_access": 0x1f0003,
                          "granted_access_names": EVENT_ALL_NAMES,
                          "count": 3, "distinct_names": 0})
        self.assertEqual(sum(g["count"] for g in doc["by_name"]), 7)
        p = doc["process"]
        self.assertEqual(p["pid"], 4242)
        self.assertEqual(p["handle_count"], 7)
        self.assertEqual(p["image"], "C:\\Program Files\\D\u00e9mo\\app.exe")
        self.assertIs(p["wow64"], False)
        self.assertRegex(p["taken_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(len(doc["handles"]), 7)
        keys = ["attributes", "attributes_names", "granted_access",
                "granted_access_names", "handle", "name", "name_error",
                "nt_name", "object", "type"]
        for h in doc["handles"]:
            self.assertEqual(sorted(h), keys)
        files = [h for h in doc["handles"] if h["type"] == "File"]
        self.assertEqual(files[0]["name"],
                         'C:\\temp\\na\u00efve,"quoted".txt')
        self.assertEqual(files[0]["object"], "0xffffa00012345678")
        denied = [h for h in doc["handles"] if h["name_error"]]
        self.assertEqual([h["type"] for h in denied], ["Mutant"])
        self.assertEqual(doc["by_type"][0], {"type": "Event", "count": 4})
        self.assertEqual(sum(t["count"] for t in doc["by_type"]), 7)

    def test_summary_groups_names_by_pattern(self):
        rc, out, _ = run("show", "--summary", "--top", "2", self.snap)
        self.assertEqual(rc, 0)
        # access in its own column, as diff prints groups
        self.assertIn("\n     count  type   access      name\n", out)
        self.assertIn("         3  Event  0x001f0003  <unnamed>\n", out)
        self.assertIn("... 3 more groups", out)
        self.assertNotIn("0x4  Event", out)

    def test_access_words_under_each_handle(self):
        rc, out, err = run("show", "--access", self.snap)
        self.assertEqual((rc, err), (0, ""))
        flat = unwrap(out)
        self.assertIn("0x4  Event   0x001f0003  <unnamed>\n"
                      "            access " + ", ".join(EVENT_ALL_NAMES) +
                      "\n", flat)
        # the File handle is inheritable: its attributes follow
        self.assertIn("            access ReadControl, Synch, "
                      "ReadData/ListDirectory, ReadEA, ReadAttributes; "
                      "attributes Inherit\n", flat)
        self.assertIn("            access ReadControl, QueryValue, "
                      "EnumerateSubKeys, Notify\n", flat)
        # wrapped within 79 columns
        self.assertLessEqual(max(len(line) for line in out.splitlines()
                                 if "access" in line), 79)
        # without --access, the words are not shown
        rc, plain, _ = run("show", self.snap)
        self.assertEqual(rc, 0)
        self.assertNotIn("QueryState", plain)
        self.assertEqual(plain, re.sub(r"\n +access [^\n]*(\n {19}[^\n]*)*",
                                       "", out))

    def test_summary_access_words(self):
        rc, out, _ = run("show", "--summary", "--access", self.snap)
        self.assertEqual(rc, 0)
        self.assertIn("         3  Event   0x001f0003  <unnamed>\n"
                      "            access Delete, ReadControl",
                      out)
        self.assertNotIn("access", run("show", "--summary", self.snap)[1]
                         .split("name\n", 1)[1])

    def test_json_access_names(self):
        rc, out, _ = run("show", "--json", self.snap)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        for h in doc["handles"]:
            if h["granted_access"] == 0x1f0003 and h["type"] == "Event":
                self.assertEqual(h["granted_access_names"], EVENT_ALL_NAMES)
        f = [h for h in doc["handles"] if h["type"] == "File"][0]
        self.assertEqual(f["attributes"], 2)
        self.assertEqual(f["attributes_names"], ["Inherit"])
        self.assertEqual(f["granted_access_names"],
                         ["ReadControl", "Synch", "ReadData/ListDirectory",
                          "ReadEA", "ReadAttributes"])
        self.assertEqual(doc["by_name"][0]["granted_access_names"],
                         EVENT_ALL_NAMES)

    def test_one_handle_in_full(self):
        rc, out, err = run("show", "--handle", "0x4", self.snap)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(run("show", "--handle", "4", self.snap),
                         (0, out, ""))
        self.assertTrue(out.startswith("Process       app.exe (pid 4242)\n"
                                       "Handle        0x4\n"
                                       "Type          Event\n"
                                       "Attributes    0\n"
                                       "GrantedAccess 0x1f0003:\n"), out)
        self.assertIn("              " + ", ".join(EVENT_ALL_NAMES) + "\n",
                      unwrap(out))
        self.assertIn("HandleCount   not recorded\n", out)
        # unnamed and without an object address: not matched
        self.assertIn("ThisProcess   unknown", out)
        # one handle only: no table, no counts by type
        self.assertNotIn("0x8", out)
        self.assertNotIn("total", out)
        rc, out, _ = run("show", "--handle", "0x14", self.snap)
        self.assertEqual(rc, 0)
        self.assertIn("Attributes    0x2: Inherit\n", out)
        self.assertIn("ThisProcess   1 handle to the object (same kernel "
                      "object address)\n", out)
        self.assertIn("Name          C:\\temp\\na\u00efve,\"quoted\".txt\n",
                      out)
        self.assertIn("NtName        \\Device\\HarddiskVolume3\\", out)
        self.assertIn("Object        0xffffa00012345678\n", out)
        rc, out, _ = run("show", "--handle", "0x1c", self.snap)
        self.assertIn("Name          <access denied>\n", out)

    def test_one_handle_json(self):
        rc, out, err = run("show", "--json", "--handle", "20", self.snap)
        self.assertEqual((rc, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(sorted(doc), ["handle", "process"])
        self.assertEqual(doc["process"]["pid"], 4242)
        h = doc["handle"]
        self.assertEqual(h["handle"], 20)
        self.assertEqual(h["type"], "File")
        self.assertEqual(h["attributes_names"], ["Inherit"])
        self.assertEqual(h["this_process_handles"], 1)
        self.assertEqual(h["this_process_match"], "object")
        rc, out, _ = run("show", "--json", "--handle", "0x4", self.snap)
        h = json.loads(out)["handle"]
        self.assertEqual(h["granted_access_names"], EVENT_ALL_NAMES)
        self.assertIsNone(h["this_process_handles"])
        self.assertIsNone(h["this_process_match"])

    def test_one_handle_not_in_file(self):
        for value in ("0x999", "2457"):
            rc, out, err = run("show", "--handle", value, self.snap)
            self.assertEqual((rc, out), (2, ""), err)
            self.assertIn("'%s' holds no handle 0x999 (2457); it has 7 "
                          "handles" % self.snap, err)
            rc, out, err = run("show", "--json", "--handle", value,
                               self.snap)
            self.assertEqual((rc, out), (2, ""), err)

    def test_one_handle_bad_values(self):
        for value in ("0xzz", "0x", "x4", "-4", "4k", "0x100000000",
                      "4294967296", ""):
            rc, out, err = run("show", "--handle", value, self.snap)
            self.assertEqual((rc, out), (2, ""), value)
            self.assertIn("invalid --handle '%s': a handle value expected"
                          % value, err)
        # the largest value there is, and upper-case hex, are values
        rc, _, err = run("show", "--handle", "0XFFFFFFFF", self.snap)
        self.assertEqual(rc, 2)
        self.assertIn("holds no handle 0xffffffff (4294967295)", err)

    def test_one_handle_refuses_list_options(self):
        for opt in (["--summary"], ["--type", "Event"], ["--top", "1"],
                    ["--exact-names"], ["--access"]):
            rc, out, err = run("show", "--handle", "4", *opt, self.snap)
            self.assertEqual((rc, out), (2, ""), opt)
            self.assertIn("%s does not apply to --handle" % opt[0], err)

    def test_json_summary_and_type(self):
        rc, out, _ = run("show", "--json", "--summary", "--type", "KEY",
                         self.snap)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertNotIn("handles", doc)
        self.assertEqual(doc["by_type"], [{"type": "Key", "count": 1}])

    def check_refused(self, name, data, needle):
        with open(os.path.join(ARGS.work, name), "wb") as f:
            f.write(data)
        rc, out, err = run("show", name)
        self.assertEqual(rc, 3, (name, err))
        self.assertEqual(out, "")
        self.assertIn("cannot read snapshot '%s'" % name, err)
        self.assertIn(needle, err)

    def test_bad_files_refused(self):
        self.check_refused("empty.snap", b"", "not an hleak snapshot")
        self.check_refused("text.snap", b"hello, world\n" * 10,
                           "not an hleak snapshot")
        self.check_refused("trunc.snap", self.data[:len(self.data) // 2],
                           "truncated")
        flipped = bytearray(self.data)
        flipped[len(flipped) - 3] ^= 0x10
        self.check_refused("flip.snap", bytes(flipped), "damaged")

    def test_random_damage_never_crashes(self):
        rnd = random.Random(1)
        for i in range(20):
            d = bytearray(self.data)
            for _ in range(rnd.randint(1, 4)):
                d[rnd.randrange(len(d))] = rnd.randrange(256)
            if bytes(d) == self.data:
                continue
            name = "rand%d.snap" % i
            with open(os.path.join(ARGS.work, name), "wb") as f:
                f.write(d)
            rc, _, err = run("show", "--json", name)
            self.assertEqual(rc, 3, err)
            self.assertIn(name, err)

    def test_missing_file(self):
        rc, _, err = run("show", "no-such.snap")
        self.assertEqual(rc, 3)
        self.assertIn("cannot read snapshot 'no-such.snap': no such file",
                      err)


def mkfixture(name, variant="sample"):
    subprocess.run(list(ARGS.fixture_prefix) + [ARGS.mkfixture, name,
                                                variant],
                   cwd=ARGS.work, check=True, timeout=120)
    return name


class Diff(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = mkfixture("d-before.snap")
        cls.b = mkfixture("d-after.snap", "grown")
        cls.o = mkfixture("d-other.snap", "other")

    def test_identity_json(self):
        rc, out, err = run("diff", "--json", self.a, self.b)
        self.assertEqual((rc, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(doc["match"], "identity")
        self.assertEqual(doc["before"]["pid"], 4242)
        opened = [(g["type"], g["name"], g["count"]) for g in doc["opened"]]
        self.assertEqual(opened, [("Event", "", 3),
                                  ("File", 'C:\\temp\\new, "odd".log', 1)])
        self.assertEqual(doc["opened"][0]["handles"], [0x100, 0x104, 0x108])
        self.assertEqual([(g["type"], g["count"]) for g in doc["closed"]],
                         [("Key", 1)])
        self.assertEqual(doc["totals"], {"before": 7, "after": 10,
                                         "opened": 4, "closed": 1,
                                         "ignored_opened": 0,
                                         "ignored_closed": 0})
        self.assertEqual(doc["by_type"][0],
                         {"type": "Event", "before": 4, "after": 7,
                          "delta": 3})
        self.assertEqual(doc["gate"], {"failed": False, "reasons": []})

    def test_by_name_between_processes(self):
        rc, out, _ = run("diff", "--json", self.o, self.b)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertEqual(doc["match"], "by-name")
        self.assertEqual(doc["opened"][0]["handles"], [])
        rc, out, _ = run("diff", self.o, self.b)
        self.assertIn("match   by name", out)

    def test_gate_exit_codes(self):
        self.assertEqual(run("diff", "--fail-on-new", "4", self.a,
                             self.b)[0], 0)
        rc, out, _ = run("diff", "--fail-on-new", "3", self.a, self.b)
        self.assertEqual(rc, 1)
        self.assertIn("gate failed: 4 handles opened and still open; at "
                      "most 3 allowed", out)
        self.assertEqual(run("diff", "--fail-on", "event=3", self.a,
                             self.b)[0], 0)
        self.assertEqual(run("diff", "--fail-on", "Event=2", self.a,
                             self.b)[0], 1)
        self.assertEqual(run("diff", "--fail-on", "Key=0", self.a,
                             self.b)[0], 0)
        # ignoring the new groups passes a zero gate
        self.assertEqual(run("diff", "--fail-on-new", "0", "--ignore",
                             "Event:", "--ignore", "File:C:\\temp\\*",
                             self.a, self.b)[0], 0)

    def test_ignore_file(self):
        with open(os.path.join(ARGS.work, "ignore.txt"), "w") as f:
            f.write("# unnamed events come and go\nEvent:\n\n"
                    "  File:*.log  \n")
        rc, out, _ = run("diff", "--json", "--fail-on-new", "0",
                         "--ignore-file", "ignore.txt", self.a, self.b)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertEqual(doc["opened"], [])
        self.assertEqual(doc["totals"]["ignored_opened"], 4)
        with open(os.path.join(ARGS.work, "bad-ignore.txt"), "w") as f:
            f.write("Event:\nno colon here\n")
        rc, _, err = run("diff", "--ignore-file", "bad-ignore.txt", self.a,
                         self.b)
        self.assertEqual(rc, 2)
        self.assertIn("ignore file 'bad-ignore.txt', line 2", err)
        rc, _, err = run("diff", "--ignore-file", "missing.txt", self.a,
                         self.b)
        self.assertEqual(rc, 3)
        self.assertIn("cannot read ignore file 'missing.txt'", err)

    def test_csv(self):
        rc, out, _ = run("diff", "--csv", self.a, self.b)
        self.assertEqual(rc, 0)
        import csv
        import io
        rows = list(csv.reader(io.StringIO(out, newline="")))
        self.assertEqual(rows[0], ["change", "type", "name", "pattern",
                                   "granted_access", "count",
                                   "distinct_names", "handles", "stack"])
        self.assertIn(["opened", "File", 'C:\\temp\\new, "odd".log',
                       'C:\\temp\\new, "odd".log', "0x00120089", "1", "1",
                       "512", ""], rows)
        self.assertIn(["opened", "Event", "", "", "0x001f0003", "3", "0",
                       "256 260 264", ""], rows)
        self.assertEqual(rows[-1][0:2], ["closed", "Key"])

    def test_text_top_and_no_color(self):
        rc, out, _ = run("diff", "--top", "1", self.a, self.b)
        self.assertEqual(rc, 0)
        self.assertIn("... 1 more group (1 handle); see --top", out)
        self.assertNotIn("\033[", out)
        self.assertTrue(out.rstrip("\n").splitlines()[-1].startswith(
            "verdict: 4 handles opened and still open, 1 closed"))

    def check_junit(self, path, gates):
        """JUnit XML as CI tools read it (the common Jenkins/Ant schema)."""
        import xml.etree.ElementTree as ET
        root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        suite = suites[0]
        cases = suite.findall("testcase")
        failed = [c for c in cases if c.find("failure") is not None]
        for el in (root, suite):
            self.assertEqual(int(el.get("tests")), len(cases))
            self.assertEqual(int(el.get("failures")), len(failed))
        self.assertEqual(suite.get("errors"), "0")
        for c in cases:
            self.assertTrue(c.get("classname") and c.get("name"))
            for f in c.findall("failure"):
                self.assertTrue(f.get("message"))
        return {c.get("name"): c for c in cases}

    def check_sarif(self, path):
        """The SARIF 2.1.0 fields every consumer needs."""
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        self.assertEqual(doc["version"], "2.1.0")
        self.assertIn("sarif-2.1.0", doc["$schema"])
        self.assertEqual(len(doc["runs"]), 1)
        run0 = doc["runs"][0]
        driver = run0["tool"]["driver"]
        self.assertEqual(driver["name"], "hleak")
        rules = {r["id"] for r in driver["rules"]}
        for r in driver["rules"]:
            self.assertTrue(r["shortDescription"]["text"])
        for res in run0["results"]:
            self.assertIn(res["ruleId"], rules)
            self.assertIn(res["level"], ("none", "note", "warning", "error"))
            self.assertTrue(res["message"]["text"])
            for loc in res.get("locations", []):
                self.assertTrue(loc["logicalLocations"][0]["name"])
        return run0["results"]

    def test_junit_and_sarif(self):
        rc, _, err = run("diff", "--fail-on-new", "2", "--fail-on",
                         "File=5", "--junit", "r.xml", "--sarif", "r.sarif",
                         self.a, self.b)
        self.assertEqual(rc, 1, err)
        cases = self.check_junit(os.path.join(ARGS.work, "r.xml"), 2)
        self.assertEqual(sorted(cases), ["fail-on File", "fail-on-new"])
        fail = cases["fail-on-new"].find("failure")
        self.assertIn("4 handles opened and still open; at most 2 allowed",
                      fail.get("message"))
        self.assertIn("3 x Event <unnamed>", fail.text)
        self.assertIn('new, "odd".log', fail.text)
        self.assertIsNone(cases["fail-on File"].find("failure"))
        results = self.check_sarif(os.path.join(ARGS.work, "r.sarif"))
        self.assertEqual(len(results), 2)
        self.assertEqual({r["level"] for r in results}, {"error"})
        self.assertEqual(results[0]["properties"]["handles"],
                         [256, 260, 264])
        # no gate: one passing case; results are warnings
        rc, _, _ = run("diff", "--junit", "n.xml", "--sarif", "n.sarif",
                       self.a, self.b)
        self.assertEqual(rc, 0)
        cases = self.check_junit(os.path.join(ARGS.work, "n.xml"), 0)
        self.assertEqual(len(cases), 1)
        self.assertEqual({r["level"] for r in self.check_sarif(
            os.path.join(ARGS.work, "n.sarif"))}, {"warning"})
        rc, _, err = run("diff", "--junit", "no-such-dir/r.xml", self.a,
                         self.b)
        self.assertEqual(rc, 3)
        self.assertIn("cannot write JUnit report 'no-such-dir/r.xml'", err)

    def test_usage_errors(self):
        for argv, needle in [
                (["diff", self.a], "two snapshot files expected"),
                (["diff", "--fail-on-new", "-1", self.a, self.b],
                 "invalid --fail-on-new '-1'"),
                (["diff", "--fail-on", "Event", self.a, self.b],
                 "invalid --fail-on 'Event'"),
                (["diff", "--fail-on", "=3", self.a, self.b],
                 "invalid --fail-on '=3'"),
                (["diff", "--ignore", "nocolon", self.a, self.b],
                 "invalid --ignore 'nocolon'"),
                (["diff", "--top", "0", self.a, self.b], "invalid --top"),
                (["diff", "--json", "--csv", self.a, self.b],
                 "--json and --csv exclude each other")]:
            rc, out, err = run(*argv)
            self.assertEqual(rc, 2, (argv, err))
            self.assertIn(needle, err)

    def test_unreadable_input(self):
        with open(os.path.join(ARGS.work, "half.snap"), "wb") as f:
            with open(os.path.join(ARGS.work, self.b), "rb") as g:
                f.write(g.read()[:40])
        rc, out, err = run("diff", self.a, "half.snap")
        self.assertEqual((rc, out), (3, ""))
        self.assertIn("cannot read snapshot 'half.snap'", err)


class Triage(unittest.TestCase):
    """Dead targets and GUI counts (docs/triage.md), over the tbefore and
    tafter fixtures of tests/mkfixture.c."""

    @classmethod
    def setUpClass(cls):
        cls.a = mkfixture("t-before.snap", "tbefore")
        cls.b = mkfixture("t-after.snap", "tafter")

    def test_one_handle_target_state(self):
        want = {"768": "tid 500, running",
                "776": "tid 502, exited 2023-10-16T07:11:36Z, code 3",
                "0x30c": "pid 777, exited, code 1"}
        for value, target in want.items():
            rc, out, err = run("show", "--handle", value, self.b)
            self.assertEqual((rc, err), (0, ""))
            self.assertIn("\nTarget        %s\n" % target, out)
        # a type with no target has no Target line
        rc, out, _ = run("show", "--json", self.b)
        other = [h["handle"] for h in json.loads(out)["handles"]
                 if h["type"] not in ("Thread", "Process")][0]
        rc, out, _ = run("show", "--handle", str(other), self.b)
        self.assertEqual(rc, 0)
        self.assertNotIn("Target", out)

    def test_show_text_gui_and_dead_lines(self):
        rc, out, err = run("show", self.b)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("\ngui       14 GDI objects (peak 15), 3 USER objects "
                      "(peak 4)\n", out)
        self.assertIn("\ndead targets: 2 handles to exited threads (tid "
                      "501, 502), 1 to an exited process (pid 777)\n", out)
        self.assertIn("tid 502 in app.exe (pid 4242) (exited, code 3)\n",
                      out)
        self.assertIn("tid 500 in app.exe (pid 4242)\n", out)

    def test_show_json_marks_exited_targets(self):
        rc, out, _ = run("show", "--json", self.b)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        hv = {h["handle"]: h for h in doc["handles"]}
        self.assertIs(hv[0x300]["target_exited"], False)
        self.assertIsNone(hv[0x300]["exit_code"])
        self.assertEqual(hv[0x300]["target_id"], 500)
        self.assertIs(hv[0x308]["target_exited"], True)
        self.assertEqual(hv[0x308]["exit_code"], 3)
        self.assertRegex(hv[0x308]["exit_time"], r"^\d{4}-")
        self.assertIsNone(hv[0x30c]["exit_time"])
        self.assertNotIn("target_exited", hv[0x4])
        self.assertEqual(doc["gui"], {"reported": True, "gdi": 14,
                                      "user": 3, "gdi_peak": 15,
                                      "user_peak": 4})
        dead = doc["dead"]
        self.assertEqual((dead["recorded"], dead["threads"],
                          dead["processes"], dead["alive"],
                          dead["unknown"]), (True, 2, 1, 1, 0))
        self.assertEqual([h["handle"] for h in dead["exited"]],
                         [0x304, 0x308, 0x30c])

    def test_diff_json_gui_and_dead(self):
        rc, out, _ = run("diff", "--json", self.a, self.b)
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        self.assertEqual(doc["gui"]["delta"], {"gdi": 4, "user": 0,
                                               "gdi_peak": 3,
                                               "user_peak": 1})
        self.assertEqual(doc["gui"]["before"]["gdi"], 10)
        self.assertEqual((doc["dead"]["threads"], doc["dead"]["processes"]),
                         (2, 1))
        self.assertEqual(doc["dead"]["exited"][2],
                         {"handle": 0x30c, "type": "Process",
                          "name": "child.exe (pid 777)", "target_id": 777,
                          "exit_code": 1, "exit_time": None})

    def test_fail_on_dead_gate(self):
        rc, out, _ = run("diff", "--fail-on-dead", "3", self.a, self.b)
        self.assertEqual(rc, 0)
        self.assertIn("\ngui objects\n", out)
        self.assertIn("        10          14          +4  GDI\n", out)
        rc, out, _ = run("diff", "--fail-on-dead", "2", "--junit",
                         "t-dead.xml", self.a, self.b)
        self.assertEqual(rc, 1)
        self.assertIn("gate failed: 3 handles to exited threads and "
                      "processes still open (2 to threads, 1 to "
                      "processes); at most 2 allowed\n", out)
        with open(os.path.join(ARGS.work, "t-dead.xml"),
                  encoding="utf-8") as f:
            xml = f.read()
        self.assertIn('<testcase classname="hleak.gate" '
                      'name="fail-on-dead">', xml)
        self.assertIn("Process 0x30c child.exe (pid 777) (exited, code 1)",
                      xml)
        rc, out, _ = run("diff", "--json", "--fail-on-dead", "2", self.a,
                         self.b)
        self.assertEqual(json.loads(out)["gate"]["failed"], True)
        # an AFTER that records no target states: counts none, and says so
        rc, out, err = run("diff", "--fail-on-dead", "0", self.b,
                           mkfixture("t-sample.snap"))
        self.assertEqual(rc, 0)
        self.assertEqual(err, "")
        rc, _, err = run("diff", "--fail-on-dead", "x", self.a, self.b)
        self.assertEqual(rc, 2)
        self.assertIn("invalid --fail-on-dead 'x'", err)

    def test_old_snapshot_reports_gui_as_not_recorded(self):
        rc, out, _ = run("diff", mkfixture("t-sample2.snap"), self.b)
        self.assertEqual(rc, 0)
        self.assertIn("\ngui objects\n", out)
        self.assertIn("         -          14           -  GDI\n", out)
        self.assertIn("before: not recorded\n", out)


def dump_fixture(name):
    """Copies tests/fixtures/NAME (made by hl-mkdump) into the work folder."""
    import shutil
    shutil.copy(os.path.join(ARGS.source, "tests", "fixtures", name),
                os.path.join(ARGS.work, name))
    return name


class Dumps(unittest.TestCase):
    """show, diff and convert on the sample dumps of tests/dumpgen.c; the
    figures are those the sample describes."""

    @classmethod
    def setUpClass(cls):
        cls.d1 = dump_fixture("leaky-1.dmp")
        cls.d2 = dump_fixture("leaky-2.dmp")
        cls.nh = dump_fixture("nohandles.dmp")

    def test_one_handle_of_a_dump_with_its_stack(self):
        rc, out, err = run("show", "--handle", "0x20", self.d1)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("Type          Section\n", out)
        self.assertIn("GrantedAccess 0xf001f:\n", out)
        self.assertIn("Delete, ReadControl, WriteDac, WriteOwner, Query, "
                      "MapWrite, MapRead, MapExecute, ExtendSize\n",
                      unwrap(out))
        self.assertIn("HandleCount   1 (every process)\n", out)
        self.assertIn("ThisProcess   1 handle to the object (HandleCount 1: "
                      "this one)\n", out)
        self.assertIn("PointerCount  32769\n", out)
        self.assertIn("Details       pagefile, 0x1000 bytes\n", out)
        self.assertIn("opened by thread 7:\n"
                      "              ntdll.dll+0x9d4a4\n"
                      "              KERNELBASE.dll+0x3a1b0\n"
                      "              leaky.exe+0x1234\n", out)
        # a named event: HandleCount 2, this process 1 of them
        rc, out, _ = run("show", "--handle", "0x18", self.d1)
        self.assertEqual(rc, 0)
        self.assertIn("HandleCount   2 (every process)\n"
                      "ThisProcess   1 handle to the object (same type and "
                      "name)\n", out)
        rc, out, _ = run("show", "--json", "--handle", "0x18", self.d1)
        h = json.loads(out)["handle"]
        self.assertEqual((h["handle_count"], h["pointer_count"]), (2, 65537))
        self.assertEqual(h["granted_access_names"], EVENT_ALL_NAMES)
        self.assertEqual((h["this_process_handles"], h["this_process_match"]),
                         (1, "name"))
        self.assertEqual([f["symbol"] for f in h["open_stack"]],
                         ["0x0000000012345678", "leaky.exe+0x2000"])
        rc, _, err = run("show", "--handle", "0x1000", self.d1)
        self.assertEqual(rc, 2)
        self.assertIn("'%s' holds no handle 0x1000 (4096); it has 9 handles"
                      % self.d1, err)

    def test_convert_killed_leaves_old_or_new_file(self):
        """`convert` killed at random moments over an existing file leaves
        it as it was or a complete new snapshot. SIGTERM waits for the
        rename (the signals are blocked around it), so it never leaves a
        temporary file; SIGKILL cannot be blocked and may leave
        "OUT.tmp-XXXXXX", which a run to its end never does."""
        import signal
        import struct
        import time
        import zlib
        if ARGS.prefix:
            self.skipTest("Windows build: the kill test is integration-live")

        def complete(data):
            if len(data) < 24 or data[:8] != b"HLEAK\x1a\r\n":
                return False
            crc = zlib.crc32(data[24:], zlib.crc32(data[:20]))
            return (struct.unpack_from("<Q", data, 12)[0] == len(data) and
                    struct.unpack_from("<I", data, 20)[0] == crc)

        work = tempfile.mkdtemp(dir=ARGS.work)
        out = os.path.join(work, "k.snap")
        self.assertEqual(run("convert", self.d1, "-o", out)[0], 0)
        t0 = time.monotonic()
        self.assertEqual(run("convert", self.d2, "-o", out)[0], 0)
        took = time.monotonic() - t0
        with open(out, "rb") as f:
            old = f.read()
        changed = 0
        for i in range(60):
            sig = signal.SIGTERM if i % 2 else signal.SIGKILL
            before = set(os.listdir(work))
            p = subprocess.Popen([ARGS.hleak, "convert",
                                  (self.d1, self.d2)[i // 2 % 2], "-o", out],
                                 cwd=ARGS.work, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(took * random.random() * 1.2)
            p.send_signal(sig)
            p.wait(timeout=60)
            with open(out, "rb") as f:
                data = f.read()
            if data != old:
                self.assertTrue(complete(data), "half-written after %s" % sig)
                changed += 1
                old = data
            if sig == signal.SIGTERM:
                self.assertEqual(set(os.listdir(work)), before)
        temps = set(os.listdir(work))
        self.assertEqual(run("convert", self.d1, "-o", out)[0], 0)
        self.assertEqual(set(os.listdir(work)), temps)
        sys.stderr.write("\nkilled convert: 60 kills, %d replaced the "
                         "file, %d temporary files left by SIGKILL\n"
                         % (changed, len(temps) - 1))

    def test_show_dump_text(self):
        rc, out, err = run("show", self.d1)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("process   leaky.exe (pid 5150)\n", out)
        self.assertIn("method    minidump,", out)
        self.assertIn("(Windows 10.0.19045)", out)
        self.assertIn("HKLM\\SOFTWARE\\Leaky", out)
        self.assertIn("opened by thread 7:\n"
                      "              ntdll.dll+0x9d4a4\n"
                      "              KERNELBASE.dll+0x3a1b0\n"
                      "              leaky.exe+0x1234\n", out)
        self.assertIn("tid 7 in pid 5150", out)
        self.assertRegex(out, r"\n +9  total\n")

    def test_huge_dump_is_mapped_not_read(self):
        """A full-memory dump runs to gigabytes: only its handle data may
        be read. A 6 GiB sparse file takes no disk and, read whole, would
        not fit the memory limit set here."""
        if ARGS.prefix:
            self.skipTest("native build: sets the child's address space")
        if os.environ.get("HL_SANITIZED"):
            self.skipTest("sanitizer build: ASan reserves terabytes of "
                          "address space for its shadow")
        import resource
        big = os.path.join(ARGS.work, "huge.dmp")
        with open(os.path.join(ARGS.work, self.d1), "rb") as f:
            data = f.read()
        with open(big, "wb") as f:
            f.write(data)
            f.truncate(6 << 30)

        def limit():
            resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
        p = subprocess.run([ARGS.hleak, "show", "--summary", "huge.dmp"],
                           cwd=ARGS.work, capture_output=True, timeout=60,
                           preexec_fn=limit)
        os.unlink(big)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.decode(), r"\n +9  total\n")

    def test_show_dump_json_optional_fields(self):
        rc, out, err = run("show", "--json", self.d1)
        self.assertEqual((rc, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(doc["process"]["pid"], 5150)
        self.assertEqual(doc["process"]["method"], "minidump")
        self.assertEqual(doc["process"]["start_time"],
                         "2023-11-14T22:13:20Z")
        h = {x["handle"]: x for x in doc["handles"]}
        self.assertEqual(sorted(h), [4 * i for i in range(1, 10)])
        self.assertNotIn("object_info", h[4])
        self.assertEqual(h[4]["details"],
                         {"kind": "event",
                          "text": "synchronization, signaled",
                          "event_type": "synchronization", "signaled": True})
        self.assertEqual((h[4]["handle_count"], h[4]["pointer_count"]),
                         (1, 32769))
        self.assertEqual(h[4]["open_stack"],
                         [{"address": "0x00007ff6a0001500",
                           "symbol": "leaky.exe+0x1500"},
                          {"address": "0x00007ff6a0001010",
                           "symbol": "leaky.exe+0x1010"}])
        self.assertEqual(h[0x18]["open_stack"][0]["symbol"],
                         "0x0000000012345678")
        self.assertNotIn("open_stack", h[8])
        self.assertNotIn("object_info", h[8])
        self.assertEqual(h[0x18]["nt_name"],
                         "\\Sessions\\1\\BaseNamedObjects\\D\u00e9mo-"
                         "\U0001f600")

    def test_diff_two_dumps_identity(self):
        rc, out, err = run("diff", "--json", self.d1, self.d2)
        self.assertEqual((rc, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(doc["match"], "identity")
        self.assertEqual(doc["totals"]["opened"], 4)
        self.assertEqual(doc["totals"]["closed"], 1)
        opened = {(g["type"], g["name"]): g["count"] for g in doc["opened"]}
        self.assertEqual(opened[("Event", "")], 3)
        self.assertEqual([g["type"] for g in doc["closed"]], ["Key"])
        self.assertEqual(run("diff", "--fail-on-new", "3", self.d1,
                             self.d2)[0], 1)

    def test_diff_dump_and_snapshot_by_name(self):
        snap = mkfixture("dd-sample.snap")
        # the fixture dump (2023) is older than the sample (2026)
        rc, out, err = run("diff", "--json", "--allow-reversed", snap,
                           self.d2)
        self.assertEqual(rc, 0, err)
        self.assertIn("are of different programs", err)
        self.assertEqual(json.loads(out)["match"], "by-name")

    def test_convert_keeps_what_show_prints(self):
        rc, out, err = run("convert", self.d1, "-o", "leaky-1.snap")
        self.assertEqual(rc, 0, err)
        self.assertIn("wrote leaky-1.snap (9 handles, 3 with open stacks)",
                      err)
        a = run("show", "--json", self.d1)
        b = run("show", "--json", "leaky-1.snap")
        self.assertEqual(a, b)
        self.assertEqual(run("show", self.d1)[1],
                         run("show", "leaky-1.snap")[1])
        rc, out, err = run("diff", "--json", "leaky-1.snap", self.d2)
        self.assertEqual(json.loads(out)["match"], "identity")

    def test_convert_usage_errors(self):
        for argv, needle in [(["convert"], "no input file given"),
                             (["convert", self.d1], "no output file given"),
                             (["convert", "a", "b", "-o", "c"],
                              "one input file at a time")]:
            rc, out, err = run(*argv)
            self.assertEqual(rc, 2, (argv, err))
            self.assertIn(needle, err)

    def test_dump_without_handles_refused_with_advice(self):
        for argv in (["show", self.nh], ["diff", self.d1, self.nh],
                     ["convert", self.nh, "-o", "x.snap"]):
            rc, out, err = run(*argv)
            self.assertEqual((rc, out), (3, ""), argv)
            self.assertIn("cannot read dump 'nohandles.dmp': the dump has "
                          "no handle data", err)
            self.assertIn("procdump -ma", err)
            self.assertIn("MiniDumpWithHandleData", err)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "x.snap")))

    def test_damaged_dumps_exit_3(self):
        with open(os.path.join(ARGS.work, self.d2), "rb") as f:
            data = f.read()
        rnd = random.Random(4)
        cases = {"cut.dmp": data[:len(data) // 2], "tiny.dmp": b"MDMP"}
        for i in range(20):
            d = bytearray(data)
            for _ in range(rnd.randint(1, 8)):
                d[rnd.randrange(len(d))] = rnd.randrange(256)
            cases["rand%d.dmp" % i] = bytes(d)
        for name, content in cases.items():
            with open(os.path.join(ARGS.work, name), "wb") as f:
                f.write(content)
            rc, out, err = run("show", "--json", name)
            self.assertIn(rc, (0, 3), (name, err))
            if rc == 3:
                self.assertIn("cannot read dump '%s'" % name, err)
            else:
                json.loads(out)
        rc, _, err = run("show", "cut.dmp")
        self.assertEqual(rc, 3)
        self.assertIn("cannot read dump 'cut.dmp': file is truncated", err)

    def test_dump_command(self):
        rc, out, _ = run("dump", "--help")
        self.assertEqual(rc, 0)
        if ARGS.prefix:
            self.skipTest("Windows build: live dumps are in integration-live")
        rc, out, err = run("dump", "-p", "1", "-o", "x.dmp")
        self.assertEqual(rc, 3)
        self.assertIn("live collection needs Windows", err)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "x.dmp")))


def shared_dumps_dir():
    # HLEAK_SHARED_DUMPS: for a checkout that is not beside ../shared
    return os.environ.get("HLEAK_SHARED_DUMPS") or os.path.normpath(
        os.path.join(ARGS.source, "..", "shared", "dumps"))


class SharedDumps(unittest.TestCase):
    """Real dumps from Windows, when ../shared/dumps exists: every dump its
    README lists ("- NAME.dmp: pid N, handles N, stacks N, TYPE N, ...")
    must read with those figures."""

    def test_shared_dumps_match_their_readme(self):
        folder = shared_dumps_dir()
        readme = os.path.join(folder, "README.md")
        if not os.path.isfile(readme):
            self.skipTest("no real dumps: %s does not exist" % readme)
        with open(readme, encoding="utf-8") as f:
            lines = re.findall(r"^\s*-\s*(\S+\.dmp):\s*(.+)$", f.read(),
                               re.M)
        self.assertTrue(lines, "%s lists no dump" % readme)
        import shutil
        for name, figures in lines:
            with self.subTest(dump=name):
                shutil.copy(os.path.join(folder, name),
                            os.path.join(ARGS.work, name))
                rc, out, err = run("show", "--json", name)
                self.assertEqual(rc, 0, err)
                doc = json.loads(out)
                counts = {t["type"]: t["count"] for t in doc["by_type"]}
                stacks = sum(1 for h in doc["handles"] if "open_stack" in h)
                for word, num in re.findall(r"([\w-]+)\s+(\d+)", figures):
                    want = int(num)
                    if word == "pid":
                        self.assertEqual(doc["process"]["pid"], want)
                    elif word == "handles":
                        self.assertEqual(len(doc["handles"]), want)
                    elif word == "stacks":
                        self.assertEqual(stacks, want)
                    else:
                        self.assertEqual(counts.get(word, 0), want, word)


def run_bytes(argv, stdin=b"", timeout=120):
    """run() with bytes in and out, for binary data through '-'."""
    cmd = list(ARGS.prefix) + [ARGS.hleak] + list(argv)
    p = subprocess.run(cmd, cwd=ARGS.work, input=stdin, capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode("utf-8")


class Inputs(unittest.TestCase):
    """Gates that never lie: a typo in a type, an ignore file from
    Notepad or PowerShell, '-', and the real cause of a bad input."""

    @classmethod
    def setUpClass(cls):
        cls.snap = mkfixture("in-sample.snap")
        cls.d1 = dump_fixture("leaky-1.dmp")
        cls.d2 = dump_fixture("leaky-2.dmp")
        cls.nh = dump_fixture("nohandles.dmp")

    def write(self, name, data):
        with open(os.path.join(ARGS.work, name), "wb") as f:
            f.write(data)
        return name

    def read(self, name):
        with open(os.path.join(ARGS.work, name), "rb") as f:
            return f.read()

    def assert_usage(self, argv, needle):
        rc, out, err = run(*argv)
        self.assertEqual(rc, 2, (argv, err))
        self.assertIn(needle, err)
        self.assertEqual(out, "")

    def test_type_typos_are_usage_errors(self):
        s = self.snap
        self.assert_usage(["diff", "--fail-on", "Evnt=0", s, s],
                          "unknown type 'Evnt'; did you mean 'Event'?")
        self.assert_usage(["diff", "--ignore", "Tread:*", s, s],
                          "unknown type 'Tread'; did you mean 'Thread'?")
        self.assert_usage(["show", "--type", "Mutex", s],
                          "unknown type 'Mutex'; did you mean 'Mutant'?")
        self.assert_usage(["diff", "--fail-on", "Blah=1", s, s],
                          "unknown type 'Blah'")
        name = self.write("typo.ignore", b"# comment\nEvent:*\nFiel:x\n")
        self.assert_usage(["diff", "--ignore-file", name, s, s],
                          "ignore file 'typo.ignore', line 3: unknown type "
                          "'Fiel'; did you mean 'File'?")

    def test_known_types_pass_in_any_case(self):
        s = self.snap
        # Section is in no input but is a Windows type; * matches any
        for argv in (["diff", "--fail-on", "section=0", s, s],
                     ["diff", "--ignore", "*:x", "--ignore", "MUTANT:x",
                      s, s],
                     ["show", "--type", "event", s]):
            rc, out, err = run(*argv)
            self.assertEqual(rc, 0, (argv, err))

    def test_quotes_left_by_the_shell(self):
        self.assert_usage(["diff", "--ignore", "'File:C:\\x\\*'", self.snap,
                           self.snap], "the shell kept them")
        self.assert_usage(["show", "--type", "'Event'", self.snap],
                          "use double quotes")

    def test_ignore_file_encodings(self):
        """Event ignored: one File opened is left, under --fail-on-new 1."""
        argv = ["diff", "--fail-on-new", "1", self.d1, self.d2]
        self.assertEqual(run(*argv)[0], 1)
        text = "# from Windows\r\nEvent:*\r\n"
        for enc, data in (("utf-8", text.encode()),
                          ("utf-8-sig", b"\xef\xbb\xbf" + text.encode()),
                          ("utf-16le", b"\xff\xfe" +
                           text.encode("utf-16-le")),
                          ("utf-16be", b"\xfe\xff" +
                           text.encode("utf-16-be"))):
            with self.subTest(enc=enc):
                name = self.write("ign-%s.txt" % enc, data)
                rc, out, err = run(argv[0], "--ignore-file", name,
                                   *argv[1:])
                self.assertEqual(rc, 0, err)

    def test_undecodable_ignore_file_names_the_line(self):
        s = self.snap
        name = self.write("bad8.txt", b"Event:*\nFile:\xff\n")
        self.assert_usage(["diff", "--ignore-file", name, s, s],
                          "ignore file 'bad8.txt', line 2: not text")
        name = self.write("bad16.txt", b"\xff\xfeE\x00v")
        self.assert_usage(["diff", "--ignore-file", name, s, s],
                          "ignore file 'bad16.txt', line 1: not text")
        # UTF-16 without its mark: NUL bytes, refused rather than misread
        name = self.write("nobom.txt", "Event:*".encode("utf-16-le"))
        self.assert_usage(["diff", "--ignore-file", name, s, s],
                          "ignore file 'nobom.txt', line 1: not text")

    def test_dash_is_stdin_and_stdout(self):
        rc, snap, err = run_bytes(["convert", self.d1, "-o", "-"])
        self.assertEqual(rc, 0, err)
        self.assertTrue(snap.startswith(b"HLEAK\x1a\r\n"))
        self.assertIn("wrote standard output", err)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "-")))
        rc, out, err = run_bytes(["show", "-"], stdin=snap)
        self.assertEqual(rc, 0, err)
        self.assertIn(b"leaky.exe", out)
        dump = self.read(self.d1)
        rc, out, err = run_bytes(["show", "--json", "-"], stdin=dump)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(json.loads(out)["handles"]), 9)
        for argv in (["diff", "-", self.d2], ["diff", self.d1, "-"]):
            rc, out, err = run_bytes(argv, stdin=snap if argv[1] == "-"
                                     else self.read(self.d2))
            self.assertEqual(rc, 0, (argv, err))
        self.assert_usage(["diff", "-", "-"], "cannot both be '-'")
        if ARGS.prefix:  # a native build refuses dump before its options
            self.assert_usage(["dump", "-p", "1", "-o", "-"], "-o -")
        rc, out, err = run_bytes(["show", "-"], stdin=b"not a snapshot")
        self.assertEqual(rc, 3)
        self.assertIn("not an hleak snapshot or a Windows minidump", err)

    def test_directory_as_output_and_input(self):
        os.makedirs(os.path.join(ARGS.work, "adir"), exist_ok=True)
        rc, out, err = run("convert", self.d1, "-o", "adir")
        self.assertEqual(rc, 3)
        self.assertIn("cannot write snapshot 'adir': is a directory", err)
        self.assertEqual(os.listdir(os.path.join(ARGS.work, "adir")), [])
        for argv in (["show", "adir"], ["diff", "adir", self.d1]):
            rc, out, err = run(*argv)
            self.assertEqual(rc, 3, argv)
            self.assertIn("'adir': is a directory", err)

    def test_flipped_header_byte_is_damage_not_a_newer_version(self):
        data = bytearray(self.read(self.snap))
        for off in (8, 11, 12, 30, len(data) - 1):
            with self.subTest(offset=off):
                bad = bytearray(data)
                bad[off] ^= 0x5a
                name = self.write("flip.snap", bytes(bad))
                rc, out, err = run("show", name)
                self.assertEqual(rc, 3)
                self.assertNotIn("newer", err)
                self.assertRegex(err, "damaged|truncated")

    def test_damaged_files_name_no_internal_check(self):
        dump = self.read(self.d1)
        real = os.path.join(shared_dumps_dir(), "win11-21h2-tiny.dmp")
        files = [dump]
        if os.path.isfile(real):
            with open(real, "rb") as f:
                files.append(f.read())
        for data in files:
            for cut in range(32, len(data), max(1, len(data) // 97)):
                name = self.write("cut.dmp", data[:cut])
                rc, out, err = run("show", name)
                self.assertEqual((rc, out), (3, ""), cut)
                self.assertNotRegex(err, r"check \d", cut)
                self.assertRegex(err, "truncated|corrupt at byte \\d+", cut)

    def test_no_handle_data_advice_matches_the_writer(self):
        # the writer was asked for handle data (hleak dump under Wine)
        rc, out, err = run("show", self.nh)
        self.assertEqual(rc, 3)
        self.assertIn("though its writer was asked for it", err)
        self.assertIn("Wine", err)
        # not asked (Task Manager): capture one with handle data
        data = bytearray(self.read(self.nh))
        data[24] &= ~0x4 & 0xff
        name = self.write("noask.dmp", bytes(data))
        rc, out, err = run("show", name)
        self.assertEqual(rc, 3)
        self.assertIn("capture one with handle data: 'hleak dump'", err)

    def check_columns(self, lines, label):
        """Every line's access column starts where the header's does."""
        col = lines[0].index("access")
        for line in lines[1:]:
            self.assertRegex(line[col:], r"^(0x[0-9a-f]{8}|\(mixed\)) ",
                             (label, line))

    def test_show_labels_and_alignment(self):
        real = os.path.join(shared_dumps_dir(), "win11-21h2-tiny.dmp")
        if not os.path.isfile(real):
            self.skipTest("no real dump at %s" % real)
        import shutil
        shutil.copy(real, os.path.join(ARGS.work, "tiny.dmp"))
        rc, out, err = run("show", "tiny.dmp")
        self.assertEqual(rc, 0, err)
        self.assertIn("<unknown type>        0x00000804  <unnamed>\n", out)
        table = [l for l in out.splitlines()
                 if re.match(r"^ +(handle|0x[0-9a-f]+)  \S", l)]
        self.assertEqual(len(table), 148)
        self.check_columns(table, "show")
        rc, out, err = run("show", "--summary", "tiny.dmp")
        self.assertEqual(rc, 0, err)
        self.assertIn("        46  <unknown type>\n", out)
        groups = out.split("\n\n")[-1].splitlines()
        self.assertTrue(groups[0].endswith("access      name"), groups[0])
        self.check_columns([g for g in groups if "more groups" not in g],
                           "summary")
        self.assertIn("        46  <unknown type>        0x00000804  "
                      "<unnamed>\n", out)
        # JSON keeps the empty strings, as documented
        rc, out, err = run("show", "--json", "tiny.dmp")
        self.assertIn({"type": "", "count": 46}, json.loads(out)["by_type"])


# A diff group's values line, as hleak-diff(1) documents it for scripts.
VALUES_RE = re.compile(r"^\s+values( in (after|before))?((?: 0x[0-9a-f]+)+)"
                       r"( \(\+(\d+) more\))?$", re.M)


class DiffValues(unittest.TestCase):
    """Each text group leads to !handle: its handle values, the first 8,
    then how many more; --all-values lists them all."""

    @classmethod
    def setUpClass(cls):
        cls.a = mkfixture("v-before.snap")
        cls.b = mkfixture("v-after.snap", "grown")
        cls.ra = mkfixture("v-runa.snap", "runa")
        cls.rl = mkfixture("v-runleak.snap", "runleak")

    def values(self, out):
        return [(m.group(2), [int(v, 16) for v in m.group(3).split()],
                 int(m.group(5) or 0)) for m in VALUES_RE.finditer(out)]

    def test_identity_values_are_the_handles(self):
        rc, out, err = run("diff", self.a, self.b)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("         3  Event  0x001f0003  <unnamed>\n"
                      "            access Delete, ReadControl, WriteDac, "
                      "WriteOwner, Synch,\n"
                      "                   QueryState, ModifyState\n"
                      "            values 0x100 0x104 0x108\n", out)
        # opened: Event, File; closed: the Key, from BEFORE
        self.assertEqual(self.values(out), [(None, [0x100, 0x104, 0x108], 0),
                                            (None, [0x200], 0),
                                            (None, [0x18], 0)])
        rc, out, _ = run("diff", "--json", self.a, self.b)
        doc = json.loads(out)
        for g in doc["opened"] + doc["closed"]:
            self.assertEqual(g["values"], g["handles"])

    def test_two_runs_show_the_later_values_cut_at_8(self):
        rc, out, err = run("diff", self.ra, self.rl)
        self.assertEqual((rc, err), (0, ""))
        got = self.values(out)
        rc, js, _ = run("diff", "--json", self.ra, self.rl)
        doc = json.loads(js)
        self.assertEqual(len(got), len(doc["opened"]), out)
        for (side, vals, more), g in zip(got, doc["opened"]):
            self.assertEqual(side, "after")
            self.assertEqual(g["handles"], [])
            # every handle of the group in AFTER: more than the growth
            self.assertGreater(len(g["values"]), g["count"])
            self.assertEqual(vals, g["values"][:8])
            self.assertEqual(more, len(g["values"]) - 8)
        self.assertIn("(+9 more)", out)
        rc, out, _ = run("diff", "--all-values", self.ra, self.rl)
        self.assertEqual(rc, 0)
        self.assertNotIn("more)", out)
        self.assertEqual([v for _, v, _ in self.values(out)],
                         [g["values"] for g in doc["opened"]])
        # the events of the later run, as it recorded them
        rc, shown, _ = run("show", "--json", "--name", "*\\ev-*", self.rl)
        ev = sorted(h["handle"] for h in json.loads(shown)["handles"])
        self.assertEqual(doc["opened"][0]["values"], ev)

    def test_all_values_refused_for_whole_system(self):
        a = mkfixture("v-sysa.snap", "sysa")
        b = mkfixture("v-sysb.snap", "sysb")
        rc, out, err = run("diff", "--all-values", a, b)
        self.assertEqual(rc, 2, err)
        self.assertIn("--all-values does not apply to whole-system", err)


class ShowName(unittest.TestCase):
    """show --name GLOB on files: the friendly or NT name, case ignored,
    a substring without wildcards, as find matches."""

    @classmethod
    def setUpClass(cls):
        cls.snap = mkfixture("n-sample.snap")
        cls.leaky = mkfixture("n-run.snap", "runa")

    def handles(self, *argv):
        rc, out, err = run("show", "--json", *argv)
        self.assertEqual((rc, err), (0, ""), argv)
        return json.loads(out)

    def test_glob_substring_and_case(self):
        doc = self.handles("--name", "*\\APP-*-READY", self.leaky)
        self.assertEqual([h["name"] for h in doc["handles"]],
                         ["\\BaseNamedObjects\\app-32-ready"])
        self.assertEqual(doc["by_type"], [{"type": "Event", "count": 1}])
        # no wildcard: anywhere in the name, as find
        doc = self.handles("--name", "ev-32-1", self.leaky)
        self.assertEqual(sorted(h["name"] for h in doc["handles"]),
                         ["\\BaseNamedObjects\\ev-32-1"])
        doc = self.handles("--name", "*ev-32-?", self.leaky)
        self.assertEqual(len(doc["handles"]), 10)
        # a wildcard makes it a glob on the whole name
        self.assertEqual(self.handles("--name", "ev-32-?",
                                      self.leaky)["handles"], [])
        # with --type: both must hold
        doc = self.handles("--name", "leaky", "--type", "thread", self.leaky)
        self.assertEqual({h["type"] for h in doc["handles"]}, {"Thread"})
        self.assertEqual(len(doc["handles"]), 10)
        doc = self.handles("--name", "no-such-name", self.snap)
        self.assertEqual((doc["handles"], doc["by_type"]), ([], []))

    def test_nt_name_matches(self):
        doc = self.handles(self.snap)
        h = next(h for h in doc["handles"]
                 if h["nt_name"] and h["nt_name"] != h["name"])
        pat = "*" + h["nt_name"].rsplit("\\", 1)[0][-8:] + "*"
        got = self.handles("--name", pat, self.snap)["handles"]
        self.assertIn(h["handle"], [x["handle"] for x in got])

    def test_text_and_summary_count_the_shown(self):
        rc, out, err = run("show", "--name", "ev-", self.leaky)
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r"\n +10  Event\n +10  total\n")
        self.assertNotIn("Thread", out.split("handles   ")[1])
        rc, out, _ = run("show", "--summary", "--name", "ev-", self.leaky)
        self.assertIn("        10  Event  0x001f0003  "
                      "\\BaseNamedObjects\\ev-{n}-{n}  (10 names)\n", out)
        self.assertNotIn("ready", out)
        doc = self.handles("--summary", "--name", "ready", self.leaky)
        self.assertEqual([(g["name"], g["count"]) for g in doc["by_name"]],
                         [("\\BaseNamedObjects\\app-32-ready", 1)])

    def test_usage_errors(self):
        for argv, needle in (
                (["--name", "", self.snap], "empty --name"),
                (["--name", "x"], "the process's image is -n IMAGE"),
                ([], "no snapshot file given, nor -p PID or -n IMAGE"),
                (["-p", "1", self.snap], "not both"),
                (["-n", "app.exe", self.snap], "not both"),
                (["--verbose", self.snap], "--verbose applies to -p"),
                (["-p", "12ab"], "invalid pid '12ab'")):
            rc, out, err = run("show", *argv)
            self.assertEqual((rc, out), (2, ""), (argv, err))
            self.assertIn(needle, err)
            self.assertIn("usage: hleak show", err)
        sysa = mkfixture("n-sysa.snap", "sysa")
        rc, _, err = run("show", "--name", "x", sysa)
        self.assertEqual(rc, 2)
        self.assertIn("--name does not apply to the whole-system", err)

    def test_live_form_needs_windows_on_native(self):
        if ARGS.prefix:
            self.skipTest("Windows build: show -p is live "
                          "(test_show_live.py)")
        for argv in (["-p", "1"], ["-n", "app.exe"],
                     ["-p", "1", "--name", "x", "--json"]):
            rc, out, err = run("show", *argv)
            self.assertEqual((rc, out), (3, ""), argv)
            self.assertIn("'show': live collection needs Windows", err)
        # the file form still works, and --help everywhere
        self.assertEqual(run("show", self.snap)[0], 0)
        rc, out, _ = run("show", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("-n, --image IMAGE", out)


class Snapshot(unittest.TestCase):
    def test_snapshot_without_windows(self):
        if ARGS.prefix:
            self.skipTest("Windows build: live paths are in integration-live")
        rc, out, err = run("snapshot", "-p", "1", "-o", "x.snap")
        self.assertEqual(rc, 3)
        self.assertIn("live collection needs Windows", err)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "x.snap")))

    def test_snapshot_help_works_everywhere(self):
        rc, out, _ = run("snapshot", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--no-names", out)


class DiffGatesHonest(unittest.TestCase):
    """Gates that never lie (issue 13): two runs of one program, ignore
    patterns copied from the report, swapped inputs, stable CI reports,
    over the runa, runb and runleak fixtures of tests/mkfixture.c."""

    @classmethod
    def setUpClass(cls):
        cls.a = mkfixture("g-runa.snap", "runa")
        cls.b = mkfixture("g-runb.snap", "runb")
        cls.leak = mkfixture("g-runleak.snap", "runleak")

    def opened_by_type(self, *argv):
        rc, out, err = run("diff", "--json", *argv)
        doc = json.loads(out)
        got = {}
        for g in doc["opened"]:
            got[g["type"]] = got.get(g["type"], 0) + g["count"]
        return rc, got, doc, err

    def test_two_runs_same_handles_pass(self):
        for extra in ([], ["--exact-names"]):
            rc, got, doc, err = self.opened_by_type(
                "--fail-on-new", "0", *extra, self.a, self.b)
            self.assertEqual((rc, err), (0, ""), extra)
            self.assertEqual(doc["match"], "by-name")
            self.assertEqual(doc["totals"]["opened"], 0, extra)
            self.assertEqual(doc["totals"]["closed"], 0, extra)

    def test_two_runs_growth_is_exact(self):
        for extra in ([], ["--exact-names"]):
            rc, got, doc, _ = self.opened_by_type(
                "--fail-on-new", "0", *extra, self.a, self.leak)
            self.assertEqual(rc, 1)
            self.assertEqual(got, {"Event": 7, "Thread": 3}, extra)
            self.assertEqual(doc["totals"]["closed"], 0)
        rc, out, _ = run("diff", "--exact-names", self.a, self.leak)
        self.assertIn("  tid {tid} in leaky.exe (pid {pid})\n", out)

    def test_ignore_copied_from_the_report_matches(self):
        rc, out, _ = run("diff", self.a, self.leak)
        lines = [l for l in out.splitlines() if re.match(r"^ +\d+  \w", l)]
        self.assertEqual(len(lines), 2, out)
        ignores = []
        for line in lines:
            words = line.split(None, 3)
            name = re.sub(r"  \(\d+ names\)$", "", words[3])
            ignores += ["--ignore", "%s:%s" % (words[1], name)]
        rc, out, err = run("diff", "--fail-on-new", "0", "--json", *ignores,
                           self.a, self.leak)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["totals"]["ignored_opened"], 10)
        self.assertEqual(doc["unmatched_ignores"], [])
        # the unnamed form, and an event by the last part of its name
        rc, out, err = run("diff", "--json", "--ignore", "*:<unnamed>",
                           "--ignore", "Event:app-*-ready", self.a, self.b)
        doc = json.loads(out)
        self.assertEqual(doc["unmatched_ignores"], ["*:<unnamed>"])
        self.assertEqual([i["handles"] for i in doc["ignores"]], [0, 2])
        self.assertIn("hleak: warning: ignore pattern '*:<unnamed>' matched "
                      "no handle in either snapshot", err)
        self.assertEqual(rc, 0)

    def test_stale_ignore_listed_in_text(self):
        rc, out, err = run("diff", "--ignore", "Key:HKLM\\gone\\*",
                           "--fail-on-new", "0", self.a, self.b)
        self.assertEqual(rc, 0)
        self.assertIn("\nwarning: 1 ignore pattern matched no handle in "
                      "either snapshot\n    Key:HKLM\\gone\\*\n", out)

    def test_swapped_inputs_refused(self):
        rc, out, err = run("diff", "--fail-on-new", "0", self.leak, self.a)
        self.assertEqual((rc, out), (2, ""))
        # to the millisecond: two runs a CI job takes within one second
        # must not read "taken 02:40:32Z ... older than ... 02:40:32Z"
        self.assertIn("hleak: error: AFTER 'g-runa.snap' (taken "
                      "2024-12-30T02:40:32.000Z) is older than BEFORE "
                      "'g-runleak.snap' (taken 2024-12-30T02:40:56.000Z)",
                      err)
        rc, out, err = run("diff", "--allow-reversed", "--fail-on-new", "0",
                           "--json", self.leak, self.a)
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["totals"]["closed"], 10)

    def test_other_program_warns(self):
        sample = mkfixture("g-sample.snap")
        rc, out, err = run("diff", "--json", "--allow-reversed", sample,
                           self.a)
        self.assertEqual(rc, 0, err)
        self.assertTrue(json.loads(out)["other_program"])
        self.assertIn("are of different programs", err)
        rc, out, err = run("diff", "--json", self.a, self.b)
        self.assertFalse(json.loads(out)["other_program"])

    def test_junit_names_stable_and_sarif_fingerprints(self):
        import xml.etree.ElementTree as ET
        names, prints = [], []
        for after in (self.b, self.leak):
            rc, _, err = run("diff", "--fail-on-new", "0", "--fail-on",
                             "Event=0", "--junit", "s.xml", "--sarif",
                             "s.sarif", self.a, after)
            root = ET.parse(os.path.join(ARGS.work, "s.xml")).getroot()
            suite = root.find("testsuite")
            self.assertEqual(suite.get("name"), "hleak diff leaky.exe")
            names.append([c.get("name") for c in suite.iter("testcase")])
            with open(os.path.join(ARGS.work, "s.sarif"),
                      encoding="utf-8") as f:
                results = json.load(f)["runs"][0]["results"]
            prints.append({r["properties"]["pattern"]:
                           r["partialFingerprints"]["hleakGroup/v1"]
                           for r in results})
            for r in results:
                loc = r["locations"][0]["logicalLocations"][0]
                self.assertEqual(loc["fullyQualifiedName"],
                                 "leaky.exe/" + loc["name"])
        self.assertEqual(names[0], ["fail-on-new", "fail-on Event"])
        self.assertEqual(names[0], names[1])
        self.assertEqual(prints[0], {})
        self.assertEqual(len(prints[1]), 2)
        # the same leak in another pair of runs: the same fingerprints
        rc, _, _ = run("diff", "--sarif", "t.sarif", self.b, self.leak)
        with open(os.path.join(ARGS.work, "t.sarif"), encoding="utf-8") as f:
            again = {r["properties"]["pattern"]:
                     r["partialFingerprints"]["hleakGroup/v1"]
                     for r in json.load(f)["runs"][0]["results"]}
        self.assertEqual(again, prints[1])

    def test_top_bounds_dead_targets(self):
        a = mkfixture("g-tbefore.snap", "tbefore")
        b = mkfixture("g-tafter.snap", "tafter")
        rc, out, _ = run("diff", "--top", "1", a, b)
        self.assertEqual(rc, 0)
        dead = out.split("dead targets:")[1]
        self.assertIn("\n    Thread 0x304 tid 501", dead)
        self.assertNotIn("0x308", dead)
        self.assertIn("\n    ... 2 more; see --top\n", dead)


class Selftest(unittest.TestCase):
    """`hleak selftest` where it cannot run; it runs in
    tests/integration/test_selftest_live.py."""

    def test_selftest_without_windows(self):
        if ARGS.prefix:
            self.skipTest("Windows build: integration-selftest runs it")
        for args in ([], ["--json"], ["--child", "x", "y"]):
            rc, out, err = run("selftest", *args)
            self.assertEqual(rc, 3, args)
            self.assertEqual(out, "", args)
            self.assertIn("'selftest': live collection needs Windows", err)

    def test_selftest_help_works_everywhere(self):
        rc, out, _ = run("selftest", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--deadline SEC", out)
        self.assertIn("1 a check FAILED", out)
        # the test hooks are not advertised
        self.assertNotIn("inject-fault", out)
        self.assertNotIn("--child", out)


class Find(unittest.TestCase):
    """`hleak find`: its usage errors, typo types, the no-match status and
    its JSON; the matches themselves are live (test_find_live.py)."""

    def check(self, argv, needle):
        rc, out, err = run(*argv)
        self.assertEqual(rc, 2, (argv, err))
        self.assertEqual(out, "")
        self.assertIn(needle, err)
        self.assertIn("usage: hleak find", err)

    def test_help_everywhere(self):
        rc, out, err = run("find", "--help")
        self.assertEqual(rc, 0, err)
        self.assertIn("1 none matched", out)
        self.assertIn("as handle.exe does", out)

    def test_native_needs_windows(self):
        if ARGS.prefix:
            self.skipTest("Windows build: find runs")
        rc, out, err = run("find", "app.log")
        self.assertEqual(rc, 3)
        self.assertEqual(out, "")
        self.assertIn("'find': live collection needs Windows", err)

    def test_usage_errors(self):
        if not ARGS.prefix:
            self.skipTest("native build: find exits 3 before parsing")
        self.check(["find"], "no PATTERN given")
        self.check(["find", "a", "b"], "give one PATTERN (quote it)")
        self.check(["find", ""], "empty PATTERN")
        self.check(["find", "--type"], "option '--type' needs a value")
        self.check(["find", "--bogus", "x"], "unknown option '--bogus'")
        self.check(["find", "--type", "Evnt", "x"],
                   "--type 'Evnt': unknown type 'Evnt'; did you mean "
                   "'Event'?")
        self.check(["find", "--type", "'File'", "x"],
                   "holds quote characters")
        # the same names, units and ranges as snapshot's options
        self.check(["find", "--timeout", "0", "x"], "invalid timeout '0'")
        self.check(["find", "--timeout", "60001", "x"],
                   "invalid timeout '60001'")
        self.check(["find", "--timeout", "5s", "x"], "invalid timeout '5s'")
        self.check(["find", "--threads", "0", "x"],
                   "invalid thread count '0'")
        self.check(["find", "--threads", "17", "x"],
                   "invalid thread count '17'")
        self.check(["find", "--deadline", "0", "x"], "invalid deadline '0'")
        self.check(["find", "--deadline", "86401", "x"],
                   "invalid deadline '86401'")
        self.check(["find", "--deadline"], "option '--deadline' needs a value")

    def test_options_match_snapshot(self):
        """--timeout, --threads and --deadline are worded as snapshot's:
        one option, one meaning, one range, in both commands."""
        _, find_help, _ = run("find", "--help")
        _, snap_help, _ = run("snapshot", "--help")
        for opt in ("--timeout MS", "--threads N", "--deadline S"):
            self.assertIn(opt, find_help)
        for words in ("milliseconds (default 1000, 1 to 60000)",
                      "(1 to 16; default 2)", "(default 300, 1 to 86400)"):
            self.assertIn(words, find_help)
            self.assertIn(words, snap_help)
        self.assertIn("4 none\nmatched but some name queries timed out",
                      find_help)

    def test_no_match_is_1_with_json(self):
        if not ARGS.prefix:
            self.skipTest("native build: find needs Windows")
        rc, out, err = run("find", "--json", "--type", "event",
                           "hl-no-such-name-*-%d" % os.getpid())
        self.assertEqual(rc, 1, err)
        doc = json.loads(out)
        self.assertEqual(doc["matches"], [])
        self.assertEqual(doc["types"], ["event"])
        self.assertGreater(doc["names_read"], 0)
        self.assertEqual(doc["timeouts"], 0)
        rc, out, err = run("find", "hl-no-such-name-%d" % os.getpid())
        self.assertEqual(rc, 1, err)
        self.assertRegex(out, r"^0 handles in 0 processes \(\d+ names "
                         r"read in \d+ processes\)\n")
        self.assertNotIn("PID", out)
class DashEverywhere(unittest.TestCase):
    """'-' is standard input or output for every file option, or a usage
    error: never a file named '-' (issue 13)."""

    @classmethod
    def setUpClass(cls):
        cls.a = mkfixture("dash-runa.snap", "runa")
        cls.leak = mkfixture("dash-runleak.snap", "runleak")

    def no_dash_file(self):
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "-")))

    def test_ignore_file_from_standard_input(self):
        for text in (b"# from a pipe\nEvent:*\r\nThread:*\n",
                     b"\xff\xfe" + "Event:*\r\nThread:*\r\n".encode(
                         "utf-16-le")):
            rc, out, err = run_bytes(["diff", "--fail-on-new", "0",
                                      "--json", "--ignore-file", "-",
                                      self.a, self.leak], stdin=text)
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["totals"]["ignored_opened"], 10)
        rc, out, err = run_bytes(["diff", "--ignore-file", "-", self.a,
                                  self.leak], stdin=b"Evnt:*\n")
        self.assertEqual(rc, 2)
        self.assertIn("ignore file '-', line 1: unknown type 'Evnt'", err)
        for argv, needle in (
                (["--ignore-file", "-", "--ignore-file", "-", self.a,
                  self.leak], "--ignore-file '-' given twice"),
                (["--ignore-file", "-", "-", self.leak],
                 "--ignore-file and BEFORE cannot both be '-'"),
                (["--ignore-file", "-", self.a, "-"],
                 "--ignore-file and AFTER cannot both be '-'")):
            rc, out, err = run_bytes(["diff"] + argv, stdin=b"Event:*\n")
            self.assertEqual((rc, out), (2, b""), argv)
            self.assertIn(needle, err)

    def test_ci_reports_refuse_dash(self):
        for opt in ("--junit", "--sarif"):
            rc, out, err = run("diff", opt, "-", self.a, self.leak)
            self.assertEqual((rc, out), (2, ""), opt)
            self.assertIn("%s '-': standard output carries the diff report"
                          % opt, err)
            self.no_dash_file()

    def test_watch_files_refuse_dash(self):
        if not ARGS.prefix:
            self.skipTest("native build: watch exits 3 before parsing")
        for opt in ("--csv", "--svg", "--keep"):
            rc, out, err = run("watch", "-p", "1", opt, "-")
            self.assertEqual((rc, out), (2, ""), opt)
            self.assertIn("%s '-': standard output carries the live table"
                          % opt, err)
            self.no_dash_file()


class UnknownTypeLabel(unittest.TestCase):
    """'<unknown type>', as every report prints a type that was not read,
    is a TYPE every option takes: a label copied from the report must not
    be refused or match nothing (issue 13)."""

    @classmethod
    def setUpClass(cls):
        real = os.path.join(shared_dumps_dir(), "win11-21h2-tiny.dmp")
        if not os.path.isfile(real):
            raise unittest.SkipTest("no real dump at %s" % real)
        import shutil
        shutil.copy(real, os.path.join(ARGS.work, "utl-tiny.dmp"))
        cls.dmp = "utl-tiny.dmp"
        cls.a = mkfixture("utl-runa.snap", "runa")

    def test_show_type(self):
        rc, out, err = run("show", "--type", "<Unknown Type>", self.dmp)
        self.assertEqual(rc, 0, err)
        self.assertIn("        46  <unknown type>\n", out)
        self.assertNotIn("Event", out.split("\n\n", 1)[1])

    def test_diff_gate_and_ignore(self):
        # the dump's 46 handles of no type are opened against runa's
        base = ["diff", "--allow-reversed", self.a, self.dmp]
        rc, out, err = run(*base[:2], "--fail-on", "<unknown type>=45",
                           *base[2:])
        self.assertEqual(rc, 1, err)
        self.assertIn("gate failed: <unknown type>: 46 handles opened and "
                      "still open; at most 45 allowed", out)
        rc, out, err = run(*base[:2], "--fail-on", "<unknown type>=46",
                           *base[2:])
        self.assertEqual(rc, 0, err)
        rc, out, err = run(*base[:2], "--json", "--ignore",
                           "<unknown type>:<unnamed>", *base[2:])
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual(doc["unmatched_ignores"], [])
        self.assertEqual(doc["totals"]["ignored_opened"], 46)

    def test_watch_gate_accepts_it(self):
        if not ARGS.prefix:
            self.skipTest("native build: watch exits 3 before parsing")
        rc, out, err = run("watch", "-p", "999999", "--samples", "5",
                           "--fail-on-growth", "<unknown type>=5")
        self.assertEqual(rc, 3, err)  # parsed; no such process


class TopBoundsEveryList(unittest.TestCase):
    """--top bounds every list of the text reports: show's handles, diff's
    stale ignore patterns (and its groups and dead targets, in
    DiffGatesHonest); the by-type tables stay whole (issue 13)."""

    def test_show_handles(self):
        d = dump_fixture("leaky-1.dmp")
        rc, out, err = run("show", "--top", "3", d)
        self.assertEqual(rc, 0, err)
        rows = re.findall(r"^ +0x[0-9a-f]+  \S", out, re.M)
        self.assertEqual(len(rows), 3, out)
        self.assertIn("\n            ... 6 more handles; see --top\n", out)
        self.assertRegex(out, r"\n +9  total\n")
        rc, out, err = run("show", "--top", "1", "--type", "Event", d)
        self.assertEqual(len(re.findall(r"^ +0x[0-9a-f]+  Event", out,
                                        re.M)), 1, out)
        self.assertIn("... 1 more handle; see --top", out)
        rc, all_out, err = run("show", d)
        self.assertEqual(len(re.findall(r"^ +0x[0-9a-f]+  \S", all_out,
                                        re.M)), 9)
        self.assertNotIn("see --top", all_out)

    def test_diff_stale_ignores(self):
        a = mkfixture("top-runa.snap", "runa")
        b = mkfixture("top-runb.snap", "runb")
        stale = ["--ignore", "Key:a*", "--ignore", "Key:b*", "--ignore",
                 "Key:c*"]
        rc, out, err = run("diff", "--top", "1", *stale, a, b)
        self.assertEqual(rc, 0, err)
        self.assertIn("\nwarning: 3 ignore patterns matched no handle in "
                      "either snapshot\n    Key:a*\n    ... 2 more; see "
                      "--top, or unmatched_ignores in --json\n", out)
        rc, out, err = run("diff", "--json", "--top", "1", *stale, a, b)
        self.assertEqual(json.loads(out)["unmatched_ignores"],
                         ["Key:a*", "Key:b*", "Key:c*"])


class ExitStatusTables(unittest.TestCase):
    """Every exit status of README's table is in hleak(1)'s table and in
    `hleak --help`; status 4 (a gate that could not judge) also in
    watch's --help and man page."""

    def codes(self, path):
        with open(os.path.join(ARGS.source, path), encoding="utf-8") as f:
            text = f.read()
        return [int(c) for c in re.findall(r"^\| (\d) \|", text, re.M)]

    def test_tables_and_help_agree(self):
        codes = self.codes("README.md")
        self.assertEqual(codes, [0, 1, 2, 3, 4, 5])
        self.assertEqual(self.codes("docs/man/hleak.md"), codes)
        rc, out, _ = run("--help")
        self.assertEqual(rc, 0)
        status = " ".join(out.split("Exit status:")[1].split())
        for code in codes:
            self.assertRegex(status, r"(^| )%d [a-z]" % code)
        self.assertIn("4 a leak gate could not judge", status)
        self.assertIn("whole-system snapshots with a process not counted",
                      status)
        self.assertIn("or find matched nothing but some name queries "
                      "timed out", status)
        rc, out, _ = run("watch", "--help")
        self.assertIn("4 a growth gate could not judge",
                      " ".join(out.split()))
        with open(os.path.join(ARGS.source, "docs/man/hleak-watch.md"),
                  encoding="utf-8") as f:
            self.assertIn("; 4 `--fail-on-growth`", f.read())
# ---- whole-system snapshots (issue 16): show and diff on fixtures ----

class SystemSnapshots(unittest.TestCase):
    """`snapshot --all` files (tests/sysfixture.c): sysa BEFORE, sysb
    AFTER 60 s later (leaky.exe pid 200 +51: Event +50, File +1; gone.exe
    exited; pid 400 reused; new.exe started), sysu (steady.exe not
    counted), sysh (another host)."""

    @classmethod
    def setUpClass(cls):
        for v in ("sysa", "sysb", "sysu", "sysh", "syse", "sysna", "sysnb",
                  "sysxa", "sysxb"):
            mkfixture(v + ".snap", v)
        mkfixture("proc.snap")

    def diff(self, *argv):
        return run("diff", *argv)

    def test_show_text_ranks_processes(self):
        rc, out, err = run("show", "sysa.snap")
        self.assertEqual(rc, 0, err)
        self.assertIn("whole-system snapshot 'sysa.snap'", out)
        self.assertIn("on TESTHOST (Windows 10.0.19045)", out)
        self.assertIn("5 processes, 133 handles", out)
        rows = [l.split() for l in out.splitlines()
                if re.match(r"^ +\d+ ", l)]
        self.assertEqual([r[0] for r in rows], ["4", "100", "200", "300",
                                                "400"])
        self.assertIn("Event 10, File 5, Thread 1", out)

    def test_show_top_and_type(self):
        rc, out, _ = run("show", "--top", "2", "sysb.snap")
        self.assertEqual(rc, 0)
        self.assertEqual(len([l for l in out.splitlines()
                              if re.match(r"^ +\d+ ", l)]), 2)
        rc, out, _ = run("show", "--type", "event", "sysb.snap")
        self.assertEqual(rc, 0)
        rows = [l.split() for l in out.splitlines()
                if re.match(r"^ +\d+ ", l)]
        self.assertEqual([r[0] for r in rows], ["200", "100", "400"])
        self.assertIn("Event 60", out)
        self.assertNotIn("File", out.split("TOP TYPES")[1])

    def test_show_json(self):
        rc, out, _ = run("show", "--json", "sysb.snap")
        self.assertEqual(rc, 0)
        j = json.loads(out)
        self.assertEqual(j["kind"], "system")
        self.assertEqual(j["host"], "TESTHOST")
        leaky = [p for p in j["processes"] if p["pid"] == 200][0]
        self.assertEqual(leaky["handles"], 64)
        self.assertEqual(leaky["types"]["Event"], 60)
        self.assertEqual([p["pid"] for p in j["processes"]][0], 4)

    def test_show_names(self):
        # sysna: taken with names (tests/sysfixture.c)
        rc, out, err = run("show", "sysna.snap")
        self.assertEqual(rc, 0, err)
        self.assertIn("names: 4 named handles in 3 processes; 2 refused, 0 "
                      "exited, 1 name query timed out", out)
        names = out.split("\nnames (")[1]
        self.assertRegex(names, r"\n +200 leaky\.exe: 3 Event "
                                r"\\Sessions\\\{n\}\\BaseNamedObjects"
                                r"\\job-\{n\}\n")
        self.assertRegex(names, r"\n +300 gone\.exe: not read \(elevated "
                                r"process")
        self.assertIn("400 reused.exe: no named handle", names)
        # counts only: no names section
        rc, out, _ = run("show", "sysa.snap")
        self.assertNotIn("names", out)
        rc, out, _ = run("show", "--json", "sysna.snap")
        self.assertEqual(rc, 0)
        procs = {p["pid"]: p for p in json.loads(out)["processes"]}
        leaky = procs[200]["names"]
        self.assertEqual(leaky["state"], "read")
        self.assertEqual(len(leaky["handles"]), 3)
        self.assertEqual(leaky["handles"][0]["type"], "Event")
        self.assertEqual(leaky["handles"][0]["name"],
                         "\\Sessions\\1\\BaseNamedObjects\\job-1")
        self.assertEqual(procs[4]["names"]["state"], "refused")
        self.assertIn("refused", procs[4]["names"]["why"])
        self.assertEqual(procs[100]["names"]["timeouts"], 1)
        rc, out, _ = run("show", "--json", "sysa.snap")
        self.assertNotIn("names", json.loads(out)["processes"][0])

    def test_diff_names_which_names_grew(self):
        rc, out, err = self.diff("sysna.snap", "sysnb.snap")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"\+51  leaky\.exe +Event \+50, File \+1\n"
                              r" +\+50  Event \\Sessions\\\{n\}\\"
                              r"BaseNamedObjects\\job-\{n\}\n"
                              r" +\+1  File C:\\temp\\req-\{n\}\.tmp\n")
        rc, out, _ = self.diff("--json", "sysna.snap", "sysnb.snap")
        leaky = [p for p in json.loads(out)["processes"] if p["pid"] == 200][0]
        self.assertEqual(leaky["names_grew"][0],
                         {"type": "Event",
                          "pattern": "\\Sessions\\{n}\\BaseNamedObjects"
                                     "\\job-{n}",
                          "before": 3, "after": 53})
        # names on one side only: not known, never made up
        rc, out, _ = self.diff("--json", "sysa.snap", "sysnb.snap")
        leaky = [p for p in json.loads(out)["processes"] if p["pid"] == 200][0]
        self.assertIsNone(leaky["names_grew"])
        rc, out, _ = self.diff("sysa.snap", "sysnb.snap")
        self.assertNotIn("job-", out)
        rc, out, _ = self.diff("--fail-on", "Event=10", "sysna.snap",
                               "sysnb.snap")
        self.assertEqual(rc, 1)
        self.assertIn("(10 -> 60), most \\Sessions\\{n}\\BaseNamedObjects"
                      "\\job-{n} (+50)", out)

    def test_show_refuses_what_does_not_apply(self):
        for opt in ("--summary", "--exact-names"):
            rc, _, err = run("show", opt, "sysa.snap")
            self.assertEqual(rc, 2)
            self.assertIn("%s does not apply to the whole-system snapshot "
                          "'sysa.snap'" % opt, err)
        rc, _, err = run("show", "--type", "Evnt", "sysa.snap")
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'Event'", err)

    def test_show_stdin_and_empty(self):
        with open(os.path.join(ARGS.work, "sysa.snap"), "rb") as f:
            rc, out, _ = run_bytes(["show", "-"], f.read())
        self.assertEqual(rc, 0)
        self.assertIn(b"5 processes", out)
        rc, out, _ = run("show", "syse.snap")
        self.assertEqual(rc, 0)
        self.assertIn("0 processes, 0 handles", out)

    def test_diff_names_the_grower_and_lists_apart(self):
        rc, out, err = self.diff("sysa.snap", "sysb.snap")
        self.assertEqual(rc, 0, err)
        grew = out.split("processes that grew")[1].split("started")[0]
        self.assertRegex(grew, r"\n +200 +13 +64 +\+51  leaky\.exe +"
                               r"Event \+50, File \+1")
        self.assertNotIn("steady", grew)
        started = out.split("started (not in BEFORE): 2")[1].split(
            "exited")[0]
        self.assertIn("reused.exe", started)
        self.assertIn("new.exe", started)
        exited = out.split("exited (not in AFTER): 2")[1]
        self.assertIn("gone.exe", exited)
        self.assertIn("reused.exe", exited)
        self.assertIn("verdict: most growth: pid 200 (leaky.exe) +51 "
                      "(Event +50, File +1); 2 started, 2 exited", out)

    def test_diff_gates_per_process(self):
        rc, out, _ = self.diff("--fail-on-new", "50", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 1)
        self.assertIn("gate failed: --fail-on-new 50: pid 200 (leaky.exe) "
                      "grew by 51 handles, most Event (+50)", out)
        self.assertTrue(out.rstrip().endswith("; gate failed"))
        # the whole system grew by 58: per process it is 51, which passes
        rc, out, _ = self.diff("--fail-on-new", "51", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 0)
        self.assertIn("gates passed", out)
        rc, out, _ = self.diff("--fail-on", "event=49", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 1)
        self.assertIn("gate failed: --fail-on event=49: pid 200 (leaky.exe)"
                      " gained 50 Event handles (10 -> 60)", out)
        rc, _, _ = self.diff("--fail-on", "Event=50", "--fail-on", "Key=0",
                             "sysa.snap", "sysb.snap")
        self.assertEqual(rc, 0)

    def test_diff_uncounted_process_is_not_judged(self):
        rc, out, err = self.diff("--fail-on-new", "100", "sysa.snap",
                                 "sysu.snap")
        self.assertEqual(rc, 4)
        self.assertIn("not counted in AFTER: pid 100 (steady.exe)", out)
        self.assertIn("the gates cannot judge it", err)
        rc, _, _ = self.diff("sysa.snap", "sysu.snap")
        self.assertEqual(rc, 0)
        rc, _, _ = self.diff("--fail-on-new", "10", "sysa.snap",
                             "sysu.snap")
        self.assertEqual(rc, 1)

    def test_diff_json_and_csv(self):
        rc, out, _ = self.diff("--json", "--fail-on-new", "5", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 1)
        j = json.loads(out)
        self.assertEqual(j["kind"], "system-diff")
        top = j["processes"][0]
        self.assertEqual((top["pid"], top["growth"], top["gate_failed"]),
                         (200, 51, True))
        self.assertEqual(top["grew"]["Event"], {"before": 10, "after": 60})
        self.assertEqual(sorted(p["pid"] for p in j["started"]), [400, 600])
        self.assertEqual(sorted(p["pid"] for p in j["exited"]), [300, 400])
        self.assertTrue(j["gates"]["failed"])
        rc, out, _ = self.diff("--csv", "sysa.snap", "sysb.snap")
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0], "status,pid,start_time,image,before,"
                         "after,growth,grew_types,gate_failed")
        self.assertIn("both,200,", lines[1])
        self.assertTrue(lines[1].endswith("leaky.exe,13,64,51,"
                                          "Event:+50;File:+1,0"))

    def test_diff_reversed_and_hosts(self):
        rc, _, err = self.diff("sysb.snap", "sysa.snap")
        self.assertEqual(rc, 2)
        self.assertIn("is older than BEFORE 'sysb.snap'", err)
        rc, out, _ = self.diff("--allow-reversed", "sysb.snap", "sysa.snap")
        self.assertEqual(rc, 0)
        rc, _, err = self.diff("sysa.snap", "sysh.snap")
        self.assertEqual(rc, 0)
        self.assertIn("were taken on different machines (TESTHOST, "
                      "OTHERHOST)", err)

    def test_diff_refuses_mixing_and_options(self):
        for pair in (("sysa.snap", "proc.snap"), ("proc.snap", "sysb.snap")):
            rc, out, err = self.diff(*pair)
            self.assertEqual(rc, 2)
            self.assertEqual(out, "")
            self.assertIn("diff compares two of a kind", err)
            self.assertIn("'%s'" % pair[0], err)
            self.assertIn("'%s'" % pair[1], err)
        for opts in (["--ignore", "File:*"], ["--fail-on-dead", "0"],
                     ["--exact-names"]):
            rc, out, err = self.diff(*(opts + ["--junit", "j.xml",
                                               "sysa.snap", "sysb.snap"]))
            self.assertEqual(rc, 2, opts)
            self.assertIn("does not apply to whole-system snapshots", err)
        self.assertFalse(os.path.exists(os.path.join(ARGS.work, "j.xml")))
        rc, _, err = self.diff("--fail-on", "Evnt=1", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'Event'", err)

    def ci_reports(self, *argv, before="sysa.snap", after="sysb.snap"):
        """diff ARGV --junit --sarif: (rc, JUnit root, SARIF results)."""
        junit = os.path.join(ARGS.work, "sys-j.xml")
        sarif = os.path.join(ARGS.work, "sys-s.json")
        for f in (junit, sarif):
            if os.path.exists(f):
                os.remove(f)
        rc, _, err = self.diff(*argv, "--junit", "sys-j.xml", "--sarif",
                               "sys-s.json", before, after)
        with open(junit, "rb") as f:
            jbytes = f.read()
        with open(sarif, "rb") as f:
            sbytes = f.read()
        return rc, err, jbytes, sbytes

    def test_diff_junit_case_per_gate_and_process(self):
        rc, err, jb, _ = self.ci_reports("--fail-on-new", "5", "--fail-on",
                                         "Event=49", after="sysu.snap")
        # a gate failed: that wins over the process it could not judge
        self.assertEqual(rc, 1, err)
        root = ET.fromstring(jb)
        suite = root.find("testsuite")
        cases = suite.findall("testcase")
        names = [c.get("name") for c in cases]
        procs = ["gone.exe (pid 300, exited)", "leaky.exe (pid 200)",
                 "new.exe (pid 600, started)",
                 "reused.exe (pid 400, exited)",
                 "reused.exe (pid 400, started)", "steady.exe (pid 100)",
                 "System (pid 4)"]
        # gate by gate as given, processes by image then pid
        self.assertEqual(names, ["fail-on-new: " + p for p in procs] +
                         ["fail-on Event: " + p for p in procs])
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual({c.get("classname") for c in cases},
                         {"hleak.gate"})
        got = {c.get("name"): c for c in cases}
        leak = got["fail-on-new: leaky.exe (pid 200)"]
        fail = leak.find("failure")
        self.assertEqual(fail.get("message"), "--fail-on-new 5: pid 200 "
                         "(leaky.exe) grew by 51 handles, most Event (+50)")
        self.assertIn("Event +50 (10 -> 60)", fail.text)
        self.assertEqual(leak.find("system-out").text,
                         "51 counted; at most 5 allowed")
        self.assertIsNotNone(got["fail-on Event: leaky.exe (pid 200)"]
                             .find("failure"))
        # not counted: an error, never a pass
        steady = got["fail-on-new: steady.exe (pid 100)"]
        self.assertIsNotNone(steady.find("error"))
        self.assertIn("not counted in AFTER", steady.find("error")
                      .get("message"))
        self.assertIsNone(steady.find("system-out"))
        # started and exited: skipped, as the gates do not judge them
        for n in ("new.exe (pid 600, started)", "gone.exe (pid 300, "
                  "exited)"):
            self.assertIsNotNone(got["fail-on-new: " + n].find("skipped"))
        # judged and within the limit: a pass with its count
        ok = got["fail-on Event: System (pid 4)"]
        self.assertEqual(list(ok), [ok.find("system-out")])
        self.assertEqual(ok.find("system-out").text,
                         "0 counted; at most 49 allowed")
        for el in (root, suite):
            self.assertEqual((el.get("tests"), el.get("failures"),
                              el.get("errors"), el.get("skipped")),
                             ("14", "2", "2", "8"))
        props = {p.get("name"): p.get("value")
                 for p in suite.find("properties")}
        self.assertEqual(props["after.host"], "TESTHOST")
        self.assertEqual((props["processes"], props["started"],
                          props["exited"]), ("3", "2", "2"))
        # no time, no start time in the file: two runs write the same bytes
        self.assertNotIn(b"2023", jb)
        _, _, again, _ = self.ci_reports("--fail-on-new", "5", "--fail-on",
                                         "Event=49", after="sysu.snap")
        self.assertEqual(jb, again)

    def test_diff_junit_uncounted_alone_exits_4(self):
        rc, err, jb, _ = self.ci_reports("--fail-on-new", "100",
                                         after="sysu.snap")
        self.assertEqual(rc, 4, err)
        suite = ET.fromstring(jb).find("testsuite")
        self.assertEqual((suite.get("failures"), suite.get("errors")),
                         ("0", "1"))
        rc, _, jb, _ = self.ci_reports("--fail-on-new", "100")
        self.assertEqual(rc, 0)
        suite = ET.fromstring(jb).find("testsuite")
        self.assertEqual((suite.get("failures"), suite.get("errors"),
                          suite.get("skipped"), suite.get("tests")),
                         ("0", "0", "4", "7"))

    def test_diff_junit_without_gates_records_and_passes(self):
        rc, _, jb, sb = self.ci_reports()
        self.assertEqual(rc, 0)
        cases = ET.fromstring(jb).find("testsuite").findall("testcase")
        self.assertEqual([(c.get("classname"), c.get("name")) for c in cases],
                         [("hleak.diff", "processes that grew")])
        self.assertIn("handles 133 -> 191", cases[0].find("system-out").text)
        # SARIF without gates: the processes that grew, as warnings
        res = json.loads(sb)["runs"][0]["results"]
        self.assertEqual([(r["ruleId"], r["level"], r["properties"]["pid"])
                          for r in res], [("HL0003", "warning", 200)])

    def test_diff_sarif_result_per_gate_and_process(self):
        rc, err, _, sb = self.ci_reports("--fail-on-new", "5", "--fail-on",
                                         "Event=49", after="sysu.snap")
        self.assertEqual(rc, 1, err)
        doc = json.loads(sb)
        self.assertEqual(doc["version"], "2.1.0")
        run0 = doc["runs"][0]
        self.assertEqual([r["id"] for r in run0["tool"]["driver"]["rules"]],
                         ["HL0003", "HL0004"])
        res = run0["results"]
        self.assertEqual(len(res), 14)
        by = {(r["properties"]["gate"], r["properties"]["pid"],
               r["properties"]["status"]): r for r in res}
        leak = by[("fail-on-new", 200, "both")]
        self.assertEqual((leak["ruleId"], leak["kind"], leak["level"]),
                         ("HL0003", "fail", "error"))
        self.assertEqual(by[("fail-on Event", 200, "both")]["ruleId"],
                         "HL0004")
        # SARIF 3.27.9: what could not be judged is "open", what the gates
        # do not judge "notApplicable"; neither is a pass
        self.assertEqual(by[("fail-on-new", 100, "both")]["kind"], "open")
        self.assertEqual(by[("fail-on-new", 600, "new")]["kind"],
                         "notApplicable")
        self.assertEqual(by[("fail-on-new", 4, "both")]["kind"], "pass")
        for r in res:
            if r["kind"] != "fail":
                self.assertEqual(r["level"], "none", r)
        self.assertEqual(res[1]["locations"][0]["logicalLocations"][0],
                         {"name": "leaky.exe", "kind": "module"})
        # fingerprints: the rule, gate and image, not the pid or a count
        fp = {(r["properties"]["gate"], r["properties"]["image"]):
              r["partialFingerprints"]["hleakProcess/v1"] for r in res}
        self.assertEqual(len(set(fp.values())), len(fp))
        _, _, _, again = self.ci_reports("--fail-on-new", "6", "--fail-on",
                                         "Event=49", after="sysu.snap")
        fp2 = {(r["properties"]["gate"], r["properties"]["image"]):
               r["partialFingerprints"]["hleakProcess/v1"]
               for r in json.loads(again)["runs"][0]["results"]}
        self.assertEqual(fp, fp2)

    def test_unnamed_type_as_the_file_spells_it(self):
        """sysxa/sysxb hold File as a type the system did not name, "(type
        37)" (sysquery-win.c's label): accepted as the file spells it, and
        only where a file holds it."""
        rc, out, err = run("show", "--type", "(type 37)", "sysxb.snap")
        self.assertEqual(rc, 0, err)
        rows = [l.split() for l in out.splitlines()
                if re.match(r"^ +\d+ ", l)]
        self.assertEqual([r[0] for r in rows], ["100", "200"])
        self.assertIn("2 holding (type 37), most first", out)
        rc, out, err = run("show", "--type", "(TYPE 37)", "sysxb.snap")
        self.assertEqual(rc, 0, err)
        for path in ("sysxb.snap", "sysb.snap"):
            n = "38" if path == "sysxb.snap" else "37"
            rc, out, err = run("show", "--type", "(type %s)" % n, path)
            self.assertEqual((rc, out), (2, ""))
            self.assertIn("--type: no type '(type %s)' in '%s': a type "
                          "the system did not name is accepted only as the "
                          "file holds it" % (n, path), err)
        rc, out, err = self.diff("--fail-on", "(type 37)=0", "sysxa.snap",
                                 "sysxb.snap")
        self.assertEqual(rc, 1, err)
        self.assertIn("gate failed: --fail-on (type 37)=0: pid 200 "
                      "(leaky.exe) gained 1 (type 37) handles (0 -> 1)", out)
        rc, out, err = self.diff("--fail-on", "(type 37)=1", "--fail-on-new",
                                 "51", "sysxa.snap", "sysxb.snap")
        self.assertEqual(rc, 0, err)
        self.assertIn("gates passed", out)
        # in one of the two is enough: the other may have named it
        rc, _, err = self.diff("--fail-on", "(type 37)=5", "sysa.snap",
                               "sysxb.snap")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.diff("--fail-on", "(type 99)=0", "sysxa.snap",
                                 "sysxb.snap")
        self.assertEqual((rc, out), (2, ""))
        self.assertIn("--fail-on: no type '(type 99)' in 'sysxa.snap' or "
                      "'sysxb.snap'", err)
        rc, _, err = self.diff("--fail-on", "(type 37)=0", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 2)
        self.assertIn("no type '(type 37)'", err)
        # names Windows has are checked as before: a typo is refused
        rc, _, err = self.diff("--fail-on", "Evnt=0", "sysxa.snap",
                               "sysxb.snap")
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'Event'", err)

    def test_diff_ci_report_unwritable(self):
        rc, _, err = self.diff("--junit", "no-such-dir/j.xml", "sysa.snap",
                               "sysb.snap")
        self.assertEqual(rc, 3)
        self.assertIn("cannot write JUnit report 'no-such-dir/j.xml'", err)
        rc, _, err = self.diff("--sarif", "-", "sysa.snap", "sysb.snap")
        self.assertEqual(rc, 2)

    def test_bad_files(self):
        with open(os.path.join(ARGS.work, "sysb.snap"), "rb") as f:
            data = f.read()
        with open(os.path.join(ARGS.work, "cut.snap"), "wb") as f:
            f.write(data[:len(data) - 5])
        rc, out, err = run("show", "cut.snap")
        self.assertEqual((rc, out), (3, ""))
        self.assertIn("cannot read snapshot 'cut.snap': file is truncated",
                      err)
        # a pair count past the types, the checksum made right again
        bad = bytearray(data)
        bad[-1] = 0  # the last pair's count: 0 is no count
        body = bytes(bad[:20] + bad[24:])
        import zlib
        bad[20:24] = zlib.crc32(body).to_bytes(4, "little")
        with open(os.path.join(ARGS.work, "bad.snap"), "wb") as f:
            f.write(bytes(bad))
        rc, _, err = self.diff("sysa.snap", "bad.snap")
        self.assertEqual(rc, 3)
        self.assertRegex(err, r"cannot read snapshot 'bad.snap': file is "
                              r"corrupt at byte \d+")
        rc, _, err = run("convert", "sysa.snap", "-o", "c.snap")
        self.assertEqual(rc, 3)
        self.assertIn("a whole-system snapshot (hleak snapshot --all)", err)

    def test_snapshot_all_usage(self):
        if not ARGS.prefix:
            self.skipTest("native build: snapshot needs Windows first")
        for argv, msg in ((["--all", "-p", "4"], "not with -p or -n"),
                          (["--all", "-n", "x.exe"], "not with -p or -n"),
                          (["--all", "--threads", "2"],
                           "--threads applies to --all with --names only"),
                          (["--all", "--no-names"],
                           "--no-names does not apply to --all"),
                          (["--no-gui", "-p", "4"],
                           "--no-gui applies to --all only"),
                          (["--names", "-p", "4"],
                           "--names applies to --all only"),
                          (["--all", "--timeout", "50"],
                           "--timeout applies to --all with --names only"),
                          (["--all", "--deadline", "5"],
                           "--deadline applies to --all with --names only"),
                          (["--all", "--names", "--require-names"],
                           "--require-names does not apply to --all")):
            rc, out, err = run("snapshot", *argv)
            self.assertEqual(rc, 2, argv)
            self.assertIn(msg, err, argv)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--hleak", required=True)
    ap.add_argument("--mkfixture", required=True)
    ap.add_argument("--emulator", default="")
    ap.add_argument("--source", required=True)
    ARGS, rest = ap.parse_known_args()
    ARGS.prefix = shlex.split(ARGS.emulator) if ARGS.emulator else []
    ARGS.fixture_prefix = ARGS.prefix
    with tempfile.TemporaryDirectory(prefix="hleak-cli-") as work:
        ARGS.work = work
        prog = unittest.main(argv=[sys.argv[0]] + rest, exit=False,
                             verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
