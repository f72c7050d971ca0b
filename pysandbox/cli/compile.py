"""pysandbox compile: the SECCOMP_* environment's policy as BPF (-o FILE),
or readably (--explain)."""
import os

from pysandbox import _native, bpf
from pysandbox.cli._common import host, write_output


def run(args):
    prog, _ = _native.compile_policy(os.environb, args.arch, host(args), required=True)
    if args.output:
        write_output(args.output, prog)
    if args.explain:
        a = _native.arch(args.arch)
        lines = bpf.disassemble(bpf.decode(prog),
                                name_of=lambda nr: _native.syscall_name(nr, args.arch),
                                action_name=_native.action_name,
                                arch_name=_native.arch_by_audit().get)
        print("# %s: %d instructions" % (a, len(lines)))
        print("\n".join(lines))
