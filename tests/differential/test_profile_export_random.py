"""The round trip on random policies: SECCOMP_* text with argument conditions - several
rules per syscall with different actions, several conditions on one argument, every
operator, 32-bit and 64-bit arguments, negative values - exported as a profile, read back
through SECCOMP_PROFILE and compiled, must decide as the policy compiled directly, for
every syscall number and argument vectors at and around every condition's edges.

Every example is compared, or refused by export with one of its documented lines
(`pytest --hypothesis-show-statistics` counts each).
"""
import functools
import json
import random

from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from pysandbox import PolicyError, _native, bpf, profile
from support.arches import TARGETS
from support.filters import U64, decisions
from support.policies import BOUNDED
from support.probes import samples

# kill(int, int), mmap (unsigned long...; its fd an unsigned long too), openat(int, ...,
# int, umode_t), read(unsigned int, ...), futex(..., int op, u32 val, ..., u32 val3),
# fchmodat(int, ..., umode_t), prctl(int option, unsigned long...): both widths, the same
# numbers of arguments on both arches
POOL = ("kill", "mmap", "openat", "read", "futex", "fchmodat", "prctl")
ACTIONS = ("allow", "kill", "kill_thread", "trap", "log", "errno", "EACCES", "errno(ENOSYS)")
DEFAULTS = ("allow", "kill", "trap", "log", "errno", "errno:EACCES")
REFUSALS = ("in a profile: its rules take more than", "argument conditions, SECCOMP_PROFILE "
            "reads at most", "read back, its rules do not fit in one seccomp filter")
HOST = _native.host(0, (6, 18))


def width(name, arg):
    """What the compiler compares of NAME's argument ARG (64, or its C type's width)."""
    return profile.reader_width(name, arg, "x86_64")


def edges(top):
    return [0, 1, 2, 5, top // 2, top // 2 + 1, top - 1, top] + (
        [2**32 - 1, 2**32, 2**32 + 1, 2**63] if top == U64 else [])


@functools.lru_cache(maxsize=None)
def values(top):
    """Mostly edges and small numbers; now and then any (a 64-bit range of those takes
    up to 126 entries)."""
    return st.one_of(st.sampled_from(edges(top)), st.integers(0, 300), st.sampled_from(edges(top)),
                     st.integers(0, 300), st.integers(0, top))


@functools.lru_cache(maxsize=None)
def masks(top):
    return st.one_of(st.sampled_from(edges(top) + [0xFF, 0xF0F0F0F0 & top]), st.integers(1, top))


OPS = st.sampled_from(("==", "!=", "<", "<=", ">", ">=", "&"))
NEGATIVE = st.sampled_from([-1, -2, -100, -2**31])


@st.composite
def condition(draw, name, arg):
    top = (1 << width(name, arg)) - 1
    op, value = draw(OPS), draw(values(top))
    if op == "&":
        mask = draw(masks(top))
        if draw(st.integers(0, 9)) == 0:
            return "arg%d & %#x == %d" % (arg, mask, -1 - (~value & mask))  # negative: 32 bits
        return "arg%d & %#x == %#x" % (arg, mask, value & mask)
    if op in ("==", "!=") and draw(st.integers(0, 7)) == 0:
        return "arg%d %s %d" % (arg, op, draw(NEGATIVE))
    return "arg%d %s %s" % (arg, op, hex(value) if draw(st.booleans()) else value)


NCONDS = st.sampled_from((0, 1, 1, 1, 2, 2, 2, 3, 3, 4))
ARGS = st.sampled_from((0, 0, 1, 1, 2, 2, 3, 4, 5))
ACTION = st.sampled_from(ACTIONS + (None,))
NAMES = st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True)


@st.composite
def rule(draw, name):
    """name(cond, ...)=action: 0 to 4 conditions, mostly on arguments 0 to 2 so that
    several fall on one argument."""
    conds = [draw(condition(name, draw(ARGS))) for _ in range(draw(NCONDS))]
    action = draw(ACTION)
    return name + ("(%s)" % ", ".join(conds) if conds else "") + ("=" + action if action else "")


@st.composite
def policies(draw):
    mode = draw(st.sampled_from(("allow", "deny")))
    items = [draw(rule(name)) for name in draw(NAMES) for _ in range(draw(st.integers(1, 4)))]
    environ = {"SECCOMP_SYSCALL_" + mode.upper(): ":".join(draw(st.permutations(items)))}
    if mode == "allow":
        environ["SECCOMP_DEFAULT_ACTION"] = draw(st.sampled_from(DEFAULTS))
    return environ


def test_pool_has_both_widths():
    assert {width(n, a) for n in POOL for a in range(6)} >= {32, 64}
    assert all(_native.int_args(_native.syscall_nr(n, "x86_64"), "x86_64") ==
               _native.int_args(_native.syscall_nr(n, "aarch64"), "aarch64") for n in POOL)


def probes_for(policy, arch, rnd, full_sweep):
    """samples() - every syscall number, those with conditions with arg_vectors() - or,
    but for FULL_SWEEP, the numbers with rules and 8 others drawn: a number without
    rules decides the default in both programs (bpf.c fills the gaps with it), which the
    drawn ones and the full sweep of every tenth policy check."""
    probes = samples(policy, arch, rnd, plain=((0,) * 6,), extra=6)
    if full_sweep:
        return probes
    named = {r.nr for r in policy.rules}
    others = rnd.sample(sorted(_native.syscalls(arch).values()), 8)
    return [(nr, args) for nr, args in probes if nr in named or nr in others or nr >= 1023]


@settings(BOUNDED, max_examples=1000)
@given(arch=st.sampled_from(TARGETS), environ=policies(), seed=st.integers(0, 2**32 - 1))
def test_export_decides_like_the_policy(arch, environ, seed, tmp_path_factory):
    try:
        policy = _native.load(environ, arch, HOST)
    except PolicyError:
        assume(False)  # the compiler refused it: nothing to export
    try:
        exported = profile.export(environ, arch, HOST)
    except PolicyError as e:
        refusal = next((r for r in REFUSALS if r in str(e)), str(e))
        assert refusal in REFUSALS
        event("export refused: ..." + refusal)
        return
    path = tmp_path_factory.getbasetemp() / ("random-%s.json" % arch)
    path.write_text(json.dumps(exported))
    back = bpf.decode(_native.compile_env({"SECCOMP_PROFILE": str(path)}, arch, HOST))
    probes = probes_for(policy, arch, random.Random(seed), seed % 10 == 0)
    want, got = decisions(bpf.decode(policy.compile()), arch, probes, back)
    event("compared" + (" over every syscall number" if seed % 10 == 0 else ""))
    wrong = [(hex(nr), tuple(map(hex, args)), hex(a), hex(b))
             for (nr, args), a, b in zip(probes, want, got) if a != b]
    assert wrong[:5] == [], json.dumps(exported)
