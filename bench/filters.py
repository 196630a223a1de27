#!/usr/bin/env python3
"""How fast the commit filter chain runs, single process, no Beam.

The claim is that filtering costs little next to mining: string checks see every record and must run at
50,000 records/s or more; `ast` and language detection only see what survives them, langdetect last
because it is the most expensive check per record (printed as ms per record examined). Over the same
generated records (default 100,000; realistic subjects and small Python files, with the usual share of
bad subjects, bots, reverts, vendored paths, Python 2, broken and whitespace-only edits) it measures:

  (a) strings       the string tier of the strict chain (message, author, revert, subject, version
                    bump, path), which every record goes through;
  (b) no-language   the whole strict chain with language detection off;
  (c) strict        the whole strict chain, record by record: (b) plus langdetect, one message at a
                    time, on what survives every other check;
  (c') batched      the same chain run as the Beam wrapper runs it (`BatchedChain`): records reaching
                    the language filter wait in batches of --batch-size and their messages are
                    detected together (`langdetect_batch.detect_many`); the decisions must equal (c)'s, and
                    the speedup over (c) is printed;
  (d) commitpackft  the commitpackft chain;
  (e) strict+annot. the production path: the strict chain batched as in (c'), then `annotate` on each
                    kept record (its langdetect and `ast` answers come from the memo the chain filled);
  (f) per check     each strict filter alone, on (up to --per-check-sample of) the records that reach it
                    in the chain: microseconds per record examined, the figure the order is based on;
                    for the language filter also batched (its hook on the whole sample, then the check).

Each pass starts with the memo caches of filters/ cleared, so a pass never profits from the previous
one; within a pass they work as in production (the filter and `annotate` share parses). Records are
generated with a fixed seed, so the funnel printed at the end is the same on every run. Nothing asserts
on timings: they depend on the machine.

License detection (one scancode run per repository) is not part of this chain and is benchmarked by
the licenses helper; see the hook `license_detection_cost` below.

    python -m bench.filters                 # 100,000 records
    python -m bench.filters --records 20000 # quicker
    python -m bench.filters --batch-size 256
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections import Counter
from datetime import datetime, timezone
from typing import Callable, Iterable

from filters import language, message, python
from filters.base import BATCH_SIZE, BatchedChain, first_reasons
from filters.chain import CompiledRules, NamedFilter, annotate, build_commit_filters, first_reason, string_filters
from beam_jobs.sources.commits import commit_record
from schemas.commit import CommitRecord
from config.filters import FilterConfig, filter_config_from_preset

STRING_TARGET = 50_000  # records/s, single process

VERBS = ["Add", "Fix", "Remove", "Update", "Refactor", "Rename", "Support", "Use", "Handle", "Implement",
         "Improve", "Move", "Replace", "Simplify", "Allow", "Avoid", "Check", "Clean up", "Convert",
         "Document", "Drop", "Ensure", "Extract", "Make", "Optimize", "Prevent", "Raise", "Return", "Skip",
         "Validate", "Cache", "Log", "Normalize", "Split", "Guard against", "Speed up", "Reorder"]
BAD_STARTS = ["Fixed", "Added", "Updated", "Changes to", "Minor", "More", "Some", "Trying", "Tests for",
              "fix", "add", "update", "WIP:", "Typo in"]
ADJECTIVES = ["empty", "missing", "duplicate", "stale", "nested", "invalid", "slow", "unused", "optional",
              "default", "broken", "large", "negative", "unicode", "relative", "cached", "async", "legacy"]
NOUNS = ["input", "config value", "cache entry", "request header", "file path", "timeout", "user id",
         "query string", "session token", "log message", "return value", "test fixture", "dependency",
         "error message", "keyword argument", "database row", "json payload", "exit code", "temp file",
         "retry count", "environment variable", "page size", "date format", "api key", "socket"]
PLACES = ["in the parser", "in the loader", "for the CLI", "in the scheduler", "in the exporter",
          "in the admin view", "for the worker pool", "in the serializer", "for Windows paths",
          "in the settings module", "in the retry loop", "for the HTTP client", "on shutdown",
          "when the queue is empty", "in the CSV reader", "for large uploads", "in the auth middleware"]
NOISE = ["", "", "", "", "", " (#{n})", " [skip ci]", ", see #{n}", " for issue {n}", " (wip)",
         ", thanks to Sam for the report", " https://example.org/t/{n}"]
AUTHORS = ["Ada Lovelace", "Grace Hopper", "Linus T", "Margaret H", "Ken T", "Barbara L", "Guido R",
           "Edsger D", "Alan K", "Frances A"]
BOTS = ["dependabot[bot]", "renovate-bot", "pre-commit-ci[bot]"]
DIRS = ["app", "lib", "src/pkg", "tools", "service/api", "core", "third_party/yaml", "shop/migrations"]
NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda_", "sigma"]
T0 = datetime(2022, 1, 1, tzinfo=timezone.utc)


def make_source(rng: random.Random, functions: int) -> str:
    parts = ['"""Helpers generated for the filter benchmark."""\nimport os\n']
    for i in range(functions):
        name = f"{rng.choice(NAMES)}_{rng.randrange(10_000)}"
        arg = rng.choice(["value", "items", "path", "count"])
        parts.append(
            f"\n\ndef {name}({arg}, limit={rng.randrange(1, 100)}):\n"
            f"    if {arg} is None:\n        return None\n"
            f"    result = []\n    for index in range(limit):\n"
            f"        result.append(({arg}, index * {rng.randrange(2, 9)}))\n"
            f"    return result\n")
    return "".join(parts)


def make_subject(rng: random.Random) -> str:
    roll = rng.random()
    start = rng.choice(BAD_STARTS) if roll < 0.15 else rng.choice(VERBS)
    subject = f"{start} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(PLACES)}"
    if roll > 0.97:
        subject = f"Bump requests from 2.{rng.randrange(30)}.0 to 2.{rng.randrange(30, 40)}.1"
    elif roll > 0.95:
        subject = f'Revert "{subject}"'
    elif roll > 0.93:
        subject = f"Corrige el error de {rng.choice(['lectura', 'escritura', 'formato'])} en el módulo principal"
    return subject + rng.choice(NOISE).format(n=rng.randrange(1, 5_000))


def make_record(rng: random.Random, i: int) -> CommitRecord:
    old = make_source(rng, rng.choice([1, 1, 2, 2, 3, 6]))
    kind = rng.random()
    if kind < 0.70:      # a one-line repair
        new = old.replace("is None", "is None or not isinstance(limit, int)", 1)
    elif kind < 0.78:    # whitespace only
        new = old.replace("index * ", "index*", 1)
    elif kind < 0.84:    # broken new version
        new = old.replace("):\n", ")\n", 1)
    elif kind < 0.88:    # Python 2
        old = old.replace("return None", 'print "none given"\n        return None', 1)
        new = old.replace("return result", 'print "done"\n    return result', 1)
    elif kind < 0.93:    # rewrite
        new = make_source(rng, 2)
    else:                # syntax-error fix
        old, new = old.replace("):\n", ")\n", 1), old
    directory = rng.choice(DIRS)
    stem = rng.choice(NAMES) if "migrations" not in directory else f"{rng.randrange(1, 60):04d}_auto"
    path = f"{directory}/{stem}.py"
    subject = make_subject(rng)
    body = rng.choice(["", "", "\n\nThe previous code crashed when the value was missing.",
                       "\n\nSigned-off-by: Ada Lovelace <ada@example.org>"])
    return commit_record(
        source="bench", commit=f"{rng.getrandbits(160):040x}", parent=f"{rng.getrandbits(160):040x}",
        old_file=path, new_file=path, old_contents=old, new_contents=new, subject=subject,
        message=f"{subject}{body}\n", license="mit", repos=["bench/repo"], author_time=T0,
        committer_time=T0, author_name=rng.choice(BOTS) if rng.random() < 0.03 else rng.choice(AUTHORS))


def generate(count: int, seed: int) -> list[CommitRecord]:
    rng = random.Random(seed)
    return [make_record(rng, i) for i in range(count)]


def clear_caches() -> None:
    for cache in (message.subject_forms, language.detect, language._judged_text, python.parses_py3, python.python2_form):
        cache.cache_clear()


def timed(records: Iterable[CommitRecord], step: Callable[[CommitRecord], object]) -> tuple[float, list[object]]:
    clear_caches()
    start = time.perf_counter()
    results = [step(r) for r in records]
    return time.perf_counter() - start, results


def chain_step(chain: list[NamedFilter]) -> Callable[[CommitRecord], str | None]:
    return lambda record: first_reason(chain, record)


def timed_batched(records: list[CommitRecord], chain: list[NamedFilter], size: int) -> tuple[float, list[str | None]]:
    """The chain as the Beam wrapper runs it: hooked filters see batches of up to `size` records."""
    clear_caches()
    start = time.perf_counter()
    reasons = first_reasons(chain, records, size)
    return time.perf_counter() - start, reasons


def production(records: list[CommitRecord], chain: list[NamedFilter], rules: CompiledRules,
               size: int) -> list[tuple[str | None, CommitRecord | None]]:
    """What the pipeline does: the batched chain, and `annotate` on each kept record as it comes out
    (Beam fuses the Map after the filter stage, so a batch is annotated while its answers are memoised)."""
    chain_ = BatchedChain(chain, size)
    results: list[tuple[str | None, CommitRecord | None]] = [(None, None)] * len(records)

    def take(decided: list) -> None:
        for record, position, reason in decided:
            results[position] = (reason, None) if reason else (None, annotate(record, rules))

    for position, record in enumerate(records):
        take(chain_.add(record, position))
    take(chain_.flush())
    return results


def per_check(records: list[CommitRecord], chain: list[NamedFilter], sample: int) -> None:
    print(f"(f) per check, on up to {sample:,} of the records reaching it, cold caches:")
    reaching = records
    for f in chain:
        examined = reaching[:sample]
        seconds, reasons = timed(examined, f)
        dropped = sum(1 for reason in reasons if reason)
        print(f"  {f.name:<14} {seconds / max(len(examined), 1) * 1e6:10.1f} us/record   "
              f"reached by {len(reaching):>7,}   drops {dropped / max(len(examined), 1):6.1%}")
        if f.prepare is not None:
            clear_caches()
            start = time.perf_counter()
            batched = []
            for at in range(0, len(examined), BATCH_SIZE):
                f.prepare(examined[at:at + BATCH_SIZE])
                batched += [f(r) for r in examined[at:at + BATCH_SIZE]]
            seconds = time.perf_counter() - start
            assert batched == reasons, f"{f.name}: batched decisions differ"
            print(f"  {f.name + ' batched':<14} {seconds / max(len(examined), 1) * 1e6:10.1f} us/record   "
                  f"(hook on batches of {BATCH_SIZE}, then the check)")
        reaching = [r for r in reaching if not f(r)]


def license_detection_cost() -> None:
    """Hook for the licenses helper: time one scancode detection per repository here (it belongs to
    the per-repository stage, not to this per-record chain) and print it next to the figures above."""


def report(name: str, seconds: float, count: int, note: str = "") -> None:
    rate = count / seconds if seconds else float("inf")
    print(f"  {name:<18} {count:>9,} records  {seconds:8.2f} s  {rate:>12,.0f} records/s  {note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-check-sample", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help="records waiting in front of the language filter per batch, as in ApplyFilters")
    args = parser.parse_args(argv)

    t = time.perf_counter()
    records = generate(args.records, args.seed)
    print(f"generated {len(records):,} records in {time.perf_counter() - t:.1f} s "
          f"(mean old+new {sum(len(r.old_contents) + len(r.new_contents) for r in records) / len(records):,.0f} chars)")

    strict_cfg = FilterConfig()
    strict_rules = CompiledRules(strict_cfg)
    strict = build_commit_filters(strict_cfg, strict_rules)
    no_lang = build_commit_filters(dataclasses.replace(strict_cfg, detect_language=False))
    strings = string_filters(strict)
    published = build_commit_filters(filter_config_from_preset("commitpackft"))

    # Warm-up: verb list, regexes and langdetect profiles load once per process, as on a worker.
    for r in records[:200]:
        first_reason(strict, r)

    print("single process, caches cleared before each pass:")
    seconds, string_reasons = timed(records, chain_step(strings))
    report("(a) strings", seconds, len(records), f"target >= {STRING_TARGET:,}")
    seconds, _ = timed(records, chain_step(no_lang))
    report("(b) no-language", seconds, len(records))
    per_message, strict_reasons = timed(records, chain_step(strict))
    survivors = sum(1 for r in string_reasons if r is None)
    report("(c) strict", per_message, len(records), f"langdetect/ast on the {survivors:,} string survivors")
    batched, batched_reasons = timed_batched(records, strict, args.batch_size)
    if batched_reasons != strict_reasons:
        raise SystemExit("the batched chain decided differently from the per-record chain")
    report("(c') batched", batched, len(records),
           f"batches of {args.batch_size}: {per_message / batched:.2f}x (c), the same decisions")
    seconds, published_reasons = timed(records, chain_step(published))
    report("(d) commitpackft", seconds, len(records))
    clear_caches()
    start = time.perf_counter()
    evaluated = production(records, strict, strict_rules, args.batch_size)
    seconds = time.perf_counter() - start
    kept = sum(1 for reason, _ in evaluated if reason is None)
    report("(e) strict+annot.", seconds, len(records), f"{kept:,} kept and annotated")
    per_check(records, strict, args.per_check_sample)
    license_detection_cost()

    for name, reasons in (("strict", strict_reasons), ("commitpackft", published_reasons)):
        counts = Counter(reason or "kept" for reason in reasons)
        print(f"funnel ({name}): " + ", ".join(f"{reason} {n:,}" for reason, n in counts.most_common()))


if __name__ == "__main__":
    main()
