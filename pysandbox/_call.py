"""Sandbox.call(): one function in a forked, confined child.

The child applies the sandbox to itself (a _native.Entry the parent made
ready once per Sandbox: the kill actions turned into traps, the filter
compiled; a C SIGSYS handler records the syscall in memory shared with the
parent), runs the function, sends back a length-prefixed
pickle of ("ok", result) or ("raised", exception, traceback text) through a
pipe and _exit()s: it never returns into the caller's code. The parent waits
on the pipe and the child's pidfd together (a child forked by another thread
may hold this pipe's write end: EOF alone proves nothing), kills it after the
timeout, and reads the answer with built-in types only (_Unpickler): the
child may have been compromised by what it ran, and a pickle may name any
callable.
"""
import builtins
import gc
import io
import mmap
import os
import pickle
import select
import signal
import struct
import sys
import time
import traceback

from pysandbox import _native, errors
from pysandbox.errors import CallError, CallTimeout

HEADER = struct.Struct("=Q")
# what an answer may be made of: built-in values and exceptions (and
# pysandbox's own), nothing that could run code
SAFE = {"builtins": frozenset(name for name, value in vars(builtins).items()
                              if isinstance(value, type) and issubclass(value, BaseException))
        | {"set", "frozenset", "bytearray", "complex", "slice", "range", "list", "dict",
           "tuple", "str", "bytes", "int", "float", "bool"},
        "pysandbox.errors": frozenset(errors.__all__)}


class ChildTraceback(Exception):
    """The traceback text of an exception raised in a sandboxed call's child
    (its __cause__ in the parent)."""

    def __str__(self):
        return "\n" + self.args[0]


def call(entry, fn, args, kwargs, timeout):
    """FN(*ARGS, **KWARGS) in a child confined by ENTRY (a _native.Entry)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    shared = mmap.mmap(-1, mmap.PAGESIZE)
    sigsys = _native.Sigsys(shared)
    r, w = os.pipe()
    for f in (sys.stdout, sys.stderr):  # not written twice, by the child too
        if f is not None:
            f.flush()
    # NOTE: gc.freeze(): the child's collections skip the parent's objects
    # rather than touch (and so copy) every page of its heap (gc docs)
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        for fd in (r, w):
            os.close(fd)
        sigsys.close()
        shared.close()
        raise
    if pid == 0:  # pragma: no cover - the child
        status = 70
        try:
            os.close(r)
            status = child(entry, sigsys, w, fn, args, kwargs)
        finally:
            os._exit(status)
    gc.unfreeze()
    os.close(w)
    try:
        return answer(pid, r, sigsys, deadline, timeout)
    finally:
        os.close(r)
        sigsys.close()
        shared.close()


def child(entry, sigsys, w, fn, args, kwargs):
    """The child's work: confine, run, answer. Its exit status."""
    try:
        entry.enter(sigsys)
    except BaseException as e:  # noqa: B036 - every failure goes back to the parent
        return send(w, ("setup", e, traceback.format_exc()))
    try:
        result = ("ok", fn(*args, **kwargs))
    except BaseException as e:  # noqa: B036
        result = ("raised", e, traceback.format_exc())
    for f in (sys.stdout, sys.stderr):
        try:
            if f is not None:
                f.flush()
        except Exception:  # noqa: BLE001 - a closed stream is no answer
            pass
    return send(w, result)


def send(w, result):
    if result[0] != "ok" and type(result[1]).__module__ not in SAFE:
        e = result[1]  # the parent would refuse its class: its text crosses instead
        result = ("unpicklable", "the call raised %s.%s: %s" % (
            type(e).__module__, type(e).__qualname__, e), result[2])
    try:
        data = pickle.dumps(result)
    except Exception as e:  # noqa: BLE001
        kind = "result" if result[0] == "ok" else "exception"
        what = result[1]
        data = pickle.dumps(("unpicklable", "the call's %s cannot be pickled: %s (%s: %s)"
                             % (kind, type(what).__name__, type(e).__name__, e),
                             result[2] if len(result) > 2 else ""))
    data = HEADER.pack(len(data)) + data
    view = memoryview(data)
    while view:
        view = view[os.write(w, view):]
    return 0


def answer(pid, r, sigsys, deadline, timeout):
    """Wait for the child PID's answer on R; the result, or raise."""
    data, status = collect(pid, r, deadline, timeout)
    if whole([data]):
        return decode(data[HEADER.size:])
    died = died_of(status)
    seen = sigsys.seen()
    if seen is not None:
        syscall, arch = seen
        raise CallError("the sandboxed call was killed by the seccomp filter at syscall %s "
                        "(%s)" % ("'%s'" % syscall if isinstance(syscall, str) else syscall, arch),
                        signal=signal.SIGSYS, syscall=syscall, arch=arch)
    raise CallError("the sandboxed call's process %s without an answer" % died[0],
                    signal=died[1], status=died[2])


def collect(pid, r, deadline, timeout):
    """(every byte the child wrote on R, its wait status), the child reaped;
    killed first if it is still running when this ends otherwise (a timeout,
    ^C). NOTE: until reaped, its pid cannot be another process's."""
    chunks, pidfd, status = [], None, None
    try:
        pidfd = os.pidfd_open(pid)
        poll = select.poll()
        poll.register(r, select.POLLIN)
        poll.register(pidfd, select.POLLIN)
        while True:
            wait = None if deadline is None else max(0, deadline - time.monotonic())
            events = poll.poll(None if wait is None else int(wait * 1000) + 1)
            if not events and deadline is not None and time.monotonic() >= deadline:
                raise CallTimeout("the sandboxed call ran past its timeout (%ss): killed"
                                  % timeout)
            fds = {fd for fd, _ in events}
            if r in fds:
                if drain(r, chunks) == 0:
                    poll.unregister(r)  # EOF: wait for the exit
                elif whole(chunks):
                    break  # the answer is in: all the child does now is _exit
            if pidfd in fds:
                os.set_blocking(r, False)
                drain(r, chunks, everything=True)
                break
        status = os.waitpid(pid, 0)[1]
        return b"".join(chunks), status
    finally:
        if status is None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if pidfd is not None:
            os.close(pidfd)


def whole(chunks):
    """Do CHUNKS hold a whole answer (its length header, then that many bytes)?"""
    data = b"".join(chunks)
    return len(data) >= HEADER.size and len(data) == HEADER.size + HEADER.unpack_from(data)[0]


def drain(r, chunks, everything=False):
    """Read what R holds into CHUNKS; the size of the last read (0: EOF)."""
    while True:
        try:
            data = os.read(r, 1 << 16)
        except BlockingIOError:
            return -1
        chunks.append(data)
        if not data or not everything:
            return len(data)


def died_of(status):
    """(text, signal or None, exit status or None) of wait status STATUS."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return "was killed by %s" % signal.Signals(sig).name, sig, None
    code = os.waitstatus_to_exitcode(status)
    return "exited with status %d" % code, None, code


def decode(data):
    try:
        message = _Unpickler(io.BytesIO(data)).load()
    except pickle.UnpicklingError as e:
        raise CallError("the sandboxed call's answer is refused: %s" % e) from None
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "unpicklable":
        raise CallError(message[1]) from ChildTraceback(message[2])
    e = message[1]
    if kind == "setup":
        raise e
    raise e from ChildTraceback(message[2])


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if name in SAFE.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError("'%s.%s' is not a built-in type (only those cross back "
                                     "from the sandbox; return plain values)" % (module, name))
