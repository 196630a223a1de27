"""The synthetic repository bench/git_mining.py mines: a realistically shaped history of any length,
written with the project's one git builder (tests/gitbuild.py) and cached by its parameters.

A main line with short feature branches merged back into it, about 60 files (`extra_files` adds
static filler), commits of every kind the mining core sorts out in about the proportions of real
projects (single-file Python edits, multi-file changes, adds, deletes, renames, mode changes, latin-1
bytes, empty commits), and messages that are mostly clear and sometimes poor. The same seed gives the
same commits.

`py1_share` sets the share of single-file Python edits (the candidates) among non-merge commits; the
other kinds keep their proportions. The default mix is 72 % candidates, which keeps git_mining.py's
figures comparable over time; real histories have fewer (ipython: 32 % of its 28,687 commits), and
the million-commit simulation asks for about 20 %.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import pygit2

from bench.git_packing import Packer, drop_loose, loose_bytes, strict_objects
from tests.gitbuild import EXECUTABLE, REGULAR, Person, RepoBuilder, Tree

# Bump when the generator changes, so cached repositories from an older generator are not reused.
GENERATOR_VERSION = 7
# How often, in commits, the size of the loose objects is checked against `pack_bytes`.
LOOSE_CHECK_EVERY = 1_000

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


# Bytes a prose file is kept within. Unbounded, each edit adding a line, a million-commit history grew
# its few text files to megabytes and wrote 73 GB, most of it copies of them (version 6).
TEXT_MAX = 8000


def _edit_text(rng: random.Random, lines: list[str]) -> list[str]:
    lines = list(lines)
    i = rng.randrange(len(lines))
    if lines[i].startswith('  "') and lines[i].endswith(","):
        lines[i] = f'  "{_ident(rng)}": {rng.randint(0, 9999)},'
    elif sum(len(line) + 1 for line in lines) > TEXT_MAX and len(lines) > 1:
        del lines[i]
    else:
        lines.insert(i, " ".join(rng.choices(_WORDS, k=rng.randint(6, 14))))
    return lines


@dataclass(frozen=True)
class _File:
    lines: tuple[str, ...]
    mode: int = REGULAR
    # Bytes that are not UTF-8, appended to the text: exercises the contents stage's not_utf8 reject.
    junk: bytes = b""
    small: bool = False

    def data(self) -> bytes:
        return "\n".join(self.lines).encode("utf-8") + b"\n" + self.junk


class _Branch:
    """A line of history being built: the files commits may change, and its tree (a `Tree`, which
    rewrites only the directories on the path of a changed file, so nothing walks all files per commit;
    that keeps generating 20,000 commits, even over thousands of files, to seconds)."""

    def __init__(self, tree: Tree) -> None:
        # The files commits may change; static filler (--extra-files) is only in the tree.
        self.files: dict[str, _File] = {}
        self.tree = tree
        self.tip: str | None = None

    def fork(self) -> "_Branch":
        other = _Branch(self.tree.fork())
        other.files = dict(self.files)
        other.tip = self.tip
        return other

    def put(self, path: str, f: _File) -> None:
        self.files[path] = f
        self.tree.put(path, (f.mode, f.data()))

    def put_static(self, path: str, data: bytes) -> None:
        self.tree.put(path, data)

    def adopt(self, other: "_Branch", path: str) -> None:
        """Take `path` as it is on `other` (a merge from a branch that alone touched it)."""
        self.files[path] = other.files[path]
        self.tree.link(path, *other.tree.entry(path))

    def drop(self, path: str) -> None:
        del self.files[path]
        self.tree.remove(path)


class _Generator:
    """Writes a synthetic but realistically shaped history; see `generate_repository`."""

    # (kind, weight) of a non-merge commit.
    KINDS = (("py1", 0.72), ("multi", 0.09), ("other1", 0.08), ("add", 0.025), ("delete", 0.015),
             ("rename", 0.02), ("mode", 0.006), ("latin1", 0.004), ("empty", 0.004), ("py_other", 0.036))

    def __init__(self, git: RepoBuilder, seed: int, extra_files: int = 0, py1_share: float | None = None,
                 checkpoint: Callable[[int], None] | None = None) -> None:
        self.git = git
        self.kinds, self.weights = _kind_weights(py1_share)
        # Called with the number of commits written so far after each commit (the writer packs there).
        self.checkpoint = checkpoint
        self.written = 0
        self.rng = random.Random(seed)
        self.extra_files = extra_files
        self.serial = 0
        self.authors = [Person(f"Dev {n}", f"dev{n}@example.com") for n in range(12)]

    def _new_name(self, directory: str, ext: str) -> str:
        self.serial += 1
        return f"{directory}/{self.rng.choice(_WORDS)}_{self.serial}{ext}"

    def initial(self, branch: _Branch) -> None:
        rng = self.rng
        counts = {"src/pkg/core": 9, "src/pkg/io": 7, "src/pkg/util": 7, "tests": 10, "scripts": 3}
        for d, n in counts.items():
            for _ in range(n):
                mode = EXECUTABLE if d == "scripts" else REGULAR
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

    def commit(self, branch: _Branch, message: str, parents: list[str] | None = None) -> str:
        when = self.git.tick(self.rng.randint(60, 7200))
        author = self.rng.choice(self.authors)
        parents = parents if parents is not None else ([branch.tip] if branch.tip is not None else [])
        branch.tip = self.git.write_commit(branch.tree.write(), message, author, parents, when=when)
        self.written += 1
        if self.checkpoint is not None:
            self.checkpoint(self.written)
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
        kind = rng.choices(self.kinds, weights=self.weights)[0]
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
            mode = REGULAR if f.mode == EXECUTABLE else EXECUTABLE
            branch.put(path, _File(f.lines, mode, f.junk, f.small))
            return f"Make {path} {'executable' if mode == EXECUTABLE else 'not executable'}"
        if kind == "latin1":
            path = rng.choice(py)
            f = branch.files[path]
            lines = _edit_python(rng, list(f.lines), f.small)
            branch.put(path, _File(tuple(lines), f.mode, b"# caf\xe9 cr\xe8me br\xfbl\xe9e\n", f.small))
            return _message(rng, path)
        return "Empty commit (re-run CI)"  # "empty": the tree does not change

    def run(self, total: int) -> dict[str, str]:
        """Exactly `total` commits: a main line with short feature branches merged back into it.

        A feature branch only touches one directory and main stays out of it while the branch is open,
        so the merge tree is known without a merge algorithm. The last open feature branch stays
        unmerged (`wip`), and `release` points into main's past: both make "all branches" matter.
        """
        rng = self.rng
        main = _Branch(Tree(self.git.repo))
        self.initial(main)
        self.commit(main, "Initial import")
        made = 1
        refs: dict[str, str] = {}
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


def _kind_weights(py1_share: float | None) -> tuple[list[str], list[float]]:
    kinds = [k for k, _ in _Generator.KINDS]
    weights = [w for _, w in _Generator.KINDS]
    if py1_share is None:
        return kinds, weights
    if not 0 < py1_share < 1:
        raise ValueError(f"py1_share must be between 0 and 1, not {py1_share}")
    rest = sum(w for k, w in _Generator.KINDS if k != "py1")
    return kinds, [py1_share if k == "py1" else w * (1 - py1_share) / rest for k, w in _Generator.KINDS]


def repository_name(commits: int, seed: int, extra_files: int = 0, py1_share: float | None = None) -> str:
    """The cache entry's name: every parameter that changes the history, and the generator's version."""
    share = "" if py1_share is None else f"-p{py1_share:g}"
    return f"synthetic-g{GENERATOR_VERSION}-c{commits}-s{seed}-x{extra_files}{share}.git"


def _set_refs(path: Path, refs: dict[str, str]) -> None:
    repo = pygit2.Repository(str(path))
    for name, sha in refs.items():
        repo.references.create(name, pygit2.Oid(hex=sha))


def _scratch_dir(cache_dir: Path) -> Path:
    """Where the loose objects are written: tmpfs when there is one, since 200,000 small files are
    slow to create and delete on a disk; the packed result is then copied into the cache."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return cache_dir


