"""The real toolchain on sdists that cannot build for a reason no code fix solves: the
error is one line saying so (a missing external library, a download at build time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.loopback import closed_port_url
from helpers.projects import setuptools_pyproject
from helpers.wheels import make_sdist
from wasmwheel.errors import ExitCode

pytestmark = pytest.mark.integration

SETUP = """\
from setuptools import Extension, setup
{before}
setup(ext_modules=[Extension("{name}", ["{name}.c"])])
"""
MODULE = """\
#include <Python.h>
{include}
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, NULL}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&module); }}
"""


def sdist(directory: Path, name: str, *, include: str = "", before: str = "") -> Path:
    return make_sdist(directory, name, "0.1.0", files={
        "pyproject.toml": setuptools_pyproject(name),
        "setup.py": SETUP.format(name=name, before=before),
        f"{name}.c": MODULE.format(name=name, include=include),
    })


def error_lines(stderr: str) -> list[str]:
    """wasmwheel's own `error:` and `hint:` lines (setuptools' `error: Command ...` in the
    streamed log above them is the build's, not ours)."""
    return [line for line in stderr.splitlines()
            if line.startswith(("error: pyodide build of", "hint:"))]


def test_a_missing_external_header_is_named_in_one_line(tmp_path: Path) -> None:
    source = sdist(tmp_path / "in", "needsxml", include="#include <libxml/xmlversion.h>")
    result = wasmwheel("build", str(source), "--outdir", str(tmp_path / "dist"), check=False)
    assert result.returncode == ExitCode.BUILD_FAILED, result.stderr[-3000:]
    error, hint = error_lines(result.stderr)
    assert "the build needs the header libxml/xmlversion.h" in error
    assert "wasmwheel cannot provide external native libraries" in error
    assert "vendor" in hint
    assert "Traceback" not in result.stderr.split("error:")[-1]
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_a_download_at_build_time_is_said_with_where(tmp_path: Path) -> None:
    url = closed_port_url()
    source = sdist(tmp_path / "in", "fetches",
                   before=f"import urllib.request\nurllib.request.urlopen({url!r})")
    result = wasmwheel("build", str(source), "--outdir", str(tmp_path / "dist"), check=False)
    assert result.returncode == ExitCode.BUILD_FAILED, result.stderr[-3000:]
    error, hint = error_lines(result.stderr)
    # urllib's traceback does not print the URL; it names the line of setup.py.
    assert "the build tried to download (from setup.py, line 3) and could not" in error
    assert "Connection refused" in error
    assert "sdist" in hint
