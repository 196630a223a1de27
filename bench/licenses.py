"""What license detection costs: scancode's index load once per worker, then one detection per repository.

    python bench/licenses.py [--repeat 20] [--rebuild]

Repositories are real git repositories built with pygit2, one per license text: the test fixtures
(the long copyleft texts abbreviated, the slow case for scancode's sequence matcher) and, when scancode
is installed, the full reference texts scancode ships (the common case). Each detection is timed
end to end: reading the root tree, the license blobs, and matching. scancode's result cache is
disabled here so every repetition pays for a real scan; in the pipeline, identical license files
(forks, templates) cost a hash.

`--rebuild` also times building the index from scratch in a child process, into a temporary
SCANCODE_LICENSE_INDEX_CACHE: what a machine pays if the prebuilt index shipped in the wheel is
missing or stale.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from licenses import detect  # noqa: E402
from licenses.keys import github_key_from_scancode  # noqa: E402
from licenses.scancode_detector import ScancodeDetector, scancode_problem  # noqa: E402
from licenses.textmatch import TextDetector  # noqa: E402
from tests.gitbuild import RepoBuilder  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "licenses"
REFERENCE_KEYS = ["mit", "apache-2.0", "bsd-new", "bsd-simplified", "isc", "gpl-2.0", "gpl-3.0", "agpl-3.0",
                  "lgpl-2.1", "lgpl-3.0", "mpl-2.0", "unlicense", "cc0-1.0", "epl-1.0", "artistic-2.0"]
CODE = {"pkg/__init__.py": "", "pkg/util.py": "def add(a, b):\n    return a + b\n"}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_repos(base: Path, texts: dict[str, str]) -> dict[str, RepoBuilder]:
    repos = {}
    for i, (label, text) in enumerate(sorted(texts.items())):
        builder = RepoBuilder(base / f"r{i}")
        builder.commit({**CODE, "LICENSE": text}, "Initial commit")
        repos[label] = builder
    return repos


def time_detections(repos: dict[str, RepoBuilder], detector: detect.LicenseDetector,
                    repeat: int) -> list[tuple[str, str, float, float]]:
    """(label, key, median ms, max ms) per repository, after one warm-up detection each."""
    rows = []
    for label, builder in repos.items():
        key = detect.detect_repository_license(builder.repo, "refs/heads/main", detector)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            detect.detect_repository_license(builder.repo, "refs/heads/main", detector)
            samples.append((time.perf_counter() - start) * 1000)
        rows.append((label, key, statistics.median(samples), max(samples)))
    return rows


def print_rows(title: str, rows: list[tuple[str, str, float, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'repository license file':32} {'detected':14} {'median ms':>10} {'max ms':>9}")
    for label, key, median, worst in rows:
        print(f"  {label:32} {key:14} {median:10.2f} {worst:9.2f}")
    medians = [r[2] for r in rows]
    print(f"  {'all':32} {'':14} {statistics.median(medians):10.2f} {max(r[3] for r in rows):9.2f}"
          f"   (mean {statistics.fmean(medians):.2f} ms per repository)")


def time_rebuild() -> None:
    code = ("import time; t = time.perf_counter(); from licensedcode.cache import get_index; get_index(); "
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory(prefix="scancode-index-") as cache:
        env = {**os.environ, "SCANCODE_LICENSE_INDEX_CACHE": cache}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        print(f"\nindex build from scratch (SCANCODE_LICENSE_INDEX_CACHE={cache}): "
              f"{float(done.stdout.strip().splitlines()[-1]):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed detections per repository")
    parser.add_argument("--rebuild", action="store_true", help="also time building the index from scratch")
    args = parser.parse_args()

    fixtures = {p.name: p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))}
    with tempfile.TemporaryDirectory(prefix="bench-licenses-") as tmp:
        fixture_repos = build_repos(Path(tmp) / "fixtures", fixtures)
        print_rows("text detector, fixture texts", time_detections(fixture_repos, TextDetector(), args.repeat))

        problem = scancode_problem()
        if problem:
            print(f"\nscancode: not measured ({problem})")
            return
        import scancode_config
        print(f"\nscancode {scancode_config.__version__}; index cache: {scancode_config.licensedcode_cache_dir}")
        before = rss_mb()
        start = time.perf_counter()
        scancode = ScancodeDetector(cache_entries=0)
        scancode.load()
        print(f"index load (once per worker): {time.perf_counter() - start:.2f} s, "
              f"peak RSS {before:.0f} MB -> {rss_mb():.0f} MB")

        from licensedcode.cache import get_licenses_db
        db = get_licenses_db()
        references = {f"{key} (full text)": db[key].text for key in REFERENCE_KEYS}
        for key in REFERENCE_KEYS:
            assert scancode.file_license(db[key].text) == github_key_from_scancode(key, db[key].spdx_license_key)
        reference_repos = build_repos(Path(tmp) / "references", references)
        print_rows("scancode, scancode's full reference texts (the common case)",
                   time_detections(reference_repos, scancode, args.repeat))
        print_rows("scancode, fixture texts (long licenses abbreviated: the slow case)",
                   time_detections(fixture_repos, scancode, max(1, args.repeat // 5)))
        print_rows("text detector, full reference texts", time_detections(reference_repos, TextDetector(),
                                                                          args.repeat))
    if args.rebuild:
        time_rebuild()


if __name__ == "__main__":
    main()
