"""Selection rules of the judge source: which submissions are Python, which problems are hard enough.

Language names are written differently by every judge ("Python", "Python (3.8.2)", "PyPy3 (7.3.0)",
"Python 3", "PyPy 3-64", "Python3", "Python (CPython 3.11.4)"), so matching is on a normalised name:
"python" for Python 3 and PyPy 3, "python2" for Python 2 and PyPy 2, and a lowercase family name for
the rest ("c++", "c", "java", ...). A bare "Python" or "PyPy" with no version is taken as Python 3,
except where the judge says otherwise: on Aizu, "Python" is the Python 2 entry and "Python3" the
Python 3 one, so its reader passes `bare_python="python2"`.

The acceptance rate is accepted over judged submissions of a problem, counted over every language
from the metadata, before any other filter: it describes the problem, not our selection. Judged
means the judge reached a verdict about the code (`schemas.submission.JUDGED`); internal errors,
pending and skipped submissions do not count either way.

Reasons: language_not_allowed (judge.language), unjudged, compile_error (judge.status),
too_few_judged, acceptance_rate_too_high (judge.problem).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from config.judge import JudgeConfig
from schemas.submission import AC, CE, JUDGED, UNJUDGED, Submission

LANGUAGE_NOT_ALLOWED = "language_not_allowed"
UNJUDGED_REASON = "unjudged"
COMPILE_ERROR = "compile_error"
TOO_FEW_JUDGED = "too_few_judged"
ACCEPTANCE_RATE_TOO_HIGH = "acceptance_rate_too_high"

_VERSION = re.compile(r"(\d+)(?:\.\d+)*")
_FAMILIES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"c\+\+|cpp|g\+\+|clang\+\+"), "c++"),
    (re.compile(r"c#|csharp|\.net|mono"), "c#"),
    (re.compile(r"objective-c"), "objective-c"),
    (re.compile(r"javascript|node\.?js|^js\b"), "javascript"),
    (re.compile(r"typescript"), "typescript"),
    (re.compile(r"kotlin"), "kotlin"),
    (re.compile(r"java\b|java\d"), "java"),
    (re.compile(r"rust"), "rust"),
    (re.compile(r"^go\b|golang"), "go"),
    (re.compile(r"ruby"), "ruby"),
    (re.compile(r"haskell"), "haskell"),
    (re.compile(r"^(gnu |gcc )?c\b|^c\d|^c \(|gnu c\d*\b|^c11|^c99"), "c"),
)


@lru_cache(maxsize=1024)
def normalise_language(name: str, bare_python: str = "python") -> str:
    """A judge's language name -> "python", "python2", "cython" or a lowercase family name.

    Memoised: an export has a few dozen distinct names and millions of rows.
    """
    text = " ".join(name.strip().lower().split())
    if not text:
        return ""
    if "cython" in text:
        return "cython"
    if "python" in text or "pypy" in text:
        # "PyPy3 (7.3.0)": the major is the digit glued to the name, not PyPy's own version.
        glued = re.search(r"(?:python|pypy)\s*(\d)", text)
        if glued:
            return "python2" if glued.group(1) == "2" else "python"
        # "Python (3.8.2)", "Python (CPython 3.11.4)", "Python (PyPy 3.10-v7.3.12)".
        version = _VERSION.search(text)
        if version:
            return "python2" if version.group(1) == "2" else "python"
        return bare_python
    for pattern, family in _FAMILIES:
        if pattern.search(text):
            return family
    # Unknown language: its first word without a version, so reports still group sensibly.
    return re.sub(r"[\s(].*$", "", text)


# Display names for the record's `lang` column, aligned with CommitRecord's "Python".
LANG_DISPLAY: dict[str, str] = {"python": "Python", "python2": "Python"}


def language_filter(cfg: JudgeConfig) -> Callable[[Submission], str | None]:
    allowed = frozenset(cfg.languages)

    def language_allowed(sub: Submission) -> str | None:
        return None if sub.lang in allowed else LANGUAGE_NOT_ALLOWED

    return language_allowed


def status_filter(cfg: JudgeConfig) -> Callable[[Submission], str | None]:
    """Unjudged submissions say nothing about their code; compile errors go when configured."""
    exclude_ce = cfg.exclude_compile_errors

    def status_usable(sub: Submission) -> str | None:
        if sub.status in UNJUDGED:
            return UNJUDGED_REASON
        if exclude_ce and sub.status == CE:
            return COMPILE_ERROR
        return None

    return status_usable


def judged_accepted(status: str) -> tuple[int, int]:
    """One submission's contribution to its problem's (judged, accepted) counts."""
    if status not in JUDGED:
        return (0, 0)
    return (1, 1 if status == AC else 0)


def problem_reason(judged: int, accepted: int, cfg: JudgeConfig) -> str | None:
    """Why a problem is dropped, from its counts over all languages; None keeps it."""
    if judged < max(cfg.min_judged_submissions, 1):
        return TOO_FEW_JUDGED
    if cfg.max_acceptance_rate is not None and accepted / judged > cfg.max_acceptance_rate:
        return ACCEPTANCE_RATE_TOO_HIGH
    return None
