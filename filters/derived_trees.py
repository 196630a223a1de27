"""A module's syntax tree made from the tree of a similar text: only the lines that differ are parsed.

Why: `ast.parse` is the largest single cost of a build (about half the CPU of a default-preset run on a
real history), and a commit changes a few lines of a long file. The old and the new version, and the
versions of one file in neighbouring commits, share most of their module-level statements word for
word; parsing them again builds the same subtrees.

How: the two texts' shared start and end (whole lines) are found at C speed. The base tree's
module-level statements lying wholly in the shared start, and those wholly in the shared end, are
kept; the target's lines between them (the "middle") are parsed alone, with blank lines in front so
that line numbers come out right. When exactly one module-level class or function spans the middle,
the same is done one level down with its body, the middle parsed under a stand-in `class _:` or
`def _():` header, and so on down while one class or function spans it (a method changed in one
place parses that place).
When the changes lie far apart (an import at the top and a function at the end), `derived_in_steps`
goes through intermediate texts, each with one change more than the last (filters/shared_text.py
`cuts`), so each step parses one change.

Why the result is the tree a full parse gives (tests/filters/test_derived_trees.py checks it on edge
cases and on random edits of real modules; `python bench/parsing.py --pairs CLONE` on real commits):
- A cut lies between two statements on different lines, after a line that does not end in a
  backslash, so at a cut the tokenizer is at statement level with nothing open, in both texts.
- The kept statements are the same tokens in the same state, so the same subtrees.
- The middle must parse alone. If it opens a string, a bracket or a block that the suffix would
  close, or starts with what continues the statement before the cut (`else:`, `except:`, an
  indented line), it does not, and the caller parses the whole target instead. Inside a class or a
  function, the middle's first code line must have the body's indentation exactly, or it could
  continue the statement before it; a line leaving the body makes the stand-in parse fail or hold
  more than the one block, and the level above parses the middle instead.
- Python's parser reads a function body alike whatever function holds it: `await`, `async for`,
  `yield`, `return` and `nonlocal` parse in any `def` (where they may stand is the compiler's check).
- One `__future__` import changes the grammar (`barry_as_FLUFL`); texts naming it, and texts with a
  carriage return (the tokenizer's line breaks would differ from "\n"), are never derived.

What is not the same: nodes below a kept statement are the base tree's own objects (shared, never
changed), and when the middle changed the line count, those below the module level and a class's
members keep the base's line numbers. A block moved so is marked (`_STALE_BELOW`), and a later
derivation from this tree (a file's next version) parses it whole rather than cut its body by old
line numbers. Module-level statements, a module-level class's members and
their decorators are copies with exact positions: the only positions anything outside this module
reads (filters/units.py, filters/edits.py `statement_keys`). Everything else compares trees without
positions (`ast.dump`, the structural hashes).
"""
from __future__ import annotations

import ast
import copy
from itertools import accumulate
from typing import Callable, Protocol, Sequence

import numpy as np

from filters.shared_text import common_prefix, common_suffix
from filters.units import first_line

Parser = Callable[[str], ast.Module]


def shared_lines(base: str, target: str, head: int, tail: int) -> tuple[int, int | None]:
    """(P, F): lines 1..P of both texts are equal whole lines, and so are the base's lines from F to
    its end (None when no whole line is shared at the end). `head`/`tail` are the shared characters
    at the start and end (not overlapping)."""
    shared_start = base.count("\n", 0, head)
    if not tail:
        return shared_start, None
    # A line is shared at the end when the break before it lies in the shared end too.
    k = base.find("\n", len(base) - tail)
    if k == -1:
        return shared_start, None
    return shared_start, base.count("\n", 0, k) + 2


def derivable(base: str, target: str) -> bool:
    """Whether a tree of `target` may be derived from one of `base` at all (see the module's why)."""
    return not ("\r" in base or "\r" in target or "barry_as_FLUFL" in target or "barry_as_FLUFL" in base)


