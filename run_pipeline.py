#!/usr/bin/env python3
"""repairpack command line: build a code-repair corpus on Apache Beam.

Our flags are parsed here (cli/arguments.py); Beam's flags (--runner, --direct_num_workers,
--project, --temp_location, ...) go to Beam's PipelineOptions, and a flag neither knows is an
error. With no inputs it builds the samples in samples/ into ./out. Every check a user's mistake can
fail runs before Beam is imported, so a mistake is reported in well under a second.
"""
from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from cli.arguments import (DEFAULT_OUTPUT, UsageError, build_parser, expand_at_files, overrides, parse,
                           report_parser, version_line, with_default_runner)
from cli.cloud_names import cloud_names_problem, is_dry_run
from cli.progress import ELSEWHERE, STARTING, ProgressLine, runs_in_process

HERE = Path(__file__).resolve().parent
SAMPLES_GIT = HERE / "samples" / "git"
SAMPLES_CODENET = HERE / "samples" / "judge" / "codenet"


def load_config(args: argparse.Namespace):
    from config import build_config

    text = None
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"the config file '{args.config}' does not exist")
        with open(args.config, encoding="utf-8") as f:
            text = f.read()
    found = overrides(args)
    if args.max_bytes_billed is not None:
        from beam_jobs.sources.dump.client import parse_bytes

        try:
            found["bigquery.max_bytes_billed"] = parse_bytes(args.max_bytes_billed)
        except ValueError as exc:
            raise UsageError(f"--max-bytes-billed: {exc}") from None
    return build_config(args.preset or "strict", text, found, source=args.config)


class _NoApitoolsWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("apitools not found")


def _quiet_cloud_logging() -> None:
    """Beam warns at import when the Google Cloud clients are missing (a plain install, no gcp
    extra); those runs never touch the cloud, so the warnings only alarm."""
    root = logging.getLogger()
    root.setLevel(logging.WARNING)
    # One of them is logged on the root logger itself, where a level cannot single it out.
    if not any(isinstance(f, _NoApitoolsWarning) for f in root.filters):
        root.addFilter(_NoApitoolsWarning())
    for name in ("apache_beam.io.gcp", "apache_beam.internal.gcp", "apache_beam.io.filesystems",
                 "apache_beam.runners.interactive", "apitools", "oauth2client", "google.auth"):
        logging.getLogger(name).setLevel(logging.ERROR)


def sample_inputs() -> tuple[list[str], str | None]:
    """The bundles and the CodeNet folder shipped in samples/: what a run with no inputs builds.

    A bundle is named `owner/name` from its folder and file (samples/git/alice/textstats.bundle is
    alice/textstats), as the users' forks and clones would be named by their remotes."""
    bundles = sorted(glob.glob(str(SAMPLES_GIT / "**" / "*.bundle"), recursive=True))
    git = [f"{b}={Path(b).parent.name}/{Path(b).stem}" for b in bundles]
    return git, (str(SAMPLES_CODENET) if SAMPLES_CODENET.is_dir() else None)


def _holds_sample_build(output: str) -> bool:
    """Whether `output` holds what an earlier run with no inputs built, and nothing the user made:
    its manifest names exactly the shipped samples as inputs."""
    try:
        with open(os.path.join(output, "manifest.json"), encoding="utf-8") as f:
            inputs = json.load(f).get("inputs") or {}
        # An older manifest listed the specs as given (PATH or PATH=owner/name).
        git_given = [g.get("location", "") if isinstance(g, dict) else str(g).split("=")[0]
                     for g in inputs.get("git") or []]
        judge = inputs.get("judge") or {}
        codenet_given = str(judge.get("codenet", "")) if isinstance(judge, dict) else ""
    except (OSError, ValueError, AttributeError):
        return False

    git, codenet = sample_inputs()
    shipped = sorted(os.path.realpath(g.rsplit("=", 1)[0]) for g in git)
    return (sorted(os.path.realpath(g) for g in git_given) == shipped
            and set(judge) <= {"codenet"} and os.path.realpath(codenet_given) == os.path.realpath(codenet or "")
            and not inputs.get("dump") and not inputs.get("shards") and not inputs.get("bigquery_table"))


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


