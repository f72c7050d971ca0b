"""The Python layers' shape: one exit-status table for every front door, and
import paths that stay lean and free of cycles."""
import errno
import os
import subprocess
import sys

import pytest

import pysandbox
from pysandbox import cli, errors

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(pysandbox.__file__)))  # the checkout


@pytest.mark.parametrize("error,status", [
    (errors.UsageError("no program given"), 2),
    (errors.NotFoundError(errno.ENOENT, "program not found: 'x'"), 127),
    (errors.LaunchError(errno.ENOENT, "cannot execute: 'x' (no such file or directory)"), 126),
    (errors.LaunchError(errno.EACCES, "cannot execute: 'x' (permission denied)"), 126),
    (errors.RefusedError(errno.EPERM, "refusing a set-id or file-capability program: 'x'"), 125),
    (errors.PolicyError("SECCOMP_SYSCALL_DENY: unknown syscall 'opne' (item 1)"), 125),
    (errors.InstallError(errno.EPERM, "cannot set no_new_privs: Operation not permitted"), 125),
    (errors.FeatureError(errno.ENOSYS, "no seccomp filters", feature="seccomp"), 125),
    (errors.LogError(errno.EBADMSG, "bad arch= value: 'x'", what="bad arch= value",
                     token="x"), 125),
    (errors.SandboxError("cannot write 'f': No such file or directory"), 125),
])
def test_one_exit_status_table(error, status):
    """Each class's status, and its message without OSError's "[Errno N]"."""
    message = error.strerror if isinstance(error, OSError) else str(error)
    assert cli.failure(error) == (message, status)
    assert "Errno" not in cli.failure(error)[0]


# python -I -S, as bench/report.py times sandboxify: the checkout and cffi on the path
ON_PATH = "import sys; sys.path[:0] = [%r] + %r\n" % (
    ROOT, [p for p in sys.path if p.endswith("site-packages")])


def modules_after(code, *argv):
    """The pysandbox and heavy modules loaded once CODE ran (python -I -S)."""
    probe = (ON_PATH + "try:\n    %s\nexcept SystemExit:\n    pass\n"
             "print('loaded:', *sorted(m for m in sys.modules if m.startswith('pysandbox') "
             "or m in ('argparse', '_cffi_backend', 'json', 're')))" % code)
    r = subprocess.run([sys.executable, "-I", "-S", "-c", probe, *argv], capture_output=True,
                       text=True, env={"PATH": os.environ["PATH"]})
    assert r.returncode == 0, r.stderr
    return set(r.stdout.rpartition("loaded:")[2].split())


def test_sandboxify_usage_loads_no_argparse_and_no_c():
    loaded = modules_after("from pysandbox.sandboxify import main; main()", "--help")
    assert loaded == {"pysandbox", "pysandbox.errors", "pysandbox.sandboxify"}
    for argv in ([], ["-x"]):  # a usage error: the exit-status table, no more
        loaded = modules_after("from pysandbox.sandboxify import main; main()", *argv)
        assert loaded == {"pysandbox", "pysandbox.cli", "pysandbox.errors",
                          "pysandbox.sandboxify"}, argv


def test_a_sandboxify_launch_loads_no_command_line(kit):
    """What a launch imports before the exec, from -X importtime's lines (KIT: the
    helloworld programs are built)."""
    hello = os.path.join(ROOT, "helloworld", "helloworld-static")
    code = ON_PATH + "from pysandbox.sandboxify import main; sys.exit(main())"
    r = subprocess.run([sys.executable, "-X", "importtime", "-I", "-S", "-c", code, hello],
                       capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "SECCOMP_SYSCALL_DENY": "ptrace"})
    assert (r.returncode, r.stdout) == (0, "Hello, world!\n"), r.stderr
    loaded = {line.split("|")[-1].strip() for line in r.stderr.splitlines()
              if line.startswith("import time:")}
    assert {"pysandbox.sandboxify", "pysandbox._launch", "pysandbox._native"} <= loaded
    assert not loaded & {"pysandbox.cli", "argparse", "json", "re"}, loaded


def test_pysandbox_help_loads_no_c():
    loaded = modules_after("from pysandbox.cli import main; main(['--help'])")
    assert "_cffi_backend" not in loaded and "pysandbox._native" not in loaded


def test_no_layer_imports_the_command_line_or_a_sibling_command():
    """learn's engine never imports cli (no cycle), audit never imports features."""
    learn = modules_after("import pysandbox.learn")
    assert not any(m.startswith("pysandbox.cli") for m in learn), learn
    assert "pysandbox.sandboxify" not in learn
    audit = modules_after("import pysandbox.audit")
    assert "pysandbox.features" not in audit and "pysandbox.cli" not in audit
