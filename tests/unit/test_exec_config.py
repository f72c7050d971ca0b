"""The exec policy's variables as the one loader reads them (csrc/core/exec.c):
rules, quoting, every error line, the verdict on one exec, and the seccomp
rules the layer adds. Pure: tests/e2e/test_exec_policy.py runs programs."""
import pytest

from pysandbox import PolicyError, _native
from pysandbox._native_cffi import ffi, lib

HOST = _native.host(0, (6, 18))
TRACE, EPERM_ACT = lib.SB_ACT_TRACE, lib.SB_ACT_ERRNO | 1


def load(**env):
    cfg, _ = _native._load(env, "x86_64", HOST, True)
    return cfg


def rules(cfg):
    x = cfg.exec
    out = []
    for i in range(x.nrules):
        buf, var = ffi.new("char[]", 512), ffi.new("char **")
        lib.sb_exec_rule_text(ffi.addressof(x), i, buf, 512, ffi.cast("const char **", var))
        out.append((ffi.string(var[0]).decode(), ffi.string(buf).decode(), x.rules[i].item))
    return out


def judge(cfg, path, argv, resolved="", ids=None, dev=0, ino=0):
    """The verdict: "allowed", "unlisted" or the text of the refusing rule."""
    words = [argv[0].rsplit("/", 1)[-1]] + list(argv[1:])
    keep = ffi.new("char[]", b"".join(w.encode()[:lib.SB_EXEC_KEEP] + b"\0" for w in words))
    p, r = ffi.new("char[]", path.encode()), ffi.new("char[]", resolved.encode())
    s = ffi.new("struct sb_exec_subject *", {"path": p, "resolved": r, "dev": dev, "ino": ino,
                                             "words": keep, "argc": len(words)})
    c_ids = ffi.new("uint64_t[]", ids) if ids else ffi.NULL
    v = lib.sb_exec_judge(ffi.addressof(cfg.exec), c_ids, s)
    if v == lib.SB_EXEC_ALLOWED:
        return "allowed"
    if v == lib.SB_EXEC_UNLISTED:
        return "unlisted"
    return rules(cfg)[v][1]


def test_rules_and_quoting():
    cfg = load(SANDBOX_EXEC_DENY="git push:/usr/bin/rm -rf: 'my prog' 'a b':"
               "x \"q\\\"uote\":y a\\:b\\ c:z ''")
    assert cfg.layers & lib.SB_LAYER_EXEC
    assert rules(cfg) == [("SANDBOX_EXEC_DENY", "git push", 1),
                          ("SANDBOX_EXEC_DENY", "/usr/bin/rm -rf", 2),
                          ("SANDBOX_EXEC_DENY", "my prog a b", 3),
                          ("SANDBOX_EXEC_DENY", 'x q"uote', 4),
                          ("SANDBOX_EXEC_DENY", "y a:b c", 5),
                          ("SANDBOX_EXEC_DENY", "z ", 6)]
    x = cfg.exec
    assert [x.rules[i].nwords for i in range(6)] == [1, 1, 1, 1, 1, 1]
    assert x.rules[2].nwords == 1 and x.max_words == 1 and not x.has_allow


def test_empty_allow_lets_nothing_run():
    cfg = load(SANDBOX_EXEC_ALLOW="")
    assert cfg.exec.has_allow and cfg.exec.nrules == 0
    assert judge(cfg, "/bin/true", ["true"]) == "unlisted"


def test_no_exec_variable_no_layer():
    cfg = load(SECCOMP_SYSCALL_DENY="ptrace")
    assert not cfg.layers & lib.SB_LAYER_EXEC


@pytest.mark.parametrize("env,line", [
    ({"SANDBOX_EXEC_DENY": "git::ls"}, "SANDBOX_EXEC_DENY: empty rule '' (item 2)"),
    ({"SANDBOX_EXEC_DENY": "git:"}, "SANDBOX_EXEC_DENY: empty rule '' (item 2)"),
    ({"SANDBOX_EXEC_DENY": "  "}, "SANDBOX_EXEC_DENY: empty rule '' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "bin/ls"}, "SANDBOX_EXEC_ALLOW: not an absolute path 'bin/ls' "
                                       "(item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "./ls"}, "SANDBOX_EXEC_ALLOW: not an absolute path './ls' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "/usr/bin/"}, "SANDBOX_EXEC_ALLOW: a directory, not a program "
                                          "'/usr/bin/' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": ".."}, "SANDBOX_EXEC_ALLOW: not a program name '..' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "'' x"}, "SANDBOX_EXEC_ALLOW: an empty program name '' (item 1)"),
    ({"SANDBOX_EXEC_DENY": "git 'push"}, "SANDBOX_EXEC_DENY: unterminated quote ''push' "
                                         "(item 1)"),
    ({"SANDBOX_EXEC_DENY": "a " + "w " * 9}, "SANDBOX_EXEC_DENY: more argv words than fit "
                                             "'w' (item 1)"),
    ({"SANDBOX_EXEC_DENY": ":".join("p%d" % i for i in range(65))},
     "SANDBOX_EXEC_DENY: more rules than fit 'p64' (item 65)"),
    ({"SANDBOX_EXEC_DENI": "git"}, "SANDBOX_EXEC_DENI: unknown variable"),
    ({"SANDBOX_EXECALLOW": "git"}, "SANDBOX_EXECALLOW: unknown variable"),
    ({"SANDBOX_EXEC_ALLOW": "git status", "SANDBOX_EXEC_DENY": "git push"},
     "SANDBOX_EXEC_DENY: can never match: SANDBOX_EXEC_ALLOW lets none of it run "
     "'git push' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "git push -f", "SANDBOX_EXEC_DENY": "git push"},
     "SANDBOX_EXEC_ALLOW: can never match: SANDBOX_EXEC_DENY refuses all of it "
     "'git push -f' (item 1)"),
    ({"SANDBOX_EXEC_ALLOW": "", "SANDBOX_EXEC_DENY": "git"},
     "SANDBOX_EXEC_DENY: can never match: SANDBOX_EXEC_ALLOW lets none of it run 'git' "
     "(item 1)"),
    ({"SANDBOX_EXEC_DENY": "git", "SECCOMP_LEARN": "1"},
     "SECCOMP_LEARN: cannot be combined with 'SANDBOX_EXEC_DENY'"),  # both need the tracer
])
def test_bad_input_is_one_line(env, line):
    with pytest.raises(PolicyError) as e:
        load(**env)
    assert str(e.value) == line


