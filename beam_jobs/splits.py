"""Deterministic, group-aware train/validation/test splits.

A sample's split is a function of its group (repository or problem) and the salt, nothing else: no
repository or problem can straddle two splits (a model must not be tested on a repository it trained
on), and rerunning on a superset of the input cannot move a group, since no other sample takes part
in the decision. The fractions are fractions of groups; with few groups the sample shares wander.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import apache_beam as beam

from schemas.assembly_config import SPLITS, SplitsConfig


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


class AssignSplits(beam.PTransform):
    """PCollection[RepairSample] -> the same samples with `split` set."""

    def __init__(self, cfg: SplitsConfig) -> None:
        super().__init__()
        self._cfg = cfg

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        return samples | "SetSplit" >> beam.Map(with_split, self._cfg)


def partition_by_split(samples: beam.PCollection, label: str = "BySplit") -> dict[str, beam.PCollection]:
    """{"train": ..., "validation": ..., "test": ...} from samples whose split is set."""
    parts = samples | label >> beam.Partition(lambda s, n: SPLITS.index(s.split), len(SPLITS))
    return {name: parts[i] for i, name in enumerate(SPLITS)}
