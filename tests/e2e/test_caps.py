"""SANDBOX_CAPS end to end (issue 16): the capability sets of a program and of
what it execs later, through libsandbox.so (a dynamic tests/privs/privs.c,
bash, dash, python3) and sandboxify (a static privs), as root, as uid 65534
without capabilities and as uid 65534 holding ambient ones; a file-capability
program made with setcap gains nothing; what cannot be done is refused."""
import json
import os
import subprocess
import sys

import pytest

from pysandbox import _native
from support.privs import FRONTS, Front, cap_bits, need_setcap, own_caps, report
from support.proc import PROGS, PY, build_c, clean_env, run

SETS = ("CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd")
# uid 65534 holding CAP_NET_RAW and CAP_KILL as ambient capabilities (as a
# systemd AmbientCapabilities= service does); its bounding set left full
AMBIENT = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           "--inh-caps=-all,+net_raw,+kill", "--ambient-caps=+net_raw,+kill"]
PLAIN_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]


def need_root():
    if os.geteuid() != 0:
        pytest.skip("needs root")


def sets(run_):
    return {k: run_[k] for k in SETS}


@pytest.mark.parametrize("front", FRONTS)
def test_none_drops_every_set(kit, privs, front, as_nobody):
    """The program and a program it execs later hold nothing, root too
    (whose execve would otherwise regain the bounding set)."""
    if not as_nobody:
        assert own_caps()["CapEff"] and own_caps()["CapBnd"]  # something to drop
    box = Front(kit, privs, front, as_nobody)
    r, runs = box.privs(privs["dynamic"], SANDBOX_CAPS="none")
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    for run_ in runs:
        assert sets(run_) == dict.fromkeys(SETS, 0)
        assert run_["NoNewPrivs"] == 1


@pytest.mark.parametrize("argv", [
    ["/bin/bash", "-c", "grep ^Cap /proc/self/status; exec cat /proc/self/status"],
    ["/usr/bin/dash", "-c", "cat /proc/self/status; cat /proc/self/status"],
    [PY, "-c", "import subprocess; print(open('/proc/self/status').read(), flush=True); "
     "subprocess.run(['cat', '/proc/self/status'])"],
], ids=["bash", "dash", "python3"])
def test_kept_caps_in_real_programs_and_their_children(kit, privs, argv):
    """Root keeps exactly the named ones, in every set, and so do its children."""
    need_root()
    keep = cap_bits("CAP_NET_RAW", "CAP_KILL")
    r = Front(kit, privs, "preload").run(argv, SANDBOX_CAPS="CAP_NET_RAW,kill")
    runs = report(r.stdout)
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert [sets(x) for x in runs] == [dict.fromkeys(SETS, keep)] * 2


@pytest.mark.parametrize("front", FRONTS)
def test_root_keeps_the_named_ones_after_execve(kit, privs, front):
    need_root()
    keep = cap_bits("CAP_NET_RAW", "CAP_KILL")
    r, runs = Front(kit, privs, front).privs(privs["dynamic"], SANDBOX_CAPS="cap_net_raw:KILL")
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert [sets(x) for x in runs] == [dict.fromkeys(SETS, keep)] * 2


@pytest.mark.parametrize("front", FRONTS)
def test_ambient_caps_of_an_ordinary_user(kit, privs, front):
    """uid 65534 with ambient capabilities: the kept one stays in the
    ambient set, so a program it execs keeps it; none drops them all. Its
    bounding set cannot change without CAP_SETPCAP (no_new_privs stops every
    gain instead) and is left as it was."""
    need_root()
    full = own_caps()["CapBnd"]
    box = Front(kit, privs, front, setpriv=AMBIENT)
    r, runs = box.privs(privs["dynamic"], SECCOMP_SYSCALL_DENY="ptrace")  # no SANDBOX_CAPS
    both = cap_bits("CAP_NET_RAW", "CAP_KILL")
    assert r.returncode == 0 and sets(runs[1]) == dict(
        CapEff=both, CapPrm=both, CapInh=both, CapAmb=both, CapBnd=full), r.stderr
    raw = cap_bits("CAP_NET_RAW")
    r, runs = box.privs(privs["dynamic"], SANDBOX_CAPS="CAP_NET_RAW")
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert [sets(x) for x in runs] == [dict(CapEff=raw, CapPrm=raw, CapInh=raw, CapAmb=raw,
                                            CapBnd=full)] * 2
    r, runs = box.privs(privs["dynamic"], SANDBOX_CAPS="none")
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert [sets(x) for x in runs] == [dict(dict.fromkeys(SETS, 0), CapBnd=full)] * 2


