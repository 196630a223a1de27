"""Pure-Python mining core: which commits of a repository are single-file Python repairs, and the
record each one becomes (`mine_commit`).

No Beam here. The Beam wrappers in `source.py` call these functions, and so do the tests and the
benchmark's single-process measurement, so the core's speed is measured on its own.

Speed comes from three habits: compare trees by id and descend only into subtrees that differ,
stopping at the third changed file (no patch is ever built), read blobs only for the commits that
survive, and let libgit2 skip hash verification of the objects it inflates.

Every object is read through an `ObjectReader`, which never hands libgit2 a damaged loose object
(libgit2 would spin on it forever) and names each unreadable object: a commit whose objects cannot
be read is `missing_object` or `corrupt_object`, and the boundary commit of a shallow clone (whose
parent was never fetched) is `shallow_boundary`, not a root commit.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator

import pygit2

from beam_jobs.sources.commits import commit_record
from beam_jobs.sources.contents import ContentError
from beam_jobs.sources.git.refs import list_refs
from beam_jobs.sources.repositories import OBJECT_ERRORS, ObjectError, ObjectReader
from schemas.commit import LANG_PYTHON, CommitRecord
from schemas.reject import Reject, make_reject

SOURCE = "git"
STAGE_REPOSITORY = f"{SOURCE}.repository"
STAGE_REFS = f"{SOURCE}.refs"
STAGE_COMMIT = f"{SOURCE}.commit"
STAGE_CONTENTS = f"{SOURCE}.contents"

# git file modes
MODE_REGULAR = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_SYMLINK = 0o120000
MODE_SUBMODULE = 0o160000

# Report a file that became a symlink (or back) as one typechange delta, not a delete plus an add.
_DIFF_FLAGS = pygit2.enums.DiffOption.INCLUDE_TYPECHANGE


# ------------------------------------------------------------------------------------------- listing

def select_refs(repo: pygit2.Repository, refs: str, include_pull_refs: bool = False) -> list[str]:
    """Full ref names to mine that peel to a readable commit, sorted (`refs.list_refs` says why the
    others are not). `refs` is "branches", "head" or an fnmatch pattern."""
    return sorted(list_refs(repo, refs, include_pull_refs).tips)


def iter_commit_shas(repo: pygit2.Repository, ref_names: Iterable[str],
                     objects: ObjectReader | None = None) -> Iterator[str]:
    """Every commit reachable from the refs, once each. Refs that do not peel to a commit are skipped
    (the source counts them with `refs.list_refs`). Looks the repository over first unless a looked-over
    reader is given (raises RepositoryError for special files and bad packs)."""
    objects = objects if objects is not None and objects.damaged is not None else ObjectReader.scanned(repo)
    listing = list_refs(repo, "*", include_pull_refs=True, objects=objects)
    head = list_refs(repo, "head", objects=objects).tips
    tips = [t for t in ({**listing.tips, **head}.get(name) for name in ref_names) if t]
    yield from walk_commits(repo, tips, objects)


def walk_commits(repo: pygit2.Repository, tips: Iterable[str], objects: ObjectReader) -> Iterator[str]:
    """Every commit reachable from `tips` (commit shas), once each, in no particular order.

    libgit2's walk is fast but stops at the first commit it cannot read, and spins on a damaged loose
    one. A repository with damaged loose objects, or whose walk fails, is walked here instead: an
    unreadable commit is listed (so that `mine_commit` rejects it by name) and not gone past. After a
    failed libgit2 walk the commits it listed are listed again; the shuffle on sha merges them.
    """
    tips = sorted(set(tips))
    if not tips:
        return
    if not objects.damaged:
        try:
            walker = repo.walk(tips[0], pygit2.enums.SortMode.NONE)
            for tip in tips[1:]:
                walker.push(tip)
            for commit in walker:
                yield str(commit.id)
            return
        except OBJECT_ERRORS:
            pass
    seen: set[str] = set()
    stack = list(reversed(tips))
    while stack:
        sha = stack.pop()
        if sha in seen:
            continue
        seen.add(sha)
        yield sha
        try:
            commit = objects.get(sha, "commit")
        except ObjectError:
            continue
        if isinstance(commit, pygit2.Commit):
            stack.extend(str(p) for p in reversed(commit.parent_ids) if str(p) not in seen)


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
    if not path.isprintable() and _undecodable(path):
        # git allows any bytes in a name; pygit2 shows bytes that are not UTF-8 as surrogates, which
        # no record can carry (a replaced character would name another file).
        return "path_not_utf8"
    return None


def _undecodable(path: str) -> bool:
    try:
        path.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


Change = tuple[str, "pygit2.Object | None", "pygit2.Object | None"]  # (path, old entry, new entry)


class _ChangeWalk:
    """Leaf changes between two trees, stopping after `limit` of them.

    libgit2's tree-to-tree diff visits every entry of both trees; this walk descends only into
    subtrees whose ids differ, so its cost follows the size of the change, not of the repository.
    Classification needs to know only whether there are 0, 1, 2 or more changes.
    """

    def __init__(self, objects: ObjectReader, limit: int) -> None:
        self.objects = objects
        self.limit = limit
        self.changes: list[Change] = []
        # Tree pairs compared by name and id only (trees' fast path), whose modes are unread, with
        # the (old, new) raw ids of the entries that differ.
        self._unread_modes: list[tuple[pygit2.Tree, pygit2.Tree, str, list[tuple[bytes, bytes]]]] = []

    def tree(self, entry: pygit2.Object, path: str) -> pygit2.Tree:
        """A subtree, read safely: a damaged one is an ObjectError naming its path."""
        return self.objects.get(entry.id, f"tree {path}")  # type: ignore[return-value]

    def full(self) -> bool:
        return len(self.changes) >= self.limit

    def leaves(self, tree: pygit2.Tree, prefix: str, old_side: bool) -> None:
        for entry in tree:
            if self.full():
                return
            if isinstance(entry, pygit2.Tree):
                self.leaves(self.tree(entry, f"{prefix}{entry.name}/"), f"{prefix}{entry.name}/", old_side)
            else:
                path = prefix + entry.name
                self.changes.append((path, entry, None) if old_side else (path, None, entry))

    def pair(self, old: pygit2.Object, new: pygit2.Object, prefix: str) -> None:
        path = prefix + new.name
        old_is_tree, new_is_tree = isinstance(old, pygit2.Tree), isinstance(new, pygit2.Tree)
        if old_is_tree and new_is_tree:
            self.trees(self.tree(old, path + "/"), self.tree(new, path + "/"), path + "/")
            return
        # A file that became a folder (or back) is deletes plus adds, as git reports it.
        if old_is_tree:
            self.leaves(self.tree(old, path + "/"), path + "/", True)
        elif new_is_tree:
            self.changes.append((path, old, None))
        if new_is_tree:
            self.leaves(self.tree(new, path + "/"), path + "/", False)
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
                    # enum per read, so it is compared only here, or by `mode_changes` later.)
                    differing = [(o, n) for o, n in zip(old_tree, new_tree) if o.filemode != n.filemode]
                else:
                    self._unread_modes.append((old_tree, new_tree, prefix,
                                               [(o.id.raw, n.id.raw) for o, n in differing]))
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
                    self.leaves(self.tree(new, f"{prefix}{new.name}/"), f"{prefix}{new.name}/", False)
                else:
                    self.changes.append((prefix + new.name, None, new))
            elif old.id != new.id or old.filemode != new.filemode:
                self.pair(old, new, prefix)
        for name, old in old_by_name.items():
            if self.full():
                return
            if isinstance(old, pygit2.Tree):
                self.leaves(self.tree(old, f"{prefix}{name}/"), f"{prefix}{name}/", True)
            else:
                self.changes.append((prefix + name, old, None))


    def mode_changes(self) -> None:
        """Add the changes the fast path did not look for: an entry whose id is the same on both
        sides but whose mode is not (a chmod beside an edit in the same folder is a second file
        changed, as git counts it). Called only when the count of changes decides a candidate."""
        unread, self._unread_modes = self._unread_modes, []
        for old_tree, new_tree, prefix, ids in unread:
            if _same_but_ids(old_tree, new_tree, ids):
                continue
            for old, new in zip(old_tree, new_tree):
                if self.full():
                    return
                if old.id == new.id and old.filemode != new.filemode:
                    self.pair(old, new, prefix)


def _same_but_ids(old_tree: pygit2.Tree, new_tree: pygit2.Tree, ids: list[tuple[bytes, bytes]]) -> bool:
    """Whether the new tree is the old one with the (old, new) ids given swapped in: then no mode
    changed. One read and a SHA-1 of a small object, many times cheaper than reading every entry's
    filemode. (A 20-byte id occurs only where its entry is; a false no only costs the slow check.)"""
    raw = old_tree.read_raw()
    for old_id, new_id in ids:
        raw = raw.replace(old_id, new_id)
    return hashlib.sha1(b"tree %d\0" % len(raw) + raw).digest() == new_tree.id.raw


def _add_and_delete(changes: list[Change]) -> bool:
    """One change adds a path and the other deletes one: the only pair libgit2 may call a rename.

    Two edits (or an edit and an add) are two files changed whatever the similarity, so asking
    libgit2, which builds a whole tree-to-tree diff, would cost without changing the answer."""
    return {old is None for _, old, _ in changes} == {True, False} and all(
        (old is None) != (new is None) for _, old, new in changes)


def _classify_two_changes(repo: pygit2.Repository, old_tree: pygit2.Tree, new_tree: pygit2.Tree,
                          walk: "_ChangeWalk") -> str:
    """An add plus a delete may be one rename: libgit2's similarity detection decides.

    It reads both blobs, so they are read safely first (libgit2 would spin on a damaged loose one).
    """
    diff = repo.diff(old_tree, new_tree, flags=_DIFF_FLAGS)
    statuses = {d.status for d in diff.deltas}
    if statuses == {pygit2.enums.DeltaStatus.ADDED, pygit2.enums.DeltaStatus.DELETED}:
        for path, old, new in walk.changes:
            entry = old if old is not None else new
            if entry is not None and int(entry.filemode) not in (MODE_SUBMODULE,):
                walk.objects.get(entry.id, f"blob {path}")
        diff.find_similar()
        if len(diff) == 1:
            return "rename"
    return "multi_file"


def classify(repo: pygit2.Repository, commit: pygit2.Commit,
             extensions: tuple[str, ...] = (".py",), objects: ObjectReader | None = None) -> Candidate | str:
    """The candidate, or the reason the commit is not one. Raises ObjectError for an object that
    cannot be read (the detail names it)."""
    objects = objects or ObjectReader(repo)
    parent_ids = commit.parent_ids
    if not parent_ids:
        # libgit2 shows a shallow clone's boundary commits without parents.
        return "shallow_boundary" if str(commit.id) in objects.shallow else "root_commit"
    if len(parent_ids) > 1:
        return "merge_commit"
    parent = objects.get(parent_ids[0], "parent commit")
    if not isinstance(parent, pygit2.Commit):
        raise ObjectError("corrupt_object", f"parent {parent.id} is a {parent.type_str}, not a commit")
    if parent.tree_id == commit.tree_id:
        return "no_change"
    old_tree = objects.get(parent.tree_id, "tree of the parent commit")
    new_tree = objects.get(commit.tree_id, "tree of the commit")
    walk = _ChangeWalk(objects, limit=3)
    walk.trees(old_tree, new_tree, "")  # type: ignore[arg-type]
    n = len(walk.changes)
    if n == 0:
        return "no_change"
    if n == 2:
        if not _add_and_delete(walk.changes):
            return "multi_file"  # no rename can join two edits, or an edit and an add
        walk.mode_changes()
        if len(walk.changes) > 2:
            return "multi_file"
        return _classify_two_changes(repo, old_tree, new_tree, walk)  # type: ignore[arg-type]
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
    # A would-be candidate: is the one change really alone, or is there a chmod beside it?
    walk.mode_changes()
    if len(walk.changes) > 1:
        return "multi_file"
    return Candidate(commit=str(commit.id), parent=str(parent_ids[0]), path=path,
                     old_blob=str(old.id), new_blob=str(new.id))


# ------------------------------------------------------------------------------------------ contents

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


# ------------------------------------------------------------------------------------- one commit

def mine_commit(repo: pygit2.Repository, sha: str, repos: list[str], license_key: str,
                extensions: tuple[str, ...] = (".py",), objects: ObjectReader | None = None) -> CommitRecord | Reject:
    """One listed commit -> its CommitRecord, or the reject that says which stage dropped it and why.

    The one definition of what a mined commit becomes: the source's DoFn counts its answer (a reject
    of `git.contents` passed `git.commit` first), and the tests and the benchmark call it as it is.
    Blobs are read only for a commit that is a candidate. `objects` is the repository's looked-over
    reader (RepoHandle.objects); without one each loose object is checked as it is read.
    """
    label = ",".join(repos)
    objects = objects or ObjectReader(repo)
    try:
        commit = objects.get(sha, "commit")
        if not isinstance(commit, pygit2.Commit):
            raise ObjectError("corrupt_object", f"{sha} is a {commit.type_str}, not a commit")
        found = classify(repo, commit, extensions, objects)
    except ObjectError as exc:
        return make_reject(STAGE_COMMIT, exc.reason, source=SOURCE, key=sha, repo=label, detail=exc.detail)
    except OBJECT_ERRORS as exc:
        return make_reject(STAGE_COMMIT, "corrupt_object", source=SOURCE, key=sha, repo=label, detail=str(exc))
    if isinstance(found, str):
        return make_reject(STAGE_COMMIT, found, source=SOURCE, key=sha, repo=label)
    try:
        old = objects.blob_text(found.old_blob, "old")
        new = objects.blob_text(found.new_blob, "new")
        message = decode_message(commit)
        author, committer = commit.author, commit.committer
    except ContentError as exc:
        return make_reject(STAGE_CONTENTS, exc.reason, source=SOURCE, key=sha, repo=label, detail=exc.detail)
    except OBJECT_ERRORS as exc:
        return make_reject(STAGE_CONTENTS, "corrupt_object", source=SOURCE, key=sha, repo=label, detail=str(exc))
    return commit_record(
        source=SOURCE, commit=sha, parent=found.parent, old_file=found.path, new_file=found.path,
        old_contents=old, new_contents=new, message=message, lang=LANG_PYTHON, license=license_key,
        repos=repos, author_time=utc(author.time), committer_time=utc(committer.time),
        author_name=author.raw_name.decode("utf-8", errors="replace"))
