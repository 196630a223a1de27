"""A submission's code, loaded only once its row has survived the filters.

Code is loaded in a second step, not while rows are read: a CodeNet export holds one file per
submission in every language, and reading the 85 % that are not Python only to drop them would
dominate the run. Formats that carry code inline (Aizu's `sourceCode`, the generic JSONL's `code`)
still go through `load_code`, which applies the same size, emptiness and NUL checks.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterable, Iterator

from beam_jobs.sources.judge.readers.common import (CODE_TOO_LARGE, EMPTY_CODE, MISSING_CODE, PATH_ESCAPE,
                                                    UNDECODABLE_CODE, ReadReject, safe_relpath)
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


def load_code(sub: Submission, max_bytes: int) -> str | ReadReject:
    """The submission's code as text, or why it cannot be had.

    Symlinks are resolved before the inside-the-root check: a file named innocently can still point
    at /etc/passwd.
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
            path = os.path.join(sub.code_root, candidate)
            real = os.path.realpath(path)
            if not _inside(root_real, real):
                return ReadReject(PATH_ESCAPE, key, f"{candidate} resolves outside the input folder")
            try:
                size = os.stat(real).st_size
                if size > max_bytes:
                    return ReadReject(CODE_TOO_LARGE, key, f"{candidate}: {size} bytes")
                with open(real, "rb") as f:
                    data = f.read(max_bytes + 1)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                return ReadReject(MISSING_CODE, key, f"{candidate}: {exc}")
            decoded = _decode(data)
            if decoded is None:
                return ReadReject(UNDECODABLE_CODE, key, f"{candidate} is not UTF-8 text")
            text = decoded
            break
        else:
            return ReadReject(MISSING_CODE, key, f"no file {' or '.join(candidates)} in {sub.code_root}")
    if not text.strip():
        return ReadReject(EMPTY_CODE, key)
    return text


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
