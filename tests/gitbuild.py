"""The one git repository builder: real repositories written with pygit2, for the tests, the sample
bundles (samples/make_samples.py) and the benchmarks (bench/git_mining.py, bench/licenses.py).

Nothing depends on the machine or the clock: authors, times and time zones come from the caller or
from the builder's own clock, which starts at a fixed instant and moves by fixed steps, so the same
calls give the same commit shas everywhere.

- `RepoBuilder.commit(files, message)`: each commit states its whole tree as a dict of path ->
  contents; nested paths ("pkg/a.py") make subtrees. What the tests use.
- `RepoBuilder.write_commit(tree, message, author, parents)`: a commit of a tree already written,
  with given people and times, on a ref or on none; `tree(files)` writes one from a dict.
- `Tree`: a tree edited path by path that rewrites only the directories on a changed path when it
  is written, so a history of many thousands of commits over thousands of files builds in seconds.
- Refs, annotated tags, and `bundle()`: a git bundle of every ref.
- `add_remote(name, url)`: a remote, which names the repository (`owner/name` from its URL).
- Damage for the fault tests (`tests/faults/`): `pack()` packs every object, `truncate_pack()`,
  `object_path()` and `damage_loose()` (truncated, zlib garbage, removed, a FIFO), `write_ref()`
  writes a ref file as given, `shallow_clone()` a clone of depth n.
"""
from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Union

import pygit2

REGULAR = 0o100644
EXECUTABLE = 0o100755
SYMLINK = 0o120000
TREE = 0o040000

Content = Union[str, bytes, tuple[int, Union[str, bytes]]]  # contents, or (filemode, contents)
Commitish = Union[str, pygit2.Oid]
EPOCH = 1_600_000_000


@dataclass(frozen=True)
class Person:
    """An author, committer or tagger; `offset` is minutes east of UTC."""
    name: str
    email: str
    offset: int = 0

    def at(self, when: int) -> pygit2.Signature:
        return pygit2.Signature(self.name, self.email, when, self.offset)


def _oid(commitish: Commitish) -> pygit2.Oid:
    return commitish if isinstance(commitish, pygit2.Oid) else pygit2.Oid(hex=commitish)


def write_blob(repo: pygit2.Repository, content: Content) -> tuple[pygit2.Oid, int]:
    """The blob of `content` and its file mode (regular unless given)."""
    mode = REGULAR
    if isinstance(content, tuple):
        mode, content = content
    data = content.encode("utf-8") if isinstance(content, str) else content
    return repo.create_blob(data), mode


