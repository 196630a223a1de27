"""Sorted runs and their merge: the bounded-memory writer behind every shard (beam_jobs.sorted_runs)."""
from __future__ import annotations

import json
import random
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.output.shards import RUNS_DIR, SplitShards
from beam_jobs.parquet_sink import pack_row, packed_key
from beam_jobs import sorted_runs
from beam_jobs.sorted_runs import (Run, SpillGroupByKey, SpillRuns, delete_runs, key_hash, merge_runs, pack_entry,
                                   read_run, row_hash, shard_bounds, shard_index, slices_at_keys, write_run)
from schemas.reject import REJECT_SCHEMA, Reject

NAMES = ("k", "v")


def _rows(n: int, seed: int = 0) -> list[tuple[int, bytes, int]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        key = f"key-{i:05d}-{rng.random():.6f}"
        size, packed = pack_row(key, {"k": key, "v": "x" * rng.randrange(0, 600)}, NAMES)
        out.append((row_hash(packed_key(packed)), packed, size))
    return out


def test_shard_bounds_tile_the_hash_space_and_agree_with_shard_index():
    rng = random.Random(1)
    probes = [0, 1, (1 << 64) - 1, 1 << 63] + [rng.getrandbits(64) for _ in range(2000)]
    for count in (1, 2, 3, 7, 8, 13, 1000):
        bounds = [shard_bounds(i, count) for i in range(count)]
        assert bounds[0][0] == 0 and bounds[-1][1] == 1 << 64
        assert all(bounds[i][1] == bounds[i + 1][0] for i in range(count - 1))
        for h in probes:
            i = shard_index(h, count)
            lo, hi = bounds[i]
            assert lo <= h < hi


def test_a_run_reads_back_whole_and_by_slice(tmp_path: Path):
    rows = sorted(_rows(500))
    run = write_run(str(tmp_path / "a.run"), rows)
    assert run.rows == 500 and run.size == sum(s for _, _, s in rows)
    assert run.offsets[0] == 0 and run.offsets[-1] == (tmp_path / "a.run").stat().st_size
    assert [p for _, p in read_run(run)] == [p for _, p, _ in rows]
    for count in (1, 3, 8, 300):
        for i in range(count):
            lo, hi = shard_bounds(i, count)
            assert [p for _, p in read_run(run, lo, hi)] == [p for h, p, _ in rows if lo <= h < hi]


def test_an_empty_run_reads_as_nothing(tmp_path: Path):
    run = write_run(str(tmp_path / "e.run"), [])
    assert run == Run(str(tmp_path / "e.run"), 0, 0, (0,) * 257)
    assert list(read_run(run)) == []


def test_the_merge_is_the_same_however_the_rows_were_cut_into_runs(tmp_path: Path):
    rows = _rows(400, seed=2)
    expected = [p for _, p, _ in sorted(rows)]
    for cut_seed in range(4):
        rng = random.Random(cut_seed)
        shuffled = rows[:]
        rng.shuffle(shuffled)
        cuts = sorted(rng.sample(range(1, len(rows)), 5 + cut_seed))
        pieces = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)])]
        runs = [write_run(str(tmp_path / f"{cut_seed}-{j}.run"), sorted(piece)) for j, piece in enumerate(pieces)]
        assert list(merge_runs(runs)) == expected
        lo, hi = shard_bounds(1, 3)
        assert list(merge_runs(runs, lo, hi)) == [p for h, p, _ in sorted(rows) if lo <= h < hi]


def test_a_truncated_run_fails_loudly(tmp_path: Path):
    rows = sorted(_rows(20))
    path = tmp_path / "t.run"
    run = write_run(str(path), rows)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IOError, match="truncated"):
        list(read_run(run))


def test_spill_runs_holds_at_most_its_budget(tmp_path: Path):
    rows = _rows(300, seed=3)
    spill = SpillRuns(str(tmp_path / "runs"), budget=20_000)
    spill.start_bundle()
    runs: list[Run] = []
    for _, packed, size in rows:
        runs.extend(spill.process((size, packed)))
    runs.extend(w.value for w in spill.finish_bundle())
    assert len(runs) > 3
    assert sum(r.rows for r in runs) == 300
    for run in runs[:-1]:
        held = sum(len(p) + 120 for _, p in read_run(run))
        assert 20_000 <= held < 20_000 + 1000  # flushed on the row that crossed the budget
    assert sorted(p for r in runs for _, p in read_run(r)) == sorted(p for _, p, _ in rows)
    delete_runs(str(tmp_path / "runs"), str(tmp_path / "runs"))
    assert not (tmp_path / "runs").exists()


