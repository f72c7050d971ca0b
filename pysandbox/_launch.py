"""Starting a program under a sandbox, shared by sandboxify, learn and (next)
`pysandbox run`: find the program, read the facts of its ELF file that decide
how it can be sandboxed, refuse what cannot be, build its exact exec
environment, and put a filter in it from its first instruction (the tracing
helper). launch() is the one ordered sequence of these steps for a front door
that execs the program itself; learn, whose C loop starts the program, uses
the steps that apply to it.

Kept lean: it runs before every program sandboxify starts. The `signal`
module (and its enum) would cost ~4 ms, so the few signal and ptrace
constants needed are spelt out below (and _signal, its C half, is used).
"""
import errno
import os
import sys
from stat import S_ISDIR, S_ISREG

import _signal

from pysandbox import _native
from pysandbox.errors import InstallError, LaunchError, NotFoundError, RefusedError

# Linux constants, the same on x86_64 and aarch64.
WALL = 0x40000000  # __WALL: wait for the tracee whatever its relation to us
EVENT_EXEC, EVENT_STOP = 4, 128  # PTRACE_EVENT_*
SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGKILL, SIGTRAP = 1, 2, 3, 15, 9, 5
SIGPIPE, SIGXFSZ = 13, 25
SYSCALL_STOP = SIGTRAP | 0x80  # PTRACE_O_TRACESYSGOOD
STOP_SIGNALS = (19, 20, 21, 22)  # SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
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


def native_arch():
    """The arch the filters are built for ("x86_64", "aarch64"): this machine's."""
    return _native.arch()


# ---- the one launch ----

def launch(path, argv, prog, report, notes=(), layers=None, entries=None):
    """Start PATH (resolve's file) as ARGV with the BPF filter PROG in force
    from its first instruction, in this process (it keeps our PID); never
    returns. ENTRIES: exec_environ()'s list if the caller read it already.
    LAYERS (a _native.Launch, or None): what this process applies to
    itself right before the exec (no_new_privs, Landlock). The steps, in an
    order no caller may change:

    1. the refusals (check_abi, refuse_privileged, refuse_unreadable): before
       anything is said or started, so a refused program leaves no trace;
    2. NOTES (the policy's verbose lines) said, the program's environment
       built (program_env), our buffers flushed: nothing of ours is written
       once the program's image runs;
    3. the tracing helper started (inject_at_exec; REPORT is its failure
       callback, see there): it must be attached before the exec;
    4. no_new_privs: an unprivileged filter needs it, and it keeps a set-id
       program from gaining privilege; then LAYERS' Landlock domain on this
       process (after the helper started: it stays outside), which the exec
       and the program inherit;
    5. SIGPIPE and SIGXFSZ back to their defaults (restore_signals), last:
       until then a write of ours to a closed pipe is an error, not a death;
    6. the exec (execute).
    SandboxError (InstallError, LaunchError...) from the first step that fails."""
    check_abi(path)
    refuse_privileged(path)
    refuse_unreadable(path)
    for line in notes:
        say(line)
    env = program_env(entries if entries is not None else exec_environ(os.environb))
    flush()
    if prog is not None:  # None: no filter (resource limits and capabilities only)
        inject_at_exec(prog, report, layers if layers is not None and layers.exec else None)
    if layers is not None:
        layers.enter()
    else:
        no_new_privs()
    restore_signals()
    execute(path, argv, env)


def no_new_privs():
    rc = _native.no_new_privs()
    if rc < 0:
        raise InstallError(-rc, "cannot set no_new_privs: %s" % os.strerror(-rc))


def execute(path, argv, env):
    """execve(2) PATH with ENV exactly as given; LaunchError if it fails."""
    try:
        _native.execve(path, argv, env)
    except OSError as e:
        raise LaunchError(e.errno, cannot_execute(path, e.errno)) from None


def cannot_execute(path, err):
    """The message for an exec of PATH that failed with errno ERR."""
    return "cannot execute: '%s' (%s)" % (path, os.strerror(err).lower())


