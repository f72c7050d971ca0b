"""pysandbox learn: run a program and write the smallest allowlist it needs
(the engine: pysandbox.learn), as SECCOMP_SYSCALL_ALLOW=... (env), a
SECCOMP_POLICY_FILE (policy) or a Docker/OCI profile (oci). Exit status:
the program's."""
import json
import os
import re
import sys

from pysandbox import _launch, learn, profile
from pysandbox.cli._common import write_output
from pysandbox.errors import PolicyError, UsageError


def run(args):
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not argv:
        raise UsageError("learn: no program given (pysandbox learn -- PROG [ARGS])")
    if args.append and not args.output:
        raise UsageError("learn: --append needs -o FILE")
    if not args.output and sys.stdout is None:
        raise UsageError("learn: stdout is closed: give -o FILE for the policy")
    path = learn.program(argv[0])
    exec_mode = args.exec_mode
    if not exec_mode and _launch.is_static(path):
        _launch.say("pysandbox learn: %s is statically linked: measuring from its exec, for "
                    "sandboxify (--exec)" % argv[0])
        exec_mode = True
    result, status = learn.run(path, argv, exec_mode)
    kernel_calls = result.kernel_calls()
    names = set(result.names()) | set(kernel_calls)
    if args.append and os.path.exists(args.output):
        try:
            with open(args.output) as f:
                names |= previous_names(f.read())
        except (OSError, ValueError) as e:
            raise PolicyError("cannot read the earlier policy: '%s' (%s)"
                              % (args.output, e)) from None
    names = sorted(names)
    header = ["pysandbox learn%s: %s (%s)" % (" --exec" if exec_mode else "", " ".join(argv),
                                            describe(status)),
              "%d syscalls seen in %d calls by %d tasks, counted from %s" % (
                  len(result.names()), result.total, result.tasks,
                  "the launch exec (for sandboxify)" if exec_mode
                  else "main() (for LD_PRELOAD=libsandbox.so)")]
    header += ["added %s: %s" % (name, why) for name, why in sorted(kernel_calls.items())]
    header += blind_spots(result)
    if args.append:
        header.append("merged with the earlier %s: %d syscalls in all" % (args.output, len(names)))
    header += other_abis(result)
    text = render(args.format, names, header)
    write_output(args.output or "-", text.encode(errors="surrogateescape"))
    return exit_code(status)


def blind_spots(result):
    """Header lines on where learning saw the program otherwise than it runs alone."""
    out = []
    if learn.under_a_filter():
        out.append("warning: learned under an inherited seccomp filter: calls it answers "
                   "(ERRNO, TRAP, KILL) were not seen, and this list's filter kills them")
    if result.untraced:
        out.append("CLONE_UNTRACED cleared in %d clone calls while learning: those "
                   "children were followed too" % result.untraced)
    return out


def other_abis(result):
    """A header line on calls no filter allows (another ABI's), if there were any."""
    compat = learn.compat_arch()
    foreign = ["%s: %s" % ({"compat": compat}.get(abi, abi), " ".join(sorted(result.calls[abi])))
               for abi in ("x32", "compat") if result.calls[abi]]
    if not (foreign or result.other):
        return []
    return ["also called through another ABI (every filter kills these): " +
            "; ".join(foreign + (["%d unidentified" % result.other] if result.other else []))]


def previous_names(text):
    """Syscall names an earlier output of any format allows."""
    text = text.strip()
    if text.startswith("{"):
        oci = json.loads(text)
        return {n for rule in oci.get("syscalls", []) if rule.get("action") == "SCMP_ACT_ALLOW"
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
        return json.dumps(profile.export({"SECCOMP_SYSCALL_ALLOW": ":".join(names)}),
                          indent=2) + "\n"
    lines = ["# " + h for h in header]
    if fmt == "policy":
        lines += ["allow %s" % n for n in names]
    else:
        lines.append("SECCOMP_SYSCALL_ALLOW=" + ":".join(names))
    return "\n".join(lines) + "\n"


def describe(status):
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    return "exit status %d" % os.WEXITSTATUS(status)


def exit_code(status):
    """The program's status as a shell reports it."""
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
