"""Unit tests of the policy compiler (csrc/core/policy.c + csrc/core/bpf.c).

Every program is run through the strict interpreter in pysandbox.bpf and its
decisions are compared with literal expectations or with `model()`, a few
lines of set logic that restate the documented semantics. Tables first, the
tests that walk them below.
"""
import errno
import functools
import math

import pytest

from pysandbox import PolicyError, _native, bpf
from support.actions import ALLOW, ERRNO, KILL_PROCESS, KILL_THREAD, LOG, PRECEDENCE, TRAP
from support.arches import AUDIT, TARGETS, X32_BIT
from support.filters import compile_insns, decide, env, table

# opcodes a name-only filter may contain
LD_ABS = bpf.LD | bpf.W | bpf.ABS
JEQ, JGE, JA, RET = bpf.JMP | bpf.JEQ, bpf.JMP | bpf.JGE, bpf.JMP | bpf.JA, bpf.RET | bpf.K


# ---- the model: the semantics as plain set logic ------------------------------

ACTION_WORDS = {"kill": KILL_PROCESS, "kill_process": KILL_PROCESS, "kill_thread": KILL_THREAD,
                "trap": TRAP, "log": LOG, "allow": ALLOW, "errno": ERRNO | errno.EPERM}


def model_action(word):
    if word in ACTION_WORDS:
        return ACTION_WORDS[word]
    value = word.split(":", 1)[1]  # errno:NAME or errno:NUMBER
    if value[0].isdigit():
        return ERRNO | int(value, 16 if value.lower().startswith("0x") else 10)
    return ERRNO | getattr(errno, value)


@functools.lru_cache(maxsize=None)
def model_numbers(items, arch):
    out = set()
    for item in items.split(":"):
        if item[:1].isdigit():
            out.add(int(item, 16 if item.lower().startswith("0x") else 10))
        elif item in table(arch):  # names of other arches are skipped
            out.add(table(arch)[item])
    return frozenset(out)


def model(environ, arch, nr, audit=None):
    # x86_64: x32 numbers are killed; -1 (what a tracer sets to skip a call) is not
    if audit not in (None, AUDIT[arch]) or (arch == "x86_64" and X32_BIT <= nr < 0xFFFFFFFF):
        return KILL_PROCESS
    deny_action = model_action(environ.get("SECCOMP_DEFAULT_ACTION", "kill"))
    allow, deny = environ.get("SECCOMP_SYSCALL_ALLOW"), environ.get("SECCOMP_SYSCALL_DENY")
    hits = []
    if allow is not None and nr in model_numbers(allow, arch):
        hits.append(ALLOW)
    if deny is not None and nr in model_numbers(deny, arch):
        hits.append(deny_action)
    if not hits:
        return deny_action if allow is not None else ALLOW
    return min(hits, key=lambda a: PRECEDENCE.index(a & 0xFFFF0000))


def probes(arch, environ=None):
    """Every number 0..1023, the boundaries, and every number the policy names."""
    top = max(table(arch).values())
    extra = set()
    for var in ("SECCOMP_SYSCALL_ALLOW", "SECCOMP_SYSCALL_DENY"):
        extra |= model_numbers((environ or {}).get(var, ""), arch)
    return sorted(set(range(1024)) | {0, top + 1, 0x3FFFFFFF, 0x40000000, 0x40000001,
                                       0xFFFFFFFF} | extra)


def disagreements(environ, arch):
    """[(nr, got, want)] wherever the compiled program and the model differ."""
    insns = compile_insns(environ, arch)
    out = []
    for nr in probes(arch, environ):
        got, want = decide(insns, arch, nr), model(environ, arch, nr)
        if got != want:
            out.append((hex(nr), hex(got), hex(want)))
    return out


# ---- tables ---------------------------------------------------------------------

WORDS = ["kill", "kill_process", "kill_thread", "trap", "errno", "errno:EACCES", "errno:ENOSYS",
         "errno:13", "errno:0x10", "errno:1", "errno:4095", "log", "allow"]

