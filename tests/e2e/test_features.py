"""`pysandbox features`: each probe against an independent reading of the same
fact (/proc, os.uname(), another program making the same call), as root and
as uid 65534; --json keys are stable."""
import ctypes
import errno
import json
import os

import pytest

from pysandbox import _native
from support.proc import clean_env, run

# The --json layout: every key, always present.
KEYS = {
    "abi": {"i386": {"error", "ok"}, "x32": {"error", "ok"}},
    "kernel": {"machine", "release", "version"},
    "kernel_log": {"dmesg_restrict", "error", "ok"},
    "landlock": {"abi": None, "audit": None, "error": None, "known_abi": None, "missing": None,
                 "ok": None, "rights": {"fs", "net", "scope"}},
    "audit": {"enabled", "error", "ok"},
    "capabilities": {"ambient", "bounding", "effective", "inheritable", "permitted"},
    "ptrace": {"child": {"error", "ok"}, "declared_parent": {"error", "ok"},
               "suspend_seccomp": {"error", "ok"}, "syscall_info": {"error", "ok"},
               "yama_scope": None},
    "pysandbox": {k: {"ok", "why"} for k in ("audit", "landlock", "learn", "libsandbox",
                                             "log_mode", "other_abis", "sandboxify",
                                             "isolate")},
    "seccomp": {"actions": {"allow", "errno", "kill_process", "kill_thread", "log", "trace",
                            "trap", "user_notif"},
                "actions_logged": None, "filter": {"error", "ok"},
                "get_action_avail": {"error", "ok"}, "mode": None,
                "user_notif": {"error": None, "ok": None, "sizes": {"data", "notif", "resp"}}},
    "uid": None,
    "userns": {"error", "max_user_namespaces", "ok", "unprivileged_userns_clone"},
    "bwrap": {"error", "ok", "path", "privileged", "userns_error", "version"},
}


def layout(value):
    if not isinstance(value, dict):
        return None
    if all(not isinstance(v, dict) for v in value.values()) and value:
        return set(value)
    return {k: layout(v) for k, v in value.items()}


