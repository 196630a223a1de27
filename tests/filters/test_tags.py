"""Per-sample tags (filters/tags.py), edit kinds (filters/edits.py), and the tag-drop filter of the chain.

Each tag on a pair of real-looking Python files: one pair that carries it, one that does not.
"""
from __future__ import annotations

import ast
import dataclasses
import pickle

import pytest

from config.filters import DROPPABLE_TAGS, FilterConfig, filter_config_from_preset
from filters import edits, parsing, python, tags
from filters.chain import (REASONS, SETTINGS, CompiledRules, annotate, build_commit_filters, evaluate,
                           first_reason, record_tags)
from tests.filters.helpers import record_maker

# A small module as it sits in a real repository: docstrings, comments, a version, a bug.
MODULE = '''"""Read and summarise CSV exports of the billing service."""
import csv
from pathlib import Path

__version__ = "1.4.2"

# Columns every export must have.
REQUIRED = ("invoice", "amount", "currency")


def read_rows(path):
    """Yield each row of the export at `path` as a dict."""
    with Path(path).open(newline="") as handle:
        for row in csv.DictReader(handle):
            yield row


def total(rows, currency="EUR"):
    """Sum the amounts of the rows in one currency."""
    amount = 0
    for row in rows:
        if row["currency"] == currency:
            amount += float(row["amount"])
    return amount


def missing_columns(header):
    return [name for name in REQUIRED if name not in header]
'''

TEST_MODULE = '''import pytest

from billing.summary import total


def test_total_skips_other_currencies():
    rows = [{"amount": "2.5", "currency": "EUR"}, {"amount": "4", "currency": "USD"}]
    assert total(rows) == 2.5


def test_total_of_nothing_is_zero():
    assert total([]) == 0
'''

# A real fix: the comparison ignored lower-case currency codes.
FIX = MODULE.replace('        if row["currency"] == currency:\n',
                     '        if row["currency"].upper() == currency.upper():\n')
# Quotes and line breaks only (what black does): the same tree.
REFORMATTED = MODULE.replace('REQUIRED = ("invoice", "amount", "currency")',
                             "REQUIRED = (\n    'invoice',\n    'amount',\n    'currency',\n)")
# A comment added and one reworded; nothing else.
COMMENTED = MODULE.replace("# Columns every export must have.", "# Columns every export must have (see the\n"
                                                                  "# billing service's export spec, section 3).") \
    .replace("            amount += float(row[\"amount\"])\n",
             "            amount += float(row[\"amount\"])  # amounts are decimal strings\n")
# A docstring reworded and one added.
DOCUMENTED = MODULE.replace('    """Sum the amounts of the rows in one currency."""',
                            '    """Sum the amounts of the rows in one currency; other currencies are skipped."""') \
    .replace("def missing_columns(header):\n", 'def missing_columns(header):\n    """The required columns `header` lacks."""\n')
BUMPED = MODULE.replace('__version__ = "1.4.2"', '__version__ = "1.4.3"')
SETUP = '''from setuptools import setup

setup(
    name="billing-summary",
    version="1.4.2",
    packages=["billing"],
    install_requires=["click>=8"],
)
'''
BROKEN = MODULE.replace("def total(rows, currency=\"EUR\"):", "def total(rows, currency=\"EUR\")")

make_record = record_maker(path="billing/summary.py", old_contents=MODULE, new_contents=FIX,
                           subject="Compare currency codes without regard to case")


def content_tags(old: str, new: str) -> tuple[str, ...]:
    return tags.analyse(old, new).tags


# --------------------------------------------------------------------------------------------- tags

@pytest.mark.parametrize("path", ["tests/test_summary.py", "billing/tests/helpers.py", "test/data.py",
                                  "billing/test_summary.py", "billing/summary_test.py", "conftest.py",
                                  "billing/conftest.py"])
def test_test_file_by_path(path: str) -> None:
    assert record_tags(make_record(path=path, old_contents=TEST_MODULE,
                                   new_contents=TEST_MODULE.replace("2.5", "2.50"))) == ["test_file"]


@pytest.mark.parametrize("path", ["billing/summary.py", "billing/testing_utils.py", "billing/contest.py",
                                  "latest/summary.py", "billing/attest_test_data.txt.py"])
def test_not_a_test_file(path: str) -> None:
    assert "test_file" not in record_tags(make_record(path=path))


