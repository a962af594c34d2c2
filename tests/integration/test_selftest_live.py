#!/usr/bin/env python3
"""Live tests of `hleak selftest` under Wine: it passes where the system
answers right (every row ok or "not supported here"), fails with exit 1
when its child holds one handle more than it announces (the hidden test
fault), and leaves no child, folder or registry key behind either way.

Usage: test_selftest_live.py --hleak HLEAK.EXE --wine-run SCRIPT
                             [unittest args]
"""

import glob
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_live  # noqa: E402  (its run/wine helpers and deadlines)

# What Wine 8.0 was measured to lack (docs/verification.md); anything
# else must be ok under Wine.
WINE_UNSUPPORTED = {"class-51", "object-addresses", "handle-tracing",
                    "dump-handle-stream", "gui-counts"}


def selftest(*args):
    return test_live.wine(test_live.ARGS.hleak, "selftest", *args,
                          timeout=300)


def version_line():
    """`hleak --version`'s first line: "hleak 0.1.0+g<hash>"."""
    res = test_live.wine(test_live.ARGS.hleak, "--version",
                         timeout=test_live.RUN_TIMEOUT)
    if res.returncode != 0:
        raise AssertionError(test_live.describe(res))
    return res.stdout.decode("utf-8").splitlines()[0]


def temp_dir():
    res = test_live.wine("cmd", "/c", "echo %TEMP%")
    res = test_live.wine("winepath", "-u", res.stdout.decode().strip())
    return res.stdout.decode("utf-8").strip()


def key_exists(key):
    return test_live.wine("reg", "query", "HKCU\\" + key).returncode == 0


class SelftestLive(unittest.TestCase):
    def leftovers(self):
        return glob.glob(os.path.join(self.temp, "hleak-selftest-*"))

    def setUp(self):
        self.temp = temp_dir()
        self.assertTrue(os.path.isdir(self.temp), self.temp)
        self.before = set(self.leftovers())

    def tearDown(self):
        self.assertEqual(set(self.leftovers()), self.before,
                         "the self-test left a temporary folder")

    def rows(self, res):
        doc = json.loads(res.stdout.decode("utf-8"))
        rows = {c["check"]: c for c in doc["checks"]}
        key = re.search(r"HKCU\\(Software\\hleak-selftest-\d+)",
                        rows["cleanup"]["detail"])
        self.assertIsNotNone(key, rows["cleanup"])
        self.assertFalse(key_exists(key.group(1)), key.group(1))
        return doc, rows

    def test_passes_under_wine(self):
        res = selftest("--json")
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        doc, rows = self.rows(res)
        self.assertEqual(doc["failed"], 0)
        # the same string as --version's first line (one version source)
        self.assertEqual("hleak " + doc["hleak_version"], version_line())
        self.assertTrue(doc["os_version"].startswith("Windows "))
        self.assertTrue(doc["wine_version"])
        self.assertIsNone(doc["fault"])
        self.assertEqual(len(rows), 13)
        for name, row in rows.items():
            want = "unsupported" if name in WINE_UNSUPPORTED else "ok"
            self.assertEqual(row["result"], want, row)
        self.assertIn("class 64 fallback", rows["handle-list"]["detail"])
        self.assertIn("the named event 101 times",
                      rows["handle-list"]["detail"])
        self.assertIn("0xc0000003", rows["class-51"]["detail"])
        self.assertIn("zeroed", rows["object-addresses"]["detail"])
        self.assertIn("exactly +25", rows["diff"]["detail"])
        self.assertIn("removed", rows["cleanup"]["detail"])

    def test_text_table(self):
        res = selftest()
        self.assertEqual(res.returncode, 0, test_live.describe(res))
        out = res.stdout.decode("utf-8")
        self.assertRegex(out, r"^%s selftest \((32|64)-bit build\)\n"
                         % re.escape(version_line()))
        self.assertIn("system: Windows ", out)
        self.assertIn(", Wine ", out)
        self.assertRegex(out, r"\nhandle list +ok +class 64")
        self.assertRegex(out, r"\nclass 51 +not supported here +Nt")
        self.assertRegex(out, r"\n8 ok, 5 not supported here, 0 FAILED\n$")
        self.assertNotIn("FAILED ", out)

    def test_fault_fails(self):
        res = selftest("--json", "--inject-fault", "uncounted-event")
        self.assertEqual(res.returncode, 1, test_live.describe(res))
        doc, rows = self.rows(res)
        self.assertEqual(doc["fault"], "uncounted-event")
        self.assertEqual(rows["handle-list"]["result"], "failed")
        self.assertIn("102 handles to the named event",
                      rows["handle-list"]["detail"])
        self.assertEqual(rows["diff"]["result"], "failed")
        self.assertIn("+26", rows["diff"]["detail"])
        self.assertEqual(rows["cleanup"]["result"], "ok")
        self.assertEqual(doc["failed"], 2)

    def test_usage(self):
        for args in (["--jsn"], ["--inject-fault", "other"],
                     ["--deadline", "5"], ["--timeout", "0"], ["extra"],
                     ["--child"]):
            res = selftest(*args)
            self.assertEqual(res.returncode, 2, (args, test_live.describe(res)))
            self.assertEqual(res.stdout, b"", args)
            self.assertIn(b"hleak: error: ", res.stderr, args)
        res = selftest("--help")
        self.assertEqual(res.returncode, 0)
        self.assertNotIn(b"inject-fault", res.stdout)
        self.assertNotIn(b"--child", res.stdout)


def main():
    _, rest = test_live.parse(test_live.arg_parser(__doc__, target=False))
    test_live.run_tests(rest)


if __name__ == "__main__":
    main()
