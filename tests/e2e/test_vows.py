"""Vows end to end (issue 15 item 3): each promise allows what it promises and
refuses the rest, in real processes under real filters - tests/progs/vowprobe.c
(dynamic, through libsandbox.so; static, through sandboxify), python3, coreutils
and busybox - as root and as uid 65534; pysandbox.pledge() in a child
interpreter; SANDBOX_VOWS_EXEC handed on; `pysandbox vows`; the one-line errors.

vowprobe prints "STEP = ok" or "STEP = <strerror>" for each step. Most runs add
the `error` promise, so a refused step reads EPERM and the run goes on; a step
a promise allows must give what it gives without any sandbox (the baseline, in
a fresh tree of its own).
"""
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from support.proc import (PROGS, PY, PYSANDBOX, SIGSYS_STATUS, build_c, clean_env, preload, run,
                          spawn)

EPERM = os.strerror(errno.EPERM)
EACCES = os.strerror(errno.EACCES)
NOBODY = 65534
BUSYBOX = shutil.which("busybox")


@pytest.fixture(scope="module")
def progs(kit):
    src = os.path.join(PROGS, "vowprobe.c")
    return {"preload": build_c(src, kit.file("vowprobe"), "-pthread"),
            "sandboxify": build_c(src, kit.file("vowprobe-static"), "-static", "-pthread"),
            "hello": kit.hello_static}


class Tree:
    """A fresh directory (under PARENT) the probe's steps work in: f (a file
    with a byte), u (a file to unlink); owned by the user the run is as."""

    def __init__(self, as_nobody, parent=None):
        self.path = tempfile.mkdtemp(prefix="vows-", dir=parent)
        for name in ("f", "u"):
            with open(os.path.join(self.path, name), "w") as f:
                f.write("x")
        if as_nobody:
            for name in ("", "f", "u"):
                os.chown(os.path.join(self.path, name), NOBODY, NOBODY)
        os.chmod(self.path, 0o755)

    def steps(self, steps):
        return [s.replace("{d}", self.path) for s in steps]

    def remove(self):
        shutil.rmtree(self.path)


def results(out):
    return dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)


def probe(kit, progs, front, as_nobody, steps, parent=None, **variables):
    """{step: result} of vowprobe's STEPS (with "{d}" a fresh Tree) through FRONT."""
    tree = Tree(as_nobody, parent)
    try:
        argv = [progs[front]] + tree.steps(steps)
        if front == "preload":
            r = run(argv, preload(kit, **variables), as_nobody)
        elif variables:
            r = run(kit.sandboxify(as_nobody) + argv, clean_env(**variables), as_nobody)
        else:
            r = run(argv, clean_env(), as_nobody)
        assert r.returncode == 0, (r.returncode, r.stderr)
        return {k.replace(tree.path, "{d}"): v for k, v in results(r.stdout).items()}
    finally:
        tree.remove()


# (promise, the promises the steps need besides it, the steps it allows)
CASES = [
    ("rpath", "", ["read:{d}/f", "stat:{d}/f", "list:{d}"]),
    ("wpath", "", ["write:{d}/f", "trunc:{d}/f"]),
    ("cpath", "wpath", ["create:{d}/new", "mkdir:{d}/dir", "unlink:{d}/u"]),
    ("dpath", "", ["mkfifo:{d}/fifo"]),
    ("fattr", "", ["chmod:{d}/f"]),
    ("chown", "rpath", ["chown:{d}/f"]),
    ("flock", "rpath wpath", ["flock:{d}/f"]),
    ("prot_exec", "", ["mmap-exec", "mprotect-exec"]),
    ("inet", "", ["socket:inet", "socket:inet6", "socket:udp"]),
    ("unix", "", ["socket:unix"]),
    ("proc", "", ["fork"]),
    ("thread", "", ["thread"]),
    ("exec", "proc", ["exec:{hello}"]),
    ("id", "", ["setuid"]),
    ("tty", "rpath", ["tty"]),
    ("ioctl", "rpath", ["ioctl"]),
    ("settime", "", ["settime"]),
]


