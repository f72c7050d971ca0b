"""The only importer of the cffi module: thin, checked wrappers over csrc/."""
import errno
import os

from pysandbox.errors import InstallError, PolicyError
from pysandbox._native_cffi import ffi, lib

INSN_SIZE = ffi.sizeof("struct sb_insn")
NR_SPACE = lib.SB_NR_SPACE  # every syscall number the tables know is below (x32's bit aside)

ACTIONS = {
    "kill_process": lib.SB_ACT_KILL_PROCESS,
    "kill_thread": lib.SB_ACT_KILL_THREAD,
    "trap": lib.SB_ACT_TRAP,
    "errno": lib.SB_ACT_ERRNO,
    "user_notif": lib.SB_ACT_USER_NOTIF,
    "trace": lib.SB_ACT_TRACE,
    "log": lib.SB_ACT_LOG,
    "allow": lib.SB_ACT_ALLOW,
}
_ACTION_NAMES = {v: k for k, v in ACTIONS.items()}
# comparison operators (libseccomp's SCMP_CMP_* numbering); "&": masked equality
CMP_OPS = {"!=": lib.SB_CMP_NE, "<": lib.SB_CMP_LT, "<=": lib.SB_CMP_LE, "==": lib.SB_CMP_EQ,
           ">=": lib.SB_CMP_GE, ">": lib.SB_CMP_GT, "&": lib.SB_CMP_MASKED_EQ}


def _arch(name=None):
    """The struct sb_arch * for NAME (None: this machine's); never leaves this module."""
    a = lib.sb_arch_native() if name is None else lib.sb_arch_lookup(name.encode())
    if a == ffi.NULL:
        raise PolicyError("unknown architecture '%s'" % (name or os.uname().machine))
    return a


def _arch_name(a):
    return ffi.string(lib.sb_arch_name(a)).decode()


def _arches():
    i = 0
    while (a := lib.sb_arch_at(i)) != ffi.NULL:
        yield a
        i += 1


def _arch_names(targets=False):
    """Every arch the tables know, the targets (filters can be compiled for)
    first; TARGETS: those only. (ARCHES and TARGET_ARCHES, made on first use.)"""
    return tuple(_arch_name(a) for a in _arches() if not targets or lib.sb_arch_is_target(a))


def arch(name=None):
    """The name of arch NAME ("x86_64", ...; None: this machine's); PolicyError if unknown."""
    return _arch_name(_arch(name))


def arch_by_audit():
    """{AUDIT_ARCH_* value: arch name}; x32 shares x86_64's value and is left out."""
    out = {}
    for a in _arch_names():  # x86_64 before x32
        out.setdefault(arch_audit(a), a)
    return out


def arch_oci_name(name=None):
    """The OCI runtimes' name of arch NAME ("amd64"), as in a profile's includes.arches."""
    return ffi.string(lib.sb_arch_oci_name(_arch(name))).decode()


def arch_scmp_name(name=None):
    """libseccomp's name of arch NAME ("SCMP_ARCH_X86_64"), as in a profile's architectures[]."""
    return ffi.string(lib.sb_arch_scmp_name(_arch(name))).decode()


def arch_audit(name=None):
    """The AUDIT_ARCH_* value of arch NAME (None: this machine's)."""
    return lib.sb_arch_audit(_arch(name))


def arch_compat(name=None):
    """Name of the 32-bit compat ABI of arch NAME ("i386", "arm"), or None."""
    p = lib.sb_arch_compat_name(_arch(name))
    return ffi.string(p).decode() if p else None


def arch_abi_bit(name=None):
    """Syscall-number bit of another ABI sharing arch NAME's AUDIT_ARCH value
    (x32's on x86_64), or 0."""
    return lib.sb_arch_abi_bit(_arch(name))


def arch_nr_bias(name=None):
    """Bit every syscall number of arch NAME carries (x32's), or 0."""
    return lib.sb_arch_nr_bias(_arch(name))


def elf_abi(elf_class, machine):
    """ABI of an ELF file of class ELF_CLASS (1, 2) and e_machine MACHINE
    ("x86_64", "x32", "i386", "aarch64", "arm"), or None."""
    p = lib.sb_arch_elf_abi(elf_class, machine)
    return ffi.string(p).decode() if p else None


# x32 shares x86_64's AUDIT_ARCH value; its syscall numbers carry this bit.
X32_BIT = lib.sb_arch_abi_bit(_arch("x86_64"))


def syscall_nr(name, arch_=None):
    """Number of NAME on the arch, or None if the arch has no such syscall."""
    nr = lib.sb_syscall_nr(_arch(arch_), name.encode())
    return None if nr < 0 else nr


def syscall_name(nr, arch_=None):
    p = lib.sb_syscall_name(_arch(arch_), nr)
    return None if p == ffi.NULL else ffi.string(p).decode()


def int_args(nr, arch_=None):
    """Indexes of syscall NR's arguments narrower than 64 bits: 32-bit C types
    (compared on their low half only) and 16-bit ones (umode_t, its low 16 bits)."""
    mask = lib.sb_syscall_int_args(_arch(arch_), nr)
    return tuple(i for i in range(6) if mask >> i & 1)


def arg_width(nr, arg, arch_=None):
    """Bits of argument ARG of syscall NR the kernel reads: 64, 32 or 16."""
    return lib.sb_syscall_arg_width(_arch(arch_), nr, arg)


def syscall_known(name):
    """Is NAME a Linux syscall on any architecture (ours or another)?"""
    return bool(lib.sb_syscall_known(name.encode()))


def syscalls(arch_=None):
    """{name: nr} for every syscall of the arch."""
    a, out = _arch(arch_), {}
    name, nr = ffi.new("const char **"), ffi.new("uint32_t *")
    for i in range(lib.sb_syscall_count(a)):
        lib.sb_syscall_at(a, i, name, nr)
        out[ffi.string(name[0]).decode()] = nr[0]
    return out


