"""`--overwrite` replaces what repairpack wrote, all of it, and nothing else; a killed run leaves the
previous output intact; the same on an object store (a FileSystems scheme without folders)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from apache_beam.io.filesystem import FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.io.localfilesystem import LocalFileSystem

import run_pipeline
from beam_jobs import pipeline
from beam_jobs.output.folder import prepare_output, previous_output
from beam_jobs.pipeline import Inputs, repairpack_names
from config import build_config
from tests.gitbuild import RepoBuilder
from tests.pipeline_helpers import BEAM_ARGS


def _repo(tmp_path: Path) -> str:
    b = RepoBuilder(tmp_path / "alice" / "proj")
    b.commit({"a.py": "x = 1\n"}, "Initial commit")
    b.commit({"a.py": "x = 2\n"}, "Set x to two everywhere")
    b.commit({"a.py": "x = 3\n", "b.py": "y = 1\n"}, "Set x to three and add y")
    return str(b.path)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


class KilledRun(Exception):
    pass


def test_overwrite_replaces_every_earlier_output_and_keeps_foreign_files(tmp_path, capsys, monkeypatch):
    repo = _repo(tmp_path)
    out = tmp_path / "out"
    # First run: JSONL, a format, the export and the report (stats.json, report.md/html, report_plots/).
    assert run_pipeline.main(["--git", repo, "--output", str(out), "--preset", "none", "--jsonl",
                              "--format", "chat", "--commitpackft-export"]) == 0
    capsys.readouterr()
    first = _files(out)
    tops = {f.split("/", 1)[0] for f in first}
    assert {"jsonl", "chat", "commitpackft_export", "stats.json", "report.md", "report.html", "data", "rejects",
            "README.md", "manifest.json"} <= tops

    # A run killed after its pipeline, before publishing: its staging folder (mined code) stays
    # behind, and the previous output is untouched.
    def killed(staging: str, output: str, known: frozenset[str]) -> None:
        raise KilledRun(staging)

    monkeypatch.setattr(pipeline, "publish", killed)
    with pytest.raises(KilledRun):
        pipeline.run(Inputs(git=[repo]), build_config("none"), str(out), BEAM_ARGS, overwrite=True)
    monkeypatch.undo()
    stale = [n for n in os.listdir(out) if n.startswith(".staging-")]
    assert len(stale) == 1 and any((out / stale[0]).rglob("*.parquet"))
    assert [f for f in _files(out) if not f.startswith(".staging-")] == first

    # Files repairpack did not write stay (a Hub clone's .git, the user's notes).
    (out / "notes.txt").write_text("mine")
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    manifest = pipeline.run(Inputs(git=[repo]), build_config("none"), str(out), BEAM_ARGS, overwrite=True)
    assert _files(out) == sorted([".git/HEAD", "README.md", "manifest.json", "notes.txt",
                                  *(e["file"] for e in manifest["shards"])])
    assert {e["file"].split("/", 1)[0] for e in manifest["shards"]} == {"data", "rejects"}
    assert manifest["config"]["assembly"]["output"]["jsonl"] is False
    assert json.loads((out / "manifest.json").read_text()) == json.loads(json.dumps(manifest, default=str))


def test_which_folders_overwrite_may_replace(tmp_path):
    missing = tmp_path / "new"
    prepare_output(str(missing), overwrite=False)  # a new folder: fine
    empty = tmp_path / "empty"
    empty.mkdir()
    prepare_output(str(empty), overwrite=False)

    foreign = tmp_path / "foreign"
    (foreign / "data").mkdir(parents=True)
    (foreign / "thesis.tex").write_text("")
    with pytest.raises(FileExistsError) as exc:
        prepare_output(str(foreign), overwrite=True)
    assert str(exc.value) == (f"the output folder '{foreign}' is not a repairpack output (no manifest.json of "
                              "repairpack; it holds data, thesis.tex), and --overwrite replaces only one: choose "
                              "an empty or new folder")
    # A manifest.json that is not repairpack's (or not JSON) does not make a folder ours.
    for text in ('{"format": "someone-else/1"}', "{not json"):
        (foreign / "manifest.json").write_text(text)
        with pytest.raises(FileExistsError, match="is not a repairpack output"):
            prepare_output(str(foreign), overwrite=True)
    assert sorted(os.listdir(foreign)) == ["data", "manifest.json", "thesis.tex"]  # nothing removed

    killed = tmp_path / "killed"
    (killed / ".staging-0123456789ab" / "data").mkdir(parents=True)
    with pytest.raises(FileExistsError, match="is not empty; pass --overwrite"):
        prepare_output(str(killed), overwrite=False)
    prepare_output(str(killed), overwrite=True)  # only a killed first run's staging: ours

    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "manifest.json").write_text('{"format": "repairpack-manifest/2"}')
    (ours / "notes.txt").write_text("")
    prepare_output(str(ours), overwrite=True)

    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        prepare_output(str(a_file), overwrite=True)


def test_previous_output_names_only_what_repairpack_wrote():
    manifest = {"shards": [{"file": "oldformat/train-00000-of-00001.parquet"}, {"file": "../outside.parquet"},
                           {"file": "/etc/passwd"}, "not an entry"]}
    names = ["..", ".git", ".staging-aaaa", ".staging-mine", "README.md", "chat", "commitpackft",
             "commitpackft_export", "data", "jsonl", "manifest.json", "notes.txt", "oldformat", "outside.parquet",
             "rejects", "report.html", "report.md", "report_plots", "stats.json"]
    assert previous_output(names, manifest, repairpack_names(), ".staging-mine") == [
        ".staging-aaaa", "README.md", "chat", "commitpackft", "commitpackft_export", "data", "jsonl",
        "manifest.json", "oldformat", "rejects", "report.html", "report.md", "report_plots", "stats.json"]
    assert previous_output(["notes.txt", "data"], None, repairpack_names()) == ["data"]


class FakeBucket(LocalFileSystem):
    """An object store kept in a local folder, scheme `repairpackfake://`: objects, no folders, a
    prefix listing as GCS gives; the output code takes it for a remote path."""

    root = ""
    PREFIX = "repairpackfake://"

    @classmethod
    def scheme(cls) -> str:
        return "repairpackfake"

    def has_dirs(self) -> bool:
        return False

    def _local(self, path: str) -> str:
        return os.path.join(self.root, path[len(self.PREFIX):])

    def _remote(self, path: str) -> str:
        return self.PREFIX + os.path.relpath(path, self.root)

    def join(self, base: str, *paths: str) -> str:
        return "/".join([base.rstrip("/"), *paths])

    def mkdirs(self, path: str) -> None:
        pass

    def _list(self, prefix: str):
        base = self._local(prefix)
        start = base if os.path.isdir(base) else os.path.dirname(base)
        for folder, _, files in os.walk(start):
            for name in files:
                full = os.path.join(folder, name)
                if full.startswith(base):
                    yield FileMetadata(self._remote(full), os.path.getsize(full), os.path.getmtime(full))

    def create(self, path, *args, **kwargs):
        return super().create(self._local(path), *args, **kwargs)

    def open(self, path, *args, **kwargs):
        return super().open(self._local(path), *args, **kwargs)

    def exists(self, path: str) -> bool:
        return os.path.isfile(self._local(path))

    def size(self, path: str) -> int:
        return os.path.getsize(self._local(path))

    def last_updated(self, path: str) -> float:
        return os.path.getmtime(self._local(path))

    def rename(self, sources, destinations) -> None:
        for src, dst in zip(sources, destinations):
            os.makedirs(os.path.dirname(self._local(dst)), exist_ok=True)
            os.rename(self._local(src), self._local(dst))

    def delete(self, paths) -> None:
        # GCS takes a missing object as deleted (gcsio ignores 404); two workers may delete one.
        for path in paths:
            try:
                os.remove(self._local(path))
            except FileNotFoundError:
                pass


def _objects(prefix: str) -> list[str]:
    return sorted(m.path[len(prefix) + 1:] for r in FileSystems.match([f"{prefix}/**"]) for m in r.metadata_list)


def test_overwrite_on_an_object_store(tmp_path, monkeypatch):
    monkeypatch.setattr(FakeBucket, "root", str(tmp_path / "bucket"))
    repo = _repo(tmp_path)
    out = "repairpackfake://corpora/run"
    prepare_output(out, overwrite=False)  # nothing there yet
    config = build_config("none", overrides={"assembly.output.jsonl": True, "assembly.output.formats": ["chat"]})
    first = pipeline.run(Inputs(git=[repo]), config, out, BEAM_ARGS)
    assert any(f.startswith("jsonl/") for f in _objects(out)) and any(f.startswith("chat/") for f in _objects(out))
    with pytest.raises(FileExistsError, match="is not empty; pass --overwrite"):
        prepare_output(out, overwrite=False)
    # A killed run's staging, a report of the first run and a foreign object.
    for name in (".staging-0123456789ab/data/train-00000-of-00001.parquet", "stats.json", "keep/notes.txt"):
        with FileSystems.create(f"{out}/{name}") as f:
            f.write(b"x")
    prepare_output(out, overwrite=True)
    second = pipeline.run(Inputs(git=[repo]), build_config("none"), out, BEAM_ARGS, overwrite=True)
    assert _objects(out) == sorted(["README.md", "keep/notes.txt", "manifest.json",
                                    *(e["file"] for e in second["shards"])])
    assert [e for e in second["shards"] if e["config"] == "default"] == \
        [e for e in first["shards"] if e["config"] == "default"]
    # A folder of other objects is not replaced.
    with FileSystems.create("repairpackfake://corpora/other/thesis.tex") as f:
        f.write(b"x")
    with pytest.raises(FileExistsError, match="is not a repairpack output"):
        prepare_output("repairpackfake://corpora/other", overwrite=True)
