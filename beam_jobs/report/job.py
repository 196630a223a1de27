"""The statistics report job: read a finished corpus folder, combine, write stats.json, report.md,
report.html and the plots into it; or, inside the build that writes the corpus, the same combine over
the shards it has just written (`ReportOfShards`), the pages made once the folder is published.

The combine graph is graph.py's: every step a combine (sums, fixed-bin histograms, a mergeable sketch,
top k), so nothing is collected whole and the job runs unchanged on Dataflow. Features are computed on
whole Arrow batches (report_features), which keeps the job within a few times the cost of reading the
shards. The driver then builds ReportStats (report_summary) and renders the pages (report_render).
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import uuid
from typing import Any, Iterable

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from beam_jobs.report.combiners import ReportAccumulator
from beam_jobs.report.features import OPTIONAL_SAMPLE_COLUMNS, REJECT_COLUMNS, SAMPLE_COLUMNS
from beam_jobs.report.graph import report_graph
from beam_jobs.report.outputs import PLOTS_DIR, REPORT_HTML, REPORT_MD, STATS_JSON
from beam_jobs.report.summary import Threshold, build_stats, near_thresholds, split_balance_of
from beam_jobs.runtime import pipeline_options
from schemas.reject import REJECT_SCHEMA
from schemas.report_stats import FileRow, ReportStats, to_json
from schemas.sample import SAMPLE_SCHEMA

MANIFEST = "manifest.json"
DEFAULT_SEED = "repairpack-report-v1"
# Samples analysed for edit kinds: all of a corpus up to this size, a seeded-hash sample above it.
EDIT_KIND_BUDGET = 5_000


class ReportInputError(Exception):
    """The corpus folder cannot be reported on (missing, no or a malformed manifest, a shard that is
    not Parquet or lacks the report's columns); one sentence for the user, naming the file."""


# ------------------------------------------------------------------------------------------ inputs

def _match(pattern: str) -> list[tuple[str, int]]:
    try:
        results = FileSystems.match([pattern])
    except Exception:  # a pattern that matches nothing raises on some file systems
        return []
    return sorted((m.path, m.size_in_bytes) for r in results for m in r.metadata_list)


def read_manifest(corpus_dir: str) -> dict[str, Any]:
    local = "://" not in corpus_dir
    if local and not os.path.isdir(corpus_dir):
        raise ReportInputError(f"the corpus folder '{corpus_dir}' does not exist")
    path = f"{corpus_dir.rstrip('/')}/{MANIFEST}"
    if not FileSystems.exists(path):
        raise ReportInputError(f"'{corpus_dir}' has no {MANIFEST}, so it is not the output folder of a finished build")
    with FileSystems.open(path) as f:
        try:
            manifest = json.loads(f.read().decode("utf-8"))
        except ValueError as exc:
            raise ReportInputError(f"the manifest '{path}' is not valid JSON ({exc.__class__.__name__})") from exc
    problem = manifest_problem(manifest)
    if problem:
        raise ReportInputError(f"the manifest '{path}' {problem}")
    if manifest.get("contents") == "sources":
        raise ReportInputError(f"'{corpus_dir}' holds source records, not a corpus: build one with "
                               f"--from-shards '{corpus_dir.rstrip('/')}/data/*.parquet', then report on it")
    return manifest


_JSON_TYPES = {dict: "object", list: "list", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _counts_problem(value: Any, depth: int) -> str:
    """What is wrong with a {name: int} (depth 1) or {name: {name: int}} (depth 2) value, or ""."""
    if not isinstance(value, dict):
        return "it is not an object"
    for name, inner in value.items():
        if depth == 2:
            if not isinstance(inner, dict):
                return f"'{name}' is not an object"
            bad = next((k for k, n in inner.items() if not _is_int(n)), None)
            if bad is not None:
                return f"'{name}' / '{bad}' is not an integer"
        elif not _is_int(inner):
            return f"'{name}' is not an integer"
    return ""


def manifest_problem(manifest: Any) -> str:
    """The first thing that keeps the report from reading `manifest`, as the end of a sentence
    naming the file ("" when it is fine). The report reads `counts` and `rows` to reconcile, so a
    manifest without them is not one of a finished build; the optional keys it reads must have the
    shape the build writes, or the job would fail later with a traceback."""
    if not isinstance(manifest, dict):
        return f"is a JSON {_JSON_TYPES.get(type(manifest), 'value')}, not an object"
    for key in ("counts", "rows"):
        if key not in manifest:
            return f"has no '{key}'"
    checks = [("counts", 2), ("rows", 2), ("config", 0), ("benchmarks", 0), ("secrets_findings", 1),
              ("also_failed", 2), ("only_failed", 2)]
    for key, depth in checks:
        if key not in manifest or (manifest[key] is None and key not in ("counts", "rows")):
            continue
        value = manifest[key]
        problem = ("" if isinstance(value, dict) else "it is not an object") if depth == 0 else \
            _counts_problem(value, depth)
        if problem:
            return f"has a malformed '{key}': {problem}"
    return ""


def _kind(tp: pa.DataType) -> str:
    """A column type as the report reads it: any string, integer or list type is as good as another
    (a corpus rewritten by another tool may use large_string or int32)."""
    if pa.types.is_string(tp) or pa.types.is_large_string(tp):
        return "string"
    if pa.types.is_integer(tp):
        return "integer"
    if pa.types.is_list(tp) or pa.types.is_large_list(tp):
        return f"list<{_kind(tp.value_type)}>"
    return str(tp)


def _footer_rows(path: str, schema: pa.Schema, columns: Iterable[str],
                 optional: Iterable[str] = ()) -> tuple[int, frozenset[str]]:
    """Rows in a shard's footer, after checking that it is Parquet and has the columns the job reads
    with types it can read: a folder with a stray or broken file gets one sentence naming the file,
    before the job starts, not a traceback from a Beam worker. Also which `optional` columns it has
    (an optional column of another type is a mistake too)."""
    try:
        with FileSystems.open(path) as f:
            parquet = pq.ParquetFile(f)
            have = parquet.schema_arrow
            n = parquet.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ReportInputError(f"'{path}' is not a readable Parquet file ({exc.__class__.__name__})") from exc
    wrong, missing = [], []
    present = frozenset(name for name in optional if have.get_field_index(name) >= 0)
    for name in [*columns, *sorted(present)]:
        index = have.get_field_index(name)
        if index < 0:
            missing.append(f"'{name}'")
            continue
        expected, actual = _kind(schema.field(name).type), _kind(have.field(index).type)
        if actual != expected and not pa.types.is_null(have.field(index).type):
            wrong.append(f"column '{name}' is {have.field(index).type} where {schema.field(name).type} is expected")
    if missing:
        wrong.append(f"column {missing[0]} is missing" if len(missing) == 1
                     else f"columns {', '.join(missing)} are missing")
    if wrong:
        raise ReportInputError(f"'{path}' is not a shard of a repairpack corpus: {', and '.join(wrong)}")
    return n, present


def corpus_files(corpus_dir: str) -> tuple[list[str], list[str], list[FileRow], list[str]]:
    """(data files, reject files, files and bytes per split, the optional sample columns every data
    file has): what the job reads, from the folder itself rather than the manifest, so that the
    reconciliation compares two independent things."""
    root = corpus_dir.rstrip("/")
    data = _match(f"{root}/data/*.parquet")
    rejects = _match(f"{root}/rejects/*.parquet")
    rows: dict[str, list[int]] = {}
    optional = set(OPTIONAL_SAMPLE_COLUMNS)
    for path, size in data + rejects:
        name = path.rsplit("/", 1)[-1]
        is_reject = (path, size) in rejects
        split = "rejects" if is_reject else name.split("-", 1)[0]
        n, present = _footer_rows(path, REJECT_SCHEMA if is_reject else SAMPLE_SCHEMA,
                                  REJECT_COLUMNS if is_reject else SAMPLE_COLUMNS,
                                  () if is_reject else OPTIONAL_SAMPLE_COLUMNS)
        if not is_reject:
            optional &= present
        entry = rows.setdefault(split, [0, 0, 0])
        entry[0] += 1
        entry[1] += size
        entry[2] += n
    files = [FileRow(split, *v) for split, v in sorted(rows.items())]
    return [p for p, _ in data], [p for p, _ in rejects], files, [c for c in OPTIONAL_SAMPLE_COLUMNS if c in optional]


# --------------------------------------------------------------------------------------- the graph

def build_report(pipeline: beam.Pipeline, data_files: list[str], reject_files: list[str], *, seed: str,
                 rate: float, thresholds: list[Threshold], optional: Iterable[str] = ()) -> beam.PCollection:
    """Add the report graph; returns a PCollection of one dict with every combined result. `optional`:
    the OPTIONAL_SAMPLE_COLUMNS every data file has, read too."""
    return report_graph(pipeline | "DataFiles" >> beam.Create(data_files),
                        pipeline | "RejectFiles" >> beam.Create(reject_files),
                        seed=seed, rate=rate, thresholds=thresholds, optional=optional)


def edit_kind_rate(samples: int, budget: int = EDIT_KIND_BUDGET) -> float:
    """The share of samples analysed for edit kinds: all up to `budget`, a seeded-hash sample above."""
    return 1.0 if samples <= budget else budget / samples


# ------------------------------------------------------------------------------- inside a build

# The report graph's results inside a build's staging folder, read (and deleted) before publishing.
REPORT_RESULTS = "_report.pkl"


def _directly_under(file: str, folder: str) -> bool:
    """Whether a shard entry's file is a Parquet file directly under `folder`, as `corpus_files`
    matches them in the finished folder (`<folder>/*.parquet`)."""
    rest = file[len(folder) + 1:]
    return file.startswith(f"{folder}/") and rest.endswith(".parquet") and "/" not in rest


def _shard_paths(entries: list[dict[str, Any]], root: str, folder: str) -> list[str]:
    return sorted(f"{root}/{e['file']}" for e in entries if _directly_under(e["file"], folder))


def _rate_of(entries: list[dict[str, Any]], budget: int) -> float:
    return edit_kind_rate(sum(e["rows"] for e in entries if _directly_under(e["file"], "data")), budget)


class ReportOfShards(beam.PTransform):
    """The report's combine graph inside the build that writes the corpus, so that a build and its
    report start one pipeline, not two. Input: the build's list of shard entries (one element, made
    once every shard is written); it reads the data and reject shards under `root` (the staging
    folder) as `compute_stats` reads them in the finished folder, and pickles the combined results
    to `result_path`. The driver turns them into the pages once the folder is published
    (`finish_report`): the same stats.json, report.md and report.html as `report <dir>` writes.

    `config`: the build's config as manifest.json records it (the report's thresholds come from it)."""

    def __init__(self, root: str, result_path: str, config: dict[str, Any], *, seed: str = DEFAULT_SEED,
                 edit_kind_budget: int = EDIT_KIND_BUDGET) -> None:
        super().__init__()
        self._root = root.rstrip("/")
        self._result_path = result_path
        self._thresholds = near_thresholds(config)
        self._seed = seed
        self._budget = edit_kind_budget

    def expand(self, shard_list: beam.PCollection) -> beam.PCollection:
        root = self._root
        data = shard_list | "DataFiles" >> beam.FlatMap(_shard_paths, root, "data")
        rejects = shard_list | "RejectFiles" >> beam.FlatMap(_shard_paths, root, "rejects")
        rate = shard_list | "EditKindRate" >> beam.Map(_rate_of, self._budget)
        # The build writes every data shard with the whole sample schema.
        optional = [c for c in OPTIONAL_SAMPLE_COLUMNS if SAMPLE_SCHEMA.get_field_index(c) >= 0]
        results = report_graph(data, rejects, seed=self._seed, rate=beam.pvalue.AsSingleton(rate),
                               thresholds=self._thresholds, optional=optional)
        return results | "WriteResults" >> beam.Map(_write_pickle, path=self._result_path)


def finish_report(corpus_dir: str, results: dict[str, Any], *, seed: str = DEFAULT_SEED,
                  edit_kind_budget: int = EDIT_KIND_BUDGET) -> dict[str, Any]:
    """The report of a build that ran `ReportOfShards`, from its `results` (`read_results`), written
    into the published folder as `run_report` writes it; returns stats.json's content."""
    manifest = read_manifest(corpus_dir)
    _, _, files, _ = corpus_files(corpus_dir)
    rate = edit_kind_rate(sum(f.rows for f in files if f.split != "rejects"), edit_kind_budget)
    stats = stats_from_results(manifest, results, files, rate=rate, seed=seed,
                               thresholds=near_thresholds(manifest.get("config") or {}))
    write_outputs(stats, corpus_dir, split_balance_of(manifest))
    return to_json(stats)


# --------------------------------------------------------------------------------- the standalone job

def _write_pickle(value: Any, path: str) -> None:
    with FileSystems.create(path) as f:
        f.write(pickle.dumps(value))


def compute_stats(corpus_dir: str, beam_args: list[str], *, seed: str = DEFAULT_SEED,
                  edit_kind_budget: int = EDIT_KIND_BUDGET) -> ReportStats:
    """Run the job on a corpus folder and return its statistics (nothing written but a temp file)."""
    manifest = read_manifest(corpus_dir)
    data_files, reject_files, files, optional = corpus_files(corpus_dir)
    samples = sum(f.rows for f in files if f.split != "rejects")
    rate = edit_kind_rate(samples, edit_kind_budget)
    thresholds = near_thresholds(manifest.get("config") or {})
    result_path = f"{corpus_dir.rstrip('/')}/.report-{uuid.uuid4().hex[:12]}.pkl"
    pipeline = beam.Pipeline(options=pipeline_options(beam_args))
    results = build_report(pipeline, data_files, reject_files, seed=seed, rate=rate, thresholds=thresholds,
                           optional=optional)
    results | "WriteResults" >> beam.Map(_write_pickle, path=result_path)
    pipeline.run().wait_until_finish()
    return stats_from_results(manifest, read_results(result_path), files, rate=rate, seed=seed,
                              thresholds=thresholds)


def read_results(path: str) -> dict[str, Any]:
    """The report graph's combined results, from the pickle its last step wrote (deleted here)."""
    try:
        with FileSystems.open(path) as f:
            return pickle.loads(f.read())
    finally:
        if FileSystems.exists(path):
            FileSystems.delete([path])


def stats_from_results(manifest: dict[str, Any], got: dict[str, Any], files: list[FileRow], *, rate: float,
                       seed: str, thresholds: list[Threshold]) -> ReportStats:
    """ReportStats from the report graph's combined results and what the driver read itself."""
    clusters = [(n, tuple(key.split("\0", 1))) for n, key in got.get("clusters", [])]
    acc = got.get("acc") or ReportAccumulator()
    judge = (got.get("judge") or ReportAccumulator()).merge(acc)
    return build_stats(manifest=manifest, acc=acc,
                       top_groups=got.get("groups", {}), top_words=got.get("words", {}),
                       clusters=(got.get("n_clusters", 0), clusters),
                       trajectories=judge, files=files,
                       edit_kind_rate=rate, seed=seed, thresholds=thresholds)


def write_outputs(stats: ReportStats, corpus_dir: str, balance: dict[str, Any] | None = None) -> dict[str, str]:
    """Write stats.json, the plots, report.md and report.html into the corpus folder; returns
    {output name: path}. `balance`: the manifest's `split_balance`, shown in the pages."""
    from beam_jobs.report.plots import make_plots
    from beam_jobs.report.render import render_html, render_markdown

    root = corpus_dir.rstrip("/")
    if "://" not in root:
        # A rerun may draw fewer plots; no stale picture may stay beside the new report.
        shutil.rmtree(os.path.join(root, PLOTS_DIR), ignore_errors=True)
    plots = make_plots(stats)
    stats.plots = {name: f"{PLOTS_DIR}/{name}.svg" for name in sorted(plots)}
    written = {}
    for name, svg in sorted(plots.items()):
        path = f"{root}/{PLOTS_DIR}/{name}.svg"
        if "://" not in root:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with FileSystems.create(path) as f:
            f.write(svg.encode("utf-8"))
        written[f"plot:{name}"] = path
    outputs = {
        STATS_JSON: json.dumps(to_json(stats), indent=2, ensure_ascii=False) + "\n",
        REPORT_MD: render_markdown(stats, balance),
        REPORT_HTML: render_html(stats, plots, balance),
    }
    for name, text in outputs.items():
        path = f"{root}/{name}"
        with FileSystems.create(path) as f:
            f.write(text.encode("utf-8"))
        written[name] = path
    return written


def run_report(corpus_dir: str, beam_args: list[str], *, seed: str = DEFAULT_SEED,
               edit_kind_budget: int = EDIT_KIND_BUDGET) -> dict[str, Any]:
    """The report on an existing corpus folder, written into it; returns stats.json's content.

    `result["funnel"]["reconciled"]` is False when the folder's files are not what its manifest
    says: the report is still written (it lists the failing checks), so the caller decides what a
    mismatch means. Input the job cannot read raises ReportInputError before anything is written."""
    stats = compute_stats(corpus_dir, beam_args, seed=seed, edit_kind_budget=edit_kind_budget)
    write_outputs(stats, corpus_dir, split_balance_of(read_manifest(corpus_dir)))
    return to_json(stats)
