#!/usr/bin/env python3
"""repairpack command line: build a code-repair corpus on Apache Beam.

Known flags are parsed here; every other flag goes to Beam's PipelineOptions untouched, so --runner,
--direct_num_workers, --project, --temp_location and the rest behave as in any Beam pipeline.
With no arguments it mines the sample repositories in samples/ into ./out.
"""
from __future__ import annotations

import argparse
import glob
import logging
import os
import sys
from pathlib import Path
from typing import Any, Sequence

import yaml

HERE = Path(__file__).resolve().parent
SAMPLES_GIT = HERE / "samples" / "git"
SAMPLES_CODENET = HERE / "samples" / "judge" / "codenet"
DEFAULT_OUTPUT = "out"
DEFAULT_RUNNER = "FnApiRunner"


class UsageError(Exception):
    """A mistake the user can fix; printed as one sentence, exit code 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_pipeline.py",
        description="Build a code-repair corpus from git history. Unknown flags go to Beam's PipelineOptions.",
    )
    parser.add_argument("--git", nargs="+", metavar="REPO", default=[],
                        help="repository paths, bundles or clone URLs; @FILE reads one per line")
    judge = parser.add_argument_group("online-judge exports")
    judge.add_argument("--codenet", metavar="DIR", help="a Project CodeNet layout (metadata/, data/)")
    judge.add_argument("--aoj", metavar="FILE", help="Aizu judge API records (JSON list)")
    judge.add_argument("--aoj-code", metavar="DIR", help="code folder for --aoj, keyed by judge id")
    judge.add_argument("--atcoder", metavar="FILE", help="AtCoder Problems submissions (JSON or CSV)")
    judge.add_argument("--atcoder-code", metavar="DIR", help="code folder for --atcoder, keyed by id")
    judge.add_argument("--codeforces", metavar="FILE", help="Codeforces API submission objects (JSON)")
    judge.add_argument("--codeforces-code", metavar="DIR", help="code folder for --codeforces, keyed by id")
    judge.add_argument("--judge-jsonl", metavar="FILE", help="generic JSONL of an in-house judge")
    bq = parser.add_argument_group("the GitHub dump on BigQuery")
    bq.add_argument("--bigquery", action="store_true",
                    help="select candidate commits from bigquery-public-data.github_repos (dry run, cost check, "
                         "then export or read; see bigquery.* in --print-config)")
    bq.add_argument("--print-sql", action="store_true",
                    help="print the query for the effective config and exit, without touching the cloud")
    bq.add_argument("--bq-project", metavar="PROJECT", help="the Google Cloud project billed for the query")
    bq.add_argument("--max-bytes-billed", metavar="BYTES",
                    help="refuse to run a query that would scan more (e.g. 500GB, 2TiB); also set on the job")
    bq.add_argument("--sample", type=float, metavar="FRACTION", help="keep this fraction of commits (by sha)")
    bq.add_argument("--dump", nargs="+", default=[], metavar="PATTERN",
                    help="export files of the query (Parquet, Avro or JSON lines; local or gs://)")
    bq.add_argument("--fetch", choices=("clone", "raw"),
                    help="how --bigquery/--dump candidates get their contents (default: clone)")
    parser.add_argument("--from-shards", nargs="+", default=[], metavar="PATTERN",
                        help="Parquet shards of an earlier run (e.g. 'old/data/*.parquet'): run assembly alone on them")
    parser.add_argument("--stop-after", choices=("sources", "corpus"),
                        help="sources: write each source's filtered records (data/commits-*, data/judge-*) and stop "
                             "before assembly, to build corpora from them later with --from-shards "
                             "(default: corpus)")
    parser.add_argument("--output", metavar="DIR", help=f"output folder (default ./{DEFAULT_OUTPUT})")
    parser.add_argument("--config", metavar="FILE", help="YAML config file")
    parser.add_argument("--preset", metavar="NAME", help="config preset: strict (default), commitpackft, none")
    parser.add_argument("--shards", type=int, metavar="N", help="number of output shards (default: from data size)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override one config key, e.g. --set git.refs=head (repeatable)")
    parser.add_argument("--format", nargs="+", choices=("commitpackft", "chat", "alpaca"), metavar="FORMAT",
                        help="also render samples into training formats: commitpackft, chat, alpaca")
    parser.add_argument("--jsonl", action="store_true", help="also write JSON-lines copies under jsonl/")
    parser.add_argument("--commitpackft-export", action="store_true",
                        help="also write CommitPackFT's exact column layout under commitpackft_export/")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    parser.add_argument("--print-config", action="store_true", help="print the effective config as YAML and exit")
    parser.add_argument("--no-report", action="store_true",
                        help="skip the statistics report (stats.json, report.md, report.html) after the build")
    return parser


def _expand_at_files(values: Sequence[str]) -> list[str]:
    items: list[str] = []
    for value in values:
        if value.startswith("@"):
            path = value[1:]
            if not os.path.isfile(path):
                raise UsageError(f"the list file '{path}' does not exist")
            with open(path, encoding="utf-8") as f:
                items.extend(line.strip() for line in f if line.strip() and not line.lstrip().startswith("#"))
        else:
            items.append(value)
    return items


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in args.overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set takes KEY=VALUE, not '{item}'")
        overrides[key.strip()] = yaml.safe_load(raw) if raw else ""
    if args.format:
        overrides["assembly.output.formats"] = list(dict.fromkeys(args.format))
    if args.jsonl:
        overrides["assembly.output.jsonl"] = True
    if args.commitpackft_export:
        overrides["assembly.output.commitpackft_export"] = True
    if args.shards is not None:
        overrides["assembly.output.shards"] = args.shards
    if args.sample is not None:
        if not 0.0 < args.sample <= 1.0:
            raise UsageError("--sample takes a fraction between 0 and 1")
        overrides["bigquery.sample"] = args.sample
    if args.bq_project:
        overrides["bigquery.project"] = args.bq_project
    if args.max_bytes_billed is not None:
        from beam_jobs.sources.dump.client import parse_bytes

        try:
            overrides["bigquery.max_bytes_billed"] = parse_bytes(args.max_bytes_billed)
        except ValueError as exc:
            raise UsageError(f"--max-bytes-billed: {exc}") from None
    if args.fetch:
        overrides["fetch.mode"] = args.fetch
    if args.stop_after:
        overrides["output.stop_after"] = args.stop_after
    return overrides


def load_config(args: argparse.Namespace):
    from config import build_config

    text = None
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"the config file '{args.config}' does not exist")
        with open(args.config, encoding="utf-8") as f:
            text = f.read()
    return build_config(args.preset or "strict", text, _overrides(args))


def _beam_args(extra: list[str]) -> list[str]:
    if not any(a == "--runner" or a.startswith("--runner=") for a in extra):
        # The DirectRunner first tries to download the Prism runner, which fails offline.
        extra = [f"--runner={DEFAULT_RUNNER}", *extra]
    return extra


def _bigquery(config: Any, beam_args: list[str], *, estimate_only: bool) -> tuple[list[str], str | None]:
    """Estimate only (no --max-bytes-billed), or dry run, budget check, then export or query to a
    table. Returns (export file patterns, result table); BigQuery errors are one sentence."""
    from apache_beam.options.pipeline_options import GoogleCloudOptions, PipelineOptions

    from beam_jobs.sources.dump.client import BigQueryError, estimate, make_client, resolve_source

    cloud = PipelineOptions(beam_args).view_as(GoogleCloudOptions)
    try:
        client = make_client(config.bigquery.project or cloud.project)
        if estimate_only:
            found = estimate(config, client)
            print(f"BigQuery dry run: {found.describe()}.\nNothing was billed. To run it, add "
                  f"--max-bytes-billed {found.bytes_processed} (or more).")
            return [], None
        return resolve_source(config, client, temp_location=cloud.temp_location,
                              log=lambda line: print(line, file=sys.stderr))
    except BigQueryError as exc:
        raise UsageError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    from config import ConfigError, config_to_yaml

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    args, beam_args = _parser().parse_known_args(argv)
    try:
        config = load_config(args)
        if args.print_config:
            sys.stdout.write(config_to_yaml(config))
            return 0
        if args.print_sql:
            from beam_jobs.sources.dump.client import BigQueryError, QueryPlan

            try:
                sys.stdout.write(QueryPlan.from_config(config).literal_sql() + "\n")
            except BigQueryError as exc:
                raise UsageError(str(exc)) from None
            return 0
        if args.bigquery and config.bigquery.max_bytes_billed == 0:
            # Without a ceiling nothing may be billed: the dry run is all this run does.
            _bigquery(config, beam_args, estimate_only=True)
            return 0
        from beam_jobs.sources.repositories import check_local_repository
        from beam_jobs.sources.judge.source import JudgeInputs, judge_inputs_problem
        from beam_jobs.pipeline import Inputs, prepare_output, run

        git = _expand_at_files(args.git)
        judge = JudgeInputs(codenet=args.codenet, aoj=args.aoj, aoj_code=args.aoj_code, atcoder=args.atcoder,
                            atcoder_code=args.atcoder_code, codeforces=args.codeforces,
                            codeforces_code=args.codeforces_code, judge_jsonl=args.judge_jsonl)
        output = args.output
        overwrite = args.overwrite
        dump = list(args.dump)
        if dump:
            from beam_jobs.sources.dump.files import dump_inputs_problem

            problem = dump_inputs_problem(dump)
            if problem:
                raise UsageError(problem)
        for pattern in args.from_shards:
            if not glob.glob(pattern) and "://" not in pattern:
                raise UsageError(f"no Parquet file matches '{pattern}'")
        if config.output.stop_after == "sources":
            if args.from_shards:
                raise UsageError("--from-shards feeds assembly, so it cannot be combined with --stop-after sources")
            shaping = [flag for flag, given in (("--format", args.format), ("--jsonl", args.jsonl),
                                                ("--commitpackft-export", args.commitpackft_export)) if given]
            if shaping:
                raise UsageError(f"{', '.join(shaping)} shape(s) the corpus, which a run with --stop-after sources "
                                 "does not build")
        if not git and not judge.any() and not args.from_shards and not dump and not args.bigquery:
            git = sorted(glob.glob(str(SAMPLES_GIT / "**" / "*.bundle"), recursive=True))
            if not git:
                raise UsageError("no input given (--git, --codenet, ...) and no samples found in samples/")
            if SAMPLES_CODENET.is_dir():
                judge = JudgeInputs(codenet=str(SAMPLES_CODENET))
            if output is None:
                output = DEFAULT_OUTPUT
                # The sample run may replace its own earlier output, and nothing else.
                overwrite = overwrite or os.path.isfile(os.path.join(output, "manifest.json"))
        for spec in git:
            problem = check_local_repository(spec)
            if problem:
                raise UsageError(problem)
        problem = judge_inputs_problem(judge)
        if problem:
            raise UsageError(problem)
        if git:
            from licenses.detect import detector_problem

            problem = detector_problem(config.licenses.detector)
            if problem:
                raise UsageError(problem)
        output = output or DEFAULT_OUTPUT
        prepare_output(output, overwrite)
        # Last: it may bill a query, so every mistake that can be caught for free is caught first.
        bigquery_table = None
        if args.bigquery:
            more, bigquery_table = _bigquery(config, beam_args, estimate_only=False)
            dump += more
        logging.getLogger().setLevel(logging.WARNING)
        inputs = Inputs(git=git, judge=judge, shards=list(args.from_shards), dump=dump, bigquery_table=bigquery_table)
        manifest = run(inputs, config, output, _beam_args(beam_args), overwrite=overwrite)
    except (UsageError, ConfigError, FileExistsError) as exc:
        # A ConfigError holds every problem found, one sentence a line: each line gets the prefix.
        for line in str(exc).splitlines():
            print(f"repairpack: error: {line}", file=sys.stderr)
        return 2
    from beam_jobs.accounting import summary_table
    from beam_jobs.pipeline import binding_rules, corpus_line, input_warnings

    print(summary_table(manifest["counts"]))
    print("\n" + corpus_line(manifest) + f"; manifest: {os.path.join(output, 'manifest.json')}")
    for line in binding_rules(manifest):
        print(line)
    for warning in input_warnings(inputs, manifest["counts"]):
        print(f"repairpack: warning: {warning}", file=sys.stderr)
    from beam_jobs.report.job import REPORT_HTML, remove_outputs, run_report

    if args.no_report or config.output.stop_after == "sources":
        # A report of the replaced corpus would describe other data; source records get theirs once
        # assembled into a corpus.
        remove_outputs(output)
    else:
        # After publishing: the report reads the finished folder, exactly as `report <dir>` would.
        from beam_jobs.report.job import ReportInputError

        try:
            stats = run_report(output, _beam_args(beam_args))
        except ReportInputError as exc:
            print(f"repairpack: error: the corpus was built, but its report failed: {exc}", file=sys.stderr)
            return 1
        print(f"report: {os.path.join(output, REPORT_HTML)}")
        if not stats["funnel"]["reconciled"]:
            print("repairpack: error: the report does not reconcile with manifest.json (see report.md)",
                  file=sys.stderr)
            return 1
    return 0


def report_main(argv: Sequence[str]) -> int:
    """`run_pipeline.py report <corpus-dir> [beam options]`: the statistics report alone, on a
    finished corpus folder; writes stats.json, report.md, report.html and report_plots/ into it."""
    parser = argparse.ArgumentParser(
        prog="run_pipeline.py report",
        description="Write the statistics report of an existing corpus folder into it. "
                    "Unknown flags go to Beam's PipelineOptions.")
    parser.add_argument("corpus", metavar="CORPUS_DIR", help="the output folder of a build (with manifest.json)")
    args, beam_args = parser.parse_known_args(list(argv))
    from beam_jobs.report.job import REPORT_HTML, ReportInputError, run_report

    logging.getLogger().setLevel(logging.WARNING)
    try:
        stats = run_report(args.corpus, _beam_args(beam_args))
    except ReportInputError as exc:
        print(f"repairpack: error: {exc}", file=sys.stderr)
        return 2
    corpus = stats["corpus"]
    reconciled = stats["funnel"]["reconciled"]
    state = "reconciled with" if reconciled else "NOT reconciled with"
    print(f"{corpus['samples']:,} samples, {corpus['rejects']:,} rejects, {state} manifest.json; "
          f"report: {os.path.join(args.corpus, REPORT_HTML)}")
    # Exit 1: the report is written, but the folder is not what its manifest says (CI can catch it).
    return 0 if reconciled else 1


if __name__ == "__main__":
    sys.exit(main())
