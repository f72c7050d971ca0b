"""libsandbox.so against programs that export libc's names, edit their
environment early, start oddly, or are set-id: the filter is in force, or the
program does not run; nothing hangs. Root and uid 65534 (`as_nobody`)."""
import os
import re
import shutil
import subprocess

import pytest

from support.proc import PROGS, SIGSYS_STATUS, build_c, clean_env, preload, run

# What libsandbox.so still takes from outside itself, and why none of it is on
# the path that decides or installs the filter.
IMPORTS = {
    "environ": "the program's environment array: our variables are removed from it "
               "(the policy is read from the strings the kernel placed at exec)",
    "dlsym": "finds __libc_start_main only when no filter waits for main() and the "
             "loader's list of objects did not give it: a lying dlsym changes nothing",
}


@pytest.fixture(scope="module")
def progs(kit):
    """The test programs of this module, built once into the kit."""
    def src(name):
        return os.path.join(PROGS, name)

    out = {
        "liar": build_c(src("liar.c"), kit.file("liar"), "-O0", "-fno-builtin", "-rdynamic"),
        "ownstart": build_c(src("ownstart.c"), kit.file("ownstart"), "-nostartfiles"),
        "preinit": build_c(src("envedit.c"), kit.file("preinit"), "-DPREINIT"),
        "libenvedit": build_c(src("envedit.c"), kit.file("libenvedit.so"), "-DLIBRARY",
                              "-shared", "-fPIC"),
        "libforkctor": build_c(src("forkctor.c"), kit.file("libforkctor.so"), "-shared",
                               "-fPIC"),
        "libwrap": build_c(src("wrapmain.c"), kit.file("libwrapmain.so"), "-shared", "-fPIC"),
        "execenv": build_c(src("execenv.c"), kit.file("execenv")),
        "setenvctor": build_c(src("setenvctor.c"), kit.file("setenvctor")),
    }
    out["early"] = build_c(src("envedit.c"), kit.file("early"), "-Wl,--no-as-needed",
                           out["libenvedit"])
    out["forkctor"] = build_c(os.path.join(PROGS, "probe.c"), kit.file("probe-forkctor"),
                              "-Wl,--no-as-needed", out["libforkctor"])
    return out


def imports(lib):
    """Symbols libsandbox.so has dynamic relocations against, and its
    undefined dynamic symbols."""
    rel = subprocess.run(["readelf", "-r", "--wide", lib], capture_output=True, text=True,
                         check=True).stdout
    fields = [ln.split() for ln in rel.splitlines()]
    relocated = {f[4].split("@")[0] for f in fields if len(f) >= 5 and f[2].startswith("R_")}
    undef = subprocess.run(["nm", "-D", "--undefined-only", lib], capture_output=True,
                           text=True, check=True).stdout
    return relocated, {ln.split()[-1].split("@")[0] for ln in undef.splitlines() if ln.strip()}


def test_library_imports_only_what_is_off_the_install_path(kit):
    relocated, undefined = imports(kit.lib)
    assert relocated == set(IMPORTS)
    assert undefined - {"__environ"} == set(IMPORTS)  # __environ: environ's alias, no slot


def test_program_exporting_libc_names_is_filtered(kit, progs, as_nobody):
    """Its own unsetenv/setenv/getenv/putenv/syscall/prctl/strcmp/strncmp/
    memcpy/dlsym do nothing or lie; the filter is in force and our variables
    are gone. (Before: a hang in unsetenv's rescan, or Seccomp: 0.)"""
    env = preload(kit, SECCOMP_SYSCALL_DENY="getpid", SECCOMP_VERBOSE="0")
    r = run([progs["liar"]], env, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (SIGSYS_STATUS, "Seccomp: 2\ngetpid\n", "")


def test_program_exporting_libc_names_runs_without_policy(kit, progs, as_nobody):
    r = run([progs["liar"]], preload(kit), as_nobody)
    assert (r.returncode, r.stdout) == (0, "Seccomp: 0\ngetpid\nnot filtered\n")


def test_own_start_importing_libc_start_main_is_filtered(kit, progs, as_nobody):
    """The __libc_start_main hook would never be called: the constructor
    installs the filter."""
    r = run([progs["ownstart"]], preload(kit, SECCOMP_SYSCALL_DENY="getpid"), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "start\n")


@pytest.mark.parametrize("which", ["preinit", "early"])
def test_environment_edited_before_us_still_filters(kit, progs, as_nobody, which):
    """A .preinit_array entry, or the constructor of the program's own
    library, unsets every SECCOMP_* and clears the environment before
    libsandbox.so's constructor: the policy comes from the exec-time strings."""
    edited = run([progs[which]], clean_env(SECCOMP_SYSCALL_DENY="getpid"), as_nobody)
    assert (edited.returncode, edited.stdout) == (
        0, "SECCOMP_* left: 0\ngetppid ok\nnot filtered\n")
    r = run([progs[which]], preload(kit, SECCOMP_SYSCALL_DENY="getpid"), as_nobody)
    assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "SECCOMP_* left: 0\ngetppid ok\n")


