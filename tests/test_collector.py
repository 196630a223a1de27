"""The garbage collector's pace (beam_jobs/collector.py), and hot code that leaves no reference cycles
for it: a cycle keeps everything it reaches alive until a full collection finds it."""
from __future__ import annotations

import gc
from typing import Iterator

import pytest

from beam_jobs.accounting import StageDoFn
from beam_jobs.collector import YOUNG, pace_collector
from filters import edits
from tests.realcode import edited, real_sources


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_a_worker_sets_the_young_generation(thresholds: None) -> None:
    gc.set_threshold(700, 10, 10)
    StageDoFn("test.stage").setup()
    assert gc.get_threshold() == (YOUNG, 10, 10)


def test_a_slower_pace_or_a_stopped_collector_is_kept(thresholds: None) -> None:
    gc.set_threshold(500_000, 20, 30)
    pace_collector()
    assert gc.get_threshold() == (500_000, 20, 30)
    gc.set_threshold(0, 10, 10)
    pace_collector()
    assert gc.get_threshold() == (0, 10, 10)


def _project_garbage() -> list[object]:
    """What the collector would free, of the project's making: functions defined in filters/ or
    beam_jobs/ and every dict and list (the hash walk's tables are those)."""
    def ours(x: object) -> bool:
        code = getattr(x, "__code__", None)
        return code is not None and ("/filters/" in code.co_filename or "/beam_jobs/" in code.co_filename)
    return [x for x in gc.garbage if ours(x) or type(x) in (dict, list)]


def test_comparing_real_pairs_leaves_no_cycles() -> None:
    texts = real_sources(30)
    # Lines moved and dropped (often no longer parsing) and real edits that parse: a name renamed in
    # a few places, a function added.
    pairs = [(text, edited(text, i)) for i, text in enumerate(texts)]
    pairs += [(text, text.replace("self.", "this.", 3) + "\n\ndef _added():\n    return 1\n") for text in texts]
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        parsed = kinds = 0
        for old, new in pairs:
            comparison = edits.compare(edits.parse_versions(old, new))
            parsed += comparison.parsed
            kinds += bool(comparison.edit_kinds)
        gc.collect()
        left = _project_garbage()
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert parsed > 30 and kinds > 30  # the walks ran, edit kinds included
    assert left == []
