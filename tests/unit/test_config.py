"""The one loader (csrc/core/config.c, sb_config_load) as the cffi module sees it:
the configuration owns what it holds, and errors carry a kind and one errno.

Through _native.load() (Python values) and, where the C contract itself is the
point, through the cffi module directly.
"""
import ctypes
import errno
import functools
import gc
import json
import operator
import os
import re

import pytest

from pysandbox import PolicyError, _native
from pysandbox._native_cffi import ffi, lib

PROFILE = {"defaultAction": "SCMP_ACT_ERRNO",
           "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}


def c_load(entries):
    """sb_config_load() of ENTRIES (b"NAME=value" strings) for x86_64 and a host
    without capabilities: (return value, struct sb_config, struct sb_error, the
    entries' buffers)."""
    bufs = [ffi.new("char[]", e) for e in entries]
    envp = ffi.new("char *[]", bufs + [ffi.NULL])
    cfg, err = ffi.new("struct sb_config *"), ffi.new("struct sb_error *")
    text = ffi.new("char[]", lib.SB_FILE_MAX + 1)
    tape = ffi.new("struct sb_json[]", lib.SB_JSON_MAX)
    host = ffi.new("struct sb_host *", {"caps": 0, "kernel_major": 6, "kernel_minor": 18})
    io = ffi.new("struct sb_load_io *", {
        "read": ffi.addressof(lib, "sb_file_read"), "host": host, "text": text,
        "text_size": len(text), "tape": tape, "tape_cap": len(tape)})
    r = lib.sb_config_load(cfg, lib.sb_arch_lookup(b"x86_64"), envp, io, ffi.NULL, err)
    return r, cfg, err, bufs


def test_loaded_config_keeps_its_paths_after_the_environment_is_gone(tmp_path):
    """The paths a load read stay readable once the environment strings it was
    given are freed and their memory reused. (Before: parse_policy's struct
    sb_policy pointed .file/.profile into envp cdata freed on return, so
    ffi.string(policy.profile) read what was allocated there next: 20 of 20
    rounds of this loop failed.)"""
    prof, pol = tmp_path / "p.json", tmp_path / "p.policy"
    prof.write_text(json.dumps(PROFILE))
    pol.write_text("deny ptrace\n")
    environ = {"SECCOMP_PROFILE": str(prof), "SECCOMP_POLICY_FILE": str(pol)}
    for _ in range(20):
        config = _native.load(environ, "x86_64", _native.host(0, (6, 18)))
        gc.collect()
        churn = [ffi.new("char[]", b"X" * (len(k) + len(v) + 1)) for k, v in environ.items()
                 for _ in range(50)]
        assert (config.profile, config.policy_file) == (str(prof), str(pol))
        del churn


def test_struct_sb_config_copies_the_paths_it_is_given(tmp_path):
    """struct sb_config holds copies: overwriting the environment strings after
    sb_config_load() leaves its paths intact (by construction, not by luck)."""
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps(PROFILE))
    r, cfg, _, bufs = c_load([b"SECCOMP_PROFILE=" + os.fsencode(prof)])
    assert r == 0
    ffi.memmove(bufs[0], b"X" * (len(bufs[0]) - 1), len(bufs[0]) - 1)
    assert ffi.string(cfg.profile) == os.fsencode(prof)
    assert cfg.layers == lib.SB_LAYER_SECCOMP


def test_no_policy_leaves_the_configuration_alone():
    r, cfg, _, _ = c_load([b"SECCOMP_VERBOSE=1", b"HOME=/"])
    assert (r, cfg.layers) == (lib.SB_NO_POLICY, 0)
    assert _native.load({"SECCOMP_VERBOSE": "1"}) is None


# (environment, kind, errno sb_config_load returns); a FILE path stands for tmp_path
ERRORS = [
    ({"SECCOMP_SYSCALL_DENY": "read:opne"}, "unknown", errno.ENOENT),
    ({"SECCOMP_SYSCALL_DENY": "@nosuchgroup"}, "unknown", errno.ENOENT),
    ({"SECCOMP_SYSCAL_DENY": "read"}, "unknown", errno.ENOENT),
    ({"SECCOMP_SYSCALL_DENY": "read(arg0 == 1"}, "syntax", errno.EINVAL),
    ({"SECCOMP_SYSCALL_DENY": "99999"}, "range", errno.ERANGE),
    ({"SECCOMP_SYSCALL_DENY": "socket(arg0 & 1 == 2)"}, "never", errno.EDOM),
    ({"SECCOMP_SYSCALL_ALLOW": "read", "SECCOMP_PROFILE": "FILE/p.json"}, "conflict",
     errno.EEXIST),
    ({"SECCOMP_POLICY_FILE": "FILE/missing"}, "file", errno.ENOENT),
    ({"SECCOMP_POLICY_FILE": "FILE"}, "file", lib.SB_ENOTREG),
    ({"SECCOMP_PROFILE": "FILE/big.json"}, "too_big", errno.EFBIG),
]


