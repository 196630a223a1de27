"""What every judge reader shares: the reject a row becomes, the reasons, the dataset names, how each
judge's verdicts map to ours, and the field parsers.

The parsers raise `BadRow` on a field that cannot be used; `convert_rows` (and each reader's own
loop) turns it into a `ReadReject` keyed by the submission when the row names one. Keeping them in
one place is what makes every format reject the same bad value for the same reason.
"""
from __future__ import annotations

import csv
import errno
import math
import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Mapping, TextIO

from schemas.submission import AC, CE, IE, MLE, NJ, OLE, OTHER, PE, RE, STATUSES, TLE, WA, WJ, Submission

BAD_ROW = "bad_row"
BAD_TIME = "bad_time"
UNKNOWN_STATUS = "unknown_status"
PATH_ESCAPE = "path_escape"
BAD_HEADER = "bad_header"
MALFORMED_FILE = "malformed_file"
MISSING_FILE = "missing_file"
MISSING_CODE = "missing_code"
UNDECODABLE_CODE = "undecodable_code"
CODE_TOO_LARGE = "code_too_large"
EMPTY_CODE = "empty_code"
# Not a regular file where one was expected (a FIFO, a socket, a device, a folder): never opened for
# reading, since opening a FIFO blocks until a writer appears, which would hang the job.
SPECIAL_FILE = "special_file"
# The code file exists but the system refuses to read it (permissions, a symlink loop, an I/O error).
UNREADABLE_CODE = "unreadable_code"

DATASET_CODENET = "codenet"
DATASET_AOJ = "aoj"
DATASET_ATCODER = "atcoder"
DATASET_CODEFORCES = "codeforces"
DATASET_JSONL_DEFAULT = "judge"


@dataclass(frozen=True)
class ReadReject:
    """A row (or a file) the reader could not turn into a Submission, and why."""
    reason: str
    key: str
    detail: str = ""


@dataclass(frozen=True)
class ProblemInfo:
    """A problem as the metadata names it; CodeNet's `dataset` column is the judge it came from."""
    problem_id: str
    name: str
    origin: str = ""


# ----------------------------------------------------------------------------------------- statuses

CODENET_STATUS: dict[str, str] = {
    "accepted": AC,
    "wrong answer": WA,
    "runtime error": RE,
    "time limit exceeded": TLE,
    "memory limit exceeded": MLE,
    "compile error": CE,
    "compilation error": CE,
    "output limit exceeded": OLE,
    "wa: presentation error": PE,
    "presentation error": PE,
    "judge not available": NJ,
    "internal error": IE,
    "judge system error": IE,
    "waiting for judging": WJ,
    "waiting for re-judging": WJ,
    "query limit exceeded": OTHER,
}
# 5 and 9 are not in the published list; the API reports them for pending and running submissions.
AOJ_STATUS: dict[int, str] = {0: CE, 1: WA, 2: TLE, 3: MLE, 4: AC, 5: WJ, 6: OLE, 7: RE, 8: PE, 9: WJ}
ATCODER_STATUS: dict[str, str] = {
    "ac": AC, "wa": WA, "tle": TLE, "mle": MLE, "re": RE, "ce": CE, "ole": OLE, "ie": IE, "wj": WJ,
    "wr": WJ, "qle": OTHER,
}
CODEFORCES_STATUS: dict[str, str] = {
    "ok": AC,
    "wrong_answer": WA,
    "runtime_error": RE,
    "time_limit_exceeded": TLE,
    "memory_limit_exceeded": MLE,
    "compilation_error": CE,
    "output_limit_exceeded": OLE,
    "presentation_error": PE,
    "idleness_limit_exceeded": OTHER,
    "security_violated": OTHER,
    "challenged": OTHER,
    "partial": OTHER,
    "crashed": IE,
    "failed": IE,
    "input_preparation_crashed": IE,
    "skipped": NJ,
    "rejected": NJ,
    "testing": WJ,
}
# The generic JSONL takes the enum itself or any spelling above.
GENERIC_STATUS: dict[str, str] = {
    **{s.lower(): s for s in STATUSES}, **CODENET_STATUS, **ATCODER_STATUS, **CODEFORCES_STATUS,
    "accepted": AC, "not judged": NJ, "pending": WJ,
}

# File extensions the code folders use, by normalised language.
CODE_EXTENSIONS: dict[str, str] = {"python": ".py", "python2": ".py", "c++": ".cpp", "c": ".c", "java": ".java"}


# ------------------------------------------------------------------------------------------- fields

class BadRow(Exception):
    """A field that cannot be used: raised deep in a row's conversion, turned into the row's
    `ReadReject` by the reader's loop, so no converter has to thread a result back up."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def text_field(value: Any, field: str, *, required: bool = True) -> str:
    """Ids arrive as strings or integers depending on the format; both mean the same id."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, float)):
        if required or value is not None:
            raise BadRow(BAD_ROW, f"{field} is {value!r}")
        return ""
    text = str(value).strip()
    if required and not text:
        raise BadRow(BAD_ROW, f"{field} is empty")
    if "\0" in text:
        raise BadRow(BAD_ROW, f"{field} holds a NUL byte")
    return text


