"""Conformance: real Docker/OCI profiles compiled by csrc/ decide as libseccomp does.

For each profile in ../shared/profiles the oracle (tests/support/oci.py)
builds libseccomp's filter (through pyseccomp) the way a container gets it:
moby's includes/excludes (capabilities, arch, minKernel), then runc's rules
(errnoRet defaulting to EPERM, rules whose action is the default skipped,
names libseccomp does not know skipped, an argument index given twice
splitting the entry into one rule per condition). Both programs then decide every syscall
number of the arch
and, for syscalls with argument conditions, argument vectors at and around
every condition - for a process without capabilities and for root, and for an
old kernel that minKernel rules leave out.

Two documented differences are kept out of the samples and pinned below:
a 32-bit argument compared on its low half only, a 16-bit one (umode_t) on
its low 16 bits (README, "64-bit, 32-bit and 16-bit arguments"), and syscalls
newer than libseccomp 2.5.4's tables, which it cannot resolve and so skips,
while ours has them. The reserved, never-implemented slots of the kernel's
tables (uselib, nfsservctl, ...) are names to both, and decided alike.
"""
import errno
import functools
import json
import os
import random

import pytest

from pysandbox import PolicyError, _native, bpf
from support.actions import EPERM as EPERM_ACTION
from support.arches import AUDIT, TARGETS
from support.filters import U64, decide
from support.libseccomp import NATIVE, libseccomp_knows
from support.oci import PROFILES, theirs

ALL = frozenset(_native.cap_names())
HOSTS = {  # name: (capability names, kernel)
    "nocaps": (frozenset(), (6, 18)),
    "root": (ALL, (6, 18)),
    "nocaps-kernel-4.0": (frozenset(), (4, 0)),
}

pytestmark = pytest.mark.skipif(NATIVE is None, reason="libseccomp native arch not a target")


def profile_files():
    return sorted(f for f in os.listdir(PROFILES) if f.endswith(".json"))


@functools.lru_cache(maxsize=None)
def load(name):
    with open(os.path.join(PROFILES, name)) as f:
        return json.load(f)


# ---- ours; theirs() is the oracle of tests/support/oci.py ------------------------------------

def caps_mask(caps):
    return sum(1 << _native.cap_lookup(c) for c in caps)


def ours(name, arch, caps, kernel):
    host = _native.host(caps=caps_mask(caps), kernel=kernel)
    environ = {"SECCOMP_PROFILE": os.path.join(PROFILES, name)}
    return bpf.decode(_native.compile_env(environ, arch, host))


# ---- what to ask both ----------------------------------------------------------------------

def conditions(profile):
    """{syscall name: [[arg, ...] per entry]} for entries with args."""
    out = {}
    for call in profile.get("syscalls") or []:
        if call.get("args"):
            names = [call["name"]] if call.get("name") else call["names"]
            for name in names:
                out.setdefault(name, []).append(call["args"])
    return out


def arg_samples(a, width):
    v, two = a["value"], a.get("valueTwo", 0)
    out = {v - 1, v, v + 1, 0, 1, 0xFFFFFFFF, 2**32, U64, v ^ 1, v | 1}
    if a["op"] == "SCMP_CMP_MASKED_EQ":
        out |= {two & v, (two & v) | ~v & U64, (two & v) ^ (v & -v), v}
    limit = 2**width - 1  # README: a 32-bit (16-bit) argument's low 32 (16) bits only
    return sorted(x for x in out if 0 <= x <= limit)


def vectors(name, entries, arch, rnd):
    """Argument vectors: each entry's conditions met, then each swept over its samples
    with the others met; plus zeros and random values."""
    nr = _native.syscall_nr(name, arch)
    widths = [_native.arg_width(nr, i, arch) for i in range(6)]
    out = [(0,) * 6]
    for args in entries:
        base = [0] * 6
        for a in args:
            base[a["index"]] = a.get("valueTwo", 0) & a["value"] \
                if a["op"] == "SCMP_CMP_MASKED_EQ" else a["value"]
        out.append(tuple(base))
        for a in args:
            for x in arg_samples(a, widths[a["index"]]):
                out.append(tuple(x if i == a["index"] else base[i] for i in range(6)))
    for _ in range(20):
        out.append(tuple(rnd.getrandbits(widths[i]) for i in range(6)))
    return out


