#!/usr/bin/env python3
"""Build the sample git bundles in samples/git/ that docs, demo runs and tests mine.

Why a script rather than checked-in repositories made by hand: the samples must hold every kind of
commit the mining core sorts out (merges, renames, mode and symlink changes, binary and non-UTF-8
files, a fork sharing history with its parent), and they must come out as the very same commits on
every machine, so the expected counts in samples/README.md stay true. Authors, dates and file
contents are all fixed in samples/repos/, and binary files are built without zlib's compressor,
whose output differs between zlib builds; rerunning the script rewrites the bundles with identical
commit shas.

    python samples/make_samples.py            # rewrite samples/git/<owner>/<name>.bundle
    python samples/make_samples.py --counts   # also mine them and print the README tables
    python samples/make_samples.py --out DIR  # write the bundles under DIR instead (to compare)

The parts, one job each: samples/history.py (a history as data, written by tests/gitbuild.py, the
project's one git builder), samples/repos/ (each repository's files and commits), samples/png.py,
samples/licenses_text.py, and samples/counts.py (the README tables).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

SAMPLES_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = SAMPLES_DIR.parent
BUNDLE_DIR = SAMPLES_DIR / "git"
if str(PROJECT_ROOT) not in sys.path:
    # Run as a script from anywhere: samples/ and tests/ are imported as packages of the project root.
    sys.path.insert(0, str(PROJECT_ROOT))

from samples.history import History  # noqa: E402
from samples.repos.csvkit_lite import build_csvkit_lite  # noqa: E402
from samples.repos.textstats import build_textstats, build_textstats_fork  # noqa: E402

BUNDLES: list[tuple[str, str, Callable[[Path], History]]] = [
    ("alice", "textstats", build_textstats),
    ("bob", "textstats", build_textstats_fork),
    ("carol", "csvkit-lite", build_csvkit_lite),
]


def build_all(out_dir: Path = BUNDLE_DIR) -> list[Path]:
    """Rebuild every bundle from scratch; the output folder is replaced as a whole."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written = []
    with tempfile.TemporaryDirectory(prefix="repairpack-samples-") as tmp:
        for owner, name, build in BUNDLES:
            history = build(Path(tmp) / owner / f"{name}.git")
            written.append(history.bundle(out_dir / owner / f"{name}.bundle"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", action="store_true",
                        help="mine the bundles with beam_jobs.sources.git.history and print the README tables")
    parser.add_argument("--out", type=Path, default=BUNDLE_DIR, metavar="DIR",
                        help="folder to write <owner>/<name>.bundle into, replaced as a whole "
                             "(default samples/git)")
    args = parser.parse_args(argv)
    written = build_all(args.out.resolve())
    for path in written:
        shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
        print(f"{shown}  {path.stat().st_size} bytes")
    if args.counts:
        from samples.counts import counts_markdown

        print()
        print(counts_markdown(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
