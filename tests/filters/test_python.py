"""Python rules: parsing, Python 2 recognition, whitespace-only, generated, vendored, minified, size."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from filters import parsing
from filters import python as py
from filters.chain import annotate, build_commit_filters, first_reason
from tests.filters.helpers import record_maker, rules_maker
from schemas.commit import CommitRecord
from config.filters import FilterConfig
from tests.paths import ROOT

T0 = datetime(2021, 6, 1, tzinfo=timezone.utc)
OLD = '''"""Temperature helpers."""


def to_celsius(fahrenheit):
    return (fahrenheit - 32) * 5 / 9


def to_fahrenheit(celsius):
    return celsius * 9 / 5 + 32


def describe(celsius):
    if celsius < 0:
        return "freezing"
    return "fine"
'''
NEW = OLD.replace('    if celsius < 0:\n', '    if celsius <= 0:\n')

PY2_OLD = '''import sys


def main(args):
    try:
        value = int(args[0])
    except ValueError, exc:
        print >>sys.stderr, "bad value: %s" % exc
        return 1
    print "value is", value
    return 0
'''
PY2_NEW = PY2_OLD.replace('print "value is", value', 'print "value is %d" % value')

make_record = record_maker(subject='Treat zero degrees as freezing in describe', path="weather/units.py",
                           commit="c" * 40, old_contents=OLD, new_contents=NEW, repos=["octo/weather"],
                           author_name="Ada")
STRICT = py.compile_python_rules(FilterConfig())
rules_with = rules_maker(py.compile_python_rules)


def all_python_checks(record: CommitRecord, rules: py.PythonRules = STRICT) -> str | None:
    return py.check_paths(record, rules) or py.check_text(record, rules) or py.check_parse(record, rules)


def test_small_fix_is_kept() -> None:
    assert all_python_checks(make_record()) is None


# ------------------------------------------------------------------------------------------ parsing

def test_new_does_not_parse() -> None:
    broken = NEW.replace("def describe(celsius):", "def describe(celsius)")
    assert py.check_parse(make_record(new_contents=broken), STRICT) == "new_does_not_parse"


def test_syntax_error_fix_is_kept_and_recorded() -> None:
    broken_old = OLD.replace("def describe(celsius):", "def describe(celsius)")
    record = make_record(old_contents=broken_old)
    assert py.check_parse(record, STRICT) is None
    annotated = annotate(record, FilterConfig())
    assert annotated.old_parses is False
    assert annotated.python_major == 3


def test_invalid_escape_warnings_do_not_leak() -> None:
    # In a child process: pytest's own warning capture would override the filter under test.
    code = ("import filters.python as p\n"
            "assert p.parses_py3('import re\\nPATTERN = re.compile(\"\\\\d+\")\\n')\n")
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "escape" not in done.stderr


def test_python2_is_rejected_in_strict_and_accepted_with_the_flag() -> None:
    record = make_record(old_contents=PY2_OLD, new_contents=PY2_NEW)
    assert py.check_parse(record, STRICT) == "python2_source"
    assert py.check_parse(record, rules_with(allow_python2=True)) is None
    annotated = annotate(record, dataclasses.replace(FilterConfig(), allow_python2=True))
    assert (annotated.python_major, annotated.old_parses) == (2, True)


PY2_STEPS = "import sys\n\n\n" + "".join(f"def step_{k}(x):\n    print 'step {k}', x\n    return x + {k}\n\n\n"
                                          for k in range(40))


def _forget_parses() -> None:
    parsing.clear_parse_memos()
    for memo in (py.parses_py3, py.python2_rewrite, py.python2_form):
        memo.cache_clear()


def test_a_python2_files_rewrites_are_derived_when_checked(monkeypatch) -> None:
    """The parse filter meets a Python 2 file's commits newest first, other files between: after the
    first commit no version's rewrite is parsed whole (each is derived from the file's last rewrite),
    and the verdicts and annotations are those of a run with no memo."""
    versions = [PY2_STEPS.replace("return x + 7\n", f"return x + {n}\n") for n in range(100, 94, -1)]
    records = [make_record(old_contents=old, new_contents=new) for new, old in zip(versions, versions[1:])]
    other = make_record(old_contents=OLD, new_contents=NEW, path="weather/other.py")
    rules = rules_with(allow_python2=True)
    config = dataclasses.replace(FilterConfig(), allow_python2=True)

    def outcome(record: CommitRecord) -> tuple[object, ...]:  # the filter first, as the chain runs them
        verdict = py.check_parse(record, rules)
        annotated = annotate(record, config)
        return verdict, annotated.python_major, annotated.old_parses, annotated.edit_kinds

    expected = []
    for record in records:
        _forget_parses()
        expected.append(outcome(record))
    assert expected[0] == (None, 2, True, ["BinOp"])
    whole: list[str] = []
    real = parsing._full_parse
    monkeypatch.setattr(parsing, "_full_parse", lambda text: whole.append(text) or real(text))
    _forget_parses()
    got = []
    for record in records:
        outcome(other)  # another file between
        got.append(outcome(record))
    assert got == expected
    assert [text for text in whole if "print(" in text] == [py.python2_rewrite(versions[0])]


@pytest.mark.parametrize("source", [
    'print "hello"\n',
    'import sys\nprint >>sys.stderr, "oops: %s" % err\nprint "done"\n',
    'if True: print "inline"\n',
    'exec "x = 1"\n',
    'exec code in namespace\n',
    'try:\n    pass\nexcept (IOError, OSError), err:\n    pass\n',
    'raise ValueError, "bad input"\n',
    'text = `42`\n',
    'if 1 <> 2:\n    pass\n',
    'big = 10L\nmask = 0xFFL\n',
    'mode = 0755\n',
    "pattern = ur'\\d+'\n",
    'def f():\n    if True:\n\treturn 1\n',  # tab after spaces: Python 2 counted it as 8 columns
])
def test_python2_forms_are_recognised(source: str) -> None:
    assert not py.parses_py3(source)
    assert py.python_major(source) == py.PYTHON2


def _python2_rewrite_whole_text(source: str) -> str:
    """The rewrite as plain substitutions over the whole text: what `python2_rewrite` does line by line."""
    text = source
    if "\t" in text:
        text = py._PY2_TABS.sub(lambda m: m.group(0).expandtabs(8), text)
    for pattern, replacement, _ in py._PY2_REWRITES:
        text = pattern.sub(replacement, text)
    return text


PY2_LINES = ['print "a"', "print>>f, x", "  print >> sys.stderr, 'e'", "if x: print y", "else:print z", "exec code",
             "exec 'x' in ns", "except IOError, e:", "except (A, B), err :", "  raise ValueError, 'bad'",
             "raise E,(1, 2)", "x = `y` + `z`", "if a <> b: pass", "n = 10L + 0xFFl + 0Xabl", "m = 0755 + x.0755",
             "p = ur'\\d' + UR\"x\"", "x = 1.0L", "self.l = 10", "def f(x):", "\treturn x", "  \t y = 1",
             "printer >> x", "# print this, 0777, `tick`", "s = 'except A, b:'", "", "x = 0", "a0755 = 1", "fooL1 = 2",
             "return 0x1fL", "x=u'a' if e else ur'b'", "print", "exec", "raise", "0L", "08",
             "raise\tE, v", "print\t'tab'", "x = 1; exec\tcode"]


@pytest.mark.parametrize("source", [
    'print "a"', "x = 1\nprint y", "print a; print b\n", "exec s\r\nraise E, v\r\n", "\n\n0777\n\n", "`a`\n`b`",
    "raise E, 'no newline at the end'", "if x:print 1\n  print>>f,2\n", "print\nexec\n", "",
])
def test_python2_rewrite_is_the_whole_text_substitution(source: str) -> None:
    assert py.python2_rewrite(source) == _python2_rewrite_whole_text(source)


def test_a_python2_files_versions_are_rewritten_from_their_shared_chunks(monkeypatch) -> None:
    """Each chunk's rewrite is kept: a file's next version rewrites only its changed chunk, and the
    rewrite is still the whole text's substitution."""
    py._REWRITTEN.clear()
    py.python2_rewrite.cache_clear()
    rewritten: list[str] = []
    real = py._rewrite
    monkeypatch.setattr(py, "_rewrite", lambda chunk: rewritten.append(chunk) or real(chunk))
    edited = PY2_STEPS.replace("return x + 7\n", "return x + 70\n")
    assert py.python2_rewrite(PY2_STEPS) == _python2_rewrite_whole_text(PY2_STEPS)
    first = len(rewritten)
    assert py.python2_rewrite(edited) == _python2_rewrite_whole_text(edited)
    assert first >= 4 and len(rewritten) == first + 1 and "return x + 70\n" in rewritten[-1]


