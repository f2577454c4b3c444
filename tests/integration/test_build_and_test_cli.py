"""The main job as a user runs it: `wasmwheel build` then `wasmwheel test`, via the CLI.

Covers the bundled example, a deliberately failing test, a compile error,
and real C-extension sdists from PyPI (setuptools C, Cython-generated C).
"""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import EXAMPLE
from helpers.sdists import MSGPACK, download_sdist
from wasmwheel.config.pins import current_target, load_toolchain
from wasmwheel.errors import ExitCode
from wasmwheel.wheel.provenance import read_provenance
from wasmwheel.wheel.verdicts import load as load_record

pytestmark = pytest.mark.integration

EXAMPLE_WHEEL_NAME = f"fastmath-0.1.0-cp314-cp314-{current_target().platform_tag}.whl"

# Real projects whose sdists carry their test suites: (requirement, test dir).
SDISTS = [
    pytest.param("markupsafe==3.0.4", "tests", id="markupsafe-setuptools-c"),
    pytest.param(MSGPACK, "test", id="msgpack-cython-c"),
]


def test_example_wheel_is_tagged_stamped_and_recorded(example_wheel: Path) -> None:
    target = current_target()
    assert example_wheel.name == f"fastmath-0.1.0-cp314-cp314-{target.platform_tag}.whl"
    provenance = read_provenance(example_wheel)
    assert provenance is not None
    assert provenance.pins_hash == target.pins_hash
    # Approximate exactly when the compiler was not the pinned Emscripten.
    assert provenance.approximate == (provenance.emscripten != target.emscripten)
    record = load_record(example_wheel)
    assert record is not None and record.refusal() is None
    node = record.runs["node"].outcome
    assert node.passed == 12 and node.failed == 0


