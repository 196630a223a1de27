"""Message language (beyond the paper): langdetect on the cleaned message, made deterministic.

langdetect samples n-grams at random; with a fixed seed the same text always gives the same answer.
This module owns its detector factory, seeded with 0, instead of langdetect's module-level one, so
another library calling `DetectorFactory.set_seed` or `langdetect.detect` cannot change our results.
The profiles load once per process (on first use, i.e. on the worker).

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

Reasons: language_not_allowed, undetectable_language (langdetect found no usable features).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from schemas.commit import CommitRecord
from schemas.filter_config import FilterConfig

from filters.message import MessageRules, clean_message

SEED = 0
UNDETERMINED = "und"
UNDETECTABLE = "undetectable_language"
NOT_ALLOWED = "language_not_allowed"

_CODE_TOKEN = re.compile(
    r"\S*[_.()\[\]{}<>=/\\`'\"0-9@#$%^&*|~]\S*"   # identifiers with punctuation or digits, paths, calls
    r"|\b[a-z]+[A-Z]\w*|\b[A-Z][a-z]+[A-Z]\w*"     # camelCase, PascalCase with an inner capital
    r"|(?<!\w)--?\w[\w-]*"                          # command-line flags
)
_LETTER = re.compile(r"[^\W\d_]")

_factory = None


def _detector_factory():  # type: ignore[no-untyped-def]
    global _factory
    if _factory is None:
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        factory.set_seed(SEED)
        _factory = factory
    return _factory


class Detection(NamedTuple):
    """Top language and every (language, probability) langdetect reported; `error` when it gave up."""
    language: str
    probabilities: tuple[tuple[str, float], ...]
    error: bool = False


def text_for_detection(text: str, max_chars: int) -> str:
    return " ".join(_CODE_TOKEN.sub(" ", text[:max_chars]).split())


class _Rows:
    """langdetect's per-n-gram probability lists as numpy arrays, converted on first use and kept:
    at most one array per n-gram of its profile (about 88,000 x 55 floats, some 40 MB per worker
    process if every one is met; commit messages meet a small fraction)."""

    def __init__(self, word_lang_prob_map: dict) -> None:
        self.source = word_lang_prob_map
        self.arrays: dict[str, Any] = {}

    def get(self, word: str) -> Any:
        row = self.arrays.get(word)
        if row is None:
            import numpy as np

            row = self.arrays[word] = np.array(self.source[word], dtype=np.float64)
        return row


_rows: _Rows | None = None


def _detect_block(detector: Any) -> list[float]:
    """langdetect's `Detector._detect_block`, the same arithmetic on numpy arrays: the same answer to
    the last bit, about 2.5 times faster (langdetect updates 55 languages in a Python loop for each
    of up to 7 x 1,000 sampled n-grams; it is the slowest filter there is).

    Why the answer is identical: the random stream is langdetect's own (`detector.random`, seeded the
    same, drawn in the same order: one gauss per trial, one choice per step); every language's
    probability goes through the same IEEE double operations in the same order (multiply by
    `weight + p`, divide by the sum); the sum is Python's own `sum` over the same list, as
    langdetect's is, never numpy's pairwise sum; n-grams are drawn as `Random.choice` draws them
    (`_picker`). `tests/test_filters_language.py` compares both on every commit message of the sample
    repositories and on a few hundred generated texts in several languages.
    """
    global _rows
    import numpy as np
    from langdetect.lang_detect_exception import ErrorCode, LangDetectException

    detector.cleaning_text()
    ngrams = detector._extract_ngrams()
    if not ngrams:
        raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
    if _rows is None or _rows.source is not detector.word_lang_prob_map:
        _rows = _Rows(detector.word_lang_prob_map)
    rows = _rows
    langprob = np.zeros(len(detector.langlist), dtype=np.float64)
    rng = detector.random
    rng.seed(detector.seed)
    pick = _picker(rng, ngrams)
    conv, limit, n_trial = detector.CONV_THRESHOLD, detector.ITERATION_LIMIT, detector.n_trial
    for _ in range(n_trial):
        prob = np.array(detector._init_probability(), dtype=np.float64)
        alpha = detector.alpha + rng.gauss(0.0, 1.0) * detector.ALPHA_WIDTH
        weight = alpha / detector.BASE_FREQ
        factors: dict[str, Any] = {}  # weight + p, per n-gram, for this trial's weight
        i = 0
        while True:
            word = pick()
            factor = factors.get(word)
            if factor is None:
                factor = factors[word] = weight + rows.get(word)
            prob *= factor
            if i % 5 == 0:
                values = prob.tolist()
                total = sum(values)  # left to right, exactly as langdetect sums
                if total == 0.0:
                    raise ZeroDivisionError("float division by zero")  # what langdetect raises
                prob /= total
                # langdetect takes the largest quotient; division by a positive number is monotonic
                # even rounded, so that is the largest value divided, the same double.
                if max(values) / total > conv or i >= limit:
                    break
            i += 1
        langprob += prob / n_trial
    return langprob.tolist()


def _inline_choice_matches() -> bool:
    """Whether `_picker`'s inlined draw is what this Python's `Random.choice` does (CPython 3.10 to
    3.13 draw `getrandbits(n.bit_length())` until below n); checked once, on a few sizes."""
    import random

    for n in (1, 2, 3, 7, 8, 9, 100, 255, 256, 1000):
        a, b = random.Random(n), random.Random(n)
        seq = list(range(n))
        k = n.bit_length()
        for _ in range(200):
            r = b.getrandbits(k)
            while r >= n:
                r = b.getrandbits(k)
            if a.choice(seq) != seq[r]:
                return False
    return True


_INLINE_CHOICE: bool | None = None


def _picker(rng: Any, seq: list[str]) -> Any:
    """`lambda: rng.choice(seq)`, without `choice`'s two Python calls per draw when this Python draws
    the same way (a third of langdetect's loop went there); the same numbers from the same stream."""
    global _INLINE_CHOICE
    if _INLINE_CHOICE is None:
        _INLINE_CHOICE = _inline_choice_matches()
    if not _INLINE_CHOICE or not seq:
        return lambda: rng.choice(seq)
    getrandbits, n = rng.getrandbits, len(seq)
    k = n.bit_length()

    def pick() -> str:
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]
    return pick