def test_python2_rewrite_on_generated_python2_files() -> None:
    """Python 2 lines mixed into this project's own modules at random, CRLF and tabs included."""
    import random

    rng = random.Random(2)
    modules = [p.read_text() for p in sorted((ROOT / "filters").glob("*.py"))]
    for n in range(300):
        lines = rng.choice(modules).split("\n")[: rng.randrange(5, 200)]
        for _ in range(rng.randrange(1, 30)):
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(PY2_LINES))
        text = ("\r\n" if n % 7 == 0 else "\n").join(lines) + rng.choice(["", "\n"])
        assert py.python2_rewrite(text) == _python2_rewrite_whole_text(text), n


@pytest.mark.parametrize("source", [
    'print("hello")\n',
    'import sys\nprint >>sys.stderr, "oops"\n',  # valid Python 3 too: a tuple of a shift and a str
    'value = 0o755\n',
    'def f(*, key=None):\n    return key\n',
    'async def main():\n    await run()\n',
    'text = f"{value!r:>10}"\n',
])
def test_python3_sources_are_python3(source: str) -> None:
    assert py.python_major(source) == py.PYTHON3


@pytest.mark.parametrize("source", ['def broken(:\n    pass\n', 'print "unterminated\n', "x = (1,\n"])
def test_broken_sources_are_neither(source: str) -> None:
    assert py.python_major(source) == py.UNPARSED


