"""How a spec names its repository as text alone (`repo_name`): `owner/name` from a URL or the user,
a bundle's file name, a path's last part; never the path's folder above it."""
from __future__ import annotations

import pytest

from schemas.commit import repo_name


@pytest.mark.parametrize("spec, name", [
    ("https://github.com/octo/hello.git", "octo/hello"),
    ("https://github.com/octo/hello/", "octo/hello"),
    ("https://user:token@github.com/octo/hello", "octo/hello"),
    ("git@github.com:octo/hello.git", "octo/hello"),
    ("ssh://git@gitlab.com/group/sub/hello.git", "sub/hello"),
    ("file:///srv/git/octo/hello.git", "octo/hello"),
    ("https://example.com/hello.git", "hello"),
    ("samples/git/alice/textstats.bundle", "textstats"),
    ("/data/mirrors/requests.git", "requests"),
    ("/srv/repos/octo/hello", "hello"),
    ("octo/hello", "octo/hello"),
    ("octo/hello.git", "octo/hello"),
    ("hello", "hello"),
    ("../click=pallets/click", "pallets/click"),
    ("https://github.com/a/b.git=me/b", "me/b"),
    ("/data/k=v", "k=v"),
])
def test_repo_names(spec, name):
    assert repo_name(spec) == name
