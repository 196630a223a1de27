#!/usr/bin/env python3
"""How fast the judge source turns a CodeNet-layout export into repair pairs, and with how much memory.

The issue's target is 5,000 submissions per second or more through the whole judge job on the
FnApiRunner on a 2-core machine, with memory bounded by the largest (user, problem) group rather
than by the export. This script generates a synthetic CodeNet export (`--submissions`, default
200,000; cached under `--cache-dir` by generator version, size and seed), runs `JudgeSource` in a
child process with the records written as Parquet shards (`SplitShards`, JUDGE_SCHEMA) and the
rejects written as the pipeline writes them (`SplitShards` with the default `assembly.output` shard
bounds, 100,000 rows or 256 MB a shard), and prints:

- submissions per second: metadata rows read (judge.read/in) over the time of `pipeline.run()` plus
  `wait_until_finish()`; interpreter start and imports are shown apart;
- peak RSS: the larger of the child's own ru_maxrss and psutil polling of the child and every process
  under it (FnApiRunner may start SDK workers in multi-processing mode);
- the per-stage counts, so a change that speeds things up by dropping work shows.

Nothing asserts on timings. Give `--submissions` several times to see whether memory grows with the
export: each size runs in its own child, and a table of rate and peak RSS per size follows, with the
growth per 100,000 submissions between the smallest and the largest:

    python bench/judge.py                                  # 200,000 submissions, default runner options
    python bench/judge.py --submissions 100000 --submissions 200000 --submissions 400000
    python bench/judge.py --beam-arg=--direct_num_workers=2 --beam-arg=--direct_running_mode=multi_processing
    python bench/judge.py --set pairing=each-step --json figures.json

The synthetic export: about 250 submissions per problem, a fifth of the problems easy (accepted
70-90 % of the time, dropped by the acceptance-rate filter), languages in a CodeNet-like mix with
more Python than CodeNet has (Python 3 30 %, PyPy3 10 %, Python 2 4 %, C++ 40 %, C 8 %, Java 8 %),
(user, problem) sequences of one to nine submissions (failures until Accepted, sometimes giving up,
sometimes one more after Accepted), beginner programs of 8 to 30 lines with comments and f-strings
edited a little at each step, identical resubmissions (8 %), syntax errors (4 % of failing Python
steps, as Compile Error), and a few broken rows, missing files and unjudged rows.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cache import cached_folder, default_cache_dir  # noqa: E402
from bench.child import run_child as watch_child  # noqa: E402

if TYPE_CHECKING:
    from config.judge import JudgeConfig

GENERATOR_VERSION = 1
DEFAULT_SUBMISSIONS = 200_000
PER_PROBLEM = 250
TARGET_RATE = 5_000.0
BASE_TIME = 1_500_000_000
HEADER = ("submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,cpu_time,"
          "memory,code_size,accuracy")
# (language folder, original_language, extension, share)
LANGUAGES = (
    ("Python", "Python (3.8.2)", "py", 0.30),
    ("Python", "PyPy3 (7.3.0)", "py", 0.10),
    ("Python", "Python (2.7.6)", "py", 0.04),
    ("C++", "C++ (GCC 9.2.1)", "cpp", 0.40),
    ("C", "C (GCC 9.2.1)", "c", 0.08),
    ("Java", "Java (OpenJDK 11.0.6)", "java", 0.08),
)
FAILURES = ("Wrong Answer", "Wrong Answer", "Wrong Answer", "Runtime Error", "Time Limit Exceeded",
            "Memory Limit Exceeded", "WA: Presentation Error")
_WORDS = ("total count value answer best score item left right step limit index result data cost "
          "start end size width height row col grid mid low high diff acc ans cur prev").split()


# ===================================================================================== generating

def _ident(rng: random.Random) -> str:
    return rng.choice(_WORDS) + (str(rng.randint(0, 9)) if rng.random() < 0.3 else "")


def _python_program(rng: random.Random) -> list[str]:
    """A beginner's program: read input, a loop or two, a condition, print; comments on some lines."""
    n, xs, acc = _ident(rng), _ident(rng) + "s", _ident(rng)
    lines = [f"# {' '.join(rng.choices(_WORDS, k=rng.randint(3, 7)))}",
             f"{n} = int(input())",
             f"{xs} = list(map(int, input().split()))  # read the values"]
    for _ in range(rng.randint(2, 7)):
        kind = rng.randrange(7)
        v = _ident(rng)
        if kind == 0:
            lines += [f"{acc} = 0", f"for i in range({n}):", f"    {acc} += {xs}[i] * {rng.randint(1, 9)}"]
        elif kind == 1:
            lines += [f"if {n} % {rng.randint(2, 9)} == 0:", f"    {v} = {n} // {rng.randint(2, 9)}",
                      "else:", f"    {v} = {n} - 1  # off by one?"]
        elif kind == 2:
            lines += [f"{v} = sorted({xs})", f"{v} = {v}[{rng.randint(0, 3)}:]"]
        elif kind == 3:
            lines += [f"# {' '.join(rng.choices(_WORDS, k=rng.randint(4, 9)))}"]
        elif kind == 4:
            lines += [f"{v} = [x for x in {xs} if x > {rng.randint(0, 99)}]", f'print("#" * len({v}))']
        elif kind == 5:
            lines += [f"while {n} > {rng.randint(1, 50)}:", f"    {n} //= 2"]
        else:
            lines += [f'{v} = f"case #{{{n}}}: {{len({xs})}}"  # not a comment: # inside a string']
    lines.append(f"print({rng.choice([n, f'len({xs})', f'sum({xs})', f'max({xs})'])})")
    return lines


