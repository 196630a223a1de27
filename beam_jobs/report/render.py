"""report.md and report.html from ReportStats: one list of blocks, two renderings.

The page is written for a training lead deciding whether to use the corpus, in the order of their
questions: how big and from where, what was thrown away, what the repairs look like, whether
anything is suspicious. Both files are built from the same blocks, so they say the same thing; the
HTML is one self-contained file (inline CSS, plots as SVG data URIs, no script, no external request)
so that it opens from a bucket or an email attachment.

The text of headings, paragraphs and captions is a small language both renderers read (blocks.py):
`**bold**`, `` `code` `` and backslash escapes. Anything that comes from the corpus (instructions, ids, groups,
licenses, sources, reasons, the manifest's names) goes in through `esc` or `code`, so it can never be
read as markup; table cells and key figures are plain text. Each renderer then escapes for its own
format: HTML entities in report.html; in report.md, HTML entities and backslash escapes for every
character Markdown (GitHub's and the Hub's) would read as a link, an image, raw HTML, emphasis, a
code span or a table column, and a code fence longer than any run of backticks in the diff.
"""
from __future__ import annotations

import base64
import html
import re
from typing import Any

# The blocks and the text language live in blocks.py; num, pct and human_bytes are read from here too.
from beam_jobs.report.blocks import (BOLD, CODE, Block, Code, Figures, Heading, Para, Plot,  # noqa: F401
                                     Table, code, esc, human_bytes, num, pct, tokens)
from schemas.report_stats import STATS_VERSION, Distribution, ReportStats, TopList

PLOTS_DIR = "report_plots"


def _dist_row(label: str, source: str, d: Distribution) -> list[Any]:
    q = d.quantiles
    return [label, source, num(d.count), num(q.get("p10", 0)), num(q.get("p50", 0)), num(q.get("p90", 0)),
            num(q.get("p99", 0)), num(d.mean), num(d.max), d.unit]


DIST_HEAD = ["measure", "source", "samples", "p10", "median", "p90", "p99", "mean", "max", "unit"]
DIST_NUMERIC = [False, False, True, True, True, True, True, True, True, False]


def _top_table(tops: list[TopList], column: str, what: str) -> Table:
    rows = []
    for t in tops:
        for e in t.entries:
            rows.append([t.source, e.name, num(e.samples), pct(e.share)])
    def noun(source: str) -> str:
        return {"commit": "repositories", "judge": "problems"}.get(source, "names") if what == "groups" else what

    caption = "; ".join(f"{esc(t.source)}: {num(t.distinct)} {noun(t.source)}, the largest has "
                        f"{pct(t.largest_share)}" for t in tops)
    return Table(["source", column, "samples", "share"],
                 rows, caption, [False, False, True, True])


# ------------------------------------------------------------------------------------------ blocks

def blocks(stats: ReportStats, balance: dict[str, Any] | None = None) -> list[Block]:
    """Every section of the report, in reading order. `balance`: the manifest's `split_balance`
    (configured and achieved split shares, and the warnings), when the build wrote one."""
    c = stats.corpus
    out: list[Block] = [Heading("Corpus statistics report", 1)]
    by_source = stats.size.by_source
    if c.empty:
        out.append(Para("This corpus is empty: no sample survived the build. The funnel below shows where "
                        "the input records were dropped; there are no distributions to show.", "warn"))
    else:
        parts = ", ".join(f"{num(n)} {esc(s)}" for s, n in by_source.items())
        groups = "; ".join(f"{num(t.distinct)} {'repositories' if t.source == 'commit' else 'problems'} "
                           f"({esc(t.source)})" for t in stats.size.top_groups)
        out.append(Para(f"**{num(c.samples)} samples** ({parts}), {human_bytes(stats.size.code_bytes)} of code, "
                        f"from {groups}. {num(c.rejects)} records were dropped on the way."))
        out.append(_key_figures(stats))
        if c.tiny:
            out.append(Para(f"This corpus is tiny ({num(c.samples)} samples): the distributions below are shown "
                            "but say little.", "warn"))
    if stats.funnel.reconciled:
        out.append(Para(f"Reconciled with manifest.json: all {len(stats.funnel.checks)} checks hold "
                        "(every stage balances, every reject and every sample is where the manifest says).", "ok"))
    else:
        bad = [ch for ch in stats.funnel.checks if not ch.ok]
        out.append(Para(f"**Not reconciled with manifest.json**: {len(bad)} of {len(stats.funnel.checks)} checks "
                        "fail; the files in this folder are not the ones the manifest describes.", "warn"))
        out.append(Table(["check", "manifest", "files"], [[ch.name, num(ch.expected), num(ch.actual)] for ch in bad],
                         numeric=[False, True, True]))

    out += _size_section(stats)
    out += _splits_section(balance)
    out += _funnel_section(stats)
    if not c.empty:
        out += _shape_section(stats)
        out += _instruction_section(stats)
        if stats.judge.samples:
            out += _judge_section(stats)
        out += _python_section(stats)
        out += _tags_section(stats)
    out += _quality_section(stats)
    if not c.empty:
        out += _examples_section(stats)
    out.append(Para(f"Every number is in `stats.json` (schema `{STATS_VERSION}`, documented in the repairpack "
                    f"repository's docs/report.md). Preset {code(c.preset or 'unknown')}; manifest "
                    f"{code(c.manifest_format or 'unknown')}.", "small"))
    return out