@pytest.fixture(scope="module")
def capcat(kit):
    """Copies of cat with CAP_NET_RAW as file capabilities: "ep" (effective:
    a legacy program the kernel refuses to start short of it) and "p"."""
    need_setcap()
    out = {}
    for flags in ("ep", "p"):
        path = kit.copy("/bin/cat", "capcat-" + flags)
        r = subprocess.run(["setcap", "cap_net_raw+" + flags, path], capture_output=True,
                           text=True)
        if r.returncode != 0:
            pytest.skip("setcap refused here (file system without security.capability "
                        "extended attributes?): " + r.stderr.strip())
        out[flags] = path
    return out


@pytest.mark.parametrize("front", FRONTS)
def test_file_capability_program_gains_nothing(kit, privs, capcat, front):
    """Without a sandbox uid 65534 gains CAP_NET_RAW by exec'ing capcat; under
    SANDBOX_CAPS=none it gains nothing, as root and as uid 65534. Root's
    bounding set is empty then, and the kernel refuses to start the "+ep"
    program (it would lack a capability it is marked to need: EPERM)."""
    raw = cap_bits("CAP_NET_RAW")
    base = subprocess.run(PLAIN_NOBODY + [capcat["ep"], "/proc/self/status"],
                          capture_output=True, text=True, env=clean_env())
    assert report(base.stdout)[0]["CapPrm"] == raw, base.stderr  # the gain, unsandboxed
    box = Front(kit, privs, front, setpriv=PLAIN_NOBODY)
    for flags in ("ep", "p"):
        r, runs = box.privs(capcat[flags], "/proc/self/status", SANDBOX_CAPS="none")
        assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
        assert runs[1]["CapPrm"] == runs[1]["CapEff"] == 0
    root = Front(kit, privs, front)
    r, runs = root.privs(capcat["p"], "/proc/self/status", SANDBOX_CAPS="none")
    assert (r.returncode, r.stderr, len(runs)) == (0, "", 2)
    assert sets(runs[1]) == dict.fromkeys(SETS, 0)
    r, runs = root.privs(capcat["ep"], "/proc/self/status", SANDBOX_CAPS="none")
    assert (r.returncode, r.stderr, len(runs)) == (127, "execv: Operation not permitted\n", 1)
    r, runs = root.privs(capcat["ep"], "/proc/self/status", SANDBOX_CAPS="CAP_NET_RAW")
    assert (r.returncode, len(runs)) == (0, 2) and runs[1]["CapPrm"] == raw, r.stderr


@pytest.mark.parametrize("front", FRONTS)
def test_a_capability_not_held_is_refused(kit, privs, front, as_nobody):
    if as_nobody:
        Front(kit, privs, front, as_nobody).assert_refused(
            "SANDBOX_CAPS: not held by this process 'CAP_KILL' (item 1)",
            SANDBOX_CAPS="kill:CAP_NET_RAW")
        return
    # root without CAP_NET_RAW in its permitted set (lost at an execve
    # without it in the bounding set)
    outside = Front(kit, privs, front, setpriv=["setpriv", "--bounding-set=-net_raw"])
    outside.assert_refused("SANDBOX_CAPS: not held by this process 'CAP_NET_RAW' (item 2)",
                           SANDBOX_CAPS="kill:CAP_NET_RAW")


def test_a_capability_outside_the_bounding_set_is_refused():
    """Permitted, but out of the bounding set: it could not be made inheritable
    (nor ambient). Through the cffi module's enter, in a child interpreter."""
    need_root()
    code = ("import ctypes, sys; from pysandbox import _native; from pysandbox.errors import "
            "PolicyError\n"
            "assert ctypes.CDLL(None).prctl(24, %d) == 0  # PR_CAPBSET_DROP\n"
            "try:\n    _native.enter(_native.load({'SANDBOX_CAPS': 'kill:net_raw'}))\n"
            "except PolicyError as e:\n    sys.exit(str(e))\n" % _native.cap_lookup("CAP_NET_RAW"))
    r = run([sys.executable, "-c", code], clean_env())
    assert (r.returncode, r.stderr) == (
        1, "SANDBOX_CAPS: not in this process's bounding set 'CAP_NET_RAW' (item 2)\n")


def test_threads_started_before_are_refused(kit):
    """capset(2) changes one thread: a process that runs several when the
    sandbox starts is refused, not half-dropped."""
    prog = build_c(os.path.join(PROGS, "threadctor.c"), kit.file("threadctor-caps"), "-pthread")
    r = run([prog, "/etc/hostname"], clean_env(LD_PRELOAD=kit.lib, SANDBOX_CAPS="none"))
    assert (r.returncode, r.stdout, r.stderr) == (
        125, "", "libsandbox: SANDBOX_CAPS: cannot drop the capabilities of a process that "
        "already runs 2 threads (capset(2) changes one)\n")


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("value, line", [
    ("", "SANDBOX_CAPS: is empty: expected none or capability names"),
    ("bogus", "SANDBOX_CAPS: unknown capability 'bogus' (item 1)"),
    ("kill:CAP_", "SANDBOX_CAPS: unknown capability 'CAP_' (item 2)"),
    ("kill::net_raw", "SANDBOX_CAPS: empty item '' (item 2)"),
    ("kill,none", "SANDBOX_CAPS: cannot be combined with other values 'none' (item 2)"),
    ("CAP_NET_RAW ", "SANDBOX_CAPS: unknown capability 'CAP_NET_RAW ' (item 1)"),
])
def test_bad_values(kit, privs, front, value, line):
    Front(kit, privs, front).assert_refused(line, SANDBOX_CAPS=value)


