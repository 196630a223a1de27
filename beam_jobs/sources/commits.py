"""What every commit source shares (git mining, the dump's clone and raw fetchers): how a blob becomes
text, how a commit becomes a CommitRecord, and the filter-annotate-window tail.

Shared so that a commit from the dump and the same commit mined from git become the same record and
meet the same filters, counted the same way, under their own source's stage names.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import apache_beam as beam

from beam_jobs.accounting import REJECTS, TALLY, ApplyFilters, StageDoFn, tallied
from beam_jobs.sources.windows import Fits, TooLarge, window_record
from config.filters import FilterConfig
from config.model import Config
from filters import tokens
from filters.chain import annotate, build_commit_filters, compiled_rules
from filters.content import line_count, uses_tokens
from licenses.allow import LicensePolicy

from licenses.keys import OTHER, VOCABULARY
from schemas.candidate import CandidateCommit
from schemas.commit import LANG_PYTHON, CommitRecord, commit_record_id
from schemas.reject import RejectError


def subject_of_message(message: str) -> str:
    """A commit's subject: the message's first line, stripped; the one rule of every route."""
    return message.split("\n", 1)[0].strip()


# ---- what kind of change a single-file commit is, from its two tree entries (git file modes)
MODE_TYPE_MASK = 0o170000
MODE_SYMLINK = 0o120000
MODE_SUBMODULE = 0o160000


def change_reason(old_mode: int, new_mode: int, old_blob: str, new_blob: str, path: str,
                  extensions: tuple[str, ...]) -> str | None:
    """Why an in-place change of one path is not a candidate (None: it is one), from the modes and
    blob ids of its two sides: `type_change` (file <-> symlink), `submodule`, `symlink`,
    `mode_change_only` (the same blob: a chmod, no edit) or `not_python`.

    The git source decides from its tree entries in this order (history._entry_reason); the dump
    route decides from the query's `difference` columns with this function, so a commit gets the
    same reason whichever route brought it."""
    if (old_mode & MODE_TYPE_MASK) != (new_mode & MODE_TYPE_MASK):
        return "type_change"
    if MODE_SUBMODULE in (old_mode, new_mode):
        return "submodule"
    if MODE_SYMLINK in (old_mode, new_mode):
        return "symlink"
    if old_blob == new_blob:
        return "mode_change_only"
    if not path.endswith(extensions):
        return "not_python"
    return None


class FetchError(RejectError):
    """A candidate whose old or new contents could not be fetched, or must not be paired; `detail`
    never holds a token or other secret."""


def commit_record(*, source: str, commit: str, parent: str, old_file: str, new_file: str, old_contents: str,
                  new_contents: str, message: str, license: str, repos: list[str], author_time: datetime,
                  committer_time: datetime, lang: str = LANG_PYTHON, author_name: str = "",
                  subject: str | None = None) -> CommitRecord:
    """The one way a source makes a CommitRecord: its id derives from the commit and the path (not
    the route, so --git and --dump give the same id), and its subject, when the source has none of
    its own, is the message's first line, stripped."""
    return CommitRecord(
        id=commit_record_id(commit, new_file),
        source=source,
        commit=commit,
        parent=parent,
        old_file=old_file,
        new_file=new_file,
        old_contents=old_contents,
        new_contents=new_contents,
        subject=subject_of_message(message) if subject is None else subject,
        message=message,
        lang=lang,
        license=license,
        repos=repos,
        author_time=author_time,
        committer_time=committer_time,
        author_name=author_name,
    )


def to_commit_record(candidate: CandidateCommit, old_contents: str, new_contents: str, *, source: str,
                     lang: str = LANG_PYTHON) -> CommitRecord:
    """The fetched candidate as the record the git source makes, so both flow into the same filters.

    The subject is derived from the message exactly as for a mined commit (`subject_of_message`); the
    dump's own `subject` column (unstripped, and cut by GitHub's exporter) only stands in for the
    message when the message is NULL, as in the query's message rules. The author's name is carried,
    so the bot-author rule judges a dump commit as it judges the same commit mined from git."""
    message = candidate.message or candidate.subject
    return commit_record(
        source=source, commit=candidate.commit, parent=candidate.parent, old_file=candidate.old_path,
        new_file=candidate.new_path, old_contents=old_contents, new_contents=new_contents, message=message,
        lang=lang, license=candidate.license if candidate.license in VOCABULARY else OTHER,
        repos=list(candidate.repos), author_name=candidate.author_name,
        author_time=datetime.fromtimestamp(candidate.author_time_sec, tz=timezone.utc),
        committer_time=datetime.fromtimestamp(candidate.committer_time_sec, tz=timezone.utc))


# ------------------------------------------------------------------------------------- the tail

def commit_filters(config: Config) -> list[Callable[[CommitRecord], str | None]]:
    """The filter-stage chain: the license check first (a set lookup), then the commit filters."""
    policy = LicensePolicy.from_config(config.licenses)
    return [policy.record_reason, *build_commit_filters(chain_config(config.filters))]


