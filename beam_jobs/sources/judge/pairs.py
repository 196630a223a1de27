"""From one user's submissions to one problem to repair pairs: pure functions, no Beam.

Order of work on a (user, problem) group, as `beam_jobs.sources.judge.source` runs it:

1. `sort_sequence`: by time, ties broken by submission id in natural order ("s9" before "s10",
   "999" before "1000"), so equal timestamps give the same sequence on every run;
2. `cut_at_first_accepted`: nothing after the first Accepted is paired, and a group that never
   reaches Accepted gives nothing; both are known from the metadata, so their code is never read;
3. `clean` each remaining submission: `strip_comments` (tokenize, never regexes, so `#` in a string
   or an f-string survives; docstrings optionally; code that does not tokenize is kept as is,
   flagged), skipped for code with no `#` until `settle` is asked about a record's two sides;
4. `collapse_repeats`: a resubmission of the same normalised code is not a fix step;
5. `pair_sequence` with the configured strategy.

Reasons (judge.sequence): never_accepted, after_accepted, accepted_first_try.
Reasons (judge.repeat): repeat. Reasons (judge.pair): accepted_first_try, superseded, no_accepted.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Iterable, NamedTuple, Sequence

from config.judge import JudgeConfig
from schemas.submission import AC, FAILING, VERDICT_NAMES, Submission

NEVER_ACCEPTED = "never_accepted"
AFTER_ACCEPTED = "after_accepted"
ACCEPTED_FIRST_TRY = "accepted_first_try"
REPEAT = "repeat"
SUPERSEDED = "superseded"
NO_ACCEPTED = "no_accepted"

LAST_FAILURE = "last-failure"
EACH_STEP = "each-step"
ALL_FAILURES = "all-failures"

# ---------------------------------------------------------------------------------------- ordering

_DIGITS = re.compile(r"(\d+)")


def natural_key(submission_id: str) -> tuple[tuple[int, int, str], ...]:
    """Digit runs compare as numbers: judges number submissions, and "s9" comes before "s10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in _DIGITS.split(submission_id) if part)


def sequence_key(sub: Submission) -> tuple:
    return (sub.time, natural_key(sub.submission_id), sub.submission_id)


def sort_sequence(subs: Iterable[Submission]) -> list[Submission]:
    return sorted(subs, key=sequence_key)


def cut_at_first_accepted(seq: Sequence[Submission]) -> tuple[list[Submission], list[tuple[Submission, str]]]:
    """(the sequence up to and including the first Accepted, [(dropped submission, reason)]).

    Decided on verdicts alone, before any code is read. A first submission that is already accepted
    has nothing to fix.
    """
    first_ac = next((i for i, s in enumerate(seq) if s.status == AC), None)
    if first_ac is None:
        return [], [(s, NEVER_ACCEPTED) for s in seq]
    dropped = [(s, AFTER_ACCEPTED) for s in seq[first_ac + 1:]]
    if first_ac == 0:
        return [], [(seq[0], ACCEPTED_FIRST_TRY)] + dropped
    return list(seq[:first_ac + 1]), dropped


# --------------------------------------------------------------------------------- comment stripping

class Stripped(NamedTuple):
    code: str
    # False when the code does not tokenize; `code` is then the original, untouched.
    tokenizes: bool


_SKIP = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.ENCODING})
_TOKENIZE_ERRORS = (tokenize.TokenError, SyntaxError, ValueError)


def _tokens(lines: list[str]) -> list[tokenize.TokenInfo] | None:
    try:
        tokens = list(tokenize.generate_tokens(iter(lines).__next__))
    except _TOKENIZE_ERRORS:
        return None
    # Python 3.11's tokenizer does not raise on an unterminated string or a stray "$": it emits an
    # ERRORTOKEN and goes on, and what follows (a "#" inside the broken string) would be misread.
    if any(t.type == tokenize.ERRORTOKEN and t.string.strip() for t in tokens):
        return None
    return tokens


_LINE_BREAKS = frozenset({tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})


def _opens_def_or_class(significant: list[tokenize.TokenInfo], indent_at: int) -> bool:
    """Whether the logical line before the INDENT at `indent_at` is a `def` or `class` header."""
    k = indent_at - 2  # skip the INDENT and the header's NEWLINE
    while k >= 0 and significant[k].type not in _LINE_BREAKS:
        k -= 1
    first = significant[k + 1] if k + 1 < indent_at else None
    if first is None or first.type != tokenize.NAME:
        return False
    if first.string == "async" and k + 2 < indent_at:
        first = significant[k + 2]
    return first.string in ("def", "class")


