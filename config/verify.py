"""Typed knobs of verification: running judge submissions on tests in the sandbox.

Only stdlib imports, like every section. The stage (`beam_jobs/verify/`) turns these into the
sandbox's `Limits`; the limits here are per test run.

Why `weak_sandbox` is a named choice and not a fallback: where bubblewrap cannot start, running
submissions anyway would put hostile code on the worker with far less in its way. The run refuses
instead, with the probe's sentence, unless the user names the weaker mode here, and the dataset card
then reports which mode verified the samples.
"""
from __future__ import annotations

from dataclasses import dataclass

from config.checks import not_one_of, too_small

MODES = ("off", "annotate", "require")
WEAK_SANDBOXES = ("rlimits-only",)


@dataclass
class VerifyConfig:
    # "off": trust the judge's labels (no code runs); "annotate": run and record the verdicts;
    # "require": keep only pairs whose before fails a test and whose after passes them all.
    mode: str = "off"
    # A problem's time limit (from the export) times this is the CPU limit of one run: Python on this
    # worker is not the judge's machine.
    time_factor: float = 2.0
    # CPU seconds per run when the export gives the problem no time limit.
    default_time_limit_s: float = 2.0
    # Address space of each process of a run (RLIMIT_AS), the interpreter's own ~30 MiB included.
    memory_mib: int = 512
    # Bytes of stdout one run may write; one more ends it as output_limit.
    output_bytes: int = 64 << 20
    # Processes and threads one run may have, the program included.
    processes: int = 32
    # Float tolerance of the output comparison, relative or absolute (beam_jobs/verify/compare.py).
    float_tolerance: float = 1e-6
    # null: bubblewrap or refuse. "rlimits-only": run without namespaces or seccomp where bubblewrap
    # cannot start (docs/sandbox.md says what that gives up); the card records it.
    weak_sandbox: str | None = None


def problems(cfg: VerifyConfig, path: str = "verify") -> list[str]:
    """Every mistake in the section, each as one sentence; empty when the section is usable. `path`
    is where the section sits in the config ("verify", or "judge.verify" when nested in the judge
    section), so a message names the key the user types."""
    found = not_one_of(f"{path}.mode", cfg.mode, MODES)
    if cfg.weak_sandbox is not None:
        found += not_one_of(f"{path}.weak_sandbox", cfg.weak_sandbox, WEAK_SANDBOXES)
    found += too_small(path, cfg, {"memory_mib": 64, "output_bytes": 1, "processes": 1})
    for key in ("time_factor", "default_time_limit_s"):
        if not getattr(cfg, key) > 0:
            found.append(f"config key '{path}.{key}' must be greater than 0")
    if not 0 <= cfg.float_tolerance < 1:
        found.append(f"config key '{path}.float_tolerance' must be at least 0 and below 1")
    return found
