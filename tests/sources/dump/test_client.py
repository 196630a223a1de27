"""The BigQuery client, tested at its boundary: the job configs handed to `client.query`.

No fake BigQuery server: a recording client stands in for `google.cloud.bigquery.Client` and answers
a dry run with a byte count, which is all the cloud tells the driver before a run.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

pytest.importorskip("google.cloud.bigquery")
sqlglot = pytest.importorskip("sqlglot")

from beam_jobs.sources.dump.client import (EXPORT_FILE_PATTERN, BigQueryError, Estimate, QueryPlan, budget_problem,
                                       dry_run, export, export_statement, export_uri, human_bytes, job_config,
                                       parse_bytes, resolve_source)
from beam_jobs.sources.dump.sql import build_query
from config import ConfigError, build_config


@dataclass
class _Job:
    total_bytes_processed: int
    waited: bool = False

    def result(self) -> "_Job":
        self.waited = True
        return self


@dataclass
class RecordingClient:
    """Records every query and its job config; a dry run reports `scan_bytes`."""

    scan_bytes: int
    calls: list[tuple[str, Any, str | None]] = field(default_factory=list)
    jobs: list[_Job] = field(default_factory=list)

    def query(self, sql: str, job_config: Any = None, location: str | None = None) -> _Job:
        self.calls.append((sql, job_config, location))
        job = _Job(self.scan_bytes if job_config.dry_run else 0)
        self.jobs.append(job)
        return job


def _params_of(config: Any) -> dict[str, tuple[str, Any]]:
    out = {}
    for p in config.query_parameters:
        if hasattr(p, "array_type"):
            out[p.name] = (f"ARRAY<{p.array_type}>", list(p.values))
        else:
            out[p.name] = (p.type_, p.value)
    return out


def test_plan_uses_the_config_dataset_sample_repos_and_limit():
    config = build_config("strict", overrides={"bigquery.dataset": "my-proj.gh_copy", "bigquery.sample": 0.25,
                                               "bigquery.repos": ["a/b"], "bigquery.limit": 10})
    plan = QueryPlan.from_config(config)
    expected = build_query(config, project="my-proj", dataset="gh_copy", sample_fraction=0.25, repos=["a/b"],
                           limit=10)
    assert (plan.sql, plan.params) == expected
    assert "`my-proj.gh_copy.commits`" in plan.sql
    assert re.search(r"@[A-Za-z_]", plan.literal_sql()) is None
    assert "@limit" not in plan.literal_sql() and "LIMIT 10" in plan.literal_sql()


def test_dry_run_config_is_standard_sql_uncached_unbilled_and_carries_every_parameter():
    config = build_config("strict")
    plan = QueryPlan.from_config(config)
    client = RecordingClient(scan_bytes=3 * (1 << 40))
    estimate = dry_run(client, plan, config.bigquery)
    assert estimate == Estimate(3 * (1 << 40), 6.25)
    assert estimate.usd == pytest.approx(18.75)
    (sql, job, location), = client.calls
    assert sql == plan.sql and location == "US"
    assert job.dry_run is True and job.use_query_cache is False and job.use_legacy_sql is False
    assert job.maximum_bytes_billed is None
    params = _params_of(job)
    assert set(params) == set(plan.params)
    assert params["language"] == ("STRING", "Python")
    assert params["extensions"] == ("ARRAY<STRING>", [".py"])
    assert params["message_max_chars"] == ("INT64", plan.params["message_max_chars"])


def test_budget_refuses_without_a_limit_and_above_it_and_passes_within_it():
    estimate = Estimate(2_500_000_000, 6.25)
    assert budget_problem(estimate, 0) == (
        "the query will scan 2.3 GiB (2,500,000,000 bytes), about $0.01 at $6.25 per TiB on demand; "
        "set --max-bytes-billed to at least 2500000000 to run it (nothing has been billed)")
    assert budget_problem(estimate, 2_499_999_999).startswith(
        "the query will scan 2.3 GiB (2,500,000,000 bytes), about $0.01 at $6.25 per TiB on demand, "
        "above --max-bytes-billed 2,499,999,999;")
    assert budget_problem(estimate, 2_500_000_000) is None


def test_human_bytes():
    assert [human_bytes(n) for n in (0, 1023, 1024, 5 << 30, 3 << 40, 5000 << 40)] == [
        "0 B", "1023 B", "1.0 KiB", "5.0 GiB", "3.0 TiB", "5,000.0 TiB"]


def test_export_job_carries_the_byte_ceiling_and_the_query_with_its_parameters_written_in():
    config = build_config("strict", overrides={"bigquery.max_bytes_billed": 10 << 40,
                                               "bigquery.export_uri": "gs://bucket/exports"})
    plan = QueryPlan.from_config(config)
    folder = export_uri(config.bigquery, plan, temp_location=None, run_id="r1")
    assert folder == f"gs://bucket/exports/{plan.fingerprint()}/r1"
    client = RecordingClient(scan_bytes=0)
    pattern = export(client, plan, config.bigquery, folder)
    assert pattern == f"{folder}/{EXPORT_FILE_PATTERN}"
    (sql, job, _), = client.calls
    assert client.jobs[0].waited
    assert job.dry_run is False and job.maximum_bytes_billed == 10 << 40
    assert _params_of(job) == {}
    assert sql == export_statement(plan, folder)
    assert re.search(r"@[A-Za-z_]", sql) is None


def test_export_statement_is_valid_bigquery_wrapping_the_query():
    plan = QueryPlan.from_config(build_config("strict"))
    statement = export_statement(plan, "gs://bucket/x/")
    assert statement.startswith("EXPORT DATA OPTIONS (\n  uri = 'gs://bucket/x/candidates-*.parquet',\n"
                                "  format = 'PARQUET',\n  overwrite = true\n) AS\nWITH stripped_commits AS (")
    assert statement.endswith(plan.literal_sql())
    parsed = sqlglot.parse_one(statement, read="bigquery")
    assert type(parsed).__name__ == "Export"
    with pytest.raises(BigQueryError, match="must not contain quotes"):
        export_statement(plan, "gs://bucket/it's")


def test_export_folder_defaults_under_the_temp_location_and_is_stable_per_query():
    config = build_config("strict")
    plan = QueryPlan.from_config(config)
    a = export_uri(config.bigquery, plan, "gs://tmp-bucket/tmp/", "r1")
    assert a == f"gs://tmp-bucket/tmp/repairpack-export/{plan.fingerprint()}/r1"
    assert a == export_uri(config.bigquery, QueryPlan.from_config(build_config("strict")), "gs://tmp-bucket/tmp", "r1")
    other = QueryPlan.from_config(build_config("strict", overrides={"bigquery.sample": 0.5}))
    assert export_uri(config.bigquery, other, "gs://tmp-bucket/tmp", "r1") != a
    assert export_uri(config.bigquery, plan, "gs://tmp-bucket/tmp", "r2") != a
    with pytest.raises(BigQueryError, match="needs a gs:// folder"):
        export_uri(config.bigquery, plan, None, "r1")
    with pytest.raises(BigQueryError, match="must be on gs://"):
        export_uri(config.bigquery, plan, "/local/tmp", "r1")


def test_no_byte_ceiling_on_a_job_when_none_is_set():
    assert job_config({"a": 1}, dry_run=False, max_bytes_billed=0).maximum_bytes_billed is None


@pytest.mark.parametrize("key, value, message", [
    ("bigquery.method", "stream", "config key 'bigquery.method' must be one of export, read, not 'stream'"),
    ("bigquery.dataset", "github_repos", "config key 'bigquery.dataset' must be 'project.dataset'"),
    ("bigquery.sample", 1.5, "config key 'bigquery.sample' must be a fraction in (0, 1]"),
    ("bigquery.export_uri", "/tmp/x", "config key 'bigquery.export_uri' must be a gs:// folder"),
    ("fetch.mode", "ftp", "config key 'fetch.mode' must be one of clone, raw, not 'ftp'"),
    ("fetch.raw_url", "https://x/{repo}/{path}", "config key 'fetch.raw_url' must contain {commit}"),
    ("fetch.concurrency", 0, "config key 'fetch.concurrency' must be at least 1"),
])
def test_bad_config_values_are_one_sentence(key, value, message):
    with pytest.raises(ConfigError) as err:
        build_config("strict", overrides={key: value})
    assert str(err.value).startswith(message)


def test_resolve_source_refuses_over_budget_after_the_dry_run_alone():
    config = build_config("strict", overrides={"bigquery.max_bytes_billed": 1000})
    client = RecordingClient(scan_bytes=1001)
    lines: list[str] = []
    with pytest.raises(BigQueryError, match="above --max-bytes-billed 1,000"):
        resolve_source(config, client, temp_location="gs://b/tmp", log=lines.append)
    assert [job.dry_run for _, job, _ in client.calls] == [True]
    assert lines == ["BigQuery dry run: the query will scan 1001 B (1,001 bytes), about $0.00 at $6.25 per TiB "
                     "on demand"]


def test_resolve_source_exports_within_budget_and_returns_the_files_to_read():
    config = build_config("strict", overrides={"bigquery.max_bytes_billed": 5000})
    client = RecordingClient(scan_bytes=4000)
    lines: list[str] = []
    patterns, query = resolve_source(config, client, temp_location="gs://b/tmp", log=lines.append, run_id="r7")
    folder = f"gs://b/tmp/repairpack-export/{QueryPlan.from_config(config).fingerprint()}/r7"
    assert (patterns, query) == ([f"{folder}/candidates-*.parquet"], None)
    assert [(job.dry_run, job.maximum_bytes_billed) for _, job, _ in client.calls] == [(True, None), (False, 5000)]
    assert lines[-1] == f"export done; a later run can reuse it with --dump '{folder}/candidates-*.parquet' " \
                        "(no query, no cost)"


def test_resolve_source_read_method_runs_the_query_into_a_table_with_the_byte_ceiling():
    config = build_config("strict", overrides={"bigquery.max_bytes_billed": 5000, "bigquery.method": "read",
                                               "bigquery.destination_dataset": "my-proj.scratch"})
    plan = QueryPlan.from_config(config)
    client = RecordingClient(scan_bytes=10)
    patterns, table = resolve_source(config, client, temp_location=None, log=lambda line: None)
    assert patterns == [] and table == f"my-proj.scratch.candidates_{plan.fingerprint()}"
    (_, dry, _), (sql, job, _) = client.calls
    assert dry.dry_run is True and sql == plan.sql
    assert (job.dry_run, job.maximum_bytes_billed, job.write_disposition) == (False, 5000, "WRITE_TRUNCATE")
    assert job.destination.project == "my-proj" and job.destination.dataset_id == "scratch"
    assert job.destination.table_id == f"candidates_{plan.fingerprint()}"
    assert set(_params_of(job)) == set(plan.params)
    with pytest.raises(ConfigError, match="bigquery.destination_dataset' must be 'project.dataset' when"):
        build_config("strict", overrides={"bigquery.method": "read"})


def test_bigquery_refusals_become_one_sentence():
    from google.api_core.exceptions import Forbidden

    class Refusing(RecordingClient):
        def query(self, sql, job_config=None, location=None):
            raise Forbidden("Access Denied: Project demo: User does not have bigquery.jobs.create permission\nmore")

    with pytest.raises(BigQueryError) as err:
        resolve_source(build_config("strict"), Refusing(0), temp_location=None, log=lambda line: None)
    assert str(err.value) == ("BigQuery refused the job: Access Denied: Project demo: User does not have "
                              "bigquery.jobs.create permission")


@pytest.mark.parametrize("text, expected", [("123", 123), ("500GB", 500 * 10**9), ("2TiB", 2 << 40),
                                            ("1.5 tb", 1_500_000_000_000), ("10kib", 10240)])
def test_parse_bytes(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("text", ["", "12XB", "-5", "GB"])
def test_parse_bytes_rejects(text):
    with pytest.raises(ValueError, match="is not a byte count"):
        parse_bytes(text)
