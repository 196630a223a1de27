"""Judge records carry the tags that apply to judge code (issue 14): the content tags, from the same
one parse per side that gives python_major and old_parses; never test_file (a submission has no path)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from beam_jobs.accounting import MemoryCounters, Stage
from beam_jobs.sources.judge.core import SOURCE, SequenceStages, fix_sequence
from config.judge import JudgeConfig
from schemas.judge import JudgeRecord
from schemas.submission import Submission

T0 = datetime(2020, 3, 1, tzinfo=timezone.utc)
SOLVED = '''import sys


def main():
    n, k = map(int, sys.stdin.readline().split())
    print(sum(range(1, n + 1)) % k)


main()
'''


def submission(i: int, status: str, code: str, problem: str = "p00001") -> Submission:
    return Submission(submission_id=f"s{i}", problem_id=problem, user_id="u1", time=T0 + timedelta(minutes=i),
                      language="Python", original_language="Python (3.8.2)", lang="python", status=status,
                      status_raw=status, cpu_time_ms=10, memory_kb=9000, code_size=len(code), dataset="codenet",
                      code=code)


def record_of(*steps: tuple[str, str]) -> JudgeRecord:
    stages = SequenceStages.of(lambda name: Stage(name, SOURCE, counter=MemoryCounters()))
    subs = [submission(i, status, code) for i, (status, code) in enumerate(steps)]
    out = [o for o in fix_sequence(subs, JudgeConfig(), {}, stages) if isinstance(o, JudgeRecord)]
    assert len(out) == 1
    return out[0]


def test_a_syntax_error_fix_is_tagged():
    broken = SOLVED.replace("def main():", "def main()")
    r = record_of(("CE", broken), ("AC", SOLVED))
    assert (r.tags, r.edit_kinds, r.old_parses, r.python_major) == (["syntax_error_before"], [], False, 3)


def test_a_real_fix_has_edit_kinds_and_no_tag():
    wrong = SOLVED.replace("range(1, n + 1)", "range(1, n)")
    r = record_of(("WA", wrong), ("AC", SOLVED))
    assert (r.tags, r.edit_kinds, r.old_parses) == ([], ["BinOp", "Call"], True)


def test_a_pair_that_only_changes_layout_is_formatting_only():
    # The judge accepted the same program in another layout: a pair the trainer may not want.
    relaid = SOLVED.replace("n, k = map(int, sys.stdin.readline().split())",
                            "n, k = map(\n        int, sys.stdin.readline().split()\n    )")
    r = record_of(("TLE", relaid), ("AC", SOLVED))
    assert (r.tags, r.edit_kinds) == (["formatting_only"], [])

