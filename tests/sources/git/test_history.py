"""The candidate rules of the mining core, on real repositories built with pygit2."""
from __future__ import annotations

import pygit2
import pytest

from beam_jobs.sources.git import history as gh
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
    assert gh.read_blob_text(builder.repo, result.old_blob, "old") == BASE["pkg/util.py"]
    assert gh.read_blob_text(builder.repo, result.new_blob, "new") == FIXED["pkg/util.py"]


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


@pytest.mark.parametrize("data, reason", [
    (b"x = '\xe9t\xe9'\n", "not_utf8"),
    (b"x = 1\x00\x01\n", "binary_content"),
])
def test_undecodable_contents_raise_with_reason(data, reason):
    with pytest.raises(gh.ContentError) as exc:
        gh.decode_source(data, "new")
    assert exc.value.reason == reason
    assert exc.value.detail.startswith("new contents")


def test_decode_source_accepts_utf8():
    assert gh.decode_source("x = 'é'\n".encode(), "old") == "x = 'é'\n"


@pytest.mark.parametrize("spec, name", [
    ("https://github.com/octo/hello.git", "octo/hello"),
    ("git@github.com:octo/hello.git", "octo/hello"),
    ("file:///srv/git/octo/hello.git", "octo/hello"),
    ("/srv/repos/octo/hello", "octo/hello"),
    ("samples/git/alice/textstats.bundle", "alice/textstats"),
    ("hello", "hello"),
])
def test_repo_names(spec, name):
    assert gh.repo_name(spec) == name


def test_check_local_repository(tmp_path, builder):
    builder.commit(BASE, "Initial commit")
    (tmp_path / "plain").mkdir()
    assert gh.check_local_repository(str(builder.path)) is None
    assert gh.check_local_repository("https://example.com/a/b.git") is None
    assert gh.check_local_repository(str(tmp_path / "nope")) == f"the git input '{tmp_path / 'nope'}' does not exist"
    assert gh.check_local_repository(str(tmp_path / "plain")) == f"the git input '{tmp_path / 'plain'}' is not a git repository"


def test_truncated_loose_blob_is_reported_not_read(builder):
    """libgit2 can spin forever on a truncated loose object; the core checks it first."""
    sha = builder.commit({"a.py": "x = 1\n" * 200}, "Initial commit")
    blob = str(builder.repo[sha].tree["a.py"].id)
    assert gh.loose_object_problem(builder.repo, blob) is None
    obj = builder.path / ".git" / "objects" / blob[:2] / blob[2:]
    data = obj.read_bytes()
    obj.chmod(0o644)
    obj.write_bytes(data[: len(data) // 2])
    assert gh.loose_object_problem(builder.repo, blob) == f"loose object {blob} is truncated"
    with pytest.raises(gh.ContentError) as exc:
        gh.read_blob_text(builder.repo, blob, "new")
    assert exc.value.reason == "corrupt_object"
    obj.write_bytes(b"not zlib at all")
    assert gh.loose_object_problem(builder.repo, blob).startswith(f"loose object {blob} is not valid zlib data")


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


def test_tune_for_mining_bounds_libgit2_memory() -> None:
    """The object cache and the mapped pack windows are capped, so a worker's resident memory does not
    grow with the size of the history or of the pack it reads."""
    gh.tune_for_mining()
    assert pygit2.settings.mwindow_size == gh.PACK_WINDOW_BYTES == 8 << 20
    assert pygit2.settings.mwindow_mapped_limit == gh.PACK_MAPPED_BYTES == 32 << 20
    assert pygit2.settings.cached_memory[1] == gh.CACHE_BYTES
