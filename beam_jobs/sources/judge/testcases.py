"""A problem's tests, from whichever source has them: a tests folder, the JSONL's inline tests, or the
samples of the problem statement. The verifier calls `problem_tests` once per problem.

Beam-free and pure (the folder is read through `testfiles.py`): the CLI uses these before Beam is
imported, and the tests run them on real files without a pipeline.

Precedence, by presence and not by success (`problem_tests`):
1. `folder`: `DIR/<problem_id>` exists in the tests folder (`testfiles.py` gives its layouts). The
   judge's full tests; a broken folder gives its rejects, never a silent fall back to the samples,
   which would let a program that passes two samples count as passing the problem.
2. `inline`: the JSONL rows carried a `tests` list for the problem (even an empty one).
3. `statement`: the problem statement's HTML was given.
4. `none`: no source; one `no_tests` reject.

Inline tests (the generic JSONL's optional `tests` field, `TESTS_FIELD`): a list of objects
`{"input": str, "output": str}`, the problem's tests in the order given, named `inline_1`,
`inline_2`, ... A row of the list that is not an object or whose field is not text is `bad_test`; a
missing field is `missing_input` / `missing_output`; a NUL or a lone surrogate is `undecodable_test`.
Their text is kept as given, CRLF converted to LF.

Statement samples: `Sample Input N` / `Sample Output N` headings (`<h1>`..`<h6>`), each followed by a
`<pre>` block, as AtCoder and Aizu pages have them; also `入力例 N` / `出力例 N` (AtCoder pages carry
both languages: one case per number, the English block preferred, the Japanese one filling a number
the English part lacks) and Aizu's ICPC-style `Output for the Sample Input N`. A heading without a
number is numbered by its order. Input format blocks (`<h3>Input</h3><pre><var>N</var>`) are not
samples and are never taken. Parsed with the standard library's `html.parser`, which is lenient about
the unclosed tags real pages have: tags inside a block (`<var>`, `<span>`) are dropped and their text
kept, entities are unescaped, and the block's whitespace is kept exactly except for line ends (CRLF
or CR to LF, as HTML reads them), the one line break right after `<pre>` (HTML drops it: Aizu writes
`<pre>\\n3\\n</pre>`, AtCoder `<pre>3\\n</pre>`, the same text) and the end: a non-empty block gets
exactly one trailing newline. An input without its output, or the reverse, or a heading with no
`<pre>` before the next heading, is `missing_output` / `missing_input`. Cases are named `sample_N`.

Counting: one unit per test (a sample number, an element of the inline list, a test of the folder),
each kept or rejected, and a source with no unit at all counts as one `no_tests`; so a `TestSet`
always has `seen == len(cases) + len(rejects)` and in = kept + rejected holds per problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, ClassVar

from beam_jobs.sources.judge.testfiles import (BAD_TEST, DEFAULT_MAX_TEST_BYTES, MISSING_INPUT, MISSING_OUTPUT,
                                               NO_TESTS, PATH_ESCAPE, SPECIAL_FILE, TEST_REASONS, TEST_TOO_LARGE,
                                               UNDECODABLE_TEST, UNREADABLE_TEST, FolderTests, TestCase, TestReject,
                                               has_folder_tests, iter_folder_tests, natural_key, read_folder_tests,
                                               to_lf)

# Callers import from here; `testfiles` is how the folder part is kept.
__all__ = [
    "BAD_TEST", "DEFAULT_MAX_TEST_BYTES", "MISSING_INPUT", "MISSING_OUTPUT", "NO_TESTS", "ORIGINS", "ORIGIN_FOLDER",
    "ORIGIN_INLINE", "ORIGIN_NONE", "ORIGIN_STATEMENT", "PATH_ESCAPE", "SPECIAL_FILE", "TESTS_FIELD",
    "TEST_REASONS", "TEST_TOO_LARGE", "UNDECODABLE_TEST", "UNREADABLE_TEST", "FolderTests", "TestCase",
    "TestReject", "TestSet", "has_folder_tests", "inline_tests", "iter_folder_tests", "natural_key", "pre_text",
    "problem_tests", "read_folder_tests", "sample_heading", "statement_samples",
]

ORIGIN_FOLDER = "folder"
ORIGIN_INLINE = "inline"
ORIGIN_STATEMENT = "statement"
ORIGIN_NONE = "none"
ORIGINS = (ORIGIN_FOLDER, ORIGIN_INLINE, ORIGIN_STATEMENT, ORIGIN_NONE)
TESTS_FIELD = "tests"


@dataclass(frozen=True)
class TestSet:
    """A problem's tests and where they came from; `rejects` are the units that could not be used."""
    __test__: ClassVar[bool] = False  # not a pytest class
    problem_id: str
    origin: str
    cases: tuple[TestCase, ...]
    rejects: tuple[TestReject, ...]

    @property
    def seen(self) -> int:
        return len(self.cases) + len(self.rejects)


