"""Our flags and Beam's: unknown flags refused with a suggestion, before Beam is imported."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import run_pipeline
from cli.arguments import UsageError, beam_arguments, build_parser, parse, version_line
from cli.beam_flags import collect_from_beam, installed_beam_version, shipped
from tests.paths import ROOT


def run_in_child(argv: list[str], cwd: Path = ROOT) -> dict:
    """main(argv) in a fresh interpreter; reports the exit code, the output and whether Beam was imported."""
    code = ("import io, json, sys, contextlib\n"
            "import run_pipeline\n"
            "out, err = io.StringIO(), io.StringIO()\n"
            "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
            f"    rc = run_pipeline.main({argv!r})\n"
            "print(json.dumps({'rc': rc, 'out': out.getvalue(), 'err': err.getvalue(),\n"
            "                  'beam': 'apache_beam' in sys.modules}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_a_misspelt_flag_stops_with_a_suggestion_before_beam_is_imported():
    seen = run_in_child(["--outptu", "corpus"])
    assert seen == {"rc": 2, "out": "", "beam": False,
                    "err": "repairpack: error: unknown flag --outptu; did you mean --output?\n"}


@pytest.mark.parametrize("argv, message", [
    (["--git", "/nonexistent/repo"], "the git input '/nonexistent/repo' does not exist"),
    (["--codenet", "/nonexistent/codenet"], "the CodeNet folder '/nonexistent/codenet' does not exist"),
    (["--judge-jsonl", "/dev/null"], "the --judge-jsonl file '/dev/null' is a character device, not a regular file"),
    (["--dump", "/nonexistent/*.parquet"], "no file matches the dump pattern '/nonexistent/*.parquet'"),
    (["--git", "samples/git/alice/textstats.bundle", "--output", "README.md"],
     "the output 'README.md' exists and is not a folder"),
    (["--git", "samples/git/alice/textstats.bundle", "--output", "samples"],
     "the output folder 'samples' is not empty; pass --overwrite to replace it"),
])
def test_path_errors_stop_the_run_before_beam_is_imported(argv, message):
    """Input and output paths are checked by Beam-free modules, so a wrong path costs no Beam import."""
    seen = run_in_child(argv)
    assert seen == {"rc": 2, "out": "", "beam": False, "err": f"repairpack: error: {message}\n"}


@pytest.mark.parametrize("argv, message", [
    (["--stop_after", "sources"], "unknown flag --stop_after; did you mean --stop-after?"),
    (["--temp-location=gs://b/t"], "unknown flag --temp-location; did you mean --temp_location?"),
    (["--out", "x"], "unknown flag --out; did you mean --output?"),
    (["--frobnicate"], "unknown flag --frobnicate"),
    (["corpus"], "unexpected argument 'corpus'"),
    (["-x"], "unexpected argument '-x'"),
    (["--shards", "many"], "argument --shards: invalid int value: 'many'"),
])
def test_usage_errors_are_one_sentence(argv, message):
    with pytest.raises(UsageError) as caught:
        parse(build_parser(), argv)
    assert str(caught.value) == message


def test_beam_flags_pass_in_every_form_and_anything_after_a_bare_double_dash():
    args, beam = parse(build_parser(), [
        "--runner", "DirectRunner", "--direct_num_workers=2", "--save_main_session", "--output", "o",
        "--project", "p", "--", "--flag_of_a_plugin", "x", "loose"])
    assert args.output == "o"
    assert beam == ["--runner", "DirectRunner", "--direct_num_workers=2", "--save_main_session", "--project", "p",
                    "--flag_of_a_plugin", "x", "loose"]
    # A switch never takes the next token; a value flag always does.
    assert beam_arguments(["--save_main_session", "--runner", "--x"], build_parser()) == \
        ["--save_main_session", "--runner", "--x"]


def test_version_prints_the_package_and_beam_versions():
    seen = run_in_child(["--version"])
    assert seen["rc"] == 0 and not seen["beam"]
    assert seen["out"] == version_line() + "\n"
    assert seen["out"].startswith("repairpack 0.") and f"(apache-beam {installed_beam_version()})" in seen["out"]


def test_the_shipped_beam_flag_list_is_the_installed_beams():
    version, flags = shipped()
    assert version == installed_beam_version(), "regenerate it: python -m cli.beam_flags"
    assert flags == collect_from_beam()
    assert flags["--runner"] == "value" and flags["--save_main_session"] == "none"


def test_a_broken_yaml_config_names_the_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("filters:\n  subject_min_words: 3\n  drop_tags: [tests,\n")
    seen = run_in_child(["--config", str(bad)])
    assert seen["rc"] == 2 and not seen["beam"]
    assert seen["err"] == (f"repairpack: error: the config file '{bad}' is not valid YAML at line 4, column 1: "
                           "expected the node content, but found '<stream end>'\n")


def test_a_run_without_inputs_never_replaces_a_folder_it_did_not_build(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"inputs": {"git": [], "judge": {"codeforces": "cf.json"}}}))
    seen = run_in_child([], cwd=tmp_path)
    assert seen["rc"] == 2
    assert seen["err"] == ("repairpack: error: no input given, so this run would build the samples into ./out, "
                           "which holds other data; pass --output DIR, or --overwrite to replace it\n")
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_what_counts_as_an_earlier_sample_build(tmp_path):
    from beam_jobs.pipeline import Inputs

    specs, codenet = run_pipeline.sample_inputs()
    assert specs and codenet
    # As the manifest records them: each with its location, name and what named it.
    git = Inputs(git=specs).to_dict()["git"]
    assert [g["name"] for g in git] == ["alice/textstats", "bob/textstats", "carol/csvkit-lite"]

    def holds(inputs: dict) -> bool:
        (tmp_path / "manifest.json").write_text(json.dumps({"inputs": inputs}))
        return run_pipeline._holds_sample_build(str(tmp_path))

    assert holds({"git": git, "judge": {"codenet": codenet}, "shards": [], "dump": [], "bigquery_table": None})
    assert holds({"git": list(reversed(git)), "judge": {"codenet": codenet}})
    assert not holds({"git": git[:-1], "judge": {"codenet": codenet}})
    assert not holds({"git": git, "judge": {"codenet": codenet, "aoj": "a.json"}})
    assert not holds({"git": git, "judge": {"codenet": codenet}, "dump": ["d/*.parquet"]})
    # A manifest of an older version, which listed the specs as given.
    assert holds({"git": specs, "judge": {"codenet": codenet}})
    assert holds({"git": [s.split("=")[0] for s in specs], "judge": {"codenet": codenet}})
    (tmp_path / "manifest.json").write_text("not json")
    assert not run_pipeline._holds_sample_build(str(tmp_path))


def test_the_apitools_warning_of_a_plain_install_is_quiet(caplog):
    """Beam logs it on the root logger when the Google Cloud clients are missing; nothing else goes."""
    import logging

    run_pipeline._quiet_cloud_logging()
    with caplog.at_level(logging.WARNING):
        logging.warning("apitools not found, and bigquery client libraries are not available despite the "
                        "import not raising an ImportError.")
        logging.warning("a warning of the user's own")
    assert [r.getMessage() for r in caplog.records] == ["a warning of the user's own"]
