"""The pace of CPython's cyclic garbage collector in a process that runs the pipeline's DoFns.

Why: a build allocates hundreds of millions of short-lived objects (the AST nodes of every parse,
the tuples of the structural hashes, records on their way through a bundle) that reference counting
frees at once, while the process holds a large heap for long (Beam's runner, the parse and statement
memos of filters/). CPython's default pace, a young collection every 700 net allocations and a full
one whenever the objects that survived grow by a quarter, then spends its time walking live objects
that are not garbage: on scrapy's history with `--preset none`, 5.1 of 31.6 CPU-seconds went to the
collector; with a young generation of 100,000 objects, 0.5 of 26.9, the same peak memory
(docs/cost.md has the whole-run figures). The collector stays on: it is what frees reference cycles
(a traceback, a closure that calls itself), and the project's hot code makes none (tests/test_collector.py).
"""
from __future__ import annotations

import gc

# Net allocations of tracked objects between two young collections.
YOUNG = 100_000


def pace_collector() -> None:
    """Young collections every YOUNG allocations (a process set to a slower pace keeps its own)."""
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG:
        gc.set_threshold(YOUNG, middle, old)
