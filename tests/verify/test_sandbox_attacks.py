"""The attack suite: hostile submissions run in the bubblewrap sandbox, each contained, the host
checked afterwards (no file written, no connection received, no process left) and the run finished.

Nothing here is skipped when the sandbox cannot start: the first test fails with the probe's
sentence, and every attack fails with it as a sandbox_error, so a machine without bubblewrap or
user namespaces shows red, not a quiet pass. Wall clocks are generous and no test asserts a speed;
a timeout verdict is behaviour.
"""
from __future__ import annotations

import socket
import time
import tracemalloc
import uuid
from pathlib import Path

import pytest

from beam_jobs.verify.compare import verdict
from beam_jobs.verify.sandbox import Limits, sandbox_problem
from tests.paths import ROOT
from tests.verify.helpers import FAST, processes_with, run, sandboxed_processes


@pytest.fixture(autouse=True)
def no_process_left():
    """Every test starts and ends with no sandboxed process on the host."""
    assert sandboxed_processes() == []
    yield
    assert sandboxed_processes() == []


def test_the_sandbox_starts_here():
    assert sandbox_problem() is None


def test_fork_bomb_is_bounded_by_the_process_limit():
    """The children fork stops at the limit: 8 tasks, less the program itself, is 7 children."""
    result = run("import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                 "            time.sleep(60)\n            os._exit(0)\n        n += 1\n"
                 "except OSError as e:\n    print(n, e.strerror)\n",
                 limits=Limits(time_s=2.0, wall_s=20.0, processes=8))
    assert (result.stdout, result.exit_code, result.sandbox_error) == (b"7 Resource temporarily unavailable\n", 0, None)
    assert verdict(result, b"7 Resource temporarily unavailable") == "pass"


def test_classic_fork_bomb_is_contained_and_killed():
    result = run("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
                 limits=Limits(time_s=1.0, wall_s=6.0, processes=16))
    assert result.sandbox_error is None
    assert verdict(result, b"") == "timeout"


def test_socket_to_a_listener_on_the_host_loopback():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        result = run("import socket\ntry:\n    s = socket.create_connection(('127.0.0.1', %d), timeout=3)\n"
                     "    print('connected')\nexcept OSError as e:\n    print(e.errno, e.strerror)\n" % port)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert result.stdout == b"97 Address family not supported by protocol\n"


def test_socket_to_a_public_address_and_raw_sockets():
    result = run("import socket\nfor fam, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),\n"
                 "                  (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):\n"
                 "    try:\n        socket.socket(fam, kind).connect(('8.8.8.8', 53))\n        print('open')\n"
                 "    except OSError as e:\n        print(e.errno)\n")
    assert result.stdout == b"97\n97\n97\n97\n"


def test_unix_socket_to_the_host_abstract_namespace():
    """AF_UNIX is allowed, but the abstract namespace belongs to the network namespace: a host
    listener is unreachable."""
    name = f"\0repairpack-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(name)
        listener.listen(1)
        result = run("import socket\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect(%r)\n    print('connected')\n"
                     "except OSError as e:\n    print(e.errno)\n" % name)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert result.stdout == b"111\n"  # ECONNREFUSED: no such socket in the sandbox's namespace


def test_writes_outside_the_scratch_folder(tmp_path: Path):
    targets = [tmp_path / "escaped.txt", ROOT / "escaped.txt", Path("/etc/escaped.txt"), Path("/escaped.txt")]
    source = ("import os\nfor p in %r:\n    try:\n        open(p, 'w').write('x')\n        print('wrote')\n"
              "    except OSError as e:\n        print(e.errno)\n"
              "open('/tmp/inside.txt', 'w').write('ok')\nprint(open('inside.txt').read())\n") % [str(t) for t in targets]
    result = run(source)
    # ENOENT where the sandbox has no such folder, EROFS where a read-only bind or the root is.
    assert result.stdout == b"2\n2\n2\n30\nok\n"
    assert [t.exists() for t in targets] == [False, False, False, False]


def test_reading_secrets_and_the_project():
    paths = ["/etc/shadow", "/etc/passwd", str(ROOT / "README.md"), str(Path(__file__)), "/root", "/home"]
    result = run("import os\nfor p in %r:\n    print(os.path.exists(p))\n" % paths)
    assert result.stdout == b"False\n" * 6


def test_installed_packages_are_hidden():
    """site-packages is an empty read-only folder: no project code (editable install) and no
    library reachable through an import."""
    result = run("import importlib.util\nprint([importlib.util.find_spec(m) is None for m in "
                 "('beam_jobs', 'pytest', 'apache_beam')])\n")
    assert result.stdout == b"[True, True, True]\n"


