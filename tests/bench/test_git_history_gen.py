"""bench/git_history_gen.py: packing while writing leaves the same history, and the candidate share
moves the mix of commit kinds."""
from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pygit2
import pytest

from bench import git_history_gen as gen


def _refs(repo: Path) -> dict[str, str]:
    r = pygit2.Repository(str(repo))
    return {name: str(r.references[name].target) for name in r.references if name.startswith("refs/heads/")}


def _single_py_edits(repo: Path) -> int:
    """Non-merge commits that modify exactly one .py file and nothing else: the miner's candidates."""
    r = pygit2.Repository(str(repo))
    count = 0
    for commit in r.walk(r.references["refs/heads/main"].target):
        if len(commit.parents) != 1:
            continue
        deltas = list(r.diff(commit.parents[0], commit).deltas)
        if len(deltas) == 1 and deltas[0].status == pygit2.enums.DeltaStatus.MODIFIED \
                and deltas[0].new_file.path.endswith(".py"):
            count += 1
    return count


def test_packing_every_100_commits_writes_the_same_history(tmp_path):
    once = gen.generate_repository(300, 3, tmp_path / "once", log=lambda _: None)
    logged: list[str] = []
    # 50 commits a pack: the `release` branch (at 60 %) points into a batch packed and deleted long before
    packed = gen.generate_repository(300, 3, tmp_path / "packed", pack_every=50, log=logged.append)
    assert _refs(packed) == _refs(once) and len(_refs(once)) >= 2
    assert sum("packing in the background" in line for line in logged) == 5  # every 50, not at the end
    assert not [d for d in (packed / "objects").iterdir() if len(d.name) == 2]  # nothing left loose
    assert len(list((packed / "objects" / "pack").glob("*.pack"))) == 6  # one per 50 commits, the last 50 too
    assert len(list((once / "objects" / "pack").glob("*.pack"))) == 1  # repacked whole: a clone's shape
    subprocess.run(["git", "-C", str(packed), "fsck", "--no-progress", "--connectivity-only"], check=True,
                   capture_output=True)


def test_a_batch_is_packed_once_its_loose_objects_reach_the_byte_budget(tmp_path, monkeypatch):
    """Later commits are larger, so batches are bounded by bytes as well as by commits; the history
    is the same whichever bound starts a pack."""
    once = gen.generate_repository(200, 4, tmp_path / "once", log=lambda _: None)
    monkeypatch.setattr(gen, "LOOSE_CHECK_EVERY", 20)
    logged: list[str] = []
    packed = gen.generate_repository(200, 4, tmp_path / "bytes", pack_every=10 ** 9, pack_bytes=64 * 1024,
                                     log=logged.append)
    started = [line for line in logged if "packing in the background" in line]
    assert _refs(packed) == _refs(once)
    # 64 KB is reached within every 20 commits (each writes a tree chain and a blob of a few KB)
    assert [line.split()[0] for line in started] == [str(n) for n in range(20, 200, 20)]
    subprocess.run(["git", "-C", str(packed), "fsck", "--no-progress", "--connectivity-only"], check=True,
                   capture_output=True)
    never = gen.generate_repository(200, 4, tmp_path / "never", pack_every=10 ** 9, pack_bytes=1 << 40,
                                    log=logged.append)
    assert _refs(never) == _refs(once) and len(list((never / "objects" / "pack").glob("*.pack"))) == 1


def test_loose_bytes_counts_the_fan_out_folders_only(tmp_path):
    from bench.git_packing import loose_bytes

    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / ("c" * 38)).write_bytes(b"x" * 5000)  # two 4 KB blocks
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "pack-1.pack").write_bytes(b"y" * 50000)
    assert loose_bytes(tmp_path) == (tmp_path / "ab" / ("c" * 38)).stat().st_blocks * 512 >= 5000


def test_the_candidate_share_sets_the_mix(tmp_path):
    kinds, weights = gen._kind_weights(0.2)
    assert dict(zip(kinds, weights))["py1"] == 0.2 and sum(weights) == pytest.approx(1.0)
    # the other kinds keep their proportions
    default = dict(gen._Generator.KINDS)
    shared = dict(zip(kinds, weights))
    assert shared["multi"] / shared["other1"] == pytest.approx(default["multi"] / default["other1"])
    assert gen._kind_weights(None)[1] == [w for _, w in gen._Generator.KINDS]
    with pytest.raises(ValueError):
        gen._kind_weights(1.0)
    default_repo = gen.generate_repository(400, 5, tmp_path, log=lambda _: None)
    fewer = gen.generate_repository(400, 5, tmp_path, py1_share=0.2, log=lambda _: None)
    assert fewer.name == gen.repository_name(400, 5, 0, 0.2) != default_repo.name
    high, low = _single_py_edits(default_repo), _single_py_edits(fewer)
    # 400 commits: about 0.72 and 0.2 of the non-merge ones (binomial spread well inside these bounds)
    assert high > 230 and 40 < low < 120, (high, low)


def test_a_failed_generation_leaves_nothing_behind(tmp_path, monkeypatch):
    real = gen._Generator.commit

    def commit(self, branch, message, parents=None):
        if self.written == 120:
            raise OSError("disk full")
        return real(self, branch, message, parents)

    monkeypatch.setattr(gen._Generator, "commit", commit)
    with pytest.raises(OSError, match="disk full"):
        gen.generate_repository(300, 3, tmp_path / "cache", pack_every=50, log=lambda _: None)
    assert list((tmp_path / "cache").iterdir()) == []  # no half-built entry, no pack folder


def test_prose_files_stay_within_their_size_bound(tmp_path, monkeypatch):
    """Unbounded, prose files grew by a line per edit, and a million commits wrote 73 GB of copies."""
    rng = random.Random(7)
    big = [f"line {n} " + "word " * 20 for n in range(100)]  # about 11 KB, over TEXT_MAX
    for _ in range(50):
        edited = gen._edit_text(rng, big)
        assert len(edited) == len(big) - 1 and set(edited) < set(big)  # one line gone, nothing else changed
    small = ["short line"] * 10
    assert len(gen._edit_text(rng, small)) == 11
    monkeypatch.setattr(gen, "TEXT_MAX", 1500)
    # prose files start at 5 lines (about 300 bytes), so every one of them has room to grow past the bound
    monkeypatch.setattr(gen, "_text_file", lambda rng, path: [" ".join(rng.choices(gen._WORDS, k=10))] * 5)
    repo = gen.generate_repository(800, 6, tmp_path, py1_share=0.2, log=lambda _: None)
    r = pygit2.Repository(str(repo))
    sizes = {}

    def walk(tree, prefix=""):
        for entry in tree:
            if entry.type_str == "tree":
                walk(r[entry.id], prefix + entry.name + "/")
            elif entry.name.endswith((".md", ".rst", ".txt", ".cfg")):
                sizes[prefix + entry.name] = r[entry.id].size

    walk(r[r.references["refs/heads/main"].target].tree)
    assert len(sizes) >= 6 and sum(size > 1300 for size in sizes.values()) >= 3  # they did grow to it
    # the bound plus the one line an edit may add while under it (at most 14 words of 6 letters)
    assert max(sizes.values()) <= 1500 + 120, sizes
