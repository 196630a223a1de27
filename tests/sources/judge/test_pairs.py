"""Pure pairing logic: comment stripping, repeats, ordering, the three strategies, instructions, config."""
from __future__ import annotations

import ast
from datetime import datetime, timedelta, timezone

import pytest

from beam_jobs.sources.judge import pairs as jp
from beam_jobs.sources.judge.pairs import Pair, Step, strip_comments
from filters.judge import (ACCEPTANCE_RATE_TOO_HIGH, TOO_FEW_JUDGED, judged_accepted, language_filter,
                           problem_reason, status_filter)
from config.judge import JudgeConfig
from config.judge import problems as judge_config_problems
from schemas.submission import AC, CE, IE, NJ, RE, TLE, WA, WJ, Submission

T0 = datetime(2020, 6, 1, tzinfo=timezone.utc)


def sub(sid: str, status: str, minute: int = 0, lang: str = "python") -> Submission:
    return Submission(submission_id=sid, problem_id="p1", user_id="u1", time=T0 + timedelta(minutes=minute),
                      language="Python", original_language="Python (3.8.2)", lang=lang, status=status,
                      status_raw=status, cpu_time_ms=None, memory_kb=None, code_size=None, dataset="codenet")


def step(sid: str, status: str, code: str) -> Step:
    stripped = strip_comments(code)
    return Step(sub(sid, status), stripped.code, code, stripped.tokenizes, jp.normalise_for_repeats(stripped.code))


# ------------------------------------------------------------------------------------ comment stripping

def test_hash_inside_strings_and_fstrings_survives():
    code = ('s = "#" * 3  # a bar\n'
            "t = '# not a comment'\n"
            'print(f"Case #{i}: {s!r:#>10}")  # f-string with # twice\n'
            'u = """\n# inside a triple-quoted string\n"""\n'
            "v = r'#\\d+'  # raw\n")
    assert strip_comments(code) == (
        's = "#" * 3\n'
        "t = '# not a comment'\n"
        'print(f"Case #{i}: {s!r:#>10}")\n'
        'u = """\n# inside a triple-quoted string\n"""\n'
        "v = r'#\\d+'\n", True)


def test_comment_only_lines_go_blank_lines_stay():
    code = "# header\n\nx = 1\n    # indented comment in the middle of nowhere\n\n# another\ny = 2  # trailing\n"
    assert strip_comments(code).code == "\nx = 1\n\ny = 2\n"


def test_comments_inside_brackets_and_continuations():
    code = "xs = [\n    1,  # one\n    # two is missing\n    3,\n]\nz = 1 + \\\n    2  # sum\n"
    out = strip_comments(code)
    assert out == ("xs = [\n    1,\n    3,\n]\nz = 1 + \\\n    2\n", True)
    ast.parse(out.code)


def test_dos_line_endings_become_unix():
    assert strip_comments("x = 1  # one\r\ny = 2\r\n") == ("x = 1\ny = 2\n", True)


def test_code_without_final_newline():
    assert strip_comments("print(1)  # done") == ("print(1)", True)


def test_docstrings_stay_unless_asked():
    code = ('"""Module doc."""\n'
            "import sys\n\n"
            "def f(x):\n"
            '    """Doc of f,\n    two lines."""\n'
            "    return x  # answer\n\n"
            "class C:\n"
            "    '''Only a docstring.'''\n\n"
            "async def g():\n"
            '    "doc" "concatenated"\n'
            "    await x\n\n"
            "if x:\n"
            '    "not a docstring"\n'
            "    y = 1\n"
            'z = "not a docstring either"\n')
    kept = strip_comments(code)
    assert kept.code == code.replace("  # answer", "")
    stripped = strip_comments(code, strip_docstrings=True)
    assert stripped.code == ("import sys\n\n"
                             "def f(x):\n"
                             "    return x\n\n"
                             "class C:\n"
                             "    pass\n\n"
                             "async def g():\n"
                             "    await x\n\n"
                             "if x:\n"
                             '    "not a docstring"\n'
                             "    y = 1\n"
                             'z = "not a docstring either"\n')
    ast.parse(stripped.code)


@pytest.mark.parametrize("code", [
    'print("0)\n# comment\n',                 # unterminated string: ERRORTOKEN on 3.11
    "def f(:\n    # c\n    pass\n",           # unclosed bracket: EOF in multi-line statement
    "if x:\n  a = 1\n b = 2  # c\n",          # inconsistent dedent
    's = """never closed\n# c\n',
])
def test_code_that_does_not_tokenize_is_kept_as_is(code):
    assert strip_comments(code) == (code, False)


def test_syntax_error_that_tokenizes_is_still_stripped():
    code = "for i in range(3)  # no colon\n    print(i)\n"
    assert strip_comments(code) == ("for i in range(3)\n    print(i)\n", True)


