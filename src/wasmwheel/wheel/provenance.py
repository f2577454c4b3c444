"""Provenance recorded inside every wheel wasmwheel builds.

A `wasmwheel.json` file in the wheel's .dist-info says which route and
Emscripten built it, against which pins, and whether the toolchain was an
approximation of the pinned one. `publish` reads it back to keep approximate
wheels away from PyPI.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from wasmwheel import __version__

FILENAME = "wasmwheel.json"


@dataclass(frozen=True)
class Provenance:
    target: str
    pins_hash: str
    route: str
    approximate: bool
    emscripten: str               # version that actually compiled the wheel
    pinned_emscripten: str
    pyodide: str
    platform_tag: str
    wasmwheel: str = __version__
    # The exact route: were Emscripten's archives checked against pinned sha256s?
    # False = installed from archives NOT verified (none pinned); None = not applicable.
    sdk_verified: bool | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


def _dist_info_dir(names: list[str]) -> str:
    tops = {name.split("/", 1)[0] for name in names if ".dist-info/" in name}
    dist_infos = [t for t in tops if t.endswith(".dist-info")]
    if len(dist_infos) != 1:
        raise ValueError(f"expected one .dist-info directory, found {sorted(dist_infos)}")
    return dist_infos[0]


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def stamp_wheel(wheel: Path, provenance: Provenance, dest: Path) -> Path:
    """Write a copy of `wheel` at `dest` with the provenance file added and RECORD updated."""
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:
        with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
            names = src.namelist()
            dist_info = _dist_info_dir(names)
            record_name = f"{dist_info}/RECORD"
            prov_name = f"{dist_info}/{FILENAME}"
            payload = provenance.to_json().encode()
            rows: list[list[str]] = []
            for info in src.infolist():
                if info.filename in (record_name, prov_name):
                    continue
                out.writestr(info, src.read(info.filename))
            out.writestr(prov_name, payload)
            for row in csv.reader(io.StringIO(src.read(record_name).decode())):
                if row and row[0] not in (record_name, prov_name):
                    rows.append(row)
            rows.append([prov_name, _record_hash(payload), str(len(payload))])
            rows.append([record_name, "", ""])
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            out.writestr(record_name, buffer.getvalue())
        partial.replace(dest)
        return dest
    finally:
        partial.unlink(missing_ok=True)


def read_provenance(wheel: Path) -> Provenance | None:
    """The provenance stamped into `wheel`, or None if it has none."""
    with zipfile.ZipFile(wheel) as archive:
        dist_info = _dist_info_dir(archive.namelist())
        try:
            data = json.loads(archive.read(f"{dist_info}/{FILENAME}"))
        except KeyError:
            return None
    return Provenance(**data)
