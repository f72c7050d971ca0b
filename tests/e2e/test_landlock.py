"""The Landlock layer end to end (issue 13): files, TCP ports, socket kinds,
io_uring and IPC scoping confined by SANDBOX_* variables, through
libsandbox.so (a dynamic tests/progs/llprobe.c) and sandboxify (a static one),
as root and as uid 65534.

llprobe prints "STEP = ok" or "STEP = <strerror>" for each step it is given;
every expectation below is that table. The `baseline` tests run the same steps
without the sandbox, so each refusal is the sandbox's, not the system's.
"""
import ctypes
import errno
import os
import shlex
import shutil
import socket
import subprocess
import tempfile

import pytest

from support.proc import PROGS, PY, SIGSYS_STATUS, build_c, clean_env, preload, run

OK = "ok"
EACCES = os.strerror(errno.EACCES)
EPERM = os.strerror(errno.EPERM)
EXDEV = os.strerror(errno.EXDEV)  # Landlock's answer when only REFER is missing
OWNER = 65534  # the tree's owner in the uid-65534 runs


def landlock_abi():
    """The running kernel's Landlock ABI, 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint(1))
    return max(abi, 0)


ABI = landlock_abi()


def need_abi(n, feature):
    if ABI < n:
        pytest.skip("kernel without Landlock ABI %d (%s); this one has %d" % (n, feature, ABI))


@pytest.fixture(scope="module")
def progs(kit):
    src = os.path.join(PROGS, "llprobe.c")
    return {"dynamic": build_c(src, kit.file("llprobe")),
            "static": build_c(src, kit.file("llprobe-static"), "-static"),
            "threadctor": build_c(os.path.join(PROGS, "threadctor.c"), kit.file("threadctor"),
                                  "-pthread"),
            "fakeabi": build_c(os.path.join(PROGS, "fakeabi.c"), kit.file("fakeabi"))}


class Box:
    """One front door (libsandbox.so or sandboxify) as one user."""

    def __init__(self, kit, progs, front, as_nobody):
        self.kit, self.front, self.as_nobody = kit, front, as_nobody
        self.probe = progs["dynamic" if front == "preload" else "static"]
        self.prefix = "libsandbox: " if front == "preload" else "sandboxify: "

    def run(self, argv, **variables):
        """ARGV under VARIABLES through this front door."""
        if self.front == "preload":
            return run(argv, preload(self.kit, **variables), self.as_nobody)
        return run(self.kit.sandboxify(self.as_nobody) + list(argv), clean_env(**variables),
                   self.as_nobody)

    def steps(self, *steps, **variables):
        return self.run([self.probe, *steps], **variables)

    def inner(self, argv, **variables):
        """argv that runs ARGV under VARIABLES when started by a process that
        is itself not sandboxed (the variables reach ARGV only)."""
        env = ["/usr/bin/env", "-u", "LD_PRELOAD"] + ["%s=%s" % kv for kv in variables.items()]
        if self.front == "preload":
            return env + ["LD_PRELOAD=" + self.kit.lib] + list(argv)
        return env + self.kit.sandboxify(self.as_nobody) + list(argv)


@pytest.fixture(params=["preload", "sandboxify"])
def any_box(request, kit, progs, as_nobody):
    """Each front door, on any kernel (tests that never reach Landlock)."""
    return Box(kit, progs, request.param, as_nobody)


@pytest.fixture
def box(any_box):
    """Each front door, on a kernel that enforces the default policy."""
    need_abi(6, "IPC scoping, on by default")
    return any_box


@pytest.fixture
def tree(progs, as_nobody):
    """A world-reachable directory tree (owned by uid 65534 in its runs):
    ro/{f,sub/g,prog} rw/{f,prog} rw2/ exe/{prog,other} out/{f,prog} solo,
    each prog a static llprobe."""
    top = tempfile.mkdtemp(prefix="pysandbox-ll-")
    os.chmod(top, 0o755)
    for d in ("ro/sub", "rw", "rw2", "exe", "out"):
        os.makedirs(os.path.join(top, d))
    for f in ("ro/f", "ro/sub/g", "rw/f", "out/f", "solo"):
        with open(os.path.join(top, f), "w") as fh:
            fh.write("data\n")
    for f in ("ro/prog", "rw/prog", "exe/prog", "exe/other", "out/prog"):
        shutil.copy2(progs["static"], os.path.join(top, f))
    if as_nobody:
        for root, dirs, files in os.walk(top):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                os.chown(name, OWNER, OWNER)
    try:
        yield top
    finally:
        shutil.rmtree(top)


def outcome(r):
    """[(step, result)] from llprobe's stdout, in order."""
    return [tuple(line.rpartition(" = ")[::2]) for line in r.stdout.splitlines()]


FILE_VERBS = ("read", "write", "trunc", "mkdir", "unlink", "rename", "link", "run", "spawn")


