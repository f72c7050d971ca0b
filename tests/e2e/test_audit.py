"""`pysandbox audit`: fixed record text for every arch, action and log form;
then end to end: a log-mode run read back from the kernel log."""
import os
import select
import signal
import subprocess
import time
import uuid

import pytest

from pysandbox import _native, audit
from pysandbox.errors import LogError
from support.proc import PYSANDBOX, clean_env, run

STAMP = "audit(1700000000.123:45)"
FIELDS = ('auid=4294967295 uid=1000 gid=1000 ses=4294967295 subj=unconfined pid=2334 '
          'comm="helloworld" exe="/opt/hello/helloworld" sig=31 arch=%s syscall=%s compat=%s '
          'ip=0x7f00aa code=%s')
X86_64, I386, AARCH64 = "c000003e", "40000003", "c00000b7"


def dmesg_line(arch=X86_64, nr=1, code="0x80000000", compat=0):
    return "[ 6978.096730] audit: type=1326 %s: %s" % (STAMP, FIELDS % (arch, nr, compat, code))


def pysandbox_audit(*args, stdin=None, tz="UTC", as_nobody=False, kit=None, timeout=60):
    argv = (kit.pysandbox(as_nobody) if kit else
            [PYSANDBOX]) + ["audit", *args]
    return run(argv, clean_env(TZ=tz), as_nobody, input=stdin)


@pytest.mark.parametrize("arch,nr,compat,want_arch,want_name", [
    (X86_64, 1, 0, "x86_64", "write"),
    (X86_64, 231, 0, "x86_64", "exit_group"),
    (I386, 20, 1, "i386", "getpid"),
    (I386, 0x3c, 1, "i386", "umask"),
    (X86_64, 0x40000000 | 1, 0, "x32", "write"),
    (X86_64, 0x40000000 | 39, 0, "x32", "getpid"),
    (AARCH64, 64, 0, "aarch64", "write"),
    (AARCH64, 172, 0, "aarch64", "getpid"),
    (X86_64, 999, 0, "x86_64", None),           # a number our tables lack
    ("40000028", 20, 0, "0x40000028", None),     # 32-bit arm: no table here
])
def test_arch_and_syscall(arch, nr, compat, want_arch, want_name):
    rec = audit.parse_record(dmesg_line(arch, nr, compat=compat))
    assert (rec.arch, rec.nr, rec.syscall) == (want_arch, nr, want_name)
    assert audit.syscall_text(rec) == (want_name or "#%d" % nr)


@pytest.mark.parametrize("code,action", [
    ("0x80000000", "kill_process"),
    ("0x0", "kill_thread"),
    ("0x00030000", "trap"),
    ("0x50001", "errno:EPERM"),
    ("0x00050026", "errno:ENOSYS"),
    ("0x7fc00000", "user_notif"),
    ("0x7ff00007", "trace:7"),
    ("0x7ffc0000", "log"),
    ("0x7fff0000", "allow"),
    ("0x12340000", "0x12340000"),
])
def test_actions(code, action):
    rec = audit.parse_record(dmesg_line(code=code))
    assert _native.action_name(rec.action) == action


@pytest.mark.parametrize("line", [
    dmesg_line(),
    "audit: type=1326 %s: %s" % (STAMP, FIELDS % (X86_64, 1, 0, "0x80000000")),  # dmesg -t
    "Nov 14 22:13:20 vm kernel: audit: type=1326 %s: %s"  # journalctl -k
    % (STAMP, FIELDS % (X86_64, 1, 0, "0x80000000")),
    "type=SECCOMP msg=%s: %s" % (STAMP, FIELDS % (X86_64, 1, 0, "0x80000000")),  # ausearch --raw
    "type=SECCOMP msg=%s: %s\x1dAUID=\"unset\" UID=\"user\" ARCH=x86_64 SYSCALL=write"
    % (STAMP, FIELDS % (X86_64, 1, 0, "0x80000000")),  # audit.log, log_format=ENRICHED
    "6,1234,6978096730,-;audit: type=1326 %s: %s"  # /dev/kmsg, raw
    % (STAMP, FIELDS % (X86_64, 1, 0, "0x80000000")),
])
def test_log_forms(line):
    rec = audit.parse_record(line)
    assert (rec.time, rec.serial, rec.pid, rec.uid) == (1700000000.123, 45, 2334, 1000)
    assert (rec.exe, rec.comm, rec.arch, rec.syscall) == (
        "/opt/hello/helloworld", "helloworld", "x86_64", "write")
    assert rec.action == 0x80000000


