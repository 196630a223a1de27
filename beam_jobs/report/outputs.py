"""The names the report writes into a corpus folder, and their removal: what a build needs from the
report when it runs without one (`--overwrite` replaces these names; a new build deletes an earlier
report), without importing the report job and its pyarrow compute kernels (0.15 CPU-s)."""
from __future__ import annotations

import os
import shutil

STATS_JSON = "stats.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
PLOTS_DIR = "report_plots"


def remove_outputs(corpus_dir: str) -> None:
    """Delete an earlier report from a local corpus folder: after a new build it describes other data."""
    root = corpus_dir.rstrip("/")
    if "://" in root:
        return
    for name in (STATS_JSON, REPORT_MD, REPORT_HTML):
        path = os.path.join(root, name)
        if os.path.isfile(path):
            os.remove(path)
    shutil.rmtree(os.path.join(root, PLOTS_DIR), ignore_errors=True)
