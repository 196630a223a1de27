"""What a change does to the syntax tree: both versions parsed once, compared once.

The filter stage (filters/tags.py, through `annotate`) and the statistics report (beam_jobs/report)
share this module, so a sample's `edit_kinds` column and the report's edit-kind counts are the same
computation.

- `parse_versions(old, new)`: the two trees under the grammar the new version parses with (Python 3,
  or Python 2 once rewritten, as filters/python.py decides), and the `python_major` / `old_parses`
  annotate records. Each version is parsed once here.
- `compare(versions)`: one walk of each tree gives every node three structural hashes: of the node as
  it is, of the node with its docstrings left out, and of the node with version strings masked.
  Equal roots say "same AST", "same but for docstrings" and "same but for a version string"; an
  equal hash is confirmed by an exact comparison before it is believed, so a hash collision can
  never produce a tag.
- `edit_kinds`: the AST node types the change touches (the report's definition, unchanged).

Hashes are Python's `hash` of tuples, which varies between processes (string hashing is salted):
they are compared within one process only, never stored outside it. Within a process, the hashes of
the module-level statements a commit leaves unchanged are remembered (`_SEEN`, bounded): the next
commit to the same file finds most of its old version's statements there instead of walking them.

Why this file is long: the hash walk, the exact checks that confirm an equal hash and the edit kinds
all read the same per-node table (`TreeInfo`) and statement keys; apart, each would export those
internals to the others.
"""
from __future__ import annotations

import ast
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from filters.parsing import parse, parse_pair
from filters.python import (PYTHON2, PYTHON3, UNPARSED, parse_python2_in_family, python2_family, python2_form,
                            python2_rewrite)
from filters.units import first_line

# --------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Versions:
    """Both versions of a file, parsed. A tree is None when that version does not parse under the
    grammar the new version was accepted with (`major`; Python 3 when the new one parses as neither).
    A tree may be derived from another (filters/derived_trees.py): equal to a full parse's without
    positions, with exact positions on module-level statements, a module-level class's members and
    their decorators, the only ones read here."""
    old: str
    new: str
    old_tree: ast.Module | None
    new_tree: ast.Module | None
    major: int
    # The texts the trees were parsed from, where that is not `old`/`new`: a Python 2 version's rewrite.
    old_rewrite: str | None = None
    new_rewrite: str | None = None

    @property
    def old_parses(self) -> bool:
        return self.old_tree is not None

    @property
    def old_parsed(self) -> str:
        return self.old if self.old_rewrite is None else self.old_rewrite

    @property
    def new_parsed(self) -> str:
        return self.new if self.new_rewrite is None else self.new_rewrite


def parse_versions(old: str, new: str, family: str | None = None) -> Versions:
    """Each version parsed once, at most one of them whole (filters/parsing.py `parse_pair`; `family`
    is its hint). `major` and `old_parses` are exactly filters.python's `python_major(new)` and
    `parses_as(old, major or 3)`: the same parser, the same Python 2 rewrite. Python 2 versions are
    a pair too: the old one's rewrite is derived from the new one's."""
    old_tree, new_tree = parse_pair(old, new, family)
    major = PYTHON3
    old_rewrite = new_rewrite = None
    # The rewrites of a Python 2 file's versions are a family of their own.
    rewrites = None if family is None else python2_family(family)
    if new_tree is None:
        if family is not None:
            parse_python2_in_family(new, family)
        new_rewrite = python2_form(new)
        if new_rewrite is not None:
            major, new_tree = PYTHON2, parse(new_rewrite)
        else:
            major = UNPARSED
    if old_tree is None and major == PYTHON2:
        rewrite = python2_rewrite(old)
        if rewrite != old and new_rewrite is not None:
            parse_pair(rewrite, new_rewrite, rewrites)  # leaves the rewrite's tree where python2_form finds it
        old_rewrite = python2_form(old)
        old_tree = parse(old_rewrite) if old_rewrite is not None else None
    return Versions(old, new, old_tree, new_tree, major, old_rewrite, new_rewrite)


# ------------------------------------------------------------------------------ structural hashes

