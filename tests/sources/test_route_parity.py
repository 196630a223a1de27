"""One corpus from either route: the same history through `--git` and through `--dump`.

Two real repositories (alice/calc and its fork bob/calc) hold the commits worth comparing: ordinary
fixes, a chmod, a bot author, a subject with surrounding whitespace, the same change made in both
repositories (an exact-dedup cluster), a rename, a binary Python file, a non-Python edit, a binary
asset, a symlink, a merge, a root commit, an added file, a multi-file commit and messages failing the
filters. Their history is exported into the `github_repos` tables' shape (commits with `difference`,
licenses, languages) in DuckDB; the project's own query runs on them as tests/sources/dump/test_sql.py
runs it (sqlglot to DuckDB), and its result is written as a Parquet export. Then the real pipeline runs
on the repositories (`--git`) and on the export (`--dump`, contents cloned from the same repositories,
or fetched raw from a local HTTP server serving GitHub's raw URL shape), and the two outputs must hold
the same samples (every column) and the same rejects with the same reasons.

Stage names differ by route and map one to one (`STAGE_MAP`). Commits the query leaves out by design
(roots, merges, renames, added or several files, other extensions, the message rules it translates)
are seen by the git route only: each of them must be a git reject with one of those reasons, and the
list is checked by name for strict.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pygit2
import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from beam_jobs.pipeline import Inputs, run
from beam_jobs.sources.dump.sql import build_query, render_for_review
from config import build_config
from schemas.candidate import CANDIDATE_SCHEMA
from tests.gitbuild import EXECUTABLE, SYMLINK, Person, RepoBuilder
from tests.pipeline_helpers import BEAM_ARGS, assert_balanced, manifest, read_rows
from tests.sources.dump.test_sql import DATASET, PROJECT, SCHEMA

ALICE, BOB = "alice/calc", "bob/calc"
ADA = Person("Ada Lovelace", "ada@example.com")
BOT = Person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
MIT = ("MIT License\n\nCopyright (c) 2020 Ada Lovelace\n\n"
       "Permission is hereby granted, free of charge, to any person obtaining a copy of this software and "
       "associated documentation files (the \"Software\"), to deal in the Software without restriction, "
       "including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, "
       "and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, "
       "subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be "
       "included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", "
       "WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF "
       "MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR "
       "COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, "
       "TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS "
       "IN THE SOFTWARE.\n")

OPS_DOC = ('"""Arithmetic for the calculator: every operation takes two numbers and returns one number,\n'
           'and none of them keeps any state between calls."""\n\n\n')
ADD_BUGGY = "def add(a, b):\n    \"\"\"The sum of a and b.\"\"\"\n    return a - b\n"
ADD_FIXED = "def add(a, b):\n    \"\"\"The sum of a and b.\"\"\"\n    return a + b\n"
DIVIDE = "\n\ndef divide(a, b):\n    \"\"\"a divided by b.\"\"\"\n    return a / b\n"
DIVIDE_SAFE = ("\n\ndef divide(a, b):\n    \"\"\"a divided by b, or None when b is zero.\"\"\"\n"
               "    if b == 0:\n        return None\n    return a / b\n")
FMT_DOC = ('"""Formatting of calculator results for the terminal: one line per result, aligned so that\n'
           'columns of numbers read well."""\n\n\n')
SHOW_LEFT = "def show(value, width=10):\n    \"\"\"The value aligned in a field of the given width.\"\"\"\n    return str(value).ljust(width)\n"
SHOW_RIGHT = "def show(value, width=10):\n    \"\"\"The value aligned in a field of the given width.\"\"\"\n    return str(value).rjust(width)\n"
SHOW_REPR = "def show(value, width=10):\n    \"\"\"The value aligned in a field of the given width.\"\"\"\n    return repr(value).ljust(width)\n"
PARSE_DOC = ('"""Parsing of the numbers a user types: integers and decimals, with an optional sign, and\n'
             'nothing else."""\n\n\n')
PARSE_OLD = "def parse(text):\n    \"\"\"The number written in text.\"\"\"\n    return float(text)\n"
PARSE_NEW = "def parse(text):\n    \"\"\"The number written in text.\"\"\"\n    return float(text.strip())\n"
RUN = "import sys\n\nfrom calc.ops import add\n\nprint(add(*map(float, sys.argv[1:3])))\n"
DUPLICATE_TIME = 1_600_010_000

