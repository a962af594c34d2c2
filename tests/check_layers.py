#!/usr/bin/env python3
"""The include rules of hleak's source tree (issue 15, "one seam per concern").

Terms:
  layer    core      include/hleak and src/core (include/hleak is core's
                     public face)
           platform  src/win, src/unix, src/stub (one directory per
                     platform; each is its own platform)
           cli       src/cli
  module   a source file's stem within its directory: src/core/json.c and
           src/core/json.h are module core/json; include/hleak/foo.h
           belongs to core/foo (the module its implementation
           src/core/foo.c is in), and src/core/foo-int.h, the internal
           half of that public header (the layout of an opaque type), is
           core/foo too: src/core/diff.c, include/hleak/diff.h and
           src/core/diff-int.h are all core/diff
  depends  module A depends on B (A != B) when a file of A includes a header
           of B. Quoted includes, and angle includes of "hleak/..." too,
           resolve like the compiler does with the CMake targets' include
           paths: the including file's own folder, then include/,
           src/core, src/cli, src/win, src/. "hleak/version.h" is generated
           into the build's include folder from cmake/version.h.in, which
           stands for it here; "hl-build-version.h" (core's) is written by
           cmake/hl-version.cmake, which stands for it. A quoted include that resolves nowhere is an
           error (the check would be blind to it).

Rules (each violation is one finding):
  (a) cycle    no cycle in the module graph: every strongly connected
               component of more than one module is reported, with the
               include lines that join its modules. Calls between two files
               that declare each other's functions show up here too: diff.c
               includes triage.h for hl__dead_gate and triage.h includes
               hleak/diff.h, so core/diff and core/triage form a cycle.
  (b) include  layers, from the bottom up: core, platform, cli. A file may
               include headers of its own layer and of the layers below it:
               core includes neither a platform header nor a cli header;
               a platform includes core but not cli nor another platform's
               headers; cli may include anything below it. Besides, core
               includes none of the system headers in FORBIDDEN_CORE (nor
               any under FORBIDDEN_CORE_DIRS): core builds on every host
               with the C11 library alone.

Known violations are listed in tests/layers-allow.txt, one a line, each
with a "#" comment saying why it is there and when it goes:
  cycle core/diff core/triage     # to remove in issue 15: ...
  include src/core/x.c <windows.h> # to remove in issue 15: ...
An allowed finding passes; an entry that matches nothing (fixed, or a cycle
that changed shape) fails as stale, so the list can only shrink. A cycle
entry names the whole component, in any order.

usage: check_layers.py [--root DIR] [--allow FILE]   check the tree
       check_layers.py --self-test                   the checker's own tests
Exit status: 0 clean, 1 findings or stale entries, 2 usage or bad allow file.
"""
import argparse
import os
import re
import sys
import tempfile

LAYER_DIRS = {
    "include/hleak": ("core", "core"),
    "src/core": ("core", "core"),
    "src/win": ("platform", "win"),
    "src/unix": ("platform", "unix"),
    "src/stub": ("platform", "stub"),
    "src/cli": ("cli", "cli"),
}
RANK = {"core": 0, "platform": 1, "cli": 2}
SEARCH_PATH = ["include", "src/core", "src/cli", "src/win", "src"]
GENERATED = {"hleak/version.h": "cmake/version.h.in",
             "hl-build-version.h": "cmake/hl-version.cmake"}
# where a generated header stands in the tree: include/ unless said here
# (the build's version: core's, included by src/core/buildinfo.c only)
GENERATED_AT = {"hl-build-version.h": "src/core/hl-build-version.h"}

# System headers that tie a file to one OS; core must include none.
FORBIDDEN_CORE = {
    # Windows SDK
    "windows.h", "winternl.h", "winnt.h", "winbase.h", "windef.h",
    "winerror.h", "winioctl.h", "winsock2.h", "ws2tcpip.h", "ntstatus.h",
    "ntdef.h", "ntsecapi.h", "dbghelp.h", "tlhelp32.h", "psapi.h",
    "shellapi.h", "shlobj.h", "sddl.h", "aclapi.h", "evntrace.h",
    "io.h", "direct.h", "process.h", "conio.h", "malloc.h",
    # POSIX and Unix
    "unistd.h", "fcntl.h", "pthread.h", "dlfcn.h", "dirent.h", "poll.h",
    "termios.h", "spawn.h", "sched.h", "semaphore.h", "syslog.h", "pwd.h",
    "grp.h", "glob.h", "fnmatch.h", "libgen.h", "strings.h", "execinfo.h",
}
FORBIDDEN_CORE_DIRS = ("sys/", "linux/", "asm/", "bits/", "mach/",
                       "netinet/", "arpa/", "net/")