def test_child_forked_in_an_earlier_constructor(kit, progs, as_nobody):
    """LD_PRELOAD mode: a library constructor that runs before ours is not
    filtered, nor is a child it forks (the README's threat model).
    sandboxify's filter is in force from the first instruction: the child
    is killed."""
    env = dict(SECCOMP_SYSCALL_DENY="getpid")
    pre = run([progs["forkctor"], "getppid"], preload(kit, **env), as_nobody)
    assert (pre.returncode, pre.stdout) == (0, "child: exit 7\ngetppid = ok\n")
    strict = run(kit.sandboxify(as_nobody) + [progs["forkctor"], "getppid"], clean_env(**env),
                 as_nobody)
    assert (strict.returncode, strict.stdout) == (0, "child: signal 31\ngetppid = ok\n")


def test_mode_is_read_back_before_trusting_the_filter(kit, as_nobody):
    """An outer filter (sandboxify) answers prctl(PR_GET_SECCOMP) with EPERM:
    the read-back fails, so libsandbox.so stops the program instead of
    scrubbing its variables and running it."""
    outer = clean_env(SECCOMP_SYSCALL_DENY="prctl(arg0 == 21)",
                      SECCOMP_DEFAULT_ACTION="errno:EPERM")
    inner = "exec env -i LD_PRELOAD=%s SECCOMP_SYSCALL_DENY=ptrace %s getpid" % (kit.lib,
                                                                               kit.probe)
    r = run(kit.sandboxify(as_nobody) + ["/bin/sh", "-c", inner], outer, as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: the seccomp filter is not in force after installing it "
                 "(Operation not permitted)\n")


@pytest.mark.parametrize("policy", [{}, {"SECCOMP_SYSCALL_DENY": "getpid"}])
def test_later_start_main_wrapper_still_runs(kit, progs, as_nobody, policy):
    """Another preloaded library after ours wraps __libc_start_main too (as
    profilers do): libsandbox.so chains to it, with or without a policy,
    and the filter is still in force in main(). (Before: it jumped straight
    to libc's and the wrapper never ran.)"""
    env = clean_env(LD_PRELOAD=kit.lib + ":" + progs["libwrap"], **policy)
    r = run([kit.probe, "getpid"], env, as_nobody)
    if policy:
        assert (r.returncode, r.stdout) == (SIGSYS_STATUS, "wrapper\n")
    else:
        assert (r.returncode, r.stdout) == (0, "wrapper\ngetpid = ok\n")