def _save(entries: list[dict], path: str) -> None:
    Path(path).write_text(json.dumps(entries))


def _write_rejects(out: Path, parts: list[list[Reject]], *, budget: int, shards: int | None) -> list[dict]:
    listing = out.parent / f"{out.name}-entries.json"
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        pcolls = tuple(p | f"Part{i}" >> beam.Create(part) for i, part in enumerate(parts))
        written = pcolls | SplitShards(str(out), "rejects", "rejects", "rejects", REJECT_SCHEMA,
                                       key_fn=lambda r: r.key, max_rows=150, max_bytes=1 << 30, shards=shards,
                                       row_group_rows=50, sort_buffer_bytes=budget)
        written | beam.combiners.ToList() | beam.Map(_save, str(listing))
    return sorted(json.loads(listing.read_text()), key=lambda e: e["file"])


def _rejects(n: int) -> list[Reject]:
    return [Reject(stage="git.commit", reason=["merge_commit", "root_commit"][i % 2], key=f"{i:040x}",
                   repo=f"o/r{i % 7}", detail=f"detail {i}", source="git") for i in range(n)]


def test_shards_are_byte_identical_whatever_the_buffer_and_the_inputs_split(tmp_path: Path):
    rejects = _rejects(400)
    tiny = _write_rejects(tmp_path / "tiny", [rejects[:130], rejects[130:]], budget=2_000, shards=None)
    large = _write_rejects(tmp_path / "large", [list(reversed(rejects))], budget=16 << 20, shards=None)
    assert [e["file"] for e in tiny] == [f"rejects/rejects-{i:05d}-of-00003.parquet" for i in range(3)]
    assert tiny == large
    for root in ("tiny", "large"):
        assert not (tmp_path / root / RUNS_DIR).exists()
    # Shard i holds exactly the keys whose hash falls in its slice, in hash order.
    seen = []
    for i, entry in enumerate(tiny):
        keys = pq.read_table(tmp_path / "tiny" / entry["file"]).column("key").to_pylist()
        hashes = [row_hash(k.encode()) for k in keys]
        assert all(shard_index(h, 3) == i for h in hashes)
        assert hashes == sorted(hashes)
        assert entry["rows"] == len(keys)
        seen += keys
    assert sorted(seen) == sorted(r.key for r in rejects)


def test_a_fixed_shard_count_writes_every_shard_and_no_rows_write_none(tmp_path: Path):
    entries = _write_rejects(tmp_path / "fixed", [_rejects(3)], budget=1 << 20, shards=8)
    assert [e["file"] for e in entries] == [f"rejects/rejects-{i:05d}-of-00008.parquet" for i in range(8)]
    assert sum(e["rows"] for e in entries) == 3
    assert _write_rejects(tmp_path / "none", [[]], budget=1 << 20, shards=8) == []
    assert not (tmp_path / "none" / "rejects").exists()


def _groups(result: list) -> list:
    out = []
    for key, values in result:
        if isinstance(values, dict):
            out.append((key, {tag: sorted(v, key=json.dumps) for tag, v in values.items()}))
        else:
            out.append((key, sorted(values)))
    return sorted(out, key=lambda kv: kv[0])


def _run_grouping(tmp_path: Path, build) -> list:
    listing = tmp_path / "grouped.json"
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        build(p) | beam.combiners.ToList() | beam.Map(_save, str(listing))
    return [tuple(kv) for kv in json.loads(listing.read_text())]


