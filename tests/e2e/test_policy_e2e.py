"""The policy language end to end: real programs under real filters."""
import os

import pytest

from support.proc import PY, ROOT, SIGSYS_STATUS, assert_userns_works, clean_env, preload, run


SOCKETS = """
import socket
for fam in ("AF_UNIX", "AF_INET"):
    try:
        socket.socket(getattr(socket, fam), socket.SOCK_STREAM).close()
        print(fam, "ok")
    except OSError as e:
        print(fam, e.errno)
"""

@pytest.fixture(autouse=True)
def need_python():
    if not os.access(PY, os.X_OK):
        pytest.fail("these tests run %s (apt-get install python3)" % PY)


def test_socket_af_unix_allowed_af_inet_denied(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_DENY="socket(arg0!=AF_UNIX)=EACCES")
    r = run([PY, "-c", SOCKETS], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "AF_UNIX ok\nAF_INET 13\n")


RAW_SOCKET = """
import ctypes, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
fd = libc.syscall(ctypes.c_long(41), ctypes.c_long(0x100000002), ctypes.c_long(1), ctypes.c_long(0))
if fd < 0:
    print("errno", ctypes.get_errno())
else:
    print("family", socket.socket(fileno=fd).family.name)
"""


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall number is x86_64's")
def test_int_argument_high_half_cannot_sidestep_a_deny(kit, as_nobody):
    """The kernel truncates socket's int domain: 0x100000002 is AF_INET. Without a
    filter the raw call makes an AF_INET socket; the deny rule stops it anyway."""
    r = run([PY, "-c", RAW_SOCKET], clean_env(), as_nobody)
    assert (r.returncode, r.stdout) == (0, "family AF_INET\n")
    env = preload(kit, SECCOMP_SYSCALL_DENY="socket(arg0 == AF_INET)=EACCES")
    r = run([PY, "-c", RAW_SOCKET], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "errno 13\n")


RAW_CALLS = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for nr in sys.argv[1:]:
    r = libc.syscall(ctypes.c_long(int(nr)), *(ctypes.c_long(0),) * 6)
    print(nr, ctypes.get_errno() if r < 0 else r)
"""


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall numbers are x86_64's")
def test_allowlist_naming_reserved_slots_runs(kit, as_nobody):
    """A cloudflare/sandbox style allowlist that names never-implemented slots
    (uselib 134, afs_syscall 183, vserver 236, ...) runs the program; the kernel
    answers them with ENOSYS, a deny rule with its errno."""
    reserved = "uselib:_sysctl:create_module:get_kernel_syms:query_module:nfsservctl:" \
        "getpmsg:putpmsg:afs_syscall:tuxcall:security:vserver"
    env = preload(kit, SECCOMP_SYSCALL_ALLOW="@system-service:@default:" + reserved,
                  SECCOMP_SYSCALL_DENY="vserver=EACCES")
    r = run([PY, "-c", RAW_CALLS, "134", "183", "236"], env, as_nobody)
    assert (r.returncode, r.stderr, r.stdout) == (0, "", "134 38\n183 38\n236 13\n")


RAW_FCHMODAT = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
path = sys.argv[1]
for mode in (0o777, 0x10000 | 0o777, 0o700):
    os.chmod(path, 0o600)
    r = libc.syscall(ctypes.c_long(268), ctypes.c_long(-100), ctypes.c_char_p(path.encode()),
                     ctypes.c_long(mode))
    print(hex(mode), ctypes.get_errno() if r < 0 else oct(os.stat(path).st_mode & 0o7777))
"""


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall number is x86_64's")
def test_umode_high_bits_cannot_sidestep_a_deny(kit, as_nobody, tmp_path):
    """The kernel truncates fchmodat's umode_t mode to 16 bits: 0x10000|0777 is chmod
    0777. Without a filter the raw call does that; the deny rule stops it anyway."""
    target = os.path.join(kit.path, "mode-%s" % as_nobody)
    open(target, "w").close()
    os.chmod(target, 0o666)
    if as_nobody:
        os.chown(target, 65534, 65534)
    r = run([PY, "-c", RAW_FCHMODAT, target], clean_env(), as_nobody)
    assert (r.returncode, r.stdout) == (0, "0x1ff 0o777\n0x101ff 0o777\n0x1c0 0o700\n")
    env = preload(kit, SECCOMP_SYSCALL_DENY="fchmodat(arg2 == 0x1ff)=EACCES")
    r = run([PY, "-c", RAW_FCHMODAT, target], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "0x1ff 13\n0x101ff 13\n0x1c0 0o700\n"), r.stderr


