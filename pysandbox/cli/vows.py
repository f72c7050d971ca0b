"""pysandbox vows: each promise, the syscalls and argument conditions it allows.

Read from the C table (csrc/core/vows.c) the compiler uses, never a copy."""
from pysandbox import _native
from pysandbox.errors import PolicyError


def run(args):
    names = _native.vow_names()
    for name in args.promises:
        if name not in names and name != "always":
            raise PolicyError("unknown promise: '%s' (known: %s)" % (name, " ".join(names)))
    rows, paths = _native.vow_rows(), _native.vow_paths()
    for name in args.promises or ("always",) + names:
        print(name)
        for line in promise_lines(name, rows, paths):
            print("  " + line)


def promise_lines(name, rows, paths):
    """What promise NAME ("always": the rows every set of vows has) allows."""
    out = []
    for r in rows:
        if (r.needs == () and name == "always") or name in r.needs:
            also = [n for n in r.needs if n != name]
            when = (" (with %s)" % " ".join(also) if also else "") + \
                   (" (unless %s)" % " ".join(r.unless) if r.unless else "")
            out.append("%s%s  # %s" % (r.text.replace(":", " "), when, r.note))
    for p in paths:
        if p.promise == name:
            rights = " ".join(_native.landlock_right_names(0, p.access))
            out.append("as %s, Landlock confining those not promised to %s (%s)"
                       % (" ".join(p.implies), p.path, rights))
    if name == "error":
        out.append("what no promise allows fails with EPERM instead of killing the process")
    return out
