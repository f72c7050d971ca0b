"""pysandbox learn: learn a program's allowlist, then run it under exactly that.

Each test learns as root and as uid 65534 (no root, no kernel log) and then
runs the program again under the learned policy, for the same input.
"""
import json
import os
import shutil
import re
import signal
import time

import pytest

from support.proc import (PROGS, PY, SIGSYS_STATUS, build_c, bytes_env, clean_env, run,
                          sig_fields, spawn)

X86_64 = os.uname().machine == "x86_64"

THREADS = """
import threading, os
out = []
ts = [threading.Thread(target=lambda: out.append(os.getppid())) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(len(out))
"""


def learn(kit, as_nobody, argv, *opts, env=None):
    return run(kit.pysandbox(as_nobody) + ["learn", *opts, "--", *argv],
               env or clean_env(), as_nobody)


def allowlist(text):
    """The SECCOMP_SYSCALL_ALLOW value of an env-format output (its last line)."""
    last = text.strip().splitlines()[-1]
    assert last.startswith("SECCOMP_SYSCALL_ALLOW="), text
    return last.split("=", 1)[1]


def writable(kit, name):
    """A path in a directory uid 65534 may write to."""
    d = kit.file("learn-out")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o1777)
    return os.path.join(d, name)


def learn_to_file(kit, as_nobody, argv, *opts):
    out = writable(kit, "learned-%s" % ("nobody" if as_nobody else "root"))
    if os.path.exists(out):
        os.unlink(out)
    r = learn(kit, as_nobody, argv, "-o", out, *opts)
    assert os.path.exists(out), r
    with open(out) as f:
        return r, f.read()


def test_dynamic_program_learns_only_what_main_calls(kit, as_nobody):
    """The dynamic loader's calls are not in the list: helloworld after main() makes
    three syscalls. Then it runs under exactly that list."""
    r, text = learn_to_file(kit, as_nobody, [kit.hello])
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
    allow = allowlist(text)
    if X86_64:
        assert allow == "exit_group:newfstatat:write"
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allow), as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")


def test_one_syscall_fewer_is_killed(kit, as_nobody):
    """The learned list is minimal: without any one of its entries, helloworld dies."""
    _, text = learn_to_file(kit, as_nobody, [kit.hello])
    names = allowlist(text).split(":")
    for drop in names:
        allow = ":".join(n for n in names if n != drop)
        r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allow),
                as_nobody)
        assert r.returncode == SIGSYS_STATUS, drop


def test_static_program_is_learned_from_its_exec(kit, as_nobody):
    """A static program cannot load libsandbox.so: learn measures from the launch
    exec (what sandboxify needs), says so, and sandboxify runs it with the list."""
    r, text = learn_to_file(kit, as_nobody, [kit.hello_static])
    assert r.returncode == 0 and r.stdout == "Hello, world!\n"
    assert "statically linked: measuring from its exec" in r.stderr
    allow = allowlist(text)
    assert "arch_prctl" in allow.split(":")  # the C runtime's start-up is counted
    r = run(kit.sandboxify(as_nobody) + [kit.hello_static],
            clean_env(SECCOMP_SYSCALL_ALLOW=allow), as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")


def test_exec_mode_on_a_dynamic_program_runs_under_sandboxify(kit, as_nobody):
    r, text = learn_to_file(kit, as_nobody, [kit.hello], "--exec")
    allow = allowlist(text).split(":")
    assert r.returncode == 0 and {"openat", "mmap"} <= set(allow)  # the loader's calls
    r = run(kit.sandboxify(as_nobody) + [kit.hello],
            clean_env(SECCOMP_SYSCALL_ALLOW=":".join(allow)), as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")


def test_children_are_followed(kit, as_nobody):
    """sh -c "ls; echo": the forked ls and its exec are counted; under the learned
    list the same command gives the same output."""
    cmd = ["/bin/sh", "-c", "ls /; echo done"]
    r, text = learn_to_file(kit, as_nobody, cmd)
    assert r.returncode == 0 and r.stdout.endswith("done\n")
    want = r.stdout
    allow = allowlist(text)
    assert "getdents64" in allow.split(":")  # only ls lists a directory
    assert re.search(r"by [2-9]\d* tasks", text)
    r = run(cmd, clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allow), as_nobody)
    assert (r.returncode, r.stdout) == (0, want)


def test_threads_are_followed(kit, as_nobody):
    r, text = learn_to_file(kit, as_nobody, [PY, "-c", THREADS])
    assert (r.returncode, r.stdout) == (0, "4\n")
    allow = allowlist(text)
    names = set(allow.split(":"))
    assert "getppid" in names and names & {"clone", "clone3"}
    r = run([PY, "-c", THREADS], clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allow),
            as_nobody)
    assert (r.returncode, r.stdout) == (0, "4\n")


