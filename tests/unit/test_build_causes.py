"""Builds that fail for a reason no code fix solves are said in one line: a missing
external native library, a download at build time, an unreachable package index.

The logs are in data/tool_output (its README says which are real captures).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wasmwheel.errors import BuildError, BuildIndexError, ExitCode
from wasmwheel.toolchain.build_causes import known_cause
from wasmwheel.toolchain.pyodide_build import build_error, run_pyodide_build

DATA = Path(__file__).parent / "data" / "tool_output"
CANNOT_PROVIDE = "wasmwheel cannot provide external native libraries"


def output(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("log", "named"),
    [
        ("pyodide-build-missing-header.txt", "the header libxml/xmlversion.h"),
        ("pyodide-build-missing-library.txt", "the library -lxml2"),
        ("meson-dependency-not-found.txt", "the meson dependency libxml-2.0"),
        ("cmake-find-package-required.txt", "the CMake package ZLIB"),
    ],
)
def test_missing_external_library_is_named_in_one_line(log: str, named: str) -> None:
    cause = known_cause(output(log))
    assert cause is not None
    assert f"the build needs {named}," in cause.message
    assert CANNOT_PROVIDE in cause.message
    assert "\n" not in cause.message
    assert "vendor" in cause.hint and "Pyodide" in cause.hint
    assert not cause.index_failed


def test_gcc_wording_of_a_missing_header() -> None:
    log = "x.c:1:10: fatal error: libxml/parser.h: No such file or directory\n"
    cause = known_cause(log)
    assert cause is not None and "the header libxml/parser.h" in cause.message


def test_a_header_the_project_has_is_not_called_external(tmp_path: Path) -> None:
    # A project header not on the include path is a project bug, not a missing library.
    (tmp_path / "include" / "demo").mkdir(parents=True)
    (tmp_path / "include" / "demo" / "config.h").write_text("")
    log = "src/a.c:1:10: fatal error: 'demo/config.h' file not found\n"
    assert known_cause(log, tmp_path) is None
    assert known_cause(log.replace("demo/config.h", "other/config.h"), tmp_path) is not None


@pytest.mark.parametrize("header", ["numpy/arrayobject.h", "pybind11/pybind11.h", "Python.h"])
def test_a_build_requirements_header_is_not_a_native_library(header: str) -> None:
    assert known_cause(f"src/a.c:1:10: fatal error: '{header}' file not found\n") is None


def test_an_optional_cmake_probe_is_not_the_cause() -> None:
    # `-- Could NOT find OpenMP_C` (no REQUIRED) precedes the real failure; with only that
    # line, there is no known cause.
    log = "-- Could NOT find OpenMP_C (missing: OpenMP_C_FLAGS)\nsrc/a.c:3:1: error: boom\n"
    assert known_cause(log) is None


def test_a_pkg_config_probe_does_not_hide_a_compile_error() -> None:
    log = ("Package libfoo was not found in the pkg-config search path.\n"
           "src/a.c:3:1: error: unknown type name 'this'\n")
    assert known_cause(log) is None
    cause = known_cause(log.splitlines()[0])
    assert cause is not None and "the pkg-config package libfoo" in cause.message


@pytest.mark.parametrize(
    ("log", "reached"),
    [
        ("pyodide-build-setup-py-downloads.txt", "from setup.py, line 3"),
        ("cmake-fetchcontent-no-network.txt", "https://github.com/fmtlib/fmt.git/"),
        ("meson-wrap-no-network.txt",
         "https://github.com/facebook/zstd/releases/download/v1.5.6/zstd-1.5.6.tar.gz"),
    ],
)
def test_a_download_at_build_time_is_said_with_what_it_reached(log: str, reached: str) -> None:
    cause = known_cause(output(log))
    assert cause is not None
    assert cause.message.startswith(f"the build tried to download ({reached}) and could not")
    assert "\n" not in cause.message
    assert "sdist" in cause.hint
    assert not cause.index_failed


@pytest.mark.parametrize(
    "line",
    [
        "socket.gaierror: [Errno -3] Temporary failure in name resolution",
        "curl: (6) Could not resolve host: example.org",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        ("requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.0.0.1', port=80): "
        "Max retries exceeded with url: /x (Caused by NewConnectionError('Failed to establish "
        "a new connection: [Errno 101] Network is unreachable'))"),
    ],
)
def test_each_way_a_download_fails_is_recognised(line: str) -> None:
    cause = known_cause(f"Traceback (most recent call last):\n  ...\n{line}\n")
    assert cause is not None and cause.message.startswith("the build tried to download")


def test_the_host_is_named_when_no_url_is_printed() -> None:
    line = ("requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.0.0.1', port=80): "
            "Max retries exceeded")
    cause = known_cause(line)
    assert cause is not None and "(10.0.0.1:80)" in cause.message


def test_an_unreachable_index_is_not_a_download_by_the_build() -> None:
    cause = known_cause(output("pyodide-build-index-unreachable.txt"))
    assert cause is not None
    assert cause.index_failed
    assert cause.message.startswith("installing the build requirement setuptools>=68 from the "
                                    "package index failed; pip could not connect to the index")
    assert "download" not in cause.message


def test_other_failures_keep_their_first_real_errors() -> None:
    for log in ("pyodide-build-compile-error.txt", "pyodide-build-setup-py-raises.txt",
                "emcc-duplicate-symbol.txt", "scikit-build-core-pure-fallback.txt"):
        assert known_cause(output(log)) is None, log


def test_build_error_is_one_line_for_a_known_cause(tmp_path: Path) -> None:
    error = build_error(tmp_path / "needsxml", 1, output("pyodide-build-missing-header.txt"))
    assert type(error) is BuildError
    assert error.return_code == ExitCode.BUILD_FAILED
    assert error.message.startswith("pyodide build of needsxml failed (exit 1): the build needs "
                                    "the header libxml/xmlversion.h")
    assert "\n" not in error.message


def test_build_error_for_an_unreachable_index_says_retry(tmp_path: Path) -> None:
    error = build_error(tmp_path / "p", 1, output("pyodide-build-index-unreachable.txt"))
    assert isinstance(error, BuildIndexError)
    assert error.return_code == ExitCode.TEMPORARY


def test_build_error_otherwise_shows_the_compilers_errors(tmp_path: Path) -> None:
    error = build_error(tmp_path / "fastmath", 1, output("pyodide-build-compile-error.txt"))
    assert "src/fastmath/_core.c:114:1: error: unknown type name 'this'" in error.message
    assert error.hint is not None and "64-bit" in error.hint


def test_routes_raise_the_shared_build_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake_pyodide.py"
    fake.write_text(f"import sys\nsys.stdout.write(open({str(DATA / 'pyodide-build-missing-library.txt')!r}).read())\n"
                    "sys.exit(1)\n")
    (tmp_path / "project").mkdir()
    with pytest.raises(BuildError) as raised:
        run_pyodide_build([sys.executable, str(fake)], tmp_path / "project", tmp_path / "dist", {})
    assert "the build needs the library -lxml2" in raised.value.message
