"""Judging one run: its output against the expected output, and the run's facts as one verdict.

Pure functions of a `RunResult` and bytes, so the verdict of a run can be recomputed and tested
without executing anything.

The output rule, exactly:
- Both outputs are split into tokens at ASCII whitespace (spaces, tabs, newlines, carriage
  returns), so trailing spaces, a missing final newline or CRLF line ends never fail a program.
- The token lists must have the same length, and each pair of tokens must be equal:
  - equal as bytes; or
  - both are decimal numbers (`[+-]?digits[.digits][e[+-]digits]`, no `inf`, `nan`, `_` or hex) and
    at least one of them is not an integer (it has a `.` or an exponent), and
    `|actual - expected| <= tolerance * max(1, |expected|)`: absolute tolerance near zero,
    relative tolerance for large values.
  Two integers are compared as text: `1000000001` for `1000000000` is a wrong answer whatever the
  tolerance, as it would be on a judge, and `007` is not `7`.
"""
from __future__ import annotations

import re

from beam_jobs.verify.sandbox import RunResult

VERDICTS = ("pass", "wrong_answer", "runtime_error", "timeout", "memory_limit", "output_limit", "sandbox_error")
DEFAULT_TOLERANCE = 1e-6

_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(rb"[+-]?\d+")


def tokens_match(actual: bytes, expected: bytes, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    """Whether `actual` is an accepted output for `expected` under the rule in the module docstring."""
    got, want = actual.split(), expected.split()
    return len(got) == len(want) and all(_token_matches(a, b, tolerance) for a, b in zip(got, want))


def _token_matches(actual: bytes, expected: bytes, tolerance: float) -> bool:
    if actual == expected:
        return True
    if not (_NUMBER.fullmatch(actual) and _NUMBER.fullmatch(expected)):
        return False
    if _INTEGER.fullmatch(actual) and _INTEGER.fullmatch(expected):
        return False
    try:
        a, b = float(actual), float(expected)
    except (OverflowError, ValueError):
        return False
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def verdict(result: RunResult, expected: bytes, tolerance: float = DEFAULT_TOLERANCE) -> str:
    """One of VERDICTS for a run on a test whose expected output is `expected`.

    The order decides a run that hit several limits: a sandbox failure says nothing about the
    program; an output flood is stopped before anything else could happen; then time, then memory
    (a program killed at the time limit may also have been near its memory limit); then any
    abnormal end; and only a clean exit is compared.
    """
    if result.sandbox_error is not None:
        return "sandbox_error"
    if result.output_limit_hit:
        return "output_limit"
    if result.time_limit_hit:
        return "timeout"
    if result.memory_limit_hit:
        return "memory_limit"
    if result.signal is not None or result.exit_code != 0:
        return "runtime_error"
    return "pass" if tokens_match(result.stdout, expected, tolerance) else "wrong_answer"
