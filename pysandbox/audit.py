"""`pysandbox audit`: the kernel's seccomp audit records (type=1326), readably.

The kernel writes one record per logged syscall: always for kill_process and
kill_thread, for every call a `log` default action lets through, and for the
other actions when the filter asked for it. Records reach the kernel log
(dmesg, /dev/kmsg, `journalctl -k`) or, with auditd running, the audit log
(`ausearch -m SECCOMP --raw`, /var/log/audit/audit.log). All those text forms
are read here: a record is recognised by `type=1326`, `type=SECCOMP` or
journald's `audit[PID]: SECCOMP`, and read as its key=value fields.

Parsing (parse_record) and rendering (record_line, summary, allowlists) are
pure; only read_lines and kernel_log touch files. The command itself is
pysandbox.cli.audit.
"""
import collections
import datetime
import errno
import os
import re
import time

from pysandbox import _launch, _native
from pysandbox._kernel import KMSG, open_kmsg, read_proc
from pysandbox.errors import LogError

MARKER = re.compile(r"\btype=(?:1326|SECCOMP)\b|\baudit\[\d+\]: SECCOMP\b")
FIELD = re.compile(r'(\w+)=("[^"]*"|\S+)')
STAMP = re.compile(r"\baudit\((\d+)\.(\d+):(\d+)\)")
HEX = re.compile(r"(?:[0-9A-F]{2})+")
AUDIT_LOG = "/var/log/audit/audit.log"
HEADER = "%-29s %7s %5s  %-7s %-18s %-13s %s" % (
    "TIME", "PID", "UID", "ARCH", "SYSCALL", "ACTION", "EXE")

ARCH_NAMES = _native.arch_by_audit()  # AUDIT_ARCH_* value -> arch name

Record = collections.namedtuple(
    "Record", "time serial pid uid comm exe arch nr syscall action")


def parse_record(line):
    """The Record in LINE; None if LINE holds no seccomp record; LogError
    (EBADMSG, with WHAT and TOKEN) if it holds one that cannot be read."""
    m = MARKER.search(line)
    if not m:
        return None
    body = line[m.end():].split("\x1d")[0]  # auditd's enriched part follows GS
    fields = {}
    for key, value in FIELD.findall(body):
        fields.setdefault(key, value)
    stamp = STAMP.search(line)
    when = serial = None
    if stamp:
        sec, frac, serial = stamp.groups()
        when, serial = int(sec) + int(frac) / 10 ** len(frac), int(serial)
    audit_arch = number(fields, "arch", 16)
    nr = number(fields, "syscall", 10)
    arch = ARCH_NAMES.get(audit_arch, "0x%08x" % audit_arch)
    if arch in _native.ARCHES and nr >= 0 and nr & _native.arch_abi_bit(arch):
        arch = "x32"
    syscall = _native.syscall_name(nr, arch) if arch in _native.ARCHES and nr >= 0 else None
    return Record(time=when, serial=serial, pid=number(fields, "pid", 10),
                  uid=int(fields["uid"]) if fields.get("uid", "").isdigit() else None,
                  comm=untrusted(fields.get("comm")), exe=untrusted(fields.get("exe")),
                  arch=arch, nr=nr, syscall=syscall, action=number(fields, "code", 16))


def number(fields, key, base):
    text = fields.get(key)
    if text is None:
        raise bad_record("no %s= field" % key, "")
    try:
        return int(text, base)
    except ValueError:
        hint = " (ausearch -i output? use ausearch --raw)" if key != "pid" else ""
        raise bad_record("bad %s= value%s" % (key, hint), text) from None


def bad_record(what, token):
    return LogError(errno.EBADMSG, "%s: '%s'" % (what, token), what=what, token=token)


def untrusted(value):
    """A comm= or exe= value: "quoted", or hex when it has blanks, quotes or
    control characters (the kernel's audit_log_untrustedstring)."""
    if value is None:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if HEX.fullmatch(value):
        return bytes.fromhex(value).decode("utf-8", "replace")
    return value  # e.g. (null)


def printable(text):
    return "".join(c if c.isprintable() else "\\x%02x" % ord(c) for c in text)


def syscall_text(rec):
    return rec.syscall or "#%d" % rec.nr


