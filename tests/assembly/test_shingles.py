"""A pair tokenised once where its versions agree (beam_jobs/assembly/shingles.py `_pair_parts`,
decontaminate.py `_sides`): the same tokens and normalised lines as each version done alone."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest

from beam_jobs.assembly.decontaminate import _sides, normalise_lines
from beam_jobs.assembly.shingles import (_pair_parts, code_tokens, pair_shingles, pair_token_hashes,
                                         shared_line_cuts, token_hashes)
from tests.realcode import edited, real_sources

def _pair_tokens(old: str, new: str) -> tuple[list[str], list[str]]:
    head, old_mid, new_mid, tail = _pair_parts(old, new)
    return head + old_mid + tail, head + new_mid + tail


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
    assert _pair_tokens(old, new) == (code_tokens(old), code_tokens(new))
    old_side, new_side = _sides(old, new)
    for side, text in ((old_side, old), (new_side, new)):
        assert side.lines == normalise_lines(text)
        assert np.array_equal(side.hashes, token_hashes(code_tokens("\n".join(normalise_lines(text)))))
    old_hashes, new_hashes = pair_token_hashes(old, new)
    assert np.array_equal(old_hashes, token_hashes(code_tokens(old)))
    assert np.array_equal(new_hashes, token_hashes(code_tokens(new)))


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
            assert _pair_tokens(old, new) == (code_tokens(old), code_tokens(new))
            old_side, new_side = _sides(old, new)
            assert (old_side.lines, new_side.lines) == (normalise_lines(old), normalise_lines(new))
            assert np.array_equal(old_side.hashes, token_hashes(code_tokens("\n".join(old_side.lines))))
            assert np.array_equal(new_side.hashes, token_hashes(code_tokens("\n".join(new_side.lines))))
            checked += 1
    assert checked == 300


def test_pair_shingles_are_each_versions_ngrams() -> None:
    from beam_jobs.assembly.shingles import SIDE_NEW, SIDE_OLD, ngram_hashes
    import numpy as np

    old = real_sources(1)[0]
    new = old.replace("def ", "def  ", 1) + "\nextra = 1\n"
    expected = np.concatenate([ngram_hashes(code_tokens(old), 5, SIDE_OLD), ngram_hashes(code_tokens(new), 5, SIDE_NEW)])
    assert np.array_equal(pair_shingles(old, new, 5), expected)


# The token pattern tried at every character, with no whitespace skip: what code_tokens must equal.
_PLAIN = re.compile(r"""
    [^\W\d]\w*
  | 0[xXoObB][0-9a-fA-F_]+
  | (?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?
  | \*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@=<>!]=
  | [^\s\w]
""", re.VERBOSE)

SPACES = ["", "   ", "\n\n", "x  \t\n", "  x", "a\u2028b\x1c c\x85d\u3000e", "f(x)   \u2003\n \t ",
          "\u0663\u0664 + _x\u0301 \ud800", "1.5e-3j 0xFF_FF ** //= -> :="]


@pytest.mark.parametrize("text", SPACES)
def test_whitespace_skip_gives_the_plain_patterns_tokens(text: str) -> None:
    assert code_tokens(text) == _PLAIN.findall(text)


def test_code_tokens_of_real_modules_as_the_plain_pattern() -> None:
    for text in real_sources(60):
        assert code_tokens(text) == _PLAIN.findall(text)
        assert code_tokens(text + " \t\n" * 50) == _PLAIN.findall(text)
