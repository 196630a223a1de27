#!/usr/bin/env python3
"""The million-commit simulation: the whole command line on a long generated history, watched over time.

It generates (and caches) a history of `--commits` commits with bench/git_history_gen.py, then runs
`python run_pipeline.py --git REPO --output TMP` on it as a child process, once per `--preset`
(default: the default preset and `none`, both with `--no-report`; a preset written `none+report` keeps
the statistics report on). Every `--interval` seconds it samples the child's process tree: RSS, the
anonymous part of it (RSS less shared pages, as bench/child.py reads it: what the job itself holds) and
CPU seconds so far. The child's stderr is a pseudo-terminal, so the CLI draws its progress line
(cli/progress.py: records read, kept and rejected so far, from the in-process tally the stages keep);
each sample keeps the last line drawn, which gives the throughput over time.

It prints, per preset: commits/s over the whole run, samples and rejects (from manifest.json), peak RSS,
the anonymous RSS at 10 %, 50 % and 90 % of the run (flat when memory does not grow with history),
and a time series every 10 % of the wall time: RSS, anonymous RSS, CPU seconds per wall second since
the row before, and records read, kept and rejected, and records/s since the row before.

    python bench/scale.py                                   # 1,000,000 commits, default and none
    python bench/scale.py --commits 100000 --preset default --json scale.json
    python bench/scale.py --commits 200000 --preset none+report
    python bench/scale.py --first 100000 --preset none      # the first 100,000 of the million

The history's non-merge commits are 20 % single-file Python edits by default (`--candidate-share`;
0 gives the generator's own mix, 72 %, which the figures before 2026-12-06 used). The generator writes
objects loose in /dev/shm and packs them in the background, without deltas, into the cache folder on
disk (bench/git_packing.py `Packer`): every 50,000 commits, or sooner once a batch holds a third of
40 % of the free tmpfs or memory, whichever is smaller; when /dev/shm cannot hold three batches
of loose objects, they are written in the cache folder instead, which is slower. On this project's
2-core machine the million takes 1,152 s (49 to 64 s per 50,000 commits from the first batch to the
last) and 4.0 GB of packs. Before generator version 7 its prose files grew a line per edit, so each
batch was larger and slower than the one before: 5,078 s and 73 GB, and once three late batches in
tmpfs beside a test run exhausted the memory (hence the byte bound). The result is cached. Nothing
here asserts on timings.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import psutil

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import git_history_gen  # noqa: E402
from bench.cache import default_cache_dir  # noqa: E402
from bench.whole_cli import _project_state, manifest_counts, run_tree  # noqa: E402

DEFAULT_COMMITS = 1_000_000
DEFAULT_PRESETS = ("default", "none")
# The million commits hold about 200,000 candidates (single-file Python edits).
DEFAULT_CANDIDATE_SHARE = 0.2
# The generator packs every PACK_EVERY commits, or sooner once a batch's loose objects reach a third
# of SCRATCH_SHARE of the smaller of free tmpfs and free memory: two packs run at a time, so tmpfs
# holds three batches at most. The byte bound is a guard: with generator version 6, whose batches grew
# to about 5 GB per 50,000 commits, three of them beside a test run exhausted the machine's 23 GB.
PACK_EVERY = 50_000
SCRATCH_SHARE = 0.4
# Loose objects the generator writes per commit, and what each costs in a tmpfs (one page).
OBJECTS_PER_COMMIT = 5.5
BYTES_PER_LOOSE_OBJECT = 4096

# The progress line (cli/progress.py ProgressLine): "building: read 1,234 · kept 56 · rejected 1,178 ·
# 900 records/s · git.filters [00:12]".
PROGRESS = re.compile(r"(?P<label>[\w-]+): read (?P<read>[\d,]+) · kept (?P<kept>[\d,]+) · "
                      r"rejected (?P<rejected>[\d,]+) · (?P<rate>[\d,]+) records/s · ?(?P<stage>[\w.]*)")


def parse_progress(line: str) -> dict[str, Any] | None:
    """The counters of one drawn progress line, or None if the line is not one (yet)."""
    found = None
    for found in PROGRESS.finditer(line or ""):
        pass
    if found is None:
        return None
    num = lambda key: int(found.group(key).replace(",", ""))  # noqa: E731
    return {"label": found.group("label"), "read": num("read"), "kept": num("kept"),
            "rejected": num("rejected"), "stage": found.group("stage")}


def scratch_fits(commits: int, folder: str = "/dev/shm") -> bool:
    """Whether `folder` has the room and inodes for the generator's loose objects."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    objects = commits * OBJECTS_PER_COMMIT
    return st.f_bavail * st.f_frsize > 1.2 * objects * BYTES_PER_LOOSE_OBJECT and st.f_favail > 1.2 * objects