def _docstring_spans(tokens: list[tokenize.TokenInfo]) -> list[tuple[tuple[int, int], tuple[int, int], str]]:
    """Strings that are a whole statement at the start of the module or of a def or class body.

    When the docstring is the body's only statement it becomes `pass`, so the code still parses.
    One-line bodies (`def f(): "doc"`) are left alone.
    """
    spans = []
    significant = [t for t in tokens if t.type not in _SKIP]
    for i, tok in enumerate(significant):
        if tok.type != tokenize.STRING:
            continue
        prev = significant[i - 1] if i else None
        if prev is not None and not (prev.type == tokenize.INDENT and _opens_def_or_class(significant, i - 1)):
            continue
        j = i
        while j + 1 < len(significant) and significant[j + 1].type == tokenize.STRING:
            j += 1
        end_tok = significant[j + 1] if j + 1 < len(significant) else None
        if end_tok is None or end_tok.type not in (tokenize.NEWLINE, tokenize.ENDMARKER):
            continue
        after = significant[j + 2] if j + 2 < len(significant) else None
        only_statement = prev is not None and (after is None or after.type in (tokenize.DEDENT, tokenize.ENDMARKER))
        spans.append((tok.start, significant[j].end, "pass" if only_statement else ""))
    return spans


def strip_comments(code: str, strip_docstrings: bool = False) -> Stripped:
    """Comments removed (and docstrings, when asked); lines left empty by the removal are dropped,
    blank lines the author wrote are kept. Line endings become "\\n"."""
    text = code.replace("\r\n", "\n").replace("\r", "\n")
    lines = io.StringIO(text).readlines()
    tokens = _tokens(lines)
    if tokens is None:
        return Stripped(code, False)
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            edits.append((tok.start, tok.end, ""))
    if strip_docstrings:
        edits.extend(_docstring_spans(tokens))
    if not edits:
        return Stripped(text, True)
    # (text, was blank before any edit): edits run back to front so earlier positions stay valid.
    work = [[line, not line.strip()] for line in lines]
    for (srow, scol), (erow, ecol), replacement in sorted(edits, reverse=True):
        if srow - 1 >= len(work):
            continue
        head = work[srow - 1][0][:scol]
        tail_line = work[erow - 1][0]
        tail = tail_line[ecol:]
        if replacement == "" and tail.strip() == "":
            # The edit ran to the end of the line: drop the spaces before it too.
            joined = head.rstrip() + ("\n" if tail_line.endswith("\n") else "")
        else:
            joined = head + replacement + tail
        work[srow - 1][0] = joined
        del work[srow:erow]
    out = "".join(line for line, was_blank in work if was_blank or line.strip())
    return Stripped(out, True)


def normalise_for_repeats(code: str) -> str:
    """Stripped code compared line by line without trailing spaces and blank lines: a resubmission
    that only moved a blank line or lost a comment is still the same program."""
    return "\n".join(line.rstrip() for line in code.split("\n") if line.strip())


# ------------------------------------------------------------------------------------------ repeats

@dataclass
class Step:
    """One submission of a sequence, its cleaned code and what the pairing needs to know about it."""
    sub: Submission
    code: str
    original: str
    # None until known: see `clean`.
    tokenizes: bool | None
    normalised: str


def clean(sub: Submission, code: str, strip_docstrings: bool) -> Step:
    """A submission's code, stripped and normalised for the repeat check.

    Code with no "#" has no comment, so (docstrings aside) stripping cannot change it; tokenizing it
    would only settle the `tokenizes` flag, which matters only for the two sides of a record. It is
    left unknown here and `settle` decides it, so most code in a run is never tokenized twice over.
    """
    if "#" not in code and not strip_docstrings:
        text = code.replace("\r\n", "\n").replace("\r", "\n")
        return Step(sub, text, code, None, normalise_for_repeats(text))
    stripped = strip_comments(code, strip_docstrings)
    return Step(sub, stripped.code, code, stripped.tokenizes, normalise_for_repeats(stripped.code))


def settle(step: Step) -> Step:
    """The step as `strip_comments` would have left it: same text when the code tokenizes, the original
    (and the flag down) when it does not."""
    if step.tokenizes is not None:
        return step
    stripped = strip_comments(step.original)
    return Step(step.sub, stripped.code, step.original, stripped.tokenizes, step.normalised)


