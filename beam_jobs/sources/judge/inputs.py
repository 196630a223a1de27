"""The judge inputs a run is given: which exports, whether they are what they claim to be, and their
fingerprints for the manifest.

Beam-free, so that the CLI refuses a wrong input in a fraction of a second, before Beam is imported,
and never opens a FIFO given as an export (the first read would block forever).
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from typing import Any

from beam_jobs.sources.judge import readers as jr


@dataclass(frozen=True)
class JudgeInputs:
    """Judge exports to read; any subset may be given. `aoj_code` is optional: Aizu records usually
    carry `sourceCode`, and otherwise the code folder defaults to `<file stem>_code` beside the file."""
    codenet: str | None = None
    aoj: str | None = None
    aoj_code: str | None = None
    atcoder: str | None = None
    atcoder_code: str | None = None
    codeforces: str | None = None
    codeforces_code: str | None = None
    judge_jsonl: str | None = None
    # The problems' tests (`testcases.py`), read only when judge.verify runs; not an export itself,
    # so `any()` ignores it.
    tests: str | None = None

    def any(self) -> bool:
        return any((self.codenet, self.aoj, self.atcoder, self.codeforces, self.judge_jsonl))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _kind_problem(what: str, path: str, want_folder: bool) -> str | None:
    """One sentence when `path` is not the regular file (or folder) asked for. Only `stat` is used:
    a FIFO given as an export would block the first read forever, so it is refused here."""
    try:
        kind = jr.special_kind(path)
    except OSError:
        return f"the {what} '{path}' does not exist"
    if want_folder:
        return None if kind == "a folder" else f"the {what} '{path}' is {kind or 'a file'}, not a folder"
    return None if kind is None else f"the {what} '{path}' is {kind}, not a regular file"


def judge_inputs_problem(inputs: JudgeInputs) -> str | None:
    """One sentence about the first thing wrong with the inputs, before any pipeline is built."""
    if inputs.codenet is not None:
        problem = _kind_problem("CodeNet folder", inputs.codenet, want_folder=True)
        if problem:
            return problem
        if not os.path.isdir(os.path.join(inputs.codenet, "metadata")):
            return f"the CodeNet folder '{inputs.codenet}' has no metadata/ folder"
        if not jr.codenet_problem_csvs(inputs.codenet):
            return f"the CodeNet folder '{inputs.codenet}' has no problem CSVs in metadata/"
        problem_list = os.path.join(inputs.codenet, "metadata", jr.PROBLEM_LIST)
        if os.path.lexists(problem_list):
            problem = _kind_problem("CodeNet problem list", problem_list, want_folder=False)
            if problem:
                return problem
    pairs = (("--aoj", inputs.aoj, "--aoj-code", inputs.aoj_code, False),
             ("--atcoder", inputs.atcoder, "--atcoder-code", inputs.atcoder_code, True),
             ("--codeforces", inputs.codeforces, "--codeforces-code", inputs.codeforces_code, True))
    for flag, path, code_flag, code_dir, code_required in pairs:
        if path is None:
            if code_dir is not None:
                return f"{code_flag} is given without {flag}"
            continue
        problem = _kind_problem(f"{flag} file", path, want_folder=False)
        if problem:
            return problem
        if code_dir is None:
            if code_required:
                return f"{flag} needs {code_flag} DIR, the folder that holds the code files"
            continue
        problem = _kind_problem(f"{code_flag} folder", code_dir, want_folder=True)
        if problem:
            return problem
    if inputs.judge_jsonl is not None:
        problem = _kind_problem("--judge-jsonl file", inputs.judge_jsonl, want_folder=False)
        if problem:
            return problem
    if inputs.tests is not None:
        return _kind_problem("--judge-tests folder", inputs.tests, want_folder=True)
    return None


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with os.fdopen(jr.open_regular(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint_file(path: str) -> dict[str, str]:
    """sha256 of a regular file; for anything else what it is, asked with `stat` and never opened
    (a FIFO among the inputs would block the manifest forever, a folder would raise)."""
    try:
        kind = jr.special_kind(path)
        return {"sha256": _sha256(path)} if kind is None else {"kind": kind}
    except OSError as exc:
        return {"error": exc.strerror or str(exc)}


def judge_input_fingerprints(inputs: JudgeInputs) -> dict[str, dict[str, str]]:
    """What the judge inputs were, for the manifest: a file's sha256, a CodeNet folder's sha256 over
    its metadata entries (each name with its bytes' digest, or with its kind when it is not a regular
    file), a folder's path alone. Special files are named, never opened."""
    out: dict[str, dict[str, str]] = {}
    for name, path in sorted(inputs.to_dict().items()):
        if not path:
            continue
        metadata = os.path.join(path, "metadata")
        if os.path.isdir(metadata) and name == "codenet":
            digest = hashlib.sha256()
            for entry in sorted(os.listdir(metadata)):
                mark = _fingerprint_file(os.path.join(metadata, entry))
                digest.update(entry.encode("utf-8", "surrogateescape") + b"\0"
                              + (mark.get("sha256") or mark.get("kind") or mark.get("error", "")).encode())
            out[name] = {"path": path, "metadata_sha256": digest.hexdigest()}
        elif os.path.isdir(path):
            out[name] = {"path": path}
        else:
            out[name] = {"path": path, **_fingerprint_file(path)}
    return out
