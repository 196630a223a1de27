#!/usr/bin/env python3
"""What a grouping pays to pack a sample into a run file and read it back: `parquet_sink.pack_value`
as run files are packed (pickle, zstd level 1; the anchor) against the same with LZ4's block format
(pyarrow's `lz4_raw`), a codec measured and not taken (bench/README.md, fourteenth session).

Every sample of a corpus (a build's output folder, its `data/*.parquet` shards) is packed as a
run file's value and unpacked again, per codec; the script prints CPU-s and MB/s of each direction,
the packed size, and the ratios, and fails on a row that does not come back equal. A sample crosses
four such groupings in a build (the git source's file order, exact dedup, near dedup's join, the
shard writer).

    python bench/run_codecs.py --corpus OUT [--max 20000]
"""
from __future__ import annotations

import argparse
import glob
import os
import pickle
import struct
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from beam_jobs.parquet_sink import pack_value, unpack_value  # noqa: E402

_LENGTH = struct.Struct("<I")
# One codec object for every call, as the product keeps one zstd context per thread: LZ4's block
# calls hold no state, and making a codec per call would charge its set-up to LZ4.
_LZ4_BLOCK = pa.Codec("lz4_raw")


def lz4_pack(value: Any) -> bytes:
    """`pack_value` with LZ4 in zstd's place: pickle, the raw length, the compressed block."""
    raw = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(raw)) + _LZ4_BLOCK.compress(raw, asbytes=True)


def lz4_unpack(packed: bytes) -> Any:
    (length,) = _LENGTH.unpack_from(packed)
    return pickle.loads(_LZ4_BLOCK.decompress(memoryview(packed)[_LENGTH.size:], decompressed_size=length,
                                              asbytes=True))


ANCHOR = "pack_value, zstd level 1 (anchor)"
CODECS: dict[str, tuple[Callable[[Any], bytes], Callable[[bytes], Any]]] = {
    ANCHOR: (pack_value, unpack_value), "LZ4": (lz4_pack, lz4_unpack)}


def read_rows(corpus: str, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` sample rows of the corpus' data shards, in file order."""
    import pyarrow.parquet as pq

    files = sorted(glob.glob(os.path.join(corpus, "data", "*.parquet")))
    if not files:
        raise SystemExit(f"run_codecs.py: error: {corpus} has no data/*.parquet shards (a build's output folder)")
    rows: list[dict[str, Any]] = []
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
            rows.extend(batch.to_pylist()[:limit - len(rows)])
            if len(rows) >= limit:
                return rows
    return rows


def run(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per codec: pack and unpack CPU-s, packed bytes; raises AssertionError on a row that differs."""
    figures: dict[str, dict[str, float]] = {}
    for name, (pack, unpack) in CODECS.items():
        started = time.process_time()
        packed = [pack(row) for row in rows]
        pack_s = time.process_time() - started
        started = time.process_time()
        back = [unpack(p) for p in packed]
        unpack_s = time.process_time() - started
        differing = sum(a != b for a, b in zip(rows, back))
        assert not differing, f"{name}: {differing} rows came back different"
        figures[name] = {"pack": pack_s, "unpack": unpack_s, "bytes": float(sum(map(len, packed)))}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_codecs.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="a build's output folder (with data/*.parquet)")
    parser.add_argument("--max", type=int, default=20_000, metavar="N", help="at most N samples (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3, metavar="N", help="best of N rounds (default 3)")
    args = parser.parse_args(argv)
    rows = read_rows(args.corpus, args.max)
    if not rows:
        print(f"run_codecs.py: error: {args.corpus} holds no sample", file=sys.stderr)
        return 2
    raw = sum(len(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL)) for row in rows)
    rounds = [run(rows) for _ in range(max(1, args.repeat))]
    best = {name: {k: min(r[name][k] for r in rounds) for k in ("pack", "unpack", "bytes")} for name in CODECS}
    print(f"{len(rows):,} samples of {args.corpus}, {raw / 1e6:.1f} MB pickled; best of {len(rounds)} rounds")
    for name, f in best.items():
        print(f"  {name}: pack {f['pack']:.2f} CPU-s ({raw / 1e6 / max(f['pack'], 1e-9):.0f} MB/s), "
              f"unpack {f['unpack']:.2f} CPU-s ({raw / 1e6 / max(f['unpack'], 1e-9):.0f} MB/s), "
              f"packed {f['bytes'] / 1e6:.1f} MB ({raw / f['bytes']:.2f}x smaller)")
    anchor, lz4 = best[ANCHOR], best["LZ4"]
    print(f"LZ4 against the anchor: pack {anchor['pack'] / lz4['pack']:.2f}x as fast, unpack "
          f"{anchor['unpack'] / lz4['unpack']:.2f}x as fast, pack + unpack "
          f"{(anchor['pack'] + anchor['unpack']) / (lz4['pack'] + lz4['unpack']):.2f}x, "
          f"{lz4['bytes'] / anchor['bytes']:.2f}x the bytes")
    print("rows: all came back equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
