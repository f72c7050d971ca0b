"""Differential tests of argument conditions: our compiler against libseccomp.

Random policies with argument conditions are built twice - as SECCOMP_* text
for csrc/, and as libseccomp rules through pyseccomp - and both programs are
run through pysandbox.bpf.run for every syscall in the policy and a few
others, with arguments at and around every condition's value.

To compare like with like, each syscall gets ONE action (libseccomp's handling
of overlapping rules with different actions is its own), conditions are on the
syscall's 64-bit arguments only (ours compare a C int's low half, where the
kernel truncates it; libseccomp compares 64 bits - pinned below), values are
non-negative, and a masked value has no bits outside its mask. Every probe is
also checked against a model of the documented semantics, which settles the one
known libseccomp shortcoming met here: with several alternatives for a syscall
it may stop at the first one whose first comparison holds (see disagreements()).
The places where the semantics deliberately differ are pinned as documented
cases below. A second property checks policies that overlap with several
actions per syscall, and negative values, against the model alone.
"""
import collections
import errno
import os
import random
import signal
import tempfile

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pysandbox import PolicyError, _native, bpf
from support.actions import ALLOW, ERRNO, KILL_PROCESS, KILL_THREAD, LOG, PRECEDENCE, TRAP
from support.arches import AUDIT, TARGETS
from support.filters import U64, decide, flip
from support.libseccomp import NATIVE, lib_filter, ps
from support.policies import ACTIONS, BOUNDED, DEFAULTS, OPS, policies, pool, render

HOLDS = {
    "==": lambda a, v, m: a == v, "!=": lambda a, v, m: a != v,
    "<": lambda a, v, m: a < v, "<=": lambda a, v, m: a <= v,
    ">": lambda a, v, m: a > v, ">=": lambda a, v, m: a >= v,
    "&": lambda a, v, m: a & m == v,
}

pytestmark = pytest.mark.skipif(NATIVE is None, reason="libseccomp native arch not a target")

# what the oracle did with the generated policies, reported at the end of the module
STATS = collections.Counter()


@pytest.fixture(scope="module", autouse=True)
def report_stats(request):
    yield
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if STATS and capture:
        with capture.global_and_fixture_disabled():
            print("\ntest_differential_args: " + ", ".join(
                "%s=%d" % kv for kv in sorted(STATS.items())))


def int_args(name, arch):
    return _native.int_args(_native.syscall_nr(name, arch), arch)


# ---- the two compilers ------------------------------------------------------------------
# A policy: (mode, default word, {syscall: (action word, [entry, ...])}); an entry is a
# tuple of conditions (arg, op, value, mask); op "&" is the masked equality.

def ours(policy, arch):
    return bpf.decode(_native.compile_env(render(policy), arch))


def lib_arg(c):
    arg, op, value, mask = c
    return ps.Arg(arg, OPS[op], mask, value) if op == "&" else ps.Arg(arg, OPS[op], value)


def lib_default(policy):
    mode, default, _ = policy
    return DEFAULTS[default] if mode == "allow" else ps.ALLOW


def _build(policy, arch, out):
    """Build libseccomp's filter for POLICY and export it to the file OUT."""
    _, _, rules = policy
    default = lib_default(policy)
    f = lib_filter(default, arch)
    for name, (action, entries) in sorted(rules.items()):
        if ACTIONS[action] != default:  # libseccomp refuses those (EACCES); they change nothing
            for conds in entries:
                f.add_rule(ACTIONS[action], name, *map(lib_arg, conds))
    f.export_bpf(out)


LIB_SECONDS = 3  # libseccomp takes milliseconds when it finishes at all


def theirs(policy, arch):
    """libseccomp's program, or None if it refuses the policy or hangs.

    libseccomp 2.5.4 loops forever in seccomp_rule_add() on some alternatives
    that share a first comparison other than == or masked ==, e.g. for one
    syscall: (arg1 >= 1, arg3 < 1) then (arg1 >= 1, arg4 < 1). So it runs in a
    child process that SIGALRM ends."""
    STATS["rules equal to the default, not given to libseccomp"] += sum(
        len(entries) for action, entries in policy[2].values()
        if ACTIONS[action] == lib_default(policy))
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            status = 0
            try:
                signal.alarm(LIB_SECONDS)
                _build(policy, arch, out)
            except OSError as e:
                status = 100 + min(e.errno or 0, 99)
            except BaseException:
                status = 99
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
            STATS["policies libseccomp hung on (killed after %d s)" % LIB_SECONDS] += 1
            return None
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
        if code >= 100:
            STATS["policies libseccomp refused (%s)" % errno.errorcode.get(code - 100, code)] += 1
            return None
        assert code == 0, "building libseccomp's filter failed (status %#x)" % status
        out.seek(0)
        return bpf.decode(out.read())


