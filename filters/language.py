"""Message language (beyond the paper): langdetect on the cleaned message, made deterministic.

What is examined: the cleaned message (instruction plus body, trailers removed), with code-like tokens
taken out first (identifiers with `_`, `.`, brackets or digits, camelCase words, `--flags`). Those are
language-neutral and pull short English subjects towards French or Italian.

What is kept: a record is kept when any allowed language reaches `language_min_prob`, not only when it
is the top guess. langdetect is overconfident on short text; on a hand-written set of 80 plain English
subjects, "top guess must be English" dropped 5 and this rule drops 2, while all 15 non-English
subjects of the same set are still dropped. ASCII text with fewer than `language_min_chars` letters is
not judged at all (kept, language "und"): langdetect on "Use in" is noise. Short text in another
script is still judged, because the script alone is a strong signal (eight Chinese characters are a
whole sentence).

How: langdetect seeded with 0, its answers reproduced to the last bit by faster code
(filters/langdetect_loop.py, `detect`: about 1 ms a commit message). The filter's batch hook
`prepare_language` feeds whole batches of records to `detect_many` (filters/langdetect_batch.py,
several times faster per message; see filters/base.py). Both fill the same bounded memo, so
`check_language` and `annotate` ask once.

Reasons: language_not_allowed, undetectable_language (langdetect found no usable features).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Sequence

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters.base import rules_from
from filters.langdetect_batch import detect_many
from filters.langdetect_loop import UNDETERMINED, detect
from filters.message import MessageRules, clean_message

UNDETECTABLE = "undetectable_language"
NOT_ALLOWED = "language_not_allowed"

_CODE_TOKEN = re.compile(
    r"\S*[_.()\[\]{}<>=/\\`'\"0-9@#$%^&*|~]\S*"   # identifiers with punctuation or digits, paths, calls
    r"|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"     # camelCase, PascalCase with an inner capital
    r"|(?<!\w)--?\w[\w-]*"                          # command-line flags
)
_LETTER = re.compile(r"[^\W\d_]")


def text_for_detection(text: str, max_chars: int) -> str:
    return " ".join(_CODE_TOKEN.sub(" ", text[:max_chars]).split())


@dataclass(frozen=True)
class LanguageRules:
    """Frozen and hashable: `judged_text` is memoised on it."""
    detect_language: bool
    allowed_languages: frozenset[str]
    language_min_prob: float
    language_min_chars: int
    language_max_chars: int


def compile_language_rules(cfg: FilterConfig) -> LanguageRules:
    return rules_from(LanguageRules, cfg, allowed_languages=frozenset(cfg.allowed_languages))


class Verdict(NamedTuple):
    language: str
    reason: str | None


@lru_cache(maxsize=4096)
def judged_text(message_text: str, rules: LanguageRules) -> str | None:
    """The text langdetect is asked about, None when the message is not judged (short ASCII);
    memoised because the batch hook, the filter and `annotate` all ask."""
    text = text_for_detection(message_text, rules.language_max_chars)
    if text.isascii() and len(_LETTER.findall(text)) < rules.language_min_chars:
        return None
    return text


def judge(message_text: str, rules: LanguageRules) -> Verdict:
    """The language recorded for a message and whether it passes; pure in its inputs."""
    text = judged_text(message_text, rules)
    if text is None:
        return Verdict(UNDETERMINED, None)
    found = detect(text)
    if found.error:
        return Verdict(UNDETERMINED, UNDETECTABLE)
    allowed = rules.allowed_languages
    if any(lang in allowed and prob >= rules.language_min_prob for lang, prob in found.probabilities):
        # Record the allowed language that passed rather than a wrong top guess such as "fr".
        best = max((p, lang) for lang, p in found.probabilities if lang in allowed)[1]
        return Verdict(best, None)
    return Verdict(found.language, NOT_ALLOWED)


def message_language(record: CommitRecord, message_rules: MessageRules, rules: LanguageRules) -> Verdict:
    return judge(clean_message(record, message_rules), rules)


def check_language(record: CommitRecord, rules: tuple[MessageRules, LanguageRules]) -> str | None:
    message_rules, language_rules = rules
    return message_language(record, message_rules, language_rules).reason


def prepare_language(records: Sequence[CommitRecord], rules: tuple[MessageRules, LanguageRules]) -> None:
    """`check_language`'s batch hook: detects the language of many records' messages at once
    (`detect_many`), so that `check_language` and `annotate` then find every answer memoised. Only
    speed depends on it: the answers are `detect`'s."""
    message_rules, language_rules = rules
    texts = [judged_text(clean_message(record, message_rules), language_rules) for record in records]
    detect_many(text for text in texts if text is not None)
