"""The verification section: its defaults are usable and every bad value is one sentence."""
from __future__ import annotations

from config.verify import VerifyConfig, problems


def test_defaults_are_usable_and_off():
    assert (problems(VerifyConfig()), VerifyConfig().mode, VerifyConfig().weak_sandbox) == ([], "off", None)


def test_every_problem_at_once_under_the_path_given():
    bad = VerifyConfig(mode="always", weak_sandbox="none", memory_mib=8, processes=0, time_factor=0.0,
                       float_tolerance=2.0)
    assert problems(bad, "judge.verify") == [
        "config key 'judge.verify.mode' must be one of off, annotate, require, not 'always'",
        "config key 'judge.verify.weak_sandbox' must be one of rlimits-only, not 'none'",
        "config key 'judge.verify.memory_mib' must be at least 64",
        "config key 'judge.verify.processes' must be at least 1",
        "config key 'judge.verify.time_factor' must be greater than 0",
        "config key 'judge.verify.float_tolerance' must be at least 0 and below 1",
    ]
