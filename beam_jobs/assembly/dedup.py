"""Exact and near deduplication of repair samples: pure keys and signatures, then thin Beam wrappers.

Exact: two samples are the same if their (old, new) pair is, with whitespace at line ends and final
newlines ignored (editors and platforms add both; neither changes the fix).

Near: MinHash LSH over the code of the pair, as BigCode's near-dedup did for files (5-gram shingles,
256 permutations, Jaccard 0.7), with two choices of our own:
- Tokens are code tokens (identifiers, numbers, operators), not prose words, so `a+b` and `a + b`
  shingle alike and `x1` is not split. Shingles of the old and new versions are tagged by side, so a
  fix and its revert are not one sample.
- A candidate pair must also have alike changed lines (`change_threshold`): versions mined from
  successive commits of one file share nearly all their code yet teach different fixes.

Clusters are the connected components of the verified candidate graph, computed in Beam with the
large-star/small-star iteration (Kiveris et al., "Connected Components in MapReduce and Beyond",
2014): every step is a GroupByKey over edges, so nothing needs one process to see the whole graph
and it runs the same on Dataflow. Nodes are *survivor keys* that sort in survivor order (permissive
license, then earliest time, then smallest id), so each component's minimum, which the iteration
converges to, is the sample to keep.

Every drop is counted with accounting.Stage and written to rejects with the kept sample's id.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

import apache_beam as beam
import numpy as np
from apache_beam.metrics import Metrics

from beam_jobs.accounting import NAMESPACE, REJECTS, StageDoFn
from beam_jobs.assembly.diff import changed_lines
from beam_jobs.sorted_runs import RunFiles
from licenses.keys import PERMISSIVE
from config.assembly import NearDedupConfig, lsh_bands_rows

STAGE_EXACT = "assembly.exact_dedup"
STAGE_NEAR = "assembly.near_dedup"
REASON_EXACT = "exact_duplicate"
REASON_NEAR = "near_duplicate"

# ------------------------------------------------------------------------------------ exact dedup keys


def normalise_code(text: str) -> str:
    """Whitespace at line ends (spaces, tabs, a CR of CRLF) and trailing blank lines do not count."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def exact_key(old: str, new: str) -> str:
    """One hash per normalised pair; the length prefix keeps (ab, c) and (a, bc) apart."""
    a, b = normalise_code(old), normalise_code(new)
    h = hashlib.sha256()
    h.update(f"{len(a)}:".encode("utf-8"))
    h.update(a.encode("utf-8"))
    h.update(b"\0")
    h.update(b.encode("utf-8"))
    return h.hexdigest()


# ----------------------------------------------------------------------------------- survivor choice

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TIME_OFFSET = 10 ** 18  # keeps times before 1970 (bogus commit dates exist) sortable as positive numbers
_NO_TIME = "9" * 20


def permissive_set(extra: Iterable[str] = ()) -> frozenset[str]:
    return PERMISSIVE | frozenset(k.lower() for k in extra)


def _time_field(when: datetime | None) -> str:
    if when is None:
        return _NO_TIME
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    delta = when - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros + _TIME_OFFSET:020d}"


def survivor_key(sample: Any, permissive: frozenset[str]) -> str:
    """A string that sorts in survivor order: permissive license first, then earliest time, then
    smallest id. It ends with the id, so it also names the sample (`key_id`)."""
    rank = "0" if (sample.license or "").lower() in permissive else "1"
    return f"{rank}{_time_field(sample.author_time)}{sample.id}"


def key_id(key: str) -> str:
    return key[21:]


def choose_survivor(samples: Sequence[Any], permissive: frozenset[str]) -> Any:
    return min(samples, key=lambda s: survivor_key(s, permissive))


# -------------------------------------------------------------------------------------- tokenization

# Identifiers (Unicode letters too), numbers (hex, floats, exponents, complex), multi-character
# operators, then any other single non-space character. Whitespace and nothing else separates.
_TOKEN = re.compile(r"""
    [^\W\d]\w*                                    # identifier or keyword
  | 0[xXoObB][0-9a-fA-F_]+                        # hex / octal / binary literal
  | (?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?   # decimal literal
  | \*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@=<>!]=  # multi-character operators
  | [^\s\w]                                       # any other symbol
""", re.VERBOSE)


