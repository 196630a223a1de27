"""A small SVG canvas and the axis arithmetic the report's charts share.

Why not a plotting library: the report draws three kinds of chart (grouped bars, stacked horizontal
bars, heatmaps), and importing matplotlib to draw them cost more CPU than everything else a report on
a small corpus does (0.3 CPU-s of import before the first line, issue 18). Writing the elements
directly is a few hundred lines, needs no font files, and is deterministic by construction: numbers
are printed with fixed precision and no element carries an id, a date or a random salt.

Text is laid out with an estimated width (no font metrics here): `CHAR_EM` is generous for the
sans-serif fonts browsers pick, so labels get room rather than overlap.
"""
from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
CHAR_EM = 0.62
INK = "#262626"
GRID = "#e4e4e4"


def num(value: float) -> str:
    """A coordinate, at most two decimals and no trailing zeros: short, and the same on every machine."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_EM


def tick_label(value: float) -> str:
    """`0`, `0.5`, `20`, `1,000`, `0.01` for axes; counts are whole numbers, shares are not."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:.6g}"


def linear_ticks(top: float, target: int = 5) -> list[float]:
    """Ticks 0, s, 2s, ... up to the first multiple of s at or above `top`, s a 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def log_ticks(low: float, high: float) -> list[float]:
    """The decades from the one at or under `low` to the one at or above `high`."""
    first = math.floor(math.log10(low))
    last = max(math.ceil(math.log10(high)), first + 1)
    return [10.0 ** e for e in range(first, last + 1)]


class Scale:
    """Maps data values to pixels along one axis, linear from 0 or log10. A log axis starts half a decade
    under its first tick, so that the smallest count still gets a visible bar; values at or under the
    start (zero) map to the start."""

    def __init__(self, ticks: list[float], start: float, length: float, log: bool) -> None:
        self.ticks, self.start, self.length, self.log = ticks, start, length, log
        self._low = math.log10(ticks[0]) - 0.5 if log else ticks[0]
        self._high = math.log10(ticks[-1]) if log else ticks[-1]

    @classmethod
    def for_values(cls, values: list[float], start: float, length: float, log_ratio: float = 100.0) -> Scale:
        """Log when the positive values span more than `log_ratio` (heavy tails), linear from 0 otherwise."""
        positive = [v for v in values if v > 0]
        if positive and max(positive) / max(min(positive), 1.0) > log_ratio:
            return cls(log_ticks(min(positive), max(positive)), start, length, True)
        return cls(linear_ticks(max(positive, default=0.0)), start, length, False)

    def __call__(self, value: float) -> float:
        if self.log:
            value = math.log10(value) if value > 0 else self._low
            value = max(value, self._low)
        share = (value - self._low) / (self._high - self._low)
        return self.start + share * self.length


def blend(stops: list[str], share: float) -> str:
    """The colour at `share` (0..1) along evenly spaced hex stops."""
    share = min(max(share, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(share), len(stops) - 2)
    t = share - i
    a, b = stops[i], stops[i + 1]
    mixed = [round(int(a[k:k + 2], 16) * (1 - t) + int(b[k:k + 2], 16) * t) for k in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


class Canvas:
    """Collects SVG elements in drawing order; `svg()` gives the document."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width, self.height, self.title = width, height, title
        self.items: list[str] = []
        self.defs: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str | None = None) -> None:
        attrs = f'x="{num(x)}" y="{num(y)}" width="{num(max(w, 0.0))}" height="{num(max(h, 0.0))}" fill="{fill}"'
        if tip is None:
            self.items.append(f"<rect {attrs}/>")
        else:
            self.items.append(f"<rect {attrs}><title>{escape(tip)}</title></rect>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = INK, width: float = 1.0) -> None:
        self.items.append(f'<line x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}" '
                          f'stroke="{stroke}" stroke-width="{num(width)}"/>')

    def text(self, x: float, y: float, text: str, size: float = 11, anchor: str = "start", bold: bool = False,
             fill: str = INK, rotate: float = 0.0) -> None:
        """Vertically centred on y (dy=.35em works in every renderer, unlike dominant-baseline)."""
        attrs = f'x="{num(x)}" y="{num(y)}" dy=".35em" font-size="{num(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if bold:
            attrs += ' font-weight="bold"'
        if fill != INK:
            attrs += f' fill="{fill}"'
        if rotate:
            attrs += f' transform="rotate({num(rotate)} {num(x)} {num(y)})"'
        self.items.append(f"<text {attrs}>{escape(text)}</text>")

    def gradient(self, name: str, stops: list[str]) -> str:
        """A bottom-to-top linear gradient; returns the fill that uses it."""
        parts = "".join(f'<stop offset="{num(i / (len(stops) - 1))}" stop-color="{c}"/>' for i, c in enumerate(stops))
        self.defs.append(f'<linearGradient id={quoteattr(name)} x1="0" y1="1" x2="0" y2="0">{parts}</linearGradient>')
        return f"url(#{name})"

    def svg(self) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(self.width)}" height="{num(self.height)}" '
                f'viewBox="0 0 {num(self.width)} {num(self.height)}" font-family={quoteattr(FONT)} role="img">')
        body = [head, f"<title>{escape(self.title)}</title>"]
        if self.defs:
            body.append("<defs>" + "".join(self.defs) + "</defs>")
        body.append(f'<rect width="{num(self.width)}" height="{num(self.height)}" fill="#ffffff"/>')
        body += self.items
        body.append("</svg>")
        return "\n".join(body) + "\n"
