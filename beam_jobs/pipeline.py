"""Assemble the build pipeline from the inputs and the config; run it; write the manifest.

The graph is: sources -> per-source stages (each counting in/kept/rejected) -> deterministic shards,
plus one rejects output gathered from every stage. The driver does only what needs the finished run:
read the committed counters, move the staged output into place and write `manifest.json`.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.accounting import stage_counts
from beam_jobs.git_source import MineGitRepos
from beam_jobs.parquet_sink import WriteShards
from licenses.mapfile import load_license_map
from schemas.commit import COMMIT_SCHEMA
from schemas.config import Config, config_to_dict
from schemas.reject import REJECT_SCHEMA

DATA_DIR = "data"
REJECTS_DIR = "rejects"
MANIFEST = "manifest.json"
SHARD_LIST = "_shards.json"
PACKAGES = ("repairpack", "apache-beam", "pygit2", "pyarrow", "langdetect", "google-cloud-bigquery", "PyYAML")


@dataclass
class Inputs:
    git: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"git": list(self.git)}


def _reject_sort_key(reject: Any) -> str:
    return f"{reject.stage}\0{reject.reason}\0{reject.key}\0{reject.repo}"


def _write_shard_list(entries: list[dict[str, Any]], path: str) -> None:
    with FileSystems.create(path) as f:
        f.write(json.dumps(sorted(entries, key=lambda e: e["file"])).encode("utf-8"))


def build(pipeline: beam.Pipeline, inputs: Inputs, config: Config, staging: str) -> None:
    """Add every stage to `pipeline`; outputs land under `staging`."""
    record_sets = []
    reject_sets = []
    if inputs.git:
        specs = pipeline | "GitInputs" >> beam.Create(sorted(inputs.git))
        license_map = load_license_map(config.licenses.license_map) if config.licenses.license_map else {}
        git = specs | "MineGit" >> MineGitRepos(config, license_map)
        record_sets.append(git["records"])
        reject_sets.append(git["rejects"])
    records = tuple(record_sets) | "AllRecords" >> beam.Flatten()
    rejects = tuple(reject_sets) | "AllRejects" >> beam.Flatten()
    out = config.output
    shards = (records | WriteShards(f"{staging}/{DATA_DIR}", "train", COMMIT_SCHEMA, lambda r: r.id,
                                    shards=out.shards, target_shard_bytes=out.target_shard_bytes,
                                    compression=out.compression, row_group_rows=out.row_group_rows))
    reject_shards = (rejects | WriteShards(f"{staging}/{REJECTS_DIR}", "rejects", REJECT_SCHEMA, _reject_sort_key,
                                           shards=None, target_shard_bytes=out.target_shard_bytes,
                                           compression=out.compression, row_group_rows=10_000))
    ((shards, reject_shards) | "ShardEntries" >> beam.Flatten()
     | "ListShards" >> beam.combiners.ToList()
     | "WriteShardList" >> beam.Map(_write_shard_list, path=f"{staging}/{SHARD_LIST}"))


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _is_local(path: str) -> bool:
    return "://" not in path


def prepare_output(output: str, overwrite: bool) -> None:
    """Refuse to clobber a folder the user did not hand over; clear old repairpack output when allowed."""
    if not _is_local(output):
        return
    if os.path.exists(output) and not os.path.isdir(output):
        raise FileExistsError(f"the output '{output}' exists and is not a folder")
    if os.path.isdir(output) and os.listdir(output) and not overwrite:
        raise FileExistsError(f"the output folder '{output}' is not empty; pass --overwrite to replace it")


def _publish(staging: str, output: str) -> None:
    """Move the finished run into place; until now the output folder held the previous run untouched."""
    for name in (DATA_DIR, REJECTS_DIR, MANIFEST):
        target = f"{output}/{name}"
        if _is_local(output):
            if os.path.isdir(target):
                shutil.rmtree(target)
            elif os.path.exists(target):
                os.remove(target)
        elif FileSystems.exists(target):
            FileSystems.delete([target])
    if _is_local(output):
        for name in (DATA_DIR, REJECTS_DIR, MANIFEST):
            os.replace(os.path.join(staging, name), os.path.join(output, name))
        shutil.rmtree(staging, ignore_errors=True)
    else:
        sources = [m.path for r in FileSystems.match([f"{staging}/**"]) for m in r.metadata_list]
        FileSystems.rename(sources, [s.replace(staging, output, 1) for s in sources])


def run(inputs: Inputs, config: Config, output: str, beam_args: list[str], *, overwrite: bool = False) -> dict[str, Any]:
    """Run the whole build and return the manifest it wrote."""
    output = output.rstrip("/") or output
    prepare_output(output, overwrite)
    if _is_local(output):
        os.makedirs(output, exist_ok=True)
        output = os.path.abspath(output)
    staging = f"{output}/.staging-{uuid.uuid4().hex[:12]}"
    options = PipelineOptions(beam_args)
    pipeline = beam.Pipeline(options=options)
    build(pipeline, inputs, config, staging)
    result = pipeline.run()
    result.wait_until_finish()
    counts = stage_counts(result.metrics())
    with FileSystems.open(f"{staging}/{SHARD_LIST}") as f:
        shard_entries = json.loads(f.read().decode("utf-8"))
    FileSystems.delete([f"{staging}/{SHARD_LIST}"])
    manifest = {
        "format": "repairpack-manifest/1",
        "inputs": inputs.to_dict(),
        "counts": counts,
        "rows": {
            "train": sum(e["rows"] for e in shard_entries if e["file"].startswith("train-")),
            "rejects": sum(e["rows"] for e in shard_entries if e["file"].startswith("rejects-")),
        },
        "shards": {
            "train": [dict(e, file=f"{DATA_DIR}/{e['file']}") for e in shard_entries if e["file"].startswith("train-")],
            "rejects": [dict(e, file=f"{REJECTS_DIR}/{e['file']}") for e in shard_entries
                        if e["file"].startswith("rejects-")],
        },
        "config": config_to_dict(config),
        "packages": package_versions(),
    }
    with FileSystems.create(f"{staging}/{MANIFEST}") as f:
        f.write((json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8"))
    _publish(staging, output)
    return manifest
