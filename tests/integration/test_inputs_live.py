#!/usr/bin/env python3
"""Live tests of how hleak.exe treats its inputs and outputs, under Wine
against hl-target (the helpers of test_live.py): a dump without handle
data, default snapshot names that never collide, '-' for standard output,
a folder given as a file, and a type typo in watch.

Usage: test_inputs_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
                           --wine-run SCRIPT [unittest args]
"""

import datetime
import os
import subprocess
import unittest

import test_live
from test_live import describe, wine


def hleak(*args):
    return wine(test_live.ARGS.hleak, *args)


def hleak_io(args, stdin=b"", cwd=None):
    """hleak.exe with bytes on standard input; stdout kept as bytes."""
    return subprocess.run(
        test_live.wrap([test_live.ARGS.hleak] + [str(a) for a in args]),
        input=stdin, capture_output=True,
        timeout=test_live.RUN_TIMEOUT, cwd=cwd, env=test_live.wine_env())


class InputsLive(unittest.TestCase):
    """Borrows LiveTest's set-up and helpers, not its tests."""

    setUp = test_live.LiveTest.setUp
    delete_keys = test_live.LiveTest.delete_keys
    win = test_live.LiveTest.win
    dump_streams = test_live.LiveTest.dump_streams
    complete_snapshot = staticmethod(test_live.LiveTest.complete_snapshot)

    def err(self, res):
        return res.stderr.decode("utf-8", "replace")

    def test_dump_without_handle_data_fails_and_says_why(self):
        self.target.open("event 2")
        path = os.path.join(self.dir, "w.dmp")
        res = hleak("dump", "-p", self.target.pid, "-o", self.win("w.dmp"))
        with open(path, "rb") as f:
            data = f.read()
        if 12 in self.dump_streams(data):
            self.skipTest("this Wine writes handle data")
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("without handle data", self.err(res))
        self.assertIn("kept for a debugger", self.err(res))
        self.assertNotIn("wrote w.dmp", self.err(res))
        # and show does not send the user back to 'hleak dump' alone
        res = hleak("show", self.win("w.dmp"))
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("though its writer was asked for it", self.err(res))
        self.assertNotIn("capture one with handle data", self.err(res))

    def test_default_names_never_replace_a_file(self):
        """Every name the next 60 s could give is taken: the snapshot
        must get "-2" and leave those files as they were."""
        now = datetime.datetime.now(datetime.timezone.utc)
        taken = []
        for s in range(-2, 60):
            stamp = (now + datetime.timedelta(seconds=s)).strftime(
                "%Y%m%dT%H%M%S")
            name = "hl-target-%d-%s.snap" % (self.target.pid, stamp)
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(b"before")
            taken.append(name)
        res = hleak_io(["snapshot", "-p", self.target.pid], cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        for name in taken:
            with open(os.path.join(self.dir, name), "rb") as f:
                self.assertEqual(f.read(), b"before", name)
        new = [n for n in os.listdir(self.dir)
               if n.endswith("-2.snap") and n[:-7] + ".snap" in taken]
        self.assertEqual(len(new), 1, os.listdir(self.dir))
        with open(os.path.join(self.dir, new[0]), "rb") as f:
            self.assertTrue(self.complete_snapshot(f.read()))
        self.assertIn("wrote " + new[0], self.err(res))

    def test_two_snapshots_at_once_get_two_files(self):
        procs = [subprocess.Popen(
            test_live.wrap([test_live.ARGS.hleak, "snapshot",
                            "-p", str(self.target.pid)]), cwd=self.dir,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=test_live.wine_env()) for _ in range(2)]
        for p in procs:
            out, err = p.communicate(timeout=test_live.RUN_TIMEOUT)
            self.assertEqual(p.returncode, 0, err)
        snaps = [n for n in os.listdir(self.dir) if n.endswith(".snap")]
        self.assertEqual(len(snaps), 2, snaps)
        for n in snaps:
            with open(os.path.join(self.dir, n), "rb") as f:
                self.assertTrue(self.complete_snapshot(f.read()), n)

    def test_snapshot_to_standard_output(self):
        self.target.open("event 3")
        res = hleak_io(["snapshot", "-p", self.target.pid, "-o", "-"],
                       cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertTrue(self.complete_snapshot(res.stdout))
        self.assertIn("wrote standard output", self.err(res))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "-")))
        show = hleak_io(["show", "--json", "-"], stdin=res.stdout)
        self.assertEqual(show.returncode, 0, describe(show))
        self.assertIn(b'"type": "Event"', show.stdout)
        res = hleak("dump", "-p", self.target.pid, "-o", "-")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("-o -", self.err(res))

    def test_folder_as_output_or_input(self):
        res = hleak("snapshot", "-p", self.target.pid, "-o", self.windir)
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("is a directory", self.err(res))
        self.assertNotIn("elevated", self.err(res))
        res = hleak("show", self.windir)
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("is a directory", self.err(res))

    def test_watch_type_typo(self):
        res = hleak("watch", "-p", self.target.pid, "--duration", "1s",
                    "--fail-on-growth", "Evnt=5")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("unknown type 'Evnt'; did you mean 'Event'?",
                      self.err(res))

    def test_watch_type_far_from_windows_is_judged_on_the_process(self):
        """A name far from every Windows type may be a newer Windows's:
        the first sample's types decide, and this process has none such;
        the gate's own types are accepted as before."""
        res = hleak("watch", "-p", self.target.pid, "--samples", "5",
                    "--interval", "100ms", "--csv", self.win("far.csv"),
                    "--fail-on-growth", "Frobnicator=5")
        self.assertEqual(res.returncode, 2, describe(res))
        self.assertIn("--fail-on-growth: unknown type 'Frobnicator': not a "
                      "Windows object type nor one in the inputs",
                      self.err(res))
        self.assertNotIn("growing", res.stdout.decode("utf-8", "replace"))
        # the check waited for the live types: with no process to sample,
        # the missing process is what is reported (a name near a Windows
        # type is refused before, as test_watch_type_typo shows)
        res = hleak("watch", "-p", "4000000000", "--samples", "5",
                    "--fail-on-growth", "Frobnicator=5")
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn("no process with pid 4000000000", self.err(res))
        res = hleak("watch", "-p", "4000000000", "--samples", "5",
                    "--fail-on-growth", "Evnt=5")
        self.assertEqual(res.returncode, 2, describe(res))


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__))
    test_live.run_tests(rest)

if __name__ == "__main__":
    main()
