"""The statistics report job: read a finished corpus folder, combine, write stats.json, report.md,
report.html and the plots into it.

    data/*.parquet ─► Arrow batches ─► summarise_batch ─┬─► partial accumulators ──► MergeReports ─┐
                                                        ├─► (source, group) counts ─► top-k per source ┤
                                                        ├─► (source | all, first word) ─► top-k each ─┤
                                                        └─► trajectories ─► dedup ─► lengths, per problem ┤
    rejects/*.parquet ─► Arrow batches ─► summarise_rejects ─► partials; (stage, kept id) ─► clusters ┘
                                                                            one small dict ─► driver

Every step is a combine (sums, fixed-bin histograms, a mergeable sketch, Top.PerKey), so nothing is
collected whole and the job runs unchanged on Dataflow. Features are computed on whole Arrow batches
(report_features), which keeps the job within a few times the cost of reading the shards. The driver
then builds ReportStats (report_summary) and renders the pages (report_render).
"""
from __future__ import annotations

import json
import os
import pickle
import shutil
import uuid
from typing import Any, Iterable, Iterator

from collections import Counter

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from beam_jobs.report.combiners import (ALL, MergeReports, ReportAccumulator, rank_key, summarise_batch,
                                        summarise_rejects)
from beam_jobs.report.features import OPTIONAL_SAMPLE_COLUMNS, REJECT_COLUMNS, SAMPLE_COLUMNS
from beam_jobs.report.summary import TOP_K, Threshold, build_stats, near_thresholds, split_balance_of
from schemas.reject import REJECT_SCHEMA
from schemas.report_stats import FileRow, ReportStats, to_json
from schemas.sample import SAMPLE_SCHEMA

MANIFEST = "manifest.json"
STATS_JSON = "stats.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
PLOTS_DIR = "report_plots"
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

GROUPS, WORDS, PROBLEMS, TRAJECTORIES, CLUSTERS = "groups", "words", "problems", "trajectories", "clusters"
# Rows folded at once: Arrow and numpy calls cost the same for 1,000 rows or 20,000.
BATCH_ROWS = 20_000
# Keyed counts held per bundle before they are emitted: bounds the memory of a bundle that sees a
# whole large corpus (the FnApiRunner's bundles can be that big).
MAX_KEYS = 200_000


def _global(value: Any) -> WindowedValue:
    return WindowedValue(value, MIN_TIMESTAMP, [GlobalWindow()])


class _SummariseSamples(beam.DoFn):
    """Arrow batches in; per bundle, one partial accumulator and the keyed counts pre-summed (the
    combiner lifting Beam does for CombinePerKey, done across batches, so a million samples make
    thousands of keyed elements, not millions)."""

    def __init__(self, seed: str, rate: float, thresholds: list[Threshold]) -> None:
        self._seed, self._rate, self._thresholds = seed, rate, thresholds

    def start_bundle(self) -> None:
        self._tables: list[Any] = []
        self._rows = 0
        self._acc = ReportAccumulator()
        self._groups: Counter = Counter()
        self._words: Counter = Counter()
        self._accepted: Counter = Counter()
        self._judged: Counter = Counter()
        self._trajectories: list[Any] = []

    def process(self, table: Any) -> Iterator[Any]:
        self._tables.append(table)
        self._rows += table.num_rows
        if self._rows >= BATCH_ROWS:
            self._fold()
        if len(self._groups) + len(self._words) + len(self._accepted) + len(self._trajectories) > MAX_KEYS:
            yield from self._emit(windowed=False)

    def _fold(self) -> None:
        if not self._tables:
            return
        import pyarrow as pa

        table = pa.concat_tables(self._tables) if len(self._tables) > 1 else self._tables[0]
        self._tables, self._rows = [], 0
        summary = summarise_batch(table, seed=self._seed, edit_kind_rate=self._rate, thresholds=self._thresholds)
        self._acc.merge(summary.partial)
        self._groups.update(summary.groups)
        self._words.update(summary.words)
        self._accepted.update(summary.problems)
        self._judged.update(summary.judged)
        self._trajectories += summary.trajectories

    def _emit(self, windowed: bool) -> Iterator[Any]:
        wrap = _global if windowed else (lambda v: v)
        yield from (beam.pvalue.TaggedOutput(GROUPS, wrap(kv)) for kv in sorted(self._groups.items()))
        yield from (beam.pvalue.TaggedOutput(WORDS, wrap(kv)) for kv in sorted(self._words.items()))
        yield from (beam.pvalue.TaggedOutput(PROBLEMS, wrap((p, (self._accepted[p], self._judged[p]))))
                    for p in sorted(self._judged))
        yield from (beam.pvalue.TaggedOutput(TRAJECTORIES, wrap(t)) for t in self._trajectories)
        self._groups, self._words, self._accepted, self._judged = Counter(), Counter(), Counter(), Counter()
        self._trajectories = []

    def finish_bundle(self) -> Iterator[Any]:
        self._fold()
        yield _global(self._acc)
        yield from self._emit(windowed=True)