def test_normalised_code_ignores_trailing_spaces_and_blank_lines():
    a = jp.normalise_for_repeats(strip_comments("x = 1   \n\n# c\ny = 2\n").code)
    b = jp.normalise_for_repeats(strip_comments("x = 1\ny = 2  # changed comment\n\n").code)
    assert a == b == "x = 1\ny = 2"
    assert jp.normalise_for_repeats("x = 1\n") != jp.normalise_for_repeats("x = 2\n")


# ----------------------------------------------------------------------------------------- ordering

def test_natural_order_of_ids():
    ids = ["s10", "s9", "s100", "a2", "a10", "1000", "999", "s9b", "s9a"]
    assert sorted(ids, key=jp.natural_key) == ["999", "1000", "a2", "a10", "s9", "s9a", "s9b", "s10", "s100"]


def test_sort_by_time_then_id():
    seq = [sub("s12", AC, 5), sub("s10", WA, 5), sub("s9", RE, 5), sub("s50", WA, 1)]
    assert [s.submission_id for s in jp.sort_sequence(seq)] == ["s50", "s9", "s10", "s12"]


def test_cut_at_first_accepted():
    seq = [sub("s1", WA), sub("s2", AC), sub("s3", WA), sub("s4", AC)]
    head, dropped = jp.cut_at_first_accepted(seq)
    assert [s.submission_id for s in head] == ["s1", "s2"]
    assert [(s.submission_id, r) for s, r in dropped] == [("s3", "after_accepted"), ("s4", "after_accepted")]
    head, dropped = jp.cut_at_first_accepted([sub("s1", AC), sub("s2", WA)])
    assert head == [] and [r for _, r in dropped] == ["accepted_first_try", "after_accepted"]
    head, dropped = jp.cut_at_first_accepted([sub("s1", WA), sub("s2", TLE)])
    assert head == [] and [r for _, r in dropped] == ["never_accepted", "never_accepted"]


# ------------------------------------------------------------------------------------------ repeats

def test_consecutive_repeats_collapse():
    steps = [step("s1", WA, "x = 1\n"), step("s2", WA, "x = 1  # again\n"), step("s3", WA, "x = 2\n"),
             step("s4", WA, "x = 1\n"), step("s5", AC, "x = 3\n")]
    kept, dropped = jp.collapse_repeats(steps)
    assert [s.sub.submission_id for s in kept] == ["s1", "s3", "s4", "s5"]  # s4 repeats s1, not its predecessor
    assert [(s.sub.submission_id, r) for s, r in dropped] == [("s2", "repeat")]


def test_a_run_of_identical_code_that_gets_accepted_is_represented_by_the_accepted_one():
    steps = [step("s1", WA, "x = 0\n"), step("s2", TLE, "x = 1\n"), step("s3", TLE, "x = 1\n"),
             step("s4", AC, "x = 1  # same code, luckier\n")]
    kept, dropped = jp.collapse_repeats(steps)
    assert [s.sub.submission_id for s in kept] == ["s1", "s4"]
    assert [s.sub.submission_id for s, _ in dropped] == ["s2", "s3"]


# ------------------------------------------------------------------------------------------ pairing

SEQ = [WA, CE, RE, AC]


@pytest.mark.parametrize("strategy,pairs,reasons", [
    ("last-failure", [Pair(2, 3)], {0: "superseded", 1: "superseded"}),
    ("each-step", [Pair(0, 1), Pair(1, 2), Pair(2, 3)], {}),
    ("all-failures", [Pair(0, 3), Pair(1, 3), Pair(2, 3)], {}),
])
def test_pairing_strategies(strategy, pairs, reasons):
    assert jp.pair_sequence(SEQ, strategy) == (pairs, reasons)


@pytest.mark.parametrize("strategy", ["last-failure", "each-step", "all-failures"])
def test_nothing_after_the_first_accepted_is_paired(strategy):
    pairs, reasons = jp.pair_sequence([WA, AC, WA, AC], strategy)
    assert pairs == [Pair(0, 1)]
    assert reasons == {2: "after_accepted", 3: "after_accepted"}


@pytest.mark.parametrize("strategy", ["last-failure", "each-step", "all-failures"])
def test_no_pairs_without_a_failure_before_accepted_or_without_accepted(strategy):
    assert jp.pair_sequence([AC, WA], strategy) == ([], {0: "accepted_first_try", 1: "after_accepted"})
    assert jp.pair_sequence([WA, TLE], strategy) == ([], {0: "no_accepted", 1: "no_accepted"})
    assert jp.pair_sequence([], strategy) == ([], {})


def test_unknown_strategy_is_an_error():
    with pytest.raises(ValueError):
        jp.pair_sequence([WA, AC], "best-effort")


# -------------------------------------------------------------------------------------- instructions