@pytest.mark.parametrize("front", ["preload", "sandboxify"])
@pytest.mark.parametrize("promise, helpers, steps", CASES, ids=[c[0] for c in CASES])
def test_each_promise_allows_its_steps_and_only_with_it(kit, progs, front, as_nobody, promise,
                                                         helpers, steps):
    steps = [s.replace("{hello}", progs["hello"]) for s in steps]
    base = "stdio error " + helpers
    baseline = probe(kit, progs, "sandboxify", as_nobody, steps)
    assert all(v != EPERM for v in baseline.values()), baseline
    granted = probe(kit, progs, front, as_nobody, steps, SANDBOX_VOWS=base + " " + promise)
    assert granted == baseline
    refused = probe(kit, progs, front, as_nobody, steps, SANDBOX_VOWS=base)
    assert refused == {s: EPERM for s in baseline}


def test_without_error_a_violation_kills(kit, progs, as_nobody):
    ok = run([progs["preload"], "mmap"], preload(kit, SANDBOX_VOWS="stdio"), as_nobody)
    assert ok.returncode == 0 and ok.stdout == "mmap = ok\n"
    for front in ("preload", "sandboxify"):
        argv, variables = [progs[front], "mmap", "mmap-exec"], {"SANDBOX_VOWS": "stdio"}
        r = run(argv, preload(kit, **variables), as_nobody) if front == "preload" else \
            run(kit.sandboxify(as_nobody) + argv, clean_env(**variables), as_nobody)
        assert r.returncode == SIGSYS_STATUS and r.stdout == "mmap = ok\n", (front, r)


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="i386 and x32 ABIs: x86-64 only")
@pytest.mark.parametrize("step", ["i386", "x32"])
def test_another_abi_is_killed_even_under_error(kit, progs, as_nobody, step):
    for front in ("preload", "sandboxify"):
        argv, variables = [progs[front], step], {"SANDBOX_VOWS": "stdio error"}
        r = run(argv, preload(kit, **variables), as_nobody) if front == "preload" else \
            run(kit.sandboxify(as_nobody) + argv, clean_env(**variables), as_nobody)
        assert (r.returncode, r.stdout) == (SIGSYS_STATUS, ""), (front, r)


def test_sockets_of_another_family_are_refused(kit, progs, as_nobody):
    steps = ["socket:inet", "socket:unix", "socket:netlink"]
    assert probe(kit, progs, "preload", as_nobody, steps, SANDBOX_VOWS="stdio error inet") == {
        "socket:inet": "ok", "socket:unix": EPERM, "socket:netlink": EPERM}
    assert probe(kit, progs, "preload", as_nobody, steps, SANDBOX_VOWS="stdio error unix") == {
        "socket:inet": EPERM, "socket:unix": "ok", "socket:netlink": EPERM}


def test_dns_opens_udp_and_tcp_and_reads_only_the_resolver_files(kit, progs, as_nobody):
    steps = ["socket:udp", "socket:inet6", "socket:netlink", "socket:unix", "socket:ping",
             "socket:udplite", "read:/etc/hosts", "read:{d}/f", "write:{d}/f"]
    assert probe(kit, progs, "preload", as_nobody, steps, SANDBOX_VOWS="stdio error dns") == {
        "socket:udp": "ok", "socket:inet6": "ok",
        "socket:netlink": EACCES,  # the route table: it takes RTM_NEWLINK too
        "socket:unix": EACCES,  # nscd's socket: the C library goes on without it
        "socket:ping": EPERM, "socket:udplite": EPERM,  # UDP and TCP only
        "read:/etc/hosts": "ok", "read:{d}/f": EACCES,  # Landlock: not a resolver file
        "write:{d}/f": EPERM}


@pytest.mark.parametrize("front", ["preload", "sandboxify"])
def test_dns_resolves_without_the_route_table(kit, progs, front, as_nobody):
    # getaddrinfo(AI_ADDRCONFIG) reads the route table through netlink; refused
    # (EACCES), the C library assumes both families
    steps = ["resolve:localhost", "resolve:%s" % os.uname().nodename]
    baseline = probe(kit, progs, "sandboxify", as_nobody, steps)
    assert probe(kit, progs, front, as_nobody, steps, SANDBOX_VOWS="stdio dns") == baseline
    assert baseline["resolve:localhost"] == "ok"


