"""What the runner needs to know about the wheel under test, read from the file itself."""

from __future__ import annotations

import email.parser
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from wasmwheel.config.pins import Target
from wasmwheel.errors import NoInputError, ProjectError, TestRunError


@dataclass(frozen=True)
class WheelInfo:
    path: Path
    name: NormalizedName
    version: str
    tags: frozenset[Tag]
    requires_dist: tuple[str, ...]
    top_level: tuple[str, ...]  # importable top-level modules: the import check imports these


def marker_environment(target: Target, extra: str = "") -> dict[str, str]:
    """PEP 508 marker values as seen by CPython inside Pyodide."""
    return {
        "implementation_name": "cpython",
        "implementation_version": target.python,
        "os_name": "posix",
        "platform_machine": "wasm32",
        "platform_python_implementation": "CPython",
        "platform_release": target.emscripten,
        "platform_system": "Emscripten",
        "platform_version": "#1",
        "python_full_version": target.python,
        "python_version": target.python_major_minor,
        "sys_platform": "emscripten",
        "extra": extra,
    }


def accepted_platforms(target: Target) -> set[str]:
    """Platform tags a wheel may carry to load in this target's runtime."""
    emscripten = target.emscripten.replace(".", "_")
    return {"any", target.platform_tag, f"pyodide_{target.abi}_wasm32",
            f"emscripten_{emscripten}_wasm32"}


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


def read_wheel(path: Path) -> WheelInfo:
    if not path.is_file():
        raise NoInputError(f"wheel not found: {path}", hint="build it first with `wasmwheel build`")
    try:
        name, version, _build, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise ProjectError(f"{path.name} is not a wheel file name: {exc}") from None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            metadata_name = next(n for n in names if n.count("/") == 1
                                 and n.endswith(".dist-info/METADATA"))
            metadata = email.parser.BytesParser().parsebytes(archive.read(metadata_name))
    except (zipfile.BadZipFile, StopIteration, OSError) as exc:
        raise ProjectError(f"{path} is not a readable wheel: {exc or 'no METADATA'}") from None
    return WheelInfo(path=path, name=name, version=str(version), tags=frozenset(tags),
                     requires_dist=tuple(metadata.get_all("Requires-Dist") or ()),
                     top_level=_top_level(names))


def check_compatible(wheel: WheelInfo, target: Target) -> None:
    """Refuse a wheel built for another platform: Pyodide would install it and fail obscurely later."""
    platforms = {tag.platform for tag in wheel.tags}
    if not platforms & accepted_platforms(target):
        raise TestRunError(
            f"{wheel.path.name} is built for {', '.join(sorted(platforms))}, "
            f"not for {target.name} ({target.platform_tag})",
            hint="build the wheel with `wasmwheel build` for this target",
        )


def runtime_requirements(wheel: WheelInfo, target: Target, extras: tuple[str, ...] = ()
                         ) -> list[Requirement]:
    """The wheel's Requires-Dist that apply inside Pyodide (with `extras` enabled)."""
    selected = []
    for line in wheel.requires_dist:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise ProjectError(f"{wheel.path.name} has an invalid Requires-Dist {line!r}: {exc}") \
                from None
        if req.marker is None or any(_applies(req.marker, target, extra) for extra in ("", *extras)):
            req.marker = None
            selected.append(req)
    return selected


def _applies(marker: Marker, target: Target, extra: str) -> bool:
    return marker.evaluate(marker_environment(target, extra))