# An integer id that went through a float column ("49265039.0", "4.9265039e7", "nan"): the id the judge
# gave is lost, and no code file carries the float's spelling.
_FLOAT_ID = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)|nan|NaN|NAN")


def id_field(value: Any, field: str) -> str:
    """A submission id: `text_field`, and never a float, whether a JSON number or CSV text."""
    text = text_field(value, field)
    if _FLOAT_ID.fullmatch(text):
        raise BadRow(BAD_ROW, f"{field} {text!r} is written as a float, not an id")
    return text


def measure(value: Any, scale: float = 1.0) -> int | None:
    """A non-negative measurement or None: exports put -1, "", "N/A" in rows the judge skipped."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(round(number * scale))


# Judges opened in the 1990s; anything before or far in the future is a broken field.
_MIN_EPOCH = 315532800        # 1980-01-01
_MAX_EPOCH = 4102444800       # 2100-01-01


def epoch(value: Any, field: str, divisor: float = 1.0) -> datetime:
    if isinstance(value, bool):
        raise BadRow(BAD_TIME, f"{field} is {value!r}")
    try:
        seconds = float(str(value).strip()) / divisor
    except (TypeError, ValueError):
        raise BadRow(BAD_TIME, f"{field} is {value!r}") from None
    if not math.isfinite(seconds) or not _MIN_EPOCH <= seconds < _MAX_EPOCH:
        raise BadRow(BAD_TIME, f"{field} is {value!r}")
    # Microseconds, as the Arrow column holds them: a value must read back exactly as written.
    return datetime.fromtimestamp(round(seconds * 1_000_000) / 1_000_000, tz=timezone.utc)


def safe_relpath(rel: str) -> str | None:
    """`rel` normalised, or None when it is absolute or climbs out of the folder it is relative to."""
    if not rel or "\0" in rel or rel.startswith(("/", "\\")) or os.path.isabs(rel):
        return None
    norm = os.path.normpath(rel)
    if norm in (".", "..") or norm.startswith("../") or norm.startswith(".." + os.sep):
        return None
    return norm


def safe_name(name: str) -> bool:
    """One path component taken from the data (a problem id, a submission id, a language folder)."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name


def status_of(table: Mapping[Any, str], raw: Any, field: str = "status") -> str:
    key = raw.strip().lower() if isinstance(raw, str) else raw
    status = table.get(key) if not isinstance(key, (dict, list)) else None
    if status is None:
        raise BadRow(UNKNOWN_STATUS, f"{field} is {raw!r}")
    return status


def code_file(key: str, lang: str) -> str:
    return key + CODE_EXTENSIONS.get(lang, "")


def row_key(row: Any, field: str, fallback: str) -> str:
    """The submission id when the row has a usable one, so a reject names the submission."""
    if isinstance(row, dict):
        value = row.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return fallback


# --------------------------------------------------------------------------------------------- rows

def _kind(mode: int) -> str:
    """What a file that is not a regular file is, for a reject's detail."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def special_kind(path: str) -> str | None:
    """None for a regular file (after symlinks), else what it is; raises OSError as `os.stat` does.
    Asked before any open: opening a FIFO for reading blocks until someone writes to it."""
    mode = os.stat(path).st_mode
    return None if stat.S_ISREG(mode) else _kind(mode)


def open_regular(path: str) -> int:
    """A read-only descriptor of `path`, which must be a regular file.

    The caller has already checked with `special_kind`; O_NONBLOCK and the fstat after the open close
    the gap in which the file could be swapped for a FIFO (on a regular file O_NONBLOCK changes
    nothing). Raises OSError, and IsADirectoryError (an OSError) for anything not regular."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise IsADirectoryError(errno.EISDIR, f"{_kind(mode)}, not a regular file", path)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _utf16(head: bytes) -> bool:
    """UTF-16 text, with or without its BOM: ASCII in UTF-16 has a NUL in every other byte, which
    UTF-8 text never has; read as UTF-8 it would give one garbled row per line, or none."""
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) >= 2 and b"\0" in head[:2])


def open_text(path: str, label: str, errors: str, newline: str | None = None) -> TextIO | ReadReject:
    """An export as text (a BOM dropped), or the one reject of a file that cannot be read: missing,
    special (a FIFO given as --aoj would otherwise hang the read), or UTF-16 (`malformed_file`)."""
    try:
        kind = special_kind(path)
        if kind is not None:
            return ReadReject(SPECIAL_FILE, label, f"{os.path.basename(path)} is {kind}, not a regular file")
        fd = open_regular(path)
        if _utf16(os.pread(fd, 2, 0)):
            os.close(fd)
            return ReadReject(MALFORMED_FILE, label,
                              f"{os.path.basename(path)} is UTF-16 text; exports are read as UTF-8")
        return open(fd, encoding="utf-8-sig", errors=errors, newline=newline)
    except IsADirectoryError as exc:
        return ReadReject(SPECIAL_FILE, label, str(exc))
    except OSError as exc:
        return ReadReject(MISSING_FILE, label, str(exc))


