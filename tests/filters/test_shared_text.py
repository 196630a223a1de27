"""What two versions share (filters/shared_text.py): their ends, and the cuts that split the
difference between them into pieces with a shared start and end of their own."""
from __future__ import annotations

import random

import pytest

from filters.shared_text import MIN_SPLIT_CHARS, common_prefix, common_suffix, cuts
from tests.realcode import real_sources


def _functions(count: int, changed: dict[int, str] | None = None) -> str:
    changed = changed or {}
    return "".join(f"def f{n}(x):\n    return x + {changed.get(n, n)}\n\n\n" for n in range(count))


def _ends(base: str, target: str) -> tuple[int, int]:
    head = common_prefix(base, target)
    return head, common_suffix(base, target, min(len(base), len(target)) - head)


@pytest.mark.parametrize("a, b, prefix, suffix", [
    ("", "", 0, 0), ("abc", "abc", 3, 3), ("abcx", "abcy", 3, 0), ("xabc", "yabc", 0, 3), ("ab", "abab", 2, 2),
    ("é€😀a", "é€😀b", 3, 0),
])
def test_common_ends(a: str, b: str, prefix: int, suffix: int) -> None:
    assert common_prefix(a, b) == prefix
    assert common_suffix(a, b, min(len(a), len(b))) == suffix
    assert common_suffix(a, b, min(1, len(a), len(b))) == min(suffix, 1)


def test_changes_at_both_ends_are_cut_apart_at_a_shared_line() -> None:
    base = _functions(400)
    target = _functions(400, {3: "three", 396: "many"})
    head, tail = _ends(base, target)
    found, changed = cuts(base, target, head, tail)
    assert found, "one cut at least between the two changes"
    for y, x in found:
        assert (y == 0 or base[y - 1] == "\n") and (x == 0 or target[x - 1] == "\n")
        line = base[y:base.index("\n", y) + 1]
        assert target.startswith(line, x)
    assert [y for y, _ in found] == sorted(y for y, _ in found) and [x for _, x in found] == sorted(x for _, x in found)
    # Only the two changed numbers are left to parse, not the 390 functions between them.
    assert changed == len("three") + len("many")


def test_nothing_is_cut_in_a_short_difference_or_where_nothing_is_shared() -> None:
    base, target = _functions(20), _functions(20, {0: "zero", 19: "last"})
    assert len(base) < MIN_SPLIT_CHARS
    assert cuts(base, target, *_ends(base, target))[0] == []
    base, target = "a = 1\n" * 2000, "b = 2\n" * 2000
    head, tail = _ends(base, target)
    assert cuts(base, target, head, tail) == ([], len(target) - head - tail)


def test_cuts_on_real_modules_edited_in_many_places() -> None:
    """Every cut is a line start in both texts with the same line after it, and `changed` counts no
    more than what lies outside the shared ends."""
    rng = random.Random(7)
    checked = with_cuts = 0
    for text in real_sources(200):
        if len(text) < 2 * MIN_SPLIT_CHARS:
            continue
        lines = text.splitlines(keepends=True)
        for _ in range(rng.randint(2, 6)):
            at = rng.randrange(len(lines))
            lines[at] = lines[at].replace("self", "this") + "# edited\n"
        target = "".join(lines)
        head, tail = _ends(text, target)
        found, changed = cuts(text, target, head, tail)
        assert 0 <= changed <= len(target) - head - tail
        for y, x in found:
            assert (y == 0 or text[y - 1] == "\n") and (x == 0 or target[x - 1] == "\n")
            assert target.startswith(text[y:text.find("\n", y) + 1], x)
        assert all(a < b for a, b in zip(found, found[1:]))
        checked += 1
        with_cuts += bool(found)
    assert checked > 20 and with_cuts > checked // 2, (checked, with_cuts)
