"""sandboxify end to end: static (and dynamic) programs, root and uid 65534."""
import itertools
import os
import re
import signal
import subprocess
import threading
import uuid

import pytest

from support.proc import (NOBODY, PROGS, ROOT, SIGSYS_STATUS, assert_userns_works, build_c,
                          bytes_env, clean_env, run, sig_fields, spawn)

# The README's example, verbatim.
README_ALLOW = ("arch_prctl:brk:set_tid_address:set_robust_list:rseq:prlimit64:mprotect:"
                "getrandom:newfstatat:ioctl:readlink:write:exit_group")
STATIC_PROBE_ALLOW = README_ALLOW + ":getpid:getppid"


@pytest.fixture(scope="module")
def probe_static(kit):
    return build_c(os.path.join(PROGS, "probe.c"), kit.file("probe-static"), "-static")


def sandboxify(kit, argv, as_nobody=False, **policy):
    return run(kit.sandboxify(as_nobody) + list(argv), clean_env(**policy), as_nobody)


def test_readme_example_static_hello(kit, as_nobody):
    r = sandboxify(kit, [kit.hello_static], as_nobody, SECCOMP_SYSCALL_ALLOW=README_ALLOW)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")


def test_static_hello_killed_without_write(kit, as_nobody):
    allow = README_ALLOW.replace(":write", "")
    r = sandboxify(kit, [kit.hello_static], as_nobody, SECCOMP_SYSCALL_ALLOW=allow)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "")


def test_filter_in_force_before_first_instruction(kit, probe_static, as_nobody):
    """Deny a syscall the static C runtime makes before main(): it must be
    caught, which an install any later than the exec could not do."""
    r = sandboxify(kit, [probe_static, "getpid"], as_nobody, SECCOMP_SYSCALL_DENY="arch_prctl")
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "")


def test_denylist(kit, probe_static, as_nobody):
    r = sandboxify(kit, [probe_static, "getppid", "getpid"], as_nobody,
                   SECCOMP_SYSCALL_DENY="getpid")
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def test_later_exec_meets_the_allowlist(kit, probe_static, as_nobody):
    r = sandboxify(kit, [probe_static, "getpid", "exec:/bin/true"], as_nobody,
                   SECCOMP_SYSCALL_ALLOW=STATIC_PROBE_ALLOW)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = ok\n")


def test_later_exec_meets_the_denylist(kit, probe_static, as_nobody):
    r = sandboxify(kit, [probe_static, "getpid", "exec:/bin/true"], as_nobody,
                   SECCOMP_SYSCALL_DENY="execve:execveat")
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = ok\n")