def test_four_gigabytes_of_memory():
    result = run("x = bytearray(4 << 30)\nprint(len(x))\n")
    assert (result.memory_limit_hit, result.stdout) == (True, b"")
    assert verdict(result, b"4294967296") == "memory_limit"


def test_memory_grown_in_steps():
    result = run("chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))\n")
    assert verdict(result, b"") == "memory_limit"


def test_two_hundred_megabytes_of_output_keep_the_parent_bounded():
    limits = Limits(time_s=10.0, wall_s=60.0, output_bytes=1 << 20)
    tracemalloc.start()
    try:
        result = run("import sys\nblock = b'x' * (1 << 20)\nfor _ in range(200):\n    sys.stdout.buffer.write(block)\n",
                     limits=limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.output_limit_hit, len(result.stdout)) == (True, 1 << 20)
    assert verdict(result, b"") == "output_limit"
    assert peak < 8 << 20  # the parent held the capped output, never the flood


def test_stderr_flood_keeps_only_the_tail():
    result = run("import sys\nfor i in range(100000):\n    sys.stderr.write('line %d\\n' % i)\nprint('done')\n",
                 limits=Limits(time_s=5.0, wall_s=60.0, stderr_bytes=1024))
    assert (result.stdout, len(result.stderr), result.stderr.endswith(b"line 99999\n")) == (b"done\n", 1024, True)


def test_os_system_finds_no_shell():
    result = run("import os, subprocess\nprint(os.system('touch /tmp/x; echo hi'))\n"
                 "try:\n    subprocess.run(['/bin/sh', '-c', 'echo hi'])\nexcept OSError as e:\n    print(e.errno)\n"
                 "print(os.path.exists('/tmp/x'))\n")
    assert result.stdout == b"32512\n2\nFalse\n"  # the forked child could not exec /bin/sh: exit 127


def test_a_child_in_a_new_session_dies_with_the_run():
    """The child calls setsid and outlives its parent by design; the pid namespace ends with the
    run, so it is gone when run() returns, and its marker never shows."""
    token = f"survivor-{uuid.uuid4().hex}"
    result = run("import os, sys\nif os.fork() == 0:\n    os.setsid()\n"
                 "    os.execv(sys.executable, [sys.executable, '-c', \"import time; time.sleep(3); print(%r, flush=True)\"])\n"
                 "print('parent done', flush=True)\n" % token)
    assert (result.stdout, result.exit_code, result.time_limit_hit) == (b"parent done\n", 0, False)
    assert processes_with(token.encode()) == []
    time.sleep(4)  # past the moment the child would have written its marker
    assert processes_with(token.encode()) == []


def test_a_double_forked_daemon_that_closes_its_pipes():
    token = f"daemon-{uuid.uuid4().hex}"
    result = run("import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                 "        os.close(0); os.close(1); os.close(2)\n"
                 "        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(60) # %s'])\n"
                 "    os._exit(0)\nprint('ok')\n" % token)
    assert (result.stdout, result.exit_code) == (b"ok\n", 0)
    assert processes_with(token.encode()) == []


def test_infinite_loop():
    result = run("while True:\n    pass\n", limits=Limits(time_s=1.0, wall_s=20.0))
    assert (result.time_limit_hit, result.signal) == (True, 24)  # SIGXCPU from RLIMIT_CPU
    assert verdict(result, b"") == "timeout"


def test_sleeping_forever_is_stopped_by_the_wall_clock():
    result = run("import time\ntime.sleep(3600)\n", limits=Limits(time_s=1.0, wall_s=3.0))
    assert (result.time_limit_hit, result.signal) == (True, 9)
    assert verdict(result, b"") == "timeout"


def test_ignoring_sigxcpu_meets_the_hard_limit():
    result = run("import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n",
                 limits=Limits(time_s=1.0, wall_s=20.0))
    assert (result.time_limit_hit, result.signal) == (True, 9)


def test_new_namespaces_and_ptrace_are_refused():
    result = run("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                 "for call, args in (('unshare', (0x10000000,)), ('unshare', (0x40000000,)), ('ptrace', (0, 0, 0, 0)),\n"
                 "                   ('mount', (b'none', b'/tmp', b'tmpfs', 0, None))):\n"
                 "    print(call, getattr(libc, call)(*args), ctypes.get_errno())\n")
    assert result.stdout == b"unshare -1 1\nunshare -1 1\nptrace -1 1\nmount -1 1\n"


def test_the_sandbox_sees_only_its_own_processes():
    result = run("import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n")
    assert result.stdout == b"[1, 2, 3]\n"  # bwrap's reaper, the launcher, the program


def test_the_environment_is_clean():
    result = run("import os\nprint(sorted(os.environ))\n")
    assert result.stdout == b"['HOME', 'LANG', 'PWD']\n"
