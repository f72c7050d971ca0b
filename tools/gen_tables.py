#!/usr/bin/env python3
"""Generate csrc/core/tables.h: every name the policy compiler knows, as data.

Sources, never typed numbers:
  syscalls   the kernel's own per-arch tables, every slot: the asm/unistd_*.h
             its build generates from arch/*/syscall*.tbl, as Debian's newest
             linux-libc-dev ships them for every arch (or --uapi DIR, its
             usr/include) - reserved, never-implemented slots included
             (uselib, afs_syscall, ...), which libseccomp, systemd and older
             policies name; checked against the PyPI package `system-calls`
             (the implemented ones, through Linux 7.2), whose list of names
             of every Linux arch is sb_known
  errnos     Python's errno module (asm-generic values: x86_64 and aarch64)
  constants  the C library's own headers, read by compiling a probe with cc;
             only names whose value is the same on x86_64 and aarch64
  groups     tools/groups.txt (syscall groups, systemd's names + @dangerous)
  int args   the kernel's include/linux/syscalls.h (from Debian's newest
             linux-headers-*-common, or --syscalls-h PATH): which arguments
             of each syscall are 32-bit or 16-bit (umode_t), so conditions
             compare what the kernel reads (it truncates them to their C type)
Run `make tables` after changing any of them; never edit the output.

Layout (one string pool and offsets, no pointers, so libsandbox.so needs no
relocations for it):
  sb_pool[]            every name once, NUL-separated
  sb_tab_<arch>[]      {pool offset, nr - bias} sorted by name
  sb_known[]           pool offsets of every Linux syscall name of any arch
  sb_errnos[]          {pool offset, value} sorted by name
  sb_consts[]          {pool offset, value} sorted by name
  sb_groups[]          {pool offset, first member, count, all} sorted by name
  sb_members[]         pool offsets of member syscall names, flattened
  sb_int_<arch>[]      {nr, bitmask of arguments narrower than 64 bits, bitmask of
                       the 16-bit ones among them} sorted by nr (targets)
  sb_hash_<arch>[]     open-addressing index into sb_tab_<arch> by FNV-1a of the
                       name, linear probing, 0 = empty, else index + 1 (targets:
                       the name lookups every sandboxed program's start makes)
"""
import argparse
import errno
import functools
import importlib
import lzma
import os
import re
import subprocess
import tempfile
import urllib.request
from importlib import metadata

import system_calls
from system_calls.tables.names import syscalls_names

HERE = os.path.dirname(os.path.abspath(__file__))

# (our arch name, system_calls table module, nr bias the table already carries,
#  the kernel's generated table under linux-libc-dev's usr/include)
ARCHES = [
    ("x86_64", "x86_64", 0, "x86_64-linux-gnu/asm/unistd_64.h"),
    ("i386", "i386", 0, "x86_64-linux-gnu/asm/unistd_32.h"),
    ("x32", "x32", 0x40000000, "x86_64-linux-gnu/asm/unistd_x32.h"),
    ("aarch64", "arm64", 0, "aarch64-linux-gnu/asm/unistd_64.h"),
]
X32_BIT = 0x40000000  # __X32_SYSCALL_BIT

