"""SECCOMP_PROFILE end to end: real programs under Docker's profile through
libsandbox.so, LD_PRELOAD or patchelf-linked, and sandboxify, as root and as uid
65534; a bad or unreadable profile stops the program.
"""
import os
import subprocess

import pytest

from support.oci import DOCKER, P, S, T
from support.proc import assert_userns_works, clean_env, patchelf, run


@pytest.fixture(scope="module")
def docker(kit):
    return kit.copy(DOCKER, "docker-default.json")


RUNS = [(["/usr/bin/ls", "/"], 0, "bin\n"),
        (["/bin/sh", "-c", "echo $((6 * 7))"], 0, "42\n"),
        (["/usr/bin/python3", "-c", "import os; print(os.getuid() >= 0)"], 0, "True\n")]


@pytest.mark.parametrize("argv,status,out", RUNS, ids=["ls", "sh", "python3"])
def test_docker_default_runs_programs(kit, docker, as_nobody, argv, status, out):
    r = run(argv, clean_env(LD_PRELOAD=kit.lib, SECCOMP_PROFILE=docker), as_nobody)
    assert (r.returncode, out in r.stdout, r.stderr) == (status, True, "")


def test_docker_default_unshare_user_eperm_as_nobody(kit, docker):
    assert_userns_works(True)
    r = run(["/usr/bin/unshare", "-U", "true"], clean_env(LD_PRELOAD=kit.lib,
                                                          SECCOMP_PROFILE=docker), True)
    assert (r.returncode, r.stderr) == (1, "unshare: unshare failed: Operation not permitted\n")


def test_docker_default_unshare_user_allowed_for_root(kit, docker):
    """Root holds CAP_SYS_ADMIN: Docker's profile includes unshare for it."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    r = run(["/usr/bin/unshare", "-U", "true"], clean_env(LD_PRELOAD=kit.lib,
                                                          SECCOMP_PROFILE=docker))
    assert (r.returncode, r.stderr) == (0, "")


@pytest.mark.parametrize("argv", [["/usr/bin/unshare", "-U", "true"], ["/usr/bin/ls", "/"]],
                         ids=["unshare", "ls"])
def test_docker_default_through_sandboxify_as_nobody(kit, docker, argv):
    assert_userns_works(True)
    r = run(kit.sandboxify(True) + argv, clean_env(SECCOMP_PROFILE=docker), True)
    if argv[0].endswith("unshare"):
        assert (r.returncode, r.stderr) == (1, "unshare: unshare failed: Operation not permitted\n")
    else:
        assert (r.returncode, "bin\n" in r.stdout, r.stderr) == (0, True, "")


def test_bad_profile_stops_program(kit, as_nobody, tmp_path):
    path = kit.file("bad.json")
    with open(path, "w") as f:
        f.write(T(P([S("getpid"), S("getpid"), S("getppid"), S("read", "SCMP_ACT_FOO")])))
    os.chmod(path, 0o644)
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_PROFILE=path), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", (
        "libsandbox: SECCOMP_PROFILE: %s: syscalls[3].action: unknown action 'SCMP_ACT_FOO'\n"
        % path))


def test_unreadable_profile_stops_program(kit, as_nobody):
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, SECCOMP_PROFILE="/nonexistent.json"),
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", (
        "libsandbox: SECCOMP_PROFILE: cannot read '/nonexistent.json': No such file or "
        "directory\n"))


def test_profile_variable_scrubbed(kit, docker):
    r = run([kit.probe, "env:SECCOMP_PROFILE", "getpid"],
            clean_env(LD_PRELOAD=kit.lib, SECCOMP_PROFILE=docker))
    assert r.returncode == 0 and "SECCOMP_PROFILE" in r.stdout and docker not in r.stdout


def test_patchelf_linked_program_reads_profile(kit, docker, tmp_path):
    prog = kit.copy("/usr/bin/unshare", "unshare-patched")
    subprocess.run([patchelf(), "--add-needed", kit.lib, prog], check=True)
    r = run([prog, "-U", "true"], clean_env(SECCOMP_PROFILE=docker), True)
    assert (r.returncode, r.stderr) == (1, "unshare-patched: unshare failed: Operation not "
                                           "permitted\n")
