#!/usr/bin/env python3
"""The statistics report job against one plain pyarrow read of the same shards, and its memory.

The issue's target: the report job on 1,000,000 generated samples within 5 times the time it takes to
read the same shards once with pyarrow, and memory that does not grow with the corpus. This script

1. generates a corpus folder of `--samples` samples (default 1,000,000; cached under `--cache-dir` by
   generator version, size and seed): `data/train-*.parquet` written in chunks of 50,000 rows
   (zstd, row groups of 1,000, as a build writes them), `rejects/` with half as many rows, and a
   manifest whose counts match. Rows are drawn from a pool of 2,000 real samples (half commits, half
   judge pairs, diffs made by the pipeline's own diff) with fresh ids, repositories, problems and
   users, so repositories, problems and trajectories are as many as in a real corpus;
2. times (a) `pyarrow.parquet.read_table` of every data and rejects shard, all columns, once (the
   anchor), and (a') the same with only the columns the report reads;
3. runs the report job (`beam_jobs.report.job.compute_stats`, FnApiRunner) in a child process watched
   by bench/child.py, then the rendering (plots, report.md, report.html) in the same child, and prints
   the job's time over (a) and the peak RSS;
4. with `--compare N` (default a quarter of `--samples`) it does 1-3 again on N samples, so that the
   two peak RSS figures show whether memory grows with the corpus.

Nothing asserts on timings.

    python bench/report.py                          # 1,000,000 samples, and 250,000 for the memory check
    python bench/report.py --samples 200000 --compare 0
    python bench/report.py --beam-arg=--direct_num_workers=2 --beam-arg=--direct_running_mode=multi_processing
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cache import cached_folder, default_cache_dir  # noqa: E402
from bench.child import run_child as watch_child  # noqa: E402

GENERATOR_VERSION = 2
DEFAULT_SAMPLES = 1_000_000
CHUNK = 50_000
POOL = 2_000
TARGET_RATIO = 5.0
_WORDS = ("total count value answer best score item left right step limit index result data cost "
          "start end size width height row col grid mid low high diff acc ans cur prev").split()
VERBS = ("Fix", "Add", "Handle", "Use", "Remove", "Update", "Make", "Avoid", "Return", "Check")
VERDICTS = ("WA", "WA", "WA", "RE", "TLE", "MLE", "PE", "CE")


# ===================================================================================== generating

def _program(rng: random.Random) -> list[str]:
    n, xs = rng.choice(_WORDS), rng.choice(_WORDS) + "s"
    lines = [f"{n} = int(input())", f"{xs} = list(map(int, input().split()))"]
    for _ in range(rng.randint(2, 12)):
        v = rng.choice(_WORDS)
        kind = rng.randrange(5)
        if kind == 0:
            lines += [f"for i in range({n}):", f"    {v} = {xs}[i] * {rng.randint(1, 9)}"]
        elif kind == 1:
            lines += [f"if {n} % {rng.randint(2, 9)} == 0:", f"    {v} = {n} // 2", "else:", f"    {v} = {n} - 1"]
        elif kind == 2:
            lines += [f"{v} = sorted({xs})[{rng.randint(0, 3)}:]"]
        elif kind == 3:
            lines += [f"{v} = [x for x in {xs} if x > {rng.randint(0, 99)}]"]
        else:
            lines += [f"print({v}, {rng.choice(_WORDS)}.{rng.choice(_WORDS)}())"]
    lines.append(f"print(sum({xs}))")
    return lines


def _edit(rng: random.Random, lines: list[str]) -> list[str]:
    out = list(lines)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out))
        if rng.random() < 0.5 and any(c.isdigit() for c in out[i]):
            out[i] = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in out[i])
        else:
            indent = out[i][:len(out[i]) - len(out[i].lstrip())] + ("    " if out[i].endswith(":") else "")
            out.insert(i + 1, f"{indent}{rng.choice(_WORDS)} = {rng.randint(0, 100)}")
    return out


def sample_pool(seed: int) -> Any:
    """POOL real samples as an Arrow table (SAMPLE_SCHEMA), diffs from the pipeline's own diff."""
    import pyarrow as pa

    from schemas.arrow import to_row
    from beam_jobs.assembly.samples import with_diff
    from schemas.sample import SAMPLE_SCHEMA, RepairSample, sample_id

    rng = random.Random(seed)
    rows = []
    for k in range(POOL):
        old = _program(rng)
        if rng.random() < 0.03:
            old[0] = old[0].rstrip(")")  # a syntax error to fix
        new = _edit(rng, old if not old[0].endswith("input(") else [old[0] + ")", *old[1:]])
        old_text, new_text = "\n".join(old) + "\n", "\n".join(new) + "\n"
        judge = k % 2 == 1
        source = "judge" if judge else "commit"
        fields: dict[str, Any] = {}
        if judge:
            seq = [rng.choice(VERDICTS) for _ in range(rng.randint(1, 6))] + ["AC"]
            fields = dict(dataset="codenet", pairing="last-failure", verdict_before=seq[-2], verdict_after="AC",
                          step_before=len(seq) - 2, step_after=len(seq) - 1, verdict_sequence=seq)
            instruction = f"Fix this solution to Problem {k}: it gets {seq[-2]}."
        else:
            instruction = (f"{rng.choice(VERBS)} the {rng.choice(_WORDS)} of {rng.choice(_WORDS)} "
                           + " ".join(rng.choices(_WORDS, k=rng.randint(0, 8))))
            fields = dict(commit=f"{k:040x}", repos=["x/y"])
        sample = RepairSample(id=sample_id(source, str(k), old_text, new_text), source=source, instruction=instruction,
                              old_contents=old_text, new_contents=new_text, diff="", lines_added=0, lines_removed=0,
                              hunks=0, lang="Python", license="cdla-permissive-2.0" if judge else rng.choice(
                                  ("mit", "mit", "apache-2.0", "bsd-3-clause")), group="", split="train",
                              record_id=str(k), old_file="a.py", new_file="a.py", message_lang="en",
                              old_parses=not old[0].endswith("input("), **fields)
        rows.append(to_row(with_diff(sample)))
    return pa.Table.from_pylist(rows, schema=SAMPLE_SCHEMA)


