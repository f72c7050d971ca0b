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
import _signal
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
# the classes an answer may call (pickle's REDUCE): the built-in exceptions
# (and pysandbox's own), and three types whose making costs no more than the
# pickle's own bytes. NOTE: the child pickles with protocol 5, whose opcodes
# make lists, dicts, tuples, sets, frozensets and bytearrays without calling
# their types: called, bytearray(3 << 30) or frozenset(range(10 ** 12)),
# some fifty bytes, would make this process allocate (or loop) without bound
SAFE = {"builtins": frozenset(name for name, value in vars(builtins).items()
                              if isinstance(value, type) and issubclass(value, BaseException))
        | {"complex", "slice", "range"},
        "pysandbox.errors": frozenset(errors.__all__)}
PROTOCOL = 5
# the longest answer taken: a child could otherwise fill this process's memory
POLL_MAX = 86400.0  # seconds: the longest one poll() waits (its timeout is a C int of ms)
MAX_ANSWER = 1 << 28
# NOTE: _signal's functions, not signal's: those make an enum of each
# signal and handler they return (a set of 64 per pthread_sigmask, some
# hundred microseconds a call)
ALL_SIGNALS = _signal.valid_signals()
_sigmask = _signal.pthread_sigmask
POLLIN = select.POLLIN
SETMASK, SIG_BLOCK, SIG_DFL = _signal.SIG_SETMASK, _signal.SIG_BLOCK, _signal.SIG_DFL
HANDLEABLE = tuple(sorted(ALL_SIGNALS - {signal.SIGKILL, signal.SIGSTOP}))
_getsignal, _setsignal = _signal.getsignal, _signal.signal
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
_lock = threading.RLock()  # (a finalizer that forks inside it must not deadlock)
os.register_at_fork(before=_lock.acquire, after_in_parent=_lock.release,
                    after_in_child=_lock.release)


R, W, PIDFD, SIGSYS, PID = range(5)  # a call's entry of _live


def dropped(mine):  # pragma: no cover - the child
    """In a child: close every other call's pipe ends and pidfd, unmap its page."""
    for key, held in _live.items():
        if key != mine:
            for fd in held[:SIGSYS]:
                if fd is not None:
                    _close(fd)
            if held[SIGSYS] is not None:
                held[SIGSYS].close()


class ChildTraceback(Exception):
    """The traceback text of an exception raised in a sandboxed call's child
    (its __cause__ in the parent)."""

    def __str__(self):
        return "\n" + self.args[0]


def call(entry, fn, args, kwargs, timeout):
    """FN(*ARGS, **KWARGS) in a child confined by ENTRY (a _native.Entry).

    NOTE: each signal with a Python handler (CAUGHT) is blocked while the
    call's resources are made and undone, and from before the fork until
    the child is known by its pidfd: an exception such a handler raised
    there could lose the child (unkilled, unreaped) or leak what was made.
    What a signal brings meanwhile is handled when the mask is restored. The
    child has no Python signal handler (child()): none can unwind it into
    the caller's code. (Only those: a signal that runs no Python code
    raises nothing, and each set pthread_sigmask returns is a set of ints
    this process makes while the child shares its pages.)"""
    deadline = None if timeout is None else time.monotonic() + timeout
    key, held = object(), [None] * 5
    caught = [sig for sig in HANDLEABLE if callable(_getsignal(sig))]
    # NOTE: the mask is read before it is changed, and every change is inside
    # the try: a handler whose signal came before the block runs right after
    # it (at the next bytecode), and may raise there
    mask = _sigmask(SIG_BLOCK, ())
    try:
        _sigmask(SIG_BLOCK, caught)
        start(entry, fn, args, kwargs, key, held, mask, caught)
        _sigmask(SETMASK, mask)
        try:
            data, status = collect(held, deadline, timeout)
        finally:
            _sigmask(SIG_BLOCK, caught)
        failure = died(status, held[SIGSYS]) if data is None else None
    finally:
        try:
            finish(key, held)
        finally:
            _sigmask(SETMASK, mask)
    if failure is not None:
        raise failure
    return decode(data)


