"""Splits: group-aware, deterministic, and stable when the input grows."""
from __future__ import annotations

from collections import Counter

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from beam_jobs.assembly.splits import CountSplitGroups, groups_needed, split_balance, split_of
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


WHY_1 = ("Splits are drawn by group (a repository or a problem never straddles two splits), so the fractions "
         "are met only with many groups: a 1.0% split comes within half of its fraction (two standard deviations) "
         "from about 1,584 groups, and this corpus has {n}.")


def test_groups_needed_follows_the_binomial_bound():
    # 2 sd of the share, sqrt(p (1 - p) / N), within half of p: N >= 16 (1 - p) / p.
    assert [groups_needed(p) for p in (0.01, 0.1, 0.25, 0.5, 0.98, 0.0, 1.0)] == [1584, 144, 48, 16, 1, 1, 1]


def test_split_balance_warns_for_empty_far_and_lopsided_splits():
    default = SplitsConfig()  # 0.98 / 0.01 / 0.01
    few = {"train": {"groups": 2, "samples": 7, "largest_group": "alice/proj", "largest_group_samples": 5}}
    got = split_balance(few, default)
    assert got["groups"] == 2 and got["samples"] == 7
    assert got["splits"]["train"] == {"fraction": 0.98, "groups": 2, "group_share": 1.0, "samples": 7,
                                      "sample_share": 1.0, "expected_groups": 1.96, "largest_group": "alice/proj",
                                      "largest_group_samples": 5}
    assert got["splits"]["validation"]["groups"] == 0 and got["splits"]["test"]["expected_groups"] == 0.02
    assert got["warnings"] == [
        "split 'validation' is empty: it is configured to get 1.0% of the groups (0.02 of 2 expected), and none "
        "hashed there. " + WHY_1.format(n=2),
        "split 'test' is empty: it is configured to get 1.0% of the groups (0.02 of 2 expected), and none "
        "hashed there. " + WHY_1.format(n=2)]

    halves = SplitsConfig(train=0.5, validation=0.25, test=0.25)
    # Groups far off: 8 of 10 in train for 50% (the bound is 25%..75%).
    lopsided = {"train": {"groups": 8, "samples": 8}, "validation": {"groups": 1, "samples": 1},
                "test": {"groups": 1, "samples": 1}}
    assert split_balance(lopsided, halves)["warnings"] == [
        "split 'train' got 8 of 10 groups (80.0%) for a configured 50.0% (5.0 ± 1.6 expected). Splits are drawn "
        "by group (a repository or a problem never straddles two splits), so the fractions are met only with "
        "many groups: a 50.0% split comes within half of its fraction (two standard deviations) from about 16 "
        "groups, and this corpus has 10.",
        "split 'validation' got 1 of 10 groups (10.0%) for a configured 25.0% (2.5 ± 1.4 expected). Splits are "
        "drawn by group (a repository or a problem never straddles two splits), so the fractions are met only "
        "with many groups: a 25.0% split comes within half of its fraction (two standard deviations) from about "
        "48 groups, and this corpus has 10.",
        "split 'test' got 1 of 10 groups (10.0%) for a configured 25.0% (2.5 ± 1.4 expected). Splits are "
        "drawn by group (a repository or a problem never straddles two splits), so the fractions are met only "
        "with many groups: a 25.0% split comes within half of its fraction (two standard deviations) from about "
        "48 groups, and this corpus has 10."]
    # Groups on target, samples not: one big group in test.
    big = {"train": {"groups": 50, "samples": 50, "largest_group": "a/a", "largest_group_samples": 1},
           "validation": {"groups": 25, "samples": 25, "largest_group": "b/b", "largest_group_samples": 1},
           "test": {"groups": 25, "samples": 224, "largest_group": "huge/repo", "largest_group_samples": 200}}
    assert split_balance(big, halves)["warnings"] == [
        "split 'train' holds 50 of 299 samples (16.7%) for a configured 50.0% of the groups: its groups are "
        "balanced, but groups differ in size; the largest, 'huge/repo', has 200 samples, in 'test'.",
        "split 'validation' holds 25 of 299 samples (8.4%) for a configured 25.0% of the groups: its groups are "
        "balanced, but groups differ in size; the largest, 'huge/repo', has 200 samples, in 'test'.",
        "split 'test' holds 224 of 299 samples (74.9%) for a configured 25.0% of the groups: its groups are "
        "balanced, but groups differ in size; the largest, 'huge/repo', has 200 samples, in 'test'."]
    # On target (within half of each fraction), and an empty corpus: no warning.
    even = {"train": {"groups": 60, "samples": 61}, "validation": {"groups": 19, "samples": 19},
            "test": {"groups": 21, "samples": 21}}
    assert split_balance(even, halves)["warnings"] == []
    assert split_balance({}, default)["warnings"] == [] and split_balance({}, default)["groups"] == 0
    # A split configured at 0 is never "empty".
    assert split_balance({"train": {"groups": 3, "samples": 3}},
                         SplitsConfig(train=1.0, validation=0.0, test=0.0))["warnings"] == []