class _SummariseRejects(beam.DoFn):
    def start_bundle(self) -> None:
        self._acc = ReportAccumulator()
        self._clusters: Counter = Counter()

    def process(self, table: Any) -> Iterator[Any]:
        partial, clusters = summarise_rejects(table)
        self._acc.merge(partial)
        self._clusters.update(clusters)
        if len(self._clusters) > MAX_KEYS:
            yield from (beam.pvalue.TaggedOutput(CLUSTERS, kv) for kv in sorted(self._clusters.items()))
            self._clusters = Counter()

    def finish_bundle(self) -> Iterator[Any]:
        yield _global(self._acc)
        yield from (beam.pvalue.TaggedOutput(CLUSTERS, _global(kv)) for kv in sorted(self._clusters.items()))


def _by_source(item: tuple[tuple[str, str], int]) -> tuple[str, tuple[int, str]]:
    (source, name), n = item
    return source, (n, name)


class _CountAndSum(beam.CombineFn):
    """(distinct names, samples) per source."""

    def create_accumulator(self) -> tuple[int, int]:
        return 0, 0

    def add_input(self, acc: tuple[int, int], entry: tuple[int, str]) -> tuple[int, int]:
        return acc[0] + 1, acc[1] + entry[0]

    def merge_accumulators(self, accs: Iterable[tuple[int, int]]) -> tuple[int, int]:
        accs = list(accs)
        return sum(a[0] for a in accs), sum(a[1] for a in accs)

    def extract_output(self, acc: tuple[int, int]) -> tuple[int, int]:
        return acc


def _join_top(element: tuple[str, dict[str, list[Any]]]) -> tuple[str, tuple[int, int, list[tuple[int, str]]]]:
    source, joined = element
    distinct, total = (joined["counts"] or [(0, 0)])[0]
    return source, (distinct, total, list((joined["top"] or [[]])[0]))


class TopPerSource(beam.PTransform):
    """((source, name), n) pre-counted per batch -> one dict {source: (distinct, total, top k)}."""

    def expand(self, counted: beam.PCollection) -> beam.PCollection:
        summed = (counted | "Sum" >> beam.CombinePerKey(sum) | "BySource" >> beam.Map(_by_source))
        top = summed | "Top" >> beam.combiners.Top.PerKey(TOP_K, key=rank_key)
        counts = summed | "Counts" >> beam.CombinePerKey(_CountAndSum())
        return ({"top": top, "counts": counts} | "Join" >> beam.CoGroupByKey()
                | "Fold" >> beam.Map(_join_top) | "Dict" >> beam.combiners.ToDict())


