"""report.py - run the helpers bench/Makefile built and print one report.

    $(PY) report.py OUT              (OUT: the helpers' directory, bench/out)
    $(PY) report.py --startup OUT    section 1 only (make -C bench startup)

PY must be the project's venv: the full allowlist is every x86_64 syscall
in pysandbox's own table. Timing happens in the C helpers; this only picks
the configurations, runs them and formats the tables:

  1. start-up: out/startup runs out/nop (fork + execve + waitpid) per configuration
  2. per syscall: out/loop (syscall(SYS_getppid) in batches) per configuration
  3. the filter for the full allowlist: size, kernel load time (out/load),
     user-space build time (out/filterbuild, out/ref_tool time)
  4. sandboxify's launch cost
  5. Docker's default profile (../shared/profiles/docker-default.json):
     SECCOMP_PROFILE against libseccomp building the same rules (the ones moby
     and runc would give it for this process: ref_rules() below)
  6. pysandbox learn vs strace -f -c on out/loop (LEARN_CALLS syscalls)
  7. Landlock start-up: a typical rule set (@base + 3 paths + 2 ports) over no
     sandbox and over SECCOMP-only, in libsandbox.so and in a landrun-style
     launcher that restricts itself and execs (out/llexec)
  8. the exec policy: fork, an allowed exec, a denied one (out/execloop), a
     shell loop of 1,000 /bin/true, and an allowed syscall (out/loop)

"ref" is ref_preload.c: the same SECCOMP_* interface built on libseccomp.
"""
import os
import platform
import statistics
import struct
import subprocess
import sys
import time

from pysandbox import _native

STARTUP_RUNS = 2000
LOOP_CALLS = 2000000
LOOP_REPS = 5
LOAD_RUNS = 500
BUILD_ITERS_OURS = 2000
BUILD_ITERS_REF = 200
LEARN_CALLS = int(os.environ.get("LEARN_CALLS", 1000000))
SMALL = "getppid:write:newfstatat:fstat:clock_gettime:exit_group"  # what out/loop needs
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "pysandbox", "libsandbox.so")
DOCKER = os.path.join(os.path.dirname(ROOT), "shared", "profiles", "docker-default.json")


def clean_env(extra):
    """This environment minus LD_PRELOAD and SECCOMP_*, plus EXTRA."""
    env = {k: v for k, v in os.environ.items()
           if k != "LD_PRELOAD" and not k.startswith("SECCOMP_")}
    env.update(extra)
    return env


