"""The real toolchain: Emscripten's tools reached the way a build reaches them, and a
backend's pure-Python fallback refused (or accepted with --allow-pure-wheel).

`-flto` makes the extension's objects bitcode, so pyodide-build's wrapper lists their
exports with `emnm` (the call that broke rapidfuzz on the debian route).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.projects import setuptools_pyproject
from wasmwheel.config.pins import current_target

pytestmark = pytest.mark.integration

SETUP = """\
from setuptools import Extension, setup

setup(ext_modules=[Extension("{name}", ["{name}.c"]{options})])
"""
MODULE = """\
#include <Python.h>
static PyObject *twice(PyObject *self, PyObject *arg) {{
    return PyLong_FromLong(2 * PyLong_AsLong(arg));
}}
static PyMethodDef methods[] = {{{{"twice", twice, METH_O, NULL}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&module); }}
{extra}
"""


def project(root: Path, name: str, *, options: str = "", extra: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(setuptools_pyproject(name))
    (root / "setup.py").write_text(SETUP.format(name=name, options=options))
    (root / f"{name}.c").write_text(MODULE.format(name=name, extra=extra))
    return root


def test_bitcode_objects_link_through_emnm(tmp_path: Path) -> None:
    source = project(tmp_path / "lto", "ltodemo",
                     options=', extra_compile_args=["-flto"], extra_link_args=["-flto"]')
    result = wasmwheel("build", str(source), "--outdir", str(tmp_path / "dist"))
    wheel = Path(result.stdout.strip())
    assert wheel.name.endswith(f"{current_target().platform_tag}.whl"), result.stderr[-3000:]


def test_optional_extension_that_fails_is_refused_then_accepted(tmp_path: Path) -> None:
    source = project(tmp_path / "speedy", "speedy", options=", optional=True",
                     extra="this is not C;")
    refused = wasmwheel("build", str(source), "--outdir", str(tmp_path / "dist"), check=False)
    assert refused.returncode == 73, refused.stderr[-3000:]  # BuildError
    error = next(line for line in refused.stderr.splitlines() if line.startswith("error: "))
    # setuptools tags the wheel for the platform anyway (it has ext_modules): no .so inside.
    assert "holds no compiled extension" in error and "speedy.c" in error
    assert 'building extension "speedy" failed' in error and "unknown type name" in error
    assert refused.stdout == "" and not list((tmp_path / "dist").glob("*.whl"))

    accepted = wasmwheel("build", str(source), "--outdir", str(tmp_path / "dist"),
                         "--allow-pure-wheel")
    assert accepted.stdout.strip().endswith(".whl")
    assert "accepted because of --allow-pure-wheel" in accepted.stderr
