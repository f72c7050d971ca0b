"""Start-up of a program isolated in namespaces (README "Namespaces (bubblewrap)").

    PY isolate.py OUT [RUNS]        make -C bench isolate

Runs OUT/nop (a dynamic program that returns 0) under each configuration,
interleaved (one run of each per round, in a new random order), the first
WARMUP rounds dropped. Wall and CPU time are measured the same way for every
row: around the whole launch, until every process it started is gone, from
this process (CPU: this process's own, and that of all it started: bwrap,
its init, the program, which this process reaps as their subreaper). Printed
per row, in ms: wall median and p10, CPU median and p10, each median beside
bare bwrap's (the spawned rows) or bwrap by subprocess's (the in-process rows):

  bwrap                bare bwrap with the options isolate.command() writes
                       (all namespaces: net, pid, ipc, uts, and the view),
                       started by posix_spawn
  command()+bwrap      isolate.command() (with its user-namespace check) in
                       this process, then the same bwrap: what the module adds
  pysandbox run        `pysandbox run --isolate=all -- nop`: the installed
                       command beside this interpreter, the C front door
                       (csrc/front/front.c), which decides this case itself
  pysandbox-py run     the same by the Python CLI from a cold start (its
                       main(), run by the system's interpreter: front_door()),
                       what the front door hands every case it does not decide
  firejail             firejail with the same namespaces and view, where it runs
  nsjail               nsjail likewise, where installed
  --- in this process, warm ---
  subprocess bwrap     subprocess.run() of the bare bwrap argv
  Sandbox.run          Sandbox(isolate="all").run([nop]): the inspection, the
                       argv, bwrap, libsandbox.so loaded into nop (no policy)
  --- not isolated, spawned ---
  LD_PRELOAD nop       nop with libsandbox.so preloaded and SECCOMP_SYSCALL_DENY=
                       ptrace, set by hand: the variables' own road
  pysandbox run        `pysandbox run --deny ptrace -- nop`, the front door:
  (no isolation)       what it adds is the inspection and its own exec

The machine's load average is printed before and after: on a shared machine,
compare the CPU columns and the p10s before the wall medians.
"""
import os
import random
import resource
import shutil
import subprocess
import sys
import time

from pysandbox import Sandbox, isolate, libpath

WARMUP = 10
PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
NAMES = isolate.parse("all")
BASE = {"spawned": "bwrap", "in-process": "subprocess bwrap", "plain": "LD_PRELOAD nop"}
HEADERS = {"subprocess bwrap": "--- in this process (warm) ---",
           "LD_PRELOAD nop": "--- not isolated, spawned ---"}


def subreaper():
    """Make this process its descendants' reaper. NOTE: bwrap exits as soon as
    its init reports the program's status, without reaping that init: the
    orphan, and the CPU time of all it reaped (the program), would go to PID
    1 and be missed by RUSAGE_CHILDREN (PR_SET_CHILD_SUBREAPER, prctl(2))."""
    import ctypes

    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def timed(fn):
    """(wall ns, CPU ns) of FN() until every process it started is gone: this
    process's CPU time and its reaped descendants' (subreaper())."""
    def cpu():
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time_ns() + int((ru.ru_utime + ru.ru_stime) * 1e9)

    c, t = cpu(), time.perf_counter_ns()
    fn()
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    t = time.perf_counter_ns() - t
    return t, cpu() - c


