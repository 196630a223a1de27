"""Per-sample tags: what kind of change a record is, for a trainer to filter on.

Pure functions on a record's paths and contents. The tags, in the order they are listed in a
record's `tags` column:

test_file            the file is a test: a path under a `tests/` or `test/` folder, or a file named
                     `test_*.py`, `*_test.py` or `conftest.py`;
docs_only            only docstrings or comments changed: the two syntax trees are equal once
                     docstrings are left out (so comment-only changes are docs_only too);
comment_only         only comments changed: equal trees, and the comments differ (layout around
                     them may move, as adding a comment line does);
formatting_only      equal trees, the same comments, different text: only layout, quotes,
                     parentheses or line breaks changed;
version_bump         the trees differ only in a version value: a string such as "1.2.3" (or a tuple
                     of version parts) assigned to a name like `__version__`, `VERSION`, `release`
                     or passed as `version=`;
syntax_error_before  the old version does not parse (under the grammar the new version parses with);
syntax_error_after   the new version does not parse.

`redacted` is added later, by assembly's secrets stage, when a secret in the sample was replaced.

`analyse` computes the content tags together with `edit_kinds`, `python_major` and `old_parses`
from one parse of each version (filters/edits.py), memoised on the two texts: the tag-drop filter
and `annotate` ask about the same record back to back, and the second asks for free. Answers do
not depend on the memo.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from filters.content import line_count
from filters.edits import compare, parse_versions
from filters.literals import comment_texts
from filters.python import PYTHON3
from filters.units import Units, units_of

TEST_FILE = "test_file"
DOCS_ONLY = "docs_only"
COMMENT_ONLY = "comment_only"
FORMATTING_ONLY = "formatting_only"
VERSION_BUMP = "version_bump"
SYNTAX_ERROR_BEFORE = "syntax_error_before"
SYNTAX_ERROR_AFTER = "syntax_error_after"
REDACTED = "redacted"  # set by beam_jobs/assembly/secrets.py, not here

# Every tag a record can carry, in the order a record lists them.
TAGS: tuple[str, ...] = (TEST_FILE, DOCS_ONLY, COMMENT_ONLY, FORMATTING_ONLY, VERSION_BUMP, SYNTAX_ERROR_BEFORE,
                         SYNTAX_ERROR_AFTER, REDACTED)
_ORDER = {tag: i for i, tag in enumerate(TAGS)}
# The reason a record dropped for a tag is counted and rejected under.
REASON_PREFIX = "tag_"


def reason_for(tag: str) -> str:
    return f"{REASON_PREFIX}{tag}"


def ordered(tags: set[str] | list[str] | tuple[str, ...]) -> list[str]:
    """Tags in TAGS order (unknown ones after, by name): a record's `tags` column reads the same on
    every run."""
    return sorted(set(tags), key=lambda t: (_ORDER.get(t, len(_ORDER)), t))


# ------------------------------------------------------------------------------------------- paths

_TEST_DIRS = frozenset({"tests", "test"})
_TEST_NAME = re.compile(r"^(?:test_.*|.*_test|conftest)\.py[iw]?$")


def is_test_path(path: str) -> bool:
    """`tests/x.py`, `pkg/test/x.py`, `test_x.py`, `x_test.py`, `conftest.py` (any folder)."""
    parts = path.replace("\\", "/").split("/")
    return bool(_TEST_NAME.match(parts[-1])) or any(p in _TEST_DIRS for p in parts[:-1])


def path_tags(old_file: str, new_file: str) -> list[str]:
    return [TEST_FILE] if is_test_path(new_file) or (old_file and is_test_path(old_file)) else []


# ---------------------------------------------------------------------------------------- comments

_HASH_COMMENT = re.compile(r"#.*$", re.MULTILINE)


def comments(source: str) -> list[str]:
    """The comments of a source, in order, each without trailing blanks. Read with `tokenize`, so a
    `#` inside a string is not a comment; a source tokenize cannot read falls back to every `#...`
    to the end of a line."""
    found = comment_texts(source)  # tokenize's comments, found faster (filters/literals.py)
    if found is None:
        return [m.group(0).rstrip() for m in _HASH_COMMENT.finditer(source)]
    return [comment.rstrip() for comment in found]


# ------------------------------------------------------------------------------------- the analysis

@dataclass(frozen=True)
class Analysis:
    """What the filter stage records about a pair's contents (paths aside)."""
    tags: tuple[str, ...]
    edit_kinds: tuple[str, ...]   # sorted
    python_major: int
    old_parses: bool
    # The definition units of (old, new) when both parse as Python 3 as they are (filters/units.py):
    # what the window stage cuts along, read off the trees parsed here. Not part of the answer's value.
    units: tuple[Units, Units] | None = field(default=None, compare=False, repr=False)


# Memoised on the two strings: the parse check, the tag-drop filter, `annotate` and the window stage
# all ask about the same record, and the first three sit a language batch apart (512 records).
# An OrderedDict rather than lru_cache, so that the window stage can ask without computing (`analysed`).
_MEMO_SIZE = 1024
_MEMO: OrderedDict[tuple[str, str], Analysis] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def analysed(old: str, new: str) -> Analysis | None:
    """The memoised analysis of the pair, or None when it has not been made (or was evicted)."""
    with _MEMO_LOCK:
        return _MEMO.get((old, new))


def analyse(old: str, new: str, family: str | None = None) -> Analysis:
    """Content tags, edit kinds, python_major and old_parses of one pair, each version parsed once.

    Memoised on the two strings (1,024 pairs: a batch of the filter chain and the records the
    annotation step sees after it). Answers do not depend on the memo, nor on `family`, the hint
    that lets a file's versions be parsed from each other (filters/python.py `parse_pair`)."""
    key = (old, new)
    with _MEMO_LOCK:
        found = _MEMO.get(key)
        if found is not None:
            _MEMO.move_to_end(key)
            return found
    result = _analyse(old, new, family)
    with _MEMO_LOCK:
        _MEMO[key] = result
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return result


def clear_memo() -> None:
    with _MEMO_LOCK:
        _MEMO.clear()


def _analyse(old: str, new: str, family: str | None) -> Analysis:
    versions = parse_versions(old, new, family)
    found: list[str] = []
    if not versions.old_parses:
        found.append(SYNTAX_ERROR_BEFORE)
    if versions.new_tree is None:
        found.append(SYNTAX_ERROR_AFTER)
    result = compare(versions)
    if result.same_ast and old != new:
        if comments(old) != comments(new):
            found += [DOCS_ONLY, COMMENT_ONLY]
        else:
            found.append(FORMATTING_ONLY)
    elif result.same_but_docstrings:
        found.append(DOCS_ONLY)
    elif result.same_but_versions:
        found.append(VERSION_BUMP)
    units = None
    if versions.major == PYTHON3 and versions.old_tree is not None and versions.new_tree is not None:
        units = (units_of(versions.old_tree, line_count(old)), units_of(versions.new_tree, line_count(new)))
    return Analysis(tags=tuple(ordered(found)), edit_kinds=tuple(sorted(result.edit_kinds)),
                    python_major=versions.major, old_parses=versions.old_parses, units=units)


def tags_of(old_file: str, new_file: str, old: str, new: str) -> list[str]:
    """Every tag of a pair (paths and contents), in TAGS order."""
    return ordered(path_tags(old_file, new_file) + list(analyse(old, new).tags))
