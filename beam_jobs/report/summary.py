"""From the report job's combined results and the manifest to `ReportStats`: pure, no Beam, no I/O.

The funnel is the manifest's (it holds the stage counters of the build); the report's own counts of
the shards and rejects are checked against it, number by number, so a corpus folder whose files do
not match its manifest says so on the first page.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from beam_jobs.accounting import IN, KEPT, flow_order
from beam_jobs.report.combiners import ALL, Dist, ReportAccumulator
from filters.tags import REASON_PREFIX, ordered
from schemas.report_stats import (STATS_VERSION, SplitBalance, SplitShare, Cluster, CorpusInfo, EditKind, Example, FileRow, Funnel,
                                  FunnelStage, Instructions, Judge, NearThreshold, Python, Quality, ReasonCount,
                                  ReconciliationCheck, ReportStats, RuleFailures, Shape, Size, SizeRow, TagCount, Tags,
                                  TopEntry, TopList, VerdictCell)

TINY = 50
TOP_K = 10
NEAR_MARGIN = 0.1
DECONTAMINATION_PREFIX = "benchmark_"


@dataclass(frozen=True)
class Threshold:
    """A filter bound, the sample measure it applies to and the source whose samples went through
    it; `low` and `high` are the band counted."""
    name: str
    threshold: float
    measure: str
    low: float
    high: float
    source: str = "commit"


def near_thresholds(config: dict[str, Any], margin: float = NEAR_MARGIN) -> list[Threshold]:
    """The numeric bounds in the build's config that a kept sample can be measured against, each
    with the band of kept values within `margin` of it: the commit filters (judge samples never went
    through them) and the judge's code size limit. Only bounds that are set."""
    config = config if isinstance(config, dict) else {}
    out = []

    def bound(section: str, key: str, measure: str, upper: bool, source: str = "commit") -> None:
        v = (config.get(section) or {}).get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0:
            low, high = (float(v) * (1 - margin), float(v)) if upper else (float(v), float(v) * (1 + margin))
            out.append(Threshold(f"{section}.{key}", float(v), measure, low, high, source))

    bound("filters", "pair_min_chars", "old + new characters", upper=False)
    bound("filters", "pair_max_chars", "old + new characters", upper=True)
    bound("filters", "old_max_chars", "old characters", upper=True)
    bound("filters", "max_change_share", "change share", upper=True)
    bound("filters", "instruction_min_words", "instruction words", upper=False)
    bound("judge", "max_code_bytes", "bytes of the larger version", upper=True, source="judge")
    return out


def _share(a: float, b: float) -> float:
    return round(a / b, 6) if b else 0.0


def _sources(acc: ReportAccumulator) -> list[str]:
    return sorted({k[1] for k in acc.counts if k[0] == "size"})


def _funnel(manifest: dict[str, Any], acc: ReportAccumulator, split_rows: dict[str, int], reject_rows: int) -> Funnel:
    counts: dict[str, dict[str, int]] = manifest.get("counts", {}) or {}
    found: dict[tuple[str, str], int] = defaultdict(int)
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, n in acc.counts.items():
        if key[0] == "reject":
            _, stage, reason, source = key
            found[(stage, reason)] += n
            by_source[stage][source] += n
    also: dict[str, dict[str, int]] = manifest.get("also_failed") or {}
    only: dict[str, dict[str, int]] = manifest.get("only_failed") or {}
    stages, checks = [], []
    for stage in sorted(counts, key=flow_order):
        c = counts[stage]
        reasons = sorted(((r, n) for r, n in c.items() if r not in (IN, KEPT)), key=lambda rn: (-rn[1], rn[0]))
        incoming, kept = int(c.get(IN, 0)), int(c.get(KEPT, 0))
        rejected = sum(n for _, n in reasons)
        failures = _rule_failures(incoming, dict(reasons), also.get(stage, {}), only.get(stage, {}))
        stages.append(FunnelStage(
            stage=stage, source=stage.partition(".")[0], incoming=incoming, kept=kept, rejected=rejected,
            kept_share=_share(kept, incoming),
            reasons=[ReasonCount(r, n, _share(n, incoming)) for r, n in reasons],
            rejected_by_sample_source=dict(sorted(by_source.get(stage, {}).items())),
            also_failed=failures))
        checks.append(ReconciliationCheck(f"{stage} in = kept + rejected", incoming, kept + rejected,
                                          incoming == kept + rejected))
        if failures:
            holding = sum(f.failed >= f.first >= f.only for f in failures)
            checks.append(ReconciliationCheck(f"{stage} rules with failed >= first >= only", len(failures), holding,
                                              holding == len(failures)))
        for r, n in sorted(reasons):
            actual = found.get((stage, r), 0)
            checks.append(ReconciliationCheck(f"{stage}/{r} rejects", n, actual, n == actual))
    for (stage, r), actual in sorted(found.items()):
        if r not in counts.get(stage, {}):
            checks.append(ReconciliationCheck(f"{stage}/{r} rejects", 0, actual, actual == 0))
    rows = manifest.get("rows", {}) or {}
    expected_splits = rows.get("default", {}) or {}
    for split in sorted(set(expected_splits) | set(split_rows)):
        e, a = int(expected_splits.get(split, 0)), int(split_rows.get(split, 0))
        checks.append(ReconciliationCheck(f"samples in {split}", e, a, e == a))
    expected_rejects = int((rows.get("rejects", {}) or {}).get("rejects", 0))
    checks.append(ReconciliationCheck("rejects rows", expected_rejects, reject_rows, expected_rejects == reject_rows))
    assembly = [s for s in sorted(counts, key=flow_order) if s.startswith("assembly.")]
    if assembly:
        e, a = int(counts[assembly[-1]].get(KEPT, 0)), sum(split_rows.values())
        checks.append(ReconciliationCheck(f"samples = {assembly[-1]} kept", e, a, e == a))
    return Funnel(stages=stages, reconciled=all(c.ok for c in checks), checks=checks)