# ---- arguments to ask both about --------------------------------------------------------

def samples(c):
    arg, op, value, mask = c
    out = {value - 1, value, value + 1, flip(value), 0, 0xFFFFFFFF, 2**32, U64,
           value ^ (1 << 32), value ^ 1}
    if op == "&":
        low = mask & -mask
        out |= {value ^ low, value | (~mask & U64), value ^ mask, mask}
    return sorted(a for a in out if 0 <= a <= U64)


def satisfying(c):
    arg, op, value, mask = c
    return {"==": value, "&": value, "<=": value, ">=": value, "!=": value ^ 1,
            "<": max(value - 1, 0), ">": min(value + 1, U64)}[op]


def arg_vectors(policy, rnd):
    """For each entry: its conditions all met, then each condition's arg swept over
    its samples with the others still met, and over v-1, v, v+1 with the other
    args random; plus random and zero vectors."""
    def noise():
        return [rnd.choice((0, rnd.getrandbits(64), rnd.getrandbits(32))) for _ in range(6)]

    out = [(0,) * 6]
    for _ in range(3):
        out.append(tuple(rnd.getrandbits(64) for _ in range(6)))
    for _, entries in policy[2].values():
        for conds in entries:
            base = noise()
            for c in conds:
                base[c[0]] = satisfying(c)
            out.append(tuple(base))
            for c in conds:
                for a in samples(c):
                    out.append(tuple(a if n == c[0] else base[n] for n in range(6)))
                other = noise()
                for a in (c[2] - 1, c[2], c[2] + 1):
                    if 0 <= a <= U64:
                        out.append(tuple(a if n == c[0] else other[n] for n in range(6)))
    return out


def probes(policy, arch, rnd):
    """(syscall name or None, nr, args): the policy's syscalls with every vector, a few
    other syscalls with a few, nr -1 and an unnamed number."""
    vectors = arg_vectors(policy, rnd)
    others = rnd.sample([n for n in pool() if n not in policy[2]], 3)
    out = [(n, _native.syscall_nr(n, arch), args) for n in sorted(policy[2]) for args in vectors]
    out += [(n, _native.syscall_nr(n, arch), args) for n in others for args in vectors[:3]]
    return out + [(None, 0xFFFFFFFF, (0,) * 6), (None, 0xFFFF, vectors[-1])]


def model(policy, name, args):
    """The documented semantics for one action per syscall: the entry action if any
    alternative has all its conditions met, else the default."""
    _, _, rules = policy
    if name in rules:
        action, entries = rules[name]
        if any(all(HOLDS[op](args[arg], v, m) for arg, op, v, m in conds) for conds in entries):
            return ACTIONS[action]
    return lib_default(policy)


def disagreements(policy, arch, rnd, b):
    """Where our program differs from the model, or from libseccomp's program B.

    libseccomp evaluates the alternatives for one syscall as a tree without
    backtracking: once a comparison of one alternative holds, the others are
    not tried (its issues #118, #449). So where a syscall has several
    alternatives, libseccomp differing from us is tolerated - and counted - when
    the model sides with us; with one alternative it must agree exactly."""
    a = ours(policy, arch)
    out = []
    for name, nr, args in probes(policy, arch, rnd):
        data = bpf.seccomp_data(nr, AUDIT[arch], args)
        x, y = bpf.run(a, data), bpf.run(b, data)
        want = model(policy, name, args) if name else x
        STATS["probes"] += 1
        if x == y == want:
            continue
        alternatives = len(policy[2][name][1]) if name in policy[2] else 0
        if x == want and alternatives > 1:
            STATS["probes where libseccomp missed a later alternative (model agrees with us)"] += 1
            continue
        out.append((name, hex(nr), tuple(hex(v) for v in args), "ours " + hex(x),
                    "libseccomp " + hex(y), "model " + hex(want)))
    return out[:5]


# ---- random policies (support/policies.py) ---------------------------------------------

@pytest.mark.parametrize("arch", TARGETS)
@BOUNDED
@given(policy=policies(), rnd=st.randoms(use_true_random=False))
def test_random_policy_decides_like_libseccomp(arch, policy, rnd):
    b = theirs(policy, arch)
    assume(b is not None)
    STATS["policies compared"] += 1
    assert disagreements(policy, arch, rnd, b) == []


# ---- fixed examples (each once, for a readable failure) -------------------------------------

