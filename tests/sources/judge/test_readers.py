"""Judge readers on fixtures of every format, good rows and every kind of bad one."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from beam_jobs.sources.judge import readers as jr
from beam_jobs.sources.judge.readers import ReadReject, iter_with_code, json_stream, load_code
from filters.judge import normalise_language
from schemas.submission import AC, CE, IE, NJ, PE, RE, TLE, WA, WJ, Submission
from tests import paths
from tests.paths import ROOT

FIXTURES = paths.FIXTURES / "judge"
SAMPLE = ROOT / "samples" / "judge" / "codenet"
T0 = datetime(2020, 6, 1, tzinfo=timezone.utc)
HEADER = ("submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,cpu_time,"
          "memory,code_size,accuracy")


def outcome(items) -> list[tuple[str, str]]:
    """[(key, status or reject reason)] in reader order."""
    return [(i.key, f"!{i.reason}") if isinstance(i, ReadReject) else (i.submission_id, i.status) for i in items]


def subs(items) -> dict[str, Submission]:
    return {i.submission_id: i for i in items if isinstance(i, Submission)}


# ------------------------------------------------------------------------------------------ CodeNet

def write_codenet(root: Path, rows: list[str], files: dict[str, bytes], *, eol: str = "\n",
                  problem_list: str | None = "id,name,dataset,time_limit,memory_limit,rating,tags,complexity\n"
                                            "p1,Sum It,AtCoder,2000,1024,,,\n") -> Path:
    (root / "metadata").mkdir(parents=True)
    if problem_list is not None:
        (root / "metadata" / "problem_list.csv").write_text(problem_list)
    (root / "metadata" / "p1.csv").write_bytes((eol.join([HEADER, *rows]) + eol).encode("utf-8"))
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_codenet_sample_reads_every_row():
    items = list(iter_with_code(jr.read_codenet(str(SAMPLE))))
    assert len(items) == 74
    rejects = [(i.key, i.reason) for i in items if isinstance(i, ReadReject)]
    assert rejects == [("s213", "bad_time"), ("s214", "missing_code")]
    got = subs(items)
    s100 = got["s100"]
    assert (s100.problem_id, s100.user_id, s100.time, s100.language, s100.original_language, s100.lang) == (
        "p03000", "u100", T0, "Python", "Python (3.8.2)", "python")
    assert (s100.status, s100.status_raw, s100.cpu_time_ms, s100.memory_kb) == (WA, "Wrong Answer", 17, 9000)
    assert (s100.dataset, s100.origin, s100.problem_name) == ("codenet", "AtCoder", "Average Score")
    assert s100.code.startswith("# average score\n")
    assert got["s104"].lang == "python" and got["s104"].original_language == "PyPy3 (7.3.0)"
    assert got["s114"].lang == "python2"
    assert got["s105"].lang == "c++" and got["s105"].code.startswith("#include")
    assert got["s111"].memory_kb is None          # empty field
    assert got["s202"].cpu_time_ms is None        # negative cpu time
    assert got["s113"].status == NJ               # "Judge Not Available"
    assert got["s405"].status == PE               # "WA: Presentation Error"
    assert got["s400"].code.startswith("n = int(input())\r\n")  # code kept as written


def test_codenet_dos_line_endings_bom_and_empty_lines(tmp_path):
    rows = ["s1,p1,u1,1590969600,Python,Python (3.8.2),py,Accepted,10,,20,4/4", ""]
    root = write_codenet(tmp_path / "cn", rows, {"data/p1/Python/s1.py": b"print(1)\r\n"}, eol="\r\n")
    (root / "metadata" / "p1.csv").write_bytes(b"\xef\xbb\xbf" + (root / "metadata" / "p1.csv").read_bytes())
    items = list(iter_with_code(jr.read_codenet(str(root))))
    assert outcome(items) == [("s1", AC)]
    assert items[0].problem_name == "Sum It" and items[0].memory_kb is None and items[0].code == "print(1)\r\n"


def test_codenet_bad_rows_are_rejected_with_reasons(tmp_path):
    rows = [
        "s1,p1,u1,1590969600,Python,Python (3.8.2),py,Wrong Answer,-5,abc,20,0/4",      # nonsense numbers: kept
        "s2,p1,u1,1590969600,Python,Python (3.8.2),py,Accepted",                         # too few fields
        "s3,p1,u1,,Python,Python (3.8.2),py,Accepted,10,100,20,4/4",                     # no date
        "s4,p1,u1,99999999999999,Python,Python (3.8.2),py,Accepted,10,100,20,4/4",       # year 5138
        "s5,p1,,1590969600,Python,Python (3.8.2),py,Accepted,10,100,20,4/4",             # no user
        "s6,p1,u1,1590969600,Python,Python (3.8.2),py,Banana,10,100,20,4/4",             # unknown status
        "s7,..,u1,1590969600,Python,Python (3.8.2),py,Accepted,10,100,20,4/4",           # climbs out of data/
        "s8,p1,u1,1590969600,../..,Python (3.8.2),py,Accepted,10,100,20,4/4",            # language as a path
        "../s9,p1,u1,1590969600,Python,Python (3.8.2),py,Accepted,10,100,20,4/4",        # id as a path
        "s10,p1,u1,1590969600,Python,Python (3.8.2),py,Internal Error,10,100,20,",       # known, unjudged
        'bad"quote,p1,u1,1590969600,Python,Python (3.8.2),py,Accepted,10,100,20,4/4',   # csv oddity, still a row
    ]
    root = write_codenet(tmp_path / "cn", rows, {"data/p1/Python/s1.py": b"print(1)\n",
                                                  "data/p1/Python/s10.py": b"print(10)\n"})
    items = list(jr.read_codenet(str(root)))
    assert outcome(items) == [
        ("s1", WA), ("s2", "!bad_row"), ("s3", "!bad_time"), ("s4", "!bad_time"), ("s5", "!bad_row"),
        ("s6", "!unknown_status"), ("s7", "!path_escape"), ("s8", "!path_escape"),
        ("codenet:p1.csv:line 10", "!path_escape"), ("s10", IE), ('bad"quote', AC)]
    s1 = items[0]
    assert s1.cpu_time_ms is None and s1.memory_kb is None and s1.code_size == 20
    assert "line 3" in items[1].detail


def test_codenet_missing_header_columns_and_missing_problem_list(tmp_path):
    root = write_codenet(tmp_path / "cn", [], {}, problem_list=None)
    (root / "metadata" / "p1.csv").write_text("submission_id,problem_id\ns1,p1\n")
    assert outcome(jr.read_codenet(str(root))) == [("codenet:p1.csv", "!bad_header")]


def test_codenet_problem_list_bad_rows(tmp_path):
    text = ("id,name,dataset,time_limit,memory_limit,rating,tags,complexity\n"
            "p1,A,AIZU,1,1,,,\np2,B\n../p3,C,AIZU,1,1,,,\n")
    root = write_codenet(tmp_path / "cn", [], {}, problem_list=text)
    items = list(jr.read_codenet_problem_list(str(root)))
    assert items[0] == jr.ProblemInfo("p1", "A", "AIZU")
    assert [(i.reason, i.key) for i in items[1:]] == [("bad_row", "codenet:problem_list.csv:line 3"),
                                                      ("bad_row", "codenet:problem_list.csv:line 4")]


def test_codenet_csvs_are_listed_per_problem_without_the_problem_list():
    assert jr.codenet_problem_csvs(str(SAMPLE)) == [f"p0300{i}.csv" for i in range(6)]
    assert jr.codenet_problem_csvs("/nonexistent") == []


def test_codenet_description_is_read_raw_and_missing_is_none():
    assert "<H1>Average Score</H1>" in jr.read_codenet_description(str(SAMPLE), "p03000")
    assert jr.read_codenet_description(str(SAMPLE), "p03002") is None
    assert jr.read_codenet_description(str(SAMPLE), "../metadata/problem_list") is None


# ---------------------------------------------------------------------------------------- load_code

def _sub(root: Path, rel: str, code: str | None = None) -> Submission:
    return Submission(submission_id="s1", problem_id="p1", user_id="u1", time=T0, language="Python",
                      original_language="Python", lang="python", status=WA, status_raw="WA", cpu_time_ms=None,
                      memory_kb=None, code_size=None, dataset="codenet", code=code, code_root=str(root),
                      code_path=rel)


def test_load_code_failures(tmp_path):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    secret = tmp_path / "secret.py"
    secret.write_text("password = 'hunter2'\n")
    os.symlink(secret, root / "data" / "link.py")
    (root / "data" / "latin1.py").write_bytes(b"print('caf\xe9')\n")
    (root / "data" / "nul.py").write_bytes(b"print(1)\x00\n")
    (root / "data" / "big.py").write_bytes(b"x = 1\n" * 100)
    (root / "data" / "blank.py").write_bytes(b"  \n\n")
    (root / "data" / "bom.py").write_bytes(b"\xef\xbb\xbfprint(1)\n")
    (root / "data" / "noext").write_bytes(b"print(2)\n")

    def reason(rel: str, code: str | None = None, max_bytes: int = 500) -> str:
        got = load_code(_sub(root, rel, code), max_bytes)
        return got.reason if isinstance(got, ReadReject) else got

    assert reason("data/link.py") == "path_escape"          # a symlink out of the input root
    assert reason("../secret.py") == "path_escape"
    assert reason("/etc/passwd") == "path_escape"
    assert reason("data/missing.py") == "missing_code"
    assert reason("data/latin1.py") == "undecodable_code"
    assert reason("data/nul.py") == "undecodable_code"
    assert reason("data/big.py") == "code_too_large"
    assert reason("data/blank.py") == "empty_code"
    assert reason("data/bom.py") == "print(1)\n"
    assert reason("data/noext.py") == "print(2)\n"          # `<id>` with no extension
    assert reason("", code="print(3)\n") == "print(3)\n"    # inline code
    assert reason("", code="x" * 501) == "code_too_large"
    assert reason("", code="é" * 300) == "code_too_large"  # 600 bytes in UTF-8
    assert reason("", code="a\0b") == "undecodable_code"


# --------------------------------------------------------------------------------------------- Aizu

def test_aoj_reader():
    items = list(iter_with_code(jr.read_aoj(str(FIXTURES / "aoj" / "aoj.json"))))
    assert outcome(items) == [
        ("1001", WA), ("1002", AC), ("1003", RE), ("1004", CE), ("1005", "!unknown_status"), ("1006", "!bad_row"),
        ("1007", "!bad_time"), ("aoj:aoj.json:8", "!bad_row"), ("../../etc/passwd", "!path_escape"),
        ("1010", AC), ("1011", "!missing_code")]
    got = subs(items)
    assert got["1001"].time == T0 and got["1002"].time == datetime(2020, 6, 1, 0, 1, tzinfo=timezone.utc)
    assert got["1001"].cpu_time_ms == 20 and got["1001"].memory_kb == 5600  # cpuTime is in 1/100 s
    assert got["1002"].code.startswith("i = 1\nwhile True:")                # sourceCode field
    assert got["1003"].lang == "python2" and got["1003"].code == "print raw_input()\n"  # AOJ "Python" is 2
    assert got["1003"].cpu_time_ms is None and got["1003"].memory_kb is None
    assert got["1004"].lang == "c++"
    assert got["1010"].code == 'print("Hello World")\n'                      # code folder, no extension
    assert all(s.dataset == "aoj" and s.origin == "AIZU" for s in got.values())


def test_aoj_truncated_file_keeps_what_came_before_the_cut():
    items = list(jr.read_aoj(str(FIXTURES / "aoj" / "truncated.json")))
    assert outcome(items) == [("2001", AC), ("aoj:truncated.json", "!malformed_file")]
    assert "after 1 elements" in items[1].detail


def test_missing_export_file_is_one_reject(tmp_path):
    assert outcome(jr.read_aoj(str(tmp_path / "none.json"))) == [("aoj:none.json", "!missing_file")]
    assert outcome(jr.read_judge_jsonl(str(tmp_path / "none.jsonl"))) == [("judge:none.jsonl", "!missing_file")]


# ------------------------------------------------------------------------------------------ AtCoder

def test_atcoder_json_reader():
    items = list(iter_with_code(jr.read_atcoder(str(FIXTURES / "atcoder" / "atcoder.json"),
                                                str(FIXTURES / "atcoder" / "atcoder_code"))))
    assert outcome(items) == [
        ("5001", WA), ("5002", AC), ("5003", "!undecodable_code"), ("5004", "!missing_code"),
        ("5005", "!missing_code"), ("5006", "!unknown_status"), ("../escape", "!path_escape"),
        ("5008", "!bad_time"), ("5009", AC)]
    raw = subs(jr.read_atcoder(str(FIXTURES / "atcoder" / "atcoder.json"), str(FIXTURES / "atcoder" / "atcoder_code")))
    assert raw["5004"].status == WJ and raw["5005"].status == WJ          # "WJ" and "3/10" (still judging)
    assert raw["5003"].lang == "python" and raw["5009"].lang == "c++"
    got = subs(items)
    assert (got["5002"].cpu_time_ms, got["5002"].code_size, got["5002"].memory_kb) == (21, 99, None)
    assert got["5002"].problem_id == "abc170_b" and got["5002"].origin == "AtCoder"


def test_atcoder_csv_reader():
    items = list(iter_with_code(jr.read_atcoder(str(FIXTURES / "atcoder" / "atcoder.csv"),
                                                str(FIXTURES / "atcoder" / "atcoder_code"))))
    assert outcome(items) == [("5001", WA), ("5002", AC), ("atcoder:atcoder.csv:line 4", "!bad_row"),
                              ("5011", "!bad_time")]
    assert items[1].code == (FIXTURES / "atcoder" / "atcoder_code" / "5002.py").read_text()


# --------------------------------------------------------------------------------------- Codeforces

def test_codeforces_api_envelope():
    items = list(iter_with_code(jr.read_codeforces(str(FIXTURES / "codeforces" / "codeforces.json"),
                                                   str(FIXTURES / "codeforces" / "codeforces_code"))))
    assert outcome(items) == [
        ("9001", WA), ("9002", AC), ("9003", "!missing_code"), ("9004", "!missing_code"),
        ("9005", "!unknown_status"), ("9006", "!bad_row"), ("9007", AC), ("9008", "!missing_code")]
    raw = subs(jr.read_codeforces(str(FIXTURES / "codeforces" / "codeforces.json"), "/nowhere"))
    assert raw["9003"].status == WJ and raw["9004"].status == NJ        # no verdict yet; SKIPPED
    assert raw["9008"].lang == "python2" and raw["9007"].lang == "c++"
    got = subs(items)
    f = got["9002"]
    assert (f.problem_id, f.problem_name, f.user_id, f.language, f.lang) == ("4A", "Watermelon", "frank", "PyPy 3-64",
                                                                             "python")
    assert (f.cpu_time_ms, f.memory_kb) == (92, 1000)


def test_codeforces_json_list_and_json_lines(tmp_path):
    one = ('{"id": 1, "creationTimeSeconds": 1590969600, "problem": {"contestId": 1, "index": "B", "name": "X"}, '
           '"author": {"members": [{"handle": "a"}, {"handle": "b"}]}, "programmingLanguage": "Python 3", '
           '"verdict": "TIME_LIMIT_EXCEEDED"}')
    two, three = one.replace('"id": 1', '"id": 2'), one.replace('"id": 1', '"id": 3')
    (tmp_path / "list.json").write_text(f"[{one}, {two}]")
    (tmp_path / "lines.jsonl").write_text(f"{one}\n\nnot json\n{three}\n")
    assert outcome(jr.read_codeforces(str(tmp_path / "list.json"), "/")) == [("1", TLE), ("2", TLE)]
    assert outcome(jr.read_codeforces(str(tmp_path / "lines.jsonl"), "/")) == [
        ("1", TLE), ("codeforces:lines.jsonl:2", "!bad_row"), ("3", TLE)]
    assert subs(jr.read_codeforces(str(tmp_path / "list.json"), "/"))["1"].user_id == "a,b"


def test_json_stream_crosses_chunk_boundaries(tmp_path, monkeypatch):
    monkeypatch.setattr(json_stream, "_CHUNK", 7)
    rows = [{"id": i, "creationTimeSeconds": 1590969600 + i, "problem": {"contestId": 12, "index": "C"},
             "author": {"members": [{"handle": "h"}]}, "programmingLanguage": "Python 3", "verdict": "OK"}
            for i in range(1, 30)]
    import json
    (tmp_path / "api.json").write_text(json.dumps({"status": "OK", "result": rows}, indent=1))
    got = list(jr.read_codeforces(str(tmp_path / "api.json"), "/"))
    assert [s.submission_id for s in got] == [str(i) for i in range(1, 30)]
    assert got[-1].time == datetime.fromtimestamp(1590969629, tz=timezone.utc)
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    (tmp_path / "rows.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    for name in ("rows.json", "rows.jsonl"):
        got = list(jr.read_codeforces(str(tmp_path / name), "/"))
        assert [s.submission_id for s in got] == [str(i) for i in range(1, 30)], name


def test_json_stream_rejects_a_file_that_is_not_an_export(tmp_path):
    (tmp_path / "x.json").write_text('"just a string"')
    (tmp_path / "y.json").write_text('{"status": "FAILED", "comment": "handle not found"}')
    assert outcome(jr.read_codeforces(str(tmp_path / "x.json"), "/")) == [("codeforces:x.json", "!malformed_file")]
    assert outcome(jr.read_codeforces(str(tmp_path / "y.json"), "/")) == [("codeforces:y.json", "!malformed_file")]
    (tmp_path / "z.json").write_text("")
    assert outcome(jr.read_codeforces(str(tmp_path / "z.json"), "/")) == []


# -------------------------------------------------------------------------------------- generic JSONL

def test_generic_jsonl_reader():
    items = list(iter_with_code(jr.read_judge_jsonl(str(FIXTURES / "jsonl" / "judge.jsonl"))))
    assert outcome(items) == [
        ("a1", WA), ("a2", AC), ("3", WA), ("a4", "!path_escape"), ("a5", "!path_escape"),
        ("judge:judge.jsonl:line 7", "!bad_row"), ("a7", "!unknown_status"), ("a8", "!bad_time"),
        ("a9", "!bad_row"), ("a10", TLE)]
    got = subs(items)
    assert got["a2"].time == datetime(2020, 6, 1, 0, 5, tzinfo=timezone.utc)         # ISO with Z
    assert got["a10"].time == T0                                                      # +09:00 offset
    assert got["3"].time == datetime(2020, 6, 1, 0, 1, 40, 500000, tzinfo=timezone.utc)  # float seconds
    assert got["a2"].code == (FIXTURES / "jsonl" / "code" / "a2.py").read_text()
    assert (got["a1"].dataset, got["a1"].problem_name, got["3"].dataset) == ("school", "Sum of a List", "judge")
    assert (got["a2"].cpu_time_ms, got["a2"].memory_kb, got["a2"].code_size) == (12, 9000, 55)


# --------------------------------------------------------------------------------------- languages

@pytest.mark.parametrize("name,expected", [
    ("Python", "python"), ("Python (3.8.2)", "python"), ("PyPy3 (7.3.0)", "python"), ("Python3", "python"),
    ("Python 3", "python"), ("PyPy 3-64", "python"), ("Python (CPython 3.11.4)", "python"),
    ("Python (PyPy 3.10-v7.3.12)", "python"), ("Python (2.7.6)", "python2"), ("PyPy2 (5.6.0)", "python2"),
    ("Python 2", "python2"), ("Cython (0.29.16)", "cython"), ("C++ (GCC 9.2.1)", "c++"), ("GNU C++17", "c++"),
    ("C++14", "c++"), ("C (GCC 9.2.1)", "c"), ("GNU C11", "c"), ("Java (OpenJDK 11.0.6)", "java"),
    ("JavaScript (Node.js 12.16.1)", "javascript"), ("Kotlin 1.7", "kotlin"), ("Rust (1.42.0)", "rust"),
    ("C# 8, .NET Core 3.1", "c#"), ("Text (cat)", "text"), ("", ""),
])
def test_normalise_language(name, expected):
    assert normalise_language(name) == expected


def test_bare_python_is_python2_on_aizu():
    assert normalise_language("Python", bare_python="python2") == "python2"
    assert normalise_language("Python3", bare_python="python2") == "python"


def test_broken_json_does_not_pull_the_whole_file_into_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(json_stream, "_CHUNK", 16)
    monkeypatch.setattr(json_stream, "_MAX_VALUE", 400)
    good = '{"judgeId": 1, "userId": "a", "problemId": "P", "submissionDate": 1590969600000, ' \
           '"language": "Python3", "status": 4, "sourceCode": "print(1)"}'
    (tmp_path / "broken.json").write_text("[" + good + ', {"judgeId": 2, "userId": ' + "x" * 10_000 + "]")
    items = list(jr.read_aoj(str(tmp_path / "broken.json")))
    assert outcome(items) == [("1", AC), ("aoj:broken.json", "!malformed_file")]


# ------------------------------------------------------------------------------- strict CSV, files

ROW = "{id},p1,u1,1590969600,Python,Python (3.8.2),py,{status},10,100,20,{acc}"


def test_codenet_unclosed_quote_is_one_bad_row_and_the_next_rows_are_read(tmp_path):
    rows = [ROW.format(id="s1", status="Wrong Answer", acc="0/4"),
            ROW.format(id="s2", status="Wrong Answer", acc='"1/1'),           # unclosed quote at the end
            ROW.format(id="s3", status="Accepted", acc="4/4"),
            ROW.format(id="s4", status='"Accepted, really"', acc="4/4"),       # a quoted comma: legal
            "s9,p1,u1",                                                         # a row cut short
            ROW.format(id="s5", status='"Accepted"x', acc="4/4"),             # text after a closing quote
            ROW.format(id="s6", status="Accepted", acc="4/4") + ",extra",     # 13 fields
            "s7,p1,u1,1590969600,Python,Python (3.8.2),py,Accepted,10,100,20,4\x00/4",
            HEADER,                                                             # files joined together
            ROW.format(id="s8", status="Accepted", acc="4/4")]
    root = write_codenet(tmp_path / "cn", rows, {})
    items = list(jr.read_codenet(str(root)))
    assert outcome(items) == [
        ("s1", WA), ("codenet:p1.csv:line 3", "!bad_row"), ("s3", AC), ("s4", "!unknown_status"),
        ("s9", "!bad_row"), ("codenet:p1.csv:line 7", "!bad_row"), ("s6", "!bad_row"),
        ("codenet:p1.csv:line 9", "!bad_row"), ("codenet:p1.csv:line 10", "!bad_row"), ("s8", AC)]
    details = [i.detail for i in items if isinstance(i, ReadReject)]
    assert details[0] == "p1.csv line 3: a quoted field is not closed on its line"
    assert details[1] == "p1.csv line 5: status is 'Accepted, really'"
    assert details[2] == "p1.csv line 6: expected 12 fields, got 3"
    assert details[3] == "p1.csv line 7: ',' expected after '\"'"
    assert details[4] == "p1.csv line 8: expected 12 fields, got 13"
    assert details[5] == "p1.csv line 9: holds a NUL byte"
    assert details[6] == "p1.csv line 10: the header again (files joined?)"


def test_csv_empty_file_is_a_bad_header_and_a_header_alone_is_no_row(tmp_path):
    root = write_codenet(tmp_path / "cn", [], {})
    assert outcome(jr.read_codenet(str(root))) == []
    (root / "metadata" / "p1.csv").write_bytes(b"")
    assert outcome(jr.read_codenet(str(root))) == [("codenet:p1.csv", "!bad_header")]


def test_csv_overlong_line_is_skipped_without_being_kept(tmp_path, monkeypatch):
    from beam_jobs.sources.judge.readers import common
    monkeypatch.setattr(common, "MAX_CSV_LINE", 200)
    rows = [ROW.format(id="s1", status="Accepted", acc="x" * 700), ROW.format(id="s2", status="Accepted", acc="")]
    root = write_codenet(tmp_path / "cn", rows, {})
    items = list(jr.read_codenet(str(root)))
    assert outcome(items) == [("codenet:p1.csv:line 2", "!bad_row"), ("s2", AC)]
    assert items[0].detail == "p1.csv line 2: longer than 200 characters"


@pytest.mark.parametrize("value", ["49265039.0", "4.9265039e7", "5001.", "nan"])
def test_float_ids_are_bad_rows_in_every_reader(tmp_path, value):
    header = "id,epoch_second,problem_id,contest_id,user_id,language,point,length,result,execution_time"
    (tmp_path / "a.csv").write_text(f"{header}\n{value},1590969600,abc1_a,abc1,u,Python (3.8.2),0,9,WA,1\n")
    got = list(jr.read_atcoder(str(tmp_path / "a.csv"), str(tmp_path)))
    assert [(i.reason, i.detail) for i in got] == [
        ("bad_row", f"atcoder:a.csv:line 2: id {value!r} is written as a float, not an id")]
    row = ROW.format(id=value, status="Accepted", acc="")
    assert outcome(jr.read_codenet(str(write_codenet(tmp_path / "cn", [row], {})))) == [(value, "!bad_row")]
    cf = ('{"id": %s, "creationTimeSeconds": 1590969600, "problem": {"contestId": 1, "index": "B"}, '
          '"author": {"members": [{"handle": "a"}]}, "programmingLanguage": "Python 3", "verdict": "OK"}')
    (tmp_path / "cf.json").write_text(f'[{cf % 49265039.0}, {cf % repr(value).replace(chr(39), chr(34))}]')
    assert [i.reason for i in jr.read_codeforces(str(tmp_path / "cf.json"), "/")] == ["bad_row", "bad_row"]
    aoj = ('{"judgeId": "%s", "userId": "a", "problemId": "P", "submissionDate": 1590969600000, '
           '"language": "Python3", "status": 4, "sourceCode": "print(1)"}')
    (tmp_path / "aoj.json").write_text(f"[{aoj % value}]")
    assert [i.reason for i in jr.read_aoj(str(tmp_path / "aoj.json"))] == ["bad_row"]
    (tmp_path / "j.jsonl").write_text('{"submission_id": "%s", "problem_id": "p", "user_id": "u", "time": 1590969600, '
                                      '"language": "Python 3", "status": "AC", "code": "x"}\n' % value)
    assert [i.reason for i in jr.read_judge_jsonl(str(tmp_path / "j.jsonl"))] == ["bad_row"]


def test_special_files_are_rejected_without_being_opened(tmp_path):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    os.mkfifo(root / "data" / "fifo.py")
    (root / "data" / "folder.py").mkdir()
    os.symlink("loop.py", root / "data" / "loop.py")
    os.symlink("fifo.py", root / "data" / "to_fifo.py")
    os.symlink("gone.py", root / "data" / "dangling.py")

    def got(rel: str) -> tuple[str, str]:
        out = load_code(_sub(root, rel), 500)
        return (out.reason, out.detail) if isinstance(out, ReadReject) else ("", out)

    assert got("data/fifo.py") == ("special_file", "data/fifo.py is a FIFO, not a regular file")
    assert got("data/to_fifo.py") == ("special_file", "data/to_fifo.py is a FIFO, not a regular file")
    assert got("data/folder.py") == ("special_file", "data/folder.py is a folder, not a regular file")
    assert got("data/loop.py") == ("unreadable_code", "data/loop.py: Too many levels of symbolic links")
    # No path of this machine in the detail: the same export gives the same rejects in any checkout.
    assert got("data/dangling.py") == ("missing_code", "no file data/dangling.py or data/dangling in the code folder")
    assert got("data/" + "x" * 300 + ".py")[0] == "missing_code"

    # Export files: a FIFO is one special_file reject for every format, and never opened.
    os.mkfifo(tmp_path / "export.json")
    for read in (lambda p: jr.read_aoj(p), lambda p: jr.read_atcoder(p, "/"), lambda p: jr.read_codeforces(p, "/"),
                 jr.read_judge_jsonl):
        assert [i.reason for i in read(str(tmp_path / "export.json"))] == ["special_file"]
    os.mkfifo(tmp_path / "export.csv")
    assert [(i.reason, i.detail) for i in jr.read_atcoder(str(tmp_path / "export.csv"), "/")] == [
        ("special_file", "export.csv is a FIFO, not a regular file")]
    cn = write_codenet(tmp_path / "cn", [], {})
    os.mkfifo(cn / "metadata" / "p2.csv")
    (cn / "metadata" / "p3.csv").mkdir()
    (cn / "metadata" / "problem_list.csv").unlink()
    os.mkfifo(cn / "metadata" / "problem_list.csv")
    os.mkfifo(cn / "problem_descriptions")
    assert jr.codenet_problem_csvs(str(cn)) == ["p1.csv", "p2.csv", "p3.csv"]
    assert outcome(jr.read_codenet(str(cn))) == [("codenet:p2.csv", "!special_file"),
                                                 ("codenet:p3.csv", "!special_file")]
    assert outcome(jr.read_codenet_problem_list(str(cn))) == [("codenet:problem_list.csv", "!special_file")]
    assert jr.read_codenet_description(str(cn), "p1") is None


def test_description_that_is_special_or_escapes_is_none(tmp_path):
    root = write_codenet(tmp_path / "cn", [], {})
    (root / "problem_descriptions").mkdir()
    os.mkfifo(root / "problem_descriptions" / "p1.html")
    (tmp_path / "secret.html").write_text("<p>secret</p>")
    os.symlink(tmp_path / "secret.html", root / "problem_descriptions" / "p2.html")
    (root / "problem_descriptions" / "p3.html").write_text("<p>fine</p>")
    assert [jr.read_codenet_description(str(root), p) for p in ("p1", "p2", "p3")] == [None, None, "<p>fine</p>"]


def test_utf16_exports_are_one_malformed_file(tmp_path):
    line = '{"submission_id": "a", "problem_id": "p", "user_id": "u", "time": 1590969600, "language": "Python 3", ' \
           '"status": "AC", "code": "x"}\n'
    (tmp_path / "le.jsonl").write_bytes((line * 2).encode("utf-16-le"))
    (tmp_path / "bom.jsonl").write_bytes((line * 2).encode("utf-16"))
    (tmp_path / "be.jsonl").write_bytes((line * 2).encode("utf-16-be"))
    (tmp_path / "utf8.jsonl").write_bytes(b"\xef\xbb\xbf" + line.encode())
    for name in ("le", "bom", "be"):
        got = list(jr.read_judge_jsonl(str(tmp_path / f"{name}.jsonl")))
        assert [(i.reason, i.key, i.detail) for i in got] == [
            ("malformed_file", f"judge:{name}.jsonl", f"{name}.jsonl is UTF-16 text; exports are read as UTF-8")]
    assert outcome(jr.read_judge_jsonl(str(tmp_path / "utf8.jsonl"))) == [("a", AC)]
    root = write_codenet(tmp_path / "cn", [], {})
    (root / "metadata" / "p1.csv").write_bytes((HEADER + "\n").encode("utf-16"))
    assert outcome(jr.read_codenet(str(root))) == [("codenet:p1.csv", "!malformed_file")]
