"""Mergeable summaries for the statistics report: counters, fixed-bin histograms, a quantile sketch
and bottom-k examples, folded batch by batch and merged in any order to the same result.

Memory is bounded by the number of distinct keys (sources, splits, licenses, verdicts, stages,
reasons, AST node types) and bins, never by the number of samples: that is what lets the report job
run on a corpus of any size. Everything keyed by an unbounded name (repositories, problems, first
words, duplicate clusters, judge trajectories) goes through a keyed Beam combine instead (report/job.py).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from beam_jobs.report.features import (HASH_SPACE, ONE_PAIR_PER_TRAJECTORY, batch_features, edit_kind_cutoff,
                                       example_of, first_words, problem_keys, seeded_hashes, trajectory_columns,
                                       trajectory_key)
from filters.edits import edit_kinds
from filters.tags import SYNTAX_ERROR_AFTER, SYNTAX_ERROR_BEFORE
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

    def add(self, values: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Fold values in (each counted `weights[i]` times when given)."""
        values = np.asarray(values)
        if len(values) == 0:
            return
        m = METRICS[self.metric]
        w = np.ones(len(values), dtype=np.int64) if weights is None else np.asarray(weights, dtype=np.int64)
        self.count += int(w.sum())
        self.total += float((values * w).sum())
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        idx = np.clip(np.searchsorted(np.asarray(m.edges), values, side="right") - 1, 0, len(m.edges) - 1)
        counts = np.bincount(idx, weights=w, minlength=len(m.edges)).astype(np.int64)
        if not self.bins:
            self.bins = [0] * len(m.edges)
        for i in np.nonzero(counts)[0]:
            self.bins[int(i)] += int(counts[i])
        buckets = sketch_buckets(np.rint(values * SHARE_SCALE) if m.share else values)
        freq = np.bincount(buckets, weights=w).astype(np.int64)
        for k in np.nonzero(freq)[0]:
            self.buckets[int(k)] += int(freq[k])

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
                elif bucket >= EXACT_LIMIT:
                    value = round(value)  # lengths are whole numbers
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


@dataclass
class BatchSummary:
    """What one Arrow batch of data/ contributes: the bounded part, plus pre-counted keyed parts."""
    partial: ReportAccumulator
    groups: Counter          # (source, group) -> samples
    words: Counter           # (source or ALL, first word) -> samples
    problems: Counter        # problem -> (accepted, judged) verdicts of its one-pair trajectories, as 2 counters
    judged: Counter
    trajectories: list[tuple[str, tuple[str, int, int, int]]]  # other pairings: (key, (problem, length, attempts, accepted))


# Threshold measures (summary.near_thresholds) as functions of the batch features.
THRESHOLD_MEASURES = {
    "old + new characters": lambda f: f["old_chars"] + f["new_chars"],
    "old characters": lambda f: f["old_chars"],
    "change share": lambda f: f["change_share"],
    "instruction words": lambda f: f["instruction_words"],
    "bytes of the larger version": lambda f: np.maximum(f["old_bytes"], f["new_bytes"]),
}


def _filled(table: pa.Table, name: str, fill: Any = "") -> pa.Array:
    column = table.column(name)
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return pc.fill_null(column, fill)


def group_counts(columns: dict[str, Any], weights: dict[str, Any] | None = None) -> list[tuple[tuple, int, dict[str, int]]]:
    """[(key tuple, rows, {weight column: sum})] over the distinct combinations of `columns`, in
    Arrow's C++ group-by (a Python loop over rows would dominate the job)."""
    weights = weights or {}
    table = pa.table({**columns, **weights, "_one": pa.array(np.ones(len(next(iter(columns.values()))), np.int64))})
    names = list(columns)
    agg = table.group_by(names).aggregate([("_one", "sum"), *[(w, "sum") for w in weights]]).to_pydict()
    out = []
    for i in range(len(agg["_one_sum"])):
        out.append((tuple(agg[n][i] for n in names), int(agg["_one_sum"][i]),
                    {w: int(agg[f"{w}_sum"][i] or 0) for w in weights}))
    return out


def _true_count(mask: Any) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def _verification_counts(acc: ReportAccumulator, judge: pa.Table) -> None:
    """judge.verify in the report: samples per (judge label before, executed verdict before) over the
    samples that were executed, the verified samples and those with a problem statement. Null
    columns (judge.verify off, or a corpus built before it) count nothing."""
    names = judge.column_names
    if "exec_before" in names:
        executed = pc.is_valid(judge.column("exec_before"))
        if _true_count(executed):
            ran = judge.filter(executed)
            for (label, run), rows, _ in group_counts({"label": _filled(ran, "verdict_before"),
                                                       "run": _filled(ran, "exec_before")}):
                acc.counts[("executed", label, run)] += rows
    if "verified" in names:
        acc.counts[("verified",)] += _true_count(judge.column("verified"))
    if "problem_statement" in names:
        acc.counts[("statement",)] += _true_count(pc.is_valid(judge.column("problem_statement")))


