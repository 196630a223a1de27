"""The live progress line: what it counts, and that it stays silent off a terminal."""
from __future__ import annotations

import io
import time

import apache_beam as beam

from beam_jobs.accounting import LIVE, REJECTS, StageDoFn, flow_order
from cli.progress import REFRESH, ProgressLine, busiest, totals


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_totals_read_from_first_record_stages_kept_from_the_last_rejected_from_all():
    snapshot = {
        "git.repository": {"in": 3, "kept": 3, "rejected": 0},
        "git.commit": {"in": 56, "kept": 26, "rejected": 30},
        "git.filters": {"in": 26, "kept": 13, "rejected": 13},
        "judge.metadata": {"in": 6, "kept": 6, "rejected": 0},
        "judge.read": {"in": 74, "kept": 73, "rejected": 1},
        "judge.pair": {"in": 40, "kept": 20, "rejected": 20},
    }
    assert totals(snapshot, flow_order) == {"read": 56 + 74, "kept": 13 + 20, "rejected": 64}
    snapshot["assembly.exact_dedup"] = {"in": 33, "kept": 30, "rejected": 3}
    snapshot["assembly.secrets"] = {"in": 30, "kept": 29, "rejected": 1}
    assert totals(snapshot, flow_order) == {"read": 130, "kept": 29, "rejected": 68}


def test_busiest_names_the_stage_that_moved_most():
    before = {"git.commit": {"in": 10}, "git.filters": {"in": 5}}
    now = {"git.commit": {"in": 12}, "git.filters": {"in": 25}}
    assert busiest(before, now) == "git.filters"
    assert busiest(now, now) == ""


class _Count(StageDoFn):
    def process(self, n: int):
        reject = self._stage.verdict("odd" if n % 2 else None, key=str(n))
        if reject is not None:
            yield reject
        else:
            yield n


def test_a_pipeline_run_on_a_terminal_shows_live_counts():
    stream = _Terminal()
    with ProgressLine("building", stream=stream):
        with beam.Pipeline(runner="FnApiRunner") as p:
            _ = (p | beam.Create(range(10)) | beam.ParDo(_Count("git.commit", "git")).with_outputs(REJECTS, main="kept"))
        time.sleep(3 * REFRESH)
    assert "read 10 · kept 5 · rejected 5" in stream.getvalue()
    assert "git.commit" in stream.getvalue()


def test_silent_off_a_terminal_and_when_quiet():
    for stream, enabled in ((io.StringIO(), True), (_Terminal(), False)):
        with ProgressLine("building", stream=stream, enabled=enabled):
            LIVE.add("git.commit", "in", 5)
            time.sleep(2 * REFRESH)
        assert stream.getvalue() == ""


def test_which_runs_report_live_counts():
    from cli.progress import runs_in_process

    assert runs_in_process(["--runner=FnApiRunner"])
    assert runs_in_process(["--runner", "DirectRunner", "--direct_running_mode=multi_threading"])
    assert not runs_in_process(["--runner=FnApiRunner", "--direct_running_mode", "multi_processing"])
    assert not runs_in_process(["--runner=DataflowRunner"])
    assert not runs_in_process(["--runner=PortableRunner"])