def P(rules, mode="allow", default="kill", **kw):
    return pytest.param((mode, default, rules), **kw)


# mmap, munmap, mprotect and clone's first arguments are unsigned long: 64-bit
EXAMPLES = [
    P({"mmap": ("allow", [((0, "==", 3, 0),)])}, id="eq"),
    P({"mmap": ("allow", [((0, ">", 2**32 + 5, 0),)])}, id="gt-64"),
    P({"mmap": ("allow", [((0, "<", 2**32 + 5, 0),)])}, id="lt-64"),
    P({"mmap": ("allow", [((0, ">=", 0xFFFFFFFF, 0),)])}, id="ge-32-max"),
    P({"mmap": ("allow", [((0, "<=", 0x1FFFFFFFF, 0),)])}, id="le-halves-differ"),
    P({"mmap": ("allow", [((0, "!=", 2**32, 0),)])}, id="ne-2^32"),
    P({"mmap": ("allow", [((0, "&", 0x100000000, 0x1FFFFFFFF),)])}, id="masked-64"),
    P({"mmap": ("allow", [((0, "==", 3, 0), (1, "<", 10, 0)), ((2, ">", 2**40, 0),)])},
      id="and-or"),
    P({"munmap": ("errno(ENOSYS)", [((0, "!=", 1, 0),)]),
       "clone": ("trap", [((0, "&", 0, 0x10000000),)])}, mode="deny", id="deny-two"),
    P({"mprotect": ("log", [((2, "==", 1, 0),), ((2, "==", 2, 0),)])}, default="errno:EACCES",
      id="log-alternatives"),
    P({"read": ("kill", [((5, ">=", U64, 0),)])}, mode="deny", id="ge-max"),
    P({"read": ("allow", [((0, "&", 0, 0),)])}, id="mask-zero-always"),
    P({"read": ("trap", [((0, "==", 5, 0),)])}, default="trap", id="action-is-default"),
]


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("policy", EXAMPLES)
def test_example_decides_like_libseccomp(policy, arch):
    b = theirs(policy, arch)
    assert b is not None and disagreements(policy, arch, random.Random(0), b) == []


# ---- documented differences ---------------------------------------------------------------

@pytest.mark.parametrize("arch", TARGETS)
def test_negative_value_differs_from_libseccomp_on_zero_extension(arch):
    """README: `arg0 == -100` compares the low 32 bits (an int reaches seccomp sign- or
    zero-extended); libseccomp compares all 64 bits of 0xffffffffffffff9c. Both match
    the sign-extended form; only ours matches the zero-extended one."""
    policy = ("allow", "kill", {"openat": ("allow", [((0, "==", 0xFFFFFFFFFFFFFF9C, 0),)])})
    a = bpf.decode(_native.compile_env({"SECCOMP_SYSCALL_ALLOW": "openat(arg0 == -100)"}, arch))
    b = theirs(policy, arch)
    got = [(decide(a, arch, "openat", (v,)), decide(b, arch, "openat", (v,)))
           for v in (0xFFFFFFFFFFFFFF9C, 0xFFFFFF9C, 0x1FFFFFF9C, 100)]
    assert got == [(ALLOW, ALLOW), (ALLOW, KILL_PROCESS), (ALLOW, KILL_PROCESS),
                   (KILL_PROCESS, KILL_PROCESS)]


@pytest.mark.parametrize("arch", TARGETS)
def test_int_argument_differs_from_libseccomp_on_high_garbage(arch):
    """README: socket's domain is an int, which the kernel truncates, so
    socket(0x100000002, ...) creates an AF_INET socket. Our deny rule compares the
    low half and stops it; libseccomp compares 64 bits and lets it through. Both
    agree on the value a C library passes."""
    policy = ("deny", "allow", {"socket": ("EACCES", [((0, "==", 2, 0),)])})
    a, b = ours(policy, arch), theirs(policy, arch)
    got = [(decide(a, arch, "socket", (v,)), decide(b, arch, "socket", (v,)))
           for v in (2, 0x100000002, 0xFFFFFFFF00000002, 1)]
    assert got == [(ERRNO | errno.EACCES,) * 2, (ERRNO | errno.EACCES, ALLOW),
                   (ERRNO | errno.EACCES, ALLOW), (ALLOW, ALLOW)]


