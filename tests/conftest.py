"""Shared fixtures: built programs, a world-readable kit for uid 65534, runners.

The checkout may live in a directory other users cannot enter (CI clones into
a 0700 temp dir), so everything an ordinary user executes is copied into a
world-readable temp dir first.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

import pysandbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
PROGS = os.path.join(ROOT, "tests", "progs")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
          "--bounding-set=-all"]
SIGSYS_STATUS = -signal.SIGSYS  # subprocess reports death by signal as -N


def build_c(src, out, *flags):
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", out, src, *flags], check=True)
    return out


class Kit:
    """Copies of what tests execute, readable and executable by everyone."""

    def __init__(self, path):
        self.path = path
        self.lib = self.copy(pysandbox.libpath())
        self.hello = self.copy(os.path.join(ROOT, "helloworld", "helloworld"))
        self.hello_static = self.copy(os.path.join(ROOT, "helloworld", "helloworld-static"))
        self.probe = build_c(os.path.join(PROGS, "probe.c"), self.file("probe"))

    def sandboxify(self, as_nobody=False):
        """argv prefix that runs sandboxify; for uid 65534 a copy of the
        package in the kit, run by a system interpreter it can reach."""
        return self._script("sandboxify", as_nobody)

    def pysandbox(self, as_nobody=False):
        """argv prefix that runs the `pysandbox` command, as sandboxify()."""
        return self._script("pysandbox", as_nobody)

    def _script(self, name, as_nobody):
        if not as_nobody:
            return [os.path.join(os.path.dirname(sys.executable), name)]
        if not os.path.exists(self.file("site")):
            self._python_kit()
        return [self.file("bin/" + name)]

    def _python_kit(self):
        import _cffi_backend

        want = "python%d.%d" % sys.version_info[:2]
        python = next((p for p in ("/usr/bin/" + want, "/usr/local/bin/" + want)
                       if os.access(p, os.X_OK)), None)
        if python is None:
            pytest.fail("uid 65534 needs a %s it can read (apt-get install python3)" % want)
        site = self.file("site")
        shutil.copytree(os.path.dirname(pysandbox.__file__), os.path.join(site, "pysandbox"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(_cffi_backend.__file__, site)
        os.makedirs(self.file("bin"), exist_ok=True)
        with open(os.path.join(ROOT, "bin", "sandboxify")) as f:  # the launcher itself
            launcher = f.read().split("\n", 1)[1].replace(
                "\nfrom pysandbox", "\nsys.path.insert(0, %r)\nfrom pysandbox" % site, 1)
        scripts = {"sandboxify": launcher, "pysandbox": "import sys\nsys.path.insert(0, %r)\n"
                   "from pysandbox.cli import main\nsys.exit(main())\n" % site}
        for name, text in scripts.items():
            with open(self.file("bin/" + name), "w") as f:
                f.write("#!%s -I\n%s" % (python, text))
        for top in (site, self.file("bin")):
            os.chmod(top, 0o755)
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    os.chmod(os.path.join(root, name), 0o755)

    def file(self, name):
        return os.path.join(self.path, name)

    def copy(self, src, name=None):
        dst = self.file(name or os.path.basename(src))
        shutil.copy2(src, dst)
        os.chmod(dst, 0o755)
        return dst


@pytest.fixture(scope="session")
def kit():
    for prog in ("helloworld", "helloworld-static"):
        if not os.path.exists(os.path.join(ROOT, "helloworld", prog)):
            subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "helloworld")], check=True)
    path = tempfile.mkdtemp(prefix="pysandbox-kit-")
    os.chmod(path, 0o755)
    try:
        yield Kit(path)
    finally:
        shutil.rmtree(path)


def clean_env(**extra):
    """The test process's environment without any SECCOMP_* or LD_PRELOAD."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SECCOMP_") and k != "LD_PRELOAD"}
    env.update(extra)
    return env


