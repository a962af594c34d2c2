#!/usr/bin/env python3
"""docs/FORMAT.md against the code that reads and writes snapshot files.

What is compared (the code is looked for in every file of src/core and
include/hleak, so moving a definition to another file of core keeps the
check working; losing one fails it; flag bits are taken from the files
named snap*, where the snapshot's own bits live):
  - section tags: the SNAP_TAG_xxxx defines (letters and name must agree),
    the tag table of FORMAT.md and the one in the header comment of
    src/core/snapfile.c are the same set; each tag is written
    (wb_begin_section) and read (a reader's slot {SNAP_TAG_xxxx, &...})
    by the code and has a "###" heading in FORMAT.md;
  - the magic bytes, the format version (HL_SNAPFILE_VERSION), the header
    offsets and length, the section header length;
  - the field tables of META (meta_fields), HNDL, HXTR, GUIC, TRGT, ACCS,
    HDTL
    and SYSM (the whole-system snapshot's, version 2): the same fields in
    the order the encoder writes them;
  - the numbered values and flag bits of name_err (HL_NAME_ERR_MAP), ACCS
    access (HL_ACCESS_COUNT) and flags (HL_COLLECT_*), GUIC flags
    (HL_GUI_*), TRGT state and flags, HXTR flags;
  - the CRC-32 polynomial (crc32.c's table) and the minimum sizes a string
    and a handle record take;
  - the worked example: its bytes form a valid file (length, CRC-32) and,
    with --hleak, `hleak show --json` reads it as documented.

usage: check_format.py [--root DIR] [--hleak PATH] [--emulator CMD]
       check_format.py --self-test    mutated copies of the tree must fail
Prints every mismatch; exit status 0 when there is none, 1 otherwise.
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import zlib

TABLE_TAGS = ("HNDL", "HXTR", "GUIC", "TRGT", "ACCS", "HDTL", "SYSM")


class Checker:
    def __init__(self, root):
        self.root = root
        self.errors = []
        with open(os.path.join(root, "docs", "FORMAT.md"),
                  encoding="utf-8") as fh:
            self.doc = fh.read()
        self.code = {}
        pats = ("src/core/*.c", "src/core/*.h", "include/hleak/*.h")
        for pat in pats:
            for path in sorted(glob.glob(os.path.join(root, pat))):
                with open(path, encoding="utf-8") as fh:
                    self.code[os.path.relpath(path, root)] = fh.read()
        self.all_code = "\n".join(self.code.values())

    def fail(self, msg):
        self.errors.append(msg)

    def expect(self, ok, msg):
        if not ok:
            self.fail(msg)
        return ok

    def define(self, name):
        """Value text of #define name, or None (and a failure)."""
        m = re.search(r"^#define %s\s+(.+?)\s*$" % re.escape(name),
                      self.all_code, re.M)
        self.expect(m is not None, "no #define %s in src/core or "
                    "include/hleak" % name)
        return m.group(1) if m else None

    def number(self, name):
        v = self.define(name)
        if v is None:
            return None
        return int(re.sub(r"/\*.*|//.*", "", v).strip().rstrip("uUlL"), 0)

    def flag_defines(self, prefix, memory_only=()):
        """Every #define prefix* of a number but the *_ALL mask and the
        in-memory-only bits: a new bit fails until it is documented."""
        text = "\n".join(t for f, t in self.code.items()
                         if os.path.basename(f).startswith("snap"))
        names = re.findall(r"^#define (%s\w+)\s+\d" % prefix, text, re.M)
        return [n for n in names
                if not n.endswith("_ALL") and n not in memory_only]

    def doc_section(self, heading_re):
        """Text of the FORMAT.md section whose heading matches."""
        m = re.search(r"^(#+) (%s)\s*$" % heading_re, self.doc, re.M)
        if not self.expect(m is not None, "FORMAT.md: no heading matching "
                           "'%s'" % heading_re):
            return ""
        level = len(m.group(1))
        end = re.compile(r"^#{1,%d} " % level, re.M).search(self.doc, m.end())
        return self.doc[m.end():end.start() if end else len(self.doc)]

    def doc_table(self, text):
        """[(first cell, [cells])] of the markdown table rows in text."""
        rows = []
        for line in text.splitlines():
            if not line.startswith("|") or re.match(r"^\|[-:| ]+\|$", line):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows.append((cells[0].strip("`"), cells))
        return rows[1:]  # the header row

    # ---- the checks ----

    def tags(self):
        code = {}
        for m in re.finditer(r"^#define SNAP_TAG_(\w+)\s+SNAP_TAG\("
                             r"'(.)',\s*'(.)',\s*'(.)',\s*'(.)'\)",
                             self.all_code, re.M):
            letters = "".join(m.group(2, 3, 4, 5))
            self.expect(letters == m.group(1), "SNAP_TAG_%s spells '%s'" % (
                m.group(1), letters))
            code[letters] = m.group(1)
        self.expect(len(code) >= 3, "found no SNAP_TAG_xxxx defines")
        sections = self.doc_section("Sections")
        doc = [r[0] for r in self.doc_table(sections)
               if re.fullmatch(r"[A-Z]{4}", r[0])]
        comment = re.findall(r"^\*\*\s+([A-Z]{4})\s+\S", self.code.get(
            "src/core/snapfile.c", ""), re.M)
        for tag in sorted(set(code) | set(doc) | set(comment)):
            self.expect(tag in code, "FORMAT.md documents section %s, which "
                        "the code does not define" % tag)
            self.expect(tag in doc, "section %s (SNAP_TAG_%s) is not in "
                        "FORMAT.md's tag table" % (tag, tag))
            self.expect(tag in comment, "section %s is not in the tag table "
                        "of snapfile.c's header comment" % tag)
            if tag not in code:
                continue
            self.expect(re.search(r"wb_begin_section\([^;]*SNAP_TAG_%s\)" %
                                  tag, self.all_code),
                        "the code never writes section %s" % tag)
            self.expect(re.search(r"\{SNAP_TAG_%s, &" % tag,
                                  self.all_code),
                        "the code never reads section %s" % tag)
            self.expect(re.search(r"^###.*\b%s\b" % tag, self.doc, re.M),
                        "FORMAT.md has no ### heading for section %s" % tag)
        self.expect(len(doc) == len(set(doc)), "FORMAT.md lists a tag twice")
        return code

    def header(self):
        magic = self.define("SNAP_MAGIC")
        if magic:
            raw = bytes(magic.strip('"'), "ascii").decode("unicode_escape")
            hexs = " ".join("%02X" % ord(c) for c in raw)
            self.expect(("Magic: `%s`" % hexs) in self.doc,
                        "FORMAT.md: magic is not `%s`" % hexs)
            self.expect(len(raw) == self.number("SNAP_MAGIC_LEN"),
                        "SNAP_MAGIC_LEN is not the magic's length")
        version = self.number("HL_SNAPFILE_VERSION")
        sysver = self.number("HL_SYSFILE_VERSION")
        self.expect(self.doc.startswith(
            "# The hleak snapshot file format, versions %s and %s\n" % (
                version, sysver)),
            "FORMAT.md's title does not say version %s (one process) and "
            "%s (the whole system)" % (version, sysver))
        hdr_len = self.number("SNAP_HEADER_LEN")
        rows = self.doc_table(self.doc_section(
            r"File header, %s bytes" % hdr_len))
        want = [("0", "SNAP_MAGIC_LEN", "Magic"),
                ("SNAP_OFF_VERSION", "4", "Format version, u32: `%s` for "
                 "one process, `%s` for the whole system" % (version,
                                                            sysver)),
                ("SNAP_OFF_LENGTH", "8", "File length"),
                ("SNAP_OFF_CRC", "4", "CRC-32"),
                ("SNAP_HEADER_LEN", "-", "Sections")]
        self.rows_at(rows, want, "file header")
        rows = self.doc_table(self.doc_section("Sections"))
        self.rows_at(rows, [("0", "4", "Tag, u32"),
                            ("4", "8", "Body length"),
                            ("SNAP_SECTION_HEAD", "-", "Body")],
                     "section header")

    def rows_at(self, rows, want, what):
        """Each (offset, size, text) of want is a row of the table."""
        for off, size, text in want:
            off = str(self.number(off)) if off.isupper() else off
            size = str(self.number(size)) if size.isupper() else size
            self.expect(any(c[:2] == [off, size] and c[2].startswith(text)
                            for _, c in rows),
                        "FORMAT.md %s: no row '| %s | %s | %s...'" % (
                            what, off, size, text))

    def function_body(self, name):
        m = re.search(r"^static \w+ %s\([^)]*\)\s*\{(.*?)^\}" % name,
                      self.all_code, re.M | re.S)
        self.expect(m is not None, "no function %s in src/core" % name)
        return m.group(1) if m else ""

    def written(self, tag):
        """Field names the encoder writes in section tag, in order."""
        m = re.search(r"wb_begin_section\([^;]*SNAP_TAG_%s\);(.*?)"
                      r"wb_end_section" % tag, self.all_code, re.S)
        if not m:
            return None
        body = m.group(1)
        call = re.search(r"\b(encode_\w+)\(", body)
        if call:
            body = self.function_body(call.group(1))
        args = re.findall(r"wb_varint\(\s*\w+,\s*(.*?)\);", body, re.S)
        if args and re.fullmatch(r"n|s->count|s->n\w+", args[0]):
            args = args[1:]  # the record count before the records
        names = []
        for a in args:
            m = re.search(r"(?:->|\.)(\w+)", a)
            if m:
                names.append(m.group(1))
            elif re.fullmatch(r"i - next", a):
                names.append("index")
            else:
                m = re.match(r"(\w+)\(", a)
                names.append(m.group(1) if m else a)
        return names

    def fields(self):
        meta = re.search(r"meta_fields\[\]\s*=\s*\{(.*?)\};",
                         self.all_code, re.S)
        if self.expect(meta is not None, "no meta_fields[] in src/core"):
            code = re.findall(r"offsetof\(struct hl_snapshot,\s*(\w+)\)",
                              meta.group(1))
            doc = [r[0] for r in self.doc_table(self.doc_section("META"))]
            self.expect(code == doc, "META fields: code %s, FORMAT.md %s" % (
                code, doc))
        for tag in TABLE_TAGS:
            code = self.written(tag)
            if not self.expect(code is not None,
                               "no writer of section %s found" % tag):
                continue
            doc = [r[0] for r in self.doc_table(self.doc_section(
                r"[^\n]*\b%s\b[^\n]*" % tag))]
            same = len(code) == len(doc) and all(
                c == d or c.endswith("_" + d) for c, d in zip(code, doc))
            self.expect(same, "%s fields: the code writes %s, FORMAT.md "
                        "documents %s" % (tag, code, doc))

    def doc_cell(self, heading, field):
        for name, cells in self.doc_table(self.doc_section(heading)):
            if name == field:
                return cells[2]
        self.fail("FORMAT.md %s: no row for field %s" % (heading, field))
        return ""

    def bits(self, heading, field, defines, what):
        """The 'N =' values of a flags row are exactly the defines'."""
        doc = sorted(int(n) for n in re.findall(r"\b(\d+) =",
                                                 self.doc_cell(heading,
                                                               field)))
        code = sorted(self.number(d) for d in defines)
        self.expect(doc == code, "%s: FORMAT.md documents bits %s, the code "
                    "defines %s" % (what, doc, code))
        return max(code) if None not in code and code else None

    def values(self):
        names = re.search(r"#define HL_NAME_ERR_MAP\(XX\)(.*?)\n\n",
                          self.all_code, re.S)
        if self.expect(names is not None, "no HL_NAME_ERR_MAP"):
            msgs = re.findall(r'XX\(\w+,\s*"([^"]*)"\)', names.group(1))
            want = ", ".join("%d %s" % (i, m or "none")
                             for i, m in enumerate(msgs))
            self.expect(("`name_err` values: %s (" % want) in
                        re.sub(r"\s+", " ", self.doc),
                        "FORMAT.md: name_err values are not '%s'" % want)
        access = self.count_of("HL_ACCESS_MAP")
        cell = self.doc_cell(r"ACCS \(optional\)", "access")
        doc = [int(n) for n in re.findall(r"(?:^|[;:] )(\d+) ", cell)]
        self.expect(doc == list(range(access)), "ACCS access: FORMAT.md "
                    "lists %s, enum hl_access has 0..%d" % (doc, access - 1))
        top = self.bits(r"ACCS \(optional\)", "flags",
                        self.flag_defines("HL_COLLECT_"), "ACCS flags")
        self.limit("An access above %d or a flag above %d" % (
            access - 1, top or 0))
        self.expect(self.number("HL_COLLECT_FLAGS_ALL") == 2 * (top or 0) - 1,
                    "HL_COLLECT_FLAGS_ALL is not every documented ACCS bit")
        top = self.bits(r"GUIC \(optional\)", "flags",
                        self.flag_defines("HL_GUI_", ["HL_GUI_OTHER_SESSION"]),
                        "GUIC flags")
        self.limit("flags 0 or a bit above %d is refused" % (top or 0))
        self.expect(self.number("HL_GUI_ALL") == 2 * (top or 0) - 1,
                    "HL_GUI_ALL is not every documented GUIC bit")
        self.bits(r"TRGT \(optional\)", "flags",
                  self.flag_defines("HL_TARGET_"), "TRGT flags")
        self.bits(r"MODL, STCK and HXTR \(optional\)", "flags",
                  self.flag_defines("HL_EXTRA_"), "HXTR flags")
        states = re.search(r"enum hl_target_state \{(.*?)\};",
                           self.all_code, re.S)
        if self.expect(states is not None, "no enum hl_target_state"):
            n = len(re.findall(r"HL_TARGET_\w+", states.group(1))) - 1
            cell = self.doc_cell(r"TRGT \(optional\)", "state")
            doc = [int(x) for x in re.findall(r"\b(\d+) \w", cell)]
            self.expect(doc == list(range(1, n)), "TRGT state: FORMAT.md "
                        "lists %s, the code 1..%d" % (doc, n - 1))
            self.limit("a state of 0 or above %d" % (n - 1))

    def count_of(self, map_name):
        m = re.search(r"#define %s\(XX\)(.*?)\n\n" % map_name,
                      self.all_code, re.S)
        self.expect(m is not None, "no %s" % map_name)
        return len(re.findall(r"XX\(", m.group(1))) if m else 0

    def limit(self, sentence):
        self.expect(sentence in re.sub(r"\s+", " ", self.doc),
                    "FORMAT.md does not say '%s'" % sentence)

    def constants(self):
        crc = self.code.get("src/core/crc32.c", "")
        table = re.findall(r"0x[0-9a-fA-F]{8}", crc.split("{", 1)[-1])
        self.expect(len(table) >= 256 and int(table[128], 16) ==
                    0xEDB88320, "crc32.c's table is not the reflected "
                    "polynomial 0xEDB88320")
        self.expect("reflected polynomial `0xEDB88320`" in self.doc,
                    "FORMAT.md does not give the polynomial 0xEDB88320")
        self.expect("%X" % zlib.crc32(b"123456789") in self.doc.upper(),
                    "FORMAT.md's CRC check value is not zlib's")
        self.limit("a string takes at least %s, a record at least %s" % (
            self.number("SNAP_MIN_STRING"), self.number("SNAP_MIN_RECORD")))

    def example(self):
        """The example's bytes, checked as a file; None if unreadable."""
        text = self.doc_section("Example")
        block = re.search(r"```\n(.*?)```", text, re.S)
        if not self.expect(block is not None, "FORMAT.md: no example"):
            return None
        data = bytearray()
        for line in block.group(1).splitlines():
            m = re.match(r"^([0-9a-f]{2})  (.*)$", line)
            if not m:
                continue
            self.expect(int(m.group(1), 16) == len(data), "example: offset "
                        "%s, but %d bytes come before" % (m.group(1),
                                                          len(data)))
            data += bytes.fromhex(re.split(r" {3,}", m.group(2))[0])
        size = re.search(r"\((\d+) bytes\):", text)
        self.expect(size and int(size.group(1)) == len(data),
                    "example: the text's size is not its %d bytes" %
                    len(data))
        length = int.from_bytes(data[12:20], "little")
        self.expect(length == len(data), "example: length field %d, %d "
                    "bytes" % (length, len(data)))
        crc = zlib.crc32(bytes(data[:20] + data[24:]))
        self.expect(int.from_bytes(data[20:24], "little") == crc,
                    "example: the CRC-32 should be %08x" % crc)
        return bytes(data)

    def example_reads(self, data, hleak, prefix):
        with tempfile.TemporaryDirectory(prefix="check-format-") as work:
            with open(os.path.join(work, "example.snap"), "wb") as fh:
                fh.write(data)
            p = subprocess.run(prefix + [hleak, "show", "--json",
                                         "example.snap"], cwd=work,
                               capture_output=True, timeout=120)
        if not self.expect(p.returncode == 0, "hleak show on the example: "
                           "exit %d, %s" % (p.returncode,
                                            p.stderr.decode()[:300])):
            return
        out = json.loads(p.stdout)
        handles = out.get("handles", [])
        pid = out.get("process", {}).get("pid")
        self.expect(pid == 4242 and len(handles) == 1 and
                    handles[0].get("type") == "Event" and
                    handles[0].get("granted_access") == 0x1F0003,
                    "hleak show reads the example as pid %s with handles %s"
                    % (pid, handles))


