"""From what a learning run touched to Landlock rules: SANDBOX_FS_READ,
_EXEC, _WRITE, SANDBOX_NET_CONNECT, _BIND, SANDBOX_NET and SANDBOX_SCOPE.

The tracer (csrc/tools/access.c) records each path a successful call named,
with the access it took (read, exec, write, make: an entry made, removed,
renamed or linked, which needs its directory), and the TCP ports, socket
kinds and signals it used. Here those become few, sensible rules:

- a path is taken as Landlock sees it: symlinks resolved (a rule holds an
  inode), a script's interpreter added to what was executed;
- what a group covers is the group (@base for /usr and the loader's files,
  @tty, @dns; @tmp only for /tmp itself, never for a directory inside it);
- several (COLLAPSE) rules in one directory become the directory, again up
  the tree, but never `/`, a top-level directory, a home directory, nor
  anything in /etc, /dev or /proc (their files stay files);
- a rule beneath a directory rule granting as much is dropped.

Pure: propose() takes the records and a `groups` mapping; only the
defaults it falls back on (the group members, from C; the file system, for
symlinks and existence) look at the host. Rendering is pysandbox.cli.learn's.
"""
import collections
import os
import stat

COLLAPSE = 3  # rules in one directory that make it one rule
READ, EXEC, WRITE = "SANDBOX_FS_READ", "SANDBOX_FS_EXEC", "SANDBOX_FS_WRITE"
EXACT = {"@tmp"}  # groups that stand for their members only, not what lies beneath
KEEP_FILES = ("/etc", "/dev", "/proc")  # trees whose files stay files
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")

# a need: a set of "r" (read), "x" (execute), "w" (write) on a path
KIND_NEEDS = {"read": "r", "exec": "rx", "write": "rw"}


class Host:
    """What propose() asks of the file system; tests give their own."""

    def realpath(self, path):
        return os.path.realpath(path)

    def exists(self, path):
        return os.path.lexists(path)

    def isdir(self, path):
        return os.path.isdir(path)

    def is_device(self, path):
        try:
            return stat.S_ISCHR(os.stat(path).st_mode) or stat.S_ISBLK(os.stat(path).st_mode)
        except OSError:
            return False

    def interpreter(self, path):
        """The program a script's #! line names, or None."""
        try:
            with open(path, "rb") as f:
                head = f.readline(256)
        except OSError:
            return None
        if not head.startswith(b"#!"):
            return None
        words = head[2:].split()
        return os.fsdecode(words[0]) if words else None

    def home_dirs(self):
        return {os.path.expanduser("~"), "/root"}


Rules = collections.namedtuple("Rules", "fs net notes")


def propose(touched, groups, host=None, previous=(), paths_max=None):
    """Rules for TOUCHED ([(kind, text)], as _native.learn_run gives them):
    Rules(fs={variable: [items]}, net={variable: value}, notes=[lines]).
    GROUPS: {"@name": [(path, needs)]}, most specific last (learn.group_members()
    for the real ones, in the C loader's order).
    PREVIOUS: (variable, item) pairs of an earlier proposal, merged in.
    PATHS_MAX: the path rules a configuration holds (a warning past it)."""
    host = host or Host()
    notes = []
    needs, used, made = path_needs(touched, host, notes)
    for var, item in previous:
        if item.startswith("@"):
            used.add(item)
        else:
            add(needs, item.rstrip("?"), VAR_NEEDS[var])
    needs = collapse(absorb(needs, groups, used, host), host)
    fs = fs_rules(needs, [g for g in groups if g in used], host, made)
    paths = sum(1 for items in fs.values() for item in items if not item.startswith("@"))
    members = sum(len(groups[g]) for g in used if g in groups)
    if paths_max is not None and paths + members > paths_max:
        notes.append("warning: %d paths and %d group members: more than one sandbox holds "
                     "(%d path rules): name their directories instead"
                     % (paths, members, paths_max))
    for var, items in fs.items():
        for item in items:
            path = item.rstrip("?")
            if path != "/proc" and (path.count("/") == 1 or path in host.home_dirs()):
                notes.append("warning: %s=%s grants the whole of %s (the run listed or "
                             "opened it): narrow it if the program does not need all of it"
                             % (var, item, path))
    return Rules(fs, net_rules(touched, notes), notes)


def add(needs, path, rights):
    needs.setdefault(path, set()).update(rights)


def path_needs(touched, host, notes):
    """({path: needs}, groups already used, the paths the run made) of
    TOUCHED's path records."""
    needs, used, made = {}, set(), set()
    for kind, text in touched:
        if kind not in ("read", "exec", "write", "make"):
            continue
        path = os.path.normpath(text)
        if through_fd(path):
            continue  # an fd the process has (a pipe, a socket, its tty): no rule opens it
        if kind == "make":
            if host.is_device(path):
                continue  # O_CREAT on a device that exists: nothing is made
            made.add(path)
            path = os.path.dirname(path)
        if not per_process(path):
            path = host.realpath(path)  # /proc/net: /proc/self/net
        if per_process(path):
            if "/proc" not in needs:
                notes.append("/proc is granted whole for %s: a rule's path is resolved when "
                             "it is made (/proc/self would be learn's own), and every "
                             "process's status and cmdline become readable" % path)
            add(needs, "/proc", "rw" if kind in ("write", "make") else "r")
            continue
        add(needs, path, "rw" if kind == "make" else KIND_NEEDS[kind])
        if kind == "exec":
            script = host.interpreter(path)
            if script:  # the kernel opens it: no call of the program's names it
                add(needs, host.realpath(script), "rx")
    return needs, used, made


