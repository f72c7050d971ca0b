"""pysandbox learn --landlock: learn the files and ports a program uses, then
run it again under exactly the proposed SANDBOX_* (and SECCOMP_*) variables,
as root and as uid 65534; and see that those rules do confine it."""
import os
import shutil
import socket

import pytest

from pysandbox import _native
from support.proc import PY, clean_env, run

JOB = """\
read x < {d}/in
echo "$x" > {d}/out
cat {d}/in >> {d}/out
mkdir -p {d}/sub
mv {d}/out {d}/sub/out
"""

needs_landlock = pytest.mark.skipif(_native.probe_landlock_abi() < 4,
                                    reason="needs Landlock ABI 4 (TCP rules)")


def job_dir(kit, name, as_nobody):
    d = kit.file("%s-%s" % (name, "nobody" if as_nobody else "root"))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    os.chmod(d, 0o777)
    return d


def learned(kit, as_nobody, d, argv):
    """The variables `pysandbox learn --landlock` proposes for ARGV: {name: value}."""
    out = os.path.join(d, "learned.env")
    r = run(kit.pysandbox(as_nobody) + ["learn", "--landlock", "-o", out, "--", *argv],
            clean_env(), as_nobody)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        text = f.read()
    os.unlink(out)
    return dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))


@needs_landlock
def test_learned_files_run_the_script_again(kit, as_nobody):
    d = job_dir(kit, "ll-job", as_nobody)
    with open(os.path.join(d, "in"), "w") as f:
        f.write("hello\n")
    os.chmod(os.path.join(d, "in"), 0o644)
    script = os.path.join(d, "job.sh")
    with open(script, "w") as f:
        f.write(JOB.format(d=d))
    os.chmod(script, 0o755)
    env = learned(kit, as_nobody, d, ["/bin/sh", script])
    assert env["SANDBOX_FS_WRITE"] == d  # in, out, sub and the script: the directory
    assert env["SANDBOX_FS_EXEC"].split(":")[0] == "@base"
    assert env["SANDBOX_NET"] == "none"
    shutil.rmtree(os.path.join(d, "sub"))
    confined = clean_env(LD_PRELOAD=kit.lib, **env)
    r = run(["/bin/sh", script], confined, as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    with open(os.path.join(d, "sub", "out")) as f:
        assert f.read() == "hello\nhello\n"
    # the same Landlock rules refuse what the script did not do
    landlock = {k: v for k, v in confined.items() if not k.startswith("SECCOMP_")}
    r = run(["/bin/sh", "-c", "cat /etc/hostname"], landlock, as_nobody)
    assert r.returncode != 0 and "Permission denied" in r.stderr


def listener():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    return s


CONNECT = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1]))).close()"


@needs_landlock
def test_learned_port_runs_again_and_no_other(kit, as_nobody):
    d = job_dir(kit, "ll-net", as_nobody)
    server, other = listener(), listener()
    try:
        port, port2 = server.getsockname()[1], other.getsockname()[1]
        env = learned(kit, as_nobody, d, [PY, "-c", CONNECT, str(port)])
        assert env["SANDBOX_NET_CONNECT"] == str(port)
        assert "SANDBOX_NET" not in env and "SANDBOX_FS_EXEC" in env
        confined = clean_env(LD_PRELOAD=kit.lib, **env)
        r = run([PY, "-c", CONNECT, str(port)], confined, as_nobody)
        assert (r.returncode, r.stderr) == (0, "")
        # Landlock alone (a refused connect takes calls the allowlist lacks)
        landlock = {k: v for k, v in confined.items() if not k.startswith("SECCOMP_")}
        r = run([PY, "-c", CONNECT, str(port2)], landlock, as_nobody)
        assert r.returncode == 1 and "PermissionError" in r.stderr
    finally:
        server.close()
        other.close()


def test_landlock_has_no_oci_format(kit):
    r = run(kit.pysandbox() + ["learn", "--landlock", "--format", "oci", "--", "true"],
            clean_env())
    assert (r.returncode, r.stderr) == (
        2, "pysandbox: learn: --landlock: an OCI profile holds no Landlock rules: use "
        "--format env or policy\n")


