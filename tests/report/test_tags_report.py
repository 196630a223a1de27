"""The report's tags, edit kinds read from the column, and the funnel's "also failed" (issue 14)."""
from __future__ import annotations

import copy
from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from beam_jobs.report import combiners
from beam_jobs.report.job import run_report
from schemas.arrow import to_row
from schemas.reject import make_reject
from schemas.sample import SAMPLE_SCHEMA
from tests.report.helpers import BEAM_ARGS, fixture_manifest, fixture_rejects, fixture_samples, write_corpus

# "Marker" is no AST node type: only the column can have put it in the report.
COLUMNS = {"c1": ([], ["Compare"]), "c2": (["test_file", "redacted"], ["Call"]), "c3": (["syntax_error_before"], []),
           "j1": ([], ["BinOp", "Marker"]), "j2": (["formatting_only"], []), "j3": ([], [])}


def tagged_samples():
    return [replace(s, tags=COLUMNS[s.record_id][0], edit_kinds=COLUMNS[s.record_id][1]) for s in fixture_samples()]


def tagged_manifest():
    manifest = fixture_manifest()
    manifest["counts"]["git.filters"] = {"in": 6, "kept": 4, "message_too_short": 1, "tag_version_bump": 1}
    manifest["rows"]["rejects"]["rejects"] = 9
    manifest["also_failed"] = {"git.filters": {"message_too_short": 1, "pair_too_large": 3, "tag_version_bump": 2}}
    manifest["only_failed"] = {"git.filters": {"tag_version_bump": 1}}
    return manifest


def tagged_rejects(samples):
    return [*fixture_rejects(samples),
            make_reject("git.filters", "tag_version_bump", source="git", key="e" * 40, repo="alice/proj")]


@pytest.fixture(scope="module")
def tagged_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tags") / "corpus"
    samples = tagged_samples()
    write_corpus(folder, samples, tagged_rejects(samples), tagged_manifest())
    return folder, run_report(str(folder), BEAM_ARGS)


def test_samples_per_tag(tagged_report):
    _, stats = tagged_report
    tags = stats["tags"]
    assert [(t["tag"], t["source"], t["samples"], t["share"]) for t in tags["counts"]] == [
        ("test_file", "all", 1, 0.166667), ("formatting_only", "all", 1, 0.166667),
        ("syntax_error_before", "all", 1, 0.166667), ("redacted", "all", 1, 0.166667),
        ("test_file", "commit", 1, 0.333333), ("syntax_error_before", "commit", 1, 0.333333),
        ("redacted", "commit", 1, 0.333333), ("formatting_only", "judge", 1, 0.333333)]
    assert tags["untagged"] == {"commit": 1, "judge": 2}
    assert tags["dropped"] == {"version_bump": 1}


def test_edit_kinds_come_from_the_column_where_the_build_filled_it(tagged_report):
    _, stats = tagged_report
    py = stats["python"]
    # c3 does not parse (tagged so): not analysed. j3 has neither column filled: parsed by the report.
    assert py["edit_kinds_analysed"] == {"commit": 2, "judge": 3}
    assert py["edit_kinds_from_column"] == {"commit": 2, "judge": 2}
    assert py["no_structural_change"] == {"commit": 0, "judge": 1}
    kinds = {(k["source"], k["kind"]): k["samples"] for k in py["edit_kinds"]}
    assert kinds == {("commit", "Compare"): 1, ("commit", "Call"): 1, ("judge", "BinOp"): 1, ("judge", "Marker"): 1,
                     ("judge", "Call"): 1, ("all", "Compare"): 1, ("all", "Call"): 2, ("all", "BinOp"): 1,
                     ("all", "Marker"): 1}


def test_filled_rows_are_not_parsed(monkeypatch):
    parsed: list[str] = []
    monkeypatch.setattr(combiners, "edit_kinds", lambda old, new: parsed.append(old) or frozenset({"Call"}))
    rows = [to_row(s) for s in tagged_samples()]
    table = pa.Table.from_pylist(rows, schema=SAMPLE_SCHEMA)
    summary = combiners.summarise_batch(table, seed="s", edit_kind_rate=1.0)
    j3 = next(s for s in tagged_samples() if s.record_id == "j3")
    assert parsed == [j3.old_contents]
    assert summary.partial.counts[("edit_from_column", "judge")] == 2