def groups():
    """Names of every syscall group ("@aio", ...)."""
    out, i = [], 0
    while lib.sb_group_at(i) != ffi.NULL:
        out.append(ffi.string(lib.sb_group_at(i)).decode())
        i += 1
    return out


def group_members(name, arch_=None):
    """Sorted syscall names of group NAME on the arch; PolicyError if unknown."""
    a = _arch(arch_)
    nrs = ffi.new("uint32_t[]", NR_SPACE)
    n = lib.sb_group_members(a, name.encode(), nrs, NR_SPACE)
    if n < 0:
        raise PolicyError("unknown group '%s'" % name)
    return sorted(ffi.string(lib.sb_syscall_name(a, nrs[i])).decode() for i in range(n))


def parse_action(text):
    out = ffi.new("uint32_t *")
    if lib.sb_action_parse(text.encode(), out) < 0:
        raise PolicyError("unknown action '%s'" % text)
    return out[0]


def action_name(action):
    """'allow', 'errno:13', ... for a SECCOMP_RET_* value."""
    base = action & 0xFFFF0000
    name = _ACTION_NAMES.get(base, "0x%08x" % action)
    if base in (lib.SB_ACT_ERRNO, lib.SB_ACT_TRACE):
        data = action & 0xFFFF
        shown = errno.errorcode.get(data, data) if base == lib.SB_ACT_ERRNO else data
        return "%s:%s" % (name, shown)
    return name


def _strv(items):
    """A NULL-terminated char *[] of ITEMS (bytes, or str as os.fsencode takes
    it back to the bytes it came from), and what keeps its strings alive."""
    keep = [ffi.new("char[]", os.fsencode(item)) for item in items]
    return ffi.new("char *[]", keep + [ffi.NULL]), keep


def _envp(environ):
    """ENVIRON (os.environb, or a str mapping, or a list of b"NAME=value"
    entries as execve(2) takes them) as the envp of execve(2): the
    environment is bytes, and any byte but NUL may be in it."""
    if isinstance(environ, list):
        return _strv(environ)
    return _strv(os.fsencode(k) + b"=" + os.fsencode(v) for k, v in environ.items())


# ---- the one loader (csrc/core/config.c) and what it returns, as Python values ----

# The records: frozen tuples with named fields (_fields), _replace() and
# _asdict(), as collections.namedtuple gives. NOTE: namedtuple is not used
# here: importing collections and building five classes cost sandboxify ~3 ms
# per launch; these are plain classes (_record()), made on first use (_records()).

def _record_new(cls, *args, **kwargs):
    values = list(args) + [kwargs.pop(f) for f in cls._fields[len(args):] if f in kwargs]
    if kwargs or len(values) != len(cls._fields):
        raise TypeError("%s takes the fields %s" % (cls.__name__, ", ".join(cls._fields)))
    return tuple.__new__(cls, values)


def _record_replace(self, **changes):
    return type(self)(**dict(self._asdict(), **changes))


def _record_asdict(self):
    return dict(zip(self._fields, self))


def _record_repr(self):
    return "%s(%s)" % (type(self).__name__,
                       ", ".join("%s=%r" % kv for kv in zip(self._fields, self)))


def _record(name, fields, doc, slots=True, **methods):
    """A record class NAME with the space-separated FIELDS, docstring DOC and
    METHODS; SLOTS false: its instances have a __dict__ too (Config's _raw)."""
    names = tuple(fields.split())
    attrs = dict(methods, _fields=names, __doc__=doc, __new__=_record_new,
                 _replace=_record_replace, _asdict=_record_asdict, __repr__=_record_repr)
    if slots:
        attrs["__slots__"] = ()
    for i, f in enumerate(names):
        attrs[f] = property(lambda self, i=i: self[i])
    return type(name, (tuple,), attrs)


RECORDS = ("Host", "Cond", "Rule", "Stats", "PathRule", "PortRule", "Landlock", "Limit",
           "Config")


def __getattr__(name):
    """PEP 562: what this module makes on first use, not at import (every
    sandboxify launch imports it, and needs none of these): the record
    classes (RECORDS), ARCHES and TARGET_ARCHES."""
    if name in RECORDS:
        _records()
    elif name in ("ARCHES", "TARGET_ARCHES"):
        globals()[name] = _arch_names(targets=name == "TARGET_ARCHES")
    else:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return globals()[name]


