"""pysandbox libpath: the absolute path of libsandbox.so."""
import errno
import os

import pysandbox
from pysandbox.errors import InstallError


def run(args):
    path = pysandbox.libpath()
    if not os.path.isfile(path):
        raise InstallError(errno.ENOENT, "libsandbox.so is not installed: '%s'" % path)
    print(path)
