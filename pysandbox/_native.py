"""The only importer of the cffi module: thin, checked wrappers over csrc/."""
import errno
import os
import stat

from pysandbox._errors import PolicyError
from pysandbox._native_cffi import ffi, lib

INSN_SIZE = ffi.sizeof("struct sb_insn")
ARCHES = ("x86_64", "aarch64", "i386", "x32")
TARGET_ARCHES = ("x86_64", "aarch64")

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


def arch(name=None):
    """The sb_arch for NAME (default: the native one)."""
    a = lib.sb_arch_native() if name is None else lib.sb_arch_lookup(name.encode())
    if a == ffi.NULL:
        raise PolicyError("unknown architecture '%s'" % (name or os.uname().machine))
    return a


def arch_by_audit():
    """{AUDIT_ARCH_* value: arch name}; x32 shares x86_64's value and is left out."""
    return {arch_audit(arch(a)): a for a in ARCHES if a != "x32"}


def arch_name(a):
    return ffi.string(lib.sb_arch_name(a)).decode()


def arch_audit(a):
    return lib.sb_arch_audit(a)


# x32 shares x86_64's AUDIT_ARCH value; its syscall numbers carry this bit.
X32_BIT = lib.sb_arch_abi_bit(arch("x86_64"))


def syscall_nr(name, arch_=None):
    """Number of NAME on the arch, or None if the arch has no such syscall."""
    nr = lib.sb_syscall_nr(arch(arch_), name.encode())
    return None if nr < 0 else nr


def syscall_name(nr, arch_=None):
    p = lib.sb_syscall_name(arch(arch_), nr)
    return None if p == ffi.NULL else ffi.string(p).decode()


def int_args(nr, arch_=None):
    """Indexes of syscall NR's arguments narrower than 64 bits: 32-bit C types
    (compared on their low half only) and 16-bit ones (umode_t, its low 16 bits)."""
    mask = lib.sb_syscall_int_args(arch(arch_), nr)
    return tuple(i for i in range(6) if mask >> i & 1)


def arg_width(nr, arg, arch_=None):
    """Bits of argument ARG of syscall NR the kernel reads: 64, 32 or 16."""
    return lib.sb_syscall_arg_width(arch(arch_), nr, arg)


def syscall_known(name):
    """Is NAME a Linux syscall on any architecture (ours or another)?"""
    return bool(lib.sb_syscall_known(name.encode()))


def syscalls(arch_=None):
    """{name: nr} for every syscall of the arch."""
    a, out = arch(arch_), {}
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
    a = arch(arch_)
    nrs = ffi.new("uint32_t[]", 4096)
    n = lib.sb_group_members(a, name.encode(), nrs, 4096)
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
        return "%s:%s" % (name, errno.errorcode.get(data, data) if base == lib.SB_ACT_ERRNO else data)
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


def compile_env(environ, arch_=None, host=None):
    """BPF (raw struct sock_filter bytes) for the policy ENVIRON describes.

    Returns None when ENVIRON sets no policy; raises PolicyError with the same
    one-line message libsandbox.so prints. HOST: see parse_policy()."""
    return compile_policy(environ, arch_, host)[0]


NO_POLICY = "no policy: set SECCOMP_SYSCALL_ALLOW, SECCOMP_SYSCALL_DENY or SECCOMP_PROFILE"


def compile_policy(environ, arch_=None, host=None, required=False):
    """(BPF bytes or None, the SECCOMP_VERBOSE=1 report lines)."""
    policy = parse_policy(environ, arch_, host, required)
    if policy is None:
        return None, []
    return compile_parsed(policy), _report(policy) if policy.verbose else []


def compile_parsed(policy):
    """BPF bytes for a struct sb_policy from parse_policy()."""
    prog = ffi.new("struct sb_insn[]", lib.SB_PROG_MAX)
    n = lib.sb_bpf_compile(policy, prog, lib.SB_PROG_MAX)
    if n < 0:
        raise PolicyError("the policy does not fit in one seccomp filter (%s)"
                          % os.strerror(-n))
    return bytes(ffi.buffer(prog, n * INSN_SIZE))


