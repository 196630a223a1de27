"""A submission's code, loaded only once its row has survived the filters.

Code is loaded in a second step, not while rows are read: a CodeNet export holds one file per
submission in every language, and reading the 85 % that are not Python only to drop them would
dominate the run. Formats that carry code inline (Aizu's `sourceCode`, the generic JSONL's `code`)
still go through `load_code`, which applies the same size, emptiness and NUL checks.
"""
from __future__ import annotations

import errno
import os
from functools import lru_cache
from typing import Iterable, Iterator

from beam_jobs.sources.judge.readers.common import (CODE_TOO_LARGE, EMPTY_CODE, MISSING_CODE, PATH_ESCAPE,
                                                    SPECIAL_FILE, UNDECODABLE_CODE, UNREADABLE_CODE, ReadReject,
                                                    open_regular, safe_relpath, special_kind)
from schemas.submission import Submission


@lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    """Roots are few and fixed for a run; resolving them once saves a walk of lstat calls per file."""
    return os.path.realpath(root)


def _inside(root_real: str, path_real: str) -> bool:
    return path_real == root_real or path_real.startswith(root_real.rstrip(os.sep) + os.sep)


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


# A name the system cannot hold (an id of 300 characters) names no file: the code is missing.
_NOT_THERE = (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG)


def load_code(sub: Submission, max_bytes: int) -> str | ReadReject:
    """The submission's code as text, or why it cannot be had.

    Symlinks are resolved before the inside-the-root check: a file named innocently can still point
    at /etc/passwd. The file's type is asked (`stat`) before it is opened: a FIFO in place of a code
    file would block the open forever, and a folder or a device is no code either (`special_file`).
    A file too large is refused on its size, unread.
    """
    key = sub.submission_id
    if sub.code is not None:
        size = len(sub.code) if sub.code.isascii() else len(sub.code.encode("utf-8", errors="surrogatepass"))
        if size > max_bytes:
            return ReadReject(CODE_TOO_LARGE, key, f"{size} bytes")
        if "\0" in sub.code:
            return ReadReject(UNDECODABLE_CODE, key, "NUL bytes in the code")
        text = sub.code
    else:
        rel = safe_relpath(sub.code_path)
        if rel is None:
            return ReadReject(PATH_ESCAPE, key, f"code path {sub.code_path!r}")
        root_real = _real_root(sub.code_root)
        candidates = [rel]
        stem, ext = os.path.splitext(rel)
        if ext:
            candidates.append(stem)
        for candidate in candidates:
            got = _read_file(sub.code_root, root_real, candidate, key, max_bytes)
            if got is not None:
                break
        else:
            # Relative to the code folder: an absolute path would make the rejects differ per checkout.
            return ReadReject(MISSING_CODE, key, f"no file {' or '.join(candidates)} in the code folder")
        if isinstance(got, ReadReject):
            return got
        decoded = _decode(got)
        if decoded is None:
            return ReadReject(UNDECODABLE_CODE, key, f"{candidate} is not UTF-8 text")
        text = decoded
    if not text.strip():
        return ReadReject(EMPTY_CODE, key)
    return text


def _read_file(root: str, root_real: str, rel: str, key: str, max_bytes: int) -> bytes | ReadReject | None:
    """The bytes of `root/rel`, a reject, or None when there is no such file (try the next name)."""
    real = os.path.realpath(os.path.join(root, rel))
    if not _inside(root_real, real):
        return ReadReject(PATH_ESCAPE, key, f"{rel} resolves outside the input folder")
    try:
        kind = special_kind(real)
        if kind is not None:
            return ReadReject(SPECIAL_FILE, key, f"{rel} is {kind}, not a regular file")
        size = os.stat(real).st_size
        if size > max_bytes:
            return ReadReject(CODE_TOO_LARGE, key, f"{rel}: {size} bytes")
        with os.fdopen(open_regular(real), "rb") as f:
            data = f.read(max_bytes + 1)
        # A file that grew after its size was asked.
        return ReadReject(CODE_TOO_LARGE, key, f"{rel}: over {max_bytes} bytes") if len(data) > max_bytes else data
    except IsADirectoryError as exc:  # swapped for a special file after the check
        return ReadReject(SPECIAL_FILE, key, f"{rel}: {exc.strerror}")
    except OSError as exc:
        if exc.errno in _NOT_THERE:
            return None
        return ReadReject(UNREADABLE_CODE, key, f"{rel}: {exc.strerror or exc}")


def iter_with_code(items: Iterable[Submission | ReadReject], max_bytes: int = 100_000
                   ) -> Iterator[Submission | ReadReject]:
    """A reader's rows with code loaded: what one reader says about every row, in one stream."""
    for item in items:
        if isinstance(item, ReadReject):
            yield item
            continue
        code = load_code(item, max_bytes)
        if isinstance(code, ReadReject):
            yield code
        else:
            item.code = code
            yield item
