"""Assembly end to end on the sample commits plus planted judge records: every stage balanced, the
shard layout the Hub reads, the schema, the optional outputs, a card that parses, byte-identical reruns;
and the sample schema, converters, diff and config checks on their own."""
from __future__ import annotations

import dataclasses
import hashlib
import subprocess

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from beam_jobs.assembly.merge import STAGES
from beam_jobs.assembly.diff import changed_lines, unified_diff
from beam_jobs.output.card import parse_header, render_card
from schemas.exports import COMMITPACKFT_COLUMNS, FORMAT_SCHEMAS
from config.assembly import AssemblyConfig
from config.assembly import problems as assembly_config_problems
from beam_jobs.assembly.minhash import lsh_bands_rows
from beam_jobs.assembly.samples import from_commit, from_judge, to_sample
from schemas.sample import SAMPLE_SCHEMA
from tests.assembly.helpers import StandInJudge, assemble, assert_balanced, config, jsonl_rows, sample_commits


def _judges() -> list[StandInJudge]:
    solutions = [
        ("n = int(input())\nprint(sum(int(c) for c in str(n)))\n", "n = input()\nprint(sum(int(c) for c in n.strip()))\n"),
        ("a, b = map(int, input().split())\nprint(a * b)\n", "a, b = map(int, input().split())\nprint(a * b % 1000000007)\n"),
        ("s = input()\nprint(s[::-1])\n", "s = input().strip()\nprint(s[::-1])\n"),
    ]
    return [StandInJudge(id=f"judge{i:019d}", old_contents=old, new_contents=new, problem_id=f"p0200{i}",
                         instruction=f"Fix this solution to problem {i}: it gets Wrong Answer.",
                         submission_before=f"s{i}0", submission_after=f"s{i}1")
            for i, (old, new) in enumerate(solutions)]


def _full_config() -> AssemblyConfig:
    return config(output={"jsonl": True, "commitpackft_export": True, "formats": ["commitpackft", "chat", "alpaca"]},
                  splits={"train": 0.5, "validation": 0.25, "test": 0.25})


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    records = sample_commits() + _judges()
    got = assemble(records, _full_config(), out)
    return out, got


def test_every_stage_counts_in_equals_kept_plus_rejected(built):
    _, got = built
    assert set(got.counts) == set(STAGES)
    assert_balanced(got.counts)
    assert got.counts["assembly.exact_dedup"]["in"] == 16
    final = sum(got.stats["sources"].values())
    assert final == got.counts["assembly.secrets"]["kept"] == len(got.samples) == 15
    assert len(got.rejects) == 16 - final
    assert got.stats["sources"] == {"commit": 12, "judge": 3}