# Symbolic constants for argument conditions: (header, names). Only values
# that x86_64 and aarch64 share (O_DIRECTORY, O_NOFOLLOW, O_DIRECT,
# O_LARGEFILE and O_TMPFILE differ, so they are left out).
CONSTANTS = [
    ("sys/socket.h", "AF_UNSPEC AF_UNIX AF_LOCAL AF_INET AF_INET6 AF_NETLINK AF_PACKET "
     "AF_BLUETOOTH AF_ALG AF_VSOCK SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_SEQPACKET "
     "SOCK_NONBLOCK SOCK_CLOEXEC"),
    ("linux/sched.h", "CLONE_VM CLONE_FS CLONE_FILES CLONE_SIGHAND CLONE_PIDFD CLONE_PTRACE "
     "CLONE_VFORK CLONE_PARENT CLONE_THREAD CLONE_NEWNS CLONE_SYSVSEM CLONE_SETTLS "
     "CLONE_PARENT_SETTID CLONE_CHILD_CLEARTID CLONE_UNTRACED CLONE_CHILD_SETTID "
     "CLONE_NEWCGROUP CLONE_NEWUTS CLONE_NEWIPC CLONE_NEWUSER CLONE_NEWPID CLONE_NEWNET "
     "CLONE_IO CLONE_NEWTIME"),
    ("fcntl.h", "O_RDONLY O_WRONLY O_RDWR O_ACCMODE O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND "
     "O_NONBLOCK O_DSYNC O_SYNC O_CLOEXEC O_PATH AT_FDCWD AT_SYMLINK_NOFOLLOW AT_REMOVEDIR "
     "AT_EMPTY_PATH"),
    ("sys/prctl.h", "PR_SET_PDEATHSIG PR_GET_PDEATHSIG PR_GET_DUMPABLE PR_SET_DUMPABLE "
     "PR_GET_KEEPCAPS PR_SET_KEEPCAPS PR_SET_NAME PR_GET_NAME PR_GET_SECCOMP PR_SET_SECCOMP "
     "PR_CAPBSET_READ PR_CAPBSET_DROP PR_GET_SECUREBITS PR_SET_SECUREBITS PR_SET_TIMERSLACK "
     "PR_GET_TIMERSLACK PR_SET_PTRACER PR_SET_CHILD_SUBREAPER PR_GET_CHILD_SUBREAPER "
     "PR_SET_NO_NEW_PRIVS PR_GET_NO_NEW_PRIVS PR_SET_MM PR_CAP_AMBIENT PR_SET_VMA"),
    ("sys/personality.h", "PER_LINUX PER_LINUX32 PER_LINUX_32BIT ADDR_NO_RANDOMIZE"),
    ("sys/mman.h", "PROT_NONE PROT_READ PROT_WRITE PROT_EXEC MAP_SHARED MAP_PRIVATE MAP_FIXED "
     "MAP_ANONYMOUS"),
]
# Not a C macro, but the value people need: personality(PERSONALITY_QUERY)
# returns the current persona without changing it.
EXTRA_CONSTANTS = {"PERSONALITY_QUERY": 0xFFFFFFFF}


# Argument types the kernel truncates (its syscall wrappers cast each register
# to the declared type): to 32 bits, and umode_t (unsigned short) to 16.
# Anything else - pointers, long, size_t, off_t - stays 64.
INT32_TYPES = {"int", "unsigned int", "unsigned", "signed int", "u32", "__u32", "s32",
               "__s32", "uint32_t", "pid_t", "uid_t", "gid_t", "qid_t", "key_serial_t",
               "clockid_t", "timer_t", "mqd_t", "rwf_t", "key_t"}
INT16_TYPES = {"umode_t"}
C_TYPE_WORDS = {"int", "long", "short", "char", "unsigned", "signed"}
# syscall table names whose kernel function is called otherwise
SYS_ALIASES = {"umount2": "umount"}
DEBIAN = "http://deb.debian.org/debian/"


@functools.lru_cache(maxsize=None)
def debian_index():
    """The stanzas of Debian unstable's index of architecture-independent packages."""
    text = urllib.request.urlopen(DEBIAN + "dists/sid/main/binary-all/Packages.xz").read()
    return lzma.decompress(text).decode().split("\n\n")


def debian_package(cache, pattern):
    """The newest architecture-independent package of Debian unstable whose name
    matches PATTERN (a regex; its group 1, if not empty, is the version to compare),
    unpacked into CACHE. Returns (its tree, its name and version)."""
    best = None
    for stanza in debian_index():
        m = re.search(r"^Package: (%s)$" % pattern, stanza, re.M)
        v = re.search(r"^Version: (\S+)$", stanza, re.M)
        f = re.search(r"^Filename: (\S+)$", stanza, re.M)
        if m and v and f and not m.group(1).endswith("-rt-common"):
            key = tuple(int(x) for x in re.findall(r"[0-9]+", m.group(2) or v.group(1)))
            if best is None or key > best[0]:
                best = (key, "%s %s" % (m.group(1), v.group(1)), f.group(1))
    assert best, "no %s in Debian sid" % pattern
    _, package, filename = best
    deb = os.path.join(cache, os.path.basename(filename))
    if not os.path.exists(deb):
        urllib.request.urlretrieve(DEBIAN + filename, deb)
    tree = os.path.join(cache, os.path.basename(filename)[:-4])
    subprocess.run(["dpkg-deb", "-x", deb, tree], check=True)
    return tree, package


