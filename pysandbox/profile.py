"""Docker/OCI seccomp profiles from Python: export a SECCOMP_* policy as one,
summarise one.

Both work on what the C loader made - the Config that _native.load returns -
never on policy text or JSON of their own: `export` writes the compiled rules out,
`show` describes the rules a profile gave.
"""
import functools
import json
import os

from pysandbox import _native
from pysandbox.errors import PolicyError

_A = _native.ACTIONS
KILL_PROCESS, KILL_THREAD, TRAP, ERRNO = (_A["kill_process"], _A["kill_thread"], _A["trap"],
                                          _A["errno"])
TRACE, LOG, ALLOW = _A["trace"], _A["log"], _A["allow"]
PRECEDENCE = [KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, TRACE, LOG, ALLOW]
OCI_ACTIONS = {KILL_PROCESS: "SCMP_ACT_KILL_PROCESS", KILL_THREAD: "SCMP_ACT_KILL_THREAD",
               TRAP: "SCMP_ACT_TRAP", ERRNO: "SCMP_ACT_ERRNO", TRACE: "SCMP_ACT_TRACE",
               LOG: "SCMP_ACT_LOG", ALLOW: "SCMP_ACT_ALLOW"}
EQ, MASKED_EQ = _native.CMP_OPS["=="], _native.CMP_OPS["&"]
NE, LT, LE, GE, GT = (_native.CMP_OPS[o] for o in ("!=", "<", "<=", ">=", ">"))
OP_TEXT = {v: k for k, v in _native.CMP_OPS.items() if k != "&"}
OPS = {v: "SCMP_CMP_" + name for v, name in zip(
    [_native.CMP_OPS[o] for o in ("!=", "<", "<=", "==", ">=", ">", "&")],
    ("NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"))}


class Rule:
    """One rule of a loaded policy (_native.Config), with its index."""

    def __init__(self, policy, i):
        r = policy.rules[i]
        self.index, self.nr, self.action = i, r.nr, r.action
        self.conds = list(r.conds)

    def key(self):  # the order bpf.c tries a syscall's rules in
        return PRECEDENCE.index(self.action & 0xFFFF0000), self.index


def rules(policy, first=0):
    return [Rule(policy, i) for i in range(first, len(policy.rules))]


def oci_action(action):
    """{"action": ..., "errnoRet": ...} for a SECCOMP_RET_* value."""
    base = action & 0xFFFF0000
    out = {"action": OCI_ACTIONS[base]}
    if base in (ERRNO, TRACE):
        out["errnoRet"] = action & 0xFFFF
    return out


# ---- export: what a rule's conditions accept, argument by argument ---------------------------
#
# runc makes one syscalls[] entry one libseccomp rule whose args[] must all hold - unless an
# index repeats: then each item becomes a rule of its own, an alternative (its matchCall in
# libcontainer/seccomp/seccomp_linux.go); csrc/core/profile.c reads it alike. So an entry can say
# one thing about each argument. A rule with several conditions on one argument
# (kill(arg1 >= 1, arg1 <= 3)) is written as the set of values they accept together, cut
# into pieces one item can say each, one entry per combination of pieces.
#
# A set of values of one argument is either
#   Spans(width, [(lo, hi), ...]): its low WIDTH bits in one of these intervals, or
#   Cubes([(mask, value), ...]): x & mask == value for one of them (value within mask).
# SOURCE: the one condition the set came from, if it did (written as the user wrote it).

ENTRIES_MAX = 256  # per syscall: beyond, refuse rather than write a profile nobody can read
CUBES_MAX = 4 * ENTRIES_MAX  # in one set while working it out: beyond, refuse as well


class TooLarge(Exception):
    """A set or form grew past its limit."""


def full(width):
    return (1 << width) - 1


class Spans:
    """Values whose low WIDTH bits lie in one of SPANS."""

    def __init__(self, width, spans, source=None):
        self.width, self.spans, self.source = width, spans, source

    def empty(self):
        return not self.spans

    def everything(self):
        return self.spans == [(0, full(self.width))]

    def cubes(self):
        return [c for lo, hi in self.spans for c in blocks(lo, hi, self.width)]


class Cubes:
    """Values x with x & mask == value for one (mask, value) of ITEMS."""

    def __init__(self, items, source=None):
        self.items, self.source = items, source

    def empty(self):
        return not self.items

    def everything(self):
        return (0, 0) in self.items

    def cubes(self):
        return self.items


