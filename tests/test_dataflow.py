"""The pipeline translates for Dataflow offline: proof that every DoFn and its config pickle."""
from __future__ import annotations

from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.sources.judge.inputs import JudgeInputs
from beam_jobs.pipeline import Inputs, build
from config import build_config
from tests.paths import ROOT

CODENET = ROOT / "samples" / "judge" / "codenet"

pytest.importorskip("apitools", reason="apache-beam[gcp] provides the Dataflow runner")


@pytest.mark.parametrize("fetch", ["clone", "raw"])
def test_dataflow_dry_run_builds_every_stage(monkeypatch, fetch):
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    options = PipelineOptions(["--runner=DataflowRunner", "--dry_run=True", "--project=demo-project",
                               "--region=us-central1", "--temp_location=gs://demo-bucket/tmp"])
    pipeline = beam.Pipeline(options=options)
    inputs = Inputs(git=["https://github.com/octo/hello.git"], judge=JudgeInputs(codenet=str(CODENET)),
                    dump=["gs://demo-bucket/export/candidates-*.parquet"],
                    bigquery_table="demo-project.scratch.candidates_0123")
    build(pipeline, inputs, build_config("strict", overrides={"fetch.mode": fetch}), "gs://demo-bucket/out/.staging-test",
          report=True)
    names = {t.unique_name for t in pipeline.to_runner_api().components.transforms.values()}
    for expected in ("MineGit/ListCommits", "MineGit/GroupForks", "MineGit/MineCommits",
                     "MineGit/Filter[git.filters]", "MineGit/Annotate",
                     "GithubDump/ReadDump", "GithubDump/ReadFromBigQuery", "GithubDump/CheckRows",
                     "GithubDump/Fetch", "GithubDump/Filter[bigquery.filters]", "GithubDump/Annotate",
                     "Judge/ReadCodenet", "Judge/SelectSubmissions", "Judge/GroupSequences", "Judge/FixSequences",
                     "Assemble/ExactDedup", "Assemble/NearDedup", "Assemble/Decontaminate", "Assemble/Secrets",
                     "Assemble/ForkFamilies", "Assemble/GroupForks", "Assemble/Split", "WriteCorpus/Data/Write",
                     "Shards[rejects/rejects]/Write", "WriteShardList", "Report/ReadData", "Report/Combine",
                     "Report/WriteResults"):
        assert expected in names, expected
    result = pipeline.run()
    assert result.state == "DONE"


def test_dataflow_dry_run_of_a_run_that_stops_after_the_sources(monkeypatch):
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    options = PipelineOptions(["--runner=DataflowRunner", "--dry_run=True", "--project=demo-project",
                               "--region=us-central1", "--temp_location=gs://demo-bucket/tmp"])
    pipeline = beam.Pipeline(options=options)
    inputs = Inputs(git=["https://github.com/octo/hello.git"], judge=JudgeInputs(codenet=str(CODENET)),
                    dump=["gs://demo-bucket/export/candidates-*.parquet"])
    build(pipeline, inputs, build_config("strict", overrides={"output.stop_after": "sources"}),
          "gs://demo-bucket/out/.staging-test")
    names = {t.unique_name for t in pipeline.to_runner_api().components.transforms.values()}
    for expected in ("MineGit/InWalkOrder", "Shards[data/commits]/Write", "Shards[data/judge]/Write",
                     "Shards[rejects/rejects]/Write", "WriteShardList"):
        assert expected in names, expected
    assert not [n for n in names if n.startswith(("Assemble", "WriteCorpus"))]
    assert pipeline.run().state == "DONE"




def test_setup_file_route_builds_an_sdist_with_every_package(tmp_path):
    """`--setup_file ./setup.py` makes Beam's stager build this sdist; workers pip-install it."""
    import tarfile

    from apache_beam.runners.portability.stager import Stager

    sdist = Stager._build_setup_package(str(ROOT / "setup.py"), str(tmp_path))
    names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    for expected in ("setup.py", "pyproject.toml", "run_pipeline.py", "beam_jobs/pipeline.py",
                     "beam_jobs/sources/dump/source.py", "filters/verbs.txt", "licenses/allow.py", "schemas/candidate.py"):
        assert expected in names, expected
    assert not any(n.startswith(("tests/", "samples/", "bench/")) for n in names)


def test_dockerfile_base_image_matches_the_installed_beam_and_copies_every_package():
    from importlib import metadata
    import re
    import sys
    import tomllib

    text = (ROOT / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    assert args["BEAM_VERSION"] == metadata.version("apache-beam")
    assert args["PYTHON_VERSION"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert "FROM apache/beam_python${PYTHON_VERSION}_sdk:${BEAM_VERSION}" in text
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = [pattern.rstrip("*") for pattern in found["include"]]
    assert sorted(packages) == ["beam_jobs", "cli", "config", "filters", "licenses", "schemas"]
    for package in packages:
        assert f"COPY {package} ./{package}" in text, package