def code_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


class _TokenHashes(dict):
    """token -> stable 64-bit hash, computed on first sight (a C-level lookup after that)."""

    def __missing__(self, token: str) -> int:
        h = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")
        if len(self) >= _TOKEN_CACHE_LIMIT:
            self.clear()
        self[token] = h
        return h


_TOKEN_CACHE_LIMIT = 1 << 20
_TOKEN_CACHE = _TokenHashes()
_MUL = np.uint64(0x100000001B3)          # FNV prime: the polynomial base that combines an n-gram
_SIDE_OLD = np.uint64(0x9E3779B97F4A7C15)
_SIDE_NEW = np.uint64(0xC2B2AE3D27D4EB4F)
_SIDE_DEL = np.uint64(0x165667B19E3779F9)
_SIDE_ADD = np.uint64(0x27D4EB2F165667C5)


def token_hash(token: str) -> int:
    """Stable 64-bit token hash (Python's hash() is salted per process; workers must agree)."""
    return _TOKEN_CACHE[token]


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial combination over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def ngram_hashes(tokens: Sequence[str], n: int, side: np.uint64 = np.uint64(0)) -> np.ndarray:
    """Hashes of the token n-grams (a text shorter than n is one shingle of all its tokens)."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    t = np.fromiter(map(_TOKEN_CACHE.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    k = min(n, len(t))
    count = len(t) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(count, dtype=np.uint64)
        for i in range(k):
            h = h * _MUL + t[i:i + count]
        return _mix(h ^ side)


def pair_shingles(old: str, new: str, n: int) -> np.ndarray:
    """The shingles of a pair: n-grams of each version's code tokens, tagged by side. Repeats are
    kept (MinHash of a multiset is that of its set; sorting them out costs more than hashing them)."""
    return np.concatenate([ngram_hashes(code_tokens(old), n, _SIDE_OLD), ngram_hashes(code_tokens(new), n, _SIDE_NEW)])


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


# ------------------------------------------------------------------------------------------- MinHash

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
        h = _mix(folded ^ (np.arange(bands, dtype=np.uint64) * _SIDE_OLD))
    keys = (h & _LOW56) | (np.arange(bands, dtype=np.uint64) << np.uint64(56))
    return keys.tolist()


_ROW_MULTIPLIERS: dict[int, np.ndarray] = {}


def _row_multipliers(rows: int) -> np.ndarray:
    m = _ROW_MULTIPLIERS.get(rows)
    if m is None:
        with np.errstate(over="ignore"):
            m = _mix(np.arange(1, rows + 1, dtype=np.uint64) * _SIDE_NEW) | np.uint64(1)
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


# ------------------------------------------------------------------------ connected components, pure

def large_star(node: str, neighbours: Iterable[str]) -> list[tuple[str, str]]:
    """Large-star: connect every larger neighbour of `node` to the smallest of node and neighbours."""
    nbrs = set(neighbours)
    m = min(nbrs | {node})
    return [(m, v) for v in sorted(nbrs) if v > node]


def small_star(node: str, smaller: Iterable[str]) -> list[tuple[str, str]]:
    """Small-star (input: neighbours smaller than `node`): connect them and node to their minimum."""
    nbrs = set(smaller)
    if not nbrs:
        return []
    m = min(nbrs)
    return [(m, v) for v in sorted(nbrs | {node}) if v != m]


def components_in_memory(edges: Iterable[tuple[str, str]], rounds: int) -> dict[str, str]:
    """The same iteration without Beam ({node: label}), for tests and the benchmark's checks."""
    current = {tuple(sorted(e)) for e in edges if e[0] != e[1]}
    for _ in range(rounds):
        adj: dict[str, set[str]] = {}
        for a, b in current:
            adj.setdefault(a, set()).add(b)
            adj.setdefault(b, set()).add(a)
        nxt = set()
        for u, nbrs in adj.items():
            nxt.update(large_star(u, nbrs))
        smaller: dict[str, set[str]] = {}
        for a, b in nxt:
            smaller.setdefault(b, set()).add(a)
        current = set()
        for u, nbrs in smaller.items():
            current.update(small_star(u, nbrs))
    labels: dict[str, str] = {}
    for a, b in current:
        labels[b] = min(labels.get(b, a), a)
        labels.setdefault(a, a)
    return labels