def test_stdout_is_the_programs_with_o_and_gets_the_policy_without(kit, as_nobody):
    r = learn(kit, as_nobody, [kit.hello])
    assert r.returncode == 0
    head, _, policy = r.stdout.partition("Hello, world!\n")
    assert head == "" and policy.startswith("# pysandbox learn: ")
    assert allowlist(policy)


def test_killed_program_still_reports(kit, as_nobody):
    """A program that dies: learn's status is the shell's 128+signal, and the list
    holds what it called up to then (the kill itself included)."""
    r, text = learn_to_file(kit, as_nobody, ["/bin/sh", "-c", "echo before; kill -9 $$"])
    assert (r.returncode, r.stdout) == (137, "before\n")
    assert "killed by signal 9" in text and "kill" in allowlist(text).split(":")


def test_failing_program_status_passes_through(kit, as_nobody):
    r, text = learn_to_file(kit, as_nobody, ["/bin/sh", "-c", "exit 3"])
    assert r.returncode == 3 and "(exit status 3)" in text


def test_append_merges_runs(kit, as_nobody):
    out = writable(kit, "append-%s" % ("nobody" if as_nobody else "root"))
    if os.path.exists(out):
        os.unlink(out)
    r = learn(kit, as_nobody, [kit.probe, "getpid"], "-o", out, "--append")
    assert r.returncode == 0
    first = set(allowlist(open(out).read()).split(":"))
    r = learn(kit, as_nobody, [kit.probe, "getppid"], "-o", out, "--append")
    assert r.returncode == 0
    merged = set(allowlist(open(out).read()).split(":"))
    assert "getpid" in first and "getppid" not in first
    assert merged >= first | {"getppid"}
    both = [kit.probe, "getpid", "getppid"]
    r = run(both, clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=":".join(first)), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = ok\n")  # the first run alone
    r = run(both, clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=":".join(merged)), as_nobody)
    assert (r.returncode, r.stdout) == (0, "getpid = ok\ngetppid = ok\n")


def test_policy_format_is_a_policy_file(kit, as_nobody):
    _, text = learn_to_file(kit, as_nobody, [kit.hello], "--format", "policy")
    assert re.search(r"^allow write$", text, re.M)
    path = writable(kit, "hello-%s.policy" % ("nobody" if as_nobody else "root"))
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_POLICY_FILE=path), as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")


def test_oci_format(kit):
    _, text = learn_to_file(kit, False, [kit.hello], "--format", "oci")
    profile = json.loads(text)
    assert profile["defaultAction"] == "SCMP_ACT_KILL_PROCESS"
    assert profile["syscalls"][0]["action"] == "SCMP_ACT_ALLOW"
    assert "write" in profile["syscalls"][0]["names"]


@pytest.mark.skipif(not X86_64, reason="the i386 ABI is x86_64's")
def test_other_abi_is_reported(kit):
    """A call through int $0x80 is seen and named, but never allowed: every filter
    kills other ABIs."""
    _, text = learn_to_file(kit, False, [kit.probe, "i386:getpid", "getppid"])
    assert "i386: getpid" in text
    assert "getpid" not in allowlist(text).split(":")


