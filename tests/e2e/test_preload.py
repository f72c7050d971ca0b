"""libsandbox.so end to end: real processes under real filters.

Every behaviour runs as root and as uid 65534 without capabilities where it
makes sense (the `as_nobody` fixture).
"""
import os
import re
import subprocess
import time

import pytest

from support.proc import ROOT, SIGSYS_STATUS, build_c, clean_env, patchelf, preload, run

HELLO_ALLOW = "newfstatat:write:exit_group"


def test_allowed_program_runs(kit, as_nobody):
    r = run([kit.hello], preload(kit, SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")


def test_unlisted_syscall_kills_with_sigsys(kit, as_nobody):
    r = run([kit.hello], preload(kit, SECCOMP_SYSCALL_ALLOW="newfstatat:exit_group"), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "")


def test_denylist_kills_listed_syscall(kit, as_nobody):
    r = run([kit.probe, "getppid", "getpid", "getppid"],
            preload(kit, SECCOMP_SYSCALL_DENY="getpid"), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def test_denylist_lets_the_rest_run(kit, as_nobody):
    r = run([kit.probe, "getpid", "getppid"], preload(kit, SECCOMP_SYSCALL_DENY="ptrace:mount"),
            as_nobody)
    assert (r.returncode, r.stdout) == (0, "getpid = ok\ngetppid = ok\n")


def test_both_lists_deny_wins(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW + ":getpid:getppid",
                  SECCOMP_SYSCALL_DENY="getpid")
    r = run([kit.probe, "getppid", "getpid"], env, as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def test_numeric_items(kit, as_nobody):
    from pysandbox import _native

    nr = _native.syscall_nr("getpid")
    r = run([kit.probe, "getppid", "getpid"], preload(kit, SECCOMP_SYSCALL_DENY=str(nr)),
            as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def test_no_variables_no_filter_no_output(kit, as_nobody):
    r = run([kit.probe, "status"], preload(kit), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "status = Seccomp:\t0\n", "")


def test_filter_shows_in_proc_status(kit, as_nobody):
    r = run([kit.probe, "status"], preload(kit, SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    assert (r.returncode, r.stdout) == (0, "status = Seccomp:\t2\n")


def test_variables_hidden_from_program(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_DENY="ptrace", SECCOMP_DEFAULT_ACTION="kill",
                  SECCOMP_VERBOSE="0")
    names = ["SECCOMP_SYSCALL_DENY", "SECCOMP_DEFAULT_ACTION", "SECCOMP_VERBOSE"]
    r = run([kit.probe] + ["env:" + n for n in names], env, as_nobody)
    assert r.returncode == 0
    assert r.stdout.splitlines() == ["env:%s = (unset) envp=0" % n for n in names]


def test_variables_hidden_from_children(kit, as_nobody):
    r = run([kit.probe, "exec:/usr/bin/env"], preload(kit, SECCOMP_SYSCALL_DENY="ptrace"),
            as_nobody)
    assert r.returncode == 0
    assert "LD_PRELOAD=" in r.stdout  # the child did get the environment
    assert "SECCOMP_" not in r.stdout


def test_verbose_prints_seed_lines(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW, SECCOMP_VERBOSE="1")
    r = run([kit.hello], env, as_nobody)
    assert r.returncode == 0
    assert r.stderr == "".join("adding %s to the process seccomp filter\n" % n
                               for n in HELLO_ALLOW.split(":"))


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="511 is unassigned on x86_64")
def test_verbose_names_conditions_and_numbers(kit):
    """A rule with conditions says how many; a number without a name is shown as one.
    sandboxify and `pysandbox compile` report through the same C function."""
    from pysandbox import _native

    policy = dict(SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW + ":write(arg0 == 1, arg2 < 64):0x1ff",
                  SECCOMP_VERBOSE="1")
    want = ["adding %s to the process seccomp filter" % n for n in HELLO_ALLOW.split(":")] + [
        "adding write to the process seccomp filter (2 argument conditions)",
        "adding syscall 511 to the process seccomp filter"]
    r = run([kit.hello], preload(kit, **policy))
    assert (r.returncode, r.stderr.splitlines()) == (0, want)
    assert _native.compile_policy(policy)[1] == want


def test_quiet_by_default(kit, as_nobody):
    r = run([kit.hello], preload(kit, SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW), as_nobody)
    assert r.stderr == ""


BAD_INPUT = [
    ({"SECCOMP_SYSCALL_ALLOW": "read:opne"},
     "SECCOMP_SYSCALL_ALLOW: unknown syscall 'opne' (item 2)"),
    ({"SECCOMP_SYSCALL_DENY": "read::wr1te!"},
     "SECCOMP_SYSCALL_DENY: invalid entry 'wr1te!' (item 3)"),
    ({"SECCOMP_SYSCALL_DENY": "12x"},
     "SECCOMP_SYSCALL_DENY: invalid syscall number '12x' (item 1)"),
    ({"SECCOMP_SYSCALL_DENY": "read:70000"},
     "SECCOMP_SYSCALL_DENY: syscall number out of range '70000' (item 2)"),
    ({"SECCOMP_SYSCALL_DENY": "read", "SECCOMP_DEFAULT_ACTION": "explode"},
     "SECCOMP_DEFAULT_ACTION: unknown action 'explode'"),
    ({"SECCOMP_DEFAULT_ACTION": "log"},
     "SECCOMP_DEFAULT_ACTION: is set without SECCOMP_SYSCALL_ALLOW or SECCOMP_SYSCALL_DENY"),
    ({"SECCOMP_SYSCALL_ALOW": "read"}, "SECCOMP_SYSCALL_ALOW: unknown variable"),
    ({"SECCOMP_SYSCALL_DENY": "read", "SECCOMP_VERBOSE": "yes"},
     "SECCOMP_VERBOSE: expected 0 or 1, not 'yes'"),
]


@pytest.mark.parametrize("policy,message", BAD_INPUT, ids=[m.split(":")[0] + "-" + str(i)
                                                          for i, (_, m) in enumerate(BAD_INPUT)])
def test_bad_input_stops_program(kit, as_nobody, policy, message):
    r = run([kit.hello], preload(kit, **policy), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: %s\n" % message)


def test_filter_is_installed_after_program_constructors(kit, tmp_path):
    """Tight by design: the program's own start-up (constructors) runs before
    the filter, main() after it."""
    src = tmp_path / "ctor.c"
    src.write_text('#include <unistd.h>\n#include <stdio.h>\n#include <sys/syscall.h>\n'
                   '__attribute__((constructor)) static void early(void) '
                   '{ syscall(SYS_getpid); }\n'
                   'int main(void) { write(1, "main\\n", 5); syscall(SYS_getpid); return 0; }\n')
    prog = build_c(str(src), str(tmp_path / "ctor"))
    r = run([prog], preload(kit, SECCOMP_SYSCALL_DENY="getpid"))
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "main\n")


def test_program_without_libc_start_is_filtered_at_load(kit, tmp_path):
    """Fail closed: a program that never calls __libc_start_main still gets
    the filter (installed by the constructor)."""
    src = tmp_path / "nostart.c"
    src.write_text('#include <unistd.h>\n#include <sys/syscall.h>\n'
                   'void _start(void) { syscall(SYS_getppid); write(1, "ppid\\n", 5);'
                   ' syscall(SYS_getpid); write(1, "pid\\n", 4); _exit(0); }\n')
    prog = build_c(str(src), str(tmp_path / "nostart"), "-nostartfiles")
    r = run([prog], preload(kit, SECCOMP_SYSCALL_DENY="getpid"))
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "ppid\n")


def ia32_works(kit):
    """False only where the kernel lacks IA32 emulation; any other answer is a
    failure, not a skip."""
    r = run([kit.probe, "i386:getpid"], clean_env())
    if r.stdout == "i386:getpid = Function not implemented\n" or r.returncode == -11:
        return False  # ENOSYS, or SIGSEGV: int $0x80 with no IA32 emulation
    assert (r.returncode, r.stdout) == (0, "i386:getpid = ok\n")
    return True


def test_i386_abi_cannot_sidestep_denylist(kit, as_nobody):
    if not ia32_works(kit):
        pytest.skip("kernel without IA32 emulation (int $0x80 returns ENOSYS)")
    r = run([kit.probe, "getppid", "i386:getpid"], preload(kit, SECCOMP_SYSCALL_DENY="getpid"),
            as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def test_i386_abi_killed_even_when_allowed_natively(kit, as_nobody):
    if not ia32_works(kit):
        pytest.skip("kernel without IA32 emulation (int $0x80 returns ENOSYS)")
    r = run([kit.probe, "getpid", "i386:getpid"], preload(kit, SECCOMP_SYSCALL_DENY="ptrace"),
            as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getpid = ok\n")


def test_x32_bit_cannot_sidestep_denylist(kit, as_nobody):
    """Killed whether or not the kernel has x32 support."""
    r = run([kit.probe, "getppid", "x32:getpid"], preload(kit, SECCOMP_SYSCALL_DENY="getpid"),
            as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


def kernel_log_records(pid):
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if "type=1326" in ln and " pid=%d " % pid in ln]


def test_log_mode_runs_and_writes_audit_records(kit, printk_unlimited):
    env = preload(kit, SECCOMP_SYSCALL_ALLOW="", SECCOMP_DEFAULT_ACTION="log")
    p = subprocess.Popen([kit.hello], env=env, stdout=subprocess.PIPE, text=True)
    out, _ = p.communicate(timeout=30)
    assert (p.returncode, out) == (0, "Hello, world!\n")
    for _ in range(50):  # kauditd hands records to printk asynchronously
        records = kernel_log_records(p.pid)
        if records:
            break
        time.sleep(0.1)
    write = [r for r in records if re.search(r" syscall=1 .*code=0x7ffc0000", r)]
    assert write, "no SECCOMP_RET_LOG record for write(2) of pid %d" % p.pid


def test_log_mode_denylist_logs_instead_of_killing(kit, as_nobody):
    env = preload(kit, SECCOMP_SYSCALL_DENY="getpid", SECCOMP_DEFAULT_ACTION="log")
    r = run([kit.probe, "getpid"], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "getpid = ok\n")


def test_patchelf_add_needed_sandboxes_without_ld_preload(kit, as_nobody, tmp_path):
    prog = kit.copy(kit.hello, "hello-patched-%d" % as_nobody)
    subprocess.run([patchelf(), "--add-needed", kit.lib, prog], check=True)
    ok = run([prog], clean_env(SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW), as_nobody)
    killed = run([prog], clean_env(SECCOMP_SYSCALL_ALLOW="newfstatat:exit_group"), as_nobody)
    plain = run([prog], clean_env(), as_nobody)
    assert (ok.returncode, ok.stdout) == (0, "Hello, world!\n")
    assert (killed.returncode, killed.stdout) == (SIGSYS_STATUS, "")
    assert (plain.returncode, plain.stdout) == (0, "Hello, world!\n")


def test_patchelf_after_libc_still_filters(kit):
    """libsandbox.so behind libc in the search order cannot interpose
    __libc_start_main; the constructor must install the filter instead."""
    prog = kit.copy(kit.probe, "probe-libc-first")
    pe = patchelf()
    subprocess.run([pe, "--remove-needed", "libc.so.6", prog], check=True)
    subprocess.run([pe, "--add-needed", kit.lib, prog], check=True)
    subprocess.run([pe, "--add-needed", "libc.so.6", prog], check=True)
    needed = subprocess.run(["readelf", "-d", prog], capture_output=True, text=True).stdout
    order = re.findall(r"Shared library: \[(.*?)\]", needed)
    assert order.index("libc.so.6") < order.index(kit.lib), order
    r = run([prog, "getppid", "getpid"], clean_env(SECCOMP_SYSCALL_DENY="getpid"))
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "getppid = ok\n")


LOADER = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.parametrize("how", [[], ["--argv0", "hello"], ["--argv0", ""]])
def test_loader_run_directly_reads_the_policy(kit, as_nobody, how):
    """`ld.so --argv0 NAME PROG` with no argument leaves argv[0] on NAME and
    AT_EXECFN on PROG, the next string: the environment's range between them
    looked empty, and the program ran with no policy at all."""
    if not os.path.exists(LOADER):
        pytest.skip("no %s (x86_64's loader)" % LOADER)
    ok = run([LOADER, *how, kit.hello], preload(kit, SECCOMP_SYSCALL_ALLOW=HELLO_ALLOW), as_nobody)
    killed = run([LOADER, *how, kit.hello],
                 preload(kit, SECCOMP_SYSCALL_ALLOW="newfstatat:exit_group"), as_nobody)
    assert (ok.returncode, ok.stdout) == (0, "Hello, world!\n")
    assert (killed.returncode, killed.stdout) == (SIGSYS_STATUS, "")


def test_setuid_program_refuses_environment_policy(kit):
    prog = kit.setuid_preloaded(kit.probe, "probe-setuid")
    r = run([prog, "getpid"], clean_env(SECCOMP_SYSCALL_DENY="getpid"), as_nobody=True)
    assert (r.returncode, r.stdout) == (125, "")
    assert r.stderr == ("libsandbox: refusing a SECCOMP_* or SANDBOX_* policy from the environment "
                        "of a set-id or file-capability program\n")
    # refused before parsing: a malformed list gets the same line, not a parse error
    bad = run([prog, "getpid"], clean_env(SECCOMP_SYSCALL_DENY="opne"), as_nobody=True)
    assert (bad.returncode, bad.stderr) == (125, r.stderr)
    plain = run([prog, "getpid"], clean_env(SECCOMP_VERBOSE="1"), as_nobody=True)
    assert (plain.returncode, plain.stdout) == (0, "getpid = ok\n")


def test_library_exports_only_the_start_hook(kit):
    syms = subprocess.run(["nm", "-D", "--defined-only", kit.lib], capture_output=True,
                          text=True, check=True).stdout.split()
    assert [s for s in syms if not re.fullmatch(r"[0-9a-f]+|[A-Za-z]", s)] == ["__libc_start_main"]


def test_library_needs_only_libc(kit):
    out = subprocess.run(["readelf", "-d", kit.lib], capture_output=True, text=True,
                         check=True).stdout
    assert re.findall(r"\(NEEDED\).*\[(.*?)\]", out) == ["libc.so.6"]


def test_kernel_refusing_seccomp_stops_the_program(kit, as_nobody):
    """A kernel without seccomp filters answers seccomp(2) with an error; here
    an outer filter makes it answer ENOSYS. The program must not run."""
    outer = preload(kit, SECCOMP_SYSCALL_DENY="seccomp", SECCOMP_DEFAULT_ACTION="errno:ENOSYS")
    inner = "LD_PRELOAD=%s SECCOMP_SYSCALL_DENY=ptrace %s getpid" % (kit.lib, kit.probe)
    r = run(["/bin/sh", "-c", "exec env " + inner], outer, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: cannot install the seccomp filter: Function not implemented\n")


def test_make_demo_prints_what_the_readme_shows():
    """The README's first screen: `make demo`'s output, verbatim."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    shown = readme.split("`make demo` prints:\n\n```\n", 1)[1].split("```", 1)[0]
    r = subprocess.run(["make", "-s", "demo"], cwd=ROOT, capture_output=True, text=True,
                       env=clean_env(PATH=os.environ["PATH"]), timeout=300)
    assert (r.returncode, r.stdout, r.stderr) == (0, shown, "")


def test_verbose_lines_of_the_landlock_layer_are_the_cffi_modules(kit):
    """libsandbox.so formats with its own minilibc: its SECCOMP_VERBOSE lines for a
    Landlock layer are exactly those the cffi module makes (a port range printed
    '4430' once: %.0u)."""
    from pysandbox import _native

    env = {"SECCOMP_VERBOSE": "1", "SANDBOX_FS_READ": "/etc/hostname:/nonexistent-x?",
           "SANDBOX_NET_CONNECT": "443:8000-8080", "SANDBOX_NET_BIND": "0"}
    cfg, _ = _native._load(env, None, None, False)
    want = _native._describe(cfg)
    # libsandbox.so's own file, after the paths
    want.insert(cfg.landlock.npaths, "adding %s to the process Landlock ruleset (read, execute)"
                % kit.lib)
    r = run(["/bin/true"], preload(kit, **env))
    assert (r.returncode, r.stderr.splitlines()) == (0, want)
