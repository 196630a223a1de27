"""The commit record: one file changed by one commit, before and after.

Field names follow CommitPack (commit, old_file, new_file, old_contents, new_contents, subject, message,
lang, license, repos) so OctoPack tooling recognises them; the rest is what a corpus user needs to
trace a sample back (parent, times, source) and to join on it (id).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of

# Microseconds: Parquet has no seconds unit, and a schema must read back exactly as written.
UTC_TIME = pa.timestamp("us", tz="UTC")
# The `lang` of every commit record (CommitPack's spelling).
LANG_PYTHON = "Python"


@dataclass
class CommitRecord:
    id: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    commit: str = arrow_field(pa.string())
    parent: str = arrow_field(pa.string())
    old_file: str = arrow_field(pa.string())
    new_file: str = arrow_field(pa.string())
    # Contents are large_string: one row group of big files must never hit the 2 GiB offset limit.
    old_contents: str = arrow_field(pa.large_string())
    new_contents: str = arrow_field(pa.large_string())
    subject: str = arrow_field(pa.string())
    message: str = arrow_field(pa.large_string())
    lang: str = arrow_field(pa.string())
    license: str = arrow_field(pa.string())
    repos: list[str] = arrow_field(pa.list_(pa.string()))
    author_time: datetime = arrow_field(UTC_TIME)
    committer_time: datetime = arrow_field(UTC_TIME)
    author_name: str = arrow_field(pa.string())
    # Filled by the filter stage: the cleaned subject used as the instruction, the detected message
    # language, whether the old version parses (a syntax-error fix is worth keeping) and the Python
    # major version the new version parses as.
    instruction: str = arrow_field(pa.string(), default="")
    message_lang: str = arrow_field(pa.string(), default="")
    old_parses: bool = arrow_field(pa.bool_(), default=True)
    python_major: int = arrow_field(pa.int8(), default=3)
    # ---- what kind of sample this is, filled by the filter stage (issue 14)
    # Labels a trainer filters on (test_file, docs_only, comment_only, formatting_only, version_bump,
    # syntax_error_before, syntax_error_after, redacted); config chooses which ones drop a sample.
    tags: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    # The AST node types the change touches (Call, Compare, If, ...), sorted.
    edit_kinds: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    # Tokens of old + new (as the sample's contents hold them), by the bundled BPE tokenizer; null
    # when no tokenizer counted them.
    tokens: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    # With `filters.granularity: window`, the [first, last] lines (1-based, inclusive) of the old and
    # new files that old_contents and new_contents hold; null when they hold the whole files.
    window_old: list[int] | None = arrow_field(pa.list_(pa.int32()), nullable=True, default=None)
    window_new: list[int] | None = arrow_field(pa.list_(pa.int32()), nullable=True, default=None)


COMMIT_SCHEMA: pa.Schema = schema_of(CommitRecord)


def commit_record_id(commit: str, path: str) -> str:
    """Derived from the commit and the file alone, so reruns, other runners and both routes (a
    repository mined with --git, the same commit read from the GitHub dump) give a record the same
    id, and dedup picks the same member of a duplicate cluster whichever route brought it."""
    digest = hashlib.sha256(f"{commit}\0{path}".encode("utf-8")).hexdigest()
    return digest[:24]


def repo_name(spec: str) -> str:
    """The name a spec gives its repository as text alone, without looking at any file.

    `PATH=owner/name`: the user's name. A URL (https, ssh, scp-like `git@host:owner/name`, file://):
    its last two path parts, `owner/name`, without `.git`. A bundle: its file name without `.bundle`.
    `owner/name` itself: unchanged. Any other path: its last part without `.git` (the git source
    resolves `.` and `..` and reads remotes first: `beam_jobs.sources.repositories.repository_identity`).
    """
    text = spec.strip()
    head, sep, tail = text.rpartition("=")
    if sep and head and _NAME_RE.match(tail):
        return tail
    url = re.match(r"^[a-z][a-z0-9+.-]*://[^/]*(/.*)?$|^[\w.-]+@[\w.-]+:(.*)$", text)
    if url:
        path = url.group(1) if url.group(1) is not None else (url.group(2) or "")
        parts = [re.sub(r"\.git$", "", p) for p in path.split("/") if p][-2:]
        return "/".join(p for p in parts if p) or text
    if text.endswith(".bundle"):
        return re.sub(r"\.bundle$", "", text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]) or text
    if _NAME_RE.match(re.sub(r"\.git$", "", text)):
        return re.sub(r"\.git$", "", text)
    last = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"\.git$", "", last) or last or text


# `owner/name` as GitHub spells it: two parts of letters, digits, `_`, `.` and `-` (never `.` or `..`).
_NAME_RE = re.compile(r"^(?!\.{1,2}/)[A-Za-z0-9_.-]+/(?!\.{1,2}$)[A-Za-z0-9_.-]+$")
