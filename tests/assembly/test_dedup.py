"""Exact and near deduplication: pure keys, survivor choice, connected components, and the Beam stages
on real commit records from the sample bundles with planted duplicates."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from beam_jobs.assembly import dedup as d
from beam_jobs.assembly.shingles import change_shingles, code_tokens, exact_jaccard, pair_shingles
from beam_jobs.assembly.minhash import MinHasher, bucket_edges, jaccard_estimate, lsh_bands_rows, optimal_bands_rows
from beam_jobs.assembly.components import components_in_memory
from config.assembly import NearDedupConfig
from beam_jobs.assembly.samples import from_commit, from_judge
from schemas.sample import RepairSample
from tests.assembly.helpers import StandInJudge, assemble, assert_balanced, commit_like, config, sample_commits

NO_EXTRAS = {"decontamination": {"enabled": False}, "secrets": {"mode": "off"}}


# ------------------------------------------------------------------------------------------- pure

def test_normalisation_ignores_line_end_whitespace_and_final_newlines():
    assert d.normalise_code("a = 1  \r\nb = 2\t\n\n\n") == d.normalise_code("a = 1\nb = 2")
    assert d.exact_key("x = 1   \n", "x = 2\n\n") == d.exact_key("x = 1", "x = 2")
    # Leading whitespace is code in Python; inner blank lines are kept too.
    assert d.exact_key("  x = 1", "x = 2") != d.exact_key("x = 1", "x = 2")
    assert d.exact_key("a\n\nb", "c") != d.exact_key("a\nb", "c")
    # The pair boundary is part of the key.
    assert d.exact_key("ab", "c") != d.exact_key("a", "bc")


def test_an_exact_key_starts_with_its_old_versions_anchor_so_a_files_versions_group_together():
    """The anchor is the chunk with the smallest CRC-32: an edit anywhere else keeps it, an edit of
    the first chunk (the imports) too, unless that chunk is the anchor."""
    import zlib

    from filters.chunks import chunks, cut_points
    from tests.realcode import real_sources

    text = next(t for t in real_sources(40) if len(list(cut_points(t))) > 10)
    parts = list(chunks(d.normalise_code(text), 512))
    anchor = min(range(len(parts)), key=lambda i: zlib.crc32(parts[i].encode("utf-8")))
    other = next(i for i in range(len(parts)) if i != anchor)

    def edited(i: int, line: str) -> str:
        changed = list(parts)
        changed[i] = changed[i] + line
        return "".join(changed)

    v1, v2, v3 = text, edited(other, "extra = 1\n"), edited(other, "extra = 2\n")
    k12, k23 = d.exact_key(v1, v2), d.exact_key(v2, v3)
    assert k12[:16] == k23[:16] == d._anchor(d.normalise_code(v1)) and k12[16:] != k23[16:]
    assert d.exact_key(edited(anchor, "moved = 1\n"), v2)[:16] != k12[:16]
    assert len(k12) == 16 + 64 and int(k12, 16) >= 0


def _sample(id_: str, license_: str, when: datetime | None) -> RepairSample:
    return RepairSample(id=id_, source="commit", instruction="Fix it", old_contents="a", new_contents="b",
                        diff="", lines_added=0, lines_removed=0, hunks=0, lang="Python", license=license_,
                        group="o/r", author_time=when)


def test_survivor_is_permissive_then_earliest_then_smallest_id():
    perm = d.permissive_set(["cdla-permissive-2.0"])
    t0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
    gpl_old = _sample("aaa", "gpl-3.0", t0 - timedelta(days=900))
    mit_late = _sample("bbb", "mit", t0 + timedelta(days=1))
    mit_early_big = _sample("zzz", "mit", t0)
    mit_early_small = _sample("ccc", "mit", t0)
    judge = _sample("000", "cdla-permissive-2.0", t0 + timedelta(days=5))
    assert d.choose_survivor([gpl_old, mit_late], perm) is mit_late          # license beats time
    assert d.choose_survivor([mit_late, mit_early_big], perm) is mit_early_big  # then time
    assert d.choose_survivor([mit_early_big, mit_early_small], perm) is mit_early_small  # then id
    assert d.choose_survivor([gpl_old, judge], perm) is judge
    # Times before 1970 and missing times sort sensibly.
    ancient = _sample("yyy", "mit", datetime(1960, 1, 1, tzinfo=timezone.utc))
    unknown = _sample("aab", "mit", None)
    assert d.choose_survivor([unknown, mit_late, ancient], perm) is ancient
    assert d.key_id(d.survivor_key(ancient, perm)) == "yyy"


def test_tokens_are_code_tokens():
    assert code_tokens("total+=x1*2.5e-3 if a>=b else f(**kw)") == [
        "total", "+=", "x1", "*", "2.5e-3", "if", "a", ">=", "b", "else", "f", "(", "**", "kw", ")"]
    assert code_tokens("a+b") == code_tokens("a + b")


def test_lsh_parameters_are_derived_like_datasketch():
    from datasketch.lsh import _optimal_param

    assert lsh_bands_rows(NearDedupConfig(false_negative_weight=0.5)) == (25, 10)
    assert lsh_bands_rows(NearDedupConfig()) == (28, 9)  # misses weigh 0.7: candidates are verified anyway
    for threshold, perms, fn in ((0.7, 256, 0.5), (0.85, 128, 0.5), (0.5, 64, 0.5), (0.7, 256, 0.7)):
        assert optimal_bands_rows(threshold, perms, 1 - fn, fn) == _optimal_param(threshold, perms, 1 - fn, fn)
    assert lsh_bands_rows(NearDedupConfig(bands=16)) == (16, 16)


@pytest.mark.parametrize("engine", ["rensa", "datasketch"])
def test_minhash_estimates_jaccard_and_is_stable(engine):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2 ** 63, 2000, dtype=np.uint64)
    other = np.concatenate([base[:1600], rng.integers(0, 2 ** 63, 400, dtype=np.uint64)])
    true = exact_jaccard(np.unique(base), np.unique(other))
    hasher = MinHasher(engine, 256, 42)
    est = jaccard_estimate(hasher.signature(base), hasher.signature(other))
    assert abs(est - true) < 0.08
    again = MinHasher(engine, 256, 42)  # a fresh worker gets the same signature
    assert np.array_equal(hasher.signature(base), again.signature(base))


def test_bucket_edges_pairs_small_buckets_and_stars_large_ones():
    assert bucket_edges(["b", "a", "c"], 32) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert bucket_edges(["a", "a"], 32) == []
    big = [f"n{i:03d}" for i in range(50)]
    edges = bucket_edges(big, 8)
    assert len(edges) < 100 and all(a < b for a, b in edges)
    assert components_in_memory(edges, 8) == {n: "n000" for n in big}


def _endpoints(fn: "d._BucketEndpoints", elements: list) -> list:
    fn.start_bundle()
    return [out for element in elements for out in fn.process(element)]


def test_an_edge_shared_by_several_bands_leaves_the_bucket_stage_once_per_bundle(monkeypatch):
    """Three band keys hold the same three nodes (near-identical samples share bands): their three
    edges go on once each, with both endpoints; a later bundle starts afresh."""
    band_keys = [(7, ["x", "a", "b"]), (11, ["b", "a", "x"]), (13, ["a", "b"]), (17, ["c"])]
    bucket_of = {}
    for key, nodes in band_keys:
        bucket_of.setdefault(key % 3, []).extend((key, n) for n in nodes)
    elements = [(bucket, [batch]) for bucket, batch in sorted(bucket_of.items())]
    fn = d._BucketEndpoints(32)
    once = [("a", ("a", "b")), ("b", ("a", "b")), ("a", ("a", "x")), ("x", ("a", "x")),
            ("b", ("b", "x")), ("x", ("b", "x"))]
    assert _endpoints(fn, elements) == once
    assert _endpoints(fn, elements) == once
    # Remembering fewer edges lets copies through; the edges are still all there.
    monkeypatch.setattr(d._BucketEndpoints, "_SEEN", 1)
    copies = _endpoints(d._BucketEndpoints(32), elements)
    assert len(copies) > len(once) and set(copies) == set(once)


def _union_find(nodes, edges):
    parent = {n: n for n in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {n: find(n) for n in nodes}


def test_large_small_star_finds_connected_components():
    rng = random.Random(7)
    for trial in range(200):
        nodes = sorted({f"{rng.randrange(10 ** 6):07d}" for _ in range(rng.randint(2, 40))})
        if trial % 2:
            order = nodes[:]
            rng.shuffle(order)
            edges = list(zip(order, order[1:]))  # a long chain in random label order
        else:
            edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(len(nodes))]
            edges = [e for e in edges if e[0] != e[1]]
        truth = _union_find(nodes, edges)
        labels = components_in_memory(edges, 8)
        for n in {x for e in edges for x in e}:
            assert labels.get(n, n) == truth[n], (trial, n)


def test_change_shingles_tell_successive_fixes_apart():
    v1 = "def f(xs):\n" + "".join(f"    a{i} = xs[{i}] + {i}\n" for i in range(40)) + "    return a0\n"
    v2 = v1.replace("return a0", "return a0 + a1")
    v3 = v2.replace("a7 = xs[7] + 7", "a7 = xs[7] * 7")
    s12 = from_commit(_commit(v1, v2))
    s23 = from_commit(_commit(v2, v3))
    pair = exact_jaccard(pair_shingles(v1, v2, 5), pair_shingles(v2, v3, 5))
    change = exact_jaccard(change_shingles(s12.diff), change_shingles(s23.diff))
    assert pair > 0.8 and change < 0.2


def _commit(old: str, new: str):
    base = sample_commits()[0]
    return replace(base, old_contents=old, new_contents=new)


# ------------------------------------------------------------------------------------------- Beam

def test_exact_duplicate_across_a_commit_and_a_judge_record():
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    # The same pair from a judge export, with trailing spaces and an extra final newline: a copy.
    judge = StandInJudge(id="j" * 24, old_contents=target.old_contents.replace("\n", "  \n", 3),
                         new_contents=target.new_contents + "\n\n", instruction="Fix the delimiter sniffer.",
                         author_time=datetime(2030, 1, 1, tzinfo=timezone.utc),
                         time_after=datetime(2030, 1, 1, tzinfo=timezone.utc))
    got = assemble(commits + [judge], config(near_dedup={"enabled": False}, **NO_EXTRAS))
    exact = [r for r in got.rejects if r.stage == "assembly.exact_dedup"]
    kept_commit = from_commit(target)
    judge_sample = from_judge(judge)
    # Both licenses are permissive; the commit is older, so it survives and the judge copy is dropped.
    assert (judge_sample.id, "judge", f"kept {kept_commit.id}") in {(r.key, r.source, r.detail) for r in exact}
    assert kept_commit.id in {s.id for s in got.samples}
    # The sample bundles hold a cherry-pick: the same fix twice on two branches, one survives.
    assert got.counts["assembly.exact_dedup"] == {"in": 14, "kept": 12, "exact_duplicate": 2}
    assert_balanced(got.counts)


def test_exact_survivor_prefers_permissive_license_over_age():
    base = next(c for c in sample_commits() if "sniff_delimiter" in c.instruction)
    old_gpl = commit_like(base, license="gpl-3.0", author_time=base.author_time - timedelta(days=400),
                          repos=["zed/fork"])
    new_mit = commit_like(base, commit="e" * 40, author_time=base.author_time + timedelta(days=3),
                          repos=["amy/fork"])
    got = assemble([base, old_gpl, new_mit], config(near_dedup={"enabled": False}, **NO_EXTRAS))
    survivor = from_commit(base)  # mit, earlier than new_mit
    assert [s.id for s in got.samples] == [survivor.id]
    assert {r.key: r.detail for r in got.rejects} == {
        from_commit(old_gpl).id: f"kept {survivor.id}", from_commit(new_mit).id: f"kept {survivor.id}"}
    assert got.counts["assembly.exact_dedup"] == {"in": 3, "kept": 1, "exact_duplicate": 2}


def _rename(text: str, old: str, new: str) -> str:
    import re

    return re.sub(rf"\b{old}\b", new, text)


def test_near_duplicate_renamed_variable_copy_is_dropped():
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    assert "sample" in target.new_contents
    copy = commit_like(target, old_contents=_rename(target.old_contents, "sample", "snippet"),
                       new_contents=_rename(target.new_contents, "sample", "snippet"),
                       repos=["zoe/csvkit-copy"], author_time=target.author_time + timedelta(days=30))
    s_target, s_copy = from_commit(target), from_commit(copy)
    assert s_target.diff != s_copy.diff and d.exact_key(copy.old_contents, copy.new_contents) != d.exact_key(
        target.old_contents, target.new_contents)
    got = assemble(commits + [copy], config(exact_dedup=False, **NO_EXTRAS))
    near = [r for r in got.rejects if r.stage == "assembly.near_dedup"]
    assert (s_copy.id, f"kept {s_target.id}") in {(r.key, r.detail) for r in near}
    assert s_target.id in {s.id for s in got.samples}
    assert got.counts["assembly.near_dedup"]["near_duplicate"] == len(near)
    # Nothing else in the samples is a near duplicate except the cherry-pick (exact dedup is off here).
    assert len(near) == 2
    assert_balanced(got.counts)


def test_near_dedup_joins_cut_into_many_tasks_decide_the_same(monkeypatch):
    """The joins' slices (JOIN_SLICE_BYTES) only spread the work: tiny ones give the same clusters."""
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    copy = commit_like(target, old_contents=_rename(target.old_contents, "sample", "snippet"),
                       new_contents=_rename(target.new_contents, "sample", "snippet"),
                       repos=["zoe/csvkit-copy"], author_time=target.author_time + timedelta(days=30))
    cfg = config(exact_dedup=False, **NO_EXTRAS)

    def decided():
        got = assemble(commits + [copy], cfg)
        return ([s.id for s in got.samples], sorted((r.stage, r.reason, r.key, r.detail) for r in got.rejects),
                got.counts["assembly.near_dedup"])

    whole = decided()
    monkeypatch.setattr(d, "JOIN_SLICE_BYTES", 64)
    assert decided() == whole
    assert whole[2]["near_duplicate"] == 2


def test_successive_commits_to_one_file_are_not_near_duplicates():
    body = "".join(f"def helper_{i}(value):\n    return value * {i} + {i * 7}\n\n\n" for i in range(30))
    v1 = body + "def main(xs):\n    return sum(xs)\n"
    v2 = v1.replace("return sum(xs)", "return sum(xs) / len(xs)")
    v3 = v2.replace("return value * 4 + 28", "return value * 4 - 28")
    base = sample_commits()[0]
    first = commit_like(base, commit="1" * 40, old_contents=v1, new_contents=v2)
    second = commit_like(base, commit="2" * 40, old_contents=v2, new_contents=v3)
    assert exact_jaccard(pair_shingles(v1, v2, 5), pair_shingles(v2, v3, 5)) > 0.9
    got = assemble([first, second], config(exact_dedup=False, **NO_EXTRAS))
    assert len(got.samples) == 2
    assert got.counts["assembly.near_dedup"] == {"in": 2, "kept": 2}
    # Without the changed-lines check (pure pair-code near dedup), they collapse into one.
    got = assemble([first, second], config(exact_dedup=False, near_dedup={"change_threshold": None}, **NO_EXTRAS))
    assert len(got.samples) == 1