def test_failing_test_fails_the_run_and_names_the_test(example_wheel: Path, tmp_path: Path) -> None:
    project = tmp_path / "fastmath"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
    (project / "tests" / "test_broken.py").write_text(
        "import fastmath\n\ndef test_deliberately_broken():\n    assert fastmath.fib(10) == 56\n"
    )
    result = wasmwheel("test", str(project), "--wheel", str(example_wheel), check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "FAILED tests/test_broken.py::test_deliberately_broken" in result.stdout
    assert "assert 55 == 56" in result.stdout
    assert "12 passed" in result.stdout  # the other tests still ran
    record = load_record(example_wheel)
    assert record is not None and record.refusal()  # publish would now refuse these bytes
    wasmwheel("test", str(EXAMPLE), "--wheel", str(example_wheel))  # the real suite passes again
    record = load_record(example_wheel)
    assert record is not None and record.refusal() is None  # node's latest run passed


def test_build_prints_only_the_wheel_path_on_stdout(tmp_path: Path) -> None:
    result = wasmwheel("build", str(EXAMPLE), "--outdir", str(tmp_path / "dist"))
    assert result.stdout.splitlines() == [str(tmp_path / "dist" / EXAMPLE_WHEEL_NAME)]
    assert "==> " in result.stderr  # progress went to stderr


def test_an_unchanged_build_is_reused_and_a_changed_byte_is_rebuilt(tmp_path: Path) -> None:
    project = tmp_path / "fastmath"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
    first = wasmwheel("build", str(project), "--route", "debian")
    wheel = Path(first.stdout.strip())
    built_bytes = wheel.read_bytes()
    again = wasmwheel("build", str(project), "--route", "debian")
    assert again.stdout.strip() == str(wheel)
    assert (f"up to date: reusing {wheel} (sources, pins and route unchanged); --force rebuilds"
            in again.stderr)
    assert "building fastmath with pyodide build" not in again.stderr
    source = project / "src" / "fastmath" / "_core.c"
    source.write_bytes(source.read_bytes() + b"/* one more comment */\n")  # shipped in the wheel
    changed = wasmwheel("build", str(project), "--route", "debian")
    assert "the sources changed: building" in changed.stderr
    assert "building fastmath with pyodide build" in changed.stderr
    assert wheel.read_bytes() != built_bytes  # the new _core.c is in it
    forced = wasmwheel("build", str(project), "--route", "debian", "--force")
    assert "building fastmath with pyodide build" in forced.stderr


def test_compile_error_fails_cleanly(tmp_path: Path) -> None:
    project = tmp_path / "broken"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", "build"))
    source = project / "src" / "fastmath" / "_core.c"
    lines = source.read_text().splitlines()
    source.write_text("\n".join([*lines, "this is not C;", ""]))
    result = wasmwheel("build", str(project), check=False)
    assert result.returncode == ExitCode.BUILD_FAILED, result.stderr[-3000:]
    assert result.stdout == ""
    # The last lines the user sees: the error summary, then the hint.
    summary = result.stderr[result.stderr.rindex("\nerror: "):]
    assert f"_core.c:{len(lines) + 1}:1: error: unknown type name 'this'" in summary
    assert "this is not C" in summary  # the compiler's source excerpt
    assert "Traceback (most recent call last)" not in summary
    assert "BuildBackendException" not in summary
    assert "error: pyodide build of broken failed" in summary
    assert "Traceback (most recent call last)" in result.stderr  # the full log was streamed
    assert not (project / "dist").exists()


@pytest.mark.parametrize(("requirement", "test_dir"), SDISTS)
def test_real_sdist_from_pypi_builds_and_passes(requirement: str, test_dir: str,
                                                tmp_path: Path) -> None:
    sdist = download_sdist(requirement, tmp_path / "sdist")
    built = wasmwheel("build", str(sdist), "--outdir", str(tmp_path / "dist"))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel.name.endswith(f"-{current_target().platform_tag}.whl")

    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (project,) = (tmp_path / "src").iterdir()
    env = os.environ | {"WASMWHEEL_TEST_PATHS": test_dir}
    result = wasmwheel("test", str(project), "--wheel", str(wheel), check=False, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()
    node_row = next(line for line in summary if line.startswith("node "))
    assert node_row.split()[1] == "ok"
    assert int(node_row.split()[2]) >= 50  # passed: the real suites have dozens of tests


PYBIND11_PROJECT = {
    "pyproject.toml": """\
[build-system]
requires = ["setuptools>=68", "pybind11>=2.12"]
build-backend = "setuptools.build_meta"

[project]
name = "cxxdemo"
version = "0.1.0"
""",
    "setup.py": """\
from pybind11.setup_helpers import Pybind11Extension
from setuptools import setup

setup(ext_modules=[Pybind11Extension("cxxdemo", ["cxxdemo.cpp"], cxx_std=17)])
""",
    "cxxdemo.cpp": """\
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;

double safe_div(double a, double b) {
    if (b == 0) throw std::domain_error("cannot divide by zero");
    return a / b;
}

std::vector<int> squares(int n) {
    if (n < 0) throw std::out_of_range("n must be >= 0");
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(i * i);
    return out;
}

PYBIND11_MODULE(cxxdemo, m) {
    m.def("safe_div", &safe_div);
    m.def("squares", &squares);
    m.def("shout", [](const std::string &s) { return s + "!"; });
}
""",
    "tests/test_cxxdemo.py": """\
import pytest

import cxxdemo


def test_values_cross_the_boundary():
    assert cxxdemo.safe_div(1, 4) == 0.25
    assert cxxdemo.squares(4) == [0, 1, 4, 9]
    assert cxxdemo.shout("wasm") == "wasm!"


def test_cpp_exceptions_become_python_exceptions():
    with pytest.raises(ValueError, match="divide by zero"):
        cxxdemo.safe_div(1, 0)
    with pytest.raises(IndexError):
        cxxdemo.squares(-1)
""",
}


# Every target: Emscripten 6 (Pyodide 315) changed how C++ exceptions meet wasm-opt.
@pytest.mark.parametrize("target", list(load_toolchain().targets))
def test_pybind11_cpp_exceptions_project(tmp_path: Path, target: str) -> None:
    project = tmp_path / "cxxdemo"
    for name, text in PYBIND11_PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    wasmwheel("--target", target, "build", str(project))
    # finds the wheel in project/dist
    result = wasmwheel("--target", target, "test", str(project), check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
