"""What bench/git_mining.py measures the git source against, (c) PyDriller and (d) `git log --raw` plus
`git cat-file --batch`, making the source's selection with their own means; and the `Result` each
measurement returns."""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from beam_jobs.sources.contents import ContentError, decode_source
from beam_jobs.sources.git import history as gh
from beam_jobs.sources.repositories import RepoHandle


@dataclass
class Result:
    """One measurement. `commits` is the number of commits the rate is computed over."""
    name: str
    commits: int = 0
    seconds: float = 0.0
    candidates: int | None = None   # survivors of the commit selection
    decoded: int | None = None      # survivors whose both versions decode (what becomes a record)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.commits / self.seconds if self.seconds > 0 else 0.0


def default_extensions() -> tuple[str, ...]:
    from config import build_config
    return tuple(build_config().git.extensions)


def _read_git_log(path: str, refs: list[str], extensions: tuple[str, ...]) -> tuple[int, list[tuple[str, str]]]:
    """Commits listed and (old blob, new blob) of the survivors, from one `git log --raw -z`.

    The rules are the core's: exactly one changed entry, status M, both modes regular files, the blob
    changed, the path a Python file. `--no-renames` keeps git from pairing an add and a delete; a rename
    is then two entries, which fails "exactly one" just as the core's rename reject does.
    """
    cmd = ["git", "-C", path, "-c", "core.quotePath=false", "log", "--no-merges", "--raw", "--no-renames",
           "--no-abbrev", "--no-color", "--no-ext-diff", "-z", "--format=%x01%H", *refs, "--"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    regular = (b"100644", b"100755")
    ext = tuple(e.encode() for e in extensions)
    survivors: list[tuple[str, str]] = []
    records = out.split(b"\x01")
    for record in records[1:]:
        # -z layout: "<sha>\0\n:<old mode> <new mode> <old> <new> <status>\0<path>\0:<next entry>..."
        fields = record.split(b"\0")
        if len(fields) != 4:  # sha, one entry, its path, the empty tail: anything else is not one change
            continue
        entry = fields[1].lstrip(b"\n")
        if not entry.startswith(b":"):
            continue
        old_mode, new_mode, old, new, status = entry[1:].split(b" ")
        if status != b"M" or old_mode not in regular or new_mode not in regular or old == new:
            continue
        file_path = fields[2]
        if not file_path.endswith(ext):
            continue
        survivors.append((old.decode(), new.decode()))
    return len(records) - 1, survivors


def _cat_file(path: str, shas: list[str]) -> Iterable[bytes]:
    """Contents of the blobs, in order, through one `git cat-file --batch` (requests written by a thread
    so neither pipe fills up and deadlocks)."""
    proc = subprocess.Popen(["git", "-C", path, "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, bufsize=1 << 16)
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{s}\n" for s in shas).encode())
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    read = proc.stdout.read
    readline = proc.stdout.readline
    for _ in shas:
        header = readline().split()
        if len(header) != 3:
            raise RuntimeError(f"git cat-file: unexpected header {header!r}")
        data = read(int(header[2]) + 1)[:-1]
        yield data
    writer.join()
    proc.stdout.close()
    proc.wait()


def mine_git_log(path: str) -> Result:
    """(d): the practical floor, git's own C code doing the walk and the diffs."""
    extensions = default_extensions()
    with RepoHandle(path) as handle:
        refs = gh.select_refs(handle.repo, "branches")
        # Not timed: --no-merges drops merges from the listing; count every reachable commit like (a) does.
        total = sum(1 for _ in gh.iter_commit_shas(handle.repo, refs))
    listed_at = time.perf_counter()
    listed, survivors = _read_git_log(path, refs, extensions)
    logged = time.perf_counter()
    decoded = 0
    blobs = _cat_file(path, [s for pair in survivors for s in pair])
    for _ in survivors:
        old, new = next(blobs), next(blobs)
        try:
            decode_source(old, "old")
            decode_source(new, "new")
            decoded += 1
        except ContentError:
            pass
    for _ in blobs:  # drain, so the subprocess is reaped
        pass
    elapsed = time.perf_counter() - listed_at
    return Result("gitlog", commits=total, seconds=elapsed, candidates=len(survivors), decoded=decoded,
                  notes=[f"{listed:,} non-merge commits in the log; rate over all {total:,} reachable"],
                  extra={"log_seconds": logged - listed_at, "cat_file_seconds": time.perf_counter() - logged})


def mine_pydriller(path: str, limit: int) -> tuple[Result, list[str]]:
    """(c): PyDriller over the same branches, oldest first, stopping after `limit` commits (0 = all).

    Selection mirrors the core: not a merge, exactly one modified file, change type MODIFY, a .py path,
    both modes regular (read from GitPython's diff, which PyDriller keeps as `_c_diff`) and the contents
    changed (a pure mode change is not a repair). Both versions are read through `source_code_before` /
    `source_code`, which is how PyDriller users get them.
    Returns the result and the shas it processed, so the core can be checked on exactly those.
    """
    from pydriller import ModificationType, Repository

    extensions = default_extensions()
    regular = {gh.MODE_REGULAR, gh.MODE_EXECUTABLE}
    with RepoHandle(path) as handle:
        refs = gh.select_refs(handle.repo, "branches")
    seen: list[str] = []
    candidates = decoded = 0
    started = time.perf_counter()
    for commit in Repository(path, only_in_branch=refs).traverse_commits():
        seen.append(commit.hash)
        if not commit.merge:
            files = commit.modified_files
            if len(files) == 1 and files[0].change_type == ModificationType.MODIFY \
                    and (files[0].new_path or "").endswith(extensions):
                mf = files[0]
                diff = getattr(mf, "_c_diff", None)
                modes = {getattr(diff, "a_mode", gh.MODE_REGULAR), getattr(diff, "b_mode", gh.MODE_REGULAR)}
                if modes <= regular:
                    # Each property reads the blob again, so read each version once, as a user would.
                    before, after = mf.source_code_before, mf.source_code
                    if before != after:
                        candidates += 1
                        if before is not None and after is not None:
                            decoded += 1
        if limit and len(seen) >= limit:
            break
    elapsed = time.perf_counter() - started
    note = f"first {len(seen):,} commits (oldest first, --pydriller-limit {limit})" if limit else "all commits"
    return Result("pydriller", commits=len(seen), seconds=elapsed, candidates=candidates, decoded=decoded,
                  notes=[note, "PyDriller decodes with errors='ignore', so its 'decoded' equals its candidates"]), seen