# The git route's stage -> the dump route's stage that decides the same question.
STAGE_MAP = {"git.commit": "bigquery.commit", "git.contents": "bigquery.fetch", "git.filters": "bigquery.filters"}
# What the query leaves out by design, with the reason the git route gives (sql.py's docstring).
QUERY_EXCLUDES = {("git.commit", r) for r in ("root_commit", "merge_commit", "rename", "multi_file", "added_file",
                                              "deleted_file", "not_python", "no_change")} | {
    ("git.filters", r) for r in ("message_too_short", "message_too_long", "message_denylisted", "merge_message",
                                 "license_not_allowed")}


def base_files() -> dict[str, Any]:
    return {"LICENSE": MIT, "README.md": "# calc\n\nA calculator.\n", "assets/logo.png": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "calc/ops.py": OPS_DOC + ADD_BUGGY + DIVIDE, "calc/fmt.py": FMT_DOC + SHOW_LEFT,
            "calc/parse.py": PARSE_DOC + PARSE_OLD, "calc/data.py": "TABLE = [1, 2, 3]\n", "tools/run.py": RUN,
            "calc/link.py": (SYMLINK, "ops.py")}


def shared_start(b: RepoBuilder, c: dict[str, str]) -> dict[str, Any]:
    """The commits a fork shares with its origin: the same calls on a fresh builder give the same shas."""
    files = base_files()
    c["root"] = b.commit(files, "Add the calculator package")
    files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE
    c["fix_add"] = b.commit(files, "Fix the sign error in the add function\n\nIt subtracted.\n")
    return files


def duplicate_fix(b: RepoBuilder, files: dict[str, Any]) -> str:
    """The same change in both repositories, at the same author time: an exact-dedup cluster whose
    survivor is chosen by sample id alone (same license, same time)."""
    files["calc/parse.py"] = PARSE_DOC + PARSE_NEW
    return b.write_commit(b.tree(files), "Strip surrounding whitespace before parsing numbers\n", ADA,
                          [b.tip("refs/heads/main")], author_time=DUPLICATE_TIME, ref="refs/heads/main")


def build_histories(root: Path) -> dict[str, str]:
    """alice/calc and its fork bob/calc as bare repositories at <root>/<owner>/<name>.git; name -> sha."""
    c: dict[str, str] = {}
    a = RepoBuilder(root / "alice" / "calc.git", bare=True)
    files = shared_start(a, c)
    files["tools/run.py"] = (EXECUTABLE, RUN)
    c["chmod"] = a.commit(files, "Make the runner script executable")
    files["calc/fmt.py"] = FMT_DOC + SHOW_REPR
    c["bot"] = a.commit(files, "Use repr for the displayed values\n", author=BOT.name, email=BOT.email)
    files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE_SAFE
    c["spaced"] = a.commit(files, "  Return None when the divisor is zero  \n\nDividing by zero raised.\n")
    files["README.rst"] = files.pop("README.md")
    c["rename"] = a.commit(files, "Rename the readme to reStructuredText")
    files["README.rst"] = "calc\n====\n\nA calculator for the terminal.\n"
    c["docs"] = a.commit(files, "Describe the calculator in the readme")
    files["assets/logo.png"] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10"
    c["png"] = a.commit(files, "Enlarge the logo of the calculator")
    files["calc/data.py"] = b"TABLE = b'\x00\x01\x02'\n"
    c["binary"] = a.commit(files, "Store the lookup table as raw bytes")
    files["calc/link.py"] = (SYMLINK, "fmt.py")
    c["symlink"] = a.commit(files, "Point the link at the formatting module")
    files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE_SAFE + "\n\nPI = 3.14159\n"
    c["wip"] = a.commit(files, "wip")
    files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE_SAFE + "\n\nPI = 3.1416\n"
    c["denied"] = a.commit(files, "updates\n")
    files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE_SAFE + "\n\nPI = 3.141592653589793\n"
    c["vague"] = a.commit(files, "fixed stuff")
    files["calc/fmt.py"] = FMT_DOC + SHOW_LEFT.replace("10", "12")
    files["tools/run.py"] = (EXECUTABLE, RUN.replace("1:3", "1:"))
    c["multi"] = a.commit(files, "Widen the output and add every argument")
    files["calc/extra.py"] = "EXTRA = 1\n"
    c["added"] = a.commit(files, "Add an extra module for later use")
    c["dup_alice"] = duplicate_fix(a, files)
    side = dict(files, **{"calc/fmt.py": FMT_DOC + SHOW_RIGHT})
    c["side"] = a.commit(side, "Align the displayed values to the right edge", parents=[c["dup_alice"]],
                         ref="refs/heads/side")
    main = dict(files, **{"calc/data.py": b"TABLE = b'\x00\x01\x02\x03'\n"})
    c["main2"] = a.commit(main, "Append a fourth entry to the lookup table")
    c["merge"] = a.commit(dict(main, **{"calc/fmt.py": FMT_DOC + SHOW_RIGHT}), "Merge branch 'side'",
                          parents=[c["main2"], c["side"]])

    fork: dict[str, str] = {}
    b = RepoBuilder(root / "bob" / "calc.git", bare=True)
    bob_files = shared_start(b, fork)
    assert fork == {"root": c["root"], "fix_add": c["fix_add"]}, "a fork shares its origin's commits"
    c["dup_bob"] = duplicate_fix(b, bob_files)
    assert c["dup_bob"] != c["dup_alice"]
    bob_files["calc/ops.py"] = OPS_DOC + ADD_FIXED + DIVIDE.replace("a / b", "a // b").replace("divided", "floor-divided")
    c["bob_divide"] = b.commit(bob_files, "Use floor division in the divide helper")
    return c