def open_export(path: str, label: str, errors: str) -> TextIO | ReadReject:
    """A JSON export as text (a BOM dropped), or the one reject of a file that cannot be read."""
    return open_text(path, label, errors)


CsvRow = tuple[int, list[str]]  # (line number, fields)

# A metadata row is a few hundred characters; a "line" longer than this is a broken file (no line
# breaks), and reading it whole would hold the rest of the export in memory.
MAX_CSV_LINE = 1 << 20
_EOL = ("\n", "\r")


def _physical_lines(f: TextIO) -> Iterator[tuple[int, str | None]]:
    """(line number, text without its line break) per physical line; None for a line over
    MAX_CSV_LINE characters, whose rest is skipped without being kept."""
    lineno = 0
    while True:
        line = f.readline(MAX_CSV_LINE + 1)
        if not line:
            return
        lineno += 1
        if len(line) > MAX_CSV_LINE and not line.endswith(_EOL):
            while True:
                rest = f.readline(MAX_CSV_LINE)
                if not rest or rest.endswith(_EOL):
                    break
            yield lineno, None
            continue
        yield lineno, line.rstrip("\r\n")


def csv_rows(f: TextIO, where: str) -> Iterator[CsvRow | ReadReject]:
    """(line number, fields) per physical line of an export, each line parsed on its own.

    These exports write one record per line. The `csv` module's own reader lets a quoted field run
    over line breaks, so a row with an unclosed quote (`...,"1/1` at its end) would swallow the rows
    after it, which would then be counted nowhere. Parsed a line at a time (strict, so a stray quote
    is an error, not a guess), a broken line is one `bad_row` whose detail names `where` and the
    line, and the next line is read as usual; quoted fields holding commas parse as always. A line
    with a NUL byte is a broken row too (the csv module would keep the NUL in a field)."""
    for lineno, text in _physical_lines(f):
        place = f"{where} line {lineno}"
        if text is None:
            yield ReadReject(BAD_ROW, f"line {lineno}", f"{place}: longer than {MAX_CSV_LINE} characters")
            continue
        if "\0" in text:
            yield ReadReject(BAD_ROW, f"line {lineno}", f"{place}: holds a NUL byte")
            continue
        try:
            fields = next(csv.reader((text,), strict=True), [])
        except csv.Error as exc:
            problem = "a quoted field is not closed on its line" if "end of data" in str(exc) else str(exc)
            yield ReadReject(BAD_ROW, f"line {lineno}", f"{place}: {problem}")
            continue
        yield lineno, fields


def read_csv(path: str, label: str, header_of: Callable[[CsvRow | ReadReject], list[str] | ReadReject]
             ) -> Iterator[tuple[list[str], int, list[str]] | ReadReject]:
    """(header, line number, fields) per row of a CSV export, the same way in every CSV format: a
    file that cannot be opened is one `missing_file` reject (`special_file` for a FIFO or another
    special file, never opened), an empty file (no header) and a first row that `header_of` refuses
    are one `bad_header`, blank rows are skipped, `csv` errors are `bad_row` keyed under the file's
    label, and a row that repeats the header (files joined together) is a `bad_row`."""
    f = open_text(path, label, errors="replace", newline="")
    if isinstance(f, ReadReject):
        yield f
        return
    with f:
        rows = csv_rows(f, os.path.basename(path))
        first = next(rows, None)
        if first is None:
            yield ReadReject(BAD_HEADER, label, f"{os.path.basename(path)} is empty: no header")
            return
        header = header_of(first)
        if isinstance(header, ReadReject):
            yield header
            return
        for item in rows:
            if isinstance(item, ReadReject):
                yield ReadReject(item.reason, f"{label}:{item.key}", item.detail)
                continue
            line, fields = item
            if not any(cell.strip() for cell in fields):
                continue
            if [c.strip().lstrip("\ufeff").lower() for c in fields] == [h.lower() for h in header]:
                yield ReadReject(BAD_ROW, f"{label}:line {line}",
                                 f"{os.path.basename(path)} line {line}: the header again (files joined?)")
                continue
            yield header, line, fields


def convert_rows(items: Iterable[tuple[str, Any] | ReadReject], id_field: str,
                 convert: Callable[[dict[str, Any]], Submission]) -> Iterator[Submission | ReadReject]:
    """Rows of a single-file export as submissions; a row that is not an object or does not convert
    is a reject, keyed by its id when it has one, else by its position, which its detail names."""
    for item in items:
        if isinstance(item, ReadReject):
            yield item
            continue
        fallback, row = item
        try:
            if not isinstance(row, dict):
                raise BadRow(BAD_ROW, f"element is {type(row).__name__}, not an object")
            yield convert(row)
        except BadRow as exc:
            yield ReadReject(exc.reason, row_key(row, id_field, fallback), f"{fallback}: {exc.detail}")
