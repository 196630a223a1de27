"""The clone fetcher on real repositories served as file:// URLs, laid out as <tmp>/owner/name.git."""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import apache_beam as beam
import pygit2
import pytest
from apache_beam.metrics import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions

from beam_jobs.accounting import stage_counts
from beam_jobs.sources.dump.clone import CLONE_NAMESPACE, FetchByClone, read_blob, read_candidate
from beam_jobs.sources.commits import FetchError
from schemas.candidate import CandidateCommit
from schemas.commit import commit_record_id
from config import build_config, config_to_dict
from config.dump import FetchConfig, redact_credentials
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import BEAM_ARGS, assert_balanced

LIMIT = 100  # max_file_bytes in these tests
BIG = "x = 1\n" * 20  # 120 bytes


def blob_sha(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return str(pygit2.hash(raw))


@dataclasses.dataclass
class Served:
    root: Path
    candidates: dict[str, CandidateCommit]  # by name

    @property
    def config(self) -> FetchConfig:
        return FetchConfig(clone_url=f"file://{self.root.as_posix()}/{{repo}}.git", max_file_bytes=LIMIT)


def candidate(builder: RepoBuilder, commit: str, path: str, repos: list[str], license: str = "mit") -> CandidateCommit:
    """The candidate the query would give for a single-file commit of `builder`'s repository."""
    repo = builder.repo
    c = repo[commit]
    parent = c.parents[0]
    return CandidateCommit(
        commit=commit, parent=str(parent.id), old_path=path, new_path=path,
        old_sha1=str(parent.tree[path].id), new_sha1=str(c.tree[path].id),
        subject=c.message.split("\n", 1)[0], message=c.message,
        author_time_sec=c.author.time, committer_time_sec=c.committer.time,
        repos=repos, license=license, author_name=c.author.name, author_email=c.author.email,
        old_mode=int(parent.tree[path].filemode), new_mode=int(c.tree[path].filemode))


@pytest.fixture
def served(tmp_path: Path) -> Served:
    """alice/proj (bare) with one candidate per outcome, a fork name, and bob/gone that does not exist."""
    root = tmp_path / "served"
    b = RepoBuilder(root / "alice" / "proj.git", bare=True)
    files = {"a.py": "a = 1\n", "b.py": "b = 1\n", "bin.py": "ok = 1\n", "big.py": "small = 1\n",
             "latin.py": "s = 'e'\n"}
    b.commit(files, "Initial")
    repos = ["alice/proj", "zed/fork"]
    out: dict[str, CandidateCommit] = {}
    files["a.py"] = "a = 2\n"
    out["fix_a"] = candidate(b, b.commit(files, "Fix a\n\nBody of a."), "a.py", repos, "mit")
    files["b.py"] = "b = 2\n"
    out["fix_b"] = candidate(b, b.commit(files, "Fix b"), "b.py", repos, "gpl-3.0-or-later-weird")
    files["bin.py"] = b"ok = 1\x00\x01\n"
    out["binary"] = candidate(b, b.commit(files, "Binary"), "bin.py", repos)
    files["big.py"] = BIG
    out["too_large"] = candidate(b, b.commit(files, "Big"), "big.py", repos)
    files["latin.py"] = "s = '\xe9'\n".encode("latin-1")
    out["latin"] = candidate(b, b.commit(files, "Latin-1"), "latin.py", repos)
    # Force-pushed away: the commit was on a branch that is gone, so a clone has none of its objects.
    lost = dict(files, **{"a.py": "a = 'lost'\n"})
    gone_commit = b.commit(lost, "Lost", parents=[b.commit(files, "Tip")], ref="refs/heads/tmp")
    out["force_pushed"] = candidate(b, gone_commit, "a.py", repos)
    b.repo.references.delete("refs/heads/tmp")
    # A repository that was deleted from the host.
    out["deleted_repo"] = dataclasses.replace(out["fix_a"], commit="d" * 40, repos=["bob/gone"])
    return Served(root=root, candidates=out)


# ----------------------------------------------------------------------------------- the pure core

def test_read_candidate_and_its_reasons(served: Served) -> None:
    repo = pygit2.Repository(str(served.root / "alice" / "proj.git"))
    c = served.candidates
    assert read_candidate(repo, c["fix_a"], LIMIT) == ("a = 1\n", "a = 2\n")
    assert read_candidate(repo, c["fix_b"], LIMIT) == ("b = 1\n", "b = 2\n")

    def reason(name: str, limit: int = LIMIT) -> tuple[str, str]:
        with pytest.raises(FetchError) as err:
            read_candidate(repo, c[name], limit)
        return err.value.reason, err.value.detail

    assert reason("binary") == ("binary_content", "new contents hold a NUL byte")
    assert reason("too_large") == ("too_large", f"new blob {blob_sha(BIG)} is 120 bytes, over the limit of 100")
    assert reason("latin") == ("not_utf8", "new contents: invalid continuation byte at byte 5")
    # A limit of the exact size passes; one below it does not.
    assert read_candidate(repo, c["too_large"], 120)[1] == BIG
    assert reason("too_large", 119)[0] == "too_large"


def test_read_blob_missing_wrong_type_and_corrupt(tmp_path: Path, builder: RepoBuilder) -> None:
    commit = builder.commit({"a.py": "a = 1\n"}, "Initial")
    repo = builder.repo
    absent = "0123456789" * 4
    with pytest.raises(FetchError) as err:
        read_blob(repo, absent, "old", LIMIT)
    assert (err.value.reason, err.value.detail) == (
        "missing_blob", f"old blob {absent} is not in the repository (history rewritten, or the object was removed)")
    with pytest.raises(FetchError) as err:
        read_blob(repo, commit, "new", LIMIT)
    assert (err.value.reason, err.value.detail) == ("missing_blob", f"new sha {commit} names a commit, not a blob")
    # A truncated loose object: RepoBuilder writes loose objects into a non-bare repository.
    sha = blob_sha("a = 1\n")
    loose = Path(repo.path) / "objects" / sha[:2] / sha[2:]
    os.chmod(loose, 0o644)
    loose.write_bytes(loose.read_bytes()[:5])
    with pytest.raises(FetchError) as err:
        read_blob(repo, sha, "old", LIMIT)
    assert (err.value.reason, err.value.detail) == ("corrupt_object", f"old blob: loose object {sha} is truncated")


def test_redact_credentials() -> None:
    assert redact_credentials("https://x-access-token:s3cret@github.com/a/b.git") == "https://***@github.com/a/b.git"
    assert redact_credentials("https://github.com/a/b.git") == "https://github.com/a/b.git"
    assert redact_credentials("file:///srv/a/b.git") == "file:///srv/a/b.git"
    # Anywhere in a text: libgit2 repeats the URL inside its own error message.
    assert redact_credentials("cloning https://u:s3cret@h/r.git: failed to resolve path 'file://u:s3cret@h/x'") == \
        "cloning https://***@h/r.git: failed to resolve path 'file://***@h/x'"


def test_credentials_in_urls_never_reach_the_manifest_config() -> None:
    config = build_config("strict", overrides={"fetch.clone_url": "https://x-access-token:s3cret@github.com/{repo}.git"})
    assert config_to_dict(config)["fetch"]["clone_url"] == "https://***@github.com/{repo}.git"
    assert config.fetch.clone_url.startswith("https://x-access-token:s3cret@")  # the run itself still uses it


# ------------------------------------------------------------------------------------ the transform

def _dump_json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), sort_keys=True, default=str)