def derived_tree(base_tree: ast.Module, base: str, target: str, head: int, tail: int,
                 parse: Parser, checked: bool = False, starts: LineStarts | None = None) -> ast.Module | None:
    """The tree of `target` from `base_tree` (the tree of `base`), or None when it cannot be made
    this way (the caller parses `target` whole). `parse` parses a text the way the caller does.
    `checked`: the caller knows the pair `derivable`; `starts`: the base's line starts, if known."""
    if not checked and not derivable(base, target):
        return None
    shared_start, shared_end = shared_lines(base, target, head, tail)
    if starts is None:
        starts = _LineStarts(base)
    delta = target.count("\n") - base.count("\n")
    body = base_tree.body
    i, j = _cuts(body, shared_start, shared_end)
    end = len(target) if j == len(body) else len(target) - (len(base) - starts[first_line(body[j]) - 1])
    middle: list[ast.stmt] | None = None
    if j == i + 1 and isinstance(body[i], _BLOCKS):
        one = _block_derived(body[i], base, target, starts, shared_start, shared_end, delta, end, parse)
        if one is not None:
            middle = [one]
    if middle is None:
        last = _end(body[i - 1]) if i else 0
        middle = _parse_middle(base, target, starts, last, end, "", parse)
        if middle is None:
            return None
    suffix = body[j:] if delta == 0 else [_moved(stmt, delta, True) for stmt in body[j:]]
    return ast.Module(body=body[:i] + middle + suffix, type_ignores=[])


def derived_in_steps(base_tree: ast.Module, base: str, target: str, cuts: Sequence[tuple[int, int]],
                     parse: Parser) -> ast.Module | None:
    """The tree of `target` derived through the texts `target[:x] + base[y:]` of each cut (filters/
    shared_text.py `cuts`), one change at a time; None when a step cannot be derived. Each step is
    `derived_tree` between two texts, the first with an exact tree, so the last one is exact too."""
    if not derivable(base, target):
        return None  # nor is any step: each is made of the two texts' lines
    base_starts, target_starts = _LineStarts(base), _LineStarts(target)
    tree, text, starts = base_tree, base, base_starts
    for y, x in [*cuts, (len(base), len(target))]:
        step = target[:x] + base[y:]
        if step == text:
            continue
        head = common_prefix(text, step)
        tail = common_suffix(text, step, min(len(text), len(step)) - head)
        derived = derived_tree(tree, text, step, head, tail, parse, checked=True, starts=starts)
        if derived is None:
            return None
        tree, text = derived, step
        starts = _JoinedStarts(target_starts, target.count("\n", 0, x), x, base_starts, base.count("\n", 0, y), y)
    return tree


class LineStarts(Protocol):
    def __getitem__(self, k: int) -> int: ...


class _LineStarts:
    """starts[k] = the offset of line k + 1 (0-based k), up to one past the last line. Found in C: a
    derivation in steps asks this of every step's text, and a generator over the lines cost more
    than the parse it saved. An ASCII text's bytes are its characters, so its line breaks are
    found by numpy over the encoded text (1.6 times as fast as summing the lines' lengths, which
    makes a string per line); other texts sum the lengths (`accumulate(map(len, ...))`)."""

    __slots__ = ("_lengths", "_breaks", "_after_end")

    def __init__(self, text: str) -> None:
        self._after_end = len(text) + 1
        if text.isascii():
            self._lengths: list[int] | None = None
            self._breaks = np.flatnonzero(np.frombuffer(text.encode("ascii"), dtype=np.uint8) == _NEWLINE)
        else:
            self._lengths = [0, *accumulate(map(len, text.split("\n")))]

    def __getitem__(self, k: int) -> int:
        if self._lengths is not None:
            return self._lengths[k] + k  # each line before line k + 1 also has its "\n"
        if not 0 <= k <= len(self._breaks) + 1:
            raise IndexError(k)
        if k == 0:
            return 0
        return int(self._breaks[k - 1]) + 1 if k <= len(self._breaks) else self._after_end


