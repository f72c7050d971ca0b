"""SANDBOX_VOWS and SANDBOX_VOWS_EXEC as the one loader reads them (csrc/core/vows.c):
the promises' parse, every error line, and what the compiled filter decides for the
calls each promise is about (through pysandbox.bpf's interpreter). Pure: nothing is
applied here (tests/e2e/test_vows.py runs programs)."""
import errno
import functools

import pytest

from pysandbox import PolicyError, _native, bpf
from pysandbox._native_cffi import lib
from support import filters

HOST = _native.host(0, (6, 18))
ALLOW, KILL = lib.SB_ACT_ALLOW, lib.SB_ACT_KILL_PROCESS
EPERM = lib.SB_ACT_ERRNO | errno.EPERM
EACCES = lib.SB_ACT_ERRNO | errno.EACCES
ENOSYS = lib.SB_ACT_ERRNO | errno.ENOSYS
PROMISES = ("stdio rpath wpath cpath dpath tmppath inet unix dns fattr chown flock proc thread "
            "exec prot_exec id tty ioctl settime error")
O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE = 1, 2, 0o100, 0o1000, 0o20200000
AT_FDCWD = 2**64 - 100
PROT_READ, PROT_EXEC = 1, 4
AF_UNIX, AF_INET, AF_INET6 = 1, 2, 10
AF_NETLINK = 16
SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_PACKET = 1, 2, 3, 5, 10
SOCK_NONBLOCK, SOCK_CLOEXEC = 0o4000, 0o2000000
IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, IPPROTO_MPTCP = 1, 6, 17, 136, 262
CLONE_THREAD, CLONE_NEWUSER, SIGCHLD = 0x10000, 0x10000000, 17


def load(arch="x86_64", **env):
    return _native.load(env, arch, HOST)


def error(**env):
    with pytest.raises(PolicyError) as e:
        load(**env)
    return str(e.value)


@functools.lru_cache(maxsize=None)
def program(vows, arch):
    return bpf.decode(load(arch, SANDBOX_VOWS=vows).compile())


def decide(vows, name, *args, arch="x86_64"):
    return filters.decide(program(vows, arch), arch, name, args)


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_every_promise_compiles_on_each_target(arch):
    for name in PROMISES.split():
        cfg = load(arch, SANDBOX_VOWS="stdio " + name)
        assert cfg.rules and len(cfg.compile()) <= 8 * lib.SB_PROG_MAX
    assert len(load(arch, SANDBOX_VOWS=PROMISES).compile()) // 8 < lib.SB_PROG_MAX


def test_names_and_separators():
    assert _native.vow_names() == tuple(PROMISES.split())
    blanks = load(SANDBOX_VOWS=" stdio\trpath  inet ")
    colons = load(SANDBOX_VOWS="stdio:rpath::inet")
    assert blanks.rules == colons.rules and blanks.default_action == KILL
    assert load(SANDBOX_VOWS="stdio stdio").rules == load(SANDBOX_VOWS="stdio").rules


def test_error_makes_the_default_eperm():
    assert load(SANDBOX_VOWS="stdio error").default_action == EPERM
    assert decide("stdio error", "socket", AF_INET, SOCK_STREAM) == EPERM
    assert decide("stdio", "socket", AF_INET, SOCK_STREAM) == KILL


def test_empty_vows_allow_only_ending_and_narrowing():
    assert decide("", "exit_group") == ALLOW and decide("", "seccomp") == ALLOW
    assert decide("", "write", 1) == KILL and decide("", "getpid") == KILL
    assert decide("", "clone3") == ENOSYS  # the C library falls back to clone


@pytest.mark.parametrize("env, line", [
    ({"SANDBOX_VOWS": "stdio bogus"}, "SANDBOX_VOWS: unknown promise 'bogus' (item 2)"),
    ({"SANDBOX_VOWS": "stdio audio"}, "SANDBOX_VOWS: unknown promise 'audio' (item 2)"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_SYSCALL_ALLOW": "read"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with "
     "'SECCOMP_SYSCALL_ALLOW'"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_SYSCALL_DENY": "read"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with "
     "'SECCOMP_SYSCALL_DENY'"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_PROFILE": "/x.json"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with 'SECCOMP_PROFILE'"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_POLICY_FILE": "/x"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with "
     "'SECCOMP_POLICY_FILE'"),
    ({"SANDBOX_VOWS": "stdio", "SECCOMP_DEFAULT_ACTION": "errno"},
     "SANDBOX_VOWS: is the whole seccomp policy: cannot be combined with "
     "'SECCOMP_DEFAULT_ACTION'"),
    ({"SANDBOX_VOWS_EXEC": "stdio"}, "SANDBOX_VOWS_EXEC: needs SANDBOX_VOWS"),
    ({"SANDBOX_VOWS": "stdio", "SANDBOX_VOWS_EXEC": "stdio"},
     "SANDBOX_VOWS_EXEC: needs the exec promise in SANDBOX_VOWS"),
    ({"SANDBOX_VOWS": "stdio exec", "SANDBOX_VOWS_EXEC": "stdio inet"},
     "SANDBOX_VOWS_EXEC: an exec'd program keeps SANDBOX_VOWS's filter: cannot promise 'inet'"),
    ({"SANDBOX_VOWS": "stdio exec", "SANDBOX_VOWS_EXEC": "stdio x"},
     "SANDBOX_VOWS_EXEC: unknown promise 'x' (item 2)"),
    ({"SANDBOX_VOWS_EXECS": "stdio"}, "SANDBOX_VOWS_EXECS: unknown variable"),
])
def test_errors_are_one_line(env, line):
    assert error(**env) == line