def _key_figures(stats: ReportStats) -> Figures:
    items = [("samples", num(stats.corpus.samples))]
    items += [(f"{s} samples", num(n)) for s, n in stats.size.by_source.items()]
    items.append(("code", human_bytes(stats.size.code_bytes)))
    if stats.shape:
        overall = stats.shape[-1]  # `all`, or the only source
        items.append(("median lines added / removed", f"{num(overall.lines_added.quantiles.get('p50', 0))} / "
                                                      f"{num(overall.lines_removed.quantiles.get('p50', 0))}"))
    samples = sum(stats.python.samples_by_source.values())
    items.append(("syntax fixes", pct(sum(stats.python.old_does_not_parse.values()) / samples if samples else 0)))
    removed = sum(stats.quality.exact_duplicates_removed.values()) + sum(stats.quality.near_duplicates_removed.values())
    items.append(("duplicates removed", num(removed)))
    items.append(("benchmark hits", num(sum(stats.quality.decontamination_hits.values()))))
    return Figures(items)


def _size_section(stats: ReportStats) -> list[Block]:
    s = stats.size
    out: list[Block] = [Heading("How big is the corpus, and from where?")]
    if s.rows:
        out.append(Table(["source", "split", "license", "samples", "code"],
                         [[r.source, r.split, r.license, num(r.samples), human_bytes(r.code_bytes)] for r in s.rows],
                         "Samples and bytes of code (old + new, UTF-8) per source, split and license.",
                         [False, False, False, True, True]))
    if s.files:
        out.append(Table(["files of", "Parquet files", "on disk", "rows"],
                         [[f.split, num(f.files), human_bytes(f.bytes), num(f.rows)] for f in s.files],
                         numeric=[False, True, True, True]))
    tops = [t for t in s.top_groups if t.entries]
    if tops:
        out.append(Heading("Top repositories and problems", 3))
        out.append(_top_table(tops, "repository or problem", "groups"))
    return out


def _splits_section(balance: dict[str, Any] | None) -> list[Block]:
    """Configured against achieved split shares, and a warning per split that is empty or far from
    its fraction (the same sentences as the card and the console)."""
    if not balance or not balance.get("groups"):
        return []
    out: list[Block] = [Heading("Did each split get its share?", 3)]
    for warning in balance.get("warnings", []):
        out.append(Para(warning, "warn"))
    out.append(Table(["split", "configured", "groups", "share of groups", "samples", "share of samples"],
                     [[split, pct(s["fraction"]), num(s["groups"]), pct(s["group_share"]), num(s["samples"]),
                       pct(s["sample_share"])] for split, s in balance.get("splits", {}).items()],
                     f"Splits are drawn by group ({num(balance['groups'])} groups): the fractions are shares of "
                     "groups, met only when there are many.", [False, True, True, True, True, True]))
    return out


