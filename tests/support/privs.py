"""What the capability and resource-limit tests share (test_caps.py,
test_limits.py): tests/progs/privs.c built static and dynamic, a runner for
each front door as each user, and the reading of what privs prints."""
import os
import subprocess

import pytest

from pysandbox import _native
from support.proc import NOBODY, PROGS, build_c, clean_env

FRONTS = ("preload", "sandboxify")
PREFIX = {"preload": "libsandbox: ", "sandboxify": "sandboxify: "}


def privs_progs(kit):
    """{"dynamic": path, "static": path} of tests/progs/privs.c in KIT."""
    src = os.path.join(PROGS, "privs.c")
    out = {}
    for kind, flags in (("dynamic", ()), ("static", ("-static",))):
        path = kit.file("privs-" + kind)
        out[kind] = path if os.path.exists(path) else build_c(src, path, *flags)
    return out


def report(text):
    """{"CapEff": int, ..., "NoNewPrivs": int, "limits": {name: (soft, hard)}} of
    each privs run in TEXT, in order (soft, hard: int, None for unlimited)."""
    runs, cur = [], None
    for line in text.splitlines():
        if line.startswith("CapInh:"):
            cur = {"limits": {}}
            runs.append(cur)
        if line.startswith(("Cap", "NoNewPrivs:")):
            key, value = line.split(":\t")
            cur[key] = int(value, 16) if key.startswith("Cap") else int(value)
        elif line.startswith("limit "):
            _, name, soft, hard = line.split()
            cur["limits"][name] = tuple(None if v == "unlimited" else int(v) for v in (soft, hard))
    return runs


def cap_bits(*names):
    return sum(1 << _native.cap_lookup(n) for n in names)


def own_caps():
    """This test process's sets: {"CapEff": int, ...}."""
    with open("/proc/self/status") as f:
        return {k: int(v, 16) for k, v in (ln.split(":\t") for ln in f if ln.startswith("Cap"))}


class Front:
    """One front door (libsandbox.so with the dynamic privs, sandboxify with
    the static one) as one user: root; uid 65534 without capabilities
    (NOBODY); or uid 65534 started by `setpriv SETPRIV...` (ambient ones)."""

    def __init__(self, kit, progs, front, as_nobody=False, setpriv=None):
        self.kit, self.front = kit, front
        self.setpriv = setpriv or (NOBODY if as_nobody else None)
        self.prog = progs["dynamic" if front == "preload" else "static"]
        self.prefix = PREFIX[front]

    def argv(self, argv, variables):
        """(argv, env) running ARGV under VARIABLES through this front door."""
        if self.front == "preload":
            env, argv = dict(LD_PRELOAD=self.kit.lib, **variables), list(argv)
        else:
            env = dict(variables)
            argv = self.kit.sandboxify(self.setpriv is not None) + list(argv)
        if self.setpriv is None:
            return argv, clean_env(**env)
        inner = ["/usr/bin/env", "-i"] + ["%s=%s" % kv for kv in clean_env(**env).items()]
        return self.setpriv + ["--"] + inner + argv, clean_env()

    def run(self, argv, **variables):
        argv, env = self.argv(argv, variables)
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd="/")

    def assert_refused(self, line, **variables):
        """privs under VARIABLES stops before it runs: LINE (with this front
        door's prefix) and status 125."""
        r, runs = self.privs(**variables)
        assert (r.returncode, r.stderr, runs) == (125, self.prefix + line + "\n", [])

    def privs(self, *then, **variables):
        """privs under VARIABLES, exec'ing THEN (an argv) after: (result, runs)."""
        r = self.run([self.prog, *then], **variables)
        return r, report(r.stdout)


def need_setcap():
    if not os.path.exists("/usr/sbin/setcap") and not os.path.exists("/sbin/setcap"):
        pytest.skip("no setcap (apt-get install libcap2-bin)")
    if os.geteuid() != 0:
        pytest.skip("setting file capabilities needs root (CAP_SETFCAP)")
