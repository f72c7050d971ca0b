"""libseccomp, through pyseccomp: the other compiler the differential tests ask."""
import tempfile

import pyseccomp as ps  # a test dependency: its absence is an error, not a skip

from pysandbox import _native, bpf
from support.arches import TARGETS

TOKEN = {"x86_64": ps.Arch.X86_64, "aarch64": ps.Arch.AARCH64, "i386": ps.Arch.X86,
         "x32": ps.Arch.X32}
NATIVE = next((a for a in TARGETS if TOKEN[a] == ps.system_arch()), None)  # None: not a target


def lib_nr(arch, name):
    """libseccomp's number for NAME on ARCH, None if not a syscall there."""
    nr = ps.resolve_syscall(TOKEN[arch], name)
    return None if nr < 0 else nr


def lib_name(arch, nr):
    try:
        return ps.resolve_syscall(TOKEN[arch], nr).decode()
    except ValueError:
        return None


def libseccomp_knows(arch, name):
    return ps.resolve_syscall(TOKEN[arch], name) == _native.syscall_nr(name, arch)


def lib_filter(default, arch):
    """A libseccomp filter for ARCH alone with action DEFAULT, killing other arches."""
    f = ps.SyscallFilter(default)
    if arch != NATIVE:
        f.add_arch(TOKEN[arch])
        f.remove_arch(ps.Arch.NATIVE)
    f.set_attr(ps.Attr.ACT_BADARCH, ps.KILL_PROCESS)
    return f


def lib_program(f):
    """The decoded program libseccomp exports for filter F."""
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return bpf.decode(out.read())
