"""pysandbox learn: run a program and write the smallest allowlist it needs
(the engine: pysandbox.learn), as SECCOMP_SYSCALL_ALLOW=... (env), a
SECCOMP_POLICY_FILE (policy) or a Docker/OCI profile (oci); with --landlock
also the SANDBOX_FS_* and SANDBOX_NET* variables for what it touched
(pysandbox.fsrules), as variables (env) or fs-read... lines (policy).
Exit status: the program's."""
import json
import os
import re
import sys

from pysandbox import _launch, fsrules, learn, profile
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
    if args.landlock and args.format == "oci":
        raise UsageError("learn: --landlock: an OCI profile holds no Landlock rules: use "
                         "--format env or policy")
    path = learn.program(argv[0])
    exec_mode = args.exec_mode
    if not exec_mode and _launch.is_static(path):
        _launch.say("pysandbox learn: %s is statically linked: measuring from its exec, for "
                    "sandboxify (--exec)" % argv[0])
        exec_mode = True
    result, status = learn.run(path, argv, exec_mode, args.landlock)
    kernel_calls = result.kernel_calls()
    names = set(result.names()) | set(kernel_calls)
    earlier = previous_text(args.output) if args.append else ""
    names = sorted(names | previous_names(earlier))
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
    rules = None
    if args.landlock:
        rules = result.landlock_rules(previous_rules(earlier))
        rules = rules._replace(net=merge_net(previous_net(earlier), rules.net))
        header += landlock_header(result, rules, exec_mode)
    text = render(args.format, names, header, rules)
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


def previous_text(path):
    """The earlier output --append merges with ("" if there is none yet)."""
    if not os.path.exists(path):
        return ""
    try:
        with open(path) as f:
            text = f.read()
        previous_names(text)
        return text
    except (OSError, ValueError) as e:
        raise PolicyError("cannot read the earlier policy: '%s' (%s)" % (path, e)) from None


def keyword(var):
    """The policy file's keyword for variable VAR: SANDBOX_FS_READ is fs-read."""
    return var[len("SANDBOX_"):].lower().replace("_", "-")


def previous_rules(text):
    """(variable, item) of the SANDBOX_FS_* lines (env) or fs-* lines (policy)
    of an earlier output."""
    words = {keyword(var): var for var in fsrules.VAR_NEEDS}
    out = []
    for line in text.splitlines():
        var, eq, value = line.strip().partition("=")
        if not eq:
            word, _, value = line.strip().partition(" ")
            var = words.get(word)
        if var in fsrules.VAR_NEEDS:
            out += [(var, item) for item in value.strip().split(":") if item]
    return out


NET_VARS = ("SANDBOX_NET_CONNECT", "SANDBOX_NET_BIND", "SANDBOX_NET", "SANDBOX_SCOPE")


def previous_net(text):
    """{variable: value} of the network and scope lines (env, or net-connect...
    policy lines) of an earlier output."""
    words = {keyword(var): var for var in NET_VARS}
    out = {}
    for line in text.splitlines():
        var, eq, value = line.strip().partition("=")
        if not eq:
            word, _, value = line.strip().partition(" ")
            var = words.get(word)
        if var in NET_VARS:
            out[var] = value.strip()
    return out


def merge_net(old, new):
    """The network rules both runs need: the union of ports and socket kinds
    (`none` only if both were), the scopes both kept."""
    if not old:
        return new
    out = {}
    for var in NET_VARS[:2]:
        if var in old or var in new:
            items = {i for v in (old.get(var), new.get(var)) if v for i in v.split(":")}
            out[var] = ":".join(sorted(items, key=lambda i: int(i.split("-")[0])))
    kinds = {i for v in (old.get("SANDBOX_NET"), new.get("SANDBOX_NET")) if v
             for i in v.split(":")}
    if kinds - {"none"}:
        out["SANDBOX_NET"] = ":".join(sorted(kinds - {"none"}))
    elif "none" in kinds and not out:
        out["SANDBOX_NET"] = "none"
    scopes = [set(v.get("SANDBOX_SCOPE", "signal:abstract-unix").split(":")) - {"none", ""}
              for v in (old, new)]
    kept = scopes[0] & scopes[1]
    if kept != {"signal", "abstract-unix"}:
        out["SANDBOX_SCOPE"] = ":".join(sorted(kept, reverse=True)) or "none"
    return out


def landlock_header(result, rules, exec_mode):
    """Header lines on the Landlock rules: where they hold, what they miss."""
    out = ["Landlock rules for the paths, ports and signals it used, from %s" % (
        "the launch exec (sandboxify adds the program file itself)" if exec_mode
        else "main() (libsandbox.so adds its own file)")]
    if result.lost:
        out.append("warning: %d accesses could not be recorded (too many, or a path too "
                   "long): the rules may deny some of them" % result.lost)
    return out + rules.notes


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


def render(fmt, names, header, rules=None):
    if fmt == "oci":  # the profile `pysandbox profile export` writes for the list
        return json.dumps(profile.export({"SECCOMP_SYSCALL_ALLOW": ":".join(names)}),
                          indent=2) + "\n"
    lines = ["# " + h for h in header]
    landlock = landlock_lines(rules) if rules else []
    if fmt == "policy":  # `fs-read ITEMS` for SANDBOX_FS_READ=ITEMS
        lines += [("%s %s" % (keyword(var), value)).rstrip() for var, value in landlock]
        lines += ["allow %s" % n for n in names]
    else:
        lines += ["%s=%s" % rule for rule in landlock]
        lines.append("SECCOMP_SYSCALL_ALLOW=" + ":".join(names))
    return "\n".join(lines) + "\n"


def landlock_lines(rules):
    """[(variable, value)] of RULES (fsrules.Rules), in the order written."""
    lines = [(var, ":".join(items)) for var, items in rules.fs.items() if items]
    if not lines:  # nothing touched: still restricted
        lines.append((fsrules.READ, ""))
    return lines + list(rules.net.items())


def describe(status):
    if os.WIFSIGNALED(status):
        return "killed by signal %d" % os.WTERMSIG(status)
    return "exit status %d" % os.WEXITSTATUS(status)


def exit_code(status):
    """The program's status as a shell reports it."""
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