def _edit(rng: random.Random, lines: list[str]) -> list[str]:
    """A small fix attempt that changes the code, not only its comments: a constant, an operator,
    a new statement; now and then a comment moves too."""
    lines = list(lines)
    code_lines = [i for i, line in enumerate(lines) if i and not line.lstrip().startswith("#")]
    i = rng.choice(code_lines)
    kind = rng.randrange(3)
    digits = re.search(r"\d+", lines[i].split("#", 1)[0])
    if kind == 0 and digits:
        lines[i] = lines[i][:digits.start()] + str(int(digits.group()) + rng.randint(1, 3)) + lines[i][digits.end():]
    elif kind == 1 and "//" in lines[i]:
        lines[i] = lines[i].replace("//", "/", 1)
    else:
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        if lines[i].rstrip().endswith(":"):
            indent += "    "
        lines.insert(i + 1, f"{indent}{_ident(rng)} = {rng.randint(0, 100)}")
    if rng.random() < 0.3:
        lines.insert(rng.randrange(1, len(lines)), f"# {' '.join(rng.choices(_WORDS, k=3))}")
    return lines


def _syntax_error(lines: list[str]) -> list[str]:
    out = list(lines)
    for i, line in enumerate(out):
        if line.rstrip().endswith(":"):
            out[i] = line.rstrip()[:-1]
            return out
    out.append("print(")
    return out


def _other_program(rng: random.Random, ext: str) -> str:
    body = f"int {_ident(rng)} = {rng.randint(0, 999)};"
    if ext == "java":
        return f"public class Main {{ public static void main(String[] a) {{ {body} System.out.println(1); }} }}\n"
    header = "#include <iostream>\n" if ext == "cpp" else "#include <stdio.h>\n"
    return f"{header}int main() {{ {body} return 0; }}\n"


def generate_export(submissions: int, seed: int, cache_dir: Path, *, regenerate: bool = False,
                    log: Callable[[str], None] = print) -> Path:
    """A CodeNet-layout export with exactly `submissions` metadata rows, cached by its parameters."""
    return cached_folder(cache_dir, f"codenet-g{GENERATOR_VERSION}-n{submissions}-s{seed}",
                         lambda out: _write_export(out, submissions, seed), regenerate=regenerate,
                         what=f"{submissions:,} submissions", log=log)


