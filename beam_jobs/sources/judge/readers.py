"""Readers of online-judge exports: every format in, `Submission` or `ReadReject` out, one per row.

Pure (no Beam), streaming (one row in memory at a time, whatever the size of the export) and total:
a bad row, an unknown status, a path that leaves the input root, a file that cannot be decoded, all
become a `ReadReject` with a reason; nothing here raises on bad data. The Beam source counts each row
once at `judge.read`, and each code file once at `judge.code`.

Code is loaded in a second step, `load_code`, not while rows are read: a CodeNet export holds one
file per submission in every language, and reading the 85 % that are not Python only to drop them
would dominate the run. Formats that carry code inline (Aizu's `sourceCode`, the generic JSONL's
`code`) still go through `load_code`, which applies the same size, emptiness and NUL checks.
`iter_with_code` chains the two steps for callers that want the reader's whole answer at once.

Formats
-------
**Project CodeNet** (`--codenet DIR`): `metadata/problem_list.csv`
(id,name,dataset,time_limit,memory_limit,rating,tags,complexity), one `metadata/pXXXXX.csv` per
problem (submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,
cpu_time,memory,code_size,accuracy; `date` in unix seconds), code at
`data/pXXXXX/<language>/<submission_id>.<filename_ext>`, optional `problem_descriptions/pXXXXX.html`.
CSVs may have DOS line endings and a BOM; empty or nonsense numbers (a negative cpu time) become null.
Each problem CSV is read on its own, so Beam spreads problems over workers.

**Aizu** (`--aoj FILE`): the judge API's JSON list of records (`judgeId`, `userId`, `problemId`,
`submissionDate` in ms, `language`, `status` 0=CE 1=WA 2=TLE 3=MLE 4=AC 5=WJ 6=OLE 7=RE 8=PE
9=running, `cpuTime` in 1/100 s, `memory` in KB, `codeSize`, `accuracy`). Code is the `sourceCode`
field, or `<code dir>/<judgeId>.py` (or `<judgeId>` with no extension); the code dir defaults to
`<file stem>_code` beside the file. On Aizu, "Python" means Python 2.

**AtCoder** (`--atcoder FILE --atcoder-code DIR`): the AtCoder Problems submission objects, as a JSON
list, JSON lines or a CSV with the same column names (`id`, `epoch_second`, `problem_id`,
`contest_id`, `user_id`, `language`, `point`, `length`, `result`, `execution_time` in ms). Code at
`<code dir>/<id>.py` (or `<id>`).

**Codeforces** (`--codeforces FILE --codeforces-code DIR`): API submission objects (`id`,
`contestId`, `creationTimeSeconds`, `problem{contestId,index,name}`, `author{members[{handle}]}`,
`programmingLanguage`, `verdict`, `timeConsumedMillis`, `memoryConsumedBytes`) as a JSON list, JSON
lines, or the API's own answer `{"status": "OK", "result": [...]}`. The problem id is contest id plus
index ("4A"). A submission still in the queue has no verdict and counts as WJ. Code at
`<code dir>/<id>.py` (or `<id>`).

**Generic JSON lines** (`--judge-jsonl FILE`), for in-house judges: one object per line, blank lines
ignored.

    required  submission_id   string or integer, unique within the dataset
              problem_id      string
              user_id         string
              time            unix seconds (number) or ISO 8601 text ("2024-03-01T12:00:05Z";
                              without an offset it is taken as UTC)
              language        string, as the judge names it ("Python 3.11", "PyPy3")
              status          AC WA RE TLE MLE CE OLE PE IE WJ NJ OTHER, or any spelling the other
                              formats use ("Wrong Answer", "WRONG_ANSWER", "Accepted", "OK")
              code            the source text, or instead:
              code_path       a path relative to the JSONL file's folder (must stay inside it)
    optional  dataset         names the export (default "judge"); picks the license from config
              problem_name, origin, original_language   strings
              cpu_time_ms, memory_kb, code_size          non-negative integers

Reasons (judge.read): bad_row, bad_time, unknown_status, path_escape, bad_header, malformed_file,
missing_file. Reasons (judge.code): missing_code, undecodable_code, code_too_large, empty_code,
path_escape.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Mapping

from filters.judge import normalise_language
from schemas.submission import AC, CE, IE, MLE, NJ, OLE, OTHER, PE, RE, STATUSES, TLE, WA, WJ, Submission

# ------------------------------------------------------------------------------------------ reasons

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


# ------------------------------------------------------------------------------------- statuses

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
_ATCODER_PROGRESS = re.compile(r"^\d+\s*/\s*\d+$")  # "3/10": still being judged

# File extensions the code folders use, by normalised language.
CODE_EXTENSIONS: dict[str, str] = {"python": ".py", "python2": ".py", "c++": ".cpp", "c": ".c", "java": ".java"}


# --------------------------------------------------------------------------------------- helpers

class _BadRow(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _text(value: Any, field: str, *, required: bool = True) -> str:
    """Ids arrive as strings or integers depending on the format; both mean the same id."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list, float)):
        if required or value is not None:
            raise _BadRow(BAD_ROW, f"{field} is {value!r}")
        return ""
    text = str(value).strip()
    if required and not text:
        raise _BadRow(BAD_ROW, f"{field} is empty")
    if "\0" in text:
        raise _BadRow(BAD_ROW, f"{field} holds a NUL byte")
    return text


