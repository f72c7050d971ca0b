"""sandboxify PROG [ARGS...]: run PROG under the SECCOMP_* policy from its first
instruction. For static programs, where LD_PRELOAD cannot reach; works for
dynamic ones too (then the dynamic loader's syscalls need allowing).

How (no privilege needed): this process forks a helper that ptrace-seizes it,
then execs PROG itself, so PROG keeps this PID, parent and exit status. The
helper waits for the exec to finish (the syscall-exit-stop of execve: the new
image has not run one instruction), makes PROG call
seccomp(SECCOMP_SET_MODE_FILTER) on itself by injecting the syscall, restores
PROG's registers and code, detaches and exits. Signals that arrive meanwhile
are delivered at once: PROG has not run an instruction, so only default
actions apply, as without sandboxify. (no_new_privs, which an
unprivileged filter needs, is set by this process before the exec and
survives it; so a set-id PROG gains no privilege.) The filter holds no
exemption: the launch exec happened before it existed, and any later execve
meets the policy. Should the helper die while attached, PTRACE_O_EXITKILL
kills PROG: it never runs unfiltered. With an exec policy (SANDBOX_EXEC_*)
the helper does not detach: it stays the supervisor of PROG's process tree
(csrc/apply/supervise.c) until the last task is gone.

Exit status: PROG's own, or 2 usage, 125 policy or sandbox failure (PROG of
another ABI: an i386 ELF on x86_64), 126 PROG cannot be executed, 127 PROG
not found.
"""
import os
import sys

from pysandbox.errors import PolicyError, SandboxError, UsageError

HELP = """\
usage: sandboxify [--] PROG [ARGS...]

Run PROG under the seccomp policy of the SECCOMP_* environment variables,
in force from PROG's first instruction. PROG keeps sandboxify's PID; its exit
status or death signal is sandboxify's.

  SECCOMP_SYSCALL_ALLOW=a:b:c   only these syscalls; others get the default action
  SECCOMP_SYSCALL_DENY=a:b      these get the default action; others run
  SECCOMP_DEFAULT_ACTION=kill   or log (log and allow)
  SECCOMP_PROFILE=FILE          a Docker/OCI seccomp profile (JSON)
  SECCOMP_VERBOSE=1             print each rule as it is added
  SANDBOX_EXEC_DENY='git push'  these programs (and argv words) may not be executed
  SANDBOX_EXEC_ALLOW=/usr/bin/ls  only these may (README "Exec policy")

The launch exec needs no allowance; later execve calls meet the policy.
For a dynamically linked PROG the dynamic loader's start-up syscalls must be
allowed too (openat, mmap, mprotect, ...): prefer LD_PRELOAD=$(pysandbox libpath)
for those, which installs the filter right before main().

example:
  SECCOMP_SYSCALL_ALLOW="arch_prctl:brk:set_tid_address:set_robust_list:rseq:\\
prlimit64:mprotect:getrandom:newfstatat:ioctl:readlink:write:exit_group" \\
      sandboxify ./helloworld/helloworld-static

exit status: PROG's, or 2 usage, 125 policy or sandbox failure (also: PROG
             of another ABI, or execute-only), 126 PROG cannot be executed, 127 PROG
             not found
"""


def parse_args(argv):
    """-> the PROG argv, or raises SystemExit for help and usage errors."""
    if argv and argv[0] in ("-h", "--help"):
        if sys.stdout is not None:
            sys.stdout.write(HELP)
        raise SystemExit(0)
    if argv and argv[0] == "--":
        argv = argv[1:]
    elif argv and argv[0].startswith("-"):
        raise UsageError("unknown option: '%s' (use -- before a program named so)" % argv[0])
    if not argv:
        raise UsageError("no program given (sandboxify --help)")
    return argv


def run(argv):
    args = parse_args(argv)
    # only now: --help and usage errors load no C
    from pysandbox import _launch, _native

    # the exec-time entries, as libsandbox.so reads them: os.environb drops
    # one without '=' (SECCOMP_SYSCALL_DENY alone: an error, not nothing)
    entries = _launch.exec_environ(os.environb)
    names = {e.split(b"=", 1)[0] for e in entries}
    if b"SECCOMP_LEARN" in names:  # its filter needs a tracer to the end
        raise PolicyError("SECCOMP_LEARN is for `pysandbox learn` only")
    if b"SANDBOX_VOWS_EXEC" in names:  # handed on by libsandbox.so, which PROG does not load
        raise PolicyError("SANDBOX_VOWS_EXEC: not handed on by sandboxify (a static program "
                          "loads no libsandbox.so): set SANDBOX_VOWS alone")
    layers = _native.Launch(entries)
    path = _launch.resolve(args[0])
    layers.prepare(path)
    notes = layers.notes + (["sandboxify: " + layers.dropped] if layers.dropped else [])
    if layers.landlock:  # a failed exec is reported from inside the domain: import it now
        import pysandbox.cli  # noqa: F401
    _launch.launch(path, args, layers.prog, report, notes=notes, layers=layers, entries=entries)


def report(e):
    """Say SandboxError E in sandboxify's one line; return its exit status (the
    command line's table). Also the tracing helper's report, after the exec,
    of a filter it could not put in: the status is then the program's."""
    # here, not at the top: a launch that succeeds never loads the command line
    from pysandbox.cli import failure

    message, status = failure(e)
    if sys.stderr is not None:
        sys.stderr.write("sandboxify: %s\n" % message)
    return status


def main(argv=None):
    try:
        run(sys.argv[1:] if argv is None else argv)
    except SandboxError as e:
        return report(e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
