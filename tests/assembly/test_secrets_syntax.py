"""Redaction skips its parse check only where a replacement provably keeps the syntax
(secrets._replace): checked against parsing on real files with values planted where a replacement is
harmless and where it is not (escapes, quotes, braces, names, broken code)."""
from __future__ import annotations

import random

import pytest

from beam_jobs.assembly import secret_finders as finders
from beam_jobs.assembly import secrets as s
from beam_jobs.assembly.secret_finders import EMAIL, IP_ADDRESS, KEY, Finding
from config.assembly import SecretsConfig
from tests.assembly.helpers import commit_like, sample_commits
from tests.realcode import real_sources

MAIL = "jane.doe@acme-widgets.com"
IP = "93.184.216.34"
TOKEN = "ghp_Q7zX3m4KJ2pL9vWe8Rt5Yu1Io0Pa6Sd3Fg7H"
# Where a value lands: each line is planted with VALUE in it, at module level.
CONTEXTS = [
    "# maintained by VALUE\n",
    "X = 'VALUE'\n",
    'X = "see VALUE here"\n',
    'X = """\nline one\nVALUE\n"""\n',
    "X = f'{len(\"a\")} VALUE {{braces}}'\n",
    "X = b'VALUE'\n",
    "X = r'\\d+VALUE'\n",
    "X = '\\x41VALUE'\n",          # right after a complete escape
    "X = '\\N{BULLET}VALUE'\n",     # after a named escape (its braces are near)
    "X = '\\tVALUE\\n'\n",
    "X = 'it''s VALUE'\n",
    "X = 'VALUE' if y else \"VALUE\"  # VALUE\n",
    "def f(:\n    return 'VALUE'\n",  # does not parse before: nothing is promised
]
VALUES = {EMAIL: MAIL, IP_ADDRESS: IP, KEY: TOKEN}


def _planted(source: str, context: str, value: str, rng: random.Random) -> str:
    lines = source.splitlines(keepends=True)
    at = rng.randrange(len(lines) + 1)
    # Module level only: before a line that starts at column 0 (or at the end).
    while at < len(lines) and lines[at][:1] in (" ", "\t", ")", "]", "}"):
        at += 1
    return "".join(lines[:at]) + context.replace("VALUE", value) + "".join(lines[at:])


@pytest.mark.parametrize("kind", [EMAIL, IP_ADDRESS, KEY])
def test_a_replacement_called_safe_never_changes_whether_code_parses(kind):
    rng = random.Random(7)
    value = VALUES[kind]
    findings = [Finding(kind, value)]
    safe_seen = unsafe_seen = 0
    for source in real_sources(60):
        for context in CONTEXTS:
            code = _planted(source, context, value, rng)
            new, used, safe = s._replace(code, findings, True)
            if not used:
                continue
            if safe:
                safe_seen += 1
                assert s.parses(new) == s.parses(code), (context, kind)
            else:
                unsafe_seen += 1
    # Both branches are taken: comments and plain strings are safe, escapes and quotes are not.
    assert safe_seen > 300 and unsafe_seen > 50


@pytest.mark.parametrize("code, safe", [
    (f"# by {MAIL}\nx = 1\n", True),
    (f"X = '{MAIL}'\n", True),
    (f"X = '''\n{MAIL}\n'''\n", True),
    (f"X = '\\x41{MAIL}'\n", False),      # a backslash within an escape's length before
    (f"X = '{IP}'\n", True),
    (f"X = '\\\\{IP}'\n", False),
])
def test_which_replacements_skip_the_parse(code, safe):
    kind = IP_ADDRESS if IP in code else EMAIL
    new, used, got = s._replace(code, [Finding(kind, VALUES[kind])], True)
    assert used and got is safe and s.parses(new)


def test_a_value_holding_a_quote_or_brace_is_checked_by_parsing():
    for value in ("abc'def", "abc{def", "abc\\def"):
        assert s._replace(f"X = 'x' # {value}\n", [Finding(KEY, value)], True)[2] is False


def test_code_that_does_not_tokenize_is_always_checked():
    code = f"X = '''{MAIL}\n"  # an unterminated string: no regions, every occurrence counts
    assert s._replace(code, [Finding(EMAIL, MAIL)], True)[2] is False


def test_redaction_gives_the_same_items_with_and_without_the_parse_skip(monkeypatch):
    """On real files with addresses, IPs and keys planted in every context, `redact` keeps, drops
    and rewrites exactly what it does when every replacement is checked by parsing."""
    scrubber = finders.Scrubber(SecretsConfig())
    rng = random.Random(11)
    base = sample_commits()[0]
    items = []
    for i, source in enumerate(real_sources(40)):
        code = source
        for context in rng.sample(CONTEXTS, 4):
            code = _planted(code, context, VALUES[rng.choice([EMAIL, IP_ADDRESS, KEY])], rng)
        items.append(commit_like(base, commit=f"{i:040x}", old_contents=source, new_contents=code, tags=[]))
    parsed: list[str] = []
    real_parses = s.parses
    monkeypatch.setattr(s, "parses", lambda code: parsed.append(code) or real_parses(code))
    fast = [s.redact(scrubber, item) for item in items]
    fast_parses = len(parsed)
    monkeypatch.setattr(s, "_keeps_syntax", lambda *args: False)
    checked = [s.redact(scrubber, item) for item in items]
    assert [(r.reason, r.counts, r.detail) for r in fast] == [(r.reason, r.counts, r.detail) for r in checked]
    assert [r.item for r in fast] == [r.item for r in checked]
    assert sum(r.changed for r in fast) == 40
    # Items with a value near an escape still needed the parse, the others did not.
    assert 0 < fast_parses < len(parsed) - fast_parses