# Names a version string is assigned to: `__version__`, `VERSION`, `version`, `__version_info__`,
# `release`, and the `version=` keyword of setup() and friends.
_VERSION_NAME = re.compile(r"(?:^|_)(?:version|release)(?:_info)?(?:$|_)", re.IGNORECASE)
# A version literal: 1.2, 1.2.3, v2.0.0rc1, 1.2.3-beta.2, 2024.1.
_VERSION_TEXT = re.compile(r"^v?\d+(?:\.\d+)+(?:[-.+]?[A-Za-z0-9]+)*$")
_MASKED = "<version>"


def _target_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    names = []
    for target in targets:
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Attribute):
            names.append(target.attr)
    return names


def _is_version_value(node: ast.AST | None) -> bool:
    """A version string, or a tuple/list of version parts (`(1, 2, 3)`, `(1, 2, "rc1")`)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_VERSION_TEXT.match(node.value.strip()))
    if isinstance(node, (ast.Tuple, ast.List)) and len(node.elts) >= 2:
        return all(isinstance(e, ast.Constant) and isinstance(e.value, (int, str)) and not isinstance(e.value, bool)
                   for e in node.elts)
    return False


def _version_slot(node: ast.AST) -> ast.AST | None:
    """The value node a version bump may change inside `node` (an assignment to a version name, or a
    `version=` keyword), or None."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        if any(_VERSION_NAME.search(n) for n in _target_names(node)) and _is_version_value(node.value):
            return node.value
    elif isinstance(node, ast.keyword):
        if node.arg and _VERSION_NAME.search(node.arg) and _is_version_value(node.value):
            return node.value
    return None


_DOC_HOLDERS = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
# The node types that can hold a docstring or a version value (checked before the calls: the hash walk
# meets every node).
_DOC_TYPES = frozenset(_DOC_HOLDERS)
_SLOT_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.keyword})


def _docstring_of(node: ast.AST) -> ast.AST | None:
    """The docstring statement of a module, class or function, or None."""
    if isinstance(node, _DOC_HOLDERS):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            return body[0]
    return None


@dataclass(frozen=True)
class StatementHashes:
    """What hash_tree found under one module-level statement: enough to stand for an equal statement
    of the other version without walking it."""
    hash: int
    alt: tuple[int, int] | None   # (without docstrings, versions masked), when they differ from `hash`
    hashes: tuple[int, ...]       # every node's hash in the statement, itself included
    docs: bool                    # holds a docstring
    versions: bool                # holds a version value


# A module-level statement's text and where on its lines it starts and ends: two statements with equal
# keys are the same tokens, so the same subtree (positions aside).
StatementKey = tuple[int, int | None, str]


