"""The report's plots, drawn from ReportStats alone as SVG text (beam_jobs/report/svg.py).

A plot is drawn only when it has something to show: an empty or commit-only corpus gets fewer plots,
never empty axes. The same stats give the same bytes on every machine.
"""
from __future__ import annotations

from typing import Callable

from beam_jobs.report.svg import GRID, Canvas, Scale, blend, text_width, tick_label
from schemas.report_stats import Distribution, ReportStats

COLORS = {"commit": "#3b6fb6", "judge": "#d9822b", "all": "#5a5a5a", "kept": "#3b8e5a", "rejected": "#c44e52",
          "commit added": "#3b6fb6", "commit removed": "#9db7db", "judge added": "#d9822b",
          "judge removed": "#ecc095"}
CYCLE = ["#3b6fb6", "#d9822b", "#3b8e5a", "#c44e52", "#7b5ea7", "#5a5a5a"]
BLUES = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 14, 11, 10, 9


def bin_labels(edges: list[float], share: bool = False) -> list[str]:
    """Readable bin names: `0`, `3–4`, `5–9`, `≥ 10000` (integers), `0.05–0.10` (shares)."""
    labels = []
    for i, lo in enumerate(edges):
        if i == len(edges) - 1:
            labels.append(f"≥ {lo:g}" if not share else f"{lo:.2f}")
            continue
        hi = edges[i + 1]
        if share:
            labels.append(f"{lo:.2f}–{hi:.2f}")
        elif hi - lo == 1:
            labels.append(f"{lo:g}")
        else:
            labels.append(f"{lo:g}–{hi - 1:g}")
    return labels


def _legend_width(entries: list[tuple[str, str]]) -> float:
    return sum(29 + text_width(name, TICK_SIZE) for name, _ in entries)


def _legend(canvas: Canvas, x: float, y: float, entries: list[tuple[str, str]]) -> None:
    """Swatches and names in one row from `x`, above the plot, where no bar can be."""
    for name, color in entries:
        canvas.rect(x, y - 5, 10, 10, color)
        canvas.text(x + 15, y, name, TICK_SIZE)
        x += 15 + text_width(name, TICK_SIZE) + 14


def _histograms(title: str, series: list[tuple[str, Distribution]], xlabel: str) -> str | None:
    """Grouped bars of fixed-bin counts, one colour per series; log-spaced bins keep heavy tails readable,
    and a log count axis when the counts span more than a hundredfold."""
    series = [(name, d) for name, d in series if d.count > 0]
    if not series:
        return None
    edges = series[0][1].histogram.edges
    share = series[0][1].unit == "share"
    counts = [list(d.histogram.counts) for _, d in series]
    used = [i for i in range(len(edges)) if any(c[i] for c in counts)]
    first, last = used[0], used[-1]
    labels = bin_labels(edges, share)[first:last + 1]
    counts = [c[first:last + 1] for c in counts]
    values = [v for c in counts for v in c]
    slant = len(labels) > 6
    label_room = max(text_width(label, TICK_SIZE) for label in labels)
    bottom_room = (label_room * 0.71 + 12 if slant else 18) + 30
    slot = 34.0 if slant else max(34.0, label_room + 8)
    left, top, plot_h = 70.0, 36.0 if len(series) == 1 else 58.0, 210.0
    entries = [(name, COLORS.get(name, CYCLE[s % len(CYCLE)])) for s, (name, _) in enumerate(series)]
    width = max(420.0, left + slot * len(labels) + 30, left + _legend_width(entries) + 20)
    slot = min((width - left - 30) / len(labels), 90.0)
    x0 = left + (width - left - 20 - slot * len(labels)) / 2
    canvas = Canvas(width, top + plot_h + bottom_room, title)
    canvas.text(width / 2, 16, title, TITLE_SIZE, "middle", bold=True)
    y = Scale.for_values([float(v) for v in values], top + plot_h, -plot_h)
    for tick in y.ticks:
        canvas.line(left, y(tick), width - 20, y(tick), GRID)
        canvas.text(left - 6, y(tick), tick_label(tick), TICK_SIZE, "end")
    bar = slot * 0.8 / len(series)
    for s, (name, color) in enumerate(entries):
        for i, value in enumerate(counts[s]):
            if value > 0:
                x = x0 + slot * i + slot * 0.1 + bar * s
                canvas.rect(x, y(value), bar, y(0) - y(value), color,
                            f"{name}, {labels[i]}: {value:,}")
    base = top + plot_h
    canvas.line(left, top, left, base)
    canvas.line(left, base, width - 20, base)
    for i, label in enumerate(labels):
        x = x0 + slot * (i + 0.5)
        canvas.line(x, base, x, base + 4)
        if slant:
            canvas.text(x, base + 12, label, TICK_SIZE, "end", rotate=-45)
        else:
            canvas.text(x, base + 14, label, TICK_SIZE, "middle")
    log_bins = series[0][1].log_scale
    canvas.text(left + (width - 20 - left) / 2, top + plot_h + bottom_room - 12,
                xlabel + (" (log-spaced bins)" if log_bins else ""), LABEL_SIZE, "middle")
    canvas.text(16, top + plot_h / 2, "samples (log scale)" if y.log else "samples", LABEL_SIZE, "middle",
                rotate=-90)
    if len(series) > 1:
        _legend(canvas, left, 39, entries)
    return canvas.svg()


