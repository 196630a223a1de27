"""How the `repos` field spells a repository: `owner/name`, as GitHub names it."""
from __future__ import annotations

import pytest

from schemas.commit import repo_name

@pytest.mark.parametrize("spec, name", [
    ("https://github.com/octo/hello.git", "octo/hello"),
    ("git@github.com:octo/hello.git", "octo/hello"),
    ("file:///srv/git/octo/hello.git", "octo/hello"),
    ("/srv/repos/octo/hello", "octo/hello"),
    ("samples/git/alice/textstats.bundle", "alice/textstats"),
    ("hello", "hello"),
])
def test_repo_names(spec, name):
    assert repo_name(spec) == name
