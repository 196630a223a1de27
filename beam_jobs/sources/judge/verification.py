"""judge.verify: a pair's two programs run on its problem's tests in the sandbox, and the pair
annotated, or kept only when the tests confirm it (`judge.verify.mode`).

Pure apart from the one callable that runs a program on a test (`RunTest`): the DoFns of
`source.py` hand in one that goes through `beam_jobs/verify/sandbox.py`, the only place untrusted
code runs. Nothing here imports Beam, so the rules below are tested on their own.

The rules, exactly:
- A program is run on every test of its problem, in the tests' order, with no early stop: the
  executed verdict (`exec_before`, `exec_after`) is the worst over all tests, and `tests_run` is the
  number of tests each side ran (both sides run the same tests). Running every test costs more on a
  failing program than stopping at its first failure, but the verdict and the count then describe the
  whole test set, and a program that times out on one test and is wrong on another says so.
- Worst, in `SEVERITY` order: `sandbox_error` (the run says nothing about the program, so the pair
  cannot be judged), then `timeout`, `memory_limit`, `output_limit`, `runtime_error`,
  `wrong_answer`, and `pass` only when every test passes.
- Each distinct submission runs once per test, however many pairs of its group use it: the runs are
  memoised per submission id within the group (`verify_group` sees one (user, problem) group at a
  time, as `fix_sequence` makes it). The program run is the pair's published code (`old_contents`,
  `new_contents`): what the pair claims is what is checked.
- `verified`: the before program fails at least one test and the after program passes all of them.
  Otherwise the reason, first that applies: `no_tests` (the problem has no usable test),
  `sandbox_error` (either side), `before_passes`, `after_fails`.
- `problem_statement`: the statement's text (its HTML turned into text as the instruction does, not
  truncated), or None when the problem has no statement.

Under `annotate` every pair is kept with these fields; under `require` an unverified pair is a
reject at judge.verify with its reason. The unit counted at judge.verify is a pair record.
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Iterator, Mapping

from beam_jobs.accounting import Stage
from beam_jobs.sources.judge import pairs as jp
from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge.readers.common import BadRow, text_field
from beam_jobs.sources.judge.testcases import (DEFAULT_MAX_TEST_BYTES, TESTS_FIELD, TestCase, TestSet,
                                               problem_tests)
from schemas.judge import JudgeRecord
from schemas.reject import Reject
from schemas.submission import problem_key

STAGE_VERIFY = "judge.verify"
STAGE_TESTS = "judge.tests"
OFF, ANNOTATE, REQUIRE = "off", "annotate", "require"

PASS = "pass"
SANDBOX_ERROR = "sandbox_error"
# Worst first; see the module docstring.
SEVERITY = (SANDBOX_ERROR, "timeout", "memory_limit", "output_limit", "runtime_error", "wrong_answer", PASS)

NO_TESTS = "no_tests"
BEFORE_PASSES = "before_passes"
AFTER_FAILS = "after_fails"
VERIFY_REASONS = (NO_TESTS, SANDBOX_ERROR, BEFORE_PASSES, AFTER_FAILS)

# (program source, test) -> one of beam_jobs.verify.compare.VERDICTS
RunTest = Callable[[str, TestCase], str]


@dataclass(frozen=True)
class Problem:
    """What verification knows of one problem: its tests and its statement's text."""
    tests: TestSet
    statement: str | None


def worst(verdicts: Iterable[str]) -> str:
    """The worst verdict of a program's runs (`SEVERITY`); `pass` for none."""
    return min(verdicts, key=SEVERITY.index, default=PASS)


def exec_program(code: str, cases: tuple[TestCase, ...], run: RunTest) -> str:
    """A program's executed verdict over every test (no early stop: the module docstring says why)."""
    return worst([run(code, case) for case in cases])


def reason_of(tests_run: int, exec_before: str, exec_after: str) -> str | None:
    """Why a pair is not verified, first that applies; None when it is."""
    if tests_run == 0:
        return NO_TESTS
    if SANDBOX_ERROR in (exec_before, exec_after):
        return SANDBOX_ERROR
    if exec_before == PASS:
        return BEFORE_PASSES
    if exec_after != PASS:
        return AFTER_FAILS
    return None