def _funnel_section(stats: ReportStats) -> list[Block]:
    out: list[Block] = [Heading("What was thrown away, and why?")]
    if not stats.funnel.stages:
        out.append(Para("The manifest records no stage counts."))
        return out
    if "funnel" in stats.plots:
        out.append(Plot("funnel", "Funnel: records kept and dropped at each stage"))
    rows = []
    for st in stats.funnel.stages:
        reasons = ", ".join(f"{r.reason} {num(r.count)} ({pct(r.share_of_stage)})" for r in st.reasons) or "none"
        rows.append([st.stage, num(st.incoming), num(st.kept), pct(st.kept_share), reasons])
    out.append(Table(["stage", "in", "kept", "kept %", "dropped: reason count (share of the stage)"], rows,
                     "Units: git stages count repositories, commits or records; judge stages submissions; "
                     "assembly stages samples.", [False, True, True, True, False]))
    binding = [[st.stage, f.reason, num(f.failed), pct(f.share_of_stage), num(f.first), num(f.only)]
               for st in stats.funnel.stages for f in st.also_failed]
    if binding:
        out += [Heading("Which rules bind", 3), Para(
            "Above, a record counts under the first rule it fails, in the order the filters run. Here every rule it "
            "fails counts: **fail it** is every record the rule rejects, **only it** the records no other rule "
            "rejects, which relaxing that rule alone would keep.")]
        out.append(Table(["stage", "rule", "fail it", "share of the stage", "first", "only it"], binding,
                         numeric=[False, False, True, True, True, True]))
    return out


def _shape_section(stats: ReportStats) -> list[Block]:
    out: list[Block] = [Heading("What do the repairs look like?")]
    rows = []
    for sh in stats.shape:
        for label, d in (("old lines", sh.old_lines), ("new lines", sh.new_lines), ("old characters", sh.old_chars),
                         ("new characters", sh.new_chars), ("lines added", sh.lines_added),
                         ("lines removed", sh.lines_removed), ("hunks", sh.hunks), ("change share", sh.change_share)):
            rows.append(_dist_row(label, sh.source, d))
    out.append(Table(DIST_HEAD, rows, "Quantiles from a mergeable sketch (exact below 1,024).", DIST_NUMERIC))
    for name, alt in (("old_lines", "Histogram of old code length in lines"),
                      ("old_chars", "Histogram of old code size in characters"),
                      ("diff_lines", "Histogram of lines added and removed"),
                      ("hunks", "Histogram of hunks per diff"),
                      ("change_share", "Histogram of the share of the file changed")):
        if name in stats.plots:
            out.append(Plot(name, alt))
    return out


def _instruction_section(stats: ReportStats) -> list[Block]:
    out: list[Block] = [Heading("Instructions")]
    rows = []
    for ins in stats.instructions:
        rows.append(_dist_row("characters", ins.source, ins.chars))
        rows.append(_dist_row("words", ins.source, ins.words))
    out.append(Table(DIST_HEAD, rows, numeric=DIST_NUMERIC))
    if "instruction_words" in stats.plots:
        out.append(Plot("instruction_words", "Histogram of instruction length in words"))
    tops = [i.first_words for i in stats.instructions if i.first_words.entries]
    if tops:
        out.append(Heading("Most frequent first words (the verbs)", 3))
        out.append(_top_table(tops, "first word", "words"))
    langs = [[i.source, lang or "(not detected)", num(n)] for i in stats.instructions for lang, n in i.message_langs.items()]
    if langs:
        out.append(Heading("Message languages", 3))
        out.append(Table(["source", "language", "samples"], langs, numeric=[False, False, True]))
    return out


def _judge_section(stats: ReportStats) -> list[Block]:
    j = stats.judge
    out: list[Block] = [Heading("Judge data")]
    out.append(Para(f"{num(j.samples)} judge samples from {num(j.trajectories)} (user, problem) trajectories "
                    f"over {num(j.problems)} problems."))
    if "verdicts" in stats.plots:
        out.append(Plot("verdicts", "Heatmap of verdict before and after the fix"))
    out.append(Table(["verdict before", "verdict after", "samples", "share"],
                     [[t.before, t.after, num(t.count), pct(t.count / j.samples if j.samples else 0)]
                      for t in j.transitions], numeric=[False, False, True, True]))
    out.append(Table(DIST_HEAD, [
        _dist_row("sequence length", "judge", j.sequence_length),
        _dist_row("attempts before accepted", "judge", j.attempts_before_accepted),
        _dist_row("problem acceptance rate", "judge", j.problem_acceptance_rate)],
        "Per trajectory; the acceptance rate is per problem, over the kept trajectories "
        "(accepted / judged verdicts).", DIST_NUMERIC))
    if "attempts" in stats.plots:
        out.append(Plot("attempts", "Histogram of failed attempts before the accepted one"))
    if j.executed:
        out.append(Heading("Judge label against executed verdict", 3))
        out.append(Para(f"{num(j.verified)} judge samples verified (the before program fails a test, the after "
                        f"program passes them all); {num(j.with_statement)} carry a problem statement."))
        labels = sorted({c.before for c in j.executed})
        runs = [v for v in EXEC_ORDER if any(c.after == v for c in j.executed)]
        cells = {(c.before, c.after): c.count for c in j.executed}
        out.append(Table(["judge label before", *runs],
                         [[label, *(num(cells.get((label, run), 0)) for run in runs)] for label in labels],
                         "Samples per judge label of the failing submission (rows) and the verdict its program "
                         "got when run on the problem's tests (columns).", numeric=[False, *(True for _ in runs)]))
    return out


