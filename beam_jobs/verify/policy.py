"""From the config to a run: which sandbox mode may execute, and the limits of one test run.

Why a module of its own: the refusal rule must be one function that every caller (the Beam DoFn,
the benchmark, the door's early validation) goes through, so no route can run submissions in a
weaker mode the user did not name.
"""
from __future__ import annotations

from config.verify import VerifyConfig

from beam_jobs.verify.sandbox import BUBBLEWRAP, Limits, sandbox_problem


class SandboxRefused(RuntimeError):
    """The sandbox cannot start here and the user named no weaker mode: nothing may run."""


def choose_mode(cfg: VerifyConfig) -> str:
    """The mode verification runs in: bubblewrap when it starts here, else the weaker mode the user
    named in `weak_sandbox`, else SandboxRefused carrying the probe's one sentence. Call it once,
    before the pipeline starts (and again on each worker: a worker is another machine)."""
    problem = sandbox_problem()
    if problem is None:
        return BUBBLEWRAP
    if cfg.weak_sandbox is not None:
        return cfg.weak_sandbox
    raise SandboxRefused(problem)


def limits_for(cfg: VerifyConfig, problem_time_limit_s: float | None) -> Limits:
    """The limits of one test run of a problem: its judge time limit (or the default) times the
    factor as CPU seconds, and the section's memory, output and process bounds."""
    base = problem_time_limit_s if problem_time_limit_s and problem_time_limit_s > 0 else cfg.default_time_limit_s
    return Limits(time_s=base * cfg.time_factor, memory_mib=cfg.memory_mib, output_bytes=cfg.output_bytes,
                  processes=cfg.processes)
