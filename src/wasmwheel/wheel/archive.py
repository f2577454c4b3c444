"""Read what the gate needs from a wheel or sdist, proving the archive is intact.

Every function raises `ArchiveError(reason)` with a one-line reason.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

WASM_MAGIC = b"\0asm"


class ArchiveError(Exception):
    pass


@dataclass(frozen=True)
class WheelContents:
    metadata: bytes        # .dist-info/METADATA
    has_wasm: bool         # some extension module is WebAssembly


def read_wheel(path: Path) -> WheelContents:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()  # reads every member: CRC and truncation
            if bad is not None:
                raise ArchiveError(f"corrupt zip: member {bad} fails its CRC check")
            names = archive.namelist()
            tops = {n.split("/", 1)[0] for n in names}
            dist_infos = {t for t in tops if t.endswith(".dist-info")}
            if len(dist_infos) != 1:
                raise ArchiveError(f"expected one .dist-info directory, found {sorted(dist_infos)}")
            dist_info = dist_infos.pop()
            needed = ("METADATA", "WHEEL", "RECORD")
            missing = [f for f in needed if f"{dist_info}/{f}" not in names]
            if missing:
                raise ArchiveError(f"{dist_info} lacks {', '.join(missing)}")
            has_wasm = any(
                archive.open(n).read(4) == WASM_MAGIC for n in names if n.endswith(".so")
            )
            return WheelContents(archive.read(f"{dist_info}/METADATA"), has_wasm)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ArchiveError(f"corrupt zip: {exc}") from None


def read_sdist(path: Path) -> bytes:
    """PKG-INFO of an sdist (`<name>-<version>/PKG-INFO`), after reading every member."""
    try:
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                if (bad := archive.testzip()) is not None:
                    raise ArchiveError(f"corrupt zip: member {bad} fails its CRC check")
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
        raise ArchiveError(f"unreadable sdist archive: {exc}") from None
    top = [data for name, data in members.items() if name.count("/") == 1]
    if not top:
        raise ArchiveError("no <name>-<version>/PKG-INFO in the sdist")
    return top[0]
