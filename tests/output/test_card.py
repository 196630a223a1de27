"""The dataset card's tags section (issue 14): samples per tag and source, what each tag means, and the
records dropped for a tag."""
from __future__ import annotations

from beam_jobs.output.card import TAG_MEANINGS, render_card
from config import build_config, config_to_dict
from filters.tags import TAGS


def card(tags, counts, preset="strict"):
    config = build_config(preset)
    stats = {"sources": {"commit": 3, "judge": 2}, "splits": {"train": {"commit": 3, "judge": 2}},
             "licenses": {"mit": 5}, "langs": {"Python": 5}, "tags": tags}
    return render_card(entries=[], stats=stats, counts=counts, config=config_to_dict(config),
                       assembly=config.assembly)


def test_samples_per_tag_in_tag_order_with_their_meaning():
    text = card({"redacted": {"judge": 1}, "test_file": {"commit": 2}, "syntax_error_before": {"commit": 1, "judge": 2}},
                {"git.filters": {"in": 9, "kept": 3, "tag_formatting_only": 4, "tag_version_bump": 1,
                                 "message_too_short": 1}})
    section = text[text.index("### Tags"):text.index("## Licenses")]
    assert section.splitlines()[4:9] == [
        "| tag | commit | judge | total | meaning |", "|---|---|---|---|---|",
        "| `test_file` | 2 | 0 | 2 | the file is a test (under `tests/` or `test/`, or `test_*.py`, `*_test.py`, "
        "`conftest.py`) |",
        "| `syntax_error_before` | 1 | 2 | 3 | the code before does not parse (a syntax-error fix) |",
        "| `redacted` | 0 | 1 | 1 | a secret or personal datum in the sample was replaced by a placeholder |"]
    assert ("Dropped before assembly for a tag (`filters.drop_tags`): `formatting_only` 4, `version_bump` 1, "
            "`syntax_error_after` 0.") in section


def test_no_tags_and_no_tag_dropped():
    section = card({}, {"git.filters": {"in": 2, "kept": 2}}, preset="commitpackft")
    assert "No sample carries a tag." in section
    assert "Dropped before assembly for a tag (`filters.drop_tags`): none." in section


def test_every_tag_has_a_meaning():
    assert list(TAG_MEANINGS) == list(TAGS)
