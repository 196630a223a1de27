#!/usr/bin/env python3
"""The whole command line against PyDriller, on a real git repository, in one run.

In one run and one process tree it measures, on the repository given with `--repo` (a clone):

  default    `python run_pipeline.py --git REPO --output TMP --quiet --no-report`: the default preset
             (`strict`), no statistics report;
  none       `python run_pipeline.py --git REPO --output TMP --quiet --preset none`: no filter, so every
             mined record goes through assembly, and the statistics report on;
  pydriller  PyDriller making the same selection and reading both versions' sources
             (`bench/git_baselines.py: mine_pydriller(path, 0)`, every commit);
  floor      the default preset's command with every commit message too short for it (`FLOOR_SETS`),
             so that every candidate is dropped by the first message rule: mining, the license check,
             the text rules and writing rejects, and no parse, no sample. No run of the default
             preset on the repository can cost less, so PyDriller wall / floor wall is the highest
             ratio the default preset could reach on this machine.

Each runs as a child process. For each it prints the wall seconds, the CPU seconds (user + system) of
the child and every descendant (git processes spawned by GitPython included: they are reaped through
`wait4`, and this process makes itself the child subreaper so that orphaned ones are reaped and
counted too), the peak RSS of the process tree (summed over its processes, polled; and the anonymous
part, as `child.py` reads it), and for the two CLI runs the samples and rejects from the output's
`manifest.json` and the CPU milliseconds per sample. Then PyDriller wall / CLI wall and PyDriller CPU /
CLI CPU for the CLI runs, beside the targets (default >= 20x, `none` with the report >= 2x; the floor
is set against the default preset's target).

The PyDriller child is a fresh interpreter: the parent's imports do not count, the child's own do
(interpreter start-up, `import pydriller` and GitPython, the walk, the git processes). The one thing
subtracted is the import of the selection helper (`bench.git_baselines`, which imports Beam through
`beam_jobs`, about 2 s that a PyDriller user would not pay); the child measures it and both the raw
and the adjusted figures are in the JSON.

`--workers N` runs both CLI children on N local worker processes (Beam's `--direct_num_workers=N
--direct_running_mode=multi_processing`), what a user with N cores would run; PyDriller has no such
mode, and the targets are about wall time.

`--profile` runs each CLI child under `py-spy record -f raw --subprocesses --nonblocking` at 100 Hz
and folds the stacks into a CPU table per stage (`CATEGORIES` below; sub-rows `LEAF_ROWS`, and a few
inclusive functions `INCLUSIVE`). The wall and CPU figures of a profiled run are those of the CLI's
tree: py-spy's own CPU is left out, but the sampling still slows the target a little.

    python bench/whole_cli.py --repo ipython.git
    python bench/whole_cli.py --repo ipython.git --project ../older-worktree --profile --json before.json
    python bench/whole_cli.py --repo ipython.git --only default --runs 3 --keep-output kept/
    python bench/whole_cli.py --repo ipython.git --only none --set licenses.detector=text --cli-arg=--jsonl

Nothing here asserts on timings.

Why this file is long: the three measurements, the process-tree accounting they share and the
folding of py-spy stacks into stages are one benchmark, read together; the folding table sits at the
top so that a new stage is one line.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import psutil

ROOT = Path(__file__).resolve().parent.parent

MEASUREMENTS = ("default", "none", "pydriller", "floor")
# The measurements that run the CLI, in the order their figures are read.
CLI_MEASUREMENTS = ("default", "none", "floor")
# PyDriller wall / CLI wall to reach, per CLI measurement.
TARGETS = {"default": 20.0, "none": 2.0}
# The floor is the default preset's command with these settings after the user's: a minimum message
# length no commit message has (the maximum must stay above it, or the config is refused).
FLOOR_SETS = ("filters.message_min_chars=100000", "filters.message_max_chars=100001")
PROFILE_RATE = 100

# Per-stage attribution of the profile. A stack goes to the category of the first frame, scanning from
# the root towards the leaf, that matches one of the category's patterns. A pattern is either
#   "func (path"   a frame whose function is `func` (or `Class.func`) in a file ending with `path`;
#   "Class."       a frame of a method of that class;
#   "path"         a frame in a file under or named `path` (relative, as py-spy prints project files).
# The scan stops at the first import frame (module-level code is not a stage). Stacks no category claims
# fall back (see `_fallback`): under `Pipeline.run`, or in a thread running Beam code: "Beam itself", or
# "other project code under Beam" when a project frame is below (sample construction, schemas, ...);
# on the main thread otherwise: "start-up/imports/driver" (outside Pipeline.run and the graph build:
# start-up, imports, what runs around the pipeline); threads with neither: "other threads"; a stack whose
# root the sampler lost (py-spy --nonblocking reads a moving stack; deep Beam stacks get cut) is
# classified from what is left; a stack with no Python frame at all (the interpreter starting or
# tearing down): its own row.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("graph construction", ("build (beam_jobs/pipeline.py",)),
    ("report", ("beam_jobs/report/",)),
    ("mining", ("beam_jobs/sources/git/",)),
    ("filters", ("filters/chain.py", "filters/base.py", "_BatchedFilterFn.")),
    ("annotate/tags/edit kinds", ("analyse (filters/tags.py", "filters/edits.py")),
    ("windows", ("beam_jobs/sources/windows.py",)),
    ("token counting", ("filters/tokens.py",)),
    ("diffs", ("beam_jobs/assembly/diff.py",)),
    ("secrets", ("beam_jobs/assembly/secrets.py", "beam_jobs/assembly/secret_finders.py", "detect_secrets/")),
    ("decontamination", ("beam_jobs/assembly/decontaminate.py",)),
    ("near dedup/minhash", ("beam_jobs/assembly/dedup.py", "beam_jobs/assembly/minhash.py",
                            "beam_jobs/assembly/shingles.py", "beam_jobs/assembly/components.py")),
    ("splits", ("beam_jobs/assembly/splits.py",)),
    ("writing shards", ("beam_jobs/output/", "beam_jobs/parquet_sink.py", "beam_jobs/sorted_runs.py")),
    ("licenses", ("licenses/",)),
)
STARTUP = "start-up/imports/driver"
BEAM = "Beam itself"
OTHER_PROJECT = "other project code under Beam"
THREADS = "other threads"
TRUNCATED = "truncated stacks, no Beam or project frame"
NO_FRAME = "no Python frame (interpreter start, exit)"
FALLBACKS = (BEAM, OTHER_PROJECT, STARTUP, THREADS, TRUNCATED, NO_FRAME)
# Where the project's own code lives, as py-spy prints its files (for OTHER_PROJECT).
PROJECT_PREFIXES = ("beam_jobs/", "filters/", "schemas/", "licenses/", "config/", "cli/")
# A frame that starts an import: module-level code run by an import is not a pipeline stage, so the scan
# for a category stops there (the stack then falls back: an import at start-up is start-up).
IMPORT_FRAME = "_find_and_load (<frozen importlib._bootstrap>"
# Leaf-level costs, shown as sub-rows of each category: a stack counts for the row of the frame nearest
# its leaf that matches (so the rows of one category never overlap). The builtin `compile` is C code,
# which py-spy does not see without --native: `ast.parse` is where it is called from; "compile" here
# is any Python function named compile or _compile (re's pattern compiler, codeop).
LEAF_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ast.parse", ("parse (ast.py",)),
    ("compile", ("compile (", "_compile (")),
    ("tiktoken encode_ordinary", ("encode_ordinary (",)),
    ("difflib", ("difflib.py",)),
    ("detect-secrets plugins", ("detect_secrets/plugins/",)),
    ("python tokenize", ("tokenize.py",)),
    ("imports", ("_find_and_load (<frozen importlib._bootstrap>",)),
)
# Functions whose whole cost (everything below them) is worth a line, across categories.
INCLUSIVE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tags.analyse", ("analyse (filters/tags.py",)),
    ("edits (filters/edits.py)", ("filters/edits.py",)),
    ("language detection (filters/language*.py)", ("filters/language.py", "filters/langdetect_batch.py",
                                                   "filters/langdetect_loop.py", "filters/langdetect_ngrams.py")),
    ("scancode (licensedcode/)", ("licensedcode/",)),
    ("pyarrow (pyarrow/)", ("pyarrow/",)),
    ("pickling (dill/, pickle)", ("dill/", "pickle.py", "cloudpickle")),
)
PIPELINE_RUN = "Pipeline.run (apache_beam/pipeline.py"


# ============================================================================ the process tree runner

@dataclass
class TreeRun:
    """One child process and its descendants, start to exit."""
    returncode: int
    wall: float                  # seconds
    user: float                  # CPU seconds of the tree (wrapper excluded)
    system: float
    peak_rss: int                # largest summed RSS of the tree, bytes (polled)
    peak_anon: int               # largest summed anonymous RSS (RSS less shared pages), bytes (polled)
    max_rss_one: int             # the kernel's peak RSS of the largest single process of the tree, bytes
    processes: int               # most processes seen at once
    wrapper_cpu: float = 0.0     # CPU seconds of the wrapper (py-spy), left out of user/system
    stdout: str = ""
    stderr: str = ""
    series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return self.user + self.system


def become_subreaper() -> bool:
    """Make this process the child subreaper (Linux), so the orphans of a measured child (a git process
    whose parent exited first) are re-parented here, reaped here and counted in RUSAGE_CHILDREN."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_orphans(grace: float = 10.0) -> None:
    """Wait for the children left after the measured one exited (orphans re-parented here), killing
    those still running after `grace` seconds, so their CPU is in RUSAGE_CHILDREN before it is read."""
    deadline = time.monotonic() + grace
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if time.monotonic() > deadline:
            for child in psutil.Process().children():
                try:
                    child.kill()
                except psutil.Error:
                    pass
            deadline = time.monotonic() + grace
        time.sleep(0.05)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _PtyReader:
    """Gives a child's stderr a pseudo-terminal (so progress lines that only draw on a terminal draw),
    keeps everything written to it in a file and the last line drawn in `last`."""

    def __init__(self, path: str, columns: int = 400) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        self.path = path
        self.last = ""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        os.close(self.slave)  # the child holds its copy; EOF comes when it exits
        self._thread.start()

    def _read(self) -> None:
        pending = ""
        with open(self.path, "wb") as out:
            while True:
                try:
                    data = os.read(self.master, 65536)
                except OSError:  # EIO: the child side is closed
                    break
                if not data:
                    break
                out.write(data)
                pending += _ANSI.sub("", data.decode("utf-8", errors="replace"))
                parts = re.split(r"[\r\n]", pending)
                pending = parts[-1]
                done = [p for p in parts[:-1] if p.strip()]
                if done:
                    with self._lock:
                        self.last = done[-1]
        os.close(self.master)

    def latest(self) -> str:
        with self._lock:
            return self.last

    def join(self) -> None:
        self._thread.join(timeout=10)


