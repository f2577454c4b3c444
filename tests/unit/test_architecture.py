"""The layout's rules, checked on the source (docs/architecture.md describes them).

Imports point one way: cli -> builder/runner/publish -> wheel -> toolchain ->
config -> errors/progress. Peers do not import each other, no wasmwheel module is imported
inside a function (that is how cycles hide), and module names say what a
module does (not `test_*`, not a version number).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "wasmwheel"

# Higher imports lower; the same rank only within one package.
RANKS = {
    "cli": 5,
    "__main__": 6,
    "builder": 4,
    "runner": 4,
    "publish": 4,
    "scaffold": 4,    # `wasmwheel new`: the template and the pins it is filled with
    "wheel": 3,       # the test verdicts live in the toolchain's cache
    "toolchain": 2,
    "config": 1,
    "errors": 0,
    "progress": 0,
    "atomic_write": 0,
    "": 0,            # the package itself: __version__
}
# Runs inside Pyodide, not in the host Python: imports what the test run needs, lazily.
NOT_HOST_CODE = {PACKAGE / "runner" / "assets" / "pytest_plugin.py"}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p not in NOT_HOST_CODE)


MODULES = {dotted_name for dotted_name in (
    ".".join(p for p in path.relative_to(PACKAGE.parent).with_suffix("").parts if p != "__init__")
    for path in PACKAGE.rglob("*.py"))}


def package_of(module: str) -> str:
    """`wasmwheel.toolchain.routes.base` -> `toolchain`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def wasmwheel_imports(tree: ast.AST) -> list[tuple[str, int]]:
    """Every wasmwheel module an import names: `from wasmwheel.x import y` names
    `wasmwheel.x.y` when y is a module, else `wasmwheel.x`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "wasmwheel" or node.module.startswith("wasmwheel."):
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    found.append((candidate if candidate in MODULES else node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("wasmwheel")]
    return found


def test_the_layout_rules_see_every_package() -> None:
    # A new top-level package must be given a rank, or the rules below would skip it.
    tops = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    tops |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert tops <= set(RANKS), f"give these a rank in RANKS: {sorted(tops - set(RANKS))}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    here = package_of(dotted(path))
    for module, line in wasmwheel_imports(ast.parse(path.read_text(encoding="utf-8"))):
        there = package_of(module)
        if there == here:
            continue
        assert RANKS[there] < RANKS[here], (
            f"{path.relative_to(PACKAGE)}:{line} imports {module}: {here or 'wasmwheel'} "
            f"(rank {RANKS[here]}) may only import lower layers, not {there} (rank {RANKS[there]})"
        )


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_wasmwheel_imports_inside_functions(path: Path) -> None:
    # A deferred import of our own code hides a cycle. Third-party and standard-library
    # modules may be imported where they are used, to keep every verb's start-up short
    # (cookiecutter, urllib.request): they cannot form a cycle with us.
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested = wasmwheel_imports(func)
            assert not nested, (
                f"{path.relative_to(PACKAGE)}:{nested[0][1]}: import of {nested[0][0]} inside "
                f"{func.name}(); import at the top (a deferred import hides a cycle)"
            )


def test_no_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    names = {dotted(p): p for p in modules()}
    for name, path in names.items():
        imported = wasmwheel_imports(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {module for module, _ in imported if module in names and module != name}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join(
            [*visiting[visiting.index(node):], node])
        visiting.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def test_module_names_say_what_they_do() -> None:
    bad = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py")
           if p.name.startswith("test_") or p.stem.endswith("_test")
           or re.search(r"\d{2,}", p.stem)]
    assert not bad, f"rename after the module's job (not test_*, not a version): {bad}"


def test_the_cli_starts_without_the_heavy_optional_imports() -> None:
    # Every verb pays for what `wasmwheel.cli` imports: the template engine and the HTTP
    # client are only for `new` and for downloads.
    heavy = ("cookiecutter", "jinja2", "requests", "urllib.request")
    probe = ("import sys, wasmwheel.cli; "
             f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, env=os.environ | {"PYTHONPATH": str(PACKAGE.parent)})
    assert result.stdout.split() == []