def cond_set(c):
    """The values of its argument compiled condition C accepts (bpf.c compares the low
    c.width bits)."""
    top = full(c.width)
    v = c.value & top
    if c.op == MASKED_EQ:
        m = c.mask & top
        return Cubes([] if v & ~m else [(m, v)], c)
    spans = {EQ: [(v, v)], NE: [(0, v - 1), (v + 1, top)], GE: [(v, top)], GT: [(v + 1, top)],
             LE: [(0, v)], LT: [(0, v - 1)]}[c.op]
    return Spans(c.width, [(lo, hi) for lo, hi in spans if lo <= hi], c)


def blocks(lo, hi, width):
    """[lo, hi] of the low WIDTH bits as aligned blocks, each one cube."""
    out = []
    while lo <= hi:
        size = lo & -lo if lo else 1 << width
        while lo + size - 1 > hi:
            size >>= 1
        out.append((full(width) & ~(size - 1), lo))
        lo += size
    return out


def span_and(a, b):
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def cube_and(p, q):
    (m1, v1), (m2, v2) = p, q
    return None if (v1 ^ v2) & m1 & m2 else (m1 | m2, v1 | v2)


def cube_not(p):
    """Disjoint cubes for the values outside cube P: the first bit of its mask (from the
    top) where they differ from its value."""
    m, v = p
    out, above = [], 0
    for bit in (1 << b for b in range(63, -1, -1)):
        if m & bit:
            out.append((above | bit, (v & above) | (~v & bit)))
            above |= bit
    return out


def simplify(cubes):
    """The same union in fewer cubes: siblings merged. (The cubes of a set here are
    disjoint: intervals cut into blocks, complements into differing bits, and what
    intersections of them leave.)"""
    cs = set(cubes)
    if len(cs) > CUBES_MAX:
        raise TooLarge()
    work = list(cs)
    while work:
        m, v = work.pop()
        rest = m if (m, v) in cs else 0
        while rest:
            bit = rest & -rest
            rest ^= bit
            if (m, v ^ bit) in cs:
                cs -= {(m, v), (m, v ^ bit)}
                cs.add((m & ~bit, v & ~bit))
                work.append((m & ~bit, v & ~bit))
                break
    return sorted(cs)


def intersect(a, b):
    if isinstance(a, Spans) and isinstance(b, Spans) and a.width == b.width:
        return Spans(a.width, span_and(a.spans, b.spans))
    return Cubes(simplify(x for p in a.cubes() for q in b.cubes() for x in [cube_and(p, q)] if x))


def complement(s):
    if isinstance(s, Spans):
        edges = [-1] + [x for lo, hi in s.spans for x in (lo, hi)] + [full(s.width) + 1]
        return Spans(s.width, [(edges[i] + 1, edges[i + 1] - 1) for i in range(0, len(edges), 2)
                               if edges[i] + 1 <= edges[i + 1] - 1])
    out = Cubes([(0, 0)])
    for p in s.cubes():
        out = intersect(out, Cubes(cube_not(p)))
    return out


# A term: {arg: set}, all must hold (an argument not named: any value); a form: [term, ...],
# one must hold.

def term_and(a, b):
    """A and B, or None where no call meets both."""
    out = dict(a)
    for arg, s in b.items():
        s = intersect(out.pop(arg), s) if arg in out else s
        if s.empty():
            return None
        if not s.everything():
            out[arg] = s
    return out


def form_and(f, g):
    """F and G, without the terms another one covers."""
    out = [t for a in f for b in g for t in [term_and(a, b)] if t is not None]
    if len(out) > ENTRIES_MAX:
        raise TooLarge()
    return [t for i, t in enumerate(out) if not any(
        covers(u, t) and (not covers(t, u) or j < i) for j, u in enumerate(out) if j != i)]


def covers(a, b):
    """Does term A hold wherever term B does? (A cheap look: B's set for each argument
    A names is A's own, or inside A's intervals.)"""
    return all(arg in b and (b[arg] is s or within(b[arg], s)) for arg, s in a.items())


def within(s, t):
    if not (isinstance(s, Spans) and isinstance(t, Spans) and s.width == t.width):
        return False
    return all(any(lo <= a and b <= hi for lo, hi in t.spans) for a, b in s.spans)


