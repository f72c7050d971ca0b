"""Sandbox.call(): one function in a forked, confined child.

The child applies the sandbox to itself (a _native.Entry the parent made
ready once per Sandbox: the kill actions turned into traps, the filter
compiled; a C SIGSYS handler records the syscall in a page shared with the
parent, a _native.Sigsys), runs the function, sends back a length-prefixed
pickle of ("ok", result) or ("raised", exception, traceback text) through a
pipe and _exit()s: it never returns into the caller's code. The parent waits
on the pipe and the child's pidfd together (a child forked by another thread
may hold this pipe's write end: EOF alone proves nothing), kills it after the
timeout, and reads the answer with built-in types only (_Unpickler): the
child may have been compromised by what it ran, and a pickle may name any
callable.

NOTE: speed here is counted in pages. After a fork every page is
copy-on-write: the first write to one, by either process, faults (and copies
it while both map it), a few microseconds each, so each object made or
touched on either side is a cost - a bare fork's child writes some 60 pages.
Hence few objects per call, a child's work that this process never runs (so
its code is not specialised, page by page, in each child) and reads sized for
Python's own allocator (see FIRST_READ).
"""
import builtins
import gc
import io
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback

from pysandbox import _native, errors
from pysandbox.errors import CallError, CallTimeout

