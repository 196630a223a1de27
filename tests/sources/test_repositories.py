"""Opening repositories and reading their objects safely, on real repositories built with pygit2."""
from __future__ import annotations

import pygit2
import pytest

from beam_jobs.sources import repositories
from beam_jobs.sources.commits import ContentError
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
