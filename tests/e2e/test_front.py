"""The C front door (bin/pysandbox, csrc/front/front.c) against the Python CLI.

For each case it takes, the front door must exec exactly what `pysandbox-py
run` would: both run on tests/progs/record.c - as the program, or as the
"bwrap" (SANDBOX_BWRAP) of an isolated run - which writes the argv and
environment the kernel started it with, and the two records must be equal.
The front door copied alone into a directory (the kit's alone/pysandbox: no
pysandbox-py beside it to hand to) proves it took the case itself. Every
other case it hands to pysandbox-py with the same arguments: alone it fails
with status 126, installed it answers as the Python CLI. Root and uid 65534.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.proc import PROGS, assert_userns_works, build_c, clean_env, command

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(
    os.path.dirname(sys.executable), "pysandbox-py")), reason="needs the installed package")


@pytest.fixture(scope="module")
def rec(kit):
    """The recorder and #! scripts of it in the kit (world-readable); where a
    #! line holds a control character, the file the kernel would run."""
    path = build_c(os.path.join(PROGS, "record.c"), kit.file("record"))
    for name, line in (("record.sh", "#!%s\n"), ("record-cr.sh", "#!%s\r\n"),
                       ("record-vt.sh", "#!%s\v\n")):
        with open(kit.file(name), "w") as f:
            f.write(line % path)
        os.chmod(kit.file(name), 0o755)
    for odd in ("record\r", "record\v"):  # what the kernel runs for those: a static program
        shutil.copy2(kit.hello_static, kit.file(odd))
    kit.installed()
    return path


def cli(kit, which, args, env, as_nobody, cwd="/"):
    """`WHICH run ARGS` (WHICH: alone, bin/pysandbox, bin/pysandbox-py)."""
    exe = {"alone": kit.file("alone/pysandbox"), "front": kit.file("bin/pysandbox"),
           "python": kit.file("bin/pysandbox-py")}[which]
    argv, env = command([exe, "run"] + args, clean_env(**env), as_nobody)
    return subprocess.run(argv, env=env, capture_output=True, timeout=60, cwd=cwd)


def same(kit, args, env, as_nobody, cwd="/"):
    """Run ARGS by the front door alone and by the Python CLI: the records
    (and stderr, status) must be equal; the record, split."""
    c = cli(kit, "alone", args, env, as_nobody, cwd)
    py = cli(kit, "python", args, env, as_nobody, cwd)
    assert (c.returncode, c.stderr) == (0, b""), c.stderr.decode()
    assert (c.stdout, c.stderr, c.returncode) == (py.stdout, py.stderr, py.returncode)
    argv, _, environ = c.stdout.partition(b"\n\n")
    return argv.split(b"\0")[:-1], environ.split(b"\0")[:-1]


def lib(kit):
    return os.path.join(kit.installed(), "pysandbox", "libsandbox.so").encode()


CASES = {
    "flags": (["--deny", "ptrace", "--", "{rec}", "a", "b c", ""], {}),
    "joined": (["--deny=", "--deny", "ptrace", "--deny=personality", "{rec}"], {}),
    "landlock": (["--fs-exec", "@base", "--fs-read", "/etc:/proc", "--net", "udp",
                  "--net-connect", "80", "--net-bind=8080", "{rec}"], {}),
    "merged": (["--fs-exec", "@base", "--fs-read", "/proc", "{rec}"],
               {"SECCOMP_SYSCALL_DENY": "ptrace", "SECCOMP_VERBOSE": "0"}),
    "their LD_PRELOAD": (["--deny", "ptrace", "{rec}"], {"LD_PRELOAD": "libc.so.6::libm.so.6"}),
    "script": (["--deny", "ptrace", "{rec}.sh", "x"], {}),
    "on PATH": (["--deny", "ptrace", "record"], {"PATH": "/nowhere::{kit}:/usr/bin"}),
}


@pytest.mark.parametrize("case", CASES)
def test_the_front_door_execs_what_the_python_cli_would(kit, rec, as_nobody, case):
    args, env = CASES[case]
    fill = {"rec": rec, "kit": kit.path}
    argv, environ = same(kit, [a.format(**fill) for a in args],
                         {k: v.format(**fill) for k, v in env.items()}, as_nobody,
                         cwd=kit.path if case == "on PATH" else "/")
    assert any(e.startswith(b"LD_PRELOAD=" + lib(kit)) for e in environ)
    assert argv[-1:] != [b"--"]


