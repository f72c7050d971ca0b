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
from pysandbox._kernel import KMSG, audit_status, open_kmsg, read_int, read_proc, status_field

LANDLOCK_AUDIT_ABI = 7  # the first ABI whose denials the kernel audits (types 1423, 1424)


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


def landlock(abi):
    """The Landlock facts for ABI (a probe result): what would be enforced
    here and what the pysandbox layer asks that this ABI lacks, by name."""
    known = _native.LANDLOCK_ABI_KNOWN
    have = _native.landlock_abi_rights(min(abi, known)) if abi > 0 else (0, 0, 0)
    missing = {}
    for newer in range(known, max(abi, 0), -1):  # each right at the first ABI with it
        for kind, mask in enumerate(_native.landlock_abi_rights(newer)):
            for name in _native.landlock_right_names(kind, mask & ~have[kind]):
                missing[name] = newer
    return probe(abi, abi=abi if abi > 0 else None, known_abi=known,
                 rights={name: _native.landlock_right_names(kind, have[kind])
                         for kind, name in enumerate(_native.LANDLOCK_KINDS)},
                 missing=[{"right": name, "abi": n} for name, n in
                          sorted(missing.items(), key=lambda m: (m[1], m[0]))],
                 audit=abi >= LANDLOCK_AUDIT_ABI)


def audit_enabled():
    """{"ok", "error", "enabled"} of the kernel's audit (AUDIT_GET; needs root)."""
    try:
        return dict(ok=True, error=None, enabled=audit_status()["enabled"])
    except OSError as e:
        return dict(ok=False, error=errno_name(e.errno), enabled=None)


CAP_SETS = (("effective", "CapEff"), ("permitted", "CapPrm"), ("inheritable", "CapInh"),
            ("bounding", "CapBnd"), ("ambient", "CapAmb"))


def capabilities():
    """This process's capability sets from /proc/self/status, each a list of
    names (a capability newer than the C tables as "CAP_<N>"), or None."""
    names = _native.cap_names()
    fields = dict(line.split(":\t", 1) for line in
                  (read_proc("/proc/self/status") or "").splitlines() if line.startswith("Cap"))
    out = {}
    for key, field in CAP_SETS:
        mask = int(fields[field], 16) if field in fields else None
        out[key] = None if mask is None else [
            names[n] if n < len(names) else "CAP_%d" % n for n in range(64) if mask >> n & 1]
    return out


def bwrap():
    """{"ok", "error", "path", "version", "privileged", "userns_error"} of the bwrap
    `pysandbox run --isolate` runs (pysandbox.isolate): ERROR is the line when
    there is none; USERNS_ERROR the line when it cannot make its user namespace
    for this user (None: it can, or needs none: PRIVILEGED, root or set-uid)."""
    from pysandbox import isolate
    from pysandbox.errors import FeatureError

    try:
        path, version = isolate.bwrap()
    except FeatureError as e:
        return dict(ok=False, error=e.strerror, path=None, version=None, privileged=None,
                    userns_error=None)
    try:
        isolate.check_userns(path)
        problem = None
    except FeatureError as e:
        problem = e.strerror
    return dict(ok=True, error=None, path=path, version=version,
                privileged=isolate.privileged(path), userns_error=problem)


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
        "capabilities": capabilities(),
        "seccomp": {
            "filter": probe(_native.probe_seccomp_filter()),
            "mode": status_field("Seccomp"),  # of this process: 0 none, 1 strict, 2 filter
            "get_action_avail": probe(_native.probe_seccomp_action(_native.ACTIONS["allow"])),
            "actions": actions,
            "actions_logged": logged.split() if logged is not None else None,
            "user_notif": probe(_native.probe_notif_listener(), sizes=None if sizes[0] < 0 else
                                dict(zip(("notif", "resp", "data"), sizes))),
        },
        "landlock": landlock(abi),
        "audit": audit_enabled(),
        "userns": probe(_native.probe_userns(),
                        max_user_namespaces=read_int("/proc/sys/user/max_user_namespaces"),
                        unprivileged_userns_clone=read_int(
                            "/proc/sys/kernel/unprivileged_userns_clone")),
        "bwrap": bwrap(),
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
        "landlock": use(f["landlock"]["ok"], landlock_why(f["landlock"]),
                        "no Landlock (%s): a run with SANDBOX_FS_*, SANDBOX_NET* or "
                        "SANDBOX_SCOPE stops with status 125" % f["landlock"]["error"]),
        "audit": use(f["kernel_log"]["ok"], "can read the kernel log" + landlock_audit(f),
                     "cannot read the kernel log (%s): give it a file or stdin"
                     % f["kernel_log"]["error"]),
        "learn": use(sc["actions"]["trace"] and pt["child"]["ok"] and pt["syscall_info"]["ok"],
                     "SECCOMP_RET_TRACE, ptrace of a child and PTRACE_GET_SYSCALL_INFO",
                     "needs SECCOMP_RET_TRACE, ptrace of a child and PTRACE_GET_SYSCALL_INFO"),
        "isolate": use(f["bwrap"]["ok"] and not f["bwrap"]["userns_error"],
                       "pysandbox run --isolate runs programs in bwrap's namespaces",
                       f["bwrap"]["error"] or f["bwrap"]["userns_error"]),
        "other_abis": use(True, "filters kill every syscall of another ABI (%s reachable here)"
                          % (", ".join(a for a in ("i386", "x32") if f["abi"][a]["ok"])
                             or "none"), ""),
    }


