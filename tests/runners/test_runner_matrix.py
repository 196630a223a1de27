"""The runner matrix: the corpus built on other Beam runners, through the command line's entry, is
byte for byte the FnApiRunner's build of the same inputs (the shipped samples and a generated
repository of a few thousand commits), with the same counts; so is its statistics report, run on the
same runner.

Each runner gets its Python work from an external worker pool (`worker_pool_main`), which starts
every SDK worker as its own process: records, side inputs, tagged outputs and counters cross process
boundaries through the Fn API, as on a cluster. The runners:

- `fnapi_multi_processing`: the FnApiRunner with two SDK worker subprocesses, each stage's input
  partitioned over them (no worker pool: the runner starts its own).
- `local_job_service`: Beam's Python job service (`local_job_service_main`) behind the PortableRunner:
  the portable job API, artifact staging, and metrics that come back through the job service.
- `flink`: Apache Flink, a session cluster of one JobManager and two TaskManagers (separate JVMs on
  loopback) behind Beam's Flink job server, parallelism 2. Skipped, saying so, while the Maven registry
  this machine reaches does not serve Beam's job server jar (see tests/runners/flink.py).
- `prism`: Beam's Go runner Prism (built with `go install` at the installed Beam's version), behind the
  PortableRunner: another engine's fusion, bundling, shuffles and side-input materialisation.

docs/runners.md says what each proves and how long each takes.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.runners import flink
from tests.runners.conftest import build, report
from tests.runners.services import REPO_ROOT, Services, free_port, prism_binary, python_env


def start_worker_pool(services: Services) -> tuple[int, Path]:
    port = free_port()
    pool = services.start("worker-pool", [sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                                          f"--service_port={port}"], env=python_env(), cwd=REPO_ROOT)
    pool.wait_for_port(port)
    return port, pool.log


def start_local_job_service(services: Services, tmp_path: Path) -> int:
    port = free_port()
    staging = tmp_path / "job-staging"
    staging.mkdir()
    job = services.start("local-job-service", [sys.executable, "-m",
                                               "apache_beam.runners.portability.local_job_service_main",
                                               f"--port={port}", f"--staging_dir={staging}"],
                         env=python_env(), cwd=REPO_ROOT)
    job.wait_for_port(port)
    return port


def start_prism(services: Services) -> int:
    binary = prism_binary()
    port = free_port()
    prism = services.start("prism", [str(binary), "--job_port", str(port), "--serve_http=false",
                                     "--log_level", "warn"], cwd=REPO_ROOT)
    prism.wait_for_port(port)
    return port


def shard_files(output: Path) -> list[str]:
    """Every file the corpus consists of: those the manifest's shard entries list, and every Parquet
    file under data/ and rejects/ (so a stray shard the manifest misses is caught too)."""
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["file"] for entry in manifest["shards"]}
    on_disk = {str(p.relative_to(output)) for folder in ("data", "rejects") for p in (output / folder).rglob("*.parquet")}
    return sorted(listed | on_disk)


# The manifest's parts that a build's records decide (the rest names inputs, config and packages,
# which are the same for both builds by construction).
MANIFEST_COUNTS = ("counts", "counts_by_source", "also_failed", "only_failed", "secrets_findings", "rows",
                   "stats", "split_balance", "data_files", "shards")


def assert_same_corpus(reference: Path, built: Path) -> None:
    ref_files, got_files = shard_files(reference), shard_files(built)
    assert got_files == ref_files
    differing = [f for f in ref_files if (reference / f).read_bytes() != (built / f).read_bytes()]
    assert not differing, f"shards differ from the FnApiRunner's: {differing}"
    ref = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    got = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    for key in MANIFEST_COUNTS:
        assert got[key] == ref[key], f"manifest.json '{key}' differs from the FnApiRunner's"
    assert (built / "README.md").read_bytes() == (reference / "README.md").read_bytes()


# The statistics report's files (report.html embeds the plots; report_plots/ holds them as SVG).
REPORT_FILES = ("stats.json", "report.md", "report.html")


def assert_same_report(reference: Path, built: Path) -> None:
    files = [*REPORT_FILES, *(str(p.relative_to(reference)) for p in sorted((reference / "report_plots").iterdir()))]
    assert sorted(p.name for p in (built / "report_plots").iterdir()) == \
        sorted(p.name for p in (reference / "report_plots").iterdir())
    differing = [f for f in files if (reference / f).read_bytes() != (built / f).read_bytes()]
    assert not differing, f"the report differs from the FnApiRunner's: {differing}"


def workers_started(pool_log: Path) -> int:
    return pool_log.read_text(encoding="utf-8", errors="replace").count("Starting worker with command")


def test_reference_build_is_substantial(fnapi_build):
    """The comparison means something: samples of the generated repository and of the shipped
    samples, several shards, rejects of many reasons."""
    manifest = json.loads((fnapi_build / "manifest.json").read_text(encoding="utf-8"))
    samples = sum(manifest["rows"]["default"].values())
    assert samples > 2000
    assert sum(1 for e in manifest["shards"] if e["config"] == "default") >= 5
    assert manifest["counts"]["git.repository"]["in"] >= 3
    assert manifest["counts"]["judge.read"]["in"] > 0
    reasons = {r for stage in manifest["counts"].values() for r in stage if r not in ("in", "kept")}
    assert len(reasons) >= 6


def test_flink_session_cluster(services, tmp_path):
    """The cluster the Flink build runs on: one JobManager and two TaskManagers, each its own JVM,
    registered with each other over loopback, of the Flink version asked for; stopped, none is left
    (the `services` fixture checks)."""
    cluster = flink.FlinkCluster(services, tmp_path)
    overview = cluster.overview()
    assert (overview["taskmanagers"], overview["slots-total"]) == (flink.TASKMANAGERS, flink.TASKMANAGERS)
    assert overview["flink-version"] == flink.FLINK_VERSION
    pids = {s.proc.pid for s in services.started}
    assert len(pids) == 1 + flink.TASKMANAGERS


def test_fnapi_multi_processing_builds_the_fnapi_corpus(fnapi_build, matrix_inputs, tmp_path):
    """The FnApiRunner with two SDK worker processes (`--direct_running_mode=multi_processing`, as the
    README suggests for both cores): each stage's input is partitioned over the two workers, whose
    counters come back to the launcher over the Fn API."""
    output = tmp_path / "corpus"
    beam_args = ["--runner=FnApiRunner", "--direct_running_mode=multi_processing", "--direct_num_workers=2"]
    build(matrix_inputs, output, beam_args)
    assert_same_corpus(fnapi_build, output)
    report(output, beam_args)
    assert_same_report(fnapi_build, output)


@pytest.mark.parametrize("runner", ["local_job_service", "prism", "flink"])
def test_runner_builds_the_fnapi_corpus(runner, services, tmp_path, request):
    if runner == "flink":
        jar = flink.job_server_jar()  # first: without the jar, nothing is built or started
    fnapi_build, matrix_inputs = request.getfixturevalue("fnapi_build"), request.getfixturevalue("matrix_inputs")
    pool_port, pool_log = start_worker_pool(services)
    if runner == "local_job_service":
        job_port = start_local_job_service(services, tmp_path)
        extra = []
    elif runner == "prism":
        job_port = start_prism(services)
        extra = []
    else:
        cluster = flink.FlinkCluster(services, tmp_path)
        job_port = flink.start_job_server(services, jar, cluster.master)
        extra = [f"--parallelism={flink.TASKMANAGERS}"]
    output = tmp_path / "corpus"
    beam_args = ["--runner=PortableRunner", f"--job_endpoint=127.0.0.1:{job_port}",
                 "--environment_type=EXTERNAL", f"--environment_config=127.0.0.1:{pool_port}", *extra]
    try:
        build(matrix_inputs, output, beam_args)
        assert_same_corpus(fnapi_build, output)
        report(output, beam_args)
    except BaseException:
        print(services.logs_text(), file=sys.stderr)
        raise
    # The Python work ran in the pool's worker processes, not in this one.
    assert workers_started(pool_log) >= 1
    assert_same_report(fnapi_build, output)
