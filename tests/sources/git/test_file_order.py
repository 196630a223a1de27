"""Mined records reach the costly filters by file, newest first (beam_jobs/sources/git/source.py
`file_order_key`, `InFileOrder`), across walk chunks, so that what follows finds each file's last
versions parsed, hashed and counted."""
from __future__ import annotations

from datetime import datetime, timezone

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.sorted_runs import RunFiles, hex_place
from beam_jobs.sources.git import source
from beam_jobs.sources.commits import commit_record
from config.git import GitConfig
from schemas.commit import CommitRecord

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


def _mined(builder, newest_first: list[str], first: int = 0) -> list[object]:
    """One walk chunk's output, its commits at positions first, first + 1, ..."""
    spec = str(builder.path)
    listed = [(first + position, sha, ("proj",), "mit") for position, sha in enumerate(newest_first)]
    fn = source._MineCommit(GitConfig())
    fn.setup()
    try:
        return list(fn.process((source.walk_chunk_key(spec, first), listed)))
    finally:
        fn.teardown()


def test_a_chunk_yields_its_records_in_walk_order(builder) -> None:
    shas, newest_first = _history(builder)
    out = _mined(builder, newest_first)
    records = [r.commit for r in out if not isinstance(r, beam.pvalue.TaggedOutput)]
    rejects = sorted(r.value.reason for r in out if isinstance(r, beam.pvalue.TaggedOutput))
    assert records == [shas["b.py@4"], shas["a.py@3"], shas["b.py@2"], shas["a.py@1"]]
    assert rejects == ["multi_file", "root_commit"]


def _at(path: str, seconds: int, repo: str = "repo", commit: str = "c") -> CommitRecord:
    return commit_record(source="git", commit=commit, parent="p", old_file=path, new_file=path, old_contents="",
                         new_contents="", message="m", license="mit", repos=[repo],
                         author_time=datetime.fromtimestamp(seconds, tz=timezone.utc),
                         committer_time=datetime.fromtimestamp(seconds, tz=timezone.utc))


def test_file_order_puts_a_files_records_together_newest_first() -> None:
    records = [_at("a.py", 2048), _at("b.py", 3), _at("a.py", 7), _at("b.py", 1500), _at("a.py", 10**10)]
    order = sorted(map(source.file_order_key, records), key=lambda k: (hex_place(k.encode()), k))
    by_file = [(k.split("\0")[2], k) for k in order]
    files = [path for path, _ in by_file]
    assert files in (["a.py"] * 3 + ["b.py"] * 2, ["b.py"] * 2 + ["a.py"] * 3)
    newest_a = [source.file_order_key(r) for r in (records[4], records[0], records[2])]
    assert [k for path, k in by_file if path == "a.py"] == newest_a
    # Before 1970 too, and a tie in time falls to the sha; two repositories' same path are two files.
    assert source.file_order_key(_at("a.py", -5)) > source.file_order_key(_at("a.py", 5))
    assert source.file_order_key(_at("a.py", 5, commit="a")) < source.file_order_key(_at("a.py", 5, commit="b"))
    assert source.file_order_key(_at("a.py", 1, "one"))[:16] != source.file_order_key(_at("a.py", 1, "two"))[:16]


class _Append(beam.DoFn):
    """Writes each record's path and commit as it arrives: the order a PCollection does not keep."""

    def __init__(self, path: str) -> None:
        self._path = path

    def process(self, record):
        with open(self._path, "a", encoding="utf-8") as f:
            f.write(f"{record.new_file} {record.commit}\n")
        yield record


def test_grouped_in_file_order_the_build_keeps_the_same_records(builder, tmp_path) -> None:
    """Two walk chunks through the grouping the git source uses: every record comes out once, a
    file's records next to each other, newest first."""
    shas, newest_first = _history(builder)
    mined = [item for item in _mined(builder, newest_first[:3]) + _mined(builder, newest_first[3:], first=3)
             if not isinstance(item, beam.pvalue.TaggedOutput)]
    order = tmp_path / "order.txt"
    runs = RunFiles(str(tmp_path / "runs"))
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        _ = (p | beam.Create(mined)
             | source.InFileOrder(runs)
             | beam.ParDo(_Append(str(order))))
    seen = [tuple(line.split(" ")) for line in order.read_text(encoding="utf-8").split("\n")[:-1]]
    assert sorted(seen) == sorted([("a.py", shas["a.py@3"]), ("a.py", shas["a.py@1"]),
                                   ("b.py", shas["b.py@4"]), ("b.py", shas["b.py@2"])])
    files = [path for path, _ in seen]
    assert files in (["a.py", "a.py", "b.py", "b.py"], ["b.py", "b.py", "a.py", "a.py"])
    assert [c for path, c in seen if path == "a.py"] == [shas["a.py@3"], shas["a.py@1"]]
    assert [c for path, c in seen if path == "b.py"] == [shas["b.py@4"], shas["b.py@2"]]
