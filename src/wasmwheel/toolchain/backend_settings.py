"""Config settings `pyodide build` hands to a project's build backend, chosen by the backend.

meson-python: pyodide-build adds Emscripten's meson cross file only to a
`meson setup` found on PATH (its compiler wrappers rewrite that command). A
project that runs its own copy of meson (numpy runs `vendored-meson/meson/meson.py`
with the build's Python) bypasses the wrapper, and meson then refuses emcc
("Emscripten compiler can only be used for cross compilation"). meson-python's
`setup-args` reach whichever meson it runs, so every meson-python build gets
the cross file that way too (Pyodide's own numpy recipe does the same). When
the wrapper also adds it, meson reads the same file twice: harmless, since
later cross files only override earlier ones.

The cross file's path is pyodide-build's own (`pyodide config get
meson_cross_file`), asked only for meson-python projects: each route runs its
pyodide-build in a different place (a chroot, a venv in the cache, PATH).
"""

from __future__ import annotations

import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain.failure import failure_message

MESON_PYTHON = "mesonpy"
# The arguments of the `pyodide` command that print the cross file's path.
CROSS_FILE_QUERY = ("config", "get", "meson_cross_file")


def build_backend(source_dir: Path) -> str | None:
    """The project's PEP 517 `build-backend`, or None when it names none (setuptools' legacy
    default) or its pyproject.toml cannot be read (the build itself will say why)."""
    try:
        data = tomllib.loads((source_dir / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    system = data.get("build-system")
    backend = system.get("build-backend") if isinstance(system, dict) else None
    return backend.strip() if isinstance(backend, str) else None


def config_settings(source_dir: Path, cross_file: Callable[[], str]) -> list[str]:
    """The `pyodide build` arguments this project's backend needs; `cross_file` (the
    route's query for the meson cross file) is called only when one is needed."""
    if build_backend(source_dir) != MESON_PYTHON:
        return []
    return ["--config-setting", f"setup-args=--cross-file={cross_file()}"]


def cross_file_from(result: subprocess.CompletedProcess[str]) -> str:
    """The path `pyodide config get meson_cross_file` printed (its last line)."""
    what = "`pyodide " + " ".join(CROSS_FILE_QUERY) + "` (the cross file of a meson-python build)"
    hint = "the route's pyodide-build is broken: run `wasmwheel doctor`"
    if result.returncode != 0:
        output = (result.stdout or "") + (result.stderr or "")
        raise ToolchainError(failure_message(what, result.returncode, output), hint=hint)
    lines = [line.strip() for line in (result.stdout or "").splitlines() if line.strip()]
    if not lines or not lines[-1].startswith("/"):
        printed = repr(lines[-1]) if lines else "nothing"
        raise ToolchainError(f"{what} printed {printed}, not a path", hint=hint)
    return lines[-1]
