"""Versions tokenised chunk by chunk, each chunk's result kept, once for near dedup and
decontamination (beam_jobs/assembly/shingles.py `chunk_hashes`, decontaminate.py `_side`): the same
tokens and normalised lines as each version done whole, by each stage's own definition, whatever
the memo held or dropped."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest

from beam_jobs.assembly import decontaminate, shingles
from beam_jobs.assembly.decontaminate import _sides, normalise_lines
from beam_jobs.assembly.shingles import code_tokens, pair_shingles, pair_token_hashes, token_hashes
from filters.chunks import ChunkMemo, cut_points
from tests.realcode import edited, real_sources

EDGES = [
    ("", ""),
    ("", "x = 1\n"),
    ("x = 1\n", ""),
    ("same\n", "same\n"),
    ("a = 1", "a = 2"),                        # no line break at all
    ("a = 1\nb = 2\n", "a = 1\nb = 2"),        # the final line break dropped
    ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 3\r\n"),
    ("x = 'ΑΣ'\ny = 1\n", "x = 'ΑΣ'\ny = 2\n"),  # a final sigma before a line break
    ("x = 1\ny = 2\nz = 3\n", "x = 1\nyy = 2\nz = 3\n"),
    ("x = 1\ny = 2\nz = 3\n", "x = 1\nz = 3\n"),
    ("x=1\n\n\ny=2\n", "x=1\n\ny=2\n"),       # only blank lines differ
    ("a\u2028b\nc\n", "a\u2028b\nd\n"),        # a line separator that is not "\n"
    ("v = 1.5e\n10\n", "v = 1.5e\n11\n"),
    ("    indented  text\t\n", "    indented  text \t\n"),
]

# Cut places inside a token's reach: a chunk ends just before "def", "class" or "@", after the line
# break, so a final sigma, a number or an operator can sit right before a cut.
_PAD = "# " + "x" * 600 + "\n"
CUT = [
    (_PAD + "s = 'ΑΣ'\ndef f(): pass\n" + _PAD + "@d\nclass C: ...\n",
     _PAD + "s = 'ΑΣ'\ndef f(): return 1.5e\n" + _PAD + "@d\nclass C: ...\n"),
    (_PAD + "x = a**\ndef g(): ...\n" + _PAD + "    def h(self): ...\n", _PAD + "x = a//\ndef g(): ...\n"),
    (_PAD + "\u0130ZMIR = 1\n@\u0130x\n" + _PAD, _PAD + "\u0130ZMIR = 2\n@\u0130x\n" + _PAD),  # İ lowercases to two characters
    (_PAD + "x = '\u03a3A.\u03a3'\ndef f(): pass\n", _PAD + "X = 0XFF + 1E5J\ndef F(): pass\n"),  # sigmas; ASCII case
]


def _whole_side(text: str) -> tuple[list[str], np.ndarray]:
    lines = normalise_lines(text)
    return lines, token_hashes(code_tokens("\n".join(lines)))


def _assert_as_whole(old: str, new: str) -> None:
    old_hashes, new_hashes = pair_token_hashes(old, new)
    assert np.array_equal(old_hashes, token_hashes(code_tokens(old)))
    assert np.array_equal(new_hashes, token_hashes(code_tokens(new)))
    for side, text in zip(_sides(old, new), (old, new)):
        lines, hashes = _whole_side(text)
        assert side.lines == lines
        assert np.array_equal(side.hashes, hashes)


@pytest.mark.parametrize("old, new", EDGES + CUT)
def test_each_version_as_done_whole(old: str, new: str) -> None:
    _assert_as_whole(old, new)
    _assert_as_whole(old, new)  # again, from the memo


def test_the_cut_cases_are_cut() -> None:
    for old, new in CUT:
        assert list(cut_points(old)) and list(cut_points(new))
        assert len(shingles.memo_chunks(old, ChunkMemo(10 ** 6), len)) >= 2


@pytest.mark.parametrize("memo_chars", [0, 3_000, 8_000_000])
def test_pairs_of_real_modules_edited_at_random(monkeypatch: pytest.MonkeyPatch, memo_chars: int) -> None:
    """Memos that keep nothing, a chunk or two, and everything give the same tokens and lines."""
    monkeypatch.setattr(shingles, "_HASHES", ChunkMemo(memo_chars))
    monkeypatch.setattr(decontaminate, "_CHUNK_LINES", ChunkMemo(memo_chars))
    rng = random.Random(31)
    checked = 0
    for i, text in enumerate(real_sources(150)):
        other = edited(text, i)
        if rng.random() < 0.3:
            other = other.upper()  # every line differs
        for old, new in ((text, other), (other, text)):
            _assert_as_whole(old, new)
            checked += 1
    assert checked == 300
    assert (len(shingles._HASHES) > 100) == (memo_chars > 3_000)


def test_a_chunk_seen_before_is_not_tokenised_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shingles, "_HASHES", ChunkMemo(10 ** 7))
    made: list[str] = []
    original = shingles.chunk_hashes

    def counted(chunk: str) -> np.ndarray:
        made.append(chunk)
        return original(chunk)

    monkeypatch.setattr(shingles, "chunk_hashes", counted)
    text = next(t for t in real_sources(40) if len(list(cut_points(t))) > 10)
    changed = text.replace("\ndef ", "\ndef  ", 1)  # one chunk differs
    _, new_hashes = pair_token_hashes(text, changed)
    chunk_count = len(made)
    assert chunk_count > 3
    assert len(made) == len(set(made)) == chunk_count
    assert sum(chunk not in text for chunk in made) == 1  # only the changed chunk of the new version
    assert np.array_equal(new_hashes, token_hashes(code_tokens(changed)))
    kept = shingles._HASHES.value(made[0], original)
    assert not kept.raw.flags.writeable and not kept.lower.flags.writeable  # a caller cannot change them
    before = len(made)
    decontaminate._sides(text, changed)  # decontamination's hashes come from the same chunks
    assert len(made) == before


def test_a_chunks_lowercased_hashes_are_those_of_its_lowercased_text() -> None:
    """One tokenisation serves both where the chunk is ASCII; elsewhere the lowercased text is
    tokenised again, where lowercasing can change what a token is."""
    for chunk in ["Foo.BAR = 0XFF_FF + 1E-3J\n", "ΑΣ.Β = 1\n", "\u0130x = 1\n", "Straße = 'ẞ'\n", ""]:
        both = shingles.chunk_hashes(chunk)
        assert np.array_equal(both.raw, token_hashes(code_tokens(chunk)))
        assert np.array_equal(both.lower, token_hashes(code_tokens(chunk.lower())))
    assert code_tokens("\u0130x".lower()) != [t.lower() for t in code_tokens("\u0130x")]  # why not always one


def test_pair_shingles_are_each_versions_ngrams() -> None:
    from beam_jobs.assembly.shingles import SIDE_NEW, SIDE_OLD, ngram_hashes

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
