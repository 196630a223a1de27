"""The dump reader on export files of all three formats, written the way BigQuery writes them."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.accounting import stage_counts
from beam_jobs.sources.dump.files import ReadDump, parse_json_line
from beam_jobs.sources.dump.inputs import dump_inputs_problem, file_format, match_files, plan_reads
from schemas.candidate import CandidateError, candidate_from_row
from tests.fixtures.dump.make_dump_fixtures import json_line, write_avro, write_json_lines, write_parquet
from tests.fixtures.dump.make_dump_fixtures import sample_row as fixture_row


def sample_row(n: int, **changes: Any) -> dict[str, Any]:
    """The fixture's valid row with the query's author and mode columns. The modes are written as
    strings (the fixture writers type columns they do not know as strings, as BigQuery's JSON export
    writes INT64); the reader reads both."""
    row = fixture_row(n, author_name=f"Author {n}", author_email=f"a{n}@example.com",
                      old_mode="33188", new_mode="33261" if n % 2 else "33188")
    row.update(changes)
    return row
from tests.pipeline_helpers import BEAM_ARGS, assert_balanced


def _dump_json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), sort_keys=True)


def run_read(patterns: list[str], out: Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    """Run ReadDump on the FnApiRunner; (candidates, rejects, stage counts), sorted."""
    with beam.Pipeline(options=PipelineOptions(BEAM_ARGS)) as p:
        read = p | ReadDump(patterns)
        read["candidates"] | "C" >> beam.Map(_dump_json) | "WC" >> beam.io.WriteToText(str(out / "cand"))
        read["rejects"] | "AllRejects" >> beam.Flatten() | "R" >> beam.Map(_dump_json) | "WR" >> beam.io.WriteToText(str(out / "rej"))
    counts = stage_counts(p.result.metrics())

    def load(prefix: str) -> list[dict]:
        rows = [json.loads(line) for f in sorted(out.glob(f"{prefix}-*")) for line in f.read_text().splitlines()]
        return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))

    return load("cand"), load("rej"), counts


def expected(row: dict[str, Any]) -> dict[str, Any]:
    return dataclasses.asdict(candidate_from_row(row))


# ------------------------------------------------------------------------------------ pure functions

@pytest.mark.parametrize("path, fmt", [
    ("a/b.parquet", "parquet"), ("gs://bucket/x/part-000.PARQUET", "parquet"), ("b.avro", "avro"),
    ("b.json", "json"), ("b.jsonl", "json"), ("b.ndjson", "json"), ("b.json.gz", "json"),
    ("b.ndjson.gz", "json"), ("b.jsonl.gz", "json"), ("export/*", None), ("b.csv", None), ("b.gz", None),
    ("b.parquet.gz", None),
])
def test_file_format(path: str, fmt: str | None) -> None:
    assert file_format(path) == fmt


def test_plan_keeps_patterns_with_an_extension_and_splits_the_others(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    for name in ("b.parquet", "a.parquet", "c.avro", "d.json.gz"):
        (tmp_path / "export" / name).write_bytes(b"x")
    plan = plan_reads([str(tmp_path / "export" / "*"), "gs://bucket/more/*.parquet"])
    export = tmp_path / "export"
    assert plan == {
        "avro": [str(export / "c.avro")],
        "json": [str(export / "d.json.gz")],
        "parquet": sorted(["gs://bucket/more/*.parquet", str(export / "a.parquet"), str(export / "b.parquet")]),
    }
    # A folder stands for the files in it.
    assert plan_reads([str(export)]) == plan_reads([str(export / "*")])


def test_plan_refuses_unknown_files_and_empty_matches(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"x")
    (tmp_path / "notes.csv").write_bytes(b"x")
    with pytest.raises(ValueError) as err:
        plan_reads([str(tmp_path / "*")])
    assert str(err.value) == (f"the dump file '{tmp_path / 'notes.csv'}' is not Parquet, Avro or JSON lines by its "
                              "name (expected one of .json.gz, .jsonl.gz, .ndjson.gz, .parquet, .avro, .json, "
                              ".jsonl, .ndjson)")
    with pytest.raises(ValueError, match="^no file matches the dump pattern '.*nothing-here/\\*'$"):
        plan_reads([str(tmp_path / "nothing-here" / "*")])
    with pytest.raises(ValueError, match="^no dump file pattern was given$"):
        plan_reads([])


def test_dump_inputs_problem(tmp_path: Path) -> None:
    write_parquet(tmp_path / "a.parquet", [sample_row(1)])
    assert dump_inputs_problem([str(tmp_path / "*.parquet")]) is None
    assert dump_inputs_problem([str(tmp_path / "a.parquet")]) is None
    assert dump_inputs_problem([str(tmp_path)]) is None
    missing = str(tmp_path / "b.parquet")
    assert dump_inputs_problem([missing]) == f"no file matches the dump pattern '{missing}'"
    glob = str(tmp_path / "*.avro")
    assert dump_inputs_problem([str(tmp_path / "a.parquet"), glob]) == f"no file matches the dump pattern '{glob}'"
    (tmp_path / "x.txt").write_text("x")
    assert dump_inputs_problem([str(tmp_path)]).startswith(f"the dump file '{tmp_path / 'x.txt'}' is not Parquet")


def test_parse_json_line() -> None:
    with pytest.raises(CandidateError) as err:
        parse_json_line('{"commit": ')
    assert err.value.reason == "bad_json"
    assert err.value.detail.startswith("not a JSON line: Expecting value")
    # BigQuery leaves NULL columns out of JSON exports; the nullable ones come back as None.
    assert parse_json_line('{"commit": "a"}') == {"commit": "a", "subject": None, "message": None,
                                                  "author_name": None, "author_email": None}
    assert parse_json_line("[1, 2]") == [1, 2]


# ------------------------------------------------------------------------------------------ the reader

def write_exports(folder: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Good and bad rows in every format; returns (the good rows, the expected rejects)."""
    folder.mkdir()
    good_parquet = [sample_row(1), sample_row(2, license=None)]
    write_parquet(folder / "part-0.parquet", good_parquet + [
        sample_row(3, old_sha1="abc"),
        sample_row(4, repos=[]),
    ])
    good_wrapped = [sample_row(5)]
    write_parquet(folder / "part-1.parquet", good_wrapped, wrapped_lists=True)
    good_avro = [sample_row(6), sample_row(7, repos=["b/x", "a/x", "b/x"], message=None)]
    write_avro(folder / "part-0.avro", good_avro + [
        sample_row(8, new_path="other.py"),
        sample_row(9, author_time_sec=None),
    ])
    good_json = [sample_row(10), sample_row(11, subject=None)]
    missing_commit = sample_row(13)
    del missing_commit["commit"]
    write_json_lines(folder / "part-0.json.gz", [
        json_line(good_json[0]),
        "",
        '{"commit": "' + f"{12:040x}" + '", "parent": ',
        json_line(good_json[1]),
        json_line(missing_commit),
        '["not", "a", "record"]',
        json_line(sample_row(14, repos=["no-slash"])),
    ])
    good = good_parquet + good_wrapped + good_avro + good_json
    part = {name: str(folder / name) for name in ("part-0.parquet", "part-0.avro", "part-0.json.gz")}

    def reject(reason: str, key: str, repo: str, detail: str, file: str) -> dict[str, Any]:
        return {"stage": "bigquery.read", "reason": reason, "source": "bigquery", "key": key, "repo": repo,
                "detail": f"{detail} (in {part[file]})"}

    rejects = [
        reject("bad_sha", f"{3:040x}", "fork3/proj,owner3/proj",
               "column 'old_sha1' is 'abc', not a 40-digit hex sha", "part-0.parquet"),
        reject("no_repository", f"{4:040x}", "", "column 'repos' is empty", "part-0.parquet"),
        reject("bad_path", f"{8:040x}", "fork8/proj,owner8/proj",
               "old_path 'pkg/mod8.py' and new_path 'other.py' must be one non-empty path", "part-0.avro"),
        reject("bad_row", f"{9:040x}", "fork9/proj,owner9/proj",
               "column 'author_time_sec' is None, not a number of seconds", "part-0.avro"),
        reject("bad_json", part["part-0.json.gz"], "",
               "not a JSON line: Expecting value: line 1 column 66 (char 65)", "part-0.json.gz"),
        reject("missing_column", part["part-0.json.gz"], "fork13/proj,owner13/proj",
               "row lacks column(s) commit", "part-0.json.gz"),
        reject("bad_row", part["part-0.json.gz"], "",
               "a row must be a record of columns, not list", "part-0.json.gz"),
        reject("bad_repository", f"{14:040x}", "no-slash",
               "repository name 'no-slash' is not owner/name", "part-0.json.gz"),
    ]
    return good, sorted(rejects, key=lambda r: json.dumps(r, sort_keys=True))


