#!/usr/bin/env python3
"""Build the sample git bundles in samples/git/ that docs, demo runs and tests mine.

Why a script rather than checked-in repositories made by hand: the samples must hold every kind of
commit the mining core sorts out (merges, renames, mode and symlink changes, binary and non-UTF-8
files, a fork sharing history with its parent), and they must come out as the very same commits on
every machine, so the expected counts in samples/README.md stay true. Authors, dates and file
contents are all fixed here, and binary files are built without zlib's compressor, whose output
differs between zlib builds; rerunning the script rewrites the bundles with identical commit shas.

    python samples/make_samples.py            # rewrite samples/git/<owner>/<name>.bundle
    python samples/make_samples.py --counts   # also mine them and print the README tables
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pygit2

SAMPLES_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = SAMPLES_DIR.parent
BUNDLE_DIR = SAMPLES_DIR / "git"

REGULAR = 0o100644
EXECUTABLE = 0o100755
SYMLINK = 0o120000
TREE = 0o040000

# Gaps between consecutive commits, cycled: irregular enough to look like real work.
STEPS = (3 * 3600 + 720, 26 * 3600 + 2400, 3300, 52 * 3600, 7 * 3600 + 300, 19 * 3600 + 1800, 4 * 3600 + 900)

# Single-file Python commits whose messages the later message filters are meant to drop.
POOR_MESSAGES = frozenset({"update", "wip", "fixed stuff", "fix", "tweak"})


# ------------------------------------------------------------------------------------------ builder

@dataclass(frozen=True)
class Entry:
    """One file of a tree. `encoding` is how edits decode and re-encode it; None means binary."""
    data: bytes
    mode: int = REGULAR
    encoding: str | None = "utf-8"


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    offset: int  # minutes east of UTC

    def at(self, when: int) -> pygit2.Signature:
        return pygit2.Signature(self.name, self.email, when, self.offset)


Files = dict[str, Entry]
Edit = tuple[str, str, str]  # (path, old text, new text): old must occur exactly once


def text(contents: str, mode: int = REGULAR) -> Entry:
    return Entry(contents.encode("utf-8"), mode)


def latin1(contents: str) -> Entry:
    return Entry(contents.encode("latin-1"), encoding="latin-1")


def utf16(contents: str) -> Entry:
    """UTF-16LE with a byte-order mark, as Windows Notepad saves "Unicode" files."""
    return Entry(_encode(contents, "utf-16"), encoding="utf-16")


def binary(data: bytes) -> Entry:
    return Entry(data, encoding=None)


def symlink(target: str) -> Entry:
    return Entry(target.encode("utf-8"), SYMLINK, encoding=None)


def _encode(contents: str, encoding: str) -> bytes:
    if encoding == "utf-16":  # fixed byte order, whatever the machine's
        return b"\xff\xfe" + contents.encode("utf-16-le")
    return contents.encode(encoding)


class HistoryBuilder:
    """A bare repository grown commit by commit; every commit records its whole tree as a snapshot."""

    def __init__(self, path: Path, start: int) -> None:
        self.repo = pygit2.init_repository(str(path), bare=True, initial_head="main")
        self.path = path
        self.snapshots: dict[str, Files] = {}
        self._clock = start
        self._steps = itertools.cycle(STEPS)

    def _tick(self) -> int:
        self._clock += next(self._steps)
        return self._clock

    def tip(self, ref: str) -> str:
        return str(self.repo.references[ref].target)

    def _tree(self, files: Mapping[str, Entry]) -> pygit2.Oid:
        leaves: dict[str, Entry] = {}
        nested: dict[str, dict[str, Entry]] = {}
        for path, entry in files.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = entry
            else:
                leaves[path] = entry
        builder = self.repo.TreeBuilder()
        for name, entry in leaves.items():
            builder.insert(name, self.repo.create_blob(entry.data), entry.mode)
        for name, sub in nested.items():
            builder.insert(name, self._tree(sub), TREE)
        return builder.write()

    def _write(self, ref: str, message: str, author: Person, files: Files, parents: list[str],
               committer: Person | None = None, author_time: int | None = None) -> str:
        when = self._tick()
        if not message.endswith("\n"):
            message += "\n"
        oid = self.repo.create_commit(
            None, author.at(author_time or when), (committer or author).at(when), message,
            self._tree(files), [pygit2.Oid(hex=p) for p in parents])
        sha = str(oid)
        self.snapshots[sha] = dict(files)
        if ref in self.repo.references:
            self.repo.references[ref].set_target(oid)
        else:
            self.repo.references.create(ref, oid)
        return sha

    def commit(self, message: str, author: Person, *, ref: str = "refs/heads/main", on: str | None = None,
               put: Mapping[str, Entry] | None = None, edits: Iterable[Edit] = (),
               remove: Iterable[str] = (), rename: Mapping[str, str] | None = None,
               chmod: Mapping[str, int] | None = None, committer: Person | None = None,
               author_time: int | None = None) -> str:
        """A commit on `ref`, child of `on` (default: the ref's tip; none for a new ref: a root)."""
        if on is None and ref in self.repo.references:
            on = self.tip(ref)
        files: Files = dict(self.snapshots[on]) if on else {}
        for path, entry in (put or {}).items():
            files[path] = entry
        for path, old, new in edits:
            entry = files[path]
            assert entry.encoding, f"{path} is binary"
            contents = entry.data.decode(entry.encoding)
            assert contents.count(old) == 1, f"{path}: edit must match exactly once: {old!r}"
            files[path] = replace(entry, data=_encode(contents.replace(old, new), entry.encoding))
        for path in remove:
            del files[path]
        for old_path, new_path in (rename or {}).items():
            files[new_path] = files.pop(old_path)
        for path, mode in (chmod or {}).items():
            files[path] = replace(files[path], mode=mode)
        return self._write(ref, message, author, files, [on] if on else [], committer, author_time)

    def merge(self, into: str, other: str, message: str, author: Person) -> str:
        """A merge commit of `other` into `into`, merged file by file against the merge base."""
        ours, theirs = self.tip(into), self.tip(other)
        base = str(self.repo.merge_base(ours, theirs))
        b, o, t = self.snapshots[base], self.snapshots[ours], self.snapshots[theirs]
        merged: Files = {}
        for path in sorted(set(b) | set(o) | set(t)):
            mine, yours, was = o.get(path), t.get(path), b.get(path)
            if mine == yours or yours == was:
                result = mine
            elif mine == was:
                result = yours
            else:
                raise ValueError(f"merge conflict in {path}")
            if result is not None:
                merged[path] = result
        return self._write(into, message, author, merged, [ours, theirs])

    def branch(self, name: str, at: str) -> None:
        self.repo.references.create(name, pygit2.Oid(hex=at))

    def delete_ref(self, name: str) -> None:
        self.repo.references.delete(name)

    def tag(self, name: str, at: str, message: str, tagger: Person) -> None:
        self.repo.create_tag(name, pygit2.Oid(hex=at), pygit2.enums.ObjectType.COMMIT,
                             tagger.at(self._tick()), message)


# ------------------------------------------------------------------------------------ binary files

def png(pixels: list[list[tuple[int, int, int]]]) -> bytes:
    """An RGB PNG whose image data sits in stored (uncompressed) deflate blocks: same bytes everywhere."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    assert len(raw) <= 0xFFFF
    stream = (b"\x78\x01" + b"\x01" + struct.pack("<HH", len(raw), len(raw) ^ 0xFFFF) + raw
              + struct.pack(">I", zlib.adler32(raw)))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def logo(background: tuple[int, int, int], letter: tuple[int, int, int]) -> bytes:
    """A 16x16 square with a "T" on it."""
    size = 16
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            on = (3 <= y <= 5 and 3 <= x <= 12) or (6 <= y <= 12 and 7 <= x <= 8)
            row.append(letter if on else background)
        rows.append(row)
    return png(rows)


def wordfreq_table(frequencies: list[tuple[str, int]]) -> bytes:
    """textstats' packed frequency table: magic, version, count, then (u16 length, word, u32 count)."""
    out = bytearray(b"TSWF\x00\x01")
    out += struct.pack("<I", len(frequencies))
    for word, count in frequencies:
        data = word.encode("utf-8")
        out += struct.pack("<H", len(data)) + data + struct.pack("<I", count)
    return bytes(out)


# --------------------------------------------------------------------------------------- textstats

ALICE = Person("Alice Martin", "alice@example.org", 60)
KENJI = Person("Kenji Sato", "kenji.sato@example.jp", 540)
BOB = Person("Bob Okafor", "bob@example.net", -300)

GITIGNORE = """__pycache__/
*.py[cod]
*.egg-info/
build/
dist/
.venv/
"""

TS_README = """# textstats

Small command-line and library helpers for counting lines, words and characters in plain
text, plus a couple of readability scores.
"""

TS_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "textstats"
version = "0.1.0"
description = "Count lines, words and characters; score readability."
readme = "README.md"
license = { text = "MIT" }
requires-python = ">=3.8"
"""

TS_INIT = '''"""Count lines, words and characters; score readability."""

__version__ = "0.1.0"
'''

TS_COMPAT = '''"""Python 2 compatibility shims."""

try:
    string_types = (str, unicode)  # noqa: F821
except NameError:  # Python 3
    string_types = (str,)
'''

TS_COUNTER = r'''"""Count lines, words and characters in plain text."""
from __future__ import annotations

import re
from collections import Counter

_WORD_RE = re.compile(r"[A-Za-z0-9']+")


def count_lines(text: str) -> int:
    """Number of lines; a last line without a trailing newline still counts."""
    return text.count("\n")


def words(text: str) -> list[str]:
    """The words of `text`, punctuation removed."""
    return _WORD_RE.findall(text)


def count_words(text: str) -> int:
    return len(words(text))


def count_chars(text: str, include_spaces: bool = True) -> int:
    if include_spaces:
        return len(text)
    n = 0
    for ch in text:
        if ch != " " and ch != "\n":
            n += 1
    return n


def unique_words(text: str) -> set[str]:
    """Distinct words, case-insensitive."""
    return {w.lower() for w in text.split()}


def average_word_length(text: str) -> float:
    tokens = text.split()
    return sum(len(t) for t in tokens) / len(tokens)


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The `n` most common words with their counts, most common first."""
    counts = Counter(w.lower() for w in words(text))
    return counts.most_common(n)
'''

TS_TEST_COUNTER = r'''from textstats.counter import count_chars, count_lines, count_words, top_words


def test_count_words_ignores_punctuation():
    assert count_words("Hello, world!") == 2


def test_count_lines():
    assert count_lines("one\ntwo\n") == 2


def test_count_chars_without_spaces():
    assert count_chars("a b\nc", include_spaces=False) == 3


def test_top_words_is_case_insensitive():
    assert top_words("The cat and the hat", 1) == [("the", 2)]
'''

TS_CLI = r'''#!/usr/bin/env python3
"""Print line, word and character counts for files or standard input."""
from __future__ import annotations

import argparse
import sys

from textstats import counter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="textstats", description=__doc__)
    parser.add_argument("files", nargs="*", help="files to read (default: standard input)")
    parser.add_argument("--top", type=int, default=0, metavar="N",
                        help="also print the N most common words")
    args = parser.parse_args(argv)
    for name in args.files or ["-"]:
        text = sys.stdin.read() if name == "-" else open(name).read()
        print(f"{name}: {counter.count_lines(text)} lines, {counter.count_words(text)} words, "
              f"{counter.count_chars(text)} chars")
        for word, count in counter.top_words(text, args.top):
            print(f"  {word}\t{count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

TS_READABILITY = r'''"""Readability scores: Flesch reading ease and Flesch-Kincaid grade level."""
from __future__ import annotations

import re

from textstats.counter import words

_SENTENCE_END = re.compile(r"[.!?]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def count_sentences(text: str) -> int:
    return len([s for s in _SENTENCE_END.split(text) if s.strip()])


def count_syllables(word: str) -> int:
    """A rough syllable count: groups of vowels, at least one per word."""
    word = word.lower()
    count = len(_VOWEL_GROUPS.findall(word))
    return max(count, 1)


def flesch_reading_ease(text: str) -> float:
    tokens = words(text)
    sentences = count_sentences(text)
    syllables = sum(count_syllables(w) for w in tokens)
    return 206.835 - 1.015 * (len(tokens) / sentences) - 84.6 * (syllables / len(tokens))


def flesch_kincaid_grade(text: str) -> float:
    tokens = words(text)
    sentences = count_sentences(text)
    syllables = sum(count_syllables(w) for w in tokens)
    return 0.39 * (len(tokens) / sentences) + 11.8 * (syllables / len(tokens)) - 15.59
'''

TS_TEST_READABILITY = '''from textstats.readability import count_sentences, count_syllables, flesch_reading_ease


def test_count_sentences():
    assert count_sentences("One. Two! Three?") == 3


def test_count_syllables():
    assert count_syllables("banana") == 3


def test_simple_text_is_easy():
    assert flesch_reading_ease("The cat sat on the mat.") > 90
'''

TS_STOPWORDS_FR = '''# -*- coding: latin-1 -*-
"""French stop words, for filtering top_words output."""

STOPWORDS = frozenset("""
au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me même mes
moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu
un une vos votre vous à été être
""".split())
'''

WORDFREQ_V1 = [("the", 6187267), ("of", 2941444), ("and", 2682863), ("to", 2560344), ("a", 2150885),
               ("in", 1782500), ("it", 1096000), ("is", 1057031), ("was", 923948), ("that", 912340)]
WORDFREQ_V2 = [("the", 22038615), ("be", 12545825), ("and", 10741073), ("of", 10343885),
               ("a", 10144200), ("in", 6996437), ("to", 6332195), ("have", 4303955), ("it", 3872477),
               ("i", 3978265), ("that", 3430996), ("for", 3281454), ("you", 3081151), ("he", 2909254)]


def build_textstats(path: Path) -> HistoryBuilder:
    """alice/textstats: MIT, main only, 24 commits."""
    b = HistoryBuilder(path, start=1_615_021_440)  # 2021-03-06
    c, r, t = "textstats/counter.py", "textstats/readability.py", "tests/test_counter.py"

    b.commit("Initial commit", ALICE, put={
        "README.md": text(TS_README), "LICENSE": text(MIT_LICENSE), ".gitignore": text(GITIGNORE),
        "pyproject.toml": text(TS_PYPROJECT)})
    b.commit("Add word, line and character counters", ALICE, put={
        "textstats/__init__.py": text(TS_INIT), c: text(TS_COUNTER),
        "textstats/compat.py": text(TS_COMPAT), t: text(TS_TEST_COUNTER)})
    b.commit("Fix off-by-one in line counter when text ends without newline\n\n"
             "count_lines counted newline characters, so \"a\\nb\" gave 1. Count the\n"
             "last line too when the text does not end with a newline, and return 0\n"
             "for empty text.", ALICE, edits=[
                 (c, '    return text.count("\\n")\n',
                  '    if not text:\n        return 0\n'
                  '    return text.count("\\n") + (0 if text.endswith("\\n") else 1)\n')])
    b.commit("Add command-line interface", ALICE, put={"textstats/cli.py": text(TS_CLI)})
    b.commit("update", ALICE, edits=[
        ("textstats/cli.py",
         '        text = sys.stdin.read() if name == "-" else open(name).read()\n',
         '        if name == "-":\n'
         '            text = sys.stdin.read()\n'
         '        else:\n'
         '            with open(name, encoding="utf-8") as fh:\n'
         '                text = fh.read()\n')])
    b.commit("Count hyphenated words as one word", KENJI, edits=[
        (c, '''_WORD_RE = re.compile(r"[A-Za-z0-9']+")''',
         '''_WORD_RE = re.compile(r"[A-Za-z0-9']+(?:-[A-Za-z0-9']+)*")'''),
        (t, "from textstats.counter import count_chars, count_lines, count_words, top_words\n",
         "from textstats.counter import count_chars, count_lines, count_words, top_words\n\n\n"
         "def test_hyphenated_word_is_one_word():\n"
         '    assert count_words("a well-known fact") == 3\n')])
    b.commit("Add readability scores", ALICE, put={
        r: text(TS_READABILITY), "tests/test_readability.py": text(TS_TEST_READABILITY)})
    b.commit("Avoid ZeroDivisionError in readability scores for empty text\n\n"
             "Both scores divide by the number of words and of sentences, so scoring\n"
             "an empty document raised ZeroDivisionError. Score it 0.0 instead.", ALICE, edits=[
                 (r, "    syllables = sum(count_syllables(w) for w in tokens)\n    return 206.835",
                  "    if not tokens or not sentences:\n        return 0.0\n"
                  "    syllables = sum(count_syllables(w) for w in tokens)\n    return 206.835"),
                 (r, "    syllables = sum(count_syllables(w) for w in tokens)\n    return 0.39",
                  "    if not tokens or not sentences:\n        return 0.0\n"
                  "    syllables = sum(count_syllables(w) for w in tokens)\n    return 0.39")])
    b.commit("Make cli.py executable", ALICE, chmod={"textstats/cli.py": EXECUTABLE})
    b.commit("Add French stop words", ALICE, put={"textstats/stopwords_fr.py": latin1(TS_STOPWORDS_FR)})
    b.commit("Add missing French stop words", ALICE, edits=[
        ("textstats/stopwords_fr.py", "un une vos votre vous à été être\n",
         "un une vos votre vous à où là ça été être avoir fait comme\n")])
    b.commit("Add project logo", ALICE, put={"docs/logo.png": binary(logo((38, 70, 140), (255, 255, 255)))})
    b.commit("Use the new brand colours in the logo", ALICE,
             put={"docs/logo.png": binary(logo((250, 250, 245), (200, 60, 40)))})
    b.commit("Document installation and usage in README", ALICE, edits=[
        ("README.md", "text, plus a couple of readability scores.\n",
         "text, plus a couple of readability scores.\n\n"
         "## Install\n\n    pip install .\n\n"
         "## Usage\n\n    textstats README.md\n    textstats --top 5 < essay.txt\n\n"
         "From Python:\n\n    from textstats import counter\n"
         '    counter.count_words("Hello, world")  # 2\n')])
    b.commit("wip", ALICE, edits=[
        (r, "def flesch_reading_ease(text: str) -> float:\n"
            "    tokens = words(text)\n"
            "    sentences = count_sentences(text)\n"
            "    if not tokens or not sentences:\n"
            "        return 0.0\n"
            "    syllables = sum(count_syllables(w) for w in tokens)\n"
            "    return 206.835 - 1.015 * (len(tokens) / sentences) - 84.6 * (syllables / len(tokens))\n",
         "def _counts(text: str) -> tuple[int, int, int]:\n"
         "    tokens = words(text)\n"
         "    return len(tokens), count_sentences(text), sum(count_syllables(w) for w in tokens)\n\n\n"
         "def flesch_reading_ease(text: str) -> float:\n"
         "    n_words, n_sentences, n_syllables = _counts(text)\n"
         "    if not n_words or not n_sentences:\n"
         "        return 0.0\n"
         "    return 206.835 - 1.015 * (n_words / n_sentences) - 84.6 * (n_syllables / n_words)\n")])
    b.commit("Fix syllable count for words ending in silent e\n\n"
             "\"make\" and \"time\" counted two syllables. Drop a final silent e unless\n"
             "the word ends in -le (\"table\") or -ee (\"free\").", KENJI, edits=[
                 (r, "    count = len(_VOWEL_GROUPS.findall(word))\n    return max(count, 1)\n",
                  "    count = len(_VOWEL_GROUPS.findall(word))\n"
                  '    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:\n'
                  "        count -= 1\n"
                  "    return max(count, 1)\n")])
    b.commit("Move cli.py to __main__.py so python -m textstats works", ALICE,
             rename={"textstats/cli.py": "textstats/__main__.py"})
    b.commit("Strip punctuation before counting unique words\n\n"
             "\"Hello,\" and \"hello\" were counted as two different words.", ALICE, edits=[
                 (c, "    return {w.lower() for w in text.split()}\n",
                  "    return {w.lower() for w in words(text)}\n")])
    b.commit("Drop Python 2 compatibility module", ALICE, remove=["textstats/compat.py"])
    b.commit("fixed stuff", ALICE, edits=[
        (c, "    n = 0\n    for ch in text:\n        if ch != \" \" and ch != \"\\n\":\n"
            "            n += 1\n    return n\n",
         "    return sum(1 for ch in text if not ch.isspace())\n")])
    b.commit("Trigger CI", ALICE)
    b.commit("Return 0.0 from average_word_length for blank text", ALICE, edits=[
        (c, "    tokens = text.split()\n    return sum",
         "    tokens = text.split()\n    if not tokens:\n        return 0.0\n    return sum")])
    b.commit("Release 0.2.0", ALICE, edits=[
        ("textstats/__init__.py", '__version__ = "0.1.0"', '__version__ = "0.2.0"'),
        ("pyproject.toml", 'version = "0.1.0"', 'version = "0.2.0"'),
        ("pyproject.toml", 'requires-python = ">=3.8"\n',
         'requires-python = ">=3.8"\n\n[project.scripts]\ntextstats = "textstats.__main__:main"\n')])
    b.commit("Exit with status 1 when an input file cannot be read\n\n"
             "A missing file stopped the whole run with a traceback. Report it on\n"
             "stderr, go on with the other files, and exit 1 at the end.", ALICE, edits=[
                 ("textstats/__main__.py", '    for name in args.files or ["-"]:\n',
                  '    status = 0\n    for name in args.files or ["-"]:\n'),
                 ("textstats/__main__.py",
                  '            with open(name, encoding="utf-8") as fh:\n'
                  '                text = fh.read()\n',
                  '            try:\n'
                  '                with open(name, encoding="utf-8") as fh:\n'
                  '                    text = fh.read()\n'
                  '            except OSError as exc:\n'
                  '                print(f"textstats: {name}: {exc.strerror}", file=sys.stderr)\n'
                  '                status = 1\n'
                  '                continue\n'),
                 ("textstats/__main__.py", "    return 0\n", "    return status\n")])
    return b


def build_textstats_fork(path: Path) -> HistoryBuilder:
    """bob/textstats: a fork holding all of alice/textstats plus 5 commits of Bob's."""
    b = build_textstats(path)
    c, m = "textstats/counter.py", "textstats/__main__.py"
    b.commit("Exclude punctuation from average word length\n\n"
             "\"Hello, world!\" averaged 6.0 because the comma and the exclamation\n"
             "mark counted as letters.", BOB, edits=[
                 (c, "    tokens = text.split()\n    if not tokens:", "    tokens = words(text)\n    if not tokens:")])
    b.commit("Add word frequency table", BOB, put={"textstats/data/wordfreq.dat": binary(wordfreq_table(WORDFREQ_V1))})
    b.commit("Regenerate word frequency table from a larger corpus", BOB,
             put={"textstats/data/wordfreq.dat": binary(wordfreq_table(WORDFREQ_V2))})
    b.commit("Add --json output", BOB, edits=[
        (m, "import argparse\nimport sys\n", "import argparse\nimport json\nimport sys\n"),
        (m, '                        help="also print the N most common words")\n',
         '                        help="also print the N most common words")\n'
         '    parser.add_argument("--json", action="store_true", help="print one JSON object per file")\n'),
        (m, '        print(f"{name}: {counter.count_lines(text)} lines',
         '        if args.json:\n'
         '            print(json.dumps({"file": name, "lines": counter.count_lines(text),\n'
         '                              "words": counter.count_words(text), "chars": counter.count_chars(text),\n'
         '                              "top": counter.top_words(text, args.top)}))\n'
         '            continue\n'
         '        print(f"{name}: {counter.count_lines(text)} lines'),
        ("README.md", "    textstats --top 5 < essay.txt\n",
         "    textstats --top 5 < essay.txt\n    textstats --json --top 3 notes.txt\n")])
    b.commit("fix", BOB, edits=[
        (m, '"top": counter.top_words(text, args.top)}))', '"top": counter.top_words(text, args.top)}, ensure_ascii=False))')])
    return b


# ------------------------------------------------------------------------------------- csvkit-lite

CAROL = Person("Carol Nguyen", "carol@example.com", -480)
JOSE = Person("José Núñez", "jose.nunez@example.es", 120)
DAVE = Person("Dave Kim", "dave.kim@example.io", 540)

CK_README = """# csvkit-lite

A small, dependency-free helper for reading delimited text files and INI-style
configuration. Only the standard library is used.
"""

CK_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "csvkit-lite"
version = "0.1.0.dev0"
description = "Read delimited text and INI configuration with the standard library only."
readme = "README.md"
license = { text = "Apache-2.0" }
requires-python = ">=3.9"
"""

CK_INIT = '''"""Read delimited text and INI configuration with the standard library only."""

__version__ = "0.1.0.dev0"
'''

CK_ROWS = '''"""Parse delimited text into dicts, with light type coercion."""
from __future__ import annotations


def parse_rows(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    """Rows of `text` as dicts keyed by the header line."""
    lines = text.splitlines()
    header = [name.strip() for name in lines[0].split(delimiter)]
    rows = []
    for line in lines[1:]:
        values = line.split(delimiter)
        rows.append(dict(zip(header, values)))
    return rows


def coerce(value: str) -> object:
    """int, float, bool or None when the text looks like one; the text itself otherwise."""
    v = value.strip()
    if v == "":
        return None
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    if v.isdigit():
        return int(v)
    try:
        return float(v)
    except ValueError:
        return v
'''

CK_TEST_ROWS = r'''from csvkit_lite.rows import coerce, parse_rows


def test_parse_rows():
    assert parse_rows("a,b\n1,2\n") == [{"a": "1", "b": "2"}]


def test_coerce():
    assert coerce("42") == 42
    assert coerce("4.5") == 4.5
    assert coerce("true") is True
    assert coerce("") is None
'''

CK_CONFIG = '''"""Settings from an INI file, overridden by CSVLITE_* environment variables."""
from __future__ import annotations

import configparser
import os
from typing import Mapping

DEFAULTS = {"delimiter": ",", "encoding": "utf-8", "skip_blank": "true"}


def load_config(path: str | None = None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """DEFAULTS, then the [csvlite] section of `path`, then the environment."""
    settings = dict(DEFAULTS)
    if path:
        parser = configparser.ConfigParser()
        parser.read(path)
        settings.update(parser["csvlite"])
    env = os.environ if env is None else env
    for key in settings:
        value = env.get("CSVLITE_" + key.upper())
        if value:
            settings[key] = value
    return settings


def get_bool(settings: Mapping[str, str], key: str) -> bool:
    return settings[key].lower() in ("1", "true", "yes")
'''

CK_CLI = r'''#!/usr/bin/env python3
"""csvlite: print a delimited file as aligned columns."""
from __future__ import annotations

import argparse
import sys

from csvkit_lite.config import load_config
from csvkit_lite.rows import parse_rows


def format_table(rows: list[dict[str, str]]) -> str:
    header = list(rows[0])
    widths = [max(len(h), *(len(r.get(h, "")) for r in rows)) for h in header]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    for row in rows:
        lines.append("  ".join(row.get(h, "").ljust(w) for h, w in zip(header, widths)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csvlite", description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--config", help="INI file with a [csvlite] section")
    parser.add_argument("--delimiter")
    args = parser.parse_args(argv)
    settings = load_config(args.config)
    delimiter = args.delimiter or settings["delimiter"]
    with open(args.file, encoding=settings["encoding"]) as fh:
        rows = parse_rows(fh.read(), delimiter)
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

CK_WRAPPER = """#!/bin/sh
exec python3 -m csvkit_lite.cli "$@"
"""

CK_CONVERT = '''"""Convert a semicolon-separated export (as Excel writes it in many locales) to commas."""
import sys

from csvkit_lite.rows import parse_rows

with open(sys.argv[1], encoding="utf-8-sig") as fh:
    rows = parse_rows(fh.read(), delimiter=";")

for row in rows:
    print(",".join(row.values()))
'''

CK_TEST_CONFIG = '''from csvkit_lite.config import get_bool, load_config


def test_environment_overrides_defaults():
    assert load_config(env={"CSVLITE_DELIMITER": ";"})["delimiter"] == ";"


def test_get_bool_accepts_on():
    assert get_bool({"skip_blank": " On "}, "skip_blank")
'''


def build_csvkit_lite(path: Path) -> HistoryBuilder:
    """carol/csvkit-lite: Apache-2.0, main + release/0.1, a merged feature branch, tags, a pull ref."""
    b = HistoryBuilder(path, start=1_633_510_800)  # 2021-10-06
    rows, cfg, cli = "csvkit_lite/rows.py", "csvkit_lite/config.py", "csvkit_lite/cli.py"
    feature, release = "refs/heads/feature/sniff-delimiter", "refs/heads/release/0.1"

    b.commit("Initial commit", CAROL, put={
        "README.md": text(CK_README), "LICENSE": text(APACHE_LICENSE), ".gitignore": text(GITIGNORE),
        "pyproject.toml": text(CK_PYPROJECT)})
    b.commit("Add parse_rows and coerce", CAROL, put={
        "csvkit_lite/__init__.py": text(CK_INIT), rows: text(CK_ROWS), "tests/test_rows.py": text(CK_TEST_ROWS)})
    b.commit("Handle empty input in parse_rows\n\n"
             "parse_rows(\"\") raised IndexError on lines[0]; an empty file simply has\n"
             "no rows.", CAROL, edits=[
                 (rows, "    lines = text.splitlines()\n    header",
                  "    lines = text.splitlines()\n    if not lines:\n        return []\n    header")])
    b.commit("Add config loader", CAROL, put={cfg: text(CK_CONFIG)})
    b.commit("Add csvlite command", CAROL, put={
        cli: text(CK_CLI, EXECUTABLE), "bin/csvlite": text(CK_WRAPPER, EXECUTABLE)})
    b.commit("Do not fail when the config file has no [csvlite] section\n\n"
             "A config file shared with other tools and holding only their sections\n"
             "raised KeyError.", CAROL, edits=[
                 (cfg, '        settings.update(parser["csvlite"])\n',
                  '        if parser.has_section("csvlite"):\n'
                  '            settings.update(parser["csvlite"])\n')])
    b.commit("tweak", CAROL, edits=[
        (rows, "        values = line.split(delimiter)\n",
         "        values = [v.strip() for v in line.split(delimiter)]\n")])
    released = b.commit("Release 0.1.0", CAROL, edits=[
        ("csvkit_lite/__init__.py", '"0.1.0.dev0"', '"0.1.0"'), ("pyproject.toml", '"0.1.0.dev0"', '"0.1.0"')])
    b.tag("v0.1.0", released, "csvkit-lite 0.1.0\n", CAROL)
    b.branch(release, released)

    negative_message = ("Parse negative integers in coerce as int, not float\n\n"
                        "str.isdigit() is false for \"-3\", so negative numbers fell through to\n"
                        "float() and came back as -3.0.\n")
    negative_edits = [
        (rows, "from __future__ import annotations\n",
         'from __future__ import annotations\n\nimport re\n\n_INT_RE = re.compile(r"[+-]?\\d+")\n'),
        (rows, "    if v.isdigit():\n", "    if _INT_RE.fullmatch(v):\n")]
    negative = b.commit(negative_message, CAROL, edits=negative_edits)
    b.commit(negative_message + f"\n(cherry picked from commit {negative})\n", CAROL, ref=release,
             edits=negative_edits, author_time=b.repo[negative].author.time)
    b.commit("Replace bin/csvlite wrapper script with a symlink to the cli", CAROL,
             put={"bin/csvlite": symlink("csvkit_lite/cli.py")})
    fixed_link = b.commit("Fix bin/csvlite symlink target\n\n"
                          "Symlink targets are relative to the link's own directory.", CAROL,
                          put={"bin/csvlite": symlink("../csvkit_lite/cli.py")})

    b.branch(feature, fixed_link)
    b.commit("Add sniff_delimiter to guess the delimiter from a sample", JOSE, ref=feature, edits=[
        (rows, "    except ValueError:\n        return v\n",
         "    except ValueError:\n        return v\n\n\n"
         'def sniff_delimiter(sample: str, candidates: str = ",;\\t|") -> str:\n'
         '    """The candidate that occurs most often in the first line of `sample`."""\n'
         "    first = sample.splitlines()[0]\n"
         "    return max(candidates, key=first.count)\n")])
    b.commit("Read the config file as UTF-8\n\n"
             "ConfigParser.read() uses the locale's encoding, which broke non-ASCII\n"
             "delimiters such as '¦' on Windows.", CAROL, edits=[
                 (cfg, "        parser.read(path)\n", '        parser.read(path, encoding="utf-8")\n')])
    b.commit("Guess the delimiter in csvlite when --delimiter is not given", JOSE, ref=feature, edits=[
        (cli, "from csvkit_lite.rows import parse_rows\n", "from csvkit_lite.rows import parse_rows, sniff_delimiter\n"),
        (cli, '    delimiter = args.delimiter or settings["delimiter"]\n'
              '    with open(args.file, encoding=settings["encoding"]) as fh:\n'
              '        rows = parse_rows(fh.read(), delimiter)\n',
         '    with open(args.file, encoding=settings["encoding"]) as fh:\n'
         '        text = fh.read()\n'
         '    delimiter = args.delimiter or sniff_delimiter(text[:4096])\n'
         '    rows = parse_rows(text, delimiter)\n')])
    b.commit("Add example that converts semicolon exports", CAROL, put={"examples/convert.py": utf16(CK_CONVERT)})
    b.commit("Handle an empty sample in sniff_delimiter", JOSE, ref=feature, edits=[
        (rows, "    first = sample.splitlines()[0]\n    return max(candidates, key=first.count)\n",
         "    lines = sample.splitlines()\n    if not lines:\n        return candidates[0]\n"
         "    return max(candidates, key=lines[0].count)\n")])
    b.commit("Write the header row in the convert example", CAROL, edits=[
        ("examples/convert.py", "\nfor row in rows:\n", "\nif rows:\n    print(\",\".join(rows[0]))\nfor row in rows:\n")])
    b.merge("refs/heads/main", feature, "Merge branch 'feature/sniff-delimiter'", CAROL)
    b.delete_ref(feature)

    b.commit("Use the csv module so quoted fields can contain the delimiter\n\n"
             "'\"Smith, Jane\",42' was split into three fields. csv.reader handles\n"
             "quoting and quoted newlines.", CAROL, edits=[
                 (rows, "import re\n", "import csv\nimport io\nimport re\n"),
                 (rows, "    lines = text.splitlines()\n"
                        "    if not lines:\n"
                        "        return []\n"
                        "    header = [name.strip() for name in lines[0].split(delimiter)]\n"
                        "    rows = []\n"
                        "    for line in lines[1:]:\n"
                        "        values = [v.strip() for v in line.split(delimiter)]\n"
                        "        rows.append(dict(zip(header, values)))\n"
                        "    return rows\n",
                  "    reader = csv.reader(io.StringIO(text), delimiter=delimiter)\n"
                  "    header = next(reader, None)\n"
                  "    if header is None:\n"
                  "        return []\n"
                  "    header = [name.strip() for name in header]\n"
                  "    return [dict(zip(header, (v.strip() for v in values))) for values in reader if values]\n")])
    b.commit("wip", CAROL, edits=[
        (cfg, '    return settings[key].lower() in ("1", "true", "yes")\n',
         '    return settings[key].lower() in ("1", "true", "yes")\n\n\n'
         "def get_int(settings: Mapping[str, str], key: str, default: int = 0) -> int:\n"
         "    value = settings.get(key)\n"
         "    return int(value) if value else default\n")])
    b.commit("Accept 'on' and surrounding whitespace in boolean settings", JOSE, edits=[
        (cfg, '    return settings[key].lower() in ("1", "true", "yes")\n',
         '    return settings[key].strip().lower() in ("1", "true", "yes", "on")\n')])
    b.commit("Handle a file with only a header row in format_table\n\n"
             "format_table indexed rows[0] and raised IndexError.", CAROL, edits=[
                 (cli, "    header = list(rows[0])\n", '    if not rows:\n        return ""\n    header = list(rows[0])\n')])
    patch = b.commit("Release 0.1.1", CAROL, ref=release, edits=[
        ("csvkit_lite/__init__.py", '"0.1.0"', '"0.1.1"'), ("pyproject.toml", '"0.1.0"', '"0.1.1"')])
    b.tag("v0.1.1", patch, "csvkit-lite 0.1.1\n", CAROL)
    b.commit("Add usage to README", CAROL, edits=[
        ("README.md", "configuration. Only the standard library is used.\n",
         "configuration. Only the standard library is used.\n\n## Usage\n\n"
         "    csvlite data.csv\n    csvlite --delimiter ';' export.csv\n"
         "    CSVLITE_ENCODING=latin-1 csvlite old.csv\n")])
    b.commit("Add tests for sniff_delimiter and config loading", JOSE, put={
        "tests/test_config.py": text(CK_TEST_CONFIG)}, edits=[
            ("tests/test_rows.py", "from csvkit_lite.rows import coerce, parse_rows\n",
             "from csvkit_lite.rows import coerce, parse_rows, sniff_delimiter\n"),
            ("tests/test_rows.py", '    assert coerce("") is None\n',
             '    assert coerce("") is None\n\n\n'
             "def test_sniff_delimiter():\n"
             '    assert sniff_delimiter("a;b;c\\n1;2;3\\n") == ";"\n'
             '    assert sniff_delimiter("") == ","\n')])
    tip = b.commit("Remove the convert example; csvlite --delimiter covers it", CAROL,
                   remove=["examples/convert.py"])
    b.commit("Keep 'nan' and 'inf' as text in coerce", DAVE, ref="refs/pull/12/head", on=tip, edits=[
        (rows, "import io\nimport re\n", "import io\nimport math\nimport re\n"),
        (rows, "    try:\n        return float(v)\n    except ValueError:\n        return v\n",
         "    try:\n        number = float(v)\n    except ValueError:\n        return v\n"
         "    return number if math.isfinite(number) else v\n")])
    return b


# ------------------------------------------------------------------------------------------ bundles

BUNDLES: list[tuple[str, str, Callable[[Path], HistoryBuilder]]] = [
    ("alice", "textstats", build_textstats),
    ("bob", "textstats", build_textstats_fork),
    ("carol", "csvkit-lite", build_csvkit_lite),
]


def write_bundle(repo_path: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "-c", "pack.threads=1", "bundle", "create", "--quiet", str(out), "--all"],
                   cwd=repo_path, check=True, capture_output=True)


def build_all(out_dir: Path = BUNDLE_DIR) -> list[Path]:
    """Rebuild every bundle from scratch; the output folder is replaced as a whole."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written = []
    with tempfile.TemporaryDirectory(prefix="repairpack-samples-") as tmp:
        for owner, name, build in BUNDLES:
            repo_path = Path(tmp) / owner / f"{name}.git"
            build(repo_path)
            out = out_dir / owner / f"{name}.bundle"
            write_bundle(repo_path, out)
            written.append(out)
    return written


# ----------------------------------------------------------------------------- expected outcomes

COMMIT_REASONS = ["root_commit", "merge_commit", "no_change", "rename", "multi_file", "added_file",
                  "deleted_file", "type_change", "symlink", "mode_change_only", "not_python"]
CONTENTS_REASONS = ["binary_content", "not_utf8"]


def mine_bundle(bundle: Path, refs: str = "branches",
                include_pull_refs: bool = False) -> list[tuple[int, str, str, str]]:
    """(commit time, sha, subject, outcome) per listed commit, mined the way the pipeline does."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from beam_jobs.sources.git import history as gh

    rows = []
    with gh.RepoHandle(str(bundle)) as handle:
        repo = handle.repo
        for sha in gh.iter_commit_shas(repo, gh.select_refs(repo, refs, include_pull_refs)):
            commit = repo[sha]
            result = gh.classify(repo, commit)
            if isinstance(result, str):
                outcome = result
            else:
                try:
                    gh.read_blob_text(repo, result.old_blob, "old")
                    gh.read_blob_text(repo, result.new_blob, "new")
                    outcome = "mined"
                except gh.ContentError as exc:
                    outcome = exc.reason
            subject = gh.decode_message(commit).split("\n", 1)[0].strip()
            if outcome == "mined" and subject in POOR_MESSAGES:
                outcome = "mined (poor message)"
            rows.append((commit.commit_time, sha, subject, outcome))
    return sorted(rows)


MINED = ("mined", "mined (poor message)")
# (git.refs, git.include_pull_refs) selections shown besides the default ("branches", False).
OTHER_SELECTIONS = [("head", False), ("refs/*", False), ("refs/*", True)]


def _count(outcomes: Iterable[str], *wanted: str) -> int:
    return sum(1 for o in outcomes if o in wanted)


def counts_markdown(bundles: list[Path]) -> str:
    """The README tables: outcome counts per bundle and over distinct shas, then every commit."""
    names = [f"{p.parent.name}/{p.stem}" for p in bundles]
    mined = {name: mine_bundle(p) for name, p in zip(names, bundles)}
    merged = {sha: outcome for rows in mined.values() for _, sha, _, outcome in rows}
    columns = [[o for *_, o in mined[n]] for n in names] + [list(merged.values())]

    out = ["| outcome (stage) | " + " | ".join(names) + " | all bundles, distinct shas |",
           "|---|" + "---:|" * (len(names) + 1)]
    out.append("| **commits listed** | " + " | ".join(str(len(c)) for c in columns) + " |")
    for reason in COMMIT_REASONS:
        out.append(f"| `{reason}` (git.commit) | " + " | ".join(str(_count(c, reason)) for c in columns) + " |")
    out.append("| *candidates (kept by git.commit)* | "
               + " | ".join(str(_count(c, *MINED, *CONTENTS_REASONS)) for c in columns) + " |")
    for reason in CONTENTS_REASONS:
        out.append(f"| `{reason}` (git.contents) | " + " | ".join(str(_count(c, reason)) for c in columns) + " |")
    out.append("| **records mined** | " + " | ".join(str(_count(c, *MINED)) for c in columns) + " |")
    out.append("| of which poor messages | "
               + " | ".join(str(_count(c, "mined (poor message)")) for c in columns) + " |")

    out += ["", "| git.refs, include_pull_refs | " + " | ".join(names) + " | all, distinct |",
            "|---|" + "---:|" * (len(names) + 1)]
    selections: dict[tuple[str, bool], dict[str, list[tuple[int, str, str, str]]]] = {("branches", False): mined}
    for refs, pulls in OTHER_SELECTIONS:
        selections[(refs, pulls)] = {n: mine_bundle(p, refs, pulls) for n, p in zip(names, bundles)}
    for (refs, pulls), per_bundle in selections.items():
        distinct = {sha: o for rows in per_bundle.values() for _, sha, _, o in rows}
        cells = [f"{len(rows)} / {_count([o for *_, o in rows], *MINED)}" for rows in per_bundle.values()]
        cells.append(f"{len(distinct)} / {_count(distinct.values(), *MINED)}")
        out.append(f"| `{refs}`, {str(pulls).lower()} | " + " | ".join(cells) + " |")

    widest = selections[("refs/*", True)]
    on_head = {n: {sha for _, sha, _, _ in rows} for n, rows in selections[("head", False)].items()}
    for name in names:
        out += ["", f"#### {name}", "", "| # | commit | subject | outcome |", "|---:|---|---|---|"]
        shared = {sha for other in names[:names.index(name)] for _, sha, _, _ in widest[other]}
        listed = {sha for _, sha, _, _ in mined[name]}
        for i, (_, sha, subject, outcome) in enumerate(widest[name], 1):
            if sha in shared:
                continue
            notes = []
            if sha not in listed:
                notes.append("not on a branch: listed only with refs/* and include_pull_refs")
            elif sha not in on_head[name]:
                notes.append("not reachable from HEAD")
            note = f" ({'; '.join(notes)})" if notes else ""
            cell = subject.replace("|", r"\|")
            out.append(f"| {i} | `{sha[:10]}` | {cell} | {outcome}{note} |")
        repeated = len(shared & {sha for _, sha, _, _ in widest[name]})
        if repeated:
            out.append(f"\nCommits 1-{repeated} are not repeated: they are the ones listed above for an "
                       "earlier bundle.")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", action="store_true",
                        help="mine the bundles with beam_jobs.sources.git.history and print the README tables")
    args = parser.parse_args(argv)
    written = build_all()
    for path in written:
        print(f"{path.relative_to(PROJECT_ROOT)}  {path.stat().st_size} bytes")
    if args.counts:
        print()
        print(counts_markdown(written))
    return 0


# -------------------------------------------------------------------------------- license texts

MIT_LICENSE = """MIT License

Copyright (c) 2021 Alice Martin

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

APACHE_LICENSE = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.

      "Licensor" shall mean the copyright owner or entity authorized by
      the copyright owner that is granting the License.

      "Legal Entity" shall mean the union of the acting entity and all
      other entities that control, are controlled by, or are under common
      control with that entity. For the purposes of this definition,
      "control" means (i) the power, direct or indirect, to cause the
      direction or management of such entity, whether by contract or
      otherwise, or (ii) ownership of fifty percent (50%) or more of the
      outstanding shares, or (iii) beneficial ownership of such entity.

      "You" (or "Your") shall mean an individual or Legal Entity
      exercising permissions granted by this License.

      "Source" form shall mean the preferred form for making modifications,
      including but not limited to software source code, documentation
      source, and configuration files.

      "Object" form shall mean any form resulting from mechanical
      transformation or translation of a Source form, including but
      not limited to compiled object code, generated documentation,
      and conversions to other media types.

      "Work" shall mean the work of authorship, whether in Source or
      Object form, made available under the License, as indicated by a
      copyright notice that is included in or attached to the work
      (an example is provided in the Appendix below).

      "Derivative Works" shall mean any work, whether in Source or Object
      form, that is based on (or derived from) the Work and for which the
      editorial revisions, annotations, elaborations, or other modifications
      represent, as a whole, an original work of authorship. For the purposes
      of this License, Derivative Works shall not include works that remain
      separable from, or merely link (or bind by name) to the interfaces of,
      the Work and Derivative Works thereof.

      "Contribution" shall mean any work of authorship, including
      the original version of the Work and any modifications or additions
      to that Work or Derivative Works thereof, that is intentionally
      submitted to Licensor for inclusion in the Work by the copyright owner
      or by an individual or Legal Entity authorized to submit on behalf of
      the copyright owner. For the purposes of this definition, "submitted"
      means any form of electronic, verbal, or written communication sent
      to the Licensor or its representatives, including but not limited to
      communication on electronic mailing lists, source code control systems,
      and issue tracking systems that are managed by, or on behalf of, the
      Licensor for the purpose of discussing and improving the Work, but
      excluding communication that is conspicuously marked or otherwise
      designated in writing by the copyright owner as "Not a Contribution."

      "Contributor" shall mean Licensor and any individual or Legal Entity
      on behalf of whom a Contribution has been received by Licensor and
      subsequently incorporated within the Work.

   2. Grant of Copyright License. Subject to the terms and conditions of
      this License, each Contributor hereby grants to You a perpetual,
      worldwide, non-exclusive, no-charge, royalty-free, irrevocable
      copyright license to reproduce, prepare Derivative Works of,
      publicly display, publicly perform, sublicense, and distribute the
      Work and such Derivative Works in Source or Object form.

   3. Grant of Patent License. Subject to the terms and conditions of
      this License, each Contributor hereby grants to You a perpetual,
      worldwide, non-exclusive, no-charge, royalty-free, irrevocable
      (except as stated in this section) patent license to make, have made,
      use, offer to sell, sell, import, and otherwise transfer the Work,
      where such license applies only to those patent claims licensable
      by such Contributor that are necessarily infringed by their
      Contribution(s) alone or by combination of their Contribution(s)
      with the Work to which such Contribution(s) was submitted. If You
      institute patent litigation against any entity (including a
      cross-claim or counterclaim in a lawsuit) alleging that the Work
      or a Contribution incorporated within the Work constitutes direct
      or contributory patent infringement, then any patent licenses
      granted to You under this License for that Work shall terminate
      as of the date such litigation is filed.

   4. Redistribution. You may reproduce and distribute copies of the
      Work or Derivative Works thereof in any medium, with or without
      modifications, and in Source or Object form, provided that You
      meet the following conditions:

      (a) You must give any other recipients of the Work or
          Derivative Works a copy of this License; and

      (b) You must cause any modified files to carry prominent notices
          stating that You changed the files; and

      (c) You must retain, in the Source form of any Derivative Works
          that You distribute, all copyright, patent, trademark, and
          attribution notices from the Source form of the Work,
          excluding those notices that do not pertain to any part of
          the Derivative Works; and

      (d) If the Work includes a "NOTICE" text file as part of its
          distribution, then any Derivative Works that You distribute must
          include a readable copy of the attribution notices contained
          within such NOTICE file, excluding those notices that do not
          pertain to any part of the Derivative Works, in at least one
          of the following places: within a NOTICE text file distributed
          as part of the Derivative Works; within the Source form or
          documentation, if provided along with the Derivative Works; or,
          within a display generated by the Derivative Works, if and
          wherever such third-party notices normally appear. The contents
          of the NOTICE file are for informational purposes only and
          do not modify the License. You may add Your own attribution
          notices within Derivative Works that You distribute, alongside
          or as an addendum to the NOTICE text from the Work, provided
          that such additional attribution notices cannot be construed
          as modifying the License.

      You may add Your own copyright statement to Your modifications and
      may provide additional or different license terms and conditions
      for use, reproduction, or distribution of Your modifications, or
      for any such Derivative Works as a whole, provided Your use,
      reproduction, and distribution of the Work otherwise complies with
      the conditions stated in this License.

   5. Submission of Contributions. Unless You explicitly state otherwise,
      any Contribution intentionally submitted for inclusion in the Work
      by You to the Licensor shall be under the terms and conditions of
      this License, without any additional terms or conditions.
      Notwithstanding the above, nothing herein shall supersede or modify
      the terms of any separate license agreement you may have executed
      with Licensor regarding such Contributions.

   6. Trademarks. This License does not grant permission to use the trade
      names, trademarks, service marks, or product names of the Licensor,
      except as required for reasonable and customary use in describing the
      origin of the Work and reproducing the content of the NOTICE file.

   7. Disclaimer of Warranty. Unless required by applicable law or
      agreed to in writing, Licensor provides the Work (and each
      Contributor provides its Contributions) on an "AS IS" BASIS,
      WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or
      implied, including, without limitation, any warranties or conditions
      of TITLE, NON-INFRINGEMENT, MERCHANTABILITY, or FITNESS FOR A
      PARTICULAR PURPOSE. You are solely responsible for determining the
      appropriateness of using or redistributing the Work and assume any
      risks associated with Your exercise of permissions under this License.

   8. Limitation of Liability. In no event and under no legal theory,
      whether in tort (including negligence), contract, or otherwise,
      unless required by applicable law (such as deliberate and grossly
      negligent acts) or agreed to in writing, shall any Contributor be
      liable to You for damages, including any direct, indirect, special,
      incidental, or consequential damages of any character arising as a
      result of this License or out of the use or inability to use the
      Work (including but not limited to damages for loss of goodwill,
      work stoppage, computer failure or malfunction, or any and all
      other commercial damages or losses), even if such Contributor
      has been advised of the possibility of such damages.

   9. Accepting Warranty or Additional Liability. While redistributing
      the Work or Derivative Works thereof, You may choose to offer,
      and charge a fee for, acceptance of support, warranty, indemnity,
      or other liability obligations and/or rights consistent with this
      License. However, in accepting such obligations, You may act only
      on Your own behalf and on Your sole responsibility, not on behalf
      of any other Contributor, and only if You agree to indemnify,
      defend, and hold each Contributor harmless for any liability
      incurred by, or claims asserted against, such Contributor by reason
      of your accepting any such warranty or additional liability.

   END OF TERMS AND CONDITIONS

   APPENDIX: How to apply the Apache License to your work.

      To apply the Apache License to your work, attach the following
      boilerplate notice, with the fields enclosed by brackets "[]"
      replaced with your own identifying information. (Don't include
      the brackets!)  The text should be enclosed in the appropriate
      comment syntax for the file format. We also recommend that a
      file or class name and description of purpose be included on the
      same "printed page" as the copyright notice for easier
      identification within third-party archives.

   Copyright [yyyy] [name of copyright owner]

   Licensed under the Apache License, Version 2.0 (the "License");
   you may not use this file except in compliance with the License.
   You may obtain a copy of the License at

       http://www.apache.org/licenses/LICENSE-2.0

   Unless required by applicable law or agreed to in writing, software
   distributed under the License is distributed on an "AS IS" BASIS,
   WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
   See the License for the specific language governing permissions and
   limitations under the License.
"""


if __name__ == "__main__":
    sys.exit(main())
