from pathlib import Path

import pytest

from wasmwheel.config.settings import ConfigWarning, TestConfig, load_test_config
from wasmwheel.config.suite import NoTestsError
from wasmwheel.errors import ConfigError, ExitCode, ProjectError


def project(tmp_path: Path, tool: str = "", tests: bool = True) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\n{tool}')
    if tests:
        (tmp_path / "tests").mkdir()
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    assert load_test_config(project(tmp_path), environ={}) == TestConfig()


def test_pyproject_values(tmp_path: Path) -> None:
    (tmp_path / "more").mkdir()
    config = load_test_config(project(tmp_path, """
[tool.wasmwheel]
route = "debian"            # a build key: not ours, no warning
test-paths = ["tests", "more"]
test-requires = ["pytest==9.0.2", "hypothesis"]
test-extras = ["test"]
test-args = ["-x"]
test-timeout = 30
test-run-timeout = 120.5
"""), environ={})
    assert config == TestConfig(test_paths=("tests", "more"),
                                test_requires=("pytest==9.0.2", "hypothesis"),
                                test_extras=("test",), test_args=("-x",),
                                test_timeout=30.0, test_run_timeout=120.5,
                                requires_configured=True)


def test_environment_overrides_pyproject(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.wasmwheel]\ntest-timeout = 5\ntest-args = ["-q"]\n')
    config = load_test_config(root, environ={
        "WASMWHEEL_TEST_TIMEOUT": "7", "WASMWHEEL_TEST_ARGS": "-k 'a and b' -v",
        "WASMWHEEL_TEST_REQUIRES": "pytest attrs>=23"})
    assert config.test_timeout == 7.0
    assert config.test_args == ("-k", "a and b", "-v")
    assert config.test_requires == ("pytest", "attrs>=23")


def test_unknown_test_key_warns(tmp_path: Path) -> None:
    with pytest.warns(ConfigWarning, match="test-pathz"):
        load_test_config(project(tmp_path, '[tool.wasmwheel]\ntest-pathz = ["x"]\n'), environ={})


@pytest.mark.parametrize("tool", ['test-timeout = "soon"', "test-timeout = -1",
                                  "test-paths = [1]"])
def test_bad_values(tmp_path: Path, tool: str) -> None:
    with pytest.raises(ConfigError):
        load_test_config(project(tmp_path, f"[tool.wasmwheel]\n{tool}\n"), environ={})


def test_no_pyproject(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no pyproject.toml") as info:
        load_test_config(tmp_path, environ={})
    assert info.value.hint


def test_no_tests_anywhere(tmp_path: Path) -> None:
    with pytest.raises(NoTestsError, match="ships no tests") as info:
        load_test_config(project(tmp_path, tests=False), environ={})
    assert info.value.return_code == ExitCode.NO_INPUT
    assert "test-paths" in (info.value.hint or "")


def test_configured_test_path_that_is_missing(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.wasmwheel]\ntest-paths = ["spec"]\n')
    with pytest.raises(ProjectError, match="'spec' does not exist") as info:
        load_test_config(root, environ={})
    assert "test-paths" in (info.value.hint or "")


def test_discovered_paths_when_not_configured(tmp_path: Path) -> None:
    root = project(tmp_path, tests=False)
    (root / "pkg" / "tests").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "tests" / "test_pkg.py").write_text("def test(): pass\n")
    config = load_test_config(root, environ={})
    assert config.test_paths == ("pkg/tests",) and not config.requires_configured


def test_setup_py_only_project(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    (tmp_path / "test").mkdir()
    assert load_test_config(tmp_path, environ={}).test_paths == ("test",)


def test_path_outside_project(tmp_path: Path) -> None:
    root = project(tmp_path / "p", '[tool.wasmwheel]\ntest-paths = ["../elsewhere"]\n')
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(ConfigError, match="outside the project"):
        load_test_config(root, environ={})