def form_not(f):
    out = [{}]
    for t in f:
        out = form_and(out, [{arg: complement(s)} for arg, s in t.items()])
    return out


def rule_term(rule):
    """What RULE accepts as a term; None if no call matches it."""
    t = {}
    for c in rule.conds:
        t = term_and(t, {c.arg: cond_set(c)})
        if t is None:
            return None
    return t


@functools.lru_cache(maxsize=None)
def reader_width(name, arg, arch):
    """How many low bits of NAME's argument ARG a condition read from a profile compares:
    64, or its C type's (the compiler decides, as for the policy language)."""
    policy = _native.load({"SECCOMP_SYSCALL_DENY": "%s(arg%d == 0)" % (name, arg)},
                          arch, required=True)
    return policy.rules[0].conds[0].width


def oci_arg(arg, op, value, two=0):
    return {"index": arg, "value": value, "valueTwo": two, "op": OPS[op]}


def pieces(s, arg, width, name):
    """OCI args[] items, one of which holds where S does, for an argument our reader
    compares on its low WIDTH bits. Narrower than 64 bits, == and masks are written as
    masks within WIDTH, which libseccomp (it compares 64 bits) then decides alike too."""
    top = full(width)

    def eq(v):
        return oci_arg(arg, EQ, v) if width == 64 else oci_arg(arg, MASKED_EQ, top, v)

    c = s.source
    if c is not None and (c.width == width or c.op in (EQ, MASKED_EQ) and c.width < width):
        if c.op == MASKED_EQ:
            return [oci_arg(arg, MASKED_EQ, c.mask & full(c.width), c.value)]
        if c.op == EQ and c.width == width:
            return [eq(c.value)]
        if c.op != EQ:
            return [oci_arg(arg, c.op, c.value)]
    spans = as_spans(s, width)
    if spans and len(spans) == 1:
        lo, hi = spans[0]
        if lo == hi:
            return [eq(lo)]
        if lo == 0 or hi == top:
            return [oci_arg(arg, LE, hi) if lo == 0 else oci_arg(arg, GE, lo)]
    if spans and len(spans) == 2 and spans[0][0] == 0 and spans[1][1] == top and \
            spans[1][0] == spans[0][1] + 2:
        return [oci_arg(arg, NE, spans[0][1] + 1)]
    out = []
    for m, v in sorted(simplify(s.cubes()), key=lambda c: (c[1], -c[0])):
        if m & ~top:
            raise PolicyError("cannot write '%s' in a profile: a condition on arg%d compares "
                              "more than its %d bits" % (name, arg, width))
        out.append(eq(v) if m == top else oci_arg(arg, MASKED_EQ, m, v))
    return out


def as_spans(s, width):
    """S as intervals of the low WIDTH bits, or None if it is not one."""
    if isinstance(s, Spans):
        return s.spans if s.width == width else None
    top, out = full(width), []
    for m, v in sorted(s.cubes(), key=lambda c: c[1]):
        low = ~m & top
        if m & ~top or low & (low + 1):
            return None  # not an aligned block of WIDTH-bit values
        if out and out[-1][1] + 1 == v:
            out[-1] = (out[-1][0], v + low)
        else:
            out.append((v, v + low))
    return out


def entries(form, name, arch):
    """args[] lists, one entry each, one of which holds where FORM does."""
    out = []
    for t in form:
        combos = [[]]
        for arg in sorted(t):
            alts = pieces(t[arg], arg, reader_width(name, arg, arch), name)
            combos = [c + [a] for c in combos for a in alts]
            if len(out) + len(combos) > ENTRIES_MAX:
                raise TooLarge()
        out += combos
    return out


def syscall_rules(group, default):
    """[(action, form), ...] for one syscall's rules, each form disjoint from the others
    with another action, in the order bpf.c tries them; the last one's form may be [{}]
    (unconditional). Those whose action is the default are left out (runc drops them):
    the rules after them exclude what they match instead. So libseccomp, whatever order it
    tries them in, and our reader, strictest first, decide as the policy."""
    tried, fallback = [], default
    for r in sorted(group, key=Rule.key):
        t = rule_term(r)
        if t == {}:
            fallback = r.action
            break
        if t is not None:
            tried.append((r.action, [t]))
    while tried and tried[-1][0] == fallback:
        tried.pop()
    out = []
    for i, (action, form) in enumerate(tried):
        if action != default:
            out.append((action, form_and(form, form_not(overlapping(
                [t for a, f in tried[:i] if a != action for t in f], form)))))
    if fallback != default:
        out.append((fallback, form_not([t for _, f in tried for t in f])))
    return [(a, f) for a, f in out if f]


