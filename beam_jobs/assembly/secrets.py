"""Secrets and personal data: redact (or drop) what beam_jobs/assembly/secret_finders.py finds.

A public corpus must not republish credentials or people's addresses, and must not corrupt the code
it publishes either.

Only a secret value is replaced, never a name: a key, parameter or variable called password,
secret or token is code, and a short literal such as the "tiger" of `{"password": "tiger"}` is no
real-looking key (no plugin finds it; keys of unknown formats and low-entropy passwords are not
found, the card says so). Where a finding is replaced depends on what it is:
- a key that only a key can look like (a service token, a PEM body, a high-entropy value) is
  replaced wherever it occurs in a text;
- a password from a URL (`scheme://user:password@host`; Basic Auth, needing 8 characters with letters
  and digits, so `user:password@` and `user:pass@` are no finding) is replaced in URL userinfo and as
  a whole assigned string (`PASSWORD = "..."`), never as a dict key, keyword or query-parameter name;
- an email or IP address is replaced where the pattern matches as a whole token, never inside a URL's
  userinfo (`http://user:pass@host/path` holds no address), never starting inside a string escape.
In Python code that tokenizes, every replacement lies inside a string literal (between the quotes;
an f-string's text, not its {expressions}) or a comment: a name is code, even one shaped like a key
(it would be a NameError as a key), so a string stays a string and a name stays a name.
A replaced sample or record is checked: Python code that parsed before must parse after; when a
replacement would break it (code the tokenizer cannot split, where every occurrence counts as in
a text), the item is dropped with reason `redaction_breaks_syntax`, counted like any reject:
neither the secret nor broken code is published.

Each finding is replaced by `<KEY>`, `<EMAIL>` or `<IP_ADDRESS>` in the sample's old and new code,
subject, message and instruction (and a judge record's original code): all texts are scanned
together and the union of findings is replaced in all of them by the rules above, so the same
replacement lands on both sides and the diff keeps its shape. An item with any replacement carries
the tag `redacted`. Or the item is dropped (`mode: drop`). The same pure function (`redact`) serves
the corpus (`ScrubSecrets`, stage assembly.secrets) and the records a run writes when it stops
after its sources (`RedactRecords`, stage `<source>.secrets`).
Findings are counted by kind in the `repairpack.findings` Beam namespace; a finding's value is never
logged, put in a reject detail or printed by repr().
"""
from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

import apache_beam as beam

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, counter_values, tallied
from filters.literals import literal_regions
from beam_jobs.assembly.samples import with_diff
from beam_jobs.assembly.secret_keys import ASSIGNED_VALUE
from beam_jobs.assembly.secret_finders import (EMAIL, IP_ADDRESS, KEY, KINDS, Finding, Scrubber,
                                               ends_an_escape, in_url_userinfo)
from config.assembly import SecretsConfig
from filters import tokens as bpe

STAGE = "assembly.secrets"
FINDINGS_NAMESPACE = "repairpack.findings"
PLACEHOLDERS = {KEY: "<KEY>", EMAIL: "<EMAIL>", IP_ADDRESS: "<IP_ADDRESS>"}
DROP_REASONS = {KEY: "contains_key", EMAIL: "contains_email", IP_ADDRESS: "contains_ip_address"}
TEXT_FIELDS = ("old_contents", "new_contents", "subject", "message", "instruction")
# Mined code a judge record carries besides its (comment-stripped) contents.
ORIGINAL_CODE_FIELDS = ("original_code_before", "original_code_after")
CODE_FIELDS = ("old_contents", "new_contents") + ORIGINAL_CODE_FIELDS
BREAKS_SYNTAX = "redaction_breaks_syntax"
REDACTED_TAG = "redacted"


# Where a finding may be replaced ----------------------------------------------------------------