_NEWLINE = np.uint8(ord("\n"))


class _JoinedStarts:
    """The line starts of `target[:x] + base[y:]` (x and y line starts, `lines_x` and `lines_y`
    lines before them) from those of the two texts: a step of `derived_in_steps` costs no pass
    over its text."""

    __slots__ = ("_target", "_lines_x", "_x", "_base", "_lines_y", "_y")

    def __init__(self, target: _LineStarts, lines_x: int, x: int, base: _LineStarts, lines_y: int, y: int) -> None:
        self._target, self._lines_x, self._x = target, lines_x, x
        self._base, self._lines_y, self._y = base, lines_y, y

    def __getitem__(self, k: int) -> int:
        if k < self._lines_x:
            return self._target[k]
        return self._base[k - self._lines_x + self._lines_y] - self._y + self._x


def _cuts(stmts: Sequence[ast.stmt], shared_start: int, shared_end: int | None) -> tuple[int, int]:
    """(a, b): stmts[:a] lie wholly in the shared start, stmts[b:] wholly in the shared end, and both
    cuts fall between statements on different lines."""
    n = len(stmts)

    def clean(k: int) -> bool:
        return k in (0, n) or first_line(stmts[k]) > _end(stmts[k - 1])

    a = 0
    while a < n and _end(stmts[a]) <= shared_start:
        a += 1
    while a > 0 and not clean(a):
        a -= 1
    b = n
    if shared_end is not None:
        while b > a and first_line(stmts[b - 1]) >= shared_end:
            b -= 1
        while b < n and not clean(b):
            b += 1
    return a, b


def _end(stmt: ast.stmt) -> int:
    return stmt.end_lineno or stmt.lineno


def _parse_middle(base: str, target: str, starts: LineStarts, last: int, end: int, header: str,
                  parse: Parser) -> list[ast.stmt] | None:
    """The statements of target[start:end], where start follows base line `last` (equal in both), or
    None when that text is not a whole run of statements. `header` (a `_HEADERS` value) puts them in
    a block; it takes the place of the blank line before them."""
    start = starts[last]
    if start > end or (start and base.endswith("\\", 0, start - 1)):
        return None
    middle = target[start:end]
    if middle.endswith("\\\n") or middle.endswith("\\"):
        return None
    padding = "\n" * (last - 1) + header if header else "\n" * last
    try:
        tree = parse(padding + middle)
    except Exception:  # noqa: BLE001 - whatever stops the middle, the whole target's parse decides
        return None
    if not header:
        return tree.body
    if len(tree.body) != 1 or not isinstance(tree.body[0], _HEADER_NODES[header]):
        return None  # the middle left the block: new module-level code after it
    return tree.body[0].body


# The blocks whose body is derived like the module's, and the stand-in header a middle of their body
# is parsed under. The parser reads a function body alike whatever the function is (`await`,
# `yield`, `return`, `nonlocal` and `async for` parse inside any `def`; the compiler, not the parser,
# checks where they may be), and a class body alike whatever the class.
_BLOCKS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_HEADERS = {ast.ClassDef: "class _:\n", ast.FunctionDef: "def _():\n", ast.AsyncFunctionDef: "def _():\n"}
_HEADER_NODES = {"class _:\n": ast.ClassDef, "def _():\n": ast.FunctionDef}


