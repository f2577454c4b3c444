"""`run_tests` against the real Pyodide runtime in Node, with tiny wheels made on the fly
(helpers.wheels).

Uses the real cache (Node, the Pyodide npm package, pytest's wheels from PyPI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.projects import TINY, write_project
from helpers.wheels import make_wheel
from wasmwheel import errors
from wasmwheel.runner import TestReport, run_tests

pytestmark = pytest.mark.integration

MIXED_SUITE = """
    import sys
    import pytest
    import six  # from the wheel's Requires-Dist (marker: sys_platform == "emscripten")
    import tiny

    def test_passes():
        assert sys.platform == "emscripten"
        assert tiny.add(1, 2) == 3

    def test_fails():
        assert tiny.add(1, 1) == 3

    @pytest.fixture
    def broken():
        raise RuntimeError("fixture broke")

    def test_errors(broken):
        pass

    @pytest.mark.skip(reason="not today")
    def test_skipped():
        pass

    @pytest.mark.xfail(reason="known bug", strict=True)
    def test_xfails():
        assert False

    def test_hangs():
        while True:
            pass

    def test_after_the_hang():
        assert tiny.add(2, 2) == 4
"""


REQUIRES = ["six; sys_platform == 'emscripten'", "colorama; sys_platform == 'win32'"]


def test_outcomes_are_faithful_and_a_failure_fails_the_run(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", MIXED_SUITE)
    wheel = make_wheel(tmp_path, "tiny", "0.1", files=TINY, requires=REQUIRES)
    output: list[bytes] = []
    (report,) = run_tests(project, wheel, ["node"], test_timeout=3, echo=output.append)

    outcomes = {t.nodeid.split("::")[1]: t.outcome for t in report.tests}
    assert outcomes == {
        "test_passes": "passed", "test_fails": "failed", "test_errors": "error",
        "test_skipped": "skipped", "test_xfails": "xfailed", "test_hangs": "failed",
        "test_after_the_hang": "passed",
    }
    assert report.exit_code == 1 and not report.ok
    assert (report.passed, report.failed, report.errors, report.skipped) == (2, 2, 1, 1)
    by_name = {t.nodeid.split("::")[1]: t for t in report.tests}
    assert "assert 2 == 3" in by_name["test_fails"].longrepr
    assert "fixture broke" in by_name["test_errors"].longrepr
    assert "ran longer than 3s" in by_name["test_hangs"].longrepr
    assert report.boot_seconds > 0 and report.suite_seconds > 0
    assert report.wall_seconds >= report.boot_seconds + report.suite_seconds
    streamed = b"".join(output).decode()
    assert "platform emscripten" in streamed and "2 failed" in streamed


def test_all_passing_exits_zero(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", """
        import tiny
        def test_add():
            assert tiny.add(2, 3) == 5
    """)
    (report,) = run_tests(project, make_wheel(tmp_path, "tiny", "0.1", files=TINY), echo=None)
    assert isinstance(report, TestReport)
    assert report.exit_code == 0 and report.passed == 1 and report.ok


def test_a_wheel_that_does_not_import_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", "def test_x():\n    pass\n")
    wheel = make_wheel(tmp_path, "tiny", "0.1",
                       files={"tiny/__init__.py": "import not_installed_anywhere\n"})
    with pytest.raises(errors.TestRunError) as info:
        run_tests(project, wheel, echo=None)
    assert "does not import" in info.value.message
    assert "No module named 'not_installed_anywhere'" in info.value.message


def test_the_loaders_error_surfaces_verbatim(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", "def test_x():\n    pass\n")
    wheel = make_wheel(tmp_path, "tiny", "0.1", "cp314-cp314-pyemscripten_2026_0_wasm32", files={
        "tiny/__init__.py": "from ._ext import f\n",
        "tiny/_ext.cpython-314-wasm32-emscripten.so": "this is not WebAssembly",
    })
    with pytest.raises(errors.TestRunError) as info:
        run_tests(project, wheel, echo=None)
    assert "Pyodide could not install the wheels" in info.value.message
    assert "Failed to load dynamic library" in info.value.message  # Pyodide's own words


def test_the_whole_run_timeout_names_the_running_test(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", """
        def test_forever():
            while True:
                pass
    """)
    with pytest.raises(errors.TestRunError, match="while running tests/test_tiny.py::test_forever"):
        run_tests(project, make_wheel(tmp_path, "tiny", "0.1", files=TINY), timeout=20, echo=None)