# The executed verdicts in the matrix's column order (beam_jobs/verify/compare.py's VERDICTS).
EXEC_ORDER = ("pass", "wrong_answer", "runtime_error", "timeout", "memory_limit", "output_limit", "sandbox_error")


def _python_section(stats: ReportStats) -> list[Block]:
    p = stats.python
    out: list[Block] = [Heading("Python specifics")]
    out.append(Table(["source", "samples", "old code does not parse", "share", "analysed for edit kinds",
                      "no structural change"],
                     [[s, num(n), num(p.old_does_not_parse.get(s, 0)), pct(p.old_does_not_parse_share.get(s, 0.0)),
                       num(p.edit_kinds_analysed.get(s, 0)), num(p.no_structural_change.get(s, 0))]
                      for s, n in p.samples_by_source.items()],
                     "Old code that does not parse: syntax-error fixes. Edit kinds need both versions to parse.",
                     [False, True, True, True, True, True]))
    if p.edit_kinds_sample_rate < 1.0:
        out.append(Para(f"Edit kinds were computed on a seeded-hash sample of {pct(p.edit_kinds_sample_rate)} "
                        "of the samples; the shares are estimates."))
    if "edit_kinds" in stats.plots:
        out.append(Plot("edit_kinds", "Heatmap of AST node types changed, per source"))
    rows = [[k.kind, k.source, num(k.samples), pct(k.share)] for k in p.edit_kinds if k.source == "all"] or \
        [[k.kind, k.source, num(k.samples), pct(k.share)] for k in p.edit_kinds]
    if rows:
        out.append(Table(["node type", "source", "samples", "share of analysed"], rows[:25],
                         "The lowest changed construct of each fix, from a structural diff of the old and new AST.",
                         [False, False, True, True]))
    return out


def _tags_section(stats: ReportStats) -> list[Block]:
    t, by_source = stats.tags, stats.size.by_source
    rows = [[c.tag, c.source, num(c.samples), pct(c.share)] for c in t.counts] + [
        ["(no tag)", s, num(n), pct(n / by_source[s] if by_source.get(s) else 0)] for s, n in t.untagged.items()]
    out: list[Block] = [Heading("Tags")] if rows or t.dropped else []
    if rows:
        out.append(Table(["tag", "source", "samples", "share"], rows, "The `tags` column: what kind of change a "
                         "sample is (it can carry several); filter a training set on it.", [False, False, True, True]))
    if t.dropped:
        out.append(Para("Dropped at the filter stage for a tag (`filters.drop_tags`): "
                        + ", ".join(f"{code(tag)} {num(n)}" for tag, n in t.dropped.items()) + "."))
    return out


def _quality_section(stats: ReportStats) -> list[Block]:
    q = stats.quality
    out: list[Block] = [Heading("Is anything suspicious?")]
    exact, near = sum(q.exact_duplicates_removed.values()), sum(q.near_duplicates_removed.values())
    out.append(Table(["flag", "count", "detail"], [
        ["exact duplicates removed", num(exact), _pairs(q.exact_duplicates_removed)],
        ["near duplicates removed", num(near), _pairs(q.near_duplicates_removed)],
        ["duplicate clusters", num(q.duplicate_clusters), "clusters that lost at least one sample"],
        ["decontamination hits", num(sum(q.decontamination_hits.values())),
         _pairs(q.decontamination_hits) or "checked: " + (", ".join(q.benchmarks_checked) or "no benchmark")],
        ["secrets redacted or dropped", num(sum(q.secrets_findings.values())), _pairs(q.secrets_findings)],
    ], numeric=[False, True, False]))
    if q.largest_clusters:
        out.append(Table(["stage", "kept sample", "duplicates removed"],
                         [[cl.stage, cl.kept, num(cl.removed)] for cl in q.largest_clusters],
                         "Largest duplicate clusters.", [False, False, True]))
    if q.near_threshold:
        out.append(Table(["threshold", "value", "measure", "source", "samples within 10 %"],
                         [[t.name, num(t.threshold), t.measure, t.source, num(t.samples)] for t in q.near_threshold],
                         "Kept samples close to a filter bound, on the kept side: a small change of the bound "
                         "moves them.", [False, True, False, False, True]))
    return out


