"""Differential tests: our compiler against libseccomp (through pyseccomp).

The same policy is built twice - by csrc/ from SECCOMP_* text, and by
libseccomp from rules whose numbers libseccomp resolves itself - and both
programs are run through pysandbox.bpf.run for every syscall number 0..1023,
the x32 range and foreign arches. They must decide alike.

Both let nr == -1 on x86_64 (a tracer's "skip this syscall") through to the
default action while killing every other number at or above the x32 bit.
"""
import errno
import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pysandbox import _native, bpf
from support.actions import PRECEDENCE
from support.arches import AUDIT, TARGETS, X32_BIT
from support.libseccomp import NATIVE, lib_filter, lib_name, lib_nr, lib_program, ps

ACTIONS = {"kill": ps.KILL_PROCESS, "kill_process": ps.KILL_PROCESS,
           "kill_thread": ps.KILL_THREAD, "trap": ps.TRAP, "log": ps.LOG, "allow": ps.ALLOW,
           "errno": ps.ERRNO(errno.EPERM)}

pytestmark = pytest.mark.skipif(NATIVE not in TARGETS, reason="libseccomp native arch not known")


def lib_action(word):
    if word in ACTIONS:
        return ACTIONS[word]
    value = word.split(":", 1)[1]
    return ps.ERRNO(int(value) if value.isdigit() else getattr(errno, value))


def strictest(a, b):
    return min(a, b, key=lambda x: PRECEDENCE.index(x & 0xFFFF0000))


# ---- one policy, two compilers --------------------------------------------------------
# A policy is (allow items or None, deny items or None, SECCOMP_DEFAULT_ACTION or None);
# items are names, numbers as text ("60", "0x3c") or "" (an empty item).

def render(policy):
    allow, deny, action = policy
    pairs = [("SECCOMP_SYSCALL_ALLOW", allow), ("SECCOMP_SYSCALL_DENY", deny)]
    environ = {k: ":".join(v) for k, v in pairs if v is not None}
    if action is not None:
        environ["SECCOMP_DEFAULT_ACTION"] = action
    return environ


def ours(policy, arch):
    return bpf.decode(_native.compile_env(render(policy), arch))


def lib_item(item, arch):
    if not item:
        return None
    if item[0].isdigit():
        return int(item, 16 if item.startswith("0x") else 10)
    return lib_nr(arch, item)


def theirs(policy, arch, optimize=2):
    allow, deny, action = policy
    deny_action = lib_action(action or "kill")
    default = deny_action if allow is not None else ps.ALLOW
    want = {}
    for items, act in ((allow, ps.ALLOW), (deny, deny_action)):
        for nr in filter(lambda n: n is not None, (lib_item(i, arch) for i in items or ())):
            want[nr] = strictest(want.get(nr, act), act)
    f = lib_filter(default, arch)
    f.set_attr(ps.Attr.CTL_OPTIMIZE, optimize)
    for nr, act in sorted(want.items()):
        if act != default:  # libseccomp refuses rules that repeat the default (EACCES)
            # numbers are only taken as-is on the native arch; elsewhere pass the name
            f.add_rule(act, nr if arch == NATIVE else lib_name(arch, nr))
    return lib_program(f)


@functools.lru_cache(maxsize=None)
def x32_numbers():
    return tuple(sorted(_native.syscalls("x32").values()))


def probes(policy, arch):
    """(seccomp_data.arch, nr) pairs both programs are asked about."""
    nrs = set(range(1024)) | {0x3FFFFFFF}
    for items in policy[:2]:
        nrs |= {n for n in (lib_item(i, arch) for i in items or ()) if n is not None}
    if arch == "x86_64":  # the x32 ABI shares AUDIT_ARCH_X86_64: both must kill it
        nrs |= {X32_BIT, X32_BIT + 1, 0x7FFFFFFF, 0xFFFFFFFE} | set(x32_numbers())
    nrs |= {X32_BIT, X32_BIT + 1, 0xFFFFFFFF}
    out = [(AUDIT[arch], nr) for nr in sorted(nrs)]
    foreign = [a for name, a in AUDIT.items() if name != arch] + [0]
    return out + [(audit, nr) for audit in foreign for nr in (0, 1, 59, 63, 221)]


