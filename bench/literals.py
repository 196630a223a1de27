#!/usr/bin/env python3
"""Where redaction's literal regions cost: the scanner over each whole text (the anchor, with the
whole-text memo redaction had) against `filters.literals.literal_regions` as it runs now (chunk by
chunk, each chunk's scan kept for the state it began in), on a history's texts in the order a walk
gives them.

Both answer every text; the script compares the answers and fails on any difference. A file's
versions follow each other in a walk, so most of a new version's chunks were scanned for the last.

    python bench/literals.py --pairs CLONE --max 4000

The pairs are `bench/parsing.py`'s: the latest single-file commits that modify one .py file, newest
first, old then new version.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _whole_regions(code: str) -> list[tuple[int, int]] | None:
    """The scanner over the whole text at once, tokenize where it is not sure: the answer before the
    chunks."""
    from filters import literals

    if literals._UNUSUAL.search(code):
        return literals.tokenized_regions(code)
    try:
        found = literals._scan(code, (0,), 0, chunk=False)
    except literals._Unsure:
        return literals.tokenized_regions(code)
    return None if found is None or found[3] else found[0]


def run(texts: list[str]) -> dict[str, float]:
    """CPU-s of the anchor and of `literal_regions` over `texts`, each from empty memos; raises
    AssertionError when an answer differs."""
    from filters import literals
    from filters.chunks import ChunkMemo

    memo: ChunkMemo = ChunkMemo(literals._REGIONS.max_chars)  # the whole-text memo redaction had
    started = time.process_time()
    anchor = [memo.value(code, _whole_regions) for code in texts]
    anchor_s = time.process_time() - started
    literals._REGIONS.clear()
    literals._CHUNK_SCANS.clear()
    started = time.process_time()
    chunked = [literals.literal_regions(code) for code in texts]
    chunked_s = time.process_time() - started
    differing = sum(a != b for a, b in zip(anchor, chunked))
    assert not differing, f"{differing} texts got other regions"
    return {"anchor": anchor_s, "chunked": chunked_s}


def main(argv: list[str] | None = None) -> int:
    from bench.parsing import history_pairs

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", metavar="CLONE", required=True, help="a git repository: its history's pairs")
    ap.add_argument("--max", type=int, default=3000, help="at most this many pairs (default 3000)")
    args = ap.parse_args(argv)
    pairs = history_pairs(args.pairs, args.max)
    if not pairs:
        print("no single-file .py commits in that history", file=sys.stderr)
        return 1
    texts = [text for _, old, new in pairs for text in (old, new)]
    figures = run(texts)
    mb = sum(map(len, texts)) / 1e6
    print(f"{len(pairs):,} pairs of {len({n for n, _, _ in pairs}):,} files, {mb:.1f} M characters")
    print(f"whole texts, whole-text memo (anchor): {figures['anchor']:7.2f} CPU-s  {mb / figures['anchor']:6.1f} MB/s")
    print(f"literal_regions, chunk by chunk:       {figures['chunked']:7.2f} CPU-s  {mb / figures['chunked']:6.1f} MB/s"
          f"  {figures['anchor'] / figures['chunked']:.2f}x")
    print("answers: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