def test_groups_per_split_counted_in_a_pipeline_and_balanced_with_many_groups():
    cfg = config(splits={"train": 0.6, "validation": 0.2, "test": 0.2}, **SPLIT_ONLY)
    samples = assemble(_many_groups(70), cfg).samples
    assert len(samples) == 140
    expected: dict[str, dict] = {}
    for split in ("train", "validation", "test"):
        groups = sorted({s.group for s in samples if s.split == split})
        expected[split] = {"groups": len(groups), "samples": 2 * len(groups), "largest_group": groups[0],
                           "largest_group_samples": 2}
    with beam.Pipeline() as p:
        got = p | beam.Create(samples) | CountSplitGroups()
        assert_that(got, equal_to([expected]))
    balance = split_balance(expected, cfg.splits)
    assert sum(s["groups"] for s in balance["splits"].values()) == 70
    assert balance["warnings"] == []


def test_forks_are_possible_only_when_commits_can_come_from_two_repositories():
    from beam_jobs.pipeline import Inputs, forks_possible

    assert not forks_possible(Inputs(git=["/r/one"]))
    assert not forks_possible(Inputs(git=["/r/one", "/r/one"]))
    assert not forks_possible(Inputs())
    assert forks_possible(Inputs(git=["/r/one", "/r/two"]))
    assert forks_possible(Inputs(git=["/r/one"], dump=["export-*.parquet"]))
    assert forks_possible(Inputs(bigquery_table="p.d.t"))
    assert forks_possible(Inputs(git=["/r/one"], shards=["earlier/data/*.parquet"]))  # repos lists of a past run


def test_one_repository_builds_no_fork_families_and_writes_the_same_corpus(builder, tmp_path, monkeypatch):
    """The family graph of one repository is empty: leaving it out changes nothing written, shards,
    manifest and card alike."""
    import apache_beam as beam

    from beam_jobs import pipeline as build_module
    from config import build_config
    from tests.pipeline_helpers import read_rows, run_git

    for n in range(6):
        body = "".join(f"def f{i}(x):\n    return x + {i * n}\n\n\n" for i in range(12))
        builder.commit({"LICENSE": "MIT License\n", "calc.py": body}, f"Make f{n} add a scaled offset")
    repo = str(builder.path)

    def transforms(inputs):
        p = beam.Pipeline(runner="FnApiRunner")
        build_module.build(p, inputs, build_config("none"), str(tmp_path / "staging"))
        return {t.unique_name for t in p.to_runner_api().components.transforms.values()}

    assert "Assemble/ForkFamilies" not in transforms(build_module.Inputs(git=[repo]))
    assert "Assemble/ForkFamilies" in transforms(build_module.Inputs(git=[repo, repo + "-fork"]))
    run_git([repo], tmp_path / "without")
    monkeypatch.setattr(build_module, "forks_possible", lambda inputs: True)
    run_git([repo], tmp_path / "with")
    written = sorted(p.relative_to(tmp_path / "with") for p in (tmp_path / "with").rglob("*") if p.is_file())
    assert {"manifest.json", "README.md"} <= {str(p) for p in written} and read_rows(tmp_path / "with" / "data")
    for name in written:
        assert (tmp_path / "with" / name).read_bytes() == (tmp_path / "without" / name).read_bytes(), name
