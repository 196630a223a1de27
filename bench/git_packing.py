"""Packing a generated history while it is still being written (bench/git_history_gen.py).

A generated repository of a million commits does not fit loose on tmpfs; this module packs what was
written so far in the background, so the writer goes on and the scratch space stays bounded.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pygit2


def fan_outs(objects: Path) -> list[Path]:
    """The loose-object folders under `objects` (`00` to `ff`), as they are now."""
    return [d for d in objects.iterdir() if re.fullmatch(r"[0-9a-f]{2}", d.name)]


def drop_loose(objects: Path) -> None:
    """Remove the loose fan-out folders once everything in them is packed."""
    for loose in fan_outs(objects):  # all packed now; faster than `git prune-packed`
        shutil.rmtree(loose)


def loose_bytes(objects: Path) -> int:
    """Bytes the loose objects under `objects` occupy (whole blocks, as a tmpfs charges them), one
    stat per object."""
    return sum(entry.stat().st_blocks * 512 for d in fan_outs(objects) for entry in os.scandir(d))


class Packer:
    """Packs the loose objects written so far while the writer goes on.

    Writing a million commits loose needs over 22 GB and 5.5 million inodes, more than tmpfs holds.
    At each call the loose fan-out folders are moved into a folder of their own (a rename: the writer
    recreates them as it needs them), which the writer's repository reads as an alternate until
    `git pack-objects` has packed it, and which is then deleted. Packs go to `pack_home` (on disk,
    where the finished repository is assembled), which the writer also reads as an alternate. Two
    packers run at once at most, so the writer waits only when packing falls two batches behind.

    Packs carry no deltas: a list of object ids carries no paths, so git's delta search has nothing
    to pair versions of one file by (it spent minutes per 100,000 commits for a 757 MB pack); a
    repack that walks history (`repack -a`) finds them, but took 40 minutes for a million commits.
    The history is the same; a reader resolves no deltas, and the packs are large (1.1 GB for the
    first 100,000 commits of the million, about 3 GB per 100,000 later, as modules grow to their
    size limit).

    libgit2 does not always see a pack that appears in an alternate after it was added (it rescans a
    pack folder only when its modification time, in seconds, changed), so while a Packer is in use
    libgit2 is told not to check that the objects a new tree or commit names exist
    (`strict_objects(False)`): the writer then never reads what it wrote. The branches are set once
    every pack is in the finished repository."""

    MAX_RUNNING = 2

    def __init__(self, repo: pygit2.Repository, path: Path, pack_home: Path) -> None:
        self.repo = repo
        self.objects = path / "objects"
        self.pack_home = pack_home
        (pack_home / "pack").mkdir(parents=True, exist_ok=True)
        repo.odb.add_disk_alternate(str(pack_home))
        self.batches = 0
        self._running: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self) -> None:
        while len(self._running) >= self.MAX_RUNNING:
            self._finish(self._running.pop(0))
        staged = self.objects.parent / f"staged-{self.batches}"
        (staged / "pack").mkdir(parents=True)
        self.repo.odb.add_disk_alternate(str(staged))
        listed: list[str] = []
        for loose in fan_outs(self.objects):
            os.rename(loose, staged / loose.name)
            listed.extend(loose.name + f.name for f in (staged / loose.name).iterdir())
        self.batches += 1
        cmd = ["git", "-c", "pack.compression=1", "pack-objects", "-q", "--window=0", str(self.pack_home / "pack" / "pack")]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                # git writes a pack beside its output, so the object folder is pack_home's
                                # (a rename across file systems fails) and the loose ones an alternate
                                env=dict(os.environ, GIT_DIR=str(self.objects.parent),
                                         GIT_OBJECT_DIRECTORY=str(self.pack_home),
                                         GIT_ALTERNATE_OBJECT_DIRECTORIES=str(staged)))
        assert proc.stdin is not None
        proc.stdin.write(("\n".join(listed) + "\n").encode())
        proc.stdin.close()
        self._running.append((proc, staged))

    def wait(self) -> None:
        while self._running:
            self._finish(self._running.pop(0))

    def abandon(self) -> None:
        """Stop the packers of a generation that failed: the folders they read are being deleted."""
        for proc, _ in self._running:
            proc.kill()
            proc.wait()
        self._running.clear()

    @staticmethod
    def _finish(running: tuple[subprocess.Popen[bytes], Path]) -> None:
        proc, staged = running
        if proc.wait() != 0:
            raise RuntimeError(f"git pack-objects failed ({proc.returncode}) on {staged}")
        shutil.rmtree(staged)


def strict_objects(on: bool) -> None:
    """libgit2's check, on by default, that a new tree's entries and a new commit's tree and parents exist."""
    pygit2.option(pygit2.enums.Option.ENABLE_STRICT_OBJECT_CREATION, on)
