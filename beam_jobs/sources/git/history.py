"""Pure-Python mining core: which commits of a repository are single-file Python repairs.

No Beam here. The Beam wrappers in `git_source` call these functions, and so does the benchmark's
single-process measurement, so the core's speed is measured on its own.

Speed comes from three habits: compare trees by id and descend only into subtrees that differ,
stopping at the third changed file (no patch is ever built), read blobs only for the commits that
survive, and let libgit2 skip hash verification of the objects it inflates.
"""
from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

import pygit2

from schemas.reject import RejectError

# git file modes
MODE_REGULAR = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_SUBMODULE = 0o160000

# Report a file that became a symlink (or back) as one typechange delta, not a delete plus an add.
_DIFF_FLAGS = pygit2.enums.DiffOption.INCLUDE_TYPECHANGE

PULL_REF_PREFIX = "refs/pull/"
_URL_RE = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")


class RepositoryError(RejectError):
    """A repository that cannot be opened or cloned."""


# libgit2 caches every commit a walk or a lookup parses, up to 256 MiB by default: a worker's memory
# would grow with the history it lists. Each commit is mined once, so a small cache loses nothing.
CACHE_BYTES = 16 << 20
# libgit2 maps pack files in windows of 1 GiB, up to 8 GiB in all: every page of a pack the worker
# has read stays in its resident memory, so memory grew with the size of the pack. Small windows
# under a small cap keep it bounded; over 80,000 commits mining was no slower.
PACK_WINDOW_BYTES = 8 << 20
PACK_MAPPED_BYTES = 32 << 20


def tune_for_mining() -> None:
    """Settings for a worker that reads many objects once each.

    Re-hashing every object costs more than the diff itself, and libgit2's cache of trees only grows
    with the history (each tree is visited about once), so both are turned off.
    """
    pygit2.settings.enable_strict_hash_verification(False)
    pygit2.settings.cache_object_limit(pygit2.enums.ObjectType.TREE, 0)
    pygit2.settings.cache_max_size(CACHE_BYTES)
    pygit2.settings.mwindow_size = PACK_WINDOW_BYTES
    pygit2.settings.mwindow_mapped_limit = PACK_MAPPED_BYTES


# ---------------------------------------------------------------------------------------------- specs

def is_clone_url(spec: str) -> bool:
    return bool(_URL_RE.match(spec))


def is_bundle(spec: str) -> bool:
    return spec.endswith(".bundle") and not is_clone_url(spec)


def repo_name(spec: str) -> str:
    """`owner/name` from the last two path parts, as GitHub names repositories."""
    path = re.sub(r"^[\w.-]+@[\w.-]+:", "", spec)
    path = re.sub(r"^[a-z]+://[^/]*", "", path)
    parts = [p for p in path.replace("\\", "/").rstrip("/").split("/") if p]
    parts = [re.sub(r"(\.git|\.bundle)$", "", p) for p in parts[-2:]]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return "/".join(parts) or spec


def check_local_repository(spec: str) -> str | None:
    """Why a local spec is unusable, as one sentence, or None. The CLI calls it before the run."""
    if is_clone_url(spec):
        return None
    if not os.path.exists(spec):
        return f"the git input '{spec}' does not exist"
    if is_bundle(spec):
        if shutil.which("git") is None:
            return f"the git input '{spec}' is a bundle, and reading bundles needs the git command"
        return None
    if pygit2.discover_repository(spec) is None:
        return f"the git input '{spec}' is not a git repository"
    return None


