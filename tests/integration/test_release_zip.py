#!/usr/bin/env python3
"""The release zip as a Windows user meets it (issue 19): scripts/release
builds hleak-<version>-windows.zip (or --zip names one); the test unpacks
it into an empty folder and, under Wine, runs from there only
hleak.exe --version, hleak.exe selftest and hleak.exe show on a fixture
dump copied next to it, x86\\hleak.exe --version (WOW64), and reads the
version resource of both with scripts/pe-info. No file of a build tree is
on the way: the folder holds the unpacked zip and the fixture, nothing
else."""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

ARGS = None
TIMEOUT = 300


def run(cmd, cwd=None, timeout=TIMEOUT):
    env = dict(os.environ, LC_ALL="C.UTF-8")
    return subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)


def describe(res):
    return "exit %d\nstdout: %s\nstderr: %s" % (
        res.returncode, res.stdout.decode("utf-8", "replace"),
        res.stderr.decode("utf-8", "replace"))


def wine(cwd, *argv):
    wrap = [ARGS.wine_run] if ARGS.wine_run else []
    return run(wrap + list(argv), cwd=cwd)


def pe_info(path):
    res = run([sys.executable, os.path.join(ARGS.source, "scripts",
                                            "pe-info"),
               "--system-only", path])
    if res.returncode != 0:
        raise AssertionError("pe-info %s: %s" % (path, describe(res)))
    return json.loads(res.stdout)


class ReleaseZip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.zip = ARGS.zip or build_zip()
        cls.tmp = tempfile.mkdtemp(prefix="hleak-zip-")
        with zipfile.ZipFile(cls.zip) as z:
            names = z.namelist()
            z.extractall(cls.tmp)
        tops = {n.split("/")[0] for n in names}
        if len(tops) != 1:
            raise AssertionError("zip has %d top folders: %s"
                                 % (len(tops), sorted(tops)))
        cls.top = tops.pop()
        cls.names = names
        cls.dir = os.path.join(cls.tmp, cls.top)
        shutil.copyfile(os.path.join(ARGS.source, "tests", "fixtures",
                                     "leaky-1.dmp"),
                        os.path.join(cls.tmp, "leaky-1.dmp"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def version(self, exe):
        res = wine(self.dir, exe, "--version")
        self.assertEqual(res.returncode, 0, describe(res))
        return res.stdout.decode("utf-8").replace("\r\n", "\n")

    def test_layout(self):
        top = self.top + "/"
        for want in ("hleak.exe", "x86/hleak.exe", "README.md", "LICENSE",
                     "doc/hleak.txt", "doc/hleak-show.txt",
                     "library/x64/include/hleak/hleak.h",
                     "library/x64/lib/libhleak.a",
                     "library/x64/lib/cmake/hleak/hleakConfig.cmake",
                     "library/x86/lib/libhleak.a"):
            self.assertIn(top + want, self.names)
        self.assertEqual(self.names, sorted(self.names))
        # nothing of a build tree came along
        for n in self.names:
            self.assertNotRegex(n, r"CMakeFiles|\.o$|\.obj$|CMakeCache")

    def test_version_matches_zip_name_and_resource(self):
        out = self.version("hleak.exe")
        first = out.splitlines()[0]
        self.assertTrue(first.startswith("hleak "), out)
        ver = first[len("hleak "):]
        self.assertEqual(self.top, "hleak-%s-windows" % ver)
        self.assertIn("target: x64 (Windows, 64-bit)", out)
        for exe, machine in (("hleak.exe", "x64"),
                             (os.path.join("x86", "hleak.exe"), "x86")):
            info = pe_info(os.path.join(self.dir, exe))
            self.assertEqual(info["machine"], machine)
            # reproducible: no link time in the header
            self.assertEqual(info["timestamp"], 0)
            v = info["version"]
            self.assertIsNotNone(v, exe + " has no version resource")
            s = v["strings"]
            self.assertEqual(s["FileVersion"], ver)
            self.assertEqual(s["ProductVersion"], ver)
            self.assertEqual(s["ProductName"], "hleak")
            self.assertEqual(s["OriginalFilename"], "hleak.exe")
            self.assertTrue(s["FileDescription"])
            self.assertIn("hleak authors", s["LegalCopyright"])
            base = ver.split("+")[0]
            self.assertEqual(v["file_version"], base + ".0")
            self.assertEqual(v["product_version"], base + ".0")

    def test_x86_runs(self):
        out = self.version(os.path.join("x86", "hleak.exe"))
        self.assertIn("target: x86 (Windows, 32-bit)", out)
        self.assertEqual(out.splitlines()[0],
                         self.version("hleak.exe").splitlines()[0])

    def test_selftest(self):
        res = wine(self.dir, "hleak.exe", "selftest")
        self.assertEqual(res.returncode, 0, describe(res))

    def test_show_fixture(self):
        res = wine(self.dir, "hleak.exe", "show", "..\\leaky-1.dmp")
        self.assertEqual(res.returncode, 0, describe(res))
        self.assertIn("Event", res.stdout.decode("utf-8", "replace"))


def build_zip():
    work = ARGS.work
    dist = os.path.join(work, "dist")
    shutil.rmtree(dist, ignore_errors=True)
    # --allow-dirty: this checks the package, not the clean-tree gate
    res = run([sys.executable, os.path.join(ARGS.source, "scripts",
                                            "release"),
               "--allow-dirty", "--build-root", work, "--dist", dist],
              timeout=1200)
    if res.returncode != 0:
        raise AssertionError("scripts/release: " + describe(res))
    zips = glob.glob(os.path.join(dist, "hleak-*-windows.zip"))
    if len(zips) != 1:
        raise AssertionError("scripts/release left %d zips in %s"
                             % (len(zips), dist))
    return zips[0]


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", help="build folder for scripts/release")
    ap.add_argument("--zip", help="test this zip instead of building one")
    ap.add_argument("--wine-run", default="")
    ARGS, rest = ap.parse_known_args()
    if not ARGS.zip and not ARGS.work:
        ap.error("--work or --zip is needed")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