POLICIES = {
    "allow": env("read:write:exit_group"),
    "deny": env(deny="open:openat:execve:ptrace"),
    "both": env("read:write:open:close:mmap:openat", deny="open:close:ptrace:openat"),
    "numeric": env("0:0x1:0X3c:08:1023:1024:65535"),
    "numeric-deny": env(deny="0:0x3b:221:1023:65535"),
    "names-and-numbers-dup": env("read:0:0x0:write:write", deny="1:write"),
    "empty-items": env("::read:::write:", deny=":open::"),
    "foreign-names": env("open:_llseek:arm_fadvise64_64:cacheflush:socketcall:read"),
    "foreign-names-deny": env(deny="open:_llseek:set_thread_area:arch_prctl:read"),
    "empty-allow": env(""),
    "empty-deny": env(deny=""),
    "only-colons": env(":::", deny="::"),
    "first-and-last": env("0:1023", deny="1023"),
    **{"allow/" + w: env("read:write:exit_group:mmap", action=w) for w in WORDS},
    **{"deny/" + w: env(deny="openat:execve:read", action=w) for w in WORDS},
    **{"both/" + w: env("read:write:close:openat", deny="close:execve", action=w) for w in WORDS},
}

R = pytest.param
# (environment, arch, nr, args, expected action) - expectations written out by hand
CASES = [
    R(env("read:write"), "x86_64", 0, (), ALLOW, id="allow-read"),
    R(env("read:write"), "x86_64", 1, (), ALLOW, id="allow-write"),
    R(env("read:write"), "x86_64", 2, (), KILL_PROCESS, id="allow-open-unlisted"),
    R(env("read:write"), "aarch64", 63, (), ALLOW, id="aarch64-read"),
    R(env("read:write"), "aarch64", 0, (), KILL_PROCESS, id="aarch64-io_setup"),
    R(env("read", action="kill_thread"), "x86_64", 1, (), KILL_THREAD, id="kill_thread"),
    R(env("read", action="trap"), "x86_64", 1, (), TRAP, id="trap"),
    R(env("read", action="errno"), "x86_64", 1, (), ERRNO | 1, id="errno-EPERM"),
    R(env("read", action="errno:ENOSYS"), "x86_64", 1, (), ERRNO | 38, id="errno-name"),
    R(env("read", action="errno:4095"), "x86_64", 1, (), ERRNO | 4095, id="errno-max"),
    R(env("read", action="errno:0x10"), "x86_64", 1, (), ERRNO | 16, id="errno-hex"),
    R(env("read", action="log"), "x86_64", 1, (), LOG, id="log"),
    R(env("read", action="allow"), "x86_64", 1, (), ALLOW, id="allow-default"),
    R(env(deny="execve"), "x86_64", 59, (), KILL_PROCESS, id="deny-execve"),
    R(env(deny="execve"), "x86_64", 0, (), ALLOW, id="deny-other"),
    R(env(deny="execve", action="errno:EACCES"), "x86_64", 59, (), ERRNO | 13, id="deny-errno"),
    R(env(deny="execve"), "aarch64", 221, (), KILL_PROCESS, id="aarch64-deny-execve"),
    R(env(deny="execve"), "aarch64", 59, (), ALLOW, id="aarch64-59-is-pipe2"),
    R(env("read:write", deny="write"), "x86_64", 1, (), KILL_PROCESS, id="both-deny-wins"),
    R(env("read:write", deny="write", action="log"), "x86_64", 1, (), LOG, id="both-log"),
    R(env("read", deny="read", action="allow"), "x86_64", 0, (), ALLOW, id="both-allow"),
    R(env("0x1:60"), "x86_64", 60, (), ALLOW, id="numeric-decimal"),
    R(env("0x1:60"), "x86_64", 1, (), ALLOW, id="numeric-hex"),
    R(env("65535"), "x86_64", 65535, (), ALLOW, id="numeric-max"),
    R(env("65535"), "x86_64", 65534, (), KILL_PROCESS, id="numeric-max-1"),
    R(env("open:read"), "aarch64", 63, (), ALLOW, id="aarch64-skips-open"),
    R(env(""), "x86_64", 0, (), KILL_PROCESS, id="empty-allowlist"),
    R(env(deny=""), "x86_64", 59, (), ALLOW, id="empty-denylist"),
    R(env(deny="read"), "x86_64", 0x3FFFFFFF, (), ALLOW, id="below-x32-bit"),
    R(env(deny="read"), "x86_64", 0x40000000, (), KILL_PROCESS, id="x32-bit"),
    R(env(deny="read"), "x86_64", 0xFFFFFFFF, (), ALLOW, id="x86_64-minus-1"),
    R(env("read"), "x86_64", 0xFFFFFFFF, (), KILL_PROCESS, id="x86_64-minus-1-allowlist"),
    R(env(deny="read"), "aarch64", 0x40000000, (), ALLOW, id="aarch64-no-x32-bit"),
    R(env(deny="read"), "aarch64", 0xFFFFFFFF, (), ALLOW, id="aarch64-minus-1"),
    R(env("read"), "x86_64", 0, (1, 2, 3, 4, 5, 2**64 - 1), ALLOW, id="args-ignored"),
    R(env("read"), "x86_64", 1, (0, 0, 0, 0, 0, 0), KILL_PROCESS, id="args-zero"),
]

