"""pysandbox.Sandbox: one sandbox, as a frozen value, and its front doors.

A Sandbox holds the settings of pysandbox.vocabulary (the same strings as the
SECCOMP_* / SANDBOX_* variables), checked by the C loader when it is made.
It runs a command confined (run, Popen, create_subprocess_exec: the
subprocess and asyncio signatures), confines the calling process (apply), or
runs one function in a confined child (call, isolated).

The road to a program (Sandbox._road, also `pysandbox run`'s): the program
file is inspected, never guessed -- a dynamically linked ELF program gets
libsandbox.so through LD_PRELOAD; a static or static-pie one the
first-instruction launch (sandboxify's, pysandbox/_launch.py); a `#!` script
the road of its interpreter; a set-id or file-capability program, one of
another ABI, one this user may not read, and any other file are refused.
So no policy is silently dropped (LD_PRELOAD on a static program would be).
"""
import errno
import functools
import os
import struct
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional, Sequence, TypeVar, Union

from pysandbox import _launch, _native
from pysandbox import vows as _vows
from pysandbox.errors import LaunchError, PolicyError, RefusedError
from pysandbox.vocabulary import BY_ENV, BY_KEYWORD, ISOLATE, PYTHON_ONLY, SETTINGS, render

if TYPE_CHECKING:  # the annotations' names; imported when a method needs them
    import asyncio
    import subprocess

__all__ = ["Sandbox"]

PRELOAD, LAUNCH = "preload", "launch"  # the roads
LOOPBACK = "loopback"  # SANDBOX_NET=loopback: a network namespace with lo only (bubblewrap)
SCRIPT_DEPTH = 4  # #! interpreters followed, as binfmt_script's recursion limit
# subprocess keywords that change the child before its exec: another user, or
# the caller's code (inspection in the child: the launch road)
CHILD_CHANGES = ("user", "group", "extra_groups", "preexec_fn")
# this package's parent directory: the child launcher imports pysandbox from there
# (every link resolved: bubblewrap binds what the kernel finds, and a link
# from outside into a /tmp or /dev would hide the library inside)
_HOME = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
# the child launcher of the first-instruction road (a front door, as
# bin/sandboxify): python -I -c _BOOT PATH ARGV...
_BOOT = "import sys; sys.path.insert(0, %r); from pysandbox.cli.run import boot; boot()" % _HOME
LIB = os.path.join(_HOME, "pysandbox", "libsandbox.so")  # pysandbox.LIB


Items = Optional[Union[str, Sequence[str]]]
Paths = Optional[Union[str, Sequence[Union[str, "os.PathLike[str]"]]]]
Ports = Optional[Union[str, Sequence[Union[str, int]]]]
Text = Optional[str]
Path = Optional[Union[str, "os.PathLike[str]"]]
Flag = Optional[bool]
T = TypeVar("T")