def test_unparsed_new_is_annotated_with_zero_when_parsing_is_not_required() -> None:
    cfg = dataclasses.replace(FilterConfig(), require_new_parses=False)
    record = make_record(new_contents="def broken(:\n    pass\n")
    assert py.check_parse(record, py.compile_python_rules(cfg)) is None
    assert annotate(record, cfg).python_major == py.UNPARSED


# ---------------------------------------------------------------------------------- whitespace-only

@pytest.mark.parametrize("new", [
    OLD.replace("return (fahrenheit - 32) * 5 / 9", "return (fahrenheit-32)*5/9"),
    OLD.replace("\n", "   \n"),
    OLD.replace("\n", "\r\n"),
    OLD.replace("    ", "  "),                       # re-indented with two spaces, same structure
    OLD + "\n\n\n",
])
def test_whitespace_only_changes(new: str) -> None:
    assert py.check_parse(make_record(new_contents=new), STRICT) == "whitespace_only"


@pytest.mark.parametrize("new", [
    OLD.replace('return "fine"', 'return "fine "'),    # whitespace inside a string literal
    OLD.replace('        return "freezing"\n    return "fine"\n',
                '        return "freezing"\n        return "fine"\n'),  # indentation moves a statement
    OLD.replace("def to_celsius", "# Exact conversion.\ndef to_celsius"),  # a comment is not whitespace
])
def test_meaningful_changes_are_not_whitespace_only(new: str) -> None:
    assert py.check_parse(make_record(new_contents=new), STRICT) is None