def test_read_dump_all_formats(tmp_path: Path) -> None:
    good, want_rejects = write_exports(tmp_path / "export")
    export = tmp_path / "export"
    out = tmp_path / "out"
    out.mkdir()
    candidates, rejects, counts = run_read(
        [str(export / "*.parquet"), str(export / "part-0.avro"), str(export / "*.json.gz")], out)

    assert candidates == sorted((expected(r) for r in good), key=lambda r: json.dumps(r, sort_keys=True))
    # Spot-check what the formats had to get right, beyond agreeing with candidate_from_row:
    by_commit = {c["commit"]: c for c in candidates}
    assert by_commit[f"{5:040x}"]["repos"] == ["fork5/proj", "owner5/proj"]  # Parquet items wrapped in records
    assert by_commit[f"{7:040x}"]["repos"] == ["a/x", "b/x"]  # Avro arrays: sorted, distinct
    assert by_commit[f"{7:040x}"]["message"] == ""  # Avro null
    assert by_commit[f"{10:040x}"]["author_time_sec"] == 1_600_000_010  # JSON INT64 as a string
    assert by_commit[f"{11:040x}"]["subject"] == ""  # JSON with the NULL column left out
    assert by_commit[f"{2:040x}"]["license"] == "none"  # Parquet null
    assert rejects == want_rejects
    assert counts == {"bigquery.read": {"in": 15, "kept": 7, "bad_json": 1, "bad_path": 1, "bad_repository": 1,
                                        "bad_row": 2, "bad_sha": 1, "missing_column": 1, "no_repository": 1}}
    assert_balanced(counts)


