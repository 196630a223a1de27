"""Token counts with a real BPE tokenizer, offline: the budgets of CommitPackFT (50 to 768 tokens of
old + new) and of `strict` are in tokens, not a characters-per-token guess.

The tokenizer is Mistral's Tekken (a tiktoken BPE of 131,072 tokens trained on code and text), whose
vocabulary ships inside the `mistral-common` wheel (Apache-2.0, package and vocabulary), so counting
needs no download on any worker. It is read from that file and run by tiktoken directly, without
mistral-common's own loader (one JSON read, no pydantic). On Python it counts 0.98 of StarCoder's
tokens (the paper's tokenizer, whose vocabulary no registry package ships under a permissive
license), against a 3.5-characters-per-token rule that is off by 17 % per file on average.

The ranks are cached in a compact file beside the user's other caches after the first parse of the
JSON (`_ranks`), which takes a second process's load from 0.25 to about 0.1 CPU-s.

Both packages are the `tokens` extra. Without them `available()` is False and the filters fall back to
the character budgets (`pair_min_chars`, `pair_max_chars`); the manifest and the card say which
measure a run used.
"""
from __future__ import annotations

import binascii
import functools
import hashlib
import importlib.util
import itertools
import json
import os
import struct
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from filters.chunks import ChunkMemo, chunks

TOKENIZER = "tekken_240718"
# tiktoken fails (a Rust panic, not an exception) on about a megabyte of unbroken whitespace; texts
# are counted in pieces of at most this many characters, which changes a count only by the tokens
# that would have spanned a cut. Pair counts cut at line breaks first (`_counted`), so only a chunk
# of over this many characters between two such cuts is counted in pieces.
_PIECE_CHARS = 100_000


def _vocabulary() -> Any:
    """The vocabulary file inside the mistral-common wheel (a Traversable), or None without the extra."""
    if importlib.util.find_spec("tiktoken") is None:
        return None
    try:
        path = resources.files("mistral_common").joinpath("data", f"{TOKENIZER}.json")
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def _encoding() -> Any:
    """The tiktoken Encoding, built once per process (a DoFn's first count on a worker)."""
    vocabulary = _vocabulary()
    if vocabulary is None:
        return None
    import tiktoken

    pattern, ranks = _ranks(vocabulary)
    return tiktoken.Encoding(name=TOKENIZER, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})


def _ranks(vocabulary: Any) -> tuple[str, dict[bytes, int]]:
    """(split pattern, BPE ranks) of the vocabulary: from the local cache when it holds this very
    file's, else from the JSON, then cached. The JSON (15 MB, 150,000 entries) takes 0.2 CPU-s to
    parse and decode, the cache 0.03: every process that counts pays it once, and a run's first
    worker pays it before anything else."""
    cache = _cache_file(vocabulary)
    found = _read_cache(cache) if cache is not None else None
    if found is not None:
        return found
    spec = json.loads(vocabulary.read_bytes())
    config = spec["config"]
    # Tekken's ids start with its special tokens; the BPE ranks are the first vocab_size - specials
    # entries of the vocabulary, as mistral-common builds them. binascii, not base64.b64decode: the
    # same bytes without a Python wrapper per token.
    inner = config["default_vocab_size"] - config["default_num_special_tokens"]
    ranks = {binascii.a2b_base64(entry["token_bytes"]): entry["rank"] for entry in spec["vocab"][:inner]}
    if cache is not None:
        _write_cache(cache, config["pattern"], ranks)
    return config["pattern"], ranks


# The cache: a header line, then the pattern's length (4 bytes) and UTF-8, the token count (4 bytes),
# one byte per token for its length, and every token's bytes in rank order.
_CACHE_MAGIC = b"repairpack-bpe-ranks/1\n"
_LENGTH = struct.Struct(">I")


def _cache_file(vocabulary: Any) -> Path | None:
    """Where this vocabulary file's ranks are cached (named for its path, size and modification
    time, as Python names its bytecode caches), under $XDG_CACHE_HOME or ~/.cache; None when the
    vocabulary is not a plain file."""
    try:
        stat = os.stat(vocabulary)
    except (TypeError, OSError):
        return None
    identity = f"{os.fspath(vocabulary)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode("utf-8", "surrogateescape")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "repairpack" / f"{TOKENIZER}-{hashlib.sha256(identity).hexdigest()[:20]}.ranks"


