"""Readers of online-judge exports: every format in, `Submission` or `ReadReject` out, one per row.

Pure (no Beam), streaming (one row in memory at a time, whatever the size of the export) and total:
a bad row, an unknown status, a path that leaves the input root, a file that cannot be decoded, all
become a `ReadReject` with a reason; nothing here raises on bad data. The Beam source counts each row
once at `judge.read`, and each code file once at `judge.code`.

One module per format, each documenting its layout at its top: `codenet` (Project CodeNet), `aoj`
(Aizu), `atcoder`, `codeforces` and `jsonl` (the generic JSON lines for in-house judges). What they
share is in `common` (the reject, the reasons, the dataset names, the status tables, the field
parsers), `json_stream` reads JSON exports one value at a time, and `loading` reads the code:
a second step, `load_code`, taken only for rows that survive the filters. `iter_with_code` chains
the two steps for callers that want the reader's whole answer at once.

Reasons (judge.read): bad_row, bad_time, unknown_status, path_escape, bad_header, malformed_file
(also a UTF-16 export), missing_file, special_file. Reasons (judge.code): missing_code,
undecodable_code, code_too_large, empty_code, path_escape, special_file, unreadable_code.

CSV exports are parsed one physical line at a time (`common.csv_rows`): a broken line (an unclosed
quote, a NUL byte) is one `bad_row` and never swallows the lines after it. Files are asked their
type before they are opened: a FIFO, a socket, a device or a folder where a file belongs is a
`special_file` reject and is never opened for reading (a FIFO would block the read forever).

Callers import from here (`from beam_jobs.sources.judge import readers as jr`); the modules are
how the code is kept, not an interface.
"""
from __future__ import annotations

from beam_jobs.sources.judge.readers.aoj import default_aoj_code_dir, read_aoj
from beam_jobs.sources.judge.readers.atcoder import ATCODER_COLUMNS, read_atcoder
from beam_jobs.sources.judge.readers.codeforces import read_codeforces
from beam_jobs.sources.judge.readers.codenet import (CODENET_COLUMNS, CODENET_REQUIRED, PROBLEM_LIST,
                                                     codenet_problem_csvs, read_codenet, read_codenet_csv,
                                                     read_codenet_description, read_codenet_problem_list)
from beam_jobs.sources.judge.readers.common import (AOJ_STATUS, ATCODER_STATUS, BAD_HEADER, BAD_ROW, BAD_TIME,
                                                    CODE_EXTENSIONS, CODE_TOO_LARGE, CODEFORCES_STATUS,
                                                    CODENET_STATUS, DATASET_AOJ, DATASET_ATCODER,
                                                    DATASET_CODEFORCES, DATASET_CODENET, DATASET_JSONL_DEFAULT,
                                                    EMPTY_CODE, GENERIC_STATUS, MALFORMED_FILE, MISSING_CODE,
                                                    MISSING_FILE, PATH_ESCAPE, SPECIAL_FILE, UNDECODABLE_CODE,
                                                    UNKNOWN_STATUS, UNREADABLE_CODE, ProblemInfo, ReadReject,
                                                    open_regular, safe_relpath, special_kind)
from beam_jobs.sources.judge.readers.jsonl import read_judge_jsonl
from beam_jobs.sources.judge.readers.loading import iter_with_code, load_code

__all__ = [
    "AOJ_STATUS", "ATCODER_COLUMNS", "ATCODER_STATUS", "BAD_HEADER", "BAD_ROW", "BAD_TIME", "CODEFORCES_STATUS",
    "CODENET_COLUMNS", "CODENET_REQUIRED", "CODENET_STATUS", "CODE_EXTENSIONS", "CODE_TOO_LARGE", "DATASET_AOJ",
    "DATASET_ATCODER", "DATASET_CODEFORCES", "DATASET_CODENET", "DATASET_JSONL_DEFAULT", "EMPTY_CODE",
    "GENERIC_STATUS", "MALFORMED_FILE", "MISSING_CODE", "MISSING_FILE", "PATH_ESCAPE", "PROBLEM_LIST",
    "ProblemInfo", "ReadReject", "SPECIAL_FILE", "UNDECODABLE_CODE", "UNKNOWN_STATUS", "UNREADABLE_CODE",
    "codenet_problem_csvs",
    "default_aoj_code_dir", "iter_with_code", "load_code", "read_aoj", "read_atcoder", "read_codeforces",
    "read_codenet", "read_codenet_csv", "read_codenet_description", "read_codenet_problem_list",
    "open_regular", "read_judge_jsonl", "safe_relpath", "special_kind",
]