class StatementMemo:
    """The StatementHashes of recently seen statements, by key, least recently used out first;
    bounded by the node hashes held (about 40 bytes each).

    A commit's old version is, nearly always, the new version of the file's previous commit, and most
    of its statements are unchanged since: their hashes are the ones that commit's walk made. The
    costly filters meet a file's commits newest first, so both versions' statements are remembered:
    the one compared just before was the later commit, whose old version is this one's new. Only
    statements unchanged within the current commit are taken from here (`compare`), so that a walk
    never stops at a statement the other version lacks. Answers do not depend on the memo: a key
    decides a statement's tokens, hence its subtree, hence its hashes within this process."""

    def __init__(self, max_hashes: int) -> None:
        self.max_hashes = max_hashes
        self._held = 0
        self._items: OrderedDict[StatementKey, StatementHashes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def found(self, keys: Iterable[StatementKey]) -> dict[StatementKey, StatementHashes]:
        out: dict[StatementKey, StatementHashes] = {}
        with self._lock:
            for key in keys:
                known = self._items.get(key)
                if known is not None:
                    self._items.move_to_end(key)
                    out[key] = known
            self.hits += len(out)
        return out

    def remember(self, statements: dict[StatementKey, StatementHashes]) -> None:
        with self._lock:
            for key, known in statements.items():
                if key in self._items:
                    self._items.move_to_end(key)
                    continue
                self._items[key] = known
                self._held += len(known.hashes)
            while self._held > self.max_hashes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._held -= len(dropped.hashes)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0
            self.hits = 0


# About 20 MB: the statements of some 150 typical files, enough to span the commits between two
# changes of a busy file in a walk of a real history.
_SEEN = StatementMemo(500_000)


@dataclass
class TreeInfo:
    """Per node (by id): (hash, children). Plus the root's docstring-blind and version-masked hashes.
    A module-level statement taken from the other version (`hash_tree`'s `reuse`) has no children
    here: its hash is in the other tree, so no walk ever descends into it; its nodes' hashes are in
    `reused`."""
    nodes: dict[int, tuple[int, list[ast.AST]]]
    root: int
    root_without_docs: int
    root_versions_masked: int
    has_docstrings: bool
    has_version_slots: bool
    statements: dict[StatementKey, StatementHashes] = field(default_factory=dict)
    reused: list[int] = field(default_factory=list)
    walked: list[int] = field(default_factory=list)  # the hash of every node walked, in walk order

    def hashes(self) -> set[int]:
        """Every node's hash: those walked and those of statements taken from the other version
        (the lists, not `nodes`' values, make the set at C speed)."""
        found = set(self.walked)
        found.update(self.reused)
        return found


# The keys of the last two trees keyed (with the trees, so that their ids stay theirs): a file's
# versions arrive one after the other, and a commit's old version is the previous commit's new one,
# the same tree object (filters/parsing.py hands back the tree of an equal text).
_LAST_KEYS: tuple[tuple[ast.Module, str, dict[int, StatementKey] | None], ...] = ()


def statement_keys(tree: ast.Module, source: str) -> dict[int, StatementKey] | None:
    """The key of each module-level statement of `tree` and of each statement of a module-level
    class's body, by id, for a tree parsed from exactly `source`; None when a statement's text might
    not decide its tree: a carriage return (line numbers count it) or the one __future__ import that
    changes the grammar. Callers only read the dict."""
    global _LAST_KEYS
    for known_tree, known_source, keys in _LAST_KEYS:
        if known_tree is tree and (known_source is source or known_source == source):
            return keys
    keys = _statement_keys(tree, source)
    _LAST_KEYS = (*_LAST_KEYS[-1:], (tree, source, keys))  # one tuple, replaced whole (threads)
    return keys


def _statement_keys(tree: ast.Module, source: str) -> dict[int, StatementKey] | None:
    if "\r" in source or "barry_as_FLUFL" in source:
        return None
    lines = source.split("\n")
    keys: dict[int, StatementKey] = {}

    def key(stmt: ast.stmt) -> None:
        first, last = first_line(stmt), stmt.end_lineno or stmt.lineno
        keys[id(stmt)] = (stmt.col_offset, stmt.end_col_offset, "\n".join(lines[first - 1:last]))

    for stmt in tree.body:
        key(stmt)
        if isinstance(stmt, ast.ClassDef):
            for member in stmt.body:
                key(member)
    return keys


# A node type without fields (expr_context, operators) has one hash, what `visit` would make of it.
_LEAF_HASHES: dict[type, int] = {}
_NO_KIDS: list[ast.AST] = []  # shared, never changed


def _leaf_hash(kind: type) -> int:
    h = _LEAF_HASHES[kind] = hash((kind.__name__,))
    return h


def _released(*args: Any) -> Any:
    """What a recursive closure's name points at once its walk is over (see hash_tree)."""
    raise RuntimeError("a released walk was called")


def hash_tree(tree: ast.AST, keys: dict[int, StatementKey] | None = None,
              reuse: dict[StatementKey, StatementHashes] | None = None) -> TreeInfo:
    """Every node's structural hash (positions ignored: equal subtrees hash equal), in one walk that
    also gives the root's hash without docstrings and with version values masked. Those two are
    computed only for nodes above a docstring or a version value (`alt`); elsewhere they are the
    node's own hash. A node's type fixes its fields and their order, so field names are not hashed.

    With `keys` (statement_keys of a module) the hashes of each module-level statement and class member
    are recorded under its key, and one whose key is in `reuse` (the other version's) is not walked:
    most of a commit's file is unchanged, so the second tree costs only its changed statements.
    """
    nodes: dict[int, tuple[int, list[ast.AST]]] = {}
    alt: dict[int, tuple[int, int]] = {}  # id(node) -> (without docstrings, versions masked), where they differ
    found = {"docs": 0, "versions": 0}
    order: list[int] = []  # every hash, in the order the walk makes them
    statements: dict[StatementKey, StatementHashes] = {}
    reused: list[int] = []
    done: set[int] = set()  # ids of module-level statements hashed before the root's walk
    AST = ast.AST
    leaf_hashes = _LEAF_HASHES

    def visit(node: ast.AST) -> int:
        if done and id(node) in done:
            return nodes[id(node)][0]
        full: list[Any] = [type(node).__name__]
        kids: list[ast.AST] = []
        marked = False  # a child has hashes of its own without docstrings or with versions masked
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, AST):
                if value._fields:
                    full.append(visit(value))
                    marked = marked or id(value) in alt
                else:  # Load, Add, Eq...: a third of all nodes, one hash per type, no call
                    h = leaf_hashes.get(type(value)) or _leaf_hash(type(value))
                    nodes[id(value)] = (h, _NO_KIDS)
                    order.append(h)
                    full.append(h)
                kids.append(value)
            elif isinstance(value, list):
                items: list[Any] = []
                for item in value:
                    if isinstance(item, AST):
                        items.append(visit(item))
                        kids.append(item)
                        marked = marked or id(item) in alt
                    else:
                        items.append(repr(item))
                full.append(tuple(items))
            else:
                full.append(repr(value))
        h = hash(tuple(full))
        nodes[id(node)] = (h, kids)
        order.append(h)
        kind = type(node)
        doc = _docstring_of(node) if kind in _DOC_TYPES else None
        slot = _version_slot(node) if kind in _SLOT_TYPES else None
        if doc is None and slot is None and not marked:
            return h
        found["docs"] += doc is not None
        found["versions"] += slot is not None
        nodoc: list[Any] = [full[0]]
        masked: list[Any] = [full[0]]
        for position, name in enumerate(node._fields, 1):
            value = getattr(node, name, None)
            if isinstance(value, AST):
                h1, h2 = alt.get(id(value)) or (full[position], full[position])
                nodoc.append(h1)
                masked.append(_MASKED if value is slot else h2)
            elif isinstance(value, list):
                items1, items2 = [], []
                for item, item_hash in zip(value, full[position]):
                    h1, h2 = (alt.get(id(item)) if isinstance(item, AST) else None) or (item_hash, item_hash)
                    if item is not doc:
                        items1.append(h1)
                    items2.append(h2)
                nodoc.append(tuple(items1))
                masked.append(tuple(items2))
            else:
                nodoc.append(full[position])
                masked.append(full[position])
        alt[id(node)] = (hash(tuple(nodoc)), hash(tuple(masked)))
        return h

    def statement(stmt: ast.stmt, module_level: bool) -> None:
        """Hash one keyed statement (a module-level class's members first), or take it from `reuse`."""
        key = keys[id(stmt)]  # type: ignore[index]
        known = reuse.get(key) if reuse else None
        if known is not None:
            nodes[id(stmt)] = (known.hash, [])
            if known.alt is not None:
                alt[id(stmt)] = known.alt
            reused.extend(known.hashes)
            found["docs"] += known.docs
            found["versions"] += known.versions
        else:
            start, taken, docs, versions = len(order), len(reused), found["docs"], found["versions"]
            if module_level and isinstance(stmt, ast.ClassDef):
                for member in stmt.body:
                    statement(member, False)
            h = visit(stmt)
            # Its nodes' hashes: those walked now and those of members taken from `reuse`.
            known = StatementHashes(h, alt.get(id(stmt)), tuple(order[start:]) + tuple(reused[taken:]),
                                    found["docs"] > docs, found["versions"] > versions)
        statements.setdefault(key, known)
        done.add(id(stmt))

    try:
        if keys is not None and isinstance(tree, ast.Module):
            for stmt in tree.body:
                statement(stmt, True)
        root = visit(tree)
    finally:
        # `visit` and `statement` call themselves through this scope's cells: a reference cycle
        # that only the cyclic garbage collector would free, keeping every dict above alive until
        # it runs. On real histories that was millions of objects for the collector to find.
        visit = statement = _released  # type: ignore[assignment]
    root_nodoc, root_masked = alt.get(id(tree), (root, root))
    return TreeInfo(nodes, root, root_nodoc, root_masked, found["docs"] > 0, found["versions"] > 0,
                    statements, reused, order)