def summarise_batch(table: pa.Table, *, seed: str, edit_kind_rate: float,
                    thresholds: Iterable[Any] = ()) -> BatchSummary:
    """Fold one batch of samples: vectorised features into histograms and sketches, Arrow group-by
    counts of the categorical columns, the examples and the edit-kind subset chosen by seeded hash,
    the commit samples within each threshold's band (`thresholds`: summary.Threshold), and the
    judge trajectories."""
    acc = ReportAccumulator()
    out = BatchSummary(acc, Counter(), Counter(), Counter(), Counter(), [])
    n = table.num_rows
    if n == 0:
        return out
    feats = batch_features(table)
    source = _filled(table, "source")
    src = np.asarray(source.to_pylist(), dtype=object)
    sources = sorted(set(src.tolist()))
    masks = {s: src == s for s in sources}
    for s in sources:
        for metric in SAMPLE_METRICS:
            acc.dist(metric, s).add(feats[metric][masks[s]])
    for (s, split, license_), rows, sums in group_counts(
            {"source": source, "split": _filled(table, "split"), "license": _filled(table, "license")},
            {"bytes": pa.array(feats["old_bytes"] + feats["new_bytes"])}):
        acc.counts[("size", s, split, license_)] += rows
        acc.counts[("bytes", s, split, license_)] += sums["bytes"]
    for (s, lang), rows, _ in group_counts({"source": source, "lang": _filled(table, "message_lang")}):
        acc.counts[("lang", s, lang)] += rows
    parses = _filled(table, "old_parses", True)
    for (s, p), rows, _ in group_counts({"source": source, "parses": parses}):
        acc.counts[("old_parses", s, str(p))] += rows
    for (m,), rows, _ in group_counts({"major": pc.cast(_filled(table, "python_major", 0), pa.string())}):
        acc.counts[("python_major", m)] += rows
    for (s, g), rows, _ in group_counts({"source": source, "group": _filled(table, "group")}):
        out.groups[(s, g)] += rows
    for (s, w), rows, _ in group_counts({"source": source, "word": first_words(table.column("instruction"))}):
        out.words[(s, w)] += rows
        # Counted under `all` too, so that the overall top-k and distinct are exact: the sources'
        # top-k lists cannot be merged into the overall one, nor their distinct counts summed.
        out.words[(ALL, w)] += rows
    for t in thresholds:
        values = THRESHOLD_MEASURES[t.measure](feats)
        applies = masks.get(t.source, np.zeros(n, dtype=bool))
        inside = int(np.count_nonzero(applies & (values >= t.low) & (values <= t.high)))
        if inside:
            acc.counts[("near_threshold", t.name)] += inside

    filled = _count_tags(table, source, acc)
    ids = table.column("id")
    hashes = seeded_hashes(ids, seed)
    id_list = ids.to_pylist()
    cutoff = edit_kind_cutoff(edit_kind_rate)
    in_subset = np.ones(n, dtype=bool) if cutoff >= HASH_SPACE else hashes < np.uint64(cutoff)
    chosen = np.nonzero(parses.to_numpy(zero_copy_only=False) & in_subset & ~filled)[0]
    if len(chosen):
        take = pa.array(chosen)
        old = table.column("old_contents").take(take).to_pylist()
        new = table.column("new_contents").take(take).to_pylist()
        for j, i in enumerate(chosen.tolist()):
            kinds = edit_kinds(old[j] or "", new[j] or "")
            if kinds is not None:
                _add_kinds(acc, src[i], kinds)
    if filled.any():
        rows = np.nonzero(filled)[0]
        take = pa.array(rows)
        tag_lists = table.column("tags").take(take).to_pylist()
        kind_lists = table.column("edit_kinds").take(take).to_pylist()
        for i, row_tags, kinds in zip(rows.tolist(), tag_lists, kind_lists):
            if SYNTAX_ERROR_BEFORE in row_tags or SYNTAX_ERROR_AFTER in row_tags:
                continue  # a version does not parse: not analysed, as a parse would find
            _add_kinds(acc, src[i], kinds)
            acc.counts[("edit_from_column", src[i])] += 1
    for s in sources:
        rows = np.nonzero(masks[s])[0]
        best = rows[np.argsort(hashes[rows], kind="stable")[:EXAMPLES_PER_SOURCE]]
        picked = table.take(pa.array(best)).to_pylist()
        acc.add_examples(s, [(int(hashes[i]), id_list[i], example_of(row)) for i, row in zip(best.tolist(), picked)])

    judge_rows = masks.get("judge")
    if judge_rows is not None and judge_rows.any():
        judge = table.filter(pa.array(judge_rows))
        for (before, after), rows, _ in group_counts({"before": _filled(judge, "verdict_before"),
                                                      "after": _filled(judge, "verdict_after")}):
            acc.counts[("verdict", before, after)] += rows
        _verification_counts(acc, judge)
        lengths, attempts, accepted = trajectory_columns(judge.column("verdict_sequence"))
        pairing = np.asarray(_filled(judge, "pairing").to_pylist(), dtype=object)
        single = np.isin(pairing, list(ONE_PAIR_PER_TRAJECTORY))
        problems = problem_keys(judge.column("dataset"), judge.column("problem_id"))
        if single.any():
            acc.counts[("trajectories",)] += int(single.sum())
            acc.dist("sequence_length", ALL).add(lengths[single])
            acc.dist("attempts_before_accepted", ALL).add(attempts[single])
            keep = pa.array(single)
            for (problem,), _, sums in group_counts({"problem": problems.filter(keep)},
                                                    {"accepted": pa.array(accepted[single]),
                                                     "judged": pa.array(lengths[single])}):
                out.problems[problem] += sums["accepted"]
                out.judged[problem] += sums["judged"]
        if (~single).any():
            others = np.nonzero(~single)[0]
            rows = judge.take(pa.array(others)).select(["dataset", "problem_id", "user_id"]).to_pylist()
            names = problems.take(pa.array(others)).to_pylist()
            for k, (row, problem) in zip(others.tolist(), zip(rows, names)):
                out.trajectories.append((trajectory_key(row), (problem, int(lengths[k]), int(attempts[k]),
                                                               int(accepted[k]))))
    return out