@pytest.mark.parametrize("environ, kind, code", ERRORS)
def test_errors_carry_their_kind_and_one_errno(environ, kind, code, tmp_path):
    (tmp_path / "p.json").write_text(json.dumps(PROFILE))
    with open(tmp_path / "big.json", "wb") as f:
        f.truncate(lib.SB_FILE_MAX + 1)
    environ = {k: v.replace("FILE", str(tmp_path)) for k, v in environ.items()}
    with pytest.raises(PolicyError) as e:
        _native.load(environ, "x86_64", _native.host(0, (6, 18)))
    assert e.value.kind == kind
    r, _, err, _ = c_load([os.fsencode(k + "=" + v) for k, v in environ.items()])
    assert r == -code
    assert ffi.string(lib.sb_error_kind_name(err.kind)).decode() == kind


def test_policy_error_has_the_c_records_fields():
    with pytest.raises(PolicyError) as e:
        _native.load({"SECCOMP_SYSCALL_DENY": "read:opne"}, "x86_64")
    v = e.value
    assert str(v) == "SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 2)"
    assert (v.kind, v.variable, v.what, v.token, v.item) == (
        "unknown", "SECCOMP_SYSCALL_DENY", "unknown syscall", "opne", 2)
    assert (v.line, v.where, v.path) == (0, "", "")


def test_policy_error_has_the_file_line_and_json_location(tmp_path):
    path = tmp_path / "p.policy"
    path.write_text("deny read\nallow nosuch\n")
    with pytest.raises(PolicyError) as e:
        _native.load({"SECCOMP_POLICY_FILE": str(path)}, "x86_64")
    assert (e.value.kind, e.value.line, e.value.where, e.value.path) == (
        "unknown", 2, "", str(path))
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW",
                                "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}))
    with pytest.raises(PolicyError) as e:
        _native.load({"SECCOMP_PROFILE": str(path)}, "x86_64", _native.host(0, (6, 18)))
    assert (e.value.where, e.value.path) == ("syscalls[0].action", str(path))


def test_policy_file_errors_name_the_line(tmp_path):
    path = tmp_path / "p.policy"
    path.write_text("deny read\nallow nosuch\n")
    r, _, err, _ = c_load([b"SECCOMP_POLICY_FILE=" + os.fsencode(path)])
    assert (r, err.line, ffi.string(err.var)) == (-errno.ENOENT, 2, b"%s:2" % os.fsencode(path))
    assert ffi.string(err.path) == os.fsencode(path)


