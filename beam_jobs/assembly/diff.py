"""Unified diffs of a repair pair, and the counts a corpus user filters on (lines added, removed, hunks).

Pure and deterministic: the same pair gives the same bytes on every worker. difflib's own
`unified_diff` glues a last line that has no newline onto the next diff line, which corrupts the
patch; this formatter writes git's "\\ No newline at end of file" marker instead, so `git apply` and
`patch` accept the output. Lines are split on "\\n" only (as git does), never on form feeds or lone
carriage returns, so the diff describes the bytes that are stored.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterator

from filters.content import split_lines

NO_NEWLINE = "\\ No newline at end of file\n"


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
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[str] = []
    added = removed = hunks = 0
    for group in matcher.get_grouped_opcodes(context):
        if not out:
            out.append(f"--- a/{old_file}\n")
            out.append(f"+++ b/{new_file}\n")
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
