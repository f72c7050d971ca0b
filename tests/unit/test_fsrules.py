"""pysandbox.fsrules: what a learning run touched -> SANDBOX_FS_* / SANDBOX_NET*
rules, on a made-up file system (no process runs)."""
import pytest

from pysandbox import fsrules

GROUPS = {
    "@base": [("/usr", "rx"), ("/lib", "rx"), ("/etc/ld.so.cache", "r"), ("/dev/null", "rw")],
    "@dns": [("/etc/resolv.conf", "r")],
    "@tty": [("/dev/tty", "rw"), ("/dev/pts", "rw")],
    "@tmp": [("/tmp", "rw"), ("/var/tmp", "rw")],
}


class FakeHost(fsrules.Host):
    """Directories DIRS, symlinks LINKS, scripts SCRIPTS ({path: interpreter});
    everything named exists unless in GONE."""

    def __init__(self, dirs=(), links=None, scripts=None, gone=()):
        self.dirs = set(dirs) | {"/", "/usr", "/lib", "/tmp", "/var/tmp", "/dev/pts", "/etc",
                                 "/dev", "/proc", "/home", "/root"}
        self.links, self.scripts, self.gone = links or {}, scripts or {}, set(gone)

    def realpath(self, path):
        for link, target in self.links.items():
            if fsrules.beneath(path, link):
                return target + path[len(link):]
        return path

    def exists(self, path):
        return path not in self.gone

    def isdir(self, path):
        return path in self.dirs

    def interpreter(self, path):
        return self.scripts.get(path)

    def is_device(self, path):
        return path in ("/dev/null", "/dev/tty")

    def home_dirs(self):
        return {"/root", "/home/me"}


def propose(touched, **host):
    return fsrules.propose(touched, GROUPS, FakeHost(**host))


def fs(touched, **host):
    return {k: v for k, v in propose(touched, **host).fs.items() if v}


def test_base_absorbs_what_lies_beneath_its_trees_and_its_files():
    got = fs([("exec", "/usr/bin/cat"), ("read", "/usr/share/x"), ("read", "/etc/ld.so.cache"),
              ("exec", "/lib/x86_64-linux-gnu/libc.so.6"), ("write", "/dev/null")])
    assert got == {fsrules.EXEC: ["@base"]}


def test_symlinks_are_resolved_before_groups_and_rules():
    """Landlock checks the target: /usr/share/locale/locale.alias -> /etc/locale.alias."""
    got = fs([("read", "/usr/share/locale/locale.alias"), ("read", "/opt/app/conf")],
             links={"/usr/share/locale/locale.alias": "/etc/locale.alias",
                    "/opt/app": "/srv/app"})
    assert got == {fsrules.READ: ["/etc/locale.alias", "/srv/app/conf"]}


def test_a_file_made_needs_its_directory_writable():
    got = fs([("read", "/data/job/in"), ("write", "/data/job/out"), ("make", "/data/job/out")],
             dirs={"/data", "/data/job"})
    assert got == {fsrules.WRITE: ["/data/job"]}


def test_several_files_in_a_directory_become_the_directory():
    files = [("read", "/srv/app/%s" % n) for n in ("a", "b", "c")] + [("read", "/srv/x/one")]
    got = fs(files, dirs={"/srv", "/srv/app", "/srv/x"})
    assert got == {fsrules.READ: ["/srv/app", "/srv/x/one"]}


def test_two_files_stay_files():
    got = fs([("read", "/srv/app/a"), ("read", "/srv/app/b")], dirs={"/srv", "/srv/app"})
    assert got == {fsrules.READ: ["/srv/app/a", "/srv/app/b"]}


def test_collapsing_goes_up_but_takes_the_union_of_rights():
    touched = [("read", "/opt/py/lib/%s/m%d" % (d, i)) for d in ("a", "b") for i in range(3)]
    touched += [("exec", "/opt/py/lib/dyn/x%d.so" % i) for i in range(3)]
    dirs = {"/opt", "/opt/py", "/opt/py/lib"} | {"/opt/py/lib/" + d for d in ("a", "b", "dyn")}
    assert fs(touched, dirs=dirs) == {fsrules.EXEC: ["/opt/py/lib"]}


@pytest.mark.parametrize("top", ["/etc", "/dev", "/home/me", "/root", "/tmp", "/var/tmp",
                                 "/srv"])
def test_never_collapsed_into(top):
    """Not /, a top-level directory, a home, the shared temp dirs, nor /etc or /dev."""
    names = ["%s/f%d" % (top, i) for i in range(4)]
    got = fs([("read", n) for n in names], dirs={"/srv", "/home/me"})
    assert got == {fsrules.READ: names}


def test_etc_files_stay_files_even_deeper():
    names = ["/etc/app/%s" % n for n in "abcd"]
    got = fs([("read", n) for n in names], dirs={"/etc/app"})
    assert got == {fsrules.READ: names}


def test_tmp_group_only_for_tmp_itself():
    """A file made in /tmp needs /tmp (@tmp); a private dir inside it is named."""
    got = fs([("make", "/tmp/tmpab12"), ("make", "/tmp/job/out")], dirs={"/tmp/job"})
    assert got == {fsrules.WRITE: ["@tmp", "/tmp/job"]}


def test_tty_and_dns_groups():
    got = fs([("write", "/dev/pts/3"), ("read", "/etc/resolv.conf")])
    assert got == {fsrules.READ: ["@dns"], fsrules.WRITE: ["@tty"]}


