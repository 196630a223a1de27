"""Where the string literals and comments of Python code lie, for redaction (secrets.py).

Redaction replaces an address or a password only inside a string literal or a comment, so it must
know where those are, as Python's own `tokenize` sees them. `tokenize` is pure Python in 3.11 and
makes a token of every name and operator: on real repositories it was the largest part of
redaction, run over both versions of every sample whose file header carries an address.

`literal_regions` gives exactly the spans `tokenize` gives, faster: one regular expression jumps
from one place that matters to the next (a quote with the word before it, a comment, a bracket, a
line end, a line continuation), and the few rules of `tokenize` that can fail or change what is a
string are followed line by line: the indentation of each new statement (a dedent to a column no
outer block has is an IndentationError, so no regions), brackets and continuations still open at
the end, a string never closed, the digits and dots a number can eat before a string prefix. Where
the text holds anything those rules do not cover (a carriage return, a string the tokenizer would
give up on, a word before a quote that a number might split), the scanner is not sure and
`tokenize` itself decides: the answer is the same either way, the scanner only saves time.
tests/filters/test_literals.py checks the two against each other on real modules and on random
edits of them.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Any

from filters.chunks import ChunkMemo, chunks

_STRING_BODY_TYPES = frozenset(t for t in (tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", None))
                               if t is not None)
_QUOTES = ('"""', "'''", '"', "'")
# Every string prefix Python 3 accepts, lowercased (tokenize accepts each in any case).
_PREFIXES = frozenset({"", "r", "u", "f", "b", "br", "rb", "fr", "rf"})
_TAB = 8  # tokenize's tab size for indentation

