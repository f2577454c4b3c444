"""Where an unmodified source keeps its tests, and which dependency group they need."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmwheel.config.suite import dependency_group, discover_test_paths
from wasmwheel.errors import ConfigError


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({"tests/test_a.py": ""}, ("tests",), id="tests-at-root"),
    pytest.param({"test/test_a.py": ""}, ("test",), id="test-at-root"),
    pytest.param({"pkg/__init__.py": "", "pkg/tests/__init__.py": "",
                  "pkg/tests/test_a.py": ""}, ("pkg/tests",), id="inside-the-package"),
    pytest.param({"src/pkg/__init__.py": "", "src/pkg/tests/test_a.py": ""},
                 ("src/pkg/tests",), id="src-layout"),
    pytest.param({"pkg/__init__.py": "", "pkg/tests/helpers.py": ""}, (),
                 id="package-tests-dir-without-test-files"),
    pytest.param({"test_pkg.py": "", "setup.py": ""}, ("test_pkg.py",), id="root-test-module"),
    pytest.param({"pkg/__init__.py": "", "pkg/core.py": "", "setup.py": ""}, (), id="none"),
    pytest.param({"pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["spec"]\n',
                  "spec/test_a.py": "", "tests/test_b.py": ""}, ("spec",),
                 id="pyproject-testpaths-win"),
    pytest.param({"setup.cfg": "[tool:pytest]\ntestpaths = checks\n", "checks/test_a.py": ""},
                 ("checks",), id="setup-cfg-testpaths"),
    pytest.param({"tox.ini": "[pytest]\ntestpaths =\n    a\n    b\n", "a/test_x.py": "",
                  "b/test_y.py": ""}, ("a", "b"), id="tox-ini-testpaths"),
    pytest.param({"pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["gone"]\n',
                  "tests/test_b.py": ""}, ("tests",), id="testpaths-missing-from-the-sdist"),
])
def test_discover_test_paths(tmp_path: Path, files: dict[str, str],
                             expected: tuple[str, ...]) -> None:
    assert discover_test_paths(tree(tmp_path, files)) == expected


GROUPS = """
[dependency-groups]
lint = ["ruff"]
Test = ["pytest>=8", {include-group = "typing"}, "tzdata; platform_system == 'Windows'"]
typing = ["typing-extensions"]
dev = ["ruff", {include-group = "test"}]
"""


def test_test_group_with_its_includes(tmp_path: Path) -> None:
    root = tree(tmp_path, {"pyproject.toml": GROUPS})
    assert dependency_group(root) == ("test", ["pytest>=8", "typing-extensions",
                                               "tzdata; platform_system == 'Windows'"])


def test_dev_group_only_without_a_test_group(tmp_path: Path) -> None:
    root = tree(tmp_path, {"pyproject.toml": '[dependency-groups]\ndev = ["hypothesis"]\n'
                                             'docs = ["sphinx"]\n'})
    assert dependency_group(root) == ("dev", ["hypothesis"])


def test_no_groups(tmp_path: Path) -> None:
    assert dependency_group(tree(tmp_path, {"setup.py": ""})) is None
    assert dependency_group(tree(tmp_path, {"pyproject.toml": "[project]\nname = 'p'\n"})) is None


@pytest.mark.parametrize("groups", [
    '[dependency-groups]\ntest = [{include-group = "test"}]\n',
    '[dependency-groups]\ntest = [{include-group = "missing"}]\n',
    '[dependency-groups]\ntest = [3]\n',
])
def test_broken_groups_are_config_errors(tmp_path: Path, groups: str) -> None:
    with pytest.raises(ConfigError, match="dependency-groups"):
        dependency_group(tree(tmp_path, {"pyproject.toml": groups}))