def test_no_program(kit):
    r = learn(kit, False, [])
    assert (r.returncode, r.stderr) == (
        2, "pysandbox: learn: no program given (pysandbox learn -- PROG [ARGS])\n")


def test_program_not_found(kit):
    r = learn(kit, False, ["/nonexistent/prog"])
    assert (r.returncode, r.stderr) == (127, "pysandbox: program not found: '/nonexistent/prog'\n")


NOT_TRACED = ("libsandbox: SECCOMP_LEARN: not traced by `pysandbox learn`: run the program "
              "through it\n")


def test_learn_variable_without_a_tracer_refuses(kit, as_nobody):
    """SECCOMP_LEARN hands every syscall to a tracer; with none, each would fail
    with ENOSYS. libsandbox.so refuses to start the program instead."""
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_LEARN="1"), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", NOT_TRACED)


def test_learn_variable_under_another_tracer_refuses(kit, as_nobody):
    """SECCOMP_LEARN=PID names learn's own process: under strace (a tracer that
    is not it) the program would get ENOSYS for every call, so it is refused.
    (Before: accepted under any tracer; the program crashed.)"""
    strace = shutil.which("strace")
    if not strace:
        pytest.skip("strace not installed (a second tracer for this test)")
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_LEARN=str(os.getpid()))
    r = run([strace, "-o", "/dev/null", kit.hello], env, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", NOT_TRACED)


@pytest.mark.parametrize("extra, message", [
    ({"SECCOMP_LEARN": "yes"}, "SECCOMP_LEARN: expected the tracer's pid, not 'yes'"),
    ({"SECCOMP_LEARN": "0"}, "SECCOMP_LEARN: expected the tracer's pid, not '0'"),
    ({"SECCOMP_LEARN": "12x"}, "SECCOMP_LEARN: expected the tracer's pid, not '12x'"),
    ({"SECCOMP_LEARN": "1", "SECCOMP_SYSCALL_ALLOW": "read"},
     "SECCOMP_LEARN: cannot be combined with 'SECCOMP_SYSCALL_ALLOW'"),
    ({"SECCOMP_LEARN": "1", "SECCOMP_POLICY_FILE": "/x"},
     "SECCOMP_LEARN: cannot be combined with 'SECCOMP_POLICY_FILE'"),
])
def test_learn_variable_errors(kit, extra, message):
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, **extra))
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: %s\n" % message)


def test_learn_filter_traces_every_call():
    """The learn program: SECCOMP_RET_TRACE for every arch and number, x32 included."""
    from pysandbox import _native, bpf

    prog = bpf.decode(_native.compile_env({"SECCOMP_LEARN": "1"}, "x86_64"))
    got = {bpf.run(prog, bpf.seccomp_data(nr, audit))
           for audit in (0xC000003E, 0x40000003, 0xC00000B7)  # x86_64, i386, aarch64
           for nr in (0, 1, 39, 231, 1023, 0xFFFF, 0x40000000 | 39, 0xFFFFFFFF)}
    assert got == {0x7FF00000}


# ---- what the kernel calls for signals (rt_sigreturn, restart_syscall) ----

@pytest.fixture(scope="module")
def signals(kit):
    return build_c(os.path.join(PROGS, "signals.c"), kit.file("signals"))


@pytest.fixture(scope="module")
def hidden(kit):
    return build_c(os.path.join(PROGS, "hidden.c"), kit.file("hidden"))


def in_syscall(pid, name):
    """Wait until PID (a program that has exec'd) blocks in syscall NAME."""
    from pysandbox import _native

    nr = str(_native.syscall_nr(name))
    for _ in range(2000):
        try:
            with open("/proc/%d/syscall" % pid) as f:
                if f.read().split(" ", 1)[0] == nr:
                    return
        except OSError:
            pass
        time.sleep(0.005)
    pytest.fail("pid %d never called %s" % (pid, name))


