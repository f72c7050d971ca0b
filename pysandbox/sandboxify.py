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
kills PROG: it never runs unfiltered.

Exit status: PROG's own, or 2 usage, 125 policy or sandbox failure (PROG of
another ABI: an i386 ELF on x86_64), 126 PROG cannot be executed, 127 PROG
not found.
"""
import os
import sys

from pysandbox._errors import Failure, SandboxError

EXIT_USAGE, EXIT_FAILURE, EXIT_NOEXEC, EXIT_NOTFOUND = 2, 125, 126, 127

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

# Linux constants, the same on x86_64 and aarch64. Spelt out rather than
# imported: the `signal` module (and its enum) would cost this launcher ~4 ms.
WALL = 0x40000000  # __WALL: wait for the tracee whatever its relation to us
EVENT_EXEC, EVENT_STOP = 4, 128  # PTRACE_EVENT_*
SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGKILL, SIGTRAP = 1, 2, 3, 15, 9, 5
SIGPIPE, SIGXFSZ = 13, 25
SYSCALL_STOP = SIGTRAP | 0x80  # PTRACE_O_TRACESYSGOOD
STOP_SIGNALS = (19, 20, 21, 22)  # SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
ESRCH, EIO, ENOEXEC = 3, 5, 8
# (ELFCLASS, e_machine) -> ABI; the filters are for the native one only
ELF_ABIS = {(2, 62): "x86_64", (1, 62): "x32", (1, 3): "i386", (2, 183): "aarch64",
            (1, 40): "arm"}
PT_INTERP = 3


def say(line):
    """LINE on stderr, if there is one: a program may be started with fd 2
    closed, and then Python's sys.stderr is None."""
    if sys.stderr is not None:
        sys.stderr.write(line + "\n")


def flush():
    for f in (sys.stdout, sys.stderr):
        if f is not None:
            f.flush()


def exec_environ(parsed):
    """The environment this process was started with, as execve(2) takes it:
    a list of b"NAME=value" entries, in order.

    From /proc/self/environ (the exec-time block, which nothing here writes
    to), not os.environb: Python's start-up adds LC_CTYPE=C.UTF-8 to a C
    locale's environment (PEP 538), and a dict loses entries without '=' and
    all but the first of a repeated name. The program must get exactly what
    we were given. PARSED (os.environb) is the fallback without /proc."""
    try:
        with open("/proc/self/environ", "rb") as f:
            block = f.read()
    except OSError:
        return [k + b"=" + v for k, v in parsed.items()]
    return block[:-1].split(b"\0") if block else []  # each entry ends in a NUL


def parse_args(argv):
    """-> the PROG argv, or raises SystemExit for help and usage errors."""
    if argv and argv[0] in ("-h", "--help"):
        if sys.stdout is not None:
            sys.stdout.write(HELP)
        raise SystemExit(0)
    if argv and argv[0] == "--":
        argv = argv[1:]
    elif argv and argv[0].startswith("-"):
        raise Failure("unknown option: '%s' (use -- before a program named so)" % argv[0],
                      EXIT_USAGE)
    if not argv:
        raise Failure("no program given (sandboxify --help)", EXIT_USAGE)
    return argv


def resolve(prog, path=None):
    """The file execvp would run for PROG."""
    if "/" in prog:
        candidates = [prog]
    else:
        dirs = (path if path is not None else os.environ.get("PATH", "/bin:/usr/bin")).split(":")
        candidates = [os.path.join(d or ".", prog) for d in dirs]
    found = [c for c in candidates if os.path.exists(c)]
    if not found:
        raise Failure("program not found: '%s'" % prog, EXIT_NOTFOUND)
    for c in found:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise Failure("cannot execute: '%s' (%s)" % (
        found[0], "is a directory" if os.path.isdir(found[0]) else "permission denied"),
        EXIT_NOEXEC)


def elf_info(path):
    """(ABI, static) of the ELF file PATH: ABI "x86_64", "i386", ... or "machine N",
    static if it has no PT_INTERP header (no dynamic loader). None for anything
    else (a script), or a file we may run but not read (mode 0711: the exec decides)."""
    try:
        f = open(path, "rb")
    except OSError:
        return None
    with f:
        head = f.read(64)
        if len(head) < 52 or head[:4] != b"\x7fELF" or head[4] not in (1, 2):
            return None
        order = "little" if head[5] == 1 else "big"

        def field(at, size):
            return int.from_bytes(head[at:at + size], order)

        machine = field(18, 2)
        if head[4] == 2:  # ELFCLASS64: e_phoff, e_phentsize, e_phnum
            phoff, phentsize, phnum = field(32, 8), field(54, 2), field(56, 2)
        else:
            phoff, phentsize, phnum = field(28, 4), field(42, 2), field(44, 2)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    abi = ELF_ABIS.get((head[4], machine), "machine %d" % machine) if order == "little" \
        else "big-endian machine %d" % machine
    static = all(int.from_bytes(table[i:i + 4], order) != PT_INTERP
                 for i in range(0, len(table), phentsize or 1))
    return abi, static