def _rule_failures(incoming: int, first: dict[str, int], failed: dict[str, int],
                   only: dict[str, int]) -> list[RuleFailures]:
    """Every rule of a stage that counted also-failed, most failed first: each reason's failures, first
    failures and sole failures. Empty when the manifest has none for the stage."""
    if not failed:
        return []
    names = set(failed) | set(first) | set(only)
    rows = [RuleFailures(r, int(failed.get(r, 0)), int(first.get(r, 0)), int(only.get(r, 0)),
                         _share(int(failed.get(r, 0)), incoming)) for r in names]
    return sorted(rows, key=lambda f: (-f.failed, -f.first, f.reason))


def _tags(acc: ReportAccumulator, sources: list[str], by_source: dict[str, int],
          counts: dict[str, dict[str, int]]) -> Tags:
    per: dict[tuple[str, str], int] = defaultdict(int)
    for key, n in acc.counts.items():
        if key[0] == "tag":
            per[(key[1], key[2])] += n
    rows = [TagCount(tag, s, n, _share(n, by_source.get(s, 0))) for (s, tag), n in per.items()]
    if len(sources) > 1:
        totals: dict[str, int] = defaultdict(int)
        for (_, tag), n in per.items():
            totals[tag] += n
        everything = sum(by_source.values())
        rows += [TagCount(tag, ALL, n, _share(n, everything)) for tag, n in totals.items()]
    order = {tag: i for i, tag in enumerate(ordered({r.tag for r in rows}))}
    rows.sort(key=lambda r: (r.source, -r.samples, order[r.tag]))
    dropped: dict[str, int] = defaultdict(int)
    for stage, c in counts.items():
        for reason, n in c.items():
            if reason.startswith(REASON_PREFIX) and stage.endswith(".filters"):
                dropped[reason[len(REASON_PREFIX):]] += int(n)
    # Without a tags column (a corpus built before tags) nothing was counted: no untagged counts either.
    read = any(key[0] in ("tag", "untagged") for key in acc.counts)
    untagged = {s: acc.counts.get(("untagged", s), 0) for s in sources} if read else {}
    return Tags(counts=rows, untagged=untagged, dropped=dict(sorted(dropped.items())))


def _top(source: str, distinct: int, total: int, entries: list[tuple[int, str]]) -> TopList:
    ranked = sorted(entries, key=lambda e: (-e[0], e[1]))[:TOP_K]
    return TopList(source=source, distinct=distinct, total=total,
                   largest_share=_share(ranked[0][0], total) if ranked else 0.0,
                   entries=[TopEntry(name, n, _share(n, total)) for n, name in ranked])


def _tops(results: dict[str, tuple[int, int, list[tuple[int, str]]]], sources: list[str]) -> list[TopList]:
    return [_top(s, *results.get(s, (0, 0, []))) for s in sources]