def test_handler_that_never_ran_while_learning(kit, signals, as_nobody):
    """signals installs a SIGUSR1 handler; learned without a signal, its list still
    lets a later run take one: the handler returns through rt_sigreturn, which
    learn adds (and says why)."""
    r, text = learn_to_file(kit, as_nobody, [signals, "1"])
    assert (r.returncode, r.stdout) == (0, "ready\nhandled 0\n")
    assert "\n# added rt_sigreturn: it installs a signal handler, which returns through it\n" \
        in text
    p = spawn([signals, "300"],
              clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allowlist(text)),
              as_nobody)
    assert p.stdout.readline() == "ready\n"
    os.kill(p.pid, signal.SIGUSR1)
    out, _ = p.communicate(timeout=60)
    assert (p.returncode, out) == (0, "handled 1\n")


def test_sleep_stopped_and_continued(kit, as_nobody):
    """sleep, learned without a stop: stopped and continued mid-sleep, it is
    resumed through restart_syscall, which learn adds."""
    r, text = learn_to_file(kit, as_nobody, ["/bin/sleep", "0.01"])
    assert r.returncode == 0 and "\n# added restart_syscall: it sleeps or waits " in text
    p = spawn(["/bin/sleep", "0.5"], clean_env(LD_PRELOAD=kit.lib,
                                                SECCOMP_SYSCALL_ALLOW=allowlist(text)), as_nobody)
    in_syscall(p.pid, "clock_nanosleep")
    os.kill(p.pid, signal.SIGSTOP)
    time.sleep(0.05)
    os.kill(p.pid, signal.SIGCONT)
    assert p.wait(timeout=60) == 0


# ---- what learn would not see ----

@pytest.mark.parametrize("how", ["seccomp", "prctl"])
def test_own_filter_is_refused(kit, hidden, as_nobody, how):
    """A program installing its own filter (getppid -> EPERM): that filter's answer
    outranks learn's TRACE, and the list would lack getppid, which the real
    filter then kills. learn stops the program there and writes no list."""
    out = writable(kit, "own-filter-%s" % ("nobody" if as_nobody else "root"))
    if os.path.exists(out):
        os.unlink(out)
    r = learn(kit, as_nobody, [hidden, how], "-o", out)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "pysandbox: learn: '%s' installs a seccomp filter of its own, whose "
        "answers would hide calls from learn: cannot learn it\n" % hidden)
    assert not os.path.exists(out)


@pytest.mark.parametrize("how", ["clone", "clone3"])
def test_untraced_children_are_followed(kit, hidden, as_nobody, how):
    """A child cloned with CLONE_UNTRACED is learned like any other, and runs
    under the list."""
    want = "getppid = ok\nchild: exit 0\n"
    r, text = learn_to_file(kit, as_nobody, [hidden, how])
    assert (r.returncode, r.stdout) == (0, want)
    assert "CLONE_UNTRACED cleared in 1 clone calls" in text
    allow = allowlist(text)
    assert "getppid" in allow.split(":")  # only the child calls it
    r = run([hidden, how], clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allow), as_nobody)
    assert (r.returncode, r.stdout) == (0, want)


def test_i386_program_is_refused(kit, hello_i386, as_nobody):
    r = learn(kit, as_nobody, [hello_i386])
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "pysandbox: cannot sandbox a program of another ABI (i386; only x86_64): "
        "'%s'\n" % hello_i386)


# ---- the environment is bytes ----