def run(argv, env=None):
    """stdout of ARGV, run in the clean environment plus ENV; exit on failure."""
    p = subprocess.run(argv, env=clean_env(env or {}), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit("bench: %s failed (status %d): %s"
                 % (" ".join(argv)[:100], p.returncode, p.stderr.strip()))
    return p.stdout


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    return "Linux %s %s, %s, %d CPUs, load average %s" % (
        platform.release(), platform.machine(), cpu, os.cpu_count(), load)


def delta(value, base, is_base):
    return "%10s" % "-" if is_base else "%+10.1f" % (value - base)


def check_filtered(rows):
    """A preload that fails to load only gets a warning from ld.so: make sure
    every configuration with a policy really runs under a filter (one with
    SANDBOX_FS_* rules: that /etc/shadow cannot be read)."""
    for _tag, name, env in rows:
        if any(k.startswith("SANDBOX_FS_") for k in env):
            p = subprocess.run(["head", "-c0", "/etc/shadow"], env=clean_env(env),
                               stderr=subprocess.PIPE, text=True)
            if p.returncode == 0 or "Permission denied" not in p.stderr:
                sys.exit("bench: %s: /etc/shadow is readable: no Landlock domain" % name)
            continue
        want = "2" if set(env) - {"LD_PRELOAD"} else "0"
        got = run(["grep", "^Seccomp:", "/proc/self/status"], env).split()[1]
        if got != want:
            sys.exit("bench: %s: 'Seccomp: %s' in /proc/self/status, expected %s"
                     % (name, got, want))


def startup(out, rows):
    """Section 1; returns {tag: median overhead in us}."""
    check_filtered(rows)
    argv = [os.path.join(out, "startup"), str(STARTUP_RUNS), os.path.join(out, "nop")]
    for tag, _, env in rows:
        argv += ["--", tag] + ["%s=%s" % kv for kv in env.items()]
    res = {}
    for line in run(argv).splitlines():
        f = line.split()
        res[f[0]] = [float(x) for x in f[2:8]]  # mean, median, p10, p90, cpu, faults
    base = res[rows[0][0]]
    print()
    print("1. Start-up: fork+execve+waitpid of a dynamic `int main(void) { return 0; }`,")
    print("   %d runs per row, interleaved in random order; microseconds per process"
          % STARTUP_RUNS)
    print("   (cpu: the child's mean user + system time; faults: its mean minor page faults)")
    print("   %-38s %8s %8s %14s %10s %10s %8s %7s" % ("", "mean", "median", "p10 .. p90",
                                                       "+median", "+mean", "cpu", "faults"))
    for tag, name, _ in rows:
        mean, med, p10, p90, cpu, faults = res[tag]
        first = tag == rows[0][0]
        print("   %-38s %8.1f %8.1f %6.0f .. %-5.0f %s %s %8.1f %7.1f" % (
            "%s. %s" % (tag, name), mean, med, p10, p90,
            delta(med, base[1], first), delta(mean, base[0], first), cpu, faults))
    return {tag: res[tag][1] - base[1] for tag in res}


def loop(out, rows):
    """Section 2; returns {tag: best-case overhead in ns}."""
    samples = {tag: [] for tag, _, _ in rows}
    for _ in range(LOOP_REPS):
        for tag, _, env in rows:
            best, median = run([os.path.join(out, "loop"), str(LOOP_CALLS)], env).split()
            samples[tag].append((float(best), float(median)))
    res = {tag: (min(s[0] for s in v), statistics.median(s[1] for s in v))
           for tag, v in samples.items()}
    base = res[rows[0][0]]
    print()
    print("2. Per-syscall cost of an allowed syscall: syscall(SYS_getppid, 0, ...) x %d per"
          " run," % LOOP_CALLS)
    print("   (rows f, g: its one argument condition means the BPF runs on every call;")
    print("   otherwise the kernel's action cache answers)")
    print("   timed in batches of 10000 (best batch, median batch); %d runs per row,"
          % LOOP_REPS)
    print("   interleaved; ns per call")
    print("   %-38s %8s %8s %10s %10s" % ("", "best", "median", "+best", "+median"))
    for tag, name, _ in rows:
        best, med = res[tag]
        first = tag == rows[0][0]
        print("   %-38s %8.1f %8.1f %s %s" % (
            "%s. %s" % (tag, name), best, med,
            delta(best, base[0], first), delta(med, base[1], first)))
    return {tag: res[tag][0] - base[0] for tag in res}


def filters(out, full, ref_full):
    """Section 3; returns {kind: instructions}."""
    ref_tool = os.path.join(out, "ref_tool")
    names = {
        "ours": "libsandbox.so (pysandbox compile)",
        "ref": "libseccomp, default (what ref loads)",
        "ref-tree": "libseccomp, CTL_OPTIMIZE=2 (b-tree)",
        "one": "1-insn allow-all (kernel's floor)",
    }
    files = {k: os.path.join(out, k + ".bpf") for k in names}
    run([sys.executable, "-m", "pysandbox.cli", "compile", "-o", files["ours"]],
        {"SECCOMP_SYSCALL_ALLOW": full})
    run([ref_tool, "export", files["ref"]], {"SECCOMP_SYSCALL_ALLOW": ref_full})
    run([ref_tool, "-t", "export", files["ref-tree"]], {"SECCOMP_SYSCALL_ALLOW": ref_full})
    with open(files["one"], "wb") as f:
        f.write(struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000))  # BPF_RET|BPF_K, ALLOW

    insns, parse, compile_ = run([os.path.join(out, "filterbuild"), str(BUILD_ITERS_OURS)],
                                 {"SECCOMP_SYSCALL_ALLOW": full}).split()
    parse, compile_ = float(parse), float(compile_)
    build = {"ours": "%.1f (parse %.1f + compile %.1f)" % (parse + compile_, parse, compile_),
             "one": "-"}
    for k, flags in (("ref", []), ("ref-tree", ["-t"])):
        build[k] = "%.1f" % float(run([ref_tool] + flags + ["time", str(BUILD_ITERS_REF)],
                                      {"SECCOMP_SYSCALL_ALLOW": ref_full}))
    load = {}
    lines = run([os.path.join(out, "load"), str(LOAD_RUNS)] + list(files.values()))
    for k, line in zip(files, lines.splitlines()):
        f = line.split()
        load[k] = (int(f[1]), float(f[2]), float(f[3]), float(f[4]))
    if int(insns) != load["ours"][0]:  # csrc/ changed since `make build`?
        build["ours"] += " [csrc/ now: %s insns]" % insns

    print()
    print("3. The filter for the full allowlist: size; kernel load time (seccomp(2) in a")
    print("   fresh child: check, JIT, fill the action cache; median of %d); user-space"
          % LOAD_RUNS)
    print("   build time (parse the list + generate the BPF, %d/%d iterations)"
          % (BUILD_ITERS_OURS, BUILD_ITERS_REF))
    print("   %-38s %6s %8s %14s  %s" % ("", "insns", "load us", "p10 .. p90", "build us"))
    for k, name in names.items():
        n, med, p10, p90 = load[k]
        print("   %-38s %6d %8.1f %6.0f .. %-5.0f  %s" % (name, n, med, p10, p90, build[k]))
    return {k: v[0] for k, v in load.items()}