def steps_in(top, table):
    """TABLE's (step, result) pairs with relative paths made absolute under TOP."""
    def absolute(step):
        verb, _, arg = step.partition(":")
        if arg.startswith("/") or verb not in FILE_VERBS:
            return step
        return verb + ":" + ">".join(os.path.join(top, p) for p in arg.split(">"))
    return [(absolute(s), want) for s, want in table]


def check(r, table):
    assert (r.returncode, r.stderr) == (0, ""), r.stdout
    assert outcome(r) == list(table)


def probe_table(box, top, table, **variables):
    table = steps_in(top, table)
    check(box.steps(*[s for s, _ in table], **variables), table)


# ---- files ----

DIR_RULES = [  # SANDBOX_FS_READ=ro SANDBOX_FS_WRITE=rw SANDBOX_FS_EXEC=exe
    ("read:ro/f", OK), ("read:ro/sub", OK), ("read:ro/sub/g", OK), ("read:rw/f", OK),
    ("read:exe/prog", OK), ("read:out/f", EACCES), ("read:out", EACCES),
    ("write:ro/f", EACCES), ("write:rw/f", OK), ("write:rw/new", OK), ("write:exe/new", EACCES),
    ("write:out/f", EACCES), ("write:out/new", EACCES),
    ("trunc:ro/f", EACCES), ("trunc:out/f", EACCES),
    ("trunc:rw/f", OK),
    ("mkdir:rw/d", OK), ("mkdir:ro/d", EACCES), ("mkdir:out/d", EACCES),
    ("unlink:rw/new", OK), ("unlink:ro/f", EACCES), ("unlink:out/f", EACCES),
    ("run:exe/prog", OK), ("run:ro/prog", EACCES), ("run:rw/prog", EACCES),
    ("run:out/prog", EACCES), ("trunc:exe/prog", EACCES),
]

FILE_RULES = [  # SANDBOX_FS_READ=solo SANDBOX_FS_WRITE=rw/f SANDBOX_FS_EXEC=exe/prog
    ("read:solo", OK), ("write:solo", EACCES), ("trunc:solo", EACCES), ("read:ro/f", EACCES),
    ("read:rw/f", OK), ("write:rw/f", OK), ("trunc:rw/f", OK), ("write:rw/g", EACCES),
    ("read:rw", EACCES), ("unlink:rw/f", EACCES),
    ("run:exe/prog", OK), ("run:exe/other", EACCES), ("write:exe/prog", EACCES),
]

REFER = [  # SANDBOX_FS_WRITE=rw:rw2 SANDBOX_FS_READ=ro: rename(2), link(2) across
    ("rename:rw/f>rw2/f", OK), ("link:rw2/f>rw/f", OK), ("mkdir:rw/d", OK),
    ("rename:rw/d>rw2/d", OK), ("rename:rw2/f>ro/f2", EACCES), ("link:ro/f>rw/l", EXDEV),
    ("rename:ro/f>rw/f2", EACCES), ("rename:rw/prog>out/prog2", EACCES),
    ("link:out/f>rw2/l", EXDEV),
]


@pytest.mark.parametrize("table", [DIR_RULES, FILE_RULES, REFER], ids=["dir", "file", "refer"])
def test_baseline_files(progs, tree, as_nobody, table):
    """Without the sandbox every step below succeeds."""
    table = steps_in(tree, [(s, OK) for s, _ in table])
    check(run([progs["dynamic"], *[s for s, _ in table]], clean_env(), as_nobody), table)


def test_dir_rules(box, tree):
    probe_table(box, tree, DIR_RULES, SANDBOX_FS_READ=tree + "/ro",
                SANDBOX_FS_WRITE=tree + "/rw", SANDBOX_FS_EXEC=tree + "/exe")


def test_file_rules(box, tree):
    probe_table(box, tree, FILE_RULES, SANDBOX_FS_READ=tree + "/solo",
                SANDBOX_FS_WRITE=tree + "/rw/f", SANDBOX_FS_EXEC=tree + "/exe/prog")


def test_rename_and_link_across_write_dirs(box, tree):
    """REFER is handled in the one ruleset: no EXDEV between two WRITE trees."""
    probe_table(box, tree, REFER, SANDBOX_FS_WRITE="%s/rw:%s/rw2" % (tree, tree),
                SANDBOX_FS_READ=tree + "/ro")


def test_optional_paths(box, tree):
    probe_table(box, tree, [("read:ro/f", OK), ("read:solo", OK), ("read:out/f", EACCES)],
                SANDBOX_FS_READ="%s/nope?:%s/ro?:%s/solo" % (tree, tree, tree))


def test_empty_value_still_restricts(box, tree):
    probe_table(box, tree, [("read:ro/f", EACCES), ("read:/etc/passwd", EACCES),
                            ("write:rw/f", EACCES), ("run:exe/prog", EACCES)],
                SANDBOX_FS_READ="")


