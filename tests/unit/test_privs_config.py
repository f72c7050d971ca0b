"""SANDBOX_CAPS and SANDBOX_LIMITS as the one loader reads them (csrc/core/privs.c):
what each value becomes (Config.caps, Config.limits), every error line and kind,
the SECCOMP_VERBOSE lines. Pure: nothing is applied here (tests/e2e/test_caps.py
and test_limits.py run programs)."""
import pytest

from pysandbox import PolicyError, _native

HOST = _native.host(0, (6, 18))


def load(**env):
    return _native.load(env, "x86_64", HOST)


def describe(**env):
    """The SECCOMP_VERBOSE lines of ENV's configuration (libsandbox.so's)."""
    return _native._describe(_native.Launch(env)._cfg)


@pytest.mark.parametrize("value, kept", [
    ("none", ()),
    ("CAP_NET_RAW", ("CAP_NET_RAW",)),
    ("net_raw,cap_kill:Cap_Sys_Admin", ("CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN")),
    ("kill:kill", ("CAP_KILL",)),
    ("CAP_CHECKPOINT_RESTORE", ("CAP_CHECKPOINT_RESTORE",)),
])
def test_caps(value, kept):
    cfg = load(SANDBOX_CAPS=value)
    assert (cfg.caps, cfg.limits, cfg.rules, cfg.default_action, cfg.landlock) == (
        kept, None, (), None, None)


CAP_ERRORS = [
    ("", "is empty: expected none or capability names", "syntax"),
    ("bogus", "unknown capability 'bogus' (item 1)", "unknown"),
    ("kill:CAP_", "unknown capability 'CAP_' (item 2)", "unknown"),
    ("CAP_CAP_KILL", "unknown capability 'CAP_CAP_KILL' (item 1)", "unknown"),
    ("kill::net_raw", "empty item '' (item 2)", "syntax"),
    ("kill,", "empty item '' (item 2)", "syntax"),
    ("kill,none", "cannot be combined with other values 'none' (item 2)", "conflict"),
    ("NONE", "unknown capability 'NONE' (item 1)", "unknown"),
    ("all", "unknown capability 'all' (item 1)", "unknown"),
    ("CAP_NET_RAW ", "unknown capability 'CAP_NET_RAW ' (item 1)", "unknown"),
]


@pytest.mark.parametrize("value, line, kind", CAP_ERRORS)
def test_cap_errors(value, line, kind):
    with pytest.raises(PolicyError) as e:
        load(SANDBOX_CAPS=value)
    assert (str(e.value), e.value.kind) == ("SANDBOX_CAPS: " + line, kind)


G = 1 << 30


@pytest.mark.parametrize("value, limits", [
    ("nofile=64", [("nofile", 64, 64)]),
    ("as=1G:core=0,cpu=5/10", [("as", G, G), ("core", 0, 0), ("cpu", 5, 10)]),
    ("fsize=1k:memlock=2M:stack=8m:data=3T",
     [("fsize", 1024, 1024), ("memlock", 2 << 20, 2 << 20), ("stack", 8 << 20, 8 << 20),
      ("data", 3 << 40, 3 << 40)]),
    ("nproc=unlimited:cpu=1/unlimited", [("nproc", None, None), ("cpu", 1, None)]),
    ("as=18446744073709551614", [("as", 2 ** 64 - 2, 2 ** 64 - 2)]),
    ("as=16777215T", [("as", 16777215 << 40, 16777215 << 40)]),
    ("nofile=0", [("nofile", 0, 0)]),
])
def test_limits(value, limits):
    cfg = load(SANDBOX_LIMITS=value)
    assert ([tuple(m) for m in cfg.limits], cfg.caps) == (limits, None)


