"""What several subcommands share: the host a profile is decided for, and
writing their output."""
import sys

from pysandbox import _native, profile
from pysandbox.errors import OutputError, PolicyError


def host(args):
    """The host a profile's includes/excludes are decided for: this process,
    or what --caps and --kernel say."""
    if args.caps is None and args.kernel is None:
        return None  # this process's own, probed only if a profile needs it
    kernel = None
    if args.kernel:
        try:
            kernel = tuple(int(p) for p in args.kernel.split("."))
        except ValueError:
            kernel = ()
        if len(kernel) != 2:
            raise PolicyError("--kernel: expected MAJOR.MINOR, not '%s'" % args.kernel)
    caps = None if args.caps is None else profile.parse_caps(args.caps)
    return _native.host(caps, kernel)


def write_output(path, data):
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise OutputError(e.errno, "cannot write '%s': %s" % (path, e.strerror)) from None
