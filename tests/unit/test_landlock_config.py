"""The Landlock layer's variables as the one loader reads them (csrc/core/landlock.c):
what each value becomes, every error line, and the seccomp rules the layer adds.
Pure: nothing is applied here (tests/e2e/test_landlock.py runs programs)."""
import errno

import pytest

from pysandbox import PolicyError, _native, bpf
from pysandbox._native_cffi import lib
from support import filters

HOST = _native.host(0, (6, 18))
READ, EXEC, WRITE = lib.SB_FS_RIGHTS_READ, lib.SB_FS_RIGHTS_EXEC, lib.SB_FS_RIGHTS_WRITE
CONNECT, BIND = lib.SB_NET_CONNECT_TCP, lib.SB_NET_BIND_TCP


def load(**env):
    return _native.load(env, "x86_64", HOST)


def test_rights_per_variable():
    ll = load(SANDBOX_FS_READ="/etc", SANDBOX_FS_EXEC="/usr:/opt/x?",
              SANDBOX_FS_WRITE="/tmp/job").landlock
    assert [(p.path, p.access, p.optional, p.variable, p.item) for p in ll.paths] == [
        ("/etc", READ, False, "SANDBOX_FS_READ", 1),
        ("/usr", EXEC, False, "SANDBOX_FS_EXEC", 1),
        ("/opt/x", EXEC, True, "SANDBOX_FS_EXEC", 2),
        ("/tmp/job", WRITE, False, "SANDBOX_FS_WRITE", 1)]
    assert (ll.fs, ll.net, ll.scoped) == (lib.SB_FS_ALL, 0, lib.SB_SCOPE_ALL)
    # WRITE grants everything but EXECUTE, REFER included (rename across dirs)
    assert WRITE == lib.SB_FS_ALL & ~lib.SB_FS_EXECUTE and WRITE & lib.SB_FS_REFER


def test_groups_expand_to_optional_members_with_their_own_rights():
    ll = load(SANDBOX_FS_READ="@base").landlock
    rights = {p.path: p.access for p in ll.paths}
    assert rights["/usr"] == EXEC and rights["/dev/null"] == WRITE
    assert rights["/etc/ld.so.cache"] == READ
    assert all(p.optional for p in ll.paths)
    assert not any(p.path.startswith(("/proc", "/tmp", "/home")) for p in ll.paths)


def test_ports_and_ranges():
    ll = load(SANDBOX_NET_CONNECT="443:8000-8080", SANDBOX_NET_BIND="0").landlock
    assert [tuple(p) for p in ll.ports] == [(443, 443, CONNECT, 1), (8000, 8080, CONNECT, 2),
                                            (0, 0, BIND, 1)]
    assert (ll.fs, ll.net, ll.sockets) == (0, lib.SB_NET_ALL, 0)


def test_empty_value_is_an_empty_list_that_still_restricts():
    ll = load(SANDBOX_FS_READ="").landlock
    assert (ll.fs, ll.paths) == (lib.SB_FS_ALL, ())


@pytest.mark.parametrize("env,layer", [
    ({"SANDBOX_SCOPE": "none"}, False),
    ({"SANDBOX_BEST_EFFORT": "1"}, False),
    ({"SANDBOX_IO_URING": "allow"}, False),
    ({"SANDBOX_ON": "1", "SANDBOX_WRITE": "/x", "SANDBOX_VERBOSE": "1"}, False),  # Gentoo's
    ({"SANDBOX_SCOPE": "signal"}, True),
])
def test_what_sets_a_layer(env, layer):
    config = _native.load(env, "x86_64", HOST)
    assert (config is not None and config.landlock is not None) == layer


def test_scope_values():
    assert load(SANDBOX_SCOPE="signal").landlock.scoped == lib.SB_SCOPE_SIGNAL
    assert load(SANDBOX_FS_READ="/", SANDBOX_SCOPE="none").landlock.scoped == 0
    assert load(SANDBOX_FS_READ="/", SANDBOX_SCOPE="abstract-unix:signal").landlock.scoped == \
        lib.SB_SCOPE_ALL


