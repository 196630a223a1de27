"""The pieces of deterministic shards: rows packed as one bytes value each (for run files and
groupings), and one Parquet file written with its size and sha256 (the transform is
`output.shards.SplitShards`).

Beam's WriteToParquet spreads records over shards at random, so two runs differ. Here a record's
place is a hash of its sort key (`sorted_runs`) and each shard is one slice of that order. Writes go
through Beam's FileSystems, so local paths and gs:// both work.
"""
from __future__ import annotations

import hashlib
import pickle
import struct
import threading
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from apache_beam.io.filesystems import FileSystems


def approx_bytes(row: dict[str, Any]) -> int:
    """Cheap size estimate used only to derive a shard count."""
    return sum(len(v) if isinstance(v, str) else 16 for v in row.values())


# A packed row is one bytes value: the sort key in UTF-8 with each NUL written as NUL 0x01 and ended
# by NUL NUL, a 5-byte header (codec, raw length) and the pickled row. That escape keeps the order:
# packed values sort as bytes exactly as their keys sort as strings (UTF-8 keeps code point order; an
# ended key sorts before any longer one), so a run is sorted with a plain `sort()` on (hash, bytes),
# and one key's entries sit next to each other in a merge.
KEY_END = b"\x00\x00"
_NUL, _NUL_ESCAPED = b"\x00", b"\x00\x01"
_HEADER = struct.Struct("<BI")
_RAW = 0
_ZSTD = 1
# zstd gains nothing on a short row (a reject is ~100 bytes pickled) and costs a frame header.
COMPRESS_FROM = 256
# Level 1: these bytes live for one run; it compresses a fifth faster than 3 and only 5 % larger.
ZSTD_LEVEL = 1


class _Codecs(threading.local):
    """One zstd compressor and decompressor per thread, reused: setting up a zstd context costs more
    than compressing a 10 kB row (pyarrow's `pa.compress` makes a new one per call), and a context
    must not be shared by two threads."""

    def __init__(self) -> None:
        self.compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        self.decompressor = zstandard.ZstdDecompressor()


_codecs = _Codecs()


def pack_row(key: str, row: dict[str, Any], names: tuple[str, ...] = ()) -> tuple[int, bytes]:
    """(approx size, packed bytes): what crosses the shuffle, as one bytes object.

    Runners that hold a shuffle in memory (the FnApiRunner does, as decoded Python objects) would
    otherwise keep every row as a dict of strings, several times its size: one bytes object per row is
    the smallest a Python value gets. A row whose keys are exactly `names` (the schema's, in order) is
    pickled as a tuple of its values, without the field names; any other row is pickled as the dict
    itself, so unpacking gives back the same dict either way. Rows of 256 bytes or more (source code)
    are zstd-compressed, about fivefold.
    """
    body: Any = tuple(row.values()) if names and tuple(row) == names else row
    return approx_bytes(row), b"".join((escape_key(key), KEY_END, pack_value(body)))


def escape_key(key: str) -> bytes:
    """A sort key as bytes that sort as the key does, ahead of KEY_END."""
    return key.encode("utf-8", "surrogatepass").replace(_NUL, _NUL_ESCAPED)


def unescape_key(escaped: bytes) -> str:
    return escaped.replace(_NUL_ESCAPED, _NUL).decode("utf-8", "surrogatepass")


def packed_key(packed: bytes) -> bytes:
    """The sort key's UTF-8 bytes (the escape undone)."""
    return packed[:packed.index(KEY_END)].replace(_NUL_ESCAPED, _NUL)


def unpack_row(packed: bytes, names: tuple[str, ...] = ()) -> dict[str, Any]:
    body = unpack_value(packed, packed.index(KEY_END) + len(KEY_END))
    return body if isinstance(body, dict) else dict(zip(names, body))


def pack_value(value: Any) -> bytes:
    """Any picklable value as one bytes object (5-byte header, then pickle, zstd from 256 bytes), for
    values that wait in a shuffle: the FnApiRunner keeps grouped values as Python objects, and a
    sample's source code compressed is about a fifth of its size as strings."""
    raw = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if len(raw) >= COMPRESS_FROM:
        return _HEADER.pack(_ZSTD, len(raw)) + _codecs.compressor.compress(raw)
    return _HEADER.pack(_RAW, len(raw)) + raw


def unpack_value(packed: bytes, start: int = 0) -> Any:
    """The value packed at `start` (0 for what pack_value returned)."""
    codec, length = _HEADER.unpack_from(packed, start)
    payload = memoryview(packed)[start + _HEADER.size:]
    if codec == _ZSTD:
        return pickle.loads(_codecs.decompressor.decompress(payload, max_output_size=length))
    return pickle.loads(payload)


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
