"""The GitHub-dump source end to end: export files -> clone fetch -> the commit filters -> the corpus.

Real parts only: repositories built with pygit2 and cloned over file:// URLs, the export written as
Parquet like BigQuery's, the command line run as a user runs it, the output read back with pyarrow.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pygit2
import pytest

import pyarrow as pa
import pyarrow.parquet as pq

from schemas.candidate import CANDIDATE_SCHEMA, CandidateCommit
from tests.fixtures.dump.make_dump_fixtures import write_json_lines, write_parquet
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import assert_balanced, manifest, read_rows, records, rejects
from tests.paths import ROOT



def _candidate(builder: RepoBuilder, sha: str, path: str, repos: list[str], license: str) -> CandidateCommit:
    c = builder.repo[sha]
    parent = c.parents[0]
    return CandidateCommit(commit=sha, parent=str(parent.id), old_path=path, new_path=path,
                           old_sha1=str(parent.tree[path].id), new_sha1=str(c.tree[path].id),
                           subject=c.message.split("\n", 1)[0], message=c.message,
                           author_time_sec=c.author.time, committer_time_sec=c.committer.time,
                           repos=repos, license=license, author_name=c.author.name, author_email=c.author.email,
                           old_mode=int(parent.tree[path].filemode), new_mode=int(c.tree[path].filemode))


def write_export(path: Path, rows: list[dict]) -> Path:
    """A Parquet export with the query's column types, as BigQuery's EXPORT DATA writes it."""
    pq.write_table(pa.Table.from_pylist(rows, schema=CANDIDATE_SCHEMA), str(path))
    return path


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, dict[str, CandidateCommit]]:
    """alice/calc served over file://, and an export of four candidates (one of them gone upstream)."""
    served = tmp_path / "served"
    b = RepoBuilder(served / "alice" / "calc.git", bare=True)
    doc = '"""Arithmetic for the calculator: every operation takes two numbers and returns one."""\n\n'
    files = {"calc/ops.py": doc + "def add(a, b):\n    return a - b\n",
             "calc/fmt.py": doc + "def show(x):\n    return str(x)\n"}
    b.commit(files, "Initial import of the calculator")
    out = {}
    files["calc/ops.py"] = doc + "def add(a, b):\n    return a + b\n"
    out["fix"] = _candidate(b, b.commit(files, "Fix the sign error in add\n\nIt subtracted."), "calc/ops.py",
                            ["alice/calc", "bob/calc"], "mit")
    files["calc/fmt.py"] = doc + "def show(x):\n    return repr(x)\n"
    out["copyleft"] = _candidate(b, b.commit(files, "Use repr for displayed values"), "calc/fmt.py",
                                 ["alice/calc"], "gpl-3.0")
    out["gone"] = dataclasses.replace(out["fix"], commit="e" * 40, old_sha1="1" * 40, new_sha1="2" * 40,
                                      repos=["carol/deleted"])
    rows = [dataclasses.asdict(c) for c in out.values()]
    (tmp_path / "export").mkdir()
    write_export(tmp_path / "export" / "part-0.parquet", rows)
    bad = dict(rows[0], commit="not a sha")
    write_json_lines(tmp_path / "export" / "part-1.json", [json.dumps(bad)])
    return served, out


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_dump_with_clone_fetch_builds_the_corpus_and_accounts_for_every_row(tmp_path, export):
    served, cands = export
    out = tmp_path / "out"
    proc = _run("--dump", str(tmp_path / "export" / "*"), "--fetch", "clone", "--output", str(out),
                "--set", f"fetch.clone_url=file://{served.as_posix()}/{{repo}}.git",
                "--set", "licenses.detector=text")
    assert proc.returncode == 0, proc.stderr
    m = manifest(out)
    counts = m["counts"]
    assert_balanced(counts)
    assert counts["bigquery.read"] == {"in": 4, "kept": 3, "bad_sha": 1}
    assert counts["bigquery.commit"] == {"in": 3, "kept": 3}
    assert counts["bigquery.fetch"] == {"in": 3, "kept": 2, "clone_failed": 1}
    assert counts["bigquery.filters"] == {"in": 2, "kept": 1, "license_not_allowed": 1}
    [row] = records(out)
    fix = cands["fix"]
    assert (row["source"], row["commit"], row["parent"], row["old_file"]) == (
        "commit", fix.commit, fix.parent, "calc/ops.py")
    assert row["old_contents"].endswith('one."""\n\ndef add(a, b):\n    return a - b\n')
    assert row["new_contents"].endswith('one."""\n\ndef add(a, b):\n    return a + b\n')
    assert row["instruction"] == "Fix the sign error in add"
    assert (row["repos"], row["group"], row["license"]) == (["alice/calc", "bob/calc"], "alice/calc", "mit")
    assert "-    return a - b\n+    return a + b" in row["diff"]
    dropped = rejects(out)
    assert dropped[("bigquery.fetch", "e" * 40)] == "clone_failed"
    assert dropped[("bigquery.filters", cands["copyleft"].commit)] == "license_not_allowed"
    assert [r["reason"] for r in read_rows(out / "rejects") if r["stage"] == "bigquery.read"] == ["bad_sha"]
    assert m["inputs"]["dump"] == [str(tmp_path / "export" / "*")]
    assert set(m["input_fingerprints"]["dump"][str(tmp_path / "export" / "*")]) == {
        str(tmp_path / "export" / "part-0.parquet"), str(tmp_path / "export" / "part-1.json")}


