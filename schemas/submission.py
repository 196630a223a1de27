"""The normalised submission: one row of any judge export, whatever format it came in.

Every reader (CodeNet, Aizu, AtCoder, Codeforces, generic JSONL) yields this one shape, so the stages
after reading never ask where a submission came from. Values are kept twice where a format spells
them its own way: `language` / `original_language` as written, `lang` normalised; `status_raw` as
written, `status` normalised to the small enum below.

Code is either inline (`code`, formats that carry it) or a path under `code_root` (`code_path`,
formats that keep it in files). Files are read late, after the language and problem filters: CodeNet
holds 14 million files and most are not Python, so reading them only to drop them would dominate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from schemas.arrow import arrow_field, schema_of
from schemas.commit import UTC_TIME

# ------------------------------------------------------------------------------------ status enum

AC = "AC"    # accepted
WA = "WA"    # wrong answer
RE = "RE"    # runtime error
TLE = "TLE"  # time limit exceeded
MLE = "MLE"  # memory limit exceeded
CE = "CE"    # compile error (for Python: a syntax error caught before running)
OLE = "OLE"  # output limit exceeded
PE = "PE"    # presentation error
IE = "IE"    # internal error of the judge
WJ = "WJ"    # waiting for judging / still judging
NJ = "NJ"    # not judged: skipped, judge not available, rejected before running
OTHER = "OTHER"  # a judged failure of a kind not listed (idleness limit, hacked, partial score, ...)

STATUSES: tuple[str, ...] = (AC, WA, RE, TLE, MLE, CE, OLE, PE, IE, WJ, NJ, OTHER)
# Verdicts the judge actually reached about the code: the acceptance rate is over these, and only
# these can start a fix step. IE, WJ and NJ say nothing about the code.
FAILING: frozenset[str] = frozenset({WA, RE, TLE, MLE, CE, OLE, PE, OTHER})
JUDGED: frozenset[str] = FAILING | {AC}
UNJUDGED: frozenset[str] = frozenset({IE, WJ, NJ})

# How an instruction names a verdict.
VERDICT_NAMES: dict[str, str] = {
    AC: "Accepted",
    WA: "Wrong Answer",
    RE: "Runtime Error",
    TLE: "Time Limit Exceeded",
    MLE: "Memory Limit Exceeded",
    CE: "Compile Error",
    OLE: "Output Limit Exceeded",
    PE: "Presentation Error",
    IE: "Internal Error",
    WJ: "Waiting for Judging",
    NJ: "Not Judged",
    OTHER: "a failing verdict",
}


@dataclass
class Submission:
    submission_id: str = arrow_field(pa.string())
    problem_id: str = arrow_field(pa.string())
    user_id: str = arrow_field(pa.string())
    time: datetime = arrow_field(UTC_TIME)
    # As the export wrote it ("Python", "Python3", "PyPy 3-64"), the finer original name when the
    # format has one (CodeNet's original_language: "Python (3.8.2)"), and the normalised name.
    language: str = arrow_field(pa.string())
    original_language: str = arrow_field(pa.string())
    lang: str = arrow_field(pa.string())
    status: str = arrow_field(pa.string())
    status_raw: str = arrow_field(pa.string())
    # Nonsense values (negative, non-numeric, empty) are null, not a reason to drop the row.
    cpu_time_ms: int | None = arrow_field(pa.int64(), nullable=True)
    memory_kb: int | None = arrow_field(pa.int64(), nullable=True)
    code_size: int | None = arrow_field(pa.int64(), nullable=True)
    # The export ("codenet", "aoj", "atcoder", "codeforces", or the JSONL's own `dataset` value)
    # and the judge the problem belongs to (CodeNet mixes AIZU and AtCoder problems).
    dataset: str = arrow_field(pa.string())
    origin: str = arrow_field(pa.string(), default="")
    problem_name: str = arrow_field(pa.string(), default="")
    code: str | None = arrow_field(pa.large_string(), nullable=True, default=None)
    code_root: str = arrow_field(pa.string(), default="")
    code_path: str = arrow_field(pa.string(), default="")


SUBMISSION_SCHEMA: pa.Schema = schema_of(Submission)


def problem_key(dataset: str, problem_id: str) -> str:
    """Problem ids are only unique within one export: CodeNet's p00000 is not Aizu's 0000."""
    return f"{dataset}/{problem_id}"
