"""Project CodeNet (`--codenet DIR`).

`metadata/problem_list.csv` (id,name,dataset,time_limit,memory_limit,rating,tags,complexity), one
`metadata/pXXXXX.csv` per problem (submission_id,problem_id,user_id,date,language,original_language,
filename_ext,status,cpu_time,memory,code_size,accuracy; `date` in unix seconds), code at
`data/pXXXXX/<language>/<submission_id>.<filename_ext>`, optional `problem_descriptions/pXXXXX.html`.
CSVs may have DOS line endings and a BOM; empty or nonsense numbers (a negative cpu time) become null.
Each problem CSV is read on its own, so Beam spreads problems over workers.
"""
from __future__ import annotations

import os
from functools import partial
from typing import Iterator, Mapping

from beam_jobs.sources.judge.readers.common import (BAD_HEADER, BAD_ROW, CODENET_STATUS, DATASET_CODENET,
                                                    PATH_ESCAPE, BadRow, CsvRow, ProblemInfo, ReadReject, csv_rows,
                                                    epoch, id_field, measure, open_regular, open_text, read_csv,
                                                    safe_name, safe_relpath, special_kind, status_of, text_field)
from filters.judge import normalise_language
from schemas.submission import Submission

CODENET_COLUMNS = ("submission_id", "problem_id", "user_id", "date", "language", "original_language",
                   "filename_ext", "status", "cpu_time", "memory", "code_size", "accuracy")
CODENET_REQUIRED = ("submission_id", "problem_id", "user_id", "date", "language", "status")
PROBLEM_LIST = "problem_list.csv"


def read_codenet_problem_list(root: str) -> Iterator[ProblemInfo | ReadReject]:
    """Problem names and origins; a missing list is not an error (names fall back to ids), a list
    that is a FIFO or another special file is one `special_file` reject, never opened."""
    path = os.path.join(root, "metadata", PROBLEM_LIST)
    if not os.path.lexists(path):
        return
    label = f"{DATASET_CODENET}:{PROBLEM_LIST}"
    f = open_text(path, label, errors="replace", newline="")
    if isinstance(f, ReadReject):
        yield f
        return
    header: list[str] | None = None
    with f:
        for item in csv_rows(f, PROBLEM_LIST):
            if isinstance(item, ReadReject):
                yield ReadReject(item.reason, f"{label}:{item.key}", item.detail)
                continue
            line, row = item
            if header is None:
                header = [h.strip().lower() for h in row]
                if "id" not in header or "name" not in header:
                    yield ReadReject(BAD_HEADER, label, f"header is {row!r}")
                    return
                continue
            if not any(cell.strip() for cell in row):
                continue
            fields = dict(zip(header, row))
            problem_id = fields.get("id", "").strip()
            if len(row) != len(header) or not safe_name(problem_id):
                yield ReadReject(BAD_ROW, f"{label}:line {line}",
                                 f"{PROBLEM_LIST} line {line}: expected {len(header)} fields with an id, got {row!r}")
                continue
            yield ProblemInfo(problem_id, fields.get("name", "").strip() or problem_id,
                              fields.get("dataset", "").strip())


def codenet_problem_csvs(root: str) -> list[str]:
    """The per-problem metadata files, sorted: the unit of parallelism of a CodeNet read.

    Every entry named `*.csv` is listed, whatever it is: one that is not a regular file (a FIFO, a
    folder) is then one `special_file` reject of `read_codenet_csv`, not an input silently left out."""
    folder = os.path.join(root, "metadata")
    try:
        names = [e.name for e in os.scandir(folder) if e.name.endswith(".csv")]
    except OSError:
        return []
    return sorted(n for n in names if n != PROBLEM_LIST)


