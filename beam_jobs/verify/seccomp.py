"""The seccomp filter every sandboxed run is started under, as a classic BPF program built by hand.

Why by hand: bubblewrap takes a compiled filter (`--seccomp FD`), and the filter is small (one
comparison per denied system call, two argument checks). Packing it with `struct` needs no native
library on a Dataflow worker and leaves nothing to version-match; the syscall numbers below are the
kernel's ABI, and `tests/verify/test_seccomp.py` checks every one against libseccomp's own tables.

What it denies, and why each is there at all when namespaces already stand in the way:
- sockets of any family but AF_UNIX (EAFNOSUPPORT): the network namespace has no interface but a
  down loopback; the filter also closes netlink and raw sockets, which talk to the kernel itself.
- new namespaces (`unshare`, `setns`, `clone` with a CLONE_NEW* flag; `clone3`, whose flags sit in
  memory a filter cannot read, answers ENOSYS so libc falls back to `clone`): a user namespace inside
  the sandbox hands the program a full set of capabilities over it, the usual first step of a
  kernel exploit.
- debugging and introspection of other processes (`ptrace`, `process_vm_*`), the kernel's attack
  surface that no judge program needs (`bpf`, `perf_event_open`, `userfaultfd`, `io_uring_*`,
  `keyctl` and friends), and administration (`mount`, `kexec_*`, modules, `reboot`, swap, clocks).
Everything else is allowed: Python itself uses a broad set of calls, and a judge program is plain.
A call from a foreign ABI (x32 on x86-64, or another architecture's numbering) kills the process,
since none of the numbers here would mean what they say.
"""
from __future__ import annotations

import errno
import platform
import struct

# Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
_LD_W_ABS = 0x20        # BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of seccomp_data
_JEQ_K = 0x15           # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35           # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45          # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06           # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]. The low 32 bits of
# args[0] sit at offset 16 on little-endian machines, which both supported machines are.
_NR, _ARCH, _ARG0_LOW = 0, 4, 16
_X32_SYSCALL_BIT = 0x40000000
AF_UNIX = 1
# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

# Calls answered EPERM. Names absent from a machine's table do not exist there and need no rule.
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
          "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
          "unshare", "setns", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
          "acct", "quotactl", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
          "mount_setattr", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "syslog",
          "io_uring_setup", "io_uring_enter", "io_uring_register", "uselib", "ioperm", "iopl",
          "settimeofday", "clock_settime", "adjtimex", "clock_adjtime", "sethostname", "setdomainname",
          "vhangup", "nfsservctl", "fanotify_init")

# AUDIT_ARCH_* and the syscall numbers the filter names, per machine (platform.machine()).
ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (0xC000003E, {
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "mount": 165, "umount2": 166,
        "pivot_root": 155, "chroot": 161, "kexec_load": 246, "kexec_file_load": 320, "bpf": 321,
        "perf_event_open": 298, "keyctl": 250, "add_key": 248, "request_key": 249, "unshare": 272,
        "setns": 308, "init_module": 175, "finit_module": 313, "delete_module": 176, "reboot": 169,
        "swapon": 167, "swapoff": 168, "acct": 163, "quotactl": 179, "userfaultfd": 323,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "lookup_dcookie": 212, "mount_setattr": 442,
        "move_mount": 429, "open_tree": 428, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "syslog": 103, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "uselib": 134,
        "ioperm": 173, "iopl": 172, "settimeofday": 164, "clock_settime": 227, "adjtimex": 159,
        "clock_adjtime": 305, "sethostname": 170, "setdomainname": 171, "vhangup": 153, "nfsservctl": 180,
        "fanotify_init": 300, "clone": 56, "clone3": 435, "socket": 41}),
    "aarch64": (0xC00000B7, {
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "mount": 40, "umount2": 39,
        "pivot_root": 41, "chroot": 51, "kexec_load": 104, "kexec_file_load": 294, "bpf": 280,
        "perf_event_open": 241, "keyctl": 219, "add_key": 217, "request_key": 218, "unshare": 97,
        "setns": 268, "init_module": 105, "finit_module": 273, "delete_module": 106, "reboot": 142,
        "swapon": 224, "swapoff": 225, "acct": 89, "quotactl": 60, "userfaultfd": 282,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "lookup_dcookie": 18, "mount_setattr": 442,
        "move_mount": 429, "open_tree": 428, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "syslog": 116, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "settimeofday": 170, "clock_settime": 112, "adjtimex": 171, "clock_adjtime": 266,
        "sethostname": 161, "setdomainname": 162, "vhangup": 58, "nfsservctl": 42, "fanotify_init": 262,
        "clone": 220, "clone3": 435, "socket": 198}),
}


class UnsupportedMachine(ValueError):
    """The filter has no syscall table for this machine, so the sandbox cannot be started here."""


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    """struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } in the machine's byte order."""
    return struct.pack("=HBBI", code, jt, jf, k)


def _deny(nr: int, ret: int) -> bytes:
    """`if nr == NR: return RET`: two instructions with no far jump, so rules can be listed freely."""
    return _insn(_JEQ_K, nr, 0, 1) + _insn(_RET_K, ret)


def build_filter(machine: str | None = None) -> bytes:
    """The compiled filter for `machine` (default: this one), ready to hand to `bwrap --seccomp FD`."""
    machine = machine or platform.machine()
    if machine not in ARCHES:
        raise UnsupportedMachine(f"the seccomp filter has no system call table for the machine '{machine}' "
                                 f"(known: {', '.join(sorted(ARCHES))})")
    audit_arch, table = ARCHES[machine]
    eperm, enosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    prog = _insn(_LD_W_ABS, _ARCH) + _insn(_JEQ_K, audit_arch, 1, 0) + _insn(_RET_K, RET_KILL_PROCESS)
    prog += _insn(_LD_W_ABS, _NR)
    if machine == "x86_64":  # x32 calls carry this bit and a numbering of their own
        prog += _insn(_JGE_K, _X32_SYSCALL_BIT, 0, 1) + _insn(_RET_K, RET_KILL_PROCESS)
    for name in DENIED:
        if name in table:
            prog += _deny(table[name], eperm)
    prog += _deny(table["clone3"], enosys)
    # socket(family, ...): only AF_UNIX. The accumulator is reloaded, so each check ends in a return.
    prog += _insn(_JEQ_K, table["socket"], 0, 4) + _insn(_LD_W_ABS, _ARG0_LOW)
    prog += _insn(_JEQ_K, AF_UNIX, 0, 1) + _insn(_RET_K, RET_ALLOW)
    prog += _insn(_RET_K, RET_ERRNO | errno.EAFNOSUPPORT)
    # clone(flags, ...): no new namespace. Plain fork and threads pass.
    prog += _insn(_JEQ_K, table["clone"], 0, 3) + _insn(_LD_W_ABS, _ARG0_LOW)
    prog += _insn(_JSET_K, CLONE_NEW_FLAGS, 0, 1) + _insn(_RET_K, eperm)
    prog += _insn(_RET_K, RET_ALLOW)
    return prog
