"""The one vocabulary: every setting under one name in three forms.

Each row is one environment variable, its `pysandbox run` flag and its
keyword of pysandbox.Sandbox; the rule: flag = "--" + keyword, "_" -> "-".
The values are the variable's strings in every form. KIND says how a Python
value becomes that string:

  "list"  items joined by SEP (a str is taken as it is; a sequence of str or
          int is joined); the flag is repeatable, its values joined by SEP
  "text"  one string (a path, an action, a word)
  "bool"  True -> "1", False -> "0"; the flag takes no value and sets "1"

The C loader (csrc/core/env.c) is the judge of names and values; this table
only spells them. tests/unit/test_vocabulary.py checks that its variables
are the loader's (plus SANDBOX_ISOLATE, read by `pysandbox run` and Sandbox
only) and that the flags and keywords are the ones here.

>>> from pysandbox.vocabulary import BY_KEYWORD
>>> BY_KEYWORD["fs_read"].env, BY_KEYWORD["fs_read"].flag
('SANDBOX_FS_READ', '--fs-read')
"""

__all__ = ["Setting", "SETTINGS", "BY_ENV", "BY_KEYWORD", "ISOLATE", "PYTHON_ONLY", "render"]


class Setting(tuple):
    """One row: ENV the variable, KEYWORD the Python keyword, KIND (see the
    module), SEP the list separator (None for other kinds), HELP one line."""

    __slots__ = ()
    env = property(lambda self: self[0])
    keyword = property(lambda self: self[1])
    kind = property(lambda self: self[2])
    sep = property(lambda self: self[3])
    help = property(lambda self: self[4])

    @property
    def flag(self):
        return "--" + self.keyword.replace("_", "-")


def _row(env, keyword, kind, help_, sep=":"):
    return Setting((env, keyword, kind, sep if kind == "list" else None, help_))


SETTINGS = (
    _row("SECCOMP_SYSCALL_ALLOW", "allow", "list", "only these syscalls (entries of the "
         "policy language); every other one gets the default action"),
    _row("SECCOMP_SYSCALL_DENY", "deny", "list", "these syscalls get the default action"),
    _row("SECCOMP_DEFAULT_ACTION", "default", "text", "what a syscall the policy does not "
         "allow gets: kill (default), trap, log, errno[:NAME], allow"),
    _row("SECCOMP_PROFILE", "profile", "text", "a Docker/OCI seccomp profile (JSON file)"),
    _row("SECCOMP_POLICY_FILE", "policy_file", "text", "a policy file (allow/deny/default "
         "and fs-*/net-* lines)"),
    _row("SECCOMP_VERBOSE", "verbose", "bool", "print each rule as it is added (and, for "
         "`pysandbox run`, the road taken)"),
    _row("SANDBOX_FS_READ", "fs_read", "list", "read beneath these paths (Landlock)"),
    _row("SANDBOX_FS_EXEC", "fs_exec", "list", "read and execute beneath these paths"),
    _row("SANDBOX_FS_WRITE", "fs_write", "list", "read and write beneath these paths"),
    _row("SANDBOX_NET", "net", "list", "none, or the socket kinds allowed besides TCP and "
         "AF_UNIX: udp, raw, netlink"),
    _row("SANDBOX_NET_CONNECT", "net_connect", "list", "TCP ports connect() may reach"),
    _row("SANDBOX_NET_BIND", "net_bind", "list", "TCP ports bind() may use"),
    _row("SANDBOX_SCOPE", "scope", "list", "IPC scoping: signal, abstract-unix (default "
         "both) or none"),
    _row("SANDBOX_IO_URING", "io_uring", "text", "deny (default) or allow"),
    _row("SANDBOX_BEST_EFFORT", "best_effort", "bool", "enforce what this kernel supports "
         "and say what is not (opt-in)"),
    _row("SANDBOX_EXEC_ALLOW", "exec_allow", "list", "programs (and argv prefixes) the "
         "sandbox may execute"),
    _row("SANDBOX_EXEC_DENY", "exec_deny", "list", "programs (and argv prefixes) it may not"),
    _row("SANDBOX_VOWS", "vows", "list", "pledge-style promises (stdio rpath ...)", " "),
    _row("SANDBOX_VOWS_EXEC", "vows_exec", "list", "the promises an exec'd program gets",
         " "),
    _row("SANDBOX_CAPS", "caps", "list", "capabilities kept: none or CAP_A,CAP_B", ","),
    _row("SANDBOX_LIMITS", "limits", "list", "resource limits: NAME=VALUE (nofile=64)"),
    _row("SANDBOX_ISOLATE", "isolate", "list", "namespaces (bubblewrap): net, pid, ipc, "
         "uts, mount, all"),
)
BY_ENV = {s.env: s for s in SETTINGS}
BY_KEYWORD = {s.keyword: s for s in SETTINGS}
ISOLATE = "SANDBOX_ISOLATE"
# read by `pysandbox run` and Sandbox only: never handed to libsandbox.so or sandboxify
PYTHON_ONLY = frozenset({ISOLATE})


def render(setting, value):
    """The variable's string for VALUE (see the module's KIND), or None for
    None (unset). TypeError for a value of the wrong type."""
    if value is None:
        return None
    if setting.kind == "bool":
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, str):
            return value
    elif setting.kind == "text":
        if isinstance(value, str):
            return value
        if hasattr(value, "__fspath__"):
            return str(value.__fspath__())
    elif isinstance(value, str):
        return value
    elif isinstance(value, dict):  # limits={"nofile": 64}
        return setting.sep.join("%s=%s" % kv for kv in value.items())
    elif not isinstance(value, bytes):
        try:
            items = [str(v.__fspath__()) if hasattr(v, "__fspath__") else v for v in value]
        except TypeError:
            items = None
        if items is not None and all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                     for v in items):
            return setting.sep.join(str(v) for v in items)
    raise TypeError("%s=: expected %s, not %r" % (setting.keyword, EXPECTED[setting.kind],
                                                  value))


EXPECTED = {"bool": "a bool", "text": "a str", "list": "a str or a sequence of str"}


def c_header():
    """csrc/front/vocabulary.h: this table as the C front door reads it (flag,
    variable, kind, separator). Generated, never edited: `python -m
    pysandbox.vocabulary > csrc/front/vocabulary.h`; tests/unit/
    test_vocabulary.py fails while the checked-in file differs."""
    rows = ["\t{ \"%s\", \"%s\", '%s', '%s' }," % (s.flag, s.env, s.kind[0], s.sep or " ")
            for s in SETTINGS]
    return "\n".join([
        "/* SPDX-License-Identifier: MIT */",
        "/* Generated from pysandbox/vocabulary.py by `python -m pysandbox.vocabulary`:",
        " * do not edit. The settings as `pysandbox run` flags: flag, variable, kind",
        " * ('l'ist, 't'ext, 'b'ool), list separator. */",
        "#define SB_FRONT_ISOLATE \"%s\"" % ISOLATE,
        "static const struct setting {",
        "\tconst char *flag, *env;",
        "\tchar kind, sep;",
        "} settings[] = {",
        *rows,
        "};",
        ""])


if __name__ == "__main__":
    import sys

    sys.stdout.write(c_header())
