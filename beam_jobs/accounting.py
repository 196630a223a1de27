"""One way for every stage to count what it keeps and rejects, so in = kept + rejected by construction.

Counters live in the Beam metrics namespace `repairpack` and are named `<stage>/in`, `<stage>/kept` and
`<stage>/<reason>`. The manifest and the end-of-run summary are built from them.

"Also failed" (a filter stage that evaluates every rule, `ApplyFilters(count_every=True)`): besides
its first reason, which is the one counted above and keeps in = kept + rejected, every reason a record
fails is counted once in the namespace `repairpack.failed`, and the reason of a record that fails
exactly one rule in `repairpack.only`, both named `<stage>/<reason>`. `stage_counts` reads only
`repairpack`, so these never enter a stage's balance; `failure_counts` reads them for the manifest
(`also_failed`, `only_failed`).

Tallies: the manifest's numbers do not come from the runner's metrics. Every `StageDoFn` also keeps
what it counts in a bundle and emits it, when the bundle ends, on its `TALLY` output; `build` sums
the tallies of every stage into a file the driver reads. Data is committed exactly once on every
runner, metrics are not: Prism (Beam 2.77 and 2.78) keeps one payload per unresolved metric id, so
two bundles that report a counter for the first time at once lose one's counts (seen in the runner
matrix: judge.secrets counted 14 in and 4 kept). The Beam counters stay, for a runner's live view.
"""
from __future__ import annotations

import weakref
from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator, Protocol

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pipeline import PipelineVisitor
from apache_beam.transforms.window import GlobalWindows
from apache_beam.utils.windowed_value import WindowedValue

from beam_jobs.collector import pace_collector
from filters.base import (BATCH_SIZE, BatchedChain, Check, every_reason, first_reason, has_prepare_hooks,
                          is_costly)
from schemas.reject import make_reject

NAMESPACE = "repairpack"
FAILED_NAMESPACE = "repairpack.failed"  # every rule a record fails
ONLY_NAMESPACE = "repairpack.only"      # records that fail exactly this one rule
REJECTS = "rejects"
TALLY = "tally"  # the output on which every StageDoFn emits its bundle's counts
IN = "in"
KEPT = "kept"


class _Counter(Protocol):
    def inc(self, n: int = 1) -> None: ...


class CounterFactory(Protocol):
    def __call__(self, name: str, namespace: str = NAMESPACE) -> _Counter: ...


def beam_counter(name: str, namespace: str = NAMESPACE) -> _Counter:
    """A Beam metrics counter `repairpack:<name>`: what every stage counts with inside a pipeline."""
    return Metrics.counter(namespace, name)


class _TalliedCounter:
    def __init__(self, metric: _Counter, counts: dict[tuple[str, str], int], key: tuple[str, str]) -> None:
        self._metric = metric
        self._counts = counts
        self._key = key

    def inc(self, n: int = 1) -> None:
        self._metric.inc(n)
        self._counts[self._key] += n


class BundleTally:
    """A CounterFactory for a DoFn: each counter counts in Beam's metrics and in this bundle's tally,
    which `drain` hands out (and empties) when the bundle ends."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def __call__(self, name: str, namespace: str = NAMESPACE) -> _Counter:
        return _TalliedCounter(beam_counter(name, namespace), self._counts, (namespace, name))

    def clear(self) -> None:
        """Forget what a bundle that did not finish counted (its retry counts again)."""
        self._counts.clear()

    def drain(self) -> list[tuple[tuple[str, str], int]]:
        """((namespace, name), n) of every counter this bundle counted with, sorted; the tally is
        then empty."""
        out = sorted(self._counts.items())
        self._counts.clear()
        return out


class Tallies:
    """The summed tallies of a whole run: what `stage_counts` and the other readers take in place
    of a PipelineResult's metrics."""

    def __init__(self, rows: Iterable[tuple[str, str, int]]) -> None:
        self._rows = sorted(rows)

    def rows(self) -> list[list[Any]]:
        """[[namespace, name, n], ...]: the JSON form (`from_rows` reads it back)."""
        return [list(row) for row in self._rows]

    @classmethod
    def from_rows(cls, rows: Iterable[Iterable[Any]]) -> Tallies:
        return cls((str(ns), str(name), int(n)) for ns, name, n in rows)

    def of(self, namespace: str) -> list[tuple[str, int]]:
        return [(name, n) for ns, name, n in self._rows if ns == namespace]