class Sandbox:
    """A sandbox: keyword-only settings, one per variable (pysandbox.vocabulary),
    checked by the C loader when made (PolicyError with the loader's line,
    before anything starts), immutable.

    List settings take a str (as the variable's value) or a sequence; bools
    (verbose, best_effort) a bool.

    >>> from pysandbox import Sandbox
    >>> box = Sandbox(fs_exec=["@base"], fs_write=["/tmp"], net="none")
    >>> box.environ()["SANDBOX_FS_EXEC"]
    '@base'
    >>> box.run(["cat", "/etc/hostname"]).returncode   # Landlock refuses the file
    1
    """

    __slots__ = ("_values", "_config", "_isolate", "_mine", "_seen", "_entry")

    def __init__(self, *, allow: Items = None, deny: Items = None, default: Text = None,
                 profile: Path = None, policy_file: Path = None, verbose: Flag = None,
                 fs_read: Paths = None, fs_exec: Paths = None, fs_write: Paths = None,
                 net: Items = None, net_connect: Ports = None, net_bind: Ports = None,
                 scope: Items = None, io_uring: Text = None, best_effort: Flag = None,
                 exec_allow: Items = None, exec_deny: Items = None, vows: Items = None,
                 vows_exec: Items = None, caps: Items = None,
                 limits: Union[Items, Mapping[str, Union[str, int]]] = None,
                 isolate: Items = None) -> None:
        given = locals()
        values = {}
        for s in SETTINGS:
            text = render(s, given[s.keyword])
            if text is not None:
                values[s.env] = text
        _setup(self, values)

    @classmethod
    def from_environ(cls, environ: Optional[Mapping[Any, Any]] = None) -> "Sandbox":
        """The Sandbox the SECCOMP_* / SANDBOX_* variables of ENVIRON (a mapping
        of str or bytes; None: os.environ) describe. A name of our families that
        is no setting (a typo, SECCOMP_LEARN) is a PolicyError, as for libsandbox.so."""
        return _from_values(_ours(os.environ if environ is None else environ)[0])

    def environ(self) -> "dict[str, str]":
        """{variable: value} of the settings given (SANDBOX_ISOLATE included)."""
        return dict(self._values)

    def replace(self, **changes: Any) -> "Sandbox":
        """A new Sandbox: these settings changed (None: unset), the others kept."""
        fields = {BY_ENV[k].keyword: v for k, v in self._values.items()}
        fields.update(changes)
        return Sandbox(**fields)

    def __setattr__(self, name, value):
        raise AttributeError("Sandbox is immutable: use replace(%s=...)" % name)

    def __eq__(self, other):
        return isinstance(other, Sandbox) and self._values == other._values

    def __hash__(self):
        return hash(frozenset(self._values.items()))

    def __reduce__(self):
        # the settings alone: what is made of them (the loaded configuration,
        # call()'s prepared filter, run()'s memo) is made anew where unpickled
        return _from_values, (self._values,)

    def __repr__(self):
        return "Sandbox(%s)" % ", ".join("%s=%r" % (BY_ENV[k].keyword, getattr(self, BY_ENV[k]
                                                                                 .keyword))
                                         for k in self._values)

    # ---- commands ----

    def Popen(self, args: Any, **kwargs: Any) -> "subprocess.Popen[Any]":
        """subprocess.Popen(ARGS, **KWARGS) confined: the same arguments and
        semantics (env, cwd, stdin/stdout/stderr, text, pass_fds, ...), a
        subprocess.Popen back. Without isolate, its pid is the program's."""
        import subprocess

        argv, kw = self._command(args, kwargs)
        proc = subprocess.Popen(argv, **kw)
        proc.args = args  # as subprocess's: what the caller gave
        return proc

    def run(self, args: Any, **kwargs: Any) -> "subprocess.CompletedProcess[Any]":
        """subprocess.run(ARGS, **KWARGS) confined (check, capture_output,
        timeout, input, ...): a subprocess.CompletedProcess.

        >>> Sandbox(deny=["ptrace"]).run(["true"]).returncode
        0
        """
        import subprocess

        argv, kw = self._command(args, kwargs)
        done = subprocess.run(argv, **kw)
        done.args = args
        return done

    async def create_subprocess_exec(self, program: Any, *args: Any,
                                     **kwargs: Any) -> "asyncio.subprocess.Process":
        """asyncio.create_subprocess_exec(PROGRAM, *ARGS, **KWARGS) confined:
        an asyncio.subprocess.Process."""
        import asyncio

        argv, kw = self._command([program, *args], kwargs)
        return await asyncio.create_subprocess_exec(*argv, **kw)

    def _command(self, args, kwargs):
        """(argv, kwargs) for subprocess that run ARGS confined."""
        kwargs = dict(kwargs)
        argv = _argv(args, kwargs)
        env, cwd = kwargs.get("env"), kwargs.get("cwd")
        seen = self._merged(os.environ if env is None else env)
        box = seen.box
        given = kwargs.pop("executable", None)
        exe = given if given is not None else argv[0]
        path = _find(exe, _exec_path(env), cwd)
        if any(kwargs.get(k) is not None for k in CHILD_CHANGES):
            # the child becomes another user, or runs code of the caller's,
            # before its exec: inspected here, the file or the loader's
            # access to libsandbox.so may be another; the launch inspects
            # in the child, after those took effect
            road = LAUNCH
        else:
            road = box._road(path, cwd=cwd)[0] if path else PRELOAD  # not found: subprocess says so
        if box._isolate is None:
            argv = box._launcher(road, path or exe, argv)
            kwargs["env"] = seen.env(road)
            if road == PRELOAD and (path or given is not None):
                kwargs["executable"] = path or given  # exactly the file inspected
        else:
            argv, env = box._program(road, path or exe, argv, seen.rest, cwd)
            kwargs["env"] = dict(e.split(b"=", 1) for e in env)
        return argv, kwargs

    # ---- this process ----

    def apply(self) -> None:
        """Confine the calling process for the rest of its life (and every
        child): limits, capabilities, no_new_privs, Landlock, the seccomp
        filter, in sb_enter()'s order. Refuses (PolicyError) what cannot apply
        to a running process: isolate and net="loopback" (namespaces need a
        new process); InstallError if the kernel refuses a step. The exec
        policy applies (its supervisor traces this thread and every task it
        starts); vows_exec is handed on in os.environ, as pledge() does.

        >>> Sandbox(deny=["ptrace=EPERM"]).apply()   # doctest: +SKIP
        """
        self._refuse_running("apply()")
        if self._config is None:
            raise PolicyError(_native.NO_POLICY)
        if self._config.verbose and sys.stderr is not None:
            for line in _native.describe(self._config):
                sys.stderr.write("pysandbox: %s\n" % line)
        _native.enter(self._config)
        handed = self._handed_on()
        if handed is not None:
            os.environ.update(handed)

    def call(self, fn: Callable[..., T], /, *args: Any, timeout: Optional[float] = None,
             **kwargs: Any) -> T:
        """FN(*ARGS, **KWARGS) in a forked child confined by this sandbox; its
        result, or its exception re-raised here (the child's traceback as its
        __cause__). A plain result (None, a bool, int, float, str or bytes)
        crosses back as itself; others, and exceptions, by pickle, read with
        built-in types only: a compromised child cannot make this process run
        code through its answer. What the sandbox lets the child do to this
        process is the sandbox's to forbid: a deny-list lets it write this
        process's memory through /proc/PID/mem and signal it; scope=["signal"]
        (or any Landlock setting) puts the child in a domain that can do
        neither (README "Python API"). CallError if the child dies (killed by
        the filter: the syscall is named, from the kernel's SIGSYS siginfo),
        CallTimeout after TIMEOUT seconds (the child is killed).

        >>> Sandbox(allow=["@default", "@basic-io", "brk", "mmap", "munmap"]).call(sum, [1, 2])
        3
        """
        from pysandbox import _call

        self._refuse_running("call()")
        if self._config is None:
            raise PolicyError(_native.NO_POLICY)
        entry = self._entry
        if entry is None:  # made once: each call's child only installs the filter
            entry = _native.Entry(self._config, trap_kills=True)
            object.__setattr__(self, "_entry", entry)
        handed = self._handed_on()
        if handed is not None:  # the child's os.environ, once it is confined
            fn, args = _handing_on, (handed, fn, *args)
        return _call.call(entry, fn, args, kwargs, timeout)

    def isolated(self, fn: Optional[Callable[..., T]] = None, *,
                 timeout: Optional[float] = None) -> Any:
        """Decorator: every call of the function runs through call().

        >>> @Sandbox(deny=["socket"]).isolated(timeout=5)
        ... def parse(data):
        ...     return data.split(b",")
        """
        def wrap(f):
            @functools.wraps(f)
            def isolated_call(*args, **kwargs):
                return self.call(f, *args, timeout=timeout, **kwargs)
            return isolated_call

        return wrap if fn is None else wrap(fn)

    def _refuse_running(self, what):
        # NOTE: the exec policy applies: its supervisor attaches to the calling
        # thread (and every task it starts); a thread already running is not
        # traced, so its execs fail with ENOSYS (fail closed)
        if self._isolate is not None:
            key = "isolate" if BY_KEYWORD["isolate"].env in self._values else "net"
            why = ("namespaces need a new process" if key == "isolate" else
                   "net=%r is a network namespace: it needs a new process" % LOOPBACK)
            raise PolicyError("%s=: %s cannot apply it (%s): use run() or Popen()"
                              % (key, what, why))

    def _handed_on(self):
        """The variables an exec'd program gets under vows_exec (as pledge()'s
        execpromises: SANDBOX_VOWS, libsandbox.so in LD_PRELOAD), or None."""
        vows = self._config.vows
        if vows is None or vows[1] is None:
            return None
        return _vows._hand_on(vows[1], LIB, os.environ.get("LD_PRELOAD"))

    # ---- the roads ----

    def _merged(self, environ):
        """The _Seen of ENVIRON: the Sandbox with ENVIRON's own variables of
        our families merged in (see _merge), ENVIRON's other entries. Made
        once for the last environment seen (os.environ or a dict: compared
        whole each time, a change makes it anew)."""
        content = _content(environ)
        seen = self._seen
        if seen is not None and content is not None and seen.content == content:
            return seen
        theirs, rest = _ours(environ)
        box = self
        if not all(self._values.get(name) == value for name, value in theirs.items()):
            box = _from_values(_merge(self._values, theirs))
        seen = _Seen(None if content is None else dict(content), box, rest)
        if content is not None:
            object.__setattr__(self, "_seen", seen)
        return seen

    def _road(self, path, strict=False, cwd=None):
        """(PRELOAD or LAUNCH, why) for the program file PATH (a relative #!
        interpreter is the exec's: from CWD, default this process's); refuses
        (RefusedError) what neither road can confine."""
        what, target = "", path
        for _ in range(SCRIPT_DEPTH + 1):
            static, named = _inspect(target)
            if static is not None:
                linked = "statically" if static else "dynamically"
                why = ("%s'%s', %s linked" if what else "%s'%s' is %s linked") % (
                    what, target, linked)
                if static:
                    return LAUNCH, why
                if strict:
                    return LAUNCH, why + " (--strict)"
                if named is not None:  # LD_PRELOAD would be up to that program
                    return LAUNCH, why + " by '%s', not the system's loader" % named
                _check_preloadable()
                return PRELOAD, why
            what = "'%s' is a script for " % path
            target = named if cwd is None else os.path.join(os.fsdecode(cwd), named)
        raise RefusedError(errno.ELOOP, "too many #! interpreters: '%s'" % path)

    def _program(self, road, path, argv, rest, cwd=None):
        """(argv, env entries) that start PATH as ARGV on ROAD, isolated if asked
        (starting in CWD, default this process's); REST: the environment's
        other entries."""
        mine = self._mine
        if self._isolate is not None:
            # bwrap execs libsandbox.so's road itself; LD_PRELOAD and our
            # variables reach only the program (--setenv), never bwrap
            isolate, spaces, loopback = self._isolate
            path = os.fsdecode(path)
            if not os.path.isfile(path):
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
            path = os.path.abspath(path)
            preload = [e for e in rest if e.startswith(b"LD_PRELOAD=")]
            if road == PRELOAD:
                preload = _launch.preloaded(preload, LIB)
                inner, argv0 = [path, *argv[1:]], os.fsdecode(argv[0])
            else:
                inner, argv0 = [sys.executable, "-I", "-c", _BOOT, path, *argv], None
            setenv = [os.fsdecode(e).split("=", 1) for e in preload[-1:] + mine]
            where = None if cwd is None else os.path.abspath(os.fsdecode(cwd))
            return (isolate.command(spaces, inner, fs_write=list(self.fs_write or ()),
                                    loopback=loopback, ro=_visible(road, path), cwd=where,
                                    setenv=setenv, argv0=argv0),
                    [e for e in rest if not e.startswith(b"LD_PRELOAD=")])
        return self._launcher(road, path, argv), self._entries(road, rest)

    def _launcher(self, road, path, argv):
        """The argv that starts PATH as ARGV on ROAD, not isolated: ARGV itself
        on PRELOAD, the child launcher's on LAUNCH."""
        if road == LAUNCH:
            return [sys.executable, "-I", "-c", _BOOT, path, *argv]
        return list(argv)

    def _entries(self, road, rest):
        """The environment entries of a program on ROAD, not isolated: REST
        (the environment's other entries) and our variables (and libsandbox.so
        in LD_PRELOAD on PRELOAD)."""
        if road == LAUNCH:
            return rest + self._mine
        return _launch.preloaded(rest, LIB, self._mine)

    def _exec(self, argv, rest, strict=False, say=None, report=None):
        """Replace this process by ARGV confined, REST its environment's other
        entries (exec_confined)."""
        path = _launch.resolve(argv[0])
        road, why = self._road(path, strict)
        if self._config is not None and self._config.verbose and say is not None:
            say("road: %s: %s" % ("libsandbox.so (LD_PRELOAD)" if road == PRELOAD else
                                  "first-instruction launch (sandboxify)", why)
                + (", in bubblewrap" if self._isolate else ""))
        if self._isolate is not None or road == PRELOAD:
            args, env = self._program(road, path, argv, rest)
            exe = _launch.resolve(args[0]) if self._isolate else path
            _launch.flush()
            _launch.restore_signals()
            _launch.execute(exe, args, env)
        _first_instruction(self._c_values(), path, argv, report)

    def _c_values(self):
        """The variables the C loader reads (no SANDBOX_ISOLATE, no loopback)."""
        out = {k: v for k, v in self._values.items() if k not in PYTHON_ONLY}
        if "SANDBOX_NET" in out and self._isolate is not None:
            inner = self._isolate[0].split_net(out.pop("SANDBOX_NET"))[0]
            if inner is not None:
                out["SANDBOX_NET"] = inner
        return out


