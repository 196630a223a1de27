"""The BigQuery Standard SQL that selects candidate single-file Python commits from `github_repos`.

Pure: builds text and parameters, never talks to the cloud. The BigQuery client code runs the query
with the parameters (`build_query`); `run_pipeline.py --bigquery --print-sql` shows it with the
parameters written in (`render_for_review`), so a user can review it or paste it into the console.

What the query does, the way the CommitPack SQL did:
- `commits` with `repo_name` unnested, joined to `licenses` (license in the allow list; a repository
  missing from `licenses` counts as `none`) and to the repositories whose `languages` include Python;
- commits with exactly one parent and exactly one `difference` entry, where `old_path = new_path`,
  both non-null, the path ends in one of `config.git.extensions`, and `difference_truncated` is not
  true (one parent: the difference of a merge is against its first parent only, and merges are not
  edits anyone described);
- the whole-message rules of the filter stage (`filters/message.py: check_message`) that translate
  exactly: length bounds of the stripped message, the exact lowercased denylist, "merge" prefix.
  Stripping uses Python's own whitespace set (passed as a parameter), so SQL and Python agree on
  every message and the later Python filter never sees a different answer;
- grouped by commit: forks of one repository share commits, so each commit appears once with the
  sorted, distinct names of all its repositories and one license (the smallest key among them);
- the author's name and email and the two file modes of the change are carried, not judged here:
  the pipeline applies the git source's own rules to them (bot authors in the filter stage; a chmod,
  a symlink or a submodule at the stage `bigquery.commit`), so those commits are counted under the
  same reasons as on the git route instead of vanishing inside the query;
- optional sampling by commit sha (see `SAMPLE_HASH_SQL`), a repository list and a row limit.

Arrays are indexed with SAFE_OFFSET only: BigQuery does not promise to evaluate the WHERE clause
left to right, so `difference[OFFSET(0)]` could fail on an empty array before the length check ran.
SQL comments in the query hold no quotes (DuckDB, which the tests run it on, misreads the string
literals of a query whose comments do).

Parameters are BigQuery named parameters (`@name`): lists are ARRAY<STRING>, numbers INT64. A rule
that is switched off leaves no clause and no parameter behind.
"""
from __future__ import annotations

import math
import re
import sys
from typing import Any

from licenses.allow import allowed_keys

DEFAULT_PROJECT = "bigquery-public-data"
DEFAULT_DATASET = "github_repos"
LANGUAGE = "Python"

# Every character Python's str.strip() removes, so TRIM(message, @whitespace) == message.strip().
PY_WHITESPACE = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())

# ---- sampling: THE one hash expression. A commit sha is already a uniform hash, so its first eight
# hex digits are a uniform integer in [0, 2**32); no FARM_FINGERPRINT needed, which keeps the query
# runnable on DuckDB in tests. The draw is nested: a commit kept at fraction f is kept at every f' > f.
SAMPLE_HASH_SQL = "CAST(CONCAT('0x', SUBSTR(c.commit, 1, 8)) AS INT64)"
SAMPLE_HASH_RANGE = 2 ** 32

_IDENT = re.compile(r"^[A-Za-z0-9_-]+$")
_PARAM = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


def _check_ident(kind: str, value: str) -> str:
    if not _IDENT.match(value):
        raise ValueError(f"BigQuery {kind} name '{value}' holds characters outside letters, digits, '-' and '_'")
    return value


