"""Beam source for export files of the BigQuery query: Parquet, Avro or JSON lines -> CandidateCommit.

An export is a user file, possibly reused months later, possibly hand-edited: every row goes through
`candidate_from_row`, and a row that is not a candidate is a reject with a reason, never a crash.
The format is chosen by file extension, in the driver, so that each format is read by its own Beam
IO and splits across workers the way that IO splits (Parquet by row group, JSON lines by byte range
unless compressed, Avro by block). Patterns are matched on the workers, except a pattern without a
recognisable extension (`export/*`), which must be matched in the driver to learn the formats.
"""
from __future__ import annotations

import json
from typing import Any, Iterator, Mapping

import apache_beam as beam
from apache_beam import coders
from apache_beam.io.avroio import ReadAllFromAvro
from apache_beam.io.parquetio import ReadAllFromParquet
from apache_beam.io.textio import ReadAllFromText

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.sources.dump.stages import SOURCE, STAGE_READ
from beam_jobs.sources.dump.inputs import AVRO, JSON, JSON_NULLABLE, PARQUET, plan_reads
from schemas.candidate import CandidateError, candidate_from_row


# ------------------------------------------------------------------------------------------- rows

def parse_json_line(line: str | bytes) -> dict[str, Any]:
    """One JSON lines row; a line that is not JSON (or not UTF-8) is CandidateError bad_json.

    Lines arrive as bytes: decoding them here, not in the text reader, turns one bad line into a
    reject instead of a failed read of the whole file.

    Absent nullable columns (JSON_NULLABLE) become None. Non-object
    values are returned as is for `candidate_from_row` to reject.
    """
    try:
        row = json.loads(line.decode("utf-8") if isinstance(line, bytes) else line)
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError on bytes that are not UTF-8
        raise CandidateError("bad_json", f"not a JSON line: {exc}") from None
    if isinstance(row, dict):
        for name in JSON_NULLABLE:
            row.setdefault(name, None)
    return row


def _unwrap_list_items(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """`repos` items as plain strings, also from Parquet writers that wrap list items in a record.

    Parquet's three-level list encoding reads back as [{"element": "a/b"}] through some writers and
    schemas; the value inside is the repository name.
    """
    repos = row.get("repos")
    if isinstance(repos, list) and any(isinstance(r, Mapping) for r in repos):
        unwrapped = [next(iter(r.values())) if isinstance(r, Mapping) and len(r) == 1 else r for r in repos]
        return {**row, "repos": unwrapped}
    return row


def reject_key(row: Any, filename: str) -> tuple[str, str]:
    """(key, repo) naming a bad row as well as it can: its commit and repositories, else its file."""
    if not isinstance(row, Mapping):
        return filename, ""
    commit = row.get("commit")
    repos = row.get("repos")
    repo = ",".join(sorted(r for r in repos if isinstance(r, str))) if isinstance(repos, list) else ""
    return (commit if isinstance(commit, str) and commit else filename), repo


class RowToCandidate(StageDoFn):
    """(filename, row or JSON line) -> CandidateCommit, or a reject at the read stage."""

    def __init__(self, source: str, stage: str, json_lines: bool) -> None:
        super().__init__(stage, source)
        self._json_lines = json_lines

    def process(self, element: tuple[str, Any]) -> Iterator[Any]:
        filename, row = element
        if self._json_lines and not row.strip():
            return iter(())  # a blank line is no row (a trailing newline, a hand edit)
        self._stage.incoming()
        try:
            if self._json_lines:
                row = parse_json_line(row)
            candidate = candidate_from_row(_unwrap_list_items(row) if isinstance(row, Mapping) else row)
        except CandidateError as exc:
            key, repo = reject_key(row, filename)
            return iter([self._stage.reject(exc.reason, key=key, repo=repo, detail=f"{exc.detail} (in {filename})")])
        self._stage.kept()
        return iter([candidate])


class ReadDump(beam.PTransform):
    """Export files -> {"candidates": PCollection[CandidateCommit], "rejects": tuple of PCollection[Reject]}.

    Raises ValueError while the graph is built if a pattern without a known extension matches no file
    or a file of an unknown kind.
    """

    def __init__(self, patterns: list[str], source: str = SOURCE, stage: str = STAGE_READ) -> None:
        super().__init__()
        self._plan = plan_reads(patterns)
        self._source = source
        self._stage = stage

    def expand(self, pbegin: beam.pvalue.PBegin) -> dict[str, beam.PCollection]:
        readers = {
            PARQUET: lambda: ReadAllFromParquet(with_filename=True),
            AVRO: lambda: ReadAllFromAvro(with_filename=True),
            JSON: lambda: ReadAllFromText(with_filename=True, coder=coders.BytesCoder()),
        }
        candidates, rejects = [], []
        for fmt, paths in self._plan.items():
            rows = (pbegin
                    | f"{fmt.title()}Files" >> beam.Create(paths)
                    | f"Read{fmt.title()}" >> readers[fmt]())
            parsed = tallied(rows | f"{fmt.title()}Candidates" >> beam.ParDo(
                RowToCandidate(self._source, self._stage, json_lines=fmt == JSON)).with_outputs(REJECTS, TALLY,
                                                                                                main="candidates"))
            candidates.append(parsed.candidates)
            rejects.append(parsed[REJECTS])
        return {"candidates": tuple(candidates) | "DumpCandidates" >> beam.Flatten(),
                "rejects": tuple(rejects)}