def _grouped_as_group_by_key(tmp_path: Path, items: list, **spill) -> list:
    """SpillGroupByKey(**spill) over `items` (split_keys: a list, made a PCollection here), checked
    against Beam's GroupByKey of the same items; the groups, values sorted."""
    split = spill.pop("split_keys", None)

    def spilled(p):
        if split is not None:
            spill["split_keys"] = p | "Keys" >> beam.Create(split)
        return (p | beam.Create(items) | SpillGroupByKey(str(tmp_path / "runs"), **spill)
                | beam.MapTuple(lambda k, v: (k, sorted(v))))

    def beams(p):
        return p | beam.Create(items) | beam.GroupByKey() | beam.MapTuple(lambda k, v: (k, sorted(v)))

    got = _groups(_run_grouping(tmp_path, spilled))
    assert got == _groups(_run_grouping(tmp_path, beams))
    return got


def test_spill_group_by_key_gives_what_group_by_key_gives(tmp_path: Path):
    items = [(f"k{i % 37}", i) for i in range(900)] + [("with\0nul", 1), ("", 2), ("ключ", 3)]
    got = _grouped_as_group_by_key(tmp_path, items, budget=1_500, slice_bytes=700)
    assert len(got) == 40 and dict(got)["k0"] == list(range(0, 900, 37))
    assert not (tmp_path / "runs").exists()


def test_spill_co_group_by_key_gives_what_co_group_by_key_gives(tmp_path: Path):
    left = [(f"n{i % 11}", {"code": "x" * i}) for i in range(60)]
    right = [(f"n{i % 4}", f"label{i}") for i in range(9)] + [("only-right", "r")]

    def spilled(p):
        return ({"sample": p | "L" >> beam.Create(left), "label": p | "R" >> beam.Create(right)}
                | SpillGroupByKey(str(tmp_path / "co"), budget=2_000))

    def beams(p):
        return ({"sample": p | "L" >> beam.Create(left), "label": p | "R" >> beam.Create(right)}
                | beam.CoGroupByKey() | beam.MapTuple(lambda k, v: (k, {t: list(x) for t, x in v.items()})))

    got = _groups(_run_grouping(tmp_path, spilled))
    assert got == _groups(_run_grouping(tmp_path, beams))
    assert dict(got)["only-right"] == {"label": ["r"], "sample": []}


def test_a_keys_hash_is_the_hash_its_grouped_rows_sort_by():
    for key in ("k0", "with\0nul", "", "ключ", "/a/proj\x00000000000003"):
        _, packed = pack_entry((key, {"v": 1}), 0)
        assert key_hash(key) == row_hash(packed_key(packed))


def _assert_tiles(slices: list[tuple[int, int]]) -> None:
    ordered = sorted(s for s in slices if s[0] < s[1])
    assert ordered[0][0] == 0 and ordered[-1][1] == 1 << 64
    assert all(a[1] == b[0] for a, b in zip(ordered, ordered[1:]))


def test_slices_at_keys_tile_the_hash_space_one_per_key_in_key_order():
    keys = [f"/r/{r}\x00{i:012d}" for r in ("b", "a") for i in range(40)]
    slices = slices_at_keys(keys + keys[:7])  # repeats make no extra slice
    assert len(slices) == 80
    _assert_tiles(slices)
    for key, (lo, hi) in zip(sorted(keys), slices):
        assert lo <= key_hash(key) < hi
    assert slices_at_keys([]) == [(0, 1 << 64)]
    assert slices_at_keys(["only"]) == [(0, 1 << 64)]


def test_keys_whose_hashes_collide_still_tile_the_space(monkeypatch: pytest.MonkeyPatch):
    """Two keys with one hash: one slice holds both, the other is empty; no row is in two slices."""
    monkeypatch.setattr(sorted_runs, "key_hash", lambda key: {"a": 5, "b": 5, "c": 9}[key])
    slices = slices_at_keys(["c", "b", "a"])
    assert slices == [(0, 5), (5, 9), (9, 1 << 64)]
    _assert_tiles(slices)


def test_split_keys_group_as_group_by_key_does_keys_outside_them_too(tmp_path: Path):
    items = [(f"k{i % 23}", i) for i in range(500)] + [("with\0nul", 1), ("ключ", 3)]
    split = [f"k{i}" for i in range(0, 23, 3)] + ["absent-1", "absent-2"]  # a few of the keys, and others
    got = _grouped_as_group_by_key(tmp_path, items, budget=900, split_keys=split)
    assert len(got) == 25 and dict(got)["k4"] == list(range(4, 500, 23))