def test_variable_without_equals_sign_is_an_error(kit, progs, as_nobody):
    """'SECCOMP_SYSCALL_DENYX' with no '=' is no variable getenv() shows, but
    a typo of one: refused like an unknown name. (Before: ignored.)"""
    env = ["LD_PRELOAD=" + kit.lib, "SECCOMP_SYSCALL_DENYX", "SECCOMP_SYSCALL_DENY=ptrace"]
    r = run([progs["execenv"], kit.hello] + env, clean_env(), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: SECCOMP_SYSCALL_DENYX: not NAME=value\n")


def test_many_copies_of_one_variable_are_one(kit, progs, as_nobody):
    """70 copies of SECCOMP_VERBOSE=0 are no policy; beside a policy, every
    copy of a variable is removed (the first one counts, as with getenv)."""
    verbose = ["SECCOMP_VERBOSE=0"] * 70
    r = run([progs["execenv"], kit.hello, "LD_PRELOAD=" + kit.lib] + verbose, clean_env(),
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
    env = ["LD_PRELOAD=" + kit.lib, "SECCOMP_SYSCALL_DENY=ptrace",
           "SECCOMP_SYSCALL_DENY=getpid"] + verbose
    r = run([progs["execenv"], "/usr/bin/env"] + env, clean_env(), as_nobody)
    assert (r.returncode, r.stdout) == (0, "LD_PRELOAD=%s\n" % kit.lib)


def test_environment_copied_by_setenv_keeps_no_empty_entry(kit, progs, as_nobody):
    """A constructor's setenv() makes environ a copy of the exec-time array:
    our variable leaves both, and no blanked "" entry stays behind for the
    program and its children. (Before: an empty entry.)"""
    env = ["A=1", "SECCOMP_SYSCALL_DENY=ptrace", "B=2", "LD_PRELOAD=" + kit.lib]
    r = run([progs["execenv"], progs["setenvctor"]] + env, clean_env(), as_nobody)
    assert (r.returncode, r.stdout) == (
        0, "[A=1]\n[B=2]\n[LD_PRELOAD=%s]\n[ADDED=1]\n" % kit.lib)


def test_second_copy_of_the_library_installs_nothing_more(kit, as_nobody):
    """Two copies of libsandbox.so in one process (two paths in LD_PRELOAD, or
    one preloaded and one linked in) both read the exec-time strings: the
    first one's install blanks them, so the filter is loaded once and
    /proc/self/environ no longer shows the policy. (Before: two filters, and
    under `pysandbox learn` a second install read as the program's own.)"""
    second = kit.file("libsandbox-second.so")
    if not os.path.exists(second):
        shutil.copy2(kit.lib, second)
    env = clean_env(LD_PRELOAD=kit.lib + ":" + second, SECCOMP_SYSCALL_DENY="ptrace")
    r = run(["/bin/grep", "-a", "-c", "-e", "^Seccomp_filters:\t1$", "-e", "SECCOMP_",
             "/proc/self/status", "/proc/self/environ"], env, as_nobody)
    assert (r.returncode, r.stdout) == (0, "/proc/self/status:1\n/proc/self/environ:0\n")


@pytest.mark.parametrize("var", ["SECCOMP_POLICY_FILE", "SECCOMP_PROFILE"])
def test_fifo_policy_is_refused_not_waited_for(kit, as_nobody, var):
    fifo = kit.file("fifo-%s-%d" % (var, as_nobody))
    if not os.path.exists(fifo):
        os.mkfifo(fifo, 0o644)
    line = "%s: cannot read '%s': not a regular file\n" % (var, fifo)
    r = run([kit.hello], preload(kit, **{var: fifo}), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: " + line)
    c = run(kit.pysandbox(as_nobody) + ["compile", "-o", "/dev/null"], clean_env(**{var: fifo}),
            as_nobody)
    assert (c.returncode, c.stderr) == (125, "pysandbox: " + line)



def test_a_directory_policy_is_not_a_regular_file_at_every_front_door(kit, as_nobody):
    """SECCOMP_POLICY_FILE=<a directory>: one line, the same reason, through
    libsandbox.so, sandboxify and pysandbox compile (the one reader; before
    issue 12, the Python front doors said "Is a directory")."""
    d = kit.file("policy-dir-%d" % as_nobody)
    os.makedirs(d, mode=0o755, exist_ok=True)
    line = "SECCOMP_POLICY_FILE: cannot read '%s': not a regular file\n" % d
    env = {"SECCOMP_POLICY_FILE": d}
    r = run([kit.hello], preload(kit, **env), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: " + line)
    s = run(kit.sandboxify(as_nobody) + [kit.hello], clean_env(**env), as_nobody)
    assert (s.returncode, s.stdout, s.stderr) == (125, "", "sandboxify: " + line)
    c = run(kit.pysandbox(as_nobody) + ["compile", "-o", "/dev/null"], clean_env(**env),
            as_nobody)
    assert (c.returncode, c.stderr) == (125, "pysandbox: " + line)


def real_programs(tmp):
    """Whatever of bash, dash, python3, perl, coreutils, git, tar is here."""
    script = os.path.join(tmp, "script.sh")
    with open(script, "w") as f:
        f.write("#!/bin/bash\nset -e\nx=$(echo hi | tr a-z A-Z)\necho \"$x ${#x}\"\n"
                "for i in 1 2 3; do printf '%s ' \"$i\"; done; echo\nexit 3\n")
    os.chmod(script, 0o755)
    cmds = [["/bin/bash", "-c", "echo $((6*7)); type cd; env | grep -c ^SECCOMP_ || true"],
            [script],
            ["/bin/dash", "-c", "echo dash $$ > /dev/null; echo ok"],
            ["/usr/bin/python3", "-c", "import os, sys; print(sorted(k for k in os.environ "
                                       "if k.startswith('SECCOMP')), sys.argv)"],
            ["/usr/bin/perl", "-e", "print join(',', grep { /^SECCOMP/ } keys %ENV), qq(ok\\n)"],
            ["/bin/ls", "-d", "/", "/usr"], ["/usr/bin/sort", "-r", "/etc/passwd"],
            ["/usr/bin/env", "-0"], ["/usr/bin/git", "--version"], ["/bin/tar", "--version"],
            ["/bin/busybox", "echo", "ok"], ["/usr/bin/ldd", "/bin/true"]]
    return [c for c in cmds if os.access(c[0], os.X_OK)]


def comparable(cmd, out):
    if cmd[0].endswith("ldd"):  # addresses move; the preload lists itself
        out = re.sub(r"0x[0-9a-f]+", "ADDR", out)
        out = "".join(ln for ln in out.splitlines(True) if "libsandbox" not in ln)
    if cmd[0].endswith("env"):
        out = "\0".join(v for v in out.split("\0") if not v.startswith("LD_PRELOAD="))
    return out


def test_real_programs_run_as_without_the_library(kit, as_nobody, tmp_path):
    """bash (which exports unsetenv and hung for ever), dash, python3, perl,
    coreutils, git, tar, ldd and a bash script: same output and status."""
    tmp = kit.file("real-%d" % as_nobody)
    os.makedirs(tmp, exist_ok=True)
    os.chmod(tmp, 0o755)
    cmds = real_programs(tmp)
    assert len(cmds) >= 6, cmds
    for cmd in cmds:
        plain = run(cmd, clean_env(), as_nobody)
        boxed = run(cmd, preload(kit, SECCOMP_SYSCALL_DENY="ptrace:mount"), as_nobody)
        assert (boxed.returncode, comparable(cmd, boxed.stdout), boxed.stderr) == (
            plain.returncode, comparable(cmd, plain.stdout), plain.stderr), cmd
    shutil.rmtree(tmp)


def privileged_copy(kit, name, setup):
    if os.geteuid() != 0:
        pytest.skip("making a set-id or file-capability program needs root")
    prog = kit.copy(kit.probe, name)
    setup(prog)
    return prog


def test_preloaded_set_id_program_runs_unconfined(kit):
    """Documented, not ours to change: in secure-execution mode the loader
    ignores LD_PRELOAD, so a set-id program runs without the filter."""
    prog = privileged_copy(kit, "probe-suid-preload", lambda p: os.chmod(p, 0o4755))
    r = run([prog, "status"], preload(kit, SECCOMP_SYSCALL_DENY="getpid"), as_nobody=True)
    assert (r.returncode, r.stdout) == (0, "status = Seccomp:\t0\n")


def test_set_id_child_of_a_sandboxed_program_gains_nothing(kit):
    """The README's no_new_privs paragraph: libsandbox.so always sets it, so a
    set-uid root program started under a sandboxed one runs without its
    privilege (su, sudo, passwd); unsandboxed it has it."""
    if os.geteuid() != 0:
        pytest.skip("making a set-uid root program needs root")
    prog = kit.copy(shutil.which("id"), "id-suid")
    os.chmod(prog, 0o4755)
    cmd = ["/bin/sh", "-c", prog + " -u"]
    plain = run(cmd, clean_env(), as_nobody=True)
    assert (plain.returncode, plain.stdout) == (0, "0\n")
    r = run(cmd, preload(kit, SECCOMP_SYSCALL_DENY="ptrace"), as_nobody=True)
    assert (r.returncode, r.stdout) == (0, "65534\n")


def set_cap(prog):
    setcap = shutil.which("setcap") or "/usr/sbin/setcap"
    if not os.access(setcap, os.X_OK):
        pytest.skip("setcap not installed (libcap2-bin)")
    subprocess.run([setcap, "cap_net_raw+ep", prog], check=True)


@pytest.mark.parametrize("kind", ["setuid", "setgid", "filecap"])
def test_sandboxify_refuses_privileged_programs(kit, as_nobody, kind):
    setup = {"setuid": lambda p: os.chmod(p, 0o4755), "setgid": lambda p: os.chmod(p, 0o2755),
             "filecap": set_cap}[kind]
    prog = privileged_copy(kit, "probe-%s" % kind, setup)
    r = run(kit.sandboxify(as_nobody) + [prog, "getpid"],
            clean_env(SECCOMP_SYSCALL_DENY="ptrace"), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "sandboxify: refusing a set-id or file-capability program: '%s'\n" % prog)


@pytest.mark.parametrize("policy", [
    dict(SECCOMP_SYSCALL_DENY="prctl", SECCOMP_DEFAULT_ACTION="errno:EACCES"),  # -EACCES
    dict(SECCOMP_SYSCALL_DENY="prctl"),  # killed: through the prefix
    dict(SECCOMP_SYSCALL_ALLOW="", SECCOMP_DEFAULT_ACTION="log"),  # logged: the prefix
    dict(SECCOMP_SYSCALL_ALLOW="newfstatat:write:exit_group")])  # killed: the prefix
def test_read_back_whatever_the_policy_says_of_prctl(kit, as_nobody, policy):
    r = run([kit.hello], preload(kit, **policy), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
