"""A sample repository's history as data: each commit edits its parent's files (put, edit, remove,
rename, chmod) and a merge is merged file by file; the git objects are written by the project's one
builder, `tests.gitbuild.RepoBuilder`.

Every file keeps the encoding it was written in, so an edit of a latin-1 or UTF-16 file stays in
that encoding, and the clock moves by fixed, irregular steps, so the commits come out the same on
every machine.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

from tests.gitbuild import EXECUTABLE, REGULAR, SYMLINK, Person, RepoBuilder

__all__ = ["EXECUTABLE", "Entry", "History", "Person", "binary", "latin1", "symlink", "text", "utf16"]

# Gaps between consecutive commits, cycled: irregular enough to look like real work.
STEPS = (3 * 3600 + 720, 26 * 3600 + 2400, 3300, 52 * 3600, 7 * 3600 + 300, 19 * 3600 + 1800, 4 * 3600 + 900)


@dataclass(frozen=True)
class Entry:
    """One file of a tree. `encoding` is how edits decode and re-encode it; None means binary."""
    data: bytes
    mode: int = REGULAR
    encoding: str | None = "utf-8"


Files = dict[str, Entry]
Edit = tuple[str, str, str]  # (path, old text, new text): old must occur exactly once


def text(contents: str, mode: int = REGULAR) -> Entry:
    return Entry(contents.encode("utf-8"), mode)


def latin1(contents: str) -> Entry:
    return Entry(contents.encode("latin-1"), encoding="latin-1")


def utf16(contents: str) -> Entry:
    """UTF-16LE with a byte-order mark, as Windows Notepad saves "Unicode" files."""
    return Entry(_encode(contents, "utf-16"), encoding="utf-16")


def binary(data: bytes) -> Entry:
    return Entry(data, encoding=None)


def symlink(target: str) -> Entry:
    return Entry(target.encode("utf-8"), SYMLINK, encoding=None)


def _encode(contents: str, encoding: str) -> bytes:
    if encoding == "utf-16":  # fixed byte order, whatever the machine's
        return b"\xff\xfe" + contents.encode("utf-16-le")
    return contents.encode(encoding)


class History:
    """A bare repository grown commit by commit; every commit records its whole tree as a snapshot."""

    def __init__(self, path: Path, start: int) -> None:
        self.git = RepoBuilder(path, bare=True, start=start, steps=STEPS)
        self.repo = self.git.repo
        self.path = path
        self.snapshots: dict[str, Files] = {}

    def tip(self, ref: str) -> str:
        return self.git.tip(ref)

    def _write(self, ref: str, message: str, author: Person, files: Files, parents: list[str],
               committer: Person | None = None, author_time: int | None = None) -> str:
        when = self.git.tick()
        if not message.endswith("\n"):
            message += "\n"
        tree = self.git.tree({path: (entry.mode, entry.data) for path, entry in files.items()})
        sha = self.git.write_commit(tree, message, author, parents, committer=committer, when=when,
                                    author_time=author_time, ref=ref)
        self.snapshots[sha] = dict(files)
        return sha

    def commit(self, message: str, author: Person, *, ref: str = "refs/heads/main", on: str | None = None,
               put: Mapping[str, Entry] | None = None, edits: Iterable[Edit] = (),
               remove: Iterable[str] = (), rename: Mapping[str, str] | None = None,
               chmod: Mapping[str, int] | None = None, committer: Person | None = None,
               author_time: int | None = None) -> str:
        """A commit on `ref`, child of `on` (default: the ref's tip; none for a new ref: a root)."""
        if on is None and ref in self.repo.references:
            on = self.tip(ref)
        files: Files = dict(self.snapshots[on]) if on else {}
        for path, entry in (put or {}).items():
            files[path] = entry
        for path, old, new in edits:
            entry = files[path]
            assert entry.encoding, f"{path} is binary"
            contents = entry.data.decode(entry.encoding)
            assert contents.count(old) == 1, f"{path}: edit must match exactly once: {old!r}"
            files[path] = replace(entry, data=_encode(contents.replace(old, new), entry.encoding))
        for path in remove:
            del files[path]
        for old_path, new_path in (rename or {}).items():
            files[new_path] = files.pop(old_path)
        for path, mode in (chmod or {}).items():
            files[path] = replace(files[path], mode=mode)
        return self._write(ref, message, author, files, [on] if on else [], committer, author_time)

    def merge(self, into: str, other: str, message: str, author: Person) -> str:
        """A merge commit of `other` into `into`, merged file by file against the merge base."""
        ours, theirs = self.tip(into), self.tip(other)
        base = str(self.repo.merge_base(ours, theirs))
        b, o, t = self.snapshots[base], self.snapshots[ours], self.snapshots[theirs]
        merged: Files = {}
        for path in sorted(set(b) | set(o) | set(t)):
            mine, yours, was = o.get(path), t.get(path), b.get(path)
            if mine == yours or yours == was:
                result = mine
            elif mine == was:
                result = yours
            else:
                raise ValueError(f"merge conflict in {path}")
            if result is not None:
                merged[path] = result
        return self._write(into, message, author, merged, [ours, theirs])

    def branch(self, name: str, at: str) -> None:
        self.git.branch(name, at)

    def delete_ref(self, name: str) -> None:
        self.git.delete_ref(name)

    def tag(self, name: str, at: str, message: str, tagger: Person) -> None:
        self.git.tag(name, at, message, tagger)

    def bundle(self, out: Path) -> Path:
        return self.git.bundle(out)
