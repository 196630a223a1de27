"""Per-sample features of the statistics report: pure functions, no Beam.

The numeric features are computed on a whole Arrow batch at once (`batch_features`), because the
report must cost a small multiple of reading the shards and a Python loop over a million rows would
not; `sample_features` is the same function on a one-row table, so the batch path and the per-sample
definition cannot drift apart. The edit kinds need the two ASTs: a corpus built with them has them in
its `edit_kinds` column (filled at the filter stage by filters/edits.py); for rows without them the
report parses the two versions with the same function (`edit_kinds`).

Definitions (also in docs/report.md):
- lines: newline-terminated lines, plus one for a last line without a newline;
- change share: (lines added + lines removed) / (old lines + new lines), from the diff's counts;
- words: runs of non-blank characters (blanks: space, tab, newline, carriage return, form feed);
- first word: the instruction's first word, lower-cased, ASCII punctuation trimmed;
- edit kinds: see filters/edits.py `edit_kinds`;
- tags: the `tags` column, as filters/tags.py and assembly's secrets stage set it.
"""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


# The same pattern in RE2 (pyarrow) and Python's re: blanks spelled out, as RE2's \s is ASCII-only.
FIRST_WORD_PATTERN = r"^[\t\n\f\r ]*(?P<word>[^\t\n\f\r ]+)"
WORD_PATTERN = r"[^\t\n\f\r ]+"
PUNCTUATION = string.punctuation
EXAMPLE_INSTRUCTION_CHARS = 500
EXAMPLE_DIFF_LINES = 60

# Columns of data/*.parquet the report reads (the rest is provenance it does not need).
SAMPLE_COLUMNS = ("id", "source", "split", "license", "group", "instruction", "old_contents", "new_contents",
                  "diff", "lines_added", "lines_removed", "hunks", "message_lang", "old_parses", "python_major",
                  "dataset", "problem_id", "user_id", "pairing", "verdict_before", "verdict_after", "verdict_sequence")
# Read when every data file has them (a corpus built before issue 14 has neither): the per-sample tags,
# and the edit kinds the filter stage computed, which spare the report a parse of both versions.
# The judge.verify columns likewise (a corpus built before issue 16 has none): the label against the
# executed verdict, the verified samples and those with a statement.
OPTIONAL_SAMPLE_COLUMNS = ("tags", "edit_kinds", "exec_before", "verified", "problem_statement")
REJECT_COLUMNS = ("stage", "reason", "source", "detail")
ACCEPTED = "AC"


# ---------------------------------------------------------------------------------- columnar features

def _lines(texts: pa.ChunkedArray | pa.Array) -> np.ndarray:
    newlines = pc.count_substring(texts, "\n")
    unterminated = pc.and_(pc.greater(pc.binary_length(texts), 0),
                           pc.invert(pc.ends_with(texts, "\n")))
    return (newlines.to_numpy(zero_copy_only=False).astype(np.int64)
            + unterminated.to_numpy(zero_copy_only=False).astype(np.int64))


def _ints(column: Any) -> np.ndarray:
    return pc.fill_null(column, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def first_words(instructions: Any) -> pa.Array:
    """The first word of each instruction (empty string when there is none)."""
    word = pc.struct_field(pc.extract_regex(pc.fill_null(instructions, ""), FIRST_WORD_PATTERN), "word")
    word = pc.utf8_trim(pc.utf8_lower(pc.fill_null(word, "")), characters=PUNCTUATION)
    return word


def batch_features(table: pa.Table) -> dict[str, np.ndarray]:
    """Numeric features of every row of a data/ batch, as int64 arrays (shares as float64)."""
    old, new = table.column("old_contents"), table.column("new_contents")
    instruction = pc.fill_null(table.column("instruction"), "")
    old_lines, new_lines = _lines(old), _lines(new)
    added, removed = _ints(table.column("lines_added")), _ints(table.column("lines_removed"))
    total_lines = old_lines + new_lines
    share = np.divide(added + removed, total_lines, out=np.zeros(len(added), dtype=np.float64),
                      where=total_lines > 0)
    words = pc.count_substring_regex(instruction, WORD_PATTERN)
    return {
        "old_lines": old_lines,
        "new_lines": new_lines,
        "old_chars": _ints(pc.utf8_length(old)),
        "new_chars": _ints(pc.utf8_length(new)),
        "lines_added": added,
        "lines_removed": removed,
        "hunks": _ints(table.column("hunks")),
        "change_share": np.minimum(share, 1.0),
        "instruction_chars": _ints(pc.utf8_length(instruction)),
        "instruction_words": _ints(words),
        "old_bytes": _ints(pc.binary_length(old)),
        "new_bytes": _ints(pc.binary_length(new)),
    }


@dataclass(frozen=True)
class SampleFeatures:
    """One sample's features: what `batch_features` computes for its row, plus the first word."""
    old_lines: int
    new_lines: int
    old_chars: int
    new_chars: int
    lines_added: int
    lines_removed: int
    hunks: int
    change_share: float
    instruction_chars: int
    instruction_words: int
    old_bytes: int
    new_bytes: int
    first_word: str

    @property
    def code_bytes(self) -> int:
        """UTF-8 bytes of both versions: what the report's size tables add up."""
        return self.old_bytes + self.new_bytes


def sample_features(row: dict[str, Any]) -> SampleFeatures:
    """The report's features of one sample row (a dict with the SAMPLE_SCHEMA column names)."""
    columns = ("instruction", "old_contents", "new_contents", "lines_added", "lines_removed", "hunks")
    table = pa.table({
        "instruction": pa.array([row.get("instruction") or ""], pa.string()),
        "old_contents": pa.array([row.get("old_contents") or ""], pa.large_string()),
        "new_contents": pa.array([row.get("new_contents") or ""], pa.large_string()),
        "lines_added": pa.array([row.get("lines_added") or 0], pa.int32()),
        "lines_removed": pa.array([row.get("lines_removed") or 0], pa.int32()),
        "hunks": pa.array([row.get("hunks") or 0], pa.int32()),
    }).select(list(columns))
    values = {k: v[0].item() for k, v in batch_features(table).items()}
    return SampleFeatures(first_word=first_words(table.column("instruction"))[0].as_py(), **values)


# ---------------------------------------------------------------------------------------- choosing

_FNV_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def seeded_hashes(ids: pa.Array | pa.ChunkedArray, seed: str) -> np.ndarray:
    """A 64-bit hash of each id under a seed (FNV-1a from a seed-derived basis, then the splitmix64
    finaliser), vectorised over an Arrow string column. Examples and the edit-kind subset are the
    smallest hashes, so the choice is the same on every run and runner, and needs no shuffle."""
    arr = pc.fill_null(ids, "").cast(pa.large_binary())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks else pa.array([], pa.large_binary())
    n = len(arr)
    basis = int.from_bytes(hashlib.blake2b(seed.encode("utf-8"), digest_size=8).digest(), "big")
    h = np.full(n, basis ^ 0xCBF29CE484222325, dtype=np.uint64)
    if n:
        offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + n + 1]
        data = np.frombuffer(arr.buffers()[2], dtype=np.uint8) if arr.buffers()[2] is not None else np.zeros(0, np.uint8)
        starts, lengths = offsets[:-1], np.diff(offsets)
        for j in range(int(lengths.max(initial=0))):
            active = np.nonzero(lengths > j)[0]
            h[active] = (h[active] ^ data[starts[active] + j].astype(np.uint64)) * _FNV_PRIME
        h ^= lengths.astype(np.uint64)
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def seeded_hash(seed: str, sample_id: str) -> int:
    """seeded_hashes of one id."""
    return int(seeded_hashes(pa.array([sample_id], pa.string()), seed)[0])


