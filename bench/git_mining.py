#!/usr/bin/env python3
"""How fast repairpack mines git history, against PyDriller and against plain `git log`.

The claim the project makes is that mining single-file Python commits with pygit2 is fast enough to run
over whole forges; this benchmark is where that claim is checked. In one run it measures, over the same
repository and the same refs (all branches):

  (a) core      the pure mining core (`beam_jobs.sources.git.history`) in this process, no Beam: every reachable
                commit goes through `history.mine_commit`, the function `_MineCommit` calls: classified and,
                for the survivors, both blobs read and decoded and a CommitRecord made. This is the number
                the core is optimised for.
  (b) beam      the whole pipeline (`beam_jobs.pipeline.run`) on the FnApiRunner with a default config,
                run in a child process so its peak RSS can be taken without the other measurements
                polluting it.
  (c) pydriller PyDriller making the same selection (non-merge commits with exactly one changed file, a
                .py file modified in place) and reading both versions; it is slow, so only the first
                `--pydriller-limit` commits are processed and its rate is computed over those.
  (d) git log   one `git log --no-merges --raw` subprocess parsed in Python plus one `git cat-file
                --batch` reading both blobs of the survivors: the practical floor for this work.
  (e) floor     (a) plus one zstd Parquet file of its records, in this process: the least any job
                writing these records must do. e/c is the most b/c could be.
  (f) filtered  (e) plus (b)'s filter stage (license check, filter chain with batched language
                detection, `annotate`): the floor of the mining job, `--set output.stop_after=sources`.

It prints commits per second for each, the ratios a/c, b/c, a/d, e/c and f/c, the peak RSS of (b) and the survivor
counts of (a), (c) and (d), which must agree (for (c) the core is re-run over exactly the commits
PyDriller saw). Targets are printed next to the figures; nothing here asserts on timings, because
timings depend on the machine and a benchmark that fails is a benchmark nobody runs.

Without a repository argument it generates one (bench/git_history_gen.py; `--commits`, default 20,000)
and caches it under `--cache-dir`, keyed by the generator version, commit count, seed and
`--extra-files`, so reruns start at once. Run `--commits 20000` and `--commits 40000` to see whether
(b)'s memory grows with history length, and `--extra-files 3000` to see how (a) scales with the size
of the tree (real projects have hundreds to thousands of files; the default repository has about 60).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Run as a script from anywhere: the project packages live next to bench/.
    sys.path.insert(0, str(ROOT))

import pygit2  # noqa: E402

from beam_jobs.sources.git import history as gh  # noqa: E402
from beam_jobs.sources.repositories import (RepoHandle, check_local_repository, is_bundle, is_clone_url,  # noqa: E402
                                            tune_for_mining)
from bench.cache import default_cache_dir  # noqa: E402
from bench.child import run_child as watch_child  # noqa: E402
from bench.git_baselines import Result, default_extensions, mine_git_log, mine_pydriller  # noqa: E402
from bench.git_history_gen import generate_repository  # noqa: E402
from schemas.commit import CommitRecord  # noqa: E402
from schemas.reject import Reject  # noqa: E402

MEASUREMENTS = ("core", "beam", "pydriller", "gitlog", "floor", "filtered")
DEFAULT_COMMITS = 20_000
DEFAULT_PYDRILLER_LIMIT = 2_000
TARGETS = {"a/c": 50.0, "b/c": 20.0, "a/d": 0.5, "rss_mb": 1024.0}
# Stages whose survivors the other measurements count; the pipeline's later stages filter further.
_MINING_STAGES = ("git.repository", "git.commit", "git.contents")


# ======================================================================================= measurements

def _passed(mined: CommitRecord | Reject) -> tuple[bool, bool]:
    """Whether `history.mine_commit`'s answer passed the commit stage (a candidate: a single-file, in-place
    `.py` change) and the contents stage (both versions decoded: a record)."""
    if isinstance(mined, Reject):
        return mined.stage == gh.STAGE_CONTENTS, False
    return True, True


def mine_core(path: str, shas: Iterable[str] | None = None, *, timings: dict[str, float] | None = None) -> Result:
    """(a): list every commit reachable from the branches and mine each with `history.mine_commit`: it
    classifies the commit and, for a candidate, reads and decodes both blobs and makes its CommitRecord.

    The same calls `_ListCommits` and `_MineCommit` make, with the Beam plumbing taken away, including
    looking each commit up again by its hex sha as the worker does after the shuffle. `shas` restricts
    the run to given commits (used to compare with PyDriller's prefix).
    """
    tune_for_mining()
    extensions = default_extensions()
    reasons: Counter[str] = Counter()
    candidates = decoded = 0
    clock = time.perf_counter
    started = clock()
    with RepoHandle(path) as handle:
        repo, repos = handle.repo, [handle.name]
        if shas is None:
            shas = list(gh.iter_commit_shas(repo, gh.select_refs(repo, "branches")))
        else:
            shas = list(shas)
        listed = clock()
        for sha in shas:
            mined = gh.mine_commit(repo, sha, repos, "mit", extensions)
            candidate, record = _passed(mined)
            candidates += candidate
            decoded += record
            if isinstance(mined, Reject):
                reasons[mined.reason] += 1
    elapsed = clock() - started
    if timings is not None:
        timings.update(list=listed - started, mine=elapsed - (listed - started))
    return Result("core", commits=len(shas), seconds=elapsed, candidates=candidates, decoded=decoded,
                  extra={"reasons": dict(reasons.most_common())})


def mine_floor(path: str, config: Any = None) -> Result:
    """(e): the least any job that writes these records must do, in one process without Beam: (a)'s
    work, a CommitRecord per survivor, and one zstd Parquet file of them, streamed in row groups as the
    pipeline's writer does. Not a pipeline (no shuffle, no determinism across workers); it tells how
    much of (b) is the work itself and how much is the rest.

    (f), with `config`: the same, plus that config's filter stage as the pipeline runs it (the license
    check and the filter chain, language detection batched, then `annotate`), on the kept records only:
    the floor of the mining job (`--set output.stop_after=sources`)."""
    from beam_jobs.parquet_sink import write_parquet
    from beam_jobs.sources.commits import commit_filters
    from filters.base import BatchedChain
    from filters.chain import annotate, compiled_rules
    from licenses.detect import get_detector, license_ref, repository_license
    from schemas.arrow import to_row
    from schemas.commit import COMMIT_SCHEMA

    tune_for_mining()
    extensions = default_extensions()
    counted = {"commits": 0, "candidates": 0, "decoded": 0, "kept": 0}

    def records(repo: pygit2.Repository, name: str) -> Iterable[CommitRecord]:
        refs = gh.select_refs(repo, "branches")
        # The repository's license, found once as `_ListCommits` finds it, so (f)'s license check is the
        # pipeline's on any repository; (e) has no filters and takes it as "mit".
        license_key = "mit" if config is None else repository_license(
            repo, [path, name], license_ref(repo, refs), get_detector(config.licenses.detector), {})
        for sha in gh.iter_commit_shas(repo, refs):
            counted["commits"] += 1
            mined = gh.mine_commit(repo, sha, [name], license_key, extensions)
            candidate, record = _passed(mined)
            counted["candidates"] += candidate
            counted["decoded"] += record
            if record:
                yield mined

    def filtered(mined: Iterable[CommitRecord]) -> Iterable[CommitRecord]:
        chain = BatchedChain(commit_filters(config))
        rules = compiled_rules(config.filters)
        for record in mined:
            for kept, _, reason in chain.add(record):
                if reason is None:
                    counted["kept"] += 1
                    yield annotate(kept, rules)
        for kept, _, reason in chain.flush():
            if reason is None:
                counted["kept"] += 1
                yield annotate(kept, rules)

    def rows(repo: pygit2.Repository, name: str) -> Iterable[dict[str, Any]]:
        mined = records(repo, name)
        for record in (mined if config is None else filtered(mined)):
            yield to_row(record)

    with tempfile.TemporaryDirectory(prefix="repairpack-bench-floor-") as tmp:
        started = time.perf_counter()
        with RepoHandle(path) as handle:
            entry = write_parquet(os.path.join(tmp, "records.parquet"), COMMIT_SCHEMA, rows(handle.repo, handle.name),
                                  compression="zstd", row_group_rows=1000)
        elapsed = time.perf_counter() - started
    kept = f", {counted['kept']:,} kept by the filters of preset {config.preset}" if config is not None else ""
    return Result("floor" if config is None else "filtered", commits=counted["commits"], seconds=elapsed,
                  candidates=counted["candidates"], decoded=counted["decoded"],
                  notes=[f"wrote {entry['rows']:,} records{kept}, {entry['bytes'] / 2**20:.1f} MB of zstd Parquet"])


# ------------------------------------------------------------------------------------------------ beam

def _config_overrides(items: Sequence[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` pairs, parsed as run_pipeline.py does (values are YAML scalars)."""
    import yaml

    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"git_mining.py: error: --set takes KEY=VALUE, not '{item}'")
        overrides[key.strip()] = yaml.safe_load(raw) if raw else ""
    return overrides


