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
import zlib
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

import apache_beam as beam
from apache_beam.metrics import Metrics

from beam_jobs.accounting import NAMESPACE, REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.assembly.components import ConnectedComponents
from beam_jobs.assembly.minhash import MinHasher, band_keys, bucket_edges, jaccard_estimate, lsh_bands_rows
from beam_jobs.assembly.shingles import CHUNK_MIN, change_shingles, pair_shingles
from beam_jobs.sorted_runs import RunFiles, hex_place
from filters.chunks import chunks
from licenses.keys import PERMISSIVE
from config.assembly import NearDedupConfig

STAGE_EXACT = "assembly.exact_dedup"
STAGE_NEAR = "assembly.near_dedup"
REASON_EXACT = "exact_duplicate"
REASON_NEAR = "near_duplicate"

# ------------------------------------------------------------------------------------ exact dedup keys


def normalise_code(text: str) -> str:
    """Whitespace at line ends (spaces, tabs, a CR of CRLF) and trailing blank lines do not count."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def exact_key(old: str, new: str) -> str:
    """One hash per normalised pair; the length prefix keeps (ab, c) and (a, bc) apart. It starts with
    16 hex digits naming the old version's anchor chunk (`_anchor`), and the grouping places rows by
    them (sorted_runs.hex_place): groups come out with a file's versions next to each other, so the
    next stages' chunk memos (shingles.memo_chunks) find most chunks."""
    a, b = normalise_code(old), normalise_code(new)
    h = hashlib.sha256()
    h.update(f"{len(a)}:".encode("utf-8"))
    h.update(a.encode("utf-8"))
    h.update(b"\0")
    h.update(b.encode("utf-8"))
    return _anchor(a) + h.hexdigest()


def _anchor(text: str) -> str:
    """16 hex digits of a hash of the text's chunk (filters/chunks.py) with the smallest CRC-32.

    Why: a file's versions share most of their chunks, so most of them have the same anchor, where
    any one fixed chunk (the first: the imports) changes often. Replaying ipython's 8,667 `none`
    samples through a 4 M-character memo in anchor order, 87 M of their 438 M characters would be
    tokenised, 112 M in first-chunk order. The hash of the chosen chunk, not its CRC, is what the
    grouping's slices share out: the smallest of many CRCs is not uniform."""
    encoded = [chunk.encode("utf-8", "surrogatepass") for chunk in chunks(text, CHUNK_MIN)]
    chosen = min(encoded, key=zlib.crc32)
    return hashlib.blake2b(chosen, digest_size=8).hexdigest()


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
        return tallied(samples
                       | "KeyByPair" >> beam.Map(lambda s: (exact_key(s.old_contents, s.new_contents), s))
                       | "GroupByPair" >> self._runs.group("exact", place=hex_place)
                       | "KeepFirst" >> beam.ParDo(_KeepFirst(self._permissive)).with_outputs(REJECTS, TALLY, main="kept"))


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


# Run bytes per task of near dedup's three joins (band keys, signatures with their edges, edge
# halves). Their rows are small, so at the groupings' default 64 MiB a corpus of ten thousand samples
# made each join one task, run by one worker while the others waited (4.9 s of a two-worker build
# of ipython); at this size they are a few tasks to a few hundred.
JOIN_SLICE_BYTES = 4 << 20


class _BucketEndpoints(beam.DoFn):
    """(shuffle bucket, batches of band keys) -> (node, edge) for both ends of each candidate edge,
    each edge at most once per bundle while fewer than `_SEEN` are remembered.

    Why: near-identical samples (a file's consecutive commits) share most of their bands, so one
    edge comes out of many buckets: on ipython's history 562,890 bucket edges were 75,376 distinct.
    Each copy would be packed, spilled and merged by the join on nodes, which makes edges distinct
    per node anyway (`_route_edge_sigs`); skipping the copies here changes nothing downstream."""

    _SEEN = 200_000

    def __init__(self, max_pairs: int) -> None:
        self._max_pairs = max_pairs

    def start_bundle(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    def process(self, element: tuple[int, Iterable[list[tuple[int, str]]]]) -> Iterator[tuple[str, tuple[str, str]]]:
        seen = self._seen
        for edge in _bucket_candidates(element, self._max_pairs):
            if edge in seen:
                continue
            if len(seen) >= self._SEEN:
                seen.clear()
            seen.add(edge)
            yield edge[0], edge
            yield edge[1], edge


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
        # A pair sharing several bands comes out of several buckets. It is made distinct per node in
        # JoinSignatures' groups, not with beam.Distinct: the FnApiRunner would hold every candidate
        # pair of the corpus in memory. Most copies are dropped before that (_BucketEndpoints).
        endpoints = (sigs[BANDS]
                     | "BucketKeys" >> beam.MapTuple(lambda bucket, batch: (str(bucket), batch))
                     | "GroupBands" >> self._runs.group("bands", slice_bytes=JOIN_SLICE_BYTES)
                     | "BucketEdges" >> beam.ParDo(_BucketEndpoints(max_pairs)))
        verified = ({"sig": sigs.sigs, "edge": endpoints}
                    | "JoinSignatures" >> self._runs.group("signatures", slice_bytes=JOIN_SLICE_BYTES)
                    | "RouteSignatures" >> beam.FlatMap(_route_edge_sigs)
                    | "PairSignatures" >> self._runs.group("pairs", slice_bytes=JOIN_SLICE_BYTES)
                    | "EdgeOf" >> beam.Map(_edge_of)
                    | "Verify" >> beam.ParDo(_Verify(cfg.threshold, cfg.change_threshold)))
        labels = verified | "Components" >> ConnectedComponents(cfg.max_rounds, NAMESPACE + ".near_dedup")
        # The samples wait for their labels in sorted runs, not in a shuffle (SpillGroupByKey).
        return tallied({"sample": keyed, "label": labels}
                       | "JoinClusters" >> self._runs.group("clusters")
                       | "ApplyClusters" >> beam.ParDo(_ApplyClusters()).with_outputs(REJECTS, TALLY, main="kept"))
