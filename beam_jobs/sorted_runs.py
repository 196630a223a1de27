"""Deterministic shards in bounded memory: sorted runs spilled where rows are made, merged per shard.

Why: the FnApiRunner (every local run) keeps each GroupByKey, each side input and each multi-input
Flatten in memory. A writer that groups rows by shard therefore holds the whole corpus, and all of
its rejects, in RAM at once; memory grows with the dataset. Here the stage that produces the rows
also sorts them in batches of bounded size and writes each batch to a *run* file; only the runs'
descriptions (path, row count, size, a small index) cross to the next stage. Each shard is then a
k-way merge over every run, reading only that shard's slice of each: one read buffer per run,
whatever the corpus size. On Dataflow the plan also shuffles descriptions instead of rows.

Order: a row sorts by (h, packed row), where h is the 64-bit blake2b hash of its sort key (a grouping
may place rows by their key itself instead, `hex_place`). Shard i of
n holds the rows with h in [i * 2^64 / n, (i + 1) * 2^64 / n), in that order: a contiguous slice of
one global order. The same rows give the same files whatever the bundles, runs and workers were, and
rows within a shard come in hash order, which is also a fixed shuffle of the keys (what a training
reader wants from a shard).

A run file is a sequence of frames: 8 bytes h (big-endian), 4 bytes length, the packed row
(`parquet_sink.pack_row`). Its `Run.offsets` index holds, for each of the 256 values of h's top
byte, where the first frame with that top byte or a larger one starts, so a shard's reader seeks
straight to its slice.
"""
from __future__ import annotations

import hashlib
import heapq
import multiprocessing
import os
import re
import shutil
import tempfile
import struct
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindows

from beam_jobs.parquet_sink import KEY_END, escape_key, pack_value, packed_key, unescape_key, unpack_value

INDEX_BITS = 8
_BUCKETS = 1 << INDEX_BITS
_SHIFT = 64 - INDEX_BITS
_FRAME = struct.Struct(">QI")
# Python's per-object cost of a buffered row (a tuple, an int, a bytes header), added to its length
# when the buffer is measured against its budget.
_ROW_OVERHEAD = 120
_WRITE_CHUNK = 1 << 20


