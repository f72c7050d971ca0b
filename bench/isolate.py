"""Start-up of a program isolated in namespaces (README "Namespaces (bubblewrap)").

    PY isolate.py OUT [RUNS]        make -C bench isolate

Runs OUT/nop under each configuration, interleaved (one run of each per round,
in a new random order), the first WARMUP rounds dropped; prints wall-clock
median, p10 and p90 and the mean CPU time (wait4: the process and what it
waited for; bwrap's init and the program are its children) per configuration,
in ms, each beside bare bwrap's:

  bwrap            bare bwrap with the options isolate.command() writes (all
                   namespaces: net, pid, ipc, uts, and the view)
  isolate+bwrap    isolate.command() (with its user-namespace check) in this
                   process, then the same bwrap: what the module adds
  py -c nop        a Python launcher that only execs nop (the interpreter's cost)
  py -c isolate    a Python launcher that imports pysandbox.isolate and execs
                   command(): the road `pysandbox run --isolate` takes
  pysandbox run    `pysandbox run --isolate=all -- nop`, where that command exists
  firejail         firejail with the same namespaces and view, where installed
  nsjail           nsjail likewise, where installed

A configuration whose tool is missing or fails here is left out with the reason.
"""
import os
import random
import shutil
import subprocess
import sys
import time

from pysandbox import isolate

WARMUP = 10
NAMES = isolate.parse("all")

LAUNCH_NOP = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"
LAUNCH_ISOLATE = ("import os, sys\nfrom pysandbox import isolate\n"
                  "c = isolate.command(isolate.parse('all'), sys.argv[1:])\nos.execv(c[0], c)")


def spawn(argv):
    """Run ARGV, stdio on /dev/null: (wall ns, CPU ns of it and its children
    from wait4), ValueError if it fails."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        t = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, null, fd) for fd in (0, 1, 2)])
        _, status, ru = os.wait4(pid, 0)
        t = time.perf_counter_ns() - t
    finally:
        os.close(null)
    if status != 0:
        raise ValueError("%s exits with status %d" % (argv[0], os.waitstatus_to_exitcode(status)))
    return t, int((ru.ru_utime + ru.ru_stime) * 1e9)


def configurations(nop):
    """{label: callable returning a run's ns}, and {label: why it is left out}."""
    bare = isolate.command(NAMES, [nop])
    py = sys.executable
    have, missing = {}, {}
    have["bwrap"] = lambda: spawn(bare)
    have["isolate+bwrap"] = lambda: timed_command(nop)
    have["py -c nop"] = lambda: spawn([py, "-I", "-c", LAUNCH_NOP, nop])
    have["py -c isolate"] = lambda: spawn([py, "-I", "-c", LAUNCH_ISOLATE, nop])
    cli = os.path.join(os.path.dirname(py), "pysandbox")
    try:
        has_run = subprocess.run([cli, "run", "--help"], capture_output=True).returncode == 0
    except OSError:
        has_run = False
    if has_run:
        have["pysandbox run"] = lambda: spawn([cli, "run", "--isolate=all", "--", nop])
    else:
        missing["pysandbox run"] = "no `pysandbox run` in this version"
    tools = {
        "firejail": ["--quiet", "--noprofile", "--read-only=/", "--private-tmp",
                     "--private-dev", "--net=none", "--ipc-namespace", "--hostname=pysandbox",
                     "--caps.drop=all", "--", nop],
        "nsjail": ["-Mo", "--quiet", "-R", "/", "-T", "/tmp", "--", nop],
    }
    for label, run in list(have.items()):  # as another user, some may not start
        try:
            run()
        except (OSError, ValueError) as e:
            missing[label] = "fails here: %s" % e
            del have[label]
    for name, args in tools.items():
        exe = shutil.which(name)
        if exe is None:
            missing[name] = "not installed (apt-get install %s)" % name
            continue
        argv = [exe] + args
        try:
            spawn(argv)
        except (OSError, ValueError) as e:
            missing[name] = "fails here: %s" % e
            continue
        have[name] = lambda argv=argv: spawn(argv)
    return have, missing


def timed_command(nop):
    t = time.perf_counter_ns()
    c = time.process_time_ns()
    cmd = isolate.command(NAMES, [nop])
    t, c = time.perf_counter_ns() - t, time.process_time_ns() - c
    wall, cpu = spawn(cmd)
    return t + wall, c + cpu


def main(out, runs=200):
    nop = os.path.abspath(os.path.join(out, "nop"))
    have, missing = configurations(nop)
    times = {label: [] for label in have}
    for i in range(WARMUP + runs):
        order = list(have)
        random.shuffle(order)
        for label in order:
            t = have[label]()
            if i >= WARMUP:
                times[label].append(t)
    print("isolated start-up of %s as uid %d, %d runs each (ms): wall median p10 p90, "
          "CPU mean (its own and its children's)" % (nop, os.getuid(), runs))
    base = sorted(w for w, _ in times["bwrap"])[runs // 2]
    base_cpu = sum(c for _, c in times["bwrap"]) / runs
    for label, ts in times.items():
        wall = sorted(w for w, _ in ts)
        cpu = sum(c for _, c in ts) / runs
        print("  %-14s %7.3f %7.3f %7.3f  %+6.1f%%   cpu %7.3f %+6.1f%%" % (
            label, wall[runs // 2] / 1e6, wall[runs // 10] / 1e6, wall[runs * 9 // 10] / 1e6,
            100.0 * (wall[runs // 2] - base) / base,
            cpu / 1e6, 100.0 * (cpu - base_cpu) / base_cpu))
    for label, why in missing.items():
        print("  %-14s left out: %s" % (label, why))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
