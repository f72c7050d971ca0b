"""cffi build script: API mode over csrc/, cdef read from the project's header."""
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(os.path.dirname(HERE), "csrc")
HEADER = os.path.join(CSRC, "include", "sandbox.h")


def cdef_from_header(path):
    """The declarations between the CDEF markers. Hex constants become `...`
    (cffi reads them from C); decimal ones stay, as they size arrays."""
    text = open(path).read()
    body = text.split("/* CDEF-BEGIN */")[1].split("/* CDEF-END */")[0]
    return re.sub(r"^#define (\w+) 0x[0-9a-fA-F]+U?\b.*$", r"#define \1 ...", body, flags=re.M)


ffibuilder = FFI()
ffibuilder.cdef(cdef_from_header(HEADER))
ffibuilder.set_source(
    "pysandbox._native_cffi",
    '#include "sandbox.h"',
    sources=[os.path.relpath(os.path.join(CSRC, f)) for f in
             ("policy.c", "json.c", "profile.c", "bpf.c", "syscalls.c", "install.c",
              "trace.c", "probe.c")],
    include_dirs=[os.path.join(CSRC, "include"), CSRC],
    # setup.py holds our strict warning set (and checks trace.c and probe.c
    # with it); these flags also compile cffi's generated wrapper
    extra_compile_args=["-Wall", "-Wextra", "-fvisibility=hidden"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
