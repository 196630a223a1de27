"""The commit filter chain: which checks run, in which order, and the annotation of kept records.

Design
- Filters are pure predicates `(record) -> reason | None`; none of them mutates the record. Beam may
  hand the same element object to several consumers, so a filter writing fields would leak into them.
- The annotation fields (instruction, message_lang, old_parses, python_major) are filled afterwards by
  `annotate`, which returns a new record. Wire it as `ApplyFilters(...)` then `beam.Map(annotate, cfg)`
  on the kept output, or call `evaluate` which does both.
- The work the two share (cleaned subject, language detection, `ast` parsing) is memoised on the
  input strings (small LRU caches in filters/message.py, language.py, langdetect_loop.py and
  python.py), so annotating a record the chain just kept costs almost nothing. Nothing is cached
  across runs and results do not depend on the caches.
- Order is cheapest first, by measured cost per record: string checks on the message, author and path
  (a few microseconds), then length and text scans of the contents, then `ast` (0.1-0.3 ms on the
  budget-sized files the strict preset keeps), then langdetect last (about 1 ms a message alone: it
  samples n-grams in 7 trials). `python -m bench.filters` prints the figures. A record dropped by
  a string check never reaches the rest, and langdetect only sees records that parse.
- The language filter has a batch hook (`NamedFilter.prepare`, filters/base.py): run through
  `BatchedChain` (as `ApplyFilters` does), the records that reach it wait in bounded batches and
  their messages are detected together, several times faster (`langdetect_batch.detect_many`). The
  answers are the same either way; called per record, the chain works as before.
- A filter that has nothing enabled under the config is left out, so the `none` preset's chain is
  empty and costs nothing.

Every reason is listed in `ALL_REASONS`, grouped by the filter that emits it.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Sequence

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters import content, language, message, python
from filters.base import first_reason

# ---------------------------------------------------------------------------------------- reasons

REASONS: dict[str, tuple[str, ...]] = {
    "message": ("message_too_short", "message_too_long", "message_denylisted", "merge_message"),
    "author": ("bot_author",),
    "revert": ("revert",),
    "subject": ("subject_has_hash", "subject_mentions_filename", "subject_too_short", "subject_too_long",
                "subject_too_few_words", "subject_too_many_words", "subject_not_capitalized",
                "subject_not_imperative", "subject_denylisted", "subject_bad_phrase", "subject_version",
                "subject_is_hash", "subject_has_sha", "subject_first_person", "subject_thanks",
                "subject_issue_ref", "subject_wip", "subject_has_url"),
    "version_bump": ("version_bump",),
    "path": ("vendored_path", "generated_file"),
    "content": ("old_too_large", "new_empty", "unchanged", "wrong_extension", "pair_too_small",
                "pair_too_large", "pair_too_many_lines"),
    "python_text": ("minified", "generated_file", "change_too_large"),
    "python_parse": ("new_does_not_parse", "python2_source", "whitespace_only"),
    "language": ("language_not_allowed", "undetectable_language"),
}
ALL_REASONS: frozenset[str] = frozenset(r for reasons in REASONS.values() for r in reasons)

# Filters that only look at strings of the message, author and path: the fast tier.
STRING_FILTERS: tuple[str, ...] = ("message", "author", "revert", "subject", "version_bump", "path")


class NamedFilter:
    """A filter: a module-level check function bound to its compiled rules, plus a name; optionally a
    module-level batch hook bound to the same rules (`prepare`, see filters/base.py).

    Picklable with the standard library (Beam pickles DoFns with their filters): module functions and
    frozen dataclasses of frozensets and compiled patterns pickle, closures would not. A slotted class
    is also the cheapest callable wrapper here (cheaper than a keyword `functools.partial`).
    """

    __slots__ = ("name", "_check", "_rules", "_prepare")

    def __init__(self, name: str, check: Callable[[CommitRecord, Any], str | None], rules: Any,
                 prepare: Callable[[Sequence[CommitRecord], Any], None] | None = None) -> None:
        self.name = name
        self._check = check
        self._rules = rules
        self._prepare = prepare

    def __call__(self, record: CommitRecord) -> str | None:
        return self._check(record, self._rules)

    @property
    def prepare(self) -> Callable[[Sequence[CommitRecord]], None] | None:
        """The batch hook (warms this filter's memo for many records at once), None when it has none."""
        return None if self._prepare is None else self._prepare_records

    def _prepare_records(self, records: Sequence[CommitRecord]) -> None:
        assert self._prepare is not None
        self._prepare(records, self._rules)

    @property
    def reasons(self) -> tuple[str, ...]:
        return REASONS[self.name]

    def __repr__(self) -> str:
        return f"NamedFilter({self.name!r})"

    def __getstate__(self) -> tuple[str, Callable[[CommitRecord, Any], str | None], Any, Any]:
        return self.name, self._check, self._rules, self._prepare

    def __setstate__(self, state: tuple) -> None:
        self.name, self._check, self._rules = state[:3]
        self._prepare = state[3] if len(state) > 3 else None


class CompiledRules:
    """Every module's rules compiled from one FilterConfig; built once, shared by filters and annotate."""

    __slots__ = ("message", "content", "python", "language")

    def __init__(self, cfg: FilterConfig) -> None:
        self.message = message.compile_message_rules(cfg)
        self.content = content.compile_content_rules(cfg)
        self.python = python.compile_python_rules(cfg)
        self.language = language.compile_language_rules(cfg)


_COMPILED: dict[int, tuple[FilterConfig, CompiledRules]] = {}


def compiled_rules(cfg: FilterConfig) -> CompiledRules:
    """CompiledRules for a config object, built once per object: `beam.Map(annotate, cfg)` calls
    annotate per record with the same cfg, and compiling per record would cost more than annotating.
    Keyed on identity (configs are not changed after they are built) and checked with `is`."""
    entry = _COMPILED.get(id(cfg))
    if entry is not None and entry[0] is cfg:
        return entry[1]
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    rules = CompiledRules(cfg)
    _COMPILED[id(cfg)] = (cfg, rules)
    return rules


def build_commit_filters(cfg: FilterConfig, rules: CompiledRules | None = None) -> list[NamedFilter]:
    """The enabled filters, cheapest first. The first reason returned wins."""
    rules = rules or compiled_rules(cfg)
    m, c, p, lang = rules.message, rules.content, rules.python, rules.language
    # (name, enabled, check, its rules), in chain order; one row per filter, so the order reads at a glance
    table: tuple[tuple[str, bool, Callable[[CommitRecord, Any], str | None], Any], ...] = (
        ("message", m.checks_message, message.check_message, m),
        ("author", m.drop_bots, message.check_author, m),
        ("revert", m.drop_reverts, message.check_revert, m),
        ("subject", m.checks_subject, message.check_subject, m),
        ("version_bump", m.version_bump_drop_share > 0.0, message.check_version_bump, m),
        ("path", p.checks_paths, python.check_paths, p),
        ("content", c.active, content.check_content, c),
        ("python_text", p.checks_text, python.check_text, p),
        ("python_parse", p.checks_parse, python.check_parse, p),
        ("language", lang.detect_language, language.check_language, (m, lang)),
    )
    hooks = {"language": language.prepare_language}
    return [NamedFilter(name, check, check_rules, hooks.get(name))
            for name, enabled, check, check_rules in table if enabled]


def string_filters(chain: Iterable[NamedFilter]) -> list[NamedFilter]:
    """The fast tier of a chain (for the benchmark and for an early Beam stage if wanted)."""
    return [f for f in chain if f.name in STRING_FILTERS]


# -------------------------------------------------------------------------------------- annotation

def annotate(record: CommitRecord, cfg: FilterConfig | CompiledRules) -> CommitRecord:
    """A copy of `record` with the filter-stage fields filled; the raw message is left untouched.

    instruction   the cleaned subject (PR suffix, [skip ci], leading tag / "scope:" and trailing tag
                  removed, per the config);
    message_lang  the detected language of the cleaned message, "und" when too short to judge, ""
                  when language detection is off (it is the slowest check; a raw export skips it);
    python_major  3 if the new version parses as Python 3, 2 if it parses once Python 2-only syntax
                  is rewritten, 0 if neither (possible only when parsing is not required);
    old_parses    whether the old version parses under that same grammar (Python 3 when major is 0).
                  False marks a syntax-error fix.
    """
    rules = cfg if isinstance(cfg, CompiledRules) else compiled_rules(cfg)
    instruction = message.instruction_of(record, rules.message)
    lang = ""
    if rules.language.detect_language:
        lang = language.message_language(record, rules.message, rules.language).language
    major = python.python_major(record.new_contents)
    old_ok = python.parses_as(record.old_contents, major if major else python.PYTHON3)
    return dataclasses.replace(record, instruction=instruction, message_lang=lang,
                               old_parses=old_ok, python_major=major)


def evaluate(record: CommitRecord, chain: list[NamedFilter],
             rules: CompiledRules) -> tuple[str | None, CommitRecord | None]:
    """(None, annotated record) when kept, (reason, None) when dropped: chain and annotation in one."""
    reason = first_reason(chain, record)
    if reason:
        return reason, None
    return None, annotate(record, rules)