def _inside(regions: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    if regions is None:
        return True
    i = bisect.bisect_right(regions, (start, float("inf"))) - 1
    return i >= 0 and regions[i][0] <= start and end <= regions[i][1]


_URL_PASSWORD_BEFORE = re.compile(r"://[^\s/@:?#]+:$")


def _password_stands_as_value(text: str, start: int, end: int) -> bool:
    """A URL password where it is a value: the password of a URL's userinfo, or a whole string
    that is assigned, passed by keyword or is a mapping's value. Never a name."""
    line_start = text.rfind("\n", 0, start) + 1
    if end < len(text) and text[end] == "@" and _URL_PASSWORD_BEFORE.search(text, max(line_start, start - 300), start):
        return True
    if start > line_start and end < len(text) and text[start - 1] in "'\"" and text[end] == text[start - 1]:
        return ASSIGNED_VALUE.search(text, line_start, start - 1) is not None
    return False


def _email_at(text: str, start: int, end: int) -> bool:
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.%+-@") and not ends_an_escape(text, start):
        return False
    if end < len(text) and (text[end].isalnum() or text[end] in "_-@"
                            or (text[end] == "." and end + 1 < len(text) and text[end + 1].isalnum())):
        return False
    return not in_url_userinfo(text, start)


def _ip_at(text: str, start: int, end: int, value: str) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if ":" in value:
        return not (before.isalnum() or before in "_:." or after.isalnum() or after in "_:")
    if before.isalnum() or before in "_." or after.isalnum() or after == "_":
        return False
    return not (after == "." and end + 1 < len(text) and text[end + 1].isdigit())


def _replaceable(text: str, start: int, end: int, finding: Finding, regions: list[tuple[int, int]] | None) -> bool:
    if not _inside(regions, start, end):
        # Python names, numbers and operators are code, never a secret: a 44-letter function name
        # after "key:" is what IBM's plugin calls an IAM key.
        return False
    if finding.kind == KEY and finding.anywhere:
        return True  # a value only a key looks like
    if finding.kind == KEY:
        return _password_stands_as_value(text, start, end)
    if finding.kind == EMAIL:
        return _email_at(text, start, end)
    return _ip_at(text, start, end, finding.value)


def replace_findings(text: str, findings: list[Finding], *, python: bool = False) -> tuple[str, set[str]]:
    """The text with each replaceable occurrence of each finding replaced by its placeholder (longest
    first where two overlap), and the values replaced. `python`: the text is Python code, so
    addresses and URL passwords are replaced only inside string literals and comments (when it
    tokenizes)."""
    new, used, _ = _replace(text, findings, python)
    return new, used


# What a replaced value must not hold for the replacement to be syntax-neutral: an escape's
# backslash, a quote, an f-string brace, a line end.
_SYNTAX_CHARS = re.compile(r"[\\'\"{}\r\n]")
# The longest escape that a value could start inside of, besides \N{...} (whose braces a value
# cannot hold): \U and eight hex digits.
_LONGEST_ESCAPE = 10


def _replace(text: str, findings: list[Finding], python: bool) -> tuple[str, set[str], bool]:
    """replace_findings, plus whether the replacements provably keep Python code's syntax.

    They do when the code tokenized and each replaced value lies inside one string literal or
    comment, holds no backslash, quote, brace or line end, and starts no closer than an escape's
    length after a backslash: replacing such a run by a placeholder (`<EMAIL>`, which holds none of
    those either) changes no token's kind or extent and no escape, so the code parses after exactly
    when it parsed before, and `redact` need not parse both versions to find out. ast.parse was
    the largest part of redaction on real repositories, whose file headers carry the authors'
    addresses. Anything else is checked by parsing.
    """
    if not findings or not text:
        return text, set(), True
    regions = literal_regions(text) if python else None
    spans: list[tuple[int, int, Finding]] = []
    for finding in findings:
        value = finding.value
        at = text.find(value)
        while at >= 0:
            if _replaceable(text, at, at + len(value), finding, regions):
                spans.append((at, at + len(value), finding))
            at = text.find(value, at + 1)
    if not spans:
        return text, set(), True
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2].value))
    out: list[str] = []
    used: set[str] = set()
    safe = regions is not None
    pos = 0
    for start, end, finding in spans:
        if start < pos:
            continue  # overlaps a longer or earlier replacement
        out += [text[pos:start], PLACEHOLDERS[finding.kind]]
        used.add(finding.value)
        if safe:
            safe = _keeps_syntax(text, start, end)
        pos = end
    out.append(text[pos:])
    return "".join(out), used, safe


