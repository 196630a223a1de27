"""What the fault corpora share: one in-process CLI run, and reading a folder of Parquet back."""
from __future__ import annotations

from pathlib import Path

import pyarrow.dataset as ds

import run_pipeline

# Everything the faults must reach, nothing that hides them: no filters, no near dedup or
# decontamination (they would drop records for reasons of their own), no report.
ARGS = ["--preset", "none", "--no-report", "--set", "licenses.detector=text",
        "--set", "assembly.near_dedup.enabled=false", "--set", "assembly.decontamination.enabled=false"]


def run(capsys, args: list[str]) -> tuple[int, str]:
    """run_pipeline.main(args): its exit code and everything it printed."""
    code = run_pipeline.main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def rows(folder: Path) -> list[dict]:
    files = sorted(str(p) for p in folder.glob("*.parquet"))
    return ds.dataset(files, format="parquet").to_table().to_pylist() if files else []
