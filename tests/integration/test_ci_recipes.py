#!/usr/bin/env python3
"""The bash recipes of docs/ci.md, run as written: the fenced bash blocks
are taken from the file, and their hleak commands run against hl-target
under Wine. hl-target plays the application (myserver.exe, the test
suite): the lines that start it and drive it are the application's own,
so the test does their part over hl-target's protocol and runs every
hleak line of the block as it stands. `hleak` is a wrapper on PATH: the
snapshot goes to hleak.exe under Wine, the rest to the native hleak when
it is built (the doc's "compare on Linux"), else to hleak.exe.

Usage: test_ci_recipes.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                          --wine-run SCRIPT [--native HLEAK] --doc CI.MD
                          [unittest args]
"""

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

import test_live

ARGS = None


def bash_blocks(text):
    return re.findall(r"^```bash\n(.*?)^```$", text, re.M | re.S)


def block_with(blocks, needle):
    found = [b for b in blocks if needle in b]
    if len(found) != 1:
        raise AssertionError("docs/ci.md: %d bash blocks with %r"
                             % (len(found), needle))
    return found[0]


def hleak_lines(block):
    """The block's hleak commands, continuation lines joined."""
    return [l for l in block.replace("\\\n", " ").splitlines()
            if l.strip().startswith("hleak ")]


def ignore_file(text):
    """The indented ignore-handles.txt of the doc."""
    m = re.search(r"^`ignore-handles.txt`:\n\n((?:    .*\n)+)", text, re.M)
    if m is None:
        raise AssertionError("docs/ci.md: no ignore-handles.txt block")
    return "".join(l[4:] + "\n" for l in m.group(1).splitlines())


