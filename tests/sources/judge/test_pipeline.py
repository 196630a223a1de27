"""JudgeSource end to end: a real Beam pipeline on the FnApiRunner, records and rejects written as Parquet
with the project's sink, read back, and the committed counters checked stage by stage."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.accounting import stage_counts
from beam_jobs.sources.judge.source import JudgeSource
from beam_jobs.sources.judge.inputs import JudgeInputs, judge_input_fingerprints, judge_inputs_problem
from beam_jobs.output.shards import SplitShards
from schemas.judge import JUDGE_SCHEMA, judge_record_id
from config.judge import JudgeConfig
from schemas.reject import REJECT_SCHEMA
from tests.pipeline_helpers import assert_balanced, read_rows
from tests.paths import ROOT

SAMPLE = ROOT / "samples" / "judge" / "codenet"
FIXTURES = ROOT / "tests" / "fixtures" / "judge"


def run_judge(inputs: JudgeInputs, cfg: JudgeConfig, out: Path) -> tuple[list[dict[str, Any]], dict, dict]:
    """(records, {(stage, key): reason}, stage counts)."""
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    judged = pipeline | JudgeSource(inputs, cfg)
    _ = judged["records"] | SplitShards(str(out), "data", "train", "default", JUDGE_SCHEMA, max_rows=10_000,
                                        max_bytes=1 << 20, shards=2, row_group_rows=100)
    _ = (judged["rejects"]
         | SplitShards(str(out), "rejects", "rejects", "rejects", REJECT_SCHEMA, key_fn=lambda r: f"{r.stage}\0{r.key}",
                       max_rows=10_000, max_bytes=1 << 20, shards=1, row_group_rows=100))
    result = pipeline.run()
    result.wait_until_finish()
    for shard in (out / "data").glob("*.parquet"):
        assert pq.read_schema(shard) == JUDGE_SCHEMA
    records = sorted(read_rows(out / "data"), key=lambda r: (r["dataset"], r["submission_before"],
                                                             r["submission_after"]))
    rejects: dict[tuple[str, str], str] = {}
    for row in read_rows(out / "rejects"):
        assert (row["stage"], row["key"]) not in rejects, row
        assert row["source"] == "judge"
        rejects[(row["stage"], row["key"])] = row["reason"]
    counts = stage_counts(result.metrics())
    assert_balanced(counts)
    return records, rejects, counts


def pairs(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["submission_before"], r["submission_after"]) for r in records]


def sample(cfg: JudgeConfig, tmp_path: Path) -> tuple[list[dict[str, Any]], dict, dict]:
    return run_judge(JudgeInputs(codenet=str(SAMPLE)), cfg, tmp_path / "out")


# Rejects of the sample with the default config, by stage; see samples/judge/README.md for why.
LANGUAGE = {"s105", "s106", "s114", "s212", "s309", "s310", "s311", "s409", "s410", "s503", "s506", "s509"}
TOO_EASY = {"s500", "s501", "s502", "s504", "s505", "s507", "s508", "s510", "s511"}
DEFAULT_REJECTS = {
    ("judge.read", "s213"): "bad_time",
    **{("judge.language", s): "language_not_allowed" for s in LANGUAGE},
    ("judge.status", "s113"): "unjudged",
    **{("judge.problem", s): "acceptance_rate_too_high" for s in TOO_EASY},
    **{("judge.problem", s): "too_few_judged" for s in ("s600", "s601", "s602")},
    **{("judge.sequence", s): "never_accepted" for s in ("s111", "s112", "s305", "s306", "s307", "s407", "s408")},
    **{("judge.sequence", s): "accepted_first_try" for s in ("s205", "s308", "s411")},
    **{("judge.sequence", s): "after_accepted" for s in ("s110", "s206")},
    ("judge.code", "s214"): "missing_code",
    ("judge.repeat", "s101"): "repeat",
    ("judge.repeat", "s203"): "repeat",
    **{("judge.pair", s): "superseded" for s in ("s107", "s207", "s302", "s402")},
    ("judge.pair", "s215"): "accepted_first_try",
}
LAST_FAILURE = [("s100", "s102"), ("s103", "s104"), ("s108", "s109"), ("s200", "s201"), ("s202", "s204"),
                ("s208", "s209"), ("s210", "s211"), ("s300", "s301"), ("s303", "s304"), ("s312", "s313"),
                ("s400", "s401"), ("s403", "s404"), ("s405", "s406"), ("s412", "s413")]


def test_sample_last_failure_exact_pairs_rejects_and_counts(tmp_path):
    records, rejects, counts = sample(JudgeConfig(), tmp_path)
    assert pairs(records) == LAST_FAILURE
    assert rejects == DEFAULT_REJECTS
    assert counts == {
        "judge.metadata": {"in": 6, "kept": 6},
        "judge.read": {"in": 74, "kept": 73, "bad_time": 1},
        "judge.language": {"in": 73, "kept": 61, "language_not_allowed": 12},
        "judge.status": {"in": 61, "kept": 60, "unjudged": 1},
        "judge.problem": {"in": 60, "kept": 48, "acceptance_rate_too_high": 9, "too_few_judged": 3},
        "judge.sequence": {"in": 48, "kept": 36, "never_accepted": 7, "accepted_first_try": 3, "after_accepted": 2},
        "judge.code": {"in": 36, "kept": 35, "missing_code": 1},
        "judge.repeat": {"in": 35, "kept": 33, "repeat": 2},
        "judge.pair": {"in": 33, "kept": 28, "superseded": 4, "accepted_first_try": 1},
    }

    by_pair = {(r["submission_before"], r["submission_after"]): r for r in records}
    r = by_pair[("s200", "s201")]
    assert r["id"] == judge_record_id("codenet", "s200", "s201")
    assert (r["source"], r["commit"], r["parent"], r["old_file"], r["new_file"]) == (
        "judge", "s201", "s200", "s200.py", "s201.py")
    assert (r["lang"], r["license"], r["repos"], r["group"], r["dataset"], r["origin"]) == (
        "Python", "cdla-permissive-2.0", ["codenet/p03001"], "p03001", "codenet", "AtCoder")
    assert (r["problem_id"], r["problem_name"], r["user_id"], r["author_name"]) == (
        "p03001", "Count Multiples", "u100", "u100")
    assert (r["verdict_before"], r["verdict_after"], r["pairing"]) == ("WA", "AC", "last-failure")
    assert r["subject"] == "Fix this solution to Count Multiples: it gets Wrong Answer."
    assert r["instruction"] == r["message"] == (
        "Fix this solution to Count Multiples: it gets Wrong Answer.\n\nProblem statement:\nCount Multiples\n\n"
        "Answer T queries. For each, given N and K, count the integers between 1 and N (inclusive) that are "
        "multiples of K.\n\nConstraints: 1 ≤ N ≤ 10^12.\n\nPrint Case #i: X for the i-th query.")
    # Comments are gone, '#' inside the f-string is not; the original stays as provenance.
    assert "# check every number" in r["original_code_before"]
    assert "# check every number" not in r["old_contents"]
    assert 'print(f"Case #{i}: {count}")' in r["old_contents"]
    assert r["new_contents"] == ('t = int(input())\nfor i in range(1, t + 1):\n    n, k = map(int, input().split())\n'
                                 '    print(f"Case #{i}: {n // k}")\n')
    assert (r["time_before"].isoformat(), r["time_after"].isoformat()) == (
        "2020-06-02T00:00:00+00:00", "2020-06-02T00:06:00+00:00")
    assert r["author_time"] == r["committer_time"] == r["time_after"]
    assert (r["old_parses"], r["python_major"], r["message_lang"]) == (True, 3, "en")

    # The repeat s101 is not in the sequence; the trajectory is kept whole.
    assert by_pair[("s100", "s102")]["submission_sequence"] == ["s100", "s102"]
    multi = by_pair[("s403", "s404")]
    assert (multi["verdict_sequence"], multi["submission_sequence"]) == (["WA", "RE", "AC"], ["s402", "s403", "s404"])
    assert (multi["step_before"], multi["step_after"]) == (1, 2)
    # Tie at the same second, listed AC first in the CSV: the id puts the WA first.
    assert by_pair[("s210", "s211")]["time_before"] == by_pair[("s210", "s211")]["time_after"]
    # Code that does not tokenize is kept as written and flagged; DOS line endings are normalised.
    ce = by_pair[("s412", "s413")]
    assert (ce["code_tokenizes_before"], ce["code_tokenizes_after"], ce["old_parses"]) == (False, True, False)
    assert ce["old_contents"] == ce["original_code_before"]
    assert ce["verdict_before"] == "CE" and ce["subject"].endswith("it gets Compile Error.")
    crlf = by_pair[("s400", "s401")]
    assert "\r" not in crlf["old_contents"] and "\r\n" in crlf["original_code_before"]
    # No description for p03002: the instruction is the one line.
    assert by_pair[("s312", "s313")]["instruction"] == (
        "Fix this solution to Count Walls: it gets Output Limit Exceeded.")


def test_sample_each_step_and_all_failures(tmp_path):
    records, _, counts = sample(JudgeConfig(pairing="each-step"), tmp_path / "each")
    assert pairs(records) == [
        ("s100", "s102"), ("s103", "s104"), ("s107", "s108"), ("s108", "s109"), ("s200", "s201"), ("s202", "s204"),
        ("s207", "s208"), ("s208", "s209"), ("s210", "s211"), ("s300", "s301"), ("s302", "s303"), ("s303", "s304"),
        ("s312", "s313"), ("s400", "s401"), ("s402", "s403"), ("s403", "s404"), ("s405", "s406"), ("s412", "s413")]
    assert counts["judge.pair"] == {"in": 33, "kept": 32, "accepted_first_try": 1}
    assert {r["pairing"] for r in records} == {"each-step"}

    records, _, counts = sample(JudgeConfig(pairing="all-failures"), tmp_path / "all")
    assert pairs(records) == [
        ("s100", "s102"), ("s103", "s104"), ("s107", "s109"), ("s108", "s109"), ("s200", "s201"), ("s202", "s204"),
        ("s207", "s209"), ("s208", "s209"), ("s210", "s211"), ("s300", "s301"), ("s302", "s304"), ("s303", "s304"),
        ("s312", "s313"), ("s400", "s401"), ("s402", "s404"), ("s403", "s404"), ("s405", "s406"), ("s412", "s413")]
    assert counts["judge.pair"] == {"in": 33, "kept": 32, "accepted_first_try": 1}


def test_compile_errors_excluded_and_docstrings_stripped(tmp_path):
    records, rejects, counts = sample(JudgeConfig(exclude_compile_errors=True, strip_docstrings=True), tmp_path)
    assert pairs(records) == [p for p in LAST_FAILURE if p != ("s412", "s413")]
    assert rejects[("judge.status", "s207")] == rejects[("judge.status", "s412")] == "compile_error"
    # Without its compile error, u121's sequence starts with Accepted.
    assert rejects[("judge.sequence", "s413")] == "accepted_first_try"
    assert counts["judge.status"] == {"in": 61, "kept": 58, "unjudged": 1, "compile_error": 2}
    # The acceptance rate is over the metadata, before any filter: the same problems survive.
    assert counts["judge.problem"]["acceptance_rate_too_high"] == 9
    s401 = next(r for r in records if r["submission_after"] == "s401")
    assert '"""' not in s401["new_contents"] and '"""' in s401["original_code_after"]


def test_acceptance_rate_counts_every_language(tmp_path):
    # p03001 has 14 judged Python submissions and one C++ one: 15 judged, so it passes a minimum of 15;
    # the other problems have 14 judged and do not.
    records, _, counts = sample(JudgeConfig(min_judged_submissions=15, language_reject_rows=False), tmp_path)
    assert {r["problem_id"] for r in records} == {"p03001"}
    assert counts["judge.problem"] == {"in": 60, "kept": 14, "too_few_judged": 46}
    # language_reject_rows=False: still counted, no rows written.
    assert counts["judge.language"] == {"in": 73, "kept": 61, "language_not_allowed": 12}


def test_language_reject_rows_can_be_left_out(tmp_path):
    _, rejects, _ = sample(JudgeConfig(language_reject_rows=False, max_acceptance_rate=None), tmp_path)
    assert not [k for k in rejects if k[0] == "judge.language"]


def test_other_formats_in_one_run(tmp_path):
    inputs = JudgeInputs(aoj=str(FIXTURES / "aoj" / "aoj.json"),
                         atcoder=str(FIXTURES / "atcoder" / "atcoder.json"),
                         atcoder_code=str(FIXTURES / "atcoder" / "atcoder_code"),
                         codeforces=str(FIXTURES / "codeforces" / "codeforces.json"),
                         codeforces_code=str(FIXTURES / "codeforces" / "codeforces_code"),
                         judge_jsonl=str(FIXTURES / "jsonl" / "judge.jsonl"))
    assert judge_inputs_problem(inputs) is None
    cfg = JudgeConfig(max_acceptance_rate=None, min_judged_submissions=0, licenses={"school": "cc-by-4.0"})
    records, rejects, counts = run_judge(inputs, cfg, tmp_path / "out")
    assert [(r["dataset"], *p) for r, p in zip(records, pairs(records))] == [
        ("aoj", "1001", "1002"), ("atcoder", "5001", "5002"), ("codeforces", "9001", "9002"), ("school", "a1", "a2")]
    by_dataset = {r["dataset"]: r for r in records}
    assert by_dataset["codeforces"]["subject"] == "Fix this solution to Watermelon: it gets Wrong Answer."
    assert by_dataset["aoj"]["subject"] == "Fix this solution to ITP1_3_B: it gets Wrong Answer."
    assert by_dataset["school"]["subject"] == "Fix this solution to Sum of a List: it gets Wrong Answer."
    assert [r["license"] for r in records] == ["unknown", "unknown", "unknown", "cc-by-4.0"]
    assert by_dataset["aoj"]["old_contents"] == by_dataset["aoj"]["original_code_before"]  # no comment to strip
    assert "# the end marker" not in by_dataset["aoj"]["new_contents"]
    assert rejects == {
        ("judge.read", "1005"): "unknown_status", ("judge.read", "1006"): "bad_row",
        ("judge.read", "1007"): "bad_time", ("judge.read", "aoj:aoj.json:8"): "bad_row",
        ("judge.read", "../../etc/passwd"): "path_escape",
        ("judge.read", "5006"): "unknown_status", ("judge.read", "../escape"): "path_escape",
        ("judge.read", "5008"): "bad_time",
        ("judge.read", "9005"): "unknown_status", ("judge.read", "9006"): "bad_row",
        ("judge.read", "a4"): "path_escape", ("judge.read", "a5"): "path_escape",
        ("judge.read", "judge:judge.jsonl:line 7"): "bad_row", ("judge.read", "a7"): "unknown_status",
        ("judge.read", "a8"): "bad_time", ("judge.read", "a9"): "bad_row",
        **{("judge.language", s): "language_not_allowed" for s in ("1003", "1004", "5009", "9007", "9008")},
        **{("judge.status", s): "unjudged" for s in ("5004", "5005", "9003", "9004")},
        ("judge.sequence", "1010"): "accepted_first_try", ("judge.sequence", "1011"): "after_accepted",
        **{("judge.sequence", s): "never_accepted" for s in ("5003", "3", "a10")},
    }
    assert counts["judge.read"] == {"in": 38, "kept": 22, "bad_row": 5, "bad_time": 3, "path_escape": 4,
                                    "unknown_status": 4}
    assert counts["judge.pair"] == {"in": 8, "kept": 8}
    assert "judge.metadata" not in counts


def test_a_missing_input_is_one_sentence(tmp_path):
    assert judge_inputs_problem(JudgeInputs(codenet=str(SAMPLE))) is None
    assert judge_inputs_problem(JudgeInputs(codenet=str(tmp_path / "nope"))) == (
        f"the CodeNet folder '{tmp_path / 'nope'}' does not exist")
    assert judge_inputs_problem(JudgeInputs(codenet=str(tmp_path))) == (
        f"the CodeNet folder '{tmp_path}' has no metadata/ folder")
    (tmp_path / "metadata").mkdir()
    assert judge_inputs_problem(JudgeInputs(codenet=str(tmp_path))).endswith("has no problem CSVs in metadata/")
    atcoder = str(FIXTURES / "atcoder" / "atcoder.json")
    assert judge_inputs_problem(JudgeInputs(atcoder=atcoder)) == (
        "--atcoder needs --atcoder-code DIR, the folder that holds the code files")
    assert judge_inputs_problem(JudgeInputs(atcoder=atcoder, atcoder_code=str(tmp_path / "x"))) == (
        f"the --atcoder-code folder '{tmp_path / 'x'}' does not exist")
    assert judge_inputs_problem(JudgeInputs(codeforces_code=str(tmp_path))) == (
        "--codeforces-code is given without --codeforces")
    assert judge_inputs_problem(JudgeInputs(aoj=str(tmp_path / "a.json"))) == (
        f"the --aoj file '{tmp_path / 'a.json'}' does not exist")
    assert judge_inputs_problem(JudgeInputs(judge_jsonl=str(tmp_path / "j.jsonl"))) == (
        f"the --judge-jsonl file '{tmp_path / 'j.jsonl'}' does not exist")
    assert not JudgeInputs().any()


def test_no_inputs_gives_empty_outputs(tmp_path):
    records, rejects, counts = run_judge(JudgeInputs(), JudgeConfig(), tmp_path / "out")
    assert (records, rejects, counts) == ([], {}, {})


@pytest.mark.parametrize("config_kind", ["section", "whole"])
def test_config_may_be_the_section_or_an_object_holding_it(config_kind, tmp_path):
    cfg = JudgeConfig(pairing="each-step")

    class Whole:
        judge = cfg

    source = JudgeSource(JudgeInputs(), cfg if config_kind == "section" else Whole())
    assert source._cfg is cfg


def _write_codenet(root: Path, rows_by_csv: dict[str, list[str]], code: dict[tuple[str, str], str]) -> None:
    header = ("submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,cpu_time,"
              "memory,code_size,accuracy")
    (root / "metadata").mkdir(parents=True)
    (root / "metadata" / "problem_list.csv").write_text(
        "id,name,dataset,time_limit,memory_limit,rating,tags,complexity\n"
        + "".join(f"{p},Problem {p},AtCoder,2000,1048576,,,\n" for p in ("p1", "p2")))
    for name, rows in rows_by_csv.items():
        (root / "metadata" / name).write_text(header + "\n" + "\n".join(rows) + "\n")
    for (problem, sid), text in code.items():
        folder = root / "data" / problem / "Python"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{sid}.py").write_text(text)


def test_a_problem_in_several_files_is_grouped_across_them(tmp_path):
    """CodeNet groups are formed where a problem's CSV is read, without a shuffle; a problem whose rows
    also appear in another file (a row filed under the wrong CSV, a JSONL reusing the dataset name)
    takes the shuffled path, so its groups are whole: the same pairs as if everything were in one file."""
    row = "{sid},{problem},{user},{t},Python,Python (3.8.2),py,{status},10,9000,20,1/4"
    t0 = 1590969600
    root = tmp_path / "codenet"
    _write_codenet(root, {
        "p1.csv": [row.format(sid="s1", problem="p1", user="u1", t=t0 + 100, status="Wrong Answer"),
                   row.format(sid="s5", problem="p1", user="u2", t=t0 + 100, status="Wrong Answer"),
                   row.format(sid="s6", problem="p1", user="u2", t=t0 + 200, status="Accepted")],
        # u1's Accepted to p1 is filed under p2's CSV; p2's own group is local
        "p2.csv": [row.format(sid="s2", problem="p1", user="u1", t=t0 + 200, status="Accepted"),
                   row.format(sid="s3", problem="p2", user="u1", t=t0 + 100, status="Runtime Error"),
                   row.format(sid="s4", problem="p2", user="u1", t=t0 + 200, status="Accepted")],
    }, {("p1", "s1"): "print(1)\n", ("p1", "s2"): "print(2)\n", ("p2", "s3"): "print(3)\n",
        ("p2", "s4"): "print(4)\n", ("p1", "s5"): "print(5)\n", ("p1", "s6"): "print(6)\n"})
    jsonl = tmp_path / "more.jsonl"
    # the JSONL reuses dataset "codenet": its u3 group on p2 joins nothing, but p2 is now in two inputs
    jsonl.write_text(
        '{"submission_id": "j1", "problem_id": "p2", "user_id": "u1", "time": 1590969750, "language": "Python 3", '
        '"status": "WA", "dataset": "codenet", "code": "print(7)\\n"}\n')
    cfg = JudgeConfig(max_acceptance_rate=None, min_judged_submissions=0)
    records, rejects, counts = run_judge(JudgeInputs(codenet=str(root), judge_jsonl=str(jsonl)), cfg,
                                         tmp_path / "out")
    assert pairs(records) == [("j1", "s4"), ("s1", "s2"), ("s5", "s6")]
    assert rejects == {("judge.pair", "s3"): "superseded"}
    assert counts["judge.read"] == {"in": 7, "kept": 7}
    assert counts["judge.pair"] == {"in": 7, "kept": 6, "superseded": 1}


def test_language_reject_rows_left_out_on_both_paths(tmp_path):
    row = "{sid},{problem},u1,{t},{lang},{lang},py,Wrong Answer,10,9000,20,1/4"
    t0 = 1590969600
    root = tmp_path / "codenet"
    _write_codenet(root, {"p1.csv": [row.format(sid="s1", problem="p1", t=t0 + 100, lang="C++")],
                          "p2.csv": [row.format(sid="s2", problem="p1", t=t0 + 200, lang="C++"),
                                     row.format(sid="s3", problem="p2", t=t0 + 200, lang="C++")]}, {})
    cfg = JudgeConfig(max_acceptance_rate=None, min_judged_submissions=0, language_reject_rows=False)
    records, rejects, counts = run_judge(JudgeInputs(codenet=str(root)), cfg, tmp_path / "out")
    assert (records, rejects) == ([], {})
    assert counts["judge.language"] == {"in": 3, "language_not_allowed": 3}


def test_duplicate_submission_ids_never_make_a_pair(tmp_path):
    """The same id twice: copies that differ are all rejected (the Runtime Error's code must not become
    the Accepted side of a pair), identical copies are read once. Within a file, across problems'
    files and within a JSONL export; the acceptance rate is counted over the copies read."""
    row = "{sid},{problem},{user},{t},Python,Python (3.8.2),py,{status},10,9000,20,1/4"
    t0 = 1590969600
    root = tmp_path / "codenet"
    repeated = row.format(sid="s4", problem="p1", user="u2", t=t0 + 100, status="Wrong Answer")
    across = row.format(sid="s7", problem="p1", user="u4", t=t0 + 100, status="Runtime Error")
    _write_codenet(root, {
        "p1.csv": [row.format(sid="s1", problem="p1", user="u1", t=t0 + 100, status="Wrong Answer"),
                   row.format(sid="s2", problem="p1", user="u1", t=t0 + 200, status="Runtime Error"),
                   row.format(sid="s2", problem="p1", user="u1", t=t0 + 300, status="Accepted"),
                   row.format(sid="s3", problem="p1", user="u1", t=t0 + 400, status="Accepted"),
                   repeated, repeated,
                   row.format(sid="s5", problem="p1", user="u2", t=t0 + 200, status="Accepted"),
                   row.format(sid="s6", problem="p1", user="u3", t=t0 + 100, status="Wrong Answer"),
                   across,
                   row.format(sid="s8", problem="p1", user="u4", t=t0 + 200, status="Accepted")],
        # s6 again, under another problem and verdict; s7's row repeated word for word in p2's file
        "p2.csv": [row.format(sid="s6", problem="p2", user="u3", t=t0 + 200, status="Accepted"), across],
    }, {("p1", f"s{i}"): f"print({i})\n" for i in range(1, 9)})
    jsonl = tmp_path / "school.jsonl"
    line = ('{{"submission_id": "{sid}", "problem_id": "q", "user_id": "v", "time": {t}, "language": "Python 3", '
            '"status": "{status}", "dataset": "school", "code": "print({n})\\n"}}\n')
    jsonl.write_text("".join(line.format(sid=sid, t=t0 + n, status=status, n=n) for sid, status, n in (
        ("j1", "WA", 1), ("j2", "RE", 2), ("j2", "AC", 2), ("j3", "AC", 3))))
    cfg = JudgeConfig(max_acceptance_rate=None, min_judged_submissions=0)
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    judged = pipeline | JudgeSource(JudgeInputs(codenet=str(root), judge_jsonl=str(jsonl)), cfg)
    _ = judged["records"] | SplitShards(str(tmp_path / "out"), "data", "train", "default", JUDGE_SCHEMA,
                                        max_rows=10_000, max_bytes=1 << 20, shards=1, row_group_rows=100)
    _ = judged["rejects"] | SplitShards(str(tmp_path / "out"), "rejects", "rejects", "rejects", REJECT_SCHEMA,
                                        key_fn=lambda r: f"{r.stage}\0{r.key}\0{r.detail}", max_rows=10_000,
                                        max_bytes=1 << 20, shards=1, row_group_rows=100)
    result = pipeline.run()
    result.wait_until_finish()
    records = sorted(read_rows(tmp_path / "out" / "data"), key=lambda r: r["submission_after"])
    assert [(r["submission_before"], r["submission_after"], r["new_contents"]) for r in records] == [
        ("j1", "j3", "print(3)\n"), ("s1", "s3", "print(3)\n"), ("s4", "s5", "print(5)\n"),
        ("s7", "s8", "print(8)\n")]
    got = sorted((r["stage"], r["key"], r["reason"], r["detail"]) for r in read_rows(tmp_path / "out" / "rejects"))
    differ = "2 rows with this id differ ({}): none can be trusted"
    assert got == [
        ("judge.read", "j2", "duplicate_submission_id", differ.format("judge:school.jsonl #2, judge:school.jsonl #3")),
        ("judge.read", "j2", "duplicate_submission_id", differ.format("judge:school.jsonl #2, judge:school.jsonl #3")),
        ("judge.read", "s2", "duplicate_submission_id", differ.format("codenet:p1.csv #2, codenet:p1.csv #3")),
        ("judge.read", "s2", "duplicate_submission_id", differ.format("codenet:p1.csv #2, codenet:p1.csv #3")),
        ("judge.read", "s4", "repeated_row", "the same row as codenet:p1.csv #5, which is read; 2 copies"),
        ("judge.read", "s6", "duplicate_submission_id", differ.format("codenet:p1.csv #8, codenet:p2.csv #1")),
        ("judge.read", "s6", "duplicate_submission_id", differ.format("codenet:p1.csv #8, codenet:p2.csv #1")),
        ("judge.read", "s7", "repeated_row", "the same row as codenet:p1.csv #9, which is read; 2 copies"),
    ]
    counts = stage_counts(result.metrics())
    assert_balanced(counts)
    assert counts["judge.read"] == {"in": 16, "kept": 8, "duplicate_submission_id": 6, "repeated_row": 2}
    # u1: s1 -> s3 with both copies of s2 gone; u3 is left with nothing (s6's copies), so no pair.
    assert counts["judge.pair"] == {"in": 8, "kept": 8}


def test_special_inputs_are_refused_before_any_read(tmp_path):
    """A FIFO given as an export would block the first read forever: one sentence instead, from stat."""
    os.mkfifo(tmp_path / "fifo.json")
    fifo = str(tmp_path / "fifo.json")
    code = str(FIXTURES / "atcoder" / "atcoder_code")
    assert judge_inputs_problem(JudgeInputs(atcoder=fifo, atcoder_code=code)) == (
        f"the --atcoder file '{fifo}' is a FIFO, not a regular file")
    assert judge_inputs_problem(JudgeInputs(aoj=fifo)) == f"the --aoj file '{fifo}' is a FIFO, not a regular file"
    assert judge_inputs_problem(JudgeInputs(judge_jsonl=fifo)) == (
        f"the --judge-jsonl file '{fifo}' is a FIFO, not a regular file")
    assert judge_inputs_problem(JudgeInputs(codeforces=str(tmp_path), codeforces_code=code)) == (
        f"the --codeforces file '{tmp_path}' is a folder, not a regular file")
    assert judge_inputs_problem(JudgeInputs(codeforces=str(FIXTURES / "codeforces" / "codeforces.json"),
                                            codeforces_code=fifo)) == (
        f"the --codeforces-code folder '{fifo}' is a FIFO, not a folder")
    assert judge_inputs_problem(JudgeInputs(codenet=fifo)) == f"the CodeNet folder '{fifo}' is a FIFO, not a folder"
    root = tmp_path / "cn"
    _write_codenet(root, {"p1.csv": []}, {})
    (root / "metadata" / "problem_list.csv").unlink()
    os.mkfifo(root / "metadata" / "problem_list.csv")
    assert judge_inputs_problem(JudgeInputs(codenet=str(root))) == (
        f"the CodeNet problem list '{root / 'metadata' / 'problem_list.csv'}' is a FIFO, not a regular file")


def test_input_fingerprints_name_special_files_without_opening_them(tmp_path):
    """For the manifest: a FIFO or a folder among the inputs is named by its kind (opening a FIFO
    would block); regular files are hashed as before."""
    import hashlib

    root = tmp_path / "cn"
    _write_codenet(root, {"p1.csv": []}, {})
    os.mkfifo(root / "metadata" / "p2.csv")
    (root / "metadata" / "p3.csv").mkdir()
    os.mkfifo(tmp_path / "fifo.jsonl")
    got = judge_input_fingerprints(JudgeInputs(codenet=str(root), judge_jsonl=str(tmp_path / "fifo.jsonl"),
                                               aoj=str(FIXTURES / "aoj" / "aoj.json")))
    digest = hashlib.sha256()
    for name, mark in (("p1.csv", None), ("p2.csv", "a FIFO"), ("p3.csv", "a folder"), ("problem_list.csv", None)):
        mark = mark or hashlib.sha256((root / "metadata" / name).read_bytes()).hexdigest()
        digest.update(name.encode() + b"\0" + mark.encode())
    assert got == {
        "aoj": {"path": str(FIXTURES / "aoj" / "aoj.json"),
                "sha256": hashlib.sha256((FIXTURES / "aoj" / "aoj.json").read_bytes()).hexdigest()},
        "codenet": {"path": str(root), "metadata_sha256": digest.hexdigest()},
        "judge_jsonl": {"path": str(tmp_path / "fifo.jsonl"), "kind": "a FIFO"},
    }