def test_dump_combines_with_git_in_one_run(tmp_path, export):
    served, _ = export
    repo = RepoBuilder(tmp_path / "local")
    # Long enough for strict's minimum pair size (175 characters, or 50 tokens with the tokenizer).
    doc = ('"""The starting value of the counter that every caller of this module increments, read once\n'
           'when the module is imported and never reset while the process lives."""\n\n')
    repo.commit({"m.py": doc + "x = 1\n"}, "Initial")
    repo.commit({"m.py": doc + "x = 0\n"}, "Fix the initial value of x")
    out = tmp_path / "out"
    proc = _run("--dump", str(tmp_path / "export"), "--git", str(tmp_path / "local"),
                "--output", str(out), "--set", f"fetch.clone_url=file://{served.as_posix()}/{{repo}}.git",
                "--set", "licenses.detector=text", "--set", "licenses.allow_list=any")
    assert proc.returncode == 0, proc.stderr
    counts = manifest(out)["counts"]
    assert_balanced(counts)
    assert counts["git.filters"]["kept"] == 1
    assert counts["bigquery.filters"]["kept"] == 2
    assert sorted(r["instruction"] for r in records(out)) == [
        "Fix the initial value of x", "Fix the sign error in add", "Use repr for displayed values"]
    summary = proc.stdout.splitlines()
    stages = [line.split()[0] for line in summary if line.startswith(("git.", "bigquery."))]
    assert stages.index("git.filters") < stages.index("bigquery.read") < stages.index("bigquery.fetch")


def test_dump_pattern_that_matches_nothing_is_one_sentence(tmp_path):
    proc = _run("--dump", str(tmp_path / "nothing" / "*.parquet"), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("repairpack: error:")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr
    assert "nothing" in errors[0]


def test_dump_with_raw_fetch_against_a_local_server(tmp_path, export):
    """--fetch raw: retries through a 429, a 404 and a changed file are rejects, the token never lands."""
    import os

    from tests.http_fixture import FixtureServer, Route

    served, cands = export
    repo = pygit2.Repository(str(served / "alice" / "calc.git"))
    token = "ghp_secret_token_for_test_0123456789"
    with FixtureServer() as server:
        fix = cands["fix"]
        server.add(f"/alice/calc/{fix.parent}/calc/ops.py",
                   Route(body=repo[fix.old_sha1].data, failures=[(429, {"Retry-After": "0"}), (500, {})]))
        server.add(f"/alice/calc/{fix.commit}/calc/ops.py", Route(body=repo[fix.new_sha1].data))
        changed = cands["copyleft"]
        server.add(f"/alice/calc/{changed.parent}/calc/fmt.py", Route(body=repo[changed.old_sha1].data))
        server.add(f"/alice/calc/{changed.commit}/calc/fmt.py", Route(body=b"# edited after the dump\n"))
        out = tmp_path / "out"
        env = {**os.environ, "GITHUB_TOKEN": token}
        proc = subprocess.run(
            [sys.executable, str(ROOT / "run_pipeline.py"), "--dump", str(tmp_path / "export" / "part-0.parquet"),
             "--fetch", "raw", "--output", str(out), "--set", f"fetch.raw_url={server.raw_template}",
             "--set", "fetch.backoff_base=0.01", "--set", "licenses.detector=text",
             "--set", "licenses.allow_list=any"],
            capture_output=True, text=True, cwd=ROOT, timeout=600, env=env)
        assert proc.returncode == 0, proc.stderr
        assert server.counts[f"/alice/calc/{fix.parent}/calc/ops.py"] == 3
        assert set(server.auth) == {f"Bearer {token}"}
    counts = manifest(out)["counts"]
    assert_balanced(counts)
    assert counts["bigquery.fetch"] == {"in": 3, "kept": 1, "missing_file": 1, "sha_mismatch": 1}
    assert [r["instruction"] for r in records(out)] == ["Fix the sign error in add"]
    dropped = rejects(out)
    assert dropped[("bigquery.fetch", "e" * 40)] == "missing_file"
    assert dropped[("bigquery.fetch", changed.commit)] == "sha_mismatch"
    for path in out.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    assert token not in proc.stdout + proc.stderr


def test_an_empty_export_succeeds_but_says_it_held_no_rows(tmp_path):
    import pyarrow.parquet as pq

    from schemas.candidate import CANDIDATE_SCHEMA

    empty = tmp_path / "empty.parquet"
    pq.write_table(CANDIDATE_SCHEMA.empty_table(), str(empty))
    proc = _run("--dump", str(empty), "--output", str(tmp_path / "out"), "--no-report")
    assert proc.returncode == 0, proc.stderr
    assert "0 samples (none)" in proc.stdout
    assert [line for line in proc.stderr.splitlines() if line.startswith("repairpack:")] == [
        "repairpack: warning: the GitHub dump input held no rows (check the --dump files or the query)"]


@pytest.mark.parametrize("name, content, expected", [
    ("corrupt.parquet", b"not parquet at all", "repairpack: error: the dump file '{path}' is not a readable Parquet file ("),
    ("corrupt.avro", b"not avro", "repairpack: error: the dump file '{path}' is not a readable Avro file ("),
])
def test_unreadable_export_files_stop_before_the_run(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    proc = _run("--dump", str(path), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith(expected.format(path=path))
    assert not (tmp_path / "out").exists()


def test_a_parquet_file_of_another_shape_stops_before_the_run(tmp_path):
    path = write_parquet(tmp_path / "other.parquet", [{"commit": "a" * 40, "repos": ["a/b"]}])
    proc = _run("--dump", str(path), "--output", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"repairpack: error: the dump file '{path}' lacks the column(s) parent, old_path, new_path, old_sha1, "
        "new_sha1, subject, message, author_time_sec, committer_time_sec, license, author_name, author_email, "
        "old_mode, new_mode; is it an export of the repairpack query (see --print-sql)?")
