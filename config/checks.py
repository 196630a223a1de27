"""The sentences every section's `problems()` speaks in.

Each section checks its own values, but a bound, a choice or a template is worded the same in all of
them, so a user reading several problems at once reads one style. Only stdlib imports: every section
module imports this one.
"""
from __future__ import annotations

import string
from collections.abc import Mapping, Sequence


def too_small(section: str, cfg: object, minimums: Mapping[str, int]) -> list[str]:
    """Bounds many knobs share; an unset (None) knob means "no bound" and is never too small."""
    found = []
    for key, low in minimums.items():
        value = getattr(cfg, key)
        if value is not None and value < low:
            found.append(f"config key '{section}.{key}' "
                         + ("must not be negative" if low == 0 else f"must be at least {low}"))
    return found


def not_one_of(path: str, value: str, choices: Sequence[str]) -> list[str]:
    """Names the value given, so a typo is seen next to the names that were meant."""
    if value in choices:
        return []
    return [f"config key '{path}' must be one of {', '.join(choices)}, not '{value}'"]


def template_fields(template: str) -> set[str]:
    """Field names a template uses; raises ValueError for a malformed template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def template_problems(path: str, template: str, allowed: frozenset[str]) -> list[str]:
    """A typo in a template field would only show after a long run, as a KeyError in a worker."""
    try:
        names = template_fields(template)
    except ValueError as exc:
        return [f"config key '{path}' is not a valid template ({exc})"]
    unknown = sorted(n for n in names if n not in allowed)
    if not unknown:
        return []
    bad = ", ".join("{" + n + "}" for n in unknown)
    return [f"config key '{path}' uses {bad}; it may use {', '.join('{' + a + '}' for a in sorted(allowed))}"]
