"""bench/literals.py: the chunked literal scan against the whole-text scan, on a generated history."""
from __future__ import annotations

import pytest

from bench import literals as bench_literals
from filters import literals


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory):
    from bench.git_history_gen import generate_repository

    return generate_repository(120, 3, tmp_path_factory.mktemp("gen"), log=lambda _: None)


def test_smoke_run_on_a_small_history(small_repo, capsys):
    assert bench_literals.main(["--pairs", str(small_repo), "--max", "60"]) == 0
    printed = capsys.readouterr().out
    assert "60 pairs of" in printed
    assert "whole texts, whole-text memo (anchor):" in printed and "literal_regions, chunk by chunk:" in printed
    assert "answers: identical" in printed


def test_a_wrong_answer_fails_the_run(monkeypatch):
    """The comparison can fail: regions that differ from the whole scan's are caught."""
    texts = ["x = 'a'  # b\n", "y = 'c'\n"]
    assert set(bench_literals.run(texts)) == {"anchor", "chunked"}
    monkeypatch.setattr(literals, "literal_regions", lambda code: [])
    with pytest.raises(AssertionError, match="2 texts got other regions"):
        bench_literals.run(texts)