def test_children_and_exec_stay_confined(box, tree):
    """A forked child execs another (static) program: the domain came along."""
    table = steps_in(tree, [("read:ro/f", OK), ("read:out/f", EACCES), ("write:rw/f", EACCES),
                            ("spawn:exe/prog", OK)])
    r = box.steps(table[-1][0], *[s for s, _ in table[:-1]], SANDBOX_FS_READ=tree + "/ro",
                  SANDBOX_FS_EXEC=tree + "/exe")
    check(r, table)


def test_base_runs_real_programs(box, tree):
    """@base: bash, sort, cat, ls -l (names from /etc/passwd), python3 run;
    what they start is confined as they are."""
    t = shlex.quote(tree)
    script = ("printf 'b\\na\\n' > {t}/rw/list && sort {t}/rw/list && cat {t}/ro/f && "
              "ls -l {t}/ro > /dev/null && echo listed && "
              "/usr/bin/python3 -c 'import os, sys; print(sorted(os.listdir(sys.argv[1])))' "
              "{t}/ro; "
              "cat {t}/out/f; echo x > {t}/out/new; exit 3").format(t=t)
    r = box.run(["/bin/bash", "-c", script], SANDBOX_FS_EXEC="@base", SANDBOX_FS_READ=tree + "/ro",
                SANDBOX_FS_WRITE=tree + "/rw")
    assert (r.returncode, r.stdout) == (3, "a\nb\ndata\nlisted\n['f', 'prog', 'sub']\n"), r.stderr
    assert r.stderr == ("cat: %s/out/f: Permission denied\n"
                        "/bin/bash: line 1: %s/out/new: Permission denied\n" % (tree, tree))


def test_base_alone_denies_the_rest(box, tree):
    r = box.run(["/bin/cat", tree + "/ro/f"], SANDBOX_FS_EXEC="@base")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "/bin/cat: %s/ro/f: Permission denied\n" % tree


@pytest.mark.parametrize("group,table", [
    ("@base", [("read:/etc/passwd", OK), ("read:/etc/ld.so.cache", OK), ("read:/dev/urandom", OK),
               ("write:/dev/null", OK), ("run:/usr/bin/true", OK), ("read:/etc/hostname", EACCES),
               ("read:/proc/self/status", EACCES), ("write:/tmp/pysandbox-ll-x", EACCES),
               ("write:/usr/bin/pysandbox-ll-x", EACCES)]),
    ("@dns", [("read:/etc/hosts", OK), ("read:/etc/resolv.conf", OK),
              ("read:/etc/services", OK), ("read:/etc/passwd", EACCES)]),
])
def test_groups_grant_what_they_name(box, group, table):
    """@base: the loader, libraries, user names, harmless devices; not /proc,
    not /tmp, nothing writable but the null devices. @dns: the resolver's files."""
    for step, _ in table:
        path = step.partition(":")[2]
        if not os.path.exists(path) and "pysandbox-ll-x" not in path:
            pytest.skip("this system has no %s" % path)
    check(box.steps(*[s for s, _ in table], SANDBOX_FS_EXEC=group), table)


def test_group_members_carry_their_own_rights(box, tree):
    """@tmp's members are WRITE whichever variable names the group (the tree is in /tmp)."""
    if not tree.startswith("/tmp/"):
        pytest.skip("the tree is not under /tmp")
    probe_table(box, tree, [("write:out/new", OK), ("read:/etc/passwd", EACCES)],
                SANDBOX_FS_READ="@tmp")


def test_the_programs_own_fds_survive_the_ruleset(box, tree):
    """The path fds are closed in runs of consecutive numbers (close_range):
    fds the program was started with, between them, stay open."""
    script = "read a <&5; read b <&7; echo $a $b"
    argv = ["/bin/sh", "-c", 'exec 5<"$0"/ro/f 7<"$0"/solo; exec "$@"', tree] + \
        box.inner(["/bin/bash", "-c", script], SANDBOX_FS_EXEC="@base")
    r = run(argv, clean_env(), box.as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "data data\n", "")


def test_more_paths_than_free_fds(box, tree):
    """More rules than RLIMIT_NOFILE leaves fds free: the run of held path
    fds is closed and the open asked again."""
    argv = ["/bin/sh", "-c", 'ulimit -n 16 && exec "$@"', "sh"] + \
        box.inner(["/bin/cat", tree + "/ro/f"], SANDBOX_FS_EXEC="@base",
                  SANDBOX_FS_READ=":".join([tree + "/ro/f", tree + "/solo"] * 20))
    r = run(argv, clean_env(), box.as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "data\n", "")


def test_seccomp_and_landlock_in_one_run(box, tree):
    """SECCOMP_SYSCALL_DENY refuses truncate where Landlock would allow it;
    Landlock refuses what seccomp lets through."""
    probe_table(box, tree, [("read:ro/f", OK), ("read:out/f", EACCES), ("write:rw/f", OK),
                            ("trunc:rw/f", EPERM), ("write:out/f", EACCES)],
                SECCOMP_SYSCALL_DENY="truncate=EPERM", SANDBOX_FS_READ=tree + "/ro",
                SANDBOX_FS_WRITE=tree + "/rw")