def _import_beam(beam_args: list[str], paths: list[str], *, bigquery: bool = False) -> None:
    """Import Beam for this run: without the IOs and file systems it cannot use when it runs in this
    process on local files (beam_jobs/runtime.py), which saves most of a second."""
    from beam_jobs.runtime import import_beam, lean_import_fits

    import_beam(lean=lean_import_fits(beam_args, paths, bigquery=bigquery))


def _inputs(git: list[str], judge: Any, args: argparse.Namespace, dump: list[str],
            bigquery_table: str | None = None) -> Any:
    """The run's inputs (Beam is imported here, after every check)."""
    from beam_jobs.pipeline import Inputs

    return Inputs(git=git, judge=judge, shards=list(args.from_shards), dump=dump, bigquery_table=bigquery_table)


def _dry_run(inputs: Any, config: Any, output: str, beam_args: list[str], *, report: bool = False) -> str:
    """Build the whole graph and hand it to the runner with Beam's --dry_run: the Dataflow runner
    translates and checks it (every DoFn and its config pickled, every transform known) and submits
    nothing; nothing is read, fetched or written, so there are no counts and no manifest."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions

    from beam_jobs.pipeline import build

    from beam_jobs.runtime import pipeline_options

    options = pipeline_options(beam_args)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, inputs, config, f"{output.rstrip('/')}/.staging-dry-run", report=report)
    transforms = len(pipeline.to_runner_api().components.transforms)
    result = pipeline.run()
    state = getattr(result, "state", "DONE")
    runner = options.view_as(StandardOptions).runner or "the default runner"
    return (f"dry run: {transforms} transforms built and translated for {runner} ({state}); "
            f"nothing was submitted, read or written, so there are no counts and no output in {output}")


def main(argv: Sequence[str] | None = None) -> int:
    from config import ConfigError, config_to_yaml

    argv = list(sys.argv[1:] if argv is None else argv)
    _quiet_cloud_logging()
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    try:
        args, beam_args = parse(build_parser(), argv)
        if args.version:
            print(version_line())
            return 0
        problem = cloud_names_problem(argv)
        if problem:
            raise UsageError(problem)
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
        from beam_jobs.sources.judge.inputs import JudgeInputs, judge_inputs_problem
        from beam_jobs.output.folder import prepare_output

        git = expand_at_files(args.git)
        judge = JudgeInputs(codenet=args.codenet, aoj=args.aoj, aoj_code=args.aoj_code, atcoder=args.atcoder,
                            atcoder_code=args.atcoder_code, codeforces=args.codeforces,
                            codeforces_code=args.codeforces_code, judge_jsonl=args.judge_jsonl,
                            tests=args.judge_tests)
        output = args.output
        overwrite = args.overwrite
        dump = list(args.dump)
        if dump:
            from beam_jobs.sources.dump.inputs import dump_inputs_problem

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
            git, codenet = sample_inputs()
            if not git:
                raise UsageError("no input given (--git, --codenet, ...) and no samples found in samples/")
            if codenet:
                judge = JudgeInputs(codenet=codenet)
            if output is None:
                output = DEFAULT_OUTPUT
                # The sample run replaces its own earlier output, and nothing else: a corpus the user
                # built in ./out stays, unless they say --overwrite.
                if os.path.exists(output) and not overwrite:
                    if not _holds_sample_build(output):
                        raise UsageError(f"no input given, so this run would build the samples into ./{output}, "
                                         "which holds other data; pass --output DIR, or --overwrite to replace it")
                    overwrite = True
        for spec in git:
            problem = check_local_repository(spec)
            if problem:
                raise UsageError(problem)
        problem = judge_inputs_problem(judge)
        if problem:
            raise UsageError(problem)
        if judge.any() and config.judge.verify.mode != "off":
            # judge.verify runs submissions: refuse now, with the probe's sentence, if the sandbox
            # cannot start here and no weaker mode is named (each worker probes again in setup).
            from beam_jobs.verify.policy import SandboxRefused, choose_mode

            try:
                choose_mode(config.judge.verify)
            except SandboxRefused as exc:
                raise UsageError(str(exc)) from None
        if git:
            from licenses.detect import detector_problem

            problem = detector_problem(config.licenses.detector)
            if problem:
                raise UsageError(problem)
        output = output or DEFAULT_OUTPUT
        beam_paths = [output, *dump, *args.from_shards]
        if is_dry_run(beam_args):
            if args.bigquery:
                raise UsageError("a dry run cannot run the BigQuery query; give its export with --dump PATTERN")
            _import_beam(with_default_runner(beam_args), beam_paths)
            print(_dry_run(_inputs(git, judge, args, dump), config, output, with_default_runner(beam_args),
                           report=not args.no_report))
            return 0
        prepare_output(output, overwrite)
        # Last: it may bill a query, so every mistake that can be caught for free is caught first.
        bigquery_table = None
        if args.bigquery:
            more, bigquery_table = _bigquery(config, beam_args, estimate_only=False)
            dump += more
        # Every check is done: only now is Beam imported (over a second, on a quiet machine).
        _import_beam(with_default_runner(beam_args), beam_paths, bigquery=args.bigquery)
        from beam_jobs.pipeline import run_build

        inputs = _inputs(git, judge, args, dump, bigquery_table)
        beam_args = with_default_runner(beam_args)
        idle = STARTING if runs_in_process(beam_args) else ELSEWHERE
        # The report's combine graph runs in the build's own pipeline (one start-up, not two).
        report = not args.no_report and config.output.stop_after != "sources"
        with ProgressLine("building", enabled=not args.quiet, idle=idle):
            manifest, report_results = run_build(inputs, config, output, beam_args, overwrite=overwrite,
                                                 report=report)
    except (UsageError, ConfigError, FileExistsError) as exc:
        # A ConfigError holds every problem found, one sentence a line: each line gets the prefix.
        for line in str(exc).splitlines():
            print(f"repairpack: error: {line}", file=sys.stderr)
        return 2
    from beam_jobs.accounting import summary_table
    from beam_jobs.pipeline import binding_rules, corpus_line, input_warnings, split_warnings

    if not args.quiet:
        print(summary_table(manifest["counts"]) + "\n")
    print(corpus_line(manifest) + f"; manifest: {os.path.join(output, 'manifest.json')}")
    for line in binding_rules(manifest):
        print(line)
    for warning in [*input_warnings(inputs, manifest["counts"]), *split_warnings(manifest)]:
        print(f"repairpack: warning: {warning}", file=sys.stderr)
    from beam_jobs.report.outputs import REPORT_HTML, remove_outputs

    if report_results is None:
        # A report of the replaced corpus would describe other data; source records get theirs once
        # assembled into a corpus.
        remove_outputs(output)
    else:
        # After publishing: the pages are made from the published folder's manifest and shard
        # footers, and the results the build's pipeline combined, exactly as `report <dir>` makes them.
        from beam_jobs.report.job import ReportInputError, finish_report

        try:
            stats = finish_report(output, report_results)
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
    try:
        args, beam_args = parse(report_parser(), argv)
    except UsageError as exc:
        print(f"repairpack: error: {exc}", file=sys.stderr)
        return 2
    _import_beam(with_default_runner(beam_args), [args.corpus])
    from beam_jobs.report.job import REPORT_HTML, ReportInputError, run_report

    try:
        with ProgressLine("report", enabled=not args.quiet, idle="reading the corpus"):
            stats = run_report(args.corpus, with_default_runner(beam_args))
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


def exit_now(code: int) -> None:
    """End the process once main() has returned: run the atexit handlers, flush the logs and the
    standard streams, then leave without the interpreter's teardown, which frees every object the
    run made (Beam's graph, the tokenizer's vocabulary, imported modules) one by one: about 0.13
    CPU-seconds that the operating system does at once. Only for a normal return; an exception
    unwinds as usual."""
    import atexit

    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that stopped early, or a closed stream
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