def ref_rules(path, out):
    """The rules moby + runc would hand libseccomp for the profile at PATH in this
    process (its capabilities, this kernel), written for ref_preload.c; returns
    the file's name. Bench-side only: it decides includes/excludes as moby does."""
    import errno
    import json

    with open(path) as f:
        profile = json.load(f)
    host = _native.probe_host()
    caps = {n for i, n in enumerate(_native.cap_names()) if host.caps >> i & 1}
    kernel = host.kernel
    goarch = _native.arch_oci_name()
    ops = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
           "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}

    def action(word, ret):
        ret = errno.EPERM if ret is None else ret
        return {"SCMP_ACT_KILL": 0, "SCMP_ACT_KILL_THREAD": 0, "SCMP_ACT_KILL_PROCESS": 0x80000000,
                "SCMP_ACT_TRAP": 0x30000, "SCMP_ACT_ERRNO": 0x50000 | ret,
                "SCMP_ACT_TRACE": 0x7FF00000 | ret, "SCMP_ACT_LOG": 0x7FFC0000,
                "SCMP_ACT_ALLOW": 0x7FFF0000}[word]

    def ver(text):
        return tuple(map(int, text.split(".")))

    def applies(c):
        inc, exc = c.get("includes") or {}, c.get("excludes") or {}
        return not (goarch in (exc.get("arches") or []) or set(exc.get("caps") or []) & caps
                    or (exc.get("minKernel") and kernel >= ver(exc["minKernel"]))
                    or (inc.get("arches") and goarch not in inc["arches"])
                    or set(inc.get("caps") or []) - caps
                    or (inc.get("minKernel") and kernel < ver(inc["minKernel"])))

    default = action(profile["defaultAction"], profile.get("defaultErrnoRet"))
    lines = ["default %#x" % default]
    for c in profile["syscalls"]:
        act = action(c["action"], c.get("errnoRet"))
        if not applies(c) or act == default:
            continue
        args = c.get("args") or []
        split = len({a["index"] for a in args}) < len(args)
        for name in c.get("names") or [c["name"]]:
            for conds in ([[a] for a in args] if split else [args]):
                lines.append(" ".join(["%#x %s" % (act, name)] + [
                    "%d %d %d %d" % (a["index"], ops[a["op"]], a["value"], a.get("valueTwo", 0))
                    for a in conds]))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    return out