def run_fetch(candidates: list[CandidateCommit], config: FetchConfig, out: Path) -> tuple[list[dict], list[dict], Any]:
    with beam.Pipeline(options=PipelineOptions(BEAM_ARGS)) as p:
        fetched = p | beam.Create(candidates) | FetchByClone(config)
        fetched["records"] | "R" >> beam.Map(_dump_json) | "WR" >> beam.io.WriteToText(str(out / "rec"))
        fetched["rejects"] | "J" >> beam.Map(_dump_json) | "WJ" >> beam.io.WriteToText(str(out / "rej"))

    def load(prefix: str) -> list[dict]:
        rows = [json.loads(line) for f in sorted(out.glob(f"{prefix}-*")) for line in f.read_text().splitlines()]
        return sorted(rows, key=lambda r: (r.get("commit", ""), r.get("key", "")))

    return load("rec"), load("rej"), p.result.metrics()


def clone_counters(metrics: Any) -> dict[str, int]:
    found = metrics.query(MetricsFilter().with_namespace(CLONE_NAMESPACE))["counters"]
    return {r.key.metric.name: int(r.committed) for r in found}


def expected_record(c: CandidateCommit, old: str, new: str, license: str) -> dict[str, Any]:
    return {
        "id": commit_record_id(c.commit, c.new_path), "source": "bigquery", "commit": c.commit,
        "parent": c.parent, "old_file": c.old_path, "new_file": c.new_path, "old_contents": old,
        "new_contents": new, "subject": c.subject, "message": c.message, "lang": "Python", "license": license,
        "repos": ["alice/proj", "zed/fork"],
        "author_time": str(datetime.fromtimestamp(c.author_time_sec, tz=timezone.utc)),
        "committer_time": str(datetime.fromtimestamp(c.committer_time_sec, tz=timezone.utc)),
        "author_name": c.author_name, "instruction": "", "message_lang": "", "old_parses": True, "python_major": 3,
        "tags": [], "edit_kinds": [], "tokens": None, "window_old": None, "window_new": None,
    }


