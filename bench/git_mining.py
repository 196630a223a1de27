#!/usr/bin/env python3
"""How fast repairpack mines git history, against PyDriller and against plain `git log`.

The claim the project makes is that mining single-file Python commits with pygit2 is fast enough to run
over whole forges; this benchmark is where that claim is checked. In one run it measures, over the same
repository and the same refs (all branches):

  (a) core      the pure mining core (`beam_jobs.sources.git.history`) in this process, no Beam: every reachable
                commit is classified and, for the survivors, both blobs are read and decoded, as
                `_MineCommit` does. This is the number the core is optimised for.
  (b) beam      the whole pipeline (`beam_jobs.pipeline.run`) on the FnApiRunner with a default config,
                run in a child process so its peak RSS can be taken without the other measurements
                polluting it.
  (c) pydriller PyDriller making the same selection (non-merge commits with exactly one changed file, a
                .py file modified in place) and reading both versions; it is slow, so only the first
                `--pydriller-limit` commits are processed and its rate is computed over those.
  (d) git log   one `git log --no-merges --raw` subprocess parsed in Python plus one `git cat-file
                --batch` reading both blobs of the survivors: the practical floor for this work.
  (e) floor     (a) plus a CommitRecord per survivor and one zstd Parquet file of them, in this process:
                the least any job writing these records must do. e/c is the most b/c could be.
  (f) filtered  (e) plus (b)'s filter stage (license check, filter chain with batched language
                detection, `annotate`): the floor of the mining job, `--set output.stop_after=sources`.

It prints commits per second for each, the ratios a/c, b/c, a/d, e/c and f/c, the peak RSS of (b) and the survivor
counts of (a), (c) and (d), which must agree (for (c) the core is re-run over exactly the commits
PyDriller saw). Targets are printed next to the figures; nothing here asserts on timings, because
timings depend on the machine and a benchmark that fails is a benchmark nobody runs.

Without a repository argument it generates one with pygit2 (`--commits`, default 20,000) and caches it
under `--cache-dir`, keyed by the generator version, commit count, seed and `--extra-files`, so reruns
start at once. Run `--commits 20000` and `--commits 40000` to see whether (b)'s memory grows with history
length, and `--extra-files 3000` to see how (a) scales with the size of the tree (real projects have
hundreds to thousands of files; the default repository has about 60).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Run as a script from anywhere: the project packages live next to bench/.
    sys.path.insert(0, str(ROOT))

import pygit2  # noqa: E402

from beam_jobs.sources.git import history as gh  # noqa: E402
from bench.cache import default_cache_dir  # noqa: E402
from bench.child import run_child as watch_child  # noqa: E402

MEASUREMENTS = ("core", "beam", "pydriller", "gitlog", "floor", "filtered")
DEFAULT_COMMITS = 20_000
DEFAULT_PYDRILLER_LIMIT = 2_000
# Bump when the generator changes, so cached repositories from an older generator are not reused.
GENERATOR_VERSION = 6
TARGETS = {"a/c": 50.0, "b/c": 20.0, "a/d": 0.5, "rss_mb": 1024.0}
# Stages whose survivors the other measurements count; the pipeline's later stages filter further.
_MINING_STAGES = ("git.repository", "git.commit", "git.contents")
# What `_MineCommit` turns into a corrupt_object reject instead of failing.
_OBJECT_ERRORS = (pygit2.GitError, KeyError, ValueError, OSError)


# =============================================================================== synthetic repository

_WORDS = ("alpha beta gamma delta value count total index item node edge path name data cache state "
          "token buffer record field entry parse load save merge split join scan read write build check "
          "limit offset size queue stack graph tree leaf root child parent result error config option "
          "source target window frame batch chunk block score weight rate step").split()
_TOP_DIRS = ("src/pkg/core", "src/pkg/io", "src/pkg/util", "tests", "scripts")


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}"


def _py_statement(rng: random.Random, names: Sequence[str]) -> list[str]:
    a, v, n = rng.choice(names), _ident(rng), rng.randint(0, 999)
    kind = rng.randrange(7)
    if kind == 0:
        return [f"    {v} = {a} + {n}"]
    if kind == 1:
        return [f"    {v} = {_ident(rng)}({a}, {n})"]
    if kind == 2:
        return [f"    if {a} > {n}:", f"        {a} = {a} * {rng.randint(2, 9)}"]
    if kind == 3:
        return [f"    for item in {a}:", f"        {v} = item.{rng.choice(_WORDS)}"]
    if kind == 4:
        return [f"    # {' '.join(rng.choices(_WORDS, k=rng.randint(4, 10)))}"]
    if kind == 5:
        return [f"    {a}.append({n})"]
    return [f"    {v} = [{a} for {a} in range({n})]"]


def _py_function(rng: random.Random) -> list[str]:
    names = rng.sample(_WORDS, rng.randint(1, 3))
    lines = [f"def {_ident(rng)}({', '.join(names)}):",
             f'    """{" ".join(rng.choices(_WORDS, k=rng.randint(5, 12))).capitalize()}."""']
    for _ in range(rng.randint(3, 9)):
        lines.extend(_py_statement(rng, names))
    lines += [f"    return {names[0]}", "", ""]
    return lines


# Bytes a module is kept within. Most are a few KB; about a third are small (helpers, __init__ files,
# short tests), which is also what lets some pairs through the default filters' size limits.
SMALL, LARGE = (300, 1300), (2500, 12000)


def _py_module(rng: random.Random, small: bool = False) -> list[str]:
    lines = [f'"""{" ".join(rng.choices(_WORDS, k=8)).capitalize()}."""', "import os", ""]
    for _ in range(rng.randint(1, 2) if small else rng.randint(10, 30)):
        lines.extend(_py_function(rng))
    return lines


def _edit_python(rng: random.Random, lines: list[str], small: bool = False) -> list[str]:
    """A small, realistic change: tweak a constant, add or drop a statement, now and then a function."""
    lo, hi = SMALL if small else LARGE
    lines = list(lines)
    size = sum(len(line) + 1 for line in lines)
    if size < lo or (not small and rng.random() < 0.06):
        at = rng.choice([i for i, line in enumerate(lines) if line.startswith("def ")] or [len(lines)])
        lines[at:at] = _py_function(rng)
        return lines
    if size > hi and small:  # a small module that grew too big loses a statement
        body = _simple_statements(lines)
        if body:
            del lines[rng.choice(body)]
        return lines
    if size > hi or rng.random() < 0.04:
        starts = [i for i, line in enumerate(lines) if line.startswith("def ")]
        if len(starts) > 3:
            k = rng.randrange(len(starts) - 1)
            del lines[starts[k]:starts[k + 1]]
            return lines
    for _ in range(rng.randint(1, 3)):
        body = _simple_statements(lines)  # again after each change: an insert shifts the indices
        if not body:
            break
        i = rng.choice(body)
        op = rng.randrange(3)
        if op == 0 and re.search(r"\d+", lines[i]):
            lines[i] = re.sub(r"\d+", str(rng.randint(0, 9999)), lines[i], count=1)
        elif op == 1:
            lines.insert(i + 1, f"    {_ident(rng)} = {rng.choice(_WORDS)} - {rng.randint(0, 99)}")
        else:
            lines[i] = f"    {_ident(rng)} = {_ident(rng)}({rng.randint(0, 99)})"
    return lines


def _simple_statements(lines: list[str]) -> list[int]:
    """Top-level statements of function bodies that open no block: changing one, or adding one after it,
    keeps the module valid Python (the default filters parse both versions, and real history mostly
    parses)."""
    return [i for i, line in enumerate(lines)
            if line.startswith("    ") and not line.startswith(("     ", "    return")) and not line.endswith(":")]


_VERBS = ("Fix", "Handle", "Avoid", "Add", "Remove", "Use", "Support", "Make", "Improve", "Simplify",
          "Refactor", "Check", "Validate", "Skip", "Allow", "Prevent", "Return", "Raise", "Rename", "Clean up")
_TAILS = ("when the {n} is empty", "in the {n} parser", "for large {n} files", "before the {n} is written",
          "after a {n} reload", "if the {n} cannot be read", "on a missing {n}", "in {n} handling")
_POOR_SUBJECTS = ("wip", "fix", "update", "more fixes", "Update {f}", "fix typo", "Fix #{k}", "tests pass now")
_BODIES = ("The {n} was read twice, and the second read saw a stale {m}.",
           "Callers relied on the old {n} order; keep it and document why.",
           "This keeps the {n} and the {m} in step when a {m} is retried.")


def _message(rng: random.Random, path: str = "") -> str:
    """A commit message: mostly a clear imperative subject, sometimes a body, now and then a poor one
    of the kind the message filters exist to drop."""
    if rng.random() < 0.1:
        subject = rng.choice(_POOR_SUBJECTS).format(f=path.rsplit("/", 1)[-1] or "setup.cfg", k=rng.randint(1, 999))
    else:
        noun = rng.choice(_WORDS)
        tail = rng.choice(_TAILS).format(n=rng.choice(_WORDS))
        subject = f"{rng.choice(_VERBS)} {noun} {rng.choice(_WORDS)} {tail}"
    if rng.random() < 0.3:
        body = rng.choice(_BODIES).format(n=rng.choice(_WORDS), m=rng.choice(_WORDS))
        return f"{subject}\n\n{body}\n"
    return subject + "\n"


_LICENSE = """MIT License

