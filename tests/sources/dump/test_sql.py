"""The BigQuery query, tested by running it: transpiled with sqlglot to DuckDB, over fixture tables
with the real `bigquery-public-data.github_repos` schema (nested records, repeated fields that are
never NULL), the project attached as a database of its own name.
"""
from __future__ import annotations

import hashlib

import pytest

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

from beam_jobs.sources.dump.sql import (PY_WHITESPACE, SAMPLE_HASH_RANGE, build_query, query_parameter_types,
                                    render_for_review)
from config import build_config

PROJECT = "bigquery-public-data"
DATASET = "github_repos"

PERSON = "STRUCT(name VARCHAR, email VARCHAR, time_sec BIGINT, tz_offset BIGINT, date STRUCT(seconds BIGINT, nanos BIGINT))"
DIFF = ("STRUCT(old_mode BIGINT, new_mode BIGINT, old_path VARCHAR, new_path VARCHAR, old_sha1 VARCHAR, "
        "new_sha1 VARCHAR, old_repo VARCHAR, new_repo VARCHAR)")
SCHEMA = {
    "commits": f"""commit VARCHAR, tree VARCHAR, parent VARCHAR[], author {PERSON}, committer {PERSON},
        subject VARCHAR, message VARCHAR, trailer STRUCT(key VARCHAR, value VARCHAR, email VARCHAR)[],
        difference {DIFF}[], difference_truncated BOOLEAN, repo_name VARCHAR[], encoding VARCHAR""",
    "licenses": "repo_name VARCHAR, license VARCHAR",
    "languages": "repo_name VARCHAR, language STRUCT(name VARCHAR, bytes BIGINT)[]",
}

GOOD_MESSAGE = "Fix the off-by-one error in the parser\n\nLonger body.\n"


def sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def person(time_sec: int) -> dict:
    return {"name": "Ada", "email": "ada@example.com", "time_sec": time_sec, "tz_offset": 0,
            "date": {"seconds": time_sec, "nanos": 0}}


def diff(old_path: str | None, new_path: str | None, tag: str = "") -> dict:
    return {"old_mode": 33188, "new_mode": 33188, "old_path": old_path, "new_path": new_path,
            "old_sha1": sha("old" + tag + str(old_path)), "new_sha1": sha("new" + tag + str(new_path)),
            "old_repo": None, "new_repo": None}


def commit(name: str, repos: list[str], *, differences: list[dict] | None = None, message: str = GOOD_MESSAGE,
           truncated: bool | None = None, parents: int = 1) -> dict:
    return {
        "commit": sha(name), "tree": sha("tree" + name), "parent": [sha(f"parent{i}" + name) for i in range(parents)],
        "author": person(1_600_000_000), "committer": person(1_600_000_100),
        "subject": message.strip().splitlines()[0] if message.strip() else "", "message": message,
        "trailer": [], "difference": differences if differences is not None else [diff("pkg/mod.py", "pkg/mod.py", name)],
        "difference_truncated": truncated, "repo_name": repos, "encoding": None,
    }


LICENSES = {"a/mit": "mit", "b/fork": "apache-2.0", "c/gpl": "gpl-3.0", "d/nopy": "mit", "e/other": "mit"}
LANGUAGES = {
    "a/mit": [("Python", 1000), ("Shell", 10)], "b/fork": [("Python", 900)], "c/gpl": [("Python", 50)],
    "d/nopy": [("JavaScript", 5000)], "e/other": [("C", 1), ("Python", 2)],
}

