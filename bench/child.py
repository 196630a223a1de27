"""Run a benchmark's Beam measurement in a child process and watch its memory.

A child gives a clean peak RSS: the parent's generated data and imports do not count, and every
process the runner starts under it is polled.
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import psutil


@dataclass
class ChildRun:
    result: dict[str, Any]  # the JSON the child wrote
    wall: float             # seconds, interpreter start-up included
    peak_tree: int          # largest summed RSS of the child and its descendants, bytes
    processes: int          # most processes seen at once
    # Largest summed anonymous RSS (RSS less file-backed and shared pages, such as the libraries and a
    # mapped pack index, which the kernel can drop and reread): the memory the job itself holds.
    peak_anon: int = 0


def run_child(cmd: list[str], out_json_arg: str = "--beam-child", poll_seconds: float = 0.05) -> ChildRun:
    """Run `cmd + [out_json_arg, <file>]`; the child writes its result there as JSON."""
    with tempfile.TemporaryDirectory(prefix="repairpack-bench-") as tmp:
        out_json = os.path.join(tmp, "child.json")
        stderr_path = os.path.join(tmp, "stderr.txt")
        started = time.perf_counter()
        peak_tree, peak_anon, max_procs = 0, 0, 1
        with open(stderr_path, "wb") as err:
            proc = subprocess.Popen([*cmd, out_json_arg, out_json], stdout=subprocess.DEVNULL, stderr=err)
            root = psutil.Process(proc.pid)
            while proc.poll() is None:
                try:
                    procs = [root, *root.children(recursive=True)]
                    total = anon = 0
                    for p in procs:
                        try:
                            info = p.memory_info()
                        except psutil.Error:
                            continue
                        total += info.rss
                        anon += info.rss - getattr(info, "shared", 0)
                    peak_tree = max(peak_tree, total)
                    peak_anon = max(peak_anon, anon)
                    max_procs = max(max_procs, len(procs))
                except psutil.Error:
                    pass
                time.sleep(poll_seconds)
        wall = time.perf_counter() - started
        if proc.returncode != 0 or not os.path.exists(out_json):
            with open(stderr_path, encoding="utf-8", errors="replace") as f:
                tail = f.read()[-4000:]
            raise RuntimeError(f"the Beam child failed with exit code {proc.returncode}:\n{tail}")
        with open(out_json, encoding="utf-8") as f:
            return ChildRun(json.load(f), wall, peak_tree, max_procs, peak_anon)
