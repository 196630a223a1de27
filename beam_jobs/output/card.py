"""The dataset card: the output folder's README.md, with the YAML header the Hugging Face Hub reads.

Everything in it comes from the run: the configs and data files from the shards actually written,
the licenses from the samples' license column, the filtering from the effective config, the funnel
from the stage counters. Nothing is hand-maintained, so the card cannot drift from the data.

The header declares one Hub config per folder (`default` for data/, one per rendered format, the
CommitPackFT export, and `rejects`), each with its data files per split, so `datasets.load_dataset(<folder>)`
and the Hub viewer need no loading script. A folder of source records (`--stop-after sources`) gets
the same: configs `commits`, `judge` and `rejects`. JSONL files are in no config (`shards.py`).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable

import yaml

from beam_jobs.output.shards import DEFAULT_CONFIG, TRAJECTORIES_CONFIG, data_files
from config.assembly import SPLITS, AssemblyConfig
from beam_jobs.verify.sandbox import BUBBLEWRAP, sandbox_identity, sandbox_problem
from schemas.commit import COMMIT_SCHEMA
from schemas.judge import JUDGE_SCHEMA
from schemas.sample import SAMPLE_SCHEMA
from schemas.trajectory import TRAJECTORY_SCHEMA

# License identifiers the Hub accepts in a card's `license` field that can occur here; any other key
# is listed as "other" in the header and named in the body.
HUB_LICENSES = frozenset({
    "apache-2.0", "mit", "afl-3.0", "artistic-2.0", "bsl-1.0", "bsd-2-clause", "bsd-3-clause",
    "bsd-3-clause-clear", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cdla-permissive-1.0", "cdla-permissive-2.0",
    "cdla-sharing-1.0", "ecl-2.0", "epl-1.0", "epl-2.0", "eupl-1.1", "agpl-3.0", "gpl-2.0", "gpl-3.0",
    "lgpl-2.1", "lgpl-3.0", "isc", "lppl-1.3c", "ms-pl", "mpl-2.0", "odbl", "osl-3.0", "postgresql", "ofl-1.1",
    "ncsa", "unlicense", "zlib", "wtfpl", "unknown",
})

LIMITATIONS = (
    "Licenses are those of the repository (detected from its license files) or of the judge dataset, "
    "not of each file; a file copied into a repository under another license keeps the repository's "
    "key unless its header says otherwise (`licenses.check_file_headers`).",
    "Forks are grouped by shared commits (fork families): a fork that shares no kept commit with its "
    "origin (a squashed or re-imported copy, or shared history the filters dropped) is a group of "
    "its own, and can reach "
    "another split; near deduplication catches only the copies of single fixes.",
    "Near deduplication compares code tokens; two fixes of unrelated code that happen to share most "
    "tokens can be merged, and copies rewritten beyond token-level edits are not found. MinHash is "
    "an estimate: a pair near the threshold can fall either side.",
    "Decontamination covers only the benchmarks listed below, by substring and n-gram overlap of code; "
    "paraphrased or translated solutions are not detected.",
    "Secrets and personal data are found by detect-secrets and patterns: keys of unknown formats, "
    "low-entropy passwords and names of people are not found. Report anything you see.",
    "Commit messages are instructions as the author wrote them; they can be vague, wrong or "
    "describe more than the one file shown.",
    "Judge samples have comments stripped, and their instruction is generated from a template.",
)


def _hub_licenses(licenses: Iterable[str]) -> list[str]:
    keys = sorted({k if k in HUB_LICENSES else "other" for k in licenses})
    return keys or ["unknown"]


def size_category(rows: int) -> str:
    bounds = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
              (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))
    for bound, name in bounds:
        if rows < bound:
            return name
    return "n>100M" if rows > 1_000_000_000 else "100M<n<1B"


REJECTS_CONFIG = "rejects"


def _split_order(split: str) -> tuple[int, str]:
    return (SPLITS.index(split) if split in SPLITS else len(SPLITS), split)


def _configs(entries: list[dict[str, Any]], default: str = DEFAULT_CONFIG) -> list[dict[str, Any]]:
    """One Hub config per config of the written files (JSONL aside), `default` first and marked so
    that `load_dataset(folder)` needs no name; a split's files are `<folder>/<split>-*.<ext>`, as
    SplitShards names them (the rejects' split is `rejects`, a source's records' its config name)."""
    files = data_files(e for e in entries if e.get("config") != "jsonl")
    configs = []
    order = [default] + sorted(c for c in files if c != default)
    for name in order:
        if name not in files:
            continue
        splits = []
        for split in sorted(files[name], key=_split_order):
            paths = files[name][split]
            folder = paths[0].rsplit("/", 1)[0]
            ext = paths[0].rsplit(".", 1)[-1]
            splits.append({"split": split, "path": f"{folder}/{split}-*.{ext}"})
        entry: dict[str, Any] = {"config_name": name, "data_files": splits}
        if name == default:
            entry["default"] = True
        configs.append(entry)
    return configs


def card_header(entries: list[dict[str, Any]], stats: dict[str, Any], title: str) -> dict[str, Any]:
    rows = sum(stats.get("sources", {}).values())
    header: dict[str, Any] = {
        "pretty_name": title,
        "license": _hub_licenses(stats.get("licenses", {})),
        "language": ["en", "code"],
        "task_categories": ["text-generation"],
        "tags": ["code", "code-repair", "program-repair", "commits"],
        "size_categories": [size_category(rows)],
        "configs": _configs(entries),
    }
    return header


def _table(head: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# What each tag of the `tags` column means (filters/tags.py; `redacted`: assembly's secrets stage).
TAG_MEANINGS = {
    "test_file": "the file is a test (under `tests/` or `test/`, or `test_*.py`, `*_test.py`, `conftest.py`)",
    "docs_only": "only docstrings or comments changed",
    "comment_only": "only comments changed",
    "formatting_only": "the same syntax tree: only layout, quotes or line breaks changed",
    "version_bump": "only a version string changed",
    "syntax_error_before": "the code before does not parse (a syntax-error fix)",
    "syntax_error_after": "the code after does not parse",
    "redacted": "a secret or personal datum in the sample was replaced by a placeholder",
}


def _tags_lines(tags: dict[str, dict[str, int]], counts: dict[str, dict[str, int]],
                config: dict[str, Any]) -> list[str]:
    """The card's Tags section: samples per tag and source, and what was dropped for a tag."""
    order = list(TAG_MEANINGS)
    rows = [(f"`{tag}`", per.get("commit", 0), per.get("judge", 0), sum(per.values()), TAG_MEANINGS.get(tag, ""))
            for tag, per in sorted(tags.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order),
                                                                 kv[0]))]
    dropped: dict[str, int] = {}
    for stage, c in counts.items():
        for reason, n in c.items():
            if stage.endswith(".filters") and reason.startswith("tag_"):
                dropped[reason[4:]] = dropped.get(reason[4:], 0) + n
    out = ["### Tags", "",
           "The `tags` column says what kind of change a sample is; a sample can carry several, or none. "
           "Filter on it to choose what a model trains on; `edit_kinds` lists the AST node types the change touches."]
    out += ["", _table(("tag", "commit", "judge", "total", "meaning"), rows) if rows else "No sample carries a tag."]
    drop = (config.get("filters") or {}).get("drop_tags")
    if drop is not None:
        gone = ", ".join(f"`{tag}` {dropped.get(tag, 0)}" for tag in drop) or "none"
        out += ["", f"Dropped before assembly for a tag (`filters.drop_tags`): {gone}."]
    return out + [""]