def _block_derived(block: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, base: str, target: str,
                   starts: LineStarts, shared_start: int, shared_end: int | None, delta: int, end: int,
                   parse: Parser) -> ast.stmt | None:
    """A class or function of the base whose header (decorators, signature) is unchanged, with its
    body cut like the module's: only the changed statements parsed, and when one class or function
    spans them, only the changed statements of its body, and so on down. A method changed in one
    place parses that place, not the method: on ipython's 4,000 latest single-file commits in file
    order, 32.1 M characters parsed instead of 34.7 M (bench/README.md, fourteenth session)."""
    if getattr(block, _STALE_BELOW, False):
        return None  # its statements' line numbers are an older text's: cuts cannot be placed
    members = block.body
    first = first_line(members[0])
    if first - 1 > shared_start or first <= block.lineno:
        return None  # the header changed, or the body starts on the header's line
    a, b = _cuts(members, shared_start, shared_end)
    if b < len(members):
        end = len(target) - (len(base) - starts[first_line(members[b]) - 1])
    middle: list[ast.stmt] | None = None
    if b == a + 1 and isinstance(members[a], _BLOCKS):
        one = _block_derived(members[a], base, target, starts, shared_start, shared_end, delta, end, parse)
        if one is not None:
            middle = [one]
    if middle is None:
        last = _end(members[a - 1]) if a else first - 1
        opens = _opens_at(target[starts[last]:end], _indent(base, starts[first - 1]))
        if opens is False or (opens is None and base.endswith("\\", 0, starts[last] - 1)):
            return None
        # Only comments and blank lines between the kept statements: nothing to parse.
        middle = _parse_middle(base, target, starts, last, end, _HEADERS[type(block)], parse) if opens else []
        if middle is None:
            return None
    suffix = members[b:] if delta == 0 else [_moved(m, delta, False) for m in members[b:]]
    kept = members[:a] + middle + suffix
    if not kept:
        return None
    derived = copy.copy(block)
    derived.body = kept
    derived.end_lineno, derived.end_col_offset = kept[-1].end_lineno, kept[-1].end_col_offset
    return derived


def _indent(text: str, at: int) -> str:
    line_end = text.find("\n", at)
    line = text[at:] if line_end == -1 else text[at:line_end]
    return line[:len(line) - len(line.lstrip(" \t\f"))]


def _opens_at(middle: str, indent: str) -> bool | None:
    """Whether the first code line of `middle` has exactly `indent` (comment and blank lines do not
    count: the tokenizer skips them); None when it has no code line."""
    for line in middle.split("\n"):
        code = line.lstrip(" \t\f")
        if code and not code.startswith("#"):
            return line[:len(line) - len(code)] == indent
    return None


def _moved(stmt: ast.stmt, delta: int, members_too: bool) -> ast.stmt:
    """A copy of `stmt` (and of its decorators, and of a class's members when `members_too`) with
    line numbers moved by `delta`; the nodes below are the original's, so the copy is marked
    `_STALE_BELOW` (a class whose members moved with it: each member is)."""
    moved = copy.copy(stmt)
    moved.lineno += delta
    if moved.end_lineno is not None:
        moved.end_lineno += delta
    decorators = getattr(stmt, "decorator_list", None)
    if decorators:
        moved.decorator_list = [_moved_expr(d, delta) for d in decorators]  # type: ignore[attr-defined]
    if members_too and isinstance(stmt, ast.ClassDef):
        moved.body = [_moved(member, delta, False) for member in stmt.body]  # type: ignore[attr-defined]
    else:
        setattr(moved, _STALE_BELOW, True)
    return moved


# Set on a moved copy whose own line numbers are right and whose body's are those of the text it was
# parsed from (`_moved` does not walk below). Trees are derived from derived trees (a file's next
# version, a derivation's next step), so such a block may come back as a base: `_block_derived`
# places its cuts by the body's line numbers and leaves a marked block to be parsed whole. Every
# other block's body statements have their right line numbers (parsed, kept where nothing moved,
# or moved themselves). ast.dump and the structural hashes do not read the mark.
_STALE_BELOW = "_repairpack_stale_below"


def _moved_expr(expr: ast.expr, delta: int) -> ast.expr:
    moved = copy.copy(expr)
    moved.lineno += delta
    if moved.end_lineno is not None:
        moved.end_lineno += delta
    return moved
