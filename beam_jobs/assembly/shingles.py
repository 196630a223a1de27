"""Code tokens and shingles: what near dedup and decontamination compare, tokenised one way.

Tokens are code tokens (identifiers, numbers, operators), not prose words, so `a+b` and `a + b`
shingle alike and `x1` is not split; each token has a stable 64-bit hash, so signatures agree across
workers and runs.
"""
from __future__ import annotations

import hashlib
import re
from typing import Callable, NamedTuple, Sequence, TypeVar

import numpy as np

from beam_jobs.assembly.diff import changed_lines
from filters.chunks import ChunkMemo, chunks

# Identifiers (Unicode letters too), numbers (hex, floats, exponents, complex), multi-character
# operators, then any other single non-space character. Whitespace and nothing else separates: the
# whitespace before a token is skipped inside the match (possessively), not one failed try per
# character, a third of the time on indented code.
_TOKEN = re.compile(r"""
    \s*+(
    [^\W\d]\w*                                    # identifier or keyword
  | 0[xXoObB][0-9a-fA-F_]+                        # hex / octal / binary literal
  | (?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?   # decimal literal
  | \*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@=<>!]=  # multi-character operators
  | [^\s\w]                                       # any other symbol
    )""", re.VERBOSE)


def code_tokens(text: str) -> list[str]:
    # Every non-space character starts a token, so only whitespace at the very end could make the
    # skip above retry from each of its characters: it is cut off first.
    return _TOKEN.findall(text.rstrip())


T = TypeVar("T")

# Chunks shorter than this go with the next (filters/chunks.py): a lookup per decorator line costs
# more than tokenising it.
CHUNK_MIN = 512
# Characters of chunk text whose token hashes a process keeps (with both hash arrays, about 5 bytes
# a character: some 20 MB).
_CHUNK_CHARS = 4_000_000


class ChunkHashes(NamedTuple):
    """A chunk's code-token hashes as written (near dedup) and lowercased (decontamination)."""
    raw: np.ndarray
    lower: np.ndarray


