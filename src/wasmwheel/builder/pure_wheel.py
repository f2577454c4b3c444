"""A project with native code must not quietly become a pure-Python wheel.

Backends that treat extensions as optional (scikit-build-core's `if.failed`
override, setuptools' optional extensions, a setup.py that catches the
compiler's failure) report success with a py3-none-any wheel when the
compile fails: the package then runs without its compiled code, or not at
all. setuptools even tags such a wheel for the platform when it has
ext_modules, so the test is the wheel's content: no compiled extension (.so)
from a project with native sources fails here, unless the user accepts it
(--allow-pure-wheel).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from wasmwheel import progress
from wasmwheel.builder.native_sources import native_sources
from wasmwheel.errors import BuildError
from wasmwheel.toolchain.diagnosis import fallback_line, first_error

ALLOW_FLAG = "--allow-pure-wheel"


def has_extension(wheel: Path) -> bool:
    with zipfile.ZipFile(wheel) as archive:
        return any(name.endswith(".so") for name in archive.namelist())


def check_not_fallback(wheel: Path, project: Path, log: str, *, allowed: bool) -> None:
    """Refuse `wheel` if it holds no compiled extension while `project` has native
    sources, unless `allowed`."""
    if has_extension(wheel):
        return
    evidence = native_sources(project)
    if not evidence:
        return  # a pure project: a pure wheel is the right result
    shown = ", ".join(evidence)
    if allowed:
        progress.step(f"note: {wheel.name} holds no compiled extension although the project has "
                      f"native sources "
                      f"({shown}); accepted because of {ALLOW_FLAG}")
        return
    fallback = fallback_line(log)
    said = f"the build fell back to pure Python ({fallback!r})" if fallback else (
        "no extension was built")
    error = first_error(log)
    raise BuildError(
        f"{wheel.name} holds no compiled extension but the project has native sources "
        f"({shown}): {said}; "
        f"first error: {error if error else 'none found in the output'}",
        hint=f"fix that error (the build's output is above), or pass {ALLOW_FLAG} to accept "
        "a wheel without the compiled extensions",
    )
