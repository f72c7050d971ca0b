"""A policy compiled by csrc/ and asked what it decides, through pysandbox.bpf.run."""
import functools

from pysandbox import _native, bpf
from support.arches import AUDIT

U64 = 2**64 - 1
IP = 0x41414141  # the instruction pointer decide() passes: no filter may look at it


def flip(v):
    """V with its 32-bit halves swapped."""
    return ((v & 0xFFFFFFFF) << 32) | (v >> 32)


def env(allow=None, deny=None, action=None, verbose=None, file=None):
    """A SECCOMP_* environment; None leaves a variable unset."""
    pairs = [("SECCOMP_SYSCALL_ALLOW", allow), ("SECCOMP_SYSCALL_DENY", deny),
             ("SECCOMP_DEFAULT_ACTION", action), ("SECCOMP_VERBOSE", verbose),
             ("SECCOMP_POLICY_FILE", file)]
    return {k: v for k, v in pairs if v is not None}


@functools.lru_cache(maxsize=None)
def table(arch):
    """{syscall name: number} of ARCH."""
    return _native.syscalls(arch)


@functools.lru_cache(maxsize=None)
def _compiled(items, arch):
    return bpf.decode(_native.compile_env(dict(items), arch))


def compile_insns(environ, arch="x86_64"):
    """The decoded program of the SECCOMP_* environment ENVIRON for ARCH (cached:
    the same list for the same policy, so do not change it)."""
    return _compiled(tuple(sorted(environ.items())), arch)


def decide(program, arch, call, args=(), audit=None, ip=IP):
    """The action of PROGRAM (decoded, or a SECCOMP_* environment compiled for ARCH)
    for syscall CALL (a name or a number of ARCH) with ARGS, from AUDIT (default
    ARCH's AUDIT_ARCH value) at instruction pointer IP."""
    if isinstance(program, dict):
        program = compile_insns(program, arch)
    nr = call if isinstance(call, int) else _native.syscall_nr(call, arch)
    return bpf.run(program, bpf.seccomp_data(nr, AUDIT[arch] if audit is None else audit, args, ip))


def decisions(program, arch, probes, *others):
    """PROGRAM's action for each probe; with OTHERS, a list of them for each program."""
    data = [bpf.seccomp_data(nr, AUDIT[arch], args) for nr, args in probes]
    out = [[bpf.run(p, d) for d in data] for p in (program,) + others]
    return out if others else out[0]
