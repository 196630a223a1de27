"""The output folder as a whole: what may be written into it, what an earlier run left there, and
publishing a finished run over it.

Beam-free for local folders, so that the CLI refuses a folder it must not touch before Beam is
imported; FileSystems is loaded only for a folder on an object store.
"""
from __future__ import annotations

import json
import os
import shutil
from typing import Any

DATA_DIR = "data"
REJECTS_DIR = "rejects"
MANIFEST = "manifest.json"
CARD = "README.md"


def is_local(path: str) -> bool:
    return "://" not in path


STAGING_PREFIX = ".staging-"


def previous_output(names: list[str], manifest: dict[str, Any] | None, known: frozenset[str],
                    own_staging: str = "") -> list[str]:
    """The entries among `names` (an output folder's listing) that an earlier repairpack run wrote:
    repairpack's own names (`known`: every name its writers use), the top folders of the files its manifest lists (a format an older
    version wrote) and stale `.staging-*` folders, except `own_staging`. Only names in the listing
    are returned, so a manifest naming `..` or an absolute path cannot reach outside the folder."""
    listed: set[str] = set()
    if isinstance(manifest, dict) and isinstance(manifest.get("shards"), list):
        listed = {str(e.get("file", "")).split("/", 1)[0] for e in manifest["shards"] if isinstance(e, dict)}
    return sorted(n for n in names if n != own_staging and n not in (".", "..", "")
                  and (n in known or n in listed or n.startswith(STAGING_PREFIX)))


def _read_previous_manifest(output: str) -> dict[str, Any] | None:
    """The manifest of the repairpack output in `output`, or None: absent, not JSON, or not ours."""
    path = f"{output}/{MANIFEST}"
    try:
        if is_local(path):
            with open(path, "rb") as f:
                value = json.loads(f.read().decode("utf-8"))
            return value if _ours(value) else None
        from apache_beam.io.filesystems import FileSystems

        if not FileSystems.exists(path):
            return None
        with FileSystems.open(path) as f:
            value = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    return value if _ours(value) else None


def _ours(value: Any) -> bool:
    return isinstance(value, dict) and str(value.get("format", "")).startswith("repairpack-manifest")


def _listing(output: str) -> list[str]:
    """The top-level names in an output folder, local or on a FileSystems path (every object below
    `output/`, by the first component of its relative path)."""
    if is_local(output):
        return sorted(os.listdir(output)) if os.path.isdir(output) else []
    from apache_beam.io.filesystems import FileSystems

    try:
        paths = [m.path for r in FileSystems.match([f"{output}/**"]) for m in r.metadata_list]
    except Exception:  # some file systems raise on a pattern that matches nothing
        return []
    return sorted({p[len(output) + 1:].split("/", 1)[0] for p in paths if p.startswith(output + "/")})


def prepare_output(output: str, overwrite: bool) -> None:
    """Refuse to write into a folder the user did not hand over.

    Without `overwrite` the folder must be new or empty. With it, the folder must be empty, or a
    repairpack output (a manifest.json of ours), or hold only `.staging-*` folders of a killed run:
    `--overwrite` replaces what repairpack wrote, so it is refused on a folder of other files, which
    it could not tell from the user's own. Nothing is removed here: the previous output stays
    intact until the new run publishes (`publish`)."""
    output = output.rstrip("/") or output
    if is_local(output) and os.path.exists(output) and not os.path.isdir(output):
        raise FileExistsError(f"the output '{output}' exists and is not a folder")
    names = _listing(output)
    if not names:
        return
    if not overwrite:
        raise FileExistsError(f"the output folder '{output}' is not empty; pass --overwrite to replace it")
    if _read_previous_manifest(output) is not None:
        return
    foreign = [n for n in names if not n.startswith(STAGING_PREFIX)]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise FileExistsError(f"the output folder '{output}' is not a repairpack output (no manifest.json of "
                              f"repairpack; it holds {shown}), and --overwrite replaces only one: choose an "
                              "empty or new folder")


def _remove_local(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def publish(staging: str, output: str, known: frozenset[str]) -> None:
    """Replace what earlier runs wrote with the finished run: every entry `previous_output` names
    goes (stale staging folders included; files repairpack did not write stay), the new entries move
    in, manifest.json last, so that until this point the folder held the previous run untouched,
    and a run killed while publishing still leaves a folder marked as repairpack's."""
    from beam_jobs.output.shards import RUNS_DIR
    from beam_jobs.sorted_runs import delete_runs

    # Run files of a retried bundle are not anyone's to publish.
    delete_runs(f"{staging}/{RUNS_DIR}")
    own = staging.rsplit("/", 1)[-1]
    stale = [n for n in previous_output(_listing(output), _read_previous_manifest(output), known, own) if n != MANIFEST]
    if is_local(output):
        for name in stale:
            _remove_local(os.path.join(output, name))
        names = sorted(os.listdir(staging), key=lambda n: (n == MANIFEST, n))
        for name in names:
            target = os.path.join(output, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)  # os.replace puts a file in place atomically, but no folder
            os.replace(os.path.join(staging, name), target)
        shutil.rmtree(staging, ignore_errors=True)
        return
    from apache_beam.io.filesystems import FileSystems

    objects = [m.path for r in FileSystems.match([f"{output}/**"]) for m in r.metadata_list]
    doomed = [p for p in objects if p[len(output) + 1:].split("/", 1)[0] in stale]
    if doomed:
        FileSystems.delete(doomed)
    sources = sorted(m.path for r in FileSystems.match([f"{staging}/**"]) for m in r.metadata_list)
    manifest = f"{staging}/{MANIFEST}"
    # Two batches: a batch renames in no set order, and the manifest must land last.
    for batch in ([s for s in sources if s != manifest], [s for s in sources if s == manifest]):
        targets = [src.replace(staging, output, 1) for src in batch]
        existing = [t for t in targets if FileSystems.exists(t)]
        if existing:
            FileSystems.delete(existing)
        if batch:
            FileSystems.rename(batch, targets)
