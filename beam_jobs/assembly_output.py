"""Writing the assembled corpus: per-split shards in the layout the Hugging Face Hub reads.

    data/train-00000-of-00012.parquet ...     the raw columns (config "default")
    <format>/train-00000-of-00003.parquet     one folder per rendered format (configs chat, alpaca, ...)
    commitpackft_export/train-00000-of-00012.parquet   optional, CommitPackFT's exact columns
    jsonl/train-00000-of-00012.jsonl          optional, the raw columns as JSON lines (and
    jsonl/commitpackft_export/...jsonl        the export, when both are on); not a Hub config

Every Hub config is Parquet: `datasets` picks one builder for a whole folder, so a JSONL config next
to Parquet ones fails to load (tried with datasets 5.2.0). JSONL lives apart, outside the configs.

Shards are deterministic (a record's shard is a hash of its id, each shard sorted by id, so reruns
give byte-identical files; the pieces are in parquet_sink). The shard count honours both a row bound
and a byte bound, and a split with no rows gets no file at all (an empty "-of-00001" shard would make
the Hub show an empty split). The rejects are written the same way.
"""
from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Iterable, Iterator

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

from beam_jobs.parquet_sink import HashingWriter, pack_row, packed_key, shard_of, unpack_row, write_parquet
from beam_jobs.render import COMMITPACKFT_EXPORT_SCHEMA, FORMAT_SCHEMAS, render, to_commitpackft
from beam_jobs.splits import partition_by_split
from schemas.arrow import to_row
from schemas.assembly_config import AssemblyOutputConfig
from schemas.sample import SAMPLE_SCHEMA

DATA_DIR = "data"
JSONL_DIR = "jsonl"
EXPORT_DIR = "commitpackft_export"
DEFAULT_CONFIG = "default"
EXPORT_CONFIG = "commitpackft_export"


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


class _CountAndSize(beam.CombineFn):
    def create_accumulator(self) -> tuple[int, int]:
        return 0, 0

    def add_input(self, acc: tuple[int, int], size: int) -> tuple[int, int]:
        return acc[0] + 1, acc[1] + size

    def merge_accumulators(self, accs: Iterable[tuple[int, int]]) -> tuple[int, int]:
        rows = size = 0
        for r, s in accs:
            rows += r
            size += s
        return rows, size

    def extract_output(self, acc: tuple[int, int]) -> tuple[int, int]:
        return acc


class SplitShards(beam.PTransform):
    """PCollection[record dataclass with an `id`] (or, with keyed=True, of (sort key, record)) ->
    PCollection[manifest entry] for the shards of one split.

    Entries: {"file": "<folder>/<split>-00000-of-0000N.<ext>", "config", "split", "rows", "bytes", "sha256"}.
    """

    def __init__(self, root: str, folder: str, split: str, config_name: str, schema: pa.Schema, *,
                 fmt: str = "parquet", max_rows: int, max_bytes: int, shards: int | None,
                 compression: str = "zstd", row_group_rows: int = 1000, keyed: bool = False) -> None:
        super().__init__(label=f"Shards[{folder}/{split}]")
        self._keyed = keyed
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

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        # Each row crosses the shuffle as one bytes value (parquet_sink.pack_row: key, then the row
        # pickled without its field names, zstd-compressed when long): runners that keep a shuffle in
        # memory hold the rows at a fraction of their size as Python objects.
        names = tuple(self._schema.names)
        if self._keyed:
            rows = records | "ToRows" >> beam.Map(lambda kv: pack_row(kv[0], to_row(kv[1]), names))
        else:
            rows = records | "ToRows" >> beam.Map(lambda r: pack_row(r.id, to_row(r), names))
        max_rows, max_bytes, fixed = self._max_rows, self._max_bytes, self._shards
        count = (rows
                 | "Sizes" >> beam.Map(lambda sized: sized[0])
                 | "CountAndSize" >> beam.CombineGlobally(_CountAndSize())
                 | "ShardCount" >> beam.Map(lambda rs: shard_count(rs[0], rs[1], max_rows=max_rows,
                                                                   max_bytes=max_bytes, fixed=fixed)))
        side = beam.pvalue.AsSingleton(count)
        written = (rows
                   | "AssignShard" >> beam.Map(lambda sized, n: (shard_of(packed_key(sized[1]), n), sized[1]),
                                             n=side)
                   | "GroupShards" >> beam.GroupByKey()
                   | "Write" >> beam.Map(self._write, n=side))
        fill = count | "FillEmpty" >> beam.FlatMap(self._write_missing, written=beam.pvalue.AsList(written))
        return (written, fill) | "AllShards" >> beam.Flatten()

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

    def _write(self, element: tuple[int, Iterable[bytes]], n: int) -> dict[str, Any]:
        index, packed = element
        # Packed rows sort as bytes in key order (parquet_sink), ties by their bytes: deterministic.
        ordered = sorted(packed)
        names = tuple(self._schema.names)
        return self._write_rows(index, n, (unpack_row(p, names) for p in ordered))

    def _write_missing(self, n: int, written: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        present = {e["file"] for e in written}
        for index in range(n):
            if self._relative(index, n) not in present:
                yield self._write_rows(index, n, [])


def _to_export(sample: Any) -> tuple[str, Any]:
    """Keyed by the sample id: the export has no id column, but its shards sort like the others."""
    return sample.id, to_commitpackft(sample)


class WriteCorpus(beam.PTransform):
    """PCollection[RepairSample] (split set) -> PCollection[manifest entry] of every file written
    under `root`: raw Parquet per split, and the optional JSONL, CommitPackFT export and formats."""

    def __init__(self, root: str, cfg: AssemblyOutputConfig, *, compression: str = "zstd",
                 row_group_rows: int = 1000) -> None:
        super().__init__()
        self._root = root
        self._cfg = cfg
        self._compression = compression
        self._row_group_rows = row_group_rows

    def _shards(self, folder: str, split: str, config_name: str, schema: pa.Schema, fmt: str = "parquet",
                keyed: bool = False) -> SplitShards:
        cfg = self._cfg
        return SplitShards(self._root, folder, split, config_name, schema, fmt=fmt, max_rows=cfg.max_shard_rows,
                           max_bytes=cfg.max_shard_bytes, shards=cfg.shards, compression=self._compression,
                           row_group_rows=self._row_group_rows, keyed=keyed)

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
