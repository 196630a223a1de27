"""alice/textstats and its fork bob/textstats: a text-statistics library and CLI, their files and their
history, commit by commit (see samples/README.md for what each commit is there to show)."""
from __future__ import annotations

import struct
from pathlib import Path

from samples.history import EXECUTABLE, History, Person, binary, latin1, text
from samples.licenses_text import MIT_LICENSE
from samples.png import png
from samples.repos import GITIGNORE, package_init, pyproject

ALICE = Person("Alice Martin", "alice@example.org", 60)
KENJI = Person("Kenji Sato", "kenji.sato@example.jp", 540)
BOB = Person("Bob Okafor", "bob@example.net", -300)

TS_README = """# textstats

Small command-line and library helpers for counting lines, words and characters in plain
text, plus a couple of readability scores.
"""

TS_PYPROJECT = pyproject("textstats", "0.1.0", "Count lines, words and characters; score readability.",
                         "MIT", ">=3.8")

TS_INIT = package_init("Count lines, words and characters; score readability.", "0.1.0")

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



def build_textstats(path: Path) -> History:
    """alice/textstats: MIT, main only, 24 commits."""
    b = History(path, start=1_615_021_440)  # 2021-03-06
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


def build_textstats_fork(path: Path) -> History:
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