def not_native():
    """The message for a program found at its exec to be of another ABI."""
    return "the program is not an %s program: cannot install the filter" % native_arch()


# ---- the program ----

def resolve(prog, path=None):
    """The file execvp would run for PROG (PATH: a string of directories
    joined by ':', or a list of them)."""
    if "/" in prog:
        candidates = [prog]
    else:
        dirs = path if path is not None else os.environ.get("PATH", "/bin:/usr/bin")
        dirs = dirs.split(":") if isinstance(dirs, str) else dirs
        candidates = [os.path.join(d or ".", prog) for d in dirs]
    first = None  # (the first that exists, its stat)
    for c in candidates:
        try:
            st = os.stat(c)
        except (OSError, ValueError):
            continue
        if S_ISREG(st.st_mode) and os.access(c, os.X_OK):
            return c
        first = first or (c, st)
    if first is None:
        raise NotFoundError(errno.ENOENT, "program not found: '%s'" % prog)
    err = errno.EISDIR if S_ISDIR(first[1].st_mode) else errno.EACCES
    raise LaunchError(err, cannot_execute(first[0], err))


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
    # the ABI of (EI_CLASS, e_machine); the filters are for the native one only
    abi = (_native.elf_abi(head[4], machine) or "machine %d" % machine) if order == "little" \
        else "big-endian machine %d" % machine
    static = all(int.from_bytes(table[i:i + 4], order) != PT_INTERP
                 for i in range(0, len(table), phentsize or 1))
    return abi, static


def is_static(path):
    """An ELF file without a PT_INTERP header (no dynamic loader). A file we may
    run but not read (mode 0711) counts as dynamic: the exec decides."""
    info = elf_info(path)
    return bool(info and info[1])


def check_abi(path, info=False):
    """Refuse an ELF program of another ABI (an i386 one on x86_64): the filter
    and its injection are for native programs. INFO: elf_info(PATH) if read."""
    info = elf_info(path) if info is False else info
    native = native_arch()
    if info and info[0] != native:
        raise RefusedError(errno.ENOEXEC, "cannot sandbox a program of another ABI "
                           "(%s; only %s): '%s'" % (info[0], native, path))


def refuse_unreadable(path):
    """An execute-only PROG (mode 0711) this user may not read: the kernel
    makes its image non-dumpable, and no ptrace request may read or write
    it, so the filter cannot be injected. Refuse before the exec."""
    if not os.access(path, os.R_OK):
        raise RefusedError(errno.EACCES, "cannot sandbox a program this user may not read "
                           "(execute-only): '%s'" % path)


def refuse_privileged(path):
    """A set-id or file-capability PROG would run without its privilege
    (no_new_privs): refuse it rather than run it half-working."""
    st = os.stat(path)
    try:
        caps = os.getxattr(path, "security.capability")
    except OSError:
        caps = None
    if st.st_mode & (0o4000 | 0o2000) or caps:
        raise RefusedError(errno.EPERM, "refusing a set-id or file-capability program: '%s'"
                           % path)


# ---- its environment ----

def exec_environ(environb):
    """The environment this process was started with, as execve(2) takes it:
    a list of b"NAME=value" entries, in order.

    From /proc/self/environ (the exec-time block, which nothing here writes
    to), not os.environb: Python's start-up adds LC_CTYPE=C.UTF-8 to a C
    locale's environment (PEP 538), and a dict loses entries without '=' and
    all but the first of a repeated name. The program must get exactly what
    we were given. ENVIRONB (os.environb, Python's parsed copy) is the
    fallback without /proc."""
    try:
        with open("/proc/self/environ", "rb") as f:
            block = f.read()
    except OSError:
        return [k + b"=" + v for k, v in environb.items()]
    return block[:-1].split(b"\0") if block else []  # each entry ends in a NUL


def program_env(entries):
    """ENTRIES (exec_environ's list) without the variables libsandbox.so
    would read; everything else as it was, in order."""
    return [e for e in entries if not _native.env_is_ours(e.split(b"=", 1)[0])]


