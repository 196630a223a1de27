"""The statistics report: exact numbers on a hand-built corpus, the pages, the plots, the CLI."""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from beam_jobs.report.combiners import Dist, ReportAccumulator, rank_key
from beam_jobs.report.features import batch_features, first_words, sample_features, seeded_hash, trajectory_summary
from filters.edits import edit_kinds
from beam_jobs.report.job import DEFAULT_SEED, run_report
from schemas.report_stats import STATS_VERSION, schema_markdown
from tests.report.helpers import (BEAM_ARGS, HOSTILE_GROUP, HOSTILE_INSTRUCTION, HOSTILE_REASON, fixture_manifest,
                                  fixture_rejects, fixture_samples, hostile_corpus, word_samples, write_corpus,
                                  write_fixture_corpus)
from tests.paths import ROOT, SAMPLE_BUNDLES



@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    folder = write_fixture_corpus(tmp_path_factory.mktemp("report") / "corpus")
    stats = run_report(str(folder), BEAM_ARGS)
    return folder, stats


# ------------------------------------------------------------------------------------ pure features

def test_edit_kinds_name_the_changed_construct():
    assert edit_kinds("if x < 5:\n    y()\n", "if x <= 5:\n    y()\n") == {"Compare"}
    assert edit_kinds("x = 5\n", "x = 6\n") == {"Assign"}
    assert edit_kinds("print(a)\n", "print(b)\n") == {"Call"}
    assert edit_kinds("for i in range(n):\n    t += 1\n", "for i in range(n - 1):\n    t += 1\n") == {"Call", "BinOp"}
    # Both sides count: the old Return lost its operand, the new one gained a UnaryOp.
    assert edit_kinds("def f(x):\n    return x\n", "def f(x):\n    return -x\n") == {"Return", "UnaryOp"}
    assert edit_kinds("y = a.b\n", "y = a.c\n") == {"Attribute"}
    # A statement gained: the statement, not the function around it.
    assert edit_kinds("def f(x):\n    return x\n", "def f(x):\n    g(x)\n    return x\n") == {"Call"}
    # Only a comment changed: equal trees.
    assert edit_kinds("a = 1  # one\n", "a = 1\n") == frozenset()
    # Old code that does not parse has no AST to compare.
    assert edit_kinds("x = (\n", "x = 1\n") is None


def test_batch_features_are_the_per_sample_definition():
    rows = [
        {"instruction": "  Fix: the bug\n now", "old_contents": "a\nb", "new_contents": "a\nb\nc\n",
         "lines_added": 1, "lines_removed": 0, "hunks": 1},
        {"instruction": "", "old_contents": "", "new_contents": "x = 1\n", "lines_added": 1, "lines_removed": 0,
         "hunks": 1},
        {"instruction": "(Add) café support", "old_contents": "é\n", "new_contents": "é\nü\n", "lines_added": 1,
         "lines_removed": 0, "hunks": 1},
    ]
    one = sample_features(rows[0])
    assert (one.old_lines, one.new_lines, one.old_chars, one.new_chars) == (2, 3, 3, 6)
    assert (one.change_share, one.instruction_words, one.first_word, one.code_bytes) == (0.2, 4, "fix", 9)
    third = sample_features(rows[2])
    assert (third.old_chars, third.code_bytes, third.first_word, third.instruction_words) == (2, 3 + 6, "add", 3)
    empty = sample_features(rows[1])
    assert (empty.first_word, empty.instruction_words, empty.old_lines, empty.change_share) == ("", 0, 0, 1.0)
    table = pa.table({k: [r[k] for r in rows] for k in rows[0]})
    batch = batch_features(table)
    for i, row in enumerate(rows):
        single = sample_features(row)
        for name, values in batch.items():
            assert values[i] == getattr(single, name), (i, name)
    assert first_words(table.column("instruction")).to_pylist() == ["fix", "", "add"]


def test_trajectory_summary_counts_up_to_the_first_accepted():
    assert trajectory_summary(["WA", "RE", "AC"]) == (3, 2, 1)
    assert trajectory_summary(["AC"]) == (1, 0, 1)
    assert trajectory_summary(["WA", "WA"]) == (2, 2, 0)
    assert trajectory_summary(None) == (0, 0, 0)


# ---------------------------------------------------------------------------------------- combiners

def test_sketch_quantiles_are_exact_for_small_integers_and_merge_in_any_order():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 1000, 5000)
    whole = Dist("old_lines")
    whole.add(values)
    ordered = np.sort(values)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert whole.quantile(q) == ordered[int(np.ceil(q * len(values))) - 1]
    parts = [Dist("old_lines") for _ in range(3)]
    for part, chunk in zip(parts, np.array_split(values, 3)):
        part.add(chunk)
    a, b = Dist("old_lines"), Dist("old_lines")
    for p in parts:
        a.merge(p)
    for p in reversed(parts):
        b.merge(p)
    assert a.to_schema() == b.to_schema() == whole.to_schema()
    assert whole.to_schema().histogram.counts == np.histogram(
        values, bins=[0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 10**9])[0].tolist()


