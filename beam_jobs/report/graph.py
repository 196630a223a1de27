"""The report's Beam graph: the shards' Arrow batches summarised per bundle, then three combines.

    data/*.parquet ──► summarise_batch ──► partial accumulators ──────────────────────────────┐
                                     ├──► ((groups | words, source, name), n) ──┐               │
                                     ├──► ((trajectories, key), trajectory) ────┼─► SumKeyed ──►┤
    rejects/*.parquet ► summarise_rejects ► ((clusters, stage, kept id), n) ────┘   │           │
                                     └──► partial accumulators ────────────────────┼───────────┤
    (problem, (accepted, judged)) of one-pair samples and of trajectories ──► SumProblem ──────►┤
                                                        CombineResults: one small dict ─► driver

Every step is a combine (sums, fixed-bin histograms, a mergeable sketch, top k per key), so nothing is
collected whole and the graph runs unchanged on Dataflow. It is few transforms (44 with the job's
inputs), since each costs pipeline construction and runner set-up; it runs as the report job
(job.py) or inside the build that wrote the shards (job.ReportOfShards).
"""
from __future__ import annotations

import heapq
from collections import Counter
from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from beam_jobs.report.combiners import ALL, ReportAccumulator, rank_key, summarise_batch, summarise_rejects
from beam_jobs.report.features import REJECT_COLUMNS, SAMPLE_COLUMNS
from beam_jobs.report.summary import TOP_K, Threshold


GROUPS, WORDS, PROBLEMS, TRAJECTORIES, CLUSTERS = "groups", "words", "problems", "trajectories", "clusters"
# The summarising DoFns' keyed output: ((GROUPS | WORDS, source, name), n), ((CLUSTERS, stage, kept id), n)
# and ((TRAJECTORIES, key), (problem, length, attempts, accepted)), summed (or the least trajectory
# kept) by one keyed combine.
KEYED = "keyed"
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

    def process(self, table: Any, rate: float | None = None) -> Iterator[Any]:
        if rate is not None:
            # Inside a build the rate is known only once the shards are written: a side input.
            self._rate = rate
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
        yield from (beam.pvalue.TaggedOutput(KEYED, wrap(((GROUPS, *k), n))) for k, n in sorted(self._groups.items()))
        yield from (beam.pvalue.TaggedOutput(KEYED, wrap(((WORDS, *k), n))) for k, n in sorted(self._words.items()))
        yield from (beam.pvalue.TaggedOutput(PROBLEMS, wrap((p, (self._accepted[p], self._judged[p]))))
                    for p in sorted(self._judged))
        yield from (beam.pvalue.TaggedOutput(KEYED, wrap(((TRAJECTORIES, k), t))) for k, t in self._trajectories)
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
            yield from (beam.pvalue.TaggedOutput(KEYED, ((CLUSTERS, *k), n)) for k, n in sorted(self._clusters.items()))
            self._clusters = Counter()

    def finish_bundle(self) -> Iterator[Any]:
        yield _global(self._acc)
        yield from (beam.pvalue.TaggedOutput(KEYED, _global(((CLUSTERS, *k), n)))
                    for k, n in sorted(self._clusters.items()))


class _KeyedFold(beam.CombineFn):
    """The one keyed combine of the report: counts (ints) are summed; a trajectory (a tuple) keeps
    its least copy, as several pairs of one trajectory carry the same one."""

    def create_accumulator(self) -> Any:
        return None

    def add_input(self, acc: Any, value: Any) -> Any:
        if acc is None:
            return value
        return acc + value if isinstance(value, int) else min(acc, value)

    def merge_accumulators(self, accs: Iterable[Any]) -> Any:
        out = None
        for acc in accs:
            if acc is not None:
                out = self.add_input(out, acc)
        return out

    def extract_output(self, acc: Any) -> Any:
        return acc


def _route(item: tuple[tuple, Any]) -> Iterator[Any]:
    """A keyed result, as what the final combine folds; a trajectory also counts for its problem
    (PROBLEMS output: (problem, (accepted, judged)))."""
    key, value = item
    if key[0] == TRAJECTORIES:
        problem, length, attempts, accepted = value
        yield beam.pvalue.TaggedOutput(PROBLEMS, (problem, (accepted, length)))
        yield from ((JUDGE, v) for v in _trajectory_values(value))
    else:
        yield key[0], key[1:], value


def _trajectory_values(trajectory: tuple[str, int, int, int]) -> list[tuple]:
    _, length, attempts, _ = trajectory
    return [("count", "trajectories"), ("dist", "sequence_length", length),
            ("dist", "attempts_before_accepted", attempts)]


def _problem_values(item: tuple[str, tuple[int, int]]) -> Iterator[tuple]:
    _, (accepted, judged) = item
    yield JUDGE, ("count", "problems")
    yield JUDGE, ("dist", "problem_acceptance_rate", accepted / judged if judged else 0.0)


