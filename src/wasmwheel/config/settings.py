"""Test settings: defaults < pyproject `[tool.wasmwheel]` < `WASMWHEEL_*` environment.

`[tool.wasmwheel]` is shared with the build settings, so only keys that start
with `test-` belong to this module; an unknown `test-*` key is a warning, not
an error, so that a newer pyproject still runs with an older wasmwheel.
"""

from __future__ import annotations

import os
import shlex
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmwheel.config.project import is_project_dir
from wasmwheel.config.suite import discover_test_paths, no_tests_error, read_pyproject
from wasmwheel.errors import ConfigError, ProjectError

# key in [tool.wasmwheel] -> environment variable that overrides it
ENV_VARS = {
    "test-paths": "WASMWHEEL_TEST_PATHS",            # whitespace-separated
    "test-requires": "WASMWHEEL_TEST_REQUIRES",      # whitespace-separated requirement strings
    "test-extras": "WASMWHEEL_TEST_EXTRAS",          # the wheel's extras whose deps tests need
    "test-args": "WASMWHEEL_TEST_ARGS",              # shell-quoted pytest arguments
    "test-timeout": "WASMWHEEL_TEST_TIMEOUT",        # seconds per test, 0 = off
    "test-run-timeout": "WASMWHEEL_TEST_RUN_TIMEOUT",  # seconds for the whole run per runtime
}
_LISTS = {"test-paths", "test-requires", "test-extras", "test-args"}


class ConfigWarning(UserWarning):
    """A setting wasmwheel does not understand (it is ignored)."""


@dataclass(frozen=True)
class TestConfig:
    __test__ = False  # not a pytest test class, despite the name

    test_paths: tuple[str, ...] = ("tests",)  # unless set: where the sources keep their tests
    test_requires: tuple[str, ...] = ("pytest",)
    test_extras: tuple[str, ...] = ()
    test_args: tuple[str, ...] = ()
    test_timeout: float = 0.0
    test_run_timeout: float = 900.0
    # False: the project did not list its test requirements, so the runner adds those its
    # metadata declares (a test extra, a PEP 735 group), skipping any Pyodide cannot get
    requires_configured: bool = False


def _read_pyproject(project_dir: Path) -> dict[str, Any]:
    pyproject = project_dir / "pyproject.toml"
    if not pyproject.is_file() and is_project_dir(project_dir):
        return {}  # setup.py only: many sdists on PyPI
    if not pyproject.is_file():
        raise ProjectError(
            f"{project_dir} has no pyproject.toml",
            hint="run `wasmwheel test` in (or point it at) the project's root directory",
        )
    table = read_pyproject(project_dir).get("tool", {}).get("wasmwheel", {})
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.wasmwheel] in {pyproject} must be a table")
    return table


def _from_env(key: str, raw: str) -> Any:
    if key == "test-args":
        return shlex.split(raw)
    if key in _LISTS:
        return raw.split()
    return raw


def _coerce(key: str, value: Any, where: str) -> Any:
    if key in _LISTS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} in {where} must be a list of strings, got {value!r}")
        return tuple(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} in {where} must be a number of seconds, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{key} in {where} must be >= 0, got {number}")
    return number


def load_test_config(project_dir: Path, environ: dict[str, str] | None = None) -> TestConfig:
    """Read and validate the test settings of the project at `project_dir`."""
    environ = dict(os.environ if environ is None else environ)
    table = _read_pyproject(project_dir)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if not key.startswith("test-"):
            continue  # build settings, owned elsewhere
        if key not in ENV_VARS:
            known = ", ".join(ENV_VARS)
            warnings.warn(f"ignoring unknown key {key!r} in [tool.wasmwheel] (known test keys: {known})",
                          ConfigWarning, stacklevel=2)
            continue
        values[key] = _coerce(key, value, "[tool.wasmwheel]")
    for key, var in ENV_VARS.items():
        if var in environ:
            values[key] = _coerce(key, _from_env(key, environ[var]), f"${var}")
    if "test-paths" not in values:
        values["test-paths"] = discover_test_paths(project_dir)
        if not values["test-paths"]:
            raise no_tests_error(str(project_dir))  # an sdist's name replaces it
    config = TestConfig(**{key.replace("-", "_"): value for key, value in values.items()},
                        requires_configured="test-requires" in values)
    _check_paths(project_dir, config.test_paths)
    return config


def _check_paths(project_dir: Path, test_paths: tuple[str, ...]) -> None:
    root = project_dir.resolve()
    if not test_paths:
        raise ConfigError("test-paths is empty", hint="list the test directories, e.g. [\"tests\"]")
    for rel in test_paths:
        path = (root / rel).resolve()
        if not path.is_relative_to(root):
            raise ConfigError(f"test path {rel!r} is outside the project {root}")
        if not path.exists():
            raise ProjectError(
                f"test path {rel!r} does not exist in {root}",
                hint="create it, or set `test-paths` in [tool.wasmwheel] of pyproject.toml",
            )
