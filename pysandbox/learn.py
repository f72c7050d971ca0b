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
The counting loop is C (csrc/trace.c): one ptrace stop per syscall.

What learn cannot see is refused or made visible, never left out of the list:
a program installing a seccomp filter of its own is stopped (its ERRNO/KILL
answers would outrank our TRACE); CLONE_UNTRACED is cleared so every child is
followed; and the calls the kernel makes for signals (rt_sigreturn after a
handler, restart_syscall after a stopped sleep) are added when the program
installs handlers or makes calls the kernel restarts that way.
"""
import errno
import json
import os
import re
import sys

import pysandbox
from pysandbox._errors import Failure
from pysandbox.sandboxify import (check_abi, elf_info, exec_environ, flush, program_env,
                                  refuse_unreadable, resolve, say)

# what the kernel calls on the program's behalf, and when learn adds it
KERNEL_CALLS = (
    ("rt_sigreturn", "handlers", "it installs a signal handler, which returns through it"),
    ("restart_syscall", "restarts", "it sleeps or waits (nanosleep, poll, a futex with a "
     "timeout...), which the kernel resumes through it after SIGSTOP and SIGCONT"),
)


def is_static(path):
    """An ELF file without a PT_INTERP header (no dynamic loader). A file we may
    run but not read (mode 0711) counts as dynamic: the exec decides."""
    info = elf_info(path)
    return bool(info and info[1])


class Learned:
    """What one or more runs called, by ABI: {abi: {name: calls}}."""

    def __init__(self):
        self.calls = {"native": {}, "x32": {}, "compat": {}}
        self.total = self.other = self.tasks = self.untraced = 0
        self.handlers = self.restarts = 0

    def add(self, counts, facts):
        from pysandbox import _native

        native = _native_arch()
        tables = {"native": (native, 0), "x32": ("x32", _native.X32_BIT),
                  "compat": ("i386", 0) if native == "x86_64" else (None, 0)}
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

    def names(self):
        return sorted(self.calls["native"])

    def kernel_calls(self):
        """{name: why} of KERNEL_CALLS this program needs and did not make itself."""
        return {name: why for name, fact, why in KERNEL_CALLS
                if getattr(self, fact) and name not in self.calls["native"]}


def preloaded(entries):
    """The program's environment ENTRIES (exec_environ's list, without our
    variables) with libsandbox.so leading LD_PRELOAD and SECCOMP_LEARN=our pid:
    our only changes. Every LD_PRELOAD entry gets it (the loader reads the
    last of repeated ones, getenv the first)."""
    lib = os.fsencode(pysandbox.libpath())
    out = [b"LD_PRELOAD=" + b":".join([lib] + [p for p in e[11:].split(b":") if p])
           if e.startswith(b"LD_PRELOAD=") else e for e in entries]
    if not any(e.startswith(b"LD_PRELOAD=") for e in entries):
        out.append(b"LD_PRELOAD=" + lib)
    return out + [b"SECCOMP_LEARN=%d" % os.getpid()]  # the tracer: sb_learn_run's caller


def learn(argv, exec_mode=False):
    """Run ARGV once; returns (Learned, wait status, whether --exec was used)."""
    from pysandbox import _native

    path = resolve(argv[0], os.fsdecode(os.environb.get(b"PATH", b"/bin:/usr/bin")))
    check_abi(path)
    if not exec_mode and is_static(path):
        say("pysandbox learn: %s is statically linked: measuring from its exec, for "
            "sandboxify (--exec)" % argv[0])
        exec_mode = True
    if exec_mode:  # the filter is injected, as by sandboxify
        refuse_unreadable(path)
    env = program_env(exec_environ(os.environb))  # bytes, exactly as given
    prog = None
    if exec_mode:
        prog = _native.compile_env({"SECCOMP_LEARN": "1"})
    else:
        env = preloaded(env)
    flush()
    try:
        counts, facts = _native.learn_run(path, argv, env, prog)
    except OSError as e:
        raise Failure("cannot trace '%s': %s" % (argv[0], e.strerror))
    status, total = facts["status"], facts["calls"]
    if facts["blind"] == _native.LEARN_OWN_FILTER:
        raise Failure("learn: '%s' installs a seccomp filter of its own, whose answers "
                      "would hide calls from learn: cannot learn it" % argv[0])
    if facts["blind"] == _native.LEARN_FOREIGN_ABI:  # a script's #! names it
        raise Failure("the program is not an %s program: cannot install the filter"
                      % os.uname().machine)
    if facts["exec_error"]:
        err = facts["exec_error"]
        raise Failure("cannot execute: '%s' (%s)" % (path, os.strerror(err).lower()),
                      127 if err == errno.ENOENT else 126)
    result = Learned()
    result.add(counts, facts)
    if total == 0 and not exec_mode:
        raise Failure("no syscall reached the filter: %s did not load libsandbox.so "
                      "(try --exec)" % argv[0])
    return result, status, exec_mode


def under_a_filter():
    """Does learn itself (and so the program) run under a seccomp filter it
    inherited (a container's, a service manager's)?"""
    from pysandbox.features import read_proc

    status = read_proc("/proc/self/status") or ""
    return any(line.split() == ["Seccomp:", "2"] for line in status.splitlines())


def previous_names(text):
    """Syscall names an earlier output of any format allows."""
    text = text.strip()
    if text.startswith("{"):
        profile = json.loads(text)
        return {n for rule in profile.get("syscalls", []) if rule.get("action") == "SCMP_ACT_ALLOW"
                for n in rule.get("names", [])}
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("SECCOMP_SYSCALL_ALLOW="):
            names |= {n for n in line.split("=", 1)[1].split(":") if n}
        elif re.match(r"allow\s+\S+$", line):
            names.add(line.split()[1])
    return names


def render(fmt, names, header):
    if fmt == "oci":  # the profile `pysandbox profile export` writes for the list
        from pysandbox import profile

        return json.dumps(profile.export({"SECCOMP_SYSCALL_ALLOW": ":".join(names)}),
                          indent=2) + "\n"
    lines = ["# " + h for h in header]
    if fmt == "policy":
        lines += ["allow %s" % n for n in names]
    else:
        lines.append("SECCOMP_SYSCALL_ALLOW=" + ":".join(names))
    return "\n".join(lines) + "\n"


def _native_arch():
    from pysandbox import _native

    return _native.arch_name(_native.arch())


def describe(status):
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    return "exit status %d" % os.WEXITSTATUS(status)


def exit_code(status):
    """The program's status as a shell reports it."""
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def run(args):
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise Failure("learn: no program given (pysandbox learn -- PROG [ARGS])", 2)
    if args.append and not args.output:
        raise Failure("learn: --append needs -o FILE", 2)
    if not args.output and sys.stdout is None:
        raise Failure("learn: stdout is closed: give -o FILE for the policy", 2)
    result, status, exec_mode = learn(argv, args.exec_mode)
    kernel_calls = result.kernel_calls()
    names = set(result.names()) | set(kernel_calls)
    if args.append and os.path.exists(args.output):
        try:
            with open(args.output) as f:
                names |= previous_names(f.read())
        except (OSError, ValueError) as e:
            raise Failure("cannot read the earlier policy: '%s' (%s)" % (args.output, e))
    names = sorted(names)
    header = ["pysandbox learn%s: %s (%s)" % (" --exec" if exec_mode else "", " ".join(argv),
                                            describe(status)),
              "%d syscalls seen in %d calls by %d tasks, counted from %s" % (
                  len(result.names()), result.total, result.tasks,
                  "the launch exec (for sandboxify)" if exec_mode
                  else "main() (for LD_PRELOAD=libsandbox.so)")]
    header += ["added %s: %s" % (name, why) for name, why in sorted(kernel_calls.items())]
    if under_a_filter():
        header.append("warning: learned under an inherited seccomp filter: calls it answers "
                      "(ERRNO, TRAP, KILL) were not seen, and this list's filter kills them")
    if result.untraced:
        header.append("CLONE_UNTRACED cleared in %d clone calls while learning: those "
                      "children were followed too" % result.untraced)
    if args.append:
        header.append("merged with the earlier %s: %d syscalls in all" % (args.output, len(names)))
    compat = "i386" if _native_arch() == "x86_64" else "arm"
    foreign = ["%s: %s" % ({"compat": compat}.get(abi, abi), " ".join(sorted(result.calls[abi])))
               for abi in ("x32", "compat") if result.calls[abi]]
    if foreign or result.other:
        header.append("also called through another ABI (every filter kills these): " +
                      "; ".join(foreign + (["%d unidentified" % result.other]
                                           if result.other else [])))
    text = render(args.format, names, header)
    from pysandbox.cli import write_output

    write_output(args.output or "-", text.encode(errors="surrogateescape"))
    return exit_code(status)