def _records():
    """Make the record classes, once. NOTE: on first use, not at import:
    building them cost every sandboxify launch ~0.2 ms, and compile_policy(),
    all a launch asks of the loader, returns none of them."""
    global Host, Cond, Rule, Stats, PathRule, PortRule, Landlock, Limit, Config, VowRow, VowPath
    if "Config" in globals():
        return
    Host = _record("Host", "caps kernel", """The host a profile's includes/excludes are
    decided against: CAPS a bit mask (bit N: capability N), KERNEL (major, minor).""")
    Cond = _record("Cond", "arg op width value mask", """argARG OP value on its low WIDTH
    bits (op: a CMP_OPS value; "&": masked).""")
    Rule = _record("Rule", "nr action conds", """One rule: syscall NR (as the filter sees
    it), its action, its conditions (a tuple of Cond, all must hold; empty: unconditional).""")
    Stats = _record("Stats", "first skipped blocks applied", """What loading a
    SECCOMP_PROFILE saw: its FIRST rule's index, names SKIPPED (no syscall on this arch),
    syscalls[] BLOCKS, and those APPLIED on the host.""")
    PathRule = _record("PathRule", "path access optional variable item", """A Landlock
    path rule: PATH (str), ACCESS (SB_FS_* bits), OPTIONAL, the VARIABLE and ITEM it came
    from (SECCOMP_POLICY_FILE and its line, for a policy file's).""")
    VowRow = _record("VowRow", "needs unless text note", """A row of the vows' table:
    applies when every promise of NEEDS is made and none of UNLESS; TEXT its entries.""")
    VowPath = _record("VowPath", "promise implies path access", """A Landlock path of the
    vows: PROMISE grants ACCESS beneath PATH as the promises it IMPLIES would.""")
    PortRule = _record("PortRule", "lo hi access item", """TCP ports LO..HI with ACCESS
    (SB_NET_BIND_TCP or SB_NET_CONNECT_TCP).""")
    Landlock = _record("Landlock", "fs net scoped sockets best_effort io_uring paths ports",
                       """The Landlock layer (struct sb_landlock): the rights it handles per
    kind (FS, NET, SCOPED bit masks; 0: not restricted), the socket kinds SANDBOX_NET
    allows (SOCKETS: SB_NET_* bits), BEST_EFFORT, IO_URING (allowed), PATHS (a tuple of
    PathRule) and PORTS (of PortRule).""")
    Limit = _record("Limit", "name soft hard", """A resource limit of SANDBOX_LIMITS: its
    NAME ("nofile"), SOFT and HARD values (None: unlimited).""")
    Config = _record(
        "Config",
        "arch default_action abi_action rules verbose learn policy_file profile stats landlock "
        "caps limits vows",
        """A loaded sandbox (struct sb_config), frozen: ARCH its name, the seccomp
    layer's DEFAULT_ACTION, ABI_ACTION and RULES (a tuple of Rule), VERBOSE,
    LEARN (the tracer's pid, or 0), the POLICY_FILE and PROFILE paths it read
    (str, or None), the load's Stats, the Landlock layer (a Landlock, or
    None without one), CAPS (the names of the capabilities SANDBOX_CAPS keeps,
    a tuple; None without it), LIMITS (SANDBOX_LIMITS' Limit records, a
    tuple; None without it) and VOWS ((SANDBOX_VOWS, SANDBOX_VOWS_EXEC or None)
    as promise names in table order, or None without vows). Without a seccomp
    layer, RULES is empty and both actions are None. enter() applies it: a Config from
    load() keeps a private copy of the C struct for that (bytes; the arch
    pointer cleared, restored from ARCH).""",
        slots=False, compile=_config_compile, report=_config_report)


def _config_compile(self):
    """The BPF program (struct sock_filter bytes); PolicyError if it does not fit,
    or if the configuration has no seccomp layer."""
    if self.default_action is None:
        raise PolicyError("no seccomp policy: the configuration sets resource limits or "
                          "capabilities only")
    return _compile(_seccomp(self))


def _config_report(self):
    """The lines libsandbox.so prints for SECCOMP_VERBOSE=1 (whatever VERBOSE says)."""
    return _report(_seccomp(self))


NO_POLICY = ("no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY, SECCOMP_PROFILE "
             "or a SANDBOX_FS_*, SANDBOX_NET* layer")
FILE_MAX = lib.SB_FILE_MAX  # longest policy file or profile, in bytes
CONDS_MAX = lib.SB_CONDS_MAX  # argument conditions in one policy
LANDLOCK_PATHS_MAX = lib.SB_LL_PATHS_MAX  # path rules in one configuration, groups' too
_raw = ffi.new_allocator(should_clear_after_alloc=False)  # work space, written before read


def load(environ, arch=None, host=None, required=False):
    """The Config ENVIRON describes for ARCH (a name; None: this machine's), or
    None without a policy (REQUIRED: PolicyError instead). HOST (a SECCOMP_PROFILE's
    includes/excludes are decided against it): a Host, or None for this process's own.
    Raises PolicyError with the line libsandbox.so prints."""
    cfg, stats = _load(environ, arch, host, required)
    return None if cfg is None else _config(cfg, stats, _arch_name(_arch(arch)))


def _load(environ, arch_, host_, required):
    """(the struct sb_config, struct sb_load_stats), or (None, None)."""
    a = _arch(arch_)
    if not lib.sb_arch_is_target(a):
        raise PolicyError("cannot compile a filter for %s (targets: %s)"
                          % (_arch_name(a), ", ".join(_arch_names(targets=True))))
    # NOTE: not cleared (57 KiB and 5 KiB, on every launch): the loader
    # writes all it reads later, and fills the error record on failure
    cfg = _raw("struct sb_config *")
    stats = ffi.new("struct sb_load_stats *")
    err = _raw("struct sb_error *")
    io = ffi.new("struct sb_load_io *")
    text = _raw("char[]", FILE_MAX + 1)
    tape = _raw("struct sb_json[]", lib.SB_JSON_MAX)
    c_host = ffi.new("struct sb_host *", {"caps": host_.caps, "kernel_major": host_.kernel[0],
                                           "kernel_minor": host_.kernel[1]}) if host_ else ffi.NULL
    io.read = ffi.addressof(lib, "sb_file_read")
    io.probe = ffi.addressof(lib, "sb_host_probe")
    io.host = c_host
    io.text, io.text_size, io.tape, io.tape_cap = text, len(text), tape, len(tape)
    envp, _keep = _envp(environ)
    r = lib.sb_config_load(cfg, a, envp, io, stats, err)
    if r == lib.SB_NO_POLICY and required:
        raise PolicyError(NO_POLICY)
    if r == lib.SB_NO_POLICY:
        return None, None
    if r < 0:
        raise _policy_error(err)
    return cfg, stats