@pytest.mark.parametrize("front", FRONTS)
def test_misspelt_variable(kit, privs, front):
    Front(kit, privs, front).assert_refused("SANDBOX_CAPS_KEEP: unknown variable",
                                            SANDBOX_CAPS_KEEP="none")


@pytest.mark.parametrize("front", FRONTS)
def test_verbose_and_scrubbed(kit, privs, front):
    box = Front(kit, privs, front)
    r = box.run(["/usr/bin/env"], SANDBOX_CAPS="net_raw,kill", SECCOMP_VERBOSE="1")
    assert (r.returncode, r.stderr) == (
        0, "dropping every capability of the process but CAP_KILL CAP_NET_RAW\n")
    assert "SANDBOX_CAPS" not in r.stdout and "SECCOMP_VERBOSE" not in r.stdout


@pytest.mark.parametrize("front", FRONTS)
def test_with_the_other_layers(kit, privs, front, as_nobody):
    """Capabilities dropped, then no_new_privs, Landlock and the filter as before."""
    box = Front(kit, privs, front, as_nobody)
    r, runs = box.privs(SANDBOX_CAPS="none", SANDBOX_FS_EXEC="/", SECCOMP_SYSCALL_DENY="ptrace")
    assert (r.returncode, r.stderr) == (0, "")
    assert sets(runs[0]) == dict.fromkeys(SETS, 0)


def test_features_reports_the_sets_held(kit):
    """`pysandbox features`: its own sets, here and with SANDBOX_CAPS applied to it."""
    need_root()
    r = run(kit.pysandbox() + ["features", "--json"],
            clean_env(LD_PRELOAD=kit.lib, SANDBOX_CAPS="CAP_KILL,CAP_SETPCAP"))
    assert (r.returncode, r.stderr) == (0, "")
    want = ["CAP_KILL", "CAP_SETPCAP"]
    assert json.loads(r.stdout)["capabilities"] == dict(
        effective=want, permitted=want, inheritable=want, bounding=want, ambient=want)
    r = run(kit.pysandbox() + ["features"], clean_env(LD_PRELOAD=kit.lib, SANDBOX_CAPS="none"))
    rows = r.stdout.splitlines()[1:4]
    assert rows == ["capabilities              effective, permitted: none",
                    "capabilities passed on    inheritable: none; ambient: none",
                    "capability bounding set   none"]
    r = run(kit.pysandbox() + ["features", "--json"], clean_env(), False)
    held = json.loads(r.stdout)["capabilities"]
    mine = own_caps()
    names = _native.cap_names()
    for key, field in (("effective", "CapEff"), ("bounding", "CapBnd")):
        assert held[key] == [n for i, n in enumerate(names) if mine[field] >> i & 1]


def test_profile_decided_for_the_kept_caps(kit, privs):
    """Docker's profile opens unshare, mount and setns only to CAP_SYS_ADMIN:
    under SANDBOX_CAPS=none root no longer holds it, so the profile's answer
    is the one for a process without it (EPERM), not the one for root."""
    need_root()
    from support.oci import DOCKER

    code = ("import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); "
            "r = libc.unshare(0x10000000); print(r, ctypes.get_errno())")
    base = Front(kit, privs, "preload")
    r = base.run([PY, "-c", code], SECCOMP_PROFILE=DOCKER)
    assert (r.returncode, r.stdout.split()) == (0, ["0", "0"])  # root: unshare allowed
    r = base.run([PY, "-c", code], SECCOMP_PROFILE=DOCKER, SANDBOX_CAPS="none")
    assert (r.returncode, r.stdout.split()) == (0, ["-1", str(__import__("errno").EPERM)])


def test_caps_step_always_sets_no_new_privs():
    """_native.enter with the capability step alone still sets no_new_privs:
    without CAP_SETPCAP the bounding set stays full and only no_new_privs
    stops a set-id execve from gaining back what was dropped."""
    code = ("from pysandbox import _native as n; "
            "n.enter(n.load({'SANDBOX_CAPS': 'none'}), n.ENTER_CAPS); "
            "print([l for l in open('/proc/self/status') if l.startswith('NoNewPrivs')][0])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (r.returncode, r.stdout.split()) == (0, ["NoNewPrivs:", "1"]), r.stderr
