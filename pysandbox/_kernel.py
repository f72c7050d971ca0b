"""Small readers of what the kernel shows in files: /proc, /sys and the kernel
log. Shared by `features`, `audit` and `learn`; no C, nothing cached."""
import os

KMSG = "/dev/kmsg"


def read_proc(path):
    """Stripped text of a /proc file, or None if it is absent or unreadable."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def read_int(path):
    text = read_proc(path)
    return int(text) if text is not None and text.lstrip("-").isdigit() else None


def status_field(name):
    """Field NAME of /proc/self/status as a number ("Seccomp": 0 none, 1 strict,
    2 filter), or None."""
    for line in (read_proc("/proc/self/status") or "").splitlines():
        key, _, value = line.partition(":")
        if key == name:
            return int(value)
    return None


def open_kmsg():
    """A non-blocking fd on the kernel log (what dmesg reads); raises OSError."""
    return os.open(KMSG, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