# ---- network ----

def listener(family=socket.AF_INET, addr="127.0.0.1"):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(64)
    return s


@pytest.fixture
def ports():
    """Two TCP listeners on 127.0.0.1 (allowed, denied) and two free ports."""
    socks = [listener(), listener()]
    free = []
    for _ in range(2):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            free.append(s.getsockname()[1])
    try:
        yield [s.getsockname()[1] for s in socks] + free
    finally:
        for s in socks:
            s.close()


NET_BASELINE = [("connect:A", OK), ("connect:D", OK), ("fastopen:D", OK),
                ("fastopen-msg:D", OK), ("bind:P", OK),
                ("bind:0", OK), ("socket:tcp", OK), ("socket:tcp6", OK), ("socket:udp", OK),
                ("socket:udp6", OK), ("socket:udp-flags", OK), ("socket:tcp-flags", OK),
                ("socket:mptcp", OK), ("socket:netlink", OK),
                ("socket:unix", OK), ("uring", OK)]


def net_steps(table, ports):
    names = dict(zip("ADPQ", map(str, ports)))
    return [(s[:-1] + names[s[-1]] if s[-1] in names else s, want) for s, want in table]


def probe_net(box, ports, table, **variables):
    table = net_steps(table, ports)
    check(box.steps(*[s for s, _ in table], **variables), table)


def test_baseline_network(progs, ports, as_nobody):
    table = net_steps(NET_BASELINE, ports)
    check(run([progs["dynamic"], *[s for s, _ in table]], clean_env(), as_nobody), table)


def test_tcp_connect(box, ports):
    probe_net(box, ports, [
        ("connect:A", OK), ("connect:D", EACCES), ("bind:P", EACCES), ("bind:0", EACCES),
        ("fastopen:D", EACCES), ("fastopen:A", EACCES), ("fastopen-msg:D", EACCES),
        ("socket:tcp", OK), ("socket:tcp6", OK),
        ("socket:unix", OK), ("socket:udp", EACCES), ("socket:udp6", EACCES),
        ("socket:udp-flags", EACCES), ("socket:tcp-flags", OK),
        ("socket:mptcp", EACCES), ("socket:netlink", EACCES), ("socket:packet", EACCES),
        ("socket:raw", EACCES)], SANDBOX_NET_CONNECT=str(ports[0]))


def test_tcp_connect_ranges(box, ports):
    """A range around the allowed port (up to 2001 ports) stopping short of the denied one."""
    allowed, denied = ports[:2]
    k = min(1000, abs(allowed - denied) - 1)
    span = "%d-%d" % (max(1, allowed - k), min(65535, allowed + k))
    probe_net(box, ports, [("connect:A", OK), ("connect:D", EACCES)],
              SANDBOX_NET_CONNECT="9:%s:7-8" % span)


def test_ipv6_tcp_is_covered(box, ports):
    try:
        six = listener(socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    with six:
        port = six.getsockname()[1]
        table = [("connect6:%d" % port, EACCES)]
        check(box.steps(table[0][0], SANDBOX_NET_CONNECT=str(ports[0])), table)
        table = [("connect6:%d" % port, OK)]
        check(box.steps(table[0][0], SANDBOX_NET_CONNECT=str(port)), table)


def test_tcp_bind(box, ports):
    probe_net(box, ports, [("bind:P", OK), ("bind:Q", EACCES), ("bind:0", EACCES),
                           ("connect:A", EACCES)], SANDBOX_NET_BIND=str(ports[2]))
    probe_net(box, ports, [("bind:0", OK), ("bind:P", EACCES)], SANDBOX_NET_BIND="0")


@pytest.mark.parametrize("kinds,table", [
    ("udp", [("socket:udp", OK), ("socket:udp6", OK), ("socket:udp-flags", OK),
             ("socket:tcp", OK), ("connect:A", EACCES),
             ("socket:mptcp", EACCES), ("socket:netlink", EACCES)]),
    ("netlink", [("socket:netlink", OK), ("socket:udp", EACCES)]),
    ("udp:netlink", [("socket:netlink", OK), ("socket:udp", OK), ("socket:packet", EACCES)]),
    ("none", [("socket:tcp", EACCES), ("socket:tcp6", EACCES), ("socket:udp", EACCES),
              ("socket:tcp-flags", EACCES),
              ("socket:netlink", EACCES), ("socket:mptcp", EACCES), ("connect:A", EACCES),
              ("socket:unix", OK), ("sibling", OK)]),
])
def test_socket_kinds(box, ports, kinds, table):
    probe_net(box, ports, table, SANDBOX_NET=kinds)


def test_a_user_policy_stricter_than_the_companion_rules_wins(box, ports):
    """SANDBOX_NET=udp allows UDP sockets; SECCOMP_SYSCALL_DENY=socket kills
    at the first socket() all the same (after the layer's own io_uring rule)."""
    r = box.steps("uring", "socket:udp", SANDBOX_NET="udp", SECCOMP_SYSCALL_DENY="socket")
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "uring = %s\n" % EPERM)


