"""File-pair rules: sizes, emptiness, no-op commits, extensions and the character / line budget
(the rules as they run without the tokenizer), then the token budget."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from filters import content
from tests.filters.helpers import record_maker, rules_maker
from config.filters import COMMITPACK_PYTHON_EXTENSIONS, FilterConfig, filter_config_from_preset

T0 = datetime(2021, 6, 1, tzinfo=timezone.utc)
OLD = ("import json\n\n\ndef load(path):\n    with open(path) as handle:\n        return json.load(handle)\n\n\n"
       "def save(path, data):\n    with open(path, 'w') as handle:\n        json.dump(data, handle)\n")
NEW = OLD.replace("json.dump(data, handle)", "json.dump(data, handle, indent=2, sort_keys=True)")

make_record = record_maker(subject='Write sorted and indented JSON files', path="app/storage.py", commit="9" * 40,
                           old_contents=OLD, new_contents=NEW, repos=["octo/app"], author_name="Ada")
# The character budget is what runs without the `tokens` extra: these tests set no token bound.
NO_TOKENS = {"pair_min_tokens": None, "pair_max_tokens": None}


def _in_characters(cfg: FilterConfig) -> content.ContentRules:
    return content.compile_content_rules(dataclasses.replace(cfg, **NO_TOKENS))


STRICT = _in_characters(FilterConfig())
rules_with = rules_maker(_in_characters)


def test_typical_small_fix_is_kept() -> None:
    assert content.check_content(make_record(), STRICT) is None


def test_old_too_large() -> None:
    big = "x = 1\n" * 8_334  # 50,004 characters
    loose = rules_with(pair_max_chars=None, old_max_chars=49_999)  # the paper's bound (strict's is larger)
    assert content.check_content(make_record(old_contents=big, new_contents=big + "y = 2\n"), loose) == "old_too_large"
    limit = "#" * 49_998 + "\n"
    assert content.check_content(make_record(old_contents=limit, new_contents=limit + "y = 2\n"), loose) is None


def test_new_empty() -> None:
    assert content.check_content(make_record(new_contents=""), STRICT) == "new_empty"


def test_unchanged() -> None:
    assert content.check_content(make_record(new_contents=OLD), STRICT) == "unchanged"


@pytest.mark.parametrize("path", ["app/setup.cfg", "app/.py", "app/storage.pyc", "app/storage.py.orig",
                                  "scripts/run", "app/storage.pyw"])
def test_wrong_extension_in_strict(path: str) -> None:
    assert content.check_content(make_record(new_file=path), STRICT) == "wrong_extension"


def test_commitpack_extensions_accept_linguist_python_files() -> None:
    rules = _in_characters(filter_config_from_preset("commitpackft"))
    for ext in COMMITPACK_PYTHON_EXTENSIONS:
        assert content.check_content(make_record(new_file=f"tools/build{ext}"), rules) is None
    assert content.check_content(make_record(new_file="tools/build.txt"), rules) == "wrong_extension"


def test_pair_budget_stands_in_for_the_token_bound() -> None:
    tiny_old, tiny_new = "x = 1\n", "x = 2\n"
    assert content.check_content(make_record(old_contents=tiny_old, new_contents=tiny_new), STRICT) == "pair_too_small"
    large = "value = compute(value)\n" * 100  # 2,300 characters each side
    assert content.check_content(make_record(old_contents=large, new_contents=large + "done()\n"),
                                 STRICT) == "pair_too_large"
    assert content.check_content(make_record(old_contents=large, new_contents=large + "done()\n"),
                                 rules_with(pair_max_chars=None)) is None


def test_pair_budget_bounds_are_inclusive() -> None:
    half = "a" * 1_344
    assert content.check_content(make_record(old_contents=half, new_contents=half[:-1] + "b"), STRICT) is None
    assert content.check_content(make_record(old_contents=half, new_contents=half + "b"), STRICT) == "pair_too_large"


def test_line_budget() -> None:
    rules = rules_with(pair_max_lines=20)
    # OLD has 11 lines, NEW 11: 22 > 20.
    assert content.check_content(make_record(), rules) == "pair_too_many_lines"
    assert content.check_content(make_record(), rules_with(pair_max_lines=22)) is None


@pytest.mark.parametrize("text, lines", [("", 0), ("a", 1), ("a\n", 1), ("a\nb", 2), ("\n\n", 2)])
def test_line_count(text: str, lines: int) -> None:
    assert content.line_count(text) == lines


def test_none_preset_keeps_everything() -> None:
    rules = content.compile_content_rules(filter_config_from_preset("none"))
    assert not rules.active
    assert content.check_content(make_record(new_contents="", new_file="notes.txt"), rules) is None


def _split_at_newlines(text: str) -> list[str]:
    """The definition: cut after every "\n", nowhere else."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@pytest.mark.parametrize("end", ["\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_split_lines_cuts_only_at_newlines_whatever_else_the_text_holds(end: str) -> None:
    text = f"a = 1{end}b = 2\nc = '{end}'\n\nlast"
    assert content.split_lines(text) == _split_at_newlines(text)
    assert "".join(content.split_lines(text)) == text
    assert len(content.split_lines(text)) == (6 if "\n" in end else 4)


def test_split_lines_of_real_modules() -> None:
    from tests.realcode import real_sources

    sources = real_sources(60)
    assert len(sources) == 60
    for source in sources:
        for text in (source, source.rstrip("\n"), source + "\n\n", ""):
            assert content.split_lines(text) == _split_at_newlines(text)
