"""The `raw` content fetcher: both sides of a dump candidate over HTTP, checked against their blob shas.

The dump names blobs by sha; GitHub's raw host serves a file by repository, commit and path. So the
old file is fetched at the candidate's parent and the new one at its commit, and each body is hashed
the way git hashes a blob: only bytes whose hash is the sha the dump recorded are ever paired, so a
rewritten history, a wrong path or a proxy's error page can never become a training sample.

The core is plain Python (no Beam), so that it can be tested and benchmarked against a local server:
- one bounded urllib3 pool per worker process (maxsize = concurrency, block=True), so a worker never
  holds more connections than it has fetch threads;
- connect and read timeouts;
- retries of 429, 5xx, timeouts and connection errors with exponential backoff and full jitter, and
  the server's Retry-After (seconds or an HTTP date) when it sends one, capped by backoff_max;
- a thread-safe token bucket that caps requests per second per worker process, retries included,
  because the host counts every request;
- max_file_bytes enforced while streaming: a huge file is dropped after max_file_bytes + 1 bytes,
  never read whole;
- a small LRU of verified blobs by sha, shared by the worker's threads (`BlobCache`): a child
  commit's old file is its parent's new file, so a run over a history asks for the same blob twice
  about one time in ten; the second ask is served from memory, and two threads asking for one blob
  at once make one request.

The token comes from the environment at worker setup. It lives only in the pool's default headers:
it is never logged, never part of an exception or a reject detail (details are scrubbed anyway), and
never pickled, since the fetcher is built in `setup()`.
"""
from __future__ import annotations

import email.utils
import hashlib
import logging
import os
import random
import threading
import time
import urllib.parse
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

import apache_beam as beam
import urllib3
from urllib3.exceptions import (ConnectTimeoutError, HTTPError, MaxRetryError, NewConnectionError,
                                ProtocolError, ReadTimeoutError)
from urllib3.util.retry import Retry

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.sources.dump.stages import SOURCE, STAGE_FETCH
from beam_jobs.sources.commits import FetchError, to_commit_record
from beam_jobs.sources.contents import decode_source
from schemas.candidate import CandidateCommit
from schemas.commit import CommitRecord
from config.dump import FetchConfig
from schemas.reject import RejectError


# Reasons of the fetch stage.
MISSING_FILE = "missing_file"
HTTP_ERROR = "http_error"
RATE_LIMITED = "rate_limited"
TIMEOUT = "timeout"
CONNECTION_FAILED = "connection_failed"
TOO_LARGE = "too_large"
SHA_MISMATCH = "sha_mismatch"
REASONS = (MISSING_FILE, HTTP_ERROR, RATE_LIMITED, TIMEOUT, CONNECTION_FAILED, TOO_LARGE, SHA_MISMATCH,
           "binary_content", "not_utf8")

USER_AGENT = "repairpack-raw-fetcher"
_CHUNK = 64 * 1024
# Error bodies are read (so the connection can be reused) only when they are this small.
_ERROR_BODY_LIMIT = 64 * 1024
_RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
_MISSING_STATUSES = frozenset({404, 410})

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchOutcome:
    """One candidate's result: a record, or the reason and detail of its reject."""
    candidate: CandidateCommit
    record: CommitRecord | None = None
    reason: str = ""
    detail: str = ""


# ------------------------------------------------------------------------------------- pure helpers

def git_blob_sha1(data: bytes) -> str:
    """The id git gives these bytes as a blob: what the dump's old_sha1/new_sha1 columns hold."""
    digest = hashlib.sha1(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def raw_file_url(template: str, repo: str, commit: str, path: str) -> str:
    """The template filled in; the path is URL-quoted ("/" kept) so spaces, '#' and '?' stay in it."""
    return template.format(repo=repo, commit=commit, path=urllib.parse.quote(path))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date), or None if absent
    or unreadable, in which case the caller's own backoff applies."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_delay(attempt: int, retry_after: float | None, base: float, cap: float, rng: random.Random) -> float:
    """How long to sleep before retry number `attempt + 1`.

    The server's Retry-After wins when it gave one (it knows when its window resets), capped so that
    a hostile or mistaken header cannot park a worker for hours. Otherwise full jitter: uniform in
    [0, min(cap, base * 2**attempt)], which spreads the retries of many threads and workers apart.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), cap)
    ceiling = min(cap, base * (2.0 ** min(attempt, 62)))
    return rng.uniform(0.0, ceiling)


class RateLimiter:
    """A token bucket shared by a worker's threads: on average `rate` acquisitions per second, at most
    `burst` at once. A caller reserves its token under the lock and sleeps outside it, so threads queue
    up in order instead of all waking together. rate <= 0: no limit."""

    def __init__(self, rate: float, burst: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()

    def acquire(self) -> float:
        """Take one token, sleeping as long as needed; returns the seconds slept."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