def counter_values(source: Any, namespace: str) -> list[tuple[str, int]]:
    """(name, value) of every counter of `namespace` in `source`: a run's `Tallies`, or a
    PipelineResult's metrics (committed where the runner gives them, else attempted)."""
    if isinstance(source, Tallies):
        return source.of(namespace)
    query = source.query(beam.metrics.MetricsFilter().with_namespace(namespace))
    out = []
    for result in query["counters"]:
        value = result.committed if result.committed is not None else result.attempted
        out.append((result.key.metric.name, int(value or 0)))
    return out


# Per pipeline, every TALLY output registered by `tallied` while the pipeline is built: the counts
# leave some twenty composites this way without each passing a new output up to `build`.
_TALLY_OUTPUTS: weakref.WeakKeyDictionary[Any, list[beam.PCollection]] = weakref.WeakKeyDictionary()


def tallied(outputs: beam.pvalue.DoOutputsTuple) -> beam.pvalue.DoOutputsTuple:
    """Register the TALLY output of a StageDoFn's ParDo (applied `.with_outputs(TALLY, ...)`) with its
    pipeline, for `tally_outputs`; returns the outputs."""
    tally = outputs[TALLY]
    _TALLY_OUTPUTS.setdefault(tally.pipeline, []).append(tally)
    return outputs


def tally_outputs(pipeline: beam.Pipeline) -> list[beam.PCollection]:
    """Every TALLY output registered for `pipeline`, once (the registry forgets them)."""
    return _TALLY_OUTPUTS.pop(pipeline, [])


def untallied_stages(pipeline: beam.Pipeline) -> list[str]:
    """The labels of every ParDo of a StageDoFn whose TALLY output no `tallied` registered: each
    would count into nothing that reaches the manifest. `build` refuses such a graph."""
    registered = {id(p) for p in _TALLY_OUTPUTS.get(pipeline, [])}
    missing: list[str] = []

    class _Check(PipelineVisitor):
        def visit_transform(self, applied: Any) -> None:
            if isinstance(getattr(applied.transform, "fn", None), StageDoFn):
                tally = applied.outputs.get(TALLY)
                if tally is None or id(tally) not in registered:
                    missing.append(applied.full_label)

    pipeline.visit(_Check())
    return missing


def sum_tallies(parts: list[beam.PCollection], pipeline: beam.Pipeline) -> beam.PCollection:
    """One element: [[namespace, name, n], ...] summed over every bundle of every stage, sorted."""
    if not parts:
        parts = [pipeline | "NoTallies" >> beam.Create([])]
    return (tuple(parts) | "AllTallies" >> beam.Flatten()
            | "SumTallies" >> beam.CombinePerKey(sum)
            | "ListTallies" >> beam.combiners.ToList()
            | "TallyRows" >> beam.Map(lambda kvs: Tallies((ns, name, n) for (ns, name), n in kvs).rows()))


class _MemoryCounter:
    def __init__(self, counts: dict[str, int], name: str) -> None:
        self._counts = counts
        self._name = name

    def inc(self, n: int = 1) -> None:
        self._counts[self._name] += n


