"""The processes and downloads the runner matrix needs (tests/runners/): free ports, services started in
their own process groups and stopped with everything they started, and the runners' binaries fetched
once into a cache folder that survives between runs where the machine keeps it.

The cache is `$REPAIRPACK_RUNNERS_CACHE`, else `~/.cache/repairpack-runners`. A missing toolchain (go,
java, mvn) skips the runner that needs it; a download or build that fails is a test failure that
says what was run and what it printed.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import apache_beam

import pytest

BEAM_VERSION = apache_beam.__version__
PRISM_PACKAGE = "github.com/apache/beam/sdks/v2/go/cmd/prism"
REPO_ROOT = Path(__file__).resolve().parents[2]


def cache_dir() -> Path:
    path = Path(os.environ.get("REPAIRPACK_RUNNERS_CACHE") or Path.home() / ".cache" / "repairpack-runners")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python_env(**extra: str) -> dict[str, str]:
    """The environment for Python services: this interpreter first on PATH (the worker pool starts
    its workers as `python ...`), the checkout importable."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def group_members(pgid: int) -> list[tuple[int, str]]:
    """The live (not zombie) processes of process group `pgid`, as (pid, command line)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode("utf-8", "replace")
            # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing paren.
            state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
            if int(pgrp) != pgid or state == "Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except (OSError, ValueError, IndexError):
            continue
        members.append((int(entry), cmdline))
    return members


class Service:
    """A process started in a new session (its own process group), logging to a file; `stop()` ends
    the whole group, children included."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, *, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self._log_file = open(log, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, cwd=cwd, start_new_session=True)
        self.pgid = self.proc.pid

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_for_port(self, port: int, timeout: float = 120.0) -> None:
        """Until something accepts connections on 127.0.0.1:`port`; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with {self.proc.returncode} before listening on port {port}:\n"
                            f"{self.log_tail()}")
            with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
                s.settimeout(1.0)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.2)
        pytest.fail(f"{self.name} did not listen on port {port} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, grace: float = 10.0) -> list[tuple[int, str]]:
        """SIGTERM to the group, SIGKILL to whatever is left after `grace` seconds; returns the
        processes of the group still alive after that (none, when all went well)."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.proc.poll() is not None and not group_members(self.pgid):
                    break
                time.sleep(0.1)
            else:
                continue
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self._log_file.close()
        return group_members(self.pgid)


class Services:
    """Every service a test starts; `stop_all()` stops them in reverse order and reports survivors."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[Service] = []

    def start(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> Service:
        service = Service(name, argv, self.logs / f"{name}.log", env=env, cwd=cwd)
        self.started.append(service)
        return service

    def stop_all(self) -> list[str]:
        left = []
        for service in reversed(self.started):
            left += [f"{service.name}: pid {pid}: {cmd}" for pid, cmd in service.stop()]
        return left

    def logs_text(self) -> str:
        return "\n".join(f"--- {s.name} ({s.log.name}):\n{s.log_tail(3000)}" for s in self.started)


def _run_tool(argv: Sequence[str], what: str, *, env: dict[str, str] | None = None, cwd: Path | None = None,
              timeout: float = 900) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what}: `{' '.join(argv)}` did not finish within {timeout:.0f} s")
    if done.returncode != 0:
        pytest.fail(f"{what}: `{' '.join(argv)}` exited with {done.returncode}:\n"
                    f"{(done.stdout + done.stderr)[-4000:]}")
    return done


def prism_binary() -> Path:
    """Beam's Prism runner at the installed Beam's version, built with `go install` on first use
    and kept in the cache. Skips without Go; fails when the build fails."""
    target = cache_dir() / f"prism-v{BEAM_VERSION}" / "prism"
    if target.is_file() and os.access(target, os.X_OK):
        return target
    if shutil.which("go") is None:
        pytest.skip("the Prism runner is built with Go, and `go` is not on PATH")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        env = dict(os.environ, GOBIN=scratch, GOFLAGS="-mod=mod")
        _run_tool(["go", "install", f"{PRISM_PACKAGE}@v{BEAM_VERSION}"], "building Prism", env=env)
        os.replace(Path(scratch) / "prism", target)  # atomic: a concurrent or killed build leaves no half file
    return target