@pytest.mark.parametrize("var", ["SECCOMP_SYSCALL_DENY", "SECCOMP_SYSCALL_ALLOW"])
def test_condition_that_never_holds_stops_the_program(kit, as_nobody, var):
    """One line naming the variable, the argument, the reason and the item; status
    125; the program never runs."""
    env = preload(kit, **{var: "read:unshare(arg0 & CLONE_NEWUSER == 1)=EPERM"})
    r = run([kit.hello], env, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: %s: condition on arg0 never holds (value bits outside the mask)"
        " in 'unshare(arg0 & CLONE_NEWUSER == 1)=EPERM' (item 2)\n" % var)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="raw syscall numbers are x86_64's")
def test_dangerous_refuses_io_uring_and_pidfd_getfd(kit, as_nobody):
    """io_uring_setup (425), io_uring_enter (426), io_uring_register (427),
    pidfd_getfd (438) fail with EPERM under @dangerous=EPERM."""
    env = preload(kit, SECCOMP_SYSCALL_DENY="@dangerous=EPERM")
    r = run([PY, "-c", RAW_CALLS, "425", "426", "427", "438"], env, as_nobody)
    assert (r.returncode, r.stderr, r.stdout) == (0, "", "425 1\n426 1\n427 1\n438 1\n")


def test_socket_allowlist_condition_kills_other_families(kit, as_nobody):
    """In an allowlist, a conditional entry allows only matching calls."""
    allow = "@system-service:@default"
    env = preload(kit, SECCOMP_SYSCALL_ALLOW=allow + ":socket(arg0==AF_UNIX)",
                  SECCOMP_SYSCALL_DENY="socket(arg0!=AF_UNIX)")
    r = run([PY, "-c", SOCKETS], env, as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "AF_UNIX ok\n")


def test_errno_returned_and_program_continues(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_DENY="getppid=ENOSYS:getpid=errno(13)")
    r = run([PY, "-c", "import os\nfor f in (os.getppid, os.getpid, os.getuid):\n"
             "    try: print(f.__name__, f() >= 0)\n"
             "    except OSError as e: print(f.__name__, e.errno)\n"], env, as_nobody)
    # getppid/getpid never fail in libc, so Python sees the raw -errno as a value:
    # negative where they would have been >= 0; and the program goes on
    assert (r.returncode, r.stdout) == (0, "getppid False\ngetpid False\ngetuid True\n"), r.stderr


def test_default_action_errno(kit, as_nobody):
    probe = run([kit.probe, "getppid", "getpid"],
                preload(kit, SECCOMP_SYSCALL_DENY="getpid", SECCOMP_DEFAULT_ACTION="errno:EPERM"),
                as_nobody)
    assert (probe.returncode, probe.stdout) == (
        0, "getppid = ok\ngetpid = Operation not permitted\n")


def test_per_entry_errno_values(kit, as_nobody):
    r = run([kit.probe, "getpid", "getppid"],
            preload(kit, SECCOMP_SYSCALL_DENY="getpid=ENOSYS:getppid=errno(13)"), as_nobody)
    assert (r.returncode, r.stdout) == (
        0, "getpid = Function not implemented\ngetppid = Permission denied\n")


