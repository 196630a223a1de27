"""The git source's section: which refs are mined and which files count as Python."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GitConfig:
    # "branches" (refs/heads/*), "head", or an fnmatch pattern over full ref names such as "refs/tags/v*".
    refs: str = "branches"
    # Pull-request refs hold unreviewed work; they are mined only when asked.
    include_pull_refs: bool = False
    # File extensions that count as Python.
    extensions: list[str] = field(default_factory=lambda: [".py"])


def problems(cfg: GitConfig) -> list[str]:
    """An empty ref pattern would match nothing and mine an empty corpus without a word."""
    return ["config key 'git.refs' must not be empty"] if not cfg.refs else []