def test_exec_promises_are_recorded():
    cfg = load(SANDBOX_VOWS="stdio exec rpath", SANDBOX_VOWS_EXEC="stdio")
    assert cfg.vows == ("stdio rpath exec", "stdio")  # in the table's order
    assert load(SANDBOX_VOWS="stdio").vows == ("stdio", None)
    assert load(SECCOMP_SYSCALL_ALLOW="read").vows is None
    assert _native.vows_format("rpath stdio") == "SANDBOX_VOWS=stdio rpath"


def test_verbose_goes_with_vows():
    assert load(SANDBOX_VOWS="stdio", SECCOMP_VERBOSE="1").verbose


OPENS = [  # (flags, the promises that allow it)
    (0, {"rpath"}),
    (O_WRONLY, {"wpath"}),
    (O_RDWR, {"rpath", "wpath"}),
    (O_WRONLY | O_TRUNC, {"wpath"}),
    (O_CREAT, {"rpath", "cpath"}),
    (O_WRONLY | O_CREAT | O_TRUNC, {"wpath", "cpath"}),
    (O_RDWR | O_CREAT, {"rpath", "wpath", "cpath"}),
    (O_WRONLY | O_TMPFILE, {"wpath", "cpath"}),
    (O_RDWR | O_TMPFILE, {"rpath", "wpath", "cpath"}),
    (3, None),  # O_ACCMODE itself: never
]


@pytest.mark.parametrize("flags, needs", OPENS)
@pytest.mark.parametrize("vows", ["rpath", "wpath", "cpath", "rpath wpath", "rpath cpath",
                                  "wpath cpath", "rpath wpath cpath"])
def test_open_flags_need_their_promises(flags, needs, vows):
    allowed = needs is not None and needs <= set(vows.split())
    for high in (0, 0xFFFFFFFF00000000):  # the kernel reads an int: so does the filter
        got = decide("stdio " + vows, "openat", AT_FDCWD, 0, flags | high, 0o644)
        assert got == (ALLOW if allowed else KILL), (vows, oct(flags))
        assert decide("stdio " + vows, "open", 0, flags | high) == got


def test_tmppath_opens_as_all_three_and_landlock_confines_it_to_tmp():
    for flags, _ in OPENS[:-1]:
        assert decide("stdio tmppath", "openat", AT_FDCWD, 0, flags) == ALLOW
    ll = load(SANDBOX_VOWS="stdio tmppath").landlock
    assert [(p.path, p.variable) for p in ll.paths] == [("/tmp", "SANDBOX_VOWS"),
                                                        ("/", "SANDBOX_VOWS")]
    rpath = lib.SB_FS_READ_FILE | lib.SB_FS_READ_DIR
    assert ll.fs == ll.paths[0].access | lib.SB_FS_MAKE_BLOCK and ll.fs & rpath == rpath
    assert not ll.fs & lib.SB_FS_EXECUTE and not ll.scoped and not ll.net
    # rpath made: reading is the seccomp layer's, Landlock handles writing only
    assert not load(SANDBOX_VOWS="stdio rpath tmppath").landlock.fs & rpath
    assert bare(load(SANDBOX_VOWS="stdio rpath wpath cpath tmppath").landlock)
    # SANDBOX_FS_* say where files are reached: the vows add no path of their own
    user = load(SANDBOX_VOWS="stdio tmppath", SANDBOX_FS_WRITE="/var/tmp").landlock
    assert [p.path for p in user.paths] == ["/var/tmp"] and user.fs == lib.SB_FS_ALL