def proc(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


@pytest.fixture(scope="module")
def reports(kit):
    """{as_nobody: parsed --json} for the users this session can be."""
    out = {}
    for nobody in ([False, True] if os.geteuid() == 0 else [False]):
        r = run(kit.pysandbox(nobody) + ["features", "--json"], clean_env(), nobody)
        assert (r.returncode, r.stderr) == (0, "")
        out[nobody] = json.loads(r.stdout)
    return out


@pytest.fixture
def report(reports, as_nobody):
    return reports[as_nobody]


def test_json_layout_is_stable(report):
    assert layout(report) == KEYS


def test_kernel_and_user(report, as_nobody):
    u = os.uname()
    assert report["kernel"] == {"release": u.release, "version": u.version, "machine": u.machine}
    assert report["uid"] == (65534 if as_nobody else os.geteuid())


def test_seccomp_actions_match_proc(report):
    avail = proc("/proc/sys/kernel/seccomp/actions_avail")
    if avail is None:
        pytest.skip("kernel without seccomp filters (no /proc/sys/kernel/seccomp)")
    sc = report["seccomp"]
    assert sc["filter"] == {"ok": True, "error": None}
    assert {a for a, ok in sc["actions"].items() if ok} == set(avail.split())
    assert sc["actions_logged"] == proc("/proc/sys/kernel/seccomp/actions_logged").split()
    assert sc["mode"] == 0  # the runner does not filter the command


def test_user_notification(report):
    notif = report["seccomp"]["user_notif"]
    if "user_notif" not in (proc("/proc/sys/kernel/seccomp/actions_avail") or ""):
        pytest.skip("kernel without SECCOMP_RET_USER_NOTIF")
    # struct seccomp_notif {u64 id; u32 pid; u32 flags; struct seccomp_data (64)}, etc.
    assert notif == {"ok": True, "error": None, "sizes": {"notif": 80, "resp": 24, "data": 64}}


def test_landlock_matches_ctypes_call(report):
    """landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) through ctypes."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    nr = _native.syscall_nr("landlock_create_ruleset")
    abi = libc.syscall(ctypes.c_long(nr), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    ll = {k: report["landlock"][k] for k in ("ok", "error", "abi")}
    if abi > 0:
        assert ll == {"ok": True, "error": None, "abi": abi}
    else:
        err = errno.errorcode[ctypes.get_errno()]
        assert ll == {"ok": False, "error": err, "abi": None}


# Landlock's rights by the ABI that brought them (Documentation/userspace-api/landlock.rst)
FS_RIGHTS = ["fs.execute", "fs.write_file", "fs.read_file", "fs.read_dir", "fs.remove_dir",
             "fs.remove_file", "fs.make_char", "fs.make_dir", "fs.make_reg", "fs.make_sock",
             "fs.make_fifo", "fs.make_block", "fs.make_sym"]
LATER = [(2, "fs.refer"), (3, "fs.truncate"), (4, "net.bind_tcp"), (4, "net.connect_tcp"),
         (5, "fs.ioctl_dev"), (6, "scope.abstract_unix_socket"), (6, "scope.signal")]


def rights_of(abi):
    names = (FS_RIGHTS if abi >= 1 else []) + [n for a, n in LATER if a <= abi]
    return {kind: [n for n in names if n.startswith(kind + ".")] for kind in ("fs", "net", "scope")}


def missing_at(abi):
    return ([{"right": n, "abi": 1} for n in sorted(FS_RIGHTS)] if abi < 1 else []) + \
        [{"right": n, "abi": a} for a, n in LATER if a > abi]


def test_landlock_rights_enforced_here(report):
    ll = report["landlock"]
    abi = min(ll["abi"] or 0, ll["known_abi"])
    assert ll["known_abi"] == 7
    assert ll["rights"] == rights_of(abi)
    assert ll["missing"] == missing_at(abi)
    assert ll["audit"] == (abi >= 7)
    assert report["pysandbox"]["landlock"]["ok"] == ll["ok"]


@pytest.mark.parametrize("abi", [-38, 1, 2, 3, 4, 5, 6, 7, 8])
def test_landlock_rights_of_each_abi(abi):
    """What an older (or newer) kernel would enforce, and what it would lack."""
    from pysandbox import features

    ll = features.landlock(abi)
    assert ll["rights"] == rights_of(min(max(abi, 0), 7))
    assert ll["missing"] == missing_at(abi)
    assert features.landlock_why(ll).startswith("SANDBOX_FS_*" if abi >= 6 else
                                                "this ABI lacks ")


def test_audit_status(report, as_nobody):
    """AUDIT_GET needs CAP_AUDIT_CONTROL: root reads it, uid 65534 is refused."""
    a = report["audit"]
    if as_nobody:
        assert a == {"ok": False, "error": "EPERM", "enabled": None}
    else:
        assert a["ok"] and a["enabled"] in (0, 1, 2)


def test_user_namespaces_match_unshare(report, as_nobody):
    ns = report["userns"]
    r = run(["unshare", "--user", "true"], clean_env(), as_nobody)
    assert ns["ok"] == (r.returncode == 0), r.stderr
    assert ns["max_user_namespaces"] == int(proc("/proc/sys/user/max_user_namespaces"))
    clone = proc("/proc/sys/kernel/unprivileged_userns_clone")
    assert ns["unprivileged_userns_clone"] == (int(clone) if clone is not None else None)


def test_ptrace(report, as_nobody):
    pt = report["ptrace"]
    scope = proc("/proc/sys/kernel/yama/ptrace_scope")
    assert pt["yama_scope"] == (int(scope) if scope is not None else None)
    if scope is None or int(scope) <= 1:
        assert pt["child"]["ok"] and pt["declared_parent"]["ok"]
    assert pt["syscall_info"]["ok"] == pt["child"]["ok"]  # Linux >= 5.3 here
    # PTRACE_O_SUSPEND_SECCOMP needs CAP_SYS_ADMIN (and CONFIG_CHECKPOINT_RESTORE)
    assert pt["suspend_seccomp"] == ({"ok": True, "error": None} if not as_nobody else
                                     {"ok": False, "error": "EPERM"})


@pytest.mark.parametrize("abi", ["i386", "x32"])
def test_other_abis_match_the_probe_program(kit, report, as_nobody, abi):
    if os.uname().machine != "x86_64":
        pytest.skip("i386 and x32 are x86_64 ABIs")
    r = run([kit.probe, "%s:getpid" % abi], clean_env(), as_nobody)
    answered = r.returncode == 0 and r.stdout == "%s:getpid = ok\n" % abi
    assert report["abi"][abi]["ok"] == answered, (r.returncode, r.stdout)


def test_kernel_log_matches_dmesg(report, as_nobody):
    r = run(["dmesg"], clean_env(), as_nobody)
    log = report["kernel_log"]
    assert log["ok"] == (r.returncode == 0)
    assert log["dmesg_restrict"] == int(proc("/proc/sys/kernel/dmesg_restrict"))


def test_what_pysandbox_uses(report):
    f, use = report, report["pysandbox"]
    assert use["libsandbox"]["ok"] == f["seccomp"]["filter"]["ok"]
    assert use["sandboxify"]["ok"] == (f["seccomp"]["filter"]["ok"]
                                       and f["ptrace"]["declared_parent"]["ok"])
    assert use["log_mode"]["ok"] == ("log" in f["seccomp"]["actions_logged"])
    assert use["audit"]["ok"] == f["kernel_log"]["ok"]
    assert use["learn"]["ok"] == (f["seccomp"]["actions"]["trace"] and f["ptrace"]["child"]["ok"]
                                  and f["ptrace"]["syscall_info"]["ok"])


def test_sandboxify_works_where_features_says_so(kit, report, as_nobody):
    r = run(kit.sandboxify(as_nobody) + ["/bin/true"], clean_env(SECCOMP_SYSCALL_DENY="ptrace"),
            as_nobody)
    assert (r.returncode == 0) == report["pysandbox"]["sandboxify"]["ok"], r.stderr


def test_text_report(kit, as_nobody):
    r = run(kit.pysandbox(as_nobody) + ["features"], clean_env(), as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    labels = [ln[:25].strip() for ln in r.stdout.split("\n\n")[0].splitlines()]
    assert labels == ["kernel", "capabilities", "capabilities passed on",
                      "capability bounding set", "seccomp filters", "seccomp actions",
                      "SECCOMP_RET_LOG", "user notification", "Landlock", "Landlock fs rights",
                      "Landlock net rights",
                      "Landlock scopes", "Landlock lacks", "audit", "user namespaces",
                      "bwrap", "Yama ptrace_scope",
                      "ptrace a child", "ptrace a declared tracer", "PTRACE_GET_SYSCALL_INFO",
                      "PTRACE_O_SUSPEND_SECCOMP", "i386 emulation", "x32 ABI", "kernel log"]
    uid = 65534 if as_nobody else os.geteuid()
    assert "\npysandbox here (uid %d):\n  libsandbox   yes " % uid in r.stdout


def test_probes_run_in_children_under_a_filter(kit):
    """Under a filter that kills ptrace and refuses unshare, the command lives
    and reports what is left (each probe ran in a child the filter killed)."""
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY="ptrace:unshare=EPERM")
    r = run(kit.pysandbox() + ["features", "--json"], env)
    assert (r.returncode, r.stderr) == (0, "")
    f = json.loads(r.stdout)
    assert f["seccomp"]["mode"] == 2
    assert f["ptrace"]["child"] == {"ok": False, "error": "ECHILD"}  # killed by SIGSYS
    assert f["userns"]["ok"] is False and f["userns"]["error"] == "EPERM"
    assert f["pysandbox"]["sandboxify"]["ok"] is False
    assert f["seccomp"]["filter"]["ok"]  # filters stack
