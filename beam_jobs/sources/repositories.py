"""Opening git repositories, naming them, and reading their objects safely: what the git source and
the dump's clone fetcher share.

A spec is a local path (bare or not), a bundle or a clone URL, optionally followed by `=owner/name`
(the user's name for it); clones and unbundled copies live in a temporary folder that is removed when
the handle closes.

Damaged input never hangs, crashes or vanishes. libgit2 spins forever inflating a truncated loose
object and blocks forever opening a FIFO, and it reads a truncated pack as if its objects were
absent. So a repository is looked over before libgit2 reads it (`scan_git_dir`): a special file
anywhere in its git folder or a pack whose size or index does not match is a reason to reject the
repository, and every damaged loose object is noted, so that `ObjectReader` answers for it (as
`corrupt_object`) instead of handing it to libgit2. An object that is simply absent (a partial
clone, a deleted file) is `missing_object`.

Why this file is long: it is the one place where a spec becomes an open repository (found, named,
looked over, opened) and an object id becomes an object, for the git source and the dump's clone
fetcher alike; split across modules, a reader could open a repository without its look-over.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import pygit2

from beam_jobs.sources.contents import ContentError, decode_source
from schemas.commit import repo_name
from schemas.reject import RejectError

_URL_RE = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")
# What libgit2 raises on a damaged or missing object, a bad id or an unreadable file.
OBJECT_ERRORS = (pygit2.GitError, KeyError, ValueError, OSError)


class RepositoryError(RejectError):
    """A repository that cannot be opened or cloned, or must not be read (special files, bad packs)."""


class ObjectError(ContentError):
    """An object that cannot be read: `missing_object` (absent) or `corrupt_object` (damaged)."""


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


def is_clone_url(spec: str) -> bool:
    return bool(_URL_RE.match(spec))


def is_bundle(spec: str) -> bool:
    """A bundle file's path, as written (a spec with `=owner/name` is not a path: see `split_spec`)."""
    return spec.endswith(".bundle") and not is_clone_url(spec)


# ------------------------------------------------------------------------------------------ names

# GitHub's characters for owners and repositories; `.` and `..` are never names.
_NAME_PART = r"(?!\.{1,2}(?:/|$))[A-Za-z0-9_.-]+"
_NAME_RE = re.compile(rf"^{_NAME_PART}/{_NAME_PART}$")
# Remote URLs that name a hosted repository (https, ssh, git, scp-like); local paths and file:// do not.
_REMOTE_RE = re.compile(r"^(?:https?|ssh|git)://|^[\w.-]+@[\w.-]+:")


def is_repo_name(text: str) -> bool:
    """`owner/name` as GitHub spells it: two parts of letters, digits, `_`, `.` and `-`."""
    return bool(_NAME_RE.match(text))


def split_spec(spec: str) -> tuple[str, str | None]:
    """(location, the user's name or None) of a spec.

    `PATH=owner/name` names PATH: the spec is split at its last `=` when what follows looks like
    `owner/name`, unless the whole spec is a local path that exists (a folder called `x=a/b` stays
    a path; name it with one more `=owner/name`).
    """
    head, sep, tail = spec.rpartition("=")
    if not sep or not head or not is_repo_name(tail):
        return spec, None
    if not is_clone_url(spec) and os.path.lexists(spec):
        return spec, None
    return head, tail


def name_problem(spec: str) -> str | None:
    """Why the name given after `=` is unusable, as one sentence, or None (no name, or a good one)."""
    head, sep, tail = spec.rpartition("=")
    if not sep or not head or is_repo_name(tail) or os.path.lexists(spec):
        return None
    if is_clone_url(head) or os.path.lexists(head):
        return (f"the git input '{spec}' names '{head}' as '{tail}', which is not owner/name "
                f"(two parts of letters, digits, '_', '.' and '-', such as octo/hello)")
    return None


def strip_credentials(url: str) -> str:
    """A URL fit to be written down: a password or token in it becomes ***."""
    return re.sub(r"^([a-z+]+://)[^/@]*:[^/@]*@", r"\1***@", url)


@dataclass(frozen=True)
class RepositoryIdentity:
    """Where a repository is and what it is called.

    `location`: the absolute path, or the URL without credentials. `name`: `owner/name`, or the
    folder or file name when nothing better is known. `named_by`: "user" (`PATH=owner/name`),
    "remote" (the origin's URL), "folder" (the work tree's or bare folder's name), "url" (a clone
    URL) or "bundle" (the file name).
    """
    location: str
    name: str
    named_by: str


