"""Opening repositories and reading their objects safely, on real repositories built with pygit2."""
from __future__ import annotations

import os

import pygit2
import pytest

from beam_jobs.sources import repositories
from beam_jobs.sources.contents import ContentError
from beam_jobs.sources.repositories import check_local_repository, loose_object_problem, read_blob_text, tune_for_mining

BASE = {"pkg/util.py": "def add(a, b):\n    return a - b\n", "README.md": "# proj\n"}

def test_check_local_repository(tmp_path, builder):
    builder.commit(BASE, "Initial commit")
    (tmp_path / "plain").mkdir()
    assert check_local_repository(str(builder.path)) is None
    assert check_local_repository("https://example.com/a/b.git") is None
    assert check_local_repository(str(tmp_path / "nope")) == f"the git input '{tmp_path / 'nope'}' does not exist"
    assert check_local_repository(str(tmp_path / "plain")) == f"the git input '{tmp_path / 'plain'}' is not a git repository"


def test_truncated_loose_blob_is_reported_not_read(builder):
    """libgit2 can spin forever on a truncated loose object; the core checks it first."""
    sha = builder.commit({"a.py": "x = 1\n" * 200}, "Initial commit")
    blob = str(builder.repo[sha].tree["a.py"].id)
    assert loose_object_problem(builder.repo, blob) is None
    obj = builder.path / ".git" / "objects" / blob[:2] / blob[2:]
    data = obj.read_bytes()
    obj.chmod(0o644)
    obj.write_bytes(data[: len(data) // 2])
    assert loose_object_problem(builder.repo, blob) == f"loose object {blob} is truncated"
    with pytest.raises(ContentError) as exc:
        read_blob_text(builder.repo, blob, "new")
    assert exc.value.reason == "corrupt_object"
    obj.write_bytes(b"not zlib at all")
    assert loose_object_problem(builder.repo, blob).startswith(f"loose object {blob} is not valid zlib data")


def test_tune_for_mining_bounds_libgit2_memory() -> None:
    """The object cache and the mapped pack windows are capped, so a worker's resident memory does not
    grow with the size of the history or of the pack it reads."""
    tune_for_mining()
    assert pygit2.settings.mwindow_size == repositories.PACK_WINDOW_BYTES == 8 << 20
    assert pygit2.settings.mwindow_mapped_limit == repositories.PACK_MAPPED_BYTES == 32 << 20
    assert pygit2.settings.cached_memory[1] == repositories.CACHE_BYTES


# ---------------------------------------------------------------------------------- names and specs

def test_split_spec_takes_a_name_after_the_last_equals_sign(tmp_path):
    from beam_jobs.sources.repositories import split_spec

    assert split_spec("../click=pallets/click") == ("../click", "pallets/click")
    assert split_spec("https://github.com/a/b.git=me/b") == ("https://github.com/a/b.git", "me/b")
    assert split_spec("/data/x=y/repo=me/repo") == ("/data/x=y/repo", "me/repo")
    assert split_spec("/data/a=b") == ("/data/a=b", None)  # not owner/name: all of it is the path
    odd = tmp_path / "k=v" / "repo"
    odd.mkdir(parents=True)
    assert split_spec(str(odd)) == (str(odd), None)  # an existing path wins over the rule


def test_repository_identity_from_user_remote_folder_url_and_bundle(tmp_path, monkeypatch):
    from beam_jobs.sources.repositories import RepositoryIdentity, repository_identity
    from tests.gitbuild import RepoBuilder

    work = RepoBuilder(tmp_path / "mirrors" / "click")
    work.commit(BASE, "Initial commit")
    (work.path / "src").mkdir()
    monkeypatch.chdir(work.path / "src")
    # `.` and `..` are resolved; a work tree is named by its folder, not `.git` or the folder above.
    assert repository_identity("..") == RepositoryIdentity(str(work.path), "click", "folder")
    assert repository_identity(".") == RepositoryIdentity(str(work.path / "src"), "click", "folder")
    assert repository_identity(str(work.path / ".git")).name == "click"
    bare = tmp_path / "data" / "mirrors" / "requests.git"
    pygit2.clone_repository(str(work.path), str(bare), bare=True)  # origin: a local path, which names nothing
    assert repository_identity(str(bare)) == RepositoryIdentity(str(bare), "requests", "folder")
    work.add_remote("upstream", "git@github.com:pallets/click.git")  # the only remote
    assert repository_identity(str(work.path)) == RepositoryIdentity(str(work.path), "pallets/click", "remote")
    work.add_remote("origin", "https://user:token@gitlab.com/me/click-fork.git/")  # origin first
    assert repository_identity(str(work.path)).name == "me/click-fork"
    assert repository_identity(f"{work.path}=octo/click") == RepositoryIdentity(str(work.path), "octo/click", "user")
    assert repository_identity("https://user:token@github.com/psf/requests.git") == RepositoryIdentity(
        "https://***@github.com/psf/requests.git", "psf/requests", "url")
    assert repository_identity("samples/git/alice/textstats.bundle").name == "textstats"
    assert repository_identity("samples/git/alice/textstats.bundle").named_by == "bundle"


def test_check_local_repository_names_special_files_and_bad_names_without_opening_them(tmp_path, builder):
    import socket

    builder.commit(BASE, "Initial commit")
    fifo = tmp_path / "x.bundle"
    os.mkfifo(fifo)
    assert check_local_repository(str(fifo)) == (
        f"the git input '{fifo}' is a FIFO, not a repository folder or a bundle file")
    assert check_local_repository("/dev/null") == (
        "the git input '/dev/null' is a character device, not a repository folder or a bundle file")
    sock_dir = tmp_path / "s"
    sock_dir.mkdir()
    here = os.getcwd()
    os.chdir(sock_dir)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind("repo")
        sock.close()
    finally:
        os.chdir(here)
    assert check_local_repository(str(sock_dir / "repo")).endswith("is a socket, not a repository folder or a bundle file")
    assert check_local_repository(f"{builder.path}=alice/proj") is None
    assert check_local_repository(f"{builder.path}=alice") == (
        f"the git input '{builder.path}=alice' names '{builder.path}' as 'alice', which is not owner/name "
        "(two parts of letters, digits, '_', '.' and '-', such as octo/hello)")
    assert check_local_repository(f"{tmp_path / 'nope'}=a/b") == f"the git input '{tmp_path / 'nope'}' does not exist"
    dot_git_fifo = tmp_path / "fake"
    dot_git_fifo.mkdir()
    os.mkfifo(dot_git_fifo / ".git")
    assert check_local_repository(str(dot_git_fifo)) == f"the git input '{dot_git_fifo}' has a FIFO as its .git"


# ------------------------------------------------------------------------------------- the look-over

def test_scan_rejects_special_files_and_bad_packs_and_notes_damaged_loose_objects(tmp_path):
    from beam_jobs.sources.repositories import RepoHandle, RepositoryError
    from tests.gitbuild import RepoBuilder

    b = RepoBuilder(tmp_path / "a")
    b.commit(BASE, "Initial commit")
    fix = b.commit({**BASE, "pkg/util.py": "def add(a, b):\n    return a + b\n"}, "Fix add")
    blob = str(b.repo[fix].tree["pkg"]["util.py"].id)
    b.damage_loose(blob, "garbage")
    with RepoHandle(str(b.path)) as handle:
        assert set(handle.objects.damaged) == {blob}
        with pytest.raises(ContentError) as exc:
            handle.objects.blob_text(blob, "new")
        assert (exc.value.reason, exc.value.detail) == (
            "corrupt_object", f"new blob: loose object {blob} is not valid zlib data: Error -3 while "
                              "decompressing data: incorrect header check")
    packed = RepoBuilder(tmp_path / "b")
    packed.commit(BASE, "Initial commit")
    pack = packed.truncate_pack(0.9)
    with pytest.raises(RepositoryError) as err:
        RepoHandle(str(packed.path))
    assert err.value.reason == "corrupt_pack" and err.value.detail.startswith(f"pack {pack.name} is truncated")
    pack.with_suffix(".idx").unlink()
    with pytest.raises(RepositoryError) as err:
        RepoHandle(str(packed.path))
    assert err.value.detail == f"pack {pack.name} has no index ({pack.with_suffix('.idx').name})"
    os.mkfifo(packed.git_dir / "packed-refs")
    with pytest.raises(RepositoryError) as err:
        RepoHandle(str(packed.path))
    assert (err.value.reason, err.value.detail) == ("special_file", f"packed-refs in {packed.git_dir} is a FIFO")