def run_tree(cmd: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, poll_seconds: float = 0.2,
             wrapper: bool = False, series_every: float = 0.0, stderr_pty: bool = False,
             on_sample: Callable[[dict[str, Any]], None] | None = None,
             env: dict[str, str] | None = None) -> TreeRun:
    """Run `cmd` and measure its process tree until it exits.

    CPU: the change of this process's RUSAGE_CHILDREN over the run (the child, every descendant reaped
    by its parent, and orphans reaped here as subreaper); run one measurement at a time. With `wrapper`
    the child is a wrapper (py-spy) whose own CPU (polled) is left out, and so is its memory. With
    `series_every`, a sample of RSS, anonymous RSS and CPU so far is kept every so many seconds (and
    passed to `on_sample`); with `stderr_pty` the child's stderr is a pseudo-terminal and each sample
    carries the last line drawn on it (`progress`).
    """
    become_subreaper()
    work = tempfile.mkdtemp(prefix="repairpack-tree-")
    out_path, err_path = os.path.join(work, "stdout.txt"), os.path.join(work, "stderr.txt")
    reader = _PtyReader(err_path) if stderr_pty else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_rss = peak_anon = 0
    most = 1
    wrapper_cpu = 0.0
    seen_cpu: dict[int, float] = {}  # pid -> last user+system seen, for the series
    series: list[dict[str, Any]] = []
    started = time.perf_counter()
    next_sample = started
    try:
        with open(out_path, "wb") as out, (open(err_path, "wb") if reader is None else open(os.devnull, "wb")) as err:
            proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out,
                                    stderr=err if reader is None else reader.slave)
        if reader is not None:
            reader.start()
        root = psutil.Process(proc.pid)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                children = root.children(recursive=True)
            except psutil.Error:
                children = []
            procs = children if wrapper else [root, *children]
            total = anon = 0
            for p in procs:
                try:
                    info = p.memory_info()
                    if series_every:
                        t = p.cpu_times()
                        seen_cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    continue
                total += info.rss
                anon += info.rss - getattr(info, "shared", 0)
            if wrapper:
                try:
                    t = root.cpu_times()
                    wrapper_cpu = t.user + t.system
                except psutil.Error:
                    pass
            peak_rss, peak_anon, most = max(peak_rss, total), max(peak_anon, anon), max(most, len(procs))
            now = time.perf_counter()
            if series_every and now >= next_sample:
                sample = {"t": round(now - started, 2), "rss": total, "anon": anon,
                          "cpu": round(sum(seen_cpu.values()), 2), "processes": len(procs)}
                if reader is not None:
                    sample["progress"] = reader.latest()
                series.append(sample)
                if on_sample is not None:
                    on_sample(sample)
                next_sample += series_every
            time.sleep(poll_seconds)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        _reap_orphans()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        if reader is not None:
            reader.join()
        with open(out_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        shutil.rmtree(work, ignore_errors=True)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    if wrapper:
        # Split the wrapper's share between user and system in proportion; it is small.
        cpu = user + system
        keep = max(cpu - wrapper_cpu, 0.0) / cpu if cpu else 1.0
        user, system = user * keep, system * keep
    return TreeRun(proc.returncode, wall, user, system, peak_rss, peak_anon, usage.ru_maxrss * 1024, most,
                   wrapper_cpu, stdout, stderr, series)


# ================================================================================ the measurements

@dataclass
class Measurement:
    name: str
    command: list[str]
    wall: float
    cpu: float
    user: float
    system: float
    peak_rss: int
    peak_anon: int
    max_rss_one: int
    samples: int | None = None
    rejects: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ms_per_sample(self) -> float | None:
        return 1000.0 * self.cpu / self.samples if self.samples else None


def cli_command(project: Path, repo: str, output: str, name: str, sets: Sequence[str],
                cli_args: Sequence[str]) -> list[str]:
    cmd = [sys.executable, str(project / "run_pipeline.py"), "--git", repo, "--output", output, "--quiet"]
    if name in ("default", "floor"):
        cmd.append("--no-report")
    elif name == "none":
        cmd += ["--preset", "none"]
    else:
        raise ValueError(name)
    for item in [*sets, *(FLOOR_SETS if name == "floor" else ())]:
        cmd += ["--set", item]
    return cmd + list(cli_args)


def read_manifest(output: str | os.PathLike[str]) -> dict[str, Any]:
    with open(os.path.join(output, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)


def manifest_counts(output: str | os.PathLike[str]) -> tuple[int, int]:
    """(samples, rejects) as the output's manifest.json gives them."""
    rows = read_manifest(output).get("rows", {})
    return sum(rows.get("default", {}).values()), rows.get("rejects", {}).get("rejects", 0)


def git_counts(output: str | os.PathLike[str]) -> dict[str, int | None]:
    """Commits listed, candidates (single-file in-place .py changes) and records (both versions decoded)
    by the git source, from manifest.json's per-stage counts."""
    counts = read_manifest(output).get("counts", {})
    return {"listed": counts.get("git.commit", {}).get("in"), "candidates": counts.get("git.commit", {}).get("kept"),
            "decoded": counts.get("git.contents", {}).get("kept")}


def pyspy_command(raw: str, rate: int = PROFILE_RATE) -> list[str]:
    exe = shutil.which("py-spy")
    if exe is None:
        raise FileNotFoundError("py-spy")
    return [exe, "record", "-f", "raw", "-r", str(rate), "--subprocesses", "--nonblocking", "-o", raw, "--"]


def measure_cli(name: str, project: Path, repo: str, sets: Sequence[str], cli_args: Sequence[str], *,
                keep: Path | None, profile: bool, keep_raw: Path | None = None,
                log: Callable[[str], None] = print) -> Measurement:
    work = tempfile.mkdtemp(prefix=f"repairpack-whole-cli-{name}-")
    try:
        output = os.path.join(work, "out")
        cmd = cli_command(project, repo, output, name, sets, cli_args)
        raw = os.path.join(work, "profile.raw")
        full = [*pyspy_command(raw), *cmd] if profile else cmd
        log(f"$ (cd {shlex.quote(str(project))} && {shlex.join(full)})")
        run = run_tree(full, cwd=project, wrapper=profile)
        if run.returncode != 0:
            raise RuntimeError(f"{name}: the CLI failed with exit code {run.returncode}:\n"
                               f"{(run.stderr or run.stdout)[-4000:]}")
        samples, rejects = manifest_counts(output)
        printed = [line for line in run.stdout.strip().splitlines() if not line.startswith("py-spy> ")]
        extra: dict[str, Any] = {"stdout_tail": printed[-3:], "processes": run.processes,
                                 **git_counts(output)}
        if profile:
            extra["pyspy_cpu"] = round(run.wrapper_cpu, 2)
            found = re.search(r"Samples: (\d+) Errors: (\d+)", run.stdout + run.stderr)
            if found:
                extra["pyspy_samples"], extra["pyspy_errors"] = int(found.group(1)), int(found.group(2))
            with open(raw, encoding="utf-8", errors="replace") as f:
                extra["profile"] = fold_profile(f, PROFILE_RATE)
            if keep_raw is not None:
                shutil.copyfile(raw, keep_raw)
                extra["profile_raw"] = str(keep_raw)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            target = keep / name
            n = 2
            while target.exists():
                target, n = keep / f"{name}-{n}", n + 1
            shutil.move(output, target)
            extra["kept"] = str(target)
        return Measurement(name, full, run.wall, run.cpu, run.user, run.system, run.peak_rss, run.peak_anon,
                           run.max_rss_one, samples, rejects, extra)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pydriller_child(repo: str, result: str) -> None:
    """In the child: import PyDriller (counted), the selection helper (timed, to be subtracted), walk."""
    clock = time.perf_counter

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    t0, c0 = clock(), cpu()
    import pydriller  # noqa: F401  (its import is part of what a PyDriller user pays)
    t1, c1 = clock(), cpu()
    sys.path.insert(0, str(ROOT))
    from bench.git_baselines import mine_pydriller
    t2, c2 = clock(), cpu()
    res, _ = mine_pydriller(os.path.abspath(repo), 0)
    with open(result, "w", encoding="utf-8") as f:
        json.dump({"pydriller_import_s": t1 - t0, "pydriller_import_cpu": c1 - c0,
                   "helper_import_s": t2 - t1, "helper_import_cpu": c2 - c1,
                   "walk_s": res.seconds, "commits": res.commits, "candidates": res.candidates,
                   "decoded": res.decoded, "self_cpu_after_walk": cpu()}, f)


def pydriller_problem() -> str | None:
    try:
        import pydriller  # noqa: F401
    except ImportError as exc:
        return f"PyDriller is not importable here ({exc}), so the PyDriller measurement is skipped: pip install pydriller"
    return None


def measure_pydriller(repo: str, log: Callable[[str], None] = print) -> Measurement:
    work = tempfile.mkdtemp(prefix="repairpack-whole-cli-pydriller-")
    try:
        result = os.path.join(work, "result.json")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--pydriller-child", repo, "--child-result", result]
        log(f"$ {shlex.join(cmd)}")
        run = run_tree(cmd)
        if run.returncode != 0 or not os.path.exists(result):
            raise RuntimeError(f"pydriller: the child failed with exit code {run.returncode}:\n{run.stderr[-4000:]}")
        with open(result, encoding="utf-8") as f:
            child = json.load(f)
        helper_s, helper_cpu = child["helper_import_s"], child["helper_import_cpu"]
        cpu = max(run.cpu - helper_cpu, 0.0)
        keep = cpu / run.cpu if run.cpu else 1.0
        extra = dict(child, raw_wall=round(run.wall, 3), raw_cpu=round(run.cpu, 3),
                     in_process_cpu=round(child["self_cpu_after_walk"] - helper_cpu, 3),
                     processes=run.processes)
        return Measurement("pydriller", cmd, run.wall - helper_s, cpu, run.user * keep, run.system * keep,
                           run.peak_rss, run.peak_anon, run.max_rss_one, None, None, extra)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ====================================================================================== the profile

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _parse_frame(frame: str) -> tuple[str, str]:
    m = _FRAME.match(frame)
    return (m.group("func"), m.group("file")) if m else (frame, "")


def _pattern_matches(pattern: str, func: str, path: str) -> bool:
    if " (" in pattern:
        want_func, want_path = pattern.split(" (", 1)
        if not (func == want_func or func.endswith("." + want_func)):
            return False
        return path == want_path or path.endswith("/" + want_path) or path.startswith(want_path)
    if pattern.endswith("."):
        return func.startswith(pattern)
    if pattern.endswith("/"):
        return path.startswith(pattern) or ("/" + pattern) in path
    return path == pattern or path.endswith("/" + pattern) or path.startswith(pattern + ":")


def _first_match(table: Sequence[tuple[str, tuple[str, ...]]], frames: Iterable[tuple[str, str]],
                 stop: str | None = None) -> str | None:
    for func, path in frames:
        if stop is not None and _pattern_matches(stop, func, path):
            return None
        for name, patterns in table:
            if any(_pattern_matches(p, func, path) for p in patterns):
                return name
    return None


def _is_project(path: str) -> bool:
    return path.startswith(PROJECT_PREFIXES)


def _beam_or_project(frames: Sequence[tuple[str, str]]) -> str | None:
    if any(_is_project(p) for _, p in frames):
        return OTHER_PROJECT
    if any(p.startswith("apache_beam/") for _, p in frames):
        return BEAM
    return None


def _fallback(frames: list[tuple[str, str]]) -> str:
    """The row of a stack no category claims (see the comment above CATEGORIES)."""
    want_func, want_path = PIPELINE_RUN.split(" (")
    for i, (f, p) in enumerate(frames):
        if f == want_func and p.startswith(want_path):
            return OTHER_PROJECT if any(_is_project(q) for _, q in frames[i + 1:]) else BEAM
    root_func, root_path = frames[0]
    if root_path == "threading.py":
        return _beam_or_project(frames) or THREADS
    if root_func == "<module>":
        return STARTUP
    return _beam_or_project(frames) or TRUNCATED


def classify(stack: str) -> tuple[str, str | None, list[str]]:
    """(category, leaf row or None, inclusive rows) of one collapsed stack (root first, ';'-separated,
    with or without py-spy's leading `process ...` frame)."""
    parts = stack.split(";")
    if parts and parts[0].startswith("process "):
        parts = parts[1:]
    frames = [_parse_frame(p) for p in parts if p]
    if not frames:
        return NO_FRAME, None, []
    category = _first_match(CATEGORIES, frames, stop=IMPORT_FRAME) or _fallback(frames)
    leaf = _first_match(LEAF_ROWS, reversed(frames))
    inclusive = [name for name, patterns in INCLUSIVE
                 if any(_pattern_matches(p, f, path) for f, path in frames for p in patterns)]
    return category, leaf, inclusive


def fold_profile(lines: Iterable[str], rate: int) -> dict[str, Any]:
    """Fold py-spy raw (collapsed) stacks into samples per category, per (category, leaf row), per
    inclusive row and per process."""
    by_category: Counter[str] = Counter()
    by_leaf: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: Counter[str] = Counter()
    processes: Counter[str] = Counter()
    top_beam: Counter[str] = Counter()
    total = 0
    for line in lines:
        line = line.rstrip("\n")
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        category, leaf, inc = classify(stack)
        by_category[category] += n
        if leaf:
            by_leaf[category][leaf] += n
        for name in inc:
            inclusive[name] += n
        head = stack.split(";", 1)[0]
        processes[head if head.startswith("process ") else "(one process)"] += n
        if category in FALLBACKS:
            # What the fallbacks hold, by their leaf frame: to check that no project stage hides in them.
            top_beam[f"{category}: {stack.rsplit(';', 1)[-1]}"] += n
    assert sum(by_category.values()) == total
    return {"rate": rate, "samples": total, "categories": dict(by_category),
            "leaf_rows": {k: dict(v) for k, v in by_leaf.items()}, "inclusive": dict(inclusive),
            "processes": dict(processes), "fallback_leaves": dict(top_beam.most_common(40))}


def format_profile(profile: dict[str, Any], measured_cpu: float | None = None) -> str:
    """The per-stage table: samples / rate per category (and its leaf sub-rows), its share, and the share
    applied to the measured CPU of the tree. The two differ on a busy machine: py-spy samples by the
    clock, and a thread that is runnable but waiting for a core counts as active."""
    rate, total = profile["rate"], profile["samples"]
    order = [name for name, _ in CATEGORIES] + list(FALLBACKS)
    scale = measured_cpu / total if measured_cpu and total else None
    head = f"{'category':<42} {'samples/rate s':>14} {'share':>7}" + (f" {'x measured CPU s':>16}" if scale else "")
    lines = [head, "-" * len(head)]

    def row(label: str, n: int) -> str:
        share = 100.0 * n / total if total else 0.0
        return f"{label:<42} {n / rate:>14.1f} {share:>6.1f}%" + (f" {n * scale:>16.1f}" if scale else "")

    for name in sorted(order, key=lambda n: -profile["categories"].get(n, 0)):
        n = profile["categories"].get(name, 0)
        lines.append(row(name, n))
        for leaf, m in sorted(profile["leaf_rows"].get(name, {}).items(), key=lambda kv: -kv[1]):
            if m / rate >= 0.05:
                lines.append(row(f"  of which {leaf}", m))
    lines.append(row("total", total) + f"  ({total:,} samples at {rate} Hz)")
    if measured_cpu:
        lines.append(f"measured CPU of the tree {measured_cpu:.1f} s; samples / rate is "
                     f"{100.0 * total / rate / measured_cpu:.0f}% of it")
    leaf_totals: Counter[str] = Counter()
    for rows in profile["leaf_rows"].values():
        leaf_totals.update(rows)
    if leaf_totals:
        lines.append("leaf rows over all categories (samples/rate s): " + ", ".join(
            f"{k} {v / rate:.1f}" for k, v in leaf_totals.most_common()))
    if profile["inclusive"]:
        lines.append("inclusive, everything below the function in any category (samples/rate s): " + ", ".join(
            f"{k} {v / rate:.1f}" for k, v in sorted(profile["inclusive"].items(), key=lambda kv: -kv[1])))
    if len(profile["processes"]) > 1:
        lines.append(f"Python processes sampled: {len(profile['processes'])}")
    return "\n".join(lines)


# ========================================================================================= printing

def _mb(n: int | None) -> str:
    return f"{n / 1e6:,.0f}" if n else "-"


def _median(runs: list[Measurement]) -> Measurement:
    """Per figure, the median over the runs (counts from the first run)."""
    if len(runs) == 1:
        return runs[0]
    first = runs[0]
    med = {k: statistics.median(getattr(r, k) for r in runs)
           for k in ("wall", "cpu", "user", "system", "peak_rss", "peak_anon", "max_rss_one")}
    return Measurement(first.name, first.command, samples=first.samples, rejects=first.rejects,
                       extra=dict(first.extra, runs=len(runs)), **med)


LABELS = {"default": "(1) CLI default preset, --no-report", "none": "(2) CLI --preset none + report",
          "pydriller": "(3) PyDriller, same selection", "floor": "(4) CLI floor: default, keeps none"}


def format_table(results: dict[str, Measurement], runs: int) -> str:
    head = (f"{'measurement':<36} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>11} {'anon MB':>8} "
            f"{'samples':>8} {'rejects':>8} {'CPU ms/sample':>13}")
    lines = [head, "-" * len(head)]
    for name in MEASUREMENTS:
        if name not in results:
            continue
        m = results[name]
        per = m.ms_per_sample
        lines.append(f"{LABELS[name]:<36} {m.wall:>8.1f} {m.cpu:>8.1f} {_mb(m.peak_rss):>11} {_mb(m.peak_anon):>8} "
                     f"{m.samples if m.samples is not None else '-':>8} "
                     f"{m.rejects if m.rejects is not None else '-':>8} {f'{per:.1f}' if per else '-':>13}")
    if runs > 1:
        lines.append(f"(median of {runs} runs per figure)")
    if "pydriller" in results:
        x = results["pydriller"].extra
        lines.append(f"PyDriller: {x['commits']:,} commits walked, {x['candidates']:,} candidates read; "
                     f"walk {x['walk_s']:.1f} s, in-process CPU {x['in_process_cpu']:.1f} s, "
                     f"import pydriller {x['pydriller_import_s']:.2f} s (counted), "
                     f"helper import {x['helper_import_s']:.2f} s / {x['helper_import_cpu']:.2f} CPU-s (left out)")
    cli = next((results[n] for n in CLI_MEASUREMENTS if n in results), None)
    if cli is not None and cli.extra.get("candidates") is not None:
        line = (f"CLI git source: {cli.extra['listed']:,} commits listed, {cli.extra['candidates']:,} candidates, "
                f"{cli.extra['decoded']:,} with both versions decoded")
        if "pydriller" in results:
            p = results["pydriller"].extra["candidates"]
            line += f"; PyDriller's candidates {p:,} ({'agree' if p == cli.extra['candidates'] else 'DISAGREE'})"
        lines.append(line)
    if "pydriller" in results:
        p = results["pydriller"]
        for name in ("default", "none"):
            if name in results:
                c = results[name]
                wall_ratio, cpu_ratio = p.wall / c.wall, p.cpu / c.cpu
                met = "met" if wall_ratio >= TARGETS[name] else "missed"
                lines.append(f"{LABELS[name][4:]}: PyDriller wall / CLI wall {wall_ratio:.2f}x "
                             f"(target >= {TARGETS[name]:g}x: {met}); PyDriller CPU / CLI CPU {cpu_ratio:.2f}x")
        if "floor" in results:
            ceiling = p.wall / results["floor"].wall
            verdict = "out of reach" if ceiling < TARGETS["default"] else "not ruled out"
            lines.append(f"{LABELS['floor'][4:]}: PyDriller wall / CLI wall {ceiling:.2f}x, the most any "
                         f"default-preset run of this repository could reach here: the target "
                         f"{TARGETS['default']:g}x is {verdict} on this machine")
    return "\n".join(lines)


def _project_state(project: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


# ============================================================================================= main

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="whole_cli.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", help="a git repository on disk (a clone)")
    parser.add_argument("--project", type=Path, default=ROOT, metavar="DIR",
                        help="the project root whose run_pipeline.py runs (default: this checkout)")
    parser.add_argument("--only", action="append", choices=MEASUREMENTS, metavar="NAME",
                        help=f"run only this measurement (repeatable): {', '.join(MEASUREMENTS)}")
    parser.add_argument("--runs", type=int, default=1, metavar="N", help="repeat each N times, report medians")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON")
    parser.add_argument("--keep-output", type=Path, metavar="DIR",
                        help="keep each CLI run's corpus folder under DIR (DIR/default, DIR/none, ...)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="passed to both CLI runs as --set KEY=VALUE (repeatable)")
    parser.add_argument("--cli-arg", action="append", default=[], metavar="ARG",
                        help="an extra flag for both CLI runs, e.g. --cli-arg=--jsonl (repeatable)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="run both CLI runs on N local worker processes (--direct_num_workers=N "
                             "--direct_running_mode=multi_processing); PyDriller has one")
    parser.add_argument("--profile", action="store_true",
                        help=f"run the CLI children under py-spy at {PROFILE_RATE} Hz and print CPU per stage; "
                             "with --json the raw profiles are kept beside it (FILE.default.raw, FILE.none.raw)")
    parser.add_argument("--fold", metavar="RAW",
                        help="only fold a py-spy raw profile kept by an earlier --profile --json run into the "
                             "per-stage table (after changing CATEGORIES, say)")
    parser.add_argument("--fold-cpu", type=float, metavar="S", help="with --fold: the measured CPU of that run")
    parser.add_argument("--pydriller-child", metavar="REPO", help=argparse.SUPPRESS)
    parser.add_argument("--child-result", metavar="FILE", help=argparse.SUPPRESS)
    return parser


def worker_flags(workers: int) -> list[str]:
    """Beam's flags for `workers` local worker processes (none for one: the default in-process run)."""
    if workers <= 1:
        return []
    return [f"--direct_num_workers={workers}", "--direct_running_mode=multi_processing"]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.pydriller_child:
        pydriller_child(args.pydriller_child, args.child_result)
        return 0
    if args.fold:
        with open(args.fold, encoding="utf-8", errors="replace") as f:
            print(format_profile(fold_profile(f, PROFILE_RATE), args.fold_cpu))
        return 0
    if not args.repo or not os.path.isdir(args.repo):
        print("whole_cli.py: error: --repo must name a git repository on disk", file=sys.stderr)
        return 2
    repo = os.path.abspath(args.repo)
    project = args.project.resolve()
    if not (project / "run_pipeline.py").is_file():
        print(f"whole_cli.py: error: {project} has no run_pipeline.py", file=sys.stderr)
        return 2
    wanted = [m for m in MEASUREMENTS if m in (args.only or MEASUREMENTS)]
    notes: list[str] = []
    if "pydriller" in wanted:
        problem = pydriller_problem()
        if problem:
            print(problem)
            notes.append(problem)
            wanted.remove("pydriller")
    if args.profile and shutil.which("py-spy") is None:
        print("py-spy is not installed here, so --profile cannot run: pip install py-spy")
        return 2
    cli_args = list(args.cli_arg) + worker_flags(args.workers)
    state = _project_state(project)
    print(f"repository {repo}; project {project} (commit {state['commit'] or '?'}"
          f"{', uncommitted changes' if state['dirty'] else ''}); load average at start "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    runs: dict[str, list[Measurement]] = defaultdict(list)
    for i in range(args.runs):
        for name in wanted:
            if name == "pydriller":
                m = measure_pydriller(repo)
            else:
                raw = Path(f"{args.json}.{name}{'' if i == 0 else f'-{i + 1}'}.raw") if args.json else None
                m = measure_cli(name, project, repo, args.overrides, cli_args, keep=args.keep_output,
                                profile=args.profile, keep_raw=raw)
            runs[name].append(m)
            print(f"  {name}: {m.wall:.1f} s wall, {m.cpu:.1f} CPU-s, peak RSS {_mb(m.peak_rss)} MB"
                  + (f", {m.samples:,} samples, {m.rejects:,} rejects" if m.samples is not None else ""))
    results = {name: _median(rs) for name, rs in runs.items()}
    counts = {name: {(r.samples, r.rejects) for r in rs} for name, rs in runs.items() if name != "pydriller"}
    for name, seen in counts.items():
        if len(seen) > 1:
            notes.append(f"{name}: the runs disagree on samples/rejects: {sorted(seen)}")
    print()
    print("commands:")
    for name in wanted:
        print(f"  {name}: (cd {shlex.quote(str(project)) if name != 'pydriller' else shlex.quote(str(ROOT))} && "
              f"{shlex.join(runs[name][0].command)})")
    print()
    print(format_table(results, args.runs))
    for note in notes:
        print(note)
    if args.profile:
        for name in CLI_MEASUREMENTS:
            if name in runs and "profile" in runs[name][0].extra:
                first = runs[name][0]
                x = first.extra
                print()
                print(f"profile of {LABELS[name]} (first run; py-spy {x.get('pyspy_samples', '?')} samples, "
                      f"{x.get('pyspy_errors', '?')} errors, its own CPU {x.get('pyspy_cpu', 0):.1f} s left out)")
                print(format_profile(x["profile"], first.cpu))
    print(f"load average at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        def as_dict(m: Measurement) -> dict[str, Any]:
            d = asdict(m)
            d["ms_per_sample"] = m.ms_per_sample
            return d

        figures = {"repo": repo, "project": str(project), "project_state": state, "runs": args.runs,
                   "overrides": args.overrides, "cli_args": cli_args, "workers": args.workers,
                   "targets": TARGETS, "notes": notes,
                   "cpus": os.cpu_count(), "median": {k: as_dict(v) for k, v in results.items()},
                   "all_runs": {k: [as_dict(m) for m in v] for k, v in runs.items()}}
        if "pydriller" in results:
            p = results["pydriller"]
            figures["ratios"] = {name: {"wall": p.wall / results[name].wall, "cpu": p.cpu / results[name].cpu}
                                 for name in CLI_MEASUREMENTS if name in results}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