def _too_large(text: str, max_bytes: int) -> int | None:
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    return size if size > max_bytes else None


# --------------------------------------------------------------------------------------- inline

def inline_tests(problem_id: str, value: Any, max_bytes: int = DEFAULT_MAX_TEST_BYTES
                 ) -> tuple[list[TestCase], list[TestReject]]:
    """The JSONL's `tests` value (already parsed JSON) as cases and rejects, one per element; a
    value that is not a list is one `bad_test`. An empty list gives neither (`problem_tests` turns
    that into `no_tests`)."""
    if not isinstance(value, list):
        return [], [TestReject(BAD_TEST, problem_id, TESTS_FIELD,
                               f"{TESTS_FIELD} is {type(value).__name__}, not a list")]
    cases: list[TestCase] = []
    rejects: list[TestReject] = []
    for index, element in enumerate(value, 1):
        got = _inline_case(problem_id, f"inline_{index}", element, max_bytes)
        (cases if isinstance(got, TestCase) else rejects).append(got)  # type: ignore[arg-type]
    return cases, rejects


def _inline_case(problem_id: str, name: str, element: Any, max_bytes: int) -> TestCase | TestReject:
    where = f"{TESTS_FIELD}[{name.rsplit('_', 1)[1]}]"
    if not isinstance(element, dict):
        return TestReject(BAD_TEST, problem_id, name, f"{where} is {type(element).__name__}, not an object")
    texts: list[str] = []
    for field, missing in (("input", MISSING_INPUT), ("output", MISSING_OUTPUT)):
        if field not in element:
            return TestReject(missing, problem_id, name, f"{where} has no {field}")
        text = element[field]
        if not isinstance(text, str):
            return TestReject(BAD_TEST, problem_id, name, f"{where}.{field} is {type(text).__name__}, not text")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return TestReject(UNDECODABLE_TEST, problem_id, name, f"{where}.{field} holds a lone surrogate")
        if "\0" in text:
            return TestReject(UNDECODABLE_TEST, problem_id, name, f"{where}.{field} holds a NUL byte")
        size = _too_large(text, max_bytes)
        if size is not None:
            return TestReject(TEST_TOO_LARGE, problem_id, name, f"{where}.{field}: {size} bytes, over the cap "
                                                                f"of {max_bytes}")
        texts.append(to_lf(text))
    return TestCase(name, texts[0], texts[1])


# ------------------------------------------------------------------------------------ statement

IN, OUT = "input", "output"
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NUMBER = r"\s*(\d+)?(?:\s+(?:copy|コピー))?"
# (language, kind, pattern) on the heading's text, casefolded and with its whitespace collapsed.
_SAMPLE_HEADINGS = (
    ("en", IN, re.compile(rf"sample\s*input{_NUMBER}")),
    ("en", OUT, re.compile(rf"(?:sample\s*output|output\s+for\s+(?:the\s+)?sample\s+input){_NUMBER}")),
    ("ja", IN, re.compile(rf"入力例{_NUMBER}")),
    ("ja", OUT, re.compile(rf"出力例{_NUMBER}")),
)
# Details name the English heading whichever language the page used, so rejects read the same.
_TITLES = {IN: "Sample Input", OUT: "Sample Output"}


def sample_heading(text: str) -> tuple[str, str, int | None] | None:
    """(language, "input" or "output", number or None) for a sample heading's text, else None."""
    folded = " ".join(text.split()).casefold()
    for lang, kind, pattern in _SAMPLE_HEADINGS:
        match = pattern.fullmatch(folded)
        if match:
            return lang, kind, int(match.group(1)) if match.group(1) else None
    return None


