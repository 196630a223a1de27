"""Tests as input: statement samples, test folders and inline tests, each with its exact cases and
exact rejects, on real files (FIFOs, sockets, devices and links made in tmp_path)."""
from __future__ import annotations

import json
import os
import signal
import socket
import stat
from pathlib import Path
from typing import Iterator

import pytest

from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge import testcases as tc
from beam_jobs.sources.judge import testfiles
from beam_jobs.sources.judge.testcases import TestCase, TestReject
from tests import paths

PAGES = paths.FIXTURES / "judge" / "statements"
SAMPLE = paths.SAMPLES / "judge" / "codenet"


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A read that blocks (a FIFO opened) fails the test after 20 s instead of hanging CI."""
    def hung(*_: object) -> None:
        raise TimeoutError("blocked on a special file")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def outcome(items) -> list[tuple[str, str]]:
    return [(i.test, f"!{i.reason}") if isinstance(i, TestReject) else (i.name, "ok") for i in items]


# ------------------------------------------------------------------------------------ statements

def test_atcoder_page_gives_each_sample_once_from_both_languages():
    html = (PAGES / "atcoder_abc.html").read_text(encoding="utf-8")
    cases, rejects = tc.statement_samples("abc999_a", html)
    assert cases == [TestCase("sample_1", "3\n1 2 3\n", "6\n"),
                     TestCase("sample_2", "1\n-1000\n", "-1000\n"),
                     TestCase("sample_3", "5\n  7 -3    0 4 2\n", "10\n")]
    assert rejects == []


def test_aizu_pages():
    cases, rejects = tc.statement_samples("p00001", (PAGES / "aizu.html").read_text(encoding="utf-8"))
    assert cases == [TestCase("sample_1", "3 4\n..#.\n.#..\n....\n", "10\n"), TestCase("sample_2", "1 1\n.\n", "1\n")]
    assert rejects == []
    cases, rejects = tc.statement_samples("p01000", (PAGES / "aizu_icpc.html").read_text(encoding="utf-8"))
    assert cases == [TestCase("sample_1", "2\n1 2\n\n3\n10 20 30\n0\n", "3\n60\n")]
    assert rejects == []


def test_pre_text_keeps_whitespace_and_normalises_only_line_ends():
    html = ("<h2>Sample Input 1</h2><pre>\r\n  lead\r\n\r\n\tmid  \r\n\r\n\r\n</pre>"
            "<h2>Sample Output 1</h2><pre>no newline</pre>"
            "<h2>Sample Input 2</h2><pre>\n\nstarts blank</pre>"
            "<h2>Sample Output 2</h2><pre>a &lt;b&gt; &amp; &#x41;&#66;&nbsp;c\r</pre>"
            "<h2>Sample Input 3</h2><pre></pre><h2>Sample Output 3</h2><pre><var>x</var> <span>y</span>\n</pre>")
    cases, rejects = tc.statement_samples("p", html)
    assert cases == [TestCase("sample_1", "  lead\n\n\tmid  \n", "no newline\n"),
                     TestCase("sample_2", "\nstarts blank\n", "a <b> & AB\xa0c\n"),
                     TestCase("sample_3", "", "x y\n")]
    assert rejects == []


def test_unmatched_samples_are_rejects_with_reasons():
    html = ("<h3>Sample Input 1</h3><pre>1\n</pre>"                      # no output 1
            "<h3>Sample Output 2</h3><pre>2\n</pre>"                     # no input 2
            "<h3>Sample Input 3</h3><p>see below</p>"                    # a heading with no block
            "<h3>Sample Output 3</h3><pre>3\n</pre>"
            "<h3>Sample Input 4</h3><pre>4\n</pre><h3>Sample Output 4</h3><pre>four\n</pre>"
            "<h3>Sample Input 5</h3><pre>5\n</pre><h3>Sample Output 5</h3>")   # the page ends first
    cases, rejects = tc.statement_samples("p9", html)
    assert cases == [TestCase("sample_4", "4\n", "four\n")]
    assert rejects == [TestReject("missing_output", "p9", "sample_1", "Sample Input 1 has no Sample Output 1"),
                       TestReject("missing_input", "p9", "sample_2", "Sample Output 2 has no Sample Input 2"),
                       TestReject("missing_input", "p9", "sample_3", "Sample Input 3 has no <pre> block"),
                       TestReject("missing_output", "p9", "sample_5", "Sample Output 5 has no <pre> block")]


def test_english_preferred_japanese_fills_a_missing_number():
    html = ("<span class='lang-ja'><h3>入力例 1</h3><pre>ja1</pre><h3>出力例 1</h3><pre>JA1</pre>"
            "<h3>入力例１２</h3><pre>ja12</pre><h3>出力例 12</h3><pre>JA12</pre></span>"
            "<span class='lang-en'><h3>Sample Input 1</h3><pre>en1</pre>"
            "<h3>Sample  Output&nbsp;1</h3><pre>EN1</pre>"
            "<h3>Sample Input 12</h3><pre>en12</pre></span>")
    cases, rejects = tc.statement_samples("p", html)
    assert cases == [TestCase("sample_1", "en1\n", "EN1\n"), TestCase("sample_12", "en12\n", "JA12\n")]
    assert rejects == []


def test_headings_that_are_not_samples():
    assert tc.sample_heading("Sample Input 3") == ("en", "input", 3)
    assert tc.sample_heading("  sample   output  ") == ("en", "output", None)
    assert tc.sample_heading("Sample Output 2 Copy") == ("en", "output", 2)
    assert tc.sample_heading("Output for the Sample Input 2") == ("en", "output", 2)
    assert tc.sample_heading("出力例 3") == ("ja", "output", 3)
    for text in ("Input", "入力", "Sample Inputs are small", "Output", "Sample Input 1 and 2"):
        assert tc.sample_heading(text) is None, text


def test_broken_html_never_raises():
    for html in ("<h3>Sample Input 1</h3><pre>1\n", "<<<>>>&&&;</pre></h3>", "<pre>", "",
                 "<h3>Sample Input 1<pre>x</pre></h3>", "<h3>Sample Input 1</h3><pre>&#xdeadbeef;</pre>"):
        cases, rejects = tc.statement_samples("p", html)
        assert all(isinstance(r, TestReject) for r in rejects)
    assert tc.statement_samples("p", "<h3>Sample Input 1</h3><pre>1\n")[1] == [
        TestReject("missing_input", "p", "sample_1", "Sample Input 1 has no <pre> block")]


def test_a_sample_over_the_cap():
    html = "<h3>Sample Input 1</h3><pre>123456789</pre><h3>Sample Output 1</h3><pre>1</pre>"
    assert tc.statement_samples("p", html, max_bytes=8) == ([], [
        TestReject("test_too_large", "p", "sample_1", "Sample Input 1: 10 bytes, over the cap of 8")])


def test_shipped_sample_descriptions_have_no_sample_sections():
    """The shipped CodeNet sample's statements name the problem and its input format but carry no
    Sample Input/Output sections; p03000's input format block must not be taken for a sample."""
    seen = sorted(p.stem for p in (SAMPLE / "problem_descriptions").glob("*.html"))
    assert seen == ["p03000", "p03001", "p03003"]
    for problem in seen:
        html = jr.read_codenet_description(str(SAMPLE), problem)
        assert html is not None
        assert tc.statement_samples(problem, html) == ([], [])
        assert tc.problem_tests(problem, statement_html=html) == tc.TestSet(problem, "statement", (), (
            TestReject("no_tests", problem, "", "the statement has no Sample Input / Sample Output sections"),))


