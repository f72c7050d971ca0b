"""Tests of the policy language: per-entry actions, argument conditions, @groups
and policy files (csrc/core/policy.c parses, csrc/core/bpf.c compiles).

Tables first, the tests that walk them below. Every program is run through the
strict interpreter in pysandbox.bpf. Expectations are either written out by
hand (CASES) or computed from a few lines of Python that restate the
documented comparison semantics (the boundary sweeps): 64-bit values compared
on both halves; a negative value (or AT_FDCWD) compares the low 32 bits only.
"""
import errno
import functools
import os

import pytest

from pysandbox import PolicyError, _native, bpf
from support.actions import ALLOW, ERRNO, KILL_PROCESS, KILL_THREAD, LOG, TRAP
from support.arches import AUDIT, TARGETS
from support.filters import U64, compile_insns, decide, env, flip, table
from support.proc import ROOT, clean_env, run

LD_ABS = bpf.LD | bpf.W | bpf.ABS
RET = bpf.RET | bpf.K
ARG_LO = [bpf.OFF_ARGS + 8 * i for i in range(6)]
ARG_HI = [off + 4 for off in ARG_LO]

R = pytest.param


# ---- (a) parser errors: (environment, exact one-line message) ----------------------------

A = "SECCOMP_SYSCALL_ALLOW: "
D = "SECCOMP_SYSCALL_DENY: "
BAD_COND, BAD_VALUE, BAD_MASK = "invalid condition", "invalid value in condition", \
    "invalid mask in condition"
MASKED_NEEDS_EQ = "a masked condition needs =="


def cond_error(what, cond, id):
    """read(COND) in the allowlist, refused with WHAT naming COND."""
    return R(env("read(%s)" % cond), A + "%s '%s' (item 1)" % (what, cond), id=id)


