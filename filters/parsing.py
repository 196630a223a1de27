"""One parse per text: the trees of the last texts parsed, and of each file's last pair.

Why here: `ast.parse` is the largest single cost of a build, and the same texts come back (a
commit's new version is the next commit's old one) or nearly back (the versions of one file in the
commits of a history). `parse_pair` parses one version of a pair whole, at most, and derives the
other from it (filters/derived_trees.py), one changed stretch at a time when a commit changed
several places of the file (filters/shared_text.py `cuts`); a file's later pairs are derived from
its earlier ones, which the git source hands over one after the other (its file order).
Answers never depend on what is held: a derived tree is the full parse's (positions aside, see
derived_trees), and whatever cannot be derived is parsed whole.

Parsing uses the running interpreter's grammar (filters/python.py says why that matters).
"""
from __future__ import annotations

import ast
import re
import threading
import warnings
from collections import OrderedDict
from typing import Any

from filters.derived_trees import derived_in_steps, derived_tree
from filters.shared_text import common_prefix, common_suffix, cuts

_PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)

# Invalid escapes such as "\d" warn at parse time (DeprecationWarning, SyntaxWarning from 3.12); they
# are the mined file's business, not ours. Parsing under our own file name lets one filter, installed
# once, silence exactly those warnings: `warnings.catch_warnings` per call is not thread-safe, and Beam
# runs DoFns on several threads of one process.
_PARSE_FILENAME = "<repairpack-filter>"
warnings.filterwarnings("ignore", module=re.escape(_PARSE_FILENAME))


# Trees of the last few texts parsed (a pair's two versions, a Python 2 rewrite), newest last. The
# filter chain's parse check and the analysis right after it (filters/tags.py `analyse`) ask for the
# same strings back to back, and a tree costs as much to build again as the whole rest of the
# analysis. Compared by value, not identity: a file's commits arrive one after the other, newest
# first, and one commit's new version is the next commit's old one, read from git as another string.
# Replaced as one tuple, so threads sharing the module never see a source with another's tree. Trees
# are only read, never changed, so sharing them (and their subtrees, filters/derived_trees.py) is safe.
_RECENT_SIZE = 4
_RECENT: tuple[tuple[str, ast.Module | None], ...] = ()
_MISSING: Any = object()


def _full_parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source, filename=_PARSE_FILENAME)
    except _PARSE_ERRORS:
        return None


def _parse_text(source: str) -> ast.Module:
    return ast.parse(source, filename=_PARSE_FILENAME)


def _recent(source: str) -> ast.Module | None:
    for text, tree in reversed(_RECENT):
        if text is source or text == source:
            return tree
    return _MISSING


def _remember(source: str, tree: ast.Module | None) -> None:
    global _RECENT
    kept = tuple(entry for entry in _RECENT if entry[0] is not source)
    _RECENT = (*kept[max(0, len(kept) - _RECENT_SIZE + 1):], (source, tree))


def parse(source: str) -> ast.Module | None:
    tree = _recent(source)
    if tree is _MISSING:
        tree = _full_parse(source)
        _remember(source, tree)
    return tree


