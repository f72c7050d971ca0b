"""The package's layering, read from its source: every import statement in
pysandbox/ and bin/sandboxify (inside functions too) against one table of
what each module may import, plus the rules the table alone cannot say.

The layers, bottom up: errors (imports nothing) and _kernel (the standard
library only); _native (the only user of the cffi module); the library
(_launch, bpf, profile, fsrules, audit, features, learn, isolate); the front doors (sandboxify,
the cli package). A library module never imports the command line, and
argparse is the command line's alone. Each check is also run on a mutated
copy of the source, so that it is known to fail.
"""
import ast
import os
import sys

import pytest
from support.proc import ROOT

# the checkout's sources (make sanitize imports a copy of the package)
PACKAGE = os.path.join(ROOT, "pysandbox")
SCRIPT = os.path.join(ROOT, "bin", "sandboxify")
LAUNCHER = "bin/sandboxify"

ERRORS = "pysandbox.errors"
NATIVE = {"pysandbox._native", ERRORS}
# module -> the pysandbox modules it may import (at any level)
ALLOWED = {
    "pysandbox.errors": set(),
    "pysandbox._kernel": set(),
    "pysandbox._build": set(),
    "pysandbox._native": {"pysandbox._native_cffi", ERRORS},
    "pysandbox": {"pysandbox._native", ERRORS, "pysandbox.vows", "pysandbox.sandbox"},
    "pysandbox.vows": NATIVE,
    "pysandbox.vocabulary": set(),
    "pysandbox._call": NATIVE,
    "pysandbox.sandbox": NATIVE | {"pysandbox._launch", "pysandbox._call", "pysandbox.vocabulary",
                                   "pysandbox.isolate", "pysandbox.vows"},
    "pysandbox.__main__": {"pysandbox.cli"},
    "pysandbox.bpf": {ERRORS},
    "pysandbox.fsrules": set(),
    "pysandbox.profile": NATIVE,
    "pysandbox._launch": NATIVE,
    "pysandbox.features": NATIVE | {"pysandbox._kernel", "pysandbox.isolate"},
    "pysandbox.isolate": NATIVE,
    "pysandbox.audit": NATIVE | {"pysandbox._kernel", "pysandbox._launch", "pysandbox.fsrules"},
    "pysandbox.learn": NATIVE | {"pysandbox", "pysandbox._kernel", "pysandbox._launch",
                                 "pysandbox.fsrules"},
    "pysandbox.sandboxify": NATIVE | {"pysandbox._launch", "pysandbox.cli"},
    LAUNCHER: {"pysandbox.sandboxify"},
    "pysandbox.cli": {ERRORS},
    "pysandbox.cli.run": {"pysandbox.vocabulary", "pysandbox.sandbox", "pysandbox._launch",
                          "pysandbox.cli", ERRORS},
    "pysandbox.cli.__main__": {"pysandbox.cli"},
    "pysandbox.cli._common": NATIVE | {"pysandbox.profile"},
    "pysandbox.cli.audit": {"pysandbox.audit", "pysandbox._kernel", "pysandbox.cli", ERRORS},
    "pysandbox.cli.compile": NATIVE | {"pysandbox.bpf", "pysandbox.cli._common"},
    "pysandbox.cli.features": {"pysandbox.features"},
    "pysandbox.cli.groups": NATIVE,
    "pysandbox.cli.learn": {"pysandbox._launch", "pysandbox.learn", "pysandbox.profile",
                            "pysandbox.fsrules", "pysandbox.cli._common", ERRORS},
    "pysandbox.cli.libpath": {"pysandbox", ERRORS},
    "pysandbox.cli.profile": {"pysandbox.profile", "pysandbox.cli._common"},
    "pysandbox.cli.syscalls": NATIVE | {"pysandbox._launch", "pysandbox.cli"},
    "pysandbox.cli.vows": NATIVE,
}
# the one import of the command line from below it: sandboxify's report of a
# failure loads the exit-status table (a launch that succeeds never does);
# under a Landlock layer run() loads it before the domain may forbid reading it
LATE_CLI = {("pysandbox.sandboxify", "report"), ("pysandbox.sandboxify", "run")}


def package_sources():
    """{module name: source text} of every module in pysandbox/, and the launcher."""
    sources = {LAUNCHER: open(SCRIPT).read()}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                parts = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts.pop()
                sources[".".join(parts)] = open(path).read()
    return sources