class Recipes(unittest.TestCase):

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        with open(ARGS.doc, encoding="utf-8") as f:
            cls.doc = f.read()
        cls.blocks = bash_blocks(cls.doc)

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-ci-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        bindir = os.path.join(self.dir, "bin")
        os.mkdir(bindir)
        wrapper = os.path.join(bindir, "hleak")
        other = ('"%s"' % ARGS.native if ARGS.native
                 else '"%s" "%s"' % (ARGS.wine_run, ARGS.hleak))
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nif [ "$1" = snapshot ]; then\n'
                    '    exec "%s" "%s" "$@"\nfi\nexec %s "$@"\n'
                    % (ARGS.wine_run, ARGS.hleak, other))
        os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
        self.env = test_live.wine_env()
        self.env["PATH"] = bindir + os.pathsep + self.env["PATH"]

    def target(self):
        t = test_live.Target(self.dir)
        self.addCleanup(t.stop)
        return t

    def bash(self, script, **env):
        e = dict(self.env)
        e.update({k: str(v) for k, v in env.items()})
        return subprocess.run(["bash", "-c", script], cwd=self.dir, env=e,
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=test_live.RUN_TIMEOUT)

    def ok(self, script, **env):
        res = self.bash(script, **env)
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        return res

    def json_of(self, name):
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return json.load(f)

    @staticmethod
    def opened_by_type(doc):
        got = {}
        for g in doc["opened"]:
            got[g["type"]] = got.get(g["type"], 0) + g["count"]
        return got

    # -- one process: before, workload, after ------------------------------

    def one_process(self, leak):
        snap = hleak_lines(block_with(self.blocks, "-o before.snap"))
        self.assertEqual(len(snap), 2, snap)
        judge = block_with(self.blocks, "> handle-diff.json")
        with open(os.path.join(self.dir, "ignore-handles.txt"), "w") as f:
            f.write(ignore_file(self.doc))
        t = self.target()
        t.open("event 2")                                 # warm-up
        self.ok(snap[0], winpid=t.pid)
        ids = t.open("event 5")                           # the workload
        if not leak:
            t.close(ids)
        self.ok(snap[1], winpid=t.pid)
        return self.bash(judge)

    def test_one_process_recipe_passes_without_leak(self):
        res = self.one_process(leak=False)
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        self.assertIn(b"no handle leak", res.stdout)
        self.assertEqual(self.json_of("handle-diff.json")["totals"]["opened"],
                         0)

    def test_one_process_recipe_fails_on_leak(self):
        res = self.one_process(leak=True)
        self.assertEqual(res.returncode, 1, test_live.describe(res))
        self.assertIn(b"handle leak: see handle-diff.json", res.stderr)
        doc = self.json_of("handle-diff.json")
        self.assertEqual(doc["match"], "identity")
        self.assertEqual(self.opened_by_type(doc), {"Event": 5})

    # -- two runs of a program ---------------------------------------------

    def run_once(self, n, extra_events=0, extra_threads=0):
        """One run of the "test suite": threads, a handle to itself, named
        objects that embed its pid, unnamed events; then the doc's
        snapshot line as run n."""
        snap = hleak_lines(block_with(self.blocks, '-o "run$n.snap"'))
        self.assertEqual(len(snap), 1, snap)
        t = self.target()
        t.open("thread %d" % (2 + extra_threads))
        t.open("process")
        t.open("event 3")
        t.open("mutex hl-ci-%d-lock" % t.pid)
        for k in range(4 + extra_events):
            t.open("named-event hl-ci-%d-ev%d" % (t.pid, k))
        self.ok(snap[0], winpid=t.pid, n=n)
        return t

    def two_runs(self, extra_events, extra_threads):
        first = self.run_once(1)
        second = self.run_once(2, extra_events, extra_threads)
        self.assertNotEqual(first.pid, second.pid)
        return self.bash(block_with(self.blocks, "run1.snap run2.snap >"))

    def test_two_runs_same_handles_pass(self):
        res = self.two_runs(0, 0)
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        self.assertIn(b"no handle leak", res.stdout)
        doc = self.json_of("two-runs.json")
        self.assertEqual(doc["match"], "by-name")
        self.assertEqual((doc["totals"]["opened"], doc["totals"]["closed"]),
                         (0, 0), doc["opened"] + doc["closed"])
        self.assertFalse(doc["other_program"])

    def test_two_runs_growth_is_exact(self):
        res = self.two_runs(7, 3)
        self.assertEqual(res.returncode, 1, test_live.describe(res))
        self.assertIn(b"handle leak: see two-runs.json", res.stderr)
        doc = self.json_of("two-runs.json")
        self.assertEqual(self.opened_by_type(doc), {"Event": 7, "Thread": 3})
        self.assertEqual(doc["totals"]["closed"], 0, doc["closed"])
        # with exact names, the run's own pid and tids are neutral
        res = self.bash("hleak diff --exact-names --json run1.snap "
                        "run2.snap")
        got = self.opened_by_type(json.loads(res.stdout))
        self.assertEqual(got, {"Event": 7, "Thread": 3})

        # every group copied from the report's lines is a valid ignore
        out = self.bash("hleak diff run1.snap run2.snap").stdout.decode()
        ignores = []
        for line in re.findall(r"^ +\d+  (\w+) +\S+  (.*)$",
                               out.split("\nclosed:")[0], re.M):
            name = re.sub(r"  \(\d+ names\)$", "", line[1])
            ignores.append("--ignore '%s:%s'" % (line[0], name))
        self.assertEqual(len(ignores), 2, out)
        res = self.bash("hleak diff --fail-on-new 0 --json %s run1.snap "
                        "run2.snap" % " ".join(ignores))
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        doc = json.loads(res.stdout)
        self.assertEqual(doc["totals"]["ignored_opened"], 10)
        self.assertEqual(doc["unmatched_ignores"], [])

        # swapped: refused
        res = self.bash("hleak diff --fail-on-new 0 run2.snap run1.snap")
        self.assertEqual(res.returncode, 2, test_live.describe(res))
        self.assertIn(b"is older than BEFORE 'run2.snap'", res.stderr)
        # the two runs are about a second apart: the times told must
        # show which is older, so they are given to the millisecond
        times = re.findall(r"taken (\S+)\)", res.stderr.decode())
        self.assertEqual(len(times), 2, res.stderr)
        self.assertRegex(times[0], r"\.\d{3}Z$")
        self.assertLess(times[0], times[1])


def main():
    global ARGS
    parser = test_live.arg_parser(__doc__, wine_run_required=True)
    parser.add_argument("--doc", required=True)
    ARGS, rest = test_live.parse(parser)
    if ARGS.native and not os.path.isfile(ARGS.native):
        ARGS.native = None
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