def command(argv, env, as_nobody=False):
    """(argv, env) that run ARGV with ENV (str or bytes), as uid 65534 if AS_NOBODY.

    ENV reaches ARGV only: setpriv itself must not load LD_PRELOAD or see a
    policy, so `env -i` hands it over after the privilege change."""
    if as_nobody:
        argv = NOBODY + ["--", "/usr/bin/env", "-i"] + \
            [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in env.items()] + list(argv)
        env = clean_env()
    return argv, env


def run(argv, env, as_nobody=False, text=True, **kw):
    """Run ARGV (as uid 65534 if AS_NOBODY) and return the CompletedProcess."""
    argv, env = command(argv, env, as_nobody)
    return subprocess.run(argv, env=env, capture_output=True, text=text, timeout=60,
                          cwd="/", **kw)


def spawn(argv, env, as_nobody=False, **kw):
    """Start ARGV as run() does, for a test that signals it: its PID is the
    program's (setpriv and env exec it), its stdout a text pipe."""
    argv, env = command(argv, env, as_nobody)
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd="/", **kw)


@pytest.fixture(scope="session")
def launch(kit):
    """tests/progs/launch.c: exec a program with signals blocked or ignored, fds
    closed, or an exact environment (repeated names, entries without '=')."""
    return build_c(os.path.join(PROGS, "launch.c"), kit.file("launch"))


def sig_fields(text):
    """{"SigBlk": mask, "SigIgn": mask} from /proc/PID/status lines in TEXT."""
    return {k: int(v, 16) for k, v in (line.split(":\t") for line in text.splitlines()
                                       if line.startswith(("SigBlk:", "SigIgn:")))}


def bytes_env(**extra):
    """clean_env() as bytes, with EXTRA's names and bytes values added."""
    env = {os.fsencode(k): os.fsencode(v) for k, v in clean_env().items()}
    env.update((os.fsencode(k), v) for k, v in extra.items())
    return env


@pytest.fixture(scope="session")
def hello_i386(kit):
    """tests/progs/hello-i386.S, a static i386 program built with binutils only."""
    if os.uname().machine != "x86_64":
        pytest.skip("i386 programs run on x86_64 only")
    if not shutil.which("as") or not shutil.which("ld"):
        pytest.skip("no assembler and linker (apt-get install binutils)")
    obj = kit.file("hello-i386.o")
    subprocess.run(["as", "--32", "-o", obj, os.path.join(PROGS, "hello-i386.S")], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-o", kit.file("hello-i386"), obj], check=True)
    return kit.file("hello-i386")


@pytest.fixture(params=["root", "nobody"])
def as_nobody(request):
    """Run the test as root and as an ordinary user without capabilities."""
    if os.geteuid() != 0:
        if request.param == "nobody":
            return False  # already unprivileged: the root variant would repeat it
        pytest.skip("running as root needs root")
    return request.param == "nobody"


@pytest.fixture
def printk_unlimited():
    """kauditd hands seccomp records to printk under printk_ratelimit; the
    kills earlier in the suite use up its burst. Lift the limit meanwhile."""
    path = "/proc/sys/kernel/printk_ratelimit"
    if subprocess.run(["dmesg"], capture_output=True).returncode != 0:
        pytest.skip("kernel log not readable (dmesg_restrict)")
    if os.geteuid() != 0:
        pytest.skip("lifting printk_ratelimit needs root")
    old = open(path).read()
    with open(path, "w") as f:
        f.write("0")
    try:
        yield
    finally:
        with open(path, "w") as f:
            f.write(old)


def assert_userns_works(as_nobody):
    """The baseline for tests that expect a filter to stop `unshare -U`: without
    one, it must succeed here (a kernel without unprivileged user namespaces
    would make them pass for the wrong reason)."""
    r = run(["/usr/bin/unshare", "-U", "true"], clean_env(), as_nobody)
    if r.returncode != 0 and as_nobody and "Operation not permitted" in r.stderr:
        pytest.skip("kernel without unprivileged user namespaces")
    assert (r.returncode, r.stderr) == (0, "")
