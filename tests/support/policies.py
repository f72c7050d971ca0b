"""Random SECCOMP_* policies with argument conditions (hypothesis strategies), and
what each word of theirs is to libseccomp.

A policy: (mode, default word, {syscall: (action word, [entry, ...])}); an entry is a
tuple of conditions (arg, op, value, mask); op "&" is the masked equality.
"""
import errno
import functools

from hypothesis import assume, settings
from hypothesis import strategies as st

from pysandbox import _native
from support.arches import TARGETS
from support.filters import U64
from support.libseccomp import lib_nr, ps

# our operator text -> pyseccomp's
OPS = {"!=": ps.NE, "<": ps.LT, "<=": ps.LE, "==": ps.EQ, ">=": ps.GE, ">": ps.GT,
       "&": ps.MASKED_EQ}

# {our entry action word: libseccomp action}
ACTIONS = {"allow": ps.ALLOW, "kill": ps.KILL_PROCESS, "kill_thread": ps.KILL_THREAD,
           "trap": ps.TRAP, "log": ps.LOG, "errno": ps.ERRNO(errno.EPERM),
           "EACCES": ps.ERRNO(errno.EACCES), "errno(ENOSYS)": ps.ERRNO(errno.ENOSYS),
           "errno(4094)": ps.ERRNO(4094)}  # libseccomp refuses 4095
DEFAULTS = {"allow": ps.ALLOW, "kill": ps.KILL_PROCESS, "kill_thread": ps.KILL_THREAD,
            "trap": ps.TRAP, "log": ps.LOG, "errno": ps.ERRNO(errno.EPERM),
            "errno:EACCES": ps.ERRNO(errno.EACCES), "errno:77": ps.ERRNO(77)}


@functools.lru_cache(maxsize=None)
def wide_args(name):
    """Arguments of NAME that are 64-bit on both arches."""
    ints = set()
    for arch in TARGETS:
        ints |= set(_native.int_args(_native.syscall_nr(name, arch), arch))
    return tuple(i for i in range(6) if i not in ints)


@functools.lru_cache(maxsize=None)
def pool():
    """Syscalls both arches have, at the numbers libseccomp also uses; rules are
    added to libseccomp by name (it translates native numbers to other arches)."""
    names = set(_native.syscalls("x86_64")) & set(_native.syscalls("aarch64"))
    return tuple(sorted(n for n in names if all(
        _native.syscall_nr(n, a) == lib_nr(a, n) for a in TARGETS)))


# ---- a policy as SECCOMP_* text ---------------------------------------------------------

def cond_text(c):
    arg, op, value, mask = c
    if op == "&":
        return "arg%d & %#x == %#x" % (arg, mask, value)
    return "arg%d %s %s" % (arg, op, value if value < 2**32 else hex(value))


def entry_text(name, action, conds, list_default):
    text = name
    if conds:
        text += "(%s)" % ", ".join(cond_text(c) for c in conds)
    if action != list_default:
        text += "=" + action
    return text


def render(policy):
    mode, default, rules = policy
    items = [entry_text(name, action, conds, "allow" if mode == "allow" else None)
             for name, (action, entries) in sorted(rules.items()) for conds in entries]
    environ = {"SECCOMP_SYSCALL_" + mode.upper(): ":".join(items)}
    if mode == "allow":
        environ["SECCOMP_DEFAULT_ACTION"] = default
    return environ


# ---- random policies ----------------------------------------------------------------------

EDGES = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, 2**32, 2**32 + 1,
         0x1FFFFFFFF, 2**63 - 1, 2**63, U64 - 1, U64]


def values():
    return st.one_of(st.sampled_from(EDGES), st.integers(0, 300), st.integers(0, 2**32 + 5),
                     st.integers(0, U64))


@st.composite
def conditions(draw, name):
    wide = wide_args(name)
    n = draw(st.integers(1, min(3, len(wide))))
    args = draw(st.lists(st.sampled_from(wide), min_size=n, max_size=n, unique=True))
    out = []
    for arg in args:
        op = draw(st.sampled_from(sorted(OPS)))
        value = draw(values())
        mask = 0
        if op == "&":
            mask = draw(st.one_of(
                st.sampled_from([0xFF, 0xFFFFFFFF, U64, 2**32, 0xF0F0F0F00F0F0F0F]),
                st.integers(1, U64)))
            value &= mask  # libseccomp would mask the value first (see below)
        assume((op, value) not in (("<", 0), (">", U64)))  # never holds: refused
        out.append((arg, op, value, mask))
    return tuple(out)


@st.composite
def policies(draw):
    mode = draw(st.sampled_from(["allow", "deny"]))
    default = draw(st.sampled_from(sorted(DEFAULTS))) if mode == "allow" else "allow"
    names = draw(st.lists(st.sampled_from(pool()), min_size=1, max_size=4, unique=True))
    rules = {}
    for name in names:
        action = draw(st.sampled_from(sorted(ACTIONS)))
        entries = draw(st.lists(conditions(name), min_size=1, max_size=3))
        rules[name] = (action, entries)
    return mode, default, rules


BOUNDED = settings(max_examples=150, deadline=None)
