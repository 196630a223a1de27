"""Connected components of an edge list, in memory and in Beam: the clusters of near dedup and the
fork families of the splits.

In Beam with the large-star/small-star iteration (Kiveris et al., "Connected Components in MapReduce
and Beyond", 2014): every step is a GroupByKey over edges, so nothing needs one process to see the
whole graph and it runs the same on Dataflow. Each component's label is its smallest node.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

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