def _canonical(node: Any, drop_docs: bool, mask_versions: bool) -> Any:
    """An exact, position-free value of a tree (what `ast.dump` compares), optionally without
    docstrings or with version values masked: what confirms an equal hash."""
    if isinstance(node, ast.AST):
        doc = _docstring_of(node) if drop_docs else None
        slot = _version_slot(node) if mask_versions else None
        parts: list[Any] = [type(node).__name__]
        for name, value in ast.iter_fields(node):
            if value is slot and slot is not None:
                parts.append((name, _MASKED))
            elif isinstance(value, list):
                parts.append((name, tuple(_canonical(v, drop_docs, mask_versions) for v in value
                                          if doc is None or v is not doc)))
            else:
                parts.append((name, _canonical(value, drop_docs, mask_versions)))
        return tuple(parts)
    return repr(node)


def _class_header(node: ast.ClassDef) -> ast.ClassDef:
    """The class without its members: what is left to compare once they are compared one by one."""
    fields = {name: getattr(node, name, None) for name in node._fields if name != "body"}
    return ast.ClassDef(body=[], **fields)


def _same_value(old_tree: ast.Module, new_tree: ast.Module, value: Callable[[ast.AST], Any], drop_docs: bool,
                old_keys: dict[int, StatementKey] | None, new_keys: dict[int, StatementKey] | None) -> bool:
    """value(old_tree) == value(new_tree), for a value made field by field (`ast.dump`, `_canonical`)
    and blind to positions, computed only where the versions' texts differ: a module-level statement
    or class member whose key (statement_keys) is the same on both sides at the same place is the
    same subtree. The trees' exact check ran whole on every comparison whose hashes agreed, a walk
    of both files in pure Python, where a comment or a docstring had changed in one function."""
    if old_keys is None or new_keys is None:
        return value(old_tree) == value(new_tree)

    def body(node: ast.AST) -> list[ast.stmt]:
        doc = _docstring_of(node) if drop_docs else None
        return [s for s in node.body if s is not doc]  # type: ignore[attr-defined]

    def same(old: list[ast.stmt], new: list[ast.stmt], members: bool) -> bool:
        if len(old) != len(new):
            return False
        for o, n in zip(old, new):
            key = old_keys.get(id(o))
            if key is not None and key == new_keys.get(id(n)):
                continue
            if not members and isinstance(o, ast.ClassDef) and isinstance(n, ast.ClassDef):
                if value(_class_header(o)) != value(_class_header(n)) or not same(body(o), body(n), True):
                    return False
            elif value(o) != value(n):
                return False
        return True

    return [value(t) for t in old_tree.type_ignores] == [value(t) for t in new_tree.type_ignores] \
        and same(body(old_tree), body(new_tree), False)