def test_fetch_by_clone(served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clones = tmp_path / "clones"
    clones.mkdir()
    # RepoHandle clones under tempfile's folder; point it here to see that every clone is removed.
    monkeypatch.setattr(tempfile, "tempdir", str(clones))
    out = tmp_path / "out"
    out.mkdir()
    c = served.candidates
    records, rejects, metrics = run_fetch(list(c.values()), served.config, out)

    assert records == sorted([
        expected_record(c["fix_a"], "a = 1\n", "a = 2\n", "mit"),
        expected_record(c["fix_b"], "b = 1\n", "b = 2\n", "other"),
    ], key=lambda r: r["commit"])

    def reject(name: str, reason: str, detail: str, repo: str = "alice/proj") -> dict[str, str]:
        return {"stage": "bigquery.fetch", "reason": reason, "source": "bigquery", "key": c[name].commit,
                "repo": repo, "detail": detail}

    gone_url = f"file://{served.root.as_posix()}/bob/gone.git"
    got = {r["key"]: r for r in rejects}
    assert got[c["deleted_repo"].commit]["reason"] == "clone_failed"
    assert got[c["deleted_repo"].commit]["detail"] == (
        f"cloning {gone_url}: failed to resolve path '{served.root.as_posix()}/bob/gone.git': No such file or directory")
    assert rejects == sorted([
        reject("binary", "binary_content", "new contents hold a NUL byte"),
        reject("too_large", "too_large", f"new blob {blob_sha(BIG)} is 120 bytes, over the limit of 100"),
        reject("latin", "not_utf8", "new contents: invalid continuation byte at byte 5"),
        reject("force_pushed", "missing_blob", f"new blob {c['force_pushed'].new_sha1} is not in the repository "
                                               "(history rewritten, or the object was removed)"),
        reject("deleted_repo", "clone_failed", got[c["deleted_repo"].commit]["detail"], repo="bob/gone"),
    ], key=lambda r: (r.get("commit", ""), r["key"]))

    counts = stage_counts(metrics)
    assert counts == {"bigquery.fetch": {"in": 7, "kept": 2, "binary_content": 1, "clone_failed": 1,
                                         "missing_blob": 1, "not_utf8": 1, "too_large": 1}}
    assert_balanced(counts)
    # Six candidates of alice/proj, one clone; bob/gone tried once and failed.
    assert clone_counters(metrics) == {"clones": 2, "clone_failures": 1}
    assert os.listdir(clones) == []


def test_every_candidate_of_a_failed_clone_is_rejected(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    gone = [dataclasses.replace(served.candidates["fix_a"], commit=ch * 40, repos=["bob/gone"]) for ch in "abc"]
    records, rejects, metrics = run_fetch(gone, served.config, out)
    assert records == []
    assert [(r["key"], r["reason"], r["repo"]) for r in rejects] == [(ch * 40, "clone_failed", "bob/gone")
                                                                      for ch in "abc"]
    assert stage_counts(metrics) == {"bigquery.fetch": {"in": 3, "clone_failed": 3}}
    assert clone_counters(metrics) == {"clones": 1, "clone_failures": 1}


def test_a_failed_clone_with_credentials_in_the_url_never_writes_them(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    config = dataclasses.replace(served.config, clone_url="file://user:S3CRET@localhost/nowhere/{repo}.git")
    records, rejects, _ = run_fetch([served.candidates["fix_a"]], config, out)
    assert records == [] and [r["reason"] for r in rejects] == ["clone_failed"]
    assert "S3CRET" not in json.dumps(rejects)
    assert rejects[0]["detail"].startswith("cloning file://***@localhost/nowhere/alice/proj.git: ")
