"""File-pair rules: sizes, emptiness, no-op commits, the extension, and a size budget for the pair.

The size budget is the paper's bound on tokens of old + new (50 <= tokens <= 768 for `commitpackft`),
counted with the bundled BPE tokenizer (filters/tokens.py) when the `tokens` extra is installed.
Without it, characters of old + new stand in (about 3.5 characters per token on Python, so 175..2,688
by default): an estimate, not a reproduction (filters/DIFFERENCES.md). Lines can be bounded too.

Reasons: old_too_large, new_empty, unchanged, wrong_extension, pair_too_small, pair_too_large,
pair_too_many_lines.
"""
from __future__ import annotations

from dataclasses import dataclass

from schemas.commit import CommitRecord
from config.filters import FilterConfig

from filters import tokens
from filters.base import rules_from


@dataclass(frozen=True)
class ContentRules:
    old_max_chars: int | None
    require_new_nonempty: bool
    require_change: bool
    check_extension: bool
    extensions: tuple[str, ...]
    pair_min_chars: int | None
    pair_max_chars: int | None
    pair_max_lines: int | None
    # Token bounds; when `use_tokens` (set and the tokenizer installed) they replace the character ones.
    pair_min_tokens: int | None
    pair_max_tokens: int | None
    use_tokens: bool

    @property
    def active(self) -> bool:
        return (self.old_max_chars is not None or self.require_new_nonempty or self.require_change
                or self.check_extension or self.pair_min_chars is not None or self.pair_max_chars is not None
                or self.pair_max_lines is not None or self.use_tokens)


def uses_tokens(cfg: FilterConfig) -> bool:
    """Whether the pair budget is counted in tokens: a token bound is set and the tokenizer is here."""
    return (cfg.pair_min_tokens is not None or cfg.pair_max_tokens is not None) and tokens.available()


def compile_content_rules(cfg: FilterConfig) -> ContentRules:
    # str.endswith takes a tuple: one C call instead of a split and a set lookup.
    return rules_from(ContentRules, cfg, extensions=tuple(cfg.extensions), use_tokens=uses_tokens(cfg))


def has_extension(path: str, extensions: tuple[str, ...]) -> bool:
    """The base name ends with a listed extension and has a name before it ("x/.py" does not count)."""
    base = path.rsplit("/", 1)[-1]
    for ext in extensions:
        if base.endswith(ext) and len(base) > len(ext):
            return True
    return False


def check_content(record: CommitRecord, rules: ContentRules) -> str | None:
    old, new = record.old_contents, record.new_contents
    if rules.old_max_chars is not None and len(old) > rules.old_max_chars:
        return "old_too_large"
    if rules.require_new_nonempty and not new:
        return "new_empty"
    if rules.require_change and old == new:
        return "unchanged"
    if rules.check_extension and not has_extension(record.new_file, rules.extensions):
        return "wrong_extension"
    if rules.use_tokens:
        # Compared without counting a side whose length decides (tokens.pair_tokens_within).
        verdict = tokens.pair_tokens_within(old, new, rules.pair_min_tokens, rules.pair_max_tokens)
    else:
        size, low, high = len(old) + len(new), rules.pair_min_chars, rules.pair_max_chars
        verdict = -1 if low is not None and size < low else 1 if high is not None and size > high else 0
    if verdict < 0:
        return "pair_too_small"
    if verdict > 0:
        return "pair_too_large"
    if rules.pair_max_lines is not None and line_count(old) + line_count(new) > rules.pair_max_lines:
        return "pair_too_many_lines"
    return None


def line_count(text: str) -> int:
    """Lines as an editor shows them: a final line without a newline still counts, "" has none."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


# Where `str.splitlines` ends a line besides "\n" (and "\r\n", which ends with it).
_OTHER_LINE_ENDS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def split_lines(text: str) -> list[str]:
    """Lines with their "\\n", as git counts them; the last one has none when the text does not end
    with a newline. The diff of a sample and the cut of a window split alike. (`str.splitlines`, in
    one call, when the text has no other character it would end a line at.)"""
    if not text:
        return []
    if not any(end in text for end in _OTHER_LINE_ENDS):
        return text.splitlines(True)
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
