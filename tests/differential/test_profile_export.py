"""`pysandbox profile export` and `show`: a SECCOMP_* policy written as an OCI
profile decides as the policy itself once read back (the round trip), and as
libseccomp built from it the way runc builds it; what cannot be written so is
refused with a message.
"""
import json
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pysandbox import PolicyError, _native, bpf, profile
from support.actions import ALLOW, EPERM
from support.arches import AUDIT, TARGETS
from support.filters import decisions
from support.libseccomp import NATIVE, libseccomp_knows
from support.oci import DOCKER, theirs
from support.policies import policies, render
from support.probes import samples
from support.proc import PYSANDBOX, clean_env

POLICIES = [
    {"SECCOMP_SYSCALL_DENY": "ptrace=EPERM:mount"},
    {"SECCOMP_SYSCALL_DENY": "socket(arg0 != AF_UNIX)=EACCES"},
    {"SECCOMP_SYSCALL_DENY": "clone(arg0 & CLONE_NEWUSER == CLONE_NEWUSER)=EPERM:"
                             "unshare(arg0 & CLONE_NEWUSER == CLONE_NEWUSER)=EPERM:clone3=ENOSYS"},
    {"SECCOMP_SYSCALL_DENY": "personality(arg0 != PERSONALITY_QUERY)=EPERM"},
    {"SECCOMP_SYSCALL_ALLOW": "@system-service", "SECCOMP_SYSCALL_DENY": "@dangerous=EPERM"},
    {"SECCOMP_SYSCALL_DENY": "@dangerous", "SECCOMP_DEFAULT_ACTION": "errno"},
    {"SECCOMP_SYSCALL_ALLOW": "read:write:exit_group:openat(arg0 == AT_FDCWD):"
                              "mmap(arg4 == -1, arg1 <= 0x100000000):socket(arg0 == AF_UNIX)",
     "SECCOMP_DEFAULT_ACTION": "trap"},
    {"SECCOMP_SYSCALL_ALLOW": "read:read=kill_thread:write(arg0 > 2)=log:write(arg0 == 1)=EIO"},
    {"SECCOMP_PROFILE": DOCKER,
     "SECCOMP_SYSCALL_DENY": "ptrace=EPERM:bpf:socket(arg0 == 16)=EACCES"},
]

# Policies no single entry per rule can write; exported as several, disjoint ones.
KILL_1_TO_3 = {"SECCOMP_SYSCALL_ALLOW": "read:kill(arg1 >= 1, arg1 <= 3)",
               "SECCOMP_DEFAULT_ACTION": "errno"}
REWRITTEN = [
    KILL_1_TO_3,
    # a range of a 64-bit argument, and one cut by != (three conditions on one argument)
    {"SECCOMP_SYSCALL_DENY": "mmap(arg1 > 0x1000, arg1 < 0x100000000)=EPERM:"
                             "munmap(arg0 >= 4, arg0 <= 0x1000, arg0 != 7)=EACCES"},
    # conditional rules over an unconditional one: it becomes the rest
    {"SECCOMP_SYSCALL_ALLOW": "read:read(arg0 == 0)=EPERM"},
    # a rule with the default action ahead of another: runc drops it, the other excludes it
    {"SECCOMP_SYSCALL_ALLOW": "mmap(arg0 == 1)=kill:mmap(arg1 == 1)"},
    # != on the low half of a 64-bit argument: one masked comparison per bit
    {"SECCOMP_SYSCALL_DENY": "mmap(arg4 != -1)=EPERM"},
    # overlapping rules with different actions, masks and several arguments
    {"SECCOMP_SYSCALL_DENY": "clone(arg0 & 0x10000000 == 0x10000000)=EPERM:"
                             "clone(arg0 & 0x20000000 == 0x20000000, arg2 < 5)=trap:"
                             "fcntl(arg1 == 4, arg2 > 0x7f)=EACCES:"
                             "fcntl(arg1 >= 3, arg1 <= 5)=log"},
]


def read_back(environ, arch, path):
    """(the policy, the program SECCOMP_PROFILE makes of its export, written to PATH)."""
    host = _native.host(0, (6, 18))
    policy = _native.load(environ, arch, host)
    path.write_text(json.dumps(profile.export(environ, arch, host)))
    return policy, bpf.decode(_native.compile_env({"SECCOMP_PROFILE": str(path)}, arch, host))


def round_trip(environ, arch, tmp_path, **kw):
    """(the policy's decisions, the exported profile's decisions) on its samples."""
    policy, back = read_back(environ, arch, tmp_path / "exported.json")
    probes = samples(policy, arch, **kw)
    return (decisions(bpf.decode(policy.compile()), arch, probes),
            decisions(back, arch, probes))


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", POLICIES + REWRITTEN, ids=range(len(POLICIES + REWRITTEN)))
def test_round_trip_decides_like_the_policy(environ, arch, tmp_path):
    want, got = round_trip(environ, arch, tmp_path)
    assert len(want) > 900 and got == want


