"""Runs one untrusted Python program on one input, contained, and reports what happened.

This module is the only place in repairpack that executes mined or submitted code. Submissions are
hostile by assumption: a judge export is anyone's code, and a repair corpus collects the programs
that misbehave. docs/sandbox.md says what each layer below stops and what it does not.

Two modes, named so a dataset card can say which one verified its samples:
- `bubblewrap` (the default, and the only one used unless the user names another): bwrap with new
  user, pid, network, ipc, uts and cgroup namespaces, every capability dropped, no view of the host
  but read-only binds of the libraries and the interpreter's standard library (its site-packages
  hidden), a size-capped tmpfs as the only writable folder, and the seccomp filter of
  `beam_jobs.verify.seccomp`. When bwrap's pid 1 exits the kernel kills what is left of the pid
  namespace, so no process of a run outlives it, `setsid` or not.
- `rlimits-only` (weaker, chosen explicitly): the same rlimits, a new session, a fresh scratch folder
  as the working directory and, when started by root, the uid `nobody`; the program sees the host's
  files as that user does and keeps the host's network.

In both, a small launcher in the sandboxed interpreter sets the rlimits (CPU, address space, file
size, processes, open files, no core files) before the program's first line runs, then runs the
program in the same interpreter (`runpy`), saving a second interpreter start per run. The parent
enforces the wall clock, reads stdout and stderr incrementally with byte caps, and kills the whole
run (its process group; in bubblewrap mode the pid namespace with it) when a limit is crossed.
"""
from __future__ import annotations

import functools
import glob
import json
import math
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from beam_jobs.verify.seccomp import UnsupportedMachine, build_filter

BUBBLEWRAP = "bubblewrap"
RLIMITS_ONLY = "rlimits-only"
MODES = (BUBBLEWRAP, RLIMITS_ONLY)

# Exit status the launcher gives when the program dies of MemoryError: the parent cannot tell an
# address-space limit from a traceback otherwise. A program may exit with it on purpose; it only
# changes its own verdict.
MEMORY_EXIT = 87
NOBODY = 65534
SANDBOX_PROGRAM = "/sandbox/main.py"
SANDBOX_SCRATCH = "/tmp"
_READ_CHUNK = 65536
_NAMESPACE_GRACE_S = 30.0  # the kernel tears a namespace down in milliseconds; this bounds a wedge

