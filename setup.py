"""Build glue: the cffi extension (pysandbox._native_cffi), libsandbox.so and
the `pysandbox` command's C front door (bin/pysandbox).

All are compiled from the same csrc/ sources; libsandbox.so is a plain shared
library (libc only) placed inside the package, not a Python extension; the
front door an executable installed as a script, beside bin/pysandbox-py (the
Python CLI it hands every case it does not decide to).
"""
import os
import subprocess
import sys
import sysconfig

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "pysandbox"))
from _build import CSRC, WARNINGS, sources  # noqa: E402  (the one list of what builds what)


def compiler():
    return os.environ.get("CC") or sysconfig.get_config_var("CC").split()[0] or "cc"


def build_libsandbox(out_dir):
    cc = compiler()
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "libsandbox.so")
    # minilibc.c: the library's own string/memory/format routines, so no call
    # of the parser or compiler binds to a definition the host program
    # exports (no _FORTIFY_SOURCE: its __*_chk wrappers are libc's). No start
    # files: crtbegin's __cxa_finalize and TM-clone hooks are not needed.
    # minilibc.c first: its arena counters then share .data's first page, which
    # ld.so has written already (one page fault less per process).
    srcs = sources("libsandbox")
    cmd = [cc, "-O2", "-fPIC", "-shared", "-nostartfiles", "-fvisibility=hidden",
           "-fstack-protector-strong", "-U_FORTIFY_SOURCE",
           "-fno-tree-loop-distribute-patterns",
           "-I" + os.path.join(CSRC, "include")] + WARNINGS + srcs + [
        "-Wl,--version-script=" + os.path.join(CSRC, "preload", "libsandbox.map"),
        "-Wl,-z,defs", "-Wl,-z,now", "-Wl,-z,relro", "-Wl,--as-needed",
        "-o", out]
    print(" ".join(cmd))
    subprocess.check_call(cmd)
    # The cffi module's own C (csrc/tools/) gets the same strict warnings
    # here; cffi's build compiles its generated wrapper, which is not ours.
    check = [cc, "-fsyntax-only", "-I" + os.path.join(CSRC, "include")] + \
        WARNINGS + sources("tools")
    print(" ".join(check))
    subprocess.check_call(check)


def build_front(out, editable):
    """bin/pysandbox from csrc/front/ and the loader's core/ and apply/, with
    minilibc.c for a C library: a static executable with no libc start-up
    (csrc/front/front.h says why). It finds the package beside itself as
    installed (site-packages of this Python's version), else in this source
    tree (EDITABLE: an editable install; never a wheel's build directory)."""
    home = ['-DSB_FRONT_HOME="%s"' % HERE] if editable else []
    cmd = [compiler(), "-O2", "-static", "-nostdlib", "-fno-pie", "-no-pie",
           # no TLS to hold a stack protector's canary: the entry sets none up
           "-fno-stack-protector", "-fno-tree-loop-distribute-patterns",
           "-I" + os.path.join(CSRC, "include"), "-I" + os.path.join(CSRC, "front"),
           '-DSB_FRONT_PYTHON="%d.%d"' % sys.version_info[:2]] + home + \
        WARNINGS + sources("front") + [os.path.join(CSRC, "preload", "minilibc.c"), "-lgcc",
                                       "-Wl,-z,noexecstack", "-o", out]
    print(" ".join(cmd))
    subprocess.check_call(cmd)


class BuildScripts(Distribution().get_command_class("build_scripts")):
    """The script-files, and bin/pysandbox built and copied beside them (an
    executable: the scripts' copier reads them as text)."""

    def run(self):
        front = os.path.join(HERE, "bin", "pysandbox")
        # an editable install builds the extension in place (as libsandbox.so)
        editable = bool(self.get_finalized_command("build_ext").inplace)
        build_front(front, editable)
        super().run()
        self.mkpath(self.build_dir)
        self.copy_file(front, os.path.join(self.build_dir, "pysandbox"))


class BuildExt(build_ext):
    def run(self):
        super().run()
        pkg = os.path.join("pysandbox") if self.inplace else os.path.join(self.build_lib, "pysandbox")
        build_libsandbox(pkg)

    def get_outputs(self):
        pkg = os.path.join(self.build_lib, "pysandbox")
        return super().get_outputs() + [os.path.join(pkg, "libsandbox.so")]


setup(
    cffi_modules=["pysandbox/_build.py:ffibuilder"],
    cmdclass={"build_ext": BuildExt, "build_scripts": BuildScripts},
)
