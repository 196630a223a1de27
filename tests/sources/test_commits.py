"""How a blob becomes text: strict UTF-8, binary files told apart."""
from __future__ import annotations

import pytest

from beam_jobs.sources.commits import ContentError, decode_source

@pytest.mark.parametrize("data, reason", [
    (b"x = '\xe9t\xe9'\n", "not_utf8"),
    (b"x = 1\x00\x01\n", "binary_content"),
])
def test_undecodable_contents_raise_with_reason(data, reason):
    with pytest.raises(ContentError) as exc:
        decode_source(data, "new")
    assert exc.value.reason == reason
    assert exc.value.detail.startswith("new contents")


def test_decode_source_accepts_utf8():
    assert decode_source("x = 'é'\n".encode(), "old") == "x = 'é'\n"
