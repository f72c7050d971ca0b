"""pysandbox.Sandbox end to end: run/Popen parity with subprocess, static and
dynamic targets, the async twin, apply() in a child interpreter, call() and
@isolated (returning, raising, killed, timing out, under threads)."""
import asyncio
import fcntl
import gc
import os
import pickle
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time

import pytest

from pysandbox import CallError, CallTimeout, PolicyError, Sandbox
from pysandbox.errors import RefusedError
from support.proc import NOBODY, PY, SIGSYS_STATUS, clean_env

README_ALLOW = ("arch_prctl:brk:set_tid_address:set_robust_list:rseq:prlimit64:mprotect:"
                "getrandom:newfstatat:ioctl:readlink:write:exit_group")
BOX = Sandbox(deny=["ptrace"])


@pytest.mark.parametrize("args,kwargs", [
    (["echo", "hello"], {"capture_output": True}),
    (["sh", "-c", "echo out; echo err >&2; exit 3"], {"capture_output": True, "text": True}),
    (["sh", "-c", "kill -TERM $$"], {}),
    (["cat"], {"input": b"data\n", "stdout": subprocess.PIPE}),
    (["pwd"], {"cwd": "/usr", "capture_output": True, "text": True}),
    (["sh", "-c", "echo $FOO"], {"env": {"FOO": "bar", "PATH": "/usr/bin:/bin"},
                                "capture_output": True}),
    ("echo $((6 * 7)) | tr 4 x", {"shell": True, "capture_output": True, "text": True}),
    (["grep", "-c", "^Seccomp:\t0"], {"input": "", "capture_output": True, "text": True}),
])
def test_run_is_subprocess_run(args, kwargs):
    want = subprocess.run(args, **kwargs)
    got = BOX.run(args, **kwargs)
    assert type(got) is subprocess.CompletedProcess
    assert (got.args, got.returncode, got.stdout, got.stderr) == \
        (want.args, want.returncode, want.stdout, want.stderr)


def test_run_raises_as_subprocess_run():
    with pytest.raises(subprocess.CalledProcessError) as e:
        BOX.run(["sh", "-c", "exit 4"], check=True)
    assert e.value.returncode == 4 and e.value.cmd == ["sh", "-c", "exit 4"]
    with pytest.raises(subprocess.TimeoutExpired):
        BOX.run(["sleep", "10"], timeout=0.2)
    with pytest.raises(FileNotFoundError):
        BOX.run(["nonexistent-program-xyz"])


def test_run_executable_and_pass_fds():
    r = BOX.run(["name-of-argv0", "-c", "echo $0"], executable="/bin/sh", capture_output=True)
    assert r.stdout == subprocess.run(["name-of-argv0", "-c", "echo $0"], executable="/bin/sh",
                                      capture_output=True).stdout == b"name-of-argv0\n"
    rfd, wfd = os.pipe()
    try:
        r = BOX.run([PY, "-c", "import os; os.write(%d, b'through\\n')" % wfd], pass_fds=[wfd])
        assert r.returncode == 0 and os.read(rfd, 100) == b"through\n"
    finally:
        os.close(rfd)
        os.close(wfd)


def test_run_inspects_the_program_the_child_runs(kit, tmp_path):
    """With cwd=, a relative program (or PATH entry) is the one in that
    directory: a static one there must get the launch, not LD_PRELOAD."""
    os.symlink(kit.hello_static, tmp_path / "prog")
    box = Sandbox(allow=README_ALLOW.replace(":write", ""))
    for args, env in ((["./prog"], None), (["prog"], clean_env(PATH="."))):
        assert box.run(args, cwd=tmp_path, env=env).returncode == SIGSYS_STATUS


def test_run_refuses_a_set_id_program():
    if not os.stat("/usr/bin/passwd").st_mode & 0o4000:
        pytest.skip("no set-uid /usr/bin/passwd here")
    with pytest.raises(RefusedError, match="refusing a set-id or file-capability program"):
        BOX.run(["passwd", "--help"])


def test_help_documents_the_api():
    import pydoc

    import pysandbox

    text = pydoc.render_doc(pysandbox, renderer=pydoc.plaintext)
    assert "class Sandbox" in text and "call(self, fn: Callable[..., ~T], /, *args" in text
    assert "Sandbox(fs_exec=" in pydoc.render_doc(pysandbox.Sandbox, renderer=pydoc.plaintext)