class _RecordWorker(beam.DoFn):
    """Writes, per group, the worker's process id and the characters of the group's values."""
    def __init__(self, folder: str) -> None:
        self._folder = folder

    def process(self, element):
        import os
        key, values = element
        with open(os.path.join(self._folder, key), "w") as f:
            f.write(f"{os.getpid()} {sum(len(str(v)) for v in values)}")
        yield key


def test_two_workers_are_dealt_alternate_split_keys_in_key_order(tmp_path: Path):
    """The FnApiRunner deals a stage's tasks round-robin; with split keys the tasks come in key
    order, so neighbouring keys (a history's walk chunks) go to different workers."""
    keys = [f"chunk{i:02d}" for i in range(8)]
    items = [(k, n) for k in keys for n in range(3)]
    seen = tmp_path / "seen"
    seen.mkdir()
    options = PipelineOptions(["--runner=FnApiRunner", "--direct_running_mode=multi_processing",
                               "--direct_num_workers=2"])
    with beam.Pipeline(options=options) as p:
        split = p | "Keys" >> beam.Create(keys)
        (p | beam.Create(items) | SpillGroupByKey(str(tmp_path / "runs"), split_keys=split)
         | beam.ParDo(_RecordWorker(str(seen))))
    worker = {k: (seen / k).read_text().split()[0] for k in keys}
    evens, odds = {worker[k] for k in keys[0::2]}, {worker[k] for k in keys[1::2]}
    assert len(evens) == 1 and len(odds) == 1 and evens != odds


def test_dealt_shares_the_weight_out_evenly_among_round_robin_turns():
    slices = [(i, i + 1) for i in range(10)]
    weights = [85.0] + [5.0] * 9  # one busy file's slice and nine light ones
    order = sorted_runs.dealt(slices, weights, 2)
    assert sorted(s for s in order if s != sorted_runs.EMPTY_SLICE) == slices  # each once
    first, second = order[0::2], order[1::2]  # what the FnApiRunner deals to each of two workers
    assert first == [(0, 1)] + [sorted_runs.EMPTY_SLICE] * 8 and second == slices[1:]
    rng = random.Random(3)
    for workers in (2, 3, 4):
        weights = [rng.choice([rng.random(), 50 * rng.random()]) for _ in range(40)]
        slices = [(i, i + 1) for i in range(40)]
        order = sorted_runs.dealt(slices, weights, workers)
        assert len(order) % workers == 0
        assert sorted(s for s in order if s != sorted_runs.EMPTY_SLICE) == slices
        loads = [sum(weights[s[0]] for s in order[k::workers] if s != sorted_runs.EMPTY_SLICE) for k in range(workers)]
        assert max(loads) - min(loads) <= max(weights)  # the greedy rule's bound


def test_bucket_slices_tile_the_space_and_hold_what_the_runs_offsets_say():
    def run(per_bucket: dict[int, int]) -> Run:
        offsets, at = [], 0
        for bucket in range(sorted_runs._BUCKETS + 1):
            offsets.append(at)
            at += per_bucket.get(bucket, 0)
        return Run("unused", 0, 0, tuple(offsets))

    runs = [run({0: 100, 3: 40, 9: 5}), run({3: 60, 200: 7, 255: 2})]
    bucket = 1 << sorted_runs._SHIFT
    slices, weights = sorted_runs.bucket_slices(runs, 50)
    assert slices == [(0, bucket), (bucket, 4 * bucket), (4 * bucket, 1 << 64)]
    assert weights == [100, 100, 14]
    _assert_tiles(slices)
    assert sorted_runs.bucket_slices(runs, 10_000) == ([(0, 1 << 64)], [214])
    assert sorted_runs.bucket_slices([], 50) == ([(0, 1 << 64)], [0])


