"""Fixtures and hooks only; the helpers the test modules share are in tests/support/.

tests/unit/          the compiler through the cffi module, run in pysandbox.bpf's interpreter
tests/differential/  the same policies and profiles built by libseccomp must decide alike
tests/e2e/           the commands, and real processes under real filters (root and uid 65534)
tests/progs/         the C and assembler programs those run

Module names are unique across the folders (pytest imports each by its base name).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

# A shell without job control starts `pytest &` with SIGINT and SIGQUIT
# ignored, and every program the tests start would inherit that: the tests
# that end a program with ^C's signal would wait for ever. Python's own SIGINT
# handler (reset to the default across exec) and SIGQUIT's default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
if signal.getsignal(signal.SIGQUIT) == signal.SIG_IGN:
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for `import support`
pytest.register_assert_rewrite("support")

from support.kit import Kit  # noqa: E402
from support.proc import PROGS, ROOT, build_c  # noqa: E402


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


@pytest.fixture(scope="session")
def launch(kit):
    """tests/progs/launch.c: exec a program with signals blocked or ignored, fds
    closed, or an exact environment (repeated names, entries without '=')."""
    return build_c(os.path.join(PROGS, "launch.c"), kit.file("launch"))


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


@pytest.fixture(scope="session")
def privs(kit):
    """tests/progs/privs.c, {"dynamic": path, "static": path} (support/privs.py)."""
    from support.privs import privs_progs

    return privs_progs(kit)