def exec_confined(settings, argv, strict=False, say=None, report=None):
    """`pysandbox run`: replace this process by ARGV confined by SETTINGS
    ({keyword: value}, None: unset) and the variables of our families in its
    environment, merged (_merge). PROG keeps the PID (with isolate:
    bubblewrap's). SAY: a function for the road's line (SECCOMP_VERBOSE),
    REPORT: the launch's failure reporter (see _launch.inject_at_exec).
    Raises SandboxError; else never returns."""
    mine = {}
    for s in SETTINGS:
        text = render(s, settings.get(s.keyword))
        if text is not None:
            mine[s.env] = text
    theirs, rest = _ours(_launch.exec_environ(os.environb))
    _from_values(_merge(mine, theirs))._exec(argv, rest, strict, say, report)


def _merge(mine, theirs):
    """MINE ({variable: text}, a Sandbox's or the flags') and THEIRS (an
    environment's) as one: a variable set in one only is taken, one set in
    both must have the same value (else PolicyError): merge or refuse, never
    ignore."""
    for name, value in theirs.items():
        if name in mine and mine[name] != value:
            s = BY_ENV[name]
            raise PolicyError("%s: set in the environment ('%s') and by %s / %s= ('%s'): "
                              "give it once" % (name, value, s.flag, s.keyword, mine[name]),
                              variable=name, token=value)
    return dict(theirs, **mine)