class MemoryCounters:
    """Counters kept in a dict, for running a stage's pure function without Beam (tests, benchmarks):
    pass it as a Stage's `counter`, then read `counts` ({"<stage>/<reason>": n}); counters of another
    namespace are kept as "<namespace>:<stage>/<reason>" (read them with `failed` and `only`)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, name: str, namespace: str = NAMESPACE) -> _Counter:
        key = name if namespace == NAMESPACE else f"{namespace}:{name}"
        self.counts.setdefault(key, 0)
        return _MemoryCounter(self.counts, key)

    def _namespace(self, namespace: str, stage: str) -> dict[str, int]:
        prefix = f"{namespace}:{stage}/"
        return {k[len(prefix):]: v for k, v in sorted(self.counts.items()) if k.startswith(prefix) and v}

    def failed(self, stage: str) -> dict[str, int]:
        """{reason: records failing it} of one stage ("also failed")."""
        return self._namespace(FAILED_NAMESPACE, stage)

    def only(self, stage: str) -> dict[str, int]:
        """{reason: records failing it and no other rule} of one stage."""
        return self._namespace(ONLY_NAMESPACE, stage)

    def stage(self, stage: str) -> dict[str, int]:
        """{"in": n, "kept": n, reason: n} of one stage, the shape `stage_counts` gives per stage."""
        prefix = f"{stage}/"
        return {k[len(prefix):]: v for k, v in sorted(self.counts.items()) if k.startswith(prefix) and v}


class LiveTally:
    """What every stage has counted so far in this process, for the progress line of a run on a
    terminal. Beam's metrics are only readable once the run has finished; when the workers run in
    the launching process (the FnApiRunner's default), this tally is live. Counts of retried
    bundles may be counted twice here; the manifest reads Beam's committed metrics, never this."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, stage: str, kind: str, n: int) -> None:
        self._counts[(stage, kind)] += n

    def snapshot(self) -> dict[str, dict[str, int]]:
        """{stage: {"in": n, "kept": n, "rejected": n}} so far."""
        out: dict[str, dict[str, int]] = {}
        for (stage, kind), n in list(self._counts.items()):
            out.setdefault(stage, {IN: 0, KEPT: 0, REJECTED: 0})[kind] = n
        return out

    def clear(self) -> None:
        self._counts.clear()


REJECTED = "rejected"
LIVE = LiveTally()


class Stage:
    """Counters of one stage. Create it in a DoFn's setup (or lazily); Beam metrics cannot be pickled
    into a closure reliably on every runner."""

    def __init__(self, stage: str, source: str, counter: CounterFactory | None = None) -> None:
        self.stage = stage
        self.source = source
        self._counter = counter or beam_counter
        self._in = self._counter(f"{stage}/{IN}")
        self._kept = self._counter(f"{stage}/{KEPT}")
        self._reasons: dict[str, Any] = {}
        self._failures: dict[tuple[str, str], Any] = {}

    def incoming(self, n: int = 1) -> None:
        self._in.inc(n)
        LIVE.add(self.stage, IN, n)

    def kept(self, n: int = 1) -> None:
        self._kept.inc(n)
        LIVE.add(self.stage, KEPT, n)

    def verdict(self, reason: str | None, *, key: str, repo: str = "",
                detail: str = "", counted_in: bool = False) -> beam.pvalue.TaggedOutput | None:
        """Count one record in, then kept (returns None) or rejected for `reason` (returns the reject
        to yield): the one place a stage decides, so in = kept + rejected holds wherever it is used.
        `counted_in`: an earlier step of the same stage counted the record in (a filter stage's
        first tier, `ApplyFilters`)."""
        if not counted_in:
            self.incoming()
        if not reason:
            self.kept()
            return None
        return self.reject(reason, key=key, repo=repo, detail=detail)

    def failures(self, reasons: tuple[str, ...]) -> None:
        """Count every rule one record fails ("also failed"), and the rule when it is the only one.
        Separate namespaces: the stage's balance (in, kept, first reasons) is not touched."""
        for reason in reasons:
            self._failure(FAILED_NAMESPACE, reason).inc()
        if len(reasons) == 1:
            self._failure(ONLY_NAMESPACE, reasons[0]).inc()

    def _failure(self, namespace: str, reason: str) -> Any:
        counter = self._failures.get((namespace, reason))
        if counter is None:
            counter = self._failures[(namespace, reason)] = self._counter(f"{self.stage}/{reason}", namespace)
        return counter

    def reject(self, reason: str, *, key: str, repo: str = "", detail: str = "") -> beam.pvalue.TaggedOutput:
        counter = self._reasons.get(reason)
        if counter is None:
            counter = self._reasons[reason] = self._counter(f"{self.stage}/{reason}")
        counter.inc()
        LIVE.add(self.stage, REJECTED, 1)
        return beam.pvalue.TaggedOutput(
            REJECTS, make_reject(self.stage, reason, source=self.source, key=key, repo=repo, detail=detail))


class StageDoFn(beam.DoFn):
    """The one counting base of the project's DoFns. It pickles only the names of its stage and
    source, and makes the counters on the worker (Beam metrics do not pickle reliably on every
    runner). `self._stage` counts the DoFn's own stage for its own source; `self.stage(source=...,
    name=...)` gives the counters of another source (assembly stages count each sample under the
    source it came from) or of another stage (a DoFn that decides several stages in one pass)."""

    def __init__(self, stage: str, source: str = "") -> None:
        self._stage_name = stage
        self._source = source

    def setup(self) -> None:
        pace_collector()  # the first of the project's DoFns set up in a worker process sets its pace
        self.counter = BundleTally()
        self._stages: dict[tuple[str, str], Stage] = {}
        self._stage = self.stage()

    def start_bundle(self) -> None:
        self.counter.clear()

    def finish_bundle(self) -> Iterator[Any]:
        yield from self.tally()

    def tally(self, like: WindowedValue | None = None) -> Iterator[beam.pvalue.TaggedOutput]:
        """This bundle's counts on the TALLY output (a subclass that emits in `finish_bundle` ends
        with this, after what it emits there has been counted), in the global window, where every
        repairpack pipeline runs, or in the window of `like`, an element of the bundle."""
        for key, n in self.counter.drain():
            value = GlobalWindows.windowed_value((key, n)) if like is None else like.with_value((key, n))
            yield beam.pvalue.TaggedOutput(TALLY, value)

    def stage(self, source: str | None = None, name: str | None = None) -> Stage:
        key = (name or self._stage_name, self._source if source is None else source)
        found = self._stages.get(key)
        if found is None:
            found = self._stages[key] = Stage(key[0], key[1], self.counter)
        return found


# Which part of a filter stage's chain a DoFn runs (ApplyFilters' `between`): all of it; the first
# tier, which counts every record in and its rejects but leaves a record it keeps to the last tier;
# or the last tier, which counts what it keeps and rejects of records counted in before.
WHOLE, FIRST_TIER, LAST_TIER = "whole", "first", "last"


class _FilterFn(StageDoFn):
    def __init__(self, stage: str, source: str, filters: list[Check],
                 key_of: Callable[[Any], str], repo_of: Callable[[Any], str], count_every: bool = False,
                 tier: str = WHOLE) -> None:
        super().__init__(stage, source)
        self._filters = filters
        self._key_of = key_of
        self._repo_of = repo_of
        self._count_every = count_every
        self._tier = tier

    def process(self, record: Any) -> Iterator[Any]:
        if self._count_every:
            reasons = every_reason(self._filters, record)
            self._stage.failures(reasons)
            reason = reasons[0] if reasons else None
        else:
            reason = first_reason(self._filters, record)
        rejected = self._decide(record, reason)
        yield record if rejected is None else rejected

    def _decide(self, record: Any, reason: str | None) -> beam.pvalue.TaggedOutput | None:
        if self._tier == FIRST_TIER and not reason:
            self._stage.incoming()
            return None  # passed on: the last tier decides
        return self._stage.verdict(reason, key=self._key_of(record), repo=self._repo_of(record),
                                   counted_in=self._tier == LAST_TIER)


# The whole input element of `process` (Beam 2.60 and later; None before, see _PartsFilterFn).
_WINDOWED_VALUE = getattr(beam.DoFn, "WindowedValueParam", None)


class _BatchedFilterFn(_FilterFn):
    """`_FilterFn` for a chain with batch hooks (filters/base.py): records reaching a hooked filter
    wait there, at most `batch_size` per hooked filter, and are let through together, when the batch
    is full (in `process`) and at the end of the bundle (`finish_bundle`). Every record is counted
    once, when decided, with the reason `first_reason` gives: in = kept + rejected as per record.
    Outputs carry the window and timestamp of their own input element, also those emitted while
    another element is processed or in `finish_bundle`."""

    def __init__(self, stage: str, source: str, filters: list[Check], key_of: Callable[[Any], str],
                 repo_of: Callable[[Any], str], batch_size: int, count_every: bool = False,
                 tier: str = WHOLE) -> None:
        super().__init__(stage, source, filters, key_of, repo_of, count_every, tier)
        self._batch_size = batch_size

    def start_bundle(self) -> None:
        super().start_bundle()
        self._chain = BatchedChain(self._filters, self._batch_size, every=self._count_every)
        self._last: WindowedValue | None = None

    def process(self, record: Any, element: WindowedValue = _WINDOWED_VALUE) -> Iterator[Any]:
        self._last = element
        yield from self._outputs(self._chain.add(record, element))

    def finish_bundle(self) -> Iterator[Any]:
        yield from self._outputs(self._chain.flush())
        yield from self.tally(self._last)

    def _outputs(self, decided: list[tuple[Any, WindowedValue, Any]]) -> Iterator[Any]:
        for record, element, found in decided:
            if self._count_every:
                self._stage.failures(found)
                reason = found[0] if found else None
            else:
                reason = found
            rejected = self._decide(record, reason)
            if rejected is None:
                yield element.with_value(record)
            else:
                yield beam.pvalue.TaggedOutput(rejected.tag, element.with_value(rejected.value))


class _PartsFilterFn(_BatchedFilterFn):
    """`_BatchedFilterFn` taking an element's window, timestamp and pane apart (Beams before
    `WindowedValueParam`; also tested where it exists)."""

    def process(self, record: Any, timestamp: Any = beam.DoFn.TimestampParam,  # type: ignore[override]
                window: Any = beam.DoFn.WindowParam, pane: Any = beam.DoFn.PaneInfoParam) -> Iterator[Any]:
        element = self._last = WindowedValue(record, timestamp, (window,), pane)
        yield from self._outputs(self._chain.add(record, element))


class FilterOutputs:
    """What ApplyFilters gives: `kept`, and the rejects as `[REJECTS]` (as a ParDo's outputs)."""

    def __init__(self, kept: beam.PCollection, rejects: beam.PCollection) -> None:
        self.kept = kept
        self._rejects = rejects

    def __getitem__(self, tag: str) -> beam.PCollection:
        if tag != REJECTS:
            raise KeyError(tag)
        return self._rejects


class ApplyFilters(beam.PTransform):
    """Run filters cheapest first (the order given); the first reason wins and is counted. When a
    filter has a batch hook (language detection), records are let through it in batches of at most
    `batch_size` (`_BatchedFilterFn`); the decisions and counts are the same.

    `count_every` (on by default): every filter runs on every record, and each reason a record fails
    is counted apart ("also failed", `Stage.failures`), so the funnel shows which rule binds. The
    costly filters (parsing, language, tags) still run only on records no earlier filter failed.

    `between`: a transform the records that pass the cheap filters go through before the costly
    ones (the git source puts a file's versions next to each other there, for the parse memos).
    The chain is cut before its first costly filter, when every filter after it is costly too;
    the stage's counts, also-failed counts and rejects are the same as uncut, and the records
    that a cheap filter drops never reach `between`."""

    def __init__(self, stage: str, source: str, filters: list[Check],
                 key_of: Callable[[Any], str], repo_of: Callable[[Any], str] = lambda r: "",
                 batch_size: int = BATCH_SIZE, count_every: bool = True,
                 between: beam.PTransform | None = None) -> None:
        super().__init__(label=f"Filter[{stage}]")

        def fn(checks: list[Check], tier: str) -> _FilterFn:
            if has_prepare_hooks(checks):
                batched = _BatchedFilterFn if _WINDOWED_VALUE is not None else _PartsFilterFn
                return batched(stage, source, checks, key_of, repo_of, batch_size, count_every, tier)
            return _FilterFn(stage, source, checks, key_of, repo_of, count_every, tier)

        cut = next((i for i, check in enumerate(filters) if is_costly(check)), len(filters))
        self._between = between
        if between is not None and 0 < cut < len(filters) and all(map(is_costly, filters[cut:])):
            self._tiers = [fn(filters[:cut], FIRST_TIER), fn(filters[cut:], LAST_TIER)]
        else:
            self._tiers = [fn(filters, WHOLE)]

    def expand(self, records: beam.PCollection) -> FilterOutputs:
        if len(self._tiers) == 1:
            whole = tallied(records | beam.ParDo(self._tiers[0]).with_outputs(REJECTS, TALLY, main="kept"))
            kept = whole.kept if self._between is None else whole.kept | "Between" >> self._between
            return FilterOutputs(kept, whole[REJECTS])
        first = tallied(records | "Cheap" >> beam.ParDo(self._tiers[0]).with_outputs(REJECTS, TALLY, main="kept"))
        last = tallied(first.kept | "Between" >> self._between
                       | "Costly" >> beam.ParDo(self._tiers[1]).with_outputs(REJECTS, TALLY, main="kept"))
        rejects = (first[REJECTS], last[REJECTS]) | "Rejects" >> beam.Flatten()
        return FilterOutputs(last.kept, rejects)


# ------------------------------------------------------------------------------------ reading results

def stage_counts(source: Any) -> dict[str, dict[str, int]]:
    """{stage: {"in": n, "kept": n, reason: n, ...}} from a run's `Tallies` or a PipelineResult's
    metrics (`counter_values`)."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for name, value in counter_values(source, NAMESPACE):
        stage, _, reason = name.rpartition("/")
        counts[stage][reason] = counts[stage].get(reason, 0) + value
    return {stage: dict(sorted(c.items())) for stage, c in sorted(counts.items())}


def failure_counts(source: Any) -> dict[str, dict[str, dict[str, int]]]:
    """{"also_failed": {stage: {reason: n}}, "only_failed": {stage: {reason: n}}} from a run's
    `Tallies` or a PipelineResult's metrics: every rule the records of a filter stage fail, and the
    records each rule alone drops (see the module docstring). Empty dicts when no stage counted them."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for key, namespace in (("also_failed", FAILED_NAMESPACE), ("only_failed", ONLY_NAMESPACE)):
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for name, value in counter_values(source, namespace):
            stage, _, reason = name.rpartition("/")
            if value:
                counts[stage][reason] = counts[stage].get(reason, 0) + value
        out[key] = {stage: dict(sorted(c.items())) for stage, c in sorted(counts.items())}
    return out


# Stages in the order records flow through them (git's, the dump's, then the judge's); unknown ones sort after.
FLOW_ORDER = ("query", "repository", "refs", "metadata", "read", "commit", "contents", "fetch", "filters", "window",
              "language", "status", "problem", "sequence", "code", "repeat", "pair",
              "exact_dedup", "decontaminate", "near_dedup", "secrets")
SOURCE_ORDER = ("git", "bigquery", "judge", "assembly")


def flow_order(stage: str) -> tuple[int, str, int, str]:
    source, _, step = stage.partition(".")
    rank = SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)
    return (rank, source, FLOW_ORDER.index(step) if step in FLOW_ORDER else len(FLOW_ORDER), step)


SUMMARY_REASONS = 3


def summary_table(counts: dict[str, dict[str, int]]) -> str:
    """One line per stage, in flow order: in, kept, rejected and the reasons that reject the most
    (every reason is in manifest.json and the report)."""
    rows = [("stage", IN, KEPT, REJECTED, "top reasons")]
    for stage, c in sorted(counts.items(), key=lambda kv: flow_order(kv[0])):
        reasons = sorted(((r, n) for r, n in c.items() if r not in (IN, KEPT) and n),
                         key=lambda kv: (-kv[1], kv[0]))
        named = ", ".join(f"{r} {n:,}" for r, n in reasons[:SUMMARY_REASONS])
        if len(reasons) > SUMMARY_REASONS:
            named += f", {len(reasons) - SUMMARY_REASONS} more"
        rows.append((stage, f"{c.get(IN, 0):,}", f"{c.get(KEPT, 0):,}", f"{sum(n for _, n in reasons):,}", named))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}  {r[4]}".rstrip()
             for r in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)
