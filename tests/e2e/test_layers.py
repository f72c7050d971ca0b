"""The Python layers' shape: one exit-status table for every front door,
import paths that stay lean and free of cycles (the full import table:
test_imports), the one ordered launch, and the pure helpers of _launch and
`pysandbox learn`."""
import ast
import errno
import json
import os
import subprocess
import sys

import pytest

import pysandbox
from pysandbox import cli, errors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pysandbox.__file__)))  # the checkout


@pytest.mark.parametrize("error,message,status", [
    (errors.UsageError("no program given"), "no program given", 2),
    (errors.NotFoundError(errno.ENOENT, "program not found: 'x'"), "program not found: 'x'", 127),
    (errors.LaunchError(errno.ENOENT, "cannot execute: 'x' (no such file or directory)"),
     "cannot execute: 'x' (no such file or directory)", 126),
    (errors.LaunchError(errno.EACCES, "cannot execute: 'x' (permission denied)"),
     "cannot execute: 'x' (permission denied)", 126),
    (errors.RefusedError(errno.EPERM, "refusing a set-id or file-capability program: 'x'"),
     "refusing a set-id or file-capability program: 'x'", 125),
    (errors.PolicyError("SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 1)"),
     "SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 1)", 125),
    (errors.InstallError(errno.EPERM, "cannot set no_new_privs: Operation not permitted"),
     "cannot set no_new_privs: Operation not permitted", 125),
    (errors.InstallError(errno.ENOEXEC, "no syscall reached the filter: x did not load "
                         "libsandbox.so (try --exec)"),
     "no syscall reached the filter: x did not load libsandbox.so (try --exec)", 125),
    (errors.FeatureError(errno.ENOSYS, "no seccomp filters", feature="seccomp"),
     "no seccomp filters", 125),
    (errors.LogError(errno.EBADMSG, "bad arch= value: 'x'", what="bad arch= value",
                     token="x"), "bad arch= value: 'x'", 125),
    (errors.OutputError(errno.ENOENT, "cannot write 'f': No such file or directory"),
     "cannot write 'f': No such file or directory", 125),
    # an OSError built with one argument has no strerror: its str() is the message
    (errors.InstallError("cannot trace: helper gone"), "cannot trace: helper gone", 125),
    (errors.NotFoundError("program not found: 'y'"), "program not found: 'y'", 127),
])
def test_one_exit_status_table(error, message, status):
    """Each class's status, and its message without OSError's "[Errno N]"."""
    assert cli.failure(error) == (message, status)


def test_no_bare_sandbox_error_is_raised():
    """Every raise in the package names a concrete class: the base says nothing
    a caller (or the exit-status table) could tell apart."""
    bare = []
    for folder, _, files in os.walk(os.path.dirname(pysandbox.__file__)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                for node in ast.walk(ast.parse(open(path).read())):
                    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                            getattr(node.exc.func, "id", None) == "SandboxError":
                        bare.append("%s:%d" % (path, node.lineno))
    assert bare == []


# python -I -S, as bench/report.py times sandboxify: the checkout and cffi on the path
ON_PATH = "import sys; sys.path[:0] = [%r] + %r\n" % (
    ROOT, [p for p in sys.path if p.endswith("site-packages")])


def modules_after(code, *argv):
    """(the status CODE's expression returned or exited with, the pysandbox and
    heavy modules loaded once it ran), in python -I -S."""
    probe = (ON_PATH + "try:\n    status = %s\nexcept SystemExit as e:\n    status = e.code\n"
             "print('status:', status, 'loaded:', *sorted(m for m in sys.modules "
             "if m.startswith('pysandbox') or m in ('argparse', '_cffi_backend', 'json', 're')))"
             % code)
    r = subprocess.run([sys.executable, "-I", "-S", "-c", probe, *argv], capture_output=True,
                       text=True, env={"PATH": os.environ["PATH"]})
    assert r.returncode == 0, r.stderr
    status, _, loaded = r.stdout.rpartition("status: ")[2].partition(" loaded:")
    return status, set(loaded.split())


SANDBOXIFY = "__import__('pysandbox.sandboxify').sandboxify.main()"


def test_sandboxify_usage_loads_no_argparse_and_no_c():
    status, loaded = modules_after(SANDBOXIFY, "--help")
    assert (status, loaded) == ("0", {"pysandbox", "pysandbox.errors", "pysandbox.sandboxify"})
    for argv in ([], ["-x"]):  # a usage error: the exit-status table, no more
        status, loaded = modules_after(SANDBOXIFY, *argv)
        assert (status, loaded) == ("2", {"pysandbox", "pysandbox.cli", "pysandbox.errors",
                                          "pysandbox.sandboxify"}), argv


def test_a_sandboxify_launch_loads_no_command_line(kit):
    """What a launch imports before the exec, from -X importtime's lines (KIT: the
    helloworld programs are built)."""
    hello = os.path.join(ROOT, "helloworld", "helloworld-static")
    code = ON_PATH + "from pysandbox.sandboxify import main; sys.exit(main())"
    r = subprocess.run([sys.executable, "-X", "importtime", "-I", "-S", "-c", code, hello],
                       capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "SECCOMP_SYSCALL_DENY": "ptrace"})
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n"), r.stderr
    loaded = {line.split("|")[-1].strip() for line in r.stderr.splitlines()
              if line.startswith("import time:")}
    assert {"pysandbox.sandboxify", "pysandbox._launch", "pysandbox._native"} <= loaded
    assert not loaded & {"pysandbox.cli", "argparse", "json", "re"}, loaded