# The blob cache's bounds, per worker process: what the children of recently fetched commits will ask
# for again, without holding a worker's memory (at most 64 MiB; a blob bigger than the whole budget is
# not kept).
CACHE_MAX_BYTES = 64 << 20
CACHE_MAX_ENTRIES = 4096


class _Flight:
    """One fetch in progress: the threads that ask for the same sha meanwhile wait for its bytes."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.data: bytes | None = None


class BlobCache:
    """Verified blob bytes by git blob sha, least recently used first out, bounded by bytes and by
    entries; thread-safe. A sha names its bytes, so a blob fetched at one (commit, path) serves every
    other place the same blob is asked for.

    `get_or_fetch` also joins concurrent asks: while one thread fetches a sha, the others wait for its
    bytes instead of sending the same request. A failure is never kept: if the first fetch fails, a
    waiting thread fetches for itself (its URL may work where the other's did not: another commit,
    another path). `hits` counts asks served without a request (kept or joined), `misses` requests."""

    def __init__(self, max_bytes: int = CACHE_MAX_BYTES, max_entries: int = CACHE_MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._blobs: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._flights: dict[str, _Flight] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._blobs)

    def _store(self, sha: str, data: bytes) -> None:
        if self.max_entries < 1 or len(data) > self.max_bytes or sha in self._blobs:
            return
        self._blobs[sha] = data
        self._bytes += len(data)
        while self._bytes > self.max_bytes or len(self._blobs) > self.max_entries:
            _, old = self._blobs.popitem(last=False)
            self._bytes -= len(old)

    def get_or_fetch(self, sha: str, fetch: Callable[[], bytes]) -> bytes:
        """The blob `sha` from the cache, from a fetch of it already in flight, or from `fetch()`
        (which must return bytes verified to hash to `sha`, or raise; its exceptions reach the caller
        whose fetch raised them)."""
        with self._lock:
            data = self._blobs.get(sha)
            if data is not None:
                self._blobs.move_to_end(sha)
                self.hits += 1
                return data
            flight = self._flights.get(sha)
            leader = flight is None
            if leader:
                flight = self._flights[sha] = _Flight()
                self.misses += 1
        assert flight is not None
        if not leader:
            flight.done.wait()
            with self._lock:
                if flight.data is not None:
                    self.hits += 1
                    return flight.data
                self.misses += 1
            return fetch()  # the other fetch failed: this one's URL may still work
        try:
            data = fetch()
            flight.data = data
            with self._lock:
                self._store(sha, data)
            return data
        finally:
            with self._lock:
                del self._flights[sha]
            flight.done.set()


def _scrub(text: str, secret: str) -> str:
    """Defence in depth: whatever a library put in a message, the token never reaches a detail."""
    return text.replace(secret, "<token>") if secret else text


# -------------------------------------------------------------------------------------- the fetcher

class RawFetcher:
    """Fetches candidates' files over HTTP for one worker; thread-safe; close() when done."""

    def __init__(self, config: FetchConfig, token: str = "", *, seed: int | None = None,
                 cache: BlobCache | None = None, cache_blobs: bool = True) -> None:
        self._config = config
        self._token = token
        # cache_blobs=False: every ask is its own request (the transport tests see each one).
        self.cache: BlobCache | None = (cache or BlobCache()) if cache_blobs else None
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Redirects are followed (renamed repositories); urllib3 drops Authorization when one leaves
        # the host. Every other retry is ours, so connect/read errors surface at once.
        retries = Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5,
                        raise_on_redirect=False, raise_on_status=False)
        self._pool = urllib3.PoolManager(
            num_pools=4, maxsize=config.concurrency, block=True, headers=headers, retries=retries,
            timeout=urllib3.Timeout(connect=config.timeout, read=config.timeout))
        self._limiter = RateLimiter(config.rate_limit)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RawFetcher(url={self._config.raw_url!r}, concurrency={self._config.concurrency})"

    @classmethod
    def from_environment(cls, config: FetchConfig) -> "RawFetcher":
        """The worker's fetcher, with the token from config.token_env (anonymous if it is unset)."""
        token = os.environ.get(config.token_env, "")
        if not token:
            log.warning("environment variable %s is not set: fetching raw files without a token",
                        config.token_env)
        return cls(config, token)

    # ---------------------------------------------------------------------------- one file

    def fetch_file(self, repo: str, commit: str, path: str, expected_sha: str, which: str) -> bytes:
        """The bytes of `path` at `commit`, verified against `expected_sha`, or FetchError."""
        url = raw_file_url(self._config.raw_url, repo, commit, path)
        where = f"{which} file at {commit[:12]}"
        attempts = self._config.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            self._limiter.acquire()
            try:
                status, body, retry_after = self._get(url, where)
            except FetchError as exc:
                if exc.reason not in (TIMEOUT, CONNECTION_FAILED):
                    raise
                if last:
                    raise FetchError(exc.reason, f"{exc.detail} after {attempts} attempt(s)") from None
                self._sleep_before_retry(attempt, None)
                continue
            if status == 200:
                assert body is not None
                actual = git_blob_sha1(body)
                if actual != expected_sha:
                    raise FetchError(SHA_MISMATCH, f"{where}: blob sha {actual} is not the expected {expected_sha}")
                return body
            if status in _RETRY_STATUSES and not last:
                self._sleep_before_retry(attempt, retry_after)
                continue
            if status in _MISSING_STATUSES:
                raise FetchError(MISSING_FILE, f"{where}: HTTP {status}")
            if status == 429:
                raise FetchError(RATE_LIMITED, f"{where}: HTTP 429 after {attempts} attempt(s)")
            if status in _RETRY_STATUSES:
                raise FetchError(HTTP_ERROR, f"{where}: HTTP {status} after {attempts} attempt(s)")
            raise FetchError(HTTP_ERROR, f"{where}: HTTP {status}")
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _sleep_before_retry(self, attempt: int, retry_after: float | None) -> None:
        with self._rng_lock:
            delay = retry_delay(attempt, retry_after, self._config.backoff_base, self._config.backoff_max, self._rng)
        if delay > 0:
            time.sleep(delay)

    def _get(self, url: str, where: str) -> tuple[int, bytes | None, float | None]:
        """(status, body if 200, Retry-After seconds); transport failures as FetchError."""
        try:
            response = self._pool.request("GET", url, preload_content=False, decode_content=True)
        except MaxRetryError as exc:
            raise self._transport_error(exc.reason, where) from None
        except HTTPError as exc:
            raise self._transport_error(exc, where) from None
        try:
            if response.status != 200:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                self._discard(response)
                return response.status, None, retry_after
            return 200, self._read_limited(response, where), None
        except (HTTPError, OSError) as exc:
            response.close()
            raise self._transport_error(exc, where) from None
        finally:
            response.release_conn()

    def _read_limited(self, response: urllib3.BaseHTTPResponse, where: str) -> bytes:
        limit = self._config.max_file_bytes
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response.close()
            raise FetchError(TOO_LARGE, f"{where}: {int(declared)} bytes declared, more than {limit}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.stream(_CHUNK):
            size += len(chunk)
            if size > limit:
                response.close()
                raise FetchError(TOO_LARGE, f"{where}: more than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _discard(response: urllib3.BaseHTTPResponse) -> None:
        """Read a small error body so the connection goes back to the pool; close on a big one."""
        data = response.read(_ERROR_BODY_LIMIT + 1)
        if len(data) > _ERROR_BODY_LIMIT:
            response.close()

    def _transport_error(self, exc: BaseException | None, where: str) -> FetchError:
        # NewConnectionError subclasses ConnectTimeoutError (urllib3 keeps it for compatibility): a
        # refused or unresolvable host is not a timeout.
        if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)) and \
                not isinstance(exc, NewConnectionError):
            return FetchError(TIMEOUT, f"{where}: timed out ({self._config.timeout:g} s)")
        kind = type(exc).__name__ if exc is not None else "unknown error"
        if isinstance(exc, (NewConnectionError, ProtocolError, OSError, HTTPError)):
            return FetchError(CONNECTION_FAILED, _scrub(f"{where}: {kind}: {exc}", self._token)[:200])
        return FetchError(CONNECTION_FAILED, f"{where}: {kind}")

    def blob(self, repo: str, commit: str, path: str, expected_sha: str, which: str) -> bytes:
        """`fetch_file` through the worker's blob cache: a blob already fetched is not asked for again."""
        if self.cache is None:
            return self.fetch_file(repo, commit, path, expected_sha, which)
        return self.cache.get_or_fetch(expected_sha,
                                       lambda: self.fetch_file(repo, commit, path, expected_sha, which))

    # ---------------------------------------------------------------------------- candidates

    def fetch_candidate(self, candidate: CandidateCommit, source: str = SOURCE) -> FetchOutcome:
        """Both sides of one candidate as a CommitRecord, or the reason it cannot be one."""
        repo, path = candidate.repo, candidate.new_path
        try:
            # One blob on both sides (a chmod, rejected at bigquery.commit before fetching when the
            # candidate comes through the source) is one request with the cache: the second ask hits.
            old = decode_source(self.blob(repo, candidate.parent, candidate.old_path, candidate.old_sha1, "old"), "old")
            new = decode_source(self.blob(repo, candidate.commit, path, candidate.new_sha1, "new"), "new")
        except RejectError as exc:  # FetchError, or ContentError from decoding
            return FetchOutcome(candidate, reason=exc.reason, detail=_scrub(exc.detail or exc.reason, self._token))
        return FetchOutcome(candidate, record=to_commit_record(candidate, old, new, source=source))

    def fetch_batch(self, candidates: Sequence[CandidateCommit], source: str = SOURCE) -> list[FetchOutcome]:
        """Every candidate fetched on `concurrency` threads; outcomes in input order, so output is
        deterministic whatever order the responses arrive in."""
        if not candidates:
            return []
        if self._config.concurrency <= 1 or len(candidates) == 1:
            return [self.fetch_candidate(c, source) for c in candidates]
        return list(self._threads().map(lambda c: self.fetch_candidate(c, source), candidates))

    def _threads(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._config.concurrency, thread_name_prefix="raw-fetch")
            return self._executor

    def close(self) -> None:
        with self._executor_lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
        self._pool.clear()

    def __enter__(self) -> "RawFetcher":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fetch_all(fetcher: RawFetcher, candidates: Iterable[CandidateCommit], batch_size: int,
              source: str = SOURCE) -> Iterator[FetchOutcome]:
    """Outcomes of a stream of candidates, `batch_size` at a time, so memory holds one batch."""
    batch: list[CandidateCommit] = []
    for candidate in candidates:
        batch.append(candidate)
        if len(batch) >= batch_size:
            yield from fetcher.fetch_batch(batch, source)
            batch = []
    if batch:
        yield from fetcher.fetch_batch(batch, source)


