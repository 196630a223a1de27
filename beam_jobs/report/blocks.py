"""The report's building blocks: the blocks a page is made of (headings, paragraphs, tables, plots,
code, key figures), the small text language their text is written in (`**bold**`, `` `code` ``,
backslash escapes; `esc` and `code` put corpus text into it safely, `tokens` reads it), and the
number formats. beam_jobs/report/render.py lays the sections out with them and renders both pages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Union


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str
    css: str = ""


@dataclass
class Table:
    head: list[str]
    rows: list[list[Any]]
    caption: str = ""
    numeric: list[bool] = field(default_factory=list)


@dataclass
class Plot:
    name: str
    alt: str


@dataclass
class Figures:
    """Key numbers: a row of cards in the HTML, a two-column table in Markdown."""
    items: list[tuple[str, str]]


@dataclass
class Code:
    text: str
    title: str = ""


Block = Union[Heading, Para, Table, Plot, Code, Figures]


# ------------------------------------------------------------------------------------ text language

def esc(text: Any) -> str:
    """Corpus text as literal text of the block language: its marks escaped, line breaks as spaces
    (a heading or a paragraph is one line)."""
    flat = " ".join(str(text).splitlines())
    return re.sub(r"([\\`*])", r"\\\1", flat)


def code(text: Any) -> str:
    """Corpus text shown as code; as plain literal text when it holds a backtick (which would end
    the span)."""
    flat = " ".join(str(text).splitlines())
    return f"`{flat}`" if "`" not in flat and flat.strip() else esc(flat)


TEXT, BOLD, CODE = "text", "bold", "code"


def tokens(text: str) -> list[tuple[str, str]]:
    """The block language read: (TEXT, literal text), (BOLD, "") toggles, (CODE, literal text)."""
    out: list[tuple[str, str]] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            out.append((TEXT, "".join(buf)))
            buf.clear()

    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            buf.append(text[i + 1])
            i += 2
        elif text.startswith("**", i):
            flush()
            out.append((BOLD, ""))
            i += 2
        elif text[i] == "`":
            end = text.find("`", i + 1)
            end = len(text) if end < 0 else end
            flush()
            out.append((CODE, text[i + 1:end]))
            i = end + 1
        else:
            buf.append(text[i])
            i += 1
    flush()
    return out


# -------------------------------------------------------------------------------------- formatting

def num(n: Any) -> str:
    if isinstance(n, bool):
        return "yes" if n else "no"
    if isinstance(n, int):
        return f"{n:,}"
    if isinstance(n, float):
        if n.is_integer() or abs(n) >= 100:
            return f"{n:,.0f}"
        return f"{n:.3g}" if abs(n) < 1 else f"{n:,.2f}".rstrip("0").rstrip(".")
    return str(n)


def pct(x: float) -> str:
    if x == 0:
        return "0 %"
    return f"{x * 100:.1f} %" if x >= 0.001 else "< 0.1 %"


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"
