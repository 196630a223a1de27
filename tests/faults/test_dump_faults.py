"""A fault corpus of GitHub-dump exports, run through the real command line.

Rows that cannot be candidates (bad JSON, bytes that are not UTF-8, a line cut short, a row that is
not a record, paths and repository names that would climb out of a folder or a URL, NUL in a path,
modes that are no git mode, a missing column), candidates that are no edit (a chmod, a symlink, a
submodule, a type change, another extension), contents that cannot be had (a blob gone from the
repository, a sha naming a tree, a repository that does not exist, binary and Latin-1 contents), a
row given twice and a megabyte message. One in-process run of `run_pipeline.main`: exit 0, no
traceback, every stage balanced, and every row accounted for by the exact (stage, key, reason) rows.

Files that no row can come from are refused before the run, in one sentence and without hanging: a
FIFO, a truncated gzip file, a file that is not gzip, a Parquet file that is not Parquet.
"""
from __future__ import annotations

import dataclasses
import gzip
import json
import os
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.candidate import CANDIDATE_SCHEMA, CandidateCommit
from tests.faults.helpers import ARGS, rows, run
from tests.gitbuild import EXECUTABLE, SYMLINK, RepoBuilder

DUMP_STAGES = ("bigquery.read", "bigquery.commit", "bigquery.fetch")
REPO = "alice/proj"


def candidate(b: RepoBuilder, sha: str, path: str, **changes: object) -> CandidateCommit:
    c = b.repo[sha]
    parent = c.parents[0]
    found = CandidateCommit(
        commit=sha, parent=str(parent.id), old_path=path, new_path=path, old_sha1=str(parent.tree[path].id),
        new_sha1=str(c.tree[path].id), subject=c.message.split("\n", 1)[0], message=c.message,
        author_time_sec=c.author.time, committer_time_sec=c.committer.time, repos=[REPO], license="mit",
        author_name=c.author.name, author_email=c.author.email, old_mode=int(parent.tree[path].filemode),
        new_mode=int(c.tree[path].filemode))
    return dataclasses.replace(found, **changes)


