"""Unified diffs of a repair pair, and the counts a corpus user filters on (lines added, removed, hunks).

Pure and deterministic: the same pair gives the same bytes on every worker. difflib's own
`unified_diff` glues a last line that has no newline onto the next diff line, which corrupts the
patch; this formatter writes git's "\\ No newline at end of file" marker instead, so `git apply` and
`patch` accept the output. Lines are split on "\\n" only (as git does), never on form feeds or lone
carriage returns, so the diff describes the bytes that are stored.

File headers name an unusual path the way git does (`quote_path`, `file_header`): a newline in a path
would otherwise split the header line, and a tab makes diff tools read what follows as a timestamp;
a path with a space is not quoted, but its header ends in a tab, as git's does.
"""
from __future__ import annotations

import cydifflib
from dataclasses import dataclass
from typing import Iterator

from filters.content import split_lines

NO_NEWLINE = "\\ No newline at end of file\n"

# git's quote.c (cq_lookup) with core.quotePath at its default (true): these bytes get a C escape,
# every other byte below 0x20, 0x7f and every byte from 0x80 up an octal one; the rest stand as they
# are (a space too: git quotes no path for a space alone, see `file_header`).
_LETTER_ESCAPES = {0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
                   0x22: '"', 0x5C: "\\"}


def _must_quote(byte: int) -> bool:
    return byte < 0x20 or byte >= 0x7F or byte in _LETTER_ESCAPES


def _escaped(data: bytes) -> str:
    out = []
    for byte in data:
        if byte in _LETTER_ESCAPES:
            out.append("\\" + _LETTER_ESCAPES[byte])
        elif _must_quote(byte):
            out.append(f"\\{byte:03o}")
        else:
            out.append(chr(byte))
    return "".join(out)


def quote_path(prefix: str, path: str) -> str:
    """`prefix` + `path` as git writes it in a diff header (quote.c, `quote_two`): as is when no byte
    needs quoting, else in double quotes with C escapes and octal escapes for control and non-ASCII
    bytes (`"a/caf\\303\\251.py"`). A path decoded with surrogate escapes gets its original bytes back."""
    try:
        data = (prefix + path).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no decoding made: its bytes are quoted as octal
        data = (prefix + path).encode("utf-8", "surrogatepass")
    if not any(_must_quote(b) for b in data):
        return prefix + path
    return '"' + _escaped(data) + '"'


def file_header(prefix: str, path: str) -> str:
    """What follows `--- ` or `+++ ` for `path`, as git's diff.c writes it: the quoted name, then a
    tab when the path holds a space (quoted or not), so that `patch` knows where the name ends."""
    return quote_path(prefix, path) + ("\t" if " " in path else "")


@dataclass(frozen=True)
class DiffResult:
    diff: str
    lines_added: int
    lines_removed: int
    hunks: int


def _range(start: int, stop: int) -> str:
    """Hunk header range, as GNU diff writes it (a zero-length range names the line before it)."""
    beginning = start + 1
    length = stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def _emit(prefix: str, line: str) -> Iterator[str]:
    if line.endswith("\n"):
        yield prefix + line
    else:
        yield prefix + line + "\n"
        yield NO_NEWLINE


def unified_diff(old: str, new: str, old_file: str = "", new_file: str = "", context: int = 3) -> DiffResult:
    """A `git diff`-style unified diff (a/ and b/ prefixes, `context` lines around each change)."""
    a, b = split_lines(old), split_lines(new)
    # autojunk off: its "popular line" heuristic treats blank lines in long files as junk and gives
    # needlessly scattered hunks.
    matcher = cydifflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[str] = []
    added = removed = hunks = 0
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out.append(f"--- {file_header('a/', old_file)}\n")
            out.append(f"+++ {file_header('b/', new_file)}\n")
        hunks += 1
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    out.extend(_emit(" ", line))
                continue
            if tag in ("replace", "delete"):
                removed += i2 - i1
                for line in a[i1:i2]:
                    out.extend(_emit("-", line))
            if tag in ("replace", "insert"):
                added += j2 - j1
                for line in b[j1:j2]:
                    out.extend(_emit("+", line))
    return DiffResult("".join(out), added, removed, hunks)


def changed_lines(diff: str) -> tuple[list[str], list[str]]:
    """(removed, added) line texts of a diff made by `unified_diff`, without their markers."""
    removed: list[str] = []
    added: list[str] = []
    lines = diff.split("\n")
    # The two file headers come first and only there; any later "---" line is a removed "--" line.
    for line in lines[2:]:
        if line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
    return removed, added
