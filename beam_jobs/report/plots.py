"""The report's plots, drawn with matplotlib (Agg) from ReportStats alone, as SVG text.

A plot is drawn only when it has something to show: an empty or commit-only corpus gets fewer plots,
never empty axes. The SVG is deterministic (fixed hash salt, no date), so a rerun on the same corpus
writes the same bytes.
"""
from __future__ import annotations

import io
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from schemas.report_stats import Distribution, ReportStats  # noqa: E402

STYLE = {
    "svg.hashsalt": "repairpack-report",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
}
COLORS = {"commit": "#3b6fb6", "judge": "#d9822b", "all": "#5a5a5a", "kept": "#3b8e5a", "rejected": "#c44e52"}
UNIT_LABEL = {"lines": "lines", "characters": "characters", "words": "words", "hunks": "hunks",
              "share": "share of the file's lines", "submissions": "submissions"}


def _svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buf.getvalue()


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


def _histograms(title: str, series: list[tuple[str, Distribution]], xlabel: str) -> str | None:
    """Grouped bars of fixed-bin counts, one colour per series; log-spaced bins keep heavy tails readable."""
    series = [(name, d) for name, d in series if d.count > 0]
    if not series:
        return None
    edges = series[0][1].histogram.edges
    share = series[0][1].unit == "share"
    counts = np.array([d.histogram.counts for _, d in series], dtype=float)
    used = np.nonzero(counts.sum(axis=0))[0]
    first, last = int(used.min()), int(used.max())
    labels = bin_labels(edges, share)[first:last + 1]
    counts = counts[:, first:last + 1]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(5.5, 0.55 * len(labels) + 2), 3.4))
        width = 0.8 / len(series)
        x = np.arange(len(labels))
        for i, (name, _) in enumerate(series):
            ax.bar(x + (i - (len(series) - 1) / 2) * width, counts[i], width, label=name,
                   color=COLORS.get(name, None))
        ax.set_xticks(x, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
        log_bins = series[0][1].log_scale
        ax.set_xlabel(xlabel + (" (log-spaced bins)" if log_bins else ""))
        ax.set_ylabel("samples")
        if counts.max() / max(counts[counts > 0].min(), 1) > 100:
            ax.set_yscale("log")
            ax.set_ylabel("samples (log scale)")
        ax.set_title(title)
        if len(series) > 1:
            ax.legend(frameon=False)
        return _svg(fig)


def funnel_plot(stats: ReportStats) -> str | None:
    stages = [s for s in stats.funnel.stages if s.incoming > 0]
    if not stages:
        return None
    names = [s.stage for s in stages][::-1]
    kept = np.array([s.kept for s in stages][::-1], dtype=float)
    rejected = np.array([s.rejected for s in stages][::-1], dtype=float)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.38 * len(names) + 1.4))
        y = np.arange(len(names))
        ax.barh(y, kept, color=COLORS["kept"], label="kept")
        ax.barh(y, rejected, left=kept, color=COLORS["rejected"], label="dropped")
        ax.set_yticks(y, names)
        totals = kept + rejected
        if totals.max() / max(totals[totals > 0].min(), 1) > 100:
            ax.set_xscale("log")
            ax.set_xlabel("records into the stage (log scale; unit: commits, submissions or samples)")
        else:
            ax.set_xlabel("records into the stage (unit: commits, submissions or samples)")
        for yi, k, t in zip(y, kept, totals):
            ax.text(t, yi, f" {int(k):,} / {int(t):,}", va="center", fontsize=8)
        ax.set_title("Funnel: kept and dropped at each stage")
        ax.legend(frameon=False, loc="lower right")
        ax.margins(x=0.18)
        return _svg(fig)


def _heatmap(title: str, rows: list[str], cols: list[str], values: np.ndarray, xlabel: str, ylabel: str,
             fmt: Callable[[float], str], cbar: str) -> str:
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(4.5, 0.7 * len(cols) + 2.5), max(2.6, 0.36 * len(rows) + 1.4)))
        image = ax.imshow(values, cmap="Blues", aspect="auto")
        ax.set_xticks(np.arange(len(cols)), cols)
        ax.set_yticks(np.arange(len(rows)), rows)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        top = values.max() if values.size else 0
        for i in range(len(rows)):
            for j in range(len(cols)):
                if values[i, j] > 0:
                    ax.text(j, i, fmt(values[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if values[i, j] > 0.6 * top else "black")
        fig.colorbar(image, ax=ax, label=cbar, shrink=0.8)
        ax.set_title(title)
        ax.spines[:].set_visible(False)
        return _svg(fig)


def verdict_plot(stats: ReportStats) -> str | None:
    cells = stats.judge.transitions
    if not cells:
        return None
    before = sorted({c.before for c in cells}, key=stats.judge.verdicts.index)
    after = sorted({c.after for c in cells}, key=stats.judge.verdicts.index)
    values = np.zeros((len(before), len(after)))
    for c in cells:
        values[before.index(c.before), after.index(c.after)] = c.count
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
    values = np.zeros((len(names), len(sources)))
    for k in kinds:
        if k.kind in names:
            values[names.index(k.kind), sources.index(k.source)] = k.share
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
