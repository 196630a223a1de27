"""bench/whole_cli.py: the profile folding on hand-written stacks, the process-tree CPU accounting, and
one smoke run on a small generated history (counts and the JSON's shape; never timings)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench import whole_cli as wc

ROOT = Path(__file__).resolve().parents[2]

PROC = 'process 42:"python run_pipeline.py --git repo"'
MAIN = "<module> (run_pipeline.py:400);main (run_pipeline.py:265);run (beam_jobs/pipeline.py:362)"
RUN = MAIN + ";Pipeline.run (apache_beam/pipeline.py:577);FnApiRunner.run_pipeline (apache_beam/runners/portability/fn_api_runner/fn_runner.py:199)"
IMPORT = "_find_and_load (<frozen importlib._bootstrap>:1176);_load_unlocked (<frozen importlib._bootstrap>:690)"


def test_stacks_go_to_the_first_category_from_the_root():
    cases = {
        # the filter DoFn under Pipeline.run, parsing in tags.analyse: filters (root-most), leaf ast.parse
        f"{PROC};{RUN};_BatchedFilterFn.process (beam_jobs/accounting.py:230);first_reason (filters/chain.py:120);"
        "analyse (filters/tags.py:138);parse (ast.py:50)": ("filters", "ast.parse", ["tags.analyse"]),
        # the same function outside the filter chain: its own category
        f"{RUN};window_record (beam_jobs/sources/windows.py:80);analysed (filters/tags.py:150);"
        "analyse (filters/tags.py:138)": ("windows", None, ["tags.analyse"]),
        f"{RUN};_WindowFn.process (beam_jobs/other.py:1);analyse (filters/tags.py:138)":
            ("annotate/tags/edit kinds", None, ["tags.analyse"]),
        f"{RUN};process (beam_jobs/sources/git/history.py:10)": ("mining", None, []),
        f"{RUN};encode (beam_jobs/assembly/minhash.py:3)": ("near dedup/minhash", None, []),
        f"{RUN};unified (beam_jobs/assembly/diff.py:3);SequenceMatcher.get_opcodes (difflib.py:500)":
            ("diffs", "difflib", []),
        f"{RUN};count (filters/tokens.py:3);Encoding.encode_ordinary (tiktoken/core.py:70)":
            ("token counting", "tiktoken encode_ordinary", []),
        # Beam's own work under Pipeline.run
        f"{RUN};DataInputOperation.process_encoded (apache_beam/runners/worker/bundle_processor.py:263)":
            ("Beam itself", None, []),
        # building the graph, including the imports it makes
        f"{MAIN};build (beam_jobs/pipeline.py:99);{IMPORT};<module> (beam_jobs/report/job.py:1)":
            ("graph construction", "imports", []),
        # an import at start-up is start-up, even of a module in a category's folder
        f"<module> (run_pipeline.py:20);{IMPORT};<module> (beam_jobs/report/job.py:1)":
            ("start-up/imports/driver", "imports", []),
        # the leaf row is the frame nearest the leaf: a pattern compiled during an import is "compile"
        f"<module> (run_pipeline.py:20);{IMPORT};compile (re/__init__.py:227)":
            ("start-up/imports/driver", "compile", []),
        # the report job, after the build, has its own Pipeline.run: it is the report's
        "<module> (run_pipeline.py:400);main (run_pipeline.py:292);run_report (beam_jobs/report/job.py:50);"
        "Pipeline.run (apache_beam/pipeline.py:577)": ("report", None, []),
        # a Beam worker thread, and the interpreter with no Python frame
        "_bootstrap (threading.py:995);_bootstrap_inner (threading.py:1038);run (apache_beam/utils/thread_pool_executor.py:50)":
            ("Beam itself", None, []),
        PROC: (wc.NO_FRAME, None, []),
        # project code no category names, under Beam; a thread with no Beam or project frame
        f"{RUN};with_diff (beam_jobs/assembly/samples.py:25);_digest (schemas/sample.py:94)":
            (wc.OTHER_PROJECT, None, []),
        "Thread._bootstrap (threading.py:1002);Thread._bootstrap_inner (threading.py:1045);Thread.run (threading.py:982)":
            (wc.THREADS, None, []),
        # stacks whose root the sampler lost are classified from what is left
        "_ScrubFn.process (beam_jobs/assembly/secrets.py:339);scan (beam_jobs/assembly/secret_finders.py:9)":
            ("secrets", None, []),
        "RegexBasedDetector.analyze_string (detect_secrets/plugins/base.py:167)":
            ("secrets", "detect-secrets plugins", []),
        "DataInputOperation.process_encoded (apache_beam/runners/worker/bundle_processor.py:263)": (wc.BEAM, None, []),
        "SequenceMatcher.get_grouped_opcodes (difflib.py:590)": (wc.TRUNCATED, "difflib", []),
    }
    for stack, want in cases.items():
        assert wc.classify(stack) == want, stack


def test_a_function_named_like_a_pattern_in_another_file_does_not_match():
    assert wc.classify(f"{MAIN};_build (beam_jobs/pipeline.py:10)")[0] == wc.STARTUP
    assert wc.classify(f"{MAIN};build (other/pipeline.py:10)")[0] == wc.STARTUP
    assert wc.classify(f"{RUN};update (datasketch/minhash.py:10)")[0] == wc.BEAM


def test_fold_profile_adds_up():
    raw = [f"{PROC};{RUN};_BatchedFilterFn.process (beam_jobs/accounting.py:230);parse (ast.py:50) 30\n",
           f"{PROC};{MAIN};build (beam_jobs/pipeline.py:99) 5\n",
           f"{PROC};<module> (run_pipeline.py:20);{IMPORT} 7\n",
           f"{PROC};{RUN};write (beam_jobs/output/shards.py:3);write_table (pyarrow/parquet/core.py:1) 8\n",
           "garbage line without a count\n", f"{PROC} 2\n"]
    folded = wc.fold_profile(raw, 100)
    assert folded["samples"] == 52
    assert sum(folded["categories"].values()) == 52
    assert folded["categories"] == {"filters": 30, "graph construction": 5, "start-up/imports/driver": 7,
                                    "writing shards": 8, wc.NO_FRAME: 2}
    assert folded["leaf_rows"]["filters"] == {"ast.parse": 30}
    assert folded["inclusive"]["pyarrow (pyarrow/)"] == 8
    table = wc.format_profile(folded, measured_cpu=0.26)
    assert "filters" in table and "of which ast.parse" in table and "(52 samples at 100 Hz)" in table
    json.dumps(folded)


def test_the_tree_cpu_counts_grandchildren_and_orphans(tmp_path):
    """A child that starts a grandchild and waits for it, and one it leaves behind: both burn CPU and
    report it; the measured tree CPU must hold both. Run in a fresh interpreter, since run_tree makes
    its process a subreaper and reaps whatever children it has."""
    burn = "import time; t = time.process_time()\nwhile time.process_time() - t < 0.3: pass\nprint(time.process_time())"
    child = textwrap.dedent(f"""
        import subprocess, sys
        burn = {burn!r}
        waited = subprocess.run([sys.executable, "-c", burn], capture_output=True, text=True).stdout
        orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)\\n" + burn + "\\nopen({str(tmp_path / 'orphan.txt')!r}, 'w').write(str(time.process_time()))"])
        print(waited.strip())
    """)
    driver = textwrap.dedent(f"""
        import json, sys
        from bench.whole_cli import run_tree
        run = run_tree([sys.executable, "-c", {child!r}], poll_seconds=0.05)
        print(json.dumps({{"cpu": run.cpu, "stdout": run.stdout, "rc": run.returncode}}))
    """)
    out = subprocess.run([sys.executable, "-c", driver], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["rc"] == 0
    waited = float(got["stdout"].strip().splitlines()[-1])
    orphan = float((tmp_path / "orphan.txt").read_text())
    assert got["cpu"] >= waited + orphan


@pytest.fixture(scope="module")
def small_repo(tmp_path_factory):
    from bench.git_history_gen import generate_repository

    return generate_repository(300, 3, tmp_path_factory.mktemp("gen"), log=lambda _: None)


def test_smoke_run_on_a_small_history(small_repo, tmp_path):
    profile = shutil.which("py-spy") is not None
    figures = tmp_path / "figures.json"
    cmd = [sys.executable, str(ROOT / "bench" / "whole_cli.py"), "--repo", str(small_repo), "--only", "default",
           "--only", "pydriller", "--only", "floor", "--set", "licenses.detector=text", "--json", str(figures),
           "--keep-output", str(tmp_path / "kept")] + (["--profile"] if profile else [])
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    printed = done.stdout
    assert "run_pipeline.py --git" in printed and "--pydriller-child" in printed  # the exact commands
    assert "(1) CLI default preset" in printed and "PyDriller wall / CLI wall" in printed
    data = json.loads(figures.read_text())
    default, pyd = data["median"]["default"], data["median"]["pydriller"]
    samples, rejects = wc.manifest_counts(tmp_path / "kept" / "default")
    assert (default["samples"], default["rejects"]) == (samples, rejects)
    assert default["extra"]["listed"] == 300
    # The same selection: PyDriller's candidates are the git source's.
    assert pyd["extra"]["commits"] == 300
    assert pyd["extra"]["candidates"] == default["extra"]["candidates"] > 0
    for m in (default, pyd):
        assert m["wall"] > 0 and m["cpu"] > 0 and m["peak_rss"] >= m["peak_anon"] > 0
    assert default["ms_per_sample"] == pytest.approx(1000 * default["cpu"] / samples)
    assert set(data["ratios"]["default"]) == {"wall", "cpu"}
    # The floor keeps nothing: every candidate the default run read is dropped by the first message
    # rule, and every listed commit is a reject.
    floor = data["median"]["floor"]
    assert (floor["samples"], floor["rejects"]) == (0, 300) == wc.manifest_counts(tmp_path / "kept" / "floor")
    floor_counts = wc.read_manifest(tmp_path / "kept" / "floor")["counts"]["git.filters"]
    assert floor_counts == {"in": default["extra"]["decoded"], "message_too_short": default["extra"]["decoded"]}
    assert "filters.message_min_chars=100000" in floor["command"]
    ceiling = pyd["wall"] / floor["wall"]
    assert data["ratios"]["floor"]["wall"] == pytest.approx(ceiling)
    assert f"PyDriller wall / CLI wall {ceiling:.2f}x, the most any default-preset run" in printed
    if profile:
        folded = default["extra"]["profile"]
        assert sum(folded["categories"].values()) == folded["samples"] > 0
        assert folded["categories"].get("filters", 0) > 0
        assert "profile of (1) CLI default preset" in printed


def test_workers_run_the_cli_on_local_worker_processes(small_repo, tmp_path):
    assert wc.worker_flags(1) == []
    assert wc.worker_flags(2) == ["--direct_num_workers=2", "--direct_running_mode=multi_processing"]
    figures = tmp_path / "figures.json"
    cmd = [sys.executable, str(ROOT / "bench" / "whole_cli.py"), "--repo", str(small_repo), "--only", "default",
           "--workers", "2", "--set", "licenses.detector=text", "--json", str(figures),
           "--keep-output", str(tmp_path / "kept")]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    assert "--direct_num_workers=2 --direct_running_mode=multi_processing" in done.stdout
    data = json.loads(figures.read_text())
    assert data["workers"] == 2
    default = data["median"]["default"]
    assert (default["samples"], default["rejects"]) == wc.manifest_counts(tmp_path / "kept" / "default")
    assert default["samples"] > 0