def test_a_file_moved_out_of_tests_is_still_tagged_by_its_old_path() -> None:
    record = make_record(old_file="tests/helpers.py", new_file="billing/helpers.py")
    assert record_tags(record) == ["test_file"]


def test_formatting_only() -> None:
    assert content_tags(MODULE, REFORMATTED) == ("formatting_only",)
    assert content_tags(MODULE, MODULE.replace("    ", "\t")) == ("formatting_only",)
    assert content_tags(MODULE, FIX) == ()
    # Whitespace inside a string is in the tree: not formatting.
    assert content_tags(MODULE, MODULE.replace('"EUR"', '" EUR"')) == ()
    assert content_tags(MODULE, MODULE) == ()  # no change, no tag


def test_comment_only_is_docs_only_too() -> None:
    assert content_tags(MODULE, COMMENTED) == ("docs_only", "comment_only")
    # A `#` inside a string is not a comment: changing it changes the tree.
    assert content_tags(MODULE, MODULE.replace('"currency")', '"currency #")')) == ()
    # A comment removed beside a code change: neither.
    assert content_tags(COMMENTED, FIX) == ()


def test_docs_only() -> None:
    assert content_tags(MODULE, DOCUMENTED) == ("docs_only",)
    # Module docstring reworded and a comment dropped: still only documentation.
    assert content_tags(MODULE, MODULE.replace("Read and summarise", "Read and total")
                        .replace("# Columns every export must have.\n", "")) == ("docs_only",)
    # A docstring plus a real change: not docs only.
    assert content_tags(MODULE, DOCUMENTED.replace("amount = 0", "amount = 0.0")) == ()
    # A string that is not a docstring (a constant) changed: a real change.
    assert content_tags(MODULE, MODULE.replace('"invoice"', '"invoice_id"')) == ()


def test_version_bump() -> None:
    assert content_tags(MODULE, BUMPED) == ("version_bump",)
    assert content_tags(SETUP, SETUP.replace('version="1.4.2"', 'version="1.5.0rc1"')) == ("version_bump",)
    for name in ("VERSION", "version", "__version_info__", "release"):
        old = f'{name} = (1, 4, 2)\nAUTHOR = "billing team"\n'
        assert content_tags(old, old.replace("(1, 4, 2)", "(1, 5, 0)")) == ("version_bump",), name
    # The version and something else: not only a bump.
    assert content_tags(MODULE, BUMPED.replace('"EUR"', '"USD"')) == ()
    assert content_tags(SETUP, SETUP.replace('version="1.4.2"', 'version="1.4.3"')
                        .replace('"click>=8"', '"click>=8.1"')) == ()
    # A version-looking string assigned to another name is not a version.
    assert content_tags('DEFAULT_TIMEOUT = "1.5"\n', 'DEFAULT_TIMEOUT = "2.5"\n') == ()
    # A version read from metadata instead of a literal: a real change.
    assert content_tags(MODULE, MODULE.replace('"1.4.2"', 'metadata.version("billing")')) == ()


def test_syntax_errors() -> None:
    assert content_tags(BROKEN, MODULE) == ("syntax_error_before",)
    assert content_tags(MODULE, BROKEN) == ("syntax_error_after",)
    assert content_tags(BROKEN, BROKEN.replace("amount = 0", "amount = 0.0")) == ("syntax_error_before",
                                                                                  "syntax_error_after")
    assert content_tags(MODULE, FIX) == ()


def test_python2_is_parsed_under_its_own_grammar() -> None:
    old = 'import sys\n\n\ndef main():\n    print "usage: %s FILE" % sys.argv[0]\n    return 1\n'
    new = old.replace("return 1", "return 2")
    analysis = tags.analyse(old, new)
    assert analysis.tags == () and analysis.python_major == 2 and analysis.old_parses
    assert analysis.edit_kinds == ("Return",)


PY2_MODULE = """import sys


def usage():
    print "usage: %s FILE" % sys.argv[0]
    return 1


class Reader(object):
    def __init__(self, path):
        self.path = path

    def read(self):
        try:
            return open(self.path).read()
        except IOError, e:
            print >>sys.stderr, e
            return None


def main():
    if len(sys.argv) <> 2:
        return usage()
    print Reader(sys.argv[1]).read()
    return 0
"""