COMMITS = {
    "good": commit("good", ["a/mit"]),
    "multi": commit("multi", ["a/mit"], differences=[diff("a.py", "a.py"), diff("b.py", "b.py")]),
    "rename": commit("rename", ["a/mit"], differences=[diff("old.py", "new.py")]),
    "added": commit("added", ["a/mit"], differences=[diff(None, "new.py")]),
    "truncated": commit("truncated", ["a/mit"], truncated=True),
    "not_truncated": commit("not_truncated", ["a/mit"], truncated=False),
    "notpy": commit("notpy", ["a/mit"], differences=[diff("README.md", "README.md")]),
    "pyc": commit("pyc", ["a/mit"], differences=[diff("mod.pyc", "mod.pyc")]),
    "gpl": commit("gpl", ["c/gpl"]),
    "nopy": commit("nopy", ["d/nopy"]),
    "fork": commit("fork", ["b/fork", "a/mit"]),
    "fork_gpl": commit("fork_gpl", ["c/gpl", "a/mit"]),
    "short": commit("short", ["a/mit"], message="  Fix\n"),
    "six": commit("six", ["a/mit"], message="\u3000Fixes!\n\t\x1c"),
    "five": commit("five", ["a/mit"], message="\u2028Fixed\u2028\n"),
    "denied": commit("denied", ["a/mit"], message="Update README\n"),
    "denied_quote": commit("denied_quote", ["a/mit"], message="Can't you see I'm updating the time?"),
    "merge": commit("merge", ["a/mit"], message="Merge branch 'main' into feature\n"),
    "two_parents": commit("two_parents", ["a/mit"], parents=2),
    "root": commit("root", ["a/mit"], parents=0),
    "empty_diff": commit("empty_diff", ["a/mit"], differences=[]),
    "other_repo": commit("other_repo", ["e/other"]),
    # A NULL message with a good subject: the rules judge the subject, as the Python side does.
    "null_message": {**commit("null_message", ["a/mit"]), "message": None,
                     "subject": "Fix the crash of the parser on empty input"},
    "chmod": commit("chmod", ["a/mit"], differences=[
        {**diff("run.py", "run.py", "chmod"), "new_mode": 0o100755, "new_sha1": diff("run.py", "run.py", "chmod")["old_sha1"]}]),
    "symlink": commit("symlink", ["a/mit"], differences=[{**diff("ln.py", "ln.py"), "old_mode": 0o120000,
                                                           "new_mode": 0o120000}]),
    "bot": {**commit("bot", ["a/mit"]), "author": {**person(1_600_000_000), "name": "dependabot[bot]"}},
}


@pytest.fixture(scope="module")
def db():
    con = duckdb.connect()
    con.execute(f'ATTACH \':memory:\' AS "{PROJECT}"')
    con.execute(f'CREATE SCHEMA "{PROJECT}".{DATASET}')
    for table, columns in SCHEMA.items():
        con.execute(f'CREATE TABLE "{PROJECT}".{DATASET}.{table} ({columns})')
    cols = ["commit", "tree", "parent", "author", "committer", "subject", "message", "trailer", "difference",
            "difference_truncated", "repo_name", "encoding"]
    for row in COMMITS.values():
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.commits VALUES ({", ".join("?" * len(cols))})',
                    [row[c] for c in cols])
    for repo, key in LICENSES.items():
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.licenses VALUES (?, ?)', [repo, key])
    for repo, langs in LANGUAGES.items():
        con.execute(f'INSERT INTO "{PROJECT}".{DATASET}.languages VALUES (?, ?)',
                    [repo, [{"name": n, "bytes": b} for n, b in langs]])
    yield con
    con.close()


def run(db, preset: str = "strict", overrides: dict | None = None, **kwargs) -> dict[str, dict]:
    sql, params = build_query(build_config(preset, overrides=overrides), **kwargs)
    duck = sqlglot.transpile(render_for_review(sql, params), read="bigquery", write="duckdb")
    assert len(duck) == 1
    cursor = db.execute(duck[0])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    by_sha = {r["commit"]: r for r in rows}
    assert len(by_sha) == len(rows), "a commit appears twice"
    return {name: by_sha[c["commit"]] for name, c in COMMITS.items() if c["commit"] in by_sha} | (
        {"__order__": [r["commit"] for r in rows]})


def kept(result: dict) -> set[str]:
    return {k for k in result if k != "__order__"}


def test_the_good_commit_is_kept_with_every_output_column(db):
    row = run(db)["good"]
    c = COMMITS["good"]
    assert list(row) == ["commit", "parent", "old_path", "new_path", "old_sha1", "new_sha1", "subject", "message",
                         "author_time_sec", "committer_time_sec", "repos", "license", "author_name", "author_email",
                         "old_mode", "new_mode"]
    assert row["parent"] == c["parent"][0]
    assert row["old_path"] == row["new_path"] == "pkg/mod.py"
    assert (row["old_sha1"], row["new_sha1"]) == (c["difference"][0]["old_sha1"], c["difference"][0]["new_sha1"])
    assert row["subject"] == "Fix the off-by-one error in the parser"
    assert row["message"] == GOOD_MESSAGE
    assert (row["author_time_sec"], row["committer_time_sec"]) == (1_600_000_000, 1_600_000_100)
    assert row["repos"] == ["a/mit"]
    assert row["license"] == "mit"
    # Carried for the rules the pipeline applies as on the git route (bot authors, chmod, symlinks).
    assert (row["author_name"], row["author_email"]) == ("Ada", "ada@example.com")
    assert (row["old_mode"], row["new_mode"]) == (0o100644, 0o100644)


