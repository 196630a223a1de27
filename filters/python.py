"""Python-specific rules (beyond the paper): paths, machine-written files, size of the change, parsing.

Split by cost so the chain can run the cheap part early:
- `check_paths` reads only the path (vendored code, generated-file names);
- `check_text` scans the text once (minified lines, generated-file headers, share of changed lines);
- `check_parse` runs `ast` and comes last, after language detection.

Parsing uses the running interpreter's grammar. All workers of one run must use the same Python
minor version, or a file using newer syntax (3.12 f-strings, `type` aliases) parses on one worker and
not on another.

Python 2: lib2to3 is gone in 3.13, so Python 2 is recognised without it. When a source does not
parse as Python 3, the usual Python 2-only forms are rewritten into Python 3 forms that parse the same
way (`print x` -> `print(), x`, `exec code` -> `exec, code`, `except E, e:` -> `except E as e:`,
`raise E, v` -> `raise E( v)`, backticks -> repr(), `<>` -> `!=`, `10L` -> `10`, `0777` -> `0o777`,
`ur''` -> `r''`, tab indentation expanded to 8 columns) and the result is parsed. If it parses, the
file is Python 2. The rewrite only has to keep the syntax valid, not the meaning, and it only runs on
files that already failed as Python 3, so a wrong guess can only turn a broken file into "Python 2",
never reject a valid Python 3 file. Known misses: tuple parameters (`def f((a, b))`) and print
statements that do not start a line or follow a colon.

Reasons: vendored_path, generated_file, minified, change_too_large, new_does_not_parse,
python2_source, whitespace_only.
"""
from __future__ import annotations

import ast
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters.base import rules_from

PYTHON3 = 3
PYTHON2 = 2
# python_major of a new version that parses as neither (only kept when parsing is not required).
UNPARSED = 0

_GENERATED_PATH = re.compile(
    r"(?:^|/)migrations/\d{4}_[^/]*\.py$"     # Django migrations, written by makemigrations
    r"|_pb2(?:_grpc)?\.pyi?$"                  # protoc output
)
_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)


@dataclass(frozen=True)
class PythonRules:
    reject_vendored: bool
    vendored_dirs: frozenset[str]
    reject_generated: bool
    generated_header: re.Pattern[str] | None
    generated_header_chars: int
    minified_max_line_chars: int | None
    max_change_share: float | None
    require_new_parses: bool
    allow_python2: bool
    reject_whitespace_only: bool

    @property
    def checks_paths(self) -> bool:
        return self.reject_vendored or self.reject_generated

    @property
    def checks_text(self) -> bool:
        return self.reject_generated or self.minified_max_line_chars is not None or self.max_change_share is not None

    @property
    def checks_parse(self) -> bool:
        return self.require_new_parses or self.reject_whitespace_only


def compile_python_rules(cfg: FilterConfig) -> PythonRules:
    header = None
    markers = [m for m in cfg.generated_markers if m.strip()]
    if markers:
        alternatives = "|".join(re.escape(m) for m in markers)
        header = re.compile(rf"^[ \t]*#.*?(?:{alternatives})", re.IGNORECASE | re.MULTILINE)
    return rules_from(PythonRules, cfg, vendored_dirs=frozenset(d.lower() for d in cfg.vendored_dirs),
                      generated_header=header)


# ------------------------------------------------------------------------------------------ parsing

# Invalid escapes such as "\d" warn at parse time (DeprecationWarning, SyntaxWarning from 3.12); they
# are the mined file's business, not ours. Parsing under our own file name lets one filter, installed
# once, silence exactly those warnings: `warnings.catch_warnings` per call is not thread-safe, and Beam
# runs DoFns on several threads of one process.
_PARSE_FILENAME = "<repairpack-filter>"
warnings.filterwarnings("ignore", module=re.escape(_PARSE_FILENAME))


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source, filename=_PARSE_FILENAME)
    except _PARSE_ERRORS:
        return None


@lru_cache(maxsize=512)
def parses_py3(source: str) -> bool:
    """Memoised on the string: the filter and `annotate` ask about the same objects back to back."""
    return _parse(source) is not None


_PY2_TABS = re.compile(r"^[ \t]*\t[ \t]*", re.MULTILINE)
_PY2_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(^[ \t]*|:[ \t]*)print[ \t]*>>[ \t]*", re.MULTILINE), r"\1print(), "),
    (re.compile(r"(^[ \t]*|:[ \t]*)print[ \t]+(?=[^\s=(.,)\]}:;])", re.MULTILINE), r"\1print(), "),
    (re.compile(r"(^[ \t]*|:[ \t]*)exec[ \t]+(?=[^\s=(.,)\]}:;])", re.MULTILINE), r"\1exec, "),
    (re.compile(r"(\bexcept\b[^:\n]*?),[ \t]*(\w+)[ \t]*:"), r"\1 as \2:"),
    (re.compile(r"^([ \t]*raise[ \t]+[\w.]+)[ \t]*,(.*)$", re.MULTILINE), r"\1(\2)"),
    (re.compile(r"`([^`\n]*)`"), r"repr(\1)"),
    (re.compile(r"<>"), "!="),
    (re.compile(r"(?<![\w.])(0[xX][0-9a-fA-F]+|\d+)[lL]\b"), r"\1"),
    (re.compile(r"(?<![\w.])0(\d+)(?![\w.])"), r"0o\1"),
    (re.compile(r"\b[uU]([rR]['\"])"), r"\1"),
)


