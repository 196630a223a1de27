"""A (user, problem) group's whole fix history as one `schemas.trajectory.Trajectory` row: pure
functions, no Beam.

Built where the group is already in memory (`core.fix_sequence`, after the pairing), from the same
steps the pairs are cut from, so a trajectory costs no extra read of code and no shuffle: the pairing
DoFns put it on a tagged output. Only a group that gave at least one pair gets a trajectory (the groups
the pairing used: a failing attempt, later an Accepted one); every other group is already a reject of
judge.sequence, judge.code or judge.pair with its reason, so nothing new is dropped here.

The attempts' diffs are left empty here: the unified diff is assembly's (`beam_jobs.assembly.diff`,
the pairs' diff), and the code may still change there (secrets are redacted before anything is
written), so `beam_jobs.assembly.trajectories` computes them last.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from beam_jobs.sources.judge import pairs as jp
from config.judge import JudgeConfig
from schemas.sample import judge_group
from schemas.trajectory import Trajectory, attempt, trajectory_id


def build_trajectory(steps: Sequence[jp.Step], statement: str | None, cfg: JudgeConfig) -> Trajectory:
    """The trajectory of one group's cleaned steps (time order, repeats dropped, up to the first
    Accepted): each attempt's code exactly as a pair would carry it (`pairs.settle`)."""
    first, last = steps[0].sub, steps[-1].sub
    return Trajectory(
        id=trajectory_id(last.dataset, last.problem_id, last.user_id),
        dataset=last.dataset,
        problem_id=last.problem_id,
        problem_name=last.problem_name or first.problem_name or last.problem_id,
        user_id=last.user_id,
        license=jp.license_for(last.dataset, cfg),
        group=judge_group(last.dataset, last.problem_id),
        problem_statement=statement or None,
        attempts=[attempt(s.sub.submission_id, s.sub.time, jp.settle(s).code, s.sub.status) for s in steps],
    )


def with_execution(trajectory: Trajectory, executed: Mapping[str, str], statement: str | None) -> Trajectory:
    """The trajectory after judge.verify: each attempt that was run (a side of a pair) gets its executed
    verdict, by submission id; the statement is the one verification read (whole, not truncated), as
    the pairs' `problem_statement` is."""
    attempts = [{**a, "exec_verdict": executed.get(a["submission_id"])} for a in trajectory.attempts]
    return replace(trajectory, attempts=attempts, problem_statement=statement or trajectory.problem_statement)
