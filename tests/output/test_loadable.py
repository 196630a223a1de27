"""Every output folder loads with `datasets.load_dataset(folder, config)`, offline, from its card alone:
a corpus (every config, the rejects too) and a `--stop-after sources` folder (commits, judge, rejects).
The same corpus, built from two repositories and a few problems, has too few groups for its splits:
the card, the report and the console say so, and why."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from beam_jobs.output.card import parse_header
from beam_jobs.pipeline import Inputs, run, split_warnings
from beam_jobs.report.job import run_report
from beam_jobs.sources.judge.inputs import JudgeInputs
from config import build_config
from tests.gitbuild import RepoBuilder
from tests.paths import ROOT
from tests.pipeline_helpers import BEAM_ARGS

CODENET = str(ROOT / "samples" / "judge" / "codenet")


@pytest.fixture()
def datasets(tmp_path, monkeypatch):
    """The `datasets` library, offline, caching under the test's folder."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets as lib

    monkeypatch.setattr(lib.config, "HF_HUB_OFFLINE", True)
    lib.disable_progress_bars()
    return lib


def _repos(tmp_path: Path) -> list[str]:
    paths = []
    for owner, name in (("alice", "proj"), ("bob", "tool")):
        b = RepoBuilder(tmp_path / owner / name)
        b.commit({"a.py": f"{name} = 1\n"}, "Initial commit")
        b.commit({"a.py": f"{name} = 2\n"}, f"Set {name} to two everywhere")
        b.commit({"a.py": f"{name} = 3\n", "b.py": "y = 1\n"}, f"Set {name} to three and add y")
        paths.append(str(b.path))
    return paths


def _parquet_rows(folder: Path, pattern: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob(pattern)):
        rows += pq.read_table(path).to_pylist()
    return rows


def _load_every_config(datasets: Any, folder: Path, cache: Path) -> dict[str, dict[str, int]]:
    """{config: {split: rows}} as `datasets` loads each config the card declares; every row equals
    the Parquet row it was read from."""
    header = parse_header((folder / "README.md").read_text())
    loaded: dict[str, dict[str, int]] = {}
    for config in header["configs"]:
        name = config["config_name"]
        ds = datasets.load_dataset(str(folder), name, cache_dir=str(cache))
        loaded[name] = {split: part.num_rows for split, part in ds.items()}
        for files in config["data_files"]:
            assert ds[files["split"]].to_list() == _parquet_rows(folder, files["path"]), (name, files["split"])
    # No config named: the default one.
    default = next(c["config_name"] for c in header["configs"] if c.get("default"))
    plain = datasets.load_dataset(str(folder), cache_dir=str(cache))
    assert {split: part.num_rows for split, part in plain.items()} == loaded[default]
    return loaded


def test_a_corpus_and_a_sources_folder_load_with_datasets(tmp_path, datasets):
    repos = _repos(tmp_path)
    judge = JudgeInputs(codenet=CODENET)
    corpus = tmp_path / "corpus"
    config = build_config("none", overrides={"assembly.output.formats": ["chat"], "assembly.output.jsonl": True,
                                             "assembly.output.commitpackft_export": True})
    manifest = run(Inputs(git=repos, judge=judge), config, str(corpus), BEAM_ARGS)
    loaded = _load_every_config(datasets, corpus, tmp_path / "cache")
    assert set(loaded) == {"default", "chat", "commitpackft_export", "rejects"}
    assert loaded == {name: rows for name, rows in manifest["rows"].items() if name != "jsonl"}
    assert loaded["rejects"]["rejects"] > 0 and sum(loaded["default"].values()) > 0
    row = datasets.load_dataset(str(corpus), "default", split="train", cache_dir=str(tmp_path / "cache"))[0]
    assert row["source"] in ("commit", "judge") and row["diff"].startswith("--- ")

    sources = tmp_path / "sources"
    sources_manifest = run(Inputs(git=repos, judge=judge), build_config("none", overrides={"output.stop_after": "sources"}),
                           str(sources), BEAM_ARGS)
    loaded = _load_every_config(datasets, sources, tmp_path / "cache")
    assert set(loaded) == {"commits", "judge", "rejects"}
    assert loaded == sources_manifest["rows"]
    assert loaded["commits"] == {"commits": 2}  # per repository: the root commit and a two-file change go
    assert parse_header((sources / "README.md").read_text())["configs"][0] == {
        "config_name": "commits", "data_files": [{"split": "commits", "path": "data/commits-*.parquet"}],
        "default": True}

    # Few groups: the default fractions (98 / 1 / 1 %) cannot be met, and every output says so.
    balance = manifest["split_balance"]
    groups = balance["groups"]
    assert groups == len({r["group"] for r in _parquet_rows(corpus, "data/*.parquet")}) > 2
    assert json.loads((corpus / "manifest.json").read_text())["split_balance"] == balance
    assert [s["groups"] for s in balance["splits"].values()] == [groups, 0, 0]
    warnings = split_warnings(manifest)
    assert [w.split(":")[0] for w in warnings] == ["split 'validation' is empty", "split 'test' is empty"]
    assert all(f"and this corpus has {groups}." in w for w in warnings)
    card = (corpus / "README.md").read_text()
    assert all(f"> **Warning:** {w}" in card for w in warnings)
    assert "| validation | 1.0% | 0 | 0.0% | 0 | 0.0% |" in card
    assert f"| train | 98.0% | {groups} | 100.0% |" in card
    run_report(str(corpus), BEAM_ARGS)
    stats = json.loads((corpus / "stats.json").read_text())
    assert stats["splits"]["warnings"] == warnings and stats["splits"]["groups"] == groups
    assert [(s["split"], s["groups"]) for s in stats["splits"]["splits"]] == [
        ("train", groups), ("validation", 0), ("test", 0)]
    report = (corpus / "report.md").read_text()
    assert all(f"> {w}" in report for w in warnings)
    assert "Did each split get its share?" in (corpus / "report.html").read_text()
    assert split_warnings(sources_manifest) == []
