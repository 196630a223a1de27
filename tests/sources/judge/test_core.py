"""The judge source's decisions without Beam: counters from `MemoryCounters`, rejects as `Reject` rows,
on real rows of the sample export (samples/judge/codenet)."""
from __future__ import annotations

from collections import defaultdict

import pytest

from beam_jobs.accounting import MemoryCounters, Stage
from beam_jobs.sources.judge import duplicates as dup
from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge.core import SOURCE, SequenceStages, Selection, count_reads, fix_sequence
from config.judge import JudgeConfig
from schemas.judge import JudgeRecord, judge_record_id
from schemas.reject import Reject, make_reject
from schemas.submission import Submission
from tests.paths import SAMPLES

SAMPLE = SAMPLES / "judge" / "codenet"
SEQUENCE_STAGES = ("judge.sequence", "judge.code", "judge.repeat", "judge.pair")


@pytest.fixture(scope="module")
def groups() -> dict[tuple[str, str], list[Submission]]:
    """The sample's submissions by (problem, user), as the readers give them."""
    found: dict[tuple[str, str], list[Submission]] = defaultdict(list)
    for item in jr.read_codenet(str(SAMPLE)):
        if isinstance(item, Submission):
            found[(item.problem_id, item.user_id)].append(item)
    return found


def counted(counters: MemoryCounters) -> SequenceStages:
    return SequenceStages.of(lambda name: Stage(name, SOURCE, counter=counters))


def reject(stage: str, reason: str, key: str, repo: str, detail: str = "") -> Reject:
    return make_reject(stage, reason, source=SOURCE, key=key, repo=repo, detail=detail)


def assert_balanced(counts: dict[str, int]) -> None:
    assert counts["in"] == sum(n for reason, n in counts.items() if reason != "in"), counts


def test_fix_sequence_without_beam_records_rejects_and_counts(groups):
    # u103 on p03000: WA, WA, AC, then WA again; handed over newest first, as a shuffle may.
    counters = MemoryCounters()
    out = list(fix_sequence(reversed(groups[("p03000", "u103")]), JudgeConfig(), {}, counted(counters)))

    rejects = [o for o in out if isinstance(o, Reject)]
    assert rejects == [reject("judge.sequence", "after_accepted", "s110", "codenet/p03000"),
                       reject("judge.pair", "superseded", "s107", "codenet/p03000")]
    records = [o for o in out if isinstance(o, JudgeRecord)]
    assert len(records) == len(out) - len(rejects) == 1
    r = records[0]
    assert (r.id, r.submission_before, r.submission_after, r.step_before, r.step_after) == (
        judge_record_id("codenet", "s108", "s109"), "s108", "s109", 1, 2)
    assert (r.verdict_sequence, r.submission_sequence, r.verdict_before, r.verdict_after) == (
        ["WA", "WA", "AC"], ["s107", "s108", "s109"], "WA", "AC")
    assert r.old_contents == (SAMPLE / "data" / "p03000" / "Python" / "s108.py").read_text()
    assert r.new_contents == (SAMPLE / "data" / "p03000" / "Python" / "s109.py").read_text()
    assert (r.problem_name, r.repos, r.pairing) == ("Average Score", ["codenet/p03000"], "last-failure")
    # No description handed in: the instruction is the one line.
    assert r.instruction == r.subject == "Fix this solution to Average Score: it gets Wrong Answer."

    assert {stage: counters.stage(stage) for stage in SEQUENCE_STAGES} == {
        "judge.sequence": {"in": 4, "kept": 3, "after_accepted": 1},
        "judge.code": {"in": 3, "kept": 3},
        "judge.repeat": {"in": 3, "kept": 3},
        "judge.pair": {"in": 3, "kept": 2, "superseded": 1},
    }
    for stage in SEQUENCE_STAGES:
        assert_balanced(counters.stage(stage))


def test_fix_sequence_counts_repeats_and_missing_code_across_groups(groups):
    counters = MemoryCounters()
    stages = counted(counters)
    repeat = list(fix_sequence(groups[("p03000", "u100")], JudgeConfig(), {}, stages))
    missing = list(fix_sequence(groups[("p03001", "u112")], JudgeConfig(), {}, stages))

    assert repeat[0] == reject("judge.repeat", "repeat", "s101", "codenet/p03000")
    assert [(r.submission_before, r.submission_after, r.submission_sequence) for r in repeat[1:]] == [
        ("s100", "s102", ["s100", "s102"])]
    assert missing == [
        reject("judge.code", "missing_code", "s214", "codenet/p03001",
               "no file data/p03001/Python/s214.py or data/p03001/Python/s214 in the code folder"),
        reject("judge.pair", "accepted_first_try", "s215", "codenet/p03001")]
    assert {stage: counters.stage(stage) for stage in SEQUENCE_STAGES} == {
        "judge.sequence": {"in": 5, "kept": 5},
        "judge.code": {"in": 5, "kept": 4, "missing_code": 1},
        "judge.repeat": {"in": 4, "kept": 3, "repeat": 1},
        "judge.pair": {"in": 3, "kept": 2, "accepted_first_try": 1},
    }


