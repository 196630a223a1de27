"""Edit windows (issue 14): the changed region of a commit whose whole file pair is over the budget.

Pure: no Beam. The commit sources' tail (sources/commits.py, stage `<source>.window`) calls
`window_record` on every kept record when `filters.granularity` is `window`.

A pair within the budget (`fits(old, new)`) is left whole. Otherwise the sample becomes one window,
an exact slice of each file that holds every changed line:

1. definitions: the smallest run of enclosing definitions that holds every hunk, from the old tree
   and from the new one. The units are module-level functions, the methods (and nested classes) of
   module-level classes, a module-level class itself when a hunk touches its header or a statement
   of its body outside its methods, and any other module-level statement; a unit starts at its first
   decorator. A hunk that touches only blank or comment lines between units adds itself with
   `context_lines` lines around it. Tried when both sides parse.
2. lines: the hunks with `context_lines` unchanged lines above the first and below the last. The
   fallback when a side does not parse (or is not Python) or the definitions are over the budget.
3. neither fits: `window_too_large`. A commit is never split into several samples.

Lines are split on "\\n" only, as git and the sample's diff (assembly/diff.py) split them, so the
line numbers are the ones `git show` and an editor give. A text with a lone "\\r" (which `ast`
counts as a line break) goes straight to the line window.

The splice: everything outside the window is the same in both files (all hunks are inside it), so the
unchanged prefix has the same length in both and the suffix too. An old window [a, b] therefore
pairs with the new window [a, b + len(new lines) - len(old lines)], and
    old_lines[:a - 1] + new_window_lines + old_lines[b:] == new_lines
byte for byte, final newline or not. An empty slice (a deleted method's new side, the old side of an
empty file) is [a, a - 1]: nothing, between lines a - 1 and a.
"""
from __future__ import annotations

import ast
import dataclasses
import cydifflib
import re
import warnings
from dataclasses import dataclass
from typing import Callable

from filters.content import split_lines
from filters.tags import analysed
from filters.units import Units, units_of
from schemas.commit import LANG_PYTHON, CommitRecord

WINDOW_TOO_LARGE = "window_too_large"
REASONS: tuple[str, ...] = (WINDOW_TOO_LARGE,)
# Window.kind
DEFINITIONS = "definitions"
LINES = "lines"

# window_of's `units` when the caller's parse found a side that does not parse: no definitions to cut.
NO_UNITS: tuple = ()
# fits(old, new): whether a pair of texts is within the sample budget (old + new).
Fits = Callable[[str, str], bool]

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
# Warnings about the mined code (invalid escapes and the like) are not ours; silenced once, for this
# module's file name only (`warnings.catch_warnings` per call is not thread-safe).
_PARSE_FILENAME = "<repairpack-window>"
warnings.filterwarnings("ignore", module=re.escape(_PARSE_FILENAME))
_LONE_CR = re.compile(r"\r(?!\n)")


@dataclass(frozen=True)
class Window:
    """One window: 1-based inclusive line ranges in the old and new files, and their texts."""
    old_first: int
    old_last: int
    new_first: int
    new_last: int
    old_text: str
    new_text: str
    kind: str  # DEFINITIONS or LINES

    @property
    def window_old(self) -> list[int]:
        return [self.old_first, self.old_last]

    @property
    def window_new(self) -> list[int]:
        return [self.new_first, self.new_last]


@dataclass(frozen=True)
class TooLarge:
    """No window fits: the record is dropped for `reason`, `detail` says how large the smallest was."""
    detail: str
    reason: str = WINDOW_TOO_LARGE


def splice(old: str, window: Window) -> str:
    """The old file with the window's new text in place of its old lines: the new file, when the
    window is right (what the tests check)."""
    lines = split_lines(old)
    return "".join(lines[:window.old_first - 1]) + window.new_text + "".join(lines[window.old_last:])


# ------------------------------------------------------------------------------------------- hunks

Hunk = tuple[int, int, int, int]  # old lines [i1, i2), new lines [j1, j2), 0-based


def hunks(old_lines: list[str], new_lines: list[str]) -> list[Hunk]:
    """The changed line ranges. The common prefix and suffix are cut first (cheap, and the first and
    last hunks then sit as close together as any alignment allows); difflib aligns the middle, with
    autojunk off as in assembly/diff.py."""
    n_old, n_new = len(old_lines), len(new_lines)
    top = 0
    while top < n_old and top < n_new and old_lines[top] == new_lines[top]:
        top += 1
    bottom = 0
    while bottom < n_old - top and bottom < n_new - top and old_lines[n_old - 1 - bottom] == new_lines[n_new - 1 - bottom]:
        bottom += 1
    a, b = old_lines[top:n_old - bottom], new_lines[top:n_new - bottom]
    if not a and not b:
        return []
    if not a or not b:
        return [(top, n_old - bottom, top, n_new - bottom)]
    matcher = cydifflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(top + i1, top + i2, top + j1, top + j2)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


# ------------------------------------------------------------------------------------- definitions

def _has_lone_cr(text: str) -> bool:
    return "\r" in text and _LONE_CR.search(text) is not None


