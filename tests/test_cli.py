"""The command line: Beam-style flags, config printing, and user errors as one sentence."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

import run_pipeline
from config import ConfigError, build_config
from tests.gitbuild import RepoBuilder
from tests.paths import ROOT



def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


def error_line(proc: subprocess.CompletedProcess) -> str:
    lines = [l for l in proc.stderr.splitlines() if l.startswith("repairpack: error:")]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_print_config_shows_effective_values(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("preset: commitpackft\ngit:\n  refs: head\n")
    proc = cli("--config", str(cfg), "--shards", "4", "--set", "filters.subject_min_words=6", "--print-config")
    assert proc.returncode == 0, proc.stderr
    printed = yaml.safe_load(proc.stdout)
    assert printed["preset"] == "commitpackft"
    assert printed["git"]["refs"] == "head"
    assert printed["assembly"]["output"]["shards"] == 4
    assert printed["filters"]["subject_min_words"] == 6
    assert printed["filters"]["published_bugs"] is True
    assert printed["licenses"]["allow_list"] == "commitpack"
    # What is printed loads back into the same config.
    assert build_config(yaml_text=proc.stdout) == build_config("commitpackft", overrides={
        "git.refs": "head", "assembly.output.shards": 4, "filters.subject_min_words": 6})


def test_user_errors_stop_before_the_pipeline_with_one_sentence(tmp_path):
    assert error_line(cli("--git", str(tmp_path / "missing"), "--output", str(tmp_path / "o"))) == \
        f"repairpack: error: the git input '{tmp_path / 'missing'}' does not exist"
    (tmp_path / "plain").mkdir()
    assert error_line(cli("--git", str(tmp_path / "plain"))) == \
        f"repairpack: error: the git input '{tmp_path / 'plain'}' is not a git repository"
    assert error_line(cli("--preset", "fancy", "--print-config")) == \
        "repairpack: error: unknown preset 'fancy' (known: commitpackft, none, strict)"
    assert error_line(cli("--set", "assembly.output.shards=0", "--print-config")) == \
        "repairpack: error: config key 'assembly.output.shards' must be at least 1 (or null)"
    assert error_line(cli("--set", "git.nope=1", "--print-config")).startswith(
        "repairpack: error: unknown config key 'git.nope'")
    assert error_line(cli("--config", str(tmp_path / "none.yaml"))) == \
        f"repairpack: error: the config file '{tmp_path / 'none.yaml'}' does not exist"
    assert error_line(cli("--git", "@" + str(tmp_path / "list.txt"))) == \
        f"repairpack: error: the list file '{tmp_path / 'list.txt'}' does not exist"


def test_config_type_errors_name_the_key():
    for overrides, message in [
        ({"git.include_pull_refs": "yes"}, "config key 'git.include_pull_refs' must be true or false, not 'yes'"),
        ({"output.row_group_rows": "big"}, "config key 'output.row_group_rows' must be a whole number, not 'big'"),
        ({"output.sort_buffer_mb": 0}, "config key 'output.sort_buffer_mb' must be at least 1"),
        ({"licenses.allow_list": "all"}, "config key 'licenses.allow_list' must be one of permissive, commitpack, any, not 'all'"),
    ]:
        try:
            build_config(overrides=overrides)
        except ConfigError as exc:
            assert str(exc) == message
        else:
            raise AssertionError(f"{overrides} was accepted")


def test_refuses_to_overwrite_a_non_empty_output(tmp_path):
    b = RepoBuilder(tmp_path / "alice" / "proj")
    b.commit({"a.py": "x = 1\n"}, "Initial commit")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = cli("--git", str(b.path), "--output", str(out))
    assert error_line(proc) == f"repairpack: error: the output folder '{out}' is not empty; pass --overwrite to replace it"
    assert (out / "keep.txt").read_text() == "mine"


def test_list_file_and_beam_flags_pass_through(tmp_path, capsys):
    b = RepoBuilder(tmp_path / "alice" / "proj")
    b.commit({"a.py": "x = 1\n"}, "Initial commit")
    b.commit({"a.py": "x = 2\n"}, "Set x to two everywhere")
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# my repositories\n{b.path}\n\n")
    out = tmp_path / "out"
    rc = run_pipeline.main(["--git", f"@{listing}", "--output", str(out), "--preset", "none",
                            "--direct_num_workers=1", "--direct_running_mode=in_memory"])
    assert rc == 0
    printed = capsys.readouterr().out
    # One line per stage: in, kept, rejected, the reasons.
    assert [l.split() for l in printed.splitlines() if l.startswith("git.commit")] == [
        ["git.commit", "2", "1", "1", "root_commit", "1"]]
    assert "1 samples (train 1) in 1 shard(s), 1 rejects" in printed
    assert (out / "manifest.json").is_file()
    assert run_pipeline.with_default_runner(["--runner=DataflowRunner"]) == ["--runner=DataflowRunner"]
    assert run_pipeline.with_default_runner([]) == ["--runner=FnApiRunner"]


def test_print_sql_prints_the_query_for_the_effective_config_and_exits():
    proc = cli("--bigquery", "--print-sql", "--preset", "commitpackft", "--sample", "0.25")
    assert proc.returncode == 0, proc.stderr
    assert "FROM `bigquery-public-data.github_repos.commits`" in proc.stdout
    assert "'agpl-3.0'" in proc.stdout  # the commitpack allow list, written in for review
    assert "@" not in proc.stdout.replace("@example", "")  # every parameter is inlined
    assert error_line(cli("--bigquery", "--print-sql", "--sample", "2")) == \
        "repairpack: error: --sample takes a fraction between 0 and 1"


def test_bigquery_without_credentials_stops_in_one_sentence_before_any_query(tmp_path):
    import os

    env = {**os.environ, "NO_GCE_CHECK": "True", "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")}
    proc = subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), "--bigquery", "--max-bytes-billed", "1TB",
                           "--output", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=env)
    assert proc.returncode == 2
    assert error_line(proc) == ("repairpack: error: no Google Cloud credentials found; run 'gcloud auth "
                                "application-default login' or set GOOGLE_APPLICATION_CREDENTIALS")
    assert not (tmp_path / "out").exists()
    # The estimate alone (no --max-bytes-billed) never looks at the output folder, even a used one.
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "manifest.json").write_text("{}")
    proc = subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), "--bigquery", "--output",
                           str(tmp_path / "used")], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert error_line(proc).startswith("repairpack: error: no Google Cloud credentials found")


def test_bigquery_flags_land_in_the_config(tmp_path):
    proc = cli("--bq-project", "my-proj", "--max-bytes-billed", "2TiB", "--sample", "0.1", "--fetch", "raw",
               "--print-config")
    assert proc.returncode == 0, proc.stderr
    printed = yaml.safe_load(proc.stdout)
    assert printed["bigquery"]["project"] == "my-proj"
    assert printed["bigquery"]["max_bytes_billed"] == 2 << 40
    assert printed["bigquery"]["sample"] == 0.1
    assert printed["fetch"]["mode"] == "raw"
    assert error_line(cli("--max-bytes-billed", "lots", "--print-config")) == (
        "repairpack: error: --max-bytes-billed: 'lots' is not a byte count such as 500000000, 500GB or 2TiB")
    assert error_line(cli("--set", "fetch.mode=ftp", "--print-config")) == (
        "repairpack: error: config key 'fetch.mode' must be one of clone, raw, not 'ftp'")


def test_print_sql_config_values_the_query_cannot_take_are_one_sentence():
    assert error_line(cli("--print-sql", "--set", "git.extensions=[]")) == (
        "repairpack: error: config key 'git.extensions' must not be empty for a BigQuery query")
    assert error_line(cli("--print-sql", "--set", "bigquery.dataset=my$proj.gh")) == (
        "repairpack: error: BigQuery project name 'my$proj' holds characters outside letters, digits, '-' and '_'")


def test_the_summary_names_the_binding_rules_when_under_one_percent_survive(tmp_path, capsys):
    """Issue 14: the end of a run says which rules bind and which setting to change."""
    from samples.licenses_text import MIT_LICENSE

    b = RepoBuilder(tmp_path / "acme" / "billing")
    body = "def handler(event):\n    return event\n" + "".join(f"LIMIT_{i} = {i}\n" for i in range(400))
    b.commit({"LICENSE": MIT_LICENSE, "billing/limits.py": body}, "Start the billing package")
    subjects = ["Raise the first limit", "Raise the second limit", "Lower every limit in the table by one"]
    for i, subject in enumerate(subjects):
        body = body.replace(f"LIMIT_{i} = {i}\n", f"LIMIT_{i} = {i + 100}\n")
        b.commit({"LICENSE": MIT_LICENSE, "billing/limits.py": body}, subject)
    out = tmp_path / "out"
    rc = run_pipeline.main(["--git", str(b.path), "--output", str(out), "--no-report", "--preset", "commitpackft",
                            "--set", "licenses.detector=text"])
    assert rc == 0
    printed = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(printed) if line.startswith("git.filters kept 0 of 3 records"))
    rules = printed[start + 1:start + 3]
    # Every record is far over the pair budget; two subjects are short as well, and are counted there
    # first: the first reasons name the subject, the hint names the budget.
    assert rules[0].startswith("  pair_too_large: 3 fail it, 1 fail only it; change filters.")
    assert rules[1].startswith("  subject_too_few_words: 2 fail it, 0 fail only it; change filters.subject_min_words")