def _size(acc: ReportAccumulator, files: list[FileRow], top_groups: list[TopList]) -> Size:
    rows = []
    by_source: dict[str, int] = defaultdict(int)
    by_split: dict[str, int] = defaultdict(int)
    by_license: dict[str, int] = defaultdict(int)
    total_bytes = 0
    for key, n in sorted(acc.counts.items()):
        if key[0] != "size":
            continue
        _, source, split, license_ = key
        b = acc.counts.get(("bytes", source, split, license_), 0)
        rows.append(SizeRow(source, split, license_, n, b))
        by_source[source] += n
        by_split[split] += n
        by_license[license_] += n
        total_bytes += b
    return Size(samples=sum(by_source.values()), by_source=dict(sorted(by_source.items())),
                by_split=dict(sorted(by_split.items())), by_license=dict(sorted(by_license.items())),
                code_bytes=total_bytes, rows=rows, files=files, top_groups=top_groups)


def _dist(acc: ReportAccumulator, metric: str, source: str) -> Any:
    """A source's distribution; `all` merges the sources' (the batches fold each source once)."""
    if source == ALL and (metric, ALL) not in acc.dists:
        merged = Dist(metric)
        for (m, s), d in sorted(acc.dists.items()):
            if m == metric:
                merged.merge(d)
        return merged.to_schema()
    return acc.dist(metric, source).to_schema()


_BALANCE_NUMBERS = ("fraction", "groups", "group_share", "samples", "sample_share")


