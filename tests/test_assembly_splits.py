"""Splits: group-aware, deterministic, and stable when the input grows."""
from __future__ import annotations

from collections import Counter

from beam_jobs.splits import split_of
from schemas.assembly_config import SplitsConfig
from schemas.sample import from_commit
from tests.assembly_helpers import assemble, commit_like, config, sample_commits

SPLIT_ONLY = {"exact_dedup": False, "near_dedup": {"enabled": False}, "decontamination": {"enabled": False},
              "secrets": {"mode": "off"}}


def test_fractions_are_fractions_of_groups():
    cfg = SplitsConfig(train=0.8, validation=0.1, test=0.1)
    counts = Counter(split_of(f"owner{i}/repo{i}", cfg) for i in range(20_000))
    assert abs(counts["train"] / 20_000 - 0.8) < 0.02
    assert abs(counts["validation"] / 20_000 - 0.1) < 0.01
    assert abs(counts["test"] / 20_000 - 0.1) < 0.01
    # The salt reshuffles; the same salt never does.
    other = SplitsConfig(train=0.8, validation=0.1, test=0.1, salt="another")
    assert [split_of(f"g{i}", cfg) for i in range(200)] == [split_of(f"g{i}", cfg) for i in range(200)]
    assert [split_of(f"g{i}", cfg) for i in range(200)] != [split_of(f"g{i}", other) for i in range(200)]
    assert {split_of(f"g{i}", SplitsConfig(train=1.0, validation=0.0, test=0.0)) for i in range(500)} == {"train"}


def _many_groups(n: int, start: int = 0):
    base = sample_commits()
    out = []
    for i in range(start, start + n):
        for k, record in enumerate(base[:2]):
            out.append(commit_like(record, commit=f"{i:08x}{k:02x}" + "a" * 30, repos=[f"user{i}/project{i}"]))
    return out


def test_split_is_stable_when_the_input_grows():
    cfg = config(splits={"train": 0.6, "validation": 0.2, "test": 0.2}, **SPLIT_ONLY)
    small = _many_groups(30)
    grown = _many_groups(30) + _many_groups(40, start=30)
    first = {s.id: s.split for s in assemble(small, cfg).samples}
    second = {s.id: s.split for s in assemble(grown, cfg).samples}
    assert len(first) == 60 and len(second) == 140
    assert all(second[i] == split for i, split in first.items())
    # Every group in exactly one split, and all three splits used.
    by_group: dict[str, set[str]] = {}
    for record in grown:
        sample = from_commit(record)
        by_group.setdefault(sample.group, set()).add(second[sample.id])
    assert all(len(splits) == 1 for splits in by_group.values())
    assert set(second.values()) == {"train", "validation", "test"}
