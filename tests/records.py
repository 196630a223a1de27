"""One factory for CommitRecords in unit tests; each test module passes the defaults it cares about."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from schemas.commit import CommitRecord

T0 = datetime(2021, 6, 1, tzinfo=timezone.utc)


def commit_record(**fields: Any) -> CommitRecord:
    """A complete record; `message` defaults to the subject plus a newline, as git stores it."""
    subject = fields.pop("subject", "Fix the average of an empty list")
    path = fields.pop("path", "pkg/stats.py")
    values: dict[str, Any] = dict(
        id="r1", source="git", commit="3f2a9c1e" * 5, parent="0" * 40, old_file=path, new_file=path,
        old_contents="x = 1\n", new_contents="x = 2\n", subject=subject, message=subject + "\n",
        lang="Python", license="mit", repos=["octo/stats"], author_time=T0, committer_time=T0,
        author_name="Ada Lovelace")
    values.update(fields)
    return CommitRecord(**values)