def disagreements(policy, arch, optimize=2):
    a, b = ours(policy, arch), theirs(policy, arch, optimize)
    out = []
    for audit, nr in probes(policy, arch):
        data = bpf.seccomp_data(nr, audit)
        x, y = bpf.run(a, data), bpf.run(b, data)
        if x != y:
            out.append((hex(audit), hex(nr), "ours " + hex(x), "libseccomp " + hex(y)))
    return out


# ---- fixed examples --------------------------------------------------------------------

P = pytest.param
EXAMPLES = [
    P((["read", "write", "exit_group"], None, None), id="allow"),
    P((None, ["execve", "ptrace", "openat"], None), id="deny"),
    P((["read", "write", "close", "openat"], ["close", "ptrace"], None), id="both"),
    P((["read", "write"], None, "log"), id="allow-log"),
    P((["read", "write"], None, "kill_thread"), id="allow-kill_thread"),
    P((["read", "write"], None, "trap"), id="allow-trap"),
    P((["read", "write"], None, "errno"), id="allow-errno"),
    P((["read", "write"], None, "errno:ENOSYS"), id="allow-errno-name"),
    P((["read", "write"], None, "errno:4094"), id="allow-errno-4094"),  # libseccomp: < 4095
    P((None, ["execve"], "errno:EACCES"), id="deny-errno"),
    P((None, ["execve", "execveat"], "log"), id="deny-log"),
    P((["read"], ["read"], "allow"), id="both-allow"),
    P((["", "read", "", "write", ""], [""], None), id="empty-items"),
    P(([], None, None), id="empty-allowlist"),
    P((None, [], None), id="empty-denylist"),
    P((["open", "_llseek", "socketcall", "read"], None, None), id="foreign-names"),
    P((["63", "0x40", "0", "221", "0xdd", "56"], ["0x38"], None), id="numbers"),
    P((["read", "63", "0x3f", "read"], ["write", "64"], "trap"), id="duplicates"),
]


@pytest.mark.parametrize("optimize", [1, 2], ids=["chain", "tree"])
@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("policy", EXAMPLES)
def test_example_decides_like_libseccomp(policy, arch, optimize):
    assert disagreements(policy, arch, optimize) == []


@pytest.mark.parametrize("optimize", [1, 2], ids=["chain", "tree"])
@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("mode", ["allow", "deny", "both"])
def test_every_shared_name_decides_like_libseccomp(mode, arch, optimize):
    names = list(shared_names(arch))
    policy = {"allow": (names, None, "errno:EPERM"), "deny": (None, names, "log"),
              "both": (names, names[::3], "trap")}[mode]
    assert disagreements(policy, arch, optimize) == []


@pytest.mark.parametrize("items", [["1023", "0x3ff", "500", "65535", "0xffff"], ["0", "1100"]])
def test_unnamed_numbers_decide_like_libseccomp(items):
    """Numbers no table names; libseccomp takes them as-is on its native arch only."""
    assert disagreements((items, items[1:], "trap"), NATIVE) == []


def test_alternating_numbers_decide_like_libseccomp():
    allow = [str(n) for n in range(0, 1024, 2)]
    deny = [hex(n) for n in range(1, 1024, 2)]
    assert disagreements((allow, deny, "errno:13"), NATIVE) == []


def test_minus_one_on_x86_64():
    """nr -1 gets the default action in both, unlike the x32 numbers around it."""
    policy, data = (None, ["execve"], None), bpf.seccomp_data(0xFFFFFFFF, AUDIT["x86_64"])
    got = (bpf.run(ours(policy, "x86_64"), data), bpf.run(theirs(policy, "x86_64"), data))
    assert got == (ps.ALLOW, ps.ALLOW)