class RepoHandle:
    """An open repository; clones and unbundled copies live in a temporary folder removed on close."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.name = repo_name(spec)
        self._tmpdir: str | None = None
        self.repo = self._open()

    def _open(self) -> pygit2.Repository:
        if is_clone_url(self.spec) or is_bundle(self.spec):
            self._tmpdir = tempfile.mkdtemp(prefix="repairpack-clone-")
            target = os.path.join(self._tmpdir, "repo.git")
            try:
                if is_bundle(self.spec):
                    subprocess.run(["git", "clone", "--quiet", "--mirror", self.spec, target],
                                   check=True, capture_output=True, timeout=3600)
                    return pygit2.Repository(target)
                return pygit2.clone_repository(self.spec, target, bare=True)
            except (pygit2.GitError, subprocess.CalledProcessError, OSError, ValueError) as exc:
                self.close()
                detail = getattr(exc, "stderr", b"") or str(exc)
                if isinstance(detail, bytes):
                    detail = detail.decode("utf-8", "replace")
                raise RepositoryError("clone_failed", detail.strip()) from None
        if not os.path.exists(self.spec):
            raise RepositoryError("missing_repository", f"{self.spec} does not exist")
        try:
            return pygit2.Repository(self.spec)
        except (pygit2.GitError, KeyError) as exc:
            raise RepositoryError("not_a_repository", str(exc)) from None

    def close(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "RepoHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------- listing

def select_refs(repo: pygit2.Repository, refs: str, include_pull_refs: bool = False) -> list[str]:
    """Full ref names to mine, sorted. `refs` is "branches", "head" or an fnmatch pattern."""
    if refs == "head":
        try:
            return [] if repo.head_is_unborn else ["HEAD"]
        except pygit2.GitError:
            return []
    pattern = "refs/heads/*" if refs == "branches" else refs
    names = []
    for name in repo.references:
        if name.startswith(PULL_REF_PREFIX) and not include_pull_refs:
            continue
        if fnmatch.fnmatchcase(name, pattern):
            names.append(name)
    return sorted(names)


def iter_commit_shas(repo: pygit2.Repository, ref_names: Iterable[str]) -> Iterator[str]:
    """Every commit reachable from the refs, once each. Refs that do not peel to a commit are skipped."""
    tips = []
    for name in ref_names:
        try:
            target = repo.revparse_single(name).peel(pygit2.Commit)
        except (pygit2.GitError, KeyError, ValueError, pygit2.InvalidSpecError):
            continue
        tips.append(target.id)
    if not tips:
        return
    walker = repo.walk(tips[0], pygit2.enums.SortMode.NONE)
    for tip in tips[1:]:
        walker.push(tip)
    for commit in walker:
        yield str(commit.id)


# ------------------------------------------------------------------------------------ classification

@dataclass(frozen=True)
class Candidate:
    """A commit that changes exactly one Python file in place; contents not read yet."""
    commit: str
    parent: str
    path: str
    old_blob: str
    new_blob: str


def _entry_reason(old: pygit2.Object, new: pygit2.Object, path: str, extensions: tuple[str, ...]) -> str | None:
    """The reason one in-place change is not a candidate, from its two tree entries."""
    old_mode, new_mode = int(old.filemode), int(new.filemode)
    if (old_mode & 0o170000) != (new_mode & 0o170000):
        return "type_change"
    if MODE_SUBMODULE in (old_mode, new_mode):
        return "submodule"
    if MODE_SYMLINK in (old_mode, new_mode):
        return "symlink"
    if old.id == new.id:
        return "mode_change_only"
    if not path.endswith(extensions):
        return "not_python"
    return None


Change = tuple[str, "pygit2.Object | None", "pygit2.Object | None"]  # (path, old entry, new entry)


class _ChangeWalk:
    """Leaf changes between two trees, stopping after `limit` of them.

    libgit2's tree-to-tree diff visits every entry of both trees; this walk descends only into
    subtrees whose ids differ, so its cost follows the size of the change, not of the repository.
    Classification needs to know only whether there are 0, 1, 2 or more changes.
    """

    def __init__(self, repo: pygit2.Repository, limit: int) -> None:
        self.repo = repo
        self.limit = limit
        self.changes: list[Change] = []

    def full(self) -> bool:
        return len(self.changes) >= self.limit

    def leaves(self, tree: pygit2.Tree, prefix: str, old_side: bool) -> None:
        for entry in tree:
            if self.full():
                return
            if isinstance(entry, pygit2.Tree):
                self.leaves(self.repo[entry.id], f"{prefix}{entry.name}/", old_side)
            else:
                path = prefix + entry.name
                self.changes.append((path, entry, None) if old_side else (path, None, entry))

    def pair(self, old: pygit2.Object, new: pygit2.Object, prefix: str) -> None:
        path = prefix + new.name
        old_is_tree, new_is_tree = isinstance(old, pygit2.Tree), isinstance(new, pygit2.Tree)
        if old_is_tree and new_is_tree:
            self.trees(self.repo[old.id], self.repo[new.id], path + "/")
            return
        # A file that became a folder (or back) is deletes plus adds, as git reports it.
        if old_is_tree:
            self.leaves(self.repo[old.id], path + "/", True)
        elif new_is_tree:
            self.changes.append((path, old, None))
        if new_is_tree:
            self.leaves(self.repo[new.id], path + "/", False)
        elif old_is_tree:
            self.changes.append((path, None, new))
        else:
            self.changes.append((path, old, new))

    def trees(self, old_tree: pygit2.Tree, new_tree: pygit2.Tree, prefix: str) -> None:
        if len(old_tree) == len(new_tree):
            # The common case: the same names in the same order; compare ids pairwise.
            differing = []
            for old, new in zip(old_tree, new_tree):
                if old.name != new.name:
                    break
                if old.id != new.id:
                    differing.append((old, new))
            else:
                if not differing:
                    # Same names and ids in different trees: only modes changed. (filemode builds an
                    # enum per read, so it is compared only here.)
                    differing = [(o, n) for o, n in zip(old_tree, new_tree) if o.filemode != n.filemode]
                for old, new in differing:
                    if self.full():
                        return
                    self.pair(old, new, prefix)
                return
        old_by_name = {entry.name: entry for entry in old_tree}
        for new in new_tree:
            if self.full():
                return
            old = old_by_name.pop(new.name, None)
            if old is None:
                if isinstance(new, pygit2.Tree):
                    self.leaves(self.repo[new.id], f"{prefix}{new.name}/", False)
                else:
                    self.changes.append((prefix + new.name, None, new))
            elif old.id != new.id or old.filemode != new.filemode:
                self.pair(old, new, prefix)
        for name, old in old_by_name.items():
            if self.full():
                return
            if isinstance(old, pygit2.Tree):
                self.leaves(self.repo[old.id], f"{prefix}{name}/", True)
            else:
                self.changes.append((prefix + name, old, None))


def _classify_two_changes(repo: pygit2.Repository, parent: pygit2.Commit, commit: pygit2.Commit) -> str:
    """An add plus a delete may be one rename: libgit2's similarity detection decides."""
    diff = repo.diff(parent.tree, commit.tree, flags=_DIFF_FLAGS)
    statuses = {d.status for d in diff.deltas}
    if statuses == {pygit2.enums.DeltaStatus.ADDED, pygit2.enums.DeltaStatus.DELETED}:
        diff.find_similar()
        if len(diff) == 1:
            return "rename"
    return "multi_file"


