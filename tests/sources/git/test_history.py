"""The candidate rules of the mining core, on real repositories built with pygit2."""
from __future__ import annotations

import pygit2
import pytest

from beam_jobs.sources.git import history as gh
from beam_jobs.sources.repositories import read_blob_text
from schemas.reject import Reject
from tests.gitbuild import RepoBuilder

BASE = {"pkg/util.py": "def add(a, b):\n    return a - b\n", "README.md": "# proj\n"}
FIXED = {**BASE, "pkg/util.py": "def add(a, b):\n    return a + b\n"}


def classify(b: RepoBuilder, sha: str):
    return gh.classify(b.repo, b.repo[sha])


def test_single_file_fix_is_a_candidate(builder):
    root = builder.commit(BASE, "Initial commit")
    fix = builder.commit(FIXED, "Fix addition in add()")
    result = classify(builder, fix)
    old_blob = str(builder.repo[root].tree["pkg/util.py"].id)
    new_blob = str(builder.repo[fix].tree["pkg/util.py"].id)
    assert result == gh.Candidate(commit=fix, parent=root, path="pkg/util.py", old_blob=old_blob, new_blob=new_blob)
    assert read_blob_text(builder.repo, result.old_blob, "old") == BASE["pkg/util.py"]
    assert read_blob_text(builder.repo, result.new_blob, "new") == FIXED["pkg/util.py"]


@pytest.mark.parametrize("after, reason", [
    ({**FIXED, "README.md": "# proj 2\n"}, "multi_file"),
    ({**BASE, "pkg/new.py": "x = 1\n"}, "added_file"),
    ({"README.md": "# proj\n"}, "deleted_file"),
    ({"pkg/helpers.py": BASE["pkg/util.py"], "README.md": "# proj\n"}, "rename"),
    ({**BASE, "README.md": "# proj, now documented\n"}, "not_python"),
    ({**BASE, "pkg/util.py": (pygit2.enums.FileMode.BLOB_EXECUTABLE, BASE["pkg/util.py"])}, "mode_change_only"),
    ({**BASE, "pkg/util.py": (pygit2.enums.FileMode.LINK, "other.py")}, "type_change"),
    (BASE, "no_change"),
])
def test_non_candidates_have_their_own_reason(builder, after, reason):
    builder.commit(BASE, "Initial commit")
    sha = builder.commit(after, "Change something here")
    assert classify(builder, sha) == reason


def _libgit2_says(repo: pygit2.Repository, sha: str) -> str:
    """The answer of asking libgit2 on every two-change commit (the rule before issue 18)."""
    commit = repo[sha]
    diff = repo.diff(repo[commit.parent_ids[0]].tree, commit.tree, flags=pygit2.enums.DiffOption.INCLUDE_TYPECHANGE)
    if {d.status for d in diff.deltas} == {pygit2.enums.DeltaStatus.ADDED, pygit2.enums.DeltaStatus.DELETED}:
        diff.find_similar()
        if len(diff) == 1:
            return "rename"
    return "multi_file"


@pytest.mark.parametrize("after, reason", [
    ({**FIXED, "README.md": "# proj 2\n"}, "multi_file"),                              # two edits
    ({**FIXED, "pkg/new.py": "x = 1\n"}, "multi_file"),                               # an edit and an add
    ({"pkg/util.py": FIXED["pkg/util.py"]}, "multi_file"),                             # an edit and a delete
    ({"pkg/helpers.py": BASE["pkg/util.py"], "README.md": "# proj\n"}, "rename"),      # add + delete, similar
    ({"pkg/other.py": "import os\n" * 9, "README.md": "# proj\n"}, "multi_file"),     # add + delete, unlike
    ({"pkg/util.py/__init__.py": BASE["pkg/util.py"], "README.md": "# proj\n"}, "rename"),  # file to folder
    ({**BASE, "pkg/util.py": (pygit2.enums.FileMode.LINK, "x"), "README.md": "# p\n"}, "multi_file"),  # type change
])
def test_two_changes_are_classified_as_libgit2_would(builder, after, reason):
    """libgit2 is asked only about an add plus a delete; every other pair is multi_file without it,
    and the answer is the one asking libgit2 about every pair gives."""
    builder.commit(BASE, "Initial commit")
    sha = builder.commit(after, "Change two things")
    assert classify(builder, sha) == reason == _libgit2_says(builder.repo, sha)


