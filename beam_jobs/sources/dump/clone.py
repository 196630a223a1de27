"""Fetch both sides of each candidate by cloning its repository: group by repository, clone bare once.

A clone costs the whole history, so it is paid once per repository, not per candidate: candidates
are keyed by repository and grouped, and one DoFn call clones, reads every candidate of the group
from the clone, and deletes it before the next group. A worker thus holds one clone per DoFn thread
at a time, and the group's candidates are streamed from the iterable, never listed in memory.

Blob sizes are read from the object header first, so an oversized file is rejected without being
inflated.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import apache_beam as beam
import pygit2

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.sources.commits import FetchError, to_commit_record
from beam_jobs.sources.contents import ContentError, decode_source
from beam_jobs.sources.dump.stages import SOURCE, STAGE_FETCH
from beam_jobs.sources.repositories import OBJECT_ERRORS, RepoHandle, RepositoryError, loose_object_problem
from config.dump import FetchConfig, redact_credentials
from schemas.candidate import CandidateCommit

# Not in the stage namespace: a clone is not a record, and stage counters must balance.
CLONE_NAMESPACE = "repairpack.clone"
CLONES = "clones"
CLONE_FAILURES = "clone_failures"

def clone_url(template: str, repo: str) -> str:
    return template.format(repo=repo)


def read_blob(repo: pygit2.Repository, sha: str, which: str, max_file_bytes: int) -> str:
    """One side's contents as text, or FetchError. `which` ("old"/"new") goes in every detail."""
    try:
        oid = pygit2.Oid(hex=sha)
    except (ValueError, TypeError):
        raise FetchError("missing_blob", f"{which} blob sha {sha!r} is not a sha") from None
    problem = loose_object_problem(repo, sha)
    if problem:
        raise FetchError("corrupt_object", f"{which} blob: {problem}")
    try:
        if not repo.odb.exists(oid):
            raise FetchError("missing_blob", f"{which} blob {sha} is not in the repository "
                                             "(history rewritten, or the object was removed)")
        kind, size = repo.odb.read_header(oid)
        if kind != pygit2.enums.ObjectType.BLOB:
            raise FetchError("missing_blob", f"{which} sha {sha} names a {pygit2.enums.ObjectType(kind).name.lower()}, "
                                             "not a blob")
        if size > max_file_bytes:
            raise FetchError("too_large", f"{which} blob {sha} is {size} bytes, over the limit of {max_file_bytes}")
        _, data = repo.odb.read(oid)
    except OBJECT_ERRORS as exc:
        raise FetchError("corrupt_object", f"{which} blob {sha}: {exc}") from None
    try:
        return decode_source(data, which)
    except ContentError as exc:
        raise FetchError(exc.reason, exc.detail) from None


def read_candidate(repo: pygit2.Repository, candidate: CandidateCommit, max_file_bytes: int) -> tuple[str, str]:
    """(old contents, new contents) of a candidate from an open repository, or FetchError."""
    old = read_blob(repo, candidate.old_sha1, "old", max_file_bytes)
    new = read_blob(repo, candidate.new_sha1, "new", max_file_bytes)
    return old, new


class _FetchRepository(StageDoFn):
    """(repo, candidates) -> CommitRecord per candidate, or a reject at the fetch stage."""

    def __init__(self, config: FetchConfig, source: str, stage: str) -> None:
        super().__init__(stage, source)
        self._config = config

    def setup(self) -> None:
        super().setup()
        self._clones = self.counter(CLONES, CLONE_NAMESPACE)
        self._clone_failures = self.counter(CLONE_FAILURES, CLONE_NAMESPACE)

    def process(self, element: tuple[str, Iterable[CandidateCommit]]) -> Iterator[object]:
        repo_name, candidates = element
        url = clone_url(self._config.clone_url, repo_name)
        self._clones.inc()
        try:
            handle = RepoHandle(url)
        except RepositoryError as exc:
            self._clone_failures.inc()
            why = exc.detail if exc.reason == "clone_failed" else f"{exc.reason}: {exc.detail}"
            detail = f"cloning {url}: {why}"
            for candidate in candidates:
                self._stage.incoming()
                yield self._stage.reject("clone_failed", key=candidate.commit, repo=repo_name,
                                         detail=redact_credentials(detail))
        else:
            with handle:
                for candidate in candidates:
                    yield self._fetch(handle.repo, candidate, repo_name)

    def _fetch(self, repo: pygit2.Repository, candidate: CandidateCommit, repo_name: str) -> object:
        self._stage.incoming()
        try:
            old, new = read_candidate(repo, candidate, self._config.max_file_bytes)
        except FetchError as exc:
            return self._stage.reject(exc.reason, key=candidate.commit, repo=repo_name, detail=exc.detail)
        self._stage.kept()
        return to_commit_record(candidate, old, new, source=self._source)


def _by_repository(candidate: CandidateCommit) -> tuple[str, CandidateCommit]:
    return candidate.repo, candidate


class FetchByClone(beam.PTransform):
    """PCollection[CandidateCommit] -> {"records": PCollection[CommitRecord], "rejects": PCollection[Reject]}."""

    def __init__(self, fetch_config: FetchConfig, source: str = SOURCE, stage: str = STAGE_FETCH) -> None:
        super().__init__()
        self._config = fetch_config
        self._source = source
        self._stage = stage

    def expand(self, candidates: beam.PCollection) -> dict[str, beam.PCollection]:
        fetched = tallied(candidates
                          | "KeyByRepository" >> beam.Map(_by_repository)
                          | "GroupByRepository" >> beam.GroupByKey()
                          | "CloneAndRead" >> beam.ParDo(
                              _FetchRepository(self._config, self._source, self._stage)).with_outputs(REJECTS, TALLY,
                                                                                                    main="records"))
        return {"records": fetched.records, "rejects": fetched[REJECTS]}
