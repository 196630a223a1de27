"""Config of the GitHub-dump source: the BigQuery query and job, and how file contents are fetched.

Two sections, one source: `bigquery` and `fetch` are checked by `bigquery_problems` and
`fetch_problems`, each taking its own section like every other section's `problems`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from config.checks import not_one_of, too_small

# user[:password]@ after a scheme, anywhere in a text (libgit2 repeats the URL in its errors).
_USERINFO = re.compile(r"([a-z][a-z0-9+.-]*://)[^/@\s'\"]*@", re.IGNORECASE)

BQ_METHODS = ("export", "read")
FETCH_MODES = ("clone", "raw")


@dataclass
class BigQueryConfig:
    # The project billed for the query (--bq-project). Empty: Beam's --project, then the client default.
    project: str = ""
    # Where the github_repos tables live: "project.dataset".
    dataset: str = "bigquery-public-data.github_repos"
    location: str = "US"
    # The most the query may scan, in bytes (--max-bytes-billed). The dry run refuses to go on above
    # it and the job carries the same limit. 0: no run without a limit (the CLI asks for one).
    max_bytes_billed: int = 0
    # On-demand price per TiB scanned, for the estimate printed after the dry run.
    usd_per_tib: float = 6.25
    # "export": EXPORT DATA to Parquet under export_uri, then read the files (recommended for big runs,
    # and the export can be reused with --dump). "read": Beam's ReadFromBigQuery.
    method: str = "export"
    # gs://bucket/prefix for the export; empty: a folder under Beam's --temp_location.
    export_uri: str = ""
    # "project.dataset" that method "read" writes the query result to (a table per query), so the
    # query job carries the byte ceiling and the workers read a plain table.
    destination_dataset: str = ""
    # Keep this fraction of commits (deterministic by sha); None keeps all.
    sample: float | None = None
    # Only commits of these repositories ("owner/name"); empty: all.
    repos: list[str] = field(default_factory=list)
    # At most this many candidate rows; None: no limit.
    limit: int | None = None


@dataclass
class FetchConfig:
    # "clone": a bare clone per repository, read both blobs. "raw": HTTP GET of the file at the commit
    # and at its parent.
    mode: str = "clone"
    # Clone URL template; {repo} is "owner/name".
    clone_url: str = "https://github.com/{repo}.git"
    # Raw file URL template; {repo}, {commit} and {path} are filled in (path URL-quoted).
    raw_url: str = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    # The environment variable holding a token for raw fetching; sent as a bearer token, never logged.
    token_env: str = "GITHUB_TOKEN"
    # Concurrent requests per worker (the connection pool is the same size).
    concurrency: int = 8
    # Requests per second per worker; 0: no limit.
    rate_limit: float = 10.0
    # Seconds for connecting and for each read.
    timeout: float = 30.0
    # Retries of a request after 429 or 5xx or a connection error, with exponential backoff and jitter.
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 60.0
    # Larger files are rejected without being read whole.
    max_file_bytes: int = 1 << 20


def bigquery_problems(cfg: BigQueryConfig) -> list[str]:
    """Every mistake in the `bigquery` section, one sentence each; caught before a query can be billed."""
    found = not_one_of("bigquery.method", cfg.method, BQ_METHODS)
    if cfg.method == "read" and cfg.destination_dataset.count(".") != 1:
        found.append("config key 'bigquery.destination_dataset' must be 'project.dataset' when "
                     "bigquery.method is read")
    if cfg.dataset.count(".") != 1:
        found.append(f"config key 'bigquery.dataset' must be 'project.dataset', not '{cfg.dataset}'")
    found += too_small("bigquery", cfg, {"max_bytes_billed": 0})
    if cfg.sample is not None and not 0.0 < cfg.sample <= 1.0:
        found.append("config key 'bigquery.sample' must be a fraction in (0, 1]")
    found += too_small("bigquery", cfg, {"limit": 1})
    if cfg.export_uri and not cfg.export_uri.startswith("gs://"):
        found.append(f"config key 'bigquery.export_uri' must be a gs:// folder, not '{cfg.export_uri}'")
    return found


def fetch_problems(cfg: FetchConfig) -> list[str]:
    """Every mistake in the `fetch` section, one sentence each: a bad URL template would fail every file."""
    found = not_one_of("fetch.mode", cfg.mode, FETCH_MODES)
    if "{repo}" not in cfg.clone_url:
        found.append("config key 'fetch.clone_url' must contain {repo}")
    for part in ("{repo}", "{commit}", "{path}"):
        if part not in cfg.raw_url:
            found.append(f"config key 'fetch.raw_url' must contain {part}")
    found += too_small("fetch", cfg, {"concurrency": 1, "rate_limit": 0})
    if cfg.timeout <= 0:
        found.append("config key 'fetch.timeout' must be positive")
    found += too_small("fetch", cfg, {"max_retries": 0})
    if cfg.backoff_base < 0 or cfg.backoff_max < cfg.backoff_base:
        found.append("config keys 'fetch.backoff_base' and 'fetch.backoff_max' must satisfy 0 <= base <= max")
    return found + too_small("fetch", cfg, {"max_file_bytes": 1})


def redact_credentials(text: str) -> str:
    """The text with user and password taken out of every URL in it: a token in a clone URL must
    never reach a reject row, a log line or the manifest."""
    return _USERINFO.sub(r"\1***@", text)


def redact_config_dict(value: Any) -> Any:
    """A config dict (or any part of one) with credentials taken out of every string."""
    if isinstance(value, dict):
        return {k: redact_config_dict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_config_dict(v) for v in value]
    if isinstance(value, str):
        return redact_credentials(value)
    return value