def parse(text: str) -> ast.Module | None:
    """The module, or None when it does not parse (or holds a lone "\\r", see the module docstring)."""
    if "\r" in text and _LONE_CR.search(text):
        return None
    try:
        return ast.parse(text, filename=_PARSE_FILENAME)
    except _PARSE_ERRORS:
        return None


# ---------------------------------------------------------------------------------------- windows

def _window(old_lines: list[str], new_lines: list[str], a: int, b: int, kind: str) -> Window:
    """The window of old lines [a, b) (0-based, half-open) and its new counterpart."""
    end_new = b + len(new_lines) - len(old_lines)
    return Window(old_first=a + 1, old_last=b, new_first=a + 1, new_last=end_new,
                  old_text="".join(old_lines[a:b]), new_text="".join(new_lines[a:end_new]), kind=kind)


def definition_window(old_lines: list[str], new_lines: list[str], changed: list[Hunk], old_units: Units,
                      new_units: Units, context_lines: int) -> Window:
    """The smallest run of units of either tree that holds every hunk (see the module docstring)."""
    delta = len(new_lines) - len(old_lines)
    a, b = changed[0][0], changed[-1][1]
    for i1, i2, j1, j2 in changed:
        in_old, in_new = old_units.reach(i1, i2), new_units.reach(j1, j2)
        if in_old is None and in_new is None:
            a, b = min(a, i1 - context_lines), max(b, i2 + context_lines, j2 + context_lines - delta)
        if in_old is not None:
            a, b = min(a, in_old[0]), max(b, in_old[1])
        if in_new is not None:  # new lines [s, e) need old lines from s, up to e - delta
            a, b = min(a, in_new[0]), max(b, in_new[1] - delta)
    return _window(old_lines, new_lines, max(a, 0), min(b, len(old_lines)), DEFINITIONS)


def line_window(old_lines: list[str], new_lines: list[str], changed: list[Hunk], context_lines: int) -> Window:
    """The hunks with `context_lines` unchanged lines above the first and below the last."""
    a = max(changed[0][0] - context_lines, 0)
    b = min(changed[-1][1] + context_lines, len(old_lines))
    return _window(old_lines, new_lines, a, b, LINES)


def window_of(old: str, new: str, fits: Fits, context_lines: int = 3, python: bool = True,
              units: tuple[Units, Units] | None = None) -> Window | TooLarge | None:
    """None when the whole pair fits (the sample stays whole); else the window to keep, or TooLarge.

    The budget is checked first, so a pair that fits costs one call of `fits`; each side is split,
    diffed and parsed (Python only) at most once, and only for a pair over the budget. `units`: the
    two sides' units when the caller has them from its own parse of exactly these texts (the filter
    stage's analysis), which spares both parses; NO_UNITS when that parse found a side that does not
    parse as Python 3."""
    if fits(old, new):
        return None
    old_lines, new_lines = split_lines(old), split_lines(new)
    changed = hunks(old_lines, new_lines)
    if not changed:
        return TooLarge("over the budget with no changed line to cut a window around")
    tried: list[Window] = []
    if python:
        if units is None or _has_lone_cr(old) or _has_lone_cr(new):
            old_tree = parse(old)
            new_tree = parse(new) if old_tree is not None else None
            if old_tree is not None and new_tree is not None:
                units = (units_of(old_tree, len(old_lines)), units_of(new_tree, len(new_lines)))
            else:
                units = None
        if units:
            window = definition_window(old_lines, new_lines, changed, units[0], units[1], context_lines)
            if fits(window.old_text, window.new_text):
                return window
            tried.append(window)
    window = line_window(old_lines, new_lines, changed, context_lines)
    if fits(window.old_text, window.new_text):
        return window
    tried.append(window)
    smallest = min(tried, key=lambda w: len(w.old_text) + len(w.new_text))
    return TooLarge(f"{len(changed)} hunk(s) in old lines {changed[0][0] + 1}-{max(changed[-1][1], changed[0][0] + 1)}; "
                    f"smallest window ({smallest.kind}) old lines {smallest.old_first}-{smallest.old_last}, "
                    f"new lines {smallest.new_first}-{smallest.new_last}, over the budget")


def window_record(record: CommitRecord, fits: Fits, context_lines: int) -> CommitRecord | TooLarge:
    """The record as the window stage passes it: unchanged when it fits, else its window (contents
    are the slices, `window_old`/`window_new` their lines, paths, message and annotations as they
    were: they describe the commit, whose every hunk is in the window), or TooLarge.

    `tokens`, when a record already has it, counted the whole files: a windowed record carries None,
    for the sample's own count to be made from its contents."""
    old, new = record.old_contents, record.new_contents
    analysis = analysed(old, new)  # the filter stage's, when it is still memoised: no parse here then
    units = None if analysis is None else analysis.units or NO_UNITS
    found = window_of(old, new, fits, context_lines, record.lang == LANG_PYTHON, units)
    if found is None or isinstance(found, TooLarge):
        return record if found is None else found
    return dataclasses.replace(record, old_contents=found.old_text, new_contents=found.new_text,
                               window_old=found.window_old, window_new=found.window_new, tokens=None)