def _config_lines(section: Any, prefix: str) -> list[str]:
    if dataclasses.is_dataclass(section):
        section = dataclasses.asdict(section)
    lines = []
    for key, value in section.items():
        if isinstance(value, dict) and key not in ("benchmarks", "licenses"):
            lines += _config_lines(value, f"{prefix}{key}.")
        else:
            text = repr(value) if not isinstance(value, str) else value.replace("\n", "\\n")
            if len(text) > 120:
                text = text[:117] + "..."
            lines.append(f"- `{prefix}{key}`: `{text}`")
    return lines


def render_card(*, entries: list[dict[str, Any]], stats: dict[str, Any], counts: dict[str, dict[str, int]],
                config: dict[str, Any], assembly: AssemblyConfig, balance: dict[str, Any] | None = None,
                lsh: tuple[int, int] = (0, 0),
                findings: dict[str, int] | None = None,
                benchmarks: dict[str, dict[str, Any]] | None = None, packages: dict[str, str] | None = None,
                title: str = "repairpack code-repair corpus") -> str:
    """The README.md text. `entries`: the manifest's shard entries (the rejects' too: their config);
    `stats`: AssembleCorpus's stats; `balance`: assembly.splits.split_balance (achieved shares, warnings);
    `counts`: accounting.stage_counts; `config`: the full effective config as a dict; `lsh`: the bands
    and rows near dedup used (the pipeline asks assembly; the card only reports them)."""
    header = card_header(entries, stats, title)
    out = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", "", f"# {title}", ""]
    sources = stats.get("sources", {})
    total = sum(sources.values())
    out += [
        "Pairs of Python code before and after a fix, each with a natural-language instruction, built by "
        "repairpack from git commits (single-file changes in permissively licensed "
        "repositories, as in CommitPack) and from online-judge fix sequences (a failing submission and the "
        "accepted one after it).",
        "",
        f"{total} samples.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "ds = load_dataset(\"parquet\", data_dir=\"data\")          # the raw columns, splits by file name",
        "ds = load_dataset(\"<this folder or repo>\", \"default\")    # or any config listed in the header",
        "rejects = load_dataset(\"<this folder or repo>\", \"rejects\", split=\"rejects\")  # every dropped record",
        "```",
        "",
        "## Contents",
        "",
    ]
    split_rows = []
    for split in SPLITS:
        per_source = stats.get("splits", {}).get(split, {})
        if per_source:
            split_rows.append((split, per_source.get("commit", 0), per_source.get("judge", 0), sum(per_source.values())))
    out += [_table(("split", "commit", "judge", "total"), split_rows), ""]
    out += _balance_lines(balance, assembly)
    configs = header["configs"]
    out += ["Configs: " + ", ".join(f"`{c['config_name']}`" for c in configs) + ".", ""]
    out += ["### Fields (config `default`)", ""]
    out += [_table(("field", "type"), ((f.name, str(f.type)) for f in SAMPLE_SCHEMA)), ""]
    out += ["Commit columns (`commit`, `parent`, `repos`, `committer_time`) are null on judge rows; judge columns "
            "(`dataset` ... `submission_sequence`) are null on commit rows. `group` is the repository (its fork "
            "family's smallest name) or `dataset/problem`; no group is in two splits.", ""]
    out += _tags_lines(stats.get("tags", {}), counts, config)
    out += trajectory_lines(entries)

    out += ["## Licenses", ""]
    lic = stats.get("licenses", {})
    out += [_table(("license", "samples"), sorted(lic.items(), key=lambda kv: (-kv[1], kv[0]))), ""]
    unlisted = sorted(k for k in lic if k not in HUB_LICENSES)
    if unlisted:
        out += [f"Listed as `other` in the header: {', '.join(unlisted)}.", ""]
    out += ["Each sample carries its `license`. Redistributing a sample means honouring that license "
            "(attribution: `repos` and `commit` lead to the source).", ""]

    out += ["## How it was built", ""]
    out += ["### Record sources and filters", ""]
    out += [f"- preset: `{config.get('preset', '')}`"]
    for section in ("git", "filters", "licenses", "judge"):
        if section in config and isinstance(config[section], dict):
            out += _config_lines(config[section], f"{section}.")
    out += [""]
    out += _verification_lines(config, sources.get("judge", 0), stats.get("judge", {}))
    nd = assembly.near_dedup
    bands, rows = lsh if nd.enabled else (0, 0)
    out += ["### Assembly", ""]
    out += [f"- Exact deduplication: {'on' if assembly.exact_dedup else 'off'} (line-end whitespace and final "
            "newlines ignored; survivor: permissive license, then earliest time, then smallest id)."]
    if nd.enabled:
        out += [f"- Near deduplication: MinHash LSH ({nd.engine}), {nd.num_perm} permutations, {nd.ngram}-gram "
                f"code-token shingles, Jaccard {nd.threshold}, {bands} bands x {rows} rows"
                + (f", changed lines Jaccard {nd.change_threshold}" if nd.change_threshold is not None else "")
                + "; clusters by connected components, one survivor each."]
    else:
        out += ["- Near deduplication: off."]
    dc = assembly.decontamination
    if dc.enabled:
        names = sorted((benchmarks or {}).keys())
        out += [f"- Decontamination against {', '.join(names) or 'no benchmark'}: normalised substring and "
                f"{dc.ngram}-gram overlap (share {dc.ngram_min_share}); needles under {dc.min_needle_lines} "
                f"lines or {dc.min_needle_chars} characters dropped."]
        if benchmarks:
            out += ["", _table(("benchmark", "rows", "needles", "sha256"),
                               ((n, b.get("rows", ""), b.get("needles", ""), str(b.get("sha256", ""))[:16])
                                for n, b in sorted(benchmarks.items()))), ""]
    else:
        out += ["- Decontamination: off."]
    sc = assembly.secrets
    found = ", ".join(f"{k}: {v}" for k, v in sorted((findings or {}).items())) or "none counted"
    out += [f"- Secrets and personal data: mode `{sc.mode}` (detect-secrets for keys; patterns for emails and "
            f"IP addresses). {redaction_sentence(sc.mode, 'sample')} Findings: {found}."]
    sp = assembly.splits
    forks = ("commit groups are fork families (repositories that share a commit), named by their "
             "smallest repository" if sp.group_forks else "commit groups are the first repository of each commit")
    out += [f"- Splits by a hash of `group` with salt `{sp.salt}`: train {sp.train}, validation "
            f"{sp.validation}, test {sp.test} of the groups; {forks}.", ""]

    out += ["### Funnel", ""]
    funnel = []
    for stage, c in sorted(counts.items()):
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
                            if r not in ("in", "kept"))
        funnel.append((stage, c.get("in", 0), c.get("kept", 0), reasons or "-"))
    out += [_table(("stage", "in", "kept", "dropped (reason count)"), funnel), ""]

    out += ["## Known limitations", ""]
    out += [f"- {text}" for text in LIMITATIONS]
    out += [""]
    if packages:
        out += ["## Versions", "", ", ".join(f"{k} {v}" for k, v in sorted(packages.items())), ""]
    return "\n".join(out)


