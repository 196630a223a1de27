"""Beam source for git repositories: list commits per repository, reshuffle by sha, classify and read.

Listing is cheap and per repository; diffing and reading are the costly part, so the commit shas are
keyed and shuffled before them. That spreads one huge repository over every worker, and the same
shuffle merges a commit reached through several forks into one record (CommitPack did the same).
A shuffle hands commits over in hash order, and libgit2 reads a pack about twice as fast in the
order of the history (neighbouring commits share trees and delta bases), so a second grouping puts
each repository's commits back into walk order, in chunks of consecutive commits.
pygit2 objects cannot be pickled: DoFns carry repository specs (paths or URLs) and hex shas, and open
repositories in `setup()` or lazily on the worker.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Iterator

import apache_beam as beam
import pygit2

from beam_jobs.sources.git import history as gh
from beam_jobs.accounting import REJECTS, ApplyFilters, Stage
from beam_jobs.sorted_runs import RunFiles
from filters.chain import annotate, build_commit_filters, compiled_rules
from licenses.allow import LicensePolicy
from licenses.detect import get_detector, license_ref, repository_license
from schemas.commit import CommitRecord, commit_record_id
from config.model import Config, GitConfig
from config.licenses import LicenseConfig

SOURCE = "git"
STAGE_REPOSITORY = "git.repository"
STAGE_COMMIT = "git.commit"
STAGE_CONTENTS = "git.contents"
STAGE_FILTERS = "git.filters"
LANG_PYTHON = "Python"
_OBJECT_ERRORS = (pygit2.GitError, KeyError, ValueError, OSError)


# Consecutive commits of one repository mined together, in walk order: large enough for the pack's
# caches to pay off, small enough to be held as one group (about 100 bytes a commit).
WALK_CHUNK = 4096
# The run bytes of about one chunk (a listed commit is about 90 bytes packed). Slices of the hash space
# are what the workers share out, so slices of a chunk or two spread a repository of a million
# commits over hundreds of tasks, where the default 64 MiB slice would leave it to one or two workers.
WALK_SLICE_BYTES = 512 << 10


class _ListCommits(beam.DoFn):
    """(spec) -> (sha, (repo name, spec, license, position in the walk)) for every reachable commit.

    The license is detected here because this is the one place that sees each repository once.
    Repository failures are rejects.
    """

    def __init__(self, config: GitConfig, licenses: LicenseConfig, license_map: dict[str, str]) -> None:
        self._config = config
        self._licenses = licenses
        self._license_map = license_map

    def setup(self) -> None:
        gh.tune_for_mining()
        self._stage = Stage(STAGE_REPOSITORY, SOURCE)
        # Created once per worker; the scancode index itself loads on the first repository that the
        # user's map does not cover.
        self._detector = get_detector(self._licenses.detector)

    def _license(self, handle: gh.RepoHandle, refs: list[str]) -> str:
        try:
            return repository_license(handle.repo, [handle.spec, handle.name], license_ref(handle.repo, refs),
                                      self._detector, self._license_map)
        except (ValueError, pygit2.GitError, KeyError):
            return "other"

    def process(self, spec: str) -> Iterator[object]:
        self._stage.incoming()
        name = gh.repo_name(spec)
        try:
            handle = gh.RepoHandle(spec)
        except gh.RepositoryError as exc:
            yield self._stage.reject(exc.reason, key=spec, repo=name, detail=exc.detail)
            return
        with handle:
            refs = gh.select_refs(handle.repo, self._config.refs, self._config.include_pull_refs)
            license_key = self._license(handle, refs) if refs else "none"
            listed = 0
            try:
                for sha in gh.iter_commit_shas(handle.repo, refs):
                    yield sha, (name, spec, license_key, listed)
                    listed += 1
            except _OBJECT_ERRORS as exc:
                # Commits listed before the failure still flow; the repository is counted as failed.
                yield self._stage.reject("walk_failed", key=spec, repo=name,
                                         detail=f"after {listed} commits: {exc}")
                return
        if listed == 0:
            yield self._stage.reject("empty_repository", key=spec, repo=name,
                                     detail=f"no commits reachable from refs '{self._config.refs}'")
            return
        self._stage.kept()


class _RepoCache:
    """A few open repositories per worker; clones are deleted when evicted or at teardown."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._handles: OrderedDict[str, gh.RepoHandle] = OrderedDict()

    def get(self, spec: str) -> gh.RepoHandle:
        handle = self._handles.get(spec)
        if handle is not None:
            self._handles.move_to_end(spec)
            return handle
        handle = gh.RepoHandle(spec)
        self._handles[spec] = handle
        while len(self._handles) > self._size:
            _, old = self._handles.popitem(last=False)
            old.close()
        return handle

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()


Sighting = tuple[str, str, str, int]  # (repo name, spec, license, position in that repository's walk)
Listed = tuple[int, str, tuple[str, ...], str]  # (position in the walk, sha, sorted repo names, license)


def in_walk_chunk(element: tuple[str, list[Sighting]]) -> tuple[str, Listed]:
    """(sha, sightings) -> (chunk key, listed commit): the commit goes with its reading repository's
    neighbours.

    Forks hold the same commit; it is read from the first spec in sorted order, and carries that
    repository's license and walk position.
    """
    sha, sightings = element
    repos = tuple(sorted({name for name, _, _, _ in sightings}))
    _, spec, license_key, position = min(sightings, key=lambda s: (s[1], s[3]))
    return f"{spec}\0{position // WALK_CHUNK:012d}", (position, sha, repos, license_key)


