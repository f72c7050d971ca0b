"""`pysandbox audit`: the kernel's seccomp audit records (type=1326) and
Landlock denials (types 1423 and 1424), readably.

The kernel writes one record per logged syscall: always for kill_process and
kill_thread, for every call a `log` default action lets through, and for the
other actions when the filter asked for it. Records reach the kernel log
(dmesg, /dev/kmsg, `journalctl -k`) or, with auditd running, the audit log
(`ausearch -m SECCOMP --raw`, /var/log/audit/audit.log). All those text forms
are read here: a record is recognised by `type=1326`, `type=SECCOMP` or
journald's `audit[PID]: SECCOMP`, and read as its key=value fields.

Landlock (ABI 7 and later) writes a LANDLOCK_ACCESS record (1423) for each
denial: the domain, the rights that were missing ("blockers") and the object
(path, port, pid, abstract socket); the first denial of a domain is followed
by its LANDLOCK_DOMAIN record (1424, status=allocated): the pid, uid and exe
of the process that created it. Landlock is audited only while audit is
enabled (auditctl -e 1; off on many machines), and without auditd the kernel
log's printk rate limit drops records of a burst (dropped() counts what the
log says it dropped). Landlock joins the two kinds into Denial records.

Parsing (parse, parse_record) and rendering (record_line, summary, allowlists)
are pure; only read_lines and kernel_log touch files. The command itself is
pysandbox.cli.audit.
"""
import collections
import datetime
import errno
import os
import re
import time

from pysandbox import _launch, _native, fsrules
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

LANDLOCK_MARKER = re.compile(r"\btype=(?:(1423|LANDLOCK_ACCESS|UNKNOWN\[1423\])|"
                             r"1424|LANDLOCK_DOMAIN|UNKNOWN\[1424\])(?=\s)|"
                             r"\baudit\[\d+\]: LANDLOCK_(?:(ACCESS)|DOMAIN)\b")
# A Landlock denial (1423), with the pid, uid, exe and comm of the process that
# made its domain when the domain's record (1424) was seen (else None).
Denial = collections.namedtuple(
    "Denial", "time serial domain blockers object pid uid comm exe")
# A Landlock domain (1424): status "allocated" (with its creator) or "deallocated".
Domain = collections.namedtuple("Domain", "time serial domain status pid uid comm exe denials")


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


def parse(line):
    """The Record, Denial or Domain in LINE, or None; LogError as parse_record."""
    rec = parse_record(line)
    return rec if rec is not None else parse_landlock(line)


def fields_of(line, m):
    fields = {}
    for key, value in FIELD.findall(line[m.end():].split("\x1d")[0]):
        fields.setdefault(key, value)
    return fields


def stamp_of(line):
    stamp = STAMP.search(line)
    if not stamp:
        return None, None
    sec, frac, serial = stamp.groups()
    return int(sec) + int(frac) / 10 ** len(frac), int(serial)


def parse_landlock(line):
    """The Denial (1423) or Domain (1424) in LINE, or None; LogError if a
    Landlock record lacks its domain= or blockers=."""
    m = LANDLOCK_MARKER.search(line)
    if not m:
        return None
    fields = fields_of(line, m)
    when, serial = stamp_of(line)
    domain = fields.get("domain")
    if not domain:
        raise bad_record("no domain= field", "")
    if not (m.group(1) or m.group(2)):
        return Domain(when, serial, domain, fields.get("status"),
                      number(fields, "pid", 10) if "pid" in fields else None,
                      int(fields["uid"]) if fields.get("uid", "").isdigit() else None,
                      untrusted(fields.get("comm")), untrusted(fields.get("exe")),
                      int(fields["denials"]) if fields.get("denials", "").isdigit() else None)
    if "blockers" not in fields:
        raise bad_record("no blockers= field", "")
    return Denial(when, serial, domain, tuple(fields["blockers"].split(",")), denied_object(fields),
                  None, None, None, None)


def denied_object(fields):
    """What a denial was about, readably: a path, an address and port, a pid."""
    if "net." in fields.get("blockers", "") and not {"dest", "src", "daddr", "saddr"} & set(fields):
        return "any port 0"  # bind to 0.0.0.0:0: the kernel writes neither
    if "dest" in fields or "src" in fields or "daddr" in fields or "saddr" in fields:
        addr, port = (("daddr", "dest") if "dest" in fields or "daddr" in fields
                      else ("saddr", "src"))
        # NOTE: the kernel leaves a zero address and a zero port out
        return "%s port %s" % (fields.get(addr, "any"), fields.get(port, "0"))
    if "opid" in fields:
        comm = untrusted(fields.get("ocomm"))
        return "pid %s" % fields["opid"] + (" (%s)" % printable(comm) if comm else "")
    if "path" in fields:
        path = untrusted(fields["path"])
        if path.startswith("\0"):  # an abstract UNIX socket
            return "@" + printable(path[1:])
        return printable(path)
    return "-"


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
    does not show it (an interpreter, a truncated or missing exe); a
    Landlock denial whose domain's record was not seen, by its domain."""
    exe, comm = rec.exe, rec.comm
    if isinstance(rec, Denial) and exe is None and comm is None:
        return "[landlock domain %s]" % rec.domain
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
    if isinstance(rec, Denial):
        return "%-29s %7s %5s  %-7s %-18s %-13s %s: %s" % (
            local_time(rec.time), "-" if rec.pid is None else rec.pid,
            "-" if rec.uid is None else rec.uid, "landlock", ",".join(rec.blockers), "denied",
            program(rec), rec.object)
    return "%-29s %7d %5s  %-7s %-18s %-13s %s" % (
        local_time(rec.time), rec.pid, "-" if rec.uid is None else rec.uid, rec.arch,
        syscall_text(rec), _native.action_name(rec.action), program(rec))