LIMIT_ERRORS = [
    ("", "is empty: expected NAME=VALUE items"),
    ("nofile", "expected NAME=VALUE, not 'nofile' (item 1)"),
    ("files=5", "unknown resource limit 'files' (item 1)"),
    ("NOFILE=5", "unknown resource limit 'NOFILE' (item 1)"),
    ("nofile=1k", "expected a number or unlimited, not 'nofile=1k' (item 1)"),
    ("core=0:as=1Q", "expected a number (K, M, G, T) or unlimited, not 'as=1Q' (item 2)"),
    ("as=-1", "expected a number (K, M, G, T) or unlimited, not 'as=-1' (item 1)"),
    ("as=", "expected a number (K, M, G, T) or unlimited, not 'as=' (item 1)"),
    ("nofile=5/", "expected a number or unlimited, not 'nofile=5/' (item 1)"),
    ("nofile=0x10", "expected a number or unlimited, not 'nofile=0x10' (item 1)"),
    ("nofile=5,nofile=6", "set twice 'nofile' (item 2)"),
    ("cpu=10/5", "soft limit above the hard one 'cpu=10/5' (item 1)"),
    ("cpu=unlimited/5", "soft limit above the hard one 'cpu=unlimited/5' (item 1)"),
    ("as=18446744073709551615", "value out of range 'as=18446744073709551615' (item 1)"),
    ("as=16777216T", "value out of range 'as=16777216T' (item 1)"),
    ("core=0:", "empty item '' (item 2)"),
]


@pytest.mark.parametrize("value, line", LIMIT_ERRORS)
def test_limit_errors(value, line):
    with pytest.raises(PolicyError) as e:
        load(SANDBOX_LIMITS=value)
    assert str(e.value) == "SANDBOX_LIMITS: " + line


def test_limit_error_kinds():
    kinds = {}
    for value, _ in LIMIT_ERRORS:
        with pytest.raises(PolicyError) as e:
            load(SANDBOX_LIMITS=value)
        kinds[value] = e.value.kind
    assert kinds["files=5"] == "unknown" and kinds["cpu=10/5"] == "range"
    assert kinds["as=16777216T"] == "range" and kinds["nofile=5,nofile=6"] == "conflict"
    assert kinds["nofile=1k"] == kinds["nofile"] == "syntax"


def test_with_the_other_layers():
    cfg = load(SANDBOX_CAPS="kill", SANDBOX_LIMITS="nofile=64", SANDBOX_FS_READ="/",
               SECCOMP_SYSCALL_DENY="ptrace")
    assert cfg.caps == ("CAP_KILL",) and cfg.limits[0].name == "nofile"
    assert cfg.landlock is not None and cfg.rules


def test_learn_is_alone():
    with pytest.raises(PolicyError) as e:
        load(SECCOMP_LEARN="1234", SANDBOX_CAPS="none")
    assert str(e.value) == "SECCOMP_LEARN: cannot be combined with 'SANDBOX_CAPS'"


def test_the_variables_are_ours():
    names = set()
    i = 0
    while _native.env_name(i):
        names.add(_native.env_name(i))
        i += 1
    assert {"SANDBOX_CAPS", "SANDBOX_LIMITS"} <= names
    assert _native.env_is_ours("SANDBOX_CAPS") and _native.env_is_ours("SANDBOX_LIMITS")
    for typo in ("SANDBOX_CAP", "SANDBOX_CAPS_KEEP", "SANDBOX_LIMIT", "SANDBOX_LIMITS_AS"):
        with pytest.raises(PolicyError) as e:
            load(**{typo: "none"})
        assert str(e.value) == typo + ": unknown variable"


def test_verbose_lines():
    assert describe(SANDBOX_LIMITS="as=1K:cpu=5/unlimited:core=unlimited", SANDBOX_CAPS="none",
                    SECCOMP_VERBOSE="1") == [
        "setting the process's resource limit as=1024",
        "setting the process's resource limit cpu=5/unlimited",
        "setting the process's resource limit core=unlimited",
        "dropping every capability of the process"]
    assert describe(SANDBOX_CAPS="net_raw:kill") == [
        "dropping every capability of the process but CAP_KILL CAP_NET_RAW"]


def test_no_filter_to_compile():
    """A filter alone would drop the layers: pysandbox compile refuses them."""
    with pytest.raises(PolicyError) as e:
        _native.compile_policy({"SANDBOX_CAPS": "none", "SECCOMP_SYSCALL_DENY": "ptrace"})
    assert str(e.value) == ("SANDBOX_CAPS: capabilities are no seccomp filter: apply them "
                            "with libsandbox.so or sandboxify")
    with pytest.raises(PolicyError) as e:
        load(SANDBOX_LIMITS="core=0").compile()
    assert "no seccomp policy" in str(e.value)