@pytest.mark.parametrize("env,line,kind", [
    ({"SANDBOX_FS_READ": "etc"}, "SANDBOX_FS_READ: not an absolute path 'etc' (item 1)",
     "syntax"),
    ({"SANDBOX_FS_READ": "/a::/b"}, "SANDBOX_FS_READ: empty item '' (item 2)", "syntax"),
    ({"SANDBOX_FS_WRITE": "/a:"}, "SANDBOX_FS_WRITE: empty item '' (item 2)", "syntax"),
    ({"SANDBOX_FS_EXEC": "@bsae"}, "SANDBOX_FS_EXEC: unknown group '@bsae' (item 1)", "unknown"),
    ({"SANDBOX_NET_CONNECT": "44x"}, "SANDBOX_NET_CONNECT: not a port '44x' (item 1)", "syntax"),
    ({"SANDBOX_NET_CONNECT": "1:70000"},
     "SANDBOX_NET_CONNECT: port out of range '70000' (item 2)", "range"),
    ({"SANDBOX_NET_BIND": "9-3"}, "SANDBOX_NET_BIND: empty range '9-3' (item 1)", "range"),
    ({"SANDBOX_NET_BIND": "-3"}, "SANDBOX_NET_BIND: not a port '-3' (item 1)", "syntax"),
    ({"SANDBOX_NET": "tcp"}, "SANDBOX_NET: unknown value 'tcp' (item 1)", "unknown"),
    ({"SANDBOX_NET": "udp:none"},
     "SANDBOX_NET: cannot be combined with other values 'none' (item 2)", "conflict"),
    ({"SANDBOX_NET": "none", "SANDBOX_NET_CONNECT": "443"},
     "SANDBOX_NET: 'none' cannot be combined with SANDBOX_NET_CONNECT", "conflict"),
    ({"SANDBOX_NET": "loopback"},
     "SANDBOX_NET: needs a network namespace (pysandbox run --isolate=net) 'loopback' (item 1)",
     "unsupported"),
    ({"SANDBOX_SCOPE": "signals"}, "SANDBOX_SCOPE: unknown value 'signals' (item 1)", "unknown"),
    ({"SANDBOX_BEST_EFFORT": "yes", "SANDBOX_FS_READ": "/"},
     "SANDBOX_BEST_EFFORT: expected 1 or 0, not 'yes'", "syntax"),
    ({"SANDBOX_IO_URING": "1"}, "SANDBOX_IO_URING: expected allow or deny, not '1'", "syntax"),
    ({"SANDBOX_FS_RAED": "/etc"}, "SANDBOX_FS_RAED: unknown variable", "unknown"),
    ({"SANDBOX_NETWORK": "none"}, "SANDBOX_NETWORK: unknown variable", "unknown"),
    ({"SANDBOX_VOWS_X": "stdio"}, "SANDBOX_VOWS_X: unknown variable", "unknown"),
    ({"SANDBOX_EXEC_DENI": "rm"}, "SANDBOX_EXEC_DENI: unknown variable", "unknown"),
    ({"SANDBOX_LIMIT_NOFILE": "64"}, "SANDBOX_LIMIT_NOFILE: unknown variable", "unknown"),
])
def test_error_lines(env, line, kind):
    with pytest.raises(PolicyError) as e:
        _native.load(env, "x86_64", HOST)
    assert (str(e.value), e.value.kind) == (line, kind)


def test_too_many_ports():
    with pytest.raises(PolicyError, match="more ports than fit '1-5000' .item 1.$"):
        load(SANDBOX_NET_BIND="1-5000")


def test_a_path_of_path_max_is_refused():
    with pytest.raises(PolicyError, match="path too long"):
        load(SANDBOX_FS_READ="/" + "a" * 4096)


# ---- the seccomp rules beside the layer (decided by the compiled filter) ----

AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET = 1, 2, 10, 16, 17
STREAM, DGRAM, RAW = 1, 2, 3
NONBLOCK_CLOEXEC = 0o4000 | 0o2000000
EACCES = lib.SB_ACT_ERRNO | errno.EACCES


def program(env):
    """The seccomp filter beside ENV's Landlock layer, decoded."""
    return bpf.decode(load(**env).compile())


def decide(env, name, *args):
    return filters.decide(program(env), "x86_64", name, args)


