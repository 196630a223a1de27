"""Commit-message rules: the whole message, the subject, authors, reverts and version bumps.

These are the cheap checks, so they run first and see every record. Everything that varies with the
config is compiled once into `MessageRules` (frozensets, compiled regexes); a check only reads it.
The subject cleaning is memoised on the subject string because several checks, the language filter
and `annotate` all need the same cleaned forms of the same subject.

Reasons (stable, snake_case):
  message_too_short, message_too_long, message_denylisted, merge_message      whole message
  bot_author, revert                                                          beyond the paper
  subject_has_hash, subject_mentions_filename, subject_too_short,
  subject_too_long, subject_too_few_words, subject_too_many_words,
  subject_not_capitalized, subject_not_imperative, subject_denylisted,
  subject_bad_phrase, subject_version, subject_is_hash, subject_has_sha,
  subject_first_person, subject_thanks, subject_issue_ref, subject_wip,
  subject_has_url                                                             subject (CommitPackFT)
  version_bump                                                                deterministic 90% drop

The imperative rule reads filters/verbs.txt: the entries above its `[strict]` line always, the ones
below it (verbs measured on real subjects, issue 14) only with `subject_strict_verbs`. With
`subject_allow_negated`, "Don't ...", "Do not ..." and "Never ..." pass when a listed verb follows,
after at most one adverb ("Don't silently store ...").
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters.base import rules_from

VERBS_PATH = Path(__file__).with_name("verbs.txt")
# The line of verbs.txt after which the strict-only entries start.
STRICT_SECTION = "[strict]"

# Trailing pull-request references GitHub and GitLab append: "(#1234)", "(#12, #13)", "(GH-7)", "(!42)".
_PR_SUFFIX = re.compile(r"(?:\s*\((?:(?:#|gh-|!)\d+(?:,\s*)?)+\))+\s*$", re.IGNORECASE)
_SKIP_CI_ANY_CASE = re.compile(r"\[(?:skip ci|ci skip)\]", re.IGNORECASE)
# Lines a commit tool adds below the message. Names and ids only, so they only add noise to language
# detection. "cherry picked" is git's -x line.
_TRAILER_LINE = re.compile(
    r"^[ \t]*(?:(?:signed-off-by|co-authored-by|change-id|reviewed-by|reviewed-on|acked-by|tested-by|"
    r"reported-by|suggested-by|helped-by|requested-by|approved-by|cc|git-svn-id|differential revision|"
    r"pr-url|pull-request|bug|fixes|closes|resolves|refs|see-also)[ \t]*:.*"
    r"|\(cherry picked from commit [0-9a-f]+\))[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
_REVERT_SUBJECT = re.compile(r"^(?:revert|reapply)\s+[\"']", re.IGNORECASE)
_REVERT_BODY = re.compile(r"this reverts commit [0-9a-f]{7,40}", re.IGNORECASE)

# Published forms. The version pattern's lookahead `(?=$|\S)` rejects a version followed by a space,
# so "v1.2.3 release" passes; strict uses a plain "no further digit" end.
_VERSION_PUBLISHED = re.compile(r"v?\d+\.\d+\.\d+(?=$|\S)")
_VERSION_STRICT = re.compile(r"v?\d+\.\d+\.\d+(?!\d)")
_HEX_ONLY = re.compile(r"[a-f0-9]+(?:-[a-f0-9]+)*")
_SHA_PUBLISHED = re.compile(r"[a-f0-9]{40}")
_SHA_STRICT = re.compile(r"[a-f0-9]{40}", re.IGNORECASE)
_ISSUE_PUBLISHED = re.compile(r"issue\s*\d+|bug\s*\d+|feature\s*\d+")
_ISSUE_STRICT = re.compile(r"\b(?:issue|bug|feature)\s*\d+")
_ISSUE_WORDS = ("issue", "bug", "feature")
_WIP_STRICT = re.compile(r"\bwip\b")
_THANKS_STRICT = re.compile(r"\bthanks to\b.*\bfor\b|\bfor\b.*\bthanks to\b")
_VERSION_BUMP_PREFIXES = ("Bump", "Set version", "Update version")
# Stems that name a method or module role as often as a file; strict does not read them as a mention.
_AMBIGUOUS_STEMS = frozenset({"__init__", "__main__"})
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# A negation that opens a negated imperative ("don't" with either apostrophe, "dont", "do not",
# "never"), and the one adverb that may follow it ("Don't silently store ...", "Don't even install ...").
_NEGATION = re.compile(r"(?:don['\u2019]?t|do not|never) ")
_ADVERB = re.compile(r"(?:[a-z]+ly|even|only|just|always|ever|yet) ")


@lru_cache(maxsize=8)
def _verb_sections(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """(shared entries, strict-only entries) of a verbs file, read once per process; comments and
    blank lines are skipped, entries lowercased, the `[strict]` line splits the two."""
    shared: set[str] = set()
    strict: set[str] = set()
    current = shared
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            entry = line.split("#", 1)[0].strip().lower()
            if entry == STRICT_SECTION:
                current = strict
            elif entry:
                current.add(" ".join(entry.split()))
    return frozenset(shared), frozenset(strict - shared)


def load_verbs(path: str = str(VERBS_PATH)) -> frozenset[str]:
    """The shared verbs, which both presets read."""
    return _verb_sections(path)[0]


def load_strict_verbs(path: str = str(VERBS_PATH)) -> frozenset[str]:
    """The verbs below the `[strict]` line, read only with `subject_strict_verbs`."""
    return _verb_sections(path)[1]


@dataclass(frozen=True)
class MessageRules:
    published_bugs: bool
    message_min_chars: int | None
    message_max_chars: int | None
    message_denylist: frozenset[str]
    message_reject_merge: bool
    drop_bots: bool
    bot_pattern: re.Pattern[str] | None
    drop_reverts: bool
    strip_pr_suffix: bool
    strip_trailers: bool
    subject_reject_hash: bool
    subject_reject_filename: bool
    subject_min_chars: int | None
    subject_max_chars: int | None
    subject_min_words: int | None
    subject_max_words: int | None
    instruction_min_words: int | None
    subject_require_capital: bool
    subject_require_imperative: bool
    verbs: frozenset[str]
    verb_max_words: int
    subject_allow_negated: bool
    subject_denylist: frozenset[str]
    subject_deny_phrases: tuple[str, ...]
    subject_reject_version: bool
    subject_reject_sha: bool
    subject_reject_first_person: bool
    subject_reject_thanks: bool
    subject_reject_issue_ref: bool
    subject_reject_wip: bool
    subject_reject_url: bool
    version_bump_drop_share: float

    @property
    def checks_message(self) -> bool:
        return (self.message_min_chars is not None or self.message_max_chars is not None
                or bool(self.message_denylist) or self.message_reject_merge)

    @property
    def checks_subject(self) -> bool:
        return any((self.subject_reject_hash, self.subject_reject_filename, self.subject_min_chars is not None,
                    self.subject_max_chars is not None, self.subject_min_words is not None,
                    self.subject_max_words is not None, self.instruction_min_words is not None,
                    self.subject_require_capital, self.subject_require_imperative, bool(self.subject_denylist),
                    bool(self.subject_deny_phrases), self.subject_reject_version, self.subject_reject_sha,
                    self.subject_reject_first_person, self.subject_reject_thanks,
                    self.subject_reject_issue_ref, self.subject_reject_wip, self.subject_reject_url))


def compile_message_rules(cfg: FilterConfig) -> MessageRules:
    verbs = load_verbs() | {" ".join(v.lower().split()) for v in cfg.imperative_verbs_extra if v.strip()}
    if cfg.subject_strict_verbs:
        verbs |= load_strict_verbs()
    bot_pattern = None
    if cfg.bot_names:
        names = "|".join(re.escape(n.strip().lower()) for n in cfg.bot_names if n.strip())
        bot_pattern = re.compile(rf"^(?:{names})(?:$|[^a-z0-9])")
    return rules_from(
        MessageRules, cfg,
        message_denylist=frozenset(m.strip().lower() for m in cfg.message_denylist),
        bot_pattern=bot_pattern,
        verbs=frozenset(verbs),
        verb_max_words=max((v.count(" ") + 1 for v in verbs), default=1),
        subject_denylist=frozenset(s.strip().lower() for s in cfg.subject_denylist),
        subject_deny_phrases=tuple(p.lower() for p in cfg.subject_deny_phrases if p),
    )


# ------------------------------------------------------------------------------------ subject forms

class SubjectForms(NamedTuple):
    """The subject at each step of the published pipeline.

    raw: stripped first line, with a PR suffix removed when configured; the "#" and file-name rules
         and the first length bounds read it.
    cleaned: after "[skip ci]" removal and the [tag] / "prefix:" word rules; most rules read it.
    final: the instruction. The published scripts removed "[ci skip]" only in their second stage, after
         the word bounds; with published_bugs that order is kept, otherwise final == cleaned.
    """
    raw: str
    cleaned: str
    final: str


@lru_cache(maxsize=8192)
def subject_forms(subject: str, strip_pr: bool, published_bugs: bool) -> SubjectForms:
    raw = subject.strip()
    # The substring guards skip the regexes for the many subjects they cannot change.
    if strip_pr and raw.endswith(")"):
        raw = _PR_SUFFIX.sub("", raw).strip()
    if published_bugs:
        text = raw.replace("[skip ci]", "")
    elif "[" in raw:
        text = _SKIP_CI_ANY_CASE.sub(" ", raw)
    else:
        text = raw
    words = text.split()
    # Each rule drops at most one word, in the published order: a leading [tag], then a leading
    # "scope:", then a trailing [tag]. "[api] core: Fix x [wip]" becomes "Fix x".
    if words and words[0].startswith("[") and words[0].endswith("]"):
        words = words[1:]
    if words and words[0].endswith(":"):
        words = words[1:]
    if words and words[-1].startswith("[") and words[-1].endswith("]"):
        words = words[:-1]
    cleaned = " ".join(words)
    final = cleaned.replace("[ci skip]", "").strip() if published_bugs else cleaned
    return SubjectForms(raw, cleaned, final)


def forms_of(record: CommitRecord, rules: MessageRules) -> SubjectForms:
    return subject_forms(subject_of(record), rules.strip_pr_suffix, rules.published_bugs)


def subject_of(record: CommitRecord) -> str:
    """The record's subject, or the message's first line when a source left it empty."""
    if record.subject:
        return record.subject
    return record.message.split("\n", 1)[0] if record.message else ""


def instruction_of(record: CommitRecord, rules: MessageRules) -> str:
    """The cleaned subject as an instruction: it starts like a sentence even where the project's
    subjects start in lower case (a preset that requires the capital never sees one)."""
    final = forms_of(record, rules).final
    return final[:1].upper() + final[1:]


def clean_message(record: CommitRecord, rules: MessageRules) -> str:
    """The instruction followed by the message body, trailers removed when configured.

    This is the text language detection reads: the subject as it will be shown, plus any prose below.
    """
    forms = forms_of(record, rules)
    body = record.message.split("\n", 1)[1] if "\n" in record.message else ""
    if rules.strip_trailers and body:
        body = _TRAILER_LINE.sub("", body)
    body = body.strip()
    return f"{forms.final}\n{body}" if body else forms.final


# ------------------------------------------------------------------------------------------ checks

def check_message(record: CommitRecord, rules: MessageRules) -> str | None:
    """CommitPack's BigQuery stage, on the stripped message (git's trailing newline is not content)."""
    message = record.message.strip()
    length = len(message)
    if rules.message_min_chars is not None and length < rules.message_min_chars:
        return "message_too_short"
    if rules.message_max_chars is not None and length > rules.message_max_chars:
        return "message_too_long"
    lowered = message.lower()
    if lowered in rules.message_denylist:
        return "message_denylisted"
    if rules.message_reject_merge and lowered.startswith("merge"):
        return "merge_message"
    return None


def is_bot(author_name: str, rules: MessageRules) -> bool:
    name = author_name.strip().lower()
    if not name:
        return False
    if name.endswith("[bot]") or name == "bot" or name.endswith(("-bot", " bot", "_bot")):
        return True
    return rules.bot_pattern is not None and rules.bot_pattern.match(name) is not None


def check_author(record: CommitRecord, rules: MessageRules) -> str | None:
    return "bot_author" if is_bot(record.author_name, rules) else None


def check_revert(record: CommitRecord, rules: MessageRules) -> str | None:
    if _REVERT_SUBJECT.match(subject_of(record).lstrip()) or _REVERT_BODY.search(record.message):
        return "revert"
    return None


def _file_stem(path: str, published_bugs: bool) -> str | None:
    base = path.rsplit("/", 1)[-1]
    if published_bugs:
        # The published split takes the second-to-last dot part: "a.test.py" -> "test", ".py" -> "".
        parts = base.split(".")
        return parts[-2] if len(parts) >= 2 else None
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    if not stem or stem in _AMBIGUOUS_STEMS:
        return None
    return stem


def contains_word(text: str, word: str) -> bool:
    """`word` occurs in `text` not glued to a letter, digit or underscore ("io" is not in "ratio")."""
    start = text.find(word)
    size = len(word)
    while start != -1:
        before = text[start - 1] if start else " "
        end = start + size
        after = text[end] if end < len(text) else " "
        if before not in _WORD_CHARS and after not in _WORD_CHARS:
            return True
        start = text.find(word, start + 1)
    return False


def _bounds(text: str, rules: MessageRules) -> str | None:
    size = len(text)
    if rules.subject_min_chars is not None and size < rules.subject_min_chars:
        return "subject_too_short"
    if rules.subject_max_chars is not None and size > rules.subject_max_chars:
        return "subject_too_long"
    if rules.subject_min_words is not None or rules.subject_max_words is not None:
        words = len(text.split())
        if rules.subject_min_words is not None and words < rules.subject_min_words:
            return "subject_too_few_words"
        if rules.subject_max_words is not None and words > rules.subject_max_words:
            return "subject_too_many_words"
    return None


def starts_with_verb(lowered: str, rules: MessageRules) -> bool:
    """Starts with a listed verb (up to three words, e.g. "get rid of") followed by a space."""
    words = lowered.split(" ", rules.verb_max_words)
    if len(words) > 1 and words[0] in rules.verbs:
        return True
    for size in range(2, min(rules.verb_max_words, len(words) - 1) + 1):
        if " ".join(words[:size]) in rules.verbs:
            return True
    return False


def is_imperative(lowered: str, rules: MessageRules) -> bool:
    """A listed verb first, or (with `subject_allow_negated`) a negation, at most one adverb, then a
    listed verb: "don't test with a file in docs/", "never cache ...", "do not silently drop ..."."""
    if starts_with_verb(lowered, rules):
        return True
    if not rules.subject_allow_negated or not lowered.startswith(("d", "n")):
        return False
    negation = _NEGATION.match(lowered)
    if negation is None:
        return False
    rest = lowered[negation.end():]
    if starts_with_verb(rest, rules):
        return True
    adverb = _ADVERB.match(rest)
    return adverb is not None and starts_with_verb(rest[adverb.end():], rules)


def check_subject(record: CommitRecord, rules: MessageRules) -> str | None:
    """Every CommitPackFT subject rule, in the published order, first failure wins."""
    published = rules.published_bugs
    forms = forms_of(record, rules)
    raw = forms.raw
    if rules.subject_reject_hash and "#" in raw:
        return "subject_has_hash"
    if rules.subject_reject_filename:
        stem = _file_stem(record.new_file, published)
        if stem is not None and (stem in raw if published else contains_word(raw, stem)):
            return "subject_mentions_filename"
    reason = _bounds(raw, rules)
    if reason:
        return reason
    cleaned = forms.cleaned
    reason = _bounds(cleaned, rules)
    if reason:
        return reason
    if rules.subject_require_capital and not (cleaned and cleaned[0].isupper()):
        return "subject_not_capitalized"
    lowered = cleaned.lower()
    if rules.subject_require_imperative and not is_imperative(lowered, rules):
        return "subject_not_imperative"
    final = forms.final
    final_lowered = final.lower()
    if lowered in rules.subject_denylist or final_lowered in rules.subject_denylist:
        return "subject_denylisted"
    for phrase in rules.subject_deny_phrases:
        if phrase in lowered:
            return "subject_bad_phrase"
    if rules.subject_reject_version:
        if (_VERSION_PUBLISHED if published else _VERSION_STRICT).match(lowered):
            return "subject_version"
        if _HEX_ONLY.fullmatch(lowered):
            return "subject_is_hash"
    if rules.subject_reject_sha and len(cleaned) >= 40 and \
            (_SHA_PUBLISHED if published else _SHA_STRICT).search(cleaned):
        return "subject_has_sha"
    if rules.subject_reject_first_person and (
            " i " in final_lowered or "i've" in final_lowered or "i'm" in final_lowered):
        return "subject_first_person"
    if rules.subject_reject_thanks and "thanks to" in final_lowered:
        if published:
            # The published test looks for "for" anywhere, case-sensitively, even inside "format".
            if "for" in final:
                return "subject_thanks"
        elif _THANKS_STRICT.search(final_lowered):
            return "subject_thanks"
    if rules.subject_reject_issue_ref and any(word in final_lowered for word in _ISSUE_WORDS) and \
            (_ISSUE_PUBLISHED if published else _ISSUE_STRICT).search(final_lowered):
        return "subject_issue_ref"
    if rules.subject_reject_wip and ("work in progress" in final_lowered or ("wip" in final_lowered and (
            published or _WIP_STRICT.search(final_lowered) is not None))):
        return "subject_wip"
    if rules.subject_reject_url and ("http://" in final_lowered or "https://" in final_lowered):
        return "subject_has_url"
    if rules.instruction_min_words is not None and len(final.split()) < rules.instruction_min_words:
        return "subject_too_few_words"
    return None


def version_bump_draw(commit: str) -> float:
    """A uniform number in [0, 1) fixed by the commit sha: the paper's coin flip, made repeatable."""
    digest = hashlib.blake2b(commit.encode("utf-8"), digest_size=8, person=b"repairpk-bump").digest()
    return int.from_bytes(digest, "big") / 2.0 ** 64


def check_version_bump(record: CommitRecord, rules: MessageRules) -> str | None:
    share = rules.version_bump_drop_share
    if share <= 0.0:
        return None
    if forms_of(record, rules).final.startswith(_VERSION_BUMP_PREFIXES) and version_bump_draw(record.commit) < share:
        return "version_bump"
    return None
