"""Read a wheel or an sdist, proving the archive is intact: the one place that opens them.

`read_wheel` serves every verb: the runner needs the name, tags, Requires-Dist
and top-level modules; the publish gate needs METADATA and whether any
extension is WebAssembly. Each member is read once (CRC and truncation
checked) so a corrupt file fails here with one line, not later in Pyodide or
at the index. Errors are `ArchiveError`, a ProjectError that carries the
gate's rule name and a reason without the file name.
"""

from __future__ import annotations

import email.parser
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from wasmwheel.errors import ProjectError

WASM_MAGIC = b"\0asm"


class ArchiveError(ProjectError):
    """A wheel or sdist that cannot be used; `rule` is exists, filename or archive."""

    def __init__(self, path: Path, rule: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {reason}", hint=hint)
        self.rule = rule
        self.reason = reason


@dataclass(frozen=True)
class WheelInfo:
    path: Path
    name: NormalizedName
    version: Version
    tags: frozenset[Tag]
    metadata: bytes                  # .dist-info/METADATA
    requires_dist: tuple[str, ...]
    top_level: tuple[str, ...]       # importable top-level modules: the import check imports these
    has_wasm: bool                   # some extension module is WebAssembly


def read_wheel(path: Path) -> WheelInfo:
    if not path.is_file():
        raise ArchiveError(path, "exists", "no such wheel file",
                           hint="build it first with `wasmwheel build`")
    try:
        name, version, _build, tags = parse_wheel_filename(path.name)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        raise ArchiveError(path, "filename", f"wheel file name does not parse: {exc}") from None
    try:
        with zipfile.ZipFile(path) as archive:
            if (bad := archive.testzip()) is not None:  # reads every member
                raise ArchiveError(path, "archive", f"corrupt zip: member {bad} fails its CRC check")
            names = archive.namelist()
            dist_info = _dist_info(path, names)
            metadata = archive.read(f"{dist_info}/METADATA")
            has_wasm = any(archive.open(n).read(4) == WASM_MAGIC for n in names if n.endswith(".so"))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArchiveError(path, "archive", f"corrupt zip: {exc}") from None
    requires = email.parser.BytesParser().parsebytes(metadata).get_all("Requires-Dist") or ()
    return WheelInfo(path=path, name=name, version=version, tags=frozenset(tags),
                     metadata=metadata, requires_dist=tuple(requires),
                     top_level=_top_level(names), has_wasm=has_wasm)


def _dist_info(path: Path, names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    dist_infos = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(dist_infos) != 1:
        raise ArchiveError(path, "archive", f"expected one .dist-info directory, found {dist_infos}")
    missing = [f for f in ("METADATA", "WHEEL", "RECORD") if f"{dist_infos[0]}/{f}" not in names]
    if missing:
        raise ArchiveError(path, "archive", f"{dist_infos[0]} lacks {', '.join(missing)}")
    return dist_infos[0]


def _top_level(names: list[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for name in names:
        first, _, rest = name.partition("/")
        if first.endswith((".dist-info", ".data")) or first == "__pycache__":
            continue
        if not rest:  # a top-level module file: foo.py, foo.cpython-314-wasm32-emscripten.so
            if first.endswith((".py", ".so")):
                found.add(first.split(".")[0])
        elif rest == "__init__.py":
            found.add(first)
    return tuple(sorted(n for n in found if n.isidentifier()))


def read_sdist(path: Path) -> bytes:
    """PKG-INFO of an sdist (`<name>-<version>/PKG-INFO`), after reading every member."""
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                if (bad := archive.testzip()) is not None:
                    raise ArchiveError(path, "archive",
                                       f"corrupt zip: member {bad} fails its CRC check")
                members = {n: archive.read(n) for n in archive.namelist()
                           if n.endswith("/PKG-INFO")}
        else:
            with tarfile.open(path, "r:*") as archive:
                members = {}
                for member in archive:  # reading to the end catches truncation
                    handle = archive.extractfile(member) if member.isfile() else None
                    data = handle.read() if handle else b""
                    if member.name.endswith("/PKG-INFO"):
                        members[member.name] = data
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArchiveError(path, "archive", f"unreadable sdist archive: {exc}") from None
    top = [data for name, data in members.items() if name.count("/") == 1]
    if not top:
        raise ArchiveError(path, "archive", "no <name>-<version>/PKG-INFO in the sdist")
    return top[0]