def test_make_on_a_device_makes_nothing():
    """`> /dev/null` opens with O_CREAT: no right on /dev follows."""
    assert fs([("write", "/dev/null"), ("make", "/dev/null")]) == {fsrules.EXEC: ["@base"]}


def test_a_rule_beneath_a_directory_rule_is_dropped_only_if_covered():
    got = fs([("make", "/srv/job/x"), ("read", "/srv/job/in"), ("exec", "/srv/job/tool")],
             dirs={"/srv", "/srv/job"})
    assert got == {fsrules.EXEC: ["/srv/job/tool"], fsrules.WRITE: ["/srv/job"]}


def test_a_script_brings_its_interpreter():
    got = fs([("exec", "/srv/run.sh")], scripts={"/srv/run.sh": "/opt/sh/bin/sh"})
    assert got == {fsrules.EXEC: ["/opt/sh/bin/sh", "/srv/run.sh"]}


def test_a_path_gone_since_is_optional():
    got = fs([("read", "/srv/a"), ("read", "/srv/b")], gone={"/srv/b"}, dirs={"/srv"})
    assert got == {fsrules.READ: ["/srv/a", "/srv/b?"]}


def test_per_process_proc_paths_grant_proc_with_a_note():
    r = propose([("read", "/proc/self/status"), ("read", "/proc/1234/stat"),
                 ("read", "/proc/filesystems")])
    assert {k: v for k, v in r.fs.items() if v} == {fsrules.READ: ["/proc"]}
    assert len(r.notes) == 1 and "/proc is granted whole" in r.notes[0]


def test_a_global_proc_file_stays_a_file():
    assert fs([("read", "/proc/filesystems")]) == {fsrules.READ: ["/proc/filesystems"]}


def test_previous_rules_are_merged():
    r = fsrules.propose([("read", "/srv/a")], GROUPS, FakeHost(dirs={"/srv"}),
                        previous=[(fsrules.EXEC, "@base"), (fsrules.READ, "/srv/b?"),
                                  (fsrules.WRITE, "/srv/c")])
    assert {k: v for k, v in r.fs.items() if v} == {
        fsrules.EXEC: ["@base"], fsrules.READ: ["/srv/a", "/srv/b"],
        fsrules.WRITE: ["/srv/c"]}


@pytest.mark.parametrize("touched,net", [
    ([], {"SANDBOX_NET": "none"}),
    ([("socket", "unix")], {"SANDBOX_NET": "none"}),
    ([("socket", "tcp"), ("connect", "443"), ("connect", "80")],
     {"SANDBOX_NET_CONNECT": "80:443"}),
    ([("socket", "tcp"), ("bind", "0"), ("bind", "8080")], {"SANDBOX_NET_BIND": "0:8080",
                                                            "SANDBOX_NET_CONNECT": ""}),
    ([("socket", "tcp")], {"SANDBOX_NET_CONNECT": ""}),
    ([("socket", "udp"), ("connect", "53")], {"SANDBOX_NET_CONNECT": "53",
                                              "SANDBOX_NET": "udp"}),
    ([("socket", "netlink"), ("socket", "raw")], {"SANDBOX_NET": "netlink:raw"}),
    ([("signal", "1")], {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "abstract-unix"}),
    ([("abstract", "6162")], {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "signal"}),
    ([("abstract", "6162"), ("listen", "6162")], {"SANDBOX_NET": "none"}),
    ([("abstract", "6162"), ("signal", "7")], {"SANDBOX_NET": "none", "SANDBOX_SCOPE": "none"}),
])
def test_network_and_scope(touched, net):
    assert propose(touched).net == net


def test_a_socket_no_variable_allows_is_a_note():
    r = propose([("socket", "family 38 type 5 protocol 0")])
    assert r.notes == ["socket(family 38 type 5 protocol 0) is refused under any SANDBOX_NET* "
                       "rule: leave the network variables out to run it"]


def test_an_fd_by_name_needs_no_rule():
    """/dev/stderr, /dev/fd/N, /proc/self/fd/N name an fd the program has: resolved in
    learn's process they would name learn's (a pipe: /proc granted whole)."""
    r = propose([("write", "/dev/stderr"), ("read", "/dev/fd/0"), ("read", "/proc/self/fd/3"),
                 ("write", "/proc/4242/fd/1")])
    assert {k: v for k, v in r.fs.items() if v} == {} and r.notes == []


def test_what_the_run_made_is_optional():
    """A file the run made (and may have removed) must not stop the next run."""
    r = propose([("make", "/tmp/new"), ("write", "/tmp/new")])
    assert r.fs[fsrules.WRITE] == ["@tmp", "/tmp/new?"]


def test_a_whole_tree_is_warned_of():
    r = propose([("read", "/")])
    assert r.fs[fsrules.READ] == ["/"]
    assert any(n.startswith("warning: SANDBOX_FS_READ=/ grants the whole of /") for n in r.notes)


def test_more_paths_than_a_sandbox_holds_are_warned_of():
    touched = [("read", "/etc/f%d" % i) for i in range(10)]
    r = fsrules.propose(touched, GROUPS, FakeHost(), paths_max=8)
    assert any(n.startswith("warning: 10 paths and 0 group members") for n in r.notes)
    assert not fsrules.propose(touched, GROUPS, FakeHost(), paths_max=10).notes
