"""The shape of `stats.json`, the statistics report's machine-readable output: declared once, here.

The report job fills these dataclasses, `report_render` draws report.md and report.html from them, and
docs/report.md is generated from the field docs below (`schema_markdown`), so dashboards, the pages
and the documentation cannot disagree about what a number means. Bump STATS_VERSION when a field
changes meaning or is removed; adding a field does not need a bump.

Conventions: counts are ints, shares are fractions in [0, 1] rounded to 6 places, lengths count
characters (Unicode code points) or lines, sizes count bytes of UTF-8. Lists are sorted so that the
file is byte-identical for the same corpus.
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any

STATS_VERSION = "repairpack-report-stats/1"
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)


def doc(text: str, **kwargs: Any) -> Any:
    """A dataclass field with its documentation attached, for docs/report.md."""
    return field(metadata={"doc": text}, **kwargs)


@dataclass
class Histogram:
    edges: list[float] = doc("bin edges; bin i holds edges[i] <= v < edges[i+1], the last bin is open-ended")
    counts: list[int] = doc("samples per bin (len(edges) bins: the last counts v >= edges[-1])")


@dataclass
class Distribution:
    unit: str = doc("what the values count: `lines`, `characters`, `words`, `hunks`, `share`, `submissions`")
    count: int = doc("values seen")
    min: float = doc("smallest value (0 when count is 0)")
    max: float = doc("largest value (0 when count is 0)")
    mean: float = doc("exact mean (0 when count is 0)")
    quantiles: dict[str, float] = doc(
        "`p10`, `p25`, `p50`, `p75`, `p90`, `p99` from a mergeable sketch: exact for integers below "
        "1,024, within 0.5 % relative error above; shares are exact to 0.001")
    histogram: Histogram = doc("fixed bins, the same for every corpus, so that reports compare")
    log_scale: bool = doc("whether the plot uses a log x axis (heavy-tailed values)")


@dataclass
class ReasonCount:
    reason: str = doc("the reject reason, as in manifest.json and rejects/")
    count: int = doc("records dropped for it")
    share_of_stage: float = doc("count / the stage's `in`")


@dataclass
class RuleFailures:
    reason: str = doc("a rule of a filter stage, by the reason it rejects with")
    failed: int = doc("records that fail it, whether or not an earlier rule dropped them first (manifest `also_failed`)")
    first: int = doc("records it dropped: it was their first failing rule (the stage's `reasons`)")
    only: int = doc("records that fail it and no other rule (manifest `only_failed`): what relaxing it alone would keep")
    share_of_stage: float = doc("failed / the stage's `in`")


@dataclass
class FunnelStage:
    stage: str = doc("`<source>.<step>`, in flow order (accounting.FLOW_ORDER)")
    source: str = doc("`git`, `judge` or `assembly`")
    incoming: int = doc("records in (manifest `in`)")
    kept: int = doc("records kept (manifest `kept`)")
    rejected: int = doc("records dropped: the sum of `reasons`")
    kept_share: float = doc("kept / incoming")
    reasons: list[ReasonCount] = doc("every drop reason, largest first")
    rejected_by_sample_source: dict[str, int] = doc(
        "drops found in rejects/ by the rejected record's `source` column (`git`, `judge`, `commit`): "
        "splits the assembly stages, which the manifest counts for both sources together")
    also_failed: list[RuleFailures] = doc(
        "filter stages: every rule the records fail, most failed first, so the rule that binds shows even "
        "when another rule is counted first; empty for other stages and for manifests without `also_failed`")


@dataclass
class ReconciliationCheck:
    name: str = doc("what is compared, e.g. `git.filters/message_too_short rejects` or `samples`")
    expected: int = doc("the number in manifest.json")
    actual: int = doc("the number counted by the report job in the Parquet files")
    ok: bool = doc("expected == actual")


@dataclass
class Funnel:
    stages: list[FunnelStage] = doc("every stage of manifest.json `counts`")
    reconciled: bool = doc("every check below holds: the shards and rejects are exactly what the manifest says")
    checks: list[ReconciliationCheck] = doc(
        "per stage and reason: rejects rows vs manifest; per split: corpus rows vs manifest `rows`; "
        "samples vs the last stage's `kept`; per stage: in = kept + rejected; per filter stage with "
        "`also_failed`: failed >= first >= only for every rule")


@dataclass
class SizeRow:
    source: str = doc("`commit` or `judge`")
    split: str = doc("`train`, `validation` or `test`")
    license: str = doc("GitHub license key, or the judge dataset's")
    samples: int = doc("samples")
    code_bytes: int = doc("UTF-8 bytes of old + new contents")


@dataclass
class FileRow:
    split: str = doc("split, or `rejects`")
    files: int = doc("Parquet files")
    bytes: int = doc("bytes on disk")
    rows: int = doc("rows in the files' Parquet footers")


@dataclass
class TopEntry:
    name: str = doc("repository (`owner/name`), problem (`dataset/problem`) or word")
    samples: int = doc("samples it contributes")
    share: float = doc("samples / all samples of the source")


@dataclass
class TopList:
    source: str = doc("`commit` or `judge`; for first words also `all`, counted over every sample like a source")
    distinct: int = doc("how many different names (exact, `all` too: a name of both sources counts once)")
    total: int = doc("samples counted")
    largest_share: float = doc("share of the largest one (0 when empty)")
    entries: list[TopEntry] = doc("the largest, most samples first, ties by name")


@dataclass
class Size:
    samples: int = doc("samples in data/, every split")
    by_source: dict[str, int] = doc("samples per source")
    by_split: dict[str, int] = doc("samples per split")
    by_license: dict[str, int] = doc("samples per license key")
    code_bytes: int = doc("UTF-8 bytes of old + new contents, all samples")
    rows: list[SizeRow] = doc("samples and bytes per (source, split, license)")
    files: list[FileRow] = doc("Parquet files per split, and the rejects")
    top_groups: list[TopList] = doc("per source, the top repositories (commits) or problems (judge)")


@dataclass
class Shape:
    source: str = doc("`commit`, `judge` or `all`")
    old_lines: Distribution = doc("lines of the code before the fix")
    new_lines: Distribution = doc("lines of the code after")
    old_chars: Distribution = doc("characters before")
    new_chars: Distribution = doc("characters after")
    lines_added: Distribution = doc("the diff's added lines")
    lines_removed: Distribution = doc("the diff's removed lines")
    hunks: Distribution = doc("the diff's hunks")
    change_share: Distribution = doc(
        "lines removed + added over all lines of both versions (filters.python.change_share): "
        "the share of the file the fix rewrites")


@dataclass
class Instructions:
    source: str = doc("`commit`, `judge` or `all`")
    chars: Distribution = doc("instruction length in characters")
    words: Distribution = doc("instruction length in whitespace-separated words")
    first_words: TopList = doc("the most frequent first words, lower-cased, punctuation stripped (the verbs)")
    message_langs: dict[str, int] = doc("samples per `message_lang` (langdetect code; empty string: not detected)")


@dataclass
class VerdictCell:
    before: str = doc("verdict of the failing submission")
    after: str = doc("verdict of the fixing submission (`AC` for pairs that end accepted)")
    count: int = doc("samples")


@dataclass
class Judge:
    samples: int = doc("judge samples")
    verdicts: list[str] = doc("every verdict seen, most frequent first: the heatmap's axes")
    transitions: list[VerdictCell] = doc("samples per (verdict before, verdict after), largest first")
    trajectories: int = doc("distinct (dataset, problem, user) sequences behind the samples")
    sequence_length: Distribution = doc("submissions per trajectory, up to the first accepted")
    attempts_before_accepted: Distribution = doc("failing submissions before the first accepted, per trajectory")
    problems: int = doc("distinct problems")
    problem_acceptance_rate: Distribution = doc(
        "per problem: accepted / judged verdicts over the corpus's trajectories of it (the judge.problem "
        "stage saw every submission; this is what the kept users needed)")
    executed: list[VerdictCell] = doc(
        "judge.verify: samples per (judge's verdict before, executed verdict of the before program), over the "
        "samples that were executed, largest first; `after` holds the executed verdict (pass, wrong_answer, "
        "runtime_error, timeout, memory_limit, output_limit, sandbox_error)", default_factory=list)
    verified: int = doc("judge samples whose before fails a test and whose after passes them all", default=0)
    with_statement: int = doc("judge samples with a `problem_statement`", default=0)


@dataclass
class EditKind:
    kind: str = doc("an AST node type the change touches (`Call`, `Compare`, `If`, ...)")
    source: str = doc("`commit`, `judge` or `all`")
    samples: int = doc("analysed samples whose change touches it")
    share: float = doc("samples / analysed samples of the source")


@dataclass
class TagCount:
    tag: str = doc("a tag of the `tags` column (`test_file`, `docs_only`, `comment_only`, `formatting_only`, "
                   "`version_bump`, `syntax_error_before`, `syntax_error_after`, `redacted`)")
    source: str = doc("`commit`, `judge` or `all`")
    samples: int = doc("samples carrying it")
    share: float = doc("samples / all samples of the source")


@dataclass
class Tags:
    counts: list[TagCount] = doc("per source (and `all` when there are several), most frequent first")
    untagged: dict[str, int] = doc("per source, samples without any tag")
    dropped: dict[str, int] = doc(
        "per tag, records the filter stages dropped for it (reasons `tag_<tag>`, `filters.drop_tags`), from the manifest")


@dataclass
class Python:
    samples_by_source: dict[str, int] = doc("samples per source")
    old_does_not_parse: dict[str, int] = doc("per source, samples whose old code does not parse (`old_parses` false): syntax fixes")
    old_does_not_parse_share: dict[str, float] = doc("the same over the source's samples")
    python_major: dict[str, int] = doc("samples per `python_major` (\"2\" or \"3\")")
    edit_kinds_sample_rate: float = doc(
        "share of the samples without an `edit_kinds` column value that are parsed for edit kinds, chosen "
        "by a seeded hash of the id (1.0: all of them; large corpora are sampled to a fixed budget, so "
        "shares are estimates). Samples whose `edit_kinds` and `tags` the build filled are all counted")
    edit_kinds_from_column: dict[str, int] = doc(
        "per source, analysed samples whose kinds come from the `edit_kinds` column (filled at the filter stage), "
        "not from parsing in the report")
    edit_kinds_analysed: dict[str, int] = doc("per source, samples analysed (both versions parse)")
    no_structural_change: dict[str, int] = doc("per source, analysed samples whose two ASTs are equal (comments, formatting)")
    edit_kinds: list[EditKind] = doc(
        "the lowest changed construct of each change, from a structural diff of the two ASTs, "
        "per source; a sample counts once per kind")


@dataclass
class Cluster:
    stage: str = doc("`assembly.exact_dedup` or `assembly.near_dedup`")
    kept: str = doc("id of the sample kept")
    removed: int = doc("samples removed as its duplicates")


@dataclass
class NearThreshold:
    name: str = doc("the config key, e.g. `filters.pair_min_chars`")
    source: str = doc("the samples it applies to: `commit` (the commit filters) or `judge`")
    threshold: float = doc("its value in the manifest's config")
    measure: str = doc("what is compared with it")
    margin: float = doc("the band: within this relative distance of the threshold, on the kept side")
    samples: int = doc("samples in the band")


@dataclass
class Quality:
    exact_duplicates_removed: dict[str, int] = doc("per sample source, from rejects/")
    near_duplicates_removed: dict[str, int] = doc("per sample source, from rejects/")
    duplicate_clusters: int = doc("clusters that lost at least one sample, both stages")
    largest_clusters: list[Cluster] = doc("the largest duplicate clusters, largest first")
    decontamination_hits: dict[str, int] = doc("per benchmark, samples removed (reason `benchmark_<name>`)")
    benchmarks_checked: list[str] = doc("the benchmarks decontamination ran against (manifest `benchmarks`)")
    secrets_findings: dict[str, int] = doc("redacted or dropped secrets by kind (manifest `secrets_findings`)")
    near_threshold: list[NearThreshold] = doc("kept samples close to a filter threshold, per threshold set in the build's config")


@dataclass
class Example:
    id: str = doc("sample id")
    source: str = doc("`commit` or `judge`")
    group: str = doc("repository or problem")
    license: str = doc("license key")
    instruction: str = doc("the instruction, at most 500 characters")
    diff: str = doc("the unified diff, at most 60 lines")
    diff_truncated: bool = doc("whether lines were cut")
    lines_added: int = doc("added lines")
    lines_removed: int = doc("removed lines")


@dataclass
class CorpusInfo:
    samples: int = doc("samples in data/")
    rejects: int = doc("rows in rejects/")
    empty: bool = doc("no samples at all: the report says so and draws no plot")
    tiny: bool = doc("fewer than 50 samples: distributions are shown but mean little")
    manifest_format: str = doc("manifest.json `format`")
    preset: str = doc("the config preset of the build")
    example_seed: str = doc("seed of the example choice: the smallest seeded hashes of the ids")


@dataclass
class SplitShare:
    split: str = doc("`train`, `validation` or `test`")
    fraction: float = doc("the configured fraction of the groups (`assembly.splits`)")
    groups: int = doc("groups (repositories or fork families, judge problems) in the split")
    group_share: float = doc("groups / all groups")
    samples: int = doc("samples in the split")
    sample_share: float = doc("samples / all samples")


@dataclass
class SplitBalance:
    groups: int = doc("groups in the corpus: what the splits divide (0 when the manifest has no `split_balance`)")
    splits: list[SplitShare] = doc("configured against achieved, per split")
    warnings: list[str] = doc(
        "one sentence per split that is empty, or whose share of groups or of samples differs from its "
        "fraction by more than half of it, saying why (manifest `split_balance`)")


@dataclass
class ReportStats:
    version: str = doc(f"`{STATS_VERSION}`")
    corpus: CorpusInfo = doc("what was read")
    funnel: Funnel = doc("records at each stage and each drop reason, reconciled with manifest.json")
    size: Size = doc("how big, and from where")
    splits: SplitBalance = doc("whether each split got its configured share of groups and samples")
    shape: list[Shape] = doc("what the repairs look like, per source and `all`")
    instructions: list[Instructions] = doc("instruction lengths, verbs and languages, per source and `all`")
    judge: Judge = doc("online-judge data (zeros on a commit-only corpus)")
    python: Python = doc("syntax fixes and edit kinds")
    tags: Tags = doc("samples per tag (the `tags` column), and records dropped for a tag")
    quality: Quality = doc("what deduplication, decontamination and secrets found, and what sits near a threshold")
    examples: dict[str, list[Example]] = doc("a few samples per source, chosen by a seeded hash")
    plots: dict[str, str] = doc("plot name -> file under `report_plots/` (absent when there is nothing to draw)")


def to_json(stats: ReportStats) -> dict[str, Any]:
    """Plain JSON values in declaration order (dataclasses.asdict keeps it)."""
    return dataclasses.asdict(stats)


def _nested(tp: Any) -> type | None:
    """The dataclass inside a field type (`Shape`, `list[Shape]`, `dict[str, list[Example]]`), if any."""
    if dataclasses.is_dataclass(tp):
        return tp
    for arg in typing.get_args(tp):
        found = _nested(arg)
        if found is not None:
            return found
    return None


def _type_name(tp: Any) -> str:
    if dataclasses.is_dataclass(tp):
        return tp.__name__
    origin = typing.get_origin(tp)
    if origin is None:
        return getattr(tp, "__name__", str(tp))
    args = ", ".join(_type_name(a) for a in typing.get_args(tp))
    return f"{origin.__name__}[{args}]"


def schema_markdown() -> str:
    """The stats.json schema as Markdown tables, one per object: docs/report.md embeds it verbatim."""
    lines: list[str] = []
    seen: set[type] = set()
    queue: list[type] = [ReportStats]
    while queue:
        cls = queue.pop(0)
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        lines += [f"### `{cls.__name__}`", "", "| field | type | meaning |", "|---|---|---|"]
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            text = f.metadata.get("doc", "").replace("|", "\\|")
            lines.append(f"| `{f.name}` | `{_type_name(tp)}` | {text} |")
            nested = _nested(tp)
            if nested is not None and nested not in seen:
                queue.append(nested)
        lines.append("")
    return "\n".join(lines)
