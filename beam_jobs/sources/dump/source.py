"""The GitHub-dump source as one composite: candidates -> contents -> the same filters as git.

Candidates come from export files (`--dump`) or from the query's result table (`bigquery.method: read`);
either way they are metadata only, so a fetcher (`fetch.mode`: clone or raw) gets both sides of the
file, and from there a record is a CommitRecord like any mined from git: the license check and the
commit filters run with the same code and the same config, under the stage `bigquery.filters`.
"""
from __future__ import annotations

from typing import Any, Iterator

import apache_beam as beam

from beam_jobs.accounting import REJECTS
from beam_jobs.sources.commits import filter_and_annotate
from beam_jobs.sources.dump.files import ReadDump, RowToCandidate
from beam_jobs.sources.dump.stages import SOURCE, STAGE_FETCH, STAGE_FILTERS, STAGE_READ
from config.model import Config
BIGQUERY_ROWS_LABEL = "bigquery"


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
            checked = rows | "CheckRows" >> beam.ParDo(
                RowToCandidate(SOURCE, STAGE_READ, json_lines=False)).with_outputs(REJECTS, main="candidates")
            candidate_sets.append(checked.candidates)
            reject_sets.append(checked[REJECTS])
        candidates = tuple(candidate_sets) | "AllCandidates" >> beam.Flatten()
        fetched = candidates | "Fetch" >> fetcher(self._config)
        filtered = filter_and_annotate(fetched["records"], STAGE_FILTERS, SOURCE, self._config)
        return {"records": filtered["records"], "rejects": (*reject_sets, fetched["rejects"], filtered[REJECTS])}