def overlapping(terms, form):
    """The TERMS that some call of FORM meets (only those need excluding)."""
    return [t for t in terms if any(term_and(t, u) is not None for u in form)]


def export(environ, arch=None, host=None):
    """The SECCOMP_* policy ENVIRON describes, as an OCI seccomp profile (a dict).
    HOST: for a SECCOMP_PROFILE in ENVIRON (None: this process)."""
    policy = _native.load(environ, arch, host, required=True)
    arch = policy.arch
    by_nr = {}
    for r in rules(policy):
        by_nr.setdefault(r.nr, []).append(r)
    plain, conditional = {}, []  # plain: {action: [name, ...]}
    for nr, group in sorted(by_nr.items()):
        name = _native.syscall_name(nr, arch)
        if name is None:
            raise PolicyError("cannot write syscall %d in a profile: it has no name on %s"
                              % (nr, arch))
        try:
            decided = [(action, entries(form, name, arch))
                       for action, form in syscall_rules(group, policy.default_action)]
        except TooLarge:
            raise PolicyError("cannot write '%s' in a profile: its rules take more than %d "
                              "entries" % (name, ENTRIES_MAX)) from None
        if len(decided) == 1 and decided[0][1] == [[]]:
            plain.setdefault(decided[0][0], []).append(name)
            continue
        for action, arg_lists in decided:
            for args in arg_lists:
                if not args:  # would make our reader and libseccomp drop the others
                    raise PolicyError("cannot write '%s' in a profile: an unconditional rule "
                                      "among conditional ones" % name)
                conditional.append(dict(names=[name], args=args, **oci_action(action)))
    top = oci_action(policy.default_action)
    out = {"defaultAction": top["action"]}
    if "errnoRet" in top:
        out["defaultErrnoRet"] = top["errnoRet"]
    out["architectures"] = [_native.arch_scmp_name(arch)]
    out["syscalls"] = [dict(names=sorted(names), **oci_action(action))
                       for action, names in sorted(plain.items())] + conditional
    return fits(out, arch)


def fits(profile, arch):
    """PROFILE, if SECCOMP_PROFILE reads it (at most SB_CONDS_MAX conditions) into a
    filter that fits."""
    n = sum(len(e.get("args", ())) for e in profile["syscalls"])
    if n > _native.CONDS_MAX:
        raise PolicyError("cannot write this policy in a profile: it takes %d argument "
                          "conditions, SECCOMP_PROFILE reads at most %d"
                          % (n, _native.CONDS_MAX))
    fd = os.memfd_create("pysandbox-export")  # read back without a file on disk
    try:
        os.write(fd, json.dumps(profile).encode())
        policy = _native.load({"SECCOMP_PROFILE": "/proc/self/fd/%d" % fd}, arch,
                              _native.host(0, (0, 0)))
    finally:
        os.close(fd)
    try:
        policy.compile()
    except PolicyError:
        raise PolicyError("cannot write this policy in a profile: read back, its rules "
                          "do not fit in one seccomp filter") from None
    return profile


# ---- show ------------------------------------------------------------------------------------

def cond_text(c):
    if c.op == MASKED_EQ:
        return "arg%d & %#x == %#x" % (c.arg, c.mask, c.value)
    return "arg%d %s %#x" % (c.arg, OP_TEXT[c.op], c.value)


def show(path, arch=None, host=None):
    """Lines summarising the profile at PATH as it applies to HOST (None: this process)."""
    host = host if host is not None else _native.probe_host()  # probed once, shown below
    policy = _native.load({"SECCOMP_PROFILE": path}, arch, host)
    arch = policy.arch
    own = rules(policy, policy.stats.first)
    lines = [
        "profile: %s" % path,
        "for: %s, capabilities: %s, kernel %d.%d" % (
            arch, caps_text(host.caps), host.kernel[0], host.kernel[1]),
        "default action: %s" % _native.action_name(policy.default_action),
        "entries: %d, %d apply here; %d names are not syscalls on %s (skipped)" % (
            policy.stats.blocks, policy.stats.applied, policy.stats.skipped, arch),
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

