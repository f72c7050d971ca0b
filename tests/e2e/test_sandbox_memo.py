"""What Sandbox.run remembers between runs - the environment it was last
given, each program file's inspection - is forgotten when that changes: a
program file changed in place, replaced, or made set-id gets the road (or the
refusal) its new state needs, and a changed environment reaches the program.
Each would fail on a memo keyed by the path or by the dict's identity."""
import os
import shutil
import subprocess
import sys

import pytest

from pysandbox import Sandbox, sandbox
from pysandbox.errors import RefusedError
from support.proc import SIGSYS_STATUS, clean_env

# the hello programs write their line: killed on either road, printed only
# if the filter was dropped (a static program given LD_PRELOAD)
NO_WRITE = Sandbox(deny=["write"])


@pytest.fixture
def remember_all(monkeypatch):
    """Every inspection remembered, a file changed a moment ago too: the
    cases below change files faster than RACY_NS allows."""
    monkeypatch.setattr(sandbox, "RACY_NS", -10 ** 18)
    monkeypatch.setattr(sandbox, "_INSPECTED", {})


def test_a_program_changed_in_place_is_inspected_anew(kit, tmp_path, remember_all):
    prog = str(tmp_path / "prog")
    shutil.copy(kit.hello, prog)
    assert NO_WRITE._road(prog)[0] == sandbox.PRELOAD
    assert NO_WRITE.run([prog]).returncode == SIGSYS_STATUS
    with open(kit.hello_static, "rb") as src, open(prog, "r+b") as f:  # the same inode
        f.write(src.read())
        f.truncate()
    assert NO_WRITE._road(prog)[0] == sandbox.LAUNCH
    assert NO_WRITE.run([prog], capture_output=True).returncode == SIGSYS_STATUS


def test_a_program_replaced_or_made_set_id_is_inspected_anew(kit, tmp_path, remember_all):
    prog = str(tmp_path / "prog")
    shutil.copy(kit.hello_static, prog)
    assert NO_WRITE._road(prog)[0] == sandbox.LAUNCH
    shutil.copy(kit.hello, prog + ".new")
    os.replace(prog + ".new", prog)
    assert NO_WRITE._road(prog)[0] == sandbox.PRELOAD
    os.chmod(prog, 0o4755)
    with pytest.raises(RefusedError, match="set-id"):
        NO_WRITE.run([prog])


def test_a_file_changed_just_now_is_not_remembered(kit, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "_INSPECTED", {})
    prog = str(tmp_path / "prog")
    shutil.copy(kit.hello, prog)
    NO_WRITE._road(prog)
    assert sandbox._INSPECTED == {}
    NO_WRITE._road("/bin/sh")  # the system's: changed long ago
    assert len(sandbox._INSPECTED) >= 1


def test_a_changed_environment_reaches_the_program(monkeypatch):
    box = Sandbox(deny=["ptrace"])
    echo = ["sh", "-c", "echo $PYSANDBOX_MEMO"]
    for value in ("one", "two"):
        monkeypatch.setenv("PYSANDBOX_MEMO", value)
        assert box.run(echo, capture_output=True, text=True).stdout == value + "\n"
    monkeypatch.setenv("SANDBOX_FS_EXEC", "@base")  # ours: merged in
    assert box.run(["cat", "/etc/hostname"], capture_output=True).returncode == 1
    monkeypatch.delenv("SANDBOX_FS_EXEC")
    assert box.run(["cat", "/etc/hostname"], capture_output=True).returncode == 0
    env = clean_env(PYSANDBOX_MEMO="three")
    assert box.run(echo, env=env, capture_output=True, text=True).stdout == "three\n"
    env["PYSANDBOX_MEMO"] = "four"  # the same dict, changed
    assert box.run(echo, env=env, capture_output=True, text=True).stdout == "four\n"


SETUID_SCRIPT = """
import os, sys
from pysandbox import Sandbox, sandbox
from pysandbox.errors import RefusedError
sandbox.RACY_NS = -10 ** 18
prog = sys.argv[1]
assert Sandbox(deny=["write"])._road(prog)[0] == sandbox.PRELOAD  # remembered, as root
os.setgid(65534)
os.setuid(65534)
try:
    Sandbox(deny=["write"])._road(prog)
except RefusedError as e:
    print(e)
"""


def test_who_may_read_the_program_is_asked_every_time(kit):
    """Remembered as root, an execute-only program is still refused to an
    ordinary user: os.access is not part of what is remembered."""
    if os.getuid() != 0:
        pytest.skip("needs root to change to uid 65534")
    prog = kit.copy(kit.hello, "hello-execute-only")  # in a directory uid 65534 may enter
    os.chmod(prog, 0o711)
    out = subprocess.run([sys.executable, "-c", SETUID_SCRIPT, prog], capture_output=True,
                         text=True, check=True).stdout
    assert "cannot inspect a program this user may not read (execute-only)" in out


def test_a_sandbox_pickles_as_its_settings():
    """What run() and call() made (a cffi configuration among it) stays behind."""
    import pickle

    box = Sandbox(deny=["ptrace"], fs_exec=["@base"])
    box.run(["true"])
    box.call(int)
    again = pickle.loads(pickle.dumps(box))
    assert again == box and again.environ() == box.environ()
    assert again.call(sum, [1, 2]) == 3
