"""Token comparison with float tolerance, and the verdict order."""
from __future__ import annotations

import dataclasses

import pytest

from beam_jobs.verify.compare import tokens_match, verdict
from beam_jobs.verify.sandbox import RunResult

CLEAN = RunResult(mode="bubblewrap", exit_code=0, signal=None, wall_s=0.1, cpu_s=0.05, peak_memory_kib=9000,
                  stdout=b"3\n", stderr=b"", time_limit_hit=False, memory_limit_hit=False, output_limit_hit=False)


@pytest.mark.parametrize("actual, expected, same", [
    (b"1 2 3", b"1\n2\n3\n", True),
    (b"1 2 3\r\n", b"1 2 3", True),
    (b"1 2", b"1 2 3", False),
    (b"yes", b"Yes", False),
    (b"0.1000001", b"0.1", True),           # |d| = 1e-7 <= 1e-6 * 1
    (b"0.100002", b"0.1", False),           # 2e-6 > 1e-6
    (b"1000000.5", b"1000000.0", True),     # 0.5 <= 1e-6 * 1e6 = 1
    (b"1000002.0", b"1000000.0", False),
    (b"3", b"3.0000000", True),             # one side not an integer: numeric
    (b"1000000001", b"1000000000", False),  # two integers: text
    (b"007", b"7", False),
    (b"1e-7", b"0", True),
    (b"nan", b"nan", True),                 # equal text
    (b"inf", b"1e400", False),              # inf is not a decimal number token
    (b"1_0", b"10.0", False),
])
def test_tokens_match(actual, expected, same):
    assert tokens_match(actual, expected) is same


def test_tolerance_is_configurable():
    assert tokens_match(b"0.101", b"0.1", tolerance=1e-2) is True
    assert tokens_match(b"0.101", b"0.1", tolerance=1e-4) is False


@pytest.mark.parametrize("change, expected", [
    ({}, "pass"),
    ({"stdout": b"4\n"}, "wrong_answer"),
    ({"exit_code": 1}, "runtime_error"),
    ({"exit_code": None, "signal": 11}, "runtime_error"),
    ({"memory_limit_hit": True, "exit_code": 87}, "memory_limit"),
    ({"time_limit_hit": True, "memory_limit_hit": True}, "timeout"),
    ({"output_limit_hit": True, "time_limit_hit": True}, "output_limit"),
    ({"sandbox_error": "bwrap: boom", "output_limit_hit": True}, "sandbox_error"),
])
def test_verdict_order(change, expected):
    assert verdict(dataclasses.replace(CLEAN, **change), b"3") == expected