def _count(value: Any, scale: float = 1.0) -> int | None:
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


def _epoch(value: Any, field: str, divisor: float = 1.0) -> datetime:
    if isinstance(value, bool):
        raise _BadRow(BAD_TIME, f"{field} is {value!r}")
    try:
        seconds = float(str(value).strip()) / divisor
    except (TypeError, ValueError):
        raise _BadRow(BAD_TIME, f"{field} is {value!r}") from None
    if not math.isfinite(seconds) or not _MIN_EPOCH <= seconds < _MAX_EPOCH:
        raise _BadRow(BAD_TIME, f"{field} is {value!r}")
    # Microseconds, as the Arrow column holds them: a value must read back exactly as written.
    return datetime.fromtimestamp(round(seconds * 1_000_000) / 1_000_000, tz=timezone.utc)


def _iso_or_epoch(value: Any, field: str) -> datetime:
    if isinstance(value, str) and not re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise _BadRow(BAD_TIME, f"{field} is {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return _epoch(parsed.timestamp(), field)
    return _epoch(value, field)


def safe_relpath(rel: str) -> str | None:
    """`rel` normalised, or None when it is absolute or climbs out of the folder it is relative to."""
    if not rel or "\0" in rel or rel.startswith(("/", "\\")) or os.path.isabs(rel):
        return None
    norm = os.path.normpath(rel)
    if norm in (".", "..") or norm.startswith("../") or norm.startswith(".." + os.sep):
        return None
    return norm


def _safe_name(name: str) -> bool:
    """One path component taken from the data (a problem id, a submission id, a language folder)."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\0" not in name


def _status(table: Mapping[Any, str], raw: Any, field: str = "status") -> str:
    key = raw.strip().lower() if isinstance(raw, str) else raw
    status = table.get(key) if not isinstance(key, (dict, list)) else None
    if status is None:
        raise _BadRow(UNKNOWN_STATUS, f"{field} is {raw!r}")
    return status


def _code_file(key: str, lang: str) -> str:
    return key + CODE_EXTENSIONS.get(lang, "")


# ------------------------------------------------------------------------------------- streaming JSON

_WS = " \t\r\n"
_CHUNK = 1 << 20
# No submission is this large; a value still undecoded after this much text is a broken file, and
# reading on would pull the rest of the export into memory to find out.
_MAX_VALUE = 64 << 20


class _JsonStream:
    """Values of a JSON export one at a time: a top-level array, JSON lines, or an API envelope
    `{"status": ..., "result": [...]}`. `json.JSONDecoder.raw_decode` does the parsing; this class
    only feeds it enough text, so memory is one value plus one chunk, never the file."""

    def __init__(self, f: io.TextIOBase) -> None:
        self._f = f
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        # While set, consumed text is kept: the envelope probe rewinds to where it started.
        self._pinned = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._f.read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        if self._pos > _CHUNK and not self._pinned:
            self._buf = self._buf[self._pos:]
            self._pos = 0
        self._buf += chunk
        return True

    def _peek(self) -> str:
        """The next non-blank character ("" at the end), leaving the position on it."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in _WS:
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                # Either the value is cut by the chunk boundary (read on) or the file is broken.
                if len(self._buf) - self._pos <= _MAX_VALUE and self._fill():
                    continue
                raise ValueError(f"invalid JSON at character {exc.pos}: {exc.msg}") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end == len(self._buf) and not isinstance(value, (dict, list, str)) and self._fill():
                continue
            self._pos = end
            return value

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise ValueError(f"expected '{char}' in the JSON envelope")
        self._pos += 1

    def _array(self) -> Iterator[Any]:
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self._value()
            nxt = self._peek()
            self._pos += 1
            if nxt == "]":
                return
            if nxt != ",":
                raise ValueError(f"expected ',' or ']' after an array element, found {nxt!r}")

    def _lines(self) -> Iterator[Any]:
        """JSON lines, a line at a time; a broken line is yielded as a ValueError, not raised."""
        rest = self._buf[self._pos:]
        self._buf, self._pos = "", 0
        pending = rest
        lineno = 0
        for tail in self._tails(pending):
            lineno += 1
            if not tail.strip():
                continue
            try:
                yield json.loads(tail)
            except json.JSONDecodeError as exc:
                yield ValueError(f"line {lineno}: {exc.msg}")

    def _tails(self, pending: str) -> Iterator[str]:
        while True:
            newline = pending.find("\n")
            while newline < 0:
                chunk = self._f.read(_CHUNK)
                if not chunk:
                    if pending:
                        yield pending
                    return
                pending += chunk
                newline = pending.find("\n")
            yield pending[:newline]
            pending = pending[newline + 1:]

    def _is_envelope(self) -> bool:
        try:
            key = self._value()
            if key == "result":
                return True
            self._expect(":")
            value = self._value()
        except ValueError:
            return False
        return key == "status" and isinstance(value, str) and value.upper() in ("OK", "FAILED")

    def values(self) -> Iterator[Any]:
        first = self._peek()
        if first == "":
            return
        if first == "[":
            yield from self._array()
            if self._peek() != "":
                raise ValueError("text after the top-level JSON array")
            return
        if first != "{":
            raise ValueError(f"a JSON export starts with '[' or '{{', not {first!r}")
        # An object first: JSON lines, unless it opens like an API answer ({"status": "OK", "result": [).
        start = self._pos
        self._pos += 1
        self._pinned = True
        envelope = self._is_envelope()
        self._pinned = False
        if not envelope:
            self._pos = start
            yield from self._lines()
            return
        self._pos = start + 1
        while True:
            key = self._value()
            self._expect(":")
            if key == "result":
                yield from self._array()
                return
            self._value()
            if self._peek() != ",":
                raise ValueError("the JSON envelope has no 'result' list")
            self._pos += 1


def _iter_json(path: str, dataset: str) -> Iterator[tuple[str, Any] | ReadReject]:
    """(row key, value) per element; a file that cannot be opened or parsed ends in one reject.

    Elements already yielded stay valid: a truncated export still gives everything before the cut.
    """
    name = os.path.basename(path)
    try:
        f = open(path, encoding="utf-8-sig", errors="strict")
    except OSError as exc:
        yield ReadReject(MISSING_FILE, f"{dataset}:{name}", str(exc))
        return
    index = 0
    with f:
        try:
            for value in _JsonStream(f).values():
                index += 1
                if isinstance(value, ValueError):
                    yield ReadReject(BAD_ROW, f"{dataset}:{name}:{index}", str(value))
                else:
                    yield f"{dataset}:{name}:{index}", value
        except (ValueError, UnicodeDecodeError) as exc:
            yield ReadReject(MALFORMED_FILE, f"{dataset}:{name}", f"after {index} elements: {exc}")


def _row_key(row: Any, field: str, fallback: str) -> str:
    """The submission id when the row has a usable one, so a reject names the submission."""
    if isinstance(row, dict):
        value = row.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return fallback


# ----------------------------------------------------------------------------------------- CodeNet

CODENET_COLUMNS = ("submission_id", "problem_id", "user_id", "date", "language", "original_language",
                   "filename_ext", "status", "cpu_time", "memory", "code_size", "accuracy")
CODENET_REQUIRED = ("submission_id", "problem_id", "user_id", "date", "language", "status")
PROBLEM_LIST = "problem_list.csv"


def _csv_rows(path: str) -> Iterator[tuple[int, list[str]] | ReadReject]:
    """(line number, fields) per row; `csv` errors (a NUL byte, a runaway quote) become rejects."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        reader = csv.reader(f)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield ReadReject(BAD_ROW, f"line {reader.line_num}", str(exc))
                continue
            yield reader.line_num, row


def read_codenet_problem_list(root: str) -> Iterator[ProblemInfo | ReadReject]:
    """Problem names and origins; a missing list is not an error (names fall back to ids)."""
    path = os.path.join(root, "metadata", PROBLEM_LIST)
    if not os.path.isfile(path):
        return
    header: list[str] | None = None
    for item in _csv_rows(path):
        if isinstance(item, ReadReject):
            yield ReadReject(item.reason, f"{DATASET_CODENET}:{PROBLEM_LIST}:{item.key}", item.detail)
            continue
        line, row = item
        if header is None:
            header = [h.strip().lower() for h in row]
            if "id" not in header or "name" not in header:
                yield ReadReject(BAD_HEADER, f"{DATASET_CODENET}:{PROBLEM_LIST}", f"header is {row!r}")
                return
            continue
        if not any(cell.strip() for cell in row):
            continue
        fields = dict(zip(header, row))
        problem_id = fields.get("id", "").strip()
        if len(row) != len(header) or not _safe_name(problem_id):
            yield ReadReject(BAD_ROW, f"{DATASET_CODENET}:{PROBLEM_LIST}:line {line}",
                             f"expected {len(header)} fields with an id, got {row!r}")
            continue
        yield ProblemInfo(problem_id, fields.get("name", "").strip() or problem_id,
                          fields.get("dataset", "").strip())


def codenet_problem_csvs(root: str) -> list[str]:
    """The per-problem metadata files, sorted: the unit of parallelism of a CodeNet read."""
    folder = os.path.join(root, "metadata")
    try:
        names = [e.name for e in os.scandir(folder) if e.is_file() and e.name.endswith(".csv")]
    except OSError:
        return []
    return sorted(n for n in names if n != PROBLEM_LIST)


def read_codenet_csv(root: str, csv_name: str,
                     problems: Mapping[str, ProblemInfo] | None = None) -> Iterator[Submission | ReadReject]:
    """One problem's metadata file. Code paths are checked here; the files themselves are read by
    `load_code`."""
    problems = problems or {}
    label = f"{DATASET_CODENET}:{csv_name}"
    if not _safe_name(csv_name):
        yield ReadReject(PATH_ESCAPE, label, "metadata file name leaves metadata/")
        return
    path = os.path.join(root, "metadata", csv_name)
    try:
        rows = _csv_rows(path)
        first = next(rows, None)
    except OSError as exc:
        yield ReadReject(MISSING_FILE, label, str(exc))
        return
    if first is None:
        return
    if isinstance(first, ReadReject):
        yield ReadReject(BAD_HEADER, label, first.detail)
        return
    _, header_row = first
    header = [h.strip().lower() for h in header_row]
    missing = [c for c in CODENET_REQUIRED if c not in header]
    if missing:
        yield ReadReject(BAD_HEADER, label, f"missing columns {', '.join(missing)}")
        return
    index = {name: i for i, name in enumerate(header)}
    for item in rows:
        if isinstance(item, ReadReject):
            yield ReadReject(item.reason, f"{label}:{item.key}", item.detail)
            continue
        line, row = item
        if not any(cell.strip() for cell in row):
            continue
        key = row[index["submission_id"]].strip() if len(row) > index["submission_id"] else ""
        key = key if _safe_name(key) else f"{label}:line {line}"
        if len(row) != len(header):
            yield ReadReject(BAD_ROW, key, f"line {line}: expected {len(header)} fields, got {len(row)}")
            continue
        try:
            yield _codenet_submission(root, row, index, problems)
        except _BadRow as exc:
            yield ReadReject(exc.reason, key, f"line {line}: {exc.detail}")


def _codenet_submission(root: str, row: list[str], index: dict[str, int],
                        problems: Mapping[str, ProblemInfo]) -> Submission:
    def col(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None else ""

    submission_id = _text(col("submission_id"), "submission_id")
    problem_id = _text(col("problem_id"), "problem_id")
    user_id = _text(col("user_id"), "user_id")
    language = _text(col("language"), "language")
    original = col("original_language") or language
    time = _epoch(col("date"), "date")
    status_raw = col("status")
    status = _status(CODENET_STATUS, status_raw)
    ext = col("filename_ext")
    # original_language is the finer name: "Python" in the language column covers Python 2 too.
    lang = normalise_language(original)
    if not all(_safe_name(part) for part in (problem_id, language, submission_id)) or (ext and not _safe_name(ext)):
        raise _BadRow(PATH_ESCAPE, f"code path from {problem_id!r}/{language!r}/{submission_id!r}.{ext!r}")
    rel = safe_relpath(f"data/{problem_id}/{language}/{submission_id}" + (f".{ext}" if ext else ""))
    if rel is None:
        raise _BadRow(PATH_ESCAPE, f"code path from {problem_id!r}/{language!r}/{submission_id!r}")
    info = problems.get(problem_id)
    return Submission(
        submission_id=submission_id, problem_id=problem_id, user_id=user_id, time=time,
        language=language, original_language=original, lang=lang, status=status, status_raw=status_raw,
        cpu_time_ms=_count(col("cpu_time")), memory_kb=_count(col("memory")), code_size=_count(col("code_size")),
        dataset=DATASET_CODENET, origin=info.origin if info else "", problem_name=info.name if info else "",
        code=None, code_root=root, code_path=rel)


def read_codenet(root: str) -> Iterator[Submission | ReadReject]:
    """Every problem file in turn (tests and small exports; Beam reads the files in parallel)."""
    problems = {p.problem_id: p for p in read_codenet_problem_list(root) if isinstance(p, ProblemInfo)}
    for name in codenet_problem_csvs(root):
        yield from read_codenet_csv(root, name, problems)


def read_codenet_description(root: str, problem_id: str) -> str | None:
    """The raw HTML of a problem statement, or None when there is none (or it cannot be read)."""
    if not _safe_name(problem_id):
        return None
    path = os.path.join(root, "problem_descriptions", f"{problem_id}.html")
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _convert_rows(items: Iterable[tuple[str, Any] | ReadReject], id_field: str,
                  convert: Callable[[Any], Submission]) -> Iterator[Submission | ReadReject]:
    """Rows of a single-file export as submissions; a row that does not convert is a reject, keyed by
    its id when it has one, else by its position."""
    for item in items:
        if isinstance(item, ReadReject):
            yield item
            continue
        fallback, row = item
        try:
            yield convert(row)
        except _BadRow as exc:
            yield ReadReject(exc.reason, _row_key(row, id_field, fallback), exc.detail)


# ------------------------------------------------------------------------------------------- Aizu

def default_aoj_code_dir(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(os.path.abspath(path)), f"{stem}_code")


def read_aoj(path: str, code_dir: str | None = None) -> Iterator[Submission | ReadReject]:
    code_dir = code_dir or default_aoj_code_dir(path)
    yield from _convert_rows(_iter_json(path, DATASET_AOJ), "judgeId", lambda row: _aoj_submission(row, code_dir))


def _aoj_submission(row: Any, code_dir: str) -> Submission:
    if not isinstance(row, dict):
        raise _BadRow(BAD_ROW, f"element is {type(row).__name__}, not an object")
    submission_id = _text(row.get("judgeId"), "judgeId")
    language = _text(row.get("language"), "language")
    raw_status = row.get("status")
    if isinstance(raw_status, str) and raw_status.strip().isdigit():
        raw_status = int(raw_status)
    if isinstance(raw_status, bool) or not isinstance(raw_status, int):
        raise _BadRow(UNKNOWN_STATUS, f"status is {raw_status!r}")
    lang = normalise_language(language, bare_python="python2")
    code = row.get("sourceCode")
    if code is not None and not isinstance(code, str):
        raise _BadRow(BAD_ROW, f"sourceCode is {type(code).__name__}")
    sub = Submission(
        submission_id=submission_id, problem_id=_text(row.get("problemId"), "problemId"),
        user_id=_text(row.get("userId"), "userId"), time=_epoch(row.get("submissionDate"), "submissionDate", 1000.0),
        language=language, original_language=language, lang=lang,
        status=_status(AOJ_STATUS, raw_status), status_raw=str(raw_status),
        cpu_time_ms=_count(row.get("cpuTime"), 10.0), memory_kb=_count(row.get("memory")),
        code_size=_count(row.get("codeSize")), dataset=DATASET_AOJ, origin="AIZU", code=code)
    if code is None:
        if not _safe_name(submission_id):
            raise _BadRow(PATH_ESCAPE, f"judgeId {submission_id!r} is not a file name")
        sub.code_root, sub.code_path = code_dir, _code_file(submission_id, lang)
    return sub


# ---------------------------------------------------------------------------------------- AtCoder

ATCODER_COLUMNS = ("id", "epoch_second", "problem_id", "contest_id", "user_id", "language", "point", "length",
                   "result", "execution_time")


def _atcoder_items(path: str) -> Iterator[tuple[str, Any] | ReadReject]:
    if not path.lower().endswith(".csv"):
        yield from _iter_json(path, DATASET_ATCODER)
        return
    name = os.path.basename(path)
    try:
        rows = _csv_rows(path)
        first = next(rows, None)
    except OSError as exc:
        yield ReadReject(MISSING_FILE, f"{DATASET_ATCODER}:{name}", str(exc))
        return
    if first is None:
        return
    if isinstance(first, ReadReject) or not {"id", "result", "language"} <= {h.strip() for h in first[1]}:
        yield ReadReject(BAD_HEADER, f"{DATASET_ATCODER}:{name}", f"header is {first!r}"[:200])
        return
    header = [h.strip() for h in first[1]]
    for item in rows:
        if isinstance(item, ReadReject):
            yield ReadReject(item.reason, f"{DATASET_ATCODER}:{name}:{item.key}", item.detail)
            continue
        line, row = item
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield ReadReject(BAD_ROW, f"{DATASET_ATCODER}:{name}:line {line}",
                             f"expected {len(header)} fields, got {len(row)}")
            continue
        yield f"{DATASET_ATCODER}:{name}:line {line}", dict(zip(header, row))


def read_atcoder(path: str, code_dir: str) -> Iterator[Submission | ReadReject]:
    yield from _convert_rows(_atcoder_items(path), "id", lambda row: _atcoder_submission(row, code_dir))


def _atcoder_submission(row: Any, code_dir: str) -> Submission:
    if not isinstance(row, dict):
        raise _BadRow(BAD_ROW, f"element is {type(row).__name__}, not an object")
    submission_id = _text(row.get("id"), "id")
    language = _text(row.get("language"), "language")
    raw = row.get("result")
    raw_text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(raw_text, str) and _ATCODER_PROGRESS.match(raw_text):
        status = WJ
    else:
        status = _status(ATCODER_STATUS, raw, "result")
    if not _safe_name(submission_id):
        raise _BadRow(PATH_ESCAPE, f"id {submission_id!r} is not a file name")
    lang = normalise_language(language)
    return Submission(
        submission_id=submission_id, problem_id=_text(row.get("problem_id"), "problem_id"),
        user_id=_text(row.get("user_id"), "user_id"), time=_epoch(row.get("epoch_second"), "epoch_second"),
        language=language, original_language=language, lang=lang, status=status, status_raw=str(raw),
        cpu_time_ms=_count(row.get("execution_time")), memory_kb=None, code_size=_count(row.get("length")),
        dataset=DATASET_ATCODER, origin="AtCoder", code=None, code_root=code_dir,
        code_path=_code_file(submission_id, lang))


# ------------------------------------------------------------------------------------- Codeforces

def read_codeforces(path: str, code_dir: str) -> Iterator[Submission | ReadReject]:
    yield from _convert_rows(_iter_json(path, DATASET_CODEFORCES), "id", lambda row: _codeforces_submission(row, code_dir))


def _codeforces_submission(row: Any, code_dir: str) -> Submission:
    if not isinstance(row, dict):
        raise _BadRow(BAD_ROW, f"element is {type(row).__name__}, not an object")
    submission_id = _text(row.get("id"), "id")
    problem = row.get("problem")
    if not isinstance(problem, dict):
        raise _BadRow(BAD_ROW, "problem is not an object")
    contest = _text(problem.get("contestId", row.get("contestId")), "problem.contestId")
    index = _text(problem.get("index"), "problem.index")
    author = row.get("author")
    members = author.get("members") if isinstance(author, dict) else None
    handles = [m.get("handle") for m in members if isinstance(m, dict)] if isinstance(members, list) else []
    if not handles or not all(isinstance(h, str) and h.strip() for h in handles):
        raise _BadRow(BAD_ROW, "author.members has no handle")
    language = _text(row.get("programmingLanguage"), "programmingLanguage")
    verdict = row.get("verdict")
    status = WJ if verdict is None else _status(CODEFORCES_STATUS, verdict, "verdict")
    if not _safe_name(submission_id):
        raise _BadRow(PATH_ESCAPE, f"id {submission_id!r} is not a file name")
    memory = _count(row.get("memoryConsumedBytes"))
    lang = normalise_language(language)
    name = problem.get("name")
    return Submission(
        submission_id=submission_id, problem_id=f"{contest}{index}", user_id=",".join(h.strip() for h in handles),
        time=_epoch(row.get("creationTimeSeconds"), "creationTimeSeconds"),
        language=language, original_language=language, lang=lang, status=status,
        status_raw="" if verdict is None else str(verdict),
        cpu_time_ms=_count(row.get("timeConsumedMillis")), memory_kb=None if memory is None else memory // 1024,
        code_size=None, dataset=DATASET_CODEFORCES, origin="Codeforces",
        problem_name=name.strip() if isinstance(name, str) else "", code=None, code_root=code_dir,
        code_path=_code_file(submission_id, lang))


# --------------------------------------------------------------------------------- generic JSONL

def read_judge_jsonl(path: str) -> Iterator[Submission | ReadReject]:
    base = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    try:
        f = open(path, encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        yield ReadReject(MISSING_FILE, f"{DATASET_JSONL_DEFAULT}:{name}", str(exc))
        return
    with f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            fallback = f"{DATASET_JSONL_DEFAULT}:{name}:line {lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield ReadReject(BAD_ROW, fallback, f"line {lineno}: {exc.msg}")
                continue
            key = _row_key(row, "submission_id", fallback)
            try:
                yield _jsonl_submission(row, base)
            except _BadRow as exc:
                yield ReadReject(exc.reason, key, f"line {lineno}: {exc.detail}")


def _jsonl_submission(row: Any, base: str) -> Submission:
    if not isinstance(row, dict):
        raise _BadRow(BAD_ROW, f"line is {type(row).__name__}, not an object")
    language = _text(row.get("language"), "language")
    original = _text(row.get("original_language"), "original_language", required=False) or language
    raw = row.get("status")
    status = _status(GENERIC_STATUS, raw)
    code = row.get("code")
    code_path = row.get("code_path")
    if code is not None and not isinstance(code, str):
        raise _BadRow(BAD_ROW, f"code is {type(code).__name__}")
    rel = ""
    if code is None:
        if not isinstance(code_path, str) or not code_path:
            raise _BadRow(BAD_ROW, "neither code nor code_path")
        norm = safe_relpath(code_path)
        if norm is None:
            raise _BadRow(PATH_ESCAPE, f"code_path {code_path!r} leaves the file's folder")
        rel = norm
    dataset = _text(row.get("dataset"), "dataset", required=False) or DATASET_JSONL_DEFAULT
    return Submission(
        submission_id=_text(row.get("submission_id"), "submission_id"),
        problem_id=_text(row.get("problem_id"), "problem_id"), user_id=_text(row.get("user_id"), "user_id"),
        time=_iso_or_epoch(row.get("time"), "time"), language=language, original_language=original,
        lang=normalise_language(original), status=status, status_raw=str(raw),
        cpu_time_ms=_count(row.get("cpu_time_ms")), memory_kb=_count(row.get("memory_kb")),
        code_size=_count(row.get("code_size")), dataset=dataset,
        origin=_text(row.get("origin"), "origin", required=False),
        problem_name=_text(row.get("problem_name"), "problem_name", required=False),
        code=code, code_root=base if code is None else "", code_path=rel)


# ------------------------------------------------------------------------------------- loading code

@lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    """Roots are few and fixed for a run; resolving them once saves a walk of lstat calls per file."""
    return os.path.realpath(root)


def _inside(root_real: str, path_real: str) -> bool:
    return path_real == root_real or path_real.startswith(root_real.rstrip(os.sep) + os.sep)


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\0" in text else text


def load_code(sub: Submission, max_bytes: int) -> str | ReadReject:
    """The submission's code as text, or why it cannot be had.

    Symlinks are resolved before the inside-the-root check: a file named innocently can still point
    at /etc/passwd.
    """
    key = sub.submission_id
    if sub.code is not None:
        size = len(sub.code) if sub.code.isascii() else len(sub.code.encode("utf-8", errors="surrogatepass"))
        if size > max_bytes:
            return ReadReject(CODE_TOO_LARGE, key, f"{size} bytes")
        if "\0" in sub.code:
            return ReadReject(UNDECODABLE_CODE, key, "NUL bytes in the code")
        text = sub.code
    else:
        rel = safe_relpath(sub.code_path)
        if rel is None:
            return ReadReject(PATH_ESCAPE, key, f"code path {sub.code_path!r}")
        root_real = _real_root(sub.code_root)
        candidates = [rel]
        stem, ext = os.path.splitext(rel)
        if ext:
            candidates.append(stem)
        for candidate in candidates:
            path = os.path.join(sub.code_root, candidate)
            real = os.path.realpath(path)
            if not _inside(root_real, real):
                return ReadReject(PATH_ESCAPE, key, f"{candidate} resolves outside the input folder")
            try:
                size = os.stat(real).st_size
                if size > max_bytes:
                    return ReadReject(CODE_TOO_LARGE, key, f"{candidate}: {size} bytes")
                with open(real, "rb") as f:
                    data = f.read(max_bytes + 1)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                return ReadReject(MISSING_CODE, key, f"{candidate}: {exc}")
            decoded = _decode(data)
            if decoded is None:
                return ReadReject(UNDECODABLE_CODE, key, f"{candidate} is not UTF-8 text")
            text = decoded
            break
        else:
            return ReadReject(MISSING_CODE, key, f"no file {' or '.join(candidates)} in {sub.code_root}")
    if not text.strip():
        return ReadReject(EMPTY_CODE, key)
    return text


def iter_with_code(items: Iterable[Submission | ReadReject], max_bytes: int = 100_000
                   ) -> Iterator[Submission | ReadReject]:
    """A reader's rows with code loaded: what one reader says about every row, in one stream."""
    for item in items:
        if isinstance(item, ReadReject):
            yield item
            continue
        code = load_code(item, max_bytes)
        if isinstance(code, ReadReject):
            yield code
        else:
            item.code = code
            yield item