def _dump(node: ast.AST) -> str:
    return ast.dump(node)


def _without_docs(node: ast.AST) -> Any:
    return _canonical(node, True, False)


def _versions_masked(node: ast.AST) -> Any:
    return _canonical(node, False, True)


# ------------------------------------------------------------------------------------- comparing

@dataclass(frozen=True)
class Comparison:
    """How the two trees relate. All False when either version does not parse."""
    parsed: bool               # both versions parse
    same_ast: bool             # equal trees (comments and layout may differ)
    same_but_docstrings: bool  # different trees, equal once docstrings are left out
    same_but_versions: bool    # different trees, equal once version values are masked
    edit_kinds: frozenset[str]  # empty when not parsed or the trees are equal


UNPARSED_COMPARISON = Comparison(False, False, False, False, frozenset())


def compare(versions: Versions, reuse_statements: bool = True) -> Comparison:
    """One hash walk per tree; an exact check only where the hashes say equal. The new tree's walk
    skips the module-level statements the old version has word for word (`hash_tree`'s reuse), and
    the old tree's walk skips those of them an earlier comparison in this process hashed (`_SEEN`).
    Statements are keyed by the text their tree was parsed from (a Python 2 version's rewrite)."""
    old_tree, new_tree = versions.old_tree, versions.new_tree
    if old_tree is None or new_tree is None:
        return UNPARSED_COMPARISON
    try:
        old_keys = new_keys = None
        if reuse_statements:
            old_keys = statement_keys(old_tree, versions.old_parsed)
            new_keys = statement_keys(new_tree, versions.new_parsed) if old_keys is not None else None
        if new_keys is None:
            old_keys = None
        # Statements unchanged in this commit whose hashes an earlier comparison made (StatementMemo).
        seen = _SEEN.found(set(old_keys.values()) & set(new_keys.values())) if new_keys else None
        old_info = hash_tree(old_tree, old_keys, seen)
        new_info = hash_tree(new_tree, new_keys, old_info.statements)
        if new_keys:
            _SEEN.remember(old_info.statements)
            _SEEN.remember(new_info.statements)
        if old_info.root == new_info.root and _same_value(old_tree, new_tree, _dump, False, old_keys, new_keys):
            return Comparison(True, True, False, False, frozenset())
        docs = (old_info.has_docstrings or new_info.has_docstrings) \
            and old_info.root_without_docs == new_info.root_without_docs \
            and _same_value(old_tree, new_tree, _without_docs, True, old_keys, new_keys)
        versions_only = not docs and (old_info.has_version_slots and new_info.has_version_slots) \
            and old_info.root_versions_masked == new_info.root_versions_masked \
            and _same_value(old_tree, new_tree, _versions_masked, False, old_keys, new_keys)
        kinds = _kinds(old_tree, new_tree, old_info, new_info)
    except RecursionError:
        return UNPARSED_COMPARISON
    return Comparison(True, False, docs, versions_only, kinds)


