"""The tier rules in tests/conftest.py, run on a throwaway suite laid out like ours."""

from __future__ import annotations

import pytest

from helpers.paths import REPO

pytest_plugins = ["pytester"]

SLOW = "import pytest\n\ndef test_slow():\n    pass\n"
MARKED = "import pytest\n\npytestmark = pytest.mark.integration\n\ndef test_slow():\n    pass\n"


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """tests/conftest.py (ours), an empty tests/unit and tests/integration, our markers."""
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\naddopts = ["--strict-markers"]\n'
        f'pythonpath = ["{REPO / "src"}", "{REPO / "tests"}"]\n'
        'markers = ["integration: slow"]\n')
    (pytester.path / "tests" / "unit").mkdir(parents=True)
    (pytester.path / "tests" / "integration").mkdir()
    (pytester.path / "tests" / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text())
    (pytester.path / "tests" / "unit" / "test_fast.py").write_text("def test_fast():\n    pass\n")
    return pytester


def test_an_unmarked_integration_test_is_refused(suite: pytest.Pytester) -> None:
    (suite.path / "tests" / "integration" / "test_new.py").write_text(SLOW)
    result = suite.runpytest_subprocess("-m", "not integration")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "*tests in the wrong tier:*",
        "*tests/integration/test_new.py::test_slow: in tests/integration but not marked*"])


def test_a_marked_test_outside_integration_is_refused(suite: pytest.Pytester) -> None:
    (suite.path / "tests" / "unit" / "test_slow.py").write_text(MARKED)
    result = suite.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*tests/unit/test_slow.py::test_slow: marked integration*"])


def test_marked_integration_tests_are_what_the_fast_tier_leaves_out(suite: pytest.Pytester) -> None:
    (suite.path / "tests" / "integration" / "test_new.py").write_text(MARKED)
    result = suite.runpytest_subprocess("-m", "not integration")
    result.assert_outcomes(passed=1, deselected=1)
