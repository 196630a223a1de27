"""What every commit source shares (git mining, the dump's clone and raw fetchers): how a blob becomes
text, how a commit becomes a CommitRecord, and the filter-then-annotate tail.

Shared so that a commit from the dump and the same commit mined from git become the same record and
meet the same filters, counted the same way, under their own source's stage names.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import apache_beam as beam

from beam_jobs.accounting import REJECTS, ApplyFilters
from config.model import Config
from filters.chain import annotate, build_commit_filters, compiled_rules
from licenses.allow import LicensePolicy

from licenses.keys import OTHER, VOCABULARY
from schemas.candidate import CandidateCommit
from schemas.commit import LANG_PYTHON, CommitRecord, commit_record_id
from schemas.reject import RejectError


class ContentError(RejectError):
    """A blob that cannot be a side of a pair (binary, not UTF-8, unreadable)."""


def decode_source(data: bytes, which: str) -> str:
    """Strict UTF-8; a NUL byte marks a binary file. `which` says old or new in the detail."""
    if b"\0" in data:
        raise ContentError("binary_content", f"{which} contents hold a NUL byte")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError("not_utf8", f"{which} contents: {exc.reason} at byte {exc.start}") from None



class FetchError(RejectError):
    """A candidate whose old or new contents could not be fetched, or must not be paired; `detail`
    never holds a token or other secret."""


def commit_record(*, source: str, commit: str, parent: str, old_file: str, new_file: str, old_contents: str,
                  new_contents: str, message: str, license: str, repos: list[str], author_time: datetime,
                  committer_time: datetime, lang: str = LANG_PYTHON, author_name: str = "",
                  subject: str | None = None) -> CommitRecord:
    """The one way a source makes a CommitRecord: its id derives from source, commit and path, and
    its subject, when the source has none of its own, is the message's first line."""
    return CommitRecord(
        id=commit_record_id(source, commit, new_file),
        source=source,
        commit=commit,
        parent=parent,
        old_file=old_file,
        new_file=new_file,
        old_contents=old_contents,
        new_contents=new_contents,
        subject=message.split("\n", 1)[0].strip() if subject is None else subject,
        message=message,
        lang=lang,
        license=license,
        repos=repos,
        author_time=author_time,
        committer_time=committer_time,
        author_name=author_name,
    )


def to_commit_record(candidate: CandidateCommit, old_contents: str, new_contents: str, *, source: str,
                     lang: str = LANG_PYTHON) -> CommitRecord:
    """The fetched candidate as the record the git source makes, so both flow into the same filters."""
    message = candidate.message or candidate.subject
    return commit_record(
        source=source, commit=candidate.commit, parent=candidate.parent, old_file=candidate.old_path,
        new_file=candidate.new_path, old_contents=old_contents, new_contents=new_contents, message=message,
        subject=candidate.subject or message.split("\n", 1)[0].strip(), lang=lang,
        license=candidate.license if candidate.license in VOCABULARY else OTHER, repos=list(candidate.repos),
        author_time=datetime.fromtimestamp(candidate.author_time_sec, tz=timezone.utc),
        committer_time=datetime.fromtimestamp(candidate.committer_time_sec, tz=timezone.utc))


# ------------------------------------------------------------------------------------- the tail

def commit_filters(config: Config) -> list[Callable[[CommitRecord], str | None]]:
    """The filter-stage chain: the license check first (a set lookup), then the commit filters."""
    policy = LicensePolicy.from_config(config.licenses)
    return [policy.record_reason, *build_commit_filters(config.filters)]


def filter_and_annotate(records: beam.PCollection, stage: str, source: str, config: Config) -> dict[str, Any]:
    """CommitRecords -> {"records": kept records, annotated; REJECTS: the filter stage's rejects}.

    The last stages of every commit source, so that a record is judged by the same chain and gets
    the same annotations whichever route brought it. A function, not a composite: the two
    transforms keep the step names they had inside each source (`Filter[<stage>]`, `Annotate`), which
    a Dataflow job update matches on."""
    filtered = records | ApplyFilters(stage, source, commit_filters(config), key_of=_commit_of, repo_of=_repos_of)
    annotated = filtered.kept | "Annotate" >> beam.Map(annotate, compiled_rules(config.filters))
    return {"records": annotated, REJECTS: filtered[REJECTS]}


def _commit_of(record: CommitRecord) -> str:
    return record.commit


def _repos_of(record: CommitRecord) -> str:
    return ",".join(record.repos)
