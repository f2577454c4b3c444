"""Is an sdist whole? Checked before any toolchain work.

A truncated or corrupted .tar.gz often unpacks "successfully": tarfile stops
at the first bad header after the start and reports nothing, so the damage
shows up much later as a missing pyproject.toml or a failing compile. gzip's
own trailer (CRC-32 and length) and zip's per-member CRCs say it at once.
"""

from __future__ import annotations

import functools
import gzip
import zipfile
import zlib
from pathlib import Path

from wasmwheel.errors import ProjectError

CHUNK = 1 << 20
HINT = "download the sdist again (e.g. `pip download --no-binary :all: --no-deps NAME`)"


def check_sdist_integrity(path: Path) -> None:
    """Raise ProjectError unless every byte of the archive at `path` checks out.

    One command checks its source several times (before a build, when staging it,
    once per target); a file whose size and mtime have not changed since it passed
    is not read again.
    """
    try:
        info = path.stat()
        _checked(path.resolve(), info.st_size, info.st_mtime_ns)
    except (EOFError, OSError, zlib.error, zipfile.BadZipFile) as exc:
        raise ProjectError(
            f"{path} is a damaged sdist (truncated or corrupted): {exc}", hint=HINT
        ) from None


@functools.lru_cache(maxsize=64)
def _checked(path: Path, size: int, mtime_ns: int) -> None:
    """The check itself; only a pass is remembered (a failure raises, and is not cached)."""
    if path.name.endswith(".zip"):
        _check_zip(path)
    else:
        _check_gzip(path)


def _check_gzip(path: Path) -> None:
    # Reading to the end makes gzip verify its CRC-32 and length trailer.
    with gzip.open(path, "rb") as stream:
        while stream.read(CHUNK):
            pass


def _check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as bundle:
        bad = bundle.testzip()
    if bad is not None:
        raise zipfile.BadZipFile(f"member {bad} fails its CRC check")