def debian_syscalls_h(cache):
    """include/linux/syscalls.h of the newest linux-headers-*-common in Debian
    unstable. Returns (path, package)."""
    tree, package = debian_package(cache, r"linux-headers-([0-9.]+)[^\n]*-common")
    name = package.split()[0]
    return os.path.join(tree, "usr/src", name, "include/linux/syscalls.h"), package


def debian_uapi(cache):
    """usr/include of Debian unstable's linux-libc-dev (every arch's uapi headers).
    Returns (path, package)."""
    tree, package = debian_package(cache, r"linux-libc-dev()")
    return os.path.join(tree, "usr/include"), package


def param_width(param):
    """64, 32 or 16: the bits of one parameter the kernel keeps."""
    if "*" in param or "[" in param:
        return 64
    words = [w for w in param.split() if w not in ("const", "volatile", "__user")]
    if words and words[0] == "enum":
        return 32
    for cut in (words, words[:-1] if len(words) > 1 and words[-1] not in C_TYPE_WORDS
                else None):  # unnamed ("int"), or drop the parameter's name
        if cut is not None and " ".join(cut) in INT16_TYPES:
            return 16
        if cut is not None and " ".join(cut) in INT32_TYPES:
            return 32
    return 64


def arg_widths(syscalls_h):
    """{kernel function name without sys_: (bitmask of its arguments narrower than
    64 bits, bitmask of the 16-bit ones)}. Where the header declares a function
    several ways (#ifdef variants, e.g. clone), an argument gets the widest of its
    declarations."""
    text = re.sub(r"/\*.*?\*/", " ", open(syscalls_h).read(), flags=re.S)
    decls = {}
    for m in re.finditer(r"asmlinkage\s+long\s+sys_(\w+)\s*\(([^;]*?)\)\s*;", text, re.S):
        params = " ".join(m.group(2).split())
        widths = [] if params == "void" else [param_width(p.strip()) for p in params.split(",")]
        decls.setdefault(m.group(1), []).append(widths)
    masks = {}
    for name, variants in decls.items():
        width = [max(v[i] if i < len(v) else 64 for v in variants) for i in range(6)]
        masks[name] = (sum(1 << i for i in range(6) if width[i] < 64),
                       sum(1 << i for i in range(6) if width[i] == 16))
    assert masks.get("socket") == (0b111, 0) and masks.get("clone") == (0, 0) and \
        masks.get("fchmodat") == (0b101, 0b100), "syscalls.h not understood"
    return masks


def arch_arg_widths(table, masks):
    """[(nr, narrow mask, 16-bit mask)] for one arch's table, narrow ones only, by number."""
    out = []
    for name, nr in table.items():
        fn = SYS_ALIASES.get(name, name)
        narrow, short = masks.get(fn, masks.get("new" + fn, (0, 0)))
        if narrow:
            out.append((nr, narrow, short))
    return sorted(out)


def uapi_table(path):
    """{name: nr} of a generated asm/unistd_*.h: every slot of the kernel's table."""
    out = {}
    for m in re.finditer(r"^#define __NR_(\w+) (?:\(__X32_SYSCALL_BIT \+ )?(\d+)\)?$",
                         open(path).read(), re.M):
        out[m.group(1)] = int(m.group(2)) + (X32_BIT if "X32_SYSCALL_BIT" in m.group(0) else 0)
    return out


