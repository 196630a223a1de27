"""Deterministic, group-aware train/validation/test splits.

A sample's split is a function of its group (repository or problem) and the salt, nothing else: no
repository or problem can straddle two splits (a model must not be tested on a repository it trained
on). The fractions are fractions of groups; with few groups the sample shares wander.

Forks: a kept commit found in several repositories links them, and linked repositories form a fork
family (connected components over repositories; a family that does not settle in `fork_rounds` is
counted as `repairpack.splits/unconverged`). With `group_forks`, a commit's group is its
family's smallest repository name, so a fork's own commits go where the code they copied went.
Without it, the group is the commit's first repository, and a superset input can never move a group;
with it, only new input that links two families moves one of them.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import apache_beam as beam

from config.assembly import SplitsConfig
from schemas.sample import SOURCE_COMMIT


def group_unit(group: str, salt: str) -> float:
    """A uniform number in [0, 1) for the group: 64 bits of blake2b over salt and group."""
    digest = hashlib.blake2b(f"{salt}\0{group}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0 ** 64


def split_of(group: str, cfg: SplitsConfig) -> str:
    u = group_unit(group, cfg.salt)
    if u < cfg.train:
        return "train"
    if u < cfg.train + cfg.validation:
        return "validation"
    # Rounding can leave the shares a hair under 1: anything above train + validation is test.
    if cfg.test > 0:
        return "test"
    return "validation" if cfg.validation > 0 else "train"


def with_split(sample: Any, cfg: SplitsConfig) -> Any:
    return replace(sample, split=split_of(sample.group, cfg))


def fork_edges(sample: Any) -> list[tuple[str, str]]:
    """Undirected edges (first repository, other repository) of a commit seen in several."""
    if sample.source != SOURCE_COMMIT or not sample.repos:
        return []
    repos = sorted(set(sample.repos))
    return [(repos[0], other) for other in repos[1:]]


def relabel(sample: Any, families: dict[str, str]) -> Any:
    """A commit sample whose group (a repository) belongs to a fork family takes the family's name."""
    if sample.source != SOURCE_COMMIT:
        return sample
    family = families.get(sample.group)
    return replace(sample, group=family) if family is not None else sample


class ForkFamilies(beam.PTransform):
    """PCollection[RepairSample] -> PCollection[(repository, family)] for every repository whose
    family's smallest name is not its own."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self._rounds = rounds

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        from beam_jobs.assembly.components import ConnectedComponents

        return (samples
                | "ForkEdges" >> beam.FlatMap(fork_edges)
                | "DistinctForkEdges" >> beam.Distinct()
                | "Families" >> ConnectedComponents(self._rounds, "repairpack.splits"))


class GroupForks(beam.PTransform):
    """Commit samples take their fork family as group; judge samples pass untouched.

    `families` comes from ForkFamilies over every sample the sources made (dropped duplicates
    included: a fork link is a fact about the repositories, whichever copy was kept). It reaches
    the samples as a side input, one entry per forked repository: a join keyed by group would hold
    a whole repository's samples in one group, and one repository can be most of a corpus."""

    def __init__(self, families: beam.PCollection) -> None:
        super().__init__()
        self._families = families

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        return samples | "Relabel" >> beam.Map(relabel, beam.pvalue.AsDict(self._families))


class AssignSplits(beam.PTransform):
    """PCollection[RepairSample] -> the same samples with `split` set."""

    def __init__(self, cfg: SplitsConfig) -> None:
        super().__init__()
        self._cfg = cfg

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        return samples | "SetSplit" >> beam.Map(with_split, self._cfg)
