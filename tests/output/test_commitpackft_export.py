"""The CommitPackFT export's subject is the cleaned subject (issue 14 item 8), as CommitPackFT's own:
its script wrote the subject it had cleaned. The raw first line stays in `message`."""
from __future__ import annotations

import pyarrow.dataset as ds

from beam_jobs.output.formats import to_commitpackft
from samples.licenses_text import MIT_LICENSE
from schemas.sample import RepairSample
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import run_git

OLD = ('"""Averages."""\n\n\ndef mean(xs):\n    return sum(xs) / len(xs)\n\n\n'
       'def spread(xs):\n    return max(xs) - min(xs)\n\n\ndef main():\n    print(mean([1, 2, 3]), spread([1, 2, 3]))\n')
NEW = OLD.replace("    return sum(xs) / len(xs)\n", "    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n")
RAW = "[core] Handle empty input in the mean helper (#125)"
CLEANED = "Handle empty input in the mean helper"


def _sample(**fields: object) -> RepairSample:
    values: dict = dict(id="s1", source="commit", instruction=CLEANED, old_contents=OLD, new_contents=NEW, diff="",
                        lines_added=2, lines_removed=0, hunks=1, lang="Python", license="mit", group="octo/lib",
                        subject=RAW, message=RAW + "\n\nAn empty list divided by zero.\n", commit="ab" * 20,
                        repos=["octo/lib"])
    values.update(fields)
    return RepairSample(**values)  # type: ignore[arg-type]


def test_a_commit_exports_its_cleaned_subject_and_its_raw_message() -> None:
    row = to_commitpackft(_sample())
    assert row.subject == CLEANED
    assert row.message == RAW + "\n\nAn empty list divided by zero.\n"
    assert (row.commit, row.repos) == ("ab" * 20, "octo/lib")


def test_a_commit_without_an_instruction_falls_back_to_its_subject() -> None:
    assert to_commitpackft(_sample(instruction="")).subject == RAW


def test_a_judge_sample_keeps_its_one_line_subject() -> None:
    row = to_commitpackft(_sample(source="judge", subject="Fix the wrong answer", commit=None, repos=None,
                                  instruction="Fix the wrong answer\n\nProblem: sum two numbers.",
                                  submission_after="s2", group="codenet/p00001"))
    assert (row.subject, row.commit, row.repos) == ("Fix the wrong answer", "s2", "codenet/p00001")


def test_the_export_of_a_real_build_has_the_cleaned_subject(tmp_path) -> None:
    builder = RepoBuilder(tmp_path / "octo" / "lib")
    builder.commit({"LICENSE": MIT_LICENSE, "lib/stats.py": OLD}, "Start the stats package")
    fix = builder.commit({"LICENSE": MIT_LICENSE, "lib/stats.py": NEW}, RAW + "\n\nAn empty list divided by zero.\n")
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, preset="strict", **{
        "licenses.detector": "text", "assembly.output.commitpackft_export": True})
    assert m["counts"]["git.filters"]["kept"] == 1
    [row] = ds.dataset(str(out / "commitpackft_export"), format="parquet").to_table().to_pylist()
    assert row["commit"] == fix
    assert row["subject"] == CLEANED
    assert row["message"].startswith(RAW + "\n")
    [sample] = ds.dataset(str(out / "data"), format="parquet").to_table().to_pylist()
    assert sample["instruction"] == CLEANED and sample["subject"] == RAW
