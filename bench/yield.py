#!/usr/bin/env python3
"""How much of a real repository's history becomes corpus: the yield of the default preset against
CommitPackFT's filters, measured in the same run on the same repositories.

For each repository given (a local clone, bare or not; never one of `samples/`), the whole build runs
twice through the command line's own entry point, once per preset, each into its own folder, and
this prints per repository and preset:

- candidates: the commits that change exactly one Python file (`git.commit` kept) and whose two
  versions could be read (`git.contents` kept);
- samples: the rows of the corpus (after the filters, windows, dedup, decontamination and secrets);
- yield: samples / candidates; the ratio to the anchor is default yield / commitpackft yield;
- the binding rules: at the filter stage, the rules that drop the most candidates, as the first
  failing rule and, where the manifest has them, as every rule a record fails ("also failed");
- tag counts over the samples.

Get repositories with `git clone --bare https://github.com/OWNER/NAME` (none is fetched here: the
benchmark reads what it is given). Example, as measured for the README:

    python bench/yield.py --repo ../mirrors/flask.git --repo ../mirrors/httpx.git --json yield.json

`--sample N` writes N randomly chosen default-preset samples per repository (seeded) to
`--sample-dir`, one text file each with the commit, window and diff, for reading against `git show`.
Nothing asserts on the figures.
"""
from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from schemas.commit import repo_name  # noqa: E402

PRESETS = ("strict", "commitpackft")
TOP_RULES = 5


def build(repo: str, preset: str, out: Path, extra: list[str]) -> tuple[dict[str, Any], float]:
    """One whole build of one repository; the manifest and the wall time."""
    import run_pipeline

    started = time.perf_counter()
    code = run_pipeline.main(["--git", repo, "--preset", preset, "--output", str(out), "--overwrite",
                              "--no-report", *extra])
    wall = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the {preset} build of {repo} failed with exit code {code}")
    return json.loads((out / "manifest.json").read_text()), wall


def samples_of(out: Path) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds

    files = sorted(str(p) for p in (out / "data").glob("*.parquet"))
    return ds.dataset(files).to_table().to_pylist() if files else []


def figures(manifest: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    counts = manifest["counts"]
    candidates = counts.get("git.contents", {}).get("kept", 0)
    filters = counts.get("git.filters", {})
    first = {k: v for k, v in filters.items() if k not in ("in", "kept")}
    also = manifest.get("also_failed", {}).get("git.filters", {})
    tags = collections.Counter(tag for row in rows for tag in (row.get("tags") or []))
    windows = sum(1 for row in rows if row.get("window_old") is not None)
    return {
        "candidates": candidates,
        "samples": len(rows),
        "yield": len(rows) / candidates if candidates else 0.0,
        "first_failing": dict(collections.Counter(first).most_common(TOP_RULES)),
        "also_failed": dict(collections.Counter(also).most_common(TOP_RULES)),
        "tags": dict(sorted(tags.items())),
        "windowed": windows,
    }


def write_samples(rows: list[dict[str, Any]], repo: str, folder: Path, n: int, seed: int) -> None:
    """N seeded samples of one repository, one file each, for reading by hand against `git show`."""
    chosen = random.Random(f"{seed}:{repo}").sample(rows, min(n, len(rows)))
    folder.mkdir(parents=True, exist_ok=True)
    name = repo_name(repo).replace("/", "_")
    for i, row in enumerate(chosen):
        text = (f"repo: {repo}\ncommit: {row['commit']}\nfile: {row['new_file']}\n"
                f"window_old: {row.get('window_old')}  window_new: {row.get('window_new')}\n"
                f"tags: {row.get('tags')}\ninstruction: {row['instruction']}\n\n{row['diff']}")
        (folder / f"{name}-{i:02d}-{row['commit'][:10]}.txt").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", required=True, help="a local repository; give several")
    parser.add_argument("--scancode", action="store_true",
                        help="detect licenses with scancode (default: the built-in text matcher, faster)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override for both presets")
    parser.add_argument("--sample", type=int, default=0, help="write this many default-preset samples per repository")
    parser.add_argument("--sample-dir", type=Path, default=Path("yield-samples"))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)

    extra = [] if args.scancode else ["--set", "licenses.detector=text"]
    for item in args.set:
        extra += ["--set", item]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="repairpack-yield-") as tmp:
        for repo in args.repo:
            results[repo] = {}
            for preset in PRESETS:
                out = Path(tmp) / f"{len(results)}-{preset}"
                manifest, wall = build(repo, preset, out, extra)
                rows = samples_of(out)
                results[repo][preset] = {**figures(manifest, rows), "seconds": round(wall, 1)}
                if preset == "strict" and args.sample:
                    write_samples(rows, repo, args.sample_dir, args.sample, args.seed)
                print(f"{repo} [{preset}]: {json.dumps(results[repo][preset])}", flush=True)

    print("\nrepository                 preset         candidates  samples   yield   windowed  seconds")
    totals = {p: [0, 0] for p in PRESETS}
    for repo, by_preset in results.items():
        for preset in PRESETS:
            f = by_preset[preset]
            totals[preset][0] += f["candidates"]
            totals[preset][1] += f["samples"]
            print(f"{repo_name(repo)[:26]:<26} {preset:<14} {f['candidates']:>10,} {f['samples']:>8,} "
                  f"{f['yield']:>7.1%} {f['windowed']:>10,} {f['seconds']:>8}")
        anchor = by_preset["commitpackft"]["yield"]
        ratio = by_preset["strict"]["yield"] / anchor if anchor else float("inf")
        print(f"{'':<26} default / commitpackft yield: {ratio:.2f}x")
        print(f"{'':<26} binding (first failing): {by_preset['strict']['first_failing']}")
        if by_preset["strict"]["also_failed"]:
            print(f"{'':<26} binding (also failed):   {by_preset['strict']['also_failed']}")
        print(f"{'':<26} tags: {by_preset['strict']['tags']}")
    for preset, (cand, samp) in totals.items():
        print(f"all repositories [{preset}]: {samp:,} samples of {cand:,} candidates, {samp / cand if cand else 0:.1%}")
    cand, samp = totals["strict"]
    anchor = totals["commitpackft"][1] / totals["commitpackft"][0] if totals["commitpackft"][0] else 0
    if anchor:
        print(f"default yield / commitpackft yield (anchor, same run): {(samp / cand) / anchor:.2f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