def test_a_chmod_and_a_symlink_pass_the_query_to_be_counted_by_the_pipeline(db):
    """The query leaves them in, so the stage bigquery.commit can give them the git source's reasons
    (mode_change_only, symlink) instead of dropping them where no count sees them."""
    result = run(db)
    assert (result["chmod"]["old_mode"], result["chmod"]["new_mode"]) == (0o100644, 0o100755)
    assert result["chmod"]["old_sha1"] == result["chmod"]["new_sha1"]
    assert (result["symlink"]["old_mode"], result["symlink"]["new_mode"]) == (0o120000, 0o120000)
    assert result["bot"]["author_name"] == "dependabot[bot]"


def test_every_query_row_is_a_valid_candidate(db):
    """The export of this query is what `--dump` reads: its columns are the candidate schema."""
    from schemas.candidate import CANDIDATE_COLUMNS, candidate_from_row

    result = run(db)
    rows = [result[name] for name in sorted(kept(result))]
    assert rows and all(tuple(r) == CANDIDATE_COLUMNS for r in rows)
    good = candidate_from_row(result["good"])
    assert (good.commit, good.repos, good.license, good.author_time_sec) == (
        COMMITS["good"]["commit"], ["a/mit"], "mit", 1_600_000_000)
    assert [candidate_from_row(r).commit for r in rows] == [r["commit"] for r in rows]


def test_strict_keeps_exactly_the_expected_commits(db):
    assert kept(run(db)) == {"good", "not_truncated", "fork", "fork_gpl", "six", "other_repo", "null_message",
                             "chmod", "symlink", "bot"}


def test_null_message_falls_back_to_the_subject_in_sql_and_in_python(db):
    from beam_jobs.sources.commits import to_commit_record
    from schemas.candidate import candidate_from_row

    row = run(db)["null_message"]
    assert row["message"] is None
    record = to_commit_record(candidate_from_row(row), "a", "b", source="bigquery")
    assert record.message == record.subject == "Fix the crash of the parser on empty input"


@pytest.mark.parametrize("name", ["multi", "rename", "added", "truncated", "notpy", "pyc", "nopy",
                                  "two_parents", "root", "empty_diff"])
def test_structural_rejects_are_dropped_under_every_preset(db, name):
    for preset in ("strict", "none"):
        assert name not in run(db, preset)


def test_not_true_truncation_flag_is_kept(db):
    # difference_truncated is NULL on most rows; `IS NOT TRUE` keeps NULL and FALSE.
    result = run(db)
    assert "good" in result and "not_truncated" in result


def test_copyleft_license_dropped_under_permissive_kept_under_any(db):
    assert "gpl" not in run(db)
    assert run(db, overrides={"licenses.allow_list": "any"})["gpl"]["license"] == "gpl-3.0"
    assert run(db, overrides={"licenses.extra_allowed": ["gpl-3.0"]})["gpl"]["license"] == "gpl-3.0"


def test_fork_is_one_row_with_sorted_repos(db):
    row = run(db)["fork"]
    assert row["repos"] == ["a/mit", "b/fork"]
    assert row["license"] == "apache-2.0"  # MIN over the allowed licenses of its repositories


def test_fork_keeps_only_the_allowed_repositories(db):
    assert run(db)["fork_gpl"]["repos"] == ["a/mit"]
    row = run(db, overrides={"licenses.allow_list": "any"})["fork_gpl"]
    assert row["repos"] == ["a/mit", "c/gpl"]
    assert row["license"] == "gpl-3.0"


@pytest.mark.parametrize("name", ["short", "denied", "denied_quote", "merge"])
def test_message_rules_drop(db, name):
    assert name not in run(db)
    assert name in run(db, "none")  # every message rule off