@pytest.mark.parametrize("step", ["socket:packet", "socket:raw", "socket:seqpacket"])
def test_inet_sockets_are_stream_and_datagram_only(kit, progs, as_nobody, step):
    # SOCK_PACKET on AF_INET is an AF_PACKET socket (CAP_NET_RAW): killed, as
    # raw and SCTP's SOCK_SEQPACKET, for root as for uid 65534 (EPERM from the
    # kernel without the filter)
    r = run([progs["preload"], step], preload(kit, SANDBOX_VOWS="stdio inet"), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, ""), r
    steps = ["socket:inet", "socket:udp", "socket:ping", "socket:udplite"]
    baseline = probe(kit, progs, "sandboxify", as_nobody, steps)
    assert probe(kit, progs, "preload", as_nobody, steps, SANDBOX_VOWS="stdio inet") == baseline


@pytest.fixture
def victim(as_nobody):
    """A process of the same user, started outside any sandbox."""
    p = spawn(["/bin/sleep", "60"], clean_env(), as_nobody)
    # NOTE: until setpriv has exec'd sleep, its uid change leaves it not
    # dumpable: its memory is out of everyone's reach, sandboxed or not
    for _ in range(500):
        with open("/proc/%d/comm" % p.pid) as f:
            if f.read() == "sleep\n":
                break
        time.sleep(0.01)
    yield p.pid
    p.kill()
    p.wait()


@pytest.mark.parametrize("front", ["preload", "sandboxify"])
def test_another_processs_memory_is_out_of_reach(kit, progs, front, as_nobody, victim):
    # NOTE: only a Landlock domain makes the kernel check /proc/PID/mem as it
    # checks ptrace: a confined process reaches no process outside its domain
    steps = ["mem:%d:r" % victim, "mem:%d:w" % victim]
    assert probe(kit, progs, "sandboxify", as_nobody, steps) == {s: "ok" for s in steps}
    for vows in ("stdio rpath wpath error", "stdio rpath wpath prot_exec proc error"):
        assert probe(kit, progs, front, as_nobody, steps, SANDBOX_VOWS=vows) == {
            s: EACCES for s in steps}, vows


def test_an_execd_program_narrowed_cannot_reach_the_process_that_started_it(kit, progs,
                                                                              as_nobody):
    # SANDBOX_VOWS_EXEC: the exec'd program's domain is nested in sh's
    vows = "stdio rpath wpath proc exec prot_exec error"
    script = "%s mem:$$:w" % progs["preload"]
    r = run(["/bin/sh", "-c", script], preload(kit, SANDBOX_VOWS=vows), as_nobody)
    assert list(results(r.stdout).values()) == ["ok"], r.stderr  # one domain: sh's
    r = run(["/bin/sh", "-c", script],
            preload(kit, SANDBOX_VOWS=vows, SANDBOX_VOWS_EXEC="stdio rpath wpath prot_exec error"),
            as_nobody)
    assert list(results(r.stdout).values()) == [EACCES], r.stderr


def test_the_domain_needs_no_landlock_abi_beyond_1(kit, progs, as_nobody, victim):
    # fakeabi: the kernel claims ABI 1, which has no fs.refer (left out, unsaid)
    steps = ["mem:%d:w" % victim, "write:{d}/f"]
    fake = build_c(os.path.join(PROGS, "fakeabi.c"), kit.file("fakeabi"))
    tree = Tree(as_nobody)
    try:
        argv = [fake, "1", "/usr/bin/env", "LD_PRELOAD=" + kit.lib, "SANDBOX_VOWS=stdio wpath",
                progs["preload"]] + tree.steps(steps)
        r = run(argv, clean_env(), as_nobody)
    finally:
        tree.remove()
    assert (r.returncode, r.stderr) == (0, "")
    assert {k.replace(tree.path, "{d}"): v for k, v in results(r.stdout).items()} == {
        steps[0]: EACCES, "write:{d}/f": "ok"}


def test_the_domain_is_refused_without_landlock(kit, progs, as_nobody):
    # a kernel without Landlock, as the program sees it: fail closed, or run
    # with SANDBOX_BEST_EFFORT=1 and say so
    outer = preload(kit, SECCOMP_SYSCALL_DENY="landlock_create_ruleset=ENOSYS")
    inner = ["/usr/bin/env", "-u", "LD_PRELOAD", "SANDBOX_VOWS=stdio", "LD_PRELOAD=" + kit.lib]
    r = run(inner + [progs["preload"], "mmap"], outer, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: SANDBOX_VOWS: this "
                                                  "kernel does not offer Landlock: %s\n"
                                                  % os.strerror(errno.ENOSYS))
    r = run(inner + ["SANDBOX_BEST_EFFORT=1", progs["preload"], "mmap"], outer, as_nobody)
    assert (r.returncode, r.stdout) == (0, "mmap = ok\n")
    assert r.stderr == "libsandbox: SANDBOX_BEST_EFFORT: not enforced on this kernel: every " \
        "Landlock rule (this kernel does not offer Landlock)\n"


