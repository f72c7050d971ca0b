"""`pysandbox run` end to end: the road chosen for each kind of program, PID,
status and signals kept, merge-or-refuse with the environment, refusals;
root and uid 65534."""
import os
import stat
import subprocess

import pytest

from pysandbox import _native
from support.proc import PROGS, SIGSYS_STATUS, build_c, clean_env, patchelf, run, spawn

README_ALLOW = ("arch_prctl:brk:set_tid_address:set_robust_list:rseq:prlimit64:mprotect:"
                "getrandom:newfstatat:ioctl:readlink:write:exit_group")
ROAD_DYNAMIC = "pysandbox: road: libsandbox.so (LD_PRELOAD): "
ROAD_STATIC = "pysandbox: road: first-instruction launch (sandboxify): "


def prun(kit, argv, as_nobody=False, env=None, **kw):
    return run(kit.pysandbox(as_nobody) + ["run"] + list(argv), clean_env(**(env or {})),
               as_nobody, **kw)


def test_dynamic_program_gets_libsandbox(kit, as_nobody):
    r = prun(kit, ["--verbose", "--fs-exec", "@base", "--", "cat", "/etc/hostname"], as_nobody)
    lines = r.stderr.splitlines()
    assert r.returncode == 1
    assert lines[0] == ROAD_DYNAMIC + "'/usr/bin/cat' is dynamically linked"
    assert "adding /usr to the process Landlock ruleset (read, execute, if it exists)" in lines
    assert lines[-1] == "cat: /etc/hostname: Permission denied"