def test_sketch_error_above_the_exact_range_is_within_half_a_percent():
    values = np.arange(1000, 200_000, 7)
    d = Dist("old_chars")
    d.add(values)
    for q in (0.25, 0.5, 0.9):
        true = np.sort(values)[int(np.ceil(q * len(values))) - 1]
        assert abs(d.quantile(q) - true) / true < 0.005


def test_share_quantiles_are_in_the_share_scale():
    d = Dist("change_share")
    d.add(np.array([0.1, 0.25, 0.5, 1.0]))
    assert d.to_schema().quantiles == {"p10": 0.1, "p25": 0.1, "p50": 0.25, "p75": 0.5, "p90": 1, "p99": 1}


def test_examples_are_the_smallest_seeded_hashes_whatever_the_merge_order():
    items = [(seeded_hash("s", f"id{i}"), f"id{i}", {"id": f"id{i}"}) for i in range(20)]
    a, b = ReportAccumulator(), ReportAccumulator()
    a.add_examples("commit", items[:10])
    b.add_examples("commit", items[10:])
    ab = ReportAccumulator().merge(a).merge(b)
    ba = ReportAccumulator().merge(b).merge(a)
    expected = [i for _, i, _ in sorted(items)[:3]]
    assert [i for _, i, _ in ab.examples["commit"]] == [i for _, i, _ in ba.examples["commit"]] == expected


def test_rank_key_prefers_more_samples_then_the_smaller_name():
    entries = [(3, "b"), (3, "ab"), (5, "z"), (3, "abc"), (1, "a")]
    assert sorted(entries, key=rank_key, reverse=True) == [(5, "z"), (3, "ab"), (3, "abc"), (3, "b"), (1, "a")]


# ------------------------------------------------------------------------------- the fixture corpus

def test_funnel_and_size_numbers_are_exact(fixture_report):
    _, stats = fixture_report
    assert stats["version"] == STATS_VERSION
    assert stats["corpus"] == {"samples": 6, "rejects": 8, "empty": False, "tiny": True,
                               "manifest_format": "repairpack-manifest/2", "preset": "strict",
                               "example_seed": DEFAULT_SEED}
    funnel = stats["funnel"]
    assert funnel["reconciled"] is True
    assert [s["stage"] for s in funnel["stages"]] == ["git.commit", "git.filters", "judge.sequence",
                                                      "assembly.exact_dedup", "assembly.decontaminate",
                                                      "assembly.near_dedup"]
    commit_stage = funnel["stages"][0]
    assert commit_stage == {"stage": "git.commit", "source": "git", "incoming": 7, "kept": 5, "rejected": 2,
                            "kept_share": 0.714286,
                            "reasons": [{"reason": "multi_file", "count": 2, "share_of_stage": 0.285714}],
                            "rejected_by_sample_source": {"git": 2}, "also_failed": []}
    assert funnel["stages"][3]["rejected_by_sample_source"] == {"commit": 2}
    names = [c["name"] for c in funnel["checks"]]
    assert "assembly.decontaminate/benchmark_humaneval rejects" in names
    assert "samples = assembly.near_dedup kept" in names and "rejects rows" in names
    size = stats["size"]
    assert size["samples"] == 6 and size["code_bytes"] == 12 + 73 + 161
    assert size["by_source"] == {"commit": 3, "judge": 3}
    assert size["by_split"] == {"test": 1, "train": 5}
    assert size["by_license"] == {"apache-2.0": 1, "cdla-permissive-2.0": 3, "mit": 2}
    assert [(r["source"], r["split"], r["license"], r["samples"]) for r in size["rows"]] == [
        ("commit", "test", "apache-2.0", 1), ("commit", "train", "mit", 2), ("judge", "train", "cdla-permissive-2.0", 3)]
    assert [(f["split"], f["files"], f["rows"]) for f in size["files"]] == [("rejects", 1, 8), ("test", 1, 1),
                                                                          ("train", 1, 5)]
    commit_top, judge_top = size["top_groups"]
    assert commit_top == {"source": "commit", "distinct": 2, "total": 3, "largest_share": 0.666667,
                          "entries": [{"name": "alice/proj", "samples": 2, "share": 0.666667},
                                      {"name": "bob/lib", "samples": 1, "share": 0.333333}]}
    assert [(e["name"], e["samples"]) for e in judge_top["entries"]] == [("codenet/p1", 2), ("codenet/p2", 1)]


