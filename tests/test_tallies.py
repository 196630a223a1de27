"""beam_jobs/accounting.py tallies: every StageDoFn emits what it counted in a bundle on its TALLY
output, and the manifest's numbers are those outputs summed, not the runner's metrics (which Prism
can lose: two bundles reporting a counter for the first time at once keep only one's payload)."""
from __future__ import annotations

import json
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to

from beam_jobs.accounting import (FAILED_NAMESPACE, NAMESPACE, REJECTS, TALLY, ApplyFilters, BundleTally, StageDoFn,
                                  Tallies, counter_values, failure_counts, stage_counts, sum_tallies, tallied,
                                  tally_outputs, untallied_stages)
from config.filters import FilterConfig
from filters.base import every_reason, first_reason
from filters.chain import build_commit_filters
from tests.filters.test_language_batch import records


def test_a_bundle_tally_counts_per_counter_and_empties_when_drained():
    tally = BundleTally()
    kept, failed = tally("git.filters/kept"), tally("git.filters/pair_too_large", FAILED_NAMESPACE)
    kept.inc()
    kept.inc(2)
    failed.inc()
    tally("git.filters/in").inc(0)  # counted with, even by nothing: the metrics would show it too
    assert tally.drain() == [((NAMESPACE, "git.filters/in"), 0), ((NAMESPACE, "git.filters/kept"), 3),
                             (("repairpack.failed", "git.filters/pair_too_large"), 1)]
    assert tally.drain() == []
    kept.inc(5)
    tally.clear()  # a bundle that did not finish: its retry counts again
    kept.inc()
    assert tally.drain() == [((NAMESPACE, "git.filters/kept"), 1)]


def test_tallies_read_back_from_json_give_the_counts_by_namespace():
    tallies = Tallies([("repairpack.failed", "git.filters/pair_too_large", 2), (NAMESPACE, "git.filters/in", 5),
                       (NAMESPACE, "git.filters/kept", 3), (NAMESPACE, "git.filters/pair_too_large", 2)])
    again = Tallies.from_rows(json.loads(json.dumps(tallies.rows())))
    assert again.rows() == tallies.rows()
    assert counter_values(again, NAMESPACE) == [("git.filters/in", 5), ("git.filters/kept", 3),
                                                ("git.filters/pair_too_large", 2)]
    assert stage_counts(again) == {"git.filters": {"in": 5, "kept": 3, "pair_too_large": 2}}
    assert failure_counts(again) == {"also_failed": {"git.filters": {"pair_too_large": 2}}, "only_failed": {}}


class _Thirds(StageDoFn):
    """Keeps two numbers in three; counts each number under its own source too (another Stage)."""

    def process(self, x: int):
        self.stage(source="odd" if x % 2 else "even", name="t.parity").verdict(None, key=str(x))
        rejected = self._stage.verdict(None if x % 3 else "third", key=str(x))
        yield x if rejected is None else rejected


@pytest.mark.parametrize("options", [["--runner=FnApiRunner"],
                                     ["--runner=FnApiRunner", "--direct_running_mode=multi_processing",
                                      "--direct_num_workers=2"]], ids=["in_process", "two_processes"])
def test_summed_tallies_are_the_exact_counts_over_many_bundles(options):
    """Bundles in two worker processes, each emitting its own tally: the sum is every record once."""
    p = beam.Pipeline(options=beam.options.pipeline_options.PipelineOptions(options))
    numbers = (p | beam.Create(list(range(3000))) | "Spread" >> beam.Reshuffle())
    out = tallied(numbers | beam.ParDo(_Thirds("t.thirds", "t")).with_outputs(REJECTS, TALLY, main="kept"))
    summed = sum_tallies(tally_outputs(p), p)
    assert tally_outputs(p) == []  # handed out once
    assert_that(summed | beam.Map(lambda rows: stage_counts(Tallies.from_rows(rows))), equal_to([{
        "t.parity": {"in": 3000, "kept": 3000}, "t.thirds": {"in": 3000, "kept": 2000, "third": 1000}}]))
    assert_that(out[REJECTS] | beam.Map(lambda r: r.reason) | beam.combiners.Count.Globally(), equal_to([1000]),
                label="Rejects")
    p.run().wait_until_finish()


def test_apply_filters_tallies_what_its_metrics_count(tmp_path: Path):
    """Both tiers of a cut chain and the batched filter's end of bundle: the same numbers as the
    counters."""
    chain = build_commit_filters(FilterConfig())
    recs = records(240)
    p = beam.Pipeline(runner="FnApiRunner")
    out = p | beam.Create(recs) | ApplyFilters("git.filters", "git", chain, key_of=lambda r: r.id, batch_size=64,
                                               between=beam.Map(lambda r: r))
    out.kept | "Kept" >> beam.Map(lambda r: r)
    out[REJECTS] | "Rejected" >> beam.Map(lambda r: r)
    path = tmp_path / "tallies.json"
    sum_tallies(tally_outputs(p), p) | beam.Map(lambda rows: path.write_text(json.dumps(rows)))
    result = p.run()
    result.wait_until_finish()
    tallies = Tallies.from_rows(json.loads(path.read_text()))
    first = [first_reason(chain, r) for r in recs]
    want = {"in": len(recs), "kept": first.count(None)}
    for reason in filter(None, first):
        want[reason] = want.get(reason, 0) + 1
    assert stage_counts(tallies) == {"git.filters": dict(sorted(want.items()))} == stage_counts(result.metrics())
    assert failure_counts(tallies) == failure_counts(result.metrics())
    assert sum(failure_counts(tallies)["also_failed"]["git.filters"].values()) == \
        sum(len(every_reason(chain, r)) for r in recs)


def test_a_stage_whose_tally_is_not_registered_is_named():
    """A ParDo of a StageDoFn applied without `tallied` (or without the TALLY output) would count into
    nothing the manifest reads: `untallied_stages` names it, and `build` refuses the graph."""
    p = beam.Pipeline(runner="FnApiRunner")
    numbers = p | beam.Create([1, 2, 3])
    tallied(numbers | "Counted" >> beam.ParDo(_Thirds("t.a", "t")).with_outputs(REJECTS, TALLY, main="kept"))
    numbers | "NoTallyTag" >> beam.ParDo(_Thirds("t.b", "t")).with_outputs(REJECTS, main="kept")
    numbers | "NotRegistered" >> beam.ParDo(_Thirds("t.c", "t")).with_outputs(REJECTS, TALLY, main="kept")
    assert untallied_stages(p) == ["NoTallyTag/ParDo(_Thirds)", "NotRegistered/ParDo(_Thirds)"]