def chunk_hashes(chunk: str) -> ChunkHashes:
    """Both hash arrays of a chunk, from one tokenisation where the definitions allow it, read-only
    (the memo hands them out again).

    Decontamination tokenises lowercased text. In ASCII, lowercasing maps letters to letters and
    leaves every other character be, so the tokens of the lowercased text are the tokens lowercased,
    and one tokenisation serves both. Elsewhere it may not be ("İ" lowercases to two characters,
    the second not a word character), so the lowercased text is tokenised again."""
    tokens = code_tokens(chunk)
    raw = token_hashes(tokens)
    if chunk.isascii():
        lower = np.fromiter(map(_LOWER_CACHE.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    else:
        lower = token_hashes(code_tokens(chunk.lower()))
    raw.flags.writeable = False
    lower.flags.writeable = False
    return ChunkHashes(raw, lower)


def text_chunks(text: str) -> list[str]:
    """The text's chunks (filters/chunks.py), cut just after line breaks.

    Why: a commit's two versions share most of their chunks, and a file's versions come one after
    another (exact dedup hands samples on in the order of their old version's anchor chunk), so most
    chunks were tokenised for an earlier sample and are found in a memo (`memo_chunks`). On ipython's
    8,667 `none` samples, 438 M characters of old + new are 63 M characters of distinct chunks."""
    return list(chunks(text, CHUNK_MIN))


def memo_chunks(parts: list[str], memo: ChunkMemo[T], compute: Callable[[str], T]) -> list[T]:
    """compute(chunk) for each chunk, each result kept in `memo`. Their join is compute(text) for
    any `compute` that works line by line and yields nothing for a line break."""
    return [memo.value(chunk, compute) for chunk in parts]


_HASHES: ChunkMemo[ChunkHashes] = ChunkMemo(_CHUNK_CHARS)


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def version_token_hashes(text: str | list[str]) -> np.ndarray:
    """token_hashes(code_tokens(text)), chunk by chunk (the text, or its `text_chunks`): tokens never
    hold whitespace, so a text cut at line breaks gives its parts' tokens joined. Read-only (it may
    be the memo's own)."""
    parts = text_chunks(text) if isinstance(text, str) else text
    return _joined([h.raw for h in memo_chunks(parts, _HASHES, chunk_hashes)])


def version_lower_token_hashes(text: str | list[str]) -> np.ndarray:
    """token_hashes(code_tokens(text.lower())), from the same memo as `version_token_hashes`, so
    decontamination and near dedup tokenise a chunk once. (Decontamination's normalised lines hold
    the same tokens: whitespace only ever separates them, and a line break ends a final sigma's
    context.)"""
    parts = text_chunks(text) if isinstance(text, str) else text
    return _joined([h.lower for h in memo_chunks(parts, _HASHES, chunk_hashes)])


def pair_token_hashes(old: str, new: str) -> tuple[np.ndarray, np.ndarray]:
    """`token_hashes` of both versions' code tokens, chunks seen before not tokenised again."""
    return version_token_hashes(old), version_token_hashes(new)


class _TokenHashes(dict):
    """token -> stable 64-bit hash (of the token lowercased, with `lower`: `chunk_hashes`' ASCII
    tokens), computed on first sight (a C-level lookup after that)."""

    def __init__(self, lower: bool = False) -> None:
        super().__init__()
        self._lower = lower

    def __missing__(self, token: str) -> int:
        text = token.lower() if self._lower else token
        h = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
        if len(self) >= _TOKEN_CACHE_LIMIT:
            self.clear()
        self[token] = h
        return h


_TOKEN_CACHE_LIMIT = 1 << 20
_TOKEN_CACHE = _TokenHashes()
_LOWER_CACHE = _TokenHashes(lower=True)
_MUL = np.uint64(0x100000001B3)          # FNV prime: the polynomial base that combines an n-gram
SIDE_OLD = np.uint64(0x9E3779B97F4A7C15)
SIDE_NEW = np.uint64(0xC2B2AE3D27D4EB4F)
_SIDE_DEL = np.uint64(0x165667B19E3779F9)
_SIDE_ADD = np.uint64(0x27D4EB2F165667C5)


def token_hash(token: str) -> int:
    """Stable 64-bit token hash (Python's hash() is salted per process; workers must agree)."""
    return _TOKEN_CACHE[token]


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial combination over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """`token_hash` of each token, as uint64."""
    return np.fromiter(map(_TOKEN_CACHE.__getitem__, tokens), dtype=np.uint64, count=len(tokens))


def ngram_hashes(tokens: Sequence[str], n: int, side: np.uint64 = np.uint64(0)) -> np.ndarray:
    """Hashes of the token n-grams (a text shorter than n is one shingle of all its tokens)."""
    return combined_ngrams(token_hashes(tokens), n, side)


def combined_ngrams(t: np.ndarray, n: int, side: np.uint64 = np.uint64(0)) -> np.ndarray:
    """`ngram_hashes` from the tokens' hashes."""
    if not len(t):
        return np.empty(0, dtype=np.uint64)
    k = min(n, len(t))
    count = len(t) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(count, dtype=np.uint64)
        for i in range(k):
            h = h * _MUL + t[i:i + count]
        return mix64(h ^ side)


def pair_shingles(old: str, new: str, n: int) -> np.ndarray:
    """The shingles of a pair: n-grams of each version's code tokens, tagged by side. Repeats are
    kept (MinHash of a multiset is that of its set; sorting them out costs more than hashing them)."""
    old_hashes, new_hashes = pair_token_hashes(old, new)
    return np.concatenate([combined_ngrams(old_hashes, n, SIDE_OLD), combined_ngrams(new_hashes, n, SIDE_NEW)])


def change_shingles(diff: str) -> np.ndarray:
    """Token bigrams of the removed and of the added lines, tagged by side: what the fix did.

    Bigrams, not 5-grams: a change is a few lines, and renaming one variable in it must not make it
    look unrelated."""
    removed, added = changed_lines(diff)
    return np.concatenate([ngram_hashes(code_tokens("\n".join(removed)), 2, _SIDE_DEL),
                           ngram_hashes(code_tokens("\n".join(added)), 2, _SIDE_ADD)])


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two shingle arrays as sets (for tests and the benchmark's checks)."""
    a, b = np.unique(a), np.unique(b)
    if not len(a) and not len(b):
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
