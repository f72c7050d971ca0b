"""`pysandbox audit` and Landlock's denial records (1423 LANDLOCK_ACCESS,
1424 LANDLOCK_DOMAIN): the kernel's own lines (from this machine's log),
joined, summed up and turned into SANDBOX_* items; then end to end, with
audit enabled for the test through netlink (AUDIT_SET) and restored after."""
import os
import shutil
import struct
import time
import uuid

import pytest

from pysandbox import _kernel, _native, audit
from pysandbox.errors import LogError
from support.proc import clean_env, run
from test_audit import dmesg_line, pysandbox_audit

# real lines of this kernel's log (6.18, Landlock ABI 7), one run's domain
DOMAIN = ('audit: type=1424 audit(1796125996.532:7866): domain=1d44f8978 status=allocated '
          'mode=enforcing pid=31713 uid=0 exe="/tmp/ll/llrun" comm="llrun"')
LINES = [
    'audit: type=1423 audit(1796125996.532:7866): domain=1d44f8978 blockers=fs.read_file '
    'path="/etc/hostname" dev="vda" ino=1234',
    DOMAIN,
    'audit: type=1423 audit(1796125996.532:7867): domain=1d44f8978 '
    'blockers=fs.remove_file,fs.refer path="/tmp/llq/a" dev="vda" ino=2335179',
    'audit: type=1423 audit(1796125996.532:7867): domain=1d44f8978 '
    'blockers=fs.make_reg,fs.refer path="/tmp/llq/b" dev="vda" ino=2335180',
    'audit: type=1423 audit(1796125996.533:7868): domain=1d44f8978 blockers=scope.signal '
    'opid=1 ocomm="process_api"',
    'audit: type=1423 audit(1796125996.533:7869): domain=1d44f8978 blockers=net.connect_tcp '
    'daddr=127.0.0.1 dest=22',
    'audit: type=1423 audit(1796125996.533:7870): domain=1d44f8978 blockers=net.bind_tcp '
    'saddr=127.0.0.1 src=2222',
    'audit: type=1423 audit(1796125996.533:7871): domain=1d44f8978 '
    'blockers=scope.abstract_unix_socket path=006C6C746573747878',
    'audit: type=1423 audit(1796125996.533:7873): domain=1d44f8978 blockers=fs.truncate '
    'path="/tmp/llq/a/f" dev="vda" ino=2335181',
    'audit: type=1423 audit(1796125996.534:7861): domain=1d44f8970 '
    'blockers=fs.execute,fs.read_file path="/root/.pyenv/shims/python3" dev="vda" ino=11574',
    'audit: type=1424 audit(1796125996.535:7874): domain=1d44f8978 status=deallocated '
    'denials=10',
]


def test_denial_fields():
    rec = audit.parse(LINES[2])
    assert rec == audit.Denial(1796125996.532, 7867, "1d44f8978", ("fs.remove_file", "fs.refer"),
                               "/tmp/llq/a", None, None, None, None)


@pytest.mark.parametrize("line,blockers,obj", [
    (LINES[4], ("scope.signal",), "pid 1 (process_api)"),
    (LINES[5], ("net.connect_tcp",), "127.0.0.1 port 22"),
    (LINES[6], ("net.bind_tcp",), "127.0.0.1 port 2222"),
    (LINES[7], ("scope.abstract_unix_socket",), "@lltestxx"),
    (LINES[9], ("fs.execute", "fs.read_file"), "/root/.pyenv/shims/python3"),
    # the kernel leaves out a zero address and a zero port
    ("audit: type=1423 audit(1.0:2): domain=1 blockers=net.bind_tcp src=8089",
     ("net.bind_tcp",), "any port 8089"),
    ("audit: type=1423 audit(1.0:3): domain=1 blockers=net.bind_tcp", ("net.bind_tcp",),
     "any port 0"),
    ('audit: type=1423 audit(1.0:1): domain=1 blockers=fs.read_file path=2F746D702F6120620A',
     ("fs.read_file",), "/tmp/a b\\x0a"),  # hex: a blank and a newline
])
def test_denied_objects(line, blockers, obj):
    rec = audit.parse(line)
    assert (rec.blockers, rec.object) == (blockers, obj)