def test_python2_pairs_are_derived_and_compared_statement_by_statement(monkeypatch) -> None:
    """The old version's rewrite is made from the new one's tree (not parsed whole), and the
    comparison reuses unchanged statements' hashes as for Python 3, with the same answers."""
    new = PY2_MODULE.replace("return open(self.path).read()", "return open(self.path, 'rb').read()")
    whole: list[str] = []
    real = parsing._full_parse
    monkeypatch.setattr(parsing, "_full_parse", lambda text: whole.append(text) or real(text))
    parsing.clear_parse_memos()
    python.python2_form.cache_clear()
    python.parses_py3.cache_clear()
    versions = edits.parse_versions(PY2_MODULE, new)
    assert versions.major == python.PYTHON2 and versions.old_rewrite == python.python2_form(PY2_MODULE)
    assert whole == [PY2_MODULE, new, versions.new_rewrite]  # the Python 3 tries, then the new rewrite
    assert ast.dump(versions.old_tree) == ast.dump(ast.parse(versions.old_rewrite))
    assert edits.compare(versions) == edits.compare(versions, reuse_statements=False)
    assert edits.compare(versions).edit_kinds == frozenset({"Call"})
    keys = edits.statement_keys(versions.old_tree, versions.old_parsed)
    info = edits.hash_tree(versions.new_tree, edits.statement_keys(versions.new_tree, versions.new_parsed),
                           edits.hash_tree(versions.old_tree, keys).statements)
    assert len(info.reused) > 10


def test_analysis_agrees_with_the_filters_parse() -> None:
    for old, new in ((MODULE, FIX), (BROKEN, MODULE), (MODULE, BROKEN), ("print 'a'\n", "print 'b'\n"),
                     ("x = (\n", "print 'b'\n"), ("", "")):
        a = tags.analyse(old, new)
        major = python.python_major(new)
        assert (a.python_major, a.old_parses) == (major, python.parses_as(old, major or python.PYTHON3))


def test_each_version_is_parsed_once(monkeypatch) -> None:
    """The filter chain's parse check and annotate share the trees: one version is parsed whole, the
    other is derived from it (only its changed lines are parsed), and nothing is parsed twice."""
    calls: list[str] = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, *a, **k: calls.append(source) or real(source, *a, **k))
    tags.clear_memo()
    parsing.clear_parse_memos()
    record = make_record(new_contents=FIX + "\n# one more line\n")
    annotated = annotate(record, CompiledRules(FilterConfig()))
    chain = build_commit_filters(FilterConfig())
    assert first_reason(chain, record) is None and annotated.edit_kinds == ["Attribute", "Compare"]
    assert [c for c in calls if c in (record.old_contents, record.new_contents)] == [record.old_contents]
    assert len(calls) == 2 and len(calls[1].strip()) < len(record.new_contents.strip()) / 2


# ---------------------------------------------------------------------------------------- edit kinds

def test_edit_kinds_column_matches_the_reports_definition() -> None:
    for old, new in ((MODULE, FIX), (MODULE, DOCUMENTED), (MODULE, BUMPED), (MODULE, REFORMATTED), (SETUP, SETUP)):
        assert tags.analyse(old, new).edit_kinds == tuple(sorted(edits.edit_kinds(old, new) or ()))
    # The old comparison is gone; the new one holds `.upper` attributes the old code never had.
    assert tags.analyse(MODULE, FIX).edit_kinds == ("Attribute", "Compare")
    assert tags.analyse(BROKEN, MODULE).edit_kinds == () and edits.edit_kinds(BROKEN, MODULE) is None
    # Values of different types that print alike are different values.
    for old, new in (('RETRIES = "1"\n', "RETRIES = 1\n"), ("RETRIES = 1\n", "RETRIES = True\n"),
                     ("RETRIES = 1\n", "RETRIES = 1.0\n")):
        assert tags.analyse(old, new).edit_kinds == ("Assign",) and edits.edit_kinds(old, new) == {"Assign"}


# -------------------------------------------------------------------------------------- annotation

def test_annotate_fills_tags_and_edit_kinds() -> None:
    strict = FilterConfig()
    fix = annotate(make_record(), strict)
    assert (fix.tags, fix.edit_kinds) == ([], ["Attribute", "Compare"])
    test_fix = annotate(make_record(path="tests/test_summary.py", old_contents=TEST_MODULE,
                                    new_contents=TEST_MODULE.replace("== 2.5", "== pytest.approx(2.5)")), strict)
    assert (test_fix.tags, test_fix.edit_kinds) == (["test_file"], ["Attribute", "Compare"])
    docs = annotate(make_record(new_contents=COMMENTED), strict)
    assert (docs.tags, docs.edit_kinds) == (["docs_only", "comment_only"], [])
    syntax = annotate(make_record(old_contents=BROKEN, new_contents=MODULE), strict)
    assert (syntax.tags, syntax.old_parses, syntax.edit_kinds) == (["syntax_error_before"], False, [])
    # A tag the record already carries stays (annotate is idempotent).
    again = annotate(dataclasses.replace(docs, tags=["redacted"]), strict)
    assert again.tags == ["docs_only", "comment_only", "redacted"]


