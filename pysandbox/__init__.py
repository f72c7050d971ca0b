"""pysandbox: seccomp and Landlock for any program, by environment variables
or from Python.

From Python (help(pysandbox.Sandbox)):
  pysandbox.Sandbox(**settings)   one sandbox: run(), Popen(), apply(), call(), isolated()
  pysandbox.libpath()             path of libsandbox.so (the LD_PRELOAD library)
  pysandbox.compile_env(env)      the BPF program a SECCOMP_* environment describes
  pysandbox.pledge(promises)      pledge-style vows for this process (pysandbox vows lists them)

Examples:
  >>> from pysandbox import Sandbox
  >>> Sandbox(fs_exec="@base", net="none").run(["ls", "/"], capture_output=True)
  >>> Sandbox(deny=["ptrace=EPERM", "mount"]).apply()          # this process, from now on
  >>> Sandbox(fs_read=[]).call(parse, untrusted_bytes)         # one function, in a child

Every setting has one name in three forms (pysandbox.vocabulary): the
variable SANDBOX_FS_READ, the `pysandbox run` flag --fs-read, the keyword
fs_read=. Errors: pysandbox.errors (SandboxError and its family).
"""
import os

from pysandbox.errors import (CallError, CallTimeout, FeatureError, InstallError, LaunchError,
                              PolicyError, SandboxError)

__all__ = ["Sandbox", "SandboxError", "PolicyError", "InstallError", "FeatureError",
           "LaunchError", "CallError", "CallTimeout", "libpath", "compile_env", "pledge"]
__version__ = "0.1.0"


def libpath():
    """Absolute path of the installed libsandbox.so."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libsandbox.so")


def compile_env(environ=None, arch=None):
    """Compile the policy ENVIRON (default os.environ) describes; see _native."""
    from pysandbox import _native

    return _native.compile_env(os.environ if environ is None else environ, arch)


def pledge(promises, execpromises=None):
    """Restrict the calling process to PROMISES (pledge-style vows); see pysandbox.vows."""
    from pysandbox import vows  # here: `import pysandbox` stays small (sandboxify's start)

    vows.pledge(promises, execpromises)


def __getattr__(name):
    """PEP 562: Sandbox on first use (sandboxify imports this package before
    every launch, and needs none of it)."""
    if name == "Sandbox":
        from pysandbox.sandbox import Sandbox

        globals()["Sandbox"] = Sandbox
        return Sandbox
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__():
    return sorted(set(globals()) | {"Sandbox"})