def test_profile_errors_name_the_file_and_the_json_location(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW",
                                "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}))
    r, _, err, _ = c_load([b"SECCOMP_PROFILE=" + os.fsencode(path)])
    assert r == -errno.ENOENT
    assert (ffi.string(err.path), ffi.string(err.where)) == (os.fsencode(path),
                                                               b"syscalls[0].action")
    path.write_text('{"defaultAction": ')
    r, _, err, _ = c_load([b"SECCOMP_PROFILE=" + os.fsencode(path)])
    assert (r, err.line, ffi.string(err.where)) == (-errno.EINVAL, 1, b"line 1, column 19")


def test_load_returns_python_values_only(tmp_path):
    config = _native.load({"SECCOMP_SYSCALL_DENY": "socket(arg0 != 1):ptrace=EPERM",
                           "SECCOMP_VERBOSE": "1"}, "x86_64")
    assert config.arch == "x86_64" and config.verbose and config.learn == 0
    assert (config.policy_file, config.profile) == (None, None)
    socket, ptrace = config.rules
    assert socket.nr == _native.syscall_nr("socket", "x86_64") and len(socket.conds) == 1
    assert socket.conds[0]._asdict() == {"arg": 0, "op": _native.CMP_OPS["!="], "width": 32,
                                         "value": 1, "mask": 0}
    assert ptrace.action == _native.ACTIONS["errno"] | errno.EPERM and ptrace.conds == ()
    assert config.compile() == _native.compile_env({"SECCOMP_SYSCALL_DENY":
                                                    "socket(arg0 != 1):ptrace=EPERM"}, "x86_64")
    assert config.report() == ["adding socket to the process seccomp filter "
                               "(1 argument conditions)",
                               "adding ptrace to the process seccomp filter"]
    assert isinstance(_native.host(0, (6, 18)), _native.Host)


def test_enter_applies_no_new_privs_then_the_filter():
    """sb_enter() in a child: no_new_privs, then the filter, in force after it;
    with SB_ENTER_NO_NEW_PRIVS alone (sandboxify's launch child), no filter."""
    r, cfg, err, _ = c_load([b"SECCOMP_SYSCALL_DENY=ptrace"])
    assert r == 0
    prep = prepared(cfg)
    for steps, want in ((lib.SB_ENTER_ALL, ("1", "2")), (lib.SB_ENTER_NO_NEW_PRIVS, ("1", "0"))):
        out = in_child(lib.sb_enter, cfg, prep, steps, err)
        assert out == ["0", *want]


def prepared(cfg):
    """sb_prepare() of CFG into a buffer of its own (struct sb_prepared *)."""
    prep = ffi.new("struct sb_prepared *")
    prog = ffi.new("struct sb_insn[]", lib.SB_PROG_MAX)
    prep.prog, prep.cap = prog, lib.SB_PROG_MAX
    assert lib.sb_prepare(cfg, prep, ffi.new("struct sb_error *")) == 0
    prepared.keep.append(prog)
    return prep


prepared.keep = []


def in_child(enter, *args):
    """ENTER(*ARGS) in a forked child: [its value, NoNewPrivs, Seccomp] as strings."""
    rd, wr = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            os.close(rd)
            got = enter(*args)
            status = open("/proc/self/status").read().splitlines()
            fields = dict(line.split(":\t", 1) for line in status if ":\t" in line)
            os.write(wr, ("%s %s %s" % (got, fields["NoNewPrivs"].strip(),
                                        fields["Seccomp"].strip())).encode())
        finally:
            os._exit(0)
    os.close(wr)
    out = os.read(rd, 300).decode().split()
    os.close(rd)
    os.waitpid(pid, 0)
    return out


def test_enter_refuses_the_seccomp_step_without_a_seccomp_layer():
    """A zeroed configuration (no layer) asked for SB_ENTER_SECCOMP, even with
    a filter prepared from another: -EINVAL, nothing installed, no no_new_privs.
    (Before: sb_enter() installed nothing and returned 0.)"""
    r, loaded, _, _ = c_load([b"SECCOMP_SYSCALL_DENY=ptrace"])
    assert r == 0
    prep = prepared(loaded)
    empty, err = ffi.new("struct sb_config *"), ffi.new("struct sb_error *")

    def enter(cfg, prep, steps):
        r = lib.sb_enter(cfg, prep, steps, err)
        return "%d,%s" % (r, ffi.string(lib.sb_error_kind_name(err.kind)).decode())

    refused = ["%d,syntax" % -errno.EINVAL, "0", "0"]
    for steps in (lib.SB_ENTER_SECCOMP, lib.SB_ENTER_ALL):
        assert in_child(enter, empty, prep, steps) == refused
    assert in_child(enter, loaded, ffi.new("struct sb_prepared *"), lib.SB_ENTER_ALL) == refused


def test_enter_all_is_every_step():
    """SB_ENTER_ALL is written as the OR of every SB_ENTER_* step in sandbox.h,
    so a step added later is in it (a literal would silently leave it out)."""
    header = open(os.path.join(os.path.dirname(__file__), "..", "..", "csrc", "include",
                               "sandbox.h")).read()
    steps = re.findall(r"^#define (SB_ENTER_\w+) ([^/\n]*)", header, flags=re.M)
    names = [name for name, _ in steps if name != "SB_ENTER_ALL"]
    definition = dict(steps)["SB_ENTER_ALL"].strip()
    assert len(names) >= 2 and definition.startswith("(") and definition.endswith(")")
    assert sorted(n.strip() for n in definition[1:-1].split("|")) == sorted(names)
    assert lib.SB_ENTER_ALL == functools.reduce(operator.or_, (getattr(lib, n) for n in names))


def test_the_loader_clears_what_it_fills_and_ors_each_layer():
    """Over a configuration full of stale bytes, the loader clears the head,
    the seccomp layer clears its own member, and each layer loaded ORs its bit:
    exactly the layers of the families set (SECCOMP_LEARN is the seccomp
    layer's own setting now)."""
    bufs = [ffi.new("char[]", b"SECCOMP_SYSCALL_DENY=ptrace")]
    envp = ffi.new("char *[]", bufs + [ffi.NULL])
    cfg, err = ffi.new("struct sb_config *"), ffi.new("struct sb_error *")
    ffi.memmove(cfg, b"\xff" * ffi.sizeof(cfg[0]), ffi.sizeof(cfg[0]))
    io = ffi.new("struct sb_load_io *", {"read": ffi.addressof(lib, "sb_file_read"),
                                         "host": ffi.new("struct sb_host *")})
    assert lib.sb_config_load(cfg, lib.sb_arch_lookup(b"x86_64"), envp, io, ffi.NULL, err) == 0
    assert (cfg.layers, cfg.inputs, cfg.verbose) == (lib.SB_LAYER_SECCOMP, 0, 0)
    assert (cfg.seccomp.learn, cfg.seccomp.nrules, cfg.seccomp.nconds) == (0, 1, 0)
    assert lib.sb_env_family(b"SECCOMP_SYSCALL_DENY=ptrace") == lib.SB_LAYER_SECCOMP
    assert lib.sb_env_family(b"SECCOMP_TYPO") == lib.SB_LAYER_SECCOMP
    assert lib.sb_env_family(b"SANDBOX_FS_READ=/") == lib.SB_LAYER_LANDLOCK
    assert lib.sb_env_family(b"SANDBOX_ON=1") == 0  # Gentoo's sandbox
    assert _native.env_is_ours("SECCOMP_LEARN") and not _native.env_is_ours("SECCOMP_TYPO")


def test_native_enter_applies_a_loaded_config(tmp_path):
    """_native.enter(config, steps) applies the very configuration load()
    returned (its private snapshot, no pointer into freed memory), in a child:
    the filter in force answers ptrace with EPERM; no_new_privs alone leaves
    no filter; a layerless config asked for the filter is a PolicyError."""
    config = _native.load({"SECCOMP_SYSCALL_DENY": "ptrace=EPERM"}, None, _native.host(0))
    gc.collect()

    def ptrace_errno(steps):
        _native.enter(config, steps)
        return "%d/%d" % (libc.ptrace(0, 0, 0, 0), ctypes.get_errno())

    libc = ctypes.CDLL(None, use_errno=True)

    assert in_child(ptrace_errno, _native.ENTER_ALL) == [
        "-1/%d" % errno.EPERM, "1", "2"]
    assert in_child(ptrace_errno, _native.ENTER_NO_NEW_PRIVS)[1:] == ["1", "0"]
    assert in_child(_native.no_new_privs) == ["0", "1", "0"]
    with pytest.raises(PolicyError, match="none was prepared"):
        _native.enter(None, _native.ENTER_SECCOMP)
    with pytest.raises(TypeError):
        _native.enter(config._replace(verbose=True))
    other = "aarch64" if _native.arch() == "x86_64" else "x86_64"
    foreign = _native.load({"SECCOMP_SYSCALL_DENY": "ptrace"}, other, _native.host(0))
    with pytest.raises(PolicyError, match="cannot apply a configuration for " + other):
        _native.enter(foreign)


@pytest.mark.parametrize("length", [4095, 4096, 4200])
def test_a_long_path_fails_as_the_kernel_says(length, tmp_path):
    """The configuration's copy of a path keeps what the kernel would open:
    one of PATH_MAX bytes or more is refused with the kernel's ENAMETOOLONG."""
    path = (str(tmp_path) + "/" + "d" * 200 + "/") * 30
    path = path[:length]
    try:
        os.open(path, os.O_RDONLY)
    except OSError as e:
        want = e.errno
    assert want == (errno.ENOENT if length < 4096 else errno.ENAMETOOLONG)
    r, _, err, _ = c_load([os.fsencode("SECCOMP_POLICY_FILE=" + path)])
    assert (r, err.sys_errno) == (-want, want)
    if length < 4200:
        with pytest.raises(PolicyError) as e:
            _native.load({"SECCOMP_POLICY_FILE": path}, "x86_64")
        assert str(e.value) == "SECCOMP_POLICY_FILE: cannot read '%s': %s" % (
            path, os.strerror(want))