def _pairs(d: dict[str, int]) -> str:
    return ", ".join(f"{k} {num(v)}" for k, v in d.items())


def _examples_section(stats: ReportStats) -> list[Block]:
    out: list[Block] = [Heading("Examples"),
                        Para(f"A few samples per source, the smallest hashes of their ids under the seed "
                             f"{code(stats.corpus.example_seed)}: the same on every run.")]
    for source, examples in stats.examples.items():
        for e in examples:
            title = (f"{esc(source)} · {esc(e.group)} · {esc(e.license)} · +{e.lines_added} −{e.lines_removed} · "
                     f"{esc(e.id)}")
            out.append(Heading(title, 3))
            out.append(Para(esc(e.instruction.split("\n", 1)[0].strip())))
            out.append(Code(e.diff + ("\n… (diff cut)" if e.diff_truncated else ""), "diff"))
    return out


# ---------------------------------------------------------------------------------------- markdown

# Replaced by entities: raw HTML and autolinks (<), entities (&), table columns (|, which an entity
# hides from the table splitter where a backslash would depend on the renderer).
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;"}
# Backslash-escaped: escapes, code spans, emphasis, links and images ([ ]), strikethrough, headings.
_MD_BACKSLASH = set("\\`*[]~#")


def md_text(text: str) -> str:
    """Literal text as Markdown that renders as exactly that text: no link, image, raw HTML,
    emphasis, code span or table column can come out of it. An underscore between two letters or
    digits cannot start emphasis and stays as it is (`multi_file`, `pair_min_chars`)."""
    out = []
    for i, ch in enumerate(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch in _MD_BACKSLASH:
            out.append("\\" + ch)
        elif ch == "_":
            inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
            out.append("_" if inside else "\\_")
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _md_span(content: str) -> str:
    """A code span whose backtick string is longer than any run of backticks in `content`."""
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", content)), default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{ticks}{pad}{content}{pad}{ticks}"


def md_inline(text: str) -> str:
    """Block-language text as one line of Markdown."""
    out = []
    for kind, value in tokens(text):
        out.append("**" if kind == BOLD else _md_span(value) if kind == CODE else md_text(value))
    return "".join(out)


def _md_line_start(line: str) -> str:
    """A paragraph line that cannot open a list, a thematic break or a setext underline (the marks
    md_text leaves alone because they mean nothing inside a line), nor an indented code block."""
    line = line.lstrip(" \t")
    if line[:1] in ("-", "+", "="):
        return "\\" + line
    ordered = re.match(r"\d{1,9}(?=[.)])", line)
    return line[:ordered.end()] + "\\" + line[ordered.end():] if ordered else line


def md_fence(text: str) -> str:
    """A backtick fence longer than the longest run of backticks in `text` (3 at least), so no line
    of the diff can close it."""
    return "`" * max(3, max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)


def _md_cell(value: Any) -> str:
    """Table cells are plain text: escaped whole."""
    return md_text(str(value))


def render_markdown(stats: ReportStats, balance: dict[str, Any] | None = None) -> str:
    lines: list[str] = []
    for b in blocks(stats, balance):
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + md_inline(b.text), ""]
        elif isinstance(b, Para):
            lines += [("> " if b.css == "warn" else "") + _md_line_start(md_inline(b.text)), ""]
        elif isinstance(b, Table):
            if b.caption:
                lines += [_md_line_start(md_inline(b.caption)), ""]
            lines.append("| " + " | ".join(_md_cell(h) for h in b.head) + " |")
            lines.append("|" + "|".join("---:" if (b.numeric[i:i + 1] or [False])[0] else "---"
                                        for i in range(len(b.head))) + "|")
            lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in b.rows]
            lines.append("")
        elif isinstance(b, Plot):
            lines += [f"![{md_text(b.alt)}]({stats.plots[b.name]})", ""]
        elif isinstance(b, Figures):
            lines += ["| key figure | value |", "|---|---:|"]
            lines += [f"| {_md_cell(k)} | {_md_cell(v)} |" for k, v in b.items]
            lines.append("")
        elif isinstance(b, Code):
            fence = md_fence(b.text)
            lines += [fence + b.title, b.text, fence, ""]
    return "\n".join(lines).rstrip() + "\n"


