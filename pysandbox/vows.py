"""Pledge-style vows for the calling process: pysandbox.pledge().

The promises are SANDBOX_VOWS's (README "Vows"); the one C compiler turns
them into the seccomp filter (and the Landlock paths tmppath and dns need),
and the one enter applies it, as libsandbox.so does for a program.

    >>> import pysandbox
    >>> pysandbox.pledge("stdio rpath")          # doctest: +SKIP
    >>> open("/etc/hostname").read()             # doctest: +SKIP
    >>> open("/tmp/x", "w")                      # doctest: +SKIP  (killed: SIGSYS)
"""
import os

__all__ = ["pledge"]


def _text(promises):
    """PROMISES (a str of names, blanks or ':' between; or names) as one str."""
    if isinstance(promises, str):
        return promises
    return " ".join(promises)


def pledge(promises, execpromises=None):
    """Restrict the calling process, and everything it starts, to PROMISES
    for the rest of its life ("stdio rpath", or a sequence of names).

    EXECPROMISES (the same forms, or None): what a program it executes is
    narrowed to. A seccomp filter outlives execve(2), so an exec'd program
    always keeps PROMISES; EXECPROMISES is handed to it as SANDBOX_VOWS with
    libsandbox.so in LD_PRELOAD (os.environ is changed), which narrows a
    dynamically linked program before its main(). It needs `exec` among
    PROMISES and may name no promise PROMISES lacks.

    Raises PolicyError (the C loader's line) for a bad promise, or
    InstallError if the kernel refuses; nothing is applied then. Threads:
    the seccomp filter reaches every thread (TSYNC); the vows' Landlock
    domain (other processes' memory out of reach) the kernel applies to the
    calling thread only before Landlock ABI 8, so call pledge() before
    starting threads (PolicyError otherwise).
    """
    from pysandbox import _native

    env = {"SANDBOX_VOWS": _text(promises)}
    if execpromises is not None:
        env["SANDBOX_VOWS_EXEC"] = _text(execpromises)
    config = _native.load(env, required=True)
    _native.enter(config)
    if execpromises is not None:
        # libsandbox.so beside this module (pysandbox.libpath(); not imported:
        # the package imports this module)
        lib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libsandbox.so")
        os.environ.update(_hand_on(config.vows[1], lib, os.environ.get("LD_PRELOAD")))


def _hand_on(execpromises, lib, preload):
    """The variables an exec'd program gets: its vows, libsandbox.so preloaded."""
    paths = [lib] + [p for p in (preload or "").split(":") if p and p != lib]
    return {"SANDBOX_VOWS": execpromises, "LD_PRELOAD": ":".join(paths)}