def preloaded(entries, lib, extra=()):
    """ENTRIES (program_env's list) with LIB leading LD_PRELOAD, then the
    EXTRA entries: our only changes. Every LD_PRELOAD entry gets it (the
    loader reads the last of repeated ones, getenv the first)."""
    lib = os.fsencode(lib)
    out = [b"LD_PRELOAD=" + b":".join([lib] + [p for p in e[11:].split(b":") if p])
           if e.startswith(b"LD_PRELOAD=") else e for e in entries]
    if not any(e.startswith(b"LD_PRELOAD=") for e in entries):
        out.append(b"LD_PRELOAD=" + lib)
    return out + list(extra)


def restore_signals():
    """The signal dispositions the program would have had without us: Python
    ignores SIGPIPE and SIGXFSZ at start-up, and an ignored signal stays
    ignored across execve(2) (`sandboxify yes | head -1` must die by SIGPIPE).
    As subprocess's restore_signals; a caller's own SIG_IGN for these two is
    lost at Python's start-up. Caught signals (SIGINT's handler) are reset by
    the exec itself; the signal mask is the caller's, untouched."""
    for sig in (SIGPIPE, SIGXFSZ):
        _signal.signal(sig, _signal.SIG_DFL)


# ---- the filter from the first instruction: a tracing helper ----

def inject_at_exec(prog, report, supervisor=None):
    """Fork the tracer as a grandchild and let it seize us; at our next exec
    it puts the filter PROG in the new image before its first instruction,
    then detaches and exits. Its parent exits at once, so it is no child of
    the program - except when we are PID 1 (a container's entrypoint) or a
    child subreaper: then the orphaned helper becomes our child again
    (PR_SET_CHILD_SUBREAPER, prctl(2)); nothing can route it elsewhere (an
    init may not CLONE_PARENT). The program gets its SIGCHLD and may reap it,
    once (README). Should anything go wrong after the exec, the helper calls
    REPORT(InstallError), which reports it and returns the status the program
    is made to exit with (or it is killed): it never runs unfiltered.
    InstallError if the helper cannot be started (pipe, fork: the OSError's
    errno) or was refused; no pipe end is left open then. SUPERVISOR (a
    _native.Launch with an exec policy, or None): the helper stays attached
    once the filter is in, the policy's supervisor (Launch.supervise) to the
    end of the program's tree."""
    fds, yama = [], os.path.exists(YAMA)
    try:
        down_r, down_w = pipe(fds)  # us -> helper: "go" once it may attach
        up_r, up_w = pipe(fds)  # helper -> us: its pid, then "ok" or the errno
        start_helper(prog, report, down_r, up_w, fds, yama, supervisor)
        close(fds, down_r, up_w)  # the helper's ends: its exit then ends our reads
        handshake(down_w, up_r, yama)
    except InstallError:
        raise
    except OSError as e:  # pipe, fork, the handshake's reads and writes
        raise InstallError(e.errno, "cannot start the tracing helper: %s" % e.strerror) from None
    finally:
        close(fds, *fds)


def pipe(fds):
    """os.pipe(), its two ends recorded in FDS (closed by close())."""
    ends = os.pipe()
    fds.extend(ends)
    return ends


def close(fds, *which):
    for fd in which:
        fds.remove(fd)
        os.close(fd)


# NOTE: Yama (Documentation/admin-guide/LSM/Yama.rst) lets a non-ancestor
# attach only once declared with PR_SET_PTRACER; without Yama, skip that.
YAMA = "/proc/sys/kernel/yama/ptrace_scope"


def start_helper(prog, report, rfd, wfd, fds, yama, supervisor=None):
    """Fork the helper as a grandchild (RFD, WFD: its pipe ends; FDS: every
    end, the others closed in it) and reap its parent."""
    me = os.getpid()
    middle = os.fork()
    if middle == 0:
        status = 0
        try:
            if os.fork() == 0:
                for fd in fds:
                    if fd not in (rfd, wfd):
                        os.close(fd)
                try:
                    status = helper(me, prog, report, rfd, wfd, yama, supervisor)
                finally:
                    os._exit(status)
        finally:
            os._exit(0)
    os.waitpid(middle, 0)