def test_fixing_indentation_error_is_a_repair() -> None:
    broken_old = OLD.replace("    return celsius * 9 / 5 + 32", "  return celsius * 9 / 5 + 32\n    pass")
    fixed = broken_old.replace("\n    pass", "")
    assert not py.parses_py3(broken_old)
    assert py.check_parse(make_record(old_contents=broken_old, new_contents=fixed), STRICT) is None


# --------------------------------------------------------------------------------- generated / paths

@pytest.mark.parametrize("path", ["shop/migrations/0007_auto_20210601_1200.py", "proto/user_pb2.py",
                                  "proto/user_pb2_grpc.py", "migrations/0001_initial.py"])
def test_generated_paths(path: str) -> None:
    record = make_record(old_file=path, new_file=path)
    assert py.check_paths(record, STRICT) == "generated_file"


@pytest.mark.parametrize("header", [
    "# Generated by Django 4.2.1 on 2023-05-01 10:00\n",
    "# -*- coding: utf-8 -*-\n# DO NOT EDIT: this file is produced by tools/gen.py\n",
    "#!/usr/bin/env python\n# This file was automatically generated by SWIG.\n",
    "# @generated by the build\n",
])
def test_generated_headers(header: str) -> None:
    record = make_record(old_contents=header + OLD, new_contents=header + NEW)
    assert py.check_text(record, STRICT) == "generated_file"


def test_generated_words_outside_the_header_comments_are_fine() -> None:
    docstring = '"""Ids generated by the server are opaque; do not edit them by hand."""\n'
    late_comment = OLD + "\n" * 10 + "x" * 2_100 + "\n# generated by hand, honestly\n"
    assert py.check_text(make_record(old_contents=docstring + OLD, new_contents=docstring + NEW), STRICT) is None
    assert py.check_text(make_record(old_contents=late_comment, new_contents=late_comment + "y = 1\n"),
                         rules_with(max_change_share=None, minified_max_line_chars=None)) is None


@pytest.mark.parametrize("path", ["src/vendor/six.py", "third_party/yaml/reader.py",
                                  "venv/lib/python3.11/site-packages/requests/api.py", "pkg/_vendor/attr.py",
                                  "Third_Party/x.py"])
def test_vendored_paths(path: str) -> None:
    assert py.check_paths(make_record(old_file=path, new_file=path), STRICT) == "vendored_path"


@pytest.mark.parametrize("path", ["src/vendors.py", "app/vendor_api.py", "vendor.py", "tools/venv_check.py"])
def test_paths_that_only_look_vendored(path: str) -> None:
    assert py.check_paths(make_record(old_file=path, new_file=path), STRICT) is None


def test_minified() -> None:
    long_line = "DATA = [" + ", ".join(str(i) for i in range(400)) + "]\n"
    assert len(long_line) > 1_000
    record = make_record(old_contents=OLD + long_line, new_contents=NEW + long_line)
    assert py.check_text(record, STRICT) == "minified"
    assert py.check_text(record, rules_with(minified_max_line_chars=None)) is None


def test_change_too_large() -> None:
    rewrite = "import math\n\n\ndef area(radius):\n    return math.pi * radius ** 2\n"
    assert py.check_text(make_record(new_contents=rewrite), STRICT) == "change_too_large"
    assert py.check_text(make_record(new_contents=rewrite), rules_with(max_change_share=None)) is None


@pytest.mark.parametrize("old, new, share", [
    ("a\nb\nc\n", "a\nb\nc\n", 0.0),
    ("a\nb\n", "c\nd\n", 1.0),
    ("a\nb\nc\nd\n", "a\nb\nc\nX\n", 0.25),
    ("a\nb\n", "b\na\n", 0.0),   # a move costs nothing
    ("", "", 0.0),
])
def test_change_share(old: str, new: str, share: float) -> None:
    assert py.change_share(old, new) == pytest.approx(share)


