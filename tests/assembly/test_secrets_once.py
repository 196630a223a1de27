"""Records mined in a run are redacted once, as they leave their source; assembly's secrets stage
does not scan their samples again. That second scan could only find what the first left in place on
purpose, so dropping it must not change a byte of the corpus: checked here on a real repository
full of keys, addresses and URL passwords, against a build that scans again."""
from __future__ import annotations

import json

import pyarrow.parquet as pq

import run_pipeline
from beam_jobs.assembly import merge
from tests.faults.helpers import ARGS

MODULE = '''"""Settings of the service; mail ops@{n}corp.de with questions."""
AWS_KEY = "AKIAIOSFODNN7{n:07d}"[:20]
DB_URL = "postgres://admin:S3cretPassw0rd{n}@db.internal:5432/app"
TOKEN = "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q{n:02d}"[:40]
SERVERS = ["203.0.113.{n}", "81.2.69.{n}", "2a00:1450:4001:81{n}::200e"]


def contact(user):
    """Write to jane.doe{n}@gmail.com or call the host at 81.2.69.{n}."""
    return "mailto:" + user + "@example.com"
'''


def _build(builder, tmp_path, name: str, rescan: bool, monkeypatch) -> tuple[dict, dict[str, bytes]]:
    real = merge.AssembleCorpus.__init__

    def init(self, config, needles=None, runs=None, rescan=True, **rest):  # the build asks for no rescan: scan anyway
        real(self, config, needles, runs, rescan=True, **rest)

    if rescan:
        monkeypatch.setattr(merge.AssembleCorpus, "__init__", init)
    out = tmp_path / name
    args = ["--git", str(builder.path), "--output", str(out), "--quiet", *ARGS]
    assert run_pipeline.main(args) == 0
    monkeypatch.undo()
    shards = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}
    return json.loads((out / "manifest.json").read_text()), shards


def test_a_second_scan_of_fresh_samples_changes_nothing(builder, tmp_path, monkeypatch):
    for n in range(1, 9):
        builder.commit({"app/settings.py": MODULE.format(n=n), "README.md": "# app\n"},
                       f"Move the settings of service {n} to one module (ask jane.doe{n}@gmail.com)")
    once, once_shards = _build(builder, tmp_path, "once", rescan=False, monkeypatch=monkeypatch)
    twice, twice_shards = _build(builder, tmp_path, "twice", rescan=True, monkeypatch=monkeypatch)
    assert once_shards == twice_shards
    data = [pq.read_table(tmp_path / "once" / name).to_pylist() for name in once_shards if name.startswith("data/")]
    samples = [row for table in data for row in table]
    assert len(samples) == 7 and all("redacted" in row["tags"] for row in samples)
    assert all("<KEY>" in row["new_contents"] and "<EMAIL>" in row["new_contents"] for row in samples)
    assert once["counts"]["git.secrets"] == {"in": 7, "kept": 7}
    assert once["counts"]["assembly.secrets"] == twice["counts"]["assembly.secrets"] == {"in": 7, "kept": 7}
    assert once["secrets_findings"] == twice["secrets_findings"] == {"EMAIL": 28, "IP_ADDRESS": 28, "KEY": 42, "records_redacted": 7}