def test_shape_and_instruction_numbers_are_exact(fixture_report):
    _, stats = fixture_report
    shapes = {s["source"]: s for s in stats["shape"]}
    assert list(shapes) == ["commit", "judge", "all"]
    old_lines = shapes["commit"]["old_lines"]
    assert (old_lines["count"], old_lines["min"], old_lines["max"], old_lines["mean"]) == (3, 1, 2, 1.333333)
    assert old_lines["quantiles"] == {"p10": 1, "p25": 1, "p50": 1, "p75": 2, "p90": 2, "p99": 2}
    assert old_lines["histogram"]["counts"][:4] == [0, 2, 1, 0] and sum(old_lines["histogram"]["counts"]) == 3
    assert shapes["all"]["hunks"]["quantiles"]["p50"] == 1 and shapes["all"]["hunks"]["count"] == 6
    # c1 rewrites one of two lines on each side (0.5); every other fixture sample rewrites its whole line(s).
    assert shapes["commit"]["change_share"]["min"] == 0.5 and shapes["commit"]["change_share"]["max"] == 1
    assert shapes["judge"]["change_share"]["mean"] == 0.5
    instructions = {i["source"]: i for i in stats["instructions"]}
    assert instructions["commit"]["words"]["quantiles"]["p50"] == 5
    assert [(e["name"], e["samples"]) for e in instructions["commit"]["first_words"]["entries"]] == [("fix", 2), ("use", 1)]
    assert instructions["judge"]["first_words"]["largest_share"] == 1.0
    # Counted over all samples, not merged from the sources' lists: "fix" starts instructions of both.
    assert instructions["all"]["first_words"] == {
        "source": "all", "distinct": 2, "total": 6, "largest_share": 0.833333,
        "entries": [{"name": "fix", "samples": 5, "share": 0.833333}, {"name": "use", "samples": 1, "share": 0.166667}]}
    assert instructions["all"]["message_langs"] == {"en": 6}


def test_judge_numbers_are_exact(fixture_report):
    _, stats = fixture_report
    judge = stats["judge"]
    assert judge["samples"] == 3 and judge["trajectories"] == 3 and judge["problems"] == 2
    assert judge["verdicts"] == ["AC", "WA", "TLE"]
    assert judge["transitions"] == [{"before": "WA", "after": "AC", "count": 2},
                                    {"before": "TLE", "after": "AC", "count": 1}]
    assert (judge["sequence_length"]["mean"], judge["sequence_length"]["max"]) == (2.333333, 3)
    assert judge["attempts_before_accepted"]["quantiles"]["p50"] == 1
    assert judge["attempts_before_accepted"]["max"] == 2
    # p1: 2 accepted of 5 verdicts (WA AC, RE WA AC); p2: 1 of 2.
    rate = judge["problem_acceptance_rate"]
    assert (rate["min"], rate["max"], rate["mean"]) == (0.4, 0.5, 0.45)


def test_python_and_quality_numbers_are_exact(fixture_report):
    _, stats = fixture_report
    py = stats["python"]
    assert py["old_does_not_parse"] == {"commit": 1, "judge": 0}
    assert py["old_does_not_parse_share"] == {"commit": 0.333333, "judge": 0.0}
    assert py["edit_kinds_analysed"] == {"commit": 2, "judge": 3} and py["edit_kinds_sample_rate"] == 1.0
    kinds = {(k["source"], k["kind"]): k["samples"] for k in py["edit_kinds"]}
    assert kinds == {("commit", "Compare"): 1, ("commit", "Call"): 1, ("judge", "Call"): 2, ("judge", "BinOp"): 1,
                     ("judge", "Subscript"): 1, ("all", "Call"): 3, ("all", "Compare"): 1, ("all", "BinOp"): 1,
                     ("all", "Subscript"): 1}
    quality = stats["quality"]
    samples = fixture_samples()
    assert quality["exact_duplicates_removed"] == {"commit": 2}
    assert quality["near_duplicates_removed"] == {"judge": 1}
    assert quality["duplicate_clusters"] == 2
    assert quality["largest_clusters"] == [
        {"stage": "assembly.exact_dedup", "kept": samples[0].id, "removed": 2},
        {"stage": "assembly.near_dedup", "kept": samples[3].id, "removed": 1}]
    assert quality["decontamination_hits"] == {"humaneval": 1}
    assert quality["benchmarks_checked"] == ["humaneval"] and quality["secrets_findings"] == {"email": 1}
    # pair_min_chars 17: c2 has 9 + 9 characters; max_change_share 0.5: c1 rewrites half its lines;
    # instruction_min_words 4: c2's "Use the right variable"; max_code_bytes 33 (band 29.7 to 33): j1's 30 bytes.
    assert [(t["name"], t["source"], t["samples"]) for t in quality["near_threshold"]] == [
        ("filters.pair_min_chars", "commit", 1), ("filters.max_change_share", "commit", 1),
        ("filters.instruction_min_words", "commit", 1), ("judge.max_code_bytes", "judge", 1)]


def test_examples_are_chosen_by_seeded_hash(fixture_report):
    _, stats = fixture_report
    samples = fixture_samples()
    for source in ("commit", "judge"):
        ids = sorted((s.id for s in samples if s.source == source), key=lambda i: seeded_hash(DEFAULT_SEED, i))
        assert [e["id"] for e in stats["examples"][source]] == ids[:3]
    first = stats["examples"]["commit"][0]
    assert first["diff"].startswith("--- a/f.py\n+++ b/f.py\n@@") and first["diff_truncated"] is False


