"""A candidate commit from the GitHub dump: metadata only, the row shape of the BigQuery query.

The dump names blobs by sha but holds almost none of the pre-commit contents, so a candidate is what
the query selected and what a fetcher needs to get both sides of the file. Column names are the
query's output columns (beam_jobs/sources/dump/sql.py), so an export of that query (Parquet, Avro or
JSON lines) reads straight into this shape.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of
from schemas.reject import RejectError


@dataclass(frozen=True)
class CandidateCommit:
    commit: str = arrow_field(pa.string())
    parent: str = arrow_field(pa.string())
    old_path: str = arrow_field(pa.string())
    new_path: str = arrow_field(pa.string())
    old_sha1: str = arrow_field(pa.string())
    new_sha1: str = arrow_field(pa.string())
    subject: str = arrow_field(pa.string())
    message: str = arrow_field(pa.large_string())
    author_time_sec: int = arrow_field(pa.int64())
    committer_time_sec: int = arrow_field(pa.int64())
    # "owner/name" of every repository holding the commit (forks), sorted and distinct.
    repos: list[str] = arrow_field(pa.list_(pa.string()))
    # The GitHub license key (e.g. "mit"), as the `licenses` table gives it; "none" if missing.
    license: str = arrow_field(pa.string())
    # The author as the commit names them: the bot-author rule reads the name, as it does for a
    # commit mined from git; the email is kept for provenance ("" when the dump has none).
    author_name: str = arrow_field(pa.string(), default="")
    author_email: str = arrow_field(pa.string(), default="")
    # The git file modes of the two sides (0o100644 regular, 0o100755 executable, 0o120000 symlink,
    # 0o160000 submodule), as `difference` records them: a chmod (same blob, other mode) or a symlink
    # is told apart by them before any content is fetched, with the git source's reasons.
    old_mode: int = arrow_field(pa.int64(), default=0o100644)
    new_mode: int = arrow_field(pa.int64(), default=0o100644)

    @property
    def repo(self) -> str:
        """The repository the contents are fetched from: the first in sorted order, as for git."""
        return self.repos[0]


CANDIDATE_SCHEMA: pa.Schema = schema_of(CandidateCommit)
CANDIDATE_COLUMNS: tuple[str, ...] = tuple(CANDIDATE_SCHEMA.names)

# Columns that may be NULL in `commits` and so absent from a JSON line (a NULL author, message).
NULLABLE_COLUMNS: tuple[str, ...] = ("subject", "message", "author_name", "author_email")
# The file modes git writes in a tree, and the group-writable regular mode old repositories hold.
GIT_FILE_MODES = frozenset({0o100644, 0o100755, 0o100664, 0o120000, 0o160000})

_SHA = re.compile(r"^[0-9a-f]{40}$")
# owner/name as GitHub spells it; never "." or "..", which would climb out of a URL or a folder.
_REPO = re.compile(r"^(?!\.{1,2}/)[A-Za-z0-9_.-]+/(?!\.{1,2}$)[A-Za-z0-9_.-]+$")


def _path_problem(path: str) -> str | None:
    """Why a text cannot be a path in a git tree, or None: git writes no empty, "." or ".." part, no
    leading or trailing "/", and no NUL, so such a path in an export was not written by git, and
    fetching it raw could climb out of the repository's URL."""
    if "\0" in path:
        return "holds a NUL character"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "has an empty, '.' or '..' part"
    return None


class CandidateError(RejectError, ValueError):
    """A row that cannot be a candidate."""


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


# The seconds datetime can hold (years 1 to 9999): a time outside them is not a commit time.
MIN_SECONDS, MAX_SECONDS = -62_135_596_800, 253_402_300_799


def _seconds(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    problem = f"column '{name}' is {repr(value)[:60]}, not a number of seconds"
    if value is None or isinstance(value, bool):
        raise CandidateError("bad_row", problem)
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        raise CandidateError("bad_row", problem) from None
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise CandidateError("bad_row", f"column '{name}' is {seconds}, outside the years 1 to 9999")
    return seconds


def _mode(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    problem = f"column '{name}' is {repr(value)[:60]}, not a git file mode"
    if value is None or isinstance(value, bool):
        raise CandidateError("bad_row", problem)
    try:
        mode = int(value)
    except (TypeError, ValueError, OverflowError):
        raise CandidateError("bad_row", problem) from None
    if mode not in GIT_FILE_MODES:
        raise CandidateError("bad_row", problem)
    return mode


def candidate_from_row(row: Mapping[str, Any]) -> CandidateCommit:
    """A query or export row as a candidate, or CandidateError naming what is wrong with it.

    Exports are user files: a missing column, a short sha or an empty repository list is a reject
    with a reason, never a crash deep in the fetcher.
    """
    if not isinstance(row, Mapping):
        raise CandidateError("bad_row", f"a row must be a record of columns, not {type(row).__name__}")
    missing = [c for c in CANDIDATE_COLUMNS if c not in row]
    if missing:
        raise CandidateError("missing_column", f"row lacks column(s) {', '.join(missing)}")
    commit = _text(row, "commit").lower()
    for name in ("commit", "parent", "old_sha1", "new_sha1"):
        value = _text(row, name).lower()
        if not _SHA.match(value):
            raise CandidateError("bad_sha", f"column '{name}' is {value[:60]!r}, not a 40-digit hex sha")
    old_path, new_path = _text(row, "old_path"), _text(row, "new_path")
    if not old_path or old_path != new_path:
        raise CandidateError("bad_path", f"old_path {old_path!r} and new_path {new_path!r} must be one non-empty path")
    problem = _path_problem(new_path)
    if problem:
        raise CandidateError("bad_path", f"path {new_path[:200]!r} {problem}: git writes no such path")
    raw_repos = row.get("repos")
    if not isinstance(raw_repos, (list, tuple)):
        raise CandidateError("bad_row", f"column 'repos' must be a list of owner/name, not {repr(raw_repos)[:60]}")
    repos = sorted({_text({"r": r}, "r") for r in raw_repos})
    if not repos:
        raise CandidateError("no_repository", "column 'repos' is empty")
    bad = [r for r in repos if not _REPO.match(r)]
    if bad:
        raise CandidateError("bad_repository", f"repository name {bad[0]!r} is not owner/name")
    return CandidateCommit(
        commit=commit,
        parent=_text(row, "parent").lower(),
        old_path=old_path,
        new_path=new_path,
        old_sha1=_text(row, "old_sha1").lower(),
        new_sha1=_text(row, "new_sha1").lower(),
        subject=_text(row, "subject"),
        message=_text(row, "message"),
        author_time_sec=_seconds(row, "author_time_sec"),
        committer_time_sec=_seconds(row, "committer_time_sec"),
        repos=repos,
        license=_text(row, "license") or "none",
        author_name=_text(row, "author_name"),
        author_email=_text(row, "author_email"),
        old_mode=_mode(row, "old_mode"),
        new_mode=_mode(row, "new_mode"),
    )