def test_policy_format_holds_the_same_rules(kit, as_nobody):
    """--format policy: fs-read... lines the loader reads as the variables."""
    d = job_dir(kit, "ll-policy", as_nobody)
    env = learned(kit, as_nobody, d, ["/bin/cat", "/etc/hostname"])
    policy = os.path.join(d, "cat.policy")
    r = run(kit.pysandbox(as_nobody) + ["learn", "--landlock", "--format", "policy", "-o",
                                        policy, "--", "/bin/cat", "/etc/hostname"],
            clean_env(), as_nobody)
    assert r.returncode == 0, r.stderr
    with open(policy) as f:
        text = f.read()
    assert "fs-read /etc/hostname\n" in text and "\nnet none\n" in text
    from_file = _native.load({"SECCOMP_POLICY_FILE": policy}).landlock
    from_env = _native.load(env).landlock
    assert (from_file.paths[0].path, from_file.fs, from_file.net, from_file.sockets) == (
        from_env.paths[0].path, from_env.fs, from_env.net, from_env.sockets)
    assert [p[:3] for p in from_file.paths] == [p[:3] for p in from_env.paths]
    r = run(["/bin/cat", "/etc/hostname"], clean_env(LD_PRELOAD=kit.lib,
                                                    SECCOMP_POLICY_FILE=policy), as_nobody)
    assert (r.returncode, r.stderr) == (0, "")
    r = run(["/bin/cat", "/etc/hosts"], clean_env(LD_PRELOAD=kit.lib,
                                                 SECCOMP_POLICY_FILE=policy), as_nobody)
    assert r.returncode != 0 and r.stderr.endswith("Permission denied\n")


def test_without_landlock_nothing_is_recorded(kit):
    r = run(kit.pysandbox() + ["learn", "--", kit.hello], clean_env())
    assert r.returncode == 0 and "SANDBOX_" not in r.stdout


def has(kind, text):
    return lambda touched: (kind, text) in touched


