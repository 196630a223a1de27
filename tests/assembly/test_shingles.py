"""A pair tokenised once where its versions agree (beam_jobs/assembly/shingles.py `pair_code_tokens`,
decontaminate.py `_sides`): the same tokens and normalised lines as each version done alone."""
from __future__ import annotations

import random

import pytest

from beam_jobs.assembly.decontaminate import _sides, normalise_lines
from beam_jobs.assembly.shingles import code_tokens, pair_code_tokens, pair_shingles, shared_line_cuts
from tests.realcode import edited, real_sources

EDGES = [
    ("", ""),
    ("", "x = 1\n"),
    ("x = 1\n", ""),
    ("same\n", "same\n"),
    ("a = 1", "a = 2"),                        # no line break at all
    ("a = 1\nb = 2\n", "a = 1\nb = 2"),        # the final line break dropped
    ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
    ("x = 'ΑΣ'\ny = 1\n", "x = 'ΑΣ'\ny = 2\n"),  # a final sigma at a cut
    ("x = 1\ny = 2\nz = 3\n", "x = 1\nyy = 2\nz = 3\n"),
    ("x = 1\ny = 2\nz = 3\n", "x = 1\nz = 3\n"),
    ("x=1\n\n\ny=2\n", "x=1\n\ny=2\n"),       # only blank lines differ
    ("a\u2028b\nc\n", "a\u2028b\nd\n"),        # a line separator that is not "\n"
    ("v = 1.5e\n10\n", "v = 1.5e\n11\n"),
    ("    indented  text\t\n", "    indented  text \t\n"),
]


@pytest.mark.parametrize("old, new", EDGES)
def test_pair_tokens_are_each_versions_tokens(old: str, new: str) -> None:
    assert pair_code_tokens(old, new) == (code_tokens(old), code_tokens(new))
    old_side, new_side = _sides(old, new)
    for side, text in ((old_side, old), (new_side, new)):
        assert side.lines == normalise_lines(text)
        assert side.tokens == code_tokens("\n".join(normalise_lines(text)))


def test_cuts_fall_at_line_breaks_in_the_shared_parts() -> None:
    old, new = "a = 1\nb = 2\nc = 3\n", "a = 1\nb = 20\nc = 3\n"
    start, old_end, new_end = shared_line_cuts(old, new)
    assert (start, old[old_end:], new[new_end:]) == (5, "\nc = 3\n", "\nc = 3\n")
    assert old[:start] == new[:start] == "a = 1"


def test_pairs_of_real_modules_edited_at_random() -> None:
    rng = random.Random(31)
    checked = 0
    for i, text in enumerate(real_sources(150)):
        other = edited(text, i)
        if rng.random() < 0.3:
            other = other.upper()  # every line differs: no shared start or end
        for old, new in ((text, other), (other, text)):
            assert pair_code_tokens(old, new) == (code_tokens(old), code_tokens(new))
            old_side, new_side = _sides(old, new)
            assert (old_side.lines, new_side.lines) == (normalise_lines(old), normalise_lines(new))
            assert old_side.tokens == code_tokens("\n".join(old_side.lines))
            assert new_side.tokens == code_tokens("\n".join(new_side.lines))
            checked += 1
    assert checked == 300


def test_pair_shingles_are_each_versions_ngrams() -> None:
    from beam_jobs.assembly.shingles import SIDE_NEW, SIDE_OLD, ngram_hashes
    import numpy as np

    old = real_sources(1)[0]
    new = old.replace("def ", "def  ", 1) + "\nextra = 1\n"
    expected = np.concatenate([ngram_hashes(code_tokens(old), 5, SIDE_OLD), ngram_hashes(code_tokens(new), 5, SIDE_NEW)])
    assert np.array_equal(pair_shingles(old, new, 5), expected)
