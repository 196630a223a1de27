"""Checks the whole config, section by section, and returns every problem at once.

Each section module owns the checks of its values (`problems(section) -> list[str]`); this module
only walks the sections in the order the config prints, so a user sees all mistakes in one run and
in a stable order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from config import assembly, dump, filters, git, judge, licenses, output
from config.model import Config

# Config field -> the check of that section. tests/config checks that no section is left out.
SECTION_CHECKS: tuple[tuple[str, Callable[[Any], list[str]]], ...] = (
    ("git", git.problems),
    ("bigquery", dump.bigquery_problems),
    ("fetch", dump.fetch_problems),
    ("filters", filters.problems),
    ("licenses", licenses.problems),
    ("judge", judge.problems),
    ("assembly", assembly.problems),
    ("output", output.problems),
)


def validate(config: Config) -> list[str]:
    """Every problem of every section, one sentence each; empty when the config is usable."""
    return [problem for name, check in SECTION_CHECKS for problem in check(getattr(config, name))]
