"""Mined records reach the filters by file, newest first (beam_jobs/sources/git/source.py
`file_order_key`), across walk chunks, so that what follows finds each file's last versions parsed,
hashed and counted; and what the filters keep does not depend on that order."""
from __future__ import annotations

import apache_beam as beam

from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.sorted_runs import RunFiles, hex_place
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


def test_a_chunk_yields_its_records_keyed_for_file_order_in_walk_order(builder) -> None:
    shas, newest_first = _history(builder)
    out = _mined(builder, newest_first)
    keyed = [item for item in out if not isinstance(item, beam.pvalue.TaggedOutput)]
    rejects = sorted(r.value.reason for r in out if isinstance(r, beam.pvalue.TaggedOutput))
    spec = str(builder.path)
    assert [(key, r.commit) for key, r in keyed] == [
        (source.file_order_key(spec, "b.py", 1), shas["b.py@4"]),
        (source.file_order_key(spec, "a.py", 2), shas["a.py@3"]),
        (source.file_order_key(spec, "b.py", 3), shas["b.py@2"]),
        (source.file_order_key(spec, "a.py", 4), shas["a.py@1"])]
    assert rejects == ["multi_file", "root_commit"]


def test_file_order_puts_a_files_records_together_newest_first_across_chunks() -> None:
    keys = [source.file_order_key("repo", path, position)
            for path, position in [("a.py", 2048), ("b.py", 3), ("a.py", 7), ("b.py", 1500), ("a.py", 1025)]]
    order = sorted(keys, key=lambda k: (hex_place(k.encode()), k))
    by_file = [(k.split("\0")[2], int(k.split("\0")[3])) for k in order]
    files = [path for path, _ in by_file]
    assert files in (["a.py"] * 3 + ["b.py"] * 2, ["b.py"] * 2 + ["a.py"] * 3)
    assert [p for _, p in by_file if _ == "a.py"] == [7, 1025, 2048]
    # Ten-digit positions sort as numbers, and two repositories' same path are two files.
    assert source.file_order_key("repo", "a.py", 999) < source.file_order_key("repo", "a.py", 1000)
    assert source.file_order_key("one", "a.py", 1)[:16] != source.file_order_key("two", "a.py", 1)[:16]


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
    keyed = [item for item in _mined(builder, newest_first[:3]) + _mined(builder, newest_first[3:], first=3)
             if not isinstance(item, beam.pvalue.TaggedOutput)]
    order = tmp_path / "order.txt"
    runs = RunFiles(str(tmp_path / "runs"))
    with beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"])) as p:
        _ = (p | beam.Create(keyed)
             | runs.group("files", place=hex_place)
             | beam.FlatMap(source._record_of)
             | beam.ParDo(_Append(str(order))))
    seen = [tuple(line.split(" ")) for line in order.read_text(encoding="utf-8").split("\n")[:-1]]
    assert sorted(seen) == sorted([("a.py", shas["a.py@3"]), ("a.py", shas["a.py@1"]),
                                   ("b.py", shas["b.py@4"]), ("b.py", shas["b.py@2"])])
    files = [path for path, _ in seen]
    assert files in (["a.py", "a.py", "b.py", "b.py"], ["b.py", "b.py", "a.py", "a.py"])
    assert [c for path, c in seen if path == "a.py"] == [shas["a.py@3"], shas["a.py@1"]]
    assert [c for path, c in seen if path == "b.py"] == [shas["b.py@4"], shas["b.py@2"]]
