"""pysandbox audit: print the kernel's seccomp audit records and Landlock
denials readably (reading and parsing: pysandbox.audit)."""
import os
import sys

from pysandbox import _kernel, audit
from pysandbox.cli import EXIT_FAILURE, EXIT_NO_RECORDS
from pysandbox.errors import LogError


def run(args):
    """Print the records ARGS selects; return the exit status (0 printed,
    1 none found, 125 a malformed record). LogError if the log is unreadable."""
    try:
        source, lines = open_source(args)
    except OSError as e:
        raise LogError(e.errno, audit.kernel_log_hint(e) if args.file is None else
                       "cannot read '%s': %s" % (args.file, e.strerror)) from None
    shown = Shown(args)
    joiner, dropped, bad = audit.Joiner(), audit.Dropped(), 0
    try:
        for n, line in enumerate(lines, 1):
            dropped.add(line)
            try:
                rec = audit.parse(line)
            except LogError as e:
                bad += 1
                print("pysandbox: %s line %d: %s: '%s'" % (source, n, e.what, e.token),
                      file=sys.stderr)
                continue
            for ready in joiner.feed(rec) if rec is not None else ():
                shown.add(ready)
    except KeyboardInterrupt:  # how --follow ends
        if not args.follow:
            raise
    for ready in joiner.flush():
        shown.add(ready)
    print_summary(shown.summary, args)
    for note in notes(args, shown, dropped):
        print("pysandbox: %s" % note, file=sys.stderr)
    if bad:
        return EXIT_FAILURE
    if not shown.seen:
        print("pysandbox: no seccomp or Landlock records in %s%s" % (source,
                                                                     no_records_hint(args)),
              file=sys.stderr)
        return EXIT_NO_RECORDS
    return 0


class Shown:
    """The records the selection keeps: printed at once, or summed up."""

    def __init__(self, args):
        self.args, self.summary, self.seen, self.denials = args, audit.Summary(), 0, 0

    def add(self, rec):
        if not wanted(rec, self.args):
            return
        self.seen += 1
        self.denials += isinstance(rec, audit.Denial)
        if self.args.summary or self.args.allow:
            self.summary.add(rec)
            return
        if self.seen == 1:
            print(audit.HEADER)
        print(audit.record_line(rec), flush=self.args.follow)


def notes(args, shown, dropped):
    """Lines on what the log may be missing."""
    out = [dropped.warning()] if dropped.warning() else []
    if args.file is None and not shown.denials:
        try:
            enabled = _kernel.audit_status()["enabled"]
        except OSError:
            enabled = None  # not root: not known
        if enabled == 0:
            out.append("note: audit is disabled, so the kernel logs no Landlock denials "
                       "(auditctl -e 1 enables it)")
    return out


def open_source(args):
    """(name for messages, iterable of lines)."""
    if args.file is None:
        return "the kernel log", audit.kernel_log(args.follow)
    if args.file == "-":
        return "stdin", audit.read_lines(sys.stdin.buffer, args.follow)
    return args.file, audit.read_lines(open(args.file, "rb"), args.follow)


def wanted(rec, args):
    if args.pid is not None and rec.pid != args.pid:
        return False
    if args.exe is not None:
        names = {rec.exe, rec.comm, os.path.basename(rec.exe or "")}
        return args.exe in names
    return True


def print_summary(summary, args):
    if args.summary:
        for line in summary.lines():
            print(line)
    if args.allow:
        if args.summary and summary.programs:
            print()
        for line in summary.allowlists():
            print(line)


def no_records_hint(args):
    if args.file is None and os.path.exists(audit.AUDIT_LOG):
        return " (auditd keeps them: ausearch -m SECCOMP --raw | pysandbox audit -)"
    if args.pid is not None or args.exe is not None:
        return " for the selected program"
    return ""