def test_run_confines_the_program():
    r = BOX.run(["grep", "^Seccomp:", "/proc/self/status"], capture_output=True, text=True)
    assert r.stdout == "Seccomp:\t2\n"
    r = Sandbox(fs_exec="@base").run(["cat", "/etc/hostname"], capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (1, "cat: /etc/hostname: Permission denied\n")
    r = Sandbox(deny=["getppid"]).run([PY, "-c", "import os; os.getppid()"])
    assert r.returncode == SIGSYS_STATUS


def test_run_finds_the_program_the_exec_runs(kit, tmp_path):
    """The program is looked for and inspected as the exec will find it: a
    cwd= holding a ':' (the directories were joined by ':' and split again:
    not found, so LD_PRELOAD, and a static program ran unconfined); a
    relative #! interpreter from cwd=, not from this process's directory."""
    box = Sandbox(allow=README_ALLOW.replace(":write", ""))
    odd = tmp_path / "c:d"
    odd.mkdir()
    os.symlink(kit.hello_static, odd / "prog")
    for path in (".", "/usr/bin:"):
        assert box.run(["prog"], cwd=odd, env={"PATH": path}).returncode == SIGSYS_STATUS
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    os.symlink(kit.hello, here / "interp")  # dynamic, where this process is
    os.symlink(kit.hello_static, there / "interp")  # static, where the exec is
    (there / "script").write_text("#!interp\n")
    (there / "script").chmod(0o755)
    old = os.getcwd()
    os.chdir(here)
    try:
        r = box.run(["./script"], cwd=there, capture_output=True)
    finally:
        os.chdir(old)
    assert r.returncode == SIGSYS_STATUS, r


def test_run_as_another_user_takes_the_launch(kit, monkeypatch):
    """user=, group=, extra_groups=, preexec_fn= change the child before its
    exec: the loader there may not read libsandbox.so (it says 'cannot be
    preloaded: ignored' and runs the program unconfined); the launch inspects
    and confines in the child."""
    from pysandbox import sandbox

    roads = []
    real = sandbox.Sandbox._launcher
    monkeypatch.setattr(sandbox.Sandbox, "_launcher",
                        lambda self, road, *a: roads.append(road) or real(self, road, *a))
    box = Sandbox(deny=["getppid"])
    for kw in ({}, {"user": os.getuid()}, {"group": os.getgid()}, {"extra_groups": []},
               {"preexec_fn": lambda: None}):
        r = box.run([PY, "-c", "import os; os.getppid()"], **kw)
        assert r.returncode == SIGSYS_STATUS, kw
    assert roads == ["preload"] + ["launch"] * 4


def test_run_as_a_user_who_cannot_read_the_library_is_never_unconfined(kit, tmp_path):
    """The package in a directory only root may enter (a venv under /root):
    with user=65534 the loader could not open libsandbox.so, said 'cannot be
    preloaded: ignored' and ran the program unconfined. Now confined, or
    refused (that user cannot run the launcher)."""
    if os.getuid() != 0:
        pytest.skip("user= needs root")
    pkg = os.path.dirname(os.path.abspath(sys.modules["pysandbox"].__file__))
    priv = tmp_path / "priv"
    shutil.copytree(pkg, priv / "pysandbox", ignore=shutil.ignore_patterns("__pycache__"))
    priv.chmod(0o700)
    code = ("import sys; sys.path.insert(0, %r)\nfrom pysandbox import Sandbox\n"
            "try:\n"
            "    r = Sandbox(deny=['getppid']).run([%r, 'getppid'], user=65534,\n"
            "                                      capture_output=True, text=True)\n"
            "    print(r.returncode, r.stdout.strip(), r.stderr.strip())\n"
            "except PermissionError as e:\n    print('refused', e)\n") % (str(priv), kit.probe)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout, r
    assert "getppid = ok" not in r.stdout, r.stdout


def test_call_timeout_past_poll_s_range():
    assert BOX.call(int, timeout=3e6) == BOX.call(int, timeout=float("inf")) == 0


def test_run_static_program(kit):
    r = Sandbox(allow=README_ALLOW).run([kit.hello_static], capture_output=True, text=True)
    assert (r.args, r.returncode, r.stdout, r.stderr) == ([kit.hello_static], 0,
                                                         "Hello, world!\n", "")
    r = Sandbox(allow=README_ALLOW.replace(":write", "")).run([kit.hello_static])
    assert r.returncode == SIGSYS_STATUS


def test_popen_pid_is_the_program_s():
    p = BOX.Popen(["sh", "-c", "echo $$; read x; echo $x"], stdin=subprocess.PIPE,
                  stdout=subprocess.PIPE, text=True)
    assert isinstance(p, subprocess.Popen) and p.args == ["sh", "-c", "echo $$; read x; echo $x"]
    out, _ = p.communicate("typed\n", timeout=30)
    assert (p.returncode, out) == (0, "%d\ntyped\n" % p.pid)
    p = BOX.Popen(["sleep", "10"])
    p.terminate()
    assert p.wait(timeout=30) == -15


def test_environment_variables_merge_or_refuse():
    env = clean_env(SANDBOX_FS_EXEC="@base")
    r = BOX.run(["cat", "/etc/hostname"], env=env, capture_output=True)
    assert r.returncode == 1
    with pytest.raises(PolicyError, match="SECCOMP_SYSCALL_DENY: set in the environment"):
        BOX.run(["true"], env=clean_env(SECCOMP_SYSCALL_DENY="mount"))
    r = BOX.run(["env"], env=env, capture_output=True, text=True)
    assert "SANDBOX_FS_EXEC" not in r.stdout and "SECCOMP_SYSCALL_DENY" not in r.stdout


def test_async_twin():
    async def main():
        p = await BOX.create_subprocess_exec("sh", "-c", "echo hi; exit 5",
                                             stdout=asyncio.subprocess.PIPE)
        out, _ = await p.communicate()
        return p.returncode, out

    assert asyncio.run(main()) == (5, b"hi\n")


APPLY = """
import os, sys
sys.path.insert(0, %r)
from pysandbox import Sandbox
Sandbox(deny=["getppid=EPERM"], fs_exec="@base").apply()
print("getppid", os.getppid())  # EPERM: glibc's -1
try:
    open("/etc/hostname")
except PermissionError:
    print("open refused")
"""


def test_apply_in_a_child_interpreter(kit, as_nobody):
    kit.pysandbox(as_nobody)  # the package where uid 65534 can read it
    site = kit.installed() if as_nobody else os.path.dirname(os.path.dirname(
        os.path.abspath(sys.modules["pysandbox"].__file__)))
    argv = [PY if as_nobody else sys.executable, "-c", APPLY % site]
    r = subprocess.run((NOBODY + ["--"] if as_nobody else []) + argv, capture_output=True,
                       text=True, timeout=60, cwd="/")
    assert (r.returncode, r.stdout, r.stderr) == (0, "getppid -1\nopen refused\n", "")


def test_apply_refuses_what_a_running_process_cannot_take():
    from pysandbox.sandbox import _from_values

    # net="loopback" is a network namespace too: it was dropped, the rest applied
    for key, box in (("isolate", Sandbox(isolate="net")), ("net", Sandbox(net="loopback")),
                     ("net", Sandbox(net="loopback", deny=["ptrace"]))):
        with pytest.raises(PolicyError, match="^%s=: apply\\(\\) cannot apply it" % key):
            box.apply()
        with pytest.raises(PolicyError, match="^%s=: call\\(\\) cannot apply it" % key):
            box.call(int)
    assert _from_values({"SECCOMP_SYSCALL_DENY": "ptrace"}) == BOX


VOWS_EXEC = dict(vows="stdio rpath proc exec prot_exec", vows_exec="stdio prot_exec")
CAT = ("import subprocess\n"
       "print(subprocess.run(['/usr/bin/cat', '/etc/hostname'], capture_output=True).returncode)\n")


def test_apply_and_call_hand_vows_exec_on():
    """vows_exec is what an exec'd program gets, as pledge()'s execpromises:
    apply() and call() dropped it (cat read the file)."""
    code = "import pysandbox\npysandbox.Sandbox(**%r).apply()\n" % VOWS_EXEC + CAT
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout) == (0, "%d\n" % -signal.SIGSYS), r.stderr

    def cat():
        return subprocess.run(["/usr/bin/cat", "/etc/hostname"], capture_output=True).returncode
    assert Sandbox(**VOWS_EXEC).call(cat) == -signal.SIGSYS
    assert "SANDBOX_VOWS" not in os.environ  # the child's, not this process's
    assert Sandbox(vows=VOWS_EXEC["vows"]).call(cat) == 0  # no vows_exec: cat runs


