"""Generic JSON lines (`--judge-jsonl FILE`), for in-house judges: one object per line, blank lines
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
              tests           the problem's tests, for verification: a list of
                              {"input": str, "output": str} in the order they run. Read by
                              `beam_jobs/sources/judge/testcases.py` (`inline_tests`, which documents
                              the checks and the precedence of a tests folder over it), not by
                              this reader
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any, Iterator

from beam_jobs.sources.judge.readers.common import (BAD_ROW, BAD_TIME, DATASET_JSONL_DEFAULT, GENERIC_STATUS,
                                                    PATH_ESCAPE, BadRow, ReadReject, epoch, id_field, measure,
                                                    open_export, row_key, safe_relpath, status_of, text_field)
from filters.judge import normalise_language
from schemas.submission import Submission


def _iso_or_epoch(value: Any, field: str) -> datetime:
    """In-house judges write times either way; a string of digits is still unix seconds."""
    if isinstance(value, str) and not re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", value):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise BadRow(BAD_TIME, f"{field} is {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return epoch(parsed.timestamp(), field)
    return epoch(value, field)


def read_judge_jsonl(path: str) -> Iterator[Submission | ReadReject]:
    base = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    f = open_export(path, f"{DATASET_JSONL_DEFAULT}:{name}", errors="replace")
    if isinstance(f, ReadReject):
        yield f
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
            key = row_key(row, "submission_id", fallback)
            try:
                yield _jsonl_submission(row, base)
            except BadRow as exc:
                yield ReadReject(exc.reason, key, f"line {lineno}: {exc.detail}")


def _jsonl_submission(row: Any, base: str) -> Submission:
    if not isinstance(row, dict):
        raise BadRow(BAD_ROW, f"line is {type(row).__name__}, not an object")
    language = text_field(row.get("language"), "language")
    original = text_field(row.get("original_language"), "original_language", required=False) or language
    raw = row.get("status")
    status = status_of(GENERIC_STATUS, raw)
    code = row.get("code")
    code_path = row.get("code_path")
    if code is not None and not isinstance(code, str):
        raise BadRow(BAD_ROW, f"code is {type(code).__name__}")
    rel = ""
    if code is None:
        if not isinstance(code_path, str) or not code_path:
            raise BadRow(BAD_ROW, "neither code nor code_path")
        norm = safe_relpath(code_path)
        if norm is None:
            raise BadRow(PATH_ESCAPE, f"code_path {code_path!r} leaves the file's folder")
        rel = norm
    dataset = text_field(row.get("dataset"), "dataset", required=False) or DATASET_JSONL_DEFAULT
    return Submission(
        submission_id=id_field(row.get("submission_id"), "submission_id"),
        problem_id=text_field(row.get("problem_id"), "problem_id"), user_id=text_field(row.get("user_id"), "user_id"),
        time=_iso_or_epoch(row.get("time"), "time"), language=language, original_language=original,
        lang=normalise_language(original), status=status, status_raw=str(raw),
        cpu_time_ms=measure(row.get("cpu_time_ms")), memory_kb=measure(row.get("memory_kb")),
        code_size=measure(row.get("code_size")), dataset=dataset,
        origin=text_field(row.get("origin"), "origin", required=False),
        problem_name=text_field(row.get("problem_name"), "problem_name", required=False),
        code=code, code_root=base if code is None else "", code_path=rel)