def test_read_dump_pattern_without_extension(tmp_path: Path) -> None:
    """`export/*` is matched in the driver and read the same as the per-format patterns."""
    good, want_rejects = write_exports(tmp_path / "export")
    out = tmp_path / "out"
    out.mkdir()
    candidates, rejects, counts = run_read([str(tmp_path / "export" / "*")], out)
    assert sorted(c["commit"] for c in candidates) == sorted(r["commit"] for r in good)
    assert rejects == want_rejects
    assert counts["bigquery.read"]["in"] == 15


def test_read_dump_refuses_unknown_file_while_building(tmp_path: Path) -> None:
    (tmp_path / "rows.csv").write_text("commit\n")
    with pytest.raises(ValueError, match="is not Parquet, Avro or JSON lines by its name"):
        ReadDump([str(tmp_path / "*")])



def test_hostile_rows_are_rejects_not_crashes(tmp_path: Path) -> None:
    """Types the exports never hold, times no datetime holds, bytes that are not UTF-8."""
    export = tmp_path / "export"
    export.mkdir()
    path = export / "odd.jsonl"
    lines = [json.dumps(sample_row(1, repos=5)), json.dumps(sample_row(2, repos={"a/b": 1})),
             json.dumps(sample_row(3)).replace('"author_time_sec": 1600000003', '"author_time_sec": 1e400'),
             json.dumps(sample_row(4, committer_time_sec=10 ** 15)), json.dumps(sample_row(5)),
             json.dumps(sample_row(6, old_mode="100644")), json.dumps(sample_row(7, new_mode=None)),
             json.dumps({k: v for k, v in sample_row(8).items() if k != "new_mode"}),
             json.dumps({k: v for k, v in sample_row(9).items() if k not in ("author_name", "author_email")})]
    data = "".join(line + "\n" for line in lines).encode("utf-8") + b'{"commit": "\xff\xfe"}\n'
    path.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir()
    # The same file named twice, by two overlapping patterns: read once.
    candidates, rejects, counts = run_read([str(export / "*.jsonl"), str(path)], out)
    # A row of an export without the author columns (NULL author): read, with an empty name.
    assert sorted((c["commit"], c["author_name"]) for c in candidates) == [(f"{5:040x}", "Author 5"), (f"{9:040x}", "")]
    got = sorted((r["key"][-2:], r["reason"], r["detail"].split(" (in ")[0]) for r in rejects)
    assert got == sorted([
        ("01", "bad_row", "column 'repos' must be a list of owner/name, not 5"),
        ("02", "bad_row", "column 'repos' must be a list of owner/name, not {'a/b': 1}"),
        ("03", "bad_row", "column 'author_time_sec' is inf, not a number of seconds"),
        ("04", "bad_row", "column 'committer_time_sec' is 1000000000000000, outside the years 1 to 9999"),
        # Modes are numbers (33188 is git's 100644); octal digits as a number, or none, are no mode.
        ("06", "bad_row", "column 'old_mode' is '100644', not a git file mode"),
        ("07", "bad_row", "column 'new_mode' is None, not a git file mode"),
        ("08", "missing_column", "row lacks column(s) new_mode"),
        ("nl", "bad_json", "not a JSON line: 'utf-8' codec can't decode byte 0xff in position 12: invalid start byte"),
    ])
    assert counts == {"bigquery.read": {"in": 10, "kept": 2, "bad_row": 6, "bad_json": 1, "missing_column": 1}}