def docker_profile(out, start):
    """Section 5; START: section 1's overheads."""
    rules = ref_rules(DOCKER, os.path.join(out, "docker.rules"))
    ref_tool = os.path.join(out, "ref_tool")
    files = {k: os.path.join(out, "docker-%s.bpf" % k) for k in ("ours", "ref")}
    run([sys.executable, "-m", "pysandbox.cli", "compile", "-o", files["ours"]],
        {"SECCOMP_PROFILE": DOCKER})
    run([ref_tool, "export", files["ref"]], {"SECCOMP_REF_RULES": rules})
    insns, parse, compile_ = run([os.path.join(out, "filterbuild"), str(BUILD_ITERS_OURS)],
                                 {"SECCOMP_PROFILE": DOCKER}).split()
    ref_build = float(run([ref_tool, "time", str(BUILD_ITERS_REF)], {"SECCOMP_REF_RULES": rules}))
    load = {}
    for k, line in zip(files, run([os.path.join(out, "load"), str(LOAD_RUNS)]
                                  + list(files.values())).splitlines()):
        load[k] = (int(line.split()[1]), float(line.split()[2]))
    print()
    print("5. Docker's default profile (%s, %d bytes), for this process's capabilities;"
          % (os.path.basename(DOCKER), os.path.getsize(DOCKER)))
    print("   ref: libseccomp given the same rules as runc would (%s)" % os.path.basename(rules))
    print("   %-38s %10s %10s" % ("", "ours", "ref"))
    print("   %-38s %10s %10d" % ("filter size, instructions", insns, load["ref"][0]))
    print("   %-38s %10.1f %10.1f" % ("build in user space (warm), us", float(parse) +
                                       float(compile_), ref_build))
    print("   %-38s %10s" % ("  of which JSON + profile -> rules", "%.1f" % float(parse)))
    print("   %-38s %10.1f %10.1f" % ("kernel seccomp() load, us (median)", load["ours"][1],
                                       load["ref"][1]))
    print("   %-38s %+10.1f %+10.1f" % ("process start vs no sandbox, us", start["b2"],
                                         start["c2"]))
    print("   %-38s %+10.1f %+10.1f" % ("process start vs the preload, no policy",
                                         start["b2"] - start["b0"], start["c2"] - start["c0"]))
    return float(parse) + float(compile_)


STATIC_ALLOW = ("arch_prctl:brk:set_tid_address:set_robust_list:rseq:prlimit64:mprotect:"
                "getrandom:newfstatat:ioctl:readlink:write:exit_group")
LAUNCH_RUNS = 150


def interleaved(rows, runs, warm, scale, quantile=0.5):
    """{key: the QUANTILE (median) time} of each row's FN (ROWS: (key, label,
    fn)), RUNS runs each after WARM unmeasured ones, rows in a new random order
    every round; times in seconds * SCALE. QUANTILE a tuple: {key: tuple}."""
    import random
    import time

    times = {key: [] for key, _, _ in rows}
    for i in range(runs + warm):
        order = list(rows)
        random.shuffle(order)
        for key, _, fn in order:
            t = time.perf_counter()
            fn()
            if i >= warm:
                times[key].append((time.perf_counter() - t) * scale)
    qs = quantile if isinstance(quantile, tuple) else (quantile,)
    out = {k: tuple(sorted(v)[int(len(v) * q)] for q in qs) for k, v in times.items()}
    return out if isinstance(quantile, tuple) else {k: v[0] for k, v in out.items()}


def launch(rows):
    """Median wall time (ms) of each argv, interleaved; subprocess's own cost
    is the same for every row and cancels in the differences."""
    import subprocess

    env = dict(os.environ, SECCOMP_SYSCALL_ALLOW=STATIC_ALLOW)
    med = interleaved([(key, label, lambda argv=argv: subprocess.run(
        argv, env=env, stdout=subprocess.DEVNULL, check=True)) for key, label, argv in rows],
        LAUNCH_RUNS, 5, 1e3)
    print()
    print("4. sandboxify launch: the README's static hello, %d runs per row, interleaved;"
          % LAUNCH_RUNS)
    print("   median ms per run (Python's own start shown for comparison)")
    for key, label, _ in rows:
        print("   %-44s %7.2f" % ("%s. %s" % (key, label), med[key]))
    return med


