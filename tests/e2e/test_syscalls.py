"""`pysandbox syscalls`: listing, resolving both ways, errors; cross-checked
against libseccomp's resolver (pyseccomp)."""
import os
import subprocess

import pytest

from pysandbox import _native
from support.libseccomp import TOKEN, ps
from support.proc import PYSANDBOX, ROOT, clean_env


def syscalls(*args):
    return subprocess.run([PYSANDBOX, "syscalls", *args], env=clean_env(), capture_output=True,
                          text=True, timeout=60)


def rows(text):
    """{name: (nr, int-argument marks)} of the listing's rows."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            nr, name, *marks = line.split()
            out[name] = (int(nr), tuple(marks))
    return out


@pytest.mark.parametrize("arch", _native.ARCHES)
def test_listing_is_the_whole_table(arch):
    r = syscalls("--arch", arch)
    assert (r.returncode, r.stderr) == (0, "")
    header, *body = r.stdout.splitlines()
    table = _native.syscalls(arch)
    assert header.startswith("# %s: %d syscalls; " % (arch, len(table)))
    listed = rows(r.stdout)
    assert {n: nr for n, (nr, _) in listed.items()} == table
    assert [int(ln.split()[0]) for ln in body] == sorted(table.values())


def test_listing_default_is_native_and_marks_int_arguments():
    r = syscalls()
    native = _native.arch()
    assert r.stdout.startswith("# %s: " % native)
    listed = rows(r.stdout)
    for name, (nr, marks) in listed.items():
        assert marks == tuple("*%d" % i + (":16" if _native.arg_width(nr, i) == 16 else "")
                              for i in _native.int_args(nr)), name
    assert listed["socket"][1] == ("*0", "*1", "*2")  # int domain, type, protocol
    assert listed["fchmodat"][1] == ("*0", "*2:16")  # int dfd, umode_t mode
    assert listed["getpid"][1] == ()


def test_readme_example_resolves_names_and_numbers():
    r = syscalls("read", "0x3c", "231", "--arch", "i386")
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "  3  read\n 60  umask\n231  fgetxattr\n"


def test_readme_examples():
    readme = open(os.path.join(ROOT, "README.md")).read()
    for args in (["socket", "openat"], ["read", "0x3c", "231", "--arch", "i386"]):
        block = readme.split("$ pysandbox syscalls %s\n" % " ".join(args))[1].split("\n$ ")[0]
        assert syscalls(*args).stdout.rstrip("\n") == block.split("```")[0].rstrip("\n")
    listing = readme.split("$ pysandbox syscalls  ")[1].split("\n...")[0].split("\n", 1)[1]
    assert syscalls().stdout.startswith(listing + "\n")


def test_x32_numbers_with_or_without_the_abi_bit():
    r = syscalls("write", "1", "0x40000001", "--arch", "x32")
    assert r.stdout.split() == ["1073741825", "write"] * 3


@pytest.mark.parametrize("args,message", [
    (["foo"], "unknown syscall: 'foo'"),
    (["open", "--arch", "aarch64"],
     "not a syscall on aarch64 (it is on x86_64, i386, x32): 'open'"),
    (["arc_gettls"], "not a syscall on x86_64 (only on other Linux architectures): 'arc_gettls'"),
    (["999"], "no syscall with this number on x86_64: '999'"),
    (["0x"], "unknown syscall: '0x'"),
    (["-1"], "unknown syscall: '-1'"),
])
def test_errors_are_one_line_exit_125(args, message):
    r = syscalls(*args)
    assert (r.returncode, r.stdout, r.stderr) == (125, "", "pysandbox: %s\n" % message)


def test_good_items_are_printed_around_a_bad_one():
    r = syscalls("read", "opne", "write")
    assert (r.returncode, r.stderr) == (125, "pysandbox: unknown syscall: 'opne'\n")
    assert [ln.split()[1] for ln in r.stdout.splitlines()] == ["read", "write"]


@pytest.mark.parametrize("arch", ["x86_64", "i386", "aarch64", "x32"])
def test_agrees_with_libseccomp_both_ways(arch):
    """Every name of ours that libseccomp knows resolves to libseccomp's number,
    and every number of ours to libseccomp's name (libseccomp lacks the newest
    syscalls, and multiplexes i386 socket calls: those it answers negatively)."""
    table = _native.syscalls(arch)
    by_name = rows(syscalls("--arch", arch, *sorted(table)).stdout)
    by_nr = rows(syscalls("--arch", arch, *map(str, sorted(table.values()))).stdout)
    assert len(by_name) == len(by_nr) == len(table)
    compared = 0
    for name, (nr, _) in by_name.items():
        theirs = ps.resolve_syscall(TOKEN[arch], name)
        if theirs >= 0:
            assert nr == theirs, name
            assert ps.resolve_syscall(TOKEN[arch], nr).decode() == name
            assert by_nr[name][0] == nr
            compared += 1
    assert compared >= len(table) - 45, "libseccomp resolved only %d names" % compared