INCLUDE_RE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]',
                        re.M)


def strip_comments(text):
    """Blanks comments, keeping line numbers; string literals are left."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def layer_of(rel):
    """(layer, group) of a repository-relative path, or None."""
    d = os.path.dirname(rel)
    return LAYER_DIRS.get(d)


def module_of(rel):
    lg = layer_of(rel)
    if lg is None:
        return None
    stem = os.path.basename(rel).split(".")[0]
    if rel.endswith("-int.h"):
        stem = stem[:-len("-int")]
    return "%s/%s" % (lg[1], stem)


class Include:
    def __init__(self, src, line, angle, name, target):
        self.src, self.line, self.angle = src, line, angle
        self.name, self.target = name, target

    def spelled(self):
        return ("<%s>" if self.angle else '"%s"') % self.name

    def where(self):
        return "%s:%d: #include %s" % (self.src, self.line, self.spelled())


def resolve(root, src, name):
    """Repository-relative path the include name finds, or None."""
    if name in GENERATED:
        return GENERATED_AT.get(name, "include/" + name)
    for d in [os.path.dirname(src)] + SEARCH_PATH:
        rel = os.path.normpath(os.path.join(d, name))
        if os.path.isfile(os.path.join(root, rel)):
            return rel.replace(os.sep, "/")
    return None


def source_files(root):
    out = []
    for d in LAYER_DIRS:
        full = os.path.join(root, d)
        if not os.path.isdir(full):
            continue
        for f in sorted(os.listdir(full)):
            if f.endswith((".c", ".h")):
                out.append(d + "/" + f)
    return out


def scan(root):
    """(includes, errors) of every source file in the layer folders."""
    incs, errors = [], []
    files = source_files(root)
    for g, tmpl in GENERATED.items():
        if os.path.isfile(os.path.join(root, tmpl)):
            files.append((GENERATED_AT.get(g, "include/" + g), tmpl))
    for f in files:
        name, path = f if isinstance(f, tuple) else (f, f)
        with open(os.path.join(root, path), encoding="utf-8",
                  errors="replace") as fh:
            text = strip_comments(fh.read())
        for m in INCLUDE_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            angle = m.group(1) == "<"
            inc = m.group(2).strip()
            target = None
            if not angle or inc.startswith("hleak/"):
                target = resolve(root, name, inc)
                if target is None and not angle:
                    errors.append("%s:%d: #include \"%s\" resolves to no "
                                  "file of the tree" % (name, line, inc))
            incs.append(Include(name, line, angle, inc, target))
    return incs, errors


def sccs(nodes, edges):
    """Strongly connected components (Tarjan, iterative), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return sorted(out)


def cycles(incs):
    """[(modules, [Include])] for each component of more than one module."""
    edges, nodes, by_edge = {}, set(), {}
    for i in incs:
        a = module_of(i.src)
        b = module_of(i.target) if i.target else None
        if a is None or b is None:
            continue
        nodes.update((a, b))
        if a != b:
            edges.setdefault(a, set()).add(b)
            by_edge.setdefault((a, b), []).append(i)
    out = []
    for comp in sccs(nodes, edges):
        if len(comp) < 2:
            continue
        members = set(comp)
        lines = [i for (a, b), l in sorted(by_edge.items())
                 if a in members and b in members for i in l]
        out.append((tuple(comp), lines))
    return out


def layer_violation(inc):
    """Why inc breaks the layer rule, or None."""
    src = layer_of(inc.src)
    if src is None:
        return None
    layer, group = src
    if inc.target is None:
        base = inc.name
        if layer == "core" and (base in FORBIDDEN_CORE or
                                base.startswith(FORBIDDEN_CORE_DIRS)):
            return "core includes the system header <%s>" % base
        return None
    dst = layer_of(inc.target)
    if dst is None:
        return "includes %s, which is in no layer" % inc.target
    if RANK[dst[0]] > RANK[layer]:
        return "%s includes a %s header (%s)" % (layer, dst[0], inc.target)
    if layer == dst[0] == "platform" and group != dst[1]:
        return "platform %s includes platform %s's %s" % (group, dst[1],
                                                          inc.target)
    return None