def parse_policy(environ, arch_=None, host=None, required=False):
    """The finished struct sb_policy ENVIRON describes, or None without a policy
    (REQUIRED: PolicyError instead).

    HOST (a SECCOMP_PROFILE's includes/excludes are decided against it): a
    struct sb_host from host(), or None for this process's own."""
    policy = ffi.new("struct sb_policy *")
    err = ffi.new("struct sb_error *")
    envp, _keep = _envp(environ)
    a = arch(arch_)
    if not lib.sb_arch_is_target(a):
        raise PolicyError("cannot compile a filter for %s (targets: %s)"
                          % (arch_name(a), ", ".join(TARGET_ARCHES)))
    r = lib.sb_policy_from_env(policy, a, envp, err)
    if r == 1 and required:
        raise PolicyError(NO_POLICY)
    if r == 1:
        return None
    if r == 0 and policy.file != ffi.NULL:
        text = _read_file("SECCOMP_POLICY_FILE", ffi.string(policy.file))
        r = lib.sb_policy_add_file(policy, policy.file, text, len(text), err)
    if r == 0 and policy.profile != ffi.NULL:
        text = _read_file("SECCOMP_PROFILE", ffi.string(policy.profile))
        tape = ffi.new("struct sb_json[]", min(len(text) // 2 + 2, lib.SB_JSON_MAX))
        r = lib.sb_policy_add_profile(policy, policy.profile, text, len(text),
                                      host if host is not None else probe_host(), tape,
                                      len(tape), err)
    if r == 0:
        r = lib.sb_policy_finish(policy, err)
    if r < 0:
        raise PolicyError(_error_text(err))
    return policy


FILE_MAX = lib.SB_FILE_MAX  # as libsandbox.so


def _read_file(var, path):
    path = path.decode(errors="replace")
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (as libsandbox.so)
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
        with open(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise PolicyError("%s: cannot read '%s': not a regular file" % (var, path))
            text = f.read(FILE_MAX + 1)
    except OSError as e:
        raise PolicyError("%s: cannot read '%s': %s" % (var, path, e.strerror))
    if len(text) > FILE_MAX:
        raise PolicyError("%s: larger than %d bytes: '%s'" % (var, FILE_MAX, path))
    return text


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
    """This process's host: effective capabilities, running kernel."""
    h = ffi.new("struct sb_host *")
    r = lib.sb_host_probe(h)
    if r < 0:
        raise PolicyError("cannot read this process's capabilities or kernel version: %s"
                          % os.strerror(-r))
    return h


def host(caps=None, kernel=None):
    """A struct sb_host: CAPS a bit mask (None: this process's effective set),
    KERNEL (major, minor) (None: the running kernel's)."""
    h = probe_host()
    if caps is not None:
        h.caps = caps
    if kernel is not None:
        h.kernel_major, h.kernel_minor = kernel
    return h


def _report(policy):
    """The lines libsandbox.so prints for SECCOMP_VERBOSE=1."""
    buf = ffi.new("char[128]")
    lines = []
    for i in range(policy.nrules):
        lib.sb_rule_describe(policy, i, buf, len(buf))
        lines.append(ffi.string(buf).decode())
    return lines


def env_is_ours(name):
    """Is NAME (bytes or str) a variable libsandbox.so reads (and removes)?"""
    name = os.fsencode(name)
    return name.startswith(b"SECCOMP_") and bool(lib.sb_env_is_ours(name))


def _error_text(err):
    buf = ffi.new("char[1100]")
    lib.sb_error_format(err, buf, len(buf))
    return ffi.string(buf).decode(errors="replace")


# ---- ptrace, for sandboxify: each returns 0 or -errno ----

trace_seize = lib.sb_trace_seize
trace_cont = lib.sb_trace_cont
trace_syscall = lib.sb_trace_syscall
trace_listen = lib.sb_trace_listen
trace_detach = lib.sb_trace_detach
set_ptracer = lib.sb_set_ptracer
no_new_privs = lib.sb_no_new_privs
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
               "exec_error")
LEARN_OWN_FILTER = lib.SB_LEARN_OWN_FILTER
LEARN_FOREIGN_ABI = lib.SB_LEARN_FOREIGN_ABI


def learn_run(path, argv, environ, prog=None):
    """Run PATH traced (see sb_learn_run); returns ({abi: {nr: calls}}, {fact: value})
    with abi "native", "x32", "compat" and the facts of LEARN_FACTS (struct
    sb_learn's fields). ARGV and ENVIRON: bytes or str. Raises OSError."""
    out = ffi.new("struct sb_learn *")
    c_argv, _keep_argv = _strv(argv)
    envp, _keep = _envp(environ)
    insns = ffi.from_buffer("struct sb_insn[]", prog) if prog else ffi.NULL
    n = len(prog) // INSN_SIZE if prog else 0
    r = lib.sb_learn_run(os.fsencode(path), c_argv, envp, insns, n, out)
    if r < 0:
        raise OSError(-r, os.strerror(-r))
    counts = {abi: {nr: getattr(out, abi)[nr] for nr in range(lib.SB_LEARN_NRS)
                    if getattr(out, abi)[nr]} for abi in ("native", "x32", "compat")}
    return counts, {fact: getattr(out, fact) for fact in LEARN_FACTS}

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