def _add_kinds(acc: ReportAccumulator, source: str, kinds: Iterable[str]) -> None:
    kinds = set(kinds)
    acc.counts[("edit_analysed", source)] += 1
    if not kinds:
        acc.counts[("edit_none", source)] += 1
    for kind in kinds:
        acc.counts[("edit_kind", source, kind)] += 1


def _lengths(lists: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _count_tags(table: pa.Table, source: pa.Array, acc: ReportAccumulator) -> np.ndarray:
    """Count samples per (source, tag) and untagged samples per source, when the batch has a `tags`
    column; return which rows the build analysed (tags or edit kinds filled: a row whose two versions
    parse and differ always has edit kinds or a tag, see filters/tags.py), whose edit kinds the report
    then reads from the column instead of parsing."""
    n = table.num_rows
    if "tags" not in table.column_names or "edit_kinds" not in table.column_names:
        return np.zeros(n, dtype=bool)
    tags = _filled(table, "tags", pa.scalar([], pa.list_(pa.string())))
    tag_counts = _lengths(tags)
    filled = (tag_counts > 0) | (_lengths(_filled(table, "edit_kinds", pa.scalar([], pa.list_(pa.string())))) > 0)
    untagged = tag_counts == 0
    if untagged.any():
        for (s,), rows, _ in group_counts({"source": source.filter(pa.array(untagged))}):
            acc.counts[("untagged", s)] += rows
    if tag_counts.any():
        flat = pc.list_flatten(tags)
        parents = pc.list_parent_indices(tags)
        for (s, tag), rows, _ in group_counts({"source": source.take(parents), "tag": flat}):
            acc.counts[("tag", s, tag)] += rows
    return filled


DEDUP_STAGES = ("assembly.exact_dedup", "assembly.near_dedup")


def summarise_rejects(table: pa.Table) -> tuple[ReportAccumulator, Counter]:
    """Fold one batch of rejects: counts per (stage, reason, source), and duplicate clusters keyed by
    (stage, kept id) from the dedup stages' `kept <id>` detail."""
    acc = ReportAccumulator()
    clusters: Counter = Counter()
    if table.num_rows == 0:
        return acc, clusters
    stage = _filled(table, "stage")
    for key, rows, _ in group_counts({"stage": stage, "reason": _filled(table, "reason"),
                                      "source": _filled(table, "source")}):
        acc.counts[("reject", *key)] += rows
    dedup = pc.is_in(stage, pa.array(DEDUP_STAGES))
    if pc.any(dedup).as_py():
        sub = table.filter(dedup)
        for s, d in zip(_filled(sub, "stage").to_pylist(), _filled(sub, "detail").to_pylist()):
            if d.startswith("kept "):
                clusters[(s, d[5:].strip())] += 1
    return acc, clusters


def rank_key(entry: tuple[int, str]) -> tuple[int, list[int]]:
    """Order for top-k: more samples first, then the name in ascending order (ties are deterministic).
    Top.Largest keeps the largest keys, so the name is compared negated, with a sentinel that puts a
    prefix ("ab") before its extensions ("abc")."""
    n, name = entry
    return n, [-ord(c) for c in name] + [1]