def mutate(root, rel, old, new):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert old in text, (rel, old)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new, 1))


# (what, [(file, old, new)], a message the check must then print)
MUTATIONS = [
    ("a tag defined, written and read but not documented",
     [("src/core/snapfile.c", "#define SNAP_TAG_ACCS",
       "#define SNAP_TAG_NEWS SNAP_TAG('N', 'E', 'W', 'S')\n"
       "/* wb_begin_section(wb, SNAP_TAG_NEWS); {SNAP_TAG_NEWS, &x} */\n"
       "#define SNAP_TAG_ACCS")],
     "section NEWS (SNAP_TAG_NEWS) is not in FORMAT.md's tag table"),
    ("a documented tag the code lost",
     [("src/core/snapfile.c",
       "#define SNAP_TAG_SYMS SNAP_TAG('S', 'Y', 'M', 'S')\n", "")],
     "FORMAT.md documents section SYMS, which the code does not define"),
    ("a version bump",
     [("include/hleak/snapfile.h", "#define HL_SNAPFILE_VERSION 1u",
       "#define HL_SNAPFILE_VERSION 2u")],
     "FORMAT.md's title does not say version 2 (one process)"),
    ("two HNDL fields swapped in the writer",
     [("src/core/snapfile.c", "hl__wb_varint(wb, h->name);\n"
       "        hl__wb_varint(wb, h->nt_name);",
       "hl__wb_varint(wb, h->nt_name);\n        hl__wb_varint(wb, h->name);")],
     "HNDL fields: the code writes"),
    ("two SYSM fields swapped in the writer",
     [("src/core/syssnap.c", "hl__wb_varint(wb, sys->host);\n"
       "    hl__wb_varint(wb, sys->os_version);",
       "hl__wb_varint(wb, sys->os_version);\n"
       "    hl__wb_varint(wb, sys->host);")],
     "SYSM fields: the code writes"),
    ("a new ACCS flag bit",
     [("include/hleak/snapshot.h", "#define HL_COLLECT_FLAGS_ALL 15u",
       "#define HL_COLLECT_NEW 16u\n#define HL_COLLECT_FLAGS_ALL 31u")],
     "ACCS flags: FORMAT.md documents bits [1, 2, 4, 8], the code defines "
     "[1, 2, 4, 8, 16]"),
    ("a META field added",
     [("src/core/snapfile.c", "{ offsetof(struct hl_snapshot, method), "
       "META_STR },", "{ offsetof(struct hl_snapshot, method), META_STR },"
       "\n    { offsetof(struct hl_snapshot, access), META_U32 },")],
     "META fields: code"),
    ("the example's CRC",
     [("docs/FORMAT.md", "14  bf 1b 5d 26", "14  bf 1b 5d 27")],
     "example: the CRC-32 should be 265d1bbf"),
]


