"""What a wheel asks of Pyodide: its Requires-Dist, evaluated as CPython inside Pyodide would."""

from __future__ import annotations

import email.parser
from collections.abc import Callable, Iterable

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wasmwheel.config.pins import Target
from wasmwheel.errors import ProjectError
from wasmwheel.wheel.archive import WheelInfo


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


def runtime_requirements(wheel: WheelInfo, target: Target, extras: tuple[str, ...] = ()
                         ) -> list[Requirement]:
    """The wheel's Requires-Dist that apply inside Pyodide (with `extras` enabled)."""
    return _select(wheel.requires_dist, target, ("", *extras),
                   lambda line: f"{wheel.path.name} has an invalid Requires-Dist {line!r}")


def _applies(marker: Marker, target: Target, extra: str) -> bool:
    return marker.evaluate(marker_environment(target, extra))


def provided_extras(wheel: WheelInfo) -> tuple[str, ...]:
    """The wheel's Provides-Extra names, normalized (PEP 685)."""
    headers = email.parser.BytesParser().parsebytes(wheel.metadata)
    return tuple(canonicalize_name(e) for e in headers.get_all("Provides-Extra") or ())


def requirements_in_pyodide(lines: list[str], target: Target, where: str) -> list[Requirement]:
    """The requirement strings (e.g. a dependency group) whose markers hold inside Pyodide."""
    return _select(lines, target, ("",), lambda line: f"invalid requirement {line!r} in {where}")


def _select(lines: Iterable[str], target: Target, extras: tuple[str, ...],
            invalid: Callable[[str], str]) -> list[Requirement]:
    """The requirements among `lines` whose marker holds for one of `extras` ("" is none),
    with the marker cleared; an invalid line is a ProjectError saying `invalid(line)`."""
    selected = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise ProjectError(f"{invalid(line)}: {exc}") from None
        if req.marker is None or any(_applies(req.marker, target, extra) for extra in extras):
            req.marker = None
            selected.append(req)
    return selected
