"""MinHash signatures and LSH banding: which samples are candidate near duplicates.

Pure, so the benchmark and the tests use what the pipeline uses; the Beam side (dedup.NearDedup)
only routes band keys and candidate pairs.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from beam_jobs.assembly.shingles import SIDE_NEW, SIDE_OLD, mix64
from config.assembly import NearDedupConfig


class MinHasher:
    """Seeded MinHash signatures of pre-hashed shingles (uint64), with rensa or datasketch.

    Both engines take our own stable shingle hashes, so tokenization is identical; datasketch's
    affine32 scheme takes 32-bit inputs, so it gets the low half of each hash.
    """

    def __init__(self, engine: str, num_perm: int, seed: int) -> None:
        self.engine = engine
        self.num_perm = num_perm
        self.seed = seed
        self._template: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"engine": self.engine, "num_perm": self.num_perm, "seed": self.seed, "_template": None}

    def signature(self, hashes: np.ndarray) -> np.ndarray:
        """uint32 signature; the empty set gets all-0xFFFFFFFF (it matches only other empty sets)."""
        if not len(hashes):
            return np.full(self.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        if self.engine == "rensa":
            import rensa

            offsets = np.array([0, len(hashes)], dtype=np.uint64)
            matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
                np.ascontiguousarray(hashes, dtype=np.uint64), offsets, self.num_perm, self.seed)
            return np.asarray(matrix.to_rows()[0], dtype=np.uint32)
        from datasketch import MinHash

        if self._template is None:
            self._template = MinHash(num_perm=self.num_perm, seed=self.seed)
        m = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=int,
                    permutations=self._template.permutations, scheme=self._template.scheme)
        m.update_batch((hashes & np.uint64(0xFFFFFFFF)).tolist())
        return np.asarray(m.hashvalues, dtype=np.uint32)


def jaccard_estimate(a: bytes | np.ndarray, b: bytes | np.ndarray) -> float:
    """Share of equal signature positions: the MinHash estimate of the Jaccard similarity."""
    x = np.frombuffer(a, dtype=np.uint32) if isinstance(a, bytes) else a
    y = np.frombuffer(b, dtype=np.uint32) if isinstance(b, bytes) else b
    return float(np.count_nonzero(x == y)) / len(x)


_LOW56 = np.uint64((1 << 56) - 1)


def band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    """One 64-bit key per LSH band: two samples sharing any key are candidates.

    Each band's rows are folded with fixed odd multipliers (one per row position), mixed with the
    band index and finished with splitmix64, all vectorised; the low 56 bits plus the band index in
    the top byte make the key, so different bands never share a key."""
    block = np.ascontiguousarray(signature[:bands * rows], dtype=np.uint32).astype(np.uint64).reshape(bands, rows)
    with np.errstate(over="ignore"):
        folded = (block * _row_multipliers(rows)).sum(axis=1, dtype=np.uint64)
        h = mix64(folded ^ (np.arange(bands, dtype=np.uint64) * SIDE_OLD))
    keys = (h & _LOW56) | (np.arange(bands, dtype=np.uint64) << np.uint64(56))
    return keys.tolist()


_ROW_MULTIPLIERS: dict[int, np.ndarray] = {}


def _row_multipliers(rows: int) -> np.ndarray:
    m = _ROW_MULTIPLIERS.get(rows)
    if m is None:
        with np.errstate(over="ignore"):
            m = mix64(np.arange(1, rows + 1, dtype=np.uint64) * SIDE_NEW) | np.uint64(1)
        _ROW_MULTIPLIERS[rows] = m
    return m


def bucket_edges(members: Iterable[str], max_pairs: int) -> list[tuple[str, str]]:
    """Candidate edges (a < b) of one LSH bucket.

    Up to `max_pairs` members: every pair, so verification can find every true link. Beyond that a
    star on the smallest member plus the sorted chain: linear in the bucket, and still connected.
    """
    nodes = sorted(set(members))
    if len(nodes) < 2:
        return []
    if len(nodes) <= max_pairs:
        return [(nodes[i], nodes[j]) for i in range(len(nodes)) for j in range(i + 1, len(nodes))]
    head = nodes[0]
    edges = {(head, v) for v in nodes[1:]}
    edges.update((nodes[i], nodes[i + 1]) for i in range(1, len(nodes) - 1))
    return sorted(edges)


# ------------------------------------------------------------------------------------- LSH parameters

def _midpoints(a: float, b: float, steps: int = 200) -> tuple[np.ndarray, float]:
    """Midpoint rule on [a, b]: smooth integrands on [0, 1], so 200 steps agree with scipy to 1e-6."""
    h = (b - a) / steps
    return a + (np.arange(steps) + 0.5) * h, h


def optimal_bands_rows(threshold: float, num_perm: int, fp_weight: float = 0.5,
                       fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted false-positive plus false-negative area.

    The same criterion as datasketch's MinHashLSH, written out so a config prints its derived values
    without importing an engine and so the choice never shifts with a library's private helper. Every
    (bands, rows) is integrated at once with numpy: the loop over 1,600 pairs in Python cost every
    run 0.15 CPU-s (a third of building the graph on a small input).
    """
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=float)
    bands, rows = pairs[:, :1], pairs[:, 1:]
    below, h_below = _midpoints(0.0, threshold)  # a pair this dissimilar should not collide
    above, h_above = _midpoints(threshold, 1.0)  # nor one this similar be missed
    false_positive = (1 - (1 - below ** rows) ** bands).sum(axis=1) * h_below
    false_negative = ((1 - above ** rows) ** bands).sum(axis=1) * h_above
    best = int(np.argmin(fp_weight * false_positive + fn_weight * false_negative))  # the first minimum
    return int(pairs[best, 0]), int(pairs[best, 1])


def lsh_bands_rows(cfg: NearDedupConfig) -> tuple[int, int]:
    """The configured bands x rows, or the derived ones for whichever is unset."""
    if cfg.bands is not None and cfg.rows is not None:
        return cfg.bands, cfg.rows
    if cfg.bands is not None:
        return cfg.bands, max(1, cfg.num_perm // cfg.bands)
    if cfg.rows is not None:
        return max(1, cfg.num_perm // cfg.rows), cfg.rows
    return _cached_optimal(cfg.threshold, cfg.num_perm, cfg.false_negative_weight)


_OPTIMAL_CACHE: dict[tuple[float, int, float], tuple[int, int]] = {}


def _cached_optimal(threshold: float, num_perm: int, fn_weight: float) -> tuple[int, int]:
    key = (threshold, num_perm, fn_weight)
    if key not in _OPTIMAL_CACHE:
        _OPTIMAL_CACHE[key] = optimal_bands_rows(threshold, num_perm, 1.0 - fn_weight, fn_weight)
    return _OPTIMAL_CACHE[key]
