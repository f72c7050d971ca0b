"""`pysandbox` command line: libpath, compile, groups, profile.

Exit status: 0 success, 2 usage error, 125 (SB_EXIT_FAILURE) policy or setup
failure. Messages: `pysandbox: <what>: '<value>'`.
"""
import argparse
import os
import sys

import pysandbox
from pysandbox._errors import SandboxError

EXIT_FAILURE = 125

EPILOG = """\
examples:
  LD_PRELOAD=$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group ./helloworld/helloworld
  SECCOMP_SYSCALL_DENY=ptrace:mount pysandbox compile -o filter.bpf   # for bwrap --seccomp FD
  SECCOMP_SYSCALL_ALLOW=read:write:exit_group pysandbox compile --explain
  SECCOMP_PROFILE=docker-default.json pysandbox compile --caps none -o filter.bpf
  pysandbox groups @dangerous
  SECCOMP_SYSCALL_DENY='ptrace=EPERM:mount' pysandbox profile export -o sandbox.json
  pysandbox profile show docker-default.json --caps none
"""


class Failure(Exception):
    """A setup failure: printed as one line, exit 125."""


def cmd_libpath(args):
    path = pysandbox.libpath()
    if not os.path.isfile(path):
        raise Failure("libsandbox.so is not installed: '%s'" % path)
    print(path)


def host(args):
    """The host a profile's includes/excludes are decided for: this process,
    or what --caps and --kernel say."""
    from pysandbox import _native, profile

    kernel = None
    if args.kernel:
        try:
            kernel = tuple(int(p) for p in args.kernel.split("."))
        except ValueError:
            kernel = ()
        if len(kernel) != 2:
            raise Failure("--kernel: expected MAJOR.MINOR, not '%s'" % args.kernel)
    caps = None if args.caps is None else profile.parse_caps(args.caps)
    return _native.host(caps, kernel)


def cmd_compile(args):
    from pysandbox import _native, bpf

    prog = _native.compile_env(os.environ, args.arch, host(args))
    if prog is None:
        raise Failure("no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY or "
                      "SECCOMP_PROFILE")
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


def cmd_profile_export(args):
    import json

    from pysandbox import profile

    text = json.dumps(profile.export(os.environ, args.arch, host(args)), indent=2) + "\n"
    write_output(args.output or "-", text.encode())


def cmd_profile_show(args):
    from pysandbox import profile

    print("\n".join(profile.show(args.file, args.arch, host(args))))


def host_options(s):
    s.add_argument("--caps", metavar="LIST", help="capabilities a profile's includes/excludes "
                   "see: all, none or CAP_A,CAP_B (default: this process's effective set)")
    s.add_argument("--kernel", metavar="X.Y", help="kernel version for minKernel "
                   "(default: the running one)")


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
    host_options(s)
    s.set_defaults(func=cmd_compile)
    s = sub.add_parser("groups", help="list syscall groups (@name) and their members",
                       description="Without NAME: every group with its size. With NAME: "
                       "its members on the arch, one per line.")
    s.add_argument("names", nargs="*", metavar="NAME", help="a group, e.g. @dangerous")
    s.add_argument("--arch", choices=["x86_64", "aarch64", "i386", "x32"],
                   help="arch whose syscalls to list (default: native)")
    s.set_defaults(func=cmd_groups)
    profile_parser(sub)
    return p


def profile_parser(sub):
    s = sub.add_parser("profile", help="Docker/OCI seccomp profiles: export, show",
                       description="Write the SECCOMP_* policy as a Docker/OCI seccomp "
                       "profile, or summarise a profile.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = s.add_subparsers(dest="verb", required=True)
    v = verbs.add_parser("export", help="the SECCOMP_* policy as a profile (JSON)")
    v.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    v.add_argument("--arch", choices=["x86_64", "aarch64"], help="target arch (default: native)")
    host_options(v)
    v.set_defaults(func=cmd_profile_export)
    v = verbs.add_parser("show", help="summarise a profile as it applies here")
    v.add_argument("file", metavar="FILE", help="a profile, e.g. docker-default.json")
    v.add_argument("--arch", choices=["x86_64", "aarch64"], help="target arch (default: native)")
    host_options(v)
    v.set_defaults(func=cmd_profile_show)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.command == "compile" and not (args.output or args.explain):
        p.error("compile: give -o FILE and/or --explain")
    try:
        args.func(args)
        sys.stdout.flush()
    except (Failure, SandboxError) as e:
        print("pysandbox: %s" % e, file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # `pysandbox groups | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