ENV_ERRORS = [
    # invalid condition
    cond_error(BAD_COND, "arg6 == 1", "arg6"),
    cond_error(BAD_COND, "arg == 1", "arg-no-digit"),
    cond_error(BAD_COND, "arg 0 == 1", "arg-space-digit"),
    cond_error(BAD_COND, "Arg0 == 1", "Arg0"),
    cond_error(BAD_COND, "x == 1", "not-arg"),
    cond_error(BAD_COND, "arg01 == 1", "arg01"),
    cond_error(BAD_COND, "arg0 = 1", "single-equals"),
    cond_error(BAD_COND, "arg0 === 1", "triple-equals"),
    cond_error(BAD_COND, "arg0 !== 1", "bang-equals-equals"),
    cond_error(BAD_COND, "arg0 <> 1", "angle-pair"),
    cond_error(BAD_COND, "arg0 => 1", "arrow"),
    cond_error(BAD_COND, "arg0 ! 1", "bang"),
    cond_error(BAD_COND, "arg0 1", "no-op"),
    cond_error(BAD_COND, "arg0 == ", "no-value"),
    cond_error(BAD_COND, "arg0", "arg-alone"),
    cond_error(BAD_COND, "arg0 == 1 2", "two-values"),
    cond_error(BAD_COND, "arg0 == 1&2", "and-in-value"),
    cond_error(BAD_COND, "1 == arg0", "reversed"),
    cond_error(BAD_COND, "", "empty-parens"),
    R(env("read(,)"), A + "invalid condition '' (item 1)", id="lone-comma"),
    R(env("read(arg0 == 1,)"), A + "invalid condition '' (item 1)", id="trailing-comma"),
    R(env("read(arg0 == 1,,arg1 == 2)"), A + "invalid condition '' (item 1)", id="double-comma"),
    R(env("read(arg0 == 1, arg9 == 2)"), A + "invalid condition ' arg9 == 2' (item 1)",
      id="second-bad"),
    R(env("read:write:read(arg0 < 1 < 2)"), A + "invalid condition 'arg0 < 1 < 2' (item 3)",
      id="item-3"),
    cond_error(BAD_COND, "arg0 == 1;arg1 == 2", "semicolon"),
    # invalid mask
    cond_error(BAD_MASK, "arg0 & == 1", "mask-missing"),
    cond_error(BAD_MASK, "arg0 &== 1", "mask-glued"),
    cond_error(BAD_MASK, "arg0 & FOO == 1", "mask-unknown-const"),
    cond_error(BAD_MASK, "arg0 & 0x == 1", "mask-0x"),
    cond_error(BAD_MASK, "arg0 & 1|| == 1", "mask-double-bar"),
    cond_error(BAD_MASK, "arg0 & 0x10000000000000000 == 0", "mask-65-bits"),
    cond_error(BAD_MASK, "arg0 & -0 == 0", "mask-minus-0"),
    # invalid value
    R(env("read(arg0 == 0x100000000)"), A + "value too wide for 32-bit arg0 of 'read' (item 1)",
      id="wide-value-on-int-arg"),
    R(env("read:write(arg1 == 1, arg0 > 0xffffffffffffff9c)"),
      A + "value too wide for 32-bit arg0 of 'write' (item 2)", id="wide-value-second-cond"),
    R(env(deny="socket(arg0 == 0x100000002)"),
      D + "value too wide for 32-bit arg0 of 'socket' (item 1)", id="wide-value-deny"),
    R(env("41(arg2 != 0x1ffffffff)"), A + "value too wide for 32-bit arg2 of '41' (item 1)",
      id="wide-value-numeric-target"),
    R(env(deny="fchmodat(arg2 == 0x101ff)"),
      D + "value too wide for 16-bit arg2 of 'fchmodat' (item 1)", id="wide-value-umode"),
    R(env("read:openat(arg3 & 0x1ffff == 0x10000)"),
      A + "value too wide for 16-bit arg3 of 'openat' (item 2)", id="wide-value-umode-masked"),
    R(env("mkdir(arg1 == -1)"), A + "value too wide for 16-bit arg1 of 'mkdir' (item 1)",
      id="negative-value-umode"),
    cond_error(BAD_VALUE, "arg0 == FOO", "unknown-const"),
    cond_error(BAD_VALUE, "arg0 == af_unix", "lowercase-const"),
    cond_error(BAD_VALUE, "arg0 == 0x", "0x"),
    cond_error(BAD_VALUE, "arg0 == 0xg", "0xg"),
    cond_error(BAD_VALUE, "arg0 == 12a", "12a"),
    cond_error(BAD_VALUE, "arg0 == 0778", "octal-8"),  # 0-prefixed values are octal, as in C
    cond_error(BAD_MASK, "arg0 & 09 == 0", "octal-9-mask"),
    cond_error(BAD_VALUE, "arg0 == 0x10000000000000000", "2^64-hex"),
    cond_error(BAD_VALUE, "arg0 == 18446744073709551616", "2^64-dec"),
    cond_error(BAD_VALUE, "arg0 == -0", "minus-0"),
    cond_error(BAD_VALUE, "arg0 == -", "minus-alone"),
    cond_error(BAD_VALUE, "arg0 == --1", "minus-minus"),
    cond_error(BAD_VALUE, "arg0 == -2147483649", "below-int-min"),
    cond_error(BAD_VALUE, "arg0 == -0x80000001", "below-int-min-hex"),
    cond_error(BAD_VALUE, "arg0 == -AF_UNIX", "minus-const"),
    cond_error(BAD_VALUE, "arg0 == 1|", "trailing-bar"),
    cond_error(BAD_VALUE, "arg0 == |1", "leading-bar"),
    cond_error(BAD_VALUE, "arg0 == 1||2", "double-bar"),
    cond_error(BAD_VALUE, "arg0 == 1|-1", "bar-negative"),
    cond_error(BAD_VALUE, "arg0 == AT_FDCWD|1", "negative-const-or"),
    cond_error(BAD_VALUE, "arg0 == 1|AT_FDCWD", "or-negative-const"),
    cond_error(BAD_VALUE, "arg0 == AF_UNIX|FOO", "or-unknown"),
    # masked conditions need ==
    cond_error(MASKED_NEEDS_EQ, "arg0 & 1 != 1", "masked-ne"),
    cond_error(MASKED_NEEDS_EQ, "arg0 & 1 < 1", "masked-lt"),
    cond_error(MASKED_NEEDS_EQ, "arg0 & 1 <= 1", "masked-le"),
    cond_error(MASKED_NEEDS_EQ, "arg0 & 1 > 1", "masked-gt"),
    cond_error(MASKED_NEEDS_EQ, "arg0 & 1 >= 1", "masked-ge"),
    cond_error(MASKED_NEEDS_EQ, "arg0 & -1 > 1", "masked-negative-gt"),
    # ordering with a negative value
    *[R(env("read(arg0 %s %s)" % (op, v)),
        A + "ordering comparison with a negative value 'arg0 %s %s' (item 1)" % (op, v),
        id="ordering-%s-%s" % (op, v))
      for op in ("<", "<=", ">", ">=") for v in ("-1", "-2147483648", "AT_FDCWD")],
    R(env(deny="ptrace(arg0 < -1)=EPERM"),
      D + "ordering comparison with a negative value 'arg0 < -1' (item 1)", id="ordering-deny"),
    # too many conditions
    R(env("read(%s)" % ", ".join("arg%d == %d" % (i % 6, i) for i in range(7))),
      A + "too many conditions at ' arg0 == 6' (item 1)", id="7-conditions"),
    R(env("read(%s)" % ",".join(["arg0 == 1"] * 9)),
      A + "too many conditions at 'arg0 == 1' (item 1)", id="9-conditions"),
    # parentheses and entries
    R(env("read(arg0 == 1"), A + "missing ')' in 'read(arg0 == 1' (item 1)", id="missing-paren"),
    R(env("read(arg0 == 1=trap"), A + "missing ')' in 'read(arg0 == 1=trap' (item 1)",
      id="missing-paren-action"),
    R(env("read:write(arg0 == 1:close"), A + "missing ')' in 'write(arg0 == 1' (item 2)",
      id="colon-inside-parens"),
    R(env("read(arg0 == 1)x"), A + "invalid entry 'read(arg0 == 1)x' (item 1)",
      id="after-paren"),
    R(env("read(arg0 == 1))"), A + "invalid entry 'read(arg0 == 1))' (item 1)",
      id="double-close"),
    R(env("read(arg0 == 1)(arg1 == 2)"), A + "invalid entry 'read(arg0 == 1)(arg1 == 2)' (item 1)",
      id="two-groups"),
    R(env(" read"), A + "invalid entry ' read' (item 1)", id="leading-space"),
    R(env("(arg0 == 1)"), A + "invalid entry '(arg0 == 1)' (item 1)", id="no-target"),
    R(env("=allow"), A + "invalid entry '=allow' (item 1)", id="only-action"),
    R(env("read)"), A + "invalid entry 'read)' (item 1)", id="close-only"),
    R(env("Read(arg0 == 1)"), A + "invalid syscall name 'Read' (item 1)", id="uppercase-name"),
    R(env("opne(arg0 == 1)"), A + "unknown syscall 'opne' (item 1)", id="unknown-syscall"),
    R(env("opne(arg6 == 1)"), A + "invalid condition 'arg6 == 1' (item 1)",
      id="conditions-before-target"),
    R(env("opne(arg0 == 1)=bogus"), A + "unknown action 'bogus' (item 1)",
      id="action-before-target"),
    R(env("65536(arg0 == 1)"), A + "syscall number out of range '65536' (item 1)",
      id="number-out-of-range"),
    R(env("0x(arg0 == 1)"), A + "invalid syscall number '0x' (item 1)", id="number-0x"),
    R(env("read(%s)" % ", ".join(["arg0 == 1"] * 30)),
      A + "entry too long 'read(%s' (item 1)" % ", ".join(["arg0 == 1"] * 30)[:58],
      id="entry-too-long"),
    R(env("read(arg0 == 0x%s)" % ("f" * 60)),
      A + "invalid value in condition 'arg0 == 0x%s' (item 1)" % ("f" * 53),
      id="token-truncated-63"),
    R(env("read(arg0 == %s)" % ("1" * 64)),
      A + "invalid condition 'arg0 == %s' (item 1)" % ("1" * 55), id="value-word-64-chars"),
    cond_error(BAD_VALUE, "arg0 == x1", "x1"),
    R(env("read (arg0 == 1) x"), A + "invalid entry 'read (arg0 == 1) x' (item 1)",
      id="word-after-blank-paren"),
    R(env("read x"), A + "invalid entry 'read x' (item 1)", id="word-after-name"),
    R(env("read = "), A + "unknown action '' (item 1)", id="blank-action"),
    R(env("read ("), A + "missing ')' in 'read (' (item 1)", id="blank-open-paren"),
    # actions
    R(env("read="), A + "unknown action '' (item 1)", id="empty-action"),
    R(env("read(arg0 == 1)="), A + "unknown action '' (item 1)", id="empty-action-cond"),
    R(env("read=bogus"), A + "unknown action 'bogus' (item 1)", id="bogus"),
    R(env("read=KILL"), A + "unknown action 'KILL' (item 1)", id="KILL"),
    R(env("read=user_notif"), A + "unknown action 'user_notif' (item 1)", id="user_notif"),
    R(env("read=trace"), A + "unknown action 'trace' (item 1)", id="trace"),
    R(env("read=eperm"), A + "unknown action 'eperm' (item 1)", id="lowercase-errno"),
    R(env("read=E"), A + "unknown action 'E' (item 1)", id="E"),
    R(env("read=EFOO"), A + "unknown action 'EFOO' (item 1)", id="EFOO"),
    R(env("read=errno()"), A + "unknown action 'errno()' (item 1)", id="errno-empty"),
    R(env("read=errno(0)"), A + "unknown action 'errno(0)' (item 1)", id="errno-0"),
    R(env("read=errno(4096)"), A + "unknown action 'errno(4096)' (item 1)", id="errno-4096"),
    R(env("read=errno(-1)"), A + "unknown action 'errno(-1)' (item 1)", id="errno-negative"),
    R(env("read=errno(EFOO)"), A + "unknown action 'errno(EFOO)' (item 1)", id="errno-EFOO"),
    R(env("read=errno(EPERM"), A + "unknown action 'errno(EPERM' (item 1)", id="errno-unclosed"),
    R(env("read=errno(EPERM))"), A + "unknown action 'errno(EPERM))' (item 1)",
      id="errno-double-close"),
    R(env("read=trap=log"), A + "unknown action 'trap=log' (item 1)", id="two-actions"),
    *[R(env(e), A + "invalid entry '%s' (item 1)" % e, id="text-after-action-%d" % i)
      for i, e in enumerate(["read=trap bogus", "read=EACCES EPERM", "read = log allow",
                             "read=errno (EACCES)", "read(arg0 == 1)=trap x"])],
    R(env("read=errno:EPERM"), A + "invalid syscall name 'EPERM' (item 2)",
      id="errno-colon-splits-the-list"),
    R(env("read(arg0 == 1)=errno:EACCES"), A + "invalid syscall name 'EACCES' (item 2)",
      id="errno-colon-after-condition"),
    R(env(deny="ptrace=bogus"), D + "unknown action 'bogus' (item 1)", id="deny-bogus"),
    # groups
    R(env("@nosuch"), A + "unknown group '@nosuch' (item 1)", id="unknown-group"),
    R(env("@"), A + "unknown group '@' (item 1)", id="at-alone"),
    R(env("@Dangerous"), A + "unknown group '@Dangerous' (item 1)", id="group-case"),
    R(env("@basic_io"), A + "unknown group '@basic_io' (item 1)", id="group-underscore"),
    R(env("@nosuch(arg0 == 1)"), A + "unknown group '@nosuch' (item 1)",
      id="unknown-group-with-conditions"),
    R(env("@dangerous(arg0 == 1)"), A + "argument conditions on a group '@dangerous' (item 1)",
      id="group-conditions"),
    R(env(deny="read:@basic-io(arg0 == 1)=EPERM"),
      D + "argument conditions on a group '@basic-io' (item 2)", id="group-conditions-deny"),
    R(env("@known(arg0 == 1)"), A + "argument conditions on a group '@known' (item 1)",
      id="known-conditions"),
    R(env("@basic-io=bogus"), A + "unknown action 'bogus' (item 1)", id="group-bad-action"),
    # limits
    R(env(":".join(["read(arg0 == -1)"] * 1025)), A + "too many rules at 'read' (item 1025)",
      id="1025-conditions"),
    R(env(":".join(["read(arg0 == -1, arg1 == -1)"] * 512), deny="write(arg0 == 1)"),
      D + "too many rules at 'write' (item 1)", id="1025-conditions-across-lists"),
    R(env("@known:" * 7), A + "too many rules at '@known' (item %d)"
      % (2048 // len(_native.syscalls("x86_64")) + 1), id="too-many-rules-by-groups"),
    # SECCOMP_DEFAULT_ACTION takes the same words plus errno:
    R(env("read", action="errno()"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno()'",
      id="default-errno-empty-parens"),
    R(env("read", action="EFOO"), "SECCOMP_DEFAULT_ACTION: unknown action 'EFOO'",
      id="default-EFOO"),
    R(env("read", action="errno(4096)"), "SECCOMP_DEFAULT_ACTION: unknown action 'errno(4096)'",
      id="default-errno-4096"),
]

# entries that parse (each must compile on x86_64)
ACCEPTED = [
    "read(arg0 == 1)", "read(arg0==1)", "read( arg0 == 1 )", "read(\targ0\t==\t1\t)",
    "read(arg0 & 0xff == 1)", "read(arg0&0xff==1)", "read(arg0 &\t0xff == 1)",
    "read(arg5 != 0)", "read(arg0 < 1, arg1 <= 2, arg2 > 3, arg3 >= 4, arg4 == 5, arg5 != 6)",
    "read(arg0 == 0X1F)", "read(arg0 == 0xAbCdEf)", "mmap(arg0 == 18446744073709551615)",
    "mmap(arg0 == 0xffffffffffffffff)", "read(arg0 == 0xffffffff)", "read(arg0 == 0)",
    "read(arg0 == 00)",
    "read(arg0 == -1)", "read(arg0 == -2147483648)", "read(arg0 == -0x80000000)",
    "read(arg0 != -100)", "read(arg0 & -1 == -1)", "read(arg0 & AT_FDCWD == 0)",
    "read(arg0 == AT_FDCWD)", "read(arg0 == AF_UNIX|AF_INET)", "read(arg0 == 1|2|0x4)",
    "read(arg0 == O_CREAT|O_EXCL|O_TRUNC)", "read(arg0 & O_ACCMODE == O_WRONLY)",
    "read(arg0 == PERSONALITY_QUERY)", "read(arg0 < PERSONALITY_QUERY)",
    "read (arg0 == 1)", "read(arg0 == 1) =trap", "read= trap", "read = trap", "read=trap\t",
    "read\t(\targ0 == 1\t)\t=\terrno(EACCES)", "@dangerous = EPERM",
    "read(arg0 == 0x%s)" % ("0" * 50), "read(arg0 == %s1)" % ("0" * 50),
    "read(arg0 == 1)=trap", "read(arg0 == 1)=errno(EACCES)", "read(arg0 == 1)=errno(13)",
    "read(arg0 == 1)=errno(0x10)", "read(arg0 == 1)=errno(4095)", "read(arg0 == 1)=EACCES",
    "read=kill", "read=kill_process", "read=kill_thread", "read=trap", "read=log",
    "read=allow", "read=errno", "@dangerous=EPERM", "@basic-io=log", "0(arg0 == 1)",
    "0x0(arg0 == 1)=trap", "65535(arg0 == 1)", "arch_prctl(arg0 == 1)",
    "open(arg1 & O_CREAT == 0)",  # no open on aarch64: skipped there, checked here
    ":".join(["read(arg0 == -1)"] * 1024),  # exactly SB_CONDS_MAX conditions
]


# ---- (a) parser errors in policy files: (text, other variables, message with {p}) -----

FILE_ERRORS = [
    R("allow opne\n", {}, "{p}:1: unknown syscall 'opne'", id="unknown-syscall"),
    R("# c\n\n  allow read\nalow write\n", {},
      "{p}:4: expected allow, deny, default or a Landlock keyword, not 'alow'", id="verb-typo"),
    R("ALLOW read", {}, "{p}:1: expected allow, deny, default or a Landlock keyword, "
      "not 'ALLOW'", id="verb-case"),
    R("allow=read", {}, "{p}:1: expected allow, deny, default or a Landlock keyword, "
      "not 'allow=read'", id="verb-equals"),
    R("allow read\n   permit write # why\n", {},
      "{p}:2: expected allow, deny, default or a Landlock keyword, not 'permit'",
      id="verb-indented"),
    R("allow read(arg6 == 1)", {}, "{p}:1: invalid condition 'arg6 == 1'", id="condition"),
    R("deny socket(arg0 & FOO == 1)", {}, "{p}:1: invalid mask in condition 'arg0 & FOO == 1'",
      id="mask"),
    R("allow read(arg0 == BAR)", {}, "{p}:1: invalid value in condition 'arg0 == BAR'",
      id="value"),
    R("allow read(arg0 & 1 >= 1)", {}, "{p}:1: a masked condition needs == 'arg0 & 1 >= 1'",
      id="masked-op"),
    R("allow read\ndeny unshare(arg0 & CLONE_NEWUSER == 1) = EPERM", {},
      "{p}:2: condition on arg0 never holds (value bits outside the mask) in "
      "'unshare(arg0 & CLONE_NEWUSER == 1) = EPERM'", id="never-holds"),
    R("deny fchmodat(arg2 == 0x101ff)", {}, "{p}:1: value too wide for 16-bit arg2 of 'fchmodat'",
      id="umode-too-wide"),
    R("allow\tread(arg0 < -1)", {},
      "{p}:1: ordering comparison with a negative value 'arg0 < -1'", id="ordering-negative"),
    R("allow read(%s)" % ",".join(["arg1 != 0"] * 7), {},
      "{p}:1: too many conditions at 'arg1 != 0'", id="too-many-conditions"),
    R("allow read(arg0 == 1", {}, "{p}:1: missing ')' in 'read(arg0 == 1'", id="missing-paren"),
    R("deny ptrace=bogus", {}, "{p}:1: unknown action 'bogus'", id="entry-action"),
    R("allow read write", {}, "{p}:1: invalid entry 'read write'", id="two-targets"),
    R("deny ptrace=trap kill", {}, "{p}:1: invalid entry 'ptrace=trap kill'",
      id="text-after-action"),
    R("allow read:write", {}, "{p}:1: invalid entry 'read:write'", id="list-in-file"),
    R("allow read;", {}, "{p}:1: invalid entry 'read;'", id="semicolon"),
    R("allow", {}, "{p}:1: invalid entry", id="allow-alone"),
    R("deny  \t ", {}, "{p}:1: invalid entry", id="deny-blank"),
    R("allow @nosuch", {}, "{p}:1: unknown group '@nosuch'", id="unknown-group"),
    R("deny @dangerous(arg0 == 1)", {}, "{p}:1: argument conditions on a group '@dangerous'",
      id="group-conditions"),
    R("default bogus", {}, "{p}:1: unknown action 'bogus'", id="default-bogus"),
    R("default", {}, "{p}:1: unknown action", id="default-alone"),
    R("default log\nallow read\ndefault trap\n", {}, "{p}:3: default action set twice 'trap'",
      id="default-twice"),
    R("allow read\ndefault trap", {"SECCOMP_DEFAULT_ACTION": "log"},
      "{p}:2: default action set twice 'trap'", id="default-and-variable"),
    R("allow read\r\nallow opne\r\n", {}, "{p}:2: unknown syscall 'opne'", id="crlf"),
    R("\n\n\n   allow opne   # a comment\n", {}, "{p}:4: unknown syscall 'opne'",
      id="line-number-counts-blanks"),
    R("allow read # " + "x" * 1011, {}, "{p}:1: line too long 'allow read # xxxxxxxxxxxxxxxxxxx'",
      id="1024-chars"),
    R("allow read\nallow " + "a" * 2000, {}, "{p}:2: line too long 'allow %s'" % ("a" * 26),
      id="2006-chars"),
    R("allow read\0", {}, "{p}:1: NUL byte in 'line'", id="nul"),
    R("", {}, "{p}: has no allow or deny entry", id="empty"),
    R("# nothing\n\n   \n", {}, "{p}: has no allow or deny entry", id="comments-only"),
    R("default log\n", {}, "{p}: has no allow or deny entry", id="default-only"),
    R("# x\n", {"SECCOMP_DEFAULT_ACTION": "log"}, "{p}: has no allow or deny entry",
      id="default-variable-only"),
    R("allow read(arg0 == 1)", {"SECCOMP_SYSCALL_ALLOW": "opne"},
      "SECCOMP_SYSCALL_ALLOW: unknown syscall 'opne' (item 1)", id="variables-first"),
]


# ---- (b) decisions: (environment, arch or None for both, syscall, args, action) ---------

CLONE_NEWUSER, CLONE_NEWNS, CLONE_VM = 0x10000000, 0x20000, 0x100
AF_UNIX, AF_INET, AF_NETLINK = 1, 2, 16
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_CLOEXEC = 1, 2, 3, 0x80000
NEG100_SX, NEG100_ZX = 0xFFFFFFFFFFFFFF9C, 0xFFFFFF9C

CASES = [
    # per-entry actions in an allowlist
    R(env("read:write=EACCES"), None, "write", (), ERRNO | errno.EACCES, id="allow-entry-EACCES"),
    R(env("read:write=EACCES"), None, "read", (), ALLOW, id="allow-entry-others-allowed"),
    R(env("read:write=EACCES"), None, "close", (), KILL_PROCESS, id="allow-entry-unlisted"),
    R(env("read:write = EACCES"), None, "write", (), ERRNO | errno.EACCES,
      id="blanks-around-equals"),
    R(env("read (arg0 == 1) = trap"), None, "read", (1,), TRAP, id="blanks-around-parens"),
    R(env("read (arg0 == 1) = trap"), None, "read", (2,), KILL_PROCESS,
      id="blanks-around-parens-miss"),
    R(env("write=errno"), None, "write", (), ERRNO | errno.EPERM, id="errno-is-EPERM"),
    R(env("write=errno(ENOSYS)"), None, "write", (), ERRNO | errno.ENOSYS, id="errno-name"),
    R(env("write=errno(13)"), None, "write", (), ERRNO | 13, id="errno-number"),
    R(env("write=errno(0x10)"), None, "write", (), ERRNO | 16, id="errno-hex"),
    R(env("write=errno(1)"), None, "write", (), ERRNO | 1, id="errno-1"),
    R(env("write=errno(4095)"), None, "write", (), ERRNO | 4095, id="errno-4095"),
    R(env("write=ENOENT"), None, "write", (), ERRNO | errno.ENOENT, id="bare-errno-name"),
    R(env("write=trap"), None, "write", (), TRAP, id="trap"),
    R(env("write=kill_thread"), None, "write", (), KILL_THREAD, id="kill_thread"),
    R(env("write=log"), None, "write", (), LOG, id="log"),
    R(env("write=kill"), None, "write", (), KILL_PROCESS, id="kill"),
    R(env("write=kill_process", action="log"), None, "write", (), KILL_PROCESS,
      id="kill_process-under-log-default"),
    R(env("write=allow"), None, "write", (), ALLOW, id="explicit-allow"),
    R(env("read:write=trap", action="log"), None, "write", (), TRAP, id="entry-beats-default"),
    R(env("read:write=trap", action="log"), None, "close", (), LOG, id="default-for-unlisted"),
    R(env("read:write=trap", action="errno:EACCES"), None, "close", (), ERRNO | 13,
      id="default-errno-colon"),
    R(env("read", action="EACCES"), None, "close", (), ERRNO | 13, id="default-bare-errno-name"),
    R(env("read", action="errno(ENOSYS)"), None, "close", (), ERRNO | errno.ENOSYS,
      id="default-errno-parens"),
    R(env("read", action="errno:0x10"), None, "close", (), ERRNO | 16, id="default-errno-hex"),
    # per-entry actions in a denylist
    R(env(deny="ptrace=EPERM:execve"), None, "ptrace", (), ERRNO | errno.EPERM,
      id="deny-entry-EPERM"),
    R(env(deny="ptrace=EPERM:execve"), None, "execve", (), KILL_PROCESS, id="deny-default-kill"),
    R(env(deny="ptrace=EPERM:execve"), None, "read", (), ALLOW, id="deny-unlisted-allowed"),
    R(env(deny="execve", action="errno:EACCES"), None, "execve", (), ERRNO | 13,
      id="deny-takes-default-action"),
    R(env(deny="execve=trap", action="errno:EACCES"), None, "execve", (), TRAP,
      id="deny-entry-beats-default-action"),
    R(env(deny="execve=log", action="kill_thread"), None, "execve", (), LOG,
      id="deny-entry-less-strict-than-default"),
    R(env(deny="execve=allow"), None, "execve", (), ALLOW, id="deny-entry-allow"),
    R(env(deny="execve=kill_thread:ptrace=errno(ENOSYS)"), None, "ptrace", (),
      ERRNO | errno.ENOSYS, id="deny-errno-parens"),
    # both lists: the strictest entry wins
    R(env("read", deny="read=log"), None, "read", (), LOG, id="both-log-beats-allow"),
    R(env("read=trap", deny="read=errno"), None, "read", (), TRAP, id="both-trap-beats-errno"),
    R(env("read=log", deny="read=kill_thread"), None, "read", (), KILL_THREAD,
      id="both-kill_thread"),
    R(env("read:read=trap:read=log"), None, "read", (), TRAP, id="same-list-strictest"),
    R(env("read=kill_thread", deny="read=kill_process"), None, "read", (), KILL_PROCESS,
      id="kill_process-beats-kill_thread"),
    # groups
    R(env(deny="@dangerous"), None, "ptrace", (), KILL_PROCESS, id="dangerous-ptrace"),
    R(env(deny="@dangerous"), None, "mount", (), KILL_PROCESS, id="dangerous-mount"),
    R(env(deny="@dangerous"), None, "bpf", (), KILL_PROCESS, id="dangerous-bpf"),
    R(env(deny="@dangerous"), None, "read", (), ALLOW, id="dangerous-not-read"),
    R(env(deny="@dangerous=EPERM"), None, "ptrace", (), ERRNO | 1, id="dangerous-EPERM"),
    R(env(deny="@dangerous=EPERM"), None, "open_by_handle_at", (), ERRNO | 1,
      id="dangerous-open_by_handle_at"),
    R(env("@basic-io"), None, "read", (), ALLOW, id="basic-io-read"),
    R(env("@basic-io"), None, "openat", (), KILL_PROCESS, id="basic-io-not-openat"),
    R(env("@basic-io", deny="write=EPERM"), None, "write", (), ERRNO | 1,
      id="group-allow-entry-deny"),
    R(env("@basic-io=log"), None, "read", (), LOG, id="group-action"),
    R(env("@default:@basic-io"), None, "exit_group", (), ALLOW, id="default-exit_group"),
    R(env("@default"), None, "rt_sigreturn", (), ALLOW, id="default-rt_sigreturn"),
    R(env("@default"), None, "seccomp", (), ALLOW, id="default-includes-sandbox"),
    R(env("@default"), None, "openat", (), KILL_PROCESS, id="default-not-openat"),
    R(env("@known", deny="@dangerous"), None, "ptrace", (), KILL_PROCESS,
      id="known-minus-dangerous"),
    R(env("@known", deny="@dangerous"), None, "openat", (), ALLOW, id="known-openat"),
    R(env("@known"), "x86_64", 0xFFFF, (), KILL_PROCESS, id="known-not-unnamed-number"),
    R(env("open:read"), "aarch64", "read", (), ALLOW, id="aarch64-open-skipped"),
    R(env("open(arg1 & O_CREAT == 0):read"), "aarch64", "read", (), ALLOW,
      id="aarch64-open-with-conditions-skipped"),
    R(env("open(arg1 & O_CREAT == 0)"), "x86_64", "open", (0, 0x40), KILL_PROCESS,
      id="x86_64-open-O_CREAT"),
    R(env("open(arg1 & O_CREAT == 0)"), "x86_64", "open", (0, 0x2), ALLOW, id="x86_64-open-O_RDWR"),
    R(env("arch_prctl(arg0 == 0x1002)"), "x86_64", "arch_prctl", (0x1002,), ALLOW,
      id="x86_64-arch_prctl"),
    # AND: every condition of an entry must hold
    R(env("read(arg0 == 3, arg2 < 100)"), None, "read", (3, 0, 99), ALLOW, id="and-both"),
    R(env("read(arg0 == 3, arg2 < 100)"), None, "read", (3, 0, 100), KILL_PROCESS,
      id="and-second-fails"),
    R(env("read(arg0 == 3, arg2 < 100)"), None, "read", (4, 0, 99), KILL_PROCESS,
      id="and-first-fails"),
    R(env("read(arg0 == 3, arg0 != 4)"), None, "read", (3,), ALLOW, id="and-same-arg"),
    R(env("read(arg0 > 3, arg0 < 5)"), None, "read", (4,), ALLOW, id="and-range-inside"),
    R(env("read(arg0 > 3, arg0 < 5)"), None, "read", (5,), KILL_PROCESS, id="and-range-above"),
    R(env("read(arg0 > 3, arg0 < 5)"), None, "read", (3,), KILL_PROCESS, id="and-range-below"),
    R(env("read(arg0 == 1, arg1 == 2, arg2 == 3, arg3 == 4, arg4 == 5, arg5 == 6)"), None,
      "read", (1, 2, 3, 4, 5, 6), ALLOW, id="and-six"),
    *[R(env("read(arg0 == 1, arg1 == 2, arg2 == 3, arg3 == 4, arg4 == 5, arg5 == 6)"), None,
        "read", tuple(v + (i == n) for i, v in enumerate((1, 2, 3, 4, 5, 6))), KILL_PROCESS,
        id="and-six-arg%d-off" % n) for n in range(6)],
    R(env("read(arg0 == 1, arg1 == 2, arg2 == 3, arg3 == 4, arg4 == 5, arg5 == 6)"), None,
      "read", (1, 1 << 32 | 2, 3, 4, 5, 6), KILL_PROCESS, id="and-six-high-half"),
    # OR: several entries for one syscall are alternatives
    R(env("read(arg0 == 3):read(arg0 == 4)"), None, "read", (3,), ALLOW, id="or-first"),
    R(env("read(arg0 == 3):read(arg0 == 4)"), None, "read", (4,), ALLOW, id="or-second"),
    R(env("read(arg0 == 3):read(arg0 == 4)"), None, "read", (5,), KILL_PROCESS, id="or-neither"),
    R(env("read(arg0 == 3):read(arg1 == 4)"), None, "read", (0, 4), ALLOW, id="or-other-arg"),
    R(env("read(arg0 == 3, arg1 == 4):read(arg2 == 5)"), None, "read", (3, 0, 5), ALLOW,
      id="or-of-ands-second"),
    R(env("read(arg0 == 3, arg1 == 4):read(arg2 == 5)"), None, "read", (3, 0, 0), KILL_PROCESS,
      id="or-of-ands-none"),
    R(env("read(arg0 == 3)", deny="read(arg1 == 4)=EACCES", action="trap"), None, "read",
      (9, 9), TRAP, id="or-across-lists-none-matches"),
    # conditional allow + conditional deny: the strictest matching entry wins
    *[R(env("socket(arg0 == AF_UNIX):socket(arg0 == AF_INET)",
            deny="socket(arg1 == SOCK_RAW)=EACCES", action="trap"),
        None, "socket", args, want, id="socket-" + name)
      for name, args, want in [
          ("unix-stream", (AF_UNIX, SOCK_STREAM), ALLOW),
          ("inet-dgram", (AF_INET, SOCK_DGRAM), ALLOW),
          ("inet-raw", (AF_INET, SOCK_RAW), ERRNO | 13),
          ("netlink-raw", (AF_NETLINK, SOCK_RAW), ERRNO | 13),
          ("netlink-stream", (AF_NETLINK, SOCK_STREAM), TRAP)]],
    *[R(env("read(arg0 == 1)=log:read(arg1 == 1)"), None, "read", args, want,
        id="log-or-allow-" + n)
      for n, args, want in [("both", (1, 1), LOG), ("allow", (0, 1), ALLOW), ("log", (1, 0), LOG),
                            ("neither", (0, 0), KILL_PROCESS)]],
    *[R(env("read(arg0 == 1)=trap:read(arg1 == 1)=kill_thread:read(arg2 == 1)=EPERM", action="log"),
        None, "read", args, want, id="three-actions-" + n)
      for n, args, want in [("all", (1, 1, 1), KILL_THREAD), ("trap+errno", (1, 0, 1), TRAP),
                            ("errno", (0, 0, 1), ERRNO | 1), ("none", (0, 0, 0), LOG),
                            ("kill_thread", (0, 1, 0), KILL_THREAD)]],
    R(env(deny="read(arg0 == 1)=allow:read(arg1 == 1)=EPERM"), None, "read", (1, 1), ERRNO | 1,
      id="deny-conditional-allow-vs-errno"),
    R(env(deny="read(arg0 == 1)=log"), None, "read", (1,), LOG, id="deny-conditional-log"),
    R(env(deny="read(arg0 == 1)=log"), None, "read", (2,), ALLOW, id="deny-conditional-default"),
    # unconditional + conditional on the same syscall
    R(env("read:read(arg0 == 1)=EPERM"), None, "read", (1,), ERRNO | 1,
      id="uncond-allow-cond-errno"),
    R(env("read:read(arg0 == 1)=EPERM"), None, "read", (2,), ALLOW, id="uncond-allow-cond-miss"),
    R(env("read(arg0 == 1)=EPERM:read"), None, "read", (1,), ERRNO | 1, id="cond-first-in-input"),
    R(env("read=log:read(arg0 == 1)"), None, "read", (1,), LOG, id="cond-allow-under-uncond-log"),
    R(env("read=log:read(arg0 == 1)"), None, "read", (2,), LOG, id="uncond-log"),
    R(env("read(arg0 == 1)", deny="read"), None, "read", (1,), KILL_PROCESS,
      id="uncond-deny-beats-cond-allow"),
    R(env("read(arg0 == 1)", deny="read=log"), None, "read", (1,), LOG, id="uncond-log-deny"),
    R(env("read", deny="read(arg0 == 1)"), None, "read", (1,), KILL_PROCESS,
      id="cond-deny-beats-uncond-allow"),
    R(env("read", deny="read(arg0 == 1)"), None, "read", (0,), ALLOW, id="cond-deny-miss"),
    R(env("read=trap:read(arg0 == 1)=kill_thread:read(arg0 == 2)=log"), None, "read", (1,),
      KILL_THREAD, id="uncond-trap-cond-kill_thread"),
    R(env("read=trap:read(arg0 == 1)=kill_thread:read(arg0 == 2)=log"), None, "read", (2,),
      TRAP, id="uncond-trap-cond-log"),
    R(env("read=trap:read(arg0 == 1)=kill_thread:read(arg0 == 2)=log"), None, "read", (3,),
      TRAP, id="uncond-trap-no-cond"),
    # the int rule: a negative value compares the low 32 bits only
    *[R(env("openat(arg0 == %s)" % v), None, "openat", (a,), want, id="int-%s-%s" % (v, n))
      for v in ("-100", "AT_FDCWD")
      for n, a, want in [("sign-extended", NEG100_SX, ALLOW), ("zero-extended", NEG100_ZX, ALLOW),
                         ("hi-1", 0x1FFFFFF9C, ALLOW), ("hi-garbage", 0x12345678FFFFFF9C, ALLOW),
                         ("minus-99", 0xFFFFFFFFFFFFFF9D, KILL_PROCESS),
                         ("minus-101", 0xFFFFFF9B, KILL_PROCESS), ("100", 100, KILL_PROCESS),
                         ("zero", 0, KILL_PROCESS)]],
    R(env("openat(arg0 != AT_FDCWD)"), None, "openat", (NEG100_ZX,), KILL_PROCESS,
      id="int-ne-zero-extended"),
    R(env("openat(arg0 != AT_FDCWD)"), None, "openat", (NEG100_SX,), KILL_PROCESS,
      id="int-ne-sign-extended"),
    R(env("openat(arg0 != AT_FDCWD)"), None, "openat", (3,), ALLOW, id="int-ne-fd-3"),
    R(env("read(arg0 == -1)"), None, "read", (U64,), ALLOW, id="int-minus-1-sx"),
    R(env("read(arg0 == -1)"), None, "read", (0xFFFFFFFF,), ALLOW, id="int-minus-1-zx"),
    R(env("read(arg0 == -2147483648)"), None, "read", (0xFFFFFFFF80000000,), ALLOW,
      id="int-min-sx"),
    R(env("read(arg0 == -2147483648)"), None, "read", (0x80000000,), ALLOW, id="int-min-zx"),
    R(env("read(arg0 == -2147483648)"), None, "read", (0x7FFFFFFF,), KILL_PROCESS,
      id="int-min-vs-max"),
    R(env("mmap(arg4 == 0xffffffffffffff9c)"), None, "mmap", (0, 0, 0, 0, NEG100_ZX), KILL_PROCESS,
      id="hex-pattern-is-64-bit"),
    R(env("mmap(arg4 == 0xffffffffffffff9c)"), None, "mmap", (0, 0, 0, 0, NEG100_SX), ALLOW,
      id="hex-pattern-sign-extended"),
    R(env("mmap(arg4 == 0xffffff9c)"), None, "mmap", (0, 0, 0, 0, NEG100_SX), KILL_PROCESS,
      id="hex-32-pattern-is-64-bit"),
    R(env("read(arg0 == 0xffffff9c)"), None, "read", (NEG100_SX,), ALLOW,
      id="hex-32-pattern-on-int-arg"),
    R(env("read(arg0 & -256 == 0)"), None, "read", (0xFFFFFFFF000000FF,), ALLOW,
      id="int-mask-low-half"),
    R(env("read(arg0 & -256 == 0)"), None, "read", (0x100,), KILL_PROCESS, id="int-mask-bit-8"),
    # a negative mask makes a 32-bit comparison of a positive value (an int argument
    # whose high half the kernel ignores: socket's family)
    R(env(deny="socket(arg0 & -1 == AF_INET)=EPERM"), None, "socket", (0x100000002,), ERRNO | 1,
      id="int-mask-catches-high-garbage"),
    R(env(deny="socket(arg0 == AF_INET)=EPERM"), None, "socket", (0x100000002,), ERRNO | 1,
      id="int-arg-ignores-high-garbage"),
    R(env(deny="socket(arg0 == AF_INET)=EPERM"), None, "socket", (0xFFFFFFFF00000002,),
      ERRNO | 1, id="int-arg-ignores-sign-extension"),
    R(env(deny="mmap(arg3 == MAP_SHARED)=EPERM"), None, "mmap", (0, 0, 0, 0x100000001), ALLOW,
      id="long-arg-compares-64-bit"),
    # | joins constants and numbers
    R(env("socket(arg1 == SOCK_STREAM|SOCK_CLOEXEC)"), None, "socket",
      (1, SOCK_STREAM | SOCK_CLOEXEC), ALLOW, id="or-stream-cloexec"),
    R(env("socket(arg1 == SOCK_STREAM|SOCK_CLOEXEC)"), None, "socket", (1, SOCK_STREAM),
      KILL_PROCESS, id="or-stream-only"),
    R(env("socket(arg0 == AF_UNIX|AF_INET)"), None, "socket", (3,), ALLOW, id="or-af-3"),
    R(env("read(arg0 == 0x10|1|O_CREAT)"), None, "read", (0x51,), ALLOW, id="or-mixed"),
    R(env("read(arg0 == 0x10|1|O_CREAT)"), None, "read", (0x50,), KILL_PROCESS, id="or-mixed-miss"),
    *[R(env("clone(arg0 & CLONE_NEWUSER|CLONE_NEWNS == 0)"), None, "clone", (a,), want,
        id="clone-" + n)
      for n, a, want in [("plain", 0, ALLOW), ("vm", CLONE_VM, ALLOW),
                         ("newns", CLONE_NEWNS, KILL_PROCESS),
                         ("newuser", CLONE_NEWUSER | CLONE_VM, KILL_PROCESS),
                         ("high-bit", 1 << 32, ALLOW)]],
    R(env("openat(arg2 & O_ACCMODE == O_RDONLY)"), None, "openat", (0, 0, 0x80000), ALLOW,
      id="accmode-rdonly"),
    R(env("openat(arg2 & O_ACCMODE == O_RDONLY)"), None, "openat", (0, 0, 2), KILL_PROCESS,
      id="accmode-rdwr"),
    R(env("mmap(arg2 & PROT_EXEC == 0)"), None, "mmap", (0, 4096, 3), ALLOW, id="mmap-rw"),
    R(env("mmap(arg2 & PROT_EXEC == 0)"), None, "mmap", (0, 4096, 5), KILL_PROCESS, id="mmap-rx"),
    R(env("mmap(arg3 & MAP_SHARED|MAP_ANONYMOUS == MAP_SHARED)"), None, "mmap", (0, 0, 0, 1),
      ALLOW, id="mmap-shared"),
    R(env("mmap(arg3 & MAP_SHARED|MAP_ANONYMOUS == MAP_SHARED)"), None, "mmap", (0, 0, 0, 0x21),
      KILL_PROCESS, id="mmap-shared-anon"),
    R(env("prctl(arg0 == PR_SET_NO_NEW_PRIVS)"), None, "prctl", (38, 1), ALLOW, id="prctl-nnp"),
    R(env("prctl(arg0 == PR_SET_NO_NEW_PRIVS)"), None, "prctl", (22,), KILL_PROCESS,
      id="prctl-seccomp"),
    R(env("personality(arg0 == PERSONALITY_QUERY)"), None, "personality", (0xFFFFFFFF,), ALLOW,
      id="personality-query"),
    R(env("personality(arg0 == PERSONALITY_QUERY)"), None, "personality", (U64,), ALLOW,
      id="personality-query-any-high-half"),
    # numbers as targets, numbers in the other arch's table
    R(env("0(arg0 == 1)=trap"), "x86_64", 0, (1,), TRAP, id="number-target"),
    R(env("0(arg0 == 1)=trap"), "x86_64", 0, (2,), KILL_PROCESS, id="number-target-miss"),
    R(env("0x3f(arg0 == 1)"), "aarch64", "read", (1,), ALLOW, id="hex-target-aarch64"),
    # equal precedence (two errnos): the entry written first wins - ALLOW's entries,
    # then DENY's, then the policy file's, each in order
    R(env("read=EACCES:read=EPERM"), None, "read", (), ERRNO | errno.EACCES, id="tie-in-order"),
    R(env("read=EPERM:read=EACCES"), None, "read", (), ERRNO | errno.EPERM, id="tie-in-order-2"),
    R(env("read=EACCES", deny="read=EPERM"), None, "read", (), ERRNO | errno.EACCES,
      id="tie-allow-before-deny"),
    R(env("read(arg2 == 1)=EACCES:read(arg2 < 5)=EPERM"), None, "read", (0, 0, 1),
      ERRNO | errno.EACCES, id="tie-conditional-first-matching"),
    R(env("read(arg2 == 1)=EACCES:read(arg2 < 5)=EPERM"), None, "read", (0, 0, 2),
      ERRNO | errno.EPERM, id="tie-conditional-second-matching"),
    R(env("read(arg2 == 1)=EACCES:read=EPERM"), None, "read", (0, 0, 1), ERRNO | errno.EACCES,
      id="tie-conditional-before-unconditional"),
    R(env("read=EPERM:read(arg2 == 1)=EACCES"), None, "read", (0, 0, 1), ERRNO | errno.EPERM,
      id="tie-unconditional-before-conditional"),
    # the condition ignores the other arguments, the instruction pointer and the nr
    R(env("read(arg1 == 7)"), None, "read", (7, 0, 7, 7, 7, 7), KILL_PROCESS, id="other-args"),
    R(env("read(arg1 == 7)"), None, "write", (0, 7), KILL_PROCESS, id="other-syscall"),
]


# ---- (b) boundary sweeps: every op at and around 64-bit values ---------------------------

OPS = {
    "==": lambda a, v: a == v, "!=": lambda a, v: a != v,
    "<": lambda a, v: a < v, "<=": lambda a, v: a <= v,
    ">": lambda a, v: a > v, ">=": lambda a, v: a >= v,
}
VALUES = [0, 1, 5, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, 0x100000001, 0x100000005,
          0x1FFFFFFFF, 0x500000000, 0xFFFFFFFF00000000, U64 - 1, U64]


def samples(v):
    """Arguments at and around V: V-1, V, V+1, halves flipped, each half moved by one."""
    hi, lo = v >> 32, v & 0xFFFFFFFF
    out = {v - 1, v, v + 1, flip(v), 0, 1, 0xFFFFFFFF, 0x100000000, U64, lo, hi << 32}
    for dh in (-1, 1):
        out.add(((hi + dh) << 32) | lo)
    for dl in (-1, 1):
        out.add((hi << 32) | ((lo + dl) & 0xFFFFFFFF))
    return sorted(a for a in out if 0 <= a <= U64)


def noise(n):
    """Values for the arguments without conditions."""
    return (0xDEADBEEFCAFEBABE * (n + 3)) & U64


def never_holds(op, v, largest):
    """`< 0` and `> largest` hold for no argument: refused (NEVER_CASES)."""
    return (op, v) in (("<", 0), (">", largest))


def boundary_cases():
    out = []
    for i, (op, v) in enumerate((op, v) for op in OPS for v in VALUES):
        arg = i % 6
        if never_holds(op, v, U64):
            continue
        for a in samples(v):
            args = tuple(a if n == arg else noise(n) for n in range(6))
            out.append(R("mmap(arg%d %s %#x)" % (arg, op, v), args, OPS[op](a, v),
                         id="arg%d%s%#x-at-%#x" % (arg, op, v, a)))
    return out


INT_VALUES = [0, 1, 5, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF]


def int_boundary_cases():
    """socket's three int arguments: every op on the low half, whatever the high half
    holds (the kernel truncates them; so does the filter)."""
    out = []
    for i, (op, v) in enumerate((op, v) for op in OPS for v in INT_VALUES):
        arg = i % 3
        if never_holds(op, v, 0xFFFFFFFF):
            continue
        for lo in sorted(x for x in {v - 1, v, v + 1, 0, 0xFFFFFFFF} if 0 <= x < 2**32):
            for hi in (0, 1, 0xFFFFFFFF):
                a = hi << 32 | lo
                args = tuple(a if n == arg else noise(n) for n in range(6))
                out.append(R("socket(arg%d %s %#x)" % (arg, op, v), args, OPS[op](lo, v),
                             id="int-arg%d%s%#x-at-%#x" % (arg, op, v, a)))
    return out


MASKS = [0xFF, 0xFFFFFFFF, 0xFFFFFFFF00000000, 0x8000000000000001, 0x100000000, 0x1FFFFFFFF, U64, 0]


def masked_cases():
    out = []
    for i, mask in enumerate(MASKS):
        arg = i % 6
        values = sorted({0, mask, mask & 0xFFFFFFFF, mask & ~0xFFFFFFFF & U64, mask & -mask})
        for v in values:
            for a in sorted({v, v ^ mask, v | ~mask & U64, U64, 0, flip(v), v ^ (mask & -mask),
                             (v + 1) & U64}):
                args = tuple(a if n == arg else noise(n) for n in range(6))
                out.append(R("mmap(arg%d & %#x == %#x)" % (arg, mask, v), args, a & mask == v,
                             id="arg%d&%#x==%#x-at-%#x" % (arg, mask, v, a)))
    return out


def int_cases():
    """Negative values: == and != on the low 32 bits, whatever the high half holds."""
    out = []
    for v in (-1, -2, -100, -4096, -2147483648, -2147483647):
        lo = v & 0xFFFFFFFF
        for a in sorted({v & U64, lo, 0x100000000 | lo, 0xABCD000000000000 | lo, lo - 1, lo + 1,
                         (v - 1) & U64, (v + 1) & U64, 0, 0x7FFFFFFF, 0x80000000}):
            for op in ("==", "!="):
                want = (a & 0xFFFFFFFF == lo) == (op == "==")
                out.append(R("read(arg3 %s %d)" % (op, v), (0, 0, 0, a), want,
                             id="int%s%d-at-%#x" % (op, v, a)))
    return out


# ---- (c) shape: where argument loads may happen ------------------------------------------

NAME_ONLY = {
    "entry-actions": env("read:write=EACCES:close=trap:openat=log:mmap=kill_thread"),
    "deny-actions": env(deny="ptrace=EPERM:execve:mount=errno(EACCES)"),
    "groups": env("@default:@basic-io:@file-system", deny="@dangerous=EPERM"),
    "known": env("@known", deny="@dangerous", action="errno:ENOSYS"),
    "numbers": env("0(arg0 == 1)", deny="0"),  # the conditional allow cannot beat the kill
}

# (environment, {syscall: argument offsets its path may load})
CONDITIONAL = {
    "int-only-low-half": (env("read:write:openat(arg0 == AT_FDCWD):close"),
                          {"openat": {ARG_LO[0]}}),
    "socket-clone": (env("@default:socket(arg0 == AF_UNIX, arg1 & SOCK_STREAM == SOCK_STREAM):"
                         "clone(arg0 & CLONE_NEWUSER == 0)"),
                     {"socket": {ARG_LO[0], ARG_LO[1]},
                      "clone": {ARG_LO[0], ARG_HI[0]}}),
    "deny-prctl": (env(deny="prctl(arg0 == PR_SET_NO_NEW_PRIVS)=EPERM:ptrace"),
                   {"prctl": {ARG_LO[0]}}),
    "ordering": (env("mmap(arg2 < 0x100000000, arg5 >= 1)=log:munmap"),
                 {"mmap": {ARG_LO[2], ARG_HI[2], ARG_LO[5], ARG_HI[5]}}),
    "alternatives": (env("read(arg0 == 1):read(arg4 != 2):read(arg0 & -16 == 0)"),
                     {"read": {ARG_LO[0], ARG_LO[4], ARG_HI[4]}}),
    "both-lists": (env("@basic-io:openat(arg2 & O_ACCMODE == O_RDONLY)",
                       deny="write(arg0 > 2)=EPERM:@dangerous"),
                   {"openat": {ARG_LO[2]}, "write": {ARG_LO[0]}}),
    "dropped-under-stricter-uncond": (env("read(arg0 == 1):write(arg0 == 1)", deny="read"),
                                      {"write": {ARG_LO[0]}}),
    "dropped-under-equal-uncond": (env("read:read(arg0 == 1)=allow:write"), {}),
}


def reachable_loads(insns, audit, nr):
    """Offsets of every load reachable for syscall NR, over all argument values.

    Walks the program with nr and arch known and everything loaded from
    beyond them unknown: a jump on an unknown value takes both branches."""
    data = bpf.seccomp_data(nr, audit)
    loads, seen, todo = set(), set(), [(0, 0)]
    while todo:
        pc, a = todo.pop()
        if (pc, a) in seen:
            continue
        seen.add((pc, a))
        code, jt, jf, k = insns[pc]
        cls, op = code & 0x07, code & 0xF0
        if code == RET:
            continue
        if code == LD_ABS:
            loads.add(k)
            todo.append((pc + 1, int.from_bytes(data[k:k + 4], "little") if k < 8 else None))
        elif code == bpf.JMP | bpf.JA:
            todo.append((pc + 1 + k, a))
        elif cls == bpf.JMP and not code & bpf.X and op in (bpf.JEQ, bpf.JGT, bpf.JGE, bpf.JSET):
            taken = {bpf.JEQ: lambda x, y: x == y, bpf.JGT: lambda x, y: x > y,
                     bpf.JGE: lambda x, y: x >= y, bpf.JSET: lambda x, y: x & y != 0}[op]
            if a is None or taken(a, k):
                todo.append((pc + 1 + jt, a))
            if a is None or not taken(a, k):
                todo.append((pc + 1 + jf, a))
        elif code == bpf.ALU | bpf.AND | bpf.K:
            todo.append((pc + 1, None if a is None else a & k))
        else:
            raise AssertionError("opcode 0x%x at %d not expected in our filters" % (code, pc))
    return loads


def shape_probes(arch):
    return sorted(set(range(1100)) | set(table(arch).values()) |
                  {0xFFFF, 0x3FFFFFFF, 0x40000000, 0xFFFFFFFF})


# ---- (d) policy files and their environment equivalents ----------------------------------

# (file text, other variables, the same policy in variables only)
EQUIVALENT = [
    R("allow read\nallow write\n", {}, env("read:write"), id="allow"),
    R("deny ptrace=EPERM\ndeny execve\n", {}, env(deny="ptrace=EPERM:execve"), id="deny"),
    R("allow read\ndeny read=log\ndefault trap\n", {}, env("read", deny="read=log", action="trap"),
      id="both-default"),
    R("# a policy\n\nallow  read(arg0 == 1, arg1 & 0xff == 2)=errno(EACCES)  # c\n"
      "allow\tsocket( arg0 == AF_UNIX )\r\n   deny clone(arg0 & CLONE_NEWUSER == CLONE_NEWUSER)\n"
      "deny @dangerous=EPERM\ndefault errno:ENOSYS\n", {},
      env("read(arg0 == 1, arg1 & 0xff == 2)=errno(EACCES):socket( arg0 == AF_UNIX )",
          deny="clone(arg0 & CLONE_NEWUSER == CLONE_NEWUSER):@dangerous=EPERM",
          action="errno:ENOSYS"), id="conditions-comments-blanks"),
    R("deny read(arg0 == 1)=log\n", {"SECCOMP_SYSCALL_ALLOW": "read:write"},
      env("read:write", deny="read(arg0 == 1)=log"), id="file-adds-deny-to-variable"),
    R("allow openat(arg0 == AT_FDCWD)\n", {"SECCOMP_DEFAULT_ACTION": "errno:EPERM",
                                          "SECCOMP_SYSCALL_DENY": "ptrace"},
      env("openat(arg0 == AT_FDCWD)", deny="ptrace", action="errno:EPERM"),
      id="file-allow-variables-deny-default"),
    R("default log\n", {"SECCOMP_SYSCALL_ALLOW": "read"}, env("read", action="log"),
      id="file-default-only"),
    R("allow read (arg0 == 1) = trap\ndeny\tptrace = EPERM\n", {},
      env("read(arg0 == 1)=trap", deny="ptrace=EPERM"), id="blanks-around-parens-and-equals"),
    R("deny read=EPERM\n", {"SECCOMP_SYSCALL_DENY": "read=EACCES"},
      env(deny="read=EACCES"), id="tie-variable-before-file"),
    R("deny ptrace\ndefault errno:EPERM\n", {}, env(deny="ptrace", action="errno:EPERM"),
      id="default-after-deny-line"),
    R("allow read(%s) %s= trap\n" % (",".join(["  arg0   ==   1  "] * 6), " " * 300), {},
      env("read(%s)=trap" % ",".join(["arg0 == 1"] * 6)), id="entry-longer-than-255"),
    R("allow @known\ndeny @dangerous\n", {}, env("@known", deny="@dangerous"), id="groups"),
    R("allow 0x3c\nallow 1(arg2 <= 0x1ffffffff)\n", {}, env("0x3c:1(arg2 <= 0x1ffffffff)"),
      id="numbers"),
]


# ---- tests --------------------------------------------------------------------------------

@pytest.mark.parametrize("environ, message", ENV_ERRORS)
def test_env_error_message(environ, message):
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(environ, "x86_64")
    assert str(exc.value) == message


@pytest.mark.parametrize("entry", ACCEPTED, ids=lambda e: e[:40])
def test_entry_is_accepted(entry):
    assert _native.compile_env(env(entry), "x86_64")


@pytest.mark.parametrize("text, extra, message", FILE_ERRORS)
def test_file_error_message(tmp_path, text, extra, message):
    path = tmp_path / "policy"
    path.write_bytes(text.encode())
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(dict(extra, SECCOMP_POLICY_FILE=str(path)), "x86_64")
    assert str(exc.value) == message.format(p=path)


def test_file_line_of_1023_chars_is_accepted(tmp_path):
    path = tmp_path / "policy"
    path.write_text("allow read # " + "x" * 1010 + "\n")
    assert _native.compile_env(env(file=str(path)), "x86_64")


@pytest.mark.parametrize("extra, ok", [(0, True), (1, False)], ids=["1MiB", "1MiB+1"])
def test_file_size_limit(kit, tmp_path, extra, ok):
    """Files of up to 1 MiB are read, by the cffi module and by libsandbox.so alike."""
    path = tmp_path / "policy"
    line = b"# padding, to the byte\n"
    body = b"allow exit_group\nallow newfstatat\nallow write\n"
    body += line * ((1048575 + extra - len(body)) // len(line))
    body += b"#" * (1048575 + extra - len(body)) + b"\n"
    assert len(body) == 1048576 + extra
    path.write_bytes(body)
    os.chmod(tmp_path, 0o755)
    message = "SECCOMP_POLICY_FILE: larger than 1048576 bytes: '%s'" % path
    environ = env(file=str(path))
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, **environ))
    if ok:
        assert _native.compile_env(environ, "x86_64")
        assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
    else:
        with pytest.raises(PolicyError) as exc:
            _native.compile_env(environ, "x86_64")
        assert str(exc.value) == message
        assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: %s\n" % message)


def test_empty_file_variable():
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(env(file=""), "x86_64")
    assert str(exc.value) == "SECCOMP_POLICY_FILE: is empty"


def test_missing_file(tmp_path):
    path = tmp_path / "nonexistent"
    with pytest.raises(PolicyError) as exc:
        _native.compile_env(env(file=str(path)), "x86_64")
    assert str(exc.value) == ("SECCOMP_POLICY_FILE: cannot read '%s': No such file or directory"
                              % path)


def per_arch(cases):
    """Each case on both arches, or on the one it names."""
    return [R(environ, arch, call, args, want, id="%s-%s" % (case.id, arch))
            for case in cases for environ, only, call, args, want in [case.values]
            for arch in TARGETS if only in (None, arch)]


@pytest.mark.parametrize("environ, arch, call, args, want", per_arch(CASES))
def test_decision(environ, arch, call, args, want):
    assert decide(environ, arch, call, args) == want


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, args, holds", boundary_cases())
def test_boundary(entry, args, holds, arch):
    assert decide(env(entry), arch, "mmap", args) == (ALLOW if holds else KILL_PROCESS)


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, args, holds", int_boundary_cases())
def test_int_arg_boundary(entry, args, holds, arch):
    assert decide(env(entry), arch, "socket", args) == (ALLOW if holds else KILL_PROCESS)


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, args, holds", masked_cases())
def test_masked(entry, args, holds, arch):
    assert decide(env(entry), arch, "mmap", args) == (ALLOW if holds else KILL_PROCESS)


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, args, holds", int_cases())
def test_negative_value_compares_low_half(entry, args, holds, arch):
    assert decide(env(entry), arch, "read", args) == (ALLOW if holds else KILL_PROCESS)


NEVER = "condition on arg%d never holds (%s) in '%s' (item 1)"
OUTSIDE, BELOW, ABOVE, CONTRA = ("value bits outside the mask", "nothing is below 0",
                                 "nothing is above the argument's largest value",
                                 "contradicts another condition")
NEVER_CASES = [  # (entry, the argument and reason named)
    ("unshare(arg0 & CLONE_NEWUSER == 1)", 0, OUTSIDE),
    ("read(arg0 & 0xff == 0x1ff)", 0, OUTSIDE),
    ("mmap(arg1 & 0 == 1)", 1, OUTSIDE),
    ("openat(arg0 & 0xff == AT_FDCWD)", 0, OUTSIDE),  # 0xffffff9c
    ("mmap(arg1 & 0xffffffff == -1, arg2 & -256 == -1)", 2, OUTSIDE),
    ("fchmodat(arg2 & 0x100ff == 0x100)", 2, OUTSIDE),  # the mask is cut to 16 bits
    ("read(arg0 < 0)", 0, BELOW), ("mmap(arg5 < 0x0)", 5, BELOW),
    ("mmap(arg0 > 0xffffffffffffffff)", 0, ABOVE), ("read(arg0 > 0xffffffff)", 0, ABOVE),
    ("fchmodat(arg2 > 0xffff)", 2, ABOVE),
    ("mmap(arg1 == 1, arg1 == 2)", 1, CONTRA), ("mmap(arg1 > 5, arg1 < 6)", 1, CONTRA),
    ("mmap(arg1 < 5, arg1 >= 5)", 1, CONTRA),
    ("mmap(arg1 >= 5, arg1 <= 5, arg1 != 5)", 1, CONTRA),
    ("mmap(arg1 & 1 == 1, arg1 & 3 == 2)", 1, CONTRA),
    ("mmap(arg1 == 4, arg1 & 1 == 1)", 1, CONTRA),
]
# what may look odd but holds for some argument
STILL_HOLDS = ["read(arg0 & 0 == 0)", "read(arg0 >= 0)", "read(arg0 <= 0xffffffff)",
               "mmap(arg1 >= 5, arg1 <= 5)", "mmap(arg1 == 5, arg1 & 1 == 1)",
               "mmap(arg1 & 1 == 1, arg1 & 2 == 0)", "mmap(arg1 != 1, arg1 != 2)",
               "mmap(arg1 == -1, arg1 == 0xffffffffffffffff)",  # 32- and 64-bit views
               "fchmodat(arg2 == 0xffff)", "fchmodat(arg2 & 07000 == 04000)",
               "fchmodat(arg2 & 0x10000 == 0)"]  # mask cut to 0: always


@pytest.mark.parametrize("var", ["SECCOMP_SYSCALL_ALLOW", "SECCOMP_SYSCALL_DENY"])
@pytest.mark.parametrize("entry, arg, why", NEVER_CASES, ids=[c[0] for c in NEVER_CASES])
def test_condition_that_never_holds_is_an_error(entry, arg, why, var):
    """A rule that can never apply is refused, naming the argument, the reason and the
    entry: unshare(arg0 & CLONE_NEWUSER == 1) would deny nothing."""
    with pytest.raises(PolicyError) as exc:
        _native.compile_env({var: entry}, "x86_64")
    assert str(exc.value) == "%s: " % var + NEVER % (arg, why, entry)


@pytest.mark.parametrize("entry", STILL_HOLDS)
def test_condition_that_holds_for_some_argument_is_accepted(entry):
    assert _native.compile_env(env(deny=entry), "x86_64")


LONG_LEAF = env(":".join("read(arg2 == %d)" % i for i in range(300)) + ":write:close=trap")


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("call, args, want", [
    ("read", (0, 0, 0), ALLOW), ("read", (0, 0, 150), ALLOW), ("read", (0, 0, 299), ALLOW),
    ("read", (0, 0, 300), KILL_PROCESS), ("read", (0, 0, 1 << 32), KILL_PROCESS),
    ("write", (7,), ALLOW),
    ("close", (0,), TRAP), ("openat", (0,), KILL_PROCESS), (0xFFFF, (0,), KILL_PROCESS)])
def test_leaf_longer_than_a_jump(call, args, want, arch):
    """300 alternatives for read: its leaf (1500 instructions) is reached through `ja`."""
    assert decide(LONG_LEAF, arch, call, args) == want


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("name, ints", [
    ("socket", (0, 1, 2)), ("openat", (0, 2, 3)), ("personality", (0,)), ("read", (0,)),
    ("prctl", (0,)), ("kill", (0, 1)), ("mmap", ()), ("clone", ()), ("unshare", ()),
    ("ioctl", (0, 1)), ("futex", (1, 2, 5))])
def test_int_argument_table(name, ints, arch):
    """The generated table against the kernel's prototypes, read by hand: socket(int,
    int, int); openat(int dfd, const char *, int flags, umode_t); clone's third
    argument differs between #ifdef variants, so none of its arguments is narrowed."""
    assert _native.int_args(table(arch)[name], arch) == ints


@pytest.mark.parametrize("arch", TARGETS)
def test_every_syscall_with_a_condition(arch):
    """Every syscall of the arch allowed only when arg0 is its own number: a leaf per
    number in a tree over the whole table. Where arg0 is a C int, the high half is
    not looked at."""
    environ = env(":".join("%s(arg0 == %d)" % (n, nr) for n, nr in sorted(table(arch).items())))
    insns = compile_insns(environ, arch)
    wrong = []
    for name, nr in table(arch).items():
        high = ALLOW if 0 in _native.int_args(nr, arch) else KILL_PROCESS
        for arg, want in ((nr, ALLOW), (nr + 1, KILL_PROCESS), (nr | 1 << 32, high)):
            if bpf.run(insns, bpf.seccomp_data(nr, AUDIT[arch], (arg,))) != want:
                wrong.append((name, hex(arg)))
    assert wrong == []


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("arg", [0x1FFFFFF9C, 0x7FFFFFFFFFFFFF9C, 0xFFFFFFFEFFFFFF9C])
def test_negative_value_ignores_any_high_half(arg, arch):
    """README: a negative value compares the low 32 bits only - not merely "sign- or
    zero-extended": any high half matches, as the kernel truncates an int argument
    (openat's dfd) and so takes 0x1ffffff9c for AT_FDCWD too."""
    assert decide(env("openat(arg0 == -100)"), arch, "openat", (arg,)) == ALLOW


@functools.lru_cache(maxsize=None)
def groups_txt():
    """{group: set of members} from tools/groups.txt, @includes resolved."""
    raw, cur = {}, None
    with open(os.path.join(ROOT, "tools", "groups.txt")) as f:
        for line in f:
            if line.startswith("@"):
                cur = line.split()[0]
                raw[cur] = []
            elif line.startswith("    ") and cur:
                raw[cur].append(line.split("#")[0].strip())

    def expand(g):
        out = set()
        for m in raw[g]:
            out |= expand(m) if m.startswith("@") else {m}
        return out

    return {g: expand(g) for g in raw}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("group", sorted(groups_txt()))
def test_group_allows_exactly_its_members(group, arch):
    """Members missing on ARCH are skipped; '*' (@known) is the whole arch table."""
    members = groups_txt()[group]
    names = set(table(arch)) if "*" in members else members & set(table(arch))
    want = {table(arch)[n] for n in names}
    insns = compile_insns(env(group), arch)
    wrong = [nr for nr in shape_probes(arch)
             if (bpf.run(insns, bpf.seccomp_data(nr, AUDIT[arch])) == ALLOW) != (nr in want)]
    assert wrong == []


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("name", ["ptrace", "io_uring_setup", "io_uring_enter",
                                  "io_uring_register", "pidfd_getfd"])
def test_dangerous_contains_the_escape_routes(name, arch):
    """io_uring's operations (IORING_OP_OPENAT, IORING_OP_SOCKET, ...) run past every
    rule on openat and socket; pidfd_getfd copies another process's descriptors."""
    assert name in groups_txt()["@dangerous"] and \
        decide(env(deny="@dangerous=EPERM"), arch, name) == ERRNO | errno.EPERM
    # README: @system-service allows io_uring (systemd's @aio); @dangerous on top denies it
    service = env("@system-service", deny="@dangerous=EPERM")
    assert decide(service, arch, name) == ERRNO | errno.EPERM


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ", NAME_ONLY.values(), ids=NAME_ONLY.keys())
def test_name_only_loads_only_nr_and_arch(environ, arch):
    offsets = {k for code, _, _, k in compile_insns(environ, arch) if code == LD_ABS}
    assert offsets <= {bpf.OFF_NR, bpf.OFF_ARCH}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ, loads", CONDITIONAL.values(), ids=CONDITIONAL.keys())
def test_argument_loads_only_on_conditioned_paths(environ, loads, arch):
    """For every number, the loads reachable (whatever the arguments) are nr and
    arch, plus exactly the argument words of the syscalls with kept conditions."""
    insns = compile_insns(environ, arch)
    want = {table(arch)[name]: offs for name, offs in loads.items()}
    wrong = {}
    for nr in shape_probes(arch):
        got = reachable_loads(insns, AUDIT[arch], nr) - {bpf.OFF_NR, bpf.OFF_ARCH}
        if got != want.get(nr, set()):
            wrong[nr] = sorted(got)
    assert wrong == {}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("environ, loads", CONDITIONAL.values(), ids=CONDITIONAL.keys())
def test_never_loads_the_instruction_pointer(environ, loads, arch):
    offsets = {k for code, _, _, k in compile_insns(environ, arch) if code == LD_ABS}
    assert not offsets & {bpf.OFF_IP, bpf.OFF_IP + 4}


def test_reachable_loads_sees_argument_loads():
    """The walker itself: it must find the argument loads on read's path."""
    insns = compile_insns(env("read(arg3 > 7)"), "x86_64")
    assert reachable_loads(insns, AUDIT["x86_64"], 0) == {0, 4, ARG_LO[3], ARG_HI[3]}


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("text, extra, equivalent", EQUIVALENT)
def test_file_equals_variables(tmp_path, text, extra, equivalent, arch):
    path = tmp_path / "policy"
    path.write_text(text)
    got = _native.compile_env(dict(extra, SECCOMP_POLICY_FILE=str(path)), arch)
    assert got == _native.compile_env(equivalent, arch)



# The reserved, never-implemented slots of x86_64's kernel table (arch/x86/entry/
# syscalls/syscall_64.tbl): libseccomp, systemd's @obsolete and older policies name them.
RESERVED_X86_64 = {"uselib": 134, "_sysctl": 156, "create_module": 174, "get_kernel_syms": 177,
                   "query_module": 178, "nfsservctl": 180, "getpmsg": 181, "putpmsg": 182,
                   "afs_syscall": 183, "tuxcall": 184, "security": 185, "vserver": 236}


def test_reserved_slots_are_named_in_an_allowlist():
    """A cloudflare/sandbox style allowlist that lists them compiles, each at the
    kernel's number."""
    insns = compile_insns(env(":".join(sorted(RESERVED_X86_64))), "x86_64")
    got = {n: bpf.run(insns, bpf.seccomp_data(nr, AUDIT["x86_64"]))
           for n, nr in RESERVED_X86_64.items()}
    assert got == dict.fromkeys(RESERVED_X86_64, ALLOW)
    assert {n: table("x86_64")[n] for n in RESERVED_X86_64} == RESERVED_X86_64


@pytest.mark.parametrize("arch, members", [
    ("x86_64", {"_sysctl", "afs_syscall", "create_module", "get_kernel_syms", "getpmsg",
                "putpmsg", "query_module", "security", "sysfs", "tuxcall", "uselib", "ustat",
                "vserver"}),
    ("aarch64", set()),
])
def test_obsolete_has_systemd_members(arch, members):
    """systemd's @obsolete, as far as ARCH's table has its names (aarch64's has none)."""
    insns = compile_insns(env(deny="@obsolete=EPERM"), arch)
    denied = {n for n, nr in table(arch).items()
              if bpf.run(insns, bpf.seccomp_data(nr, AUDIT[arch])) != ALLOW}
    assert denied == members
    assert groups_txt()["@obsolete"] >= members | {"break", "stty", "gtty", "ftime", "idle"}


# ---- 16-bit arguments (umode_t) ----------------------------------------------------------

UMODE_X86_64 = {"open": 2, "openat": 3, "creat": 1, "mkdir": 1, "mkdirat": 2, "mknod": 1,
                "mknodat": 2, "chmod": 1, "fchmod": 1, "fchmodat": 2, "fchmodat2": 2,
                "mq_open": 2}


def umode_args(arch):
    """{name: index} of every 16-bit argument in ARCH's table."""
    return {n: i for n, nr in table(arch).items() for i in range(6)
            if _native.arg_width(nr, i, arch) == 16}


def test_umode_arguments_are_the_kernel_prototypes():
    """umode_t mode of the kernel's prototypes (syscalls.h), read by hand; openat2
    takes its mode in a struct, so none of its arguments is 16-bit."""
    assert umode_args("x86_64") == UMODE_X86_64
    assert umode_args("aarch64") == {n: i for n, i in UMODE_X86_64.items()
                                     if n in table("aarch64")}
    assert _native.int_args(table("x86_64")["openat2"], "x86_64") == (0,)


UMODE_VALUES = [0, 1, 0o777, 0o4755, 0x8000, 0xFFFE, 0xFFFF]


def umode_cases():
    """Every op on a 16-bit argument compares its low 16 bits, whatever lies above."""
    out = []
    for i, (op, v) in enumerate((op, v) for op in OPS for v in UMODE_VALUES):
        name = sorted(UMODE_X86_64)[i % len(UMODE_X86_64)]
        if never_holds(op, v, 0xFFFF) or name not in table("aarch64"):
            continue
        arg = UMODE_X86_64[name]
        for lo in sorted(x for x in {v - 1, v, v + 1, 0, 0xFFFF} if 0 <= x <= 0xFFFF):
            for hi in (0, 1, 0xFFFF, 0xFFFFFFFFFFFF):
                a = hi << 16 | lo
                args = tuple(a if n == arg else noise(n) for n in range(6))
                out.append(R("%s(arg%d %s 0%o)" % (name, arg, op, v), name, args,
                             OPS[op](lo, v), id="%s-%s0%o-at-%#x" % (name, op, v, a)))
    return out


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("entry, name, args, holds", umode_cases())
def test_umode_argument_compares_low_16_bits(entry, name, args, holds, arch):
    assert decide(env(entry), arch, name, args) == (ALLOW if holds else KILL_PROCESS)


@pytest.mark.parametrize("arch", TARGETS)
@pytest.mark.parametrize("mode", [0o777, 0x10000 | 0o777, 0xFFFF01FF, 0xFFFFFFFF000001FF,
                                  U64 ^ 0xFE00])
def test_umode_deny_is_not_sidestepped_by_high_bits(mode, arch):
    """fchmodat(fd, path, 0x10000|0777) is chmod 0777 to the kernel (umode_t)."""
    policy = env(deny="fchmodat(arg2 == 0777)=EPERM")
    assert decide(policy, arch, "fchmodat", (0, 0, mode)) == ERRNO | errno.EPERM
    assert decide(policy, arch, "fchmodat", (0, 0, mode ^ 1)) == ALLOW
    masked = env(deny="fchmodat(arg2 & 07000 == 04000)=EACCES")
    assert decide(masked, arch, "fchmodat", (0, 0, 0x10000 | 0o4755)) == ERRNO | errno.EACCES
    assert decide(masked, arch, "fchmodat", (0, 0, 0x10000 | 0o755)) == ALLOW
