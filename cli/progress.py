"""A live progress line on a terminal: records read, kept and rejected, rate, elapsed.

A run of one to several minutes used to print nothing until the end. Beam's metrics can only be
read once a run has finished, so the line reads the in-process tally the stages keep
(`beam_jobs.accounting.LIVE`). Workers in other processes (a multi-process or portable runner,
Dataflow) do not report to it: the line then shows the elapsed time alone and says where the
counts are. tqdm draws the line: it fits the terminal's width and stays silent when stderr is not
a terminal (a log file, CI).
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, TextIO

# How often the line is redrawn, in seconds.
REFRESH = 0.5
# Stage steps that count other things than records (repositories, problems, queries); "read" counts
# of a source start at its first record stage after these.
NOT_RECORDS = ("query", "repository", "metadata", "refs")


def totals(snapshot: dict[str, dict[str, int]], order: Callable[[str], Any]) -> dict[str, int]:
    """read: records into each source's first record stage; rejected: every stage's rejects; kept:
    what left assembly's last stage once it runs, else what left each source's last stage."""
    firsts: dict[str, str] = {}
    lasts: dict[str, str] = {}
    for stage in sorted(snapshot, key=order):
        source, _, step = stage.partition(".")
        if step not in NOT_RECORDS:
            firsts.setdefault(source, stage)
            lasts[source] = stage
    assembled = lasts.pop("assembly", None)
    firsts.pop("assembly", None)
    kept = snapshot[assembled]["kept"] if assembled else sum(snapshot[s]["kept"] for s in lasts.values())
    return {"read": sum(snapshot[s]["in"] for s in firsts.values()), "kept": kept,
            "rejected": sum(c["rejected"] for c in snapshot.values())}


def runs_in_process(beam_args: list[str]) -> bool:
    """Whether the workers of a run with these Beam arguments share the launching process (the
    FnApiRunner's default), so the live tally sees their counts."""
    from cli.arguments import DEFAULT_RUNNER

    runner, mode = DEFAULT_RUNNER, "in_memory"
    for i, arg in enumerate(beam_args):
        name, _, value = arg.partition("=")
        value = value or (beam_args[i + 1] if i + 1 < len(beam_args) else "")
        if name == "--runner":
            runner = value
        elif name == "--direct_running_mode":
            mode = value
    return runner.lower().replace("runner", "") in ("fnapi", "direct") and mode != "multi_processing"


def busiest(before: dict[str, dict[str, int]], now: dict[str, dict[str, int]]) -> str:
    """The stage that counted the most records since the last redraw: what the run is doing now."""
    moved = {stage: c["in"] - before.get(stage, {}).get("in", 0) for stage, c in now.items()}
    stage, n = max(moved.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0))
    return stage if n > 0 else ""


# What the line says while no stage has counted anything in this process.
STARTING = "starting"
ELSEWHERE = "running; the workers run in other processes and report their counts at the end"


class ProgressLine:
    """A context manager that redraws the line until the block ends. Disabled (no thread, no
    output) when `enabled` is false or the stream is not a terminal. `idle` is shown while no stage
    has counted anything here."""

    def __init__(self, label: str, *, enabled: bool = True, idle: str = "starting",
                 stream: TextIO | None = None) -> None:
        self._label = label
        self._idle = idle
        self._stream = stream or sys.stderr
        self._enabled = enabled and bool(getattr(self._stream, "isatty", lambda: False)())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "ProgressLine":
        if not self._enabled:
            return self
        from beam_jobs.accounting import LIVE

        LIVE.clear()
        self._thread = threading.Thread(target=self._draw, name="repairpack-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()

    def _draw(self) -> None:
        from tqdm import tqdm

        from beam_jobs.accounting import LIVE, flow_order

        started = time.monotonic()
        before: dict[str, dict[str, int]] = {}
        stage = ""
        with tqdm(desc=self._label, file=self._stream, dynamic_ncols=True, bar_format="{desc} [{elapsed}]",
                  leave=False) as bar:
            while not self._stop.wait(REFRESH):
                snapshot = LIVE.snapshot()
                if not snapshot:
                    bar.set_description_str(f"{self._label}: {self._idle}")
                    continue
                t = totals(snapshot, flow_order)
                stage = busiest(before, snapshot) or stage
                before = snapshot
                rate = t["read"] / max(time.monotonic() - started, 1e-9)
                bar.set_description_str(f"{self._label}: read {t['read']:,} · kept {t['kept']:,} · "
                                        f"rejected {t['rejected']:,} · {rate:,.0f} records/s · {stage}")
