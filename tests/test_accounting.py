"""beam_jobs/accounting.py: "also failed" counts beside the stage's balance, in Beam and in memory."""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.metrics import Metrics
from apache_beam.testing.util import assert_that, equal_to

from beam_jobs.accounting import (FAILED_NAMESPACE, ONLY_NAMESPACE, REJECTS, ApplyFilters, MemoryCounters, Stage,
                                  failure_counts, stage_counts)
from config.filters import FilterConfig
from filters.base import every_reason, first_reason
from filters.chain import build_commit_filters
from tests.filters.test_language_batch import records


def test_memory_counters_keep_failures_apart_from_the_stage():
    counters = MemoryCounters()
    stage = Stage("git.filters", "git", counter=counters)
    for reasons in (("subject_too_few_words", "pair_too_large"), ("pair_too_large",), ()):
        stage.failures(reasons)
        stage.verdict(reasons[0] if reasons else None, key="k")
    assert counters.stage("git.filters") == {"in": 3, "kept": 1, "pair_too_large": 1, "subject_too_few_words": 1}
    assert counters.failed("git.filters") == {"pair_too_large": 2, "subject_too_few_words": 1}
    assert counters.only("git.filters") == {"pair_too_large": 1}
    assert f"{FAILED_NAMESPACE}:git.filters/pair_too_large" in counters.counts
    assert f"{ONLY_NAMESPACE}:git.filters/pair_too_large" in counters.counts


def _between(record):
    """A stand-in for the git source's file order: counts what reaches it."""
    Metrics.counter("test", "between").inc()
    return record


@pytest.mark.parametrize("batch_size, between", [(1, False), (64, False), (1, True), (64, True)])
def test_apply_filters_counts_every_failure_without_touching_the_balance(batch_size, between):
    """Also with the chain cut in two tiers around `between`: the same counts, and only records no
    cheap filter failed reach it."""
    chain = build_commit_filters(FilterConfig())
    recs = records(240)
    every = {r.id: every_reason(chain, r) for r in recs}
    first = {r.id: first_reason(chain, r) for r in recs}
    p = beam.Pipeline(runner="FnApiRunner")
    out = p | beam.Create(recs) | ApplyFilters("git.filters", "git", chain, key_of=lambda r: r.id,
                                               repo_of=lambda r: r.repos[0], batch_size=batch_size,
                                               between=beam.Map(_between) if between else None)
    assert_that(out.kept | "KeptIds" >> beam.Map(lambda r: r.id),
                equal_to([r.id for r in recs if first[r.id] is None]), label="KeptAsUncut")
    assert_that(out[REJECTS] | "RejectReasons" >> beam.Map(lambda r: (r.key, r.reason)),
                equal_to([(r.id, first[r.id]) for r in recs if first[r.id]]), label="RejectsAsUncut")
    out.kept | "Kept" >> beam.Map(lambda r: r)
    out[REJECTS] | "Rejected" >> beam.Map(lambda r: r)
    result = p.run()
    result.wait_until_finish()
    counts = stage_counts(result.metrics())
    assert set(counts) == {"git.filters"}  # no stage made of the failure counters
    reached = result.metrics().query(beam.metrics.MetricsFilter().with_namespace("test"))["counters"]
    cheap = [check for check in chain if not check.costly]
    assert sum(c.committed for c in reached) == (sum(first_reason(cheap, r) is None for r in recs) if between else 0)
    want = {"in": len(recs), "kept": sum(f is None for f in first.values())}
    for reason in first.values():
        if reason:
            want[reason] = want.get(reason, 0) + 1
    assert counts["git.filters"] == dict(sorted(want.items()))
    failed: dict[str, int] = {}
    only: dict[str, int] = {}
    for reasons in every.values():
        for reason in reasons:
            failed[reason] = failed.get(reason, 0) + 1
        if len(reasons) == 1:
            only[reasons[0]] = only.get(reasons[0], 0) + 1
    got = failure_counts(result.metrics())
    assert got == {"also_failed": {"git.filters": dict(sorted(failed.items()))},
                   "only_failed": {"git.filters": dict(sorted(only.items()))}}
    # The first reason is one of the failures; what fails alone was first.
    for reason, n in want.items():
        if reason not in ("in", "kept"):
            assert failed[reason] >= n >= only.get(reason, 0)
    assert sum(failed.values()) > sum(n for r, n in want.items() if r not in ("in", "kept"))


def test_count_every_off_counts_first_reasons_only():
    chain = build_commit_filters(FilterConfig())
    recs = records(60)
    p = beam.Pipeline(runner="FnApiRunner")
    out = p | beam.Create(recs) | ApplyFilters("git.filters", "git", chain, key_of=lambda r: r.id, count_every=False)
    out.kept | beam.Map(lambda r: r)
    result = p.run()
    result.wait_until_finish()
    assert failure_counts(result.metrics()) == {"also_failed": {}, "only_failed": {}}
    assert stage_counts(result.metrics())["git.filters"]["in"] == 60


def test_binding_rules_name_the_rules_and_their_settings():
    from beam_jobs.pipeline import binding_rules

    manifest = {
        "counts": {"git.filters": {"in": 1000, "kept": 6, "subject_too_few_words": 700, "pair_too_large": 294},
                   "bigquery.filters": {"in": 100, "kept": 40, "pair_too_large": 60}},
        "also_failed": {"git.filters": {"pair_too_large": 980, "subject_too_few_words": 700, "tag_version_bump": 3,
                                        "language_not_allowed": 20},
                        "bigquery.filters": {"pair_too_large": 60}},
        "only_failed": {"git.filters": {"pair_too_large": 280}},
        "config": {"filters": {"pair_max_chars": 2688, "subject_min_words": 5, "instruction_min_words": 4}},
    }
    assert binding_rules(manifest) == [
        "git.filters kept 6 of 1,000 records (0.60%). The rules that bind (records failing each; records failing "
        "only it):",
        "  pair_too_large: 980 fail it, 280 fail only it; change filters.pair_max_chars",
        "  subject_too_few_words: 700 fail it, 0 fail only it; change filters.subject_min_words or "
        "filters.instruction_min_words",
        "  language_not_allowed: 20 fail it, 0 fail only it",
        "  Relaxing one rule gains at most the records that fail only it; see manifest.json also_failed / "
        "only_failed.",
    ]
    # 40% kept: nothing to say. No also-failed counts (an older manifest): nothing either.
    assert binding_rules({**manifest, "also_failed": {"bigquery.filters": {"pair_too_large": 60}}}) == []
    assert binding_rules({"counts": manifest["counts"]}) == []