# --------------------------------------------------------------------------------- the drop filter

def test_drop_tags_defaults_per_preset() -> None:
    assert FilterConfig().drop_tags == ["formatting_only", "version_bump", "syntax_error_after"]
    assert filter_config_from_preset("commitpackft").drop_tags == []
    assert filter_config_from_preset("none").drop_tags == []
    assert DROPPABLE_TAGS == tuple(t for t in tags.TAGS if t != tags.REDACTED)
    assert REASONS["tags"] == tuple(f"tag_{t}" for t in DROPPABLE_TAGS)
    assert all(SETTINGS[reason] == ("filters.drop_tags",) for reason in REASONS["tags"])


def test_strict_drops_formatting_and_version_bumps_with_a_named_reason() -> None:
    chain = build_commit_filters(FilterConfig())
    rules = CompiledRules(FilterConfig())
    assert [f.name for f in chain][-1] == "tags"
    assert evaluate(make_record(new_contents=REFORMATTED), chain, rules) == ("tag_formatting_only", None)
    assert evaluate(make_record(new_contents=BUMPED), chain, rules) == ("tag_version_bump", None)
    # new_does_not_parse comes first in strict (the tag fails too: tests/filters/test_also_failed.py).
    assert first_reason(chain, make_record(new_contents=BROKEN)) == "new_does_not_parse"
    # Kept, and tagged: docstrings, comments, tests, syntax fixes.
    for new in (DOCUMENTED, COMMENTED):
        reason, kept = evaluate(make_record(new_contents=new), chain, rules)
        assert reason is None and kept is not None and "docs_only" in kept.tags
    reason, kept = evaluate(make_record(old_contents=BROKEN, new_contents=MODULE), chain, rules)
    assert reason is None and kept is not None and kept.tags == ["syntax_error_before"]


def test_drop_tags_is_configurable() -> None:
    cfg = dataclasses.replace(FilterConfig(), drop_tags=["test_file", "docs_only"])
    chain, rules = build_commit_filters(cfg), CompiledRules(cfg)
    test_fix = make_record(path="tests/test_summary.py", old_contents=TEST_MODULE,
                           new_contents=TEST_MODULE.replace("== 2.5", "== 2.50"))
    assert evaluate(test_fix, chain, rules)[0] == "tag_test_file"
    assert evaluate(make_record(new_contents=DOCUMENTED), chain, rules)[0] == "tag_docs_only"
    assert evaluate(make_record(new_contents=REFORMATTED), chain, rules)[0] is None  # no longer dropped
    # No tag dropped: no tag filter, the chain is what it was.
    assert "tags" not in [f.name for f in build_commit_filters(dataclasses.replace(cfg, drop_tags=[]))]


def test_commitpackft_drops_no_tag() -> None:
    cfg = filter_config_from_preset("commitpackft")
    chain, rules = build_commit_filters(cfg), CompiledRules(cfg)
    assert "tags" not in [f.name for f in chain]
    for new in (REFORMATTED, BUMPED):
        reason, kept = evaluate(make_record(new_contents=new), chain, rules)
        assert reason is None and kept is not None and kept.tags


def test_the_tag_filter_pickles() -> None:
    chain = build_commit_filters(FilterConfig())
    copy = pickle.loads(pickle.dumps(chain))
    record = make_record(new_contents=REFORMATTED)
    assert first_reason(copy, record) == first_reason(chain, record) == "tag_formatting_only"


def test_unknown_tags_are_a_config_problem() -> None:
    from config.filters import problems

    assert problems(dataclasses.replace(FilterConfig(), drop_tags=["formating_only"])) == [
        "config key 'filters.drop_tags' holds unknown tag(s) 'formating_only' (known: test_file, docs_only, "
        "comment_only, formatting_only, version_bump, syntax_error_before, syntax_error_after)"]


