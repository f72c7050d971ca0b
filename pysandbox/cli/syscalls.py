"""pysandbox syscalls: resolve syscall names and numbers; list an arch's syscalls."""
import string
import sys

from pysandbox import _launch, _native
from pysandbox.cli import EXIT_FAILURE
from pysandbox.errors import PolicyError

INT_ARGS_NOTE = {
    "i386": "every argument is 32 bits wide",
    "x32": "argument widths are not tabulated (no filters for x32)",
    None: "*N: argument N is a 32-bit C int, compared on its low half; *N:16 on its "
          "low 16 bits (umode_t)",
}


def run(args):
    arch = args.arch or _launch.native_arch()
    table = _native.syscalls(arch)
    by_nr = {nr: name for name, nr in table.items()}
    width = len(str(max(by_nr)))
    if not args.items:
        note = INT_ARGS_NOTE.get(arch, INT_ARGS_NOTE[None])
        print("# %s: %d syscalls; %s" % (arch, len(table), note))
        for nr in sorted(by_nr):
            print(syscall_row(nr, by_nr[nr], arch, width))
        return
    failed = False
    for item in args.items:
        try:
            nr = syscall_item(item, arch, table, by_nr)
            print(syscall_row(nr, by_nr[nr], arch, width))
        except PolicyError as e:
            print("pysandbox: %s" % e, file=sys.stderr)
            failed = True
    return EXIT_FAILURE if failed else 0


def syscall_item(item, arch, table, by_nr):
    """The number of ITEM (a syscall name, or a number: decimal or 0x hex)."""
    nr = parse_number(item)
    if nr is not None:
        bias = _native.arch_nr_bias(arch)
        if nr < bias:
            nr |= bias  # x32 numbers may be given without the ABI bit
        if nr not in by_nr:
            raise PolicyError("no syscall with this number on %s: '%s'" % (arch, item))
        return nr
    if item in table:
        return table[item]
    others = [a for a in _native.ARCHES if _native.syscall_nr(item, a) is not None]
    if others:
        raise PolicyError("not a syscall on %s (it is on %s): '%s'"
                          % (arch, ", ".join(others), item))
    if _native.syscall_known(item):
        raise PolicyError("not a syscall on %s (only on other Linux architectures): '%s'"
                          % (arch, item))
    raise PolicyError("unknown syscall: '%s'" % item)


def parse_number(text):
    """Decimal or 0x hex, the whole string; None if TEXT is not a number."""
    hexa = text[:2] in ("0x", "0X")
    digits = text[2:] if hexa else text
    if digits and all(c in (string.hexdigits if hexa else string.digits) for c in digits):
        return int(digits, 16 if hexa else 10)
    return None


def syscall_row(nr, name, arch, width):
    marks = " ".join("*%d" % i + (":16" if _native.arg_width(nr, i, arch) == 16 else "")
                     for i in _native.int_args(nr, arch)) \
        if arch in _native.TARGET_ARCHES else ""
    return ("%*d  %-24s %s" % (width, nr, name, marks)).rstrip()