def _run_langdetect(text: str, fast: bool) -> Detection:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _detector_factory().create()
    detector.append(text)
    try:
        if fast:
            detector.langprob = _detect_block(detector)
        found = detector.get_probabilities()
    except LangDetectException:
        return Detection(UNDETERMINED, (), error=True)
    if not found:
        return Detection(UNDETERMINED, (), error=True)
    return Detection(found[0].lang, tuple((item.lang, item.prob) for item in found))


@lru_cache(maxsize=4096)
def detect(text: str) -> Detection:
    """langdetect on already-prepared text; memoised because the filter and `annotate` both ask."""
    return _run_langdetect(text, fast=True)


def detect_reference(text: str) -> Detection:
    """The same as `detect`, through langdetect's own `_detect_block`: the tests' yardstick."""
    return _run_langdetect(text, fast=False)


@dataclass(frozen=True)
class LanguageRules:
    detect_language: bool
    allowed: frozenset[str]
    min_prob: float
    min_chars: int
    max_chars: int


def compile_language_rules(cfg: FilterConfig) -> LanguageRules:
    return LanguageRules(
        detect_language=cfg.detect_language,
        allowed=frozenset(cfg.allowed_languages),
        min_prob=cfg.language_min_prob,
        min_chars=cfg.language_min_chars,
        max_chars=cfg.language_max_chars,
    )


class Verdict(NamedTuple):
    language: str
    reason: str | None


def judge(message_text: str, rules: LanguageRules) -> Verdict:
    """The language recorded for a message and whether it passes; pure in its inputs."""
    text = text_for_detection(message_text, rules.max_chars)
    if text.isascii() and len(_LETTER.findall(text)) < rules.min_chars:
        return Verdict(UNDETERMINED, None)
    found = detect(text)
    if found.error:
        return Verdict(UNDETERMINED, UNDETECTABLE)
    if any(lang in rules.allowed and prob >= rules.min_prob for lang, prob in found.probabilities):
        # Record the allowed language that passed rather than a wrong top guess such as "fr".
        best = max((p, lang) for lang, p in found.probabilities if lang in rules.allowed)[1]
        return Verdict(best, None)
    return Verdict(found.language, NOT_ALLOWED)


def message_language(record: CommitRecord, message_rules: MessageRules, rules: LanguageRules) -> Verdict:
    return judge(clean_message(record, message_rules), rules)


def check_language(record: CommitRecord, rules: tuple[MessageRules, LanguageRules]) -> str | None:
    message_rules, language_rules = rules
    return message_language(record, message_rules, language_rules).reason
