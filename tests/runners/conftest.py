"""Fixtures of the runner matrix: the inputs (the shipped samples and a generated repository of a few
thousand commits), the reference build on the in-process FnApiRunner, and the services a runner
needs, each stopped with all its children when the test ends."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.runners.history import make_history
from tests.runners.services import Services

GENERATED_COMMITS = 3000
GENERATED_NAME = "acme/parts"

# Small shards and row groups, and a prompt format: more files to compare, written in parallel.
SHAPING = ["--set", "assembly.output.max_shard_rows=400", "--set", "output.row_group_rows=100",
           "--format", "chat"]


@pytest.fixture(scope="session")
def matrix_inputs(tmp_path_factory) -> list[str]:
    """The input flags: every shipped sample (bundles and CodeNet) and the generated repository."""
    from run_pipeline import sample_inputs

    repo = tmp_path_factory.mktemp("runner-matrix") / "acme" / "parts"
    make_history(repo, GENERATED_COMMITS)
    git, codenet = sample_inputs()
    flags = ["--git", *git, f"{repo}={GENERATED_NAME}"]
    if codenet:
        flags += ["--codenet", codenet]
    return flags


def build(inputs: list[str], output: Path, beam_args: list[str]) -> None:
    """One corpus build through the command line's entry, as a user runs it."""
    from run_pipeline import main

    code = main([*inputs, *SHAPING, "--output", str(output), "--no-report", "--quiet", *beam_args])
    assert code == 0, f"run_pipeline.main exited with {code} for {beam_args}"


def report(output: Path, beam_args: list[str]) -> None:
    """The statistics report of a built corpus (`run_pipeline.py report DIR`), a second Beam job on
    the same runner; it exits non-zero when the report does not reconcile with the manifest."""
    from run_pipeline import main

    code = main(["report", str(output), "--quiet", *beam_args])
    assert code == 0, f"run_pipeline.py report exited with {code} for {beam_args}"


@pytest.fixture(scope="session")
def fnapi_build(matrix_inputs, tmp_path_factory) -> Path:
    """The reference: the same inputs built by the in-process FnApiRunner, and its report."""
    output = tmp_path_factory.mktemp("fnapi") / "corpus"
    build(matrix_inputs, output, ["--runner=FnApiRunner"])
    report(output, ["--runner=FnApiRunner"])
    return output


@pytest.fixture
def services(tmp_path):
    """Services started by one test; at its end every process group is stopped, and the test fails
    if any of their processes is still alive."""
    logs = tmp_path / "service-logs"
    logs.mkdir()
    started = Services(logs)
    yield started
    left = started.stop_all()
    assert not left, "processes still running after the services were stopped:\n" + "\n".join(left)
