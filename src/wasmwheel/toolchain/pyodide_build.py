"""Run `pyodide build` on a project and return the one wheel it wrote.

Shared by the routes: each supplies the command and the environment
(its xbuildenv, its Emscripten); this module only runs it and finds the wheel.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import BuildError
from wasmwheel.toolchain.failure import failure_message, run_streamed

# Variables that would make pyodide-build use something other than what the
# route chose (another Pyodide tree, or an emsdk cloned at its moving HEAD).
_CLEARED = ("PYODIDE_ROOT",)
BUILD_HINT = (
    "fix the errors above; differences from a native build usually come from code that "
    "assumes a 64-bit `long` or needs threads"
)


def build_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    env.update(extra)
    # Never let pyodide-build clone and install an unpinned emsdk on its own.
    env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] = "1"
    env["PYTHONUNBUFFERED"] = "1"  # its output reaches the terminal as it happens
    return env


def run_pyodide_build(
    command: list[str], source_dir: Path, outdir: Path, env: Mapping[str, str]
) -> Path:
    """`<command> build <source_dir> --outdir <outdir>`; its output goes to stderr
    as it happens, and a failure ends with the compiler's own errors."""
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.glob("*.whl"))
    progress.step(f"pyodide build {source_dir}")
    result = run_streamed(
        [*command, "build", str(source_dir), "--outdir", str(outdir)], cwd=source_dir, env=env
    )
    if result.returncode != 0:
        raise BuildError(
            failure_message(f"pyodide build of {source_dir.name}", result.returncode, result.stdout),
            hint=BUILD_HINT,
        )
    wheels = sorted(set(outdir.glob("*.whl")) - before)
    if len(wheels) != 1:
        raise BuildError(
            f"pyodide build wrote {len(wheels)} new wheels into {outdir}, expected one"
        )
    return wheels[0]
