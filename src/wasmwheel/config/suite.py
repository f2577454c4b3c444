"""A project's own test suite, as its sources declare it: where the tests are, what they need.

Used when `[tool.wasmwheel]` does not say (`test-paths`, `test-requires`), so
that an unmodified sdist from PyPI runs its own tests. Where pytest itself
is told (`testpaths` in pyproject.toml, pytest.ini, tox.ini or setup.cfg),
that wins; otherwise the conventional places: tests/ or test/ at the root,
inside a package (PKG/tests, src/PKG/tests), or test_*.py files at the root.

Test requirements come from the project's metadata: PEP 735 dependency
groups in pyproject.toml (`test`, `tests`, `testing`, else `dev`) and the
wheel's extras of the same names (the runner reads those from the wheel).
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from wasmwheel.errors import ConfigError, NoInputError

TEST_EXTRAS = ("test", "tests", "testing")
TEST_GROUPS = ("test", "tests", "testing")
FALLBACK_GROUP = "dev"  # only when no test group exists: it often lists linters too
CONVENTIONAL_DIRS = ("tests", "test")  # not "testing": often a helper package (numpy.testing)
# pytest's own config files and the section holding its options, in pytest's order
_INI_FILES = (("pytest.ini", "pytest"), (".pytest.ini", "pytest"), ("tox.ini", "pytest"),
              ("setup.cfg", "tool:pytest"))
_TEST_FILE = re.compile(r"^(test_.*|.*_test)\.py$")


class NoTestsError(NoInputError):
    """The project (or sdist) ships no tests that `wasmwheel test` could run."""


def read_pyproject(root: Path) -> dict[str, Any]:
    """`root`'s pyproject.toml as a dict ({} without one); invalid TOML is a ConfigError."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


def pytest_testpaths(root: Path) -> tuple[str, ...]:
    """`testpaths` from the first pytest configuration found, as pytest picks it; () if none."""
    tool = read_pyproject(root).get("tool", {})
    for table in (tool.get("pytest", {}).get("ini_options"), tool.get("pytest")):
        if isinstance(table, dict) and "testpaths" in table:
            value = table["testpaths"]
            return tuple(value.split() if isinstance(value, str) else map(str, value))
    for name, section in _INI_FILES:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(root / name, encoding="utf-8")
        except configparser.Error:
            continue  # a broken setup.cfg is the build's problem, not ours
        if parser.has_option(section, "testpaths"):
            return tuple(parser.get(section, "testpaths").split())
    return ()


def _has_test_files(path: Path) -> bool:
    return any(_TEST_FILE.match(p.name) for p in path.rglob("*.py")) if path.is_dir() \
        else bool(_TEST_FILE.match(path.name))


def discover_test_paths(root: Path) -> tuple[str, ...]:
    """Where the project keeps its tests (paths relative to `root`); () when it ships none."""
    declared = [p for p in pytest_testpaths(root) if "*" not in p and (root / p).exists()]
    if declared:
        return tuple(declared)
    # at the root the name says enough (an empty tests/ is the project's choice: pytest
    # then collects nothing); inside a package it must hold test files
    found = [name for name in CONVENTIONAL_DIRS if (root / name).is_dir()]
    if not found:  # inside a package: PKG/tests, src/PKG/tests
        packages = [p for base in (root, root / "src") if base.is_dir()
                    for p in sorted(base.iterdir()) if (p / "__init__.py").is_file()]
        found = [(package / name).relative_to(root).as_posix() for package in packages
                 for name in CONVENTIONAL_DIRS if _has_test_files(package / name)]
    if not found:
        found = sorted(p.name for p in root.glob("*.py") if _TEST_FILE.match(p.name))
    return tuple(found)


def no_tests_error(origin: str) -> NoTestsError:
    return NoTestsError(
        f"{origin} ships no tests: no pytest testpaths, no tests/ or test/ directory "
        "(at the root, in PKG/ or src/PKG/), no test_*.py files",
        hint="point `wasmwheel test` at a source that has its tests, or name them with "
        "`test-paths` in [tool.wasmwheel] (WASMWHEEL_TEST_PATHS)",
    )


def dependency_group(root: Path) -> tuple[str, list[str]] | None:
    """The PEP 735 group the tests need and its requirement strings (include-group resolved)."""
    groups = read_pyproject(root).get("dependency-groups", {})
    if not isinstance(groups, dict) or not groups:
        return None
    by_name: dict[str, Any] = {canonicalize_name(name): value for name, value in groups.items()}
    for name in (*TEST_GROUPS, FALLBACK_GROUP):
        if name in by_name:
            return name, _resolve_group(name, by_name, ())
    return None


def _resolve_group(name: str, groups: dict[str, Any], seen: tuple[str, ...]) -> list[str]:
    if name in seen:
        raise ConfigError(f"[dependency-groups] {name!r} includes itself: "
                          + " -> ".join((*seen, name)))
    entries = groups.get(name)
    if not isinstance(entries, list):
        raise ConfigError(f"[dependency-groups] has no list named {name!r}")
    requirements: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            requirements.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            included = canonicalize_name(entry["include-group"])
            requirements.extend(_resolve_group(included, groups, (*seen, name)))
        else:
            raise ConfigError(f"[dependency-groups] {name!r} has an entry that is neither a "
                              f"requirement nor {{include-group = ...}}: {entry!r}")
    return requirements
