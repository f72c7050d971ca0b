"""Exception types; kept apart so the launcher can import them cheaply."""


class SandboxError(Exception):
    """Base of every pysandbox error."""


class PolicyError(SandboxError, ValueError):
    """A policy could not be parsed or compiled; the message is the C error line."""


class Failure(SandboxError):
    """A command's setup failure: one line, and the exit status to end with
    (125 unless said otherwise: 2 usage, 126 not executable, 127 not found)."""

    def __init__(self, message, status=125):
        super().__init__(message)
        self.status = status
