"""Aizu Online Judge (`--aoj FILE`).

The judge API's JSON list of records (`judgeId`, `userId`, `problemId`, `submissionDate` in ms,
`language`, `status` 0=CE 1=WA 2=TLE 3=MLE 4=AC 5=WJ 6=OLE 7=RE 8=PE 9=running, `cpuTime` in
1/100 s, `memory` in KB, `codeSize`, `accuracy`). Code is the `sourceCode` field, or
`<code dir>/<judgeId>.py` (or `<judgeId>` with no extension); the code dir defaults to
`<file stem>_code` beside the file. On Aizu, "Python" means Python 2.
"""
from __future__ import annotations

import os
from typing import Any, Iterator

from beam_jobs.sources.judge.readers.common import (AOJ_STATUS, BAD_ROW, DATASET_AOJ, PATH_ESCAPE, UNKNOWN_STATUS,
                                                    BadRow, ReadReject, code_file, convert_rows, epoch, id_field,
                                                    measure, safe_name, status_of, text_field)
from beam_jobs.sources.judge.readers.json_stream import iter_json
from filters.judge import normalise_language
from schemas.submission import Submission


def default_aoj_code_dir(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(os.path.abspath(path)), f"{stem}_code")


def read_aoj(path: str, code_dir: str | None = None) -> Iterator[Submission | ReadReject]:
    code_dir = code_dir or default_aoj_code_dir(path)
    yield from convert_rows(iter_json(path, DATASET_AOJ), "judgeId", lambda row: _aoj_submission(row, code_dir))


def _aoj_submission(row: dict[str, Any], code_dir: str) -> Submission:
    submission_id = id_field(row.get("judgeId"), "judgeId")
    language = text_field(row.get("language"), "language")
    raw_status = row.get("status")
    if isinstance(raw_status, str) and raw_status.strip().isdigit():
        raw_status = int(raw_status)
    if isinstance(raw_status, bool) or not isinstance(raw_status, int):
        raise BadRow(UNKNOWN_STATUS, f"status is {raw_status!r}")
    lang = normalise_language(language, bare_python="python2")
    code = row.get("sourceCode")
    if code is not None and not isinstance(code, str):
        raise BadRow(BAD_ROW, f"sourceCode is {type(code).__name__}")
    sub = Submission(
        submission_id=submission_id, problem_id=text_field(row.get("problemId"), "problemId"),
        user_id=text_field(row.get("userId"), "userId"),
        time=epoch(row.get("submissionDate"), "submissionDate", 1000.0),
        language=language, original_language=language, lang=lang,
        status=status_of(AOJ_STATUS, raw_status), status_raw=str(raw_status),
        cpu_time_ms=measure(row.get("cpuTime"), 10.0), memory_kb=measure(row.get("memory")),
        code_size=measure(row.get("codeSize")), dataset=DATASET_AOJ, origin="AIZU", code=code)
    if code is None:
        if not safe_name(submission_id):
            raise BadRow(PATH_ESCAPE, f"judgeId {submission_id!r} is not a file name")
        sub.code_root, sub.code_path = code_dir, code_file(submission_id, lang)
    return sub
