"""`pysandbox` command line: libpath, compile, groups, learn.

Exit status: 0 success, 2 usage error, 125 (SB_EXIT_FAILURE) policy or setup
failure. Messages: `pysandbox: <what>: '<value>'`.
"""
import argparse
import os
import sys

import pysandbox
from pysandbox import sandboxify
from pysandbox._errors import SandboxError

EXIT_FAILURE = 125

EPILOG = """\
examples:
  LD_PRELOAD=$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group ./helloworld/helloworld
  SECCOMP_SYSCALL_DENY=ptrace:mount pysandbox compile -o filter.bpf   # for bwrap --seccomp FD
  SECCOMP_SYSCALL_ALLOW=read:write:exit_group pysandbox compile --explain
  pysandbox groups @dangerous
  pysandbox learn -o hello.env -- ./helloworld/helloworld
"""


class Failure(Exception):
    """A setup failure: printed as one line, exit 125."""


def cmd_libpath(args):
    path = pysandbox.libpath()
    if not os.path.isfile(path):
        raise Failure("libsandbox.so is not installed: '%s'" % path)
    print(path)


def cmd_compile(args):
    from pysandbox import _native, bpf

    prog = _native.compile_env(os.environ, args.arch)
    if prog is None:
        raise Failure("no policy: set SECCOMP_SYSCALL_ALLOW or SECCOMP_SYSCALL_DENY")
    if args.output:
        write_output(args.output, prog)
    if args.explain:
        a = _native.arch(args.arch)
        arches = {_native.arch_audit(_native.arch(n)): n for n in _native.TARGET_ARCHES}
        lines = bpf.disassemble(bpf.decode(prog),
                                name_of=lambda nr: _native.syscall_name(nr, args.arch),
                                action_name=_native.action_name,
                                arch_name=arches.get)
        print("# %s: %d instructions" % (_native.arch_name(a), len(lines)))
        print("\n".join(lines))


def cmd_groups(args):
    from pysandbox import _native

    names = args.names or _native.groups()
    for name in names:
        if not name.startswith("@"):
            name = "@" + name
        members = _native.group_members(name, args.arch)
        if args.names:
            print("\n".join(members))
        else:
            print("%-16s %3d  %s" % (name, len(members), " ".join(members[:8])
                                      + (" ..." if len(members) > 8 else "")))


def cmd_learn(args):
    from pysandbox import learn

    return learn.run(args)


def write_output(path, data):
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise Failure("cannot write %s: '%s'" % (e.strerror.lower(), path))


def parser():
    p = argparse.ArgumentParser(
        prog="pysandbox", description="seccomp for any program, by environment variables",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("libpath", help="print the absolute path of libsandbox.so")
    s.set_defaults(func=cmd_libpath)
    s = sub.add_parser(
        "compile", help="compile the SECCOMP_* environment's policy to BPF",
        description="Compile the policy the SECCOMP_* environment describes into a raw "
        "array of struct sock_filter (what bwrap --seccomp FD reads), without installing it.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("-o", "--output", metavar="FILE", help="write the program to FILE ('-': stdout)")
    s.add_argument("--explain", action="store_true", help="print the program readably")
    s.add_argument("--arch", choices=["x86_64", "aarch64"], help="target arch (default: native)")
    s.set_defaults(func=cmd_compile)
    s = sub.add_parser("groups", help="list syscall groups (@name) and their members",
                       description="Without NAME: every group with its size. With NAME: "
                       "its members on the arch, one per line.")
    s.add_argument("names", nargs="*", metavar="NAME", help="a group, e.g. @dangerous")
    s.add_argument("--arch", choices=["x86_64", "aarch64", "i386", "x32"],
                   help="arch whose syscalls to list (default: native)")
    s.set_defaults(func=cmd_groups)
    s = sub.add_parser(
        "learn", help="run a program and write the allowlist it needs",
        description="Run PROG traced and write the smallest SECCOMP_SYSCALL_ALLOW it needs "
        "(every syscall it and its children make after the filter point). The exit status "
        "is PROG's.", epilog="examples:\n  pysandbox learn -o hello.env -- ./helloworld/helloworld"
        "\n  pysandbox learn --exec --format policy -- ./helloworld/helloworld-static",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("-o", "--output", metavar="FILE",
                   help="write the policy to FILE (default: stdout, after PROG's own output)")
    s.add_argument("--exec", dest="exec_mode", action="store_true",
                   help="count from the launch exec, for sandboxify (automatic for static PROG)")
    s.add_argument("--format", choices=["env", "policy", "oci"], default="env",
                   help="env: SECCOMP_SYSCALL_ALLOW=... (default); policy: a "
                   "SECCOMP_POLICY_FILE; oci: a Docker/OCI seccomp profile")
    s.add_argument("--append", action="store_true",
                   help="merge with the policy already in FILE (several runs, one list)")
    s.add_argument("command", nargs=argparse.REMAINDER, metavar="-- PROG [ARGS]")
    s.set_defaults(func=cmd_learn)
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.command == "compile" and not (args.output or args.explain):
        p.error("compile: give -o FILE and/or --explain")
    try:
        status = args.func(args)
        sys.stdout.flush()
    except (Failure, sandboxify.Failure, SandboxError) as e:
        print("pysandbox: %s" % e, file=sys.stderr)
        return getattr(e, "status", EXIT_FAILURE)
    except BrokenPipeError:  # `pysandbox groups | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