def test_raw_sockets_by_name(box, ports):
    """SANDBOX_NET=raw lets raw and packet sockets through the filter; the
    kernel still wants CAP_NET_RAW."""
    result = EPERM if box.as_nobody else OK
    probe_net(box, ports, [("socket:raw", result), ("socket:packet", result),
                           ("socket:udp", EACCES)], SANDBOX_NET="raw")


@pytest.mark.parametrize("variables,result", [
    ({"SANDBOX_FS_READ": "/"}, EPERM),
    ({"SANDBOX_NET_CONNECT": "1"}, EPERM),
    ({"SANDBOX_SCOPE": "signal"}, EPERM),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_IO_URING": "deny"}, EPERM),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_IO_URING": "allow"}, OK),
], ids=["fs", "net", "scope", "deny", "allow"])
def test_io_uring(box, progs, as_nobody, variables, result):
    base = run([progs["dynamic"], "uring"], clean_env(), as_nobody)
    if base.stdout != "uring = ok\n":
        pytest.skip("io_uring not offered by this kernel (%s)" % base.stdout.strip())
    table = [("uring", result)]
    if "SANDBOX_FS_READ" in variables:  # and the layer is there
        table.append(("write:/dev/null", EACCES))
    check(box.steps(*[s for s, _ in table], **variables), table)


# ---- scoping, and other processes' memory ----

# an unsandboxed parent: listens on the abstract socket argv[1], runs argv[2:]
PARENT = ("import socket, subprocess, sys\n"
          "s = socket.socket(socket.AF_UNIX)\ns.bind('\\0' + sys.argv[1])\ns.listen(8)\n"
          "sys.exit(subprocess.run(sys.argv[2:]).returncode)\n")


NAME = "pysandbox-ll-%d" % os.getpid()  # the parent's abstract socket
SCOPED = ["kill:ppid", "abstract:" + NAME, "sibling", "mem:ppid"]


def under_parent(child, as_nobody):
    """CHILD run by an unsandboxed parent of the same user."""
    return run([PY, "-c", PARENT, NAME] + child, clean_env(), as_nobody)


def test_baseline_other_processes(progs, as_nobody):
    """Without a sandbox the child signals its parent, reaches its socket,
    and opens its memory for writing."""
    check(under_parent([progs["dynamic"], *SCOPED], as_nobody), [(s, OK) for s in SCOPED])


@pytest.mark.parametrize("variables,results", [
    ({"SANDBOX_FS_READ": "/"}, [EPERM, EPERM, OK, EACCES]),
    ({"SANDBOX_NET_CONNECT": "1"}, [EPERM, EPERM, OK, EACCES]),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "signal:abstract-unix"}, [EPERM, EPERM, OK, EACCES]),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "abstract-unix:signal"}, [EPERM, EPERM, OK, EACCES]),
    ({"SANDBOX_SCOPE": "signal:abstract-unix"}, [EPERM, EPERM, OK, EACCES]),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "signal"}, [EPERM, OK, OK, EACCES]),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "abstract-unix"}, [OK, EPERM, OK, EACCES]),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "none"}, [OK, OK, OK, EACCES]),
], ids=["fs", "net", "both", "both-reversed", "scope-only", "signal", "abstract", "none"])
def test_scoping(box, variables, results):
    """The parent is outside the sandbox: no signal, no abstract socket (by
    SANDBOX_SCOPE), and never its memory (any Landlock domain); a sibling
    inside it is reachable."""
    r = under_parent(box.inner([box.probe, *SCOPED], **variables), box.as_nobody)
    check(r, list(zip(SCOPED, results)))


@pytest.mark.parametrize("variables", [
    {"SANDBOX_FS_WRITE": "/proc"}, {"SANDBOX_FS_WRITE": "/proc", "SANDBOX_SCOPE": "none"},
], ids=["scoped", "unscoped"])
def test_parent_memory(box, variables):
    """/proc/PPID/mem of the same user's unsandboxed parent, under FS rules
    granting all of /proc: Landlock's ptrace rule refuses it (the route
    seccomp alone leaves open)."""
    r = under_parent(box.inner([box.probe, "mem:ppid"], **variables), box.as_nobody)
    check(r, [("mem:ppid", EACCES)])


# ---- the environment ----

OURS = ["SANDBOX_FS_READ", "SANDBOX_FS_WRITE", "SANDBOX_NET_CONNECT", "SANDBOX_SCOPE",
        "SANDBOX_IO_URING", "SANDBOX_BEST_EFFORT"]