def collapse_repeats(steps: Sequence[Step]) -> tuple[list[Step], list[tuple[Step, str]]]:
    """Drop a submission whose normalised code equals the previous one's.

    One exception keeps the verdicts honest: when a run of identical code contains an Accepted (a
    time limit met on the second try), the run is represented by that Accepted, not by its first
    submission; otherwise the sequence would end on a failure of code the judge accepted.
    """
    kept: list[Step] = []
    dropped: list[tuple[Step, str]] = []
    i = 0
    while i < len(steps):
        j = i
        while j + 1 < len(steps) and steps[j + 1].normalised == steps[i].normalised:
            j += 1
        run = steps[i:j + 1]
        keep = next((s for s in run if s.sub.status == AC), run[0])
        kept.append(keep)
        dropped.extend((s, REPEAT) for s in run if s is not keep)
        i = j + 1
    return kept, dropped


# ------------------------------------------------------------------------------------------ pairing

class Pair(NamedTuple):
    before: int  # index into the sequence
    after: int


def pair_sequence(verdicts: Sequence[str], strategy: str) -> tuple[list[Pair], dict[int, str]]:
    """Pairs over one cleaned sequence, and the reason each unpaired position got none.

    Only the part up to the first Accepted is looked at; later positions are `after_accepted`.
    """
    first_ac = next((i for i, v in enumerate(verdicts) if v == AC), None)
    reasons: dict[int, str] = {}
    if first_ac is None:
        return [], {i: NO_ACCEPTED for i in range(len(verdicts))}
    for i in range(first_ac + 1, len(verdicts)):
        reasons[i] = AFTER_ACCEPTED
    failures = [i for i in range(first_ac) if verdicts[i] in FAILING]
    for i in range(first_ac):
        if verdicts[i] not in FAILING:
            reasons[i] = SUPERSEDED
    if not failures:
        reasons[first_ac] = ACCEPTED_FIRST_TRY
        return [], reasons
    if strategy == LAST_FAILURE:
        pairs = [Pair(failures[-1], first_ac)]
        for i in failures[:-1]:
            reasons[i] = SUPERSEDED
    elif strategy == EACH_STEP:
        chain = failures + [first_ac]
        pairs = [Pair(a, b) for a, b in zip(chain, chain[1:])]
    elif strategy == ALL_FAILURES:
        pairs = [Pair(i, first_ac) for i in failures]
    else:
        raise ValueError(f"unknown pairing strategy {strategy!r}")
    return pairs, reasons


# ------------------------------------------------------------------------------------- instructions

_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr",
                         "table", "section", "blockquote", "hr", "dl", "dt", "dd"})
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})


_INLINE_MARKS = {"sup": "^", "sub": "_"}


class _TextExtractor(HTMLParser):
    """Text of the visible elements. Outside <pre>, line breaks in the markup are spaces, as a
    browser shows them; block elements start new lines. 10<sup>12</sup> reads 10^12, t<sub>i</sub>
    reads t_i: statements lean on both and flattening them changes the meaning."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
            return
        if tag == "pre":
            self._pre += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _INLINE_MARKS and not self._hidden:
            self.parts.append(_INLINE_MARKS[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
            return
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.parts.append(data if self._pre else " ".join(data.split("\n")))


def html_to_text(markup: str) -> str:
    """Plain text of a problem statement: tags gone, entities decoded, blocks on their own lines,
    runs of spaces and of blank lines squeezed."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's last-resort failures on broken markup
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def truncate(text: str, max_chars: int) -> str:
    """At a word boundary when there is one near the limit, with an ellipsis that says text is gone."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 3:
        return text[:max_chars]
    cut = text[:max_chars - 3]
    space = cut.rfind(" ")
    if space > (max_chars * 3) // 4:
        cut = cut[:space]
    return cut.rstrip() + "..."


class Instruction(NamedTuple):
    subject: str
    full: str


def build_instruction(verdict: str, problem_name: str, problem_id: str, dataset: str,
                      description: str, cfg: JudgeConfig) -> Instruction:
    """The one-line instruction from the verdict being fixed and the problem; with a description
    (already plain text) the full instruction carries it too."""
    fields = {"problem": problem_name or problem_id, "problem_id": problem_id, "dataset": dataset,
              "verdict": VERDICT_NAMES.get(verdict, verdict)}
    subject = cfg.instruction_template.format(**fields)
    if not (cfg.include_description and description and cfg.description_max_chars > 0):
        return Instruction(subject, subject)
    full = cfg.description_template.format(
        instruction=subject, description=truncate(description, cfg.description_max_chars), **fields)
    return Instruction(subject, full)


def license_for(dataset: str, cfg: JudgeConfig) -> str:
    return cfg.licenses.get(dataset.lower(), cfg.default_license)
