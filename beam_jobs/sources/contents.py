"""A blob's bytes as source text, or the reason they cannot be a side of a pair: the one decoding
rule of every route (git, the dump's clone and raw fetchers).

Beam-free, so that the repository checks the CLI runs before importing Beam can use it.
"""
from __future__ import annotations

from schemas.reject import RejectError


class ContentError(RejectError):
    """A blob that cannot be a side of a pair (binary, not UTF-8, unreadable)."""


def decode_source(data: bytes, which: str) -> str:
    """Strict UTF-8; a NUL byte marks a binary file. `which` says old or new in the detail."""
    if b"\0" in data:
        raise ContentError("binary_content", f"{which} contents hold a NUL byte")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError("not_utf8", f"{which} contents: {exc.reason} at byte {exc.start}") from None
