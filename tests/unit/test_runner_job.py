import json
import zipfile
from pathlib import Path

import pytest

from wasmwheel.runner.job import (
    PLUGIN_NAME,
    installed_test_paths,
    prepare_job,
    pytest_arguments,
    write_tests_archive,
)


def make_project(root: Path) -> Path:
    (root / "tests" / "sub" / "__pycache__").mkdir(parents=True)
    (root / "src" / "pkg").mkdir(parents=True)
    for name in ["pyproject.toml", "conftest.py", "src/pkg/__init__.py", "tests/test_a.py",
                 "tests/sub/test_b.py", "tests/sub/data.txt", "tests/sub/__pycache__/x.pyc",
                 "README.md"]:
        (root / name).write_text(name)
    return root


def test_archive_has_tests_and_root_config_but_not_the_source(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    names = write_tests_archive(project, ["tests"], tmp_path / "t.zip")
    assert names == ["conftest.py", "pyproject.toml", "tests/sub/data.txt", "tests/sub/test_b.py",
                     "tests/test_a.py"]
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        assert archive.read("tests/test_a.py") == b"tests/test_a.py"


def test_archive_is_reproducible(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    write_tests_archive(project, ["tests"], tmp_path / "1.zip")
    write_tests_archive(project, ["tests"], tmp_path / "2.zip")
    assert (tmp_path / "1.zip").read_bytes() == (tmp_path / "2.zip").read_bytes()


def test_pytest_arguments(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert pytest_arguments(project, ["tests"], ["-x"], ["-k", "fast"]) == ["-x", "-k", "fast", "tests"]
    # naming tests replaces the default paths
    assert pytest_arguments(project, ["tests"], [], ["tests/test_a.py::test_one", "-v"]) == [
        "tests/test_a.py::test_one", "-v"]


def test_prepare_job_and_json(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    wheel = tmp_path / "p-1.0-py3-none-any.whl"
    wheel.write_bytes(b"wheel")
    job = prepare_job(tmp_path / "job", project_dir=project, test_paths=["tests"], wheels=[wheel],
                      import_check=["pkg"], pytest_args=["tests"], test_timeout=5, run_timeout=60)
    path = job.write("job.node.json", index_url="file:///dist/", result="result.node.json")
    data = json.loads(path.read_text())
    assert data == {
        "schema": 1, "indexURL": "file:///dist/", "wheels": ["wheels/p-1.0-py3-none-any.whl"],
        "tests": "tests.zip", "plugin": PLUGIN_NAME, "workdir": "/home/pyodide/project",
        "importCheck": ["pkg"], "pytestArgs": ["tests"], "timeouts": {"test": 5, "run": 60},
        "result": "result.node.json",
    }
    # every file the job names is relative to job.json and present
    for name in [*data["wheels"], data["tests"], data["plugin"]]:
        assert (path.parent / name).is_file()
    assert b"def run(" in (path.parent / data["plugin"]).read_bytes()


@pytest.mark.parametrize(("test_paths", "names", "expected"), [
    pytest.param(["cytoolz"], ["cytoolz/__init__.py", "cytoolz/tests/test_a.py"],
                 {"cytoolz": "cytoolz"}, id="the-package-itself"),
    pytest.param(["src/pkg/tests"], ["pkg/tests/test_a.py"], {"src/pkg/tests": "pkg.tests"},
                 id="src-layout"),
    pytest.param(["pkg/tests"], ["pkg/__init__.py", "pkg/core.py"], {},
                 id="tests-left-out-of-the-wheel"),
    pytest.param(["tests"], ["pkg/__init__.py"], {}, id="root-tests"),
    pytest.param(["pkg/test_x.py"], ["pkg/test_x.py"], {"pkg/test_x.py": "pkg.test_x"},
                 id="one-module"),
])
def test_test_paths_the_wheel_installs_run_from_there(
        test_paths: list[str], names: list[str], expected: dict[str, str]) -> None:
    assert installed_test_paths(test_paths, names) == expected
