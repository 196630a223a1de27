"""Source text cut into chunks at content-defined places, and a bounded memo of what was computed
per chunk.

Why: the two versions of a commit's file share most of their text, and a file's versions come back
commit after commit in a history walk. Whatever is computed line by line (a token count, the secrets
of each line) can be computed per chunk and summed or joined, and a chunk seen before is not
computed again. The cuts are placed by the text around them (before a line that starts a function, a
class or a decorator, at the module's level or one level in), so a file's next version is cut at the
same places outside its changed lines. Each user says why a sum over its chunks is the whole text's
answer (filters/tokens.py, beam_jobs/assembly/secret_keys.py).
"""
from __future__ import annotations

import re
import threading
from typing import Callable, Generic, Hashable, Iterator, TypeVar

# Just after a line break, before such a line. Each such line is neither blank nor starts with "/":
# a cut the BPE token count allows too (filters/tokens.py `_cuts_there`).
_CHUNK_START = re.compile(r"\n(?=(?:    )?(?:def |class |async def |@))")

T = TypeVar("T")


def chunks(text: str, minimum: int) -> Iterator[str]:
    """The text in chunks, each cut at a `_CHUNK_START` place and at least `minimum` characters long
    (the last one aside); joined, they are the text."""
    start = 0
    for match in _CHUNK_START.finditer(text):
        cut = match.end()
        if cut - start >= minimum:
            yield text[start:cut]
            start = cut
    yield text[start:]


def cut_points(text: str) -> Iterator[int]:
    """Every place `chunks` may cut the text (for tests of a user's rule)."""
    return (match.end() for match in _CHUNK_START.finditer(text))


class ChunkMemo(Generic[T]):
    """chunk text -> value, oldest out first once the chunks held exceed `max_chars` characters.
    Safe to share between the threads of a worker (Beam runs DoFns on several)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._items: dict[Hashable, T] = {}
        self._sizes: dict[Hashable, int] = {}  # each key's characters, as counted in `_held`
        self._held = 0
        self._lock = threading.Lock()

    def value(self, chunk: str, compute: Callable[[str], T]) -> T:
        found = self._items.get(chunk, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        made = compute(chunk)
        self._keep(chunk, len(chunk), made)
        return made

    def keyed(self, key: Hashable, chars: int, compute: Callable[[], T]) -> T:
        """`value` for an answer that depends on more than the chunk: `key` holds the chunk and the
        rest, `chars` is the chunk's length (what the memo's bound counts)."""
        found = self._items.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        made = compute()
        self._keep(key, chars, made)
        return made

    def _keep(self, key: Hashable, chars: int, made: T) -> None:
        with self._lock:
            if key not in self._items:
                self._items[key] = made
                self._sizes[key] = chars
                self._held += chars
                while self._held > self.max_chars:
                    oldest = next(iter(self._items))
                    del self._items[oldest]
                    self._held -= self._sizes.pop(oldest)

    @property
    def held_chars(self) -> int:
        return self._held

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._held = 0


_MISSING = object()