def row_hash(key: bytes) -> int:
    """The 64-bit hash that places a row: in its run, in its shard, and within the shard."""
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def shard_bounds(index: int, count: int) -> tuple[int, int]:
    """[lo, hi) of the hashes shard `index` of `count` holds (ceilings, so `shard_index` agrees)."""
    return -((-index << 64) // count), -((-(index + 1) << 64) // count)


def shard_index(h: int, count: int) -> int:
    return (h * count) >> 64


def key_hash(key: str) -> int:
    """The hash of a grouped row whose key is `key` (what `SpillRuns` sorts it by)."""
    return row_hash(key.encode("utf-8", "surrogatepass"))


_HEX_PLACE = re.compile(rb"[0-9a-f]{16}")  # not int()'s leniency: a sign, "0x", "_" or blanks


def hex_place(key: bytes) -> int:
    """The place of a row whose key begins with 16 hex digits of a uniform hash: those digits.

    Why: a grouping placed so hands its groups on in key order rather than in the order of the keys'
    hashes; a caller whose key starts with a hash of something alike keys (exact dedup: the first
    chunk of the old version) gets alike groups next to each other, and the slices of the space stay
    even. Rows of one key still sit together (the place is the key's)."""
    return int(key[:16], 16) if _HEX_PLACE.match(key) else row_hash(key)


def slices_at_keys(keys: Iterable[str]) -> list[tuple[int, int]]:
    """[lo, hi) slices of the hash space, one per distinct key, in the keys' sorted order: together
    they tile the whole space (a row of any key is in exactly one), and each holds its own key
    (unless two keys' hashes collide: then one slice holds both and the other is empty).

    Why: a runner that shares tasks out by their order (the FnApiRunner deals them round-robin) then
    deals keys in the order the caller chose, whatever their hashes."""
    distinct = sorted(set(keys))
    if not distinct:
        return [(0, 1 << 64)]
    starts = sorted((key_hash(k), k) for k in distinct)
    bounds: dict[str, tuple[int, int]] = {}
    for i, (h, key) in enumerate(starts):
        lo = 0 if i == 0 else h
        hi = starts[i + 1][0] if i + 1 < len(starts) else 1 << 64
        bounds[key] = (lo, hi)
    return [bounds[k] for k in distinct]


@dataclass(frozen=True)
class Run:
    path: str
    rows: int
    # Sum of the rows' approximate sizes (pack_row's first value): what the shard count is derived from.
    size: int
    # offsets[b]: file offset of the first frame whose hash has top byte >= b; offsets[256] = file size.
    offsets: tuple[int, ...]


def write_run(path: str, rows: list[tuple[int, bytes, int]]) -> Run:
    """Write `rows` ((h, packed, size), already sorted) as one run file."""
    offsets = [0] * (_BUCKETS + 1)
    bucket = 0
    position = 0
    chunk = bytearray()
    with FileSystems.create(path, mime_type="application/octet-stream") as f:
        for h, packed, _ in rows:
            top = h >> _SHIFT
            while bucket <= top:
                offsets[bucket] = position
                bucket += 1
            chunk += _FRAME.pack(h, len(packed))
            chunk += packed
            position += _FRAME.size + len(packed)
            if len(chunk) >= _WRITE_CHUNK:
                f.write(bytes(chunk))
                chunk.clear()
        if chunk:
            f.write(bytes(chunk))
    while bucket <= _BUCKETS:
        offsets[bucket] = position
        bucket += 1
    return Run(path=path, rows=len(rows), size=sum(size for _, _, size in rows), offsets=tuple(offsets))


def read_run(run: Run, lo: int = 0, hi: int = 1 << 64) -> Iterator[tuple[int, bytes]]:
    """The frames of `run` with lo <= h < hi, in order; reads only that slice of the file."""
    start = run.offsets[lo >> _SHIFT]
    end = run.offsets[min(_BUCKETS, ((hi - 1) >> _SHIFT) + 1)] if hi > 0 else start
    if start >= end:
        return
    with FileSystems.open(run.path, mime_type="application/octet-stream") as f:
        f.seek(start)
        position = start
        while position < end:
            h, length = _FRAME.unpack(f.read(_FRAME.size))
            packed = f.read(length)
            if len(packed) != length:
                raise IOError(f"run file {run.path} is truncated at offset {position}")
            position += _FRAME.size + length
            if h >= hi:
                return
            if h >= lo:
                yield h, packed


def merge_runs(runs: Iterable[Run], lo: int = 0, hi: int = 1 << 64) -> Iterator[bytes]:
    """The packed rows of all runs with lo <= h < hi, in (h, packed) order."""
    for _, packed in heapq.merge(*(read_run(run, lo, hi) for run in runs)):
        yield packed


class SpillRuns(beam.DoFn):
    """(approx size, packed row) -> Run, fused into the stage that makes the rows.

    Rows are buffered until `budget` bytes, then sorted and written as one run under `run_dir`; the
    rest go out at the end of the bundle. Memory: one budget per writer per bundle in flight.
    `pack`: makes the (size, packed row) of each element (element, *pack_args), so that packing is
    no transform of its own. `place`: a row's h from its sort key (`row_hash`, or `hex_place`).
    """

    def __init__(self, run_dir: str, budget: int, pack: Callable[..., tuple[int, bytes]] | None = None,
                 pack_args: tuple = (), place: Callable[[bytes], int] = row_hash) -> None:
        self._run_dir = run_dir.rstrip("/")
        self._budget = budget
        self._pack = pack
        self._pack_args = pack_args
        self._place = place

    def start_bundle(self) -> None:
        self._rows: list[tuple[int, bytes, int]] = []
        self._bytes = 0

    def process(self, element: Any) -> Iterator[Run]:
        size, packed = element if self._pack is None else self._pack(element, *self._pack_args)
        self._rows.append((self._place(packed_key(packed)), packed, size))
        self._bytes += len(packed) + _ROW_OVERHEAD
        if self._bytes >= self._budget:
            yield self._flush()

    def finish_bundle(self) -> Iterator[Any]:
        if self._rows:
            yield GlobalWindows.windowed_value(self._flush())

    def _flush(self) -> Run:
        rows, self._rows, self._bytes = self._rows, [], 0
        rows.sort()
        return write_run(f"{self._run_dir}/{uuid.uuid4().hex}.run", rows)


def delete_runs(run_dir: str, top: str | None = None) -> None:
    """Remove `run_dir` and every run under it, including those of bundles a runner retried (a local
    folder or an object-store prefix); on a local disk also the folders up to `top` left empty."""
    run_dir = run_dir.rstrip("/")
    if "://" in run_dir:
        matched = FileSystems.match([f"{run_dir}/**"])[0].metadata_list
        if matched:
            FileSystems.delete([m.path for m in matched])
        return  # object stores have no folders to remove
    shutil.rmtree(run_dir, ignore_errors=True)
    if top is None:
        return
    top = os.path.abspath(top)
    folder = os.path.dirname(os.path.abspath(run_dir))
    while folder == top or folder.startswith(top + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return  # not empty (another writer's runs) or already gone
        folder = os.path.dirname(folder)


def spilled(parts: list[beam.PCollection], run_dir: str, budget: int,
            pack: Callable[..., tuple[int, bytes]] | None = None,
            place: Callable[[bytes], int] = row_hash) -> beam.PCollection:
    """Each part, of (size, packed row) (or of elements `pack(element, part index)` makes so),
    sorted into runs under `run_dir`/<part> by the stage that makes it (no Flatten of the rows, which
    the FnApiRunner would hold); the runs' descriptions as one small PCollection. Call inside a
    composite's expand."""
    runs = [part | f"Spill[{i}]" >> beam.ParDo(SpillRuns(f"{run_dir}/{i}", budget, pack, (i,) if pack else (), place))
            for i, part in enumerate(parts)]
    return (tuple(runs) | "Runs" >> beam.Flatten()) if len(runs) > 1 else runs[0]


def _tasks(_: bytes, slices_of: Callable[..., list[tuple[int, int]]], *sides: Any) -> list[tuple[int, tuple[int, int]]]:
    return list(enumerate(slices_of(*sides)))


def _task(keyed: tuple[int, Iterable[tuple[int, int]]]) -> Iterator[tuple[int, int]]:
    yield from keyed[1]


def merge_tasks(pipeline: beam.Pipeline, slices_of: Callable[..., list[tuple[int, int]]],
                *sides: beam.pvalue.AsSideInput) -> beam.PCollection:
    """[lo, hi) for each slice of the hash space that one worker merges (`slices_of(*sides)`, in
    the order tasks are to be dealt), spread over workers by a GroupByKey on the slice's position
    (a Reshuffle's shuffle in three transforms instead of five). The run list is a side input, not
    a combiner: it is small, and every transform costs pipeline construction and runner set-up (a
    pipeline builds several writers and groupings)."""
    return (pipeline
            | "Start" >> beam.Impulse()
            | "Tasks" >> beam.FlatMap(_tasks, slices_of, *sides)
            | "SpreadTasks" >> beam.GroupByKey()
            | "Task" >> beam.FlatMap(_task))


# ------------------------------------------------------------------------------ grouping through runs
#
# GroupByKey and CoGroupByKey with the same results as Beam's, for values too large to wait in the
# FnApiRunner's memory (source code). Each input is spilled to sorted runs in the stage that makes
# it; the runs are merged in slices of the hash space, and one key's values, which sit next to each
# other in the merge, are gathered: memory holds the largest group, not the dataset.
#
# A grouped entry is packed as: the key in UTF-8 (escaped as parquet_sink does) and its end mark,
# one byte for the input's index, then the value (`parquet_sink.pack_value`).

# Bytes of runs one grouping task merges: slices = total size / this, at least one.
SLICE_BYTES = 64 << 20
# Bytes of rows one writer or grouping holds per bundle before it spills a sorted run
# (config: output.sort_buffer_mb).
SORT_BUFFER_BYTES = 16 << 20
DONE = "done"


def pack_entry(element: tuple[str, Any], tag_index: int) -> tuple[int, bytes]:
    key, value = element
    if not isinstance(key, str):
        raise TypeError(f"grouping through runs needs str keys, not {type(key).__name__}")
    body = pack_value(value)
    return len(body), b"".join((escape_key(key), KEY_END, bytes((tag_index,)), body))


def unpack_entry(packed: bytes) -> tuple[bytes, int, Any]:
    end = packed.index(KEY_END)
    return packed[:end], packed[end + len(KEY_END)], unpack_value(packed, end + len(KEY_END) + 1)


def grouped(runs: Iterable[Run], lo: int, hi: int, tags: int) -> Iterator[tuple[str, list[list[Any]]]]:
    """(key, one list of values per input) for every key whose hash is in [lo, hi)."""
    current: bytes | None = None
    values: list[list[Any]] = []
    for packed in merge_runs(runs, lo, hi):
        key, tag, value = unpack_entry(packed)
        if key != current:
            if current is not None:
                yield unescape_key(current), values
            current, values = key, [[] for _ in range(tags)]
        values[tag].append(value)
    if current is not None:
        yield unescape_key(current), values


class _GroupSlice(beam.DoFn):
    """[lo, hi) slice of the hash space -> the groups of that slice; DONE output: lo, once written."""

    def __init__(self, tags: tuple[str, ...] | None) -> None:
        self._tags = tags

    def process(self, task: tuple[int, int], runs: list[Run]) -> Iterator[Any]:
        lo, hi = task
        width = len(self._tags) if self._tags else 1
        for key, values in grouped(runs, lo, hi, width):
            if self._tags is None:
                yield key, values[0]
            else:
                yield key, dict(zip(self._tags, values))
        yield beam.pvalue.TaggedOutput(DONE, lo)


def _task_slices(runs: list[Run], slice_bytes: int, workers: int = 1) -> list[tuple[int, int]]:
    """Enough equal slices that each merges about `slice_bytes` of runs; for more than one worker,
    slices of whole index buckets instead, dealt so that each worker merges about the same bytes
    (`bucket_slices`, `dealt`)."""
    if workers > 1:
        # Several slices per worker at least, or whole buckets could not be dealt evenly.
        total = sum(run.offsets[-1] for run in runs)
        slices, weights = bucket_slices(runs, max(1, min(slice_bytes, total // (_SLICES_PER_WORKER * workers))))
        return dealt(slices, weights, workers) if len(slices) > 1 else slices
    count = max(1, -(-sum(r.size for r in runs) // slice_bytes))
    return [shard_bounds(i, count) for i in range(count)]


# Slices per worker that `_task_slices` makes at least, when the runs' buckets allow.
_SLICES_PER_WORKER = 8


def bucket_slices(runs: list[Run], slice_bytes: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Slices of whole buckets of the runs' index (top byte of the hash), each closed once it holds
    `slice_bytes` of run file, with the bytes each holds; together they tile the hash space.

    Why whole buckets: the runs' offsets tell exactly how many bytes a bucket holds, and nothing of
    how they lie within it; one key with a fifth of the bytes sits in one bucket."""
    held = [sum(run.offsets[b + 1] - run.offsets[b] for run in runs) for b in range(_BUCKETS)]
    slices: list[tuple[int, int]] = []
    weights: list[int] = []
    lo, weight = 0, 0
    for bucket, size in enumerate(held):
        weight += size
        if weight >= slice_bytes and bucket + 1 < _BUCKETS:
            hi = (bucket + 1) << _SHIFT
            slices.append((lo, hi))
            weights.append(weight)
            lo, weight = hi, 0
    slices.append((lo, 1 << 64))
    weights.append(weight)
    return slices, weights


# A task that merges nothing: what `dealt` fills a worker's turn with.
EMPTY_SLICE = (0, 0)


def dealt(slices: list[tuple[int, int]], weights: list[float], workers: int) -> list[tuple[int, int]]:
    """The slices in an order that a runner dealing tasks round robin to `workers` (the FnApiRunner,
    whose workers never take over each other's tasks) gives each worker about the same weight: the
    heaviest first to the least loaded worker, then each worker's slices at its turns, a turn it has
    no slice for taken by EMPTY_SLICE.

    Why: the file-order grouping holds all of a file's versions in one slice, and one busy file can
    be a fifth of a history's text (ipython's interactiveshell.py, 322 versions): in hash order one
    worker of two filtered alone for a quarter of a build (bench/README.md, eleventh session)."""
    loads = [0.0] * workers
    turns: list[list[tuple[int, int]]] = [[] for _ in range(workers)]
    for weight, index in sorted(((w, i) for i, w in enumerate(weights)), key=lambda item: (-item[0], item[1])):
        worker = min(range(workers), key=lambda k: (loads[k], k))
        loads[worker] += weight
        turns[worker].append(slices[index])
    rounds = max(len(own) for own in turns)
    return [own[r] if r < len(own) else EMPTY_SLICE for r in range(rounds) for own in turns]


def local_workers(pipeline: beam.Pipeline) -> int:
    """The worker processes the FnApiRunner deals a stage's tasks to (`--direct_num_workers`; 0: one
    per CPU). Other runners leave the option at 1 and share work as they see fit."""
    workers = pipeline.options.view_as(DirectOptions).direct_num_workers if pipeline.options else 1
    return workers if workers > 0 else multiprocessing.cpu_count()


def _delete_when_done(_: bytes, done: list[int], run_dir: str) -> None:
    """Runs once every slice has been grouped (`done` is their side input)."""
    delete_runs(run_dir)


@dataclass(frozen=True)
class RunFiles:
    """Where a transform's groupings spill their runs, and the buffer each holds before spilling.

    One value carries both so that the memory a run may use is set once (output.sort_buffer_mb)
    and reaches every grouping of every stage."""

    root: str
    budget: int = SORT_BUFFER_BYTES
    # Whether each grouping deletes its runs once its groups are out (a stage of its own). The build
    # says no: its runs all sit under the staging folder, which `publish` deletes with them, and the
    # stage cost every run some 6 ms of runner set-up per grouping, records or not.
    delete: bool = True

    @classmethod
    def local(cls) -> "RunFiles":
        """A fresh local folder, for a transform used on its own (tests, notebooks). The build
        pipeline always names one under the output's staging folder, which workers share."""
        return cls(os.path.join(tempfile.gettempdir(), "repairpack-runs", uuid.uuid4().hex))

    def group(self, name: str, slice_bytes: int = SLICE_BYTES, split_keys: beam.PCollection | None = None,
              place: Callable[[bytes], int] = row_hash) -> "SpillGroupByKey":
        """A GroupByKey whose runs go under `root/name`; one worker task merges about `slice_bytes`,
        or one task per split key (`SpillGroupByKey`)."""
        return SpillGroupByKey(f"{self.root.rstrip('/')}/{name}", budget=self.budget, slice_bytes=slice_bytes,
                               delete_runs=self.delete, split_keys=split_keys, place=place)


class SpillGroupByKey(beam.PTransform):
    """GroupByKey (one PCollection of (str, value)) or CoGroupByKey (a dict of them), through sorted
    runs under `run_dir`: (key, [values]) or (key, {tag: [values]}) as Beam gives them. The runs are
    deleted once every group has been emitted, unless `delete_runs` is False (the caller deletes
    the folder they are under).

    The groups are merged in slices of the hash space, one task each: by default equal slices of
    about `slice_bytes` of runs. With `split_keys` (a PCollection of str, the keys that bear the
    work), one slice per split key, dealt to workers in the keys' sorted order (`slices_at_keys`):
    for a few costly groups, such as a history's walk chunks, which equal slices would share out by
    the luck of their hashes. Every row is still grouped, split key or not.

    Groups come out in the order of their keys' places: `row_hash` of the key by default (a fixed
    shuffle), or `place` (`hex_place`: key order). Split keys need the default."""

    def __init__(self, run_dir: str, *, budget: int = SORT_BUFFER_BYTES, slice_bytes: int = SLICE_BYTES,
                 delete_runs: bool = True, split_keys: beam.PCollection | None = None,
                 place: Callable[[bytes], int] = row_hash) -> None:
        super().__init__()
        self._run_dir = run_dir.rstrip("/")
        self._budget = budget
        self._slice_bytes = slice_bytes
        self._delete_runs = delete_runs
        self._split_keys = split_keys
        if split_keys is not None and place is not row_hash:
            raise ValueError("a grouping with split keys places its rows by row_hash")
        self._place = place

    def expand(self, inputs: beam.PCollection | dict[str, beam.PCollection]) -> beam.PCollection:
        tags = tuple(sorted(inputs)) if isinstance(inputs, dict) else None
        parts = [inputs[t] for t in tags] if tags else [inputs]
        pipeline = parts[0].pipeline
        run_list = beam.pvalue.AsList(spilled(parts, self._run_dir, self._budget, pack_entry, self._place))
        if self._split_keys is None:
            tasks = merge_tasks(pipeline, _task_slices, run_list, self._slice_bytes, local_workers(pipeline))
        else:
            tasks = merge_tasks(pipeline, slices_at_keys, beam.pvalue.AsList(self._split_keys))
        out = (tasks
               | "Group" >> beam.ParDo(_GroupSlice(tags), run_list).with_outputs(DONE, main="groups"))
        if self._delete_runs:
            _ = (pipeline
                 | "Finish" >> beam.Impulse()
                 | "DeleteRuns" >> beam.Map(_delete_when_done, beam.pvalue.AsList(out[DONE]), self._run_dir))
        return out.groups