# ------------------------------------------------------------------------------------ the dump

def _difference(repo: pygit2.Repository, commit: pygit2.Commit) -> list[dict[str, Any]]:
    """The commit's file changes against its first parent (all files added for a root), renames
    detected, in the `difference` shape of github_repos.commits."""
    flags = pygit2.enums.DiffOption.INCLUDE_TYPECHANGE
    if commit.parents:
        diff = repo.diff(commit.parents[0].tree, commit.tree, flags=flags)
    else:
        diff = commit.tree.diff_to_tree(swap=True, flags=flags)
    diff.find_similar()
    out = []
    for d in diff.deltas:
        added, deleted = d.status == pygit2.enums.DeltaStatus.ADDED, d.status == pygit2.enums.DeltaStatus.DELETED
        out.append({"old_mode": None if added else int(d.old_file.mode),
                    "new_mode": None if deleted else int(d.new_file.mode),
                    "old_path": None if added else d.old_file.path, "new_path": None if deleted else d.new_file.path,
                    "old_sha1": None if added else str(d.old_file.id), "new_sha1": None if deleted else str(d.new_file.id),
                    "old_repo": None, "new_repo": None})
    return out


def _person(sig: pygit2.Signature) -> dict[str, Any]:
    return {"name": sig.name, "email": sig.email, "time_sec": sig.time, "tz_offset": sig.offset,
            "date": {"seconds": sig.time, "nanos": 0}}


def github_repos_tables(root: Path, names: list[str]) -> duckdb.DuckDBPyConnection:
    """Every commit reachable from every branch of the repositories, once, with the names of all
    repositories that hold it (as GitHub's dataset lists forks), plus the licenses and languages."""
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        repo = pygit2.Repository(str(root / f"{name}.git"))
        tips = [repo.references[r].target for r in repo.references if r.startswith("refs/heads/")]
        walker = repo.walk(tips[0])
        for tip in tips[1:]:
            walker.push(tip)
        for commit in walker:
            sha = str(commit.id)
            if sha in rows:
                rows[sha]["repo_name"].append(name)
                continue
            message = commit.message
            rows[sha] = {"commit": sha, "tree": str(commit.tree_id), "parent": [str(p) for p in commit.parent_ids],
                         "author": _person(commit.author), "committer": _person(commit.committer),
                         # GitHub's subject column: the first line, as written (not stripped).
                         "subject": message.split("\n", 1)[0], "message": message, "trailer": [],
                         "difference": _difference(repo, commit), "difference_truncated": None,
                         "repo_name": [name], "encoding": None}
    con = duckdb.connect()
    con.execute(f'ATTACH \':memory:\' AS "{PROJECT}"')
    con.execute(f'CREATE SCHEMA "{PROJECT}".{DATASET}')
    for table, columns in SCHEMA.items():
        con.execute(f'CREATE TABLE "{PROJECT}".{DATASET}.{table} ({columns})')
    cols = list(next(iter(rows.values())))
    for row in rows.values():
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.commits VALUES ({", ".join("?" * len(cols))})',
                    [row[c] for c in cols])
    for name in names:
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.licenses VALUES (?, ?)', [name, "mit"])
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.languages VALUES (?, ?)',
                    [name, [{"name": "Python", "bytes": 2000}, {"name": "reStructuredText", "bytes": 40}]])
    return con


