"""What two versions of a file share: their common start and end, and the stretches in between that
both hold word for word.

Why: a tree is derived from the tree of a similar text by parsing only what differs
(filters/derived_trees.py). With one shared start and one shared end, a commit that touches a file's
imports and one of its last functions leaves nearly the whole file "in between", and it is parsed
whole; most such pairs still share almost every line. `cuts` finds line starts, in shared
stretches, that split the difference into pieces, each one a change with a shared start and end of
its own.

Everything here compares slices of `str`, so the work runs at C speed: a version of 100,000
characters costs tens of microseconds, against milliseconds to parse it.
"""
from __future__ import annotations

# A stretch that differs and is shorter than this is not split further: parsing a few thousand
# characters costs less than the copies and module-level bookkeeping of one more step.
MIN_SPLIT_CHARS = 4096
# A probe is this long at least (whole lines): long enough that its first occurrence in the other
# text is nearly always the one that corresponds to it.
PROBE_CHARS = 80
# Splits per difference at most, and where a probe is tried, as shares of the stretch.
MAX_DEPTH = 4
PROBE_AT = (0.5, 0.25, 0.75)


def common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix."""
    return _prefix_within(a, 0, len(a), b, 0, len(b))


def common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most `limit` (no more than either length)."""
    return _suffix_within(a, len(a) - limit, len(a), b, len(b) - limit, len(b))


def _prefix_within(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> int:
    """How many characters a[a0:a1] and b[b0:b1] share at their start, by halving: a few slice
    comparisons, each in C."""
    lo, hi = 0, min(a1 - a0, b1 - b0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[a0 + lo:a0 + mid] == b[b0 + lo:b0 + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _suffix_within(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> int:
    """How many characters a[a0:a1] and b[b0:b1] share at their end, likewise."""
    lo, hi = 0, min(a1 - a0, b1 - b0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[a1 - mid:a1 - lo] == b[b1 - mid:b1 - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _probe(base: str, at: int, end: int) -> tuple[int, int] | None:
    """[start, stop) of whole lines of base from the first line start at or after `at`, at least
    PROBE_CHARS long and ending with a line break, before `end`; None when there is no room."""
    start = at if at == 0 or base[at - 1] == "\n" else base.find("\n", at, end) + 1
    if start <= 0 and at > 0:
        return None
    stop = start + PROBE_CHARS
    if stop >= end:
        return None
    stop = base.find("\n", stop - 1, end)
    if stop == -1:
        return None
    return start, stop + 1


def _locate(target: str, probe: str, t0: int, t1: int) -> int:
    """The first place of `probe` in target[t0:t1] at a line start, or -1."""
    x = target.find(probe, t0, t1)
    while x > 0 and target[x - 1] != "\n":
        x = target.find(probe, x + 1, t1)
    return x


def _split(base: str, target: str, b0: int, b1: int, t0: int, t1: int, depth: int,
           found: list[tuple[int, int]]) -> int:
    """Add to `found`, in order, cuts that split base[b0:b1] against target[t0:t1] (two stretches
    that differ at both ends); return how many characters of target[t0:t1] the cuts' shared
    stretches cover."""
    if depth == 0 or max(b1 - b0, t1 - t0) < MIN_SPLIT_CHARS:
        return 0
    for share in PROBE_AT:
        span = _probe(base, b0 + int((b1 - b0) * share), b1)
        if span is None:
            continue
        y = span[0]
        x = _locate(target, base[span[0]:span[1]], t0, t1)
        if x == -1:
            continue
        back = _suffix_within(base, b0, y, target, t0, x)
        ahead = _prefix_within(base, y, b1, target, x, t1)
        covered = back + ahead + _split(base, target, b0, y - back, t0, x - back, depth - 1, found)
        found.append((y, x))
        return covered + _split(base, target, y + ahead, b1, x + ahead, t1, depth - 1, found)
    return 0


def cuts(base: str, target: str, head: int, tail: int) -> tuple[list[tuple[int, int]], int]:
    """(cuts, changed). Cuts are (y, x) pairs, increasing in both: base[y:] and target[x:] start
    with the same line, and `target[:x] + base[y:]` differs from the text made at the cut before
    (the first: `base`) only between them. Parsing the changes piece by piece then costs the
    pieces, not the stretch from the first change to the last. `changed`: the characters of
    `target` left outside the shared start and end (`head`, `tail`) and the cuts' shared stretches.
    """
    found: list[tuple[int, int]] = []
    covered = _split(base, target, head, len(base) - tail, head, len(target) - tail, MAX_DEPTH, found)
    return found, len(target) - tail - head - covered