def _change_share_by_definition(old: str, new: str) -> float:
    """Every line of both versions counted: what `change_share` computes from the lines that differ."""
    from collections import Counter
    old_lines, new_lines = old.splitlines(), new.splitlines()
    total = len(old_lines) + len(new_lines)
    moved = sum((Counter(old_lines) - Counter(new_lines)).values()) + sum((Counter(new_lines) - Counter(old_lines)).values())
    return moved / total if total else 0.0


@pytest.mark.parametrize("old, new", [
    ("a\nb\nc", "a\nb\nc\n"),                    # a final newline added: the same lines
    ("a\nb\n", "a\nb\n\n"),                       # an empty last line added
    ("x\n", "x\nx\n"), ("a\na\na\n", "a\n"),      # shared prefix and suffix overlap
    ("ab\ncd\n", "ab\ncX\n"), ("ab\ncd\n", "aX\ncd\n"),  # the difference inside a line
    ("a\r\nb\r\n", "a\r\nc\r\n"), ("a\r\nb\n", "a\rb\n"), ("a\x0cb\n", "a\nb\n"),  # other breaks
    ("é\nü\n", "é\nü\nß\n"), ("\u2028x", "x"), ("", "a"), ("a", ""), ("\n", ""), ("\n\n", "\n"),
])
def test_change_share_counts_as_every_line_does(old: str, new: str) -> None:
    assert py.change_share(old, new) == _change_share_by_definition(old, new)
    assert py.change_share(new, old) == _change_share_by_definition(new, old)


def test_change_share_on_real_files_edited_at_random() -> None:
    """This project's own modules, each edited the ways commits edit files (a line changed, lines added
    or removed at either end or in the middle, a block moved, a line repeated, line endings changed):
    the same share, to the last bit, as counting every line."""
    import random

    rng = random.Random(18)
    files = [path for folder in ("filters", "beam_jobs/assembly") for path in sorted((ROOT / folder).glob("*.py"))
             if path.stat().st_size > 1000]
    checked = 0
    for path in files:
        text = path.read_text()
        lines = text.splitlines(keepends=True)
        for _ in range(12):
            edited = list(lines)
            i, j = sorted(rng.sample(range(len(edited) + 1), 2))
            kind = rng.choice(["change", "insert", "delete", "move", "repeat", "head", "tail", "crlf", "strip"])
            if kind == "change" and i < len(edited):
                edited[i] = edited[i].replace("e", "E", 1) or "x\n"
            elif kind == "insert":
                edited[i:i] = ["    pass\n", "\n"]
            elif kind == "delete":
                del edited[i:j]
            elif kind == "move":
                edited = edited[:i] + edited[j:] + edited[i:j]
            elif kind == "repeat" and i < len(edited):
                edited.insert(j, edited[i])
            elif kind == "head":
                edited = ["# new first line\n"] + edited[i:]
            elif kind == "tail":
                edited = edited[:j] + ["# new last line"]
            elif kind == "crlf":
                edited[i:j] = [line.replace("\n", "\r\n") for line in edited[i:j]]
            elif kind == "strip":
                edited = [line.rstrip("\n") + "\n" for line in edited][:j] + ["end"]
            after = "".join(edited)
            assert py.change_share(text, after) == _change_share_by_definition(text, after), (path.name, kind)
            assert py.change_share(after, text) == _change_share_by_definition(after, text), (path.name, kind)
            checked += 1
    assert checked == 12 * len(files) and len(files) > 20


@pytest.mark.parametrize("text", [
    "", "x" * 10, "x" * 11, "x" * 10 + "\n", "\n" + "x" * 11, "a\n" + "x" * 10 + "\nb", "a\n" + "x" * 11 + "\nb",
    "a\n" + "x" * 11, "x" * 5 + "\r" + "x" * 6, "x" * 11 + "\r\n", "a\r\n" + "x" * 10 + "\r\nb",
    "x" * 6 + "\u2028" + "x" * 6, "x" * 6 + "\x0c" + "y" * 10 + "\n", "é" * 11, "\n" * 30,
])
def test_has_line_longer_is_the_longest_line_over_the_limit(text: str) -> None:
    assert py.has_line_longer(text, 10) == (py.longest_line(text) > 10)