class _MineCommit(beam.DoFn):
    """(chunk key, [listed commit, ...]) -> CommitRecord per commit, or a reject at the commit or
    contents stage, mined in walk order."""

    def __init__(self, config: GitConfig) -> None:
        self._config = config

    def setup(self) -> None:
        gh.tune_for_mining()
        self._extensions = tuple(self._config.extensions)
        self._cache = _RepoCache()
        self._commit_stage = Stage(STAGE_COMMIT, SOURCE)
        self._contents_stage = Stage(STAGE_CONTENTS, SOURCE)

    def teardown(self) -> None:
        self._cache.close()

    def process(self, element: tuple[str, list[Listed]]) -> Iterator[object]:
        key, listed = element
        spec = key.split("\0", 1)[0]
        try:
            repo = self._cache.get(spec).repo
        except gh.RepositoryError as exc:
            # Opened once per chunk: a clone that fails now fails for all of the chunk's commits.
            for _, sha, repos, _ in sorted(listed):
                self._commit_stage.incoming()
                yield self._commit_stage.reject("repository_unavailable", key=sha, repo=",".join(repos),
                                                detail=exc.detail)
            return
        for _, sha, repos, license_key in sorted(listed):
            yield from self._mine(repo, sha, list(repos), license_key)

    def _mine(self, repo: pygit2.Repository, sha: str, repos: list[str], license_key: str) -> Iterator[object]:
        repo_label = ",".join(repos)
        self._commit_stage.incoming()
        try:
            commit = repo[sha]
            result = gh.classify(repo, commit, self._extensions)
        except _OBJECT_ERRORS as exc:
            yield self._commit_stage.reject("corrupt_object", key=sha, repo=repo_label, detail=str(exc))
            return
        if isinstance(result, str):
            yield self._commit_stage.reject(result, key=sha, repo=repo_label)
            return
        self._commit_stage.kept()

        self._contents_stage.incoming()
        try:
            old = gh.read_blob_text(repo, result.old_blob, "old")
            new = gh.read_blob_text(repo, result.new_blob, "new")
            message = gh.decode_message(commit)
            author, committer = commit.author, commit.committer
        except gh.ContentError as exc:
            yield self._contents_stage.reject(exc.reason, key=sha, repo=repo_label, detail=exc.detail)
            return
        except _OBJECT_ERRORS as exc:
            yield self._contents_stage.reject("corrupt_object", key=sha, repo=repo_label, detail=str(exc))
            return
        self._contents_stage.kept()
        yield CommitRecord(
            id=commit_record_id(SOURCE, sha, result.path),
            source=SOURCE,
            commit=sha,
            parent=result.parent,
            old_file=result.path,
            new_file=result.path,
            old_contents=old,
            new_contents=new,
            subject=message.split("\n", 1)[0].strip(),
            message=message,
            lang=LANG_PYTHON,
            license=license_key,
            repos=repos,
            author_time=gh.utc(author.time),
            committer_time=gh.utc(committer.time),
            author_name=author.raw_name.decode("utf-8", errors="replace"),
        )


def commit_filters(config: Config) -> list[Callable[[CommitRecord], str | None]]:
    """The filter-stage chain: the license check first (a set lookup), then the commit filters."""
    policy = LicensePolicy.from_config(config.licenses)
    return [policy.record_reason, *build_commit_filters(config.filters)]


class MineGitRepos(beam.PTransform):
    """PCollection[str repo spec] -> outputs `records` (filtered, annotated CommitRecords) and `rejects`
    (a tuple of PCollection[Reject], one per stage)."""

    def __init__(self, config: Config, license_map: dict[str, str] | None = None, runs: RunFiles | None = None) -> None:
        super().__init__()
        self._config = config
        self._license_map = license_map or {}
        # Where the commit list waits for its shuffle, as sorted runs (sorted_runs.SpillGroupByKey).
        self._runs = runs or RunFiles.local()

    def expand(self, specs: beam.PCollection) -> dict[str, beam.PCollection]:
        git = self._config.git
        listed = specs | "ListCommits" >> beam.ParDo(
            _ListCommits(git, self._config.licenses, self._license_map)).with_outputs(REJECTS, main="shas")
        # The shuffle on sha: merges forks and spreads one big repository over all workers. It goes
        # through sorted runs: the FnApiRunner would hold every listed commit of every repository.
        by_sha = listed.shas | "GroupForks" >> self._runs.group("commits")
        chunks = (by_sha | "ToWalkChunks" >> beam.Map(in_walk_chunk)
                  | "InWalkOrder" >> self._runs.group("chunks", slice_bytes=WALK_SLICE_BYTES))
        mined = chunks | "MineCommits" >> beam.ParDo(_MineCommit(git)).with_outputs(REJECTS, main="records")
        filtered = mined.records | ApplyFilters(STAGE_FILTERS, SOURCE, commit_filters(self._config),
                                                key_of=lambda r: r.commit, repo_of=lambda r: ",".join(r.repos))
        records = filtered.kept | "Annotate" >> beam.Map(annotate, compiled_rules(self._config.filters))
        return {"records": records, "rejects": (listed[REJECTS], mined[REJECTS], filtered[REJECTS])}