# ---------------------------------------------------------------------------------------- folders

def test_flat_layout_in_natural_order_with_content_intact(tmp_path):
    for n in (10, 2, 1):
        write(tmp_path / "p1" / f"{n}.in", f"{n}\n")
        write(tmp_path / "p1" / f"{n}.out", f"out {n}\n")
    write(tmp_path / "p1" / "ws.in", "  lead\n\n\ttab  \r\nlast no newline")
    write(tmp_path / "p1" / "ws.out", b"a\r\nb\rc\r\n\r\n")
    write(tmp_path / "p1" / "README.md", "not a test")
    write(tmp_path / "p1" / ".hidden.in", "not a test")
    got = tc.read_folder_tests(str(tmp_path), "p1")
    assert got.cases == (TestCase("1.in", "1\n", "out 1\n"), TestCase("2.in", "2\n", "out 2\n"),
                         TestCase("10.in", "10\n", "out 10\n"),
                         TestCase("ws.in", "  lead\n\n\ttab  \nlast no newline", "a\nb\rc\n\n"))
    assert (got.rejects, got.seen) == ((), 4)


def test_codenet_and_atcoder_layouts(tmp_path):
    write(tmp_path / "p02000" / "input.txt", "3\n")
    write(tmp_path / "p02000" / "output.txt", "9\n")
    for name, text in (("sample_02.txt", "s2"), ("sample_01.txt", "s1"), ("10_big.txt", "b10"), ("9_big.txt", "b9")):
        write(tmp_path / "abc1_a" / "in" / name, text + "\n")
        write(tmp_path / "abc1_a" / "out" / name, text.upper() + "\n")
    assert tc.read_folder_tests(str(tmp_path), "p02000") == tc.FolderTests(
        (TestCase("input.txt", "3\n", "9\n"),), (), 1)
    got = tc.read_folder_tests(str(tmp_path), "abc1_a")
    assert got.cases == (TestCase("in/9_big.txt", "b9\n", "B9\n"), TestCase("in/10_big.txt", "b10\n", "B10\n"),
                         TestCase("in/sample_01.txt", "s1\n", "S1\n"), TestCase("in/sample_02.txt", "s2\n", "S2\n"))
    assert (got.rejects, got.seen) == ((), 4)