# ------------------------------------------------------------------------------------ edit kinds

# Node types a change is never reported as: it is attributed to the construct that holds them
# (a changed constant in `x = 5` is an Assign change, a changed keyword argument a Call change).
_LEAF_TYPES: tuple[type, ...] = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop,
                                 ast.Name, ast.Constant, ast.keyword, ast.arguments, ast.arg, ast.alias,
                                 ast.comprehension, ast.Expr, ast.withitem, ast.Load, ast.Store, ast.Del,
                                 ast.Pass, ast.type_ignore)
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _reportable(node: ast.AST) -> bool:
    return not isinstance(node, _LEAF_TYPES)


def _holds_block(node: ast.AST) -> bool:
    return any(isinstance(getattr(node, name, None), list) for name in _BLOCK_FIELDS)


def _changed_kinds(tree: ast.AST, info: dict[int, tuple[int, list[ast.AST]]], other: set[int],
                   kinds: set[str], containers: set[str]) -> None:
    """Add the lowest reportable node types of `tree` whose subtree has no equal in the other tree.

    A block statement (def, if, for, ...) whose every child has an equal on the other side only
    gained or lost a statement, and that statement is reported from the other side; the block goes
    to `containers`, reported only when nothing else is.
    """

    def walk(node: ast.AST) -> bool:
        h, kids = info[id(node)]
        if h in other:
            return False
        found = False
        for kid in kids:
            found = walk(kid) or found
        if not found and _reportable(node):
            if _holds_block(node) and kids and all(info[id(k)][0] in other for k in kids):
                containers.add(type(node).__name__)
                return True
            kinds.add(type(node).__name__)
            return True
        return found

    try:
        walk(tree)
    finally:
        walk = _released  # type: ignore[assignment]  # a self-referring closure: see hash_tree


def _kinds(old_tree: ast.AST, new_tree: ast.AST, old_info: TreeInfo, new_info: TreeInfo) -> frozenset[str]:
    kinds: set[str] = set()
    containers: set[str] = set()
    _changed_kinds(old_tree, old_info.nodes, new_info.hashes(), kinds, containers)
    _changed_kinds(new_tree, new_info.nodes, old_info.hashes(), kinds, containers)
    return frozenset(kinds or containers)


def edit_kinds(old: str, new: str) -> frozenset[str] | None:
    """The AST node types the change touches, or None when either version does not parse as Python 3.

    A structural diff without alignment: every subtree gets a hash of its shape and values; a node
    whose subtree has no equal on the other side changed, and the change is reported as the lowest
    such node that is a construct (Call, Compare, BinOp, If, For, Return, Assign, Attribute, ...),
    looking at both sides, so a deleted call and an added comparison both count. Names, constants,
    operators and argument lists are attributed to the construct around them. An empty set means
    the two trees are equal: only comments or formatting changed.
    """
    old_tree, new_tree = parse(old), parse(new)
    if old_tree is None or new_tree is None:
        return None
    try:
        return _kinds(old_tree, new_tree, hash_tree(old_tree), hash_tree(new_tree))
    except RecursionError:
        return None