# what a user's shell would hand the commands: this process's environment
# without the PYTHONPATH that may have brought it the checkout (the front door
# leaves a run to the Python CLI where that holds the package)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def spawn(argv, env=None):
    """Run ARGV (in ENV, default ENV), stdio on /dev/null; ValueError if it fails."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        pid = os.posix_spawn(argv[0], argv, ENV if env is None else env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)])
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(null)
    if status != 0:
        raise ValueError("%s exits with status %d" % (argv[0], os.waitstatus_to_exitcode(status)))


def checked(done):
    if done.returncode != 0:
        raise ValueError("exits with status %d" % done.returncode)


def front_door():
    """The argv that runs the Python CLI (pysandbox-py): the system's python3.X
    (this one's version) with this checkout and its site-packages first on
    sys.path, as the installed pysandbox-py script would run. Not this venv's
    script: an editable install's import finder costs more than the rest of
    the interpreter's start-up, and uid 65534 may not reach a venv in /root."""
    py = "/usr/bin/python%d.%d" % sys.version_info[:2]
    if not os.access(py, os.X_OK):
        py = sys.executable
    paths = [os.path.dirname(os.path.dirname(os.path.abspath(isolate.__file__)))] + \
        [p for p in sys.path if p.endswith("site-packages")]
    boot = "import sys; sys.path[:0] = %r; from pysandbox.cli import main; sys.exit(main())"
    return [py, "-I", "-c", boot % paths]


def installed(name):
    """The command NAME beside this interpreter, else in the checkout's venv
    (uid 65534 runs the bench with the system's python3.X)."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    checkout = os.path.dirname(os.path.dirname(os.path.abspath(isolate.__file__)))
    return here if os.path.exists(here) else os.path.join(checkout, ".venv", "bin", name)


def configurations(nop):
    """([(label, group, callable)], {label: why it is left out})."""
    bare = isolate.command(NAMES, [nop])
    cli = front_door()
    front = installed("pysandbox")
    box = Sandbox(isolate="all")
    quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = [
        ("bwrap", "spawned", lambda: spawn(bare)),
        ("command()+bwrap", "spawned", lambda: spawn(isolate.command(NAMES, [nop]))),
        ("pysandbox run", "spawned", lambda: spawn([front, "run", "--isolate=all", "--", nop])),
        ("pysandbox-py run", "spawned", lambda: spawn(cli + ["run", "--isolate=all", "--", nop])),
        ("subprocess bwrap", "in-process", lambda: checked(subprocess.run(bare, **quiet))),
        ("Sandbox.run", "in-process", lambda: checked(box.run([nop], **quiet))),
        ("LD_PRELOAD nop", "plain", lambda: spawn([nop], dict(ENV, LD_PRELOAD=libpath(),
                                                              SECCOMP_SYSCALL_DENY="ptrace"))),
        ("pysandbox run (no isolation)", "plain",
         lambda: spawn([front, "run", "--deny", "ptrace", "--", nop])),
    ]
    tools = {
        "firejail": ["--quiet", "--noprofile", "--read-only=/", "--private-tmp",
                     "--private-dev", "--net=none", "--ipc-namespace", "--hostname=pysandbox",
                     "--caps.drop=all", "--", nop],
        "nsjail": ["-Mo", "--quiet", "-R", "/", "-T", "/tmp", "--", nop],
    }
    missing = {}
    for name, args in tools.items():
        exe = shutil.which(name)
        if exe is None:
            missing[name] = "not installed"
        else:
            rows.insert(4, (name, "spawned", lambda argv=[exe] + args: spawn(argv)))
    for row in list(rows):  # as another user, some may not start
        try:
            row[2]()
        except (OSError, ValueError) as e:
            missing[row[0]] = "fails here: %s" % e
            rows.remove(row)
    return rows, missing


def main(out, runs=200):
    nop = os.path.abspath(os.path.join(out, "nop"))
    subreaper()
    rows, missing = configurations(nop)
    load = os.getloadavg()
    times = {label: [] for label, _, _ in rows}
    for i in range(WARMUP + runs):
        for label, _, fn in random.sample(rows, len(rows)):
            t = timed(fn)
            if i >= WARMUP:
                times[label].append(t)
    print("isolated start-up of %s as uid %d, %d interleaved runs each, %d CPUs, load "
          "average %.2f before, %.2f after (ms: median, p10)"
          % (nop, os.getuid(), runs, os.cpu_count(), load[0], os.getloadavg()[0]))
    print("  %-28s %17s %17s" % ("", "wall", "CPU"))

    def stat(label, k):
        xs = sorted(x[k] for x in times[label])
        return xs[runs // 2], xs[runs // 10]

    for label, group, _ in rows:
        if label in HEADERS:
            print("  " + HEADERS[label])
        cells = []
        for k in (0, 1):
            med, p10 = stat(label, k)
            base = stat(BASE[group], k)[0] if BASE[group] in times else None
            rel = "" if base is None or label == BASE[group] else \
                " %+5.0f%%" % (100.0 * (med - base) / base)
            cells.append("%7.2f %6.2f%-7s" % (med / 1e6, p10 / 1e6, rel))
        print("  %-28s %s %s" % (label, cells[0], cells[1]))
    for label, why in missing.items():
        print("  %-28s left out: %s" % (label, why))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
