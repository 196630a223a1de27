"""Shared fixtures: real repositories built with pygit2 in temporary folders."""
from __future__ import annotations

import os

import pytest

from tests.gitbuild import RepoBuilder

os.environ.setdefault("NO_GCE_CHECK", "True")


@pytest.fixture
def builder(tmp_path):
    """A non-bare repository at <tmp>/alice/proj (repo name "proj": a folder without a remote is named by the folder)."""
    return RepoBuilder(tmp_path / "alice" / "proj")