def test_the_funnel_shows_every_rule_a_record_fails(tagged_report):
    folder, stats = tagged_report
    assert stats["funnel"]["reconciled"] is True
    stage = next(s for s in stats["funnel"]["stages"] if s["stage"] == "git.filters")
    assert stage["also_failed"] == [
        {"reason": "pair_too_large", "failed": 3, "first": 0, "only": 0, "share_of_stage": 0.5},
        {"reason": "tag_version_bump", "failed": 2, "first": 1, "only": 1, "share_of_stage": 0.333333},
        {"reason": "message_too_short", "failed": 1, "first": 1, "only": 0, "share_of_stage": 0.166667}]
    # The first reasons still balance the stage; the failures are checked against them.
    checks = {c["name"]: c for c in stats["funnel"]["checks"]}
    assert checks["git.filters in = kept + rejected"]["ok"]
    assert checks["git.filters rules with failed >= first >= only"] == {
        "name": "git.filters rules with failed >= first >= only", "expected": 3, "actual": 3, "ok": True}
    assert all(not s["also_failed"] for s in stats["funnel"]["stages"] if s["stage"] != "git.filters")


def test_the_pages_show_tags_and_binding_rules(tagged_report):
    folder, _ = tagged_report
    md = (folder / "report.md").read_text()
    assert "## Tags" in md and "### Which rules bind" in md
    assert "| test_file | commit | 1 | 33.3 % |" in md
    assert "| (no tag) | judge | 2 | 66.7 % |" in md
    assert "Dropped at the filter stage for a tag (`filters.drop_tags`): `version_bump` 1." in md
    assert "| git.filters | pair_too_large | 3 | 50.0 % | 0 | 0 |" in md
    html = (folder / "report.html").read_text()
    assert "Which rules bind" in html and "formatting_only" in html


def test_failures_that_contradict_the_first_reasons_do_not_reconcile(tmp_path):
    samples = tagged_samples()
    manifest = tagged_manifest()
    manifest["only_failed"] = {"git.filters": {"pair_too_large": 1}}  # only it, yet never first: impossible
    write_corpus(tmp_path / "c", samples, tagged_rejects(samples), manifest)
    stats = run_report(str(tmp_path / "c"), BEAM_ARGS)
    assert stats["funnel"]["reconciled"] is False
    bad = [c for c in stats["funnel"]["checks"] if not c["ok"]]
    assert bad == [{"name": "git.filters rules with failed >= first >= only", "expected": 3, "actual": 2, "ok": False}]


def test_a_corpus_without_the_tag_columns_is_reported_as_before(tmp_path):
    """A corpus built before tags: no `tags` or `edit_kinds` column; edit kinds are parsed, no tag counted."""
    folder = tmp_path / "old"
    samples = fixture_samples()
    write_corpus(folder, samples, fixture_rejects(samples), fixture_manifest())
    for shard in (folder / "data").glob("*.parquet"):
        table = pq.read_table(shard)
        pq.write_table(table.drop_columns(["tags", "edit_kinds"]), shard)
    stats = run_report(str(folder), BEAM_ARGS)
    assert stats["funnel"]["reconciled"] is True
    assert stats["tags"] == {"counts": [], "untagged": {}, "dropped": {}}
    assert stats["python"]["edit_kinds_analysed"] == {"commit": 2, "judge": 3}
    assert stats["python"]["edit_kinds_from_column"] == {"commit": 0, "judge": 0}
    assert "## Tags" not in (folder / "report.md").read_text()


def test_a_malformed_also_failed_is_one_sentence(tmp_path):
    from beam_jobs.report.job import ReportInputError

    samples = fixture_samples()
    manifest = copy.deepcopy(fixture_manifest())
    manifest["also_failed"] = {"git.filters": {"pair_too_large": "3"}}
    write_corpus(tmp_path / "c", samples, fixture_rejects(samples), manifest)
    with pytest.raises(ReportInputError) as err:
        run_report(str(tmp_path / "c"), BEAM_ARGS)
    assert str(err.value) == (f"the manifest '{tmp_path / 'c' / 'manifest.json'}' has a malformed 'also_failed': "
                              "'git.filters' / 'pair_too_large' is not an integer")
