"""The source the user pointed at: a project directory or an sdist.

PATH may be a project directory (pyproject.toml or setup.py) or an sdist
archive (.tar.gz / .zip). This module knows three things about a source:

- how to stage it: building always happens on a copy (or an unpacked sdist),
  so the user's tree never gets build/ or *.egg-info droppings from a
  root-owned chroot;
- where its wheels go (`wheel_dir`): PROJECT/dist for a directory, and the
  sdist's own directory for an sdist, so that `build` and `test` agree
  whatever the current directory is (and `python -m build`'s dist/, which
  holds the sdist, ends up holding the wheel beside it);
- what its staged copy holds (`source_digest`), to tell whether a wheel is stale.

Why copy rather than build an sdist first, as pypa/build does: an sdist
needs the project's build backend on the host (an isolated environment
fetched from PyPI, seconds per build, and no offline builds), while the
route builds inside its own environment anyway. So we copy, leaving out
what is never source. Names that are valid Python identifiers (`build`,
`dist`, `venv`, `node_modules`) are left out only at the project root,
where tools put their outputs: deeper down they are legitimate subpackages
(`src/pkg/build/`). Names that can never be code or data of a package
(VCS and tool dot-directories, bytecode caches, setuptools' *.egg-info,
which may sit in src/) are left out at every depth.
"""

from __future__ import annotations

import email.parser
import fnmatch
import hashlib
import os
import shutil
import tarfile
import tomllib
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename
from packaging.version import InvalidVersion, Version

from wasmwheel.config.sdist_integrity import check_sdist_integrity
from wasmwheel.errors import NoInputError, ProjectError

IGNORED_EVERYWHERE = (".git", ".hg", ".svn", ".nox", ".tox", ".venv", ".eggs", ".wasmwheel",
                      "__pycache__", "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache")
IGNORED_AT_ROOT = ("build", "dist", "venv", "node_modules", "*.whl")
SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip")


@dataclass(frozen=True)
class Project:
    """A project directory ready to build (possibly unpacked from an sdist)."""

    root: Path
    origin: Path  # what the user passed


@dataclass(frozen=True)
class Identity:
    """The distribution a source builds, as far as it can be known without building it."""

    name: str | None          # canonical; None when only setup.py knows it
    version: Version | None   # None when dynamic


def is_project_dir(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() or (path / "setup.py").is_file()


def is_sdist(path: Path) -> bool:
    return path.is_file() and path.name.endswith(SDIST_SUFFIXES)


def _unpack_sdist(archive: Path, into: Path) -> Path:
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(into)
        else:
            with tarfile.open(archive) as bundle:
                bundle.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
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
        check_sdist_integrity(path)
    elif not is_project_dir(path):
        raise ProjectError(
            f"{path} is not a Python project: it has neither pyproject.toml nor setup.py",
            hint="point wasmwheel at the directory that holds your pyproject.toml",
        )


def _ignore_for(root: Path) -> Callable[[str, list[str]], set[str]]:
    """A `shutil.copytree` ignore function: root-only names at `root`, the rest everywhere."""
    def ignore(directory: str, names: list[str]) -> set[str]:
        patterns = IGNORED_EVERYWHERE + (IGNORED_AT_ROOT if Path(directory) == root else ())
        return {name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)}
    return ignore


def stage(path: Path, workdir: Path) -> Project:
    """Copy (or unpack) the project at `path` into `workdir` and return it."""
    path = path.expanduser()
    check_source(path)
    if path.is_file():
        return Project(root=_unpack_sdist(path, workdir / "sdist"), origin=path)
    copy = workdir / path.resolve().name
    shutil.copytree(path, copy, ignore=_ignore_for(path), symlinks=True)
    return Project(root=copy, origin=path)


def source_files(project_dir: Path) -> Iterator[Path]:
    """The files `stage` would copy from `project_dir` (same rules)."""
    ignore = _ignore_for(project_dir)
    for directory, dirs, files in os.walk(project_dir):
        skipped = ignore(directory, [*dirs, *files])
        dirs[:] = [d for d in dirs if d not in skipped]
        yield from (Path(directory) / f for f in files if f not in skipped)


def source_digest(path: Path, *, unbuilt: Iterable[str] = ()) -> str:
    """sha256 of what `stage` would hand the build: the sdist's bytes, or every staged file.

    Each file counts by its relative path, executable bit and bytes (a
    symlink by its target), in a fixed order, so the digest changes exactly
    when the staged copy would; mtimes never count (a checkout, `touch` or a
    copy changes them without changing a byte). Paths listed in `unbuilt`
    (relative to the project, e.g. test paths outside any package) are left out.
    """
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as archive:
            digest.update(hashlib.file_digest(archive, "sha256").digest())
        return digest.hexdigest()
    skipped = [(path / rel).resolve() for rel in unbuilt]
    files = sorted((f.relative_to(path).as_posix(), f) for f in source_files(path))
    for relative, file in files:
        if any(file.resolve().is_relative_to(s) for s in skipped):
            continue
        digest.update(f"{relative}\0{_file_fingerprint(file)}\n".encode())
    return digest.hexdigest()


def _file_fingerprint(file: Path) -> str:
    if file.is_symlink():
        return f"link:{os.readlink(file)}"
    try:
        with file.open("rb") as handle:
            content = hashlib.file_digest(handle, "sha256").hexdigest()
        executable = bool(file.stat().st_mode & 0o111)  # what copytree's copy keeps
    except OSError as exc:
        return f"unreadable:{exc.strerror}"  # staging will say what is wrong
    return f"{'x' if executable else '-'}:{content}"


def wheel_dir(path: Path) -> Path:
    """Where `build` writes the wheels of a source and `test` looks for them."""
    return path.parent if path.is_file() else path / "dist"


def identity(path: Path) -> Identity:
    """Name and version of a project directory (pyproject [project]) or sdist (PKG-INFO)."""
    if path.is_file():
        return _sdist_identity(path)
    try:
        data = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return Identity(None, None)
    table = data.get("project", {})
    name, version = table.get("name"), table.get("version")
    return Identity(canonicalize_name(name) if isinstance(name, str) else None,
                    _version(version) if isinstance(version, str) else None)


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _sdist_identity(archive: Path) -> Identity:
    metadata = _read_pkg_info(archive)
    if metadata is not None:
        headers = email.parser.HeaderParser().parsestr(metadata)
        name, version = headers.get("Name"), headers.get("Version")
        if name and version:
            return Identity(canonicalize_name(name), _version(version))
    try:
        from_name, from_version = parse_sdist_filename(archive.name)
    except InvalidSdistFilename:
        return Identity(None, None)
    return Identity(from_name, from_version)


def _read_pkg_info(archive: Path) -> str | None:
    """The top-level PKG-INFO of an sdist, without unpacking it; None if there is none."""
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                names = [n for n in bundle.namelist() if n.count("/") == 1 and n.endswith("/PKG-INFO")]
                return bundle.read(names[0]).decode("utf-8") if names else None
        with tarfile.open(archive) as bundle:
            for member in bundle:
                if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    handle = bundle.extractfile(member)
                    return handle.read().decode("utf-8") if handle else None
    except (tarfile.TarError, zipfile.BadZipFile, OSError, UnicodeDecodeError):
        return None
    return None
