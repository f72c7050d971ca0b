"""`pysandbox` command line: libpath, compile, groups, profile, syscalls, audit,
features, learn, run. Exit status of learn and run: the program's.

Exit status: 0 success, 2 usage error, 125 (SB_EXIT_FAILURE) policy or setup
failure, an unknown syscall, an unreadable log; `audit` also 1 when it finds no
records. Messages: `pysandbox: <what>: '<value>'`.

This module holds the parser, main() and the exit-status table (failure());
each subcommand is a module of this package with run(ARGS), imported only
when it runs: `pysandbox --help` loads no C, and sandboxify, also a front
door, maps its errors through failure() without loading argparse.
"""
import importlib
import os
import sys

from pysandbox.errors import LaunchError, NotFoundError, RefusedError, SandboxError, UsageError

EXIT_USAGE, EXIT_FAILURE, EXIT_NOEXEC, EXIT_NOTFOUND = 2, 125, 126, 127
EXIT_NO_RECORDS = 1  # pysandbox audit found no record to print

# The exit status of each error class, first match; any other SandboxError
# (a policy, an install step, the log...) ends with EXIT_FAILURE.
STATUS = (
    (UsageError, EXIT_USAGE),
    (NotFoundError, EXIT_NOTFOUND),  # as a shell's "command not found"
    (RefusedError, EXIT_FAILURE),
    (LaunchError, EXIT_NOEXEC),  # found, but it cannot be executed
)


def failure(e):
    """(its one-line message, the exit status) for SandboxError E."""
    status = next((s for cls, s in STATUS if isinstance(e, cls)), EXIT_FAILURE)
    # an OSError's str() would add "[Errno N]": the message is its strerror
    message = e.strerror if isinstance(e, OSError) and e.strerror is not None else str(e)
    return message, status