class _SampleParser(HTMLParser):
    """Collects the `<pre>` block after each sample heading: `blocks[(lang, kind, n)]` is its raw
    text, or None for a heading whose block never came (another heading, or the end, came first)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: dict[tuple[str, str, int], str | None] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._heading: list[str] | None = None
        self._armed: tuple[str, str, int] | None = None
        self._pre: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS and self._pre is None:
            self._armed = None
            self._heading = []
        elif tag == "pre" and self._armed is not None and self._pre is None:
            self._pre = []
        elif tag == "br" and self._pre is not None:
            self._pre.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and self._heading is not None:
            found = sample_heading("".join(self._heading))
            self._heading = None
            if found is not None:
                lang, kind, number = found
                count = self._counts[lang, kind] = self._counts.get((lang, kind), 0) + 1
                key = (lang, kind, number if number is not None else count)
                if key not in self.blocks:  # a repeated heading: the first one counts
                    self.blocks[key] = None
                    self._armed = key
        elif tag == "pre" and self._pre is not None and self._armed is not None:
            self.blocks[self._armed] = "".join(self._pre)
            self._pre = None
            self._armed = None

    def handle_data(self, data: str) -> None:
        if self._pre is not None:
            self._pre.append(data)
        elif self._heading is not None:
            self._heading.append(data)


def pre_text(raw: str) -> str:
    """A `<pre>` block's text as a test: line ends as HTML reads them, the line break right after
    `<pre>` dropped, and exactly one trailing newline when anything is left."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\n"):
        text = text[1:]
    body = text.rstrip("\n")
    return body + "\n" if body else ""


def statement_samples(problem_id: str, html: str, max_bytes: int = DEFAULT_MAX_TEST_BYTES
                      ) -> tuple[list[TestCase], list[TestReject]]:
    """The sample cases of a problem statement's HTML, one per sample number, in number order, with
    a reject per number that lacks its input or its output. A page without sample headings gives
    neither (`problem_tests` turns that into `no_tests`). Never raises on bad HTML."""
    parser = _SampleParser()
    parser.feed(html)
    parser.close()
    blocks = parser.blocks
    cases: list[TestCase] = []
    rejects: list[TestReject] = []
    for number in sorted({n for _, _, n in blocks}):
        name = f"sample_{number}"
        texts: dict[str, str] = {}
        for kind, reason, other in ((IN, MISSING_INPUT, OUT), (OUT, MISSING_OUTPUT, IN)):
            headed = [blocks[lang, kind, number] for lang in ("en", "ja") if (lang, kind, number) in blocks]
            raw = next((b for b in headed if b is not None), None)
            if raw is None:
                detail = (f"{_TITLES[kind]} {number} has no <pre> block" if headed
                          else f"{_TITLES[other]} {number} has no {_TITLES[kind]} {number}")
                rejects.append(TestReject(reason, problem_id, name, detail))
                break
            text = pre_text(raw)
            size = _too_large(text, max_bytes)
            if size is not None:
                rejects.append(TestReject(TEST_TOO_LARGE, problem_id, name,
                                          f"{_TITLES[kind]} {number}: {size} bytes, over the cap of {max_bytes}"))
                break
            texts[kind] = text
        else:
            cases.append(TestCase(name, texts[IN], texts[OUT]))
    return cases, rejects


# ---------------------------------------------------------------------------------------- merge

def problem_tests(problem_id: str, *, statement_html: str | None = None, tests_dir: str | None = None,
                  inline: Any = None, max_bytes: int = DEFAULT_MAX_TEST_BYTES) -> TestSet:
    """The problem's tests from the first source present, in the module docstring's precedence.

    `inline` is the JSONL's `tests` value as parsed (None when no row carried one). The folder's
    tests are all held in the returned set (at most their count times twice `max_bytes`); a caller
    that wants one test in memory at a time iterates `testfiles.iter_folder_tests` instead, when
    `origin` says the folder is the source (`has_folder_tests`)."""
    if tests_dir is not None and has_folder_tests(tests_dir, problem_id):
        read = read_folder_tests(tests_dir, problem_id, max_bytes)
        return TestSet(problem_id, ORIGIN_FOLDER, read.cases, read.rejects)
    cases: list[TestCase] = []
    rejects: list[TestReject] = []
    if inline is not None:
        origin, empty = ORIGIN_INLINE, f"the inline {TESTS_FIELD} list is empty"
        cases, rejects = inline_tests(problem_id, inline, max_bytes)
    elif statement_html is not None:
        origin, empty = ORIGIN_STATEMENT, "the statement has no Sample Input / Sample Output sections"
        cases, rejects = statement_samples(problem_id, statement_html, max_bytes)
    else:
        origin, empty = ORIGIN_NONE, "no entry in the tests folder, no inline tests and no statement"
    if not cases and not rejects:
        rejects = [TestReject(NO_TESTS, problem_id, "", empty)]
    return TestSet(problem_id, origin, tuple(cases), tuple(rejects))