def landlock_why(ll):
    if not ll["missing"]:
        return "SANDBOX_FS_*, SANDBOX_NET* and SANDBOX_SCOPE are enforced in full"
    missing = [m["right"] for m in ll["missing"]]
    return ("this ABI lacks %s: a run asking for it stops with status 125, or with "
            "SANDBOX_BEST_EFFORT=1 runs without it%s (every SANDBOX_FS_* run asks for every "
            "file right; every layer for both scopes)" % (
                ", ".join(missing), "; SANDBOX_SCOPE=none runs without the scopes"
                if any(r.startswith("scope.") for r in missing) else ""))


def landlock_audit(f):
    """What `audit` can say of Landlock denials here."""
    if not f["landlock"]["audit"]:
        return "; Landlock denials are not audited before ABI %d" % LANDLOCK_AUDIT_ABI
    enabled = f["audit"]["enabled"]
    if enabled is None:
        return "; Landlock denials are logged only while audit is enabled (auditctl -s)"
    return ("; Landlock denials are logged (audit enabled)" if enabled else
            "; Landlock denials are not logged: audit is disabled (auditctl -e 1)")


# ---- text ----

def yes_no(p, yes="yes"):
    if p["ok"]:
        return yes
    if p["error"] == "ECHILD":
        return "no (the probing child was killed)"
    n = getattr(errno, p["error"], None)
    return "no (%s%s)" % (p["error"], ": " + os.strerror(n) if n else "")


def audit_text(a, ll):
    state = ("enabled" if a["enabled"] else "disabled") if a["ok"] else yes_no(a)
    return "%s; Landlock records (types 1423, 1424): %s" % (
        state, "need audit enabled" if ll["audit"] else "need ABI %d" % LANDLOCK_AUDIT_ABI)


def cap_list(names):
    """"none", the names, or (more than half of those the C tables know)
    "all" or "all but CAP_X CAP_Y"."""
    if names is None:
        return "unknown"
    known = _native.cap_names()
    missing = [n for n in known if n not in names]
    if not names or len(missing) >= len(known) / 2:
        return " ".join(names) or "none"
    return "all but " + " ".join(missing) if missing else "all"


def caps_rows(caps):
    """The capability sets held: effective and permitted (each named unless
    equal), inheritable and ambient, the bounding set; with what SANDBOX_CAPS
    can do about the last (dropping it needs CAP_SETPCAP)."""
    held = ("effective, permitted: " + cap_list(caps["effective"])
            if caps["effective"] == caps["permitted"] else
            "effective: %s; permitted: %s" % (cap_list(caps["effective"]),
                                              cap_list(caps["permitted"])))
    setpcap = "CAP_SETPCAP" in (caps["permitted"] or ())
    return [("capabilities", held),
            ("capabilities passed on", "inheritable: %s; ambient: %s" % (
                cap_list(caps["inheritable"]), cap_list(caps["ambient"]))),
            ("capability bounding set", cap_list(caps["bounding"]) + (
                "; SANDBOX_CAPS drops it" if setpcap else
                "; SANDBOX_CAPS leaves it (no CAP_SETPCAP)" if caps["bounding"] else ""))]


def bwrap_text(b, uid):
    if not b["ok"]:
        return "none"
    how = ("needs no user namespace (%s)" % ("root" if uid == 0 else "set-uid")
           if b["privileged"] else "no: cannot make its user namespace"
           if b["userns_error"] else "makes a user namespace as uid %d" % uid)
    return "%s (bubblewrap %s); %s" % (b["path"], b["version"] or "of unknown version", how)


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
    ] + caps_rows(f["capabilities"]) + [
        ("seccomp filters", yes_no(sc["filter"]) + "; this process: Seccomp %s" % sc["mode"]),
        ("seccomp actions", avail + ("; missing: " + " ".join(missing) if missing else "")
         if sc["get_action_avail"]["ok"] else yes_no(sc["get_action_avail"])),
        ("SECCOMP_RET_LOG", ("yes" if acts["log"] else "no") + "; logged: "
         + (" ".join(sc["actions_logged"]) if sc["actions_logged"] is not None else "unknown")),
        ("user notification", yes_no(notif, "yes (listener fd%s)" % sizes)),
        ("Landlock", yes_no(ll, "ABI %s" % ll["abi"]) + ("; pysandbox knows ABI %d"
                                                           % ll["known_abi"])),
    ] + [("Landlock %s" % what, " ".join(r.split(".", 1)[1] for r in ll["rights"][kind])
          or "none") for kind, what in (("fs", "fs rights"), ("net", "net rights"),
                                         ("scope", "scopes"))] + [
        ("Landlock lacks", " ".join("%(right)s (ABI %(abi)d)" % m for m in ll["missing"])
         or "nothing pysandbox asks for"),
        ("audit", audit_text(f["audit"], ll)),
        ("user namespaces", yes_no(ns, "yes, as uid %d" % f["uid"]) + "; max_user_namespaces %s"
         % ns["max_user_namespaces"] + ("; unprivileged_userns_clone %s"
                                        % ns["unprivileged_userns_clone"]
                                        if ns["unprivileged_userns_clone"] is not None else "")),
        ("bwrap", bwrap_text(f["bwrap"], f["uid"])),
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