def test_bad_test_files_are_rejects_with_reasons(tmp_path, no_hang, monkeypatch):
    d = tmp_path / "tests"
    p = d / "p1"
    write(p / "01.in", "ok\n")
    write(p / "01.out", "OK\n")
    write(p / "02.in", "no output\n")
    write(p / "03.out", "no input\n")
    write(p / "04.in", b"\xff\xfe broken\n")
    write(p / "04.out", "x\n")
    write(p / "05.in", "x\n")
    write(p / "05.out", b"a\0b\n")
    write(p / "06.in", "x" * 101)
    write(p / "06.out", "x\n")
    write(p / "07.in", "x\n")
    os.mkfifo(p / "07.out")
    monkeypatch.chdir(p)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind("08.in")  # relative: tmp_path may be longer than a socket's path may be
    write(p / "08.out", "x\n")
    os.mknod(p / "09.in", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    write(p / "09.out", "x\n")
    (p / "10.in").mkdir()
    write(p / "10.out", "x\n")
    write(tmp_path / "secret.txt", "outside\n")
    os.symlink(tmp_path / "secret.txt", p / "11.in")
    write(p / "11.out", "x\n")
    os.symlink("01.in", p / "12.in")  # a link that stays inside is fine
    write(p / "12.out", "linked\n")
    os.symlink("13.in", p / "13.out")  # a loop: the system refuses to resolve it
    os.symlink("13.out", p / "13.in")
    write(Path(os.fsdecode(bytes(p / "16") + b"\xff.in")), "x\n")  # a file name that is not UTF-8
    write(Path(os.fsdecode(bytes(p / "16") + b"\xff.out")), "x\n")
    os.mkfifo(p / "14.in")
    os.symlink(p / "14.in", p / "15.in")  # a link to a FIFO is a FIFO
    write(p / "15.out", "x\n")
    try:
        got = tc.read_folder_tests(str(d), "p1", max_bytes=100)
    finally:
        sock.close()
    assert got.cases == (TestCase("01.in", "ok\n", "OK\n"), TestCase("12.in", "ok\n", "linked\n"))
    assert got.rejects == (
        TestReject("missing_output", "p1", "02.in", "p1/02.in has no output file"),
        TestReject("missing_input", "p1", "03.out", "p1/03.out has no input file"),
        TestReject("undecodable_test", "p1", "04.in", "p1/04.in is not UTF-8 text without NUL bytes"),
        TestReject("undecodable_test", "p1", "05.in", "p1/05.out is not UTF-8 text without NUL bytes"),
        TestReject("test_too_large", "p1", "06.in", "p1/06.in: 101 bytes, over the cap of 100"),
        TestReject("special_file", "p1", "07.in", "p1/07.out is a FIFO, not a regular file"),
        TestReject("special_file", "p1", "08.in", "p1/08.in is a socket, not a regular file"),
        TestReject("special_file", "p1", "09.in", "p1/09.in is a character device, not a regular file"),
        TestReject("special_file", "p1", "10.in", "p1/10.in is a folder, not a regular file"),
        TestReject("path_escape", "p1", "11.in", "p1/11.in resolves outside the tests folder"),
        TestReject("unreadable_test", "p1", "13.in", "p1/13.in: Too many levels of symbolic links"),
        TestReject("missing_output", "p1", "14.in", "p1/14.in has no output file"),
        TestReject("special_file", "p1", "15.in", "p1/15.in is a FIFO, not a regular file"),
        TestReject("undecodable_test", "p1", "16\ufffd.in", "p1/16\ufffd.in: the file name is not UTF-8"),
    )
    assert got.seen == 16 == len(got.cases) + len(got.rejects)
    assert not any(str(tmp_path) in r.detail for r in got.rejects)


def test_problem_folders_that_cannot_be_read(tmp_path, no_hang):
    d = tmp_path / "tests"
    (d / "empty").mkdir(parents=True)
    write(d / "readme_only" / "README.md", "notes\n")
    write(d / "a_file", "not a folder\n")
    os.mkfifo(d / "a_fifo")
    write(tmp_path / "elsewhere" / "1.in", "1\n")
    write(tmp_path / "elsewhere" / "1.out", "1\n")
    os.symlink(tmp_path / "elsewhere", d / "linked_out")
    os.symlink("readme_only", d / "linked_in")
    write(d / "half" / "in" / "1", "1\n")
    write(d / "half" / "in" / "2", "2\n")
    write(d / "half" / "out" / "2", "2\n")
    write(d / "half" / "out" / "3", "3\n")
    write(d / "fifo_out" / "in" / "1", "1\n")
    os.mkfifo(d / "fifo_out" / "out")

    def rejects(problem: str) -> list[TestReject]:
        got = tc.read_folder_tests(str(d), problem)
        assert got.seen == len(got.cases) + len(got.rejects)
        return list(got.rejects)

    layouts = "holds no .in/.out, input.txt/output.txt or in/ and out/ test files"
    assert rejects("empty") == [TestReject("no_tests", "empty", "", f"empty {layouts}")]
    assert rejects("readme_only") == [TestReject("no_tests", "readme_only", "", f"readme_only {layouts}")]
    assert rejects("linked_in") == [TestReject("no_tests", "linked_in", "", f"linked_in {layouts}")]
    assert rejects("a_file") == [TestReject("special_file", "a_file", "", "a_file is a regular file, not a folder")]
    assert rejects("a_fifo") == [TestReject("special_file", "a_fifo", "", "a_fifo is a FIFO, not a folder")]
    assert rejects("linked_out") == [TestReject("path_escape", "linked_out", "",
                                                "linked_out resolves outside the tests folder")]
    assert rejects("absent") == [TestReject("no_tests", "absent", "", "no folder absent in the tests folder")]
    assert rejects("..") == [TestReject("path_escape", "..", "", "problem id '..' is not one folder name")]
    assert rejects("half") == [TestReject("missing_output", "half", "in/1", "half/in/1 has no output file"),
                               TestReject("missing_input", "half", "out/3", "half/out/3 has no input file")]
    got = tc.read_folder_tests(str(d), "half")
    assert got.cases == (TestCase("in/2", "2\n", "2\n"),) and got.seen == 3
    assert rejects("fifo_out") == [
        TestReject("special_file", "fifo_out", "out/", "fifo_out/out is a FIFO, not a folder"),
        TestReject("missing_output", "fifo_out", "in/1", "fifo_out/in/1 has no output file")]


def test_a_file_replaced_between_check_and_read(tmp_path):
    """The file opened must be the file checked: a swap in between is refused, not read."""
    write(tmp_path / "p" / "1.in", "checked\n")
    checked = os.stat(tmp_path / "p" / "1.in")
    os.replace(write(tmp_path / "p" / "new", "swapped in\n"), tmp_path / "p" / "1.in")
    assert testfiles._read_file(str(tmp_path), "p/1.in", checked, 100) == (
        "unreadable_test", "p/1.in was replaced after it was checked")
    assert testfiles._read_file(str(tmp_path), "p/1.in", os.stat(tmp_path / "p" / "1.in"), 100) == "swapped in\n"


def test_folder_tests_are_read_lazily_one_at_a_time(tmp_path):
    """Names are listed up front; each test's files are read only when its turn comes."""
    for n in (1, 2):
        write(tmp_path / "p" / f"{n}.in", f"{n}\n")
        write(tmp_path / "p" / f"{n}.out", f"{n}\n")
    items = tc.iter_folder_tests(str(tmp_path), "p")
    assert next(items) == TestCase("1.in", "1\n", "1\n")
    write(tmp_path / "p" / "2.out", "rewritten\n")
    assert list(items) == [TestCase("2.in", "2\n", "rewritten\n")]


def test_natural_key():
    names = ["10.in", "2.in", "1.in", "a10", "a9", "01.in", "b", "A"]
    assert sorted(names, key=tc.natural_key) == ["01.in", "1.in", "2.in", "10.in", "A", "a9", "a10", "b"]


# ----------------------------------------------------------------------------------------- inline

def test_inline_tests_from_a_jsonl_row():
    row = json.loads('{"submission_id": 1, "problem_id": "p1", "tests": ['
                     '{"input": "2\\r\\n 1  2\\r\\n\\r\\n", "output": "3"}, {"input": "", "output": "0\\n"}]}')
    cases, rejects = tc.inline_tests("p1", row[tc.TESTS_FIELD])
    assert cases == [TestCase("inline_1", "2\n 1  2\n\n", "3"), TestCase("inline_2", "", "0\n")]
    assert rejects == []


def test_bad_inline_tests_are_rejects():
    value = [{"input": "1", "output": "1"}, "text", {"output": "1"}, {"input": "1"}, {"input": 1, "output": "1"},
             {"input": "a\0", "output": "1"}, {"input": "1", "output": "\ud800"}, {"input": "x" * 11, "output": "1"}]
    cases, rejects = tc.inline_tests("p", value, max_bytes=10)
    assert cases == [TestCase("inline_1", "1", "1")]
    assert rejects == [TestReject("bad_test", "p", "inline_2", "tests[2] is str, not an object"),
                       TestReject("missing_input", "p", "inline_3", "tests[3] has no input"),
                       TestReject("missing_output", "p", "inline_4", "tests[4] has no output"),
                       TestReject("bad_test", "p", "inline_5", "tests[5].input is int, not text"),
                       TestReject("undecodable_test", "p", "inline_6", "tests[6].input holds a NUL byte"),
                       TestReject("undecodable_test", "p", "inline_7", "tests[7].output holds a lone surrogate"),
                       TestReject("test_too_large", "p", "inline_8", "tests[8].input: 11 bytes, over the cap of 10")]
    assert tc.inline_tests("p", {"input": "1"}) == (
        [], [TestReject("bad_test", "p", "tests", "tests is dict, not a list")])


# ----------------------------------------------------------------------------------------- merge

def test_problem_tests_precedence(tmp_path):
    d = tmp_path / "tests"
    write(d / "p1" / "1.in", "f\n")
    write(d / "p1" / "1.out", "F\n")
    (d / "p2").mkdir()
    page = "<h3>Sample Input 1</h3><pre>s</pre><h3>Sample Output 1</h3><pre>S</pre>"
    inline = [{"input": "i\n", "output": "I\n"}]
    both = dict(statement_html=page, inline=inline)
    assert tc.problem_tests("p1", tests_dir=str(d), **both) == tc.TestSet(
        "p1", "folder", (TestCase("1.in", "f\n", "F\n"),), ())
    # A folder with nothing usable is the problem's answer: no quiet fall back to fewer tests.
    assert tc.problem_tests("p2", tests_dir=str(d), **both) == tc.TestSet("p2", "folder", (), (
        TestReject("no_tests", "p2", "", "p2 holds no .in/.out, input.txt/output.txt or in/ and out/ test files"),))
    assert tc.problem_tests("p3", tests_dir=str(d), **both) == tc.TestSet(
        "p3", "inline", (TestCase("inline_1", "i\n", "I\n"),), ())
    assert tc.problem_tests("p3", statement_html=page, inline=[]) == tc.TestSet(
        "p3", "inline", (), (TestReject("no_tests", "p3", "", "the inline tests list is empty"),))
    assert tc.problem_tests("p3", tests_dir=str(d), statement_html=page) == tc.TestSet(
        "p3", "statement", (TestCase("sample_1", "s\n", "S\n"),), ())
    none = tc.problem_tests("p3", tests_dir=str(d))
    assert none == tc.TestSet("p3", "none", (), (
        TestReject("no_tests", "p3", "", "no entry in the tests folder, no inline tests and no statement"),))
    assert none.seen == 1


def test_no_beam_at_import():
    """The CLI reads tests before Beam is imported: these modules must not pull it in."""
    import subprocess
    import sys
    code = ("import sys; import beam_jobs.sources.judge.testcases; "
            "sys.exit(any(m.split('.')[0] == 'apache_beam' for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], cwd=paths.ROOT).returncode == 0