@pytest.mark.parametrize("what,argv,check", [
    ("relative to the cwd", ["/bin/sh", "-c", "cd /etc && cat hostname"],
     has("read", "/etc/hostname")),
    ("openat beside a directory fd", [PY, "-c", "import os; d = os.open('/etc', os.O_RDONLY); "
                                      "os.close(os.open('hostname', os.O_RDONLY, dir_fd=d))"],
     has("read", "/etc/hostname")),
    ("a failed open is not kept", [PY, "-c", "import os\ntry: open('/etc/nope-x')\n"
                                   "except OSError: pass"],
     lambda touched: not any(t.endswith("nope-x") for _, t in touched)),
    ("a write, a made file, a rename", ["/bin/sh", "-c", "echo > /tmp/ll-rec-$$ && "
                                        "mv /tmp/ll-rec-$$ /tmp/ll-rec2-$$ && rm /tmp/ll-rec2-$$"],
     lambda touched: sum(k == "make" and "/tmp/ll-rec" in t for k, t in touched) == 2),
    ("execve", ["/bin/sh", "-c", "/bin/true"], has("exec", "/bin/true")),
    ("an executable mapping needs a read only", [PY, "-c", "import _ctypes"],
     lambda touched: any(k == "read" and "_ctypes" in t for k, t in touched) and
     not any(k == "exec" and "_ctypes" in t for k, t in touched)),
    ("socket, connect", [PY, "-c", "import socket; s = socket.socket()\ntry: "
                         "s.connect(('127.0.0.1', 9))\nexcept OSError: pass"],
     lambda touched: {("socket", "tcp"), ("connect", "9")} <= set(touched)),
    ("an abstract name as long as a sockaddr_storage (the tracer once overflowed)",
     [PY, "-c", "import ctypes, socket; b = ctypes.create_string_buffer(b'A' * 128, 128)\n"
      "b[0:3] = b'\\x01\\x00\\x00'; s = socket.socket(socket.AF_UNIX)\n"
      "ctypes.CDLL(None).connect(s.fileno(), b, 128)"],
     lambda touched: ("abstract", "41" * 107) in touched),
    ("O_CREAT of a file that exists asks no directory right",
     ["/bin/sh", "-c", "echo x >> /etc/hostname.ll-none 2>/dev/null; : >> /proc/self/comm; "
      "touch /tmp/ll-exists-$$ && echo x >> /tmp/ll-exists-$$ && rm /tmp/ll-exists-$$"],
     lambda touched: sum(k == "make" and "/tmp/ll-exists" in t for k, t in touched) == 1),
    ("a datagram to an abstract socket (the scope applies to sendto too)",
     [PY, "-c", "import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "try: s.sendto(b'x', b'\\0ll-dgram')\nexcept OSError: pass"],
     lambda touched: ("abstract", b"ll-dgram".hex().upper()) in touched),
    ("a UDP connect or bind is no TCP port", [PY, "-c", "import socket\n"
     "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 0))\n"
     "u.connect(('127.0.0.1', 53))"],
     lambda touched: ("socket", "udp") in touched and
     not any(k in ("connect", "bind") for k, _ in touched)),
    ("a call another thread's exec ends is not kept", [PY, "-c", "import os, threading, time\n"
     "p = '/tmp/ll-fifo-%d' % os.getpid(); os.mkfifo(p)\n"
     "def go():\n    time.sleep(0.3); os.unlink(p); os.execv('/bin/true', ['true'])\n"
     "threading.Thread(target=go).start(); open(p, 'w')"],
     lambda touched: ("exec", "/bin/true") in touched and
     not any(k == "write" and "ll-fifo" in t for k, t in touched)),
    ("an O_PATH open is not recorded", [PY, "-c", "import os; os.open('/etc/hostname', "
                                        "os.O_PATH)"],
     lambda touched: not any(t == "/etc/hostname" for _, t in touched)),
    ("a signal outside the run", [PY, "-c", "import os; os.kill(os.getppid(), 0)"],
     lambda touched: ("signal", str(os.getpid())) in touched),
    ("a signal inside it is not", [PY, "-c", "import os; os.kill(os.getpid(), 0)"],
     lambda touched: not any(k == "signal" for k, _ in touched)),
    ("abstract sockets", [PY, "-c", "import socket; a = socket.socket(socket.AF_UNIX)\n"
                          "a.bind(b'\\0ll-own'); a.listen()\n"
                          "socket.socket(socket.AF_UNIX).connect(b'\\0ll-own')\n"
                          "try: socket.socket(socket.AF_UNIX).connect(b'\\0ll-none')\n"
                          "except OSError: pass"],
     lambda touched: {("listen", b"ll-own".hex().upper()), ("abstract", b"ll-own".hex().upper()),
                      ("abstract", b"ll-none".hex().upper())} <= set(touched)),
])
def test_tracer_records(what, argv, check):
    """The C tracer's records, read through _native (as root)."""
    from pysandbox import learn

    result, status = learn.run(learn.program(argv[0]), argv, False, landlock=True)
    assert status == 0, what
    assert check(result.touched), result.touched


def test_static_program_learned_for_sandboxify(kit, as_nobody):
    """A static program is learned from its exec; sandboxify runs it under the
    proposed rules (it adds the program file itself)."""
    d = job_dir(kit, "ll-static", as_nobody)
    env = learned(kit, as_nobody, d, [kit.hello_static])
    assert (env["SANDBOX_FS_READ"], env["SANDBOX_NET"]) == ("", "none")
    r = run(kit.sandboxify(as_nobody) + [kit.hello_static], clean_env(**env), as_nobody)
    assert (r.returncode, r.stdout, r.stderr) == (0, "Hello, world!\n", "")


def test_append_merges_the_rules(kit, as_nobody):
    d = job_dir(kit, "ll-append", as_nobody)
    out = os.path.join(d, "learned.env")
    for path in ("/etc/hostname", "/etc/hosts"):
        r = run(kit.pysandbox(as_nobody) + ["learn", "--landlock", "--append", "-o", out, "--",
                                            "/bin/cat", path], clean_env(), as_nobody)
        assert r.returncode == 0, r.stderr
    with open(out) as f:
        env = dict(ln.split("=", 1) for ln in f.read().splitlines() if not ln.startswith("#"))
    assert env["SANDBOX_FS_READ"].split(":") == ["@dns", "/etc/hostname"]
    r = run(["/bin/cat", "/etc/hostname", "/etc/hosts"], clean_env(LD_PRELOAD=kit.lib, **env),
            as_nobody)
    assert (r.returncode, r.stderr) == (0, "")


def test_a_full_buffer_is_counted(monkeypatch):
    """What does not fit is counted (and said), never silently left out."""
    from pysandbox import learn

    monkeypatch.setattr(learn, "ACCESS_SIZE", 64)
    argv = ["/bin/sh", "-c", "cat /etc/hostname /etc/hosts /etc/passwd > /dev/null"]
    result, status = learn.run(learn.program(argv[0]), argv, False, landlock=True)
    assert status == 0 and result.lost > 0
    assert sum(len(t) + 2 for _, t in result.touched) <= 64
