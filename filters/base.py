"""What a filter is, for every source: a pure check that returns None to keep a record, or the reason
it is dropped. The Beam wrapper (beam_jobs.accounting.ApplyFilters) and the pure chains share
`first_reason`, so a chain decides the same way with or without Beam.

A check may also have a batch hook, `check.prepare(records)`: it warms the check's own memo for many
records at once (language detection runs many messages together), so that calling the check on each
of those records afterwards is cheap. A hook never changes an answer, only how fast it comes.
`BatchedChain` runs a chain over records arriving one at a time and calls the hooks on bounded
batches; `first_reasons` does the same for a list.

"Also failed": `every_reason` runs every check, not only up to the first failing one, and gives the
reason of each check that fails, in chain order; its first is `first_reason`'s answer, so the decision
is the same. The funnel counts them (beam_jobs/accounting.py) to show which rule binds: a rule that
is rarely the first to fail may still drop most records. `BatchedChain(..., every=True)` does the
same with the batch hooks. A check marked `costly` (parsing, language detection, tags: milliseconds
on a real file, where the rules on the message take microseconds) runs only on records that no
earlier check failed: the rules it would add to a failed record's list are not worth parsing a
large file for, and the decision never needs them."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Sequence, TypeVar

Check = Callable[[Any], "str | None"]
Prepare = Callable[[Sequence[Any]], None]
Rules = TypeVar("Rules")


def rules_from(kind: type[Rules], section: Any, **converted: Any) -> Rules:
    """A filter's frozen rules, read from the config section it is given: every field of `kind` that
    `converted` does not give is the section's field of the same name. A knob is then declared once,
    on the rules, instead of copied by hand field by field (a copy left out is a setting silently
    ignored); `converted` holds only what a check wants in another form (frozensets, patterns)."""
    names = [f.name for f in dataclasses.fields(kind) if f.name not in converted]  # type: ignore[arg-type]
    return kind(**{name: getattr(section, name) for name in names}, **converted)


def first_reason(checks: Iterable[Check], record: Any) -> str | None:
    """The first check's reason, in the order given (cheapest first); None when all keep the record."""
    for check in checks:
        reason = check(record)
        if reason:
            return reason
    return None


def every_reason(checks: Iterable[Check], record: Any) -> tuple[str, ...]:
    """The reason of every check that fails, in the order given, each reason once; () when all keep
    the record. Its first is `first_reason(checks, record)`."""
    found: dict[str, None] = {}
    for check in checks:
        if found and is_costly(check):
            continue
        reason = check(record)
        if reason:
            found[reason] = None
    return tuple(found)


def is_costly(check: Check) -> bool:
    """Whether an "also failed" pass skips the check for a record that already failed one."""
    return bool(getattr(check, "costly", False))


def prepare_hook(check: Check) -> Prepare | None:
    """The check's batch hook, None when it has none."""
    prepare = getattr(check, "prepare", None)
    return prepare if callable(prepare) else None


def has_prepare_hooks(checks: Iterable[Check]) -> bool:
    return any(prepare_hook(check) is not None for check in checks)


BATCH_SIZE = 512  # records waiting in front of one hooked check, at most


class BatchedChain:
    """A chain run over records arriving one at a time, deciding each exactly as `first_reason`
    does, with the checks' batch hooks called on batches.

    A record runs through the checks in order until it reaches a check with a hook; there it waits.
    When `size` records wait in front of that check (or on `flush`), the hook is called once for all
    of them, then each continues from that check: so a hook only sees records every earlier check
    kept, as the check itself would. `add` and `flush` return the records decided by then, as
    (record, tag, reason) with reason None for a kept record; the tag is the caller's, carried
    along. At most `size` records wait per hooked check, so memory stays bounded.

    With `every=True` a record goes on through every check after its first failure (waiting at the
    hooked ones like any other record), and the third element is `every_reason`'s tuple instead:
    () for a kept record, its first element the reason `first_reason` gives."""

    def __init__(self, checks: Iterable[Check], size: int = BATCH_SIZE, every: bool = False) -> None:
        if size < 1:
            raise ValueError(f"batch size must be at least 1, got {size}")
        self.checks = list(checks)
        self.size = size
        self.every = every
        self._hooks = {i: hook for i, check in enumerate(self.checks)
                       if (hook := prepare_hook(check)) is not None}
        self._costly = [is_costly(check) for check in self.checks]
        # Waiting records: (record, tag, reasons found so far; always () unless `every`).
        self._waiting: dict[int, list[tuple[Any, Any, tuple[str, ...]]]] = {i: [] for i in self._hooks}

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._waiting.values())

    def add(self, record: Any, tag: Any = None) -> list[tuple[Any, Any, Any]]:
        decided: list[tuple[Any, Any, Any]] = []
        self._walk(record, tag, 0, decided)
        return decided

    def flush(self) -> list[tuple[Any, Any, Any]]:
        """Every waiting record decided (earlier checks first: their records may wait at later ones)."""
        decided: list[tuple[Any, Any, Any]] = []
        for index in sorted(self._waiting):
            self._release(index, decided)
        return decided

    def _walk(self, record: Any, tag: Any, start: int, decided: list, prepared: int = -1,
              found: tuple[str, ...] = ()) -> None:
        for index in range(start, len(self.checks)):
            if found and self._costly[index]:
                continue
            if index != prepared and index in self._waiting:
                queue = self._waiting[index]
                queue.append((record, tag, found))
                if len(queue) >= self.size:
                    self._release(index, decided)
                return
            reason = self.checks[index](record)
            if reason:
                if not self.every:
                    decided.append((record, tag, reason))
                    return
                if reason not in found:
                    found = (*found, reason)
        decided.append((record, tag, found if self.every else None))

    def _release(self, index: int, decided: list) -> None:
        queue = self._waiting[index]
        if not queue:
            return
        self._waiting[index] = []
        self._hooks[index]([record for record, _, _ in queue])
        for record, tag, found in queue:
            self._walk(record, tag, index, decided, prepared=index, found=found)


def first_reasons(checks: Iterable[Check], records: Iterable[Any], size: int = BATCH_SIZE) -> list[str | None]:
    """`[first_reason(checks, r) for r in records]`, with the checks' batch hooks used on batches of
    at most `size` records (`BatchedChain`)."""
    chain = BatchedChain(checks, size)
    reasons: dict[int, str | None] = {}
    for position, record in enumerate(records):
        for _, tag, reason in chain.add(record, position):
            reasons[tag] = reason
    for _, tag, reason in chain.flush():
        reasons[tag] = reason
    return [reasons[position] for position in range(len(reasons))]