# What the scanner stops at: a line end with the next line's indentation, a quote, a comment, a
# bracket, a backslash. Every branch starts with one character, so that the regular expression engine
# skips the rest at C speed.
_EVENT = re.compile(r"""\n[ \t]*|'|"|\#|\(|\)|\[|\]|\{|\}|\\""")
# A string's body after its opening quote(s), to and including its closing quote(s), as tokenize
# finds it: a one-line string may go on past a backslash at a line end; a triple-quoted one spans
# lines freely.
_BODIES = {
    "'": re.compile(r"(?:[^\n'\\]|\\.)*+'", re.DOTALL),
    '"': re.compile(r'(?:[^\n"\\]|\\.)*+"', re.DOTALL),
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*+'''", re.DOTALL),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*+"""', re.DOTALL),
}
_INDENT = re.compile(r"[ \t]*")
# Text tokenize reads differently from this scanner's rules: a carriage return or a form feed (line
# ends and columns), a NUL, a byte order mark.
_UNUSUAL = re.compile(r"[\r\f\x00\ufeff]")


# What tokenize raises on code it cannot read (IndentationError is a SyntaxError).
_TOKENIZE_ERRORS = (tokenize.TokenError, SyntaxError, ValueError, StopIteration, IndexError)


class _Unsure(Exception):
    """The scanner cannot promise tokenize's answer for this text."""


def literal_regions(code: str) -> list[tuple[int, int]] | None:
    """[start, end) character spans of the string literals' insides (between the quotes; an
    f-string's text, not its {expressions}) and the comments of Python code, in order; None when
    the code does not tokenize. Exactly what `tokenized_regions` gives. Read-only: the list may be
    one a memo hands out again."""
    return _REGIONS.value(code, _regions)


def _regions(code: str) -> list[tuple[int, int]] | None:
    try:
        found = _scanned(code)
    except _Unsure:
        return tokenized_regions(code)
    return None if found is None else found[0]


# Whole texts and their regions, by value. Why: redaction asks for the regions of both versions of
# every record holding an address, and in a walk a file's version is one commit's new text and the
# next of its commits' old one, read from git as another string. About 8 MB of texts and their
# regions.
_REGIONS: ChunkMemo[list[tuple[int, int]] | None] = ChunkMemo(8_000_000)


def comment_texts(code: str) -> list[str] | None:
    """The comments of Python code, each from its "#" to its line's end, in order; None when the code
    does not tokenize. Exactly tokenize's COMMENT tokens (`tokenized_comments`)."""
    try:
        found = _scanned(code)
    except _Unsure:
        return tokenized_comments(code)
    return None if found is None else [code[start:end] for start, end in found[1]]


def _string_regions(regions: list[tuple[int, int]], code: str, begin: int, end: int) -> None:
    """Append the regions of the string token code[begin:end] (prefix and quotes included)."""
    text = code[begin:end]
    at = next((i for i, c in enumerate(text) if c in "'\""), 0)
    quote = next(q for q in _QUOTES if text.startswith(q, at)) if at < len(text) else ""
    begin, end = begin + at + len(quote), end - len(quote)
    if "f" in text[:at].lower():  # Python < 3.12: the whole f-string is one token
        regions.extend((begin + a, begin + b) for a, b in _fstring_text_parts(code[begin:end]))
    elif begin < end:
        regions.append((begin, end))


def _column(indent: str) -> int:
    column = 0
    for c in indent:
        column = column + 1 if c == " " else (column // _TAB + 1) * _TAB
    return column


class _Spill(Exception):
    """A chunk's scan would need text past the chunk's end (a string or a continuation crossing it)."""


# Chunks of a text scanned from a given state: (chunk, indents, depth) -> what `_scan` gives, or the
# exception it raised. Why: a file's next version differs from the last in a few lines, and its
# other chunks scan the same from the same state. About 4 MB of chunk text.
_CHUNK_SCANS: ChunkMemo[Any] = ChunkMemo(4_000_000)
_SCAN_CHUNK_MIN = 512

_Scan = tuple[list[tuple[int, int]], list[tuple[int, int]], tuple[int, ...], int]


def _scanned(code: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """(literal_regions, the comments' spans with their "#"), or None: what tokenize would give;
    _Unsure when this scanner cannot promise that.

    Chunk by chunk (filters/chunks.py cuts just after a line end), each chunk's scan kept for the
    state it began in: the scanner carries only the open indentation columns and the bracket depth
    from one line to the next, and a chunk begins a line, so its scan from a state is the same in
    any text. A string or a continuation that crosses a chunk's end is scanned over the whole text."""
    if _UNUSUAL.search(code):
        raise _Unsure
    regions: list[tuple[int, int]] = []
    comments: list[tuple[int, int]] = []
    indents: tuple[int, ...] = (0,)
    depth = 0
    offset = 0
    try:
        for chunk in chunks(code, _SCAN_CHUNK_MIN):
            found = _CHUNK_SCANS.keyed((chunk, indents, depth), len(chunk), lambda: _outcome(chunk, indents, depth))
            if isinstance(found, type):
                raise found  # the class kept, a new instance raised: no traceback piles up in the memo
            if found is None:
                return None  # tokenize: IndentationError
            chunk_regions, chunk_comments, indents, depth = found
            if offset:
                regions += [(a + offset, b + offset) for a, b in chunk_regions]
                comments += [(a + offset, b + offset) for a, b in chunk_comments]
            else:
                regions += chunk_regions
                comments += chunk_comments
            offset += len(chunk)
    except _Spill:
        found = _scan(code, (0,), 0, chunk=False)
        return None if found is None else (found[0], found[1])
    return None if depth else (regions, comments)  # tokenize: EOF in multi-line statement


def _outcome(chunk: str, indents: tuple[int, ...], depth: int) -> _Scan | None | type[Exception]:
    """`_scan` of a chunk, or the class of the _Unsure or _Spill it raised (kept in the memo like an
    answer)."""
    try:
        return _scan(chunk, indents, depth, chunk=True)
    except (_Unsure, _Spill) as exc:
        return type(exc)


def _scan(code: str, indents_in: tuple[int, ...], depth: int, chunk: bool) -> _Scan | None:
    """The scanner: (regions, comments, open indentation columns, bracket depth) at the end of `code`,
    which begins a line in that state; None where tokenize raises an IndentationError. With `chunk`,
    the text goes on after `code` (_Spill where that matters), else `code` ends the text."""
    regions: list[tuple[int, int]] = []
    comments: list[tuple[int, int]] = []
    indents = list(indents_in)
    size = len(code)
    search = _EVENT.search
    # A line starts here: a line end before it stands for the start.
    m = _INDENT.match(code)
    pos, c, at = m.end(), "\n", -1
    while True:
        if c == "\n":
            if depth == 0 and pos < size and code[pos] not in "#\n":
                # A new statement's line: its indentation must be one an outer block has.
                column = pos - at - 1
                if "\t" in code[at + 1:pos]:
                    column = _column(code[at + 1:pos])
                if column != indents[-1]:
                    if column > indents[-1]:
                        indents.append(column)
                    elif column not in indents:
                        return None  # tokenize: IndentationError
                    else:
                        del indents[indents.index(column) + 1:]
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "#":
            end = code.find("\n", at)
            pos = size if end < 0 else end
            comments.append((at, pos))
            if pos > at + 1:
                regions.append((at + 1, pos))
        elif c == "\\":
            if pos < size and code[pos] == "\n":  # a continuation: the next line goes on with the statement
                pos += 1
                if pos == size:
                    if chunk:
                        raise _Spill
                    return None  # tokenize: EOF in multi-line statement
        else:  # a quote, and the word before it
            start = at
            while start > 0 and (code[start - 1].isalnum() or code[start - 1] == "_"):  # as \\w
                start -= 1
            fstring = False
            if start < at:
                word = code[start:at].lower()
                if word not in _PREFIXES:
                    if word[0] in "0123456789" or (start > 0 and code[start - 1] == "."):
                        raise _Unsure  # a number could end inside the word and a prefix begin
                else:
                    fstring = "f" in word
            quote = c * 3 if code.startswith(c * 3, at) else c
            begin = at + len(quote)
            body = _BODIES[quote].match(code, begin)
            if body is None:
                if chunk:
                    raise _Spill  # closed after the chunk, or never: the whole text decides
                raise _Unsure  # never closed: tokenize gives up (None) or reads on as code
            pos = body.end()
            end = pos - len(quote)
            if fstring:  # Python < 3.12: the whole f-string is one token
                regions.extend((begin + a, begin + b) for a, b in _fstring_text_parts(code[begin:end]))
            elif begin < end:
                regions.append((begin, end))
        m = search(code, pos)
        if m is None:
            break
        at, pos = m.start(), m.end()
        c = code[at]
    return regions, comments, tuple(indents), depth


def _fstring_text_parts(body: str) -> list[tuple[int, int]]:
    """[start, end) spans of an f-string body's literal text: its {expressions} are code."""
    parts: list[tuple[int, int]] = []
    literal, i = 0, 0
    while i < len(body):
        if body.startswith(("{{", "}}"), i):
            i += 2
            continue
        if body[i] != "{":
            i += 1
            continue
        parts.append((literal, i))
        depth, i = 1, i + 1
        while i < len(body) and depth:
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            i += 1
        literal = i
    parts.append((literal, len(body)))
    return [(a, b) for a, b in parts if a < b]


def tokenized_regions(code: str) -> list[tuple[int, int]] | None:
    """literal_regions by Python's `tokenize`: the reference, and the answer where the scanner is
    not sure."""
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    regions: list[tuple[int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type not in _STRING_BODY_TYPES:
                continue
            begin = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            if tok.type == tokenize.STRING:
                _string_regions(regions, code, begin, end)
                continue
            if tok.type == tokenize.COMMENT:
                begin += 1
            if begin < end:
                regions.append((begin, end))
    except _TOKENIZE_ERRORS:
        return None
    return regions


def tokenized_comments(code: str) -> list[str] | None:
    """comment_texts by Python's `tokenize`: the reference, and the answer where the scanner is not
    sure."""
    try:
        return [tok.string for tok in tokenize.generate_tokens(io.StringIO(code).readline)
                if tok.type == tokenize.COMMENT]
    except _TOKENIZE_ERRORS:
        return None