def test_domain_fields():
    assert audit.parse(DOMAIN) == audit.Domain(1796125996.532, 7866, "1d44f8978", "allocated",
                                               31713, 0, "llrun", "/tmp/ll/llrun", None)
    assert audit.parse(LINES[-1]).denials == 10


@pytest.mark.parametrize("line", [
    LINES[0],
    "type=LANDLOCK_ACCESS msg=" + LINES[0].split(" ", 2)[2],  # ausearch --raw
    "type=UNKNOWN[1423] msg=" + LINES[0].split(" ", 2)[2],  # an auditd without the name
    "6,1234,6978096730,-;" + LINES[0],  # /dev/kmsg
    "Nov 14 22:13:20 vm kernel: " + LINES[0],  # journalctl -k
])
def test_log_forms(line):
    rec = audit.parse(line)
    assert (rec.domain, rec.blockers, rec.object) == ("1d44f8978", ("fs.read_file",),
                                                       "/etc/hostname")


def test_seccomp_records_are_still_read_alike():
    assert audit.parse(dmesg_line()) == audit.parse_record(dmesg_line())
    assert audit.parse_record(LINES[0]) is None


@pytest.mark.parametrize("line,what", [
    ("audit: type=1423 audit(1.0:1): blockers=fs.read_file path=\"/x\"", "no domain= field"),
    ("audit: type=1423 audit(1.0:1): domain=1 path=\"/x\"", "no blockers= field"),
])
def test_malformed(line, what):
    with pytest.raises(LogError) as e:
        audit.parse(line)
    assert e.value.what == what


def test_denials_are_joined_with_their_domain():
    """The domain's record follows its first denial: that denial waits for it."""
    j = audit.Joiner()
    out = []
    for line in LINES:
        out += j.feed(audit.parse(line))
    out += j.flush()
    assert len(out) == 9 and all(isinstance(r, audit.Denial) for r in out)
    assert {(r.pid, r.exe) for r in out if r.domain == "1d44f8978"} == {(31713, "/tmp/ll/llrun")}
    unknown = [r for r in out if r.domain == "1d44f8970"]
    assert [(r.pid, audit.program(r)) for r in unknown] == [(None, "[landlock domain 1d44f8970]")]


def test_one_line_per_denial():
    text = "\n".join([dmesg_line()] + LINES[:2]) + "\n"
    r = pysandbox_audit("-", stdin=text)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines()[2] == (
        "2026-12-01T11:53:16.532+00:00   31713     0  landlock fs.read_file       denied"
        "        /tmp/ll/llrun: /etc/hostname")


def test_summary_and_allow():
    r = pysandbox_audit("-", "--summary", "--allow", stdin="\n".join(LINES) + "\n")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout.splitlines() == [
        "/tmp/ll/llrun: 8 records, 1 process",
        "      1  landlock fs.read_file           /etc/hostname",
        "      1  landlock fs.remove_file,fs.refer /tmp/llq/a",
        "      1  landlock fs.make_reg,fs.refer   /tmp/llq/b",
        "      1  landlock scope.signal           pid 1 (process_api)",
        "      1  landlock net.connect_tcp        127.0.0.1 port 22",
        "      1  landlock net.bind_tcp           127.0.0.1 port 2222",
        "      1  landlock scope.abstract_unix_socket @lltestxx",
        "      1  landlock fs.truncate            /tmp/llq/a/f",
        "[landlock domain 1d44f8970]: 1 record, 1 process",
        "      1  landlock fs.execute,fs.read_file /root/.pyenv/shims/python3",
        "",
        "# /tmp/ll/llrun",
        "# Landlock denied these: add them to its SANDBOX_* rules",
        "SANDBOX_FS_READ=/etc/hostname",
        "SANDBOX_FS_WRITE=/tmp/llq/a:/tmp/llq/b:/tmp/llq/a/f",
        "SANDBOX_NET_CONNECT=22",
        "SANDBOX_NET_BIND=2222",
        "SANDBOX_SCOPE=none",
        "# [landlock domain 1d44f8970]",
        "# Landlock denied these: add them to its SANDBOX_* rules",
        "SANDBOX_FS_EXEC=/root/.pyenv/shims/python3"]


