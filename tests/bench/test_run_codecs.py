"""bench/run_codecs.py: run-file codecs on a corpus folder's samples."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench import run_codecs


@pytest.fixture()
def corpus(tmp_path):
    (tmp_path / "data").mkdir()
    code = "def f(x):\n    return x + 1\n"
    rows = [{"id": f"s{i}", "old_contents": code * (i + 1), "new_contents": code * (i + 2), "tags": ["a"]}
            for i in range(30)]
    pq.write_table(pa.Table.from_pylist(rows[:20]), tmp_path / "data" / "train-00000-of-00002.parquet")
    pq.write_table(pa.Table.from_pylist(rows[20:]), tmp_path / "data" / "train-00001-of-00002.parquet")
    return tmp_path, rows


def test_smoke_run_on_a_corpus_folder(corpus, capsys):
    folder, rows = corpus
    assert run_codecs.read_rows(str(folder), 25) == rows[:25]
    assert run_codecs.main(["--corpus", str(folder), "--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert "30 samples of" in printed
    assert "pack_value, zstd level 1 (anchor): pack" in printed and "LZ4: pack" in printed
    assert "LZ4 against the anchor: pack" in printed and "rows: all came back equal" in printed


def test_a_row_that_comes_back_different_fails_the_run(corpus, monkeypatch):
    _, rows = corpus
    monkeypatch.setitem(run_codecs.CODECS, "LZ4", (run_codecs.lz4_pack, lambda packed: {}))
    with pytest.raises(AssertionError, match="LZ4: 30 rows came back different"):
        run_codecs.run(rows)


def test_a_folder_without_shards_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="has no data/\\*.parquet shards"):
        run_codecs.main(["--corpus", str(tmp_path)])
