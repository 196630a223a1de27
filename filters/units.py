"""A parsed module's definition units: the lines each module-level function, method, class header or
other module-level statement spans. The window stage (beam_jobs/sources/windows.py) cuts a large pair
along them.

Here, beside the parser's other users, because they are read off the same tree the filter stage
already parses for the tags and edit kinds (filters/tags.py `analyse`): computing them there spares
the window stage a second parse of both versions, which was the largest cost of windowing.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

_MEMBERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    return min([node.lineno, *(d.lineno for d in decorators)]) if decorators else node.lineno


@dataclass
class Units:
    """One file's units: `spans[u]` = (first, end) 0-based half-open lines of unit u, and `owner[i]`
    = the innermost unit line i belongs to, -1 for blank or comment lines between units."""
    owner: list[int]
    spans: list[tuple[int, int]]

    def reach(self, lo: int, hi: int) -> tuple[int, int] | None:
        """The span of the units hunk lines [lo, hi) touch; for an insertion (lo == hi), the unit both
        neighbouring lines belong to. None when it touches no unit."""
        owner = self.owner
        if lo == hi:
            found = {owner[lo]} if 0 < lo < len(owner) and owner[lo - 1] == owner[lo] != -1 else set()
        else:
            found = set(owner[lo:hi])
            found.discard(-1)
        if not found:
            return None
        return min(self.spans[u][0] for u in found), max(self.spans[u][1] for u in found)


def units_of(tree: ast.Module, n_lines: int) -> Units:
    owner = [-1] * n_lines
    spans: list[tuple[int, int]] = []

    def unit(first: int, last: int) -> int:
        spans.append((first - 1, last))
        return len(spans) - 1

    def mark(first: int, last: int, u: int) -> None:
        owner[first - 1:last] = [u] * (last - first + 1)

    for stmt in tree.body:
        first, last = first_line(stmt), stmt.end_lineno or stmt.lineno
        if isinstance(stmt, ast.ClassDef):
            cls = unit(first, last)
            # the header: decorators, the class line(s), up to the first statement of the body
            mark(first, max(stmt.lineno, first_line(stmt.body[0]) - 1), cls)
            for member in stmt.body:
                m_first, m_last = first_line(member), member.end_lineno or member.lineno
                mark(m_first, m_last, unit(m_first, m_last) if isinstance(member, _MEMBERS) else cls)
        else:
            mark(first, last, unit(first, last))
    return Units(owner, spans)
