"""The debian route for real: provision into the default cache, build C and C++
extensions, load the wheel in Pyodide under Node and CALL the functions
(Emscripten resolves symbols lazily: an import alone proves nothing)."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import tempfile
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import BuildError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist
from wasmwheel.toolchain.routes.debian import slim
from wasmwheel.toolchain.routes.debian.route import DebianRoute
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

pytestmark = pytest.mark.integration

C_SOURCE = r"""
#include <Python.h>

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    return PyLong_FromLong(a + b);
}

static PyObject *fail(PyObject *self, PyObject *unused) {
    PyErr_SetString(PyExc_ValueError, "tinyc says no");
    return NULL;
}

static PyMethodDef methods[] = {
    {"add", add, METH_VARARGS, NULL},
    {"fail", fail, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tinyc", NULL, -1, methods};
PyMODINIT_FUNC PyInit_tinyc(void) { return PyModule_Create(&module); }
"""

CXX_SOURCE = r"""
#include <Python.h>
#include <stdexcept>
#include <string>
#include <vector>

static long checked_div(long a, long b) {
    if (b == 0) throw std::invalid_argument("division by zero");
    return a / b;
}

static PyObject *div_(PyObject *, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) return NULL;
    try {
        std::vector<long> v{a, b};
        return PyLong_FromLong(checked_div(v[0], v[1]));
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_ZeroDivisionError, (std::string("caught in C++: ") + e.what()).c_str());
        return NULL;
    }
}

static PyMethodDef methods[] = {{"div", div_, METH_VARARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tinycxx", NULL, -1, methods};
PyMODINIT_FUNC PyInit_tinycxx(void) { return PyModule_Create(&module); }
"""

SMOKE = """
import json, tinyc, tinycxx
out = {"add": tinyc.add(2, 40), "div": tinycxx.div(84, 2)}
try:
    tinyc.fail()
except ValueError as e:
    out["fail"] = str(e)
try:
    tinycxx.div(1, 0)
except ZeroDivisionError as e:
    out["div0"] = str(e)
json.dumps(out)
"""

RUNNER = """
const { loadPyodide } = await import(process.argv[2]);
const py = await loadPyodide({ indexURL: process.argv[3] });
await py.loadPackage("file://" + process.argv[4]);
console.log("RESULT " + py.runPython(process.argv[5]));
"""


def write_project(root: Path, *, broken: bool = False) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "tinyexts"
        version = "0.1.0"
        """)
    )
    (root / "setup.py").write_text(
        textwrap.dedent("""\
        from setuptools import Extension, setup
        setup(ext_modules=[
            Extension("tinyc", ["src/tinyc.c"]),
            Extension("tinycxx", ["src/tinycxx.cpp"], language="c++"),
        ])
        """)
    )
    (root / "src" / "tinyc.c").write_text(C_SOURCE + ("\nthis is not C;\n" if broken else ""))
    (root / "src" / "tinycxx.cpp").write_text(CXX_SOURCE)
    return root


@pytest.fixture(scope="module")
def target() -> Target:
    return current_target()


@pytest.fixture(scope="module")
def route(target: Target) -> DebianRoute:
    route = DebianRoute(target, cache.cache_root())
    reason = route.available()
    if reason:  # the suite must prove the route, not quietly skip it
        pytest.fail(f"the debian route cannot run here: {reason}")
    route.install()
    return route


def test_install_is_complete_and_idempotent(route: DebianRoute) -> None:
    status = route.status()
    assert status.installed and status.approximate and not status.problems
    assert status.python and status.python.startswith(route.target.python_major_minor)
    assert status.pyodide_build == route.target.pyodide_build
    route.install()  # a second call does nothing
    assert route.emscripten_version() == status.emscripten


def test_the_slim_chroot_keeps_every_tool_emscripten_calls(route: DebianRoute) -> None:
    """Read the installed Emscripten's own list of LLVM tools (em*.py, tools/*.py) and check
    each is in the chroot and none is in the dpkg exclusions."""
    if route.in_place:
        pytest.skip("installed in place: no chroot of ours to inspect")
    emscripten = route.root / "usr/share/emscripten"
    called = set()
    for module in [*emscripten.glob("*.py"), *emscripten.glob("tools/*.py")]:
        called |= set(re.findall(r"(?:llvm|clang)_tool_path\('([\w+-]+)'\)", module.read_text()))
    assert {"llvm-ar", "llvm-strip", "wasm-ld", "clang"} <= called  # the pattern still finds them
    exclude, _ = slim.exclusions(route.target.debian.llvm_major)
    bin_dir = f"/usr/lib/llvm-{route.target.debian.llvm_major}/bin"
    for tool in sorted(called | {"llvm-readobj"}):  # + pyodide-build's wrappers' tool
        path = f"{bin_dir}/{tool}"
        assert not any(fnmatch.fnmatchcase(path, p) for p in exclude), path
        assert (route.root / path.lstrip("/")).exists(), path
    assert not (route.root / bin_dir.lstrip("/") / "llvm-exegesis").exists()


def test_wheel_builds_and_runs_in_pyodide(
    route: DebianRoute, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(tmp_path / "proj")
    # The cache may be shared with earlier runs and other builds, so follow the
    # working directories this build makes rather than expect an empty /tmp.
    made: list[Path] = []

    def mkdtemp(*args: Any, **kwargs: Any) -> str:
        made.append(Path(real_mkdtemp(*args, **kwargs)))
        return str(made[-1])

    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    wheel = route.build(project, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    monkeypatch.undo()
    assert wheel.parent == tmp_path / "out"
    assert wheel.name.endswith(f"-{target.platform_tag}.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {f"tinyc{target.ext_suffix}", f"tinycxx{target.ext_suffix}"} <= names
    assert not (project / ".pyodide_build").exists()  # the build ran on a copy
    assert made and not [d for d in made if d.exists()]  # and cleaned up after itself

    dist = ensure_pyodide_dist(target)
    runner = tmp_path / "run.mjs"
    runner.write_text(RUNNER)
    result = subprocess.run(
        [
            str(ensure_node(target)),
            str(runner),
            (dist / "pyodide.mjs").as_uri(),
            str(dist) + "/",
            str(wheel),
            SMOKE,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(l for l in result.stdout.splitlines() if l.startswith("RESULT "))
    assert json.loads(line.removeprefix("RESULT ")) == {
        "add": 42,
        "div": 42,
        "fail": "tinyc says no",
        "div0": "caught in C++: division by zero",
    }


def test_compile_error_is_a_build_error(route: DebianRoute, tmp_path: Path) -> None:
    project = write_project(tmp_path / "broken", broken=True)
    with pytest.raises(BuildError, match="pyodide build of broken failed") as failure:
        route.build(project, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    # The summary names the compiler's own diagnostic, not the build frontend's traceback.
    assert "tinyc.c:23:1: error: unknown type name 'this'" in failure.value.message
    assert "Traceback" not in failure.value.message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
