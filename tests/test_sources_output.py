"""`output.stop_after: sources`: each source's records as shards, read back into assembly later.

Real bundles and the CodeNet sample, the real pipeline on the FnApiRunner, real Parquet read back.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from beam_jobs.sources.judge.inputs import JudgeInputs
from beam_jobs.pipeline import Inputs, corpus_line, run
from schemas.commit import COMMIT_SCHEMA, commit_record_id
from config import ConfigError, build_config
from schemas.judge import JUDGE_SCHEMA
from tests.assembly.helpers import BEAM_ARGS, BUNDLES
from tests.pipeline_helpers import assert_balanced, read_rows
from tests.paths import ROOT

CODENET = str(ROOT / "samples" / "judge" / "codenet")
TEXT_LICENSES = {"licenses.detector": "text"}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def _sources_run(out: Path, **overrides) -> dict:
    config = build_config("strict", overrides={**TEXT_LICENSES, "output.stop_after": "sources", **overrides})
    return run(Inputs(git=BUNDLES, judge=JudgeInputs(codenet=CODENET)), config, str(out), BEAM_ARGS)


def test_records_of_each_source_are_written_and_nothing_else_happens(tmp_path):
    m = _sources_run(tmp_path / "src")
    data = tmp_path / "src" / "data"
    assert sorted(p.name for p in data.iterdir()) == ["commits-00000-of-00001.parquet", "judge-00000-of-00001.parquet"]
    commits = pq.read_table(data / "commits-00000-of-00001.parquet")
    judge = pq.read_table(data / "judge-00000-of-00001.parquet")
    assert commits.schema.equals(COMMIT_SCHEMA) and judge.schema.equals(JUDGE_SCHEMA)
    # Exactly what each source kept: its last stage's kept count, no assembly stage at all.
    assert commits.num_rows == m["counts"]["git.filters"]["kept"] == 13
    # Redacted like the corpus (stage <source>.secrets); the samples hold nothing to redact.
    assert m["counts"]["git.secrets"] == {"in": 13, "kept": 13}
    assert m["counts"]["judge.secrets"] == {"in": 14, "kept": 14}
    # judge.pair counts submissions: its 28 kept ones make 14 (before, after) pairs.
    assert m["counts"]["judge.pair"]["kept"] == 28 and judge.num_rows == 14
    assert not [stage for stage in m["counts"] if stage.startswith("assembly.")]
    assert {r["source"] for r in commits.to_pylist()} == {"git"}
    assert len({r["id"] for r in commits.to_pylist()}) == 13
    assert_balanced(m["counts"])
    rejected = sum(v for c in m["counts"].values() for k, v in c.items() if k not in ("in", "kept"))
    assert len(read_rows(tmp_path / "src" / "rejects")) == rejected == 89
    assert m["contents"] == "sources"
    assert m["rows"] == {"commits": {"commits": 13}, "judge": {"judge": 14}, "rejects": {"rejects": 89}}
    assert corpus_line(m) == "13 commit records, 14 judge records in 2 shard(s), 89 rejects"
    card = (tmp_path / "src" / "README.md").read_text()
    assert "| commits | `data/commits-*.parquet` | 13 |" in card and "--from-shards" in card
    assert json.loads((tmp_path / "src" / "manifest.json").read_text())["contents"] == "sources"


def test_assembling_the_records_later_gives_the_corpus_of_a_direct_run(tmp_path):
    _sources_run(tmp_path / "src")
    config = build_config("strict", overrides=TEXT_LICENSES)
    direct = run(Inputs(git=BUNDLES, judge=JudgeInputs(codenet=CODENET)), config, str(tmp_path / "direct"), BEAM_ARGS)
    later = run(Inputs(shards=[str(tmp_path / "src" / "data" / "*.parquet")]), config, str(tmp_path / "later"),
                BEAM_ARGS)
    assert _digests(tmp_path / "later" / "data") == _digests(tmp_path / "direct" / "data")
    assert later["rows"]["default"] == direct["rows"]["default"] == {"train": 25}
    # The later run counts only what assembly dropped.
    assert {k: v for k, v in later["counts"].items() if k.startswith("assembly.")} == \
        {k: v for k, v in direct["counts"].items() if k.startswith("assembly.")}


def test_source_records_are_byte_identical_from_run_to_run(tmp_path):
    _sources_run(tmp_path / "a", **{"assembly.output.shards": 2})
    _sources_run(tmp_path / "b", **{"assembly.output.shards": 2, "output.sort_buffer_mb": 1})
    assert _digests(tmp_path / "a" / "data") == _digests(tmp_path / "b" / "data")
    assert len(_digests(tmp_path / "a" / "data")) == 4


def test_a_bad_stop_after_and_a_misuse_stop_in_one_sentence(tmp_path):
    try:
        build_config(overrides={"output.stop_after": "mining"})
    except ConfigError as exc:
        assert str(exc) == "config key 'output.stop_after' must be one of corpus, sources"
    else:
        raise AssertionError("no ConfigError")
    (tmp_path / "x.parquet").write_bytes(b"")
    proc = subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), "--stop-after", "sources", "--from-shards",
                           str(tmp_path / "x.parquet"), "--output", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("repairpack: error: --from-shards feeds assembly, so it cannot be combined "
                                   "with --stop-after sources")
    proc = subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), "--stop-after", "sources", "--jsonl",
                           "--format", "chat", "--output", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("repairpack: error: --format, --jsonl shape(s) the corpus, which a run with "
                                   "--stop-after sources does not build")


def test_a_sources_only_build_refuses_shards_of_an_earlier_run(tmp_path):
    """From Python as from the command line: shards would otherwise be read and go nowhere."""
    import apache_beam as beam
    import pytest

    from beam_jobs.pipeline import build

    config = build_config("strict", overrides={**TEXT_LICENSES, "output.stop_after": "sources"})
    with pytest.raises(ValueError, match="cannot take them"):
        build(beam.Pipeline(), Inputs(shards=[str(tmp_path / "*.parquet")]), config, str(tmp_path / "staging"))


def test_the_report_asks_for_a_corpus_when_given_source_records(tmp_path):
    _sources_run(tmp_path / "src")
    proc = subprocess.run([sys.executable, str(ROOT / "run_pipeline.py"), "report", str(tmp_path / "src")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"'{tmp_path / 'src'}' holds source records, not a corpus" in proc.stderr


# Made up: shaped like real credentials, valid for nothing.
AWS_KEY = "AKIAQ7ZX3M4KJ2PL9VWE"
AWS_SECRET = "k8Zp2vQ9rT4mX7nB1cL6yH3sF0wJ5dG8aE2uR9tY"
KEY_SHAPED_NAME = "AKIAZ3X9Q7W2E5R8T1YU"  # shaped like a key, but a Python name where it stands: code
EMAIL = "jane.doe@acme-widgets.com"
SETTINGS = ('DB = {"password": "tiger", "user": "scott"}\n'
            'LOGIN = "/login?user=%s&password=%s"\n'
            'AUTH_CASES = [("http://user:pass@host/path", ("user", "pass"))]\n')
KEYED = SETTINGS + f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\naws_secret_access_key = "{AWS_SECRET}"\n'
REDACTED = SETTINGS + 'AWS_ACCESS_KEY_ID = "<KEY>"\naws_secret_access_key = "<KEY>"\n'


def test_records_written_after_the_sources_are_redacted(tmp_path, builder):
    """A repository built with pygit2: a commit adding a key beside the issue's names and URL (and
    an email in its message), a clean commit, and a key-shaped name outside any string (code)."""
    builder.commit({"settings.py": SETTINGS, "app.py": "X = 1\n", "keys.py": "ACCESS = None\n"}, "Initial commit")
    keyed = builder.commit({"settings.py": KEYED, "app.py": "X = 1\n", "keys.py": "ACCESS = None\n"},
                           f"Add the deploy key\n\nReported-by: {EMAIL}\n")
    clean = builder.commit({"settings.py": KEYED, "app.py": "X = 2\n", "keys.py": "ACCESS = None\n"}, "Set X to two")
    bare = builder.commit({"settings.py": KEYED, "app.py": "X = 2\n", "keys.py": f"ACCESS = {KEY_SHAPED_NAME}\n"},
                          "Use the key")
    config = build_config("none", overrides={**TEXT_LICENSES, "output.stop_after": "sources"})
    out = tmp_path / "src"
    m = run(Inputs(git=[str(builder.path)]), config, str(out), BEAM_ARGS)

    rows = {r["commit"]: r for r in pq.read_table(out / "data" / "commits-00000-of-00001.parquet").to_pylist()}
    assert set(rows) == {keyed, clean, bare}
    assert rows[keyed]["old_contents"] == SETTINGS and rows[keyed]["new_contents"] == REDACTED
    assert rows[keyed]["message"] == "Add the deploy key\n\nReported-by: <EMAIL>\n"
    assert "redacted" in rows[keyed]["tags"] and rows[keyed]["tags"] == sorted(set(rows[keyed]["tags"]))
    assert (rows[clean]["old_contents"], rows[clean]["new_contents"]) == ("X = 1\n", "X = 2\n")
    assert "redacted" not in rows[clean]["tags"]
    assert rows[bare]["new_contents"] == f"ACCESS = {KEY_SHAPED_NAME}\n" and "redacted" not in rows[bare]["tags"]
    # Counted like every stage; nothing secret anywhere in what was written.
    assert m["counts"]["git.secrets"] == {"in": 3, "kept": 3}
    assert m["counts"]["git.filters"]["kept"] == 3
    assert_balanced(m["counts"])
    assert m["secrets_findings"] == {"EMAIL": 1, "KEY": 2, "records_redacted": 1}
    card = (out / "README.md").read_text()
    written = " ".join([str(read_rows(out / "data")), str(read_rows(out / "rejects")), card,
                        (out / "manifest.json").read_text()])
    for value in (AWS_KEY, AWS_SECRET, EMAIL):
        assert value not in written
    assert "Redacted in every record's code, subject, message and instruction" in card
    assert "| git.secrets | 3 | 3 | 0 |" in card

    # Assembled later, the records are not redacted twice and keep their tag.
    later = run(Inputs(shards=[str(out / "data" / "*.parquet")]), build_config("none", overrides=TEXT_LICENSES),
                str(tmp_path / "corpus"), BEAM_ARGS)
    samples = {r["commit"]: r for r in read_rows(tmp_path / "corpus" / "data")}
    assert samples[keyed]["new_contents"] == REDACTED and "redacted" in samples[keyed]["tags"]
    assert later["counts"]["assembly.secrets"] == {"in": 3, "kept": 3}
    assert later["secrets_findings"] == {}

    # With mode drop, the record holding the key is a reject of git.secrets, counted.
    dropped = run(Inputs(git=[str(builder.path)]), build_config("none", overrides={
        **TEXT_LICENSES, "output.stop_after": "sources", "assembly.secrets.mode": "drop"}), str(tmp_path / "drop"),
        BEAM_ARGS)
    assert dropped["counts"]["git.secrets"] == {"in": 3, "kept": 2, "contains_key": 1}
    (reject,) = [r for r in read_rows(tmp_path / "drop" / "rejects") if r["stage"] == "git.secrets"]
    assert (reject["reason"], reject["key"], reject["detail"]) == (
        "contains_key", commit_record_id(keyed, "settings.py"), "KEY x2, EMAIL x1")
    assert {r["commit"] for r in read_rows(tmp_path / "drop" / "data")} == {clean, bare}
    assert_balanced(dropped["counts"])
    assert "A record holding a key, an email address or a public IP address is dropped" in \
        (tmp_path / "drop" / "README.md").read_text()