def _config(cfg, stats, arch_):
    _records()
    p = cfg.seccomp
    if not cfg.layers & lib.SB_LAYER_SECCOMP:  # limits and capabilities only
        p = ffi.new("struct sb_seccomp *")
        p.arch = _arch(arch_)
    conds = [Cond(c.arg, c.op, c.width, c.value, c.mask) for c in p.conds[0:p.nconds]]
    rules = tuple(Rule(r.nr, r.action, tuple(conds[r.cond:r.cond + r.nconds]))
                  for r in p.rules[0:p.nrules])

    def path(buf, bit):
        return ffi.string(buf).decode(errors="surrogateescape") if cfg.inputs & bit else None

    seccomp = cfg.layers & lib.SB_LAYER_SECCOMP
    config = Config(arch_, p.default_action if seccomp else None,
                    p.abi_action if seccomp else None, rules,
                    bool(cfg.verbose), p.learn, path(cfg.policy_file, lib.SB_INPUT_POLICY_FILE),
                    path(cfg.profile, lib.SB_INPUT_PROFILE),
                    Stats(stats.profile_first, stats.profile_skipped, stats.profile_blocks,
                          stats.profile_applied),
                    _landlock(cfg.landlock) if cfg.layers & lib.SB_LAYER_LANDLOCK else None,
                    *_privs(cfg),
                    _vows(cfg.vows) if cfg.layers & lib.SB_LAYER_VOWS else None)
    config._raw = _snapshot(cfg)
    return config


def _landlock(ll):
    arena = ffi.buffer(ll.arena, ll.arena_len)[:]

    def text(off):
        return arena[off:arena.index(b"\0", off)].decode(errors="surrogateescape")

    paths = tuple(PathRule(text(p.name), p.access, bool(p.flags & lib.SB_LL_OPTIONAL),
                           env_name(p.var), p.item)
                  for p in ll.paths[0:ll.npaths])
    ports = tuple(PortRule(p.lo, p.hi, p.access, p.item) for p in ll.ports[0:ll.nports])
    return Landlock(ll.fs, ll.net, ll.scoped, ll.sockets, bool(ll.best_effort),
                    bool(ll.io_uring), paths, ports)


def _privs(cfg):
    """(caps, limits) of the struct sb_config CFG: the names of the capabilities
    SANDBOX_CAPS keeps (a tuple, by number; None without the layer) and the
    Limit records of SANDBOX_LIMITS (None without)."""
    caps = tuple(n for i, n in enumerate(cap_names()) if cfg.caps.keep >> i & 1) \
        if cfg.layers & lib.SB_LAYER_CAPS else None
    limits = tuple(Limit(limit_name(m.resource), _rlim(m.soft), _rlim(m.hard))
                   for m in cfg.limits.limit[0:cfg.limits.n]) \
        if cfg.layers & lib.SB_LAYER_LIMITS else None
    return caps, limits


def _rlim(value):
    return None if value == lib.SB_RLIM_INFINITY else value


def limit_name(resource):
    """SANDBOX_LIMITS' name of resource limit RESOURCE (RLIMIT_*: "nofile"), or None."""
    p = lib.sb_limit_name(resource)
    return ffi.string(p).decode() if p != ffi.NULL else None
def _vows(vows):
    return (_vow_text(vows.promises), _vow_text(vows.exec) if vows.exec_given else None)


def _vow_text(bits):
    return " ".join(n for i, n in enumerate(vow_names()) if bits >> i & 1)


def vow_names():
    """The promises, in the table's order: stdio, rpath, ..."""
    out = []
    while lib.sb_vow_name(len(out)) != ffi.NULL:
        out.append(ffi.string(lib.sb_vow_name(len(out))).decode())
    return tuple(out)


def vow_rows():
    """The vows' table (csrc/core/vows.c): VowRow(needs, unless, text, note) each,
    NEEDS and UNLESS tuples of promise names, TEXT its policy-language entries."""
    _records()
    needs, unless = ffi.new("uint32_t *"), ffi.new("uint32_t *")
    text, note = ffi.new("const char **"), ffi.new("const char **")
    out = []
    while lib.sb_vow_row(len(out), needs, unless, text, note) == 0:
        out.append(VowRow(tuple(_vow_text(needs[0]).split()),
                          tuple(_vow_text(unless[0]).split()),
                          ffi.string(text[0]).decode(), ffi.string(note[0]).decode()))
    return out


def vow_paths():
    """The Landlock paths of the vows: VowPath(promise, implies, path, access)."""
    _records()
    promise, implies, access = (ffi.new("uint32_t *") for _ in range(3))
    path = ffi.new("const char **")
    out = []
    while lib.sb_vow_path(len(out), promise, implies, path, access) == 0:
        out.append(VowPath(_vow_text(promise[0]), tuple(_vow_text(implies[0]).split()),
                           ffi.string(path[0]).decode(), access[0]))
    return out


def vows_format(promises):
    """The "SANDBOX_VOWS=..." entry libsandbox.so hands on for PROMISES (names)."""
    names = vow_names()
    bits = sum(1 << names.index(n) for n in promises.split())
    buf = ffi.new("char[]", 512)
    lib.sb_vows_format(bits, buf, len(buf))
    return ffi.string(buf).decode()


def env_name(var):
    """Name of variable number VAR (struct sb_ll_path.var)."""
    name = lib.sb_env_name(var)
    return ffi.string(name).decode() if name != ffi.NULL else None


def landlock_right_names(kind, mask):
    """The kernel's names ("fs.read_file", ...) of the bits of MASK, KIND 0 fs,
    1 net, 2 scope."""
    return [ffi.string(lib.sb_landlock_right_name(kind, 1 << b)).decode()
            for b in range(64) if mask >> b & 1 and lib.sb_landlock_right_name(kind, 1 << b)]


def landlock_groups():
    """The path groups' names: @base, @dns, ..."""
    out = []
    while lib.sb_landlock_group_at(len(out)) != ffi.NULL:
        out.append(ffi.string(lib.sb_landlock_group_at(len(out))).decode())
    return tuple(out)


