"""The records of a walk chunk leave the mining step grouped by file (beam_jobs/sources/git/source.py
`FILE_ORDER_BYTES`), so that what follows finds each file's last versions parsed, hashed and counted."""
from __future__ import annotations

import apache_beam as beam
import pytest

from beam_jobs.sources.git import source
from config.git import GitConfig

A = "def area(w, h):\n    return w * h\n"
B = "def name():\n    return 'shape'\n"


def _history(builder) -> tuple[dict[str, str], list[str]]:
    """Commits that touch a.py and b.py in turn, and one that touches both; (name -> sha, shas newest first)."""
    files = {"a.py": A, "b.py": B}
    shas = {"root": builder.commit(files, "Initial commit")}
    for step in range(1, 5):
        name = "a.py" if step % 2 else "b.py"
        files = {**files, name: files[name] + f"\nSTEP_{step} = {step}\n"}
        shas[f"{name}@{step}"] = builder.commit(files, f"Add step {step} to {name}")
    files = {"a.py": files["a.py"] + "X = 1\n", "b.py": files["b.py"] + "Y = 2\n"}
    shas["both"] = builder.commit(files, "Touch both files")
    newest_first = [shas["both"]] + [shas[f"{'a.py' if s % 2 else 'b.py'}@{s}"] for s in (4, 3, 2, 1)] + [shas["root"]]
    return shas, newest_first


def _mined(builder, newest_first: list[str]) -> list[object]:
    spec = str(builder.path)
    listed = [(position, sha, ("proj",), "mit") for position, sha in enumerate(newest_first)]
    fn = source._MineCommit(GitConfig())
    fn.setup()
    try:
        return list(fn.process((f"{spec}\0{0:012d}", listed)))
    finally:
        fn.teardown()


def test_a_chunks_records_leave_grouped_by_file_newest_first(builder) -> None:
    shas, newest_first = _history(builder)
    out = _mined(builder, newest_first)
    records = [(r.new_file, r.commit) for r in out if not isinstance(r, beam.pvalue.TaggedOutput)]
    rejects = sorted(r.value.reason for r in out if isinstance(r, beam.pvalue.TaggedOutput))
    assert records == [("a.py", shas["a.py@3"]), ("a.py", shas["a.py@1"]),
                       ("b.py", shas["b.py@4"]), ("b.py", shas["b.py@2"])]
    assert rejects == ["multi_file", "root_commit"]


def test_over_the_byte_budget_records_go_on_as_they_come(builder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "FILE_ORDER_BYTES", 0)  # every record flushed alone: walk order
    shas, newest_first = _history(builder)
    records = [r.commit for r in _mined(builder, newest_first) if not isinstance(r, beam.pvalue.TaggedOutput)]
    assert records == [shas["b.py@4"], shas["a.py@3"], shas["b.py@2"], shas["a.py@1"]]
