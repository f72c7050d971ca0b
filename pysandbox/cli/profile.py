"""pysandbox profile export|show: Docker/OCI seccomp profiles (pysandbox.profile)."""
import json
import os

from pysandbox import profile
from pysandbox.cli._common import host, write_output


def run(args):
    return {"export": export, "show": show}[args.verb](args)


def export(args):
    text = json.dumps(profile.export(os.environb, args.arch, host(args)), indent=2) + "\n"
    write_output(args.output or "-", text.encode())


def show(args):
    print("\n".join(profile.show(args.file, args.arch, host(args))))
