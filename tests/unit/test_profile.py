"""SECCOMP_PROFILE: the JSON reader, the profile's semantics, its errors, how it
combines with the other variables (real processes under Docker's profile:
tests/e2e/test_profile_e2e.py).

Profiles are written to temporary files and compiled through the cffi module
for a chosen host (capabilities, kernel), then run in the strict BPF
interpreter. Where the semantics are libseccomp's (several rules for one
syscall), the oracle of tests/support/oci.py decides alongside.
"""
import errno
import json
import os

import pytest

from pysandbox import PolicyError, _native, bpf
from pysandbox._native_cffi import ffi, lib
from support.actions import ALLOW, EPERM, ERRNO, KILL_PROCESS, KILL_THREAD, LOG, TRACE, TRAP
from support.arches import TARGETS
from support.filters import decide
from support.libseccomp import NATIVE
from support.oci import DOCKER, A, P, S, T, theirs
from support.proc import SHARED

ALL = _native.all_caps()
R = pytest.param


@pytest.fixture
def write(tmp_path):
    """write(profile) -> path; a dict is dumped as JSON, a str written as is."""
    def write_(profile, name="p.json"):
        path = tmp_path / name
        if isinstance(profile, bytes):
            path.write_bytes(profile)
        else:
            path.write_text(profile if isinstance(profile, str) else json.dumps(profile))
        return str(path)
    return write_


def compile_profile(path, arch=None, caps=0, kernel=(6, 18), **env):
    environ = dict(env, SECCOMP_PROFILE=path)
    return bpf.decode(_native.compile_env(environ, arch, _native.host(caps, kernel)))


# ---- semantics: (profile, host caps, [(syscall, args, action)]) -----------------------