def test_long_words():
    with pytest.raises(PolicyError, match="an argv word longer than 255 bytes"):
        load(SANDBOX_EXEC_DENY="git " + "x" * 256)
    with pytest.raises(PolicyError, match="longer than a file name may be"):
        load(SANDBOX_EXEC_DENY="x" * 256)
    load(SANDBOX_EXEC_DENY="/" + "x/" * 1000 + "y")  # a long path is a path


def test_verdicts_deny():
    cfg = load(SANDBOX_EXEC_DENY="git push:/usr/bin/rm -rf:busybox rm")
    assert judge(cfg, "/usr/bin/git", ["git", "status"]) == "allowed"
    assert judge(cfg, "/usr/bin/git", ["git", "push", "origin"]) == "git push"
    assert judge(cfg, "git", ["anything", "push"]) == "git push"  # the name as given
    assert judge(cfg, "/usr/bin/g", ["g", "push"], resolved="/opt/git") == "git push"
    assert judge(cfg, "/usr/bin/g", ["/x/git", "push"]) == "git push"  # argv[0], deny only
    assert judge(cfg, "/usr/bin/git", ["git", "-C", "x", "push"]) == "allowed"  # literal
    assert judge(cfg, "/usr/bin/git", ["git"]) == "allowed"
    # an absolute rule by the file's identity only: a path is no file (another
    # mount namespace may bind any file on /usr/bin/rm)
    assert judge(cfg, "/usr/bin/rm", ["rm", "-rf", "/"]) == "allowed"
    assert judge(cfg, "/bin/rm", ["rm", "-rf"], resolved="/usr/bin/rm") == "allowed"
    assert judge(cfg, "/usr/bin/rm", ["rm", "-rf"], ids=[0, 0, 5, 77, 0, 0], dev=5,
                 ino=78) == "allowed"  # another file at that path
    assert judge(cfg, "/bin/rm", ["rm", "-rf"], ids=[0, 0, 5, 77, 0, 0], dev=5, ino=77) == \
        "/usr/bin/rm -rf"  # the same file by identity
    assert judge(cfg, "/bin/busybox", ["busybox", "rm", "-rf"]) == "busybox rm"
    assert judge(cfg, "/bin/rm", ["rm", "x"], resolved="/bin/busybox") == "allowed"


def test_verdicts_allow_and_both():
    cfg = load(SANDBOX_EXEC_ALLOW="/usr/bin/ls:git", SANDBOX_EXEC_DENY="git push")
    ls = dict(ids=[7, 9, 0, 0, 0, 0], dev=7, ino=9)
    assert judge(cfg, "/usr/bin/ls", ["ls", "-l"], **ls) == "allowed"
    assert judge(cfg, "/usr/bin/ls", ["ls", "-l"], resolved="/usr/bin/ls") == "unlisted"
    assert judge(cfg, "/usr/bin/cat", ["ls"]) == "unlisted"  # argv[0] counts for DENY only
    # an ALLOW bare name: the file's own name, not the name it was run by (a link)
    assert judge(cfg, "/usr/bin/git", ["git", "log"], resolved="/usr/bin/git") == "allowed"
    assert judge(cfg, "/tmp/git", ["git", "log"], resolved="/bin/dash") == "unlisted"
    assert judge(cfg, "/usr/bin/git", ["git", "push"], resolved="/usr/bin/git") == "git push"
    assert judge(cfg, "/bin/sh", ["sh", "-c", "git push"]) == "unlisted"


def test_long_argv_word_matches_no_rule():
    cfg = load(SANDBOX_EXEC_DENY="git " + "p" * 255)
    assert judge(cfg, "/usr/bin/git", ["git", "p" * 255]) == "git " + "p" * 255
    assert judge(cfg, "/usr/bin/git", ["git", "p" * 300]) == "allowed"


def test_seccomp_rules():
    names = {lib.sb_syscall_nr(_native._arch("x86_64"), n.encode()): n
             for n in ("execve", "execveat", "ptrace", "process_vm_writev")}
    cfg = _native.load({"SANDBOX_EXEC_DENY": "git push"}, "x86_64", HOST)
    assert {names[r.nr]: r.action for r in cfg.rules if r.nr in names} == {
        "execve": TRACE, "execveat": TRACE, "ptrace": EPERM_ACT, "process_vm_writev": EPERM_ACT}
    assert cfg.default_action == lib.SB_ACT_ALLOW
    # a policy that refuses execve keeps refusing it: the stricter answer wins
    cfg = _native.load({"SANDBOX_EXEC_DENY": "git push", "SECCOMP_SYSCALL_DENY": "execve"},
                       "x86_64", HOST)
    assert [r.action for r in cfg.rules if names.get(r.nr) == "execve"][-1] != TRACE
