"""The report inside the build's own pipeline (report/job.py `ReportOfShards`, `finish_report`): the
same stats.json, report.md, report.html and plots as the report command on the finished folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from beam_jobs.pipeline import Inputs, run_build
from beam_jobs.report.job import finish_report, run_report
from beam_jobs.report.outputs import PLOTS_DIR, REPORT_HTML, REPORT_MD, STATS_JSON
from beam_jobs.sources.judge.inputs import JudgeInputs
from config import build_config
from tests.paths import ROOT, SAMPLE_BUNDLES
from tests.report.helpers import BEAM_ARGS

CODENET = str(ROOT / "samples" / "judge" / "codenet")


def _pages(folder: Path) -> dict[str, bytes]:
    files = [folder / STATS_JSON, folder / REPORT_MD, folder / REPORT_HTML, *sorted((folder / PLOTS_DIR).glob("*"))]
    return {str(f.relative_to(folder)): f.read_bytes() for f in files}


def _build_and_report(out: Path, config) -> dict:
    manifest, results = run_build(Inputs(git=SAMPLE_BUNDLES, judge=JudgeInputs(codenet=CODENET)), config, str(out),
                                  BEAM_ARGS, report=True)
    assert results is not None
    stats = finish_report(str(out), results)
    # The results travel in the staging folder, which is gone: nothing but the corpus and its pages.
    assert not list(out.glob(".staging-*")) and not list(out.rglob("_report.pkl"))
    assert manifest["rows"]["default"]
    return stats


@pytest.mark.parametrize("pairing", ["last-failure", "all-failures"])
def test_the_report_made_in_the_build_is_the_report_command_s_byte_for_byte(tmp_path, pairing):
    """all-failures makes several pairs per (user, problem): the keyed combine keeps one trajectory each."""
    config = build_config("strict", overrides={"licenses.detector": "text", "judge.pairing": pairing})
    built = tmp_path / "built"
    stats = _build_and_report(built, config)
    assert stats["funnel"]["reconciled"]
    in_build = _pages(built)
    assert len(in_build) > 3  # the plots too
    again = tmp_path / "again"
    shutil.copytree(built, again)
    for name in (STATS_JSON, REPORT_MD, REPORT_HTML):
        (again / name).unlink()
    shutil.rmtree(again / PLOTS_DIR)
    assert run_report(str(again), BEAM_ARGS) == stats
    assert _pages(again) == in_build


def test_a_build_without_a_report_gives_no_results(tmp_path):
    config = build_config("strict", overrides={"licenses.detector": "text"})
    _, results = run_build(Inputs(judge=JudgeInputs(codenet=CODENET)), config, str(tmp_path / "out"), BEAM_ARGS)
    assert results is None
    stopped = build_config("strict", overrides={"licenses.detector": "text", "output.stop_after": "sources"})
    _, results = run_build(Inputs(judge=JudgeInputs(codenet=CODENET)), stopped, str(tmp_path / "sources"), BEAM_ARGS,
                           report=True)
    assert results is None  # source records get their report once assembled into a corpus
