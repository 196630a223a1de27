"""The pieces of deterministic shards: shard choice by hash, rows packed for the shuffle, and one
Parquet file written with its size and sha256 (the transform is `assembly_output.SplitShards`).

Beam's WriteToParquet spreads records over shards at random, so two runs differ. Here a record's
shard is a hash of its sort key and each shard is sorted before it is written. Writes go through
Beam's FileSystems, so local paths and gs:// both work.
"""
from __future__ import annotations

import hashlib
import pickle
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems


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


class HashingWriter:
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
    sink = HashingWriter(FileSystems.create(path))
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