def test_journald_audit_transport_has_no_stamp():
    line = "Nov 14 22:13:20 vm audit[2334]: SECCOMP " + FIELDS % (X86_64, 1, 0, "0x7ffc0000")
    rec = audit.parse_record(line)
    assert (rec.time, rec.pid, rec.syscall) == (None, 2334, "write")
    assert audit.local_time(rec.time) == "-"


def test_hex_encoded_exe_and_comm():
    """The kernel hex-encodes names with blanks, quotes or control characters."""
    line = dmesg_line().replace('comm="helloworld" exe="/opt/hello/helloworld"',
                                "comm=6D792070726F67 exe=2F746D702F6D792070726F67")
    rec = audit.parse_record(line)
    assert (rec.comm, rec.exe, audit.program(rec)) == ("my prog", "/tmp/my prog", "/tmp/my prog")
    line = line.replace("exe=2F746D702F6D792070726F67", "exe=2F746D702F610A62")
    assert audit.program(audit.parse_record(line)) == "/tmp/a\\x0ab [my prog]"


def test_program_names():
    rec = audit.parse_record(dmesg_line().replace('exe="/opt/hello/helloworld"', "exe=(null)"))
    assert audit.program(rec) == "[helloworld]"
    rec = audit.parse_record(dmesg_line().replace('exe="/opt/hello/helloworld"',
                                                  'exe="/usr/bin/python3.12"'))
    assert audit.program(rec) == "/usr/bin/python3.12 [helloworld]"


def test_lsm_label_with_blanks_is_skipped():
    line = dmesg_line().replace("subj=unconfined", "subj=snap.hello.hello (enforce)")
    assert audit.parse_record(line).syscall == "write"


@pytest.mark.parametrize("line", [
    "audit: type=1300 %s: arch=c000003e syscall=1 success=yes" % STAMP,  # SYSCALL record
    "[ 1.000000] Linux version 6.18",
    "",
])
def test_other_lines_are_not_records(line):
    assert audit.parse_record(line) is None


@pytest.mark.parametrize("line,what,bad", [
    (dmesg_line().replace(" arch=c000003e", ""), "no arch= field", ""),
    (dmesg_line().replace("arch=c000003e", "arch=x86_64"),
     "bad arch= value (ausearch -i output? use ausearch --raw)", "x86_64"),
    (dmesg_line().replace("syscall=1 ", "syscall=write "),
     "bad syscall= value (ausearch -i output? use ausearch --raw)", "write"),
    (dmesg_line().replace("pid=2334", "pid=x"), "bad pid= value", "x"),
])
def test_malformed_records(line, what, bad):
    with pytest.raises(LogError) as e:
        audit.parse_record(line)
    assert (e.value.what, e.value.token) == (what, bad)


# ---- the command on fixed text ----

def test_one_line_per_record_in_local_time():
    text = "\n".join([dmesg_line(), "noise", dmesg_line(I386, 20, "0x50001", 1)]) + "\n"
    r = pysandbox_audit("-", stdin=text)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        audit.HEADER,
        "2023-11-14T22:13:20.123+00:00    2334  1000  x86_64  write              "
        "kill_process  /opt/hello/helloworld",
        "2023-11-14T22:13:20.123+00:00    2334  1000  i386    getpid             "
        "errno:EPERM   /opt/hello/helloworld"]
    r = pysandbox_audit("-", stdin=text, tz="Asia/Kolkata")
    assert r.stdout.splitlines()[1].startswith("2023-11-15T03:43:20.123+05:30 ")


def summary_input():
    lines = [dmesg_line(X86_64, nr, "0x7ffc0000") for nr in (262, 1, 1, 231)]
    lines.append(dmesg_line(I386, 20, "0x80000000", 1))
    lines.append(dmesg_line(X86_64, 999, "0x7ffc0000"))
    lines.append(dmesg_line(X86_64, 39, "0x7ffc0000").replace("pid=2334", "pid=2400")
                 .replace("/opt/hello/helloworld", "/usr/bin/other").replace('"helloworld"',
                                                                            '"other"'))
    return "\n".join(lines) + "\n"


