from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from wasmwheel.config.project import stage
from wasmwheel.errors import ProjectError


def make_project(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '1'\n")
    (root / "pkg" / "__init__.py").write_text("")
    return root


def test_stage_copies_project_without_build_leftovers(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    for leftover in ("build/lib", ".git/objects", "dist", "demo.egg-info"):
        (project / leftover).mkdir(parents=True)
    staged = stage(project, tmp_path / "work")
    assert (staged.root / "pyproject.toml").is_file()
    assert (staged.root / "pkg" / "__init__.py").is_file()
    for leftover in ("build", ".git", "dist", "demo.egg-info"):
        assert not (staged.root / leftover).exists(), leftover


def test_stage_unpacks_sdist(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo-1")
    sdist = tmp_path / "demo-1.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(project, arcname="demo-1")
    staged = stage(sdist, tmp_path / "work")
    assert staged.root.name == "demo-1"
    assert (staged.root / "pyproject.toml").is_file()


def test_directory_without_project_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProjectError, match="neither pyproject.toml nor setup.py"):
        stage(tmp_path / "empty", tmp_path / "work")


def test_missing_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="does not exist"):
        stage(tmp_path / "nope", tmp_path / "work")


def test_corrupt_sdist_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad-1.tar.gz"
    bad.write_bytes(b"not a tarball")
    with pytest.raises(ProjectError, match="not a readable sdist"):
        stage(bad, tmp_path / "work")