def arch_table(uapi, header, module):
    """The kernel's table of one arch, checked against system-calls' (which leaves
    out the never-implemented slots)."""
    table = uapi_table(os.path.join(uapi, header))
    implemented = load(module)
    assert len(table) > 300, header
    wrong = {n: (nr, table.get(n)) for n, nr in implemented.items() if table.get(n) != nr}
    assert not wrong, "%s and system-calls disagree: %s" % (header, wrong)
    return table


def load(table):
    mod = importlib.import_module("system_calls.tables." + table)
    return getattr(mod, "syscalls_" + table)


def c_constants():
    src = ["#define _GNU_SOURCE", "#include <stdio.h>"]
    src += ["#include <%s>" % h for h, _ in CONSTANTS]
    names = [n for _, ns in CONSTANTS for n in ns.split()]
    src.append("int main(void) {")
    src += ['\tprintf("%%s %%lld\\n", "%s", (long long)(%s));' % (n, n) for n in names]
    src.append("\treturn 0;\n}")
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "c.c"), "w") as f:
            f.write("\n".join(src) + "\n")
        subprocess.run(["cc", "-o", os.path.join(d, "c"), os.path.join(d, "c.c")], check=True)
        out = subprocess.run([os.path.join(d, "c")], check=True, capture_output=True, text=True)
    values = {n: int(v) for n, v in (ln.split() for ln in out.stdout.splitlines())}
    values.update(EXTRA_CONSTANTS)
    return values


def read_groups(path, known):
    """{group: ([member groups], [syscall names], all)} from tools/groups.txt."""
    groups, cur = {}, None
    for lineno, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line:
            continue
        where = "%s:%d" % (path, lineno)
        if not line.startswith(" "):
            assert line.startswith("@") and line not in groups, where
            cur = groups[line] = ([], [], False)
            continue
        member = line.strip()
        assert cur is not None, where
        if member == "*":
            groups[next(reversed(groups))] = (cur[0], cur[1], True)
            cur = groups[next(reversed(groups))]
        elif member.startswith("@"):
            cur[0].append(member)
        else:
            assert member in known, "%s: not a Linux syscall: %s" % (where, member)
            cur[1].append(member)
    return groups


def flatten(groups, name, seen=()):
    assert name in groups and name not in seen, "unknown or cyclic group " + name
    subs, names, all_ = groups[name]
    out = set(names)
    for s in subs:
        sub_names, sub_all = flatten(groups, s, seen + (name,))
        out |= sub_names
        all_ = all_ or sub_all
    return out, all_


class Pool:
    def __init__(self, names):
        self.names = sorted(set(names))
        self.offset, pos = {}, 0
        for n in self.names:
            self.offset[n] = pos
            pos += len(n) + 1
        assert pos < 65536, "pool too large for uint16 offsets"
        self.size = pos

    def emit(self, w):
        w.append("#define SB_POOL_SIZE %d" % self.size)
        w.append("static const char sb_pool[SB_POOL_SIZE + 1] =")
        line = ""
        for n in self.names:
            piece = n + "\\0"
            if len(line) + len(piece) > 70:
                w.append('\t"%s"' % line)
                line = ""
            line += piece
        w.append('\t"%s";' % line)


def emit_pairs(w, decl, pairs, pool, fmt="\t{ %5d, %4d },\t/* %s */"):
    w.append("")
    w.append(decl + " = {")
    for name, value in pairs:
        w.append(fmt % (pool.offset[name], value, name))
    w.append("};")