def test_dynamic_program_and_proc_status(kit, as_nobody):
    r = sandboxify(kit, ["/bin/grep", "-E", "^(Seccomp|NoNewPrivs|TracerPid):",
                         "/proc/self/status"], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert r.returncode == 0
    fields = dict(re.split(r":\s*", ln, maxsplit=1) for ln in r.stdout.splitlines())
    assert fields == {"Seccomp": "2", "NoNewPrivs": "1", "TracerPid": "0"}


def test_exit_status_propagates(kit, as_nobody):
    r = sandboxify(kit, ["sh", "-c", "exit 7"], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert r.returncode == 7


def test_death_signal_propagates(kit, as_nobody):
    r = sandboxify(kit, ["sh", "-c", "kill -TERM $$"], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert r.returncode == -15


def test_program_keeps_the_pid(kit, as_nobody):
    argv = kit.sandboxify(as_nobody) + ["sh", "-c", "echo $$"]
    env = clean_env(SECCOMP_SYSCALL_DENY="ptrace")
    if as_nobody:
        argv = NOBODY + ["--", "/usr/bin/env", "-i"] + ["%s=%s" % kv for kv in env.items()] + argv
        env = clean_env()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=60)
    assert (p.returncode, out) == (0, "%d\n" % p.pid)


def test_no_helper_left_behind(kit, as_nobody):
    marker = "marker-" + uuid.uuid4().hex
    r = sandboxify(kit, ["sh", "-c", "read kids < /proc/$$/task/$$/children; echo \"[$kids]\"",
                         marker], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stdout) == (0, "[]\n")
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if marker.encode() in f.read():
                    leftovers.append(pid)
        except OSError:
            pass
    assert leftovers == []


def test_verbose_lines(kit):
    r = sandboxify(kit, [kit.hello_static], SECCOMP_SYSCALL_ALLOW=README_ALLOW,
                   SECCOMP_VERBOSE="1")
    assert r.returncode == 0
    assert r.stderr.splitlines() == ["adding %s to the process seccomp filter" % n
                                     for n in README_ALLOW.split(":")]


def test_variables_hidden_from_program(kit, as_nobody):
    r = sandboxify(kit, ["/usr/bin/env"], as_nobody, SECCOMP_SYSCALL_DENY="ptrace",
                   SECCOMP_VERBOSE="0")
    assert r.returncode == 0 and "PATH=" in r.stdout and "SECCOMP_" not in r.stdout


def test_path_lookup(kit):
    r = sandboxify(kit, ["true"], SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stderr) == (0, "")


@pytest.mark.parametrize("argv,policy,status,message", [
    (["/bin/true"], {}, 125,
     "no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY, SECCOMP_PROFILE "
     "or a SANDBOX_FS_*, SANDBOX_NET* layer"),
    (["/bin/true"], {"SECCOMP_SYSCALL_DENY": "ptrace:opne"}, 125,
     "SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 2)"),
    (["/bin/true"], {"SECCOMP_SYSCALL_DENY": "ptrace", "SECCOMP_DEFAULT_ACTION": "nope"}, 125,
     "SECCOMP_DEFAULT_ACTION: unknown action 'nope'"),
    (["no-such-program-xyz"], {"SECCOMP_SYSCALL_DENY": "ptrace"}, 127,
     "program not found: 'no-such-program-xyz'"),
    (["/etc/passwd"], {"SECCOMP_SYSCALL_DENY": "ptrace"}, 126,
     "cannot execute: '/etc/passwd' (permission denied)"),
    (["/etc"], {"SECCOMP_SYSCALL_DENY": "ptrace"}, 126,
     "cannot execute: '/etc' (is a directory)"),
    ([], {"SECCOMP_SYSCALL_DENY": "ptrace"}, 2, "no program given (sandboxify --help)"),
    (["-x"], {"SECCOMP_SYSCALL_DENY": "ptrace"}, 2,
     "unknown option: '-x' (use -- before a program named so)"),
    (["/bin/true"], {"SECCOMP_LEARN": "1"}, 125,
     "SECCOMP_LEARN is for `pysandbox learn` only"),
], ids=["no-policy", "bad-syscall", "bad-action", "not-found", "not-executable", "directory",
        "no-program", "bad-option", "learn-filter"])
def test_errors(kit, as_nobody, argv, policy, status, message):
    r = sandboxify(kit, argv, as_nobody, **policy)
    assert (r.returncode, r.stdout, r.stderr) == (status, "", "sandboxify: %s\n" % message)


def test_exec_failure_after_launch(kit, tmp_path):
    """A file that passes the checks but the kernel will not run."""
    bad = kit.file("not-elf")
    with open(bad, "w") as f:
        f.write("\x7fELF garbage")
    os.chmod(bad, 0o755)
    r = sandboxify(kit, [bad], SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stderr) == (
        126, "sandboxify: cannot execute: '%s' (exec format error)\n" % bad)


def test_help_shows_readme_example(kit):
    r = subprocess.run(kit.sandboxify() + ["--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "sandboxify ./helloworld/helloworld-static" in r.stdout


def test_kernel_refusing_seccomp_stops_the_program(kit, probe_static, as_nobody):
    """The injected seccomp(2) fails (an outer filter answers ENOSYS, as a
    kernel without filters would): the program exits 125, never runs."""
    outer = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY="seccomp",
                      SECCOMP_DEFAULT_ACTION="errno:ENOSYS")
    inner = "env -u LD_PRELOAD SECCOMP_SYSCALL_DENY=ptrace %s %s getpid" % (
        " ".join(kit.sandboxify(as_nobody)), probe_static)
    r = run(["/bin/sh", "-c", "exec " + inner], outer, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "sandboxify: cannot install the filter in the program: "
        "Function not implemented\n")


def test_readme_example_is_the_tested_one():
    """The README shows exactly the policy and command the tests above run."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    assert ('SECCOMP_SYSCALL_ALLOW="%s" \\\n    sandboxify ./helloworld/helloworld-static\n'
            'Hello, world!' % README_ALLOW) in readme


# ---- signals during the launch ----

LAUNCHES = 20  # the code before this test failed about one launch in three


def launch_signalled(kit, as_nobody, signals, started=False):
    """sandboxify the static helloworld while a thread sends it SIGNALS, cycled,
    for as long as it lives; if STARTED, only once the launch exec is done (its
    /proc/PID/exe is helloworld's: the helper is injecting the filter).
    -> (status, stdout, stderr)."""
    p = spawn(kit.sandboxify(as_nobody) + [kit.hello_static], clean_env(
        SECCOMP_SYSCALL_ALLOW=README_ALLOW), as_nobody)
    done = threading.Event()

    def send():
        while started and not done.is_set():
            try:
                if os.readlink("/proc/%d/exe" % p.pid) == kit.hello_static:
                    break
            except OSError:
                pass
        for sig in itertools.cycle(signals):
            if done.wait(0.0002):
                return
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                return

    thread = threading.Thread(target=send)
    thread.start()
    try:
        out, err = p.communicate(timeout=60)
    finally:
        done.set()
        thread.join()
    return p.returncode, out, err


def test_launch_survives_a_signal_storm(kit, as_nobody):
    """A terminal being resized (SIGWINCH), job control (SIGTSTP, SIGCONT), SIGURG,
    from the start or once the program's image is loaded: every launch succeeds;
    ignored signals are ignored and stops honoured, as without sandboxify."""
    storm = (signal.SIGWINCH, signal.SIGURG, signal.SIGTSTP, signal.SIGCONT)
    results = [launch_signalled(kit, as_nobody, storm, started=i % 2) for i in range(LAUNCHES)]
    assert results == [(0, "Hello, world!\n", "")] * LAUNCHES


def test_sigterm_during_the_injection_kills_the_program(kit, as_nobody):
    """SIGTERM reaching a program that has not run an instruction yet takes its
    default action, as without sandboxify (never sandboxify's 125); once the
    filter is in, the program may also finish first."""
    results = {launch_signalled(kit, as_nobody, [signal.SIGTERM], started=True)
               for _ in range(LAUNCHES)}
    assert results <= {(status, out, "") for status in (0, -signal.SIGTERM)
                       for out in ("", "Hello, world!\n")} - {(0, "", "")}


def test_i386_program_is_refused(kit, hello_i386, as_nobody):
    r = sandboxify(kit, [hello_i386], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "sandboxify: cannot sandbox a program of another ABI (i386; only x86_64): "
        "'%s'\n" % hello_i386)


def test_i386_program_behind_a_script_exits_125(kit, hello_i386, as_nobody):
    """Found only once exec'd (the script's #! line names it): the helper cannot
    install the filter, says so, and makes the i386 image exit 125."""
    script = kit.file("i386-script")
    with open(script, "w") as f:
        f.write("#!%s\n" % hello_i386)
    os.chmod(script, 0o755)
    r = sandboxify(kit, [script], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "sandboxify: the program is not an x86_64 program: cannot install the filter\n")


# ---- the environment is bytes ----

def test_environment_is_bytes(kit, as_nobody):
    """Non-UTF-8 bytes in a name and a value reach the program unchanged."""
    env = bytes_env(**{"NOT_UTF8\udcfe": b"\xff\xfe", "SECCOMP_SYSCALL_DENY": b"ptrace"})
    r = run(kit.sandboxify(as_nobody) + ["/usr/bin/env"], env, as_nobody, text=False)
    assert (r.returncode, r.stderr) == (0, b"")
    assert b"\nNOT_UTF8\xfe=\xff\xfe\n" in b"\n" + r.stdout


def test_non_utf8_policy_is_one_line(kit, as_nobody):
    env = bytes_env(SECCOMP_SYSCALL_DENY=b"ptrace:\xff")
    r = run(kit.sandboxify(as_nobody) + ["/bin/true"], env, as_nobody, text=False)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, b"", "sandboxify: SECCOMP_SYSCALL_DENY: invalid entry '\ufffd' (item 2)\n".encode())


# ---- what the program inherits: signals, environment, file descriptors ----

SIGNAL_STATE = ["/bin/grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"]
USR1_BIT, HUP_BIT = 1 << (signal.SIGUSR1 - 1), 1 << (signal.SIGHUP - 1)


def test_signal_state_is_the_callers(kit, launch, as_nobody):
    """The caller blocks SIGUSR1 and ignores SIGHUP (nohup): the program has
    exactly that - not Python's ignored SIGPIPE and SIGXFSZ."""
    r = run([launch, "-b", "10", "-i", "1"] + kit.sandboxify(as_nobody) + SIGNAL_STATE,
            clean_env(SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    assert sig_fields(r.stdout) == {"SigBlk": USR1_BIT, "SigIgn": HUP_BIT}


def test_broken_pipe_is_sigpipe(kit, as_nobody):
    """`sandboxify yes | head -1`: yes dies of SIGPIPE, as it would alone."""
    cmd = "%s /usr/bin/yes | head -1; echo ${PIPESTATUS[0]}" % " ".join(kit.sandboxify(as_nobody))
    r = run(["/bin/bash", "-c", cmd], clean_env(SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "y\n141\n", "")


def test_environment_is_exactly_the_callers(kit, launch, as_nobody):
    """Repeated names and entries without '=' reach the program in order, and a
    C locale gains no LC_CTYPE (Python's locale coercion): only SECCOMP_* go."""
    env = ["A=1", "NOEQ", "A=2", "LANG=C", "SECCOMP_SYSCALL_DENY=ptrace", "Z="]
    r = run([launch] + kit.sandboxify(as_nobody) + ["/usr/bin/env", "@@"] + env, {}, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "A=1\nNOEQ\nA=2\nLANG=C\nZ=\n", "")


@pytest.mark.parametrize("fd", [1, 2])
def test_closed_stdout_or_stderr(kit, launch, as_nobody, fd):
    """sandboxify started with fd 1 or 2 closed: the program runs with it closed."""
    check = "test -e /proc/self/fd/%d && echo open || echo closed >&%d" % (fd, 3 - fd)
    r = run([launch, "-c", str(fd)] + kit.sandboxify(as_nobody) + ["/bin/sh", "-c", check],
            clean_env(SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    out = (r.stderr, r.stdout) if fd == 1 else (r.stdout, r.stderr)
    assert (r.returncode, out) == (0, ("closed\n", ""))


def test_errors_with_stderr_closed(kit, launch, as_nobody):
    r = run([launch, "-c", "2"] + kit.sandboxify(as_nobody) + ["/bin/true"], clean_env(),
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "")


# ---- programs ptrace has trouble with ----

@pytest.fixture(scope="module")
def endpage(kit):
    if os.uname().machine != "x86_64":
        pytest.skip("tests/progs/endpage.S is x86_64 code")
    obj = kit.file("endpage.o")
    subprocess.run(["as", "-o", obj, os.path.join(PROGS, "endpage.S")], check=True)
    subprocess.run(["ld", "-o", kit.file("endpage"), obj], check=True)
    return kit.file("endpage")


def test_entry_point_at_the_end_of_the_last_page(kit, endpage, as_nobody):
    r = sandboxify(kit, [endpage], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stdout, r.stderr) == (42, "", "")


@pytest.fixture(scope="module")
def execute_only(kit):
    """helloworld-static, mode 0711 and root's: uid 65534 may run it, not read it."""
    if os.geteuid() != 0:
        pytest.skip("a root-owned execute-only program needs root to make")
    path = kit.copy(kit.hello_static, "hello-execute-only")
    os.chmod(path, 0o711)
    return path


def test_execute_only_program(kit, execute_only, as_nobody):
    """The kernel makes an unreadable image non-dumpable: ptrace cannot write
    the filter into it. Refused before the exec, with one line; root may read it."""
    r = sandboxify(kit, [execute_only], as_nobody, SECCOMP_SYSCALL_ALLOW=README_ALLOW)
    if not as_nobody:
        assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
        return
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "sandboxify: cannot sandbox a program this user may not read "
        "(execute-only): '%s'\n" % execute_only)


def test_execute_only_program_behind_a_script(kit, execute_only):
    """Found only at the exec: the program is stopped with the line, never run."""
    script = kit.file("execute-only-script")
    with open(script, "w") as f:
        f.write("#!%s\n" % execute_only)
    os.chmod(script, 0o755)
    r = sandboxify(kit, [script], True, SECCOMP_SYSCALL_ALLOW=README_ALLOW)
    assert (r.returncode, r.stdout, r.stderr) == (
        -signal.SIGKILL, "", "sandboxify: cannot install the filter: the program's image "
        "is not readable by this user (execute-only)\n")


# ---- sandboxify as PID 1 (a container's entrypoint) ----

@pytest.fixture(scope="module")
def reap(kit):
    return build_c(os.path.join(PROGS, "reap.c"), kit.file("reap"), "-static")


def test_pid_1_reaps_the_helper_once(kit, reap, as_nobody):
    """As PID 1 the orphaned helper becomes the program's child (nothing can
    send it elsewhere): it exits once the filter is in, and the program may
    reap it, once - as the README says."""
    userns = ["-U", "-r"] if as_nobody else []
    if as_nobody:
        assert_userns_works(True)
    r = run(["/usr/bin/unshare", *userns, "--pid", "--fork", "--mount-proc"] +
            kit.sandboxify(as_nobody) + [reap], clean_env(SECCOMP_SYSCALL_DENY="ptrace"),
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "pid 1 reaped 1\n", "")
    r = sandboxify(kit, [reap], as_nobody, SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stdout[-9:], r.stderr) == (0, "reaped 0\n", "")


def test_child_subreaper_reaps_the_helper_once(kit, reap, launch, as_nobody):
    """The same for a child subreaper (PR_SET_CHILD_SUBREAPER survives exec)."""
    r = run([launch, "-s", "1"] + kit.sandboxify(as_nobody) + [reap],
            clean_env(SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    assert (r.returncode, r.stdout[-9:], r.stderr) == (0, "reaped 1\n", "")


# ---- ^C during the launch ----

def reached(pid, point):
    """Has sandboxify PID reached POINT of its launch (or gone past its exec)?"""
    try:
        with open("/proc/%d/%s" % (pid, "maps" if point == "module" else "status")) as f:
            text = f.read()
    except OSError:
        return True
    if point == "module":  # Python has loaded the C module
        return "_native_cffi" in text
    return not re.search(r"^TracerPid:\s+0$", text, re.M)  # the helper has seized it


@pytest.mark.parametrize("point", ["module", "traced"])
def test_sigint_during_the_launch_is_the_programs(kit, as_nobody, point):
    """SIGINT mid-launch (once Python has loaded the C module; once the helper
    has seized the launcher): death by SIGINT, as the program's own ^C would
    be - never a traceback."""
    results = set()
    for _ in range(10):
        p = spawn(kit.sandboxify(as_nobody) + [kit.hello_static],
                  clean_env(SECCOMP_SYSCALL_ALLOW=README_ALLOW), as_nobody)
        for _ in range(200000):
            if reached(p.pid, point):
                break
        os.kill(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=60)
        results.add((p.returncode, out, err))
    assert results <= {(-signal.SIGINT, "", ""), (0, "Hello, world!\n", "")}
    assert (-signal.SIGINT, "", "") in results


@pytest.mark.parametrize("entries", [[b"SECCOMP_SYSCALL_DENYX"], [b"SECCOMP_SYSCALL_DENY"]])
def test_an_entry_without_equals_is_read_as_libsandbox_reads_it(kit, launch, as_nobody, entries):
    """The exec-time block, not os.environb (which drops an entry without
    '='): sandboxify ran the program (with the second DENY's policy only)
    where libsandbox.so refuses."""
    block = entries + [b"SECCOMP_SYSCALL_DENY=uname=EPERM", b"PATH=/usr/bin:/bin"]  # then one
    name = entries[0].decode()
    out = {}
    for front, argv, extra in (("sandboxify", kit.sandboxify(as_nobody), []),
                               ("libsandbox", [], [b"LD_PRELOAD=" + kit.lib.encode()])):
        out[front] = run([launch, *argv, "/usr/bin/uname", "@@", *block, *extra], clean_env(),
                         as_nobody)
        assert (out[front].returncode, out[front].stdout) == (125, ""), (front, out[front])
        assert out[front].stderr == "%s: %s: not NAME=value\n" % (front, name)