@pytest.mark.parametrize("language_reject_rows", [True, False])
def test_selection_decides_language_status_and_problem_in_order(groups, language_reject_rows):
    counters = MemoryCounters()
    select = Selection(JudgeConfig(language_reject_rows=language_reject_rows),
                       lambda name: Stage(name, SOURCE, counter=counters))
    by_id = {s.submission_id: s for subs in groups.values() for s in subs}
    verdicts = {"codenet/p03000": "", "codenet/p03004": "acceptance_rate_too_high"}
    # s105 is C++, s113 unjudged, s500 is Python to a problem that is too easy, s100 is kept.
    got = {sid: select(by_id[sid], verdicts) for sid in ("s105", "s113", "s500", "s100")}
    assert got == {
        "s105": reject("judge.language", "language_not_allowed", "s105", "codenet/p03000")
        if language_reject_rows else None,
        "s113": reject("judge.status", "unjudged", "s113", "codenet/p03000"),
        "s500": reject("judge.problem", "acceptance_rate_too_high", "s500", "codenet/p03004"),
        "s100": by_id["s100"],
    }
    assert {stage: counters.stage(stage) for stage in ("judge.language", "judge.status", "judge.problem")} == {
        "judge.language": {"in": 4, "kept": 3, "language_not_allowed": 1},
        "judge.status": {"in": 3, "kept": 2, "unjudged": 1},
        "judge.problem": {"in": 2, "kept": 1, "acceptance_rate_too_high": 1},
    }


def test_count_reads_counts_every_row_once():
    counters = MemoryCounters()
    stage = Stage("judge.read", SOURCE, counter=counters)
    out = list(count_reads(jr.read_codenet_csv(str(SAMPLE), "p03001.csv"), stage, jr.DATASET_CODENET))
    rejects = [o for o in out if isinstance(o, Reject)]
    assert [(r.stage, r.reason, r.key, r.repo) for r in rejects] == [("judge.read", "bad_time", "s213", "codenet")]
    assert counters.stage("judge.read") == {"in": 16, "kept": 15, "bad_time": 1}


def test_duplicates_decided_per_id_and_rejected_where_counted():
    """Three copies of s200, two identical and one other: none can be trusted, all three go. Two
    identical copies of s201: the first (by input, then position) is read. Every copy is counted."""
    rows = [s for s in jr.read_codenet_csv(str(SAMPLE), "p03001.csv") if isinstance(s, Submission)]
    s200, s201 = rows[0], rows[1]
    other = Submission(**{**s200.__dict__, "status": "AC"})
    a, b = "codenet:a.csv", "codenet:b.csv"
    copies = {a: [s200, s201, s200], b: [s201, other]}
    by_id: dict[str, list] = defaultdict(list)
    for name, subs in copies.items():
        for key, occurrence in dup.occurrences(subs, name):
            by_id[key].append(occurrence)
    assert sorted(by_id) == ["codenet\0s200", "codenet\0s201"]
    verdicts = {}
    kept = {}
    for key, occs in by_id.items():
        kept[key], found = dup.decide(reversed(occs))
        verdicts.update(found)
    read = dup.Occurrence(a, 1, dup.fingerprint(s201), "codenet/p03001", s201.status)
    assert kept == {"codenet\0s200": None, "codenet\0s201": read}
    assert {k.replace("\0", "|"): v.reason for k, v in verdicts.items()} == {
        f"{a}|0": "duplicate_submission_id", f"{a}|2": "duplicate_submission_id", f"{b}|1": "duplicate_submission_id",
        f"{b}|0": "repeated_row"}
    assert verdicts[dup.location(a, 0)].detail == (
        "3 rows with this id differ (codenet:a.csv #1, codenet:a.csv #3, codenet:b.csv #2): none can be trusted")
    counters = MemoryCounters()
    stage = Stage("judge.read", SOURCE, counter=counters)
    out = [o for name, subs in copies.items() for o in count_reads(subs, stage, "codenet", name, verdicts)]
    assert [o.submission_id if isinstance(o, Submission) else o.reason for o in out] == [
        "duplicate_submission_id", "s201", "duplicate_submission_id", "repeated_row", "duplicate_submission_id"]
    assert counters.stage("judge.read") == {"in": 5, "kept": 1, "duplicate_submission_id": 3, "repeated_row": 1}