def test_variables_removed_and_others_kept(box, tree):
    r = box.steps(*["env:" + n for n in OURS + ["SANDBOX_ON", "SANDBOX_WRITE"]],
                  SANDBOX_FS_READ="/", SANDBOX_FS_WRITE=tree + "/rw", SANDBOX_NET_CONNECT="1",
                  SANDBOX_SCOPE="signal", SANDBOX_IO_URING="deny", SANDBOX_BEST_EFFORT="0",
                  SANDBOX_ON="1", SANDBOX_WRITE=tree)
    check(r, [("env:" + n, "(unset)") for n in OURS] +
          [("env:SANDBOX_ON", "1"), ("env:SANDBOX_WRITE", tree)])


def test_gentoo_variables_set_no_layer(box, tree, ports):
    """SANDBOX_ON and SANDBOX_WRITE (Gentoo's sandbox) beside a seccomp policy:
    no Landlock layer, no companion rules: everything as without them."""
    table = steps_in(tree, [("read:out/f", OK), ("write:out/f", OK), ("uring", OK),
                            ("socket:udp", OK), ("env:SANDBOX_ON", "1")])
    table = net_steps(table + [("connect:D", OK)], ports)
    r = box.steps(*[s for s, _ in table], SANDBOX_ON="1", SANDBOX_WRITE=tree + "/rw",
                  SECCOMP_SYSCALL_DENY="ptrace")  # sandboxify wants a policy
    check(r, table)


# ---- fail closed ----

def refused(box, tree, line, **variables):
    """The run stops with LINE and 125; the program (which would create a marker) never ran."""
    marker = os.path.join(tree, "rw", "marker")
    r = box.steps("write:" + marker, **variables)
    assert (r.returncode, r.stdout, os.path.exists(marker)) == (125, "", False), r.stderr
    assert r.stderr == box.prefix + line + "\n"


@pytest.mark.parametrize("variables,line", [
    ({"SANDBOX_FS_READ": "etc"}, "SANDBOX_FS_READ: not an absolute path 'etc' (item 1)"),
    ({"SANDBOX_FS_READ": "/etc::/usr"}, "SANDBOX_FS_READ: empty item '' (item 2)"),
    ({"SANDBOX_FS_WRITE": "/tmp:"}, "SANDBOX_FS_WRITE: empty item '' (item 2)"),
    ({"SANDBOX_FS_READ": "@foo"}, "SANDBOX_FS_READ: unknown group '@foo' (item 1)"),
    ({"SANDBOX_NET_CONNECT": "44x"}, "SANDBOX_NET_CONNECT: not a port '44x' (item 1)"),
    ({"SANDBOX_NET_CONNECT": "70000"},
     "SANDBOX_NET_CONNECT: port out of range '70000' (item 1)"),
    ({"SANDBOX_NET_BIND": "80:9-3"}, "SANDBOX_NET_BIND: empty range '9-3' (item 2)"),
    ({"SANDBOX_NET": "foo"}, "SANDBOX_NET: unknown value 'foo' (item 1)"),
    ({"SANDBOX_NET": "none", "SANDBOX_NET_CONNECT": "443"},
     "SANDBOX_NET: 'none' cannot be combined with SANDBOX_NET_CONNECT"),
    ({"SANDBOX_FS_RAED": "/etc"}, "SANDBOX_FS_RAED: unknown variable"),
    ({"SANDBOX_NETWORK": "none"}, "SANDBOX_NETWORK: unknown variable"),
    ({"SANDBOX_ISOLATE": "net"},
     "SANDBOX_ISOLATE: namespaces need `pysandbox run` (bubblewrap)"),
    ({"SANDBOX_NET": "loopback"},
     "SANDBOX_NET: needs a network namespace (pysandbox run --isolate=net) 'loopback' (item 1)"),
    ({"SANDBOX_SCOPE": "signal:none"},
     "SANDBOX_SCOPE: cannot be combined with other values 'none' (item 2)"),
    ({"SANDBOX_IO_URING": "maybe"}, "SANDBOX_IO_URING: expected allow or deny, not 'maybe'"),
    ({"SANDBOX_FS_READ": "/", "SANDBOX_BEST_EFFORT": "yes"},
     "SANDBOX_BEST_EFFORT: expected 1 or 0, not 'yes'"),
    ({"SANDBOX_FS_READ": "/etc:/nope"},
     "SANDBOX_FS_READ: cannot open '/nope': No such file or directory (item 2)"),
], ids=["relative", "empty", "trailing", "group", "port", "range", "emptyrange", "net",
        "none", "typo", "typo-net", "reserved", "loopback", "scope-none", "io_uring",
        "best_effort", "missing"])
def test_error_lines(any_box, tree, variables, line):
    if "cannot open" in line:  # found when the ruleset is built
        need_abi(6, "IPC scoping, on by default")
    refused(any_box, tree, line, **variables)


def test_typo_refused_beside_a_valid_rule(any_box, tree):
    refused(any_box, tree, "SANDBOX_FS_RAED: unknown variable", SANDBOX_FS_READ="/",
            SANDBOX_FS_RAED="/")