def test_special_files_are_refused_before_any_is_opened(tmp_path: Path) -> None:
    """A FIFO would make a reader (and the CLI's header check) wait forever for a writer; a folder
    holding one, or a pattern naming one, is refused with one sentence, without opening it."""
    import os
    import socket

    export = tmp_path / "export"
    export.mkdir()
    write_parquet(export / "a.parquet", [sample_row(1)])
    os.mkfifo(export / "b.parquet")
    fifo = str(export / "b.parquet")
    sentence = f"the dump file '{fifo}' is a FIFO (named pipe), not a regular file; an export is read from regular files only"
    for patterns in ([str(export)], [str(export / "*")], [str(export / "*.parquet")], [fifo]):
        assert dump_inputs_problem(patterns) == sentence
        with pytest.raises(ValueError) as err:
            ReadDump(patterns)
        assert str(err.value) == sentence
    os.remove(fifo)
    # A FIFO without a known extension is named for what it is, not for its name.
    os.mkfifo(export / "notes")
    assert dump_inputs_problem([str(export)]) == (f"the dump file '{export / 'notes'}' is a FIFO (named pipe), "
                                                  "not a regular file; an export is read from regular files only")
    os.remove(export / "notes")
    # A socket, and a symlink to a device: refused by kind too (stat follows the link).
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(export / "c.jsonl"))
        assert dump_inputs_problem([str(export)]) == (f"the dump file '{export / 'c.jsonl'}' is a socket, not a "
                                                      "regular file; an export is read from regular files only")
    os.remove(export / "c.jsonl")
    os.symlink("/dev/zero", export / "d.jsonl")
    assert dump_inputs_problem([str(export / "d.jsonl")]) == (
        f"the dump file '{export / 'd.jsonl'}' is a character device, not a regular file; "
        "an export is read from regular files only")
    os.remove(export / "d.jsonl")
    # A dangling link is no file: the pattern matches nothing, and says so.
    os.symlink(str(tmp_path / "gone.jsonl"), export / "e.jsonl")
    assert dump_inputs_problem([str(export / "*.jsonl")]) == f"no file matches the dump pattern '{export / '*.jsonl'}'"
    os.remove(export / "e.jsonl")
    assert dump_inputs_problem([str(export)]) is None


def test_local_patterns_match_as_beams_filesystems_do(tmp_path):
    """The CLI matches local dump patterns without Beam; the files must be those FileSystems names."""
    from apache_beam.io.filesystems import FileSystems

    for rel in ["a.parquet", "b.json", ".hidden.json", "sub/c.parquet", "sub/deep/d.json", "x]y.json",
                "[br].json", "q1.avro", "q22.avro"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    root = str(tmp_path)
    for pattern in ["*", "*.json", "**", "**.json", "sub/*", "sub/**", "q?.avro", "q*.avro", "[ab].*",
                    "[!a]*.json", "[]x]*", "nothing*", "a.parquet", "missing.parquet", "sub", "*/c.parquet"]:
        full = f"{root}/{pattern}"
        if "://" not in full and (tmp_path / pattern).is_dir():
            beam_paths = sorted(m.path for m in FileSystems.match([f"{full}/*"])[0].metadata_list)
        else:
            beam_paths = sorted(m.path for m in FileSystems.match([full])[0].metadata_list)
        assert match_files(full) == beam_paths, pattern
    assert match_files(f"{root}/*.json") == [f"{root}/.hidden.json", f"{root}/[br].json", f"{root}/b.json",
                                             f"{root}/x]y.json"]
