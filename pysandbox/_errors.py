"""Transitional: the exception types moved to pysandbox.errors (issue 12)."""
from pysandbox.errors import PolicyError, SandboxError  # noqa: F401


class Failure(SandboxError):
    """A command's setup failure: one line, and the exit status to end with
    (125 unless said otherwise: 2 usage, 126 not executable, 127 not found)."""

    def __init__(self, message, status=125):
        super().__init__(message)
        self.status = status
