"""`run_tests` in Debian's Chromium and Firefox, on the page's thread and in a Web Worker.

Uses the real cache (Node, Pyodide, puppeteer-core, pytest's wheels) and the
installed browsers; tiny wheels are written on the fly (helpers.wheels).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.paths import EXAMPLE
from helpers.projects import TINY, write_project
from helpers.wheels import make_wheel
from wasmwheel import errors
from wasmwheel.runner import run_tests
from wasmwheel.runner.report import overall_exit_code

pytestmark = pytest.mark.integration

BROWSERS = ("chromium", "firefox")  # each: the page's main thread, then a Web Worker
RUN_TIMEOUT = 120  # seconds per runtime: a stuck page fails in minutes, with its evidence saved
CONTEXTS = ["chromium-main", "chromium-worker", "firefox-main", "firefox-worker"]

MIXED_SUITE = """
    import sys
    import pytest
    import tiny

    def test_passes():
        assert sys.platform == "emscripten" and tiny.add(1, 2) == 3

    def test_fails():
        assert tiny.add(1, 1) == 3

    @pytest.fixture
    def broken():
        raise RuntimeError("fixture broke")

    def test_errors(broken):
        pass

    def test_hangs():
        while True:
            pass
"""


def test_every_outcome_comes_back_and_a_failure_fails_every_context(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", MIXED_SUITE)
    out = tmp_path / "out"
    output: list[bytes] = []
    wheel = make_wheel(tmp_path, "tiny", "0.1", files=TINY)
    reports = run_tests(project, wheel, BROWSERS, test_timeout=2, timeout=RUN_TIMEOUT,
                        echo=output.append, output_dir=out)

    assert [r.runtime for r in reports] == CONTEXTS
    for report in reports:
        by_name = {t.nodeid.split("::")[1]: t for t in report.tests}
        assert {name: t.outcome for name, t in by_name.items()} == {
            "test_passes": "passed", "test_fails": "failed", "test_errors": "error",
            "test_hangs": "failed"}, report.runtime
        assert report.exit_code == 1 and not report.ok
        assert "assert 2 == 3" in by_name["test_fails"].longrepr
        assert "fixture broke" in by_name["test_errors"].longrepr
        assert "ran longer than 2s" in by_name["test_hangs"].longrepr  # per-test timeout
        assert report.boot_seconds > 0 and report.suite_seconds > 0
        assert report.wall_seconds > report.boot_seconds + report.suite_seconds
        # the evidence of a failed run
        assert (out / f"screenshot-{report.runtime}.png").read_bytes()[:4] == b"\x89PNG"
        assert "assert 2 == 3" in (out / f"page-{report.runtime}.log").read_text()
    assert overall_exit_code(reports) == 1
    streamed = b"".join(output).decode()
    assert streamed.count("2 failed, 1 passed, 1 error") == len(CONTEXTS)  # live, from each


def test_all_passing_exits_zero_and_leaves_no_evidence(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", """
        import tiny
        def test_add():
            assert tiny.add(2, 3) == 5
    """)
    out = tmp_path / "out"
    reports = run_tests(project, make_wheel(tmp_path, "tiny", "0.1", files=TINY),
                        ["chromium-worker", "firefox-main"], timeout=RUN_TIMEOUT, echo=None,
                        output_dir=out)
    assert [(r.runtime, r.exit_code, r.passed) for r in reports] == [
        ("chromium-worker", 0, 1), ("firefox-main", 0, 1)]
    assert not out.exists()


def test_the_loaders_error_surfaces_verbatim_in_the_page(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", "def test_x():\n    pass\n")
    wheel = make_wheel(tmp_path, "tiny", "0.1", "cp314-cp314-pyemscripten_2026_0_wasm32", files={
        "tiny/__init__.py": "from ._ext import f\n",
        "tiny/_ext.cpython-314-wasm32-emscripten.so": "this is not WebAssembly",
    })
    with pytest.raises(errors.TestRunError) as info:
        run_tests(project, wheel, ["chromium-main"], timeout=RUN_TIMEOUT, echo=None,
                  output_dir=tmp_path / "out")
    assert info.value.message.startswith("chromium-main: Pyodide could not install the wheels")
    assert "Failed to load dynamic library" in info.value.message  # Pyodide's own words
    assert (tmp_path / "out" / "page-chromium-main.log").is_file()


def test_a_wheel_that_does_not_import_in_a_worker_is_a_clear_error(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", "def test_x():\n    pass\n")
    wheel = make_wheel(tmp_path, "tiny", "0.1",
                       files={"tiny/__init__.py": "import not_installed_anywhere\n"})
    with pytest.raises(errors.TestRunError) as info:
        run_tests(project, wheel, ["firefox-worker"], timeout=RUN_TIMEOUT, echo=None,
                  output_dir=tmp_path / "out")
    assert "firefox-worker: the wheel under test does not import" in info.value.message
    assert "No module named 'not_installed_anywhere'" in info.value.message


def test_the_example_c_extension_passes_in_both_browsers(
        tmp_path: Path, example_wheel: Path) -> None:
    reports = run_tests(EXAMPLE, example_wheel, BROWSERS, timeout=RUN_TIMEOUT, echo=None,
                        output_dir=tmp_path / "out")
    assert [r.runtime for r in reports] == CONTEXTS
    assert all(r.ok and r.passed > 0 and r.failed == r.errors == 0 for r in reports), reports
    assert len({r.passed for r in reports}) == 1  # the same suite everywhere
