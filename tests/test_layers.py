"""hookd's packages import in one direction only, and never in a circle.

The layers, top to bottom (docs/architecture.md draws them). A module may import its own
package and anything in a lower layer; packages that share a layer are independent of each
other unless the layer says otherwise:

    cli                                   argparse and the commands' entry points
    console, hooks, tail, replay          the commands' handlers and what they run beside the
                                          daemon (may share)
    daemon                                wires the parts together and runs them
    supervisor                            runs the daemon's long-lived tasks, ends it if one fails
    control, service                      beside the event path: status and metrics; socket
                                          activation, notifications and the service files
    ingest                                the socket, the inbox, HTTP
    pipeline                              one path for every event: envelope, spool, reply
    worker                                the process that prepares large events, on a budget
    worker_pipe                           its messages on the pipes, by a deadline
    envelope                              the envelope, from a frame
    redact, enrich                        what the envelope builder applies to a payload
    publish                               reads the spool and writes Redis
    spool                                 the write-ahead log on disk
    config, paths, state, sequence, ...   leaves: they import no other part of hookd above
    config_sources, home                  where settings come from (file, environment); the home
    log_sink                              where log lines go: a bounded queue, a writer thread
    terminal                              colour and progress bars on a terminal
    config_errors, core_files,            a settings error; no core files; the descriptor limit;
    descriptors, disk_full, liveness,     a full filesystem; progress and loop lag; which filesystem a
    mounts, paths, refusals, units        path is on; private files; the header, refusal reasons and
                                          reply lines; numbers
    user_files                            reading a file of the user's that hookd does not keep
    trust                                 who can change a path: the link-by-link walk, trusted files
    uid_namespace                         uids a user namespace leaves unmapped: what to say, the fix
    policies                              the Enums of the settings that choose among named ways

The spool sits below the publisher because the publisher reads it; the spool knows nothing of
Redis. Imports made inside functions and under ``TYPE_CHECKING`` count too: they are
dependencies all the same, and a lazy import is how a cycle usually hides.

There are no exceptions today. The two lists below stay empty: an upward import or a cycle is
fixed by moving the shared code down (a type both sides need belongs below both), not listed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "hookd"

LAYERS: list[tuple[set[str], bool]] = [  # (the top-level parts of hookd, may they import each other)
    ({"cli", "__main__"}, True),
    ({"console", "hooks", "tail", "replay", "ui"}, True),
    ({"daemon"}, False),
    ({"supervisor"}, False),
    ({"control", "service"}, False),
    ({"ingest"}, False),
    ({"pipeline"}, False),
    ({"worker"}, False),
    ({"worker_pipe"}, False),
    ({"envelope"}, False),
    ({"redact", "enrich"}, False),
    ({"publish"}, False),
    ({"spool"}, False),
    (
        {
            "config",
            "held_back",
            "jsonl",
            "peers",
            "logs",
            "state",
            "statedir",
            "child_read",
            "dirwatch",
            "sequence",
            "handoffs",
            "hookd",
        },
        False,
    ),
    ({"config_sources", "home"}, False),
    ({"log_sink"}, False),
    ({"terminal"}, False),
    ({"port_holders"}, False),
    ({"name_lookup"}, False),
    (
        {
            "cancels",
            "config_errors",
            "core_files",
            "descriptors",
            "disk_full",
            "hook_names",
            "hostport",
            "liveness",
            "mounts",
            "paths",
            "place_probe",
            "refusals",
            "units",
            "unjoined",
        },
        False,
    ),
    ({"waiting_on"}, False),
    ({"user_files"}, False),
    ({"trust"}, False),
    ({"uid_namespace"}, False),
    ({"policies"}, False),
]

# Upward or sideways imports that exist today (issue 18): (importing module, imported module).
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

# Import cycles that exist today (issue 18), each as the set of modules in it. A cycle found in
# the code must lie within one of these sets.
KNOWN_CYCLES: list[set[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def import_statements(tree: ast.AST, package: str) -> Iterator[tuple[int, str, list[str]]]:
    """Every import in the tree, wherever it is (functions and ``TYPE_CHECKING`` blocks
    included): its line, the module it names (a relative one resolved against ``package``) and,
    for ``from x import a, b``, the names it takes from it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield node.lineno, source, [alias.name for alias in node.names]


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The hookd modules that ``name`` imports, wherever in the file; ``from hookd.x import y``
    counts as hookd.x.y when y is a module, else as hookd.x."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for _, source, names in import_statements(ast.parse(path.read_text(), str(path)), package):
        if not names:
            found.add(source)
        for alias in names:
            submodule = f"{source}.{alias}"
            found.add(submodule if submodule in known else source)
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def part(module: str) -> str:
    """The top-level part of hookd a module belongs to: hookd.publish.script -> publish."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else "hookd"


def layer_of(module: str) -> int:
    for index, (parts, _) in enumerate(LAYERS):
        if part(module) in parts:
            return index
    raise AssertionError(
        f"{module} is in no layer: add {part(module)!r} to LAYERS in tests/test_layers.py and to docs/architecture.md"
    )


def allowed(importer: str, imported: str) -> bool:
    if part(importer) == part(imported):
        return True
    above, below = layer_of(importer), layer_of(imported)
    return below > above or (below == above and LAYERS[above][1])


def violations(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, targets in graph.items()
        for imported in targets
        if not allowed(importer, imported)
    }


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The graph's strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_part_of_hookd_has_a_layer():
    for name in modules():
        layer_of(name)


def test_imports_go_down_the_layers():
    new = sorted(violations(import_graph()) - KNOWN_VIOLATIONS)
    assert not new, (
        "imports that go up or sideways between layers (see docs/architecture.md; "
        f"move the shared code down instead): {new}"
    )


def test_there_is_no_new_import_cycle():
    new = [sorted(cycle) for cycle in cycles(import_graph()) if not any(cycle <= known for known in KNOWN_CYCLES)]
    assert not new, f"import cycles: {new}"


def test_the_known_exceptions_are_still_needed():
    """When a fix removes one of the imports listed above, its line goes too, so that the import
    cannot come back unnoticed."""
    graph = import_graph()
    stale = sorted(KNOWN_VIOLATIONS - violations(graph))
    assert not stale, f"no longer found, delete from KNOWN_VIOLATIONS: {stale}"
    found = cycles(graph)
    stale_cycles = [sorted(known) for known in KNOWN_CYCLES if not any(cycle <= known for cycle in found)]
    assert not stale_cycles, f"no longer found, delete from KNOWN_CYCLES: {stale_cycles}"


# The checker itself, on graphs made up for the purpose: it must be able to fail.


def test_the_checker_finds_an_upward_import_and_a_cycle():
    graph = {
        "hookd.spool.spool": {"hookd.publish.publisher"},
        "hookd.publish.publisher": {"hookd.spool.spool"},
        "hookd.cli": {"hookd.daemon"},
        "hookd.daemon": set(),
    }
    assert violations(graph) == {("hookd.spool.spool", "hookd.publish.publisher")}
    assert cycles(graph) == [{"hookd.spool.spool", "hookd.publish.publisher"}]


def test_the_checker_reads_every_form_of_import(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text(
        "import hookd.spool\nfrom hookd import config\nfrom . import segments\n"
        "from .records import x\ndef f():\n    from hookd.publish.script import PUBLISH_BATCH\n"
    )
    known = {
        "hookd.spool",
        "hookd.config",
        "hookd.spool.segments",
        "hookd.spool.records",
        "hookd.publish.script",
        "hookd.spool.mod",
    }
    assert imports("hookd.spool.mod", source, known) == known - {"hookd.spool.mod"}