def test_reconciliation_names_every_mismatch(tmp_path):
    samples = fixture_samples()
    manifest = fixture_manifest()
    manifest["counts"]["git.filters"]["message_too_short"] = 2
    manifest["rows"]["default"]["train"] = 4
    write_corpus(tmp_path / "c", samples, fixture_rejects(samples), manifest)
    stats = run_report(str(tmp_path / "c"), BEAM_ARGS)
    bad = [(c["name"], c["expected"], c["actual"]) for c in stats["funnel"]["checks"] if not c["ok"]]
    assert stats["funnel"]["reconciled"] is False
    assert bad == [("git.filters in = kept + rejected", 5, 6), ("git.filters/message_too_short rejects", 2, 1),
                   ("samples in train", 4, 5)]
    assert "Not reconciled with manifest.json" in (tmp_path / "c" / "report.md").read_text()


def test_overall_first_words_are_exact_when_the_top_word_is_eleventh_in_every_source(tmp_path):
    # "shared" starts 2 instructions of each source, ten other words 3 each: 11th in both sources,
    # first overall with 4. Merging the sources' top-10 lists would miss it and count it twice in
    # `distinct`.
    commit = word_samples("commit", {**{f"a{i}": 3 for i in range(10)}, "shared": 2})
    judge = word_samples("judge", {**{f"b{i}": 3 for i in range(10)}, "shared": 2})
    manifest = {"format": "repairpack-manifest/2", "counts": {}, "rows": {"default": {"train": 64}}}
    folder = write_corpus(tmp_path / "words", commit + judge, [], manifest)
    stats = run_report(str(folder), BEAM_ARGS)
    tops = {i["source"]: i["first_words"] for i in stats["instructions"]}
    assert [(t["distinct"], t["total"]) for t in (tops["commit"], tops["judge"], tops["all"])] == [(11, 32), (11, 32),
                                                                                                 (21, 64)]
    assert "shared" not in [e["name"] for e in tops["commit"]["entries"]]
    assert tops["all"]["largest_share"] == 0.0625
    assert [(e["name"], e["samples"]) for e in tops["all"]["entries"]] == [
        ("shared", 4), *[(f"a{i}", 3) for i in range(9)]]


def _unescaped_link_targets(md: str) -> list[str]:
    """Targets of every `](...)` whose bracket is not backslash-escaped: links and images."""
    return re.findall(r"(?<!\\)\]\(([^)]*)\)", md)


def test_markdown_escapes_sample_text_and_fences_hold(tmp_path):
    folder, sample = hostile_corpus(tmp_path / "hostile")
    stats = run_report(str(folder), BEAM_ARGS)
    assert stats["funnel"]["reconciled"] is True
    md = (folder / "report.md").read_text()
    # The diff holds a run of six backticks: the fence is seven long and the diff sits in it unchanged.
    diff = stats["examples"]["commit"][0]["diff"]
    assert "``````" in diff and "```````" not in diff
    fenced = f"```````diff\n{diff}\n```````\n"
    assert md.count(fenced) == 1
    outside = md.replace(fenced, "")
    assert "<img" not in outside.lower()
    assert sorted(_unescaped_link_targets(outside)) == sorted(stats["plots"].values())
    assert (r"!\[x\](https://tracker.example/i.png) &lt;img src=https://tracker.example/j.png&gt; "
            r"\[click\](https://tracker.example/k) \*\*b\*\* \`c\` &#124; d &amp; e" + "\n") in md
    assert "| commit | evil/&lt;img src=https://tracker.example/g.png&gt;&#124;x | 1 | 100.0 % |" in md
    assert "| git.filters | 2 | 1 | 50.0 % | &lt;img src=https://tracker.example/r.png&gt;&#124;x 1 (50.0 %) |" in md
    # Inside a code span, where Markdown shows it as typed.
    assert "Preset `<b>strict</b>`;" in md