@pytest.mark.parametrize("arch", TARGETS)
def test_and_on_one_argument_stays_and(arch, tmp_path):
    """kill(arg1 >= 1, arg1 <= 3) allows signals 1 to 3 only: written as two items on
    index 1 of one entry, runc and our reader would allow either (kill(pid, 15))."""
    _, back = read_back(KILL_1_TO_3, arch, tmp_path / "kill.json")
    got = [bpf.run(back, bpf.seccomp_data(_native.syscall_nr("kill", arch), AUDIT[arch], (1, sig)))
           for sig in (0, 1, 2, 3, 4, 15, 2**32 + 2)]
    assert got == [EPERM, ALLOW, ALLOW, ALLOW, EPERM, EPERM, ALLOW]  # a C int: its low half


@pytest.mark.parametrize("arch", TARGETS)
@settings(max_examples=40, deadline=None)
@given(policy=policies(), seed=st.integers(0, 2**32))
def test_round_trip_random_policies(arch, policy, seed, tmp_path_factory):
    want, got = round_trip(render(policy), arch, tmp_path_factory.mktemp("rt"))
    assert got == want


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", POLICIES + REWRITTEN, ids=range(len(POLICIES + REWRITTEN)))
def test_exported_profile_decides_alike_under_libseccomp(environ, arch):
    """What Docker would do with the exported profile (libseccomp, built the runc
    way), on arguments where the README's 32-bit difference does not apply, for the
    syscalls libseccomp 2.5.4 knows."""
    host = _native.host(0, (6, 18))
    policy = _native.load(environ, arch, host)
    ours = bpf.decode(policy.compile())
    lib = theirs(profile.export(environ, arch, host), arch, frozenset(), (6, 18))
    ints = {nr: _native.int_args(nr, arch) for nr in _native.syscalls(arch).values()}
    newer = {nr for name, nr in _native.syscalls(arch).items() if not libseccomp_knows(arch, name)}
    probes = [(nr, args) for nr, args in samples(policy, arch) if nr not in newer
              and all(args[i] <= 0xFFFFFFFF for i in ints.get(nr, ()))]
    wrong = [(hex(nr), args, hex(a), hex(b)) for (nr, args), a, b in
             zip(probes, decisions(ours, arch, probes), decisions(lib, arch, probes)) if a != b]
    assert wrong[:5] == []


def test_export_shape():
    out = profile.export({"SECCOMP_SYSCALL_ALLOW": "read:write:getpid=EACCES",
                          "SECCOMP_DEFAULT_ACTION": "errno:ENOSYS"}, "x86_64")
    assert out == {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
                   "architectures": ["SCMP_ARCH_X86_64"],
                   "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                                {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}


def test_export_shape_of_rewrites():
    """The README's two examples, as written."""
    def conditional(environ):
        return [(e["action"], [(a["index"], a["op"][9:], a["value"], a["valueTwo"])
                               for a in e["args"]])
                for e in profile.export(environ, "x86_64")["syscalls"] if e.get("args")]

    assert conditional(KILL_1_TO_3) == [
        ("SCMP_ACT_ALLOW", [(1, "MASKED_EQ", 0xFFFFFFFF, 1)]),
        ("SCMP_ACT_ALLOW", [(1, "MASKED_EQ", 0xFFFFFFFE, 2)])]
    assert conditional({"SECCOMP_SYSCALL_ALLOW": "read:read(arg0 == 0)=EPERM"}) == [
        ("SCMP_ACT_ERRNO", [(0, "MASKED_EQ", 0xFFFFFFFF, 0)]),
        ("SCMP_ACT_ALLOW", [(0, "GE", 1, 0)])]


def test_kill_under_libseccomp():
    """What Docker makes of the exported kill rule: signals 1 to 3, whatever the
    register holds above the int (the comparisons are masks within its 32 bits)."""
    host = _native.host(0, (6, 18))
    lib = theirs(profile.export(KILL_1_TO_3, NATIVE, host), NATIVE, frozenset(), (6, 18))
    kill = _native.syscall_nr("kill", NATIVE)
    got = [bpf.run(lib, bpf.seccomp_data(kill, AUDIT[NATIVE], (1, sig)))
           for sig in (0, 1, 3, 4, 15, 2**32 + 2)]
    assert got == [EPERM, ALLOW, ALLOW, EPERM, EPERM, ALLOW]


def wide_first_args(n):
    """N syscalls whose arg0 is 64-bit on x86_64."""
    return [name for name, nr in sorted(_native.syscalls("x86_64").items())
            if 0 not in _native.int_args(nr, "x86_64")][:n]


REFUSED = [
    ({"SECCOMP_SYSCALL_DENY": "mmap(arg0 != -1, arg1 != -1)=EPERM"},
     "cannot write 'mmap' in a profile: its rules take more than 256 entries"),
    ({"SECCOMP_SYSCALL_DENY": ":".join("%s(arg0 != -1)" % n for n in wide_first_args(40))},
     "cannot write this policy in a profile: it takes 1280 argument conditions, "
     "SECCOMP_PROFILE reads at most 1024"),
    ({"SECCOMP_SYSCALL_DENY": "999"}, "cannot write syscall 999 in a profile: it has no name "
     "on x86_64"),
    ({}, "no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY, SECCOMP_PROFILE "
          "or a SANDBOX_FS_*, SANDBOX_NET* layer"),
]


@pytest.mark.parametrize("environ,message", REFUSED)
def test_export_refuses_what_a_profile_cannot_say(environ, message):
    with pytest.raises(PolicyError) as exc:
        profile.export(environ, "x86_64")
    assert str(exc.value) == message


def pysandbox(*argv, **env):
    return subprocess.run([PYSANDBOX] + list(argv),
                          env=clean_env(**env), capture_output=True, text=True)


def test_cli_export_and_show(tmp_path):
    out = tmp_path / "p.json"
    r = pysandbox("profile", "export", "-o", str(out), "--arch", "x86_64",
                  SECCOMP_SYSCALL_DENY="ptrace=EPERM:personality(arg0 != 0xffffffff)=EPERM")
    assert (r.returncode, r.stderr) == (0, "")
    r = pysandbox("profile", "show", str(out), "--arch", "x86_64", "--caps", "none",
                  "--kernel", "5.4")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        "profile: %s" % out,
        "for: x86_64, capabilities: none, kernel 5.4",
        "default action: allow",
        "entries: 2, 2 apply here; 0 names are not syscalls on x86_64 (skipped)",
        "syscalls without conditions: 1 (errno:EPERM 1)",
        "conditional rules: 1",
        "  personality      errno:EPERM    if arg0 != 0xffffffff",
    ]


