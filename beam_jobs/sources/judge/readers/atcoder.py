"""AtCoder (`--atcoder FILE --atcoder-code DIR`).

The AtCoder Problems submission objects, as a JSON list, JSON lines or a CSV with the same column
names (`id`, `epoch_second`, `problem_id`, `contest_id`, `user_id`, `language`, `point`, `length`,
`result`, `execution_time` in ms). Code at `<code dir>/<id>.py` (or `<id>`).
"""
from __future__ import annotations

import os
import re
from functools import partial
from typing import Any, Iterator

from beam_jobs.sources.judge.readers.common import (ATCODER_STATUS, BAD_HEADER, BAD_ROW, DATASET_ATCODER,
                                                    PATH_ESCAPE, BadRow, CsvRow, ReadReject, code_file, convert_rows,
                                                    epoch, id_field, measure, read_csv, safe_name, status_of,
                                                    text_field)
from beam_jobs.sources.judge.readers.json_stream import iter_json
from filters.judge import normalise_language
from schemas.submission import WJ, Submission

_ATCODER_PROGRESS = re.compile(r"^\d+\s*/\s*\d+$")  # "3/10": still being judged
ATCODER_COLUMNS = ("id", "epoch_second", "problem_id", "contest_id", "user_id", "language", "point", "length",
                   "result", "execution_time")


def _atcoder_items(path: str) -> Iterator[tuple[str, Any] | ReadReject]:
    if not path.lower().endswith(".csv"):
        yield from iter_json(path, DATASET_ATCODER)
        return
    label = f"{DATASET_ATCODER}:{os.path.basename(path)}"
    for item in read_csv(path, label, partial(_atcoder_header, label)):
        if isinstance(item, ReadReject):
            yield item
            continue
        header, line, row = item
        if len(row) != len(header):
            yield ReadReject(BAD_ROW, f"{label}:line {line}",
                             f"{os.path.basename(path)} line {line}: expected {len(header)} fields, got {len(row)}")
            continue
        yield f"{label}:line {line}", dict(zip(header, row))


def _atcoder_header(label: str, first: CsvRow | ReadReject) -> list[str] | ReadReject:
    if isinstance(first, ReadReject) or not {"id", "result", "language"} <= {h.strip() for h in first[1]}:
        return ReadReject(BAD_HEADER, label, f"header is {first!r}"[:200])
    return [h.strip() for h in first[1]]


def read_atcoder(path: str, code_dir: str) -> Iterator[Submission | ReadReject]:
    yield from convert_rows(_atcoder_items(path), "id", lambda row: _atcoder_submission(row, code_dir))


def _atcoder_submission(row: dict[str, Any], code_dir: str) -> Submission:
    submission_id = id_field(row.get("id"), "id")
    language = text_field(row.get("language"), "language")
    raw = row.get("result")
    raw_text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(raw_text, str) and _ATCODER_PROGRESS.match(raw_text):
        status = WJ
    else:
        status = status_of(ATCODER_STATUS, raw, "result")
    if not safe_name(submission_id):
        raise BadRow(PATH_ESCAPE, f"id {submission_id!r} is not a file name")
    lang = normalise_language(language)
    return Submission(
        submission_id=submission_id, problem_id=text_field(row.get("problem_id"), "problem_id"),
        user_id=text_field(row.get("user_id"), "user_id"), time=epoch(row.get("epoch_second"), "epoch_second"),
        language=language, original_language=language, lang=lang, status=status, status_raw=str(raw),
        cpu_time_ms=measure(row.get("execution_time")), memory_kb=None, code_size=measure(row.get("length")),
        dataset=DATASET_ATCODER, origin="AtCoder", code=None, code_root=code_dir,
        code_path=code_file(submission_id, lang))