def _folder_name(folder: str) -> str:
    base = os.path.basename(os.path.normpath(folder))
    return re.sub(r"\.git$", "", base) or base


def repository_identity(spec: str) -> RepositoryIdentity:
    """The identity of a spec; never raises, never opens a special file.

    Precedence: the user's `=owner/name`; for a local repository, `owner/name` from its remote's URL
    (origin, else the only remote), else its real folder's name without `.git` (`.` and `..` are
    resolved; a work tree's name, not `.git`); a clone URL's last two path parts; a bundle's file
    name without `.bundle`.
    """
    location, user = split_spec(spec)
    if is_clone_url(location):
        return RepositoryIdentity(strip_credentials(location), user or repo_name(location),
                                  "user" if user else "url")
    path = os.path.realpath(os.path.expanduser(location))
    if user:
        return RepositoryIdentity(path, user, "user")
    if location.endswith(".bundle"):
        return RepositoryIdentity(path, re.sub(r"\.bundle$", "", os.path.basename(path)) or location, "bundle")
    found = locate_git_dir(path)
    if isinstance(found, GitDir):
        remote = remote_name(found)
        if remote:
            return RepositoryIdentity(path, remote, "remote")
        return RepositoryIdentity(path, _folder_name(found.work_tree or found.git_dir), "folder")
    return RepositoryIdentity(path, _folder_name(path) or location, "folder")


# ------------------------------------------------------------------------------------ git folders

_SPECIAL = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a character device",
            stat.S_IFBLK: "a block device"}


def special_kind(mode: int) -> str | None:
    """"a FIFO", "a socket", ... for a special file's mode; None for files, folders and links."""
    return _SPECIAL.get(stat.S_IFMT(mode))


@dataclass(frozen=True)
class GitDir:
    """A repository's git folder, its common folder (objects, refs; differs for a linked work tree)
    and its work tree (None when bare)."""
    git_dir: str
    common_dir: str
    work_tree: str | None


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _read_small(path: str, limit: int = 1 << 16) -> str | None:
    """A small regular file's text, or None; never opens a special file."""
    if not _regular(path):
        return None
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _is_git_dir(path: str) -> bool:
    return _regular(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))


def locate_git_dir(path: str) -> GitDir | str:
    """The git folder of the repository at or above `path`, or why there is none (one sentence's end).

    Done by hand, not by libgit2, so that a special file where `.git` or `HEAD` should be is named,
    never opened.
    """
    d = os.path.realpath(path)
    while True:
        dot_git = os.path.join(d, ".git")
        try:
            mode = os.stat(dot_git).st_mode
        except OSError:
            mode = None
        if mode is not None and special_kind(mode):
            return f"has {special_kind(mode)} as its .git"
        if mode is not None and stat.S_ISDIR(mode) and _is_git_dir(dot_git):
            return _with_common(dot_git, d)
        if mode is not None and stat.S_ISREG(mode):
            text = _read_small(dot_git) or ""
            if text.startswith("gitdir:"):
                target = os.path.join(d, text[len("gitdir:"):].strip())
                if _is_git_dir(target):
                    return _with_common(os.path.realpath(target), d)
        if _is_git_dir(d):
            work = os.path.dirname(d) if os.path.basename(d) == ".git" else None
            return _with_common(d, work)
        parent = os.path.dirname(d)
        if parent == d:
            return "is not a git repository"
        d = parent


def _with_common(git_dir: str, work_tree: str | None) -> GitDir:
    common = _read_small(os.path.join(git_dir, "commondir"))
    common_dir = os.path.realpath(os.path.join(git_dir, common.strip())) if common else git_dir
    return GitDir(git_dir, common_dir, work_tree)


def remote_name(found: GitDir) -> str | None:
    """`owner/name` from the URL of the origin remote, else of the only remote; None without one."""
    config_path = os.path.join(found.common_dir, "config")
    if not _regular(config_path):
        return None
    try:
        config = pygit2.Config(config_path)
        urls = {e.name[len("remote."):-len(".url")]: e.value for e in config
                if e.name.startswith("remote.") and e.name.endswith(".url")}
    except (pygit2.GitError, OSError, ValueError):
        return None
    url = urls.get("origin") or (next(iter(urls.values())) if len(urls) == 1 else None)
    if not url or not _REMOTE_RE.match(url):
        return None
    name = repo_name(url)
    return name if is_repo_name(name) else None