def generate(commits: int, seed: int, cache_dir: Path, extra_files: int, share: float | None,
             log: Callable[[str], None] = print) -> Path:
    """The generated repository, from the cache when an earlier run made it."""
    target = cache_dir / git_history_gen.repository_name(commits, seed, extra_files, share)
    pack_bytes: int | None = None
    if not target.is_dir():
        pack_bytes = batch_bytes()
        if not scratch_fits(min(commits, 3 * PACK_EVERY)) or pack_bytes < MIN_BATCH_BYTES:
            log(f"/dev/shm cannot hold the loose objects of {commits:,} commits: they are written under {cache_dir}")
            cache_dir.mkdir(parents=True, exist_ok=True)
            pack_bytes = None  # on disk, where the packs go too, by commit count only
            # The generator picks its scratch folder in this one function; the cache folder is its fallback.
            git_history_gen._scratch_dir = lambda cache: cache  # type: ignore[assignment]
    return git_history_gen.generate_repository(commits, seed, cache_dir, extra_files=extra_files, py1_share=share,
                                               pack_every=PACK_EVERY, pack_bytes=pack_bytes, log=log)


MIN_BATCH_BYTES = 256 << 20


def batch_bytes(folder: str = "/dev/shm") -> int:
    """The most a batch of loose objects may hold in tmpfs: a third of SCRATCH_SHARE of the smaller of
    the folder's free space and the memory available (tmpfs pages are memory)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return 0
    return int(min(st.f_bavail * st.f_frsize, psutil.virtual_memory().available) * SCRATCH_SHARE / 3)


def first_commits(repo: Path, n: int) -> Path:
    """A bare clone of `repo` whose only branch is its default branch's N-th commit from the root, so
    that the CLI walks exactly the first N commits; objects are hard-linked, made once."""
    target = repo.with_name(f"{repo.name.removesuffix('.git')}-first{n}.git")
    if target.is_dir():
        return target
    listed = subprocess.run(["git", "-C", str(repo), "rev-list", "--reverse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.split()
    if n > len(listed):
        raise SystemExit(f"scale.py: error: --first {n:,} is more than the history's {len(listed):,} commits")
    branch = f"first{n}"
    subprocess.run(["git", "-C", str(repo), "update-ref", f"refs/heads/{branch}", listed[n - 1]], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", "--single-branch", "--branch", branch, str(repo), str(target)],
                   check=True)
    # The CLI mines every branch: the cached history keeps only its own.
    subprocess.run(["git", "-C", str(repo), "update-ref", "-d", f"refs/heads/{branch}"], check=True)
    return target


def cli_command(project: Path, repo: str, output: str, preset: str, sets: Sequence[str],
                cli_args: Sequence[str]) -> list[str]:
    name, _, report = preset.partition("+")
    cmd = [sys.executable, str(project / "run_pipeline.py"), "--git", repo, "--output", output]
    if name != "default":
        cmd += ["--preset", name]
    if report != "report":
        cmd.append("--no-report")
    for item in sets:
        cmd += ["--set", item]
    return cmd + list(cli_args)


def at_fraction(series: list[dict[str, Any]], wall: float, fraction: float) -> dict[str, Any] | None:
    """The sample nearest to `fraction` of the wall time."""
    if not series:
        return None
    return min(series, key=lambda s: abs(s["t"] - fraction * wall))


def timeline(series: list[dict[str, Any]], wall: float, steps: int = 10) -> list[dict[str, Any]]:
    """Rows at every 1/steps of the wall time: the sample there, with rates since the row before."""
    rows: list[dict[str, Any]] = []
    prev: dict[str, Any] = {"t": 0.0, "cpu": 0.0, "read": 0}
    for i in range(1, steps + 1):
        s = at_fraction(series, wall, i / steps)
        if s is None or (rows and s["t"] == rows[-1]["t"]):
            continue
        p = parse_progress(s.get("progress", "")) or {}
        dt = max(s["t"] - prev["t"], 1e-9)
        row = {"percent": 100 * i // steps, "t": s["t"], "rss": s["rss"], "anon": s["anon"], "cpu": s["cpu"],
               "cpu_per_wall": (s["cpu"] - prev["cpu"]) / dt, "read": p.get("read"), "kept": p.get("kept"),
               "rejected": p.get("rejected"), "stage": p.get("stage") or p.get("label") or "",
               "read_per_s": (p["read"] - prev["read"]) / dt if "read" in p else None}
        rows.append(row)
        prev = {"t": s["t"], "cpu": s["cpu"], "read": p.get("read", prev["read"])}
    return rows


def measure(preset: str, project: Path, repo: str, commits: int, sets: Sequence[str], cli_args: Sequence[str],
            interval: float, echo: float = 0.0, log: Callable[[str], None] = print) -> dict[str, Any]:
    work = tempfile.mkdtemp(prefix=f"repairpack-scale-{preset.replace('+', '-')}-")
    try:
        output = os.path.join(work, "out")
        cmd = cli_command(project, repo, output, preset, sets, cli_args)
        log(f"$ (cd {shlex.quote(str(project))} && {shlex.join(cmd)})")
        last = [0.0]

        def show(sample: dict[str, Any]) -> None:
            if echo and sample["t"] - last[0] >= echo:
                last[0] = sample["t"]
                p = parse_progress(sample.get("progress", ""))
                counts = f"read {p['read']:,}, kept {p['kept']:,}, rejected {p['rejected']:,}, {p['stage']}" if p else ""
                log(f"  {sample['t']:>7.0f} s  RSS {_mb(sample['rss'])} MB, anon {_mb(sample['anon'])} MB, "
                    f"CPU {sample['cpu']:.0f} s  {counts}")

        run = run_tree(cmd, cwd=project, poll_seconds=min(0.2, interval), series_every=interval, stderr_pty=True,
                       on_sample=show)
        if run.returncode != 0:
            raise RuntimeError(f"{preset}: the CLI failed with exit code {run.returncode}:\n"
                               f"{(run.stderr or run.stdout)[-4000:]}")
        samples, rejects = manifest_counts(output)
        with open(os.path.join(output, "manifest.json"), encoding="utf-8") as f:
            counts = json.load(f).get("counts", {})
        listed = counts.get("git.commit", {}).get("in")
        candidates = counts.get("git.commit", {}).get("kept")
        marks = {f"{int(100 * x)}%": at_fraction(run.series, run.wall, x) for x in (0.1, 0.5, 0.9)}
        seen = [p for p in (parse_progress(s.get("progress", "")) for s in run.series) if p]
        return {"preset": preset, "command": cmd, "commits": commits, "listed": listed, "candidates": candidates,
                "wall": run.wall, "cpu": run.cpu, "user": run.user, "system": run.system,
                "commits_per_s": commits / run.wall if run.wall else 0.0,
                "samples": samples, "rejects": rejects, "peak_rss": run.peak_rss, "peak_anon": run.peak_anon,
                "max_rss_one": run.max_rss_one,
                "anon_at": {k: (v["anon"] if v else None) for k, v in marks.items()},
                "rss_at": {k: (v["rss"] if v else None) for k, v in marks.items()},
                "progress_seen": bool(seen), "timeline": timeline(run.series, run.wall), "series": run.series,
                "summary": [line for line in run.stdout.splitlines() if line.strip()][-4:]}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _mb(n: int | None) -> str:
    return f"{n / 1e6:,.0f}" if n else "-"


def _n(x: int | None) -> str:
    return f"{x:,}" if x is not None else "-"


def format_result(r: dict[str, Any]) -> str:
    lines = [f"preset {r['preset']}: {r['commits']:,} commits ({_n(r['listed'])} listed, {_n(r['candidates'])} "
             f"candidates) in {r['wall']:.1f} s: {r['commits_per_s']:,.0f} commits/s; CPU {r['cpu']:.1f} s; "
             f"{r['samples']:,} samples, {r['rejects']:,} rejects",
             f"  peak RSS {_mb(r['peak_rss'])} MB (anonymous {_mb(r['peak_anon'])} MB); anonymous RSS at "
             + ", ".join(f"{k} of the run {_mb(v)} MB" for k, v in r["anon_at"].items())]
    head = (f"  {'%':>4} {'t s':>8} {'RSS MB':>7} {'anon MB':>8} {'CPU/wall':>8} {'read':>11} {'kept':>10} "
            f"{'rejected':>10} {'read/s':>8}  stage")
    lines += [head]
    for row in r["timeline"]:
        rate = row["read_per_s"]
        lines.append(f"  {row['percent']:>4} {row['t']:>8.1f} {_mb(row['rss']):>7} {_mb(row['anon']):>8} "
                     f"{row['cpu_per_wall']:>8.2f} {_n(row['read']):>11} {_n(row['kept']):>10} "
                     f"{_n(row['rejected']):>10} {f'{rate:,.0f}' if rate is not None else '-':>8}  {row['stage']}")
    if not r["progress_seen"]:
        lines.append("  (no progress line was drawn: read/kept/rejected over time are not available)")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scale.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, metavar="N",
                        help=f"commits in the generated history (default {DEFAULT_COMMITS:,})")
    parser.add_argument("--first", type=int, default=None, metavar="N",
                        help="run on the first N commits of the generated history only (a clone of it cut at "
                             "its N-th commit from the root, made once beside it): a shorter run without "
                             "generating another history")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--candidate-share", type=float, default=DEFAULT_CANDIDATE_SHARE, metavar="F",
                        help="share of single-file Python edits among the generated non-merge commits "
                             f"(default {DEFAULT_CANDIDATE_SHARE}; the generator's own mix, 0.72, with 0)")
    parser.add_argument("--extra-files", type=int, default=0, metavar="N",
                        help="files no commit touches, added to the generated tree (default 0)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help=f"where generated repositories are kept (default {default_cache_dir()})")
    parser.add_argument("--preset", action="append", metavar="NAME",
                        help="a preset to run (repeatable): default, strict, commitpackft, none; add +report "
                             "to keep the statistics report on (default: default and none)")
    parser.add_argument("--project", type=Path, default=ROOT, metavar="DIR",
                        help="the project root whose run_pipeline.py runs (default: this checkout)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="passed to every CLI run as --set KEY=VALUE (repeatable)")
    parser.add_argument("--cli-arg", action="append", default=[], metavar="ARG",
                        help="an extra flag for every CLI run (repeatable)")
    parser.add_argument("--interval", type=float, default=1.0, metavar="S", help="seconds between samples (default 1)")
    parser.add_argument("--echo", type=float, default=60.0, metavar="S",
                        help="print one sample every S seconds while a run goes (default 60, 0: quiet)")
    parser.add_argument("--generate-only", action="store_true", help="generate (or find) the history and stop")
    parser.add_argument("--json", metavar="FILE", help="also write every figure and the full series as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.commits < 2:
        print("scale.py: error: --commits must be at least 2", file=sys.stderr)
        return 2
    project = args.project.resolve()
    if not (project / "run_pipeline.py").is_file():
        print(f"scale.py: error: {project} has no run_pipeline.py", file=sys.stderr)
        return 2
    cache = args.cache_dir or default_cache_dir()
    share = args.candidate_share or None
    if share is not None and not 0 < share < 1:
        print("scale.py: error: --candidate-share must be between 0 and 1 (0: the generator's own mix)", file=sys.stderr)
        return 2
    cached = (cache / git_history_gen.repository_name(args.commits, args.seed, args.extra_files, share)).is_dir()
    started = time.perf_counter()
    repo = generate(args.commits, args.seed, cache, args.extra_files, share)
    generation = None if cached else time.perf_counter() - started
    print(f"history: {args.commits:,} commits, "
          + (f"generated in {generation:.1f} s" if generation is not None else "from the cache") + f": {repo}")
    if args.generate_only:
        return 0
    if args.first:
        repo = first_commits(Path(repo), args.first)
        print(f"run on its first {args.first:,} commits: {repo}")
    presets = args.preset or list(DEFAULT_PRESETS)
    state = _project_state(project)
    print(f"project {project} (commit {state['commit'] or '?'}{', uncommitted changes' if state['dirty'] else ''})")
    print(f"load average at start {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    results = []
    for preset in presets:
        results.append(measure(preset, project, str(repo), args.first or args.commits, args.overrides, args.cli_arg, args.interval,
                               args.echo))
        print(format_result(results[-1]))
        print()
    print(f"load average at end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"commits": args.commits, "seed": args.seed, "extra_files": args.extra_files,
                       "candidate_share": share,
                       "generation_s": generation, "project": str(project), "project_state": state, "cpus": os.cpu_count(),
                       "results": results}, f, indent=2)
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