class Tree:
    """A tree edited path by path: each directory's entries (name -> object id and mode), and the ids
    of the directories written since they last changed. Directories appear and disappear with the
    files in them (git has no empty directories)."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self.repo = repo
        # A subdirectory is listed in its parent as (None, TREE); its id is known once written.
        self._dirs: dict[str, dict[str, tuple[pygit2.Oid | None, int]]] = {"": {}}
        self._written: dict[str, pygit2.Oid] = {}

    def fork(self) -> "Tree":
        """An independent copy: edits to either leave the other as it is."""
        other = Tree(self.repo)
        other._dirs = {d: dict(entries) for d, entries in self._dirs.items()}
        other._written = dict(self._written)
        return other

    def _changed(self, path: str) -> None:
        d = path
        while d:
            d = d.rpartition("/")[0]
            self._written.pop(d, None)

    def put(self, path: str, content: Content) -> None:
        self.link(path, *write_blob(self.repo, content))

    def link(self, path: str, oid: pygit2.Oid, mode: int) -> None:
        """Put an object that is already in the repository (a blob, or a submodule's commit)."""
        parent, _, name = path.rpartition("/")
        self._dirs.setdefault(parent, {})[name] = (oid, mode)
        while parent:  # make sure every ancestor lists this directory
            grand, _, dname = parent.rpartition("/")
            entries = self._dirs.setdefault(grand, {})
            if dname in entries:
                break
            entries[dname] = (None, TREE)
            parent = grand
        self._changed(path)

    def entry(self, path: str) -> tuple[pygit2.Oid, int]:
        parent, _, name = path.rpartition("/")
        return self._dirs[parent][name]  # type: ignore[return-value]

    def remove(self, path: str) -> None:
        self._changed(path)
        parent, _, name = path.rpartition("/")
        del self._dirs[parent][name]
        while parent and not self._dirs[parent]:
            del self._dirs[parent]
            grand, _, dname = parent.rpartition("/")
            del self._dirs[grand][dname]
            parent = grand

    def write(self) -> pygit2.Oid:
        def build(d: str) -> pygit2.Oid:
            written = self._written.get(d)
            if written is not None:
                return written
            builder = self.repo.TreeBuilder()
            for name, (oid, mode) in self._dirs.get(d, {}).items():
                builder.insert(name, oid if oid is not None else build(f"{d}/{name}" if d else name), mode)
            self._written[d] = tree = builder.write()
            return tree

        return build("")


class RepoBuilder:
    """A repository grown commit by commit. The clock starts at `start` and each commit or tag moves
    it by the next of `steps` (cycled), or by the step the caller gives."""

    def __init__(self, path: Path | str, bare: bool = False, *, start: int = EPOCH,
                 steps: Iterable[int] = (60,)) -> None:
        self.repo = pygit2.init_repository(str(path), bare=bare, initial_head="main")
        self.path = Path(path)
        self._clock = start
        self._steps = itertools.cycle(tuple(steps))

    def tick(self, step: int | None = None) -> int:
        self._clock += next(self._steps) if step is None else step
        return self._clock

    def tree(self, files: Mapping[str, Content]) -> pygit2.Oid:
        tree = Tree(self.repo)
        for path, content in files.items():
            tree.put(path, content)
        return tree.write()

    def write_commit(self, tree: pygit2.Oid, message: str, author: Person, parents: Iterable[Commitish] = (),
                     *, committer: Person | None = None, when: int | None = None,
                     author_time: int | None = None, ref: str | None = None) -> str:
        """A commit of `tree`, committed at `when` (default: the next tick), authored at `author_time`
        (default: `when`); `ref`, if given, is created or moved to it."""
        if when is None:
            when = self.tick()
        oid = self.repo.create_commit(None, author.at(author_time or when), (committer or author).at(when),
                                      message, tree, [_oid(p) for p in parents])
        if ref is not None:
            self.set_ref(ref, oid)
        return str(oid)

    def commit(self, files: Mapping[str, Content], message: str, parents: list[str] | None = None,
               ref: str | None = "refs/heads/main", author: str = "Ada Lovelace",
               email: str = "ada@example.com") -> str:
        """A commit whose whole tree is `files`, child of `ref`'s tip unless `parents` are given."""
        if parents is None:
            parents = [] if self.repo.head_is_unborn or ref is None or ref not in self.repo.references \
                else [self.tip(ref)]
        return self.write_commit(self.tree(files), message, Person(author, email), parents, ref=ref)

    def tip(self, ref: str) -> str:
        return str(self.repo.references[ref].target)

    def set_ref(self, ref: str, at: Commitish) -> None:
        if ref in self.repo.references:
            self.repo.references[ref].set_target(_oid(at))
        else:
            self.repo.references.create(ref, _oid(at))

    def branch(self, name: str, at: Commitish) -> None:
        self.repo.references.create(name, _oid(at))

    def delete_ref(self, name: str) -> None:
        self.repo.references.delete(name)

    def tag(self, name: str, at: Commitish, message: str, tagger: Person, when: int | None = None) -> None:
        """An annotated tag, made at `when` (default: the next tick)."""
        self.repo.create_tag(name, _oid(at), pygit2.enums.ObjectType.COMMIT,
                             tagger.at(self.tick() if when is None else when), message)

    def bundle(self, out: Path | str) -> Path:
        """A git bundle of every ref at `out`; one pack thread, so one machine writes the same bytes."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-c", "pack.threads=1", "bundle", "create", "--quiet", str(out.resolve()), "--all"],
                       cwd=self.path, check=True, capture_output=True)
        return out

    # ---------------------------------------------------------------------- helpers for the fault tests

    def add_remote(self, name: str, url: str) -> None:
        self.repo.remotes.create(name, url)

    @property
    def git_dir(self) -> Path:
        return Path(self.repo.path)

    def object_path(self, sha: str) -> Path:
        return self.git_dir / "objects" / sha[:2] / sha[2:]

    def damage_loose(self, sha: str, how: str) -> None:
        """Damage one loose object: "truncate" (half its bytes), "garbage" (not zlib), "remove", "fifo"."""
        path = self.object_path(sha)
        data = path.read_bytes()
        path.unlink()
        if how == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif how == "garbage":
            path.write_bytes(b"this is not zlib data at all")
        elif how == "fifo":
            os.mkfifo(path)
        elif how != "remove":
            raise ValueError(f"unknown damage {how!r}")

    def pack(self) -> Path:
        """Pack every object (git repack -ad, one thread) and drop the loose copies; the pack's path."""
        subprocess.run(["git", "-c", "pack.threads=1", "repack", "-adq"], cwd=self.git_dir, check=True,
                       capture_output=True)
        subprocess.run(["git", "prune-packed"], cwd=self.git_dir, check=True, capture_output=True)
        return next((self.git_dir / "objects" / "pack").glob("pack-*.pack"))

    def truncate_pack(self, keep: float = 0.5) -> Path:
        pack = self.pack()
        data = pack.read_bytes()
        pack.chmod(0o644)
        pack.write_bytes(data[: int(len(data) * keep)])
        return pack

    def write_ref(self, name: Union[str, bytes], content: bytes) -> None:
        """A ref file written byte for byte (no checks): for odd names and malformed contents."""
        raw = name.encode() if isinstance(name, str) else name
        path = os.path.join(os.fsencode(self.git_dir), raw)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)

    def shallow_clone(self, out: Path | str, depth: int) -> Path:
        """A bare clone of depth `depth` (through file://, as git makes shallow clones only over a transport)."""
        out = Path(out)
        subprocess.run(["git", "clone", "--quiet", "--bare", "--depth", str(depth), self.path.resolve().as_uri(),
                        str(out)], check=True, capture_output=True)
        return out