EXEC = pygit2.enums.FileMode.BLOB_EXECUTABLE
WITH_INIT = {**BASE, "pkg/__init__.py": "X = 1\n"}


@pytest.mark.parametrize("after", [
    {**WITH_INIT, **FIXED, "pkg/__init__.py": (EXEC, "X = 1\n")},               # a chmod beside the edit
    {**WITH_INIT, **FIXED, "README.md": (EXEC, BASE["README.md"])},             # a chmod a folder up
    {"pkg/helpers.py": BASE["pkg/util.py"], "README.md": (EXEC, "# proj\n"),   # a rename, and a chmod
     "pkg/__init__.py": "X = 1\n"},
])
def test_a_chmod_beside_a_change_is_a_second_file_changed(builder, after):
    """git counts a mode change as a changed file, so an edit (or a rename) with a chmod of another
    file is two changes. Found on ipython (34bf432, 89f51ac), where PyDriller saw two files and this
    walk, comparing ids only once one differed, saw one."""
    builder.commit(WITH_INIT, "Initial commit")
    sha = builder.commit(after, "Change and chmod")
    assert classify(builder, sha) == "multi_file"
    assert len(builder.repo.diff(builder.repo[sha].parents[0], builder.repo[sha])) > 1


def test_executable_python_file_with_new_content_is_a_candidate(builder):
    builder.commit({**BASE, "run.py": (pygit2.enums.FileMode.BLOB_EXECUTABLE, "print(1)\n")}, "Initial commit")
    sha = builder.commit({**BASE, "run.py": (pygit2.enums.FileMode.BLOB_EXECUTABLE, "print(2)\n")}, "Print two")
    assert isinstance(classify(builder, sha), gh.Candidate)


def test_symlink_change_is_rejected(builder):
    builder.commit({**BASE, "link.py": (pygit2.enums.FileMode.LINK, "pkg/util.py")}, "Initial commit")
    sha = builder.commit({**BASE, "link.py": (pygit2.enums.FileMode.LINK, "README.md")}, "Point link elsewhere")
    assert classify(builder, sha) == "symlink"


def test_submodule_change_is_rejected(builder):
    a = builder.commit(BASE, "Initial commit")
    sub1 = pygit2.Oid(hex="1" * 40)
    sub2 = pygit2.Oid(hex="2" * 40)
    repo = builder.repo

    def tree_with(sub):
        tb = repo.TreeBuilder(repo[a].tree)
        tb.insert("vendor_lib", sub, pygit2.enums.FileMode.COMMIT)
        return tb.write()

    sig = pygit2.Signature("A", "a@example.com", 1_600_000_000, 0)
    c1 = repo.create_commit("refs/heads/main", sig, sig, "Add submodule", tree_with(sub1), [pygit2.Oid(hex=a)])
    c2 = repo.create_commit("refs/heads/main", sig, sig, "Bump submodule", tree_with(sub2), [c1])
    assert classify(builder, str(c2)) == "submodule"


def test_root_and_merge_commits_are_rejected(builder):
    root = builder.commit(BASE, "Initial commit")
    left = builder.commit(FIXED, "Fix addition in add()")
    right = builder.commit({**BASE, "README.md": "# proj\nmore\n"}, "Document it", parents=[root], ref="refs/heads/docs")
    merge = builder.commit({**FIXED, "README.md": "# proj\nmore\n"}, "Merge branch 'docs'", parents=[left, right])
    assert classify(builder, root) == "root_commit"
    assert classify(builder, merge) == "merge_commit"


