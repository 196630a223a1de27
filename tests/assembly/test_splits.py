"""Splits: group-aware, deterministic, and stable when the input grows."""
from __future__ import annotations

from collections import Counter

from beam_jobs.assembly.splits import split_of
from config.assembly import SplitsConfig
from beam_jobs.assembly.samples import from_commit
from tests.assembly.helpers import assemble, commit_like, config, sample_commits

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


def test_fork_edges():
    from beam_jobs.assembly.splits import fork_edges

    base = sample_commits()[0]
    assert fork_edges(from_commit(commit_like(base, repos=["bob/x", "alice/x", "dave/x"]))) == [
        ("alice/x", "bob/x"), ("alice/x", "dave/x")]
    assert fork_edges(from_commit(commit_like(base, repos=["bob/x"]))) == []


def _fork_records():
    """alice/x and bob/x share a commit, bob/x and dave/x another; each fork also has its own."""
    base = sample_commits()
    spec = [("shared1", ["alice/x", "bob/x"]), ("shared2", ["bob/x", "dave/x"]), ("alice", ["alice/x"]),
            ("bob", ["bob/x"]), ("dave", ["dave/x"]), ("carol", ["carol/y"])]
    records = []
    for n, (name, repos) in enumerate(spec):
        records.append(commit_like(base[n % len(base)], commit=f"{n:02x}" * 20, repos=repos))
    return {name: r for (name, _), r in zip(spec, records)}


def test_forks_join_one_family_and_one_split():
    records = _fork_records()
    cfg = config(splits={"train": 0.34, "validation": 0.33, "test": 0.33}, **SPLIT_ONLY)
    samples = {s.commit: s for s in assemble(list(records.values()), cfg).samples}
    group = {name: samples[r.commit].group for name, r in records.items()}
    assert group == {"shared1": "alice/x", "shared2": "alice/x", "alice": "alice/x", "bob": "alice/x",
                     "dave": "alice/x", "carol": "carol/y"}
    family_splits = {samples[records[n].commit].split for n in ("shared1", "shared2", "alice", "bob", "dave")}
    assert family_splits == {split_of("alice/x", cfg.splits)}
    assert samples[records["carol"].commit].split == split_of("carol/y", cfg.splits)
    # Switched off: every commit keeps its first repository, so the forks' own commits scatter.
    off = config(splits={"train": 0.34, "validation": 0.33, "test": 0.33, "group_forks": False}, **SPLIT_ONLY)
    plain = {s.commit: s.group for s in assemble(list(records.values()), off).samples}
    assert {name: plain[r.commit] for name, r in records.items()} == {
        "shared1": "alice/x", "shared2": "bob/x", "alice": "alice/x", "bob": "bob/x", "dave": "dave/x",
        "carol": "carol/y"}


def test_families_that_do_not_settle_in_time_are_counted():
    import apache_beam as beam
    from apache_beam.metrics import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions

    from beam_jobs.assembly.components import ConnectedComponents
    from tests.pipeline_helpers import BEAM_ARGS

    path = [(f"r{i:02d}/x", f"r{i + 1:02d}/x") for i in range(40)]

    def unconverged(rounds: int) -> int:
        pipeline = beam.Pipeline(options=PipelineOptions(BEAM_ARGS))
        _ = pipeline | beam.Create(path) | ConnectedComponents(rounds, "repairpack.splits")
        result = pipeline.run()
        result.wait_until_finish()
        found = result.metrics().query(MetricsFilter().with_namespace("repairpack.splits"))["counters"]
        return sum(c.committed for c in found if c.key.metric.name == "unconverged")

    assert unconverged(1) > 0
    assert unconverged(10) == 0