def test_statements_the_versions_share_are_hashed_once_with_the_same_answers() -> None:
    """compare() takes an unchanged module-level statement or class member's hashes from the old tree
    instead of walking it again; on real library files under seeded edits every comparison (tags'
    inputs and edit kinds) is the one a full walk of both trees gives, and unchanged statements were
    really reused."""
    from tests.realcode import edited, real_sources

    compared = reused = eligible = 0
    for i, old in enumerate(real_sources(300)):
        for new in (edited(old, i), old.replace('"""', "'''", 1), old + "\nVERSION = '1.2.3'\n"):
            versions = edits.parse_versions(old, new)
            assert edits.compare(versions) == edits.compare(versions, reuse_statements=False)
            compared += 1
            if versions.major == 3 and versions.old_tree is not None and versions.new_tree is not None:
                keys = edits.statement_keys(versions.new_tree, new)
                eligible += keys is not None
                old_info = edits.hash_tree(versions.old_tree, edits.statement_keys(versions.old_tree, old))
                info = edits.hash_tree(versions.new_tree, keys, old_info.statements)
                reused += bool(info.reused)
                assert info.hashes() == edits.hash_tree(versions.new_tree).hashes() or not keys
    assert compared == 900 and eligible > 300 and reused >= 0.9 * eligible, (eligible, reused)


def test_a_files_history_reuses_the_statements_earlier_commits_hashed() -> None:
    """Each real file edited five times in a row, compared commit by commit as a history walk meets
    them: the old version's unchanged statements come from the memo of the commit before (StatementMemo),
    and every comparison is the one full walks of both trees give."""
    from tests.realcode import edited, real_sources

    import ast

    def parses(text: str) -> bool:
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):
            return False
        return True

    def next_version(text: str, seed: int) -> str:
        """A seeded edit that still parses (most random line edits do not), else one appended line."""
        for attempt in range(30):
            candidate = edited(text, 1000 * seed + attempt)
            if parses(candidate):
                return candidate
        return text + f"\nEDIT_{seed} = {seed}\n"

    edits._SEEN.clear()
    compared = 0
    for i, source in enumerate(s for s in real_sources(80) if parses(s)):
        if i == 60:
            break
        versions_seen = [source]
        for step in range(5):
            versions_seen.append(next_version(versions_seen[-1], 100 * i + step))
        for old, new in zip(versions_seen, versions_seen[1:]):
            versions = edits.parse_versions(old, new)
            assert edits.compare(versions) == edits.compare(versions, reuse_statements=False)
            compared += 1
    assert compared == 300 and edits._SEEN.hits > 5_000, edits._SEEN.hits
    edits._SEEN.clear()


def test_a_history_walked_newest_first_finds_the_old_versions_statements_in_the_memo() -> None:
    """The costly filters meet a file's commits newest first (beam_jobs/sources/git `file_order_key`):
    a commit's new version is the old version of the commit compared just before. A statement that
    the later commit changed and this one did not is found only because old versions' statements are
    remembered too."""
    def module(f: str, g: str) -> str:
        return (f"def f(a):\n    return a + {f}\n\n\ndef g(b):\n    return b * {g}\n\n\n"
                "def h(c):\n    return [c for _ in range(3)]\n")

    v0, v1, v2 = module("1", "2"), module("1", "3"), module("4", "3")  # commit 1 changes g, commit 2 f
    edits._SEEN.clear()
    later = edits.parse_versions(v1, v2)
    assert edits.compare(later) == edits.compare(later, reuse_statements=False)
    hits = edits._SEEN.hits
    earlier = edits.parse_versions(v0, v1)
    assert edits.compare(earlier) == edits.compare(earlier, reuse_statements=False)
    # Unchanged by commit 1: f (changed by commit 2, so only in v1 as an old version) and h.
    assert edits._SEEN.hits - hits == 2
    assert edits.compare(earlier).edit_kinds == frozenset({"BinOp"})
    edits._SEEN.clear()


def test_the_statement_memo_is_bounded_by_the_hashes_it_holds() -> None:
    memo = edits.StatementMemo(max_hashes=10)
    stmt = lambda n: edits.StatementHashes(n, None, tuple(range(4)), False, False)  # noqa: E731
    memo.remember({(0, 1, "a"): stmt(1), (0, 1, "b"): stmt(2)})
    assert memo.found([(0, 1, "a")]) == {(0, 1, "a"): stmt(1)}
    memo.remember({(0, 1, "c"): stmt(3)})  # 12 hashes > 10: the least recently used ("b") goes
    assert memo.found([(0, 1, "a"), (0, 1, "b"), (0, 1, "c")]) == {(0, 1, "a"): stmt(1), (0, 1, "c"): stmt(3)}
    assert memo._held == 8 and memo.hits == 3


