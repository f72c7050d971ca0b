"""pysandbox: seccomp for any program, configured by environment variables.

The compiler lives once, in C (csrc/); this package wraps it:
  pysandbox.libpath()        path of libsandbox.so (the LD_PRELOAD library)
  pysandbox.compile_env(env) the BPF program a SECCOMP_* environment describes
"""
import os

from pysandbox.errors import PolicyError, SandboxError

__all__ = ["SandboxError", "PolicyError", "libpath", "compile_env", "pledge"]
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