def python2_rewrite(source: str) -> str:
    """Python 2-only syntax rewritten into Python 3 syntax that parses alike (meaning not kept)."""
    text = source
    if "\t" in text:
        text = _PY2_TABS.sub(lambda m: m.group(0).expandtabs(8), text)
    for pattern, replacement in _PY2_REWRITES:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=256)
def python2_form(source: str) -> str | None:
    """The rewritten source when `source` is Python 2 (fails as Python 3, parses once rewritten)."""
    if parses_py3(source):
        return None
    rewritten = python2_rewrite(source)
    if rewritten == source or _parse(rewritten) is None:
        return None
    return rewritten


def python_major(source: str) -> int:
    if parses_py3(source):
        return PYTHON3
    if python2_form(source) is not None:
        return PYTHON2
    return UNPARSED


def parses_as(source: str, major: int) -> bool:
    """Whether `source` parses under the grammar the new version was accepted with.

    Python 2 code that happens to be valid Python 3 (no print statement) counts as parsing too.
    """
    if parses_py3(source):
        return True
    return major == PYTHON2 and python2_form(source) is not None


# --------------------------------------------------------------------------------------- path rules

def is_vendored(path: str, dirs: frozenset[str]) -> bool:
    parts = path.lower().split("/")[:-1]
    return any(part in dirs for part in parts)


def check_paths(record: CommitRecord, rules: PythonRules) -> str | None:
    path = record.new_file
    if rules.reject_vendored and (is_vendored(path, rules.vendored_dirs)
                                  or (record.old_file != path and is_vendored(record.old_file, rules.vendored_dirs))):
        return "vendored_path"
    if rules.reject_generated and _GENERATED_PATH.search(path):
        return "generated_file"
    return None


# --------------------------------------------------------------------------------------- text rules

def longest_line(text: str) -> int:
    return max(map(len, text.splitlines()), default=0)


def change_share(old: str, new: str) -> float:
    """Lines removed plus lines added, over all lines of both versions (a multiset diff: moving a line
    costs nothing, rewriting everything costs 1.0). Cheaper than difflib and good enough for a bound."""
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    total = len(old_lines) + len(new_lines)
    if total == 0:
        return 0.0
    old_count = Counter(old_lines)
    new_count = Counter(new_lines)
    removed = sum((old_count - new_count).values())
    added = sum((new_count - old_count).values())
    return (removed + added) / total


def check_text(record: CommitRecord, rules: PythonRules) -> str | None:
    old, new = record.old_contents, record.new_contents
    limit = rules.minified_max_line_chars
    # A text no longer than the limit cannot hold a longer line: skip the split for most files.
    if limit is not None and ((len(new) > limit and longest_line(new) > limit)
                              or (len(old) > limit and longest_line(old) > limit)):
        return "minified"
    if rules.reject_generated and rules.generated_header is not None and \
            rules.generated_header.search(new, 0, rules.generated_header_chars):
        return "generated_file"
    if rules.max_change_share is not None and change_share(old, new) > rules.max_change_share:
        return "change_too_large"
    return None


# -------------------------------------------------------------------------------------- parse rules

def _squeezed(text: str) -> str:
    return "".join(text.split())


def is_whitespace_only(old: str, new: str, major: int) -> bool:
    """Only whitespace moved and the syntax tree is the same.

    The tree comparison keeps changes whose whitespace matters: re-indenting a statement into a
    block, or a space added inside a string literal. An old version that does not parse is never
    whitespace-only: fixing an IndentationError is a repair.
    """
    if _squeezed(old) != _squeezed(new):
        return False
    if major == PYTHON2:
        old_source, new_source = python2_form(old) or old, python2_form(new) or new
    else:
        old_source, new_source = old, new
    old_tree, new_tree = _parse(old_source), _parse(new_source)
    if old_tree is None or new_tree is None:
        return False
    return ast.dump(old_tree) == ast.dump(new_tree)


def check_parse(record: CommitRecord, rules: PythonRules) -> str | None:
    new = record.new_contents
    major = python_major(new)
    if rules.require_new_parses:
        if major == UNPARSED:
            return "new_does_not_parse"
        if major == PYTHON2 and not rules.allow_python2:
            return "python2_source"
    if rules.reject_whitespace_only and major != UNPARSED and is_whitespace_only(record.old_contents, new, major):
        return "whitespace_only"
    return None