def test_two_workers_get_several_task_slices_even_of_a_grouping_smaller_than_one_slice():
    """A grouping of 100 MB with 64 MB slices: one slice per worker would be two of 64 and 36 MB
    once cut at whole buckets; several per worker are dealt to within a bucket's bytes."""
    per_bucket = 100_000_000 // sorted_runs._BUCKETS
    offsets = tuple(b * per_bucket for b in range(sorted_runs._BUCKETS + 1))
    runs = [Run("unused", 0, 100_000_000, offsets)]
    order = sorted_runs._task_slices(runs, sorted_runs.SLICE_BYTES, 2)
    real = [s for s in order if s != sorted_runs.EMPTY_SLICE]
    assert len(real) >= 16
    _assert_tiles(sorted(real))
    loads = [sum(((hi - lo) >> sorted_runs._SHIFT) * per_bucket for lo, hi in order[k::2]) for k in range(2)]
    assert abs(loads[0] - loads[1]) <= 7 * per_bucket
    assert sorted_runs._task_slices(runs, sorted_runs.SLICE_BYTES, 1) == [sorted_runs.shard_bounds(i, 2) for i in range(2)]


def test_two_workers_get_about_the_same_bytes_when_one_key_holds_most_of_them(tmp_path: Path):
    """One key with more bytes than all the others: its worker groups nothing else (or the one light
    key that shares its index bucket), where slices dealt in hash order would have given it about
    half of the others too."""
    rng = random.Random(8)
    light = [f"light{i:02d}" for i in range(24)]
    items = [("heavy", rng.randbytes(3000).hex()) for _ in range(40)]  # 240,000 characters
    items += [(key, rng.randbytes(3000).hex()) for key in light for _ in range(2)]  # 288,000 in all
    items = items[:40] + [(k, v[:4000]) for k, v in items[40:]]  # light keys: 192,000 in all
    seen = tmp_path / "seen"
    seen.mkdir()
    options = PipelineOptions(["--runner=FnApiRunner", "--direct_running_mode=multi_processing",
                               "--direct_num_workers=2"])
    with beam.Pipeline(options=options) as p:
        (p | beam.Create(items) | SpillGroupByKey(str(tmp_path / "runs"), slice_bytes=2_000)
         | beam.ParDo(_RecordWorker(str(seen))))
    found = {key: (seen / key).read_text().split() for key in ["heavy", *light]}
    heavy_worker = found["heavy"][0]
    assert sum(int(size) for key, (_, size) in found.items() if key != "heavy") == 192_000
    beside = sum(int(size) for key, (worker, size) in found.items() if worker == heavy_worker and key != "heavy")
    assert beside <= 8_000, beside  # at most one light key may share its bucket


class _AppendKey(beam.DoFn):
    def __init__(self, path: str) -> None:
        self._path = path

    def process(self, element):
        with open(self._path, "a", encoding="utf-8") as f:
            f.write(element[0] + "\n")
        yield element


def test_a_grouping_placed_by_its_keys_hex_digits_hands_groups_on_in_key_order(tmp_path: Path):
    rng = random.Random(5)
    prefixes = [f"{rng.getrandbits(64):016x}" for _ in range(12)]
    keys = [f"{prefix}{rng.getrandbits(32):08x}" for prefix in prefixes for _ in range(3)]
    odd = ["short", "not-hex-digits-at-all", "", "0123456789abcdeg", "-123456789abcdef0", "0x23456789abcdef0",
           "0123456789ABCDEF"]  # placed by their hash instead
    items = [(k, n) for n, k in enumerate(keys * 2 + odd)]
    got = _grouped_as_group_by_key(tmp_path, items, budget=700, place=sorted_runs.hex_place)
    assert len(got) == len(keys) + len(odd)
    order = tmp_path / "order.txt"
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        (p | beam.Create(items) | SpillGroupByKey(str(tmp_path / "ordered"), budget=700, place=sorted_runs.hex_place)
         | beam.ParDo(_AppendKey(str(order))))
    arrived = [k for k in order.read_text(encoding="utf-8").split("\n")[:-1] if k in set(keys)]
    assert arrived == sorted(keys)  # what a row_hash grouping would shuffle
    assert sorted_runs.hex_place(b"00000000000000ff-rest") == 255
    assert sorted_runs.hex_place(b"short") == row_hash(b"short")
    assert sorted_runs.hex_place(b"-123456789abcdef0") == row_hash(b"-123456789abcdef0")  # never negative


