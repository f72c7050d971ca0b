"""Docker/OCI seccomp profiles from Python: export a SECCOMP_* policy as one,
summarise one.

Both work on what the C parser made - struct sb_policy through cffi - never on
policy text or JSON of their own: `export` writes the compiled rules out,
`show` describes the rules a profile gave.
"""
from pysandbox import _native
from pysandbox._errors import PolicyError

_A = _native.ACTIONS
KILL_PROCESS, KILL_THREAD, TRAP, ERRNO = (_A["kill_process"], _A["kill_thread"], _A["trap"],
                                          _A["errno"])
TRACE, LOG, ALLOW = _A["trace"], _A["log"], _A["allow"]
PRECEDENCE = [KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, TRACE, LOG, ALLOW]
OCI_ACTIONS = {KILL_PROCESS: "SCMP_ACT_KILL_PROCESS", KILL_THREAD: "SCMP_ACT_KILL_THREAD",
               TRAP: "SCMP_ACT_TRAP", ERRNO: "SCMP_ACT_ERRNO", TRACE: "SCMP_ACT_TRACE",
               LOG: "SCMP_ACT_LOG", ALLOW: "SCMP_ACT_ALLOW"}
OCI_ARCH = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}
EQ, MASKED_EQ = _native.CMP_OPS["=="], _native.CMP_OPS["&"]
OP_TEXT = {v: k for k, v in _native.CMP_OPS.items() if k != "&"}
OPS = {v: "SCMP_CMP_" + name for v, name in zip(
    [_native.CMP_OPS[o] for o in ("!=", "<", "<=", "==", ">=", ">", "&")],
    ("NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"))}
LOW, U64 = 0xFFFFFFFF, 2**64 - 1


class Rule:
    """One rule of a struct sb_policy, in Python."""

    def __init__(self, policy, i):
        r = policy.rules[i]
        self.index, self.nr, self.action = i, r.nr, r.action
        self.conds = [policy.conds[r.cond + k] for k in range(r.nconds)]

    def key(self):  # the order bpf.c tries a syscall's rules in
        return PRECEDENCE.index(self.action & 0xFFFF0000), self.index


def rules(policy, first=0):
    return [Rule(policy, i) for i in range(first, policy.nrules)]


def oci_action(action):
    """{"action": ..., "errnoRet": ...} for a SECCOMP_RET_* value."""
    base = action & 0xFFFF0000
    out = {"action": OCI_ACTIONS[base]}
    if base in (ERRNO, TRACE):
        out["errnoRet"] = action & 0xFFFF
    return out


# ---- export ----------------------------------------------------------------------------------

def oci_arg(c, name, arch):
    """A condition as an OCI args[] item that decides alike under libseccomp. A 32-bit
    condition: == becomes a masked comparison of the low half; on a 32-bit argument
    the others keep their 32-bit value (ours reads it back as such; libseccomp compares
    the whole register - README)."""
    def arg(op, value, two=0):
        return {"index": c.arg, "value": value, "valueTwo": two, "op": OPS[op]}

    if c.op == MASKED_EQ:
        return arg(MASKED_EQ, c.mask & (LOW if c.width == 32 else U64), c.value)
    if c.width == 64:
        return arg(c.op, c.value)
    if c.op == EQ:  # the argument's low 32 (umode_t: 16) bits
        return arg(MASKED_EQ, (1 << c.width) - 1, c.value)
    if c.arg in _native.int_args(_native.syscall_nr(name, arch), arch):
        return arg(c.op, c.value)
    raise PolicyError("cannot write '%s(arg%d %s %#x)' in a profile: it compares the low "
                      "32 bits of a 64-bit argument" % (name, c.arg, OP_TEXT[c.op], c.value))


def decisive(group, default):
    """Of one syscall's rules, what decides (as bpf.c): the conditional rules tried
    before the first unconditional one, and the action when none of them matches."""
    group = sorted(group, key=Rule.key)
    first = next((i for i, r in enumerate(group) if not r.conds), len(group))
    fallback = group[first].action if first < len(group) else default
    tried = group[:first]
    while tried and tried[-1].action == fallback:
        tried.pop()
    return tried, fallback