def disagreements(name, arch, host):
    caps, kernel = HOSTS[host]
    profile = load(name)
    a, b = ours(name, arch, caps, kernel), theirs(profile, arch, caps, kernel)
    conds = conditions(profile)
    rnd = random.Random(name + arch + host)
    wrong, compared = [], 0
    for sysname, nr in sorted(_native.syscalls(arch).items()):
        if not libseccomp_knows(arch, sysname):
            continue  # pinned in test_newer_syscalls_than_libseccomp
        for args in vectors(sysname, conds.get(sysname, []), arch, rnd) \
                if sysname in conds else [(0,) * 6, (1, 2, 3, 4, 5, 6)]:
            data = bpf.seccomp_data(nr, AUDIT[arch], args)
            x, y = bpf.run(a, data), bpf.run(b, data)
            compared += 1
            if x != y:
                wrong.append((sysname, tuple(map(hex, args)), hex(x), hex(y)))
    for nr in (1023, 0xFFFF, 0xFFFFFFFF, 0x40000000 if arch == "x86_64" else 0x7FFFFFFF):
        data = bpf.seccomp_data(nr, AUDIT[arch])
        if bpf.run(a, data) != bpf.run(b, data):
            wrong.append((nr, hex(bpf.run(a, data)), hex(bpf.run(b, data))))
    return wrong, compared


CONFORMING = [f for f in ["docker-default.json", "podman-default.json",
                          "moby-fixture-conditional-include.json"]]


def test_every_shared_profile_is_covered():
    assert set(profile_files()) == set(CONFORMING) | {"moby-fixture-example.json"}


@pytest.mark.parametrize("host", sorted(HOSTS))
@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("name", CONFORMING)
def test_profile_decides_like_libseccomp(name, arch, host):
    wrong, compared = disagreements(name, arch, host)
    assert compared > 300 and wrong[:5] == []


@pytest.mark.parametrize("arch", TARGETS)
def test_refused_like_libseccomp(arch):
    """moby's example fixture gives syslog errnoRet 12345: libseccomp refuses it
    (EINVAL, so runc cannot start the container), and so do we - with a message."""
    name = "moby-fixture-example.json"
    with pytest.raises(OSError) as lib:
        theirs(load(name), arch, frozenset(), (6, 18))
    assert lib.value.errno == errno.EINVAL
    with pytest.raises(PolicyError) as exc:
        ours(name, arch, frozenset(), (6, 18))
    assert str(exc.value) == (
        "SECCOMP_PROFILE: %s/%s: syscalls[3].errnoRet: out of range (at most 4095): '12345'"
        % (PROFILES, name))


# ---- the hosts matter ------------------------------------------------------------------------

@pytest.mark.parametrize("arch", TARGETS)
def test_docker_default_depends_on_caps_and_kernel(arch):
    """So that the conformance runs above are not vacuous: the hosts decide differently."""
    def run(host, name, args=(0,) * 6):
        caps, kernel = HOSTS[host]
        return decide(ours("docker-default.json", arch, caps, kernel), arch, name, args)

    allow = 0x7FFF0000
    assert [run(h, "unshare") for h in ("nocaps", "root")] == [EPERM_ACTION, allow]
    assert [run(h, "ptrace") for h in ("nocaps", "nocaps-kernel-4.0")] == [allow, EPERM_ACTION]
    assert [run(h, "clone3") for h in ("nocaps", "root")] == [0x00050000 | errno.ENOSYS, allow]
    clone_newuser = 0x10000000
    assert [run(h, "clone", (clone_newuser,)) for h in ("nocaps", "root")] == \
        [EPERM_ACTION, allow]


# ---- documented differences ------------------------------------------------------------------

@pytest.mark.parametrize("arch", TARGETS)
def test_int_argument_low_half_differs_from_libseccomp(arch):
    """Docker allows personality(PER_LINUX32 = 8). personality's argument is an
    unsigned int: the kernel reads 8 from 0x100000008 too. libseccomp compares 64 bits
    and refuses it; ours compares what the kernel reads."""
    a = ours("docker-default.json", arch, frozenset(), (6, 18))
    b = theirs(load("docker-default.json"), arch, frozenset(), (6, 18))
    got = [(decide(a, arch, "personality", (v,)), decide(b, arch, "personality", (v,)))
           for v in (8, 0x100000008, 9)]
    assert got == [(0x7FFF0000,) * 2, (0x7FFF0000, EPERM_ACTION), (EPERM_ACTION,) * 2]


