"""What both content fetchers (clone and raw) share: the error that names a reject, and the record a
fetched candidate becomes.

Shared so that either fetcher turns a failure into a reject, and a success into the CommitRecord
the git source makes, the same way: from here on a dump record flows through the same filters.
"""
from __future__ import annotations

from datetime import datetime, timezone

from licenses.keys import OTHER, VOCABULARY
from schemas.candidate import CandidateCommit
from schemas.commit import CommitRecord, commit_record_id
from schemas.reject import RejectError


class FetchError(RejectError):
    """A candidate whose old or new contents could not be fetched, or must not be paired; `detail`
    never holds a token or other secret."""


def to_commit_record(candidate: CandidateCommit, old_contents: str, new_contents: str, *, source: str,
                     lang: str = "Python") -> CommitRecord:
    """The fetched candidate as the record the git source makes, so both flow into the same filters."""
    license_key = candidate.license if candidate.license in VOCABULARY else OTHER
    message = candidate.message or candidate.subject
    subject = candidate.subject or message.split("\n", 1)[0].strip()
    return CommitRecord(
        id=commit_record_id(source, candidate.commit, candidate.new_path),
        source=source,
        commit=candidate.commit,
        parent=candidate.parent,
        old_file=candidate.old_path,
        new_file=candidate.new_path,
        old_contents=old_contents,
        new_contents=new_contents,
        subject=subject,
        message=message,
        lang=lang,
        license=license_key,
        repos=list(candidate.repos),
        author_time=datetime.fromtimestamp(candidate.author_time_sec, tz=timezone.utc),
        committer_time=datetime.fromtimestamp(candidate.committer_time_sec, tz=timezone.utc),
        author_name="",
    )