@pytest.mark.parametrize("args,allowed", [
    ((AF_UNIX, STREAM, 0), True),
    ((AF_INET, STREAM, 0), True),
    ((AF_INET6, STREAM | NONBLOCK_CLOEXEC, 6), True),
    ((AF_INET, STREAM, 262), False),  # MPTCP: not TCP for Landlock
    ((AF_INET, DGRAM, 0), False),
    ((AF_INET6, DGRAM | NONBLOCK_CLOEXEC, 17), False),
    ((AF_INET, RAW, 1), False),
    ((AF_PACKET, RAW, 0), False),
    ((AF_NETLINK, RAW, 0), False),
    ((0x100000000 | AF_PACKET, RAW, 0), False),  # the kernel reads an int
])
def test_socket_kinds_under_a_tcp_rule(args, allowed):
    action = decide({"SANDBOX_NET_CONNECT": "443"}, "socket", *args)
    assert action == (lib.SB_ACT_ALLOW if allowed else EACCES)


@pytest.mark.parametrize("net,args,allowed", [
    ("udp", (AF_INET, DGRAM, 0), True),
    ("udp", (AF_INET, RAW, 0), False),
    ("raw", (AF_INET6, RAW, 58), True),
    ("raw", (AF_PACKET, RAW, 0), True),
    ("netlink", (AF_NETLINK, RAW, 0), True),
    ("netlink:udp", (AF_INET6, DGRAM, 0), True),
    ("none", (AF_INET, STREAM, 0), False),
    ("none", (AF_INET6, STREAM, 0), False),
    ("none", (AF_UNIX, DGRAM, 0), True),
])
def test_socket_kinds_by_sandbox_net(net, args, allowed):
    action = decide({"SANDBOX_NET": net}, "socket", *args)
    assert action == (lib.SB_ACT_ALLOW if allowed else EACCES)


MSG_FASTOPEN = 0x20000000


@pytest.mark.parametrize("name,flags_arg", [("sendto", 3), ("sendmmsg", 3), ("sendmsg", 2)])
def test_tcp_fast_open_refused(name, flags_arg):
    args = [3, 0, 0, 0, 0, 0]
    env = {"SANDBOX_NET_CONNECT": "443"}
    assert decide(env, name, *args) == lib.SB_ACT_ALLOW
    args[flags_arg] = MSG_FASTOPEN | 0x40
    assert decide(env, name, *args) == EACCES


def test_io_uring_refused_under_any_layer_unless_allowed():
    eperm = lib.SB_ACT_ERRNO | errno.EPERM
    assert decide({"SANDBOX_FS_READ": "/"}, "io_uring_setup", 8, 0) == eperm
    assert decide({"SANDBOX_IO_URING": "deny"}, "io_uring_setup", 8, 0) == eperm
    assert decide({"SANDBOX_FS_READ": "/", "SANDBOX_IO_URING": "allow"},
                  "io_uring_setup", 8, 0) == lib.SB_ACT_ALLOW


def test_layer_alone_allows_everything_else_and_kills_other_abis():
    config = load(SANDBOX_FS_READ="/")
    assert (config.default_action, config.abi_action) == (lib.SB_ACT_ALLOW,
                                                          lib.SB_ACT_KILL_PROCESS)
    assert decide({"SANDBOX_FS_READ": "/"}, "openat", 0, 0, 0) == lib.SB_ACT_ALLOW


def test_joined_with_a_seccomp_policy_the_stricter_action_wins():
    env = {"SECCOMP_SYSCALL_DENY": "socket", "SANDBOX_NET_CONNECT": "443"}
    assert decide(env, "socket", AF_INET, DGRAM, 0) == lib.SB_ACT_KILL_PROCESS
    env = {"SECCOMP_SYSCALL_ALLOW": "socket:read", "SANDBOX_NET_CONNECT": "443"}
    assert decide(env, "socket", AF_INET, DGRAM, 0) == EACCES
    assert decide(env, "socket", AF_INET, STREAM, 0) == lib.SB_ACT_ALLOW
    assert decide(env, "write", 1, 0, 0) == lib.SB_ACT_KILL_PROCESS