def _verification_lines(config: dict[str, Any], judge_samples: int, counted: dict[str, int]) -> list[str]:
    """judge.verify on the card: the mode, the sandbox that ran the programs (bubblewrap, or the weaker
    mode the user named, which a reader must know), how many judge samples are verified and how many
    carry a problem statement. Nothing for a corpus without judge samples."""
    if not judge_samples:
        return []
    verify = ((config.get("judge") or {}).get("verify") or {}) if isinstance(config.get("judge"), dict) else {}
    mode = str(verify.get("mode", "off"))
    out = ["### Verification of judge pairs", ""]
    if mode in ("off", "False"):
        return out + ["- `judge.verify.mode`: `off`: the judge's labels are trusted; no submission was run.", ""]
    sandbox = BUBBLEWRAP if sandbox_problem() is None else str(verify.get("weak_sandbox") or "none")
    weaker = "" if sandbox == BUBBLEWRAP else " (a weaker mode, named by the user: no namespaces, no seccomp filter)"
    kept = "only pairs the tests confirm are kept" if mode == "require" else "every pair kept, with its verdicts"
    # The workers choose the mode by the same rule (verify.policy.choose_mode); the identity is this
    # machine's, which on a managed runner is the image the workers run.
    out += [f"- `judge.verify.mode`: `{mode}` ({kept}).",
            f"- Sandbox: `{sandbox}`{weaker}; programs ran as {sandbox_identity()}.",
            f"- Verified judge samples (`verified`): {counted.get('verified', 0)} of {judge_samples}.",
            f"- Judge samples with a problem statement (`problem_statement`): {counted.get('statement', 0)} of "
            f"{judge_samples}.", ""]
    return out


