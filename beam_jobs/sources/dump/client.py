"""The driver's side of the BigQuery source: dry run, cost check, and the export job.

The query is billed by bytes scanned and `github_repos.commits` alone is large, so nothing runs
before a dry run has said what it will scan and the user has set a ceiling that covers it. The same
ceiling goes on the real job as `maximum_bytes_billed`, so BigQuery itself refuses to bill more even
if the estimate was wrong.

Everything that decides something is a pure function of the config (`QueryPlan`, `job_config`,
`budget_problem`, `export_statement`); only `dry_run` and `export` talk to a client, and they take it
as an argument so the tests can hand in a recording stand-in at exactly this boundary.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from beam_jobs.sources.dump.sql import build_query, query_parameter_types, render_for_review
from config.dump import BigQueryConfig

TIB = 1 << 40
EXPORT_FORMAT = "PARQUET"
EXPORT_FILE_PATTERN = "candidates-*.parquet"


class BigQueryError(Exception):
    """A problem the user can fix (budget, credentials, project); the CLI prints it as one sentence."""


@dataclass(frozen=True)
class QueryPlan:
    """The query for the effective config, with its named parameters."""

    sql: str
    params: dict[str, Any]

    @classmethod
    def from_config(cls, config: Any) -> "QueryPlan":
        bq: BigQueryConfig = config.bigquery
        project, dataset = bq.dataset.split(".", 1)
        try:
            sql, params = build_query(config, project=project, dataset=dataset, sample_fraction=bq.sample,
                                      repos=list(bq.repos) or None, limit=bq.limit)
        except ValueError as exc:  # a config value the query cannot take: the user's to fix
            raise BigQueryError(str(exc)) from None
        return cls(sql, params)

    def literal_sql(self) -> str:
        """The query with parameters written in: for review (`--print-sql`) and for EXPORT DATA."""
        return render_for_review(self.sql, self.params)

    def fingerprint(self) -> str:
        """Names the export folder: the same query and parameters reuse the same folder."""
        text = self.literal_sql()
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def query_parameters(params: dict[str, Any]) -> list[Any]:
    """The client's parameter objects, typed by `query_parameter_types`."""
    from google.cloud import bigquery

    out: list[Any] = []
    for name, kind in sorted(query_parameter_types(params).items()):
        value = params[name]
        if kind.startswith("ARRAY<"):
            out.append(bigquery.ArrayQueryParameter(name, kind[len("ARRAY<"):-1], list(value)))
        else:
            out.append(bigquery.ScalarQueryParameter(name, kind, value))
    return out


def job_config(params: dict[str, Any], *, dry_run: bool, max_bytes_billed: int) -> Any:
    """Standard SQL, the parameters and the byte ceiling; a dry run skips the cache so it reports the
    bytes a real run would bill."""
    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(
        query_parameters=query_parameters(params),
        use_legacy_sql=False,
        dry_run=dry_run,
        use_query_cache=not dry_run,
    )
    if max_bytes_billed > 0:
        config.maximum_bytes_billed = max_bytes_billed
    return config


@dataclass(frozen=True)
class Estimate:
    bytes_processed: int
    usd_per_tib: float

    @property
    def usd(self) -> float:
        return self.bytes_processed / TIB * self.usd_per_tib

    def describe(self) -> str:
        return (f"the query will scan {human_bytes(self.bytes_processed)} ({self.bytes_processed:,} bytes), "
                f"about ${self.usd:,.2f} at ${self.usd_per_tib:g} per TiB on demand")


def human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:,.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    raise AssertionError("unreachable")


def budget_problem(estimate: Estimate, max_bytes_billed: int) -> str | None:
    """Why the run must not go on, as one sentence, or None."""
    if max_bytes_billed <= 0:
        return (f"{estimate.describe()}; set --max-bytes-billed to at least {estimate.bytes_processed} "
                f"to run it (nothing has been billed)")
    if estimate.bytes_processed > max_bytes_billed:
        return (f"{estimate.describe()}, above --max-bytes-billed {max_bytes_billed:,}; raise the limit, "
                f"or narrow the query with --sample or bigquery.repos (nothing has been billed)")
    return None


def dry_run(client: Any, plan: QueryPlan, bq: BigQueryConfig) -> Estimate:
    """Ask BigQuery what the query would scan; bills nothing."""
    job = client.query(plan.sql, job_config=job_config(plan.params, dry_run=True, max_bytes_billed=0),
                       location=bq.location or None)
    return Estimate(int(job.total_bytes_processed or 0), bq.usd_per_tib)


def export_uri(bq: BigQueryConfig, plan: QueryPlan, temp_location: str | None, run_id: str) -> str:
    """The gs:// folder the export writes to: `<base>/<query fingerprint>/<run id>`.

    The base is bigquery.export_uri, or a folder under the temp location. A new folder per run:
    an export into a used folder could leave an earlier, larger export's extra files beside the new
    ones, and `--dump folder/*` would read both."""
    base = bq.export_uri or (f"{temp_location.rstrip('/')}/repairpack-export" if temp_location else "")
    if not base:
        raise BigQueryError("the export needs a gs:// folder: set bigquery.export_uri or pass --temp_location")
    if not base.startswith("gs://"):
        raise BigQueryError(f"the export folder must be on gs://, not '{base}'")
    return f"{base.rstrip('/')}/{plan.fingerprint()}/{run_id}"


