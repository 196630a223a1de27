"""beam_jobs/runtime.py: the lean import of Beam for local runs, and options whose views are kept."""
from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from apache_beam.options.pipeline_options import (DirectOptions, GoogleCloudOptions, PipelineOptions,
                                                  StandardOptions, TypeOptions)

from beam_jobs.runtime import lean_import_fits, pipeline_options
from tests.gitbuild import RepoBuilder
from samples.licenses_text import MIT_LICENSE as MIT
from tests.paths import ROOT

# Imported by a plain `import apache_beam` (or by Beam and pyarrow on first use), used by no local run.
LEFT_OUT = ("pandas", "IPython", "google.cloud.bigquery", "google.cloud.storage", "google.cloud.dataflow",
            "boto3", "pymongo", "apache_beam.io.gcp.bigquery", "apache_beam.io.gcp.gcsfilesystem")



def _child(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _two_commit_repo(path: Path) -> Path:
    repo = RepoBuilder(path)
    before = ("def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs) if xs else 0"
              "\n\n\ndef median(xs):\n    s = sorted(xs)\n    return s[len(s) // 2]\n")
    after = before.replace("return s[len(s) // 2]", "n = len(s)\n    if n % 2:\n        return s[n // 2]\n"
                                                     "    return (s[n // 2 - 1] + s[n // 2]) / 2")
    repo.commit({"LICENSE": MIT, "stats.py": before}, "Add a median helper")
    repo.commit({"LICENSE": MIT, "stats.py": after}, "Fix median for lists of even length\n\nAverage the two middle values.")
    return path


def test_a_local_run_imports_none_of_beams_cloud_clients(tmp_path):
    """The CLI on a two-commit repository, report included: the corpus and its report, and none of
    the modules the lean import leaves out, in the process that built them."""
    repo = _two_commit_repo(tmp_path / "repo")
    argv = ["--git", str(repo), "--output", str(tmp_path / "out"), "--set", "licenses.detector=text", "--quiet"]
    seen = _child("import contextlib, io, json, sys\nimport run_pipeline\n"
                  "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
                  f"    rc = run_pipeline.main({argv!r})\n"
                  f"print(json.dumps({{'rc': rc, 'loaded': [m for m in {LEFT_OUT!r} if m in sys.modules]}}))\n")
    assert seen == {"rc": 0, "loaded": []}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["rows"]["default"] == {"train": 1}
    # The same files, byte for byte, as a run in this process, where Beam was imported whole.
    import run_pipeline

    assert run_pipeline.main([*argv[:3], str(tmp_path / "whole"), *argv[4:]]) == 0
    whole = json.loads((tmp_path / "whole" / "manifest.json").read_text())
    assert manifest["shards"] == whole["shards"]
    for name in ("stats.json", "report.md"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_what_a_lean_import_leaves_out_still_imports_on_use():
    seen = _child("import json, sys\nfrom beam_jobs.runtime import import_beam\n"
                  "lean = import_beam(lean=True)\nimport apache_beam as beam\n"
                  "before = 'apache_beam.io.gcp.bigquery' in sys.modules\n"
                  "name = beam.io.ReadFromBigQuery.__name__\n"
                  "from apache_beam.io.gcp import gcsfilesystem\n"
                  "print(json.dumps([lean, before, name, 'apache_beam.io.gcp.bigquery' in sys.modules]))\n")
    assert seen == [True, False, "ReadFromBigQuery", True]


def test_an_import_after_beam_is_loaded_changes_nothing():
    seen = _child("import json\nimport apache_beam\nfrom beam_jobs.runtime import import_beam\n"
                  "print(json.dumps(import_beam(lean=True)))\n")
    assert seen is False


@pytest.mark.parametrize("beam_args, paths, bigquery, fits", [
    (["--runner=FnApiRunner"], ["out"], False, True),
    (["--runner", "DirectRunner", "--direct_num_workers=2"], ["out", "data/*.parquet"], False, True),
    (["--runner=FnApiRunner"], ["gs://bucket/out"], False, False),
    (["--runner=FnApiRunner", "--temp_location=gs://bucket/tmp"], ["out"], False, False),
    (["--runner=FnApiRunner"], ["out", "s3://bucket/export-*.parquet"], False, False),
    (["--runner=FnApiRunner"], ["out"], True, False),
    (["--runner=DataflowRunner", "--project=p"], ["out"], False, False),
    (["--runner", "PortableRunner"], ["out"], False, False),
])
def test_the_lean_import_is_for_local_in_process_runs(beam_args, paths, bigquery, fits):
    assert lean_import_fits(beam_args, paths, bigquery=bigquery) is fits


def test_kept_views_read_and_write_the_options_as_new_views_do():
    args = ["--runner=FnApiRunner", "--direct_num_workers=2", "--project=demo", "--no_pipeline_type_check"]
    kept, plain = pipeline_options(args), PipelineOptions(args)
    assert kept.view_as(TypeOptions) is kept.view_as(TypeOptions)
    for cls in (StandardOptions, DirectOptions, GoogleCloudOptions, TypeOptions):
        assert vars(kept.view_as(cls)._visible_options) == vars(plain.view_as(cls)._visible_options)
    assert kept.get_all_options() == plain.get_all_options()
    kept.view_as(StandardOptions).runner = "DirectRunner"
    assert kept.view_as(StandardOptions).runner == "DirectRunner" == kept.get_all_options()["runner"]
    # A copy (Beam deep-copies a pipeline's options) and a pickle are independent, and keep working.
    copied = copy.deepcopy(kept)
    copied.view_as(StandardOptions).runner = "FnApiRunner"
    assert (kept.view_as(StandardOptions).runner, copied.view_as(StandardOptions).runner) == ("DirectRunner", "FnApiRunner")
    unpickled = pickle.loads(pickle.dumps(kept))
    assert "_views" not in vars(unpickled) or not vars(unpickled)["_views"]
    assert unpickled.view_as(DirectOptions).direct_num_workers == 2
    assert unpickled.view_as(StandardOptions).runner == "DirectRunner"


def test_a_lean_import_reads_each_functions_arguments_once_with_the_same_answers():
    seen = _child(
        "import json\nfrom beam_jobs.runtime import import_beam\nimport_beam(lean=True)\n"
        "import apache_beam as beam\nfrom apache_beam.transforms import core\n"
        "memo = core.get_function_args_defaults\noriginal = memo.original\n"
        "class Fn(beam.DoFn):\n"
        "    def process(self, element, side=None, window=beam.DoFn.WindowParam):\n        yield element\n"
        "def plain(a, b=2, *rest, c=3, **kw):\n    return a\n"
        "callables = [Fn().process, Fn().process, plain, lambda x, y=1: x, len, str.upper, Fn().setup]\n"
        "same = [memo(f) == original(f) for f in callables for _ in range(2)]\n"
        "args, defaults = memo(plain)\nargs.append('mutated')\n"
        "print(json.dumps({'memoized': bool(getattr(memo, 'memoized', False)), 'same': all(same),\n"
        "                  'fresh': memo(plain)[0] == ['a', 'b']}))\n")
    assert seen == {"memoized": True, "same": True, "fresh": True}


PROBE_DOFN_CHECKS = """
import json
from beam_jobs.runtime import import_beam
import_beam(lean=True)
import apache_beam as beam
from apache_beam.coders import VarIntCoder
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import core, userstate

specs, check = userstate.get_dofn_specs, core._check_fn_use_yield_and_return


class Counted(beam.DoFn):
    SEEN = userstate.BagStateSpec("seen", VarIntCoder())

    def process(self, element, seen=beam.DoFn.StateParam(SEEN)):
        seen.add(1)
        yield element[0], len(list(seen.read()))


class Plain(beam.DoFn):
    def process(self, element):
        yield element


class Both(beam.DoFn):
    def process(self, element):
        if element:
            return [element]
        yield element


class Twice(beam.DoFn):
    def process(self, element, a=beam.DoFn.WindowParam, b=beam.DoFn.WindowParam):
        yield element


same = [sorted(s.name for s in specs(d)[0]) == sorted(s.name for s in specs.original(d)[0])
        for d in (Counted(), Counted(), Plain(), Plain())]
raised = 0
for _ in range(2):
    try:
        specs(Twice())
    except ValueError:
        raised += 1
checks = [check(Both().process), check(Both().process), check(Plain().process), check(len)]
originals = [check.original(Both().process), check.original(Plain().process)]
with beam.Pipeline("FnApiRunner") as p:
    out = p | beam.Create([("k", 1), ("k", 2), ("j", 3)]) | beam.ParDo(Counted())
    assert_that(out, equal_to([("j", 1), ("k", 1), ("k", 2)]))
print(json.dumps({"memoized": bool(getattr(specs, "memoized", False)), "same": all(same),
                  "names": sorted(s.name for s in specs(Counted())[0]), "raised": raised, "checks": checks,
                  "originals": originals}))
"""


def test_a_lean_import_checks_each_dofn_once_with_the_same_answers(tmp_path):
    """The state specs and the yield-and-return check are Beam's answers, asked once per function: a
    stateful DoFn still runs with its state, a DoFn with a repeated parameter is refused each time."""
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE_DOFN_CHECKS)  # a file, not -c: the yield check reads the DoFn's source
    proc = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {
        "memoized": True, "same": True, "names": ["seen"], "raised": 2, "checks": [True, True, False, False],
        "originals": [True, False]}
