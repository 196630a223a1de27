#!/usr/bin/env python3
"""How many test runs per second the judge verifier gets through the sandbox, against the same
programs run without it, in the same process and run.

The anchor is the cost no sandbox can avoid: starting a Python interpreter on the program with its
stdin and reading its stdout (`subprocess.run([python, "-c", program])`, the interpreter the sandbox
itself uses). The sandboxed figure is `run_program` in bubblewrap (namespaces, seccomp, rlimits,
launcher, pid-namespace teardown). The difference per run is the sandbox's overhead. Both run the
same mix of judge programs (a correct sum, a wrong one, one that raises) on a small test, with
`--threads` runs at once (default 2: one per core, as a worker with two cores would).

The programs are this script's own, so running them outside the sandbox breaks no rule: mined or
submitted code never runs here.

    python bench/verify.py                 # 300 runs each way, 2 at once
    python bench/verify.py --runs 1000 --threads 4
Nothing asserts on timings; the target in the issue is 40 sandboxed runs/s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from beam_jobs.verify.compare import verdict  # noqa: E402
from beam_jobs.verify.sandbox import BUBBLEWRAP, Limits, run_program, sandbox_identity, sandbox_problem  # noqa: E402

PROGRAMS = [
    (b"a, b = map(int, input().split())\nprint(a + b)\n", "pass"),
    (b"a, b = map(int, input().split())\nprint(a - b)\n", "wrong_answer"),
    (b"a, b = map(int, input().split())\nprint([a][b])\n", "runtime_error"),
]
STDIN, EXPECTED = b"3 4\n", b"7\n"


def _timed(threads: int, runs: int, one) -> tuple[float, list[str]]:
    jobs = [PROGRAMS[i % len(PROGRAMS)] for i in range(runs)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        got = list(pool.map(one, jobs))
    return time.perf_counter() - start, got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    problem = sandbox_problem()
    if problem:
        print(f"the sandbox cannot start here: {problem}", file=sys.stderr)
        return 2
    identity = sandbox_identity()
    python = identity.split(", ", 1)[-1]
    limits = Limits()

    def sandboxed(job: tuple[bytes, str]) -> str:
        return verdict(run_program(job[0], STDIN, limits, BUBBLEWRAP), EXPECTED)

    def plain(job: tuple[bytes, str]) -> str:
        proc = subprocess.run([python, "-c", job[0]], input=STDIN, capture_output=True, timeout=30)
        if proc.returncode:
            return "runtime_error"
        return "pass" if proc.stdout.split() == EXPECTED.split() else "wrong_answer"

    _timed(args.threads, 6, sandboxed)  # warm the page cache and the probe
    plain_s, plain_got = _timed(args.threads, args.runs, plain)
    box_s, box_got = _timed(args.threads, args.runs, sandboxed)
    expected = [PROGRAMS[i % len(PROGRAMS)][1] for i in range(args.runs)]
    assert box_got == expected and plain_got == expected, "a verdict differs from the program's known one"
    plain_rate, box_rate = args.runs / plain_s, args.runs / box_s
    print(f"sandbox: {identity}; {args.runs} runs each way, {args.threads} at once, {os.cpu_count()} cores")
    print(f"unsandboxed (anchor): {plain_rate:7.1f} runs/s  ({1000 * plain_s / args.runs * args.threads:6.1f} ms a run)")
    print(f"sandboxed:            {box_rate:7.1f} runs/s  ({1000 * box_s / args.runs * args.threads:6.1f} ms a run)")
    print(f"ratio sandboxed/anchor: {box_rate / plain_rate:.2f}; overhead per run: "
          f"{1000 * (box_s - plain_s) / args.runs * args.threads:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
