"""Codeforces (`--codeforces FILE --codeforces-code DIR`).

API submission objects (`id`, `contestId`, `creationTimeSeconds`, `problem{contestId,index,name}`,
`author{members[{handle}]}`, `programmingLanguage`, `verdict`, `timeConsumedMillis`,
`memoryConsumedBytes`) as a JSON list, JSON lines, or the API's own answer
`{"status": "OK", "result": [...]}`. The problem id is contest id plus index ("4A"). A submission
still in the queue has no verdict and counts as WJ. Code at `<code dir>/<id>.py` (or `<id>`).
"""
from __future__ import annotations

from typing import Any, Iterator

from beam_jobs.sources.judge.readers.common import (BAD_ROW, CODEFORCES_STATUS, DATASET_CODEFORCES, PATH_ESCAPE,
                                                    BadRow, ReadReject, code_file, convert_rows, epoch, id_field,
                                                    measure, safe_name, status_of, text_field)
from beam_jobs.sources.judge.readers.json_stream import iter_json
from filters.judge import normalise_language
from schemas.submission import WJ, Submission


def read_codeforces(path: str, code_dir: str) -> Iterator[Submission | ReadReject]:
    yield from convert_rows(iter_json(path, DATASET_CODEFORCES), "id",
                            lambda row: _codeforces_submission(row, code_dir))


def _codeforces_submission(row: dict[str, Any], code_dir: str) -> Submission:
    submission_id = id_field(row.get("id"), "id")
    problem = row.get("problem")
    if not isinstance(problem, dict):
        raise BadRow(BAD_ROW, "problem is not an object")
    contest = text_field(problem.get("contestId", row.get("contestId")), "problem.contestId")
    index = text_field(problem.get("index"), "problem.index")
    author = row.get("author")
    members = author.get("members") if isinstance(author, dict) else None
    handles = [m.get("handle") for m in members if isinstance(m, dict)] if isinstance(members, list) else []
    if not handles or not all(isinstance(h, str) and h.strip() for h in handles):
        raise BadRow(BAD_ROW, "author.members has no handle")
    language = text_field(row.get("programmingLanguage"), "programmingLanguage")
    verdict = row.get("verdict")
    status = WJ if verdict is None else status_of(CODEFORCES_STATUS, verdict, "verdict")
    if not safe_name(submission_id):
        raise BadRow(PATH_ESCAPE, f"id {submission_id!r} is not a file name")
    memory = measure(row.get("memoryConsumedBytes"))
    lang = normalise_language(language)
    name = problem.get("name")
    return Submission(
        submission_id=submission_id, problem_id=f"{contest}{index}", user_id=",".join(h.strip() for h in handles),
        time=epoch(row.get("creationTimeSeconds"), "creationTimeSeconds"),
        language=language, original_language=language, lang=lang, status=status,
        status_raw="" if verdict is None else str(verdict),
        cpu_time_ms=measure(row.get("timeConsumedMillis")), memory_kb=None if memory is None else memory // 1024,
        code_size=None, dataset=DATASET_CODEFORCES, origin="Codeforces",
        problem_name=name.strip() if isinstance(name, str) else "", code=None, code_root=code_dir,
        code_path=code_file(submission_id, lang))
