"""sb_bpf_run (csrc/core/bpfrun.c), the one C BPF interpreter: libsandbox.so's
read-back check and fuzz/check.c rely on it deciding as the kernel would, and
on it refusing what bpf.c never emits."""
import struct

import pytest

from pysandbox import _native, bpf
from pysandbox._native_cffi import ffi, lib

POLICIES = [
    {"SECCOMP_SYSCALL_ALLOW": "read:write:exit_group"},
    {"SECCOMP_SYSCALL_DENY": "socket(arg0 != 1):ptrace=EPERM:mmap(arg2 & 4 == 4):kill(arg1 > 9)"},
    {"SECCOMP_SYSCALL_DENY": ":".join("%s(arg0 == %d)" % (n, i) for i, n in
                                      enumerate(sorted(_native.syscalls("x86_64"))[:300]))},
]


def c_run(prog, data):
    insns = ffi.from_buffer("struct sb_insn[]", prog)
    return lib.sb_bpf_run(insns, len(prog) // _native.INSN_SIZE, data)


@pytest.mark.parametrize("environ", POLICIES)
def test_decides_as_the_python_interpreter(environ):
    prog = _native.compile_env(environ, "x86_64")
    insns = bpf.decode(prog)
    audit = _native.arch_audit("x86_64")
    for nr in list(range(0, 460, 3)) + [0x40000000, 0xFFFFFFFF]:
        for args in ((0,) * 6, (1, 10, 4, 0, 0, 0), (2**64 - 1,) * 6):
            for arch in (audit, _native.arch_audit("aarch64")):
                data = bpf.seccomp_data(nr, arch, args)
                assert c_run(prog, data) == bpf.run(insns, data)


def insn(code, k, jt=0, jf=0):
    return struct.pack("=HBBI", code, jt, jf, k)


RET_ALLOW = insn(0x06, lib.SB_ACT_ALLOW)


@pytest.mark.parametrize("prog", [
    insn(0x20, 64) + RET_ALLOW,  # a load past struct seccomp_data
    insn(0x20, 2) + RET_ALLOW,  # a load not on a word
    insn(0x00, 0) + RET_ALLOW,  # ld imm: not an opcode bpf.c emits
    insn(0x05, 1) + RET_ALLOW,  # a jump past the end
    insn(0x20, 0),  # no return: falls off the end
    b"",
], ids=["load-past", "load-unaligned", "unknown-opcode", "jump-past", "no-return", "empty"])
def test_refuses_what_bpf_c_never_emits(prog):
    assert c_run(prog, bpf.seccomp_data(0, 0)) == -1
