"""Small, valid wheels and sdists written directly (no build backend), for any test that
needs an archive to inspect, stamp, gate, publish or install.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.tags import parse_tag


def _bytes(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def record_row(name: str, data: bytes) -> list[str]:
    """One RECORD row: name, urlsafe-base64 sha256 without padding, size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def metadata_text(name: str, version: str, requires: Sequence[str] = ()) -> str:
    return (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: a test package\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires))


def make_wheel(
    directory: Path,
    name: str = "demo",
    version: str = "1.0",
    tags: str = "py3-none-any",
    *,
    files: Mapping[str, str | bytes] | None = None,
    requires: Sequence[str] = (),
    metadata: str | bytes | None = None,
    filename: str | None = None,
    omit: Sequence[str] = (),
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Write `<name>-<version>-<tags>.whl` (or `filename`) into `directory` and return it.

    `files` default to an empty `<name>/__init__.py` (extra .dist-info files such as
    wasmwheel.json go there too, under `<name>-<version>.dist-info/`); METADATA (built from
    name, version and `requires` unless given whole as `metadata`), WHEEL and a RECORD that
    matches every member's bytes are added. `omit` leaves out .dist-info files on purpose
    ("RECORD", "WHEEL"...); `compression=zipfile.ZIP_STORED` keeps member bytes findable in
    the file, for tests that corrupt them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[-_.]+", "_", name)  # wheel file names and .dist-info escape `-`
    info = f"{stem}-{version}.dist-info"
    purelib = tags.endswith("-none-any")
    wheel_file = "Wheel-Version: 1.0\nGenerator: wasmwheel-tests\n" + (
        f"Root-Is-Purelib: {'true' if purelib else 'false'}\n"
        + "".join(f"Tag: {tag}\n" for tag in sorted(map(str, parse_tag(tags)))))
    members = {
        **{path: _bytes(data) for path, data in (files or {f"{stem}/__init__.py": b""}).items()},
        f"{info}/METADATA": _bytes(metadata if metadata is not None
                                   else metadata_text(name, version, requires)),
        f"{info}/WHEEL": wheel_file.encode(),
    }
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    writer.writerows(record_row(path, data) for path, data in members.items())
    writer.writerow([f"{info}/RECORD", "", ""])
    members[f"{info}/RECORD"] = record.getvalue().encode()
    path = directory / (filename or f"{stem}-{version}-{tags}.whl")
    left_out = {f"{info}/{file}" for file in omit}
    with zipfile.ZipFile(path, "w", compression) as archive:
        for member, data in members.items():
            if member not in left_out:
                archive.writestr(member, data)
    return path


def make_sdist(
    directory: Path,
    name: str = "demo",
    version: str = "1.0",
    *,
    pkg_info: str | bytes | None = "",
    files: Mapping[str, str | bytes] | None = None,
    filename: str | None = None,
) -> Path:
    """Write `<name>-<version>.tar.gz` (or `filename`) with pyproject.toml and PKG-INFO
    (built from name and version when "", left out when None), plus `files` (paths relative
    to the sdist's top directory; a `pyproject.toml` there replaces the default one)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[-_.]+", "_", name)
    members = {"pyproject.toml": f"[project]\nname = '{name}'\n".encode()}
    if pkg_info is not None:
        members["PKG-INFO"] = _bytes(pkg_info or metadata_text(name, version))
    members.update({path: _bytes(data) for path, data in (files or {}).items()})
    path = directory / (filename or f"{stem}-{version}.tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for member, data in members.items():
            entry = tarfile.TarInfo(f"{stem}-{version}/{member}")
            entry.size = len(data)
            archive.addfile(entry, io.BytesIO(data))
    return path