def test_ref_selection(builder):
    root = builder.commit(BASE, "Initial commit")
    main_fix = builder.commit(FIXED, "Fix addition in add()")
    feature = builder.commit({**BASE, "pkg/util.py": "x = 1\n"}, "Feature work", parents=[root], ref="refs/heads/feature")
    pull = builder.commit({**BASE, "pkg/util.py": "x = 2\n"}, "Unreviewed", parents=[root], ref="refs/pull/7/head")
    tagged = builder.commit({**BASE, "pkg/util.py": "x = 3\n"}, "Tagged", parents=[root], ref="refs/tags/v1")
    repo = builder.repo

    def shas(refs: str, pulls: bool = False) -> set[str]:
        return set(gh.iter_commit_shas(repo, gh.select_refs(repo, refs, pulls)))

    assert shas("branches") == {root, main_fix, feature}
    assert shas("head") == {root, main_fix}
    assert shas("refs/*") == {root, main_fix, feature, tagged}
    assert shas("refs/*", pulls=True) == {root, main_fix, feature, tagged, pull}


def test_empty_repository_lists_nothing(tmp_path):
    repo = pygit2.init_repository(str(tmp_path / "empty"))
    assert gh.select_refs(repo, "head") == []
    assert list(gh.iter_commit_shas(repo, gh.select_refs(repo, "branches"))) == []


def test_group_writable_legacy_mode_counts_as_a_regular_file(builder):
    """Old git wrote 100664 for some files; git and libgit2 read it as 644, so it is a candidate.
    libgit2 refuses to build such a tree, so the tree objects are written raw."""
    repo = builder.repo

    def raw_tree(entries: list[tuple[bytes, str, pygit2.Oid]]) -> pygit2.Oid:
        data = b"".join(mode + b" " + name.encode() + b"\0" + oid.raw for mode, name, oid in entries)
        return repo.odb.write(pygit2.enums.ObjectType.TREE, data)

    def tree_with(code: str) -> pygit2.Oid:
        pkg = raw_tree([(b"100664", "util.py", repo.create_blob(code.encode()))])
        return raw_tree([(b"100644", "README.md", repo.create_blob(b"# proj\n")), (b"40000", "pkg", pkg)])

    sig = pygit2.Signature("A", "a@example.com", 1_600_000_000, 0)
    root = repo.create_commit("refs/heads/main", sig, sig, "Initial commit", tree_with(BASE["pkg/util.py"]), [])
    fix = repo.create_commit("refs/heads/main", sig, sig, "Fix addition in add()", tree_with(FIXED["pkg/util.py"]),
                             [root])
    result = classify(builder, str(fix))
    assert isinstance(result, gh.Candidate) and result.path == "pkg/util.py"


def test_mine_commit_gives_the_record_or_the_stage_and_reason(builder):
    """The one pure function from a listed commit to its record or its reject: what the source's
    DoFn counts, called here without Beam."""
    root = builder.commit(BASE, "Initial commit")
    fix = builder.commit(FIXED, "Fix addition in add()\n\nIt subtracted.")
    both = builder.commit({**FIXED, "pkg/util.py": "def add(a, b):\n    return b + a\n", "README.md": "# p\n"},
                          "Touch two files")
    binary = builder.commit({**FIXED, "pkg/util.py": "x = 1\x00\n", "README.md": "# p\n"}, "Make it binary")
    binary_only = builder.commit({**FIXED, "pkg/util.py": "x = 2\x00\n", "README.md": "# p\n"}, "Binary again")

    record = gh.mine_commit(builder.repo, fix, ["octo/proj"], "mit")
    assert (record.commit, record.parent, record.old_file, record.new_file) == (fix, root, "pkg/util.py", "pkg/util.py")
    assert (record.old_contents, record.new_contents) == (BASE["pkg/util.py"], FIXED["pkg/util.py"])
    assert (record.subject, record.message) == ("Fix addition in add()", "Fix addition in add()\n\nIt subtracted.")
    assert (record.source, record.lang, record.license, record.repos) == ("git", "Python", "mit", ["octo/proj"])

    assert gh.mine_commit(builder.repo, root, ["octo/proj"], "mit") == Reject(
        stage="git.commit", reason="root_commit", source="git", key=root, repo="octo/proj", detail="")
    assert gh.mine_commit(builder.repo, both, ["a/b", "c/d"], "mit") == Reject(
        stage="git.commit", reason="multi_file", source="git", key=both, repo="a/b,c/d", detail="")
    assert binary  # two files changed; the next commit changes only the binary file
    assert gh.mine_commit(builder.repo, binary_only, ["octo/proj"], "mit") == Reject(
        stage="git.contents", reason="binary_content", source="git", key=binary_only, repo="octo/proj",
        detail="old contents hold a NUL byte")


