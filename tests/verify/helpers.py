"""What the sandbox tests share: running a program, and finding what a run left on the host."""
from __future__ import annotations

import os

from beam_jobs.verify.sandbox import SANDBOX_PROGRAM, Limits, RunResult, run_program

# Generous wall clocks: the tests prove behaviour on a busy 2-core machine, never speed.
FAST = Limits(time_s=2.0, wall_s=20.0)


def processes_with(marker: bytes) -> list[int]:
    """Pids of every host process whose command line holds `marker` (this process excepted)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if marker in handle.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def sandboxed_processes() -> list[int]:
    """Processes of any bubblewrap run still alive: each runs the program at SANDBOX_PROGRAM."""
    return processes_with(SANDBOX_PROGRAM.encode())


def run(source: str, stdin: bytes = b"", limits: Limits = FAST, mode: str = "bubblewrap") -> RunResult:
    return run_program(source, stdin, limits, mode)