def export_statement(plan: QueryPlan, folder: str) -> str:
    """EXPORT DATA around the query: Parquet files that `--dump` reads back, now or in a later run.

    The query goes in with its parameters written in (the same text `--print-sql` shows): the
    statement then needs no query parameters, whatever BigQuery allows inside EXPORT DATA.
    """
    uri = f"{folder.rstrip('/')}/{EXPORT_FILE_PATTERN}"
    if "'" in uri or "\\" in uri:
        raise BigQueryError(f"the export folder '{folder}' must not contain quotes or backslashes")
    return (f"EXPORT DATA OPTIONS (\n  uri = '{uri}',\n  format = '{EXPORT_FORMAT}',\n  overwrite = true\n) AS\n"
            f"{plan.literal_sql()}")


def destination_table(bq: BigQueryConfig, plan: QueryPlan) -> str:
    """`project.dataset.candidates_<fingerprint>`: method `read` writes the query result here."""
    project, dataset = bq.destination_dataset.split(".", 1)
    return f"{project}.{dataset}.candidates_{plan.fingerprint()}"


def query_to_table(client: Any, plan: QueryPlan, bq: BigQueryConfig, table: str) -> str:
    """Run the query into `table` (replaced) with the byte ceiling on the job; returns the table."""
    from google.cloud import bigquery

    config = job_config(plan.params, dry_run=False, max_bytes_billed=bq.max_bytes_billed)
    config.destination = table
    config.write_disposition = bigquery.WriteDisposition.WRITE_TRUNCATE
    client.query(plan.sql, job_config=config, location=bq.location or None).result()
    return table


def export(client: Any, plan: QueryPlan, bq: BigQueryConfig, folder: str) -> str:
    """Run the export with the byte ceiling on the job; returns the file pattern to read back."""
    statement = export_statement(plan, folder)
    job = client.query(statement, job_config=job_config({}, dry_run=False, max_bytes_billed=bq.max_bytes_billed),
                       location=bq.location or None)
    job.result()
    return f"{folder.rstrip('/')}/{EXPORT_FILE_PATTERN}"


def make_client(project: str | None) -> Any:
    """A BigQuery client; missing credentials or project become one sentence for the user."""
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery

    try:
        return bigquery.Client(project=project or None)
    except DefaultCredentialsError:
        raise BigQueryError("no Google Cloud credentials found; run 'gcloud auth application-default login' "
                            "or set GOOGLE_APPLICATION_CREDENTIALS") from None
    except OSError as exc:
        raise BigQueryError(f"cannot create a BigQuery client ({exc}); pass --bq-project") from None


def estimate(config: Any, client: Any) -> Estimate:
    """The dry run alone: what the query for this config would scan and cost."""
    return dry_run(client, QueryPlan.from_config(config), config.bigquery)


def resolve_source(config: Any, client: Any, *, temp_location: str | None, log: Any = print,
                   run_id: str | None = None) -> tuple[list[str], str | None]:
    # Returns (export file patterns, result table): one of the two is empty.
    """Dry run, budget check, then the export (file patterns to read) or the result table to read.

    Raises BigQueryError, before anything is billed, when the estimate is over the ceiling or no
    ceiling is set; BigQuery's own refusals (permissions, quota) become one sentence too.
    """
    from google.api_core import exceptions as api_exceptions

    bq: BigQueryConfig = config.bigquery
    plan = QueryPlan.from_config(config)
    try:
        estimate = dry_run(client, plan, bq)
        log(f"BigQuery dry run: {estimate.describe()}")
        problem = budget_problem(estimate, bq.max_bytes_billed)
        if problem:
            raise BigQueryError(problem)
        if bq.method == "read":
            table = destination_table(bq, plan)
            log(f"running the query into {table} (billed at most {bq.max_bytes_billed:,} bytes)")
            query_to_table(client, plan, bq, table)
            log(f"query done; the workers read {table} with ReadFromBigQuery")
            return [], table
        folder = export_uri(bq, plan, temp_location, run_id or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
        log(f"exporting candidates to {folder}/ (billed at most {bq.max_bytes_billed:,} bytes)")
        pattern = export(client, plan, bq, folder)
    except api_exceptions.GoogleAPICallError as exc:
        message = getattr(exc, "message", None) or str(exc)
        raise BigQueryError(f"BigQuery refused the job: {message.strip().splitlines()[0]}") from None
    log(f"export done; a later run can reuse it with --dump '{pattern}' (no query, no cost)")
    return [pattern], None


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
          "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50}


def parse_bytes(text: str) -> int:
    """'500000000', '500GB' or '2TiB' as a byte count (GB = 10**9, GiB = 2**30)."""
    import re

    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise ValueError(f"'{text}' is not a byte count such as 500000000, 500GB or 2TiB")
    return int(float(match.group(1)) * _UNITS[unit])