def _read_cache(path: Path) -> tuple[str, dict[bytes, int]] | None:
    """The cached (pattern, ranks), or None when the file is missing or not a whole cache."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_CACHE_MAGIC):
        return None
    at = len(_CACHE_MAGIC)
    try:
        (size,) = _LENGTH.unpack_from(data, at)
        pattern = data[at + 4:at + 4 + size].decode("utf-8")
        at += 4 + size
        (count,) = _LENGTH.unpack_from(data, at)
    except (struct.error, UnicodeDecodeError):
        return None
    lengths = data[at + 4:at + 4 + count]
    start = at + 4 + count
    if len(lengths) != count or start + sum(lengths) != len(data):
        return None
    bounds = list(itertools.accumulate(lengths, initial=start))
    return pattern, dict(zip(map(data.__getitem__, itertools.starmap(slice, zip(bounds, bounds[1:]))), range(count)))


def _write_cache(path: Path, pattern: str, ranks: dict[bytes, int]) -> None:
    """Best effort: a cache that cannot be written (a read-only home) only costs the next process
    the parse. Written to a temporary name and renamed, so a reader never sees half a file."""
    tokens = sorted(ranks, key=ranks.__getitem__)
    if [ranks[t] for t in tokens] != list(range(len(tokens))) or any(len(t) > 255 for t in tokens):
        return  # not the shape the cache stores
    encoded = pattern.encode("utf-8")
    data = b"".join((_CACHE_MAGIC, _LENGTH.pack(len(encoded)), encoded, _LENGTH.pack(len(tokens)),
                     bytes(len(t) for t in tokens), *tokens))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        pass


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """Whether token budgets can be applied (the `tokens` extra is installed). Looked up without
    building the encoding (0.35 CPU-s): the launcher that builds the graph asks, and never counts."""
    return _vocabulary() is not None


def count_tokens(text: str) -> int:
    """Tokens of `text` (special-token strings count as plain text). Requires `available()`."""
    encoding = _encoding()
    if encoding is None:
        raise RuntimeError("token counting needs the `tokens` extra (pip install 'repairpack[tokens]')")
    if len(text) <= _PIECE_CHARS:
        return len(encoding.encode_ordinary(text))
    return sum(len(encoding.encode_ordinary(text[i:i + _PIECE_CHARS])) for i in range(0, len(text), _PIECE_CHARS))


@functools.lru_cache(maxsize=1)
def _longest_token_bytes() -> int:
    """The longest token of the vocabulary, in bytes: a text of b bytes has at least b / this tokens."""
    encoding = _encoding()
    return max(map(len, encoding._mergeable_ranks))


def _utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _side_bounds(size: int, longest: int) -> tuple[int, int]:
    """(fewest, most) tokens `count_tokens` can return for a text of `size` UTF-8 bytes: every token
    is one of the vocabulary's byte strings (encode_ordinary makes no special tokens), so it holds at
    least 1 byte and at most `longest`; pieces do not change that."""
    return -(-size // longest), size


def pair_tokens_within(old: str, new: str, low: int | None, high: int | None) -> int:
    """-1 when old + new has fewer than `low` tokens, 1 when more than `high`, 0 when within:
    exactly what comparing `pair_tokens(old, new)` with the bounds says, without counting a side
    whose length already decides. A file of 80 KB has over 1,000 tokens whatever it holds, so the
    budgets of whole files mostly need no tokenizer at all. Requires `available()`."""
    memo = _PAIR_COUNTS.get((old, new))  # counted already (pair_tokens): no bounds needed
    if memo is not None:
        return _verdict(memo, memo, low, high)
    # A token holds at least one byte: a pair of fewer bytes than `low` is decided by its length,
    # without the vocabulary (built once per process, 0.35 CPU-s).
    old_size, new_size = _utf8_bytes(old), _utf8_bytes(new)
    if low is not None and old_size + new_size < low:
        return -1
    longest = _longest_token_bytes()
    old_bounds, new_bounds = _side_bounds(old_size, longest), _side_bounds(new_size, longest)
    verdict = _verdict(old_bounds[0] + new_bounds[0], old_bounds[1] + new_bounds[1], low, high)
    if verdict is not None:
        return verdict
    counted_old = _counted(old)  # its chunks kept: pair_tokens below counts only the new side
    verdict = _verdict(counted_old + new_bounds[0], counted_old + new_bounds[1], low, high)
    if verdict is not None:
        return verdict
    total = pair_tokens(old, new)
    return _verdict(total, total, low, high)  # type: ignore[return-value]


def _verdict(fewest: int, most: int, low: int | None, high: int | None) -> int | None:
    """The verdict every count in [fewest, most] shares, or None when they differ."""
    if low is not None and most < low:
        return -1
    if high is not None and fewest > high:
        return 1
    if (low is None or fewest >= low) and (high is None or most <= high):
        return 0
    return None


_PAIR_COUNTS: dict[tuple[str, str], int] = {}
_PAIR_COUNTS_SIZE = 1024
_PAIR_LOCK = threading.Lock()


def pair_tokens(old: str, new: str) -> int:
    """Tokens of old + new, as the budgets count them. Cached: the content filter, the window stage
    and the sample's diff ask about the same two strings, whose hashes Python keeps. The memo holds
    its keys, so it is no larger than what waits between those steps (a language batch of 512
    records, then the records annotated after it)."""
    key = (old, new)
    found = _PAIR_COUNTS.get(key)
    if found is None:
        found = _count_pair(old, new)
        with _PAIR_LOCK:  # Beam runs DoFns on several threads of a process
            if len(_PAIR_COUNTS) >= _PAIR_COUNTS_SIZE:
                _PAIR_COUNTS.pop(next(iter(_PAIR_COUNTS)))  # the oldest entry (dicts keep insertion order)
            _PAIR_COUNTS[key] = found
    return found


def _count_pair(old: str, new: str) -> int:
    """count_tokens(old) + count_tokens(new), each counted chunk by chunk (`_counted`): the chunks
    the versions share, and those an earlier version of the file had, are counted once."""
    return _counted(old) + _counted(new)


# Chunks shorter than this are counted with the next: a call to the tokenizer per decorator line
# costs more than it saves.
_CHUNK_MIN = 512
# About 5 MB of text and counts, some forty versions of a large module.
_CHUNK_COUNTS: ChunkMemo[int] = ChunkMemo(4_000_000)


def _counted(text: str) -> int:
    """count_tokens(text), counted chunk by chunk (filters/chunks.py) with each chunk's count kept.

    Why: a pair's versions share most of their chunks, and a file's versions come back commit after
    commit; a chunk that did not change is not counted again. On the 3,000 latest single-file commits
    of ipython, 5.4 CPU-s with the two versions' shared start and end counted once, 3.6 this way.

    Why the sum is the count: the split pattern has no lookbehind, and after a line break followed by
    a line that is not blank and does not start with "/" every match ends (a run of newlines and the
    whitespace between them ends at the last newline, and the punctuation rule's trailing `[\r\n/]*`
    there too; `_cuts_there`), so a text cut there is split into its parts' pieces, and BPE works
    within a piece. tests/filters/test_tokens.py checks it.

    Texts over `_PIECE_CHARS` too: the count is then the tokenizer's count of the whole text whenever
    no chunk is longer than that, where `count_tokens` would cut it every `_PIECE_CHARS` characters,
    mid-token. Such files were counted whole, every version, without the memo: 7 of 11 CPU-s of
    token counting in a `none` build of ipython, whose largest modules are over 100,000 characters."""
    return sum(_CHUNK_COUNTS.value(chunk, count_tokens) for chunk in chunks(text, _CHUNK_MIN))


def _cuts_there(text: str, at: int) -> bool:
    """Whether every piece of the split ends at `at`: just after a line break, at a line that is not
    blank (a newline run, with the whitespace between, is one piece) and does not start with "/"."""
    if not 0 < at < len(text) or text[at - 1] != "\n" or text[at] == "/":
        return False
    line_end = text.find("\n", at)
    return bool(text[at:line_end if line_end != -1 else len(text)].strip())
