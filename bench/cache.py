"""Generated benchmark inputs, cached by their parameters between runs.

Generating 400,000 submissions or a million samples takes longer than measuring them, so each input
is kept under a name that encodes its generator version and parameters. It is written in a temporary
folder beside the target and renamed into place, so an interrupted run never leaves a half-built
input that a later run would take for finished.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    return Path(base) / "repairpack-bench"


def cached_folder(cache_dir: Path, name: str, write: Callable[[Path], None], *, regenerate: bool = False,
                  what: str = "", log: Callable[[str], None] = print) -> Path:
    """`cache_dir/name`, made by `write(folder)` unless an earlier run finished it."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / name
    if target.is_dir() and not regenerate:
        return target
    shutil.rmtree(target, ignore_errors=True)
    staged = Path(tempfile.mkdtemp(prefix=name + ".tmp-", dir=cache_dir))
    started = time.perf_counter()
    try:
        write(staged)
        os.replace(staged, target)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    log(f"generated {what or name} in {time.perf_counter() - started:.1f} s: {target}")
    return target