# The upper bounds of the pair budget. With `granularity: window` the filter stage leaves them to the
# window stage, which cuts a pair over them to its changed region instead of dropping it.
UPPER_BUDGETS: tuple[str, ...] = ("pair_max_tokens", "pair_max_chars", "pair_max_lines")


def chain_config(cfg: FilterConfig) -> FilterConfig:
    """The FilterConfig the filter chain runs with: `cfg` itself for `granularity: file`; for `window`,
    `cfg` without the upper budgets (the window stage applies them). Every other rule, and the lower
    budget, judges the whole files: parsing, generated-file and license headers, change share and
    tags are properties of the file and the commit, not of a slice of it."""
    if cfg.granularity != "window":
        return cfg
    return dataclasses.replace(cfg, **dict.fromkeys(UPPER_BUDGETS, None))


class PairBudget:
    """`fits(old, new)`: old + new within the upper budget, counted as the content filter counts it
    (filters/content.py): tokens when a token bound is set and the tokenizer is installed, characters
    otherwise, and lines when `pair_max_lines` is set. A plain object, so the window DoFn pickles."""

    def __init__(self, max_tokens: int | None, max_chars: int | None, max_lines: int | None) -> None:
        self.max_tokens, self.max_chars, self.max_lines = max_tokens, max_chars, max_lines

    def __call__(self, old: str, new: str) -> bool:
        if self.max_lines is not None and line_count(old) + line_count(new) > self.max_lines:
            return False
        if self.max_chars is not None and len(old) + len(new) > self.max_chars:
            return False
        return self.max_tokens is None or tokens.pair_tokens_within(old, new, None, self.max_tokens) == 0


def pair_budget(cfg: FilterConfig) -> Fits:
    """The one place the window stage's budget is chosen: the same measure and bound as the content
    filter's `pair_too_large` (and `pair_too_many_lines`), so a window that fits would pass it."""
    if uses_tokens(cfg):
        return PairBudget(cfg.pair_max_tokens, None, cfg.pair_max_lines)
    return PairBudget(None, cfg.pair_max_chars, cfg.pair_max_lines)


def window_stage(source: str) -> str:
    return f"{source}.window"


class WindowRecords(StageDoFn):
    """Stage `<source>.window`: a record within the budget passes unchanged (kept); one over it is cut
    to its edit window (kept, beam_jobs/sources/windows.py) or dropped as `window_too_large`."""

    def __init__(self, source: str, fits: Fits, context_lines: int) -> None:
        super().__init__(window_stage(source), source)
        self._fits = fits
        self._context_lines = context_lines

    def process(self, record: CommitRecord) -> Iterator[Any]:
        found = window_record(record, self._fits, self._context_lines)
        if isinstance(found, TooLarge):
            yield self._stage.verdict(found.reason, key=_commit_of(record), repo=_repos_of(record), detail=found.detail)
        else:
            self._stage.verdict(None, key=_commit_of(record))
            yield found


def filter_and_annotate(records: beam.PCollection, stage: str, source: str, config: Config,
                        between: beam.PTransform | None = None) -> dict[str, Any]:
    """CommitRecords -> {"records": kept records, annotated (and windowed); REJECTS: the tail's rejects}.

    The last stages of every commit source, so that a record is judged by the same chain and gets
    the same annotations whichever route brought it. A function, not a composite: the transforms keep
    the step names they had inside each source (`Filter[<stage>]`, `Annotate`), which a Dataflow job
    update matches on.

    With `filters.granularity: window` a third step, `Window[<source>.window]`, follows `Annotate`:
    the filters and the annotations see the whole files (the chain without its upper budgets, see
    `chain_config`), then a pair over the budget is cut to its edit window; the two stages' rejects are
    one output (`TailRejects`). With `file` the tail is the filter and annotate steps alone.
    `between`: what the records the cheap filters keep go through before the costly ones
    (`ApplyFilters`)."""
    filtered = records | ApplyFilters(stage, source, commit_filters(config), key_of=_commit_of, repo_of=_repos_of,
                                      between=between)
    annotated = filtered.kept | "Annotate" >> beam.Map(annotate, compiled_rules(config.filters))
    if config.filters.granularity != "window":
        return {"records": annotated, REJECTS: filtered[REJECTS]}
    windowed = tallied(annotated | f"Window[{window_stage(source)}]" >> beam.ParDo(WindowRecords(
        source, pair_budget(config.filters), config.filters.window_context_lines)).with_outputs(REJECTS, TALLY,
                                                                                               main="kept"))
    rejects = (filtered[REJECTS], windowed[REJECTS]) | "TailRejects" >> beam.Flatten()
    return {"records": windowed.kept, REJECTS: rejects}


def _commit_of(record: CommitRecord) -> str:
    return record.commit


def _repos_of(record: CommitRecord) -> str:
    return ",".join(record.repos)