EPILOG = """\
examples:
  LD_PRELOAD=$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=newfstatat:write:exit_group \
./helloworld/helloworld
  SECCOMP_SYSCALL_DENY=ptrace:mount pysandbox compile -o filter.bpf   # for bwrap --seccomp FD
  SECCOMP_SYSCALL_ALLOW=read:write:exit_group pysandbox compile --explain
  SECCOMP_PROFILE=docker-default.json pysandbox compile --caps none -o filter.bpf
  pysandbox groups @dangerous
  pysandbox syscalls read 0x3c 231 --arch i386
  pysandbox audit --summary --allow                # seccomp records in the kernel log
  pysandbox features                               # what this kernel offers a sandbox
  pysandbox learn -o hello.env -- ./helloworld/helloworld
  pysandbox run --fs-exec @base --net none -- ls /   # confined; the road chosen for ls
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


def host_options(s):
    s.add_argument("--caps", metavar="LIST", help="capabilities a profile's includes/excludes "
                   "see: all, none or CAP_A,CAP_B (default: this process's effective set)")
    s.add_argument("--kernel", metavar="X.Y", help="kernel version for minKernel "
                   "(default: the running one)")


def parser():
    import argparse  # here, not at the top: sandboxify loads this module for failure()

    raw = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="pysandbox", description="seccomp for any program, by environment variables",
        epilog=EPILOG, formatter_class=raw)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("libpath", help="print the absolute path of libsandbox.so")
    for add in (compile_parser, groups_parser, learn_parser, syscalls_parser, audit_parser,
                features_parser, profile_parser, vows_parser):
        add(sub, raw)
    # beside its run(): the flags are the vocabulary's
    importlib.import_module("pysandbox.cli.run").run_parser(sub, raw)
    return p


def compile_parser(sub, raw):
    s = sub.add_parser(
        "compile", help="compile the SECCOMP_* environment's policy to BPF",
        description="Compile the policy the SECCOMP_* environment describes into a raw "
        "array of struct sock_filter (what bwrap --seccomp FD reads), without installing it.",
        epilog=EPILOG, formatter_class=raw)
    s.add_argument("-o", "--output", metavar="FILE", help="write the program to FILE ('-': stdout)")
    s.add_argument("--explain", action="store_true", help="print the program readably")
    arch_option(s)
    host_options(s)


def groups_parser(sub, raw):
    s = sub.add_parser("groups", help="list syscall groups (@name) and their members",
                       description="Without NAME: every group with its size. With NAME: "
                       "its members on the arch, one per line.")
    s.add_argument("names", nargs="*", metavar="NAME", help="a group, e.g. @dangerous")
    arch_option(s, ARCHES, "arch whose syscalls to list")


def learn_parser(sub, raw):
    import argparse

    s = sub.add_parser(
        "learn", help="run a program and write the allowlist it needs",
        description="Run PROG traced and write the smallest SECCOMP_SYSCALL_ALLOW it needs "
        "(every syscall it and its children make after the filter point). The exit status "
        "is PROG's.", epilog="examples:\n  pysandbox learn -o hello.env -- ./helloworld/helloworld"
        "\n  pysandbox learn --exec --format policy -- ./helloworld/helloworld-static"
        "\n  pysandbox learn --landlock -o job.env -- sh job.sh   # files, ports too",
        formatter_class=raw)
    s.add_argument("-o", "--output", metavar="FILE",
                   help="write the policy to FILE (default: stdout, after PROG's own output)")
    s.add_argument("--exec", dest="exec_mode", action="store_true",
                   help="count from the launch exec, for sandboxify (automatic for static PROG)")
    s.add_argument("--format", choices=["env", "policy", "oci"], default="env",
                   help="env: SECCOMP_SYSCALL_ALLOW=... (default); policy: a "
                   "SECCOMP_POLICY_FILE; oci: a Docker/OCI seccomp profile")
    s.add_argument("--append", action="store_true",
                   help="merge with the policy already in FILE (several runs, one list)")
    s.add_argument("--landlock", action="store_true",
                   help="also write SANDBOX_FS_* and SANDBOX_NET* rules for the paths, TCP "
                   "ports and signals PROG used (env or policy format)")
    s.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- PROG [ARGS]")


def syscalls_parser(sub, raw):
    s = sub.add_parser(
        "syscalls", help="resolve syscall names and numbers; list an arch's syscalls",
        description="Without arguments: every syscall of the arch, by number, with the\n"
        "indexes of its 32-bit int arguments (*N). With NAME or NUMBER (decimal or 0x hex):\n"
        "their rows, in the same form. Unknown names, and names of another arch's syscalls,\n"
        "are errors (status 125).",
        epilog="examples:\n  pysandbox syscalls\n  pysandbox syscalls read 0x3c 231 "
        "--arch i386", formatter_class=raw)
    s.add_argument("items", nargs="*", metavar="NAME|NUMBER")
    arch_option(s, ARCHES, "arch whose numbers to use")


def audit_parser(sub, raw):
    s = sub.add_parser(
        "audit", help="print the kernel's seccomp audit records and Landlock denials readably",
        description="Read seccomp audit records (type=1326 / SECCOMP) and Landlock denials\n"
        "(1423 LANDLOCK_ACCESS, with 1424 LANDLOCK_DOMAIN for the program) from FILE,\n"
        "from stdin (-), or by default from the kernel log (/dev/kmsg, what dmesg reads;\n"
        "needs root when kernel.dmesg_restrict is 1). dmesg, journalctl and\n"
        "ausearch --raw text all work. One line per record: local time, pid, uid,\n"
        "arch, syscall, action, program; for Landlock: the domain creator's pid and\n"
        "uid, 'landlock', the missing rights, 'denied', program: path, port or pid.\n\n"
        "Landlock denials (ABI 7) are logged only while audit is enabled (off on many\n"
        "machines: auditctl -e 1), and without auditd the kernel log's rate limit\n"
        "drops records of a burst (a warning says so when the log shows it).\n\n"
        "exit status: 0 records printed, 1 none found, 2 usage,\n"
        "             125 the log cannot be read or a record is malformed",
        epilog=AUDIT_EPILOG, formatter_class=raw)
    s.add_argument("file", nargs="?", metavar="FILE|-", help="a log (default: the kernel log)")
    s.add_argument("-f", "--follow", action="store_true",
                   help="keep reading as records arrive (like tail -f); stop with Ctrl-C")
    s.add_argument("-s", "--summary", action="store_true",
                   help="count records per program and syscall instead")
    s.add_argument("-a", "--allow", action="store_true",
                   help="print the SECCOMP_SYSCALL_ALLOW that lets each program's logged "
                   "calls through, and the SANDBOX_* items its Landlock denials lacked")
    s.add_argument("--pid", type=int, help="only records of this process")
    s.add_argument("--exe", metavar="PROG", help="only records of this program (path, "
                   "file name or comm)")


def features_parser(sub, raw):
    s = sub.add_parser(
        "features", help="what this kernel offers a sandbox, and what pysandbox can do here",
        description="Probe the kernel (syscalls and /proc, never its version number): seccomp\n"
        "filters and actions, SECCOMP_RET_LOG, user notification, Landlock, user\n"
        "namespaces, ptrace (Yama, PTRACE_GET_SYSCALL_INFO, PTRACE_O_SUSPEND_SECCOMP),\n"
        "i386 and x32 syscalls, the kernel log; then what pysandbox can do because of it.\n"
        "Answers are for the calling user.",
        epilog="examples:\n  pysandbox features\n  pysandbox features --json | jq .pysandbox",
        formatter_class=raw)
    s.add_argument("--json", action="store_true", help="print the probes as JSON (stable keys)")


def vows_parser(sub, raw):
    s = sub.add_parser("vows", help="list the promises of SANDBOX_VOWS and what each allows",
                       description="Each promise with the syscalls and argument conditions "
                       "it allows (the compiler's own table).")
    s.add_argument("promises", nargs="*", metavar="PROMISE", help="e.g. rpath")


# _native.TARGET_ARCHES and ARCHES, spelt out: `pysandbox --help` loads no C
TARGET_ARCHES = ("x86_64", "aarch64")
ARCHES = TARGET_ARCHES + ("i386", "x32")


def arch_option(p, choices=TARGET_ARCHES, what="target arch"):
    p.add_argument("--arch", choices=choices, help="%s (default: native)" % what)


def profile_parser(sub, raw):
    s = sub.add_parser("profile", help="Docker/OCI seccomp profiles: export, show",
                       description="Write the SECCOMP_* policy as a Docker/OCI seccomp "
                       "profile, or summarise a profile.", epilog=EPILOG,
                       formatter_class=raw)
    verbs = s.add_subparsers(dest="verb", required=True)
    v = verbs.add_parser("export", help="the SECCOMP_* policy as a profile (JSON)")
    v.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    arch_option(v)
    host_options(v)
    v = verbs.add_parser("show", help="summarise a profile as it applies here")
    v.add_argument("file", metavar="FILE", help="a profile, e.g. docker-default.json")
    arch_option(v)
    host_options(v)


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if args.command == "compile" and not (args.output or args.explain):
        p.error("compile: give -o FILE and/or --explain")
    status = 0
    try:
        # only the subcommand that runs is loaded (and with it, C if it needs it)
        status = importlib.import_module("pysandbox.cli." + args.command).run(args)
        if sys.stdout is not None:  # None: started with fd 1 closed
            sys.stdout.flush()
    except SandboxError as e:
        message, status = failure(e)
        if sys.stderr is not None:
            print("pysandbox: %s" % message, file=sys.stderr)
        return status
    except BrokenPipeError:  # `pysandbox groups | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status or 0
