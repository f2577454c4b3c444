"""Sources as a user hands them over: subpackages named like outputs, sdists, and a
`wasmwheel test` that builds (or rebuilds) the wheel when it has to.

The project is a small C extension whose package has subpackages called
`build` and `dist`: names that are outputs at a project's root but code
deeper down.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from wasmwheel.config.pins import current_target

pytestmark = pytest.mark.integration

PROJECT = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "nested"
version = "0.1.0"

[tool.setuptools.packages.find]
where = ["src"]
""",
    "setup.py": """\
from setuptools import Extension, setup

setup(ext_modules=[Extension("nested._core", ["src/nested/_core.c"])])
""",
    "src/nested/__init__.py": "from nested._core import twice\n",
    "src/nested/_core.c": """\
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *twice(PyObject *self, PyObject *arg) {
    long value = PyLong_AsLong(arg);
    if (value == -1 && PyErr_Occurred()) return NULL;
    return PyLong_FromLong(2 * value);
}

static PyMethodDef methods[] = {{"twice", twice, METH_O, "2 * x"}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
""",
    "src/nested/build/__init__.py": "KIND = 'build'\n",
    "src/nested/dist/__init__.py": "",
    "src/nested/dist/tools.py": "def where():\n    return 'dist'\n",
    "tests/test_nested.py": """\
import nested
from nested.build import KIND
from nested.dist.tools import where


def test_extension_is_called():
    assert nested.twice(21) == 42


def test_subpackage_named_build_is_installed():
    assert KIND == "build"


def test_subpackage_named_dist_is_installed():
    assert where() == "dist"
""",
}
IN_WHEEL = {"nested/build/__init__.py", "nested/dist/__init__.py", "nested/dist/tools.py"}
WHEEL_NAME = f"nested-0.1.0-cp314-cp314-{current_target().platform_tag}.whl"


def write_project(root: Path) -> Path:
    for name, text in PROJECT.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def write_sdist(project: Path, dest: Path) -> Path:
    """An sdist as setuptools lays it out: one top directory with PKG-INFO."""
    (project / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: nested\nVersion: 0.1.0\n")
    dest.mkdir(parents=True)
    sdist = dest / "nested-0.1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(project, arcname="nested-0.1.0")
    return sdist


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def assert_passed(result_stdout: str) -> None:
    assert "3 passed" in result_stdout, result_stdout[-3000:]


def test_build_keeps_subpackages_named_build_and_dist_and_test_reuses_then_rebuilds(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "nested")
    built = wasmwheel("build", str(project))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel == project / "dist" / WHEEL_NAME
    assert IN_WHEEL <= wheel_files(wheel)

    reused = wasmwheel("test", str(project))
    assert f"==> using {wheel} (up to date with {project})" in reused.stderr
    assert "building" not in reused.stderr
    assert_passed(reused.stdout)  # the subpackages import inside Pyodide

    core = project / "src" / "nested" / "_core.c"
    core.write_text(core.read_text() + "/* edited */\n")
    rebuilt = wasmwheel("test", str(project))
    assert f"==> {WHEEL_NAME}: the sources changed: building it" in rebuilt.stderr
    assert_passed(rebuilt.stdout)
    assert wheel.stat().st_mtime_ns > core.stat().st_mtime_ns


def test_test_without_a_wheel_builds_it_then_the_next_test_reuses_it(tmp_path: Path) -> None:
    project = write_project(tmp_path / "nested")
    first = wasmwheel("test", str(project))
    assert f"==> no wheel for {project} in {project / 'dist'}: building it" in first.stderr
    assert_passed(first.stdout)
    wheel = project / "dist" / WHEEL_NAME
    assert IN_WHEEL <= wheel_files(wheel)

    second = wasmwheel("test", str(project))
    assert f"==> using {wheel}" in second.stderr
    assert_passed(second.stdout)


def test_test_of_an_sdist_finds_the_wheel_build_wrote_beside_it(tmp_path: Path) -> None:
    sdist = write_sdist(write_project(tmp_path / "tree" / "nested-0.1.0"), tmp_path / "downloads")
    built = wasmwheel("build", str(sdist))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel == sdist.parent / WHEEL_NAME
    assert IN_WHEEL <= wheel_files(wheel)

    tested = wasmwheel("test", str(sdist))
    assert f"==> using {wheel} (up to date with {sdist})" in tested.stderr
    assert_passed(tested.stdout)
    assert "wasmwheel-test-src-" not in tested.stdout + tested.stderr  # no temporary path