def build_query(config: Any, *, project: str = DEFAULT_PROJECT, dataset: str = DEFAULT_DATASET,
                sample_fraction: float | None = None, repos: list[str] | None = None,
                limit: int | None = None) -> tuple[str, dict[str, Any]]:
    """The query for the effective config, and its named parameters ({name: str | int | list[str]}).

    `config` is a config.model.Config. `sample_fraction` in (0, 1] keeps that share of commits
    (deterministic, by sha); `repos` keeps only commits of those repositories ("owner/name"); `limit`
    caps the rows (then ordered by commit sha, itself a deterministic draw).
    """
    table = f"`{_check_ident('project', project)}.{_check_ident('dataset', dataset)}"
    filters = config.filters
    params: dict[str, Any] = {"language": LANGUAGE}

    extensions = sorted(set(config.git.extensions))
    if not extensions:
        raise ValueError("config key 'git.extensions' must not be empty for a BigQuery query")
    params["extensions"] = extensions

    where: list[str] = [
        "ARRAY_LENGTH(c.parent) = 1",
        "ARRAY_LENGTH(c.difference) = 1",
        "c.difference[SAFE_OFFSET(0)].old_path IS NOT NULL",
        "c.difference[SAFE_OFFSET(0)].new_path IS NOT NULL",
        "c.difference[SAFE_OFFSET(0)].old_path = c.difference[SAFE_OFFSET(0)].new_path",
        # Exactly what the git source does (case-sensitive): the name ends in a listed extension.
        "EXISTS (SELECT 1 FROM UNNEST(@extensions) AS ext\n"
        "                WHERE ENDS_WITH(c.difference[SAFE_OFFSET(0)].new_path, ext))",
        "c.difference_truncated IS NOT TRUE",
    ]

    # ---- whole-message rules (filters/message.py: check_message), on the stripped message
    message_rules = (filters.message_min_chars is not None or filters.message_max_chars is not None
                     or bool(filters.message_denylist) or filters.message_reject_merge)
    if message_rules:
        params["whitespace"] = PY_WHITESPACE
        stripped = "c.stripped_message"
        if filters.message_min_chars is not None:
            params["message_min_chars"] = int(filters.message_min_chars)
            where.append(f"CHAR_LENGTH({stripped}) >= @message_min_chars")
        if filters.message_max_chars is not None:
            params["message_max_chars"] = int(filters.message_max_chars)
            where.append(f"CHAR_LENGTH({stripped}) <= @message_max_chars")
        if filters.message_denylist:
            params["message_denylist"] = sorted({m.strip().lower() for m in filters.message_denylist})
            where.append(f"LOWER({stripped}) NOT IN UNNEST(@message_denylist)")
        if filters.message_reject_merge:
            where.append(f"NOT STARTS_WITH(LOWER({stripped}), 'merge')")

    # ---- licenses
    allowed = allowed_keys(config.licenses.allow_list, config.licenses.extra_allowed)
    if allowed is not None:
        params["allowed_licenses"] = sorted(allowed)
        where.append("COALESCE(lic.license, 'none') IN UNNEST(@allowed_licenses)")

    # ---- sampling
    if sample_fraction is not None:
        if not (isinstance(sample_fraction, (int, float)) and 0 < sample_fraction <= 1):
            raise ValueError(f"sample fraction must be in (0, 1], not {sample_fraction!r}")
        if sample_fraction < 1:
            params["sample_threshold"] = int(math.floor(sample_fraction * SAMPLE_HASH_RANGE))
            where.append(f"{SAMPLE_HASH_SQL} < @sample_threshold")
    if repos is not None:
        names = sorted({r.strip() for r in repos if r.strip()})
        if not names:
            raise ValueError("the repository list for the BigQuery query is empty")
        params["repos"] = names
        where.append("repo IN UNNEST(@repos)")

    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"row limit must be a positive whole number, not {limit!r}")

    stripped_sql = "TRIM(COALESCE(message, subject, ''), @whitespace)" if message_rules else "COALESCE(message, subject, '')"
    conditions = "\n    AND ".join(where)
    tail = ""
    if limit is not None:
        params["limit"] = limit
        tail = "\nORDER BY commit\nLIMIT @limit"

    sql = f"""WITH stripped_commits AS (
  -- Only the columns used (bytes scanned are billed), and the message as Python str.strip()
  -- leaves it, computed once for the message rules.
  SELECT commit, parent, difference, difference_truncated, subject, message, repo_name,
    author.time_sec AS author_time_sec, committer.time_sec AS committer_time_sec,
    author.name AS author_name, author.email AS author_email,
    {stripped_sql} AS stripped_message
  FROM {table}.commits`
),
python_repos AS (
  SELECT DISTINCT l.repo_name
  FROM {table}.languages` AS l
  CROSS JOIN UNNEST(l.language) AS lang
  WHERE lang.name = @language
),
candidates AS (
  SELECT
    c.commit AS commit,
    c.parent[SAFE_OFFSET(0)] AS parent,
    c.difference[SAFE_OFFSET(0)].old_path AS old_path,
    c.difference[SAFE_OFFSET(0)].new_path AS new_path,
    c.difference[SAFE_OFFSET(0)].old_sha1 AS old_sha1,
    c.difference[SAFE_OFFSET(0)].new_sha1 AS new_sha1,
    c.subject AS subject,
    c.message AS message,
    c.author_time_sec,
    c.committer_time_sec,
    repo,
    COALESCE(lic.license, 'none') AS license,
    c.author_name,
    c.author_email,
    c.difference[SAFE_OFFSET(0)].old_mode AS old_mode,
    c.difference[SAFE_OFFSET(0)].new_mode AS new_mode
  FROM stripped_commits AS c
  CROSS JOIN UNNEST(c.repo_name) AS repo
  JOIN python_repos AS py ON py.repo_name = repo
  LEFT JOIN {table}.licenses` AS lic ON lic.repo_name = repo
  WHERE {conditions}
)
SELECT
  commit,
  ANY_VALUE(parent) AS parent,
  ANY_VALUE(old_path) AS old_path,
  ANY_VALUE(new_path) AS new_path,
  ANY_VALUE(old_sha1) AS old_sha1,
  ANY_VALUE(new_sha1) AS new_sha1,
  ANY_VALUE(subject) AS subject,
  ANY_VALUE(message) AS message,
  ANY_VALUE(author_time_sec) AS author_time_sec,
  ANY_VALUE(committer_time_sec) AS committer_time_sec,
  ARRAY_AGG(DISTINCT repo ORDER BY repo) AS repos,
  MIN(license) AS license,
  ANY_VALUE(author_name) AS author_name,
  ANY_VALUE(author_email) AS author_email,
  ANY_VALUE(old_mode) AS old_mode,
  ANY_VALUE(new_mode) AS new_mode
FROM candidates
GROUP BY commit{tail}
"""
    return sql, params