class FoldValues(beam.CombineFn):
    """("dist", metric, value) and ("count", name) elements into one ReportAccumulator; values are
    buffered and folded a few thousand at a time, so memory stays bounded and numpy does the work."""

    FLUSH = 4096

    def create_accumulator(self) -> tuple[ReportAccumulator, dict[str, list[float]]]:
        return ReportAccumulator(), {}

    def _flush(self, acc: tuple[ReportAccumulator, dict[str, list[float]]], metric: str) -> None:
        import numpy as np

        values = acc[1].pop(metric, [])
        if values:
            acc[0].dist(metric, ALL).add(np.asarray(values))

    def add_input(self, acc: Any, element: tuple) -> Any:
        if element[0] == "count":
            acc[0].counts[(element[1],)] += 1
        else:
            buf = acc[1].setdefault(element[1], [])
            buf.append(element[2])
            if len(buf) >= self.FLUSH:
                self._flush(acc, element[1])
        return acc

    def merge_accumulators(self, accs: Iterable[Any]) -> Any:
        out = self.create_accumulator()
        for acc in accs:
            for metric in list(acc[1]):
                self._flush(acc, metric)
            out[0].merge(acc[0])
        return out

    def extract_output(self, acc: Any) -> ReportAccumulator:
        for metric in list(acc[1]):
            self._flush(acc, metric)
        return acc[0]


def _trajectory_values(item: tuple[str, tuple[str, int, int, int]]) -> list[tuple]:
    _, (_, length, attempts, _) = item
    return [("count", "trajectories"), ("dist", "sequence_length", length),
            ("dist", "attempts_before_accepted", attempts)]


def _problem_values(item: tuple[str, tuple[int, int]]) -> list[tuple]:
    _, (accepted, judged) = item
    return [("count", "problems"), ("dist", "problem_acceptance_rate", accepted / judged if judged else 0.0)]


def _sum_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    a = b = 0
    for x, y in pairs:
        a, b = a + x, b + y
    return a, b


class _Count(beam.CombineFn):
    def create_accumulator(self) -> int:
        return 0

    def add_input(self, acc: int, _: Any) -> int:
        return acc + 1

    def merge_accumulators(self, accs: Iterable[int]) -> int:
        return sum(accs)

    def extract_output(self, acc: int) -> int:
        return acc


def build_report(pipeline: beam.Pipeline, data_files: list[str], reject_files: list[str], *, seed: str,
                 rate: float, thresholds: list[Threshold], optional: Iterable[str] = ()) -> beam.PCollection:
    """Add the report graph; returns a PCollection of one dict with every combined result. `optional`:
    the OPTIONAL_SAMPLE_COLUMNS every data file has, read too."""
    columns = [*SAMPLE_COLUMNS, *optional]
    samples = (pipeline
               | "DataFiles" >> beam.Create(data_files)
               | "ReadData" >> beam.io.ReadAllFromParquetBatched(columns=columns)
               | "Summarise" >> beam.ParDo(_SummariseSamples(seed, rate, thresholds)).with_outputs(
                   GROUPS, WORDS, PROBLEMS, TRAJECTORIES, main="partial"))
    rejects = (pipeline
               | "RejectFiles" >> beam.Create(reject_files)
               | "ReadRejects" >> beam.io.ReadAllFromParquetBatched(columns=list(REJECT_COLUMNS))
               | "SummariseRejects" >> beam.ParDo(_SummariseRejects()).with_outputs(CLUSTERS, main="partial"))
    merged = ((samples.partial, rejects.partial) | "Partials" >> beam.Flatten()
              | "Merge" >> beam.CombineGlobally(MergeReports()))
    groups = samples[GROUPS] | "TopGroups" >> TopPerSource()
    words = samples[WORDS] | "TopWords" >> TopPerSource()
    # Pairings with several pairs per (user, problem): one element per trajectory, deduplicated by
    # key (empty under the default last-failure pairing, whose trajectories the batches count).
    traj = samples[TRAJECTORIES] | "OnePerTrajectory" >> beam.CombinePerKey(min)
    more_problems = traj | "TrajectoryProblems" >> beam.Map(lambda kv: (kv[1][0], (kv[1][3], kv[1][1])))
    rates = ((samples[PROBLEMS], more_problems) | "AllProblems" >> beam.Flatten()
             | "SumProblem" >> beam.CombinePerKey(_sum_pairs)
             | "ProblemValues" >> beam.FlatMap(_problem_values))
    judge = ((traj | "TrajectoryValues" >> beam.FlatMap(_trajectory_values), rates)
             | "JudgeValues" >> beam.Flatten()
             | "FoldJudge" >> beam.CombineGlobally(FoldValues()))
    clusters = rejects[CLUSTERS] | "SumClusters" >> beam.CombinePerKey(sum)
    n_clusters = clusters | "CountClusters" >> beam.CombineGlobally(_Count())
    largest = (clusters
               | "ClusterEntries" >> beam.Map(lambda kv: (kv[1], f"{kv[0][0]}\0{kv[0][1]}"))
               | "TopClusters" >> beam.combiners.Top.Of(TOP_K, key=rank_key))
    labelled = [merged | "L0" >> beam.Map(lambda v: ("acc", v)),
                groups | "L1" >> beam.Map(lambda v: ("groups", v)),
                words | "L2" >> beam.Map(lambda v: ("words", v)),
                judge | "L3" >> beam.Map(lambda v: ("judge", v)),
                n_clusters | "L4" >> beam.Map(lambda v: ("n_clusters", v)),
                largest | "L5" >> beam.Map(lambda v: ("clusters", v))]
    return tuple(labelled) | "AllResults" >> beam.Flatten() | "ResultDict" >> beam.combiners.ToDict()


