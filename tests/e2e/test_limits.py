"""SANDBOX_LIMITS end to end (issue 16): each resource limit observed by the
program and by a program it execs (tests/privs/privs.c, dynamic through
libsandbox.so, static through sandboxify), as root and as uid 65534; what
the limits stop (files, file size, address space, processes, CPU time) in a
real python3 and dd; a hard limit raised without CAP_SYS_RESOURCE and bad
values refused with one line, status 125."""
import os
import shutil
import signal
import tempfile

import pytest

from support.privs import FRONTS, Front, cap_bits, own_caps
from support.proc import NOBODY, PY

# every limit, each below the hard limit the test users start with
EVERY = "as=4G:core=0:cpu=100/200:data=3G:fsize=1G,memlock=64K:nofile=64:nproc=500:stack=4M/8M"
OBSERVED = {"as": (4 << 30,) * 2, "core": (0, 0), "cpu": (100, 200), "data": (3 << 30,) * 2,
            "fsize": (1 << 30,) * 2, "memlock": (64 << 10,) * 2, "nofile": (64, 64),
            "nproc": (500, 500), "stack": (4 << 20, 8 << 20)}


@pytest.mark.parametrize("front", FRONTS)
def test_every_limit_is_observed_by_the_program_and_its_children(kit, privs, front, as_nobody):
    box = Front(kit, privs, front, as_nobody)
    r, runs = box.privs(privs["dynamic"], SANDBOX_LIMITS=EVERY)
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert [x["limits"] for x in runs] == [OBSERVED] * 2
    assert runs[1]["NoNewPrivs"] == 1


@pytest.mark.parametrize("front", FRONTS)
def test_unlimited(kit, privs, front):
    r, runs = Front(kit, privs, front).privs(SANDBOX_LIMITS="core=unlimited:cpu=1/unlimited")
    assert (r.returncode, r.stderr) == (0, "")
    assert (runs[0]["limits"]["core"], runs[0]["limits"]["cpu"]) == ((None, None), (1, None))


COUNT_FILES = "import os\nn = 0\ntry:\n    while True:\n" \
    "        os.open('/dev/null', os.O_RDONLY)\n        n += 1\n" \
    "except OSError as e:\n    print(n, e.strerror)\n"
MAP_2G = "try:\n    bytearray(2 << 30)\nexcept MemoryError:\n    print('MemoryError')\n"
FORK = "import os\ntry:\n    pid = os.fork()\nexcept OSError as e:\n    print(e.strerror)\n" \
    "else:\n    pid or os._exit(0)\n    os.waitpid(pid, 0)\n    print('forked')\n"


@pytest.mark.parametrize("front", FRONTS)
def test_nofile_bounds_open_files(kit, privs, front, as_nobody):
    r = Front(kit, privs, front, as_nobody).run([PY, "-S", "-c", COUNT_FILES],
                                                SANDBOX_LIMITS="nofile=16")
    assert (r.returncode, r.stderr) == (0, "")
    n, why = r.stdout.split(" ", 1)
    assert int(n) < 16 and why == "Too many open files\n"


@pytest.mark.parametrize("front", FRONTS)
def test_as_bounds_the_address_space(kit, privs, front, as_nobody):
    r = Front(kit, privs, front, as_nobody).run([PY, "-S", "-c", MAP_2G],
                                                SANDBOX_LIMITS="as=1G")
    assert (r.returncode, r.stdout, r.stderr) == (0, "MemoryError\n", "")


@pytest.mark.parametrize("front", FRONTS)
def test_fsize_bounds_a_write(kit, privs, front, as_nobody):
    """dd past the limit writes up to it, then dies of SIGXFSZ (the default action)."""
    tmp = tempfile.mkdtemp(prefix="pysandbox-fsize-")
    os.chmod(tmp, 0o777)
    try:
        out = os.path.join(tmp, "out")
        r = Front(kit, privs, front, as_nobody).run(
            ["/bin/dd", "if=/dev/zero", "of=" + out, "bs=4096", "count=2"],
            SANDBOX_LIMITS="fsize=5K")
        assert r.returncode == -signal.SIGXFSZ, r.stderr
        assert os.path.getsize(out) == 5120  # a short write up to the limit, then the signal
    finally:
        shutil.rmtree(tmp)


