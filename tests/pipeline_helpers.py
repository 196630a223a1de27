"""Run the real pipeline on the FnApiRunner and read its Parquet output back with pyarrow."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from beam_jobs.pipeline import Inputs, run
from config import build_config

BEAM_ARGS = ["--runner=FnApiRunner"]


def run_git(repos: list[str], out: Path, preset: str = "none", **overrides: Any) -> dict[str, Any]:
    config = build_config(preset, overrides=overrides)
    return run(Inputs(git=repos), config, str(out), BEAM_ARGS)


def read_rows(folder: Path) -> list[dict[str, Any]]:
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    if not files:
        return []
    return ds.dataset(files, format="parquet").to_table().to_pylist()


def records(out: Path) -> list[dict[str, Any]]:
    return sorted(read_rows(out / "data"), key=lambda r: r["commit"])


def rejects(out: Path) -> dict[tuple[str, str], str]:
    """{(stage, key): reason}"""
    return {(r["stage"], r["key"]): r["reason"] for r in read_rows(out / "rejects")}


def manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text())


def assert_balanced(counts: dict[str, dict[str, int]]) -> None:
    """Every stage: in = kept + sum of its reasons."""
    for stage, c in counts.items():
        rejected = sum(v for k, v in c.items() if k not in ("in", "kept"))
        assert c.get("in", 0) == c.get("kept", 0) + rejected, (stage, c)
