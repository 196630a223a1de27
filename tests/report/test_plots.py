"""The report's charts, drawn as SVG without a plotting library: what each bar and cell says, the axes'
scales, and that any text from the corpus stays text."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from beam_jobs.report.plots import BLUES, _histograms, edit_kind_plot, funnel_plot, make_plots, verdict_plot
from beam_jobs.report.svg import Scale, blend, linear_ticks, log_ticks, num, tick_label
from schemas.report_stats import Distribution, EditKind, Funnel, FunnelStage, Histogram, VerdictCell

SVG = "{http://www.w3.org/2000/svg}"


def _stage(name: str, kept: int, rejected: int) -> FunnelStage:
    incoming = kept + rejected
    return FunnelStage(stage=name, source=name.split(".")[0], incoming=incoming, kept=kept, rejected=rejected,
                       kept_share=kept / incoming if incoming else 0.0, reasons=[], rejected_by_sample_source={},
                       also_failed=[])


def _funnel_stats(*stages: FunnelStage) -> SimpleNamespace:
    return SimpleNamespace(funnel=Funnel(stages=list(stages), reconciled=True, checks=[]))


def _bars(svg: str) -> dict[str, dict[str, float]]:
    """{tooltip: geometry} of every rect that carries a tooltip (bars and cells; the frame has none)."""
    root = ET.fromstring(svg)
    out = {}
    for rect in root.iter(f"{SVG}rect"):
        tip = rect.find(f"{SVG}title")
        if tip is not None:
            out[tip.text] = {k: float(rect.get(k)) for k in ("x", "y", "width", "height")} | {"fill": rect.get("fill")}
    return out


def _texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def _dist(edges: list[float], counts: list[int], unit: str = "lines", log: bool = False) -> Distribution:
    return Distribution(unit=unit, count=sum(counts), min=0, max=0, mean=0, quantiles={},
                        histogram=Histogram(edges=edges, counts=counts), log_scale=log)


def test_linear_ticks_end_at_the_first_round_step_over_the_top():
    assert linear_ticks(10) == [0, 2, 4, 6, 8, 10]
    assert linear_ticks(7) == [0, 2, 4, 6, 8]
    assert linear_ticks(3) == [0, 1, 2, 3]
    assert linear_ticks(0.37) == [0, 0.1, 0.2, 0.3, 0.4]
    assert linear_ticks(2665) == [0, 1000, 2000, 3000]
    assert linear_ticks(0) == [0, 1]


def test_log_ticks_are_the_decades_around_the_values():
    assert log_ticks(1, 30740) == [1, 10, 100, 1000, 10000, 100000]
    assert log_ticks(3, 900) == [1, 10, 100, 1000]
    assert log_ticks(100, 100) == [100, 1000]


def test_scale_goes_log_only_when_the_values_span_over_a_hundredfold():
    flat = Scale.for_values([5, 10, 0], 0, 100)
    assert not flat.log and flat.ticks == [0, 2, 4, 6, 8, 10]
    assert (flat(0), flat(5), flat(10)) == (0, 50, 100)
    steep = Scale.for_values([1, 30740], 0, 110)
    assert steep.log and steep.ticks[0] == 1 and steep.ticks[-1] == 100000
    # Half a decade under the first tick is the start: a count of 1 still gets 10 px of bar; zero none.
    assert steep(0) == 0 and steep(1) == pytest.approx(10) and steep(100000) == pytest.approx(110)
    assert steep(1000) - steep(100) == pytest.approx(steep(100) - steep(10))


def test_numbers_print_short_and_the_same_everywhere():
    assert [num(v) for v in (3.0, 2.5, 1 / 3, -0.001, 120)] == ["3", "2.5", "0.33", "0", "120"]
    assert [tick_label(v) for v in (0, 20, 1000, 100000, 0.5, 0.1)] == ["0", "20", "1,000", "100,000", "0.5", "0.1"]


def test_blend_runs_from_the_first_stop_to_the_last():
    assert blend(BLUES, 0) == BLUES[0] and blend(BLUES, 1) == BLUES[-1]
    assert blend(["#000000", "#ffffff"], 0.5) == "#808080"
    assert blend(["#000000", "#ffffff"], 2.0) == "#ffffff"


def test_funnel_bars_are_the_manifest_counts_on_one_linear_scale():
    stats = _funnel_stats(_stage("git.commit", 5, 2), _stage("git.filters", 4, 1), _stage("assembly.near_dedup", 3, 0))
    svg = funnel_plot(stats)
    bars = _bars(svg)
    assert set(bars) == {"git.commit: 5 kept", "git.commit: 2 dropped", "git.filters: 4 kept", "git.filters: 1 dropped",
                         "assembly.near_dedup: 3 kept", "assembly.near_dedup: 0 dropped"}
    per_record = bars["git.commit: 5 kept"]["width"] / 5
    for tip, bar in bars.items():
        count = int(re.search(r": (\d+) ", tip).group(1))
        assert bar["width"] == pytest.approx(count * per_record, abs=0.01), tip
    # Dropped starts where kept ends, on the same row; stages run top to bottom in flow order.
    assert bars["git.commit: 2 dropped"]["x"] == pytest.approx(bars["git.commit: 5 kept"]["x"] + 5 * per_record, abs=0.01)
    rows = [bars[f"{s}: {n} kept"]["y"] for s, n in (("git.commit", 5), ("git.filters", 4), ("assembly.near_dedup", 3))]
    assert rows == sorted(rows)
    assert {"5 / 7", "4 / 5", "3 / 3", "git.commit", "git.filters", "assembly.near_dedup"} <= set(_texts(svg))
    assert "records into the stage (unit: commits, submissions or samples)" in _texts(svg)


def test_funnel_of_a_real_size_spread_uses_a_log_axis_and_skips_empty_stages():
    stats = _funnel_stats(_stage("git.repository", 1, 0), _stage("git.commit", 9912, 20828), _stage("judge.sequence", 0, 0))
    svg = funnel_plot(stats)
    texts = _texts(svg)
    assert "records into the stage (log scale; unit: commits, submissions or samples)" in texts
    assert "9,912 / 30,740" in texts and "judge.sequence" not in texts
    assert [t for t in texts if t in {"1", "10", "100", "1,000", "10,000", "100,000"}] == \
        ["1", "10", "100", "1,000", "10,000", "100,000"]
    assert funnel_plot(_funnel_stats(_stage("judge.sequence", 0, 0))) is None


def test_text_from_the_corpus_is_escaped_not_markup():
    name = 'git.<script>alert("x")</script>&'
    svg = funnel_plot(_funnel_stats(_stage(name, 1, 1)))
    root = ET.fromstring(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    assert name in _texts(svg)


def test_histogram_draws_the_used_bins_with_heights_in_proportion():
    edges = [0, 1, 2, 3, 5, 10]
    svg = _histograms("Hunks per diff", [("commit", _dist(edges, [0, 4, 0, 2, 0, 0])),
                                         ("judge", _dist(edges, [0, 1, 0, 0, 0, 0]))], "hunks")
    bars = _bars(svg)
    assert set(bars) == {"commit, 1: 4", "commit, 3–4: 2", "judge, 1: 1"}
    unit = bars["commit, 1: 4"]["height"] / 4
    assert bars["commit, 3–4: 2"]["height"] == pytest.approx(2 * unit, abs=0.01)
    assert bars["judge, 1: 1"]["height"] == pytest.approx(unit, abs=0.01)
    # Bars stand on one baseline; the series of one bin sit side by side, in their colours.
    assert bars["commit, 1: 4"]["y"] + bars["commit, 1: 4"]["height"] == \
        pytest.approx(bars["judge, 1: 1"]["y"] + bars["judge, 1: 1"]["height"], abs=0.01)
    assert bars["judge, 1: 1"]["x"] == pytest.approx(bars["commit, 1: 4"]["x"] + bars["commit, 1: 4"]["width"], abs=0.01)
    assert (bars["commit, 1: 4"]["fill"], bars["judge, 1: 1"]["fill"]) == ("#3b6fb6", "#d9822b")
    texts = _texts(svg)
    assert ["1", "2", "3–4"] == [t for t in texts if t in {"0", "1", "2", "3–4", "5–9", "≥ 10"}][-3:]
    assert "samples" in texts and "commit" in texts and "judge" in texts  # the legend, two series
    assert _histograms("t", [("commit", _dist(edges, [0] * 6))], "hunks") is None


def test_histogram_of_heavy_tailed_counts_uses_a_log_count_axis():
    edges = [0, 10, 20, 50]
    svg = _histograms("Size", [("commit", _dist(edges, [1, 0, 500, 3], "characters", log=True))], "characters")
    texts = _texts(svg)
    assert "samples (log scale)" in texts and "characters (log-spaced bins)" in texts
    bars = _bars(svg)
    # Equal steps in log: 1 -> 10 -> 100 each add the same height.
    one, three = bars["commit, 0–9: 1"]["height"], bars["commit, ≥ 50: 3"]["height"]
    assert one > 0 and three > one and "commit, 10–19: 0" not in bars


def test_verdict_heatmap_labels_every_cell_and_shades_by_value():
    stats = SimpleNamespace(judge=SimpleNamespace(
        verdicts=["AC", "WA", "TLE"], transitions=[VerdictCell("WA", "AC", 2), VerdictCell("TLE", "AC", 1)]))
    svg = verdict_plot(stats)
    cells = _bars(svg)
    assert set(cells) == {"WA → AC: 2", "TLE → AC: 1"}
    assert cells["WA → AC: 2"]["fill"] == BLUES[-1] and cells["TLE → AC: 1"]["fill"] == blend(BLUES, 0.5)
    root = ET.fromstring(svg)
    labels = [(t.text, t.get("fill")) for t in root.iter(f"{SVG}text")]
    assert ("2", "#ffffff") in labels and ("1", "#000000") in labels  # light text on the dark cell only
    assert ("2", None) in labels and ("0", None) in labels  # the colour bar's ends
    assert verdict_plot(SimpleNamespace(judge=SimpleNamespace(verdicts=[], transitions=[]))) is None


def test_edit_kind_heatmap_keeps_the_most_common_kinds_first():
    kinds = [EditKind("Call", "commit", 5, 0.5), EditKind("Compare", "commit", 2, 0.2), EditKind("If", "commit", 0, 0.0),
             EditKind("BinOp", "commit", 3, 0.3)]
    svg = edit_kind_plot(SimpleNamespace(python=SimpleNamespace(edit_kinds=kinds)), top=2)
    assert set(_bars(svg)) == {"Call → commit: 50%", "BinOp → commit: 30%"}
    texts = _texts(svg)
    assert texts.index("Call") < texts.index("BinOp") and "Compare" not in texts


def test_the_fixture_reports_plots_are_the_same_bytes_twice(tmp_path):
    stats = _funnel_stats(_stage("git.commit", 5, 2))
    stats.shape, stats.instructions, stats.corpus = [], [], SimpleNamespace(empty=True)
    assert make_plots(stats) == make_plots(stats) == {"funnel": funnel_plot(stats)}