def test_summary_and_allowlist():
    r = pysandbox_audit("-", "--summary", "--allow", stdin=summary_input())
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        "/opt/hello/helloworld: 6 records, 1 process",
        "      1  x86_64  newfstatat             log",
        "      2  x86_64  write                  log",
        "      1  x86_64  exit_group             log",
        "      1  i386    getpid                 kill_process",
        "      1  x86_64  #999                   log",
        "/usr/bin/other: 1 record, 1 process",
        "      1  x86_64  getpid                 log",
        "",
        "# /opt/hello/helloworld",
        "SECCOMP_SYSCALL_ALLOW=999:exit_group:newfstatat:write",
        "# not allowable, another ABI (the filter kills every i386 call): getpid",
        "# /usr/bin/other",
        "SECCOMP_SYSCALL_ALLOW=getpid"]


@pytest.mark.parametrize("select", [["--exe", "other"], ["--exe", "/usr/bin/other"],
                                    ["--pid", "2400"]])
def test_select_one_program(select):
    r = pysandbox_audit("-", "--allow", *select, stdin=summary_input())
    assert r.stdout == "# /usr/bin/other\nSECCOMP_SYSCALL_ALLOW=getpid\n"


def test_no_records_exit_1():
    r = pysandbox_audit("-", stdin="[ 1.0] Linux version 6.18\n")
    assert (r.returncode, r.stdout, r.stderr) == (
        1, "", "pysandbox: no seccomp or Landlock records in stdin\n")
    r = pysandbox_audit("-", "--pid", "1", stdin=summary_input())
    assert (r.returncode, r.stderr) == (
        1, "pysandbox: no seccomp or Landlock records in stdin for the selected program\n")


def test_malformed_record_is_named_and_fails(tmp_path):
    log = tmp_path / "audit.log"
    bad = dmesg_line().replace("arch=c000003e", "arch=x86_64")
    log.write_text(dmesg_line() + "\n" + bad + "\n")
    r = pysandbox_audit(str(log))
    assert r.returncode == 125
    assert len(r.stdout.splitlines()) == 2  # the good record is printed
    assert r.stderr == ("pysandbox: %s line 2: bad arch= value (ausearch -i output? use "
                        "ausearch --raw): 'x86_64'\n" % log)


def test_unreadable_file():
    r = pysandbox_audit("/nonexistent/audit.log")
    assert (r.returncode, r.stderr) == (
        125, "pysandbox: cannot read '/nonexistent/audit.log': No such file or directory\n")