def _property(setting):
    def get(self):
        return _parse(setting, self._values.get(setting.env))
    return property(get, doc="%s: %s" % (setting.env, setting.help))


for _s in SETTINGS:
    setattr(Sandbox, _s.keyword, _property(_s))


def _parse(setting, text):
    """The Python value of a variable's TEXT (None if unset): a tuple of items
    for a list (empty items dropped, as the loader does), a bool for 0/1."""
    if text is None:
        return None
    if setting.kind == "list":
        return tuple(i for i in text.split(setting.sep) if i)
    if setting.kind == "bool" and text in ("0", "1"):
        return text == "1"
    return text


def _setup(box, values):
    """Check VALUES ({variable: text}) with the C loader and fill BOX."""
    object.__setattr__(box, "_values", values)
    object.__setattr__(box, "_isolate", _isolation(values))
    c = box._c_values()
    config = _native.load(c) if c else None
    if config is None and box._isolate is None:
        raise PolicyError(_native.NO_POLICY)
    object.__setattr__(box, "_config", config)
    object.__setattr__(box, "_mine", [os.fsencode("%s=%s" % kv) for kv in c.items()])
    object.__setattr__(box, "_seen", None)  # _merged's last _Seen
    object.__setattr__(box, "_entry", None)  # call()'s _native.Entry, made on its first call


