"""Packed rows (beam_jobs.parquet_sink): one bytes value per row that unpacks to the
same dict and sorts, as bytes, exactly as its key sorts as a string, so runs are sorted with a plain
`sorted()` and stay byte-identical from run to run."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from beam_jobs.parquet_sink import (COMPRESS_FROM, pack_row, pack_value, packed_key, unpack_row,
                                    unpack_value)
from beam_jobs.sorted_runs import row_hash

NAMES = ("k", "v")
# NUL and 0x01 (the escape's own bytes), two-byte, three-byte and four-byte UTF-8, the highest BMP point
ALPHABET = ["\0", "\x01", "a", "b", "é", "\uffff", "𝄞", "z"]


def test_packed_rows_sort_as_their_keys_and_round_trip():
    rng = random.Random(3)
    keys = ["".join(rng.choices(ALPHABET, k=rng.randint(0, 6))) for _ in range(3000)]
    packed = [pack_row(k, {"k": k, "v": i}, NAMES)[1] for i, k in enumerate(keys)]
    assert [packed_key(p).decode("utf-8") for p in packed] == keys
    assert [unpack_row(p, NAMES)["k"] for p in sorted(packed)] == sorted(keys)
    assert all(row_hash(packed_key(p)) == row_hash(k.encode()) for p, k in zip(packed, keys))


def test_rows_keep_their_exact_dict_long_or_short_in_schema_order_or_not():
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    long_text = "def f(x):\n    return x + 1\n" * 50
    assert len(long_text) > COMPRESS_FROM
    for row, names in (({"k": "a", "v": long_text}, NAMES), ({"k": "a", "v": "short"}, NAMES),
                       ({"v": "swapped order", "k": "a"}, NAMES), ({"k": "a", "v": "x", "extra": when}, NAMES),
                       ({"k": "a", "v": None}, ())):
        _, packed = pack_row("key", row, names)
        back = unpack_row(packed, names)
        assert back == row and list(back) == list(row)
    assert unpack_value(pack_value({"code": long_text, "when": when})) == {"code": long_text, "when": when}
    assert unpack_value(pack_value(("a", 1))) == ("a", 1)