_CLASS_MODULE = '''"""Module doc."""
import os

VERSION = "1.2.3"


@decorated
class Shape(Base, metaclass=Meta):
    """Shape doc."""
    version = "0.1.0"

    def area(self):
        """Area doc."""
        return self.w * self.h  # the product

    def name(self):
        return "shape"


def helper(x):
    """Helper doc."""
    return os.path.join(x, "y")
'''

# (new version, same_ast, same_but_docstrings, same_but_versions)
_CLASS_EDITS = [
    (_CLASS_MODULE.replace("# the product", "# width times height"), True, False, False),
    (_CLASS_MODULE.replace("Area doc.", "The area."), False, True, False),
    (_CLASS_MODULE.replace('"""Shape doc."""', '"""Shape, reworded."""'), False, True, False),
    (_CLASS_MODULE.replace('"""Area doc."""\n        ', ""), False, True, False),  # a docstring dropped
    (_CLASS_MODULE.replace('"""Module doc."""', '"""Module, reworded."""'), False, True, False),
    (_CLASS_MODULE.replace('version = "0.1.0"', 'version = "0.2.0"'), False, False, True),
    (_CLASS_MODULE.replace('"1.2.3"', '"1.3.0"'), False, False, True),
    (_CLASS_MODULE.replace("Area doc.", "The area.").replace('"shape"', '"Shape"'), False, False, False),
    (_CLASS_MODULE.replace("@decorated", "@other"), False, False, False),
    (_CLASS_MODULE.replace("Base, metaclass", "Base2, metaclass"), False, False, False),
    (_CLASS_MODULE.replace("class Shape", "class Form"), False, False, False),
    (_CLASS_MODULE.replace('    def name(self):\n        return "shape"\n', ""), False, False, False),
    (_CLASS_MODULE.replace("Helper doc.", "The helper.").replace("# the product", "# w*h"), False, True, False),
]


@pytest.mark.parametrize("new, same, docs, versions", _CLASS_EDITS)
def test_exact_checks_look_only_at_statements_whose_text_differs(new: str, same: bool, docs: bool,
                                                                 versions: bool) -> None:
    """Where the hashes agree, the trees are confirmed equal statement by statement, members of a
    changed class one by one: the same answers as comparing the whole trees."""
    versions_ = edits.parse_versions(_CLASS_MODULE, new)
    found = edits.compare(versions_)
    assert (found.same_ast, found.same_but_docstrings, found.same_but_versions) == (same, docs, versions)
    assert found == edits.compare(versions_, reuse_statements=False)


@pytest.mark.parametrize("new, same, docs, versions", _CLASS_EDITS)
def test_exact_checks_decide_when_the_hashes_collide(monkeypatch, new: str, same: bool, docs: bool,
                                                     versions: bool) -> None:
    """The exact checks are what stands between a hash collision and a wrong tag: with every root
    hash forced equal, they alone must give the answers."""
    real = edits.hash_tree

    def colliding(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), root=0, root_without_docs=0, root_versions_masked=0)

    monkeypatch.setattr(edits, "hash_tree", colliding)
    found = edits.compare(edits.parse_versions(_CLASS_MODULE, new))
    assert (found.same_ast, found.same_but_docstrings, found.same_but_versions) == (same, docs, versions)


def test_statement_keys_of_a_tree_seen_just_before_are_its_own() -> None:
    """The last trees' keys are kept with the trees: the same tree and text give the same keys,
    and another tree of the same text gets keys by its own statements' ids."""
    source = "import os\n\n\nclass A:\n    x = 1\n\n    def f(self):\n        return 2\n"
    first, second = ast.parse(source), ast.parse(source)
    keys = edits.statement_keys(first, source)
    assert keys == edits._statement_keys(first, source)
    assert edits.statement_keys(first, "".join(source)) is keys
    other = edits.statement_keys(second, source)
    assert set(other) == {id(s) for s in second.body} | {id(m) for m in second.body[1].body}
    assert sorted(other.values()) == sorted(keys.values())
    assert edits.statement_keys(ast.parse("a = 1\r\n"), "a = 1\r\n") is None