@pytest.mark.parametrize("arch", TARGETS)
def test_umode_argument_differs_from_libseccomp_on_high_bits(arch):
    """README: fchmodat's mode is a umode_t, which the kernel truncates to 16 bits, so
    fchmodat(fd, path, 0x101ff) is chmod 0777. Our deny rule compares the low 16 bits
    and stops it; libseccomp compares 64 bits and lets it through."""
    policy = ("deny", "allow", {"fchmodat": ("EACCES", [((2, "==", 0o777, 0),)])})
    a, b = ours(policy, arch), theirs(policy, arch)
    got = [(decide(a, arch, "fchmodat", (0, 0, v)), decide(b, arch, "fchmodat", (0, 0, v)))
           for v in (0o777, 0x10000 | 0o777, 0xFFFFFFFF000001FF, 0o755)]
    assert got == [(ERRNO | errno.EACCES,) * 2, (ERRNO | errno.EACCES, ALLOW),
                   (ERRNO | errno.EACCES, ALLOW), (ALLOW, ALLOW)]


@pytest.mark.parametrize("arch", TARGETS)
def test_masked_value_outside_mask_differs_from_libseccomp(arch):
    """`arg0 & 0xff == 0x1ff` can never hold: refused here; libseccomp masks the value
    first (0x1ff & 0xff) and so matches any argument whose low byte is 0xff."""
    policy = ("allow", "kill", {"read": ("allow", [((0, "&", 0x1FF, 0xFF),)])})
    with pytest.raises(PolicyError, match=r"condition on arg0 never holds \(value bits "
                                          r"outside the mask\) in 'read\(arg0 & 0xff == 0x1ff\)'"):
        _native.compile_env({"SECCOMP_SYSCALL_ALLOW": "read(arg0 & 0xff == 0x1ff)"}, arch)
    b = theirs(policy, arch)
    assert [decide(b, arch, "read", (v,)) for v in (0xFF, 0x1FF, 0)] == \
        [ALLOW, ALLOW, KILL_PROCESS]


@pytest.mark.parametrize("arch", TARGETS)
def test_condition_below_zero_refused_where_libseccomp_never_matches(arch):
    """`arg3 < 0` holds for no unsigned argument: libseccomp builds a rule that never
    applies; here the policy is refused."""
    policy = ("allow", "kill", {"read": ("allow", [((3, "<", 0, 0),)])})
    with pytest.raises(PolicyError, match=r"condition on arg3 never holds \(nothing is "
                                          r"below 0\)"):
        ours(policy, arch)
    b = theirs(policy, arch)
    assert {decide(b, arch, "read", (0, 0, 0, v)) for v in (0, 1, U64)} == {KILL_PROCESS}


@pytest.mark.parametrize("arch", TARGETS)
def test_libseccomp_hang_is_survived(arch):
    """The reason theirs() runs libseccomp in a child with a time limit."""
    policy = ("allow", "kill", {"read": ("allow", [((1, ">=", 1, 0), (3, "<", 1, 0)),
                                                   ((1, ">=", 1, 0), (4, "<", 1, 0))])})
    assert theirs(policy, arch) is None and ours(policy, arch)


@pytest.mark.parametrize("arch", TARGETS)
def test_libseccomp_misses_a_later_alternative(arch):
    """Why disagreements() tolerates libseccomp on syscalls with several alternatives:
    DENY accept(arg0 != 0)=EACCES : accept(arg0 != 1, arg1 != 0)=EACCES, called with
    (0xffffffff, 0): the first alternative holds, so EACCES; libseccomp tries the
    second first (arg0 != 1 holds, arg1 != 0 fails) and never comes back: allow."""
    policy = ("deny", "allow", {"accept": ("EACCES", [((0, "!=", 0, 0),),
                                                      ((0, "!=", 1, 0), (1, "!=", 0, 0))])})
    a, b = ours(policy, arch), theirs(policy, arch)
    args = (0xFFFFFFFF, 0)
    got = (decide(a, arch, "accept", args), decide(b, arch, "accept", args),
           model(policy, "accept", args + (0,) * 4))
    assert got == (ERRNO | errno.EACCES, ALLOW, ERRNO | errno.EACCES)


# ---- several actions per syscall, negative values: against the documented model -----------

def precedence(action):
    return PRECEDENCE.index(action & 0xFFFF0000)


MODEL_ACTIONS = {"allow": ALLOW, "kill": KILL_PROCESS, "kill_thread": KILL_THREAD, "trap": TRAP,
                 "log": LOG, "EACCES": ERRNO | errno.EACCES}


def model_holds(c, a, ints=()):
    arg, op, value, mask = c
    if value < 0 or mask < 0 or arg in ints:  # a 32-bit int: the low halves only
        return HOLDS[op](a & 0xFFFFFFFF, value & 0xFFFFFFFF, mask & 0xFFFFFFFF)
    return HOLDS[op](a, value, mask)


