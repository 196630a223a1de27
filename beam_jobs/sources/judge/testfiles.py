"""A problem's tests on disk (`--judge-tests DIR`), and the records every source of tests gives.

Beam-free and pure apart from reading the files: the CLI checks the folder before Beam is imported,
and the verifier, the tests and the benchmarks all read tests through the same functions.

Layouts of `DIR/<problem_id>/`, which may be mixed within one problem:

    <name>.in   with <name>.out       the usual judge layout
    input.txt   with output.txt       Project CodeNet's derived input/output data
    in/<name>   with out/<name>       AtCoder's published test cases (the same file name in both)

Any other entry (a README, a hidden file, a checker) is not a test and is ignored. A test is named by
its input's path inside the problem folder (`01.in`, `in/sample_01.txt`, `input.txt`), which is
unique and what a person looks for on disk; tests come in natural order of that name (`2.in` before
`10.in`), so runs and rejects are the same on every machine.

Why the checks, each a reject with a reason and never an exception (`TestReject`):
- `missing_output`, `missing_input`: half a test cannot say whether a program is right.
- `special_file`: a FIFO, socket, device or folder where a test file belongs is judged from `stat`
  and never opened; opening a FIFO blocks until a writer appears, which would hang the worker.
- `path_escape`: a problem folder or test file whose real path leaves DIR (a symlink out). Its text
  would be fed to untrusted programs and written into the corpus.
- `test_too_large`: a file over the size cap is refused on its size, unread, so memory stays bounded
  by the cap whatever the folder holds; a file that grows after its size was asked is cut at the cap
  plus one byte and refused too.
- `undecodable_test`: not strict UTF-8, or a NUL byte (or a file name that is not UTF-8). Tests are
  text for the verifier and the corpus; guessing an encoding would change the bytes a program sees.
- `unreadable_test`: the system refuses to read it (permissions, a symlink loop, an I/O error), or
  the file opened is not the one checked (replaced in between).
- `no_tests`: a problem folder with no test in it (or no folder when one was asked for).

Every reject names files relative to DIR (`p1/in/03.txt`), never this machine's absolute path, so
rejects are the same wherever the run happens. Kept tests get CRLF line endings converted to LF
(a Windows checkout of the same tests must give the same corpus); every other byte is kept.

Counting: the unit is a test (a name: its pair of files, or the lone file of a half test), not a
file, so that in = kept + rejected holds (a kept test spends two files, a missing half one). Each
unit yields exactly one `TestCase` or `TestReject`; a folder with no test yields one `no_tests`.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import ClassVar, Iterator

from beam_jobs.sources.judge.readers.common import PATH_ESCAPE, SPECIAL_FILE, open_regular, safe_name

MISSING_OUTPUT = "missing_output"
MISSING_INPUT = "missing_input"
UNDECODABLE_TEST = "undecodable_test"
TEST_TOO_LARGE = "test_too_large"
UNREADABLE_TEST = "unreadable_test"
NO_TESTS = "no_tests"
# A malformed inline test (`testcases.inline_tests`): not an object, or a field that is not text.
BAD_TEST = "bad_test"
# PATH_ESCAPE and SPECIAL_FILE are the readers' own, so one reason means one thing in every judge stage.
TEST_REASONS = (MISSING_OUTPUT, MISSING_INPUT, UNDECODABLE_TEST, TEST_TOO_LARGE, SPECIAL_FILE, PATH_ESCAPE,
                UNREADABLE_TEST, NO_TESTS, BAD_TEST)

# Per file. AtCoder's largest published test files are a few MiB; 64 MiB leaves room for any judge
# while keeping one test pair's worth of memory (two files) well under a worker's.
DEFAULT_MAX_TEST_BYTES = 64 << 20

CODENET_INPUT, CODENET_OUTPUT = "input.txt", "output.txt"
ATCODER_INPUTS, ATCODER_OUTPUTS = "in", "out"


@dataclass(frozen=True)
class TestCase:
    """One test: what the program reads on stdin and what it should print."""
    __test__: ClassVar[bool] = False  # not a pytest class, though its name starts with Test
    name: str
    input: str
    output: str


@dataclass(frozen=True)
class TestReject:
    """A test (or a problem's whole set) that cannot be used, and why. `test` names it (`01.in`,
    `sample_2`, `inline_3`; empty for the whole problem); `detail` names files relative to DIR."""
    __test__: ClassVar[bool] = False
    reason: str
    problem_id: str
    test: str = ""
    detail: str = ""


def natural_key(name: str) -> tuple[tuple[object, ...], str]:
    """`2.in` before `10.in`: runs of ASCII digits compare as numbers. Split parts alternate text and
    number, so two keys never compare a number with text; the name itself breaks ties (`01` vs `1`)."""
    parts = re.split(r"([0-9]+)", name)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), name


def to_lf(text: str) -> str:
    """CRLF to LF; a lone CR is content (a program may print it) and stays."""
    return text.replace("\r\n", "\n")


def decode_test(data: bytes) -> str | None:
    """Strict UTF-8 text with no NUL byte, CRLF converted, or None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else to_lf(text)


