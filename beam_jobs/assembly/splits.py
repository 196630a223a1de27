"""Deterministic, group-aware train/validation/test splits.

A sample's split is a function of its group (repository or problem) and the salt, nothing else: no
repository or problem can straddle two splits (a model must not be tested on a repository it trained
on). The fractions are fractions of groups; with few groups the sample shares wander, and
`split_balance` says when a split is empty or far from its fraction, and why.

Forks: a kept commit found in several repositories links them, and linked repositories form a fork
family (connected components over repositories; a family that does not settle in `fork_rounds` is
counted as `repairpack.splits/unconverged`). With `group_forks`, a commit's group is its
family's smallest repository name, so a fork's own commits go where the code they copied went.
Without it, the group is the commit's first repository, and a superset input can never move a group;
with it, only new input that links two families moves one of them.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any, Iterable

import apache_beam as beam

from config.assembly import SPLITS, SplitsConfig
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


# ------------------------------------------------------------------------------------ split balance
#
# A split is "far" from its fraction when its achieved share differs from the configured fraction by
# more than half of that fraction (|share - p| > p / 2): under 0.5 % or over 1.5 % for a 1 % split.
# Groups are what the hash splits, each landing in a split with probability p, so the group count of
# a split is binomial(N, p): its share comes within p / 2 of p at two standard deviations once
# N >= 16 (1 - p) / p groups (about 1,600 for 1 %, 144 for 10 %). Below that, a split is often empty
# or lopsided, and no salt fixes it for long: only more groups do.
FAR = 0.5


def groups_needed(p: float) -> int:
    """Groups from which a split of fraction `p` lands within FAR * p of it at two standard deviations."""
    if p <= 0 or p >= 1:
        return 1
    return math.ceil((2 / FAR) ** 2 * (1 - p) / p)


def split_key(sample: Any) -> tuple[tuple[str, str], int]:
    return (sample.split, sample.group), 1


class _GroupTally(beam.CombineFn):
    """(groups, samples, largest group's samples, its name) of one split; ties go to the smaller name."""

    def create_accumulator(self) -> tuple[int, int, int, str]:
        return 0, 0, 0, ""

    def add_input(self, acc: tuple[int, int, int, str], group: tuple[str, int]) -> tuple[int, int, int, str]:
        return self.merge_accumulators([acc, (1, group[1], group[1], group[0])])

    def merge_accumulators(self, accs: Iterable[tuple[int, int, int, str]]) -> tuple[int, int, int, str]:
        groups = samples = 0
        best: tuple[int, str] = (0, "")
        for g, s, big, name in accs:
            groups, samples = groups + g, samples + s
            if big > best[0] or (big == best[0] and big and (not best[1] or name < best[1])):
                best = (big, name)
        return groups, samples, best[0], best[1]

    def extract_output(self, acc: tuple[int, int, int, str]) -> dict[str, Any]:
        return {"groups": acc[0], "samples": acc[1], "largest_group": acc[3], "largest_group_samples": acc[2]}


class CountSplitGroups(beam.PTransform):
    """PCollection[RepairSample] (split set) -> one dict {split: {"groups", "samples", "largest_group",
    "largest_group_samples"}} for the splits that got samples: what `split_balance` judges. Only
    (split, group) counts are shuffled, never samples."""

    def expand(self, samples: beam.PCollection) -> beam.PCollection:
        return (samples
                | "SplitGroup" >> beam.Map(split_key)
                | "SamplesPerGroup" >> beam.CombinePerKey(sum)
                | "BySplit" >> beam.Map(lambda kv: (kv[0][0], (kv[0][1], kv[1])))
                | "TallySplit" >> beam.CombinePerKey(_GroupTally())
                | "AllSplits" >> beam.combiners.ToDict())


def _share(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def split_balance(observed: dict[str, dict[str, Any]], cfg: SplitsConfig) -> dict[str, Any]:
    """Configured against achieved shares per split (of groups and of samples), and one warning
    sentence for each split that is empty or far from its fraction, saying why. `observed`: what
    CountSplitGroups wrote. A corpus without samples gets no warning (nothing was split)."""
    total_groups = sum(int(o.get("groups", 0)) for o in observed.values())
    total_samples = sum(int(o.get("samples", 0)) for o in observed.values())
    fractions = {"train": cfg.train, "validation": cfg.validation, "test": cfg.test}
    splits: dict[str, Any] = {}
    warnings: list[str] = []
    # The largest group of the corpus (most samples, then the smallest name) and its split.
    largest = min(((-int(o.get("largest_group_samples", 0)), str(o.get("largest_group", "")), s)
                   for s, o in observed.items()), default=(0, "", ""))
    for split in SPLITS:
        o = observed.get(split, {})
        p = float(fractions[split])
        n, s = int(o.get("groups", 0)), int(o.get("samples", 0))
        group_share, sample_share = _share(n, total_groups), _share(s, total_samples)
        splits[split] = {"fraction": p, "groups": n, "group_share": group_share, "samples": s,
                         "sample_share": sample_share, "expected_groups": round(total_groups * p, 3),
                         "largest_group": o.get("largest_group", ""),
                         "largest_group_samples": int(o.get("largest_group_samples", 0))}
        if not total_groups or p <= 0:
            continue
        why = (f" Splits are drawn by group (a repository or a problem never straddles two splits), so the "
               f"fractions are met only with many groups: a {p:.1%} split comes within half of its fraction "
               f"(two standard deviations) from about {groups_needed(p):,} groups, and this corpus has "
               f"{total_groups:,}.")
        sd = math.sqrt(total_groups * p * (1 - p))
        if n == 0:
            warnings.append(f"split '{split}' is empty: it is configured to get {p:.1%} of the groups "
                            f"({total_groups * p:.2f} of {total_groups:,} expected), and none hashed there." + why)
        elif abs(group_share - p) > FAR * p:
            warnings.append(f"split '{split}' got {n:,} of {total_groups:,} groups ({group_share:.1%}) for a "
                            f"configured {p:.1%} ({total_groups * p:.1f} ± {sd:.1f} expected)." + why)
        elif abs(sample_share - p) > FAR * p:
            warnings.append(f"split '{split}' holds {s:,} of {total_samples:,} samples ({sample_share:.1%}) for a "
                            f"configured {p:.1%} of the groups: its groups are balanced, but groups differ in "
                            f"size; the largest, '{largest[1]}', has {-largest[0]:,} samples, in '{largest[2]}'.")
    return {"groups": total_groups, "samples": total_samples, "far": f"|achieved share - fraction| > {FAR} x fraction",
            "splits": splits, "warnings": warnings}