def test_follow_a_growing_file(tmp_path):
    log = tmp_path / "kern.log"
    log.write_text(dmesg_line() + "\n")
    exe = PYSANDBOX
    p = subprocess.Popen([exe, "audit", "--follow", "--summary", str(log)], env=clean_env(TZ="UTC"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        with open(log, "a") as f:
            f.write(dmesg_line(nr=231, code="0x7ffc0000") + "\n")
        time.sleep(0.6)  # > one 0.2 s poll
        assert p.poll() is None, "--follow ended at the end of the file"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        p.kill()
    assert (p.returncode, err) == (0, "")
    assert out.splitlines()[1:] == ["      1  x86_64  write                  kill_process",
                                    "      1  x86_64  exit_group             log"]


# ---- end to end: the kernel log ----

def logged_run(prog, env, want, attempts=3):
    """Run PROG and return (pid, `pysandbox audit - --pid PID` of dmesg) once
    the records hold every syscall in WANT. kauditd hands records to printk
    asynchronously and under printk's rate limit, which a test session on
    the same kernel may restore meanwhile: wait, and run again if need be."""
    def dmesg():
        return subprocess.run(["dmesg"], capture_output=True, text=True, check=True).stdout

    for _ in range(attempts):
        # only what is logged from now on: an earlier process with this pid
        # (pids are reused; the kernel log keeps old records) is not ours
        old = dmesg()
        before = old.rsplit("\n", 2)[-2:]
        p = subprocess.Popen([prog], env=env, stdout=subprocess.PIPE, text=True)
        out, _ = p.communicate(timeout=30)
        assert (p.returncode, out) == (0, "Hello, world!\n")
        if " pid=%d " % p.pid in old:  # --allow below reads the whole log: a new pid
            continue
        for _ in range(30):
            log = dmesg()
            last = "\n".join(before)
            dmesg_new = log.split(last, 1)[-1] if last.strip() else log
            r = pysandbox_audit("-", "--pid", str(p.pid), stdin=dmesg_new)
            if want <= {ln.split()[4] for ln in r.stdout.splitlines()[1:]}:
                return p.pid, r
            time.sleep(0.1)
    pytest.fail("no records of %s for %s in dmesg after %d runs" % (sorted(want), prog, attempts))


def test_log_mode_run_read_back_and_allowed(kit, printk_unlimited):
    """The README's troubleshooting loop: log mode, read the log, run with the
    allowlist it prints."""
    prog = kit.copy(kit.hello, "hello-audit-%s" % uuid.uuid4().hex[:8])
    env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_ALLOW="", SECCOMP_DEFAULT_ACTION="log")
    pid, r = logged_run(prog, env, {"newfstatat", "write", "exit_group"})
    rows = [ln.split() for ln in r.stdout.splitlines()[1:]]
    assert {(row[1], row[2], row[3], row[5], row[6]) for row in rows} == {
        (str(pid), "0", "x86_64", "log", prog)}
    assert [row[4] for row in rows] == ["newfstatat", "write", "exit_group"]

    allow = pysandbox_audit("--pid", str(pid), "--allow")  # from /dev/kmsg
    assert (allow.returncode, allow.stdout) == (
        0, "# %s\nSECCOMP_SYSCALL_ALLOW=exit_group:newfstatat:write\n" % prog)
    line = allow.stdout.splitlines()[1]
    env = clean_env(LD_PRELOAD=kit.lib, **dict([line.split("=", 1)]))
    ok = run([prog], env)
    assert (ok.returncode, ok.stdout) == (0, "Hello, world!\n")


def test_follow_the_kernel_log(kit, printk_unlimited):
    name = "hello-follow-%s" % uuid.uuid4().hex[:8]
    prog = kit.copy(kit.hello, name)
    exe = PYSANDBOX
    follower = subprocess.Popen([exe, "audit", "--follow", "--exe", name], env=clean_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        env = clean_env(LD_PRELOAD=kit.lib, SECCOMP_SYSCALL_DENY="write",
                        SECCOMP_DEFAULT_ACTION="log")
        for _ in range(3):  # see logged_run
            assert run([prog], env).returncode == 0
            if select.select([follower.stdout], [], [], 3)[0]:
                break
        else:
            pytest.fail("--follow printed no record of %s in 3 runs" % name)
        header = follower.stdout.readline()
        first = follower.stdout.readline().split()
        follower.send_signal(signal.SIGINT)
        follower.communicate(timeout=10)
    finally:
        follower.kill()
    assert header == audit.HEADER + "\n"
    assert (first[3:], follower.returncode) == (["x86_64", "write", "log", prog], 0)


def test_kernel_log_for_an_ordinary_user(kit):
    """Independent reading: kernel.dmesg_restrict decides whether uid 65534
    may read the log."""
    if os.geteuid() != 0:
        pytest.skip("running as uid 65534 needs root")
    restrict = open("/proc/sys/kernel/dmesg_restrict").read().strip()
    r = pysandbox_audit("--pid", "1", as_nobody=True, kit=kit)
    if restrict == "1":
        assert (r.returncode, r.stdout) == (125, "")
        assert r.stderr == ("pysandbox: cannot read the kernel log (kernel.dmesg_restrict is 1: "
                            "needs root or CAP_SYSLOG; or give a file: journalctl -k | "
                            "pysandbox audit -): '/dev/kmsg'\n")
    else:
        assert r.returncode == 1
        assert r.stderr.startswith("pysandbox: no seccomp or Landlock records")
    piped = pysandbox_audit("-", stdin=dmesg_line() + "\n", as_nobody=True, kit=kit)
    assert (piped.returncode, len(piped.stdout.splitlines())) == (0, 2)