def test_right_names_are_the_kernels_audit_names():
    assert _native.landlock_right_names(0, lib.SB_FS_ALL)[:3] == [
        "fs.execute", "fs.write_file", "fs.read_file"]
    assert _native.landlock_right_names(0, lib.SB_FS_IOCTL_DEV) == ["fs.ioctl_dev"]
    assert _native.landlock_right_names(1, 3) == ["net.bind_tcp", "net.connect_tcp"]
    assert _native.landlock_right_names(2, 3) == ["scope.abstract_unix_socket", "scope.signal"]
    assert _native.landlock_abi_rights(1) == (0x1fff, 0, 0)
    assert _native.landlock_abi_rights(4) == (0x7fff, 3, 0)
    assert _native.landlock_abi_rights(7) == (0xffff, 3, 3)


# ---- the policy file holds these rules too ----

def test_policy_file_lines(tmp_path):
    f = tmp_path / "job.policy"
    f.write_text("# job\nfs-exec @base\nfs-read /etc/hostname:/data?\nfs-write /tmp/job\n"
                 "net-connect 443\nnet udp\nscope signal\ndeny ptrace\n")
    config = load(SECCOMP_POLICY_FILE=str(f))
    ll = config.landlock
    assert ("/etc/hostname", READ, False, "SECCOMP_POLICY_FILE", 3) in ll.paths
    assert ("/data", READ, True, "SECCOMP_POLICY_FILE", 3) in ll.paths
    assert [tuple(p) for p in ll.ports] == [(443, 443, CONNECT, 5)]
    assert (ll.sockets, ll.scoped) == (lib.SB_NET_UDP, lib.SB_SCOPE_SIGNAL)
    assert config.default_action == lib.SB_ACT_ALLOW  # the deny list's
    assert any(r.nr == _native.syscall_nr("ptrace", "x86_64") for r in config.rules)


def test_a_policy_file_of_landlock_lines_only_sets_no_seccomp_policy(tmp_path):
    f = tmp_path / "fs.policy"
    f.write_text("fs-read /etc\n")
    config = load(SECCOMP_POLICY_FILE=str(f))
    assert config.landlock.paths[0].path == "/etc"
    assert (config.default_action, config.abi_action) == (lib.SB_ACT_ALLOW,
                                                          lib.SB_ACT_KILL_PROCESS)


@pytest.mark.parametrize("text,line", [
    ("fs-read etc\n", "{p}:1: not an absolute path 'etc' (item 1)"),
    ("allow read\nnet-bind 1:x\n", "{p}:2: not a port 'x' (item 2)"),
    ("net none\nnet-connect 443\n",
     "SANDBOX_NET: 'none' cannot be combined with SANDBOX_NET_CONNECT"),
    ("fs-raed /etc\n", "{p}:1: expected allow, deny, default or a Landlock keyword, not "
     "'fs-raed'"),
])
def test_policy_file_errors(tmp_path, text, line):
    f = tmp_path / "bad.policy"
    f.write_text(text)
    with pytest.raises(PolicyError) as e:
        load(SECCOMP_POLICY_FILE=str(f))
    assert str(e.value) == line.format(p=f)


NO_INET_TYPE = {0, 7, 8, 9, 11, 12, 13, 14, 15}  # no AF_INET/AF_INET6 socket of these exists


@pytest.mark.parametrize("net", ["", "udp", "raw", "udp:raw", "netlink", "none"])
def test_socket_rules_against_a_model_of_every_family_and_type(net):
    """The masked patterns the rules are made of cover exactly the refused
    kinds: every family 0..45 and type 0..15 (with and without flags),
    protocols 0, 6, 17, 262, against the documented rules."""
    env = {"SANDBOX_NET_CONNECT": "443"} if not net else {"SANDBOX_NET": net}
    prog = program(env)
    kinds = set(net.split(":")) - {""}
    for family in range(46):
        for t in range(16):
            for proto in (0, 6, 17, 262):
                if "none" in kinds:
                    ok = family == AF_UNIX
                elif family in (AF_INET, AF_INET6):
                    ok = (t == STREAM and proto in (0, 6)) or (t == DGRAM and "udp" in kinds) \
                        or (t == RAW and "raw" in kinds)
                else:
                    ok = family == AF_UNIX or (family == AF_NETLINK and "netlink" in kinds) \
                        or (family == AF_PACKET and "raw" in kinds)
                for flags in (0, NONBLOCK_CLOEXEC):
                    got = filters.decide(prog, "x86_64", "socket", (family, t | flags, proto))
                    if family in (AF_INET, AF_INET6) and t in NO_INET_TYPE and not ok:
                        assert got in (lib.SB_ACT_ALLOW, EACCES)  # the kernel refuses
                        continue
                    assert got == (lib.SB_ACT_ALLOW if ok else EACCES), (family, t, proto)


