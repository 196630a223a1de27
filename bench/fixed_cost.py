"""What every run pays before and besides its records: the whole command line on a two-commit
repository, against the least a Beam job on the same runner pays, measured in the same run.

    python bench/fixed_cost.py [--repeat 5] [--project DIR ...] [--json FILE]

The repository is built with the project's git builder: an MIT license and one Python file edited
once, so the run mines one candidate, filters it and keeps nothing (its pair is under the token
floor). Each variant runs `--repeat` times, interleaved with the others so a busy machine slows them
alike; CPU is user + system of the process tree (whole_cli.py's `run_tree`), and the table gives the minimum
and the median. The anchors are a bare interpreter, `import apache_beam`, and a two-element pipeline
(`Create` and `Map`) on the FnApiRunner: what any Beam command line pays; and that pipeline with Beam
imported the way a local run of ours imports it (without the cloud IOs), the anchor: the ratio is each
run's median CPU over that pipeline's.

`--project DIR` (repeatable) runs another worktree's `run_pipeline.py` as well, to compare versions
in one run; the default is this checkout. Issue 18's target is 2 CPU-s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.whole_cli import run_tree  # noqa: E402
from tests.gitbuild import RepoBuilder  # noqa: E402

LICENSE = (ROOT / "tests" / "fixtures" / "licenses" / "mit.txt").read_text(encoding="utf-8")
LEAN_PIPELINE = "the same, Beam imported lean (beam_jobs/runtime.py)"
LEAN = "from beam_jobs.runtime import import_beam\nimport_beam(lean=True)\n"
MINIMAL_PIPELINE = ("import apache_beam as beam\n"
                    "with beam.Pipeline(runner='FnApiRunner') as p:\n"
                    "    p | beam.Create([1, 2]) | beam.Map(lambda x: x + 1)\n")


def two_commit_repository(base: Path) -> Path:
    git = RepoBuilder(base / "two-commits")
    git.commit({"LICENSE": LICENSE, "calc.py": "def add(a, b):\n    return a+b\n"}, "Add an adder")
    git.commit({"LICENSE": LICENSE, "calc.py": "def add(a, b):\n    return a + b\n"},
               "Put spaces around the plus sign in add")
    return base / "two-commits"


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds of the process tree, wall seconds) of one run, which must succeed."""
    run = run_tree(cmd, cwd=cwd, poll_seconds=0.01)  # the wall time is read at a poll
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return run.cpu, run.wall


def variants(repo: Path, out: Path, projects: list[Path], scancode: bool) -> dict[str, tuple[list[str], Path]]:
    """label -> (command, working directory)."""
    python = sys.executable
    found: dict[str, tuple[list[str], Path]] = {
        "interpreter (`python -c pass`)": ([python, "-c", "pass"], ROOT),
        "`import apache_beam`": ([python, "-c", "import apache_beam"], ROOT),
        "Beam: Create + Map on the FnApiRunner": ([python, "-c", MINIMAL_PIPELINE], ROOT),
        LEAN_PIPELINE: ([python, "-c", LEAN + MINIMAL_PIPELINE], ROOT),
    }
    for project in projects:
        name = "" if project == ROOT else f" [{project.name}]"
        cli = [python, "run_pipeline.py", "--git", str(repo), "--overwrite", "--quiet"]
        detectors = [("text", ["--set", "licenses.detector=text"])] + ([("scancode", [])] if scancode else [])
        for detector, flags in detectors:
            for report in (False, True):
                label = f"CLI, {detector} detector, {'with' if report else 'no'} report{name}"
                target = out / f"{len(found)}"
                found[label] = ([*cli, "--output", str(target), *flags, *([] if report else ["--no-report"])], project)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each variant (default 5)")
    parser.add_argument("--project", action="append", type=Path, default=[],
                        help="a project root whose run_pipeline.py runs (repeatable; default: this checkout)")
    parser.add_argument("--no-scancode", action="store_true", help="only the text license detector")
    parser.add_argument("--json", type=Path, help="also write every run's figures as JSON")
    args = parser.parse_args()
    projects = [p.resolve() for p in args.project] or [ROOT]
    try:
        import scancode  # noqa: F401
        scancode_here = not args.no_scancode
    except ImportError:
        scancode_here = False
    with tempfile.TemporaryDirectory(prefix="repairpack-fixed-") as tmp:
        base = Path(tmp)
        repo = two_commit_repository(base)
        runs = variants(repo, base / "out", projects, scancode_here)
        cpu: dict[str, list[float]] = {label: [] for label in runs}
        wall: dict[str, list[float]] = {label: [] for label in runs}
        for label, (cmd, cwd) in runs.items():  # a warm-up of each: the page cache, Beam's pickles
            measure(cmd, cwd)
        for i in range(args.repeat):
            for label, (cmd, cwd) in runs.items():
                c, w = measure(cmd, cwd)
                cpu[label].append(c)
                wall[label].append(w)
            print(f"  round {i + 1} of {args.repeat} done", file=sys.stderr)
    anchor = statistics.median(cpu[LEAN_PIPELINE])
    print(f"\n{args.repeat} runs each, load average now {os.getloadavg()[0]:.2f}\n")
    print("| run | CPU s, min | CPU s, median | wall s, median | median CPU / lean Beam pipeline |")
    print("|---|---|---|---|---|")
    for label in runs:
        med = statistics.median(cpu[label])
        print(f"| {label} | {min(cpu[label]):.2f} | {med:.2f} | {statistics.median(wall[label]):.2f} | "
              f"{med / anchor:.2f}x |")
    print("\nthe target (issue 18): a run on a two-commit repository in at most 2 CPU-s")
    if args.json:
        args.json.write_text(json.dumps({"repeat": args.repeat, "cpu": cpu, "wall": wall,
                                         "commands": {k: v[0] for k, v in runs.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