def landlock_abi_rights(abi):
    """(fs, net, scope) bit masks Landlock ABI ABI handles."""
    out = ffi.new("uint64_t[3]")
    if lib.sb_landlock_abi_rights(abi, out, out + 1, out + 2) < 0:
        raise ValueError("no Landlock ABI %d" % abi)
    return tuple(out)


def _snapshot(cfg):
    """The bytes of the struct sb_config CFG, its one pointer (the arch: a
    constant, named by Config.arch) left NULL. What the loader did not write
    (unused rule slots, unset paths: it was not cleared, see _load) is copied
    as it was; C reads none of it."""
    arch_, cfg.seccomp.arch = cfg.seccomp.arch, ffi.NULL
    raw = bytes(ffi.buffer(cfg))
    cfg.seccomp.arch = arch_
    return raw


def _restore(config):
    """A struct sb_config from CONFIG's snapshot (None: one without layers)."""
    cfg = ffi.new("struct sb_config *")
    if config is not None:
        raw = getattr(config, "_raw", None)
        if raw is None:
            raise TypeError("not a configuration load() returned")
        if config.arch != arch():
            raise PolicyError("cannot apply a configuration for %s on %s" % (config.arch, arch()))
        ffi.memmove(cfg, raw, len(raw))
        cfg.seccomp.arch = _arch(config.arch)
    return cfg


def _seccomp(config):
    """CONFIG's seccomp layer as a struct sb_seccomp (for compiling it)."""
    p = _raw("struct sb_seccomp *")  # every field the compiler reads is set below
    conds = [c for r in config.rules for c in r.conds]
    if len(config.rules) > lib.SB_RULES_MAX or len(conds) > lib.SB_CONDS_MAX:
        raise PolicyError("the policy does not fit in one seccomp filter (%s)"
                          % os.strerror(errno.E2BIG))
    p.arch = _arch(config.arch)
    p.default_action, p.abi_action, p.learn = config.default_action, config.abi_action, config.learn
    p.nrules, p.nconds, k = len(config.rules), len(conds), 0
    for i, r in enumerate(config.rules):
        p.rules[i] = {"nr": r.nr, "action": r.action, "cond": k, "nconds": len(r.conds)}
        k += len(r.conds)
    for i, c in enumerate(conds):
        p.conds[i] = c._asdict()
    return p


def _compile(seccomp):
    prog = _raw("struct sb_insn[]", lib.SB_PROG_MAX)
    n = lib.sb_bpf_compile(seccomp, prog, lib.SB_PROG_MAX)
    if n < 0:
        raise PolicyError("the policy does not fit in one seccomp filter (%s)"
                          % os.strerror(-n))
    return bytes(ffi.buffer(prog, n * INSN_SIZE))


def compile_env(environ, arch_=None, host=None):
    """BPF (raw struct sock_filter bytes) for the policy ENVIRON describes.

    Returns None when ENVIRON sets no policy; raises PolicyError with the same
    one-line message libsandbox.so prints. HOST: see load()."""
    return compile_policy(environ, arch_, host)[0]


def compile_policy(environ, arch_=None, host=None, required=False):
    """(BPF bytes or None, the SECCOMP_VERBOSE=1 report lines). PolicyError
    for a Landlock layer: a filter alone would silently drop it."""
    cfg, _ = _load(environ, arch_, host, required)
    if cfg is None:
        return None, []
    # the vows' bare Landlock domain restricts no file: the filter is the policy
    if cfg.layers & lib.SB_LAYER_LANDLOCK and not (
            cfg.layers & lib.SB_LAYER_VOWS and cfg.vows.bare_domain):
        ll = cfg.landlock
        var = next(v for v in (ll.var_fs, ll.var_net, ll.var_scope) if v >= 0)
        raise PolicyError("%s: the Landlock layer is no seccomp filter: apply it with "
                          "libsandbox.so or sandboxify (Config.compile() gives the filter "
                          "beside it)" % env_name(var))
    for layer, what in ((lib.SB_LAYER_LIMITS, "SANDBOX_LIMITS: resource limits are"),
                        (lib.SB_LAYER_CAPS, "SANDBOX_CAPS: capabilities are")):
        if cfg.layers & layer:
            raise PolicyError("%s no seccomp filter: apply them with libsandbox.so or "
                              "sandboxify" % what)
    return _compile(ffi.addressof(cfg, "seccomp")), \
        _report(ffi.addressof(cfg, "seccomp")) if cfg.verbose else []


