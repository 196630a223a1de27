"""Mergeable summaries for the statistics report: counters, fixed-bin histograms, a quantile sketch
and bottom-k examples, folded batch by batch and merged in any order to the same result.

Memory is bounded by the number of distinct keys (sources, splits, licenses, verdicts, stages,
reasons, AST node types) and bins, never by the number of samples: that is what lets the report job
run on a corpus of any size. Everything keyed by an unbounded name (repositories, problems, first
words, duplicate clusters, judge trajectories) goes through a keyed Beam combine instead (report_job).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import apache_beam as beam
import numpy as np
import pyarrow as pa

from beam_jobs.report_features import (batch_features, chosen_for_edit_kinds, edit_kinds, example_of,
                                       first_words, problem_key, seeded_hash, trajectory_key,
                                       trajectory_summary)
from schemas.report_stats import QUANTILES, Distribution, Histogram

EXACT_LIMIT = 1024          # integers below it get a sketch bucket of their own
GAMMA = 1.01                # above it, buckets grow by 1 %: quantiles within 0.5 %
SHARE_SCALE = 1000          # shares are sketched as integer thousandths
EXAMPLES_PER_SOURCE = 3
ALL = "all"

# Fixed bins, the same for every corpus: log-spaced for the heavy-tailed lengths.
_LINES = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
_CHARS = [0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000]
_SMALL = [0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 100, 200, 500]
_SHARE = [round(i * 0.05, 2) for i in range(20)] + [1.0]
_SEQ = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 15, 20, 50]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    edges: tuple[float, ...]
    log_scale: bool
    share: bool = False


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("old_lines", "lines", tuple(_LINES), True),
    Metric("new_lines", "lines", tuple(_LINES), True),
    Metric("old_chars", "characters", tuple(_CHARS), True),
    Metric("new_chars", "characters", tuple(_CHARS), True),
    Metric("lines_added", "lines", tuple(_SMALL), True),
    Metric("lines_removed", "lines", tuple(_SMALL), True),
    Metric("hunks", "hunks", tuple(_SMALL), True),
    Metric("change_share", "share", tuple(_SHARE), False, share=True),
    Metric("instruction_chars", "characters", tuple(_CHARS), True),
    Metric("instruction_words", "words", tuple(_SMALL), True),
    Metric("sequence_length", "submissions", tuple(_SEQ), False),
    Metric("attempts_before_accepted", "submissions", tuple(_SEQ), False),
    Metric("problem_acceptance_rate", "share", tuple(_SHARE), False, share=True),
)}
SAMPLE_METRICS = ("old_lines", "new_lines", "old_chars", "new_chars", "lines_added", "lines_removed", "hunks",
                  "change_share", "instruction_chars", "instruction_words")


# ------------------------------------------------------------------------------------------ sketch

def sketch_buckets(values: np.ndarray) -> np.ndarray:
    """Bucket of each non-negative integer: itself below EXACT_LIMIT, then geometric with ratio GAMMA."""
    v = np.maximum(values.astype(np.float64), 0.0)
    high = v >= EXACT_LIMIT
    out = v.astype(np.int64)
    if high.any():
        out[high] = EXACT_LIMIT + np.floor(np.log(v[high] / EXACT_LIMIT) / math.log(GAMMA)).astype(np.int64)
    return out


def bucket_value(bucket: int) -> float:
    """The value a bucket stands for: itself when exact, else the geometric middle of its range."""
    if bucket < EXACT_LIMIT:
        return float(bucket)
    low = EXACT_LIMIT * GAMMA ** (bucket - EXACT_LIMIT)
    return low * math.sqrt(GAMMA)


@dataclass
class Dist:
    """A mergeable distribution: count, sum, min, max, a fixed-bin histogram and a quantile sketch."""
    metric: str
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf
    bins: list[int] = field(default_factory=list)
    buckets: Counter = field(default_factory=Counter)

    def add(self, values: np.ndarray) -> None:
        if len(values) == 0:
            return
        m = METRICS[self.metric]
        values = np.asarray(values)
        self.count += int(len(values))
        self.total += float(values.sum())
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        idx = np.clip(np.searchsorted(np.asarray(m.edges), values, side="right") - 1, 0, len(m.edges) - 1)
        counts = np.bincount(idx, minlength=len(m.edges))
        if not self.bins:
            self.bins = [0] * len(m.edges)
        for i in np.nonzero(counts)[0]:
            self.bins[int(i)] += int(counts[i])
        scaled = np.rint(values * SHARE_SCALE) if m.share else values
        keys, freq = np.unique(sketch_buckets(scaled), return_counts=True)
        for k, n in zip(keys.tolist(), freq.tolist()):
            self.buckets[k] += n

    def merge(self, other: "Dist") -> None:
        if other.count == 0:
            return
        self.count += other.count
        self.total += other.total
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)
        if not self.bins:
            self.bins = [0] * len(other.bins)
        self.bins = [a + b for a, b in zip(self.bins, other.bins)]
        self.buckets.update(other.buckets)

    def quantile(self, q: float) -> float:
        """The value at rank ceil(q * count) (nearest rank), from the sketch."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(q * self.count))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                value = bucket_value(bucket)
                if METRICS[self.metric].share:
                    value /= SHARE_SCALE
                return min(max(value, self.low), self.high)
        return self.high

    def to_schema(self) -> Distribution:
        m = METRICS[self.metric]
        empty = self.count == 0
        return Distribution(
            unit=m.unit, count=self.count,
            min=0 if empty else _num(self.low), max=0 if empty else _num(self.high),
            mean=0 if empty else round(self.total / self.count, 6),
            quantiles={f"p{round(q * 100)}": _num(self.quantile(q)) for q in QUANTILES},
            histogram=Histogram(edges=list(m.edges), counts=list(self.bins) or [0] * len(m.edges)),
            log_scale=m.log_scale)