# ------------------------------------------------------------- one fetcher per worker process

# A Beam worker process runs several DoFn instances at once (one per bundle thread). They share one
# fetcher, so that `concurrency` and `rate_limit` bound the process, not each thread of it.
_SHARED: dict[str, tuple[RawFetcher, int]] = {}
_SHARED_LOCK = threading.Lock()


def acquire_fetcher(config: FetchConfig) -> RawFetcher:
    """The process's fetcher for this config, made on first use (token read from the environment)."""
    key = repr(config)
    with _SHARED_LOCK:
        fetcher, users = _SHARED.get(key, (None, 0))
        if fetcher is None:
            fetcher = RawFetcher.from_environment(config)
        _SHARED[key] = (fetcher, users + 1)
        return fetcher


def release_fetcher(config: FetchConfig) -> None:
    """One user fewer; the last one closes the pool and the threads."""
    key = repr(config)
    with _SHARED_LOCK:
        fetcher, users = _SHARED.pop(key, (None, 0))
        if fetcher is None:
            return
        if users > 1:
            _SHARED[key] = (fetcher, users - 1)
            return
    fetcher.close()


# --------------------------------------------------------------------------------------------- Beam

class _FetchBatch(StageDoFn):
    """list[CandidateCommit] -> CommitRecord, or a reject at the fetch stage. Pickles as a config:
    the pool, threads and token are made on the worker, once per process (`acquire_fetcher`)."""

    def __init__(self, config: FetchConfig, source: str, stage: str) -> None:
        super().__init__(stage, source)
        self._config = config

    def setup(self) -> None:
        super().setup()
        self._fetcher = acquire_fetcher(self._config)

    def teardown(self) -> None:
        if getattr(self, "_fetcher", None) is not None:
            release_fetcher(self._config)
            self._fetcher = None

    def process(self, batch: list[CandidateCommit]) -> Iterator[object]:
        self._stage.incoming(len(batch))
        for outcome in self._fetcher.fetch_batch(batch, self._source):
            if outcome.record is not None:
                self._stage.kept()
                yield outcome.record
            else:
                candidate = outcome.candidate
                yield self._stage.reject(outcome.reason, key=candidate.commit, repo=",".join(candidate.repos),
                                         detail=outcome.detail)


class FetchRaw(beam.PTransform):
    """PCollection[CandidateCommit] -> {"records": PCollection[CommitRecord], "rejects": PCollection[Reject]}.

    Candidates are batched (at least `concurrency`, so every thread has work) and each batch is fetched
    concurrently; a batch is capped so a worker holds at most a few hundred files at once.
    """

    def __init__(self, fetch_config: FetchConfig, source: str = SOURCE, stage: str = STAGE_FETCH) -> None:
        super().__init__(label=f"FetchRaw[{stage}]")
        self._config = fetch_config
        self._source = source
        self._stage = stage

    def expand(self, candidates: beam.PCollection) -> dict[str, beam.PCollection]:
        concurrency = max(1, self._config.concurrency)
        fetched = tallied(candidates
                          | "Batch" >> beam.BatchElements(min_batch_size=concurrency, max_batch_size=concurrency * 8)
                          | "Fetch" >> beam.ParDo(_FetchBatch(self._config, self._source, self._stage))
                          .with_outputs(REJECTS, TALLY, main="records"))
        return {"records": fetched.records, "rejects": fetched[REJECTS]}
