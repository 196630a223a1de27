"""The hand-built seccomp filter: its syscall numbers against libseccomp's tables, its shape."""
from __future__ import annotations

import ctypes
import ctypes.util

import pytest

from beam_jobs.verify.seccomp import ARCHES, DENIED, UnsupportedMachine, build_filter


def _resolver():
    name = ctypes.util.find_library("seccomp")
    assert name is not None, "libseccomp2 (a Debian package) is needed to check the syscall tables"
    lib = ctypes.CDLL(name)
    lib.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name_arch.restype = ctypes.c_int
    return lib.seccomp_syscall_resolve_name_arch


@pytest.mark.parametrize("machine", sorted(ARCHES))
def test_every_number_is_the_kernels(machine):
    resolve = _resolver()
    audit_arch, table = ARCHES[machine]
    assert {name: resolve(audit_arch, name.encode()) for name in table} == table
    # A denied name left out of a table must not exist on that machine (libseccomp: negative).
    assert [n for n in DENIED if n not in table and resolve(audit_arch, n.encode()) >= 0] == []


def test_filter_shape():
    prog = build_filter("x86_64")
    assert len(prog) % 8 == 0 and len(prog) // 8 < 256
    assert build_filter("aarch64") != prog


def test_unknown_machine_is_refused_in_one_sentence():
    with pytest.raises(UnsupportedMachine, match="no system call table for the machine 'riscv64'"):
        build_filter("riscv64")