SEMANTICS = [
    R(P([S("getpid")]), 0, [("getpid", (), ALLOW), ("getppid", (), EPERM)], id="allow-list"),
    R(P([S("getpid", "SCMP_ACT_KILL")], "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), KILL_THREAD), ("getppid", (), ALLOW)], id="kill-is-kill-thread"),
    R(P([S("getpid", "SCMP_ACT_KILL_PROCESS"), S("getppid", "SCMP_ACT_KILL_THREAD"),
         S("gettid", "SCMP_ACT_TRAP"), S("getuid", "SCMP_ACT_LOG"),
         S("getgid", "SCMP_ACT_TRACE"), S("geteuid", "SCMP_ACT_TRACE", errnoRet=7)],
        "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), KILL_PROCESS), ("getppid", (), KILL_THREAD), ("gettid", (), TRAP),
       ("getuid", (), LOG), ("getgid", (), TRACE | errno.EPERM), ("geteuid", (), TRACE | 7)],
      id="every-action"),
    R(P([S("getpid", "SCMP_ACT_ERRNO", errnoRet=38)], "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), ERRNO | 38)], id="errnoRet"),
    R(P([S("getpid", "SCMP_ACT_ERRNO", errnoRet=0)], "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), ERRNO)], id="errnoRet-0"),
    R(P([S("getpid", "SCMP_ACT_ERRNO", errno="EACCES")], "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), ERRNO | errno.EACCES)], id="podman-errno-name"),
    R(P([S("getpid", "SCMP_ACT_ERRNO", errno="13", errnoRet=13)], "SCMP_ACT_ALLOW"), 0,
      [("getpid", (), ERRNO | 13)], id="podman-errno-number-agrees"),
    R(P([S("getpid")], defaultErrnoRet=38), 0, [("getppid", (), ERRNO | 38)],
      id="defaultErrnoRet"),
    R(P([S("getpid")], defaultErrno="ENOSYS", defaultErrnoRet=38), 0,
      [("getppid", (), ERRNO | 38)], id="defaultErrno"),
    R(P([S("getpid", "SCMP_ACT_ALLOW", errnoRet=5)]), 0, [("getpid", (), ALLOW)],
      id="errnoRet-ignored-by-allow"),
    R({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "getpid",
                                                        "action": "SCMP_ACT_ERRNO"}]},
      0, [("getpid", (), EPERM)], id="old-single-name"),
    R(P([S(["getpid", "open", "nosuchcall", "chown32"])]), 0, [("getpid", (), ALLOW)],
      id="unknown-names-skipped"),
    R(P(None), 0, [("getpid", (), EPERM)], id="syscalls-null"),
    R({"defaultAction": "SCMP_ACT_LOG"}, 0, [("getpid", (), LOG)], id="syscalls-absent"),
    # includes / excludes
    R(P([S("getpid", includes={"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]})]), 1 << 21,
      [("getpid", (), EPERM)], id="includes-needs-every-cap"),
    R(P([S("getpid", includes={"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]})]), ALL,
      [("getpid", (), ALLOW)], id="includes-caps-held"),
    R(P([S("getpid", excludes={"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]})]), 1 << 39,
      [("getpid", (), EPERM)], id="excludes-any-cap"),
    R(P([S("getpid", excludes={"caps": ["CAP_SYS_ADMIN"]})]), 0, [("getpid", (), ALLOW)],
      id="excludes-caps-not-held"),
    R(P([S("getpid", includes={"caps": []}, excludes={"caps": []})]), 0,
      [("getpid", (), ALLOW)], id="empty-filters"),
    R(P([S("getpid", includes={"arches": ["s390x", "amd64", "arm64"]}),
         S("getppid", includes={"arches": ["s390x"]}),
         S("gettid", excludes={"arches": ["amd64", "arm64"]})]), 0,
      [("getpid", (), ALLOW), ("getppid", (), EPERM), ("gettid", (), EPERM)], id="arches"),
    R(P([S("getpid", includes={"minKernel": "6.18"}), S("getppid", includes={"minKernel": "6.19"}),
         S("gettid", excludes={"minKernel": "5.10"}), S("getuid", includes={"minKernel": ""})]),
      0, [("getpid", (), ALLOW), ("getppid", (), EPERM), ("gettid", (), EPERM),
          ("getuid", (), ALLOW)], id="minKernel"),
    # args
    R(P([S("mmap", args=[A(0, "EQ", 2**40)])]), 0,
      [("mmap", (2**40,), ALLOW), ("mmap", (2**40 + 1,), EPERM), ("mmap", (0,), EPERM)],
      id="arg-64-bit"),
    R(P([S("mmap", args=[A(0, "MASKED_EQ", 0xFF, 0x1F0)])]), 0,
      [("mmap", (0xF0,), ALLOW), ("mmap", (0x1F0,), ALLOW), ("mmap", (0x1F1,), EPERM)],
      id="masked-datum-masked-first"),
    R(P([S("mmap", args=[A(0, "GT", 1), A(0, "LT", 5)])]), 0,
      [("mmap", (3,), ALLOW), ("mmap", (9,), ALLOW), ("mmap", (0,), ALLOW)],
      id="repeated-index-each-its-own-rule"),
    R(P([S("mmap", args=[A(0, "GT", 1), A(1, "LT", 5)])]), 0,
      [("mmap", (3, 1), ALLOW), ("mmap", (3, 9), EPERM), ("mmap", (0, 1), EPERM)],
      id="distinct-indexes-all-hold"),
    R(P([S("openat", args=[A(0, "EQ", 2**64 - 100)])]), 0,
      [("openat", (2**64 - 100,), ALLOW), ("openat", (2**32 - 100,), ALLOW),
       ("openat", (100,), EPERM)], id="sign-extended-int-is-the-int"),
    R(P([S("personality", args=[A(0, "EQ", 0xFFFFFFFF)])]), 0,
      [("personality", (0xFFFFFFFF,), ALLOW), ("personality", (2**64 - 1,), ALLOW)],
      id="int-arg-low-half"),
    # several rules for one syscall, as libseccomp resolves them
    R(P([S("getpid", "SCMP_ACT_ERRNO", errnoRet=1)]), 0, [("getpid", (), EPERM)],
      id="rule-equal-to-default"),
    R(P([S("getpid"), S("getpid", "SCMP_ACT_KILL")]), 0, [("getpid", (), ALLOW)],
      id="first-unconditional-wins"),
    R(P([S("mmap", "SCMP_ACT_TRAP", args=[A(0, "EQ", 1)]), S("mmap")]), 0,
      [("mmap", (1,), ALLOW), ("mmap", (2,), ALLOW)], id="unconditional-drops-conditional"),
    R(P([S("mmap"), S("mmap", "SCMP_ACT_TRAP", args=[A(0, "EQ", 1)])]), 0,
      [("mmap", (1,), ALLOW)], id="conditional-after-unconditional-dropped"),
    R(P([S("mmap", args=[A(1, "EQ", 1)]), S("mmap", "SCMP_ACT_TRAP", args=[A(0, "EQ", 1)])]), 0,
      [("mmap", (1, 1), TRAP), ("mmap", (0, 1), ALLOW), ("mmap", (1, 0), TRAP),
       ("mmap", (0, 0), EPERM)], id="conditionals-strictest-wins"),
    R(P([S("mmap", args=[A(0, "EQ", 1)]), S("mmap", "SCMP_ACT_TRAP", args=[A(1, "EQ", 1)])]), 0,
      [("mmap", (1, 1), TRAP), ("mmap", (0, 1), TRAP), ("mmap", (1, 0), ALLOW),
       ("mmap", (0, 0), EPERM)], id="conditionals-strictest-wins-either-order"),
    R(P([S("mmap", "SCMP_ACT_ERRNO", args=[A(0, "EQ", 1)]), S("mmap", args=[A(1, "EQ", 1)])]), 0,
      [("mmap", (1, 1), ALLOW), ("mmap", (1, 0), EPERM)], id="default-rule-dropped-not-winning"),
]


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("profile,caps,expect", SEMANTICS)
def test_semantics(write, profile, caps, expect, arch):
    program = compile_profile(write(profile), arch, caps)
    got = [(name, args, hex(decide(program, arch, name, args))) for name, args, _ in expect]
    assert got == [(name, args, hex(action)) for name, args, action in expect]


def capnames(mask):
    return frozenset(n for i, n in enumerate(_native.cap_names()) if mask >> i & 1)


LIBSECCOMP_AGREES = [p for p in SEMANTICS if p.id not in (
    "sign-extended-int-is-the-int", "int-arg-low-half",  # README: 32-bit arguments
    "conditionals-strictest-wins",  # pinned below
    "podman-errno-number-agrees", "old-single-name", "syscalls-null", "syscalls-absent")]


@pytest.mark.parametrize("arch", TARGETS)
def test_overlapping_conditionals_differ_from_libseccomp(write, arch):
    """README: when conditional rules of one syscall with different actions match the
    same call, ours takes the strictest action; libseccomp takes the rule its decision
    tree tests first (here the one on the higher argument), whatever the order written."""
    profile = P([S("mmap", args=[A(1, "EQ", 1)]), S("mmap", "SCMP_ACT_TRAP", args=[A(0, "EQ", 1)])])
    a = compile_profile(write(profile), arch)
    b = theirs(profile, arch, frozenset(), (6, 18))
    assert (decide(a, arch, "mmap", (1, 1)), decide(b, arch, "mmap", (1, 1))) == (TRAP, ALLOW)


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("profile,caps,expect", LIBSECCOMP_AGREES)
def test_semantics_match_libseccomp(write, profile, caps, expect, arch):
    """The same expectations hold for libseccomp's filter built the runc way."""
    program = theirs(json.loads(json.dumps(profile)), arch, capnames(caps), (6, 18))
    got = [(name, args, hex(decide(program, arch, name, args))) for name, args, _ in expect]
    assert got == [(name, args, hex(action)) for name, args, action in expect]


def test_architectures_only_checked_filter_is_native(write):
    """A profile for other arches still filters the native one (libseccomp always
    includes it); other ABIs are killed."""
    path = write(P([S("getpid")], architectures=["SCMP_ARCH_S390X"]))
    program = compile_profile(path, "x86_64")
    assert decide(program, "x86_64", "getpid") == ALLOW
    assert bpf.run(program, bpf.seccomp_data(20, 0x40000003)) == KILL_PROCESS  # i386


def test_skipped_names_and_blocks_are_counted(write):
    path = write(P([S(["getpid", "open", "nosuchcall"]),
                    S("getppid", includes={"caps": ["CAP_BPF"]})]))
    policy = _native.load({"SECCOMP_PROFILE": path}, "aarch64", _native.host(0))
    assert (policy.stats.blocks, policy.stats.applied, policy.stats.skipped,
            len(policy.rules)) == (2, 1, 2, 1)


# ---- errors: (profile text, location and message after "SECCOMP_PROFILE: FILE: ") ----------

ERRORS = [
    # JSON
    R("", "line 1, column 1: invalid JSON: unexpected end of text", id="empty"),
    R("{", "line 1, column 2: invalid JSON: expected a string key", id="open-brace"),
    R('{"defaultAction": "SCMP_ACT_ALLOW",}',
      "line 1, column 36: invalid JSON: expected a string key",
      id="trailing-comma-object"),
    R('{"syscalls": [1,]}', "line 1, column 17: invalid JSON: expected a value",
      id="trailing-comma-array"),
    R('{\n  "defaultAction": "SCMP_ACT_ALLOW"\n  "syscalls": []\n}',
      "line 3, column 3: invalid JSON: expected ',' or '}'", id="missing-comma"),
    R('{"a": 01}', "line 1, column 8: invalid JSON: expected ',' or '}'", id="leading-zero"),
    R('{"a": 1.}', "line 1, column 9: invalid JSON: invalid number", id="dot-no-digits"),
    R('{"a": NaN}', "line 1, column 7: invalid JSON: expected a value", id="nan"),
    R('{"a": "x\ty"}', "line 1, column 9: invalid JSON: control character in string",
      id="tab-in-string"),
    R('{"a": "\\x"}', "line 1, column 9: invalid JSON: invalid escape in string", id="bad-escape"),
    R('{"a": "\\ud800"}', "line 1, column 14: invalid JSON: lone surrogate in \\u escape",
      id="lone-surrogate"),
    R(b'{"a": "\xc0\xaf"}', "line 1, column 8: invalid JSON: invalid UTF-8 in string",
      id="overlong-utf8"),
    R('\ufeff{}', "line 1, column 1: invalid JSON: expected a value", id="bom"),
    R('{} {}', "line 1, column 4: invalid JSON: text after the value", id="two-values"),
    R('{"a": tru}', "line 1, column 7: invalid JSON: expected a value", id="tru"),
    R('{"a": "x', "line 1, column 9: invalid JSON: unterminated string", id="unterminated"),
    R('[' * 33 + ']' * 33, "line 1, column 33: nested too deeply", id="too-deep"),
    # the top level
    R("[]", "expected an object, not '[]'", id="top-array"),
    R(T({"syscalls": []}), "defaultAction: missing", id="no-default-action"),
    R(T({"defaultAction": None}), "defaultAction: missing", id="null-default-action"),
    R(T({"defaultAction": 1}), "defaultAction: expected a string, not '1'", id="action-type"),
    R(T({"defaultAction": "SCMP_ACT_NOTIFY"}),
      "defaultAction: not supported (it needs a seccomp agent): 'SCMP_ACT_NOTIFY'", id="notify"),
    R(T({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}),
      "defaultErrnoRet: expected an unsigned integer, not '-1'", id="negative-errno"),
    R(T({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1.0}),
      "defaultErrnoRet: expected an unsigned integer, not '1.0'", id="float-errno"),
    R(T({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4096}),
      "defaultErrnoRet: out of range (at most 4095): '4096'", id="errno-4096"),
    R(T({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EWHAT"}),
      "defaultErrno: unknown errno 'EWHAT'", id="errno-name"),
    R(T({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "EPERM", "defaultErrnoRet": 2}),
      "defaultErrno: disagrees with defaultErrnoRet: 'EPERM'", id="errno-disagree"),
    R('{"defaultAction": "SCMP_ACT_ALLOW", "defaultAction ": 1, "defaultAction": "x"}',
      "member given twice: 'defaultAction'", id="duplicate"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "x86_64"]}),
      "architectures[1]: unknown architecture 'x86_64'", id="arch-name"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": None}]}),
      "archMap: cannot be given with 'architectures'", id="arch-both"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"subArchitectures": []}]}),
      "archMap[0].architecture: missing", id="archmap-no-arch"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW",
         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["i386"]}]}),
      "archMap[0].subArchitectures[0]: unknown architecture 'i386'", id="archmap-sub"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]}),
      "flags[0]: unsupported flag 'SECCOMP_FILTER_FLAG_LOG'", id="flag"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}),
      "listenerPath: not supported (a seccomp agent's): '/run/agent.sock'", id="listener"),
    R(T({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}),
      "syscalls: expected an array, not '{}'", id="syscalls-object"),
    # syscalls[]
    R(T(P([S("getpid"), S("getppid", "SCMP_ACT_FOO")])),
      "syscalls[1].action: unknown action 'SCMP_ACT_FOO'", id="issue-example"),
    R(T(P([S("getpid"), {"names": ["getppid"]}])), "syscalls[1].action: missing", id="no-action"),
    R(T(P([S("getpid", "SCMP_ACT_NOTIFY")])),
      "syscalls[0].action: not supported (it needs a seccomp agent): 'SCMP_ACT_NOTIFY'",
      id="notify-rule"),
    R(T(P(["getpid"])), "syscalls[0]: expected an object, not 'getpid'", id="entry-string"),
    R(T(P([{"action": "SCMP_ACT_ALLOW"}])), "syscalls[0].names: missing (or 'name')",
      id="no-names"),
    R(T(P([{"names": [], "action": "SCMP_ACT_ALLOW"}])),
      "syscalls[0].names: needs at least one name", id="empty-names"),
    R(T(P([{"names": ["read"], "name": "read", "action": "SCMP_ACT_ALLOW"}])),
      "syscalls[0].name: cannot be given with 'names'", id="name-and-names"),
    R(T(P([S(["read", 42])])), "syscalls[0].names[1]: expected a string, not '42'",
      id="name-type"),
    R(T(P([S(["read", ""])])), "syscalls[0].names[1]: empty syscall name", id="empty-name"),
    R(T(P([S("read", "SCMP_ACT_ERRNO", errnoRet=65536)])),
      "syscalls[0].errnoRet: out of range (at most 4095): '65536'", id="rule-errno-range"),
    R(T(P([S("read", "SCMP_ACT_TRACE", errnoRet=65536)])),
      "syscalls[0].errnoRet: out of range (at most 65535): '65536'", id="trace-range"),
    R(T(P([S("read", args={})])), "syscalls[0].args: expected an array, not '{}'",
      id="args-object"),
    R(T(P([S("read", args=[{"index": 0, "value": 1}])])), "syscalls[0].args[0].op: missing",
      id="arg-no-op"),
    R(T(P([S("read", args=[{"index": 0, "op": "SCMP_CMP_EQ"}])])),
      "syscalls[0].args[0].value: missing", id="arg-no-value"),
    R(T(P([S("read", args=[A(6, "EQ", 1)])])),
      "syscalls[0].args[0].index: out of range (at most 5): '6'", id="arg-index"),
    R(T(P([S("read", args=[A(0, "EQ", 2**64)])])),
      "syscalls[0].args[0].value: out of range (at most 18446744073709551615): "
      "'18446744073709551616'", id="arg-2^64"),
    R(T(P([S("read", args=[A(0, "LIKE", 1)])])),
      "syscalls[0].args[0].op: unknown op 'SCMP_CMP_LIKE'", id="arg-op"),
    R(T(P([S("mmap", args=[A(0, "EQ", 1, 2)])])),
      "syscalls[0].args[0].valueTwo: is only read for SCMP_CMP_MASKED_EQ, not '2'",
      id="valueTwo-unused"),
    R(T(P([S(["write", "read"], args=[A(2, "EQ", 2**33), A(0, "EQ", 2**33)])])),
      "syscalls[0].args[1]: value too wide for 32-bit arg0 of 'write'", id="wide-int"),
    R(T(P([S("read", args=[A(0, "EQ", 1)] * 17)])),
      "syscalls[0].args: more than 16 conditions", id="too-many-conds"),
    R(T(P([S("read", includes={"caps": ["CAP_SYSADMIN"]})])),
      "syscalls[0].includes.caps[0]: unknown capability 'CAP_SYSADMIN'", id="cap-name"),
    R(T(P([S("read", excludes={"caps": "CAP_SYS_ADMIN"})])),
      "syscalls[0].excludes.caps: expected an array, not 'CAP_SYS_ADMIN'", id="caps-type"),
    R(T(P([S("read", includes={"minKernel": "4"})])),
      "syscalls[0].includes.minKernel: expected \"<kernel>.<major>\", not '4'", id="kernel"),
    R(T(P([S("read", includes={"minKernel": "0.0"})])),
      "syscalls[0].includes.minKernel: expected \"<kernel>.<major>\", not '0.0'", id="kernel-0"),
    R(T(P([S("read", includes={"minKernel": "4.256"})])),
      "syscalls[0].includes.minKernel: expected \"<kernel>.<major>\", not '4.256'",
      id="kernel-256"),
    R(T(P([S("read", includes={"arches": [1]})])),
      "syscalls[0].includes.arches[0]: expected a string, not '1'", id="arches-type"),
    R(T(P([S("read", "SCMP_ACT_ERRNO", includes={"caps": ["CAP_BPF"]}),
           S("read", "SCMP_ACT_FOO", includes={"caps": ["CAP_NOPE"]})])),
      "syscalls[1].action: unknown action 'SCMP_ACT_FOO'", id="checked-though-excluded"),
]


@pytest.mark.parametrize("text,message", ERRORS)
def test_error_message(write, text, message):
    path = write(text)
    with pytest.raises(PolicyError) as exc:
        compile_profile(path)
    assert str(exc.value) == "SECCOMP_PROFILE: %s: %s" % (path, message)


def test_unreadable_file():
    with pytest.raises(PolicyError) as exc:
        compile_profile("/nonexistent/p.json")
    assert str(exc.value) == \
        "SECCOMP_PROFILE: cannot read '/nonexistent/p.json': No such file or directory"


def test_unknown_members_ignored_as_docker_does(write):
    path = write(P([dict(S("getpid"), comment="why", future={"x": [1]})], comment=1))
    assert decide(compile_profile(path), NATIVE, "getpid") == ALLOW


# ---- the JSON reader on its own ---------------------------------------------------------------

def parse(text):
    data = text.encode() if isinstance(text, str) else text
    tape = ffi.new("struct sb_json[]", len(data) // 2 + 2)
    err = ffi.new("struct sb_json_error *")
    n = lib.sb_json_parse(data, len(data), tape, len(tape), err)
    return n, tape, data


def to_python(tape, data, i=0):
    """The tape as Python values (through sb_json_string/uint), to compare with json."""
    t = tape[i]
    if t.type == lib.SB_JSON_OBJECT or t.type == lib.SB_JSON_ARRAY:
        items, k = [], i + 1
        while k < t.next:
            items.append(to_python(tape, data, k))
            k = tape[k].next
        if t.type == lib.SB_JSON_ARRAY:
            return items
        return dict(zip(items[::2], items[1::2]))
    if t.type == lib.SB_JSON_STRING:
        buf = ffi.new("char[]", 4096)
        n = lib.sb_json_string(data, ffi.addressof(tape, i), buf, len(buf))
        assert n >= 0
        return ffi.buffer(buf, n)[:].decode()
    text = data[t.start:t.end].decode()
    return {lib.SB_JSON_NULL: None, lib.SB_JSON_TRUE: True, lib.SB_JSON_FALSE: False}.get(
        t.type, json.loads(text) if t.type == lib.SB_JSON_NUMBER else KeyError)


VALID = ['{}', '[]', ' \t\r\n[ 1 , -0 , 0.5e-3 , 1E+2, -1.25 ] ', '"\\u00e9\\ud83d\\ude00\\n\\"/"',
         '{"a": {"b": [true, false, null, {}], "": "é😀"}}', '"x"', '0', '[[[[[]]]]]',
         '{"k": "\\\\ \\/ \\b \\f \\r \\t"}', '[' * 32 + ']' * 32]


@pytest.mark.parametrize("text", VALID)
def test_json_valid_documents_read_like_python(text):
    n, tape, data = parse(text)
    assert n > 0 and to_python(tape, data) == json.loads(text)


def test_json_profiles_read_like_python():
    for name in sorted(os.listdir(os.path.join(SHARED, "profiles"))):
        with open(os.path.join(SHARED, "profiles", name), "rb") as f:
            data = f.read()
        n, tape, _ = parse(data)
        assert to_python(tape, data) == json.loads(data), name


def test_json_tape_too_small_is_an_error():
    data = b"[1, 2, 3]"
    tape = ffi.new("struct sb_json[]", 3)
    err = ffi.new("struct sb_json_error *")
    assert lib.sb_json_parse(data, len(data), tape, 3, err) == -errno.E2BIG
    assert ffi.string(err.what) == b"too many values"


def test_json_uint_is_strict():
    def uint(text, maximum=2**64 - 1):
        n, tape, data = parse(text)
        out = ffi.new("uint64_t *")
        return lib.sb_json_uint(data, tape, maximum, out), out[0]
    assert uint("18446744073709551615") == (0, 2**64 - 1)
    assert uint("18446744073709551616")[0] == -errno.ERANGE
    assert uint("4095", 4095) == (0, 4095)
    assert uint("4096", 4095)[0] == -errno.ERANGE
    assert [uint(t)[0] for t in ("-1", "1.0", "1e3", '"1"')] == [-errno.EINVAL] * 4


# ---- combination with the other variables -----------------------------------------------------

def test_deny_adds_to_the_profile(write):
    program = compile_profile(DOCKER, NATIVE, SECCOMP_SYSCALL_DENY="getpid:getppid=EACCES:"
                              "personality(arg0 == 8)=EPERM")
    got = [decide(program, NATIVE, "getpid"), decide(program, NATIVE, "getppid"),
           decide(program, NATIVE, "personality", (8,)),
           decide(program, NATIVE, "personality", (0,)), decide(program, NATIVE, "gettid")]
    assert got == [KILL_PROCESS, ERRNO | errno.EACCES, EPERM, ALLOW, ALLOW]


def test_policy_file_deny_lines_add_to_the_profile(write):
    policy = write("deny getpid = ENOSYS\ndeny unshare\n", "p.policy")
    program = compile_profile(DOCKER, NATIVE, ALL, SECCOMP_POLICY_FILE=policy)
    assert [decide(program, NATIVE, n) for n in ("getpid", "unshare", "gettid")] == \
        [ERRNO | errno.ENOSYS, KILL_PROCESS, ALLOW]


COMBINATION_ERRORS = [
    R({"SECCOMP_SYSCALL_ALLOW": "read"},
      "SECCOMP_SYSCALL_ALLOW: cannot be combined with SECCOMP_PROFILE (the profile says what "
      "is allowed)", id="allow"),
    R({"SECCOMP_DEFAULT_ACTION": "log"},
      "SECCOMP_DEFAULT_ACTION: cannot be combined with SECCOMP_PROFILE (the profile's "
      "defaultAction applies)", id="default-action"),
    R({"SECCOMP_SYSCALL_DENY": "read:mount=allow"},
      "SECCOMP_SYSCALL_DENY: cannot allow on top of SECCOMP_PROFILE 'mount=allow' (item 2)",
      id="deny-allow"),
    R({"SECCOMP_SYSCALL_DENY": "mount(arg0 == 0)=log"},
      "SECCOMP_SYSCALL_DENY: cannot allow on top of SECCOMP_PROFILE 'mount(arg0 == 0)=log' "
      "(item 1)", id="deny-log"),
]


@pytest.mark.parametrize("environ,message", COMBINATION_ERRORS)
def test_combination_refused(environ, message):
    with pytest.raises(PolicyError) as exc:
        compile_profile(DOCKER, **environ)
    assert str(exc.value) == message


@pytest.mark.parametrize("line", ["allow read", "default errno"])
def test_policy_file_allow_and_default_lines_refused(write, line):
    policy = write("deny ptrace\n%s\n" % line, "p.policy")
    with pytest.raises(PolicyError) as exc:
        compile_profile(DOCKER, SECCOMP_POLICY_FILE=policy)
    assert str(exc.value) == "%s:2: '%s' lines cannot be combined with SECCOMP_PROFILE" % (
        policy, line.split()[0])


def test_empty_profile_variable():
    with pytest.raises(PolicyError) as exc:
        _native.compile_env({"SECCOMP_PROFILE": ""})
    assert str(exc.value) == "SECCOMP_PROFILE: is empty"


def test_profile_variable_is_ours():
    assert _native.env_is_ours("SECCOMP_PROFILE")
    with pytest.raises(PolicyError) as exc:
        _native.compile_env({"SECCOMP_PROFILES": DOCKER})
    assert str(exc.value) == "SECCOMP_PROFILES: unknown variable"
