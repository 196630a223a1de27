"""Ordinary submissions in the sandbox, and the named weaker mode: verdicts end to end."""
from __future__ import annotations

import os

import pytest

from beam_jobs.verify.compare import verdict
from beam_jobs.verify.sandbox import RLIMITS_ONLY, Limits, run_program
from tests.verify.helpers import FAST, run, sandboxed_processes

SUM = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"


@pytest.fixture(autouse=True)
def no_process_left():
    yield
    assert sandboxed_processes() == []


@pytest.mark.parametrize("mode", ["bubblewrap", RLIMITS_ONLY])
@pytest.mark.parametrize("source, stdin, expected, outcome", [
    (SUM, b"1 2 3\n", b"6", "pass"),
    ("import sys\nprint(sum(map(int, sys.stdin.read().split())) + 1)\n", b"1 2 3\n", b"6", "wrong_answer"),
    ("print(1 // 0)\n", b"", b"", "runtime_error"),
    ("import sys\nprint(6)\nsys.exit(3)\n", b"", b"6", "runtime_error"),
    ("print(6)\nexit()\n", b"", b"6", "pass"),                     # site's exit() is there
    ("print(f'{2 ** 0.5:.9f}')\n", b"", b"1.414213", "pass"),      # within 1e-6
    ("print(f'{2 ** 0.5:.9f}')\n", b"", b"1.4142", "wrong_answer"),
    ("while True:\n    pass\n", b"", b"", "timeout"),
    ("x = bytearray(4 << 30)\n", b"", b"", "memory_limit"),
    ("print('x' * (2 << 20))\n", b"", b"", "output_limit"),
])
def test_verdicts(mode, source, stdin, expected, outcome):
    limits = Limits(time_s=1.0, wall_s=20.0, output_bytes=1 << 20)
    result = run_program(source, stdin, limits, mode)
    assert result.mode == mode
    assert verdict(result, expected) == outcome


def test_cpu_time_and_memory_are_reported():
    result = run("x = bytearray(64 << 20)\ns = 0\nfor i in range(10 ** 6):\n    s += i\nprint(len(x))\n")
    assert result.stdout == b"67108864\n"
    assert result.cpu_s > 0 and result.peak_memory_kib is not None and result.peak_memory_kib > 64 * 1024


def test_large_stdin_is_read_whole():
    stdin = b"1\n" * 1_000_000
    assert run(SUM, stdin).stdout == b"1000000\n"


def test_unknown_mode_is_a_sandbox_error():
    result = run_program(SUM, b"1", FAST, "none")
    assert result.sandbox_error == "unknown sandbox mode 'none' (known: bubblewrap, rlimits-only)"
    assert verdict(result, b"1") == "sandbox_error"


@pytest.mark.skipif(os.geteuid() != 0, reason="the weaker mode drops to 'nobody' only when started by root")
def test_weaker_mode_runs_as_nobody_in_a_scratch_folder():
    result = run_program("import os\nprint(os.getuid(), os.path.basename(os.getcwd()).startswith('repairpack-run-'))\n"
                         "try:\n    open('/etc/shadow').read()\nexcept OSError as e:\n    print(e.errno)\n",
                         b"", FAST, RLIMITS_ONLY)
    assert result.stdout == b"65534 True\n13\n"