def test_dns_reads_the_resolver_files_only():
    ll = load(SANDBOX_VOWS="stdio dns").landlock
    assert "/etc/resolv.conf" in [p.path for p in ll.paths]
    assert all(p.access == lib.SB_FS_READ_FILE and p.optional for p in ll.paths[:-1])
    assert bare(load(SANDBOX_VOWS="stdio rpath dns").landlock)


ROOT_RIGHTS = lib.SB_FS_MAKE_BLOCK | lib.SB_FS_REFER


def bare(ll):
    """LL is the vows' bare domain: two rights handled, both granted on /."""
    return ll.fs == ROOT_RIGHTS and not ll.net and not ll.scoped and \
        [(p.path, p.access, p.variable) for p in ll.paths] == [("/", ROOT_RIGHTS, "SANDBOX_VOWS")]


@pytest.mark.parametrize("vows", ["stdio", "stdio rpath wpath cpath proc exec prot_exec error"])
def test_vows_always_enter_a_landlock_domain_that_restricts_nothing(vows):
    assert bare(load(SANDBOX_VOWS=vows).landlock)


def test_the_domain_grants_refer_where_a_promise_handles_file_rights():
    ll = load(SANDBOX_VOWS="stdio cpath tmppath").landlock  # /tmp's rights, not cpath's
    assert ll.fs & lib.SB_FS_REFER and ("/", ROOT_RIGHTS) in [(p.path, p.access) for p in ll.paths]
    ll = load(SANDBOX_VOWS="stdio tmppath").landlock  # refer handled: beneath /tmp only
    assert [(p.path, p.access) for p in ll.paths if p.path == "/"] == [("/", lib.SB_FS_MAKE_BLOCK)]


def test_the_domain_stays_out_of_the_way_of_the_landlock_variables():
    assert [p.path for p in load(SANDBOX_VOWS="stdio", SANDBOX_FS_READ="/").landlock.paths] == ["/"]
    ll = load(SANDBOX_VOWS="stdio", SANDBOX_FS_READ="/etc").landlock
    assert ll.fs == lib.SB_FS_ALL and [p.path for p in ll.paths] == ["/etc"]


def test_prot_exec():
    for name in ("mmap", "mprotect", "pkey_mprotect"):  # prot is arg2 of each
        args = (0, 4096, PROT_READ | PROT_EXEC, 0x22, 2**64 - 1, 0)
        assert decide("stdio", name, *args) == KILL
        assert decide("stdio prot_exec", name, *args) == ALLOW
        assert decide("stdio", name, 0, 4096, PROT_READ, 0x22) == ALLOW


@pytest.mark.parametrize("vows, family, kind, action", [
    ("inet", AF_INET, SOCK_STREAM, ALLOW), ("inet", AF_INET6, SOCK_DGRAM, ALLOW),
    ("inet", AF_UNIX, SOCK_STREAM, KILL), ("unix", AF_UNIX, SOCK_DGRAM, ALLOW),
    ("unix", AF_INET, SOCK_STREAM, KILL), ("dns", AF_INET, SOCK_DGRAM, ALLOW),
    ("dns", AF_INET6, SOCK_STREAM, ALLOW), ("dns", AF_INET, SOCK_RAW, KILL),
    ("dns", AF_UNIX, SOCK_STREAM, EACCES), ("dns unix", AF_UNIX, SOCK_STREAM, ALLOW),
    ("dns", AF_NETLINK, SOCK_RAW, EACCES), ("dns inet", AF_NETLINK, SOCK_DGRAM, EACCES),
    ("inet", AF_NETLINK, SOCK_RAW, KILL), ("inet", AF_INET, SOCK_PACKET, KILL),
    ("inet", AF_INET6, SOCK_RAW, KILL), ("inet", AF_INET, SOCK_SEQPACKET, KILL),
    ("inet", AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ALLOW),
    ("", AF_INET, SOCK_STREAM, KILL),
])
def test_sockets_by_family(vows, family, kind, action):
    assert decide("stdio " + vows, "socket", family, kind, 0) == action
    assert decide("stdio " + vows, "socket", family | 2**32, kind, 0) == action  # an int


@pytest.mark.parametrize("family", [AF_INET, AF_INET6])
@pytest.mark.parametrize("kind, protocol, dns", [
    (SOCK_DGRAM, 0, ALLOW), (SOCK_DGRAM, IPPROTO_UDP, ALLOW), (SOCK_STREAM, 0, ALLOW),
    (SOCK_STREAM, IPPROTO_TCP, ALLOW), (SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ALLOW),
    (SOCK_DGRAM, IPPROTO_ICMP, KILL), (SOCK_DGRAM, IPPROTO_UDPLITE, KILL),
    (SOCK_STREAM, IPPROTO_UDP, KILL), (SOCK_DGRAM, IPPROTO_TCP, KILL),
    (SOCK_STREAM, IPPROTO_MPTCP, KILL),
])
def test_dns_sockets_are_udp_and_tcp_inet_any_protocol(family, kind, protocol, dns):
    assert decide("stdio dns", "socket", family, kind, protocol) == dns
    assert decide("stdio inet", "socket", family, kind, protocol) == ALLOW