def local_problem(spec: str) -> tuple[str, str] | None:
    """(reason, sentence) for a spec that cannot be used, or None. The reason is what the git source
    counts when it meets the spec at run time; the sentence is what the CLI prints before the run.

    A special file (a FIFO named `x.bundle`, a socket, a device) is named from its mode and never
    opened: opening a FIFO blocks until someone writes to it.
    """
    problem = name_problem(spec)
    if problem:
        return "bad_repository_name", problem
    location, _ = split_spec(spec)
    if is_clone_url(location):
        return None
    try:
        mode = os.stat(location).st_mode
    except FileNotFoundError:
        return "missing_repository", f"the git input '{location}' does not exist"
    except OSError as exc:
        return "missing_repository", f"the git input '{location}' cannot be read ({exc.strerror})"
    kind = special_kind(mode)
    if kind:
        return "special_file", f"the git input '{location}' is {kind}, not a repository folder or a bundle file"
    if location.endswith(".bundle"):
        if not stat.S_ISREG(mode):
            return "not_a_repository", f"the git input '{location}' is named like a bundle but is not a file"
        if shutil.which("git") is None:
            return "clone_failed", f"the git input '{location}' is a bundle, and reading bundles needs the git command"
        return None
    found = locate_git_dir(location)
    if isinstance(found, str):
        reason = "special_file" if found.endswith("as its .git") else "not_a_repository"
        return reason, f"the git input '{location}' {found}"
    return None


def check_local_repository(spec: str) -> str | None:
    """Why a spec is unusable, as one sentence, or None. The CLI calls it before the run."""
    problem = local_problem(spec)
    return problem[1] if problem else None


# ----------------------------------------------------------------------------------- the look-over

_HEX = re.compile(r"^[0-9a-f]+$")


@dataclass
class GitDirScan:
    """What `scan_git_dir` found: the first reason to reject the repository (or None), and every
    damaged loose object as {sha: problem}."""
    reason: str | None = None
    detail: str = ""
    damaged: dict[str, str] = field(default_factory=dict)