def check_abi(path):
    """Refuse an ELF program of another ABI (an i386 one on x86_64): the filter
    and its injection are for native programs."""
    info = elf_info(path)
    native = os.uname().machine
    if info and info[0] != native:
        raise Failure("cannot sandbox a program of another ABI (%s; only %s): '%s'"
                      % (info[0], native, path))


def refuse_unreadable(path):
    """An execute-only PROG (mode 0711) this user may not read: the kernel
    makes its image non-dumpable, and no ptrace request may read or write
    it, so the filter cannot be injected. Refuse before the exec."""
    if not os.access(path, os.R_OK):
        raise Failure("cannot sandbox a program this user may not read (execute-only): "
                      "'%s'" % path)


def refuse_privileged(path):
    """A set-id or file-capability PROG would run without its privilege
    (no_new_privs): refuse it rather than run it half-working."""
    st = os.stat(path)
    try:
        caps = os.getxattr(path, "security.capability")
    except OSError:
        caps = None
    if st.st_mode & (0o4000 | 0o2000) or caps:
        raise Failure("refusing a set-id or file-capability program: '%s'" % path)


def program_env(entries):
    """ENTRIES (exec_environ's list) without the variables libsandbox.so
    would read; everything else as it was, in order."""
    from pysandbox import _native

    return [e for e in entries if not _native.env_is_ours(e.split(b"=", 1)[0])]


# ---- the helper (tracer) side ----

def trace_launch(pid, prog):
    """Follow PID through its exec and install PROG there. Returns the helper's
    exit status; on anything unexpected the tracee is stopped for good."""
    from pysandbox import _native

    phase = "exec"
    while True:
        try:
            _, status = os.waitpid(pid, WALL)
        except ChildProcessError:
            return 1
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            return 0  # gone before its exec completed (exec failed, killed)
        if not os.WIFSTOPPED(status):
            return abort(pid, "unexpected wait status 0x%x" % status)
        sig, event = os.WSTOPSIG(status), status >> 16
        resume = _native.trace_cont if phase == "exec" else _native.trace_syscall
        if phase == "exec" and sig == SIGTRAP and event == EVENT_EXEC:
            phase, rc = "exit", _native.trace_syscall(pid, 0)
        elif phase == "exit" and sig == SYSCALL_STOP and event == 0:
            return install(pid, prog)
        elif event == EVENT_STOP:
            rc = _native.trace_listen(pid) if sig in STOP_SIGNALS else resume(pid, 0)
        elif event == 0 and sig != SYSCALL_STOP:
            # a signal (SIGTRAP too: PTRACE_O_TRACEEXEC makes no trap of its own),
            # delivered as usual: in sandboxify's code, or in the new image before
            # its first instruction, where exec has reset every handler
            rc = resume(pid, sig)
        else:
            return abort(pid, "unexpected ptrace stop 0x%x in phase %s" % (status, phase))
        if rc < 0:
            return abort(pid, "ptrace: %s" % os.strerror(-rc))


def install(pid, prog):
    """At the launch exec's syscall-exit-stop: the filter in, then PROG runs free."""
    from pysandbox import _native

    rc = _native.inject_filter(pid, prog)
    if rc == -ESRCH:
        return 0  # a signal ended PROG before its first instruction
    if rc == -ENOEXEC:  # behind a script, say: check_abi cannot see it
        return abort(pid, "the program is not an %s program: cannot install the filter"
                     % os.uname().machine)
    if rc == -EIO:  # behind a script: refuse_unreadable cannot see it
        return abort(pid, "cannot install the filter: the program's image is not readable "
                     "by this user (execute-only)")
    if rc < 0:
        return abort(pid, "cannot install the filter in the program: %s" % os.strerror(-rc))
    return 0 if _native.trace_detach(pid, 0) == 0 else abort(pid, "detach failed")


def abort(pid, message):
    """Never let the tracee run free: make it exit 125, or kill it."""
    from pysandbox import _native

    say("sandboxify: %s" % message)
    if _native.inject_exit(pid, EXIT_FAILURE) < 0:
        try:
            os.kill(pid, SIGKILL)  # still our tracee: the PID cannot be reused
        except ProcessLookupError:
            pass
    return 1


