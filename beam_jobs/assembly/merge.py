"""Corpus assembly as one composite transform: source records in, publishable samples out.

    CommitRecord / JudgeRecord ─► to RepairSample ─► assembly.exact_dedup ─► assembly.decontaminate
        ─► assembly.near_dedup ─► assembly.secrets ─► split ─► samples
                     every stage's drops ───────────────────────────────► rejects

Why this order: exact dedup first, so the costlier scans run once per distinct sample and a
benchmark copy found twice is one reject, not two; decontamination before near dedup, so that a
contaminated sample never stands for a cluster of clean near-duplicates (they would be dropped with
it), and fused to exact dedup's groups, which come with a file's versions together for its chunk
memo (shingles.py); decontamination before secrets, because redaction changes code and could hide a
benchmark solution that holds an address; splitting last, on the survivors' groups. Each stage
counts with accounting.Stage (in = kept + rejected); a stage switched off in the config is absent
from the graph and from the counts.

The transform writes nothing: `output.shards.WriteCorpus` writes the split shards and
`output.card.render_card` the README, so the lead's pipeline keeps its staging and publishing.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import apache_beam as beam

from beam_jobs.accounting import REJECTS
from beam_jobs.assembly.decontaminate import Decontaminate, NeedleSet, load_needles
from beam_jobs.assembly.dedup import ExactDedup, NearDedup
from beam_jobs.assembly.secrets import ScrubSecrets
from beam_jobs.sorted_runs import RunFiles
from beam_jobs.assembly.splits import AssignSplits, ForkFamilies, GroupForks
from config.assembly import AssemblyConfig
from beam_jobs.assembly.samples import to_sample

STAGES = ("assembly.exact_dedup", "assembly.decontaminate", "assembly.near_dedup", "assembly.secrets")


def assembly_config(config: Any) -> AssemblyConfig:
    """The whole Config (once the lead nests the section as `Config.assembly`) or the section itself."""
    return config if isinstance(config, AssemblyConfig) else config.assembly


def record_from_row(row: dict[str, Any]) -> Any:
    """A Parquet row of earlier output back as its record: RepairSample (has `diff`), JudgeRecord
    (source "judge") or CommitRecord. Unknown columns are ignored, so older shards still read."""
    import dataclasses

    from schemas.commit import CommitRecord
    from schemas.sample import RepairSample

    if "diff" in row and "record_id" in row:
        cls: type = RepairSample
    elif row.get("source") == "judge":
        from schemas.judge import JudgeRecord

        cls = JudgeRecord
    else:
        cls = CommitRecord
    names = {f.name for f in dataclasses.fields(cls)}
    values = {k: v for k, v in row.items() if k in names}
    for key in ("repos", "verdict_sequence", "submission_sequence"):
        if isinstance(values.get(key), tuple):
            values[key] = list(values[key])
    return cls(**values)


class ReadRecordShards(beam.PTransform):
    """PBegin -> records from Parquet shards written by an earlier run (`data/*.parquet` of the
    mining stages, or of an assembled corpus), so assembly can run alone on existing shards."""

    def __init__(self, file_pattern: str) -> None:
        super().__init__()
        self._pattern = file_pattern

    def expand(self, pbegin: beam.pvalue.PBegin) -> beam.PCollection:
        return (pbegin
                | "ReadShards" >> beam.io.ReadFromParquet(self._pattern)
                | "ToRecords" >> beam.Map(record_from_row))


def _stat_keys(sample: Any) -> list[tuple[str, str, str]]:
    return [("splits", sample.split, sample.source), ("licenses", sample.license, ""),
            ("sources", sample.source, ""), ("langs", sample.lang, ""),
            *(("tags", tag, sample.source) for tag in sample.tags or ()),
            # judge.verify, for the card: verified judge samples and those with a problem statement.
            *((("judge", "verified", ""),) if sample.verified else ()),
            *((("judge", "statement", ""),) if sample.problem_statement is not None else ())]


def _fold_stats(counted: list[tuple[tuple[str, str, str], int]]) -> dict[str, Any]:
    """{"splits": {split: {source: n}}, "licenses": {key: n}, "sources": {...}, "langs": {...},
    "tags": {tag: {source: n}}} (the card shows the tags)."""
    out: dict[str, Any] = {"splits": {}, "licenses": {}, "sources": {}, "langs": {}, "tags": {}}
    for (kind, a, b), n in sorted(counted):
        if kind in ("splits", "tags"):
            out[kind].setdefault(a, {})[b] = n
        elif kind == "judge":  # only when judge.verify ran: a corpus without it has no such key
            out.setdefault(kind, {})[a] = n
        else:
            out[kind][a] = n
    return out


class AssembleCorpus(beam.PTransform):
    """PCollection[CommitRecord | JudgeRecord | RepairSample] ->
    {"samples": PCollection[RepairSample] (split set), "rejects": tuple of PCollection[Reject] (one per stage),
     "stats": PCollection[dict] (one element: counts per split and source, license, language)}.

    Benchmark needles are read here, at construction, so a missing benchmark file fails before the
    run starts; `needle_set.fingerprints` belongs in the manifest.
    """

    def __init__(self, config: Any, needles: NeedleSet | None = None, runs: RunFiles | None = None,
                 rescan: bool = True, forks: bool = True) -> None:
        super().__init__()
        self.cfg = assembly_config(config)
        # False when no commit can come from two repositories (one `--git` repository): no fork edge can
        # exist, so every family is its own repository and the family graph is not built.
        self._forks = forks
        # False when every record was redacted as it left its source in this run (pipeline._redacted),
        # with this same config: scanning the samples again would find only what that scan left in
        # place on purpose, so the secrets stage then counts them through without a scan.
        self._rescan = rescan
        # Where samples wait between stages, as sorted run files (sorted_runs): the build pipeline
        # names a folder under the output's staging folder, which every worker can reach.
        self._runs = runs or RunFiles.local()
        dc = self.cfg.decontamination
        if dc.enabled:
            self.needle_set = needles if needles is not None else load_needles(dc)
        else:
            self.needle_set = NeedleSet([], {})

    def expand(self, records: beam.PCollection) -> dict[str, beam.PCollection]:
        cfg = self.cfg
        samples = records | "ToSamples" >> beam.Map(to_sample)
        grouped = cfg.splits.group_forks and self._forks
        families = samples | "ForkFamilies" >> ForkFamilies(cfg.splits.fork_rounds) if grouped else None
        rejects = []
        if cfg.exact_dedup:
            out = samples | "ExactDedup" >> ExactDedup(cfg.permissive_extra, runs=self._runs)
            samples, rejects = out.kept, rejects + [out[REJECTS]]
        # Decontamination before near dedup: a contaminated sample must not stand for a cluster of
        # clean near-duplicates (they would go with it), and it runs fused to exact dedup's groups,
        # which come with a file's versions together (dedup.exact_key), so its chunk memo hits.
        if cfg.decontamination.enabled:
            out = samples | "Decontaminate" >> Decontaminate(cfg.decontamination, self.needle_set)
            samples, rejects = out.kept, rejects + [out[REJECTS]]
        if cfg.near_dedup.enabled:
            out = samples | "NearDedup" >> NearDedup(cfg.near_dedup, cfg.permissive_extra, runs=self._runs)
            samples, rejects = out.kept, rejects + [out[REJECTS]]
        if cfg.secrets.mode != "off":
            secrets = cfg.secrets if self._rescan else replace(cfg.secrets, keys=False, emails=False, ip_addresses=False)
            out = samples | "Secrets" >> ScrubSecrets(secrets)
            samples, rejects = out.kept, rejects + [out[REJECTS]]
        if families is not None:
            samples = samples | "GroupForks" >> GroupForks(families)
        samples = samples | "Split" >> AssignSplits(cfg.splits)
        all_rejects = tuple(rejects)
        stats = (samples
                 | "StatKeys" >> beam.FlatMap(_stat_keys)
                 | "CountStats" >> beam.combiners.Count.PerElement()
                 | "AllStats" >> beam.combiners.ToList()
                 | "FoldStats" >> beam.Map(_fold_stats))
        return {"samples": samples, "rejects": all_rejects, "stats": stats}
