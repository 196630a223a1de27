"""Opening git repositories and reading their objects safely: what the git source and the dump's
clone fetcher share.

A spec is a local path (bare or not), a bundle or a clone URL; clones and unbundled copies live in a
temporary folder that is removed when the handle closes. Reading an object never hangs on a damaged
loose object, and a damaged one is a reject, never a crash.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zlib

import pygit2

from beam_jobs.sources.commits import decode_source, ContentError
from schemas.commit import repo_name
from schemas.reject import RejectError

_URL_RE = re.compile(r"^(https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")
# What libgit2 raises on a damaged or missing object, a bad id or an unreadable file.
OBJECT_ERRORS = (pygit2.GitError, KeyError, ValueError, OSError)


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


def is_clone_url(spec: str) -> bool:
    return bool(_URL_RE.match(spec))


def is_bundle(spec: str) -> bool:
    return spec.endswith(".bundle") and not is_clone_url(spec)


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



# ------------------------------------------------------------------------------------------- objects

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
