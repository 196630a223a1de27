"""judge.verify against ground truth: a generated JSONL export whose programs we wrote, so which pair
really goes from failing to passing is known, run through `run_pipeline.main` (real Beam on the
FnApiRunner, the real sandbox). Labels lie in both directions, one bug shows only on a hidden test,
one program times out, one raises, one problem has no tests; the JSONL carries one problem's tests
inline and a tests folder gives another's (with one broken test)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import run_pipeline
from beam_jobs.accounting import MemoryCounters, Stage
from beam_jobs.sources.judge.testcases import TestCase, TestSet
from beam_jobs.sources.judge.verification import (SEVERITY, Problem, count_tests, jsonl_inline_tests, reason_of,
                                                  verify_group, worst)
from beam_jobs.verify.sandbox import sandbox_problem
from schemas.judge import JudgeRecord, judge_record_id
from schemas.reject import Reject

DATASET = "gt"
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
# Right on the small tests, wrong on the hidden third one (a >= 100).
HIDDEN_BUG = "a, b = map(int, input().split())\nprint(a + b if a < 100 else a)\n"
ALWAYS_WRONG = "a, b = map(int, input().split())\nprint(a - b)\n"
SUM_TOO = "print(sum(map(int, input().split())))\n"
RAISES = "a, b = map(int, input().split())\nprint(a // 0)\n"
LOOPS = "while True:\n    pass\n"
ECHO = "print(input())\n"
REVERSE = "print(input()[::-1])\n"

# (submission id, problem, user, status, code), in time order per user.
SUBMISSIONS = [
    # u1: two real failures, then a real fix: all-failures makes two pairs that share the AC.
    ("s1", "add", "u1", "WA", HIDDEN_BUG), ("s2", "add", "u1", "WA", ALWAYS_WRONG), ("s3", "add", "u1", "AC", SUM),
    # u2: the "WA" passes every test (a label lie): before_passes.
    ("s4", "add", "u2", "WA", SUM_TOO), ("s5", "add", "u2", "AC", SUM),
    # u3: a real runtime error, but the "AC" is wrong (a lie the other way): after_fails.
    ("s6", "add", "u3", "RE", RAISES), ("s7", "add", "u3", "AC", ALWAYS_WRONG),
    # u4: a real timeout, then a real fix.
    ("s8", "add", "u4", "TLE", LOOPS), ("s9", "add", "u4", "AC", SUM),
    # u5: inline tests of "rev": a real fix.
    ("s10", "rev", "u5", "WA", ECHO), ("s11", "rev", "u5", "AC", REVERSE),
    # u6: a problem with no tests anywhere.
    ("s12", "none", "u6", "WA", "print(input().strip())\n"), ("s13", "none", "u6", "AC", "print(input().strip()[::-1])\n"),
]
REV_TESTS = [{"input": "abc\n", "output": "cba\n"}, {"input": "xy\n", "output": "yx\n"}]
# `off` is quoted: YAML 1.1 reads a bare off as False.
# Per pair (before, after): (exec_before, exec_after, tests_run, reason or None when verified).
EXPECTED = {
    ("s1", "s3"): ("wrong_answer", "pass", 3, None),
    ("s2", "s3"): ("wrong_answer", "pass", 3, None),
    ("s4", "s5"): ("pass", "pass", 3, "before_passes"),
    ("s6", "s7"): ("runtime_error", "wrong_answer", 3, "after_fails"),
    ("s8", "s9"): ("timeout", "pass", 3, None),
    ("s10", "s11"): ("wrong_answer", "pass", 2, None),
    ("s12", "s13"): (None, None, 0, "no_tests"),
}
# Distinct submissions run, times their problem's tests: add 9 x 3, rev 2 x 2, none 0.
TEST_RUNS = 9 * 3 + 2 * 2

needs_sandbox = pytest.mark.skipif(sandbox_problem() is not None, reason="bubblewrap cannot start here")


def _export(tmp_path: Path) -> tuple[Path, Path]:
    lines = []
    for index, (sid, problem, user, status, code) in enumerate(SUBMISSIONS):
        row: dict[str, Any] = {"submission_id": sid, "problem_id": problem, "user_id": user, "time": 1_700_000_000 + index,
                               "language": "Python 3", "status": status, "code": code, "dataset": DATASET}
        if problem == "rev":
            row["tests"] = REV_TESTS
        lines.append(json.dumps(row))
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tests = tmp_path / "tests"
    (tests / "add").mkdir(parents=True)
    for name, given, want in (("1", "1 2", "3"), ("2", "10 20", "30"), ("3", "500 600", "1100")):
        (tests / "add" / f"{name}.in").write_text(given + "\n")
        (tests / "add" / f"{name}.out").write_text(want + "\n")
    (tests / "add" / "4.in").write_text("7 7\n")  # no 4.out: missing_output at judge.tests
    return export, tests


def _run(tmp_path: Path, mode: str) -> tuple[list[dict[str, Any]], dict[tuple[str, str], tuple[str, str]], dict]:
    export, tests = _export(tmp_path)
    out = tmp_path / f"out-{mode}"
    rc = run_pipeline.main(["--judge-jsonl", str(export), "--judge-tests", str(tests), "--output", str(out),
                            "--preset", "none", "--stop-after", "sources", "--runner=FnApiRunner",
                            "--set", f"judge.verify.mode='{mode}'", "--set", "judge.pairing=all-failures",
                            "--set", "judge.verify.default_time_limit_s=0.5", "--set", "judge.verify.time_factor=1"])
    assert rc == 0
    records = [r for path in sorted(out.glob("data/judge-*.parquet")) for r in pq.read_table(path).to_pylist()]
    rejects = {(r["stage"], r["key"]): (r["reason"], r["repo"])
               for path in sorted(out.glob("rejects/*.parquet")) for r in pq.read_table(path).to_pylist()}
    manifest = json.loads((out / "manifest.json").read_text())
    return records, rejects, manifest


def _pair_id(before: str, after: str) -> str:
    return judge_record_id(DATASET, before, after)


@needs_sandbox
def test_require_keeps_exactly_the_really_fixed_pairs(tmp_path: Path) -> None:
    records, rejects, manifest = _run(tmp_path, "require")
    kept = {(r["submission_before"], r["submission_after"]): (r["exec_before"], r["exec_after"], r["tests_run"],
                                                              r["verified"]) for r in records}
    assert kept == {pair: (b, a, n, True) for pair, (b, a, n, reason) in EXPECTED.items() if reason is None}
    verify_rejects = {key: value for (stage, key), value in rejects.items() if stage == "judge.verify"}
    assert verify_rejects == {_pair_id(*pair): (reason, f"{DATASET}/{_problem(pair[0])}")
                              for pair, (_, _, _, reason) in EXPECTED.items() if reason is not None}
    assert manifest["counts"]["judge.verify"] == {"in": 7, "kept": 4, "before_passes": 1, "after_fails": 1,
                                                  "no_tests": 1}
    # A test of the tests folder without its output, and the problem with none at all.
    assert {key: value for (stage, key), value in rejects.items() if stage == "judge.tests"} == {
        f"{DATASET}/add/4.in": ("missing_output", f"{DATASET}/add"), f"{DATASET}/none": ("no_tests", f"{DATASET}/none")}
    assert manifest["counts"]["judge.tests"] == {"in": 7, "kept": 5, "missing_output": 1, "no_tests": 1}
    assert manifest["verification"] == {"test_runs": TEST_RUNS}


@needs_sandbox
def test_annotate_keeps_every_pair_with_its_executed_verdicts(tmp_path: Path) -> None:
    records, rejects, manifest = _run(tmp_path, "annotate")
    got = {(r["submission_before"], r["submission_after"]): (r["exec_before"], r["exec_after"], r["tests_run"],
                                                             r["verified"]) for r in records}
    assert got == {pair: (b, a, n, reason is None) for pair, (b, a, n, reason) in EXPECTED.items()}
    assert {r["problem_statement"] for r in records} == {None}  # a JSONL export has no statements
    assert not [key for (stage, key) in rejects if stage == "judge.verify"]
    assert manifest["counts"]["judge.verify"] == {"in": 7, "kept": 7}
    assert manifest["verification"] == {"test_runs": TEST_RUNS}


def test_off_runs_nothing_and_leaves_the_columns_null(tmp_path: Path) -> None:
    records, rejects, manifest = _run(tmp_path, "off")
    assert len(records) == 7
    assert {(r["verified"], r["exec_before"], r["exec_after"], r["tests_run"], r["problem_statement"])
            for r in records} == {(None, None, None, None, None)}
    assert "judge.verify" not in manifest["counts"] and "judge.tests" not in manifest["counts"]
    assert "verification" not in manifest


def _problem(sid: str) -> str:
    return next(problem for s, problem, *_ in SUBMISSIONS if s == sid)


# ------------------------------------------------------------------------- the pure rules, no Beam

def _record(before: str, after: str, old: str, new: str) -> JudgeRecord:
    return JudgeRecord(id=f"{before}>{after}", source="judge", commit=after, parent=before, old_file="", new_file="",
                       old_contents=old, new_contents=new, subject="", message="", lang="Python", license="",
                       repos=["d/p"], author_time=None, committer_time=None, author_name="", dataset="d",
                       problem_id="p", submission_before=before, submission_after=after)


def test_verify_group_runs_each_submission_once_per_test() -> None:
    """Three pairs over four submissions and two tests: eight runs, not twelve; a fake runner is fine
    here because the rule under test is the memo, not the sandbox."""
    runs: list[tuple[str, str]] = []

    def run(code: str, case: TestCase) -> str:
        runs.append((code, case.name))
        return "pass" if code == "good" else "wrong_answer"

    cases = (TestCase("t1", "", ""), TestCase("t2", "", ""))
    problem = Problem(TestSet("p", "folder", cases, ()), "Add two numbers.")
    records = [_record("a", "z", "bad1", "good"), _record("b", "z", "bad2", "good"), _record("c", "z", "good", "good")]
    counters = MemoryCounters()
    out = list(verify_group(records + [Reject(stage="judge.pair", reason="r", source="judge", key="x", repo="d/p", detail="")], lambda r: problem, run, "require",
                            Stage("judge.verify", "judge", counter=counters)))
    # a, b, c and z once on each test; c and z hold the same code but are two submissions.
    assert sorted(runs) == sorted((code, name) for code in ("bad1", "bad2", "good", "good") for name in ("t1", "t2"))
    kept = [o for o in out if isinstance(o, JudgeRecord)]
    assert [(r.id, r.verified, r.exec_before, r.exec_after, r.tests_run, r.problem_statement) for r in kept] == [
        ("a>z", True, "wrong_answer", "pass", 2, "Add two numbers."),
        ("b>z", True, "wrong_answer", "pass", 2, "Add two numbers.")]
    assert [(o.stage, o.key, o.reason) for o in out if isinstance(o, Reject)] == [
        ("judge.verify", "c>z", "before_passes"), ("judge.pair", "x", "r")]
    assert counters.stage("judge.verify") == {"in": 3, "kept": 2, "before_passes": 1}


def test_worst_and_reasons() -> None:
    assert worst([]) == "pass" and worst(["pass", "wrong_answer", "timeout"]) == "timeout"
    assert worst(["timeout", "sandbox_error"]) == "sandbox_error" and SEVERITY[-1] == "pass"
    assert [reason_of(0, "", ""), reason_of(2, "pass", "sandbox_error"), reason_of(2, "pass", "wrong_answer"),
            reason_of(2, "wrong_answer", "timeout"), reason_of(2, "runtime_error", "pass")] == [
        "no_tests", "sandbox_error", "before_passes", "after_fails", None]


def test_count_tests_balances() -> None:
    counters = MemoryCounters()
    from beam_jobs.sources.judge.testfiles import TestReject
    tests = TestSet("p", "folder", (TestCase("1", "", ""),), (TestReject("missing_output", "p", "2", "no 2.out"),))
    out = list(count_tests(tests, Stage("judge.tests", "judge", counter=counters), "d/p"))
    assert [(r.key, r.reason, r.repo) for r in out] == [("d/p/2", "missing_output", "d/p")]
    assert counters.stage("judge.tests") == {"in": 2, "kept": 1, "missing_output": 1}


def test_inline_tests_first_row_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join([
        json.dumps({"problem_id": "p", "tests": [{"input": "1", "output": "1"}]}),
        json.dumps({"problem_id": "p", "tests": []}),
        json.dumps({"problem_id": 7, "dataset": "x", "tests": []}),
        "not json \"tests\"",
        json.dumps({"problem_id": "q"}),
    ]) + "\n")
    assert list(jsonl_inline_tests(str(path))) == [("judge/p", [{"input": "1", "output": "1"}]), ("x/7", [])]


@needs_sandbox
def test_the_corpus_card_and_report_show_the_verification(tmp_path: Path) -> None:
    """A whole build (assembly, card, report) under annotate: the label-against-executed matrix in
    stats.json and report.md, and the card's mode, sandbox and verified count. Near dedup is off: the
    generated programs are short and alike, and this test counts exact samples."""
    export, tests = _export(tmp_path)
    out = tmp_path / "corpus"
    rc = run_pipeline.main(["--judge-jsonl", str(export), "--judge-tests", str(tests), "--output", str(out),
                            "--preset", "none", "--runner=FnApiRunner", "--set", "judge.verify.mode=annotate",
                            "--set", "judge.pairing=all-failures", "--set", "judge.verify.default_time_limit_s=0.5",
                            "--set", "judge.verify.time_factor=1", "--set", "assembly.near_dedup.enabled=false"])
    assert rc == 0
    rows = [r for path in sorted(out.glob("data/*.parquet")) for r in pq.read_table(path).to_pylist()]
    assert sorted((r["submission_before"], r["exec_before"], r["verified"]) for r in rows) == sorted(
        (pair[0], b, reason is None) for pair, (b, _, _, reason) in EXPECTED.items())
    judge = json.loads((out / "stats.json").read_text())["judge"]
    assert {(c["before"], c["after"]): c["count"] for c in judge["executed"]} == {
        ("WA", "wrong_answer"): 3, ("WA", "pass"): 1, ("RE", "runtime_error"): 1, ("TLE", "timeout"): 1}
    assert (judge["verified"], judge["with_statement"]) == (4, 0)
    assert "| judge label before | pass | wrong_answer | runtime_error | timeout |" in (out / "report.md").read_text()
    card = (out / "README.md").read_text()
    assert "- `judge.verify.mode`: `annotate` (every pair kept, with its verdicts)." in card
    assert "- Sandbox: `bubblewrap`;" in card
    assert "- Verified judge samples (`verified`): 4 of 7." in card
    assert "- Judge samples with a problem statement (`problem_statement`): 0 of 7." in card