def learn(out):
    """Wall time of one traced run each: strace -f -c, then pysandbox learn."""
    import time

    loop = [os.path.join(out, "loop"), str(LEARN_CALLS)]
    pysandbox = os.path.join(os.path.dirname(sys.executable), "pysandbox")
    rows = [("strace -f -c -o /dev/null", ["strace", "-f", "-c", "-o", "/dev/null"] + loop),
            ("pysandbox learn -o /dev/null", [pysandbox, "learn", "-o", "/dev/null", "--"] + loop),
            ("pysandbox learn --exec -o /dev/null",
             [pysandbox, "learn", "--exec", "-o", "/dev/null", "--"] + loop)]
    print()
    print("6. Learning what a program calls: out/loop making %d getppid calls, traced;"
          % LEARN_CALLS)
    print("   wall seconds, one run each (LEARN_CALLS=N make bench to change N)")
    times = {}
    base = time.perf_counter()
    run(loop)
    bare = time.perf_counter() - base
    print("   %-44s %8.2f" % ("untraced", bare))
    for label, argv in rows:
        t = time.perf_counter()
        run(argv)
        times[label] = time.perf_counter() - t
        print("   %-44s %8.2f  (%.2fx strace)" % (label, times[label],
                                                 times[label] / times[rows[0][0]]))
    return times[rows[1][0]] / times[rows[0][0]]


def own_cost(start):
    """libsandbox.so's own start-up cost: beyond an empty preloaded library."""
    print("libsandbox.so over empty preload (full allowlist): %+.0f us per process start "
          "(median; no policy: %+.0f us)" % (start["b"] - start["a1"], start["b0"] - start["a1"]))


# issue 13's typical rule set: @base + 3 paths + 2 ports
LANDLOCK = {"SANDBOX_FS_EXEC": "@base", "SANDBOX_FS_READ": "/etc/hostname:/etc/hosts",
            "SANDBOX_FS_WRITE": "/tmp", "SANDBOX_NET_CONNECT": "443:8080"}


def landlock(out):
    """Section 7: {tag: median overhead in us}."""
    nop = os.path.join(out, "nop")
    full = ":".join(sorted(_native.syscalls()))
    start = startup(out, [
        ("a", "no sandbox", {}),
        ("s", "libsandbox.so, SECCOMP full allowlist", {"LD_PRELOAD": LIB,
                                                         "SECCOMP_SYSCALL_ALLOW": full}),
        ("l", "libsandbox.so, Landlock typical set", dict(LANDLOCK, LD_PRELOAD=LIB)),
        ("ls", "libsandbox.so, Landlock + SECCOMP full", dict(LANDLOCK, LD_PRELOAD=LIB,
                                                              SECCOMP_SYSCALL_ALLOW=full)),
    ])
    argv = [os.path.join(out, "startup"), str(STARTUP_RUNS), os.path.join(out, "llexec"),
            "--", "x", "LLEXEC_TARGET=" + nop,
            "--", "xl", "LLEXEC_TARGET=" + nop] + ["%s=%s" % kv for kv in dict(
                LANDLOCK, SANDBOX_FS_EXEC="@base:" + nop).items()]  # its exec needs the file
    res = {f[0]: float(f[3]) for f in (line.split() for line in run(argv).splitlines())}
    print("   launcher exec (out/llexec execs out/nop), median: no rules %.1f, "
          "restrict then exec %.1f (%+.1f us)" % (res["x"], res["xl"], res["xl"] - res["x"]))
    steps = os.path.join(out, "llsteps")
    for name, env in (("typical set", LANDLOCK), ("typical set + SECCOMP full",
                                                  dict(LANDLOCK, SECCOMP_SYSCALL_ALLOW=full)),
                      ("SECCOMP full alone", {"SECCOMP_SYSCALL_ALLOW": full})):
        print("   steps in a fresh child (out/llsteps, median us), %s: %s"
              % (name, run([steps, "1000"] + ["%s=%s" % kv for kv in env.items()]).strip()))
    print("Landlock (@base + 3 paths + 2 ports): libsandbox.so %+.0f us per process start "
          "over no sandbox, %+.0f us over SECCOMP-only (full allowlist); both layers %+.0f us; "
          "landrun-style launcher %+.0f us" % (start["l"], start["ls"] - start["s"],
                                               start["ls"], res["xl"] - res["x"]))
    return start


EXEC_RUNS = 1000
TRUE_LOOP = "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done"