def verify_group(records: Iterable[Any], problem_of: Callable[[JudgeRecord], Problem],
                 run: RunTest, mode: str, stage: Stage, seen: dict[str, str] | None = None) -> Iterator[Any]:
    """One group's output of `fix_sequence`, verified: rejects of earlier stages (and the group's
    trajectory) pass through, each record is counted in at judge.verify and comes out annotated
    (kept) or, under `require` when unverified, as a reject. Runs are memoised per submission id for
    the group, in `seen` when given: the executed verdict of each program run, which the trajectory's
    attempts carry."""
    seen = {} if seen is None else seen

    def executed(submission: str, code: str, cases: tuple[TestCase, ...]) -> str:
        if submission not in seen:
            seen[submission] = exec_program(code, cases, run)
        return seen[submission]

    for record in records:
        if not isinstance(record, JudgeRecord):
            yield record
            continue
        stage.incoming()
        problem = problem_of(record)
        cases = problem.tests.cases
        before = executed(record.submission_before, record.old_contents, cases) if cases else None
        after = executed(record.submission_after, record.new_contents, cases) if cases else None
        reason = reason_of(len(cases), before or "", after or "")
        annotated = replace(record, verified=reason is None, exec_before=before, exec_after=after,
                            tests_run=len(cases), problem_statement=problem.statement)
        if reason is not None and mode == REQUIRE:
            detail = (f"{problem.tests.origin} tests: none usable" if not cases else
                      f"before {before}, after {after} on {len(cases)} {problem.tests.origin} tests")
            yield stage.reject(reason, key=record.id, repo=record.repos[0] if record.repos else "",
                               detail=detail).value
        else:
            stage.kept()
            yield annotated


def count_tests(tests: TestSet, stage: Stage, repo: str) -> Iterator[Reject]:
    """judge.tests, whose unit is a test of a problem: each usable test kept, each unusable one (and a
    problem with none at all, `no_tests`) a reject with the reason `testcases` gave it. Called once per
    problem that has pairs, so the counts do not depend on how many workers loaded the tests."""
    stage.incoming(tests.seen)
    stage.kept(len(tests.cases))
    for bad in tests.rejects:
        key = f"{repo}/{bad.test}" if bad.test else repo
        yield stage.reject(bad.reason, key=key, repo=repo, detail=bad.detail).value


# ------------------------------------------------------------------------------------ loading

class ProblemLoader:
    """A problem's tests and statement, read once per worker for the last few problems asked (an
    LRU of `size` entries: a worker's groups come problem after problem on the CodeNet path, and a
    test set may be large, so a small cache holds what is reused without holding the export's tests).

    Sources, in `testcases.problem_tests`'s precedence: the tests folder (`tests_dir`), the JSONL's
    inline tests (`inline`, by problem key), the CodeNet statement's samples (`codenet_root`)."""

    def __init__(self, tests_dir: str | None, codenet_root: str | None, inline: Mapping[str, Any] | None = None,
                 max_bytes: int = DEFAULT_MAX_TEST_BYTES, size: int = 8) -> None:
        self._tests_dir = tests_dir
        self._codenet_root = codenet_root
        self.inline: Mapping[str, Any] = inline or {}
        self._max_bytes = max_bytes
        self._size = size
        self._cache: OrderedDict[tuple[str, str], Problem] = OrderedDict()

    def __call__(self, dataset: str, problem_id: str) -> Problem:
        key = (dataset, problem_id)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        html = (jr.read_codenet_description(self._codenet_root, problem_id)
                if self._codenet_root and dataset == jr.DATASET_CODENET else None)
        tests = problem_tests(problem_id, statement_html=html, tests_dir=self._tests_dir,
                              inline=self.inline.get(problem_key(dataset, problem_id)), max_bytes=self._max_bytes)
        text = jp.html_to_text(html) if html else ""
        problem = Problem(tests, text or None)
        self._cache[key] = problem
        if len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return problem

    def for_record(self, record: JudgeRecord) -> Problem:
        return self(record.dataset, record.problem_id)


def jsonl_inline_tests(path: str) -> Iterator[tuple[str, Any]]:
    """(problem key, the `tests` value) of a JSONL export, the first row of each problem that carries
    the field, in file order. A line that is not a JSON object is skipped here: the reader rejects it
    at judge.read. The dataset defaults as the reader's does."""
    seen: set[str] = set()
    try:
        handle = os.fdopen(jr.open_regular(path), "r", encoding="utf-8", errors="replace")
    except OSError:
        return
    with handle:
        for line in handle:
            if not line.strip() or f'"{TESTS_FIELD}"' not in line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(row, dict) or TESTS_FIELD not in row:
                continue
            try:
                problem_id = text_field(row.get("problem_id"), "problem_id")
                dataset = text_field(row.get("dataset"), "dataset", required=False) or jr.DATASET_JSONL_DEFAULT
            except BadRow:
                continue
            key = problem_key(dataset, problem_id)
            if key not in seen:
                seen.add(key)
                yield key, row[TESTS_FIELD]