def _balance_lines(balance: dict[str, Any] | None, assembly: AssemblyConfig) -> list[str]:
    """The configured fractions beside the achieved ones (of groups and of samples), and a warning
    for each split that is empty or far from its fraction."""
    if not balance or not balance.get("groups"):
        return []
    rows = [(split, f"{s['fraction']:.1%}", f"{s['groups']:,}", f"{s['group_share']:.1%}", f"{s['samples']:,}",
             f"{s['sample_share']:.1%}") for split, s in balance.get("splits", {}).items()]
    out = [f"Splits are drawn by group: {balance['groups']:,} groups (repositories or fork families, and "
           f"judge problems) with salt `{assembly.splits.salt}`. Configured fractions of the groups, and what "
           "this corpus got:", "",
           _table(("split", "configured", "groups", "share of groups", "samples", "share of samples"), rows), ""]
    for warning in balance.get("warnings", []):
        out += [f"> **Warning:** {warning}", ""]
    return out


def parse_header(card: str) -> dict[str, Any]:
    """The YAML header of a card (what the Hub reads); raises ValueError when there is none."""
    if not card.startswith("---\n"):
        raise ValueError("the card has no YAML header")
    end = card.index("\n---\n", 4)
    return yaml.safe_load(card[4:end])


_SOURCE_SCHEMAS = {"commits": COMMIT_SCHEMA, "judge": JUDGE_SCHEMA, TRAJECTORIES_CONFIG: TRAJECTORY_SCHEMA}


