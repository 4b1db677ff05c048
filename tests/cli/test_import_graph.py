"""The package's import graph: every module imports on its own, no cycle, and no layer imports one above it.

The graph is read from the source (module-level imports only: an import inside a function runs later,
and one under `if TYPE_CHECKING:` never runs), so a cycle is reported with its modules, not as the
half-initialised module error it would cause one day in whichever order a user happens to import.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "reliability"

# What each layer must not import: the layers above it. core is the math, telemetry reads inputs,
# stages turn both into artifacts; the terminal, the commands and the CLI sit on top of everything.
FORBIDDEN = {
    # The shared values (windows, objectives, ids) sit below everything, the math included.
    "reliability.vocabulary": (
        "reliability.config",
        "reliability.conventions",
        "reliability.core",
        "reliability.artifacts",
        "reliability.telemetry",
        "reliability.stages",
        "reliability.pipeline",
        "reliability.exporters",
        "reliability.actions",
        "reliability.trace",
        "reliability.report",
        "reliability.render",
        "reliability.ledger",
        "reliability.terminal",
        "reliability.commands",
        "reliability.cli",
    ),
    "reliability.core": (
        "reliability.telemetry",
        "reliability.stages",
        "reliability.pipeline",
        "reliability.exporters",
        "reliability.actions",
        "reliability.explain",
        "reliability.report",
        "reliability.ledger",
        "reliability.terminal",
        "reliability.commands",
        "reliability.cli",
    ),
    "reliability.telemetry": (
        "reliability.stages",
        "reliability.pipeline",
        "reliability.terminal",
        "reliability.commands",
        "reliability.cli",
    ),
    "reliability.stages": (
        "reliability.pipeline",
        "reliability.terminal",
        "reliability.commands",
        "reliability.cli",
    ),
    # Commands are leaves: only the CLI loads them (by name), and only the entry points start the CLI.
    "reliability": ("reliability.commands", "reliability.cli"),
}
ENTRY_POINTS = {"reliability.__main__"}
# Imported once before the modules are tried: only our own import order is under test, and a fresh
# numpy or pyarrow per module would take minutes.
THIRD_PARTY = ("numpy", "pyarrow", "pyarrow.compute", "pyarrow.csv", "jsonschema", "yaml", "typer", "rich")

Graph = dict[str, set[str]]


def module_files() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports a module runs when it is imported: not in functions, not under TYPE_CHECKING."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _module_level(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level(node.body)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & known
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, *([base] if base else [])])
    # `from package import name` imports the submodule package.name when there is one
    named = {f"{base}.{alias.name}" for alias in node.names} & known
    return named | ({base} & known)


def import_graph() -> Graph:
    files = module_files()
    known = set(files)
    graph: Graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        imports: set[str] = set()
        for node in _module_level(tree.body):
            imports |= _imported(node, module, is_package, known)
        graph[module] = imports - {module}
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Every group of modules that import each other, directly or round a loop (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = lowest[module] = len(index)
        stack.append(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                lowest[module] = min(lowest[module], lowest[imported])
            elif imported in stack:
                lowest[module] = min(lowest[module], index[imported])
        if lowest[module] == index[module]:
            group = []
            while (member := stack.pop()) != module:
                group.append(member)
            group.append(module)
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _within(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def layer_violations(graph: Graph) -> list[str]:
    return sorted(
        f"{module} imports {imported} (a layer above {layer})"
        for module, imports in graph.items()
        for layer, above in FORBIDDEN.items()
        if _within(module, layer) and module not in ENTRY_POINTS
        for imported in imports
        if any(_within(imported, upper) and not _within(module, upper) for upper in above)
    )


def test_the_graph_sees_module_level_imports_only() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import reliability.errors\n"
        "from reliability import timefmt\n"
        "from reliability.config import load_config\n"
        "if TYPE_CHECKING:\n"
        "    from reliability.pipeline import RunOptions\n"
        "def later() -> None:\n"
        "    import reliability.cli\n"
    )
    known = {
        "reliability.errors",
        "reliability.timefmt",
        "reliability",
        "reliability.config",
        "reliability.cli",
    }
    found = set().union(
        *(_imported(n, "reliability.x", False, known) for n in _module_level(ast.parse(source).body))
    )
    assert found == {"reliability.errors", "reliability.timefmt", "reliability", "reliability.config"}


def test_cycles_and_layers_are_found_when_planted() -> None:
    planted = {
        "reliability.core.a": {"reliability.core.b"},
        "reliability.core.b": {"reliability.core.a", "reliability.terminal.output"},
        "reliability.terminal.output": set(),
    }
    assert cycles(planted) == [["reliability.core.a", "reliability.core.b"]]
    assert layer_violations(planted) == [
        "reliability.core.b imports reliability.terminal.output (a layer above reliability.core)"
    ]


def test_no_module_level_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_layer_imports_a_layer_above_it() -> None:
    assert layer_violations(import_graph()) == []


def test_every_module_imports_on_its_own_in_a_fresh_interpreter() -> None:
    """Each module first, in a child forked from an interpreter that has imported none of ours."""
    program = (
        "import importlib, os, sys, traceback\n"
        f"for name in {THIRD_PARTY!r}:\n"
        "    importlib.import_module(name)\n"
        "failed = []\n"
        "for module in sys.argv[1:]:\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        try:\n"
        "            importlib.import_module(module)\n"
        "        except BaseException:\n"
        "            traceback.print_exc()\n"
        "            os._exit(1)\n"
        "        os._exit(0)\n"
        "    if os.waitpid(child, 0)[1] != 0:\n"
        "        failed.append(module)\n"
        "print('failed:', ' '.join(failed))\n"
    )
    modules = sorted(set(module_files()) - ENTRY_POINTS)  # __main__ would run the CLI
    done = subprocess.run(
        [sys.executable, "-c", program, *modules], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "failed:", done.stderr
