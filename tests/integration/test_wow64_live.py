#!/usr/bin/env python3
"""Live tests across bitness, under Wine's WOW64 (the 64-bit prefix, which
runs 32-bit programs too), with the win32 preset's build:

- the 64-bit hleak against a 32-bit hl-target: every test of test_live.py
  again, plus `wow64: true` in the snapshot;
- the 32-bit hleak on 64-bit Windows refusing every live command (exit 3,
  the advice to use the 64-bit hleak.exe), against 32- and 64-bit
  targets, while its portable commands work.

Usage: test_wow64_live.py --hleak HLEAK.EXE --target HL-TARGET.EXE
           --win32-build DIR [--wine-run SCRIPT] [--native HLEAK]
           [unittest args]
"""

import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

import test_live
from test_live import describe, wine

ARGS = None

REFUSAL = ("this is the 32-bit hleak running on 64-bit Windows: use the "
           "64-bit hleak.exe")

# IMAGE_FILE_HEADER.Machine
MACHINE = {0x14c: "x86", 0x8664: "x64"}


def pe_machine(path):
    with open(path, "rb") as f:
        data = f.read(4096)
    pe = struct.unpack_from("<I", data, 0x3c)[0]
    if data[:2] != b"MZ" or data[pe:pe + 4] != b"PE\0\0":
        raise RuntimeError("%s is not a PE image" % path)
    return MACHINE.get(struct.unpack_from("<H", data, pe + 4)[0], "other")


class Wow64TargetTest(test_live.LiveTest):
    """The 64-bit hleak against the 32-bit hl-target (test_live.ARGS.target
    is the 32-bit build here): all of LiveTest, and the WOW64 facts."""

    # WOW64's registry redirector gives a 32-bit process the 32-bit view
    # of HKLM\Software, and hleak reports the key it really holds
    hklm_software = "HKLM\\Software\\Wow6432Node"

    def test_wow64_target_is_32_bit_and_marked(self):
        self.assertEqual(pe_machine(test_live.ARGS.target), "x86")
        self.assertEqual(pe_machine(ARGS.hleak), "x64")
        expect = self.open_known()
        _, res = self.snapshot("w.snap")
        doc, _ = self.show_json("w.snap")
        self.assertIs(doc["process"]["wow64"], True, doc["process"])
        got = self.by_value(doc)
        named = [i for i, (_, check, _) in expect.items() if check]
        self.assertTrue(named)
        for ident in named:
            self.assertIn(ident, got)
            self.assertEqual(got[ident]["name_error"], None, got[ident])
        self.assertEqual(doc["process"]["handle_count"],
                         self.target.count())
        text = wine(ARGS.hleak, "show", self.win("w.snap"))
        self.assertEqual(text.returncode, 0, describe(text))


class Hleak32RefusesTest(unittest.TestCase):
    """The 32-bit hleak is a WOW64 process in this prefix: every live
    command refuses, before touching the target, whatever its bitness."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hleak-wow64-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.windir = test_live.winepath(self.dir)
        self.targets = {}
        for bits, exe in (("32", ARGS.target32), ("64", ARGS.target)):
            t = test_live.Target(self.dir, exe)
            self.addCleanup(t.stop)
            self.targets[bits] = t

    def win(self, name):
        return self.windir + "\\" + name

    def test_every_live_command_refuses(self):
        self.assertEqual(pe_machine(ARGS.hleak32), "x86")
        for bits, t in sorted(self.targets.items()):
            t.open("event 3")
            pid = str(t.pid)
            for argv in (["snapshot", "-p", pid, "-o", self.win("r.snap")],
                         ["dump", "-p", pid, "-o", self.win("r.dmp")],
                         ["watch", "-p", pid, "--duration", "1s",
                          "--csv", self.win("r.csv")],
                         ["trace", "on", "-p", pid],
                         ["trace", "status", "-p", pid],
                         ["trace", "off", "-p", pid]):
                with self.subTest(target=bits, argv=argv):
                    res = wine(ARGS.hleak32, *argv)
                    err = res.stderr.decode("utf-8", "replace")
                    self.assertEqual(res.returncode, 3, describe(res))
                    self.assertIn(REFUSAL, err)
                    self.assertIn(pid, err)
                    self.assertEqual(res.stdout, b"")
                    self.assertEqual(os.listdir(self.dir), [])

    def test_selftest_refuses_once(self):
        res = wine(ARGS.hleak32, "selftest")
        err = res.stderr.decode("utf-8", "replace")
        self.assertEqual(res.returncode, 3, describe(res))
        self.assertIn(REFUSAL, err)
        self.assertEqual(res.stdout, b"")

    def test_portable_commands_still_work(self):
        t = self.targets["32"]
        t.open("named-event hleak-w64-%d" % t.pid)
        snap = self.win("by64.snap")
        res = wine(ARGS.hleak, "snapshot", "-p", t.pid, "-o", snap)
        self.assertEqual(res.returncode, 0, describe(res))
        out = {}
        for name, exe in (("64", ARGS.hleak), ("32", ARGS.hleak32)):
            res = wine(exe, "show", "--json", "by64.snap", cwd=self.dir)
            self.assertEqual(res.returncode, 0, describe(res))
            out[name] = res.stdout
        self.assertEqual(out["32"], out["64"])
        doc = json.loads(out["32"].decode("utf-8"))
        self.assertIs(doc["process"]["wow64"], True)
        res = wine(ARGS.hleak32, "diff", "by64.snap", "by64.snap",
                   cwd=self.dir)
        self.assertEqual(res.returncode, 0, describe(res))


def main():
    global ARGS
    parser = test_live.arg_parser(__doc__)
    parser.add_argument("--win32-build", required=True)
    ARGS, rest = parser.parse_known_args()
    ARGS.hleak32 = os.path.join(ARGS.win32_build, "hleak.exe")
    ARGS.target32 = os.path.join(ARGS.win32_build, "tests", "target",
                                 "hl-target.exe")
    missing = [p for p in (ARGS.hleak32, ARGS.target32)
               if not os.path.isfile(p)]
    if missing:
        # ctest reports the test as skipped on this line
        print("no 32-bit build at %s (%s missing): build the win32 preset "
              "first; scripts/test builds it before win64"
              % (ARGS.win32_build, ", ".join(missing)))
        return 0
    # test_live's helpers run the 32-bit hl-target as their target
    test_live.ARGS = argparse.Namespace(
        hleak=ARGS.hleak, target=ARGS.target32, wine_run=ARGS.wine_run,
        native=ARGS.native)
    test_live.run_tests(rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
