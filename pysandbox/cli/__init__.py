"""`pysandbox` command line: libpath, compile, groups, profile, syscalls, audit,
features, learn. Exit status of learn: the program's.

Exit status: 0 success, 2 usage error, 125 (SB_EXIT_FAILURE) policy or setup
failure, an unknown syscall, an unreadable log; `audit` also 1 when it finds no
records. Messages: `pysandbox: <what>: '<value>'`.
"""
import argparse
import os
import string
import sys

import pysandbox
from pysandbox._errors import Failure, SandboxError

EXIT_FAILURE = 125

EPILOG = """\
examples:
  LD_PRELOAD=$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group ./helloworld/helloworld
  SECCOMP_SYSCALL_DENY=ptrace:mount pysandbox compile -o filter.bpf   # for bwrap --seccomp FD
  SECCOMP_SYSCALL_ALLOW=read:write:exit_group pysandbox compile --explain
  SECCOMP_PROFILE=docker-default.json pysandbox compile --caps none -o filter.bpf
  pysandbox groups @dangerous
  pysandbox syscalls read 0x3c 231 --arch i386
  pysandbox audit --summary --allow                # seccomp records in the kernel log
  pysandbox features                               # what this kernel offers a sandbox
  pysandbox learn -o hello.env -- ./helloworld/helloworld
  SECCOMP_SYSCALL_DENY='ptrace=EPERM:mount' pysandbox profile export -o sandbox.json
  pysandbox profile show docker-default.json --caps none
"""


AUDIT_EPILOG = """\
examples:
  pysandbox audit                                  # the kernel log, as root
  journalctl -k -b | pysandbox audit -
  ausearch -m SECCOMP --raw | pysandbox audit - --summary
  pysandbox audit --follow --allow --exe helloworld   # Ctrl-C prints the allowlist
"""


def cmd_libpath(args):
    path = pysandbox.libpath()
    if not os.path.isfile(path):
        raise Failure("libsandbox.so is not installed: '%s'" % path)
    print(path)


def host(args):
    """The host a profile's includes/excludes are decided for: this process,
    or what --caps and --kernel say."""
    from pysandbox import _native, profile

    if args.caps is None and args.kernel is None:
        return None  # this process's own, probed only if a profile needs it
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

    prog, _ = _native.compile_policy(os.environb, args.arch, host(args), required=True)
    if args.output:
        write_output(args.output, prog)
    if args.explain:
        a = _native.arch(args.arch)
        lines = bpf.disassemble(bpf.decode(prog),
                                name_of=lambda nr: _native.syscall_name(nr, args.arch),
                                action_name=_native.action_name,
                                arch_name=_native.arch_by_audit().get)
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


def cmd_syscalls(args):
    from pysandbox import _native

    arch = args.arch or _native.arch_name(_native.arch())
    table = _native.syscalls(arch)
    by_nr = {nr: name for name, nr in table.items()}
    width = len(str(max(by_nr)))
    if not args.items:
        note = INT_ARGS_NOTE.get(arch, INT_ARGS_NOTE[None])
        print("# %s: %d syscalls; %s" % (arch, len(table), note))
        for nr in sorted(by_nr):
            print(syscall_row(nr, by_nr[nr], arch, width))
        return
    failed = False
    for item in args.items:
        try:
            nr = syscall_item(item, arch, table, by_nr)
            print(syscall_row(nr, by_nr[nr], arch, width))
        except Failure as e:
            print("pysandbox: %s" % e, file=sys.stderr)
            failed = True
    return EXIT_FAILURE if failed else 0


INT_ARGS_NOTE = {
    "i386": "every argument is 32 bits wide",
    "x32": "argument widths are not tabulated (no filters for x32)",
    None: "*N: argument N is a 32-bit C int, compared on its low half; *N:16 on its "
          "low 16 bits (umode_t)",
}


def syscall_item(item, arch, table, by_nr):
    """The number of ITEM (a syscall name, or a number: decimal or 0x hex)."""
    from pysandbox import _native

    nr = parse_number(item)
    if nr is not None:
        if arch == "x32" and nr < _native.X32_BIT:
            nr |= _native.X32_BIT  # x32 numbers may be given without the ABI bit
        if nr not in by_nr:
            raise Failure("no syscall with this number on %s: '%s'" % (arch, item))
        return nr
    if item in table:
        return table[item]
    others = [a for a in _native.ARCHES if _native.syscall_nr(item, a) is not None]
    if others:
        raise Failure("not a syscall on %s (it is on %s): '%s'" % (arch, ", ".join(others), item))
    if _native.syscall_known(item):
        raise Failure("not a syscall on %s (only on other Linux architectures): '%s'"
                      % (arch, item))
    raise Failure("unknown syscall: '%s'" % item)


def parse_number(text):
    """Decimal or 0x hex, the whole string; None if TEXT is not a number."""
    hexa = text[:2] in ("0x", "0X")
    digits = text[2:] if hexa else text
    if digits and all(c in (string.hexdigits if hexa else string.digits) for c in digits):
        return int(digits, 16 if hexa else 10)
    return None


def syscall_row(nr, name, arch, width):
    from pysandbox import _native

    marks = " ".join("*%d" % i + (":16" if _native.arg_width(nr, i, arch) == 16 else "")
                     for i in _native.int_args(nr, arch)) \
        if arch in _native.TARGET_ARCHES else ""
    return ("%*d  %-24s %s" % (width, nr, name, marks)).rstrip()


