"""JSON exports read one value at a time: a whole Codeforces or AtCoder dump is far larger than the
memory a worker should spend on it, and `json.load` would hold all of it.
"""
from __future__ import annotations

import io
import json
import os
from typing import Any, Iterator

from beam_jobs.sources.judge.readers.common import BAD_ROW, MALFORMED_FILE, ReadReject, open_export

_WS = " \t\r\n"
_CHUNK = 1 << 20
# No submission is this large; a value still undecoded after this much text is a broken file, and
# reading on would pull the rest of the export into memory to find out.
_MAX_VALUE = 64 << 20


class _JsonStream:
    """Values of a JSON export one at a time: a top-level array, JSON lines, or an API envelope
    `{"status": ..., "result": [...]}`. `json.JSONDecoder.raw_decode` does the parsing; this class
    only feeds it enough text, so memory is one value plus one chunk, never the file."""

    def __init__(self, f: io.TextIOBase) -> None:
        self._f = f
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        # While set, consumed text is kept: the envelope probe rewinds to where it started.
        self._pinned = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._f.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        if self._pos > _CHUNK and not self._pinned:
            self._buf = self._buf[self._pos:]
            self._pos = 0
        self._buf += chunk
        return True

    def _peek(self) -> str:
        """The next non-blank character ("" at the end), leaving the position on it."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WS:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Either the value is cut by the chunk boundary (read on) or the file is broken.
                if len(self._buf) - self._pos <= _MAX_VALUE and self._fill():
                    continue
                raise ValueError(f"invalid JSON at character {exc.pos}: {exc.msg}") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self._buf) and not isinstance(value, (dict, list, str)) and self._fill():
                continue
            self._pos = end
            return value

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise ValueError(f"expected '{char}' in the JSON envelope")
        self._pos += 1

    def _array(self) -> Iterator[Any]:
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self._value()
            nxt = self._peek()
            self._pos += 1
            if nxt == "]":
                return
            if nxt != ",":
                raise ValueError(f"expected ',' or ']' after an array element, found {nxt!r}")

    def _lines(self) -> Iterator[Any]:
        """JSON lines, a line at a time; a broken line is yielded as a ValueError, not raised."""
        rest = self._buf[self._pos:]
        self._buf, self._pos = "", 0
        pending = rest
        lineno = 0
        for tail in self._tails(pending):
            lineno += 1
            if not tail.strip():
                continue
            try:
                yield json.loads(tail)
            except json.JSONDecodeError as exc:
                yield ValueError(f"line {lineno}: {exc.msg}")

    def _tails(self, pending: str) -> Iterator[str]:
        while True:
            newline = pending.find("\n")
            while newline < 0:
                chunk = self._f.read(_CHUNK)
                if not chunk:
                    if pending:
                        yield pending
                    return
                pending += chunk
                newline = pending.find("\n")
            yield pending[:newline]
            pending = pending[newline + 1:]

    def _is_envelope(self) -> bool:
        try:
            key = self._value()
            if key == "result":
                return True
            self._expect(":")
            value = self._value()
        except ValueError:
            return False
        return key == "status" and isinstance(value, str) and value.upper() in ("OK", "FAILED")

    def values(self) -> Iterator[Any]:
        first = self._peek()
        if first == "":
            return
        if first == "[":
            yield from self._array()
            if self._peek() != "":
                raise ValueError("text after the top-level JSON array")
            return
        if first != "{":
            raise ValueError(f"a JSON export starts with '[' or '{{', not {first!r}")
        # An object first: JSON lines, unless it opens like an API answer ({"status": "OK", "result": [).
        start = self._pos
        self._pos += 1
        self._pinned = True
        envelope = self._is_envelope()
        self._pinned = False
        if not envelope:
            self._pos = start
            yield from self._lines()
            return
        self._pos = start + 1
        while True:
            key = self._value()
            self._expect(":")
            if key == "result":
                yield from self._array()
                return
            self._value()
            if self._peek() != ",":
                raise ValueError("the JSON envelope has no 'result' list")
            self._pos += 1


def iter_json(path: str, dataset: str) -> Iterator[tuple[str, Any] | ReadReject]:
    """(row key, value) per element; a file that cannot be opened or parsed ends in one reject.

    Elements already yielded stay valid: a truncated export still gives everything before the cut.
    """
    name = os.path.basename(path)
    f = open_export(path, f"{dataset}:{name}", errors="strict")
    if isinstance(f, ReadReject):
        yield f
        return
    index = 0
    with f:
        try:
            for value in _JsonStream(f).values():
                index += 1
                if isinstance(value, ValueError):
                    yield ReadReject(BAD_ROW, f"{dataset}:{name}:{index}", str(value))
                else:
                    yield f"{dataset}:{name}:{index}", value
        except (ValueError, UnicodeDecodeError) as exc:
            yield ReadReject(MALFORMED_FILE, f"{dataset}:{name}", f"after {index} elements: {exc}")
