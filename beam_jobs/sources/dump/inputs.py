"""The dump export files a run is given: their formats, what each reader reads, and whether they can
be read at all, judged before the run.

Beam-free for local files, so that the CLI refuses a wrong --dump in a fraction of a second, before
Beam is imported; a pattern on an object store is matched through Beam's FileSystems.
"""
from __future__ import annotations

import os
import re
import stat
from typing import Iterable

from schemas.candidate import CANDIDATE_COLUMNS, NULLABLE_COLUMNS


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


def _local_matches(pattern: str) -> list[str]:
    """The local paths FileSystems.match gives for a pattern, found without Beam: `*` within one
    path part, `**` across parts, `?` one character, `[...]` a class; files below the pattern's
    fixed folder, walked recursively, matched against the whole pattern."""
    fixed = re.match(r"[^[*?]*", pattern).group(0)
    if fixed == pattern:
        return [pattern] if os.path.exists(pattern) else []
    regex, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
            continue
        j = i + 1 + (pattern[i + 1:i + 2] == "!")
        j += pattern[j:j + 1] == "]"
        end = pattern.find("]", j)
        if c == "[" and end >= 0:
            body = pattern[i + 1:end].replace("\\", "\\\\")
            regex += "[" + ("^" + body[1:] if body.startswith("!") else "\\" + body if body.startswith("^") else body) + "]"
            i = end + 1
            continue
        regex += {"*": r"[^/\\]*", "?": "."}.get(c, re.escape(c))
        i += 1
    compiled = re.compile(r"(?ms)" + regex + r"\Z")
    top = os.path.dirname(fixed)
    if not os.path.exists(top):
        return []
    found = (os.path.join(folder, name) for folder, _, names in os.walk(top) for name in names)
    # A dangling link has no size, and FileSystems leaves it out.
    return [path for path in found if compiled.match(path) and os.path.exists(path)]


def match_files(pattern: str) -> list[str]:
    """Paths matching a pattern, sorted; a local folder stands for the files in it. Local patterns are
    matched as FileSystems would, without importing Beam."""
    if "://" not in pattern and os.path.isdir(pattern):
        pattern = os.path.join(pattern, "*")
    if "://" not in pattern:
        return sorted(_local_matches(pattern))
    from apache_beam.io.filesystems import FileSystems

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