def test_compile_env_refuses_a_landlock_layer():
    """A filter alone would silently drop the files and ports."""
    with pytest.raises(PolicyError, match="^SANDBOX_FS_READ: the Landlock layer is no seccomp"):
        _native.compile_env({"SANDBOX_FS_READ": "/etc"})


def test_empty_scope_is_an_error_not_no_scoping():
    with pytest.raises(PolicyError, match="^SANDBOX_SCOPE: is empty: expected signal"):
        load(SANDBOX_FS_READ="/", SANDBOX_SCOPE="")


def test_policy_file_comment_after_a_path(tmp_path):
    f = tmp_path / "c.policy"
    f.write_text("fs-read /etc/hostname # its name\nfs-read /data?\t# optional\n")
    assert [(p.path, p.optional) for p in load(SECCOMP_POLICY_FILE=str(f)).landlock.paths] == [
        ("/etc/hostname", False), ("/data", True)]


@pytest.mark.parametrize("allow,action", [
    ("read", lib.SB_ACT_KILL_PROCESS),  # socket not allowed: killed, not EACCES
    ("read:socket", EACCES),
])
def test_the_layers_rules_never_soften_the_policys_answer(allow, action):
    env = {"SECCOMP_SYSCALL_ALLOW": allow, "SANDBOX_NET": "none"}
    assert decide(env, "socket", AF_INET, STREAM, 0) == action
    env = {"SECCOMP_SYSCALL_ALLOW": allow, "SANDBOX_FS_READ": "/"}
    assert decide(env, "io_uring_setup", 8, 0) == lib.SB_ACT_KILL_PROCESS


def test_tcp_ulp_refused():
    """setsockopt(SOL_TCP, TCP_ULP) would make a TCP socket SMC, unchecked by Landlock."""
    env = {"SANDBOX_NET_CONNECT": "443"}
    assert decide(env, "setsockopt", 3, 6, 31, 0, 4) == EACCES
    assert decide(env, "setsockopt", 3, 6, 1, 0, 4) == lib.SB_ACT_ALLOW  # TCP_NODELAY


@pytest.mark.parametrize("name", ["SANDBOX_FS", "SANDBOX_FSREAD"])
def test_typos_next_to_the_fs_family_are_ours(name):
    with pytest.raises(PolicyError, match="^%s: unknown variable$" % name):
        _native.load({name: "/etc"}, "x86_64", HOST)


def test_verbose_describes_the_layer():
    """SECCOMP_VERBOSE=1 without a seccomp policy: the layer's paths and ports, then
    the seccomp rules beside it (what libsandbox.so prints, the same C)."""
    cfg, _ = _native._load({"SECCOMP_VERBOSE": "1", "SANDBOX_FS_READ": "/etc/hostname:/x?",
                            "SANDBOX_FS_WRITE": "/tmp", "SANDBOX_NET_CONNECT": "443:8000-8080"},
                           "x86_64", HOST, False)
    assert cfg.verbose == 1
    assert _native._describe(cfg)[:5] == [
        "adding /etc/hostname to the process Landlock ruleset (read)",
        "adding /x to the process Landlock ruleset (read, if it exists)",
        "adding /tmp to the process Landlock ruleset (read, write)",
        "adding TCP connect port 443 to the process Landlock ruleset",
        "adding TCP connect ports 8000-8080 to the process Landlock ruleset"]
    with pytest.raises(PolicyError, match="^SECCOMP_VERBOSE: expected 0 or 1, not 'x'$"):
        load(SECCOMP_VERBOSE="x", SANDBOX_FS_READ="/")
