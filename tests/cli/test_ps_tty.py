#!/usr/bin/env python3
"""`hleak ps --interval` on a terminal: redrawn in place.

Runs hl-ps-fake (the real hleak whose whole-system view is
tests/fake-system.c: the fixture views of tests/sysfixture.c, one per
sample) on a pseudo-terminal (Python's pty module), and replays what it
wrote through a small emulator of the escapes the live view may use:
cursor up (CSI n A), erase line (CSI 2 K) and erase below (CSI J). Any
other escape fails the test. After each sample the screen must hold that
sample's view alone (nothing of the one before left over), a process that
exited between two samples must show as exited while sampling, and at the
end the live view must give way to the final ranking. In a pipe the same
run prints plain lines (no escape at all).

Native only: under Wine 8 the console takes the escapes as text
(docs/verification.md).

Usage: test_ps_tty.py --hleak HL-PS-FAKE [unittest args]
"""

import argparse
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import unittest

ARGS = None
ROWS, COLS = 50, 132
# sysa, then sysb: leaky.exe (pid 200) +51, gone.exe (300) exited, pid 400
# reused, new.exe (600) started
SEQUENCE = "sysa,sysb,sysb"
CSI = re.compile(rb"\x1b\[([0-9;]*)([A-Za-z])")


class Screen:
    """A terminal of ROWS x COLS cells with what ps's redraw uses."""

    def __init__(self):
        self.lines = [""] * ROWS
        self.row = self.col = 0
        self.escapes = set()
        self.on_up = lambda: None

    def put(self, ch):
        line = self.lines[self.row].ljust(self.col)
        self.lines[self.row] = line[:self.col] + ch + line[self.col + 1:]
        self.col += 1

    def newline(self):
        self.row += 1
        if self.row == ROWS:  # scroll
            self.lines = self.lines[1:] + [""]
            self.row = ROWS - 1

    def escape(self, params, final):
        self.escapes.add((params, final))
        if final == "A":
            self.on_up()
            self.row = max(0, self.row - int(params or "1"))
        elif final == "K" and params == "2":
            self.lines[self.row] = ""
        elif final == "J" and params in ("", "0"):
            self.lines[self.row] = self.lines[self.row][:self.col]
            for r in range(self.row + 1, ROWS):
                self.lines[r] = ""
        else:
            raise AssertionError("escape ESC[%s%s is not one the live view "
                                 "may use" % (params, final))

    def feed(self, data):
        i = 0
        while i < len(data):
            m = CSI.match(data, i)
            if m:
                self.escape(m.group(1).decode(), m.group(2).decode())
                i = m.end()
                continue
            b = data[i:i + 1]
            if b == b"\x1b":
                raise AssertionError("a bare or unknown escape at %d: %r"
                                     % (i, data[i:i + 8]))
            if b == b"\r":
                self.col = 0
            elif b == b"\n":
                self.newline()
            else:
                self.put(b.decode("latin-1"))
            i += 1

    def text(self):
        """The lines shown, trailing blank lines dropped."""
        lines = [l.rstrip() for l in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        return lines


def run_on_pty(argv, env):
    """(exit status, bytes written to the terminal, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", ROWS, COLS, 0, 0))
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            p.kill()
            raise AssertionError("no output for 30 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    err = p.stderr.read().decode("utf-8", "replace")
    p.stderr.close()
    return p.wait(timeout=30), out, err


class PsRedraw(unittest.TestCase):

    def env(self):
        env = dict(os.environ)
        env["HL_TEST_SYSTEMS"] = SEQUENCE
        env.pop("NO_COLOR", None)
        return env

    def run_tty(self, *extra):
        rc, out, err = run_on_pty([ARGS.hleak, "ps", "--interval", "50ms",
                                   "--samples", "3"] + list(extra),
                                  self.env())
        self.assertEqual(rc, 0, err)
        return out

    def frames(self, out):
        """The screen after each sample's view (each redraw, and the final
        ranking, begins by moving the cursor up over the view before),
        and the screen at the end."""
        screen = Screen()
        screens = []
        screen.on_up = lambda: screens.append(screen.text())
        screen.feed(out)
        self.assertEqual(len(screens), 3, out)
        screens.append(screen.text())
        # Each view, drawn alone on a blank terminal, is what the screen
        # shows after it: the view before was erased where it was not
        # written over (a shorter line, fewer lines), nothing is left.
        views = re.split(rb"\x1b\[\d+A", out)
        self.assertEqual(len(views), 4)
        for view, shown in zip(views, screens):
            alone = Screen()
            alone.feed(view)
            self.assertEqual(shown, alone.text())
        return screens, screen

    def test_each_sample_replaces_the_last(self):
        out = self.run_tty()
        screens, screen = self.frames(out)
        for k, lines in enumerate(screens[:3]):
            # the view of sample k+1 and nothing else: the one before was
            # written over, line by line, and what was below it erased
            self.assertEqual(lines[0].strip(),
                             "hleak ps: sample %d, %s s" %
                             (k + 1, lines[0].split(", ")[1].split()[0]),
                             lines)
            self.assertEqual(sum(l.startswith("hleak ps: sample")
                                 for l in lines), 1, lines)
            self.assertRegex(lines[1], r"^ +PID +HANDLES +DELTA +PER MIN "
                             r"+STATUS +IMAGE$")
            self.assertRegex(lines[-1],
                             r"^%d samples? over \d+\.\d s$" % (k + 1))
            self.assertEqual(len(lines), len(set(lines)), lines)
        # the only escapes: cursor up, erase line, erase below
        self.assertEqual({f for _, f in screen.escapes}, {"A", "K", "J"})

    def test_exited_process_shows_as_exited(self):
        screens, _ = self.frames(self.run_tty())
        first = "\n".join(screens[0])
        self.assertRegex(first, r"\n +300 +3 +\+0 +- +running +gone\.exe")
        second = "\n".join(screens[1])
        # gone.exe is in sysa, not in sysb: exited, kept in the table
        self.assertRegex(second, r"\n +300 +3 +\+0 +- +exited +gone\.exe")
        self.assertRegex(second, r"\n +400 +1 +\+0 +- +exited +reused\.exe")
        self.assertRegex(second, r"\n +600 +4 +\+0 +\S+ +new +new\.exe")
        # the grower leads, running
        rows = [l for l in screens[1] if re.match(r"^ +\d+ ", l)]
        self.assertRegex(rows[0], r"^ +200 +64 +\+51 .* running +leaky\.exe")

    def test_final_ranking_replaces_the_live_view(self):
        screens, _ = self.frames(self.run_tty())
        final = screens[-1]
        # nothing of the live view is left: no sample header, one table
        self.assertFalse(any(l.startswith("hleak ps: sample")
                             for l in final), final)
        self.assertEqual(sum("PID" in l for l in final), 1, final)
        self.assertRegex(final[0], r"^ +PID +HANDLES")
        self.assertRegex(final[-2], r"^3 samples over \d+\.\d s$")
        self.assertTrue(final[-1].startswith("top grower: leaky.exe (pid "
                                             "200)"), final)
        self.assertTrue(any(re.search(r"exited +gone\.exe$", l)
                            for l in final), final)

    def test_top_bounds_the_live_rows(self):
        screens, _ = self.frames(self.run_tty("--top", "2"))
        for lines in screens[:3]:
            rows = [l for l in lines if re.match(r"^ +\d+ ", l)]
            self.assertEqual(len(rows), 2, lines)

    def test_pipe_has_no_escapes(self):
        p = subprocess.run([ARGS.hleak, "ps", "--interval", "50ms",
                            "--samples", "3"], env=self.env(),
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"\x1b", p.stdout)
        self.assertIn(b"exited: gone.exe (pid 300)\n", p.stdout)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--hleak", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