def test_renames_and_links_reach_other_directories(kit, progs, as_nobody):
    # the domain handles fs.refer (as every one handling a file right does) and
    # grants it on /: cpath's renames and links into another directory work
    vows = "stdio rpath wpath cpath error"
    assert probe(kit, progs, "preload", as_nobody, ["move:{d}"], SANDBOX_VOWS=vows) == {
        "move:{d}": "ok"}


def test_own_code_written_through_proc_self_mem(kit, progs, as_nobody):
    # what remains (README): without prot_exec, wpath writes the program's own
    # code through /proc/self/mem (same filter, same domain); SANDBOX_FS_WRITE
    # without /proc closes it
    assert probe(kit, progs, "preload", as_nobody, ["selfmem"],
                 SANDBOX_VOWS="stdio wpath error") == {"selfmem": "ok"}
    assert probe(kit, progs, "preload", as_nobody, ["selfmem"], SANDBOX_VOWS="stdio error",
                 SANDBOX_FS_WRITE="/tmp") == {"selfmem": EPERM}
    assert probe(kit, progs, "preload", as_nobody, ["selfmem"], SANDBOX_VOWS="stdio wpath error",
                 SANDBOX_FS_WRITE="/tmp") == {"selfmem": EACCES}


@pytest.mark.parametrize("front", ["preload", "sandboxify"])
def test_tmppath_reaches_files_beneath_tmp_only(kit, progs, front, as_nobody):
    steps = ["create:{d}/new", "read:{d}/f", "write:{d}/f", "unlink:{d}/u", "mkdir:{d}/dir",
             "exec:%s" % progs["hello"]]
    vows = {"SANDBOX_VOWS": "stdio error proc exec tmppath"}
    inside = probe(kit, progs, front, as_nobody, steps, parent="/tmp", **vows)
    assert inside == {s: "ok" for s in steps}
    outside = probe(kit, progs, front, as_nobody, steps, parent="/var/tmp", **vows)
    assert outside == {s: EACCES for s in steps[:5]} | {steps[5]: "ok"}
    none = probe(kit, progs, front, as_nobody, steps, parent="/tmp",
                 SANDBOX_VOWS="stdio error proc exec")
    assert none == {s: EPERM for s in steps[:5]} | {steps[5]: "ok"}


@pytest.fixture
def tree(as_nobody):
    t = Tree(as_nobody)
    os.chmod(os.path.join(t.path, "f"), 0o644)
    yield t.path
    t.remove()


def test_landlock_variables_combine_with_the_vows(kit, progs, as_nobody):
    steps = ["read:{d}/f", "read:/etc/hostname", "write:{d}/f", "socket:inet"]
    tree = Tree(as_nobody)
    try:
        r = run([progs["preload"]] + tree.steps(steps),
                preload(kit, SANDBOX_VOWS="stdio rpath error", SANDBOX_FS_READ=tree.path,
                        SECCOMP_VERBOSE="1"), as_nobody)
    finally:
        tree.remove()
    assert {k.replace(tree.path, "{d}"): v for k, v in results(r.stdout).items()} == {
        "read:{d}/f": "ok", "read:/etc/hostname": EACCES,  # Landlock's
        "write:{d}/f": EPERM, "socket:inet": EPERM}  # the vows'
    assert "adding read to the process seccomp filter\n" in r.stderr
    assert "adding %s to the process Landlock ruleset (read)\n" % tree.path \
        in r.stderr


