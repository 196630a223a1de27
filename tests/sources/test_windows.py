"""Edit windows (beam_jobs/sources/windows.py), without Beam: the window each kind of change gets, exact
line ranges on hand-made cases, and the splice invariant (the new window put in place of the old one
inside the old file gives the new file, byte for byte) on many generated ones."""
from __future__ import annotations

import dataclasses
import random

import pytest

from beam_jobs.sources import windows
from filters import tags
from beam_jobs.sources.commits import PairBudget, chain_config, pair_budget
from beam_jobs.sources.windows import DEFINITIONS, LINES, TooLarge, Window, splice, window_of, window_record
from filters.content import split_lines
from config.filters import filter_config_from_preset
from filters import tokens
from tests.records import commit_record

MODULE = '''"""Inventory helpers."""
import os
import sys

LIMIT = 10


def alpha(x):
    y = x + 1
    return y * 2


def beta(items):
    total = 0
    for item in items:
        total += item
    return total


class Store:
    """A store."""
    kind = "shop"

    def __init__(self, name):
        self.name = name
        self.items = []

    @property
    def size(self):
        return len(self.items)

    # a comment between methods
    def add(self, item):
        self.items.append(item)
        return self

    class Meta:
        ordering = ["name"]

    async def fetch(self, client):
        data = await client.get(self.name)
        return data


def gamma(a, b):
    if a > b:
        return a
    return b


if __name__ == "__main__":
    print(beta([1, 2, 3]))
'''


def line(text: str, exact: str) -> int:
    """1-based number of the line of `text` that is exactly `exact` (without its newline)."""
    found = [i + 1 for i, ln in enumerate(text.split("\n")) if ln.rstrip("\r") == exact]
    assert len(found) == 1, (exact, found)
    return found[0]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def under(limit: int):
    """A character budget: old + new at most `limit`."""
    return lambda old, new: len(old) + len(new) <= limit


def just_under(old: str, new: str):
    """A budget the whole pair misses by one character: every smaller window fits."""
    return under(len(old) + len(new) - 1)


def check(old: str, new: str, window: Window) -> None:
    """The invariant and the exactness of the slices and their ranges."""
    assert splice(old, window) == new
    old_lines, new_lines = split_lines(old), split_lines(new)
    assert window.old_text == "".join(old_lines[window.old_first - 1:window.old_last])
    assert window.new_text == "".join(new_lines[window.new_first - 1:window.new_last])
    assert window.old_last - window.old_first + 1 == len(split_lines(window.old_text))
    assert window.new_last - window.new_first + 1 == len(split_lines(window.new_text))
    assert 1 <= window.old_first <= window.old_last + 1 <= len(old_lines) + 1
    assert 1 <= window.new_first <= window.new_last + 1 <= len(new_lines) + 1


def windowed(old: str, new: str, fits=None, context_lines: int = 3, python: bool = True) -> Window:
    found = window_of(old, new, fits or just_under(old, new), context_lines, python)
    assert isinstance(found, Window), found
    check(old, new, found)
    return found


def ranges(window: Window) -> tuple[list[int], list[int], str]:
    return window.window_old, window.window_new, window.kind


# ------------------------------------------------------------------------------------ which window

def test_a_pair_within_the_budget_stays_whole():
    new = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    assert window_of(MODULE, new, under(10_000)) is None
    record = commit_record(old_contents=MODULE, new_contents=new)
    assert window_record(record, under(10_000), 3) is record


def test_one_line_fix_in_a_function_gives_the_function():
    new = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    w = windowed(MODULE, new)
    span = [line(MODULE, "def alpha(x):"), line(MODULE, "    return y * 2")]
    assert ranges(w) == (span, span, DEFINITIONS)
    assert w.old_text == "def alpha(x):\n    y = x + 1\n    return y * 2\n"
    assert w.new_text == "def alpha(x):\n    y = x + 1\n    return y * 3\n"


