"""Beam source for git repositories: list commits per repository, reshuffle by sha, classify and read.

Listing is cheap and per repository; diffing and reading are the costly part, so the commit shas are
keyed and shuffled before them. That spreads one huge repository over every worker, and the same
shuffle merges a commit reached through several forks into one record (CommitPack did the same).
A shuffle hands commits over in hash order, and libgit2 reads a pack about twice as fast in the
order of the history (neighbouring commits share trees and delta bases), so a second grouping puts
each repository's commits back into walk order, in chunks of consecutive commits. A third puts the
records the cheap filters keep in file order for the costly ones (`InFileOrder`).
pygit2 objects cannot be pickled: DoFns carry repository specs (paths or URLs) and hex shas, and open
repositories in `setup()` or lazily on the worker.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Iterator

import apache_beam as beam
import pygit2

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.sorted_runs import RunFiles, hex_place
from beam_jobs.sources.commits import filter_and_annotate
from beam_jobs.sources.git import history as gh
from beam_jobs.sources.git.history import SOURCE, STAGE_COMMIT, STAGE_CONTENTS, STAGE_REFS, STAGE_REPOSITORY
from beam_jobs.sources.git.refs import RefListing, list_refs
from beam_jobs.sources.repositories import (OBJECT_ERRORS, ObjectError, RepoHandle, RepositoryError,
                                            repository_identity, tune_for_mining)
from config.git import GitConfig
from config.licenses import LicenseConfig
from config.model import Config
from licenses.detect import REASON_UNREADABLE, LicenseFileError, get_detector, repository_license
from schemas.commit import CommitRecord
from schemas.reject import Reject

STAGE_FILTERS = f"{SOURCE}.filters"


# Consecutive commits of one repository mined together, in walk order: large enough for the pack's
# caches to pay off, small enough to be held as one group (about 100 bytes a commit). Each chunk is
# one task of the mining stage, and the tasks are dealt to workers in walk order (the chunk keys'
# order, `SpillGroupByKey`'s split keys), so two workers get alternate stretches of the history.
WALK_CHUNK = 1024
# ListCommits' output of the walk chunk keys of each repository.
CHUNK_KEYS = "chunk_keys"


def walk_chunk_key(spec: str, position: int) -> str:
    """The key of the walk chunk holding the commit at `position` in the walk of `spec`."""
    return f"{spec}\0{position // WALK_CHUNK:012d}"


def _chunk_keys(spec: str, listed: int) -> Iterator[beam.pvalue.TaggedOutput]:
    for start in range(0, listed, WALK_CHUNK):
        yield beam.pvalue.TaggedOutput(CHUNK_KEYS, walk_chunk_key(spec, start))


class _ListCommits(StageDoFn):
    """(spec) -> (sha, (repo name, spec, license, position in the walk)) for every reachable commit,
    and the keys of the walk chunks they fall in (output CHUNK_KEYS).

    Counts two stages: `git.repository` (one record per spec) and `git.refs` (one per selected ref,
    keyed by its name: a ref that cannot be mined is rejected there, since the commits only it
    reaches cannot be listed). The license is detected here because this is the one place that sees
    each repository once.
    """

    def __init__(self, config: GitConfig, licenses: LicenseConfig, license_map: dict[str, str]) -> None:
        super().__init__(STAGE_REPOSITORY, SOURCE)
        self._config = config
        self._licenses = licenses
        self._license_map = license_map

    def setup(self) -> None:
        super().setup()
        tune_for_mining()
        self._refs_stage = self.stage(name=STAGE_REFS)
        # Created once per worker; the scancode index itself loads on the first repository that the
        # user's map does not cover.
        self._detector = get_detector(self._licenses.detector)

    def _license(self, handle: RepoHandle, listing: RefListing) -> str:
        """The repository's license key at its license ref; LicenseFileError when a license file
        (or the tree holding it) cannot be read."""
        if listing.license_ref is None:
            return "none"
        ref = listing.license_ref
        try:
            commit = handle.objects.get(listing.tips[ref], f"the tip of {ref}")
            tree = handle.objects.get(commit.tree_id, f"the root tree of {ref}")  # type: ignore[attr-defined]
        except ObjectError as exc:
            raise LicenseFileError(f"the license files cannot be looked for: {exc.detail}") from None
        names = [handle.name, handle.identity.location]
        try:
            return repository_license(handle.repo, names, tree, self._detector, self._license_map,
                                      read=handle.objects.get)
        except LicenseFileError:
            raise
        except (ValueError, pygit2.GitError, KeyError):
            return "other"

    def process(self, spec: str) -> Iterator[object]:
        self._stage.incoming()
        name = repository_identity(spec).name
        try:
            handle = RepoHandle(spec)
        except RepositoryError as exc:
            yield self._stage.reject(exc.reason, key=spec, repo=name, detail=exc.detail)
            return
        with handle:
            listing = list_refs(handle.repo, self._config.refs, self._config.include_pull_refs, handle.objects)
            self._refs_stage.incoming(listing.selected)
            self._refs_stage.kept(len(listing.tips))
            for bad in listing.rejects:
                yield self._refs_stage.reject(bad.reason, key=bad.name, repo=name, detail=bad.detail)
            try:
                license_key = self._license(handle, listing)
            except LicenseFileError as exc:
                yield self._stage.reject(REASON_UNREADABLE, key=spec, repo=name,
                                         detail=f"{exc}; its commits were not mined (name its license in "
                                                "licenses.license_map to mine them anyway)")
                return
            listed = 0
            try:
                for sha in gh.walk_commits(handle.repo, listing.tips.values(), handle.objects):
                    yield sha, (name, spec, license_key, listed)
                    listed += 1
            except OBJECT_ERRORS as exc:
                # Commits listed before the failure still flow; the repository is counted as failed.
                yield from _chunk_keys(spec, listed)
                yield self._stage.reject("walk_failed", key=spec, repo=name,
                                         detail=f"after {listed} commits: {exc}")
                return
        yield from _chunk_keys(spec, listed)
        if listed == 0:
            if listing.rejects:
                reasons = sorted({r.reason for r in listing.rejects})
                yield self._stage.reject("no_readable_ref", key=spec, repo=name,
                                         detail=f"each of its {listing.selected} selected refs was rejected at "
                                                f"{STAGE_REFS} ({', '.join(reasons)})")
            else:
                yield self._stage.reject("empty_repository", key=spec, repo=name,
                                         detail=f"no commits reachable from refs '{self._config.refs}'")
            return
        self._stage.kept()


class _RepoCache:
    """A few open repositories per worker; clones are deleted when evicted or at teardown."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._handles: OrderedDict[str, RepoHandle] = OrderedDict()

    def get(self, spec: str) -> RepoHandle:
        handle = self._handles.get(spec)
        if handle is not None:
            self._handles.move_to_end(spec)
            return handle
        handle = RepoHandle(spec)
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
    return walk_chunk_key(spec, position), (position, sha, repos, license_key)