Copyright (c) 2017 The Synthetic Project Authors

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense,
and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial
portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT
LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN
NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def _text_file(rng: random.Random, path: str) -> list[str]:
    if path.endswith(".json"):
        return ["{"] + [f'  "{_ident(rng)}": {rng.randint(0, 9999)},' for _ in range(rng.randint(20, 80))] + ['  "end": 0', "}"]
    return [" ".join(rng.choices(_WORDS, k=rng.randint(6, 14))) for _ in range(rng.randint(20, 80))]


def _edit_text(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    i = rng.randrange(len(lines))
    if lines[i].startswith('  "') and lines[i].endswith(","):
        lines[i] = f'  "{_ident(rng)}": {rng.randint(0, 9999)},'
    else:
        lines.insert(i, " ".join(rng.choices(_WORDS, k=rng.randint(6, 14))))
    return lines


@dataclass(frozen=True)
class _File:
    lines: tuple[str, ...]
    mode: int = gh.MODE_REGULAR
    # Bytes that are not UTF-8, appended to the text: exercises the contents stage's not_utf8 reject.
    junk: bytes = b""
    small: bool = False

    def data(self) -> bytes:
        return "\n".join(self.lines).encode("utf-8") + b"\n" + self.junk


class _Branch:
    """A line of history being built: its directories (entry name -> blob id and mode) and a cache of
    subtree ids.

    Only the directories on the path of a changed file are rewritten per commit, and nothing walks all
    files per commit; that keeps generating 20,000 commits, even over thousands of files, to seconds.
    """

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        # The files commits may change; static filler (--extra-files) is only in `dirs`.
        self.files: dict[str, _File] = {}
        self.dirs: dict[str, dict[str, tuple[pygit2.Oid | None, int]]] = {"": {}}
        self.tip: pygit2.Oid | None = None
        self._trees: dict[str, pygit2.Oid] = {}

    def fork(self) -> "_Branch":
        other = _Branch(self.repo)
        other.files = dict(self.files)
        other.dirs = {d: dict(entries) for d, entries in self.dirs.items()}
        other.tip = self.tip
        other._trees = dict(self._trees)
        return other

    def _invalidate(self, path: str) -> None:
        d = path
        while d:
            d = d.rpartition("/")[0]
            self._trees.pop(d, None)

    def _link(self, path: str, entry: tuple[pygit2.Oid, int]) -> None:
        parent, _, name = path.rpartition("/")
        self.dirs.setdefault(parent, {})[name] = entry
        while parent:  # make sure every ancestor lists this directory
            grand, _, dname = parent.rpartition("/")
            entries = self.dirs.setdefault(grand, {})
            if dname in entries:
                break
            entries[dname] = (None, pygit2.enums.FileMode.TREE)
            parent = grand
        self._invalidate(path)

    def _unlink(self, path: str) -> None:
        self._invalidate(path)
        parent, _, name = path.rpartition("/")
        del self.dirs[parent][name]
        while parent and not self.dirs[parent]:  # git has no empty directories
            del self.dirs[parent]
            grand, _, dname = parent.rpartition("/")
            del self.dirs[grand][dname]
            parent = grand

    def entry(self, path: str) -> tuple[pygit2.Oid, int]:
        parent, _, name = path.rpartition("/")
        return self.dirs[parent][name]  # type: ignore[return-value]

    def put(self, path: str, f: _File) -> None:
        self.files[path] = f
        self._link(path, (self.repo.create_blob(f.data()), f.mode))

    def put_static(self, path: str, data: bytes) -> None:
        self._link(path, (self.repo.create_blob(data), gh.MODE_REGULAR))

    def adopt(self, other: "_Branch", path: str) -> None:
        """Take `path` as it is on `other` (a merge from a branch that alone touched it)."""
        self.files[path] = other.files[path]
        self._link(path, other.entry(path))

    def drop(self, path: str) -> None:
        del self.files[path]
        self._unlink(path)

    def write_tree(self) -> pygit2.Oid:
        def build(d: str) -> pygit2.Oid:
            cached = self._trees.get(d)
            if cached is not None:
                return cached
            tb = self.repo.TreeBuilder()
            for name, (oid, mode) in self.dirs.get(d, {}).items():
                if oid is None:
                    oid = build(f"{d}/{name}" if d else name)
                tb.insert(name, oid, mode)
            self._trees[d] = tree = tb.write()
            return tree

        return build("")


class _Generator:
    """Writes a synthetic but realistically shaped history; see `generate_repository`."""

    # (kind, weight) of a non-merge commit.
    KINDS = (("py1", 0.72), ("multi", 0.09), ("other1", 0.08), ("add", 0.025), ("delete", 0.015),
             ("rename", 0.02), ("mode", 0.006), ("latin1", 0.004), ("empty", 0.004), ("py_other", 0.036))

    def __init__(self, repo: pygit2.Repository, seed: int, extra_files: int = 0) -> None:
        self.repo = repo
        self.rng = random.Random(seed)
        self.extra_files = extra_files
        self.clock = 1_500_000_000
        self.serial = 0
        self.authors = [pygit2.Signature(f"Dev {n}", f"dev{n}@example.com", 0, 0) for n in range(12)]

    def _new_name(self, directory: str, ext: str) -> str:
        self.serial += 1
        return f"{directory}/{self.rng.choice(_WORDS)}_{self.serial}{ext}"

    def initial(self, branch: _Branch) -> None:
        rng = self.rng
        counts = {"src/pkg/core": 9, "src/pkg/io": 7, "src/pkg/util": 7, "tests": 10, "scripts": 3}
        for d, n in counts.items():
            for _ in range(n):
                mode = gh.MODE_EXECUTABLE if d == "scripts" else gh.MODE_REGULAR
                small = rng.random() < 0.35
                branch.put(self._new_name(d, ".py"), _File(tuple(_py_module(rng, small)), mode, small=small))
        branch.put("src/pkg/__init__.py", _File(tuple(_py_module(rng, True)), small=True))
        branch.put("setup.py", _File(tuple(_py_module(rng, True)), small=True))
        # Real projects carry a license; without one the license stage would reject every commit.
        branch.put_static("LICENSE", _LICENSE.encode())
        for path in ("README.md", "CHANGELOG.md", "requirements.txt", "setup.cfg", "docs/index.rst",
                     "docs/usage.rst", "data/defaults.json", "data/schema.json"):
            branch.put(path, _File(tuple(_text_file(rng, path))))
        for i in range(self.extra_files):
            # Filler that no commit touches, 100 files a directory: real projects have hundreds to
            # thousands of files, and a tree diff that walks all of them pays for each one.
            group = i // 100
            ext = (".py", ".py", ".py", ".txt", ".json")[i % 5]
            path = f"vendor/lib_{group // 10:02d}/pkg_{group:03d}/mod_{i:05d}{ext}"
            branch.put_static(path, f"# vendored file {i}\nVALUE_{i} = {i * 7919 % 100003}\n".encode())

    def commit(self, branch: _Branch, message: str, parents: list[pygit2.Oid] | None = None) -> pygit2.Oid:
        self.clock += self.rng.randint(60, 7200)
        author = self.rng.choice(self.authors)
        sig = pygit2.Signature(author.name, author.email, self.clock, 0)
        parents = parents if parents is not None else ([branch.tip] if branch.tip is not None else [])
        branch.tip = self.repo.create_commit(None, sig, sig, message, branch.write_tree(), parents)
        return branch.tip

    def _edit(self, branch: _Branch, path: str) -> None:
        f = branch.files[path]
        if path.endswith(".py"):
            lines = _edit_python(self.rng, list(f.lines), f.small)
        else:
            lines = _edit_text(self.rng, list(f.lines))
        branch.put(path, _File(tuple(lines), f.mode, small=f.small))

    def change(self, branch: _Branch, allowed: Callable[[str], bool], home: str | None) -> str:
        """Apply one commit's worth of change to `branch`; returns the commit message."""
        rng = self.rng
        py = [p for p in branch.files if p.endswith(".py") and allowed(p)]
        other = [p for p in branch.files if not p.endswith(".py") and allowed(p)]
        kind = rng.choices([k for k, _ in self.KINDS], weights=[w for _, w in self.KINDS])[0]
        if kind == "other1" and not other:
            kind = "py1"
        if kind == "py_other" and not other:
            kind = "multi"
        # Adds and deletes keep the project between about 30 and 50 Python files all through history.
        n_py = sum(1 for p in branch.files if p.endswith(".py"))
        if kind == "add" and n_py >= 48:
            kind = "delete"
        if kind == "delete" and (len(py) < 4 or n_py <= 32):
            kind = "add"
        if kind == "py1":
            path = rng.choice(py)
            self._edit(branch, path)
            return _message(rng, path)
        if kind == "multi":
            for path in rng.sample(py, min(len(py), rng.randint(2, 4))):
                self._edit(branch, path)
            return _message(rng)
        if kind == "py_other":
            self._edit(branch, rng.choice(py))
            self._edit(branch, rng.choice(other))
            return _message(rng)
        if kind == "other1":
            self._edit(branch, rng.choice(other))
            return _message(rng)
        if kind == "add":
            # Main stays out of the directory an open feature branch owns, new files included.
            directory = home or rng.choice([d for d in _TOP_DIRS if allowed(d + "/")])
            if home is None and rng.random() < 0.15 and sum(p.startswith("docs/") for p in branch.files) < 6:
                path = self._new_name("docs", ".md")
                branch.put(path, _File(tuple(_text_file(rng, path))))
            else:
                path = self._new_name(directory, ".py")
                small = rng.random() < 0.35
                branch.put(path, _File(tuple(_py_module(rng, small)), small=small))
            return f"Add {path}"
        if kind == "delete":
            path = rng.choice(py)
            branch.drop(path)
            return f"Remove {path}"
        if kind == "rename":
            path = rng.choice(py)
            f = branch.files[path]
            branch.drop(path)
            target = self._new_name(path.rpartition("/")[0], ".py")
            lines = list(f.lines)
            if rng.random() < 0.3:
                lines = _edit_python(rng, lines, f.small)
            branch.put(target, _File(tuple(lines), f.mode, small=f.small))
            return f"Rename {path} to {target}"
        if kind == "mode":
            path = rng.choice(py)
            f = branch.files[path]
            mode = gh.MODE_REGULAR if f.mode == gh.MODE_EXECUTABLE else gh.MODE_EXECUTABLE
            branch.put(path, _File(f.lines, mode, f.junk, f.small))
            return f"Make {path} {'executable' if mode == gh.MODE_EXECUTABLE else 'not executable'}"
        if kind == "latin1":
            path = rng.choice(py)
            f = branch.files[path]
            lines = _edit_python(rng, list(f.lines), f.small)
            branch.put(path, _File(tuple(lines), f.mode, b"# caf\xe9 cr\xe8me br\xfbl\xe9e\n", f.small))
            return _message(rng, path)
        return "Empty commit (re-run CI)"  # "empty": the tree does not change

    def run(self, total: int) -> dict[str, pygit2.Oid]:
        """Exactly `total` commits: a main line with short feature branches merged back into it.

        A feature branch only touches one directory and main stays out of it while the branch is open,
        so the merge tree is known without a merge algorithm. The last open feature branch stays
        unmerged (`wip`), and `release` points into main's past: both make "all branches" matter.
        """
        rng = self.rng
        main = _Branch(self.repo)
        self.initial(main)
        self.commit(main, "Initial import")
        made = 1
        refs: dict[str, pygit2.Oid] = {}
        feature: _Branch | None = None
        reserved = ""
        feature_commits = window = 0
        final_forked = False
        next_fork = rng.randint(200, 600)
        release_at = int(total * 0.6)
        while made < total:
            if made >= release_at and "refs/heads/release" not in refs:
                refs["refs/heads/release"] = main.tip
            final = total - made <= 12
            if feature is None and (made >= next_fork or (final and not final_forked)):
                reserved = rng.choice(_TOP_DIRS)
                feature, feature_commits, window = main.fork(), 0, rng.randint(8, 30)
                if final:  # the last branch stays open: its commits are reachable only from `wip`
                    final_forked, window = True, total
            if feature is not None and window <= 0:
                if feature_commits:
                    for path in [p for p in main.files if p.startswith(reserved + "/")]:
                        main.drop(path)
                    for path in [p for p in feature.files if p.startswith(reserved + "/")]:
                        main.adopt(feature, path)
                    self.commit(main, f"Merge branch 'feature/{reserved}'", [main.tip, feature.tip])
                    made += 1
                feature, next_fork = None, made + rng.randint(200, 600)
                continue
            if feature is not None:
                window -= 1
                if rng.random() < 0.4:
                    inside = reserved + "/"
                    message = self.change(feature, lambda p: p.startswith(inside), reserved)
                    self.commit(feature, message)
                    feature_commits += 1
                    made += 1
                    continue
                outside = reserved + "/"
                message = self.change(main, lambda p: not p.startswith(outside), None)
            else:
                message = self.change(main, lambda p: True, None)
            self.commit(main, message)
            made += 1
        refs["refs/heads/main"] = main.tip
        if feature is not None and feature_commits:
            refs["refs/heads/wip"] = feature.tip
        return refs


def _scratch_dir(cache_dir: Path) -> Path:
    """Where the loose objects are written: tmpfs when there is one, since 200,000 small files are
    slow to create and delete on a disk; the packed result is then copied into the cache."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return cache_dir


def generate_repository(commits: int, seed: int, cache_dir: Path, *, extra_files: int = 0,
                        regenerate: bool = False, log: Callable[[str], None] = print) -> Path:
    """A bare repository of exactly `commits` commits, packed like a clone, cached by its parameters.

    The repository is written with pygit2 (loose objects), then repacked with `git repack`: real
    repositories arrive packed, and reading loose objects would measure the filesystem, not mining.
    It is built in a temporary folder and renamed into place, so an interrupted run leaves no
    half-built cache entry.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"synthetic-g{GENERATOR_VERSION}-c{commits}-s{seed}-x{extra_files}.git"
    if target.is_dir() and not regenerate:
        return target
    if target.exists():
        shutil.rmtree(target)
    work = Path(tempfile.mkdtemp(prefix="repairpack-bench-gen-", dir=_scratch_dir(cache_dir)))
    staged = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=cache_dir))
    try:
        started = time.perf_counter()
        repo = pygit2.init_repository(str(work), bare=True, initial_head="main")
        refs = _Generator(repo, seed, extra_files).run(commits)
        for name, oid in refs.items():
            repo.references.create(name, oid, force=True)
        del repo
        written = time.perf_counter()
        subprocess.run(["git", "-C", str(work), "-c", "repack.writeBitmaps=false", "repack", "-a", "-d", "-q"],
                       check=True)
        for loose in (work / "objects").iterdir():  # all packed now; faster than `git prune-packed`
            if re.fullmatch(r"[0-9a-f]{2}", loose.name):
                shutil.rmtree(loose)
        shutil.rmtree(staged)
        shutil.copytree(work, staged)
        os.replace(staged, target)
        log(f"generated {commits:,} commits in {written - started:.1f} s, packed in "
            f"{time.perf_counter() - written:.1f} s: {target}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
    return target


# ======================================================================================= measurements

@dataclass
class Result:
    """One measurement. `commits` is the number of commits the rate is computed over."""
    name: str
    commits: int = 0
    seconds: float = 0.0
    candidates: int | None = None   # survivors of the commit selection
    decoded: int | None = None      # survivors whose both versions decode (what becomes a record)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.commits / self.seconds if self.seconds > 0 else 0.0


def _extensions() -> tuple[str, ...]:
    from config.model import build_config
    return tuple(build_config().git.extensions)


def mine_core(path: str, shas: Iterable[str] | None = None, *, timings: dict[str, float] | None = None) -> Result:
    """(a): list every commit reachable from the branches, classify it, read and decode the survivors.

    The same calls `_ListCommits` and `_MineCommit` make, with the Beam plumbing taken away, including
    looking each commit up again by its hex sha as the worker does after the shuffle. `shas` restricts
    the run to given commits (used to compare with PyDriller's prefix).
    """
    gh.tune_for_mining()
    extensions = _extensions()
    reasons: Counter[str] = Counter()
    candidates = decoded = 0
    clock = time.perf_counter
    t_classify = t_read = 0.0
    started = clock()
    with gh.RepoHandle(path) as handle:
        repo = handle.repo
        if shas is None:
            shas = list(gh.iter_commit_shas(repo, gh.select_refs(repo, "branches")))
        else:
            shas = list(shas)
        listed = clock()
        for sha in shas:
            t0 = clock()
            try:
                commit = repo[sha]
                result = gh.classify(repo, commit, extensions)
            except _OBJECT_ERRORS:
                result = "corrupt_object"
            t1 = clock()
            t_classify += t1 - t0
            if isinstance(result, str):
                reasons[result] += 1
                continue
            candidates += 1
            try:
                gh.read_blob_text(repo, result.old_blob, "old")
                gh.read_blob_text(repo, result.new_blob, "new")
                decoded += 1
            except gh.ContentError as exc:
                reasons[exc.reason] += 1
            except _OBJECT_ERRORS:
                reasons["corrupt_object"] += 1
            t_read += clock() - t1
    elapsed = clock() - started
    if timings is not None:
        timings.update(list=listed - started, classify=t_classify, read=t_read)
    return Result("core", commits=len(shas), seconds=elapsed, candidates=candidates, decoded=decoded,
                  extra={"reasons": dict(reasons.most_common())})


def mine_floor(path: str, config: Any = None) -> Result:
    """(e): the least any job that writes these records must do, in one process without Beam: (a)'s
    work, a CommitRecord per survivor, and one zstd Parquet file of them, streamed in row groups as the
    pipeline's writer does. Not a pipeline (no shuffle, no determinism across workers); it tells how
    much of (b) is the work itself and how much is the rest.

    (f), with `config`: the same, plus that config's filter stage as the pipeline runs it (the license
    check and the filter chain, language detection batched, then `annotate`), on the kept records only:
    the floor of the mining job (`--set output.stop_after=sources`)."""
    from beam_jobs.sources.git.source import commit_filters
    from licenses.detect import get_detector, license_ref, repository_license
    from beam_jobs.parquet_sink import write_parquet
    from filters.base import BatchedChain
    from filters.chain import annotate, compiled_rules
    from schemas.arrow import to_row
    from schemas.commit import COMMIT_SCHEMA, CommitRecord, commit_record_id

    gh.tune_for_mining()
    extensions = _extensions()
    counted = {"commits": 0, "candidates": 0, "decoded": 0, "kept": 0}

    def records(repo: pygit2.Repository, name: str) -> Iterable[CommitRecord]:
        refs = gh.select_refs(repo, "branches")
        # The repository's license, found once as `_ListCommits` finds it, so (f)'s license check is the
        # pipeline's on any repository; (e) has no filters and takes it as "mit".
        license_key = "mit" if config is None else repository_license(
            repo, [path, name], license_ref(repo, refs), get_detector(config.licenses.detector), {})
        for sha in gh.iter_commit_shas(repo, refs):
            counted["commits"] += 1
            try:
                commit = repo[sha]
                result = gh.classify(repo, commit, extensions)
            except _OBJECT_ERRORS:
                continue
            if isinstance(result, str):
                continue
            counted["candidates"] += 1
            try:
                old = gh.read_blob_text(repo, result.old_blob, "old")
                new = gh.read_blob_text(repo, result.new_blob, "new")
            except (gh.ContentError, *_OBJECT_ERRORS):
                continue
            counted["decoded"] += 1
            message = gh.decode_message(commit)
            yield CommitRecord(
                id=commit_record_id("git", sha, result.path), source="git", commit=sha, parent=result.parent,
                old_file=result.path, new_file=result.path, old_contents=old, new_contents=new,
                subject=message.split("\n", 1)[0].strip(), message=message, lang="Python", license=license_key,
                repos=[name], author_time=gh.utc(commit.author.time), committer_time=gh.utc(commit.committer.time),
                author_name=commit.author.raw_name.decode("utf-8", errors="replace"))

    def filtered(mined: Iterable[CommitRecord]) -> Iterable[CommitRecord]:
        chain = BatchedChain(commit_filters(config))
        rules = compiled_rules(config.filters)
        for record in mined:
            for kept, _, reason in chain.add(record):
                if reason is None:
                    counted["kept"] += 1
                    yield annotate(kept, rules)
        for kept, _, reason in chain.flush():
            if reason is None:
                counted["kept"] += 1
                yield annotate(kept, rules)

    def rows(repo: pygit2.Repository, name: str) -> Iterable[dict[str, Any]]:
        mined = records(repo, name)
        for record in (mined if config is None else filtered(mined)):
            yield to_row(record)

    with tempfile.TemporaryDirectory(prefix="repairpack-bench-floor-") as tmp:
        started = time.perf_counter()
        with gh.RepoHandle(path) as handle:
            entry = write_parquet(os.path.join(tmp, "records.parquet"), COMMIT_SCHEMA, rows(handle.repo, handle.name),
                                  compression="zstd", row_group_rows=1000)
        elapsed = time.perf_counter() - started
    kept = f", {counted['kept']:,} kept by the filters of preset {config.preset}" if config is not None else ""
    return Result("floor" if config is None else "filtered", commits=counted["commits"], seconds=elapsed,
                  candidates=counted["candidates"], decoded=counted["decoded"],
                  notes=[f"wrote {entry['rows']:,} records{kept}, {entry['bytes'] / 2**20:.1f} MB of zstd Parquet"])


def _read_git_log(path: str, refs: list[str], extensions: tuple[str, ...]) -> tuple[int, list[tuple[str, str]]]:
    """Commits listed and (old blob, new blob) of the survivors, from one `git log --raw -z`.

    The rules are the core's: exactly one changed entry, status M, both modes regular files, the blob
    changed, the path a Python file. `--no-renames` keeps git from pairing an add and a delete; a rename
    is then two entries, which fails "exactly one" just as the core's rename reject does.
    """
    cmd = ["git", "-C", path, "-c", "core.quotePath=false", "log", "--no-merges", "--raw", "--no-renames",
           "--no-abbrev", "--no-color", "--no-ext-diff", "-z", "--format=%x01%H", *refs, "--"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    regular = (b"100644", b"100755")
    ext = tuple(e.encode() for e in extensions)
    survivors: list[tuple[str, str]] = []
    records = out.split(b"\x01")
    for record in records[1:]:
        # -z layout: "<sha>\0\n:<old mode> <new mode> <old> <new> <status>\0<path>\0:<next entry>..."
        fields = record.split(b"\0")
        if len(fields) != 4:  # sha, one entry, its path, the empty tail: anything else is not one change
            continue
        entry = fields[1].lstrip(b"\n")
        if not entry.startswith(b":"):
            continue
        old_mode, new_mode, old, new, status = entry[1:].split(b" ")
        if status != b"M" or old_mode not in regular or new_mode not in regular or old == new:
            continue
        file_path = fields[2]
        if not file_path.endswith(ext):
            continue
        survivors.append((old.decode(), new.decode()))
    return len(records) - 1, survivors


def _cat_file(path: str, shas: list[str]) -> Iterable[bytes]:
    """Contents of the blobs, in order, through one `git cat-file --batch` (requests written by a thread
    so neither pipe fills up and deadlocks)."""
    proc = subprocess.Popen(["git", "-C", path, "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=1 << 16)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{s}\n" for s in shas).encode())
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    read = proc.stdout.read
    readline = proc.stdout.readline
    for _ in shas:
        header = readline().split()
        if len(header) != 3:
            raise RuntimeError(f"git cat-file: unexpected header {header!r}")
        data = read(int(header[2]) + 1)[:-1]
        yield data
    writer.join()
    proc.stdout.close()
    proc.wait()


def mine_git_log(path: str) -> Result:
    """(d): the practical floor, git's own C code doing the walk and the diffs."""
    extensions = _extensions()
    with gh.RepoHandle(path) as handle:
        refs = gh.select_refs(handle.repo, "branches")
        # Not timed: --no-merges drops merges from the listing; count every reachable commit like (a) does.
        total = sum(1 for _ in gh.iter_commit_shas(handle.repo, refs))
    listed_at = time.perf_counter()
    listed, survivors = _read_git_log(path, refs, extensions)
    logged = time.perf_counter()
    decoded = 0
    blobs = _cat_file(path, [s for pair in survivors for s in pair])
    for _ in survivors:
        old, new = next(blobs), next(blobs)
        try:
            gh.decode_source(old, "old")
            gh.decode_source(new, "new")
            decoded += 1
        except gh.ContentError:
            pass
    for _ in blobs:  # drain, so the subprocess is reaped
        pass
    elapsed = time.perf_counter() - listed_at
    return Result("gitlog", commits=total, seconds=elapsed, candidates=len(survivors), decoded=decoded,
                  notes=[f"{listed:,} non-merge commits in the log; rate over all {total:,} reachable"],
                  extra={"log_seconds": logged - listed_at, "cat_file_seconds": time.perf_counter() - logged})


def mine_pydriller(path: str, limit: int) -> tuple[Result, list[str]]:
    """(c): PyDriller over the same branches, oldest first, stopping after `limit` commits (0 = all).

    Selection mirrors the core: not a merge, exactly one modified file, change type MODIFY, a .py path,
    both modes regular (read from GitPython's diff, which PyDriller keeps as `_c_diff`) and the contents
    changed (a pure mode change is not a repair). Both versions are read through `source_code_before` /
    `source_code`, which is how PyDriller users get them.
    Returns the result and the shas it processed, so the core can be checked on exactly those.
    """
    from pydriller import ModificationType, Repository

    extensions = _extensions()
    regular = {gh.MODE_REGULAR, gh.MODE_EXECUTABLE}
    with gh.RepoHandle(path) as handle:
        refs = gh.select_refs(handle.repo, "branches")
    seen: list[str] = []
    candidates = decoded = 0
    started = time.perf_counter()
    for commit in Repository(path, only_in_branch=refs).traverse_commits():
        seen.append(commit.hash)
        if not commit.merge:
            files = commit.modified_files
            if len(files) == 1 and files[0].change_type == ModificationType.MODIFY \
                    and (files[0].new_path or "").endswith(extensions):
                mf = files[0]
                diff = getattr(mf, "_c_diff", None)
                modes = {getattr(diff, "a_mode", gh.MODE_REGULAR), getattr(diff, "b_mode", gh.MODE_REGULAR)}
                if modes <= regular:
                    # Each property reads the blob again, so read each version once, as a user would.
                    before, after = mf.source_code_before, mf.source_code
                    if before != after:
                        candidates += 1
                        if before is not None and after is not None:
                            decoded += 1
        if limit and len(seen) >= limit:
            break
    elapsed = time.perf_counter() - started
    note = f"first {len(seen):,} commits (oldest first, --pydriller-limit {limit})" if limit else "all commits"
    return Result("pydriller", commits=len(seen), seconds=elapsed, candidates=candidates, decoded=decoded,
                  notes=[note, "PyDriller decodes with errors='ignore', so its 'decoded' equals its candidates"]), seen


# ------------------------------------------------------------------------------------------------ beam

def _config_overrides(items: Sequence[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` pairs, parsed as run_pipeline.py does (values are YAML scalars)."""
    import yaml

    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"git_mining.py: error: --set takes KEY=VALUE, not '{item}'")
        overrides[key.strip()] = yaml.safe_load(raw) if raw else ""
    return overrides


def beam_child(path: str, out_json: str, beam_args: list[str], overrides: Sequence[str] = (),
               preset: str = "strict") -> None:
    """Runs inside the child process: the pipeline once, then its own figures into `out_json`."""
    import logging

    import psutil

    from beam_jobs.pipeline import Inputs, run
    from config.model import build_config

    logging.getLogger().setLevel(logging.WARNING)
    # The commit count comes from the run's own counters (every listed commit enters git.commit):
    # listing the history here first would leave libgit2's walk in this process's RSS, which is (b)'s.
    baseline = psutil.Process().memory_info().rss
    output = tempfile.mkdtemp(prefix="repairpack-bench-out-")
    try:
        started = time.perf_counter()
        config = build_config(preset, None, _config_overrides(overrides))
        manifest = run(Inputs(git=[path]), config, output, ["--runner=FnApiRunner", *beam_args], overwrite=True)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(output, ignore_errors=True)
    payload = {
        "commits": manifest["counts"].get("git.commit", {}).get("in", 0), "seconds": elapsed,
        "counts": manifest["counts"],
        # The corpus samples, or the records of a run stopped after the sources (--set output.stop_after=sources).
        "records": sum(n for config, rows in manifest["rows"].items() if config != "rejects" for n in rows.values()),
        "rejects": manifest["rows"].get("rejects", {}).get("rejects", 0),
        "baseline_rss": baseline,
        # Linux reports ru_maxrss in KiB.
        "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(payload, f)


def mine_beam(path: str, beam_args: list[str], overrides: Sequence[str] = (), preset: str = "strict",
              poll_seconds: float = 0.05) -> Result:
    """(b): the pipeline in a child process; peak RSS is the larger of the child's own ru_maxrss and the
    polled sum over the child and all its descendants (FnApiRunner may start SDK worker processes)."""
    cmd = [sys.executable, os.path.abspath(__file__), path, *[f"--beam-arg={a}" for a in beam_args],
           *[f"--set={o}" for o in overrides], f"--preset={preset}"]
    run = watch_child(cmd, poll_seconds=poll_seconds)
    child, wall, peak_tree, max_procs = run.result, run.wall, run.peak_tree, run.processes
    peak = max(peak_tree, child["maxrss_self"] + child["maxrss_children"])
    counts: dict[str, dict[str, int]] = child["counts"]
    # The mining stages' survivors are what (a), (c) and (d) count; later stages filter further.
    later = {f"{stage} {reason}": n for stage, c in counts.items() if stage not in _MINING_STAGES
             for reason, n in c.items() if reason not in ("in", "kept")}
    top = ", ".join(f"{k} {v:,}" for k, v in sorted(later.items(), key=lambda kv: -kv[1])[:6]) or "none"
    return Result("beam", commits=child["commits"], seconds=child["seconds"],
                  candidates=counts.get("git.commit", {}).get("kept"),
                  decoded=counts.get("git.contents", {}).get("kept"),
                  notes=[f"config: preset {preset}" + (f", --set {' '.join(overrides)}" if overrides else " (the default)")
                         + (f"; Beam args {' '.join(beam_args)}" if beam_args else ""),
                         f"child wall time {wall:.1f} s incl. interpreter start and imports; rate over run() only",
                         f"wrote {child['records']:,} records; rejected after mining: {top}"],
                  extra={"peak_rss": peak, "peak_rss_polled_tree": peak_tree, "peak_anon": run.peak_anon,
                         "maxrss_self": child["maxrss_self"],
                         "maxrss_children": child["maxrss_children"], "baseline_rss": child["baseline_rss"],
                         "processes": max_procs, "rejects": child["rejects"]})


# ------------------------------------------------------------------------------------------- profiling

def profile_core(path: str, top: int = 25) -> str:
    """cProfile of (a), sorted by internal time: where the core's time goes, per Python-level call."""
    profiler = cProfile.Profile()
    profiler.enable()
    mine_core(path)
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# ============================================================================================ report

def _fmt_int(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def report(path: str, results: dict[str, Result], pyd_core: Result | None, timings: dict[str, float]) -> str:
    """The table, the ratios against their targets, and the agreement of the survivor counts."""
    labels = {"core": "(a) core, pygit2, 1 process", "beam": "(b) Beam pipeline, FnApiRunner",
              "pydriller": "(c) PyDriller", "gitlog": "(d) git log --raw + cat-file",
              "floor": "(e) (a) + records + Parquet", "filtered": "(f) (e) + filter stage"}
    rows = [("measurement", "commits", "seconds", "commits/s", "survivors", "decoded")]
    for key in MEASUREMENTS:
        r = results.get(key)
        if r is None:
            continue
        rows.append((labels[key], _fmt_int(r.commits), f"{r.seconds:.2f}", f"{r.rate:,.0f}",
                     _fmt_int(r.candidates), _fmt_int(r.decoded)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"repository: {path}", ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(row)))
        if i == 0:
            lines.append("-" * len(lines[-1]))
    lines.append("")

    def ratio(a: str, b: str, target: float, label: str) -> None:
        if a in results and b in results and results[b].rate > 0:
            value = results[a].rate / results[b].rate
            verdict = "meets" if value >= target else "MISSES"
            lines.append(f"  {label:<5} {value:8.2f}x   target >= {target:g}x   {verdict}")

    lines.append("rate ratios and memory:")
    ratio("core", "pydriller", TARGETS["a/c"], "a/c")
    ratio("beam", "pydriller", TARGETS["b/c"], "b/c")
    ratio("core", "gitlog", TARGETS["a/d"], "a/d")
    if "floor" in results and "pydriller" in results and results["pydriller"].rate > 0:
        lines.append(f"  e/c   {results['floor'].rate / results['pydriller'].rate:8.2f}x   the most b/c could be "
                     f"if Beam and the filters cost nothing")
    if "filtered" in results and "pydriller" in results and results["pydriller"].rate > 0:
        lines.append(f"  f/c   {results['filtered'].rate / results['pydriller'].rate:8.2f}x   the most the mining job's "
                     f"b/c could be in one process if Beam cost nothing")
    if "beam" in results:
        x = results["beam"].extra
        verdict = "meets" if x["peak_rss"] < TARGETS["rss_mb"] * 2**20 else "MISSES"
        growth = x["peak_rss"] - x["baseline_rss"]
        per_k = growth / max(1, results["beam"].commits) * 1000
        lines.append(f"  peak RSS of (b): {_mb(x['peak_rss'])}   target < {TARGETS['rss_mb']:g} MB   {verdict}")
        lines.append(f"    child after imports {_mb(x['baseline_rss'])}; growth {_mb(growth)} = {per_k / 2**20:.1f} MB "
                     f"per 1,000 commits (flat means this shrinks as --commits grows); "
                     f"{x['processes']} process(es) seen")
        lines.append(f"    peak anonymous RSS {_mb(x['peak_anon'])} (polled; the rest is file-backed: libraries and "
                     f"libgit2's mapped pack index, which grows with the repository's object count)")
    lines.append("")
    lines.append("survivor counts (single-file .py modifications / with both versions decoded):")
    full = [(k, results[k]) for k in ("core", "gitlog", "beam", "floor", "filtered") if k in results]
    for k, r in full:
        lines.append(f"  {labels[k][:3]} {_fmt_int(r.candidates):>9} / {_fmt_int(r.decoded):<9} over {r.commits:,} commits")
    counts = {(r.candidates, r.decoded) for k, r in full}
    if len(full) > 1:
        lines.append(f"  full-history counts {'agree' if len(counts) == 1 else 'DISAGREE'}")
    if "pydriller" in results:
        p = results["pydriller"]
        lines.append(f"  (c) {_fmt_int(p.candidates):>9}  over its {p.commits:,} commits; "
                     f"(a) on the same commits: {_fmt_int(pyd_core.candidates if pyd_core else None)}"
                     f" ({'agree' if pyd_core and pyd_core.candidates == p.candidates else 'DISAGREE'})")
    lines.append("")
    if "core" in results:
        reasons = results["core"].extra["reasons"]
        lines.append("(a) rejects: " + ", ".join(f"{k} {v:,}" for k, v in reasons.items()))
        if timings:
            lines.append("(a) time split: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    if "gitlog" in results:
        x = results["gitlog"].extra
        lines.append(f"(d) time split: git log + parse {x['log_seconds']:.2f} s, cat-file {x['cat_file_seconds']:.2f} s")
    for key in MEASUREMENTS:
        if key in results:
            for note in results[key].notes:
                lines.append(f"{labels[key][:3]} {note}")
    return "\n".join(lines)


# ============================================================================================== main

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="git_mining.py",
        description="Benchmark repairpack's git mining against PyDriller and git log. "
                    "Without REPO, a synthetic repository is generated (and cached).")
    parser.add_argument("repo", nargs="?", help="a local git repository (default: generate one)")
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, metavar="N",
                        help=f"commits in the generated repository (default {DEFAULT_COMMITS:,})")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--extra-files", type=int, default=0, metavar="N",
                        help="add N files no commit touches to the generated repository, to see how "
                             "mining scales with tree size (default 0: about 60 files)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help=f"where generated repositories are kept (default {default_cache_dir()})")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the generated repository")
    parser.add_argument("--only", action="append", choices=MEASUREMENTS, metavar="NAME",
                        help=f"run only this measurement (repeatable): {', '.join(MEASUREMENTS)}")
    parser.add_argument("--pydriller-limit", type=int, default=DEFAULT_PYDRILLER_LIMIT, metavar="N",
                        help=f"commits PyDriller processes, 0 for all (default {DEFAULT_PYDRILLER_LIMIT:,})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run (a) and (d) N times and keep the fastest (default 1)")
    parser.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                        help="extra Beam pipeline option for (b), e.g. --beam-arg=--direct_num_workers=2")
    parser.add_argument("--preset", default="strict", metavar="NAME",
                        help="config preset for (b), as in run_pipeline.py (default strict, the default config)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="config override for (b), as in run_pipeline.py (default: none)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of (a)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--beam-child", metavar="JSON", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.beam_child:
        beam_child(args.repo, args.beam_child, args.beam_arg, args.overrides, args.preset)
        return 0
    if args.repo:
        problem = gh.check_local_repository(args.repo)
        if problem is None and (gh.is_bundle(args.repo) or gh.is_clone_url(args.repo)):
            problem = "git log and PyDriller need a repository on disk; clone the bundle or URL first"
        if problem:
            print(f"git_mining.py: error: {problem}", file=sys.stderr)
            return 2
        path = os.path.abspath(args.repo)
    else:
        if args.commits < 2:
            print("git_mining.py: error: --commits must be at least 2", file=sys.stderr)
            return 2
        cache = args.cache_dir or default_cache_dir()
        path = str(generate_repository(args.commits, args.seed, cache, extra_files=args.extra_files,
                                       regenerate=args.regenerate))
    with gh.RepoHandle(path) as handle:
        if not gh.select_refs(handle.repo, "branches"):
            print(f"git_mining.py: error: {path} has no branches to mine", file=sys.stderr)
            return 2
    selected = args.only or list(MEASUREMENTS)
    results: dict[str, Result] = {}
    timings: dict[str, float] = {}
    pyd_core: Result | None = None

    def best(fn: Callable[[], Result]) -> Result:
        runs = [fn() for _ in range(max(1, args.repeat))]
        return min(runs, key=lambda r: r.seconds)

    # Cheapest first, so a broken setup shows up before the slow parts; (d) before (a) warms the page
    # cache for both (the generated repository is normally still cached from being written).
    if "gitlog" in selected:
        results["gitlog"] = best(lambda: mine_git_log(path))
    if "core" in selected:
        def core() -> Result:
            split: dict[str, float] = {}
            r = mine_core(path, timings=split)
            r.extra["split"] = split
            return r

        results["core"] = best(core)
        timings = results["core"].extra.pop("split")
    if "pydriller" in selected:
        results["pydriller"], seen = mine_pydriller(path, args.pydriller_limit)
        pyd_core = mine_core(path, seen)
    if "floor" in selected:
        results["floor"] = best(lambda: mine_floor(path))
    if "filtered" in selected:
        from config.model import build_config

        config = build_config(args.preset, None, _config_overrides(args.overrides))
        results["filtered"] = best(lambda: mine_floor(path, config))
    if "beam" in selected:
        results["beam"] = mine_beam(path, args.beam_arg, args.overrides, args.preset)
    print(report(path, results, pyd_core, timings))
    if args.profile:
        print("\ncProfile of (a), by internal time:\n" + profile_core(path))
    if args.json:
        payload = {k: {**asdict(r), "rate": r.rate} for k, r in results.items()}
        payload["_repository"] = path
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