# -------------------------------------------------------------------------------------------- html

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;margin:0;color:#1d2327;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:1.8em;margin:0 0 .4em}h2{margin-top:1.8em;border-bottom:2px solid #e3e6ea;padding-bottom:.2em}
h3{font-size:1.02em;margin:1.3em 0 .4em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em;width:100%}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{caption-side:top;text-align:left;color:#555;font-size:.95em;padding-bottom:4px}
figure{margin:1em 0}figure img{max-width:100%;height:auto}
pre{background:#f6f8fa;border:1px solid #e3e6ea;padding:8px 10px;overflow-x:auto;font-size:.85em;line-height:1.35}
.warn{background:#fff4e5;border-left:4px solid #e8a33d;padding:8px 12px}
.ok{background:#eaf6ee;border-left:4px solid #3b8e5a;padding:8px 12px}
.small{color:#666;font-size:.85em;margin-top:2.5em}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:1em 0}
.card{flex:1 1 120px;max-width:190px;border:1px solid #e3e6ea;border-radius:6px;padding:10px 12px;background:#fafbfc}
.card .v{font-size:1.45em;font-weight:600}.card .k{color:#555;font-size:.85em}
.add{color:#1a7f37}.del{color:#cf222e}.hunk{color:#6f42c1}
"""


def _inline(text: str) -> str:
    """Block-language text as HTML: every character escaped, **bold** and `code` as tags."""
    out, bold = [], False
    for kind, value in tokens(text):
        if kind == BOLD:
            out.append("</strong>" if bold else "<strong>")
            bold = not bold
        elif kind == CODE:
            out.append(f"<code>{html.escape(value, quote=True)}</code>")
        else:
            out.append(html.escape(value, quote=True))
    if bold:
        out.append("</strong>")
    return "".join(out)


def _diff_html(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        css = ("add" if line.startswith("+") and not line.startswith("+++")
               else "del" if line.startswith("-") and not line.startswith("---")
               else "hunk" if line.startswith("@@") else "")
        escaped = html.escape(line, quote=True)
        lines.append(f'<span class="{css}">{escaped}</span>' if css else escaped)
    return "\n".join(lines)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_html(stats: ReportStats, plots: dict[str, str], balance: dict[str, Any] | None = None) -> str:
    """One self-contained XHTML-compatible page: every tag closed, so an XML parser reads it too."""
    body: list[str] = []
    for b in blocks(stats, balance):
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            css = f' class="{b.css}"' if b.css else ""
            body.append(f"<p{css}>{_inline(b.text)}</p>")
        elif isinstance(b, Table):
            numeric = b.numeric + [False] * (len(b.head) - len(b.numeric))
            parts = ["<table>"]
            if b.caption:
                parts.append(f"<caption>{_inline(b.caption)}</caption>")
            cls = ['' if not n else ' class="n"' for n in numeric]
            parts.append("<thead><tr>" + "".join(f"<th{cls[i]}>{html.escape(str(h), quote=True)}</th>"
                                                 for i, h in enumerate(b.head)) + "</tr></thead><tbody>")
            for row in b.rows:
                parts.append("<tr>" + "".join(
                    f"<td{cls[i]}>{html.escape(str(v), quote=True)}</td>" for i, v in enumerate(row)) + "</tr>")
            parts.append("</tbody></table>")
            body.append("".join(parts))
        elif isinstance(b, Plot):
            if b.name in plots:
                body.append(f'<figure><img src="{svg_data_uri(plots[b.name])}" alt="{html.escape(b.alt)}" />'
                            "</figure>")
        elif isinstance(b, Figures):
            body.append('<div class="cards">' + "".join(
                f'<div class="card"><div class="v">{html.escape(v)}</div><div class="k">{html.escape(k)}</div></div>'
                for k, v in b.items) + "</div>")
        elif isinstance(b, Code):
            body.append(f"<pre>{_diff_html(b.text)}</pre>")
    title = "Corpus statistics report"
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8" />'
            '<meta name="viewport" content="width=device-width, initial-scale=1" />'
            f"<title>{title}</title><style>{CSS}</style></head>\n"
            "<body><main>\n" + "\n".join(body) + "\n</main></body></html>\n")
