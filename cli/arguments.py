"""The flags of `run_pipeline.py`, and the split between ours and Beam's.

Beam convention: our flags through argparse, everything else to PipelineOptions. But a flag neither
we nor Beam know used to reach Beam, which dropped it, and the run went on with defaults: a typo
(`--outptu corpus`) built a corpus somewhere else. Now an unknown flag stops the run with a
suggestion; flags after a bare `--` still go to Beam unchecked, for options Beam registers at run
time (a runner's plugins).
"""
from __future__ import annotations

import argparse
import difflib
import os
from importlib import metadata
from typing import Any, Sequence

import yaml

from cli.beam_flags import OPTIONAL, SWITCH, beam_flag, known_flags

DEFAULT_OUTPUT = "out"
DEFAULT_RUNNER = "FnApiRunner"


class UsageError(Exception):
    """A mistake the user can fix; printed as one sentence, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every usage error is printed one way."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def version_line() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    return f"repairpack {version('repairpack')} (apache-beam {version('apache-beam')})"


def build_parser() -> argparse.ArgumentParser:
    # No abbreviations: `--out` must not silently mean --output, and a prefix of ours must not
    # swallow a Beam flag.
    parser = _Parser(
        prog="run_pipeline.py", allow_abbrev=False,
        description="Build a code-repair corpus from git history and online-judge exports. Flags of Beam's "
                    "PipelineOptions (--runner, --project, ...) are accepted too; anything after a bare -- "
                    "goes to Beam unchecked.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--git", nargs="+", metavar="REPO", default=[],
                        help="repository paths, bundles or clone URLs, each optionally PATH=owner/name; "
                             "@FILE reads one per line")
    judge = parser.add_argument_group("online-judge exports")
    judge.add_argument("--codenet", metavar="DIR", help="a Project CodeNet layout (metadata/, data/)")
    judge.add_argument("--aoj", metavar="FILE", help="Aizu judge API records (JSON list)")
    judge.add_argument("--aoj-code", metavar="DIR", help="code folder for --aoj, keyed by judge id")
    judge.add_argument("--atcoder", metavar="FILE", help="AtCoder Problems submissions (JSON or CSV)")
    judge.add_argument("--atcoder-code", metavar="DIR", help="code folder for --atcoder, keyed by id")
    judge.add_argument("--codeforces", metavar="FILE", help="Codeforces API submission objects (JSON)")
    judge.add_argument("--codeforces-code", metavar="DIR", help="code folder for --codeforces, keyed by id")
    judge.add_argument("--judge-jsonl", metavar="FILE", help="generic JSONL of an in-house judge")
    judge.add_argument("--judge-tests", metavar="DIR",
                       help="the problems' tests for judge.verify: DIR/<problem_id>/<name>.in with <name>.out, "
                            "or CodeNet's input.txt with output.txt")
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
    parser.add_argument("--quiet", action="store_true",
                        help="no progress line and no per-stage summary; errors and warnings still print")
    return parser


def report_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="run_pipeline.py report", allow_abbrev=False,
        description="Write the statistics report of an existing corpus folder into it. Flags of Beam's "
                    "PipelineOptions are accepted too; anything after a bare -- goes to Beam unchecked.")
    parser.add_argument("corpus", metavar="CORPUS_DIR", help="the output folder of a build (with manifest.json)")
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def _our_flags(parser: argparse.ArgumentParser) -> list[str]:
    return [o for action in parser._actions for o in action.option_strings if o.startswith("--")]


def _suggestion(flag: str, parser: argparse.ArgumentParser) -> str:
    """The closest flag of ours or Beam's, spelling `_` and `-` alike (Beam uses one, we the other)."""
    candidates = _our_flags(parser) + known_flags()
    by_shape = {c.replace("_", "-").lower(): c for c in candidates}
    close = difflib.get_close_matches(flag.replace("_", "-").lower(), list(by_shape), n=1, cutoff=0.75)
    return f"; did you mean {by_shape[close[0]]}?" if close else ""


def beam_arguments(unknown: Sequence[str], parser: argparse.ArgumentParser) -> list[str]:
    """The arguments argparse did not take, checked against Beam's flags: returned when Beam knows
    every one, else a UsageError naming the first unknown flag and the closest known one."""
    out: list[str] = []
    items = list(unknown)
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--":
            return out + items[i + 1:]
        if not item.startswith("--"):
            raise UsageError(f"unexpected argument '{item}'")
        name, has_value, _ = item.partition("=")
        kind = beam_flag(name)
        if kind is None:
            raise UsageError(f"unknown flag {name}{_suggestion(name, parser)}")
        out.append(item)
        i += 1
        takes_next = not has_value and i < len(items) and (
            kind not in (SWITCH, OPTIONAL) or not items[i].startswith("-"))
        if takes_next and kind != SWITCH:
            out.append(items[i])
            i += 1
    return out


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our flags, and Beam's arguments (checked). Everything after a bare `--` is Beam's, unchecked:
    argparse would otherwise read it as positionals."""
    argv = list(argv)
    tail: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, tail = argv[:cut], argv[cut:]
    args, unknown = parser.parse_known_args(argv)
    return args, beam_arguments([*unknown, *tail], parser)


def with_default_runner(beam_args: list[str]) -> list[str]:
    if not any(a == "--runner" or a.startswith("--runner=") for a in beam_args):
        # The DirectRunner first tries to download the Prism runner, which fails offline.
        beam_args = [f"--runner={DEFAULT_RUNNER}", *beam_args]
    return beam_args


def expand_at_files(values: Sequence[str]) -> list[str]:
    """`@FILE` stands for the non-empty, non-comment lines of FILE."""
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


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config keys the flags set, as dotted keys over the preset and the YAML file (all but
    --max-bytes-billed, whose units the dump stage parses)."""
    found: dict[str, Any] = {}
    for item in args.overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set takes KEY=VALUE, not '{item}'")
        try:
            found[key.strip()] = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError as exc:
            raise UsageError(f"--set {key.strip()}: the value is not valid YAML ({str(exc).splitlines()[0]})") from None
    if args.format:
        found["assembly.output.formats"] = list(dict.fromkeys(args.format))
    if args.jsonl:
        found["assembly.output.jsonl"] = True
    if args.commitpackft_export:
        found["assembly.output.commitpackft_export"] = True
    if args.shards is not None:
        found["assembly.output.shards"] = args.shards
    if args.sample is not None:
        if not 0.0 < args.sample <= 1.0:
            raise UsageError("--sample takes a fraction between 0 and 1")
        found["bigquery.sample"] = args.sample
    if args.bq_project:
        found["bigquery.project"] = args.bq_project
    if args.fetch:
        found["fetch.mode"] = args.fetch
    if args.stop_after:
        found["output.stop_after"] = args.stop_after
    return found
