"""The one vocabulary: the table's variables are the C loader's, its flags are
`pysandbox run`'s, its keywords are Sandbox's; and Sandbox as a value."""
import inspect
import os

import pytest

from pysandbox import Sandbox, _native
from pysandbox.errors import PolicyError
from pysandbox.vocabulary import BY_KEYWORD, PYTHON_ONLY, SETTINGS, render
from support.proc import ROOT

NO_FLAG = {"SECCOMP_LEARN"}  # set by `pysandbox learn` for its tracer only
UNSUPPORTED = "not supported by this version of pysandbox"


def loader_names():
    names, i = [], 0
    while (name := _native.env_name(i)) is not None:
        names.append(name)
        i += 1
    return names


def test_every_loader_variable_has_a_row():
    assert set(loader_names()) - NO_FLAG <= {s.env for s in SETTINGS}


@pytest.mark.parametrize("env", sorted({s.env for s in SETTINGS} - PYTHON_ONLY))
def test_each_row_is_the_loaders_or_reserved_by_it(env):
    """A row the loader does not know yet is one of its reserved families
    (refused, never ignored); SANDBOX_ISOLATE alone is Python's."""
    if env in loader_names():
        return
    with pytest.raises(PolicyError) as e:
        _native.load({env: "x"})
    assert (e.value.variable, e.value.what) == (env, UNSUPPORTED)


def test_python_only_rows_are_no_loader_variables():
    assert not PYTHON_ONLY & set(loader_names())
    assert all(not _native.env_is_ours(name) for name in PYTHON_ONLY)


def test_flags_are_run_s_options():
    from pysandbox.cli import parser

    sub = next(a for a in parser()._actions if a.dest == "command")
    run = sub.choices["run"]
    flags = {o for a in run._actions for o in a.option_strings if o.startswith("--")}
    assert flags - {"--help", "--strict"} == {s.flag for s in SETTINGS}
    for s in SETTINGS:
        assert s.flag == "--" + s.keyword.replace("_", "-")


def test_keywords_are_sandbox_s_keyword_only_parameters():
    params = inspect.signature(Sandbox).parameters
    assert list(params) == [s.keyword for s in SETTINGS]
    assert all(p.kind is p.KEYWORD_ONLY and p.default is None for p in params.values())
    assert all(isinstance(getattr(Sandbox, s.keyword), property) for s in SETTINGS)


@pytest.mark.parametrize("keyword,value,text", [
    ("allow", "read:write", "read:write"),
    ("allow", ["read", "write=EPERM"], "read:write=EPERM"),
    ("net_connect", [443, "8000-8080"], "443:8000-8080"),
    ("fs_read", [], ""),
    ("verbose", True, "1"),
    ("best_effort", False, "0"),
    ("caps", ["CAP_NET_RAW", "CAP_CHOWN"], "CAP_NET_RAW,CAP_CHOWN"),
    ("vows", ["stdio", "rpath"], "stdio rpath"),
    ("limits", {"nofile": 64, "nproc": 10}, "nofile=64:nproc=10"),
    ("default", "errno:EPERM", "errno:EPERM"),
])
def test_render(keyword, value, text):
    assert render(BY_KEYWORD[keyword], value) == text


@pytest.mark.parametrize("keyword,value", [("allow", 3), ("allow", [True]), ("verbose", 1),
                                           ("default", ["kill"]), ("fs_read", b"/etc")])
def test_render_refuses_the_wrong_type(keyword, value):
    with pytest.raises(TypeError, match=keyword):
        render(BY_KEYWORD[keyword], value)


def test_sandbox_is_checked_by_the_loader_when_made():
    with pytest.raises(PolicyError) as e:
        Sandbox(deny=["ptrace", "opne"])
    assert str(e.value) == "SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 2)"
    with pytest.raises(PolicyError, match="SANDBOX_FS_READ: not an absolute path 'etc'"):
        Sandbox(fs_read="etc")
    with pytest.raises(PolicyError, match="^no policy"):
        Sandbox(verbose=True)
    with pytest.raises(TypeError):
        Sandbox(alow=["read"])  # noqa


def test_sandbox_is_an_immutable_value():
    box = Sandbox(deny=["ptrace"], fs_read="/etc:/usr")
    with pytest.raises(AttributeError, match="immutable"):
        box.deny = ("mount",)
    assert box.fs_read == ("/etc", "/usr") and box.deny == ("ptrace",) and box.allow is None
    assert box == Sandbox(fs_read=["/etc", "/usr"], deny="ptrace")
    assert hash(box) == hash(Sandbox(fs_read=["/etc", "/usr"], deny="ptrace"))
    assert box.replace(deny=None, net="none").environ() == {"SANDBOX_FS_READ": "/etc:/usr",
                                                            "SANDBOX_NET": "none"}
    assert repr(box) == "Sandbox(deny=('ptrace',), fs_read=('/etc', '/usr'))"


def test_environ_and_from_environ_round_trip():
    env = {"SECCOMP_SYSCALL_DENY": "ptrace=EPERM:mount", "SANDBOX_FS_EXEC": "@base",
           "SECCOMP_VERBOSE": "1", "PATH": "/bin", "SANDBOX_ON": "1"}  # Gentoo's: not ours
    box = Sandbox.from_environ(env)
    assert box.environ() == {k: v for k, v in env.items() if k.startswith(("SECCOMP_",
                                                                          "SANDBOX_FS"))}
    assert box.verbose is True and box.deny == ("ptrace=EPERM", "mount")
    assert Sandbox.from_environ({os_key: v.encode() for os_key, v in
                                 ((k.encode(), v) for k, v in env.items())}) == box


@pytest.mark.parametrize("env,message", [
    ({"SECCOMP_SYSCALL_ALOW": "read"}, "SECCOMP_SYSCALL_ALOW: unknown variable"),
    ({"SANDBOX_FS_RAED": "/etc"}, "SANDBOX_FS_RAED: unknown variable"),
    ({"SECCOMP_LEARN": "1"}, "SECCOMP_LEARN is for `pysandbox learn` only"),
])
def test_from_environ_refuses_names_of_our_families_it_does_not_know(env, message):
    with pytest.raises(PolicyError) as e:
        Sandbox.from_environ(dict(env, SECCOMP_SYSCALL_DENY="ptrace"))
    assert str(e.value) == message


def test_merge_or_refuse():
    from pysandbox.sandbox import _merge

    mine = {"SANDBOX_FS_READ": "/etc"}
    assert _merge(mine, {"SECCOMP_SYSCALL_DENY": "ptrace", "SANDBOX_FS_READ": "/etc"}) == {
        "SECCOMP_SYSCALL_DENY": "ptrace", "SANDBOX_FS_READ": "/etc"}
    with pytest.raises(PolicyError) as e:
        _merge(mine, {"SANDBOX_FS_READ": "/usr"})
    assert str(e.value) == ("SANDBOX_FS_READ: set in the environment ('/usr') and by "
                            "--fs-read / fs_read= ('/etc'): give it once")


def test_the_front_door_s_table_is_generated_from_this_one():
    """csrc/front/vocabulary.h (the C front door's flags) is c_header()'s
    output: regenerate it with `python -m pysandbox.vocabulary`."""
    from pysandbox.vocabulary import c_header

    path = os.path.join(ROOT, "csrc", "front", "vocabulary.h")
    with open(path) as f:
        assert f.read() == c_header(), "stale: python -m pysandbox.vocabulary > " + path
