"""bench/fixed_cost.py: its repository is the two-commit run the issue's target speaks of, and its
CPU figures are the process tree's."""
from __future__ import annotations

import json
import subprocess
import sys

from bench import fixed_cost
from tests.paths import ROOT


def test_the_repository_gives_one_candidate_that_the_filters_reject(tmp_path):
    repo = fixed_cost.two_commit_repository(tmp_path)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "run_pipeline.py", "--git", str(repo), "--output", str(out), "--quiet",
                    "--no-report", "--set", "licenses.detector=text"], cwd=ROOT, check=True, capture_output=True)
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert counts["git.commit"] == {"in": 2, "kept": 1, "root_commit": 1}
    assert counts["git.filters"] == {"in": 1, "pair_too_small": 1}


def test_the_cpu_is_the_childs_own_work():
    """A child that spins for about 0.3 CPU-s is measured as that, not as the parent's time."""
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    cpu, _ = fixed_cost.measure([sys.executable, "-c", spin], ROOT)
    assert 0.3 <= cpu < 1.5  # the spin, plus an interpreter's start