def test_apply_and_call_take_the_exec_policy():
    """A running process takes the exec policy: its supervisor attaches to the
    calling thread, and a denied program fails with EACCES in the caller."""
    code = ("import subprocess, pysandbox\n"
            "pysandbox.Sandbox(exec_deny=['/usr/bin/echo']).apply()\n"
            "try:\n subprocess.run(['/usr/bin/echo', 'ESCAPED'])\n"
            "except PermissionError as e:\n print('refused', e.errno)\n"
            "print(subprocess.run(['/usr/bin/true']).returncode)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert (r.returncode, r.stdout) == (0, "refused 13\n0\n"), r.stderr
    assert "exec denied by SANDBOX_EXEC_DENY '/usr/bin/echo' (item 1)" in r.stderr

    def runs(prog):
        try:
            return subprocess.run([prog], capture_output=True).returncode
        except PermissionError as e:
            return "refused %d" % e.errno

    box = Sandbox(exec_deny=["/usr/bin/echo"])
    assert box.call(runs, "/usr/bin/echo") == "refused 13"
    assert box.call(runs, "/usr/bin/true") == 0


def test_call_returns_and_raises():
    box = Sandbox(deny=["getppid"], fs_read=[])
    assert box.call(sum, [1, 2, 3]) == 6
    assert box.call(dict, a=(1, 2.5, "x", b"y", None)) == {"a": (1, 2.5, "x", b"y", None)}
    with pytest.raises(ValueError, match="invalid literal") as e:
        box.call(int, "x")
    assert "ValueError: invalid literal" in str(e.value.__cause__)
    with pytest.raises(PermissionError):
        box.call(open, "/etc/hostname")  # Landlock, in the child only
    assert open("/etc/hostname").read()


def test_call_names_the_syscall_the_filter_stopped():
    with pytest.raises(CallError) as e:
        Sandbox(deny=["getppid"]).call(os.getppid)
    assert str(e.value) == "the sandboxed call was killed by the seccomp filter at syscall " \
        "'getppid' (x86_64)" or e.value.arch != "x86_64"
    assert (e.value.syscall, e.value.signal) == ("getppid", 31)
    with pytest.raises(CallError) as e:
        Sandbox(deny=["getppid=kill_thread"]).call(os.getppid)
    assert e.value.syscall == "getppid"


def test_call_timeout_kills_the_child():
    before = set(os.listdir("/proc"))
    t = time.monotonic()
    with pytest.raises(CallTimeout):
        BOX.call(time.sleep, 30, timeout=0.3)
    assert time.monotonic() - t < 10
    assert not [p for p in set(os.listdir("/proc")) - before
                if p.isdigit() and "sleep" in open("/proc/%s/cmdline" % p, "rb").read().decode()]


class Result:
    pass


class Oops(Exception):
    pass


def raise_oops():
    raise Oops("no")


def test_call_refuses_answers_that_are_not_built_in_types():
    """A pickle may name any callable: a compromised child must not make the
    parent run code, so only built-in types cross back."""
    with pytest.raises(CallError, match="Result' is not a built-in type"):
        BOX.call(Result)
    with pytest.raises(CallError, match="the call raised .*Oops: no") as e:
        BOX.call(raise_oops)
    assert ", in raise_oops\n" in str(e.value.__cause__)


def test_call_child_exits_without_answer():
    with pytest.raises(CallError, match="exited with status 3 without an answer") as e:
        BOX.call(os._exit, 3)
    assert e.value.status == 3


PLAIN = [None, True, False, 0, -1, 127, 128, -129, 2 ** 200, -2 ** 200, 1.5, -0.0,
         float("inf"), "", "h\u00e9llo \udcff", b"", b"\x00\xff" * 3, b"x" * (1 << 20)]


def test_call_plain_results_cross_as_themselves():
    """None, bools, ints, floats, str and bytes cross without pickle: each
    comes back as what it was, type and value (a megabyte in several reads);
    anything else, subclasses of those too, as a pickle."""
    for value in PLAIN:
        got = BOX.call(lambda value=value: value)
        assert (type(got), got) == (type(value), value)
    assert repr(BOX.call(float, "nan")) == "nan"
    assert BOX.call(list, range(100000)) == list(range(100000))
    with pytest.raises(CallError, match="'signal.Signals' is not a built-in type"):
        BOX.call(lambda: signal.SIGINT)  # an int, of another class


def forge(kind, body):
    """In the child: write answer BODY of KIND down the answer pipe as a
    compromised child could, and end without answering any further."""
    fd = ANSWER_FD
    assert os.readlink("/proc/self/fd/%d" % fd).startswith("pipe:")
    assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY
    os.write(fd, struct.pack("=QB", len(body), kind) + body)
    os._exit(0)


ANSWER_FD = None


def expect_answer_fd():
    """Set ANSWER_FD to the write end the next call's pipe will have: the
    numbers a pipe made and closed now had (the lowest free)."""
    global ANSWER_FD
    a, b = os.pipe()
    os.close(a)
    os.close(b)
    ANSWER_FD = b


def test_call_refuses_a_forged_answer():
    """A child compromised by its input writes what it likes as its answer:
    a kind there is none of, a body that is no value of its kind, a pickle
    naming a callable - each is refused, nothing run here."""
    expect_answer_fd()
    for kind, body, why in [(99, b"", "no answer of kind 99"), (4, b"\x00", "unpack requires"),
                            (5, b"\xff", "can't decode"),
                            (0, pickle.dumps(("ok", os.system)), "'posix.system' is not")]:
        with pytest.raises(CallError, match="answer is refused: .*%s" % why):
            BOX.call(forge, kind, body)


class Bomb:
    """Pickled, a call of a type with arguments cheap to write, costly to make."""

    def __reduce__(self):
        return frozenset, (range(10 ** 6),)


def test_call_refuses_answers_that_would_cost_this_process_dearly():
    """A forged answer must not make the caller build without bound, raise
    what could end it, or take another shape than an answer's."""
    expect_answer_fd()
    for body, why in [(pickle.dumps(("ok", Bomb()), 4), "'builtins.frozenset' is not"),
                      (pickle.dumps(("ok",)), "no answer of this shape"),
                      (pickle.dumps(("raised", 1, "tb")), "no exception and traceback"),
                      (b"", "[Rr]an out of input|exhausted before seeing STOP")]:
        with pytest.raises(CallError, match="answer is refused: .*(%s)" % why):
            BOX.call(forge, 0, body)
    with pytest.raises(CallError, match="raised SystemExit"):  # not SystemExit itself
        BOX.call(forge, 0, pickle.dumps(("raised", SystemExit(3), "tb")))
    with pytest.raises(CallError, match="refused: no answer of kind 2"):
        BOX.call(forge, 2, b"\x02")


def nested_pickle(levels):
    """A pickle of ("ok", a tuple LEVELS deep inside a frozenset)."""
    return b"\x80\x05\x8c\x02ok()" + b"\x85" * levels + b"\x91\x86."


def shared_pickle(levels):
    """A pickle of ("ok", frozenset({t})), t_i = (t_i-1, t_i-1) through the
    memo: 5 bytes a level, 2 ** LEVELS to hash."""
    body = b"".join(b"h%ch%c\x86\x94" % (i, i) for i in range(1, levels))
    return b"\x80\x05\x8c\x02ok\x94)\x94" + body + b"\x91\x86."


def test_call_refuses_answers_that_would_crash_or_hang_this_process():
    """Pickles small enough to pass MAX_ANSWER that would overflow the C stack
    when hashed (a million-deep tuple in a frozenset), hash for ever (tuples
    sharing one another), or build 216 bytes a byte (EMPTY_SET): refused
    before they are read, at once."""
    expect_answer_fd()
    t = time.monotonic()
    for body in (nested_pickle(10 ** 6), shared_pickle(60),
                 b"\x80\x05(" + b"\x8f" * 3000000 + b"l."):
        with pytest.raises(CallError, match="answer is refused: (a value of|more than)"):
            BOX.call(forge, 0, body, timeout=30)
    assert time.monotonic() - t < 20
    assert BOX.call(lambda: [[(1, 2)] * 3] * 1000) == [[(1, 2)] * 3] * 1000  # sharing is fine


def drip(claimed):
    """In the child: an answer's header claiming CLAIMED bytes, then a byte
    every 0.1 ms, forever."""
    os.write(ANSWER_FD, struct.pack("=QB", claimed, 0))
    while True:
        os.write(ANSWER_FD, b"x")
        time.sleep(0.0001)


def answer_then_sleep():
    """In the child: a whole answer (0), then no exit."""
    os.write(ANSWER_FD, struct.pack("=QB", 1, 3) + b"\x00")
    time.sleep(60)


def test_call_timeout_holds_while_the_child_writes_and_after_it_answered():
    expect_answer_fd()
    t = time.monotonic()
    with pytest.raises(CallTimeout):
        BOX.call(drip, 1 << 20, timeout=0.5)
    assert time.monotonic() - t < 3
    with pytest.raises(CallError, match="refused: %d bytes, more than" % ((1 << 28) + 1)):
        BOX.call(drip, (1 << 28) + 1, timeout=30)
    t = time.monotonic()
    assert BOX.call(answer_then_sleep, timeout=30) == 0  # taken at once; the child killed
    assert time.monotonic() - t < 3


class Interrupted(Exception):
    pass


def test_call_interrupted_anywhere_leaves_nothing_behind():
    """A signal handler raising at any point of call() (a ^C): no child left
    unkilled or unreaped, no fd, page or listing left."""
    from pysandbox import _call

    armed = []

    def raise_(sig, frame):  # once per arming: never in the test's own except
        if armed:
            armed.pop()
            raise Interrupted()

    fds = len(os.listdir("/proc/self/fd"))
    old = signal.signal(signal.SIGALRM, raise_)
    interrupted = 0
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.0003, 0.0003)
        for _ in range(300):
            try:
                armed.append(1)
                BOX.call(int)
                armed.clear()
            except Interrupted:
                interrupted += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert interrupted > 10
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of ours, reaped or not
    assert (len(os.listdir("/proc/self/fd")), _call._live) == (fds, {})