def _sum_pairs(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    a = b = 0
    for x, y in pairs:
        a, b = a + x, b + y
    return a, b


ACC, JUDGE = "acc", "judge"
# Values FoldValues-style buffers per metric before folding them into a Dist with numpy.
FLUSH = 4096


class _Results:
    """The final combine's accumulator: the merged partials; per source of groups and of words the
    distinct names, their samples and the top k; the judge values (buffered per metric, folded a few
    thousand at a time); the duplicate clusters counted and the largest k. Bounded by k per source."""

    def __init__(self) -> None:
        self.acc = ReportAccumulator()
        self.tops: dict[str, dict[str, list[Any]]] = {GROUPS: {}, WORDS: {}}  # source -> [distinct, total, top]
        self.judge = ReportAccumulator()
        self.values: dict[str, list[float]] = {}
        self.n_clusters = 0
        self.clusters: list[tuple[int, str]] = []

    def flush(self, metric: str) -> None:
        import numpy as np

        values = self.values.pop(metric, [])
        if values:
            self.judge.dist(metric, ALL).add(np.asarray(values))


def _top(entries: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    return heapq.nlargest(TOP_K, entries, key=rank_key)


class CombineResults(beam.CombineFn):
    """Every result of the report in one global combine, tagged elements in:

    (ACC, partial accumulator); (GROUPS | WORDS, (source, name), n) per distinct name, summed;
    (CLUSTERS, (stage, kept id), n) per cluster; (JUDGE, ("count", name) or ("dist", metric, value)).
    Out: {"acc", "groups", "words", "judge", "n_clusters", "clusters"}: per source of groups and of
    words (distinct names, samples, the TOP_K (n, name) by rank_key), the judge accumulator, the
    number of clusters and the TOP_K largest (n, "stage\0kept")."""

    def create_accumulator(self) -> _Results:
        return _Results()

    def add_input(self, r: _Results, element: tuple) -> _Results:
        tag = element[0]
        if tag == ACC:
            r.acc.merge(element[1])
        elif tag == JUDGE:
            value = element[1]
            if value[0] == "count":
                r.judge.counts[(value[1],)] += 1
            else:
                buf = r.values.setdefault(value[1], [])
                buf.append(value[2])
                if len(buf) >= FLUSH:
                    r.flush(value[1])
        elif tag == CLUSTERS:
            _, (stage, kept), n = element
            r.n_clusters += 1
            r.clusters = _top([*r.clusters, (n, f"{stage}\0{kept}")])
        else:
            _, (source, name), n = element
            entry = r.tops[tag].setdefault(source, [0, 0, []])
            entry[0] += 1
            entry[1] += n
            entry[2] = _top([*entry[2], (n, name)])
        return r

    def merge_accumulators(self, accs: Iterable[_Results]) -> _Results:
        out = _Results()
        for r in accs:
            for metric in list(r.values):
                r.flush(metric)
            out.acc.merge(r.acc)
            out.judge.merge(r.judge)
            out.n_clusters += r.n_clusters
            out.clusters = _top([*out.clusters, *r.clusters])
            for tag, sources in r.tops.items():
                for source, (distinct, total, top) in sources.items():
                    entry = out.tops[tag].setdefault(source, [0, 0, []])
                    entry[0] += distinct
                    entry[1] += total
                    entry[2] = _top([*entry[2], *top])
        return out

    def extract_output(self, r: _Results) -> dict[str, Any]:
        for metric in list(r.values):
            r.flush(metric)
        tops = {tag: {source: (distinct, total, list(top)) for source, (distinct, total, top) in sorted(sources.items())}
                for tag, sources in r.tops.items()}
        return {ACC: r.acc, GROUPS: tops[GROUPS], WORDS: tops[WORDS], JUDGE: r.judge, "n_clusters": r.n_clusters,
                "clusters": list(r.clusters)}


def report_graph(data_files: beam.PCollection, reject_files: beam.PCollection, *, seed: str,
                 rate: float | beam.pvalue.AsSideInput, thresholds: list[Threshold],
                 optional: Iterable[str] = ()) -> beam.PCollection:
    """The report's combine graph over PCollections of data and reject file paths; `rate` is a
    number, or a singleton side input when it is known only once the files are written."""
    columns = [*SAMPLE_COLUMNS, *optional]
    fixed = rate if isinstance(rate, (int, float)) else None
    summarise = (beam.ParDo(_SummariseSamples(seed, fixed, thresholds)) if fixed is not None
                 else beam.ParDo(_SummariseSamples(seed, None, thresholds), rate))
    samples = (data_files
               | "ReadData" >> beam.io.ReadAllFromParquetBatched(columns=columns)
               | "Summarise" >> summarise.with_outputs(KEYED, PROBLEMS, main="partial"))
    rejects = (reject_files
               | "ReadRejects" >> beam.io.ReadAllFromParquetBatched(columns=list(REJECT_COLUMNS))
               | "SummariseRejects" >> beam.ParDo(_SummariseRejects()).with_outputs(KEYED, main="partial"))
    # One keyed combine (groups, first words, clusters, trajectories), one per problem, one global.
    keyed = ((samples[KEYED], rejects[KEYED]) | "AllKeyed" >> beam.Flatten()
             | "SumKeyed" >> beam.CombinePerKey(_KeyedFold())
             | "Route" >> beam.FlatMap(_route).with_outputs(PROBLEMS, main="results"))
    problems = ((samples[PROBLEMS], keyed[PROBLEMS]) | "AllProblems" >> beam.Flatten()
                | "SumProblem" >> beam.CombinePerKey(_sum_pairs)
                | "ProblemValues" >> beam.FlatMap(_problem_values))
    partials = (samples.partial, rejects.partial) | "Partials" >> beam.Flatten()
    return ((partials | "TagPartials" >> beam.Map(lambda acc: (ACC, acc)), keyed.results, problems)
            | "AllResults" >> beam.Flatten()
            | "Combine" >> beam.CombineGlobally(CombineResults()))
