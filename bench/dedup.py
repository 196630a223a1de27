#!/usr/bin/env python3
"""Near-deduplication: the Beam stage against a plain single-process datasketch loop, same samples.

Generates `--samples` repair samples (default 200,000), of which `--dup-share` (default 10 %) are
planted near-duplicates: a copy of another sample with one identifier (used two or three times)
renamed throughout both versions and, each half the time, one number changed and a comment line added. Every other sample is unrelated code
(random identifiers from a 6,000-word vocabulary, 20 to 45 lines per version, a 1 to 3 line fix).
Then, side by side in one run:

- beam: `beam_jobs.assembly.dedup.NearDedup` (the assembly stage, default config: 256 permutations, 5-gram
  code-token shingles, Jaccard 0.7, 28 bands x 9 rows, changed-lines check, connected components)
  on the FnApiRunner, reading the samples from pickled chunks; time = pipeline.run() + wait;
- loop: the classic datasketch recipe in one process: for each sample, shingle (the same tokenizer
  and side-tagged 5-grams), `MinHash(num_perm=256).update_batch`, `MinHashLSH.query`; a sample with
  a candidate is a duplicate of it, otherwise it is inserted. Time = that loop.

Figures: samples per second; recall (planted copies that end up with their original, one kept) and
precision (drops whose kept sample is truly their original or copy). Targets: recall >= 0.95,
precision >= 0.99, beam no slower than the loop. Nothing asserts on timings.

    python bench/dedup.py                                   # 200,000 samples, rensa engine
    python bench/dedup.py --engine datasketch               # the stage with datasketch's MinHash
    python bench/dedup.py --beam-arg=--direct_num_workers=2 --beam-arg=--direct_running_mode=multi_processing
    python bench/dedup.py --samples 20000 --json figures.json
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import re
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GENERATOR_VERSION = 1
CHUNK = 5000

# ------------------------------------------------------------------------------------------ samples

_SYLLABLES = ["ka", "lo", "mi", "tr", "ex", "on", "ar", "ve", "sp", "ul", "qu", "in", "or", "de", "na", "ti",
              "fo", "ra", "cu", "be", "zo", "pe", "gr", "ch", "si", "wa", "ne", "ly", "bo", "xe"]


def _vocabulary(seed: int, size: int = 6000) -> list[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(["", "_x", "2", "s"]))
    return sorted(words)


_LINES = [
    "{a} = {b} + {n}", "{a} = {f}({b}, {c})", "{a} = [{b} for {b} in {c} if {b} > {n}]", "{a} += {b} * {n}",
    "if {a} > {b}:", "if not {a}:", "for {a} in range({b}):", "while {a} < {n}:", "{a}.append({b})",
    "{a} = {b}.get('{c}', {n})", "{a}, {b} = {b}, {a}", "{a} = {f}({b}) or {n}", "assert {a} >= {n}, '{c}'",
    "{a} = {b}[{n}:{c}]", "{a} = {{'{b}': {c}, '{f}': {n}}}", "print('{a}', {b})",
]


def _function(rng: random.Random, vocab: list[str]) -> list[str]:
    names = rng.sample(vocab, 9)
    params = names[1:3]
    local = names[3:7] + params
    lines = [f"def {names[0]}({params[0]}, {params[1]}={rng.randint(0, 9)}):"]
    indent = 1
    for _ in range(rng.randint(5, 12)):
        tpl = rng.choice(_LINES)
        text = tpl.format(a=rng.choice(local), b=rng.choice(local), c=rng.choice(local), f=rng.choice(names[7:]),
                          n=rng.randint(0, 99))
        lines.append("    " * indent + text)
        if text.endswith(":"):
            indent = min(indent + 1, 3)
        elif indent > 1 and rng.random() < 0.3:
            indent -= 1
    if lines[-1].endswith(":"):
        lines.append("    " * indent + "pass")
    lines.append(f"    return {rng.choice(local)}")
    return lines


def _module(rng: random.Random, vocab: list[str]) -> str:
    out: list[str] = [f"import {rng.choice(vocab)}", ""]
    for _ in range(rng.randint(2, 3)):
        out += _function(rng, vocab) + ["", ""]
    return "\n".join(out).rstrip() + "\n"


def _fix(rng: random.Random, old: str, vocab: list[str]) -> str:
    lines = old.split("\n")
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and not line.rstrip().endswith(":")]
    for i in rng.sample(body, min(len(body), rng.randint(1, 3))):
        line = lines[i]
        choice = rng.random()
        if choice < 0.4 and re.search(r"\d+", line):
            lines[i] = re.sub(r"\d+", lambda m: str(int(m.group(0)) + rng.randint(1, 9)), line, count=1)
        elif choice < 0.7:
            indent = line[:len(line) - len(line.lstrip())]
            lines.insert(i, f"{indent}if {rng.choice(vocab)} is None:\n{indent}    return None")
        else:
            lines[i] = line.replace(" + ", " - ", 1) if " + " in line else line + f"  # {rng.choice(vocab)}"
    return "\n".join(lines)


_VOCAB_SETS: dict[int, frozenset[str]] = {}


def _vocab_set(vocab: list[str]) -> frozenset[str]:
    key = id(vocab)
    if key not in _VOCAB_SETS:
        _VOCAB_SETS[key] = frozenset(vocab)
    return _VOCAB_SETS[key]


def _near_copy(rng: random.Random, old: str, new: str, vocab: list[str]) -> tuple[str, str]:
    """Rename one identifier used two or three times, everywhere in both versions; half the time also
    bump one number, half the time add a comment line."""
    known = _vocab_set(vocab)
    idents = [w for w in re.findall(r"\b[a-z_][a-z0-9_]*\b", old) if w in known]
    counts: dict[str, int] = {}
    for w in idents:
        counts[w] = counts.get(w, 0) + 1
    candidates = sorted(w for w, c in counts.items() if 2 <= c <= 3) or sorted(counts)
    victim = rng.choice(candidates)
    fresh = rng.choice(vocab) + "_v"
    old2 = re.sub(rf"\b{re.escape(victim)}\b", fresh, old)
    new2 = re.sub(rf"\b{re.escape(victim)}\b", fresh, new)
    numbers = re.findall(r"\b\d+\b", old2)
    if numbers and rng.random() < 0.5:
        target = rng.choice(numbers)
        bumped = str(int(target) + 1)
        old2 = re.sub(rf"\b{target}\b", bumped, old2, count=1)
        new2 = re.sub(rf"\b{target}\b", bumped, new2, count=1)
    if rng.random() < 0.5:
        comment = f"# adapted from {rng.choice(vocab)}\n"
        old2, new2 = comment + old2, comment + new2
    return old2, new2


def _make_chunk(args: tuple[int, int, int, int, float, str]) -> str:
    """Samples [start, start+count) of the stream; writes (samples, families) to a pickle, returns its path."""
    from beam_jobs.assembly.samples import with_diff
    from schemas.sample import RepairSample

    start, count, total, seed, dup_share, folder = args
    vocab = _vocabulary(seed)
    n_base = total - int(total * dup_share)
    samples, families = [], []
    for index in range(start, start + count):
        if index < n_base:
            rng = random.Random(f"{seed}-base-{index}")
            old = _module(rng, vocab)
            new = _fix(rng, old, vocab)
            family = index
        else:
            family = random.Random(f"{seed}-pick-{index}").randrange(n_base)
            brng = random.Random(f"{seed}-base-{family}")
            old = _module(brng, vocab)
            new = _fix(brng, old, vocab)
            old, new = _near_copy(random.Random(f"{seed}-copy-{index}"), old, new, vocab)
        sid = f"{index:024x}"
        sample = RepairSample(id=sid, source="commit", instruction="Fix it", old_contents=old, new_contents=new,
                              diff="", lines_added=0, lines_removed=0, hunks=0, lang="Python", license="mit",
                              group=f"repo{index}", old_file="m.py", new_file="m.py")
        samples.append(with_diff(sample))
        families.append(family)
    path = os.path.join(folder, f"chunk-{start:08d}.pkl")
    with open(path, "wb") as f:
        pickle.dump((samples, families), f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def generate(total: int, dup_share: float, seed: int, cache: Path) -> list[str]:
    folder = cache / f"dedup-v{GENERATOR_VERSION}-{total}-{dup_share}-{seed}"
    done = folder / "DONE"
    if done.exists():
        return sorted(str(p) for p in folder.glob("chunk-*.pkl"))
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(s, min(CHUNK, total - s), total, seed, dup_share, str(folder)) for s in range(0, total, CHUNK)]
    with Pool(os.cpu_count() or 1) as pool:
        paths = pool.map(_make_chunk, jobs)
    done.write_text("ok\n")
    return sorted(paths)


def _load(path: str) -> list[Any]:
    with open(path, "rb") as f:
        return pickle.load(f)[0]


# ------------------------------------------------------------------------------------------ scoring

def score(drops: dict[str, str], family: dict[str, int], n_base: int) -> dict[str, float]:
    """drops: {dropped id: kept id}. Recall over planted copies, precision over drops."""
    planted = [sid for sid in family if int(sid, 16) >= n_base]
    good_drops = sum(1 for d, k in drops.items() if family[d] == family[k])
    # A planted copy is found when it and its original end in one cluster with one kept: the copy was
    # dropped for a family member, or the original was dropped for this copy.
    found = 0
    for sid in planted:
        original = f"{family[sid]:024x}"
        if (sid in drops and family[drops[sid]] == family[sid]) or drops.get(original) == sid:
            found += 1
    return {"recall": found / len(planted) if planted else 1.0,
            "precision": good_drops / len(drops) if drops else 1.0,
            "dropped": len(drops), "planted": len(planted)}


# ---------------------------------------------------------------------------------------------- runs

def run_beam(chunks: list[str], engine: str, beam_args: list[str], out: Path) -> dict[str, Any]:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from beam_jobs.accounting import REJECTS, stage_counts
    from beam_jobs.assembly.dedup import NearDedup
    from config.assembly import NearDedupConfig

    drops_path = out / f"drops-{engine}.pkl"

    def dump(items: list[tuple[str, str]]) -> None:
        with open(drops_path, "wb") as f:
            pickle.dump(items, f)

    options = PipelineOptions(beam_args or ["--runner=FnApiRunner"])
    p = beam.Pipeline(options=options)
    samples = (p | beam.Create(chunks) | "Spread" >> beam.Reshuffle() | "Load" >> beam.FlatMap(_load))
    result = samples | NearDedup(NearDedupConfig(engine=engine))
    (result[REJECTS] | beam.Map(lambda r: (r.key, r.detail.split()[-1]))
     | beam.combiners.ToList() | beam.Map(dump))
    t0 = time.perf_counter()
    run = p.run()
    run.wait_until_finish()
    seconds = time.perf_counter() - t0
    with open(drops_path, "rb") as f:
        drops = dict(pickle.load(f))
    counts = stage_counts(run.metrics())
    extra = {}
    query = run.metrics().query(beam.metrics.MetricsFilter().with_namespace("repairpack.near_dedup"))
    for c in query["counters"]:
        extra[c.key.metric.name] = int(c.committed if c.committed is not None else c.attempted or 0)
    return {"seconds": seconds, "drops": drops, "counts": counts.get("assembly.near_dedup", {}), "extra": extra}


def run_loop(chunks: list[str], threshold: float = 0.7, num_perm: int = 256, ngram: int = 5) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    from beam_jobs.assembly.shingles import code_tokens

    samples = [s for path in chunks for s in _load(path)]
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    drops: dict[str, str] = {}
    t0 = time.perf_counter()
    for s in samples:
        shingles = set()
        for side, text in (("o", s.old_contents), ("n", s.new_contents)):
            toks = code_tokens(text)
            for i in range(max(1, len(toks) - ngram + 1)):
                shingles.add(side + " ".join(toks[i:i + ngram]))
        m = MinHash(num_perm=num_perm, seed=1)
        m.update_batch([x.encode("utf-8") for x in shingles])
        hits = lsh.query(m)
        if hits:
            drops[s.id] = min(hits)
        else:
            lsh.insert(s.id, m)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "drops": drops, "n": len(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--dup-share", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--engine", choices=["rensa", "datasketch"], default="rensa")
    parser.add_argument("--beam-arg", action="append", default=[], help="a Beam option, e.g. --beam-arg=--direct_num_workers=2")
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument("--cache-dir", default=os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                                            "repairpack-bench"))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    chunks = generate(args.samples, args.dup_share, args.seed, Path(args.cache_dir))
    print(f"samples: {args.samples:,} ({args.dup_share:.0%} planted near-duplicates), generated or loaded in "
          f"{time.perf_counter() - t0:.1f} s from {Path(chunks[0]).parent}")
    family = {}
    for path in chunks:
        with open(path, "rb") as f:
            samples, fams = pickle.load(f)
        family.update({s.id: fam for s, fam in zip(samples, fams)})
    n_base = args.samples - int(args.samples * args.dup_share)

    figures: dict[str, Any] = {"samples": args.samples, "dup_share": args.dup_share, "engine": args.engine,
                               "beam_args": args.beam_arg or ["--runner=FnApiRunner"]}
    with tempfile.TemporaryDirectory() as tmp:
        beam_result = run_beam(chunks, args.engine, args.beam_arg, Path(tmp))
    b = score(beam_result["drops"], family, n_base)
    figures["beam"] = {"seconds": round(beam_result["seconds"], 2),
                       "samples_per_s": round(args.samples / beam_result["seconds"], 1), **b,
                       "counts": beam_result["counts"], "pairs": beam_result["extra"]}
    print(f"beam ({args.engine}, {' '.join(figures['beam_args'])}): {beam_result['seconds']:.1f} s, "
          f"{figures['beam']['samples_per_s']:,.0f} samples/s, recall {b['recall']:.4f}, precision {b['precision']:.4f}, "
          f"dropped {b['dropped']:,}; counts {beam_result['counts']}; pairs {beam_result['extra']}")
    if not args.skip_loop:
        loop = run_loop(chunks)
        lp = score(loop["drops"], family, n_base)
        figures["loop"] = {"seconds": round(loop["seconds"], 2), "samples_per_s": round(loop["n"] / loop["seconds"], 1), **lp}
        print(f"loop (datasketch MinHash + MinHashLSH, one process): {loop['seconds']:.1f} s, "
              f"{figures['loop']['samples_per_s']:,.0f} samples/s, recall {lp['recall']:.4f}, "
              f"precision {lp['precision']:.4f}, dropped {lp['dropped']:,}")
        figures["beam_vs_loop_speed"] = round(loop["seconds"] / beam_result["seconds"], 2)
        print(f"beam is {figures['beam_vs_loop_speed']:.2f}x the loop's speed (target >= 1)")
    print(f"targets: recall >= 0.95 ({'met' if b['recall'] >= 0.95 else 'MISSED'}), precision >= 0.99 "
          f"({'met' if b['precision'] >= 0.99 else 'MISSED'})")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
