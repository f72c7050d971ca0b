"""The one loader (csrc/core/config.c, sb_config_load) as the cffi module sees it:
the configuration owns what it holds, and errors carry a kind and one errno.

Through _native.load() (Python values) and, where the C contract itself is the
point, through the cffi module directly.
"""
import errno
import gc
import json
import os

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
    prog = ffi.new("struct sb_insn[]", lib.SB_PROG_MAX)
    n = lib.sb_bpf_compile(ffi.addressof(cfg, "seccomp"), prog, lib.SB_PROG_MAX)
    for steps, want in ((lib.SB_ENTER_ALL, ("1", "2")), (lib.SB_ENTER_NO_NEW_PRIVS, ("1", "0"))):
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            os.close(rd)
            got = lib.sb_enter(cfg, prog, n, steps, err)
            status = open("/proc/self/status").read().splitlines()
            fields = dict(line.split(":\t", 1) for line in status if ":\t" in line)
            os.write(wr, ("%d %s %s" % (got, fields["NoNewPrivs"].strip(),
                                        fields["Seccomp"].strip())).encode())
            os._exit(0)
        os.close(wr)
        out = os.read(rd, 100).decode().split()
        os.close(rd)
        os.waitpid(pid, 0)
        assert out == ["0", *want]


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