HASH_SPACE = 1 << 64


def edit_kind_cutoff(rate: float) -> int:
    """Samples whose hash is below this are analysed for edit kinds."""
    return HASH_SPACE if rate >= 1.0 else int(rate * HASH_SPACE)


def example_of(row: dict[str, Any]) -> dict[str, Any]:
    """What the report shows of a sample: short enough for a page, the diff as the fix itself."""
    diff_lines = (row.get("diff") or "").splitlines()
    return {
        "id": row.get("id") or "",
        "source": row.get("source") or "",
        "group": row.get("group") or "",
        "license": row.get("license") or "",
        "instruction": (row.get("instruction") or "")[:EXAMPLE_INSTRUCTION_CHARS],
        "diff": "\n".join(diff_lines[:EXAMPLE_DIFF_LINES]),
        "diff_truncated": len(diff_lines) > EXAMPLE_DIFF_LINES,
        "lines_added": int(row.get("lines_added") or 0),
        "lines_removed": int(row.get("lines_removed") or 0),
    }


# -------------------------------------------------------------------------------------- judge data

def trajectory_key(row: dict[str, Any]) -> str:
    """One user's attempts at one problem; every pair cut from them carries the same sequence."""
    return f"{row.get('dataset') or ''}\0{row.get('problem_id') or ''}\0{row.get('user_id') or ''}"


def problem_keys(dataset: Any, problem_id: Any) -> pa.Array:
    """`dataset/problem`, or the problem alone without a dataset (schemas.sample.judge_group's rule)."""
    dataset, problem = pc.fill_null(dataset, ""), pc.fill_null(problem_id, "")
    return pc.if_else(pc.equal(dataset, ""), problem, pc.binary_join_element_wise(dataset, problem, "/"))


# Pairings that cut one pair per (user, problem): each sample is its own trajectory, no dedup needed.
ONE_PAIR_PER_TRAJECTORY = frozenset({"", "last-failure"})


def trajectory_columns(sequences: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """trajectory_summary of every row at once: (lengths, attempts, accepted) as int64 arrays."""
    seq = sequences.combine_chunks() if isinstance(sequences, pa.ChunkedArray) else sequences
    n = len(seq)
    full = _ints(pc.list_value_length(seq)) if n else np.zeros(0, np.int64)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    if n and full.sum():
        flat = pc.list_flatten(seq)
        parents = pc.list_parent_indices(seq).to_numpy(zero_copy_only=False).astype(np.int64)
        starts = np.concatenate([[0], np.cumsum(full)[:-1]])
        positions = np.arange(len(flat), dtype=np.int64) - starts[parents]
        accepted = pc.fill_null(pc.equal(flat, ACCEPTED), False).to_numpy(zero_copy_only=False)
        np.minimum.at(first, parents[accepted], positions[accepted])
    found = first < np.iinfo(np.int64).max
    lengths = np.where(found, first + 1, full)
    attempts = np.where(found, first, full)
    return lengths, attempts, found.astype(np.int64)


def trajectory_summary(sequence: list[str] | None) -> tuple[int, int, int]:
    """(submissions up to and including the first accepted, failures before it, accepted verdicts).

    Samples keep the sequence cut at the first accepted; a sequence without one counts whole.
    """
    lengths, attempts, accepted = trajectory_columns(pa.array([list(sequence or [])], pa.list_(pa.string())))
    return int(lengths[0]), int(attempts[0]), int(accepted[0])
