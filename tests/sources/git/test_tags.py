"""Tags, edit kinds and "also failed" through the real pipeline: a pygit2 repository, the strict preset
on the FnApiRunner, the Parquet shards and the manifest read back."""
from __future__ import annotations

from samples.licenses_text import MIT_LICENSE
from tests.filters.test_tags import DOCUMENTED, FIX, MODULE, TEST_MODULE
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import assert_balanced, read_rows, records, rejects, run_git

CODE, TESTS = "billing/totals.py", "tests/test_totals.py"
TEST_FIXED = TEST_MODULE.replace("assert total(rows) == 2.5", "assert total(rows) == pytest.approx(2.5)")


def build_tagged_repo(b: RepoBuilder) -> dict[str, str]:
    """One commit per kind of change, each touching one Python file; returns name -> sha."""
    files = {"LICENSE": MIT_LICENSE, CODE: MODULE, TESTS: TEST_MODULE}
    c: dict[str, str] = {"root": b.commit(files, "Start the billing package")}

    def step(name: str, path: str, text: str, message: str) -> None:
        files[path] = text
        c[name] = b.commit(dict(files), message)

    step("fix", CODE, FIX, "Compare currency codes without regard to case")
    step("reformat", CODE, FIX.replace('REQUIRED = ("invoice", "amount", "currency")',
                                       "REQUIRED = (\n    'invoice',\n    'amount',\n    'currency',\n)"),
         "Wrap the tuple of required columns one name a line")
    step("unformat", CODE, FIX, "Reformat the code")  # too few words, and formatting only
    step("docs", CODE, DOCUMENTED.replace('        if row["currency"] == currency:\n',
                                          '        if row["currency"].upper() == currency.upper():\n'),
         "Explain which rows the total skips in its docstring")
    step("bump", CODE, files[CODE].replace('__version__ = "1.4.2"', '__version__ = "1.4.3"'),
         "Prepare the next patch release of the package")
    step("test", TESTS, TEST_FIXED, "Compare floating point amounts with a tolerance")
    step("break", CODE, files[CODE].replace('def total(rows, currency="EUR"):', 'def total(rows, currency="EUR")'),
         "Start a conversion rate parameter for the total")
    step("syntax_fix", CODE, files[CODE].replace('def total(rows, currency="EUR")', 'def total(rows, currency="EUR"):'),
         "Add the colon missing after the signature of total")
    return c


def test_tags_edit_kinds_and_also_failed_in_a_strict_build(tmp_path):
    builder = RepoBuilder(tmp_path / "acme" / "billing")
    c = build_tagged_repo(builder)
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, preset="strict", **{"licenses.detector": "text",
                                                                "assembly.near_dedup.enabled": False})
    assert_balanced(m["counts"])
    assert m["counts"]["git.filters"] == {"in": 8, "kept": 4, "subject_too_few_words": 1, "tag_formatting_only": 1,
                                          "tag_version_bump": 1, "new_does_not_parse": 1}
    # Every rule each record fails, except the costly ones (parsing, language, tags) once a record
    # failed another: the short subject's formatting-only change and the broken commit's tag are not
    # analysed; what fails one rule alone is what that rule decides.
    assert m["also_failed"] == {"git.filters": {"new_does_not_parse": 1, "subject_too_few_words": 1,
                                                "tag_formatting_only": 1, "tag_version_bump": 1}}
    assert m["only_failed"] == {"git.filters": {"new_does_not_parse": 1, "subject_too_few_words": 1,
                                                "tag_formatting_only": 1, "tag_version_bump": 1}}

    got = {r["commit"]: r for r in records(out)}
    assert set(got) == {c["fix"], c["docs"], c["test"], c["syntax_fix"]}
    tagged = {name: (got[c[name]]["tags"], got[c[name]]["edit_kinds"])
              for name in ("fix", "docs", "test", "syntax_fix")}
    assert tagged == {"fix": ([], ["Attribute", "Compare"]),
                      "docs": (["docs_only"], ["FunctionDef"]),
                      "test": (["test_file"], ["Attribute", "Compare"]),
                      "syntax_fix": (["syntax_error_before"], [])}
    assert got[c["syntax_fix"]]["old_parses"] is False

    dropped = rejects(out)
    assert {dropped[("git.filters", c[name])] for name in ("reformat", "unformat", "bump", "break")} == {
        "tag_formatting_only", "subject_too_few_words", "tag_version_bump", "new_does_not_parse"}
    assert dropped[("git.filters", c["reformat"])] == "tag_formatting_only"
    assert dropped[("git.filters", c["bump"])] == "tag_version_bump"
    filter_rejects = [r for r in read_rows(out / "rejects") if r["stage"] == "git.filters"]
    assert len(filter_rejects) == 4

    # The dataset card counts the samples per tag, and what the filter stage dropped for one.
    assert m["stats"]["tags"] == {"docs_only": {"commit": 1}, "syntax_error_before": {"commit": 1},
                                  "test_file": {"commit": 1}}
    card = (out / "README.md").read_text()
    assert "| `test_file` | 1 | 0 | 1 |" in card and "| `docs_only` | 1 | 0 | 1 |" in card
    assert "| `syntax_error_before` | 1 | 0 | 1 |" in card
    assert ("Dropped before assembly for a tag (`filters.drop_tags`): `formatting_only` 1, `version_bump` 1, "
            "`syntax_error_after` 0.") in card


def test_commitpackft_keeps_every_tag(tmp_path):
    builder = RepoBuilder(tmp_path / "acme" / "billing")
    c = build_tagged_repo(builder)
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, preset="commitpackft",
                **{"licenses.detector": "text", "assembly.near_dedup.enabled": False})
    assert_balanced(m["counts"])
    assert not any(r.startswith("tag_") for r in m["counts"]["git.filters"])
    got = {r["commit"]: r["tags"] for r in records(out)}
    assert got[c["reformat"]] == ["formatting_only"] and got[c["bump"]] == ["version_bump"]
    assert got[c["break"]] == ["syntax_error_after"]