def beam_child(path: str, out_json: str, beam_args: list[str], overrides: Sequence[str] = (),
               preset: str = "strict") -> None:
    """Runs inside the child process: the pipeline once, then its own figures into `out_json`."""
    import logging

    import psutil

    from beam_jobs.pipeline import Inputs, run
    from config import build_config

    logging.getLogger().setLevel(logging.WARNING)
    # The commit count comes from the run's own counters (every listed commit enters git.commit):
    # listing the history here first would leave libgit2's walk in this process's RSS, which is (b)'s.
    baseline = psutil.Process().memory_info().rss
    output = tempfile.mkdtemp(prefix="repairpack-bench-out-")
    try:
        started = time.perf_counter()
        config = build_config(preset, None, _config_overrides(overrides))
        manifest = run(Inputs(git=[path]), config, output, ["--runner=FnApiRunner", *beam_args], overwrite=True)
        elapsed = time.perf_counter() - started
    finally:
        shutil.rmtree(output, ignore_errors=True)
    payload = {
        "commits": manifest["counts"].get("git.commit", {}).get("in", 0), "seconds": elapsed,
        "counts": manifest["counts"],
        # The corpus samples, or the records of a run stopped after the sources (--set output.stop_after=sources).
        "records": sum(n for config, rows in manifest["rows"].items() if config != "rejects" for n in rows.values()),
        "rejects": manifest["rows"].get("rejects", {}).get("rejects", 0),
        "baseline_rss": baseline,
        # Linux reports ru_maxrss in KiB.
        "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(payload, f)


def mine_beam(path: str, beam_args: list[str], overrides: Sequence[str] = (), preset: str = "strict",
              poll_seconds: float = 0.05) -> Result:
    """(b): the pipeline in a child process; peak RSS is the larger of the child's own ru_maxrss and the
    polled sum over the child and all its descendants (FnApiRunner may start SDK worker processes)."""
    cmd = [sys.executable, os.path.abspath(__file__), path, *[f"--beam-arg={a}" for a in beam_args],
           *[f"--set={o}" for o in overrides], f"--preset={preset}"]
    run = watch_child(cmd, poll_seconds=poll_seconds)
    child, wall, peak_tree, max_procs = run.result, run.wall, run.peak_tree, run.processes
    peak = max(peak_tree, child["maxrss_self"] + child["maxrss_children"])
    counts: dict[str, dict[str, int]] = child["counts"]
    # The mining stages' survivors are what (a), (c) and (d) count; later stages filter further.
    later = {f"{stage} {reason}": n for stage, c in counts.items() if stage not in _MINING_STAGES
             for reason, n in c.items() if reason not in ("in", "kept")}
    top = ", ".join(f"{k} {v:,}" for k, v in sorted(later.items(), key=lambda kv: -kv[1])[:6]) or "none"
    return Result("beam", commits=child["commits"], seconds=child["seconds"],
                  candidates=counts.get("git.commit", {}).get("kept"),
                  decoded=counts.get("git.contents", {}).get("kept"),
                  notes=[f"config: preset {preset}" + (f", --set {' '.join(overrides)}" if overrides else " (the default)")
                         + (f"; Beam args {' '.join(beam_args)}" if beam_args else ""),
                         f"child wall time {wall:.1f} s incl. interpreter start and imports; rate over run() only",
                         f"wrote {child['records']:,} records; rejected after mining: {top}"],
                  extra={"peak_rss": peak, "peak_rss_polled_tree": peak_tree, "peak_anon": run.peak_anon,
                         "maxrss_self": child["maxrss_self"],
                         "maxrss_children": child["maxrss_children"], "baseline_rss": child["baseline_rss"],
                         "processes": max_procs, "rejects": child["rejects"]})


# ------------------------------------------------------------------------------------------- profiling

def profile_core(path: str, top: int = 25) -> str:
    """cProfile of (a), sorted by internal time: where the core's time goes, per Python-level call."""
    profiler = cProfile.Profile()
    profiler.enable()
    mine_core(path)
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# ============================================================================================ report

def _fmt_int(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def _mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def report(path: str, results: dict[str, Result], pyd_core: Result | None, timings: dict[str, float]) -> str:
    """The table, the ratios against their targets, and the agreement of the survivor counts."""
    labels = {"core": "(a) core, pygit2, 1 process", "beam": "(b) Beam pipeline, FnApiRunner",
              "pydriller": "(c) PyDriller", "gitlog": "(d) git log --raw + cat-file",
              "floor": "(e) (a) + records + Parquet", "filtered": "(f) (e) + filter stage"}
    rows = [("measurement", "commits", "seconds", "commits/s", "survivors", "decoded")]
    for key in MEASUREMENTS:
        r = results.get(key)
        if r is None:
            continue
        rows.append((labels[key], _fmt_int(r.commits), f"{r.seconds:.2f}", f"{r.rate:,.0f}",
                     _fmt_int(r.candidates), _fmt_int(r.decoded)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"repository: {path}", ""]
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(row)))
        if i == 0:
            lines.append("-" * len(lines[-1]))
    lines.append("")

    def ratio(a: str, b: str, target: float, label: str) -> None:
        if a in results and b in results and results[b].rate > 0:
            value = results[a].rate / results[b].rate
            verdict = "meets" if value >= target else "MISSES"
            lines.append(f"  {label:<5} {value:8.2f}x   target >= {target:g}x   {verdict}")

    lines.append("rate ratios and memory:")
    ratio("core", "pydriller", TARGETS["a/c"], "a/c")
    ratio("beam", "pydriller", TARGETS["b/c"], "b/c")
    ratio("core", "gitlog", TARGETS["a/d"], "a/d")
    if "floor" in results and "pydriller" in results and results["pydriller"].rate > 0:
        lines.append(f"  e/c   {results['floor'].rate / results['pydriller'].rate:8.2f}x   the most b/c could be "
                     f"if Beam and the filters cost nothing")
    if "filtered" in results and "pydriller" in results and results["pydriller"].rate > 0:
        lines.append(f"  f/c   {results['filtered'].rate / results['pydriller'].rate:8.2f}x   the most the mining job's "
                     f"b/c could be in one process if Beam cost nothing")
    if "beam" in results:
        x = results["beam"].extra
        verdict = "meets" if x["peak_rss"] < TARGETS["rss_mb"] * 2**20 else "MISSES"
        growth = x["peak_rss"] - x["baseline_rss"]
        per_k = growth / max(1, results["beam"].commits) * 1000
        lines.append(f"  peak RSS of (b): {_mb(x['peak_rss'])}   target < {TARGETS['rss_mb']:g} MB   {verdict}")
        lines.append(f"    child after imports {_mb(x['baseline_rss'])}; growth {_mb(growth)} = {per_k / 2**20:.1f} MB "
                     f"per 1,000 commits (flat means this shrinks as --commits grows); "
                     f"{x['processes']} process(es) seen")
        lines.append(f"    peak anonymous RSS {_mb(x['peak_anon'])} (polled; the rest is file-backed: libraries and "
                     f"libgit2's mapped pack index, which grows with the repository's object count)")
    lines.append("")
    lines.append("survivor counts (single-file .py modifications / with both versions decoded):")
    full = [(k, results[k]) for k in ("core", "gitlog", "beam", "floor", "filtered") if k in results]
    for k, r in full:
        lines.append(f"  {labels[k][:3]} {_fmt_int(r.candidates):>9} / {_fmt_int(r.decoded):<9} over {r.commits:,} commits")
    counts = {(r.candidates, r.decoded) for k, r in full}
    if len(full) > 1:
        lines.append(f"  full-history counts {'agree' if len(counts) == 1 else 'DISAGREE'}")
    if "pydriller" in results:
        p = results["pydriller"]
        lines.append(f"  (c) {_fmt_int(p.candidates):>9}  over its {p.commits:,} commits; "
                     f"(a) on the same commits: {_fmt_int(pyd_core.candidates if pyd_core else None)}"
                     f" ({'agree' if pyd_core and pyd_core.candidates == p.candidates else 'DISAGREE'})")
    lines.append("")
    if "core" in results:
        reasons = results["core"].extra["reasons"]
        lines.append("(a) rejects: " + ", ".join(f"{k} {v:,}" for k, v in reasons.items()))
        if timings:
            lines.append("(a) time split: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    if "gitlog" in results:
        x = results["gitlog"].extra
        lines.append(f"(d) time split: git log + parse {x['log_seconds']:.2f} s, cat-file {x['cat_file_seconds']:.2f} s")
    for key in MEASUREMENTS:
        if key in results:
            for note in results[key].notes:
                lines.append(f"{labels[key][:3]} {note}")
    return "\n".join(lines)


# ============================================================================================== main

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="git_mining.py",
        description="Benchmark repairpack's git mining against PyDriller and git log. "
                    "Without REPO, a synthetic repository is generated (and cached).")
    parser.add_argument("repo", nargs="?", help="a local git repository (default: generate one)")
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, metavar="N",
                        help=f"commits in the generated repository (default {DEFAULT_COMMITS:,})")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--extra-files", type=int, default=0, metavar="N",
                        help="add N files no commit touches to the generated repository, to see how "
                             "mining scales with tree size (default 0: about 60 files)")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help=f"where generated repositories are kept (default {default_cache_dir()})")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the generated repository")
    parser.add_argument("--only", action="append", choices=MEASUREMENTS, metavar="NAME",
                        help=f"run only this measurement (repeatable): {', '.join(MEASUREMENTS)}")
    parser.add_argument("--pydriller-limit", type=int, default=DEFAULT_PYDRILLER_LIMIT, metavar="N",
                        help=f"commits PyDriller processes, 0 for all (default {DEFAULT_PYDRILLER_LIMIT:,})")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run (a) and (d) N times and keep the fastest (default 1)")
    parser.add_argument("--beam-arg", action="append", default=[], metavar="ARG",
                        help="extra Beam pipeline option for (b), e.g. --beam-arg=--direct_num_workers=2")
    parser.add_argument("--preset", default="strict", metavar="NAME",
                        help="config preset for (b), as in run_pipeline.py (default strict, the default config)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="config override for (b), as in run_pipeline.py (default: none)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of (a)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--beam-child", metavar="JSON", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.beam_child:
        beam_child(args.repo, args.beam_child, args.beam_arg, args.overrides, args.preset)
        return 0
    if args.repo:
        problem = check_local_repository(args.repo)
        if problem is None and (is_bundle(args.repo) or is_clone_url(args.repo)):
            problem = "git log and PyDriller need a repository on disk; clone the bundle or URL first"
        if problem:
            print(f"git_mining.py: error: {problem}", file=sys.stderr)
            return 2
        path = os.path.abspath(args.repo)
    else:
        if args.commits < 2:
            print("git_mining.py: error: --commits must be at least 2", file=sys.stderr)
            return 2
        cache = args.cache_dir or default_cache_dir()
        path = str(generate_repository(args.commits, args.seed, cache, extra_files=args.extra_files,
                                       regenerate=args.regenerate))
    with RepoHandle(path) as handle:
        if not gh.select_refs(handle.repo, "branches"):
            print(f"git_mining.py: error: {path} has no branches to mine", file=sys.stderr)
            return 2
    selected = args.only or list(MEASUREMENTS)
    results: dict[str, Result] = {}
    timings: dict[str, float] = {}
    pyd_core: Result | None = None

    def best(fn: Callable[[], Result]) -> Result:
        runs = [fn() for _ in range(max(1, args.repeat))]
        return min(runs, key=lambda r: r.seconds)

    # Cheapest first, so a broken setup shows up before the slow parts; (d) before (a) warms the page
    # cache for both (the generated repository is normally still cached from being written).
    if "gitlog" in selected:
        results["gitlog"] = best(lambda: mine_git_log(path))
    if "core" in selected:
        def core() -> Result:
            split: dict[str, float] = {}
            r = mine_core(path, timings=split)
            r.extra["split"] = split
            return r

        results["core"] = best(core)
        timings = results["core"].extra.pop("split")
    if "pydriller" in selected:
        results["pydriller"], seen = mine_pydriller(path, args.pydriller_limit)
        pyd_core = mine_core(path, seen)
    if "floor" in selected:
        results["floor"] = best(lambda: mine_floor(path))
    if "filtered" in selected:
        from config import build_config

        config = build_config(args.preset, None, _config_overrides(args.overrides))
        results["filtered"] = best(lambda: mine_floor(path, config))
    if "beam" in selected:
        results["beam"] = mine_beam(path, args.beam_arg, args.overrides, args.preset)
    print(report(path, results, pyd_core, timings))
    if args.profile:
        print("\ncProfile of (a), by internal time:\n" + profile_core(path))
    if args.json:
        payload = {k: {**asdict(r), "rate": r.rate} for k, r in results.items()}
        payload["_repository"] = path
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