def test_split_keys_need_the_hash_place(tmp_path: Path):
    with pytest.raises(ValueError, match="row_hash"):
        SpillGroupByKey(str(tmp_path), split_keys=object(), place=sorted_runs.hex_place)  # type: ignore[arg-type]


def test_grouping_through_runs_wants_text_keys():
    with pytest.raises(TypeError, match="str keys, not tuple"):
        pack_entry((("a", "b"), 1), 0)


def test_every_spill_buffer_of_the_build_takes_output_sort_buffer_mb(tmp_path: Path):
    """One setting bounds the memory of every writer and every grouping, from the commit shuffle to
    near dedup and the rejects."""
    from beam_jobs.pipeline import Inputs, build
    from config import build_config

    budgets: dict[str, int] = {}

    class Visitor(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node) -> None:
            fn = getattr(node.transform, "fn", None)
            if isinstance(fn, SpillRuns):
                budgets[node.full_label] = fn._budget

    config = build_config("strict", overrides={"output.sort_buffer_mb": 3, "licenses.detector": "text"})
    p = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    build(p, Inputs(git=[str(tmp_path / "repo")]), config, str(tmp_path / "staging"))
    p.visit(Visitor())
    groupings = {label.split("/Spill")[0] for label in budgets}
    for name in ("MineGit/GroupForks", "MineGit/InWalkOrder", "Assemble/ExactDedup/GroupByPair",
                 "Assemble/NearDedup/GroupBands", "Assemble/NearDedup/JoinClusters"):
        assert name in groupings, sorted(groupings)
    assert any(label.startswith("Shards[rejects/rejects]") for label in budgets)
    assert set(budgets.values()) == {3 << 20}


def test_a_grouping_told_not_to_delete_its_runs_leaves_them_for_its_caller(tmp_path: Path):
    items = [(f"k{i % 5}", i) for i in range(50)]
    runs = tmp_path / "kept-runs"

    def spilled(p):
        return (p | beam.Create(items) | SpillGroupByKey(str(runs), budget=200, delete_runs=False)
                | beam.MapTuple(lambda k, v: (k, sorted(v))))

    got = _groups(_run_grouping(tmp_path, spilled))
    assert got == [(f"k{j}", list(range(j, 50, 5))) for j in range(5)]
    assert len(list(runs.rglob("*.run"))) > 1  # several runs (a 200-byte budget), all still there


def test_the_build_deletes_its_runs_once_at_publish_not_in_stages(tmp_path: Path):
    """No grouping or writer of the build has a deletion stage (each was runner set-up paid by every
    run); publish removes the staging folder's runs, so a finished build leaves none anywhere."""
    from beam_jobs.pipeline import Inputs, build, run
    from config import build_config
    from tests.gitbuild import RepoBuilder

    labels: list[str] = []

    class Visitor(beam.pipeline.PipelineVisitor):
        def visit_transform(self, node) -> None:
            labels.append(node.full_label)

    config = build_config("strict", overrides={"licenses.detector": "text"})
    p = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    # Two repositories: the fork-family graph and its groupings are built too.
    build(p, Inputs(git=[str(tmp_path / "repo"), str(tmp_path / "fork")]), config, str(tmp_path / "s"))
    p.visit(Visitor())
    assert any(label.endswith("/SpreadTasks") for label in labels)
    assert [label for label in labels if "DeleteRuns" in label or label.endswith("/Finish")] == []

    git = RepoBuilder(tmp_path / "repo")
    mit = (Path(__file__).parent / "fixtures" / "licenses" / "mit.txt").read_text(encoding="utf-8")
    code = "def area(width, height):\n    return width * height\n\n\ndef perimeter(width, height):\n"
    git.commit({"LICENSE": mit, "shapes.py": code + "    return width + height\n"}, "Add shapes")
    git.commit({"LICENSE": mit, "shapes.py": code + "    return 2 * (width + height)\n"},
               "Fix the perimeter of a rectangle to count every side twice")
    out = tmp_path / "out"
    manifest = run(Inputs(git=[str(tmp_path / "repo")]), config, str(out), ["--runner=FnApiRunner"])
    assert manifest["counts"]["git.commit"]["in"] == 2
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "data", "manifest.json", "rejects"]
    assert list(out.rglob("*.run")) == [] and not list(out.rglob(RUNS_DIR))