# Runs inside the sandbox, in the interpreter that will run the program. argv: program path, the
# report descriptor, then the limits. The launcher makes itself undumpable (so the program cannot
# open its descriptors through /proc), forks, sets the rlimits in the child and runs the program
# there; soft == hard, so the program may lower a limit but never raise one, and the CPU limit's
# hard bound one second later is a SIGKILL for a program that ignores SIGXCPU. The launcher waits and
# writes the child's wait status, CPU time and peak memory (rusage, descendants it reaped included)
# to the report descriptor, which the child closed first.
LAUNCHER = f"""\
import ctypes, os, resource as r, sys
p, fd, cpu, mem, fsize, nproc, nofile = sys.argv[1], *map(int, sys.argv[2:8])
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
pid = os.fork()
if pid == 0:
    os.close(fd)
    for k, v in ((r.RLIMIT_CORE, 0), (r.RLIMIT_AS, mem), (r.RLIMIT_FSIZE, fsize),
                 (r.RLIMIT_NPROC, nproc), (r.RLIMIT_NOFILE, nofile)):
        r.setrlimit(k, (v, v))
    r.setrlimit(r.RLIMIT_CPU, (cpu, cpu + 1))
    sys.argv = [p]
    import runpy
    try:
        runpy.run_path(p, run_name="__main__")
    except MemoryError:
        os._exit({MEMORY_EXIT})
else:
    _, status, ru = os.wait4(pid, 0)
    os.pwrite(fd, f"{{status}} {{ru.ru_utime + ru.ru_stime:.6f}} {{ru.ru_maxrss}}\\n".encode(), 0)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


@dataclass(frozen=True)
class Limits:
    """What one run may use. Every field is a hard stop, enforced in the kernel or by the parent."""
    time_s: float = 2.0              # CPU seconds (all processes of the run); over it is a timeout
    wall_s: float | None = None      # wall clock; None: 2 x time_s + 3 s (startup on a busy worker)
    memory_mib: int = 512            # address space per process (RLIMIT_AS), the interpreter included
    output_bytes: int = 64 << 20     # stdout kept; one byte more kills the run (output_limit)
    stderr_bytes: int = 64 << 10     # stderr kept, its tail; more is read and dropped, never a stop
    processes: int = 32              # tasks (processes and threads) of the run, the program included
    open_files: int = 64             # descriptors per process
    file_bytes: int = 16 << 20       # largest file the program may write (RLIMIT_FSIZE)
    scratch_mib: int = 16            # size of the writable tmpfs (bubblewrap mode)

    @property
    def wall_limit_s(self) -> float:
        return self.wall_s if self.wall_s is not None else 2 * self.time_s + 3.0


@dataclass(frozen=True)
class RunResult:
    """The facts of one run a verdict is made of; `compare.verdict` turns them into one word."""
    mode: str
    exit_code: int | None            # the program's exit status; None when killed by a signal
    signal: int | None               # the signal that killed the program
    wall_s: float
    cpu_s: float                     # user + system time of every process of the run
    peak_memory_kib: int | None      # largest resident set of any process of the run
    stdout: bytes                    # at most limits.output_bytes
    stderr: bytes                    # the last limits.stderr_bytes
    time_limit_hit: bool             # wall clock passed, or CPU time over the limit
    memory_limit_hit: bool
    output_limit_hit: bool
    sandbox_error: str | None = None  # the sandbox failed (not the program): the run says nothing


@dataclass(frozen=True)
class _Probe:
    problem: str | None
    uid: int | None = None           # identity bwrap runs as (None: this process's own)
    python: str = ""                 # the interpreter programs run with


def _python() -> str:
    """The real interpreter behind this one (a venv's or pyenv's shim resolved), so its own prefix is
    what gets bound: a virtualenv's site-packages must never be visible inside."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def _interpreters() -> list[str]:
    """Interpreters the sandbox may run programs with, best first: this one, then the system's of
    the same minor version (when this one sits where `nobody` cannot read, as pyenv's under /root)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = [_python()]
    for path in (f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        real = os.path.realpath(path)
        if os.path.isfile(real) and real not in found:
            found.append(real)
    return found


def _python_binds(exe: str) -> list[str]:
    """The host folders the interpreter needs, bound read-only at the same paths (the interpreter
    finds its standard library relative to itself): the system's libraries, the executable and its
    prefix's lib folder. Every site-packages or dist-packages under them is covered by an empty
    read-only folder, so no installed package, and no project on an editable install's path, is
    visible."""
    args: list[str] = []
    covered: list[str] = []
    for top in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
            covered.append(top)
    for path in (exe, os.path.join(os.path.dirname(os.path.dirname(exe)), "lib")):
        if os.path.exists(path) and not any(path == c or path.startswith(c + "/") for c in covered):
            args += ["--ro-bind", path, path]
            covered.append(path)
    for lib in covered:
        if os.path.isdir(lib):
            for site_dir in sorted({*glob.glob(f"{lib}/python3*/site-packages"), *glob.glob(f"{lib}/python3*/dist-packages")}):
                args += ["--tmpfs", site_dir, "--remount-ro", site_dir]
    return args


def _memfd(name: str, data: bytes, readonly: bool = True) -> int:
    """Data as a descriptor with no name on any file system, rewound; read-only when handed to the
    program, so the bytes cannot be changed under the parent."""
    fd = os.memfd_create(name, 0)
    try:
        os.write(fd, data) if len(data) < (1 << 16) else _write_all(fd, data)
        if not readonly:
            os.lseek(fd, 0, os.SEEK_SET)
            return fd
        ro = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY)
    finally:
        if readonly:
            os.close(fd)
    return ro


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _limit_args(limits: Limits, report_fd: int, nproc: int) -> list[str]:
    cpu = max(1, math.ceil(limits.time_s))
    return [str(report_fd), str(cpu), str(limits.memory_mib << 20), str(limits.file_bytes), str(nproc), str(limits.open_files)]


def _bwrap_argv(exe: str, limits: Limits, seccomp_fd: int, program_fd: int, report_fd: int) -> list[str]:
    return ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--hostname", "sandbox",
            *_python_binds(exe), "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--size", str(limits.scratch_mib << 20), "--tmpfs", SANDBOX_SCRATCH,
            "--ro-bind-data", str(program_fd), SANDBOX_PROGRAM, "--chdir", SANDBOX_SCRATCH,
            "--remount-ro", "/", "--clearenv", "--setenv", "LANG", "C.UTF-8", "--setenv", "HOME", SANDBOX_SCRATCH,
            "--seccomp", str(seccomp_fd), "--",
            # The reaper (bwrap's pid 1) and the launcher are tasks of the sandbox's user too.
            exe, "-I", "-c", LAUNCHER, SANDBOX_PROGRAM, *_limit_args(limits, report_fd, limits.processes + 2)]


def _tasks_of(uid: int) -> int:
    """Tasks (threads included) the host already runs as `uid`: RLIMIT_NPROC counts them all in
    rlimits-only mode, so the limit is set that many above the run's own budget."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                continue
    return count