def test_cli_show_docker_default_as_root_and_without_caps():
    root = pysandbox("profile", "show", DOCKER, "--caps", "all", "--kernel", "6.18")
    none = pysandbox("profile", "show", DOCKER, "--caps", "none", "--kernel", "6.18")
    assert root.returncode == none.returncode == 0
    assert "capabilities: all," in root.stdout and "capabilities: none," in none.stdout
    assert "clone            allow          if arg0 & 0x7e020000 == 0x0" in none.stdout
    assert "clone " not in root.stdout  # unconditional for CAP_SYS_ADMIN


def test_cli_export_refusal(tmp_path):
    out = tmp_path / "p.json"
    r = pysandbox("profile", "export", "-o", str(out), "--arch", "x86_64",
                  SECCOMP_SYSCALL_DENY="mmap(arg0 != -1, arg1 != -1)=EPERM")
    assert (r.returncode, r.stdout, r.stderr, out.exists()) == (
        125, "", "pysandbox: cannot write 'mmap' in a profile: its rules take more than 256 "
        "entries\n", False)


@pytest.mark.parametrize("argv,message", [
    (["profile", "show", "/nonexistent.json"],
     "pysandbox: SECCOMP_PROFILE: cannot read '/nonexistent.json': No such file or directory\n"),
    (["profile", "show", DOCKER, "--caps", "CAP_NOPE"],
     "pysandbox: unknown capability 'CAP_NOPE'\n"),
    (["profile", "show", DOCKER, "--kernel", "6"],
     "pysandbox: --kernel: expected MAJOR.MINOR, not '6'\n"),
])
def test_cli_errors(argv, message):
    r = pysandbox(*argv)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", message)


def test_cli_compile_reads_profile_for_the_given_host(tmp_path):
    def compiled(caps):
        out = tmp_path / ("f-%s.bpf" % caps)
        r = pysandbox("compile", "-o", str(out), "--caps", caps, SECCOMP_PROFILE=DOCKER)
        assert (r.returncode, r.stderr) == (0, "")
        return bpf.decode(out.read_bytes())
    arch = _native.arch()
    unshare = bpf.seccomp_data(_native.syscall_nr("unshare"), AUDIT[arch])
    assert (bpf.run(compiled("none"), unshare), bpf.run(compiled("all"), unshare)) == \
        (0x00050001, 0x7FFF0000)


def test_caps_listed_twice_count_once():
    """--caps CAP_CHOWN,CAP_CHOWN is CAP_CHOWN, not the sum of two (CAP_DAC_OVERRIDE)."""
    from pysandbox import profile

    assert profile.parse_caps("CAP_CHOWN,CAP_CHOWN") == profile.parse_caps("CAP_CHOWN") == 1