def test_per_entry_actions_mixed(kit, as_nobody):
    """ptrace-style EPERM for one, kill for another."""
    env = preload(kit, SECCOMP_SYSCALL_DENY="getpid=EPERM:getppid")
    r = run([kit.probe, "getpid", "getppid"], env, as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = Operation not permitted\n")


def test_trap_delivers_sigsys_to_the_program(kit, as_nobody):
    script = ("import os, signal\n"
              "signal.signal(signal.SIGSYS, lambda s, f: print('caught', s))\n"
              "os.getppid()\nprint('after')\n")
    r = run([PY, "-c", script], preload(kit, SECCOMP_SYSCALL_DENY="getppid=trap"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "caught 31\nafter\n")


@pytest.mark.parametrize("policy", [{"SECCOMP_SYSCALL_DENY": "@dangerous=EPERM"},
                                    {"SECCOMP_SYSCALL_ALLOW": "@system-service"}],
                         ids=["deny-dangerous", "allow-system-service"])
def test_ls_and_python_run_under_groups(kit, as_nobody, policy):
    env = preload(kit, **policy)
    ls = run(["/bin/ls", "/"], env, as_nobody)
    py = run([PY, "-c", "import json, os; print(json.dumps('usr' in os.listdir('/')))"],
             env, as_nobody)
    assert (ls.returncode, py.returncode, py.stdout) == (0, 0, "true\n"), (ls.stderr, py.stderr)
    assert "usr" in ls.stdout.split()


def test_dangerous_ptrace_really_refused(kit, as_nobody):
    script = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "print(libc.ptrace(0, 0, 0, 0), ctypes.get_errno())\n")
    r = run([PY, "-c", script], preload(kit, SECCOMP_SYSCALL_DENY="@dangerous=EPERM"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "-1 1\n")


def test_system_service_kills_what_it_leaves_out(kit, as_nobody):
    r = run([PY, "-c", "import ctypes; ctypes.CDLL(None).reboot(0)"],
            preload(kit, SECCOMP_SYSCALL_ALLOW="@system-service"), as_nobody)
    assert r.returncode == SIGSYS_STATUS


def test_clone_newuser_denied(kit, as_nobody):
    assert_userns_works(as_nobody)
    env = preload(kit, SECCOMP_SYSCALL_DENY="clone(arg0&CLONE_NEWUSER==CLONE_NEWUSER)=EPERM:"
                  "unshare(arg0&CLONE_NEWUSER==CLONE_NEWUSER)=EPERM:clone3=ENOSYS")
    r = run(["/usr/bin/unshare", "-U", "true"], env, as_nobody)
    ok = run(["/bin/sh", "-c", "/bin/true && echo forked"], env, as_nobody)
    assert r.returncode != 0 and "Operation not permitted" in r.stderr
    assert (ok.returncode, ok.stdout) == (0, "forked\n")


def test_personality_query_only(kit, as_nobody):
    script = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "libc.personality.argtypes = [ctypes.c_ulong]\n"
              "print(libc.personality(0xffffffff) >= 0)\n"
              "print(libc.personality(0x0040000), ctypes.get_errno())\n")
    env = preload(kit, SECCOMP_SYSCALL_DENY="personality(arg0!=PERSONALITY_QUERY)=EPERM")
    r = run([PY, "-c", script], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "True\n-1 1\n")


def test_at_fdcwd_condition_matches_the_real_call(kit, as_nobody):
    """openat(AT_FDCWD, ...) as glibc makes it: an int condition on -100."""
    denied = run(["/bin/cat", "/etc/hostname"],
                 preload(kit, SECCOMP_SYSCALL_DENY="openat(arg0==AT_FDCWD)=EACCES"), as_nobody)
    other = run(["/bin/cat", "/etc/hostname"],
                preload(kit, SECCOMP_SYSCALL_DENY="openat(arg0==-99)=EACCES"), as_nobody)
    assert (denied.returncode, denied.stderr) == (
        1, "/bin/cat: /etc/hostname: Permission denied\n")
    assert (other.returncode, other.stdout) == (0, open("/etc/hostname").read())


def test_policy_file_with_libsandbox_and_sandboxify(kit, as_nobody, tmp_path):
    policy = kit.file("policy-%d.txt" % as_nobody)
    with open(policy, "w") as f:
        f.write("# deny two calls, differently\n"
                "deny getpid = ENOSYS\n"
                "deny getppid          # killed\n"
                "default kill\n")
    os.chmod(policy, 0o644)
    r = run([kit.probe, "getpid", "getppid"], preload(kit, SECCOMP_POLICY_FILE=policy), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = Function not implemented\n")
    r = run(kit.sandboxify(as_nobody) + [kit.probe, "getpid", "getppid"],
            clean_env(SECCOMP_POLICY_FILE=policy), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = Function not implemented\n")


def test_policy_file_errors(kit, as_nobody, tmp_path):
    policy = kit.file("bad-policy-%d.txt" % as_nobody)
    with open(policy, "w") as f:
        f.write("deny getpid\n\nallow socket(arg9 == 1)\n")
    os.chmod(policy, 0o644)
    r = run([kit.hello], preload(kit, SECCOMP_POLICY_FILE=policy), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: %s:3: invalid condition 'arg9 == 1'\n" % policy)
    missing = run([kit.hello], preload(kit, SECCOMP_POLICY_FILE=policy + ".nope"), as_nobody)
    assert (missing.returncode, missing.stderr) == (
        125, "libsandbox: SECCOMP_POLICY_FILE: cannot read '%s.nope': No such file or directory\n"
        % policy)


def readme_blocks():
    text = open(os.path.join(ROOT, "README.md")).read()
    return text.split("```")[1::2]


def test_readme_policy_file_example_compiles(tmp_path):
    from pysandbox import _native

    block = next(b for b in readme_blocks() if "# web worker policy" in b)
    path = tmp_path / "web.policy"
    path.write_text(block.split("\n", 1)[1])
    assert _native.compile_env({"SECCOMP_POLICY_FILE": str(path)})


def test_readme_examples_compile():
    """Every SECCOMP_* assignment in the README's example block parses."""
    import shlex

    from pysandbox import _native

    block = next(b for b in readme_blocks() if "examples people copy" in b.lower()
                 or "deny ptrace with EPERM" in b)
    lines = [ln for ln in block.splitlines() if ln.startswith("SECCOMP_")]
    assert len(lines) >= 5
    for line in lines:
        env = dict(w.split("=", 1) for w in shlex.split(line))
        assert _native.compile_env(env), line