@pytest.mark.parametrize("arch", TARGETS)
def test_newer_syscalls_than_libseccomp(arch):
    """Names in Docker's profile that libseccomp 2.5.4 cannot resolve: runc skips
    them (the default action), our tables (Linux 7.2) have them (allowed)."""
    profile = load("docker-default.json")
    a = ours("docker-default.json", arch, frozenset(), (6, 18))
    b = theirs(profile, arch, frozenset(), (6, 18))
    allowed = [n for c in profile["syscalls"] if c["action"] == "SCMP_ACT_ALLOW"
               and not c.get("args") and not c.get("includes") and not c.get("excludes")
               for n in c["names"]]
    newer = sorted(n for n in allowed if _native.syscall_nr(n, arch) is not None
                   and not libseccomp_knows(arch, n))
    assert newer, "libseccomp knows every name: drop this test and the README note"
    assert {n: (hex(decide(a, arch, n)), hex(decide(b, arch, n))) for n in newer} == \
        {n: ("0x7fff0000", hex(EPERM_ACTION)) for n in newer}


@pytest.mark.parametrize("host", ["nocaps", "root"])
def test_reserved_slots_decide_like_libseccomp(host):
    """Podman's profile denies uselib and nfsservctl with EPERM, and query_module
    without CAP_SYS_MODULE: names of never-implemented slots of x86_64's table,
    which libseccomp resolves (its rule, EPERM) and so do we - not the profile's
    ENOSYS default."""
    arch = "x86_64"
    caps, kernel = HOSTS[host]
    a = ours("podman-default.json", arch, caps, kernel)
    b = theirs(load("podman-default.json"), arch, caps, kernel)
    numbers = {"uselib": 134, "nfsservctl": 180, "query_module": 178, "afs_syscall": 183}
    got = {n: tuple(bpf.run(p, bpf.seccomp_data(nr, AUDIT[arch])) for p in (a, b))
           for n, nr in numbers.items()}
    query = 0x7FFF0000 if host == "root" else EPERM_ACTION
    enosys = 0x00050000 | errno.ENOSYS
    assert got == {"uselib": (EPERM_ACTION,) * 2, "nfsservctl": (EPERM_ACTION,) * 2,
                   "query_module": (query,) * 2, "afs_syscall": (enosys,) * 2}


def fchmodat_profile(tmp_path, value):
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 2, "value": value, "op": "SCMP_CMP_EQ"}]}]}
    path = tmp_path / "fchmodat.json"
    path.write_text(json.dumps(profile))
    return profile, str(path)


@pytest.mark.parametrize("arch", TARGETS)
def test_umode_argument_low_16_bits_differs_from_libseccomp(arch, tmp_path):
    """fchmodat's mode is a umode_t: the kernel reads 0777 from 0x101ff. A profile's
    rule on it compares the low 16 bits here (as the policy language does); libseccomp
    compares 64 bits and lets 0x101ff through."""
    profile, path = fchmodat_profile(tmp_path, 0o777)
    host = _native.host(caps=0, kernel=(6, 18))
    a = bpf.decode(_native.compile_env({"SECCOMP_PROFILE": path}, arch, host))
    b = theirs(profile, arch, frozenset(), (6, 18))
    got = [(decide(a, arch, "fchmodat", (0, 0, v)), decide(b, arch, "fchmodat", (0, 0, v)))
           for v in (0o777, 0x10000 | 0o777, 0o755)]
    assert got == [(EPERM_ACTION,) * 2, (EPERM_ACTION, 0x7FFF0000), (0x7FFF0000,) * 2]


def test_umode_value_wider_than_16_bits_is_refused(tmp_path):
    """As a 32-bit argument's: it could never match what the kernel reads."""
    _, path = fchmodat_profile(tmp_path, 0x10000 | 0o777)
    with pytest.raises(PolicyError) as exc:
        _native.compile_env({"SECCOMP_PROFILE": path}, "x86_64", _native.host(caps=0))
    assert str(exc.value) == ("SECCOMP_PROFILE: %s: syscalls[0].args[0]: value too wide for "
                              "16-bit arg2 of 'fchmodat'" % path)