def model_never_holds(c, ints=()):
    """README: a condition no argument can meet (a masked value with bits outside the
    mask, `< 0`, `>` the largest value) is refused."""
    arg, op, value, mask = c
    top = 0xFFFFFFFF if value < 0 or mask < 0 or arg in ints else U64
    value, mask = value & top, mask & top
    return bool(op == "&" and value & ~mask) or (op, value) in (("<", 0), (">", top))


def multi_model(rules, default, name, args, ints=()):
    """The strictest action among the entries that match, else the default. INTS:
    the syscall's 32-bit arguments."""
    hits = [MODEL_ACTIONS[action] for n, action, conds in rules if n == name
            and all(model_holds(c, args[c[0]], ints) for c in conds)]
    return min(hits, key=precedence) if hits else default


def model_cond_text(c):
    arg, op, value, mask = c
    if op == "&":
        return "arg%d & %s == %s" % (arg, mask, value)
    return "arg%d %s %s" % (arg, op, value)


# read(unsigned int fd, ...), write(unsigned int fd, ...), openat(int dfd, ..., int flags,
# umode_t mode): 32-bit arguments, the same on both arches
INT_ARGS = {"read": (0,), "write": (0,), "openat": (0, 2, 3)}


@st.composite
def overlapping(draw):
    """Entries (name, action, conds) over 1-2 syscalls, 0-2 conditions each, several
    actions per syscall (distinct precedence, so "strictest" is never a tie)."""
    names = draw(st.lists(st.sampled_from(["read", "write", "openat"]), min_size=1, max_size=2,
                          unique=True))
    rules = []
    for name in names:
        actions = draw(st.lists(st.sampled_from(sorted(MODEL_ACTIONS)), min_size=1, max_size=4,
                                unique=True))
        for action in actions:
            for _ in range(draw(st.integers(1, 2))):
                n = draw(st.integers(0, 2))
                conds = []
                for arg in draw(st.lists(st.integers(0, 2), min_size=n, max_size=n, unique=True)):
                    op = draw(st.sampled_from(sorted(HOLDS)))
                    narrow = arg in INT_ARGS[name]  # values must fit 32 bits
                    if op in ("==", "!=", "&") and draw(st.booleans()):
                        value = draw(st.sampled_from([-1, -2, -100, -2**31, 5]))
                    else:
                        value = draw(st.sampled_from([0, 1, 5, 0xFFFFFFFF] + (
                            [] if narrow else [2**32, 2**32 + 5, U64])))
                    mask = draw(st.sampled_from([0xFF, 0xFFFFFFFF, 2**32 | 0xFF, -1, -256])) \
                        if op == "&" else 0
                    conds.append((arg, op, value, mask))
                rules.append((name, action, tuple(conds)))
    default = draw(st.sampled_from(sorted(MODEL_ACTIONS)))
    return rules, default


@pytest.mark.parametrize("arch", TARGETS)
@BOUNDED
@given(case=overlapping(), rnd=st.randoms(use_true_random=False))
def test_overlapping_policy_decides_like_model(arch, case, rnd):
    rules, default = case
    assert all(int_args(n, arch) == INT_ARGS[n] for n in INT_ARGS)
    items = ["%s%s=%s" % (name, "(%s)" % ", ".join(map(model_cond_text, conds)) if conds else "",
                          action) for name, action, conds in rules]
    environ = {"SECCOMP_SYSCALL_ALLOW": ":".join(items), "SECCOMP_DEFAULT_ACTION":
               "errno:EACCES" if default == "EACCES" else default}
    if any(model_never_holds(c, INT_ARGS[name]) for name, _, conds in rules for c in conds):
        STATS["never-holds refused"] += 1
        with pytest.raises(PolicyError, match="never holds"):
            _native.compile_env(environ, arch)
        return
    program = bpf.decode(_native.compile_env(environ, arch))
    edges = [0, 1, 4, 5, 6, 0xFF, 0x1FF, 0xFFFFFF9C, 0xFFFFFFFF, 2**32, 2**32 + 5, 0x1FFFFFF9C,
             0xFFFFFFFFFFFFFF9C, 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFF80000000, U64]
    wrong = []
    for name in ("read", "write", "openat"):
        for _ in range(40):
            args = tuple(rnd.choice(edges) for _ in range(6))
            got = decide(program, arch, name, args)
            want = multi_model(rules, MODEL_ACTIONS[default], name, args, INT_ARGS[name])
            if got != want:
                wrong.append((name, tuple(map(hex, args)), hex(got), hex(want)))
    assert wrong[:5] == []