# (environment, exact one-line error)
TOO_MANY = ":".join(["read"] * 2049)
ERRORS = [
    R(env("read::opne"), "SECCOMP_SYSCALL_ALLOW: unknown syscall 'opne' (item 3)", id="unknown"),
    R(env(deny="read:write:opne"), "SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 3)",
      id="unknown-deny"),
    R(env(deny=":::nosuchcall"), "SECCOMP_SYSCALL_DENY: unknown syscall 'nosuchcall' (item 4)",
      id="unknown-after-empties"),
    R(env("a" * 63), "SECCOMP_SYSCALL_ALLOW: unknown syscall '%s' (item 1)" % ("a" * 63),
      id="unknown-63-chars"),
    R(env("Read"), "SECCOMP_SYSCALL_ALLOW: invalid syscall name 'Read' (item 1)", id="uppercase"),
    R(env("read:re-ad"), "SECCOMP_SYSCALL_ALLOW: invalid syscall name 're-ad' (item 2)",
      id="dash"),
    R(env("read write"), "SECCOMP_SYSCALL_ALLOW: invalid entry 'read write' (item 1)",
      id="space"),
    R(env("read,write"), "SECCOMP_SYSCALL_ALLOW: invalid entry 'read,write' (item 1)",
      id="comma"),
    R(env("-1"), "SECCOMP_SYSCALL_ALLOW: invalid syscall name '-1' (item 1)", id="negative"),
    R(env("a" * 64), "SECCOMP_SYSCALL_ALLOW: unknown syscall '%s' (item 1)" % ("a" * 63),
      id="64-chars-truncated"),
    R(env("a" * 256), "SECCOMP_SYSCALL_ALLOW: entry too long '%s' (item 1)" % ("a" * 63),
      id="256-chars"),
    R(env("12a"), "SECCOMP_SYSCALL_ALLOW: invalid syscall number '12a' (item 1)", id="12a"),
    R(env("read:0x"), "SECCOMP_SYSCALL_ALLOW: invalid syscall number '0x' (item 2)", id="0x"),
    R(env("0xg"), "SECCOMP_SYSCALL_ALLOW: invalid syscall number '0xg' (item 1)", id="0xg"),
    R(env("1.5"), "SECCOMP_SYSCALL_ALLOW: invalid entry '1.5' (item 1)", id="1.5"),
    R(env("65536"), "SECCOMP_SYSCALL_ALLOW: syscall number out of range '65536' (item 1)",
      id="65536"),
    R(env(deny=":0x10000"), "SECCOMP_SYSCALL_DENY: syscall number out of range '0x10000' (item 2)",
      id="0x10000"),
    R(env("9" * 30),
      "SECCOMP_SYSCALL_ALLOW: syscall number out of range '%s' (item 1)" % ("9" * 30),
      id="huge"),
    R(env("read", action="kil"), "SECCOMP_DEFAULT_ACTION: unknown action 'kil'", id="kil"),
    R(env("read", action="KILL"), "SECCOMP_DEFAULT_ACTION: unknown action 'KILL'", id="KILL"),
    R(env("read", action=""), "SECCOMP_DEFAULT_ACTION: unknown action", id="empty-action"),
    R(env("read", action="errno:"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:'",
      id="errno-empty"),
    R(env("read", action="errno:0"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:0'",
      id="errno-0"),
    R(env("read", action="errno:4096"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:4096'",
      id="errno-4096"),
    R(env("read", action="errno:-1"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:-1'",
      id="errno-negative"),
    R(env("read", action="errno:EFOO"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:EFOO'",
      id="errno-EFOO"),
    R(env("read", action="errno:eperm"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno:eperm'",
      id="errno-lowercase"),
    R(env("read", action="user_notif"), "SECCOMP_DEFAULT_ACTION: unknown action 'user_notif'",
      id="user_notif"),
    R(env("read", action="trace"), "SECCOMP_DEFAULT_ACTION: unknown action 'trace'", id="trace"),
    R(env(action="log"), "SECCOMP_DEFAULT_ACTION: is set without SECCOMP_SYSCALL_ALLOW or "
      "SECCOMP_SYSCALL_DENY", id="action-without-list"),
    R(env(action="bogus"), "SECCOMP_DEFAULT_ACTION: unknown action 'bogus'",
      id="bad-action-without-list"),
    R({"SECCOMP_FOO": "1"}, "SECCOMP_FOO: unknown variable", id="SECCOMP_FOO"),
    R({"SECCOMP_SYSCALL_ALLOW": "read", "SECCOMP_SYSCALLS_DENY": "write"},
      "SECCOMP_SYSCALLS_DENY: unknown variable", id="misspelt-with-policy"),
    R({"SECCOMP_": ""}, "SECCOMP_: unknown variable", id="bare-prefix"),
    R({"SECCOMP_" + "X" * 600: "1"}, "SECCOMP_" + "X" * 503 + ": unknown variable",
      id="long-variable-truncated"),
    R({"SECCOMP_SYSCALL_ALLOW": "opne", "SECCOMP_BOGUS": "1"}, "SECCOMP_BOGUS: unknown variable",
      id="variable-checked-first"),
    R(env("read", verbose="yes"), "SECCOMP_VERBOSE: expected 0 or 1, not 'yes'", id="verbose-yes"),
    R(env("read", verbose="2"), "SECCOMP_VERBOSE: expected 0 or 1, not '2'", id="verbose-2"),
    R(env("read", verbose="01"), "SECCOMP_VERBOSE: expected 0 or 1, not '01'", id="verbose-01"),
    R(env("opne", deny="bogus"), "SECCOMP_SYSCALL_ALLOW: unknown syscall 'opne' (item 1)",
      id="allow-checked-before-deny"),
    R(env(TOO_MANY), "SECCOMP_SYSCALL_ALLOW: too many rules at 'read' (item 2049)",
      id="too-many-rules"),
    R(env("read:" * 2048, deny="write"), "SECCOMP_SYSCALL_DENY: too many rules at 'write' (item 1)",
      id="too-many-rules-across-lists"),
]

NOTHING = [
    R({}, id="empty"),
    R({"PATH": "/bin", "HOME": "/"}, id="unrelated"),
    R({"SECCOMP_VERBOSE": "1"}, id="verbose-1-alone"),
    R({"SECCOMP_VERBOSE": "0"}, id="verbose-0-alone"),
    R({"seccomp_syscall_allow": "read"}, id="lowercase-name"),
    R({"SECCOMPX": "1"}, id="no-underscore"),
]

FOREIGN = [  # (filter arch, seccomp_data.arch of the call)
    ("x86_64", AUDIT["i386"]), ("x86_64", AUDIT["aarch64"]), ("x86_64", AUDIT["arm"]),
    ("x86_64", 0), ("x86_64", 0xFFFFFFFF), ("x86_64", AUDIT["x86_64"] ^ 0x80000000),
    ("aarch64", AUDIT["x86_64"]), ("aarch64", AUDIT["i386"]), ("aarch64", AUDIT["arm"]),
    ("aarch64", 0),
]


# ---- decisions --------------------------------------------------------------------

@pytest.mark.parametrize("environ, arch, nr, args, expected", CASES)
def test_case(environ, arch, nr, args, expected):
    assert decide(compile_insns(environ, arch), arch, nr, args=args, ip=0x41414141) == expected


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", POLICIES.values(), ids=POLICIES.keys())
def test_every_number_matches_model(environ, arch):
    assert disagreements(environ, arch) == []


@pytest.mark.parametrize("arch, audit", FOREIGN)
@pytest.mark.parametrize("nr", [0, 1, 59, 221, 0x40000000])
def test_foreign_arch_is_killed_even_by_denylist(arch, audit, nr):
    insns = compile_insns(env(deny="read", action="allow"), arch)
    assert decide(insns, arch, nr, audit=audit) == KILL_PROCESS


def test_every_x32_syscall_is_killed_on_x86_64():
    insns = compile_insns(env(deny="read"), "x86_64")
    x32 = _native.syscalls("x32").values()
    assert [hex(nr) for nr in x32 if decide(insns, "x86_64", nr) != KILL_PROCESS] == []


# ---- program shape -------------------------------------------------------------------

@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", POLICIES.values(), ids=POLICIES.keys())
def test_loads_only_nr_and_arch(environ, arch):
    """No load of args or ip: keeps the kernel's action cache (seccomp_cache_prepare) usable."""
    offsets = {k for code, _, _, k in compile_insns(environ, arch) if code == LD_ABS}
    assert offsets <= {bpf.OFF_NR, bpf.OFF_ARCH}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", POLICIES.values(), ids=POLICIES.keys())
def test_uses_only_ld_jeq_jge_ja_ret(environ, arch):
    codes = {code for code, _, _, _ in compile_insns(environ, arch)}
    assert codes <= {LD_ABS, JEQ | bpf.K, JGE | bpf.K, JA, RET}


# ---- long lists -------------------------------------------------------------------------

ALL_NAMES = {a: ":".join(_native.syscalls(a)) for a in TARGETS}
EVERY_NAME_ANYWHERE = ":".join(sorted(set().union(*(_native.syscalls(a) for a in _native.ARCHES))))
ALTERNATING = env(":".join(str(n) for n in range(0, 1024, 2)),
                  deny=":".join(str(n) for n in range(1, 1024, 2)), action="errno:EACCES")
LONG = {
    "all-names-allow": lambda a: env(ALL_NAMES[a]),
    "all-names-deny": lambda a: env(deny=ALL_NAMES[a], action="log"),
    "all-names-both": lambda a: env(ALL_NAMES[a], deny=ALL_NAMES[a], action="trap"),
    "names-of-every-arch": lambda a: env(EVERY_NAME_ANYWHERE),
    "alternating-0-1023": lambda a: ALTERNATING,
    "hex-alternating": lambda a: env(":".join(hex(n) for n in range(0, 1024, 2))),
    "1024-duplicates": lambda a: env(":".join(["read"] * 1024)),
    "duplicates-both": lambda a: env(":".join(["read", "write"] * 300),
                                     deny=":".join(["write", "0"] * 200), action="errno"),
}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("make", LONG.values(), ids=LONG.keys())
def test_long_list_fits(make, arch):
    assert len(compile_insns(make(arch), arch)) < 4096


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("make", LONG.values(), ids=LONG.keys())
def test_long_list_decides_like_model(make, arch):
    assert disagreements(make(arch), arch) == []


@pytest.mark.parametrize("arch", TARGETS)
def test_alternating_list_needs_long_jumps(arch):
    """Subtrees over 255 instructions are reached through `ja` (jt/jf are 8 bits)."""
    assert any(code == JA for code, _, _, _ in compile_insns(ALTERNATING, arch))


@pytest.mark.parametrize("arch", TARGETS)
def test_short_list_has_no_long_jumps(arch):
    assert not any(code == JA for code, _, _, _ in compile_insns(env("read:write"), arch))


@pytest.mark.parametrize("arch", TARGETS)
def test_long_jumps_land_inside_the_program(arch):
    insns = compile_insns(ALTERNATING, arch)
    targets = [pc + 1 + k for pc, (code, _, _, k) in enumerate(insns) if code == JA]
    assert all(insns[t][0] in (JGE | bpf.K, RET) for t in targets)


# ---- log depth: count the instructions one decision executes ---------------------------

def trace(insns, data):
    """(action, instructions executed) for programs made of ld/jeq/jge/ja/ret only."""
    a, pc, steps = 0, 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        steps += 1
        pc += 1
        if code == RET:
            return k, steps
        if code == LD_ABS:
            a = int.from_bytes(data[k:k + 4], "little")
        elif code == JA:
            pc += k
        elif code == JEQ | bpf.K:
            pc += jt if a == k else jf
        elif code == JGE | bpf.K:
            pc += jt if a >= k else jf
        else:
            raise AssertionError("opcode 0x%x is not in a name-only filter" % code)


def step_counts(insns, arch):
    out = {}
    for nr in range(1024 + 64):  # numbers that reach the tree on both arches
        data = bpf.seccomp_data(nr, AUDIT[arch])
        action, steps = trace(insns, data)
        assert action == bpf.run(insns, data)  # the tracer agrees with the checker
        out[nr] = steps
    return out


def leaves(insns, arch):
    """Leaves of the search tree: every `ret` but the prologue's kills."""
    return sum(code == RET for code, _, _, _ in insns) - (2 if arch == "x86_64" else 1)


# instructions executed before the tree: ld arch, jeq, ld nr (+ jge x32 bit on x86_64)
PROLOGUE = {"x86_64": 4, "aarch64": 3}


@pytest.mark.parametrize("arch", TARGETS)
def test_alternating_decision_is_logarithmic(arch):
    insns = compile_insns(ALTERNATING, arch)
    depth = math.ceil(math.log2(leaves(insns, arch)))  # 10 for 1024 leaves
    assert max(step_counts(insns, arch).values()) <= PROLOGUE[arch] + 2 * depth + 1


@pytest.mark.parametrize("arch", TARGETS)
def test_alternating_tree_is_balanced(arch):
    """Every leaf sits at least floor(log2 n) comparisons deep: no lopsided chains."""
    insns = compile_insns(ALTERNATING, arch)
    depth = math.floor(math.log2(leaves(insns, arch)))
    assert min(step_counts(insns, arch).values()) >= PROLOGUE[arch] + depth + 1


@pytest.mark.parametrize("arch", TARGETS)
def test_all_names_decision_is_logarithmic(arch):
    insns = compile_insns(env(ALL_NAMES[arch], deny="read:write:openat"), arch)
    depth = math.ceil(math.log2(leaves(insns, arch)))
    assert max(step_counts(insns, arch).values()) <= PROLOGUE[arch] + 2 * depth + 1


# ---- parser ------------------------------------------------------------------------------

@pytest.mark.parametrize("environ, message", ERRORS)
def test_error_message(environ, message):
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(environ, "x86_64")
    assert str(exc.value) == message


@pytest.mark.parametrize("environ", NOTHING)
def test_no_policy_compiles_to_none(environ):
    assert _native.compile_env(environ, "x86_64") is None


@pytest.mark.parametrize("word", WORDS + ["errno:EPERM", "errno:0xfff"])
def test_parse_action_matches_model(word):
    assert _native.parse_action(word) == model_action(word)


def test_1020_isolated_numbers_fit():
    """1020 isolated numbers make 2041 ranges: just within BPF_MAXINSNS."""
    assert 4090 <= len(compile_insns(env(":".join(str(2 * n) for n in range(1020))))) <= 4096


def test_1021_isolated_numbers_are_rejected_cleanly():
    """A policy within SB_RULES_MAX that does not fit BPF_MAXINSNS is a PolicyError."""
    with pytest.raises(PolicyError, match="does not fit in one seccomp filter"):
        _native.compile_env(env(":".join(str(2 * n) for n in range(1021))), "x86_64")


@pytest.mark.parametrize("arch", ["i386", "x32"])
def test_name_table_arch_is_no_target(arch):
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(env("read"), arch)
    assert str(exc.value) == ("cannot compile a filter for %s (targets: x86_64, aarch64)"
                              % arch)


# ---- the checker itself can fail ---------------------------------------------------------

def test_interpreter_runs_a_trivial_program():
    assert bpf.run([(RET, 0, 0, ALLOW)], bpf.seccomp_data(0, 0)) == ALLOW


def test_interpreter_rejects_unknown_opcode():
    with pytest.raises(bpf.BpfError, match="unknown opcode"):
        bpf.run([(0xFFFF, 0, 0, 0), (RET, 0, 0, ALLOW)], bpf.seccomp_data(0, 0))


def test_interpreter_rejects_falling_off_the_end():
    with pytest.raises(bpf.BpfError):
        bpf.run([(LD_ABS, 0, 0, 0)], bpf.seccomp_data(0, 0))


def test_interpreter_rejects_jump_past_the_end():
    with pytest.raises(bpf.BpfError):
        bpf.run([(JEQ | bpf.K, 5, 5, 0), (RET, 0, 0, ALLOW)], bpf.seccomp_data(0, 0))


def test_interpreter_rejects_load_outside_seccomp_data():
    with pytest.raises(bpf.BpfError, match="load outside"):
        bpf.run([(LD_ABS, 0, 0, 64), (RET, 0, 0, ALLOW)], bpf.seccomp_data(0, 0))


def test_decode_rejects_a_partial_instruction():
    with pytest.raises(bpf.BpfError):
        bpf.decode(b"\x06\x00\x00\x00\x00\x00\xff")


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, leaf", [
    # a 16-bit argument (umode_t): its low word, cut to 16 bits, then the comparison
    ("fchmodat(arg2 == 0777)=EPERM", [("ld", 2), ("and", 0xFFFF), ("jeq", 0o777)]),
    ("fchmodat(arg2 > 0777)=EPERM", [("ld", 2), ("and", 0xFFFF), ("jgt", 0o777)]),
    ("fchmodat(arg2 & 0x10fff == 04000)=EPERM", [("ld", 2), ("and", 0xFFF), ("jeq", 0o4000)]),
    # a 32-bit argument: its low word only, no cut
    ("fchmodat(arg0 == 3)=EPERM", [("ld", 0), ("jeq", 3)]),
])
def test_narrow_condition_shape(entry, leaf, arch):
    """What the leaf of a condition on a narrow argument runs: never the high word."""
    insns = bpf.decode(_native.compile_env(env(deny=entry), arch))
    names = {LD_ABS: "ld", bpf.ALU | bpf.AND | bpf.K: "and", JEQ: "jeq",
             bpf.JMP | bpf.JGT: "jgt"}
    arg_lo = [bpf.OFF_ARGS + 8 * i for i in range(6)]
    got = []
    for code, _, _, k in insns:
        if code == LD_ABS and k in arg_lo:
            got = [("ld", arg_lo.index(k))]
        elif got and code in names and len(got) < 3:
            got.append((names[code], k))
    assert got == leaf


def test_highest_rule_number_sorts_without_overflow():
    """A rule numbered 0xffffffff (only a caller filling struct sb_seccomp by
    hand can write one): the sort's bound must not wrap to 0 and index out of
    its table. (Before: a write 4 GiB past a stack array.)"""
    policy = _native.load({"SECCOMP_SYSCALL_DENY": "read:write"}, "x86_64")
    policy = policy._replace(rules=(policy.rules[0], policy.rules[1]._replace(nr=0xFFFFFFFF)))
    prog = bpf.decode(policy.compile())
    read = _native.syscall_nr("read", "x86_64")
    assert bpf.run(prog, bpf.seccomp_data(read, _native.arch_audit(_native.arch("x86_64")))) \
        == _native.ACTIONS["kill_process"]
