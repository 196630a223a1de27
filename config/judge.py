"""Typed knobs of the online-judge source (fix sequences from judge exports).

Only stdlib imports, so the readers and pairing code import it without pulling in Beam or YAML.
`JUDGE_PRESETS` is this section's share of `config.presets.PRESETS`.

Conventions as in `config.filters`: bounds are inclusive, `None` on a bound turns that rule off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.checks import not_one_of, template_problems, too_small
from config.verify import VerifyConfig, problems as verify_problems

PAIRINGS = ("last-failure", "each-step", "all-failures")

# Fields a template may use; anything else is a typo the user should hear about before a long run.
INSTRUCTION_FIELDS = frozenset({"problem", "problem_id", "verdict", "dataset"})
DESCRIPTION_FIELDS = frozenset({"instruction", "description", "problem", "problem_id", "verdict", "dataset"})


@dataclass
class JudgeConfig:
    # Normalised language names to keep (`filters.judge.normalise_language`): "python" is Python 3
    # and PyPy 3; "python2" is Python 2 and PyPy 2, off by default.
    languages: list[str] = field(default_factory=lambda: ["python"])
    # Keep problems whose acceptance rate (accepted / judged submissions, all languages, from the
    # metadata) is at most this: the problems where beginners actually struggle. None: no bound.
    max_acceptance_rate: float | None = 0.5
    # ... and that have at least this many judged submissions, so the rate means something.
    min_judged_submissions: int = 10
    # "last-failure": last failing submission before the first Accepted -> that Accepted (one pair
    # per sequence); "each-step": every consecutive step up to the first Accepted; "all-failures":
    # every failing submission before the first Accepted -> that Accepted.
    pairing: str = "last-failure"
    # Drop Compile Error submissions before sequences are built (for Python a CE is a syntax error,
    # a fix worth learning, so they are kept by default).
    exclude_compile_errors: bool = False
    # Comments are always stripped (tokenize, so "#" inside strings survives); docstrings on request.
    strip_docstrings: bool = False
    # Write a Reject row for each submission in a language not kept. They are counted either way;
    # in a CodeNet export they are most of the rows (C++, C, Java, ...), so a large run may skip them.
    language_reject_rows: bool = True
    # Code files larger than this are rejected (code_too_large) rather than read.
    max_code_bytes: int = 100_000
    # License per dataset (lowercase keys: "codenet", "aoj", "atcoder", "codeforces", or a JSONL
    # dataset value); a dataset not listed gets `default_license`.
    licenses: dict[str, str] = field(default_factory=lambda: {"codenet": "cdla-permissive-2.0"})
    default_license: str = "unknown"
    # Append the problem statement (HTML turned into plain text, truncated) to the instruction.
    include_description: bool = True
    description_max_chars: int = 2000
    # {problem} is the problem name (its id when the export has no name), {verdict} the verdict of
    # the submission being fixed ("Wrong Answer"), {problem_id} and {dataset} as recorded.
    instruction_template: str = "Fix this solution to {problem}: it gets {verdict}."
    # Used instead when there is a description: {instruction} is the line above.
    description_template: str = "{instruction}\n\nProblem statement:\n{description}"
    # Running submissions against the problem's tests in the sandbox (beam_jobs/verify): off,
    # annotate (record the executed verdicts) or require (keep only pairs the tests confirm).
    verify: VerifyConfig = field(default_factory=VerifyConfig)


# Per-preset overrides of the `judge` section. `none` keeps every Python fix sequence: the problem
# filter is off (the language filter stays: this is a Python corpus).
JUDGE_PRESETS: dict[str, dict[str, Any]] = {
    "strict": {},
    "commitpackft": {},
    "none": {"max_acceptance_rate": None, "min_judged_submissions": 0},
}


def problems(cfg: JudgeConfig) -> list[str]:
    """Every mistake in the section, each as one sentence; empty when the section is usable."""
    found = not_one_of("judge.pairing", cfg.pairing, PAIRINGS)
    if not cfg.languages:
        found.append("config key 'judge.languages' must name at least one language")
    elif any(not lang or lang != lang.strip().lower() for lang in cfg.languages):
        found.append("config key 'judge.languages' takes normalised names in lowercase, such as 'python'")
    if cfg.max_acceptance_rate is not None and not 0.0 <= cfg.max_acceptance_rate <= 1.0:
        found.append("config key 'judge.max_acceptance_rate' must be between 0 and 1 (or null for no bound)")
    found += too_small("judge", cfg, {"min_judged_submissions": 0, "max_code_bytes": 1, "description_max_chars": 0})
    if not cfg.default_license:
        found.append("config key 'judge.default_license' must not be empty (use 'unknown')")
    for dataset, license_key in cfg.licenses.items():
        if not isinstance(license_key, str) or not license_key:
            found.append(f"config key 'judge.licenses.{dataset}' must be a non-empty license key")
    found += template_problems("judge.instruction_template", cfg.instruction_template, INSTRUCTION_FIELDS)
    found += template_problems("judge.description_template", cfg.description_template, DESCRIPTION_FIELDS)
    found += verify_problems(cfg.verify, "judge.verify")
    return found