def no_python_handler():
    return signal.getsignal(signal.SIGINT) == signal.SIG_DFL


def test_call_child_has_no_python_signal_handler():
    """An exception a handler raised in the child could unwind into the
    caller's code: the child has none (a ^C ends it by SIGINT)."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert BOX.call(no_python_handler) is True


def forge_sigsys_record():
    """In the child: write this call's SIGSYS record, then exit 0."""
    from pysandbox import _call, _native

    for held in _call._live.values():
        rec = _native.ffi.cast("struct sb_sigsys *", held[_call.SIGSYS]._rec)
        rec.nr, rec.arch, rec.caught = 101, 0xC000003E, 1
    os._exit(0)


def test_call_believes_the_sigsys_record_only_of_a_child_killed_by_it():
    with pytest.raises(CallError, match="exited with status 0 without an answer"):
        BOX.call(forge_sigsys_record)


def grandchild_trapped():
    """In the child: a grandchild makes the denied syscall; its wait status."""
    import ctypes

    pid = os.fork()
    if pid == 0:
        ctypes.CDLL(None, use_errno=True).syscall(101, 0, 0, 0, 0)  # ptrace: trapped
        os._exit(0)
    return os.waitpid(pid, 0)[1]


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="ptrace's number is x86_64's")
def test_a_grandchild_s_trap_ends_the_grandchild_not_the_child():
    status = BOX.call(grandchild_trapped)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS


