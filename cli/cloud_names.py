"""Google Cloud names checked before Beam touches the network.

A bad bucket or project name is a typo the user can fix in a second, but Beam finds it only by asking
Cloud Storage or Dataflow, which retries for minutes before it fails. The rules are Google's published
naming rules; a name that passes may still not exist, which only the cloud can say.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable, Sequence

# Flags whose value is a gs:// location (Beam's and ours) and flags whose value is a project.
LOCATION_FLAGS = ("--temp_location", "--staging_location", "--output", "--dump", "--template_location")
PROJECT_FLAGS = ("--project", "--bq-project")

_BUCKET_CHARS = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_DOMAIN_SCOPED = re.compile(r"[a-z0-9.-]+\.[a-z]{2,}:[a-z][a-z0-9-]{4,28}[a-z0-9]")


def bucket_problem(bucket: str) -> str | None:
    """Why `bucket` cannot be a Cloud Storage bucket name, or None."""
    if not 3 <= len(bucket) <= 222:
        return "must be 3 to 63 characters long (222 with dots)"
    if not _BUCKET_CHARS.fullmatch(bucket):
        return ("may hold only lowercase letters, digits, dashes, underscores and dots, and must start and "
                "end with a letter or digit")
    parts = bucket.split(".")
    if "." not in bucket and len(bucket) > 63:
        return "must be 3 to 63 characters long (222 with dots)"
    if any(not 1 <= len(part) <= 63 for part in parts):
        return "must have dot-separated parts of 1 to 63 characters"
    if bucket.startswith("goog") or "google" in bucket or "g00gle" in bucket:
        return "may not start with 'goog' or contain 'google'"
    try:
        ipaddress.ip_address(bucket)
        return "may not be an IP address"
    except ValueError:
        return None


def project_problem(project: str) -> str | None:
    """Why `project` cannot be a Google Cloud project id, or None."""
    if _PROJECT.fullmatch(project) or _DOMAIN_SCOPED.fullmatch(project):
        return None
    return ("must be 6 to 30 lowercase letters, digits or hyphens, start with a letter and not end with a "
            "hyphen")


def location_problem(flag: str, value: str) -> str | None:
    """One sentence when a gs:// value of `flag` names an impossible bucket; other schemes pass."""
    if not value.startswith("gs://"):
        return None
    bucket = value[len("gs://"):].split("/", 1)[0]
    problem = bucket_problem(bucket)
    return f"{flag} '{value}': the bucket name '{bucket}' {problem}" if problem else None


def flag_values(argv: Sequence[str], flags: Iterable[str]) -> list[tuple[str, str]]:
    """(flag, value) for each of `flags` in an argument list, in both `--f=v` and `--f v` forms; a
    flag taking several values (`--dump A B`) gives each."""
    wanted = set(flags)
    found: list[tuple[str, str]] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        name, eq, value = token.partition("=")
        if name in wanted:
            if eq:
                found.append((name, value))
            else:
                j = i + 1
                while j < len(argv) and not argv[j].startswith("--"):
                    found.append((name, argv[j]))
                    j += 1
                    if name != "--dump":
                        break
                i = j - 1
        i += 1
    return found


def cloud_names_problem(argv: Sequence[str]) -> str | None:
    """The first impossible bucket or project name among the arguments, as one sentence, or None."""
    for flag, value in flag_values(argv, PROJECT_FLAGS):
        problem = project_problem(value)
        if problem:
            return f"{flag} '{value}': a project id {problem}"
    for flag, value in flag_values(argv, LOCATION_FLAGS):
        problem = location_problem(flag, value)
        if problem:
            return problem
    return None


def is_dry_run(beam_args: Sequence[str]) -> bool:
    """Whether Beam's `--dry_run` is on (Beam takes its value as text: True, true or 1)."""
    return any(value.lower() in ("true", "1") for _, value in flag_values(beam_args, ("--dry_run",)))
