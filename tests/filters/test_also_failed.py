"""Every rule a record fails ("also failed"): `every_reason` and `BatchedChain(every=True)` decide as
`first_reason` does and give every failing check's reason besides."""
from __future__ import annotations

import pytest

from config.filters import FilterConfig
from filters.base import BatchedChain, every_reason, first_reason
from filters.chain import build_commit_filters
from tests.filters.helpers import record_maker
from tests.filters.test_language_batch import records as language_records

OLD = "def mean(xs):\n    return sum(xs) / len(xs)\n" + "".join(f"LIMIT_{i} = {i}\n" for i in range(30))
make_record = record_maker(old_contents=OLD, new_contents=OLD.replace("len(xs)\n", "len(xs) if xs else 0.0\n"))


def test_every_reason_lists_each_failing_check_in_chain_order():
    chain = build_commit_filters(FilterConfig())
    # Too few words, and a pair far over the budget: the subject rule is first, the size rule binds too.
    big = "def handler(event):\n    return event\n" + "VALUE = 1\n" * 400
    record = make_record(subject="Handle empty lists", message="Handle empty lists\n", old_contents=big, new_contents=big + "X = 2\n")
    assert first_reason(chain, record) == "subject_too_few_words"
    assert every_reason(chain, record) == ("subject_too_few_words", "pair_too_large")
    assert every_reason(chain, make_record()) == () and first_reason(chain, make_record()) is None


def test_costly_rules_run_only_on_records_nothing_else_failed():
    """Parsing, language and tags cost milliseconds on a real file: once a record failed a rule, the
    "also failed" pass skips them (the tag rule would fail behind the parse rule, and is not run)."""
    from tests.filters.test_tags import BROKEN, MODULE, make_record as billing_record

    chain = build_commit_filters(FilterConfig())
    assert [f.name for f in chain if f.costly] == ["python_parse", "language", "tags"]
    broken = billing_record(old_contents=MODULE, new_contents=BROKEN)
    assert first_reason(chain, broken) == "new_does_not_parse"
    assert every_reason(chain, broken) == ("new_does_not_parse",)
    calls = []

    class Costly:
        costly = True

        def __call__(self, record: object) -> str | None:
            calls.append(record)
            return "costly_rule"

    checks = [lambda r: "cheap_rule" if r == "bad" else None, Costly()]
    assert every_reason(checks, "bad") == ("cheap_rule",) and calls == []
    assert every_reason(checks, "good") == ("costly_rule",) and calls == ["good"]
    batched = BatchedChain(checks, size=2, every=True)
    assert [found for _, _, found in batched.add("bad") + batched.flush()] == [("cheap_rule",)]


def test_a_reason_two_filters_give_counts_once():
    same = [lambda r: "generated_file", lambda r: None, lambda r: "generated_file", lambda r: "minified"]
    assert every_reason(same, object()) == ("generated_file", "minified")


class _Hooked:
    def __init__(self, name: str, drop: set[int]) -> None:
        self.name, self.drop, self.batches = name, drop, []
        self.prepare = self.batches.append

    def __call__(self, x: int) -> str | None:
        return self.name if x in self.drop else None


@pytest.mark.parametrize("size", [1, 3, 5, 64])
def test_a_batched_chain_in_every_mode_gives_every_reason(size):
    odd = lambda x: "odd" if x % 2 else None  # noqa: E731
    first, second = _Hooked("first", {3, 4, 8, 40}), _Hooked("second", {3, 6, 8, 60})
    checks = [odd, first, second]
    chain = BatchedChain(checks, size=size, every=True)
    decided = []
    for x in range(100):
        decided += chain.add(x, tag=f"t{x}")
    decided += chain.flush()
    assert chain.waiting == 0
    assert sorted(decided) == sorted((x, f"t{x}", every_reason(checks, x)) for x in range(100))
    assert dict((x, found) for x, _, found in decided)[3] == ("odd", "first", "second")
    # Every record reaches every hook, failed or not, in bounded batches.
    assert sorted(x for b in first.batches for x in b) == list(range(100))
    assert sorted(x for b in second.batches for x in b) == list(range(100))
    assert all(len(b) <= size for b in first.batches + second.batches)


def test_every_mode_keeps_the_decisions_of_the_strict_chain():
    chain = build_commit_filters(FilterConfig())
    recs = language_records(200)
    batched = BatchedChain(chain, size=16, every=True)
    decided = []
    for r in recs:
        decided += batched.add(r, r.id)
    decided += batched.flush()
    found = {tag: reasons for _, tag, reasons in decided}
    assert len(found) == len(recs)
    for r in recs:
        assert found[r.id] == every_reason(chain, r)
        assert (found[r.id][0] if found[r.id] else None) == first_reason(chain, r)
    # Some records fail more than one rule: what the first reason alone hides.
    assert any(len(reasons) > 1 for reasons in found.values())
