"""Loading: preset, then YAML, then overrides; type checks that gather every mistake before raising."""
from __future__ import annotations

from typing import Any

import pytest

from config import ConfigError, build_config, config_to_yaml
from config.loading import _check_value


def problems_of(**kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        build_config(**kwargs)
    return raised.value.problems


def test_layers_apply_in_order_preset_yaml_overrides() -> None:
    config = build_config("none", "preset: commitpackft\ngit:\n  refs: head\nfilters:\n  subject_min_words: 3\n",
                          {"filters.subject_min_words": 6})
    assert config.preset == "commitpackft"          # the file's preset wins over the argument
    assert config.filters.published_bugs is True    # from the preset
    assert config.git.refs == "head"                # from the file
    assert config.filters.subject_min_words == 6    # the override wins over the file


def test_printed_config_loads_back_into_the_same_config() -> None:
    config = build_config("commitpackft", overrides={"assembly.output.shards": 3})
    assert build_config(yaml_text=config_to_yaml(config)) == config


def test_type_errors_of_every_layer_are_gathered() -> None:
    found = problems_of(yaml_text="git:\n  include_pull_refs: 'yes'\n  nope: 1\n",
                        overrides={"output.row_group_rows": "big"})
    assert found[0] == "config key 'git.include_pull_refs' must be true or false, not 'yes'"
    assert found[1].startswith("unknown config key 'git.nope' (known: ")
    assert found[2] == "config key 'output.row_group_rows' must be a whole number, not 'big'"
    assert len(found) == 3


def test_type_errors_come_before_validation_problems() -> None:
    assert problems_of(overrides={"assembly.output.shards": 0, "judge.max_code_bytes": "lots"}) == [
        "config key 'judge.max_code_bytes' must be a whole number, not 'lots'",
        "config key 'assembly.output.shards' must be at least 1 (or null)"]


def test_a_mistyped_key_keeps_its_earlier_value_so_the_rest_still_validates() -> None:
    # The override is refused; the preset's valid value stays, so nothing else is reported.
    assert problems_of(overrides={"filters.subject_min_words": "five"}) == [
        "config key 'filters.subject_min_words' must be a whole number, not 'five'"]


def test_mistakes_that_stop_loading_at_once() -> None:
    assert problems_of(yaml_text="a: [")[0].startswith("the config file is not valid YAML at line 1, column 5: ")
    assert problems_of(yaml_text="- a\n- b\n") == ["the config file must hold a mapping of keys to values"]
    assert problems_of(preset="fancy") == ["unknown preset 'fancy' (known: commitpackft, none, strict)"]
    assert problems_of(yaml_text="preset: [strict]\n") == [
        "unknown preset '['strict']' (known: commitpackft, none, strict)"]


def test_a_section_must_be_a_mapping() -> None:
    assert problems_of(yaml_text="git: head\n") == ["config section 'git' must be a mapping, not 'head'"]


@pytest.mark.parametrize("value, tp, expected", [
    (True, bool, True), (3, int, 3), (3, float, 3.0), (2.5, float, 2.5), ("x", str, "x"),
    (None, int | None, None), ([".py"], list[str], [".py"]), ({"a": 1}, dict[str, int], {"a": 1}),
])
def test_check_value_accepts_and_converts(value: object, tp: object, expected: object) -> None:
    checked = _check_value("k", value, tp)
    assert checked == expected and type(checked) is type(expected)


@pytest.mark.parametrize("value, tp, message", [
    (1, bool, "config key 'k' must be true or false, not 1"),
    (True, int, "config key 'k' must be a whole number, not True"),
    (True, float, "config key 'k' must be a number, not True"),
    (3, str, "config key 'k' must be a string, not 3"),
    ("a", list[str], "config key 'k' must be a list, not 'a'"),
    ([1], list[str], "config key 'k[0]' must be a string, not 1"),
    ([], dict[str, int], "config key 'k' must be a mapping, not []"),
    (1, bytes, "config key 'k' has an unsupported type bytes"),
])
def test_check_value_names_the_key_and_the_type(value: object, tp: object, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _check_value("k", value, tp)
    assert str(raised.value) == message


def test_a_bare_off_in_yaml_is_the_word_off_for_a_text_key():
    """YAML 1.1 reads `mode: off` as false; the key takes words, so it means the word."""
    assert build_config(yaml_text="judge:\n  verify:\n    mode: off\n").judge.verify.mode == "off"
    assert build_config("strict", overrides={"judge.verify.mode": False}).judge.verify.mode == "off"
    with pytest.raises(ConfigError) as caught:
        build_config("strict", overrides={"judge.verify.mode": True})
    assert caught.value.problems == ["config key 'judge.verify.mode' must be one of off, annotate, require, not 'on'"]