_MARK = None


def write_the_callers_memory():
    """In the child: write the caller's _MARK through /proc/PPID/mem, signal it."""
    import ctypes

    out = []
    try:
        with open("/proc/%d/mem" % os.getppid(), "r+b", buffering=0) as f:
            f.seek(ctypes.addressof(_MARK))
            f.write(b"WRITTEN")
        out.append("wrote")
    except OSError as e:
        out.append(e.errno)
    try:
        os.kill(os.getppid(), 0)
        out.append("signalled")
    except OSError as e:
        out.append(e.errno)
    return " ".join(map(str, out))


def test_scope_signal_keeps_a_call_s_child_off_the_caller():
    """README: a deny-list leaves the child free to write the caller's memory
    and signal it; scope=["signal"] (a Landlock domain) forbids both."""
    import ctypes
    import errno

    global _MARK
    _MARK = ctypes.create_string_buffer(b"untouched")
    if _native_landlock_abi() < 6:
        pytest.skip("Landlock ABI 6 (signal scoping) missing: kernel %s" % os.uname().release)
    assert Sandbox(deny=["socket"]).call(write_the_callers_memory) == "wrote signalled"
    assert _MARK.value.startswith(b"WRITTEN")
    _MARK.value = b"untouched"
    assert Sandbox(deny=["socket"], scope=["signal"]).call(write_the_callers_memory) == \
        "%d %d" % (errno.EACCES, errno.EPERM)
    assert _MARK.value == b"untouched"