def _as_user(argv: list[str], uid: int | None) -> tuple[list[str], dict[str, object]]:
    """argv and Popen's keyword arguments that run it as `uid`. Through util-linux's setpriv when it
    is there: Popen given a user forks instead of vforking, which copies the page tables of the whole
    worker (20 ms a run from a 600 MB process, against 3 ms with setpriv)."""
    if uid is None:
        return argv, {}
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin")
    if setpriv:
        return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *argv], {}
    return argv, {"user": uid, "group": uid, "extra_groups": []}


def _read_until_done(proc: subprocess.Popen[bytes], limits: Limits, deadline: float,
                     info_fd: int | None) -> tuple[bytes, bytes, bool, bool, int | None]:
    """Reads both pipes as they fill, never holding more than the caps, until the process has exited
    and both pipes are closed, the wall deadline passes or stdout overflows. A pidfd in the same
    selector sees the exit, so a program that closes its pipes and spins is still timed out.
    bwrap's info descriptor names the host pid of the sandbox's pid 1; a pidfd on it is opened at
    once, while bwrap (its parent) lives and the pid cannot be reused.
    Returns stdout, stderr's tail, output_hit, wall_hit and that pidfd (None without bwrap)."""
    out, err, info = bytearray(), bytearray(), bytearray()
    output_hit = wall_hit = False
    init_pidfd = None
    pidfd = os.pidfd_open(proc.pid)
    try:
        with selectors.DefaultSelector() as sel:
            if info_fd is not None:
                sel.register(info_fd, selectors.EVENT_READ, "info")
            for pipe in (proc.stdout, proc.stderr):
                assert pipe is not None
                os.set_blocking(pipe.fileno(), False)
                sel.register(pipe.fileno(), selectors.EVENT_READ, "out" if pipe is proc.stdout else "err")
            sel.register(pidfd, selectors.EVENT_READ, "exit")
            while len(sel.get_map()) > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    wall_hit = True
                    break
                for key, _ in sel.select(timeout=min(left, 1.0)):
                    if key.data == "exit":
                        sel.unregister(pidfd)
                        _kill(proc)  # what the program left in its process group goes now
                        continue
                    try:
                        chunk = os.read(key.fd, _READ_CHUNK)
                    except BlockingIOError:
                        continue
                    if key.data == "info":
                        info += chunk
                        if (not chunk or b"}" in info) and init_pidfd is None:
                            init_pidfd = _pidfd_of_init(bytes(info))
                    if not chunk:
                        sel.unregister(key.fd)
                    elif key.data == "info":
                        continue
                    elif key.data == "out":
                        out += chunk
                        if len(out) > limits.output_bytes:
                            output_hit = True
                            del out[limits.output_bytes:]
                    else:
                        err += chunk
                        del err[:max(0, len(err) - limits.stderr_bytes)]
                if output_hit:
                    break
    finally:
        os.close(pidfd)
    return bytes(out), bytes(err), output_hit, wall_hit, init_pidfd