def _write_pickle(value: Any, path: str) -> None:
    with FileSystems.create(path) as f:
        f.write(pickle.dumps(value))


def compute_stats(corpus_dir: str, beam_args: list[str], *, seed: str = DEFAULT_SEED,
                  edit_kind_budget: int = EDIT_KIND_BUDGET) -> ReportStats:
    """Run the job on a corpus folder and return its statistics (nothing written but a temp file)."""
    manifest = read_manifest(corpus_dir)
    data_files, reject_files, files, optional = corpus_files(corpus_dir)
    samples = sum(f.rows for f in files if f.split != "rejects")
    rate = 1.0 if samples <= edit_kind_budget else edit_kind_budget / samples
    thresholds = near_thresholds(manifest.get("config") or {})
    result_path = f"{corpus_dir.rstrip('/')}/.report-{uuid.uuid4().hex[:12]}.pkl"
    pipeline = beam.Pipeline(options=PipelineOptions(beam_args))
    results = build_report(pipeline, data_files, reject_files, seed=seed, rate=rate, thresholds=thresholds,
                           optional=optional)
    results | "WriteResults" >> beam.Map(_write_pickle, path=result_path)
    pipeline.run().wait_until_finish()
    try:
        with FileSystems.open(result_path) as f:
            got = pickle.loads(f.read())
    finally:
        if FileSystems.exists(result_path):
            FileSystems.delete([result_path])
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


def remove_outputs(corpus_dir: str) -> None:
    """Delete an earlier report from a local corpus folder: after a new build it describes other data."""
    root = corpus_dir.rstrip("/")
    if "://" in root:
        return
    for name in (STATS_JSON, REPORT_MD, REPORT_HTML):
        path = os.path.join(root, name)
        if os.path.isfile(path):
            os.remove(path)
    shutil.rmtree(os.path.join(root, PLOTS_DIR), ignore_errors=True)


def run_report(corpus_dir: str, beam_args: list[str], *, seed: str = DEFAULT_SEED,
               edit_kind_budget: int = EDIT_KIND_BUDGET) -> dict[str, Any]:
    """The report on an existing corpus folder, written into it; returns stats.json's content.

    `result["funnel"]["reconciled"]` is False when the folder's files are not what its manifest
    says: the report is still written (it lists the failing checks), so the caller decides what a
    mismatch means. Input the job cannot read raises ReportInputError before anything is written."""
    stats = compute_stats(corpus_dir, beam_args, seed=seed, edit_kind_budget=edit_kind_budget)
    write_outputs(stats, corpus_dir, split_balance_of(read_manifest(corpus_dir)))
    return to_json(stats)