def handshake(wfd, rfd, yama):
    """Declare the helper our tracer if Yama asks for it, then wait until it
    has seized us; InstallError if it could not."""
    if yama:
        helper_pid = int(os.read(rfd, 32) or b"0")
        rc = _native.set_ptracer(helper_pid) if helper_pid else -1
        if rc < 0:
            raise InstallError(-rc, "cannot declare the tracer: %s" % os.strerror(-rc))
        os.write(wfd, b"go")
    answer = os.read(rfd, 32)
    if answer != b"ok":
        err = int(answer) if answer.isdigit() else 0
        raise InstallError(err, "cannot trace the program (ptrace: %s); see `pysandbox "
                           "features`" % (os.strerror(err) if err else "helper failed"))


def helper(target, prog, report, rfd, wfd, yama, supervisor=None):
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
    return trace_launch(target, prog, report, supervisor) if rc == 0 else 1


def trace_launch(pid, prog, report, supervisor=None):
    """Follow PID through its exec and install PROG there. Returns the helper's
    exit status; on anything unexpected the tracee is stopped for good."""
    phase = "exec"
    while True:
        try:
            _, status = os.waitpid(pid, WALL)
        except ChildProcessError:
            return 1
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            return 0  # gone before its exec completed (exec failed, killed)
        if not os.WIFSTOPPED(status):
            return abort(pid, report, 0, "unexpected wait status 0x%x" % status)
        sig, event = os.WSTOPSIG(status), status >> 16
        resume = _native.trace_cont if phase == "exec" else _native.trace_syscall
        if phase == "exec" and sig == SIGTRAP and event == EVENT_EXEC:
            phase, rc = "exit", _native.trace_syscall(pid, 0)
        elif phase == "exit" and sig == SYSCALL_STOP and event == 0:
            return install(pid, prog, report, supervisor)
        elif event == EVENT_STOP:
            rc = _native.trace_listen(pid) if sig in STOP_SIGNALS else resume(pid, 0)
        elif event == 0 and sig != SYSCALL_STOP:
            # a signal (SIGTRAP too: PTRACE_O_TRACEEXEC makes no trap of its own),
            # delivered as usual: in our code, or in the new image before
            # its first instruction, where exec has reset every handler
            rc = resume(pid, sig)
        else:
            return abort(pid, report, 0, "unexpected ptrace stop 0x%x in phase %s"
                         % (status, phase))
        if rc < 0:
            return abort(pid, report, -rc, "ptrace: %s" % os.strerror(-rc))


def install(pid, prog, report, supervisor=None):
    """At the launch exec's syscall-exit-stop: the filter in, then PID runs free
    - or, with SUPERVISOR, under it (the exec policy's)."""
    rc = _native.inject_filter(pid, prog)
    if rc == -errno.ESRCH:
        return 0  # a signal ended the program before its first instruction
    if rc == -errno.ENOEXEC:  # behind a script, say: check_abi cannot see it
        return abort(pid, report, -rc, not_native())
    if rc == -errno.EIO:  # behind a script: refuse_unreadable cannot see it
        return abort(pid, report, -rc, "cannot install the filter: the program's image is "
                     "not readable by this user (execute-only)")
    if rc < 0:
        return abort(pid, report, -rc, "cannot install the filter in the program: %s"
                     % os.strerror(-rc))
    if supervisor is not None:
        if supervisor.supervise(pid) < 0:
            return abort(pid, report, 0, "cannot supervise the program's execs")
        return 0
    if _native.trace_detach(pid, 0) < 0:
        return abort(pid, report, 0, "detach failed")
    return 0


def abort(pid, report, err, message):
    """Never let the tracee run free: make it exit with the status REPORT gives
    for InstallError(ERR, MESSAGE), or kill it."""
    if _native.inject_exit(pid, report(InstallError(err, message))) < 0:
        try:
            os.kill(pid, SIGKILL)  # still our tracee: the PID cannot be reused
        except ProcessLookupError:
            pass
    return 1