def without_landlock(box, tree, errno_name, *steps, **variables):
    """STEPS under VARIABLES, started by `env` under an outer libsandbox.so
    whose seccomp filter makes landlock_create_ruleset fail with ERRNO_NAME:
    a kernel without Landlock, as the program sees it."""
    outer = preload(box.kit, SECCOMP_SYSCALL_DENY="landlock_create_ruleset=" + errno_name)
    return run(box.inner([box.probe, *steps], **variables), outer, box.as_nobody)


@pytest.mark.parametrize("errno_name,var", [("ENOSYS", "SANDBOX_FS_WRITE"),
                                              ("EOPNOTSUPP", "SANDBOX_FS_WRITE"),
                                              ("ENOSYS", "SANDBOX_NET_CONNECT"),
                                              ("ENOSYS", "SANDBOX_SCOPE")])
def test_no_landlock_fails_closed(any_box, tree, errno_name, var):
    marker = os.path.join(tree, "rw", "marker")
    value = {"SANDBOX_FS_WRITE": tree + "/rw", "SANDBOX_NET_CONNECT": "443",
             "SANDBOX_SCOPE": "signal"}[var]
    r = without_landlock(any_box, tree, errno_name, "write:" + marker, **{var: value})
    reason = os.strerror(getattr(errno, errno_name))
    assert (r.returncode, r.stdout) == (125, "")
    assert r.stderr == any_box.prefix + "%s: this kernel does not offer Landlock: %s\n" % (
        var, reason)
    assert not os.path.exists(marker)


SCOPES = "scope.abstract_unix_socket, scope.signal"


@pytest.mark.parametrize("variable", ["SANDBOX_FS_WRITE", "SANDBOX_NET_CONNECT"])
def test_no_landlock_best_effort_runs_and_says_so(any_box, tree, ports, variable):
    """SANDBOX_BEST_EFFORT=1 on a kernel without Landlock: the program runs
    unconfined by Landlock, told so; the seccomp rules beside the layer still
    hold."""
    value = {"SANDBOX_FS_WRITE": tree + "/rw", "SANDBOX_NET_CONNECT": str(ports[0])}[variable]
    table = net_steps(steps_in(tree, [("write:rw/marker", OK), ("read:out/f", OK),
                                      ("connect:D", OK), ("uring", EPERM)]), ports)
    r = without_landlock(any_box, tree, "ENOSYS", *[s for s, _ in table],
                         SANDBOX_BEST_EFFORT="1", **{variable: value})
    assert (r.returncode, outcome(r)) == (0, table), r.stderr
    want = any_box.prefix + "SANDBOX_BEST_EFFORT: not enforced on this kernel: " \
        "every Landlock rule (this kernel does not offer Landlock)\n"
    assert r.stderr == want


def test_setuid_program_refuses_the_variables(kit, progs):
    """A set-uid program started by uid 65534 refuses a SANDBOX_FS_* policy as
    it refuses SECCOMP_* (whoever set it is not whom it runs as); Gentoo's
    SANDBOX_ON is not ours and changes nothing."""
    prog = kit.setuid_preloaded(progs["dynamic"], "llprobe-setuid")
    r = run([prog, "read:/etc/passwd"], clean_env(SANDBOX_FS_READ="/etc"), as_nobody=True)
    assert (r.returncode, r.stdout) == (125, "")
    assert r.stderr == ("libsandbox: refusing a SECCOMP_* or SANDBOX_* policy from the environment "
                        "of a set-id or file-capability program\n")
    r = run([prog, "read:/etc/passwd"], clean_env(SANDBOX_ON="1"), as_nobody=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, "read:/etc/passwd = ok\n", "")


def on_abi(box, abi, *steps, **variables):
    """STEPS under VARIABLES on a kernel claiming Landlock ABI ABI
    (tests/progs/fakeabi.c answers the version query; the rest is real)."""
    need_abi(6, "IPC scoping, on by default")
    fake = box.kit.file("fakeabi")
    return run([fake, str(abi)] + box.inner([box.probe, *steps], **variables), clean_env(),
               box.as_nobody)


