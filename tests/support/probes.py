"""Probes of a parsed policy: every syscall number, and argument vectors at and
around the edges of each condition (for round trips and export checks)."""
import random

from pysandbox import _native, profile
from support.filters import U64


def cond_points(c):
    """Values of C's argument at and around its edges, with and without garbage above
    its width (a sign extension, a 32-bit value in a 64-bit register)."""
    top = (1 << c.width) - 1
    out = {c.value - 1, c.value, c.value + 1, 0, top, top + 1, U64}
    if c.op == profile.MASKED_EQ:
        out |= {c.value ^ (c.mask & -c.mask), c.value | (~c.mask & top), c.mask & top}
    out |= {v | (U64 ^ top) for v in out if v >= 0}
    return {v for v in out if 0 <= v <= U64}


def arg_vectors(conds, rnd, extra=20):
    """Each argument the conditions name swept over their points, the others drawn from
    theirs (so that all of a rule's conditions hold now and then); EXTRA more drawn."""
    points = {}
    for c in conds:
        points.setdefault(c.arg, set()).update(cond_points(c))
    points = {a: sorted(v) for a, v in points.items()}

    def draw(a):
        return rnd.choice(points[a]) if a in points else rnd.choice((0, U64))

    out = [tuple(v if i == a else draw(i) for i in range(6)) for a in points for v in points[a]]
    return out + [tuple(draw(i) for i in range(6)) for _ in range(extra)]


def samples(policy, arch, rnd=None, plain=((0,) * 6, (1, 2, 3, 4, 5, 6), (U64,) * 6), extra=20):
    """(nr, args): every syscall with the PLAIN vectors; those with conditions also with
    arg_vectors(); numbers beyond the table."""
    rnd = rnd or random.Random(0)
    conds = {}
    for r in profile.rules(policy):
        conds.setdefault(r.nr, []).extend(r.conds)
    out = []
    for nr in sorted(_native.syscalls(arch).values()):
        out += [(nr, args) for args in plain]
        if conds.get(nr):
            out += [(nr, args) for args in arg_vectors(conds[nr], rnd, extra)]
    return out + [(n, (0,) * 6) for n in (1023, 0xFFFF, 0x40000000, 0xFFFFFFFF)]