def _walk_files(top: str) -> Iterator[tuple[str, int]]:
    """(path, mode) of every entry under `top` that is not a regular file or a folder; links are
    followed for their mode but never descended. Regular files cost no stat (the folder listing
    says what they are)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif not entry.is_file(follow_symlinks=False):
                    yield entry.path, entry.stat(follow_symlinks=True).st_mode
            except OSError:
                continue  # a dangling link: nothing libgit2 could open either


def _object_dirs(common_dir: str) -> list[str]:
    dirs = [os.path.join(common_dir, "objects")]
    alternates = _read_small(os.path.join(dirs[0], "info", "alternates"))
    for line in (alternates or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            dirs.append(os.path.realpath(os.path.join(dirs[0], line)))
    return dirs


def _loose_problem_at(path: str, sha: str) -> str | None:
    """Why the loose object file at `path` is damaged, inflating it in steps; None when whole."""
    inflater = zlib.decompressobj()
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                while chunk:
                    inflater.decompress(chunk, 1 << 20)
                    chunk = inflater.unconsumed_tail
                if inflater.eof:
                    break
    except zlib.error as exc:
        return f"loose object {sha} is not valid zlib data: {exc}"
    except OSError as exc:
        return f"loose object {sha} cannot be read: {exc.strerror}"
    if not inflater.eof:
        return f"loose object {sha} is truncated"
    return None


def pack_problem(pack: str) -> str | None:
    """Why a pack file cannot be trusted, from its header, its size and its index; None when sound.

    A truncated pack is the common damage (an interrupted copy); libgit2 would report its objects as
    missing. The pack's trailing checksum must equal the one its index records, and the index's own
    checksum must hold; hashing the whole pack is left to `git fsck`.
    """
    name = os.path.basename(pack)
    index = pack[: -len(".pack")] + ".idx"
    if not os.path.exists(index):
        return f"pack {name} has no index ({os.path.basename(index)})"
    try:
        size = os.path.getsize(pack)
        with open(pack, "rb") as f:
            header = f.read(12)
            f.seek(max(size - 20, 0))
            trailer = f.read(20)
        idx_size = os.path.getsize(index)
        with open(index, "rb") as f:
            idx_head = f.read(8 + 1024)
            f.seek(max(idx_size - 40, 0))
            idx_tail = f.read(40)
        idx_sum = _file_sha1(index, exclude_tail=20)
    except OSError as exc:
        return f"pack {name} cannot be read: {exc.strerror}"
    if len(header) < 12 or header[:4] != b"PACK" or struct.unpack(">I", header[4:8])[0] not in (2, 3):
        return f"pack {name} does not start with a pack header"
    if len(idx_head) < 8 + 1024 or idx_head[:4] != b"\xfftOc" or struct.unpack(">I", idx_head[4:8])[0] != 2:
        return f"index of pack {name} is not a version 2 pack index"
    count = struct.unpack(">I", idx_head[-4:])[0]  # the last fan-out entry: how many objects
    held = struct.unpack(">I", header[8:12])[0]
    if idx_size < 8 + 1024 + 28 * count + 40:
        return f"index of pack {name} is truncated ({idx_size} bytes for {count} objects)"
    if idx_sum != idx_tail[20:]:
        return f"index of pack {name} is corrupt (its checksum does not match)"
    if held != count:
        return f"pack {name} holds {held} objects, its index {count}"
    if trailer != idx_tail[:20]:
        return f"pack {name} is truncated or damaged ({size} bytes; its trailing checksum is not the one its index records)"
    return None


def _file_sha1(path: str, exclude_tail: int) -> bytes:
    length = os.path.getsize(path) - exclude_tail
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        while length > 0:
            chunk = f.read(min(1 << 20, length))
            if not chunk:
                break
            digest.update(chunk)
            length -= len(chunk)
    return digest.digest()


def scan_git_dir(found: GitDir) -> GitDirScan:
    """Look a repository over before libgit2 reads it (see the module docstring).

    Rejects: `special_file` (a FIFO, socket or device anywhere in the git folder) and `corrupt_pack`.
    Notes every damaged loose object. Costs one directory walk, the inflation of the loose objects
    (few: git packs them past a few thousand) and a hash of each pack index.
    """
    scan = GitDirScan()
    tops = [found.git_dir] + ([found.common_dir] if found.common_dir != found.git_dir else [])
    object_dirs = _object_dirs(found.common_dir)
    for top in tops + object_dirs[1:]:
        for path, mode in _walk_files(top):
            kind = special_kind(mode)
            if kind:
                scan.reason, scan.detail = "special_file", f"{os.path.relpath(path, top)} in {top} is {kind}"
                return scan
    for objects in object_dirs:
        pack_dir = os.path.join(objects, "pack")
        for name in sorted(os.listdir(pack_dir)) if os.path.isdir(pack_dir) else []:
            if name.startswith("pack-") and name.endswith(".pack"):
                problem = pack_problem(os.path.join(pack_dir, name))
                if problem:
                    scan.reason, scan.detail = "corrupt_pack", problem
                    return scan
        for prefix in sorted(os.listdir(objects)) if os.path.isdir(objects) else []:
            if len(prefix) != 2 or not _HEX.match(prefix):
                continue
            folder = os.path.join(objects, prefix)
            for rest in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                if len(rest) in (38, 62) and _HEX.match(rest):
                    problem = _loose_problem_at(os.path.join(folder, rest), prefix + rest)
                    if problem:
                        scan.damaged[prefix + rest] = problem
    return scan


# ------------------------------------------------------------------------------------------ handles

class RepoHandle:
    """An open repository, looked over before libgit2 reads it (`scan_git_dir`); clones and unbundled
    copies live in a temporary folder removed on close. `objects` reads its objects safely."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.identity = repository_identity(spec)
        self.name = self.identity.name
        self.location = split_spec(spec)[0]
        self._tmpdir: str | None = None
        self.repo, damaged = self._open()
        self.objects = ObjectReader(self.repo, damaged)

    def _open(self) -> tuple[pygit2.Repository, dict[str, str]]:
        location = self.location
        problem = local_problem(self.spec)
        if problem:
            raise RepositoryError(*problem)
        if not (is_clone_url(location) or location.endswith(".bundle")):
            found = locate_git_dir(location)
            assert isinstance(found, GitDir)
            return self._open_scanned(found)
        self._tmpdir = tempfile.mkdtemp(prefix="repairpack-clone-")
        target = os.path.join(self._tmpdir, "repo.git")
        try:
            if is_clone_url(location):
                pygit2.clone_repository(location, target, bare=True)
            else:
                subprocess.run(["git", "clone", "--quiet", "--mirror", location, target],
                               check=True, capture_output=True, timeout=3600)
        except (pygit2.GitError, subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError,
                ValueError) as exc:
            self.close()
            detail = getattr(exc, "stderr", b"") or str(exc)
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            raise RepositoryError("clone_failed", strip_credentials(detail.strip())) from None
        try:
            return self._open_scanned(GitDir(target, target, None))
        except RepositoryError:
            self.close()
            raise

    @staticmethod
    def _open_scanned(found: GitDir) -> tuple[pygit2.Repository, dict[str, str]]:
        try:
            scan = scan_git_dir(found)
        except OSError as exc:
            raise RepositoryError("not_a_repository", f"{found.git_dir} cannot be looked over: {exc}") from None
        if scan.reason:
            raise RepositoryError(scan.reason, scan.detail)
        try:
            return pygit2.Repository(found.git_dir), scan.damaged
        except (pygit2.GitError, KeyError, OSError, ValueError) as exc:
            raise RepositoryError("not_a_repository", str(exc)) from None

    def close(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> "RepoHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------- objects

def loose_object_problem(repo: pygit2.Repository, sha: str) -> str | None:
    """Why the loose copy of an object is damaged, or None (also when it is packed, not loose).

    libgit2 can loop forever inflating a truncated loose object, and blocks opening a FIFO, so a
    loose object is inflated here first. Packed objects (the common case) cost one failed stat.
    """
    path = os.path.join(repo.path, "objects", sha[:2], sha[2:])
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    kind = special_kind(mode)
    if kind:
        return f"loose object {sha} is {kind}"
    return _loose_problem_at(path, sha)


def shallow_commits(repo: pygit2.Repository) -> frozenset[str]:
    """The boundary commits of a shallow clone (its `shallow` file): their parents were never fetched."""
    text = _read_small(os.path.join(repo.path, "shallow"), limit=1 << 26) or ""
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _is_partial_clone(repo: pygit2.Repository) -> bool:
    try:
        return any(e.name.endswith(".promisor") and e.value == "true" for e in repo.config) \
            or "extensions.partialclone" in repo.config
    except (pygit2.GitError, ValueError):
        return False


class ObjectReader:
    """Reads one repository's objects; a damaged or absent object is an ObjectError that names it.

    `damaged` comes from `scan_git_dir`; without it (None) each loose object is checked as it is
    read, at the cost of one failed stat for a packed object.
    """

    def __init__(self, repo: pygit2.Repository, damaged: Mapping[str, str] | None = None) -> None:
        self.repo = repo
        self.damaged = damaged
        self.shallow = shallow_commits(repo)
        self._partial: bool | None = None

    @classmethod
    def scanned(cls, repo: pygit2.Repository) -> "ObjectReader":
        """A reader whose loose objects were all looked over now (what a walk needs: libgit2's own
        walk cannot be told to skip a damaged commit). Raises RepositoryError like RepoHandle."""
        found = locate_git_dir(repo.path)
        if isinstance(found, str):
            return cls(repo)
        scan = scan_git_dir(found)
        if scan.reason:
            raise RepositoryError(scan.reason, scan.detail)
        return cls(repo, scan.damaged)

    def get(self, oid: "pygit2.Oid | str", what: str) -> pygit2.Object:
        """The object, or ObjectError whose detail starts with `what` (e.g. "commit", "old blob")."""
        sha = str(oid)
        problem = self.damaged.get(sha) if self.damaged is not None else loose_object_problem(self.repo, sha)
        if problem:
            raise ObjectError("corrupt_object", f"{what}: {problem}")
        try:
            return self.repo[oid]
        except KeyError:
            if self._partial is None:
                self._partial = _is_partial_clone(self.repo)
            why = " (a partial clone: it was never fetched)" if self._partial else ""
            raise ObjectError("missing_object", f"{what} {sha} is not in the repository{why}") from None
        except (pygit2.GitError, ValueError, OSError) as exc:
            raise ObjectError("corrupt_object", f"{what} {sha} cannot be read: {exc}") from None

    def blob_text(self, sha: str, which: str) -> str:
        """A blob's text (strict UTF-8), or ContentError (`which` is "old" or "new")."""
        blob = self.get(sha, f"{which} blob")
        if not isinstance(blob, pygit2.Blob):
            raise ObjectError("corrupt_object", f"{which} blob {sha} is a {blob.type_str}, not a blob")
        return decode_source(blob.data, which)


def read_blob_text(repo: pygit2.Repository, blob_sha: str, which: str) -> str:
    return ObjectReader(repo).blob_text(blob_sha, which)
