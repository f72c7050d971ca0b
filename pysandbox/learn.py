"""pysandbox learn: run a program and write the smallest allowlist it needs.

The program runs traced, under a filter that hands every syscall to us
(SECCOMP_RET_TRACE) and installed where the real filter would be:

- default: by libsandbox.so (LD_PRELOAD, SECCOMP_LEARN=<our pid>) right before main(),
  so the dynamic loader's own calls are not counted - the list is what
  LD_PRELOAD=$(pysandbox libpath) SECCOMP_SYSCALL_ALLOW=... needs;
- --exec: injected at the launch exec, as sandboxify does - the list is what
  sandboxify needs (and the only choice for a static program).

Every process and thread the program starts is followed; its children inherit
the filter, so what they call is counted too, as the real policy would meet it.
The counting loop is C (csrc/tools/trace.c): one ptrace stop per syscall.

What learn cannot see is refused or made visible, never left out of the list:
a program installing a seccomp filter of its own is stopped (its ERRNO/KILL
answers would outrank our TRACE); CLONE_UNTRACED is cleared so every child is
followed; and the calls the kernel makes for signals (rt_sigreturn after a
handler, restart_syscall after a stopped sleep) are added when the program
installs handlers or makes calls the kernel restarts that way.

With landlock=True the tracer also records the paths, TCP ports, socket
kinds and signals the calls named (csrc/tools/access.c), which
pysandbox.fsrules turns into SANDBOX_FS_* and SANDBOX_NET* rules.

This is the engine (find the program, run it, count, Learned); it prints
nothing. What `pysandbox learn` says and writes of it (env, policy or OCI
text) is pysandbox.cli.learn.
"""
import errno
import os

import pysandbox
from pysandbox import _launch, _native, fsrules
from pysandbox._kernel import status_field
from pysandbox.errors import InstallError, LaunchError, NotFoundError, RefusedError

# what the kernel calls on the program's behalf, and when learn adds it
KERNEL_CALLS = (
    ("rt_sigreturn", "handlers", "it installs a signal handler, which returns through it"),
    ("restart_syscall", "restarts", "it sleeps or waits (nanosleep, poll, a futex with a "
     "timeout...), which the kernel resumes through it after SIGSTOP and SIGCONT"),
)
ACCESS_SIZE = 8 << 20  # bytes for the records of what a run touched (each kept once)


def compat_arch():
    """The name of this machine's 32-bit compat ABI ("i386", "arm")."""
    return _native.arch_compat(_launch.native_arch())


class Learned:
    """What one or more runs called, by ABI: {abi: {name: calls}}."""

    def __init__(self):
        self.calls = {"native": {}, "x32": {}, "compat": {}}
        self.total = self.other = self.tasks = self.untraced = 0
        self.handlers = self.restarts = 0
        self.touched = []  # [(kind, text)]: see _native.learn_run
        self.lost = 0  # records the tracer could not keep

    def add(self, counts, facts, touched=()):
        native = _launch.native_arch()
        compat = compat_arch()  # arm has no table: numbers
        tables = {"native": (native, 0), "x32": ("x32", _native.X32_BIT),
                  "compat": (compat if compat in _native.ARCHES else None, 0)}
        for abi, by_nr in counts.items():
            table, bias = tables[abi]
            for nr, n in by_nr.items():
                name = (table and _native.syscall_name(nr + bias, table)) or str(nr)
                self.calls[abi][name] = self.calls[abi].get(name, 0) + n
        self.total += facts["calls"]
        self.other += facts["other"]
        self.tasks += facts["tasks"]
        self.untraced += facts["untraced"]
        self.handlers += facts["handlers"]
        self.restarts += facts["restarts"]
        self.touched += touched
        self.lost += facts["access_lost"]

    def landlock_rules(self, previous=()):
        """The Landlock rules (fsrules.Rules) for what the runs touched."""
        return fsrules.propose(self.touched, group_members(), previous=previous,
                               paths_max=_native.LANDLOCK_PATHS_MAX)

    def names(self):
        return sorted(self.calls["native"])

    def kernel_calls(self):
        """{name: why} of KERNEL_CALLS this program needs and did not make itself."""
        return {name: why for name, fact, why in KERNEL_CALLS
                if getattr(self, fact) and name not in self.calls["native"]}