def export_query(con: duckdb.DuckDBPyConnection, preset: str, path: Path) -> list[dict[str, Any]]:
    """The project's query for `preset`, run as test_sql runs it, written as BigQuery's Parquet export."""
    sql, params = build_query(build_config(preset))
    [duck] = sqlglot.transpile(render_for_review(sql, params), read="bigquery", write="duckdb")
    cursor = con.execute(duck)
    names = [d[0] for d in cursor.description]
    rows = sorted((dict(zip(names, r)) for r in cursor.fetchall()), key=lambda r: r["commit"])
    assert tuple(names) == tuple(CANDIDATE_SCHEMA.names)
    pq.write_table(pa.Table.from_pylist(rows, schema=CANDIDATE_SCHEMA), str(path))
    return rows


# ------------------------------------------------------------------------------------- running

def run_route(out: Path, preset: str, inputs: Inputs, **overrides: Any) -> dict[str, Any]:
    config = build_config(preset, overrides={"licenses.detector": "text", **overrides})
    return run(inputs, config, str(out), BEAM_ARGS)


def samples(out: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in read_rows(out / "data")}


def reject_reasons(out: Path) -> dict[tuple[str, str], str]:
    """{(stage in git's names, key): reason}: git.repository rows (keyed by the spec) left out."""
    back = {v: k for k, v in STAGE_MAP.items()}
    return {(back.get(r["stage"], r["stage"]), r["key"]): r["reason"] for r in read_rows(out / "rejects")
            if r["stage"] != "git.repository"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("parity")
    served = root / "served"
    commits = build_histories(served)
    con = github_repos_tables(served, [ALICE, BOB])
    exports = {}
    for preset in ("strict", "commitpackft"):
        (root / preset).mkdir()
        exports[preset] = (root / preset / "export.parquet", export_query(con, preset, root / preset / "export.parquet"))
    con.close()
    git_specs = [f"{served / 'alice' / 'calc.git'}={ALICE}", f"{served / 'bob' / 'calc.git'}={BOB}"]
    return {"root": root, "served": served, "commits": commits, "exports": exports, "git": git_specs}


def compare_routes(world: dict[str, Any], preset: str, git_out: Path, dump_out: Path) -> dict[str, Any]:
    """The assertions every pair of runs must pass; returns what the callers check further."""
    c = world["commits"]
    names = {sha: name for name, sha in c.items()}
    export_path, rows = world["exports"][preset]
    exported = {r["commit"] for r in rows}
    for out in (git_out, dump_out):
        assert_balanced(manifest(out)["counts"])

    # The same samples, every column (ids, before/after, message, diff, instruction, split, ...).
    git_samples, dump_samples = samples(git_out), samples(dump_out)
    assert git_samples and sorted(git_samples) == sorted(dump_samples)
    for sid, row in git_samples.items():
        assert dump_samples[sid] == row, names.get(row["commit"])

    # The same rejects with the same reasons, for every commit the dump route sees.
    git_rejects, dump_rejects = reject_reasons(git_out), reject_reasons(dump_out)
    seen_by_git = set(c.values())
    assert exported <= seen_by_git
    only_git = {key: reason for key, reason in git_rejects.items()
                if key[0].startswith("git.") and key[1] not in exported}
    assert {key: reason for key, reason in git_rejects.items() if key not in only_git} == dump_rejects
    # Commits the query leaves out are git rejects for a reason the query applies, and nothing else.
    assert {(stage, reason) for (stage, _), reason in only_git.items()} <= QUERY_EXCLUDES
    missing = {names[sha] for sha in seen_by_git - exported}
    assert missing == {names[key] for _, key in only_git}, "a commit the dump lacks must be a git reject"
    assert manifest(dump_out)["counts"]["bigquery.read"] == {"in": len(rows), "kept": len(rows)}
    return {"only_git": {names[k]: (s, r) for (s, k), r in only_git.items()},
            "rejects": {names.get(k, k): (s, r) for (s, k), r in git_rejects.items() if k in names},
            "samples": {names[r["commit"]] for r in git_samples.values()},
            "exact_dedup": [k for (s, k), r in git_rejects.items() if s == "assembly.exact_dedup"]}


# The query leaves these out under strict, and the git route says why.
STRICT_ONLY_GIT = {
    "root": ("git.commit", "root_commit"), "merge": ("git.commit", "merge_commit"),
    "rename": ("git.commit", "rename"), "multi": ("git.commit", "multi_file"), "added": ("git.commit", "added_file"),
    "docs": ("git.commit", "not_python"), "png": ("git.commit", "not_python"),
    "wip": ("git.filters", "message_too_short"), "denied": ("git.filters", "message_denylisted"),
}


def test_strict_git_and_dump_by_clone_give_one_corpus(world: dict[str, Any]) -> None:
    root = world["root"]
    export_path, _ = world["exports"]["strict"]
    run_route(root / "strict" / "git", "strict", Inputs(git=world["git"]))
    run_route(root / "strict" / "clone", "strict", Inputs(dump=[str(export_path)]), **{
        "fetch.mode": "clone", "fetch.clone_url": f"file://{world['served'].as_posix()}/{{repo}}.git"})
    got = compare_routes(world, "strict", root / "strict" / "git", root / "strict" / "clone")

    assert got["only_git"] == STRICT_ONLY_GIT
    # Every case the issue found, now the same on both routes (reasons in git's stage names).
    assert got["rejects"]["chmod"] == ("git.commit", "mode_change_only")
    assert got["rejects"]["symlink"] == ("git.commit", "symlink")
    assert got["rejects"]["bot"] == ("git.filters", "bot_author")
    assert got["rejects"]["binary"] == ("git.contents", "binary_content")
    assert got["rejects"]["main2"] == ("git.contents", "binary_content")
    assert got["rejects"]["vague"][0] == "git.filters"
    assert {"fix_add", "spaced", "side", "bob_divide"} <= got["samples"]
    spaced = next(r for r in samples(root / "strict" / "clone").values() if r["commit"] == world["commits"]["spaced"])
    assert spaced["subject"] == "Return None when the divisor is zero"
    fork = next(r for r in samples(root / "strict" / "clone").values() if r["commit"] == world["commits"]["fix_add"])
    assert fork["repos"] == [ALICE, BOB]
    # The duplicate change: one member survives, the same one on both routes (ids do not name the route).
    assert len({"dup_alice", "dup_bob"} & got["samples"]) == 1 and len(got["exact_dedup"]) == 1


def test_commitpackft_git_and_dump_by_clone_give_one_corpus(world: dict[str, Any]) -> None:
    root = world["root"]
    export_path, _ = world["exports"]["commitpackft"]
    run_route(root / "commitpackft" / "git", "commitpackft", Inputs(git=world["git"]))
    run_route(root / "commitpackft" / "clone", "commitpackft", Inputs(dump=[str(export_path)]), **{
        "fetch.mode": "clone", "fetch.clone_url": f"file://{world['served'].as_posix()}/{{repo}}.git"})
    got = compare_routes(world, "commitpackft", root / "commitpackft" / "git", root / "commitpackft" / "clone")
    assert got["rejects"]["chmod"] == ("git.commit", "mode_change_only")
    assert "bot" not in got["rejects"]  # commitpackft keeps bot authors, on both routes


def test_strict_dump_by_raw_fetch_gives_the_same_corpus(world: dict[str, Any]) -> None:
    """GitHub's raw URL shape (/{repo}/{commit}/{path}) served from the same repositories on 127.0.0.1."""
    from tests.http_fixture import FixtureServer, Route

    root = world["root"]
    git_out = root / "strict" / "git"
    if not (git_out / "manifest.json").exists():
        run_route(git_out, "strict", Inputs(git=world["git"]))
    export_path, rows = world["exports"]["strict"]
    with FixtureServer() as server:
        for name in (ALICE, BOB):
            repo = pygit2.Repository(str(world["served"] / f"{name}.git"))
            for row in rows:
                for sha in (row["commit"], row["parent"]):
                    if sha in repo and row["new_path"] in repo[sha].tree:
                        server.add(f"/{name}/{sha}/{row['new_path']}", Route(body=repo[sha].tree[row["new_path"]].data))
        run_route(root / "strict" / "raw", "strict", Inputs(dump=[str(export_path)]), **{
            "fetch.mode": "raw", "fetch.raw_url": server.raw_template, "fetch.rate_limit": 0})
        # A chmod is rejected before fetching: the raw host is never asked for it.
        assert not [p for p in server.counts if p.endswith("/tools/run.py")]
    compare_routes(world, "strict", git_out, root / "strict" / "raw")
