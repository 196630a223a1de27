"""A fault corpus of judge exports, run through the real command line.

Every format (CodeNet, Aizu, AtCoder JSON and CSV, Codeforces, generic JSONL) is written broken in
every way we know of: CSV damage (unclosed quotes, wrong field counts, NUL bytes, a BOM, CRLF, an
empty file, a header alone, a repeated header, a line of a megabyte, UTF-16), repeated submission
ids (within a file, across problems' files, across inputs, identical or not), ids written as
floats, special files (FIFOs, sockets, folders) where code or an export belongs, code that cannot
be decoded, empty or huge code, missing code, paths that leave the input (`..` in ids, symlinks),
truncated JSON and JSON of the wrong shape. `run_pipeline.main` builds a corpus from it in-process.

For each run: exit code 0 (2 with one sentence for an input the user must fix), no traceback,
every stage balanced in the manifest, and every input row accounted for: the rejects read back
from Parquet are exactly the expected (stage, key, reason) rows, and the records exactly the
expected pairs. A row that vanished, or that a wrong reason caught, fails the comparison.
"""
from __future__ import annotations

import json
import os
import signal
import socket
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import run_pipeline

T0 = 1590969600
# Near dedup and decontamination compare samples with each other and with benchmarks: off, so the
# records out are exactly the pairs the judge source made (exact dedup stays on; codes differ).
ARGS = ["--preset", "none", "--no-report", "--set", "assembly.near_dedup.enabled=false",
        "--set", "assembly.decontamination.enabled=false"]
CODENET_HEADER = ("submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,cpu_time,"
                  "memory,code_size,accuracy")
ATCODER_HEADER = "id,epoch_second,problem_id,contest_id,user_id,language,point,length,result,execution_time"
READ, CODE, SEQUENCE, PAIR, METADATA = "judge.read", "judge.code", "judge.sequence", "judge.pair", "judge.metadata"


def code(sid: str) -> str:
    """Distinct, valid Python per submission, so exact dedup keeps every pair."""
    return f"n = int(input())\nprint(n * {sum(map(ord, sid))}, {sid!r})\n"


class Expected:
    """What the run must give: rejects as (stage, key, reason) with multiplicity, and pairs."""

    def __init__(self) -> None:
        self.rejects: Counter[tuple[str, str, str]] = Counter()
        self.pairs: set[tuple[str, str]] = set()

    def reject(self, stage: str, key: str, reason: str, times: int = 1) -> None:
        self.rejects[(stage, key, reason)] += times

    def code_fault(self, failing: str, accepted: str, reason: str) -> None:
        """A failing submission whose code cannot be had, then an Accepted: the failure goes at
        judge.code, and the Accepted, alone in its group, is an accepted_first_try at judge.pair."""
        self.reject(CODE, failing, reason)
        self.reject(PAIR, accepted, "accepted_first_try")


