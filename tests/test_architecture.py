"""The layers hold: ``tasks -> deployment -> inventory`` one way, ``schema_safety`` imports
neither, the engine never prints and imports no Fabric task decorator, no import circles,
and no command is written as a string outside ``deployment/remote/commands.py``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = sorted((ROOT / "deployment").rglob("*.py"))
TASKS = sorted((ROOT / "tasks").glob("*.py"))
APP = sorted((ROOT / "schema_safety").rglob("*.py"))


def imports(path: Path) -> set[str]:
    """The modules ``path`` imports, relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = set()
    for node in _run_time(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _run_time(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for child in node.orelse:
                yield child
                yield from _run_time(child)
            continue
        yield node
        yield from _run_time(node)


def name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@pytest.mark.parametrize("path", ENGINE, ids=name)
def test_the_engine_never_imports_the_tasks_nor_prints(path: Path):
    used = imports(path)
    assert not {m for m in used if m == "tasks" or m.startswith("tasks.")}
    assert "fabric.task" not in used and "invoke.task" not in used
    assert not {m for m in used if m.startswith("rich")}
    assert "print(" not in path.read_text()


@pytest.mark.parametrize("path", APP, ids=name)
def test_schema_safety_imports_neither_the_engine_nor_the_tasks(path: Path):
    used = imports(path)
    assert not {m for m in used if m.split(".")[0] in ("deployment", "tasks", "fabric")}


@pytest.mark.parametrize("path", sorted((ROOT / "deployment" / "inventory").glob("*.py")), ids=name)
def test_the_inventory_depends_on_nothing_of_the_engine_but_its_errors(path: Path):
    used = {m for m in imports(path) if m.startswith("deployment.")}
    assert all(m.startswith(("deployment.inventory", "deployment.errors")) for m in used)


def test_no_import_circles_between_engine_modules():
    modules = {name(path): path for path in ENGINE}
    graph = {
        module: {m for m in imports(path) if m in modules and m != module}
        for module, path in modules.items()
    }
    # A package imports its own modules to re-export them; that is not a circle.
    for module, used in graph.items():
        graph[module] = {m for m in used if not m.startswith(module + ".")}
    circles = []

    def visit(module: str, stack: list[str]) -> None:
        for other in graph[module]:
            if other in stack:
                circles.append(stack[stack.index(other) :] + [other])
            elif len(stack) < 12:
                visit(other, [*stack, other])

    for module in graph:
        visit(module, [module])
    assert not circles, circles[0]


@pytest.mark.parametrize("path", [*ENGINE, *TASKS], ids=name)
def test_no_command_is_written_as_a_string(path: Path):
    """Commands are argument lists (``remote.commands``); no shell text in f-strings."""
    if path.match("deployment/remote/commands.py"):
        return
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "run" and node.args:
            assert not isinstance(node.args[0], ast.JoinedStr | ast.Constant), ast.unparse(node)
    assert "shlex.quote" not in path.read_text() or path.match("*/known_hosts.py")
    assert '"sh", "-c"' not in path.read_text()
