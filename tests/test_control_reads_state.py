"""hookd/control reads the DaemonState it is given, never the daemon or a part's private fields.

Status and metrics see each part only through its own report (Spool.stats, Publisher.health...,
hookd/state.py). A control module that imported hookd.daemon, or reached into an object's
``_private`` attribute, would tie the status output to another module's insides again.
"""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

CONTROL = REPO / "hookd" / "control"
OWN = {"self", "cls"}  # a class's own attributes are its business


def private_reads(tree: ast.AST) -> list[str]:
    """``x._name`` where x is not self (dunders such as ``__class__`` are public protocol)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") and node.attr.endswith("__"):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in OWN:
            continue
        found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def daemon_imports(tree: ast.AST, package: str = "hookd.control") -> list[str]:
    """Imports of hookd.daemon in any form: absolute, ``from hookd import daemon``, relative."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [source] + [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        if any(name == "hookd.daemon" or name.startswith("hookd.daemon.") for name in names):
            found.append(f"line {node.lineno}: hookd.daemon")
    return found


def control_modules() -> list[Path]:
    modules = sorted(CONTROL.glob("*.py"))
    assert len(modules) >= 5, modules  # client, metrics, server, snapshot, status
    return modules


def test_control_reads_no_private_field_of_another_object():
    found = {path.name: reads for path in control_modules()
             if (reads := private_reads(ast.parse(path.read_text(), str(path))))}
    assert not found, ("control reads private attributes; give the part a public report in "
                       f"hookd/state.py instead: {found}")


def test_control_does_not_import_the_daemon():
    found = {path.name: names for path in control_modules()
             if (names := daemon_imports(ast.parse(path.read_text(), str(path))))}
    assert not found, f"control imports the daemon; read the DaemonState it is given: {found}"


# The checks themselves, on code made up for the purpose: they must be able to fail.

def test_the_checks_find_a_private_read_and_a_daemon_import():
    source = ast.parse(
        "from hookd.daemon import Daemon\n"
        "import hookd.daemon\n"
        "from hookd import daemon\n"
        "from .. import daemon as d\n"
        "from hookd.daemonish import x\n"
        "def take(daemon):\n"
        "    self._mine, cls._also_mine, daemon.__class__\n"
        "    return daemon.spool._cursor, getattr(daemon, 'http').x._sizes\n")
    assert private_reads(source) == ["line 8: daemon.spool._cursor",
                                     "line 8: getattr(daemon, 'http').x._sizes"]
    assert daemon_imports(source) == ["line 1: hookd.daemon", "line 2: hookd.daemon",
                                      "line 3: hookd.daemon", "line 4: hookd.daemon"]
