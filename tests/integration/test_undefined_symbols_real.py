"""The real toolchain: wasm-ld links a side module whose C calls a function defined nowhere
(the build used to succeed and the module failed in Pyodide); the build now refuses it, or
keeps it with --allow-undefined-symbols. The real runtime's symbols are read without guessing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from wasmwheel.builder.runtime_symbols import runtime_symbols
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ExitCode
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

pytestmark = pytest.mark.integration

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "callsjs"
version = "0.1.0"
"""
SETUP = 'from setuptools import Extension, setup\nsetup(ext_modules=[Extension("callsjs", ["callsjs.c"])])\n'
MODULE = """\
#include <Python.h>
extern int js_on_message_begin(int);  /* "provided by JavaScript": defined nowhere */
static PyObject *call(PyObject *self, PyObject *arg) {
    return PyLong_FromLong(js_on_message_begin((int)PyLong_AsLong(arg)));
}
static PyMethodDef methods[] = {{"call", call, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "callsjs", NULL, -1, methods};
PyMODINIT_FUNC PyInit_callsjs(void) { return PyModule_Create(&module); }
"""


@pytest.fixture
def callsjs(tmp_path: Path) -> Path:
    root = tmp_path / "callsjs"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "setup.py").write_text(SETUP)
    (root / "callsjs.c").write_text(MODULE)
    return root


def test_the_real_runtime_is_read_with_its_javascript_library() -> None:
    symbols = runtime_symbols(ensure_pyodide_dist(current_target()))
    assert symbols is not None
    # a main-module export, a JavaScript library function, and one the runtime adds later
    assert {"PyLong_FromLong", "emscripten_get_now", "open64"} <= symbols


def test_an_undefined_function_fails_the_build_unless_allowed(callsjs: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    refused = wasmwheel("build", str(callsjs), "--outdir", str(dist), check=False)
    assert refused.returncode == ExitCode.BUILD_FAILED, refused.stderr[-3000:]
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "callsjs.cpython-" in errors[0], refused.stderr[-3000:]
    assert errors[0].endswith(
        f"needs symbols neither Pyodide {current_target().pyodide} nor the wheel provides: "
        "js_on_message_begin (e.g. a JavaScript import under __wasm__, or a C99 inline without "
        "an external definition)")
    assert "--allow-undefined-symbols" in refused.stderr and "Traceback" not in refused.stderr
    assert refused.stdout == "" and not list(dist.glob("*.whl"))

    kept = wasmwheel("build", str(callsjs), "--outdir", str(dist), "--allow-undefined-symbols")
    assert Path(kept.stdout.strip()).is_file()
    assert "warning:" in kept.stderr and "js_on_message_begin" in kept.stderr