def generate_repository(commits: int, seed: int, cache_dir: Path, *, extra_files: int = 0,
                        py1_share: float | None = None, pack_every: int = 100_000, pack_bytes: int | None = None,
                        regenerate: bool = False, log: Callable[[str], None] = print) -> Path:
    """A bare repository of exactly `commits` commits, packed like a clone, cached by its parameters.

    The repository is written with pygit2 (loose objects), then repacked with `git repack`: real
    repositories arrive packed, and reading loose objects would measure the filesystem, not mining. A
    history longer than `pack_every` commits is packed as it is written instead (`Packer`), a batch
    every `pack_every` commits or, with `pack_bytes`, as soon as its loose objects hold that many
    bytes (checked every LOOSE_CHECK_EVERY commits): later commits are larger, as modules grow to
    their size limit (50,000 commits were 1 GB of objects at the start of a million and 5 GB near its
    end, and three such batches in tmpfs, with the machine's other work, ran it out of memory).
    It is built in a temporary folder and renamed into place, so an interrupted run leaves no
    half-built cache entry.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / repository_name(commits, seed, extra_files, py1_share)
    if target.is_dir() and not regenerate:
        return target
    if target.exists():
        shutil.rmtree(target)
    work = Path(tempfile.mkdtemp(prefix="repairpack-bench-gen-", dir=_scratch_dir(cache_dir)))
    staged = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=cache_dir))
    packer: Packer | None = None
    try:
        started = time.perf_counter()
        git = RepoBuilder(work, bare=True, start=1_500_000_000)
        packer = Packer(git.repo, work, staged / "objects")
        strict_objects(False)

        last_pack = 0

        def checkpoint(written: int) -> None:
            nonlocal last_pack
            if written >= commits:
                return
            full = written - last_pack >= pack_every or (
                pack_bytes is not None and written % LOOSE_CHECK_EVERY == 0
                and loose_bytes(work / "objects") >= pack_bytes)
            if full:
                last_pack = written
                packer.start()
                log(f"  {written:,} commits written, packing in the background ({time.perf_counter() - started:.0f} s)")

        refs = _Generator(git, seed, extra_files, py1_share, checkpoint).run(commits)
        del git
        written = time.perf_counter()
        if packer.batches:  # the rest the same way: one pack per `pack_every` commits, no deltas
            packer.start()
            packer.wait()
            shutil.copytree(work, staged, dirs_exist_ok=True)  # beside the packs the packer wrote there
            # Only now: libgit2 checks a ref's target, and does not see packs written into an
            # alternate after it was added.
            _set_refs(staged, refs)
        else:
            _set_refs(work, refs)  # before the repack, which keeps what the refs reach
            subprocess.run(["git", "-C", str(work), "-c", "repack.writeBitmaps=false", "repack", "-a", "-d", "-q"],
                           check=True)
            drop_loose(work / "objects")
            shutil.copytree(work, staged, dirs_exist_ok=True)
        os.replace(staged, target)
        log(f"generated {commits:,} commits in {written - started:.1f} s, packed in "
            f"{time.perf_counter() - written:.1f} s: {target}")
    finally:
        strict_objects(True)
        if packer is not None:
            packer.abandon()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
    return target

