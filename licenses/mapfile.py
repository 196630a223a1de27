"""A user-supplied repository-to-license map, which overrides detection.

Users know things no detector can: a license granted in a README, a license clarified by the owners,
or the BigQuery `licenses` table exported as CSV. The map is read once when the pipeline is built, and
every mistake in it is reported as one sentence naming the file and line, before any work starts.

Formats:
- CSV with a header row naming the columns `repo` and `license` (others are ignored);
- JSON, either an object `{"owner/name": "mit"}` or a list of `{"repo": ..., "license": ...}`.
Repositories may be written as `owner/name` or a clone URL (keyed by its `owner/name`), matched
case-insensitively against the name the git source gives a repository (the user's, its remote's or
its folder's: see `repository_identity`); or as a local path (absolute, or starting with `./`, `../`
or `~`), matched against the repository's real location, so a bare mirror at
/data/mirrors/requests.git is found by that path whatever its name. Licenses may be GitHub keys or
SPDX ids ("MIT", "GPL-3.0-or-later"); `none` and `other` are accepted too.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from typing import Any, Iterable, Mapping

from schemas.commit import repo_name
from licenses.keys import OTHER, VOCABULARY, github_key_from_spdx
from config.errors import ConfigError


class LicenseMapError(ConfigError):
    """A license map the user must fix; the message is one sentence naming the file."""


_PATH_PREFIXES = ("/", "./", "../", "~", "\\")


def is_local_path(text: str) -> bool:
    """Written as a path, not as a name: absolute, `./`, `../`, `~`, `.`, `..` or a Windows drive."""
    return text in (".", "..") or text.startswith(_PATH_PREFIXES) or bool(re.match(r"^[A-Za-z]:[\\/]", text))


def repo_key(repo: str) -> str:
    """The map's key for a repository: `owner/name` lowercased, or `path:` and the real absolute path
    for a local path (paths are compared as the file system spells them)."""
    text = repo.strip()
    if is_local_path(text):
        return "path:" + os.path.realpath(os.path.expanduser(text))
    return repo_name(text).lower()


def _license_key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LicenseMapError(f"{where}: the license must be a non-empty string, not {value!r}")
    key = github_key_from_spdx(value)
    if key == OTHER and value.strip().lower() != OTHER:
        raise LicenseMapError(
            f"{where}: '{value}' is not a GitHub license key or SPDX id GitHub knows "
            f"(such as mit, apache-2.0, gpl-3.0; write 'other' for any other license)")
    assert key in VOCABULARY
    return key


def _add(result: dict[str, str], repo: Any, license_value: Any, where: str) -> None:
    if not isinstance(repo, str) or not repo.strip():
        raise LicenseMapError(f"{where}: the repository must be a non-empty string, not {repo!r}")
    key = repo_key(repo)
    value = _license_key(license_value, where)
    previous = result.get(key)
    if previous is not None and previous != value:
        raise LicenseMapError(f"{where}: repository '{repo}' is mapped to both '{previous}' and '{value}'")
    result[key] = value


def parse_csv_map(text: str, source: str = "the license map") -> dict[str, str]:
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "repo" not in columns or "license" not in columns:
        raise LicenseMapError(f"{source}: the CSV header must name the columns 'repo' and 'license' "
                              f"(found: {', '.join(columns) or 'no header'})")
    reader.fieldnames = columns
    result: dict[str, str] = {}
    for row in reader:
        where = f"{source} line {reader.line_num}"
        if None in row:
            raise LicenseMapError(f"{where}: the row has more fields than the header")
        if not any((v or "").strip() for v in row.values()):
            continue
        _add(result, row.get("repo"), row.get("license"), where)
    return result


def parse_json_map(text: str, source: str = "the license map") -> dict[str, str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LicenseMapError(f"{source} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    result: dict[str, str] = {}
    if isinstance(data, dict):
        for repo, value in data.items():
            _add(result, repo, value, f"{source} entry '{repo}'")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            where = f"{source} item {i}"
            if not isinstance(item, dict) or "repo" not in item or "license" not in item:
                raise LicenseMapError(f"{where}: each item must be an object with 'repo' and 'license'")
            _add(result, item["repo"], item["license"], where)
    else:
        raise LicenseMapError(f"{source} must hold a JSON object or a list of objects")
    return result


def load_license_map(path: str) -> dict[str, str]:
    """{owner/name (lowercase): GitHub key} from a CSV or JSON file; raises LicenseMapError."""
    if not os.path.isfile(path):
        raise LicenseMapError(f"the license map '{path}' does not exist or is not a file")
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise LicenseMapError(f"the license map '{path}' is not UTF-8 text") from None
    except OSError as exc:
        raise LicenseMapError(f"the license map '{path}' cannot be read ({exc.strerror})") from None
    source = f"the license map '{path}'"
    lowered = path.lower()
    if lowered.endswith(".json") or (not lowered.endswith(".csv") and text.lstrip()[:1] in ("{", "[")):
        return parse_json_map(text, source)
    return parse_csv_map(text, source)


def mapped_license(license_map: Mapping[str, str], repos: Iterable[str]) -> str | None:
    """The mapped key of the first of `repos` (names, URLs or absolute paths) that the map lists, or None."""
    for repo in repos:
        key = license_map.get(repo_key(repo))
        if key is not None:
            return key
    return None
