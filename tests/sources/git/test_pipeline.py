"""The git source end to end: real repositories, the real pipeline on FnApiRunner, real Parquet back."""
from __future__ import annotations

import os
import subprocess

import pyarrow.parquet as pq
import pygit2

from schemas.commit import commit_record_id
from schemas.sample import SAMPLE_SCHEMA
from schemas.reject import REJECT_SCHEMA
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import assert_balanced, read_rows, records, rejects, run_git

UTIL_BUGGY = "def mean(xs):\n    return sum(xs) / len(xs) - 1\n"
UTIL_FIXED = "def mean(xs):\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n"
BASE = {"stats/util.py": UTIL_BUGGY, "README.md": "# stats\n", "main.py": "print('hi')\n"}


def build_funnel_repo(b: RepoBuilder) -> dict[str, str]:
    """One commit of every kind; returns name -> sha."""
    c: dict[str, str] = {}
    c["root"] = b.commit(BASE, "Initial commit")
    c["fix"] = b.commit({**BASE, "stats/util.py": UTIL_FIXED}, "Fix mean of an empty list")
    s1 = {**BASE, "stats/util.py": UTIL_FIXED}
    c["multi"] = b.commit({**s1, "main.py": "print('hello')\n", "README.md": "# stats!\n"}, "Greet louder")
    s2 = {**s1, "main.py": "print('hello')\n", "README.md": "# stats!\n"}
    c["docs"] = b.commit({**s2, "README.md": "# stats\n\nUsage\n"}, "Document usage")
    s3 = {**s2, "README.md": "# stats\n\nUsage\n"}
    c["rename"] = b.commit({k.replace("main.py", "cli.py"): v for k, v in s3.items()}, "Rename main to cli")
    s4 = {k.replace("main.py", "cli.py"): v for k, v in s3.items()}
    c["add"] = b.commit({**s4, "stats/extra.py": "X = 1\n"}, "Add extra module")
    s5 = {**s4, "stats/extra.py": "X = 1\n"}
    c["chmod"] = b.commit({**s5, "cli.py": (pygit2.enums.FileMode.BLOB_EXECUTABLE, s5["cli.py"])}, "Make cli executable")
    s6 = {**s5, "cli.py": (pygit2.enums.FileMode.BLOB_EXECUTABLE, s5["cli.py"])}
    c["binary"] = b.commit({**s6, "stats/extra.py": b"X = 1\x00\x00\n"}, "Corrupt extra on purpose")
    s7 = {**s6, "stats/extra.py": b"X = 1\x00\x00\n"}
    c["latin1"] = b.commit({**s7, "stats/util.py": UTIL_FIXED.encode() + b"# caf\xe9\n"}, "Add a latin-1 comment")
    s8 = {**s7, "stats/util.py": UTIL_FIXED.encode() + b"# caf\xe9\n"}
    c["delete"] = b.commit({k: v for k, v in s8.items() if k != "stats/extra.py"}, "Remove extra module")
    s9 = {k: v for k, v in s8.items() if k != "stats/extra.py"}
    # A side branch and a merge.
    c["side"] = b.commit({**s9, "cli.py": "print('side')\n"}, "Print side", parents=[c["delete"]],
                         ref="refs/heads/side")
    c["main2"] = b.commit({**s9, "stats/util.py": UTIL_FIXED}, "Drop the latin-1 comment again")
    c["merge"] = b.commit({**s9, "stats/util.py": UTIL_FIXED, "cli.py": "print('side')\n"}, "Merge branch 'side'",
                          parents=[c["main2"], c["side"]])
    return c