def cmd_audit(args):
    from pysandbox import audit

    return audit.run(args)


def cmd_features(args):
    from pysandbox import features

    features.run(args)
def cmd_profile_export(args):
    import json

    from pysandbox import profile

    text = json.dumps(profile.export(os.environb, args.arch, host(args)), indent=2) + "\n"
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
        raise Failure("cannot write '%s': %s" % (path, e.strerror))


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
    arch_option(s)
    host_options(s)
    s.set_defaults(func=cmd_compile)
    s = sub.add_parser("groups", help="list syscall groups (@name) and their members",
                       description="Without NAME: every group with its size. With NAME: "
                       "its members on the arch, one per line.")
    s.add_argument("names", nargs="*", metavar="NAME", help="a group, e.g. @dangerous")
    arch_option(s, ARCHES, "arch whose syscalls to list")
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
    s.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- PROG [ARGS]")
    s.set_defaults(func=cmd_learn)
    s = sub.add_parser(
        "syscalls", help="resolve syscall names and numbers; list an arch's syscalls",
        description="Without arguments: every syscall of the arch, by number, with the\n"
        "indexes of its 32-bit int arguments (*N). With NAME or NUMBER (decimal or 0x hex):\n"
        "their rows, in the same form. Unknown names, and names of another arch's syscalls,\n"
        "are errors (status 125).",
        epilog="examples:\n  pysandbox syscalls\n  pysandbox syscalls read 0x3c 231 "
        "--arch i386", formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("items", nargs="*", metavar="NAME|NUMBER")
    arch_option(s, ARCHES, "arch whose numbers to use")
    s.set_defaults(func=cmd_syscalls)
    s = sub.add_parser(
        "audit", help="print the kernel's seccomp audit records readably",
        description="Read seccomp audit records (type=1326 / SECCOMP) from FILE, from\n"
        "stdin (-), or by default from the kernel log (/dev/kmsg, what dmesg reads;\n"
        "needs root when kernel.dmesg_restrict is 1). dmesg, journalctl and\n"
        "ausearch --raw text all work. One line per record: local time, pid, uid,\n"
        "arch, syscall, action, program.\n\n"
        "exit status: 0 records printed, 1 none found, 2 usage,\n"
        "             125 the log cannot be read or a record is malformed",
        epilog=AUDIT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("file", nargs="?", metavar="FILE|-", help="a log (default: the kernel log)")
    s.add_argument("-f", "--follow", action="store_true",
                   help="keep reading as records arrive (like tail -f); stop with Ctrl-C")
    s.add_argument("-s", "--summary", action="store_true",
                   help="count records per program and syscall instead")
    s.add_argument("-a", "--allow", action="store_true",
                   help="print the SECCOMP_SYSCALL_ALLOW that lets each program's logged "
                   "calls through")
    s.add_argument("--pid", type=int, help="only records of this process")
    s.add_argument("--exe", metavar="PROG", help="only records of this program (path, "
                   "file name or comm)")
    s.set_defaults(func=cmd_audit)
    s = sub.add_parser(
        "features", help="what this kernel offers a sandbox, and what pysandbox can do here",
        description="Probe the kernel (syscalls and /proc, never its version number): seccomp\n"
        "filters and actions, SECCOMP_RET_LOG, user notification, Landlock, user\n"
        "namespaces, ptrace (Yama, PTRACE_GET_SYSCALL_INFO, PTRACE_O_SUSPEND_SECCOMP),\n"
        "i386 and x32 syscalls, the kernel log; then what pysandbox can do because of it.\n"
        "Answers are for the calling user.",
        epilog="examples:\n  pysandbox features\n  pysandbox features --json | jq .pysandbox",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--json", action="store_true", help="print the probes as JSON (stable keys)")
    s.set_defaults(func=cmd_features)
    profile_parser(sub)
    return p


# _native.TARGET_ARCHES and ARCHES, spelt out: `pysandbox --help` loads no C
TARGET_ARCHES = ("x86_64", "aarch64")
ARCHES = TARGET_ARCHES + ("i386", "x32")


def arch_option(p, choices=TARGET_ARCHES, what="target arch"):
    p.add_argument("--arch", choices=choices, help="%s (default: native)" % what)


def profile_parser(sub):
    s = sub.add_parser("profile", help="Docker/OCI seccomp profiles: export, show",
                       description="Write the SECCOMP_* policy as a Docker/OCI seccomp "
                       "profile, or summarise a profile.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = s.add_subparsers(dest="verb", required=True)
    v = verbs.add_parser("export", help="the SECCOMP_* policy as a profile (JSON)")
    v.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    arch_option(v)
    host_options(v)
    v.set_defaults(func=cmd_profile_export)
    v = verbs.add_parser("show", help="summarise a profile as it applies here")
    v.add_argument("file", metavar="FILE", help="a profile, e.g. docker-default.json")
    arch_option(v)
    host_options(v)
    v.set_defaults(func=cmd_profile_show)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.command == "compile" and not (args.output or args.explain):
        p.error("compile: give -o FILE and/or --explain")
    status = 0
    try:
        status = args.func(args)
        if sys.stdout is not None:  # None: started with fd 1 closed
            sys.stdout.flush()
    except SandboxError as e:  # Failure, or the C error line
        if sys.stderr is not None:
            print("pysandbox: %s" % e, file=sys.stderr)
        return getattr(e, "status", EXIT_FAILURE)
    except BrokenPipeError:  # `pysandbox groups | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