def test_static_program_gets_the_first_instruction_launch(kit, as_nobody):
    """LD_PRELOAD would be ignored by a static program: the launch is taken."""
    r = prun(kit, ["--allow", README_ALLOW, "--", kit.hello_static], as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
    allow = README_ALLOW.replace(":write", "")
    r = prun(kit, ["--verbose", "--allow", allow, "--", kit.hello_static], as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "")
    assert r.stderr.splitlines()[0] == ROAD_STATIC + "'%s' is statically linked" % \
        kit.hello_static


def test_static_pie_program(kit, as_nobody):
    pie = build_c(os.path.join(PROGS, "probe.c"), kit.file("probe-static-pie"), "-static-pie")
    r = prun(kit, ["--verbose", "--deny", "getppid", "--", pie, "getpid", "getppid"], as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = ok\n")
    assert r.stderr.splitlines()[0] == ROAD_STATIC + "'%s' is statically linked" % pie


def test_strict_takes_the_launch_for_a_dynamic_program(kit, as_nobody):
    r = prun(kit, ["--strict", "--verbose", "--deny", "ptrace", "--", "true"], as_nobody)
    assert r.returncode == 0
    assert r.stderr.splitlines()[0] == ROAD_STATIC + "'/usr/bin/true' is dynamically " \
        "linked (--strict)"


def test_another_loader_gets_the_launch(kit, as_nobody):
    """A dynamic program whose PT_INTERP is not the system's loader: that
    loader might ignore LD_PRELOAD, so the launch is taken."""
    loader = kit.copy(os.path.realpath(_native_loader()), "ld-copy.so")
    prog = kit.copy(kit.hello, "hello-own-loader")
    subprocess.run([patchelf(), "--set-interpreter", loader, prog], check=True)
    r = prun(kit, ["--verbose", "--deny", "getppid", "--", prog], as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")
    assert r.stderr.splitlines()[0] == ROAD_STATIC + "'%s' is dynamically linked by '%s', " \
        "not the system's loader" % (prog, loader)


def _native_loader():
    from pysandbox.sandbox import LOADERS

    return LOADERS[_native.arch()]


def test_script_takes_its_interpreter_s_road(kit, as_nobody):
    script = kit.file("hello-script")
    with open(script, "w") as f:
        f.write("#!%s\n" % kit.hello_static)
    os.chmod(script, 0o755)
    r = prun(kit, ["--verbose", "--allow", README_ALLOW, "--", script], as_nobody)
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n")
    assert r.stderr.splitlines()[0] == ROAD_STATIC + "'%s' is a script for '%s', statically " \
        "linked" % (script, kit.hello_static)
    shell = kit.file("sh-script")
    with open(shell, "w") as f:
        f.write("#!/bin/sh\ngrep ^Seccomp: /proc/self/status\n")
    os.chmod(shell, 0o755)
    r = prun(kit, ["--verbose", "--deny", "ptrace", "--", shell], as_nobody)
    assert (r.returncode, r.stdout) == (0, "Seccomp:\t2\n")
    assert r.stderr.splitlines()[0] == ROAD_DYNAMIC + "'%s' is a script for '/bin/sh', " \
        "dynamically linked" % shell


def test_program_keeps_pid_status_and_signals(kit, as_nobody):
    p = spawn(kit.pysandbox(as_nobody) + ["run", "--deny", "ptrace", "--", "sh", "-c",
                                          "echo $$; exit 7"], clean_env(), as_nobody)
    out, _ = p.communicate(timeout=60)
    assert (p.returncode, out) == (7, "%d\n" % p.pid)
    r = prun(kit, ["--deny", "ptrace", "--", "sh", "-c", "kill -TERM $$"], as_nobody)
    assert r.returncode == -15


def test_environment_variables_merge_with_flags(kit, as_nobody):
    r = prun(kit, ["--deny", "ptrace", "--", "cat", "/etc/hostname"], as_nobody,
             env={"SANDBOX_FS_EXEC": "@base"})
    assert (r.returncode, r.stderr) == (1, "cat: /etc/hostname: Permission denied\n")
    r = prun(kit, ["--fs-exec", "@base", "--", "true"], as_nobody,
             env={"SANDBOX_FS_EXEC": "@base"})
    assert (r.returncode, r.stderr) == (0, "")


def test_the_same_variable_set_two_ways_is_refused(kit, as_nobody):
    r = prun(kit, ["--fs-read", "/b", "--", "true"], as_nobody, env={"SANDBOX_FS_READ": "/a"})
    assert (r.returncode, r.stderr) == (125, "pysandbox: SANDBOX_FS_READ: set in the "
                                        "environment ('/a') and by --fs-read / fs_read= ('/b'):"
                                        " give it once\n")


def test_the_program_sees_none_of_the_variables(kit, as_nobody):
    r = prun(kit, ["--deny", "ptrace", "--", "env"], as_nobody,
             env={"SANDBOX_FS_EXEC": "@base"})
    assert r.returncode == 0
    assert not [ln for ln in r.stdout.splitlines() if ln.startswith(("SECCOMP_", "SANDBOX_"))]


@pytest.mark.parametrize("argv,env,status,line", [
    (["--", "true"], {}, 125, "pysandbox: no policy: set SECCOMP_SYSCALL_ALLOW, "
     "SECCOMP_SYSCALL_DENY, SECCOMP_PROFILE or a SANDBOX_FS_*, SANDBOX_NET* layer"),
    (["--deny", "opne", "--", "true"], {}, 125,
     "pysandbox: SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 1)"),
    (["--deny", "ptrace", "--", "true"], {"SECCOMP_SYSCALL_ALOW": "read"}, 125,
     "pysandbox: SECCOMP_SYSCALL_ALOW: unknown variable"),
    (["--deny", "ptrace", "--", "nonexistent-prog"], {}, 127,
     "pysandbox: program not found: 'nonexistent-prog'"),
    (["--deny", "ptrace", "--", "/etc/passwd"], {}, 126,
     "pysandbox: cannot execute: '/etc/passwd' (permission denied)"),
    (["--deny", "ptrace"], {}, 2, "pysandbox: run: no program given (pysandbox run --help)"),
])
def test_errors_are_one_line(kit, as_nobody, argv, env, status, line):
    r = prun(kit, argv, as_nobody, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (status, "", line + "\n")


def test_a_file_neither_elf_nor_script_is_refused(kit, as_nobody):
    data = kit.file("data-exec")
    with open(data, "w") as f:
        f.write("not a program\n")
    os.chmod(data, 0o755)
    r = prun(kit, ["--deny", "ptrace", "--", data], as_nobody)
    assert (r.returncode, r.stderr) == (125, "pysandbox: cannot tell how to sandbox '%s': "
                                        "neither an ELF program nor a #! script\n" % data)


def test_set_id_program_is_refused(kit, as_nobody):
    passwd = "/usr/bin/passwd"
    if not os.path.exists(passwd) or not os.stat(passwd).st_mode & stat.S_ISUID:
        pytest.skip("no set-uid /usr/bin/passwd here")
    r = prun(kit, ["--deny", "ptrace", "--", passwd, "--help"], as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "pysandbox: refusing a set-id or file-capability program: '%s'\n" % passwd)


def test_i386_program_is_refused(kit, hello_i386, as_nobody):
    """LD_PRELOAD of an x86_64 library into an i386 program would be ignored."""
    r = prun(kit, ["--deny", "ptrace", "--", hello_i386], as_nobody)
    assert (r.returncode, r.stderr) == (125, "pysandbox: cannot sandbox a program of another "
                                        "ABI (i386; only x86_64): '%s'\n" % hello_i386)


def test_execute_only_program_is_refused(kit, as_nobody):
    if not as_nobody:
        pytest.skip("root reads every file")
    prog = kit.copy(kit.hello, "hello-0711")
    os.chmod(prog, 0o711)
    r = prun(kit, ["--deny", "ptrace", "--", prog], as_nobody)
    assert (r.returncode, r.stderr) == (125, "pysandbox: cannot inspect a program this user "
                                        "may not read (execute-only): '%s'\n" % prog)


def test_a_libsandbox_path_the_loader_would_split_is_refused(tmp_path):
    """LD_PRELOAD splits at ':' and blanks (and expands $ORIGIN, $LIB and
    $PLATFORM, tests/e2e/test_front.py): the loader would skip the library
    (and say so) and run the program unconfined."""
    import shutil
    import sys

    import pysandbox

    home = tmp_path / "a dir"
    shutil.copytree(os.path.dirname(pysandbox.__file__), home / "pysandbox",
                    ignore=shutil.ignore_patterns("__pycache__"))
    code = ("import sys; sys.path.insert(0, %r); from pysandbox.cli import main; "
            "sys.exit(main(sys.argv[1:]))" % str(home))
    r = run([sys.executable, "-c", code, "run", "--deny", "ptrace", "--", "true"], clean_env())
    lib = home / "pysandbox" / "libsandbox.so"
    assert (r.returncode, r.stderr) == (125, "pysandbox: the loader would not preload "
                                        "libsandbox.so from '%s' (a ':', a blank or a '$' in "
                                        "its path): use --strict (the first-instruction launch)\n"
                                        % lib)
    r = run([sys.executable, "-c", code, "run", "--strict", "--deny", "ptrace", "--", "true"],
            clean_env())
    assert (r.returncode, r.stderr) == (0, "")
