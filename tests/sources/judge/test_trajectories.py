"""output.trajectories: one row per (user, problem) fix history, besides the pairs.

The shipped CodeNet sample through the command line, checked against samples/judge/README.md: the 14
groups that give pairs give 14 trajectories, with exact attempts (comments stripped, repeats dropped,
diffs from the attempt before); the pairs' shards are byte-identical with the option on and off; the
config loads with `datasets`; under judge.verify the attempts that ran carry their executed verdicts.
The pure parts (diffs, redaction) are tested on their own."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import run_pipeline
from beam_jobs.assembly.secret_finders import Scrubber
from beam_jobs.assembly.trajectories import finish_trajectory, redact_trajectory, with_attempt_diffs
from beam_jobs.output.card import parse_header
from config.assembly import SecretsConfig
from schemas.trajectory import TRAJECTORY_SCHEMA, Trajectory, attempt, trajectory_id
from tests.output.test_loadable import _load_every_config, datasets  # noqa: F401  (the fixture)
from tests.paths import ROOT
from tests.sources.judge.test_verify import DATASET, EXPECTED, _export, needs_sandbox

CODENET = str(ROOT / "samples" / "judge" / "codenet")
UTC = timezone.utc

# samples/judge/README.md: the submissions of each group up to its first Accepted, repeats dropped
# (s101, s203), for the 14 groups that give a pair.
ATTEMPTS = {
    ("p03000", "u100"): ["s100", "s102"], ("p03000", "u101"): ["s103", "s104"],
    ("p03000", "u103"): ["s107", "s108", "s109"],
    ("p03001", "u100"): ["s200", "s201"], ("p03001", "u107"): ["s202", "s204"],
    ("p03001", "u109"): ["s207", "s208", "s209"], ("p03001", "u110"): ["s210", "s211"],
    ("p03002", "u101"): ["s300", "s301"], ("p03002", "u102"): ["s302", "s303", "s304"],
    ("p03002", "u116"): ["s312", "s313"],
    ("p03003", "u100"): ["s400", "s401"], ("p03003", "u103"): ["s402", "s403", "s404"],
    ("p03003", "u117"): ["s405", "s406"], ("p03003", "u121"): ["s412", "s413"],
}
S402 = "n = int(input())\nt = list(map(int, input().split()))\nbest = 0\nfor i in range(n - 1):\n" \
       "    best = max(best, t[i] - t[i + 1])\nprint(best)\n"
S403 = S402.replace("best = 0\n", "best = -10 ** 18\n")  # its comment stripped
S404 = "n = int(input())\nt = list(map(int, input().split()))\nif n == 1:\n    print(0)\nelse:\n" \
       "    print(max(t[i] - t[i + 1] for i in range(n - 1)))\n"
DIFF_403 = ("--- a/s402.py\n+++ b/s403.py\n@@ -1,6 +1,6 @@\n n = int(input())\n t = list(map(int, input().split()))\n"
            "-best = 0\n+best = -10 ** 18\n for i in range(n - 1):\n     best = max(best, t[i] - t[i + 1])\n print(best)\n")
DIFF_404 = ("--- a/s403.py\n+++ b/s404.py\n@@ -1,6 +1,6 @@\n n = int(input())\n t = list(map(int, input().split()))\n"
            "-best = -10 ** 18\n-for i in range(n - 1):\n-    best = max(best, t[i] - t[i + 1])\n-print(best)\n"
            "+if n == 1:\n+    print(0)\n+else:\n+    print(max(t[i] - t[i + 1] for i in range(n - 1)))\n")


def _build(out: Path, *options: str) -> dict[str, Any]:
    assert run_pipeline.main(["--codenet", CODENET, "--output", str(out), "--no-report", "--runner=FnApiRunner",
                              *options]) == 0
    return json.loads((out / "manifest.json").read_text())


def _rows(folder: Path, pattern: str) -> list[dict[str, Any]]:
    return [r for path in sorted(folder.glob(pattern)) for r in pq.read_table(path).to_pylist()]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, Any], Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("trajectories")
    on, off = root / "on", root / "off"
    return on, _build(on, "--set", "output.trajectories=true"), off, _build(off)


def test_the_codenet_sample_gives_one_trajectory_per_group_with_pairs(built) -> None:
    on, manifest, _, _ = built
    rows = _rows(on, "trajectories/*.parquet")
    assert pq.read_schema(next(on.glob("trajectories/*.parquet"))).remove_metadata() == TRAJECTORY_SCHEMA
    assert {(r["problem_id"], r["user_id"]): [a["submission_id"] for a in r["attempts"]] for r in rows} == ATTEMPTS
    assert manifest["rows"]["trajectories"] == {"train": 14}
    assert manifest["counts"]["judge.trajectories"] == {"in": 14, "kept": 14}
    # Every trajectory lists what its pairs' `submission_sequence` lists, in the same split.
    samples = _rows(on, "data/*.parquet")
    by_group = {(r["dataset"], r["problem_id"], r["user_id"]): r for r in rows}
    for s in samples:
        t = by_group[(s["dataset"], s["problem_id"], s["user_id"])]
        assert [a["submission_id"] for a in t["attempts"]] == s["submission_sequence"]
        assert [a["verdict"] for a in t["attempts"]] == s["verdict_sequence"]
        assert t["group"] == s["group"]
        assert t["attempts"][s["step_before"]]["code"] == s["old_contents"]
        assert t["attempts"][s["step_after"]]["code"] == s["new_contents"]

    row = by_group[("codenet", "p03003", "u103")]
    assert row == {
        "id": trajectory_id("codenet", "p03003", "u103"), "dataset": "codenet", "problem_id": "p03003",
        "problem_name": "Largest Drop", "user_id": "u103", "license": "cdla-permissive-2.0",
        "group": "codenet/p03003", "problem_statement": row["problem_statement"],
        "attempts": [
            {"submission_id": "s402", "time": datetime(2020, 6, 4, 0, 1, tzinfo=UTC), "code": S402,
             "verdict": "WA", "exec_verdict": None, "diff": ""},
            {"submission_id": "s403", "time": datetime(2020, 6, 4, 0, 4, tzinfo=UTC), "code": S403,
             "verdict": "RE", "exec_verdict": None, "diff": DIFF_403},
            {"submission_id": "s404", "time": datetime(2020, 6, 4, 0, 8, tzinfo=UTC), "code": S404,
             "verdict": "AC", "exec_verdict": None, "diff": DIFF_404},
        ]}
    assert row["problem_statement"].startswith("Largest Drop")
    # p03002 has no description in the sample: no statement.
    assert {r["problem_statement"] is None for r in rows if r["problem_id"] == "p03002"} == {True}
    card = (on / "README.md").read_text()
    assert "### Fix trajectories (config `trajectories`)" in card and "Rows: train 14." in card
    assert {"config_name": "trajectories", "data_files": [{"split": "train", "path": "trajectories/train-*.parquet"}]} \
        in parse_header(card)["configs"]


def test_off_changes_nothing_and_on_leaves_the_pairs_as_they_were(built) -> None:
    on, manifest_on, off, manifest_off = built
    assert not (off / "trajectories").exists()
    assert "trajectories" not in manifest_off["rows"] and "judge.trajectories" not in manifest_off["counts"]
    assert "### Fix trajectories" not in (off / "README.md").read_text()

    def shards(manifest: dict[str, Any], config: str) -> dict[str, str]:
        return {e["file"]: e["sha256"] for e in manifest["shards"] if e["config"] == config}

    assert shards(manifest_on, "default") == shards(manifest_off, "default") != {}
    assert shards(manifest_on, "rejects") == shards(manifest_off, "rejects")
    assert {k: v for k, v in manifest_on["counts"].items() if k != "judge.trajectories"} == manifest_off["counts"]


def test_the_trajectories_config_loads_with_datasets(built, tmp_path, datasets) -> None:  # noqa: F811
    on, manifest, _, _ = built
    loaded = _load_every_config(datasets, on, tmp_path / "cache")
    assert loaded["trajectories"] == {"train": 14} == manifest["rows"]["trajectories"]
    row = datasets.load_dataset(str(on), "trajectories", split="train", cache_dir=str(tmp_path / "cache"))[0]
    assert set(row) == set(TRAJECTORY_SCHEMA.names) and row["attempts"][0]["diff"] == ""


def test_a_rerun_writes_the_same_bytes(built, tmp_path) -> None:
    on, manifest, _, _ = built
    again = _build(tmp_path / "again", "--set", "output.trajectories=true")

    def trajectory_shards(m: dict[str, Any]) -> list[tuple[str, str]]:
        return [(e["file"], e["sha256"]) for e in m["shards"] if e["config"] == "trajectories"]

    assert trajectory_shards(again) == trajectory_shards(manifest) != []


@needs_sandbox
def test_verified_attempts_carry_their_executed_verdicts(tmp_path: Path) -> None:
    """judge.verify under require, in a run that stops after the sources: every group with pairs has
    its trajectory, the unverified ones too (nothing new is dropped), in data/trajectories-*.parquet."""
    export, tests = _export(tmp_path)
    out = tmp_path / "out"
    assert run_pipeline.main(["--judge-jsonl", str(export), "--judge-tests", str(tests), "--output", str(out),
                              "--preset", "none", "--stop-after", "sources", "--runner=FnApiRunner",
                              "--set", "judge.verify.mode='require'", "--set", "judge.pairing=all-failures",
                              "--set", "judge.verify.default_time_limit_s=0.5", "--set", "judge.verify.time_factor=1",
                              "--set", "output.trajectories=true"]) == 0
    rows = _rows(out, "data/trajectories-*.parquet")
    executed: dict[str, str | None] = {}
    for (before, after), (exec_before, exec_after, _, _) in EXPECTED.items():
        executed[before], executed[after] = exec_before, exec_after
    got = {a["submission_id"]: (a["verdict"], a["exec_verdict"]) for r in rows for a in r["attempts"]}
    assert {sid: e for sid, (_, e) in got.items()} == executed
    assert sorted(r["user_id"] for r in rows) == ["u1", "u2", "u3", "u4", "u5", "u6"]
    assert {r["dataset"] for r in rows} == {DATASET}
    assert json.loads((out / "manifest.json").read_text())["rows"]["trajectories"] == {"trajectories": 6}
    card = (out / "README.md").read_text()
    assert {"config_name": "trajectories", "data_files": [{"split": "trajectories",
                                                          "path": "data/trajectories-*.parquet"}]} \
        in parse_header(card)["configs"]


# ------------------------------------------------------------------------------------- pure parts

AWS_KEY = "AKIAQ7ZX3M4KJ2PL9VWE"


def _trajectory(*codes: str) -> Trajectory:
    return Trajectory(id="t", dataset="d", problem_id="p", problem_name="P", user_id="u", license="mit", group="d/p",
                      attempts=[attempt(f"s{i}", None, code, "WA" if i < len(codes) - 1 else "AC")
                                for i, code in enumerate(codes)])


def test_attempt_diffs_run_from_the_attempt_before() -> None:
    done = with_attempt_diffs(_trajectory("x = 1\n", "x = 2\n", "x = 2\n"))
    assert [a["diff"] for a in done.attempts] == [
        "", "--- a/s0.py\n+++ b/s1.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n", ""]


def test_a_secret_is_redacted_in_every_attempt_or_drops_the_trajectory() -> None:
    scrubber = Scrubber(SecretsConfig())
    trajectory = _trajectory(f'KEY = "{AWS_KEY}"\nprint(1)\n', f'KEY = "{AWS_KEY}"\nprint(2)\n')
    done = finish_trajectory(trajectory, scrubber, "redact")
    assert done.reason is None
    assert [a["code"] for a in done.trajectory.attempts] == ['KEY = "<KEY>"\nprint(1)\n', 'KEY = "<KEY>"\nprint(2)\n']
    assert done.trajectory.attempts[1]["diff"] == (
        '--- a/s0.py\n+++ b/s1.py\n@@ -1,2 +1,2 @@\n KEY = "<KEY>"\n-print(1)\n+print(2)\n')
    dropped = redact_trajectory(scrubber, trajectory, "drop")
    assert (dropped.reason, dropped.trajectory) == ("contains_key", trajectory)
    clean = _trajectory("print(1)\n", "print(2)\n")
    assert redact_trajectory(scrubber, clean, "drop").trajectory is clean
