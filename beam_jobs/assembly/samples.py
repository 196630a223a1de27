"""Source records become repair samples: one shape for commits and judge pairs, with the diff made
from the two contents.

Here, not in `schemas/`: a schema says what a sample is; making one (diffing, choosing the group,
naming the instruction) is the first step of assembly, and the diff after redaction is made by the
same function.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from beam_jobs.assembly.diff import unified_diff
from filters.tokens import available as tokens_available
from filters.tokens import pair_tokens
from schemas.sample import (SOURCE_COMMIT, SOURCE_JUDGE, RepairSample, commit_group, judge_group,
                            sample_id)


def with_diff(sample: RepairSample) -> RepairSample:
    """The sample with diff and counts computed from its contents (again, after contents change).

    `tokens` too: here it counts what the sample finally holds (a window, a redacted value), for
    both sources alike; the count the filters made of the same strings is reused (filters.tokens)."""
    d = unified_diff(sample.old_contents, sample.new_contents, sample.old_file, sample.new_file)
    counted = pair_tokens(sample.old_contents, sample.new_contents) if tokens_available() else None
    return replace(sample, diff=d.diff, lines_added=d.lines_added, lines_removed=d.lines_removed, hunks=d.hunks,
                   tokens=counted)


def from_commit(record: Any) -> RepairSample:
    """A CommitRecord (schemas.commit) as a sample."""
    repos = sorted(record.repos or [])
    sample = RepairSample(
        id=sample_id(SOURCE_COMMIT, record.id, record.old_contents, record.new_contents),
        source=SOURCE_COMMIT,
        instruction=record.instruction or record.subject,
        old_contents=record.old_contents,
        new_contents=record.new_contents,
        diff="", lines_added=0, lines_removed=0, hunks=0,
        lang=record.lang,
        license=record.license,
        group=commit_group(repos),
        record_id=record.id,
        old_file=record.old_file,
        new_file=record.new_file,
        subject=record.subject,
        message=record.message,
        author_time=record.author_time,
        message_lang=record.message_lang,
        old_parses=record.old_parses,
        python_major=record.python_major,
        tags=list(record.tags),
        edit_kinds=list(record.edit_kinds),
        window_old=record.window_old,
        window_new=record.window_new,
        commit=record.commit,
        parent=record.parent,
        repos=repos,
        committer_time=record.committer_time,
    )
    return with_diff(sample)


def from_judge(record: Any) -> RepairSample:
    """A JudgeRecord (schemas.judge) as a sample; read by attribute name, so any object with the
    record's fields converts."""
    dataset = getattr(record, "dataset", "") or ""
    problem_id = getattr(record, "problem_id", "") or ""
    sample = RepairSample(
        id=sample_id(SOURCE_JUDGE, record.id, record.old_contents, record.new_contents),
        source=SOURCE_JUDGE,
        instruction=record.instruction or getattr(record, "subject", ""),
        old_contents=record.old_contents,
        new_contents=record.new_contents,
        diff="", lines_added=0, lines_removed=0, hunks=0,
        lang=record.lang,
        license=record.license,
        group=judge_group(dataset, problem_id, getattr(record, "group", "") or ""),
        record_id=record.id,
        old_file=getattr(record, "old_file", "") or "",
        new_file=getattr(record, "new_file", "") or "",
        subject=getattr(record, "subject", "") or "",
        message=getattr(record, "message", "") or "",
        author_time=getattr(record, "time_after", None) or getattr(record, "author_time", None),
        message_lang=getattr(record, "message_lang", "") or "en",
        old_parses=bool(getattr(record, "old_parses", True)),
        python_major=int(getattr(record, "python_major", 3) or 3),
        tags=list(getattr(record, "tags", None) or []),
        edit_kinds=list(getattr(record, "edit_kinds", None) or []),
        dataset=dataset,
        problem_id=problem_id,
        problem_name=getattr(record, "problem_name", None),
        user_id=getattr(record, "user_id", None),
        pairing=getattr(record, "pairing", None),
        verdict_before=getattr(record, "verdict_before", None),
        verdict_after=getattr(record, "verdict_after", None),
        submission_before=getattr(record, "submission_before", None),
        submission_after=getattr(record, "submission_after", None),
        step_before=getattr(record, "step_before", None),
        step_after=getattr(record, "step_after", None),
        verdict_sequence=list(getattr(record, "verdict_sequence", None) or []) or None,
        submission_sequence=list(getattr(record, "submission_sequence", None) or []) or None,
        verified=getattr(record, "verified", None),
        exec_before=getattr(record, "exec_before", None),
        exec_after=getattr(record, "exec_after", None),
        tests_run=getattr(record, "tests_run", None),
        problem_statement=getattr(record, "problem_statement", None),
    )
    return with_diff(sample)


def to_sample(record: Any) -> RepairSample:
    """Either kind of source record (told apart by its `source` field), or a sample unchanged."""
    if isinstance(record, RepairSample):
        return record
    if getattr(record, "source", "") == SOURCE_JUDGE:
        return from_judge(record)
    return from_commit(record)