def start(entry, fn, args, kwargs, key, held, mask, caught):
    """Make the call's pipe and SIGSYS page, listed in _live as HELD, fork
    the child and open its pidfd (the CAUGHT signals blocked: call())."""
    with _lock:  # made and listed at once (_live)
        _live[key] = held
        held[SIGSYS] = _native.Sigsys()
        held[R], held[W] = os.pipe()
    for f in (sys.stdout, sys.stderr):  # not written twice, by the child too
        if f is not None:
            f.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            _exit(child(entry, held[SIGSYS], held[R], held[W], fn, args, kwargs, key, mask,
                        caught))
        finally:
            _exit(70)  # nothing the child raises reaches the caller's code
    held[PID] = pid
    with _lock:
        os.close(held[W])
        held[W] = None
        held[PIDFD] = os.pidfd_open(pid)


def finish(key, held):
    """Undo what start() made, whatever of it was made: the child killed and
    reaped through its pidfd (never a pid another process may have by now),
    the fds closed, the page unmapped, the call unlisted."""
    if held[PIDFD] is not None:
        try:
            signal.pidfd_send_signal(held[PIDFD], signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitid(os.P_PIDFD, held[PIDFD], os.WEXITED)
        except ChildProcessError:
            pass  # collect() reaped it
    elif held[PID] is not None:  # no pidfd: the pid is unreaped, still the child's
        os.kill(held[PID], signal.SIGKILL)
        os.waitpid(held[PID], 0)
    with _lock:
        for i in (R, W, PIDFD):
            if held[i] is not None:
                os.close(held[i])
                held[i] = None
        if held[SIGSYS] is not None:
            held[SIGSYS].close()
        _live.pop(key, None)  # (not listed if interrupted before)


def child(entry, sigsys, r, w, fn, args, kwargs, key, mask, caught):  # pragma: no cover
    """The child's work: confine, run, answer. Its exit status.

    Each signal the caller had a Python handler for (CAUGHT: SIGINT's
    KeyboardInterrupt) takes its default action here, set while every signal
    is still blocked; then the caller's MASK is restored, before the filter
    (which may not allow the call). So no handler can raise here, where an
    exception could reach the caller's code; a ^C ends the child (and the
    call, in the caller). FN may set its own."""
    _gc_callbacks.append(freeze_at_first_collection)
    _close(r)
    if len(_live) > 1:
        dropped(key)
    for sig in caught:
        _setsignal(sig, SIG_DFL)
    _sigmask(SETMASK, mask)
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
            data = _dumps(result if result[0] == "ok" else crossing(result), PROTOCOL)
        except Exception as e:  # noqa: BLE001
            data = _dumps(unpicklable(result, e), PROTOCOL)
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


def collect(held, deadline, timeout):
    """(the whole answer the child of HELD writes on its pipe, or None; its
    wait status, or None once it answered: it is killed then, all it had left
    to do was exit). CallTimeout past the DEADLINE, checked at every turn (a
    child writing a byte a millisecond must not hold this call); CallError
    for an answer longer than MAX_ANSWER. finish() kills and reaps what this
    leaves."""
    r, pidfd = held[R], held[PIDFD]
    poll = select.poll()
    poll.register(r, POLLIN)
    poll.register(pidfd, POLLIN)
    chunks, got, size, ms = [], 0, None, None
    while True:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CallTimeout("the sandboxed call ran past its timeout (%ss): killed"
                                  % timeout)
            ms = int(min(left, POLL_MAX) * 1000) + 1  # poll()'s int: a day, then again
        events = poll.poll(ms)
        if not events:
            continue
        if pidfd in (events[0][0], events[-1][0]):  # it exited: what it wrote is all
            os.set_blocking(r, False)
            drain(r, chunks, got, size, deadline)
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
            if size > HEADER.size + MAX_ANSWER:
                raise CallError("the sandboxed call's answer is refused: %d bytes, more "
                                "than %d" % (size - HEADER.size, MAX_ANSWER))
        if got == size:
            return whole(b"".join(chunks)), None  # the answer is in
    status = os.waitid(os.P_PIDFD, pidfd, os.WEXITED)
    return whole(b"".join(chunks)), status


def drain(r, chunks, got, size, deadline):
    """Read what the non-blocking R holds into CHUNKS (GOT bytes so far of an
    answer of SIZE, if known), to its end, to one byte past the answer or
    MAX_ANSWER (a grandchild may hold the pipe and write on), or to the
    DEADLINE."""
    limit = HEADER.size + MAX_ANSWER if size is None else size
    try:
        while got <= limit and (deadline is None or time.monotonic() < deadline):
            data = os.read(r, min(1 << 16, limit + 1 - got))
            if not data:
                return
            chunks.append(data)
            got += len(data)
    except BlockingIOError:
        pass


def whole(data):
    """DATA if it is a whole answer (its length header, then that many bytes)."""
    if len(data) >= HEADER.size and len(data) == HEADER.size + HEADER.unpack_from(data)[0]:
        return data
    return None


def died(status, sigsys):
    """The CallError of a child that ended (STATUS: os.waitid's) unanswered.
    The SIGSYS record is believed only of a child that died by SIGSYS or
    SIGILL (how the handler ends it): a child that wrote the record itself and
    exited is no filter's kill."""
    killed = status is not None and status.si_code in (os.CLD_KILLED, os.CLD_DUMPED)
    seen = sigsys.seen() if killed and status.si_status in (signal.SIGSYS, signal.SIGILL) \
        else None
    if seen is not None:
        syscall, arch = seen
        return CallError("the sandboxed call was killed by the seccomp filter at syscall %s "
                         "(%s)" % ("'%s'" % syscall if isinstance(syscall, str) else syscall,
                                   arch),
                         signal=signal.SIGSYS, syscall=syscall, arch=arch)
    if killed:
        sig = status.si_status
        return CallError("the sandboxed call's process was killed by %s without an answer"
                         % signal.Signals(sig).name, signal=sig, status=None)
    code = status.si_status if status is not None else None
    return CallError("the sandboxed call's process exited with status %s without an answer"
                     % code, signal=None, status=code)


KINDS = {"ok": 2, "raised": 3, "setup": 3, "unpicklable": 3}  # an answer's lengths


def decode(data):
    """The result the answer DATA carries, or raise what it says; CallError
    for anything else a child could write (the child may be compromised)."""
    kind = data[HEADER.size - 1]
    body = data[HEADER.size:]
    try:
        if kind != PICKLED:
            if kind not in UNSCALARS or kind in STRICT and body not in STRICT[kind]:
                raise ValueError("no answer of kind %d and %d bytes" % (kind, len(body)))
            return UNSCALARS[kind](body)
        message = load(data)
        if type(message) is not tuple or not message or type(message[0]) is not str or \
                KINDS.get(message[0]) != len(message):
            raise ValueError("no answer of this shape")
        if message[0] != "ok" and not (isinstance(message[2], str) and (
                isinstance(message[1], BaseException) or message[0] == "unpicklable")):
            raise ValueError("no exception and traceback")
    except Exception as e:  # noqa: BLE001 - whatever the child wrote
        raise CallError("the sandboxed call's answer is refused: %s" % e) from None
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "unpicklable":
        raise CallError(message[1] if type(message[1]) is str else "the call's answer "
                        "cannot be pickled") from ChildTraceback(message[2])
    e = message[1]
    if not isinstance(e, Exception):  # SystemExit, KeyboardInterrupt: no child's to raise here
        raise CallError("the sandboxed call raised %s: %s" % (type(e).__name__, e)) \
            from ChildTraceback(message[2])
    if kind == "setup":
        raise e
    raise e from ChildTraceback(message[2])


STRICT = {1: (b"",), 2: (b"", b"\x01")}  # the one or two bodies of kinds None and bool


def load(data):
    """The pickle after DATA's header, checked by measure(), then read with
    _Unpickler."""
    measure(data[HEADER.size:])
    stream = io.BytesIO(data)
    stream.seek(HEADER.size)
    return _Unpickler(stream).load()


# what an answer's pickle may make (measure()): NOTE: the unpickler itself
# has no bound but the pickle's length, and a byte can cost far more here -
# an EMPTY_SET is a 216-byte set; a tuple a million deep, once hashed (a set
# member, a dict key), overflows the C stack; tuples sharing one another
# through the memo, 5 bytes a level, cost 2 ** levels to hash
MAX_OPS = 1 << 20  # opcodes: each makes at most one object (some 2 s of measure())
MAX_WEIGHT = 10 ** 7  # nodes of one value, each shared one counted anew
MAX_DEPTH = 1000  # nesting
_ATOM = (1, 0)  # (weight, depth) of a value without parts
_POPS = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3, "REDUCE": 2, "NEWOBJ": 2, "NEWOBJ_EX": 3,
         "STACK_GLOBAL": 2}