def read_codenet_csv(root: str, csv_name: str,
                     problems: Mapping[str, ProblemInfo] | None = None) -> Iterator[Submission | ReadReject]:
    """One problem's metadata file. Code paths are checked here; the files themselves are read by
    `load_code`."""
    problems = problems or {}
    label = f"{DATASET_CODENET}:{csv_name}"
    if not safe_name(csv_name):
        yield ReadReject(PATH_ESCAPE, label, "metadata file name leaves metadata/")
        return
    index: dict[str, int] = {}
    for item in read_csv(os.path.join(root, "metadata", csv_name), label, partial(_codenet_header, label)):
        if isinstance(item, ReadReject):
            yield item
            continue
        header, line, row = item
        index = index or {name: i for i, name in enumerate(header)}
        key = row[index["submission_id"]].strip() if len(row) > index["submission_id"] else ""
        key = key if safe_name(key) else f"{label}:line {line}"
        if len(row) != len(header):
            yield ReadReject(BAD_ROW, key, f"{csv_name} line {line}: expected {len(header)} fields, got {len(row)}")
            continue
        try:
            yield _codenet_submission(root, row, index, problems)
        except BadRow as exc:
            yield ReadReject(exc.reason, key, f"{csv_name} line {line}: {exc.detail}")


def _codenet_header(label: str, first: CsvRow | ReadReject) -> list[str] | ReadReject:
    """Column names, lowercased: CodeNet's files agree on the names, not always on their case."""
    if isinstance(first, ReadReject):
        return ReadReject(BAD_HEADER, label, first.detail)
    header = [h.strip().lower() for h in first[1]]
    missing = [c for c in CODENET_REQUIRED if c not in header]
    return ReadReject(BAD_HEADER, label, f"missing columns {', '.join(missing)}") if missing else header


def _codenet_submission(root: str, row: list[str], index: dict[str, int],
                        problems: Mapping[str, ProblemInfo]) -> Submission:
    def col(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None else ""

    submission_id = id_field(col("submission_id"), "submission_id")
    problem_id = text_field(col("problem_id"), "problem_id")
    user_id = text_field(col("user_id"), "user_id")
    language = text_field(col("language"), "language")
    original = col("original_language") or language
    time = epoch(col("date"), "date")
    status_raw = col("status")
    status = status_of(CODENET_STATUS, status_raw)
    ext = col("filename_ext")
    # original_language is the finer name: "Python" in the language column covers Python 2 too.
    lang = normalise_language(original)
    if not all(safe_name(part) for part in (problem_id, language, submission_id)) or (ext and not safe_name(ext)):
        raise BadRow(PATH_ESCAPE, f"code path from {problem_id!r}/{language!r}/{submission_id!r}.{ext!r}")
    rel = safe_relpath(f"data/{problem_id}/{language}/{submission_id}" + (f".{ext}" if ext else ""))
    if rel is None:
        raise BadRow(PATH_ESCAPE, f"code path from {problem_id!r}/{language!r}/{submission_id!r}")
    info = problems.get(problem_id)
    return Submission(
        submission_id=submission_id, problem_id=problem_id, user_id=user_id, time=time,
        language=language, original_language=original, lang=lang, status=status, status_raw=status_raw,
        cpu_time_ms=measure(col("cpu_time")), memory_kb=measure(col("memory")), code_size=measure(col("code_size")),
        dataset=DATASET_CODENET, origin=info.origin if info else "", problem_name=info.name if info else "",
        code=None, code_root=root, code_path=rel)


def read_codenet(root: str) -> Iterator[Submission | ReadReject]:
    """Every problem file in turn (tests and small exports; Beam reads the files in parallel)."""
    problems = {p.problem_id: p for p in read_codenet_problem_list(root) if isinstance(p, ProblemInfo)}
    for name in codenet_problem_csvs(root):
        yield from read_codenet_csv(root, name, problems)


def read_codenet_description(root: str, problem_id: str) -> str | None:
    """The raw HTML of a problem statement, or None when there is none or it cannot be had: a file
    that is not regular (a FIFO would block the read) or that resolves outside `root` (its text
    would end up in every instruction of the problem) counts as none."""
    if not safe_name(problem_id):
        return None
    path = os.path.join(root, "problem_descriptions", f"{problem_id}.html")
    root_real = os.path.realpath(root)
    try:
        real = os.path.realpath(path)
        if not real.startswith(root_real.rstrip(os.sep) + os.sep) or special_kind(real) is not None:
            return None
        with os.fdopen(open_regular(real), "rb") as f:
            data = f.read(1 << 20)
    except OSError:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
