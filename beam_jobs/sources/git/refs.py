"""Which refs of a repository are mined, and why each one that cannot be is rejected (stage `git.refs`).

Refs are read from the files git writes (`refs/...` and `packed-refs`), not through libgit2: libgit2
skips a malformed loose ref without a word, and one damaged line of `packed-refs` makes it refuse to
list any ref at all. A ref that cannot be mined is a record of its own, rejected with its name as the
key: the commits reachable only from it cannot be listed, so the ref is what is counted.

Reasons: `malformed_ref` (a ref file or packed-refs line that is neither an id nor `ref: <name>`),
`bad_ref_name` (a name git itself refuses, such as one with a space or `..`), `dangling_symref` (a
symbolic ref to a ref that does not exist), `symref_loop`, `not_a_commit` (the ref peels to a tree or
a blob), `missing_object` and `corrupt_object` (its tip, or a tag on the way, cannot be read).
"""
from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field

import pygit2

from beam_jobs.sources.repositories import GitDir, ObjectError, ObjectReader, locate_git_dir

PULL_REF_PREFIX = "refs/pull/"
_SHA = re.compile(rb"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
# What git's check-ref-format refuses in a name (control characters, space, ~ ^ : ? * [ \, "..", "@{").
_BAD_NAME = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")
_MAX_SYMREF_HOPS = 10


@dataclass(frozen=True)
class RawRef:
    """A ref as stored: a direct id (`target`) or a symbolic one (`symbolic`), or why it is neither."""
    target: str | None = None
    symbolic: str | None = None
    malformed: str | None = None


@dataclass(frozen=True)
class RefReject:
    name: str
    reason: str
    detail: str


@dataclass
class RefListing:
    """The selected refs that peel to a readable commit ({name: commit sha}), the selected refs that
    do not, and the ref whose tree the license is read at."""
    tips: dict[str, str] = field(default_factory=dict)
    rejects: list[RefReject] = field(default_factory=list)
    license_ref: str | None = None

    @property
    def selected(self) -> int:
        return len(self.tips) + len(self.rejects)


def ref_name_problem(name: str) -> str | None:
    """Why git refuses a ref name (check-ref-format), or None."""
    if _BAD_NAME.search(name):
        return "holds a character or sequence git refuses in ref names"
    parts = name.split("/")
    if any(not p or p.startswith(".") or p.endswith(".lock") for p in parts) or name.endswith("."):
        return "has an empty part, a part starting with '.' or ending in '.lock'"
    return None


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def printable(name: str) -> str:
    """A ref name fit for a reject key: bytes that are not UTF-8 shown as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _parse_ref_file(data: bytes) -> RawRef:
    text = data.strip()
    if _SHA.match(text):
        return RawRef(target=text.decode())
    if text.startswith(b"ref:"):
        target = text[4:].strip()
        if target:
            return RawRef(symbolic=_decode(target))
    shown = data[:60].decode("utf-8", "backslashreplace")
    return RawRef(malformed=f"holds {shown!r}, neither an object id nor 'ref: <name>'" if data.strip()
                  else "is an empty file")


def read_ref_store(found: GitDir) -> tuple[dict[str, RawRef], list[RefReject]]:
    """Every ref in `packed-refs` and under `refs/` (a loose ref overrides a packed one), and the
    packed-refs lines that name no ref (rejected under the key `packed-refs line N`)."""
    refs: dict[str, RawRef] = {}
    broken: list[RefReject] = []
    packed = os.path.join(found.common_dir, "packed-refs")
    if _is_regular(packed):
        with open(packed, "rb") as f:
            lines = f.read().split(b"\n")
        for number, line in enumerate(lines, 1):
            line = line.rstrip(b"\r")
            if not line or line.startswith(b"#") or (line.startswith(b"^") and _SHA.match(line[1:])):
                continue
            sha, _, name = line.partition(b" ")
            if _SHA.match(sha) and name.startswith(b"refs/"):
                refs[_decode(name)] = RawRef(target=sha.decode())
            elif name.startswith(b"refs/"):
                refs[_decode(name)] = RawRef(malformed=f"packed-refs line {number} has no valid object id")
            else:
                shown = line[:60].decode("utf-8", "backslashreplace")
                broken.append(RefReject(f"packed-refs line {number}", "malformed_ref",
                                        f"packed-refs line {number} is {shown!r}, not '<id> refs/...': "
                                        "a ref written there cannot be listed"))
    top = os.path.join(found.common_dir, "refs")
    for folder, _, files in os.walk(os.fsencode(top)):
        for file_name in files:
            path = os.path.join(folder, file_name)
            if not _is_regular(path):
                continue  # special files were rejected with the repository; dangling links hold no ref
            name = _decode(os.path.relpath(path, os.fsencode(found.common_dir)).replace(os.sep.encode(), b"/"))
            with open(path, "rb") as f:
                refs[name] = _parse_ref_file(f.read(4096))
    return refs, broken


def _is_regular(path: str | bytes) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def read_head(found: GitDir) -> RawRef | None:
    path = os.path.join(found.git_dir, "HEAD")
    if not _is_regular(path):
        return None
    with open(path, "rb") as f:
        return _parse_ref_file(f.read(4096))


def _resolve(name: str, refs: dict[str, RawRef], objects: ObjectReader) -> str | RefReject:
    """The commit a ref peels to, or why it does not (following symbolic refs and annotated tags)."""
    shown = printable(name)
    seen = [name]
    raw = refs[name]
    while raw.symbolic is not None:
        if raw.symbolic in seen or len(seen) > _MAX_SYMREF_HOPS:
            chain = " -> ".join(printable(s) for s in [*seen, raw.symbolic])
            return RefReject(shown, "symref_loop", f"{chain}: the symbolic refs form a loop")
        if raw.symbolic not in refs:
            return RefReject(shown, "dangling_symref", f"{shown} points at {printable(raw.symbolic)}, "
                                                       "which does not exist")
        seen.append(raw.symbolic)
        raw = refs[raw.symbolic]
    if raw.malformed is not None:
        return RefReject(shown, "malformed_ref", f"{printable(seen[-1])} {raw.malformed}")
    assert raw.target is not None
    try:
        obj = objects.get(raw.target, f"the tip of {shown}")
        while isinstance(obj, pygit2.Tag):
            obj = objects.get(obj.target, f"the object tagged by {shown}")
    except ObjectError as exc:
        return RefReject(shown, exc.reason, exc.detail)
    if not isinstance(obj, pygit2.Commit):
        return RefReject(shown, "not_a_commit", f"{shown} points at a {obj.type_str} ({obj.id}), not a commit")
    return str(obj.id)


def _head_target(head: RawRef | None, refs: dict[str, RawRef]) -> str | None:
    return head.symbolic if head is not None and head.symbolic in refs else None


def list_refs(repo: pygit2.Repository, refs: str, include_pull_refs: bool = False,
              objects: ObjectReader | None = None) -> RefListing:
    """The refs to mine: "head" (HEAD alone; an unborn HEAD selects nothing), "branches"
    (refs/heads/*) or an fnmatch pattern over full ref names; pull-request refs only when asked."""
    objects = objects or ObjectReader(repo)
    found = locate_git_dir(repo.path)
    listing = RefListing()
    if isinstance(found, str):
        return listing
    store, broken = read_ref_store(found)
    head = read_head(found)
    if refs == "head":
        if head is None or (head.symbolic is not None and head.symbolic not in store):
            return listing  # unborn: a new repository, nothing to mine and nothing lost
        store = {**store, "HEAD": head}
        names = ["HEAD"]
    else:
        pattern = "refs/heads/*" if refs == "branches" else refs
        names = sorted(n for n in store if fnmatch.fnmatchcase(n, pattern)
                       and (include_pull_refs or not n.startswith(PULL_REF_PREFIX)))
        listing.rejects.extend(broken)
    for name in names:
        problem = ref_name_problem(name)
        if problem:
            listing.rejects.append(RefReject(printable(name), "bad_ref_name",
                                             f"{printable(name)} {problem}; git ignores such a ref"))
            continue
        resolved = _resolve(name, store, objects)
        if isinstance(resolved, RefReject):
            listing.rejects.append(resolved)
        else:
            listing.tips[name] = resolved
    head_ref = "HEAD" if "HEAD" in listing.tips else _head_target(head, store)
    listing.license_ref = head_ref if head_ref in listing.tips else min(listing.tips, default=None)
    return listing