def test_markdown_of_hostile_samples_renders_as_text(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    folder, sample = hostile_corpus(tmp_path / "hostile")
    stats = run_report(str(folder), BEAM_ARGS)
    parser = markdown_it.MarkdownIt("commonmark").enable("table")  # raw HTML on, as on the Hub
    text = (folder / "report.md").read_text()
    page = parser.render(text)
    assert re.findall(r'<img src="([^"]*)"', page) == [stats["plots"][n] for n in re.findall(
        r"\]\(report_plots/([^)]*)\.svg\)", text)]
    assert "<a " not in page and "<b>" not in page
    import html as html_lib

    assert f"<p>{html_lib.escape(HOSTILE_INSTRUCTION)}</p>" in page
    assert f"<td>{html_lib.escape(HOSTILE_GROUP)}</td>" in page
    assert f"<td>{html_lib.escape(HOSTILE_REASON)} 1 (50.0 %)</td>" in page
    fences = [t for t in parser.parse(text) if t.type == "fence"]
    assert [(f.info, f.content) for f in fences] == [("diff", stats["examples"]["commit"][0]["diff"] + "\n")]


def test_html_escapes_sample_text(tmp_path):
    folder, sample = hostile_corpus(tmp_path / "hostile")
    stats = run_report(str(folder), BEAM_ARGS)
    document = ET.fromstring((folder / "report.html").read_text().split("\n", 1)[1])
    refs = [v for _, k, v in _attributes(document) if k in ("src", "href")]
    assert len(refs) == len(stats["plots"]) and all(v.startswith("data:image/svg+xml;base64,") for v in refs)
    assert not {e.tag for e in document.iter()} & {"a", "b", "script", "link", "iframe", "object", "embed"}
    paragraphs = ["".join(p.itertext()) for p in document.iter("p")]
    # Shown as typed: the ** and ` of a commit message are not markup.
    assert HOSTILE_INSTRUCTION in paragraphs
    assert [p for p in document.iter("p") if "".join(p.itertext()) == HOSTILE_INSTRUCTION][0].findall("*") == []
    assert ["".join(pre.itertext()) for pre in document.iter("pre")] == [stats["examples"]["commit"][0]["diff"]]
    cells = {"".join(td.itertext()) for td in document.iter("td")}
    assert {HOSTILE_GROUP, f"{HOSTILE_REASON} 1 (50.0 %)"} <= cells
    assert any(f"{HOSTILE_GROUP} · mit ·" in "".join(h.itertext()) for h in document.iter("h3"))


# ---------------------------------------------------------------------------------- files and pages

def test_outputs_are_written_and_deterministic(fixture_report, tmp_path):
    folder, stats = fixture_report
    on_disk = json.loads((folder / "stats.json").read_text())
    assert on_disk == stats
    again = write_fixture_corpus(tmp_path / "again")
    run_report(str(again), BEAM_ARGS)
    for name in ("stats.json", "report.md", "report.html", *stats["plots"].values()):
        assert (again / name).read_bytes() == (folder / name).read_bytes(), name


def test_every_plot_is_a_non_empty_svg(fixture_report):
    folder, stats = fixture_report
    assert set(stats["plots"]) == {"funnel", "old_lines", "old_chars", "diff_lines", "hunks", "change_share",
                                   "instruction_words", "attempts", "verdicts", "edit_kinds"}
    for name, path in stats["plots"].items():
        svg = (folder / path).read_text()
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg", name
        assert root.find("{http://www.w3.org/2000/svg}title").text, name
        marks = [e for e in root.iter("{http://www.w3.org/2000/svg}rect")
                 if e.find("{http://www.w3.org/2000/svg}title") is not None]
        assert marks and all(float(e.get("width")) >= 0 and float(e.get("height")) > 0 for e in marks), name
    funnel = ET.fromstring((folder / stats["plots"]["funnel"]).read_text())
    tips = [t.text for t in funnel.iter("{http://www.w3.org/2000/svg}title")][1:]
    assert tips == [f"{st['stage']}: {n:,} {what}" for st in stats["funnel"]["stages"]
                    for n, what in ((st["kept"], "kept"), (st["rejected"], "dropped"))]


def _attributes(document: ET.Element) -> list[tuple[str, str, str]]:
    return [(e.tag, k, v) for e in document.iter() for k, v in e.attrib.items()]


def test_html_is_well_formed_and_self_contained(fixture_report):
    folder, stats = fixture_report
    text = (folder / "report.html").read_text()
    assert text.startswith("<!DOCTYPE html>\n")
    document = ET.fromstring(text.split("\n", 1)[1])  # XHTML-compatible: an XML parser reads it
    assert "http" not in text
    tags = {e.tag for e in document.iter()}
    assert not tags & {"script", "link", "iframe", "object", "embed"}
    refs = [(tag, k, v) for tag, k, v in _attributes(document) if k in ("src", "href")]
    assert refs and all(v.startswith("data:image/svg+xml;base64,") for _, _, v in refs)
    assert len(refs) == len(stats["plots"])
    for _, _, v in refs:
        svg = base64.b64decode(v.split(",", 1)[1]).decode("utf-8")
        assert ET.fromstring(svg).tag.endswith("svg")
    for heading in ("How big is the corpus, and from where?", "What was thrown away, and why?",
                    "What do the repairs look like?", "Judge data", "Python specifics", "Is anything suspicious?",
                    "Examples"):
        assert f"<h2>{heading}</h2>" in text


def test_markdown_has_the_tables_and_links_the_plots(fixture_report):
    folder, stats = fixture_report
    md = (folder / "report.md").read_text()
    assert md.startswith("# Corpus statistics report\n")
    assert "| git.commit | 7 | 5 | 71.4 % | multi_file 2 (28.6 %) |" in md
    assert "| WA | AC | 2 | 66.7 % |" in md
    assert "| samples | 6 |\n| commit samples | 3 |\n| judge samples | 3 |" in md
    assert "| median lines added / removed | 1 / 1 |\n| syntax fixes | 16.7 % |\n| duplicates removed | 3 |" in md
    for path in stats["plots"].values():
        assert f"]({path})" in md
    assert "This corpus is tiny (6 samples)" in md


def test_empty_corpus_says_so_and_draws_only_the_funnel(tmp_path):
    manifest = fixture_manifest()
    manifest["counts"] = {"git.commit": {"in": 4, "kept": 0, "multi_file": 4}}
    manifest["rows"] = {"default": {}, "rejects": {"rejects": 4}}
    from schemas.reject import make_reject

    rejects = [make_reject("git.commit", "multi_file", source="git", key=f"{i}" * 40) for i in range(4)]
    folder = write_corpus(tmp_path / "empty", [], rejects, manifest)
    stats = run_report(str(folder), BEAM_ARGS)
    assert stats["corpus"]["empty"] is True and stats["corpus"]["samples"] == 0
    assert stats["funnel"]["reconciled"] is True
    assert stats["shape"] == [] and stats["judge"]["transitions"] == [] and stats["examples"] == {}
    assert set(stats["plots"]) == {"funnel"}
    md = (folder / "report.md").read_text()
    assert "This corpus is empty: no sample survived the build." in md
    ET.fromstring((folder / "report.html").read_text().split("\n", 1)[1])
    # Nothing at all: no stage, no file.
    bare = write_corpus(tmp_path / "bare", [], [], {"format": "repairpack-manifest/2", "counts": {}, "rows": {}})
    stats = run_report(str(bare), BEAM_ARGS)
    assert stats["plots"] == {} and stats["corpus"]["empty"] is True
    assert "The manifest records no stage counts." in (bare / "report.md").read_text()


def test_schema_documentation_is_generated_from_the_dataclasses():
    doc = (ROOT / "docs" / "report.md").read_text()
    assert schema_markdown() in doc
    assert "### `Distribution`" in schema_markdown() and "| `largest_share` |" in schema_markdown()


# ---------------------------------------------------------------------------------------------- CLI

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_report_subcommand_and_its_errors(tmp_path):
    folder = write_fixture_corpus(tmp_path / "corpus")
    proc = _cli("report", str(folder), "--direct_num_workers=1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"6 samples, 8 rejects, reconciled with manifest.json; report: {folder / 'report.html'}"
    assert json.loads((folder / "stats.json").read_text())["corpus"]["samples"] == 6
    for target, message in ((tmp_path / "missing", f"the corpus folder '{tmp_path / 'missing'}' does not exist"),
                            (tmp_path, f"'{tmp_path}' has no manifest.json, so it is not the output folder of a "
                                       "finished build")):
        proc = _cli("report", str(target))
        assert proc.returncode == 2
        assert proc.stderr.strip().splitlines() == [f"repairpack: error: {message}"]
    # A folder that is not what its manifest says: the report is written, and the exit code says so.
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["rows"]["default"]["train"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    proc = _cli("report", str(folder), "--direct_num_workers=1")
    assert proc.returncode == 1
    assert proc.stdout.strip().startswith("6 samples, 8 rejects, NOT reconciled with manifest.json; report: ")


def test_a_shard_that_is_not_parquet_is_one_sentence(tmp_path):
    from beam_jobs.report.job import ReportInputError

    for shard in ("data/train-00001-of-00002.parquet", "rejects/rejects-00001-of-00002.parquet"):
        folder = write_fixture_corpus(tmp_path / shard.split("/")[0] / "corpus")
        (folder / shard).write_bytes(b"not a parquet file\n")
        with pytest.raises(ReportInputError) as err:
            run_report(str(folder), BEAM_ARGS)
        assert str(err.value) == f"'{folder / shard}' is not a readable Parquet file (ArrowInvalid)"
        assert not (folder / "stats.json").exists()
    proc = _cli("report", str(folder))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"repairpack: error: '{folder / shard}' is not a readable Parquet file (ArrowInvalid)"]


def test_a_shard_without_the_report_columns_is_one_sentence(tmp_path):
    import pyarrow.parquet as pq

    from beam_jobs.report.job import ReportInputError

    folder = write_fixture_corpus(tmp_path / "corpus")
    shard = folder / "data" / "train-00001-of-00002.parquet"
    pq.write_table(pa.table({"id": ["x"], "source": ["commit"], "instruction": [3]}), shard)
    with pytest.raises(ReportInputError) as err:
        run_report(str(folder), BEAM_ARGS)
    assert str(err.value) == (
        f"'{shard}' is not a shard of a repairpack corpus: column 'instruction' is int64 where string is "
        "expected, and columns 'split', 'license', 'group', 'old_contents', 'new_contents', 'diff', "
        "'lines_added', 'lines_removed', 'hunks', 'message_lang', 'old_parses', 'python_major', 'dataset', "
        "'problem_id', 'user_id', 'pairing', 'verdict_before', 'verdict_after', 'verdict_sequence' are missing")


@pytest.mark.parametrize("content, problem", [
    ("[1]", "is a JSON list, not an object"),
    ('"corpus"', "is a JSON string, not an object"),
    ('{"format": "repairpack-manifest/2", "rows": {}}', "has no 'counts'"),
    ('{"counts": {}}', "has no 'rows'"),
    ('{"counts": {"git.commit": 7}, "rows": {}}', "has a malformed 'counts': 'git.commit' is not an object"),
    ('{"counts": {"git.commit": {"in": "7"}}, "rows": {}}',
     "has a malformed 'counts': 'git.commit' / 'in' is not an integer"),
    ('{"counts": {}, "rows": {"default": {"train": true}}}',
     "has a malformed 'rows': 'default' / 'train' is not an integer"),
    ('{"counts": {}, "rows": {}, "config": ["strict"]}', "has a malformed 'config': it is not an object"),
    ('{"counts": {}, "rows": {}, "benchmarks": ["humaneval"]}', "has a malformed 'benchmarks': it is not an object"),
    ('{"counts": {}, "rows": {}, "secrets_findings": {"email": "1"}}',
     "has a malformed 'secrets_findings': 'email' is not an integer"),
])
def test_a_malformed_manifest_is_one_sentence(tmp_path, content, problem):
    from beam_jobs.report.job import ReportInputError

    folder = write_fixture_corpus(tmp_path / "corpus")
    (folder / "manifest.json").write_text(content)
    with pytest.raises(ReportInputError) as err:
        run_report(str(folder), BEAM_ARGS)
    assert str(err.value) == f"the manifest '{folder / 'manifest.json'}' {problem}"


def test_a_build_writes_a_report_that_reconciles_with_its_manifest(tmp_path, capsys):
    import run_pipeline

    out = tmp_path / "corpus"
    rc = run_pipeline.main(["--git", *SAMPLE_BUNDLES, "--codenet", str(ROOT / "samples" / "judge" / "codenet"),
                            "--output", str(out), "--set", "licenses.detector=text"])
    assert rc == 0
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    stats = json.loads((out / "stats.json").read_text())
    assert stats["funnel"]["reconciled"] is True
    for stage in stats["funnel"]["stages"]:
        counts = manifest["counts"][stage["stage"]]
        assert stage["incoming"] == counts["in"] and stage["kept"] == counts["kept"]
        assert {r["reason"]: r["count"] for r in stage["reasons"]} == {
            k: v for k, v in counts.items() if k not in ("in", "kept")}
    assert [s["stage"] for s in stats["funnel"]["stages"]] == sorted(
        manifest["counts"], key=__import__("beam_jobs.accounting", fromlist=["flow_order"]).flow_order)
    assert stats["size"]["by_source"] == manifest["stats"]["sources"]
    assert stats["size"]["by_license"] == manifest["stats"]["licenses"]
    assert stats["corpus"]["samples"] == 25 and stats["corpus"]["rejects"] == 91
    assert stats["quality"]["exact_duplicates_removed"] == {"commit": 1}
    assert stats["quality"]["near_duplicates_removed"] == {"judge": 1}
    assert stats["judge"]["samples"] == 13 and stats["python"]["old_does_not_parse"] == {"commit": 0, "judge": 1}
    assert "e+0" not in (out / "report.md").read_text()  # numbers read as numbers, not 1.18e+03


def test_numbers_are_formatted_for_people():
    from beam_jobs.report.render import human_bytes, num, pct

    assert [num(1180.4), num(38.08), num(2.0), num(0.0653), num(1234567), num(True)] == [
        "1,180", "38.08", "2", "0.0653", "1,234,567", "yes"]
    assert [pct(0), pct(0.0004), pct(0.5)] == ["0 %", "< 0.1 %", "50.0 %"]
    assert [human_bytes(512), human_bytes(31_437)] == ["512 B", "30.7 KB"]


# ----------------------------------------------------------------------------------- headless browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0"]
# Appended to a copy of the page: every image must have decoded; reports what it found on the console.
PROBE = ("<script>window.addEventListener('load',function(){var bad=0,imgs=document.images;"
         "for(var i=0;i<imgs.length;i++){if(!imgs[i].complete||imgs[i].naturalWidth===0){bad++;"
         "console.error('broken image '+i);}}console.log('probe: '+imgs.length+' images, '+bad+' broken');});"
         "</script>")
CONSOLE = re.compile(r":CONSOLE(?::\d+)?\] \"(?P<message>.*)\", source: ")


def _chromium() -> str | None:
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def render_console(page: Path, profile: Path) -> list[str]:
    """The console messages of `page` loaded in headless Chromium (errors, warnings and logs alike)."""
    binary = _chromium()
    assert binary
    proc = subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "</html>" in proc.stdout
    return [m.group("message") for m in CONSOLE.finditer(proc.stderr)]


@pytest.mark.skipif(_chromium() is None, reason="no Chromium installed (.ci/run installs Debian's chromium)")
def test_report_renders_in_headless_chromium_without_console_errors(fixture_report, tmp_path):
    folder, stats = fixture_report
    # The capture itself works: a broken page shows its errors.
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><img src='data:image/svg+xml;base64,AAAA' />"
                   "<script>console.error('boom'); missingFunction();</script>" + PROBE + "</body></html>")
    messages = render_console(bad, tmp_path / "profile-bad")
    assert "boom" in messages
    assert any("missingFunction is not defined" in m for m in messages)
    assert "probe: 1 images, 1 broken" in messages
    # The report: only the probe's own line.
    page = tmp_path / "report.html"
    page.write_text((folder / "report.html").read_text().replace("</body>", PROBE + "</body>"))
    messages = render_console(page, tmp_path / "profile")
    assert messages == [f"probe: {len(stats['plots'])} images, 0 broken"]


def test_each_step_pairs_count_their_trajectory_once(tmp_path):
    from dataclasses import replace

    from tests.report.helpers import _sample

    base = dict(license="cdla-permissive-2.0", dataset="codenet", pairing="each-step", group="codenet/p7",
                problem_id="p7", user_id="u7", verdict_sequence=["WA", "RE", "AC"])
    steps = [_sample("e1", "judge", "x = 1\nprint(x)\n", "x = 2\nprint(x)\n", "Fix this solution to P7: it gets WA.",
                     verdict_before="WA", verdict_after="RE", step_before=0, step_after=1, **base),
             _sample("e2", "judge", "x = 2\nprint(x)\n", "x = 2\nprint(x + 1)\n", "Fix this solution to P7: it gets RE.",
                     verdict_before="RE", verdict_after="AC", step_before=1, step_after=2, **base)]
    other = replace(steps[1], id="f" * 24, user_id="u8", verdict_sequence=["TLE", "AC"], verdict_before="TLE",
                    pairing="last-failure")
    manifest = {"format": "repairpack-manifest/2", "counts": {}, "rows": {"default": {"train": 3}}}
    folder = write_corpus(tmp_path / "steps", [*steps, other], [], manifest)
    judge = run_report(str(folder), BEAM_ARGS)["judge"]
    assert (judge["samples"], judge["trajectories"], judge["problems"]) == (3, 2, 1)
    assert judge["transitions"] == [{"before": "RE", "after": "AC", "count": 1},
                                    {"before": "TLE", "after": "AC", "count": 1},
                                    {"before": "WA", "after": "RE", "count": 1}]
    assert (judge["sequence_length"]["min"], judge["sequence_length"]["max"]) == (2, 3)
    # p7: u7 needed 3 verdicts for 1 accepted, u8 2 for 1: 2 / 5.
    assert judge["problem_acceptance_rate"]["mean"] == 0.4


def test_report_job_translates_for_dataflow(monkeypatch):
    """Offline proof that every DoFn and CombineFn of the report job pickles for Dataflow."""
    pytest.importorskip("apitools", reason="apache-beam[gcp] provides the Dataflow runner")
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from beam_jobs.report.job import build_report
    from beam_jobs.report.summary import near_thresholds

    monkeypatch.setenv("NO_GCE_CHECK", "True")
    pipeline = beam.Pipeline(options=PipelineOptions([
        "--runner=DataflowRunner", "--dry_run=True", "--project=demo-project", "--region=us-central1",
        "--temp_location=gs://demo-bucket/tmp"]))
    results = build_report(pipeline, ["gs://demo-bucket/out/data/train-00000-of-00001.parquet"],
                           ["gs://demo-bucket/out/rejects/rejects-00000-of-00001.parquet"], seed=DEFAULT_SEED,
                           rate=0.5, thresholds=near_thresholds({"filters": {"pair_min_chars": 175}}))
    _ = results | beam.Map(lambda r: r)
    names = {t.unique_name for t in pipeline.to_runner_api().components.transforms.values()}
    for expected in ("ReadData", "Summarise", "ReadRejects", "SummariseRejects", "SumKeyed", "SumProblem",
                     "Combine"):
        assert expected in names, expected
    assert pipeline.run().state == "DONE"


def test_edit_kinds_above_the_budget_use_the_seeded_hash_subset(tmp_path):
    from beam_jobs.report.features import HASH_SPACE, edit_kind_cutoff
    from beam_jobs.report.job import compute_stats

    folder = write_fixture_corpus(tmp_path / "c")
    stats = compute_stats(str(folder), BEAM_ARGS, edit_kind_budget=3)
    assert stats.python.edit_kinds_sample_rate == 0.5
    cutoff = edit_kind_cutoff(0.5)
    assert cutoff == HASH_SPACE // 2
    expected = {"commit": 0, "judge": 0}
    for s in fixture_samples():
        if s.old_parses and seeded_hash(DEFAULT_SEED, s.id) < cutoff:
            expected[s.source] += 1
    assert stats.python.edit_kinds_analysed == expected == {"commit": 2, "judge": 0}


def test_a_build_with_no_report_removes_the_stale_one(tmp_path, capsys):
    import run_pipeline

    out = write_fixture_corpus(tmp_path / "corpus")
    run_report(str(out), BEAM_ARGS)
    assert (out / "report_plots").is_dir()
    rc = run_pipeline.main(["--codenet", str(ROOT / "samples" / "judge" / "codenet"), "--output", str(out),
                            "--overwrite", "--no-report"])
    assert rc == 0
    assert "report:" not in capsys.readouterr().out
    assert not any((out / name).exists() for name in ("stats.json", "report.md", "report.html", "report_plots"))
    assert (out / "manifest.json").is_file()
