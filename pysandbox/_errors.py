"""Exception types; kept apart so the launcher can import them cheaply."""


class SandboxError(Exception):
    """Base of every pysandbox error."""


class PolicyError(SandboxError, ValueError):
    """A policy could not be parsed or compiled; the message is the C error line."""


class InstallError(SandboxError, OSError):
    """The kernel refused the filter (or a step around it)."""
