"""Deterministic Parquet shards: the same records always land in the same shard, in the same order.

Beam's WriteToParquet spreads records over shards at random, so two runs differ. Here each record's
shard is a hash of its sort key, each shard is sorted before it is written, and shard files are named
`<prefix>-00000-of-00008.parquet`. The shard count is fixed or derived from the data size (a side
input), and shards that receive no record are still written, empty, so the `-of-N` set is complete.
Writes go through Beam's FileSystems, so local paths and gs:// both work.
"""
from __future__ import annotations

import hashlib
import math
import pickle
from typing import Any, Callable, Iterable, Iterator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from schemas.arrow import to_row


def shard_name(prefix: str, index: int, count: int) -> str:
    return f"{prefix}-{index:05d}-of-{count:05d}.parquet"


def shard_of(key: str, count: int) -> int:
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def approx_bytes(row: dict[str, Any]) -> int:
    """Cheap size estimate used only to derive a shard count."""
    return sum(len(v) if isinstance(v, str) else 16 for v in row.values())


def pack_row(key: str, row: dict[str, Any]) -> tuple[str, int, int, bytes]:
    """(sort key, approx size, raw length, zstd(pickle(row))): what crosses the shuffle.

    Runners that hold a shuffle in memory (the FnApiRunner does) would otherwise keep every file's
    contents at several times their size; compressed, source code shrinks about fivefold.
    """
    raw = pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)
    return key, approx_bytes(row), len(raw), pa.compress(raw, codec="zstd", asbytes=True)


def unpack_row(packed: tuple[str, int, int, bytes]) -> dict[str, Any]:
    return pickle.loads(pa.decompress(packed[3], packed[2], codec="zstd", asbytes=True))


class _HashingWriter:
    """A write-only file wrapper that computes sha256 and size as pyarrow writes."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        self.sha256.update(view)
        self.size += len(view)
        self._raw.write(data)
        return len(view)

    def flush(self) -> None:
        self._raw.flush()

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
            self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False


def write_parquet(path: str, schema: pa.Schema, rows: Iterable[dict[str, Any]], *,
                  compression: str, row_group_rows: int) -> dict[str, Any]:
    """Write rows to one Parquet file in row groups; returns the shard's entry for the manifest."""
    sink = _HashingWriter(FileSystems.create(path))
    codec = None if compression == "none" else compression
    count = 0
    with pq.ParquetWriter(sink, schema, compression=codec) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= row_group_rows:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    sink.close()
    return {"file": path.rsplit("/", 1)[-1], "rows": count, "bytes": sink.size, "sha256": sink.sha256.hexdigest()}


class WriteShards(beam.PTransform):
    """PCollection[record dataclass] -> PCollection[dict] of written shards (file, rows, bytes, sha256)."""

    def __init__(self, directory: str, prefix: str, schema: pa.Schema, sort_key: Callable[[Any], str], *,
                 shards: int | None, target_shard_bytes: int, compression: str, row_group_rows: int) -> None:
        super().__init__(label=f"WriteShards[{prefix}]")
        self._directory = directory.rstrip("/")
        self._prefix = prefix
        self._schema = schema
        self._sort_key = sort_key
        self._shards = shards
        self._target = target_shard_bytes
        self._compression = compression
        self._row_group_rows = row_group_rows

    def expand(self, records: beam.PCollection) -> beam.PCollection:
        sort_key = self._sort_key
        rows = records | "ToRows" >> beam.Map(lambda r: pack_row(sort_key(r), to_row(r)))
        if self._shards is not None:
            count = rows.pipeline | "FixedCount" >> beam.Create([self._shards])
        else:
            target = self._target
            count = (rows
                     | "Sizes" >> beam.Map(lambda packed: packed[1])
                     | "Total" >> beam.CombineGlobally(sum)
                     | "Count" >> beam.Map(lambda total: max(1, math.ceil(total / target))))
        count_side = beam.pvalue.AsSingleton(count)
        written = (rows
                   | "AssignShard" >> beam.Map(lambda kv, n: (shard_of(kv[0], n), kv), n=count_side)
                   | "GroupShards" >> beam.GroupByKey()
                   | "Write" >> beam.Map(self._write, n=count_side))
        fill = (count
                | "FillEmpty" >> beam.FlatMap(self._write_missing, written=beam.pvalue.AsList(written)))
        return (written, fill) | "AllShards" >> beam.Flatten()

    def _path(self, index: int, count: int) -> str:
        return f"{self._directory}/{shard_name(self._prefix, index, count)}"

    def _write(self, element: tuple[int, Iterable[tuple[str, int, int, bytes]]], n: int) -> dict[str, Any]:
        index, keyed_rows = element
        # Sorting needs the shard in memory, compressed; the shard count bounds its size.
        ordered = sorted(keyed_rows, key=lambda packed: packed[0])
        return write_parquet(self._path(index, n), self._schema, (unpack_row(p) for p in ordered),
                             compression=self._compression, row_group_rows=self._row_group_rows)

    def _write_missing(self, n: int, written: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        present = {entry["file"] for entry in written}
        for index in range(n):
            path = self._path(index, n)
            if path.rsplit("/", 1)[-1] not in present:
                yield write_parquet(path, self._schema, [], compression=self._compression,
                                    row_group_rows=self._row_group_rows)
