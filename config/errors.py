"""The one error type of the config: a mistake the user can fix before anything runs."""
from __future__ import annotations


class ConfigError(ValueError):
    """Carries every problem found, one sentence each, so one run of the CLI shows them all.

    The message is the problems one per line: the first line stays a sentence of its own, and a single
    problem reads exactly as it always did. The problems are the exception's args, so it pickles.
    """

    def __init__(self, *problems: str) -> None:
        super().__init__(*problems)

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in self.args]

    def __str__(self) -> str:
        return "\n".join(self.problems)