def test_python_reads_but_cannot_write(kit, tree, as_nobody):
    f, new = os.path.join(tree, "f"), os.path.join(tree, "new")
    read = [PY, "-c", "print(open(%r).read())" % f]
    write = [PY, "-c", "open(%r, 'w')" % new]
    r = run(read, preload(kit, SANDBOX_VOWS="stdio rpath"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "x\n"), r.stderr
    r = run(write, preload(kit, SANDBOX_VOWS="stdio rpath"), as_nobody)
    assert r.returncode == SIGSYS_STATUS and not os.path.exists(new)
    r = run(write, preload(kit, SANDBOX_VOWS="stdio rpath error"), as_nobody)
    assert r.returncode == 1 and "PermissionError: [Errno 1]" in r.stderr
    r = run(write, preload(kit, SANDBOX_VOWS="stdio rpath wpath cpath"), as_nobody)
    assert r.returncode == 0 and os.path.exists(new)


def test_coreutils(kit, tree, as_nobody):
    f = os.path.join(tree, "f")
    r = run(["/bin/cat", f], preload(kit, SANDBOX_VOWS="stdio rpath"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "x")
    r = run(["/bin/ls", tree], preload(kit, SANDBOX_VOWS="stdio rpath"), as_nobody)
    assert r.returncode == 0 and r.stdout.split() == ["f", "u"]
    for vows, status in (("stdio rpath", SIGSYS_STATUS), ("stdio rpath wpath", SIGSYS_STATUS),
                         ("stdio rpath wpath cpath", 0)):
        r = run(["/bin/cp", f, os.path.join(tree, "g")], preload(kit, SANDBOX_VOWS=vows),
                as_nobody)
        assert r.returncode == status, (vows, r.stderr)
    assert open(os.path.join(tree, "g")).read() == "x"
    r = run(["/bin/mkdir", os.path.join(tree, "d")],
            preload(kit, SANDBOX_VOWS="stdio rpath wpath error"), as_nobody)
    assert r.returncode == 1 and "Operation not permitted" in r.stderr


@pytest.mark.skipif(not BUSYBOX, reason="no busybox (apt-get install busybox-static)")
def test_busybox_through_sandboxify(kit, tree, as_nobody):
    # NOTE: busybox run by another user than root drops to its own ids
    # (setgid, setuid): the `id` promise
    bb, f = kit.copy(BUSYBOX, "busybox"), os.path.join(tree, "f")
    r = run(kit.sandboxify(as_nobody) + [bb, "cat", f],
            clean_env(SANDBOX_VOWS="stdio rpath id"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "x"), r.stderr
    touch = [bb, "touch", os.path.join(tree, "new")]
    r = run(kit.sandboxify(as_nobody) + touch, clean_env(SANDBOX_VOWS="stdio rpath id"),
            as_nobody)
    assert r.returncode == SIGSYS_STATUS and not os.path.exists(os.path.join(tree, "new"))
    r = run(kit.sandboxify(as_nobody) + touch,
            clean_env(SANDBOX_VOWS="stdio rpath wpath cpath fattr id"), as_nobody)
    assert r.returncode == 0 and os.path.exists(os.path.join(tree, "new")), r.stderr


def test_exec_promises_narrow_an_execd_program(kit, progs, as_nobody):
    steps = ["fork", "read:/etc/hostname"]
    script = "%s %s; echo $SANDBOX_VOWS" % (progs["preload"], " ".join(steps))
    r = run(["/bin/sh", "-c", script],
            preload(kit, SANDBOX_VOWS="stdio rpath proc exec prot_exec error",
                    SANDBOX_VOWS_EXEC="stdio rpath prot_exec error"), as_nobody)
    # sh is under the vows, and hands SANDBOX_VOWS on; its child takes them (and scrubs them)
    assert results(r.stdout) == {"fork": EPERM, "read:/etc/hostname": "ok"}, r.stderr
    assert r.stdout.splitlines()[-1] == "stdio rpath prot_exec error"
    r = run(["/bin/sh", "-c", "%s fork" % progs["preload"]],
            preload(kit, SANDBOX_VOWS="stdio rpath proc exec prot_exec error"), as_nobody)
    assert results(r.stdout) == {"fork": "ok"}  # without SANDBOX_VOWS_EXEC: the vows alone
    # the narrowing comes before main(), after the program's own constructors
    r = run(["/bin/sh", "-c", "%s fork" % progs["preload"]],
            preload(kit, SANDBOX_VOWS="stdio rpath proc exec prot_exec error",
                    SANDBOX_VOWS_EXEC="stdio rpath prot_exec error", VOWPROBE_CTOR="fork"),
            as_nobody)
    assert results(r.stdout) == {"ctor fork": "ok", "fork": EPERM}, r.stderr


def test_sandboxify_refuses_exec_promises(kit, progs):
    r = run(kit.sandboxify() + [progs["sandboxify"], "mmap"],
            clean_env(SANDBOX_VOWS="stdio exec", SANDBOX_VOWS_EXEC="stdio"))
    assert r.returncode == 125 and r.stdout == ""
    assert r.stderr == ("sandboxify: SANDBOX_VOWS_EXEC: not handed on by sandboxify (a static "
                        "program loads no libsandbox.so): set SANDBOX_VOWS alone\n")


PLEDGE = """
import os, sys
sys.path.insert(0, os.environ["SITE"])
import pysandbox
pysandbox.pledge(sys.argv[1].split())
print(open("/etc/hostname").read() != "")
try:
    open(os.path.join(os.environ["TREE"], "new"), "w")
    print("written")
except PermissionError as e:
    print(e.errno)
"""


PLEDGE_EXEC = """
import os, subprocess, sys
sys.path.insert(0, os.environ["SITE"])
import pysandbox
pysandbox.pledge(sys.argv[1], sys.argv[2])
sys.stdout.write(subprocess.run([sys.argv[3], "fork", "mmap"], stdout=subprocess.PIPE,
                                text=True).stdout)
"""


def test_pledge_in_a_child_interpreter(kit, tree, as_nobody):
    kit.pysandbox(True)  # the kit's copy of the package, which uid 65534 can read
    py = "/usr/bin/python%d.%d" % sys.version_info[:2] if as_nobody else sys.executable
    env = clean_env(TREE=tree, SITE=kit.installed() if as_nobody else "")
    r = run([py, "-c", PLEDGE, "stdio rpath error"], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "True\n%d\n" % errno.EPERM), r.stderr
    r = run([py, "-c", PLEDGE, "stdio rpath wpath cpath"], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "True\nwritten\n"), r.stderr
    r = run([py, "-c", PLEDGE_EXEC, "stdio rpath proc exec prot_exec error",
             "stdio rpath prot_exec error", kit.file("vowprobe")], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "fork = %s\nmmap = ok\n" % EPERM), r.stderr
    r = run([py, "-c", PLEDGE, "stdio bogus"], env, as_nobody)
    assert r.returncode == 1 and r.stderr.strip().endswith(
        "PolicyError: SANDBOX_VOWS: unknown promise 'bogus' (item 2)")


@pytest.mark.parametrize("env, line", [
    ({"SANDBOX_VOWS": "stdio bogus"}, "SANDBOX_VOWS: unknown promise 'bogus' (item 2)"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_SYSCALL_DENY": "ptrace"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with "
     "'SECCOMP_SYSCALL_DENY'"),
    ({"SANDBOX_VOWS_EXEC": "stdio"}, "SANDBOX_VOWS_EXEC: needs SANDBOX_VOWS"),
])
def test_errors_are_one_line_and_125(kit, progs, env, line):
    r = run([progs["preload"], "mmap"], preload(kit, **env))
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: %s\n" % line)
    if "SANDBOX_VOWS_EXEC" in env:
        return  # sandboxify refuses the variable itself (above)
    r = run(kit.sandboxify() + [progs["sandboxify"], "mmap"], clean_env(**env))
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "sandboxify: %s\n" % line)


def test_the_vows_command_lists_the_compilers_table():
    r = subprocess.run([PYSANDBOX, "vows"], capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0
    blocks = [b.splitlines() for b in ("\n" + r.stdout).split("\n") if b]
    heads = [line for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert heads[0] == "always" and "stdio" in heads and "error" in heads and blocks
    assert "  mmap mprotect pkey_mprotect  # executable memory" in r.stdout
    r = subprocess.run([PYSANDBOX, "vows", "wpath"], capture_output=True, text=True,
                       env=clean_env())
    assert r.stdout.splitlines()[0] == "wpath" and "truncate" in r.stdout
    assert "openat(arg2 & O_ACCMODE == O_WRONLY)" in r.stdout
    r = subprocess.run([PYSANDBOX, "vows", "audio"], capture_output=True, text=True,
                       env=clean_env())
    assert r.returncode == 125 and r.stderr.startswith("pysandbox: unknown promise: 'audio'")


def test_vows_compile_and_export_as_any_policy():
    env = clean_env(SANDBOX_VOWS="stdio rpath error")
    r = subprocess.run([PYSANDBOX, "profile", "export"], capture_output=True, text=True, env=env)
    profile = json.loads(r.stdout)
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO" and profile["defaultErrnoRet"] == 1
    openat = [s for s in profile["syscalls"] if "openat" in s["names"]]
    assert openat and all(s["args"] for s in openat)  # conditions, never openat alone
    r = subprocess.run([PYSANDBOX, "compile", "--explain"], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0 and "ret errno:EPERM" in r.stdout
