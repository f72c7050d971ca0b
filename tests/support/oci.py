"""OCI seccomp profiles: small builders, and the oracle - libseccomp's filter for a
profile built the way a container gets it (moby's includes/excludes, runc's rules)."""
import errno
import json
import os

from support.libseccomp import lib_filter, lib_nr, lib_program, ps
from support.proc import SHARED

PROFILES = os.path.join(SHARED, "profiles")
DOCKER = os.path.join(PROFILES, "docker-default.json")
GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}

OPS = {"SCMP_CMP_NE": ps.NE, "SCMP_CMP_LT": ps.LT, "SCMP_CMP_LE": ps.LE, "SCMP_CMP_EQ": ps.EQ,
       "SCMP_CMP_GE": ps.GE, "SCMP_CMP_GT": ps.GT, "SCMP_CMP_MASKED_EQ": ps.MASKED_EQ}


# ---- building profiles ----------------------------------------------------------------------

def P(syscalls, default="SCMP_ACT_ERRNO", **top):
    """A profile: its syscalls[] entries, defaultAction DEFAULT, other members TOP."""
    return dict(top, defaultAction=default, syscalls=syscalls)


def S(names, action="SCMP_ACT_ALLOW", **kw):
    """A syscalls[] entry for NAMES (one name or a list)."""
    return dict(kw, names=names if isinstance(names, list) else [names], action=action)


def A(index, op, value, two=None):
    """An args[] item: OP is SCMP_CMP_'s suffix (EQ, MASKED_EQ, ...)."""
    out = {"index": index, "value": value, "op": "SCMP_CMP_" + op}
    if two is not None:
        out["valueTwo"] = two
    return out


def T(obj):
    """OBJ as the JSON text of a profile file."""
    return json.dumps(obj)


# ---- the oracle: moby + runc + libseccomp --------------------------------------------------

def kernel_at_least(kernel, text):
    major, minor = map(int, text.split("."))
    return kernel >= (major, minor)


def applies(call, caps, kernel, goarch):
    """moby's setupSeccomp filter for one syscalls[] entry."""
    exc, inc = call.get("excludes") or {}, call.get("includes") or {}
    if goarch in (exc.get("arches") or []):
        return False
    if any(c in caps for c in exc.get("caps") or []):
        return False
    if exc.get("minKernel") and kernel_at_least(kernel, exc["minKernel"]):
        return False
    if inc.get("arches") and goarch not in inc["arches"]:
        return False
    if any(c not in caps for c in inc.get("caps") or []):
        return False
    if inc.get("minKernel") and not kernel_at_least(kernel, inc["minKernel"]):
        return False
    return True


def errno_of(number, name):
    """containers/common's getErrno: Podman's errno name wins over errnoRet."""
    if name:
        return int(name) if name.isdigit() else getattr(errno, name)
    return errno.EPERM if number is None else number


def lib_action(word, number=None, name=None):
    """runc's getAction."""
    if word in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"):
        return (ps.ERRNO if word == "SCMP_ACT_ERRNO" else ps.TRACE)(errno_of(number, name))
    return {"SCMP_ACT_KILL": ps.KILL_THREAD, "SCMP_ACT_KILL_THREAD": ps.KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS": ps.KILL_PROCESS, "SCMP_ACT_TRAP": ps.TRAP,
            "SCMP_ACT_ALLOW": ps.ALLOW, "SCMP_ACT_LOG": ps.LOG}[word]


def lib_conds(args):
    """runc's matchCall: all conditions in one rule, or one rule each if an index repeats."""
    conds = [ps.Arg(a["index"], OPS[a["op"]], a["value"], a.get("valueTwo", 0)) for a in args]
    indexes = [a["index"] for a in args]
    if len(set(indexes)) < len(indexes):
        return [[c] for c in conds]
    return [conds]


def theirs(profile, arch, caps, kernel):
    """libseccomp's program for PROFILE as Docker/Podman would build it here."""
    default = lib_action(profile["defaultAction"], profile.get("defaultErrnoRet"),
                         profile.get("defaultErrno"))
    f = lib_filter(default, arch)
    for call in profile.get("syscalls") or []:
        if not applies(call, caps, kernel, GOARCH[arch]):
            continue
        action = lib_action(call["action"], call.get("errnoRet"), call.get("errno"))
        if action == default:
            continue
        names = [call["name"]] if call.get("name") else call["names"]
        for name in names:
            if lib_nr(arch, name) is None:
                continue
            for conds in lib_conds(call.get("args") or []):
                f.add_rule(action, name, *conds)
    return lib_program(f)

