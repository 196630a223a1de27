#!/usr/bin/env python3
"""How raw fetching scales with concurrency, up to the rate limit, and whether its memory stays bounded.

A local HTTP server (tests/http_fixture.py, in its own process so that it does not share the client's
interpreter) serves `--candidates` synthetic candidates, old and new file each, 1 to 16 KiB of Python,
with an artificial per-request latency (`--latency`, default 20 ms) standing in for the round trip to
the raw host. For each rate limit (none, then `--rate` requests/s) and each concurrency (1, 2, 4, 8,
16, 32), a child process (bench/child.py, which polls its RSS) fetches every candidate with the
product's RawFetcher, in batches of 8 x concurrency as the Beam wrapper does, checking blob shas and
decoding as the pipeline does, and prints:

- files/s: files fetched and verified over the time of the fetching loop (imports and start-up apart);
- the ratio against concurrency 1 in the same group (the anchor), and the ceiling the latency and the
  rate limit allow (min(concurrency / latency, rate)): the latency-bound rows should scale about
  linearly until the rate limit or the CPU caps them;
- peak RSS of the child, and its RSS after imports, so the fetch's own share shows;
- a last row at the highest concurrency with 4x the candidates: its peak RSS should match the row
  with 1x, since a worker holds one batch at a time, not the whole input.

Nothing asserts on timings.

    python bench/fetch.py                                   # 300 candidates, 20 ms, rate limit 200/s
    python bench/fetch.py --candidates 600 --latency 0.05 --rate 100 --json figures.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.child import run_child  # noqa: E402

CONCURRENCY = (1, 2, 4, 8, 16, 32)
REPO = "bench/raw"
_WORDS = "total count value answer index result data cost start size width row col mid acc".split()


def _file(rng: random.Random, size: int) -> bytes:
    lines: list[str] = []
    used = 0
    while used < size:
        left, right = rng.choice(_WORDS), rng.choice(_WORDS)
        line = f"{left}_{rng.randrange(1000)} = {right}_{rng.randrange(1000)} + {rng.randrange(99)}\n"
        lines.append(line)
        used += len(line)
    return "".join(lines).encode("utf-8")


def build(server: Any, candidates: int, seed: int) -> list[Any]:
    """The same candidates in the server and in every child: generated from the seed, never shipped."""
    rng = random.Random(seed)
    out = []
    for i in range(candidates):
        old = _file(rng, rng.randint(1024, 16 * 1024))
        new = old + f"fixed_{i} = True\n".encode()
        out.append(server.serve_candidate(f"m{i:06d}", old, new, repo=REPO))
    return out


# ========================================================================================== server

def serve(candidates: int, seed: int, latency: float) -> None:
    """Serve until stdin closes; the port goes to stdout."""
    from tests.http_fixture import FixtureServer

    with FixtureServer(latency=latency) as server:
        build(server, candidates, seed)
        print(server.base_url, flush=True)
        sys.stdin.read()


def start_server(candidates: int, seed: int, latency: float) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", "--candidates", str(candidates),
                             "--seed", str(seed), "--latency", str(latency)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    base_url = proc.stdout.readline().strip()
    if not base_url.startswith("http://"):
        proc.kill()
        raise RuntimeError("the fixture server did not start")
    return proc, base_url


def stop_server(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# =========================================================================================== child

class _Offline:
    """build()'s server stand-in in the child: candidates only, nothing served."""

    def serve_candidate(self, name: str, old: bytes, new: bytes, *, repo: str) -> Any:
        from tests.http_fixture import FixtureServer
        return FixtureServer.serve_candidate(self, name, old, new, repo=repo)  # type: ignore[arg-type]

    def add(self, path: str, route: Any) -> None:
        pass


