"""pysandbox's one exception family.

Every error the package raises is a SandboxError; each subclass also derives
from the built-in type a caller would catch without knowing pysandbox
(ValueError for bad input, OSError for what the system refused). Messages are
one line, the same text libsandbox.so prints. Exit statuses are not here: they
belong to the command-line layer (pysandbox.cli), which maps these types.

Kept free of imports so that the launcher (sandboxify) can load it cheaply.
"""

__all__ = ["SandboxError", "PolicyError", "UsageError", "InstallError", "FeatureError",
           "LaunchError", "NotFoundError", "RefusedError", "LogError", "OutputError",
           "BpfError", "CallError", "CallTimeout"]


class SandboxError(Exception):
    """Base of every pysandbox error."""


class PolicyError(SandboxError, ValueError):
    """A policy could not be loaded or compiled.

    The message is the C loader's line (``SECCOMP_SYSCALL_DENY: unknown syscall
    'opne' (item 3)``); the C error record's fields are kept as attributes:
    KIND (the C error kind's name, e.g. "unknown", or None for errors found in
    Python), VARIABLE (the variable, or "file:line", or the profile location),
    WHAT, TOKEN (the offending input), ITEM (1-based, 0 if none), LINE (of a
    policy file or profile, 0 if none), WHERE (in a profile, the JSON location
    such as "syscalls[3].action", else "") and PATH (the file at fault, else "")."""

    def __init__(self, message, *, kind=None, variable=None, what=None, token=None, item=0,
                 line=0, where="", path=""):
        super().__init__(message)
        self.kind = kind
        self.variable = variable
        self.what = what
        self.token = token
        self.item = item
        self.line = line
        self.where = where
        self.path = path


class UsageError(SandboxError, ValueError):
    """A command was called wrongly (a missing program, an unknown option)."""


class InstallError(SandboxError, OSError):
    """The system refused a step of applying a sandbox (installing the filter,
    no_new_privs, tracing the program): OSError(errno, message)."""


class FeatureError(InstallError):
    """The running kernel lacks a feature the sandbox needs (FEATURE names it);
    never silently ignored: the program does not run."""

    def __init__(self, errno_, message, feature=None):
        super().__init__(errno_, message)
        self.feature = feature


class LaunchError(SandboxError, OSError):
    """The program itself cannot be started: not found (NotFoundError), not
    executable (EACCES, ENOEXEC), or not to be started under a sandbox
    (RefusedError: set-id, another ABI, execute-only). Raised as such: found,
    but the exec failed (whatever the errno)."""


class NotFoundError(LaunchError):
    """No file to run for the program's name (PATH searched): ENOENT."""


class RefusedError(LaunchError):
    """pysandbox will not start this program: it would run without its
    privilege (set-id), or the filter cannot be put in it (another ABI,
    execute-only): EPERM, or the errno of the cause."""


class LogError(SandboxError, OSError):
    """The kernel log (or a saved copy) cannot be read, or holds a malformed
    record (errno EBADMSG): then WHAT is what is wrong with it and TOKEN the
    offending text."""

    def __init__(self, errno_, message, *, what=None, token=None):
        super().__init__(errno_, message)
        self.what = what
        self.token = token


class OutputError(SandboxError, OSError):
    """A command's result cannot be written (the file named in the message)."""


class BpfError(SandboxError, ValueError):
    """A BPF program the interpreter cannot run: unknown opcode, a load outside
    seccomp_data, a jump past the end, falling off the end."""


class CallError(SandboxError, ChildProcessError):
    """Sandbox.call()'s child died without an answer: SIGNAL (its death
    signal, or None), STATUS (its exit status, or None); killed by the seccomp
    filter: SYSCALL (the name, or the number) and ARCH, from the kernel's
    SIGSYS siginfo. Also a result or exception that cannot cross back."""

    def __init__(self, message, *, signal=None, status=None, syscall=None, arch=None):
        super().__init__(message)
        self.signal = signal
        self.status = status
        self.syscall = syscall
        self.arch = arch


class CallTimeout(SandboxError, TimeoutError):
    """Sandbox.call()'s child ran past its timeout (it was killed)."""
