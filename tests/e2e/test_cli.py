"""The `pysandbox` console script: libpath and compile."""
import os
import subprocess

import pytest

import pysandbox
from pysandbox import _native, bpf
from support.actions import ALLOW, KILL_PROCESS as KILL
from support.proc import PYSANDBOX, ROOT, bytes_env, clean_env


def cli(*args, **env):
    return subprocess.run([PYSANDBOX, *args], env=clean_env(**env), capture_output=True, timeout=60)


def test_libpath_prints_installed_library():
    r = cli("libpath")
    path = r.stdout.decode().strip()
    assert (r.returncode, path) == (0, pysandbox.libpath())
    assert os.path.isabs(path) and os.path.isfile(path)


def test_compile_writes_raw_sock_filter(tmp_path):
    out = tmp_path / "f.bpf"
    r = cli("compile", "-o", str(out), SECCOMP_SYSCALL_ALLOW="read:write:exit_group")
    assert (r.returncode, r.stderr) == (0, b"")
    prog = bpf.decode(out.read_bytes())
    audit = _native.arch_audit(_native.arch())
    decide = {n: bpf.run(prog, bpf.seccomp_data(_native.syscall_nr(n), audit))
              for n in ("read", "write", "exit_group", "openat")}
    assert decide == {"read": ALLOW, "write": ALLOW, "exit_group": ALLOW, "openat": KILL}


def test_compile_matches_python_api(tmp_path):
    out = tmp_path / "f.bpf"
    env = {"SECCOMP_SYSCALL_DENY": "ptrace:mount", "SECCOMP_DEFAULT_ACTION": "log"}
    assert cli("compile", "-o", str(out), **env).returncode == 0
    assert out.read_bytes() == pysandbox.compile_env(env)


def test_compile_to_stdout():
    env = {"SECCOMP_SYSCALL_DENY": "ptrace"}
    r = cli("compile", "-o", "-", **env)
    assert (r.returncode, r.stdout) == (0, pysandbox.compile_env(env))


def test_explain_names_syscalls_and_actions():
    r = cli("compile", "--explain", SECCOMP_SYSCALL_ALLOW="read:write:exit_group")
    text = r.stdout.decode()
    assert r.returncode == 0
    assert "(exit_group)" in text and "ret allow" in text and "ret kill_process" in text
    assert "ld  [arch]" in text.splitlines()[1]


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the README shows x86_64's program")
def test_explain_matches_readme():
    """The README's --explain excerpt is the start of the real output."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    cmd = "$ SECCOMP_SYSCALL_ALLOW=read:write:exit_group pysandbox compile --explain\n"
    shown = readme.split(cmd, 1)[1].split("   ...\n", 1)[0].splitlines()
    r = cli("compile", "--explain", SECCOMP_SYSCALL_ALLOW="read:write:exit_group")
    assert len(shown) == 4 and r.stdout.decode().splitlines()[:4] == shown


def test_explain_other_arch():
    r = cli("compile", "--explain", "--arch", "aarch64", SECCOMP_SYSCALL_DENY="ptrace")
    assert r.returncode == 0
    assert r.stdout.decode().startswith("# aarch64:")
    assert "(aarch64)" in r.stdout.decode()


@pytest.mark.parametrize("env,message", [
    ({}, "pysandbox: no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY, "
         "SECCOMP_PROFILE or a SANDBOX_FS_*, SANDBOX_NET* layer\n"),
    ({"SECCOMP_SYSCALL_DENY": "ptrace:opne"},
     "pysandbox: SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 2)\n"),
])
def test_compile_errors_are_one_line(tmp_path, env, message):
    out = tmp_path / "f.bpf"
    r = cli("compile", "-o", str(out), **env)
    assert (r.returncode, r.stderr.decode()) == (125, message)
    assert not out.exists()


def cli_bytes(*args, **env):
    """cli() with the environment bytes_env(**ENV)."""
    return subprocess.run([PYSANDBOX, *args], env=bytes_env(**env), capture_output=True, timeout=60)


@pytest.mark.parametrize("command", [["compile", "-o", "-"], ["profile", "export"]])
def test_environment_is_bytes(command):
    """A non-UTF-8 variable of someone else's changes nothing; one in a policy
    is the parser's one-line error."""
    policy = {"SECCOMP_SYSCALL_DENY": b"ptrace"}
    want = cli(*command, **{k: v.decode() for k, v in policy.items()})
    r = cli_bytes(*command, NOT_UTF8=b"\xff", **{"ALSO\udcfe": b"x"}, **policy)
    assert (r.returncode, r.stdout, r.stderr) == (0, want.stdout, b"")
    r = cli_bytes(*command, SECCOMP_SYSCALL_DENY=b"pt\xffrace")
    assert (r.returncode, r.stdout, r.stderr) == (
        125, b"", "pysandbox: SECCOMP_SYSCALL_DENY: invalid entry 'pt\ufffdrace' (item 1)\n"
        .encode())


def test_compile_unwritable_output():
    r = cli("compile", "-o", "/nonexistent/dir/f.bpf", SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stderr.decode()) == (
        125, "pysandbox: cannot write '/nonexistent/dir/f.bpf': No such file or directory\n")


def test_usage_errors_exit_2():
    assert cli("compile", SECCOMP_SYSCALL_DENY="ptrace").returncode == 2
    assert cli("frobnicate").returncode == 2
    assert cli().returncode == 2


def test_help_shows_an_example():
    r = cli("--help")
    assert r.returncode == 0 and b"LD_PRELOAD=$(pysandbox libpath)" in r.stdout


def test_groups_lists_every_group_with_its_size():
    r = cli("groups")
    rows = {ln.split()[0]: int(ln.split()[1]) for ln in r.stdout.decode().splitlines()}
    assert r.returncode == 0
    assert rows["@known"] == len(_native.syscalls())
    assert {"@dangerous", "@system-service", "@default", "@mount"} <= set(rows)


def test_groups_prints_members_per_arch():
    x86 = cli("groups", "@dangerous").stdout.decode().split()
    arm = cli("groups", "--arch", "aarch64", "dangerous").stdout.decode().split()
    assert "ptrace" in x86 and "ioperm" in x86
    assert "ptrace" in arm and "ioperm" not in arm  # no port I/O on aarch64


def test_groups_unknown_name():
    r = cli("groups", "@nope")
    assert (r.returncode, r.stderr) == (125, b"pysandbox: unknown group '@nope'\n")


def test_arch_choices_are_the_native_tables():
    from pysandbox import cli

    assert (cli.TARGET_ARCHES, cli.ARCHES) == (_native.TARGET_ARCHES, _native.ARCHES)