def test_message_bounds_use_python_strip(db):
    # Both strip to their bounds the way filters/message.py does (Python's str.strip()); a space-only
    # TRIM would leave 9 characters in "five" and keep it.
    assert len(COMMITS["six"]["message"].strip()) == 6
    assert len(COMMITS["five"]["message"].strip()) == 5
    result = run(db)
    assert "six" in result and "five" not in result
    assert "good" not in run(db, overrides={"filters.message_max_chars": 20})
    assert "good" in run(db, overrides={"filters.message_max_chars": len(GOOD_MESSAGE.strip())})
    assert "six" not in run(db, overrides={"filters.message_min_chars": 7})


def test_message_rules_switch_off_one_by_one(db):
    assert "merge" in run(db, overrides={"filters.message_reject_merge": False})
    result = run(db, overrides={"filters.message_denylist": []})
    assert "denied" in result and "denied_quote" in result
    assert "short" in run(db, overrides={"filters.message_min_chars": None})


def test_limit(db):
    everything = run(db)["__order__"]
    assert len(everything) == 10
    limited = run(db, limit=2)["__order__"]
    assert limited == sorted(everything)[:2]


def test_repository_list(db):
    result = run(db, repos=["b/fork"])
    assert kept(result) == {"fork"}
    assert result["fork"]["repos"] == ["b/fork"]


def test_sampling_is_a_deterministic_nested_draw_by_sha(db):
    everything = set(run(db)["__order__"])
    assert set(run(db, sample_fraction=1.0)["__order__"]) == everything
    for fraction in (0.1, 0.3, 0.5, 0.8):
        expected = {c for c in everything if int(c[:8], 16) < int(fraction * SAMPLE_HASH_RANGE)}
        assert set(run(db, sample_fraction=fraction)["__order__"]) == expected
    small = set(run(db, sample_fraction=0.3)["__order__"])
    assert small <= set(run(db, sample_fraction=0.6)["__order__"])
    with pytest.raises(ValueError):
        build_query(build_config(), sample_fraction=0.0)
    with pytest.raises(ValueError):
        build_query(build_config(), sample_fraction=1.5)


def test_custom_project_and_dataset(db):
    sql, _ = build_query(build_config(), project="my-proj", dataset="mirror")
    assert "`my-proj.mirror.commits`" in sql and "bigquery-public-data" not in sql
    with pytest.raises(ValueError):
        build_query(build_config(), project="x`; DROP TABLE y; --")


def test_parameters_are_named_and_typed():
    sql, params = build_query(build_config(), sample_fraction=0.5, repos=["a/b"], limit=10)
    for name in params:
        assert f"@{name}" in sql
    types = query_parameter_types(params)
    assert types["allowed_licenses"] == types["message_denylist"] == types["repos"] == "ARRAY<STRING>"
    assert types["message_min_chars"] == types["limit"] == types["sample_threshold"] == "INT64"
    assert types["whitespace"] == "STRING"
    assert params["whitespace"] == PY_WHITESPACE
    # A switched-off rule leaves no parameter behind; "any" needs no license list.
    _, none_params = build_query(build_config("none"))
    assert "allowed_licenses" not in none_params and "message_denylist" not in none_params


def test_render_for_review_inlines_every_parameter():
    sql, params = build_query(build_config(), repos=["o/it's"], limit=5)
    text = render_for_review(sql, params)
    assert "@" not in text
    assert "'o/it\\'s'" in text
    assert "LIMIT 5" in text
    # The review text is valid BigQuery SQL.
    sqlglot.parse_one(text, read="bigquery")
    with pytest.raises(KeyError):
        render_for_review("SELECT @nope", {})


def test_sql_comments_hold_no_quotes():
    # DuckDB 2.0 misreads the string literals of a query whose comments hold an apostrophe (the
    # whitespace TRIM silently stopped stripping U+3000); keep the comments quote-free.
    sql, _ = build_query(build_config(), sample_fraction=0.5, repos=["a/b"], limit=1)
    for line in sql.splitlines():
        if "--" in line:
            assert "'" not in line.split("--", 1)[1] and '"' not in line.split("--", 1)[1], line
    assert "FARM_FINGERPRINT" not in sql


def test_commitpackft_extensions_and_license_list(db):
    result = run(db, "commitpackft")
    assert {"good", "fork"} <= kept(result)
    sql, params = build_query(build_config("commitpackft"))
    assert ".pyw" in params["extensions"] and "agpl-3.0" in params["allowed_licenses"]