def test_pysandbox_help_loads_no_c():
    status, loaded = modules_after("__import__('pysandbox.cli').cli.main(['--help'])")
    assert status == "0"
    assert "_cffi_backend" not in loaded and "pysandbox._native" not in loaded


def test_no_layer_imports_the_command_line_or_a_sibling_command():
    """learn's engine never imports cli (no cycle), audit never imports features."""
    status, learn = modules_after("__import__('pysandbox.learn') and 0")
    assert status == "0"
    assert not any(m.startswith("pysandbox.cli") for m in learn), learn
    assert "pysandbox.sandboxify" not in learn
    status, audit = modules_after("__import__('pysandbox.audit') and 0")
    assert status == "0"
    assert "pysandbox.features" not in audit and "pysandbox.cli" not in audit


# ---- _launch's pure helpers ----

def executable(path, mode=0o755):
    with open(path, "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(path, mode)
    return path


def test_resolve_finds_what_execvp_would_run(tmp_path, monkeypatch):
    from pysandbox import _launch

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    executable(str(a / "prog"), 0o644)  # found first, but not executable: skipped
    run = executable(str(b / "prog"))
    assert _launch.resolve("prog", "%s:%s" % (a, b)) == run
    assert _launch.resolve(run, "/nonexistent") == run  # a path: PATH not searched
    monkeypatch.chdir(b)
    assert _launch.resolve("prog", "/nonexistent:") == "./prog"  # empty entry: "."


@pytest.mark.parametrize("make,cls,err,message", [
    (None, errors.NotFoundError, errno.ENOENT, "program not found: '%s'"),
    (os.mkdir, errors.LaunchError, errno.EISDIR, "cannot execute: '%s' (is a directory)"),
    (lambda p: executable(p, 0o644), errors.LaunchError, errno.EACCES,
     "cannot execute: '%s' (permission denied)"),
])
def test_resolve_refuses_what_cannot_run(tmp_path, make, cls, err, message):
    from pysandbox import _launch

    path = str(tmp_path / "prog")
    if make:
        make(path)
    with pytest.raises(cls) as e:
        _launch.resolve("prog", str(tmp_path))
    assert (type(e.value), e.value.errno, e.value.strerror) == (
        cls, err, message % ("prog" if make is None else path))


def elf(cls, machine, types, order="little"):
    """An ELF header (class CLS: 1 or 2) for MACHINE with program headers of TYPES."""
    def n(value, size):
        return value.to_bytes(size, order)

    ident = b"\x7fELF" + bytes([cls, 1 if order == "little" else 2, 1]) + bytes(9)
    if cls == 2:
        head = ident + n(2, 2) + n(machine, 2) + n(1, 4) + n(0, 8) + n(64, 8) + n(0, 8) \
            + n(0, 4) + n(64, 2) + n(56, 2) + n(len(types), 2) + bytes(6)
        return head + b"".join(n(t, 4) + bytes(52) for t in types)
    head = ident + n(2, 2) + n(machine, 2) + n(1, 4) + n(0, 4) + n(52, 4) + n(0, 4) \
        + n(0, 4) + n(52, 2) + n(32, 2) + n(len(types), 2) + bytes(6)
    return head + b"".join(n(t, 4) + bytes(28) for t in types)


@pytest.mark.parametrize("data,info", [
    (elf(2, 62, [1, 3, 1]), ("x86_64", False)),  # PT_INTERP (3): dynamic
    (elf(2, 62, [1, 1]), ("x86_64", True)),
    (elf(2, 183, [6, 3]), ("aarch64", False)),
    (elf(1, 3, [1]), ("i386", True)),
    (elf(1, 62, [3]), ("x32", False)),
    (elf(1, 40, []), ("arm", True)),
    (elf(2, 243, [1]), ("machine 243", True)),  # riscv: not ours
    (elf(2, 22, [1], "big"), ("big-endian machine 22", True)),
    (b"#!/bin/sh\necho hi\n" + bytes(64), None),
    (b"\x7fELF", None),  # too short for a header
    (b"\x7fELF\x03" + bytes(60), None),  # no such ELF class
])
def test_elf_info(tmp_path, data, info):
    from pysandbox import _launch

    path = tmp_path / "f"
    path.write_bytes(data)
    assert _launch.elf_info(str(path)) == info
    assert _launch.is_static(str(path)) == bool(info and info[1])


def test_elf_info_of_this_python_and_of_no_file():
    from pysandbox import _launch

    assert _launch.elf_info(os.path.realpath(sys.executable)) == (_launch.native_arch(), False)
    assert _launch.elf_info("/nonexistent") is None


def test_program_env_drops_only_our_variables():
    from pysandbox import _launch

    entries = [b"A=1", b"SECCOMP_SYSCALL_ALLOW=read", b"NO_EQUALS", b"XSECCOMP_VERBOSE=1",
               b"SECCOMP_VERBOSE=1", b"A=2", b"LD_PRELOAD=/x.so"]
    assert _launch.program_env(entries) == [b"A=1", b"NO_EQUALS", b"XSECCOMP_VERBOSE=1",
                                            b"A=2", b"LD_PRELOAD=/x.so"]


@pytest.mark.parametrize("entries,out", [
    ([b"A=1"], [b"A=1", b"LD_PRELOAD=/lib.so", b"E=1"]),
    ([b"LD_PRELOAD=/a.so:/b.so", b"A=1"], [b"LD_PRELOAD=/lib.so:/a.so:/b.so", b"A=1", b"E=1"]),
    ([b"LD_PRELOAD=:/a.so:", b"LD_PRELOAD="],  # each entry; empty items dropped
     [b"LD_PRELOAD=/lib.so:/a.so", b"LD_PRELOAD=/lib.so", b"E=1"]),
    ([b"LD_PRELOADX=/a.so"], [b"LD_PRELOADX=/a.so", b"LD_PRELOAD=/lib.so", b"E=1"]),
])
def test_preloaded_leads_every_ld_preload(entries, out):
    from pysandbox import _launch

    assert _launch.preloaded(entries, "/lib.so", [b"E=1"]) == out


def test_launch_takes_its_steps_in_one_order(monkeypatch):
    """launch()'s steps, recorded; a refusal stops it before anything is said."""
    from pysandbox import _launch

    steps = []
    for name in ("check_abi", "refuse_privileged", "refuse_unreadable", "say", "exec_environ",
                 "program_env", "flush", "inject_at_exec", "no_new_privs", "restore_signals",
                 "execute"):
        monkeypatch.setattr(_launch, name, lambda *a, name=name: steps.append(name) or [])
    _launch.launch("/p", ["p"], b"", None, notes=["rule"])
    assert steps == ["check_abi", "refuse_privileged", "refuse_unreadable", "say",
                     "exec_environ", "program_env", "flush", "inject_at_exec", "no_new_privs",
                     "restore_signals", "execute"]

    def refuse(path):
        steps.append("refused")
        raise errors.RefusedError(errno.EPERM, "refusing")

    steps.clear()
    monkeypatch.setattr(_launch, "refuse_privileged", refuse)
    with pytest.raises(errors.RefusedError):
        _launch.launch("/p", ["p"], b"", None, notes=["rule"])
    assert steps == ["check_abi", "refused"]


def open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("fail", ["pipe", "fork"])
def test_the_helper_not_started_is_an_install_error(monkeypatch, fail):
    """pipe or fork failing: InstallError with the launcher's message (status
    125), and no pipe end left open."""
    from pysandbox import _launch

    real_pipe, pipes = os.pipe, []

    def pipe():
        if fail == "pipe" and pipes:
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        pipes.append(real_pipe())
        return pipes[-1]

    def fork():
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    before = open_fds()
    monkeypatch.setattr(os, "pipe", pipe)
    monkeypatch.setattr(os, "fork", fork)
    with pytest.raises(errors.InstallError) as e:
        _launch.inject_at_exec(b"", None)
    err = errno.EMFILE if fail == "pipe" else errno.EAGAIN
    assert cli.failure(e.value) == ("cannot start the tracing helper: %s" % os.strerror(err), 125)
    assert e.value.errno == err
    assert open_fds() == before


# ---- cli/learn's pure helpers ----

@pytest.mark.parametrize("text,names", [
    ("# pysandbox learn: x\nSECCOMP_SYSCALL_ALLOW=read:write::exit_group\n",
     {"read", "write", "exit_group"}),
    ("# a header\nallow read\n  allow\twrite   # why\ndeny ptrace\nallow two words\n",
     {"read", "write"}),
    ('{"syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},'
     ' {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}]}', {"read", "write"}),
    ("", set()),
])
def test_previous_names(text, names):
    from pysandbox.cli import learn

    assert learn.previous_names(text) == names


def test_previous_names_of_broken_json_is_a_value_error():
    from pysandbox.cli import learn

    with pytest.raises(ValueError):
        learn.previous_names('{"syscalls": [')


def test_render_each_format():
    from pysandbox import profile
    from pysandbox.cli import learn

    names, header = ["exit_group", "read", "write"], ["pysandbox learn: x", "3 syscalls"]
    assert learn.render("env", names, header) == (
        "# pysandbox learn: x\n# 3 syscalls\nSECCOMP_SYSCALL_ALLOW=exit_group:read:write\n")
    assert learn.render("policy", names, header) == (
        "# pysandbox learn: x\n# 3 syscalls\nallow exit_group\nallow read\nallow write\n")
    oci = learn.render("oci", names, header)
    assert oci.endswith("}\n")
    assert json.loads(oci) == profile.export({"SECCOMP_SYSCALL_ALLOW": "exit_group:read:write"})
    for fmt in ("env", "policy", "oci"):  # what --append reads back
        assert learn.previous_names(learn.render(fmt, names, header)) == set(names)
