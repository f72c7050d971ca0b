"""pysandbox run [FLAGS] -- PROG [ARGS]: PROG confined by the flags (one per
variable, pysandbox.vocabulary) and the SECCOMP_* / SANDBOX_* variables
already in the environment (merged; the same variable both ways with
different values is refused). PROG replaces this process: same PID, its exit
status or death signal. The road (libsandbox.so for a dynamic PROG, the
first-instruction launch for a static one) is chosen by inspecting PROG.
"""
from pysandbox.vocabulary import SETTINGS

EPILOG = """\
The road is chosen by inspecting PROG: a dynamically linked program gets
libsandbox.so (LD_PRELOAD), a static or static-pie one the first-instruction
launch (sandboxify's), a #! script its interpreter's road; set-id and
file-capability programs are refused. --verbose says which.

examples:
  pysandbox run --fs-exec @base --fs-read /etc/hostname -- cat /etc/hostname
  pysandbox run --allow @system-service --deny '@dangerous=EPERM' -- ./server
  pysandbox run --net none --fs-exec @base --fs-write /tmp -- make
  SECCOMP_SYSCALL_DENY=ptrace pysandbox run --fs-exec @base -- ./helloworld/helloworld-static

exit status: PROG's, or 2 usage, 125 policy or sandbox failure (also: PROG
             refused), 126 PROG cannot be executed, 127 PROG not found
"""


def run_parser(sub, raw):
    import argparse

    s = sub.add_parser("run", help="run a program confined by flags (libsandbox.so or the "
                       "first-instruction launch, chosen for it)",
                       description=__doc__.split("\n\n")[0].replace("\n", " "),
                       epilog=EPILOG, formatter_class=raw)
    for setting in SETTINGS:
        dest = "v_" + setting.keyword
        if setting.kind == "bool":
            s.add_argument(setting.flag, dest=dest, action="store_true", default=None,
                           help="%s=1: %s" % (setting.env, setting.help))
        elif setting.kind == "list":
            s.add_argument(setting.flag, dest=dest, action="append", metavar="ITEMS",
                           help="%s (repeatable, joined by '%s'): %s"
                           % (setting.env, setting.sep, setting.help))
        else:
            s.add_argument(setting.flag, dest=dest, metavar="VALUE",
                           help="%s: %s" % (setting.env, setting.help))
    s.add_argument("--strict", action="store_true", help="the first-instruction launch for a "
                   "dynamic PROG too (its loader and constructors run confined)")
    s.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- PROG [ARGS]")


def run(args):
    from pysandbox import sandbox
    from pysandbox._launch import say
    from pysandbox.cli import failure
    from pysandbox.errors import UsageError

    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise UsageError("run: no program given (pysandbox run --help)")
    settings = {s.keyword: getattr(args, "v_" + s.keyword) for s in SETTINGS}

    def report(e):  # the tracing helper's, after the exec
        message, status = failure(e)
        say("pysandbox: " + message)
        return status

    sandbox.exec_confined(settings, argv, args.strict, lambda line: say("pysandbox: " + line),
                          report)


def boot():
    """The child launcher's entry (Sandbox.Popen's first-instruction road, in
    bubblewrap too): python -I -c BOOT PATH ARGV..., the variables in this
    process's environment. Its own failure: one line, the usual status."""
    import os
    import sys

    from pysandbox import _launch, sandbox
    from pysandbox.cli import failure
    from pysandbox.errors import SandboxError

    def report(e):
        message, status = failure(e)
        _launch.say("pysandbox: " + message)
        return status

    path, argv = sys.argv[1], sys.argv[2:]
    try:
        entries = _launch.exec_environ(os.environb)  # read once: the launch hands them on
        sandbox._first_instruction(sandbox._ours(entries)[0], path, argv, report, entries)
    except SandboxError as e:
        sys.exit(report(e))