def test_shards_per_split_in_hub_layout(built):
    out, got = built
    data = sorted(p.relative_to(out).as_posix() for p in (out / "data").glob("*"))
    assert data and all(f.split("/")[1].split("-")[0] in ("train", "validation", "test") for f in data)
    assert all(f.endswith("-00000-of-00001.parquet") for f in data)
    rows = {e["split"]: e["rows"] for e in got.entries if e["config"] == "default"}
    assert rows == {k: sum(v.values()) for k, v in got.stats["splits"].items()}
    for entry in got.entries:
        raw = (out / entry["file"]).read_bytes()
        assert len(raw) == entry["bytes"] and hashlib.sha256(raw).hexdigest() == entry["sha256"]
    table = ds.dataset(str(out / "data"), format="parquet").to_table()
    assert table.schema.equals(SAMPLE_SCHEMA)
    assert table.schema.field("old_contents").type == SAMPLE_SCHEMA.field("diff").type  # large_string
    assert pq.ParquetFile(out / data[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    samples = table.to_pylist()
    assert sorted(s["id"] for s in samples) == [s.id for s in got.samples]
    # A group is in one split only.
    splits_of_group: dict[str, set[str]] = {}
    for s in samples:
        splits_of_group.setdefault(s["group"], set()).add(s["split"])
    assert all(len(v) == 1 for v in splits_of_group.values())
    judge = next(s for s in samples if s["source"] == "judge")
    assert judge["commit"] is None and judge["repos"] is None and judge["dataset"] == "codenet"
    assert judge["group"].startswith("codenet/p0200")
    commit = next(s for s in samples if s["source"] == "commit")
    assert commit["problem_id"] is None and commit["commit"] and commit["repos"]


def test_optional_outputs(built):
    out, got = built
    n = len(got.samples)
    jsonl = [r for p in sorted((out / "jsonl").glob("*.jsonl")) for r in jsonl_rows(p)]
    assert len(jsonl) == n and list(jsonl[0]) == SAMPLE_SCHEMA.names
    export = ds.dataset(str(out / "commitpackft_export"), format="parquet").to_table()
    assert export.column_names == list(COMMITPACKFT_COLUMNS) and export.num_rows == n
    assert all(str(export.schema.field(c).type) in ("string", "large_string") for c in COMMITPACKFT_COLUMNS)
    export = [r for p in sorted((out / "jsonl" / "commitpackft_export").glob("*.jsonl")) for r in jsonl_rows(p)]
    assert len(export) == n and all(tuple(r) == COMMITPACKFT_COLUMNS for r in export)
    commit_rows = [r for r in export if r["repos"] in ("alice/textstats,bob/textstats", "carol/csvkit-lite")]
    assert commit_rows and all(isinstance(r["repos"], str) for r in export)
    for fmt, schema in FORMAT_SCHEMAS.items():
        table = ds.dataset(str(out / fmt), format="parquet").to_table()
        assert table.num_rows == n and table.schema.equals(schema)
    chat = ds.dataset(str(out / "chat"), format="parquet").to_table().to_pylist()[0]
    assert [m["role"] for m in chat["messages"]] == ["user", "assistant"]
    prompt = ds.dataset(str(out / "commitpackft"), format="parquet").to_table().to_pylist()[0]["prompt"]
    assert prompt.startswith("<commit_before>") and prompt.endswith("<commit_after>")


def test_dataset_card_parses_and_describes_the_run(built):
    out, got = built
    cfg = _full_config()
    card = render_card(entries=got.entries, stats=got.stats, counts=got.counts,
                       config={"preset": "strict", "filters": {"subject_min_chars": 11}}, assembly=cfg,
                       lsh=lsh_bands_rows(cfg.near_dedup), findings=got.findings, benchmarks={"humaneval": {"rows": 164, "needles": 288, "sha256": "b79"}})
    header = parse_header(card)
    assert header["license"] == ["apache-2.0", "cdla-permissive-2.0", "mit"]
    assert header["task_categories"] == ["text-generation"]
    configs = {c["config_name"]: c for c in header["configs"]}
    assert set(configs) == {"default", "commitpackft", "chat", "alpaca", "commitpackft_export"}
    assert configs["default"]["default"] is True
    for c in configs.values():
        for df in c["data_files"]:
            assert list(out.glob(df["path"])), df
    assert {df["split"] for df in configs["default"]["data_files"]} == set(got.stats["splits"])
    assert "filters.subject_min_chars" in card and "## Known limitations" in card and "humaneval" in card
    (out / "README.md").write_text(card)


def test_second_run_gives_byte_identical_shards(built, tmp_path):
    out, got = built
    again = assemble(sample_commits() + _judges(), _full_config(), tmp_path)
    assert [(e["file"], e["sha256"]) for e in again.entries] == [(e["file"], e["sha256"]) for e in got.entries]


# --------------------------------------------------------------------------------------- pure parts

def test_from_commit_fills_provenance():
    record = sample_commits()[0]
    sample = from_commit(record)
    assert sample.source == "commit" and sample.record_id == record.id and sample.group == min(record.repos)
    assert sample.commit == record.commit and sample.repos == sorted(record.repos)
    assert sample.problem_id is None and sample.verdict_sequence is None
    assert sample.id == from_commit(record).id and len(sample.id) == 24
    assert sample.diff.startswith(f"--- a/{record.old_file}\n+++ b/{record.new_file}\n@@ ")
    changed = dataclasses.replace(record, new_contents=record.new_contents + "# more\n")
    assert from_commit(changed).id != sample.id


def test_from_judge_with_a_stand_in_and_the_real_record():
    stand_in = _judges()[0]
    sample = from_judge(stand_in)
    assert (sample.source, sample.group, sample.dataset, sample.problem_id) == ("judge", "codenet/p02000", "codenet", "p02000")
    assert sample.verdict_sequence == ["Wrong Answer", "Accepted"] and sample.submission_after == "s01"
    assert sample.commit is None and sample.repos is None and (sample.lines_added, sample.lines_removed) == (2, 2)
    assert to_sample(stand_in).id == sample.id
    judge_module = pytest.importorskip("schemas.judge")
    fields = {f.name for f in dataclasses.fields(judge_module.JudgeRecord)}
    values = {k: v for k, v in dataclasses.asdict(stand_in).items() if k in fields}
    values.update(commit="s01", parent="s00", repos=["codenet/p02000"], committer_time=stand_in.author_time,
                  author_name="u000001")
    real = judge_module.JudgeRecord(**values)
    assert to_sample(real).id == sample.id and to_sample(real).group == sample.group


def test_diff_applies_with_git(tmp_path):
    old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nlast without newline"
    new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nlast with newline\n"
    result = unified_diff(old, new, "f.py", "f.py")
    assert (result.lines_added, result.lines_removed, result.hunks) == (2, 2, 2)
    assert "\\ No newline at end of file\n" in result.diff
    assert changed_lines(result.diff) == (["b", "last without newline"], ["B", "last with newline"])
    (tmp_path / "f.py").write_text(old)
    (tmp_path / "p.diff").write_text(result.diff)
    subprocess.run(["git", "apply", "--unsafe-paths", "p.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "f.py").read_text() == new
    assert unified_diff("same\n", "same\n").diff == ""


def test_config_problems_are_sentences():
    assert assembly_config_problems(AssemblyConfig()) == []
    bad = AssemblyConfig()
    bad.near_dedup.engine = "faiss"
    bad.splits.train = 0.9
    bad.secrets.mode = "scrub"
    bad.output.formats = ["chat", "sharegpt"]
    bad.output.chat_user = "{instruction} {code}"
    problems = assembly_config_problems(bad)
    assert len(problems) == 5 and all(p.startswith("config key") for p in problems)


def test_assembly_runs_alone_on_existing_shards(tmp_path):
    """Records written by an earlier run (commit and judge schemas side by side) read back and assemble."""
    import apache_beam as beam
    import pyarrow as pa
    from apache_beam.options.pipeline_options import PipelineOptions

    from beam_jobs.accounting import stage_counts
    from beam_jobs.assembly.merge import AssembleCorpus, ReadRecordShards
    from schemas.arrow import to_row
    from schemas.commit import COMMIT_SCHEMA

    commits = sample_commits()
    pq.write_table(pa.Table.from_pylist([to_row(c) for c in commits], schema=COMMIT_SCHEMA),
                   tmp_path / "train-00000-of-00002.parquet")
    judge_module = pytest.importorskip("schemas.judge")
    judge_fields = {f.name for f in dataclasses.fields(judge_module.JudgeRecord)}
    judges = []
    for stand_in in _judges():
        values = {k: v for k, v in dataclasses.asdict(stand_in).items() if k in judge_fields}
        values.update(commit=stand_in.submission_after, parent=stand_in.submission_before,
                      repos=[f"codenet/{stand_in.problem_id}"], committer_time=stand_in.author_time,
                      author_name=stand_in.user_id)
        judges.append(judge_module.JudgeRecord(**values))
    pq.write_table(pa.Table.from_pylist([to_row(j) for j in judges], schema=judge_module.JUDGE_SCHEMA),
                   tmp_path / "train-00001-of-00002.parquet")
    seen = tmp_path / "ids.txt"
    pipeline = beam.Pipeline(options=PipelineOptions(["--runner=FnApiRunner"]))
    out = (pipeline | ReadRecordShards(str(tmp_path / "train-*.parquet"))
           | AssembleCorpus(config(decontamination={"enabled": False})))
    (out["samples"] | beam.Map(lambda s: f"{s.source} {s.id}") | beam.combiners.ToList()
     | beam.Map(lambda ids: seen.write_text("\n".join(sorted(ids)))))
    result = pipeline.run()
    result.wait_until_finish()
    lines = seen.read_text().splitlines()
    assert len(lines) == 15 and sum(1 for x in lines if x.startswith("judge ")) == 3
    expected = sorted(f"{s.source} {s.id}" for s in map(to_sample, commits + judges))
    assert set(lines) <= set(expected)
    assert stage_counts(result.metrics())["assembly.exact_dedup"]["in"] == 16
