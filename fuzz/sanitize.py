"""The compiler tests against a cffi module built with ASan and UBSan.

usage: python fuzz/sanitize.py OUT [PYTEST ARGS...]

Builds pysandbox's cffi module (pysandbox/_build.py, so the same C sources)
with -fsanitize=address,undefined -fno-sanitize-recover=all into OUT, beside
a copy of the package's Python files and its libsandbox.so (unchanged: it is
preloaded into other programs). Then checks that the module imported from OUT
is the sanitized one and that ASan catches a read past a buffer in it, and
runs pytest with libasan preloaded and OUT first on the path. Any sanitizer
report ends the run with a failure.
"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "pysandbox")
SANITIZE = "-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS = SANITIZE + " -fno-omit-frame-pointer -g -O1"
CC = "gcc"  # its libasan is the one preloaded

BUILD = ("import sys; sys.path.insert(0, 'pysandbox'); import _build; "
         "_build.ffibuilder.compile(tmpdir='.', verbose=False)")
# Claims 64 bytes of a 4-byte buffer: ASan must stop it.
OVERFLOW = """
import pysandbox._native_cffi as m
assert m.__file__.startswith(%r), m.__file__
text = m.ffi.new("char[4]", b"[1,1")
tape = m.ffi.new("struct sb_json[]", 64)
m.lib.sb_json_parse(text, 64, tape, 64, m.ffi.new("struct sb_json_error *"))
print("not caught")
"""


def build(out):
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(PACKAGE, os.path.join(out, "pysandbox"),
                    ignore=shutil.ignore_patterns("__pycache__", "_native_cffi*"))
    # the copy's _build.py names ../csrc relative to the current directory,
    # and cffi compiles in tmpdir: both OUT, so every object stays in OUT
    shutil.copytree(os.path.join(ROOT, "csrc"), os.path.join(out, "csrc"))
    env = dict(os.environ, CC=CC, CFLAGS=CFLAGS, LDFLAGS=SANITIZE)
    subprocess.run([sys.executable, "-c", BUILD], cwd=out, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def test_env(out):
    libasan = subprocess.run([CC, "-print-file-name=libasan.so"], check=True,
                             capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(libasan):
        sys.exit("sanitize: %s has no libasan.so (apt-get install libasan8)" % CC)
    return dict(os.environ, LD_PRELOAD=libasan, PYTHONPATH=out, PYTHONMALLOC="malloc",
                ASAN_OPTIONS="detect_leaks=0",  # the interpreter's own are not ours
                UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")


def check_caught(out, env):
    r = subprocess.run([sys.executable, "-c", OVERFLOW % os.path.abspath(out)], cwd=out, env=env,
                       capture_output=True, text=True)
    if r.returncode == 0 or "heap-buffer-overflow" not in r.stderr:
        sys.exit("sanitize: ASan did not catch an overflow in the module:\n" + r.stdout + r.stderr)


def main(argv):
    out = os.path.abspath(argv[0])
    build(out)
    env = test_env(out)
    check_caught(out, env)
    # from OUT, so that `-m` puts the sanitized package first on sys.path
    tests = [os.path.join(ROOT, a) if os.path.exists(os.path.join(ROOT, a.split("::")[0])) else a
             for a in argv[1:]]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", ROOT] + tests, cwd=out, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