# ----------------------------------------------------------------------------------------- folder

@dataclass(frozen=True)
class _Unit:
    """One test's files as found by listing, before anything is read: paths relative to DIR."""
    name: str
    input: str | None
    output: str | None


def _inside(root_real: str, real: str) -> bool:
    return real.startswith(root_real.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISREG, "a regular file"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def has_folder_tests(tests_dir: str | None, problem_id: str) -> bool:
    """Whether DIR holds an entry for the problem (of any kind, even a broken link): then the folder
    is the problem's source of tests, and what is wrong with it is a reject, not a fallback."""
    return bool(tests_dir) and safe_name(problem_id) and os.path.lexists(os.path.join(tests_dir, problem_id))


def _folder_problem(root: str, root_real: str, rel: str) -> tuple[str, str] | None:
    """(reason, detail) when `root/rel` is not a folder inside the root, else None."""
    real = os.path.realpath(os.path.join(root, rel))
    if not _inside(root_real, real):
        return PATH_ESCAPE, f"{rel} resolves outside the tests folder"
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        return UNREADABLE_TEST, f"{rel}: {exc.strerror or exc}"
    if not stat.S_ISDIR(mode):
        return SPECIAL_FILE, f"{rel} is {_kind(mode)}, not a folder"
    return None


def _names(root: str, rel: str) -> list[str]:
    """Entry names of a folder, sorted; OSError as os.listdir raises it."""
    return sorted(os.listdir(os.path.join(root, rel)))


def _units(root: str, root_real: str, problem_id: str) -> Iterator[_Unit | TestReject]:
    """The problem's tests found by listing names only; folder-level rejects are units of their own."""
    names = [n for n in _names(root, problem_id) if not n.startswith(".")]
    found: list[_Unit] = []
    stems_in = {n[:-3]: n for n in names if n.endswith(".in") and len(n) > 3}
    stems_out = {n[:-4]: n for n in names if n.endswith(".out") and len(n) > 4}
    for stem in stems_in.keys() | stems_out.keys():
        i, o = stems_in.get(stem), stems_out.get(stem)
        found.append(_Unit(i or o or stem, i and f"{problem_id}/{i}", o and f"{problem_id}/{o}"))
    if CODENET_INPUT in names or CODENET_OUTPUT in names:
        i = CODENET_INPUT if CODENET_INPUT in names else None
        o = CODENET_OUTPUT if CODENET_OUTPUT in names else None
        found.append(_Unit(i or o or "", i and f"{problem_id}/{i}", o and f"{problem_id}/{o}"))
    if ATCODER_INPUTS in names or ATCODER_OUTPUTS in names:
        listed: dict[str, list[str]] = {}
        for sub in (ATCODER_INPUTS, ATCODER_OUTPUTS):
            if sub not in names:
                listed[sub] = []
                continue
            rel = f"{problem_id}/{sub}"
            problem = _folder_problem(root, root_real, rel)
            if problem is None:
                try:
                    listed[sub] = [n for n in _names(root, rel) if not n.startswith(".")]
                except OSError as exc:
                    problem = UNREADABLE_TEST, f"{rel}: {exc.strerror or exc}"
            if problem is not None:
                listed[sub] = []
                yield TestReject(problem[0], problem_id, f"{sub}/", problem[1])
        ins, outs = set(listed[ATCODER_INPUTS]), set(listed[ATCODER_OUTPUTS])
        for n in ins | outs:
            found.append(_Unit(f"{ATCODER_INPUTS}/{n}" if n in ins else f"{ATCODER_OUTPUTS}/{n}",
                               f"{problem_id}/{ATCODER_INPUTS}/{n}" if n in ins else None,
                               f"{problem_id}/{ATCODER_OUTPUTS}/{n}" if n in outs else None))
    yield from sorted(found, key=lambda u: natural_key(u.name))


def _check_file(root: str, root_real: str, rel: str, max_bytes: int) -> os.stat_result | tuple[str, str]:
    """The file's `stat` when `root/rel` can be a test file, judged without opening it, else
    (reason, detail)."""
    real = os.path.realpath(os.path.join(root, rel))
    if not _inside(root_real, real):
        return PATH_ESCAPE, f"{rel} resolves outside the tests folder"
    try:
        st = os.stat(real)
    except OSError as exc:
        return UNREADABLE_TEST, f"{rel}: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return SPECIAL_FILE, f"{rel} is {_kind(st.st_mode)}, not a regular file"
    if st.st_size > max_bytes:
        return TEST_TOO_LARGE, f"{rel}: {st.st_size} bytes, over the cap of {max_bytes}"
    return st


def _read_file(root: str, rel: str, checked: os.stat_result, max_bytes: int) -> str | tuple[str, str]:
    """The text of a file `_check_file` passed, or (reason, detail). The file opened must be the one
    checked (same device and inode): a link swapped in between could point outside DIR; O_NONBLOCK in
    `open_regular` keeps the open from blocking should it now be a FIFO."""
    try:
        with os.fdopen(open_regular(os.path.join(root, rel)), "rb") as f:
            st = os.fstat(f.fileno())
            if (st.st_dev, st.st_ino) != (checked.st_dev, checked.st_ino):
                return UNREADABLE_TEST, f"{rel} was replaced after it was checked"
            data = f.read(max_bytes + 1)
    except IsADirectoryError as exc:  # swapped for a special file after the check
        return SPECIAL_FILE, f"{rel}: {exc.strerror}"
    except OSError as exc:
        return UNREADABLE_TEST, f"{rel}: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return TEST_TOO_LARGE, f"{rel}: over the cap of {max_bytes} bytes"
    text = decode_test(data)
    return (UNDECODABLE_TEST, f"{rel} is not UTF-8 text without NUL bytes") if text is None else text


def _printable(name: str) -> str:
    """A file name that is not UTF-8 (listed as surrogate escapes) as text a record can hold."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _load(root: str, root_real: str, problem_id: str, unit: _Unit, max_bytes: int) -> TestCase | TestReject:
    shown = _printable(unit.name)
    if shown != unit.name:  # a name the corpus could not hold, nor a person type
        return TestReject(UNDECODABLE_TEST, problem_id, shown, f"{problem_id}/{shown}: the file name is not UTF-8")
    if unit.input is None:
        return TestReject(MISSING_INPUT, problem_id, unit.name, f"{unit.output} has no input file")
    if unit.output is None:
        return TestReject(MISSING_OUTPUT, problem_id, unit.name, f"{unit.input} has no output file")
    # Both files are judged before either is read: a 60 MiB input is not read for a FIFO output.
    checked = []
    for rel in (unit.input, unit.output):
        got = _check_file(root, root_real, rel, max_bytes)
        if not isinstance(got, os.stat_result):  # (a stat_result is a tuple too)
            return TestReject(got[0], problem_id, unit.name, got[1])
        checked.append(got)
    texts = []
    for rel, st in zip((unit.input, unit.output), checked):
        text = _read_file(root, rel, st, max_bytes)
        if isinstance(text, tuple):
            return TestReject(text[0], problem_id, unit.name, text[1])
        texts.append(text)
    return TestCase(unit.name, texts[0], texts[1])


def iter_folder_tests(tests_dir: str, problem_id: str, max_bytes: int = DEFAULT_MAX_TEST_BYTES
                      ) -> Iterator[TestCase | TestReject]:
    """The problem's tests from `tests_dir/problem_id/`, one at a time, in natural order of name.

    Lazy: names are listed first (no file is read), then each test's two files are checked with
    `stat` and read only when it is its turn, so memory holds one test, at most twice `max_bytes`.
    Exactly one item per unit (see the module docstring); nothing raises on bad data."""
    if not safe_name(problem_id):
        yield TestReject(PATH_ESCAPE, problem_id, "", f"problem id {problem_id!r} is not one folder name")
        return
    if not os.path.lexists(os.path.join(tests_dir, problem_id)):
        yield TestReject(NO_TESTS, problem_id, "", f"no folder {problem_id} in the tests folder")
        return
    root_real = os.path.realpath(tests_dir)
    problem = _folder_problem(tests_dir, root_real, problem_id)
    if problem is not None:
        yield TestReject(problem[0], problem_id, "", problem[1])
        return
    try:
        units = list(_units(tests_dir, root_real, problem_id))
    except OSError as exc:
        yield TestReject(UNREADABLE_TEST, problem_id, "", f"{problem_id}: {exc.strerror or exc}")
        return
    if not units:
        yield TestReject(NO_TESTS, problem_id, "", f"{problem_id} holds no .in/.out, input.txt/output.txt "
                                                   f"or in/ and out/ test files")
        return
    for unit in units:
        yield unit if isinstance(unit, TestReject) else _load(tests_dir, root_real, problem_id, unit, max_bytes)


@dataclass(frozen=True)
class FolderTests:
    """One problem's folder read whole: `seen` tests, each kept (`cases`) or rejected (`rejects`)."""
    cases: tuple[TestCase, ...]
    rejects: tuple[TestReject, ...]
    seen: int


def read_folder_tests(tests_dir: str, problem_id: str, max_bytes: int = DEFAULT_MAX_TEST_BYTES) -> FolderTests:
    """`iter_folder_tests` collected, with the count that makes in = kept + rejected checkable."""
    cases: list[TestCase] = []
    rejects: list[TestReject] = []
    for item in iter_folder_tests(tests_dir, problem_id, max_bytes):
        (cases if isinstance(item, TestCase) else rejects).append(item)  # type: ignore[arg-type]
    return FolderTests(tuple(cases), tuple(rejects), len(cases) + len(rejects))