def test_environment_is_bytes(kit, as_nobody):
    """Non-UTF-8 bytes in a name and a value reach the program unchanged; a
    SECCOMP_* variable (learn's program never sees one) may hold any byte too."""
    out = writable(kit, "bytes-%s" % ("nobody" if as_nobody else "root"))
    env = bytes_env(**{"NOT_UTF8\udcfe": b"\xff\xfe", "SECCOMP_SYSCALL_DENY": b"pt\xffrace"})
    r = run(kit.pysandbox(as_nobody) + ["learn", "-o", out, "--", "/usr/bin/env"], env,
            as_nobody, text=False)
    assert (r.returncode, r.stderr) == (0, b"")
    assert b"\nNOT_UTF8\xfe=\xff\xfe\n" in b"\n" + r.stdout and b"SECCOMP_" not in r.stdout
    assert allowlist(open(out).read())


def test_inherited_filter_is_noted(kit, as_nobody):
    """learn itself under a filter (a container's): calls that filter answers never
    reach learn, so the list says so."""
    outer = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY="getppid=EPERM")
    r = run(kit.pysandbox(as_nobody) + ["learn", "--", kit.probe, "getppid"], outer, as_nobody)
    assert r.returncode == 0 and r.stdout.startswith("getppid = ")
    assert "\n# warning: learned under an inherited seccomp filter: calls it answers " \
        "(ERRNO, TRAP, KILL) were not seen" in r.stdout
    assert "getppid" not in allowlist(r.stdout).split(":")


# ---- what the program inherits: signals, environment, file descriptors ----