def test_socket_calls_and_socketpair():
    assert decide("stdio", "connect", 3, 0, 16) == KILL
    assert decide("stdio unix", "connect", 3, 0, 16) == ALLOW
    assert decide("stdio", "socketpair", AF_UNIX, SOCK_STREAM, 0, 0) == ALLOW
    assert decide("stdio", "socketpair", AF_INET, SOCK_STREAM, 0, 0) == KILL
    assert decide("stdio", "sendto", 3, 0, 1, 0, 0, 0) == ALLOW
    assert decide("stdio", "sendto", 3, 0, 1, 0, 0x7000, 16) == KILL  # an address: inet/unix


def test_clone_flags():
    thread = 0x3D0F00  # glibc's pthread_create flags, CLONE_THREAD among them
    assert decide("stdio", "clone", SIGCHLD) == KILL
    assert decide("stdio proc", "clone", SIGCHLD) == ALLOW
    assert decide("stdio proc", "clone", thread) == KILL
    assert decide("stdio thread", "clone", thread) == ALLOW
    assert decide("stdio thread", "clone", SIGCHLD) == KILL
    for vows in ("stdio proc", "stdio thread", "stdio proc thread"):
        assert decide(vows, "clone", SIGCHLD | CLONE_NEWUSER) == KILL
        assert decide(vows, "clone", thread | CLONE_NEWUSER) == KILL
        assert decide(vows, "unshare", CLONE_NEWUSER) == KILL
    assert decide("stdio proc thread", "clone3", 0, 88) == ENOSYS


@pytest.mark.parametrize("vows, name, args", [
    ("fattr", "fchmodat", (AT_FDCWD, 0, 0o644)), ("chown", "fchownat", (AT_FDCWD, 0, 0, 0)),
    ("flock", "flock", (3, 2)), ("flock", "fcntl", (3, 6, 0)), ("exec", "execve", (0, 0, 0)),
    ("id", "setresuid", (0, 0, 0)), ("settime", "clock_settime", (0, 0)),
    ("ioctl", "ioctl", (3, 0x80086601)), ("tty", "ioctl", (0, 0x5402, 0)),
    ("dpath", "mknodat", (AT_FDCWD, 0, 0o10644, 0)), ("cpath", "unlinkat", (AT_FDCWD, 0, 0)),
    ("rpath", "getdents64", (3, 0, 4096)), ("wpath", "truncate", (0, 0)),
    ("proc", "kill", (1, 0)), ("proc", "setsid", ()), ("id", "capset", (0, 0)),
])
def test_each_promise_allows_its_calls(vows, name, args):
    assert decide("stdio", name, *args) == KILL
    assert decide("stdio " + vows, name, *args) == ALLOW
    assert decide("stdio error", name, *args) == EPERM


def test_stdio_ioctls_and_fcntl():
    for request in (0x5401, 0x5413, 0x541B):  # TCGETS TIOCGWINSZ FIONREAD
        assert decide("stdio", "ioctl", 1, request) == ALLOW
    assert decide("stdio", "ioctl", 1, 0x5402) == KILL  # TCSETS: tty
    assert decide("stdio", "fcntl", 3, 2, 1) == ALLOW  # F_SETFD
    assert decide("stdio", "fcntl", 3, 6, 0) == KILL  # F_SETLK: flock
    assert decide("stdio", "readlink", 0, 0, 0) == EPERM  # static glibc's start goes on
    assert decide("stdio rpath", "readlink", 0, 0, 0) == ALLOW
    assert decide("stdio", "newfstatat", 3, 0, 0, 0x1000) == ALLOW  # AT_EMPTY_PATH: fstat
    assert decide("stdio", "newfstatat", AT_FDCWD, 0, 0, 0) == KILL
    assert decide("stdio", "prlimit64", 0, 3, 0, 0x7000) == ALLOW
    assert decide("stdio", "prlimit64", 0, 3, 0x7000, 0) == KILL


def test_the_table_lists_what_compiles():
    rows = _native.vow_rows()
    assert rows and all(r.text and r.note for r in rows)
    assert {n for r in rows for n in r.needs} <= set(PROMISES.split())
    assert any(r.needs == ("rpath", "wpath") and "O_RDWR" in r.text for r in rows)
    paths = _native.vow_paths()
    assert ("tmppath", "/tmp") in [(p.promise, p.path) for p in paths]