_TO_MARK = {"TUPLE", "LIST", "DICT", "FROZENSET"}  # a new container of what follows MARK
_INTO_MARK = {"APPENDS", "SETITEMS", "ADDITEMS"}  # the container below MARK takes those
_INTO = {"APPEND": 1, "SETITEM": 2, "BUILD": 1}  # the container below takes the top N
_NOOP = {"PROTO", "FRAME", "STOP"}
_REFUSED = ("EXT", "PERSID", "BINPERSID", "INST", "OBJ", "NEXT_BUFFER", "READONLY_BUFFER")


def measure(body):
    """ValueError unless the pickle BODY stays within MAX_OPS opcodes and
    makes no value of more than MAX_WEIGHT nodes (the memo's shared ones
    counted at each use: what hashing walks) or MAX_DEPTH levels. A linear
    pass over its opcodes, the stack and memo kept as (weight, depth): some
    2 us an opcode, paid by pickled answers only (a plain result is none).
    NOTE: pickletools imported here, on the first: its tables are some
    thirty pages more for every fork of this process to copy."""
    import pickletools

    stack, memo, marks = [], {}, []

    def made(parts):
        w = 1 + sum(p[0] for p in parts)
        d = 1 + max((p[1] for p in parts), default=0)
        if w > MAX_WEIGHT or d > MAX_DEPTH:
            raise ValueError("a value of %s nodes, %s deep: more than this process takes"
                             % (w, d))
        return w, d

    for count, (op, arg, _) in enumerate(pickletools.genops(body)):
        name = op.name
        if count >= MAX_OPS or name.startswith(_REFUSED):
            raise ValueError("more than %d opcodes" % MAX_OPS if count >= MAX_OPS else
                             "a %s opcode" % name)
        if name in _NOOP:
            continue
        if name == "MARK":
            marks.append(len(stack))
        elif name in _TO_MARK or name in _INTO_MARK or name == "POP_MARK":
            at = marks.pop()
            parts = stack[at:]
            del stack[at:]
            if name in _TO_MARK:
                stack.append(made(parts))
            elif name in _INTO_MARK:
                stack[-1] = made([stack[-1]] + parts)
        elif name in _INTO:
            parts = stack[-_INTO[name]:]
            del stack[-_INTO[name]:]
            stack[-1] = made([stack[-1]] + parts)
        elif name in _POPS:
            parts = stack[-_POPS[name]:]
            del stack[-_POPS[name]:]
            stack.append(made(parts))
        elif name in ("MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT"):
            memo[len(memo) if name == "MEMOIZE" else arg] = stack[-1]
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "POP":
            stack.pop()
        elif name == "DUP":
            stack.append(stack[-1])
        else:  # an atom: a number, a string, an empty container, a global's name
            stack.append(_ATOM)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if name in SAFE.get(module, ()):
            return super().find_class(module, name)
        raise pickle.UnpicklingError("'%s.%s' is not a built-in type (only those cross back "
                                     "from the sandbox; return plain values)" % (module, name))