def mkfifo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def mksocket(path: Path) -> None:
    """A Unix socket at `path` (bound by a relative name: the absolute path may be too long)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(path.parent)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path.name)
        sock.close()
    finally:
        os.chdir(here)


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ------------------------------------------------------------------------------------------ CodeNet

def codenet_row(sid: str, user: str, t: int, status: str, problem: str = "p1", language: str = "Python") -> str:
    return f"{sid},{problem},{user},{T0 + t},{language},Python (3.8.2),py,{status},10,9000,20,1/4"


def build_codenet(root: Path, outside: Path, exp: Expected) -> None:
    data = root / "data" / "p1" / "Python"
    lines: list[str] = [CODENET_HEADER]

    def row(sid: str, user: str, t: int, status: str, text: str | None = "") -> str:
        if text is not None:
            write(data / f"{sid}.py", code(sid) if text == "" else text)
        lines.append(codenet_row(sid, user, t, status))
        return lines[-1]

    def line() -> str:
        return f"codenet:p1.csv:line {len(lines)}"

    row("s101", "u1", 1, "Wrong Answer")
    row("s102", "u1", 2, "Accepted")
    exp.pairs.add(("s101", "s102"))
    # An unclosed quote at the end of a row: that row alone is bad, the next rows are read.
    lines.append(codenet_row("s103", "u2", 1, "Wrong Answer")[:-3] + '"1/4')
    exp.reject(READ, line(), "bad_row")
    row("s104", "u2", 2, "Wrong Answer")
    row("s105", "u2", 3, "Accepted")
    exp.pairs.add(("s104", "s105"))
    lines.append("s106,p1,u3,1590969600,Python")                               # 5 fields of 12
    exp.reject(READ, "s106", "bad_row")
    lines.append(codenet_row("s107", "u3", 1, "Wrong\0Answer"))                  # a NUL byte
    exp.reject(READ, line(), "bad_row")
    lines.append(codenet_row("49265039.0", "u3", 1, "Accepted"))                 # an id through a float column
    exp.reject(READ, "49265039.0", "bad_row")
    lines.append(CODENET_HEADER)                                                 # two files joined
    exp.reject(READ, line(), "bad_row")
    lines.append(codenet_row("..", "u3", 1, "Accepted"))                         # an id that climbs out
    exp.reject(READ, line(), "path_escape")
    lines.append(codenet_row("s108", "u3", 1, "Accepted", language="../../etc"))  # a language that climbs out
    exp.reject(READ, "s108", "path_escape")
    lines.append(codenet_row("s109", "u3", 1, '"Accepted"!'))                    # text after a closing quote
    exp.reject(READ, line(), "bad_row")
    lines.append(codenet_row("s1xx", "u3", 1, "Accepted")[:-3] + "x" * (1 << 20))  # a line of a megabyte
    exp.reject(READ, line(), "bad_row")
    # The same id twice with different verdicts: neither copy can be trusted, and s112 closes the group.
    row("s110", "u4", 1, "Wrong Answer")
    row("s111", "u4", 2, "Runtime Error")
    row("s111", "u4", 3, "Accepted", text=None)
    exp.reject(READ, "s111", "duplicate_submission_id", 2)
    row("s112", "u4", 4, "Accepted")
    exp.pairs.add(("s110", "s112"))
    # The same row twice: one submission, read once.
    repeated = row("s113", "u5", 1, "Wrong Answer")
    lines.append(repeated)
    exp.reject(READ, "s113", "repeated_row")
    row("s114", "u5", 2, "Accepted")
    exp.pairs.add(("s113", "s114"))
    # An id that p2.csv uses too, for another problem: both copies go.
    row("s115", "u6", 1, "Wrong Answer")
    exp.reject(READ, "s115", "duplicate_submission_id", 2)
    # A JSONL export reusing the dataset name "codenet" gives s161 again with other code.
    row("s160", "u8", 1, "Wrong Answer")
    row("s161", "u8", 2, "Accepted")
    exp.reject(READ, "s161", "duplicate_submission_id", 2)
    exp.reject(SEQUENCE, "s160", "never_accepted")

    # Code files that are not code: each a failing submission, then an Accepted with good code.
    faults = []
    for n, (reason, make) in enumerate((
            ("special_file", lambda p: mkfifo(p)),
            ("special_file", lambda p: p.mkdir(parents=True)),
            ("special_file", lambda p: mksocket(p)),
            ("special_file", lambda p: (mkfifo(p.with_name("fifo-target")), os.symlink("fifo-target", p))),
            ("path_escape", lambda p: os.symlink(write(outside / "secret.py", "TOKEN = 1\n"), p)),
            ("path_escape", lambda p: os.symlink("/dev/zero", p)),
            ("unreadable_code", lambda p: os.symlink(p.name, p)),                  # a symlink loop
            ("undecodable_code", lambda p: write(p, "print('café')\n".encode("latin-1"))),
            ("undecodable_code", lambda p: write(p, "print('hello')\n".encode("utf-16-le"))),
            ("empty_code", lambda p: write(p, " \n\n")),
            ("code_too_large", lambda p: write(p, "x = 1\n" * 20_000)),            # 120,000 bytes
            ("missing_code", lambda p: None),
    )):
        failing, accepted = f"s2{n:02d}", f"s3{n:02d}"
        user = f"v{n}"
        row(failing, user, 1, "Wrong Answer", text=None)
        make(data / f"{failing}.py")
        row(accepted, user, 2, "Accepted")
        exp.code_fault(failing, accepted, reason)
        faults.append(failing)

    eol = "\r\n"
    write(root / "metadata" / "p1.csv", b"\xef\xbb\xbf" + (eol.join(lines) + eol).encode("utf-8"))
    # p2.csv: s115 for another problem; a row of p1's word for word (read once, from p1.csv); a pair.
    write(root / "metadata" / "p2.csv", "\n".join([
        CODENET_HEADER, codenet_row("s115", "u6", 2, "Accepted", problem="p2"), repeated,
        codenet_row("s150", "u7", 1, "Runtime Error", problem="p2"),
        codenet_row("s151", "u7", 2, "Accepted", problem="p2")]))                # no final line break
    exp.reject(READ, "s113", "repeated_row")
    for sid in ("s115", "s150", "s151"):
        write(root / "data" / "p2" / "Python" / f"{sid}.py", code(sid))
    exp.pairs.add(("s150", "s151"))
    write(root / "metadata" / "p3.csv", b"")                                     # empty: no header
    exp.reject(READ, "codenet:p3.csv", "bad_header")
    write(root / "metadata" / "p4.csv", CODENET_HEADER + "\n")                   # a header alone: no row
    utf16 = (CODENET_HEADER + "\n" + codenet_row("s170", "u9", 1, "Accepted")).encode("utf-16")
    write(root / "metadata" / "p6.csv", utf16)
    exp.reject(READ, "codenet:p6.csv", "malformed_file")
    write(root / "metadata" / "p8.csv", CODENET_HEADER + "\n" + codenet_row("s180", "u9", 1, "Accepted")[:30])
    exp.reject(READ, "s180", "bad_row")                                          # cut mid-row

    # problem_list.csv with a BOM and CRLF, an unclosed quote, a short row and a repeated id.
    plist = ["id,name,dataset,time_limit,memory_limit,rating,tags,complexity", "p1,Sum It,AtCoder,2000,1024,,,",
             'p3,"Broken,AtCoder,2000,1024,,,', "p4,Short", "p1,Again,AtCoder,2000,1024,,,",
             "p2,Count,AtCoder,2000,1024,,,"]
    write(root / "metadata" / "problem_list.csv", b"\xef\xbb\xbf" + ("\r\n".join(plist) + "\r\n").encode())
    exp.reject(METADATA, "codenet:problem_list.csv:line 3", "bad_row")
    exp.reject(METADATA, "codenet:problem_list.csv:line 4", "bad_row")
    exp.reject(METADATA, "p1", "duplicate_problem")
    # p1's statement is a FIFO (it would block the read): no statement; p2's escapes the folder.
    mkfifo(root / "problem_descriptions" / "p1.html")
    write(outside / "p2.html", "<p>a secret statement</p>")
    os.symlink(outside / "p2.html", root / "problem_descriptions" / "p2.html")


# --------------------------------------------------------------------------------------- Aizu, JSON

def aoj_element(judge_id: object, user: str, t: int, status: int, source: str | None = "") -> dict:
    row = {"judgeId": judge_id, "userId": user, "problemId": "ITP1_1_A", "submissionDate": (T0 + t) * 1000,
           "language": "Python3", "status": status, "cpuTime": 1, "memory": 5000, "codeSize": 10}
    if source is not None:
        row["sourceCode"] = code(str(judge_id)) if source == "" else source
    return row


def build_aoj(path: Path, code_dir: Path, exp: Expected) -> None:
    rows: list[object] = [aoj_element(3001, "a1", 1, 1), aoj_element(3002, "a1", 2, 4)]
    exp.pairs.add(("3001", "3002"))
    rows.append(aoj_element(3003.0, "a1", 3, 1))                  # a float id
    exp.reject(READ, "aoj:aoj.json:3", "bad_row")
    rows += [aoj_element(3004, "a2", 1, 7), aoj_element(3004, "a2", 2, 4)]
    exp.reject(READ, "3004", "duplicate_submission_id", 2)
    rows += [aoj_element(3005, "a3", 1, 1, source="  \n"), aoj_element(3006, "a3", 2, 4)]
    exp.code_fault("3005", "3006", "empty_code")
    rows += [aoj_element(3007, "a4", 1, 1, source="print(1)\0\n"), aoj_element(3008, "a4", 2, 4)]
    exp.code_fault("3007", "3008", "undecodable_code")
    rows.append(aoj_element("../../etc/passwd", "a5", 1, 1, source=None))
    exp.reject(READ, "../../etc/passwd", "path_escape")
    rows += [aoj_element(3009, "a6", 1, 1, source=None), aoj_element(3010, "a6", 2, 4)]
    mkfifo(code_dir / "3009.py")
    exp.code_fault("3009", "3010", "special_file")
    rows += [[1, 2], "text", None]
    for index in (13, 14, 15):
        exp.reject(READ, f"aoj:aoj.json:{index}", "bad_row")
    text = json.dumps(rows)[:-1] + ', {"judgeId": 3011, "userId": "a7", '      # cut in the middle of a row
    write(path, text)
    exp.reject(READ, "aoj:aoj.json", "malformed_file")


# ------------------------------------------------------------------------------------- AtCoder, CSV

def atcoder_line(sid: str, user: str, t: int, result: str) -> str:
    return f"{sid},{T0 + t},abc1_a,abc1,{user},Python (3.8.2),0.0,99,{result},20"


def build_atcoder_csv(path: Path, code_dir: Path, outside: Path, exp: Expected) -> None:
    lines = [ATCODER_HEADER]

    def add(sid: str, user: str, t: int, result: str, text: str | None = "") -> None:
        lines.append(atcoder_line(sid, user, t, result))
        if text is not None:
            write(code_dir / f"{sid}.py", code(sid) if text == "" else text)

    def line() -> str:
        return f"atcoder:atcoder.csv:line {len(lines)}"

    add("4001", "c1", 1, "WA")
    add("4002", "c1", 2, "AC")
    exp.pairs.add(("4001", "4002"))
    add("49265039.0", "c1", 3, "AC", text=None)                    # the float id
    exp.reject(READ, "49265039.0", "bad_row")
    lines.append(atcoder_line("4003", "c2", 1, "WA")[:-3] + ',"20')  # unclosed quote, 10 fields before it
    exp.reject(READ, line(), "bad_row")
    add("4004", "c2", 2, "WA")
    add("4005", "c2", 3, "AC")
    exp.pairs.add(("4004", "4005"))
    lines.append("4099,1590969600,abc1_a")
    exp.reject(READ, line(), "bad_row")
    lines.append(atcoder_line("4098", "c2", 1, "W\0A"))
    exp.reject(READ, line(), "bad_row")
    add("4006", "c3", 1, "RE")
    add("4006", "c3", 2, "AC", text=None)
    exp.reject(READ, "4006", "duplicate_submission_id", 2)
    add("4007", "c3", 3, "WA")
    exp.reject(SEQUENCE, "4007", "never_accepted")
    add("4008", "c4", 1, "WA", text=None)
    mkfifo(code_dir / "4008.py")
    add("4009", "c4", 2, "AC")
    exp.code_fault("4008", "4009", "special_file")
    add("4010", "c5", 1, "WA", text=None)
    os.symlink(write(outside / "4010.py", code("4010")), code_dir / "4010.py")
    add("4011", "c5", 2, "AC")
    exp.code_fault("4010", "4011", "path_escape")
    add("4012", "c6", 1, "WA", text=None)
    add("4013", "c6", 2, "AC")
    exp.code_fault("4012", "4013", "missing_code")
    write(path, "\r\n".join(lines) + "\r\n")


# -------------------------------------------------------------------------------- Codeforces, JSONL

def cf_element(sid: object, user: str, t: int, verdict: str) -> dict:
    return {"id": sid, "creationTimeSeconds": T0 + t, "problem": {"contestId": 1, "index": "A", "name": "Sum"},
            "author": {"members": [{"handle": user}]}, "programmingLanguage": "Python 3", "verdict": verdict}


def build_codeforces(path: Path, code_dir: Path, exp: Expected) -> None:
    rows: list[object] = [cf_element(6001, "d1", 1, "WRONG_ANSWER"), cf_element(6002, "d1", 2, "OK")]
    exp.pairs.add(("6001", "6002"))
    rows.append(5)
    exp.reject(READ, "codeforces:cf.json:3", "bad_row")
    rows.append({**cf_element(6090, "d1", 3, "OK"), "problem": "1A"})
    exp.reject(READ, "6090", "bad_row")
    rows.append(cf_element(6091.0, "d1", 3, "OK"))
    exp.reject(READ, "codeforces:cf.json:5", "bad_row")
    # The same submission as a number and as a string: one submission, read once.
    rows += [cf_element(6004, "d2", 1, "WRONG_ANSWER"), cf_element("6004", "d2", 1, "WRONG_ANSWER"),
             cf_element(6005, "d2", 2, "OK")]
    exp.reject(READ, "6004", "repeated_row")
    exp.pairs.add(("6004", "6005"))
    for sid in ("6001", "6002", "6004", "6005", "6007", "6009", "6011"):
        write(code_dir / f"{sid}.py", code(sid))
    rows += [cf_element(6006, "d3", 1, "WRONG_ANSWER"), cf_element(6007, "d3", 2, "OK")]
    (code_dir / "6006.py").mkdir()
    exp.code_fault("6006", "6007", "special_file")
    rows += [cf_element(6008, "d4", 1, "WRONG_ANSWER"), cf_element(6009, "d4", 2, "OK")]
    mksocket(code_dir / "6008.py")
    exp.code_fault("6008", "6009", "special_file")
    rows += [cf_element(6010, "d5", 1, "WRONG_ANSWER"), cf_element(6011, "d5", 2, "OK")]
    write(code_dir / "6010.py", b"\xff\xfep\x00r\x00i\x00n\x00t\x00")       # UTF-16 with its BOM
    exp.code_fault("6010", "6011", "undecodable_code")
    write(path, json.dumps({"status": "OK", "result": rows}))


def jsonl_line(sid: object, user: str, t: int, status: str, **more: object) -> str:
    row = {"submission_id": sid, "problem_id": "q1", "user_id": user, "time": T0 + t, "language": "Python 3",
           "status": status, "dataset": "school"}
    row.update(more)
    if "code" not in row and "code_path" not in row:
        row["code"] = code(str(sid))
    return json.dumps(row)


def build_jsonl(path: Path, outside: Path, exp: Expected) -> None:
    lines = [jsonl_line("j1", "w1", 1, "WA"), jsonl_line("j2", "w1", 2, "AC")]
    exp.pairs.add(("j1", "j2"))
    lines.append("[1, 2]")
    exp.reject(READ, "judge:judge.jsonl:line 3", "bad_row")
    lines.append(jsonl_line(7.0, "w1", 3, "AC"))
    exp.reject(READ, "judge:judge.jsonl:line 4", "bad_row")
    lines.append(jsonl_line("j3", "w1", 3, "AC", code_path="../outside/secret.py"))
    exp.reject(READ, "j3", "path_escape")
    lines += [jsonl_line("j4", "w2", 1, "WA", code_path="code/j4.py"), jsonl_line("j5", "w2", 2, "AC")]
    mkfifo(path.parent / "code" / "j4.py")
    exp.code_fault("j4", "j5", "special_file")
    lines += [jsonl_line("j6", "w3", 1, "WA", code_path="code/j6.py"), jsonl_line("j7", "w3", 2, "AC")]
    os.symlink(write(outside / "j6.py", code("j6")), path.parent / "code" / "j6.py")
    exp.code_fault("j6", "j7", "path_escape")
    lines += [jsonl_line("j8", "w4", 1, "WA", code=""), jsonl_line("j9", "w4", 2, "AC")]
    exp.code_fault("j8", "j9", "empty_code")
    lines.append(jsonl_line("s161", "u8", 2, "AC", problem_id="p1", dataset="codenet", code="print('other')\n"))
    lines.append('{"submission_id": "j10", "problem_id": "q1", "user_id": ')       # the last line cut short
    exp.reject(READ, "judge:judge.jsonl:line 13", "bad_row")
    write(path, "\n".join(lines))


# ------------------------------------------------------------------------------------------- checks

def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code_ = run_pipeline.main(argv)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text, text
    return code_, text


def check(out: Path, exp: Expected) -> dict:
    """The run's output against `exp`; the manifest's counts, balanced, for more checks."""
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    for stage, c in counts.items():
        assert c["in"] == c.get("kept", 0) + sum(v for k, v in c.items() if k not in ("in", "kept")), (stage, c)
    rejects = pq.read_table(out / "rejects").to_pylist()
    got = Counter((r["stage"], r["key"], r["reason"]) for r in rejects)
    assert got == exp.rejects
    # The counters agree with the rows: every reject counted once, under its reason.
    for stage in {s for s, _, _ in got}:
        reasons = Counter()
        for (s, _, reason), n in got.items():
            if s == stage:
                reasons[reason] += n
        assert {k: v for k, v in counts[stage].items() if k not in ("in", "kept")} == dict(reasons), stage
    records = pq.read_table(out / "data").to_pylist()
    assert {(r["submission_before"], r["submission_after"]) for r in records} == exp.pairs
    assert len(records) == len(exp.pairs)
    return manifest


def test_every_format_broken_every_way(tmp_path, capsys):
    exp = Expected()
    outside = tmp_path / "outside"
    outside.mkdir()
    build_codenet(tmp_path / "codenet", outside, exp)
    build_aoj(tmp_path / "aoj" / "aoj.json", tmp_path / "aoj" / "aoj_code", exp)
    build_atcoder_csv(tmp_path / "atcoder" / "atcoder.csv", tmp_path / "atcoder" / "code", outside, exp)
    build_codeforces(tmp_path / "cf" / "cf.json", tmp_path / "cf" / "code", exp)
    build_jsonl(tmp_path / "school" / "judge.jsonl", outside, exp)
    out = tmp_path / "out"
    status, text = run_cli([
        "--codenet", str(tmp_path / "codenet"), "--aoj", str(tmp_path / "aoj" / "aoj.json"),
        "--atcoder", str(tmp_path / "atcoder" / "atcoder.csv"), "--atcoder-code", str(tmp_path / "atcoder" / "code"),
        "--codeforces", str(tmp_path / "cf" / "cf.json"), "--codeforces-code", str(tmp_path / "cf" / "code"),
        "--judge-jsonl", str(tmp_path / "school" / "judge.jsonl"), "--output", str(out), *ARGS], capsys)
    assert status == 0, text
    manifest = check(out, exp)
    counts = manifest["counts"]
    # Rows read: each CSV or JSON row once, each file that cannot be read or parsed once.
    # CodeNet: p1.csv 23 rows and 12 code faults of 2, p2.csv 4, p3, p6 and p8 one each (p4 has none);
    # Aizu 15 elements and the cut; AtCoder 17 rows; Codeforces 14 elements; JSONL 13 lines.
    assert counts["judge.read"]["in"] == (23 + 24 + 4 + 3) + 16 + 17 + 14 + 13
    assert counts["judge.metadata"] == {"in": 5, "kept": 2, "bad_row": 2, "duplicate_problem": 1}
    records = {r["submission_after"]: r for r in pq.read_table(out / "data").to_pylist()}
    # The pair of the conflicting id is made of the copies that can be trusted, code included.
    assert records["s112"]["new_contents"] == code("s112") and records["s112"]["old_contents"] == code("s110")
    # No statement was read from the FIFO, nor through the symlink that leaves the folder.
    assert records["s102"]["instruction"] == "Fix this solution to Sum It: it gets Wrong Answer."
    assert records["s151"]["instruction"] == "Fix this solution to Count: it gets Runtime Error."


def test_more_json_shapes(tmp_path, capsys):
    """AtCoder as JSON (float and NaN ids, one id as a number and a string), and whole files of the
    wrong shape or encoding: each is one reject, and the run finishes."""
    exp = Expected()
    code_dir = tmp_path / "atcoder_code"
    rows: list[object] = []
    base = {"epoch_second": T0, "problem_id": "abc2_b", "contest_id": "abc2", "user_id": "e1",
            "language": "Python (3.8.2)", "point": 0, "length": 10, "execution_time": 20}

    def add(sid: object, user: str, t: int, result: str) -> None:
        rows.append({**base, "id": sid, "user_id": user, "epoch_second": T0 + t, "result": result})
        write(code_dir / f"{sid}.py", code(str(sid)))

    add(7001, "e1", 1, "WA")
    add(7002, "e1", 2, "AC")
    exp.pairs.add(("7001", "7002"))
    rows.append({**base, "id": 7003.0, "result": "AC"})
    exp.reject(READ, "atcoder:atcoder.json:3", "bad_row")
    rows.append({**base, "id": "7004.0", "result": "AC"})
    exp.reject(READ, "7004.0", "bad_row")
    rows.append({**base, "id": float("nan"), "result": "AC"})     # json.dumps writes NaN, json.loads reads it
    exp.reject(READ, "atcoder:atcoder.json:5", "bad_row")
    add(7005, "e2", 1, "WA")
    rows.append({**rows[-1], "id": "7005"})
    exp.reject(READ, "7005", "repeated_row")
    add(7006, "e2", 2, "AC")
    exp.pairs.add(("7005", "7006"))
    add(7007, "e3", 1, "RE")
    add(7007, "e3", 2, "AC")
    exp.reject(READ, "7007", "duplicate_submission_id", 2)
    rows.append(None)
    exp.reject(READ, "atcoder:atcoder.json:11", "bad_row")
    write(tmp_path / "atcoder.json", json.dumps(rows))
    write(tmp_path / "cf.json", json.dumps({"status": "OK", "result": {"id": 1}}))
    exp.reject(READ, "codeforces:cf.json", "malformed_file")
    write(tmp_path / "aoj.json", '"just a string"')
    exp.reject(READ, "aoj:aoj.json", "malformed_file")
    write(tmp_path / "judge.jsonl", (jsonl_line("z1", "w", 1, "WA") + "\n").encode("utf-16-le"))
    exp.reject(READ, "judge:judge.jsonl", "malformed_file")
    out = tmp_path / "out"
    status, text = run_cli([
        "--atcoder", str(tmp_path / "atcoder.json"), "--atcoder-code", str(code_dir),
        "--codeforces", str(tmp_path / "cf.json"), "--codeforces-code", str(code_dir),
        "--aoj", str(tmp_path / "aoj.json"), "--judge-jsonl", str(tmp_path / "judge.jsonl"),
        "--output", str(out), *ARGS], capsys)
    assert status == 0, text
    counts = check(out, exp)["counts"]
    assert counts["judge.read"] == {"in": 14, "kept": 4, "bad_row": 4, "repeated_row": 1,
                                    "duplicate_submission_id": 2, "malformed_file": 3}


def test_special_inputs_are_refused_in_one_sentence(tmp_path, capsys):
    """A FIFO given as an export or a code folder: exit 2 with one sentence, no pipeline, no hang."""
    mkfifo(tmp_path / "fifo")
    fifo = str(tmp_path / "fifo")
    write(tmp_path / "a.json", "[]")
    for argv, sentence in (
            (["--atcoder", fifo, "--atcoder-code", str(tmp_path)], f"the --atcoder file '{fifo}' is a FIFO"),
            (["--judge-jsonl", fifo], f"the --judge-jsonl file '{fifo}' is a FIFO"),
            (["--aoj", str(tmp_path / "a.json"), "--aoj-code", fifo], f"the --aoj-code folder '{fifo}' is a FIFO"),
            (["--codenet", fifo], f"the CodeNet folder '{fifo}' is a FIFO")):
        status, text = run_cli([*argv, "--output", str(tmp_path / "out"), *ARGS], capsys)
        assert status == 2, text
        errors = [line for line in text.splitlines() if line.startswith("repairpack: error:")]
        assert len(errors) == 1 and sentence in errors[0], text
        assert not (tmp_path / "out").exists()


def test_special_files_among_codenet_metadata(tmp_path, capsys):
    """A FIFO and a folder named like problem CSVs: each one special_file at judge.read, never
    opened, by the readers or by whatever fingerprints the inputs for the manifest. An alarm turns
    a hang into a failure."""
    exp = Expected()
    root = tmp_path / "codenet"
    write(root / "metadata" / "p1.csv", "\n".join([CODENET_HEADER, codenet_row("s1", "u1", 1, "Wrong Answer"),
                                                   codenet_row("s2", "u1", 2, "Accepted")]) + "\n")
    for sid in ("s1", "s2"):
        write(root / "data" / "p1" / "Python" / f"{sid}.py", code(sid))
    exp.pairs.add(("s1", "s2"))
    mkfifo(root / "metadata" / "p5.csv")
    exp.reject(READ, "codenet:p5.csv", "special_file")
    (root / "metadata" / "p7.csv").mkdir()
    exp.reject(READ, "codenet:p7.csv", "special_file")
    mkfifo(root / "metadata" / "notes.txt")

    def hung(*_: object) -> None:
        raise TimeoutError("the run blocked on a FIFO among the CodeNet metadata")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        status, text = run_cli(["--codenet", str(root), "--output", str(tmp_path / "out"), *ARGS], capsys)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert status == 0, text
    manifest = check(tmp_path / "out", exp)
    assert manifest["counts"]["judge.read"] == {"in": 4, "kept": 2, "special_file": 2}