def test_hunks_in_two_functions_give_the_run_from_the_first_to_the_last():
    new = edit(edit(MODULE, "    return y * 2\n", "    return y * 3\n"), "    return b\n", "    return min(a, b)\n")
    w = windowed(MODULE, new)
    assert ranges(w) == ([line(MODULE, "def alpha(x):"), line(MODULE, "    return b")],
                         [line(new, "def alpha(x):"), line(new, "    return min(a, b)")], DEFINITIONS)


def test_a_change_in_a_method_gives_the_method_not_the_class():
    new = edit(MODULE, "        self.items.append(item)\n", "        self.items.append(item)\n        self.count += 1\n")
    w = windowed(MODULE, new)
    assert ranges(w) == ([line(MODULE, "    def add(self, item):"), line(MODULE, "        return self")],
                         [line(new, "    def add(self, item):"), line(new, "        return self")], DEFINITIONS)
    assert w.old_text == "    def add(self, item):\n        self.items.append(item)\n        return self\n"


def test_changes_in_two_methods_give_the_run_of_methods():
    new = edit(edit(MODULE, "        self.items = []\n", "        self.items = list()\n"),
               "        return self\n", "        return None\n")
    w = windowed(MODULE, new)
    assert ranges(w) == ([line(MODULE, "    def __init__(self, name):"), line(MODULE, "        return self")],
                         [line(new, "    def __init__(self, name):"), line(new, "        return None")], DEFINITIONS)


def test_a_decorator_change_gives_the_decorated_method():
    new = edit(MODULE, "    @property\n", "    @functools.cached_property\n")
    w = windowed(MODULE, new)
    span = [line(MODULE, "    @property"), line(MODULE, "        return len(self.items)")]
    assert ranges(w) == (span, span, DEFINITIONS)
    assert w.new_text.startswith("    @functools.cached_property\n    def size(self):\n")


def test_a_nested_class_and_an_async_method_are_members():
    new = edit(MODULE, '        ordering = ["name"]\n', '        ordering = ["-name"]\n')
    span = [line(MODULE, "    class Meta:"), line(MODULE, '        ordering = ["name"]')]
    assert ranges(windowed(MODULE, new)) == (span, span, DEFINITIONS)
    new = edit(MODULE, "        return data\n", "        return data or {}\n")
    span = [line(MODULE, "    async def fetch(self, client):"), line(MODULE, "        return data")]
    assert ranges(windowed(MODULE, new)) == (span, span, DEFINITIONS)


def test_a_class_attribute_change_gives_the_whole_class():
    new = edit(MODULE, '    kind = "shop"\n', '    kind = "store"\n')
    span = [line(MODULE, "class Store:"), line(MODULE, "        return data")]
    assert ranges(windowed(MODULE, new)) == (span, span, DEFINITIONS)


def test_a_hunk_across_two_methods_takes_both():
    new = edit(MODULE, "        return len(self.items)\n\n    # a comment between methods\n    def add(self, item):\n",
               "        return len(self.items) or 0\n\n    def add(self, item):\n")
    w = windowed(MODULE, new)
    assert ranges(w) == ([line(MODULE, "    @property"), line(MODULE, "        return self")],
                         [line(new, "    @property"), line(new, "        return self")], DEFINITIONS)


def test_a_change_at_the_file_start():
    new = edit(MODULE, "import os\n", "import os.path\n")
    assert ranges(windowed(MODULE, new)) == ([2, 2], [2, 2], DEFINITIONS)
    # a comment line put before the docstring touches no definition: it gets context lines
    new = "#!/usr/bin/env python\n" + MODULE
    w = windowed(MODULE, new)
    assert ranges(w) == ([1, 3], [1, 4], DEFINITIONS)
    assert w.new_text == "#!/usr/bin/env python\n" + w.old_text