@pytest.mark.parametrize("front", FRONTS)
def test_nproc_bounds_an_ordinary_user_but_not_root(kit, privs, front, as_nobody):
    """RLIMIT_NPROC counts the processes of the real uid, and the kernel never
    applies it to uid 0: not even to one without any capability."""
    r = Front(kit, privs, front, as_nobody).run([PY, "-S", "-c", FORK], SANDBOX_LIMITS="nproc=1",
                                                SANDBOX_CAPS="none")
    want = "Resource temporarily unavailable\n" if as_nobody else "forked\n"
    assert (r.returncode, r.stdout, r.stderr) == (0, want, "")


def test_cpu_bounds_cpu_seconds(kit, privs):
    """At the soft limit SIGXCPU (each second; at the hard one SIGKILL)."""
    r = Front(kit, privs, "preload").run([PY, "-S", "-c", "while True: pass"],
                                         SANDBOX_LIMITS="cpu=1/2")
    assert r.returncode == -signal.SIGXCPU, r.stderr


def resource_capable(as_nobody):
    return not as_nobody and own_caps()["CapEff"] & cap_bits("CAP_SYS_RESOURCE")


@pytest.mark.parametrize("front", FRONTS)
def test_a_hard_limit_is_raised_only_with_cap_sys_resource(kit, privs, front, as_nobody):
    """Started with nofile 32 (soft) 64 (hard): up to 64 is anyone's; above
    it needs CAP_SYS_RESOURCE, refused with one line before anything changed."""
    user = NOBODY if as_nobody else ["setpriv"]
    box = Front(kit, privs, front, setpriv=["prlimit", "--nofile=32:64"] + user)
    r, runs = box.privs(SANDBOX_LIMITS="nofile=64")
    assert (r.returncode, r.stderr, runs[0]["limits"]["nofile"]) == (0, "", (64, 64))
    for value in ("nofile=128", "nofile=32/128"):
        r, runs = box.privs(SANDBOX_LIMITS="core=0:" + value)
        if resource_capable(as_nobody):
            assert (r.returncode, r.stderr) == (0, "")
            continue
        box.assert_refused("SANDBOX_LIMITS: above this process's hard limit 64 (raising it "
                           "needs CAP_SYS_RESOURCE) '%s' (item 2)" % value,
                           SANDBOX_LIMITS="core=0:" + value)


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("value, line", [
    ("", "is empty: expected NAME=VALUE items"),
    ("core=0:as=1Q", "expected a number (K, M, G, T) or unlimited, not 'as=1Q' (item 2)"),
    ("nofile=5,nofile=6", "set twice 'nofile' (item 2)"),
])
def test_bad_values(kit, privs, front, value, line):
    """One line, status 125, nothing run (every other value: test_privs_config.py)."""
    Front(kit, privs, front).assert_refused("SANDBOX_LIMITS: " + line, SANDBOX_LIMITS=value)


@pytest.mark.parametrize("front", FRONTS)
def test_verbose_in_the_order_applied(kit, privs, front):
    """Limits, then capabilities (sb_enter's order), then the other layers."""
    r = Front(kit, privs, front).run(
        ["/bin/true"], SANDBOX_LIMITS="nofile=64:as=1G:cpu=5/unlimited", SANDBOX_CAPS="none",
        SECCOMP_VERBOSE="1", SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stderr) == (0, "".join(line + "\n" for line in [
        "setting the process's resource limit nofile=64",
        "setting the process's resource limit as=1073741824",
        "setting the process's resource limit cpu=5/unlimited",
        "dropping every capability of the process",
        "adding ptrace to the process seccomp filter"]))


@pytest.mark.parametrize("front", FRONTS)
def test_the_kernel_refuses_nofile_above_nr_open(kit, privs, front):
    """Past the check (the process may raise its hard limit), the kernel still
    refuses nofile above fs.nr_open: the step's own line."""
    if not resource_capable(False):
        pytest.skip("needs CAP_SYS_RESOURCE in the effective set")
    with open("/proc/sys/fs/nr_open") as f:
        value = int(f.read()) + 1
    Front(kit, privs, front).assert_refused(
        "SANDBOX_LIMITS: cannot set nofile=%d (item 1): Operation not permitted" % value,
        SANDBOX_LIMITS="nofile=%d" % value)