def read_allow(path):
    """({("cycle", modules) | ("include", src, spelled)}: lineno), errors."""
    allow, errors = {}, []
    if path is None or not os.path.exists(path):
        return allow, errors
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            body, _, comment = raw.partition("#")
            words = body.split()
            if not words:
                continue
            where = "%s:%d" % (path, n)
            if not comment.strip():
                errors.append("%s: entry without a '#' comment saying why "
                              "it is allowed" % where)
            if words[0] == "cycle" and len(words) >= 3:
                key = ("cycle", tuple(sorted(words[1:])))
            elif words[0] == "include" and len(words) == 3:
                key = ("include", words[1], words[2])
            else:
                errors.append("%s: expected 'cycle MOD MOD...' or 'include "
                              "FILE <h>|\"h\"'" % where)
                continue
            allow[key] = n
    return allow, errors


def entry_text(key):
    if key[0] == "cycle":
        return "cycle " + " ".join(key[1])
    return "include %s %s" % key[1:]


def check(root, allow_path, out=sys.stdout):
    """Prints findings; returns the exit status."""
    incs, errors = scan(root)
    allow, aerr = read_allow(allow_path)
    if aerr:
        for e in aerr:
            print("check_layers: " + e, file=out)
        return 2
    used, bad, allowed = set(), [], []
    for comp, lines in cycles(incs):
        key = ("cycle", comp)
        text = ["include cycle between %s:" % " ".join(comp)]
        text += ["    " + i.where() for i in lines]
        (allowed if key in allow else bad).append("\n".join(text))
        used.add(key)
    for i in incs:
        why = layer_violation(i)
        if why is None:
            continue
        key = ("include", i.src, i.spelled())
        (allowed if key in allow else bad).append(
            "layer: %s: %s" % (i.where(), why))
        used.add(key)
    stale = ["%s:%d: stale entry, no longer found: %s" % (
        allow_path, n, entry_text(k))
        for k, n in sorted(allow.items(), key=lambda kv: kv[1])
        if k not in used]
    for e in errors:
        print("check_layers: error: " + e, file=out)
    for b in bad:
        print("check_layers: FAIL " + b, file=out)
    for s in stale:
        print("check_layers: FAIL " + s + " (remove the line)", file=out)
    for a in allowed:
        print("check_layers: allowed " + a, file=out)
    nmod = len({module_of(i.src) for i in incs if module_of(i.src)})
    print("check_layers: %d files, %d includes, %d modules; %d new "
          "findings, %d allowed, %d stale entries, %d errors" % (
              len({i.src for i in incs}), len(incs), nmod, len(bad),
              len(allowed), len(stale), len(errors)), file=out)
    return 1 if bad or stale or errors else 0


# ---- the checker's own tests, on small synthetic trees ----

def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


CLEAN = {
    "include/hleak/diff.h": '#include "hleak/snapshot.h"\n',
    "include/hleak/snapshot.h": "#include <stdint.h>\n",
    "src/core/core-int.h": "/* #include <windows.h> in a comment */\n",
    "src/core/diff.c": '#include "core-int.h"\n#include "hleak/diff.h"\n',
    "src/core/snapshot.c": '#include "hleak/snapshot.h"\n',
    "src/win/nt.h": "#include <windows.h>\n",
    "src/win/nt.c": '#include "nt.h"\n#include "core-int.h"\n',
    "src/unix/fs-posix.c": '#include <unistd.h>\n#include "core-int.h"\n',
    "src/cli/cmd-diff.c": '#include "core-int.h"\n#include "nt.h"\n',
}


# a cycle of three modules
ABC = {"src/core/a.c": '#include "b.h"\n', "src/core/b.h": '#include "c.h"\n',
       "src/core/c.h": '#include "a.h"\n', "src/core/a.h": ""}


def run_case(files, allow=None):
    """(status, output) of check() on a tree of CLEAN plus files."""
    import io
    with tempfile.TemporaryDirectory(prefix="check-layers-") as root:
        tree = dict(CLEAN)
        tree.update(files)
        write_tree(root, {k: v for k, v in tree.items() if v is not None})
        allow_path = None
        if allow is not None:
            allow_path = os.path.join(root, "allow.txt")
            write_tree(root, {"allow.txt": allow})
        buf = io.StringIO()
        status = check(root, allow_path, buf)
        return status, buf.getvalue()