# an answer: HEADER (its body's length, its kind), then the body: a pickle
# (PICKLED), or a result of one of SCALARS' exact types as itself (NOTE: the
# usual result, for which pickling in the child and unpickling here would
# each write some ten pages)
HEADER = struct.Struct("=QB")
PICKLED = 0
FLOAT = struct.Struct("=d")
# (methods looked up here, not in each child: NOTE below)
_to_bytes, _bit_length, _encode = int.to_bytes, int.bit_length, str.encode
SCALARS = {  # type: (kind, its body); the kinds' inverses in UNSCALARS
    type(None): (1, lambda value: b""),
    bool: (2, lambda value: b"\x01" if value else b""),
    int: (3, lambda value: _to_bytes(value, _bit_length(value) // 8 + 1, "little", signed=True)),
    float: (4, FLOAT.pack),
    str: (5, lambda value: _encode(value, "utf-8", "surrogatepass")),
    bytes: (6, lambda value: value),
}
UNSCALARS = {
    1: lambda body: None,
    2: lambda body: body == b"\x01",
    3: lambda body: int.from_bytes(body, "little", signed=True),
    4: lambda body: FLOAT.unpack(body)[0],
    5: lambda body: body.decode("utf-8", "surrogatepass"),
    6: lambda body: body,
}
# NOTE: a bytes object of up to 512 bytes comes from Python's allocator; a
# larger one is a malloc, and one of 1 KiB or more makes glibc consolidate its
# free chunks, writing to pages all over the heap. A small answer (the usual
# one) is read whole in this; a larger one then in reads of what is left.
FIRST_READ = 256
# what an answer may be made of: built-in values and exceptions (and
# pysandbox's own), nothing that could run code
SAFE = {"builtins": frozenset(name for name, value in vars(builtins).items()
                              if isinstance(value, type) and issubclass(value, BaseException))
        | {"set", "frozenset", "bytearray", "complex", "slice", "range", "list", "dict",
           "tuple", "str", "bytes", "int", "float", "bool"},
        "pysandbox.errors": frozenset(errors.__all__)}
POLLIN = select.POLLIN
# NOTE: what the child calls, looked up here once: the child's code runs once
# per child, never warmed up here, and each attribute it looked up would
# write its entry into the interpreter's type cache (a page copied)
_close, _write, _exit, _dumps, _format_exc, _pack, _enter = (
    os.close, os.write, os._exit, pickle.dumps, traceback.format_exc, HEADER.pack,
    _native.Entry.enter)
_gc_callbacks = gc.callbacks  # the list the collector calls (a name rebound is not it)
# NOTE: the pickler's type gets its version tag (and its lookups their cache
# entries) here, not in each child
pickle.dumps(None)


# NOTE: the calls in flight in this process, {id: [read fd, write fd, pidfd,
# Sigsys]}: a child forked for one call (by any thread) inherits the others'
# pipe ends, pidfds and SIGSYS pages, through which what it runs could read,
# forge or kill another call's answer. Each child drops every other call's
# before it runs anything (dropped()). The lock makes each change to them
# (made, closed) and every os.fork() of the process one after the other, so a
# child never holds one the registry does not list, nor misses one it does.
_live = {}
_lock = threading.Lock()
os.register_at_fork(before=_lock.acquire, after_in_parent=_lock.release,
                    after_in_child=_lock.release)


def dropped(mine):  # pragma: no cover - the child
    """In a child: close every other call's pipe ends and pidfd, unmap its page."""
    for key, held in _live.items():
        if key != mine:
            for fd in held[:3]:
                if fd is not None:
                    _close(fd)
            held[3].close()


class ChildTraceback(Exception):
    """The traceback text of an exception raised in a sandboxed call's child
    (its __cause__ in the parent)."""

    def __str__(self):
        return "\n" + self.args[0]


def call(entry, fn, args, kwargs, timeout):
    """FN(*ARGS, **KWARGS) in a child confined by ENTRY (a _native.Entry)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    parent = os.getpid()
    key = object()
    with _lock:  # made and listed at once (_live)
        sigsys = _native.Sigsys()
        try:
            r, w = os.pipe()
        except BaseException:
            sigsys.close()
            raise
        held = _live[key] = [r, w, None, sigsys]
    try:
        try:
            try:
                for f in (sys.stdout, sys.stderr):  # not written twice, by the child too
                    if f is not None:
                        f.flush()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child
                    _exit(child(entry, sigsys, r, w, fn, args, kwargs, key))
            except BaseException:
                # NOTE: whatever the child raises (even between the fork and
                # the call above: a signal's handler) ends here, not in the caller
                if os.getpid() != parent:  # pragma: no cover - the child
                    os._exit(70)
                raise
            finally:
                with _lock:
                    os.close(w)
                    held[1] = None
            data, status = collect(pid, r, deadline, timeout, held)
        finally:
            with _lock:
                os.close(r)
                held[0] = None
        if data is not None:
            return decode(data)
        raise died(status, sigsys)
    finally:
        with _lock:
            del _live[key]
            sigsys.close()


def child(entry, sigsys, r, w, fn, args, kwargs, key):  # pragma: no cover - the child
    """The child's work: confine, run, answer. Its exit status."""
    _gc_callbacks.append(freeze_at_first_collection)
    _close(r)
    if len(_live) > 1:
        dropped(key)
    try:
        _enter(entry, sigsys)
    except BaseException as e:  # noqa: B036 - every failure goes back to the parent
        result = ("setup", e, _format_exc())
    else:
        try:
            result = ("ok", fn(*args, **kwargs))
        except BaseException as e:  # noqa: B036
            result = ("raised", e, _format_exc())
        for f in (sys.stdout, sys.stderr):
            try:
                if f is not None:
                    f.flush()
            except Exception:  # noqa: BLE001 - a closed stream is no answer
                pass
    if result[0] == "ok" and type(result[1]) in SCALARS:
        kind, encode = SCALARS[type(result[1])]
        data = encode(result[1])
    else:
        kind = PICKLED
        try:
            data = _dumps(result if result[0] == "ok" else crossing(result))
        except Exception as e:  # noqa: BLE001
            data = _dumps(unpicklable(result, e))
    data = _pack(len(data), kind) + data
    done = _write(w, data)
    if done < len(data):
        view = memoryview(data)[done:]
        while view:
            view = view[_write(w, view):]
    return 0


_frozen = False  # in a child: since its first collection


def freeze_at_first_collection(phase, info):  # pragma: no cover - the child
    """A gc callback: gc.freeze() as the child's first collection starts.
    NOTE: the child's collections then skip the objects it was born with
    rather than touch (and so copy) every page of its heap (gc docs). Not
    before: the freeze writes to objects all over the heap, a dozen pages a
    call that never collects would copy for nothing. Not in the parent:
    it would unfreeze what its own code froze."""
    global _frozen
    if phase == "start" and not _frozen:
        _frozen = True
        gc.freeze()


def crossing(result):  # pragma: no cover - the child
    """RESULT, an exception, as it can cross: the parent refuses classes not in
    SAFE, so the text of one of those crosses instead."""
    e = result[1]
    if type(e).__module__ in SAFE:
        return result
    return ("unpicklable", "the call raised %s.%s: %s" % (
        type(e).__module__, type(e).__qualname__, e), result[2])


def unpicklable(result, e):  # pragma: no cover - the child
    """What crosses instead of RESULT, which pickle refused with E."""
    kind = "result" if result[0] == "ok" else "exception"
    return ("unpicklable", "the call's %s cannot be pickled: %s (%s: %s)"
            % (kind, type(result[1]).__name__, type(e).__name__, e),
            result[2] if len(result) > 2 else "")


def collect(pid, r, deadline, timeout, held):
    """(the whole answer the child wrote on R, or None; its wait status), the
    child reaped; killed first if it is still running when this ends otherwise
    (a timeout, ^C). NOTE: until reaped, its pid cannot be another process's.
    HELD: the call's entry of _live, which lists the pidfd."""
    chunks, status, pidfd = [], None, None
    try:
        with _lock:
            pidfd = held[2] = os.pidfd_open(pid)
        poll = select.poll()
        poll.register(r, POLLIN)
        poll.register(pidfd, POLLIN)
        got, size, ms = 0, None, None
        while True:
            if deadline is not None:
                ms = int(max(0, deadline - time.monotonic()) * 1000) + 1
            events = poll.poll(ms)
            if not events:
                if time.monotonic() >= deadline:
                    raise CallTimeout("the sandboxed call ran past its timeout (%ss): killed"
                                      % timeout)
                continue
            if pidfd in (events[0][0], events[-1][0]):  # it exited: what it wrote is all
                os.set_blocking(r, False)
                drain(r, chunks)
                break
            data = os.read(r, FIRST_READ if size is None or got >= size
                           else min(size - got, 1 << 20))
            if not data:
                poll.unregister(r)  # EOF: wait for the exit
                continue
            chunks.append(data)
            got += len(data)
            if size is None and got >= HEADER.size:
                size = HEADER.size + HEADER.unpack_from(b"".join(chunks))[0]
            if got == size:
                break  # the answer is in: all the child does now is _exit
        status = os.waitpid(pid, 0)[1]
        return whole(b"".join(chunks)), status
    finally:
        if status is None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if pidfd is not None:
            with _lock:
                os.close(pidfd)
                held[2] = None


def drain(r, chunks):
    """Read what the non-blocking R holds into CHUNKS, to its end."""
    try:
        while True:
            data = os.read(r, 1 << 16)
            if not data:
                return
            chunks.append(data)
    except BlockingIOError:
        pass


def whole(data):
    """DATA if it is a whole answer (its length header, then that many bytes)."""
    if len(data) >= HEADER.size and len(data) == HEADER.size + HEADER.unpack_from(data)[0]:
        return data
    return None


def died(status, sigsys):
    """The CallError of a child that ended (wait status STATUS) unanswered."""
    seen = sigsys.seen()
    if seen is not None:
        syscall, arch = seen
        return CallError("the sandboxed call was killed by the seccomp filter at syscall %s "
                         "(%s)" % ("'%s'" % syscall if isinstance(syscall, str) else syscall,
                                   arch),
                         signal=signal.SIGSYS, syscall=syscall, arch=arch)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return CallError("the sandboxed call's process was killed by %s without an answer"
                         % signal.Signals(sig).name, signal=sig, status=None)
    code = os.waitstatus_to_exitcode(status)
    return CallError("the sandboxed call's process exited with status %d without an answer"
                     % code, signal=None, status=code)


def decode(data):
    """The result the answer DATA carries, or raise what it says."""
    kind = data[HEADER.size - 1]
    try:
        if kind != PICKLED:
            if kind not in UNSCALARS:
                raise ValueError("no kind %d" % kind)
            return UNSCALARS[kind](data[HEADER.size:])
        stream = io.BytesIO(data)
        stream.seek(HEADER.size)
        message = _Unpickler(stream).load()
    except (pickle.UnpicklingError, ValueError, struct.error) as e:
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