class Summary:
    """Counts per program, then per (arch, syscall, action), in order of appearance."""

    def __init__(self):
        self.programs = collections.OrderedDict()

    def add(self, rec):
        calls, pids = self.programs.setdefault(program(rec), (collections.Counter(), set()))
        if isinstance(rec, Denial):
            calls[("landlock", None, ",".join(rec.blockers), rec.object)] += 1
        else:
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
            denied = [(name.split(","), obj) for arch, _, name, obj in calls if arch == "landlock"]
            for arch, nr, name, _ in calls:
                if arch != "landlock":
                    per_arch.setdefault(arch, set()).add(name if name != "#%d" % nr else str(nr))
            for arch, names in per_arch.items():
                items = sorted(names)
                if arch in _native.TARGET_ARCHES:
                    yield "%sSECCOMP_SYSCALL_ALLOW=%s" % (
                        "" if arch == native else "# for %s: " % arch, ":".join(items))
                else:
                    yield "# not allowable, another ABI (the filter kills every %s call): %s" \
                        % (arch, " ".join(items))
            if denied:
                yield "# Landlock denied these: add them to its SANDBOX_* rules"
                yield from landlock_allow(denied)


def landlock_allow(denied):
    """`VARIABLE=items` lines that grant DENIED ([(blockers, object)]): a path
    to SANDBOX_FS_EXEC, _READ or _WRITE by what was missing (a made or removed
    entry's record names its directory), a port to SANDBOX_NET_CONNECT or
    _BIND, a scope left out of SANDBOX_SCOPE."""
    out = collections.OrderedDict((v, []) for v in (
        fsrules.READ, fsrules.EXEC, fsrules.WRITE, "SANDBOX_NET_CONNECT", "SANDBOX_NET_BIND"))
    scopes, unsayable = ["signal", "abstract-unix"], []
    for blockers, obj in denied:
        fs = {b for b in blockers if b.startswith("fs.")}
        if fs:
            var = (fsrules.EXEC if "fs.execute" in fs else
                   fsrules.READ if fs <= {"fs.read_file", "fs.read_dir"} else fsrules.WRITE)
            (out[var] if ":" not in obj else unsayable).append(obj)
        for b, var in (("net.connect_tcp", "SANDBOX_NET_CONNECT"),
                       ("net.bind_tcp", "SANDBOX_NET_BIND")):
            if b in blockers:
                out[var].append(obj.rsplit(" ", 1)[-1])
        for b, scope in (("scope.signal", "signal"), ("scope.abstract_unix_socket",
                                                      "abstract-unix")):
            if b in blockers and scope in scopes:
                scopes.remove(scope)
    for var, items in out.items():
        if items:
            yield "%s=%s" % (var, ":".join(sorted(set(items), key=items.index)))
    if len(scopes) < 2:
        yield "SANDBOX_SCOPE=%s" % (":".join(scopes) or "none")
    if unsayable:
        yield "# no variable can name a path with ':' in it: %s" % " ".join(unsayable)


class Joiner:
    """Landlock denials joined with the record of their domain, which the
    kernel writes right after the domain's first denial: a denial of a
    domain not seen yet waits for the next record. feed() and flush() return
    what is ready to show, in order (Domain records themselves are not)."""

    def __init__(self):
        self.domains = {}
        self.waiting = []

    def feed(self, rec):
        if isinstance(rec, Domain):
            if rec.status == "allocated":
                self.domains[rec.domain] = rec
            return self.flush()
        if isinstance(rec, Denial) and rec.domain not in self.domains:
            ready = [d for d in self.waiting if d.domain != rec.domain]
            self.waiting = [d for d in self.waiting if d.domain == rec.domain] + [rec]
            return [self.join(d) for d in ready]
        return self.flush() + [self.join(rec)]

    def flush(self):
        ready, self.waiting = self.waiting, []
        return [self.join(d) for d in ready]

    def join(self, rec):
        dom = self.domains.get(rec.domain) if isinstance(rec, Denial) else None
        if dom is None:
            return rec
        return rec._replace(pid=dom.pid, uid=dom.uid, comm=dom.comm, exe=dom.exe)


# The kernel log's word that it dropped records: printk's rate limit
# ("kauditd_printk_skb: 12 callbacks suppressed"), audit's own count.
SUPPRESSED = re.compile(r"\b\w*audit\w*: (\d+) callbacks suppressed")
AUDIT_LOST = re.compile(r"\baudit: audit_lost=(\d+)")


class Dropped:
    """How many records the log says were dropped."""

    def __init__(self):
        self.suppressed = self.lost = 0

    def add(self, line):
        m = SUPPRESSED.search(line)
        if m:
            self.suppressed += int(m.group(1))
        m = AUDIT_LOST.search(line)
        if m:
            self.lost = max(self.lost, int(m.group(1)))

    def warning(self):
        """One line, or None when nothing was dropped."""
        if not (self.suppressed or self.lost):
            return None
        why = ["%d suppressed by printk's rate limit" % self.suppressed] if self.suppressed else []
        why += ["audit_lost=%d" % self.lost] if self.lost else []
        return ("the kernel dropped audit records (%s): what is shown is incomplete; "
                "auditd keeps them all (ausearch --raw | pysandbox audit -)" % ", ".join(why))


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