def child(base_url: str, candidates: int, seed: int, concurrency: int, rate: float, out_json: str) -> None:
    import psutil

    from beam_jobs.sources.dump.raw import RawFetcher, fetch_all
    from config.dump import FetchConfig

    todo = build(_Offline(), candidates, seed)
    config = FetchConfig(mode="raw", raw_url=base_url + "/{repo}/{commit}/{path}", concurrency=concurrency,
                         rate_limit=rate, timeout=30.0, max_retries=2, backoff_base=0.05, backoff_max=1.0)
    baseline = psutil.Process().memory_info().rss
    kept, reasons, files = 0, {}, 0
    started = time.perf_counter()
    with RawFetcher(config, token="bench-token") as fetcher:
        for outcome in fetch_all(fetcher, todo, batch_size=8 * concurrency):
            if outcome.record is not None:
                kept += 1
                files += 2
            else:
                reasons[outcome.reason] = reasons.get(outcome.reason, 0) + 1
    seconds = time.perf_counter() - started
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump({"seconds": seconds, "files": files, "kept": kept, "reasons": reasons, "baseline_rss": baseline,
                   "maxrss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}, f)


# ========================================================================================= measure

def measure(base_url: str, candidates: int, seed: int, concurrency: int, rate: float) -> dict[str, Any]:
    run = run_child([sys.executable, str(Path(__file__).resolve()), "--base-url", base_url, "--candidates",
                     str(candidates), "--seed", str(seed), "--concurrency", str(concurrency), "--rate", str(rate)],
                    out_json_arg="--child")
    result = dict(run.result)
    result["peak_rss"] = max(run.peak_tree, result["maxrss_self"])
    result["rate"] = result["files"] / result["seconds"] if result["seconds"] else 0.0
    return result


def table(rows: list[dict[str, Any]], latency: float) -> str:
    lines = [f"{'rate limit':>10}  {'conc':>4}  {'cands':>5}  {'files':>5}  {'seconds':>7}  {'files/s':>8}  "
             f"{'vs conc 1':>9}  {'ceiling/s':>9}  {'peak RSS':>8}  {'after imports':>13}  rejects"]
    lines.append("-" * len(lines[0]))
    anchors: dict[float, float] = {}
    for r in rows:
        if r["concurrency"] == 1:
            anchors[r["limit"]] = r["rate"]
        anchor = anchors.get(r["limit"], 0.0)
        ratio = f"{r['rate'] / anchor:.2f}x" if anchor else "-"
        limit = f"{r['limit']:g}/s" if r["limit"] else "none"
        ceiling = r["concurrency"] / latency if latency else float("inf")
        if r["limit"]:
            ceiling = min(ceiling, r["limit"])
        lines.append(
            f"{limit:>10}  {r['concurrency']:>4}  {r['candidates']:>5}  "
            f"{r['files']:>5}  {r['seconds']:>7.2f}  {r['rate']:>8.1f}  "
            f"{ratio:>9}  {ceiling:>9.0f}  "
            f"{r['peak_rss'] / 2**20:>6.0f}MB  {r['baseline_rss'] / 2**20:>11.0f}MB  "
            f"{json.dumps(r['reasons'], sort_keys=True) if r['reasons'] else '-'}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidates", type=int, default=300, help="candidates per row (2 files each)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the server waits per request")
    parser.add_argument("--rate", type=float, default=200.0, help="the rate limit of the second group, requests/s")
    parser.add_argument("--concurrency", type=int, action="append", default=None,
                        help=f"concurrency levels (default {' '.join(map(str, CONCURRENCY))})")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    levels = args.concurrency or list(CONCURRENCY)
    if args.serve:
        serve(args.candidates, args.seed, args.latency)
        return 0
    if args.child:
        child(args.base_url, args.candidates, args.seed, levels[0], args.rate, args.child)
        return 0
    big = 4 * args.candidates
    proc, base_url = start_server(big, args.seed, args.latency)  # the first `candidates` are the same ones
    rows: list[dict[str, Any]] = []
    try:
        for limit in (0.0, args.rate):
            for concurrency in levels:
                row = measure(base_url, args.candidates, args.seed, concurrency, limit)
                rows.append({"limit": limit, "concurrency": concurrency, "candidates": args.candidates, **row})
        row = measure(base_url, big, args.seed, levels[-1], 0.0)
        rows.append({"limit": 0.0, "concurrency": levels[-1], "candidates": big, **row})
    finally:
        stop_server(proc)
    print(f"latency {args.latency * 1000:.0f} ms per request, cpus {os.cpu_count()}, "
          f"{args.candidates} candidates per row (4x in the last), batches of 8 x concurrency")
    print(table(rows, args.latency))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"latency": args.latency, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
