"""The one shape every stage uses to say what it dropped and why."""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of


@dataclass(frozen=True)
class Reject:
    stage: str = arrow_field(pa.string())
    reason: str = arrow_field(pa.string())
    source: str = arrow_field(pa.string())
    # A commit sha, a submission id or a repository name: whatever names the record at that stage.
    key: str = arrow_field(pa.string())
    repo: str = arrow_field(pa.string())
    detail: str = arrow_field(pa.string())


REJECT_SCHEMA: pa.Schema = schema_of(Reject)


class RejectError(Exception):
    """Raised by the pure code when a record must be rejected: `reason` is the stage reason the Beam
    wrapper counts, `detail` what a user needs to see why (never a secret). One base, so every
    wrapper turns any of them into a reject the same way."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail

DETAIL_LIMIT = 300


def make_reject(stage: str, reason: str, *, source: str, key: str, repo: str = "", detail: str = "") -> Reject:
    """Details are truncated: a reject row explains, it must not smuggle a whole file into the output."""
    return Reject(stage=stage, reason=reason, source=source, key=key, repo=repo, detail=detail[:DETAIL_LIMIT])