def classify(repo: pygit2.Repository, commit: pygit2.Commit,
             extensions: tuple[str, ...] = (".py",)) -> Candidate | str:
    """The candidate, or the reason the commit is not one. Raises pygit2 errors on corrupt objects."""
    parent_ids = commit.parent_ids
    if not parent_ids:
        return "root_commit"
    if len(parent_ids) > 1:
        return "merge_commit"
    parent = repo[parent_ids[0]]
    if parent.tree_id == commit.tree_id:
        return "no_change"
    walk = _ChangeWalk(repo, limit=3)
    walk.trees(parent.tree, commit.tree, "")
    n = len(walk.changes)
    if n == 0:
        return "no_change"
    if n == 2:
        return _classify_two_changes(repo, parent, commit)
    if n > 2:
        return "multi_file"
    path, old, new = walk.changes[0]
    if old is None:
        return "added_file"
    if new is None:
        return "deleted_file"
    reason = _entry_reason(old, new, path, extensions)
    if reason:
        return reason
    return Candidate(commit=str(commit.id), parent=str(parent_ids[0]), path=path,
                     old_blob=str(old.id), new_blob=str(new.id))


# ------------------------------------------------------------------------------------------ contents

class ContentError(RejectError):
    """A blob that cannot be a side of a pair (binary, not UTF-8, unreadable)."""


def decode_source(data: bytes, which: str) -> str:
    """Strict UTF-8; a NUL byte marks a binary file. `which` says old or new in the detail."""
    if b"\0" in data:
        raise ContentError("binary_content", f"{which} contents hold a NUL byte")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError("not_utf8", f"{which} contents: {exc.reason} at byte {exc.start}") from None


def loose_object_problem(repo: pygit2.Repository, sha: str) -> str | None:
    """Why the loose copy of an object is damaged, or None (also when it is packed, not loose).

    libgit2 can loop forever inflating a truncated loose object, so a loose blob is inflated here
    first. Packed objects (the common case) cost one failed open.
    """
    path = os.path.join(repo.path, "objects", sha[:2], sha[2:])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    inflater = zlib.decompressobj()
    try:
        while data:
            inflater.decompress(data, 1 << 20)
            data = inflater.unconsumed_tail
    except zlib.error as exc:
        return f"loose object {sha} is not valid zlib data: {exc}"
    if not inflater.eof:
        return f"loose object {sha} is truncated"
    return None


def read_blob_text(repo: pygit2.Repository, blob_sha: str, which: str) -> str:
    problem = loose_object_problem(repo, blob_sha)
    if problem:
        raise ContentError("corrupt_object", problem)
    return decode_source(repo[blob_sha].data, which)


def decode_message(commit: pygit2.Commit) -> str:
    """Messages are provenance: undecodable bytes are replaced, never a reason to lose the commit."""
    raw = commit.raw_message
    encoding = commit.message_encoding or "utf-8"
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