VAR_NEEDS = {READ: "r", EXEC: "rx", WRITE: "rw"}


def through_fd(path):
    """Is PATH one of a process's fds by name (/dev/stdout, /dev/fd/N,
    /proc/self/fd/N)? Resolved in learn's own process it would name learn's
    fds; what it names in the program's is open already (a pipe, a socket,
    the terminal), and a file it leads to was opened by its own name too."""
    parts = path.split("/")
    return path in ("/dev/stdin", "/dev/stdout", "/dev/stderr") or parts[1:3] == ["dev", "fd"] \
        or (per_process(path) and len(parts) > 3 and parts[3] == "fd")


def per_process(path):
    """Is PATH one of a process's own in /proc (/proc/self, /proc/PID, ...)?"""
    parts = path.split("/")
    return parts[1:2] == ["proc"] and (len(parts) == 2 or parts[2].isdigit() or
                                       parts[2] in ("self", "thread-self"))


def beneath(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def absorb(needs, groups, used, host):
    """NEEDS without what a group grants; the groups that did go in USED."""
    rest = {}
    for path, want in needs.items():
        for name in groups:
            if any(covers(member, rights, path, want, name not in EXACT, host)
                   for member, rights in groups.get(name, ())):
                used.add(name)
                break
        else:
            rest[path] = want
    return rest


def covers(member, rights, path, want, tree, host):
    if not set(want) <= set(rights):
        return False
    if path == member:
        return True
    return tree and host.isdir(member) and beneath(path, member)


def collapsible(d, host):
    """May rules in D become one rule on D?"""
    if d.count("/") < 2 or d in TMP_DIRS or d in host.home_dirs():
        return False  # /, a top-level directory, the shared temp dirs, a home
    if d.startswith("/home/") and d.count("/") == 2:
        return False
    return not any(beneath(d, top) for top in KEEP_FILES)


def collapse(needs, host):
    """NEEDS with every COLLAPSE rules in one directory made that directory's,
    repeated up the tree; then without the rules a directory rule covers."""
    needs = dict(needs)
    while True:
        children = collections.defaultdict(list)
        for path in needs:
            children[os.path.dirname(path)].append(path)
        ripe = [d for d, paths in children.items()
                if len(paths) >= COLLAPSE and collapsible(d, host)]
        if not ripe:
            break
        for d in ripe:
            for path in children[d]:
                add(needs, d, needs.pop(path))
    return {path: want for path, want in needs.items() if not covered(path, want, needs, host)}


def covered(path, want, needs, host):
    """Is PATH's need granted by a rule on a directory above it?"""
    up = os.path.dirname(path)
    while up != path:
        if up in needs and set(want) <= needs[up] and host.isdir(up):
            return True
        path, up = up, os.path.dirname(up)
    return False


def fs_rules(needs, used, host, made=()):  # USED: the groups that went in, in order
    """{variable: [items]}: groups first, then paths; `?` on a path the run
    made (it need not be there when the program runs again) or gone since."""
    out = {READ: [], EXEC: [], WRITE: []}
    for name in used:  # a group's members carry their own rights: any variable does
        out[EXEC if name == "@base" else READ if name == "@dns" else WRITE].append(name)
    for path in sorted(needs):
        want = needs[path]
        item = path if host.exists(path) and path not in made else path + "?"
        if "x" in want:
            out[EXEC].append(item)
        if "w" in want:
            out[WRITE].append(item)
        if want == {"r"}:
            out[READ].append(item)
    return out


def net_rules(touched, notes):
    """{variable: value} for the sockets, ports and signals TOUCHED used;
    notes on what no variable can allow."""
    seen = collections.defaultdict(set)
    for kind, text in touched:
        seen[kind].add(text)
    out = {}
    for var, kind in (("SANDBOX_NET_CONNECT", "connect"), ("SANDBOX_NET_BIND", "bind")):
        if seen[kind]:
            out[var] = ":".join(sorted(seen[kind], key=int))
    if "0" in seen["bind"] and seen["connect"]:
        notes.append("it bound ephemeral ports (0): a connect to one of those gets another "
                     "port in the next run")
    extra = sorted(seen["socket"] & {"udp", "raw", "netlink"})
    inet = extra or "tcp" in seen["socket"] or out
    if extra:
        out["SANDBOX_NET"] = ":".join(extra)
    elif not inet:
        out["SANDBOX_NET"] = "none"
    elif "SANDBOX_NET_CONNECT" not in out:
        out["SANDBOX_NET_CONNECT"] = ""  # TCP sockets, no connect: none allowed
    for other in sorted(seen["socket"] - {"tcp", "udp", "raw", "netlink", "unix"}):
        notes.append("socket(%s) is refused under any SANDBOX_NET* rule: leave the network "
                     "variables out to run it" % other)
    outside = sorted(seen["abstract"] - seen["listen"])
    scopes = [s for s, needed in (("signal", seen["signal"]), ("abstract-unix", outside))
              if not needed]
    if len(scopes) < 2:
        out["SANDBOX_SCOPE"] = ":".join(scopes) or "none"
        if seen["signal"]:
            notes.append("signals to processes outside the sandbox (pid %s): SANDBOX_SCOPE "
                         "leaves signal out" % ", ".join(sorted(seen["signal"], key=int)))
        if outside:
            notes.append("abstract UNIX sockets outside the sandbox (%s): SANDBOX_SCOPE leaves "
                         "abstract-unix out" % ", ".join(abstract_name(h) for h in outside))
    return out


def abstract_name(hexname):
    return "@" + bytes.fromhex(hexname).decode("utf-8", "backslashreplace")
