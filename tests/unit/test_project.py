from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest
from packaging.version import Version

from wasmwheel.config.project import (
    Identity,
    identity,
    source_digest,
    source_files,
    stage,
    wheel_dir,
)
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
    with pytest.raises(ProjectError, match="damaged sdist"):
        stage(bad, tmp_path / "work")


def test_stage_keeps_subpackages_named_like_root_outputs(tmp_path: Path) -> None:
    # `build`, `dist`, `venv`, `node_modules` are outputs only at the root;
    # deeper they are code: `src/pkg/build/` must reach the wheel.
    project = make_project(tmp_path / "demo")
    kept = ["pkg/build/__init__.py", "pkg/dist/helpers.py", "pkg/venv/__init__.py",
            "pkg/node_modules/x.js", "pkg/data/fixture.whl"]
    dropped = ["pkg/__pycache__/x.pyc", "pkg/.git/HEAD", "src/demo.egg-info/PKG-INFO",
               ".wasmwheel/test-output/page.log", "old.whl", "venv/bin/python",
               "node_modules/x.js"]
    for rel in kept + dropped:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("x")
    staged = stage(project, tmp_path / "work")
    for rel in kept:
        assert (staged.root / rel).is_file(), rel
    for rel in dropped:
        assert not (staged.root / rel).exists(), rel


def test_stage_of_a_relative_path_applies_root_rules_at_the_root_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "demo")
    (project / "dist").mkdir()
    (project / "pkg" / "dist").mkdir()
    (project / "pkg" / "dist" / "__init__.py").write_text("")
    monkeypatch.chdir(project)
    staged = stage(Path("."), tmp_path / "work")
    assert not (staged.root / "dist").exists()
    assert (staged.root / "pkg" / "dist" / "__init__.py").is_file()


def test_source_files_are_what_stage_copies(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    for rel in ("build/lib/x.py", "pkg/build/__init__.py", "pkg/__pycache__/x.pyc"):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text("x")
    listed = {p.relative_to(project).as_posix() for p in source_files(project)}
    staged = stage(project, tmp_path / "work").root
    copied = {p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()}
    assert listed == copied == {"pyproject.toml", "pkg/__init__.py", "pkg/build/__init__.py"}


def test_source_digest_follows_staged_bytes_not_times_or_outputs(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    (project / "tests").mkdir()
    (project / "tests" / "test_x.py").write_text("x")
    before = source_digest(project)
    os.utime(project / "pyproject.toml", ns=(5 * 10**9, 5 * 10**9))
    (project / "dist").mkdir()
    (project / "dist" / "demo-1-py3-none-any.whl").write_text("an output, not a source")
    (project / "__pycache__").mkdir()
    (project / "__pycache__" / "x.pyc").write_text("")
    assert source_digest(project) == before
    without_tests = source_digest(project, unbuilt=("tests",))
    (project / "tests" / "test_x.py").write_text("y")
    assert source_digest(project) != before
    assert source_digest(project, unbuilt=("tests",)) == without_tests
    (project / "pkg" / "__init__.py").rename(project / "pkg" / "renamed.py")
    assert source_digest(project, unbuilt=("tests",)) != without_tests


def test_wheels_of_a_project_go_to_its_dist_and_of_an_sdist_beside_it(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    sdist = tmp_path / "downloads" / "demo-1.tar.gz"
    sdist.parent.mkdir()
    sdist.write_bytes(b"")
    assert wheel_dir(project) == project / "dist"
    assert wheel_dir(sdist) == tmp_path / "downloads"


def test_identity_of_a_project_and_of_an_sdist(tmp_path: Path) -> None:
    project = make_project(tmp_path / "Demo_Pkg-2")
    (project / "pyproject.toml").write_text("[project]\nname = 'Demo_Pkg'\nversion = '2.0'\n")
    assert identity(project) == Identity("demo-pkg", Version("2"))
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\ndynamic = ['version']\n")
    assert identity(project) == Identity("demo", None)
    (project / "pyproject.toml").write_text("[build-system]\n")  # setup.py knows the name
    assert identity(project) == Identity(None, None)
    # An sdist's PKG-INFO is the authority, even when the file was renamed.
    (project / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: 2.1\n")
    sdist = tmp_path / "renamed-9.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(project, arcname="demo_pkg-2.1")
    assert identity(sdist) == Identity("demo-pkg", Version("2.1"))
    bare = tmp_path / "bare_name-3.0.tar.gz"  # no PKG-INFO: the file name says it
    with tarfile.open(bare, "w:gz") as archive:
        archive.add(project / "pyproject.toml", arcname="bare_name-3.0/pyproject.toml")
    assert identity(bare) == Identity("bare-name", Version("3.0"))