def _isolation(values):
    """(the isolate module, its namespaces, loopback) or None without isolation
    (imported only then: most sandboxes need no bubblewrap)."""
    text = values.get(ISOLATE)
    loopback = LOOPBACK in values.get("SANDBOX_NET", "").split(":")
    if text is None and not loopback:
        return None
    import pysandbox.isolate as isolate

    return isolate, isolate.parse(text) if text is not None else frozenset({"net"}), loopback


def _visible(road, path):
    """What ROAD to the program PATH needs inside bubblewrap that its private
    /tmp would hide, to bind read-only at its place: PATH and libsandbox.so;
    for the first-instruction launch, its Python launcher's installation and
    the pysandbox package (a copy under /tmp) instead of the library."""
    from pysandbox.isolate import hidden

    need = (path, LIB) if road == PRELOAD else (path, sys.prefix, sys.base_prefix, _HOME)
    real = [os.path.realpath(p) for p in need]  # what bwrap binds is what the kernel finds
    return [p for p in dict.fromkeys(real) if hidden(p)]


class _Seen:
    """An environment a Sandbox was asked to run in (its CONTENT: a copy, or
    None), and what it makes: BOX, the Sandbox with its variables of our
    families merged in, and REST, its other entries (b"NAME=value"; shared:
    never changed). env(road): subprocess's env= on a road (not isolated),
    made once."""

    __slots__ = ("content", "box", "rest", "_envs")

    def __init__(self, content, box, rest):
        self.content, self.box, self.rest, self._envs = content, box, rest, {}

    def env(self, road):
        env = self._envs.get(road)
        if env is None:
            env = dict(e.split(b"=", 1) for e in self.box._entries(road, self.rest))
            self._envs[road] = env
        return dict(env)  # the caller's to keep