def _keeps_syntax(text: str, start: int, end: int) -> bool:
    """For a span `_replaceable` placed inside one literal or comment (the text tokenized)."""
    if _SYNTAX_CHARS.search(text, start, end) is not None:
        return False
    return "\\" not in text[max(0, start - _LONGEST_ESCAPE):start]


def redact_text(text: str, findings: list[Finding], *, python: bool = False) -> str:
    """The text with its findings replaced (`replace_findings` without the values)."""
    return replace_findings(text, findings, python=python)[0]


def parses(code: str) -> bool:
    """Python 3 code that `ast` parses (warnings about escapes are not errors)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.kind for f in findings)
    return {k: counts[k] for k in KINDS if counts[k]}


@dataclass(frozen=True)
class Redaction:
    """What `redact` did to one sample or record: the item (redacted and tagged, or as it was),
    the findings replaced by kind, and the reason to drop it (None: keep)."""
    item: Any = field(repr=False)
    counts: dict[str, int]
    reason: str | None = None
    detail: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def _is_python(item: Any) -> bool:
    return str(getattr(item, "lang", "") or "").lower().startswith("python")


def redact(scrubber: Scrubber, item: Any, mode: str = "redact") -> Redaction:
    """The one pure function of redaction, for a RepairSample, a CommitRecord or a JudgeRecord alike.

    Every text field the item has (contents, subject, message, instruction, a judge record's
    original code) is scanned together and replaced by the rules of the module docstring. When
    something is replaced: in mode "drop" the reason is the first kind's (`contains_key`, ...);
    when Python code that parsed no longer parses, the reason is `redaction_breaks_syntax`;
    otherwise the item comes back with its fields replaced, the tag `redacted` (tags kept sorted and
    unique), its `tokens` recounted when it had a count, and, for a sample, its diff recomputed.
    Values never reach the detail."""
    names = [n for n in TEXT_FIELDS + ORIGINAL_CODE_FIELDS if isinstance(getattr(item, n, None), str)]
    texts = {n: getattr(item, n) for n in names}
    findings = scrubber.find(texts.values())
    if not findings:
        return Redaction(item, {})
    python = _is_python(item)
    changes: dict[str, str] = {}
    used: set[str] = set()
    unsure: set[str] = set()  # code fields whose replacements might change the syntax (_replace)
    for name, text in texts.items():
        new, replaced, safe = _replace(text, findings, python and name in CODE_FIELDS)
        if replaced:
            changes[name] = new
            used |= replaced
            if not safe:
                unsure.add(name)
    counts = count_kinds(f for f in findings if f.value in used)
    if not counts:
        return Redaction(item, {})
    detail = ", ".join(f"{k} x{n}" for k, n in counts.items())
    if mode == "drop":
        first = next(k for k in KINDS if k in counts)
        return Redaction(item, counts, DROP_REASONS[first], detail)
    broken = [n for n in changes if python and n in unsure and parses(texts[n]) and not parses(changes[n])]
    if broken:
        return Redaction(item, counts, BREAKS_SYNTAX, f"{detail}; would not parse: {', '.join(broken)}")
    if hasattr(item, "tags"):
        changes["tags"] = sorted(set(item.tags or []) | {REDACTED_TAG})
    contents = ("old_contents" in changes or "new_contents" in changes)
    redacted = replace(item, **changes)
    if hasattr(item, "diff") and contents:
        redacted = with_diff(redacted)  # a sample: its diff and its tokens count the redacted contents
    elif contents and getattr(item, "tokens", None) is not None and bpe.available():
        # A record's `tokens` counts the contents it holds: the redacted ones now.
        redacted = replace(redacted, tokens=bpe.pair_tokens(redacted.old_contents, redacted.new_contents))
    return Redaction(redacted, counts)


# -------------------------------------------------------------------------------------------- Beam

class _ScrubFn(StageDoFn):
    """Samples (stage assembly.secrets, counted under each sample's source) or, with `records`,
    source records (stage `<source>.secrets`). Both go through `redact`."""

    def __init__(self, cfg: SecretsConfig, records: bool = False) -> None:
        super().__init__(STAGE)
        self._cfg = cfg
        self._records = records

    def setup(self) -> None:
        super().setup()
        self._scrubber = Scrubber(self._cfg)
        self._counters: dict[str, Any] = {}

    def _count(self, name: str, n: int = 1) -> None:
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = self.counter(name, FINDINGS_NAMESPACE)
        counter.inc(n)

    def process(self, item: Any) -> Iterator[Any]:
        if self._records:
            name = record_stage(item.source)
            stage = self.stage(source=item.source, name=name)
            key, repo, redacted = item.id, ",".join(item.repos or []), "records_redacted"
        else:
            name = STAGE
            stage = self.stage(item.source)
            key, repo, redacted = item.id, item.group, "samples_redacted"
        stage.incoming()
        result = redact(self._scrubber, item, self._cfg.mode)
        for kind, n in result.counts.items():
            self._count(f"{name}/{kind}", n)
        if result.reason is not None:
            yield stage.reject(result.reason, key=key, repo=repo, detail=result.detail)
            return
        if result.changed:
            self._count(f"{name}/{redacted}")
        stage.kept()
        yield result.item


def record_stage(source: str) -> str:
    """The stage that redacts a source's records in a run that stops after the sources."""
    return f"{source}.secrets"


class ScrubSecrets(beam.PTransform):
    """PCollection[RepairSample] -> outputs `kept` and REJECTS (stage assembly.secrets).

    mode "off" is a pass-through that still counts in = kept, so the funnel keeps its shape."""

    def __init__(self, cfg: SecretsConfig) -> None:
        super().__init__()
        self._cfg = cfg

    def expand(self, samples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        cfg = self._cfg
        if cfg.mode == "off":
            cfg = replace(cfg, keys=False, emails=False, ip_addresses=False)
        return tallied(samples | "Scrub" >> beam.ParDo(_ScrubFn(cfg)).with_outputs(REJECTS, TALLY, main="kept"))


class RedactRecords(beam.PTransform):
    """PCollection[CommitRecord | JudgeRecord] -> outputs `kept` and REJECTS (stage `<source>.secrets`,
    e.g. git.secrets, judge.secrets): what a run that stops after its sources writes is redacted
    as the corpus is, by the same `redact`.

    mode "off" is a pass-through that still counts in = kept; the build leaves the stage out then."""

    def __init__(self, cfg: SecretsConfig, label: str | None = None) -> None:
        super().__init__(label)
        self._cfg = cfg

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        cfg = self._cfg
        if cfg.mode == "off":
            cfg = replace(cfg, keys=False, emails=False, ip_addresses=False)
        return tallied(records | "Scrub" >> beam.ParDo(_ScrubFn(cfg, records=True)).with_outputs(REJECTS, TALLY, main="kept"))


def finding_counts(source: Any) -> dict[str, int]:
    """{kind: findings, "samples_redacted": n} from a run's `Tallies` or a PipelineResult's metrics."""
    out: dict[str, int] = {}
    for full_name, value in counter_values(source, FINDINGS_NAMESPACE):
        _, _, name = full_name.rpartition("/")
        out[name] = out.get(name, 0) + value
    return dict(sorted(out.items()))