def test_a_change_at_the_file_end_without_a_final_newline():
    old = MODULE.rstrip("\n")
    new = edit(old, "    print(beta([1, 2, 3]))", "    print(beta([4]))")
    w = windowed(old, new)
    last = len(split_lines(old))
    assert ranges(w) == ([last - 1, last], [last - 1, last], DEFINITIONS)
    assert w.old_text == 'if __name__ == "__main__":\n    print(beta([1, 2, 3]))'
    assert w.new_text == 'if __name__ == "__main__":\n    print(beta([4]))'
    # a final newline added: the last line differs by its "\n" alone
    w = windowed(old, old + "\n")
    assert w.new_text == w.old_text + "\n" and w.old_last == last


def test_an_added_function_has_an_empty_old_window():
    new = edit(MODULE, "class Store:\n", "def delta():\n    return 4\n\n\nclass Store:\n")
    w = windowed(MODULE, new)
    at = line(MODULE, "class Store:")
    assert ranges(w) == ([at, at - 1], [at, at + 3], DEFINITIONS)
    assert (w.old_text, w.new_text) == ("", "def delta():\n    return 4\n\n\n")


def test_a_removed_method_has_an_empty_new_window():
    new = edit(MODULE, "    @property\n    def size(self):\n        return len(self.items)\n\n", "")
    w = windowed(MODULE, new)
    at = line(MODULE, "    @property")
    assert ranges(w) == ([at, at + 3], [at, at - 1], DEFINITIONS)
    assert w.new_text == ""


def test_crlf_files_give_the_same_lines():
    old = MODULE.replace("\n", "\r\n")
    new = edit(old, "    return y * 2\r\n", "    return y * 3\r\n")
    w = windowed(old, new)
    span = [line(MODULE, "def alpha(x):"), line(MODULE, "    return y * 2")]
    assert ranges(w) == (span, span, DEFINITIONS)
    assert w.old_text == "def alpha(x):\r\n    y = x + 1\r\n    return y * 2\r\n"


def test_a_lone_carriage_return_goes_to_the_line_window():
    old = edit(MODULE, "LIMIT = 10\n", "LIMIT = 10\r# old Mac line end\n")
    new = edit(old, "    return y * 2\n", "    return y * 3\n")
    at = line(new, "    return y * 3")
    assert ranges(windowed(old, new)) == ([at - 3, at + 3], [at - 3, at + 3], LINES)


@pytest.mark.parametrize("broken", ["old", "new"])
def test_a_side_that_does_not_parse_gives_the_line_window(broken):
    good = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    bad = edit(MODULE, "    return y * 2\n", "    return y *\n")
    old, new = (bad, good) if broken == "old" else (MODULE, bad)
    at = line(MODULE, "    return y * 2")
    w = windowed(old, new)
    assert ranges(w) == ([at - 3, at + 3], [at - 3, at + 3], LINES)


def test_a_file_that_is_not_python_gives_the_line_window():
    new = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    at = line(MODULE, "    return y * 2")
    assert ranges(windowed(MODULE, new, python=False)) == ([at - 3, at + 3], [at - 3, at + 3], LINES)
    record = commit_record(old_contents=MODULE, new_contents=new, lang="Text")
    assert window_record(record, just_under(MODULE, new), 3).window_old == [at - 3, at + 3]


def test_definitions_over_the_budget_give_the_line_window():
    body = "".join(f"    step_{i} = compute({i})\n" for i in range(200))
    old = f"import os\n\n\ndef long_job():\n{body}    return step_199\n"
    new = edit(old, "    step_100 = compute(100)\n", "    step_100 = compute(100) + 1\n")
    at = line(old, "    step_100 = compute(100)")
    w = windowed(old, new, under(1_000))
    assert ranges(w) == ([at - 3, at + 3], [at - 3, at + 3], LINES)
    assert w.new_text.count("\n") == 7 and "compute(100) + 1" in w.new_text
    # context_lines is the N of the fallback: 0 keeps the changed line alone
    w = windowed(old, new, under(1_000), context_lines=0)
    assert ranges(w) == ([at, at], [at, at], LINES)