def test_html_to_text():
    markup = ("<html><head><title>T</title><style>p{}</style></head><body><H1>Sum &amp; Product</H1>\n"
              "<p>Given <var>N</var> numbers\n(10<sup>5</sup> at most), print a<sub>1</sub>.</p>"
              "<pre>\n3\n1 2 3\n</pre><script>MathJax()</script><ul><li>one</li><li>two</li></ul></body></html>")
    assert jp.html_to_text(markup) == (
        "Sum & Product\n\nGiven N numbers (10^5 at most), print a_1.\n\n3\n1 2 3\n\none\n\ntwo")
    assert jp.html_to_text("<p>unclosed <b>tags") == "unclosed tags"


def test_truncate_on_a_word_boundary():
    assert jp.truncate("short", 10) == "short"
    assert jp.truncate("the quick brown fox jumps", 18) == "the quick brown..."
    assert jp.truncate("abcdefghijklmnopqrstuvwxyz", 10) == "abcdefg..."
    assert len(jp.truncate("word " * 100, 50)) <= 50


def test_instruction_from_verdict_problem_and_description():
    cfg = JudgeConfig()
    plain = jp.build_instruction(WA, "Sum It", "p1", "codenet", "", cfg)
    assert plain == ("Fix this solution to Sum It: it gets Wrong Answer.",) * 2
    described = jp.build_instruction(TLE, "", "p1", "codenet", "Add the numbers. " * 200, cfg)
    assert described.subject == "Fix this solution to p1: it gets Time Limit Exceeded."
    assert described.full.startswith(described.subject + "\n\nProblem statement:\nAdd the numbers.")
    assert len(described.full) <= len(described.subject) + len("\n\nProblem statement:\n") + 2000
    off = JudgeConfig(include_description=False, instruction_template="[{dataset}/{problem_id}] {verdict}")
    assert jp.build_instruction(CE, "X", "p1", "codenet", "text", off) == ("[codenet/p1] Compile Error",) * 2


def test_license_per_dataset():
    cfg = JudgeConfig(licenses={"codenet": "cdla-permissive-2.0", "school": "cc-by-4.0"})
    assert jp.license_for("codenet", cfg) == "cdla-permissive-2.0"
    assert jp.license_for("School", cfg) == "cc-by-4.0"
    assert jp.license_for("atcoder", cfg) == "unknown"


# ------------------------------------------------------------------------------------------ filters

def test_acceptance_rate_and_minimum_judged():
    cfg = JudgeConfig()
    assert problem_reason(10, 5, cfg) is None                 # 0.5 is kept: bounds are inclusive
    assert problem_reason(10, 6, cfg) == ACCEPTANCE_RATE_TOO_HIGH
    assert problem_reason(9, 0, cfg) == TOO_FEW_JUDGED
    assert problem_reason(0, 0, JudgeConfig(min_judged_submissions=0)) == TOO_FEW_JUDGED
    assert problem_reason(3, 3, JudgeConfig(max_acceptance_rate=None, min_judged_submissions=0)) is None
    assert [judged_accepted(s) for s in (AC, WA, CE, IE, WJ, NJ)] == [(1, 1), (1, 0), (1, 0), (0, 0), (0, 0), (0, 0)]


def test_language_and_status_filters():
    cfg = JudgeConfig()
    assert language_filter(cfg)(sub("s1", WA)) is None
    assert language_filter(cfg)(sub("s1", WA, lang="python2")) == "language_not_allowed"
    assert language_filter(JudgeConfig(languages=["python", "python2"]))(sub("s1", WA, lang="python2")) is None
    assert [status_filter(cfg)(sub("s", s)) for s in (WA, CE, IE, WJ, NJ)] == [None, None, "unjudged", "unjudged",
                                                                                "unjudged"]
    assert status_filter(JudgeConfig(exclude_compile_errors=True))(sub("s", CE)) == "compile_error"


def test_config_problems():
    assert judge_config_problems(JudgeConfig()) == []
    bad = JudgeConfig(pairing="random", languages=["Python"], max_acceptance_rate=1.5, min_judged_submissions=-1,
                      instruction_template="Fix {problme}", description_template="{description", licenses={"x": ""})
    problems = judge_config_problems(bad)
    assert len(problems) == 7
    assert problems[0] == ("config key 'judge.pairing' must be one of last-failure, each-step, all-failures, "
                           "not 'random'")
    assert any("{problme}" in p for p in problems)
    assert any("judge.description_template' is not a valid template" in p for p in problems)


@pytest.mark.parametrize("code", [
    "x = 1\r\ny = 2\r\n",                     # nothing to strip, tokenizes
    'print("0)\r\n',                          # nothing to strip, does not tokenize
    "x = 1  # c\n",                           # a comment: stripped at once
    'print("0)  # c\n',
])
def test_clean_then_settle_equals_stripping_at_once(code):
    settled = jp.settle(jp.clean(sub("s1", WA), code, strip_docstrings=False))
    assert (settled.code, settled.tokenizes) == strip_comments(code)
    assert settled.original == code
    assert settled.normalised == jp.normalise_for_repeats(strip_comments(code).code)
