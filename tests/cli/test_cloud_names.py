"""Cloud names checked before Beam touches the network, and the Dataflow dry run from the CLI."""
from __future__ import annotations

import pytest

import run_pipeline
from cli.cloud_names import bucket_problem, cloud_names_problem, flag_values, is_dry_run, project_problem
from tests.cli.test_arguments import run_in_child

DATAFLOW = ["--runner=DataflowRunner", "--dry_run=True", "--region=us-central1"]


@pytest.mark.parametrize("bucket, problem", [
    ("demo-bucket", None), ("a.b.c", None), ("my_bucket-1", None), ("x" * 63, None),
    ("ab", "must be 3 to 63 characters long (222 with dots)"),
    ("x" * 64, "must be 3 to 63 characters long (222 with dots)"),
    ("Bad_Bucket", "may hold only lowercase letters, digits, dashes, underscores and dots, and must start and "
                   "end with a letter or digit"),
    ("-lead", "may hold only lowercase letters, digits, dashes, underscores and dots, and must start and "
              "end with a letter or digit"),
    ("a..b", "must have dot-separated parts of 1 to 63 characters"),
    ("goog-data", "may not start with 'goog' or contain 'google'"),
    ("my-google-data", "may not start with 'goog' or contain 'google'"),
    ("192.168.1.1", "may not be an IP address"),
])
def test_bucket_names(bucket, problem):
    assert bucket_problem(bucket) == problem


@pytest.mark.parametrize("project, ok", [("demo-project", True), ("example.com:my-proj", True),
                                         ("Demo_Project", False), ("short", False), ("1project", False),
                                         ("ends-with-", False), ("x" * 31, False)])
def test_project_ids(project, ok):
    assert (project_problem(project) is None) == ok


def test_flag_values_in_both_forms_and_several_dump_patterns():
    argv = ["--project", "p1", "--temp_location=gs://b/t", "--dump", "gs://x/a", "gs://y/b", "--quiet"]
    assert flag_values(argv, ("--project", "--temp_location", "--dump")) == [
        ("--project", "p1"), ("--temp_location", "gs://b/t"), ("--dump", "gs://x/a"), ("--dump", "gs://y/b")]
    assert is_dry_run(["--dry_run=True"]) and is_dry_run(["--dry_run", "true"]) and not is_dry_run(["--dry_run=False"])
    assert cloud_names_problem(["--dump", "gs://ok-bucket/a", "gs://Bad/b"]) == (
        "--dump 'gs://Bad/b': the bucket name 'Bad' may hold only lowercase letters, digits, dashes, underscores "
        "and dots, and must start and end with a letter or digit")


@pytest.mark.parametrize("extra, message", [
    (["--project=Demo_Project", "--temp_location=gs://demo-bucket/tmp"],
     "--project 'Demo_Project': a project id must be 6 to 30 lowercase letters, digits or hyphens, start with a "
     "letter and not end with a hyphen"),
    (["--project=demo-project", "--temp_location=gs://Demo/tmp"],
     "--temp_location 'gs://Demo/tmp': the bucket name 'Demo' may hold only lowercase letters, digits, dashes, "
     "underscores and dots, and must start and end with a letter or digit"),
    (["--project=demo-project", "--temp_location=gs://demo-bucket/tmp", "--output", "gs://google-out/corpus"],
     "--output 'gs://google-out/corpus': the bucket name 'google-out' may not start with 'goog' or contain 'google'"),
])
def test_bad_names_stop_the_dry_run_before_beam_is_imported(extra, message):
    seen = run_in_child([*DATAFLOW, *extra])
    assert seen == {"rc": 2, "out": "", "beam": False, "err": f"repairpack: error: {message}\n"}


def test_the_dataflow_dry_run_of_the_samples_from_the_cli(monkeypatch, capsys):
    """The graph of the sample build is translated by the Dataflow runner: no metrics are asked of a
    result that has none, nothing is written, and the line says what was checked."""
    pytest.importorskip("apitools", reason="apache-beam[gcp] provides the Dataflow runner")
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    rc = run_pipeline.main([*DATAFLOW, "--project=demo-project", "--temp_location=gs://demo-bucket/tmp",
                            "--output", "gs://demo-bucket/corpus"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith("dry run: ") and out.endswith(
        " transforms built and translated for DataflowRunner (DONE); nothing was submitted, read or written, so "
        "there are no counts and no output in gs://demo-bucket/corpus\n")
    assert int(out.split()[2]) > 300