def test_refs_are_read_from_git_files_and_each_unusable_one_has_its_reason(builder):
    """libgit2 skips a malformed loose ref silently and refuses every ref when packed-refs is damaged;
    the listing reads the files and gives each selected ref a tip or a reason."""
    from beam_jobs.sources.git.refs import list_refs

    root = builder.commit(BASE, "Initial commit")
    fix = builder.commit(FIXED, "Fix addition in add()")
    builder.write_ref("refs/heads/alias", b"ref: refs/heads/main\n")
    builder.write_ref("refs/heads/gone", b"ref: refs/heads/nowhere\n")
    builder.write_ref("refs/heads/bad", b"42\n")
    builder.write_ref("refs/tags/v1", f"{root}\n".encode())
    (builder.git_dir / "packed-refs").write_bytes(f"{root} refs/heads/old\n".encode() + b"^" + b"0" * 40 + b"\nnot a line\n")
    listing = list_refs(builder.repo, "branches")
    assert listing.tips == {"refs/heads/alias": fix, "refs/heads/main": fix, "refs/heads/old": root}
    assert [(r.name, r.reason) for r in listing.rejects] == [
        ("packed-refs line 3", "malformed_ref"), ("refs/heads/bad", "malformed_ref"),
        ("refs/heads/gone", "dangling_symref")]
    assert listing.license_ref == "refs/heads/main"  # HEAD's branch
    assert list_refs(builder.repo, "head").tips == {"HEAD": fix}
    assert list_refs(builder.repo, "refs/tags/*").tips == {"refs/tags/v1": root}
    assert gh.select_refs(builder.repo, "branches") == ["refs/heads/alias", "refs/heads/main", "refs/heads/old"]
    assert sorted(gh.iter_commit_shas(builder.repo, ["refs/heads/old"])) == [root]


def test_shallow_boundary_is_not_a_root_commit(tmp_path, builder):
    shas = [builder.commit({**BASE, "pkg/util.py": f"X = {i}\n"}, f"Set X to {i}") for i in range(3)]
    clone = pygit2.Repository(str(builder.shallow_clone(tmp_path / "shallow.git", depth=2)))
    assert gh.mine_commit(clone, shas[1], ["octo/proj"], "mit") == Reject(
        stage="git.commit", reason="shallow_boundary", source="git", key=shas[1], repo="octo/proj", detail="")
    assert gh.mine_commit(builder.repo, shas[0], ["octo/proj"], "mit").reason == "root_commit"


def test_a_missing_parent_or_tree_is_missing_object_naming_it(builder):
    root = builder.commit(BASE, "Initial commit")
    fix = builder.commit(FIXED, "Fix addition in add()")
    tree = str(builder.repo[root].tree_id)
    builder.damage_loose(tree, "remove")
    got = gh.mine_commit(pygit2.Repository(str(builder.path)), fix, ["octo/proj"], "mit")  # no cached copies
    assert (got.stage, got.reason, got.detail) == (
        "git.commit", "missing_object", f"tree of the parent commit {tree} is not in the repository")
    builder.damage_loose(root, "truncate")
    got = gh.mine_commit(pygit2.Repository(str(builder.path)), fix, ["octo/proj"], "mit")
    assert (got.reason, got.detail) == ("corrupt_object", f"parent commit: loose object {root} is truncated")