def _write_export(out: Path, submissions: int, seed: int) -> None:
    rng = random.Random(seed)
    problems = max(4, submissions // PER_PROBLEM)
    users = [f"u{i:09d}" for i in range(max(50, submissions // 12))]
    (out / "metadata").mkdir(parents=True)
    weights = [share for *_, share in LANGUAGES]
    sid = 0
    with open(out / "metadata" / "problem_list.csv", "w", newline="") as plist:
        plist.write("id,name,dataset,time_limit,memory_limit,rating,tags,complexity\n")
        for p in range(problems):
            pid = f"p{p:05d}"
            plist.write(f"{pid},{' '.join(rng.choices(_WORDS, k=2)).title()},AtCoder,2000,1048576,,,\n")
            easy = rng.random() < 0.2
            p_ac = rng.uniform(0.7, 0.9) if easy else rng.uniform(0.2, 0.45)
            budget = submissions // problems + (1 if p < submissions % problems else 0)
            rows: list[str] = []
            start = BASE_TIME + p * 3 * 86400
            folders: set[str] = set()
            while len(rows) < budget:
                user = rng.choice(users)
                folder, original, ext, _ = rng.choices(LANGUAGES, weights)[0]
                python = ext == "py"
                program = _python_program(rng) if python else None
                t = start + rng.randint(0, 86400)
                accepted = False
                for step in range(rng.randint(1, 9)):
                    if len(rows) >= budget or (accepted and rng.random() < 0.8):
                        break
                    sid += 1
                    status = "Accepted" if rng.random() < p_ac else rng.choice(FAILURES)
                    if program is not None and step and rng.random() >= 0.08:
                        program = _edit(rng, program)  # 8 %: the same code again (a repeat)
                    lines = program
                    if program is not None and status != "Accepted" and rng.random() < 0.04:
                        status, lines = "Compile Error", _syntax_error(program)
                    if rng.random() < 0.005:
                        status = "Judge Not Available"
                    code = ("\n".join(lines) + "\n") if lines is not None else _other_program(rng, ext)
                    data = code.encode()
                    date = str(t) if rng.random() >= 0.0005 else "N/A"
                    cpu = rng.randint(10, 2000) if status != "Compile Error" else -1
                    rows.append(f"s{sid:09d},{pid},{user},{date},{folder},{original},{ext},{status},{cpu},"
                                f"{rng.randint(3000, 90000)},{len(data)},{'4/4' if status == 'Accepted' else '1/4'}")
                    if rng.random() >= 0.0005:  # a few files are missing
                        directory = out / "data" / pid / folder
                        if folder not in folders:
                            directory.mkdir(parents=True, exist_ok=True)
                            folders.add(folder)
                        with open(directory / f"s{sid:09d}.{ext}", "wb") as f:
                            f.write(data)
                    accepted = accepted or status == "Accepted"
                    t += rng.randint(30, 1800)
            rng.shuffle(rows)  # exports are not in time order
            with open(out / "metadata" / f"{pid}.csv", "w", newline="") as f:
                f.write(HEADER + "\n" + "\n".join(rows) + "\n")


# ======================================================================================== measuring

def _judge_config(overrides: Sequence[str]) -> JudgeConfig:
    import yaml

    from config.judge import JudgeConfig
    from config.judge import problems as judge_config_problems

    cfg = JudgeConfig()
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not hasattr(cfg, key.strip()):
            raise SystemExit(f"judge.py: error: --set takes KEY=VALUE with a judge config key, not '{item}'")
        setattr(cfg, key.strip(), yaml.safe_load(raw) if raw else "")
    problems = judge_config_problems(cfg)
    if problems:
        raise SystemExit(f"judge.py: error: {problems[0]}")
    return cfg


def beam_child(export: str, out_json: str, beam_args: list[str], overrides: Sequence[str],
               write_rejects: bool = True) -> None:
    """Runs inside the child process: the judge source once, records (and rejects) written as Parquet."""
    import logging

    import apache_beam as beam
    import psutil
    from apache_beam.options.pipeline_options import PipelineOptions

    from beam_jobs.accounting import stage_counts
    from beam_jobs.sources.judge.source import JudgeSource
    from beam_jobs.sources.judge.inputs import JudgeInputs
    from beam_jobs.output.shards import SplitShards
    from config.assembly import AssemblyOutputConfig
    from schemas.judge import JUDGE_SCHEMA
    from schemas.reject import REJECT_SCHEMA

    logging.getLogger().setLevel(logging.WARNING)
    cfg = _judge_config(overrides)
    baseline = psutil.Process().memory_info().rss
    output = tempfile.mkdtemp(prefix="repairpack-bench-judge-")
    try:
        started = time.perf_counter()
        pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner", *beam_args]))
        judged = pipeline | JudgeSource(JudgeInputs(codenet=export), cfg)
        written = judged["records"] | SplitShards(output, "data", "train", "default", JUDGE_SCHEMA,
                                                  max_rows=1 << 30, max_bytes=256 << 20, shards=4)
        if write_rejects:
            # As beam_jobs.pipeline writes them: the same sort key and the default shard bounds.
            bounds = AssemblyOutputConfig()
            _ = (judged["rejects"]
                 | SplitShards(output, "rejects", "rejects", "rejects", REJECT_SCHEMA,
                               key_fn=lambda r: f"{r.stage}\0{r.reason}\0{r.key}\0{r.repo}",
                               max_rows=bounds.max_shard_rows, max_bytes=bounds.max_shard_bytes, shards=None,
                               row_group_rows=10_000))
        else:
            for i, part in enumerate(judged["rejects"]):
                _ = part | f"CountRejects{i}" >> beam.combiners.Count.Globally()
        _ = written
        result = pipeline.run()
        result.wait_until_finish()
        elapsed = time.perf_counter() - started
        counts = stage_counts(result.metrics())
        import pyarrow.parquet as pq

        data = os.path.join(output, "data")
        records = sum(pq.ParquetFile(os.path.join(data, name)).metadata.num_rows
                      for name in os.listdir(data) if name.startswith("train-")) if os.path.isdir(data) else 0
    finally:
        shutil.rmtree(output, ignore_errors=True)
    payload = {
        "seconds": elapsed, "counts": counts, "records": records, "baseline_rss": baseline,
        "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(payload, f)


def run_child(export: Path, beam_args: list[str], overrides: Sequence[str], write_rejects: bool = True,
              poll_seconds: float = 0.05) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--export", str(export),
           *[f"--beam-arg={a}" for a in beam_args], *[f"--set={o}" for o in overrides],
           *([] if write_rejects else ["--no-write-rejects"])]
    run = watch_child(cmd, poll_seconds=poll_seconds)
    child, wall, peak_tree, max_procs = run.result, run.wall, run.peak_tree, run.processes
    child["wall"] = wall
    child["peak_rss_polled_tree"] = peak_tree
    child["peak_rss"] = max(peak_tree, child["maxrss_self"] + child["maxrss_children"])
    child["processes"] = max_procs
    return child


def report(export: Path, child: dict[str, Any], beam_args: list[str], overrides: Sequence[str],
           write_rejects: bool) -> str:
    from beam_jobs.accounting import summary_table

    counts = child["counts"]
    read = counts.get("judge.read", {}).get("in", 0)
    rate = read / child["seconds"] if child["seconds"] else 0.0
    lines = [
        f"export      {export}",
        f"cpus        {os.cpu_count()}   beam args: {' '.join(beam_args) or '(none)'}   "
        f"config: {' '.join(overrides) or '(defaults)'}",
        f"submissions {read:,} rows read",
        f"records     {child['records']:,} pairs written; rejects "
        f"{'written as Parquet' if write_rejects else 'counted, not written'}",
        f"time        {child['seconds']:.1f} s in run(); child wall {child['wall']:.1f} s incl. start-up and imports",
        f"rate        {rate:,.0f} submissions/s   "
        f"(target >= {TARGET_RATE:,.0f}: {'met' if rate >= TARGET_RATE else 'NOT met'})",
        f"peak RSS    {child['peak_rss'] / 2**20:,.0f} MB "
        f"(polled tree {child['peak_rss_polled_tree'] / 2**20:,.0f} MB, "
        f"{child['processes']} process(es); baseline after imports {child['baseline_rss'] / 2**20:,.0f} MB)",
        "",
        summary_table(counts),
    ]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, action="append", default=None, metavar="N",
                        help=f"export size (default {DEFAULT_SUBMISSIONS:,}); repeat it to compare sizes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help=f"where generated exports are kept (default {default_cache_dir()})")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached export")
    parser.add_argument("--export", help="an existing CodeNet-layout folder instead of a generated one")
    parser.add_argument("--beam-arg", action="append", default=[], help="a pipeline option for the child")
    parser.add_argument("--set", action="append", default=[], dest="overrides", metavar="KEY=VALUE",
                        help="override a judge config key, e.g. --set pairing=each-step")
    parser.add_argument("--no-write-rejects", dest="write_rejects", action="store_false",
                        help="count the rejects instead of writing them as Parquet (the pipeline writes them)")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--beam-child", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.beam_child:
        beam_child(args.export, args.beam_child, args.beam_arg, args.overrides, args.write_rejects)
        return 0
    sizes = args.submissions or [DEFAULT_SUBMISSIONS]
    runs: list[dict[str, Any]] = []
    for size in ([None] if args.export else sizes):
        export = Path(args.export) if args.export else generate_export(
            size, args.seed, args.cache_dir or default_cache_dir(), regenerate=args.regenerate)
        child = run_child(export, args.beam_arg, args.overrides, args.write_rejects)
        print(report(export, child, args.beam_arg, args.overrides, args.write_rejects), flush=True)
        print()
        runs.append({"export": str(export), "beam_args": args.beam_arg, "overrides": args.overrides, **child})
    if len(runs) > 1:
        print(scaling_table(runs))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(runs[0] if len(runs) == 1 else runs, f, indent=2)
    return 0


def scaling_table(runs: list[dict[str, Any]]) -> str:
    """Rate and peak RSS per export size, and the RSS growth per 100,000 submissions: flat memory
    means the growth is small beside the peak, and does not rise with the size."""
    lines = ["submissions   pairs    rate/s   peak RSS MB",
             "-------------------------------------------"]
    points = []
    for run in runs:
        read = run["counts"].get("judge.read", {}).get("in", 0)
        rate = read / run["seconds"] if run["seconds"] else 0.0
        points.append((read, run["peak_rss"]))
        lines.append(f"{read:>11,}  {run['records']:>6,}  {rate:>8,.0f}  {run['peak_rss'] / 2**20:>11,.0f}")
    (n0, r0), (n1, r1) = min(points), max(points)
    if n1 > n0:
        lines.append(f"peak RSS growth: {(r1 - r0) / 2**20 / ((n1 - n0) / 100_000):,.1f} MB per 100,000 submissions "
                     f"({n0:,} -> {n1:,})")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