def generate_corpus(samples: int, seed: int, cache_dir: Path, log=print) -> Path:  # type: ignore[no-untyped-def]
    """A corpus folder with exactly `samples` samples, cached by its parameters."""
    return cached_folder(cache_dir, f"report-g{GENERATOR_VERSION}-n{samples}-s{seed}",
                         lambda out: _write_corpus(out, samples, seed), what=f"{samples:,} samples", log=log)


def _write_corpus(out: Path, samples: int, seed: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.reject import REJECT_SCHEMA
    from schemas.sample import SAMPLE_SCHEMA

    pool = sample_pool(seed)
    rng = np.random.default_rng(seed)
    (out / "data").mkdir(parents=True)
    (out / "rejects").mkdir()
    chunks = max(1, -(-samples // CHUNK))
    repos = max(10, samples // 40)
    problems = max(10, samples // 200)
    users = max(10, samples // 5)
    by_source = {"commit": 0, "judge": 0}
    by_license: dict[str, int] = {}
    for c in range(chunks):
        n = min(CHUNK, samples - c * CHUNK)
        base = c * CHUNK
        table = pool.take(pa.array(rng.integers(0, POOL, n)))
        source = table.column("source").to_numpy(zero_copy_only=False)
        judge = source == "judge"
        # Zipf-like contributions: a few repositories and problems give many samples.
        repo = np.minimum(rng.zipf(1.3, n), repos) - 1
        problem = np.minimum(rng.zipf(1.3, n), problems) - 1
        group = np.where(judge, np.char.add("codenet/p", problem.astype(str)),
                         np.char.add("owner/repo", repo.astype(str)))
        ids = [f"{base + i:024x}" for i in range(n)]
        user = rng.integers(0, users, n).astype(str)
        columns = {name: table.column(name) for name in table.column_names}
        columns["id"] = pa.array(ids, pa.string())
        columns["group"] = pa.array(group.tolist(), pa.string())
        columns["problem_id"] = pa.array(np.where(judge, np.char.add("p", problem.astype(str)), None).tolist(),
                                         pa.string())
        columns["user_id"] = pa.array(np.where(judge, np.char.add("u", user), None).tolist(), pa.string())
        out_table = pa.table(columns, schema=SAMPLE_SCHEMA)
        pq.write_table(out_table, out / "data" / f"train-{c:05d}-of-{chunks:05d}.parquet", compression="zstd",
                       row_group_size=1000)
        for s, k in zip(*np.unique(source, return_counts=True)):
            by_source[str(s)] += int(k)
        for s, k in zip(*np.unique(table.column("license").to_numpy(zero_copy_only=False), return_counts=True)):
            by_license[str(s)] = by_license.get(str(s), 0) + int(k)
    rejects = samples // 2
    reasons = ("multi_file", "added_file", "not_python", "message_too_short", "subject_not_imperative")
    counts: dict[str, dict[str, int]] = {}
    written = 0
    part = 0
    while written < rejects:
        n = min(CHUNK * 4, rejects - written)
        reason = rng.integers(0, len(reasons), n)
        stages = ["git.commit" if r < 3 else "git.filters" for r in reason]
        rows = {"stage": stages, "reason": [reasons[r] for r in reason], "source": ["git"] * n,
                "key": [f"{written + i:040x}" for i in range(n)], "repo": ["owner/repo0"] * n, "detail": [""] * n}
        pq.write_table(pa.table(rows, schema=REJECT_SCHEMA), out / "rejects" / f"rejects-{part:05d}.parquet",
                       compression="zstd", row_group_size=10_000)
        for st, r in zip(stages, rows["reason"]):
            counts.setdefault(st, {}).setdefault(r, 0)
            counts[st][r] += 1
        written += n
        part += 1
    filters_in = samples + sum(counts.get("git.filters", {}).values())
    commit_in = filters_in + sum(counts.get("git.commit", {}).values())
    counts["git.commit"].update({"in": commit_in, "kept": filters_in})
    counts["git.filters"].update({"in": filters_in, "kept": samples})
    manifest = {"format": "repairpack-manifest/2", "counts": counts,
                "rows": {"default": {"train": samples}, "rejects": {"rejects": rejects}},
                "stats": {"sources": by_source, "licenses": by_license},
                "config": {"preset": "strict", "filters": {"pair_min_chars": 175, "pair_max_chars": 2688,
                                                           "max_change_share": 0.5}},
                "benchmarks": {}, "secrets_findings": {}}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))


# ======================================================================================== measuring

def plain_read(corpus: Path, columns: Sequence[str] | None = None) -> tuple[float, int]:
    """Seconds to read every data and rejects shard once with pyarrow, and the rows read."""
    import pyarrow.parquet as pq

    files = sorted((corpus / "data").glob("*.parquet")) + sorted((corpus / "rejects").glob("*.parquet"))
    started = time.perf_counter()
    rows = 0
    for f in files:
        cols = None
        if columns is not None:
            cols = list(columns) if f.parent.name == "data" else ["stage", "reason", "source", "detail"]
        rows += pq.read_table(f, columns=cols).num_rows
    return time.perf_counter() - started, rows


def beam_child(corpus: str, out_json: str, beam_args: list[str]) -> None:
    """Runs inside the child process: the report job, then the rendering."""
    import logging

    import psutil

    from beam_jobs.report.job import compute_stats, write_outputs

    logging.getLogger().setLevel(logging.WARNING)
    baseline = psutil.Process().memory_info().rss
    output = tempfile.mkdtemp(prefix="repairpack-bench-report-")
    try:
        # The job reads the corpus; the outputs go to a scratch copy of the manifest's folder.
        started = time.perf_counter()
        stats = compute_stats(corpus, ["--runner=FnApiRunner", *beam_args])
        job = time.perf_counter() - started
        started = time.perf_counter()
        shutil.copy(os.path.join(corpus, "manifest.json"), output)
        write_outputs(stats, output)
        render = time.perf_counter() - started
        sizes = {name: os.path.getsize(os.path.join(output, name)) for name in ("stats.json", "report.md", "report.html")}
    finally:
        shutil.rmtree(output, ignore_errors=True)
    payload = {"job_seconds": job, "render_seconds": render, "samples": stats.corpus.samples,
               "rejects": stats.corpus.rejects, "reconciled": stats.funnel.reconciled, "sizes": sizes,
               "edit_kinds_analysed": sum(stats.python.edit_kinds_analysed.values()),
               "trajectories": stats.judge.trajectories, "baseline_rss": baseline,
               "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
               "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(payload, f)


def measure(corpus: Path, beam_args: list[str]) -> dict[str, Any]:
    from beam_jobs.report.features import SAMPLE_COLUMNS

    plain_read(corpus)  # warm the page cache, so that neither side pays for the disk alone
    read_all, rows = plain_read(corpus)
    read_cols, _ = plain_read(corpus, SAMPLE_COLUMNS)
    cmd = [sys.executable, os.path.abspath(__file__), "--corpus", str(corpus), *[f"--beam-arg={a}" for a in beam_args]]
    run = watch_child(cmd)
    child = run.result
    peak = max(run.peak_tree, child["maxrss_self"] + child["maxrss_children"])
    return {"corpus": str(corpus), "rows_read": rows, "read_all_seconds": read_all, "read_columns_seconds": read_cols,
            **child, "child_wall": run.wall, "peak_rss": peak, "processes": run.processes,
            "ratio": child["job_seconds"] / read_all if read_all else 0.0}


def describe(m: dict[str, Any]) -> str:
    mb = 2 ** 20
    return "\n".join([
        f"corpus      {m['corpus']}",
        f"samples     {m['samples']:,} samples + {m['rejects']:,} rejects; reconciled: {m['reconciled']}; "
        f"edit kinds analysed on {m['edit_kinds_analysed']:,}; {m['trajectories']:,} judge trajectories",
        f"(a) read    {m['read_all_seconds']:.2f} s pyarrow read_table of every shard, all columns "
        f"({m['rows_read']:,} rows); {m['read_columns_seconds']:.2f} s with the report's columns only",
        f"(b) report  {m['job_seconds']:.2f} s report job (FnApiRunner); rendering {m['render_seconds']:.2f} s; "
        f"child wall {m['child_wall']:.1f} s incl. start-up",
        f"ratio b/a   {m['ratio']:.2f}x (target < {TARGET_RATIO:g}x: {'met' if m['ratio'] < TARGET_RATIO else 'NOT met'})",
        f"peak RSS    {m['peak_rss'] / mb:,.0f} MB ({m['processes']} process(es); after imports "
        f"{m['baseline_rss'] / mb:,.0f} MB)",
    ])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES)
    parser.add_argument("--compare", type=int, default=None,
                        help="also run on this many samples to compare peak RSS (default samples/4; 0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"where generated corpora are kept (default {default_cache_dir()})")
    parser.add_argument("--beam-arg", action="append", default=[], help="a pipeline option for the child")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--beam-child", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.beam_child:
        beam_child(args.corpus, args.beam_child, args.beam_arg)
        return 0
    cache = args.cache_dir or default_cache_dir()
    compare = args.samples // 4 if args.compare is None else args.compare
    figures = []
    for n in [args.samples] + ([compare] if compare else []):
        corpus = generate_corpus(n, args.seed, cache)
        m = measure(corpus, args.beam_arg)
        figures.append(m)
        print(describe(m) + "\n", flush=True)
    if len(figures) == 2:
        big, small = figures
        print(f"memory      peak RSS {big['peak_rss'] / 2**20:,.0f} MB at {big['samples']:,} samples vs "
              f"{small['peak_rss'] / 2**20:,.0f} MB at {small['samples']:,}: "
              f"x{big['peak_rss'] / small['peak_rss']:.2f} for x{big['samples'] / small['samples']:.1f} the samples")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
