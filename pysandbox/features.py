"""`pysandbox features`: what this kernel offers a sandbox, and what pysandbox
can do here because of it.

Every answer is a probe, never a guess from the kernel version: a syscall
(csrc/tools/probe.c, through _native; those that would change the process run in
a forked child) or a /proc read. gather() returns plain data (the --json
output, keys always present); text() renders it; pysandbox.cli.features prints.
"""
import errno
import os

from pysandbox import _native
from pysandbox._kernel import KMSG, open_kmsg, read_int, read_proc, status_field


def probe(result, **extra):
    """{"ok": bool, "error": errno name or None, **EXTRA} for a 0/-errno result."""
    return dict(ok=result >= 0, error=None if result >= 0 else errno_name(-result), **extra)


def errno_name(n):
    return errno.errorcode.get(n, "E%d" % n)


def kernel_log():
    try:
        os.close(open_kmsg())
        return 0
    except OSError as e:
        return -e.errno


def gather():
    u = os.uname()
    actions = {name: _native.probe_seccomp_action(value) == 0
               for name, value in _native.ACTIONS.items()}
    logged = read_proc("/proc/sys/kernel/seccomp/actions_logged")
    sizes = _native.probe_notif_sizes()
    abi = _native.probe_landlock_abi()
    facts = {
        "kernel": {"release": u.release, "version": u.version, "machine": u.machine},
        "uid": os.geteuid(),
        "seccomp": {
            "filter": probe(_native.probe_seccomp_filter()),
            "mode": status_field("Seccomp"),  # of this process: 0 none, 1 strict, 2 filter
            "get_action_avail": probe(_native.probe_seccomp_action(_native.ACTIONS["allow"])),
            "actions": actions,
            "actions_logged": logged.split() if logged is not None else None,
            "user_notif": probe(_native.probe_notif_listener(), sizes=None if sizes[0] < 0 else
                                dict(zip(("notif", "resp", "data"), sizes))),
        },
        "landlock": probe(abi, abi=abi if abi > 0 else None),
        "userns": probe(_native.probe_userns(),
                        max_user_namespaces=read_int("/proc/sys/user/max_user_namespaces"),
                        unprivileged_userns_clone=read_int(
                            "/proc/sys/kernel/unprivileged_userns_clone")),
        "ptrace": {
            "yama_scope": read_int("/proc/sys/kernel/yama/ptrace_scope"),
            "child": probe(_native.probe_ptrace_child()),
            "declared_parent": probe(_native.probe_ptrace_parent()),
            "syscall_info": probe(_native.probe_syscall_info()),
            "suspend_seccomp": probe(_native.probe_suspend_seccomp()),
        },
        "abi": {"i386": probe(_native.probe_i386()), "x32": probe(_native.probe_x32())},
        "kernel_log": probe(kernel_log(),
                            dmesg_restrict=read_int("/proc/sys/kernel/dmesg_restrict")),
    }
    facts["pysandbox"] = uses(facts)
    return facts


def uses(f):
    """What pysandbox does here, from the probes: {what: {"ok", "why"}}."""
    sc, pt = f["seccomp"], f["ptrace"]
    filt = sc["filter"]["ok"]
    logged = sc["actions"]["log"] and "log" in (sc["actions_logged"] or ())

    def use(ok, yes, no):
        return {"ok": bool(ok), "why": yes if ok else no}
    return {
        "libsandbox": use(filt, "installs its filter before main()",
                          "no seccomp filters (%s): every program given a policy stops "
                          "with status 125" % sc["filter"]["error"]),
        "sandboxify": use(filt and pt["declared_parent"]["ok"],
                          "its helper may ptrace the program (declared with PR_SET_PTRACER)",
                          "refuses (status 125): " + (
                              "no seccomp filters" if not filt else
                              "ptrace of a declared tracer refused (%s%s)" % (
                                  pt["declared_parent"]["error"],
                                  ", Yama ptrace_scope %s" % pt["yama_scope"]
                                  if pt["yama_scope"] is not None else ""))),
        "log_mode": use(logged, "SECCOMP_DEFAULT_ACTION=log allows and logs",
                        "SECCOMP_RET_LOG unknown to the kernel" if not sc["actions"]["log"] else
                        "allowed but never logged: 'log' is not in "
                        "kernel.seccomp.actions_logged"),
        "audit": use(f["kernel_log"]["ok"], "can read the kernel log",
                     "cannot read the kernel log (%s): give it a file or stdin"
                     % f["kernel_log"]["error"]),
        "learn": use(sc["actions"]["trace"] and pt["child"]["ok"] and pt["syscall_info"]["ok"],
                     "SECCOMP_RET_TRACE, ptrace of a child and PTRACE_GET_SYSCALL_INFO",
                     "needs SECCOMP_RET_TRACE, ptrace of a child and PTRACE_GET_SYSCALL_INFO"),
        "other_abis": use(True, "filters kill every syscall of another ABI (%s reachable here)"
                          % (", ".join(a for a in ("i386", "x32") if f["abi"][a]["ok"])
                             or "none"), ""),
    }


