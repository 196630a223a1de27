"""The published corpus as a training team loads it: formats, exports, card and manifest."""
from __future__ import annotations

import json

import pyarrow.dataset as ds

import run_pipeline
from beam_jobs.output.card import parse_header
from schemas.sample import SAMPLE_SCHEMA
from tests.pipeline_helpers import assert_balanced
from tests.paths import ROOT, SAMPLE_BUNDLES

BUNDLES = SAMPLE_BUNDLES
CODENET = str(ROOT / "samples" / "judge" / "codenet")


def test_both_sources_formats_exports_card_and_manifest(tmp_path, capsys):
    out = tmp_path / "corpus"
    rc = run_pipeline.main(["--git", *BUNDLES, "--codenet", CODENET, "--output", str(out),
                            "--set", "licenses.detector=text", "--format", "chat", "alpaca", "commitpackft",
                            "--jsonl", "--commitpackft-export"])
    assert rc == 0
    assert "25 samples (train 25) in 1 shard(s), 91 rejects" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert_balanced(manifest["counts"])
    assert set(manifest["counts_by_source"]) == {"git", "judge", "assembly"}
    assert manifest["rows"]["default"] == {"train": 25}
    for config in ("chat", "alpaca", "commitpackft", "commitpackft_export"):
        assert manifest["rows"][config] == {"train": 25}, config
    # Every file the manifest lists exists with the size it states.
    for entry in manifest["shards"]:
        assert (out / entry["file"]).stat().st_size == entry["bytes"], entry["file"]
    assert manifest["benchmarks"]["humaneval"]["rows"] == 164

    data = ds.dataset(str(out / "data"), format="parquet")
    assert data.schema == SAMPLE_SCHEMA
    table = data.to_table()
    assert sorted(set(table.column("source").to_pylist())) == ["commit", "judge"]
    assert table.num_rows == 25
    for row in table.to_pylist():
        assert row["diff"] and row["lines_added"] + row["lines_removed"] > 0 and row["hunks"] >= 1, row["id"]

    export = ds.dataset(str(out / "commitpackft_export"), format="parquet").to_table()
    assert export.column_names == ["commit", "old_file", "new_file", "old_contents", "new_contents", "subject",
                                   "message", "lang", "license", "repos"]
    chat = ds.dataset(str(out / "chat"), format="parquet").to_table().to_pylist()
    assert chat[0]["messages"][-1]["role"] == "assistant"
    assert len((out / "jsonl" / "train-00000-of-00001.jsonl").read_text().splitlines()) == 25

    header = parse_header((out / "README.md").read_text())
    configs = {c["config_name"]: c["data_files"] for c in header["configs"]}
    assert configs["default"] == [{"split": "train", "path": "data/train-*.parquet"}]
    assert set(configs) == {"default", "chat", "alpaca", "commitpackft", "commitpackft_export", "rejects"}
    assert configs["rejects"] == [{"split": "rejects", "path": "rejects/rejects-*.parquet"}]
    assert set(header["license"]) >= {"mit", "apache-2.0", "cdla-permissive-2.0"}


def test_assembly_alone_on_earlier_shards_gives_the_same_corpus(tmp_path, capsys):
    first = tmp_path / "first"
    assert run_pipeline.main(["--git", *BUNDLES, "--codenet", CODENET, "--output", str(first),
                              "--set", "licenses.detector=text"]) == 0
    again = tmp_path / "again"
    assert run_pipeline.main(["--from-shards", str(first / "data" / "*.parquet"), "--output", str(again)]) == 0
    capsys.readouterr()
    m1 = json.loads((first / "manifest.json").read_text())
    m2 = json.loads((again / "manifest.json").read_text())
    assert m2["counts"]["assembly.exact_dedup"] == {"in": 25, "kept": 25}
    assert [e for e in m2["shards"] if e["config"] == "default"] == [e for e in m1["shards"] if e["config"] == "default"]
    assert run_pipeline.main(["--from-shards", str(tmp_path / "nothing" / "*.parquet")]) == 2
    assert "no Parquet file matches" in capsys.readouterr().err