ISOLATED = {
    "namespaces": (["--isolate=net:pid", "--deny", "ptrace", "{rec}", "arg"], {}, "/"),
    "binds and cwd": (["--isolate=all", "--fs-write", "/tmp:/var/tmp?:@tmp:/nowhere?",
                       "{rec}"], {}, "{kit}"),
    "loopback": (["--net", "loopback:udp", "{rec}"], {}, "/"),
    "loopback only": (["--net=loopback", "--isolate", "uts", "{rec}"], {}, "/"),
    "from the environment": (["--deny", "ptrace", "record"],
                             {"SANDBOX_ISOLATE": "uts:ipc", "PATH": "{kit}:/usr/bin",
                              "LD_PRELOAD": "libc.so.6"}, "/"),
}


@pytest.mark.parametrize("case", ISOLATED)
def test_the_bwrap_argv_is_the_python_cli_s(kit, rec, as_nobody, case):
    args, env, cwd = ISOLATED[case]
    fill = {"rec": rec, "kit": kit.path}
    env = dict({k: v.format(**fill) for k, v in env.items()}, SANDBOX_BWRAP=rec)
    argv, _ = same(kit, [a.format(**fill) for a in args], env, as_nobody, cwd.format(**fill))
    assert argv[0] == rec.encode() and b"--setenv" in argv
    name, value = argv[argv.index(b"--setenv") + 1:][:2]
    assert name == b"LD_PRELOAD" and value.split(b":")[0] == lib(kit)
    assert (b"--unshare-user" in argv) == as_nobody  # root's bwrap needs no user namespace


def test_isolated_for_real(kit, rec, as_nobody):
    """The wheel's bwrap, found beside the package by the front door alone."""
    assert_userns_works(as_nobody)
    r = cli(kit, "alone", ["--isolate=all", "--deny", "ptrace", "/bin/sh", "-c",
                           "echo $$; hostname; cat /proc/self/environ | tr '\\0' '\\n' "
                           "| grep -c LD_PRELOAD="], {}, as_nobody)
    assert (r.returncode, r.stderr) == (0, b""), r.stderr
    assert r.stdout.split() == [b"2", b"pysandbox", b"1"]  # PID 2: bwrap's init is 1


HANDED = {
    "static": ["--deny", "ptrace", "{static}"],
    "a CR in the #! line": ["--deny", "ptrace", "{rec}-cr.sh"],
    "a \\v in the #! line": ["--deny", "ptrace", "{rec}-vt.sh"],
    "strict": ["--strict", "--deny", "ptrace", "{rec}"],
    "verbose": ["--verbose", "--deny", "ptrace", "{rec}"],
    "an abbreviation": ["--den", "ptrace", "{rec}"],
    "a value like a flag": ["--deny", "-x", "{rec}"],
    "a bad policy": ["--allow", "bogus", "{rec}"],
    "no policy": ["{rec}"],
    "not found": ["--deny", "ptrace", "/nowhere/prog"],
    "both ways": ["--deny", "ptrace", "{rec}"],
    "Python's search path moved": ["--deny", "ptrace", "{rec}"],
}


@pytest.mark.parametrize("case", HANDED)
def test_every_other_case_is_the_python_cli_s(kit, rec, as_nobody, case):
    args = [a.format(rec=rec, static=kit.hello_static) for a in HANDED[case]]
    env = {"both ways": {"SECCOMP_SYSCALL_DENY": "personality"},
           "Python's search path moved": {"PYTHONPLATLIBDIR": "lib"}}.get(case, {})
    alone = cli(kit, "alone", args, env, as_nobody)
    assert alone.returncode == 126 and b"cannot run the Python CLI" in alone.stderr
    front, py = (cli(kit, w, args, env, as_nobody) for w in ("front", "python"))
    assert (front.returncode, front.stdout, front.stderr) == (py.returncode, py.stdout,
                                                              py.stderr)
    if " in the #! line" in case:  # the kernel would run 'record\r': not the file inspected
        assert py.returncode == 125 and b"control character" in py.stderr


def test_other_commands_are_handed_over(kit, as_nobody):
    kit.installed()
    front, py = (cli(kit, w, [], {}, as_nobody) for w in ("front", "python"))
    assert front.returncode == py.returncode == 2  # usage: no program
    for args in (["libpath"], ["vows"], ["--help"]):
        argv, env = command(kit.pysandbox(as_nobody) + args, clean_env(), as_nobody)
        front = subprocess.run(argv, env=env, capture_output=True, timeout=60)
        argv, env = command(kit.pysandbox_py(as_nobody) + args, clean_env(), as_nobody)
        py = subprocess.run(argv, env=env, capture_output=True, timeout=60)
        assert (front.returncode, front.stdout, front.stderr) == (0, py.stdout, py.stderr)


