"""Writing the assembled corpus: per-split shards in the layout the Hugging Face Hub reads.

    data/train-00000-of-00012.parquet ...     the raw columns (config "default")
    <format>/train-00000-of-00003.parquet     one folder per rendered format (configs chat, alpaca, ...)
    commitpackft_export/train-00000-of-00012.parquet   optional, CommitPackFT's exact columns
    jsonl/train-00000-of-00012.jsonl          optional, the raw columns as JSON lines (and
    jsonl/commitpackft_export/...jsonl        the export, when both are on); not a Hub config
    trajectories/train-00000-of-00001.parquet optional, judge fix trajectories (config "trajectories",
                                              written by pipeline.build through SplitShards)

Every Hub config is Parquet: `datasets` picks one builder for a whole folder, so a JSONL config next
to Parquet ones fails to load (tried with datasets 5.2.0). JSONL lives apart, outside the configs.

Shards are deterministic: a record's place is a hash of its id, shard i of n holds one slice of that
hash order, so reruns give byte-identical files. Memory stays bounded: rows are spilled as sorted runs
by the stage that makes them and merged per shard (`sorted_runs`), never held in a shuffle. The shard
count honours both a row bound and a byte bound, and a split with no rows gets no file at all (an
empty "-of-00001" shard would make the Hub show an empty split). The rejects are written the same way.
"""
from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from beam_jobs.parquet_sink import HashingWriter, pack_row, unpack_row, write_parquet
from beam_jobs.sorted_runs import SORT_BUFFER_BYTES, Run, delete_runs, merge_runs, merge_tasks, shard_bounds, spilled
from beam_jobs.output.formats import render, to_commitpackft
from schemas.exports import COMMITPACKFT_EXPORT_SCHEMA, FORMAT_SCHEMAS
from schemas.arrow import to_row
from config.assembly import SPLITS, AssemblyOutputConfig
from schemas.sample import SAMPLE_SCHEMA

DATA_DIR = "data"
JSONL_DIR = "jsonl"
EXPORT_DIR = "commitpackft_export"
DEFAULT_CONFIG = "default"
EXPORT_CONFIG = "commitpackft_export"
# Judge fix trajectories (output.trajectories): their own config and folder, splits like the samples'.
TRAJECTORIES_DIR = "trajectories"
TRAJECTORIES_CONFIG = "trajectories"
# Where writers spill their sorted runs, under the output's staging folder; gone before publishing.
RUNS_DIR = "_runs"


def shard_file(prefix: str, index: int, count: int, ext: str) -> str:
    return f"{prefix}-{index:05d}-of-{count:05d}.{ext}"