def program(rec):
    """What the record names the program by: exe, with comm when exe alone
    does not show it (an interpreter, a truncated or missing exe)."""
    exe, comm = rec.exe, rec.comm
    if exe and exe != "(null)":
        if comm and not os.path.basename(exe).startswith(comm):
            return "%s [%s]" % (printable(exe), printable(comm))
        return printable(exe)
    return "[%s]" % printable(comm or "?")


def local_time(when):
    if when is None:
        return "-"
    return datetime.datetime.fromtimestamp(when).astimezone().isoformat(timespec="milliseconds")


def record_line(rec):
    return "%-29s %7d %5s  %-7s %-18s %-13s %s" % (
        local_time(rec.time), rec.pid, "-" if rec.uid is None else rec.uid, rec.arch,
        syscall_text(rec), _native.action_name(rec.action), program(rec))


class Summary:
    """Counts per program, then per (arch, syscall, action), in order of appearance."""

    def __init__(self):
        self.programs = collections.OrderedDict()

    def add(self, rec):
        calls, pids = self.programs.setdefault(program(rec), (collections.Counter(), set()))
        calls[(rec.arch, rec.nr, syscall_text(rec), _native.action_name(rec.action))] += 1
        pids.add(rec.pid)

    def lines(self):
        for prog, (calls, pids) in self.programs.items():
            n = sum(calls.values())
            yield "%s: %d record%s, %d process%s" % (
                prog, n, "" if n == 1 else "s", len(pids), "" if len(pids) == 1 else "es")
            for (arch, _, name, action), n in calls.items():
                yield "%7d  %-7s %-22s %s" % (n, arch, name, action)

    def allowlists(self):
        """Per program: `SECCOMP_SYSCALL_ALLOW=...` for each filter target arch
        among its records; a comment for calls of other ABIs, which
        pysandbox's filter kills whatever the lists say."""
        native = _launch.native_arch()
        for prog, (calls, _) in self.programs.items():
            yield "# %s" % prog
            per_arch = collections.OrderedDict()
            for arch, nr, name, _ in calls:
                per_arch.setdefault(arch, set()).add(name if name != "#%d" % nr else str(nr))
            for arch, names in per_arch.items():
                items = sorted(names)
                if arch in _native.TARGET_ARCHES:
                    yield "%sSECCOMP_SYSCALL_ALLOW=%s" % (
                        "" if arch == native else "# for %s: " % arch, ":".join(items))
                else:
                    yield "# not allowable, another ABI (the filter kills every %s call): %s" \
                        % (arch, " ".join(items))


# ---- input ----

def read_lines(f, follow):
    """Lines of the binary file F (decoded); with FOLLOW, wait at the end of a
    regular file for more, as tail -f does (a pipe's end is final)."""
    regular = os.path.isfile("/proc/self/fd/%d" % f.fileno())
    while True:
        line = f.readline()
        if line:
            yield line.decode("utf-8", "replace")
        elif follow and regular:
            time.sleep(0.2)
        else:
            return


def kernel_log(follow):
    """Messages of the kernel log, from /dev/kmsg (what dmesg reads): the
    whole ring buffer, then, with FOLLOW, new messages as they come.
    OSError now if the log cannot be opened (kernel.dmesg_restrict)."""
    return kmsg_messages(open_kmsg(), follow)


def kmsg_messages(fd, follow):
    try:
        while True:
            try:
                data = os.read(fd, 8192)
            except BlockingIOError:
                if not follow:
                    return
                os.set_blocking(fd, True)
                continue
            except BrokenPipeError:  # NOTE: EPIPE: messages were overwritten; go on
                continue
            # NOTE: Documentation/ABI/testing/dev-kmsg: "prio,seq,usec,flags;text\n"
            # followed by " KEY=value" continuation lines.
            yield data.decode("utf-8", "replace").partition(";")[2].split("\n")[0]
    finally:
        os.close(fd)


def kernel_log_hint(err):
    """One line on why the kernel log cannot be read, and what to do."""
    restrict = read_proc("/proc/sys/kernel/dmesg_restrict")
    why = os.strerror(err.errno).lower()
    if err.errno in (errno.EPERM, errno.EACCES) and restrict == "1":
        why = "kernel.dmesg_restrict is 1: needs root or CAP_SYSLOG"
    return ("cannot read the kernel log (%s; or give a file: journalctl -k | "
            "pysandbox audit -): '%s'" % (why, KMSG))