def test_a_library_others_may_write_is_never_preloaded(kit, rec, tmp_path):
    """An installation whose package directory another user may write: the
    front door does not preload its library (it takes the editable build's,
    or hands over)."""
    site = tmp_path / ("lib/python%d.%d/site-packages" % sys.version_info[:2])
    shutil.copytree(os.path.join(kit.installed(), "pysandbox"), site / "pysandbox")
    (tmp_path / "bin").mkdir()
    shutil.copy2(kit.file("alone/pysandbox"), tmp_path / "bin")
    os.chmod(tmp_path, 0o755)
    os.chmod(site / "pysandbox", 0o777)
    r = subprocess.run([str(tmp_path / "bin" / "pysandbox"), "run", "--deny", "ptrace", rec],
                       env=clean_env(), capture_output=True, timeout=60)
    assert str(site).encode() not in r.stdout
    assert r.returncode == 126 or r.stdout.count(b"LD_PRELOAD=") == 1
    os.chmod(site / "pysandbox", 0o755)  # the same, trusted: taken
    r = subprocess.run([str(tmp_path / "bin" / "pysandbox"), "run", "--deny", "ptrace", rec],
                       env=clean_env(), capture_output=True, timeout=60)
    assert (r.returncode, r.stderr) == (0, b"")
    assert b"LD_PRELOAD=" + str(site / "pysandbox" / "libsandbox.so").encode() in r.stdout


ODD_ENVIRONMENTS = {
    "an entry without '='": [b"JUSTANAME", b"PATH=/usr/bin:/bin"],
    "a repeated name": [b"PATH=/usr/bin:/bin", b"PATH=/nowhere", b"A=1", b"A=2"],
    "repeated variables of ours": [b"SECCOMP_SYSCALL_DENY=ptrace", b"SECCOMP_SYSCALL_DENY=x",
                                   b"LD_PRELOAD=libc.so.6", b"LD_PRELOAD=libm.so.6"],
}


@pytest.mark.parametrize("case", ODD_ENVIRONMENTS)
@pytest.mark.parametrize("isolated", [False, True])
def test_an_environment_no_mapping_holds_is_passed_as_the_python_cli_passes_it(
        kit, rec, launch, as_nobody, case, isolated):
    """Through tests/progs/launch.c, the exact environment block: both doors
    hand it on alike (the first of a repeated variable of ours wins, as
    getenv; every other entry kept as it was, in order)."""
    entries = ODD_ENVIRONMENTS[case] + ([b"SANDBOX_BWRAP=" + rec.encode()] if isolated else [])
    args = ["--deny", "personality"] + (["--isolate=uts"] if isolated else []) + [rec, "x"]
    if case == "repeated variables of ours":
        args = args[2:]
    out = {}
    for which in ("alone", "python"):
        exe = kit.file("alone/pysandbox" if which == "alone" else "bin/pysandbox-py")
        argv, env = command([launch, exe, "run", *args, "@@", *entries], clean_env(), as_nobody)
        out[which] = subprocess.run(argv, env=env, capture_output=True, timeout=60, cwd="/")
    assert (out["alone"].returncode, out["alone"].stderr) == (0, b""), out["alone"].stderr
    assert out["alone"].stdout == out["python"].stdout
    if not isolated and case == "an entry without '='":
        assert b"\n\nJUSTANAME\0" in out["alone"].stdout  # the first entry, as it was


@pytest.mark.parametrize("name", ["k$PLATFORM", "k$ORIGIN", "a dir"])
def test_a_library_path_the_loader_would_not_preload_as_given_is_handed_over(kit, rec,
                                                                             tmp_path, name):
    """LD_PRELOAD splits at ':' and blanks and expands $ORIGIN, $LIB and
    $PLATFORM: from such an installation the loader would skip the library
    (and say so) and run the program unconfined. The front door hands over
    (the Python CLI refuses; here, alone, status 126)."""
    top = tmp_path / name
    site = top / ("lib/python%d.%d/site-packages" % sys.version_info[:2])
    shutil.copytree(os.path.join(kit.installed(), "pysandbox"), site / "pysandbox")
    (top / "alone").mkdir()
    shutil.copy2(kit.file("alone/pysandbox"), top / "alone")
    r = subprocess.run([str(top / "alone" / "pysandbox"), "run", "--deny", "ptrace", rec],
                       env=clean_env(), capture_output=True, timeout=60)
    assert (r.returncode, r.stdout) == (126, b""), r.stderr