def file_order_key(record: CommitRecord) -> str:
    """Where a record goes in the grouping that hands records to the costly filters: by file (a
    hash of repository and path first, `sorted_runs.hex_place`), then newest first (committer
    time, then sha, so that equal times keep a fixed order).

    Why: the versions of one file in neighbouring commits are nearly the same text, and what follows
    reuses the work of the file's last record (filters/parsing.py derives a tree from the file's last
    pair, or finds it parsed already when a commit's new version is the next one's old;
    filters/edits.py's statement hashes; the chunk memos of filters/chunks.py). In walk order, a
    hundred other files' records come between two of one file's, and a file's records in two walk
    chunks would never meet. What the records are does not depend on this order."""
    repo = record.repos[0] if record.repos else ""
    place = hashlib.blake2b(f"{repo}\0{record.new_file}".encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    newest_first = _TIME_FLIP - int(record.committer_time.timestamp())
    return f"{place}\0{repo}\0{record.new_file}\0{newest_first:013d}\0{record.commit}"


# Bytes of runs (compressed records) per task of the file-order grouping: the costly filters run in
# its tasks, so there must be many. At the groupings' usual 64 MB, the 4,888 records of ipython that
# pass the default preset's cheap filters made one task, and one worker of two filtered them all
# (39.0 s wall against 27.2 without the grouping). A file's records stay together in one task.
FILE_ORDER_SLICE_BYTES = 2 << 20
# Seconds subtracted from, so that later commits sort first in a fixed number of digits.
_TIME_FLIP = 1 << 40


def _keyed_by_file(record: CommitRecord) -> tuple[str, CommitRecord]:
    return file_order_key(record), record


def _record_of(group: tuple[str, list[object]]) -> Iterator[object]:
    """A file-order group's records (one, unless two records share a key)."""
    yield from group[1]


class InFileOrder(beam.PTransform):
    """CommitRecords -> the same records, a file's versions next to each other (`file_order_key`),
    through sorted runs (bounded memory on every runner)."""

    def __init__(self, runs: RunFiles) -> None:
        super().__init__()
        self._runs = runs

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        return (records
                | "KeyByFile" >> beam.Map(_keyed_by_file)
                | "GroupByFile" >> self._runs.group("files", slice_bytes=FILE_ORDER_SLICE_BYTES, place=hex_place)
                | "FileVersions" >> beam.FlatMap(_record_of))


class _MineCommit(StageDoFn):
    """(chunk key, [listed commit, ...]) -> CommitRecord per commit, or a reject at the commit or
    contents stage, mined in walk order (`history.mine_commit` decides; this counts)."""

    def __init__(self, config: GitConfig) -> None:
        super().__init__(STAGE_COMMIT, SOURCE)
        self._config = config

    def setup(self) -> None:
        super().setup()
        tune_for_mining()
        self._extensions = tuple(self._config.extensions)
        self._cache = _RepoCache()
        self._contents_stage = self.stage(name=STAGE_CONTENTS)

    def teardown(self) -> None:
        self._cache.close()

    def process(self, element: tuple[str, list[Listed]]) -> Iterator[object]:
        key, listed = element
        spec = key.split("\0", 1)[0]
        try:
            handle = self._cache.get(spec)
        except RepositoryError as exc:
            # Opened once per chunk: a clone that fails now fails for all of the chunk's commits.
            for _, sha, repos, _ in sorted(listed):
                self._stage.incoming()
                yield self._stage.reject("repository_unavailable", key=sha, repo=",".join(repos), detail=exc.detail)
            return
        for _, sha, repos, license_key in sorted(listed):
            yield self._count(gh.mine_commit(handle.repo, sha, list(repos), license_key, self._extensions,
                                             handle.objects))

    def _count(self, mined: object) -> object:
        """A record passed both stages; a reject of the contents stage passed the commit stage first."""
        self._stage.incoming()
        if isinstance(mined, Reject) and mined.stage == STAGE_COMMIT:
            return self._stage.reject(mined.reason, key=mined.key, repo=mined.repo, detail=mined.detail)
        self._stage.kept()
        self._contents_stage.incoming()
        if isinstance(mined, Reject):
            return self._contents_stage.reject(mined.reason, key=mined.key, repo=mined.repo, detail=mined.detail)
        self._contents_stage.kept()
        return mined


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
        listed = tallied(specs | "ListCommits" >> beam.ParDo(
            _ListCommits(git, self._config.licenses, self._license_map)).with_outputs(REJECTS, TALLY, CHUNK_KEYS,
                                                                                      main="shas"))
        # The shuffle on sha: merges forks and spreads one big repository over all workers. It goes
        # through sorted runs: the FnApiRunner would hold every listed commit of every repository.
        by_sha = listed.shas | "GroupForks" >> self._runs.group("commits")
        chunks = (by_sha | "ToWalkChunks" >> beam.Map(in_walk_chunk)
                  | "InWalkOrder" >> self._runs.group("chunks", split_keys=listed[CHUNK_KEYS]))
        mined = tallied(chunks | "MineCommits" >> beam.ParDo(_MineCommit(git)).with_outputs(REJECTS, TALLY, main="records"))
        # The records the cheap filters keep reach the costly ones (parsing) a file at a time.
        filtered = filter_and_annotate(mined.records, STAGE_FILTERS, SOURCE, self._config,
                                       between=InFileOrder(self._runs))
        return {"records": filtered["records"], "rejects": (listed[REJECTS], mined[REJECTS], filtered[REJECTS])}