class Launch:
    """What a launcher applies to itself right before it execs a program. Made
    from an environment (PolicyError without a policy), then prepare()d for
    the program file: the configuration's Landlock ruleset is built then
    (every path opened, the kernel's ABI checked), so every error comes
    before anything starts. PROG: the seccomp filter (BPF bytes) to inject at
    the program's first instruction, or None; NOTES: the SECCOMP_VERBOSE
    lines; DROPPED: SANDBOX_BEST_EFFORT's line of what is not enforced, or None."""

    def __init__(self, environ):
        self._cfg, _ = _load(environ, None, None, True)
        self._err = _raw("struct sb_error *")
        self.prog, self.notes, self.dropped = None, [], None
        self.landlock = bool(self._cfg.layers & lib.SB_LAYER_LANDLOCK)  # confines this process
        self.exec = bool(self._cfg.layers & lib.SB_LAYER_EXEC)  # needs the supervisor

    def prepare(self, exec_path):
        cfg = self._cfg
        self._prep = prep = ffi.new("struct sb_prepared *")
        self._prog = prep.prog = _raw("struct sb_insn[]", lib.SB_PROG_MAX)
        prep.cap = lib.SB_PROG_MAX
        # the launch exec is checked by the domain (where it handles reading or
        # executing files): the program's own file
        reads = cfg.layers & lib.SB_LAYER_LANDLOCK and cfg.landlock.fs & lib.SB_FS_RIGHTS_EXEC
        if reads and lib.sb_landlock_add_path(cfg, os.fsencode(os.path.realpath(exec_path)),
                                              lib.SB_FS_RIGHTS_EXEC) < 0:
            raise PolicyError("%s: more paths than fit (%d, with the program's own file)"
                              % (env_name(cfg.landlock.var_fs), lib.SB_LL_PATHS_MAX))
        if lib.sb_prepare(cfg, prep, self._err) < 0 or \
                (self.exec and lib.sb_supervise_check(cfg, self._err) < 0):
            raise _policy_error(self._err)
        prep.restrict_flags = lib.SB_LL_LOG_NEW_EXEC_ON
        self.prog = bytes(ffi.buffer(prep.prog, prep.len * INSN_SIZE)) if prep.len else None
        self.notes = _describe(cfg) if cfg.verbose else []
        buf = ffi.new("char[]", 1024)
        self.dropped = None  # SANDBOX_BEST_EFFORT's line: what is not enforced
        if lib.sb_prepared_dropped(prep, buf, len(buf)) > 0:
            self.dropped = BEST_EFFORT_LINE + ffi.string(buf).decode()
        return self

    def supervise(self, pid):
        """Be the exec policy's supervisor for PID (seized by this process, in
        a ptrace stop) until the last task of its tree is gone: 0, or -1 at
        once if PID cannot be followed (it is left stopped)."""
        return lib.sb_supervise_run(self._cfg, pid, b"sandboxify")

    def enter(self):
        """The resource limits, the capability sets, no_new_privs, then the
        Landlock ruleset on this process (sb_enter's order); InstallError if
        the kernel refuses."""
        steps = lib.sb_enter_steps(self._cfg) & ~ENTER_SECCOMP  # the filter: at the exec
        r = lib.sb_enter(self._cfg, self._prep, steps, self._err)
        if r < 0 and self._err.kind == lib.SB_ERR_KERNEL:
            raise InstallError(-r, _error_text(self._err))
        if r < 0:
            raise _policy_error(self._err)


BEST_EFFORT_LINE = "SANDBOX_BEST_EFFORT: not enforced on this kernel: "


def _policy_error(err):
    def text(field):
        return ffi.string(field).decode(errors="replace")

    return PolicyError(_error_text(err), kind=text(lib.sb_error_kind_name(err.kind)),
                       variable=text(err.var), what=text(err.what), token=text(err.token),
                       item=err.item, line=err.line, where=text(err.where), path=text(err.path))


# ---- the one enter (csrc/apply/enter.c) ----

ENTER_LIMITS = lib.SB_ENTER_LIMITS
ENTER_CAPS = lib.SB_ENTER_CAPS
ENTER_NO_NEW_PRIVS = lib.SB_ENTER_NO_NEW_PRIVS
ENTER_LANDLOCK = lib.SB_ENTER_LANDLOCK
ENTER_SECCOMP = lib.SB_ENTER_SECCOMP
ENTER_ALL = lib.SB_ENTER_ALL


def enter(config, steps=ENTER_ALL, trap_kills=False):
    """Apply CONFIG (a Config load() returned; None: one without layers) to the
    calling process: sb_enter()'s STEPS (ENTER_*), in its order, the seccomp
    filter last. InstallError(errno, message) if the kernel refuses a step (those
    before it stay applied); PolicyError if a step's layer is missing or its
    filter cannot be made. TRAP_KILLS: the filter's kill actions become trap
    (Sandbox.call's child names the syscall from the SIGSYS; Sigsys)."""
    _entered(*_enter(config, steps, trap_kills))


def _entered(r, err):
    """Raise what sb_enter()'s result R (and its struct sb_error ERR) says."""
    if r < 0 and err.kind == lib.SB_ERR_KERNEL:
        raise InstallError(-r, _error_text(err))
    if r < 0:
        raise _policy_error(err)


def _enter(config, steps, trap_kills=False):
    """(sb_enter()'s or sb_prepare()'s result, the struct sb_error)."""
    cfg, err = _restore(config), ffi.new("struct sb_error *")
    if trap_kills:
        _trap_kills(cfg.seccomp)
    prep = ffi.new("struct sb_prepared *")
    if steps & ~ENTER_NO_NEW_PRIVS:
        prep.prog = prog = _raw("struct sb_insn[]", lib.SB_PROG_MAX)  # noqa: F841 (kept alive)
        prep.cap = lib.SB_PROG_MAX
        r = lib.sb_prepare(cfg, prep, err)
        if r < 0:
            return r, err
    if steps & ENTER_SECCOMP and cfg.layers & lib.SB_LAYER_EXEC:
        # the exec policy's supervisor first: outside every layer, tracing this
        # thread (others are not traced: their execs fail with ENOSYS)
        r = lib.sb_supervise_start(cfg, b"pysandbox", err)
        if r < 0:
            return r, err
    return lib.sb_enter(cfg, prep, steps, err), err


def _trap_kills(p):
    kills = (lib.SB_ACT_KILL_PROCESS, lib.SB_ACT_KILL_THREAD)
    for r in p.rules[0:p.nrules]:
        if r.action in kills:
            r.action = lib.SB_ACT_TRAP
    p.default_action = lib.SB_ACT_TRAP if p.default_action in kills else p.default_action
    # NOTE: the compiler keeps another ABI's syscalls a kill (abi_action): no record then