@pytest.mark.parametrize("select", [["--pid", "31713"], ["--exe", "llrun"]])
def test_select_by_the_domains_creator(select):
    r = pysandbox_audit("-", *select, stdin="\n".join(LINES) + "\n")
    assert len(r.stdout.splitlines()) == 1 + 8


def test_dropped_records_are_said():
    text = "\n".join([LINES[0], DOMAIN, "kauditd_printk_skb: 12 callbacks suppressed",
                      "audit: audit_lost=3 audit_rate_limit=0 audit_backlog_limit=64"]) + "\n"
    r = pysandbox_audit("-", stdin=text)
    assert r.returncode == 0
    assert r.stderr == ("pysandbox: the kernel dropped audit records (12 suppressed by printk's "
                        "rate limit, audit_lost=3): what is shown is incomplete; auditd keeps "
                        "them all (ausearch --raw | pysandbox audit -)\n")


# ---- end to end: a denial of this kernel, read back ----

AUDIT_STATUS_ENABLED = 1  # linux/audit.h: the mask bit of struct audit_status.enabled


def set_audit(enabled):
    _kernel.audit_request(_kernel.AUDIT_SET, struct.pack("=II", AUDIT_STATUS_ENABLED, enabled))


@pytest.fixture
def audit_on(printk_unlimited):
    """Audit enabled for the test (kernel log only, no auditd), as it was after."""
    try:
        was = _kernel.audit_status()["enabled"]
    except OSError as e:
        pytest.skip("cannot read the audit status (AUDIT_GET: %s)" % e.strerror)
    if was == 2:
        pytest.skip("audit is locked (enabled=2): cannot be changed")
    if _native.probe_landlock_abi() < 7:
        pytest.skip("needs Landlock ABI 7 (audit records)")
    set_audit(1)
    try:
        yield
    finally:
        set_audit(was)


def test_a_denial_read_back_from_the_kernel_log(kit, audit_on):
    name = "cat-ll-%s" % uuid.uuid4().hex[:8]
    prog = kit.copy(shutil.which("cat"), name)
    env = clean_env(LD_PRELOAD=kit.lib, SANDBOX_FS_EXEC="@base")
    for _ in range(3):  # kauditd hands records to printk asynchronously
        r = run([prog, "/etc/hostname"], env)
        assert r.returncode == 1 and "Permission denied" in r.stderr
        for _ in range(20):
            log = pysandbox_audit("--exe", name)
            if "/etc/hostname" in log.stdout:
                break
            time.sleep(0.1)
        else:
            continue
        break
    else:
        pytest.fail("no Landlock record of %s in the kernel log after 3 runs" % name)
    line = next(ln for ln in log.stdout.splitlines() if "/etc/hostname" in ln).split()
    assert line[2:] == ["0", "landlock", "fs.read_file", "denied", prog + ":", "/etc/hostname"]


def test_disabled_audit_is_said(kit):
    """Reading the kernel log with audit off: a note that Landlock is not logged."""
    if os.geteuid() != 0:
        pytest.skip("reading the audit status needs root")
    if _kernel.audit_status()["enabled"] != 0:
        pytest.skip("audit is enabled here")
    r = pysandbox_audit("--pid", "1")
    assert ("pysandbox: note: audit is disabled, so the kernel logs no Landlock denials "
            "(auditctl -e 1 enables it)\n") in r.stderr


def test_an_ordinary_user_reads_landlock_records_from_a_pipe(kit):
    if os.geteuid() != 0:
        pytest.skip("running as uid 65534 needs root")
    r = pysandbox_audit("-", "--allow", stdin="\n".join(LINES[:2]) + "\n", as_nobody=True,
                        kit=kit)
    assert (r.returncode, r.stdout) == (0, "# /tmp/ll/llrun\n# Landlock denied these: add them "
                                        "to its SANDBOX_* rules\nSANDBOX_FS_READ=/etc/hostname\n")
