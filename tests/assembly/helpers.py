"""Shared pieces of the assembly tests: real commit records mined from the sample bundles, a judge-like
stand-in record, and a runner for AssembleCorpus on the FnApiRunner."""
from __future__ import annotations

import dataclasses
import functools
import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.accounting import stage_counts
from beam_jobs.assembly.merge import AssembleCorpus
from beam_jobs.output.shards import WriteCorpus
from beam_jobs.assembly.secrets import finding_counts
from config.assembly import AssemblyConfig
from schemas.commit import CommitRecord
from tests.paths import SAMPLE_BUNDLES

BUNDLES = SAMPLE_BUNDLES
BEAM_ARGS = ["--runner=FnApiRunner"]


@functools.lru_cache(maxsize=1)
def _mined_records() -> bytes:
    """The git source alone (MineGitRepos, strict preset, text license detector) on the bundles."""
    import pickle

    from beam_jobs.sources.git.source import MineGitRepos
    from config import build_config

    cfg = build_config("strict", overrides={"licenses.detector": "text"})
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "records.pkl"
        pipeline = beam.Pipeline(options=PipelineOptions(BEAM_ARGS))
        mined = pipeline | beam.Create(BUNDLES) | MineGitRepos(cfg, {})
        _dump(mined["records"], target, "Mined")
        pipeline.run().wait_until_finish()
        records = pickle.loads(target.read_bytes())
    return pickle.dumps(sorted(records, key=lambda r: r.id))


def sample_commits() -> list[CommitRecord]:
    """The 13 records the strict preset keeps from the sample bundles (fresh objects every call)."""
    import pickle

    return pickle.loads(_mined_records())


def commit_like(base: CommitRecord, **changes: Any) -> CommitRecord:
    """A planted commit: the base record with a new sha (and id) unless given, plus changes."""
    sha = changes.pop("commit", None) or ("f" * 8 + base.commit[8:])
    record = dataclasses.replace(base, commit=sha, **changes)
    if "id" not in changes:
        record.id = "p" + sha[:23]
    return record


@dataclass
class StandInJudge:
    """The attributes from_judge reads, as JudgeRecord (schemas/judge.py) names them."""
    id: str
    old_contents: str
    new_contents: str
    instruction: str
    lang: str = "Python"
    license: str = "cdla-permissive-2.0"
    source: str = "judge"
    problem_id: str = "p02000"
    problem_name: str = "Sum of Digits"
    dataset: str = "codenet"
    user_id: str = "u000001"
    verdict_before: str = "Wrong Answer"
    verdict_after: str = "Accepted"
    verdict_sequence: list[str] = field(default_factory=lambda: ["Wrong Answer", "Accepted"])
    submission_before: str = "s100"
    submission_after: str = "s101"
    submission_sequence: list[str] = field(default_factory=lambda: ["s100", "s101"])
    group: str = "p02000"
    subject: str = "Fix this solution to Sum of Digits: it gets Wrong Answer."
    message: str = "Fix this solution to Sum of Digits: it gets Wrong Answer."
    old_file: str = "s100.py"
    new_file: str = "s101.py"
    author_time: datetime = datetime(2020, 1, 1, tzinfo=timezone.utc)
    time_after: datetime | None = datetime(2020, 1, 1, tzinfo=timezone.utc)
    pairing: str = "last-failure"
    step_before: int = 0
    step_after: int = 1
    message_lang: str = "en"
    old_parses: bool = True
    python_major: int = 3


def config(**sections: Any) -> AssemblyConfig:
    """AssemblyConfig with section overrides: config(near_dedup={"threshold": 0.8}, exact_dedup=False)."""
    cfg = AssemblyConfig()
    for name, value in sections.items():
        if isinstance(value, dict):
            section = getattr(cfg, name)
            for k, v in value.items():
                setattr(section, k, v)
        else:
            setattr(cfg, name, value)
    return cfg


@dataclass
class Assembled:
    samples: list[Any]
    rejects: list[Any]
    counts: dict[str, dict[str, int]]
    findings: dict[str, int]
    stats: dict[str, Any]
    entries: list[dict[str, Any]]


def assemble(records: list[Any], cfg: AssemblyConfig, out: Path | None = None) -> Assembled:
    """Run AssembleCorpus (and WriteCorpus when `out` is given) on the FnApiRunner; collect results."""
    collected = Path(tempfile.mkdtemp(prefix="assembled-"))
    pipeline = beam.Pipeline(options=PipelineOptions(BEAM_ARGS))
    result = pipeline | beam.Create(records) | AssembleCorpus(cfg)
    _dump(result["samples"], collected / "samples.pkl", "Samples")
    _dump(result["rejects"] | "AllRejects" >> beam.Flatten(pipeline=pipeline), collected / "rejects.pkl", "Rejects")
    _dump(result["stats"], collected / "stats.pkl", "Stats")
    if out is not None:
        entries = result["samples"] | WriteCorpus(str(out), cfg.output)
        _dump(entries, collected / "entries.pkl", "Entries")
    run = pipeline.run()
    run.wait_until_finish()
    import pickle
    import shutil

    def load(name: str) -> list[Any]:
        path = collected / name
        return pickle.loads(path.read_bytes()) if path.exists() else []

    try:
        stats = load("stats.pkl")
        loaded = {name: load(name) for name in ("samples.pkl", "rejects.pkl", "entries.pkl")}
    finally:
        shutil.rmtree(collected, ignore_errors=True)
    return Assembled(samples=sorted(loaded["samples.pkl"], key=lambda s: s.id),
                     rejects=sorted(loaded["rejects.pkl"], key=lambda r: (r.stage, r.key)),
                     counts=stage_counts(run.metrics()), findings=finding_counts(run.metrics()),
                     stats=stats[0] if stats else {}, entries=sorted(loaded["entries.pkl"], key=lambda e: e["file"]))


def _dump(pcoll: beam.PCollection, path: Path, label: str) -> None:
    import pickle

    def write(items: list[Any]) -> None:
        path.write_bytes(pickle.dumps(items))

    pcoll | f"Collect{label}" >> beam.combiners.ToList() | f"Write{label}" >> beam.Map(write)


def assert_balanced(counts: dict[str, dict[str, int]]) -> None:
    for stage, c in counts.items():
        rejected = sum(v for k, v in c.items() if k not in ("in", "kept"))
        assert c.get("in", 0) == c.get("kept", 0) + rejected, (stage, c)


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
