"""The trajectory row: one user's whole fix history on one problem, an attempt per step.

A pair shows one step of a fix; a trajectory shows all of them, so a model can be trained on
multi-turn repair (feedback, edit, feedback, ...). One row per (dataset, problem, user) group that
gave at least one pair. `attempts` are the group's submissions in time order up to and including the
first Accepted, as the pairing saw them: after the repeats are dropped, so the pairs'
`submission_sequence` lists exactly these submissions and their `step_before` / `step_after` index
into `attempts`. Each attempt's code is the pairs' code (comments, and docstrings when configured,
stripped; code that does not tokenize kept as is).

`group` is the pairs' split group ("dataset/problem"), so a trajectory lands in the split of its
pairs. `exec_verdict` is the worst executed verdict over the problem's tests (judge.verify; null when
it is off, and for an attempt that was no side of a pair, since only pairs' programs are run).
`diff` is the unified diff from the previous attempt's code (empty for the first attempt).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of
from schemas.commit import UTC_TIME

ATTEMPT_TYPE = pa.struct([
    pa.field("submission_id", pa.string(), nullable=False),
    pa.field("time", UTC_TIME, nullable=True),
    pa.field("code", pa.large_string(), nullable=False),
    pa.field("verdict", pa.string(), nullable=False),
    pa.field("exec_verdict", pa.string(), nullable=True),
    pa.field("diff", pa.large_string(), nullable=False),
])


ATTEMPT_FIELDS = tuple(ATTEMPT_TYPE.names)


def attempt(submission_id: str, time: datetime | None, code: str, verdict: str, exec_verdict: str | None = None,
            diff: str = "") -> dict[str, Any]:
    """One attempt as the struct the writer takes: plain dicts, so the row needs no conversion."""
    return {"submission_id": submission_id, "time": time, "code": code, "verdict": verdict,
            "exec_verdict": exec_verdict, "diff": diff}


@dataclass
class Trajectory:
    id: str = arrow_field(pa.string())
    dataset: str = arrow_field(pa.string())
    problem_id: str = arrow_field(pa.string())
    problem_name: str = arrow_field(pa.string())
    user_id: str = arrow_field(pa.string())
    license: str = arrow_field(pa.string())
    group: str = arrow_field(pa.string())
    problem_statement: str | None = arrow_field(pa.large_string(), nullable=True, default=None)
    # `attempt(...)` dicts, in time order.
    attempts: list[dict[str, Any]] = arrow_field(pa.list_(ATTEMPT_TYPE), default_factory=list)


TRAJECTORY_SCHEMA: pa.Schema = schema_of(Trajectory)


def trajectory_id(dataset: str, problem_id: str, user_id: str) -> str:
    """Content-free and stable: one group, one id, on every run and runner (and the shards' sort key)."""
    digest = hashlib.sha256(f"trajectory\0{dataset}\0{problem_id}\0{user_id}".encode("utf-8")).hexdigest()
    return digest[:24]