# ---- random policies ------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def comparable_names(arch):
    """Names of any arch on which both tables agree for ARCH (incl. "not here")."""
    names = set().union(*(_native.syscalls(a) for a in _native.ARCHES))
    return tuple(sorted(n for n in names if _native.syscall_nr(n, arch) == lib_nr(arch, n)))


@functools.lru_cache(maxsize=None)
def shared_names(arch):
    """Syscalls of ARCH that both tables know, at the same number."""
    return tuple(n for n in comparable_names(arch) if _native.syscall_nr(n, arch) is not None)


def numbers(arch):
    if arch == NATIVE:  # libseccomp takes any number for its native arch
        n = st.one_of(st.integers(0, 1100), st.integers(0, 0xFFFF))
    else:  # elsewhere only numbers it can name
        n = st.sampled_from(sorted(lib_nr(arch, name) for name in shared_names(arch)))
    return st.builds(lambda v, h: hex(v) if h else str(v), n, st.booleans())


def policies(arch):
    item = st.one_of(st.sampled_from(comparable_names(arch)), numbers(arch), st.just(""))
    items = st.lists(item, max_size=40)
    action = st.one_of(
        st.none(),
        st.sampled_from(sorted(ACTIONS)),
        st.integers(1, 4094).map("errno:{}".format),  # libseccomp refuses 4095 (EINVAL)
        st.sampled_from(["EPERM", "EACCES", "ENOSYS", "EINVAL", "ENOENT"]).map("errno:{}".format))
    return st.one_of(st.tuples(items, st.none(), action), st.tuples(st.none(), items, action),
                     st.tuples(items, items, action))


BOUNDED = settings(max_examples=200, deadline=None)


@BOUNDED
@given(policies("x86_64"))
def test_random_x86_64_policy_decides_like_libseccomp(policy):
    assert disagreements(policy, "x86_64") == []


@BOUNDED
@given(policies("aarch64"))
def test_random_aarch64_policy_decides_like_libseccomp(policy):
    assert disagreements(policy, "aarch64") == []


# ---- syscall tables ---------------------------------------------------------------------

ARCHES = ("x86_64", "aarch64", "i386", "x32")


def compared(arch):
    """{name: (ours, libseccomp)} for every name of ours that libseccomp resolves on ARCH.
    Skipped: names newer than libseccomp, and i386 socket calls it maps to socketcall."""
    table = _native.syscalls(arch)
    return {n: (nr, lib_nr(arch, n)) for n, nr in table.items() if lib_nr(arch, n) is not None}


@pytest.mark.parametrize("arch", ARCHES)
def test_names_resolve_like_libseccomp(arch):
    assert {n: v for n, v in compared(arch).items() if v[0] != v[1]} == {}


@pytest.mark.parametrize("arch", ARCHES)
def test_most_names_were_compared(arch):
    assert len(compared(arch)) >= 0.85 * len(_native.syscalls(arch))


@pytest.mark.parametrize("arch", ARCHES)
def test_numbers_name_like_libseccomp(arch):
    """Every syscall libseccomp names on ARCH is ours, with the same number: the
    reserved, never-implemented slots of the kernel's table too (uselib, _sysctl,
    afs_syscall, ... - libseccomp, systemd and older policies name them)."""
    base = X32_BIT if arch == "x32" else 0
    named = {nr: lib_name(arch, nr) for nr in range(base, base + 1024)}
    mine = _native.syscalls(arch)
    assert {nr: n for nr, n in named.items() if n and mine.get(n) != nr} == {}
    assert {"x86_64": {"uselib", "_sysctl", "create_module", "get_kernel_syms",
                       "query_module", "nfsservctl", "getpmsg", "putpmsg", "afs_syscall",
                       "tuxcall", "security", "vserver"},
            "i386": {"break", "stty", "gtty", "ftime", "prof", "lock", "mpx", "ulimit",
                     "profil", "idle", "bdflush", "afs_syscall", "vserver"},
            "aarch64": {"nfsservctl"},
            "x32": {"getpmsg", "afs_syscall", "tuxcall", "security"}}[arch] <= set(mine)
