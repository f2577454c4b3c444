"""The wheel a user installs carries every file the package reads at run time.

Built for real with the project's own build backend (no isolation: the test group installs
it), so a file left out by pyproject.toml, or a symlink the backend does not follow,
fails here and not only on a user's machine.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import build
import pytest

from helpers.paths import REPO

PACKAGE = REPO / "src" / "wasmwheel"


@pytest.fixture(scope="module")
def wasmwheel_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    builder = build.ProjectBuilder(REPO)
    missing = builder.check_dependencies("wheel")
    assert not missing, f"install the build backend first (the `test` dependency group): {missing}"
    return Path(builder.build("wheel", tmp_path_factory.mktemp("wheel")))


def test_every_package_file_is_in_the_wheel(wasmwheel_wheel: Path) -> None:
    with zipfile.ZipFile(wasmwheel_wheel) as archive:
        shipped = set(archive.namelist())
    expected = {f"wasmwheel/{path.relative_to(PACKAGE)}" for path in PACKAGE.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts}
    assert expected - shipped == set()
    # package data the runner needs: the Pyodide drivers, the in-Pyodide plugin, npm's lock
    for name in ("runner/assets/driver/run_in_pyodide.mjs", "runner/assets/driver/core.mjs",
                 "runner/assets/driver/npm-lock.json", "runner/assets/pytest_plugin.py"):
        assert f"wasmwheel/{name}" in shipped


def test_the_pins_ship_as_a_file_not_a_link(wasmwheel_wheel: Path) -> None:
    with zipfile.ZipFile(wasmwheel_wheel) as archive:
        assert archive.read("wasmwheel/toolchain.toml") == (REPO / "toolchain.toml").read_bytes()


def test_the_license_ships_in_the_metadata(wasmwheel_wheel: Path) -> None:
    with zipfile.ZipFile(wasmwheel_wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(license_file) == (REPO / "LICENSE").read_bytes()
    assert "License-Expression: MIT" in text and "License-File: LICENSE" in text


def test_the_project_template_ships_inside_the_package(wasmwheel_wheel: Path) -> None:
    """`pip install wasmwheel` then `wasmwheel new` needs templates/project in the wheel."""
    template = REPO / "templates" / "project"
    with zipfile.ZipFile(wasmwheel_wheel) as archive:
        shipped = {name: archive.read(name) for name in archive.namelist()
                   if name.startswith("wasmwheel/templates/project/")}
    expected = {f"wasmwheel/templates/project/{p.relative_to(template).as_posix()}": p.read_bytes()
                for p in template.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert shipped == expected
    assert "wasmwheel/templates/project/cookiecutter.json" in shipped
