"""A fault corpus of git repositories, run through the real command line.

Repositories are built with pygit2 and then broken in every way we know of: a truncated pack, a pack
index whose bytes changed, loose objects truncated, turned to garbage, removed or replaced by a FIFO
(blobs, trees, subtrees, commits in the middle of a history, branch tips), a FIFO in place of a pack
file and in a work tree, a shallow clone, a partial clone, an empty repository, a LICENSE blob that
cannot be read; odd refs (symbolic refs to nothing or to themselves, refs to a blob, a tree or a
tag of a blob, ref files that are empty or hold garbage, names git refuses, names that are not
UTF-8, a damaged line in packed-refs); odd paths (newline, tab, quotes, spaces, backslash, leading
dash, dots, 60 folders deep, non-ASCII, bytes that are not UTF-8); messages that are not UTF-8, in
an unknown encoding, or a megabyte long; a file of megabytes; submodule and symlink entries named
.py. Specs name repositories in every way: by the user (`PATH=owner/name`, also in an @FILE list),
by a remote, by the folder.

`run_pipeline.main` builds a corpus from them in-process. For each run: exit code 0 (2 with one
sentence for an input the user must fix), no traceback, every stage balanced in the manifest, and
every repository, ref and commit accounted for: the rejects of the git stages read back from Parquet
are exactly the expected (stage, key) -> reason rows, and every listed commit is a record or a reject.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pygit2

from tests.faults.helpers import ARGS, rows, run
from tests.gitbuild import Person, RepoBuilder

REPOSITORY, REFS, COMMIT, CONTENTS = "git.repository", "git.refs", "git.commit", "git.contents"
GIT_STAGES = (REPOSITORY, REFS, COMMIT, CONTENTS)
MIT = ("MIT License\n\nCopyright (c) 2020 Ada\n\nPermission is hereby granted, free of charge, to any person "
       "obtaining a copy of this software, to deal in the Software without restriction.\n")


class Expected:
    """The git stages' rejects as {(stage, key): reason}, details that must appear, and the commits
    that pass git.contents (each must come out as a record or a later stage's reject)."""

    def __init__(self) -> None:
        self.rejects: dict[tuple[str, str], str] = {}
        self.details: dict[tuple[str, str], str] = {}
        self.passed: set[str] = set()
        self.names: dict[str, str] = {}  # a commit that passes -> the repos value it must carry

    def reject(self, stage: str, key: str, reason: str, detail: str = "") -> None:
        self.rejects[(stage, key)] = reason
        if detail:
            self.details[(stage, key)] = detail


def module(name: str, variant: str) -> str:
    return f"def {name}():\n    return {variant!r}\n"


def raw_commit(b: RepoBuilder, tree: pygit2.Oid, parent: str | None, message: bytes,
               encoding: str | None = None, ref: str = "refs/heads/main") -> str:
    """A commit written byte for byte, for messages pygit2 would not write (not UTF-8, odd encodings)."""
    when = b.tick()
    lines = [f"tree {tree}".encode()]
    if parent:
        lines.append(f"parent {parent}".encode())
    lines += [f"author Ada <ada@example.com> {when} +0000".encode(),
              f"committer Ada <ada@example.com> {when} +0000".encode()]
    if encoding:
        lines.append(f"encoding {encoding}".encode())
    oid = b.repo.odb.write(pygit2.enums.ObjectType.COMMIT, b"\n".join(lines) + b"\n\n" + message)
    b.set_ref(ref, oid)
    return str(oid)


def mktree(b: RepoBuilder, entries: list[tuple[int, str, bytes]]) -> pygit2.Oid:
    """A flat tree from (mode, blob sha, raw name): names git allows and pygit2 cannot write."""
    data = b"".join(f"{mode:o} blob {sha}\t".encode() + name + b"\0" for mode, sha, name in entries)
    out = subprocess.run(["git", "mktree", "-z"], input=data, cwd=b.git_dir, check=True, capture_output=True)
    return pygit2.Oid(hex=out.stdout.decode().strip())


# ------------------------------------------------------------------------------------- repositories

def objects_repo(root: Path, exp: Expected) -> str:
    """Loose objects damaged one per branch; named by the user."""
    b = RepoBuilder(root / "objects")
    base = {"pkg/__init__.py": "", "pkg/core.py": module("f", "base"), "README.md": "# objects\n"}
    spec = f"{b.path}=faults/objects"
    exp.reject(COMMIT, b.commit(base, "Initial commit"), "root_commit")
    tips = {}
    for kind in ("blob_truncate", "blob_garbage", "blob_remove", "tree_remove", "subtree_truncate",
                 "tip_remove", "tip_truncate", "good"):
        tips[kind] = b.commit({**base, "pkg/core.py": module("f", kind)}, f"Fix f for {kind}",
                              ref=f"refs/heads/{kind}", parents=[b.tip("refs/heads/main")])
    mid = b.commit({**base, "pkg/core.py": module("f", "mid")}, "Fix f in the middle",
                   ref="refs/heads/mid", parents=[b.tip("refs/heads/main")])
    child = b.commit({**base, "pkg/core.py": module("f", "child")}, "Fix f after the middle", ref="refs/heads/mid")
    repo = b.repo

    def new_blob(sha: str) -> str:
        return str(repo[sha].tree["pkg"]["core.py"].id)

    for kind, how in (("blob_truncate", "truncate"), ("blob_garbage", "garbage"), ("blob_remove", "remove")):
        blob = new_blob(tips[kind])
        b.damage_loose(blob, how)
        reason = "missing_object" if how == "remove" else "corrupt_object"
        exp.reject(CONTENTS, tips[kind], reason, f"new blob" + ("" if how == "remove" else f": loose object {blob}"))
    root_tree = str(repo[tips["tree_remove"]].tree_id)
    subtree = str(repo[tips["subtree_truncate"]].tree["pkg"].id)
    b.damage_loose(root_tree, "remove")
    b.damage_loose(subtree, "truncate")
    exp.reject(COMMIT, tips["tree_remove"], "missing_object", f"tree of the commit {root_tree} is not in the repository")
    exp.reject(COMMIT, tips["subtree_truncate"], "corrupt_object", f"tree pkg/: loose object {subtree} is truncated")
    b.damage_loose(tips["tip_remove"], "remove")
    b.damage_loose(tips["tip_truncate"], "truncate")
    exp.reject(REFS, "refs/heads/tip_remove", "missing_object", f"the tip of refs/heads/tip_remove {tips['tip_remove']}")
    exp.reject(REFS, "refs/heads/tip_truncate", "corrupt_object", "the tip of refs/heads/tip_truncate")
    b.damage_loose(mid, "garbage")
    exp.reject(COMMIT, mid, "corrupt_object", f"commit: loose object {mid} is not valid zlib data")
    exp.reject(COMMIT, child, "corrupt_object", f"parent commit: loose object {mid}")
    exp.passed.add(tips["good"])
    exp.names[tips["good"]] = "faults/objects"
    return spec


def packs_repos(root: Path, exp: Expected) -> list[str]:
    specs = []
    for kind in ("truncated", "index"):
        b = RepoBuilder(root / f"pack-{kind}")
        b.commit({"a.py": module("a", kind)}, "Initial commit")
        b.commit({"a.py": module("a", kind + "!")}, "Fix a")
        if kind == "truncated":
            pack = b.truncate_pack()
            detail = f"pack {pack.name} is truncated or damaged"
        else:
            pack = b.pack()
            index = pack.with_suffix(".idx")
            data = bytearray(index.read_bytes())
            data[8 + 1024 + 5] ^= 0xFF  # a byte of the first object id
            index.chmod(0o644)
            index.write_bytes(bytes(data))
            detail = f"index of pack {pack.name} is corrupt"
        specs.append(str(b.path))
        exp.reject(REPOSITORY, str(b.path), "corrupt_pack", detail)
    return specs


def refs_repo(root: Path, exp: Expected) -> str:
    """Every kind of odd ref beside a good branch; named by its remote."""
    b = RepoBuilder(root / "refs-folder")
    b.add_remote("origin", "https://github.com/octo/odd-refs.git")
    r0 = b.commit({"m.py": module("m", 0), "README.md": "# refs\n"}, "Initial commit")
    r1 = b.commit({"m.py": module("m", 1), "README.md": "# refs\n"}, "Fix m")
    packed = b.commit({"m.py": module("m", "packed"), "README.md": "# refs\n"}, "Fix m on a packed branch",
                      ref=None, parents=[r0])
    exp.reject(COMMIT, r0, "root_commit")
    exp.passed |= {r1, packed}
    exp.names[r1] = "octo/odd-refs"
    repo = b.repo
    blob = str(repo[r1].tree["m.py"].id)
    tree = str(repo[r1].tree_id)
    tag = repo.create_tag("blob-tag", pygit2.Oid(hex=blob), pygit2.enums.ObjectType.BLOB,
                          pygit2.Signature("Ada", "ada@example.com", 1_600_000_000, 0), "a blob")
    for name, content, reason in (
            ("refs/heads/dangling", b"ref: refs/heads/nothing\n", "dangling_symref"),
            ("refs/heads/loop", b"ref: refs/heads/loop\n", "symref_loop"),
            ("refs/heads/to-blob", f"{blob}\n".encode(), "not_a_commit"),
            ("refs/heads/to-tree", f"{tree}\n".encode(), "not_a_commit"),
            ("refs/heads/tag-of-blob", f"{tag}\n".encode(), "not_a_commit"),
            ("refs/heads/garbage", b"this is not an id\n", "malformed_ref"),
            ("refs/heads/empty", b"", "malformed_ref"),
            ("refs/heads/a b", f"{r1}\n".encode(), "bad_ref_name"),
            ("refs/heads/x..y", f"{r1}\n".encode(), "bad_ref_name"),
            ("refs/heads/alias", b"ref: refs/heads/main\n", None),
            ("refs/heads/ünïcode", f"{r1}\n".encode(), None),
            (b"refs/heads/caf\xe9", f"{r1}\n".encode(), None)):
        b.write_ref(name, content)
        if reason:
            exp.reject(REFS, name, reason)
    (b.git_dir / "packed-refs").write_bytes(b"# pack-refs with: peeled fully-peeled sorted \n"
                                            + f"{packed} refs/heads/packed\n".encode()
                                            + b"this line is damaged\n")
    exp.reject(REFS, "packed-refs line 3", "malformed_ref", "packed-refs line 3 is 'this line is damaged'")
    exp.details[(REFS, "refs/heads/to-tree")] = f"points at a tree ({tree})"
    exp.details[(REFS, "refs/heads/dangling")] = "refs/heads/dangling points at refs/heads/nothing"
    return str(b.path)


def clones(root: Path, exp: Expected) -> list[str]:
    """A shallow clone (its boundary commit) and a partial clone (no blobs)."""
    src = RepoBuilder(root / "src-shallow")
    shas = [src.commit({"s.py": module("s", i)}, f"Fix s, step {i}") for i in range(4)]
    shallow = src.shallow_clone(root / "shallow.git", depth=2)
    # shas[0] and shas[1] are not in the clone: nothing can name them.
    exp.reject(COMMIT, shas[2], "shallow_boundary")
    exp.passed.add(shas[3])
    exp.names[shas[3]] = "shallow"
    psrc = RepoBuilder(root / "src-partial")
    p0 = psrc.commit({"p.py": module("p", 0)}, "Initial commit")
    p1 = psrc.commit({"p.py": module("p", 1)}, "Fix p")
    subprocess.run(["git", "config", "uploadpack.allowfilter", "true"], cwd=psrc.path, check=True)
    partial = root / "partial.git"
    subprocess.run(["git", "clone", "--quiet", "--bare", "--filter=blob:none", psrc.path.resolve().as_uri(),
                    str(partial)], check=True, capture_output=True)
    exp.reject(COMMIT, p0, "root_commit")
    exp.reject(CONTENTS, p1, "missing_object", "(a partial clone: it was never fetched)")
    return [str(shallow), str(partial)]


def small_faults(root: Path, exp: Expected) -> list[str]:
    """An empty repository, an unreadable LICENSE, FIFOs in the objects folder and in a work tree."""
    empty = root / "empty"
    pygit2.init_repository(str(empty))
    exp.reject(REPOSITORY, str(empty), "empty_repository")

    lic = RepoBuilder(root / "license")
    lic.commit({"LICENSE": MIT, "l.py": module("l", 0)}, "Initial commit")
    lic.commit({"LICENSE": MIT, "l.py": module("l", 1)}, "Fix l")
    blob = str(lic.repo[lic.tip("refs/heads/main")].tree["LICENSE"].id)
    lic.damage_loose(blob, "truncate")
    exp.reject(REPOSITORY, str(lic.path), "license_unreadable", f"the license file LICENSE (blob {blob}) cannot be read")

    fifo_loose = RepoBuilder(root / "fifo-loose")
    fifo_loose.commit({"q.py": module("q", 0)}, "Initial commit")
    sha = fifo_loose.commit({"q.py": module("q", 1)}, "Fix q")
    fifo_loose.damage_loose(sha, "fifo")
    exp.reject(REPOSITORY, str(fifo_loose.path), "special_file", "is a FIFO")

    fifo_pack = RepoBuilder(root / "fifo-pack")
    fifo_pack.commit({"k.py": module("k", 0)}, "Initial commit")
    pack = fifo_pack.pack()
    pack.unlink()
    os.mkfifo(pack)
    exp.reject(REPOSITORY, str(fifo_pack.path), "special_file", f"objects/pack/{pack.name} in")

    work = RepoBuilder(root / "work-fifo")
    w0 = work.commit({"w.py": module("w", 0)}, "Initial commit")
    w1 = work.commit({"w.py": module("w", 1)}, "Fix w")
    os.mkfifo(work.path / "w.py.fifo")  # the work tree is never read: mined as usual
    exp.reject(COMMIT, w0, "root_commit")
    exp.passed.add(w1)
    exp.names[w1] = "work-fifo"
    return [str(empty), str(lic.path), str(fifo_loose.path), str(fifo_pack.path), str(work.path)]


ODD_PATHS = ["new\nline.py", "tab\there.py", 'quo"te.py', "sp ace.py", "-dash.py", "...py", "..dots.py",
             "back\\slash.py", "/".join(f"d{i}" for i in range(60)) + "/deep.py", "ünïcödé.py"]


def odd_repo(root: Path, exp: Expected) -> str:
    """Odd paths, messages and entries, one change per commit."""
    b = RepoBuilder(root / "odd")
    state: dict = {p: module("o", p) for p in ODD_PATHS}
    state["big.py"] = "x = 0\n" * 400_000  # 2.4 MB
    state["link.py"] = (0o120000, "target_a.py")
    exp.reject(COMMIT, b.commit(state, "Initial commit"), "root_commit")
    for path in ODD_PATHS:
        state[path] = module("o", path + "!")
        sha = b.commit(state, f"Fix the function in {path!r}")
        exp.passed.add(sha)
    state["big.py"] = "x = 1\n" * 400_000
    exp.passed.add(b.commit(state, "Fix the big module"))
    state["link.py"] = (0o120000, "target_b.py")
    exp.reject(COMMIT, b.commit(state, "Point the link elsewhere"), "symlink")
    # A submodule entry named like a Python file, moved from one commit to another.
    tree = b.repo[b.tip("refs/heads/main")].tree
    for target in ("1" * 40, "2" * 40):
        builder = b.repo.TreeBuilder(tree)
        builder.insert("vendored.py", pygit2.Oid(hex=target), 0o160000)
        sha = b.write_commit(builder.write(), f"Move the submodule to {target[:7]}",
                             Person("Ada", "ada@example.com"),
                             [b.tip("refs/heads/main")], ref="refs/heads/main")
        exp.reject(COMMIT, sha, "added_file" if target.startswith("1") else "submodule")
        tree = b.repo[sha].tree
    # Messages pygit2 would not write: latin-1 bytes, an unknown encoding, a megabyte.
    head = b.repo[b.tip("refs/heads/main")]
    for i, (message, encoding) in enumerate(((b"Fix the caf\xe9 module\n", None),
                                             (b"Fix the module \xff\xfe\n", "x-no-such-encoding"),
                                             (b"Fix the module at length\n\n" + b"word " * 200_000, None))):
        builder = b.repo.TreeBuilder(head.tree)
        blob = b.repo.create_blob(module("msg", i).encode())
        builder.insert("msg.py", blob, pygit2.enums.FileMode.BLOB)
        first = raw_commit(b, builder.write(), str(head.id), b"Add msg.py\n") if i == 0 else None
        if first:
            exp.reject(COMMIT, first, "added_file")
            head = b.repo[first]
            builder = b.repo.TreeBuilder(head.tree)
            builder.insert("msg.py", b.repo.create_blob(module("msg", "x").encode()), pygit2.enums.FileMode.BLOB)
        sha = raw_commit(b, builder.write(), str(head.id), message, encoding)
        exp.passed.add(sha)
        head = b.repo[sha]
    # A file name that is not UTF-8 (git allows any bytes): added, then changed.
    old = b.repo.create_blob(module("latin", 0).encode())
    new = b.repo.create_blob(module("latin", 1).encode())
    entries = [(int(e.filemode), str(e.id), e.name.encode()) for e in head.tree
               if int(e.filemode) != 0o40000 and int(e.filemode) != 0o160000]
    t1 = mktree(b, entries + [(0o100644, str(old), b"caf\xe9.py")])
    added = raw_commit(b, t1, str(head.id), b"Add the latin module\n")
    t2 = mktree(b, entries + [(0o100644, str(new), b"caf\xe9.py")])
    changed = raw_commit(b, t2, added, b"Fix the latin module\n")
    exp.reject(COMMIT, added, "multi_file")  # the folders and the submodule left the flat tree too
    exp.reject(COMMIT, changed, "path_not_utf8")
    return str(b.path)


# ------------------------------------------------------------------------------------------- helpers

# --------------------------------------------------------------------------------------------- tests

def test_broken_repositories_are_each_accounted_for_by_reason(tmp_path, capsys):
    exp = Expected()
    root = tmp_path / "in"
    specs = [objects_repo(root, exp), *packs_repos(root, exp), refs_repo(root, exp), *clones(root, exp),
             *small_faults(root, exp), odd_repo(root, exp)]
    listing = tmp_path / "repos.txt"
    # The named spec and the last two come through a list file (`PATH=owner/name` lines included).
    listing.write_text("# repositories\n" + "\n".join([specs[0], *specs[-2:]]) + "\n\n")
    out = tmp_path / "out"
    code, printed = run(capsys, ["--git", *specs[1:-2], f"@{listing}", "--output", str(out), *ARGS])
    assert code == 0, printed
    assert "Traceback" not in printed

    manifest = json.loads((out / "manifest.json").read_text())
    for stage, c in manifest["counts"].items():
        assert c.get("in", 0) == c.get("kept", 0) + sum(v for k, v in c.items() if k not in ("in", "kept")), stage
    assert manifest["counts"][REPOSITORY]["in"] == len(specs)

    rejected = rows(out / "rejects")
    got = {(r["stage"], r["key"]): r for r in rejected if r["stage"] in GIT_STAGES}
    expected = {(s, k if isinstance(k, str) else k.decode("utf-8", "backslashreplace")): v
                for (s, k), v in exp.rejects.items()}
    assert {k: r["reason"] for k, r in got.items()} == expected
    for (stage, key), detail in exp.details.items():
        assert detail in got[(stage, key)]["detail"], (stage, key, got[(stage, key)]["detail"])
    # Every commit that passed the git stages is a record or a later stage's reject.
    records = {r["commit"]: r for r in rows(out / "data")}
    later = {r["key"] for r in rejected if r["stage"] not in GIT_STAGES}
    assert {sha for sha in exp.passed if sha not in records and sha not in later} == set()
    for sha, name in exp.names.items():
        if sha in records:
            assert records[sha]["repos"] == [name]
    # The refs stage: every selected ref of every readable repository is counted.
    refs = manifest["counts"][REFS]
    assert refs["in"] - refs["kept"] == sum(1 for s, _ in exp.rejects if s == REFS)


def test_special_files_and_bad_names_are_refused_before_the_run(tmp_path, capsys):
    fifo = tmp_path / "x.bundle"
    os.mkfifo(fifo)
    code, printed = run(capsys, ["--git", str(fifo), "--output", str(tmp_path / "out"), *ARGS])
    assert code == 2 and "Traceback" not in printed
    assert printed.strip() == (f"repairpack: error: the git input '{fifo}' is a FIFO, not a repository folder "
                               "or a bundle file")
    b = RepoBuilder(tmp_path / "proj")
    b.commit({"a.py": "x = 1\n"}, "Initial commit")
    code, printed = run(capsys, ["--git", f"{b.path}=not a name", "--output", str(tmp_path / "out"), *ARGS])
    assert code == 2 and "Traceback" not in printed
    assert printed.strip() == (f"repairpack: error: the git input '{b.path}=not a name' names '{b.path}' as "
                               "'not a name', which is not owner/name (two parts of letters, digits, '_', '.' "
                               "and '-', such as octo/hello)")
    assert not (tmp_path / "out").exists()