def funnel_plot(stats: ReportStats) -> str | None:
    """Horizontal bars, one per stage in flow order from the top: kept, then dropped, with `kept / in` after
    each bar; a log axis when the stages' sizes span more than a hundredfold."""
    stages = [s for s in stats.funnel.stages if s.incoming > 0]
    if not stages:
        return None
    notes = [f"{s.kept:,} / {s.kept + s.rejected:,}" for s in stages]
    left = max(text_width(s.stage, TICK_SIZE) for s in stages) + 16
    plot_w = 380.0
    right_room = max(text_width(n, NOTE_SIZE) for n in notes) + 16
    row, top = 24.0, 56.0
    plot_h = row * len(stages)
    width = left + plot_w + right_room
    canvas = Canvas(width, top + plot_h + 48, "Funnel: kept and dropped at each stage")
    canvas.text(width / 2, 16, "Funnel: kept and dropped at each stage", TITLE_SIZE, "middle", bold=True)
    _legend(canvas, left, 39, [("kept", COLORS["kept"]), ("dropped", COLORS["rejected"])])
    x = Scale.for_values([float(s.kept + s.rejected) for s in stages], left, plot_w)
    base = top + plot_h
    for tick in x.ticks:
        canvas.line(x(tick), top, x(tick), base, GRID)
        canvas.line(x(tick), base, x(tick), base + 4)
        canvas.text(x(tick), base + 14, tick_label(tick), TICK_SIZE, "middle")
    for i, (s, note) in enumerate(zip(stages, notes)):
        y = top + row * i + row * 0.15
        h = row * 0.7
        start = x(0)
        end_kept, end = x(s.kept), x(s.kept + s.rejected)
        canvas.rect(start, y, end_kept - start, h, COLORS["kept"], f"{s.stage}: {s.kept:,} kept")
        canvas.rect(end_kept, y, end - end_kept, h, COLORS["rejected"], f"{s.stage}: {s.rejected:,} dropped")
        canvas.text(left - 6, y + h / 2, s.stage, TICK_SIZE, "end")
        canvas.text(end + 4, y + h / 2, note, NOTE_SIZE)
    canvas.line(left, top, left, base)
    canvas.line(left, base, left + plot_w, base)
    axis = "records into the stage (" + ("log scale; " if x.log else "") + "unit: commits, submissions or samples)"
    canvas.text(left + plot_w / 2, base + 34, axis, LABEL_SIZE, "middle")
    return canvas.svg()


