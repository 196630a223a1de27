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
import os
import stat
from typing import Any, Iterable, Iterator, Mapping

import apache_beam as beam
from apache_beam import coders
from apache_beam.io.avroio import ReadAllFromAvro
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.parquetio import ReadAllFromParquet
from apache_beam.io.textio import ReadAllFromText

from beam_jobs.accounting import REJECTS, StageDoFn
from beam_jobs.sources.dump.stages import SOURCE, STAGE_READ
from schemas.candidate import CANDIDATE_COLUMNS, NULLABLE_COLUMNS, CandidateError, candidate_from_row


PARQUET, AVRO, JSON = "parquet", "avro", "json"
# Longest suffix first, so that ".json.gz" is not taken for an unknown ".gz".
EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".json.gz", JSON), (".jsonl.gz", JSON), (".ndjson.gz", JSON),
    (".parquet", PARQUET), (".avro", AVRO), (".json", JSON), (".jsonl", JSON), (".ndjson", JSON),
)
KNOWN = ", ".join(suffix for suffix, _ in EXTENSIONS)

# JSON writers (BigQuery's export among them, as far as we know) may leave out NULL fields instead of
# writing null; these query columns may be NULL in `commits`, so in JSON lines their absence means
# NULL, not a file of another shape. Every other column must be present.
JSON_NULLABLE = NULLABLE_COLUMNS

_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def file_format(path: str) -> str | None:
    """parquet, avro or json by the name's extension (case-insensitive); None if unrecognised."""
    name = path.lower()
    for suffix, fmt in EXTENSIONS:
        if name.endswith(suffix):
            return fmt
    return None


def _has_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def match_files(pattern: str) -> list[str]:
    """Paths matching a pattern, sorted; a local folder stands for the files in it."""
    if "://" not in pattern and os.path.isdir(pattern):
        pattern = os.path.join(pattern, "*")
    try:
        results = FileSystems.match([pattern])
    except Exception as exc:  # noqa: BLE001 - every filesystem raises its own kind; the CLI prints it
        raise ValueError(f"cannot list the dump files '{pattern}': {exc}") from None
    return sorted(m.path for m in results[0].metadata_list)


def special_file_problem(path: str) -> str | None:
    """Why a local path matched by a dump pattern cannot be read as an export, from its stat alone,
    or None for a regular file (or a remote path, which cannot be special).

    A reader opening a FIFO waits forever for a writer, and a device never ends, so such a file is
    refused here, without being opened, with one sentence. A whole file is the reader's unit (its rows
    are what the read stage counts), so refusing the run says more than a reject of a file that
    holds no row."""
    if "://" in path:
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"the dump file '{path}' cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")
    return f"the dump file '{path}' is {kind}, not a regular file; an export is read from regular files only"


def plan_reads(patterns: Iterable[str]) -> dict[str, list[str]]:
    """{format: [pattern or path, ...]}: what each format's reader reads. Raises ValueError.

    A remote pattern with a known extension is kept as is (matched on the workers, so building the
    graph needs no access to the bucket). Local patterns, and any pattern without a known extension,
    are matched here: their files are split by extension, a file named by two overlapping patterns
    is read once, and one file of an unknown kind, or a FIFO, socket or device, is an error rather
    than a silently skipped part or a reader that never returns.
    """
    plan: dict[str, list[str]] = {}
    for pattern in patterns:
        fmt = file_format(pattern)
        if fmt is not None and "://" in pattern:
            plan.setdefault(fmt, []).append(pattern)
            continue
        paths = match_files(pattern) if fmt is None or _has_glob(pattern) or os.path.exists(pattern) else []
        if not paths:
            raise ValueError(f"no file matches the dump pattern '{pattern}'")
        for path in paths:
            special = special_file_problem(path)
            if special:
                raise ValueError(special)
            path_fmt = file_format(path)
            if path_fmt is None:
                raise ValueError(f"the dump file '{path}' is not Parquet, Avro or JSON lines by its name "
                                 f"(expected one of {KNOWN})")
            plan.setdefault(path_fmt, []).append(path)
    if not plan:
        raise ValueError("no dump file pattern was given")
    return {fmt: sorted(set(paths)) for fmt, paths in sorted(plan.items())}


def dump_inputs_problem(patterns: list[str]) -> str | None:
    """Why the --dump patterns cannot be read, as one sentence, or None. The CLI calls it before the run."""
    try:
        plan = plan_reads(patterns)
        for fmt, paths in plan.items():
            for path in paths:
                if _has_glob(path) or "://" in path or not os.path.exists(path):
                    if not match_files(path):
                        return f"no file matches the dump pattern '{path}'"
                elif fmt in (PARQUET, AVRO):
                    problem = _header_problem(path, fmt)
                    if problem:
                        return problem
                elif path.lower().endswith(".gz"):
                    problem = gzip_problem(path)
                    if problem:
                        return problem
    except ValueError as exc:
        return str(exc)
    return None


def gzip_problem(path: str) -> str | None:
    """Why a local `.gz` JSON lines file is not a whole gzip stream, or None. Read through once (it
    costs a decompression, no parsing): the text reader fails the whole job, with a traceback, on a
    file that is not gzip, and silently stops at the cut of a truncated one, so the rows after the cut
    would be counted nowhere."""
    import zlib

    try:
        with open(path, "rb") as f:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while chunk := f.read(1 << 20):
                inflater.decompress(chunk, 0)
                while inflater.eof and inflater.unused_data:  # a file of several gzip members
                    rest = inflater.unused_data
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    inflater.decompress(rest, 0)
    except zlib.error as exc:
        return f"the dump file '{path}' is not a readable gzip file ({exc})"
    except OSError as exc:
        return f"the dump file '{path}' cannot be read ({exc.strerror or exc})"
    if not inflater.eof:
        return f"the dump file '{path}' is a truncated gzip file (it ends inside its compressed data)"
    return None


def _header_problem(path: str, fmt: str) -> str | None:
    """A local Parquet or Avro file that cannot be a query export, from its header alone (cheap):
    the reader would otherwise fail deep inside Beam, on the whole file, with no useful message.
    Rows are still checked one by one when read; this only catches files no row can come from."""
    try:
        if fmt == PARQUET:
            import pyarrow.parquet as pq

            names = set(pq.read_schema(path).names)
        else:
            import fastavro

            with open(path, "rb") as f:
                schema = fastavro.reader(f).writer_schema or {}
            names = {field.get("name") for field in schema.get("fields", [])}
    except Exception as exc:  # noqa: BLE001 - pyarrow and fastavro raise many kinds for a bad file
        return f"the dump file '{path}' is not a readable {fmt.title()} file ({str(exc).splitlines()[0][:120]})"
    missing = [c for c in CANDIDATE_COLUMNS if c not in names]
    if missing:
        return (f"the dump file '{path}' lacks the column(s) {', '.join(missing)}; is it an export of "
                f"the repairpack query (see --print-sql)?")
    return None


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
            parsed = rows | f"{fmt.title()}Candidates" >> beam.ParDo(
                RowToCandidate(self._source, self._stage, json_lines=fmt == JSON)).with_outputs(REJECTS, main="candidates")
            candidates.append(parsed.candidates)
            rejects.append(parsed[REJECTS])
        return {"candidates": tuple(candidates) | "DumpCandidates" >> beam.Flatten(),
                "rejects": tuple(rejects)}