# ---- text ----

def yes_no(p, yes="yes"):
    if p["ok"]:
        return yes
    if p["error"] == "ECHILD":
        return "no (the probing child was killed)"
    n = getattr(errno, p["error"], None)
    return "no (%s%s)" % (p["error"], ": " + os.strerror(n) if n else "")


def text(f):
    sc, pt, ns, ll = f["seccomp"], f["ptrace"], f["userns"], f["landlock"]
    acts = sc["actions"]
    avail = " ".join(a for a in acts if acts[a]) or "none"
    missing = [a for a in acts if not acts[a]]
    notif = sc["user_notif"]
    sizes = ("; sizes notif %(notif)d, resp %(resp)d, data %(data)d" % notif["sizes"]
             if notif["sizes"] else "")
    rows = [
        ("kernel", "Linux %s %s" % (f["kernel"]["release"], f["kernel"]["machine"])),
        ("seccomp filters", yes_no(sc["filter"]) + "; this process: Seccomp %s" % sc["mode"]),
        ("seccomp actions", avail + ("; missing: " + " ".join(missing) if missing else "")
         if sc["get_action_avail"]["ok"] else yes_no(sc["get_action_avail"])),
        ("SECCOMP_RET_LOG", ("yes" if acts["log"] else "no") + "; logged: "
         + (" ".join(sc["actions_logged"]) if sc["actions_logged"] is not None else "unknown")),
        ("user notification", yes_no(notif, "yes (listener fd%s)" % sizes)),
        ("Landlock", yes_no(ll, "ABI %s" % ll["abi"])),
        ("user namespaces", yes_no(ns, "yes, as uid %d" % f["uid"]) + "; max_user_namespaces %s"
         % ns["max_user_namespaces"] + ("; unprivileged_userns_clone %s"
                                        % ns["unprivileged_userns_clone"]
                                        if ns["unprivileged_userns_clone"] is not None else "")),
        ("Yama ptrace_scope", "no Yama" if pt["yama_scope"] is None else str(pt["yama_scope"])),
        ("ptrace a child", yes_no(pt["child"])),
        ("ptrace a declared tracer", yes_no(pt["declared_parent"]) + " (sandboxify's case)"),
        ("PTRACE_GET_SYSCALL_INFO", yes_no(pt["syscall_info"])),
        ("PTRACE_O_SUSPEND_SECCOMP", yes_no(pt["suspend_seccomp"])),
        ("i386 emulation", yes_no(f["abi"]["i386"], "yes (int $0x80)")),
        ("x32 ABI", yes_no(f["abi"]["x32"])),
        ("kernel log", yes_no(f["kernel_log"], "readable (%s)" % KMSG)
         + "; dmesg_restrict %s" % f["kernel_log"]["dmesg_restrict"]),
    ]
    lines = ["%-25s %s" % row for row in rows]
    if sc["mode"]:
        lines.append("note: this process runs under seccomp (mode %d); the probes inherit its "
                     "filters, so they show what is left to it" % sc["mode"])
    lines += ["", "pysandbox here (uid %d):" % f["uid"]]
    lines += ["  %-12s %-4s %s" % (name.replace("_", " "), "yes" if u["ok"] else "no", u["why"])
              for name, u in f["pysandbox"].items()]
    return "\n".join(lines)