def imports(module, source, known):
    """(imported module, the enclosing function or None) of each import in SOURCE.
    `from X import name` counts as X.name when that is a module of KNOWN."""
    is_package = any(k.startswith(module + ".") for k in known)
    package = module if is_package else module.rpartition(".")[0]
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                else function
            if isinstance(child, ast.Import):
                found.extend((a.name, function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:  # relative: from the package this module is in
                    up = package.split(".")[:len(package.split(".")) - child.level + 1]
                    base = ".".join(up + ([base] if base else []))
                for a in child.names:
                    sub = base + "." + a.name
                    found.append((sub if sub in known else base, function))
            visit(child, inner)

    visit(ast.parse(source), None)
    return found


def violations(sources):
    """Every import SOURCES make that the layering forbids, as readable lines."""
    known = set(sources) | {"pysandbox._native_cffi"}
    edges, out = {}, []
    for module, source in sorted(sources.items()):
        if module not in ALLOWED:
            out.append("%s: not in the table (which layer is it?)" % module)
            continue
        if module == ERRORS and any(isinstance(n, (ast.Import, ast.ImportFrom))
                                    for n in ast.walk(ast.parse(source))):
            out.append("%s imports something: it must import nothing" % module)
        for name, function in imports(module, source, known):
            top = name.partition(".")[0]
            where = "%s (in %s)" % (module, function) if function else module
            if top != "pysandbox":
                if module == "pysandbox._kernel" and top not in sys.stdlib_module_names:
                    out.append("%s imports %s: only the standard library" % (where, name))
                if top == "argparse" and not module.startswith("pysandbox.cli"):
                    out.append("%s imports argparse: the command line's alone" % where)
                continue
            edges.setdefault(module, set()).add(name)
            if name not in ALLOWED[module]:
                out.append("%s imports %s: not in its row of the table" % (where, name))
            below_cli = not module.startswith("pysandbox.cli") and module != "pysandbox.__main__"
            if name.startswith("pysandbox.cli") and below_cli and \
                    (module, function) not in LATE_CLI:
                out.append("%s imports the command line %s" % (where, name))
    out += ["import cycle: " + " -> ".join(c) for c in cycles(edges)]
    return out


def cycles(edges):
    """The import cycles in EDGES ({module: modules it imports}), each once."""
    found = set()

    def walk(module, path):
        for nxt in sorted(edges.get(module, ())):
            if nxt in path:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                found.add(tuple(cycle[start:] + cycle[:start] + [cycle[start]]))
            elif len(path) < len(edges) + 1:
                walk(nxt, path + [nxt])

    for module in sorted(edges):
        walk(module, [module])
    return sorted(found)


def test_the_package_is_layered():
    assert violations(package_sources()) == []


def test_every_module_has_a_row():
    """A row for a module that no longer exists is a stale table."""
    assert set(package_sources()) <= set(ALLOWED)
    assert set(ALLOWED) - set(package_sources()) <= {"pysandbox._build"}


def mutated(module, line, function=None):
    """The package's sources with LINE added to MODULE (inside a new FUNCTION if given)."""
    sources = package_sources()
    code = "\ndef %s():\n    %s\n" % (function, line) if function else "\n%s\n" % line
    sources[module] += code
    return sources


@pytest.mark.parametrize("module,line,function,expected", [
    ("pysandbox.errors", "import os", None, "must import nothing"),
    ("pysandbox._kernel", "import cffi", None, "only the standard library"),
    ("pysandbox._kernel", "from pysandbox import errors", None, "not in its row"),
    ("pysandbox.learn", "from pysandbox import cli", "late", "imports the command line"),
    ("pysandbox.learn", "import pysandbox.cli.learn", None, "imports the command line"),
    ("pysandbox._launch", "import argparse", "parse", "argparse: the command line's alone"),
    ("pysandbox.sandboxify", "from pysandbox.cli import failure", "main",
     "imports the command line"),
    ("pysandbox.audit", "from pysandbox import features", None, "not in its row"),
    ("pysandbox._launch", "from . import learn", "f", "import cycle: pysandbox._launch -> "
     "pysandbox.learn -> pysandbox._launch"),
])
def test_each_rule_fails_on_a_mutation(module, line, function, expected):
    out = violations(mutated(module, line, function))
    assert any(expected in v for v in out), out


def test_a_new_module_needs_a_row():
    sources = package_sources()
    sources["pysandbox.cli.newcmd"] = "from pysandbox import _launch\n"
    assert violations(sources) == ["pysandbox.cli.newcmd: not in the table (which layer is it?)"]