def _content(environ):
    """ENVIRON as a dict to compare whole, or None if it is no dict. NOTE:
    os.environ's own dict of bytes (_data, CPython's since 3.2) is what
    os.environb iterates: compared in one C call instead of decoded entry by
    entry (~30 us a run)."""
    if environ is os.environ:
        environ = getattr(os.environ, "_data", None)
    return environ if type(environ) is dict else None


def _from_values(values):
    box = Sandbox.__new__(Sandbox)
    _setup(box, dict(values))
    return box


def _ours(environ):
    """({variable: value} of ENVIRON's variables of our families, [the other
    entries as b"NAME=value"]). ENVIRON: a mapping (str or bytes), or a list of
    b"NAME=value". A name of our families that is no setting: PolicyError."""
    if environ is os.environ:
        environ = os.environb  # no encoding of every entry
    if isinstance(environ, list):  # each entry as it is (one without '=' stays so)
        pairs = [e.partition(b"=")[::2] + (e,) for e in environ]
    else:
        enc = os.fsencode
        pairs = [(k, v, k + b"=" + v) if type(k) is bytes and type(v) is bytes else
                 (enc(k), enc(v), enc(k) + b"=" + enc(v)) for k, v in environ.items()]
    ours, rest = {}, []
    for name, value, entry in pairs:
        # NOTE: every family is SECCOMP_* or SANDBOX_*: most names need no call
        if not name.startswith(FAMILY_PREFIXES) or not (
                _native.env_family(name) or name == ISOLATE.encode()):
            rest.append(entry)
        elif name.decode(errors="replace") not in BY_ENV:
            if name == b"SECCOMP_LEARN":
                raise PolicyError("SECCOMP_LEARN is for `pysandbox learn` only")
            _native.load({os.fsdecode(name): os.fsdecode(value)})
            raise PolicyError("%s: unknown variable" % os.fsdecode(name))
        else:
            ours.setdefault(name.decode(), os.fsdecode(value))  # the first wins, as getenv
    return ours, rest