# ------------------------------------------------------------------------------- review rendering

def _string_literal(value: str) -> str:
    """A BigQuery string literal; control and whitespace characters other than space as \\u escapes."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch == " " or (ch.isprintable() and not ch.isspace()):
            out.append(ch)
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "'" + "".join(out) + "'"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("an empty list parameter has no type in BigQuery; drop its clause instead")
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    raise TypeError(f"cannot render a query parameter of type {type(value).__name__}")


def render_for_review(sql: str, params: dict[str, Any]) -> str:
    """The query with every @parameter written in as a literal: runnable as is in the console."""
    used = set(_PARAM.findall(sql))
    missing = used - set(params)
    if missing:
        raise KeyError(f"the query uses parameters without values: {', '.join(sorted(missing))}")
    return _PARAM.sub(lambda m: _literal(params[m.group(1)]), sql)


def query_parameter_types(params: dict[str, Any]) -> dict[str, str]:
    """BigQuery types of the parameters ("STRING", "INT64", "ARRAY<STRING>"), for the client."""
    types: dict[str, str] = {}
    for name, value in params.items():
        if isinstance(value, bool):
            types[name] = "BOOL"
        elif isinstance(value, int):
            types[name] = "INT64"
        elif isinstance(value, float):
            types[name] = "FLOAT64"
        elif isinstance(value, str):
            types[name] = "STRING"
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            types[name] = "ARRAY<STRING>"
        else:
            raise TypeError(f"query parameter '{name}' has no BigQuery type: {value!r}")
    return types