def test_funnel_exact_records_and_reasons(tmp_path, builder):
    c = build_funnel_repo(builder)
    builder.add_remote("origin", "git@github.com:alice/proj.git")  # names it alice/proj
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out)

    got = records(out)
    expected_kept = {c["fix"]: ("stats/util.py", UTIL_BUGGY, UTIL_FIXED, "Fix mean of an empty list", c["root"]),
                     c["side"]: ("cli.py", "print('hello')\n", "print('side')\n", "Print side", c["delete"])}
    assert {r["commit"] for r in got} == set(expected_kept)
    for r in got:
        path, old, new, subject, parent = expected_kept[r["commit"]]
        assert (r["old_file"], r["new_file"], r["old_contents"], r["new_contents"]) == (path, path, old, new)
        assert (r["subject"], r["message"], r["parent"]) == (subject, subject, parent)
        assert r["repos"] == ["alice/proj"] and r["source"] == "commit" and r["lang"] == "Python"
        assert r["record_id"] == commit_record_id(r["commit"], path)
        assert r["group"] == "alice/proj" and r["split"] == "train"
        assert r["author_time"].tzinfo is not None

    assert rejects(out) == {
        ("git.commit", c["root"]): "root_commit",
        ("git.commit", c["multi"]): "multi_file",
        ("git.commit", c["docs"]): "not_python",
        ("git.commit", c["rename"]): "rename",
        ("git.commit", c["add"]): "added_file",
        ("git.commit", c["chmod"]): "mode_change_only",
        ("git.commit", c["delete"]): "deleted_file",
        ("git.commit", c["merge"]): "merge_commit",
        ("git.contents", c["binary"]): "binary_content",
        ("git.contents", c["latin1"]): "not_utf8",
        ("git.contents", c["main2"]): "not_utf8",
    }
    assert m["counts"]["git.repository"] == {"in": 1, "kept": 1}
    assert m["counts"]["git.commit"] == {
        "in": 13, "kept": 5, "root_commit": 1, "multi_file": 1, "not_python": 1, "rename": 1, "added_file": 1,
        "mode_change_only": 1, "deleted_file": 1, "merge_commit": 1}
    assert m["counts"]["git.contents"] == {"in": 5, "kept": 2, "binary_content": 1, "not_utf8": 2}
    assert_balanced(m["counts"])
    assert m["rows"] == {"default": {"train": 2}, "rejects": {"rejects": 11}}


def test_output_layout_schema_and_manifest(tmp_path, builder):
    build_funnel_repo(builder)
    out = tmp_path / "out"
    m = run_git([str(builder.path)], out, **{"assembly.output.shards": 3})
    files = sorted(p.name for p in (out / "data").iterdir())
    assert files == [f"train-0000{i}-of-00003.parquet" for i in range(3)]
    for name in files:
        meta = pq.ParquetFile(out / "data" / name)
        assert meta.schema_arrow == SAMPLE_SCHEMA
        assert meta.metadata.row_group(0).column(0).compression == "ZSTD"
    assert pq.read_schema(next((out / "rejects").glob("*.parquet"))) == REJECT_SCHEMA
    train = [e for e in m["shards"] if e["config"] == "default"]
    assert [e["file"] for e in train] == [f"data/{f}" for f in files]
    assert sum(e["rows"] for e in train) == 2
    for e in m["shards"]:
        assert e["bytes"] == os.path.getsize(out / e["file"])
    assert m["config"]["assembly"]["output"]["shards"] == 3
    assert m["packages"]["pygit2"] == pygit2.__version__
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


def test_second_run_gives_byte_identical_shards(tmp_path, builder):
    build_funnel_repo(builder)
    first = run_git([str(builder.path)], tmp_path / "a", **{"assembly.output.shards": 2})
    second = run_git([str(builder.path)], tmp_path / "b", **{"assembly.output.shards": 2})
    assert first["shards"] == second["shards"]


def test_fork_is_merged_into_one_record_and_cloned_from_file_url(tmp_path):
    upstream = RepoBuilder(tmp_path / "alice" / "proj")
    root = upstream.commit(BASE, "Initial commit")
    fix = upstream.commit({**BASE, "stats/util.py": UTIL_FIXED}, "Fix mean of an empty list")
    fork_dir = tmp_path / "bob" / "proj.git"
    pygit2.clone_repository(str(upstream.path), str(fork_dir), bare=True)
    fork = pygit2.Repository(str(fork_dir))
    sig = pygit2.Signature("Bob", "bob@example.com", 1_700_000_000, 0)
    tree = fork.TreeBuilder(fork[fix].tree)
    tb_stats = fork.TreeBuilder(fork[fix].tree["stats"])
    tb_stats.insert("util.py", fork.create_blob(UTIL_FIXED + "\nMEDIAN = None\n"), pygit2.enums.FileMode.BLOB)
    tree.insert("stats", tb_stats.write(), pygit2.enums.FileMode.TREE)
    only_fork = str(fork.create_commit("refs/heads/main", sig, sig, "Add a median placeholder", tree.write(),
                                       [pygit2.Oid(hex=fix)]))

    out = tmp_path / "out"
    m = run_git([f"{upstream.path}=alice/proj", fork_dir.as_uri()], out, **{"assembly.near_dedup.enabled": False})
    got = {r["commit"]: r["repos"] for r in records(out)}
    assert got == {fix: ["alice/proj", "bob/proj"], only_fork: ["bob/proj"]}
    assert rejects(out) == {("git.commit", root): "root_commit"}
    # Each distinct commit is mined once, however many forks reach it.
    assert m["counts"]["git.commit"] == {"in": 3, "kept": 2, "root_commit": 1}
    assert m["counts"]["git.repository"] == {"in": 2, "kept": 2}
    assert_balanced(m["counts"])


