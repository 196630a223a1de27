"""The commit filter chain: which checks run, in which order, and the annotation of kept records.

Design
- Filters are pure predicates `(record) -> reason | None`; none of them mutates the record. Beam may
  hand the same element object to several consumers, so a filter writing fields would leak into them.
- The annotation fields (instruction, message_lang, old_parses, python_major, tags, edit_kinds) are
  filled afterwards by `annotate`, which returns a new record. Wire it as `ApplyFilters(...)` then
  `beam.Map(annotate, cfg)` on the kept output, or call `evaluate` which does both.
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
- Tags (filters/tags.py) are computed once per record: `tags.analyse` parses each version once and
  gives the content tags, the edit kinds, python_major and old_parses together, memoised on the two
  texts. The tag-drop filter (`tags`, last in the chain, enabled by `filters.drop_tags`) asks it
  first and drops a record for the first listed tag it carries (`tag_<tag>`), counted like every
  other reason at the filter stage; `annotate` then asks again for the same record and gets the
  memo's answer. Without the filter, `annotate` alone computes it.

Every reason is listed in `ALL_REASONS`, grouped by the filter that emits it.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Sequence

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters import content, language, message, python, tags
from filters.base import first_reason
from config.filters import DROPPABLE_TAGS

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
    "tags": tuple(tags.reason_for(t) for t in DROPPABLE_TAGS),
}
ALL_REASONS: frozenset[str] = frozenset(r for reasons in REASONS.values() for r in reasons)

# The config keys that decide each reason of the filter stage (commit filters and licenses): what a
# user changes when a rule binds. The end-of-run summary names them; keys a config does not have
# (another preset's or a later version's) are left out when it does.
SETTINGS: dict[str, tuple[str, ...]] = {
    "license_none": ("licenses.allow_list", "licenses.extra_allowed"),
    "license_other": ("licenses.allow_list", "licenses.extra_allowed"),
    "license_not_allowed": ("licenses.allow_list", "licenses.extra_allowed"),
    "file_header_license": ("licenses.check_file_headers",),
    "message_too_short": ("filters.message_min_chars",),
    "message_too_long": ("filters.message_max_chars",),
    "message_denylisted": ("filters.message_denylist",),
    "merge_message": ("filters.message_reject_merge",),
    "bot_author": ("filters.drop_bots", "filters.bot_names"),
    "revert": ("filters.drop_reverts",),
    "subject_has_hash": ("filters.subject_reject_hash", "filters.strip_pr_suffix"),
    "subject_mentions_filename": ("filters.subject_reject_filename",),
    "subject_too_short": ("filters.subject_min_chars",),
    "subject_too_long": ("filters.subject_max_chars",),
    "subject_too_few_words": ("filters.subject_min_words", "filters.instruction_min_words"),
    "subject_too_many_words": ("filters.subject_max_words",),
    "subject_not_capitalized": ("filters.subject_require_capital",),
    "subject_not_imperative": ("filters.subject_require_imperative", "filters.imperative_verbs_extra"),
    "subject_denylisted": ("filters.subject_denylist",),
    "subject_bad_phrase": ("filters.subject_deny_phrases",),
    "subject_version": ("filters.subject_reject_version",),
    "subject_is_hash": ("filters.subject_reject_version",),
    "subject_has_sha": ("filters.subject_reject_sha",),
    "subject_first_person": ("filters.subject_reject_first_person",),
    "subject_thanks": ("filters.subject_reject_thanks",),
    "subject_issue_ref": ("filters.subject_reject_issue_ref",),
    "subject_wip": ("filters.subject_reject_wip",),
    "subject_has_url": ("filters.subject_reject_url",),
    "version_bump": ("filters.version_bump_drop_share",),
    "vendored_path": ("filters.reject_vendored", "filters.vendored_dirs"),
    "generated_file": ("filters.reject_generated", "filters.generated_markers"),
    "old_too_large": ("filters.old_max_chars",),
    "new_empty": ("filters.require_new_nonempty",),
    "unchanged": ("filters.require_change",),
    "wrong_extension": ("filters.extensions", "filters.check_extension"),
    "pair_too_small": ("filters.pair_min_tokens", "filters.pair_min_chars"),
    "pair_too_large": ("filters.granularity", "filters.pair_max_tokens", "filters.pair_max_chars"),
    "pair_too_many_lines": ("filters.pair_max_lines",),
    "minified": ("filters.minified_max_line_chars",),
    "change_too_large": ("filters.max_change_share",),
    "new_does_not_parse": ("filters.require_new_parses",),
    "python2_source": ("filters.allow_python2",),
    "whitespace_only": ("filters.reject_whitespace_only",),
    "language_not_allowed": ("filters.allowed_languages", "filters.language_min_prob"),
    "undetectable_language": ("filters.allowed_languages", "filters.language_min_chars"),
    **{tags.reason_for(t): ("filters.drop_tags",) for t in DROPPABLE_TAGS},
}

# Filters that only look at strings of the message, author and path: the fast tier.
STRING_FILTERS: tuple[str, ...] = ("message", "author", "revert", "subject", "version_bump", "path")
# Milliseconds per real file rather than microseconds (filters/base.py: is_costly).
COSTLY_FILTERS: frozenset[str] = frozenset({"python_parse", "language", "tags"})


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

    @property
    def costly(self) -> bool:
        """Parsing, language detection and tags: skipped for "also failed" once a record failed."""
        return self.name in COSTLY_FILTERS

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


class TagRules:
    """The tags that drop a record (`filters.drop_tags`), in TAGS order. Picklable (a tuple)."""

    __slots__ = ("drop",)

    def __init__(self, drop: Sequence[str]) -> None:
        self.drop: tuple[str, ...] = tuple(tags.ordered(list(drop)))

    def __getstate__(self) -> tuple[str, ...]:
        return self.drop

    def __setstate__(self, state: tuple[str, ...]) -> None:
        self.drop = state


def record_tags(record: CommitRecord) -> list[str]:
    """Every tag the filter stage gives a commit record (paths and contents), in TAGS order."""
    return tags.tags_of(record.old_file, record.new_file, record.old_contents, record.new_contents)


def check_parse(record: CommitRecord, rules: Any) -> str | None:
    """python.check_parse; a record it keeps is analysed at once (tags.analyse, memoised), while both
    versions' trees are still the parser's recent ones (filters/parsing.py): the tag filter,
    `annotate` and the window stage then read the analysis instead of parsing both versions again."""
    reason = python.check_parse(record, rules)
    if reason is None:
        tags.analyse(record.old_contents, record.new_contents, python.parse_family(record))
    return reason


def check_tags(record: CommitRecord, rules: TagRules) -> str | None:
    """`tag_<tag>` for the first tag of the record listed in `filters.drop_tags`, None otherwise."""
    found = record_tags(record)
    for tag in found:
        if tag in rules.drop:
            return tags.reason_for(tag)
    return None


class CompiledRules:
    """Every module's rules compiled from one FilterConfig; built once, shared by filters and annotate."""

    __slots__ = ("message", "content", "python", "language", "tags")

    def __init__(self, cfg: FilterConfig) -> None:
        self.message = message.compile_message_rules(cfg)
        self.content = content.compile_content_rules(cfg)
        self.python = python.compile_python_rules(cfg)
        self.language = language.compile_language_rules(cfg)
        self.tags = TagRules(cfg.drop_tags)


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
    m, c, p, lang, t = rules.message, rules.content, rules.python, rules.language, rules.tags
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
        ("python_parse", p.checks_parse, check_parse, p),
        ("language", lang.detect_language, language.check_language, (m, lang)),
        ("tags", bool(t.drop), check_tags, t),
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
    tags          filters/tags.py's tags of the pair, in TAGS order (the ones a record already
                  carries, such as `redacted` from an earlier run, are kept);
    edit_kinds    the AST node types the change touches, sorted (filters/edits.py; empty when a
                  version does not parse or the trees are equal).

    python_major, old_parses, tags and edit_kinds come from one parse of each version
    (`tags.analyse`), the one the tag-drop filter already made for this record when it ran.
    """
    rules = cfg if isinstance(cfg, CompiledRules) else compiled_rules(cfg)
    instruction = message.instruction_of(record, rules.message)
    lang = ""
    if rules.language.detect_language:
        lang = language.message_language(record, rules.message, rules.language).language
    analysis = tags.analyse(record.old_contents, record.new_contents, python.parse_family(record))
    found = tags.ordered(list(record.tags) + tags.path_tags(record.old_file, record.new_file) + list(analysis.tags))
    return dataclasses.replace(record, instruction=instruction, message_lang=lang,
                               old_parses=analysis.old_parses, python_major=analysis.python_major,
                               tags=found, edit_kinds=list(analysis.edit_kinds))


def evaluate(record: CommitRecord, chain: list[NamedFilter],
             rules: CompiledRules) -> tuple[str | None, CommitRecord | None]:
    """(None, annotated record) when kept, (reason, None) when dropped: chain and annotation in one."""
    reason = first_reason(chain, record)
    if reason:
        return reason, None
    return None, annotate(record, rules)
