"""pysandbox groups: syscall groups (@name) and their members."""
from pysandbox import _native


def run(args):
    names = args.names or _native.groups()
    for name in names:
        if not name.startswith("@"):
            name = "@" + name
        members = _native.group_members(name, args.arch)
        if args.names:
            print("\n".join(members))
        else:
            print("%-16s %3d  %s" % (name, len(members), " ".join(members[:8])
                                      + (" ..." if len(members) > 8 else "")))