def split_balance_of(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest's `split_balance` when it has the shape the pages read, else None (an older
    manifest has none; a damaged one must not stop the report)."""
    value = manifest.get("split_balance")
    if not isinstance(value, dict) or not isinstance(value.get("groups"), int) or isinstance(value.get("groups"), bool):
        return None
    splits, warnings = value.get("splits"), value.get("warnings")
    if not isinstance(splits, dict) or not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        return None
    for entry in splits.values():
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), (int, float)) and
                                                  not isinstance(entry.get(k), bool) for k in _BALANCE_NUMBERS):
            return None
    return value


def _split_balance(manifest: dict[str, Any]) -> SplitBalance:
    balance = split_balance_of(manifest) or {"groups": 0, "splits": {}, "warnings": []}
    return SplitBalance(groups=balance["groups"], warnings=list(balance["warnings"]),
                        splits=[SplitShare(split=name, fraction=s["fraction"], groups=s["groups"],
                                           group_share=s["group_share"], samples=s["samples"],
                                           sample_share=s["sample_share"])
                                for name, s in balance["splits"].items()])


def build_stats(*, manifest: dict[str, Any], acc: ReportAccumulator, top_groups: dict[str, Any],
                top_words: dict[str, Any], clusters: tuple[int, list[tuple[int, tuple[str, str]]]],
                trajectories: ReportAccumulator, files: list[FileRow], edit_kind_rate: float, seed: str,
                thresholds: list[Threshold]) -> ReportStats:
    sources = _sources(acc)
    split_rows: dict[str, int] = defaultdict(int)
    for key, n in acc.counts.items():
        if key[0] == "size":
            split_rows[key[2]] += n
    reject_rows = sum(n for k, n in acc.counts.items() if k[0] == "reject")
    funnel = _funnel(manifest, acc, split_rows, reject_rows)
    size = _size(acc, files, _tops(top_groups, sources))
    views = sources + [ALL] if len(sources) > 1 else sources
    shape = [Shape(s, *(_dist(acc, m, s) for m in ("old_lines", "new_lines", "old_chars", "new_chars",
                                                    "lines_added", "lines_removed", "hunks", "change_share")))
             for s in views]
    # `all` is counted by the job like a source (every sample's word under ALL as well): exact top-k
    # and distinct, which no merge of the sources' top-k lists could give.
    word_tops = {t.source: t for t in _tops(top_words, views)}
    langs = {s: {k[2]: n for k, n in sorted(acc.counts.items()) if k[0] == "lang" and k[1] == s} for s in sources}
    langs[ALL] = {}
    for s in sources:
        for lang, n in langs[s].items():
            langs[ALL][lang] = langs[ALL].get(lang, 0) + n
    langs[ALL] = dict(sorted(langs[ALL].items()))
    instructions = [Instructions(s, _dist(acc, "instruction_chars", s), _dist(acc, "instruction_words", s),
                                 word_tops.get(s, _top(s, 0, 0, [])), langs.get(s, {})) for s in views]

    cells = sorted(((k[1], k[2], n) for k, n in acc.counts.items() if k[0] == "verdict"),
                   key=lambda c: (-c[2], c[0], c[1]))
    verdict_totals: dict[str, int] = defaultdict(int)
    for before, after, n in cells:
        verdict_totals[before] += n
        verdict_totals[after] += n
    judge = Judge(
        samples=size.by_source.get("judge", 0),
        verdicts=[v for v, _ in sorted(verdict_totals.items(), key=lambda kv: (-kv[1], kv[0]))],
        transitions=[VerdictCell(b, a, n) for b, a, n in cells],
        trajectories=trajectories.counts.get(("trajectories",), 0),
        sequence_length=_dist(trajectories, "sequence_length", ALL),
        attempts_before_accepted=_dist(trajectories, "attempts_before_accepted", ALL),
        problems=trajectories.counts.get(("problems",), 0),
        problem_acceptance_rate=_dist(trajectories, "problem_acceptance_rate", ALL),
        executed=[VerdictCell(label, run, n) for label, run, n in sorted(
            ((k[1], k[2], n) for k, n in acc.counts.items() if k[0] == "executed"), key=lambda c: (-c[2], c[0], c[1]))],
        verified=acc.counts.get(("verified",), 0),
        with_statement=acc.counts.get(("statement",), 0))

    not_parsing = {s: acc.counts.get(("old_parses", s, "False"), 0) for s in sources}
    analysed = {s: acc.counts.get(("edit_analysed", s), 0) for s in sources}
    kinds = []
    kind_totals: dict[str, int] = defaultdict(int)
    for key, n in acc.counts.items():
        if key[0] == "edit_kind":
            kinds.append(EditKind(key[2], key[1], n, _share(n, analysed.get(key[1], 0))))
            kind_totals[key[2]] += n
    if len(sources) > 1:
        all_analysed = sum(analysed.values())
        kinds += [EditKind(k, ALL, n, _share(n, all_analysed)) for k, n in kind_totals.items()]
    kinds.sort(key=lambda e: (e.source, -e.samples, e.kind))
    python = Python(
        samples_by_source=size.by_source,
        old_does_not_parse=not_parsing,
        old_does_not_parse_share={s: _share(not_parsing[s], size.by_source.get(s, 0)) for s in sources},
        python_major={k[1]: n for k, n in sorted(acc.counts.items()) if k[0] == "python_major"},
        edit_kinds_sample_rate=round(min(1.0, edit_kind_rate), 6),
        edit_kinds_from_column={s: acc.counts.get(("edit_from_column", s), 0) for s in sources},
        edit_kinds_analysed=analysed,
        no_structural_change={s: acc.counts.get(("edit_none", s), 0) for s in sources},
        edit_kinds=kinds)

    exact: dict[str, int] = defaultdict(int)
    near: dict[str, int] = defaultdict(int)
    decon: dict[str, int] = defaultdict(int)
    for key, n in acc.counts.items():
        if key[0] != "reject":
            continue
        _, stage, reason, source = key
        if stage == "assembly.exact_dedup":
            exact[source] += n
        elif stage == "assembly.near_dedup":
            near[source] += n
        elif stage == "assembly.decontaminate" and reason.startswith(DECONTAMINATION_PREFIX):
            decon[reason[len(DECONTAMINATION_PREFIX):]] += n
    n_clusters, largest = clusters
    quality = Quality(
        exact_duplicates_removed=dict(sorted(exact.items())),
        near_duplicates_removed=dict(sorted(near.items())),
        duplicate_clusters=n_clusters,
        largest_clusters=[Cluster(stage, kept, n) for n, (stage, kept) in
                          sorted(largest, key=lambda c: (-c[0], c[1]))[:TOP_K]],
        decontamination_hits=dict(sorted(decon.items())),
        benchmarks_checked=sorted((manifest.get("benchmarks") or {}).keys()),
        secrets_findings=dict(sorted((manifest.get("secrets_findings") or {}).items())),
        near_threshold=[NearThreshold(t.name, t.source, t.threshold, t.measure, NEAR_MARGIN,
                                      acc.counts.get(("near_threshold", t.name), 0)) for t in thresholds])

    examples = {s: [Example(**e) for _, _, e in acc.examples.get(s, [])] for s in sources}
    samples = size.samples
    corpus = CorpusInfo(samples=samples, rejects=reject_rows, empty=samples == 0, tiny=0 < samples < TINY,
                        manifest_format=str(manifest.get("format", "")),
                        preset=str((manifest.get("config") or {}).get("preset", "")), example_seed=seed)
    tags = _tags(acc, sources, size.by_source, manifest.get("counts", {}) or {})
    return ReportStats(version=STATS_VERSION, corpus=corpus, funnel=funnel, size=size,
                       splits=_split_balance(manifest), shape=shape,
                       instructions=instructions, judge=judge, python=python, tags=tags, quality=quality,
                       examples=examples, plots={})