def _native_landlock_abi():
    from pysandbox import _native

    return _native.probe_landlock_abi()


def test_call_leaves_the_callers_frozen_objects_frozen():
    """The child freezes the collector's objects (its collections skip what
    it inherited); the caller's own gc.freeze() stays as it was."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen and BOX.call(int) == 0
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def collected_freeze_counts():
    before = gc.get_freeze_count()
    gc.collect()
    return before, gc.get_freeze_count() > 0


def test_call_child_freezes_at_its_first_collection():
    gc.collect()  # the child starts far from its first collection
    assert BOX.call(collected_freeze_counts) == (0, True)


def test_calls_from_threads():
    results, errors = {}, []

    def work(i):
        try:
            results[i] = BOX.call(pow, i, 2, timeout=30)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (errors, results) == ([], {i: i * i for i in range(8)})


def held():
    """(how many fds this process has open, its shared writable mappings): in
    a call's child, what it inherited (the numbers differ with what the
    parent holds besides)."""
    with open("/proc/self/maps") as f:
        shared = sum(" rw-s " in line for line in f)
    return len(os.listdir("/proc/self/fd")), shared


def sleeper(flag, seconds):
    open(flag, "w").close()
    time.sleep(seconds)
    return "slept"


def test_a_call_s_child_holds_nothing_of_another_call_in_flight(tmp_path):
    """A threaded caller: the child of one call must not inherit another
    call's pipe, pidfd or SIGSYS page (through which what it runs could
    read, forge or kill that call's answer): it holds what a call's child
    holds with no other call in flight."""
    alone = BOX.call(held)
    flag = str(tmp_path / "started")
    other = {}
    t = threading.Thread(target=lambda: other.update(r=BOX.call(sleeper, flag, 3, timeout=30)))
    t.start()
    try:
        for _ in range(500):
            if os.path.exists(flag):
                break
            time.sleep(0.01)
        during = BOX.call(held)
    finally:
        t.join()
    assert other == {"r": "slept"}
    assert during == alone


def test_isolated_decorator():
    @Sandbox(deny=["getppid"]).isolated(timeout=30)
    def parent_pid(n):
        return os.getppid() + n

    @BOX.isolated
    def double(x):
        return 2 * x

    assert double(21) == 42 and double.__name__ == "double"
    with pytest.raises(CallError, match="'getppid'"):
        parent_pid(1)


def test_the_docstrings_examples_hold():
    import doctest

    import pysandbox.sandbox
    import pysandbox.vocabulary

    for module in (pysandbox.sandbox, pysandbox.vocabulary):
        failed, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert (failed, tried > 0) == (0, True), module.__name__


AS_NOBODY = """
import os, sys
sys.path.insert(0, %r)
from pysandbox import Sandbox, CallError
box = Sandbox(deny=["getppid"], fs_exec="@base")
r = box.run(["cat", "/etc/hostname"], capture_output=True, text=True)
print(r.returncode, r.stderr.strip())
r = Sandbox(allow=%r).run([%r], capture_output=True, text=True)
print(r.returncode, r.stdout.strip())
print(box.call(sum, [1, 2]))
try:
    box.call(os.getppid)
except CallError as e:
    print(e.syscall)
"""


def test_sandbox_as_an_ordinary_user(kit):
    kit.pysandbox(True)  # the package where uid 65534 can read it
    code = AS_NOBODY % (kit.installed(), README_ALLOW, kit.hello_static)
    r = subprocess.run(NOBODY + ["--", PY, "-c", code], capture_output=True, text=True,
                       timeout=60, cwd="/")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "1 cat: /etc/hostname: Permission denied\n0 Hello, world!\n3\ngetppid\n"