FAMILY_PREFIXES = (b"SECCOMP_", b"SANDBOX_")


def _argv(args, kwargs):
    """The argv subprocess would exec for ARGS (shell=True: the shell's)."""
    if isinstance(args, (str, bytes, os.PathLike)):
        args = [args]
    else:
        args = list(args)
    if kwargs.pop("shell", False):
        args = ["/bin/sh", "-c"] + args
        if kwargs.get("executable"):
            args[0] = kwargs.pop("executable")
    if not args:
        raise IndexError("list index out of range")  # subprocess's own error
    return args


def _exec_path(env):
    """The directories the exec searches (os.get_exec_path(ENV), without its
    warnings machinery)."""
    if env is None:
        path = os.environb.get(b"PATH")
    else:
        path = next((v for k, v in env.items() if k in ("PATH", b"PATH")), None)
    return os.fsdecode(path if path is not None else os.defpath).split(os.pathsep)


def _find(prog, path, cwd):
    """The file the exec would run for PROG (PATH: the directories searched),
    or None if there is none (subprocess reports it)."""
    prog = os.fsdecode(prog)
    if cwd is not None:  # the child searches from there: so must the inspection
        cwd = os.fsdecode(cwd)
        path = [os.path.join(cwd, d or ".") for d in path]
        if "/" in prog:
            prog = os.path.join(cwd, prog)
    try:
        return os.path.abspath(_launch.resolve(prog, path))  # a list: cwd may hold a ':'
    except LaunchError:
        return None


# NOTE: the glibc loaders libsandbox.so is built for (ld.so(8)); a program
# naming another PT_INTERP gets the first-instruction launch instead
LOADERS = {"x86_64": "/lib64/ld-linux-x86-64.so.2", "aarch64": "/lib/ld-linux-aarch64.so.1"}


def _check_preloadable():
    """RefusedError if the loader would skip libsandbox.so in LD_PRELOAD (it
    says so and runs the program unconfined): a path it splits (':' or a
    blank), or a file this user may not read."""
    if any(c in LIB for c in ": \t$") or not os.access(LIB, os.R_OK):
        raise RefusedError(errno.EACCES, "the loader would not preload libsandbox.so from "
                           "'%s' (%s): use --strict (the first-instruction launch)" % (
                               LIB, "not readable" if not os.access(LIB, os.R_OK)
                               else "a ':', a blank or a '$' in its path"))


def _inspect(target):
    """(static, name) of the program file TARGET, after its refusals (another
    ABI, set-id or file capabilities, unreadable): an ELF program's static
    (a bool) and the PT_INTERP it names if that is not the system's loader
    (else None); (None, its interpreter) for a #! script; RefusedError for
    anything else.

    NOTE: remembered by the file's identity and every stat field a change
    to it moves (dev, ino, size, mode, owner, mtime, ctime): a write, chmod,
    chown, setcap or any xattr change, a rename over it or a new file at the
    path each gives another key, and ctime cannot be set from user space. The
    racy case (git's index has it too) is a change within the filesystem's
    timestamp tick, which may leave every field as it was: a file changed
    less than RACY_NS ago is inspected but not remembered. Whether this user
    may read it (os.access) is asked every time. The file can still change
    between the inspection and the exec, remembered or not: who may write it
    may choose what runs, as without pysandbox."""
    st = os.stat(target)
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mode, st.st_uid, st.st_gid,
           st.st_mtime_ns, st.st_ctime_ns)
    facts = _INSPECTED.get(key)
    if facts is None:
        info = _launch.elf_info(target)
        _launch.check_abi(target, info)
        _launch.refuse_privileged(target)
    if not os.access(target, os.R_OK):
        raise RefusedError(errno.EACCES, "cannot inspect a program this user may not "
                           "read (execute-only): '%s'" % target)
    if facts is not None:
        return facts
    if info is not None:
        facts = info[1], None if info[1] else _loader(target)
    else:
        facts = None, _interpreter(target)
    if max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - RACY_NS:
        if len(_INSPECTED) >= INSPECTED_MAX:
            _INSPECTED.clear()
        _INSPECTED[key] = facts
    return facts


