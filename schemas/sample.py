"""The published repair sample: one shape for both sources, with the source as a column.

Commit and judge records come out of their sources with different provenance; the corpus user wants
one table. The first columns are what training reads (instruction, before, after, diff and its
counts, language, license) and what a trainer splits or filters on (group, split); the rest is
provenance, null where it does not apply: commit columns are null on judge rows and judge columns
null on commit rows, so no column pretends a submission is a commit.

Not carried over: the commit author's name (a person's name is personal data the corpus does not
need; the commit sha leads back to it) and the judge's original, unstripped code.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of

UTC_TIME = pa.timestamp("us", tz="UTC")
SOURCE_COMMIT = "commit"
SOURCE_JUDGE = "judge"
SOURCES = (SOURCE_COMMIT, SOURCE_JUDGE)


@dataclass
class RepairSample:
    id: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    instruction: str = arrow_field(pa.string())
    old_contents: str = arrow_field(pa.large_string())
    new_contents: str = arrow_field(pa.large_string())
    # Unified diff, three lines of context, git's a/ b/ headers; empty when old == new.
    diff: str = arrow_field(pa.large_string())
    lines_added: int = arrow_field(pa.int32())
    lines_removed: int = arrow_field(pa.int32())
    hunks: int = arrow_field(pa.int32())
    lang: str = arrow_field(pa.string())
    license: str = arrow_field(pa.string())
    # The unit of splitting: the repository ("owner/name"; with fork families, the smallest name of the
    # commit's family, which may not be in its own `repos`) or the problem ("dataset/problem id").
    group: str = arrow_field(pa.string())
    split: str = arrow_field(pa.string(), default="")
    # ---- provenance, both sources
    record_id: str = arrow_field(pa.string(), default="")
    old_file: str = arrow_field(pa.string(), default="")
    new_file: str = arrow_field(pa.string(), default="")
    subject: str = arrow_field(pa.string(), default="")
    message: str = arrow_field(pa.large_string(), default="")
    # Commit: the author time. Judge: when the fixing submission was made.
    author_time: datetime | None = arrow_field(UTC_TIME, nullable=True, default=None)
    message_lang: str = arrow_field(pa.string(), default="")
    old_parses: bool = arrow_field(pa.bool_(), default=True)
    python_major: int = arrow_field(pa.int8(), default=3)
    # ---- what kind of sample this is (schemas/commit.py says what each holds)
    tags: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    edit_kinds: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    tokens: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    window_old: list[int] | None = arrow_field(pa.list_(pa.int32()), nullable=True, default=None)
    window_new: list[int] | None = arrow_field(pa.list_(pa.int32()), nullable=True, default=None)
    # ---- commit provenance (null on judge rows)
    commit: str | None = arrow_field(pa.string(), nullable=True, default=None)
    parent: str | None = arrow_field(pa.string(), nullable=True, default=None)
    repos: list[str] | None = arrow_field(pa.list_(pa.string()), nullable=True, default=None)
    committer_time: datetime | None = arrow_field(UTC_TIME, nullable=True, default=None)
    # ---- judge provenance (null on commit rows)
    dataset: str | None = arrow_field(pa.string(), nullable=True, default=None)
    problem_id: str | None = arrow_field(pa.string(), nullable=True, default=None)
    problem_name: str | None = arrow_field(pa.string(), nullable=True, default=None)
    user_id: str | None = arrow_field(pa.string(), nullable=True, default=None)
    pairing: str | None = arrow_field(pa.string(), nullable=True, default=None)
    verdict_before: str | None = arrow_field(pa.string(), nullable=True, default=None)
    verdict_after: str | None = arrow_field(pa.string(), nullable=True, default=None)
    submission_before: str | None = arrow_field(pa.string(), nullable=True, default=None)
    submission_after: str | None = arrow_field(pa.string(), nullable=True, default=None)
    step_before: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    step_after: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    verdict_sequence: list[str] | None = arrow_field(pa.list_(pa.string()), nullable=True, default=None)
    submission_sequence: list[str] | None = arrow_field(pa.list_(pa.string()), nullable=True, default=None)
    # ---- judge verification (schemas/judge.py): null on commit rows and when judge.verify is off
    verified: bool | None = arrow_field(pa.bool_(), nullable=True, default=None)
    exec_before: str | None = arrow_field(pa.string(), nullable=True, default=None)
    exec_after: str | None = arrow_field(pa.string(), nullable=True, default=None)
    tests_run: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    problem_statement: str | None = arrow_field(pa.large_string(), nullable=True, default=None)


SAMPLE_SCHEMA: pa.Schema = schema_of(RepairSample)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_id(source: str, record_id: str, old_contents: str, new_contents: str) -> str:
    """Provenance (source and the source record's id) plus content: reruns agree, and a record whose
    contents changed upstream is a new sample."""
    key = f"{source}\0{record_id}\0{_digest(old_contents)}\0{_digest(new_contents)}"
    return _digest(key)[:24]


def commit_group(repos: list[str]) -> str:
    """The first repository in sorted order: the one the record was read from and licensed by."""
    return min(repos) if repos else ""


def judge_group(dataset: str, problem_id: str, fallback: str = "") -> str:
    """Problem ids are unique only within one export, so the dataset is part of the group."""
    if problem_id:
        return f"{dataset}/{problem_id}" if dataset else problem_id
    return fallback