def test_hunks_too_far_apart_are_window_too_large():
    new = edit(edit(MODULE, "import os\n", "import os.path\n"), "    print(beta([1, 2, 3]))\n", "    print(beta([4]))\n")
    found = window_of(MODULE, new, under(400), 3)
    assert isinstance(found, TooLarge) and found.reason == "window_too_large"
    assert "2 hunk(s)" in found.detail
    record = commit_record(old_contents=MODULE, new_contents=new)
    assert window_record(record, under(400), 3) == found
    # the same change with a budget the module-level run fits in: one window, never two samples
    w = windowed(MODULE, new)
    assert ranges(w)[0] == [2, line(MODULE, "    print(beta([1, 2, 3]))")]


def test_a_pair_over_the_budget_with_no_changed_line_is_window_too_large():
    assert isinstance(window_of(MODULE, MODULE, under(10), 3), TooLarge)


def test_a_windowed_record_keeps_paths_message_and_annotations():
    new = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    record = commit_record(old_contents=MODULE, new_contents=new, instruction="Fix alpha", tags=["test_file"],
                           edit_kinds=["Constant"], tokens=999)
    cut = window_record(record, just_under(MODULE, new), 3)
    span = [line(MODULE, "def alpha(x):"), line(MODULE, "    return y * 2")]
    assert (cut.window_old, cut.window_new) == (span, span)
    assert cut.old_contents.startswith("def alpha") and cut.new_contents.endswith("return y * 3\n")
    assert cut.tokens is None  # counted on the whole files: no longer the sample's
    unchanged = dataclasses.replace(cut, old_contents=MODULE, new_contents=new, window_old=None, window_new=None,
                                    tokens=999)
    assert unchanged == record


# ------------------------------------------------------------------------------------------ cost

def test_each_side_is_parsed_at_most_once_and_a_fitting_pair_not_at_all(monkeypatch):
    parsed: list[str] = []
    real = windows.parse

    def counting(text):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(windows, "parse", counting)
    new = edit(MODULE, "    return y * 2\n", "    return y * 3\n")
    assert window_of(MODULE, new, under(10_000)) is None and parsed == []
    window_of(MODULE, new, under(50))  # definitions tried, then lines, then too large
    assert sorted(parsed) == sorted([MODULE, new])


# ------------------------------------------------------------------------------ generated cases

POOL = ["    value = compute(x)\n", "        return None\n", "def extra():\n", "    pass\n", "\n", "# note\n",
        "class Extra:\n", "    @staticmethod\n", "x = [\n", "]\n", "    if ready:\n", "        go()\n"]


def random_edit(rng: random.Random, text: str) -> str:
    lines = split_lines(text)
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(lines))
        op = rng.choice(["insert", "delete", "replace"])
        if op == "insert" or not lines:
            lines[at:at] = rng.sample(POOL, rng.randint(1, 3))
        elif op == "delete":
            del lines[min(at, len(lines) - 1):min(at, len(lines) - 1) + rng.randint(1, 2)]
        else:
            lines[min(at, len(lines) - 1)] = rng.choice(POOL)
    return "".join(lines)


def variants(text: str, rng: random.Random) -> str:
    choice = rng.choice(["lf", "crlf", "no_final_newline"])
    if choice == "crlf":
        return text.replace("\n", "\r\n")
    return text.rstrip("\n") if choice == "no_final_newline" else text


@pytest.mark.parametrize("seed", range(300))
def test_the_splice_invariant_on_generated_changes(seed):
    rng = random.Random(seed)
    old = variants(MODULE if seed % 2 else MODULE * 3, rng)
    new = random_edit(rng, old)
    if new == old:
        return
    for fits in (just_under(old, new), under(rng.randint(40, 600)), under(0)):
        found = window_of(old, new, fits, rng.randint(0, 4))
        if isinstance(found, Window):
            check(old, new, found)
            assert fits(found.old_text, found.new_text)
        else:
            assert isinstance(found, TooLarge)