def _pidfd_of_init(info: bytes) -> int | None:
    try:
        return os.pidfd_open(int(json.loads(info)["child-pid"]))
    except (ValueError, KeyError, TypeError, OSError):
        return None


def _end_namespace(init_pidfd: int | None) -> None:
    """Kills the sandbox's pid 1 and waits until it has exited. The kernel kills every other process
    of the pid namespace before its init finishes exiting, so when this returns, nothing of the run
    is left, `setsid` or double fork or not. bwrap itself may exit a moment earlier, so its own exit
    proves nothing."""
    if init_pidfd is None:
        return
    try:
        signal.pidfd_send_signal(init_pidfd, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(init_pidfd, selectors.EVENT_READ)
            sel.select(timeout=_NAMESPACE_GRACE_S)
    finally:
        os.close(init_pidfd)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the run's process group. In bubblewrap mode the group's leader is bwrap; its death
    kills the sandbox's pid 1 (--die-with-parent) and with it every process in the pid namespace."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _execute(argv: list[str], limits: Limits, mode: str, stdin_fd: int, pass_fds: tuple[int, ...],
             report_fd: int, cwd: str | None, uid: int | None, info_fd: int | None = None,
             close_after_start: int | None = None) -> RunResult:
    """Starts argv in its own session and process group, collects output under the caps and the
    wall clock, kills the group when done (a belt: the program may have left children behind), and
    reads the CPU time and peak memory of every reaped process from wait4's rusage."""
    started = time.monotonic()
    env = {"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    argv, identity = _as_user(argv, uid)
    try:
        proc = subprocess.Popen(argv, stdin=stdin_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                pass_fds=pass_fds, cwd=cwd, env=env, start_new_session=True, close_fds=True,
                                **identity)  # type: ignore[call-overload]
    except OSError as exc:
        return _failed(mode, f"could not start the sandbox: {exc}")
    finally:
        if close_after_start is not None:  # bwrap holds the write end now; EOF comes when it closes it
            os.close(close_after_start)
    init_pidfd = None
    try:
        stdout, stderr, output_hit, wall_hit, init_pidfd = _read_until_done(
            proc, limits, started + limits.wall_limit_s, info_fd)
    finally:
        _kill(proc)  # the group leader is never reaped before this, so its pid cannot be reused yet
        _end_namespace(init_pidfd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    wall = time.monotonic() - started
    report = os.pread(report_fd, 256, 0).split()
    if len(report) == 3:  # the launcher saw the program end: its own status and usage, exactly
        status, cpu, peak = int(report[0]), float(report[1]), int(report[2])
        code, sig = _exit_of(status, RLIMITS_ONLY)
    else:  # killed from outside (wall clock, output cap) or the launcher never ran
        code, sig = _exit_of(status, mode)
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
    time_hit = wall_hit or cpu > limits.time_s or sig == signal.SIGXCPU
    if sig == signal.SIGKILL and not (output_hit or wall_hit) and cpu >= math.ceil(limits.time_s):
        time_hit = True  # the CPU limit's hard bound, for a program that ignored SIGXCPU
    memory_hit = code == MEMORY_EXIT or stderr.rstrip().rsplit(b"\n", 1)[-1].startswith(b"MemoryError")
    sandbox_error = None
    if mode == BUBBLEWRAP and code == 1 and stderr.startswith(b"bwrap:"):
        sandbox_error = stderr.decode("utf-8", "replace").strip()
    return RunResult(mode=mode, exit_code=code, signal=sig, wall_s=wall, cpu_s=cpu,
                     peak_memory_kib=peak or None, stdout=stdout, stderr=stderr,
                     time_limit_hit=time_hit, memory_limit_hit=memory_hit and not time_hit,
                     output_limit_hit=output_hit, sandbox_error=sandbox_error)


def _exit_of(status: int, mode: str) -> tuple[int | None, int | None]:
    """The program's exit code or killing signal. bwrap reports a child killed by signal N as exit
    code 128 + N, as a shell does; a program exiting with such a code on purpose is read the same."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    code = os.WEXITSTATUS(status)
    if mode == BUBBLEWRAP and 128 < code < 128 + signal.NSIG:
        return None, code - 128
    return code, None


def _failed(mode: str, detail: str) -> RunResult:
    return RunResult(mode=mode, exit_code=None, signal=None, wall_s=0.0, cpu_s=0.0, peak_memory_kib=None,
                     stdout=b"", stderr=b"", time_limit_hit=False, memory_limit_hit=False,
                     output_limit_hit=False, sandbox_error=detail)


def _run_bubblewrap(source: bytes, stdin: bytes, limits: Limits, uid: int | None, python: str) -> RunResult:
    try:
        bpf = build_filter()
    except UnsupportedMachine as exc:
        return _failed(BUBBLEWRAP, str(exc))
    # Each descriptor is closed exactly once: a second close could hit another thread's descriptor
    # that reused the number. The info pipe's write end is closed by _execute once bwrap holds it.
    info_read, info_write = os.pipe()
    fds = [_memfd("seccomp", bpf, readonly=False), _memfd("program", source), _memfd("stdin", stdin),
           os.memfd_create("report", 0), info_read]
    try:
        argv = [*_bwrap_argv(python, limits, seccomp_fd=fds[0], program_fd=fds[1], report_fd=fds[3])]
        argv[1:1] = ["--info-fd", str(info_write)]
    except BaseException:
        os.close(info_write)
        for fd in fds:
            os.close(fd)
        raise
    try:
        return _execute(argv, limits, BUBBLEWRAP, fds[2], (fds[0], fds[1], fds[3], info_write), fds[3],
                        cwd="/", uid=uid, info_fd=info_read, close_after_start=info_write)
    finally:
        for fd in fds:
            os.close(fd)


def _weak_interpreter(uid: int | None) -> str:
    """The first interpreter that `nobody` can reach (every folder above it searchable by others)."""
    if uid is None:
        return _python()
    for exe in _interpreters():
        parts = exe.split("/")
        if all(os.stat("/".join(parts[:i]) or "/").st_mode & 0o001 for i in range(1, len(parts))):
            return exe
    return _python()


def _run_rlimits_only(source: bytes, stdin: bytes, limits: Limits) -> RunResult:
    uid = NOBODY if os.geteuid() == 0 else None
    scratch = tempfile.mkdtemp(prefix="repairpack-run-")
    stdin_fd, report_fd = _memfd("stdin", stdin), os.memfd_create("report", 0)
    try:
        program = os.path.join(scratch, "main.py")
        with open(program, "wb") as handle:
            handle.write(source)
        if uid is not None:
            os.chown(scratch, uid, uid)
        nproc = limits.processes + 1 + _tasks_of(os.geteuid() if uid is None else uid)
        argv = [_weak_interpreter(uid), "-I", "-c", LAUNCHER, program, *_limit_args(limits, report_fd, nproc)]
        return _execute(argv, limits, RLIMITS_ONLY, stdin_fd, (report_fd,), report_fd, cwd=scratch, uid=uid)
    finally:
        os.close(stdin_fd)
        os.close(report_fd)
        shutil.rmtree(scratch, ignore_errors=True)


def run_program(source: str | bytes, stdin: bytes, limits: Limits = Limits(), mode: str = BUBBLEWRAP) -> RunResult:
    """Runs `source` as a Python 3 program on `stdin` under `limits` in the named mode.

    Never raises for anything the program does; a sandbox that cannot start is a RunResult with
    `sandbox_error` set. In bubblewrap mode the probe's verdict is honoured: if `sandbox_problem()`
    is not None, the run is refused (sandbox_error) rather than executed with less protection.
    """
    if isinstance(source, str):
        source = source.encode("utf-8")
    if mode == RLIMITS_ONLY:
        return _run_rlimits_only(source, stdin, limits)
    if mode != BUBBLEWRAP:
        return _failed(mode, f"unknown sandbox mode '{mode}' (known: {', '.join(MODES)})")
    probe = _probe()
    if probe.problem is not None:
        return _failed(BUBBLEWRAP, probe.problem)
    return _run_bubblewrap(source, stdin, limits, probe.uid, probe.python)


_PROBE_PROGRAM = b"import os\nprint('ok', os.getpid())\n"


@functools.lru_cache(maxsize=1)
def _probe() -> _Probe:
    """Starts the sandbox once on a trivial program and keeps the first setup that works. When this
    process is root, bwrap must run as `nobody`: a user namespace mapped to host root is exempt from
    RLIMIT_NPROC (the kernel never limits root's process count), so a fork bomb would be bounded
    by nothing but the wall clock. Cached: the answer does not change while the process lives, and a
    worker runs thousands of programs."""
    if shutil.which("bwrap") is None:
        return _Probe("the sandbox cannot start: bubblewrap (bwrap) is not installed; install the Debian or "
                      "Ubuntu package 'bubblewrap' (or choose an explicitly named weaker mode, such as "
                      f"'{RLIMITS_ONLY}')")
    try:
        build_filter()
    except UnsupportedMachine as exc:
        return _Probe(f"the sandbox cannot start: {exc}")
    limits = Limits(time_s=5.0, wall_s=30.0)
    uid = NOBODY if os.geteuid() == 0 else None
    errors = []
    for python in _interpreters():
        result = _run_bubblewrap(_PROBE_PROGRAM, b"", limits, uid, python)
        # pid 3: the program runs under the launcher (2) under bwrap's reaper in a fresh pid namespace.
        if result.exit_code == 0 and result.stdout == b"ok 3\n":
            return _Probe(None, uid, python)
        detail = (result.sandbox_error or result.stderr.decode("utf-8", "replace")).strip().splitlines()
        errors.append(detail[-1] if detail else f"exit status {result.exit_code}")
    return _Probe(_explain(errors[0], uid))


def _explain(bwrap_error: str, uid: int | None) -> str:
    """One sentence for the user from bwrap's own message: what is missing and what to do."""
    lowered = bwrap_error.lower()
    if "can't find source path" in lowered and uid == NOBODY:
        why = ("the Python interpreter cannot be read by the user 'nobody' that the sandbox runs as when "
               "started by root (install the system's python3 of the same version, or put the interpreter "
               "where every user can read it)")
    elif "can't find source path" in lowered:
        why = "the Python interpreter's files cannot be bound into it"
    elif "namespace" in lowered or "operation not permitted" in lowered or "permission denied" in lowered:
        why = ("user namespaces are not available here (a container runtime's seccomp profile, "
               "kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0 or an AppArmor rule)")
    elif "seccomp" in lowered:
        why = "the kernel refused the seccomp filter"
    else:
        why = "bubblewrap failed"
    return (f"the sandbox cannot start: {why}; bwrap said: {bwrap_error}; run where it can, or choose an "
            f"explicitly named weaker mode such as '{RLIMITS_ONLY}'")


def sandbox_problem() -> str | None:
    """Why the bubblewrap sandbox cannot run on this machine, in one sentence; None when it can."""
    return _probe().problem


def sandbox_identity() -> str:
    """Who runs the programs and with which interpreter, for the dataset card: 'nobody' or 'current
    user', then the interpreter's path."""
    probe = _probe()
    return f"{'nobody' if probe.uid == NOBODY else 'current user'}, {probe.python or 'no interpreter'}"