RACY_NS = 2 * 10 ** 9  # well past any filesystem's timestamp tick (FAT's: 2 s)
INSPECTED_MAX = 256
_INSPECTED = {}  # _inspect's: {stat key: facts}


def _loader(path):
    """None if the dynamic ELF program PATH (of the native ABI: 64-bit,
    little-endian) names this system's loader as its PT_INTERP; else that name."""
    with open(path, "rb") as f:
        head = f.read(64)
        phoff, = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        for at in range(0, len(table) - 55, phentsize or 56):
            kind, _, offset, _, _, size = struct.unpack_from("<IIQQQQ", table, at)
            if kind == _launch.PT_INTERP:
                f.seek(offset)
                name = f.read(min(size, 4096)).split(b"\0")[0]
                break
        else:
            return "?"
    return None if _is_system_loader(os.fsdecode(name)) else os.fsdecode(name)


@functools.lru_cache(maxsize=8)
def _is_system_loader(name):
    """Does NAME lead where this arch's glibc loader does? NOTE: cached (two
    realpath walks were a third of a run's own cost): the system's loader
    links are root's to change."""
    system = LOADERS.get(_native.arch())
    return system is not None and os.path.realpath(name) == os.path.realpath(system)


def _interpreter(path):
    """The interpreter of the #! script PATH; RefusedError if it is none."""
    with open(path, "rb") as f:
        head = f.read(256)
    if not head.startswith(b"#!"):
        raise RefusedError(errno.ENOEXEC, "cannot tell how to sandbox '%s': neither an ELF "
                           "program nor a #! script" % path)
    # NOTE: as binfmt_script reads it: blanks and tabs skipped, the name ended
    # by a blank, a tab, a NUL or the line's end; any other control byte
    # ('\r' of a CRLF line, '\v') is part of the name the kernel runs
    line = head[2:].split(b"\n", 1)[0].lstrip(b" \t")
    name = line.replace(b"\t", b" ").replace(b"\0", b" ").split(b" ", 1)[0]
    if not name:
        raise RefusedError(errno.ENOEXEC, "a #! line without an interpreter: '%s'" % path)
    if any(c < 0x20 for c in name):
        raise RefusedError(errno.ENOEXEC, "a #! interpreter name with a control character "
                           "(%r) in '%s': not followed" % (os.fsdecode(name), path))
    return os.fsdecode(name)


def _first_instruction(values, path, argv, report, entries=None):
    """sandboxify's launch in this process: PATH as ARGV with the filter from
    its first instruction (VALUES: the variables; ENTRIES: this process's
    exec_environ(), if read already); never returns."""
    layers = _native.Launch(values)
    layers.prepare(path)
    notes = layers.notes + (["pysandbox: " + layers.dropped] if layers.dropped else [])
    _launch.launch(path, argv, layers.prog, report, notes=notes, layers=layers, entries=entries)


def _handing_on(environ, fn, /, *args, **kwargs):
    """call()'s child under vows_exec: ENVIRON into os.environ (what an exec'd
    program gets), then FN."""
    os.environ.update(environ)
    return fn(*args, **kwargs)
