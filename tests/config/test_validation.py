"""Validation: every section checked, every problem reported at once, one sentence each."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

import run_pipeline
from config import PRESETS, Config, ConfigError, build_config, validate
from config import assembly, dump, filters, git, judge, licenses, output
from config.validation import SECTION_CHECKS


def test_every_section_is_checked_in_print_order() -> None:
    sections = [f.name for f in dataclasses.fields(Config) if f.name != "preset"]
    assert [name for name, _ in SECTION_CHECKS] == sections


def test_every_section_module_speaks_one_style() -> None:
    for module in (git, filters, licenses, judge, assembly, output):
        assert callable(module.problems), module.__name__
    assert callable(dump.bigquery_problems) and callable(dump.fetch_problems)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_are_valid(preset: str) -> None:
    assert validate(build_config(preset)) == []


def test_validate_returns_problems_instead_of_raising() -> None:
    config = Config()
    config.git.refs = ""
    config.output.compression = "lz4"
    assert validate(config) == ["config key 'git.refs' must not be empty",
                                "config key 'output.compression' must be one of zstd, snappy, gzip or none"]


def test_two_bad_values_in_different_sections_are_both_reported_in_one_error() -> None:
    with pytest.raises(ConfigError) as raised:
        build_config(overrides={"output.sort_buffer_mb": 0, "fetch.concurrency": 0})
    # In the order the config prints: fetch before output.
    assert raised.value.problems == ["config key 'fetch.concurrency' must be at least 1",
                                     "config key 'output.sort_buffer_mb' must be at least 1"]
    assert str(raised.value) == "\n".join(raised.value.problems)


def test_every_problem_of_every_section_is_reported() -> None:
    overrides = {"git.refs": "", "bigquery.method": "stream", "fetch.mode": "ftp", "filters.subject_min_words": -1,
                 "licenses.detector": "licensee", "judge.pairing": "random", "assembly.secrets.mode": "scrub",
                 "output.stop_after": "mining"}
    with pytest.raises(ConfigError) as raised:
        build_config(overrides=overrides)
    found = raised.value.problems
    assert len(found) == len(overrides)
    for key, problem in zip(overrides, found):
        assert problem.startswith(f"config key '{key}' "), problem


def test_one_problem_reads_as_it_always_did() -> None:
    with pytest.raises(ConfigError) as raised:
        build_config(overrides={"output.stop_after": "mining"})
    assert str(raised.value) == "config key 'output.stop_after' must be one of corpus, sources"
    assert raised.value.problems == [str(raised.value)]


def test_config_error_pickles_with_all_its_problems() -> None:
    error = pickle.loads(pickle.dumps(ConfigError("first problem", "second problem")))
    assert error.problems == ["first problem", "second problem"]
    assert str(error) == "first problem\nsecond problem"


def test_cli_prints_each_problem_on_its_own_line_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    rc = run_pipeline.main(["--set", "output.sort_buffer_mb=0", "--set", "fetch.concurrency=0", "--print-config"])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.out == ""
    assert captured.err.splitlines() == ["repairpack: error: config key 'fetch.concurrency' must be at least 1",
                                         "repairpack: error: config key 'output.sort_buffer_mb' must be at least 1"]


def test_cli_prints_one_problem_as_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_pipeline.main(["--set", "assembly.output.shards=0", "--print-config"]) == 2
    assert capsys.readouterr().err == \
        "repairpack: error: config key 'assembly.output.shards' must be at least 1 (or null)\n"