def self_test():
    import unittest

    class T(unittest.TestCase):
        def fails(self, files, *wants, allow=None, status=1):
            """The check on CLEAN plus files exits status, printing each
            of wants; returns its output."""
            got, out = run_case(files, allow)
            self.assertEqual(got, status, out)
            for w in wants:
                self.assertIn(w, out)
            return out

        def test_clean_tree_passes(self):
            self.fails({}, "0 new findings", status=0)

        def test_cycle_through_public_header(self):
            # the diff.c / triage.c shape: a private header that includes
            # the public header of the module that includes it
            self.fails({"src/core/triage.h": '#include "hleak/diff.h"\n',
                        "src/core/triage.c": '#include "triage.h"\n',
                        "src/core/diff.c": '#include "hleak/diff.h"\n'
                                           '\n#include "triage.h"\n'},
                       "FAIL include cycle between core/diff core/triage:",
                       'src/core/diff.c:3: #include "triage.h"',
                       'src/core/triage.h:1: #include "hleak/diff.h"')

        def test_three_module_cycle_is_one_finding(self):
            out = self.fails(ABC, "cycle between core/a core/b core/c:")
            self.assertEqual(out.count("include cycle"), 1, out)

        def test_forbidden_system_header_in_core(self):
            for h in ("windows.h", "sys/stat.h", "pthread.h", "winternl.h"):
                self.fails({"src/core/time.c": "#  include <%s>\n" % h},
                           "layer: src/core/time.c:1: #include <%s>: core "
                           "includes the system header" % h)

        def test_public_header_may_not_include_platform(self):
            self.fails({"include/hleak/collect.h": "#include <windows.h>\n"},
                       "include/hleak/collect.h:1")

        def test_core_including_platform_or_cli_header(self):
            self.fails({"src/core/show.c": '#include "nt.h"\n',
                        "src/cli/opt.h": "",
                        "src/core/input.c": '#include "opt.h"\n'},
                       "core includes a platform header (src/win/nt.h)",
                       "core includes a cli header (src/cli/opt.h)")

        def test_platform_rules(self):
            self.fails({"src/cli/opt.h": "",
                        "src/win/enum-win.c": '#include "opt.h"\n',
                        "src/unix/fs-posix.h": "",
                        "src/win/fs-win.c": '#include "../unix/fs-posix.h"\n'},
                       "platform includes a cli header",
                       "platform win includes platform unix's")

        def test_unresolved_quoted_include_is_an_error(self):
            self.fails({"src/core/x.c": '#include "nope.h"\n'},
                       'src/core/x.c:1: #include "nope.h" resolves to no '
                       "file")

        def test_allowed_findings_pass(self):
            self.fails({"src/core/a.c": '#include "b.h"\n',
                        "src/core/b.h": '#include "a.h"\n',
                        "src/core/a.h": "",
                        "src/core/time.c": "#include <unistd.h>\n"},
                       "2 allowed, 0 stale", status=0,
                       allow="cycle core/b core/a  # to remove in issue 15\n"
                       "include src/core/time.c <unistd.h>  # to remove\n")

        def test_stale_entry_fails(self):
            self.fails({}, "allow.txt:3: stale entry, no longer found: cycle "
                       "core/a core/b", "allow.txt:4: stale entry, no longer "
                       "found: include src/core/time.c <unistd.h>",
                       allow="# header comment\n\n"
                       "cycle core/a core/b  # fixed already\n"
                       "include src/core/time.c <unistd.h> # x\n")

        def test_grown_cycle_is_new_and_old_entry_stale(self):
            self.fails(ABC, "FAIL include cycle between core/a core/b core/c",
                       "stale entry", allow="cycle core/a core/b # known\n")

        def test_entry_needs_a_reason(self):
            self.fails({}, "entry without a '#' comment", status=2,
                       allow="cycle core/a core/b\n")

        def test_internal_half_is_its_module(self):
            # snapshot-int.h includes the public snapshot.h and snapshot.c
            # includes snapshot-int.h: one module, no cycle
            self.fails({"src/core/snapshot-int.h":
                        '#include "hleak/snapshot.h"\n',
                        "src/core/snapshot.c": '#include "snapshot-int.h"\n'},
                       "0 new findings", status=0)

        def test_generated_version_header(self):
            self.fails({"cmake/version.h.in": "#include <stdint.h>\n",
                        "src/core/easy.c": '#include "hleak/version.h"\n'},
                       status=0)

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(T)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--allow", default=None,
                    help="allow list (default: tests/layers-allow.txt)")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    allow = args.allow or os.path.join(args.root, "tests", "layers-allow.txt")
    return check(args.root, allow)


if __name__ == "__main__":
    sys.exit(main())