def test_signal_state_is_the_callers(kit, launch, as_nobody):
    """The caller blocks SIGUSR1 and ignores SIGHUP: the program has exactly that,
    not Python's ignored SIGPIPE and SIGXFSZ."""
    out = writable(kit, "sigstate-%s" % ("nobody" if as_nobody else "root"))
    argv = [launch, "-b", "10", "-i", "1"] + kit.pysandbox(as_nobody) + [
        "learn", "-o", out, "--", "/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"]
    r = run(argv, clean_env(), as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    assert sig_fields(r.stdout) == {"SigBlk": 1 << (signal.SIGUSR1 - 1),
                                    "SigIgn": 1 << (signal.SIGHUP - 1)}


def test_environment_is_exactly_the_callers(kit, launch, as_nobody):
    """Repeated names and entries without '=' reach the program in order, a C
    locale gains no LC_CTYPE; learn's only changes: LD_PRELOAD leads with
    libsandbox.so (in each LD_PRELOAD entry), SECCOMP_* are gone."""
    out = writable(kit, "exact-env-%s" % ("nobody" if as_nobody else "root"))
    env = ["A=1", "NOEQ", "A=2", "LANG=C", "SECCOMP_SYSCALL_DENY=ptrace", "LD_PRELOAD="]
    r = run([launch] + kit.pysandbox(as_nobody) + ["learn", "-o", out, "--", "/usr/bin/env",
                                                    "@@"] + env, {}, as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    assert re.fullmatch(r"A=1\nNOEQ\nA=2\nLANG=C\nLD_PRELOAD=/\S+/libsandbox\.so\n", r.stdout)


@pytest.mark.parametrize("fd", [1, 2])
def test_closed_stdout_or_stderr(kit, launch, as_nobody, fd):
    out = writable(kit, "closed-%d-%s" % (fd, "nobody" if as_nobody else "root"))
    check = "test -e /proc/self/fd/%d && echo open || echo closed >&%d" % (fd, 3 - fd)
    r = run([launch, "-c", str(fd)] + kit.pysandbox(as_nobody) +
            ["learn", "-o", out, "--", "/bin/sh", "-c", check], clean_env(), as_nobody)
    got = (r.stderr, r.stdout) if fd == 1 else (r.stdout, r.stderr)
    assert (r.returncode, got) == (0, ("closed\n", ""))
    assert allowlist(open(out).read())


def test_closed_stdout_without_o_is_refused(kit, launch):
    r = run([launch, "-c", "1"] + kit.pysandbox() + ["learn", "--", "/bin/true"], clean_env())
    assert (r.returncode, r.stderr) == (
        2, "pysandbox: learn: stdout is closed: give -o FILE for the policy\n")


# ---- handlers installed before the filter; programs that never start ----

def test_handler_installed_by_a_constructor(kit, as_nobody):
    """ctorsig's handler goes in before main(), before libsandbox.so's filter:
    learn finds it caught (SigCgt) and adds rt_sigreturn; a signal under the
    list is handled."""
    import subprocess

    ctorsig = build_c(os.path.join(PROGS, "ctorsig.c"), kit.file("ctorsig"))
    out = writable(kit, "ctorsig-%s" % ("nobody" if as_nobody else "root"))
    r = run(kit.pysandbox(as_nobody) + ["learn", "-o", out, "--", ctorsig], clean_env(),
            as_nobody, stdin=subprocess.DEVNULL)
    assert (r.returncode, r.stdout) == (0, "ready\nread 0, handled 0\n")
    text = open(out).read()
    assert "\n# added rt_sigreturn: it installs a signal handler" in text
    p = spawn([ctorsig], clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW=allowlist(text)),
              as_nobody, stdin=subprocess.PIPE)
    assert p.stdout.readline() == "ready\n"
    in_syscall(p.pid, "read")
    os.kill(p.pid, signal.SIGUSR1)
    p.wait(timeout=60)  # stdin stays open: only the signal ends the read
    assert (p.returncode, p.stdout.read()) == (0, "read -1, handled 1\n")
    p.stdin.close()


@pytest.mark.parametrize("opts", [[], ["--exec"]], ids=["preload", "exec"])
def test_exec_failure_is_one_line_and_no_list(kit, as_nobody, opts):
    bad = kit.file("learn-not-elf")
    with open(bad, "w") as f:
        f.write("\x7fELF garbage")
    os.chmod(bad, 0o755)
    out = writable(kit, "not-elf-%s" % ("nobody" if as_nobody else "root"))
    if os.path.exists(out):
        os.unlink(out)
    r = learn(kit, as_nobody, [bad], "-o", out, *opts)
    assert (r.returncode, r.stdout, r.stderr) == (
        126, "", "pysandbox: cannot execute: '%s' (exec format error)\n" % bad)
    assert not os.path.exists(out)


@pytest.mark.parametrize("opts", [[], ["--exec"]], ids=["preload", "exec"])
def test_i386_program_behind_a_script_is_refused(kit, hello_i386, as_nobody, opts):
    """Found only at the launch exec: stopped before its first instruction,
    with sandboxify's refusal; nothing runs, nothing is written."""
    script = kit.file("learn-i386-script")
    with open(script, "w") as f:
        f.write("#!%s\n" % hello_i386)
    os.chmod(script, 0o755)
    r = learn(kit, as_nobody, [script], *opts)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "pysandbox: the program is not an x86_64 program: cannot install the filter\n")


def test_missing_interpreter_is_127(kit, as_nobody):
    script = kit.file("learn-no-interpreter")
    with open(script, "w") as f:
        f.write("#!/nonexistent/interpreter\n")
    os.chmod(script, 0o755)
    r = learn(kit, as_nobody, [script])
    assert (r.returncode, r.stdout, r.stderr) == (
        127, "", "pysandbox: cannot execute: '%s' (no such file or directory)\n" % script)


def test_execute_only_program_with_exec_is_refused(kit):
    """--exec injects the filter as sandboxify does, which an unreadable
    (non-dumpable) image forbids: refused before the exec, for uid 65534."""
    if os.geteuid() != 0:
        pytest.skip("a root-owned execute-only program needs root to make")
    path = kit.copy(kit.hello_static, "learn-execute-only")
    os.chmod(path, 0o711)
    r = learn(kit, True, [path], "--exec")
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "pysandbox: cannot sandbox a program this user may not read "
        "(execute-only): '%s'\n" % path)