# NOTE: looked up here, once: cffi makes a function object on its first
# lookup, which a forked child would otherwise make anew, page by page
_sb_enter, _sb_sigsys_catch = lib.sb_enter, lib.sb_sigsys_catch
_sb_sigsys_map, _sb_sigsys_unmap = lib.sb_sigsys_map, lib.sb_sigsys_unmap
# the layers whose making depends on nothing but the configuration (vows are
# compiled into the seccomp and Landlock layers, whose bits they set too)
_PURE_LAYERS = lib.SB_LAYER_SECCOMP | lib.SB_LAYER_VOWS


class Entry:
    """enter(CONFIG, trap_kills=TRAP_KILLS) made ready once, for many forked
    children (Sandbox.call): the configuration restored here and, when its
    layers are the seccomp filter's only, the filter compiled here, so that
    each child only installs it - copying (page by page) as little of this
    process as it can. Any other layer is made by each child's enter, as
    enter() does: a Landlock ruleset opens its paths then, capabilities and
    limits are checked against the process that takes them, the exec policy
    starts its supervisor. PolicyError here if the filter cannot be made."""

    def __init__(self, config, trap_kills=False):
        self._config, self._trap_kills = config, trap_kills
        self._ready = None  # (the struct sb_config, sb_prepared, sb_error, the program)
        cfg = _restore(config)
        if cfg.layers and not cfg.layers & ~_PURE_LAYERS:
            if trap_kills:
                _trap_kills(cfg.seccomp)
            prep, err = ffi.new("struct sb_prepared *"), ffi.new("struct sb_error *")
            prep.prog = prog = _raw("struct sb_insn[]", lib.SB_PROG_MAX)
            prep.cap = lib.SB_PROG_MAX
            if lib.sb_prepare(cfg, prep, err) < 0:
                raise _policy_error(err)
            self._ready = (cfg, prep, err, prog)

    def enter(self, sigsys):
        """In the (forked) process to confine: SIGSYS (a Sigsys) catches its
        traps (one C call: a method here would be one more page the child
        copies), then the configuration is applied, as enter() would."""
        r = _sb_sigsys_catch(sigsys._rec)
        if r < 0:
            raise InstallError(-r, "cannot catch SIGSYS: %s" % os.strerror(-r))
        ready = self._ready
        if ready is None:
            return enter(self._config, trap_kills=self._trap_kills)
        # NOTE: only the child's copy of the prepared state is changed (the
        # enter closes its ruleset): this process's stays ready
        r = _sb_enter(ready[0], ready[1], ENTER_ALL, ready[2])
        if r < 0:
            _entered(r, ready[2])


class Sigsys:
    """The record of a seccomp trap, in a page of its own shared with the
    children forked after it is made (one per child: close() unmaps it). In
    the child, Entry.enter() has the next trap's syscall recorded there before
    it dies by SIGSYS; in the parent, seen() reads it back."""

    __slots__ = ("_rec",)

    def __init__(self):
        rec = _sb_sigsys_map()
        if not rec:
            e = ffi.errno
            raise OSError(e, "cannot map the SIGSYS record: %s" % os.strerror(e))
        self._rec = rec

    def seen(self):
        """(syscall name or number, arch name) the child's trap recorded, or None."""
        rec = self._rec
        if not rec.caught:
            return None
        name = arch_by_audit().get(rec.arch)
        return (syscall_name(rec.nr, name) if name else None) or rec.nr, name or "0x%x" % rec.arch

    def close(self):
        rec, self._rec = self._rec, ffi.NULL
        if rec:
            _sb_sigsys_unmap(rec)


def describe(config):
    """The SECCOMP_VERBOSE=1 lines of CONFIG (a Config load() returned)."""
    return _describe(_restore(config))


def env_family(name):
    """Is NAME (bytes or str) in one of our families of variables (SECCOMP_*,
    SANDBOX_FS*, ...: ours, a typo of ours, or one reserved)?"""
    name = os.fsencode(name)
    return b"\0" not in name and bool(lib.sb_env_family(name))


def no_new_privs():
    """sb_enter()'s steps before the seccomp filter (no_new_privs) on the calling
    process, as sandboxify's launch child takes them: 0 or -errno. (No
    configuration is made for it: an empty one is 57 KiB to clear, a quarter
    of a millisecond of every launch.)"""
    return lib.sb_enter(ffi.NULL, ffi.NULL, ENTER_NO_NEW_PRIVS, _raw("struct sb_error *"))


# ---- the host a profile's includes/excludes are decided against ----

def cap_names():
    """Capability names by number: CAP_CHOWN, CAP_DAC_OVERRIDE, ..."""
    out = []
    while lib.sb_cap_name(len(out)) != ffi.NULL:
        out.append(ffi.string(lib.sb_cap_name(len(out))).decode())
    return out


def all_caps():
    return (1 << len(cap_names())) - 1


def cap_lookup(name):
    n = lib.sb_cap_lookup(name.encode())
    if n < 0:
        raise PolicyError("unknown capability '%s'" % name)
    return n


def probe_host():
    """This process's Host: effective capabilities, running kernel. InstallError
    if capget(2) or uname(2) fails."""
    _records()
    h = ffi.new("struct sb_host *")
    r = lib.sb_host_probe(h)
    if r < 0:
        raise InstallError(-r, "cannot read this process's capabilities or kernel version: %s"
                           % os.strerror(-r))
    return Host(h.caps, (h.kernel_major, h.kernel_minor))


def host(caps=None, kernel=None):
    """A Host: CAPS a bit mask (None: this process's effective set), KERNEL
    (major, minor) (None: the running kernel's)."""
    _records()
    h = probe_host() if caps is None or kernel is None else None
    return Host(h.caps if caps is None else caps, h.kernel if kernel is None else tuple(kernel))


def _report(seccomp):
    """The lines libsandbox.so prints for SECCOMP_VERBOSE=1."""
    buf = ffi.new("char[128]")
    lines = []
    for i in range(seccomp.nrules):
        lib.sb_rule_describe(seccomp, i, buf, len(buf))
        lines.append(ffi.string(buf).decode())
    return lines


