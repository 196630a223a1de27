"""The GitHub-dump source as one composite: candidates -> change check -> contents -> the same
filters as git.

Candidates come from export files (`--dump`) or from the query's result table (`bigquery.method: read`);
either way they are metadata only. The change check (`bigquery.commit`) gives a chmod, a symlink, a
submodule or a file outside `git.extensions` the reason the git source gives it, before any content
is fetched; then a fetcher (`fetch.mode`: clone or raw) gets both sides of the file, and from there a
record is a CommitRecord like any mined from git: the license check and the commit filters run with
the same code and the same config, under the stage `bigquery.filters`.
"""
from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.sources.commits import change_reason, filter_and_annotate
from beam_jobs.sources.dump.files import ReadDump, RowToCandidate
from beam_jobs.sources.dump.stages import SOURCE, STAGE_COMMIT, STAGE_FETCH, STAGE_FILTERS, STAGE_READ
from config.model import Config
from schemas.candidate import CandidateCommit

BIGQUERY_ROWS_LABEL = "bigquery"


def candidate_reason(candidate: CandidateCommit, extensions: tuple[str, ...]) -> tuple[str, str] | None:
    """(reason, detail) when the candidate's change is not an edit the git source would mine, else
    None: the git source's rule (`change_reason`) on the modes and blob ids the dump recorded."""
    reason = change_reason(candidate.old_mode, candidate.new_mode, candidate.old_sha1, candidate.new_sha1,
                           candidate.new_path, extensions)
    if reason is None:
        return None
    if reason == "not_python":
        return reason, f"{candidate.new_path} does not end in one of {', '.join(extensions)}"
    return reason, f"{candidate.new_path}: mode {candidate.old_mode:o} -> {candidate.new_mode:o}"


class CheckChange(StageDoFn):
    """Stage `bigquery.commit`: CandidateCommit -> itself, or a reject with the git source's reason."""

    def __init__(self, extensions: tuple[str, ...]) -> None:
        super().__init__(STAGE_COMMIT, SOURCE)
        self._extensions = tuple(extensions)

    def process(self, candidate: CandidateCommit) -> Iterator[object]:
        found = candidate_reason(candidate, self._extensions)
        reason, detail = found if found else (None, "")
        reject = self._stage.verdict(reason, key=candidate.commit, repo=",".join(candidate.repos), detail=detail)
        yield candidate if reject is None else reject


def _label_rows(row: Any) -> Iterator[tuple[str, Any]]:
    yield BIGQUERY_ROWS_LABEL, row


def fetcher(config: Config) -> beam.PTransform:
    """The content fetcher the config names; both share one output shape (records, rejects)."""
    if config.fetch.mode == "raw":
        from beam_jobs.sources.dump.raw import FetchRaw

        return FetchRaw(config.fetch, source=SOURCE, stage=STAGE_FETCH)
    from beam_jobs.sources.dump.clone import FetchByClone

    return FetchByClone(config.fetch, source=SOURCE, stage=STAGE_FETCH)


class GithubDumpSource(beam.PTransform):
    """PBegin -> {"records": filtered, annotated CommitRecords, "rejects": tuple of PCollection[Reject], one per stage}.

    `patterns`: export files to read. `table`: the table the query wrote (method `read`), read with
    ReadFromBigQuery; its rows are checked exactly like an export's.
    """

    def __init__(self, config: Config, patterns: list[str], table: str | None = None) -> None:
        super().__init__()
        self._config = config
        self._patterns = list(patterns)
        self._table = table

    def expand(self, pbegin: beam.pvalue.PBegin) -> dict[str, beam.PCollection]:
        candidate_sets, reject_sets = [], []
        if self._patterns:
            read = pbegin | "ReadDump" >> ReadDump(self._patterns)
            candidate_sets.append(read["candidates"])
            reject_sets.extend(read["rejects"])
        if self._table:
            project, dataset, table = self._table.split(".", 2)
            rows = (pbegin
                    | "ReadFromBigQuery" >> beam.io.ReadFromBigQuery(table=f"{project}:{dataset}.{table}")
                    | "LabelRows" >> beam.FlatMap(_label_rows))
            checked = tallied(rows | "CheckRows" >> beam.ParDo(
                RowToCandidate(SOURCE, STAGE_READ, json_lines=False)).with_outputs(REJECTS, TALLY, main="candidates"))
            candidate_sets.append(checked.candidates)
            reject_sets.append(checked[REJECTS])
        candidates = tuple(candidate_sets) | "AllCandidates" >> beam.Flatten()
        checked = tallied(candidates | f"CheckChange[{STAGE_COMMIT}]" >> beam.ParDo(
            CheckChange(tuple(self._config.git.extensions))).with_outputs(REJECTS, TALLY, main="candidates"))
        fetched = checked.candidates | "Fetch" >> fetcher(self._config)
        filtered = filter_and_annotate(fetched["records"], STAGE_FILTERS, SOURCE, self._config)
        return {"records": filtered["records"],
                "rejects": (*reject_sets, checked[REJECTS], fetched["rejects"], filtered[REJECTS])}
