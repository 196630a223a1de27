"""bench/scale.py: the progress-line parser, the time series, the commands, and one smoke run on a
small generated history (counts and the JSON's shape; never timings)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench import scale

ROOT = Path(__file__).resolve().parents[2]


def test_parse_progress_reads_the_counters():
    line = "building: read 12,345 · kept 678 · rejected 11,000 · 1,234 records/s · git.filters [00:12]"
    assert scale.parse_progress(line) == {"label": "building", "read": 12345, "kept": 678, "rejected": 11000,
                                          "stage": "git.filters"}
    assert scale.parse_progress("building: starting [00:01]") is None
    assert scale.parse_progress("") is None


def test_cli_command_per_preset():
    project = Path("proj")
    default = scale.cli_command(project, "r.git", "out", "default", ["a=1"], ["--jsonl"])
    assert default[1:] == [str(project / "run_pipeline.py"), "--git", "r.git", "--output", "out", "--no-report",
                           "--set", "a=1", "--jsonl"]
    none = scale.cli_command(project, "r.git", "out", "none", [], [])
    assert none[-3:] == ["--preset", "none", "--no-report"]
    assert "--no-report" not in scale.cli_command(project, "r.git", "out", "none+report", [], [])


def test_timeline_rows_every_tenth():
    series = [{"t": float(t), "rss": 100 + t, "anon": 50 + t, "cpu": t * 0.5,
               "progress": f"building: read {t * 10:,} · kept 0 · rejected 0 · 10 records/s · git.commit"}
              for t in range(1, 101)]
    rows = scale.timeline(series, 100.0)
    assert [r["percent"] for r in rows] == list(range(10, 101, 10))
    assert [r["read"] for r in rows] == [t * 100 for t in range(1, 11)]
    assert all(r["read_per_s"] == 10 for r in rows)
    assert all(abs(r["cpu_per_wall"] - 0.5) < 1e-9 for r in rows)
    assert scale.at_fraction(series, 100.0, 0.5)["t"] == 50.0
    assert scale.timeline([], 10.0) == []


def test_scratch_fits_refuses_what_is_too_big(tmp_path):
    assert scale.scratch_fits(10, str(tmp_path))
    assert not scale.scratch_fits(10**12, str(tmp_path))
    assert not scale.scratch_fits(10, str(tmp_path / "missing"))


def test_smoke_run_on_a_small_history(tmp_path):
    figures = tmp_path / "scale.json"
    cmd = [sys.executable, str(ROOT / "bench" / "scale.py"), "--commits", "300", "--seed", "3",
           "--cache-dir", str(tmp_path / "cache"), "--preset", "default", "--set", "licenses.detector=text",
           "--interval", "0.5", "--json", str(figures)]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    assert "run_pipeline.py --git" in done.stdout and "commits/s" in done.stdout
    data = json.loads(figures.read_text())
    assert data["commits"] == 300 and data["generation_s"] is not None
    (r,) = data["results"]
    assert r["preset"] == "default" and r["listed"] == 300 and 0 < r["candidates"] <= 300
    assert r["samples"] > 0 and r["rejects"] > 0
    assert r["peak_rss"] >= r["peak_anon"] > 0
    assert set(r["anon_at"]) == {"10%", "50%", "90%"}
    assert r["series"] and all(s["rss"] >= 0 for s in r["series"])
    percents = [row["percent"] for row in r["timeline"]]
    assert percents == sorted(percents) and len(percents) <= 10
    # The CLI drew its progress line on the pseudo-terminal, and its last count is every commit listed.
    assert r["progress_seen"]
    reads = [row["read"] for row in r["timeline"] if row["read"] is not None]
    assert reads == sorted(reads)


def test_a_batch_gets_a_third_of_the_scratch_share_of_free_space_or_memory(tmp_path):
    import shutil as sh

    import psutil

    budget = scale.batch_bytes(str(tmp_path))
    bound = min(sh.disk_usage(tmp_path).free, psutil.virtual_memory().available) * scale.SCRATCH_SHARE / 3
    assert 0 < budget <= bound * 1.05  # free space moves between the two reads
    assert scale.batch_bytes(str(tmp_path / "missing")) == 0
