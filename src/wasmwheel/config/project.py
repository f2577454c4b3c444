"""Find and stage the Python project to build.

PATH may be a project directory (pyproject.toml or setup.py) or an sdist
archive (.tar.gz / .zip). Building always happens on a staged copy, so the
user's tree never gets build/ or *.egg-info droppings from a root-owned chroot.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.errors import NoInputError, ProjectError

# Never staged: VCS data, caches and previous outputs (they can be large and
# would make builds depend on leftovers).
IGNORED = (".git", ".hg", ".nox", ".tox", ".venv", "venv", "build", "dist", "node_modules",
           "__pycache__", "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.whl")
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip")


@dataclass(frozen=True)
class Project:
    """A project directory ready to build (possibly unpacked from an sdist)."""

    root: Path
    origin: Path  # what the user passed


def is_project_dir(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() or (path / "setup.py").is_file()


def _unpack_sdist(archive: Path, into: Path) -> Path:
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(into)
        else:
            with tarfile.open(archive) as bundle:
                bundle.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise ProjectError(f"{archive} is not a readable sdist: {exc}") from None
    tops = [p for p in into.iterdir() if p.is_dir()]
    if len(tops) == 1 and is_project_dir(tops[0]):
        return tops[0]
    if is_project_dir(into):
        return into
    raise ProjectError(f"{archive} does not contain a Python project (no pyproject.toml or setup.py)")


def check_source(path: Path) -> None:
    """Refuse anything that is neither a project directory nor an sdist (cheap; no copying)."""
    if not path.exists():
        raise NoInputError(f"{path} does not exist", hint="pass a project directory or an sdist")
    if path.is_file():
        if not path.name.endswith(SDIST_SUFFIXES):
            raise ProjectError(
                f"{path} is a file but not an sdist",
                hint="pass a project directory or a .tar.gz/.zip sdist",
            )
    elif not is_project_dir(path):
        raise ProjectError(
            f"{path} is not a Python project: it has neither pyproject.toml nor setup.py",
            hint="point wasmwheel at the directory that holds your pyproject.toml",
        )


def stage(path: Path, workdir: Path) -> Project:
    """Copy (or unpack) the project at `path` into `workdir` and return it."""
    path = path.expanduser()
    check_source(path)
    if path.is_file():
        return Project(root=_unpack_sdist(path, workdir / "sdist"), origin=path)
    copy = workdir / path.resolve().name
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    return Project(root=copy, origin=path)