# -------------------------------------------------------------------------------------- Beam: exact

class _KeepFirst(StageDoFn):
    def __init__(self, permissive: frozenset[str]) -> None:
        super().__init__(STAGE_EXACT)
        self._permissive = permissive

    def process(self, element: tuple[str, Iterable[Any]]) -> Iterator[Any]:
        _, group = element
        ranked = sorted(group, key=lambda s: survivor_key(s, self._permissive))
        keeper = ranked[0]
        for sample in ranked:
            stage = self.stage(sample.source)
            stage.incoming()
            if sample is keeper:
                stage.kept()
                yield sample
            else:
                yield stage.reject(REASON_EXACT, key=sample.id, repo=sample.group, detail=f"kept {keeper.id}")


class ExactDedup(beam.PTransform):
    """PCollection[RepairSample] -> outputs `kept` and REJECTS (stage assembly.exact_dedup).

    Samples are grouped through sorted runs under `runs` (sorted_runs.SpillGroupByKey), not a
    shuffle: the FnApiRunner would hold every sample in memory."""

    def __init__(self, permissive_extra: Iterable[str] = (), runs: RunFiles | None = None) -> None:
        super().__init__()
        self._permissive = permissive_set(permissive_extra)
        self._runs = runs or RunFiles.local()

    def expand(self, samples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        return (samples
                | "KeyByPair" >> beam.Map(lambda s: (exact_key(s.old_contents, s.new_contents), s))
                | "GroupByPair" >> self._runs.group("exact")
                | "KeepFirst" >> beam.ParDo(_KeepFirst(self._permissive)).with_outputs(REJECTS, main="kept"))


# --------------------------------------------------------------------------------------- Beam: near

BANDS = "bands"
_EMPTY = b""


class _Signatures(beam.DoFn):
    """(node, sample) -> main: (node, (pair signature, change signature));
    BANDS: (shuffle bucket, [(band key, node), ...]).

    Band keys are the LSH's GroupByKey keys, 28 per sample by default. Shuffling them one by one
    costs more than computing them, so they travel in batches: a band key's bucket is its low bits
    (`shuffle_buckets` of them), each bundle ships at most one list per bucket per `_FLUSH` keys,
    and after the GroupByKey on the bucket the exact band keys are grouped in memory. The grouping
    is the same; the shuffle carries a few thousand lists instead of millions of pairs (a hand-made
    combiner lift, which Beam cannot do for a GroupByKey)."""

    _FLUSH = 200_000

    def __init__(self, cfg: NearDedupConfig) -> None:
        self._cfg = cfg
        self._bands, self._rows = lsh_bands_rows(cfg)

    def setup(self) -> None:
        cfg = self._cfg
        self._pair = MinHasher(cfg.engine, cfg.num_perm, cfg.seed)
        self._change = MinHasher(cfg.engine, cfg.change_num_perm, cfg.seed + 1)
        self._no_shingles = Metrics.counter(NAMESPACE + ".near_dedup", "no_shingles")

    def start_bundle(self) -> None:
        self._buffer: dict[int, list[tuple[int, str]]] = {}
        self._buffered = 0

    def _drain(self) -> list[tuple[int, list[tuple[int, str]]]]:
        out = sorted(self._buffer.items())
        self._buffer = {}
        self._buffered = 0
        return out

    def process(self, element: tuple[str, Any]) -> Iterator[Any]:
        node, sample = element
        shingles = pair_shingles(sample.old_contents, sample.new_contents, self._cfg.ngram)
        if not len(shingles):
            # Nothing to compare (both versions empty); such a sample is never a near duplicate.
            self._no_shingles.inc()
            return
        sig = self._pair.signature(shingles)
        change = _EMPTY
        if self._cfg.change_threshold is not None:
            change = self._change.signature(change_shingles(sample.diff)).tobytes()
        yield node, (sig.tobytes(), change)
        buckets = self._cfg.shuffle_buckets
        for key in band_keys(sig, self._bands, self._rows):
            self._buffer.setdefault(key % buckets, []).append((key, node))
        self._buffered += self._bands
        if self._buffered >= self._FLUSH:
            for item in self._drain():
                yield beam.pvalue.TaggedOutput(BANDS, item)

    def finish_bundle(self) -> Iterator[Any]:
        from apache_beam.transforms.window import GlobalWindows

        for item in self._drain():
            yield beam.pvalue.TaggedOutput(BANDS, GlobalWindows.windowed_value(item))


def _bucket_candidates(element: tuple[int, Iterable[list[tuple[int, str]]]], max_pairs: int) -> Iterator[tuple[str, str]]:
    """The in-memory half of the band-key GroupByKey: nodes per exact band key, then their edges."""
    _, batches = element
    by_key: dict[int, list[str]] = {}
    for batch in batches:
        for key, node in batch:
            by_key.setdefault(key, []).append(node)
    for key in sorted(by_key):
        nodes = by_key[key]
        if len(nodes) > 1:
            yield from bucket_edges(nodes, max_pairs)


def _route_edge_sigs(element: tuple[str, dict[str, list[Any]]]) -> Iterator[tuple[str, tuple[str, Any]]]:
    """(node, its signature and candidate edges) -> (edge as "a NUL b", (node, signature)) once per
    distinct edge: the edge is a text key so its two halves meet through sorted runs (nodes are
    survivor keys, no NUL)."""
    node, joined = element
    sigs = joined["sig"]
    if not sigs:
        return
    for a, b in sorted(set(map(tuple, joined["edge"]))):
        yield f"{a}\0{b}", (node, sigs[0])


def _edge_of(element: tuple[str, list[tuple[str, Any]]]) -> tuple[tuple[str, str], list[tuple[str, Any]]]:
    key, halves = element
    a, b = key.split("\0", 1)
    return (a, b), halves


class _Verify(beam.DoFn):
    """Keep a candidate edge when both estimates reach their thresholds."""

    def __init__(self, threshold: float, change_threshold: float | None) -> None:
        self._threshold = threshold
        self._change_threshold = change_threshold

    def setup(self) -> None:
        self._candidates = Metrics.counter(NAMESPACE + ".near_dedup", "candidate_pairs")
        self._verified = Metrics.counter(NAMESPACE + ".near_dedup", "verified_pairs")
        self._change_differs = Metrics.counter(NAMESPACE + ".near_dedup", "pairs_with_different_changes")

    def process(self, element: tuple[tuple[str, str], Iterable[tuple[str, Any]]]) -> Iterator[tuple[str, str]]:
        edge, halves = element
        sigs = dict(halves)
        if len(sigs) != 2:
            return
        self._candidates.inc()
        (pa, ca), (pb, cb) = sigs[edge[0]], sigs[edge[1]]
        if jaccard_estimate(pa, pb) < self._threshold:
            return
        if self._change_threshold is not None and jaccard_estimate(ca, cb) < self._change_threshold:
            self._change_differs.inc()
            return
        self._verified.inc()
        yield edge


def _both_directions(edge: tuple[str, str]) -> Iterator[tuple[str, str]]:
    a, b = edge
    yield a, b
    yield b, a


def _large_star(element: tuple[str, Iterable[str]]) -> list[tuple[str, str]]:
    node, nbrs = element
    return large_star(node, nbrs)


def _small_star(element: tuple[str, Iterable[str]]) -> list[tuple[str, str]]:
    node, smaller = element
    return small_star(node, smaller)


def _larger_first(edge: tuple[str, str]) -> tuple[str, str]:
    a, b = edge
    return (b, a) if a < b else (a, b)


class ConnectedComponents(beam.PTransform):
    """PCollection[(a, b)] undirected edges -> PCollection[(node, label)] for every node whose label
    (its component's smallest node) is not itself. Bounded rounds; see NearDedupConfig.max_rounds.
    A component that did not settle in time is counted as `<namespace>/unconverged`."""

    def __init__(self, rounds: int, namespace: str) -> None:
        super().__init__()
        self._rounds = rounds
        self._namespace = namespace

    def expand(self, edges: beam.PCollection) -> beam.PCollection:
        current = edges
        for r in range(self._rounds):
            current = (current
                       | f"Both{r}" >> beam.FlatMap(_both_directions)
                       | f"Neighbours{r}" >> beam.GroupByKey()
                       | f"LargeStar{r}" >> beam.FlatMap(_large_star)
                       | f"Orient{r}" >> beam.Map(_larger_first)
                       | f"Smaller{r}" >> beam.GroupByKey()
                       | f"SmallStar{r}" >> beam.FlatMap(_small_star))
        labels = (current
                  | "OrientFinal" >> beam.Map(_larger_first)
                  | "SmallerFinal" >> beam.GroupByKey()
                  | "Label" >> beam.Map(lambda kv: (kv[0], min(kv[1]))))
        ({"as_label": labels | "ByLabel" >> beam.Map(lambda kv: (kv[1], kv[0])), "dropped": labels}
         | "JoinLabels" >> beam.CoGroupByKey()
         | "CountUnconverged" >> beam.FlatMap(_count_unconverged, self._namespace))
        return labels


def _count_unconverged(element: tuple[str, dict[str, list[Any]]], namespace: str) -> list[Any]:
    """A label that is itself relabelled means the iteration stopped early for that component."""
    _, joined = element
    if joined["as_label"] and joined["dropped"]:
        Metrics.counter(namespace, "unconverged").inc(len(joined["as_label"]))
    return []


class _ApplyClusters(StageDoFn):
    def __init__(self) -> None:
        super().__init__(STAGE_NEAR)

    def process(self, element: tuple[str, dict[str, list[Any]]]) -> Iterator[Any]:
        _, joined = element
        labels = joined["label"]
        for sample in joined["sample"]:
            stage = self.stage(sample.source)
            stage.incoming()
            if labels:
                yield stage.reject(REASON_NEAR, key=sample.id, repo=sample.group, detail=f"kept {key_id(labels[0])}")
            else:
                stage.kept()
                yield sample


class NearDedup(beam.PTransform):
    """PCollection[RepairSample] -> outputs `kept` and REJECTS (stage assembly.near_dedup).

    band key -> GroupByKey -> candidate pairs -> join signatures and verify -> connected components
    -> drop every node labelled with another node (its cluster's survivor).
    """

    def __init__(self, cfg: NearDedupConfig, permissive_extra: Iterable[str] = (), runs: RunFiles | None = None) -> None:
        super().__init__()
        self._cfg = cfg
        self._permissive = permissive_set(permissive_extra)
        self._runs = runs or RunFiles.local()

    def expand(self, samples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        cfg = self._cfg
        permissive = self._permissive
        keyed = samples | "KeyBySurvivorRank" >> beam.Map(lambda s: (survivor_key(s, permissive), s))
        sigs = keyed | "Signatures" >> beam.ParDo(_Signatures(cfg)).with_outputs(BANDS, main="sigs")
        max_pairs = cfg.max_bucket_pairs
        candidates = (sigs[BANDS]
                      | "BucketKeys" >> beam.MapTuple(lambda bucket, batch: (str(bucket), batch))
                      | "GroupBands" >> self._runs.group("bands")
                      | "BucketEdges" >> beam.FlatMap(_bucket_candidates, max_pairs))
        # A pair sharing several bands comes out of several buckets. It is made distinct per node in
        # JoinSignatures' groups, not with beam.Distinct: the FnApiRunner would hold every candidate
        # pair of the corpus in memory.
        endpoints = candidates | "Endpoints" >> beam.FlatMap(lambda e: [(e[0], e), (e[1], e)])
        verified = ({"sig": sigs.sigs, "edge": endpoints}
                    | "JoinSignatures" >> self._runs.group("signatures")
                    | "RouteSignatures" >> beam.FlatMap(_route_edge_sigs)
                    | "PairSignatures" >> self._runs.group("pairs")
                    | "EdgeOf" >> beam.Map(_edge_of)
                    | "Verify" >> beam.ParDo(_Verify(cfg.threshold, cfg.change_threshold)))
        labels = verified | "Components" >> ConnectedComponents(cfg.max_rounds, NAMESPACE + ".near_dedup")
        # The samples wait for their labels in sorted runs, not in a shuffle (SpillGroupByKey).
        return ({"sample": keyed, "label": labels}
                | "JoinClusters" >> self._runs.group("clusters")
                | "ApplyClusters" >> beam.ParDo(_ApplyClusters()).with_outputs(REJECTS, main="kept"))