def helper(target, prog, rfd, wfd, yama):
    import _signal

    from pysandbox import _native

    # ^C, a hang-up or a TERM for the process group reach the program through
    # us (a tracee's signals wait for its tracer): we must outlive them, or
    # EXITKILL would turn the program's SIGINT into SIGKILL
    for sig in (SIGHUP, SIGINT, SIGQUIT, SIGTERM):
        _signal.signal(sig, _signal.SIG_IGN)
    if yama:  # the target must first name us its tracer
        os.write(wfd, b"%d\n" % os.getpid())
        if os.read(rfd, 16) != b"go":
            return 1
    rc = _native.trace_seize(target)
    os.write(wfd, b"ok" if rc == 0 else b"%d" % -rc)
    os.close(wfd)
    return trace_launch(target, prog) if rc == 0 else 1


def start_helper(prog):
    """Fork the tracer as a grandchild and let it seize us. Its parent exits at
    once, so it is no child of the program - except when we are PID 1 (a
    container's entrypoint) or a child subreaper: then the orphaned helper
    becomes our child again (PR_SET_CHILD_SUBREAPER, prctl(2)); nothing can
    route it elsewhere (an init may not CLONE_PARENT). It exits once the filter
    is in; the program gets its SIGCHLD and may reap it, once (README)."""
    from pysandbox import _native

    down_r, down_w = os.pipe()
    up_r, up_w = os.pipe()
    me = os.getpid()
    # NOTE: Yama (Documentation/admin-guide/LSM/Yama.rst) lets a non-ancestor
    # attach only once declared with PR_SET_PTRACER; without Yama, skip that.
    yama = os.path.exists("/proc/sys/kernel/yama/ptrace_scope")
    middle = os.fork()
    if middle == 0:
        status = 0
        try:
            if os.fork() == 0:
                os.close(down_w)
                os.close(up_r)
                try:
                    status = helper(me, prog, down_r, up_w, yama)
                finally:
                    os._exit(status)
        finally:
            os._exit(0)
    os.waitpid(middle, 0)
    os.close(down_r)
    os.close(up_w)
    if yama:
        helper_pid = int(os.read(up_r, 32) or b"0")
        rc = _native.set_ptracer(helper_pid) if helper_pid else -1
        if rc < 0:
            raise Failure("cannot declare the tracer: %s" % os.strerror(-rc))
        os.write(down_w, b"go")
    answer = os.read(up_r, 32)
    if answer != b"ok":
        err = int(answer) if answer.isdigit() else 0
        raise Failure("cannot trace the program (ptrace: %s); see `pysandbox features`"
                      % (os.strerror(err) if err else "helper failed"))
    os.close(up_r)
    os.close(down_w)
    rc = _native.no_new_privs()
    if rc < 0:
        raise Failure("cannot set no_new_privs: %s" % os.strerror(-rc))


def restore_signals():
    """The signal dispositions the program would have had without us: Python
    ignores SIGPIPE and SIGXFSZ at start-up, and an ignored signal stays
    ignored across execve(2) (`sandboxify yes | head -1` must die by SIGPIPE).
    As subprocess's restore_signals; a caller's own SIG_IGN for these two is
    lost at Python's start-up. Caught signals (SIGINT's handler) are reset by
    the exec itself; the signal mask is the caller's, untouched."""
    import _signal

    for sig in (SIGPIPE, SIGXFSZ):
        _signal.signal(sig, _signal.SIG_DFL)


def run(argv):
    from pysandbox import _native

    args = parse_args(argv)
    environ = os.environb  # bytes: any byte but NUL may be in a variable
    if b"SECCOMP_LEARN" in environ:  # its filter needs a tracer to the end
        raise Failure("SECCOMP_LEARN is for `pysandbox learn` only")
    prog, report = _native.compile_policy(environ, required=True)
    path = resolve(args[0])
    check_abi(path)
    refuse_privileged(path)
    refuse_unreadable(path)
    for line in report:
        say(line)
    env = program_env(exec_environ(environ))
    flush()
    try:
        start_helper(prog)
    except OSError as e:  # pipe, fork, the handshake
        raise Failure("cannot start the tracing helper: %s" % e.strerror)
    restore_signals()
    try:
        _native.execve(path, args, env)
    except OSError as e:
        raise Failure("cannot execute: '%s' (%s)" % (path, e.strerror.lower()), EXIT_NOEXEC)


def main(argv=None):
    try:
        run(sys.argv[1:] if argv is None else argv)
    except SandboxError as e:  # Failure, or the C error line
        say("sandboxify: %s" % e)
        return getattr(e, "status", EXIT_FAILURE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