def self_test(root):
    import shutil
    failed = 0
    for what, edits, want in MUTATIONS:
        with tempfile.TemporaryDirectory(prefix="check-format-") as tmp:
            for d in ("docs", "src/core", "include/hleak"):
                shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
            clean = Checker(tmp)
            run_all(clean)
            for rel, old, new in edits:
                mutate(tmp, rel, old, new)
            c = Checker(tmp)
            run_all(c)
            ok = not clean.errors and any(want in e for e in c.errors)
            print("%s: %s" % ("ok" if ok else "FAIL", what))
            if not ok:
                failed += 1
                for e in clean.errors + c.errors:
                    print("    " + e)
    print("check_format self-test: %d passed, %d failed" % (
        len(MUTATIONS) - failed, failed))
    return 1 if failed else 0


def run_all(c):
    tags = c.tags()
    c.header()
    c.fields()
    c.values()
    c.constants()
    return tags, c.example()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--hleak", help="also read the example with this hleak")
    ap.add_argument("--emulator", default="")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.root)
    c = Checker(args.root)
    hleak = os.path.abspath(args.hleak) if args.hleak else None
    code_tags, data = run_all(c)
    if data is not None and hleak:
        c.example_reads(data, hleak, shlex.split(args.emulator))
    for e in c.errors:
        print("check_format: FAIL " + e)
    print("check_format: %d section tags, %d mismatches" % (len(code_tags),
                                                           len(c.errors)))
    return 1 if c.errors else 0


if __name__ == "__main__":
    sys.exit(main())
