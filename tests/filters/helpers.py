"""What the filter test modules share: a record factory holding each module's own defaults, and a
filter's rules compiled from the default config with a few knobs changed, so that each test states
only the one thing it changes."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, TypeVar

from config.filters import FilterConfig
from schemas.commit import CommitRecord
from tests.records import commit_record

Rules = TypeVar("Rules")


def record_maker(**defaults: Any) -> Callable[..., CommitRecord]:
    """`make_record(**overrides)`: a record of the module's defaults (one every strict filter keeps)
    with the overrides applied; tests change one thing at a time."""
    def make_record(**overrides: Any) -> CommitRecord:
        return commit_record(**{**defaults, **overrides})
    return make_record


def rules_maker(compile_rules: Callable[[FilterConfig], Rules]) -> Callable[..., Rules]:
    """`rules_with(**overrides)`: the filter's rules compiled from the default (strict) config with
    those knobs changed."""
    def rules_with(**overrides: Any) -> Rules:
        return compile_rules(dataclasses.replace(FilterConfig(), **overrides))
    return rules_with