def test_has_line_longer_on_real_files() -> None:
    for path in sorted((ROOT / "filters").glob("*.py")) + sorted((ROOT / "beam_jobs").glob("*.py")):
        text = path.read_text()
        longest = py.longest_line(text)
        for limit in (longest - 1, longest, 40, 79, 1000):
            assert py.has_line_longer(text, limit) == (longest > limit), (path.name, limit)


@pytest.mark.parametrize("old, new", [
    ("a = 1\n", "a  =  1\n"), ("a = 1\n", "a = 2\n"), ("x\n", "x"), ("", " \n\t"), ("ab", "a b"), ("ab", "ba"),
    ("if x:\n    y\n", "if x:\n\ty\n"), ("s = 'a b'\n", "s = 'ab'\n"), ("a\u00a0b", "ab"), ("a\x1cb", "a b"),
    ("aXa", "aa"), ("a a a", "a  a"), ("ab ab", "ab  ab"), ("abc", "abc"),
])
def test_same_without_whitespace_is_the_squeezed_comparison(old: str, new: str) -> None:
    assert py._same_without_whitespace(old, new) == (py._squeezed(old) == py._squeezed(new))
    assert py._same_without_whitespace(new, old) == (py._squeezed(new) == py._squeezed(old))


def test_same_without_whitespace_on_real_files_edited_at_random() -> None:
    import random

    rng = random.Random(7)
    files = [path.read_text() for path in sorted((ROOT / "filters").glob("*.py")) if path.stat().st_size > 1000]
    agreed = {True: 0, False: 0}
    for text in files:
        for _ in range(20):
            i = rng.randrange(len(text))
            edit = rng.choice([" ", "\t", "\n", "  ", "\u00a0", "x", "", "\n    "])
            cut = rng.choice([0, 0, 1, 3])
            after = text[:i] + edit + text[i + cut:]
            expected = py._squeezed(text) == py._squeezed(after)
            assert py._same_without_whitespace(text, after) == expected
            agreed[expected] += 1
    assert agreed[True] > 50 and agreed[False] > 50


def test_chain_runs_paths_before_parsing() -> None:
    chain = build_commit_filters(FilterConfig())
    path = "third_party/lib/broken.py"
    record = make_record(old_file=path, new_file=path, new_contents="def broken(:\n")
    assert first_reason(chain, record) == "vendored_path"


def test_an_equal_source_read_again_is_not_parsed_again(monkeypatch) -> None:
    """One commit's new version is the next commit's old one, read from git as another string."""
    calls: list[str] = []
    real = py.ast.parse
    monkeypatch.setattr(py.ast, "parse", lambda source, *a, **kw: calls.append(source) or real(source, *a, **kw))
    parsing.clear_parse_memos()
    first = "def f(x):\n    return x + 1\n" * 3
    again = "".join(list(first))  # equal, not the same object
    assert again is not first
    tree = parsing.parse(first)
    assert parsing.parse(again) is tree and len(calls) == 1
    # a different source of the same length is parsed, and its own tree comes back
    other = first.replace("x + 1", "x - 1")
    assert len(other) == len(first) and parsing.parse(other) is not tree and len(calls) == 2
    assert py.ast.dump(parsing.parse(other)) == py.ast.dump(real(other))
    assert parsing.parse("def (") is None and parsing.parse("def (") is None and len(calls) == 3
    # The last four texts are held (a pair, a Python 2 rewrite and one more); the fifth drops the oldest.
    parsing.clear_parse_memos()
    texts = [f"x = {n}\n" for n in range(5)]
    for text in texts[:4]:
        parsing.parse(text)
    held = len(calls)
    assert all(parsing.parse(text) is not None for text in texts[:4]) and len(calls) == held
    parsing.parse(texts[4])
    parsing.parse(texts[0])
    assert len(calls) == held + 2
