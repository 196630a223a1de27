"""A real HTTP server on 127.0.0.1 that serves fixture files by URL path, for the raw fetcher's tests
and benchmark.

It misbehaves on request, the ways a raw-content host does: failures before success (429 with
Retry-After, 5xx), slow responses, chunked bodies, endless bodies, redirects. It records what the
client did (requests per path and their times, the Authorization headers it sent, the most requests
in flight at once, the connections it opened, the bytes an endless body got out before the client
hung up), so tests can assert on behaviour rather than trust it.
"""
from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from schemas.candidate import CandidateCommit

_STREAM_CHUNK = 64 * 1024


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Served first, one per request, before the final response: (status, headers).
    failures: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    # No Content-Length: the body goes out in chunks (Transfer-Encoding: chunked).
    chunked: bool = False
    # A chunked body that never ends, up to `endless_cap` bytes or until the client leaves.
    endless: bool = False
    endless_cap: int = 256 << 20


class FixtureServer:
    """ThreadingHTTPServer on an ephemeral port; use as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None, latency: float = 0.0) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.latency = latency
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.auth: list[str | None] = []
        self.connections: set[tuple[str, int]] = set()
        self.streamed: Counter[str] = Counter()
        self.inflight = 0
        self.max_inflight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------ setup

    def add(self, path: str, route: Route) -> None:
        """Serve `route` at `path` (unquoted, starting with '/')."""
        self.routes[path] = route

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def raw_template(self) -> str:
        """A FetchConfig.raw_url pointing at this server."""
        return self.base_url + "/{repo}/{commit}/{path}"

    def start(self) -> "FixtureServer":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fixture-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FixtureServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset_counts(self) -> None:
        with self.lock:
            self.counts.clear()
            self.times.clear()
            self.auth.clear()
            self.connections.clear()
            self.streamed.clear()
            self.max_inflight = 0

    # ----------------------------------------------------------------------- candidates

    def serve_candidate(self, name: str, old: bytes, new: bytes, *, repo: str = "alice/proj",
                        path: str | None = None, old_route: Route | None = None, new_route: Route | None = None,
                        old_sha1: str | None = None, new_sha1: str | None = None,
                        serve_old: bool = True, serve_new: bool = True) -> CandidateCommit:
        """A candidate whose old and new files are served at its parent and commit. The shas are those
        of `old` and `new` unless given; a route given replaces the plain one (its body defaults to
        the file's)."""
        path = path or f"pkg/{name}.py"
        commit, parent = fake_sha(f"commit {name}"), fake_sha(f"parent {name}")
        for serve, at, data, route in ((serve_old, parent, old, old_route), (serve_new, commit, new, new_route)):
            if not serve:
                continue
            route = route or Route()
            if not route.body and route.status == 200 and not route.endless:
                route.body = data
            self.add(f"/{repo}/{at}/{path}", route)
        return CandidateCommit(
            commit=commit, parent=parent, old_path=path, new_path=path,
            old_sha1=old_sha1 or blob_sha(old), new_sha1=new_sha1 or blob_sha(new),
            subject=f"Fix {name}", message=f"Fix {name}\n\nBecause it was broken.\n",
            author_time_sec=1_600_000_000, committer_time_sec=1_600_000_100,
            repos=[repo], license="mit")

    def url_path(self, candidate: CandidateCommit, which: str) -> str:
        at = candidate.parent if which == "old" else candidate.commit
        return f"/{candidate.repo}/{at}/{candidate.new_path}"


def fake_sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def blob_sha(data: bytes) -> str:
    """git hash-object, written out here independently of the code under test."""
    return hashlib.sha1(b"blob " + str(len(data)).encode("ascii") + b"\0" + data).hexdigest()


def _handler_for(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, the client's delayed ACK would
        # add 40 ms to every response, which is the server's artefact, not the client's latency.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            with server.lock:
                server.counts[path] += 1
                n = server.counts[path]
                server.times[path].append(time.monotonic())
                server.auth.append(self.headers.get("Authorization"))
                server.connections.add(self.client_address)
                server.inflight += 1
                server.max_inflight = max(server.max_inflight, server.inflight)
            try:
                route = server.routes.get(path)
                delay = server.latency + (route.delay if route else 0.0)
                if delay:
                    time.sleep(delay)
                if route is None:
                    self._send(404, {}, b"404: Not Found")
                elif n <= len(route.failures):
                    status, headers = route.failures[n - 1]
                    self._send(status, headers, f"{status} failure".encode())
                elif route.endless:
                    self._endless(path, route)
                else:
                    self._send(route.status, route.headers, route.body, chunked=route.chunked)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True
            finally:
                with server.lock:
                    server.inflight -= 1

        def _send(self, status: int, headers: dict[str, str], body: bytes, chunked: bool = False) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(body), _STREAM_CHUNK):
                    self._chunk(body[i:i + _STREAM_CHUNK])
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        def _endless(self, path: str, route: Route) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"x = 1\n" * (_STREAM_CHUNK // 6)
            sent = 0
            try:
                while sent < route.endless_cap:
                    self._chunk(block)
                    sent += len(block)
                self.wfile.write(b"0\r\n\r\n")
            finally:
                with server.lock:
                    server.streamed[path] += sent

    return Handler