def _describe(cfg):
    """The SECCOMP_VERBOSE=1 lines of the struct sb_config CFG, libsandbox.so's:
    the Landlock layer's paths and ports, then the seccomp rules."""
    buf, lines = ffi.new("char[]", lib.SB_PATH_MAX + 80), []
    while lib.sb_config_describe(cfg, len(lines), buf, len(buf)) >= 0:
        lines.append(ffi.string(buf).decode(errors="surrogateescape"))
    return lines


def env_is_ours(name):
    """Is NAME (bytes or str) a variable libsandbox.so reads (and removes)?"""
    name = os.fsencode(name)
    return b"\0" not in name and bool(lib.sb_env_family(name) and lib.sb_env_is_ours(name))


def _error_text(err):
    buf = ffi.new("char[%d]" % (ffi.sizeof("struct sb_error") + 256))
    lib.sb_error_format(err, buf, len(buf))
    return ffi.string(buf).decode(errors="replace")


# ---- ptrace, for sandboxify: each returns 0 or -errno ----

trace_seize = lib.sb_trace_seize
trace_cont = lib.sb_trace_cont
trace_syscall = lib.sb_trace_syscall
trace_listen = lib.sb_trace_listen
trace_detach = lib.sb_trace_detach
set_ptracer = lib.sb_set_ptracer
inject_exit = lib.sb_inject_exit


def execve(path, argv, environ):
    """execve(2) with ENVIRON (see _envp) exactly as given; raises OSError."""
    c_argv, _keep_argv = _strv(argv)
    envp, _keep = _envp(environ)
    r = lib.sb_trace_execve(os.fsencode(path), c_argv, envp)
    raise OSError(-r, os.strerror(-r), path)


def inject_filter(pid, prog):
    insns = ffi.from_buffer("struct sb_insn[]", prog)
    return lib.sb_inject_filter(pid, insns, len(prog) // INSN_SIZE)


LEARN_FACTS = ("status", "calls", "other", "tasks", "handlers", "restarts", "untraced", "blind",
               "exec_error", "access_lost")
LEARN_OWN_FILTER = lib.SB_LEARN_OWN_FILTER
LEARN_FOREIGN_ABI = lib.SB_LEARN_FOREIGN_ABI
# struct sb_learn's access record kinds, by name
LEARN_ACCESS = {getattr(lib, "SB_LEARN_ACCESS_" + name.upper()): name for name in (
    "read", "exec", "write", "make", "connect", "bind", "socket", "signal", "abstract", "listen")}


def learn_run(path, argv, environ, prog=None, access_size=0):
    """Run PATH traced (see sb_learn_run); returns ({abi: {nr: calls}}, {fact: value},
    [(kind, text)]) with abi "native", "x32", "compat", the facts of LEARN_FACTS (struct
    sb_learn's fields) and, given ACCESS_SIZE bytes for them, what the run touched
    (kind: a LEARN_ACCESS name; text: str, a path undecodable bytes as surrogates).
    ARGV and ENVIRON: bytes or str. Raises OSError."""
    out = ffi.new("struct sb_learn *")
    access = ffi.new("char[]", access_size) if access_size else ffi.NULL
    out.access, out.access_size = access, access_size
    c_argv, _keep_argv = _strv(argv)
    envp, _keep = _envp(environ)
    insns = ffi.from_buffer("struct sb_insn[]", prog) if prog else ffi.NULL
    n = len(prog) // INSN_SIZE if prog else 0
    r = lib.sb_learn_run(os.fsencode(path), c_argv, envp, insns, n, out)
    if r < 0:
        raise OSError(-r, os.strerror(-r))
    counts = {abi: {nr: getattr(out, abi)[nr] for nr in range(lib.SB_LEARN_NRS)
                    if getattr(out, abi)[nr]} for abi in ("native", "x32", "compat")}
    records = ffi.buffer(access, out.access_len)[:].split(b"\0")[:-1] if access_size else []
    touched = [(LEARN_ACCESS[rec[0]], os.fsdecode(rec[1:])) for rec in records]
    return counts, {fact: getattr(out, fact) for fact in LEARN_FACTS}, touched

# ---- the Landlock layer's vocabulary, for features, audit and learn ----

FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE = (lib.SB_FS_EXECUTE, lib.SB_FS_WRITE_FILE,
                                           lib.SB_FS_READ_FILE)
LANDLOCK_KINDS = ("fs", "net", "scope")  # landlock_right_names' kinds 0, 1, 2
LANDLOCK_ABI_KNOWN = lib.SB_LL_ABI_KNOWN  # the newest ABI the C layer knows

# ---- kernel probes, for `pysandbox features`: each returns 0 (or a value) or -errno ----

probe_seccomp_filter = lib.sb_probe_seccomp_filter
probe_seccomp_action = lib.sb_probe_seccomp_action
probe_notif_listener = lib.sb_probe_notif_listener
probe_landlock_abi = lib.sb_probe_landlock_abi
probe_userns = lib.sb_probe_userns
probe_i386 = lib.sb_probe_i386
probe_x32 = lib.sb_probe_x32
probe_ptrace_child = lib.sb_probe_ptrace_child
probe_syscall_info = lib.sb_probe_syscall_info
probe_suspend_seccomp = lib.sb_probe_suspend_seccomp
probe_ptrace_parent = lib.sb_probe_ptrace_parent


def probe_notif_sizes():
    """(sizeof seccomp_notif, seccomp_notif_resp, seccomp_data), or -errno."""
    sizes = ffi.new("uint16_t[3]")
    r = lib.sb_probe_notif_sizes(sizes)
    return r if r < 0 else tuple(sizes)