def syscall_entries(name, group, default, arch):
    """syscalls[] entries for one syscall, or PolicyError where libseccomp (as runc
    feeds it) could not decide alike: it drops the conditional rules of a syscall
    with an unconditional one, and every rule whose action is the default."""
    tried, fallback = decisive(group, default)
    if not tried:
        return [] if fallback == default else [dict(names=[name], **oci_action(fallback))]
    if fallback != default:
        raise PolicyError("cannot write '%s' in a profile: its conditional rules stand "
                          "over an unconditional one, which libseccomp would keep alone" % name)
    if any(r.action == default for r in tried):
        raise PolicyError("cannot write '%s' in a profile: a conditional rule with the "
                          "default action comes before others, and runc drops it" % name)
    return [dict(names=[name], args=[oci_arg(c, name, arch) for c in r.conds],
                 **oci_action(r.action)) for r in tried]


def export(environ, arch=None, host=None):
    """The SECCOMP_* policy ENVIRON describes, as an OCI seccomp profile (a dict).
    HOST: for a SECCOMP_PROFILE in ENVIRON (None: this process)."""
    policy = _native.parse_policy(environ, arch, host, required=True)
    arch = _native.arch_name(policy.arch)
    by_nr = {}
    for r in rules(policy):
        by_nr.setdefault(r.nr, []).append(r)
    plain, conditional = {}, []  # plain: {action: [name, ...]}
    for nr, group in sorted(by_nr.items()):
        name = _native.syscall_name(nr, arch)
        if name is None:
            raise PolicyError("cannot write syscall %d in a profile: it has no name on %s"
                              % (nr, arch))
        tried, fallback = decisive(group, policy.default_action)
        if tried:
            conditional += syscall_entries(name, group, policy.default_action, arch)
        elif fallback != policy.default_action:
            plain.setdefault(fallback, []).append(name)
    top = oci_action(policy.default_action)
    out = {"defaultAction": top["action"]}
    if "errnoRet" in top:
        out["defaultErrnoRet"] = top["errnoRet"]
    out["architectures"] = [OCI_ARCH[arch]]
    out["syscalls"] = [dict(names=sorted(names), **oci_action(action))
                       for action, names in sorted(plain.items())] + conditional
    return out


# ---- show ------------------------------------------------------------------------------------

def cond_text(c):
    if c.op == MASKED_EQ:
        return "arg%d & %#x == %#x" % (c.arg, c.mask, c.value)
    return "arg%d %s %#x" % (c.arg, OP_TEXT[c.op], c.value)


def show(path, arch=None, host=None):
    """Lines summarising the profile at PATH as it applies to HOST (None: this process)."""
    host = host if host is not None else _native.probe_host()  # probed once, shown below
    policy = _native.parse_policy({"SECCOMP_PROFILE": path}, arch, host)
    arch = _native.arch_name(policy.arch)
    own = rules(policy, policy.profile_first)
    lines = [
        "profile: %s" % path,
        "for: %s, capabilities: %s, kernel %d.%d" % (
            arch, caps_text(host.caps), host.kernel_major, host.kernel_minor),
        "default action: %s" % _native.action_name(policy.default_action),
        "entries: %d, %d apply here; %d names are not syscalls on %s (skipped)" % (
            policy.profile_blocks, policy.profile_applied, policy.profile_skipped, arch),
    ]
    counts = {}
    for r in own:
        if not r.conds:
            counts[r.action] = counts.get(r.action, 0) + 1
    lines.append("syscalls without conditions: %d (%s)" % (sum(counts.values()), ", ".join(
        "%s %d" % (_native.action_name(a), n) for a, n in sorted(counts.items(),
                                                                 key=lambda kv: -kv[1]))))
    conditional = [r for r in own if r.conds]
    lines.append("conditional rules: %d" % len(conditional))
    for r in conditional:
        lines.append("  %-16s %-14s if %s" % (_native.syscall_name(r.nr, arch),
                                             _native.action_name(r.action),
                                             " and ".join(map(cond_text, r.conds))))
    return lines


def caps_text(mask):
    names = _native.cap_names()
    held = [n for i, n in enumerate(names) if mask >> i & 1]
    if len(held) > len(names) // 2:
        missing = [n for n in names if n not in held]
        return "all" + (" but " + ",".join(missing) if missing else "")
    return ",".join(held) or "none"


def parse_caps(text):
    """'all', 'none' or CAP_A,CAP_B -> a capability mask."""
    if text in ("all", "none"):
        return _native.all_caps() if text == "all" else 0
    mask = 0
    for name in filter(None, text.split(",")):
        mask |= 1 << _native.cap_lookup(name)
    return mask