def test_a_policy_is_never_dropped_for_want_of_memory(kit, rec, as_nobody):
    """Settings long enough to fill the front door's arena: it hands over
    (here, alone, status 126) rather than exec what it decided in part (a
    SANDBOX_NET of `none` once went missing so)."""
    env = {"SANDBOX_ISOLATE": "pid" + ":pid" * 32700,
           "SANDBOX_NET": "none" + ":loopback" * 13800, "SANDBOX_BWRAP": rec}
    r = cli(kit, "alone", [rec], env, as_nobody)
    assert r.returncode == 126 or b"SANDBOX_NET\0none\0" in r.stdout, r.stdout[:200]


def test_a_library_reached_through_a_link_is_bound_where_it_lies(kit, rec, as_nobody):
    """An installation outside /tmp whose lib/ is a link into /tmp: the
    library bwrap must bind is the file the link leads to (bound by its own
    name, it would be hidden by the private /tmp and the loader would run
    the program without it)."""
    top = tempfile.mkdtemp(prefix="pysandbox-link-", dir="/var/tmp")
    try:
        os.chmod(top, 0o755)
        os.symlink(kit.file("lib"), os.path.join(top, "lib"))
        os.mkdir(os.path.join(top, "alone"))
        shutil.copy2(kit.file("alone/pysandbox"), os.path.join(top, "alone"))
        argv, env = command([os.path.join(top, "alone", "pysandbox"), "run", "--isolate=uts",
                             "--deny", "ptrace", rec], clean_env(SANDBOX_BWRAP=rec), as_nobody)
        r = subprocess.run(argv, env=env, capture_output=True, timeout=60, cwd="/")
    finally:
        shutil.rmtree(top)
    assert (r.returncode, r.stderr) == (0, b""), r.stderr
    real = os.path.realpath(os.path.join(kit.installed(), "pysandbox", "libsandbox.so"))
    assert (b"\0--ro-bind\0%s\0%s\0" % (real.encode(), real.encode())) in r.stdout
    assert (b"\0--setenv\0LD_PRELOAD\0%s\0" % real.encode()) in r.stdout


FLAG_POOL = ["--deny", "ptrace", "--deny=personality", "--allow", "@default", "--deny=",
             "--fs-exec", "@base", "--fs-read=/proc", "--fs-write", "/tmp", "--net", "udp",
             "--net=loopback", "--net-connect", "80", "--isolate", "uts", "--isolate=net:pid",
             "--isolate=", "--caps", "none", "--limits", "nofile=64", "--vows", "stdio rpath",
             "--scope", "none", "--default", "errno", "--verbose", "--strict", "--den", "--",
             "-x", "--io-uring", "allow", "--exec-deny", "git push", "--best-effort"]
ENV_POOL = [("SECCOMP_SYSCALL_DENY", "ptrace"), ("SECCOMP_SYSCALL_DENY", "personality"),
            ("SANDBOX_ISOLATE", "ipc"), ("SANDBOX_NET", "loopback:udp"),
            ("LD_PRELOAD", "libc.so.6"), ("SECCOMP_SYSCAL_DENY", "x"),
            ("SANDBOX_FS_READ", "/proc"), ("SECCOMP_VERBOSE", "0")]


@given(flags=st.lists(st.sampled_from(FLAG_POOL), max_size=7),
       env=st.lists(st.sampled_from(ENV_POOL), max_size=3, unique_by=lambda kv: kv[0]),
       prog=st.sampled_from(["{rec}", "{rec}.sh", "record", "{static}"]))
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_mix_of_flags_and_variables_decides_as_the_python_cli(kit, rec, flags, env, prog):
    """Random mixes, as root: where the front door alone runs a case, the
    Python CLI execs the same; where it hands over, the installed command
    answers as the Python CLI (status, stdout, stderr)."""
    args = flags + [prog.format(rec=rec, static=kit.hello_static), "x"]
    env = dict(env, SANDBOX_BWRAP=rec, PATH=kit.path + ":/usr/bin:/bin")
    alone = cli(kit, "alone", args, env, False, cwd=kit.path)
    py = cli(kit, "python", args, env, False, cwd=kit.path)
    if alone.returncode == 126 and b"cannot run the Python CLI" in alone.stderr:
        alone = cli(kit, "front", args, env, False, cwd=kit.path)
    assert (alone.returncode, alone.stdout, alone.stderr) == (py.returncode, py.stdout,
                                                              py.stderr)