def main(out_path, syscalls_h, uapi):
    cache = tempfile.mkdtemp(prefix="pysandbox-tables-")
    source, uapi_source = syscalls_h, uapi
    if not syscalls_h:
        syscalls_h, source = debian_syscalls_h(cache)
    if not uapi:
        uapi, uapi_source = debian_uapi(cache)
    masks = arg_widths(syscalls_h)
    tables = {arch: arch_table(uapi, header, mod) for arch, mod, _, header in ARCHES}
    errnos = sorted((n, getattr(errno, n)) for n in dir(errno)
                    if n.startswith("E") and isinstance(getattr(errno, n), int))
    consts = sorted(c_constants().items())
    known = set(syscalls_names) | {n for t in tables.values() for n in t}
    groups = read_groups(os.path.join(HERE, "groups.txt"), known)
    pool = Pool(list(known) + [n for n, _ in errnos] + [n for n, _ in consts] + list(groups))

    w = ["/* Generated by tools/gen_tables.py from the asm/unistd_*.h of %s, checked"
         " against system-calls %s (Linux %s), the C library's headers, tools/groups.txt"
         " and include/linux/syscalls.h of %s. Do not edit. */"
         % (uapi_source, metadata.version("system-calls"),
            system_calls.syscalls().linux_version, source)]
    pool.emit(w)
    w.append("#define SB_HASH_SIZE %d" % HASH_SIZE)
    for arch, _, bias, _ in ARCHES:
        pairs = [(n, tables[arch][n] - bias) for n in sorted(tables[arch])]
        assert all(0 <= nr < 65536 for _, nr in pairs), arch
        emit_pairs(w, "static const struct sb_sysent sb_tab_%s[]" % arch, pairs, pool)
    w.append("")
    w.append("static const uint16_t sb_known[] = {")
    w += ["\t%d,\t/* %s */" % (pool.offset[n], n) for n in sorted(known)]
    w.append("};")
    emit_pairs(w, "static const struct sb_sysent sb_errnos[]", errnos, pool)
    emit_pairs(w, "static const struct sb_const sb_consts[]", consts, pool,
               "\t{ %5d, %dLL },\t/* %s */")
    members, rows = [], []
    for name in sorted(groups):
        names, all_ = flatten(groups, name)
        rows.append((name, len(members), len(names), int(all_)))
        members += sorted(names)
    w.append("")
    w.append("static const struct sb_group sb_groups[] = {")
    w += ["\t{ %5d, %4d, %4d, %d },\t/* %s */" % (pool.offset[n], first, count, all_, n)
          for n, first, count, all_ in rows]
    w.append("};")
    w.append("")
    w.append("static const uint16_t sb_members[] = {")
    w += ["\t%d,\t/* %s */" % (pool.offset[n], n) for n in members]
    w.append("};")
    for arch, *_ in ARCHES:
        if arch not in ("x86_64", "aarch64"):
            continue  # name tables only: no filters are compiled for them
        slots = hash_index(sorted(tables[arch]))
        w.append("")
        w.append("static const uint16_t sb_hash_%s[SB_HASH_SIZE] = {" % arch)
        for i in range(0, HASH_SIZE, 16):
            w.append("\t" + " ".join("%d," % v for v in slots[i:i + 16]))
        w.append("};")
        rows = arch_arg_widths(tables[arch], masks)
        w.append("")
        w.append("static const struct sb_intargs sb_int_%s[] = {" % arch)
        w += ["\t{ %4d, 0x%02x, 0x%02x },\t/* %s */" % (nr, narrow, short,
                                                       name_of(tables[arch], nr))
              for nr, narrow, short in rows]
        w.append("};")
    with open(out_path, "w") as f:
        f.write("\n".join(w) + "\n")


HASH_SIZE = 1024  # a power of two, at least twice the largest table


def fnv1a(name):
    h = 2166136261
    for c in name.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def hash_index(names):
    """Slots for NAMES (sorted; slot value = position + 1), as syscalls.c probes."""
    assert 2 * len(names) <= HASH_SIZE
    slots = [0] * HASH_SIZE
    for pos, name in enumerate(names):
        i = fnv1a(name) & (HASH_SIZE - 1)
        while slots[i]:
            i = (i + 1) & (HASH_SIZE - 1)
        slots[i] = pos + 1
    return slots


def name_of(table, nr):
    return next(n for n, v in table.items() if v == nr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?", default=os.path.join(HERE, "..", "csrc", "core", "tables.h"))
    ap.add_argument("--syscalls-h", help="the kernel's include/linux/syscalls.h "
                    "(default: download Debian's newest linux-headers-*-common)")
    ap.add_argument("--uapi", help="usr/include of the kernel's uapi headers for every "
                    "arch (default: download Debian's newest linux-libc-dev)")
    opts = ap.parse_args()
    main(opts.out, opts.syscalls_h, opts.uapi)