@pytest.mark.parametrize("seed", range(200))
def test_the_filter_stages_units_give_the_same_window_without_a_parse(seed, monkeypatch):
    """window_record with the pair's analysis memoised (as the filter stage leaves it) returns what a
    cold window_of returns, and parses nothing itself."""
    rng = random.Random(seed)
    old = variants(MODULE if seed % 2 else MODULE * 3, rng)
    new = random_edit(rng, old)
    if seed % 7 == 0:
        new = new.replace("def ", "def (", 1)  # a side that does not parse: NO_UNITS
    if new == old:
        return
    fits, context = under(rng.randint(40, 600)), rng.randint(0, 4)
    cold = window_of(old, new, fits, context)
    tags.clear_memo()
    tags.analyse(old, new)
    parsed: list[str] = []
    real = windows.parse
    monkeypatch.setattr(windows, "parse", lambda text: parsed.append(text) or real(text))
    warm = window_record(commit_record(old_contents=old, new_contents=new), fits, context)
    if isinstance(cold, TooLarge):
        assert warm == cold
    elif cold is None:
        assert (warm.old_contents, warm.new_contents, warm.window_old) == (old, new, None)
    else:
        assert (warm.old_contents, warm.new_contents, warm.window_old, warm.window_new) == \
            (cold.old_text, cold.new_text, cold.window_old, cold.window_new)
    lone_cr = "\r" in old.replace("\r\n", "") or "\r" in new.replace("\r\n", "")
    assert parsed == [] or lone_cr


@pytest.mark.parametrize("seed", range(60))
def test_generated_changes_inside_one_function_give_that_function(seed):
    rng = random.Random(seed)
    functions = [f"def f{i}(a):\n    b = a + {i}\n    c = b * 2\n    return c\n\n\n" for i in range(40)]
    old = "import math\n\n\n" + "".join(functions)
    target = rng.randrange(40)
    body_line = rng.choice([f"    b = a + {target}\n", "    c = b * 2\n"]) if target else f"    b = a + {target}\n"
    new = old.replace(functions[target], functions[target].replace(body_line, body_line + "    b += 1\n", 1))
    w = windowed(old, new)
    start = line(old, f"def f{target}(a):")
    assert (w.window_old, w.kind) == ([start, start + 3], DEFINITIONS)
    assert w.old_text == functions[target].rstrip("\n") + "\n"


# ------------------------------------------------------------------------------------ the budget

def test_granularity_file_leaves_the_chain_and_window_lifts_only_the_upper_budgets():
    for preset in ("commitpackft", "none"):
        cfg = filter_config_from_preset(preset)
        assert cfg.granularity == "file" and chain_config(cfg) is cfg
    strict = filter_config_from_preset("strict")
    assert strict.granularity == "window"
    lifted = chain_config(strict)
    assert (lifted.pair_max_tokens, lifted.pair_max_chars, lifted.pair_max_lines) == (None, None, None)
    assert (lifted.pair_min_tokens, lifted.pair_min_chars) == (strict.pair_min_tokens, strict.pair_min_chars)
    assert dataclasses.replace(lifted, pair_max_tokens=strict.pair_max_tokens,
                               pair_max_chars=strict.pair_max_chars) == strict


def test_the_budget_counts_as_the_content_filter_does():
    chars = pair_budget(dataclasses.replace(filter_config_from_preset("strict"), pair_min_tokens=None,
                                            pair_max_tokens=None, pair_max_chars=100))
    assert chars("a" * 50, "b" * 50) and not chars("a" * 50, "b" * 51)
    lines = PairBudget(None, None, 3)
    assert lines("a\nb\n", "c") and not lines("a\nb\n", "c\nd")
    if tokens.available():
        budget = pair_budget(dataclasses.replace(filter_config_from_preset("strict"), pair_max_tokens=20))
        text = "value = compute(x)\n"
        assert budget.max_tokens == 20 and budget.max_chars is None
        assert budget(text, text) == (tokens.pair_tokens(text, text) <= 20)
        assert not budget(text * 10, text * 10)