def test_broken_exports_are_each_accounted_for_by_reason(tmp_path, capsys):
    served = tmp_path / "served"
    b = RepoBuilder(served / "alice" / "proj.git", bare=True)
    files = {"a.py": "a = 1\n", "run.py": "print(1)\n", "link.py": (SYMLINK, "a.py"), "b.py": "b = 1\n",
             "c.py": "c = 1\n", "notes.txt": "x\n"}
    b.commit(files, "Initial commit")
    c: dict[str, CandidateCommit] = {}
    files["a.py"] = "a = 2\n"
    c["fix"] = candidate(b, b.commit(files, "Fix the value of a"), "a.py")
    files["run.py"] = (EXECUTABLE, "print(1)\n")
    c["chmod"] = candidate(b, b.commit(files, "Make the runner executable"), "run.py")
    files["link.py"] = (SYMLINK, "b.py")
    c["symlink"] = candidate(b, b.commit(files, "Point the link elsewhere"), "link.py")
    files["notes.txt"] = "y\n"
    c["notes"] = candidate(b, b.commit(files, "Reword the notes"), "notes.txt")
    files["b.py"] = b"b = '\x00'\n"
    c["binary"] = candidate(b, b.commit(files, "Store b as bytes"), "b.py")
    files["c.py"] = "c = '\xe9'\n".encode("latin-1")
    c["latin1"] = candidate(b, b.commit(files, "Spell c in Latin-1"), "c.py")
    fix = c["fix"]
    c["submodule"] = dataclasses.replace(fix, commit="1" * 40, old_mode=0o160000, new_mode=0o160000)
    c["type_change"] = dataclasses.replace(fix, commit="2" * 40, new_mode=0o120000)
    c["gone_blob"] = dataclasses.replace(fix, commit="3" * 40, new_sha1="4" * 40)
    c["tree_sha"] = dataclasses.replace(fix, commit="5" * 40, new_sha1=str(b.repo[fix.commit].tree_id))
    c["gone_repo"] = dataclasses.replace(fix, commit="6" * 40, repos=["carol/deleted"])
    c["huge_message"] = dataclasses.replace(fix, commit="7" * 40, message="Fix the value of a\n\n" + "x" * 1_000_000)

    export = tmp_path / "export"
    export.mkdir()
    pq.write_table(pa.Table.from_pylist([dataclasses.asdict(v) for v in c.values()], schema=CANDIDATE_SCHEMA),
                   str(export / "part-0.parquet"))
    good = dataclasses.asdict(fix)
    lines = [
        json.dumps(good),  # the same row as in the Parquet file: one sample, the other an exact duplicate
        json.dumps({**good, "commit": "8" * 40, "old_path": "../../etc/passwd.py", "new_path": "../../etc/passwd.py"}),
        json.dumps({**good, "commit": "9" * 40, "old_path": "a\u0000.py", "new_path": "a\u0000.py"}),
        json.dumps({**good, "commit": "a" * 40, "repos": ["alice/.."]}),
        json.dumps({**good, "commit": "b" * 40, "new_mode": "rwxr-xr-x"}),
        json.dumps({k: v for k, v in {**good, "commit": "c" * 40}.items() if k != "old_mode"}),
        "",
        "[1, 2, 3]",
    ]
    data = "\n".join(lines).encode() + b"\n" + b'{"commit": "\xff"}\n' + json.dumps(good)[:40].encode()
    (export / "part-1.jsonl").write_bytes(data)  # its last line is cut short, with no newline

    out = tmp_path / "out"
    code, printed = run(capsys, ["--dump", str(export), "--output", str(out),
                                 "--set", f"fetch.clone_url=file://{served.as_posix()}/{{repo}}.git", *ARGS])
    assert code == 0, printed
    assert "Traceback" not in printed
    manifest = json.loads((out / "manifest.json").read_text())
    for stage, counts in manifest["counts"].items():
        assert counts.get("in", 0) == counts.get("kept", 0) + sum(
            v for k, v in counts.items() if k not in ("in", "kept")), stage
    jsonl = str(export / "part-1.jsonl")
    expected = Counter({
        ("bigquery.read", "8" * 40, "bad_path"): 1, ("bigquery.read", "9" * 40, "bad_path"): 1,
        ("bigquery.read", "a" * 40, "bad_repository"): 1, ("bigquery.read", "b" * 40, "bad_row"): 1,
        ("bigquery.read", "c" * 40, "missing_column"): 1, ("bigquery.read", jsonl, "bad_row"): 1,
        ("bigquery.read", jsonl, "bad_json"): 2,
        ("bigquery.commit", c["chmod"].commit, "mode_change_only"): 1,
        ("bigquery.commit", c["symlink"].commit, "symlink"): 1,
        ("bigquery.commit", c["notes"].commit, "not_python"): 1,
        ("bigquery.commit", "1" * 40, "submodule"): 1, ("bigquery.commit", "2" * 40, "type_change"): 1,
        ("bigquery.fetch", "3" * 40, "missing_blob"): 1, ("bigquery.fetch", "5" * 40, "missing_blob"): 1,
        ("bigquery.fetch", "6" * 40, "clone_failed"): 1, ("bigquery.fetch", c["binary"].commit, "binary_content"): 1,
        ("bigquery.fetch", c["latin1"].commit, "not_utf8"): 1,
    })
    rejected = rows(out / "rejects")
    assert Counter((r["stage"], r["key"], r["reason"]) for r in rejected if r["stage"] in DUMP_STAGES) == expected
    details = {(r["stage"], r["key"]): r["detail"] for r in rejected}
    assert details[("bigquery.read", "8" * 40)].startswith(
        "path '../../etc/passwd.py' has an empty, '.' or '..' part: git writes no such path")
    assert details[("bigquery.commit", c["chmod"].commit)] == "run.py: mode 100644 -> 100755"
    assert manifest["counts"]["bigquery.read"] == {"in": 21, "kept": 13, "bad_path": 2, "bad_repository": 1,
                                                   "bad_row": 2, "missing_column": 1, "bad_json": 2}
    # What passed the fetch: the fix twice (the same row: the same sample id) and the huge message over
    # the same contents; exact dedup keeps one of the three (the smallest id) and counts the other two.
    samples = rows(out / "data")
    assert [s["commit"] for s in samples] == ["7" * 40]
    assert len(samples[0]["message"]) == 1_000_020
    assert [r["reason"] for r in rejected if r["stage"] == "assembly.exact_dedup"] == ["exact_duplicate"] * 2


def test_files_no_row_can_come_from_are_refused_before_the_run(tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    whole = gzip.compress(b'{"commit": "x"}\n' * 1000)
    cases = {
        "cut.json.gz": (whole[: len(whole) // 2], "is a truncated gzip file (it ends inside its compressed data)"),
        "plain.json.gz": (b"not gzip\n", "is not a readable gzip file (Error -3 while decompressing data: "
                                         "incorrect header check)"),
        "fifo.parquet": (None, "is a FIFO (named pipe), not a regular file; an export is read from regular files only"),
    }
    for name, (content, sentence) in cases.items():
        path = folder / name
        if content is None:
            os.mkfifo(path)
        else:
            path.write_bytes(content)
        code, printed = run(capsys, ["--dump", str(path), "--output", str(tmp_path / "out"), *ARGS])
        assert code == 2 and "Traceback" not in printed, printed
        assert printed.strip() == f"repairpack: error: the dump file '{path}' {sentence}"
        os.remove(path)
    assert not (tmp_path / "out").exists()
    # A multi-member gzip file (concatenated streams, as some writers make) is whole.
    (folder / "two.json.gz").write_bytes(gzip.compress(b"\n") + gzip.compress(b"\n"))
    from beam_jobs.sources.dump.inputs import dump_inputs_problem

    assert dump_inputs_problem([str(folder / "two.json.gz")]) is None
