"""cffi build script: API mode over csrc/, cdef read from the project's header.

Also the one list of what builds what (setup.py imports it): csrc/'s folders
are roles, and a target is the C files of its roles' folders.
"""
import glob
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(os.path.dirname(HERE), "csrc")
HEADER = os.path.join(CSRC, "include", "sandbox.h")
WARNINGS = ["-Wall", "-Wextra", "-Werror", "-Wformat=2", "-Wshadow",
            "-Wstrict-prototypes", "-Wmissing-prototypes"]

# core: pure (parse, compile); apply: side effects; preload: libsandbox.so's
# entry (minilibc.c first: its arena counters then share .data's first page);
# tools: cffi-only (ptrace, learn, probes); front: the `pysandbox` command's C
# front door (csrc/front/front.c). bench/ and fuzz/ glob the same folders.
ROLES = {
    "libsandbox": ("preload", "core", "apply"),
    "cffi": ("core", "apply", "tools"),
    "tools": ("tools",),
    "front": ("front", "core", "apply"),  # bin/pysandbox, the C front door
}


def sources(target):
    """The C files of TARGET, folder by folder in ROLES order, sorted within one."""
    return [os.path.relpath(f) for role in ROLES[target]
            for f in sorted(glob.glob(os.path.join(CSRC, role, "*.c")))]


def cdef_from_header(path):
    """The declarations between the CDEF markers. Hex constants and
    expressions in parentheses become `...` (cffi reads them from C); decimal
    ones stay, as they size arrays."""
    text = open(path).read()
    body = text.split("/* CDEF-BEGIN */")[1].split("/* CDEF-END */")[0]
    return re.sub(r"^#define (\w+) (?:0x[0-9a-fA-F]+U?\b|\().*$", r"#define \1 ...", body,
                  flags=re.M)


ffibuilder = FFI()
ffibuilder.cdef(cdef_from_header(HEADER))
ffibuilder.set_source(
    "pysandbox._native_cffi",
    '#include "sandbox.h"',
    sources=sources("cffi"),
    include_dirs=[os.path.join(CSRC, "include")],
    # setup.py holds our strict warning set (and checks csrc/tools/ with it);
    # these flags also compile cffi's generated wrapper
    extra_compile_args=["-Wall", "-Wextra", "-fvisibility=hidden"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
