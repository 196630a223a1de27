"""Edit windows through the real pipeline: a pygit2 repository with a long module, the strict preset
(granularity window) and the commitpackft preset (granularity file) on the FnApiRunner, the Parquet
shards, rejects and manifest read back."""
from __future__ import annotations

import apache_beam as beam

from beam_jobs.pipeline import Inputs, build
from filters.content import split_lines
from config import build_config
from samples.licenses_text import MIT_LICENSE
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import assert_balanced, read_rows, records, rejects, run_git

LONG, SHORT = "inventory/ledger.py", "inventory/units.py"


def level(i: int, buffer: str = "") -> str:
    return (f"def level_{i}(stock, demand):\n"
            f'    """Reorder level of item {i}."""\n'
            f"    buffer = demand * {i % 7 + 1}{buffer}\n"
            f"    return max(stock - buffer, 0)\n\n\n")


def ledger(changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    return '"""Reorder levels, one function per item."""\n\n\n' + "".join(
        level(i, changed.get(i, "")) for i in range(120))


UNITS_OLD = "".join(f"def grams_to_kg_{i}(grams):\n    return grams // {1000 + i}\n\n\n" for i in range(6))
UNITS_NEW = UNITS_OLD.replace("return grams // 1003\n", "return grams / 1003\n")
OPTIONS = {"licenses.detector": "text", "assembly.near_dedup.enabled": False}


def build_repo(b: RepoBuilder) -> dict[str, str]:
    files = {"LICENSE": MIT_LICENSE, LONG: ledger(), SHORT: UNITS_OLD}
    c = {"root": b.commit(dict(files), "Start the inventory package")}
    files[LONG] = ledger({40: " + 1"})
    c["fix"] = b.commit(dict(files), "Fix the reorder buffer of the fortieth item")
    files[SHORT] = UNITS_NEW
    c["small"] = b.commit(dict(files), "Use true division when converting grams to kilograms")
    files[LONG] = ledger({40: " + 1", 0: " + 2", 119: " + 2"})
    c["far"] = b.commit(dict(files), "Raise the reorder buffers of the first and last items")
    return c


def test_a_long_file_gives_its_function_and_far_apart_hunks_are_window_too_large(tmp_path):
    builder = RepoBuilder(tmp_path / "acme" / "inventory")
    c = build_repo(builder)
    builder.add_remote("origin", "https://github.com/acme/inventory.git")
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, preset="strict", **OPTIONS)

    assert_balanced(m["counts"])
    assert m["counts"]["git.filters"] == {"in": 3, "kept": 3}
    assert m["counts"]["git.window"] == {"in": 3, "kept": 2, "window_too_large": 1}
    assert rejects(out)[("git.window", c["far"])] == "window_too_large"
    [far] = [r for r in read_rows(out / "rejects") if r["stage"] == "git.window"]
    assert far["key"] == c["far"] and far["repo"] == "acme/inventory" and "2 hunk(s)" in far["detail"]

    got = {r["commit"]: r for r in records(out)}
    assert set(got) == {c["fix"], c["small"]}

    # The fix: the one function, exact slices of both files with their lines, spliced back = new file.
    fix = got[c["fix"]]
    old_file, new_file = ledger(), ledger({40: " + 1"})
    start = split_lines(old_file).index("def level_40(stock, demand):\n") + 1
    assert (fix["window_old"], fix["window_new"]) == ([start, start + 3], [start, start + 3])
    assert fix["old_contents"] == level(40).rstrip("\n") + "\n"
    assert fix["new_contents"] == level(40, " + 1").rstrip("\n") + "\n"
    lines = split_lines(old_file)
    assert "".join(lines[:start - 1]) + fix["new_contents"] + "".join(lines[start + 3:]) == new_file
    assert (fix["old_file"], fix["new_file"]) == (LONG, LONG)
    assert fix["instruction"] == "Fix the reorder buffer of the fortieth item"
    # the diff is the window's: its line numbers count from the window's first line
    assert fix["diff"] == (f"--- a/{LONG}\n+++ b/{LONG}\n@@ -1,4 +1,4 @@\n def level_40(stock, demand):\n"
                           '     """Reorder level of item 40."""\n-    buffer = demand * 6\n'
                           "+    buffer = demand * 6 + 1\n     return max(stock - buffer, 0)\n")

    # A file within the budget stays whole.
    small = got[c["small"]]
    assert (small["old_contents"], small["new_contents"]) == (UNITS_OLD, UNITS_NEW)
    assert small["window_old"] is None and small["window_new"] is None


def test_commitpackft_keeps_whole_files_and_has_no_window_stage(tmp_path):
    builder = RepoBuilder(tmp_path / "acme" / "inventory")
    c = build_repo(builder)
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, preset="commitpackft", **OPTIONS)

    assert_balanced(m["counts"])
    assert "git.window" not in m["counts"]
    assert m["counts"]["git.filters"] == {"in": 3, "kept": 1, "pair_too_large": 2}
    dropped = rejects(out)
    assert dropped[("git.filters", c["fix"])] == dropped[("git.filters", c["far"])] == "pair_too_large"
    [small] = records(out)
    assert small["commit"] == c["small"] and small["window_old"] is None
    assert (small["old_contents"], small["new_contents"]) == (UNITS_OLD, UNITS_NEW)


def step_names(tmp_path, preset: str) -> set[str]:
    pipeline = beam.Pipeline()
    build(pipeline, Inputs(git=[str(tmp_path)]), build_config(preset), str(tmp_path / ".staging"))
    return {t.unique_name for t in pipeline.to_runner_api().components.transforms.values()}


def test_the_window_step_follows_filter_and_annotate_only_with_granularity_window(tmp_path):
    strict = step_names(tmp_path, "strict")
    assert {"MineGit/Filter[git.filters]", "MineGit/Annotate", "MineGit/Window[git.window]",
            "MineGit/TailRejects"} <= strict
    published = step_names(tmp_path, "commitpackft")
    assert {"MineGit/Filter[git.filters]", "MineGit/Annotate"} <= published
    assert not [n for n in published if "Window[" in n or "TailRejects" in n]
