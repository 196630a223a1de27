"""The refusal rule and the limits derived from the config."""
from __future__ import annotations

from beam_jobs.verify.policy import choose_mode, limits_for
from beam_jobs.verify.sandbox import Limits, sandbox_problem
from config.verify import VerifyConfig


def test_bubblewrap_is_chosen_where_it_starts():
    assert sandbox_problem() is None
    assert choose_mode(VerifyConfig(weak_sandbox="rlimits-only")) == "bubblewrap"


def test_limits_from_the_problem_or_the_default():
    cfg = VerifyConfig(time_factor=3.0, default_time_limit_s=2.0, memory_mib=256, output_bytes=1000, processes=4)
    assert limits_for(cfg, 1.5) == Limits(time_s=4.5, memory_mib=256, output_bytes=1000, processes=4)
    assert limits_for(cfg, None).time_s == 6.0


def test_without_bubblewrap_nothing_runs_unless_a_weaker_mode_is_named(monkeypatch, tmp_path):
    """A PATH with no bwrap on it: the probe's sentence, the refusal, and the named weaker mode."""
    import pytest

    from beam_jobs.verify import sandbox
    from beam_jobs.verify.policy import SandboxRefused

    monkeypatch.setenv("PATH", str(tmp_path))
    sandbox._probe.cache_clear()
    try:
        sentence = ("the sandbox cannot start: bubblewrap (bwrap) is not installed; install the Debian or Ubuntu "
                    "package 'bubblewrap' (or choose an explicitly named weaker mode, such as 'rlimits-only')")
        assert sandbox_problem() == sentence
        with pytest.raises(SandboxRefused, match=r"bubblewrap \(bwrap\) is not installed"):
            choose_mode(VerifyConfig())
        assert choose_mode(VerifyConfig(weak_sandbox="rlimits-only")) == "rlimits-only"
        refused = sandbox.run_program("print(1)\n", b"")
        assert (refused.sandbox_error, refused.stdout) == (sentence, b"")
    finally:
        monkeypatch.undo()
        sandbox._probe.cache_clear()