class _Families:
    """Per family (one repository's file), the last pair parsed: the base a later version of the
    same file is derived from (filters/derived_trees.py), as commits of one file arrive one or a few
    hundred records apart in a walk. Bounded by the characters of the texts held (their trees take
    about 25 times that, and share most nodes); least recently used out first."""

    def __init__(self, max_chars: int, max_families: int) -> None:
        self.max_chars, self.max_families = max_chars, max_families
        self._items: OrderedDict[str, tuple[tuple[str, ast.Module], ...]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def bases(self, family: str) -> tuple[tuple[str, ast.Module], ...]:
        with self._lock:
            found = self._items.get(family, ())
            if found:
                self._items.move_to_end(family)
            return found

    def remember(self, family: str, versions: tuple[tuple[str, ast.Module], ...]) -> None:
        size = sum(len(text) for text, _ in versions)
        if size > self.max_chars:
            return
        with self._lock:
            dropped = self._items.pop(family, ())
            self._chars += size - sum(len(text) for text, _ in dropped)
            self._items[family] = versions
            while self._chars > self.max_chars or len(self._items) > self.max_families:
                _, gone = self._items.popitem(last=False)
                self._chars -= sum(len(text) for text, _ in gone)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0


# About 50 MB of trees at most. On the 4,000 latest single-file commits of ipython's history (508
# files), parse_pair takes 14.9 CPU-s where parsing both versions whole takes 27.6
# (`python bench/parsing.py --pairs CLONE`).
_FAMILIES = _Families(max_chars=2_000_000, max_families=16)
# A base is used when what differs from it (outside the shared start and end and the stretches
# filters/shared_text.py `cuts` finds between them) is at most this share of the text.
_CLOSE_ENOUGH = 0.5


def parse_pair(old: str, new: str, family: str | None = None) -> tuple[ast.Module | None, ast.Module | None]:
    """Both versions' Python 3 trees (None: does not parse), exactly as `parse` gives them, with one
    of them, at most, parsed whole: the other is derived from it (filters/derived_trees.py), and
    both may be derived from the last pair of the same `family` (a hint: any string naming the file;
    answers never depend on it). Leaves both in the recent trees, where `parse` finds them."""
    old_tree, new_tree = _recent(old), _recent(new)
    if old_tree is _MISSING and new_tree is _MISSING and family is not None:
        old_tree, new_tree = _from_family(old, new, family)
    if old_tree is _MISSING and new_tree is _MISSING:
        old_tree = _full_parse(old)
    if new_tree is _MISSING:
        new_tree = _derive(old_tree, old, new)
    if old_tree is _MISSING:
        old_tree = _derive(new_tree, new, old)
    _remember(old, old_tree)
    _remember(new, new_tree)
    if family is not None:
        kept = tuple((text, tree) for text, tree in ((old, old_tree), (new, new_tree)) if tree is not None)
        if kept:
            _FAMILIES.remember(family, kept)
    return old_tree, new_tree


def parse_in_family(source: str, family: str) -> ast.Module | None:
    """`parse(source)`, derived from the last versions of `family` when one is close enough, and
    remembered as the family's last version: for a text with no pair to be derived from (the Python 2
    rewrite of a new version, filters/edits.py `parse_versions`)."""
    tree = _recent(source)
    if tree is _MISSING:
        tree, _ = _from_family(source, source, family)
        if tree is _MISSING:
            tree = _full_parse(source)
        _remember(source, tree)
    if tree is not None:
        _FAMILIES.remember(family, ((source, tree),))
    return tree


def _from_family(old: str, new: str, family: str) -> tuple[ast.Module | None, ast.Module | None]:
    """One version derived from the family's closest base, when one is close enough; _MISSING else."""
    best: tuple[float, int, str, ast.Module, _Plan] | None = None
    for text, tree in _FAMILIES.bases(family):
        for which, version in enumerate((old, new)):
            share, plan = _middle_share(text, version)
            if best is None or share < best[0]:
                best = (share, which, text, tree, plan)
    if best is None or best[0] > _CLOSE_ENOUGH:
        return _MISSING, _MISSING
    _, which, text, tree, plan = best
    if which == 0:
        return _derive(tree, text, old, plan), _MISSING
    return _MISSING, _derive(tree, text, new, plan)


# What a base and a target share: (head, tail, the cuts between them), the cuts None until searched.
_Plan = tuple[int, int, "list[tuple[int, int]] | None"]


def _middle_share(base: str, target: str) -> tuple[float, _Plan]:
    """The share of `target` that differs from `base`: outside their shared start and end and the
    stretches `cuts` finds between them; and what was found, for `_derive` to go on from."""
    if base is target or base == target:
        return 0.0, (len(target), 0, [])
    head, tail = shared_ends(base, target)
    middle = len(target) - head - tail
    if middle <= _CLOSE_ENOUGH * len(target):
        return middle / max(1, len(target)), (head, tail, None)  # close enough already: no search
    at, changed = cuts(base, target, head, tail)
    return changed / max(1, len(target)), (head, tail, at)


def _derive(base_tree: ast.Module | None, base: str, target: str, plan: _Plan | None = None) -> ast.Module | None:
    """`target`'s tree from `base_tree`; `plan`: what `_middle_share` found of the pair already."""
    if base_tree is None:
        return _full_parse(target)
    if base is target or base == target:
        return base_tree
    head, tail, at = plan if plan is not None else (*shared_ends(base, target), None)
    if at is None:
        at, _ = cuts(base, target, head, tail)
    tree = derived_in_steps(base_tree, base, target, at, _parse_text) if at else None
    if tree is None:
        tree = derived_tree(base_tree, base, target, head, tail, _parse_text)
    return tree if tree is not None else _full_parse(target)


def clear_parse_memos() -> None:
    """Forget every tree held (tests, and a process that wants its memory back)."""
    global _RECENT
    _RECENT = ()
    _FAMILIES.clear()


# ------------------------------------------------------------------------- shared start and end

# The last pair's shared ends: the text rule (change_share) and the parse rule (whitespace-only) ask
# for the same record's two strings one after the other. One tuple, replaced whole (threads).
_LAST_ENDS: tuple[str | None, str | None, int, int] = (None, None, 0, 0)


def shared_ends(old: str, new: str) -> tuple[int, int]:
    """(head, tail): how many characters the two texts share at the start, and at the end without
    overlapping the start."""
    global _LAST_ENDS
    last_old, last_new, head, tail = _LAST_ENDS
    if last_old is old and last_new is new:
        return head, tail
    head = common_prefix(old, new)
    tail = common_suffix(old, new, min(len(old), len(new)) - head)
    _LAST_ENDS = (old, new, head, tail)
    return head, tail