@pytest.mark.parametrize("abi,variables,line", [
    (1, {"SANDBOX_FS_READ": "/"}, "SANDBOX_FS_READ: this kernel's Landlock ABI 1 cannot "
     "restrict fs.refer (needs ABI 2)"),
    (2, {"SANDBOX_FS_EXEC": "/"}, "SANDBOX_FS_EXEC: this kernel's Landlock ABI 2 cannot "
     "restrict fs.truncate (needs ABI 3)"),
    (4, {"SANDBOX_FS_WRITE": "/tmp"}, "SANDBOX_FS_WRITE: this kernel's Landlock ABI 4 cannot "
     "restrict fs.ioctl_dev (needs ABI 5)"),
    (3, {"SANDBOX_NET_CONNECT": "443"}, "SANDBOX_NET_CONNECT: this kernel's Landlock ABI 3 "
     "cannot restrict TCP ports (needs ABI 4)"),
    (5, {"SANDBOX_NET_BIND": "0"}, "SANDBOX_NET_BIND: this kernel's Landlock ABI 5 cannot "
     "restrict signals and abstract UNIX sockets (needs ABI 6; SANDBOX_SCOPE=none runs "
     "without)"),
    (5, {"SANDBOX_FS_READ": "/", "SANDBOX_SCOPE": "signal"}, "SANDBOX_SCOPE: this kernel's "
     "Landlock ABI 5 cannot restrict signals and abstract UNIX sockets (needs ABI 6)"),
], ids=["refer", "truncate", "ioctl_dev", "tcp", "scope", "scope-asked"])
def test_old_abi_fails_closed(box, tree, abi, variables, line):
    marker = os.path.join(tree, "rw", "marker")
    r = on_abi(box, abi, "write:" + marker, **variables)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", box.prefix + line + "\n")
    assert not os.path.exists(marker)


def test_old_abi_runs_what_it_can_enforce(box, tree):
    """ABI 5 without SANDBOX_SCOPE's default: SANDBOX_SCOPE=none runs, every FS
    right enforced."""
    table = steps_in(tree, [("read:ro/f", OK), ("read:out/f", EACCES), ("kill:ppid", OK)])
    r = on_abi(box, 5, *[s for s, _ in table], SANDBOX_FS_READ=tree + "/ro",
               SANDBOX_SCOPE="none")
    check(r, table)


def test_old_abi_best_effort_enforces_the_rest(box, tree, ports):
    """ABI 3 with SANDBOX_BEST_EFFORT=1: files (all but IOCTL_DEV) confined,
    TCP and scoping dropped, and said so."""
    table = net_steps(steps_in(tree, [("read:ro/f", OK), ("read:out/f", EACCES),
                                      ("write:rw/f", OK), ("trunc:rw/f", OK),
                                      ("trunc:ro/f", EACCES), ("connect:D", OK),
                                      ("kill:ppid", OK)]), ports)
    r = on_abi(box, 3, *[s for s, _ in table], SANDBOX_FS_READ=tree + "/ro",
               SANDBOX_FS_WRITE=tree + "/rw", SANDBOX_NET_CONNECT=str(ports[0]),
               SANDBOX_BEST_EFFORT="1")
    assert (r.returncode, outcome(r)) == (0, table), r.stderr
    want = box.prefix + "SANDBOX_BEST_EFFORT: not enforced on this kernel: " \
        "fs.ioctl_dev, net.bind_tcp, net.connect_tcp, %s\n" % SCOPES
    assert r.stderr == want


def test_thread_started_before_restrict(kit, progs, tree, as_nobody):
    """A constructor's thread (running before main()): libsandbox.so either
    confines it (restricting before it exists) or refuses to run (125), never
    leaves it free."""
    need_abi(6, "IPC scoping, on by default")
    r = run([progs["threadctor"], tree + "/out/f"],
            preload(kit, SANDBOX_FS_READ=tree + "/ro"), as_nobody)
    if r.returncode == 125:
        assert (r.stdout, r.stderr) == ("", "libsandbox: SANDBOX_FS_READ: cannot confine a "
                                        "process that already runs 2 threads (Landlock ABI %d "
                                        "confines one thread)\n" % ABI)
    else:
        assert (r.returncode, r.stdout, r.stderr) == (0, "thread: read = %s\n" % EACCES, "")
    base = run([progs["threadctor"], tree + "/out/f"], clean_env(), as_nobody)
    assert base.stdout == "thread: read = ok\n"


def test_an_inherited_tcp_socket_cannot_connect_under_net_none(kit):
    """SANDBOX_NET=none asks for Landlock's TCP rights too: a socket made outside the
    sandbox and inherited cannot reach a listener (the filter alone would let it)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    inherited = socket.socket()
    code = ("import socket, sys\ns = socket.socket(fileno=%d)\n"
            "try: s.connect(('127.0.0.1', %d))\nexcept OSError as e: sys.exit(e.errno)"
            % (inherited.fileno(), listener.getsockname()[1]))
    env = dict(os.environ, LD_PRELOAD=kit.lib, SANDBOX_FS_EXEC="@base", SANDBOX_NET="none")
    for key in [k for k in env if k.startswith("SECCOMP_")]:
        del env[key]
    r = subprocess.run(["/usr/bin/python3", "-I", "-c", code], env=env,
                       pass_fds=[inherited.fileno()], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (13, "")  # EACCES from Landlock
    without = {k: v for k, v in env.items() if k != "LD_PRELOAD"}
    r = subprocess.run(["/usr/bin/python3", "-I", "-c", code], env=without,
                       pass_fds=[inherited.fileno()], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")
    listener.close()
    inherited.close()
