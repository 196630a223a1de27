"""The judge trajectories (`schemas.trajectory`) made ready to write: secrets redacted, diffs made.

The judge source builds a trajectory where its group is in memory (`sources/judge/trajectories.py`);
what it holds is code as mined, so it passes the same secrets rules as the pairs before anything is
written (`secrets.replace_findings`, one scan over every attempt's code and the statement together,
so an attempt and the next one get the same replacement and their diff keeps its shape). Then each
attempt gets its unified diff from the previous one, by the pairs' own `diff.unified_diff`, on the
code as published.

Stage `judge.trajectories`, its unit a trajectory: in = the trajectories the source built, kept = those
written; a trajectory holding a secret under `assembly.secrets.mode: drop` (`contains_key`, ...) or
whose redaction would break code that parsed (`redaction_breaks_syntax`) is a reject with that
reason. With secrets off every trajectory is kept, and counted all the same.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterator, NamedTuple

import apache_beam as beam

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.assembly.diff import unified_diff
from beam_jobs.assembly.secret_finders import KINDS, Scrubber
from beam_jobs.assembly.secrets import BREAKS_SYNTAX, DROP_REASONS, count_kinds, parses, replace_findings
from beam_jobs.assembly.splits import split_of
from config.assembly import SecretsConfig, SplitsConfig
from schemas.judge import SOURCE_JUDGE
from schemas.trajectory import Trajectory

STAGE_TRAJECTORIES = "judge.trajectories"


class Finished(NamedTuple):
    """A trajectory ready to write, or the reason it is not (and a detail that names no value)."""
    trajectory: Trajectory
    reason: str | None = None
    detail: str = ""


def with_attempt_diffs(trajectory: Trajectory) -> Trajectory:
    """Each attempt's `diff`: unified, from the previous attempt's code (a/<previous id>.py,
    b/<id>.py, as the pairs name their files); empty for the first."""
    attempts, previous = [], None
    for a in trajectory.attempts:
        diff = "" if previous is None else unified_diff(previous["code"], a["code"], f"{previous['submission_id']}.py",
                                                        f"{a['submission_id']}.py").diff
        attempts.append({**a, "diff": diff})
        previous = a
    return replace(trajectory, attempts=attempts)


def redact_trajectory(scrubber: Scrubber, trajectory: Trajectory, mode: str) -> Finished:
    """`secrets.redact`'s rules for a trajectory: every attempt's code and the statement scanned
    together; code replaced only inside strings and comments; in mode "drop" a finding is the reason."""
    codes = [a["code"] for a in trajectory.attempts]
    statement = trajectory.problem_statement or ""
    findings = scrubber.find(codes + [statement])
    if not findings:
        return Finished(trajectory)
    used: set[str] = set()
    new_codes = []
    for code in codes:
        new, replaced = replace_findings(code, findings, python=True)
        new_codes.append(new)
        used |= replaced
    new_statement, replaced = replace_findings(statement, findings)
    used |= replaced
    counts = count_kinds(f for f in findings if f.value in used)
    if not counts:
        return Finished(trajectory)
    detail = ", ".join(f"{k} x{n}" for k, n in counts.items())
    if mode == "drop":
        return Finished(trajectory, DROP_REASONS[next(k for k in KINDS if k in counts)], detail)
    broken = [a["submission_id"] for a, new in zip(trajectory.attempts, new_codes)
              if new != a["code"] and parses(a["code"]) and not parses(new)]
    if broken:
        return Finished(trajectory, BREAKS_SYNTAX, f"{detail}; would not parse: {', '.join(broken)}")
    attempts = [{**a, "code": new} for a, new in zip(trajectory.attempts, new_codes)]
    return Finished(replace(trajectory, attempts=attempts, problem_statement=new_statement or None))


def finish_trajectory(trajectory: Trajectory, scrubber: Scrubber | None, mode: str) -> Finished:
    """Redacted (unless `scrubber` is None: secrets off), then its diffs made from the code as written."""
    done = redact_trajectory(scrubber, trajectory, mode) if scrubber is not None else Finished(trajectory)
    return done if done.reason is not None else Finished(with_attempt_diffs(done.trajectory))


def trajectory_split(trajectory: Trajectory, cfg: SplitsConfig) -> str:
    """The split of the trajectory's pairs: the same function of the same group (`splits.split_of`)."""
    return split_of(trajectory.group, cfg)


class _FinishFn(StageDoFn):
    def __init__(self, cfg: SecretsConfig | None) -> None:
        super().__init__(STAGE_TRAJECTORIES, SOURCE_JUDGE)
        self._cfg = cfg

    def setup(self) -> None:
        super().setup()
        self._scrubber = Scrubber(self._cfg) if self._cfg is not None else None

    def process(self, trajectory: Trajectory) -> Iterator[Any]:
        self._stage.incoming()
        done = finish_trajectory(trajectory, self._scrubber, self._cfg.mode if self._cfg is not None else "off")
        if done.reason is not None:
            yield self._stage.reject(done.reason, key=trajectory.id, repo=trajectory.group, detail=done.detail)
            return
        self._stage.kept()
        yield done.trajectory


class FinishTrajectories(beam.PTransform):
    """PCollection[Trajectory] -> outputs `kept` and REJECTS (stage judge.trajectories). `cfg` None:
    nothing is redacted (secrets off, or assembly off), as for the pairs (pipeline._redacted)."""

    def __init__(self, cfg: SecretsConfig | None, label: str | None = None) -> None:
        super().__init__(label)
        self._cfg = cfg

    def expand(self, trajectories: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return tallied(trajectories | "Finish" >> beam.ParDo(_FinishFn(self._cfg)).with_outputs(REJECTS, TALLY, main="kept"))
