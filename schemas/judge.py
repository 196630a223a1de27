"""The judge repair record: one step of a user's fix sequence on one problem, before and after.

The first fields are CommitRecord's, same names, same Arrow types, same order, so the merge stage
can concatenate both kinds of record (pyarrow fills the judge-only columns with nulls on the git
side). How the commit fields are filled for a judge pair:

- `commit` / `parent`: the submission ids after / before (what is being fixed and the fix);
- `old_file` / `new_file`: "<submission id>.py", a file name a diff tool can show;
- `old_contents` / `new_contents`: the code with comments (optionally docstrings) stripped;
- `subject`: the one-line instruction; `message` and `instruction`: the instruction with the problem
  description when there is one;
- `repos`: ["<dataset>/<problem id>"], the nearest thing to a repository a judge has;
- `author_time` / `committer_time`: when the fixed submission was made; `author_name`: the user id;
- `message_lang`: "en" (the instruction is generated); `old_parses` / `python_major` as for commits.

The rest says where the pair sits in its trajectory: verdicts, submission ids and times on both sides,
the whole sequence up to the first Accepted (so a trainer can rebuild multi-step trajectories), the
problem, the original code as provenance, and whether each side tokenized (code that does not is
kept unstripped). `group` is the problem id: the merge stage splits by it so no problem is in both
train and test.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of
from schemas.commit import UTC_TIME, CommitRecord

SOURCE_JUDGE = "judge"


@dataclass
class JudgeRecord(CommitRecord):
    """CommitRecord's fields first (inherited, so the merge stage can treat both alike), then the
    judge's. Git-only fields (commit, parent, repos, author_name) hold empty values here."""
    # Judge instructions are generated in English.
    message_lang: str = arrow_field(pa.string(), default="en")
    # ---- judge only
    group: str = arrow_field(pa.string(), default="")
    dataset: str = arrow_field(pa.string(), default="")
    origin: str = arrow_field(pa.string(), default="")
    problem_id: str = arrow_field(pa.string(), default="")
    problem_name: str = arrow_field(pa.string(), default="")
    user_id: str = arrow_field(pa.string(), default="")
    pairing: str = arrow_field(pa.string(), default="")
    verdict_before: str = arrow_field(pa.string(), default="")
    verdict_after: str = arrow_field(pa.string(), default="")
    submission_before: str = arrow_field(pa.string(), default="")
    submission_after: str = arrow_field(pa.string(), default="")
    time_before: datetime | None = arrow_field(UTC_TIME, nullable=True, default=None)
    time_after: datetime | None = arrow_field(UTC_TIME, nullable=True, default=None)
    # Positions of the two sides in the sequence below (0-based).
    step_before: int = arrow_field(pa.int32(), default=0)
    step_after: int = arrow_field(pa.int32(), default=0)
    # The (user, problem) sequence after repeats are dropped, up to and including the first Accepted.
    verdict_sequence: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    submission_sequence: list[str] = arrow_field(pa.list_(pa.string()), default_factory=list)
    language_before: str = arrow_field(pa.string(), default="")
    language_after: str = arrow_field(pa.string(), default="")
    original_code_before: str = arrow_field(pa.large_string(), default="")
    original_code_after: str = arrow_field(pa.large_string(), default="")
    code_tokenizes_before: bool = arrow_field(pa.bool_(), default=True)
    code_tokenizes_after: bool = arrow_field(pa.bool_(), default=True)
    # judge.verify (beam_jobs/sources/judge/verification.py): null when it is off. Whether the before
    # program fails a test and the after program passes them all; each side's worst executed verdict
    # ("pass", "wrong_answer", "runtime_error", "timeout", "memory_limit", "output_limit",
    # "sandbox_error"); the tests each side ran; the problem statement's text (null without one).
    verified: bool | None = arrow_field(pa.bool_(), nullable=True, default=None)
    exec_before: str | None = arrow_field(pa.string(), nullable=True, default=None)
    exec_after: str | None = arrow_field(pa.string(), nullable=True, default=None)
    tests_run: int | None = arrow_field(pa.int32(), nullable=True, default=None)
    problem_statement: str | None = arrow_field(pa.large_string(), nullable=True, default=None)


JUDGE_SCHEMA: pa.Schema = schema_of(JudgeRecord)

def judge_record_id(dataset: str, submission_before: str, submission_after: str) -> str:
    """Content-derived like commit ids: the same pair gets the same id on every run and runner."""
    digest = hashlib.sha256(
        f"{SOURCE_JUDGE}\0{dataset}\0{submission_before}\0{submission_after}".encode("utf-8")).hexdigest()
    return digest[:24]