def program(name):
    """The file NAME runs (PATH searched as the program's own environment
    gives it), refused if of another ABI: NotFoundError, LaunchError, RefusedError."""
    path = _launch.resolve(name, os.fsdecode(os.environb.get(b"PATH", b"/bin:/usr/bin")))
    _launch.check_abi(path)
    return path


def group_members():
    """{"@group": [(path, needs)]}: the members of each group fsrules knows,
    as the C loader expands it (needs: fsrules' "r", "x", "w" letters)."""
    return {name: [(rule.path, rights_needs(rule.access)) for rule in
                   _native.load({fsrules.READ: name}).landlock.paths]
            for name in _native.landlock_groups()}


def rights_needs(access):
    bits = (("r", _native.FS_READ_FILE), ("x", _native.FS_EXECUTE), ("w", _native.FS_WRITE_FILE))
    return "".join(letter for letter, bit in bits if access & bit)


def run(path, argv, exec_mode, landlock=False):
    """Run ARGV (its program: PATH, from program()) once, the filter installed
    by libsandbox.so before main(), or with EXEC_MODE injected at the launch
    exec (the only choice for a static program: the caller decides, with
    _launch.is_static); with LANDLOCK, record what it touched too. Returns
    (Learned, wait status)."""
    if exec_mode:  # the filter is injected, as by sandboxify
        _launch.refuse_unreadable(path)
    env = _launch.program_env(_launch.exec_environ(os.environb))  # bytes, exactly as given
    prog = None
    if exec_mode:
        prog = _native.compile_env({"SECCOMP_LEARN": "1"})
    else:  # libsandbox.so installs it, and checks we are the tracer: sb_learn_run's caller
        env = _launch.preloaded(env, pysandbox.libpath(), [b"SECCOMP_LEARN=%d" % os.getpid()])
    _launch.flush()
    try:
        counts, facts, touched = _native.learn_run(path, argv, env, prog,
                                                   ACCESS_SIZE if landlock else 0)
    except OSError as e:
        raise InstallError(e.errno, "cannot trace '%s': %s" % (argv[0], e.strerror)) from None
    check(facts, argv, path)
    if not exec_mode:  # libsandbox.so keeps its own file readable under FS rules
        lib = os.path.realpath(pysandbox.libpath())
        touched = [(k, t) for k, t in touched if os.path.realpath(t) != lib]
    result = Learned()
    result.add(counts, facts, touched)
    if facts["calls"] == 0 and not exec_mode:
        raise InstallError(errno.ENOEXEC, "no syscall reached the filter: %s did not load "
                           "libsandbox.so (try --exec)" % argv[0])
    return result, facts["status"]


def check(facts, argv, path):
    """Refuse a run whose counts cannot be trusted, or that never ran the program."""
    if facts["blind"] == _native.LEARN_OWN_FILTER:
        raise RefusedError(errno.EPERM, "learn: '%s' installs a seccomp filter of its own, "
                           "whose answers would hide calls from learn: cannot learn it"
                           % argv[0])
    if facts["blind"] == _native.LEARN_FOREIGN_ABI:  # a script's #! names it
        raise RefusedError(errno.ENOEXEC, _launch.not_native())
    err = facts["exec_error"]
    if err:  # ENOENT: it, or its interpreter, is missing (127, as a shell says)
        message = _launch.cannot_execute(path, err)
        raise NotFoundError(err, message) if err == errno.ENOENT else LaunchError(err, message)


def under_a_filter():
    """Does learn itself (and so the program) run under a seccomp filter it
    inherited (a container's, a service manager's)?"""
    return status_field("Seccomp") == 2