def trajectory_lines(entries: list[dict[str, Any]]) -> list[str]:
    """The `trajectories` config on the card, when the run wrote it (output.trajectories): what a row
    is, how many per split, and its fields. Nothing otherwise."""
    rows: dict[str, int] = {}
    for e in entries:
        if e.get("config") == TRAJECTORIES_CONFIG:
            rows[e["split"]] = rows.get(e["split"], 0) + e["rows"]
    if not rows:
        return []
    counted = ", ".join(f"{split} {n}" for split, n in sorted(rows.items(), key=lambda kv: _split_order(kv[0])))
    return ["### Fix trajectories (config `trajectories`)", "",
            "One row per (dataset, problem, user) whose submissions gave at least one judge pair: `attempts` lists "
            "them in time order up to and including the first Accepted (repeats of the same code dropped, as "
            "for the pairs, whose `submission_sequence` it matches), each with its code as the pairs carry "
            "it, the judge's `verdict`, the executed verdict (`exec_verdict`, null unless `judge.verify` ran it) "
            "and the unified `diff` from the attempt before (empty for the first). `group` is the pairs' group, "
            "so a trajectory is in the split of its pairs; a trajectory is kept when assembly drops one of its "
            f"pairs as a duplicate. Rows: {counted}.", "",
            _table(("field", "type"), ((f.name, str(f.type)) for f in TRAJECTORY_SCHEMA)), ""]


