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


# NOTE: linux/audit.h and linux/netlink.h: an AUDIT_GET request on a
# NETLINK_AUDIT socket is answered with struct audit_status (u32 mask,
# enabled, failure, pid, rate_limit, backlog_limit, lost, backlog, ...).
NETLINK_AUDIT, AUDIT_GET, AUDIT_SET, NLMSG_ERROR = 9, 1000, 1001, 2
AUDIT_STATUS = ("mask", "enabled", "failure", "pid", "rate_limit", "backlog_limit", "lost",
                "backlog")


def audit_request(kind, payload=b""):
    """Send one audit netlink message; the answer's (type, payload). OSError
    when refused (EPERM without CAP_AUDIT_CONTROL in the initial user
    namespace, EPROTONOSUPPORT without audit in the kernel)."""
    import socket
    import struct

    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as s:
        s.settimeout(2)
        flags = 0x1 | (0x4 if kind == AUDIT_SET else 0)  # NLM_F_REQUEST, NLM_F_ACK
        s.send(struct.pack("=IHHII", 16 + len(payload), kind, flags, 1, 0) + payload)
        while True:
            data = s.recv(8192)
            _, rtype, _, _, _ = struct.unpack_from("=IHHII", data)
            body = data[16:]
            if rtype == NLMSG_ERROR:
                err = -struct.unpack_from("=i", body)[0]
                if err:
                    raise OSError(err, os.strerror(err))
                if kind == AUDIT_SET:
                    return rtype, body
                continue  # the ACK of a GET comes after its answer, or not at all
            return rtype, body


def audit_status():
    """The kernel's audit status: {"enabled": 0/1/2, "rate_limit", "lost", ...};
    raises OSError (see audit_request)."""
    import struct

    _, body = audit_request(AUDIT_GET)
    return dict(zip(AUDIT_STATUS, struct.unpack_from("=8I", body)))
