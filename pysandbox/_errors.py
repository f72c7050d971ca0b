"""Transitional: only _native.py still imports PolicyError from here; the
exception types live in pysandbox.errors (issue 12). Delete this file once
_native imports pysandbox.errors."""
from pysandbox.errors import PolicyError  # noqa: F401