def _heatmap(title: str, rows: list[str], cols: list[str], values: list[list[float]], xlabel: str, ylabel: str,
             fmt: Callable[[float], str], legend: str) -> str:
    """Cells shaded from white to dark blue by value / the largest value, each labelled; a colour bar."""
    peak = max((v for r in values for v in r), default=0.0)
    cell_w = max(56.0, max(text_width(c, TICK_SIZE) for c in cols) + 12)
    area_h = max(120.0, text_width(ylabel, LABEL_SIZE) + 16, text_width(legend, LABEL_SIZE) + 16)
    cell_h = max(26.0, area_h / len(rows))
    grid_w, grid_h = cell_w * len(cols), cell_h * len(rows)
    left = max(max(text_width(r, TICK_SIZE) for r in rows) + 36, 30 + text_width(xlabel, LABEL_SIZE) / 2 - grid_w / 2)
    top = 36.0
    bar_x = left + grid_w + 24
    legend_x = bar_x + 32 + text_width(fmt(peak), NOTE_SIZE)
    width = max(legend_x + 20, text_width(title, TITLE_SIZE) + 20)
    canvas = Canvas(width, top + grid_h + 52, title)
    canvas.text(width / 2, 16, title, TITLE_SIZE, "middle", bold=True)
    for i, name in enumerate(rows):
        canvas.text(left - 6, top + cell_h * (i + 0.5), name, TICK_SIZE, "end")
        for j, col in enumerate(cols):
            v = values[i][j]
            share = v / peak if peak > 0 else 0.0
            canvas.rect(left + cell_w * j, top + cell_h * i, cell_w, cell_h, blend(BLUES, share),
                        f"{name} → {col}: {fmt(v)}")
            if v > 0:
                canvas.text(left + cell_w * (j + 0.5), top + cell_h * (i + 0.5), fmt(v), NOTE_SIZE, "middle",
                            fill="#ffffff" if share > 0.6 else "#000000")
    for j, col in enumerate(cols):
        canvas.text(left + cell_w * (j + 0.5), top + grid_h + 12, col, TICK_SIZE, "middle")
    canvas.text(left + grid_w / 2, top + grid_h + 32, xlabel, LABEL_SIZE, "middle")
    canvas.text(12, top + grid_h / 2, ylabel, LABEL_SIZE, "middle", rotate=-90)
    canvas.rect(bar_x, top, 14, grid_h, canvas.gradient("scale", BLUES))
    canvas.text(bar_x + 20, top + grid_h, fmt(0), NOTE_SIZE)
    canvas.text(bar_x + 20, top, fmt(peak), NOTE_SIZE)
    canvas.text(legend_x, top + grid_h / 2, legend, LABEL_SIZE, "middle", rotate=-90)
    return canvas.svg()


def verdict_plot(stats: ReportStats) -> str | None:
    cells = stats.judge.transitions
    if not cells:
        return None
    before = sorted({c.before for c in cells}, key=stats.judge.verdicts.index)
    after = sorted({c.after for c in cells}, key=stats.judge.verdicts.index)
    values = [[0.0] * len(after) for _ in before]
    for c in cells:
        values[before.index(c.before)][after.index(c.after)] = float(c.count)
    return _heatmap("Judge verdict transitions", before, after, values, "verdict after the fix",
                    "verdict before the fix", lambda v: f"{int(v):,}", "samples")


def edit_kind_plot(stats: ReportStats, top: int = 15) -> str | None:
    kinds = [k for k in stats.python.edit_kinds if k.samples > 0]
    if not kinds:
        return None
    sources = [s for s in ("commit", "judge", "all") if any(k.source == s for k in kinds)]
    totals: dict[str, int] = {}
    for k in kinds:
        if k.source == sources[-1]:
            totals[k.kind] = totals.get(k.kind, 0) + k.samples
    names = sorted(totals, key=lambda n: (-totals[n], n))[:top]
    values = [[0.0] * len(sources) for _ in names]
    for k in kinds:
        if k.kind in names:
            values[names.index(k.kind)][sources.index(k.source)] = k.share
    return _heatmap("Edit kinds: AST node types the fix changes", names, sources, values, "source",
                    "node type", lambda v: f"{v:.0%}", "share of analysed samples")


def make_plots(stats: ReportStats) -> dict[str, str]:
    """{plot name: SVG}; only the plots with data."""
    shapes = {s.source: s for s in stats.shape}
    instr = {i.source: i for i in stats.instructions}
    per_source = [s for s in ("commit", "judge") if s in shapes]
    candidates: dict[str, str | None] = {"funnel": funnel_plot(stats)}
    if per_source and not stats.corpus.empty:
        candidates.update({
            "old_lines": _histograms("Length of the code before the fix",
                                     [(s, shapes[s].old_lines) for s in per_source], "lines"),
            "old_chars": _histograms("Size of the code before the fix",
                                     [(s, shapes[s].old_chars) for s in per_source], "characters"),
            "diff_lines": _histograms("Diff size: lines added and removed",
                                      [(f"{s} added", shapes[s].lines_added) for s in per_source]
                                      + [(f"{s} removed", shapes[s].lines_removed) for s in per_source], "lines"),
            "hunks": _histograms("Hunks per diff", [(s, shapes[s].hunks) for s in per_source], "hunks"),
            "change_share": _histograms("Share of the file the fix changes",
                                        [(s, shapes[s].change_share) for s in per_source],
                                        "(lines added + removed) / (old + new lines)"),
            "instruction_words": _histograms("Instruction length",
                                             [(s, instr[s].words) for s in per_source if s in instr], "words"),
            "attempts": _histograms("Failed attempts before the accepted one",
                                    [("judge", stats.judge.attempts_before_accepted)], "submissions"),
            "verdicts": verdict_plot(stats),
            "edit_kinds": edit_kind_plot(stats),
        })
    return {name: svg for name, svg in candidates.items() if svg}
