"""What a filter is, for every source: a pure check that returns None to keep a record, or the reason
it is dropped. The Beam wrapper (beam_jobs.accounting.ApplyFilters) and the pure chains share
`first_reason`, so a chain decides the same way with or without Beam."""
from __future__ import annotations

from typing import Any, Callable, Iterable

Check = Callable[[Any], "str | None"]


def first_reason(checks: Iterable[Check], record: Any) -> str | None:
    """The first check's reason, in the order given (cheapest first); None when all keep the record."""
    for check in checks:
        reason = check(record)
        if reason:
            return reason
    return None