def test_empty_unreachable_and_corrupt_inputs_are_rejected_while_the_run_goes_on(tmp_path, builder):
    root = builder.commit(BASE, "Initial commit")
    good = builder.commit({**BASE, "stats/util.py": UTIL_FIXED}, "Fix mean of an empty list")
    bad = builder.commit({**BASE, "stats/util.py": UTIL_FIXED + "\nX = 2\n"}, "Add a constant X")
    # Truncate the loose object of the last commit's new blob.
    blob = str(builder.repo[bad].tree["stats"]["util.py"].id)
    obj = builder.path / ".git" / "objects" / blob[:2] / blob[2:]
    data = obj.read_bytes()
    obj.chmod(0o644)
    obj.write_bytes(data[: len(data) // 2])
    empty = tmp_path / "carol" / "empty"
    pygit2.init_repository(str(empty))
    missing = (tmp_path / "nobody" / "gone.git").as_uri()

    out = tmp_path / "out"
    m = run_git([str(builder.path), str(empty), missing], out)
    assert [r["commit"] for r in records(out)] == [good]
    rows = {(r["stage"], r["key"]): r for r in read_rows(out / "rejects")}
    assert {k: r["reason"] for k, r in rows.items()} == {
        ("git.repository", str(empty)): "empty_repository",
        ("git.repository", missing): "clone_failed",
        ("git.commit", root): "root_commit",
        ("git.contents", bad): "corrupt_object",
    }
    assert rows[("git.contents", bad)]["repo"] == "proj"  # the folder's name: no remote, no name given
    assert rows[("git.contents", bad)]["detail"] == f"new blob: loose object {blob} is truncated"
    assert rows[("git.contents", bad)]["detail"]
    assert m["counts"]["git.repository"] == {"in": 3, "kept": 1, "empty_repository": 1, "clone_failed": 1}
    assert_balanced(m["counts"])


def test_bare_repository_and_bundle_inputs(tmp_path, builder):
    builder.commit(BASE, "Initial commit")
    fix = builder.commit({**BASE, "stats/util.py": UTIL_FIXED}, "Fix mean of an empty list")
    bare = tmp_path / "dave" / "proj.git"
    pygit2.clone_repository(str(builder.path), str(bare), bare=True)
    bundle = tmp_path / "erin" / "proj.bundle"
    bundle.parent.mkdir()
    subprocess.run(["git", "-C", str(builder.path), "bundle", "create", str(bundle), "--all"],
                   check=True, capture_output=True)
    out = tmp_path / "out"
    m = run_git([str(bare), f"{bundle}=erin/proj"], out)
    # The bare clone's origin is a local path, which names nothing: its folder without .git does.
    assert {r["commit"]: r["repos"] for r in records(out)} == {fix: ["erin/proj", "proj"]}
    assert_balanced(m["counts"])


def test_forks_are_read_from_the_first_spec_in_walk_chunks():
    """A commit seen in two forks goes with the first spec's chunk, at its position in that walk."""
    from beam_jobs.sources.git.source import WALK_CHUNK, in_walk_chunk

    sightings = [("bob/proj", "/b/proj.git", "MIT", 3), ("alice/proj", "/a/proj", "Apache-2.0", WALK_CHUNK + 5)]
    assert in_walk_chunk(("f" * 40, sightings)) == (
        "/a/proj\x00000000000001", (WALK_CHUNK + 5, "f" * 40, ("alice/proj", "bob/proj"), "Apache-2.0"))
    assert in_walk_chunk(("e" * 40, sightings[:1])) == ("/b/proj.git\x00000000000000", (3, "e" * 40, ("bob/proj",), "MIT"))


def test_chunking_of_the_walk_does_not_change_the_output(tmp_path, builder, monkeypatch):
    """Commits are mined in chunks of consecutive commits, a task per chunk; chunks of two give the
    same shards and counts as one chunk for the whole history."""
    import beam_jobs.sources.git.source as git_source

    build_funnel_repo(builder)
    whole = run_git([str(builder.path)], tmp_path / "whole", **{"assembly.output.shards": 2})
    monkeypatch.setattr(git_source, "WALK_CHUNK", 2)
    chunked = run_git([str(builder.path)], tmp_path / "chunked", **{"assembly.output.shards": 2})
    assert chunked["shards"] == whole["shards"]
    assert chunked["counts"] == whole["counts"]
    assert_balanced(chunked["counts"])
    assert read_rows(tmp_path / "chunked" / "rejects") == read_rows(tmp_path / "whole" / "rejects")


def test_a_chunk_whose_repository_cannot_be_opened_rejects_each_of_its_commits(tmp_path):
    """The worker opens the repository once per chunk; when that fails, every commit of the chunk
    becomes a `repository_unavailable` reject (nothing vanishes, and no clone is retried per commit)."""
    from beam_jobs.sources.git.source import _MineCommit
    from config.git import GitConfig

    fn = _MineCommit(GitConfig())
    fn.setup()
    gone = str(tmp_path / "gone" / "proj")
    listed = [(1, "b" * 40, ("gone/proj", "zed/proj"), "mit"), (0, "a" * 40, ("gone/proj",), "mit")]
    out = list(fn.process((f"{gone}\x00000000000000", listed)))
    fn.teardown()
    rejects = [(o.tag, o.value.stage, o.value.reason, o.value.key, o.value.repo) for o in out]
    assert rejects == [("rejects", "git.commit", "repository_unavailable", "a" * 40, "gone/proj"),
                       ("rejects", "git.commit", "repository_unavailable", "b" * 40, "gone/proj,zed/proj")]
    assert all(o.value.detail == f"the git input '{gone}' does not exist" for o in out)


def _listed(spec: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """ListCommits on one spec: (shas, chunk keys, (stage, reason) of rejects), as the DoFn yields them."""
    import apache_beam as beam
    from beam_jobs.sources.git.source import CHUNK_KEYS, _ListCommits
    from config.model import Config

    config = Config()
    fn = _ListCommits(config.git, config.licenses, {})
    fn.setup()
    shas, keys, bad = [], [], []
    for out in fn.process(spec):
        if not isinstance(out, beam.pvalue.TaggedOutput):
            shas.append(out[0])
        elif out.tag == CHUNK_KEYS:
            keys.append(out.value)
        else:
            bad.append((out.value.stage, out.value.reason))
    return shas, keys, bad


def test_listing_names_every_walk_chunk_its_commits_fall_in(builder, monkeypatch):
    """The mining stage's tasks are these keys, in order: every listed commit's chunk must be one."""
    import beam_jobs.sources.git.source as git_source

    for n in range(5):
        builder.commit({"m.py": f"X = {n}\n"}, f"Set X to {n}")
    monkeypatch.setattr(git_source, "WALK_CHUNK", 2)
    spec = str(builder.path)
    shas, keys, bad = _listed(spec)
    assert keys == [f"{spec}\x00{i:012d}" for i in range(3)] and bad == []
    assert {git_source.in_walk_chunk((sha, [("proj", spec, "mit", i)]))[0] for i, sha in enumerate(shas)} == set(keys)


def test_a_walk_that_fails_part_way_still_names_the_chunks_of_what_it_listed(builder, monkeypatch):
    import beam_jobs.sources.git.source as git_source

    builder.commit({"m.py": "X = 1\n"}, "Set X")

    def three_then_fail(*_args):
        yield from ("a" * 40, "b" * 40, "c" * 40)
        raise pygit2.GitError("object not found")

    monkeypatch.setattr(git_source, "WALK_CHUNK", 2)
    monkeypatch.setattr(git_source.gh, "walk_commits", three_then_fail)
    spec = str(builder.path)
    shas, keys, bad = _listed(spec)
    assert shas == ["a" * 40, "b" * 40, "c" * 40]
    assert keys == [f"{spec}\x00{0:012d}", f"{spec}\x00{1:012d}"]
    assert bad == [("git.repository", "walk_failed")]