def exec_policy(out):
    """Section 8: the exec policy's costs, libsandbox.so with and without it."""
    nop = os.path.join(out, "nop")
    bare = {"LD_PRELOAD": LIB}
    policy = {"LD_PRELOAD": LIB, "SANDBOX_EXEC_DENY": nop + " deny:git push"}
    res = {}
    for _ in range(10):  # interleaved: drift hits both alike
        for tag, env in (("bare", bare), ("policy", policy)):
            for line in run([os.path.join(out, "execloop"), str(EXEC_RUNS // 10), nop],
                            env).splitlines():
                name, us = line.split()
                res.setdefault((tag, name), []).append(float(us))
    med = {k: statistics.median(v) for k, v in res.items()}
    shell = {"bare": [], "policy": []}
    for _ in range(3):
        for tag, env in (("bare", bare), ("policy", policy)):
            t0 = time.monotonic()
            run(["/bin/sh", "-c", TRUE_LOOP], env)
            shell[tag].append((time.monotonic() - t0) * 1e3)
    print()
    print("8. The exec policy (SANDBOX_EXEC_DENY, the ptrace supervisor); libsandbox.so "
          "preloaded in both columns; out/execloop, %d runs each in 10 interleaved rounds, the "
          "median round's median, us" % EXEC_RUNS)
    print("   (%s)" % machine())
    print("   %-44s %10s %10s %10s" % ("", "no policy", "policy", "+"))
    # a denied exec fails: its bare counterpart is an exec that fails (ENOENT)
    for name, base, what in (("fork", "fork", "fork + _exit + wait"),
                             ("exec", "exec", "fork + allowed exec of out/nop + wait"),
                             ("enoent", "enoent", "fork + exec of a missing file + _exit"),
                             ("denied", "enoent", "fork + denied exec (EACCES) + _exit")):
        b, p = med[("bare", base)], med[("policy", name)]
        print("   %-44s %10.1f %10.1f %+10.1f" % (what, b, p, p - b))
    b, p = min(shell["bare"]), min(shell["policy"])
    print("   %-44s %10.0f %10.0f %+10.0f  (ms, best of 3)" % (
        "sh: 1,000 /bin/true in a loop", b, p, p - b))
    call = loop(out, [("a", "libsandbox.so, no policy", bare),
                      ("f", "libsandbox.so, a filter (DENY=kexec_load)",
                       dict(bare, SECCOMP_SYSCALL_DENY="kexec_load")),
                      ("x", "libsandbox.so, exec policy", policy)])
    print("Exec policy: %+.0f us per allowed exec, %+.0f us per fork, a denied exec %+.0f us "
          "over a failing one; 1,000 /bin/true %+.2f ms per exec (sandlock publishes "
          "7 ms sandboxed vs 2 ms bare for its echo); %+.1f ns per other syscall over "
          "any filter" % (med[("policy", "exec")] - med[("bare", "exec")],
                          med[("policy", "fork")] - med[("bare", "fork")],
                          med[("policy", "denied")] - med[("bare", "enoent")],
                          (p - b) / 1000, call["x"] - call["f"]))
PY_RUNS = 400


def python_api():
    """Section 9: Sandbox.run(["/bin/true"]) against subprocess.run, and
    Sandbox.call(f) against a bare fork, interleaved: median and 10th
    percentile wall time, with the load average before and after (the
    machine's other work inflates both). The b and d rows are the steady
    state (the same environment and program each run: what Sandbox.run
    remembers, and call()'s filter, made once); the primed rows make it anew
    each time (a new environment; a new Sandbox). d's answer, an int, crosses
    as itself; e's, a list, as a pickle (call()'s other road)."""
    import subprocess

    from pysandbox import Sandbox

    box = Sandbox(deny=["ptrace"])
    box_call = Sandbox(deny=["ptrace"])
    fresh = iter(range(1 << 30))

    def new_env():
        return dict(os.environ, BENCH_RUN=str(next(fresh)))

    def bare_fork():
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

    rows = [
        ("a", "subprocess.run(['/bin/true'])", lambda: subprocess.run(["/bin/true"])),
        ("b", "Sandbox(deny=['ptrace']).run(['/bin/true'])", lambda: box.run(["/bin/true"])),
        ("a'", "subprocess.run(..., env=a new dict)",
         lambda: subprocess.run(["/bin/true"], env=new_env())),
        ("b'", "Sandbox.run(..., env=a new dict)", lambda: box.run(["/bin/true"], env=new_env())),
        ("c", "os.fork() + os._exit(0) + waitpid", bare_fork),
        ("d", "Sandbox(deny=['ptrace']).call(f), f returns 0", lambda: box_call.call(int)),
        ("e", "the same, f returns [] (a pickle)", lambda: box_call.call(list)),
        ("d'", "a new Sandbox(deny=['ptrace']).call(f)",
         lambda: Sandbox(deny=["ptrace"]).call(int)),
    ]
    load = os.getloadavg()[0]
    both = interleaved(rows, PY_RUNS, 10, 1e6, (0.5, 0.1))
    med = {k: v[0] for k, v in both.items()}
    print()
    print("9. Python API: %d runs per row, interleaved; us per run: median, 10th percentile; "
          "load average %.2f before, %.2f after" % (PY_RUNS, load, os.getloadavg()[0]))
    for key, label, _ in rows:
        print("   %-56s %8.0f %8.0f" % (("%s. %s" % (key, label),) + both[key]))
    for i, what in enumerate(("median", "10th percentile")):
        print("   %s: Sandbox.run over subprocess.run %+.0f us (b - a; a new environment: "
              "%+.0f, b' - a'); Sandbox.call over a bare fork %+.0f us (d - c; a pickled "
              "answer: %+.0f, e - c; a new Sandbox: %+.0f, d' - c)"
              % (what, both["b"][i] - both["a"][i], both["b'"][i] - both["a'"][i],
                 both["d"][i] - both["c"][i], both["e"][i] - both["c"][i],
                 both["d'"][i] - both["c"][i]))
    return med


def main():
    args = sys.argv[1:]
    quick = "--startup" in args
    if "--landlock" in args:
        landlock(os.path.abspath(args[-1]))
        return
    if "--exec" in args:
        exec_policy(os.path.abspath(args[-1]))
        return
    if "--python" in args:
        python_api()
        return
    args = [a for a in args if a != "--startup"]
    out = os.path.abspath(args[0] if args else "out")
    ref = os.path.join(out, "ref_preload.so")
    table = _native.syscalls()
    full = ":".join(sorted(table))
    if quick:
        own_cost(startup(out, [
            ("a", "no sandbox", {}),
            ("a1", "LD_PRELOAD of an empty .so", {"LD_PRELOAD": os.path.join(out, "empty.so")}),
            ("b0", "libsandbox.so, no policy", {"LD_PRELOAD": LIB}),
            ("b", "libsandbox.so, full allowlist",
             {"LD_PRELOAD": LIB, "SECCOMP_SYSCALL_ALLOW": full})]))
        return
    # What this libseccomp cannot resolve goes to it as numbers: the same set.
    unknown = set(run([os.path.join(out, "ref_tool"), "unknown"],
                      {"SECCOMP_SYSCALL_ALLOW": full}).split())
    ref_full = ":".join(str(table[n]) if n in unknown else n for n in sorted(table))
    version = run([os.path.join(out, "ref_tool"), "version"]).strip()
    ours = {"LD_PRELOAD": LIB, "SECCOMP_SYSCALL_ALLOW": full}
    # the same list with getppid allowed only for arg0 == 0: a filter that must run
    cond = full.replace(":getppid:", ":getppid(arg0 == 0):")
    ref_cond = ref_full.replace(":getppid:", ":getppid(arg0 == 0):")
    refs = {"LD_PRELOAD": ref, "SECCOMP_SYSCALL_ALLOW": ref_full}
    small = len(SMALL.split(":"))

    print("pysandbox benchmark: %s" % machine())
    print("full allowlist: all %d x86_64 syscalls in pysandbox's table (libseccomp %s "
          "resolves %d of the names; the other %d are given to it as numbers)"
          % (len(table), version, len(table) - len(unknown), len(unknown)))
    print("ref: bench/ref_preload.c, the same SECCOMP_* interface on libseccomp "
          "(seccomp_init + seccomp_rule_add, seccomp_load right before main)")

    start = startup(out, [
        ("a", "no sandbox", {}),
        ("a1", "LD_PRELOAD of an empty .so", {"LD_PRELOAD": os.path.join(out, "empty.so")}),
        ("b0", "libsandbox.so, no policy", {"LD_PRELOAD": LIB}),
        ("b", "libsandbox.so, full allowlist", ours),
        ("c0", "ref, no policy", {"LD_PRELOAD": ref}),
        ("c", "ref, full allowlist", refs),
        ("b2", "libsandbox.so, Docker's default profile",
         {"LD_PRELOAD": LIB, "SECCOMP_PROFILE": DOCKER}),
        ("c2", "ref, Docker's default profile",
         {"LD_PRELOAD": ref, "SECCOMP_REF_RULES": ref_rules(DOCKER, os.path.join(
             out, "docker.rules"))}),
    ])
    call = loop(out, [
        ("a", "no filter", {}),
        ("b", "libsandbox.so, full allowlist", ours),
        ("c", "ref, full allowlist", refs),
        ("d", "libsandbox.so, %d-syscall allowlist" % small,
         dict(ours, SECCOMP_SYSCALL_ALLOW=SMALL)),
        ("e", "ref, %d-syscall allowlist" % small, dict(refs, SECCOMP_SYSCALL_ALLOW=SMALL)),
        ("f", "libsandbox.so, full, getppid(arg0 == 0)", dict(ours, SECCOMP_SYSCALL_ALLOW=cond)),
        ("g", "ref, full, getppid(arg0 == 0)", dict(refs, SECCOMP_SYSCALL_ALLOW=ref_cond)),
    ])
    insns = filters(out, full, ref_full)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hello = os.path.join(root, "helloworld", "helloworld-static")
    import sysconfig

    lean = ("import sys; sys.path[:0] = [%r, %r]; from pysandbox.sandboxify import main; "
            "sys.exit(main())" % (root, sysconfig.get_path("purelib")))
    py = sys.executable
    med = launch([
        ("a", "static hello, bare", [hello]),
        ("p", "python -I -S -c pass", [py, "-I", "-S", "-c", "pass"]),
        ("p1", "python -c pass (site, this venv)", [py, "-c", "pass"]),
        ("s", "sandboxify hello (-I -S, package on path)", [py, "-I", "-S", "-c", lean, hello]),
        ("s1", "sandboxify hello (the installed script)",
         [os.path.join(os.path.dirname(py), "sandboxify"), hello]),
    ])
    own = med["s"] - med["p"] - med["a"]
    docker_build = docker_profile(out, start)
    learn_ratio = learn(out)
    print()
    print("7. Landlock start-up")
    landlock(out)
    exec_policy(out)
    api = python_api()

    print()
    print("Summary, full allowlist vs no sandbox: libsandbox.so %+.0f us per process start "
          "(median), %+.0f ns per allowed syscall (best), %d-instruction filter; "
          "libseccomp ref %+.0f us, %+.0f ns, %d instructions"
          % (start["b"], call["b"], insns["ours"], start["c"], call["c"], insns["ref"]))
    own_cost(start)
    print("Argument-filtered getppid in the full allowlist: libsandbox.so %+.0f ns per call, "
          "libseccomp ref %+.0f ns" % (call["f"], call["g"]))
    print("sandboxify: %.2f ms of its own per launch beyond python -I -S and the program "
          "(s - p - a); the installed script adds site.py's %.2f ms (p1 - p)"
          % (own, med["p1"] - med["p"]))
    print("learn: %.2fx the time of strace -f -c on the same %d syscalls"
          % (learn_ratio, LEARN_CALLS))
    print("Docker's default profile: libsandbox.so %+.0f us per process start over no "
          "sandbox (%+.0f us over libsandbox.so without a policy; parse + compile %.0f us "
          "warm); libseccomp ref %+.0f us" % (start["b2"], start["b2"] - start["b0"],
                                              docker_build, start["c2"]))
    print("Python API: Sandbox.run(['/bin/true']) %+.0f us over subprocess.run, "
          "Sandbox.call(f) %+.0f us over a bare fork" % (api["b"] - api["a"],
                                                         api["d"] - api["c"]))


if __name__ == "__main__":
    main()