def redaction_sentence(mode: str, row: str) -> str:
    """What is redacted in the rows (`row`: "sample" or "record") under `assembly.secrets.mode`."""
    if mode == "redact":
        return (f"Redacted in every {row}'s code, subject, message and instruction: keys and tokens, email "
                "addresses and public IP addresses are replaced by `<KEY>`, `<EMAIL>`, `<IP_ADDRESS>`, inside "
                "their string literal or comment, the same way before and after; names are not secrets (a "
                "`password` key, parameter or variable stays), nor are documentation domains, private addresses "
                f"or URL logins such as `user:pass@host`. A redacted {row} carries the tag `redacted`; one whose "
                "code would no longer parse is dropped (`redaction_breaks_syntax`).")
    if mode == "drop":
        return f"A {row} holding a key, an email address or a public IP address is dropped, not published."
    return "Nothing is redacted (`assembly.secrets.mode: off`)."


def render_sources_card(*, entries: list[dict[str, Any]], counts: dict[str, dict[str, int]],
                        config: dict[str, Any], packages: dict[str, str] | None = None) -> str:
    """The README.md of a run that stopped after its sources: these records are not a corpus yet (no
    dedup, decontamination or splits), and the card says how to make one of them."""
    rows: dict[str, int] = {}
    for e in entries:
        if e["config"] not in (REJECTS_CONFIG, "jsonl"):
            rows[e["config"]] = rows.get(e["config"], 0) + e["rows"]
    default = next((name for name in _SOURCE_SCHEMAS if name in rows), REJECTS_CONFIG)
    header = {"pretty_name": "repairpack source records", "language": ["en", "code"],
              "tags": ["code", "code-repair", "program-repair", "commits"],
              "size_categories": [size_category(sum(rows.values()))], "configs": _configs(entries, default)}
    out = ["---", yaml.safe_dump(header, sort_keys=False, allow_unicode=True).rstrip(), "---", "",
           "# repairpack source records", "",
           "The records of each source after its own stages (mining or reading, and the filters of preset "
           f"`{config.get('preset', '')}`), before assembly: not deduplicated, not decontaminated, no splits. "
           "Build a corpus from them, as often as wanted, with:", "",
           "```", "python run_pipeline.py --from-shards '<this folder>/data/*.parquet' --output corpus", "```", "",
           "Or read them with `datasets`: `load_dataset(\"<this folder>\", \"commits\")` (or `judge`, or "
           "`rejects`); each config has one split, named like it.", "",
           _sources_redaction(config), "",
           "## Contents", "",
           _table(("config", "files", "records"),
                  ((name, f"`data/{name}-*.parquet`", rows[name]) for name in sorted(rows))), ""]
    for name in sorted(rows):
        schema = _SOURCE_SCHEMAS.get(name)
        if schema is not None:
            out += [f"### Fields (`{name}`)", "", _table(("field", "type"), ((f.name, str(f.type)) for f in schema)), ""]
    out += ["## Stage counts", "",
            _table(("stage", "in", "kept", "rejected"),
                   ((stage, c.get("in", 0), c.get("kept", 0), c.get("in", 0) - c.get("kept", 0))
                    for stage, c in sorted(counts.items()))), "",
            "Every rejected record is in `rejects/` with its stage and reason; `manifest.json` has the counts "
            "per reason, the config and the package versions."]
    if packages:
        out += ["", "Built with " + ", ".join(f"{k} {v}" for k, v in sorted(packages.items())) + "."]
    return "\n".join(out) + "\n"


def _sources_redaction(config: dict[str, Any]) -> str:
    assembly = config.get("assembly") or {}
    if assembly.get("enabled", True) is False:
        return "Nothing is redacted: assembly is off (`assembly.enabled: false`), so these are the records as mined."
    return redaction_sentence(str((assembly.get("secrets") or {}).get("mode", "redact")), "record")
