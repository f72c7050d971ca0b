"""The exec policy end to end (issue 14): SANDBOX_EXEC_ALLOW / SANDBOX_EXEC_DENY
through libsandbox.so (LD_PRELOAD and patchelf) and sandboxify, as root and as
uid 65534: shells, env, xargs, find -exec, Python's subprocess, static and
dynamic children, scripts and symlinks; the race (a thread, and a process
sharing the memory, rewriting the path and argv while a child execs); the
supervisor killed, ptraced, its fds closed; bad input.

The rules name /usr/bin/echo with the word `secret`: `echo secret` is refused,
every other echo runs. Shell builtins (bash's and dash's echo) are no exec.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

from support.proc import PROGS, PY, build_c, clean_env, patchelf, preload, run

FRONTS = ("libsandbox", "sandboxify")
DENY_SECRET = {"SANDBOX_EXEC_DENY": "echo secret"}
DENIED = "exec denied by SANDBOX_EXEC_DENY 'echo secret' (item 1): "


@pytest.fixture(scope="module")
def progs(kit):
    return {"execrace": build_c(os.path.join(PROGS, "execrace.c"), kit.file("execrace"),
                                "-pthread"),
            "untraced": build_c(os.path.join(PROGS, "untraced.c"), kit.file("untraced")),
            "execattack": build_c(os.path.join(PROGS, "execattack.c"), kit.file("execattack")),
            "execctor": build_c(os.path.join(PROGS, "execctor.c"), kit.file("execctor"))}


def box(kit, front, argv, as_nobody=False, **policy):
    """Run ARGV under POLICY through FRONT ("libsandbox": LD_PRELOAD; "sandboxify")."""
    if front == "libsandbox":
        return run(argv, preload(kit, **policy), as_nobody)
    return run(kit.sandboxify(as_nobody) + list(argv), clean_env(**policy), as_nobody)


def denials(front, stderr, what=DENIED):
    return [line for line in stderr.splitlines() if line.startswith(front + ": " + what)]


PY_SUBPROCESS = ("import subprocess\ntry:\n    subprocess.run(['echo', 'secret'])\n"
                 "except PermissionError as e:\n    print('python', e.errno)\n"
                 "subprocess.run(['echo', 'python-ok'])")
EVERY_DOOR = ("/usr/bin/echo ok1; /usr/bin/echo secret; env echo secret; "
              "echo secret | xargs echo; find / -maxdepth 0 -exec echo secret ';'; "
              "sh -c 'echo in-sh; /usr/bin/echo secret; /usr/bin/echo ok2'; "
              "%s -c \"%s\"; echo end" % (PY, PY_SUBPROCESS))


@pytest.mark.parametrize("front", FRONTS)
def test_denied_through_every_door_others_run(kit, front, as_nobody):
    r = box(kit, front, ["/bin/bash", "-c", EVERY_DOOR], as_nobody, **DENY_SECRET)
    assert r.stdout.split("\n") == ["ok1", "in-sh", "ok2", "python 13", "python-ok", "end", ""]
    assert r.returncode == 0
    # a line per refusal: bash, sh by path; env, xargs, find and python search PATH
    # (execvp tries the next directory after EACCES: a line for each)
    assert "%s: %s/usr/bin/echo secret" % (front, DENIED) in r.stderr
    assert len(denials(front, r.stderr)) >= 6, r.stderr
    assert r.stderr.count("Permission denied") == 5  # the callers' own messages


def test_baseline_every_door_runs_without_the_policy(kit):
    r = run(["/bin/bash", "-c", EVERY_DOOR], clean_env())
    assert r.stdout.count("secret") == 6 and r.returncode == 0


@pytest.mark.parametrize("front", FRONTS)
def test_allowlist(kit, front, as_nobody):
    r = box(kit, front, ["/bin/bash", "-c", "/usr/bin/echo yes; /usr/bin/ls /; echo rc=$?; "
                         "/usr/bin/env /usr/bin/echo no; echo rc=$?"], as_nobody,
            SANDBOX_EXEC_ALLOW="/usr/bin/echo:/usr/bin/env")
    assert r.stdout == "yes\nrc=126\nno\nrc=0\n"
    assert denials(front, r.stderr, "exec denied by not in SANDBOX_EXEC_ALLOW: ") == [
        front + ": exec denied by not in SANDBOX_EXEC_ALLOW: /usr/bin/ls /"]


@pytest.mark.parametrize("front", FRONTS)
def test_static_and_dynamic_children(kit, front, as_nobody):
    script = "%s; echo rc=$?; %s; echo rc=$?" % (kit.hello_static, kit.hello)
    r = box(kit, front, ["/bin/sh", "-c", script], as_nobody,
            SANDBOX_EXEC_DENY=kit.hello_static)
    assert r.stdout == "rc=126\nHello, world!\nrc=0\n"
    r = box(kit, front, ["/bin/sh", "-c", script], as_nobody, SANDBOX_EXEC_DENY=kit.hello)
    assert r.stdout == "Hello, world!\nrc=0\nrc=126\n"
    # a child that clears its environment (no LD_PRELOAD, no variables) is judged alike
    r = box(kit, front, ["/bin/sh", "-c", "env -i %s; echo rc=$?" % kit.hello], as_nobody,
            SANDBOX_EXEC_DENY=kit.hello)
    assert r.stdout == "rc=126\n"


def test_scripts_are_judged_as_their_interpreter_too(kit, as_nobody):
    script = kit.file("tool.py")
    with open(script, "w") as f:
        f.write("#!/usr/bin/python3\nprint('script ran')\n")
    os.chmod(script, 0o755)
    real = os.path.realpath("/usr/bin/python3")
    cmd = ["/bin/sh", "-c", "%s; echo rc=$?; %s -c 'print(1)'; echo rc=$?" % (script, real)]
    # by the file: /usr/bin/python3 is a link; the file it names is refused under any name
    r = box(kit, "libsandbox", cmd, as_nobody, SANDBOX_EXEC_DENY="/usr/bin/python3")
    assert r.stdout == "rc=126\nrc=126\n"
    assert "/usr/bin/python3 %s" % script in r.stderr  # the interpreter's argv, as the kernel's
    # a bare name: the name given or the file's own
    r = box(kit, "libsandbox", cmd, as_nobody, SANDBOX_EXEC_DENY=os.path.basename(real))
    assert r.stdout == "rc=126\nrc=126\n"
    # the script itself, by its path
    r = box(kit, "libsandbox", cmd, as_nobody, SANDBOX_EXEC_DENY=script)
    assert r.stdout == "rc=126\n1\nrc=0\n"
    # an allowlist must name both
    r = box(kit, "libsandbox", cmd[:2] + [script], as_nobody,
            SANDBOX_EXEC_ALLOW=script + ":/usr/bin/python3")
    assert r.stdout == "script ran\n"


@pytest.mark.skipif(not shutil.which("git"), reason="git is not installed")
def test_git_push_denied_git_runs(kit, as_nobody):
    r = box(kit, "libsandbox", ["/bin/bash", "-c", "git --version >/dev/null && echo git-ok; "
                                "git push; echo rc=$?"], as_nobody,
            SANDBOX_EXEC_DENY="git push:rm -rf")
    assert r.stdout == "git-ok\nrc=126\n"
    assert "libsandbox: exec denied by SANDBOX_EXEC_DENY 'git push' (item 1): " in r.stderr


@pytest.mark.skipif(not shutil.which("busybox"), reason="busybox is not installed")
def test_busybox_is_judged_by_its_argv(kit):
    bb = shutil.which("busybox")
    cmd = ["/bin/sh", "-c", "%s true; echo rc=$?; %s echo hi" % (bb, bb)]
    r = box(kit, "libsandbox", cmd, **{"SANDBOX_EXEC_DENY": "busybox true"})
    assert r.stdout == "rc=126\nhi\n"


def test_patchelf_needed_library(kit, as_nobody):
    prog = kit.copy("/bin/bash", "bash-needed")
    subprocess.run([patchelf(), "--add-needed", kit.lib, prog], check=True)
    r = run([prog, "-c", "/usr/bin/echo secret; echo rc=$?"], clean_env(**DENY_SECRET),
            as_nobody)
    assert r.stdout == "rc=126\n" and len(denials("libsandbox", r.stderr)) == 1


RACE = {"SANDBOX_EXEC_DENY": "/usr/bin/echo ESCAPED"}


def race_counts(stderr):
    m = re.search(r"ran (\d+) refused (\d+) killed (\d+) other (\d+)", stderr)
    return dict(zip(("ran", "refused", "killed", "other"), map(int, m.groups())))


@pytest.mark.parametrize("mode,front", [("thread", "libsandbox"), ("process", "libsandbox"),
                                        ("process", "sandboxify")])
def test_race_never_runs_a_denied_exec(kit, progs, mode, front, as_nobody):
    n = 1000 if (mode, front) == ("process", "libsandbox") else 500  # thousands in all
    r = box(kit, front, [progs["execrace"], mode, str(n)], as_nobody, **RACE)
    counts = race_counts(r.stderr)
    assert "ESCAPED" not in r.stdout
    assert counts["ran"] and counts["refused"] and counts["other"] == 0, counts
    # the second line: what changed after the check was caught at the exec event
    assert counts["killed"] > 0, counts
    assert sum(counts.values()) == n


def test_race_baseline_escapes_without_the_policy(kit, progs):
    r = run([progs["execrace"], "process", "200"], clean_env())
    assert "ESCAPED" in r.stdout


def tracer_of_self():
    return "t=$(grep TracerPid /proc/$$/status | cut -f2)"


@pytest.mark.parametrize("front", FRONTS)
def test_supervisor_killed_from_inside_kills_the_sandbox(kit, front, as_nobody):
    r = box(kit, front, ["/bin/bash", "-c", tracer_of_self() + "; echo tracer=$t; kill -9 $t; "
                         "while :; do :; done"], as_nobody, **DENY_SECRET)
    assert r.returncode == -9 and r.stdout.startswith("tracer="), (r.returncode, r.stderr)
    assert r.stdout != "tracer=0\n"


PTRACE_SUPERVISOR = """
import ctypes, os, re, subprocess
libc = ctypes.CDLL(None, use_errno=True)
tracer = int(re.search(r"TracerPid:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
rc = libc.ptrace(0x4206, tracer, None, None)  # PTRACE_SEIZE
print("ptrace", rc, os.strerror(ctypes.get_errno()))
buf = ctypes.create_string_buffer(8)
iov = (ctypes.c_void_p * 2)(ctypes.addressof(buf), 8)
rc = libc.process_vm_writev(tracer, iov, 1, iov, 1, 0)
print("process_vm_writev", rc, os.strerror(ctypes.get_errno()))
try:
    subprocess.run(["echo", "secret"])
except PermissionError:
    print("still denied")
"""


def test_supervisor_cannot_be_ptraced_from_inside(kit, as_nobody):
    r = box(kit, "libsandbox", [PY, "-c", PTRACE_SUPERVISOR], as_nobody, **DENY_SECRET)
    eperm = os.strerror(1)
    assert r.stdout == "ptrace -1 %s\nprocess_vm_writev -1 %s\nstill denied\n" % (eperm, eperm)


CLOSE_ALL = """
import os
os.closerange(0, 1 << 16)
try:
    os.execv("/usr/bin/echo", ["echo", "secret"])
except PermissionError:
    os._exit(13)
"""


@pytest.mark.parametrize("front", FRONTS)
def test_closing_every_fd_changes_nothing(kit, front, as_nobody):
    r = box(kit, front, [PY, "-c", CLOSE_ALL], as_nobody, **DENY_SECRET)
    assert r.returncode == 13
    assert len(denials(front, r.stderr)) == 1  # the supervisor keeps its own stderr


THREAD_EXEC = """
import os, threading
def run(argv):
    try:
        os.execv(argv[0], argv)
    except PermissionError:
        print("refused", flush=True)
t = threading.Thread(target=run, args=(["/usr/bin/echo", "secret"],))
t.start(); t.join()
t = threading.Thread(target=run, args=(["/usr/bin/echo", "from-a-thread"],))
t.start(); t.join()
"""


def test_exec_from_a_second_thread(kit, as_nobody):
    # the exec event names the thread that called execve (its former tid)
    r = box(kit, "libsandbox", [PY, "-c", THREAD_EXEC], as_nobody, **DENY_SECRET)
    assert (r.returncode, r.stdout) == (0, "refused\nfrom-a-thread\n")


NOT_DUMPABLE = """
import ctypes, subprocess
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
try:
    subprocess.run(["/usr/bin/true"])
except PermissionError:
    print("refused")
"""


def test_not_dumpable_caller(kit, as_nobody):
    # its memory is the supervisor's to read only with CAP_SYS_PTRACE (root)
    r = box(kit, "libsandbox", [PY, "-c", NOT_DUMPABLE], as_nobody, **DENY_SECRET)
    if as_nobody:
        assert r.stdout == "refused\n"
        assert "libsandbox: exec denied: its path or argv cannot be read" in r.stderr
    else:
        assert (r.stdout, r.stderr) == ("", "")


def test_exec_of_a_fifo_does_not_stall_the_supervisor(kit, tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo, 0o755)
    r = box(kit, "libsandbox", ["/bin/sh", "-c", "%s; echo rc=$?; /usr/bin/echo after" % fifo],
            **DENY_SECRET)
    assert r.stdout == "rc=126\nafter\n"


def test_untraced_child_cannot_exec(kit, progs, as_nobody):
    r = box(kit, "libsandbox", [progs["untraced"]], as_nobody, **DENY_SECRET)
    assert r.stdout == "untraced exec: %s\n" % os.strerror(38)  # ENOSYS: no tracer, no exec
    r = run([progs["untraced"]], clean_env())
    assert r.stdout == "untraced exec: ran\n"


@pytest.mark.skipif(not shutil.which("strace"), reason="strace is not installed")
def test_already_traced_program_is_refused(kit, as_nobody):
    r = run([shutil.which("strace"), "-o", "/dev/null", "--", "/usr/bin/env",
             "LD_PRELOAD=" + kit.lib, "SANDBOX_EXEC_DENY=git", "/usr/bin/true"],
            clean_env(), as_nobody)
    assert r.returncode == 125
    assert r.stderr == ("libsandbox: SANDBOX_EXEC_DENY: the program is traced already: the "
                        "exec policy needs its own tracer\n")


def test_no_ptrace_no_program(kit, as_nobody):
    # an outer sandbox refuses ptrace: the supervisor cannot attach, nothing runs
    inner = "LD_PRELOAD=%s SANDBOX_EXEC_DENY=git /usr/bin/echo ran; echo rc=$?" % kit.lib
    r = run(["/bin/bash", "-c", inner], preload(kit, SECCOMP_SYSCALL_DENY="ptrace",
                                                SECCOMP_DEFAULT_ACTION="errno"), as_nobody)
    assert r.stdout == "rc=125\n"
    assert r.stderr == ("libsandbox: SANDBOX_EXEC_DENY: cannot start the exec supervisor "
                        "(ptrace): Operation not permitted\n")


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("policy,line", [
    ({"SANDBOX_EXEC_DENI": "git"}, "SANDBOX_EXEC_DENI: unknown variable"),
    ({"SANDBOX_EXEC_DENY": "git::ls"}, "SANDBOX_EXEC_DENY: empty rule '' (item 2)"),
    ({"SANDBOX_EXEC_ALLOW": "/usr/bin/echo:/nonexistent/prog"},
     "SANDBOX_EXEC_ALLOW: cannot use the program '/nonexistent/prog': No such file or "
     "directory (item 2)"),
])
def test_bad_input_is_one_line_125(kit, front, policy, line):
    r = box(kit, front, ["/usr/bin/true"], **policy)
    assert (r.returncode, r.stderr) == (125, "%s: %s\n" % (front, line))


@pytest.mark.parametrize("front", FRONTS)
def test_verbose_lines(kit, front):
    r = box(kit, front, ["/usr/bin/true"], SANDBOX_EXEC_DENY="git push",
            SANDBOX_EXEC_ALLOW="/usr/bin/env", SECCOMP_VERBOSE="1")
    assert r.returncode == 0
    assert r.stderr.endswith("adding '/usr/bin/env' to the process exec policy (allow)\n"
                             "adding 'git push' to the process exec policy (deny)\n")


ENTER_IN_PYTHON = """
import subprocess
from pysandbox import _native
_native.enter(_native.load({"SANDBOX_EXEC_DENY": "echo secret"}))
subprocess.run(["echo", "ok"])
try:
    subprocess.run(["echo", "secret"])
except PermissionError:
    print("refused")
"""


def test_cffi_enter_starts_the_supervisor():
    r = run([sys.executable, "-c", ENTER_IN_PYTHON], clean_env())
    assert r.stdout == "ok\nrefused\n"
    assert "pysandbox: exec denied by SANDBOX_EXEC_DENY 'echo secret' (item 1)" in r.stderr


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("mode", [0, 1, 2])  # ./ls from its directory, execveat(dir), (fd, "")
def test_allow_is_not_fooled_by_a_private_mount_namespace(kit, progs, front, mode, as_nobody):
    # /bin/sh bound on /usr/bin/ls where only the program sees it: the kernel
    # names the file /usr/bin/ls, its identity is sh's
    r = box(kit, front, [progs["execattack"], "ns", "/bin/sh", "/usr/bin/ls", str(mode)],
            as_nobody, SANDBOX_EXEC_ALLOW="/usr/bin/ls")
    if r.returncode == 2 and "unshare:" in r.stderr:
        pytest.skip("no user namespaces for this user (CLONE_NEWUSER): " + r.stderr.strip())
    assert "ESCAPED" not in r.stdout
    assert (r.returncode, r.stderr.splitlines()[-1]) == (1, "exec: Permission denied"), r.stderr
    assert front + ": exec denied: the caller is in another mount namespace" in r.stderr


def test_execveat_of_a_descriptor_with_nofollow(kit, progs, as_nobody):
    r = box(kit, "libsandbox", [progs["execattack"], "fd", "/usr/bin/echo"], as_nobody,
            SANDBOX_EXEC_ALLOW="/usr/bin/echo")
    assert (r.returncode, r.stdout) == (0, "ran\n"), r.stderr


@pytest.mark.parametrize("policy", [{"SANDBOX_EXEC_ALLOW": "/usr/bin/echo"}, DENY_SECRET])
def test_exec_with_no_argv_is_judged_as_the_kernel_runs_it(kit, progs, policy, as_nobody):
    r = box(kit, "libsandbox", [progs["execattack"], "noargv", "/usr/bin/echo"], as_nobody,
            **policy)
    assert (r.returncode, r.stdout, r.stderr) == (0, "\n", "")  # argv { "" }
    r = box(kit, "libsandbox", [progs["execattack"], "noargv", "/usr/bin/echo"], as_nobody,
            SANDBOX_EXEC_DENY="echo")
    assert r.returncode == 1 and "exec: Permission denied" in r.stderr


def test_a_denied_argv_cannot_forge_a_line(kit, as_nobody):
    r = box(kit, "libsandbox", ["/bin/bash", "-c", "/usr/bin/echo secret $'x\\nlibsandbox: "
                                "forged\\e[2K'"], as_nobody, **DENY_SECRET)
    assert "libsandbox: " + DENIED + "/usr/bin/echo secret x\\x0alibsandbox: forged\\x1b[2K" \
        in r.stderr.splitlines()
    assert not any(line.startswith("libsandbox: forged") for line in r.stderr.splitlines())


def test_allow_bare_name_is_the_files_own_name(kit, as_nobody):
    link = kit.file("linkdir-ls")
    os.makedirs(link, mode=0o755, exist_ok=True)
    if not os.path.islink(os.path.join(link, "ls")):
        os.symlink("/bin/sh", os.path.join(link, "ls"))
    r = box(kit, "libsandbox", ["/bin/bash", "-c", "%s/ls -c 'echo ESCAPED'; echo rc=$?; "
                                "/usr/bin/ls -d /; %s -d /" % (link, shutil.which("ls"))],
            as_nobody, SANDBOX_EXEC_ALLOW="ls")
    assert r.stdout == "rc=126\n/\n/\n", r.stderr


LOADERS = [p for p in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1")
           if os.path.exists(p)]


@pytest.mark.skipif(not LOADERS, reason="no glibc dynamic loader at its usual path")
def test_the_dynamic_loader_run_as_a_program_is_judged_by_what_it_loads(kit, as_nobody):
    ld = LOADERS[0]
    script = ("{ld} /usr/bin/echo secret; echo rc=$?; {ld} --argv0 x --inhibit-cache "
              "/usr/bin/echo secret; echo rc=$?; cd /usr/bin && {ld} ./echo secret; echo rc=$?; "
              "{ld} /usr/bin/echo fine".format(ld=ld))
    r = box(kit, "libsandbox", ["/bin/bash", "-c", script], as_nobody, **DENY_SECRET)
    assert r.stdout == "rc=126\nrc=126\nrc=126\nfine\n", r.stderr
    assert "libsandbox: %s./echo secret" % DENIED in r.stderr
    # by the file too, and under an allowlist both must pass
    r = box(kit, "libsandbox", ["/bin/bash", "-c", script], as_nobody,
            SANDBOX_EXEC_DENY="/usr/bin/echo secret")
    assert r.stdout == "rc=126\nrc=126\nrc=126\nfine\n", r.stderr
    r = box(kit, "libsandbox", ["/bin/bash", "-c", "%s /usr/bin/ls -d /; %s /usr/bin/echo ok"
                                % (ld, ld)], as_nobody, SANDBOX_EXEC_ALLOW=ld + ":/usr/bin/echo")
    assert r.stdout == "ok\n", r.stderr


def test_exec_before_the_filter_is_killed_and_said_so(kit, progs, as_nobody):
    """libsandbox.so's supervisor is there from the constructor, the filter
    from main(): a constructor's exec is one no check saw. It is killed (the
    exec policy fails closed), with a line that says so, not that something
    "changed after the check"."""
    r = box(kit, "libsandbox", [progs["execctor"]], as_nobody, **DENY_SECRET)
    assert (r.returncode, r.stdout) == (0, "child: signal 9\nmain\n"), r
    assert r.stderr == ("libsandbox: exec killed: an exec before the filter was in force (in a "
                        "constructor, before main()): nothing checked it\n")
    # sandboxify: the filter is there from the first instruction; the exec is judged and runs
    r = box(kit, "sandboxify", [progs["execctor"]], as_nobody, **DENY_SECRET)
    assert (r.returncode, r.stdout, r.stderr) == (0, "ctor\nchild: exit 0\nmain\n", ""), r
