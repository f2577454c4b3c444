"""SOURCE_DATE_EPOCH for a build: the one time every member of the wheel carries.

In order (https://reproducible-builds.org/specs/source-date-epoch/):
1. SOURCE_DATE_EPOCH from the environment, as given;
2. for an sdist, the time of its PKG-INFO (set when the sdist was made);
3. for a project in a git checkout, the time of HEAD's commit (`git log -1
   --format=%ct`): the same in a shallow CI clone and a full one, which the
   last commit touching the project's folder would not be;
4. otherwise 1980-01-01T00:00:00Z (wheel.reproducible.DEFAULT_EPOCH).

Never the files' own mtimes: a copy, a checkout or a Docker COPY changes them.
"""

from __future__ import annotations

import calendar
import os
import shutil
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.errors import ConfigError
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

ENV = "SOURCE_DATE_EPOCH"


@dataclass(frozen=True)
class SourceDate:
    epoch: int
    origin: str  # where it came from, for the progress line


def source_date(path: Path, environ: Mapping[str, str] = os.environ) -> SourceDate:
    """The SOURCE_DATE_EPOCH a build of `path` (project directory or sdist) uses."""
    given = environ.get(ENV, "").strip()
    if given:
        if not given.isdigit():
            raise ConfigError(
                f"{ENV}={given!r} is not a number of seconds since 1970",
                hint=f"set it to an integer such as `git log -1 --format=%ct`, or unset {ENV}",
            )
        return SourceDate(int(given), ENV)
    if path.is_file():
        found = _sdist_pkg_info_time(path)
        if found is not None:
            return SourceDate(found, f"PKG-INFO of {path.name}")
    else:
        found = _git_head_time(path)
        if found is not None:
            return SourceDate(found, "the last git commit")
    return SourceDate(DEFAULT_EPOCH, "the default (1980-01-01)")


def _sdist_pkg_info_time(archive: Path) -> int | None:
    """The mtime of the sdist's top-level PKG-INFO; None if it has none (or it is unreadable)."""
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                for info in bundle.infolist():
                    if info.filename.count("/") == 1 and info.filename.endswith("/PKG-INFO"):
                        return _zip_time_to_epoch(info.date_time)
            return None
        with tarfile.open(archive) as bundle:
            for member in bundle:
                if member.isfile() and member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                    return int(member.mtime)
    except (tarfile.TarError, zipfile.BadZipFile, OSError):
        return None
    return None


def _zip_time_to_epoch(date_time: tuple[int, int, int, int, int, int]) -> int:
    # A zip time has no zone; read it as UTC, the way wheel.reproducible writes it.
    return calendar.timegm((*date_time, 0, 0, 0))


def _git_head_time(project: Path) -> int | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        result = subprocess.run(
            [git, "-C", str(project), "log", "-1", "--format=%ct"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = result.stdout.strip()
    return int(out) if result.returncode == 0 and out.isdigit() else None


def describe(found: SourceDate) -> str:
    """`1700000000 (2023-11-14 22:13:20 UTC, from the last git commit)`."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(found.epoch))
    return f"{found.epoch} ({when} UTC, from {found.origin})"