def shard_count(rows: int, size: int, *, max_rows: int, max_bytes: int, fixed: int | None) -> int:
    """Enough shards that none exceeds either bound; 0 for no rows."""
    if rows == 0:
        return 0
    if fixed is not None:
        return fixed
    return max(1, math.ceil(rows / max_rows), math.ceil(size / max_bytes))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def write_jsonl(path: str, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One JSON object per line, keys in schema order, UTF-8; returns the manifest entry."""
    sink = HashingWriter(FileSystems.create(path))
    count = 0
    for row in rows:
        line = json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False) + "\n"
        sink.write(line.encode("utf-8"))
        count += 1
    sink.close()
    return {"rows": count, "bytes": sink.size, "sha256": sink.sha256.hexdigest()}


class SplitShards(beam.PTransform):
    """PCollection[record dataclass with an `id`] (or, with keyed=True, of (sort key, record); or a
    tuple of such PCollections) -> PCollection[manifest entry] for the shards of one split.

    Entries: {"file": "<folder>/<split>-00000-of-0000N.<ext>", "config", "split", "rows", "bytes", "sha256"}.

    Rows never wait in a shuffle (`sorted_runs`): each input is spilled to sorted runs in the stage
    that made it, so a tuple of inputs is written without a Flatten, which the FnApiRunner would hold
    in memory. `key_fn` gives the sort key of a record (default: its id).
    """

    def __init__(self, root: str, folder: str, split: str, config_name: str, schema: pa.Schema, *,
                 fmt: str = "parquet", max_rows: int, max_bytes: int, shards: int | None,
                 compression: str = "zstd", row_group_rows: int = 1000, keyed: bool = False,
                 key_fn: Callable[[Any], str] | None = None, sort_buffer_bytes: int = SORT_BUFFER_BYTES) -> None:
        super().__init__(label=f"Shards[{folder}/{split}]")
        self._keyed = keyed
        self._key_fn = key_fn
        self._root = root.rstrip("/")
        self._folder = folder
        self._split = split
        self._config = config_name
        self._schema = schema
        self._fmt = fmt
        self._max_rows = max_rows
        self._max_bytes = max_bytes
        self._shards = shards
        self._compression = compression
        self._row_group_rows = row_group_rows
        self._sort_buffer_bytes = sort_buffer_bytes

    @property
    def run_dir(self) -> str:
        return f"{self._root}/{RUNS_DIR}/{self._folder}/{self._split}"

    def _pack(self, record: Any, _part: int = 0) -> tuple[int, bytes]:
        names = tuple(self._schema.names)
        if self._keyed:
            return pack_row(record[0], to_row(record[1]), names)
        key = self._key_fn(record) if self._key_fn is not None else record.id
        return pack_row(key, to_row(record), names)

    def expand(self, records: beam.PCollection | tuple[beam.PCollection, ...]) -> beam.PCollection:
        parts = records if isinstance(records, (tuple, list)) else (records,)
        if not parts:
            raise ValueError("SplitShards needs at least one input PCollection")
        run_list = beam.pvalue.AsList(spilled(list(parts), self.run_dir, self._sort_buffer_bytes, self._pack))
        max_rows, max_bytes, fixed = self._max_rows, self._max_bytes, self._shards

        def count_of(runs: list[Run]) -> int:
            return shard_count(sum(r.rows for r in runs), sum(r.size for r in runs),
                               max_rows=max_rows, max_bytes=max_bytes, fixed=fixed)

        pipeline = parts[0].pipeline
        written = merge_tasks(pipeline, run_list, count_of) | "Write" >> beam.Map(self._write, runs=run_list)
        return (pipeline
                | "Finish" >> beam.Impulse()
                | "DeleteRuns" >> beam.FlatMap(_after_deleting_runs, beam.pvalue.AsList(written),
                                               self.run_dir, f"{self._root}/{RUNS_DIR}"))

    def _relative(self, index: int, n: int) -> str:
        ext = "parquet" if self._fmt == "parquet" else "jsonl"
        return f"{self._folder}/{shard_file(self._split, index, n, ext)}"

    def _write_rows(self, index: int, n: int, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
        relative = self._relative(index, n)
        path = f"{self._root}/{relative}"
        if self._fmt == "parquet":
            entry = write_parquet(path, self._schema, rows, compression=self._compression,
                                  row_group_rows=self._row_group_rows)
        else:
            entry = write_jsonl(path, rows)
        return {"file": relative, "config": self._config, "split": self._split, "rows": entry["rows"],
                "bytes": entry["bytes"], "sha256": entry["sha256"]}

    def _write(self, task: tuple[int, int], runs: list[Run]) -> dict[str, Any]:
        index, n = task
        names = tuple(self._schema.names)
        lo, hi = shard_bounds(index, n)
        return self._write_rows(index, n, (unpack_row(p, names) for p in merge_runs(runs, lo, hi)))


def _after_deleting_runs(_: bytes, entries: list[dict[str, Any]], run_dir: str, top: str) -> Iterator[dict[str, Any]]:
    """The shards' entries, let through once every shard is written and the runs are gone."""
    delete_runs(run_dir, top)
    yield from entries


def _to_export(sample: Any) -> tuple[str, Any]:
    """Keyed by the sample id: the export has no id column, but its shards sort like the others."""
    return sample.id, to_commitpackft(sample)


class WriteCorpus(beam.PTransform):
    """PCollection[RepairSample] (split set) -> PCollection[manifest entry] of every file written
    under `root`: raw Parquet per split, and the optional JSONL, CommitPackFT export and formats."""

    def __init__(self, root: str, cfg: AssemblyOutputConfig, *, compression: str = "zstd",
                 row_group_rows: int = 1000, sort_buffer_bytes: int = SORT_BUFFER_BYTES) -> None:
        super().__init__()
        self._root = root
        self._cfg = cfg
        self._compression = compression
        self._row_group_rows = row_group_rows
        self._sort_buffer_bytes = sort_buffer_bytes

    def _shards(self, folder: str, split: str, config_name: str, schema: pa.Schema, fmt: str = "parquet",
                keyed: bool = False) -> SplitShards:
        cfg = self._cfg
        return SplitShards(self._root, folder, split, config_name, schema, fmt=fmt, max_rows=cfg.max_shard_rows,
                           max_bytes=cfg.max_shard_bytes, shards=cfg.shards, compression=self._compression,
                           row_group_rows=self._row_group_rows, keyed=keyed,
                           sort_buffer_bytes=self._sort_buffer_bytes)

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        cfg = self._cfg
        entries = []
        for split, part in partition_by_split(samples).items():
            entries.append(part | f"Data[{split}]" >> self._shards(DATA_DIR, split, DEFAULT_CONFIG, SAMPLE_SCHEMA))
            if cfg.jsonl:
                entries.append(part | f"Jsonl[{split}]" >> self._shards(JSONL_DIR, split, "jsonl", SAMPLE_SCHEMA, "jsonl"))
            if cfg.commitpackft_export:
                export = part | f"ToCommitPackFT[{split}]" >> beam.Map(_to_export)
                entries.append(export | f"Export[{split}]" >> self._shards(
                    EXPORT_DIR, split, EXPORT_CONFIG, COMMITPACKFT_EXPORT_SCHEMA, keyed=True))
                if cfg.jsonl:
                    entries.append(export | f"ExportJsonl[{split}]" >> self._shards(
                        f"{JSONL_DIR}/{EXPORT_DIR}", split, "jsonl", COMMITPACKFT_EXPORT_SCHEMA, "jsonl", keyed=True))
            for fmt in cfg.formats:
                rendered = part | f"Render[{fmt}/{split}]" >> beam.Map(render, fmt, cfg)
                entries.append(rendered | f"Format[{fmt}/{split}]" >> self._shards(fmt, split, fmt, FORMAT_SCHEMAS[fmt]))
        return tuple(entries) | "AllEntries" >> beam.Flatten()


def data_files(entries: Iterable[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """{config: {split: [files]}} from manifest entries, for the dataset card."""
    out: dict[str, dict[str, list[str]]] = {}
    for e in sorted(entries, key=lambda e: e["file"]):
        out.setdefault(e["config"], {}).setdefault(e["split"], []).append(e["file"])
    return out


def partition_by_split(samples: beam.PCollection, label: str = "BySplit") -> dict[str, beam.PCollection]:
    """{"train": ..., "validation": ..., "test": ...} from samples whose split is set."""
    parts = samples | label >> beam.Partition(lambda s, n: SPLITS.index(s.split), len(SPLITS))
    return {name: parts[i] for i, name in enumerate(SPLITS)}