def _num(value: float) -> float:
    """Whole numbers as ints in the JSON, others rounded: the file stays stable and readable."""
    return int(value) if float(value).is_integer() else round(float(value), 6)


# ------------------------------------------------------------------------------------- accumulator

@dataclass
class ReportAccumulator:
    """Everything the report counts with a bounded number of keys; `merge` is associative and
    commutative, so Beam may combine partials in any order and on any worker."""
    counts: Counter = field(default_factory=Counter)       # (table, key...) -> n
    dists: dict[tuple[str, str], Dist] = field(default_factory=dict)  # (metric, source) -> Dist
    examples: dict[str, list[tuple[int, str, dict[str, Any]]]] = field(default_factory=dict)

    def dist(self, metric: str, source: str) -> Dist:
        key = (metric, source)
        if key not in self.dists:
            self.dists[key] = Dist(metric)
        return self.dists[key]

    def add_examples(self, source: str, candidates: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
        kept = sorted([*self.examples.get(source, []), *candidates], key=lambda c: (c[0], c[1]))
        self.examples[source] = kept[:EXAMPLES_PER_SOURCE]

    def merge(self, other: "ReportAccumulator") -> "ReportAccumulator":
        self.counts.update(other.counts)
        for key, d in other.dists.items():
            self.dist(*key).merge(d)
        for source, candidates in other.examples.items():
            self.add_examples(source, candidates)
        return self


class MergeReports(beam.CombineFn):
    """Partial accumulators in, one accumulator out: the global combine of the report job."""

    def create_accumulator(self) -> ReportAccumulator:
        return ReportAccumulator()

    def add_input(self, acc: ReportAccumulator, partial: ReportAccumulator) -> ReportAccumulator:
        return acc.merge(partial)

    def merge_accumulators(self, accs: Iterable[ReportAccumulator]) -> ReportAccumulator:
        out = ReportAccumulator()
        for acc in accs:
            out.merge(acc)
        return out

    def extract_output(self, acc: ReportAccumulator) -> ReportAccumulator:
        return acc


# ------------------------------------------------------------------------------- folding a batch

@dataclass
class BatchSummary:
    """What one Arrow batch of data/ contributes: the bounded part, plus pre-counted keyed parts."""
    partial: ReportAccumulator
    groups: list[tuple[tuple[str, str], int]]          # ((source, group), samples)
    words: list[tuple[tuple[str, str], int]]           # ((source, first word), samples)
    trajectories: list[tuple[str, tuple[str, int, int, int]]]  # (key, (problem, length, attempts, accepted))


def _value_counts(*columns: list[str]) -> Counter:
    return Counter(zip(*columns))


# Threshold measures (report_summary.near_thresholds) as functions of the batch features.
THRESHOLD_MEASURES = {
    "old + new characters": lambda f: f["old_chars"] + f["new_chars"],
    "old characters": lambda f: f["old_chars"],
    "change share": lambda f: f["change_share"],
    "instruction words": lambda f: f["instruction_words"],
}


def summarise_batch(table: pa.Table, *, seed: str, edit_kind_rate: float,
                    thresholds: Iterable[Any] = ()) -> BatchSummary:
    """Fold one batch of samples: vectorised features into histograms and sketches, counters of the
    small categorical columns, the examples and edit-kind subset chosen by seeded hash, and the
    commit samples within each threshold's band (`thresholds`: report_summary.Threshold)."""
    acc = ReportAccumulator()
    n = table.num_rows
    if n == 0:
        return BatchSummary(acc, [], [], [])
    feats = batch_features(table)
    source = _str_list(table, "source")
    split = _str_list(table, "split")
    license_ = _str_list(table, "license")
    group = _str_list(table, "group")
    lang = _str_list(table, "message_lang")
    parses = [bool(v) if v is not None else True for v in table.column("old_parses").to_pylist()]
    major = [str(v) if v is not None else "" for v in table.column("python_major").to_pylist()]
    words = first_words(table.column("instruction")).to_pylist()
    src = np.asarray(source, dtype=object)
    for s in sorted(set(source)):
        mask = src == s
        for metric in SAMPLE_METRICS:
            values = feats[metric][mask]
            acc.dist(metric, s).add(values)
            acc.dist(metric, ALL).add(values)
    commits = src == "commit"
    for t in thresholds:
        values = THRESHOLD_MEASURES[t.measure](feats)
        inside = int(np.count_nonzero(commits & (values >= t.low) & (values <= t.high)))
        if inside:
            acc.counts[("near_threshold", t.name)] += inside
    code_bytes = feats["code_bytes"].tolist()
    for i in range(n):
        acc.counts[("size", source[i], split[i], license_[i])] += 1
        acc.counts[("bytes", source[i], split[i], license_[i])] += code_bytes[i]
    for (s, l), c in _value_counts(source, lang).items():
        acc.counts[("lang", s, l)] += c
    for (s, p), c in _value_counts(source, [str(p) for p in parses]).items():
        acc.counts[("old_parses", s, p)] += c
    for m, c in Counter(major).items():
        acc.counts[("python_major", m)] += c

    ids = _str_list(table, "id")
    hashes = [seeded_hash(seed, i) for i in ids]
    chosen = [i for i in range(n) if parses[i] and chosen_for_edit_kinds(hashes[i], edit_kind_rate)]
    if chosen:
        old = table.column("old_contents").take(chosen).to_pylist()
        new = table.column("new_contents").take(chosen).to_pylist()
        for j, i in enumerate(chosen):
            kinds = edit_kinds(old[j] or "", new[j] or "")
            if kinds is None:
                continue
            acc.counts[("edit_analysed", source[i])] += 1
            if not kinds:
                acc.counts[("edit_none", source[i])] += 1
            for kind in kinds:
                acc.counts[("edit_kind", source[i], kind)] += 1
    by_source: dict[str, list[int]] = {}
    for i in range(n):
        by_source.setdefault(source[i], []).append(i)
    for s, rows in by_source.items():
        best = sorted(rows, key=lambda i: (hashes[i], ids[i]))[:EXAMPLES_PER_SOURCE]
        picked = table.take(best).to_pylist()
        acc.add_examples(s, [(hashes[i], ids[i], example_of(row)) for i, row in zip(best, picked)])

    verdict_before = _str_list(table, "verdict_before")
    verdict_after = _str_list(table, "verdict_after")
    judge_rows = [i for i in range(n) if source[i] == "judge"]
    trajectories: dict[str, tuple[str, int, int, int]] = {}
    if judge_rows:
        sub = table.take(judge_rows).select(["dataset", "problem_id", "user_id", "verdict_sequence"]).to_pylist()
        for i, row in zip(judge_rows, sub):
            acc.counts[("verdict", verdict_before[i], verdict_after[i])] += 1
            key = trajectory_key(row)
            if key not in trajectories:
                trajectories[key] = (problem_key(row), *trajectory_summary(row["verdict_sequence"]))
    return BatchSummary(
        partial=acc,
        groups=sorted(_value_counts(source, group).items()),
        words=sorted(_value_counts(source, words).items()),
        trajectories=sorted(trajectories.items()))


def _str_list(table: pa.Table, name: str) -> list[str]:
    column = table.column(name)
    return ["" if v is None else v for v in column.to_pylist()]


DEDUP_STAGES = ("assembly.exact_dedup", "assembly.near_dedup")


def summarise_rejects(table: pa.Table) -> tuple[ReportAccumulator, list[tuple[tuple[str, str], int]]]:
    """Fold one batch of rejects: counts per (stage, reason, source), and duplicate clusters keyed by
    (stage, kept id) from the dedup stages' `kept <id>` detail."""
    acc = ReportAccumulator()
    stage, reason, source = _str_list(table, "stage"), _str_list(table, "reason"), _str_list(table, "source")
    detail = _str_list(table, "detail")
    for key, c in _value_counts(stage, reason, source).items():
        acc.counts[("reject", *key)] += c
    clusters: Counter = Counter()
    for s, d in zip(stage, detail):
        if s in DEDUP_STAGES and d.startswith("kept "):
            clusters[(s, d[5:].strip())] += 1
    return acc, sorted(clusters.items())


def rank_key(entry: tuple[int, str]) -> tuple[int, list[int]]:
    """Order for top-k: more samples first, then the name in ascending order (ties are deterministic).
    Top.Largest keeps the largest keys, so the name is compared negated, with a sentinel that puts a
    prefix ("ab") before its extensions ("abc")."""
    n, name = entry
    return n, [-ord(c) for c in name] + [1]
